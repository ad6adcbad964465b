#include "rlbench/algos/td3_bc.hpp"

#include <limits>

#include <torch/torch.h>

namespace rlbench::algos {

Td3BcConfig Td3BcConfig::dataset_defaults(const std::string& /*dataset_name*/) { return {}; }

Td3BcConfig Td3BcConfig::parse(core::ConfigReader& r, const std::string& dataset_name) {
  Td3BcConfig c = dataset_defaults(dataset_name);
  read_td3_params(r, c.td3);
  c.alpha = r.get_double("alpha", c.alpha);
  c.validate(r);
  return c;
}

void Td3BcConfig::validate(const core::ConfigReader& r) const {
  validate_td3_params(r, td3);
  require_range(r, "alpha", alpha, 0.0, std::numeric_limits<double>::infinity(), false, true);
}

nlohmann::json Td3BcConfig::to_json() const {
  nlohmann::json j;
  td3_params_to_json(td3, j);
  j["alpha"] = alpha;
  return j;
}

Td3Bc::Td3Bc(const Td3BcConfig& config, const AlgoContext& ctx)
    : m_cfg(config),
      m_ctx(ctx),
      m_gens(ctx.seeds, ctx.device),
      m_ac(ctx, config.td3),
      m_state(ctx.num_seeds()) {
  for (int64_t e = 0; e < ctx.num_seeds(); ++e) m_ac.init_member(e, m_gens.init(e));
  m_ac.sync_targets();
  m_ac.add_state(m_state);
}

Metrics Td3Bc::update(const Batch& b) {
  check_batch(b, m_ctx, name());
  ++m_iterations;
  Metrics metrics;

  // critic target: y = r + γ·nd·min(Q̄1, Q̄2)(s', clip(π̄(s') + clipped noise))
  torch::Tensor y;
  {
    torch::NoGradGuard no_grad;
    const auto next_a = m_ac.smoothed_target_action(b.next_states, m_gens);
    const auto target_q = m_ac.target_q_both(b.next_states, next_a);
    y = b.rewards + b.not_done * m_cfg.td3.discount * torch::min(target_q[0], target_q[1]);
  }

  // twin critic regression: MSE(Q1, y) + MSE(Q2, y), per seed
  const auto q = m_ac.q_both(b.states, b.actions);
  const auto critic_loss = twin_critic_loss(q, y);
  m_ac.critic_opt->minimise(critic_loss);
  metrics.add("critic_loss", critic_loss);
  metrics.add("q1_data", per_seed_mean(q[0]));

  // delayed actor step: −λ·mean Q1(s, π(s)) + MSE(π(s), a), λ = α / mean|Q1(s, π(s))|
  if (m_iterations % m_cfg.td3.policy_freq == 0) {
    const auto pi = m_ac.policy(b.states);
    const auto q_pi = m_ac.q1(b.states, pi, /*detach_params=*/true);
    const auto lambda = q_weight(q_pi, m_cfg.alpha);
    const auto q_term = -lambda * per_seed_mean(q_pi);
    const auto bc_loss = per_seed_mse(pi, b.actions);
    const auto actor_loss = q_term + bc_loss;
    m_ac.actor_opt->minimise(actor_loss);

    // target networks: critic, then actor
    m_ac.soft_update_targets();
    metrics.add("actor_loss", actor_loss);
    metrics.add("bc_loss", bc_loss);
    metrics.add("lambda", lambda);
    metrics.add("q1_policy", per_seed_mean(q_pi));
  }
  return metrics;
}

torch::Tensor Td3Bc::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  return m_ac.policy(observations);
}

void Td3Bc::save(torch::serialize::OutputArchive& archive, int64_t member) const {
  m_state.save(archive, member);
  save_counters(archive, m_iterations, {m_ac.actor_opt.get(), m_ac.critic_opt.get()}, m_gens,
                member);
}

void Td3Bc::load(torch::serialize::InputArchive& archive, int64_t member) {
  m_state.load(archive, member);
  m_iterations =
      load_counters(archive, {m_ac.actor_opt.get(), m_ac.critic_opt.get()}, m_gens, member);
}

std::vector<torch::Tensor> Td3Bc::parameters() const {
  return all_parameters({m_ac.actor.get(), m_ac.critic.get()});
}

}  // namespace rlbench::algos
