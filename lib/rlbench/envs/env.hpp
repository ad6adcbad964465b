#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rlbench/envs/mujoco.hpp"

namespace rlbench::envs {

// How reset perturbs the initial state (gym's reset_model): qpos gets U(-qpos_scale, qpos_scale)
// on every entry; qvel gets U(-qvel_scale, qvel_scale) or qvel_scale * N(0, 1).
enum class VelocityNoise { uniform, normal };

// Everything fixed about a task: dims, bounds, timing, the model and the reward and termination
// constants. Declared as data in each task file; the mutable simulation lives in Env.
struct TaskSpec {
  std::string id;         // rlbench env id, e.g. "hopper"
  std::string reference;  // the gym class whose semantics it follows, e.g. "Hopper-v3 (hopper.py)"
  std::string xml_name;   // file name that labels the model, e.g. "hopper.xml"
  const char* xml = nullptr;  // the MJCF document
  int obs_dim = 0;
  int act_dim = 0;
  double act_low = -1.0;  // action bounds (every actuator's ctrlrange)
  double act_high = 1.0;
  int frame_skip = 1;            // mj_step calls per env step
  int max_episode_steps = 1000;  // gym TimeLimit: truncation, not termination
  bool clip_actions = true;      // D4RL NormalizedBoxEnv clips before the control cost
  double qpos_noise = 0.0;       // reset noise scales (gym reset_noise_scale)
  double qvel_noise = 0.0;
  VelocityNoise qvel_noise_kind = VelocityNoise::uniform;
  double ctrl_cost_weight = 0.0;
  double healthy_reward = 0.0;  // 0 when the task has none (halfcheetah)
  // gym v3 terminate_when_unhealthy: false lets a fallen robot run to the time limit (used by
  // benchmarks that need full-length episodes; never for D4RL numbers)
  bool terminate_when_unhealthy = true;
};

// The reward of one env step split into its terms; reward == the task's combination of them.
struct RewardTerms {
  double forward = 0.0;       // (x_after - x_before) / dt
  double healthy = 0.0;       // alive bonus
  double ctrl_cost = 0.0;     // ctrl_cost_weight * sum(a^2), a after clipping
  double contact_cost = 0.0;  // ant only; 0 with D4RL semantics
  double x_before = 0.0;      // the x positions the forward term used
  double x_after = 0.0;
};

// The outcome of Env::step; the observation is written into the caller's buffer.
struct StepResult {
  double reward = 0.0;
  bool terminated = false;  // the task's unhealthy condition
  bool truncated = false;   // the time limit (max_episode_steps) was reached
  RewardTerms terms;
};

// Everything needed to continue an episode bit for bit: the physics (including the solver's
// warm start), the forward-position memory (Ant's stale xpos), the step counter and the RNG.
struct EnvState {
  double time = 0.0;
  std::vector<double> qpos, qvel, act, qacc_warmstart;
  double x_before = 0.0;
  int elapsed_steps = 0;
  bool done = false;
  std::mt19937_64 rng;
};

// A gym MuJoCo locomotion env as D4RL used it, on the MuJoCo C API. Owns its model, data and
// RNG: the same seed gives bit-identical trajectories. Not thread-safe; use one Env per thread.
// Each task (hopper.cpp, ...) derives from it and supplies the observation, the reward
// combination and the termination rule. Plain double buffers only (no LibTorch here).
class Env {
 public:
  Env(const TaskSpec& spec, std::uint64_t seed);
  virtual ~Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  const TaskSpec& spec() const { return m_spec; }
  int obs_dim() const { return m_spec.obs_dim; }
  int act_dim() const { return m_spec.act_dim; }
  // Seconds of simulated time per env step: timestep * frame_skip, in double as gym does.
  double dt() const { return m_dt; }
  int elapsed_steps() const { return m_elapsed; }

  // Reseeds the env's RNG (std::mt19937_64); the next reset draws from the new stream.
  void seed(std::uint64_t seed) { m_rng.seed(seed); }

  // Starts an episode: mj_resetData, noise on qpos then on qvel (gym's order), mj_forward.
  // Writes obs_dim values into `obs`.
  void reset(double* obs);
  std::vector<double> reset();

  // Advances one env step: clip the action to the bounds (D4RL), read x before, set ctrl, run
  // frame_skip mj_steps (no mj_forward afterwards, as gym), compute reward and termination.
  // Throws rlbench::Error "<id>: step <n>: ..." for a non-finite action, a MuJoCo error or a
  // diverging simulation, and when called after the episode ended without reset().
  StepResult step(const double* action, double* obs);
  StepResult step(const std::vector<double>& action, std::vector<double>& obs);

  // The task's termination rule applied to the current state (what step() reports as
  // `terminated` when terminate_when_unhealthy is on).
  bool is_unhealthy() const { return is_terminated(m_data.get()); }

  // Writes the current observation (no simulation).
  void observe(double* obs) const;

  // Full state round trip: set_state(get_state()) then step gives bit-identical results.
  EnvState get_state() const;
  void set_state(const EnvState& state);

  // gym's set_state(qpos, qvel): writes them (time and the step counter kept), runs mj_forward and
  // takes x_before from the fresh kinematics. For hand-set states in tests and data checks.
  void set_qpos_qvel(const std::vector<double>& qpos, const std::vector<double>& qvel);

  const mjModel* model() const { return m_model.get(); }
  const mjData* data() const { return m_data.get(); }
  // SHA-256 of the MJCF text, for provenance.
  const std::string& xml_sha256() const { return m_xml_sha256; }

 protected:
  // The observation of the current mjData.
  virtual void write_obs(const mjData* d, double* obs) const = 0;
  // The x position the forward reward differentiates (qpos[0]; ant: stale torso xpos).
  virtual double forward_position(const mjData* d) const = 0;
  // Fills reward terms other than x_before/x_after/forward/ctrl_cost and returns the reward
  // combined in the reference's floating-point order.
  virtual double combine_reward(const mjData* d, RewardTerms& terms) const = 0;
  // The task's termination rule, evaluated after the step.
  virtual bool is_terminated(const mjData* d) const = 0;

 private:
  void check_divergence();
  // mj_forward (gym's set_state) that leaves qpos exactly as written
  void forward_keeping_qpos();
  std::string where() const;

  const TaskSpec m_spec;
  ModelPtr m_model;
  DataPtr m_data;
  double m_dt;
  std::string m_xml_sha256;
  std::vector<double> m_init_qpos;
  std::vector<double> m_action;  // clipped action of the current step
  std::vector<double> m_qpos_scratch;
  std::mt19937_64 m_rng;
  double m_x_before = 0.0;
  int m_elapsed = 0;
  bool m_done = true;  // no episode until reset()
};

// Portable samplers (std::uniform_real_distribution and std::normal_distribution are
// implementation-defined, so trajectories would differ across standard libraries).
// uniform: low + (high - low) * u, u = 53 random bits / 2^53 (numpy's formula);
// normal: Marsaglia's polar method, one draw per call (the partner is discarded).
double sample_uniform(std::mt19937_64& rng, double low, double high);
double sample_normal(std::mt19937_64& rng);

// sum(x^2), accumulated left to right. numpy's np.square(a).sum() rounds the same way for fewer
// than 8 elements; for Ant's 8 its pairwise order can differ in the last ulp.
double sum_squares(const double* x, int n);

}  // namespace rlbench::envs
