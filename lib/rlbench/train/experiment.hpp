#pragma once

// The experiment config of one `rlbench train` invocation: which algorithm on which dataset, the
// training and evaluation budget, and the seeds. Parsed strictly from JSON (a config file, the
// command-line flags and --set overrides, merged in that order) and validated once, before
// anything is loaded or allocated.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlbench::train {

struct ExperimentConfig {
  std::string algo;                                       // registry name, e.g. "prdc"
  nlohmann::json algo_params = nlohmann::json::object();  // overrides of the algorithm's defaults
  std::string dataset;                                    // D4RL name, bundled name or file path
  std::string view = "qlearning";                         // transitions view (data/views.hpp)
  std::string data_dir;                                   // extra folder searched first; "" = none
  std::string env;                      // env to evaluate in; "" = the dataset's registered env
  std::vector<std::uint64_t> seeds{0};  // one run per seed, trained together
  std::int64_t steps = 1000000;         // gradient steps per seed
  std::int64_t batch_size = 256;        // transitions per seed and step
  std::string device = "auto";          // auto | cpu | cuda | cuda:N
  bool normalize_states = true;         // μ/σ of the dataset states (σ + 1e-3)
  std::int64_t log_every = 1000;        // metrics.jsonl cadence, in steps
  std::int64_t eval_every = 5000;       // evaluation cadence, in steps
  int eval_episodes = 10;               // episodes per evaluation
  std::int64_t checkpoint_every = 0;    // 0 = at every evaluation
  // Threads that train seed groups side by side, each with one LibTorch thread; the seeds are
  // split into this many ensembles. 0 = auto: on the CPU one per LibTorch thread (at most one
  // per seed), on CUDA 1. An execution detail, like the seed list: not part of the run name.
  std::int64_t workers = 0;
  // On CUDA, replay each update as a captured CUDA graph when the algorithm allows it
  // (train/cuda_graph.hpp). An execution detail: not part of the run name.
  bool cuda_graphs = true;
  std::string out = "results";  // parent folder of the run folders

  // Online algorithms only (algos::is_online): the interaction loop. Emitted and accepted only
  // for them, so offline configs (and their run-folder hashes) do not change.
  bool online = false;                   // set from the algorithm; not a key
  std::int64_t warmup_steps = 5000;      // uniform random actions before the first update
  std::int64_t replay_size = 1000000;    // replay buffer capacity per seed (oldest rows drop)
  std::vector<double> snapshot_returns;  // save the policy when an eval's mean return first
                                         // reaches each of these
};

// The reference implementations' evaluation cadence and episode count for an algorithm
// (TD3+BC and A2PR: every 5000 steps x 10 episodes; PRDC: every 1000 steps x 50 episodes;
// SAC: every 5000 env steps x 10 episodes).
struct EvalProtocol {
  std::int64_t every;
  int episodes;
};
EvalProtocol reference_eval_protocol(const std::string& algo);

// Parses `root` strictly (unknown keys are errors with a hint; `where` names the source in
// messages) and validates every value. Online algorithms need dataset.env (no dataset), learn
// from raw observations (train.normalize_states false) and read the "online" section. The
// algorithm's own params are checked later by the algorithm's parser, which also runs before any
// allocation.
ExperimentConfig parse_experiment(const nlohmann::json& root, const std::string& where);

// The config as JSON, in the layout parse_experiment reads.
nlohmann::json to_json(const ExperimentConfig& config);

}  // namespace rlbench::train
