#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace rlbench::cli {

// Options of `rlbench compare PATH... [--by KEYS] [--metric final|best] [--format md|csv|json]`.
struct CompareOptions {
  std::vector<std::string> paths;                     // result.json files or directories to search
  std::vector<std::string> by = {"algo", "dataset"};  // group keys (io::validate_group_keys)
  std::string metric = "final";                       // final or best normalised score
  std::string format = "md";                          // md, csv or json
};

// Adds the `compare` subcommand.
void setup_compare(CLI::App& app);

// Finds the result.json files under the paths, groups completed runs and prints mean ± std over
// runs with n on stdout; the number of skipped runs goes to stderr. Throws UsageError for a path
// that does not exist or a bad option, and Error for a malformed result.json (naming the file) or
// when no completed run is left to compare.
void run_compare(const CompareOptions& options);

}  // namespace rlbench::cli
