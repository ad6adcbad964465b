#pragma once

// checkpoint.pt of one seed's run: the algorithm's complete state for that seed (networks,
// targets, optimiser moments, generators), the sampler's generator, the step counter and the
// state normaliser, so that a killed run resumes exactly and a saved policy carries its input
// normalisation.

#include <cstdint>
#include <filesystem>
#include <memory>

#include <torch/serialize/archive.h>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/train/sampler.hpp"

namespace rlbench::train {

struct CheckpointData {
  std::int64_t step = 0;
  torch::Tensor sampler_state;
  StateNormalizer normalizer;
  std::shared_ptr<torch::serialize::InputArchive> algo;  // what Algorithm::load reads
};

// Writes member `member` of `algo` and the rest atomically (temporary file + rename).
void write_checkpoint(const std::filesystem::path& path, const algos::Algorithm& algo,
                      std::int64_t member, const torch::Tensor& sampler_state, std::int64_t step,
                      const StateNormalizer& normalizer);

// Reads a checkpoint; throws Error naming the file for a missing or unreadable one.
CheckpointData read_checkpoint(const std::filesystem::path& path);

}  // namespace rlbench::train
