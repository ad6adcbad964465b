#include "rlbench/eval/collect.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>

#include "rlbench/core/error.hpp"
#include "rlbench/envs/registry.hpp"

namespace rlbench::eval {

BehaviourPolicy uniform_random_policy(int act_dim, double low, double high, std::uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  const double log_prob = -act_dim * std::log(high - low);
  return [rng, act_dim, low, high, log_prob](const double*, double* action) {
    for (int i = 0; i < act_dim; ++i) action[i] = envs::sample_uniform(*rng, low, high);
    return log_prob;
  };
}

data::DatasetContent collect(const CollectOptions& options, const BehaviourPolicy& policy) {
  if (options.rows <= 0) {
    throw UsageError(
        error_message("collect", "--steps", "a positive row count", std::to_string(options.rows)));
  }
  auto env = envs::make_env(options.env, options.seed);
  const int obs_dim = env->obs_dim();
  const int act_dim = env->act_dim();
  const int nq = env->model()->nq;
  const int nv = env->model()->nv;
  const auto rows = static_cast<std::uint64_t>(options.rows);

  data::DatasetContent c;
  c.rows = rows;
  c.obs_dim = static_cast<std::uint64_t>(obs_dim);
  c.action_dim = static_cast<std::uint64_t>(act_dim);
  c.observations.reserve(rows * c.obs_dim);
  c.next_observations.reserve(rows * c.obs_dim);
  c.actions.reserve(rows * c.action_dim);
  c.rewards.reserve(rows);
  c.terminals.reserve(rows);
  c.timeouts.reserve(rows);
  std::vector<double> qpos, qvel, log_probs;
  qpos.reserve(rows * static_cast<std::uint64_t>(nq));
  qvel.reserve(rows * static_cast<std::uint64_t>(nv));
  log_probs.reserve(rows);

  std::vector<double> obs(static_cast<std::size_t>(obs_dim));
  std::vector<double> next(static_cast<std::size_t>(obs_dim));
  std::vector<double> action(static_cast<std::size_t>(act_dim));
  const bool tty = options.progress && ::isatty(2) == 1;
  auto last_print = std::chrono::steady_clock::now();
  env->reset(obs.data());
  const int horizon = env->spec().max_episode_steps;
  for (std::uint64_t row = 0; row < rows; ++row) {
    // simulator state before the action (D4RL's post-fix infos/qpos, infos/qvel)
    const mjData* d = env->data();
    qpos.insert(qpos.end(), d->qpos, d->qpos + nq);
    qvel.insert(qvel.end(), d->qvel, d->qvel + nv);
    log_probs.push_back(policy(obs.data(), action.data()));
    const auto step = env->step(action.data(), next.data());

    for (int i = 0; i < obs_dim; ++i) c.observations.push_back(static_cast<float>(obs[i]));
    for (int i = 0; i < obs_dim; ++i) c.next_observations.push_back(static_cast<float>(next[i]));
    for (int i = 0; i < act_dim; ++i) c.actions.push_back(static_cast<float>(action[i]));
    c.rewards.push_back(static_cast<float>(step.reward));
    // collect_data.py: the step limit is a timeout even when the robot also fell
    const bool timeout = env->elapsed_steps() == horizon;
    c.timeouts.push_back(timeout ? 1 : 0);
    c.terminals.push_back(!timeout && step.terminated ? 1 : 0);
    if (timeout || step.terminated) {
      env->reset(obs.data());
    } else {
      obs.swap(next);
    }

    if (tty && (std::chrono::steady_clock::now() - last_print > std::chrono::milliseconds(500) ||
                row + 1 == rows)) {
      last_print = std::chrono::steady_clock::now();
      std::fprintf(stderr, "\r\033[Kcollect %s: %llu/%llu rows (%.1f%%)", options.env.c_str(),
                   static_cast<unsigned long long>(row + 1), static_cast<unsigned long long>(rows),
                   100.0 * static_cast<double>(row + 1) / static_cast<double>(rows));
      if (row + 1 == rows) std::fprintf(stderr, "\n");
    }
  }

  c.infos["qpos"] = {{rows, static_cast<std::uint64_t>(nq)}, std::move(qpos)};
  c.infos["qvel"] = {{rows, static_cast<std::uint64_t>(nv)}, std::move(qvel)};
  std::vector<float> lp(log_probs.begin(), log_probs.end());
  c.infos["action_log_probs"] = {{rows}, std::move(lp)};
  return c;
}

}  // namespace rlbench::eval
