#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rlbench::data {

// D4RL reference returns for the normalised score (d4rl/infos.py):
// normalized = (R - ref_min) / (ref_max - ref_min); papers report 100 x that fraction.
struct ReferenceScores {
  double ref_min;
  double ref_max;
};

// Reference scores of a D4RL task family, keyed by the name's env part ("hopper", "walker2d",
// "antmaze", "maze2d-umaze", ...). Empty for names without published constants.
std::optional<ReferenceScores> reference_scores(const std::string& dataset_name);

// The fraction (not x100) D4RL's get_normalized_score returns.
double normalized_score(const ReferenceScores& ref, double episode_return);

// A known dataset name and where its file lives.
struct DatasetEntry {
  std::string name;       // task id, e.g. "hopper-medium-replay-v2"
  std::string env;        // rlbench env id, e.g. "hopper"; antmaze/maze2d names carry their own
  std::string file_name;  // file name in the D4RL cache, e.g. "hopper_medium_replay-v2.hdf5"
  std::string
      url_path;  // path under the D4RL host, e.g. "gym_mujoco_v2/hopper_medium_replay-v2.hdf5"
  std::uint64_t bytes;  // expected size, 0 when the manifest has none
  std::string sha256;   // expected SHA-256 (lowercase hex), empty when the manifest has none
  bool bundled;         // a small file committed under datasets/ (no download)
};

// Every known name: gym-mujoco v0/v1/v2 for hopper, halfcheetah, walker2d and ant, the antmaze
// and maze2d names, and rlbench's bundled datasets. An explicit list, in a stable order.
const std::vector<DatasetEntry>& dataset_registry();

// The entry for a task id, or nullopt.
std::optional<DatasetEntry> find_dataset(const std::string& name);

// All registered names, for "did you mean" hints.
std::vector<std::string> dataset_names();

// The D4RL host that `datasets fetch` uses when no --mirror is given.
inline constexpr const char* k_d4rl_base_url = "http://rail.eecs.berkeley.edu/datasets/offline_rl";

}  // namespace rlbench::data
