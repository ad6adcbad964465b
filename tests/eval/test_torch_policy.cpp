#include <vector>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/core/error.hpp"
#include "rlbench/eval/torch_policy.hpp"

TEST_SUITE_BEGIN("eval");

TEST_CASE("torch policy adapter: float64 rows in, module forward, float64 rows out") {
  torch::manual_seed(0);
  torch::nn::Linear linear(3, 2);
  const int threads = torch::get_num_threads();
  bool saw_deterministic = false;
  const auto policy =
      rlbench::eval::make_torch_policy([&](const torch::Tensor& obs, bool deterministic) {
        saw_deterministic = deterministic;
        CHECK(obs.dtype() == torch::kFloat32);
        return torch::tanh(linear->forward(obs));
      });
  const std::vector<double> obs = {0.1, 0.2, 0.3, -1.0, 0.5, 2.0};
  std::vector<double> act(4);
  {
    const rlbench::eval::IntraOpThreads one(1);
    CHECK(torch::get_num_threads() == 1);
    policy(rlbench::eval::PolicyCall{obs.data(), act.data(), 2, 3, 2, true});
  }
  CHECK(saw_deterministic);
  CHECK(torch::get_num_threads() == threads);  // restored
  const auto expected = torch::tanh(
      linear->forward(torch::tensor({0.1f, 0.2f, 0.3f, -1.0f, 0.5f, 2.0f}).view({2, 3})));
  for (int i = 0; i < 4; ++i) {
    CHECK(act[i] == doctest::Approx(expected.view({-1})[i].item<float>()).epsilon(1e-6));
  }
  // a policy that returns the wrong shape is an error
  const auto wrong = rlbench::eval::make_torch_policy([](const torch::Tensor& o, bool) {
    return torch::zeros({o.size(0), 3});
  });
  CHECK_THROWS_WITH_AS(wrong(rlbench::eval::PolicyCall{obs.data(), act.data(), 2, 3, 2, true}),
                       doctest::Contains("policy: action batch shape: expected 2 x 2, got 2 x 3"),
                       rlbench::Error);
}

TEST_SUITE_END();
