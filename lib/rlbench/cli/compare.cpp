#include "rlbench/cli/compare.hpp"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/io/compare.hpp"

namespace rlbench::cli {

void run_compare(const CompareOptions& options) {
  // check every option before touching the file system
  io::validate_group_keys(options.by);
  const io::CompareMetric metric = io::parse_compare_metric(options.metric);
  if (options.format != "md" && options.format != "csv" && options.format != "json") {
    throw UsageError("--format: expected md, csv or json, got \"" + options.format + "\"");
  }

  const auto files = io::find_result_files(options.paths);
  if (files.empty()) {
    throw Error("no result.json under " + core::join(options.paths, ", "));
  }
  std::vector<io::LoadedRun> runs;
  runs.reserve(files.size());
  for (const auto& f : files) runs.push_back({f, io::read_result(f)});

  const io::CompareReport report = io::compare_runs(runs, options.by, metric);
  const std::string skipped = io::skipped_summary(report);
  if (report.runs_used == 0) {
    throw Error("nothing to compare in " + std::to_string(files.size()) + " result.json file" +
                (files.size() == 1 ? "" : "s") + ": " + skipped);
  }
  if (options.format == "csv") {
    std::cout << io::format_csv(report);
  } else if (options.format == "json") {
    std::cout << io::format_json(report);
  } else {
    std::cout << io::format_markdown(report);
  }
  std::cout.flush();
  if (!skipped.empty()) std::cerr << "rlbench compare: " << skipped << "\n";
  std::cerr << io::mixed_config_warnings(report);
}

void setup_compare(CLI::App& app) {
  auto options = std::make_shared<CompareOptions>();
  auto* sub = app.add_subcommand(
      "compare",
      "Group the result.json files under the given paths and print mean ± std over runs (seeds) "
      "of the normalized score, with n; runs that are not completed are skipped and counted");
  sub->add_option("paths", options->paths, "result.json files or directories searched recursively")
      ->required();
  sub->add_option("--by", options->by,
                  "Comma-separated group keys: algo, dataset, env, seed, device, status, "
                  "config (the run folder's config hash), algo.params.NAME (default: "
                  "algo,dataset); a group that pools several configs is warned about")
      ->delimiter(',');
  sub->add_option("--metric", options->metric,
                  "final: the last evaluation's score; best: the best evaluation's (optimistic); "
                  "lastN, e.g. last10: the mean of the last N evaluations' scores (TD3+BC's "
                  "convention); runs with fewer are skipped and counted")
      ->capture_default_str();
  sub->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"md", "csv", "json"}))
      ->capture_default_str();
  sub->callback([options] { run_compare(*options); });
}

}  // namespace rlbench::cli
