// Walker2d as D4RL used it: gym's walker2d.py (numerically Walker2d-v3 with default arguments).
#include <algorithm>

#include "rlbench/envs/tasks.hpp"

namespace rlbench::envs {

namespace {

// gym >= 0.24.1 walker2d.xml, dynamics only. Global coordinates. Both foot bodies sit at
// x = 0.2 (legacy "0.2/2 0 0.1", rejected by MuJoCo >= 2.2.1). The left foot's friction is 1.9
// and the right one's 0.9: the model is asymmetric on purpose.
const char* const k_xml = R"(<mujoco model="walker2d">
  <compiler angle="degree" coordinate="global" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="0.002"/>
  <default>
    <joint armature="0.01" damping="0.1" limited="true"/>
    <geom conaffinity="0" condim="3" contype="1" density="1000" friction="0.7 0.1 0.1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 0" size="40 40 40" conaffinity="1" condim="3"/>
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
          <body name="foot" pos="0.2 0 0">
            <joint name="foot_joint" type="hinge" axis="0 -1 0" pos="0 0 0.1" range="-45 45"/>
            <geom name="foot_geom" type="capsule" fromto="0 0 0.1 0.2 0 0.1" size="0.06" friction="0.9"/>
          </body>
        </body>
      </body>
      <body name="thigh_left" pos="0 0 1.05">
        <joint name="thigh_left_joint" type="hinge" axis="0 -1 0" pos="0 0 1.05" range="-150 0"/>
        <geom name="thigh_left_geom" type="capsule" fromto="0 0 1.05 0 0 0.6" size="0.05" friction="0.9"/>
        <body name="leg_left" pos="0 0 0.35">
          <joint name="leg_left_joint" type="hinge" axis="0 -1 0" pos="0 0 0.6" range="-150 0"/>
          <geom name="leg_left_geom" type="capsule" fromto="0 0 0.6 0 0 0.1" size="0.04" friction="0.9"/>
          <body name="foot_left" pos="0.2 0 0">
            <joint name="foot_left_joint" type="hinge" axis="0 -1 0" pos="0 0 0.1" range="-45 45"/>
            <geom name="foot_left_geom" type="capsule" fromto="0 0 0.1 0.2 0 0.1" size="0.06" friction="1.9"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="thigh_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="leg_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="foot_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="thigh_left_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="leg_left_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="foot_left_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
)";

TaskSpec make_spec() {
  TaskSpec s;
  s.id = "walker2d";
  s.reference = "Walker2d-v3 (gym walker2d.py) with D4RL's action clipping";
  s.xml_name = "walker2d.xml";
  s.xml = k_xml;
  s.obs_dim = 17;  // qpos[1:9] ++ clipped qvel (9)
  s.act_dim = 6;   // right then left thigh, leg, foot
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

class Walker2d final : public Env {
 public:
  Walker2d(const TaskSpec& spec, std::uint64_t seed) : Env(spec, seed) {}

 protected:
  // qpos[1:9] ++ clip(qvel, -10, 10)
  void write_obs(const mjData* d, double* obs) const override {
    for (int i = 1; i < 9; ++i) *obs++ = d->qpos[i];
    for (int i = 0; i < 9; ++i) *obs++ = std::clamp(d->qvel[i], -k_velocity_clip, k_velocity_clip);
  }

  double forward_position(const mjData* d) const override { return d->qpos[0]; }

  // walker2d.py: reward = v; reward += alive_bonus; reward -= ctrl
  double combine_reward(const mjData*, RewardTerms& t) const override {
    return (t.forward + t.healthy) - t.ctrl_cost;
  }

  // healthy = 0.8 < z < 2.0 and -1 < angle < 1 (strict); no finiteness or state-range check
  bool is_terminated(const mjData* d) const override {
    const double height = d->qpos[1];
    const double angle = d->qpos[2];
    return !(height > 0.8 && height < 2.0 && angle > -1.0 && angle < 1.0);
  }
};

}  // namespace

const TaskSpec& walker2d_spec() {
  static const TaskSpec spec = make_spec();  // built on first use: no static-order issues
  return spec;
}

std::unique_ptr<Env> make_walker2d(const TaskSpec& spec, std::uint64_t seed) {
  return std::make_unique<Walker2d>(spec, seed);
}

}  // namespace rlbench::envs
