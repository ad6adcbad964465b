#pragma once

// Where dataset files live: name -> file resolution over the search order, and a small sidecar
// cache of verified checksums so that `datasets list` can say "verified" without hashing.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rlbench/data/registry.hpp"

namespace rlbench::data {

// The folders searched for dataset files, in order, each only when set:
//   1. `data_dir` (the --data-dir flag), 2. $RLBENCH_DATA, 3. $D4RL_DATASET_DIR,
//   4. ~/.d4rl/datasets (d4rl's own cache; needs $HOME).
std::vector<std::filesystem::path> search_dirs(
    const std::optional<std::filesystem::path>& data_dir);

// Where a download goes: the first folder of search_dirs(data_dir). Throws Error when none can be
// determined (no flag, no variables, no $HOME).
std::filesystem::path default_download_dir(const std::optional<std::filesystem::path>& data_dir);

// A resolved dataset: the file and, when the name or file name is registered, its entry.
struct LocatedDataset {
  std::filesystem::path path;
  std::optional<DatasetEntry> entry;  // registry entry (env, manifest size and hash)
  std::string label;                  // the registered name, or the path as given
};

// The folder of the datasets bundled with rlbench: $RLBENCH_BUNDLED_DIR when set, else the
// repository's datasets/ folder this binary was built from.
std::filesystem::path bundled_datasets_dir();

// Finds a registered file in the search folders (bundled datasets also in
// bundled_datasets_dir(), after them); nullopt when it is in none of them.
std::optional<std::filesystem::path> find_local_file(
    const DatasetEntry& entry, const std::optional<std::filesystem::path>& data_dir);

// Resolves a dataset name or a file path. A registered name is looked up by its D4RL file name in
// search_dirs(); anything else is taken as a path (a path whose file name is a registered D4RL
// file name gets that entry). Throws Error "<name>: dataset file not found: ..." for a registered
// name whose file is absent (naming the folders and `rlbench datasets fetch`), Error "<path>: no
// such file: ..." for a missing path, and UsageError with a did-you-mean hint for a word that is
// neither a registered name nor an existing file.
LocatedDataset locate_dataset(const std::string& name_or_path,
                              const std::optional<std::filesystem::path>& data_dir);

// ---- verified-checksum cache ----
// One JSON file per data folder, ".rlbench-checksums.json", mapping a file name to the size,
// mtime (ns) and SHA-256 observed by the last `datasets verify` (or fetch). A cached hash counts
// only while the size and mtime still match, so `datasets list` never hashes a file.

// The cached SHA-256 of `file` if the cache entry still matches its size and mtime.
std::optional<std::string> cached_sha256(const std::filesystem::path& file);

// Records `sha256` for `file` (current size and mtime) in its folder's cache. Returns false and
// leaves the data untouched when the folder is not writable; never throws for that.
bool record_sha256(const std::filesystem::path& file, const std::string& sha256);

// The checksum status shown by `datasets list`: "verified", "size ok", "size mismatch",
// "not in manifest", or "absent".
std::string checksum_status(const DatasetEntry& entry,
                            const std::optional<std::filesystem::path>& file);

}  // namespace rlbench::data
