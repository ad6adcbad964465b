#include "rlbench/train/trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <torch/torch.h>

#include "rlbench/algos/registry.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/partition.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/locate.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/evaluate.hpp"
#include "rlbench/io/provenance.hpp"
#include "rlbench/io/result.hpp"
#include "rlbench/train/checkpoint.hpp"
#include "rlbench/train/cuda_graph.hpp"
#include "rlbench/train/online.hpp"
#include "rlbench/train/policy.hpp"
#include "rlbench/train/progress.hpp"
#include "rlbench/train/sampler.hpp"

namespace rlbench::train {

namespace fs = std::filesystem;

namespace {

// Folder-safe form of a dataset label (a path becomes its file stem).
std::string dataset_label_for_dir(const std::string& label) {
  std::string stem = fs::path(label).filename().string();
  if (core::ends_with(stem, ".hdf5")) stem = fs::path(stem).stem().string();
  for (auto& c : stem) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  }
  return stem;
}

// One seed's run folder and its state on disk.
struct SeedRun {
  std::uint64_t seed = 0;
  fs::path dir;
  nlohmann::json config;  // resolved, single seed
  io::RunResult result;
  std::int64_t start_step = 0;
  bool resume = false;
  std::optional<CheckpointData> checkpoint;
};

fs::path result_path(const SeedRun& r) { return r.dir / "result.json"; }
fs::path metrics_path(const SeedRun& r) { return r.dir / "metrics.jsonl"; }
fs::path checkpoint_path(const SeedRun& r) { return r.dir / "checkpoint.pt"; }

// Keeps only the metrics lines at or before `step` (the rest belong to updates a resume redoes).
void truncate_metrics(const fs::path& path, std::int64_t step) {
  if (!fs::exists(path)) return;
  std::ifstream in(path);
  std::string line, kept;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("step")) continue;  // a line cut by the kill
    if (j["step"].get<std::int64_t>() <= step) kept += line + "\n";
  }
  core::write_file_atomic(path, kept);
}

// Worker threads for `requested` (0 = auto) and `seeds` seeds to train.
std::size_t resolve_workers(std::int64_t requested, std::size_t seeds,
                            const torch::Device& device) {
  if (device.is_cuda()) {
    if (requested > 1) {
      throw UsageError(error_message("train.workers", "several workers on CUDA",
                                     "0 (auto) or 1: one process drives the GPU",
                                     std::to_string(requested)));
    }
    return 1;
  }
  const auto want = requested > 0 ? static_cast<std::size_t>(requested)
                                  : static_cast<std::size_t>(std::max(1, torch::get_num_threads()));
  return std::max<std::size_t>(1, std::min(want, seeds));
}

// Everything the seed groups of one run_training call share. Read-only while they train, except
// the two counters, which every group updates.
struct SharedInputs {
  const TrainOptions& options;
  const data::Transitions& transitions;
  const StateNormalizer& normalizer;
  torch::Device device;
  std::string dataset_label;
  std::string dataset_path;  // absolute
  std::string dataset_sha;
  std::string env_id;
  std::string reference;   // the normalized-score reference: the dataset's, else the env's
  std::string params_key;  // what picks the per-dataset hyperparameters
  nlohmann::json algo_params;
  bool live_progress = true;  // a live progress line; off while groups print side by side
  std::atomic<std::int64_t> updates{0};  // updates over all groups, for stop_after_updates
  std::atomic<bool> halt{false};         // set when a group fails: the others stop and keep
                                         // their last checkpoint
};

struct GroupResult {
  std::vector<RunOutcome> outcomes;
  bool stopped = false;
};

// Trains one group of seeds that start at the same step as one ensemble, from `start_step` to
// the end (or until stopped), keeping each seed's run folder up to date.
GroupResult train_group(SharedInputs& in, const std::vector<SeedRun*>& group,
                        std::int64_t start_step) {
  const ExperimentConfig& cfg = in.options.config;
  const auto& transitions = in.transitions;
  const auto& normalizer = in.normalizer;
  const torch::Device device = in.device;
  std::vector<std::uint64_t> seeds;
  for (const auto* r : group) seeds.push_back(r->seed);
  const auto e_count = static_cast<std::int64_t>(seeds.size());

  Sampler sampler(transitions, normalizer, seeds, cfg.batch_size, device);
  algos::AlgoContext ctx;
  ctx.obs_dim = static_cast<std::int64_t>(transitions.obs_dim);
  ctx.act_dim = static_cast<std::int64_t>(transitions.action_dim);
  ctx.max_action = envs::find_env(in.env_id).spec().act_high;
  ctx.seeds = seeds;
  ctx.device = device;
  ctx.dataset_name = in.params_key;
  ctx.dataset_observations = sampler.observations();
  ctx.dataset_actions = sampler.actions();
  auto algo = algos::make_algorithm(cfg.algo, in.algo_params, ctx, "config");

  // ---- prepare each run folder ----
  auto versions = io::versions_json();
  // LibTorch threads (one per worker with several) split the CPU products differently, and so
  // change their rounding: a resume is bit-exact only with the same count
  const int threads = torch::get_num_threads();
  versions["torch_threads"] = threads;
  for (std::int64_t e = 0; e < e_count; ++e) {
    SeedRun& r = *group[static_cast<std::size_t>(e)];
    fs::create_directories(r.dir);
    core::remove_stale_temp_files(r.dir);  // left by a kill mid-write
    core::write_file_atomic(r.dir / "config.json", r.config.dump(2) + "\n");
    if (r.resume) {
      algo->load(*r.checkpoint->algo, e);
      sampler.set_generator_state(e, r.checkpoint->sampler_state);
      // drop what the interrupted process did after its checkpoint; it is redone identically
      auto& evals = r.result.eval;
      while (!evals.empty() && evals.back().step > r.start_step) evals.pop_back();
      truncate_metrics(metrics_path(r), r.start_step);
      const auto before = r.result.versions.find("torch_threads");
      if (device.is_cpu() && before != r.result.versions.end() && *before != threads) {
        std::fprintf(stderr,
                     "%s: warning: resuming with %d LibTorch threads, the run began with %s; the "
                     "result will differ in rounding from an uninterrupted run\n",
                     r.dir.c_str(), threads, before->dump().c_str());
      }
      std::fprintf(stderr, "%s: resuming from step %lld\n", r.dir.c_str(),
                   static_cast<long long>(r.start_step));
      r.checkpoint.reset();
    } else {
      fs::remove(metrics_path(r));
      io::RunResult res;
      res.algo = cfg.algo;
      res.algo_params = algo->config();
      res.dataset = {in.dataset_label, in.dataset_path, in.dataset_sha,
                     static_cast<long long>(transitions.size)};
      res.env = in.env_id;
      res.seed = static_cast<long long>(r.seed);
      res.start_time = io::utc_now_iso8601();
      r.result = res;
    }
    r.result.status = io::RunStatus::running;
    r.result.device = device.str();
    r.result.steps = cfg.steps;
    r.result.steps_done = r.start_step;
    r.result.versions = versions;
    r.result.host = io::host_name();
    io::write_result(result_path(r), r.result);
  }

  std::string label = cfg.algo + " " + in.dataset_label + " seed";
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    label += (i ? "," : " ") + std::to_string(seeds[i]);
  }
  // CUDA graphs: after any checkpoint is loaded, since a capture fixes the tensors it reads
  std::unique_ptr<GraphedUpdates> graphed;
  const bool want_graphs = cfg.cuda_graphs && device.is_cuda();
  if (want_graphs && GraphedUpdates::supports(*algo)) {
    graphed = std::make_unique<GraphedUpdates>(*algo, sampler);
  }
  const char* launch = graphed ? " (CUDA graphs)" : want_graphs ? " (eager updates)" : "";
  std::fprintf(stderr, "%s: %lld transitions (%s view), device %s%s, params %s\n", label.c_str(),
               static_cast<long long>(transitions.size), cfg.view.c_str(), device.str().c_str(),
               launch, algo->config().dump().c_str());
  Progress progress(in.options.progress, label, cfg.steps, "upd/s", in.live_progress);

  // ---- evaluation of every seed's deterministic policy ----
  const auto evaluate_all = [&](std::int64_t step) {
    std::string summary;
    for (std::int64_t e = 0; e < e_count; ++e) {
      SeedRun& r = *group[static_cast<std::size_t>(e)];
      const auto report = evaluate_member(*algo, e, e_count, normalizer, device, in.env_id,
                                          in.reference, cfg.eval_episodes, r.seed);
      std::vector<long long> lengths(report.lengths.begin(), report.lengths.end());
      r.result.eval.push_back(io::make_eval_entry(step, report.returns, lengths, report.ref));
      const auto& entry = r.result.eval.back();
      summary +=
          (e ? "  " : "") + std::string("s") + std::to_string(r.seed) + " " +
          (entry.normalized_mean_x100 ? core::format_number(*entry.normalized_mean_x100, 4)
                                      : core::format_number(entry.mean_return, 6) + " (return)");
    }
    progress.eval_done(step, summary);
  };

  // ---- the loop ----
  const std::int64_t ckpt_every = cfg.checkpoint_every > 0 ? cfg.checkpoint_every : cfg.eval_every;
  // timings accumulate over the processes that worked on a run
  const auto group_t0 = Clock::now();
  std::vector<double> train_s(group.size()), eval_s(group.size()), wall_s(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    train_s[i] = group[i]->result.timings.train_s;
    eval_s[i] = group[i]->result.timings.eval_s;
    wall_s[i] = group[i]->result.timings.wall_s;
  }
  double process_train_s = 0;
  std::int64_t process_updates = 0;
  std::map<std::string, torch::Tensor> last_metrics;
  auto t_phase = Clock::now();
  bool stopped = false;
  std::int64_t step = start_step;
  try {
    for (step = start_step + 1; step <= cfg.steps; ++step) {
      const auto metrics = graphed ? graphed->update() : algo->update(sampler.sample());
      for (const auto& [name, value] : metrics.values) last_metrics[name] = value;
      ++process_updates;
      const std::int64_t updates_so_far = ++in.updates;

      const bool log_now = step % cfg.log_every == 0;
      const bool eval_now = step % cfg.eval_every == 0 || step == cfg.steps;
      const bool ckpt_now = step % ckpt_every == 0 || step == cfg.steps;
      const bool stop_now = in.halt.load() || (in.options.stop_after_updates > 0 &&
                                               updates_so_far >= in.options.stop_after_updates);
      if (log_now || eval_now || ckpt_now || stop_now) {
        if (device.is_cuda()) torch::cuda::synchronize(device.index());  // the training device
        const double dt = seconds_since(t_phase);
        process_train_s += dt;
        for (auto& t : train_s) t += dt;
      }
      const double ups = process_train_s > 0 ? process_updates / process_train_s : 0;

      if (log_now) {
        for (std::int64_t e = 0; e < e_count; ++e) {
          nlohmann::json line = {{"step", step}, {"updates_per_s", ups}};
          for (const auto& [name, value] : last_metrics) {
            line[name] = value[e].item<double>();
          }
          std::ofstream(metrics_path(*group[static_cast<std::size_t>(e)]), std::ios::app)
              << line.dump() << "\n";
        }
      }
      if (eval_now) {
        const auto t_eval = Clock::now();
        evaluate_all(step);
        const double dt = seconds_since(t_eval);
        for (auto& t : eval_s) t += dt;
      }
      if (eval_now || ckpt_now) {
        for (std::int64_t e = 0; e < e_count; ++e) {
          SeedRun& r = *group[static_cast<std::size_t>(e)];
          const auto i = static_cast<std::size_t>(e);
          r.result.steps_done = step;
          r.result.timings.train_s = train_s[i];
          r.result.timings.eval_s = eval_s[i];
          r.result.timings.wall_s = wall_s[i] + seconds_since(group_t0);
          r.result.timings.updates_per_s = train_s[i] > 0 ? step / train_s[i] : 0;
          // result first, checkpoint second: a kill in between is repaired on resume. The run
          // is marked completed only after the loop, once its final checkpoint is written.
          io::write_result(result_path(r), r.result);
          if (ckpt_now) {
            write_checkpoint(checkpoint_path(r), *algo, e, sampler.generator_state(e), step,
                             normalizer);
          }
        }
      }
      if (log_now || eval_now || ckpt_now || stop_now) t_phase = Clock::now();
      progress.update(step);  // measures its own rate: ups moves only at log steps
      if (stop_now && step < cfg.steps) {
        stopped = true;
        break;
      }
    }
  } catch (const std::exception& ex) {
    progress.finish();
    // leave the checkpoint for inspection, record why the run failed, and report it
    for (auto* r : group) {
      r->result.status = io::RunStatus::failed;
      r->result.error = "step " + std::to_string(step) + ": " + ex.what();
      r->result.end_time = io::utc_now_iso8601();
      io::write_result(result_path(*r), r->result);
    }
    throw;
  }
  progress.finish();
  if (!stopped) {
    // also reached when a resume finds the final checkpoint already written
    for (auto* r : group) {
      r->result.status = io::RunStatus::completed;
      r->result.end_time = io::utc_now_iso8601();
      io::write_result(result_path(*r), r->result);
    }
  }

  GroupResult out;
  out.stopped = stopped;
  for (auto* r : group) {
    out.outcomes.push_back({r->dir, r->seed, stopped ? "stopped" : "completed",
                            r->result.steps_done, io::final_normalized_score_x100(r->result),
                            io::best_normalized_score_x100(r->result)});
  }
  return out;
}

}  // namespace

std::string run_name(const std::string& algo, const std::string& dataset_label, std::uint64_t seed,
                     const nlohmann::json& resolved_config) {
  nlohmann::json key = resolved_config;
  key.erase("seed");
  key.erase("seeds");
  key.erase("out");
  if (key.contains("train")) {
    key["train"].erase("workers");
    key["train"].erase("cuda_graphs");
  }
  if (key.contains("dataset")) key["dataset"].erase("data_dir");
  const std::string dump = key.dump();
  const std::string hash = core::sha256_hex(dump.data(), dump.size()).substr(0, 8);
  return algo + "-" + dataset_label_for_dir(dataset_label) + "-s" + std::to_string(seed) + "-" +
         hash;
}

std::vector<RunOutcome> run_training(const TrainOptions& options) {
  if (options.config.online) return run_online_training(options);
  const ExperimentConfig& cfg = options.config;

  // ---- resolve everything that can be wrong before allocating ----
  const torch::Device device = resolve_device(cfg.device);
  const std::optional<fs::path> data_dir =
      cfg.data_dir.empty() ? std::nullopt : std::optional<fs::path>(cfg.data_dir);
  const auto located = data::locate_dataset(cfg.dataset, data_dir);
  std::string env_id = cfg.env;
  if (env_id.empty()) {
    if (!located.entry) {
      throw UsageError(error_message("dataset.env", "no env known for " + located.path.string(),
                                     "dataset.env set to an env id (e.g. --set dataset.env=hopper)",
                                     "none"));
    }
    env_id = envs::env_for_dataset(located.entry->name);
  }
  const auto& env_entry = envs::find_env(env_id);
  const std::string reference =
      data::reference_scores(located.label) ? located.label : std::string(env_entry.id);
  const std::string params_key = hyperparameter_key(located, env_id);
  nlohmann::json algo_params =
      algos::resolve_params(cfg.algo, cfg.algo_params, params_key, "config");

  ExperimentConfig resolved_cfg = cfg;
  resolved_cfg.algo_params = algo_params;
  resolved_cfg.env = env_id;
  resolved_cfg.device = device.str();
  resolved_cfg.workers =
      static_cast<std::int64_t>(resolve_workers(cfg.workers, cfg.seeds.size(), device));

  // ---- the run folder of each seed: skip completed runs, find checkpoints ----
  std::vector<SeedRun> runs;
  std::vector<RunOutcome> outcomes;
  for (const auto seed : cfg.seeds) {
    ExperimentConfig one = resolved_cfg;
    one.seeds = {seed};
    SeedRun r;
    r.seed = seed;
    r.config = to_json(one);
    r.dir = fs::path(cfg.out) / run_name(cfg.algo, located.label, seed, r.config);
    const bool has_result = fs::exists(result_path(r));
    if (has_result && !options.force) {
      const auto previous = io::read_result(result_path(r));
      if (previous.status == io::RunStatus::completed) {
        RunOutcome o{r.dir,
                     seed,
                     "already completed",
                     previous.steps_done,
                     io::final_normalized_score_x100(previous),
                     io::best_normalized_score_x100(previous)};
        std::fprintf(stderr, "%s: already completed (use --force to rerun)\n", r.dir.c_str());
        outcomes.push_back(o);
        continue;
      }
      if (fs::exists(checkpoint_path(r))) {
        r.checkpoint = read_checkpoint(checkpoint_path(r));
        r.result = previous;
        r.start_step = r.checkpoint->step;
        r.resume = true;
      }
    }
    if (options.require_resume && !r.resume) {
      throw UsageError(r.dir.string() +
                       ": --resume: expected an unfinished run with a checkpoint, "
                       "got " +
                       (fs::exists(r.dir) ? "no checkpoint" : "no run folder"));
    }
    runs.push_back(std::move(r));
  }
  if (runs.empty()) return outcomes;

  // ---- data ----
  data::LoadOptions load;
  load.env = env_id;
  load.read_infos = false;
  const auto dataset = data::load_dataset(located.path, load);
  data::ViewOptions view;
  view.view = data::parse_view(cfg.view);
  const auto transitions = data::make_transitions(dataset, view);
  const auto normalizer =
      cfg.normalize_states
          ? StateNormalizer::from_observations(transitions)
          : StateNormalizer::identity(static_cast<std::int64_t>(transitions.obs_dim));
  const auto dataset_sha = [&] {
    if (auto cached = data::cached_sha256(located.path)) return *cached;
    const auto sha = core::sha256_file(located.path);
    data::record_sha256(located.path, sha);
    return sha;
  }();

  // ---- everything is checked and loaded: only now may --force discard the old runs ----
  if (options.force) {
    for (const auto& r : runs) {
      for (const auto* f : {"result.json", "metrics.jsonl", "checkpoint.pt"}) fs::remove(r.dir / f);
    }
  }

  // ---- seed groups: the requested seeds are split into one part per worker, and the seeds of a
  // part that start at the same step train as one ensemble. With several workers the groups train
  // side by side, each in its own thread with one LibTorch thread. Splitting the requested seeds
  // (not only those left to train), and keeping to one thread per group even when one group is
  // left, makes a resumed seed compute exactly as before, given the same seeds and workers. ----
  const auto workers = static_cast<std::size_t>(resolved_cfg.workers);
  std::vector<std::pair<std::int64_t, std::vector<SeedRun*>>> jobs;
  for (const auto& part : core::split_evenly(cfg.seeds, workers)) {
    std::map<std::int64_t, std::vector<SeedRun*>> by_start;
    for (auto& r : runs) {
      if (std::find(part.begin(), part.end(), r.seed) != part.end())
        by_start[r.start_step].push_back(&r);
    }
    for (auto& [start_step, members] : by_start) jobs.emplace_back(start_step, members);
  }

  SharedInputs in{options,     transitions,   normalizer,
                  device,      located.label, fs::absolute(located.path).string(),
                  dataset_sha, env_id,        reference,
                  params_key,  algo_params};
  in.live_progress = workers == 1;
  std::vector<GroupResult> results(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  std::atomic<std::size_t> next_job{0};
  std::atomic<bool> stopped{false};
  const auto work = [&] {
    for (std::size_t j = next_job++; j < jobs.size() && !stopped && !in.halt; j = next_job++) {
      try {
        results[j] = train_group(in, jobs[j].second, jobs[j].first);
        if (results[j].stopped) stopped = true;
      } catch (...) {
        errors[j] = std::current_exception();
        in.halt = true;
      }
    }
  };
  if (workers == 1) {
    work();
  } else {
    const int torch_threads = torch::get_num_threads();
    std::vector<std::thread> pool;
    for (std::size_t w = 0; w < std::min(workers, jobs.size()); ++w) {
      pool.emplace_back([&] {
        torch::set_num_threads(1);  // per thread under OpenMP: each worker keeps to one core
        work();
      });
    }
    for (auto& t : pool) t.join();
    torch::set_num_threads(torch_threads);  // the workers changed the process-wide default
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  for (auto& r : results) {
    outcomes.insert(outcomes.end(), r.outcomes.begin(), r.outcomes.end());
  }
  return outcomes;
}

}  // namespace rlbench::train
