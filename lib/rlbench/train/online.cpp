#include "rlbench/train/online.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <torch/torch.h>

#include "rlbench/algos/registry.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/collect.hpp"
#include "rlbench/io/provenance.hpp"
#include "rlbench/io/result.hpp"
#include "rlbench/nets/ensemble.hpp"
#include "rlbench/train/checkpoint.hpp"
#include "rlbench/train/policy.hpp"
#include "rlbench/train/progress.hpp"

namespace rlbench::train {

namespace fs = std::filesystem;

namespace {

// One seed's env and its current episode.
struct SeedEnv {
  std::unique_ptr<envs::Env> env;
  std::vector<double> obs, next, action;
  std::mt19937_64 warmup_rng;  // the warm-up's uniform actions, apart from the env's reset noise
  double episode_return = 0;
  std::vector<double> finished_returns;  // since the last metrics line
  std::int64_t episodes = 0;
};

// Each seed's replay buffer, one [E, capacity, ·] tensor per field on the CPU; rows are written
// in lock-step, so every seed has the same size and write position.
class ReplayBuffers {
 public:
  ReplayBuffers(std::int64_t seeds, std::int64_t capacity, std::int64_t obs_dim,
                std::int64_t act_dim)
      : m_capacity(capacity),
        m_obs(torch::zeros({seeds, capacity, obs_dim})),
        m_actions(torch::zeros({seeds, capacity, act_dim})),
        m_rewards(torch::zeros({seeds, capacity, 1})),
        m_next(torch::zeros({seeds, capacity, obs_dim})),
        m_not_done(torch::zeros({seeds, capacity, 1})) {}

  void put(std::int64_t member, const std::vector<double>& obs, const std::vector<double>& action,
           double reward, const std::vector<double>& next, bool terminal) {
    const auto row = [&](torch::Tensor& t) { return t[member][m_pos].data_ptr<float>(); };
    float* o = row(m_obs);
    float* n = row(m_next);
    for (std::size_t i = 0; i < obs.size(); ++i) o[i] = static_cast<float>(obs[i]);
    for (std::size_t i = 0; i < next.size(); ++i) n[i] = static_cast<float>(next[i]);
    float* a = row(m_actions);
    for (std::size_t i = 0; i < action.size(); ++i) a[i] = static_cast<float>(action[i]);
    *row(m_rewards) = static_cast<float>(reward);
    *row(m_not_done) = terminal ? 0.0F : 1.0F;
  }

  // Advances the write position after every seed's row of this step is in.
  void advance() {
    m_pos = (m_pos + 1) % m_capacity;
    m_size = std::min(m_size + 1, m_capacity);
  }

  // [E, batch, ·] on `device`; seed e's indices come from generators[e].
  algos::Batch sample(std::vector<torch::Generator>& generators, std::int64_t batch,
                      const torch::Device& device) {
    std::vector<torch::Tensor> idx;
    for (auto& g : generators) idx.push_back(torch::randint(m_size, {batch}, g, torch::kInt64));
    const auto take = [&](const torch::Tensor& t) {
      std::vector<torch::Tensor> parts;
      for (std::size_t e = 0; e < idx.size(); ++e) {
        parts.push_back(t[static_cast<std::int64_t>(e)].index_select(0, idx[e]));
      }
      return torch::stack(parts).to(device);
    };
    return {take(m_obs), take(m_actions), take(m_rewards), take(m_next), take(m_not_done)};
  }

 private:
  std::int64_t m_capacity;
  std::int64_t m_pos = 0;
  std::int64_t m_size = 0;
  torch::Tensor m_obs, m_actions, m_rewards, m_next, m_not_done;
};

std::string snapshot_name(double threshold, std::int64_t step) {
  std::string t = core::format_number(threshold, 10);
  for (auto& ch : t) {
    if (ch == '.') ch = 'p';
  }
  return "return" + t + "-step" + std::to_string(step) + ".hdf5";
}

}  // namespace

std::vector<RunOutcome> run_online_training(const TrainOptions& options, const OnlineHooks& hooks,
                                            std::vector<OnlineRecord>* records) {
  const ExperimentConfig& cfg = options.config;
  if (!cfg.online) throw Error("train: " + cfg.algo + " is not an online algorithm");

  // ---- resolve everything that can be wrong before allocating ----
  const torch::Device device = resolve_device(cfg.device);
  const auto& env_entry = envs::find_env(cfg.env);
  const std::string env_id = env_entry.id;
  const auto& spec = env_entry.spec();
  const nlohmann::json algo_params =
      algos::resolve_params(cfg.algo, cfg.algo_params, env_id, "config");
  if (options.require_resume) {
    throw UsageError(error_message("--resume", "online runs restart from step 0",
                                   "an offline algorithm", cfg.algo));
  }
  ExperimentConfig resolved_cfg = cfg;
  resolved_cfg.algo_params = algo_params;
  resolved_cfg.env = env_id;
  resolved_cfg.device = device.str();

  // ---- run folders: skip completed runs; unfinished ones restart ----
  struct SeedRun {
    std::uint64_t seed;
    fs::path dir;
    nlohmann::json config;
    io::RunResult result;
    std::vector<bool> snapshot_taken;
  };
  std::vector<SeedRun> runs;
  std::vector<RunOutcome> outcomes;
  for (const auto seed : cfg.seeds) {
    ExperimentConfig one = resolved_cfg;
    one.seeds = {seed};
    SeedRun r{seed, {}, to_json(one), {}, std::vector<bool>(cfg.snapshot_returns.size(), false)};
    r.dir = fs::path(cfg.out) / run_name(cfg.algo, env_id, seed, r.config);
    if (fs::exists(r.dir / "result.json")) {
      const auto previous = io::read_result(r.dir / "result.json");
      if (previous.status == io::RunStatus::completed && !options.force) {
        std::fprintf(stderr, "%s: already completed (use --force to rerun)\n", r.dir.c_str());
        outcomes.push_back({r.dir, seed, "already completed", previous.steps_done,
                            io::final_normalized_score_x100(previous),
                            io::best_normalized_score_x100(previous)});
        continue;
      }
      if (previous.status != io::RunStatus::completed) {
        std::fprintf(stderr, "%s: unfinished online run, restarting from step 0\n", r.dir.c_str());
      }
    }
    for (const auto* f : {"result.json", "metrics.jsonl", "checkpoint.pt", "policy.hdf5"}) {
      fs::remove(r.dir / f);
    }
    fs::remove_all(r.dir / "snapshots");
    runs.push_back(std::move(r));
  }
  if (runs.empty()) return outcomes;

  std::vector<std::uint64_t> seeds;
  for (const auto& r : runs) seeds.push_back(r.seed);
  const auto e_count = static_cast<std::int64_t>(seeds.size());
  algos::AlgoContext ctx;
  ctx.obs_dim = spec.obs_dim;
  ctx.act_dim = spec.act_dim;
  ctx.max_action = spec.act_high;
  ctx.seeds = seeds;
  ctx.device = device;
  ctx.dataset_name = env_id;
  auto algo = algos::make_algorithm(cfg.algo, algo_params, ctx, "config");
  const auto normalizer = StateNormalizer::identity(spec.obs_dim);

  std::vector<SeedEnv> envs(runs.size());
  std::vector<torch::Generator> generators;
  std::vector<std::optional<eval::D4rlRecorder>> recorders(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto& s = envs[i];
    s.env = envs::make_env(env_id, runs[i].seed);
    s.obs.resize(static_cast<std::size_t>(spec.obs_dim));
    s.next.resize(s.obs.size());
    s.action.resize(static_cast<std::size_t>(spec.act_dim));
    s.warmup_rng.seed(runs[i].seed ^ 0x5eed5eed5eed5eedULL);
    s.env->reset(s.obs.data());
    generators.push_back(nets::make_generator(torch::kCPU, runs[i].seed ^ 0x9e3779b97f4a7c15ULL));
    if (hooks.record_transitions) recorders[i].emplace(*s.env);
  }
  ReplayBuffers replay(e_count, std::min(cfg.replay_size, cfg.steps), spec.obs_dim, spec.act_dim);
  const double warmup_log_prob = -spec.act_dim * std::log(spec.act_high - spec.act_low);

  const auto versions = io::versions_json();
  for (auto& r : runs) {
    fs::create_directories(r.dir);
    core::write_file_atomic(r.dir / "config.json", r.config.dump(2) + "\n");
    io::RunResult& res = r.result;
    res.algo = cfg.algo;
    res.algo_params = algo->config();
    res.dataset = {env_id, "", "", 0};  // online: no dataset; transitions counts env steps
    res.env = env_id;
    res.seed = static_cast<long long>(r.seed);
    res.start_time = io::utc_now_iso8601();
    res.status = io::RunStatus::running;
    res.device = device.str();
    res.steps = cfg.steps;
    res.versions = versions;
    res.host = io::host_name();
    io::write_result(r.dir / "result.json", res);
  }

  std::string label = cfg.algo + " " + env_id + " seed";
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    label += (i ? "," : " ") + std::to_string(seeds[i]);
  }
  std::fprintf(stderr, "%s: online, %lld env steps (%lld random warm-up), device %s, params %s\n",
               label.c_str(), static_cast<long long>(cfg.steps),
               static_cast<long long>(cfg.warmup_steps), device.str().c_str(),
               algo->config().dump().c_str());
  Progress progress(options.progress, label, cfg.steps, "steps/s");

  // ---- evaluation, snapshots and the caller's hook ----
  bool stop_requested = false;
  const auto evaluate_all = [&](std::int64_t step) {
    std::string summary;
    for (std::int64_t e = 0; e < e_count; ++e) {
      SeedRun& r = runs[static_cast<std::size_t>(e)];
      const auto report = evaluate_member(*algo, e, e_count, normalizer, device, env_id, env_id,
                                          cfg.eval_episodes, r.seed);
      std::vector<long long> lengths(report.lengths.begin(), report.lengths.end());
      r.result.eval.push_back(io::make_eval_entry(step, report.returns, lengths, report.ref));
      const auto& entry = r.result.eval.back();
      summary += (e ? "  " : "") + std::string("s") + std::to_string(r.seed) + " return " +
                 core::format_number(entry.mean_return, 6) +
                 (entry.normalized_mean_x100
                      ? " (" + core::format_number(*entry.normalized_mean_x100, 4) + ")"
                      : "");

      const auto exported = algo->export_policy(e);
      for (std::size_t k = 0; k < cfg.snapshot_returns.size(); ++k) {
        if (r.snapshot_taken[k] || report.return_mean < cfg.snapshot_returns[k] || !exported) {
          continue;
        }
        r.snapshot_taken[k] = true;
        const auto path = r.dir / "snapshots" / snapshot_name(cfg.snapshot_returns[k], step);
        data::write_policy_file(path, *exported, "SAC", static_cast<std::int32_t>(step));
        std::fprintf(stderr, "%s: snapshot at step %lld (eval return %.1f >= %g)\n", path.c_str(),
                     static_cast<long long>(step), report.return_mean, cfg.snapshot_returns[k]);
      }
      if (hooks.on_eval && hooks.on_eval(step, e, report, exported)) stop_requested = true;
    }
    progress.eval_done(step, summary);
  };

  // ---- the loop: act, step, store, update ----
  const std::int64_t ckpt_every = cfg.checkpoint_every > 0 ? cfg.checkpoint_every : cfg.eval_every;
  const auto t0 = Clock::now();
  double eval_s = 0;
  std::int64_t updates = 0;
  std::map<std::string, torch::Tensor> last_metrics;
  std::vector<double> log_probs(runs.size(), warmup_log_prob);
  std::int64_t step = 0;
  try {
    for (step = 1; step <= cfg.steps; ++step) {
      if (step <= cfg.warmup_steps) {
        for (auto& s : envs) {
          for (auto& a : s.action)
            a = envs::sample_uniform(s.warmup_rng, spec.act_low, spec.act_high);
        }
        std::fill(log_probs.begin(), log_probs.end(), warmup_log_prob);
      } else {
        auto obs = torch::empty({e_count, 1, spec.obs_dim});
        for (std::int64_t e = 0; e < e_count; ++e) {
          const auto& o = envs[static_cast<std::size_t>(e)].obs;
          float* dst = obs[e][0].data_ptr<float>();
          for (std::size_t i = 0; i < o.size(); ++i) dst[i] = static_cast<float>(o[i]);
        }
        const auto [actions, lp] = algo->explore(obs.to(device));
        const auto a_cpu = actions.to(torch::kCPU, torch::kFloat64).contiguous();
        const auto lp_cpu = lp.to(torch::kCPU, torch::kFloat64).contiguous();
        for (std::int64_t e = 0; e < e_count; ++e) {
          auto& s = envs[static_cast<std::size_t>(e)];
          const double* src = a_cpu[e][0].data_ptr<double>();
          std::copy(src, src + spec.act_dim, s.action.begin());
          log_probs[static_cast<std::size_t>(e)] = lp_cpu[e][0][0].item<double>();
        }
      }

      for (std::int64_t e = 0; e < e_count; ++e) {
        auto& s = envs[static_cast<std::size_t>(e)];
        auto& recorder = recorders[static_cast<std::size_t>(e)];
        if (recorder) recorder->before_step(*s.env);
        const auto result = s.env->step(s.action.data(), s.next.data());
        // bootstrapping stops only at a true termination; D4RL labels a step-limit end a
        // timeout even when the robot also fell (collect_data.py)
        replay.put(e, s.obs, s.action, result.reward, s.next, result.terminated);
        if (recorder) {
          recorder->add(s.obs.data(), s.action.data(), result.reward, s.next.data(),
                        result.terminated && !result.truncated, result.truncated,
                        log_probs[static_cast<std::size_t>(e)]);
        }
        s.episode_return += result.reward;
        if (result.terminated || result.truncated) {
          s.finished_returns.push_back(s.episode_return);
          ++s.episodes;
          s.episode_return = 0;
          s.env->reset(s.obs.data());
        } else {
          s.obs.swap(s.next);
        }
      }
      replay.advance();

      if (step > cfg.warmup_steps) {
        const auto metrics = algo->update(replay.sample(generators, cfg.batch_size, device));
        for (const auto& [name, value] : metrics.values) last_metrics[name] = value;
        ++updates;
      }

      const bool log_now = step % cfg.log_every == 0;
      const bool eval_now = step % cfg.eval_every == 0 || step == cfg.steps;
      const bool ckpt_now = step % ckpt_every == 0 || step == cfg.steps;
      const double train_s = seconds_since(t0) - eval_s;
      if (log_now) {
        for (std::int64_t e = 0; e < e_count; ++e) {
          auto& s = envs[static_cast<std::size_t>(e)];
          nlohmann::json line = {{"step", step},
                                 {"updates", updates},
                                 {"env_steps_per_s", train_s > 0 ? step / train_s : 0.0},
                                 {"updates_per_s", train_s > 0 ? updates / train_s : 0.0},
                                 {"episodes", s.episodes}};
          if (!s.finished_returns.empty()) {
            double sum = 0;
            for (double v : s.finished_returns) sum += v;
            line["train_return"] = sum / static_cast<double>(s.finished_returns.size());
            s.finished_returns.clear();
          }
          for (const auto& [name, value] : last_metrics) line[name] = value[e].item<double>();
          std::ofstream(runs[static_cast<std::size_t>(e)].dir / "metrics.jsonl", std::ios::app)
              << line.dump() << "\n";
        }
      }
      if (eval_now) {
        const auto t_eval = Clock::now();
        evaluate_all(step);
        eval_s += seconds_since(t_eval);
      }
      const bool last = step == cfg.steps || stop_requested;
      if (eval_now || ckpt_now || last) {
        for (std::int64_t e = 0; e < e_count; ++e) {
          SeedRun& r = runs[static_cast<std::size_t>(e)];
          r.result.steps_done = step;
          r.result.dataset.transitions = step;
          r.result.timings.train_s = seconds_since(t0) - eval_s;
          r.result.timings.eval_s = eval_s;
          r.result.timings.wall_s = seconds_since(t0);
          r.result.timings.updates_per_s =
              r.result.timings.train_s > 0 ? updates / r.result.timings.train_s : 0;
          if (last) {
            r.result.status = io::RunStatus::completed;
            r.result.end_time = io::utc_now_iso8601();
          }
          // the result last: a run reads as completed only once its checkpoint and policy are
          // written (an unfinished online run restarts from step 0)
          write_checkpoint(r.dir / "checkpoint.pt", *algo, e, generators[e].get_state(), step,
                           normalizer);
          if (const auto p = algo->export_policy(e)) {
            data::write_policy_file(r.dir / data::k_run_policy_file, *p, "SAC",
                                    static_cast<std::int32_t>(step));
          }
          io::write_result(r.dir / "result.json", r.result);
        }
      }
      progress.update(step, step / std::max(seconds_since(t0) - eval_s, 1e-9));
      if (stop_requested) break;
    }
  } catch (const std::exception& ex) {
    progress.finish();
    for (auto& r : runs) {
      r.result.status = io::RunStatus::failed;
      r.result.error = "step " + std::to_string(step) + ": " + ex.what();
      r.result.end_time = io::utc_now_iso8601();
      io::write_result(r.dir / "result.json", r.result);
    }
    throw;
  }
  progress.finish();

  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    outcomes.push_back({r.dir, r.seed, "completed", r.result.steps_done,
                        io::final_normalized_score_x100(r.result),
                        io::best_normalized_score_x100(r.result)});
    if (records) {
      OnlineRecord record;
      if (recorders[i]) record.transitions = std::move(*recorders[i]).finish();
      records->push_back(std::move(record));
    }
  }
  return outcomes;
}

}  // namespace rlbench::train
