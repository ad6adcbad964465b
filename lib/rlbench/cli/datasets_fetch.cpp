#include "rlbench/cli/datasets_fetch.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/locate.hpp"
#include "rlbench/data/registry.hpp"
#include "rlbench/io/fetch.hpp"

namespace rlbench::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* k_d4rl_outage_hint =
    "the D4RL host has had outages (HTTP 404 in 2023, HTTP 403 in March 2025); try again later "
    "or download from a copy with --mirror URL";

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

// the registry entry for a name, with usage errors that point at the right name
data::DatasetEntry entry_for(const std::string& name) {
  if (auto e = data::find_dataset(name)) return *e;
  for (const auto& e : data::dataset_registry()) {
    if (e.file_name == name || fs::path(name).filename() == e.file_name) {
      throw UsageError("\"" + name + "\" is a file, fetch takes a dataset name (did you mean \"" +
                       e.name + "\"?)");
    }
  }
  if (name.find('/') != std::string::npos || core::ends_with(name, ".hdf5") ||
      core::ends_with(name, ".h5")) {
    throw UsageError("\"" + name +
                     "\" is a file path, fetch takes a dataset name such as hopper-medium-v2; "
                     "a local file can be given to train directly");
  }
  throw UsageError("unknown dataset \"" + name + "\"" +
                   core::did_you_mean(name, data::dataset_names()));
}

// a single self-overwriting progress line on a terminal, at most five updates a second
class ProgressLine {
 public:
  explicit ProgressLine(std::string label) : m_label(std::move(label)) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() {
    if (m_shown) std::fputs("\n", stderr);
  }

  void update(const io::FetchProgress& p) {
    const auto now = Clock::now();
    if (m_shown && now - m_last < std::chrono::milliseconds(200) && p.received != p.total) return;
    if (!m_started) {
      m_started = true;
      m_start = now;
      m_start_bytes = p.received;
    }
    m_last = now;
    m_shown = true;
    std::string line = "\r" + m_label + "  " + core::format_bytes(static_cast<double>(p.received));
    if (p.total > 0) {
      line += " / " + core::format_bytes(static_cast<double>(p.total));
      char pct[16];
      std::snprintf(pct, sizeof pct, "  %3.0f%%", 100.0 * p.received / p.total);
      line += pct;
    }
    const double secs = std::chrono::duration<double>(now - m_start).count();
    if (secs > 0.5) {
      line += "  " + core::format_bytes((p.received - m_start_bytes) / secs) + "/s";
    }
    line += "\033[K";  // clear what a longer previous line left
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }

 private:
  std::string m_label;
  bool m_shown = false;
  bool m_started = false;
  Clock::time_point m_start{};
  Clock::time_point m_last{};
  std::uint64_t m_start_bytes = 0;
};

}  // namespace

void run_datasets_fetch(const DatasetsFetchOptions& options) {
  const data::DatasetEntry entry = entry_for(options.name);
  if (entry.bundled) {
    std::cout << entry.name << ": bundled with rlbench, nothing to download\n";
    return;
  }
  if (!options.sha256.empty() && !is_sha256_hex(options.sha256)) {
    throw UsageError("--sha256: expected 64 hex digits, got \"" + options.sha256 + "\"");
  }
  const bool pinned = !options.sha256.empty();
  const std::string expected = pinned ? options.sha256 : entry.sha256;
  const std::string source = pinned ? "--sha256" : "the manifest";
  const fs::path dest =
      data::default_download_dir(
          options.data_dir.empty() ? std::nullopt : std::optional<fs::path>(options.data_dir)) /
      entry.file_name;

  if (options.verify_only) {
    if (!fs::exists(dest)) {
      throw Error(dest.string() + ": not downloaded yet (run `rlbench datasets fetch " +
                  entry.name + "`)");
    }
  }

  io::FetchRequest req;
  req.url = io::dataset_url(entry, options.mirror);
  req.destination = dest;
  req.expected_sha256 = expected;
  req.expected_bytes =
      pinned ? 0 : entry.bytes;  // a pinned hash names other bytes than the manifest
  req.failure_hint = options.mirror.empty() ? k_d4rl_outage_hint : "check the --mirror URL";
  std::unique_ptr<ProgressLine> progress;
  if (::isatty(STDERR_FILENO) && !fs::exists(dest)) {
    std::cerr << "fetching " << req.url << "\n";
    progress = std::make_unique<ProgressLine>(entry.file_name);
    req.on_progress = [&progress](const io::FetchProgress& p) { progress->update(p); };
  }
  const io::FetchResult r = io::fetch_file(req);
  progress.reset();  // ends the progress line before the result line

  std::string line = entry.name + ": ";
  if (r.already_present) {
    line += "already present at " + r.path.string();
  } else {
    line += "downloaded to " + r.path.string() + " (" +
            core::format_bytes(static_cast<double>(r.bytes));
    if (r.resumed_from > 0) {
      line += ", resumed after " + core::format_bytes(static_cast<double>(r.resumed_from));
    }
    if (r.server_ignored_range) line += ", the server could not resume, so it restarted";
    line += ")";
  }
  if (r.verified) {
    line += "; sha256 verified against " + source;
    // lets `datasets list` show "verified" without hashing the file again
    data::record_sha256(r.path, r.sha256);
  } else {
    line += "; sha256 NOT verified (the manifest has no hash for this name): " + r.sha256 +
            " (pin it with --sha256 to check later copies)";
  }
  std::cout << line << "\n";
}

void add_datasets_fetch(CLI::App& datasets) {
  auto options = std::make_shared<DatasetsFetchOptions>();
  auto* sub = datasets.add_subcommand(
      "fetch",
      "Download a D4RL dataset into the D4RL cache layout, resuming an interrupted download and "
      "checking its size and SHA-256 against rlbench's manifest");
  sub->add_option("name", options->name, "Dataset name, e.g. hopper-medium-v2")->required();
  sub->add_option("--mirror", options->mirror,
                  std::string("Base URL or local directory with the D4RL folder layout "
                              "(default ") +
                      data::k_d4rl_base_url + ")");
  sub->add_option("--data-dir", options->data_dir,
                  "Dataset directory (default: $RLBENCH_DATA, else $D4RL_DATASET_DIR, else "
                  "~/.d4rl/datasets)");
  sub->add_option("--sha256", options->sha256,
                  "Expected SHA-256, overriding the manifest (for a re-published file)");
  sub->add_flag("--verify-only", options->verify_only,
                "Do not download: check the file already in the dataset directory");
  sub->callback([options] { run_datasets_fetch(*options); });
}

}  // namespace rlbench::cli
