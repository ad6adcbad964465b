#include "rlbench/data/registry.hpp"

#include <algorithm>

#include "rlbench/core/strings.hpp"

namespace rlbench::data {

namespace {

struct ManifestRow {
  const char* file;
  std::uint64_t bytes;
  const char* sha256;
};

// gym_mujoco_v2 byte sizes and SHA-256 (TFDS checksums.tsv, 2021; ../shared/spec/datasets.md §8)
const ManifestRow k_v2_manifest[] = {
    {"hopper_random-v2.hdf5", 152525345,
     "63103ef7059db4c0819bd054f4e83ff339030b50bcdb46bdbe50385f234b5054"},
    {"hopper_medium-v2.hdf5", 152756557,
     "5bdf1bc4a713c82941de44633df669b36c89850b652a25985166796d25cf71a0"},
    {"hopper_expert-v2.hdf5", 152427435,
     "01aa219a5f8eea5e639eccdc636ec2bf40e317159a95cf4bf6e985f16909941b"},
    {"hopper_medium_replay-v2.hdf5", 75854457,
     "e121c5f7c9857a307baa9edc6a2c3b48e85fedb9ac316ecddd0f48ca7ef4e39b"},
    {"hopper_full_replay-v2.hdf5", 187998921,
     "56baf95963c51c1e964049a974566c50ba80f289390565523e60c0ba83e0982e"},
    {"hopper_medium_expert-v2.hdf5", 304537315,
     "9d51ad87f8c905be3880d84c6140bcdb7fbf39a19e046a237f238ba34fec9e26"},
    {"halfcheetah_random-v2.hdf5", 237338037,
     "25407aef85b5d16c0f36b4149341edb4acc6a9e88c1db529b2de19e7464874ba"},
    {"halfcheetah_medium-v2.hdf5", 237727262,
     "41324e8487a9556d8cfa4538827f8937f4d63dae3030825ebc9f3a726ed08ca0"},
    {"halfcheetah_expert-v2.hdf5", 237464597,
     "d9fe53bb994eb1e20a99b4fa3412cd76a1bb7966a7ff55e0fcbdd6081bd2965f"},
    {"halfcheetah_medium_replay-v2.hdf5", 59448533,
     "48d494a4770c11f48260736dec090b78bdca8375647ed4d24bfa5b6610c7f683"},
    {"halfcheetah_full_replay-v2.hdf5", 291381762,
     "27fdf7ea86e5a2cbd24d611ae9e703c86ec2e8e52823abc69dd9af6afb3a36c0"},
    {"halfcheetah_medium_expert-v2.hdf5", 474567252,
     "015db75dae5bbe8e94029b71fa0bafc2073365df0c94744e71031189f3f79c06"},
    {"walker2d_random-v2.hdf5", 216109364,
     "4e863bb6090cf4a461548bd470564b32f1ae5b32ef3085f816b2ede7f092e7fa"},
    {"walker2d_medium-v2.hdf5", 232254996,
     "cf00f43add04c17fdfc2958dd581dea0851b2e5bedbe6fda073758a8f841aeda"},
    {"walker2d_expert-v2.hdf5", 230567195,
     "2985dc3d436a8baa10e8f43f946fe1d7c6337a4e4fbc65def70618093b18c59a"},
    {"walker2d_medium_replay-v2.hdf5", 86323963,
     "e75de96a4f77acf7d4e0d6fdf0d7ccb177c26c44bb4388e4fd99f543ccfa18db"},
    {"walker2d_full_replay-v2.hdf5", 285115514,
     "f2720f9d27b2acef6ec9a7d9ad3b80b6c2078ad4467cee668a81e3b3c80bcf2a"},
    {"walker2d_medium_expert-v2.hdf5", 462197079,
     "6b8d7f868c45bbaedf460be797fb7271b46dee6ebe45fe7a64319f2005b59a04"},
    {"ant_random-v2.hdf5", 384466831,
     "93cc10893eed2b8e17f81d1aa51dc23d27c5ca101a3804249f6bd038c6f06055"},
    {"ant_medium-v2.hdf5", 376239825,
     "461c03b9f70f40d66b47608a92965e4ef3642bd9cdb1320d10acc92754167137"},
    {"ant_expert-v2.hdf5", 373231677,
     "fa22531ca79ea051006fa48bb652120d2e12c813919c530369a03c2688311b0f"},
    {"ant_medium_replay-v2.hdf5", 136482252,
     "844c4e5743ef51091f2106a3570b257fb149032c4743f8a5f02f40adc3b42a46"},
    {"ant_full_replay-v2.hdf5", 449390167,
     "b95b0a7f34b1d5d1bedfded0f8e9cfc508b59de83cd4cbfb65b18dbd5056f26c"},
    {"ant_medium_expert-v2.hdf5", 748335217,
     "8cfb64e62d8944b5d9dada5f0cfc13a295fafe0c6ba58b778e32ebf16c95aef1"},
};

const char* const k_gym_envs[] = {"hopper", "halfcheetah", "walker2d", "ant"};

DatasetEntry make_entry(std::string name, std::string env, std::string url_path) {
  DatasetEntry e{std::move(name), std::move(env), "", std::move(url_path), 0, "", false};
  e.file_name = e.url_path.substr(e.url_path.rfind('/') + 1);
  for (const auto& row : k_v2_manifest) {
    if (e.file_name == row.file) {
      e.bytes = row.bytes;
      e.sha256 = row.sha256;
    }
  }
  return e;
}

std::vector<DatasetEntry> build_registry() {
  std::vector<DatasetEntry> list;

  // gym-mujoco v2 and v1: task ids use hyphens, file names underscores
  const char* const v12_dsets[] = {"random",        "medium",      "expert",
                                   "medium-replay", "full-replay", "medium-expert"};
  for (const char* version : {"v2", "v1"}) {
    for (const char* env : k_gym_envs) {
      for (const char* dset : v12_dsets) {
        std::string file_dset = dset;
        std::replace(file_dset.begin(), file_dset.end(), '-', '_');
        const std::string folder = std::string("gym_mujoco_") + version;
        list.push_back(make_entry(std::string(env) + "-" + dset + "-" + version, env,
                                  folder + "/" + env + "_" + file_dset + "-" + version + ".hdf5"));
      }
    }
  }

  // gym-mujoco v0: no version suffix in file names; medium-replay was called "mixed"
  for (const char* env : k_gym_envs) {
    for (const char* dset : {"random", "medium", "expert", "medium-expert"}) {
      std::string file_dset = dset;
      std::replace(file_dset.begin(), file_dset.end(), '-', '_');
      list.push_back(make_entry(std::string(env) + "-" + dset + "-v0", env,
                                std::string("gym_mujoco/") + env + "_" + file_dset + ".hdf5"));
    }
    const std::string mixed = std::string(env) == "walker2d" ? "walker" : env;
    list.push_back(make_entry(std::string(env) + "-medium-replay-v0", env,
                              "gym_mujoco/" + mixed + "_mixed.hdf5"));
  }

  // antmaze v0 (ant_maze_new), v1 (ant_maze_v1, renamed mazes), v2 (ant_maze_v2, "_fixed")
  struct Maze {
    const char* task;
    const char* v0v2_name;
    const char* v1_name;
    const char* multistart_multigoal;
  };
  const Maze mazes[] = {
      {"umaze", "u-maze", "umaze", "False_multigoal_False"},
      {"umaze-diverse", "u-maze", "umaze", "True_multigoal_True"},
      {"medium-play", "big-maze", "medium", "True_multigoal_False"},
      {"medium-diverse", "big-maze", "medium", "True_multigoal_True"},
      {"large-play", "hardest-maze", "large", "True_multigoal_False"},
      {"large-diverse", "hardest-maze", "large", "True_multigoal_True"},
  };
  for (const auto& m : mazes) {
    const std::string tail = std::string("_noisy_multistart_") + m.multistart_multigoal + "_sparse";
    list.push_back(
        make_entry(std::string("antmaze-") + m.task + "-v2", "antmaze",
                   std::string("ant_maze_v2/Ant_maze_") + m.v0v2_name + tail + "_fixed.hdf5"));
    list.push_back(make_entry(std::string("antmaze-") + m.task + "-v1", "antmaze",
                              std::string("ant_maze_v1/Ant_maze_") + m.v1_name + tail + ".hdf5"));
    list.push_back(
        make_entry(std::string("antmaze-") + m.task + "-v0", "antmaze",
                   std::string("ant_maze_new/Ant_maze_") + m.v0v2_name + tail + ".hdf5"));
  }

  // maze2d: sparse and dense, v1 for the three mazes, v0 for the open arena
  for (const char* size : {"umaze", "medium", "large"}) {
    const std::string env = std::string("maze2d-") + size;
    list.push_back(make_entry(env + "-v1", env, "maze2d/" + env + "-sparse-v1.hdf5"));
    list.push_back(make_entry(env + "-dense-v1", env, "maze2d/" + env + "-dense-v1.hdf5"));
  }
  list.push_back(make_entry("maze2d-open-v0", "maze2d-open", "maze2d/maze2d-open-sparse.hdf5"));

  // small datasets committed under datasets/ (see datasets/README.md for how each was made)
  for (const char* name : {"hopper-random-mini", "hopper-medium-mini", "hopper-medium-replay-mini",
                           "halfcheetah-medium-mini", "halfcheetah-medium-replay-mini",
                           "walker2d-medium-mini", "walker2d-medium-replay-mini"}) {
    DatasetEntry e{name, "", std::string(name) + ".hdf5", "", 0, "", true};
    e.env = e.name.substr(0, e.name.find('-'));
    list.push_back(e);
  }
  list.push_back(
      make_entry("maze2d-open-dense-v0", "maze2d-open", "maze2d/maze2d-open-dense.hdf5"));
  return list;
}

}  // namespace

const std::vector<DatasetEntry>& dataset_registry() {
  static const std::vector<DatasetEntry> list = build_registry();
  return list;
}

std::optional<DatasetEntry> find_dataset(const std::string& name) {
  for (const auto& e : dataset_registry()) {
    if (e.name == name) return e;
  }
  return std::nullopt;
}

std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const auto& e : dataset_registry()) names.push_back(e.name);
  return names;
}

std::optional<ReferenceScores> reference_scores(const std::string& dataset_name) {
  using core::starts_with;
  // d4rl/infos.py; v1/v2 gym tasks reuse the v0 constants of the same robot
  if (starts_with(dataset_name, "hopper")) return ReferenceScores{-20.272305, 3234.3};
  if (starts_with(dataset_name, "halfcheetah")) return ReferenceScores{-280.178953, 12135.0};
  if (starts_with(dataset_name, "walker2d")) return ReferenceScores{1.629008, 4592.3};
  if (starts_with(dataset_name, "antmaze")) return ReferenceScores{0.0, 1.0};
  if (starts_with(dataset_name, "ant-random-expert")) return std::nullopt;
  if (starts_with(dataset_name, "ant")) return ReferenceScores{-325.6, 3879.7};
  const bool dense = dataset_name.find("-dense") != std::string::npos;
  if (starts_with(dataset_name, "maze2d-umaze")) {
    return dense ? ReferenceScores{68.537689, 193.66285642381482} : ReferenceScores{23.85, 161.86};
  }
  if (starts_with(dataset_name, "maze2d-medium")) {
    return dense ? ReferenceScores{44.264742, 297.4552547777125} : ReferenceScores{13.13, 277.39};
  }
  if (starts_with(dataset_name, "maze2d-large")) {
    return dense ? ReferenceScores{30.569041, 303.4857382709002} : ReferenceScores{6.7, 273.99};
  }
  if (starts_with(dataset_name, "maze2d-open")) {
    return dense ? ReferenceScores{11.17817, 27.166538620695782} : ReferenceScores{0.01, 20.66};
  }
  return std::nullopt;
}

double normalized_score(const ReferenceScores& ref, double episode_return) {
  return (episode_return - ref.ref_min) / (ref.ref_max - ref.ref_min);
}

}  // namespace rlbench::data
