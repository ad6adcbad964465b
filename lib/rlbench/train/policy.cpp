#include "rlbench/train/policy.hpp"

#include <cstring>

#include <torch/torch.h>

#include "rlbench/algos/registry.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/data/locate.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/torch_policy.hpp"
#include "rlbench/io/result.hpp"
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

namespace {
// The dataset as the run's config names it. A relative path means something else from another
// folder: when it no longer resolves, the file the run recorded in result.json is used.
data::LocatedDataset locate_run_dataset(const std::string& name,
                                        const std::optional<std::filesystem::path>& data_dir,
                                        const std::filesystem::path& result_file) {
  try {
    return data::locate_dataset(name, data_dir);
  } catch (const Error&) {
    if (!std::filesystem::path(name).is_relative() || !std::filesystem::exists(result_file)) {
      throw;
    }
    const auto recorded = io::read_result(result_file).dataset.path;
    if (recorded.empty() || !std::filesystem::exists(recorded)) throw;
    auto located = data::locate_dataset(recorded, std::nullopt);
    located.label = name;  // as at training time, which picked the reference scores by it
    return located;
  }
}
}  // namespace

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
  std::optional<data::LocatedDataset> located;
  if (run.config.online) {
    run.env = run.config.env;
    run.reference = run.env;
    ctx.dataset_name = run.env;
  } else {
    const std::optional<std::filesystem::path> data_dir =
        run.config.data_dir.empty() ? std::nullopt
                                    : std::optional<std::filesystem::path>(run.config.data_dir);
    located = locate_run_dataset(run.config.dataset, data_dir, dir / "result.json");
    run.env = run.config.env.empty() ? envs::env_for_dataset(located->label) : run.config.env;
    run.reference = data::reference_scores(located->label) ? located->label : run.env;
    ctx.dataset_name = hyperparameter_key(*located, run.env);
  }
  const auto& spec = envs::find_env(run.env).spec();
  ctx.obs_dim = spec.obs_dim;
  ctx.act_dim = spec.act_dim;
  ctx.max_action = spec.act_high;
  ctx.seeds = run.config.seeds;
  ctx.device = device;
  if (located && algos::needs_dataset(run.config.algo)) {
    data::LoadOptions load;
    load.env = run.env;
    load.read_infos = false;
    const auto dataset = data::load_dataset(located->path, load);
    data::ViewOptions view;
    view.view = data::parse_view(run.config.view);
    const auto t = data::make_transitions(dataset, view);
    const auto n = static_cast<std::int64_t>(t.size);
    ctx.dataset_observations =
        run.normalizer.apply(rows_tensor(t.observations, n, ctx.obs_dim)).to(device);
    ctx.dataset_actions = rows_tensor(t.actions, n, ctx.act_dim).to(device);
  }
  run.algo =
      algos::make_algorithm(run.config.algo, run.config.algo_params, ctx, config_file.string());
  run.algo->load(*ckpt.algo, 0);
  return run;
}

}  // namespace rlbench::train
