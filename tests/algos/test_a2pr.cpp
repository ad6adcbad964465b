#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/algos/a2pr.hpp"

#include "algos/algo_fixtures.hpp"

using rlbench::algos::a2pr_bc_target;

TEST_SUITE_BEGIN("algos");

TEST_CASE("a2pr selects the higher-advantage target and weights by a logical or") {
  // columns: q1_vae, q1_data, v → expected (use_vae, weight / mask)
  //   both positive, vae better        → vae, 1 (not 2: OR, not a sum)
  //   both positive, data better       → data, 1
  //   tie in advantage                 → vae (≥), 1
  //   vae at exactly V, data below     → vae, 1 (≥ for the VAE)
  //   data at exactly V, vae below     → data, 0 (strict > for the data)
  //   both negative                    → data or vae, 0
  const auto q_vae = torch::tensor({3.0f, 1.5f, 2.0f, 1.0f, 0.5f, -1.0f}).view({1, 6, 1});
  const auto q_data = torch::tensor({2.0f, 2.5f, 2.0f, 0.5f, 1.0f, -2.0f}).view({1, 6, 1});
  const auto v = torch::tensor({1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f}).view({1, 6, 1});
  const auto [use_vae, weight] = a2pr_bc_target(q_vae, q_data, v, 0.4);
  const auto expected_vae = torch::tensor({true, false, true, true, false, true}).view({1, 6, 1});
  const auto expected_w = torch::tensor({0.4f, 0.4f, 0.4f, 0.4f, 0.0f, 0.0f}).view({1, 6, 1});
  CHECK(torch::equal(use_vae, expected_vae));
  CHECK(torch::allclose(weight, expected_w));
  CHECK(weight.max().item<float>() == doctest::Approx(0.4));
}

TEST_CASE("a2pr per-dataset defaults follow the authors' tables") {
  using rlbench::algos::A2prConfig;
  const auto hm = A2prConfig::dataset_defaults("hopper-medium-v2");
  CHECK(hm.alpha == 2.5);
  CHECK(hm.mask == 0.4);
  CHECK(hm.vae_weight == 1.0);
  CHECK(hm.td3.discount == 0.995);
  const auto hc = A2prConfig::dataset_defaults("halfcheetah-medium-replay-v2");
  CHECK(hc.alpha == 40.0);
  CHECK(hc.mask == 0.8);
  CHECK(hc.vae_weight == 1.5);
  CHECK(hc.td3.discount == 0.995);
  CHECK(A2prConfig::dataset_defaults("halfcheetah-random-v2").alpha == 40.0);
  // a bundled mini takes the row of its D4RL style
  const auto mini = A2prConfig::dataset_defaults("hopper-medium-mini");
  CHECK(mini.mask == 0.4);
  CHECK(mini.td3.discount == 0.995);
  CHECK(A2prConfig::dataset_defaults("walker2d-medium-replay-mini").mask == 1.2);
  const auto other = A2prConfig::dataset_defaults("antmaze-umaze-v2");
  CHECK(other.mask == 0.5);
  CHECK(other.td3.discount == 0.99);
  CHECK(other.vae_lr == 1e-3);
  CHECK((other.td3.actor_hidden == std::vector<int>{256, 256, 256}));
  CHECK((other.td3.critic_hidden == std::vector<int>{256, 256, 256, 256}));
}

TEST_CASE("a2pr's vae reconstructs with the given noise and passes gradient to its input") {
  rlbench::algos::EnsembleVae vae(1, 3, 2, 8, 1.0);
  auto gen = at::detail::createCPUGenerator(2);
  vae->init_member(0, gen);
  CHECK(vae->latent_dim() == 4);
  const auto s = torch::randn({1, 5, 3});
  const auto a = torch::rand({1, 5, 2}).set_requires_grad(true);
  const auto eps = torch::randn({1, 5, 4});
  const auto [u1, mean, sigma] = vae->forward(s, a, eps, /*detach_params=*/true);
  const auto u2 = std::get<0>(vae->forward(s, a, eps));
  CHECK(torch::equal(u1, u2));
  CHECK(u1.abs().max().item<float>() <= 1.0f);
  CHECK(sigma.min().item<float>() >= std::exp(-4.0f) * 0.999f);
  // the actor's bc gradient reaches the policy action through the VAE, not the VAE's weights
  u1.sum().backward();
  CHECK(a.grad().defined());
  CHECK(a.grad().abs().sum().item<float>() > 0);
  for (const auto& p : vae->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_SUITE_END();
