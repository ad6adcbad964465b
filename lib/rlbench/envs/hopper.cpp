// Hopper as D4RL used it: gym's hopper.py (numerically Hopper-v3 with default arguments).
#include <algorithm>
#include <cmath>

#include "rlbench/envs/tasks.hpp"

namespace rlbench::envs {

namespace {

// gym >= 0.24.1 hopper.xml, dynamics only (no lights, textures, cameras). Global coordinates:
// every pos/fromto is in the world frame. The foot body sits at x = 0.13, the value old MuJoCo
// read from gym's legacy "0.13/2 0 0.1", which MuJoCo >= 2.2.1 rejects.
const char* const k_xml = R"(<mujoco model="hopper">
  <compiler angle="degree" coordinate="global" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="0.002"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom conaffinity="1" condim="1" contype="1" margin="0.001" solimp="0.8 0.8 0.01" solref="0.02 1"/>
    <motor ctrllimited="true" ctrlrange="-0.4 0.4"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 0" size="20 20 0.125" conaffinity="1" condim="3"/>
    <body name="torso" pos="0 0 1.25">
      <joint name="rootx" type="slide" axis="1 0 0" pos="0 0 0" armature="0" damping="0" stiffness="0" limited="false"/>
      <joint name="rootz" type="slide" axis="0 0 1" pos="0 0 0" ref="1.25" armature="0" damping="0" stiffness="0" limited="false"/>
      <joint name="rooty" type="hinge" axis="0 1 0" pos="0 0 1.25" armature="0" damping="0" stiffness="0" limited="false"/>
      <geom name="torso_geom" type="capsule" fromto="0 0 1.45 0 0 1.05" size="0.05" friction="0.9"/>
      <body name="thigh" pos="0 0 1.05">
        <joint name="thigh_joint" type="hinge" axis="0 -1 0" pos="0 0 1.05" range="-150 0"/>
        <geom name="thigh_geom" type="capsule" fromto="0 0 1.05 0 0 0.6" size="0.05" friction="0.9"/>
        <body name="leg" pos="0 0 0.35">
          <joint name="leg_joint" type="hinge" axis="0 -1 0" pos="0 0 0.6" range="-150 0"/>
          <geom name="leg_geom" type="capsule" fromto="0 0 0.6 0 0 0.1" size="0.04" friction="0.9"/>
          <body name="foot" pos="0.13 0 0">
            <joint name="foot_joint" type="hinge" axis="0 -1 0" pos="0 0 0.1" range="-45 45"/>
            <geom name="foot_geom" type="capsule" fromto="-0.13 0 0.1 0.26 0 0.1" size="0.06" friction="2.0"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="thigh_joint" gear="200" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="leg_joint" gear="200" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="foot_joint" gear="200" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
)";

TaskSpec make_spec() {
  TaskSpec s;
  s.id = "hopper";
  s.reference = "Hopper-v3 (gym hopper.py) with D4RL's action clipping";
  s.xml_name = "hopper.xml";
  s.xml = k_xml;
  s.obs_dim = 11;  // qpos[1:6] ++ clipped qvel (6)
  s.act_dim = 3;   // thigh, leg, foot motors
  s.act_low = -1.0;
  s.act_high = 1.0;
  s.frame_skip = 4;
  s.max_episode_steps = 1000;
  s.clip_actions = true;  // D4RL NormalizedBoxEnv
  s.qpos_noise = 5e-3;    // U(-0.005, 0.005) on all qpos
  s.qvel_noise = 5e-3;    // U(-0.005, 0.005) on all qvel
  s.qvel_noise_kind = VelocityNoise::uniform;
  s.ctrl_cost_weight = 1e-3;
  s.healthy_reward = 1.0;
  return s;
}

constexpr double k_velocity_clip = 10.0;

class Hopper final : public Env {
 public:
  Hopper(const TaskSpec& spec, std::uint64_t seed) : Env(spec, seed) {}

 protected:
  // qpos[1:6] ++ clip(qvel, -10, 10)
  void write_obs(const mjData* d, double* obs) const override {
    for (int i = 1; i < 6; ++i) *obs++ = d->qpos[i];
    for (int i = 0; i < 6; ++i) *obs++ = std::clamp(d->qvel[i], -k_velocity_clip, k_velocity_clip);
  }

  double forward_position(const mjData* d) const override { return d->qpos[0]; }

  // hopper.py: reward = v; reward += alive_bonus; reward -= ctrl
  double combine_reward(const mjData*, RewardTerms& t) const override {
    return (t.forward + t.healthy) - t.ctrl_cost;
  }

  // healthy = finite state, |state_vector()[2:]| < 100 (raw qvel), z > 0.7, |angle| < 0.2;
  // all strict
  bool is_terminated(const mjData* d) const override {
    for (int i = 0; i < 6; ++i) {
      if (!std::isfinite(d->qpos[i]) || !std::isfinite(d->qvel[i])) return true;
    }
    for (int i = 2; i < 6; ++i) {
      if (!(std::abs(d->qpos[i]) < 100.0)) return true;
    }
    for (int i = 0; i < 6; ++i) {
      if (!(std::abs(d->qvel[i]) < 100.0)) return true;
    }
    const double height = d->qpos[1];
    const double angle = d->qpos[2];
    return !(height > 0.7 && std::abs(angle) < 0.2);
  }
};

}  // namespace

const TaskSpec& hopper_spec() {
  static const TaskSpec spec = make_spec();  // built on first use: no static-order issues
  return spec;
}

std::unique_ptr<Env> make_hopper(const TaskSpec& spec, std::uint64_t seed) {
  return std::make_unique<Hopper>(spec, seed);
}

}  // namespace rlbench::envs
