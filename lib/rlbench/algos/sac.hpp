#pragma once

// SAC: soft actor-critic with automatic entropy tuning (Haarnoja et al., "Soft Actor-Critic
// Algorithms and Applications", arXiv 1812.05905), the online behaviour-policy learner D4RL used.
// critic: y = r + γ·(1 − d)·(min(Q̄1, Q̄2)(s', a') − α·log π(a'|s')), a' ~ π(·|s'); MSE per head.
// actor:  E[ α·log π(a|s) − min(Q1, Q2)(s, a) ], a = tanh(μ + σ·ε) (reparameterised).
// alpha:  J(α) = −E[ log α · (log π(a|s) + H̄) ], H̄ = −|A|; the losses use α before its step.
// checked against: rail-berkeley/rlkit (rlkit/torch/sac/sac.py, policies/gaussian_policy.py,
// examples/sac.py): 2×256 ReLU actor with a shared trunk, a mean head and a log-std head clamped
// to [−20, 2]; twin 2×256 critics; lr 3e-4 for actor, critics and α; τ 5e-3 every update; γ 0.99;
// batch 256; one update per env step; the tanh log-det in its stable form 2(log 2 − u −
// softplus(−2u)). deviations:
//   - initialisation is PyTorch's nn.Linear default for every layer (rlkit uses fan-in uniform
//     weights with 0.1 biases and a ±1e-3 output layer)
//   - the two actor heads are one [256, 2|A|] layer (identical maths; split on export)
//   - the warm-up takes uniform random actions (rlbench's online loop, train.online.warmup_steps)
//     where rlkit rolls out its initial policy for 1000 steps
//   - E seeds train together as an ensemble; each seed's losses, α and noise are its own

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/algos/common.hpp"
#include "rlbench/core/config_reader.hpp"

namespace rlbench::algos {

struct SacConfig {
  double discount = 0.99;                    // γ
  double tau = 0.005;                        // target critic update rate, every update
  double actor_lr = 3e-4;                    // Adam
  double critic_lr = 3e-4;                   // Adam
  double alpha_lr = 3e-4;                    // Adam on log α
  double reward_scale = 1.0;                 // rewards are multiplied by this in the target
  bool auto_entropy = true;                  // tune α towards the target entropy
  double init_alpha = 1.0;                   // α at the start (rlkit: log α = 0); fixed if !auto
  std::optional<double> target_entropy;      // H̄; unset = −|A|
  std::vector<int> actor_hidden{256, 256};   // shared trunk of the mean and log-std heads
  std::vector<int> critic_hidden{256, 256};  // hidden widths of each critic head

  static SacConfig dataset_defaults(const std::string& dataset_name);
  // dataset_defaults(name) overridden by the keys in `r`, validated. Does not finish `r`.
  static SacConfig parse(core::ConfigReader& r, const std::string& dataset_name);
  void validate(const core::ConfigReader& r) const;
  nlohmann::json to_json() const;
};

class Sac final : public Algorithm {
 public:
  Sac(const SacConfig& config, const AlgoContext& ctx);

  std::string name() const override { return "sac"; }
  nlohmann::json config() const override { return m_cfg.to_json(); }
  Metrics update(const Batch& batch) override;
  // Deterministic actions max_action·tanh(μ(s)).
  torch::Tensor act(const torch::Tensor& observations) override;
  std::pair<torch::Tensor, torch::Tensor> explore(const torch::Tensor& observations) override;
  std::optional<data::GaussianMlpPolicy> export_policy(int64_t member) const override;
  void save(torch::serialize::OutputArchive& archive, int64_t member) const override;
  void load(torch::serialize::InputArchive& archive, int64_t member) override;
  std::vector<torch::Tensor> parameters() const override;
  int64_t iterations() const override { return m_iterations; }

 private:
  // a = max_action·tanh(μ + σε) and log π(a|s) [E, B, 1]; gradients reach the actor.
  std::pair<torch::Tensor, torch::Tensor> sample(const torch::Tensor& s);
  // min over both heads of Q(s, a): [E, B, 1]. With detach_params only `a` receives gradient.
  torch::Tensor min_q(nets::EnsembleMlp& net, const torch::Tensor& s, const torch::Tensor& a,
                      bool detach_params);

  SacConfig m_cfg;
  AlgoContext m_ctx;
  double m_target_entropy;
  SeedGenerators m_gens;
  nets::EnsembleMlp m_actor{nullptr};   // outputs [μ, log σ]
  nets::EnsembleMlp m_critic{nullptr};  // 2E heads: Q1 of each seed, then Q2
  nets::EnsembleMlp m_critic_target{nullptr};
  std::shared_ptr<torch::nn::Module> m_alpha_module;  // holds log α as its one parameter
  torch::Tensor m_log_alpha;                          // [E]
  std::unique_ptr<nets::FlatParams> m_actor_flat, m_critic_flat, m_critic_target_flat, m_alpha_flat;
  std::unique_ptr<nets::Adam> m_actor_opt, m_critic_opt, m_alpha_opt;
  MemberState m_state;
  int64_t m_iterations = 0;
};

}  // namespace rlbench::algos
