// HalfCheetah as D4RL used it: gym's half_cheetah.py (numerically HalfCheetah-v3 with default
// arguments).
#include "rlbench/envs/tasks.hpp"

namespace rlbench::envs {

namespace {

// gym half_cheetah.xml, dynamics only. Local coordinates, angles in radians, Euler integrator
// (the default), and settotalmass 14: MuJoCo rescales the geom-derived masses and inertias so
// that they sum to 14, which changes the dynamics.
const char* const k_xml = R"(<mujoco model="cheetah">
  <compiler angle="radian" coordinate="local" inertiafromgeom="true" settotalmass="14"/>
  <size nstack="300000" nuser_geom="1"/>
  <option gravity="0 0 -9.81" timestep="0.01"/>
  <default>
    <joint armature="0.1" damping="0.01" limited="true" solimplimit="0 0.8 0.03" solreflimit="0.02 1" stiffness="8"/>
    <geom conaffinity="0" condim="3" contype="1" friction="0.4 0.1 0.1" solimp="0 0.8 0.01" solref="0.02 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 0" size="40 40 40" conaffinity="1" condim="3"/>
    <body name="torso" pos="0 0 0.7">
      <joint name="rootx" type="slide" axis="1 0 0" pos="0 0 0" armature="0" damping="0" stiffness="0" limited="false"/>
      <joint name="rootz" type="slide" axis="0 0 1" pos="0 0 0" armature="0" damping="0" stiffness="0" limited="false"/>
      <joint name="rooty" type="hinge" axis="0 1 0" pos="0 0 0" armature="0" damping="0" stiffness="0" limited="false"/>
      <geom name="torso" type="capsule" fromto="-0.5 0 0 0.5 0 0" size="0.046"/>
      <geom name="head" type="capsule" pos="0.6 0 0.1" axisangle="0 1 0 0.87" size="0.046 0.15"/>
      <body name="bthigh" pos="-0.5 0 0">
        <joint name="bthigh" type="hinge" axis="0 1 0" pos="0 0 0" range="-0.52 1.05" stiffness="240" damping="6"/>
        <geom name="bthigh" type="capsule" pos="0.1 0 -0.13" axisangle="0 1 0 -3.8" size="0.046 0.145"/>
        <body name="bshin" pos="0.16 0 -0.25">
          <joint name="bshin" type="hinge" axis="0 1 0" pos="0 0 0" range="-0.785 0.785" stiffness="180" damping="4.5"/>
          <geom name="bshin" type="capsule" pos="-0.14 0 -0.07" axisangle="0 1 0 -2.03" size="0.046 0.15"/>
          <body name="bfoot" pos="-0.28 0 -0.14">
            <joint name="bfoot" type="hinge" axis="0 1 0" pos="0 0 0" range="-0.4 0.785" stiffness="120" damping="3"/>
            <geom name="bfoot" type="capsule" pos="0.03 0 -0.097" axisangle="0 1 0 -0.27" size="0.046 0.094"/>
          </body>
        </body>
      </body>
      <body name="fthigh" pos="0.5 0 0">
        <joint name="fthigh" type="hinge" axis="0 1 0" pos="0 0 0" range="-1 0.7" stiffness="180" damping="4.5"/>
        <geom name="fthigh" type="capsule" pos="-0.07 0 -0.12" axisangle="0 1 0 0.52" size="0.046 0.133"/>
        <body name="fshin" pos="-0.14 0 -0.24">
          <joint name="fshin" type="hinge" axis="0 1 0" pos="0 0 0" range="-1.2 0.87" stiffness="120" damping="3"/>
          <geom name="fshin" type="capsule" pos="0.065 0 -0.09" axisangle="0 1 0 -0.6" size="0.046 0.106"/>
          <body name="ffoot" pos="0.13 0 -0.18">
            <joint name="ffoot" type="hinge" axis="0 1 0" pos="0 0 0" range="-0.5 0.5" stiffness="60" damping="1.5"/>
            <geom name="ffoot" type="capsule" pos="0.045 0 -0.07" axisangle="0 1 0 -0.6" size="0.046 0.07"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="bthigh" joint="bthigh" gear="120"/>
    <motor name="bshin" joint="bshin" gear="90"/>
    <motor name="bfoot" joint="bfoot" gear="60"/>
    <motor name="fthigh" joint="fthigh" gear="120"/>
    <motor name="fshin" joint="fshin" gear="60"/>
    <motor name="ffoot" joint="ffoot" gear="30"/>
  </actuator>
</mujoco>
)";

TaskSpec make_spec() {
  TaskSpec s;
  s.id = "halfcheetah";
  s.reference = "HalfCheetah-v3 (gym half_cheetah.py) with D4RL's action clipping";
  s.xml_name = "half_cheetah.xml";
  s.xml = k_xml;
  s.obs_dim = 17;  // qpos[1:9] ++ qvel (9)
  s.act_dim = 6;   // bthigh, bshin, bfoot, fthigh, fshin, ffoot
  s.act_low = -1.0;
  s.act_high = 1.0;
  s.frame_skip = 5;
  s.max_episode_steps = 1000;
  s.clip_actions = true;  // D4RL NormalizedBoxEnv
  s.qpos_noise = 0.1;     // U(-0.1, 0.1) on all qpos
  s.qvel_noise = 0.1;     // 0.1 * N(0, 1) on all qvel
  s.qvel_noise_kind = VelocityNoise::normal;
  s.ctrl_cost_weight = 0.1;
  s.healthy_reward = 0.0;
  return s;
}

class HalfCheetah final : public Env {
 public:
  HalfCheetah(const TaskSpec& spec, std::uint64_t seed) : Env(spec, seed) {}

 protected:
  // qpos[1:9] ++ qvel (no clipping)
  void write_obs(const mjData* d, double* obs) const override {
    for (int i = 1; i < 9; ++i) *obs++ = d->qpos[i];
    for (int i = 0; i < 9; ++i) *obs++ = d->qvel[i];
  }

  double forward_position(const mjData* d) const override { return d->qpos[0]; }

  // half_cheetah.py: reward = reward_ctrl + reward_run, reward_ctrl = -0.1 * sum(a^2)
  double combine_reward(const mjData*, RewardTerms& t) const override {
    return -t.ctrl_cost + t.forward;
  }

  // never terminates; only the time limit ends an episode
  bool is_terminated(const mjData*) const override { return false; }
};

}  // namespace

const TaskSpec& half_cheetah_spec() {
  static const TaskSpec spec = make_spec();  // built on first use: no static-order issues
  return spec;
}

std::unique_ptr<Env> make_half_cheetah(const TaskSpec& spec, std::uint64_t seed) {
  return std::make_unique<HalfCheetah>(spec, seed);
}

}  // namespace rlbench::envs
