#pragma once

#include <string>

namespace CLI {
class App;
}

namespace rlbench::cli {

// `rlbench datasets list`: known names, env, local presence, size and checksum status.
struct DatasetsListOptions {
  std::string data_dir;  // --data-dir, searched first
  bool json = false;     // one JSON array instead of the table
};

// `rlbench datasets info NAME|PATH`: rows, transitions, episodes, flags, dims, action range,
// returns and normalised scores, keys.
struct DatasetsInfoOptions {
  std::string dataset;   // registered name or file path
  std::string data_dir;  // --data-dir
  std::string env;       // --env: env id for dims and scores when the file is not registered
  bool json = false;     // one JSON object
};

// `rlbench datasets verify NAME|PATH`: SHA-256 against the manifest, then structure.
struct DatasetsVerifyOptions {
  std::string dataset;
  std::string data_dir;
  std::string env;
};

// `rlbench datasets compact NAME|PATH --out FILE`: rewrites a dataset without the keys the
// qlearning view never reads (data::k_compact_dropped_keys), byte-shuffled and gzip 9.
struct DatasetsCompactOptions {
  std::string dataset;
  std::string data_dir;
  std::string out;  // --out, required; may equal the input file
};

void run_datasets_list(const DatasetsListOptions& options);
void run_datasets_info(const DatasetsInfoOptions& options);
void run_datasets_verify(const DatasetsVerifyOptions& options);
void run_datasets_compact(const DatasetsCompactOptions& options);

// Adds `datasets` with its list/info/verify subcommands to `app` and returns the `datasets`
// subcommand, so further subcommands (fetch) can be attached to it.
CLI::App* add_datasets_command(CLI::App& app);

// Binds the shared --data-dir option of a datasets subcommand.
void add_data_dir_option(CLI::App& sub, std::string& data_dir);

// The Command entry for commands.cpp.
void setup_datasets(CLI::App& app);

}  // namespace rlbench::cli
