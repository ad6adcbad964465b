#include "rlbench/cli/suite.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "rlbench/core/config_reader.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/train/suite.hpp"

namespace rlbench::cli {

namespace {

struct SuiteCliOptions {
  train::SuiteOptions suite;
  std::optional<double> medium_return;
  std::string styles;
  std::vector<std::string> overrides;
  unsigned long long seed = 0;
  long long sac_steps = 1000000;
  long long rows = 1000000;
  std::string out;
  bool quiet = false;
};

void run_suite_cli(const SuiteCliOptions& o) {
  train::SuiteOptions s = o.suite;
  s.seed = o.seed;
  s.sac_steps = o.sac_steps;
  s.rows = o.rows;
  s.out = o.out;
  s.medium_return = o.medium_return;
  s.progress = !o.quiet;
  if (!o.styles.empty()) {
    for (const auto& part : core::split(o.styles, ',')) s.styles.push_back(core::trim(part));
  }
  // --set key=value overrides SAC's hyperparameters (algo.params of the run)
  for (const auto& assignment : o.overrides) core::apply_override(s.sac_params, assignment);
  const auto manifest = train::run_suite(s);

  std::cout << "suite " << manifest["env"].get<std::string>() << " seed " << o.seed << "\n";
  if (manifest.contains("medium")) {
    std::cout << "  medium policy: step " << manifest["medium"]["step"] << ", eval return "
              << core::format_number(manifest["medium"]["eval_return"].get<double>(), 6) << "\n";
  }
  if (manifest.contains("expert")) {
    std::cout << "  expert policy: step " << manifest["expert"]["step"] << ", eval return "
              << core::format_number(manifest["expert"]["eval_return"].get<double>(), 6) << "\n";
  }
  for (const auto& [style, f] : manifest["files"].items()) {
    std::cout << "  " << f["path"].get<std::string>() << ": " << f["rows"] << " rows";
    if (!f["behaviour_return"].is_null()) {
      std::cout << ", behaviour return "
                << core::format_number(f["behaviour_return"].get<double>(), 6);
    }
    if (!f["behaviour_normalized_x100"].is_null()) {
      std::cout << " (normalized "
                << core::format_number(f["behaviour_normalized_x100"].get<double>(), 4) << ")";
    }
    std::cout << "\n";
  }
  std::cout << "  " << (s.out / "suite.json").string() << "\n";
}

}  // namespace

void setup_suite(CLI::App& app) {
  auto opt = std::make_shared<SuiteCliOptions>();
  auto* sub = app.add_subcommand(
      "suite",
      "Generate D4RL-style datasets from one SAC run: random, medium, medium-replay, expert, "
      "medium-expert");
  sub->add_option("--env", opt->suite.env, "Env id (hopper, halfcheetah, walker2d, ant)")
      ->required();
  sub->add_option("--out", opt->out, "Output folder (files, suite.json and the SAC run)")
      ->required();
  sub->add_option("--seed", opt->seed, "SAC seed (default 0)");
  sub->add_option("--sac-steps", opt->sac_steps, "Env steps of the SAC run (default 1000000)")
      ->check(CLI::Range(1LL, 100000000LL));
  sub->add_option("--rows", opt->rows,
                  "Rows of the random, medium and expert files (default 1000000)")
      ->check(CLI::Range(1LL, 100000000LL));
  sub->add_option("--medium-return", opt->medium_return,
                  "Eval return the medium policy must reach (default: expert return / 3)");
  sub->add_option("--styles", opt->styles,
                  "Comma-separated subset of random,medium,medium-replay,expert,medium-expert");
  sub->add_option("--eval-every", opt->suite.eval_every, "SAC evaluation cadence (default 5000)")
      ->check(CLI::Range(1LL, 100000000LL));
  sub->add_option("--eval-episodes", opt->suite.eval_episodes, "Episodes per evaluation (10)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--warmup-steps", opt->suite.warmup_steps,
                  "Random-action steps before SAC's first update (default 5000)")
      ->check(CLI::Range(0LL, 100000000LL));
  sub->add_option("--device", opt->suite.device, "auto, cpu, cuda or cuda:N (default auto)");
  sub->add_option("--set", opt->overrides, "Override a SAC hyperparameter: key=value");
  sub->add_flag("--quiet", opt->quiet, "No progress output on stderr");
  sub->callback([opt] { run_suite_cli(*opt); });
}

}  // namespace rlbench::cli
