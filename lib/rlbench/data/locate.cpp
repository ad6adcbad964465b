#include "rlbench/data/locate.hpp"

#include <chrono>
#include <cstdlib>
#include <system_error>

#include <nlohmann/json.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"

namespace rlbench::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_cache_name = ".rlbench-checksums.json";

std::optional<std::string> env_var(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

struct FileStamp {
  std::uint64_t bytes;
  std::int64_t mtime_ns;
};

std::optional<FileStamp> stamp_of(const fs::path& file) {
  std::error_code ec;
  const auto bytes = fs::file_size(file, ec);
  if (ec) return std::nullopt;
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) return std::nullopt;
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  return FileStamp{bytes, static_cast<std::int64_t>(ns)};
}

nlohmann::json read_cache(const fs::path& dir) {
  const fs::path p = dir / k_cache_name;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return nlohmann::json::object();
  try {
    auto j = nlohmann::json::parse(core::read_file(p));
    return j.is_object() ? j : nlohmann::json::object();
  } catch (const std::exception&) {
    return nlohmann::json::object();  // a damaged cache only costs a re-verify
  }
}

bool looks_like_path(const std::string& s) {
  return s.find('/') != std::string::npos || core::ends_with(s, ".hdf5") ||
         core::ends_with(s, ".h5");
}

}  // namespace

std::vector<fs::path> search_dirs(const std::optional<fs::path>& data_dir) {
  std::vector<fs::path> dirs;
  if (data_dir && !data_dir->empty()) dirs.push_back(core::expand_user(data_dir->string()));
  if (auto v = env_var("RLBENCH_DATA")) dirs.push_back(core::expand_user(*v));
  if (auto v = env_var("D4RL_DATASET_DIR")) dirs.push_back(core::expand_user(*v));
  if (auto home = env_var("HOME")) dirs.push_back(fs::path(*home) / ".d4rl" / "datasets");
  return dirs;
}

fs::path default_download_dir(const std::optional<fs::path>& data_dir) {
  const auto dirs = search_dirs(data_dir);
  if (dirs.empty()) {
    throw Error(error_message("dataset folder", "no download folder",
                              "--data-dir, $RLBENCH_DATA, $D4RL_DATASET_DIR or $HOME", "none set"));
  }
  return dirs.front();
}

fs::path bundled_datasets_dir() {
  const char* dir = std::getenv("RLBENCH_BUNDLED_DIR");
  return dir && *dir ? fs::path(dir) : fs::path(RLBENCH_DATASETS_DIR);
}

std::optional<fs::path> find_local_file(const DatasetEntry& entry,
                                        const std::optional<fs::path>& data_dir) {
  auto dirs = search_dirs(data_dir);
  if (entry.bundled) dirs.push_back(bundled_datasets_dir());
  for (const auto& dir : dirs) {
    const fs::path p = dir / entry.file_name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

LocatedDataset locate_dataset(const std::string& name_or_path,
                              const std::optional<fs::path>& data_dir) {
  // a registered name: search the folders
  if (auto entry = find_dataset(name_or_path)) {
    if (auto p = find_local_file(*entry, data_dir)) return {*p, entry, entry->name};
    std::vector<std::string> dirs;
    for (const auto& d : search_dirs(data_dir)) dirs.push_back(d.string());
    if (entry->bundled) {
      throw Error(error_message(name_or_path, "bundled dataset file not found",
                                entry->file_name + " in " + bundled_datasets_dir().string(),
                                "no such file (set RLBENCH_BUNDLED_DIR to the repository's "
                                "datasets/ folder)"));
    }
    throw Error(error_message(
        name_or_path, "dataset file not found",
        entry->file_name + " in " + (dirs.empty() ? "a data folder" : core::join(dirs, ", ")),
        "no such file (run: rlbench datasets fetch " + name_or_path + ")"));
  }

  // a path; a registered file name keeps its entry
  const fs::path p = core::expand_user(name_or_path);
  std::error_code ec;
  if (fs::exists(p, ec)) {
    std::optional<DatasetEntry> entry;
    for (const auto& e : dataset_registry()) {
      if (e.file_name == p.filename().string()) {
        entry = e;
        break;
      }
    }
    return {p, entry, name_or_path};
  }
  if (looks_like_path(name_or_path)) {
    throw Error(error_message(name_or_path, "no such file",
                              "an existing HDF5 file or a dataset name", "nothing at this path"));
  }
  throw UsageError(name_or_path + ": unknown dataset name" +
                   core::did_you_mean(name_or_path, dataset_names()) +
                   ": expected a registered name (see rlbench datasets list) or a file path");
}

std::optional<std::string> cached_sha256(const fs::path& file) {
  const auto stamp = stamp_of(file);
  if (!stamp) return std::nullopt;
  const auto cache = read_cache(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  const auto it = cache.find(file.filename().string());
  if (it == cache.end() || !it->is_object()) return std::nullopt;
  try {
    if (it->at("bytes").get<std::uint64_t>() != stamp->bytes ||
        it->at("mtime_ns").get<std::int64_t>() != stamp->mtime_ns) {
      return std::nullopt;
    }
    return it->at("sha256").get<std::string>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool record_sha256(const fs::path& file, const std::string& sha256) {
  const auto stamp = stamp_of(file);
  if (!stamp) return false;
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  auto cache = read_cache(dir);
  cache[file.filename().string()] = {
      {"bytes", stamp->bytes}, {"mtime_ns", stamp->mtime_ns}, {"sha256", sha256}};
  try {
    core::write_file_atomic(dir / k_cache_name, cache.dump(2) + "\n");
  } catch (const Error&) {
    return false;  // read-only data folder: the cache is an optimisation only
  }
  return true;
}

std::string checksum_status(const DatasetEntry& entry, const std::optional<fs::path>& file) {
  if (!file) return "absent";
  if (entry.bytes == 0 && entry.sha256.empty()) return "not in manifest";
  std::error_code ec;
  const auto bytes = fs::file_size(*file, ec);
  if (ec) return "absent";
  if (entry.bytes != 0 && bytes != entry.bytes) return "size mismatch";
  if (!entry.sha256.empty()) {
    if (const auto cached = cached_sha256(*file)) {
      return *cached == entry.sha256 ? "verified" : "hash mismatch";
    }
  }
  return "size ok";
}

}  // namespace rlbench::data
