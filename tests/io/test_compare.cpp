#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "rlbench/cli/compare.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/io/compare.hpp"
#include "rlbench/io/result.hpp"

#include "io/result_fixture.hpp"

namespace fs = std::filesystem;
using rlbench::io::CompareMetric;
using rlbench::io::RunStatus;
using rlbench::test::make_run;

namespace {

// 3 seeds x 2 algos on hopper-medium-v2, one more td3_bc seed still running, one prdc seed that
// failed, and a single td3_bc run on walker2d. Final scores: td3_bc 60, 62, 67; prdc 40, 44, 48.
// Best scores: td3_bc 70, 65, 67; prdc 40, 44, 48.
void write_fixture(const fs::path& root) {
  fs::remove_all(root);
  const auto put = [&](const std::string& dir, const rlbench::io::RunResult& r) {
    rlbench::io::write_result(root / dir / "result.json", r);
  };
  const std::string ds = "hopper-medium-v2";
  put("td3_bc/hopper/seed_0000", make_run("td3_bc", ds, 0, RunStatus::completed, {70, 60}));
  put("td3_bc/hopper/seed_0001", make_run("td3_bc", ds, 1, RunStatus::completed, {65, 62}));
  put("td3_bc/hopper/seed_0002", make_run("td3_bc", ds, 2, RunStatus::completed, {50, 67}));
  put("td3_bc/hopper/seed_0003", make_run("td3_bc", ds, 3, RunStatus::running, {99}));
  put("prdc/hopper/seed_0002", make_run("prdc", ds, 2, RunStatus::completed, {30, 48}));
  put("prdc/hopper/seed_0000", make_run("prdc", ds, 0, RunStatus::completed, {40}));
  put("prdc/hopper/seed_0001", make_run("prdc", ds, 1, RunStatus::completed, {44}));
  put("prdc/hopper/seed_0003", make_run("prdc", ds, 3, RunStatus::failed, {}));
  put("td3_bc/walker/seed_0000",
      make_run("td3_bc", "walker2d-medium-v2", 0, RunStatus::completed, {80}));
  // not a result file: ignored
  rlbench::core::write_file_atomic(root / "td3_bc/hopper/seed_0000/config.json", "{}");
}

std::vector<rlbench::io::LoadedRun> load(const fs::path& root) {
  std::vector<rlbench::io::LoadedRun> runs;
  for (const auto& f : rlbench::io::find_result_files({root.string()})) {
    runs.push_back({f, rlbench::io::read_result(f)});
  }
  return runs;
}

struct Captured {
  std::string out;
  std::string err;
};

Captured run_compare_cli(const rlbench::cli::CompareOptions& options) {
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  try {
    rlbench::cli::run_compare(options);
  } catch (...) {
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    throw;
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {out.str(), err.str()};
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("find_result_files searches directories and rejects missing paths") {
  write_fixture("cmp_find");
  const auto files = rlbench::io::find_result_files({"cmp_find", "cmp_find/prdc"});
  CHECK(files.size() == 9);  // duplicates through the second path are dropped
  for (const auto& f : files) CHECK(f.filename() == "result.json");
  CHECK(rlbench::io::find_result_files({"cmp_find/prdc/hopper/seed_0000/result.json"}).size() == 1);
  CHECK_THROWS_WITH_AS(rlbench::io::find_result_files({"cmp_find", "cmp_nowhere"}),
                       "cmp_nowhere: no such file or directory", rlbench::UsageError);
}

TEST_CASE("compare groups completed runs and aggregates over seeds") {
  write_fixture("cmp_group");
  const auto runs = load("cmp_group");
  REQUIRE(runs.size() == 9);

  SUBCASE("final score by algo and dataset") {
    const auto rep =
        rlbench::io::compare_runs(runs, {"algo", "dataset"}, CompareMetric::final_score());
    CHECK(rep.runs_used == 7);
    CHECK(rep.skipped_running == 1);
    CHECK(rep.skipped_failed == 1);
    CHECK(rep.skipped_no_score == 0);
    REQUIRE(rep.groups.size() == 3);
    // sorted: prdc before td3_bc, hopper before walker2d
    CHECK(rep.groups[0].key_values == std::vector<std::string>{"prdc", "hopper-medium-v2"});
    CHECK(rep.groups[0].n() == 3);
    CHECK(rep.groups[0].seeds == std::vector<long long>{0, 1, 2});
    CHECK(rep.groups[0].values == std::vector<double>{40, 44, 48});
    CHECK(rep.groups[0].mean == doctest::Approx(44.0));
    CHECK(*rep.groups[0].std == doctest::Approx(4.0));  // sample std, ddof = 1
    CHECK(rep.groups[1].key_values == std::vector<std::string>{"td3_bc", "hopper-medium-v2"});
    CHECK(rep.groups[1].mean == doctest::Approx(63.0));
    CHECK(*rep.groups[1].std == doctest::Approx(3.605551275463989));
    CHECK(rep.groups[2].key_values == std::vector<std::string>{"td3_bc", "walker2d-medium-v2"});
    CHECK(rep.groups[2].n() == 1);
    CHECK_FALSE(rep.groups[2].std);
    CHECK(rlbench::io::skipped_summary(rep) ==
          "skipped 2 runs that are not completed (1 running, 1 failed)");
  }
  SUBCASE("best score") {
    const auto rep =
        rlbench::io::compare_runs(runs, {"algo", "dataset"}, CompareMetric::best_score());
    CHECK(rep.groups[1].values == std::vector<double>{70, 65, 67});
    CHECK(rep.groups[1].mean == doctest::Approx(67.33333333333333));
    CHECK(*rep.groups[1].std == doctest::Approx(2.516611478423583));
  }
  SUBCASE("mean of the last N evaluations; shorter runs are counted apart") {
    const auto last2 =
        rlbench::io::compare_runs(runs, {"algo", "dataset"}, CompareMetric::last_mean(2));
    // td3_bc hopper: (70+60)/2, (65+62)/2, (50+67)/2; the prdc runs with one evaluation drop out
    REQUIRE(last2.groups.size() == 2);
    CHECK(last2.groups[0].key_values == std::vector<std::string>{"prdc", "hopper-medium-v2"});
    CHECK(last2.groups[0].values == std::vector<double>{39});
    CHECK(last2.groups[1].values == std::vector<double>{65, 63.5, 58.5});
    CHECK(last2.skipped_few_evals == 3);  // prdc seeds 0 and 1, td3_bc on walker2d
    CHECK(last2.skipped_no_score == 0);
    CHECK(rlbench::io::skipped_summary(last2) ==
          "skipped 2 runs that are not completed (1 running, 1 failed); skipped 3 completed runs "
          "with fewer than 2 evaluations");
    // a run whose last 2 evaluations include one without a score is not "too short"
    auto mixed = make_run("td3_bc", "hopper-medium-v2", 7, RunStatus::completed, {10, 20, 30});
    mixed.eval[1].normalized_mean_x100.reset();
    auto with_mixed = runs;
    with_mixed.push_back({"mixed/result.json", mixed});
    const auto rep = rlbench::io::compare_runs(with_mixed, {"algo"}, CompareMetric::last_mean(2));
    CHECK(rep.skipped_no_score == 1);
    CHECK(rep.skipped_few_evals == 3);
    // last1 is the final score
    const auto last1 =
        rlbench::io::compare_runs(runs, {"algo", "dataset"}, CompareMetric::last_mean(1));
    const auto finals =
        rlbench::io::compare_runs(runs, {"algo", "dataset"}, CompareMetric::final_score());
    REQUIRE(last1.groups.size() == finals.groups.size());
    for (std::size_t g = 0; g < finals.groups.size(); ++g) {
      CHECK(last1.groups[g].values == finals.groups[g].values);
    }
  }
  SUBCASE("by a hyperparameter, by seed, and by nothing") {
    const auto by_alpha =
        rlbench::io::compare_runs(runs, {"algo.params.alpha"}, CompareMetric::final_score());
    REQUIRE(by_alpha.groups.size() == 2);
    CHECK(by_alpha.groups[0].key_values[0] == "1.0");
    CHECK(by_alpha.groups[1].key_values[0] == "2.5");
    CHECK(by_alpha.groups[1].n() == 4);
    const auto by_missing =
        rlbench::io::compare_runs(runs, {"algo.params.nope"}, CompareMetric::final_score());
    CHECK(by_missing.groups[0].key_values[0] == "-");
    const auto by_seed = rlbench::io::compare_runs(runs, {"seed"}, CompareMetric::final_score());
    REQUIRE(by_seed.groups.size() == 3);
    CHECK(by_seed.groups[0].key_values[0] == "0");
    CHECK(by_seed.groups[0].n() == 3);
    const auto all = rlbench::io::compare_runs(runs, {}, CompareMetric::final_score());
    REQUIRE(all.groups.size() == 1);
    CHECK(all.groups[0].n() == 7);
  }
  SUBCASE("a completed run without a normalized score is counted apart") {
    auto extra = runs;
    extra.push_back({"x/result.json", make_run("iql", "custom", 0, RunStatus::completed, {})});
    const auto rep = rlbench::io::compare_runs(extra, {"algo"}, CompareMetric::final_score());
    CHECK(rep.skipped_no_score == 1);
    CHECK(rlbench::io::skipped_summary(rep) ==
          "skipped 2 runs that are not completed (1 running, 1 failed); skipped 1 completed run "
          "without a normalized score");
  }
}

TEST_CASE("compare warns about a group that pools configs, and splits it by config") {
  namespace io = rlbench::io;
  const fs::path root = "cmp_configs";
  const std::string ds = "hopper-medium-v2";
  // seed 0 twice: once with the sweep's config, once with another (say, fewer steps)
  io::write_result(root / "td3_bc-hopper-medium-v2-s0-0123abcd/result.json",
                   make_run("td3_bc", ds, 0, RunStatus::completed, {60}));
  io::write_result(root / "td3_bc-hopper-medium-v2-s1-0123abcd/result.json",
                   make_run("td3_bc", ds, 1, RunStatus::completed, {62}));
  io::write_result(root / "td3_bc-hopper-medium-v2-s0-89abcdef/result.json",
                   make_run("td3_bc", ds, 0, RunStatus::completed, {20}));
  const auto runs = load(root);
  CHECK(io::config_id(runs[0].path) == "0123abcd");
  CHECK(io::config_id("seed_0000/result.json") == "-");
  CHECK(io::config_id("td3_bc-x-s0-0123ABCD/result.json") == "-");  // run names are lowercase

  const auto pooled = io::compare_runs(runs, {"algo", "dataset"}, CompareMetric::final_score());
  REQUIRE(pooled.groups.size() == 1);
  CHECK(pooled.groups[0].configs == std::vector<std::string>{"0123abcd", "89abcdef"});
  CHECK(io::mixed_config_warnings(pooled) ==
        "warning: td3_bc,hopper-medium-v2 pools runs of 2 configs (0123abcd, 89abcdef); add "
        "config to --by to see them apart\n");

  const auto split =
      io::compare_runs(runs, {"algo", "dataset", "config"}, CompareMetric::final_score());
  REQUIRE(split.groups.size() == 2);
  CHECK(split.groups[0].key_values.back() == "0123abcd");
  CHECK(split.groups[0].values == std::vector<double>{60, 62});
  CHECK(split.groups[1].values == std::vector<double>{20});
  CHECK(io::mixed_config_warnings(split).empty());
}

TEST_CASE("compare renders markdown, csv and json") {
  write_fixture("cmp_fmt");
  const auto rep =
      rlbench::io::compare_runs(load("cmp_fmt"), {"algo", "dataset"}, CompareMetric::final_score());

  CHECK(rlbench::io::format_markdown(rep) ==
        "| algo | dataset | final normalized score (x100) | n |\n"
        "| --- | --- | ---: | ---: |\n"
        "| prdc | hopper-medium-v2 | 44.0 ± 4.0 | 3 |\n"
        "| td3_bc | hopper-medium-v2 | 63.0 ± 3.6 | 3 |\n"
        "| td3_bc | walker2d-medium-v2 | 80.0 | 1 |\n"
        "\n"
        "mean ± sample std (ddof=1) over runs of the final D4RL normalized score, x100\n");

  const auto csv = rlbench::core::split(rlbench::io::format_csv(rep), '\n');
  REQUIRE(csv.size() >= 4);
  CHECK(csv[0] == "algo,dataset,metric,n,mean_x100,std_x100,seeds");
  CHECK(csv[1] == "prdc,hopper-medium-v2,final_normalized_score_x100,3,44.0,4.0,0;1;2");
  CHECK(rlbench::core::starts_with(
      csv[2], "td3_bc,hopper-medium-v2,final_normalized_score_x100,3,63.0,3.605551275463989,"));
  CHECK(csv[3] == "td3_bc,walker2d-medium-v2,final_normalized_score_x100,1,80.0,,0");

  const auto j = nlohmann::json::parse(rlbench::io::format_json(rep));
  CHECK(j["metric"] == "final_normalized_score_x100");
  CHECK(j["by"] == nlohmann::json{"algo", "dataset"});
  REQUIRE(j["groups"].size() == 3);
  CHECK(j["groups"][1]["key"] ==
        nlohmann::json{{"algo", "td3_bc"}, {"dataset", "hopper-medium-v2"}});
  CHECK(j["groups"][1]["n"] == 3);
  CHECK(j["groups"][1]["mean_x100"].get<double>() == doctest::Approx(63.0));
  CHECK(j["groups"][1]["values_x100"] == nlohmann::json{60.0, 62.0, 67.0});
  CHECK(j["groups"][2]["std_x100"].is_null());
  CHECK(j["runs_used"] == 7);
  CHECK(j["skipped"] ==
        nlohmann::json{{"running", 1}, {"failed", 1}, {"no_score", 0}, {"few_evaluations", 0}});

  const auto last =
      rlbench::io::compare_runs(load("cmp_fmt"), {"algo"}, CompareMetric::last_mean(2));
  CHECK(rlbench::io::format_markdown(last) ==
        "| algo | last2 normalized score (x100) | n |\n"
        "| --- | ---: | ---: |\n"
        "| prdc | 39.0 | 1 |\n"
        "| td3_bc | 62.3 ± 3.4 | 3 |\n"
        "\n"
        "mean ± sample std (ddof=1) over runs of the mean D4RL normalized score of the last 2 "
        "evaluations, x100\n");
  const auto last_csv = rlbench::core::split(rlbench::io::format_csv(last), '\n');
  REQUIRE(last_csv.size() >= 2);
  CHECK(last_csv[1] == "prdc,last2_normalized_score_x100,1,39.0,,2");
  const auto last_json = nlohmann::json::parse(rlbench::io::format_json(last));
  CHECK(last_json["metric"] == "last2_normalized_score_x100");
  CHECK(last_json["skipped"]["few_evaluations"] == 3);
  CHECK(last_json["runs_used"] == 4);
}

TEST_CASE("compare --metric parses final, best and lastN") {
  using rlbench::io::parse_compare_metric;
  CHECK(parse_compare_metric("final").kind == CompareMetric::Kind::final_score);
  CHECK(parse_compare_metric("best").kind == CompareMetric::Kind::best_score);
  const auto last10 = parse_compare_metric("last10");
  CHECK(last10.kind == CompareMetric::Kind::last_mean);
  CHECK(last10.last == 10);
  CHECK(rlbench::io::to_string(last10) == "last10");
  CHECK(parse_compare_metric("last1").last == 1);
  CHECK(parse_compare_metric("last999999").last == 999999);
  for (const char* bad : {"last", "last0", "last01", "last-3", "last+5", " last10", "last10 ",
                          "last 10", "last1x", "last1234567", "lastten"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_compare_metric(bad), rlbench::UsageError);
  }
  CHECK_THROWS_WITH_AS(parse_compare_metric("last0"),
                       "--metric: expected final, best or lastN with N from 1 to 999999 without "
                       "leading zeros (e.g. last10), got \"last0\"",
                       rlbench::UsageError);
  CHECK_THROWS_WITH_AS(parse_compare_metric("bets"),
                       doctest::Contains("got \"bets\" (did you mean \"best\"?)"),
                       rlbench::UsageError);
  CHECK_THROWS_AS(CompareMetric::last_mean(0), rlbench::UsageError);
}

TEST_CASE("rlbench compare prints the table on stdout and the skipped count on stderr") {
  write_fixture("cmp_cli");
  rlbench::cli::CompareOptions opts;
  opts.paths = {"cmp_cli"};
  opts.format = "csv";
  opts.by = {"algo"};
  const auto c = run_compare_cli(opts);
  CHECK(rlbench::core::starts_with(c.out, "algo,metric,n,mean_x100,std_x100,seeds\n"));
  CHECK(c.out.find("td3_bc,final_normalized_score_x100,4,") != std::string::npos);
  CHECK(c.err == "rlbench compare: skipped 2 runs that are not completed (1 running, 1 failed)\n");

  SUBCASE("a malformed result.json stops the comparison and names the file") {
    rlbench::core::write_file_atomic("cmp_cli/prdc/hopper/seed_0001/result.json", "{}");
    CHECK_THROWS_WITH_AS(run_compare_cli(opts),
                         "cmp_cli/prdc/hopper/seed_0001/result.json: schema_version: missing",
                         rlbench::Error);
  }
  SUBCASE("bad options are usage errors") {
    opts.metric = "median";
    CHECK_THROWS_WITH_AS(run_compare_cli(opts),
                         "--metric: expected final, best or lastN with N from 1 to 999999 "
                         "without leading zeros (e.g. last10), got \"median\"",
                         rlbench::UsageError);
    opts.metric = "final";
    opts.by = {"algo", "datset"};
    CHECK_THROWS_WITH_AS(
        run_compare_cli(opts),
        doctest::Contains("--by: unknown key \"datset\" (did you mean \"dataset\"?)"),
        rlbench::UsageError);
    opts.by = {"algo"};
    opts.paths = {"cmp_cli", "nope"};
    CHECK_THROWS_WITH_AS(run_compare_cli(opts), "nope: no such file or directory",
                         rlbench::UsageError);
  }
  SUBCASE("only unfinished runs: nothing to compare") {
    fs::remove_all("cmp_none");
    rlbench::io::write_result("cmp_none/a/result.json",
                              make_run("td3_bc", "hopper-medium-v2", 0, RunStatus::running, {}));
    opts.paths = {"cmp_none"};
    CHECK_THROWS_WITH_AS(run_compare_cli(opts),
                         "nothing to compare in 1 result.json file: skipped 1 run that is not "
                         "completed (1 running, 0 failed)",
                         rlbench::Error);
  }
}

TEST_SUITE_END();
