#include "rlbench/cli/eval.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include "rlbench/cli/policy_source.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/evaluate.hpp"
#include "rlbench/eval/gaussian_policy.hpp"
#include "rlbench/train/policy.hpp"

namespace rlbench::cli {

namespace {

// the policy's noise stream is seeded apart from the episodes' reset noise (as in collect)
constexpr std::uint64_t k_policy_seed_mix = 0x5eed5eed5eed5eedULL;

struct EvalCliOptions {
  std::string run_dir;
  std::string policy;
  std::string env;
  int episodes = 10;
  long long seed = -1;
  std::string device = "cpu";
  bool stochastic = false;
  bool json = false;
};

void print_report(const std::string& header, const eval::EvalReport& report) {
  std::cout << header << "\n";
  for (std::size_t i = 0; i < report.returns.size(); ++i) {
    std::cout << "  episode " << i << ": return " << core::format_number(report.returns[i], 7)
              << ", length " << report.lengths[i] << "\n";
  }
  std::cout << "return " << core::format_number(report.return_mean, 7) << " ± "
            << core::format_number(report.return_std, 4) << " over " << report.returns.size()
            << " episodes\n";
  if (report.normalized_mean_x100) {
    std::cout << "normalized score (x100, " << report.reference << ") "
              << core::format_number(*report.normalized_mean_x100, 4) << " ± "
              << core::format_number(*report.normalized_std_x100, 3) << "\n";
  }
}

// "11-256-256-3"
std::string architecture(const data::GaussianMlpPolicy& policy) {
  std::string text = std::to_string(policy.obs_dim());
  for (const auto& layer : policy.hidden) text += "-" + std::to_string(layer.out);
  return text + "-" + std::to_string(policy.act_dim());
}

// the deterministic actor of a run folder's checkpoint (`--run`)
void eval_run(const EvalCliOptions& o, const std::string& dir) {
  if (o.stochastic) {
    const auto info = run_folder_info(dir);
    throw UsageError(error_message(
        dir, "--stochastic",
        "a run folder with a stochastic policy (" + std::string(data::k_run_policy_file) + ")",
        info.algo.empty()
            ? "a folder without " + std::string(data::k_run_policy_file)
            : "algorithm \"" + info.algo + "\", which has only a deterministic actor"));
  }
  const torch::Device device(o.device);
  auto run = train::load_run(dir, device);
  if (!o.env.empty() && envs::find_env(o.env).spec().id != run.env) {
    throw UsageError(error_message(dir, "--env", "the run's env \"" + run.env + "\" (or no --env)",
                                   "\"" + o.env + "\""));
  }
  const std::uint64_t seed =
      o.seed >= 0 ? static_cast<std::uint64_t>(o.seed) : run.config.seeds.front();
  const auto report = train::evaluate_member(*run.algo, 0, 1, run.normalizer, device, run.env,
                                             run.reference, o.episodes, seed);
  if (o.json) {
    auto j = eval::to_json(report);
    j["run"] = dir;
    j["checkpoint_step"] = run.step;
    std::cout << j.dump(2) << "\n";
    return;
  }
  print_report(dir + " (checkpoint at step " + std::to_string(run.step) + ", env " + run.env +
                   ", seed " + std::to_string(seed) + ")",
               report);
}

// a tanh-Gaussian policy stored in the D4RL layout (`--policy FILE` or a run's policy.hdf5)
void eval_policy_file(const EvalCliOptions& o, const PolicySource& source) {
  if (o.device != "cpu") {
    throw UsageError(error_message("--device", "unsupported for --policy",
                                   "cpu (a stored policy runs on the CPU)",
                                   "\"" + o.device + "\""));
  }
  std::string env = o.env;
  if (env.empty() && !source.run_dir.empty()) env = run_folder_info(source.run_dir).env;
  if (env.empty()) {
    std::vector<std::string> ids;
    for (const auto& entry : envs::env_registry()) ids.emplace_back(entry.id);
    throw UsageError(error_message(
        "--env", "missing",
        "the env to evaluate " + source.file.string() + " in (" + core::join(ids, ", ") + ")",
        source.run_dir.empty() ? "none" : "none, and the run's config.json names none"));
  }
  const auto& spec = envs::find_env(env).spec();
  const std::string file = source.file.string();
  const auto stored = data::read_stored_policy(source.file);
  data::check_policy_dims(stored.policy, file, spec.id, spec.obs_dim, spec.act_dim);

  eval::EvalOptions eo;
  eo.episodes = o.episodes;
  eo.seed = o.seed >= 0 ? static_cast<std::uint64_t>(o.seed) : 0;
  eo.deterministic = !o.stochastic;
  eo.reference = spec.id;
  const auto policy = eval::make_gaussian_policy(stored.policy, eo.seed ^ k_policy_seed_mix);
  const auto report = eval::evaluate(spec.id, policy, eo);
  if (o.json) {
    auto j = eval::to_json(report);
    j["policy"] = file;
    j["stochastic"] = o.stochastic;
    j["architecture"] = architecture(stored.policy);
    if (stored.algorithm) j["algorithm"] = *stored.algorithm;
    if (stored.iteration) j["iteration"] = *stored.iteration;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::string header = file + " (policy " + architecture(stored.policy);
  if (stored.algorithm) header += ", " + *stored.algorithm;
  if (stored.iteration) header += " iteration " + std::to_string(*stored.iteration);
  header += ", env " + spec.id + ", seed " + std::to_string(eo.seed) + ", " +
            (o.stochastic ? "stochastic" : "deterministic") + " actions)";
  print_report(header, report);
}

void run_eval(const EvalCliOptions& o) {
  const bool has_run = !o.run_dir.empty();
  const bool has_policy = !o.policy.empty();
  if (has_run == has_policy) {
    throw UsageError(error_message("eval", "what to evaluate",
                                   "exactly one of --run DIR and --policy FILE|DIR",
                                   has_run ? "both" : "neither"));
  }
  if (has_run) {
    eval_run(o, o.run_dir);
    return;
  }
  const auto source = resolve_policy_source(o.policy);
  if (!source.file.empty()) {
    eval_policy_file(o, source);
  } else {
    // a run folder without policy.hdf5: its checkpoint's deterministic actor
    eval_run(o, source.run_dir.string());
  }
}

}  // namespace

void setup_eval(CLI::App& app) {
  auto opt = std::make_shared<EvalCliOptions>();
  auto* sub = app.add_subcommand(
      "eval", "Evaluate a saved policy (a run folder or a D4RL-layout policy) in a MuJoCo env");
  sub->add_option("--run", opt->run_dir,
                  "Run folder written by rlbench train: its checkpoint's deterministic actor")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--policy", opt->policy,
                  "HDF5 file with metadata/policy/* (a D4RL medium/expert dataset or a policy "
                  "file), or a run folder: its policy.hdf5 if present, else as --run");
  sub->add_option("--env", opt->env,
                  "Env id (hopper, halfcheetah, walker2d, ant); required with a policy file, "
                  "defaults to the run's env for a run folder");
  sub->add_option("--episodes", opt->episodes, "Episodes (default 10)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--seed", opt->seed,
                  "Evaluation seed (default: the run's seed; 0 for a policy file)");
  sub->add_flag("--stochastic", opt->stochastic,
                "Sample tanh(mu + sigma * eps) instead of tanh(mu) (--policy only)");
  sub->add_option("--device", opt->device, "cpu or cuda (default cpu; --run only)");
  sub->add_flag("--json", opt->json, "Print one JSON object");
  sub->callback([opt] { run_eval(*opt); });
}

}  // namespace rlbench::cli
