#include "rlbench/cli/commands.hpp"

#include "rlbench/cli/compare.hpp"

namespace rlbench::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"compare", setup_compare},
  };
  return list;
}

}  // namespace rlbench::cli
