#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rlbench/io/result.hpp"

namespace rlbench::io {

// Which per-run number `compare` aggregates.
struct CompareMetric {
  enum class Kind {
    final_score,  // final_normalized_score_x100: the last evaluation
    best_score,   // best_normalized_score_x100: the best evaluation (optimistic, see docs)
    last_mean,    // the mean over the last `last` evaluations (TD3+BC's paper: the last 10)
  };
  Kind kind = Kind::final_score;
  int last = 1;  // last_mean: how many evaluations, >= 1

  static CompareMetric final_score() { return {Kind::final_score, 1}; }
  static CompareMetric best_score() { return {Kind::best_score, 1}; }
  static CompareMetric last_mean(int n);  // throws UsageError unless 1 <= n <= k_max_last
  static constexpr int k_max_last = 999999;
};

// "final", "best", "lastN" (N in [1, 999999] without leading zeros, e.g. "last10") <->
// CompareMetric; parse throws UsageError with a hint. N counts evaluations, not steps.
CompareMetric parse_compare_metric(const std::string& name);
std::string to_string(const CompareMetric& metric);

// One run's value of `metric`; empty when the run has no normalized score (no evaluations, or no
// reference scores for its dataset) or, for lastN, fewer than N evaluations.
std::optional<double> metric_value(const RunResult& result, const CompareMetric& metric);

// A result file and what it holds.
struct LoadedRun {
  std::filesystem::path path;
  RunResult result;
};

// Every result.json under `paths`: directories are searched recursively (symlinks are not
// followed), a file is taken as it is. Sorted, without duplicates, spelled as found. Throws
// UsageError
// "<path>: no such file or directory" for a path that does not exist.
std::vector<std::filesystem::path> find_result_files(const std::vector<std::string>& paths);

// The keys runs can be grouped by: algo, dataset, env, seed, device, status, config, and
// algo.params.<name> for any hyperparameter. Throws UsageError for anything else, with a hint.
void validate_group_keys(const std::vector<std::string>& keys);

// The value of a group key for one run, as text: "td3_bc", "hopper-medium-v2", "0",
// "2.5" (algo.params.alpha), "3f9a01bc" (config); "-" when a run lacks the hyperparameter.
std::string group_value(const LoadedRun& run, const std::string& key);

// The run's config hash: the last part of its folder name (train::run_name), shared by the seeds
// of one resolved config and by nothing else; "-" for a folder not named that way.
std::string config_id(const std::filesystem::path& result_file);

// One group of runs: its key values, the per-run metric values and their statistics.
struct CompareGroup {
  std::vector<std::string> key_values;  // one per group key, in key order
  std::vector<double> values;           // the metric of each run, ordered by seed then path
  std::vector<long long> seeds;         // the seeds of those runs, same order
  std::vector<std::string> configs;     // their config ids (config_id), sorted, each once: more
                                        // than one means other steps, evaluation, device or
                                        // --set values are pooled
  double mean = 0;
  std::optional<double> std;  // sample std (ddof = 1); empty when n = 1
  std::size_t n() const { return values.size(); }
};

// The comparison: groups in sorted key order plus what was left out and why.
struct CompareReport {
  std::vector<std::string> keys;
  CompareMetric metric;
  std::vector<CompareGroup> groups;
  std::size_t runs_used = 0;
  std::size_t skipped_running = 0;    // status "running"
  std::size_t skipped_failed = 0;     // status "failed"
  std::size_t skipped_no_score = 0;   // completed, but no normalised score (no evaluations, no
                                      // reference scores for the dataset, or for lastN one of
                                      // the last N evaluations without one)
  std::size_t skipped_few_evals = 0;  // lastN: completed and scored, but fewer than N evaluations
  std::size_t skipped() const {
    return skipped_running + skipped_failed + skipped_no_score + skipped_few_evals;
  }
};

// Groups completed runs by `keys` and aggregates `metric` over each group. Groups are sorted by
// their key values (numbers numerically, text lexically), so output is stable.
CompareReport compare_runs(const std::vector<LoadedRun>& runs, const std::vector<std::string>& keys,
                           const CompareMetric& metric);

// "skipped 3 runs that are not completed (2 running, 1 failed)" and the like; empty when nothing
// was skipped.
std::string skipped_summary(const CompareReport& report);

// One warning line per group that pools several configs, naming them and how to split them;
// empty when there is none.
std::string mixed_config_warnings(const CompareReport& report);

// Renderings. Markdown: one row per group, "mean ± std" with one decimal as papers print it (the
// mean alone when n = 1), n, and a note line naming the metric and the std. CSV: a header and one
// row per group at full precision, std empty when n = 1. JSON: the whole report, std null when
// n = 1.
std::string format_markdown(const CompareReport& report);
std::string format_csv(const CompareReport& report);
std::string format_json(const CompareReport& report);

}  // namespace rlbench::io
