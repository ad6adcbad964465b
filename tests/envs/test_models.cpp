// The compiled models against envs.md §5: sizes, frictions, joint ranges, masses.
#include <cmath>
#include <string>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/envs/registry.hpp"

#include "envs/mujoco_guard.hpp"

namespace {

using rlbench::envs::make_env;

int geom(const mjModel* m, const char* name) {
  const int id = mj_name2id(m, mjOBJ_GEOM, name);
  REQUIRE_MESSAGE(id >= 0, name);
  return id;
}

int joint(const mjModel* m, const char* name) {
  const int id = mj_name2id(m, mjOBJ_JOINT, name);
  REQUIRE_MESSAGE(id >= 0, name);
  return id;
}

void check_friction(const mjModel* m, const char* name, double slide, double spin, double roll) {
  const int g = geom(m, name);
  CAPTURE(name);
  CHECK(m->geom_friction[3 * g] == doctest::Approx(slide));
  CHECK(m->geom_friction[3 * g + 1] == doctest::Approx(spin));
  CHECK(m->geom_friction[3 * g + 2] == doctest::Approx(roll));
}

void check_range(const mjModel* m, const char* name, double lo, double hi) {
  const int j = joint(m, name);
  CAPTURE(name);
  CHECK(m->jnt_limited[j] == 1);
  CHECK(m->jnt_range[2 * j] == doctest::Approx(lo).epsilon(1e-5));
  CHECK(m->jnt_range[2 * j + 1] == doctest::Approx(hi).epsilon(1e-5));
}

}  // namespace

TEST_SUITE_BEGIN("envs");

TEST_CASE("hopper model matches gym's hopper.xml with the corrected foot") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("hopper", 0);
  const mjModel* m = env->model();
  CHECK(m->nq == 6);
  CHECK(m->nv == 6);
  CHECK(m->nu == 3);
  CHECK(m->nbody == 5);
  CHECK(m->opt.integrator == mjINT_RK4);
  CHECK(m->opt.timestep == 0.002);
  const double qpos0[] = {0, 1.25, 0, 0, 0, 0};
  for (int i = 0; i < 6; ++i) CHECK(m->qpos0[i] == qpos0[i]);
  for (const char* g : {"torso_geom", "thigh_geom", "leg_geom"}) {
    check_friction(m, g, 0.9, 0.005, 0.0001);
  }
  check_friction(m, "foot_geom", 2.0, 0.005, 0.0001);
  check_friction(m, "floor", 1.0, 0.005, 0.0001);
  check_range(m, "thigh_joint", -2.61799, 0.0);
  check_range(m, "leg_joint", -2.61799, 0.0);
  check_range(m, "foot_joint", -0.785398, 0.785398);
  // joint-limit solver parameters are MuJoCo's defaults
  const int j = joint(m, "thigh_joint");
  CHECK(m->jnt_solref[mjNREF * j] == doctest::Approx(0.02));
  CHECK(m->jnt_solref[mjNREF * j + 1] == doctest::Approx(1.0));
  CHECK(m->jnt_solimp[mjNIMP * j] == doctest::Approx(0.9));
  CHECK(m->jnt_solimp[mjNIMP * j + 1] == doctest::Approx(0.95));
  CHECK(m->jnt_solimp[mjNIMP * j + 2] == doctest::Approx(0.001));
  // the foot body origin is the legacy parse of "0.13/2 0 0.1" (global coordinates)
  const int foot = mj_name2id(m, mjOBJ_BODY, "foot");
  REQUIRE(foot >= 0);
  for (int a = 0; a < m->nu; ++a) CHECK(m->actuator_gear[6 * a] == 200.0);
  CHECK(env->dt() == 0.008);
}

TEST_CASE("walker2d model: asymmetric feet, gear 100") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("walker2d", 0);
  const mjModel* m = env->model();
  CHECK(m->nq == 9);
  CHECK(m->nv == 9);
  CHECK(m->nu == 6);
  CHECK(m->nbody == 8);
  for (const char* g :
       {"torso_geom", "thigh_geom", "leg_geom", "foot_geom", "thigh_left_geom", "leg_left_geom"}) {
    check_friction(m, g, 0.9, 0.1, 0.1);
  }
  check_friction(m, "foot_left_geom", 1.9, 0.1, 0.1);
  check_friction(m, "floor", 0.7, 0.1, 0.1);
  check_range(m, "thigh_left_joint", -2.61799, 0.0);
  check_range(m, "foot_left_joint", -0.785398, 0.785398);
  for (int a = 0; a < m->nu; ++a) CHECK(m->actuator_gear[6 * a] == 100.0);
  CHECK(m->qpos0[1] == 1.25);
  CHECK(env->dt() == 0.008);
}

TEST_CASE("halfcheetah model: Euler, total mass 14, per-joint gears") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("halfcheetah", 0);
  const mjModel* m = env->model();
  CHECK(m->nq == 9);
  CHECK(m->nv == 9);
  CHECK(m->nu == 6);
  CHECK(m->nbody == 8);
  CHECK(m->opt.integrator == mjINT_EULER);
  CHECK(mj_getTotalmass(m) == doctest::Approx(14.0));
  for (int i = 0; i < m->nq; ++i) CHECK(m->qpos0[i] == 0.0);
  const double gears[] = {120, 90, 60, 120, 60, 30};
  for (int a = 0; a < m->nu; ++a) CHECK(m->actuator_gear[6 * a] == gears[a]);
  check_friction(m, "torso", 0.4, 0.1, 0.1);
  check_range(m, "bthigh", -0.52, 1.05);
  check_range(m, "fshin", -1.2, 0.87);
  CHECK(m->jnt_stiffness[joint(m, "bthigh")] == 240.0);
  CHECK(env->dt() == 0.05);
}

TEST_CASE("ant model: 14 bodies, actuator order, capsule lengths") {
  rlbench::test::MujocoGuard guard;
  const auto env = make_env("ant", 0);
  const mjModel* m = env->model();
  CHECK(m->nq == 15);
  CHECK(m->nv == 14);
  CHECK(m->nu == 8);
  CHECK(m->nbody == 14);
  const double qpos0[] = {0, 0, 0.75, 1, 0, 0, 0};
  for (int i = 0; i < 7; ++i) CHECK(m->qpos0[i] == qpos0[i]);
  for (int i = 7; i < 15; ++i) CHECK(m->qpos0[i] == 0.0);
  // actuators drive hip_4, ankle_4, hip_1, ankle_1, ...
  const char* order[] = {"hip_4", "ankle_4", "hip_1", "ankle_1",
                         "hip_2", "ankle_2", "hip_3", "ankle_3"};
  for (int a = 0; a < 8; ++a) {
    CHECK(m->actuator_trnid[2 * a] == joint(m, order[a]));
    CHECK(m->actuator_gear[6 * a] == 150.0);
  }
  CHECK(m->geom_size[3 * geom(m, "aux_1_geom") + 1] == doctest::Approx(0.141421).epsilon(1e-5));
  CHECK(m->geom_size[3 * geom(m, "left_ankle_geom") + 1] ==
        doctest::Approx(0.282843).epsilon(1e-5));
  check_friction(m, "floor", 1.0, 0.5, 0.5);
  check_range(m, "ankle_2", -1.22173, -0.523599);
  CHECK(m->geom_margin[geom(m, "floor")] == doctest::Approx(0.01));
  CHECK(env->dt() == 0.05);
}

TEST_CASE("gym's legacy foot position does not load in MuJoCo 2.2.2") {
  // why the models carry "0.13 0 0": the original attribute is rejected by the strict parser
  const std::string xml = R"(<mujoco><worldbody><body pos="0.13/2 0 0.1">
      <geom type="sphere" size="0.1"/></body></worldbody></mujoco>)";
  CHECK_THROWS_WITH_AS(rlbench::envs::load_model(xml, "legacy.xml"),
                       doctest::Contains("legacy.xml: MJCF does not compile"), rlbench::Error);
}

TEST_CASE("a MuJoCo error becomes an exception instead of exit()") {
  // 2.2.2's default handler would print "Press Enter to exit", wait and exit(1)
  CHECK_THROWS_WITH_AS(rlbench::envs::guarded(
                           "test", [](void*) { mju_error("boom"); }, nullptr),
                       doctest::Contains("test: MuJoCo error: boom"), rlbench::Error);
  // errors raised while compiling come back through the loader's buffer
  const std::string xml = R"(<mujoco><size nstack="1"/><worldbody><body>
      <joint type="free"/><geom type="sphere" size="0.1"/></body></worldbody></mujoco>)";
  CHECK_THROWS_WITH_AS(rlbench::envs::load_model(xml, "tiny.xml"),
                       doctest::Contains("tiny.xml: MJCF does not compile"), rlbench::Error);
}

TEST_SUITE_END();
