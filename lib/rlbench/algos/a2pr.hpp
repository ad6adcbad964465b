#pragma once

// A2PR: adaptive advantage-guided policy regularization (Liu, Li, Lan, Gao, Pan & Xu, ICML 2024,
// arXiv 2405.19909).
// critic: TD3 (twin Q, clipped smoothing, delayed actor and targets).
// value: V(s) ← MSE to r + γ·nd·min(Q1, Q2, Q̄1, Q̄2)(s', a'), a' the critic's smoothed action.
// vae: conditional VAE, reconstruction weighted by vae_weight·1[Q1(s, a) > V(s)], KL weight 0.5.
// actor: max E[ λ·Q1(s, π(s)) − m·(π(s) − ã)² ], λ = α / mean|Q1(s, π(s))|, with
//   â = VAE(s, π(s)) (not detached), ã = â if A(â) ≥ A(a) else a, A = Q1 − V,
//   m = mask · 1[(Q1(s, â) ≥ V(s)) OR (Q1(s, a) > V(s))].
// checked against: ltlhuuu/A2PR @ f92a2a4 (A2PR.py unchanged since 0a42ccf; main.py,
// utils/config.py, core/network/{actor,critic}.py; README/READMEv0/run.sh for per-dataset values).
// deviations:
//   - the VAE's and the critic's parameters are detached in the actor loss (the reference lets
//     gradient reach them and discards it before their own steps); the gradient still flows
//     through the VAE into π
//   - the reward transform r' = scale·r + shift is applied inside update() (identity by default)
//   - E seeds train together as an ensemble (see td3_bc.hpp)

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/algos/common.hpp"
#include "rlbench/core/config_reader.hpp"
#include "rlbench/nets/ensemble.hpp"

namespace rlbench::algos {

struct A2prConfig {
  Td3Params td3 = deeper_td3();  // actor 3×256, critic heads 4×256; otherwise TD3+BC's values
  std::vector<int> value_hidden{256, 256, 256, 256};  // V(s) hidden widths
  int vae_hidden = 750;       // width of the VAE's two encoder and two decoder layers
  double value_lr = 3e-4;     // Adam for V
  double vae_lr = 1e-3;       // Adam for the VAE (the reference passes no lr: Adam's default)
  double alpha = 2.5;         // Q-term weight α (halfcheetah 40)
  double mask = 0.5;          // BC weight where the selected target has advantage ≥ 0
  double vae_weight = 1.0;    // reconstruction weight on positive-advantage samples
  double kl_weight = 0.5;     // weight of the KL term (hard-coded in the reference)
  double reward_scale = 1.0;  // r' = scale·r + shift
  double reward_shift = 0.0;

  static Td3Params deeper_td3();
  // Per-dataset α, vae_weight, mask and γ from the authors' README, READMEv0 and run.sh
  // (hopper/halfcheetah/walker2d random, medium, medium-replay, medium-expert where published);
  // α = 40 for every halfcheetah dataset; otherwise the defaults above.
  static A2prConfig dataset_defaults(const std::string& dataset_name);
  static A2prConfig parse(core::ConfigReader& r, const std::string& dataset_name);
  void validate(const core::ConfigReader& r) const;
  nlohmann::json to_json() const;
};

// The BCQ-style conditional VAE for E seeds: encoder (s, a) → 2 × hidden → (mean, log σ),
// z = mean + σ·ε, decoder (s, z) → 2 × hidden → max_action·tanh.
class EnsembleVaeImpl : public torch::nn::Module {
 public:
  EnsembleVaeImpl(int64_t members, int64_t obs_dim, int64_t act_dim, int64_t hidden,
                  double max_action);
  // Returns (reconstruction [E, B, A], mean [E, B, L], std [E, B, L]); eps [E, B, L] ~ N(0, 1).
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> forward(const torch::Tensor& s,
                                                                  const torch::Tensor& a,
                                                                  const torch::Tensor& eps,
                                                                  bool detach_params = false);
  void init_member(int64_t member, torch::Generator& gen);
  int64_t latent_dim() const { return m_latent; }

 private:
  int64_t m_latent;
  double m_max_action;
  nets::EnsembleMlp m_encoder{nullptr};  // (s, a) → hidden → hidden (ReLU applied after)
  nets::EnsembleLinear m_mean{nullptr};
  nets::EnsembleLinear m_log_std{nullptr};
  nets::EnsembleMlp m_decoder{nullptr};
};
TORCH_MODULE(EnsembleVae);

// The actor's BC target and weight, given Q1 of the VAE action and of the dataset action and the
// value, all [E, B, 1]: returns (use_vae [E, B, 1] bool, weight [E, B, 1] float in {0, mask}).
// use_vae = A_vae ≥ A_data; weight = mask · ((Q1(s, â) ≥ V) OR (Q1(s, a) > V)).
std::pair<torch::Tensor, torch::Tensor> a2pr_bc_target(const torch::Tensor& q1_vae,
                                                       const torch::Tensor& q1_data,
                                                       const torch::Tensor& value, double mask);

class A2pr final : public Algorithm {
 public:
  A2pr(const A2prConfig& config, const AlgoContext& ctx);

  std::string name() const override { return "a2pr"; }
  nlohmann::json config() const override { return m_cfg.to_json(); }
  Metrics update(const Batch& batch) override;
  torch::Tensor act(const torch::Tensor& observations) override;
  void save(torch::serialize::OutputArchive& archive, int64_t member) const override;
  void load(torch::serialize::InputArchive& archive, int64_t member) override;
  std::vector<torch::Tensor> parameters() const override;
  int64_t iterations() const override { return m_iterations; }

 private:
  A2prConfig m_cfg;
  AlgoContext m_ctx;
  SeedGenerators m_gens;
  ActorCritic m_ac;
  nets::EnsembleMlp m_value{nullptr};
  EnsembleVae m_vae{nullptr};
  std::unique_ptr<nets::FlatParams> m_value_flat;
  std::unique_ptr<nets::FlatParams> m_vae_flat;
  std::unique_ptr<nets::Adam> m_value_opt;
  std::unique_ptr<nets::Adam> m_vae_opt;
  MemberState m_state;
  int64_t m_iterations = 0;
};

}  // namespace rlbench::algos
