#include "rlbench/envs/env.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"

namespace rlbench::envs {

namespace {

// the warnings MuJoCo raises (and then resets mjData) when the state blows up
constexpr struct {
  int warning;
  const char* what;
} k_divergence_warnings[] = {
    {mjWARN_BADQPOS, "bad qpos"}, {mjWARN_BADQVEL, "bad qvel"}, {mjWARN_BADQACC, "bad qacc"}};

void check_size(const std::string& where, const char* name, std::size_t got, int expected) {
  if (got != static_cast<std::size_t>(expected)) {
    throw Error(error_message(where, std::string("wrong ") + name + " size",
                              std::to_string(expected), std::to_string(got)));
  }
}

}  // namespace

double sample_uniform(std::mt19937_64& rng, double low, double high) {
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return low + (high - low) * u;
}

double sample_normal(std::mt19937_64& rng) {
  while (true) {
    const double x = sample_uniform(rng, -1.0, 1.0);
    const double y = sample_uniform(rng, -1.0, 1.0);
    const double r2 = x * x + y * y;
    if (r2 > 0.0 && r2 < 1.0) return x * std::sqrt(-2.0 * std::log(r2) / r2);
  }
}

double sum_squares(const double* x, int n) {
  double s = 0.0;
  for (int i = 0; i < n; ++i) s += x[i] * x[i];
  return s;
}

Env::Env(const TaskSpec& spec, std::uint64_t seed)
    : m_spec(spec),
      m_model(load_model(spec.xml, spec.xml_name)),
      m_data(make_data(m_model.get())),
      m_dt(m_model->opt.timestep * spec.frame_skip),
      m_xml_sha256(core::sha256_hex(spec.xml, std::strlen(spec.xml))),
      m_init_qpos(m_model->qpos0, m_model->qpos0 + m_model->nq),
      m_action(static_cast<std::size_t>(spec.act_dim)),
      m_rng(seed) {
  // the spec and the compiled model must agree, or every buffer size below is wrong
  if (m_model->nu != spec.act_dim) {
    throw Error(error_message(spec.xml_name, "actuator count", std::to_string(spec.act_dim),
                              std::to_string(m_model->nu)));
  }
}

std::string Env::where() const { return m_spec.id + ": step " + std::to_string(m_elapsed + 1); }

void Env::reset(double* obs) {
  const mjModel* m = m_model.get();
  mjData* d = m_data.get();
  mj_resetData(m, d);
  // gym's reset_model: all qpos noise first, then all qvel noise (init_qvel = 0)
  for (int i = 0; i < m->nq; ++i) {
    d->qpos[i] = m_init_qpos[i] + sample_uniform(m_rng, -m_spec.qpos_noise, m_spec.qpos_noise);
  }
  for (int j = 0; j < m->nv; ++j) {
    d->qvel[j] = m_spec.qvel_noise_kind == VelocityNoise::uniform
                     ? 0.0 + sample_uniform(m_rng, -m_spec.qvel_noise, m_spec.qvel_noise)
                     : 0.0 + sample_normal(m_rng) * m_spec.qvel_noise;
  }
  forward_keeping_qpos();
  m_x_before = forward_position(d);
  m_elapsed = 0;
  m_done = false;
  write_obs(d, obs);
}

std::vector<double> Env::reset() {
  std::vector<double> obs(static_cast<std::size_t>(obs_dim()));
  reset(obs.data());
  return obs;
}

StepResult Env::step(const double* action, double* obs) {
  if (m_done) {
    throw Error(where() + ": the episode is over (terminated, truncated or never reset); " +
                "call reset() first");
  }
  const mjModel* m = m_model.get();
  mjData* d = m_data.get();
  const double lb = m_spec.act_low;
  const double ub = m_spec.act_high;
  for (int i = 0; i < m_spec.act_dim; ++i) {
    double a = action[i];
    if (!std::isfinite(a)) {
      throw Error(where() + ": action[" + std::to_string(i) +
                  "] is not finite: " + std::to_string(a));
    }
    if (m_spec.clip_actions) {
      // D4RL NormalizedBoxEnv: rescale from [-1, 1] to [lb, ub], then clip (same float order)
      a = lb + (a + 1.0) * 0.5 * (ub - lb);
      a = std::min(std::max(a, lb), ub);
    }
    m_action[i] = a;
    d->ctrl[i] = a;
  }

  for (const auto& w : k_divergence_warnings) d->warning[w.warning].number = 0;
  StepResult r;
  r.terms.x_before = m_x_before;
  try {
    step_guarded(m, d, m_spec.frame_skip, "mj_step");
  } catch (const Error& e) {
    m_done = true;
    throw Error(where() + ": " + e.what());
  }
  check_divergence();

  // gym reads the position straight after the last mj_step: no mj_forward in between
  r.terms.x_after = forward_position(d);
  r.terms.forward = (r.terms.x_after - r.terms.x_before) / m_dt;
  r.terms.ctrl_cost = m_spec.ctrl_cost_weight * sum_squares(m_action.data(), m_spec.act_dim);
  r.terms.healthy = m_spec.healthy_reward;
  r.reward = combine_reward(d, r.terms);
  r.terminated = m_spec.terminate_when_unhealthy && is_terminated(d);
  ++m_elapsed;
  r.truncated = m_elapsed >= m_spec.max_episode_steps;
  m_x_before = r.terms.x_after;
  m_done = r.terminated || r.truncated;
  write_obs(d, obs);
  return r;
}

StepResult Env::step(const std::vector<double>& action, std::vector<double>& obs) {
  check_size(m_spec.id, "action", action.size(), act_dim());
  obs.resize(static_cast<std::size_t>(obs_dim()));
  return step(action.data(), obs.data());
}

void Env::check_divergence() {
  const mjModel* m = m_model.get();
  const mjData* d = m_data.get();
  for (const auto& w : k_divergence_warnings) {
    if (d->warning[w.warning].number > 0) {
      m_done = true;
      throw Error(where() + ": simulation diverged (MuJoCo warning: " + w.what + " at dof " +
                  std::to_string(d->warning[w.warning].lastinfo) + "; MuJoCo reset the state)");
    }
  }
  for (int i = 0; i < m->nq; ++i) {
    if (!std::isfinite(d->qpos[i])) {
      m_done = true;
      throw Error(where() + ": simulation diverged (qpos[" + std::to_string(i) +
                  "] is not finite)");
    }
  }
  for (int i = 0; i < m->nv; ++i) {
    if (!std::isfinite(d->qvel[i])) {
      m_done = true;
      throw Error(where() + ": simulation diverged (qvel[" + std::to_string(i) +
                  "] is not finite)");
    }
  }
}

void Env::forward_keeping_qpos() {
  const mjModel* m = m_model.get();
  mjData* d = m_data.get();
  // MuJoCo 2.2.2's mj_kinematics normalises free-joint quaternions in qpos in place; MuJoCo 2.0
  // (D4RL's) normalised a copy, so its reset observation showed the raw noisy quaternion.
  // Restore the written qpos: the kinematics are the same either way, and the next mj_step
  // normalises again before it integrates.
  m_qpos_scratch.assign(d->qpos, d->qpos + m->nq);
  try {
    forward_guarded(m, d, "mj_forward");
  } catch (const Error& e) {
    throw Error(m_spec.id + ": " + e.what());
  }
  std::copy(m_qpos_scratch.begin(), m_qpos_scratch.end(), d->qpos);
}

void Env::observe(double* obs) const { write_obs(m_data.get(), obs); }

EnvState Env::get_state() const {
  const mjModel* m = m_model.get();
  const mjData* d = m_data.get();
  EnvState s;
  s.time = d->time;
  s.qpos.assign(d->qpos, d->qpos + m->nq);
  s.qvel.assign(d->qvel, d->qvel + m->nv);
  s.act.assign(d->act, d->act + m->na);
  s.qacc_warmstart.assign(d->qacc_warmstart, d->qacc_warmstart + m->nv);
  s.x_before = m_x_before;
  s.elapsed_steps = m_elapsed;
  s.done = m_done;
  s.rng = m_rng;
  return s;
}

void Env::set_state(const EnvState& s) {
  const mjModel* m = m_model.get();
  mjData* d = m_data.get();
  const std::string where = m_spec.id + ": set_state";
  check_size(where, "qpos", s.qpos.size(), m->nq);
  check_size(where, "qvel", s.qvel.size(), m->nv);
  check_size(where, "act", s.act.size(), m->na);
  check_size(where, "qacc_warmstart", s.qacc_warmstart.size(), m->nv);
  d->time = s.time;
  std::copy(s.qpos.begin(), s.qpos.end(), d->qpos);
  std::copy(s.qvel.begin(), s.qvel.end(), d->qvel);
  std::copy(s.act.begin(), s.act.end(), d->act);
  forward_keeping_qpos();
  // mj_forward rewrites the warm start; the next mj_step must start from the saved one
  std::copy(s.qacc_warmstart.begin(), s.qacc_warmstart.end(), d->qacc_warmstart);
  m_x_before = s.x_before;
  m_elapsed = s.elapsed_steps;
  m_done = s.done;
  m_rng = s.rng;
}

void Env::set_qpos_qvel(const std::vector<double>& qpos, const std::vector<double>& qvel) {
  const mjModel* m = m_model.get();
  mjData* d = m_data.get();
  const std::string where = m_spec.id + ": set_qpos_qvel";
  check_size(where, "qpos", qpos.size(), m->nq);
  check_size(where, "qvel", qvel.size(), m->nv);
  std::copy(qpos.begin(), qpos.end(), d->qpos);
  std::copy(qvel.begin(), qvel.end(), d->qvel);
  forward_keeping_qpos();
  m_x_before = forward_position(d);
}

}  // namespace rlbench::envs
