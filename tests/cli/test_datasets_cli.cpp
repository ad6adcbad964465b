// `rlbench datasets` end to end: runs the binary on fixtures written by the test and checks exit
// codes and output (the fixture-free CLI cases live in tests/cli/datasets.cmake).
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "rlbench/data/registry.hpp"

#include "data/h5py_like.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {

using rlbench::test::run_rlbench;

int count_lines(const std::string& s) {
  int n = 0;
  for (const char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("datasets info prints counts, dims, returns and keys") {
  rlbench::test::write_fixture("fixture.hdf5");
  const auto r = run_rlbench("datasets info fixture.hdf5 --env hopper");
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("rows         10\n") != std::string::npos);
  CHECK(r.output.find("transitions  8 (qlearning view") != std::string::npos);
  CHECK(r.output.find("episodes     3: 2 complete (1 terminal, 1 timeout), 1 truncated") !=
        std::string::npos);
  CHECK(r.output.find("terminals    1\n") != std::string::npos);
  CHECK(r.output.find("obs_dim      11\n") != std::string::npos);
  // complete-episode returns 6 and 22, mean 14; hopper score x100 = (14 + 20.272305) / 32.54572305
  CHECK(r.output.find("mean 14, std 8, min 6, max 22") != std::string::npos);
  CHECK(r.output.find("D4RL normalized, x100: mean 1.05305") != std::string::npos);
  CHECK(r.output.find("infos/qpos") != std::string::npos);
  CHECK(r.output.find("terminals                               bool     (10,)") !=
        std::string::npos);
  CHECK(r.output.find("algorithm                               SAC") != std::string::npos);
}

TEST_CASE("datasets compact rewrites a file in place without the dropped keys") {
  rlbench::test::write_fixture("to-compact.hdf5");
  const auto r = run_rlbench("datasets compact to-compact.hdf5 --out to-compact.hdf5");
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("to-compact.hdf5: 10 rows") != std::string::npos);
  CHECK(r.output.find("dropped next_observations, infos/qpos, infos/qvel") != std::string::npos);
  const auto info = run_rlbench("datasets info to-compact.hdf5 --env hopper");
  CHECK(info.code == 0);
  CHECK(info.output.find("transitions  8 (qlearning view") != std::string::npos);
  CHECK(info.output.find("infos/qpos") == std::string::npos);
  CHECK(info.output.find("infos/action_log_probs") != std::string::npos);
}

TEST_CASE("datasets info --json prints one object with the required keys") {
  rlbench::test::write_fixture("fixture.hdf5");
  const auto r = run_rlbench("datasets info --json fixture.hdf5", true);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["rows"] == 10);
  CHECK(j["transitions"] == 8);
  CHECK(j["episodes"] == 3);
  CHECK(j["episodes_truncated"] == 1);
  CHECK(j["terminals"] == 1);
  CHECK(j["timeouts"] == 1);
  CHECK(j["obs_dim"] == 11);
  CHECK(j["action_dim"] == 3);
  CHECK(j["env"].is_null());
  CHECK(j["normalized_score_x100"].is_null());  // env unknown: no reference scores
  CHECK(j["returns"]["count"] == 2);
  CHECK(j["action_range"][0].get<double>() == doctest::Approx(-0.5));
}

TEST_CASE("datasets verify: structure of an unregistered file, hash of a registered one") {
  rlbench::test::write_fixture("fixture.hdf5");
  const auto ok = run_rlbench("datasets verify fixture.hdf5");
  INFO(ok.output);
  CHECK(ok.code == 0);
  CHECK(ok.output.find("(not in manifest)") != std::string::npos);
  CHECK(ok.output.find("structure ok: 10 rows, obs_dim 11, action_dim 3") != std::string::npos);

  // a registered name whose bytes differ from the manifest: exit 1, both hashes, one line
  fs::create_directories("data");
  fs::copy_file("fixture.hdf5", "data/hopper_medium-v2.hdf5");
  const auto bad = run_rlbench("datasets verify hopper-medium-v2 --data-dir data");
  INFO(bad.output);
  CHECK(bad.code == 1);
  CHECK(count_lines(bad.output) == 1);
  CHECK(bad.output.find("hopper_medium-v2.hdf5: sha256 mismatch: expected "
                        "5bdf1bc4a713c82941de44633df669b36c89850b652a25985166796d25cf71a0 "
                        "(manifest, 152756557 bytes), got ") != std::string::npos);

  // the observed hash is cached, so list reports the mismatch without hashing
  const auto list = run_rlbench("datasets list --data-dir data");
  INFO(list.output);
  CHECK(list.code == 0);
  CHECK(list.output.find("hopper-medium-v2              hopper         yes") != std::string::npos);
  CHECK(list.output.find("size mismatch") != std::string::npos);
  CHECK(list.output.find("walker2d-expert-v2            walker2d       no") != std::string::npos);
}

TEST_CASE("datasets list --json shows every registered name") {
  const auto r = run_rlbench("datasets list --json", true);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.output);
  REQUIRE(j.is_array());
  CHECK(j.size() == rlbench::data::dataset_registry().size());
  CHECK(j[0]["checksum"] == "absent");
}

TEST_CASE("bad data exits 1 with one line; usage errors exit 2") {
  rlbench::test::FixtureSpec spec;
  spec.obs_dim = 17;
  rlbench::test::write_fixture("cheetah.hdf5", spec);
  const auto dims = run_rlbench("datasets info cheetah.hdf5 --env hopper");
  CHECK(dims.code == 1);
  CHECK(dims.output ==
        "rlbench datasets info: error: cheetah.hdf5: observations: expected shape (N, 11) for "
        "env hopper, got (10, 17)\n");

  std::ofstream("junk.hdf5") << "junk";
  const auto junk = run_rlbench("datasets verify junk.hdf5");
  CHECK(junk.code == 1);
  CHECK(junk.output ==
        "rlbench datasets verify: error: junk.hdf5: not an HDF5 file: expected the HDF5 "
        "signature, got a file of 4 bytes without it\n");

  const auto missing = run_rlbench("datasets info hopper-medium-v2");
  CHECK(missing.code == 1);
  CHECK(missing.output.find("dataset file not found") != std::string::npos);

  const auto unknown = run_rlbench("datasets info hopper-medum-v2");
  CHECK(unknown.code == 2);
  CHECK(unknown.output.find("(did you mean \"hopper-medium-v2\"?)") != std::string::npos);

  const auto env = run_rlbench("datasets info cheetah.hdf5 --env cheetah");
  CHECK(env.code == 2);
  CHECK(env.output.find("unknown env \"cheetah\"") != std::string::npos);
}

TEST_SUITE_END();
