#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/data/locate.hpp"

using namespace rlbench;
using namespace rlbench::data;
namespace fs = std::filesystem;

namespace {

// Sets or unsets an environment variable for the scope of a test, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : m_name(name) {
    if (const char* old = std::getenv(name)) m_old = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
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

void touch(const fs::path& p, const std::string& content = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
}

std::string error_of(const std::string& name, const std::optional<fs::path>& dir) {
  try {
    locate_dataset(name, dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_SUITE_BEGIN("data");

TEST_CASE("dataset names are searched in --data-dir, $RLBENCH_DATA, $D4RL_DATASET_DIR, ~/.d4rl") {
  const fs::path root = fs::absolute("search");
  ScopedEnv home("HOME", (root / "home").string());
  ScopedEnv rl("RLBENCH_DATA", (root / "rl").string());
  ScopedEnv d4("D4RL_DATASET_DIR", (root / "d4").string());
  const std::string file = "hopper_medium-v2.hdf5";

  CHECK(search_dirs(root / "flag") == std::vector<fs::path>{root / "flag", root / "rl", root / "d4",
                                                            root / "home" / ".d4rl" / "datasets"});
  CHECK(default_download_dir(root / "flag") == root / "flag");
  CHECK(default_download_dir(std::nullopt) == root / "rl");

  // the last folder of the order, then each earlier one takes precedence
  touch(root / "home" / ".d4rl" / "datasets" / file);
  CHECK(locate_dataset("hopper-medium-v2", std::nullopt).path ==
        root / "home" / ".d4rl" / "datasets" / file);
  touch(root / "d4" / file);
  CHECK(locate_dataset("hopper-medium-v2", std::nullopt).path == root / "d4" / file);
  touch(root / "rl" / file);
  CHECK(locate_dataset("hopper-medium-v2", std::nullopt).path == root / "rl" / file);
  touch(root / "flag" / file);
  const auto located = locate_dataset("hopper-medium-v2", root / "flag");
  CHECK(located.path == root / "flag" / file);
  REQUIRE(located.entry);
  CHECK(located.entry->env == "hopper");
  CHECK(located.label == "hopper-medium-v2");

  SUBCASE("without the variables the d4rl cache is the default") {
    ScopedEnv no_rl("RLBENCH_DATA", std::nullopt);
    ScopedEnv no_d4("D4RL_DATASET_DIR", std::nullopt);
    CHECK(default_download_dir(std::nullopt) == root / "home" / ".d4rl" / "datasets");
    ScopedEnv no_home("HOME", std::nullopt);
    CHECK_THROWS_WITH(default_download_dir(std::nullopt),
                      "dataset folder: no download folder: expected --data-dir, $RLBENCH_DATA, "
                      "$D4RL_DATASET_DIR or $HOME, got none set");
  }
}

TEST_CASE("a file path works where a name does; unknown names get a hint") {
  ScopedEnv home("HOME", fs::absolute("home2").string());
  ScopedEnv rl("RLBENCH_DATA", std::nullopt);
  ScopedEnv d4("D4RL_DATASET_DIR", std::nullopt);

  touch("mine/data.hdf5");
  const auto mine = locate_dataset("mine/data.hdf5", std::nullopt);
  CHECK(mine.path == "mine/data.hdf5");
  CHECK_FALSE(mine.entry);

  // a registered file name found by path keeps its registry entry
  touch("elsewhere/walker2d_expert-v2.hdf5");
  const auto w = locate_dataset("elsewhere/walker2d_expert-v2.hdf5", std::nullopt);
  REQUIRE(w.entry);
  CHECK(w.entry->name == "walker2d-expert-v2");

  CHECK(error_of("hoper-medium-v2", std::nullopt) ==
        "hoper-medium-v2: unknown dataset name (did you mean \"hopper-medium-v2\"?): expected a "
        "registered name (see rlbench datasets list) or a file path");
  CHECK_THROWS_AS(locate_dataset("hoper-medium-v2", std::nullopt), UsageError);
  CHECK(error_of("missing/file.hdf5", std::nullopt) ==
        "missing/file.hdf5: no such file: expected an existing HDF5 file or a dataset name, got "
        "nothing at this path");
  CHECK(error_of("ant-expert-v2", fs::path("empty")) ==
        "ant-expert-v2: dataset file not found: expected ant_expert-v2.hdf5 in empty, " +
            fs::absolute("home2/.d4rl/datasets").string() +
            ", got no such file (run: rlbench datasets fetch ant-expert-v2)");
}

TEST_CASE("the checksum cache answers only while size and mtime match") {
  touch("cache/hopper_random-v2.hdf5", "abc");
  const fs::path file = "cache/hopper_random-v2.hdf5";
  const std::string sha = core::sha256_file(file);
  CHECK_FALSE(cached_sha256(file));
  REQUIRE(record_sha256(file, sha));
  CHECK(fs::exists("cache/.rlbench-checksums.json"));
  CHECK(cached_sha256(file) == sha);

  // a registry-like entry whose manifest matches the file
  DatasetEntry entry{"x", "hopper", "hopper_random-v2.hdf5", "", 3, sha, false};
  CHECK(checksum_status(entry, file) == "verified");
  entry.sha256 = std::string(64, '0');
  CHECK(checksum_status(entry, file) == "hash mismatch");
  entry.bytes = 4;
  CHECK(checksum_status(entry, file) == "size mismatch");
  entry.bytes = 0;
  entry.sha256.clear();
  CHECK(checksum_status(entry, file) == "not in manifest");
  CHECK(checksum_status(entry, std::nullopt) == "absent");

  // rewriting the file (new mtime) invalidates the cached hash
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(5));
  CHECK_FALSE(cached_sha256(file));
  entry = DatasetEntry{"x", "hopper", "hopper_random-v2.hdf5", "", 3, sha, false};
  CHECK(checksum_status(entry, file) == "size ok");
}

TEST_SUITE_END();
