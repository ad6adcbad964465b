#pragma once

// Rolling out a behaviour policy into a D4RL-layout dataset, the way D4RL's
// scripts/generation/mujoco/collect_data.py did: per step the observation, action, reward, the
// true next observation, terminal and timeout flags, the behaviour log-probability and the
// simulator state (qpos, qvel) *before* the action; an episode ends on termination or at step
// 1000 (labelled timeout, never both); the last episode is cut at the requested row count.

#include <cstdint>
#include <functional>
#include <string>

#include "rlbench/data/dataset.hpp"
#include "rlbench/envs/env.hpp"

namespace rlbench::eval {

// One stochastic behaviour action for one observation: writes act_dim actions and returns
// log π(a|s). `rng_seed` streams are the caller's; the collector owns none of the policy's state.
using BehaviourPolicy = std::function<double(const double* obs, double* action)>;

// Accumulates env steps in collect_data.py's layout. Call before_step() before each env.step()
// (it keeps the simulator state the row records), then add() with the step's outcome.
class D4rlRecorder {
 public:
  explicit D4rlRecorder(const envs::Env& env, std::uint64_t reserve_rows = 0);

  void before_step(const envs::Env& env);
  void add(const double* obs, const double* action, double reward, const double* next,
           bool terminal, bool timeout, double log_prob);

  std::uint64_t rows() const { return m_c.rows; }
  // The rows so far, with infos/qpos, infos/qvel (float64) and infos/action_log_probs.
  data::DatasetContent finish() &&;

 private:
  int m_nq, m_nv;
  data::DatasetContent m_c;
  std::vector<double> m_qpos, m_qvel;
  std::vector<float> m_log_probs;
};

struct CollectOptions {
  std::string env;         // env id
  std::int64_t rows = 0;   // rows to write (the last episode is cut there)
  std::uint64_t seed = 0;  // env seed (reset noise)
  bool progress = false;   // a live progress line on stderr
};

// Rolls out `policy` and returns the rows. Throws Error for an unknown env or a diverging
// simulation (naming env and step).
data::DatasetContent collect(const CollectOptions& options, const BehaviourPolicy& policy);

// D4RL's random behaviour: uniform actions in [low, high]^act_dim, each from its own stream seeded
// with `seed`, with log-probability −Σ log(high − low) (= −act_dim · ln 2 for [−1, 1]).
BehaviourPolicy uniform_random_policy(int act_dim, double low, double high, std::uint64_t seed);

}  // namespace rlbench::eval
