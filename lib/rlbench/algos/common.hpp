#pragma once

// Pieces shared by the TD3+BC family (TD3+BC, PRDC, A2PR): the TD3 hyperparameters, per-seed
// generators, the actor/twin-critic ensemble with its targets and optimisers, and per-seed
// checkpoint state. Each algorithm's update() calls these; nothing here is a base class.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/core/config_reader.hpp"
#include "rlbench/nets/ensemble.hpp"

namespace rlbench::algos {

// TD3 hyperparameters common to the family (Fujimoto et al. 2018; TD3+BC §5).
struct Td3Params {
  double discount = 0.99;                    // γ
  double tau = 0.005;                        // target update rate
  double policy_noise = 0.2;                 // target smoothing noise std, × max_action
  double noise_clip = 0.5;                   // smoothing noise clip, × max_action
  int policy_freq = 2;                       // actor and target update every n-th iteration
  double actor_lr = 3e-4;                    // Adam
  double critic_lr = 3e-4;                   // Adam
  std::vector<int> actor_hidden{256, 256};   // actor hidden widths
  std::vector<int> critic_hidden{256, 256};  // hidden widths of each critic head
};

// Reads the Td3Params keys from `r`; the values already in `p` are the defaults.
void read_td3_params(core::ConfigReader& r, Td3Params& p);
// Throws UsageError naming the key for an out-of-range value; `r` supplies the key location.
void validate_td3_params(const core::ConfigReader& r, const Td3Params& p);
void td3_params_to_json(const Td3Params& p, nlohmann::json& out);

// TD3+BC's Q-term weight λ = α / mean|Q1(s, π(s))| per seed, detached: q_pi [E, B, 1] → [E].
torch::Tensor q_weight(const torch::Tensor& q_pi, double alpha);

// Range checks that throw UsageError "<where>: <key>: must be <rule>, got <value>".
void require_range(const core::ConfigReader& r, const std::string& key, double value, double lo,
                   double hi, bool lo_open, bool hi_open);
void require_widths(const core::ConfigReader& r, const std::string& key,
                    const std::vector<int>& widths);

// The dataset name without its version suffix: "hopper-medium-v2" → "hopper-medium". A bundled
// mini maps to the D4RL task of its style ("hopper-medium-mini" → "hopper-medium"), so it gets
// that task's per-dataset hyperparameters.
std::string dataset_task(const std::string& dataset_name);
// The environment family: "hopper-medium-v2" → "hopper", "antmaze-umaze-v2" → "antmaze".
std::string dataset_family(const std::string& dataset_name);

// Per-seed random generators. Member e draws only from its own generators, so its stream does
// not depend on how many seeds train together. Initial weights come from a CPU generator seeded
// with the seed (identical on every device); training noise comes from a generator on the
// algorithm's device (the same CPU generator when the device is the CPU).
class SeedGenerators {
 public:
  SeedGenerators(const std::vector<uint64_t>& seeds, const torch::Device& device);

  // The CPU generator for member e's initial weights.
  torch::Generator& init(int64_t member) { return m_init[static_cast<size_t>(member)]; }

  // Normal samples N(0, std²) [E, shape...], member e from its own device generator: the same
  // values as randn(shape)·std.
  torch::Tensor normal(const std::vector<int64_t>& shape, double std = 1.0);

  // Generator state for checkpoints (CPU uint8 tensors).
  torch::Tensor init_state(int64_t member) const;
  torch::Tensor device_state(int64_t member) const;
  void set_init_state(int64_t member, const torch::Tensor& state);
  void set_device_state(int64_t member, const torch::Tensor& state);

  // The per-member noise generators on a CUDA device (empty on the CPU).
  const std::vector<torch::Generator>& device_generators() const { return m_noise; }

 private:
  torch::Device m_device;
  std::vector<torch::Generator> m_init;
  std::vector<torch::Generator> m_noise;  // empty on the CPU (m_init is used)
};

// Named tensors in ensemble layout ([heads·E, ...], head-major) that make up a seed's training
// state; saves and restores one member as a single-seed checkpoint ([heads, ...] per entry, or
// [...] when heads == 1).
class MemberState {
 public:
  explicit MemberState(int64_t num_seeds) : m_seeds(num_seeds) {}
  void add(const std::string& name, const torch::Tensor& tensor, int64_t heads = 1);
  // Adds the parameters of `flat` under `prefix`, and `extra` tensors laid out like them.
  void add_flat(const std::string& prefix, const nets::FlatParams& flat, int64_t heads);
  void add_like(const std::string& prefix, const torch::Tensor& flat_buffer,
                const nets::FlatParams& like, int64_t heads);

  void save(torch::serialize::OutputArchive& archive, int64_t member) const;
  void load(torch::serialize::InputArchive& archive, int64_t member) const;

 private:
  struct Entry {
    std::string name;
    torch::Tensor tensor;
    int64_t heads;
  };
  torch::Tensor member_view(const Entry& e, int64_t member) const;
  int64_t m_seeds;
  std::vector<Entry> m_entries;
};

// Reads a tensor entry, or throws rlbench::Error "checkpoint: missing entry \"name\"".
torch::Tensor read_entry(torch::serialize::InputArchive& archive, const std::string& name);

// The TD3 actor and twin critic for E seeds with their targets and Adam optimisers. The critic is
// one ensemble of 2E heads: members [0, E) are Q1 of each seed, [E, 2E) are Q2.
struct ActorCritic {
  ActorCritic(const AlgoContext& ctx, const Td3Params& p);

  // Initialises member e's actor and both critic heads from `gen` (actor, Q1, Q2 in that order).
  void init_member(int64_t member, torch::Generator& gen);
  // Copies the online networks into the targets (call once all members are initialised).
  void sync_targets();

  // max_action · tanh(actor(s)); s: [E, B, obs] → [E, B, act].
  torch::Tensor policy(const torch::Tensor& s, bool detach_params = false);
  torch::Tensor target_policy(const torch::Tensor& s);
  // Both heads: [2, E, B, 1].
  torch::Tensor q_both(const torch::Tensor& s, const torch::Tensor& a);
  torch::Tensor target_q_both(const torch::Tensor& s, const torch::Tensor& a);
  // Head 1 only: [E, B, 1]. With detach_params the gradient reaches `a` but not the critic.
  torch::Tensor q1(const torch::Tensor& s, const torch::Tensor& a, bool detach_params = false);

  // Clipped target-smoothing action a' = clip(π̄(s') + clip(σ·ε, ±c), ±max_action), ε ~ N(0, 1)
  // from each seed's generator.
  torch::Tensor smoothed_target_action(const torch::Tensor& next_s, SeedGenerators& gens);

  // θ̄ ← τθ + (1 − τ)θ̄ for the critic, then for the actor.
  void soft_update_targets();

  // Registers networks, targets and optimiser state with `state`.
  void add_state(MemberState& state, const std::string& prefix = "") const;

  int64_t seeds;
  double max_action;
  Td3Params params;
  nets::EnsembleMlp actor{nullptr};
  nets::EnsembleMlp actor_target{nullptr};
  nets::EnsembleMlp critic{nullptr};
  nets::EnsembleMlp critic_target{nullptr};
  std::unique_ptr<nets::FlatParams> actor_flat;
  std::unique_ptr<nets::FlatParams> actor_target_flat;
  std::unique_ptr<nets::FlatParams> critic_flat;
  std::unique_ptr<nets::FlatParams> critic_target_flat;
  std::unique_ptr<nets::Adam> actor_opt;
  std::unique_ptr<nets::Adam> critic_opt;
};

// Registers an optimiser's moments (laid out like `flat`) and its step count.
void add_adam_state(MemberState& state, const std::string& prefix, nets::Adam& opt,
                    const nets::FlatParams& flat, int64_t heads);

// Saves/loads what every algorithm has besides its tensors: the iteration counter, optimiser step
// counts and member's generator states.
void save_counters(torch::serialize::OutputArchive& archive, int64_t iterations,
                   const std::vector<const nets::Adam*>& optimisers, const SeedGenerators& gens,
                   int64_t member);
int64_t load_counters(torch::serialize::InputArchive& archive,
                      const std::vector<nets::Adam*>& optimisers, SeedGenerators& gens,
                      int64_t member);

// Per-seed mean over every dimension but the first: [E, ...] → [E].
torch::Tensor per_seed_mean(const torch::Tensor& t);

// Per-seed mean squared error: [E, ...] twice → [E]. mse_loss's one-kernel forward and backward
// give the same values as (x − target)² and its gradient, in fewer kernels.
torch::Tensor per_seed_mse(const torch::Tensor& x, const torch::Tensor& target);

// The twin critics' regression loss MSE(Q1, y) + MSE(Q2, y) per seed: q [2, E, B, 1], y [E, B, 1]
// → [E].
torch::Tensor twin_critic_loss(const torch::Tensor& q, const torch::Tensor& y);

// Every parameter of `modules`, for Algorithm::parameters().
std::vector<torch::Tensor> all_parameters(const std::vector<const torch::nn::Module*>& modules);

}  // namespace rlbench::algos
