#include "rlbench/algos/sac.hpp"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "rlbench/core/error.hpp"

namespace rlbench::algos {

SacConfig SacConfig::dataset_defaults(const std::string& /*dataset_name*/) { return {}; }

SacConfig SacConfig::parse(core::ConfigReader& r, const std::string& dataset_name) {
  SacConfig c = dataset_defaults(dataset_name);
  c.discount = r.get_double("discount", c.discount);
  c.tau = r.get_double("tau", c.tau);
  c.actor_lr = r.get_double("actor_lr", c.actor_lr);
  c.critic_lr = r.get_double("critic_lr", c.critic_lr);
  c.alpha_lr = r.get_double("alpha_lr", c.alpha_lr);
  c.reward_scale = r.get_double("reward_scale", c.reward_scale);
  c.auto_entropy = r.get_bool("auto_entropy", c.auto_entropy);
  c.init_alpha = r.get_double("init_alpha", c.init_alpha);
  if (auto h = r.get_optional_double("target_entropy")) c.target_entropy = h;
  c.actor_hidden = r.get_int_list("actor_hidden", c.actor_hidden);
  c.critic_hidden = r.get_int_list("critic_hidden", c.critic_hidden);
  c.validate(r);
  return c;
}

void SacConfig::validate(const core::ConfigReader& r) const {
  constexpr double k_inf = std::numeric_limits<double>::infinity();
  require_range(r, "discount", discount, 0.0, 1.0, false, false);
  require_range(r, "tau", tau, 0.0, 1.0, true, false);
  require_range(r, "actor_lr", actor_lr, 0.0, k_inf, true, true);
  require_range(r, "critic_lr", critic_lr, 0.0, k_inf, true, true);
  require_range(r, "alpha_lr", alpha_lr, 0.0, k_inf, true, true);
  require_range(r, "reward_scale", reward_scale, 0.0, k_inf, true, true);
  require_range(r, "init_alpha", init_alpha, 0.0, k_inf, true, true);
  if (target_entropy) {
    require_range(r, "target_entropy", *target_entropy, -k_inf, k_inf, true, true);
  }
  require_widths(r, "actor_hidden", actor_hidden);
  require_widths(r, "critic_hidden", critic_hidden);
}

nlohmann::json SacConfig::to_json() const {
  return {{"discount", discount},
          {"tau", tau},
          {"actor_lr", actor_lr},
          {"critic_lr", critic_lr},
          {"alpha_lr", alpha_lr},
          {"reward_scale", reward_scale},
          {"auto_entropy", auto_entropy},
          {"init_alpha", init_alpha},
          {"target_entropy", target_entropy ? nlohmann::json(*target_entropy) : nlohmann::json()},
          {"actor_hidden", actor_hidden},
          {"critic_hidden", critic_hidden}};
}

Sac::Sac(const SacConfig& config, const AlgoContext& ctx)
    : m_cfg(config),
      m_ctx(ctx),
      m_target_entropy(config.target_entropy ? *config.target_entropy
                                             : -static_cast<double>(ctx.act_dim)),
      m_gens(ctx.seeds, ctx.device),
      m_state(ctx.num_seeds()) {
  const int64_t e = ctx.num_seeds();
  const int64_t s = ctx.obs_dim;
  const int64_t a = ctx.act_dim;
  m_actor = nets::EnsembleMlp(e, s, config.actor_hidden, 2 * a);
  m_critic = nets::EnsembleMlp(2 * e, s + a, config.critic_hidden, 1);
  m_critic_target = nets::EnsembleMlp(2 * e, s + a, config.critic_hidden, 1);
  m_alpha_module = std::make_shared<torch::nn::Module>();
  m_log_alpha = m_alpha_module->register_parameter(
      "log_alpha", torch::full({e}, std::log(config.init_alpha), torch::kFloat32));
  for (auto* m : {&m_actor, &m_critic, &m_critic_target}) (*m)->to(ctx.device);
  m_alpha_module->to(ctx.device);
  m_log_alpha = m_alpha_module->named_parameters()["log_alpha"];
  for (int64_t i = 0; i < e; ++i) {
    // actor, Q1, Q2 from the seed's generator, like a single-seed run
    m_actor->init_member(i, m_gens.init(i));
    m_critic->init_member(i, m_gens.init(i));
    m_critic->init_member(e + i, m_gens.init(i));
  }
  m_actor_flat = std::make_unique<nets::FlatParams>(nets::flatten_parameters({m_actor.get()}));
  m_critic_flat = std::make_unique<nets::FlatParams>(nets::flatten_parameters({m_critic.get()}));
  m_critic_target_flat =
      std::make_unique<nets::FlatParams>(nets::flatten_parameters({m_critic_target.get()}));
  m_alpha_flat =
      std::make_unique<nets::FlatParams>(nets::flatten_parameters({m_alpha_module.get()}));
  m_log_alpha = m_alpha_flat->params.front();
  for (auto& t : m_critic_target_flat->params) t.set_requires_grad(false);
  nets::hard_update(*m_critic_target_flat, *m_critic_flat);
  m_actor_opt = std::make_unique<nets::Adam>(*m_actor_flat, config.actor_lr);
  m_critic_opt = std::make_unique<nets::Adam>(*m_critic_flat, config.critic_lr);
  m_alpha_opt = std::make_unique<nets::Adam>(*m_alpha_flat, config.alpha_lr);

  m_state.add_flat("actor", *m_actor_flat, 1);
  m_state.add_flat("critic", *m_critic_flat, 2);
  m_state.add_flat("critic_target", *m_critic_target_flat, 2);
  m_state.add_flat("alpha", *m_alpha_flat, 1);
  add_adam_state(m_state, "actor_adam", *m_actor_opt, *m_actor_flat, 1);
  add_adam_state(m_state, "critic_adam", *m_critic_opt, *m_critic_flat, 2);
  add_adam_state(m_state, "alpha_adam", *m_alpha_opt, *m_alpha_flat, 1);
}

std::pair<torch::Tensor, torch::Tensor> Sac::sample(const torch::Tensor& s) {
  const int64_t a = m_ctx.act_dim;
  const auto out = m_actor->forward(s);
  const auto mu = out.narrow(2, 0, a);
  const auto log_std = out.narrow(2, a, a).clamp(data::k_log_std_min, data::k_log_std_max);
  const auto eps = m_gens.normal({s.size(1), a});
  const auto u = mu + log_std.exp() * eps;
  // log N(u; μ, σ) − Σ log(1 − tanh²u), the latter as 2(log 2 − u − softplus(−2u)); the
  // max_action scaling shifts the density by −|A|·log(max_action)
  const auto normal_log_prob = (-0.5 * eps.pow(2) - log_std - 0.5 * std::log(2.0 * M_PI));
  const auto log_det = 2.0 * (std::log(2.0) - u - torch::softplus(-2.0 * u));
  const auto log_pi = (normal_log_prob - log_det).sum(-1, /*keepdim=*/true) -
                      static_cast<double>(a) * std::log(m_ctx.max_action);
  return {torch::tanh(u) * m_ctx.max_action, log_pi};
}

torch::Tensor Sac::min_q(nets::EnsembleMlp& net, const torch::Tensor& s, const torch::Tensor& a,
                         bool detach_params) {
  const int64_t e = m_ctx.num_seeds();
  const auto sa = torch::cat({s, a}, -1);
  nets::MemberRange range;
  range.detach_params = detach_params;
  const auto q = net->forward(sa.repeat({2, 1, 1}), range).view({2, e, sa.size(1), 1});
  return torch::min(q[0], q[1]);
}

Metrics Sac::update(const Batch& b) {
  check_batch(b, m_ctx, name());
  ++m_iterations;
  Metrics metrics;

  // a ~ π(·|s), reparameterised
  const auto [pi, log_pi] = sample(b.states);

  // temperature loss −log α·(log π + H̄); the actor and critic use α before this step
  const auto log_alpha = m_log_alpha.view({-1, 1, 1});
  const auto alpha = log_alpha.detach().exp();
  if (m_cfg.auto_entropy) {
    const auto alpha_loss = -per_seed_mean(log_alpha * (log_pi.detach() + m_target_entropy));
    m_alpha_opt->zero_grad();
    alpha_loss.sum().backward();
    m_alpha_opt->step();
    metrics.add("alpha_loss", alpha_loss);
  }

  // critic target: y = scale·r + γ·nd·(min Q̄(s', a') − α·log π(a'|s')), a' ~ π(·|s')
  torch::Tensor y;
  {
    torch::NoGradGuard no_grad;
    const auto [next_a, next_log_pi] = sample(b.next_states);
    const auto target_q = min_q(m_critic_target, b.next_states, next_a, false);
    y = m_cfg.reward_scale * b.rewards +
        b.not_done * m_cfg.discount * (target_q - alpha * next_log_pi);
  }

  // actor: α·log π(a|s) − min Q(s, a); only the actor's parameters receive this gradient
  const auto q_pi = min_q(m_critic, b.states, pi, /*detach_params=*/true);
  const auto actor_loss = per_seed_mean(alpha * log_pi - q_pi);
  m_actor_opt->zero_grad();
  actor_loss.sum().backward();
  m_actor_opt->step();

  // twin critic regression: MSE(Q1, y) + MSE(Q2, y), per seed
  const int64_t e = m_ctx.num_seeds();
  const auto sa = torch::cat({b.states, b.actions}, -1);
  const auto q = m_critic->forward(sa.repeat({2, 1, 1})).view({2, e, sa.size(1), 1});
  const auto critic_loss = twin_critic_loss(q, y);
  m_critic_opt->minimise(critic_loss);

  nets::soft_update(*m_critic_target_flat, *m_critic_flat, m_cfg.tau);

  metrics.add("critic_loss", critic_loss);
  metrics.add("actor_loss", actor_loss);
  metrics.add("alpha", alpha.view({-1}));
  metrics.add("entropy", -per_seed_mean(log_pi.detach()));
  metrics.add("q1_data", per_seed_mean(q[0]));
  metrics.add("q_policy", per_seed_mean(q_pi));
  return metrics;
}

torch::Tensor Sac::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  const auto mu = m_actor->forward(observations).narrow(2, 0, m_ctx.act_dim);
  return torch::tanh(mu) * m_ctx.max_action;
}

std::pair<torch::Tensor, torch::Tensor> Sac::explore(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  return sample(observations);
}

std::optional<data::GaussianMlpPolicy> Sac::export_policy(int64_t member) const {
  torch::NoGradGuard no_grad;
  // ensemble weights are [E, in, out]; D4RL stores PyTorch's [out, in]
  const auto dense = [member](const nets::EnsembleLinear& layer, int64_t first, int64_t count) {
    const auto w = layer->weight[member].narrow(1, first, count).t().contiguous().cpu();
    const auto b = layer->bias[member][0].narrow(0, first, count).contiguous().cpu();
    data::DenseLayer d;
    d.out = count;
    d.in = layer->in_features();
    d.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    d.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
    return d;
  };
  if (m_ctx.max_action != 1.0) return std::nullopt;  // D4RL's layout has no action scale
  data::GaussianMlpPolicy p;
  const auto& layers = m_actor->layers();
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    p.hidden.push_back(dense(layers[i], 0, layers[i]->out_features()));
  }
  p.mean = dense(layers.back(), 0, m_ctx.act_dim);
  p.log_std = dense(layers.back(), m_ctx.act_dim, m_ctx.act_dim);
  return p;
}

void Sac::save(torch::serialize::OutputArchive& archive, int64_t member) const {
  m_state.save(archive, member);
  save_counters(archive, m_iterations, {m_actor_opt.get(), m_critic_opt.get(), m_alpha_opt.get()},
                m_gens, member);
}

void Sac::load(torch::serialize::InputArchive& archive, int64_t member) {
  m_state.load(archive, member);
  m_iterations = load_counters(archive, {m_actor_opt.get(), m_critic_opt.get(), m_alpha_opt.get()},
                               m_gens, member);
}

std::vector<torch::Tensor> Sac::parameters() const {
  return all_parameters({m_actor.get(), m_critic.get(), m_alpha_module.get()});
}

}  // namespace rlbench::algos
