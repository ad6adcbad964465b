#include "rlbench/cli/train.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "rlbench/core/config_reader.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/train/trainer.hpp"

namespace rlbench::cli {

namespace {

struct TrainCliOptions {
  std::string algo;
  std::string dataset;
  std::string env;
  std::optional<long long> seed;
  std::optional<std::string> seeds;  // set when given, even as ""
  std::optional<long long> steps;
  std::string device;
  std::string config_file;
  std::vector<std::string> overrides;
  std::string out;
  std::optional<long long> eval_every;
  std::optional<int> eval_episodes;
  std::string data_dir;
  bool resume = false;
  bool force = false;
  bool quiet = false;
  long long stop_after = 0;
};

std::vector<int> parse_seed_list(const std::string& text) {
  std::vector<int> seeds;
  for (const auto& part : core::split(text, ',')) {
    const std::string t = core::trim(part);
    std::size_t used = 0;
    int v = -1;
    try {
      v = std::stoi(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (t.empty() || used != t.size() || v < 0) {
      throw UsageError(error_message("--seeds", "bad seed list", "comma-separated integers >= 0",
                                     "\"" + text + "\""));
    }
    seeds.push_back(v);
  }
  return seeds;
}

void run_train(const TrainCliOptions& o) {
  // config file, then flags, then --set: later sources override earlier ones
  nlohmann::json root = nlohmann::json::object();
  std::string where = "command line";
  if (!o.config_file.empty()) {
    const auto text = core::read_file(o.config_file);
    root = nlohmann::json::parse(text, nullptr, false);
    if (root.is_discarded() || !root.is_object()) {
      throw UsageError(error_message(o.config_file, "not a JSON object", "a JSON experiment file",
                                     "unparseable text"));
    }
    where = o.config_file;
  }
  if (!o.algo.empty()) root["algo"]["name"] = o.algo;
  if (!o.dataset.empty()) root["dataset"]["name"] = o.dataset;
  if (!o.data_dir.empty()) root["dataset"]["data_dir"] = o.data_dir;
  if (!o.env.empty()) root["dataset"]["env"] = o.env;
  if (o.seed && o.seeds) throw UsageError("--seed and --seeds: expected one of them, got both");
  if (o.force && o.resume) {
    throw UsageError("--force and --resume: expected one of them, got both");
  }
  if (o.seed) {
    root.erase("seeds");
    root["seed"] = *o.seed;
  }
  if (o.seeds) {
    root.erase("seed");
    root["seeds"] = parse_seed_list(*o.seeds);
  }
  if (o.steps) root["train"]["steps"] = *o.steps;
  if (!o.device.empty()) root["train"]["device"] = o.device;
  if (o.eval_every) root["eval"]["every"] = *o.eval_every;
  if (o.eval_episodes) root["eval"]["episodes"] = *o.eval_episodes;
  if (!o.out.empty()) root["out"] = o.out;
  for (const auto& assignment : o.overrides) core::apply_override(root, assignment);

  train::TrainOptions options;
  options.config = train::parse_experiment(root, where);
  options.force = o.force;
  options.require_resume = o.resume;
  options.progress = !o.quiet;
  options.stop_after_updates = o.stop_after;
  const auto outcomes = train::run_training(options);

  // one line per run: the folder, its status and its scores
  for (const auto& r : outcomes) {
    std::cout << r.dir.string() << "  seed " << r.seed << "  " << r.status << "  steps "
              << r.steps_done;
    if (r.final_score_x100) std::cout << "  final " << core::format_number(*r.final_score_x100, 4);
    if (r.best_score_x100) std::cout << "  best " << core::format_number(*r.best_score_x100, 4);
    std::cout << "\n";
  }
}

}  // namespace

void setup_train(CLI::App& app) {
  auto opt = std::make_shared<TrainCliOptions>();
  auto* sub = app.add_subcommand("train",
                                 "Train an offline RL algorithm on a dataset (or SAC online in an "
                                 "env); one run folder per seed");
  sub->add_option("--algo", opt->algo, "Algorithm (td3_bc, prdc, a2pr, sac, ...)");
  sub->add_option("--dataset", opt->dataset, "D4RL or bundled dataset name, or an HDF5 file");
  sub->add_option(
      "--env", opt->env,
      "Env to evaluate in (default: the dataset's); online algorithms (sac) train in it");
  sub->add_option("--seed", opt->seed, "Seed of a single run (default 0)");
  sub->add_option("--seeds", opt->seeds,
                  "Seeds trained together, e.g. 0,1,2,3 (on the CPU, one ensemble per LibTorch "
                  "thread side by side; --set train.workers=N to choose)");
  sub->add_option("--steps", opt->steps,
                  "Gradient steps per seed; env steps for online algorithms (default 1000000)");
  sub->add_option("--device", opt->device, "auto, cpu, cuda or cuda:N (default auto)");
  sub->add_option("--config", opt->config_file, "Experiment JSON file")->check(CLI::ExistingFile);
  sub->add_option("--set", opt->overrides, "Override a config key: key.path=value (repeatable)");
  sub->add_option("--out", opt->out, "Parent folder of the run folders (default results)");
  sub->add_option("--eval-every", opt->eval_every,
                  "Steps between evaluations (default: the algorithm's reference cadence)");
  sub->add_option("--eval-episodes", opt->eval_episodes, "Episodes per evaluation");
  sub->add_option("--data-dir", opt->data_dir, "Folder searched first for dataset files");
  sub->add_flag("--resume", opt->resume,
                "Require every run to resume from its checkpoint (unfinished runs resume anyway)");
  sub->add_flag("--force", opt->force, "Rerun completed runs from scratch");
  sub->add_flag("--quiet", opt->quiet, "No progress output on stderr");
  sub->add_option("--stop-after", opt->stop_after,
                  "Stop after N updates as if killed (testing resume)")
      ->group("");
  sub->callback([opt] { run_train(*opt); });
}

}  // namespace rlbench::cli
