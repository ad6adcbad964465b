#include "rlbench/cli/commands.hpp"

#include "rlbench/cli/bench.hpp"
#include "rlbench/cli/collect.hpp"
#include "rlbench/cli/compare.hpp"
#include "rlbench/cli/datasets.hpp"
#include "rlbench/cli/envs.hpp"
#include "rlbench/cli/eval.hpp"
#include "rlbench/cli/suite.hpp"
#include "rlbench/cli/train.hpp"

namespace rlbench::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"datasets", setup_datasets}, {"envs", setup_envs},       {"train", setup_train},
      {"eval", setup_eval},         {"collect", setup_collect}, {"compare", setup_compare},
      {"suite", setup_suite},       {"bench", setup_bench},
  };
  return list;
}

}  // namespace rlbench::cli
