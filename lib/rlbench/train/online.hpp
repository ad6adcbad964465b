#pragma once

// The online training loop behind `rlbench train --algo sac --env hopper`: every seed steps its
// own env, stores transitions in its own replay buffer and, after a random-action warm-up, makes
// one gradient update per env step on a minibatch drawn from that buffer. It evaluates the
// deterministic policy like the offline loop and keeps the same run folder (config.json,
// result.json, metrics.jsonl, checkpoint.pt), plus policy.hdf5 (the latest policy in D4RL's
// layout) and snapshots/ (the policy when an evaluation first reaches each snapshot return).
//
// Limitation: an unfinished online run does not resume; it restarts from step 0 (the replay
// buffer and the env state are not checkpointed).

#include <cstdint>
#include <functional>
#include <vector>

#include "rlbench/data/dataset.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/eval/evaluate.hpp"
#include "rlbench/train/trainer.hpp"

namespace rlbench::train {

// What a caller (the dataset suite) can observe of an online run, in process.
struct OnlineHooks {
  // Keep every env transition of every seed in D4RL's layout (observations, actions, rewards,
  // next_observations, terminals, timeouts, infos/qpos, infos/qvel, infos/action_log_probs);
  // row i is env step i + 1.
  bool record_transitions = false;
  // Called after each evaluation of seed index `member` with its report and its policy (when
  // the algorithm exports one). Returning true ends the run at this step: it is marked
  // completed with steps_done = step.
  std::function<bool(std::int64_t step, std::int64_t member, const eval::EvalReport& report,
                     const std::optional<data::GaussianMlpPolicy>& policy)>
      on_eval;
};

// Per seed, what the hooks asked to keep.
struct OnlineRecord {
  data::DatasetContent transitions;  // empty unless record_transitions
};

// Trains the online algorithm of options.config (options.config.online must be true).
// `records`, when given, receives one entry per seed that trained in this call.
std::vector<RunOutcome> run_online_training(const TrainOptions& options,
                                            const OnlineHooks& hooks = {},
                                            std::vector<OnlineRecord>* records = nullptr);

}  // namespace rlbench::train
