#include "rlbench/train/suite.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/envs/registry.hpp"
#include "rlbench/eval/collect.hpp"
#include "rlbench/eval/gaussian_policy.hpp"
#include "rlbench/train/online.hpp"

namespace rlbench::train {

namespace fs = std::filesystem;

const std::vector<std::string>& suite_styles() {
  static const std::vector<std::string> k_styles = {"random", "medium", "medium-replay", "expert",
                                                    "medium-expert"};
  return k_styles;
}

namespace {

bool wants(const std::vector<std::string>& styles, const std::string& s) {
  return std::find(styles.begin(), styles.end(), s) != styles.end();
}

// Copies rows [0, n) of a row array whose rows are `width` values wide.
template <class T>
std::vector<T> head(const std::vector<T>& v, std::uint64_t n, std::uint64_t width) {
  return {v.begin(),
          v.begin() + static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(v.size(), n * width))};
}

std::uint64_t row_width(const data::NumericArray& a) {
  std::uint64_t w = 1;
  for (std::size_t i = 1; i < a.shape.size(); ++i) w *= a.shape[i];
  return w;
}

data::NumericArray head_array(const data::NumericArray& a, std::uint64_t n) {
  data::NumericArray out;
  out.shape = a.shape;
  out.shape[0] = std::min(n, a.shape.empty() ? 0 : a.shape[0]);
  const auto w = row_width(a);
  std::visit([&](const auto& v) { out.values = head(v, out.shape[0], w); }, a.values);
  return out;
}

data::NumericArray concat_array(const data::NumericArray& a, const data::NumericArray& b,
                                const std::string& key) {
  if (row_width(a) != row_width(b) || a.is_double() != b.is_double()) {
    throw Error(error_message("medium-expert", "infos/" + key,
                              "the same width and type in both parts", "different ones"));
  }
  data::NumericArray out;
  out.shape = a.shape;
  out.shape[0] = a.shape[0] + b.shape[0];
  std::visit(
      [&](const auto& va) {
        auto joined = va;
        const auto& vb = std::get<std::decay_t<decltype(va)>>(b.values);
        joined.insert(joined.end(), vb.begin(), vb.end());
        out.values = std::move(joined);
      },
      a.values);
  return out;
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

struct EvaluatedPolicy {
  std::int64_t step;
  double mean_return;
  data::GaussianMlpPolicy policy;
};

}  // namespace

data::DatasetContent head_rows(const data::DatasetContent& c, std::uint64_t rows) {
  const auto n = std::min(rows, c.rows);
  data::DatasetContent out;
  out.rows = n;
  out.obs_dim = c.obs_dim;
  out.action_dim = c.action_dim;
  out.observations = head(c.observations, n, c.obs_dim);
  out.actions = head(c.actions, n, c.action_dim);
  out.rewards = head(c.rewards, n, 1);
  out.terminals = head(c.terminals, n, 1);
  out.timeouts = head(c.timeouts, n, 1);
  out.next_observations = head(c.next_observations, n, c.obs_dim);
  for (const auto& [key, array] : c.infos) out.infos[key] = head_array(array, n);
  out.metadata = c.metadata;
  return out;
}

data::DatasetContent stitch_medium_expert(const data::DatasetContent& medium,
                                          const data::DatasetContent& expert,
                                          std::uint64_t max_rows) {
  // the medium part ends on its last flagged row, so the seam never glues two episodes
  std::uint64_t cut = 0;
  for (std::uint64_t i = 0; i < medium.rows; ++i) {
    if (medium.terminals[i] || (!medium.timeouts.empty() && medium.timeouts[i])) cut = i + 1;
  }
  auto out = head_rows(medium, cut);
  out.metadata.clear();
  append(out.observations, expert.observations);
  append(out.actions, expert.actions);
  append(out.rewards, expert.rewards);
  append(out.terminals, expert.terminals);
  append(out.timeouts, expert.timeouts);
  append(out.next_observations, expert.next_observations);
  std::map<std::string, data::NumericArray> infos;
  for (const auto& [key, array] : out.infos) {
    const auto it = expert.infos.find(key);
    if (it != expert.infos.end()) infos[key] = concat_array(array, it->second, key);
  }
  out.infos = std::move(infos);
  out.rows += expert.rows;
  return head_rows(out, max_rows);
}

void validate_suite(const SuiteOptions& o) {
  envs::find_env(o.env);
  if (o.sac_steps < 1) {
    throw UsageError(
        error_message("suite", "--sac-steps", "at least 1", std::to_string(o.sac_steps)));
  }
  if (o.rows < 1) {
    throw UsageError(error_message("suite", "--rows", "at least 1", std::to_string(o.rows)));
  }
  for (const auto& s : o.styles) {
    if (!wants(suite_styles(), s)) {
      throw UsageError(error_message(
          "suite", "--styles: unknown style \"" + s + "\"" + core::did_you_mean(s, suite_styles()),
          core::join(suite_styles(), ", "), "\"" + s + "\""));
    }
  }
  if (o.out.empty()) throw UsageError(error_message("suite", "--out", "a folder", "\"\""));
}

nlohmann::json run_suite(const SuiteOptions& o) {
  validate_suite(o);
  const auto styles = o.styles.empty() ? suite_styles() : o.styles;
  const auto& spec = envs::find_env(o.env).spec();
  const std::string env_id = spec.id;
  const bool need_sac = styles != std::vector<std::string>{"random"};
  const bool need_expert = wants(styles, "expert") || wants(styles, "medium-expert");
  const bool need_medium =
      wants(styles, "medium") || wants(styles, "medium-replay") || wants(styles, "medium-expert");
  const auto ref = data::reference_scores(env_id);
  const auto normalized_x100 = [&](double r) -> nlohmann::json {
    if (!ref) return nullptr;
    return 100.0 * data::normalized_score(*ref, r);
  };

  nlohmann::json manifest = {{"env", env_id},
                             {"seed", o.seed},
                             {"rows", o.rows},
                             {"styles", styles},
                             {"files", nlohmann::json::object()}};
  fs::create_directories(o.out);

  // ---- SAC: keep every evaluated policy and every transition ----
  std::vector<EvaluatedPolicy> evaluated;
  std::vector<OnlineRecord> records;
  if (need_sac) {
    nlohmann::json root = {{"algo", {{"name", "sac"}, {"params", o.sac_params}}},
                           {"dataset", {{"env", env_id}}},
                           {"seed", o.seed},
                           {"train", {{"steps", o.sac_steps}, {"device", o.device}}},
                           {"eval", {{"every", o.eval_every}, {"episodes", o.eval_episodes}}},
                           {"online", {{"warmup_steps", o.warmup_steps}}},
                           {"out", (o.out / "sac").string()}};
    TrainOptions to;
    to.config = parse_experiment(root, "suite");
    to.force = true;
    to.progress = o.progress;
    OnlineHooks hooks;
    hooks.record_transitions = wants(styles, "medium-replay");
    hooks.on_eval = [&](std::int64_t step, std::int64_t, const eval::EvalReport& report,
                        const std::optional<data::GaussianMlpPolicy>& policy) {
      if (!policy) throw Error("suite: SAC exported no policy");
      evaluated.push_back({step, report.return_mean, *policy});
      // without an expert to wait for, the run can end at the medium policy
      return !need_expert && o.medium_return && report.return_mean >= *o.medium_return;
    };
    const auto outcome = run_online_training(to, hooks, &records).at(0);
    manifest["sac"] = {{"run", outcome.dir.string()},
                       {"steps_done", outcome.steps_done},
                       {"warmup_steps", o.warmup_steps},
                       {"eval_every", o.eval_every},
                       {"eval_episodes", o.eval_episodes}};
  }

  // ---- choose the expert (final) and medium (first to reach the target) policies ----
  const EvaluatedPolicy* expert = nullptr;
  const EvaluatedPolicy* medium = nullptr;
  if (need_sac) {
    if (evaluated.empty()) throw Error("suite: the SAC run made no evaluation");
    expert = &evaluated.back();
    const double target = o.medium_return ? *o.medium_return : expert->mean_return / 3.0;
    for (const auto& e : evaluated) {
      if (e.mean_return >= target) {
        medium = &e;
        break;
      }
    }
    if (need_medium && !medium) {
      double best = -INFINITY;
      for (const auto& e : evaluated) best = std::max(best, e.mean_return);
      throw Error(error_message("suite", "medium policy",
                                "an evaluation with return >= " + core::format_number(target, 6),
                                "best " + core::format_number(best, 6) +
                                    " (train longer with --sac-steps or lower --medium-return)"));
    }
    if (medium) {
      manifest["medium"] = {{"target_return", target},
                            {"target_rule", o.medium_return ? "given" : "expert return / 3"},
                            {"step", medium->step},
                            {"eval_return", medium->mean_return},
                            {"eval_normalized_x100", normalized_x100(medium->mean_return)}};
    }
    if (need_expert) {
      manifest["expert"] = {{"step", expert->step},
                            {"eval_return", expert->mean_return},
                            {"eval_normalized_x100", normalized_x100(expert->mean_return)}};
    }
  }

  // ---- rollouts and files ----
  data::LoadOptions check;
  check.env = env_id;
  const auto write = [&](const std::string& style, const data::DatasetContent& content,
                         std::uint64_t rollout_seed) {
    const auto path = o.out / (env_id + "-" + style + ".hdf5");
    const auto dataset = data::Dataset::from_content(content, path.string(), check);
    data::write_dataset(dataset, path);
    // behaviour return over the complete episodes (the cut tail of a rollout file is not one)
    double sum = 0;
    std::int64_t episodes = 0;
    for (const auto& ep : data::split_episodes(dataset)) {
      if (ep.truncated()) continue;
      sum += ep.episode_return;
      ++episodes;
    }
    const double mean_return = episodes ? sum / static_cast<double>(episodes) : NAN;
    std::uint64_t terminals = 0, timeouts = 0;
    for (auto t : content.terminals) terminals += t;
    for (auto t : content.timeouts) timeouts += t;
    manifest["files"][style] = {
        {"path", path.string()},
        {"rows", content.rows},
        {"terminals", terminals},
        {"timeouts", timeouts},
        {"complete_episodes", episodes},
        {"behaviour_return", std::isfinite(mean_return) ? nlohmann::json(mean_return) : nullptr},
        {"behaviour_normalized_x100",
         std::isfinite(mean_return) ? normalized_x100(mean_return) : nullptr}};
    if (rollout_seed != 0) manifest["files"][style]["rollout_seed"] = rollout_seed;
    std::fprintf(stderr, "%s: %llu rows\n", path.c_str(),
                 static_cast<unsigned long long>(content.rows));
  };
  const auto rollout = [&](const EvaluatedPolicy* p, std::uint64_t rollout_seed) {
    eval::CollectOptions co;
    co.env = env_id;
    co.rows = o.rows;
    co.seed = rollout_seed;
    co.progress = o.progress;
    // the action noise has its own stream, apart from the env's reset noise
    const auto behaviour =
        p ? eval::gaussian_behaviour_policy(p->policy, rollout_seed ^ 0x5eed5eed5eed5eedULL)
          : eval::uniform_random_policy(spec.act_dim, spec.act_low, spec.act_high,
                                        rollout_seed ^ 0x5eed5eed5eed5eedULL);
    auto content = eval::collect(co, behaviour);
    if (p) {
      content.metadata["algorithm"] = std::string("SAC");
      content.metadata["iteration"] = static_cast<std::int32_t>(p->step);
      data::put_policy(content.metadata, p->policy);
    }
    return content;
  };
  // rollout env seeds: distinct per style and per suite seed
  const auto seed_for = [&](std::uint64_t k) { return o.seed * 16 + k; };

  if (wants(styles, "random")) write("random", rollout(nullptr, seed_for(1)), seed_for(1));
  std::optional<data::DatasetContent> medium_data, expert_data;
  if (wants(styles, "medium") || wants(styles, "medium-expert")) {
    medium_data = rollout(medium, seed_for(2));
    if (wants(styles, "medium")) write("medium", *medium_data, seed_for(2));
  }
  if (wants(styles, "medium-replay")) {
    auto replay = head_rows(records.at(0).transitions, static_cast<std::uint64_t>(medium->step));
    replay.metadata["algorithm"] = std::string("SAC");
    replay.metadata["iteration"] = static_cast<std::int32_t>(medium->step);
    write("medium-replay", replay, 0);
  }
  if (need_expert) {
    expert_data = rollout(expert, seed_for(3));
    if (wants(styles, "expert")) write("expert", *expert_data, seed_for(3));
  }
  if (wants(styles, "medium-expert")) {
    write("medium-expert", stitch_medium_expert(*medium_data, *expert_data), 0);
  }

  core::write_file_atomic(o.out / "suite.json", manifest.dump(2) + "\n");
  return manifest;
}

}  // namespace rlbench::train
