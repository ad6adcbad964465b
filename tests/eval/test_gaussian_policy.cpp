#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/core/error.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/eval/collect.hpp"
#include "rlbench/eval/gaussian_policy.hpp"

#include "data/policy_fixture.hpp"

using namespace rlbench;
using rlbench::test::test_policy;

namespace {

// μ and clamped log σ of one observation, computed independently in double
struct Heads {
  std::vector<double> mean, log_std;
};

std::vector<double> affine(const data::DenseLayer& l, const std::vector<double>& x) {
  std::vector<double> y(static_cast<std::size_t>(l.out));
  for (std::int64_t o = 0; o < l.out; ++o) {
    double s = l.bias[static_cast<std::size_t>(o)];
    for (std::int64_t i = 0; i < l.in; ++i) {
      s += static_cast<double>(l.weight[static_cast<std::size_t>(o * l.in + i)]) *
           x[static_cast<std::size_t>(i)];
    }
    y[static_cast<std::size_t>(o)] = s;
  }
  return y;
}

Heads reference_forward(const data::GaussianMlpPolicy& p, std::vector<double> x) {
  for (const auto& layer : p.hidden) {
    x = affine(layer, x);
    for (auto& v : x) v = std::max(v, 0.0);
  }
  Heads h{affine(p.mean, x), affine(p.log_std, x)};
  for (auto& v : h.log_std) v = std::clamp(v, -20.0, 2.0);
  return h;
}

// log π(a|s) by the change of variables with log(1 − tanh(u)²) = −2 log cosh(u), which stays
// accurate in double for the |u| < 700 that occur here (unlike 1 − tanh², which rounds to 0)
double reference_log_prob(const Heads& h, const std::vector<double>& u) {
  const double pi = 3.14159265358979323846;
  double lp = 0.0;
  for (std::size_t j = 0; j < u.size(); ++j) {
    const double sigma = std::exp(h.log_std[j]);
    const double z = (u[j] - h.mean[j]) / sigma;
    lp += -0.5 * z * z - std::log(sigma) - 0.5 * std::log(2.0 * pi);
    lp += 2.0 * std::log(std::cosh(u[j]));
  }
  return lp;
}

std::vector<double> test_obs(int k, int dim) {
  std::vector<double> obs(static_cast<std::size_t>(dim));
  for (int i = 0; i < dim; ++i)
    obs[static_cast<std::size_t>(i)] = std::sin(0.7 * k + 1.3 * i) * 2.0;
  return obs;
}

}  // namespace

TEST_SUITE_BEGIN("eval");

TEST_CASE("the deterministic action is tanh of the forward pass") {
  SUBCASE("a network small enough to compute by hand") {
    data::GaussianMlpPolicy p;
    p.hidden = {{1, 1, {2.0F}, {-1.0F}}};  // h = relu(2x − 1)
    p.mean = {1, 1, {0.5F}, {0.25F}};      // μ = h/2 + 1/4
    p.log_std = {1, 1, {0.0F}, {0.0F}};
    const auto policy = eval::make_gaussian_policy(p, 0);
    const double obs[3] = {1.0, 0.0, 2.0};
    double act[3] = {};
    policy({obs, act, 3, 1, 1, true});
    CHECK(act[0] == doctest::Approx(0.6351489523872873).epsilon(1e-7));   // tanh(0.75)
    CHECK(act[1] == doctest::Approx(0.24491866240370913).epsilon(1e-7));  // tanh(0.25)
    CHECK(act[2] == doctest::Approx(0.9413755384972874).epsilon(1e-7));   // tanh(1.75)
  }
  SUBCASE("odd widths, a batch of rows") {
    const auto p = test_policy(5, {7, 3}, 2, 0.8F);
    const auto policy = eval::make_gaussian_policy(p, 0);
    std::vector<double> obs;
    for (int k = 0; k < 4; ++k) {
      const auto o = test_obs(k, 5);
      obs.insert(obs.end(), o.begin(), o.end());
    }
    std::vector<double> act(8);
    policy({obs.data(), act.data(), 4, 5, 2, true});
    for (int k = 0; k < 4; ++k) {
      const auto h = reference_forward(p, test_obs(k, 5));
      for (int j = 0; j < 2; ++j) {
        CHECK(act[static_cast<std::size_t>(k * 2 + j)] ==
              doctest::Approx(std::tanh(h.mean[static_cast<std::size_t>(j)])).epsilon(1e-5));
      }
    }
    std::vector<double> wrong(3);
    CHECK_THROWS_AS(policy({obs.data(), wrong.data(), 1, 5, 3, true}), Error);
  }
}

TEST_CASE("the behaviour log-probability matches an independent change of variables") {
  const std::uint64_t seed = 77;
  // log-std heads pinned by their biases: clamped at the top (5 -> 2), clamped at the bottom
  // (-25 -> -20), and free (0.5)
  for (const float bias : {5.0F, -25.0F, 0.5F}) {
    auto p = test_policy(6, {9, 4}, 3, 0.8F, 0.0F);
    for (auto& b : p.log_std.bias) b = bias;
    p.log_std.bias[2] = 0.5F;
    const auto policy = eval::gaussian_behaviour_policy(p, seed);
    // the same noise stream as the policy's: one normal_ of act_dim floats per call
    auto gen = at::detail::createCPUGenerator(seed);
    int large_u = 0;
    for (int k = 0; k < 200; ++k) {
      const auto obs = test_obs(k, 6);
      std::vector<double> act(3);
      const double lp = policy(obs.data(), act.data());
      const auto eps = torch::empty({3}, torch::kFloat32).normal_(0.0, 1.0, gen);
      const auto h = reference_forward(p, obs);
      std::vector<double> u(3);
      for (std::size_t j = 0; j < 3; ++j) {
        u[j] = h.mean[j] + std::exp(h.log_std[j]) * static_cast<double>(eps[j].item<float>());
        large_u += std::fabs(u[j]) > 8.0 ? 1 : 0;
        CHECK(act[j] == doctest::Approx(std::tanh(u[j])).epsilon(1e-5));
      }
      REQUIRE(std::isfinite(lp));
      CHECK(std::fabs(lp - reference_log_prob(h, u)) < 1e-4);
    }
    // σ = e² puts some samples where 1 − tanh(u)² underflows in float: the stable form must hold
    if (bias == 5.0F) CHECK(large_u > 5);
  }
}

TEST_CASE("stochastic actions are reproducible for a seed and spread as N(μ, σ) before tanh") {
  const auto p = test_policy(4, {8}, 2, 0.5F, -1.0F);
  const auto obs = test_obs(3, 4);
  auto sample = [&](std::uint64_t seed, int n) {
    const auto policy = eval::make_gaussian_policy(p, seed);
    std::vector<double> all;
    std::vector<double> act(2);
    for (int k = 0; k < n; ++k) {
      policy({obs.data(), act.data(), 1, 4, 2, false});
      all.insert(all.end(), act.begin(), act.end());
    }
    return all;
  };
  CHECK(sample(5, 50) == sample(5, 50));
  CHECK(sample(5, 50) != sample(6, 50));

  const auto behaviour = eval::gaussian_behaviour_policy(p, 9);
  const auto again = eval::gaussian_behaviour_policy(p, 9);
  for (int k = 0; k < 20; ++k) {
    double a[2];
    double b[2];
    CHECK(behaviour(obs.data(), a) == again(obs.data(), b));
    CHECK(a[0] == b[0]);
    CHECK(a[1] == b[1]);
  }

  // atanh of the samples: mean μ and std σ within sampling error (n = 4000)
  const int n = 4000;
  const auto s = sample(11, n);
  const auto h = reference_forward(p, obs);
  for (std::size_t j = 0; j < 2; ++j) {
    double sum = 0.0;
    double sq = 0.0;
    for (int k = 0; k < n; ++k) {
      const double u = std::atanh(s[static_cast<std::size_t>(k) * 2 + j]);
      sum += u;
      sq += u * u;
    }
    const double mean = sum / n;
    const double sd = std::sqrt(sq / n - mean * mean);
    const double sigma = std::exp(h.log_std[j]);
    CHECK(std::fabs(mean - h.mean[j]) < 5.0 * sigma / std::sqrt(n));
    CHECK(sd == doctest::Approx(sigma).epsilon(0.06));
  }
}

TEST_CASE("collect with a stored policy records its actions and log-probabilities") {
  const auto p = test_policy(11, {16, 16}, 3, 0.05F, -1.0F);
  eval::CollectOptions options;
  options.env = "hopper";
  options.rows = 1500;
  options.seed = 2;
  const auto c = eval::collect(options, eval::gaussian_behaviour_policy(p, 4));
  const auto& lp = std::get<std::vector<float>>(c.infos.at("action_log_probs").values);
  REQUIRE(lp.size() == 1500);
  int checked = 0;
  for (std::size_t i = 0; i < 1500; ++i) {
    REQUIRE(std::isfinite(lp[i]));
    const std::vector<double> obs(
        c.observations.begin() + static_cast<std::ptrdiff_t>(i * 11),
        c.observations.begin() + static_cast<std::ptrdiff_t>(i * 11 + 11));
    std::vector<double> u(3);
    bool inside = true;
    for (std::size_t j = 0; j < 3; ++j) {
      const double a = c.actions[i * 3 + j];
      REQUIRE(std::fabs(a) < 1.0);
      inside = inside && std::fabs(a) < 0.99;
      u[j] = std::atanh(a);
    }
    // the stored float32 action determines u to about 1e-6 when |a| < 0.99
    if (inside) {
      CHECK(std::fabs(lp[i] - reference_log_prob(reference_forward(p, obs), u)) < 1e-3);
      ++checked;
    }
  }
  CHECK(checked > 1000);
}
