// The registry contract: every registered algorithm builds, trains, changes, round-trips through
// a checkpoint and reproduces itself bit for bit on the CPU.

#include <cmath>
#include <sstream>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/algos/registry.hpp"
#include "rlbench/core/error.hpp"

#include "algos/algo_fixtures.hpp"

using rlbench::algos::AlgoContext;
using rlbench::algos::Algorithm;
using rlbench::algos::Batch;
using rlbench::test::load_member;
using rlbench::test::make_algo;
using rlbench::test::save_member;
using rlbench::test::synthetic_batch;
using rlbench::test::tiny_context;
using rlbench::test::tiny_params;

TEST_SUITE_BEGIN("algos");

namespace {
std::vector<torch::Tensor> snapshot(const Algorithm& algo) {
  std::vector<torch::Tensor> out;
  for (const auto& p : algo.parameters()) out.push_back(p.detach().clone());
  return out;
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every registered algorithm builds from its defaults and updates once") {
  for (const auto& name : rlbench::algos::algorithm_names()) {
    CAPTURE(name);
    const auto ctx = tiny_context({0}, 11, 3, 256);
    auto algo = make_algo(name, ctx, nlohmann::json::object());
    CHECK(algo->name() == name);
    CHECK(algo->config().is_object());
    const auto metrics = algo->update(synthetic_batch(ctx, 32, 5));
    CHECK(metrics.has("critic_loss"));
  }
}

TEST_CASE("registry contract: train, change, save/load, reproduce") {
  for (const auto& name : rlbench::algos::algorithm_names()) {
    CAPTURE(name);
    const auto ctx = tiny_context({11, 12});
    auto algo = make_algo(name, ctx, tiny_params(name));
    const auto before = snapshot(*algo);

    // 20 updates with finite metrics
    std::vector<nlohmann::json> history;
    for (int i = 0; i < 20; ++i) {
      const auto m = algo->update(synthetic_batch(ctx, 16, 100 + i));
      const auto j = m.to_json();
      for (const auto& [key, values] : j.items()) {
        for (double v : values.get<std::vector<double>>()) {
          CAPTURE(key);
          CHECK(std::isfinite(v));
        }
      }
      history.push_back(j);
    }
    CHECK(history.back().contains("actor_loss"));
    CHECK(algo->iterations() == 20);

    // every parameter tensor moved
    const auto after = snapshot(*algo);
    REQUIRE(after.size() == before.size());
    for (size_t i = 0; i < after.size(); ++i) {
      CAPTURE(i);
      CHECK_FALSE(torch::equal(after[i], before[i]));
    }

    // save → load into a fresh instance → identical actions and an identical next update
    auto copy = make_algo(name, ctx, tiny_params(name));
    for (int64_t e = 0; e < ctx.num_seeds(); ++e) load_member(*copy, save_member(*algo, e), e);
    CHECK(copy->iterations() == 20);
    const auto obs = torch::randn({2, 7, ctx.obs_dim});
    CHECK(torch::equal(algo->act(obs), copy->act(obs)));
    const auto next = synthetic_batch(ctx, 16, 999);
    algo->update(next);  // iteration 21: critic only
    copy->update(next);
    const auto m1 = algo->update(next).to_json();  // iteration 22: critic and actor (noise too)
    const auto m2 = copy->update(next).to_json();
    CHECK(m1 == m2);
    CHECK(all_equal(snapshot(*algo), snapshot(*copy)));

    // same seeds → bitwise identical losses and parameters on the CPU
    auto a = make_algo(name, ctx, tiny_params(name));
    auto b = make_algo(name, ctx, tiny_params(name));
    CHECK(all_equal(snapshot(*a), snapshot(*b)));
    for (int i = 0; i < 4; ++i) {
      const auto batch = synthetic_batch(ctx, 16, 7 + i);
      CHECK(a->update(batch).to_json() == b->update(batch).to_json());
    }
    CHECK(all_equal(snapshot(*a), snapshot(*b)));

    // a different seed gives different initial weights
    auto other = make_algo(name, tiny_context({13, 12}), tiny_params(name));
    CHECK_FALSE(all_equal(snapshot(*a), snapshot(*other)));
  }
}

TEST_CASE("an ensemble member matches a single-seed run with its seed") {
  for (const auto& name : rlbench::algos::algorithm_names()) {
    CAPTURE(name);
    const auto ctx2 = tiny_context({3, 7});
    const auto ctx1 = tiny_context({7});
    auto pair = make_algo(name, ctx2, tiny_params(name));
    auto single = make_algo(name, ctx1, tiny_params(name));
    auto from_pair = make_algo(name, ctx1, tiny_params(name));

    // initial weights are drawn per seed: bitwise equal
    load_member(*from_pair, save_member(*pair, 1), 0);
    CHECK(all_equal(snapshot(*from_pair), snapshot(*single)));

    // training: each member sees only its own batch, noise and gradient
    for (int i = 0; i < 6; ++i) {
      const auto batch = synthetic_batch(ctx2, 16, 50 + i);
      const auto m2 = pair->update(batch);
      const auto m1 = single->update(rlbench::test::member_batch(batch, 1));
      const auto v2 = m2.get("critic_loss");
      const auto v1 = m1.get("critic_loss");
      CHECK(v2[1] == doctest::Approx(v1[0]).epsilon(1e-5));
    }
    load_member(*from_pair, save_member(*pair, 1), 0);
    const auto p1 = snapshot(*single);
    const auto p2 = snapshot(*from_pair);
    for (size_t i = 0; i < p1.size(); ++i) {
      CAPTURE(i);
      CHECK(torch::allclose(p1[i], p2[i], 1e-4, 1e-5));
    }
  }
}

TEST_CASE("loading checks entries and shapes") {
  const auto ctx = tiny_context({1});
  auto small = make_algo("td3_bc", ctx, tiny_params("td3_bc"));
  auto wide = make_algo("td3_bc", ctx, {{"actor_hidden", {32, 32}}, {"critic_hidden", {16, 16}}});
  CHECK_THROWS_WITH_AS(load_member(*wide, save_member(*small, 0), 0),
                       "checkpoint: entry \"actor.l0.weight\": expected shape [5, 32], got [5, "
                       "16]",
                       rlbench::Error);
}

TEST_CASE("algorithm names and params are checked with hints") {
  const auto ctx = tiny_context({1});
  CHECK_THROWS_WITH_AS(make_algo("td3bc", ctx, {}),
                       doctest::Contains("algo.name: unknown algorithm \"td3bc\" (did you mean "
                                         "\"td3_bc\"?)"),
                       rlbench::UsageError);
  CHECK_THROWS_WITH_AS(make_algo("td3_bc", ctx, {{"alpah", 2.5}}),
                       "test: algo.params.alpah: unknown key (did you mean \"alpha\"?)",
                       rlbench::UsageError);
  CHECK_THROWS_WITH_AS(make_algo("td3_bc", ctx, {{"tau", 2}}),
                       "test: algo.params.tau: must be in (0, 1], got 2", rlbench::UsageError);
  CHECK_THROWS_WITH_AS(make_algo("td3_bc", ctx, {{"actor_hidden", nlohmann::json::array()}}),
                       doctest::Contains("algo.params.actor_hidden: must list at least one"),
                       rlbench::UsageError);
  std::vector<rlbench::algos::AlgoEntry> dup = rlbench::algos::algorithm_registry();
  dup.push_back(dup.front());
  CHECK_THROWS_WITH_AS(rlbench::algos::check_unique_names(dup),
                       "algos registry: duplicate algorithm name \"td3_bc\"", rlbench::Error);
}

TEST_CASE("batches with the wrong shape are rejected") {
  const auto ctx = tiny_context({1, 2});
  auto algo = make_algo("td3_bc", ctx, tiny_params("td3_bc"));
  auto b = synthetic_batch(ctx, 8, 1);
  b.actions = torch::zeros({2, 8, 4});
  CHECK_THROWS_WITH_AS(algo->update(b),
                       "td3_bc: batch.actions: expected [2, 8, 3] float32 on cpu, got [2, 8, 4] "
                       "Float on cpu",
                       rlbench::Error);
}

TEST_SUITE_END();
