#pragma once

namespace rlbench::cli {

// Entry point of the rlbench binary: parses the command line, dispatches to a subcommand and
// maps errors to exit codes (0 success, 1 runtime failure, 2 usage or config error).
int run(int argc, char** argv);

}  // namespace rlbench::cli
