#include "rlbench/cli/envs.hpp"

#include <cstdio>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/envs/registry.hpp"

namespace rlbench::cli {

namespace {

const char* integrator_name(int integrator) {
  switch (integrator) {
    case mjINT_EULER:
      return "Euler";
    case mjINT_RK4:
      return "RK4";
    default:
      return "implicit";
  }
}

nlohmann::ordered_json env_info(const envs::Env& env) {
  const auto& spec = env.spec();
  const mjModel* m = env.model();
  nlohmann::ordered_json bodies = nlohmann::ordered_json::array();
  for (int b = 0; b < m->nbody; ++b) {
    const char* name = mj_id2name(m, mjOBJ_BODY, b);
    bodies.push_back({{"name", name != nullptr ? name : ""}, {"mass", m->body_mass[b]}});
  }
  return {
      {"id", spec.id},
      {"semantics", spec.reference},
      {"obs_dim", spec.obs_dim},
      {"act_dim", spec.act_dim},
      {"action_low", spec.act_low},
      {"action_high", spec.act_high},
      {"clip_actions", spec.clip_actions},
      {"timestep", m->opt.timestep},
      {"integrator", integrator_name(m->opt.integrator)},
      {"frame_skip", spec.frame_skip},
      {"dt", env.dt()},
      {"max_episode_steps", spec.max_episode_steps},
      {"nq", m->nq},
      {"nv", m->nv},
      {"nu", m->nu},
      {"nbody", m->nbody},
      {"total_mass", mj_getTotalmass(m)},
      {"bodies", bodies},
      {"reset_qpos_noise", spec.qpos_noise},
      {"reset_qvel_noise",
       (spec.qvel_noise_kind == envs::VelocityNoise::uniform ? "uniform +-" : "normal sd ") +
           std::to_string(spec.qvel_noise)},
      {"ctrl_cost_weight", spec.ctrl_cost_weight},
      {"healthy_reward", spec.healthy_reward},
      {"xml", spec.xml_name},
      {"xml_sha256", env.xml_sha256()},
      {"mujoco", envs::mujoco_version()},
  };
}

void print_list(bool json) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : envs::env_registry()) {
    const auto& s = e.spec();
    rows.push_back({{"id", s.id},
                    {"obs_dim", s.obs_dim},
                    {"act_dim", s.act_dim},
                    {"frame_skip", s.frame_skip},
                    {"max_episode_steps", s.max_episode_steps},
                    {"semantics", s.reference}});
  }
  if (json) {
    std::cout << rows.dump(2) << "\n";
    return;
  }
  std::printf("%-12s %4s %4s %5s %7s  %s\n", "env", "obs", "act", "skip", "horizon", "semantics");
  for (const auto& r : rows) {
    std::printf("%-12s %4d %4d %5d %7d  %s\n", r["id"].get<std::string>().c_str(),
                r["obs_dim"].get<int>(), r["act_dim"].get<int>(), r["frame_skip"].get<int>(),
                r["max_episode_steps"].get<int>(), r["semantics"].get<std::string>().c_str());
  }
}

void print_info(const std::string& name, bool json) {
  const auto env = envs::make_env(envs::resolve_env(name), 0);
  const auto info = env_info(*env);
  if (json) {
    std::cout << info.dump(2) << "\n";
    return;
  }
  for (const auto& [key, value] : info.items()) {
    if (key == "bodies") continue;
    std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
              << "\n";
  }
  std::cout << "bodies:";
  for (const auto& b : info["bodies"]) {
    std::printf(" %s (%.6g)", b["name"].get<std::string>().c_str(), b["mass"].get<double>());
  }
  std::cout << "\n";
}

}  // namespace

void setup_envs(CLI::App& app) {
  auto options = std::make_shared<EnvsOptions>();
  auto* cmd = app.add_subcommand("envs", "List the MuJoCo locomotion envs or show one env");
  cmd->require_subcommand(1);
  auto* list = cmd->add_subcommand("list", "List every env with its dims and horizon");
  list->add_flag("--json", options->json, "Print JSON");
  list->callback([options] {
    options->action = "list";
    run_envs(*options);
  });
  auto* info = cmd->add_subcommand(
      "info", "Show an env's dims, bounds, timestep, frame skip, horizon, bodies and total mass");
  info->add_option("name", options->name, "Env id (hopper, ...) or D4RL dataset name")->required();
  info->add_flag("--json", options->json, "Print JSON");
  info->callback([options] {
    options->action = "info";
    run_envs(*options);
  });
}

void run_envs(const EnvsOptions& options) {
  if (options.action == "list") {
    print_list(options.json);
  } else {
    print_info(options.name, options.json);
  }
}

}  // namespace rlbench::cli
