#pragma once

#include <string>

namespace CLI {
class App;
}

namespace rlbench::cli {

// Options of `rlbench datasets fetch NAME`.
struct DatasetsFetchOptions {
  std::string name;          // D4RL task id, e.g. "hopper-medium-v2" (not a file path)
  std::string mirror;        // base URL or local directory with the D4RL layout; empty: D4RL host
  std::string data_dir;      // empty: $RLBENCH_DATA, $D4RL_DATASET_DIR, ~/.d4rl/datasets
  std::string sha256;        // pins the expected hash, overriding the manifest (size unchecked)
  bool verify_only = false;  // no network: only check the file already in the data directory
};

// Adds the `fetch` subcommand to an existing `datasets` subcommand.
void add_datasets_fetch(CLI::App& datasets);

// Downloads (or, with verify_only, checks) one dataset into the D4RL cache layout
// (<data dir>/<D4RL file name>) and prints one result line on stdout; progress goes to stderr
// only when stderr is a terminal. Throws UsageError for an unknown name, a file path or a
// malformed --sha256, and Error for network, HTTP and checksum failures.
void run_datasets_fetch(const DatasetsFetchOptions& options);

}  // namespace rlbench::cli
