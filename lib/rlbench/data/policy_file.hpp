#pragma once

// D4RL's stored behaviour policy (datasets.md §3.2): an rlkit TanhGaussianPolicy, kept under
// metadata/policy/ as fc0, fc1, ..., last_fc (mean head) and last_fc_log_std, each with a PyTorch
// (out, in) weight and a bias, plus the nonlinearity and output_distribution byte strings.
// Medium and expert files carry one; rlbench writes the same layout for its SAC policies, either
// inside a dataset file or alone in a policy file. No LibTorch here: the weights are plain floats.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rlbench/data/dataset.hpp"

namespace rlbench::data {

// One affine layer in PyTorch's layout: y = W x + b with W [out, in], row-major.
struct DenseLayer {
  std::int64_t out = 0;
  std::int64_t in = 0;
  std::vector<float> weight;  // out x in
  std::vector<float> bias;    // out
};

// h = relu(W_k h + b_k) over `hidden`; μ = last_fc(h); log σ = clamp(last_fc_log_std(h), −20, 2);
// action = tanh(μ + σ ε) (stochastic) or tanh(μ) (deterministic). Inputs are raw observations.
struct GaussianMlpPolicy {
  std::vector<DenseLayer> hidden;  // fc0, fc1, ... (at least one)
  DenseLayer mean;                 // last_fc
  DenseLayer log_std;              // last_fc_log_std
  std::string nonlinearity = "relu";
  std::string output_distribution = "tanh_gaussian";

  std::int64_t obs_dim() const { return hidden.empty() ? 0 : hidden.front().in; }
  std::int64_t act_dim() const { return mean.out; }
};

// The file in a run folder that holds the run's stochastic policy in this layout (online SAC
// writes it; `rlbench eval --policy DIR` and `rlbench collect --policy DIR` read it).
inline constexpr const char* k_run_policy_file = "policy.hdf5";

// rlkit's clamp of the log-std head.
inline constexpr double k_log_std_min = -20.0;
inline constexpr double k_log_std_max = 2.0;

// Throws Error "<where>: metadata/policy/<layer>: expected ..., got ..." unless the layers chain
// (fc0.in = obs dim, fc_k.in = fc_{k-1}.out, both heads read the last hidden width and have the
// same out), sizes match, values are finite, nonlinearity is "relu" and output_distribution is
// "tanh_gaussian".
void validate_policy(const GaussianMlpPolicy& policy, const std::string& where);

// Adds the policy to a dataset's metadata map under "policy/..." (keys relative to metadata/).
void put_policy(std::map<std::string, MetadataValue>& metadata, const GaussianMlpPolicy& policy);

// The policy stored in a metadata map, or nullopt when there is no "policy/" key; throws Error
// naming `where` and the key for a malformed one.
std::optional<GaussianMlpPolicy> get_policy(const std::map<std::string, MetadataValue>& metadata,
                                            const std::string& where);

// Throws Error "<where>: metadata/policy/fc0: expected input width 11 (hopper observations), got
// 17" (or the same for last_fc's output width and the env's actions) unless the policy fits an
// env with these dims. `env` only names the env in the message.
void check_policy_dims(const GaussianMlpPolicy& policy, const std::string& where,
                       const std::string& env, std::int64_t obs_dim, std::int64_t act_dim);

// A policy with the metadata scalars that D4RL stores beside it.
struct StoredPolicy {
  GaussianMlpPolicy policy;
  std::optional<std::string> algorithm;   // metadata/algorithm ("SAC"), when present
  std::optional<std::int64_t> iteration;  // metadata/iteration, when present
};

// Reads metadata/policy/*, metadata/algorithm and metadata/iteration of an HDF5 file and nothing
// else; errors as read_policy_file.
StoredPolicy read_stored_policy(const std::filesystem::path& path);

// Reads only metadata/policy/* of an HDF5 file (fast even for a 1M-row dataset). Throws Error
// "<file>: metadata/policy: ..." when the file has no policy or a malformed one.
GaussianMlpPolicy read_policy_file(const std::filesystem::path& path);

// Writes a file that holds only metadata/algorithm, metadata/iteration and metadata/policy/*, in
// the layout of a D4RL medium or expert file; atomic (temporary sibling + rename).
void write_policy_file(const std::filesystem::path& path, const GaussianMlpPolicy& policy,
                       const std::string& algorithm, std::int32_t iteration);

}  // namespace rlbench::data
