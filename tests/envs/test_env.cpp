// Env behaviour: obs layout, rewards on hand-set states, termination boundaries, time limit,
// action clipping, determinism, state round trip, divergence.
#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/envs/registry.hpp"

#include "envs/mujoco_guard.hpp"

namespace {

using rlbench::envs::Env;
using rlbench::envs::make_env;
using rlbench::envs::StepResult;
using Vec = std::vector<double>;

Vec qpos_of(const Env& env) { return Vec(env.data()->qpos, env.data()->qpos + env.model()->nq); }
Vec qvel_of(const Env& env) { return Vec(env.data()->qvel, env.data()->qvel + env.model()->nv); }

Vec random_action(std::mt19937_64& rng, int n, double scale = 1.0) {
  Vec a(static_cast<std::size_t>(n));
  for (auto& x : a) x = rlbench::envs::sample_uniform(rng, -scale, scale);
  return a;
}

// sets the hopper/walker to a given height and angle, everything else at qpos0 / rest
void place(Env& env, double z, double angle, double vx = 0.0) {
  Vec qpos = qpos_of(env);
  Vec qvel(static_cast<std::size_t>(env.model()->nv), 0.0);
  std::fill(qpos.begin(), qpos.end(), 0.0);
  qpos[1] = z;
  qpos[2] = angle;
  qvel[0] = vx;
  env.set_qpos_qvel(qpos, qvel);
}

}  // namespace

TEST_SUITE_BEGIN("envs");

TEST_CASE("hopper obs is qpos[1:] and qvel clipped to 10; termination uses raw qvel") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("hopper", 0);
  env->reset();
  Vec qpos = {0.3, 1.2, 0.05, -0.1, -0.2, 0.1};
  Vec qvel = {11.0, -12.0, 0.5, 0.0, 0.0, 0.0};
  env->set_qpos_qvel(qpos, qvel);
  Vec obs(11);
  env->observe(obs.data());
  for (int i = 0; i < 5; ++i) CHECK(obs[i] == qpos[i + 1]);
  CHECK(obs[5] == 10.0);
  CHECK(obs[6] == -10.0);
  CHECK(obs[7] == 0.5);
  CHECK_FALSE(env->is_unhealthy());  // |qvel| < 100 though clipped in the obs
  qvel[3] = 100.0;
  env->set_qpos_qvel(qpos, qvel);
  CHECK(env->is_unhealthy());  // state range is strict: |s| < 100
  qvel[3] = 99.999;
  env->set_qpos_qvel(qpos, qvel);
  CHECK_FALSE(env->is_unhealthy());
}

TEST_CASE("hopper termination boundaries are strict") {
  const auto env = make_env("hopper", 0);
  env->reset();
  place(*env, 0.7, 0.0);
  CHECK(env->is_unhealthy());  // z > 0.7 is required
  place(*env, std::nextafter(0.7, 1.0), 0.0);
  CHECK_FALSE(env->is_unhealthy());
  place(*env, 1.25, 0.2);
  CHECK(env->is_unhealthy());  // |angle| < 0.2
  place(*env, 1.25, -0.2);
  CHECK(env->is_unhealthy());
  place(*env, 1.25, std::nextafter(0.2, 0.0));
  CHECK_FALSE(env->is_unhealthy());
  Vec qpos = qpos_of(*env);
  qpos[4] = 100.0;  // a joint angle out of the healthy state range
  env->set_qpos_qvel(qpos, qvel_of(*env));
  CHECK(env->is_unhealthy());
}

TEST_CASE("walker2d termination: 0.8 < z < 2 and -1 < angle < 1, strict") {
  const auto env = make_env("walker2d", 0);
  env->reset();
  place(*env, 0.8, 0.0);
  CHECK(env->is_unhealthy());
  place(*env, 2.0, 0.0);
  CHECK(env->is_unhealthy());
  place(*env, 1.9, 0.0);
  CHECK_FALSE(env->is_unhealthy());
  place(*env, 1.25, 1.0);
  CHECK(env->is_unhealthy());
  place(*env, 1.25, -1.0);
  CHECK(env->is_unhealthy());
  place(*env, 1.25, -0.999);
  CHECK_FALSE(env->is_unhealthy());
}

TEST_CASE("ant termination: 0.2 <= z <= 1 inclusive") {
  const auto env = make_env("ant", 0);
  env->reset();
  Vec qpos = qpos_of(*env);
  const Vec qvel(14, 0.0);
  for (double z : {0.2, 1.0, 0.75}) {
    qpos[2] = z;
    env->set_qpos_qvel(qpos, qvel);
    CHECK_FALSE(env->is_unhealthy());
  }
  for (double z : {std::nextafter(0.2, 0.0), std::nextafter(1.0, 2.0)}) {
    qpos[2] = z;
    env->set_qpos_qvel(qpos, qvel);
    CHECK(env->is_unhealthy());
  }
}

TEST_CASE("halfcheetah never terminates") {
  const auto env = make_env("halfcheetah", 0);
  env->reset();
  Vec qpos(9, 0.0);
  qpos[1] = -5.0;  // far below the floor, upside down
  qpos[2] = 3.0;
  env->set_qpos_qvel(qpos, Vec(9, 0.0));
  CHECK_FALSE(env->is_unhealthy());
}

TEST_CASE("hopper reward = dx/dt + 1 - 1e-3 |a|^2 on a hand-set state") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("hopper", 0);
  env->reset();
  place(*env, 1.25, 0.0, /*vx=*/1.0);
  const double x0 = env->data()->qpos[0];
  Vec obs;
  SUBCASE("zero action") {
    const auto r = env->step(Vec{0.0, 0.0, 0.0}, obs);
    const double x1 = env->data()->qpos[0];
    CHECK(r.terms.x_before == x0);
    CHECK(r.terms.x_after == x1);
    CHECK(r.terms.forward == (x1 - x0) / 0.008);
    CHECK(r.terms.forward == doctest::Approx(1.0).epsilon(0.05));  // moving at 1 m/s
    CHECK(r.terms.ctrl_cost == 0.0);
    CHECK(r.terms.healthy == 1.0);
    CHECK(r.reward == (r.terms.forward + 1.0) - 0.0);
    CHECK_FALSE(r.terminated);
    CHECK_FALSE(r.truncated);
  }
  SUBCASE("ctrl cost") {
    const auto r = env->step(Vec{0.5, -0.25, 1.0}, obs);
    CHECK(r.terms.ctrl_cost == doctest::Approx(1e-3 * (0.25 + 0.0625 + 1.0)));
    CHECK(r.reward == (r.terms.forward + 1.0) - r.terms.ctrl_cost);
  }
}

TEST_CASE("halfcheetah reward = -0.1 |a|^2 + dx/dt") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("halfcheetah", 0);
  env->reset();
  Vec qvel(9, 0.0);
  qvel[0] = 2.0;
  env->set_qpos_qvel(Vec(9, 0.0), qvel);
  const double x0 = env->data()->qpos[0];
  Vec obs;
  const Vec a = {0.1, 0.2, 0.3, -0.4, -0.5, -0.6};
  const auto r = env->step(a, obs);
  const double x1 = env->data()->qpos[0];
  CHECK(r.terms.forward == (x1 - x0) / 0.05);
  CHECK(r.terms.ctrl_cost == doctest::Approx(0.1 * 0.91));
  CHECK(r.terms.healthy == 0.0);
  CHECK(r.reward == -r.terms.ctrl_cost + r.terms.forward);
  CHECK(r.terms.forward > 0.5);  // it was thrown forward at 2 m/s
}

TEST_CASE("ant forward reward uses the stale torso xpos; contact dims and cost are zero") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("ant", 3);
  env->reset();
  Vec qpos = qpos_of(*env);
  Vec qvel(14, 0.0);
  qvel[0] = 1.0;
  env->set_qpos_qvel(qpos, qvel);
  // after set_state's mj_forward the torso xpos is exact
  CHECK(env->data()->xpos[3] == env->data()->qpos[0]);
  std::mt19937_64 rng(5);
  Vec obs;
  double previous_after = env->data()->qpos[0];
  for (int t = 0; t < 20; ++t) {
    const Vec a = random_action(rng, 8);
    const auto r = env->step(a, obs);
    CHECK(r.terms.x_before == previous_after);
    CHECK(r.terms.x_after == env->data()->xpos[3]);  // body 1 = torso
    // stale: the last RK4 stage's kinematics, close to but not the new qpos
    CHECK(r.terms.x_after != env->data()->qpos[0]);
    CHECK(std::abs(r.terms.x_after - env->data()->qpos[0]) < 1e-2);
    CHECK(r.terms.contact_cost == 0.0);
    double sq = 0.0;
    for (double x : a) sq += x * x;
    CHECK(r.terms.ctrl_cost == doctest::Approx(0.5 * sq));
    CHECK(r.reward == ((r.terms.forward - r.terms.ctrl_cost) - 0.0) + 1.0);
    REQUIRE(obs.size() == 111);
    for (int i = 27; i < 111; ++i) REQUIRE(obs[i] == 0.0);
    for (int i = 0; i < 13; ++i) CHECK(obs[i] == env->data()->qpos[i + 2]);
    previous_after = r.terms.x_after;
    if (r.terminated) break;
  }
}

TEST_CASE("actions are clipped to [-1, 1] before the control cost (D4RL)") {
  rlbench::test::MujocoGuard guard;
  auto run = [](const rlbench::envs::TaskSpec& spec, const Vec& a) {
    const auto env = make_env(spec, 7);
    env->reset();
    Vec obs;
    const auto r = env->step(a, obs);
    return std::make_pair(r, obs);
  };
  const auto& spec = rlbench::envs::find_env("hopper").spec();
  const auto [clipped, obs_clipped] = run(spec, {2.0, -3.0, 0.5});
  const auto [inside, obs_inside] = run(spec, {1.0, -1.0, 0.5});
  CHECK(clipped.reward == inside.reward);
  CHECK(obs_clipped == obs_inside);
  CHECK(clipped.terms.ctrl_cost == doctest::Approx(1e-3 * 2.25));

  auto plain = spec;  // gym without D4RL's wrapper charges the raw action
  plain.clip_actions = false;
  const auto [raw, obs_raw] = run(plain, {2.0, -3.0, 0.5});
  CHECK(raw.terms.ctrl_cost == doctest::Approx(1e-3 * 13.25));
  CHECK(obs_raw == obs_inside);  // MuJoCo clamps ctrl internally either way
}

TEST_CASE("the time limit truncates at step 1000 and does not terminate") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("halfcheetah", 1);
  env->reset();
  Vec obs;
  const Vec zero(6, 0.0);
  StepResult r;
  for (int t = 1; t <= 999; ++t) {
    r = env->step(zero, obs);
    REQUIRE_FALSE(r.truncated);
  }
  r = env->step(zero, obs);
  CHECK(r.truncated);
  CHECK_FALSE(r.terminated);
  CHECK(env->elapsed_steps() == 1000);
  CHECK_THROWS_WITH_AS(env->step(zero, obs),
                       doctest::Contains("halfcheetah: step 1001: the episode is over"),
                       rlbench::Error);
  env->reset();
  CHECK(env->elapsed_steps() == 0);
}

TEST_CASE("a terminated hopper episode reports terminated, and the healthy bonus is paid") {
  const auto env = make_env("hopper", 2);
  env->reset();
  // upright but leaning at 0.19 rad and rotating further: the angle limit ends the episode
  Vec qpos = qpos_of(*env);
  Vec qvel(6, 0.0);
  std::fill(qpos.begin(), qpos.end(), 0.0);
  qpos[1] = 1.25;
  qpos[2] = 0.19;
  qvel[2] = 1.0;
  env->set_qpos_qvel(qpos, qvel);
  CHECK_FALSE(env->is_unhealthy());
  Vec obs;
  StepResult r;
  int steps = 0;
  do {
    r = env->step(Vec{0.0, 0.0, 0.0}, obs);
    ++steps;
  } while (!r.terminated && steps < 100);
  CHECK(r.terminated);
  CHECK_FALSE(r.truncated);
  CHECK(r.terms.healthy == 1.0);
  CHECK(r.reward == (r.terms.forward + 1.0) - 0.0);
  CHECK(env->is_unhealthy());
  CHECK(std::abs(env->data()->qpos[2]) >= 0.2);
}

TEST_CASE("reset noise: hopper U(+-0.005); ant quaternion left unnormalised") {
  const auto hopper = make_env("hopper", 11);
  for (int k = 0; k < 20; ++k) {
    const Vec obs = hopper->reset();
    const double qpos0[] = {0, 1.25, 0, 0, 0, 0};
    for (int i = 0; i < 6; ++i) CHECK(std::abs(hopper->data()->qpos[i] - qpos0[i]) <= 0.005);
    for (int i = 0; i < 6; ++i) CHECK(std::abs(hopper->data()->qvel[i]) <= 0.005);
    CHECK(obs[0] == hopper->data()->qpos[1]);
  }
  const auto ant = make_env("ant", 11);
  const Vec obs = ant->reset();
  const double norm =
      std::sqrt(obs[1] * obs[1] + obs[2] * obs[2] + obs[3] * obs[3] + obs[4] * obs[4]);
  CHECK(norm != doctest::Approx(1.0).epsilon(1e-9));  // as MuJoCo 2.0 / D4RL showed it
  CHECK(std::abs(obs[1] - 1.0) <= 0.1);
  // the first step integrates from the normalised quaternion
  std::vector<double> next;
  ant->step(std::vector<double>(8, 0.0), next);
  const double norm1 =
      std::sqrt(next[1] * next[1] + next[2] * next[2] + next[3] * next[3] + next[4] * next[4]);
  CHECK(norm1 == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("portable samplers: uniform range, normal moments") {
  std::mt19937_64 rng(42);
  double sum = 0.0;
  double sq = 0.0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double u = rlbench::envs::sample_uniform(rng, -0.1, 0.1);
    REQUIRE(u >= -0.1);
    REQUIRE(u < 0.1);
    const double z = rlbench::envs::sample_normal(rng);
    sum += z;
    sq += z * z;
  }
  CHECK(std::abs(sum / n) < 0.03);
  CHECK(std::abs(sq / n - 1.0) < 0.05);
}

TEST_CASE("same seed gives bit-identical trajectories; different seeds differ") {
  rlbench::test::MujocoGuard guard;
  for (const char* id : {"hopper", "ant"}) {
    CAPTURE(id);
    const auto a = make_env(id, 123);
    const auto b = make_env(id, 123);
    const auto c = make_env(id, 124);
    Vec oa = a->reset();
    Vec ob = b->reset();
    const Vec oc = c->reset();
    CHECK(oa == ob);
    CHECK(oa != oc);
    std::mt19937_64 rng(9);
    for (int t = 0; t < 100; ++t) {
      const Vec act = random_action(rng, a->act_dim());
      const auto ra = a->step(act, oa);
      const auto rb = b->step(act, ob);
      REQUIRE(oa == ob);
      REQUIRE(ra.reward == rb.reward);
      REQUIRE(ra.terminated == rb.terminated);
      if (ra.terminated) {
        oa = a->reset();
        ob = b->reset();
      }
    }
  }
}

TEST_CASE("a diverging simulation is an error naming the env and step; no MUJOCO_LOG.TXT") {
  const auto env = make_env("hopper", 0);
  env->reset();
  Vec qvel = qvel_of(*env);
  qvel[3] = std::nan("");
  env->set_qpos_qvel(qpos_of(*env), qvel);
  const long before = rlbench::envs::warning_count();
  Vec obs;
  CHECK_THROWS_WITH_AS(
      env->step(Vec{0.0, 0.0, 0.0}, obs),
      doctest::Contains("hopper: step 1: simulation diverged (MuJoCo warning: bad qvel at dof 3"),
      rlbench::Error);
  CHECK(rlbench::envs::warning_count() == before + 1);  // what MujocoGuard detects
  CHECK_FALSE(std::filesystem::exists("MUJOCO_LOG.TXT"));
  // the episode is over after an error
  CHECK_THROWS_AS(env->step(Vec{0.0, 0.0, 0.0}, obs), rlbench::Error);
}

TEST_CASE("a non-finite action is an error") {
  const auto env = make_env("walker2d", 0);
  env->reset();
  Vec obs;
  Vec a(6, 0.0);
  a[2] = std::nan("");
  CHECK_THROWS_WITH_AS(env->step(a, obs),
                       doctest::Contains("walker2d: step 1: action[2] is not finite"),
                       rlbench::Error);
  CHECK_THROWS_WITH_AS(env->step(Vec(5, 0.0), obs),
                       doctest::Contains("wrong action size: expected 6, got 5"), rlbench::Error);
}

TEST_SUITE_END();
