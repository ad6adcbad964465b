#include "rlbench/train/experiment.hpp"

#include "rlbench/algos/registry.hpp"
#include "rlbench/core/config_reader.hpp"
#include "rlbench/core/error.hpp"

namespace rlbench::train {

EvalProtocol reference_eval_protocol(const std::string& algo) {
  // prdc main.py: --eval_freq 1000, eval_policy(eval_episodes=50); TD3_BC and A2PR: 5000 x 10
  if (algo == "prdc") return {1000, 50};
  // sac: rlkit evaluates once per 1000-step epoch; rlbench every 5000 env steps, 10 episodes
  return {5000, 10};
}

namespace {

void require(bool ok, const core::ConfigReader& r, const std::string& key, const std::string& rule,
             const std::string& got) {
  if (!ok) throw UsageError(r.location(key) + ": expected " + rule + ", got " + got);
}

}  // namespace

ExperimentConfig parse_experiment(const nlohmann::json& root, const std::string& where) {
  ExperimentConfig c;
  core::ConfigReader top(root, where);

  auto algo = top.child("algo");
  c.algo = algo.get_string("name", "");
  require(!c.algo.empty(), top, "algo.name", "an algorithm name (--algo)", "none");
  if (algo.has("params")) {
    const auto& params = root.at("algo").at("params");
    if (!params.is_object()) {
      throw UsageError(algo.location("params") + ": expected an object, got " +
                       core::json_type_name(params));
    }
    c.algo_params = params;
  }
  algo.child("params");  // consumed; the algorithm parses it strictly
  algo.finish();
  c.online = algos::is_online(c.algo);

  auto dataset = top.child("dataset");
  c.dataset = dataset.get_string("name", "");
  if (c.online) {
    require(c.dataset.empty(), top, "dataset.name",
            "no dataset for the online algorithm " + c.algo + " (it trains in dataset.env)",
            "\"" + c.dataset + "\"");
  } else {
    require(!c.dataset.empty(), top, "dataset.name", "a dataset name or path (--dataset)", "none");
  }
  c.view = dataset.get_string("view", c.view);
  require(c.view == "qlearning" || c.view == "transitions", dataset, "view",
          "\"qlearning\" or \"transitions\"", "\"" + c.view + "\"");
  c.data_dir = dataset.get_string("data_dir", c.data_dir);
  c.env = dataset.get_string("env", c.env);
  if (c.online) {
    require(!c.env.empty(), top, "dataset.env", "the env " + c.algo + " trains in (--env)", "none");
  }
  dataset.finish();

  const bool has_seed = top.has("seed");
  const bool has_seeds = top.has("seeds");
  if (has_seed && has_seeds) {
    throw UsageError(top.location("seeds") + ": expected either seed or seeds, got both");
  }
  if (has_seeds) {
    const auto list = top.get_int_list("seeds", {});
    require(!list.empty(), top, "seeds", "a non-empty list", "[]");
    c.seeds.clear();
    for (const int s : list) {
      require(s >= 0, top, "seeds", "non-negative seeds", std::to_string(s));
      for (const auto prev : c.seeds) {
        require(prev != static_cast<std::uint64_t>(s), top, "seeds", "distinct seeds",
                "seed " + std::to_string(s) + " twice");
      }
      c.seeds.push_back(static_cast<std::uint64_t>(s));
    }
  } else {
    const long long s = top.get_int64("seed", 0);
    require(s >= 0, top, "seed", "a non-negative integer", std::to_string(s));
    c.seeds = {static_cast<std::uint64_t>(s)};
  }

  const auto protocol = reference_eval_protocol(c.algo);
  auto train = top.child("train");
  c.steps = train.get_int64("steps", c.steps);
  require(c.steps >= 1, train, "steps", "at least 1", std::to_string(c.steps));
  c.batch_size = train.get_int64("batch_size", c.batch_size);
  require(c.batch_size >= 1, train, "batch_size", "at least 1", std::to_string(c.batch_size));
  c.device = train.get_string("device", c.device);
  require(c.device == "auto" || c.device == "cpu" || c.device.rfind("cuda", 0) == 0, train,
          "device", "auto, cpu, cuda or cuda:N", "\"" + c.device + "\"");
  c.normalize_states = train.get_bool("normalize_states", !c.online && c.normalize_states);
  if (c.online) {
    require(!c.normalize_states, train, "normalize_states",
            "false (online algorithms learn from raw observations)", "true");
  }
  c.log_every = train.get_int64("log_every", c.log_every);
  require(c.log_every >= 1, train, "log_every", "at least 1", std::to_string(c.log_every));
  c.checkpoint_every = train.get_int64("checkpoint_every", c.checkpoint_every);
  require(c.checkpoint_every >= 0, train, "checkpoint_every", "0 (at every evaluation) or more",
          std::to_string(c.checkpoint_every));
  c.workers = train.get_int64("workers", c.workers);
  require(c.workers >= 0, train, "workers", "0 (auto) or more", std::to_string(c.workers));
  if (c.online) {
    require(c.workers <= 1, train, "workers",
            "0 or 1 (online algorithms train their seeds in one thread)",
            std::to_string(c.workers));
  }
  c.cuda_graphs = train.get_bool("cuda_graphs", c.cuda_graphs);
  train.finish();

  auto eval = top.child("eval");
  c.eval_every = eval.get_int64("every", protocol.every);
  require(c.eval_every >= 1, eval, "every", "at least 1", std::to_string(c.eval_every));
  c.eval_episodes = eval.get_int("episodes", protocol.episodes);
  require(c.eval_episodes >= 1, eval, "episodes", "at least 1", std::to_string(c.eval_episodes));
  eval.finish();

  if (c.online) {
    auto online = top.child("online");
    c.warmup_steps = online.get_int64("warmup_steps", c.warmup_steps);
    require(c.warmup_steps >= 0, online, "warmup_steps", "0 or more",
            std::to_string(c.warmup_steps));
    c.replay_size = online.get_int64("replay_size", c.replay_size);
    require(c.replay_size >= 1, online, "replay_size", "at least 1", std::to_string(c.replay_size));
    c.snapshot_returns = online.get_double_list("snapshot_returns", c.snapshot_returns);
    online.finish();
  } else if (top.has("online")) {
    top.child("online");
    throw UsageError(top.location("online") + ": expected no online section for the offline " +
                     "algorithm " + c.algo + ", got one");
  }

  c.out = top.get_string("out", c.out);
  require(!c.out.empty(), top, "out", "a folder", "\"\"");
  top.finish();
  return c;
}

nlohmann::json to_json(const ExperimentConfig& c) {
  nlohmann::json j;
  j["algo"] = {{"name", c.algo}, {"params", c.algo_params}};
  j["dataset"] = {{"name", c.dataset}, {"view", c.view}, {"data_dir", c.data_dir}, {"env", c.env}};
  if (c.seeds.size() == 1) {
    j["seed"] = c.seeds.front();
  } else {
    j["seeds"] = c.seeds;
  }
  j["train"] = {{"steps", c.steps},         {"batch_size", c.batch_size},
                {"device", c.device},       {"normalize_states", c.normalize_states},
                {"log_every", c.log_every}, {"checkpoint_every", c.checkpoint_every},
                {"workers", c.workers},     {"cuda_graphs", c.cuda_graphs}};
  j["eval"] = {{"every", c.eval_every}, {"episodes", c.eval_episodes}};
  if (c.online) {
    j["online"] = {{"warmup_steps", c.warmup_steps},
                   {"replay_size", c.replay_size},
                   {"snapshot_returns", c.snapshot_returns}};
  }
  j["out"] = c.out;
  return j;
}

}  // namespace rlbench::train
