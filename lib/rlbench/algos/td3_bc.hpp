#pragma once

// TD3+BC: a minimalist approach to offline RL (Fujimoto & Gu, NeurIPS 2021, arXiv 2106.06860).
// actor: max E[ λ·Q1(s, π(s)) − (π(s) − a)² ], λ = α / mean|Q1(s, π(s))| (detached).
// critic: TD3 (twin Q, clipped target-policy smoothing, delayed actor and target updates).
// checked against: sfujim/TD3_BC @ 76cdd14 (TD3_BC.py).
// deviations:
//   - E seeds train together as an ensemble; each seed's losses, λ and noise are its own, and
//     the summed loss gives every seed exactly its own gradient
//   - the critic's parameters are detached in the actor's Q term (the reference lets gradient
//     reach the critic and zeroes it before the next critic step: same update, less work)
//   - on CUDA, Adam is PyTorch's fused kernel (torch.optim.Adam(fused=True): the same update,
//     rounded differently), and training replays each update from a CUDA graph
//     (train.cuda_graphs), which computes what the eager update does. This applies to every
//     algorithm built on nets::Adam. Also on CUDA, EnsembleLinear takes its bias gradient as a
//     product with ones rather than a reduction (the same sum, possibly rounded differently).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/algos/common.hpp"
#include "rlbench/core/config_reader.hpp"

namespace rlbench::algos {

struct Td3BcConfig {
  Td3Params td3;       // TD3 settings (γ 0.99, τ 0.005, noise 0.2/0.5, delay 2, lr 3e-4, 2×256)
  double alpha = 2.5;  // Q-term weight α in λ = α / mean|Q|

  // The paper's settings; TD3+BC uses the same values for every dataset.
  static Td3BcConfig dataset_defaults(const std::string& dataset_name);
  // dataset_defaults(dataset_name) overridden by the keys in `r`, validated. Does not finish `r`.
  static Td3BcConfig parse(core::ConfigReader& r, const std::string& dataset_name);
  // Throws UsageError naming the first out-of-range value (keys located through `r`).
  void validate(const core::ConfigReader& r) const;
  nlohmann::json to_json() const;
};

class Td3Bc final : public Algorithm {
 public:
  Td3Bc(const Td3BcConfig& config, const AlgoContext& ctx);

  std::string name() const override { return "td3_bc"; }
  nlohmann::json config() const override { return m_cfg.to_json(); }
  Metrics update(const Batch& batch) override;
  torch::Tensor act(const torch::Tensor& observations) override;
  void save(torch::serialize::OutputArchive& archive, int64_t member) const override;
  void load(torch::serialize::InputArchive& archive, int64_t member) override;
  std::vector<torch::Tensor> parameters() const override;
  int64_t iterations() const override { return m_iterations; }
  int64_t graph_cycle() const override { return m_cfg.td3.policy_freq; }
  std::vector<torch::Generator> graph_generators() const override {
    return m_gens.device_generators();
  }
  void set_iterations(int64_t iterations) override { m_iterations = iterations; }

 private:
  Td3BcConfig m_cfg;
  AlgoContext m_ctx;
  SeedGenerators m_gens;
  ActorCritic m_ac;
  MemberState m_state;
  int64_t m_iterations = 0;
};

}  // namespace rlbench::algos
