#pragma once

// Turning a trained algorithm into something evaluation can call, and loading a finished or
// unfinished run folder back as a policy (`rlbench eval --run`).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <torch/types.h>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/data/locate.hpp"
#include "rlbench/eval/evaluate.hpp"
#include "rlbench/train/experiment.hpp"
#include "rlbench/train/sampler.hpp"

namespace rlbench::train {

// The deterministic policy of ensemble member `member` (of `members`) as a batched evaluation
// policy: raw env observations are normalised, acted on, and returned as float64 actions.
// `algo` must outlive the returned function.
eval::BatchPolicy algorithm_policy(algos::Algorithm& algo, std::int64_t member,
                                   std::int64_t members, const StateNormalizer& normalizer,
                                   const torch::Device& device);

// Evaluates member `member`'s deterministic policy in `env_id`: `episodes` episodes seeded from
// `seed`, returns normalised by `reference`'s D4RL scores. LibTorch is held at one intra-op thread
// meanwhile: its idle OpenMP workers would otherwise spin against the env threads (an evaluation
// takes about 10x longer).
eval::EvalReport evaluate_member(algos::Algorithm& algo, std::int64_t member, std::int64_t members,
                                 const StateNormalizer& normalizer, const torch::Device& device,
                                 const std::string& env_id, const std::string& reference,
                                 int episodes, std::uint64_t seed);

// A run folder loaded for evaluation.
struct LoadedRun {
  ExperimentConfig config;     // from config.json (one seed)
  std::string env;             // env id
  std::string reference;       // name of the reference scores
  std::int64_t step = 0;       // step of the checkpoint
  StateNormalizer normalizer;  // from the checkpoint
  std::unique_ptr<algos::Algorithm> algo;
};

// The name per-dataset hyperparameters are looked up by: a registered name picks its task's row;
// an unregistered file has no task, so it gets its env's defaults (never whatever its path
// happens to spell).
std::string hyperparameter_key(const data::LocatedDataset& located, const std::string& env_id);

// Reads config.json and checkpoint.pt of `dir` and rebuilds the algorithm on `device`, built only
// to act (AlgoContext::act_only): the dataset is neither read nor required. Throws Error naming
// the folder and the missing file.
LoadedRun load_run(const std::filesystem::path& dir, const torch::Device& device);

}  // namespace rlbench::train
