#include "rlbench/cli/collect.hpp"

#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "rlbench/cli/policy_source.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/collect.hpp"
#include "rlbench/eval/gaussian_policy.hpp"

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

// the policy's action stream is seeded apart from the env's reset-noise stream
constexpr std::uint64_t k_policy_seed_mix = 0x5eed5eed5eed5eedULL;

void run_collect(const CollectCliOptions& o) {
  const auto& spec = envs::find_env(o.env).spec();
  eval::CollectOptions options;
  options.env = spec.id;
  options.rows = o.steps;
  options.seed = o.seed;
  options.progress = !o.quiet;

  data::DatasetContent content;
  std::string label = "random policy";
  if (o.policy == "random") {
    // D4RL random files: uniform actions, no metadata
    content = eval::collect(options,
                            eval::uniform_random_policy(spec.act_dim, spec.act_low, spec.act_high,
                                                        o.seed ^ k_policy_seed_mix));
  } else {
    // D4RL medium/expert files: tanh-Gaussian samples, the policy stored beside the rows
    const auto source = resolve_policy_source(o.policy);
    if (source.file.empty()) {
      throw UsageError(
          error_message(o.policy, "--policy",
                        "random, a D4RL-layout file with metadata/policy, or a run folder with " +
                            std::string(data::k_run_policy_file),
                        "a run folder without " + std::string(data::k_run_policy_file) +
                            " (its algorithm has no stochastic policy)"));
    }
    const std::string file = source.file.string();
    const auto stored = data::read_stored_policy(source.file);
    data::check_policy_dims(stored.policy, file, spec.id, spec.obs_dim, spec.act_dim);
    const std::int64_t iteration = stored.iteration.value_or(0);
    if (iteration < std::numeric_limits<std::int32_t>::min() ||
        iteration > std::numeric_limits<std::int32_t>::max()) {
      throw Error(
          error_message(file, "metadata/iteration", "an int32 value", std::to_string(iteration)));
    }
    content = eval::collect(
        options, eval::gaussian_behaviour_policy(stored.policy, o.seed ^ k_policy_seed_mix));
    content.metadata["algorithm"] = stored.algorithm.value_or("SAC");
    content.metadata["iteration"] = static_cast<std::int32_t>(iteration);
    data::put_policy(content.metadata, stored.policy);
    label = "policy " + file;
  }

  data::LoadOptions check;
  check.env = spec.id;
  const auto dataset = data::Dataset::from_content(std::move(content), o.out, check);
  data::write_dataset(dataset, o.out);

  std::uint64_t terminals = 0, timeouts = 0;
  for (const auto t : dataset.terminals()) terminals += t;
  for (const auto t : dataset.timeouts()) timeouts += t;
  std::cout << o.out << ": " << dataset.rows() << " rows, " << terminals << " terminals, "
            << timeouts << " timeouts, " << data::transition_count(dataset)
            << " qlearning transitions (" << spec.id << ", " << label << ", seed " << o.seed
            << ")\n";
}

}  // namespace

void setup_collect(CLI::App& app) {
  auto opt = std::make_shared<CollectCliOptions>();
  auto* sub = app.add_subcommand(
      "collect", "Roll out a behaviour policy and write a D4RL-layout HDF5 dataset");
  sub->add_option("--env", opt->env, "Env id (hopper, halfcheetah, walker2d, ant)")->required();
  sub->add_option("--policy", opt->policy,
                  "Behaviour policy: random (uniform actions, no metadata; the default), an HDF5 "
                  "file with metadata/policy/* (a D4RL medium/expert dataset or a policy file), "
                  "or a run folder with policy.hdf5; a stored policy is sampled (tanh-Gaussian) "
                  "and written to metadata/ as in D4RL medium/expert files");
  sub->add_option("--steps", opt->steps, "Rows to write; the last episode is cut there")
      ->required()
      ->check(CLI::Range(1LL, 100000000LL));
  sub->add_option("--out", opt->out, "Output HDF5 file (written atomically)")->required();
  sub->add_option("--seed", opt->seed,
                  "Seed of the env and of the policy's separate stream (default 0)");
  sub->add_flag("--quiet", opt->quiet, "No progress line");
  sub->callback([opt] { run_collect(*opt); });
}

}  // namespace rlbench::cli
