#pragma once

// D4RL's stored behaviour policy (an rlkit TanhGaussianPolicy, datasets.md §3.2) as something
// evaluation and collection can call, on the CPU:
//   h = relu(W_k h + b_k) over the hidden layers; μ = last_fc(h);
//   log σ = clamp(last_fc_log_std(h), −20, 2);
//   deterministic a = tanh(μ); stochastic a = tanh(u), u = μ + σ ⊙ ε, ε ~ N(0, I);
//   log π(a|s) = Σ log N(u; μ, σ) − Σ 2 (log 2 − u − softplus(−2u))
// (the last sum is Σ log(1 − tanh(u)²), written so that it stays finite for large |u|).
// The forward pass is a plain float32 loop over transposed weights (one observation per call in
// `collect` is far below LibTorch's dispatch cost); ε comes from a seeded LibTorch CPU generator.

#include <cstdint>

#include "rlbench/data/policy_file.hpp"
#include "rlbench/eval/collect.hpp"
#include "rlbench/eval/evaluate.hpp"

namespace rlbench::eval {

// The policy as a batched evaluation policy: tanh(μ) when PolicyCall::deterministic, otherwise
// a tanh-Gaussian sample with ε drawn from a generator seeded with `seed`, row by row in call
// order. The policy is validated (data::validate_policy) and copied; a call whose obs_dim or
// act_dim differs from the policy's throws Error. Calls share one generator: not thread-safe.
BatchPolicy make_gaussian_policy(const data::GaussianMlpPolicy& policy, std::uint64_t seed);

// The policy as a stochastic behaviour policy for collect(): one tanh-Gaussian sample per call,
// ε from a generator seeded with `seed`, returning log π(a|s) (float64, computed from the float32
// network outputs). No allocation per call. Not thread-safe.
BehaviourPolicy gaussian_behaviour_policy(const data::GaussianMlpPolicy& policy,
                                          std::uint64_t seed);

}  // namespace rlbench::eval
