#include "rlbench/cli/collect.hpp"

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/collect.hpp"

namespace rlbench::cli {

namespace {

struct CollectCliOptions {
  std::string env;
  std::string policy = "random";
  long long steps = 0;
  std::string out;
  unsigned long long seed = 0;
  bool quiet = false;
};

void run_collect(const CollectCliOptions& o) {
  const auto& spec = envs::find_env(o.env).spec();
  if (o.policy != "random") {
    throw UsageError(error_message("collect --policy", "unsupported behaviour policy", "\"random\"",
                                   "\"" + o.policy + "\""));
  }
  eval::CollectOptions options;
  options.env = spec.id;
  options.rows = o.steps;
  options.seed = o.seed;
  options.progress = !o.quiet;
  // the action stream is seeded apart from the env's reset-noise stream
  const auto policy = eval::uniform_random_policy(spec.act_dim, spec.act_low, spec.act_high,
                                                  o.seed ^ 0x5eed5eed5eed5eedULL);
  data::LoadOptions check;
  check.env = spec.id;
  const auto dataset = data::Dataset::from_content(eval::collect(options, policy), o.out, check);
  data::write_dataset(dataset, o.out);

  std::uint64_t terminals = 0, timeouts = 0;
  for (const auto t : dataset.terminals()) terminals += t;
  for (const auto t : dataset.timeouts()) timeouts += t;
  std::cout << o.out << ": " << dataset.rows() << " rows, " << terminals << " terminals, "
            << timeouts << " timeouts, " << data::transition_count(dataset)
            << " qlearning transitions (" << spec.id << ", random policy, seed " << o.seed << ")\n";
}

}  // namespace

void setup_collect(CLI::App& app) {
  auto opt = std::make_shared<CollectCliOptions>();
  auto* sub = app.add_subcommand(
      "collect", "Roll out a behaviour policy and write a D4RL-layout HDF5 dataset");
  sub->add_option("--env", opt->env, "Env id (hopper, halfcheetah, walker2d, ant)")->required();
  sub->add_option("--policy", opt->policy, "Behaviour policy: random (uniform actions)");
  sub->add_option("--steps", opt->steps, "Rows to write; the last episode is cut there")
      ->required()
      ->check(CLI::Range(1LL, 100000000LL));
  sub->add_option("--out", opt->out, "Output HDF5 file (written atomically)")->required();
  sub->add_option("--seed", opt->seed, "Seed of the env and the policy (default 0)");
  sub->add_flag("--quiet", opt->quiet, "No progress line");
  sub->callback([opt] { run_collect(*opt); });
}

}  // namespace rlbench::cli
