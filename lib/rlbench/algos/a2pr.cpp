#include "rlbench/algos/a2pr.hpp"

#include <limits>
#include <map>

#include <torch/torch.h>

namespace rlbench::algos {

namespace {
struct A2prRow {
  double alpha, vae_weight, mask, discount;
};
// spec §3.5: README (hopper-medium, halfcheetah-medium, walker2d-medium), READMEv0 @ d956237
// and run.sh @ 0a42ccf; where two values were tried the first listed is used
const std::map<std::string, A2prRow>& a2pr_table() {
  static const std::map<std::string, A2prRow> k_table = {
      {"hopper-random", {2.5, 1.5, 1.5, 0.995}},
      {"hopper-medium", {2.5, 1.0, 0.4, 0.995}},
      {"hopper-medium-replay", {2.5, 1.5, 0.5, 0.99}},
      {"hopper-medium-expert", {2.5, 1.0, 4.0, 0.99}},
      {"halfcheetah-medium", {40.0, 1.0, 1.0, 0.99}},
      {"halfcheetah-medium-replay", {40.0, 1.5, 0.8, 0.995}},
      {"halfcheetah-medium-expert", {40.0, 1.0, 10.0, 0.99}},
      {"walker2d-medium", {2.5, 1.5, 1.0, 0.99}},
      {"walker2d-medium-replay", {2.5, 1.5, 1.2, 0.995}},
      {"walker2d-medium-expert", {2.5, 1.0, 0.8, 0.99}},
  };
  return k_table;
}
}  // namespace

Td3Params A2prConfig::deeper_td3() {
  Td3Params p;
  p.actor_hidden = {256, 256, 256};
  p.critic_hidden = {256, 256, 256, 256};
  return p;
}

A2prConfig A2prConfig::dataset_defaults(const std::string& dataset_name) {
  A2prConfig c;
  if (dataset_family(dataset_name) == "halfcheetah") c.alpha = 40.0;
  const auto it = a2pr_table().find(dataset_task(dataset_name));
  if (it != a2pr_table().end()) {
    c.alpha = it->second.alpha;
    c.vae_weight = it->second.vae_weight;
    c.mask = it->second.mask;
    c.td3.discount = it->second.discount;
  }
  return c;
}

A2prConfig A2prConfig::parse(core::ConfigReader& r, const std::string& dataset_name) {
  A2prConfig c = dataset_defaults(dataset_name);
  read_td3_params(r, c.td3);
  c.value_hidden = r.get_int_list("value_hidden", c.value_hidden);
  c.vae_hidden = r.get_int("vae_hidden", c.vae_hidden);
  c.value_lr = r.get_double("value_lr", c.value_lr);
  c.vae_lr = r.get_double("vae_lr", c.vae_lr);
  c.alpha = r.get_double("alpha", c.alpha);
  c.mask = r.get_double("mask", c.mask);
  c.vae_weight = r.get_double("vae_weight", c.vae_weight);
  c.kl_weight = r.get_double("kl_weight", c.kl_weight);
  c.reward_scale = r.get_double("reward_scale", c.reward_scale);
  c.reward_shift = r.get_double("reward_shift", c.reward_shift);
  c.validate(r);
  return c;
}

void A2prConfig::validate(const core::ConfigReader& r) const {
  constexpr double k_inf = std::numeric_limits<double>::infinity();
  validate_td3_params(r, td3);
  require_widths(r, "value_hidden", value_hidden);
  require_range(r, "vae_hidden", vae_hidden, 1.0, k_inf, false, true);
  require_range(r, "value_lr", value_lr, 0.0, k_inf, true, true);
  require_range(r, "vae_lr", vae_lr, 0.0, k_inf, true, true);
  require_range(r, "alpha", alpha, 0.0, k_inf, false, true);
  require_range(r, "mask", mask, 0.0, k_inf, false, true);
  require_range(r, "vae_weight", vae_weight, 0.0, k_inf, false, true);
  require_range(r, "kl_weight", kl_weight, 0.0, k_inf, false, true);
  require_range(r, "reward_scale", reward_scale, -k_inf, k_inf, true, true);
  require_range(r, "reward_shift", reward_shift, -k_inf, k_inf, true, true);
}

nlohmann::json A2prConfig::to_json() const {
  nlohmann::json j;
  td3_params_to_json(td3, j);
  j["value_hidden"] = value_hidden;
  j["vae_hidden"] = vae_hidden;
  j["value_lr"] = value_lr;
  j["vae_lr"] = vae_lr;
  j["alpha"] = alpha;
  j["mask"] = mask;
  j["vae_weight"] = vae_weight;
  j["kl_weight"] = kl_weight;
  j["reward_scale"] = reward_scale;
  j["reward_shift"] = reward_shift;
  return j;
}

// ---- conditional VAE ----

EnsembleVaeImpl::EnsembleVaeImpl(int64_t members, int64_t obs_dim, int64_t act_dim, int64_t hidden,
                                 double max_action)
    : m_latent(2 * act_dim), m_max_action(max_action) {
  const int h = static_cast<int>(hidden);
  const std::vector<int> one{h};
  const std::vector<int> two{h, h};
  m_encoder = register_module("encoder", nets::EnsembleMlp(members, obs_dim + act_dim, one, h));
  m_mean = register_module("mean", nets::EnsembleLinear(members, hidden, m_latent));
  m_log_std = register_module("log_std", nets::EnsembleLinear(members, hidden, m_latent));
  m_decoder =
      register_module("decoder", nets::EnsembleMlp(members, obs_dim + m_latent, two, act_dim));
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> EnsembleVaeImpl::forward(
    const torch::Tensor& s, const torch::Tensor& a, const torch::Tensor& eps, bool detach_params) {
  nets::MemberRange range;
  range.detach_params = detach_params;
  const auto h = torch::relu(m_encoder->forward(torch::cat({s, a}, -1), range));
  const auto mean = m_mean->forward(h, range);
  const auto sigma = m_log_std->forward(h, range).clamp(-4, 15).exp();
  const auto z = mean + sigma * eps;
  const auto u = torch::tanh(m_decoder->forward(torch::cat({s, z}, -1), range)) * m_max_action;
  return {u, mean, sigma};
}

void EnsembleVaeImpl::init_member(int64_t member, torch::Generator& gen) {
  // the reference's layer order: e1, e2, mean, log_std, d1, d2, d3
  m_encoder->init_member(member, gen);
  m_mean->init_member(member, gen);
  m_log_std->init_member(member, gen);
  m_decoder->init_member(member, gen);
}

std::pair<torch::Tensor, torch::Tensor> a2pr_bc_target(const torch::Tensor& q1_vae,
                                                       const torch::Tensor& q1_data,
                                                       const torch::Tensor& value, double mask) {
  // ties between the advantages go to the VAE action; the weight is a logical OR of the two
  // positive-advantage tests (bool + bool in the reference), never 2·mask
  const auto use_vae = (q1_vae - value) >= (q1_data - value);
  const auto positive = torch::logical_or(q1_vae >= value, q1_data > value);
  return {use_vae, positive.to(q1_vae.scalar_type()) * mask};
}

// ---- algorithm ----

A2pr::A2pr(const A2prConfig& config, const AlgoContext& ctx)
    : m_cfg(config),
      m_ctx(ctx),
      m_gens(ctx.seeds, ctx.device),
      m_ac(ctx, config.td3),
      m_state(ctx.num_seeds()) {
  const int64_t e = ctx.num_seeds();
  m_value = nets::EnsembleMlp(e, ctx.obs_dim, config.value_hidden, 1);
  m_vae = EnsembleVae(e, ctx.obs_dim, ctx.act_dim, config.vae_hidden, ctx.max_action);
  m_value->to(ctx.device);
  m_vae->to(ctx.device);
  m_value_flat = std::make_unique<nets::FlatParams>(nets::flatten_parameters({m_value.get()}));
  m_vae_flat = std::make_unique<nets::FlatParams>(nets::flatten_parameters({m_vae.get()}));
  m_value_opt = std::make_unique<nets::Adam>(*m_value_flat, config.value_lr);
  m_vae_opt = std::make_unique<nets::Adam>(*m_vae_flat, config.vae_lr);

  // per seed, in the reference's construction order: actor, critic, value, vae
  for (int64_t m = 0; m < e; ++m) {
    auto& gen = m_gens.init(m);
    m_ac.init_member(m, gen);
    m_value->init_member(m, gen);
    m_vae->init_member(m, gen);
  }
  m_ac.sync_targets();
  m_ac.add_state(m_state);
  m_state.add_flat("value", *m_value_flat, 1);
  m_state.add_flat("vae", *m_vae_flat, 1);
  add_adam_state(m_state, "value_adam", *m_value_opt, *m_value_flat, 1);
  add_adam_state(m_state, "vae_adam", *m_vae_opt, *m_vae_flat, 1);
}

Metrics A2pr::update(const Batch& b) {
  check_batch(b, m_ctx, name());
  ++m_iterations;
  Metrics metrics;
  const int64_t batch = b.states.size(1);
  const auto reward = b.rewards * m_cfg.reward_scale + m_cfg.reward_shift;
  const double gamma = m_cfg.td3.discount;

  // critic target with one smoothed a' shared with the value target
  torch::Tensor next_a, y_q;
  {
    torch::NoGradGuard no_grad;
    next_a = m_ac.smoothed_target_action(b.next_states, m_gens);
    const auto target_q = m_ac.target_q_both(b.next_states, next_a);
    y_q = reward + b.not_done * gamma * torch::min(target_q[0], target_q[1]);
  }

  // twin critic regression
  const auto q = m_ac.q_both(b.states, b.actions);
  const auto critic_loss = twin_critic_loss(q, y_q);
  m_ac.critic_opt->minimise(critic_loss);
  metrics.add("critic_loss", critic_loss);

  // value: V(s) → min(r + γ·nd·min(Q1, Q2)(s', a'), y_q) with the updated critic
  torch::Tensor y_v;
  {
    torch::NoGradGuard no_grad;
    const auto online_q = m_ac.q_both(b.next_states, next_a);
    y_v = torch::min(reward + b.not_done * gamma * torch::min(online_q[0], online_q[1]), y_q);
  }
  const auto v_graph = m_value->forward(b.states);
  const auto value_loss = per_seed_mse(v_graph, y_v);
  m_value_opt->minimise(value_loss);
  const auto v = v_graph.detach();  // pre-update V, reused below
  metrics.add("value_loss", value_loss);

  // vae: reconstruction on positive-advantage dataset pairs (strict >), KL on every pair
  torch::Tensor q1_data;
  {
    torch::NoGradGuard no_grad;
    q1_data = m_ac.q1(b.states, b.actions);
  }
  const int64_t latent = m_vae->latent_dim();
  const auto [recon, mean, sigma] =
      m_vae->forward(b.states, b.actions, m_gens.normal({batch, latent}));
  const auto recon_weight = m_cfg.vae_weight * (q1_data > v).to(torch::kFloat32);
  const auto recon_loss = per_seed_mean(recon_weight * (recon - b.actions).pow(2));
  const auto kl_loss =
      -0.5 * per_seed_mean(1 + torch::log(sigma.pow(2)) - mean.pow(2) - sigma.pow(2));
  const auto vae_loss = recon_loss + m_cfg.kl_weight * kl_loss;
  m_vae_opt->zero_grad();
  vae_loss.sum().backward();
  m_vae_opt->step();
  metrics.add("vae_loss", vae_loss);
  metrics.add("recon_loss", recon_loss);
  metrics.add("kl_loss", kl_loss);

  // delayed actor step: −λ·mean Q1(s, π) + mean m·(π − ã)², gradient through VAE(s, π) into π
  if (m_iterations % m_cfg.td3.policy_freq == 0) {
    const auto pi = m_ac.policy(b.states);
    const auto q_pi = m_ac.q1(b.states, pi, /*detach_params=*/true);
    const auto lambda = q_weight(q_pi, m_cfg.alpha);
    const auto q_term = -lambda * per_seed_mean(q_pi);

    // augmented behaviour target: the VAE's reconstruction of π or the dataset action
    const auto a_vae = std::get<0>(
        m_vae->forward(b.states, pi, m_gens.normal({batch, latent}), /*detach_params=*/true));
    torch::Tensor q1_vae;
    {
      torch::NoGradGuard no_grad;
      q1_vae = m_ac.q1(b.states, a_vae);
    }
    const auto [use_vae, weight] = a2pr_bc_target(q1_vae, q1_data, v, m_cfg.mask);
    const auto target = torch::where(use_vae, a_vae, b.actions);
    const auto bc_loss = per_seed_mean(weight * (pi - target).pow(2));
    const auto actor_loss = q_term + bc_loss;
    m_ac.actor_opt->zero_grad();
    actor_loss.sum().backward();
    m_ac.actor_opt->step();

    // target networks: critic, then actor
    m_ac.soft_update_targets();
    metrics.add("actor_loss", actor_loss);
    metrics.add("bc_loss", bc_loss);
    metrics.add("lambda", lambda);
    metrics.add("q1_policy", per_seed_mean(q_pi));
    metrics.add("bc_active", per_seed_mean((weight > 0).to(torch::kFloat32)));
    metrics.add("vae_target", per_seed_mean(use_vae.to(torch::kFloat32)));
    // how far π is from the dataset's actions, whichever target the mask picked
    metrics.add("policy_data_mse", per_seed_mse(pi.detach(), b.actions));
  }
  return metrics;
}

torch::Tensor A2pr::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  return m_ac.policy(observations);
}

void A2pr::save(torch::serialize::OutputArchive& archive, int64_t member) const {
  m_state.save(archive, member);
  save_counters(archive, m_iterations,
                {m_ac.actor_opt.get(), m_ac.critic_opt.get(), m_value_opt.get(), m_vae_opt.get()},
                m_gens, member);
}

void A2pr::load(torch::serialize::InputArchive& archive, int64_t member) {
  m_state.load(archive, member);
  m_iterations = load_counters(
      archive, {m_ac.actor_opt.get(), m_ac.critic_opt.get(), m_value_opt.get(), m_vae_opt.get()},
      m_gens, member);
}

std::vector<torch::Tensor> A2pr::parameters() const {
  return all_parameters({m_ac.actor.get(), m_ac.critic.get(), m_value.get(), m_vae.get()});
}

}  // namespace rlbench::algos
