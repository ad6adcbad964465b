#include "rlbench/envs/registry.hpp"

#include <set>

#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/envs/tasks.hpp"

namespace rlbench::envs {

namespace {

std::vector<EnvEntry> build_registry() {
  std::vector<EnvEntry> list = {
      {"hopper", hopper_spec, make_hopper},
      {"halfcheetah", half_cheetah_spec, make_half_cheetah},
      {"walker2d", walker2d_spec, make_walker2d},
      {"ant", ant_spec, make_ant},
  };
  std::set<std::string> seen;
  for (const auto& e : list) {
    if (!seen.insert(e.id).second || e.spec().id != e.id) {
      throw Error(std::string("env registry: duplicate or mismatched id \"") + e.id + "\"");
    }
  }
  return list;
}

std::vector<std::string> env_ids() {
  std::vector<std::string> ids;
  for (const auto& e : env_registry()) ids.emplace_back(e.id);
  return ids;
}

}  // namespace

const std::vector<EnvEntry>& env_registry() {
  static const std::vector<EnvEntry> list = build_registry();
  return list;
}

const EnvEntry& find_env(const std::string& id) {
  for (const auto& e : env_registry()) {
    if (id == e.id) return e;
  }
  const auto ids = env_ids();
  throw UsageError("env \"" + id + "\": unknown env" + core::did_you_mean(id, ids) +
                   "; expected one of: " + core::join(ids, ", "));
}

std::unique_ptr<Env> make_env(const std::string& id, std::uint64_t seed) {
  const auto& entry = find_env(id);
  return entry.make(entry.spec(), seed);
}

std::unique_ptr<Env> make_env(const TaskSpec& spec, std::uint64_t seed) {
  const auto& entry = find_env(spec.id);
  const auto& base = entry.spec();
  // the task code indexes qpos/qvel/obs with fixed offsets: only behavioural knobs may change
  if (spec.obs_dim != base.obs_dim || spec.act_dim != base.act_dim || spec.xml != base.xml ||
      spec.frame_skip != base.frame_skip) {
    throw UsageError(spec.id + ": a modified spec must keep the registered dims, model and " +
                     "frame skip");
  }
  return entry.make(spec, seed);
}

std::string env_for_dataset(const std::string& dataset_name) {
  const auto entry = data::find_dataset(dataset_name);
  if (!entry) {
    throw UsageError("dataset \"" + dataset_name + "\": unknown dataset" +
                     core::did_you_mean(dataset_name, data::dataset_names()));
  }
  for (const auto& e : env_registry()) {
    if (entry->env == e.id) return e.id;
  }
  throw Error("dataset \"" + dataset_name + "\": rlbench has no env implementation for \"" +
              entry->env + "\" (only " + core::join(env_ids(), ", ") + "); evaluate it elsewhere");
}

std::string resolve_env(const std::string& env_or_dataset) {
  for (const auto& e : env_registry()) {
    if (env_or_dataset == e.id) return e.id;
  }
  if (data::find_dataset(env_or_dataset)) return env_for_dataset(env_or_dataset);
  auto candidates = env_ids();
  const auto datasets = data::dataset_names();
  candidates.insert(candidates.end(), datasets.begin(), datasets.end());
  throw UsageError("\"" + env_or_dataset + "\": neither an env id nor a dataset name" +
                   core::did_you_mean(env_or_dataset, candidates) +
                   "; env ids: " + core::join(env_ids(), ", "));
}

}  // namespace rlbench::envs
