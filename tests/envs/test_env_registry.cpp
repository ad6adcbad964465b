// Registry: dataset names map to envs; a contract test runs every registered env.
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/envs/registry.hpp"

#include "envs/mujoco_guard.hpp"

namespace {

using Vec = std::vector<double>;

}  // namespace

TEST_SUITE_BEGIN("envs");

TEST_CASE("every gym-mujoco dataset maps to its env; mazes are a clear error") {
  const std::set<std::string> ids = {"hopper", "halfcheetah", "walker2d", "ant"};
  int mapped = 0;
  for (const auto& d : rlbench::data::dataset_registry()) {
    if (ids.count(d.env) != 0) {
      CHECK(rlbench::envs::env_for_dataset(d.name) == d.env);
      ++mapped;
    } else {
      CAPTURE(d.name);
      CHECK_THROWS_WITH_AS(rlbench::envs::env_for_dataset(d.name),
                           doctest::Contains("rlbench has no env implementation"), rlbench::Error);
    }
  }
  CHECK(mapped >= 4 * 6 * 2);  // v1 and v2 of 6 datasets for each of 4 robots, at least
  CHECK(rlbench::envs::env_for_dataset("walker2d-medium-replay-v2") == "walker2d");
  CHECK(rlbench::envs::resolve_env("halfcheetah") == "halfcheetah");
  CHECK(rlbench::envs::resolve_env("ant-expert-v2") == "ant");
  CHECK_THROWS_WITH_AS(rlbench::envs::env_for_dataset("antmaze-umaze-v2"),
                       doctest::Contains("dataset \"antmaze-umaze-v2\": rlbench has no env "
                                         "implementation for \"antmaze\""),
                       rlbench::Error);
  CHECK_THROWS_WITH_AS(rlbench::envs::env_for_dataset("hoper-medium-v2"),
                       doctest::Contains("did you mean \"hopper-medium-v2\""), rlbench::UsageError);
  CHECK_THROWS_WITH_AS(rlbench::envs::make_env("hoper", 0),
                       doctest::Contains("env \"hoper\": unknown env (did you mean \"hopper\"?)"),
                       rlbench::UsageError);
}

TEST_CASE("a modified spec must keep dims and model") {
  auto spec = rlbench::envs::find_env("hopper").spec();
  spec.obs_dim = 12;
  CHECK_THROWS_AS(rlbench::envs::make_env(spec, 0), rlbench::UsageError);
}

TEST_CASE("contract: every registered env") {
  for (const auto& entry : rlbench::envs::env_registry()) {
    CAPTURE(entry.id);
    rlbench::test::MujocoGuard guard;
    const auto& spec = entry.spec();
    const auto env = rlbench::envs::make_env(entry.id, 17);
    const mjModel* m = env->model();

    // spec, model and obs agree
    CHECK(spec.id == entry.id);
    CHECK(env->act_dim() == m->nu);
    for (int a = 0; a < m->nu; ++a) {
      CHECK(m->actuator_ctrllimited[a] == 1);
      CHECK(m->actuator_ctrlrange[2 * a] == spec.act_low);
      CHECK(m->actuator_ctrlrange[2 * a + 1] == spec.act_high);
    }
    CHECK(env->dt() == m->opt.timestep * spec.frame_skip);
    CHECK(spec.max_episode_steps == 1000);
    CHECK(env->xml_sha256().size() == 64);
    Vec obs = env->reset();
    CHECK(static_cast<int>(obs.size()) == spec.obs_dim);

    // 150 random steps: finite obs and rewards; then a state round trip re-steps identically
    std::mt19937_64 rng(3);
    std::vector<Vec> actions;
    for (int t = 0; t < 200; ++t) {
      Vec a(static_cast<std::size_t>(env->act_dim()));
      for (auto& x : a) x = rlbench::envs::sample_uniform(rng, -1.0, 1.0);
      actions.push_back(a);
    }
    for (int t = 0; t < 150; ++t) {
      const auto r = env->step(actions[t], obs);
      for (double x : obs) REQUIRE(std::isfinite(x));
      REQUIRE(std::isfinite(r.reward));
      if (r.terminated || r.truncated) obs = env->reset();
    }
    const auto state = env->get_state();
    std::vector<Vec> obs_a;
    Vec rewards_a;
    for (int t = 150; t < 200; ++t) {
      const auto r = env->step(actions[t], obs);
      obs_a.push_back(obs);
      rewards_a.push_back(r.reward);
      if (r.terminated || r.truncated) obs = env->reset();
    }
    const Vec after_reset = env->reset();

    const auto other = rlbench::envs::make_env(entry.id, 999);  // different seed and history
    other->reset();
    other->set_state(state);
    for (int t = 150; t < 200; ++t) {
      const auto r = other->step(actions[t], obs);
      REQUIRE(obs == obs_a[t - 150]);
      REQUIRE(r.reward == rewards_a[t - 150]);
      if (r.terminated || r.truncated) obs = other->reset();
    }
    CHECK(other->reset() == after_reset);  // the RNG travels with the state
  }
}

TEST_SUITE_END();
