#include "rlbench/cli/datasets.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "rlbench/cli/datasets_fetch.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/locate.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/data/summary.hpp"

namespace rlbench::cli {

namespace {

namespace fs = std::filesystem;

std::optional<fs::path> data_dir_of(const std::string& flag) {
  if (flag.empty()) return std::nullopt;
  return fs::path(flag);
}

// env and score name of a resolved dataset: --env wins, then the registry entry
struct DatasetIdentity {
  std::string env;
  std::string score_name;
};

DatasetIdentity identify(const data::LocatedDataset& located, const std::string& env_flag) {
  if (!env_flag.empty()) {
    if (!data::env_dims(env_flag)) {
      std::vector<std::string> envs = {"hopper",        "halfcheetah",  "walker2d",
                                       "ant",           "antmaze",      "maze2d-umaze",
                                       "maze2d-medium", "maze2d-large", "maze2d-open"};
      throw UsageError("--env: unknown env \"" + env_flag + "\"" +
                       core::did_you_mean(env_flag, envs) +
                       ": expected one of: " + core::join(envs, ", "));
    }
    const bool same = located.entry && located.entry->env == env_flag;
    return {env_flag, same ? located.entry->name : env_flag};
  }
  if (located.entry) return {located.entry->env, located.entry->name};
  return {"", ""};
}

std::string fmt(const nlohmann::json& v, int precision = 6) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) return core::format_number(v.get<double>(), precision);
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string stats_text(const nlohmann::json& s) {
  return "mean " + fmt(s["mean"]) + ", std " + fmt(s["std"]) + ", min " + fmt(s["min"]) + ", max " +
         fmt(s["max"]);
}

std::string list_text(const nlohmann::json& arr) {
  std::vector<std::string> parts;
  for (const auto& v : arr) parts.push_back(fmt(v, 4));
  return "[" + core::join(parts, ", ") + "]";
}

void print_info_text(const nlohmann::json& j, std::ostream& out) {
  const auto line = [&out](const std::string& label, const std::string& value) {
    out << pad(label, 13) << value << "\n";
  };
  line("dataset", j["name"].get<std::string>());
  line("file", j["file"].get<std::string>());
  line("env", j["env"].is_null() ? "unknown (pass --env to check dims and score)"
                                 : j["env"].get<std::string>());
  line("rows", fmt(j["rows"]));
  line("transitions",
       fmt(j["transitions"]) +
           " (qlearning view: s' = next row; timeout rows and the last row dropped)");
  std::string episodes = fmt(j["episodes"]) + ": " + fmt(j["episodes_complete"]) + " complete (" +
                         fmt(j["episodes_ending_terminal"]) + " terminal, " +
                         fmt(j["episodes_ending_timeout"]) + " timeout), " +
                         fmt(j["episodes_truncated"]) + " truncated";
  if (!j["truncated_episode"].is_null()) {
    episodes += " (unflagged end of data: " + fmt(j["truncated_episode"]["rows"]) + " rows)";
  }
  line("episodes", episodes);
  line("terminals", fmt(j["terminals"]));
  line("timeouts", j["timeouts"].is_null() ? "no timeouts key" : fmt(j["timeouts"]));
  line("obs_dim", fmt(j["obs_dim"]));
  line("action_dim", fmt(j["action_dim"]));
  line("action range", list_text(j["action_range"]) + "; per dim min " +
                           list_text(j["action_min"]) + ", max " + list_text(j["action_max"]));
  if (j.contains("ant_contact_forces_zero")) {
    line("ant obs",
         j["ant_contact_forces_zero"].get<bool>()
             ? "columns 27..110 (contact forces) are all 0, as in every D4RL v2 ant file"
             : "columns 27..110 (contact forces) are not all 0, unlike D4RL v2 ant files");
  }
  if (j["returns"].is_null()) {
    line("returns", "no complete episode");
  } else {
    line("returns",
         "over " + fmt(j["returns"]["count"]) + " complete episodes: " + stats_text(j["returns"]));
  }
  if (j["normalized_score_x100"].is_null()) {
    line("score", "no D4RL reference scores for this dataset");
  } else {
    line("score x100", "D4RL normalized, x100: " + stats_text(j["normalized_score_x100"]));
  }
  out << "keys\n";
  for (const auto& k : j["keys"]) {
    std::vector<std::string> dims;
    for (const auto& d : k["shape"]) dims.push_back(d.dump());
    const std::string shape = "(" + core::join(dims, ", ") + (dims.size() == 1 ? ",)" : ")");
    out << "  " << pad(k["key"].get<std::string>(), 40) << pad(k["dtype"].get<std::string>(), 9)
        << shape << "\n";
  }
  if (!j["metadata"].empty()) {
    out << "metadata\n";
    for (const auto& [key, value] : j["metadata"].items()) {
      out << "  " << pad(key, 40) << fmt(value) << "\n";
    }
  }
}

}  // namespace

void run_datasets_list(const DatasetsListOptions& options) {
  const auto data_dir = data_dir_of(options.data_dir);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : data::dataset_registry()) {
    const auto file = data::find_local_file(e, data_dir);
    std::error_code ec;
    const auto bytes = file ? fs::file_size(*file, ec) : 0;
    rows.push_back({{"name", e.name},
                    {"env", e.env},
                    {"file", file ? nlohmann::json(file->string()) : nlohmann::json(nullptr)},
                    {"bytes", file ? nlohmann::json(bytes) : nlohmann::json(nullptr)},
                    {"checksum", data::checksum_status(e, file)}});
  }
  if (options.json) {
    std::cout << rows.dump(2) << "\n";
    return;
  }
  std::vector<std::string> dirs;
  for (const auto& d : data::search_dirs(data_dir)) dirs.push_back(d.string());
  std::cout << "search order: " << (dirs.empty() ? "(none set)" : core::join(dirs, ", ")) << "\n";
  std::cout << pad("NAME", 30) << pad("ENV", 15) << pad("LOCAL", 8) << pad("SIZE", 10)
            << "CHECKSUM\n";
  for (const auto& r : rows) {
    const bool present = !r["file"].is_null();
    std::cout << pad(r["name"].get<std::string>(), 30) << pad(r["env"].get<std::string>(), 15)
              << pad(present ? "yes" : "no", 8)
              << pad(present ? core::format_bytes(r["bytes"].get<double>()) : "-", 10)
              << (present ? r["checksum"].get<std::string>() : "-") << "\n";
  }
}

void run_datasets_info(const DatasetsInfoOptions& options) {
  const auto located = data::locate_dataset(options.dataset, data_dir_of(options.data_dir));
  const auto id = identify(located, options.env);
  data::LoadOptions load;
  load.env = id.env;
  const auto dataset = data::load_dataset(located.path, load);
  const auto j = data::summarize(dataset, located.label, id.env, id.score_name);
  if (options.json) {
    std::cout << j.dump() << "\n";
  } else {
    print_info_text(j, std::cout);
  }
}

void run_datasets_verify(const DatasetsVerifyOptions& options) {
  const auto located = data::locate_dataset(options.dataset, data_dir_of(options.data_dir));
  const auto id = identify(located, options.env);
  const std::string file = located.path.string();

  // bytes first: hash and compare with the manifest
  const std::string observed = core::sha256_file(located.path);
  std::error_code ec;
  const auto bytes = fs::file_size(located.path, ec);
  data::record_sha256(located.path, observed);
  const bool in_manifest = located.entry && !located.entry->sha256.empty();
  if (in_manifest && observed != located.entry->sha256) {
    throw Error(error_message(
        file, "sha256 mismatch",
        located.entry->sha256 + " (manifest, " + std::to_string(located.entry->bytes) + " bytes)",
        observed + " (" + std::to_string(bytes) + " bytes)"));
  }

  // then structure: the loader validates keys, lengths, dims, flags, finiteness, action range
  data::LoadOptions load;
  load.env = id.env;
  const auto dataset = data::load_dataset(located.path, load);
  std::cout << file << ": sha256 " << observed
            << (in_manifest ? " matches the manifest" : " (not in manifest)") << "\n";
  std::cout << file << ": structure ok: " << dataset.rows() << " rows, obs_dim "
            << dataset.obs_dim() << ", action_dim " << dataset.action_dim()
            << (id.env.empty() ? " (env unknown: dims not checked)" : ", env " + id.env) << "\n";
}

void run_datasets_compact(const DatasetsCompactOptions& options) {
  const auto located = data::locate_dataset(options.dataset, data_dir_of(options.data_dir));
  data::LoadOptions load;
  load.check_action_range = false;  // a pure rewrite: keep whatever the file holds
  const auto dataset = data::load_dataset(located.path, load);
  std::error_code ec;
  const auto bytes_in = fs::file_size(located.path, ec);
  data::write_dataset(data::compact_dataset(dataset), options.out, data::k_compact_write);
  const auto bytes_out = fs::file_size(options.out, ec);
  std::cout << options.out << ": " << dataset.rows() << " rows, "
            << core::format_bytes(static_cast<double>(bytes_out)) << " (from "
            << core::format_bytes(static_cast<double>(bytes_in)) << "); dropped "
            << core::join(data::k_compact_dropped_keys, ", ") << "\n";
}

void add_data_dir_option(CLI::App& sub, std::string& data_dir) {
  sub.add_option("--data-dir", data_dir,
                 "Folder searched first for dataset files (then $RLBENCH_DATA, "
                 "$D4RL_DATASET_DIR, ~/.d4rl/datasets)");
}

CLI::App* add_datasets_command(CLI::App& app) {
  auto* datasets =
      app.add_subcommand("datasets", "List, inspect, verify and compact D4RL datasets");
  datasets->require_subcommand(1);

  auto list_opts = std::make_shared<DatasetsListOptions>();
  auto* list = datasets->add_subcommand("list", "Known dataset names, local files and checksums");
  add_data_dir_option(*list, list_opts->data_dir);
  list->add_flag("--json", list_opts->json, "Print one JSON array");
  list->callback([list_opts] { run_datasets_list(*list_opts); });

  auto info_opts = std::make_shared<DatasetsInfoOptions>();
  auto* info = datasets->add_subcommand("info", "Rows, transitions, episodes, dims, returns, keys");
  info->add_option("dataset", info_opts->dataset, "Dataset name or HDF5 file")->required();
  add_data_dir_option(*info, info_opts->data_dir);
  info->add_option("--env", info_opts->env, "Env id for dims and scores (default: from the name)");
  info->add_flag("--json", info_opts->json, "Print one JSON object");
  info->callback([info_opts] { run_datasets_info(*info_opts); });

  auto verify_opts = std::make_shared<DatasetsVerifyOptions>();
  auto* verify =
      datasets->add_subcommand("verify", "Check SHA-256 against the manifest and the structure");
  verify->add_option("dataset", verify_opts->dataset, "Dataset name or HDF5 file")->required();
  add_data_dir_option(*verify, verify_opts->data_dir);
  verify->add_option("--env", verify_opts->env, "Env id for the dims check");
  verify->callback([verify_opts] { run_datasets_verify(*verify_opts); });

  auto compact_opts = std::make_shared<DatasetsCompactOptions>();
  auto* compact = datasets->add_subcommand(
      "compact", "Rewrite without next_observations and infos/qpos, infos/qvel; shuffle + gzip 9");
  compact->add_option("dataset", compact_opts->dataset, "Dataset name or HDF5 file")->required();
  add_data_dir_option(*compact, compact_opts->data_dir);
  compact->add_option("--out", compact_opts->out, "Output HDF5 file (may be the input)")
      ->required();
  compact->callback([compact_opts] { run_datasets_compact(*compact_opts); });

  return datasets;
}

void setup_datasets(CLI::App& app) { add_datasets_fetch(*add_datasets_command(app)); }

}  // namespace rlbench::cli
