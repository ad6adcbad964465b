#include "rlbench/cli/commands.hpp"

namespace rlbench::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {};
  return list;
}

}  // namespace rlbench::cli
