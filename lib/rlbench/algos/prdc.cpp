#include "rlbench/algos/prdc.hpp"

#include <limits>

#include <torch/torch.h>

#include "rlbench/core/error.hpp"

namespace rlbench::algos {

PrdcConfig PrdcConfig::dataset_defaults(const std::string& dataset_name) {
  PrdcConfig c;
  const auto family = dataset_family(dataset_name);
  if (family == "halfcheetah") {
    c.alpha = 40.0;
  } else if (family == "antmaze") {
    c.alpha = 7.5;
    c.beta = 7.5;
    c.reward_scale = 10000.0;
    c.reward_shift = -1.0;
  }
  return c;
}

PrdcConfig PrdcConfig::parse(core::ConfigReader& r, const std::string& dataset_name) {
  PrdcConfig c = dataset_defaults(dataset_name);
  read_td3_params(r, c.td3);
  c.alpha = r.get_double("alpha", c.alpha);
  c.beta = r.get_double("beta", c.beta);
  c.k = r.get_int("k", c.k);
  c.reward_scale = r.get_double("reward_scale", c.reward_scale);
  c.reward_shift = r.get_double("reward_shift", c.reward_shift);
  c.search = r.get_string("search", c.search);
  c.validate(r);
  return c;
}

void PrdcConfig::validate(const core::ConfigReader& r) const {
  constexpr double k_inf = std::numeric_limits<double>::infinity();
  validate_td3_params(r, td3);
  require_range(r, "alpha", alpha, 0.0, k_inf, false, true);
  require_range(r, "beta", beta, 0.0, k_inf, false, true);
  require_range(r, "k", k, 1.0, k_inf, false, true);
  require_range(r, "reward_scale", reward_scale, -k_inf, k_inf, true, true);
  require_range(r, "reward_shift", reward_shift, -k_inf, k_inf, true, true);
  if (search != "auto") parse_nn_backend(search, r.location("search"));
}

nlohmann::json PrdcConfig::to_json() const {
  nlohmann::json j;
  td3_params_to_json(td3, j);
  j["alpha"] = alpha;
  j["beta"] = beta;
  j["k"] = k;
  j["reward_scale"] = reward_scale;
  j["reward_shift"] = reward_shift;
  j["search"] = search;
  return j;
}

Prdc::Prdc(const PrdcConfig& config, const AlgoContext& ctx)
    : m_cfg(config),
      m_ctx(ctx),
      m_gens(ctx.seeds, ctx.device),
      m_ac(ctx, config.td3),
      m_state(ctx.num_seeds()) {
  for (int64_t e = 0; e < ctx.num_seeds(); ++e) m_ac.init_member(e, m_gens.init(e));
  m_ac.sync_targets();
  m_ac.add_state(m_state);
  if (ctx.act_only) return;

  const auto& obs = ctx.dataset_observations;
  const auto& act = ctx.dataset_actions;
  if (!obs.defined() || !act.defined() || obs.dim() != 2 || act.dim() != 2 ||
      obs.size(0) != act.size(0) || obs.size(1) != ctx.obs_dim || act.size(1) != ctx.act_dim) {
    throw Error(error_message(
        "prdc", "dataset tensors",
        "observations [N, " + std::to_string(ctx.obs_dim) + "] and actions [N, " +
            std::to_string(ctx.act_dim) + "]",
        obs.defined() && act.defined() ? c10::str(obs.sizes(), " and ", act.sizes()) : "none"));
  }

  // the search space [β·s, a] over the whole dataset, built once
  torch::NoGradGuard no_grad;
  const auto backend = m_cfg.search == "auto"
                           ? (ctx.device.is_cpu() ? NnBackend::kdtree : NnBackend::brute)
                           : parse_nn_backend(m_cfg.search, "prdc: search");
  const auto points =
      torch::cat({obs.to(torch::kFloat32) * m_cfg.beta, act.to(torch::kFloat32)}, 1)
          .to(backend == NnBackend::brute ? ctx.device : torch::Device(torch::kCPU));
  m_search = std::make_unique<NearestNeighbor>(points, backend, m_cfg.k);
  m_dataset_actions = act.to(ctx.device, torch::kFloat32);
}

namespace {
// An instance built with AlgoContext::act_only has no search: it acts but cannot learn.
void require_search(const NearestNeighbor* search) {
  if (!search) throw Error("prdc: update() on an instance built only to act (no dataset)");
}
}  // namespace

torch::Tensor Prdc::constraint_actions(const torch::Tensor& states,
                                       const torch::Tensor& actions) const {
  require_search(m_search.get());
  torch::NoGradGuard no_grad;
  const int64_t e = states.size(0);
  const int64_t b = states.size(1);
  const auto key = torch::cat({states * m_cfg.beta, actions.detach()}, -1).reshape({e * b, -1});
  torch::Tensor index;
  try {
    index = m_search->query(key).to(m_dataset_actions.device());
  } catch (const Error& error) {
    // a NaN actor (a diverged run) lands here: say which step of PRDC met it
    throw Error(std::string("prdc: dataset constraint: ") + error.what());
  }
  return m_dataset_actions.index_select(0, index).view({e, b, m_ctx.act_dim});
}

Metrics Prdc::update(const Batch& b) {
  require_search(m_search.get());
  check_batch(b, m_ctx, name());
  ++m_iterations;
  Metrics metrics;
  const auto reward = b.rewards * m_cfg.reward_scale + m_cfg.reward_shift;

  // critic target: y = r + γ·nd·min(Q̄1, Q̄2)(s', clip(π̄(s') + clipped noise))
  torch::Tensor y;
  {
    torch::NoGradGuard no_grad;
    const auto next_a = m_ac.smoothed_target_action(b.next_states, m_gens);
    const auto target_q = m_ac.target_q_both(b.next_states, next_a);
    y = reward + b.not_done * m_cfg.td3.discount * torch::min(target_q[0], target_q[1]);
  }

  // twin critic regression: MSE(Q1, y) + MSE(Q2, y), per seed
  const auto q = m_ac.q_both(b.states, b.actions);
  const auto critic_loss = twin_critic_loss(q, y);
  m_ac.critic_opt->minimise(critic_loss);
  metrics.add("critic_loss", critic_loss);
  metrics.add("q1_data", per_seed_mean(q[0]));

  // delayed actor step: −λ·mean Q1(s, π(s)) + MSE(π(s), â*)
  if (m_iterations % m_cfg.td3.policy_freq == 0) {
    const auto pi = m_ac.policy(b.states);
    const auto q_pi = m_ac.q1(b.states, pi, /*detach_params=*/true);
    const auto lambda = q_weight(q_pi, m_cfg.alpha);
    const auto q_term = -lambda * per_seed_mean(q_pi);

    // dataset constraint: â* = action of the pair nearest to (β·s, π(s)), a constant
    const auto a_star = constraint_actions(b.states, pi);
    const auto dc_loss = per_seed_mse(pi, a_star);
    const auto actor_loss = q_term + dc_loss;
    m_ac.actor_opt->minimise(actor_loss);

    // target networks: critic, then actor
    m_ac.soft_update_targets();
    metrics.add("actor_loss", actor_loss);
    metrics.add("dc_loss", dc_loss);
    metrics.add("lambda", lambda);
    metrics.add("q1_policy", per_seed_mean(q_pi));
  }
  return metrics;
}

torch::Tensor Prdc::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  return m_ac.policy(observations);
}

void Prdc::save(torch::serialize::OutputArchive& archive, int64_t member) const {
  m_state.save(archive, member);
  save_counters(archive, m_iterations, {m_ac.actor_opt.get(), m_ac.critic_opt.get()}, m_gens,
                member);
}

void Prdc::load(torch::serialize::InputArchive& archive, int64_t member) {
  m_state.load(archive, member);
  m_iterations =
      load_counters(archive, {m_ac.actor_opt.get(), m_ac.critic_opt.get()}, m_gens, member);
}

std::vector<torch::Tensor> Prdc::parameters() const {
  return all_parameters({m_ac.actor.get(), m_ac.critic.get()});
}

}  // namespace rlbench::algos
