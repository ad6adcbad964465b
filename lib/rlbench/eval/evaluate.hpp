#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rlbench/data/registry.hpp"
#include "rlbench/envs/env.hpp"

namespace rlbench::eval {

// One batched policy call: `batch` observations (row-major, batch x obs_dim, float64 as the env
// produces them) in, `batch` actions (batch x act_dim) out. Rows follow episode order.
struct PolicyCall {
  const double* obs;
  double* actions;
  int batch;
  int obs_dim;
  int act_dim;
  bool deterministic;  // EvalOptions::deterministic, for policies that can sample
};
using BatchPolicy = std::function<void(const PolicyCall&)>;

struct EvalOptions {
  int episodes = 10;          // number of episodes
  std::uint64_t seed = 0;     // run seed; episode seeds derive from it (episode_seed)
  int threads = 0;            // threads that step envs; 0 = one per core, at most `episodes`
  bool deterministic = true;  // passed to the policy
  // name whose D4RL reference scores normalise the returns ("hopper-medium-v2"); empty = the
  // env or dataset name given to evaluate()
  std::string reference;
};

// Per-episode results and their aggregates.
struct EvalReport {
  std::string env;         // env id
  std::string reference;   // name the reference scores came from
  std::uint64_t seed = 0;  // run seed
  std::vector<std::uint64_t> episode_seeds;
  std::vector<double> returns;   // undiscounted episode returns
  std::vector<int> lengths;      // steps per episode
  std::vector<bool> terminated;  // ended by the task's rule (not the time limit)
  double return_mean = 0.0;
  double return_std = 0.0;  // population std (ddof = 0), as np.std
  std::optional<data::ReferenceScores> ref;
  std::optional<double> normalized_mean_x100;  // 100 x D4RL normalised score of the mean return
  std::optional<double> normalized_std_x100;   // 100 x std of the per-episode normalised scores
  double wall_seconds = 0.0;
  int threads = 1;
};

// The env seed of episode `episode` in a run seeded `run_seed`: splitmix64 of (run_seed + 100)
// mixed with the episode index (TD3+BC seeds its eval env with seed + 100; rlbench gives every
// episode its own stream so results do not depend on the thread count).
std::uint64_t episode_seed(std::uint64_t run_seed, int episode);

// Fills return_mean/std and the normalised scores of `report` from returns and `ref`.
void summarize(EvalReport& report);

// Runs options.episodes episodes of `policy` on the env named by `env_or_dataset` (an env id or
// a D4RL dataset name). All live episodes share one policy call per step; the env steps are
// split across threads. Bit-identical for a given seed whatever the thread count.
EvalReport evaluate(const std::string& env_or_dataset, const BatchPolicy& policy,
                    const EvalOptions& options);

// Builds one episode's env from its seed.
using EnvFactory = std::function<std::unique_ptr<envs::Env>(std::uint64_t seed)>;

// The same with envs from `make` (e.g. a spec with modified knobs); `reference` names the D4RL
// reference scores (options.reference overrides it; empty = the env id).
EvalReport evaluate(const EnvFactory& make, const std::string& reference, const BatchPolicy& policy,
                    const EvalOptions& options);

// The report as JSON; normalised keys are labelled "_x100".
nlohmann::json to_json(const EvalReport& report);

}  // namespace rlbench::eval
