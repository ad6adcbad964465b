#include "rlbench/cli/eval.hpp"

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include "rlbench/core/strings.hpp"
#include "rlbench/eval/evaluate.hpp"
#include "rlbench/eval/torch_policy.hpp"
#include "rlbench/train/policy.hpp"

namespace rlbench::cli {

namespace {

struct EvalCliOptions {
  std::string run_dir;
  int episodes = 10;
  long long seed = -1;
  std::string device = "cpu";
  bool json = false;
};

void run_eval(const EvalCliOptions& o) {
  const torch::Device device(o.device);
  auto run = train::load_run(o.run_dir, device);
  eval::EvalOptions eo;
  eo.episodes = o.episodes;
  eo.seed = o.seed >= 0 ? static_cast<std::uint64_t>(o.seed) : run.config.seeds.front();
  eo.reference = run.reference;
  const auto policy = train::algorithm_policy(*run.algo, 0, 1, run.normalizer, device);
  const eval::IntraOpThreads one_thread(1);  // see train/trainer.cpp
  const auto report = eval::evaluate(run.env, policy, eo);
  if (o.json) {
    auto j = eval::to_json(report);
    j["run"] = o.run_dir;
    j["checkpoint_step"] = run.step;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << o.run_dir << " (checkpoint at step " << run.step << ", env " << run.env << ", seed "
            << eo.seed << ")\n";
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

}  // namespace

void setup_eval(CLI::App& app) {
  auto opt = std::make_shared<EvalCliOptions>();
  auto* sub = app.add_subcommand("eval", "Evaluate a saved policy in its MuJoCo env");
  sub->add_option("--run", opt->run_dir, "Run folder written by rlbench train")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("--episodes", opt->episodes, "Episodes (default 10)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--seed", opt->seed, "Evaluation seed (default: the run's seed)");
  sub->add_option("--device", opt->device, "cpu or cuda (default cpu)");
  sub->add_flag("--json", opt->json, "Print one JSON object");
  sub->callback([opt] { run_eval(*opt); });
}

}  // namespace rlbench::cli
