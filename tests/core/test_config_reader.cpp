#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sys/wait.h>

#include <doctest/doctest.h>

#include "rlbench/core/config_reader.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"

using nlohmann::json;
using rlbench::UsageError;
using rlbench::core::ConfigReader;

TEST_SUITE_BEGIN("core");

TEST_CASE("config reader resolves defaults and given values") {
  ConfigReader r(json{{"alpha", 40.0}}, "cfg.json", "algo.params");
  CHECK(r.get_double("alpha", 2.5) == 40.0);
  CHECK(r.get_double("beta", 2.0) == 2.0);
  CHECK(r.get_int("k", 1) == 1);
  r.finish();
  CHECK(r.resolved() == json{{"alpha", 40.0}, {"beta", 2.0}, {"k", 1}});
}

TEST_CASE("config reader rejects unknown keys with a hint") {
  ConfigReader r(json{{"betta", 2.0}}, "experiments/prdc.json", "algo.params");
  r.get_double("alpha", 2.5);
  r.get_double("beta", 2.0);
  CHECK_THROWS_WITH_AS(r.finish(),
                       "experiments/prdc.json: algo.params.betta: unknown key (did you mean "
                       "\"beta\"?)",
                       UsageError);
}

TEST_CASE("config reader rejects wrong types") {
  ConfigReader r(json{{"alpha", "high"}}, "--set");
  CHECK_THROWS_WITH_AS(r.get_double("alpha", 2.5),
                       "--set: alpha: expected a number, got string \"high\"", UsageError);
  ConfigReader i(json{{"steps", 1.5}}, "--set");
  CHECK_THROWS_AS(i.get_int64("steps", 1), UsageError);
  ConfigReader ok(json{{"steps", 1e6}}, "--set");
  CHECK(ok.get_int64("steps", 1) == 1000000);
}

TEST_CASE("overrides patch nested keys before parsing") {
  json root = {{"algo", {{"params", {{"alpha", 2.5}}}}}};
  rlbench::core::apply_override(root, "algo.params.alpha=40");
  rlbench::core::apply_override(root, "algo.params.name=prdc");
  rlbench::core::apply_override(root, "train.steps=1000");
  CHECK(root["algo"]["params"]["alpha"] == 40);
  CHECK(root["algo"]["params"]["name"] == "prdc");
  CHECK(root["train"]["steps"] == 1000);
  CHECK_THROWS_WITH_AS(rlbench::core::apply_override(root, "alpha"),
                       "--set alpha: expected key=value, got no '='", UsageError);
}

TEST_CASE("did you mean only suggests close words") {
  CHECK(rlbench::core::did_you_mean("betta", {"alpha", "beta"}) == " (did you mean \"beta\"?)");
  CHECK(rlbench::core::did_you_mean("zzzzzz", {"alpha", "beta"}).empty());
}

TEST_CASE("atomic write replaces whole files and sha256 matches the known digest") {
  rlbench::core::write_file_atomic("out/a.txt", "abc");
  CHECK(rlbench::core::read_file("out/a.txt") == "abc");
  rlbench::core::write_file_atomic("out/a.txt", "abcd");
  CHECK(rlbench::core::read_file("out/a.txt") == "abcd");
  CHECK(std::filesystem::directory_iterator("out")->path().filename() == "a.txt");
  rlbench::core::write_file_atomic("abc.bin", "abc");
  CHECK(rlbench::core::sha256_file("abc.bin") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("stale temp files of a killed writer are removed, a live writer's are kept") {
  namespace fs = std::filesystem;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  ::waitpid(child, nullptr, 0);  // reaped: its pid names no process now
  fs::create_directories("run");
  const std::string dead = "run/result.json.tmp." + std::to_string(child) + ".0";
  const std::string live = "run/checkpoint.pt.tmp." + std::to_string(::getpid()) + ".3";
  const std::string fresh = "run/config.json.tmp." + std::to_string(child) + ".1";
  for (const auto& f : {dead, live, fresh, std::string("run/notes.tmp.txt")}) {
    rlbench::core::write_file_atomic(f, "x");
    if (f != fresh)
      fs::last_write_time(f, fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  CHECK(rlbench::core::remove_stale_temp_files("run") == 1);
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(fresh));  // perhaps a writer on another host
  CHECK(fs::exists(live));
  CHECK(fs::exists("run/notes.tmp.txt"));
  CHECK(rlbench::core::remove_stale_temp_files("no-such-folder") == 0);
}

TEST_SUITE_END();
