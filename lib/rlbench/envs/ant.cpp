// Ant as D4RL used it: gym's ant.py (numerically Ant-v3 with default arguments): a 111-dim
// observation whose 84 contact-force entries are zero, and a forward reward read from the stale
// torso xpos that mj_step leaves behind.
#include <algorithm>
#include <cmath>

#include "rlbench/core/error.hpp"
#include "rlbench/envs/tasks.hpp"

namespace rlbench::envs {

namespace {

// gym ant.xml, dynamics only. The <custom> init_qpos of the original file is left out: gym never
// used it (init_qpos = qpos0 = [0 0 0.75 1 0 0 0, 0 x 8]).
const char* const k_xml = R"(<mujoco model="ant">
  <compiler angle="degree" coordinate="local" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="0.01"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom conaffinity="0" condim="3" density="5.0" friction="1 0.5 0.5" margin="0.01"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 0" size="40 40 40" conaffinity="1" condim="3"/>
    <body name="torso" pos="0 0 0.75">
      <geom name="torso_geom" type="sphere" pos="0 0 0" size="0.25"/>
      <joint name="root" type="free" pos="0 0 0" armature="0" damping="0" limited="false" margin="0.01"/>
      <body name="front_left_leg" pos="0 0 0">
        <geom name="aux_1_geom" type="capsule" fromto="0 0 0 0.2 0.2 0" size="0.08"/>
        <body name="aux_1" pos="0.2 0.2 0">
          <joint name="hip_1" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="left_leg_geom" type="capsule" fromto="0 0 0 0.2 0.2 0" size="0.08"/>
          <body pos="0.2 0.2 0">
            <joint name="ankle_1" type="hinge" axis="-1 1 0" pos="0 0 0" range="30 70"/>
            <geom name="left_ankle_geom" type="capsule" fromto="0 0 0 0.4 0.4 0" size="0.08"/>
          </body>
        </body>
      </body>
      <body name="front_right_leg" pos="0 0 0">
        <geom name="aux_2_geom" type="capsule" fromto="0 0 0 -0.2 0.2 0" size="0.08"/>
        <body name="aux_2" pos="-0.2 0.2 0">
          <joint name="hip_2" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="right_leg_geom" type="capsule" fromto="0 0 0 -0.2 0.2 0" size="0.08"/>
          <body pos="-0.2 0.2 0">
            <joint name="ankle_2" type="hinge" axis="1 1 0" pos="0 0 0" range="-70 -30"/>
            <geom name="right_ankle_geom" type="capsule" fromto="0 0 0 -0.4 0.4 0" size="0.08"/>
          </body>
        </body>
      </body>
      <body name="back_leg" pos="0 0 0">
        <geom name="aux_3_geom" type="capsule" fromto="0 0 0 -0.2 -0.2 0" size="0.08"/>
        <body name="aux_3" pos="-0.2 -0.2 0">
          <joint name="hip_3" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="back_leg_geom" type="capsule" fromto="0 0 0 -0.2 -0.2 0" size="0.08"/>
          <body pos="-0.2 -0.2 0">
            <joint name="ankle_3" type="hinge" axis="-1 1 0" pos="0 0 0" range="-70 -30"/>
            <geom name="third_ankle_geom" type="capsule" fromto="0 0 0 -0.4 -0.4 0" size="0.08"/>
          </body>
        </body>
      </body>
      <body name="right_back_leg" pos="0 0 0">
        <geom name="aux_4_geom" type="capsule" fromto="0 0 0 0.2 -0.2 0" size="0.08"/>
        <body name="aux_4" pos="0.2 -0.2 0">
          <joint name="hip_4" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="rightback_leg_geom" type="capsule" fromto="0 0 0 0.2 -0.2 0" size="0.08"/>
          <body pos="0.2 -0.2 0">
            <joint name="ankle_4" type="hinge" axis="1 1 0" pos="0 0 0" range="30 70"/>
            <geom name="fourth_ankle_geom" type="capsule" fromto="0 0 0 0.4 -0.4 0" size="0.08"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="hip_4" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="ankle_4" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="hip_1" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="ankle_1" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="hip_2" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="ankle_2" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="hip_3" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="ankle_3" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
)";

TaskSpec make_spec() {
  TaskSpec s;
  s.id = "ant";
  s.reference = "Ant-v3 (gym ant.py) with D4RL's action clipping and zero contact forces";
  s.xml_name = "ant.xml";
  s.xml = k_xml;
  s.obs_dim = 111;  // qpos[2:15] ++ qvel (14) ++ 84 contact forces
  s.act_dim = 8;    // hip_4, ankle_4, hip_1, ankle_1, ...
  s.act_low = -1.0;
  s.act_high = 1.0;
  s.frame_skip = 5;
  s.max_episode_steps = 1000;
  s.clip_actions = true;  // D4RL NormalizedBoxEnv
  s.qpos_noise = 0.1;     // U(-0.1, 0.1) on all 15 qpos, quaternion included
  s.qvel_noise = 0.1;     // 0.1 * N(0, 1) on all qvel
  s.qvel_noise_kind = VelocityNoise::normal;
  s.ctrl_cost_weight = 0.5;
  s.healthy_reward = 1.0;
  return s;
}

constexpr double k_contact_cost_weight = 0.5 * 1e-3;

class Ant final : public Env {
 public:
  Ant(const TaskSpec& spec, std::uint64_t seed) : Env(spec, seed) {
    m_torso = mj_name2id(model(), mjOBJ_BODY, "torso");
    if (m_torso < 0 || model()->nbody * 6 != 84) {
      throw Error("ant.xml: expected a body \"torso\" and 14 bodies");
    }
  }

 protected:
  // qpos[2:15] ++ qvel ++ clip(cfrc_ext, -1, 1). mj_step never fills cfrc_ext (that is
  // mj_rnePostConstraint's job, which gym and rlbench do not call), so the last 84 are 0,
  // as in every D4RL ant dataset.
  void write_obs(const mjData* d, double* obs) const override {
    for (int i = 2; i < 15; ++i) *obs++ = d->qpos[i];
    for (int i = 0; i < 14; ++i) *obs++ = d->qvel[i];
    for (int i = 0; i < 84; ++i) *obs++ = std::clamp(d->cfrc_ext[i], -1.0, 1.0);
  }

  // get_body_com("torso")[0] = xpos, which after mj_step holds the kinematics of the last RK4
  // stage, not of the new qpos; gym used exactly that stale value
  double forward_position(const mjData* d) const override { return d->xpos[3 * m_torso]; }

  // ant.py: forward - ctrl - contact + survive, left to right
  double combine_reward(const mjData* d, RewardTerms& t) const override {
    double contact = 0.0;
    for (int i = 0; i < 84; ++i) {
      const double f = std::clamp(d->cfrc_ext[i], -1.0, 1.0);
      contact += f * f;
    }
    t.contact_cost = k_contact_cost_weight * contact;
    return ((t.forward - t.ctrl_cost) - t.contact_cost) + t.healthy;
  }

  // healthy = finite state_vector() and 0.2 <= z <= 1.0 (inclusive)
  bool is_terminated(const mjData* d) const override {
    for (int i = 0; i < 15; ++i) {
      if (!std::isfinite(d->qpos[i])) return true;
    }
    for (int i = 0; i < 14; ++i) {
      if (!std::isfinite(d->qvel[i])) return true;
    }
    const double z = d->qpos[2];
    return !(z >= 0.2 && z <= 1.0);
  }

 private:
  int m_torso = -1;
};

}  // namespace

const TaskSpec& ant_spec() {
  static const TaskSpec spec = make_spec();  // built on first use: no static-order issues
  return spec;
}

std::unique_ptr<Env> make_ant(const TaskSpec& spec, std::uint64_t seed) {
  return std::make_unique<Ant>(spec, seed);
}

}  // namespace rlbench::envs
