#pragma once

// The D4RL-style dataset suite from one SAC run (datasets.md §4): train SAC online, keep the
// policy of every evaluation and the run's transitions, then write
//   random         uniform actions (no metadata)
//   medium         rollouts of the first evaluated policy whose return reaches the medium target
//                  (by default one third of the expert's return)
//   medium-replay  every transition SAC collected up to the medium policy's step
//   expert         rollouts of the final policy
//   medium-expert  medium cut after its last terminal/timeout row + expert, at most 2M rows
// each in D4RL's layout with D4RL's metadata, plus suite.json describing how they were made.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rlbench/data/dataset.hpp"

namespace rlbench::train {

// The five styles, in the order they are listed and written.
const std::vector<std::string>& suite_styles();

struct SuiteOptions {
  std::string env;                      // env id
  std::uint64_t seed = 0;               // SAC seed; the rollouts derive their own seeds from it
  std::int64_t sac_steps = 1000000;     // env steps of the SAC run
  std::int64_t rows = 1000000;          // rows of random, medium and expert
  std::optional<double> medium_return;  // the medium target; unset = expert return / 3
  std::vector<std::string> styles;      // subset of suite_styles(); empty = all
  std::filesystem::path out;            // folder of the files, suite.json and the SAC run
  std::string device = "auto";
  std::int64_t eval_every = 5000;  // SAC evaluation cadence (env steps)
  int eval_episodes = 10;
  std::int64_t warmup_steps = 5000;
  nlohmann::json sac_params = nlohmann::json::object();  // overrides of SAC's defaults
  bool progress = true;
};

// Validates the options (UsageError naming the option) before anything runs.
void validate_suite(const SuiteOptions& options);

// Runs the suite; returns the suite.json document. When neither expert nor medium-expert is
// asked for and medium_return is set, the SAC run ends at the medium policy. Throws Error when no
// evaluation reaches the medium target.
nlohmann::json run_suite(const SuiteOptions& options);

// D4RL's stitch_dataset.py: `medium` cut right after its last terminal or timeout row, then all
// of `expert`, capped at `max_rows`. Row arrays and infos are stitched; metadata is dropped.
data::DatasetContent stitch_medium_expert(const data::DatasetContent& medium,
                                          const data::DatasetContent& expert,
                                          std::uint64_t max_rows = 2000000);

// The first `rows` rows of `c` (row arrays and infos; metadata kept).
data::DatasetContent head_rows(const data::DatasetContent& c, std::uint64_t rows);

}  // namespace rlbench::train
