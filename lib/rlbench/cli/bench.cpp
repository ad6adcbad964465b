#include "rlbench/cli/bench.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sys/resource.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "rlbench/algos/bench_algos.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/evaluate.hpp"
#include "rlbench/eval/torch_policy.hpp"

namespace rlbench::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A benchmark result: a table (columns, rows) plus free-form facts.
struct Table {
  std::vector<std::string> columns;
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json facts = nlohmann::json::object();
};

// ---- envs: env steps/s next to raw mj_step x frame_skip on the same model ----

// One recorded run of an env under uniform random actions: the state at each reset and the
// actions, so that the raw MuJoCo loop replays exactly the same simulation.
struct Recording {
  std::vector<std::vector<double>> reset_qpos, reset_qvel;
  std::vector<int> episode_lengths;
};

double time_env(envs::Env& env, const std::vector<double>& actions, int steps, Recording* rec) {
  const int na = env.act_dim();
  std::vector<double> obs(static_cast<std::size_t>(env.obs_dim()));
  env.seed(1);
  const auto start = Clock::now();
  env.reset(obs.data());
  int length = 0;
  auto record_reset = [&] {
    if (rec == nullptr) return;
    const mjModel* m = env.model();
    rec->reset_qpos.emplace_back(env.data()->qpos, env.data()->qpos + m->nq);
    rec->reset_qvel.emplace_back(env.data()->qvel, env.data()->qvel + m->nv);
  };
  record_reset();
  for (int t = 0; t < steps; ++t) {
    const auto r = env.step(actions.data() + static_cast<std::size_t>(t) * na, obs.data());
    ++length;
    if (r.terminated || r.truncated) {
      if (rec != nullptr) rec->episode_lengths.push_back(length);
      length = 0;
      env.reset(obs.data());
      record_reset();
    }
  }
  const double s = seconds_since(start);
  if (rec != nullptr) rec->episode_lengths.push_back(length);
  return s;
}

double time_raw(const envs::Env& env, const std::vector<double>& actions, const Recording& rec,
                std::vector<double>* final_qpos) {
  const mjModel* m = env.model();
  const int na = env.act_dim();
  const int skip = env.spec().frame_skip;
  const envs::DataPtr data = envs::make_data(m);
  mjData* d = data.get();
  const auto start = Clock::now();
  std::size_t t = 0;
  for (std::size_t e = 0; e < rec.episode_lengths.size(); ++e) {
    mj_resetData(m, d);
    std::copy(rec.reset_qpos[e].begin(), rec.reset_qpos[e].end(), d->qpos);
    std::copy(rec.reset_qvel[e].begin(), rec.reset_qvel[e].end(), d->qvel);
    mj_forward(m, d);
    for (int k = 0; k < rec.episode_lengths[e]; ++k, ++t) {
      for (int i = 0; i < na; ++i) d->ctrl[i] = actions[t * na + i];
      for (int s = 0; s < skip; ++s) mj_step(m, d);
    }
  }
  const double s = seconds_since(start);
  final_qpos->assign(d->qpos, d->qpos + m->nq);
  return s;
}

Table bench_envs(const BenchOptions& o) {
  Table table;
  table.columns = {"env", "env steps/s", "raw steps/s", "env/raw time", "same trajectory"};
  for (const auto& entry : envs::env_registry()) {
    auto env = entry.make(entry.spec(), 0);
    const int na = env->act_dim();
    std::mt19937_64 rng(o.seed);
    std::vector<double> actions(static_cast<std::size_t>(o.steps) * na);
    for (auto& a : actions) a = envs::sample_uniform(rng, -1.0, 1.0);

    double best_env = 1e300;
    double best_raw = 1e300;
    bool same = true;
    for (int rep = 0; rep < o.repeats; ++rep) {
      Recording rec;
      best_env = std::min(best_env, time_env(*env, actions, o.steps, &rec));
      std::vector<double> raw_qpos;
      best_raw = std::min(best_raw, time_raw(*env, actions, rec, &raw_qpos));
      const mjData* d = env->data();
      same = same && std::equal(raw_qpos.begin(), raw_qpos.end(), d->qpos);
    }
    table.rows.push_back({entry.id, o.steps / best_env, o.steps / best_raw, best_env / best_raw,
                          same ? "yes" : "no"});
  }
  table.facts["steps_per_env"] = o.steps;
  table.facts["repeats"] = o.repeats;
  table.facts["actions"] = "uniform random in [-1, 1]; reset on termination or time limit";
  table.facts["raw"] = "mj_step x frame_skip replaying the same resets and actions";
  return table;
}

// ---- eval: 10 hopper episodes x 1000 steps with a 256-256 MLP ----

Table bench_eval(const BenchOptions& o) {
  auto spec = envs::find_env("hopper").spec();
  spec.terminate_when_unhealthy = false;  // every episode runs the full 1000 steps
  torch::manual_seed(o.seed);
  torch::nn::Sequential mlp(torch::nn::Linear(spec.obs_dim, 256), torch::nn::ReLU(),
                            torch::nn::Linear(256, 256), torch::nn::ReLU(),
                            torch::nn::Linear(256, spec.act_dim), torch::nn::Tanh());
  mlp->eval();
  const eval::BatchPolicy policy =
      eval::make_torch_policy([&mlp](const torch::Tensor& obs, bool) { return mlp->forward(obs); });
  eval::EvalOptions options;
  options.episodes = o.episodes;
  options.seed = o.seed;
  options.threads = o.eval_threads;
  const auto make = [&spec](std::uint64_t seed) { return envs::make_env(spec, seed); };
  const eval::IntraOpThreads one_thread(1);         // tiny batches: see IntraOpThreads
  eval::evaluate(make, "hopper", policy, options);  // warm-up (allocator, threads)
  const auto report = eval::evaluate(make, "hopper", policy, options);
  int total_steps = 0;
  for (int n : report.lengths) total_steps += n;

  Table table;
  table.columns = {"benchmark", "episodes", "env steps", "eval threads", "torch threads", "wall s"};
  table.rows.push_back({"hopper 256-256 MLP", o.episodes, total_steps, report.threads,
                        torch::get_num_threads(), report.wall_seconds});
  table.facts["policy"] = "randomly initialised MLP obs-256-256-act, ReLU, tanh, float32";
  table.facts["env"] = "hopper with terminate_when_unhealthy = false (full-length episodes)";
  table.facts["policy_calls"] =
      "one batched call per step over all live episodes; LibTorch held at one intra-op "
      "thread during the evaluation (eval::IntraOpThreads)";
  return table;
}

// ---- algos: updates/s per algorithm, 1 and 4 seeds batched or split, and PRDC's search ----

Table bench_algos_table(const BenchOptions& o) {
  algos::BenchAlgosOptions options;
  if (!o.algos.empty()) options.algos = core::split(o.algos, ',');
  options.updates = o.updates;
  options.workers = o.workers;
  options.device = o.device;
  options.seed = o.seed;
  const auto r = algos::bench_algos(options);
  Table table;
  table.columns = {"algo", "seeds", "workers", "updates/s", "seed-updates/s", "ms/update"};
  for (const auto& run : r["runs"]) {
    table.rows.push_back({run["algo"], run["seeds"], run["workers"], run["updates_per_s"],
                          run["seed_updates_per_s"], run["ms_per_update"]});
  }
  table.facts["device"] = r["device"];
  table.facts["batch"] = r["batch"];
  table.facts["dataset_rows"] = r["dataset_rows"];
  table.facts["torch_threads"] = torch::get_num_threads();
  table.facts["search"] = r["search"];
  table.facts["sgemm_gflops"] = r["sgemm_gflops"];
  table.facts["blas"] = r["blas"];
  return table;
}

// ---- datasets: writing and loading a large D4RL-layout file ----

// A hopper-shaped D4RL v2 dataset of `rows` rows with every key a real file has (float64
// qpos/qvel, log-probs, metadata), filled from a fixed 64-bit LCG: episodes of up to 1000 steps,
// about one in five ending early on a terminal.
data::Dataset synthetic_hopper(std::uint64_t rows) {
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  const auto next = [&state] {  // uniform in [-1, 1)
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>(static_cast<double>(state >> 40) / static_cast<double>(1ULL << 23) -
                              1.0);
  };
  data::DatasetContent c;
  c.rows = rows;
  c.obs_dim = 11;
  c.action_dim = 3;
  c.observations.resize(rows * 11);
  c.next_observations.resize(rows * 11);
  c.actions.resize(rows * 3);
  c.rewards.resize(rows);
  c.terminals.assign(rows, 0);
  c.timeouts.assign(rows, 0);
  std::vector<double> qpos(rows * 6), qvel(rows * 6);
  std::vector<float> log_probs(rows);
  std::uint64_t step = 0;
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint64_t k = 0; k < 11; ++k) {
      c.observations[i * 11 + k] = next();
      c.next_observations[i * 11 + k] = next();
    }
    for (std::uint64_t k = 0; k < 3; ++k) c.actions[i * 3 + k] = 0.99F * next();
    for (std::uint64_t k = 0; k < 6; ++k) {
      qpos[i * 6 + k] = c.observations[i * 11 + k];
      qvel[i * 6 + k] = c.observations[i * 11 + 5 + k];
    }
    c.rewards[i] = 3.0F + next();
    log_probs[i] = next();
    if (++step == 1000) {
      c.timeouts[i] = 1;
      step = 0;
    } else if (next() > 0.9996F) {
      c.terminals[i] = 1;
      step = 0;
    }
  }
  c.infos["qpos"] = {{rows, 6}, std::move(qpos)};
  c.infos["qvel"] = {{rows, 6}, std::move(qvel)};
  c.infos["action_log_probs"] = {{rows}, std::move(log_probs)};
  c.metadata["algorithm"] = std::string("SAC");
  c.metadata["iteration"] = std::int32_t{1000};
  data::LoadOptions options;
  options.env = "hopper";
  return data::Dataset::from_content(std::move(c), "synthetic", options);
}

double peak_rss_mb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

Table bench_datasets(const BenchOptions& o) {
  Table table;
  table.columns = {"phase", "rows", "seconds", "peak RSS MB"};
  std::filesystem::path path = o.file;
  std::optional<core::TempFileGuard> cleanup;
  if (o.file.empty()) {
    if (o.rows < 1) {
      throw UsageError(
          error_message("bench datasets", "--rows", "at least 1", std::to_string(o.rows)));
    }
    path = std::filesystem::temp_directory_path() /
           ("rlbench-bench-" + std::to_string(::getpid()) + ".hdf5");
    cleanup.emplace(path);
    auto t0 = Clock::now();
    const auto d = synthetic_hopper(static_cast<std::uint64_t>(o.rows));
    table.rows.push_back({"generate", o.rows, seconds_since(t0), peak_rss_mb()});
    t0 = Clock::now();
    data::write_dataset(d, path);
    table.rows.push_back({"write", o.rows, seconds_since(t0), peak_rss_mb()});
  }
  data::LoadOptions load;
  load.env = "hopper";
  auto t0 = Clock::now();
  const auto d = data::load_dataset(path, load);
  const auto rows = static_cast<long long>(d.rows());
  table.rows.push_back({"load", rows, seconds_since(t0), peak_rss_mb()});
  t0 = Clock::now();
  const auto t = data::make_transitions(d);
  table.rows.push_back(
      {"qlearning view", static_cast<long long>(t.size), seconds_since(t0), peak_rss_mb()});
  table.facts["file"] =
      o.file.empty() ? "synthetic hopper-shaped D4RL v2 file (removed after)" : o.file;
  table.facts["file_mb"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  table.facts["peak_rss"] = "of the whole process so far; with --file it covers the load alone";
  return table;
}

// ---- the list of benchmarks: add a line to add one ----

struct Benchmark {
  const char* name;
  const char* description;
  Table (*run)(const BenchOptions&);
};

const std::vector<Benchmark>& benchmarks() {
  static const std::vector<Benchmark> list = {
      {"envs", "env steps/s per env (one thread, random actions) vs raw mj_step x frame_skip",
       bench_envs},
      {"eval", "wall time of evaluating a 256-256 MLP on hopper, 10 episodes x 1000 steps",
       bench_eval},
      {"algos",
       "updates/s of every algorithm (1 and 4 seeds batched, and 4 split over worker threads) on "
       "synthetic 1M-row data",
       bench_algos_table},
      {"datasets", "write and load a large D4RL-layout hopper file (or load --file)",
       bench_datasets},
  };
  return list;
}

void print_table(const Benchmark& b, const Table& t) {
  std::printf("%s: %s\n", b.name, b.description);
  std::string header;
  for (const auto& c : t.columns) header += (header.empty() ? "" : "  ") + c;
  for (const auto& c : t.columns) std::printf("%16s", c.c_str());
  std::printf("\n");
  for (const auto& row : t.rows) {
    for (const auto& v : row) {
      if (v.is_string()) {
        std::printf("%16s", v.get<std::string>().c_str());
      } else if (v.is_number_integer()) {
        std::printf("%16lld", static_cast<long long>(v.get<std::int64_t>()));
      } else {
        std::printf("%16.4g", v.get<double>());
      }
    }
    std::printf("\n");
  }
  for (const auto& [key, value] : t.facts.items()) {
    std::cout << "  " << key << ": "
              << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
}

}  // namespace

void setup_bench(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  std::vector<std::string> names;
  for (const auto& b : benchmarks()) names.emplace_back(b.name);
  auto* cmd = app.add_subcommand("bench", "Speed benchmarks: " + core::join(names, ", "));
  cmd->add_option("name", options->name, "Benchmark to run: " + core::join(names, ", "))
      ->required();
  cmd->add_option("--steps", options->steps, "envs: env steps per env and repetition")
      ->check(CLI::Range(1, 100000000));
  cmd->add_option("--repeats", options->repeats, "envs: timed repetitions (best is reported)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--episodes", options->episodes, "eval: episodes")->check(CLI::Range(1, 100000));
  cmd->add_option("--eval-threads", options->eval_threads, "eval: env-stepping threads")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", options->seed, "Seed of actions, policy weights and episodes");
  cmd->add_option("--algos", options->algos, "algos: comma-separated names (default: all)");
  cmd->add_option("--updates", options->updates, "algos: timed updates per run")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--device", options->device, "algos: cpu or cuda[:N]");
  cmd->add_option("--workers", options->workers,
                  "algos: also time each seed count split over this many threads, one ensemble "
                  "each (default: one per LibTorch thread; 1 = no split runs)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--rows", options->rows, "datasets: rows of the synthetic file (default 2M)")
      ->check(CLI::Range(1LL, 100000000LL));
  cmd->add_option("--file", options->file, "datasets: load this file instead of a synthetic one")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", options->json, "Print JSON");
  cmd->callback([options] { run_bench(*options); });
}

void run_bench(const BenchOptions& options) {
  for (const auto& b : benchmarks()) {
    if (options.name != b.name) continue;
    const Table t = b.run(options);
    if (options.json) {
      nlohmann::json j = {{"benchmark", b.name}, {"columns", t.columns}, {"rows", t.rows}};
      j["facts"] = t.facts;
      std::cout << j.dump(2) << "\n";
    } else {
      print_table(b, t);
    }
    return;
  }
  std::vector<std::string> names;
  for (const auto& b : benchmarks()) names.emplace_back(b.name);
  throw UsageError("benchmark \"" + options.name + "\": unknown" +
                   core::did_you_mean(options.name, names) +
                   "; expected one of: " + core::join(names, ", "));
}

}  // namespace rlbench::cli
