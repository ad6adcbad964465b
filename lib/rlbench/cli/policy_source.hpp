#pragma once

// What `--policy` of `rlbench eval` and `rlbench collect` names: a D4RL-layout HDF5 file with
// metadata/policy/* (a medium or expert dataset, or a policy file), or a run folder, which holds
// its stochastic policy in policy.hdf5 when the algorithm has one (online SAC).

#include <filesystem>
#include <string>

namespace rlbench::cli {

struct PolicySource {
  std::filesystem::path file;     // the HDF5 file with metadata/policy; empty for a run folder
                                  // without policy.hdf5
  std::filesystem::path run_dir;  // the run folder, when --policy named one
};

// Resolves `--policy ARG`. Throws UsageError "--policy: no such file or folder: ..." when ARG
// does not exist.
PolicySource resolve_policy_source(const std::string& arg);

// What a run folder's config.json says, as far as `--policy` needs it; fields are empty when the
// folder has no (readable) config.json or it does not say.
struct RunFolderInfo {
  std::string env;   // env id: "env", "dataset.env", or the env of "dataset.name"
  std::string algo;  // "algo" or "algo.name"
};

// Reads a run folder's config.json leniently (it only fills defaults; load_run checks strictly).
RunFolderInfo run_folder_info(const std::filesystem::path& dir);

}  // namespace rlbench::cli
