#include <cmath>
#include <filesystem>
#include <functional>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/io/provenance.hpp"
#include "rlbench/io/result.hpp"

#include "io/result_fixture.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using rlbench::io::RunStatus;
using rlbench::test::make_run;

namespace {

// from_json on a modified copy of a valid document, returning the error message
std::string error_after(const std::function<void(json&)>& edit) {
  json doc = rlbench::io::to_json(
      make_run("td3_bc", "hopper-medium-v2", 1, RunStatus::completed, {10.0, 50.0, 30.0}));
  edit(doc);
  try {
    rlbench::io::from_json(doc, "r.json");
  } catch (const rlbench::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("make_eval_entry computes return statistics and x100 normalized scores") {
  const auto e = rlbench::io::make_eval_entry(7000, {1000.0, 2000.0, 3000.0}, {1000, 800, 1000},
                                              rlbench::data::reference_scores("hopper-medium-v2"));
  CHECK(e.step == 7000);
  CHECK(e.mean_return == doctest::Approx(2000.0));
  CHECK(e.std_return == doctest::Approx(816.4965809277261));  // population std, ddof = 0
  REQUIRE(e.normalized_mean_x100);
  CHECK(*e.normalized_mean_x100 == doctest::Approx(62.07489389300878));
  CHECK(*e.normalized_std_x100 == doctest::Approx(25.087676794684885));

  const auto no_ref = rlbench::io::make_eval_entry(1, {5.0}, {3}, std::nullopt);
  CHECK_FALSE(no_ref.normalized_mean_x100);
  CHECK(no_ref.std_return == 0.0);
  CHECK_THROWS_WITH_AS(rlbench::io::make_eval_entry(3, {1.0, 2.0}, {5}, std::nullopt),
                       "evaluation at step 3: episode lengths: expected 2, got 1", rlbench::Error);
  CHECK_THROWS_WITH_AS(rlbench::io::make_eval_entry(3, {1.0, NAN}, {5, 5}, std::nullopt),
                       "evaluation at step 3: episode 1: return is not finite", rlbench::Error);
}

TEST_CASE("final is the last evaluation, best the maximum") {
  auto r = make_run("td3_bc", "hopper-medium-v2", 0, RunStatus::completed, {10.0, 50.0, 30.0});
  CHECK(*rlbench::io::final_normalized_score_x100(r) == 30.0);
  CHECK(*rlbench::io::best_normalized_score_x100(r) == 50.0);
  const json doc = rlbench::io::to_json(r);
  CHECK(doc["final_normalized_score_x100"] == 30.0);
  CHECK(doc["best_normalized_score_x100"] == 50.0);
  r.eval.clear();
  CHECK(rlbench::io::to_json(r)["final_normalized_score_x100"].is_null());
}

TEST_CASE("write_result and read_result round-trip atomically") {
  fs::remove_all("result_rt");
  auto r = make_run("prdc", "walker2d-medium-v2", 3, RunStatus::running, {12.5});
  r.versions = rlbench::io::versions_json();
  r.algo_params = {{"alpha", 2.5}, {"beta", 2.0}, {"actor", {{"lr", 3e-4}}}};
  const fs::path path = "result_rt/prdc/seed_0003/result.json";
  rlbench::io::write_result(path, r);
  r.status = RunStatus::completed;
  r.end_time = "2026-11-22T06:00:00Z";
  rlbench::io::write_result(path, r);  // the rewrite replaces the file
  CHECK(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()) == 1);

  const auto back = rlbench::io::read_result(path);
  CHECK(back.status == RunStatus::completed);
  CHECK(back.algo == "prdc");
  CHECK(back.algo_params == r.algo_params);
  CHECK(back.dataset.name == "walker2d-medium-v2");
  CHECK(back.dataset.transitions == 1000);
  CHECK(back.seed == 3);
  CHECK(back.eval.size() == 1);
  CHECK(back.eval[0].returns == r.eval[0].returns);
  CHECK(back.eval[0].lengths == r.eval[0].lengths);
  CHECK(*back.eval[0].normalized_mean_x100 == 12.5);
  CHECK(back.timings.updates_per_s == 125.0);
  CHECK(back.versions == r.versions);
  CHECK(back.end_time == "2026-11-22T06:00:00Z");
  CHECK(rlbench::io::to_json(back) == rlbench::io::to_json(r));
}

TEST_CASE("read_result rejects malformed files with the file and the key") {
  CHECK(error_after([](json&) {}) == "(no error)");
  CHECK(error_after([](json& d) { d.erase("seed"); }) == "r.json: seed: missing");
  CHECK(error_after([](json& d) { d["eval"][1]["returns"] = "x"; }) ==
        "r.json: eval[1].returns: expected a list, got string");
  CHECK(error_after([](json& d) {
          d["eval"][1]["returns"] = {1.0, "x"};
        }) == "r.json: eval[1].returns: expected a list of numbers, got string");
  CHECK(error_after([](json& d) { d["eval"][0]["lengths"] = {1000}; }) ==
        "r.json: eval[0].lengths: expected 2 entries (one per return), got 1");
  CHECK(error_after([](json& d) { d["sed"] = 1; }) ==
        "r.json: sed: unknown key (did you mean \"seed\"?)");
  CHECK(error_after([](json& d) { d["timings"]["wall"] = 1; }) ==
        "r.json: timings.wall: unknown key (did you mean \"wall_s\"?)");
  CHECK(error_after([](json& d) { d["schema_version"] = 2; }) ==
        "r.json: schema_version: unsupported: expected 1, got 2");
  CHECK(error_after([](json& d) { d["status"] = "done"; }) ==
        "r.json: status: expected \"running\", \"completed\" or \"failed\", got \"done\"");
  CHECK(
      error_after([](json& d) { d["final_normalized_score_x100"] = 31.0; }) ==
      "r.json: final_normalized_score_x100: does not match the eval list: expected 30.0, got 31.0");
  CHECK(
      error_after([](json& d) { d["best_normalized_score_x100"] = nullptr; }) ==
      "r.json: best_normalized_score_x100: does not match the eval list: expected 50.0, got null");
  CHECK(error_after([](json& d) { d["end_time"] = nullptr; }) ==
        "r.json: end_time: expected the end time of a completed run, got null");
  CHECK(error_after([](json& d) { d["status"] = "failed"; }) ==
        "r.json: error: expected the failure message of a failed run, got null");
  CHECK(error_after([](json& d) { d["versions"].erase("mujoco"); }) ==
        "r.json: versions.mujoco: missing");
  CHECK(error_after([](json& d) { d["dataset"]["sha256"] = "ABC"; }) ==
        "r.json: dataset.sha256: expected 64 lowercase hex digits, got \"ABC\"");
  CHECK(error_after([](json& d) { d["seed"] = -1; }) ==
        "r.json: seed: expected an integer >= 0, got -1");
  CHECK(error_after([](json& d) { d["eval"][2]["step"] = 100; }) ==
        "r.json: eval[2].step: expected steps in increasing order, got 100 after 1000");
  CHECK(error_after([](json& d) { d = json::array(); }) ==
        "r.json: (top level): expected an object, got list");

  rlbench::core::write_file_atomic("broken/result.json", "{\"schema_version\": 1,");
  CHECK_THROWS_WITH_AS(rlbench::io::read_result("broken/result.json"),
                       doctest::Contains("broken/result.json: not valid JSON: "), rlbench::Error);
}

TEST_CASE("the example in docs/results.md is a valid result") {
  const std::string doc = rlbench::core::read_file(rlbench::test::source_dir() / "docs/results.md");
  const auto begin = doc.find("```json\n");
  REQUIRE(begin != std::string::npos);
  const auto end = doc.find("```", begin + 8);
  const json example = json::parse(doc.substr(begin + 8, end - begin - 8));
  const auto r = rlbench::io::from_json(example, "docs/results.md");
  CHECK(r.status == RunStatus::completed);
  CHECK(r.eval.size() == 2);
  // its numbers are what make_eval_entry computes from its returns
  for (const auto& e : r.eval) {
    const auto again = rlbench::io::make_eval_entry(
        e.step, e.returns, e.lengths, rlbench::data::reference_scores(r.dataset.name));
    CHECK(again.mean_return == doctest::Approx(e.mean_return));
    CHECK(again.std_return == doctest::Approx(e.std_return));
    CHECK(*again.normalized_mean_x100 == doctest::Approx(*e.normalized_mean_x100));
    CHECK(*again.normalized_std_x100 == doctest::Approx(*e.normalized_std_x100));
  }
}

TEST_SUITE_END();
