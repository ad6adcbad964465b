#pragma once

// The offline training loop behind `rlbench train`: loads the dataset view, normalises states,
// trains the requested seeds as ensembles (one algorithm instance each, a leading ensemble
// dimension; one ensemble per worker thread, train.workers), evaluates in MuJoCo, and keeps one run
// folder per seed with config.json, result.json, metrics.jsonl and checkpoint.pt. Runs are
// idempotent (a completed run is not repeated) and resume exactly from their last checkpoint.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rlbench/train/experiment.hpp"

namespace rlbench::train {

struct TrainOptions {
  ExperimentConfig config;
  bool force = false;           // rerun completed runs from scratch
  bool require_resume = false;  // --resume: every run must have a checkpoint to resume from
  bool progress = true;         // progress on stderr (a live line on a TTY, else one per eval)
  // Stops after this many updates in this process, leaving the runs unfinished as a killed
  // process would (after its last checkpoint). 0 = no stop. For resume tests.
  std::int64_t stop_after_updates = 0;
};

// What happened to one seed's run.
struct RunOutcome {
  std::filesystem::path dir;
  std::uint64_t seed = 0;
  std::string status;  // "completed", "already completed", "stopped", "failed"
  std::int64_t steps_done = 0;
  std::optional<double> final_score_x100;
  std::optional<double> best_score_x100;
};

// The folder name of a seed's run: "<algo>-<dataset>-s<seed>-<hash8>", where hash8 is a SHA-256
// prefix of the resolved config without seeds and output folder (so two configs that differ in
// any hyperparameter never share a folder).
std::string run_name(const std::string& algo, const std::string& dataset_label, std::uint64_t seed,
                     const nlohmann::json& resolved_config);

// Trains all seeds of options.config. Throws UsageError for config errors (before anything is
// allocated) and Error for runtime failures; a run that fails mid-training is marked "failed" in
// its result.json before the error propagates.
std::vector<RunOutcome> run_training(const TrainOptions& options);

}  // namespace rlbench::train
