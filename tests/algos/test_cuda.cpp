// The CUDA path: every test here returns early (and says so) when CUDA is unavailable, as in CI.
// Run them alone with `rlbench_tests -ts=cuda`; tools/gpu/check.sh does on a GPU machine.

#include <cmath>
#include <optional>
#include <sstream>

#include <ATen/CPUGeneratorImpl.h>
#include <doctest/doctest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "rlbench/algos/nearest_neighbor.hpp"
#include "rlbench/algos/registry.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/train/cuda_graph.hpp"
#include "rlbench/train/sampler.hpp"

#include "algos/algo_fixtures.hpp"

using rlbench::algos::AlgoContext;
using rlbench::algos::Batch;
using rlbench::algos::kth_nearest_exhaustive;
using rlbench::algos::NearestNeighbor;
using rlbench::algos::NnBackend;
using rlbench::test::load_member;
using rlbench::test::make_algo;
using rlbench::test::save_member;

TEST_SUITE_BEGIN("cuda");

namespace {
bool have_cuda() {
  if (torch::cuda::is_available()) return true;
  MESSAGE("CUDA is not available: skipped");
  return false;
}

const torch::Device k_cuda(torch::kCUDA, 0);

AlgoContext on(AlgoContext ctx, const torch::Device& device) {
  ctx.device = device;
  ctx.dataset_observations = ctx.dataset_observations.to(device);
  ctx.dataset_actions = ctx.dataset_actions.to(device);
  return ctx;
}

Batch to(const Batch& b, const torch::Device& device) {
  return {b.states.to(device), b.actions.to(device), b.rewards.to(device), b.next_states.to(device),
          b.not_done.to(device)};
}

}  // namespace

TEST_CASE("every registered algorithm trains on CUDA and round-trips a checkpoint") {
  if (!have_cuda()) return;
  for (const auto& name : rlbench::algos::algorithm_names()) {
    CAPTURE(name);
    const auto ctx = on(rlbench::test::tiny_context({11, 12}), k_cuda);
    auto algo = make_algo(name, ctx, rlbench::test::tiny_params(name));
    std::vector<torch::Tensor> before;
    for (const auto& p : algo->parameters()) {
      CHECK(p.device().is_cuda());
      before.push_back(p.detach().clone());
    }
    for (int i = 0; i < 20; ++i) {
      const auto m = algo->update(to(rlbench::test::synthetic_batch(ctx, 16, 100 + i), k_cuda));
      const auto j = m.to_json();
      for (const auto& [key, values] : j.items()) {
        for (double v : values.get<std::vector<double>>()) {
          CAPTURE(key);
          CHECK(std::isfinite(v));
        }
      }
    }
    const auto after = algo->parameters();
    for (size_t i = 0; i < after.size(); ++i) CHECK_FALSE(torch::equal(after[i], before[i]));

    auto copy = make_algo(name, ctx, rlbench::test::tiny_params(name));
    for (int64_t e = 0; e < ctx.num_seeds(); ++e) load_member(*copy, save_member(*algo, e), e);
    const auto obs = torch::randn({2, 7, ctx.obs_dim}).to(k_cuda);
    const auto act = algo->act(obs);
    CHECK(act.device().is_cuda());
    CHECK(torch::equal(act, copy->act(obs)));
  }
}

TEST_CASE("TD3+BC and PRDC on CUDA follow the CPU run") {
  // Same initial weights (drawn on the CPU) and batches; target-policy noise off, since the CUDA
  // noise stream differs from the CPU one. PRDC's brute search on the GPU must pick the same
  // neighbours as the CPU KD-tree, or the actor losses part.
  if (!have_cuda()) return;
  for (const std::string name : {"td3_bc", "prdc"}) {
    CAPTURE(name);
    auto params = rlbench::test::tiny_params(name);
    params["policy_noise"] = 0.0;
    const auto cpu_ctx = rlbench::test::tiny_context({5, 6}, 11, 3, 4000);
    const auto gpu_ctx = on(cpu_ctx, k_cuda);
    auto cpu = make_algo(name, cpu_ctx, params);
    auto gpu = make_algo(name, gpu_ctx, params);
    for (int i = 0; i < 30; ++i) {
      const auto batch = rlbench::test::synthetic_batch(cpu_ctx, 64, 300 + i);
      const auto mc = cpu->update(batch).to_json();
      const auto mg = gpu->update(to(batch, k_cuda)).to_json();
      for (const auto& [key, values] : mc.items()) {
        const auto vc = values.get<std::vector<double>>();
        const auto vg = mg.at(key).get<std::vector<double>>();
        for (size_t e = 0; e < vc.size(); ++e) {
          CAPTURE(key);
          CAPTURE(i);
          CHECK(vg[e] == doctest::Approx(vc[e]).epsilon(1e-3));
        }
      }
    }
    const auto pc = cpu->parameters();
    const auto pg = gpu->parameters();
    for (size_t i = 0; i < pc.size(); ++i) {
      CAPTURE(i);
      CHECK(torch::allclose(pg[i].cpu(), pc[i], 1e-3, 1e-4));
    }
  }
}

TEST_CASE("the brute-force search on CUDA is exact: ties, k > 1, the fallback") {
  if (!have_cuda()) return;
  auto gen = at::detail::createCPUGenerator(21);
  for (int64_t k : {1, 2, 5}) {
    CAPTURE(k);
    // coarse coordinates and duplicated rows make exact ties common
    auto points = torch::randint(-3, 4, {3000, 14}, gen, torch::kFloat32) * 0.5f;
    points.index_copy_(0, torch::randint(0, 3000, {700}, gen, torch::kInt64),
                       points.index_select(0, torch::randint(0, 3000, {700}, gen, torch::kInt64)));
    auto queries =
        torch::cat({points.index_select(0, torch::randint(0, 3000, {100}, gen, torch::kInt64)),
                    torch::randint(-3, 4, {100, 14}, gen, torch::kFloat32) * 0.5f});
    const auto expected = kth_nearest_exhaustive(points, queries, k);
    NearestNeighbor search(points.to(k_cuda), NnBackend::brute, k);
    const auto got = search.query(queries.to(k_cuda));
    CHECK(got.device().is_cuda());
    CHECK(torch::equal(got.cpu(), expected));
  }
  // continuous data far from the origin: the fp32 candidates need the fp64 check
  const auto points = torch::randn({200000, 17}, gen, torch::kFloat32) * 3 + 50;
  const auto queries = torch::randn({512, 17}, gen, torch::kFloat32) * 3 + 50;
  NearestNeighbor search(points.to(k_cuda), NnBackend::brute, 1);
  CHECK(torch::equal(search.query(queries.to(k_cuda)).cpu(),
                     NearestNeighbor(points, NnBackend::kdtree, 1).query(queries)));
}

// 500 random transitions with 4-d states and 2-d actions
rlbench::data::Transitions random_transitions() {
  rlbench::data::Transitions t;
  t.size = 500;
  t.obs_dim = 4;
  t.action_dim = 2;
  auto gen = at::detail::createCPUGenerator(8);
  const auto fill = [&](std::vector<float>& v, size_t n) {
    const auto x = torch::randn({static_cast<int64_t>(n)}, gen, torch::kFloat32);
    v.assign(x.data_ptr<float>(), x.data_ptr<float>() + n);
  };
  fill(t.observations, 500 * 4);
  fill(t.next_observations, 500 * 4);
  fill(t.actions, 500 * 2);
  fill(t.rewards, 500);
  t.terminals.assign(500, 0.0f);
  return t;
}

TEST_CASE("the sampler keeps CUDA batches on the GPU and restores its generators") {
  if (!have_cuda()) return;
  const auto t = random_transitions();
  const auto norm = rlbench::train::StateNormalizer::from_observations(t);
  rlbench::train::Sampler sampler(t, norm, {1, 2, 3}, 32, k_cuda);
  const auto state = sampler.generator_state(1);
  const auto first = sampler.sample();
  CHECK(first.states.device().is_cuda());
  CHECK((first.states.sizes() == torch::IntArrayRef{3, 32, 4}));
  sampler.set_generator_state(1, state);
  const auto again = sampler.sample();
  CHECK(torch::equal(first.states[1], again.states[1]));
  CHECK_FALSE(torch::equal(first.states[0], again.states[0]));
}

TEST_CASE("CUDA graphs replay what eager updates compute, noise and sampling included") {
  if (!have_cuda()) return;
  const auto t = random_transitions();
  const auto norm = rlbench::train::StateNormalizer::from_observations(t);
  const auto ctx = on(rlbench::test::tiny_context({4, 9}, 4, 2, 500), k_cuda);
  // policy_freq 2 from iteration 0, and 3 from iteration 1: the variants are captured in
  // another order than 0, 1, ...
  for (const int policy_freq : {2, 3}) {
    CAPTURE(policy_freq);
    auto params = rlbench::test::tiny_params("td3_bc");
    params["policy_freq"] = policy_freq;
    auto eager = make_algo("td3_bc", ctx, params);
    auto graphed = make_algo("td3_bc", ctx, params);
    REQUIRE(rlbench::train::GraphedUpdates::supports(*graphed));  // a CUDA build has graphs
    rlbench::train::Sampler eager_sampler(t, norm, {4, 9}, 32, k_cuda);
    rlbench::train::Sampler graph_sampler(t, norm, {4, 9}, 32, k_cuda);
    const int first = policy_freq == 3 ? 1 : 0;
    for (int i = 0; i < first; ++i) {
      eager->update(eager_sampler.sample());
      graphed->update(graph_sampler.sample());
    }
    rlbench::train::GraphedUpdates runner(*graphed, graph_sampler);
    // 3 eager warm-up updates, the captures, then replays of every variant
    std::optional<rlbench::algos::Metrics> actor_step;
    nlohmann::json actor_step_values;
    for (int i = first; i < 14; ++i) {
      CAPTURE(i);
      const auto m1 = eager->update(eager_sampler.sample()).to_json();
      const auto out = runner.update();
      const auto m2 = out.to_json();
      REQUIRE(m1.size() == m2.size());
      for (const auto& [key, values] : m1.items()) {
        const auto v1 = values.get<std::vector<double>>();
        const auto v2 = m2.at(key).get<std::vector<double>>();
        for (size_t e = 0; e < v1.size(); ++e) {
          CAPTURE(key);
          CHECK(v2[e] == doctest::Approx(v1[e]).epsilon(1e-5));
        }
      }
      // an actor step's outputs survive the critic-only replays after it (the next replay of
      // the actor step's own graph overwrites them, as it would any graph's outputs)
      if (actor_step && !out.has("actor_loss")) CHECK(actor_step->to_json() == actor_step_values);
      if (out.has("actor_loss")) {
        actor_step = out;
        actor_step_values = m2;
      }
    }
    CHECK(graphed->iterations() == 14);
    const auto p1 = eager->parameters();
    const auto p2 = graphed->parameters();
    for (size_t i = 0; i < p1.size(); ++i) CHECK(torch::allclose(p1[i], p2[i], 1e-5, 1e-6));
    for (int64_t e = 0; e < 2; ++e) {
      CAPTURE(e);
      CHECK(torch::equal(eager_sampler.generator_state(e), graph_sampler.generator_state(e)));
      // the checkpoint's counters follow the replays
      std::istringstream s1(save_member(*eager, e));
      std::istringstream s2(save_member(*graphed, e));
      torch::serialize::InputArchive a1;
      torch::serialize::InputArchive a2;
      a1.load_from(s1);
      a2.load_from(s2);
      for (const std::string key :
           {"iterations", "optimiser_steps.0", "optimiser_steps.1", "rng.device"}) {
        CAPTURE(key);
        torch::Tensor x1;
        torch::Tensor x2;
        a1.read(key, x1);
        a2.read(key, x2);
        CHECK(torch::equal(x1, x2));
      }
    }
  }
}

TEST_SUITE_END();
