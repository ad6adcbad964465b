// The online loop (SAC): run folder, snapshots, the D4RL-layout transition record and the
// config rules for online algorithms.

#include <filesystem>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/io/result.hpp"
#include "rlbench/train/experiment.hpp"
#include "rlbench/train/online.hpp"

namespace fs = std::filesystem;
using namespace rlbench;
using nlohmann::json;

TEST_SUITE_BEGIN("train");

namespace {
json tiny_sac(std::int64_t steps) {
  return {
      {"algo",
       {{"name", "sac"}, {"params", {{"actor_hidden", {16, 16}}, {"critic_hidden", {16, 16}}}}}},
      {"dataset", {{"env", "hopper"}}},
      {"train", {{"steps", steps}, {"batch_size", 16}, {"log_every", 50}}},
      {"eval", {{"every", 100}, {"episodes", 1}}},
      {"online", {{"warmup_steps", 60}, {"snapshot_returns", {-1e9, 1e9}}}},
      {"out", "runs"}};
}
}  // namespace

TEST_CASE("online config: env instead of dataset, raw observations, online section") {
  const auto c = train::parse_experiment(tiny_sac(10), "cfg");
  CHECK(c.online);
  CHECK_FALSE(c.normalize_states);
  CHECK(c.warmup_steps == 60);
  CHECK(train::to_json(c)["online"]["replay_size"] == 1000000);

  auto with_dataset = tiny_sac(10);
  with_dataset["dataset"]["name"] = "hopper-medium-v2";
  CHECK_THROWS_WITH(train::parse_experiment(with_dataset, "cfg"),
                    "cfg: dataset.name: expected no dataset for the online algorithm sac (it "
                    "trains in dataset.env), got \"hopper-medium-v2\"");
  auto no_env = tiny_sac(10);
  no_env["dataset"].erase("env");
  CHECK_THROWS_WITH(train::parse_experiment(no_env, "cfg"),
                    "cfg: dataset.env: expected the env sac trains in (--env), got none");
  auto normalized = tiny_sac(10);
  normalized["train"]["normalize_states"] = true;
  CHECK_THROWS_WITH(train::parse_experiment(normalized, "cfg"),
                    doctest::Contains("train.normalize_states: expected false"));
  const json offline = {{"algo", {{"name", "td3_bc"}}},
                        {"dataset", {{"name", "hopper-medium-v2"}}},
                        {"online", {{"warmup_steps", 5}}}};
  CHECK_THROWS_WITH(train::parse_experiment(offline, "cfg"),
                    "cfg: online: expected no online section for the offline algorithm td3_bc, "
                    "got one");
  CHECK_FALSE(train::to_json(train::parse_experiment({{"algo", {{"name", "td3_bc"}}},
                                                      {"dataset", {{"name", "hopper-medium-v2"}}}},
                                                     "cfg"))
                  .contains("online"));
}

TEST_CASE("online SAC: run folder, snapshots, transition record, early stop") {
  train::TrainOptions options;
  options.config = train::parse_experiment(tiny_sac(250), "test");
  options.progress = false;
  train::OnlineHooks hooks;
  hooks.record_transitions = true;
  std::vector<std::int64_t> eval_steps;
  hooks.on_eval = [&](std::int64_t step, std::int64_t member, const eval::EvalReport& report,
                      const std::optional<data::GaussianMlpPolicy>& policy) {
    CHECK(member == 0);
    CHECK(report.returns.size() == 1);
    CHECK(policy.has_value());
    eval_steps.push_back(step);
    return step >= 200;  // stop at the second evaluation
  };
  std::vector<train::OnlineRecord> records;
  const auto outcomes = train::run_online_training(options, hooks, &records);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].status == "completed");
  CHECK(outcomes[0].steps_done == 200);
  CHECK(eval_steps == std::vector<std::int64_t>{100, 200});

  const auto dir = outcomes[0].dir;
  CHECK(dir.filename().string().rfind("sac-hopper-s0-", 0) == 0);
  const auto result = io::read_result(dir / "result.json");
  CHECK(result.status == io::RunStatus::completed);
  CHECK(result.eval.size() == 2);
  CHECK(result.eval[0].normalized_mean_x100.has_value());  // hopper's reference scores
  for (const auto* f : {"config.json", "metrics.jsonl", "checkpoint.pt", "policy.hdf5"}) {
    CAPTURE(f);
    CHECK(fs::exists(dir / f));
  }
  // the -1e9 snapshot is taken at the first evaluation; 1e9 never
  std::vector<std::string> snaps;
  for (const auto& e : fs::directory_iterator(dir / "snapshots")) {
    snaps.push_back(e.path().filename().string());
  }
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0] == "return-1000000000-step100.hdf5");
  const auto snap = data::read_policy_file(dir / "snapshots" / snaps[0]);
  CHECK(snap.obs_dim() == 11);
  CHECK(snap.act_dim() == 3);

  // one D4RL row per env step, flags exclusive, qpos/qvel float64 of the right width
  REQUIRE(records.size() == 1);
  const auto& t = records[0].transitions;
  CHECK(t.rows == 200);
  CHECK(t.observations.size() == 200 * 11);
  CHECK(t.infos.at("qpos").shape == std::vector<std::uint64_t>{200, 6});
  CHECK(t.infos.at("qpos").is_double());
  CHECK(t.infos.at("action_log_probs").shape == std::vector<std::uint64_t>{200});
  std::uint64_t ends = 0;
  for (std::uint64_t i = 0; i < t.rows; ++i) {
    CHECK_FALSE((t.terminals[i] && t.timeouts[i]));
    ends += t.terminals[i];
  }
  CHECK(ends > 0);  // a random hopper falls within 200 steps
  // warm-up rows carry the uniform density, later rows the policy's
  const auto& lp = std::get<std::vector<float>>(t.infos.at("action_log_probs").values);
  CHECK(lp[0] == doctest::Approx(-3 * std::log(2.0)));
  CHECK(lp[150] != doctest::Approx(-3 * std::log(2.0)));
  // the record is a valid dataset
  data::LoadOptions check;
  check.env = "hopper";
  CHECK_NOTHROW(data::Dataset::from_content(t, "record", check));

  // the same command again: already completed
  const auto again = train::run_online_training(options);
  CHECK(again[0].status == "already completed");
}
