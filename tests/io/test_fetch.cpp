#include <stdlib.h>  // setenv, unsetenv

#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <doctest/doctest.h>

#include "rlbench/cli/datasets_fetch.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/locate.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/io/fetch.hpp"

#include "io/loopback_http.hpp"

namespace fs = std::filesystem;
using rlbench::test::LoopbackHttpServer;

namespace {

// deterministic bytes, big enough to arrive in several chunks
std::string make_blob(std::size_t n, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string sha_of(const std::string& s) { return rlbench::core::sha256_hex(s.data(), s.size()); }

fs::path part_of(const fs::path& p) { return p.string() + ".part"; }

// an empty directory for one test case (the scratch directory is shared by all tests)
fs::path fresh_dir(const std::string& name) {
  fs::remove_all(name);
  fs::create_directories(name);
  return name;
}

// sets an environment variable for one scope and restores the old value
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) m_old = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;
  ~EnvVar() {
    if (m_old) {
      ::setenv(m_name, m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name);
    }
  }

 private:
  const char* m_name;
  std::optional<std::string> m_old;
};

// runs `rlbench datasets fetch ...` through CLI11 and returns what it printed on stdout
std::string run_fetch_cli(const std::vector<std::string>& args) {
  CLI::App app{"test"};
  auto* datasets = app.add_subcommand("datasets", "");
  rlbench::cli::add_datasets_fetch(*datasets);
  std::vector<std::string> argv = {"rlbench", "datasets", "fetch"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  std::ostringstream out;
  auto* old = std::cout.rdbuf(out.rdbuf());
  try {
    app.parse(static_cast<int>(cargv.size()), cargv.data());
  } catch (...) {
    std::cout.rdbuf(old);
    throw;
  }
  std::cout.rdbuf(old);
  return out.str();
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("fetch_file downloads, verifies the sha256 and renames into place") {
  const std::string blob = make_blob(300000);
  LoopbackHttpServer server(blob, {});
  rlbench::io::FetchRequest req;
  req.url = server.url();
  fs::remove_all("fetch_ok");
  req.destination = fs::path("fetch_ok") / "sub" / "blob.hdf5";
  req.expected_sha256 = sha_of(blob);
  req.expected_bytes = blob.size();
  std::uint64_t last = 0, calls = 0, total = 0;
  req.on_progress = [&](const rlbench::io::FetchProgress& p) {
    CHECK(p.received >= last);
    last = p.received;
    total = p.total;
    ++calls;
  };

  const auto r = rlbench::io::fetch_file(req);
  CHECK(r.verified);
  CHECK_FALSE(r.already_present);
  CHECK(r.resumed_from == 0);
  CHECK(r.sha256 == sha_of(blob));
  CHECK(r.bytes == blob.size());
  CHECK(rlbench::core::read_file(req.destination) == blob);
  CHECK_FALSE(fs::exists(part_of(req.destination)));
  CHECK(calls >= 1);
  CHECK(last == blob.size());
  CHECK(total == blob.size());
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].path == "/blob.bin");
  CHECK(server.requests()[0].range.empty());

  SUBCASE("a second fetch finds the file and downloads nothing") {
    const auto again = rlbench::io::fetch_file(req);
    CHECK(again.already_present);
    CHECK(again.verified);
    CHECK(server.requests().size() == 1);
  }
  SUBCASE("an existing file with another hash is reported and left alone") {
    req.expected_sha256 = sha_of("something else");
    CHECK_THROWS_WITH_AS(
        rlbench::io::fetch_file(req),
        (req.destination.string() + ": exists with a different sha256: expected " +
         sha_of("something else") + ", got " + sha_of(blob) + "; remove it to download it again")
            .c_str(),
        rlbench::Error);
    CHECK(rlbench::core::read_file(req.destination) == blob);
  }
  SUBCASE("an existing file of the wrong size is reported without hashing") {
    req.expected_bytes = blob.size() + 5;
    CHECK_THROWS_WITH_AS(rlbench::io::fetch_file(req),
                         (req.destination.string() +
                          ": exists with a different size: expected 300005 bytes, got 300000 "
                          "bytes (an interrupted download?); remove it to download it again")
                             .c_str(),
                         rlbench::Error);
  }
}

TEST_CASE("fetch_file resumes an interrupted download with a range request") {
  const std::string blob = make_blob(300000);
  LoopbackHttpServer::Options opts;
  opts.cut_after = 100000;
  LoopbackHttpServer server(blob, opts);
  rlbench::io::FetchRequest req;
  req.url = server.url();
  req.destination = fresh_dir("fetch_resume") / "blob.hdf5";
  req.expected_sha256 = sha_of(blob);
  req.expected_bytes = blob.size();

  // the first attempt breaks off and keeps what arrived
  CHECK_THROWS_WITH_AS(
      rlbench::io::fetch_file(req),
      doctest::Contains("bytes kept in fetch_resume/blob.hdf5.part, run again to resume"),
      rlbench::Error);
  CHECK_FALSE(fs::exists(req.destination));
  REQUIRE(fs::exists(part_of(req.destination)));
  CHECK(fs::file_size(part_of(req.destination)) == 100000);

  const auto r = rlbench::io::fetch_file(req);
  CHECK(r.resumed_from == 100000);
  CHECK_FALSE(r.server_ignored_range);
  CHECK(r.verified);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].range.empty());
  CHECK(requests[1].range == "bytes=100000-");
  CHECK(rlbench::core::read_file(req.destination) == blob);
  CHECK_FALSE(fs::exists(part_of(req.destination)));
}

TEST_CASE("fetch_file restarts from zero when the server ignores the range") {
  const std::string blob = make_blob(200000, 11);
  LoopbackHttpServer::Options opts;
  opts.cut_after = 50000;
  opts.honor_range = false;
  LoopbackHttpServer server(blob, opts);
  rlbench::io::FetchRequest req;
  req.url = server.url();
  req.destination = fresh_dir("fetch_restart") / "blob.hdf5";
  req.expected_sha256 = sha_of(blob);

  CHECK_THROWS_AS(rlbench::io::fetch_file(req), rlbench::Error);
  CHECK(fs::file_size(part_of(req.destination)) == 50000);
  const auto r = rlbench::io::fetch_file(req);
  CHECK(r.server_ignored_range);
  CHECK(r.resumed_from == 0);
  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[1].range == "bytes=50000-");
  CHECK(rlbench::core::read_file(req.destination) == blob);
}

TEST_CASE("fetch_file starts over when the server cannot serve the range (416)") {
  const std::string blob = make_blob(100000, 5);
  LoopbackHttpServer server(blob, {});
  rlbench::io::FetchRequest req;
  req.url = server.url();
  req.destination = fresh_dir("fetch_416") / "blob.hdf5";
  req.expected_sha256 = sha_of(blob);  // no expected size, so the long .part is not caught early
  rlbench::core::write_file_atomic(part_of(req.destination), make_blob(100010, 6));

  const auto r = rlbench::io::fetch_file(req);
  CHECK(r.resumed_from == 0);
  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[0].range == "bytes=100010-");
  CHECK(server.requests()[1].range.empty());
  CHECK(rlbench::core::read_file(req.destination) == blob);
}

TEST_CASE("fetch_file rejects a checksum or size mismatch and leaves no file behind") {
  const std::string blob = make_blob(120000);
  LoopbackHttpServer server(blob, {});
  rlbench::io::FetchRequest req;
  req.url = server.url();
  req.destination = fresh_dir("fetch_bad") / "blob.hdf5";

  SUBCASE("sha256") {
    const std::string wrong = sha_of("not the blob");
    req.expected_sha256 = wrong;
    CHECK_THROWS_WITH_AS(rlbench::io::fetch_file(req),
                         ("fetch_bad/blob.hdf5: sha256 mismatch: expected " + wrong + ", got " +
                          sha_of(blob) + "; the download was removed")
                             .c_str(),
                         rlbench::Error);
  }
  SUBCASE("size, larger than expected") {
    req.expected_bytes = blob.size() - 1;
    CHECK_THROWS_WITH_AS(
        rlbench::io::fetch_file(req),
        ("fetch_bad/blob.hdf5: size mismatch: expected 119999 bytes, got more from " +
         server.url() + "; the download was removed")
            .c_str(),
        rlbench::Error);
  }
  SUBCASE("size, smaller than expected") {
    req.expected_bytes = blob.size() + 1;
    CHECK_THROWS_WITH_AS(
        rlbench::io::fetch_file(req),
        "fetch_bad/blob.hdf5: size mismatch: expected 120001 bytes, got 120000 bytes; the "
        "download was removed",
        rlbench::Error);
  }
  CHECK_FALSE(fs::exists(req.destination));
  CHECK_FALSE(fs::exists(part_of(req.destination)));
}

TEST_CASE("fetch_file reports HTTP errors and unreachable hosts on one line") {
  rlbench::io::FetchRequest req;
  req.destination = fresh_dir("fetch_http") / "blob.hdf5";
  req.failure_hint = "try --mirror URL";

  SUBCASE("404") {
    LoopbackHttpServer::Options opts;
    opts.status = 404;
    LoopbackHttpServer server("x", opts);
    req.url = server.url();
    CHECK_THROWS_WITH_AS(rlbench::io::fetch_file(req),
                         (server.url() + ": HTTP 404 (not found); try --mirror URL").c_str(),
                         rlbench::Error);
  }
  SUBCASE("403") {
    LoopbackHttpServer::Options opts;
    opts.status = 403;
    LoopbackHttpServer server("x", opts);
    req.url = server.url();
    CHECK_THROWS_WITH_AS(rlbench::io::fetch_file(req),
                         (server.url() + ": HTTP 403 (forbidden); try --mirror URL").c_str(),
                         rlbench::Error);
  }
  SUBCASE("connection refused") {
    int port = 0;
    {
      LoopbackHttpServer gone("x", {});
      port = gone.port();
    }
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/blob.bin";
    try {
      rlbench::io::fetch_file(req);
      FAIL("no error");
    } catch (const rlbench::Error& e) {
      const std::string msg = e.what();
      CHECK(msg.rfind(req.url + ": ", 0) == 0);
      CHECK(msg.find("onnect") != std::string::npos);
      CHECK(rlbench::core::ends_with(msg, "; try --mirror URL"));
      CHECK(msg.find('\n') == std::string::npos);
    }
  }
  CHECK_FALSE(fs::exists(req.destination));
  CHECK_FALSE(fs::exists(part_of(req.destination)));
}

TEST_CASE("the dataset directory follows --data-dir, RLBENCH_DATA, D4RL_DATASET_DIR, ~/.d4rl") {
  EnvVar home("HOME", "/home/tester");
  EnvVar rl("RLBENCH_DATA", nullptr);
  EnvVar d4rl("D4RL_DATASET_DIR", nullptr);
  CHECK(rlbench::data::default_download_dir(std::nullopt) == "/home/tester/.d4rl/datasets");
  {
    EnvVar d("D4RL_DATASET_DIR", "/d4rl");
    CHECK(rlbench::data::default_download_dir(std::nullopt) == "/d4rl");
    EnvVar r("RLBENCH_DATA", "/rl");
    CHECK(rlbench::data::default_download_dir(std::nullopt) == "/rl");
    CHECK(rlbench::data::default_download_dir(fs::path("/explicit")) == "/explicit");
    CHECK(rlbench::data::default_download_dir(fs::path("~/x")) == "/home/tester/x");
  }
}

TEST_CASE("dataset URLs join the mirror and the D4RL path") {
  const auto e = *rlbench::data::find_dataset("hopper-medium-v2");
  CHECK(rlbench::io::dataset_url(e, "") ==
        std::string(rlbench::data::k_d4rl_base_url) + "/gym_mujoco_v2/hopper_medium-v2.hdf5");
  CHECK(rlbench::io::dataset_url(e, "https://example.org/d4rl//") ==
        "https://example.org/d4rl/gym_mujoco_v2/hopper_medium-v2.hdf5");
  CHECK(rlbench::io::dataset_url(e, "/srv/d4rl/") ==
        "file:///srv/d4rl/gym_mujoco_v2/hopper_medium-v2.hdf5");
}

TEST_CASE("datasets fetch downloads a name from a mirror into the D4RL layout") {
  const std::string blob = make_blob(64000, 3);
  for (const char* d : {"data", "envdata", "d", "mirror"}) fs::remove_all(d);

  SUBCASE("a name without a manifest hash reports the observed hash as unverified") {
    LoopbackHttpServer::Options opts;
    opts.path = "/maze2d/maze2d-umaze-sparse-v1.hdf5";
    LoopbackHttpServer server(blob, opts);
    const std::string out = run_fetch_cli(
        {"maze2d-umaze-v1", "--mirror", server.base_url() + "/", "--data-dir", "data"});
    CHECK(rlbench::core::read_file("data/maze2d-umaze-sparse-v1.hdf5") == blob);
    CHECK(out ==
          "maze2d-umaze-v1: downloaded to data/maze2d-umaze-sparse-v1.hdf5 (64.0 kB); "
          "sha256 NOT verified (the manifest has no hash for this name): " +
              sha_of(blob) + " (pin it with --sha256 to check later copies)\n");

    const std::string again =
        run_fetch_cli({"maze2d-umaze-v1", "--mirror", server.base_url(), "--data-dir", "data"});
    CHECK(again.rfind("maze2d-umaze-v1: already present at data/maze2d-umaze-sparse-v1.hdf5; "
                      "sha256 NOT verified",
                      0) == 0);
    CHECK(server.requests().size() == 1);
  }
  SUBCASE("a pinned --sha256 replaces the manifest hash and size") {
    LoopbackHttpServer::Options opts;
    opts.path = "/gym_mujoco_v2/hopper_medium-v2.hdf5";
    LoopbackHttpServer server(blob, opts);
    EnvVar dir("RLBENCH_DATA", "envdata");
    const std::string out = run_fetch_cli(
        {"hopper-medium-v2", "--mirror", server.base_url(), "--sha256", sha_of(blob)});
    CHECK(out ==
          "hopper-medium-v2: downloaded to envdata/hopper_medium-v2.hdf5 (64.0 kB); "
          "sha256 verified against --sha256\n");
    const std::string checked =
        run_fetch_cli({"hopper-medium-v2", "--verify-only", "--sha256", sha_of(blob)});
    CHECK(checked ==
          "hopper-medium-v2: already present at envdata/hopper_medium-v2.hdf5; "
          "sha256 verified against --sha256\n");
  }
  SUBCASE("the manifest hash is checked when nothing is pinned") {
    LoopbackHttpServer::Options opts;
    opts.path = "/gym_mujoco_v2/hopper_medium-v2.hdf5";
    LoopbackHttpServer server(blob, opts);
    CHECK_THROWS_WITH_AS(
        run_fetch_cli({"hopper-medium-v2", "--mirror", server.base_url(), "--data-dir", "d"}),
        "d/hopper_medium-v2.hdf5: size mismatch: expected 152756557 bytes, got 64000 bytes; the "
        "download was removed",
        rlbench::Error);
    CHECK_FALSE(fs::exists("d/hopper_medium-v2.hdf5"));
  }
  SUBCASE("a local directory works as a mirror") {
    rlbench::core::write_file_atomic("mirror/maze2d/maze2d-large-dense-v1.hdf5", blob);
    const std::string out =
        run_fetch_cli({"maze2d-large-dense-v1", "--mirror", "mirror", "--data-dir", "data"});
    CHECK(rlbench::core::read_file("data/maze2d-large-dense-v1.hdf5") == blob);
    CHECK(out.find(sha_of(blob)) != std::string::npos);
  }
  SUBCASE("an HTTP error from a mirror says to check --mirror") {
    LoopbackHttpServer::Options opts;
    opts.path = "/maze2d/maze2d-open-sparse.hdf5";
    opts.status = 403;
    LoopbackHttpServer server(blob, opts);
    CHECK_THROWS_WITH_AS(
        run_fetch_cli({"maze2d-open-v0", "--mirror", server.base_url(), "--data-dir", "data"}),
        (server.base_url() +
         "/maze2d/maze2d-open-sparse.hdf5: HTTP 403 (forbidden); check the --mirror URL")
            .c_str(),
        rlbench::Error);
  }
}

TEST_CASE("datasets fetch rejects unknown names, file paths and malformed hashes") {
  CHECK_THROWS_WITH_AS(run_fetch_cli({"hopper-medum-v2"}),
                       "unknown dataset \"hopper-medum-v2\" (did you mean "
                       "\"hopper-medium-v2\"?)",
                       rlbench::UsageError);
  CHECK_THROWS_WITH_AS(run_fetch_cli({"data/hopper_medium-v2.hdf5"}),
                       "\"data/hopper_medium-v2.hdf5\" is a file, fetch takes a "
                       "dataset name (did you mean \"hopper-medium-v2\"?)",
                       rlbench::UsageError);
  CHECK_THROWS_AS(run_fetch_cli({"./my/file.hdf5"}), rlbench::UsageError);
  CHECK_THROWS_WITH_AS(run_fetch_cli({"hopper-medium-v2", "--sha256", "abc"}),
                       "--sha256: expected 64 hex digits, got \"abc\"", rlbench::UsageError);
  CHECK_THROWS_WITH_AS(
      run_fetch_cli({"hopper-medium-v2", "--verify-only", "--data-dir", "nowhere"}),
      "nowhere/hopper_medium-v2.hdf5: not downloaded yet (run `rlbench datasets fetch "
      "hopper-medium-v2`)",
      rlbench::Error);
}

TEST_SUITE_END();
