#include "rlbench/cli/commands.hpp"

#include "rlbench/cli/bench.hpp"
#include "rlbench/cli/envs.hpp"

namespace rlbench::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"envs", setup_envs},
      {"bench", setup_bench},
  };
  return list;
}

}  // namespace rlbench::cli
