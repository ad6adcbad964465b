#include <limits>

#include <ATen/CPUGeneratorImpl.h>
#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/algos/nearest_neighbor.hpp"
#include "rlbench/algos/prdc.hpp"
#include "rlbench/core/error.hpp"

#include "algos/algo_fixtures.hpp"

using rlbench::algos::kth_nearest_exhaustive;
using rlbench::algos::NearestNeighbor;
using rlbench::algos::NnBackend;

TEST_SUITE_BEGIN("algos");

namespace {
// random points with exact duplicate rows and coarse coordinates, so that ties are common
torch::Tensor points_with_ties(int64_t n, int64_t d, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto p = torch::randint(-3, 4, {n, d}, gen, torch::kFloat32) * 0.5f;
  const auto src = torch::randint(0, n, {n / 4}, gen, torch::kInt64);
  const auto dst = torch::randint(0, n, {n / 4}, gen, torch::kInt64);
  p.index_copy_(0, dst, p.index_select(0, src));
  return p;
}
}  // namespace

TEST_CASE("the hand-made tie rule: lowest index among equal distances, k-th only") {
  // points at distance 1, 1, 0, 2 from the origin
  const auto points = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 2.0f, 0.0f}).view({4, 2});
  const auto origin = torch::zeros({1, 2});
  for (auto backend : {NnBackend::kdtree, NnBackend::brute}) {
    CAPTURE(rlbench::algos::to_string(backend));
    CHECK(NearestNeighbor(points, backend, 1).query(origin).item<int64_t>() == 2);
    CHECK(NearestNeighbor(points, backend, 2).query(origin).item<int64_t>() == 0);
    CHECK(NearestNeighbor(points, backend, 3).query(origin).item<int64_t>() == 1);
    CHECK(NearestNeighbor(points, backend, 4).query(origin).item<int64_t>() == 3);
  }
  CHECK(kth_nearest_exhaustive(points, origin, 3).item<int64_t>() == 1);
}

TEST_CASE("kd-tree and brute force agree with an exhaustive search, ties and k > 1 included") {
  for (int64_t k : {1, 2, 5}) {
    for (int64_t d : {3, 8}) {
      CAPTURE(k);
      CAPTURE(d);
      const auto points = points_with_ties(600, d, 10 + k + d);
      auto gen = at::detail::createCPUGenerator(77 + k);
      // half the queries sit exactly on data points, half are coarse random points
      auto queries =
          torch::cat({points.index_select(0, torch::randint(0, 600, {40}, gen, torch::kInt64)),
                      torch::randint(-3, 4, {40, d}, gen, torch::kFloat32) * 0.5f});
      const auto expected = kth_nearest_exhaustive(points, queries, k);
      const auto tree = NearestNeighbor(points, NnBackend::kdtree, k).query(queries);
      NearestNeighbor brute_search(points, NnBackend::brute, k);
      const auto brute = brute_search.query(queries);
      CHECK(torch::equal(tree, expected));
      CHECK(torch::equal(brute, expected));

      // the exhaustive answer really is the k-th in (distance, index) order
      const auto dist =
          (queries.unsqueeze(1) - points.unsqueeze(0)).to(torch::kFloat64).pow(2).sum(-1);
      for (int64_t i = 0; i < queries.size(0); ++i) {
        const int64_t j = expected[i].item<int64_t>();
        const double dj = dist[i][j].item<double>();
        const int64_t before = ((dist[i] < dj).sum().item<int64_t>() +
                                (dist[i] == dj).narrow(0, 0, j).sum().item<int64_t>());
        CHECK(before == k - 1);
      }
    }
  }
}

TEST_CASE("brute force is exact on continuous data, certificate and fallback included") {
  auto gen = at::detail::createCPUGenerator(3);
  const auto points = torch::randn({5000, 6}, gen, torch::kFloat32) * 10 + 100;
  const auto queries = torch::randn({64, 6}, gen, torch::kFloat32) * 10 + 100;
  const auto expected = kth_nearest_exhaustive(points, queries, 1);
  NearestNeighbor brute(points, NnBackend::brute, 1);
  CHECK(torch::equal(brute.query(queries), expected));
  CHECK(torch::equal(NearestNeighbor(points, NnBackend::kdtree, 1).query(queries), expected));
  // many identical points: the candidate list cannot hold every tie, so the certificate fails
  // and the fallback decides by index
  auto same = torch::zeros({100, 2});
  same[57][0] = 5.0f;
  NearestNeighbor ties(same, NnBackend::brute, 3);
  CHECK(ties.query(torch::full({1, 2}, 0.1f)).item<int64_t>() == 2);
  CHECK(ties.query(torch::tensor({{5.0f, 0.0f}})).item<int64_t>() == 1);
}

TEST_CASE("kd-tree on identical rows: the k-th lowest index, with the search stack at its bound") {
  // one point repeated: every box is that point and every distance ties, so nothing is pruned and
  // the search keeps every sibling pending, which fills its stack to the bound it is sized for
  const auto points = torch::full({5000, 4}, 1.25f);
  const auto queries =
      torch::tensor({1.25f, 1.25f, 1.25f, 1.25f, 0.0f, 3.0f, -1.0f, 2.0f}).view({2, 4});
  for (int64_t k : {1, 7}) {
    CAPTURE(k);
    CHECK(torch::equal(NearestNeighbor(points, NnBackend::kdtree, k).query(queries),
                       torch::full({2}, k - 1, torch::kInt64)));
  }
  CHECK(NearestNeighbor(points.narrow(0, 0, 1), NnBackend::kdtree, 1)
            .query(queries)
            .sum()
            .item<int64_t>() == 0);
}

TEST_CASE("kd-tree is exact for far queries in PRDC's dimensions (leaf order, early exit)") {
  // 23-d keys [beta*s, a] as for halfcheetah; the queries keep a data state and ask for zero
  // actions, as an untrained actor does, so the search backtracks through much of the tree
  auto gen = at::detail::createCPUGenerator(5);
  const auto points = torch::randn({20000, 23}, gen, torch::kFloat32);
  auto queries = points.narrow(0, 0, 48).clone();
  queries.narrow(1, 17, 6).zero_();
  for (int64_t k : {1, 3}) {
    CAPTURE(k);
    CHECK(torch::equal(NearestNeighbor(points, NnBackend::kdtree, k).query(queries),
                       kth_nearest_exhaustive(points, queries, k)));
  }
}

TEST_CASE("kd-tree's float32 leaf filter keeps the fp64 answer: near-ties, huge and tiny values") {
  auto gen = at::detail::createCPUGenerator(9);
  // 16 centres with coordinates in {-2, -1.5, ..., 2}, each with 250 points on the unit sphere
  // around it: a centre's distances differ only by the float rounding of the points, about
  // 1e-7, which is as large as the rounding of a float32 distance. Only fp64 orders them.
  const auto near_queries = torch::randint(-4, 5, {16, 14}, gen, torch::kFloat32) * 0.5f;
  auto directions = torch::randn({16, 250, 14}, gen, torch::kFloat32);
  directions = directions / directions.norm(2, -1, true);
  const auto close = (near_queries.unsqueeze(1) + directions).reshape({-1, 14});
  // coordinates near 1e20: float32 squares overflow to infinity, fp64 ones do not
  const auto huge = torch::randn({4000, 14}, gen, torch::kFloat32) * 1e20f;
  const auto huge_queries =
      huge.narrow(0, 0, 64) + torch::randn({64, 14}, gen, torch::kFloat32) * 1e19f;
  // 2-d points near 1e-21, about 2e-23 apart: float32 squares of their differences are subnormal
  // or zero, where rounding errs by up to 2^-150 absolute, far more than 2^-24 relative
  const auto tiny = torch::randn({4000, 2}, gen, torch::kFloat32) * 1e-21f;
  const auto tiny_queries =
      tiny.narrow(0, 0, 64) + torch::randn({64, 2}, gen, torch::kFloat32) * 1e-23f;
  for (int64_t k : {1, 2}) {
    CAPTURE(k);
    CHECK(torch::equal(NearestNeighbor(close, NnBackend::kdtree, k).query(near_queries),
                       kth_nearest_exhaustive(close, near_queries, k)));
    CHECK(torch::equal(NearestNeighbor(huge, NnBackend::kdtree, k).query(huge_queries),
                       kth_nearest_exhaustive(huge, huge_queries, k)));
    CHECK(torch::equal(NearestNeighbor(tiny, NnBackend::kdtree, k).query(tiny_queries),
                       kth_nearest_exhaustive(tiny, tiny_queries, k)));
  }
}

TEST_CASE("kd-tree's float32 box filter keeps the fp64 answer: mirrored ties") {
  // Around each centre c, points c + δ·(1 + s) and their mirror images c − δ·(1 + s), with s = 0
  // for the first and s in [0.1, 1) for the rest: c ± δ are exactly tied in fp64, and every other
  // point on their side is farther in each coordinate, so each is its leaf box's corner nearest c.
  // The box's float32 distance is then the tied distance up to float rounding: without the box
  // filter's rounding margin, a box rounded up past the tie is pruned and the lower index lost.
  // Whether a rounded-up box is met depends on the order the search visits the two sides, so it
  // takes many centres: with 64 none failed without the margin in the wide tree, with 256 a few
  // do, for k = 1 (for k = 2 both tied points are needed anyway).
  auto gen = at::detail::createCPUGenerator(13);
  const int64_t centres = 256;
  const int64_t per_side = 80;
  const int64_t d = 14;
  const auto c = torch::randint(-100, 100, {centres, d}, gen, torch::kFloat64) * 64;
  const auto sign = torch::randint(0, 2, {centres, d}, gen, torch::kFloat64) * 2 - 1;
  auto delta = (torch::rand({centres, d}, gen, torch::kFloat64) + 0.5) * sign;
  // multiples of 2^-11, so that c ± δ are exact in float32 (|c ± δ| < 2^13)
  delta = (delta * 2048).round() / 2048;
  auto s = torch::rand({centres, per_side, 1}, gen, torch::kFloat64) * 0.9 + 0.1;
  s.select(1, 0).zero_();
  const auto spread = delta.unsqueeze(1) * (1 + s);
  const auto side = (c.unsqueeze(1) + spread).to(torch::kFloat32);
  const auto mirror = (c.unsqueeze(1) - spread).to(torch::kFloat32);
  // c ± δ are exact in float32, so their fp64 distances to c are equal
  REQUIRE(torch::equal(side.select(1, 0).to(torch::kFloat64) - c,
                       c - mirror.select(1, 0).to(torch::kFloat64)));
  // per centre, a coin decides which side holds the lower indices
  const auto first = torch::randint(0, 2, {centres, 1, 1}, gen, torch::kFloat32);
  const auto points =
      torch::cat({side * first + mirror * (1 - first), mirror * first + side * (1 - first)}, 1)
          .reshape({-1, d});
  const auto queries = c.to(torch::kFloat32);
  // centre i's tied pair are its rows i·2·per_side and i·2·per_side + per_side, whichever side
  // each lies on; every other row is farther
  const auto first_row = torch::arange(centres, torch::kInt64) * 2 * per_side;
  for (int64_t k : {1, 2}) {
    CAPTURE(k);
    CHECK(torch::equal(NearestNeighbor(points, NnBackend::kdtree, k).query(queries),
                       first_row + (k - 1) * per_side));
  }
}

TEST_CASE("search arguments are checked") {
  const auto points = torch::zeros({3, 2});
  CHECK_THROWS_WITH_AS(NearestNeighbor(points, NnBackend::kdtree, 4),
                       "nearest neighbour: k: expected in [1, 3], got 4", rlbench::UsageError);
  NearestNeighbor nn(points, NnBackend::kdtree, 1);
  CHECK_THROWS_AS(nn.query(torch::zeros({2, 3})), rlbench::Error);
  // non-finite coordinates have no meaningful neighbour: an error on either backend
  auto nan_points = torch::zeros({3, 2});
  nan_points[1][0] = std::numeric_limits<float>::quiet_NaN();
  for (auto backend : {NnBackend::kdtree, NnBackend::brute}) {
    CHECK_THROWS_WITH_AS(NearestNeighbor(nan_points, backend, 1),
                         "nearest neighbour: points: expected finite values, got 1 NaN or infinite",
                         rlbench::Error);
    auto inf_queries = torch::zeros({2, 2});
    inf_queries[0][1] = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH_AS(
        NearestNeighbor(points, backend, 1).query(inf_queries),
        "nearest neighbour: queries: expected finite values, got 1 NaN or infinite",
        rlbench::Error);
  }
  // brute force over more points than its candidate list checks queries with its certificate
  auto nan_query = torch::zeros({1, 2});
  nan_query[0][0] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(NearestNeighbor(torch::randn({40, 2}), NnBackend::brute, 1).query(nan_query),
                       "nearest neighbour: queries: expected finite values, got 1 NaN or infinite",
                       rlbench::Error);
  CHECK_THROWS_WITH_AS(NearestNeighbor(torch::zeros({3, 0}), NnBackend::kdtree, 1),
                       "nearest neighbour: points: expected a float32 [N, D] tensor, D >= 1, got "
                       "[3, 0] Float",
                       rlbench::Error);
  CHECK_THROWS_WITH_AS(rlbench::algos::parse_nn_backend("faiss", "algo.params.search"),
                       "algo.params.search: unknown search backend: expected \"kdtree\" or "
                       "\"brute\", got \"faiss\"",
                       rlbench::UsageError);
}

TEST_CASE("prdc's constraint target is the dataset action nearest to (beta*s, a)") {
  auto ctx = rlbench::test::tiny_context({1}, 2, 1, 4);
  ctx.dataset_observations =
      torch::tensor({0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f, 3.0f, 3.0f}).view({4, 2});
  ctx.dataset_actions = torch::tensor({-0.5f, 0.25f, 0.75f, 1.0f}).view({4, 1});
  for (const char* search : {"kdtree", "brute"}) {
    CAPTURE(search);
    rlbench::core::ConfigReader r({{"beta", 2.0}, {"search", search}}, "test", "algo.params");
    rlbench::algos::Prdc prdc(rlbench::algos::PrdcConfig::parse(r, ctx.dataset_name), ctx);
    // state (1, 0) with action 0.75: [2, 0, 0.75] is nearest to row 1 [2, 0, 0.25] (0.25) and
    // not to row 0 [0, 0, -0.5] nor row 2 [0, 2, 0.75]
    const auto s = torch::tensor({1.0f, 0.0f, 0.1f, 0.9f}).view({1, 2, 2});
    const auto a = torch::tensor({0.75f, 0.75f}).view({1, 2, 1});
    const auto target = prdc.constraint_actions(s, a);
    CHECK(target[0][0][0].item<float>() == 0.25f);
    CHECK(target[0][1][0].item<float>() == 0.75f);  // (0.2, 1.8, 0.75) is nearest to row 2
    // a diverged actor's NaN actions are an error that names PRDC's step
    const auto nan_a = torch::full({1, 2, 1}, std::numeric_limits<float>::quiet_NaN());
    CHECK_THROWS_WITH_AS(prdc.constraint_actions(s, nan_a),
                         "prdc: dataset constraint: nearest neighbour: queries: expected finite "
                         "values, got 2 NaN or infinite",
                         rlbench::Error);
  }
  // with β large the state dominates; with β → 0 only the action counts
  rlbench::core::ConfigReader r0({{"beta", 0.0}}, "test", "algo.params");
  rlbench::algos::Prdc flat(rlbench::algos::PrdcConfig::parse(r0, ctx.dataset_name), ctx);
  const auto t0 = flat.constraint_actions(torch::tensor({3.0f, 3.0f}).view({1, 1, 2}),
                                          torch::tensor({-0.4f}).view({1, 1, 1}));
  CHECK(t0.item<float>() == -0.5f);
}

TEST_CASE("prdc picks alpha and beta by dataset, overrides win") {
  using rlbench::algos::PrdcConfig;
  CHECK(PrdcConfig::dataset_defaults("halfcheetah-medium-v2").alpha == 40.0);
  CHECK(PrdcConfig::dataset_defaults("hopper-medium-v2").alpha == 2.5);
  CHECK(PrdcConfig::dataset_defaults("walker2d-medium-replay-v2").beta == 2.0);
  const auto ant = PrdcConfig::dataset_defaults("antmaze-medium-play-v2");
  CHECK(ant.alpha == 7.5);
  CHECK(ant.beta == 7.5);
  CHECK(ant.reward_scale == 10000.0);
  CHECK(ant.reward_shift == -1.0);
  rlbench::core::ConfigReader r({{"alpha", 3.0}}, "test", "algo.params");
  CHECK(PrdcConfig::parse(r, "halfcheetah-medium-v2").alpha == 3.0);
  rlbench::core::ConfigReader bad({{"k", 0}}, "test", "algo.params");
  CHECK_THROWS_WITH_AS(PrdcConfig::parse(bad, "hopper-medium-v2"),
                       "test: algo.params.k: must be >= 1, got 0", rlbench::UsageError);
  rlbench::core::ConfigReader bad_search({{"search", "gpu"}}, "test", "algo.params");
  CHECK_THROWS_AS(PrdcConfig::parse(bad_search, "hopper-medium-v2"), rlbench::UsageError);
}

TEST_SUITE_END();
