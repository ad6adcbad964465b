#include "rlbench/train/checkpoint.hpp"

#include <sstream>

#include <torch/torch.h>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"

namespace rlbench::train {

void write_checkpoint(const std::filesystem::path& path, const algos::Algorithm& algo,
                      std::int64_t member, const torch::Tensor& sampler_state, std::int64_t step,
                      const StateNormalizer& normalizer) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive algo_archive;
  algo.save(algo_archive, member);
  archive.write("algo", algo_archive);
  archive.write("step", torch::tensor(step, torch::kInt64));
  archive.write("sampler_generator", sampler_state);
  archive.write("obs_mean", normalizer.mean);
  archive.write("obs_std", normalizer.std);
  // Through a stream: saved to a file, the zip's entries would be named after the temp file,
  // which holds the process id, and equal checkpoints from two processes would differ in bytes.
  std::ostringstream bytes;
  archive.save_to(bytes);
  core::write_file_atomic(path, bytes.str());
}

CheckpointData read_checkpoint(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw Error(path.string() + ": no such checkpoint");
  CheckpointData c;
  c.algo = std::make_shared<torch::serialize::InputArchive>();
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    archive.read("algo", *c.algo);
    torch::Tensor step;
    archive.read("step", step);
    c.step = step.item<std::int64_t>();
    archive.read("sampler_generator", c.sampler_state);
    archive.read("obs_mean", c.normalizer.mean);
    archive.read("obs_std", c.normalizer.std);
  } catch (const c10::Error& e) {
    throw Error(path.string() + ": unreadable checkpoint: " + e.what_without_backtrace());
  }
  return c;
}

}  // namespace rlbench::train
