#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/io/result.hpp"
#include "rlbench/train/experiment.hpp"
#include "rlbench/train/policy.hpp"
#include "rlbench/train/trainer.hpp"

namespace fs = std::filesystem;
using namespace rlbench;
using nlohmann::json;

namespace {

// A small hopper-shaped dataset (11-dim observations, 3-dim actions) with episodes of 50 rows,
// every second one ending in a terminal and the others in a timeout.
fs::path write_tiny_hopper_dataset(const fs::path& path) {
  data::DatasetContent c;
  c.rows = 400;
  c.obs_dim = 11;
  c.action_dim = 3;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  for (std::uint64_t i = 0; i < c.rows * c.obs_dim; ++i) c.observations.push_back(u(rng));
  for (std::uint64_t i = 0; i < c.rows * c.action_dim; ++i) c.actions.push_back(u(rng));
  for (std::uint64_t i = 0; i < c.rows; ++i) {
    c.rewards.push_back(1.0F + u(rng));
    const bool end = i % 50 == 49;
    c.terminals.push_back(end && (i / 50) % 2 == 0 ? 1 : 0);
    c.timeouts.push_back(end && (i / 50) % 2 == 1 ? 1 : 0);
  }
  c.next_observations = c.observations;
  data::write_dataset(data::Dataset::from_content(c, "tiny"), path);
  return path;
}

train::ExperimentConfig tiny_config(const std::string& algo, const fs::path& dataset) {
  json root = {{"algo", {{"name", algo}}},
               {"dataset", {{"name", dataset.string()}, {"env", "hopper"}}},
               // the CPU, where runs are bit-reproducible, also on a machine with a GPU
               {"train", {{"steps", 40}, {"batch_size", 16}, {"log_every", 10}, {"device", "cpu"}}},
               {"eval", {{"every", 20}, {"episodes", 2}}},
               {"out", "runs"}};
  return train::parse_experiment(root, "test");
}

// A tiny run of `algo` on the tiny hopper dataset, without progress output.
train::TrainOptions tiny_options(const std::string& algo) {
  train::TrainOptions options;
  options.config = tiny_config(algo, write_tiny_hopper_dataset("tiny-hopper.hdf5"));
  options.progress = false;
  return options;
}

}  // namespace

TEST_SUITE_BEGIN("train");

TEST_CASE("experiment config: defaults, reference eval cadence and strict keys") {
  const auto prdc = train::parse_experiment(
      json{{"algo", {{"name", "prdc"}}}, {"dataset", {{"name", "hopper-medium-v2"}}}}, "cfg");
  CHECK(prdc.steps == 1000000);
  CHECK(prdc.batch_size == 256);
  CHECK(prdc.eval_every == 1000);
  CHECK(prdc.eval_episodes == 50);
  CHECK(prdc.seeds == std::vector<std::uint64_t>{0});
  const auto td3 = train::parse_experiment(
      json{{"algo", {{"name", "td3_bc"}}}, {"dataset", {{"name", "x.hdf5"}}}, {"seeds", {3, 1}}},
      "cfg");
  CHECK(td3.eval_every == 5000);
  CHECK(td3.seeds == std::vector<std::uint64_t>{3, 1});

  CHECK_THROWS_WITH_AS(train::parse_experiment(json{{"algo", {{"name", "prdc"}}},
                                                    {"dataset", {{"name", "d"}}},
                                                    {"train", {{"stpes", 10}}}},
                                               "exp.json"),
                       "exp.json: train.stpes: unknown key (did you mean \"steps\"?)", UsageError);
  CHECK_THROWS_WITH_AS(train::parse_experiment(json{{"algo", {{"name", "prdc"}}},
                                                    {"dataset", {{"name", "d"}}},
                                                    {"train", {{"batch_size", 0}}}},
                                               "exp.json"),
                       "exp.json: train.batch_size: expected at least 1, got 0", UsageError);
  CHECK_THROWS_WITH_AS(train::parse_experiment(json{{"algo", {{"name", "prdc"}}},
                                                    {"dataset", {{"name", "d"}}},
                                                    {"train", {{"workers", -1}}}},
                                               "exp.json"),
                       "exp.json: train.workers: expected 0 (auto) or more, got -1", UsageError);
  CHECK_THROWS_WITH_AS(train::parse_experiment(json{{"dataset", {{"name", "d"}}}}, "exp.json"),
                       "exp.json: algo.name: expected an algorithm name (--algo), got none",
                       UsageError);
  CHECK_THROWS_AS(train::parse_experiment(json{{"algo", {{"name", "prdc"}}},
                                               {"dataset", {{"name", "d"}}},
                                               {"seed", 1},
                                               {"seeds", {1, 2}}},
                                          "exp.json"),
                  UsageError);
}

TEST_CASE("run folder names depend on the config but not on the seed list or output folder") {
  const auto cfg = tiny_config("td3_bc", "d.hdf5");
  auto j = train::to_json(cfg);
  const auto a = train::run_name("td3_bc", "d.hdf5", 0, j);
  j["out"] = "elsewhere";
  CHECK(train::run_name("td3_bc", "d.hdf5", 0, j) == a);
  j["train"]["workers"] = 2;  // how seeds are spread over threads is not a hyperparameter
  CHECK(train::run_name("td3_bc", "d.hdf5", 0, j) == a);
  j["train"]["cuda_graphs"] = false;  // nor is how CUDA kernels are launched
  CHECK(train::run_name("td3_bc", "d.hdf5", 0, j) == a);
  CHECK(a.rfind("td3_bc-d-s0-", 0) == 0);
  j["train"]["steps"] = 41;
  CHECK(train::run_name("td3_bc", "d.hdf5", 0, j) != a);
}

TEST_CASE("training writes the run folder, evaluates, and does not repeat a completed run") {
  const auto dataset = write_tiny_hopper_dataset("tiny-hopper.hdf5");
  train::TrainOptions options;
  options.config = tiny_config("td3_bc", dataset);
  options.progress = false;
  const auto first = train::run_training(options);
  REQUIRE(first.size() == 1);
  CHECK(first[0].status == "completed");
  const auto dir = first[0].dir;
  CHECK(fs::exists(dir / "config.json"));
  CHECK(fs::exists(dir / "checkpoint.pt"));
  const auto result = io::read_result(dir / "result.json");
  CHECK(result.status == io::RunStatus::completed);
  CHECK(result.steps_done == 40);
  REQUIRE(result.eval.size() == 2);
  CHECK(result.eval[0].step == 20);
  CHECK(result.eval[1].step == 40);
  CHECK(result.eval[1].returns.size() == 2);
  CHECK(result.eval[1].normalized_mean_x100.has_value());  // hopper reference scores
  CHECK(result.dataset.transitions == 399 - 3);  // timeouts at rows 99, 199, 299; 399 is last
  const auto metrics = core::read_file(dir / "metrics.jsonl");
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 4);

  const auto again = train::run_training(options);
  REQUIRE(again.size() == 1);
  CHECK(again[0].status == "already completed");
  CHECK(io::read_result(dir / "result.json").end_time == result.end_time);
}

TEST_CASE("an unregistered file gets its env's defaults, whatever its path spells") {
  // the file name starts like a halfcheetah dataset, but the env is hopper: PRDC's α is 2.5
  const auto dataset = write_tiny_hopper_dataset("halfcheetah-lookalike.hdf5");
  train::TrainOptions options;
  options.config = tiny_config("prdc", dataset);
  options.config.steps = 2;
  options.config.eval_every = 2;
  options.config.eval_episodes = 1;
  options.progress = false;
  const auto runs = train::run_training(options);
  REQUIRE(runs.size() == 1);
  const auto config = json::parse(core::read_file(runs[0].dir / "config.json"));
  CHECK(config["algo"]["params"]["alpha"] == 2.5);
  CHECK(config["dataset"]["env"] == "hopper");
}

TEST_CASE("a killed run resumes from its checkpoint and ends exactly like an uninterrupted one") {
  const auto dataset = write_tiny_hopper_dataset("tiny-hopper.hdf5");
  for (const std::string algo : {"td3_bc", "prdc", "a2pr"}) {
    CAPTURE(algo);
    train::TrainOptions whole;
    whole.config = tiny_config(algo, dataset);
    whole.config.out = "whole-" + algo;
    whole.progress = false;
    const auto a = train::run_training(whole);

    train::TrainOptions killed = whole;
    killed.config.out = "killed-" + algo;
    killed.stop_after_updates = 27;  // last checkpoint at step 20
    const auto stopped = train::run_training(killed);
    REQUIRE(stopped[0].status == "stopped");
    killed.stop_after_updates = 0;
    killed.require_resume = true;
    const auto b = train::run_training(killed);
    REQUIRE(b[0].status == "completed");

    const auto ra = io::read_result(a[0].dir / "result.json");
    const auto rb = io::read_result(b[0].dir / "result.json");
    REQUIRE(ra.eval.size() == rb.eval.size());
    for (std::size_t i = 0; i < ra.eval.size(); ++i)
      CHECK(ra.eval[i].returns == rb.eval[i].returns);
    CHECK(core::read_file(a[0].dir / "metrics.jsonl").size() > 0);
    CHECK(core::sha256_file(a[0].dir / "checkpoint.pt") ==
          core::sha256_file(b[0].dir / "checkpoint.pt"));
  }
}

TEST_CASE("a kill after the final checkpoint is completed by the next run, without training") {
  auto options = tiny_options("td3_bc");
  const auto dir = train::run_training(options)[0].dir;
  const auto done = io::read_result(dir / "result.json");
  const auto checkpoint_sha = core::sha256_file(dir / "checkpoint.pt");
  const auto metrics = core::read_file(dir / "metrics.jsonl");
  // what a kill leaves between the final checkpoint and the completed result
  auto running = done;
  running.status = io::RunStatus::running;
  running.end_time.clear();
  io::write_result(dir / "result.json", running);
  const auto stale = dir / "result.json.tmp.999999999.0";
  core::write_file_atomic(stale, "half");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(1));

  const auto again = train::run_training(options);
  REQUIRE(again.size() == 1);
  CHECK(again[0].status == "completed");
  const auto repaired = io::read_result(dir / "result.json");
  CHECK(repaired.status == io::RunStatus::completed);
  REQUIRE(repaired.eval.size() == done.eval.size());
  CHECK(repaired.eval.back().returns == done.eval.back().returns);
  CHECK(core::sha256_file(dir / "checkpoint.pt") == checkpoint_sha);
  CHECK(core::read_file(dir / "metrics.jsonl") == metrics);
  CHECK_FALSE(fs::exists(stale));  // no such process, and old
}

TEST_CASE("a PRDC run loads for evaluation without its dataset, and acts as it trained") {
  const auto dir = train::run_training(tiny_options("prdc"))[0].dir;
  const auto with_data = train::load_run(dir, torch::kCPU);
  fs::rename("tiny-hopper.hdf5", "moved.hdf5");  // gone, as on another machine
  const auto without = train::load_run(dir, torch::kCPU);
  fs::rename("moved.hdf5", "tiny-hopper.hdf5");
  CHECK(without.step == 40);
  CHECK(without.env == "hopper");
  CHECK(without.reference == with_data.reference);
  const auto obs = torch::randn({1, 5, 11});
  CHECK(torch::equal(without.algo->act(obs), with_data.algo->act(obs)));
  // built only to act: no search structures, so no updates
  const algos::Batch batch{obs, torch::zeros({1, 5, 3}), torch::zeros({1, 5, 1}), obs,
                           torch::ones({1, 5, 1})};
  CHECK_THROWS_WITH(without.algo->update(batch),
                    "prdc: update() on an instance built only to act (no dataset)");
}

TEST_CASE("a refused --force run leaves the completed run as it was") {
  auto options = tiny_options("td3_bc");
  const auto dir = train::run_training(options)[0].dir;
  options.force = true;
  options.require_resume = true;  // no unfinished run to resume: refused
  CHECK_THROWS_AS(train::run_training(options), UsageError);
  CHECK(io::read_result(dir / "result.json").status == io::RunStatus::completed);
  CHECK(fs::exists(dir / "checkpoint.pt"));
  CHECK(fs::exists(dir / "metrics.jsonl"));
}

TEST_CASE("seeds trained together match the same seeds trained alone") {
  const auto dataset = write_tiny_hopper_dataset("tiny-hopper.hdf5");
  train::TrainOptions together;
  together.config = tiny_config("td3_bc", dataset);
  together.config.seeds = {0, 1};
  together.config.workers = 1;  // one ensemble of both seeds
  together.config.out = "together";
  together.progress = false;
  const auto both = train::run_training(together);
  REQUIRE(both.size() == 2);

  train::TrainOptions alone = together;
  alone.config.seeds = {1};
  alone.config.out = "alone";
  const auto one = train::run_training(alone);
  REQUIRE(one.size() == 1);
  CHECK(both[1].dir.filename() == one[0].dir.filename());
  const auto r2 = io::read_result(both[1].dir / "result.json");
  const auto r1 = io::read_result(one[0].dir / "result.json");
  REQUIRE(r1.eval.size() == r2.eval.size());
  for (std::size_t i = 0; i < r1.eval.size(); ++i) {
    for (std::size_t k = 0; k < r1.eval[i].returns.size(); ++k) {
      CHECK(r1.eval[i].returns[k] == doctest::Approx(r2.eval[i].returns[k]).epsilon(1e-6));
    }
  }
}

TEST_CASE("seed groups in worker threads match one ensemble and resume exactly") {
  const auto dataset = write_tiny_hopper_dataset("tiny-hopper.hdf5");
  train::TrainOptions ensemble;
  ensemble.config = tiny_config("prdc", dataset);
  ensemble.config.seeds = {0, 1, 2};
  ensemble.config.workers = 1;
  ensemble.config.checkpoint_every = 10;
  ensemble.config.out = "ensemble";
  ensemble.progress = false;
  const auto one = train::run_training(ensemble);

  train::TrainOptions split = ensemble;
  split.config.workers = 2;  // seeds {0, 1} and {2} in two threads
  split.config.out = "split";
  const auto two = train::run_training(split);
  REQUIRE(two.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(two[i].seed == one[i].seed);
    CHECK(two[i].status == "completed");
    CHECK(two[i].dir.filename() == one[i].dir.filename());
    const auto config = json::parse(core::read_file(two[i].dir / "config.json"));
    CHECK(config["train"]["workers"] == 2);
    const auto r1 = io::read_result(one[i].dir / "result.json");
    const auto r2 = io::read_result(two[i].dir / "result.json");
    REQUIRE(r1.eval.size() == r2.eval.size());
    for (std::size_t k = 0; k < r1.eval.back().returns.size(); ++k) {
      CHECK(r2.eval.back().returns[k] == doctest::Approx(r1.eval.back().returns[k]).epsilon(1e-6));
    }
  }

  // stopped together after 60 updates in all: neither group can finish its 40 steps without the
  // other passing step 20, so every run has a checkpoint to resume from
  train::TrainOptions killed = split;
  killed.config.out = "killed";
  killed.stop_after_updates = 60;
  const auto stopped = train::run_training(killed);
  CHECK(std::any_of(stopped.begin(), stopped.end(),
                    [](const train::RunOutcome& o) { return o.status == "stopped"; }));
  killed.stop_after_updates = 0;
  const auto resumed = train::run_training(killed);
  for (const auto& r : resumed) {
    CAPTURE(r.seed);
    const auto& whole = *std::find_if(two.begin(), two.end(),
                                      [&](const train::RunOutcome& o) { return o.seed == r.seed; });
    CHECK(core::sha256_file(r.dir / "checkpoint.pt") ==
          core::sha256_file(whole.dir / "checkpoint.pt"));
  }
}

TEST_SUITE_END();
