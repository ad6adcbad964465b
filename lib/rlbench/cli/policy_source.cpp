#include "rlbench/cli/policy_source.hpp"

#include <system_error>

#include <nlohmann/json.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/data/policy_file.hpp"
#include "rlbench/envs/registry.hpp"

namespace rlbench::cli {

namespace {

// a name given as "x" or {"name": "x"}
std::string name_of(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.contains("name") && j["name"].is_string()) {
    return j["name"].get<std::string>();
  }
  return "";
}

}  // namespace

PolicySource resolve_policy_source(const std::string& arg) {
  const std::filesystem::path path(arg);
  std::error_code ec;
  PolicySource source;
  if (std::filesystem::is_directory(path, ec)) {
    source.run_dir = path;
    if (std::filesystem::is_regular_file(path / data::k_run_policy_file, ec)) {
      source.file = path / data::k_run_policy_file;
    }
    return source;
  }
  if (!std::filesystem::exists(path, ec)) {
    throw UsageError(error_message("--policy", "no such file or folder",
                                   "a D4RL-layout HDF5 file or a run folder",
                                   "nothing at \"" + arg + "\""));
  }
  source.file = path;
  return source;
}

RunFolderInfo run_folder_info(const std::filesystem::path& dir) {
  RunFolderInfo info;
  std::error_code ec;
  const auto config = dir / "config.json";
  if (!std::filesystem::is_regular_file(config, ec)) return info;
  const auto j = nlohmann::json::parse(core::read_file(config), nullptr, false);
  if (!j.is_object()) return info;
  if (j.contains("algo")) info.algo = name_of(j["algo"]);
  std::string env = j.contains("env") ? name_of(j["env"]) : "";
  if (env.empty() && j.contains("dataset") && j["dataset"].is_object()) {
    const auto& d = j["dataset"];
    if (d.contains("env") && d["env"].is_string()) env = d["env"].get<std::string>();
    if (env.empty()) {
      try {
        env = envs::env_for_dataset(name_of(d));
      } catch (const Error&) {
        env.clear();  // a file path or an env rlbench does not implement: --env must say
      }
    }
  }
  if (env.empty()) return info;
  try {
    info.env = envs::find_env(env).spec().id;
  } catch (const Error&) {
    info.env.clear();
  }
  return info;
}

}  // namespace rlbench::cli
