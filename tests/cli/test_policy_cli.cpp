// `rlbench eval --policy` and `rlbench collect --policy` end to end: the binary runs on policy
// files written by the test (the fixture-free error cases live in tests/cli/policy.cmake).
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "rlbench/data/dataset.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/eval/evaluate.hpp"
#include "rlbench/eval/gaussian_policy.hpp"

#include "data/h5py_like.hpp"
#include "data/policy_fixture.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace rlbench;
using rlbench::test::test_policy;

namespace {

using rlbench::test::run_rlbench;

void write_h5py_policy_file(const std::string& path, const data::GaussianMlpPolicy& p) {
  rlbench::test::H5pyLikeFile f(path);
  rlbench::test::write_h5py_policy(f, p);
}

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("eval --policy evaluates a stored policy like the library does") {
  const auto p = test_policy(11, {16, 16}, 3, 0.1F);
  write_h5py_policy_file("p.hdf5", p);
  const auto r =
      run_rlbench("eval --policy p.hdf5 --env hopper --episodes 2 --seed 3 --json", true);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["policy"] == "p.hdf5");
  CHECK(j["stochastic"] == false);
  CHECK(j["architecture"] == "11-16-16-3");
  CHECK(j["algorithm"] == "SAC");
  CHECK(j["iteration"] == 1234);
  CHECK(j["reference"] == "hopper");

  // the same episodes in process: deterministic actions need no policy seed
  eval::EvalOptions eo;
  eo.episodes = 2;
  eo.seed = 3;
  const auto report = eval::evaluate("hopper", eval::make_gaussian_policy(p, 0), eo);
  REQUIRE(j["returns"].size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(j["returns"][i].get<double>() == doctest::Approx(report.returns[i]).epsilon(1e-9));
  }

  const auto text = run_rlbench("eval --policy p.hdf5 --env hopper --episodes 2 --stochastic");
  INFO(text.output);
  CHECK(text.code == 0);
  CHECK(text.output.find("p.hdf5 (policy 11-16-16-3, SAC iteration 1234, env hopper, seed 0, "
                         "stochastic actions)") != std::string::npos);
  CHECK(text.output.find("normalized score (x100, hopper)") != std::string::npos);
}

TEST_CASE("eval --policy checks dims and takes a run folder's policy.hdf5 and env") {
  write_h5py_policy_file("p17.hdf5", test_policy(17, {8}, 6));
  const auto bad = run_rlbench("eval --policy p17.hdf5 --env hopper --episodes 1");
  CHECK(bad.code == 1);
  CHECK(bad.output.find("p17.hdf5: metadata/policy/fc0: expected input width 11 (hopper "
                        "observations), got 17") != std::string::npos);

  fs::create_directories("run");
  data::write_policy_file("run/policy.hdf5", test_policy(17, {8}, 6), "SAC", 5);
  std::ofstream("run/config.json") << R"({"algo": {"name": "sac"}, "env": {"name": "walker2d"}})";
  const auto r = run_rlbench("eval --policy run --episodes 1");
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("run/policy.hdf5 (policy 17-8-6, SAC iteration 5, env walker2d") !=
        std::string::npos);
}

TEST_CASE("collect --policy writes a D4RL medium/expert-style file") {
  const auto p = test_policy(11, {16, 16}, 3, 0.05F, -1.0F);
  write_h5py_policy_file("p.hdf5", p);
  const auto r = run_rlbench(
      "collect --env hopper --policy p.hdf5 --steps 1500 --out c.hdf5 --seed 1 --quiet");
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("c.hdf5: 1500 rows") != std::string::npos);
  CHECK(r.output.find("(hopper, policy p.hdf5, seed 1)") != std::string::npos);

  data::LoadOptions check;
  check.env = "hopper";
  const auto d = data::load_dataset("c.hdf5", check);
  CHECK(std::get<std::string>(d.metadata().at("algorithm")) == "SAC");
  CHECK(std::get<std::int32_t>(d.metadata().at("iteration")) == 1234);
  const auto stored = data::get_policy(d.metadata(), "c.hdf5");
  REQUIRE(stored.has_value());
  CHECK(stored->hidden.size() == 2);
  CHECK(stored->hidden[1].weight == p.hidden[1].weight);
  CHECK(stored->log_std.bias == p.log_std.bias);

  // log π of a tanh-Gaussian with log σ ≈ −1 is at most about Σ (1 − log √(2π)) plus the tanh
  // term, which stays small for these unsaturated actions; a uniform policy would give −3 ln 2
  const auto& lp = std::get<std::vector<float>>(d.infos().at("action_log_probs").values);
  double mean = 0.0;
  for (const float v : lp) {
    REQUIRE(std::isfinite(v));
    CHECK(v < 10.0F);
    mean += v / 1500.0;
  }
  CHECK(std::fabs(mean - (-3.0 * std::log(2.0))) > 0.5);
  for (const float a : d.actions()) {
    REQUIRE(a > -1.0F);
    REQUIRE(a < 1.0F);
  }

  // the policy of a dataset file without metadata/algorithm: "SAC", iteration 0
  data::DatasetContent content = d.content();
  content.metadata.clear();
  data::put_policy(content.metadata, p);
  data::write_dataset(data::Dataset::from_content(content, "bare.hdf5"), "bare.hdf5");
  REQUIRE(run_rlbench("collect --env hopper --policy bare.hdf5 --steps 20 --out c2.hdf5 --quiet")
              .code == 0);
  const auto d2 = data::load_dataset("c2.hdf5");
  CHECK(std::get<std::string>(d2.metadata().at("algorithm")) == "SAC");
  CHECK(std::get<std::int32_t>(d2.metadata().at("iteration")) == 0);
  CHECK(data::get_policy(d2.metadata(), "c2.hdf5").has_value());
}
