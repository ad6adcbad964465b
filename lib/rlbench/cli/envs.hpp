#pragma once

#include <string>

namespace CLI {
class App;
}

namespace rlbench::cli {

// `rlbench envs list` and `rlbench envs info NAME`.
struct EnvsOptions {
  std::string action;  // "list" or "info"
  std::string name;    // env id or D4RL dataset name (info)
  bool json = false;   // print JSON instead of text
};

// Adds the `envs` subcommand.
void setup_envs(CLI::App& app);

// Prints the env list or one env's facts to stdout.
void run_envs(const EnvsOptions& options);

}  // namespace rlbench::cli
