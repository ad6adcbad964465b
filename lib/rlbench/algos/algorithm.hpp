#pragma once

// The interface every offline RL algorithm implements, and the tensors it exchanges with the
// training loop. An algorithm instance trains E = seeds.size() independent seeds at once: every
// tensor carries a leading ensemble dimension, and member e behaves like a single-seed run with
// seeds[e] (own initial weights, own noise generator, own checkpoint).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/serialize/archive.h>
#include <torch/types.h>

#include "rlbench/data/policy_file.hpp"

namespace rlbench::algos {

// One training batch per seed. All tensors are float32 on the algorithm's device.
struct Batch {
  torch::Tensor states;       // [E, B, obs_dim], normalised
  torch::Tensor actions;      // [E, B, act_dim]
  torch::Tensor rewards;      // [E, B, 1], raw dataset rewards (an algorithm may rescale them)
  torch::Tensor next_states;  // [E, B, obs_dim], normalised
  torch::Tensor not_done;     // [E, B, 1], 1 − terminal (timeouts are not terminal)
};

// Scalar training statistics, one value per seed. Values stay on the device (no host sync inside
// update()); call to_host() when logging. A metric appears only in the updates that compute it
// (for example actor_loss only on delayed actor steps).
struct Metrics {
  // name → [E], detached float32, kept without a copy: an update must not change a tensor in
  // place after adding it
  std::vector<std::pair<std::string, torch::Tensor>> values;

  void add(const std::string& name, const torch::Tensor& per_seed);
  // Whether `name` was recorded in this update.
  bool has(const std::string& name) const;
  // The per-seed values of `name`; throws rlbench::Error when absent.
  std::vector<double> get(const std::string& name) const;
  // {"name": [v_seed0, v_seed1, ...], ...}; one host sync for all values.
  nlohmann::json to_json() const;
};

// What an algorithm needs from the run at construction.
struct AlgoContext {
  int64_t obs_dim = 0;
  int64_t act_dim = 0;
  double max_action = 1.0;
  std::vector<uint64_t> seeds{0};     // one ensemble member per seed
  torch::Device device{torch::kCPU};  // where the networks, the data and the updates live
  std::string dataset_name;           // e.g. "hopper-medium-v2"; selects per-dataset defaults
  // The whole qlearning dataset (only algorithms that search it use these; may be undefined
  // otherwise): normalised observations [N, obs_dim] and raw actions [N, act_dim], float32.
  torch::Tensor dataset_observations;
  torch::Tensor dataset_actions;
  // Built only to act (rlbench eval --run): the dataset may be absent, what only update() needs
  // (PRDC's search) is not built, and update() throws.
  bool act_only = false;

  int64_t num_seeds() const { return static_cast<int64_t>(seeds.size()); }
};

// An algorithm: owns its networks, optimisers, target networks and random generators.
// At most one level of inheritance: concrete algorithms derive from this and are final.
class Algorithm {
 public:
  virtual ~Algorithm() = default;

  // The registry name ("td3_bc").
  virtual std::string name() const = 0;

  // The fully resolved hyperparameters (defaults, per-dataset values and overrides applied).
  virtual nlohmann::json config() const = 0;

  // One gradient update of every seed on its own batch; shapes are checked.
  virtual Metrics update(const Batch& batch) = 0;

  // Deterministic actions for normalised observations [E, B, obs_dim] → [E, B, act_dim]
  // (no grad, evaluation mode).
  virtual torch::Tensor act(const torch::Tensor& observations) = 0;

  // Writes the complete training state of seed index `member` (networks, targets, optimiser
  // moments and step counts, update counter, generator states) as a single-seed checkpoint:
  // what member e of an E-seed run saves is what a one-seed run with that seed would save.
  virtual void save(torch::serialize::OutputArchive& archive, int64_t member) const = 0;

  // Restores seed index `member` from a checkpoint written by save(). Throws rlbench::Error on a
  // missing entry or a shape mismatch (for example a different network size).
  virtual void load(torch::serialize::InputArchive& archive, int64_t member) = 0;

  // Every trainable parameter, for checks and tests.
  virtual std::vector<torch::Tensor> parameters() const = 0;

  // The number of updates so far: update() calls, and CUDA graph replays of it.
  virtual int64_t iterations() const = 0;

  // CUDA graphs (train/cuda_graph.hpp). An algorithm that supports them returns how many
  // distinct update() variants it cycles through by iteration (TD3's delayed actor step:
  // policy_freq), the device generators update() draws from, and lets the graph runner set the
  // update counter, since a capture calls update() without doing the work and a replay does the
  // work without calling update(). 0 (the default): update() cannot be captured, for example
  // because it waits on the host.
  virtual int64_t graph_cycle() const { return 0; }
  virtual std::vector<torch::Generator> graph_generators() const { return {}; }
  virtual void set_iterations(int64_t iterations);

  // Online algorithms (SAC): behaviour actions sampled from the stochastic policy for
  // observations [E, B, obs_dim], as {actions [E, B, act_dim], log π(a|s) [E, B, 1]}, drawn from
  // each seed's own generator (no grad). Offline algorithms throw rlbench::Error.
  virtual std::pair<torch::Tensor, torch::Tensor> explore(const torch::Tensor& observations);

  // Member `member`'s policy in D4RL's stored layout (data/policy_file.hpp) for algorithms whose
  // actor is a tanh-Gaussian MLP on raw observations; nullopt for the others.
  virtual std::optional<data::GaussianMlpPolicy> export_policy(int64_t member) const;
};

// Throws rlbench::Error unless `batch` matches [E, B, ·] with the context's dimensions.
void check_batch(const Batch& batch, const AlgoContext& ctx, const std::string& algo);

}  // namespace rlbench::algos
