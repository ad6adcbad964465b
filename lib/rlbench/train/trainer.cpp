#include "rlbench/train/trainer.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "rlbench/algos/registry.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
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

}  // namespace

std::string run_name(const std::string& algo, const std::string& dataset_label, std::uint64_t seed,
                     const nlohmann::json& resolved_config) {
  nlohmann::json key = resolved_config;
  key.erase("seed");
  key.erase("seeds");
  key.erase("out");
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
    if (options.force && fs::exists(r.dir)) {
      for (const auto* f : {"result.json", "metrics.jsonl", "checkpoint.pt"}) fs::remove(r.dir / f);
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

  // ---- group seeds that start at the same step: each group trains as one ensemble ----
  std::map<std::int64_t, std::vector<SeedRun*>> groups;
  for (auto& r : runs) groups[r.start_step].push_back(&r);

  std::int64_t updates_this_process = 0;
  for (auto& [start_step, group] : groups) {
    std::vector<std::uint64_t> seeds;
    for (const auto* r : group) seeds.push_back(r->seed);
    const auto e_count = static_cast<std::int64_t>(seeds.size());

    Sampler sampler(transitions, normalizer, seeds, cfg.batch_size, device);
    algos::AlgoContext ctx;
    ctx.obs_dim = static_cast<std::int64_t>(transitions.obs_dim);
    ctx.act_dim = static_cast<std::int64_t>(transitions.action_dim);
    ctx.max_action = env_entry.spec().act_high;
    ctx.seeds = seeds;
    ctx.device = device;
    ctx.dataset_name = params_key;
    ctx.dataset_observations = sampler.observations();
    ctx.dataset_actions = sampler.actions();
    auto algo = algos::make_algorithm(cfg.algo, algo_params, ctx, "config");

    // ---- prepare each run folder ----
    const auto versions = io::versions_json();
    for (std::int64_t e = 0; e < e_count; ++e) {
      SeedRun& r = *group[static_cast<std::size_t>(e)];
      fs::create_directories(r.dir);
      core::write_file_atomic(r.dir / "config.json", r.config.dump(2) + "\n");
      if (r.resume) {
        algo->load(*r.checkpoint->algo, e);
        sampler.set_generator_state(e, r.checkpoint->sampler_state);
        // drop what the interrupted process did after its checkpoint; it is redone identically
        auto& evals = r.result.eval;
        while (!evals.empty() && evals.back().step > r.start_step) evals.pop_back();
        truncate_metrics(metrics_path(r), r.start_step);
        std::fprintf(stderr, "%s: resuming from step %lld\n", r.dir.c_str(),
                     static_cast<long long>(r.start_step));
        r.checkpoint.reset();
      } else {
        fs::remove(metrics_path(r));
        io::RunResult res;
        res.algo = cfg.algo;
        res.algo_params = algo->config();
        res.dataset = {located.label, fs::absolute(located.path).string(), dataset_sha,
                       static_cast<long long>(transitions.size)};
        res.env = env_id;
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

    std::string label = cfg.algo + " " + located.label + " seed";
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      label += (i ? "," : " ") + std::to_string(seeds[i]);
    }
    std::fprintf(stderr, "%s: %lld transitions (%s view), device %s, params %s\n", label.c_str(),
                 static_cast<long long>(transitions.size), cfg.view.c_str(), device.str().c_str(),
                 algo->config().dump().c_str());
    Progress progress(options.progress, label, cfg.steps);

    // ---- evaluation of every seed's deterministic policy ----
    const auto evaluate_all = [&](std::int64_t step) {
      std::string summary;
      for (std::int64_t e = 0; e < e_count; ++e) {
        SeedRun& r = *group[static_cast<std::size_t>(e)];
        const auto report = evaluate_member(*algo, e, e_count, normalizer, device, env_id,
                                            reference, cfg.eval_episodes, r.seed);
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
    const std::int64_t ckpt_every =
        cfg.checkpoint_every > 0 ? cfg.checkpoint_every : cfg.eval_every;
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
        const auto metrics = algo->update(sampler.sample());
        for (const auto& [name, value] : metrics.values) last_metrics[name] = value;
        ++process_updates;
        ++updates_this_process;

        const bool log_now = step % cfg.log_every == 0;
        const bool eval_now = step % cfg.eval_every == 0 || step == cfg.steps;
        const bool ckpt_now = step % ckpt_every == 0 || step == cfg.steps;
        const bool stop_now =
            options.stop_after_updates > 0 && updates_this_process >= options.stop_after_updates;
        if (log_now || eval_now || ckpt_now || stop_now) {
          if (device.is_cuda()) torch::cuda::synchronize();
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
            if (step == cfg.steps) {
              r.result.status = io::RunStatus::completed;
              r.result.end_time = io::utc_now_iso8601();
            }
            // result first, checkpoint second: a kill in between is repaired on resume
            io::write_result(result_path(r), r.result);
            if (ckpt_now) {
              write_checkpoint(checkpoint_path(r), *algo, e, sampler.generator_state(e), step,
                               normalizer);
            }
          }
        }
        if (log_now || eval_now || ckpt_now || stop_now) t_phase = Clock::now();
        progress.update(step, ups);
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

    for (auto* r : group) {
      RunOutcome o{r->dir,
                   r->seed,
                   stopped ? "stopped" : "completed",
                   r->result.steps_done,
                   io::final_normalized_score_x100(r->result),
                   io::best_normalized_score_x100(r->result)};
      outcomes.push_back(o);
    }
    if (stopped) break;
  }
  return outcomes;
}

}  // namespace rlbench::train
