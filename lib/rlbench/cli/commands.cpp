#include "rlbench/cli/commands.hpp"

#include "rlbench/cli/compare.hpp"
#include "rlbench/cli/datasets.hpp"

namespace rlbench::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"datasets", setup_datasets},
      {"compare", setup_compare},
  };
  return list;
}

}  // namespace rlbench::cli
