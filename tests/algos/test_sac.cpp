// SAC's own maths: the tanh-Gaussian log-probability, the exported D4RL-layout policy and the
// temperature update direction.

#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/algos/registry.hpp"
#include "rlbench/algos/sac.hpp"

#include "algos/algo_fixtures.hpp"

using namespace rlbench;

TEST_SUITE_BEGIN("algos");

namespace {
std::unique_ptr<algos::Algorithm> make_sac(const algos::AlgoContext& ctx, nlohmann::json params) {
  core::ConfigReader r(std::move(params), "test", "algo.params");
  return algos::make_algorithm("sac", r, ctx);
}

// μ and log σ of the exported policy for one observation, in doubles.
void forward(const data::GaussianMlpPolicy& p, const float* obs, std::vector<double>& mu,
             std::vector<double>& log_std) {
  std::vector<double> h(obs, obs + p.obs_dim());
  for (const auto& layer : p.hidden) {
    std::vector<double> next(static_cast<std::size_t>(layer.out));
    for (int64_t o = 0; o < layer.out; ++o) {
      double s = layer.bias[static_cast<std::size_t>(o)];
      for (int64_t i = 0; i < layer.in; ++i) {
        s += layer.weight[static_cast<std::size_t>(o * layer.in + i)] *
             h[static_cast<std::size_t>(i)];
      }
      next[static_cast<std::size_t>(o)] = std::max(0.0, s);
    }
    h = next;
  }
  const auto head = [&](const data::DenseLayer& l, std::vector<double>& out) {
    out.assign(static_cast<std::size_t>(l.out), 0.0);
    for (int64_t o = 0; o < l.out; ++o) {
      double s = l.bias[static_cast<std::size_t>(o)];
      for (int64_t i = 0; i < l.in; ++i) {
        s += l.weight[static_cast<std::size_t>(o * l.in + i)] * h[static_cast<std::size_t>(i)];
      }
      out[static_cast<std::size_t>(o)] = s;
    }
  };
  head(p.mean, mu);
  head(p.log_std, log_std);
}
}  // namespace

TEST_CASE("sac: exported policy reproduces act() and the log-probability of explore()") {
  const auto ctx = test::tiny_context({3}, 11, 3);
  auto sac = make_sac(ctx, {{"actor_hidden", {32, 24, 16}}, {"critic_hidden", {16, 16}}});
  const auto policy = sac->export_policy(0);
  REQUIRE(policy);
  CHECK(policy->hidden.size() == 3);
  CHECK(policy->obs_dim() == 11);
  CHECK(policy->act_dim() == 3);
  CHECK(policy->hidden[1].out == 24);
  CHECK(policy->log_std.in == 16);

  const auto obs = torch::randn({1, 5, 11});
  const auto det = sac->act(obs);
  const auto [actions, log_probs] = sac->explore(obs);
  CHECK(actions.sizes() == torch::IntArrayRef({1, 5, 3}));
  CHECK(log_probs.sizes() == torch::IntArrayRef({1, 5, 1}));
  for (int64_t b = 0; b < 5; ++b) {
    std::vector<double> mu, log_std;
    forward(*policy, obs[0][b].contiguous().data_ptr<float>(), mu, log_std);
    double expected_log_prob = 0;
    for (int64_t k = 0; k < 3; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      CHECK(det[0][b][k].item<double>() == doctest::Approx(std::tanh(mu[kk])).epsilon(1e-5));
      // change of variables, computed independently: a = tanh(u), u ~ N(μ, σ²)
      const double a = actions[0][b][k].item<double>();
      const double u = std::atanh(a);
      const double ls = std::clamp(log_std[kk], -20.0, 2.0);
      const double z = (u - mu[kk]) / std::exp(ls);
      expected_log_prob += -0.5 * z * z - ls - 0.5 * std::log(2 * M_PI) - std::log(1 - a * a);
    }
    CHECK(log_probs[0][b][0].item<double>() == doctest::Approx(expected_log_prob).epsilon(1e-3));
  }
}

TEST_CASE("sac: the temperature falls while the policy's entropy exceeds the target") {
  const auto ctx = test::tiny_context({0}, 5, 2);
  // a target entropy far below the initial policy's makes α shrink; far above makes it grow
  auto low =
      make_sac(ctx, {{"target_entropy", -50.0}, {"actor_hidden", {16}}, {"critic_hidden", {16}}});
  auto high =
      make_sac(ctx, {{"target_entropy", 50.0}, {"actor_hidden", {16}}, {"critic_hidden", {16}}});
  double alpha_low = 0, alpha_high = 0;
  for (int i = 0; i < 5; ++i) {
    alpha_low = low->update(test::synthetic_batch(ctx, 32, 10 + i)).get("alpha")[0];
    alpha_high = high->update(test::synthetic_batch(ctx, 32, 10 + i)).get("alpha")[0];
  }
  // metrics report α before each step: after 4 Adam steps of lr 3e-4 on log α
  CHECK(alpha_low < 1.0);
  CHECK(alpha_high > 1.0);
  CHECK(std::log(alpha_low) == doctest::Approx(-4 * 3e-4).epsilon(0.05));
  CHECK(std::log(alpha_high) == doctest::Approx(4 * 3e-4).epsilon(0.05));
}

TEST_CASE("sac: fixed temperature and config errors") {
  const auto ctx = test::tiny_context({0}, 5, 2);
  auto fixed = make_sac(ctx, {{"auto_entropy", false},
                              {"init_alpha", 0.2},
                              {"actor_hidden", {16}},
                              {"critic_hidden", {16}}});
  for (int i = 0; i < 3; ++i) {
    const auto m = fixed->update(test::synthetic_batch(ctx, 16, i));
    CHECK(m.get("alpha")[0] == doctest::Approx(0.2));
    CHECK_FALSE(m.has("alpha_loss"));
  }
  CHECK(fixed->config()["target_entropy"].is_null());
  CHECK_THROWS_WITH(make_sac(ctx, {{"init_alpha", 0.0}}),
                    "test: algo.params.init_alpha: must be > 0, got 0");
  CHECK_THROWS_WITH(make_sac(ctx, {{"target_entropy", "auto"}}),
                    doctest::Contains("algo.params.target_entropy: expected a number or null"));
}
