#include "rlbench/algos/common.hpp"

#include <cmath>
#include <limits>
#include <regex>
#include <sstream>

#include <torch/torch.h>

#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"

namespace rlbench::algos {

// ---- Batch / Metrics ----

void Metrics::add(const std::string& name, const torch::Tensor& per_seed) {
  // no copy, no conversion: on CUDA each would be a kernel per metric per update
  values.emplace_back(name, per_seed.detach().reshape({-1}));
}

bool Metrics::has(const std::string& name) const {
  for (const auto& [n, v] : values) {
    if (n == name) return true;
  }
  return false;
}

std::vector<double> Metrics::get(const std::string& name) const {
  for (const auto& [n, v] : values) {
    if (n != name) continue;
    auto host = v.to(torch::kCPU, torch::kFloat64).contiguous();
    return {host.data_ptr<double>(), host.data_ptr<double>() + host.numel()};
  }
  throw Error("metrics: no metric \"" + name + "\" in this update");
}

nlohmann::json Metrics::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  if (values.empty()) return out;
  std::vector<torch::Tensor> all;
  for (const auto& [n, v] : values) all.push_back(v);
  auto host = torch::stack(all).to(torch::kCPU, torch::kFloat64).contiguous();  // one transfer
  for (size_t i = 0; i < values.size(); ++i) {
    auto row = host[static_cast<int64_t>(i)];
    out[values[i].first] =
        std::vector<double>(row.data_ptr<double>(), row.data_ptr<double>() + row.numel());
  }
  return out;
}

namespace {
std::string shape_string(const torch::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

void check_tensor(const torch::Tensor& t, const std::string& where, const std::string& key,
                  int64_t e, int64_t b, int64_t d, const torch::Device& device) {
  const std::string expected = "[" + std::to_string(e) + ", " + (b < 0 ? "B" : std::to_string(b)) +
                               ", " + std::to_string(d) + "] float32 on " + device.str();
  if (!t.defined() || t.dim() != 3 || t.size(0) != e || (b >= 0 && t.size(1) != b) ||
      t.size(2) != d || t.scalar_type() != torch::kFloat32 || t.device().type() != device.type() ||
      (device.has_index() && t.device().index() != device.index())) {
    throw Error(error_message(
        where, "batch." + key, expected,
        shape_string(t) + (t.defined() ? " " + std::string(c10::toString(t.scalar_type())) +
                                             " on " + t.device().str()
                                       : "")));
  }
}
}  // namespace

void check_batch(const Batch& batch, const AlgoContext& ctx, const std::string& algo) {
  const int64_t e = ctx.num_seeds();
  check_tensor(batch.states, algo, "states", e, -1, ctx.obs_dim, ctx.device);
  const int64_t b = batch.states.size(1);
  check_tensor(batch.actions, algo, "actions", e, b, ctx.act_dim, ctx.device);
  check_tensor(batch.rewards, algo, "rewards", e, b, 1, ctx.device);
  check_tensor(batch.next_states, algo, "next_states", e, b, ctx.obs_dim, ctx.device);
  check_tensor(batch.not_done, algo, "not_done", e, b, 1, ctx.device);
}

std::pair<torch::Tensor, torch::Tensor> Algorithm::explore(const torch::Tensor& /*obs*/) {
  throw Error(name() + ": an offline algorithm has no behaviour policy to explore with");
}

std::optional<data::GaussianMlpPolicy> Algorithm::export_policy(int64_t /*member*/) const {
  return std::nullopt;
}

void Algorithm::set_iterations(int64_t /*iterations*/) {
  throw Error(name() + ": update() cannot be captured in a CUDA graph");
}

// ---- config ----

void require_range(const core::ConfigReader& r, const std::string& key, double value, double lo,
                   double hi, bool lo_open, bool hi_open) {
  const bool ok_lo = lo_open ? value > lo : value >= lo;
  const bool ok_hi = hi_open ? value < hi : value <= hi;
  if (ok_lo && ok_hi) return;
  std::string rule;
  if (std::isinf(hi)) {
    rule = (lo_open ? "> " : ">= ") + core::format_number(lo);
  } else {
    rule = std::string("in ") + (lo_open ? "(" : "[") + core::format_number(lo) + ", " +
           core::format_number(hi) + (hi_open ? ")" : "]");
  }
  throw UsageError(r.location(key) + ": must be " + rule + ", got " +
                   core::format_number(value, 10));
}

void require_widths(const core::ConfigReader& r, const std::string& key,
                    const std::vector<int>& widths) {
  if (widths.empty()) {
    throw UsageError(r.location(key) + ": must list at least one hidden width, got []");
  }
  for (int w : widths) {
    if (w < 1) {
      throw UsageError(r.location(key) + ": widths must be >= 1, got " + std::to_string(w));
    }
  }
}

void read_td3_params(core::ConfigReader& r, Td3Params& p) {
  p.discount = r.get_double("discount", p.discount);
  p.tau = r.get_double("tau", p.tau);
  p.policy_noise = r.get_double("policy_noise", p.policy_noise);
  p.noise_clip = r.get_double("noise_clip", p.noise_clip);
  p.policy_freq = r.get_int("policy_freq", p.policy_freq);
  p.actor_lr = r.get_double("actor_lr", p.actor_lr);
  p.critic_lr = r.get_double("critic_lr", p.critic_lr);
  p.actor_hidden = r.get_int_list("actor_hidden", p.actor_hidden);
  p.critic_hidden = r.get_int_list("critic_hidden", p.critic_hidden);
}

void validate_td3_params(const core::ConfigReader& r, const Td3Params& p) {
  constexpr double k_inf = std::numeric_limits<double>::infinity();
  require_range(r, "discount", p.discount, 0.0, 1.0, false, false);
  require_range(r, "tau", p.tau, 0.0, 1.0, true, false);
  require_range(r, "policy_noise", p.policy_noise, 0.0, k_inf, false, true);
  require_range(r, "noise_clip", p.noise_clip, 0.0, k_inf, false, true);
  require_range(r, "policy_freq", p.policy_freq, 1.0, k_inf, false, true);
  require_range(r, "actor_lr", p.actor_lr, 0.0, k_inf, true, true);
  require_range(r, "critic_lr", p.critic_lr, 0.0, k_inf, true, true);
  require_widths(r, "actor_hidden", p.actor_hidden);
  require_widths(r, "critic_hidden", p.critic_hidden);
}

void td3_params_to_json(const Td3Params& p, nlohmann::json& out) {
  out["discount"] = p.discount;
  out["tau"] = p.tau;
  out["policy_noise"] = p.policy_noise;
  out["noise_clip"] = p.noise_clip;
  out["policy_freq"] = p.policy_freq;
  out["actor_lr"] = p.actor_lr;
  out["critic_lr"] = p.critic_lr;
  out["actor_hidden"] = p.actor_hidden;
  out["critic_hidden"] = p.critic_hidden;
}

torch::Tensor q_weight(const torch::Tensor& q_pi, double alpha) {
  return alpha / q_pi.detach().abs().reshape({q_pi.size(0), -1}).mean(1);
}

std::string dataset_task(const std::string& dataset_name) {
  static const std::regex k_version("-(v[0-9]+|mini)$");
  return std::regex_replace(dataset_name, k_version, "");
}

std::string dataset_family(const std::string& dataset_name) {
  const auto dash = dataset_name.find('-');
  return dataset_name.substr(0, dash);
}

// ---- generators ----

SeedGenerators::SeedGenerators(const std::vector<uint64_t>& seeds, const torch::Device& device)
    : m_device(device) {
  for (auto seed : seeds) {
    m_init.push_back(nets::make_generator(torch::kCPU, seed));
    if (!device.is_cpu()) m_noise.push_back(nets::make_generator(device, seed));
  }
}

torch::Tensor SeedGenerators::normal(const std::vector<int64_t>& shape, double std) {
  std::vector<torch::Tensor> parts;
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(m_device);
  for (size_t e = 0; e < m_init.size(); ++e) {
    auto& gen = m_noise.empty() ? m_init[e] : m_noise[e];
    // CUDA: the scale inside the sampling kernel, the same values in one kernel fewer. The
    // CPU kernel draws fewer than 16 values in double precision, so there the scale stays a
    // separate product, as the references compute it.
    if (!m_device.is_cpu()) {
      parts.push_back(torch::empty(shape, options).normal_(0.0, std, gen));
    } else {
      auto x = torch::randn(shape, gen, options);
      parts.push_back(std == 1.0 ? x : x * std);
    }
  }
  // one member: a view instead of a copy
  return parts.size() == 1 ? parts.front().unsqueeze(0) : torch::stack(parts);
}

torch::Tensor SeedGenerators::init_state(int64_t member) const {
  return m_init[static_cast<size_t>(member)].get_state();
}

torch::Tensor SeedGenerators::device_state(int64_t member) const {
  if (m_noise.empty()) return init_state(member);
  return m_noise[static_cast<size_t>(member)].get_state();
}

void SeedGenerators::set_init_state(int64_t member, const torch::Tensor& state) {
  m_init[static_cast<size_t>(member)].set_state(state);
}

void SeedGenerators::set_device_state(int64_t member, const torch::Tensor& state) {
  auto& gen =
      m_noise.empty() ? m_init[static_cast<size_t>(member)] : m_noise[static_cast<size_t>(member)];
  // A checkpoint from the other device type (a run trained on CUDA, evaluated on the CPU): the
  // noise stream starts afresh from the seed. Evaluation draws no noise, and exact resume is
  // promised only on the same device.
  if (nets::is_other_device_state(gen, state)) return;
  gen.set_state(state);
}

// ---- per-member checkpoint state ----

void MemberState::add(const std::string& name, const torch::Tensor& tensor, int64_t heads) {
  m_entries.push_back({name, tensor, heads});
}

void MemberState::add_flat(const std::string& prefix, const nets::FlatParams& flat, int64_t heads) {
  for (size_t i = 0; i < flat.params.size(); ++i) {
    add(prefix + "." + flat.names[i], flat.params[i], heads);
  }
}

void MemberState::add_like(const std::string& prefix, const torch::Tensor& flat_buffer,
                           const nets::FlatParams& like, int64_t heads) {
  const auto views = nets::views_like(flat_buffer, like);
  for (size_t i = 0; i < views.size(); ++i) add(prefix + "." + like.names[i], views[i], heads);
}

torch::Tensor MemberState::member_view(const Entry& e, int64_t member) const {
  std::vector<int64_t> shape{e.heads, m_seeds};
  for (int64_t d = 1; d < e.tensor.dim(); ++d) shape.push_back(e.tensor.size(d));
  auto v = e.tensor.view(shape).select(1, member);
  return e.heads == 1 ? v.squeeze(0) : v;
}

void MemberState::save(torch::serialize::OutputArchive& archive, int64_t member) const {
  torch::NoGradGuard no_grad;
  for (const auto& e : m_entries) {
    archive.write(e.name, member_view(e, member).to(torch::kCPU).clone());
  }
}

torch::Tensor read_entry(torch::serialize::InputArchive& archive, const std::string& name) {
  torch::Tensor t;
  if (!archive.try_read(name, t)) throw Error("checkpoint: missing entry \"" + name + "\"");
  return t;
}

void MemberState::load(torch::serialize::InputArchive& archive, int64_t member) const {
  torch::NoGradGuard no_grad;
  for (const auto& e : m_entries) {
    auto src = read_entry(archive, e.name);
    auto dst = member_view(e, member);
    if (src.sizes() != dst.sizes()) {
      throw Error(error_message("checkpoint", "entry \"" + e.name + "\"",
                                "shape " + shape_string(dst), shape_string(src)));
    }
    dst.copy_(src);
  }
}

void add_adam_state(MemberState& state, const std::string& prefix, nets::Adam& opt,
                    const nets::FlatParams& flat, int64_t heads) {
  state.add_like(prefix + ".exp_avg", opt.exp_avg(), flat, heads);
  state.add_like(prefix + ".exp_avg_sq", opt.exp_avg_sq(), flat, heads);
}

void save_counters(torch::serialize::OutputArchive& archive, int64_t iterations,
                   const std::vector<const nets::Adam*>& optimisers, const SeedGenerators& gens,
                   int64_t member) {
  archive.write("iterations", torch::tensor({iterations}, torch::kInt64));
  for (size_t i = 0; i < optimisers.size(); ++i) {
    archive.write("optimiser_steps." + std::to_string(i),
                  torch::tensor({optimisers[i]->steps()}, torch::kInt64));
  }
  archive.write("rng.init", gens.init_state(member));
  archive.write("rng.device", gens.device_state(member));
}

int64_t load_counters(torch::serialize::InputArchive& archive,
                      const std::vector<nets::Adam*>& optimisers, SeedGenerators& gens,
                      int64_t member) {
  const int64_t iterations = read_entry(archive, "iterations").item<int64_t>();
  for (size_t i = 0; i < optimisers.size(); ++i) {
    optimisers[i]->set_steps(
        read_entry(archive, "optimiser_steps." + std::to_string(i)).item<int64_t>());
  }
  gens.set_init_state(member, read_entry(archive, "rng.init"));
  gens.set_device_state(member, read_entry(archive, "rng.device"));
  return iterations;
}

// ---- actor and twin critic ----

ActorCritic::ActorCritic(const AlgoContext& ctx, const Td3Params& p)
    : seeds(ctx.num_seeds()), max_action(ctx.max_action), params(p) {
  const int64_t s = ctx.obs_dim;
  const int64_t a = ctx.act_dim;
  actor = nets::EnsembleMlp(seeds, s, p.actor_hidden, a);
  actor_target = nets::EnsembleMlp(seeds, s, p.actor_hidden, a);
  critic = nets::EnsembleMlp(2 * seeds, s + a, p.critic_hidden, 1);
  critic_target = nets::EnsembleMlp(2 * seeds, s + a, p.critic_hidden, 1);
  for (auto* m : {&actor, &actor_target, &critic, &critic_target}) (*m)->to(ctx.device);
  actor_flat = std::make_unique<nets::FlatParams>(nets::flatten_parameters({actor.get()}));
  actor_target_flat =
      std::make_unique<nets::FlatParams>(nets::flatten_parameters({actor_target.get()}));
  critic_flat = std::make_unique<nets::FlatParams>(nets::flatten_parameters({critic.get()}));
  critic_target_flat =
      std::make_unique<nets::FlatParams>(nets::flatten_parameters({critic_target.get()}));
  for (auto& t : actor_target_flat->params) t.set_requires_grad(false);
  for (auto& t : critic_target_flat->params) t.set_requires_grad(false);
  actor_opt = std::make_unique<nets::Adam>(*actor_flat, p.actor_lr);
  critic_opt = std::make_unique<nets::Adam>(*critic_flat, p.critic_lr);
}

void ActorCritic::init_member(int64_t member, torch::Generator& gen) {
  actor->init_member(member, gen);
  critic->init_member(member, gen);
  critic->init_member(seeds + member, gen);
}

void ActorCritic::sync_targets() {
  nets::hard_update(*actor_target_flat, *actor_flat);
  nets::hard_update(*critic_target_flat, *critic_flat);
}

namespace {
// max·tanh(x); every MuJoCo task here has max 1, and multiplying by 1 is exact, so that kernel
// is skipped
torch::Tensor squash(const torch::Tensor& x, double max_action) {
  auto a = torch::tanh(x);
  return max_action == 1.0 ? a : a * max_action;
}

torch::Tensor both_heads(nets::EnsembleMlp& net, const torch::Tensor& s, const torch::Tensor& a,
                         int64_t seeds) {
  auto sa = torch::cat({s, a}, -1);
  // the same input for both heads: a view for one seed, a copy (as repeat) for several
  auto q =
      net->forward(sa.unsqueeze(0).expand({2, -1, -1, -1}).reshape({-1, sa.size(1), sa.size(2)}));
  return q.view({2, seeds, sa.size(1), 1});
}
}  // namespace

torch::Tensor ActorCritic::policy(const torch::Tensor& s, bool detach_params) {
  nets::MemberRange range;
  range.detach_params = detach_params;
  return squash(actor->forward(s, range), max_action);
}

torch::Tensor ActorCritic::target_policy(const torch::Tensor& s) {
  return squash(actor_target->forward(s), max_action);
}

torch::Tensor ActorCritic::q_both(const torch::Tensor& s, const torch::Tensor& a) {
  return both_heads(critic, s, a, seeds);
}

torch::Tensor ActorCritic::target_q_both(const torch::Tensor& s, const torch::Tensor& a) {
  return both_heads(critic_target, s, a, seeds);
}

torch::Tensor ActorCritic::q1(const torch::Tensor& s, const torch::Tensor& a, bool detach_params) {
  nets::MemberRange range{0, seeds, detach_params};
  return critic->forward(torch::cat({s, a}, -1), range);
}

torch::Tensor ActorCritic::smoothed_target_action(const torch::Tensor& next_s,
                                                  SeedGenerators& gens) {
  const int64_t b = next_s.size(1);
  const int64_t act_dim = actor->layers().back()->out_features();
  auto noise = gens.normal({b, act_dim}, params.policy_noise * max_action)
                   .clamp(-params.noise_clip * max_action, params.noise_clip * max_action);
  return (target_policy(next_s) + noise).clamp(-max_action, max_action);
}

void ActorCritic::soft_update_targets() {
  nets::soft_update(*critic_target_flat, *critic_flat, params.tau);
  nets::soft_update(*actor_target_flat, *actor_flat, params.tau);
}

void ActorCritic::add_state(MemberState& state, const std::string& prefix) const {
  state.add_flat(prefix + "actor", *actor_flat, 1);
  state.add_flat(prefix + "actor_target", *actor_target_flat, 1);
  state.add_flat(prefix + "critic", *critic_flat, 2);
  state.add_flat(prefix + "critic_target", *critic_target_flat, 2);
  add_adam_state(state, prefix + "actor_adam", *actor_opt, *actor_flat, 1);
  add_adam_state(state, prefix + "critic_adam", *critic_opt, *critic_flat, 2);
}

torch::Tensor per_seed_mean(const torch::Tensor& t) { return t.reshape({t.size(0), -1}).mean(1); }

torch::Tensor per_seed_mse(const torch::Tensor& x, const torch::Tensor& target) {
  return per_seed_mean(torch::mse_loss(x, target, at::Reduction::None));
}

torch::Tensor twin_critic_loss(const torch::Tensor& q, const torch::Tensor& y) {
  return torch::mse_loss(q, y.expand_as(q), at::Reduction::None).mean({2, 3}).sum(0);
}

std::vector<torch::Tensor> all_parameters(const std::vector<const torch::nn::Module*>& modules) {
  std::vector<torch::Tensor> out;
  for (const auto* m : modules) {
    for (const auto& p : m->parameters()) out.push_back(p);
  }
  return out;
}

}  // namespace rlbench::algos
