#include "rlbench/io/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"

namespace rlbench::io {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_plain_keys = {"algo",   "dataset", "env",   "seed",
                                               "device", "status",  "config"};
constexpr const char* k_params_prefix = "algo.params.";

std::optional<double> as_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

// numbers compare numerically ("2" < "10"), everything else lexically; numbers sort first
bool value_less(const std::string& a, const std::string& b) {
  const auto na = as_number(a), nb = as_number(b);
  if (na && nb) return *na < *nb;
  if (na.has_value() != nb.has_value()) return na.has_value();
  return a < b;
}

bool keys_less(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (value_less(a[i], b[i])) return true;
    if (value_less(b[i], a[i])) return false;
  }
  return a.size() < b.size();
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// a CSV field, quoted when it has to be (RFC 4180)
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// the shortest text that reads back as the same double
std::string shortest(double v) { return nlohmann::json(v).dump(); }

std::string metric_key(const CompareMetric& m) { return to_string(m) + "_normalized_score_x100"; }

std::string metric_title(const CompareMetric& m) {
  return to_string(m) + " normalized score (x100)";
}

// what the markdown note says the table's numbers are
std::string metric_description(const CompareMetric& m) {
  switch (m.kind) {
    case CompareMetric::Kind::best_score:
      return "best D4RL normalized score";
    case CompareMetric::Kind::last_mean:
      return "mean D4RL normalized score of the last " + std::to_string(m.last) + " evaluation" +
             (m.last == 1 ? "" : "s");
    case CompareMetric::Kind::final_score:
      break;
  }
  return "final D4RL normalized score";
}

// the per-seed spread the way papers print "±": sample std with Bessel's correction
std::optional<double> sample_std(const std::vector<double>& v, double mean) {
  if (v.size() < 2) return std::nullopt;
  double sq = 0;
  for (double x : v) sq += (x - mean) * (x - mean);
  return std::sqrt(sq / static_cast<double>(v.size() - 1));
}

}  // namespace

CompareMetric CompareMetric::last_mean(int n) {
  if (n < 1 || n > k_max_last) {
    throw UsageError("--metric: lastN: expected N from 1 to " + std::to_string(k_max_last) +
                     ", got " + std::to_string(n));
  }
  return {Kind::last_mean, n};
}

CompareMetric parse_compare_metric(const std::string& name) {
  if (name == "final") return CompareMetric::final_score();
  if (name == "best") return CompareMetric::best_score();
  const std::string digits = core::starts_with(name, "last") ? name.substr(4) : std::string();
  // plain digits only (stoi alone would take "+5" and " 5"); 6 of them cannot overflow
  if (!digits.empty() && digits.size() <= 6 && digits[0] != '0' &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return CompareMetric::last_mean(std::stoi(digits));
  }
  const std::string hint =
      core::starts_with(name, "last") ? "" : core::did_you_mean(name, {"final", "best"});
  throw UsageError("--metric: expected final, best or lastN with N from 1 to " +
                   std::to_string(CompareMetric::k_max_last) +
                   " without leading zeros (e.g. last10), got \"" + name + "\"" + hint);
}

std::string to_string(const CompareMetric& metric) {
  switch (metric.kind) {
    case CompareMetric::Kind::best_score:
      return "best";
    case CompareMetric::Kind::last_mean:
      return "last" + std::to_string(metric.last);
    case CompareMetric::Kind::final_score:
      break;
  }
  return "final";
}

std::optional<double> metric_value(const RunResult& r, const CompareMetric& metric) {
  switch (metric.kind) {
    case CompareMetric::Kind::best_score:
      return best_normalized_score_x100(r);
    case CompareMetric::Kind::last_mean: {
      const auto n = static_cast<std::size_t>(metric.last);
      if (r.eval.size() < n) return std::nullopt;
      double sum = 0;
      for (auto e = r.eval.end() - static_cast<std::ptrdiff_t>(n); e != r.eval.end(); ++e) {
        if (!e->normalized_mean_x100) return std::nullopt;
        sum += *e->normalized_mean_x100;
      }
      return sum / static_cast<double>(n);
    }
    case CompareMetric::Kind::final_score:
      break;
  }
  return final_normalized_score_x100(r);
}

std::vector<fs::path> find_result_files(const std::vector<std::string>& paths) {
  // keyed by canonical path to drop duplicates, keeping the spelling the user gave
  std::map<fs::path, fs::path> found;
  for (const auto& p : paths) {
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (!fs::exists(status)) throw UsageError(p + ": no such file or directory");
    if (!fs::is_directory(status)) {
      found.emplace(fs::weakly_canonical(p), p);
      continue;
    }
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw Error(p + ": cannot list: " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) throw Error(p + ": cannot list: " + ec.message());
      if (it->path().filename() == "result.json" && it->is_regular_file(ec)) {
        found.emplace(fs::weakly_canonical(it->path()), it->path());
      }
    }
    if (ec) throw Error(p + ": cannot list: " + ec.message());
  }
  std::vector<fs::path> out;
  for (const auto& [canonical, given] : found) out.push_back(given);
  return out;
}

void validate_group_keys(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    if (std::find(k_plain_keys.begin(), k_plain_keys.end(), key) != k_plain_keys.end()) continue;
    if (core::starts_with(key, k_params_prefix) &&
        key.size() > std::string(k_params_prefix).size()) {
      continue;
    }
    std::vector<std::string> candidates = k_plain_keys;
    candidates.push_back(std::string(k_params_prefix) + "NAME");
    throw UsageError("--by: unknown key \"" + key + "\"" + core::did_you_mean(key, k_plain_keys) +
                     "; expected one of " + core::join(candidates, ", "));
  }
}

std::string config_id(const fs::path& result_file) {
  const std::string dir = result_file.parent_path().filename().string();
  const auto dash = dir.rfind('-');
  if (dash == std::string::npos || dir.size() - dash - 1 != 8) return "-";
  const std::string id = dir.substr(dash + 1);
  return id.find_first_not_of("0123456789abcdef") == std::string::npos ? id : "-";
}

std::string group_value(const LoadedRun& run, const std::string& key) {
  const RunResult& r = run.result;
  if (key == "config") return config_id(run.path);
  if (key == "algo") return r.algo;
  if (key == "dataset") return r.dataset.name;
  if (key == "env") return r.env;
  if (key == "seed") return std::to_string(r.seed);
  if (key == "device") return r.device;
  if (key == "status") return to_string(r.status);
  if (core::starts_with(key, k_params_prefix)) {
    // nested hyperparameters are reached with further dots: algo.params.actor.lr
    const nlohmann::json* node = &r.algo_params;
    for (const auto& part : core::split(key.substr(std::string(k_params_prefix).size()), '.')) {
      if (!node->is_object() || !node->contains(part)) return "-";
      node = &(*node)[part];
    }
    return node->is_string() ? node->get<std::string>() : node->dump();
  }
  throw UsageError("--by: unknown key \"" + key + "\"");
}

CompareReport compare_runs(const std::vector<LoadedRun>& runs, const std::vector<std::string>& keys,
                           const CompareMetric& metric) {
  validate_group_keys(keys);
  CompareReport report;
  report.keys = keys;
  report.metric = metric;

  // runs per group, each run as (seed, path, value) so that values come out in seed order
  struct Member {
    long long seed;
    std::string path;
    double value;
    std::string config;
  };
  std::map<std::vector<std::string>, std::vector<Member>> members;
  for (const auto& run : runs) {
    const RunResult& r = run.result;
    if (r.status == RunStatus::running) {
      ++report.skipped_running;
      continue;
    }
    if (r.status == RunStatus::failed) {
      ++report.skipped_failed;
      continue;
    }
    const auto value = metric_value(r, metric);
    if (!value) {
      // a scored run too short for lastN is told apart: its sweep may simply need more steps
      const bool too_short = metric.kind == CompareMetric::Kind::last_mean &&
                             r.eval.size() < static_cast<std::size_t>(metric.last) &&
                             final_normalized_score_x100(r).has_value();
      ++(too_short ? report.skipped_few_evals : report.skipped_no_score);
      continue;
    }
    std::vector<std::string> key_values;
    for (const auto& key : keys) key_values.push_back(group_value(run, key));
    members[key_values].push_back({r.seed, run.path.string(), *value, config_id(run.path)});
    ++report.runs_used;
  }

  for (auto& [key_values, list] : members) {
    std::sort(list.begin(), list.end(), [](const Member& a, const Member& b) {
      return a.seed != b.seed ? a.seed < b.seed : a.path < b.path;
    });
    CompareGroup g;
    g.key_values = key_values;
    double sum = 0;
    for (const auto& m : list) {
      g.values.push_back(m.value);
      g.seeds.push_back(m.seed);
      sum += m.value;
    }
    g.mean = sum / static_cast<double>(g.values.size());
    g.std = sample_std(g.values, g.mean);
    for (const auto& m : list) g.configs.push_back(m.config);
    std::sort(g.configs.begin(), g.configs.end());
    g.configs.erase(std::unique(g.configs.begin(), g.configs.end()), g.configs.end());
    report.groups.push_back(std::move(g));
  }
  std::stable_sort(report.groups.begin(), report.groups.end(),
                   [](const CompareGroup& a, const CompareGroup& b) {
                     return keys_less(a.key_values, b.key_values);
                   });
  return report;
}

std::string skipped_summary(const CompareReport& report) {
  std::string out;
  const std::size_t not_completed = report.skipped_running + report.skipped_failed;
  if (not_completed > 0) {
    out = "skipped " + std::to_string(not_completed) + " run" + (not_completed == 1 ? "" : "s") +
          " that " + (not_completed == 1 ? "is" : "are") + " not completed (" +
          std::to_string(report.skipped_running) + " running, " +
          std::to_string(report.skipped_failed) + " failed)";
  }
  if (report.skipped_no_score > 0) {
    if (!out.empty()) out += "; ";
    out += "skipped " + std::to_string(report.skipped_no_score) + " completed run" +
           (report.skipped_no_score == 1 ? "" : "s") + " without a normalized score";
  }
  if (report.skipped_few_evals > 0) {
    if (!out.empty()) out += "; ";
    out += "skipped " + std::to_string(report.skipped_few_evals) + " completed run" +
           (report.skipped_few_evals == 1 ? "" : "s") + " with fewer than " +
           std::to_string(report.metric.last) + " evaluations";
  }
  return out;
}

std::string mixed_config_warnings(const CompareReport& report) {
  std::string out;
  for (const auto& g : report.groups) {
    if (g.configs.size() < 2) continue;
    out += "warning: " + core::join(g.key_values, ",") + " pools runs of " +
           std::to_string(g.configs.size()) + " configs (" + core::join(g.configs, ", ") +
           "); add config to --by to see them apart\n";
  }
  return out;
}

std::string format_markdown(const CompareReport& report) {
  std::vector<std::string> header = report.keys;
  header.push_back(metric_title(report.metric));
  header.push_back("n");
  std::string out = "| " + core::join(header, " | ") + " |\n|";
  for (std::size_t i = 0; i < header.size(); ++i)
    out += i + 2 < header.size() ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& g : report.groups) {
    std::vector<std::string> cells = g.key_values;
    cells.push_back(fixed(g.mean, 1) + (g.std ? " ± " + fixed(*g.std, 1) : std::string()));
    cells.push_back(std::to_string(g.n()));
    out += "| " + core::join(cells, " | ") + " |\n";
  }
  out += "\nmean ± sample std (ddof=1) over runs of the " + metric_description(report.metric) +
         ", x100\n";
  return out;
}

std::string format_csv(const CompareReport& report) {
  std::vector<std::string> header;
  for (const auto& k : report.keys) header.push_back(csv_field(k));
  for (const char* col : {"metric", "n", "mean_x100", "std_x100", "seeds"}) header.push_back(col);
  std::string out = core::join(header, ",") + "\n";
  for (const auto& g : report.groups) {
    std::vector<std::string> row;
    for (const auto& v : g.key_values) row.push_back(csv_field(v));
    row.push_back(metric_key(report.metric));
    row.push_back(std::to_string(g.n()));
    row.push_back(shortest(g.mean));
    row.push_back(g.std ? shortest(*g.std) : "");
    std::vector<std::string> seeds;
    for (long long s : g.seeds) seeds.push_back(std::to_string(s));
    row.push_back(core::join(seeds, ";"));
    out += core::join(row, ",") + "\n";
  }
  return out;
}

std::string format_json(const CompareReport& report) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : report.groups) {
    nlohmann::json key = nlohmann::json::object();
    for (std::size_t i = 0; i < report.keys.size(); ++i) key[report.keys[i]] = g.key_values[i];
    groups.push_back({
        {"key", key},
        {"n", g.n()},
        {"mean_x100", g.mean},
        {"std_x100", g.std ? nlohmann::json(*g.std) : nlohmann::json(nullptr)},
        {"seeds", g.seeds},
        {"values_x100", g.values},
        {"configs", g.configs},
    });
  }
  const nlohmann::json doc = {
      {"metric", metric_key(report.metric)},
      {"std", "sample standard deviation over runs (ddof=1), null when n=1"},
      {"by", report.keys},
      {"groups", groups},
      {"runs_used", report.runs_used},
      {"skipped",
       {{"running", report.skipped_running},
        {"failed", report.skipped_failed},
        {"no_score", report.skipped_no_score},
        {"few_evaluations", report.skipped_few_evals}}},
  };
  return doc.dump(2) + "\n";
}

}  // namespace rlbench::io
