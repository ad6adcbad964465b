#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlbench::data {
struct ReferenceScores;
}

namespace rlbench::io {

// Version of the result.json schema that this build writes and reads (docs/results.md).
inline constexpr int k_result_schema_version = 1;

// Where a run is: "running" while it trains, then "completed" or "failed".
enum class RunStatus { running, completed, failed };

// "running", "completed", "failed".
const char* to_string(RunStatus status);

// One evaluation: raw per-episode returns and lengths, their mean and std, and the D4RL
// normalised score on the x100 scale that papers report.
struct EvalEntry {
  long long step = 0;              // gradient steps done when the evaluation ran
  std::vector<double> returns;     // undiscounted return of each episode
  std::vector<long long> lengths;  // steps of each episode
  double mean_return = 0;
  double std_return = 0;  // population std over episodes (ddof = 0, as numpy's default)
  std::optional<double> normalized_mean_x100;  // 100 * (R - ref_min) / (ref_max - ref_min)
  std::optional<double> normalized_std_x100;   // empty when the dataset has no reference scores
};

// Builds an entry from raw episode data: mean and std of the returns, and the normalised scores
// when `ref` is given. Throws Error when returns and lengths differ in size or are empty.
EvalEntry make_eval_entry(long long step, std::vector<double> returns,
                          std::vector<long long> lengths,
                          const std::optional<data::ReferenceScores>& ref);

// The dataset a run trained on.
struct DatasetInfo {
  std::string name;           // task id or file stem, e.g. "hopper-medium-v2"
  std::string path;           // the file that was read
  std::string sha256;         // observed SHA-256 of that file (lowercase hex)
  long long transitions = 0;  // transitions in the view the algorithm trained on
};

// Time spent, in seconds, and the training speed.
struct Timings {
  double wall_s = 0;
  double train_s = 0;
  double eval_s = 0;
  double updates_per_s = 0;
};

// One run's result.json (schema in docs/results.md).
struct RunResult {
  RunStatus status = RunStatus::running;
  std::string error;  // why a failed run failed; empty otherwise
  std::string algo;   // registry name, e.g. "td3_bc"
  nlohmann::json algo_params = nlohmann::json::object();  // fully resolved hyperparameters
  DatasetInfo dataset;
  std::string env;  // env id, e.g. "hopper"
  long long seed = 0;
  std::string device;           // "cpu", "cuda", "cuda:1"
  long long steps = 0;          // gradient steps the run was configured for
  long long steps_done = 0;     // gradient steps actually done
  std::vector<EvalEntry> eval;  // in step order
  Timings timings;
  nlohmann::json versions = nlohmann::json::object();  // io::versions_json()
  std::string host;
  std::string start_time;  // UTC ISO 8601
  std::string end_time;    // empty while running
};

// The last evaluation's normalised mean (x100); empty without evaluations or reference scores.
std::optional<double> final_normalized_score_x100(const RunResult& result);

// The best evaluation's normalised mean (x100); empty without evaluations or reference scores.
std::optional<double> best_normalized_score_x100(const RunResult& result);

// The JSON document of docs/results.md, with schema_version and the derived final/best scores.
nlohmann::json to_json(const RunResult& result);

// Parses and validates a result document. Every key is checked for presence and type, unknown
// keys are rejected, and final/best must agree with the eval list. Throws Error
// "<where>: <key>: <what>" (for example "runs/a/result.json: eval[2].returns: expected a list of
// numbers, got string").
RunResult from_json(const nlohmann::json& doc, const std::string& where);

// Writes result.json atomically (temporary file + rename), creating parent directories.
void write_result(const std::filesystem::path& path, const RunResult& result);

// Reads and validates a result.json; errors name the file and the key.
RunResult read_result(const std::filesystem::path& path);

}  // namespace rlbench::io
