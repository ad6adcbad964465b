#pragma once

// Uniform minibatch sampling of transitions for E seeds at once. The transitions live on the
// training device as tensors; each seed draws its indices from its own generator, so a seed's
// batches do not depend on which other seeds train beside it.

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/data/views.hpp"

namespace rlbench::train {

// Per-dimension state normalisation: s_norm = (s − mean) / std.
struct StateNormalizer {
  torch::Tensor mean;  // [obs_dim], float32, CPU
  torch::Tensor std;   // [obs_dim], float32, CPU; already includes the + eps

  // TD3+BC's normalize_states: mean and population std (ddof 0) over the transitions'
  // observations, std + eps. Accumulated in float64 and rounded once to float32.
  static StateNormalizer from_observations(const data::Transitions& t, double eps = 1e-3);
  // mean 0, std 1: no normalisation.
  static StateNormalizer identity(std::int64_t obs_dim);

  torch::Tensor apply(const torch::Tensor& states) const;
};

// A row-major float buffer (rows x cols) as a tensor that owns a copy, on the CPU.
torch::Tensor rows_tensor(const std::vector<float>& values, std::int64_t rows, std::int64_t cols);

class Sampler {
 public:
  // Copies the transitions, normalised, onto `device`.
  Sampler(const data::Transitions& transitions, const StateNormalizer& normalizer,
          std::vector<std::uint64_t> seeds, std::int64_t batch_size, torch::Device device);

  // One batch per seed: every tensor [E, batch_size, ·]; indices uniform with replacement. On
  // CUDA the tensors are column views of one gathered block (one kernel, not five).
  algos::Batch sample();

  std::int64_t size() const { return m_size; }
  // The whole dataset's normalised observations [N, obs_dim] and actions [N, act_dim]: column
  // views of the stored rows, not contiguous.
  torch::Tensor observations() const { return m_rows.narrow(1, 0, m_obs_dim); }
  torch::Tensor actions() const { return m_rows.narrow(1, m_obs_dim, m_act_dim); }

  // Generator state of seed index `member` (a CPU uint8 tensor) for checkpoints.
  torch::Tensor generator_state(std::int64_t member) const;
  // A state from the other device type's generator is skipped: that seed's stream starts afresh.
  void set_generator_state(std::int64_t member, const torch::Tensor& state);
  // The per-seed generators (on the sampling device), for CUDA graph captures.
  const std::vector<torch::Generator>& generators() const { return m_generators; }

 private:
  std::int64_t m_size;
  std::int64_t m_batch;
  torch::Device m_device;
  std::int64_t m_obs_dim;
  std::int64_t m_act_dim;
  // one row per transition: [s, a, r, s', not_done], s and s' normalised
  torch::Tensor m_rows;
  std::vector<torch::Generator> m_generators;
};

}  // namespace rlbench::train
