// The dataset suite: stitching as D4RL's stitch_dataset.py, and the five files from a tiny SAC
// run with D4RL's keys, flags and metadata.

#include <filesystem>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/train/suite.hpp"

namespace fs = std::filesystem;
using namespace rlbench;

TEST_SUITE_BEGIN("train");

namespace {
// `rows` rows of a 1-dim env whose observation is the row's tag; flags at the given rows.
data::DatasetContent tagged(std::uint64_t rows, float tag, std::vector<std::uint64_t> terminal_rows,
                            std::vector<std::uint64_t> timeout_rows) {
  data::DatasetContent c;
  c.rows = rows;
  c.obs_dim = 1;
  c.action_dim = 1;
  for (std::uint64_t i = 0; i < rows; ++i) {
    c.observations.push_back(tag + static_cast<float>(i));
    c.next_observations.push_back(tag + static_cast<float>(i) + 0.5F);
    c.actions.push_back(0.1F);
    c.rewards.push_back(1.0F);
    c.terminals.push_back(0);
    c.timeouts.push_back(0);
  }
  for (auto r : terminal_rows) c.terminals[r] = 1;
  for (auto r : timeout_rows) c.timeouts[r] = 1;
  std::vector<double> qpos;
  for (std::uint64_t i = 0; i < rows; ++i) qpos.insert(qpos.end(), {tag + 0.0 + i, -1.0});
  c.infos["qpos"] = {{rows, 2}, qpos};
  c.metadata["algorithm"] = std::string("SAC");
  return c;
}
}  // namespace

TEST_CASE("suite: medium-expert is medium cut after its last flagged row, then expert, capped") {
  const auto medium = tagged(10, 0.0F, {3}, {6});  // last flag at row 6: rows 7..9 are dropped
  const auto expert = tagged(5, 100.0F, {2}, {});
  const auto stitched = train::stitch_medium_expert(medium, expert);
  CHECK(stitched.rows == 12);
  CHECK(stitched.observations[6] == 6.0F);
  CHECK(stitched.observations[7] == 100.0F);
  CHECK(stitched.next_observations[11] == 104.5F);
  CHECK(stitched.timeouts[6] == 1);
  CHECK(stitched.terminals[9] == 1);
  CHECK(stitched.infos.at("qpos").shape == std::vector<std::uint64_t>{12, 2});
  CHECK(std::get<std::vector<double>>(stitched.infos.at("qpos").values)[14] == 100.0);
  CHECK(stitched.metadata.empty());  // D4RL's medium-expert files carry no metadata

  const auto capped = train::stitch_medium_expert(medium, expert, 9);
  CHECK(capped.rows == 9);
  CHECK(capped.observations.size() == 9);
  CHECK(capped.infos.at("qpos").shape == std::vector<std::uint64_t>{9, 2});
}

TEST_CASE("suite: five D4RL-layout files from a tiny SAC run") {
  train::SuiteOptions o;
  o.env = "hopper";
  o.sac_steps = 300;
  o.warmup_steps = 100;
  o.eval_every = 100;
  o.eval_episodes = 1;
  o.rows = 1200;
  o.out = "suite";
  o.progress = false;
  o.sac_params = {{"actor_hidden", {16, 16}}, {"critic_hidden", {16, 16}}};
  const auto manifest = train::run_suite(o);

  const auto medium_step = manifest["medium"]["step"].get<std::int64_t>();
  CHECK(manifest["expert"]["step"] == 300);
  CHECK(manifest["medium"]["target_rule"] == "expert return / 3");
  CHECK(manifest["medium"]["eval_return"].get<double>() >=
        manifest["medium"]["target_return"].get<double>());
  CHECK(fs::exists("suite/suite.json"));

  data::LoadOptions check;
  check.env = "hopper";
  const auto load = [&](const std::string& style) {
    return data::load_dataset("suite/hopper-" + style + ".hdf5", check);
  };
  const auto has_key = [](const data::Dataset& d, const std::string& key) {
    for (const auto& k : d.keys()) {
      if (k.key == key) return true;
    }
    return false;
  };
  const auto random = load("random");
  const auto medium = load("medium");
  const auto replay = load("medium-replay");
  const auto expert = load("expert");
  const auto medium_expert = load("medium-expert");

  // rows: random/medium/expert exactly --rows; replay up to the medium policy's step
  CHECK(random.rows() == 1200);
  CHECK(medium.rows() == 1200);
  CHECK(expert.rows() == 1200);
  CHECK(replay.rows() == static_cast<std::uint64_t>(medium_step));

  // metadata as in D4RL (datasets.md §3): random and medium-expert none; replay no policy
  CHECK(random.metadata().empty());
  CHECK(medium_expert.metadata().empty());
  CHECK(std::get<std::string>(medium.metadata().at("algorithm")) == "SAC");
  CHECK(std::get<std::int32_t>(medium.metadata().at("iteration")) == medium_step);
  CHECK(data::get_policy(medium.metadata(), "medium").has_value());
  CHECK(data::get_policy(expert.metadata(), "expert").has_value());
  CHECK(replay.metadata().count("algorithm") == 1);
  CHECK_FALSE(data::get_policy(replay.metadata(), "replay").has_value());
  for (const auto* d : {&random, &medium, &replay, &expert, &medium_expert}) {
    for (const auto* key : {"next_observations", "infos/qpos", "infos/qvel",
                            "infos/action_log_probs", "timeouts", "terminals"}) {
      CAPTURE(key);
      CHECK(has_key(*d, key));
    }
    for (std::uint64_t i = 0; i < d->rows(); ++i) {
      if (d->terminals()[i] && d->timeouts()[i]) FAIL("row " << i << " is terminal and timeout");
    }
  }

  // medium-expert: medium up to its last flagged row, then the expert file
  std::uint64_t cut = 0;
  for (std::uint64_t i = 0; i < medium.rows(); ++i) {
    if (medium.terminals()[i] || medium.timeouts()[i]) cut = i + 1;
  }
  REQUIRE(medium_expert.rows() == cut + expert.rows());
  CHECK(medium_expert.observations()[(cut - 1) * 11] == medium.observations()[(cut - 1) * 11]);
  CHECK(medium_expert.observations()[cut * 11] == expert.observations()[0]);
  // the replay's rows are the SAC run's first steps: warm-up rows have the uniform log-prob
  const auto& lp = std::get<std::vector<float>>(replay.infos().at("action_log_probs").values);
  CHECK(lp[0] == doctest::Approx(-3 * std::log(2.0)));
}

TEST_CASE("suite: bad options are usage errors before anything runs") {
  train::SuiteOptions o;
  o.env = "hopper";
  o.out = "x";
  o.styles = {"medium", "expret"};
  CHECK_THROWS_WITH_AS(train::validate_suite(o), doctest::Contains("unknown style \"expret\""),
                       UsageError);
  o.styles = {};
  o.env = "hoper";
  CHECK_THROWS_AS(train::validate_suite(o), UsageError);
  CHECK_FALSE(fs::exists("x"));
}
