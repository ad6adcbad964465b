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

D4rlRecorder::D4rlRecorder(const envs::Env& env, std::uint64_t reserve_rows)
    : m_nq(env.model()->nq), m_nv(env.model()->nv) {
  m_c.obs_dim = static_cast<std::uint64_t>(env.obs_dim());
  m_c.action_dim = static_cast<std::uint64_t>(env.act_dim());
  m_c.observations.reserve(reserve_rows * m_c.obs_dim);
  m_c.next_observations.reserve(reserve_rows * m_c.obs_dim);
  m_c.actions.reserve(reserve_rows * m_c.action_dim);
  m_c.rewards.reserve(reserve_rows);
  m_c.terminals.reserve(reserve_rows);
  m_c.timeouts.reserve(reserve_rows);
  m_qpos.reserve(reserve_rows * static_cast<std::uint64_t>(m_nq));
  m_qvel.reserve(reserve_rows * static_cast<std::uint64_t>(m_nv));
  m_log_probs.reserve(reserve_rows);
}

void D4rlRecorder::before_step(const envs::Env& env) {
  // simulator state before the action (D4RL's post-fix infos/qpos, infos/qvel)
  const mjData* d = env.data();
  m_qpos.insert(m_qpos.end(), d->qpos, d->qpos + m_nq);
  m_qvel.insert(m_qvel.end(), d->qvel, d->qvel + m_nv);
}

void D4rlRecorder::add(const double* obs, const double* action, double reward, const double* next,
                       bool terminal, bool timeout, double log_prob) {
  for (std::uint64_t i = 0; i < m_c.obs_dim; ++i) {
    m_c.observations.push_back(static_cast<float>(obs[i]));
    m_c.next_observations.push_back(static_cast<float>(next[i]));
  }
  for (std::uint64_t i = 0; i < m_c.action_dim; ++i) {
    m_c.actions.push_back(static_cast<float>(action[i]));
  }
  m_c.rewards.push_back(static_cast<float>(reward));
  m_c.terminals.push_back(terminal ? 1 : 0);
  m_c.timeouts.push_back(timeout ? 1 : 0);
  m_log_probs.push_back(static_cast<float>(log_prob));
  ++m_c.rows;
}

data::DatasetContent D4rlRecorder::finish() && {
  const auto rows = m_c.rows;
  m_c.infos["qpos"] = {{rows, static_cast<std::uint64_t>(m_nq)}, std::move(m_qpos)};
  m_c.infos["qvel"] = {{rows, static_cast<std::uint64_t>(m_nv)}, std::move(m_qvel)};
  m_c.infos["action_log_probs"] = {{rows}, std::move(m_log_probs)};
  return std::move(m_c);
}

data::DatasetContent collect(const CollectOptions& options, const BehaviourPolicy& policy) {
  if (options.rows <= 0) {
    throw UsageError(
        error_message("collect", "--steps", "a positive row count", std::to_string(options.rows)));
  }
  auto env = envs::make_env(options.env, options.seed);
  const auto rows = static_cast<std::uint64_t>(options.rows);
  D4rlRecorder recorder(*env, rows);
  std::vector<double> obs(static_cast<std::size_t>(env->obs_dim()));
  std::vector<double> next(obs.size());
  std::vector<double> action(static_cast<std::size_t>(env->act_dim()));
  const bool tty = options.progress && ::isatty(2) == 1;
  auto last_print = std::chrono::steady_clock::now();
  env->reset(obs.data());
  const int horizon = env->spec().max_episode_steps;
  for (std::uint64_t row = 0; row < rows; ++row) {
    recorder.before_step(*env);
    const double log_prob = policy(obs.data(), action.data());
    const auto step = env->step(action.data(), next.data());
    // collect_data.py: the step limit is a timeout even when the robot also fell
    const bool timeout = env->elapsed_steps() == horizon;
    recorder.add(obs.data(), action.data(), step.reward, next.data(), !timeout && step.terminated,
                 timeout, log_prob);
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
  return std::move(recorder).finish();
}

}  // namespace rlbench::eval
