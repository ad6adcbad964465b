#pragma once

#include <vector>

namespace CLI {
class App;
}

namespace rlbench::cli {

// One subcommand: `setup` adds it to the app, binds its options to an options struct and
// installs a callback that runs it (the CLI11 subcommand-in-files pattern).
struct Command {
  const char* name;
  void (*setup)(CLI::App& app);
};

// Every subcommand, in the order `rlbench --help` lists them. An explicit list: adding a
// subcommand is one line in commands.cpp.
const std::vector<Command>& commands();

}  // namespace rlbench::cli
