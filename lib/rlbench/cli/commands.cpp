#include "rlbench/cli/commands.hpp"

#include "rlbench/cli/bench.hpp"
#include "rlbench/cli/compare.hpp"
#include "rlbench/cli/datasets.hpp"
#include "rlbench/cli/envs.hpp"

namespace rlbench::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"datasets", setup_datasets},
      {"envs", setup_envs},
      {"compare", setup_compare},
      {"bench", setup_bench},
  };
  return list;
}

}  // namespace rlbench::cli
