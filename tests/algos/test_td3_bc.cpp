#include <ATen/CPUGeneratorImpl.h>
#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/algos/common.hpp"
#include "rlbench/nets/ensemble.hpp"

TEST_SUITE_BEGIN("algos");

TEST_CASE("td3+bc lambda is alpha over mean |Q1| per seed and carries no gradient") {
  // seed 0: mean|q| = (1 + 3 + 2 + 2) / 4 = 2; seed 1: mean|q| = 0.5
  auto q = torch::tensor({1.0f, -3.0f, 2.0f, -2.0f, 0.5f, 0.5f, -0.5f, 0.5f})
               .view({2, 4, 1})
               .set_requires_grad(true);
  const auto lambda = rlbench::algos::q_weight(q, 2.5);
  CHECK(lambda[0].item<float>() == doctest::Approx(1.25));
  CHECK(lambda[1].item<float>() == doctest::Approx(5.0));
  CHECK_FALSE(lambda.requires_grad());

  // d/dq of −λ·mean(q) is exactly −λ/B: no term from differentiating through mean|q|
  const auto loss = (-lambda * rlbench::algos::per_seed_mean(q)).sum();
  loss.backward();
  const auto g = q.grad().view({2, 4});
  CHECK(torch::allclose(g[0], torch::full({4}, -1.25f / 4)));
  CHECK(torch::allclose(g[1], torch::full({4}, -5.0f / 4)));
}

TEST_CASE("ensemble linear members are initialised like torch.nn.Linear") {
  // bounds U(±1/√in) for weight and bias; a member depends only on its generator
  rlbench::nets::EnsembleLinear layer(3, 16, 4);
  auto g1 = at::detail::createCPUGenerator(5);
  auto g2 = at::detail::createCPUGenerator(5);
  layer->init_member(0, g1);
  layer->init_member(2, g2);
  CHECK(torch::equal(layer->weight[0], layer->weight[2]));
  CHECK(torch::equal(layer->bias[0], layer->bias[2]));
  CHECK(layer->weight[1].abs().max().item<float>() == 0.0f);
  CHECK(layer->weight[0].abs().max().item<float>() <= 0.25f);
  CHECK(layer->weight[0].abs().max().item<float>() > 0.2f);

  // the weight is drawn as [out, in] first, then the bias, like nn.Linear
  auto g3 = at::detail::createCPUGenerator(5);
  auto w = torch::empty({4, 16}).uniform_(-0.25, 0.25, g3);
  auto b = torch::empty({4}).uniform_(-0.25, 0.25, g3);
  CHECK(torch::equal(layer->weight[0], w.t()));
  CHECK(torch::equal(layer->bias[0][0], b));

  // forward is one batched matmul per member. The two products may sum in different orders, so
  // outputs near zero differ by more than allclose's default atol (1e-8): this once failed under
  // load with an unseeded x. Rounding is about 1e-7 here; a wrong product is off by about 0.1.
  auto gx = at::detail::createCPUGenerator(7);
  auto x = torch::randn({3, 2, 16}, gx);
  auto y = layer->forward(x);
  CHECK(torch::allclose(y[0], torch::matmul(x[0], w.t()) + b, /*rtol=*/1e-5, /*atol=*/1e-6));
}

TEST_CASE("flat parameters keep gradients, adam and target updates in one buffer") {
  const std::vector<int> hidden{8};
  rlbench::nets::EnsembleMlp net(2, 3, hidden, 1);
  rlbench::nets::EnsembleMlp target(2, 3, hidden, 1);
  auto g = at::detail::createCPUGenerator(1);
  net->init_member(0, g);
  net->init_member(1, g);
  auto flat = rlbench::nets::flatten_parameters({net.get()});
  auto tflat = rlbench::nets::flatten_parameters({target.get()});
  rlbench::nets::hard_update(tflat, flat);
  CHECK(torch::equal(target->layers()[0]->weight, net->layers()[0]->weight));

  // gradients accumulate into the flat buffer; adam matches torch::optim::Adam
  auto reference = net->layers()[0]->weight.detach().clone().set_requires_grad(true);
  torch::optim::Adam ref_opt({reference}, torch::optim::AdamOptions(1e-2));
  rlbench::nets::Adam opt(flat, 1e-2);
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    ref_opt.zero_grad();
    net->layers()[0]->weight.pow(2).sum().backward();
    reference.pow(2).sum().backward();
    CHECK(torch::equal(net->layers()[0]->weight.grad(), reference.grad()));
    opt.step();
    ref_opt.step();
    CHECK(torch::allclose(net->layers()[0]->weight, reference, 0, 1e-7));
  }
  CHECK(flat.grads.abs().sum().item<float>() > 0);

  // soft update: τ·θ + (1 − τ)·θ̄
  const auto t0 = target->layers()[0]->weight.detach().clone();
  rlbench::nets::soft_update(tflat, flat, 0.25);
  CHECK(torch::allclose(target->layers()[0]->weight,
                        0.25 * net->layers()[0]->weight.detach() + 0.75 * t0));
}

TEST_CASE("minimise takes the step that zero_grad, backward and step take") {
  const std::vector<int> hidden{8};
  rlbench::nets::EnsembleMlp a(2, 3, hidden, 2);
  rlbench::nets::EnsembleMlp b(2, 3, hidden, 2);
  for (auto* net : {&a, &b}) {
    auto g = at::detail::createCPUGenerator(4);
    (*net)->init_member(0, g);
    (*net)->init_member(1, g);
  }
  auto flat_a = rlbench::nets::flatten_parameters({a.get()});
  auto flat_b = rlbench::nets::flatten_parameters({b.get()});
  rlbench::nets::Adam opt_a(flat_a, 1e-2);
  rlbench::nets::Adam opt_b(flat_b, 1e-2);
  auto gen = at::detail::createCPUGenerator(5);
  const auto x = torch::randn({2, 6, 3}, gen, torch::kFloat32);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    // a per-member loss; on the last step only the first layer's weight gets a gradient
    const auto loss = [&](rlbench::nets::EnsembleMlp& net) {
      if (i == 2) return net->layers()[0]->weight.pow(2).sum({1, 2});
      return net->forward(x).pow(2).mean({1, 2});
    };
    opt_a.zero_grad();
    loss(a).sum().backward();
    opt_a.step();
    opt_b.minimise(loss(b));
    CHECK(torch::equal(flat_a.values, flat_b.values));
  }
}

TEST_CASE("ensemble_affine is baddbmm, its bias gradient a product") {
  auto gen = at::detail::createCPUGenerator(6);
  const auto make = [&](std::vector<int64_t> shape) {
    return torch::randn(shape, gen, torch::kFloat32).set_requires_grad(true);
  };
  const auto bias = make({3, 1, 4});
  const auto x = make({3, 5, 2});
  const auto w = make({3, 2, 4});
  const auto g = torch::randn({3, 5, 4}, gen, torch::kFloat32);
  const auto grads = [&](const torch::Tensor& y) {
    return torch::autograd::grad({y}, {bias, x, w}, {g});
  };
  const auto mine = rlbench::nets::ensemble_affine(bias, x, w, torch::ones({3, 1, 5}));
  const auto ref = torch::baddbmm(bias, x, w);
  CHECK(torch::equal(mine, ref));
  const auto gm = grads(mine);
  const auto gr = grads(ref);
  for (size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(gm[i].sizes() == gr[i].sizes());
    CHECK(torch::allclose(gm[i], gr[i], 1e-5, 1e-6));
  }
  // parameters detached, as in the actor's pass through the critic: the input's gradient alone
  const auto y =
      rlbench::nets::ensemble_affine(bias.detach(), x, w.detach(), torch::ones({3, 1, 5}));
  const auto gx = torch::autograd::grad({y}, {x}, {g});
  CHECK(torch::allclose(gx[0], gr[1], 1e-5, 1e-6));
}

TEST_CASE("a generator state from another device type is skipped, the seed's stream kept") {
  // A run trained on CUDA stores a CUDA generator state (seed and offset, 16 bytes); evaluating
  // it on the CPU once failed in set_state. The CPU generator now keeps its own stream.
  rlbench::algos::SeedGenerators gens({5}, torch::kCPU);
  const auto before = gens.device_state(0);
  const auto cuda_like = torch::zeros({16}, torch::kUInt8);
  CHECK_NOTHROW(gens.set_device_state(0, cuda_like));
  CHECK(torch::equal(gens.device_state(0), before));
  // a state of the right kind is still restored
  rlbench::algos::SeedGenerators other({6}, torch::kCPU);
  gens.set_device_state(0, other.device_state(0));
  CHECK(torch::equal(gens.device_state(0), other.device_state(0)));
  // anything else is still an error
  CHECK_THROWS(gens.set_device_state(0, torch::zeros({100}, torch::kUInt8)));
}

TEST_SUITE_END();
