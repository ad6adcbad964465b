#pragma once

#include <functional>

#include <torch/torch.h>

#include "rlbench/eval/evaluate.hpp"

namespace rlbench::eval {

// Maps a float32 observation batch (batch x obs_dim, on `device`) to a float32 action batch
// (batch x act_dim). Observation normalisation belongs inside (TD3+BC: (s - mean) / std).
using TensorPolicy = std::function<torch::Tensor(const torch::Tensor& obs, bool deterministic)>;

// Wraps a tensor policy as a BatchPolicy: float64 observations become one float32 tensor on
// `device`, the forward runs under NoGradGuard, and the actions come back as float64.
BatchPolicy make_torch_policy(TensorPolicy policy, torch::Device device = torch::kCPU);

// Sets LibTorch's intra-op thread count for a scope and restores it afterwards. Hold one with
// n = 1 around evaluate() on CPU: evaluation batches are tiny, and OpenMP workers spin-waiting
// after each parallel region take the cores that the env threads need (measured on a loaded
// 2-core machine: 10 hopper episodes x 1000 steps took 10.9-18.9 s with 2 intra-op threads and
// 2.5 s with 1). Do not toggle it per policy call: set_num_threads rebuilds thread pools.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int n);
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;
  ~IntraOpThreads();

 private:
  int m_saved;
};

}  // namespace rlbench::eval
