#pragma once

// Tiny synthetic contexts and batches for algorithm tests.

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/algos/registry.hpp"
#include "rlbench/core/config_reader.hpp"

namespace rlbench::test {

inline algos::AlgoContext tiny_context(std::vector<uint64_t> seeds, int64_t obs_dim = 5,
                                       int64_t act_dim = 3, int64_t rows = 64) {
  algos::AlgoContext ctx;
  ctx.obs_dim = obs_dim;
  ctx.act_dim = act_dim;
  ctx.seeds = std::move(seeds);
  ctx.dataset_name = "hopper-medium-v2";
  auto gen = at::detail::createCPUGenerator(1234);
  ctx.dataset_observations = torch::randn({rows, obs_dim}, gen, torch::kFloat32);
  ctx.dataset_actions = torch::rand({rows, act_dim}, gen, torch::kFloat32) * 2 - 1;
  return ctx;
}

// Small networks so that the contract test stays fast; every algorithm accepts these keys.
inline nlohmann::json tiny_params(const std::string& algo) {
  nlohmann::json p = {{"actor_hidden", {16, 16}}, {"critic_hidden", {16, 16}}};
  if (algo == "a2pr") {
    p["value_hidden"] = {16, 16};
    p["vae_hidden"] = 24;
  }
  return p;
}

// A synthetic batch [E, B, ·]; member e's rows depend only on (seed, e).
inline algos::Batch synthetic_batch(const algos::AlgoContext& ctx, int64_t batch, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t e = ctx.num_seeds();
  algos::Batch b;
  b.states = torch::randn({e, batch, ctx.obs_dim}, gen, torch::kFloat32);
  b.actions = torch::rand({e, batch, ctx.act_dim}, gen, torch::kFloat32) * 2 - 1;
  b.rewards = torch::randn({e, batch, 1}, gen, torch::kFloat32);
  b.next_states = torch::randn({e, batch, ctx.obs_dim}, gen, torch::kFloat32);
  b.not_done = (torch::rand({e, batch, 1}, gen, torch::kFloat32) > 0.1).to(torch::kFloat32);
  return b;
}

// Member `member` of `b` as a one-seed batch.
inline algos::Batch member_batch(const algos::Batch& b, int64_t member) {
  auto pick = [&](const torch::Tensor& t) { return t.narrow(0, member, 1).contiguous(); };
  return {pick(b.states), pick(b.actions), pick(b.rewards), pick(b.next_states), pick(b.not_done)};
}

// The registered algorithm `name` built from `params` (errors located under "test").
inline std::unique_ptr<algos::Algorithm> make_algo(const std::string& name,
                                                   const algos::AlgoContext& ctx,
                                                   nlohmann::json params) {
  core::ConfigReader r(std::move(params), "test", "algo.params");
  return algos::make_algorithm(name, r, ctx);
}

// Member `member`'s checkpoint as bytes, and loading such bytes into member `member`.
inline std::string save_member(const algos::Algorithm& algo, int64_t member) {
  torch::serialize::OutputArchive out;
  algo.save(out, member);
  std::ostringstream s;
  out.save_to(s);
  return s.str();
}

inline void load_member(algos::Algorithm& algo, const std::string& bytes, int64_t member) {
  std::istringstream s(bytes);
  torch::serialize::InputArchive in;
  in.load_from(s);
  algo.load(in, member);
}

}  // namespace rlbench::test
