#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rlbench/envs/env.hpp"

namespace rlbench::envs {

// One registered env: its id, its default spec and a factory that accepts the default spec or
// a modified copy of it (the same dims and model; e.g. terminate_when_unhealthy = false).
struct EnvEntry {
  const char* id;
  const TaskSpec& (*spec)();
  std::unique_ptr<Env> (*make)(const TaskSpec& spec, std::uint64_t seed);
};

// Every env, in a stable order ("hopper", "halfcheetah", "walker2d", "ant"). An explicit list
// (envs/registry.cpp); a duplicate id is a startup error.
const std::vector<EnvEntry>& env_registry();

// The entry for an env id. Throws UsageError with a did-you-mean hint for an unknown id.
const EnvEntry& find_env(const std::string& id);

// Builds an env by id, seeded with `seed`.
std::unique_ptr<Env> make_env(const std::string& id, std::uint64_t seed);

// Builds the env of `spec.id` with a modified spec. Throws UsageError when the dims, model or
// frame skip differ from the registered spec.
std::unique_ptr<Env> make_env(const TaskSpec& spec, std::uint64_t seed);

// The env id of a D4RL dataset name ("hopper-medium-v2" -> "hopper"). Throws UsageError for an
// unknown name and Error for datasets whose env rlbench does not implement (antmaze, maze2d).
std::string env_for_dataset(const std::string& dataset_name);

// The env id for a name that is either an env id or a dataset name.
std::string resolve_env(const std::string& env_or_dataset);

}  // namespace rlbench::envs
