#pragma once

// The D4RL dataset in memory: struct-of-arrays with contiguous row-major float buffers, read from
// the gym-mujoco v2 HDF5 layout (datasets.md §3) with dtypes queried per key, never assumed.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rlbench::data {

// Tolerance for the action range check: |a| <= 1 + k_action_tolerance. D4RL actions are tanh
// samples or clipped noise stored as float32, so anything beyond a few float32 ulps of 1 means
// the data were not produced for a [-1, 1] action space.
inline constexpr double k_action_tolerance = 1e-5;

// A numeric array that keeps its on-disk float width: float32 arrays stay float, float64 arrays
// (infos/qpos, infos/qvel) stay double. Integer and bool arrays are held as double.
struct NumericArray {
  std::vector<std::uint64_t> shape;
  std::variant<std::vector<float>, std::vector<double>> values;

  // Number of elements (product of shape).
  std::uint64_t size() const;
  // True when the values are held (and written back) as float64.
  bool is_double() const { return values.index() == 1; }
};

// A metadata value: h5py scalars (bytes or str, int32, int64, float64) or a float array.
using MetadataValue = std::variant<std::string, std::int32_t, std::int64_t, double, NumericArray>;

// One key as it is stored on disk.
struct KeyInfo {
  std::string key;                   // "observations", "infos/qpos", "metadata/algorithm"
  std::string dtype;                 // numpy spelling: "float32", "bool", "bytes3", "str"
  std::vector<std::uint64_t> shape;  // empty for a scalar
};

// The arrays of a dataset before validation: what the loader fills and the writer consumes.
// Row arrays are row-major N x dim. Flags are 0/1 bytes.
struct DatasetContent {
  std::uint64_t rows = 0;
  std::uint64_t obs_dim = 0;
  std::uint64_t action_dim = 0;
  std::vector<float> observations;                // N x obs_dim
  std::vector<float> actions;                     // N x action_dim
  std::vector<float> rewards;                     // N
  std::vector<std::uint8_t> terminals;            // N
  std::vector<std::uint8_t> timeouts;             // N, empty when the file has no timeouts key (v0)
  std::vector<float> next_observations;           // N x obs_dim, empty when absent
  std::map<std::string, NumericArray> infos;      // key below "infos/", first axis N
  std::map<std::string, MetadataValue> metadata;  // key below "metadata/"
};

// Expected dims of an env, used to validate a dataset's columns.
struct EnvDims {
  std::uint64_t obs_dim;
  std::uint64_t action_dim;
};

// Options for loading and validating.
struct LoadOptions {
  std::string env;                 // env id for the dims check ("hopper"); empty: no dims check
  std::optional<EnvDims> dims;     // explicit dims; overrides the env table
  bool check_action_range = true;  // |a| <= 1 + k_action_tolerance
  bool read_infos = true;          // read infos/* arrays (their keys are always listed)
};

// An immutable dataset. Built by load_dataset() or Dataset::from_content(), both of which
// validate shapes, flags and finiteness; accessors never copy.
class Dataset {
 public:
  // Validates `content` (lengths, dims, 0/1 flags, finite values, action range) and wraps it.
  // `where` names the source in error messages. Throws Error on the first violation.
  static Dataset from_content(DatasetContent content, const std::string& where,
                              const LoadOptions& options = {});

  std::uint64_t rows() const { return m_c.rows; }
  std::uint64_t obs_dim() const { return m_c.obs_dim; }
  std::uint64_t action_dim() const { return m_c.action_dim; }
  const std::vector<float>& observations() const { return m_c.observations; }
  const std::vector<float>& actions() const { return m_c.actions; }
  const std::vector<float>& rewards() const { return m_c.rewards; }
  const std::vector<std::uint8_t>& terminals() const { return m_c.terminals; }
  // Empty when the file had no timeouts key.
  const std::vector<std::uint8_t>& timeouts() const { return m_c.timeouts; }
  bool has_timeouts() const { return !m_c.timeouts.empty() || m_c.rows == 0; }
  // Empty when the file had no next_observations key.
  const std::vector<float>& next_observations() const { return m_c.next_observations; }
  bool has_next_observations() const { return !m_c.next_observations.empty(); }
  const std::map<std::string, NumericArray>& infos() const { return m_c.infos; }
  const std::map<std::string, MetadataValue>& metadata() const { return m_c.metadata; }
  const DatasetContent& content() const { return m_c; }

  // Every key as stored on disk (for a dataset built in memory: as the writer would store it).
  const std::vector<KeyInfo>& keys() const { return m_keys; }
  // The file or label the dataset came from.
  const std::string& source() const { return m_source; }

 private:
  Dataset() = default;
  friend Dataset load_dataset(const std::filesystem::path& path, const LoadOptions& options);

  DatasetContent m_c;
  std::vector<KeyInfo> m_keys;
  std::string m_source;
};

// Reads a D4RL-layout HDF5 file. Required keys: observations, actions, rewards, terminals;
// optional: timeouts, next_observations, infos/*, metadata/*; other keys are listed in keys()
// but not read. Float arrays may be float32 or float64 on disk; flags h5py bool enum, int8,
// uint8 (any integer) or float holding 0/1; rewards (N,) or (N, 1).
// Throws Error "<file>: <key>: expected ..., got ..." for a missing file, a non-HDF5 file, a
// missing key, inconsistent lengths, dims that do not match the env, non-finite values or
// actions outside [-1, 1] beyond k_action_tolerance.
Dataset load_dataset(const std::filesystem::path& path, const LoadOptions& options = {});

// Obs and action dims of the D4RL locomotion envs (hopper 11/3, halfcheetah 17/6, walker2d 17/6,
// ant 111/8, antmaze 29/8, maze2d* 4/2). Nullopt for an unknown env.
std::optional<EnvDims> env_dims(const std::string& env);

// Compression of the arrays a dataset is written with. The default is D4RL's own (h5py's
// compression="gzip", level 4, no shuffle).
struct WriteOptions {
  int gzip_level = 4;
  bool shuffle = false;
};

// Writes `dataset` in the D4RL v2 layout as h5py would: gzip, chunked float32 arrays,
// flags as h5py bools (enum {FALSE, TRUE} over int8), infos kept at their float width (qpos and
// qvel float64), metadata scalars as fixed-length bytes / int32 / int64 / float64 and metadata
// arrays as float. Writes a temporary sibling and renames it into place; creates parent folders.
void write_dataset(const Dataset& dataset, const std::filesystem::path& path,
                   const WriteOptions& options = {});

// The keys compact_dataset() drops: next_observations (d4rl.qlearning_dataset rebuilds them
// from the next row) and the float64 simulator state infos/qpos, infos/qvel.
inline const std::vector<std::string> k_compact_dropped_keys = {"next_observations", "infos/qpos",
                                                                "infos/qvel"};
// Byte shuffle then gzip 9: float32 columns shrink far more than under plain gzip.
inline constexpr WriteOptions k_compact_write{9, true};

// `dataset` without k_compact_dropped_keys: everything training, evaluation and the qlearning
// view read is kept (observations, actions, rewards, flags, other infos, metadata and the
// stored policy). The transitions view then needs next_observations and refuses the result.
Dataset compact_dataset(const Dataset& dataset);

}  // namespace rlbench::data
