// Evaluation: aggregation, normalised-score arithmetic, seeds, thread-count independence.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/evaluate.hpp"

namespace {

using rlbench::eval::BatchPolicy;
using rlbench::eval::EvalOptions;
using rlbench::eval::PolicyCall;

// a fixed linear policy with tanh: deterministic, depends on the observation
void linear_policy(const PolicyCall& c) {
  for (int b = 0; b < c.batch; ++b) {
    for (int j = 0; j < c.act_dim; ++j) {
      double s = 0.0;
      for (int i = 0; i < c.obs_dim; ++i) {
        s += c.obs[b * c.obs_dim + i] * std::sin(1.0 + i + 3.0 * j);
      }
      c.actions[b * c.act_dim + j] = std::tanh(0.3 * s);
    }
  }
}

}  // namespace

TEST_SUITE_BEGIN("eval");

TEST_CASE("summary: mean, population std and D4RL normalised scores x100") {
  rlbench::eval::EvalReport r;
  r.returns = {1000.0, 2000.0, 3000.0};
  r.ref = rlbench::data::reference_scores("hopper-medium-v2");
  rlbench::eval::summarize(r);
  CHECK(r.return_mean == 2000.0);
  CHECK(r.return_std == doctest::Approx(std::sqrt(2.0e6 / 3.0)));  // ddof = 0, as np.std
  CHECK(*r.normalized_mean_x100 ==
        doctest::Approx(100.0 * (2000.0 + 20.272305) / (3234.3 + 20.272305)));
  CHECK(*r.normalized_std_x100 == doctest::Approx(100.0 * r.return_std / 3254.572305));

  // envs.md / datasets.md §7 worked check: a return of 1000 per robot
  const struct {
    const char* name;
    double score;
  } worked[] = {{"hopper", 31.349}, {"halfcheetah", 10.311}, {"walker2d", 21.748}, {"ant", 31.522}};
  for (const auto& w : worked) {
    rlbench::eval::EvalReport one;
    one.returns = {1000.0};
    one.ref = rlbench::data::reference_scores(w.name);
    rlbench::eval::summarize(one);
    CAPTURE(w.name);
    CHECK(*one.normalized_mean_x100 == doctest::Approx(w.score).epsilon(1e-4));
    CHECK(*one.normalized_std_x100 == 0.0);
  }

  rlbench::eval::EvalReport none;
  none.returns = {5.0};
  rlbench::eval::summarize(none);
  CHECK_FALSE(none.normalized_mean_x100.has_value());
  const auto j = rlbench::eval::to_json(none);
  CHECK(j["normalized_score_mean_x100"].is_null());
}

TEST_CASE("episode seeds are fixed functions of the run seed") {
  CHECK(rlbench::eval::episode_seed(0, 0) == rlbench::eval::episode_seed(0, 0));
  CHECK(rlbench::eval::episode_seed(0, 0) != rlbench::eval::episode_seed(0, 1));
  CHECK(rlbench::eval::episode_seed(0, 0) != rlbench::eval::episode_seed(1, 0));
}

TEST_CASE("evaluate equals stepping each episode by hand, whatever the thread count") {
  EvalOptions o;
  o.episodes = 4;
  o.seed = 7;
  int calls = 0;
  int largest_batch = 0;
  const BatchPolicy policy = [&](const PolicyCall& c) {
    ++calls;
    largest_batch = std::max(largest_batch, c.batch);
    CHECK(c.deterministic);
    linear_policy(c);
  };
  o.threads = 1;
  const auto one = rlbench::eval::evaluate("hopper-medium-v2", policy, o);
  const int calls_one = calls;
  o.threads = 3;
  const auto three = rlbench::eval::evaluate("hopper-medium-v2", policy, o);

  CHECK(one.env == "hopper");
  CHECK(one.reference == "hopper-medium-v2");
  CHECK(one.returns == three.returns);  // bitwise
  CHECK(one.lengths == three.lengths);
  CHECK(three.threads == 3);
  CHECK(largest_batch == 4);
  int longest = 0;
  for (int n : one.lengths) longest = std::max(longest, n);
  CHECK(calls_one == longest);  // one batched call per step

  // the same episodes, one env at a time
  for (int i = 0; i < o.episodes; ++i) {
    const auto env = rlbench::envs::make_env("hopper", rlbench::eval::episode_seed(7, i));
    std::vector<double> obs = env->reset();
    std::vector<double> act(3);
    double ret = 0.0;
    int len = 0;
    while (true) {
      linear_policy(PolicyCall{obs.data(), act.data(), 1, 11, 3, true});
      const auto r = env->step(act, obs);
      ret += r.reward;
      ++len;
      if (r.terminated || r.truncated) {
        CHECK(one.terminated[i] == r.terminated);
        break;
      }
    }
    CAPTURE(i);
    CHECK(one.returns[i] == ret);
    CHECK(one.lengths[i] == len);
  }
  double mean = 0.0;
  for (double x : one.returns) mean += x / 4.0;
  CHECK(one.return_mean == doctest::Approx(mean));
  CHECK(*one.normalized_mean_x100 ==
        doctest::Approx(100.0 * rlbench::data::normalized_score(*one.ref, one.return_mean)));
}

TEST_CASE("evaluation errors: maze datasets, bad options, env errors") {
  EvalOptions o;
  o.episodes = 2;
  const BatchPolicy zero = [](const PolicyCall& c) {
    std::fill(c.actions, c.actions + c.batch * c.act_dim, 0.0);
  };
  CHECK_THROWS_WITH_AS(rlbench::eval::evaluate("maze2d-umaze-v1", zero, o),
                       doctest::Contains("no env implementation"), rlbench::Error);
  o.episodes = 0;
  CHECK_THROWS_AS(rlbench::eval::evaluate("hopper", zero, o), rlbench::UsageError);
  o.episodes = 2;
  o.threads = 2;
  const BatchPolicy nan = [](const PolicyCall& c) {
    std::fill(c.actions, c.actions + c.batch * c.act_dim, std::nan(""));
  };
  CHECK_THROWS_WITH_AS(rlbench::eval::evaluate("walker2d", nan, o),
                       doctest::Contains("walker2d: step 1: action[0] is not finite"),
                       rlbench::Error);
}

TEST_SUITE_END();
