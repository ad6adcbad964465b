#include "rlbench/train/policy.hpp"

#include <cstring>

#include <torch/torch.h>

#include "rlbench/algos/registry.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/data/locate.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/torch_policy.hpp"
#include "rlbench/train/checkpoint.hpp"

namespace rlbench::train {

eval::BatchPolicy algorithm_policy(algos::Algorithm& algo, std::int64_t member,
                                   std::int64_t members, const StateNormalizer& normalizer,
                                   const torch::Device& device) {
  return [&algo, member, members, normalizer, device](const eval::PolicyCall& call) {
    torch::NoGradGuard no_grad;
    const auto obs =
        torch::from_blob(const_cast<double*>(call.obs), {call.batch, call.obs_dim}, torch::kFloat64)
            .to(torch::kFloat32);
    // act() takes every member's observations; the other members' rows are ignored
    auto all = torch::zeros({members, call.batch, call.obs_dim});
    all[member] = normalizer.apply(obs);
    const auto act = algo.act(all.to(device))[member].to(torch::kCPU, torch::kFloat64).contiguous();
    std::memcpy(call.actions, act.data_ptr<double>(),
                sizeof(double) * static_cast<std::size_t>(call.batch) *
                    static_cast<std::size_t>(call.act_dim));
  };
}

eval::EvalReport evaluate_member(algos::Algorithm& algo, std::int64_t member, std::int64_t members,
                                 const StateNormalizer& normalizer, const torch::Device& device,
                                 const std::string& env_id, const std::string& reference,
                                 int episodes, std::uint64_t seed) {
  const auto policy = algorithm_policy(algo, member, members, normalizer, device);
  eval::EvalOptions eo;
  eo.episodes = episodes;
  eo.seed = seed;
  eo.reference = reference;
  const eval::IntraOpThreads one_thread(1);
  return eval::evaluate(env_id, policy, eo);
}

std::string hyperparameter_key(const data::LocatedDataset& located, const std::string& env_id) {
  return located.entry ? located.entry->name : env_id;
}

LoadedRun load_run(const std::filesystem::path& dir, const torch::Device& device) {
  const auto config_file = dir / "config.json";
  if (!std::filesystem::exists(config_file)) {
    throw Error(error_message(dir.string(), "not a run folder", "config.json and checkpoint.pt",
                              "no config.json"));
  }
  const auto root = nlohmann::json::parse(core::read_file(config_file), nullptr, false);
  if (root.is_discarded()) throw Error(config_file.string() + ": not valid JSON");
  LoadedRun run;
  run.config = parse_experiment(root, config_file.string());
  auto ckpt = read_checkpoint(dir / "checkpoint.pt");
  run.step = ckpt.step;
  run.normalizer = ckpt.normalizer;

  algos::AlgoContext ctx;
  ctx.act_only = true;
  if (run.config.online) {
    run.env = run.config.env;
    run.reference = run.env;
    ctx.dataset_name = run.env;
  } else {
    // The dataset file is not needed: config.json holds the resolved env and hyperparameters, so
    // a run evaluates where its data is absent, or from another folder than a relative path's.
    const std::optional<std::filesystem::path> data_dir =
        run.config.data_dir.empty() ? std::nullopt
                                    : std::optional<std::filesystem::path>(run.config.data_dir);
    std::optional<data::LocatedDataset> located;
    try {
      located = data::locate_dataset(run.config.dataset, data_dir);
    } catch (const Error&) {
      // the label training used is the name as given, for a file as for a registered name
    }
    const std::string label = located ? located->label : run.config.dataset;
    run.env = run.config.env.empty() ? envs::env_for_dataset(label) : run.config.env;
    run.reference = data::reference_scores(label) ? label : run.env;
    ctx.dataset_name = located ? hyperparameter_key(*located, run.env) : run.env;
  }
  const auto& spec = envs::find_env(run.env).spec();
  ctx.obs_dim = spec.obs_dim;
  ctx.act_dim = spec.act_dim;
  ctx.max_action = spec.act_high;
  ctx.seeds = run.config.seeds;
  ctx.device = device;
  run.algo =
      algos::make_algorithm(run.config.algo, run.config.algo_params, ctx, config_file.string());
  run.algo->load(*ckpt.algo, 0);
  return run;
}

}  // namespace rlbench::train
