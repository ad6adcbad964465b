#include "rlbench/io/result.hpp"

#include <algorithm>
#include <cmath>

#include "rlbench/core/config_reader.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/registry.hpp"

namespace rlbench::io {

namespace {

using nlohmann::json;

// version keys that results must carry; versions_json() writes more, which are kept as they are
const char* const k_required_versions[] = {"rlbench", "git_revision", "libtorch",
                                           "mujoco",  "hdf5",         "compiler"};

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// Strict reader over one JSON object of a result file: every getter requires its key and type,
// finish() rejects keys nobody asked for. Messages read "<file>: <key path>: <what>".
class StrictObject {
 public:
  StrictObject(const json& value, std::string where, std::string path)
      : m_value(value), m_where(std::move(where)), m_path(std::move(path)) {
    if (!m_value.is_object()) fail_type("", "an object", m_value);
  }

  std::string location(const std::string& key) const {
    std::string p = m_path;
    if (!key.empty()) p += (p.empty() || key[0] == '[' ? "" : ".") + key;
    return m_where + ": " + (p.empty() ? "(top level)" : p);
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(location(key) + ": " + what);
  }
  [[noreturn]] void fail_type(const std::string& key, const std::string& expected,
                              const json& got) const {
    throw Error(location(key) + ": expected " + expected + ", got " + core::json_type_name(got));
  }

  const json& get(const std::string& key) {
    m_consumed.push_back(key);
    const auto it = m_value.find(key);
    if (it == m_value.end()) fail(key, "missing");
    return *it;
  }

  std::string string(const std::string& key) {
    const json& v = get(key);
    if (!v.is_string()) fail_type(key, "a string", v);
    return v.get<std::string>();
  }
  std::optional<std::string> nullable_string(const std::string& key) {
    const json& v = get(key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_string()) fail_type(key, "a string or null", v);
    return v.get<std::string>();
  }
  double number(const std::string& key) {
    const json& v = get(key);
    if (!v.is_number()) fail_type(key, "a number", v);
    return v.get<double>();
  }
  std::optional<double> nullable_number(const std::string& key) {
    const json& v = get(key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_number()) fail_type(key, "a number or null", v);
    return v.get<double>();
  }
  long long integer(const std::string& key, long long min_value) {
    const json& v = get(key);
    if (!v.is_number_integer()) fail_type(key, "an integer", v);
    const long long x = v.get<long long>();
    if (x < min_value) {
      fail(key,
           "expected an integer >= " + std::to_string(min_value) + ", got " + std::to_string(x));
    }
    return x;
  }
  const json& array(const std::string& key) {
    const json& v = get(key);
    if (!v.is_array()) fail_type(key, "a list", v);
    return v;
  }
  StrictObject object(const std::string& key) {
    const json& v = get(key);
    if (!v.is_object()) fail_type(key, "an object", v);
    return StrictObject(v, m_where, m_path.empty() ? key : m_path + "." + key);
  }

  void finish() const {
    for (const auto& item : m_value.items()) {
      if (std::find(m_consumed.begin(), m_consumed.end(), item.key()) == m_consumed.end()) {
        fail(item.key(), "unknown key" + core::did_you_mean(item.key(), m_consumed));
      }
    }
  }

  const std::string& where() const { return m_where; }
  const std::string& path() const { return m_path; }

 private:
  const json& m_value;
  std::string m_where;
  std::string m_path;
  std::vector<std::string> m_consumed;
};

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

RunStatus parse_status(StrictObject& o) {
  const std::string s = o.string("status");
  for (RunStatus st : {RunStatus::running, RunStatus::completed, RunStatus::failed}) {
    if (s == to_string(st)) return st;
  }
  o.fail("status", "expected \"running\", \"completed\" or \"failed\", got \"" + s + "\"");
}

EvalEntry parse_eval_entry(StrictObject o) {
  EvalEntry e;
  e.step = o.integer("step", 0);
  for (const auto& v : o.array("returns")) {
    if (!v.is_number()) o.fail_type("returns", "a list of numbers", v);
    e.returns.push_back(v.get<double>());
  }
  for (const auto& v : o.array("lengths")) {
    if (!v.is_number_integer() || v.get<long long>() < 0) {
      o.fail_type("lengths", "a list of non-negative integers", v);
    }
    e.lengths.push_back(v.get<long long>());
  }
  if (e.returns.empty()) o.fail("returns", "expected at least one episode, got none");
  if (e.lengths.size() != e.returns.size()) {
    o.fail("lengths", "expected " + std::to_string(e.returns.size()) +
                          " entries (one per return), got " + std::to_string(e.lengths.size()));
  }
  e.mean_return = o.number("mean_return");
  e.std_return = o.number("std_return");
  e.normalized_mean_x100 = o.nullable_number("normalized_mean_x100");
  e.normalized_std_x100 = o.nullable_number("normalized_std_x100");
  if (e.normalized_mean_x100.has_value() != e.normalized_std_x100.has_value()) {
    o.fail("normalized_std_x100", "must be null exactly when normalized_mean_x100 is");
  }
  o.finish();
  return e;
}

// the stored final/best score must be what the eval list says
void check_derived(StrictObject& o, const std::string& key, const std::optional<double>& stored,
                   const std::optional<double>& derived) {
  const auto show = [](const std::optional<double>& v) {
    return v ? json(*v).dump() : std::string("null");
  };
  const bool same =
      stored.has_value() == derived.has_value() &&
      (!stored || std::abs(*stored - *derived) <= 1e-9 * std::max(1.0, std::abs(*derived)));
  if (!same) {
    o.fail(key,
           "does not match the eval list: expected " + show(derived) + ", got " + show(stored));
  }
}

}  // namespace

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::running:
      return "running";
    case RunStatus::completed:
      return "completed";
    case RunStatus::failed:
      return "failed";
  }
  return "unknown";
}

EvalEntry make_eval_entry(long long step, std::vector<double> returns,
                          std::vector<long long> lengths,
                          const std::optional<data::ReferenceScores>& ref) {
  const std::string where = "evaluation at step " + std::to_string(step);
  if (returns.empty()) throw Error(where + ": no episodes");
  if (lengths.size() != returns.size()) {
    throw Error(error_message(where, "episode lengths", std::to_string(returns.size()),
                              std::to_string(lengths.size())));
  }
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!std::isfinite(returns[i])) {
      throw Error(where + ": episode " + std::to_string(i) + ": return is not finite");
    }
  }
  EvalEntry e;
  e.step = step;
  const double n = static_cast<double>(returns.size());
  double sum = 0;
  for (double r : returns) sum += r;
  e.mean_return = sum / n;
  double sq = 0;
  for (double r : returns) sq += (r - e.mean_return) * (r - e.mean_return);
  e.std_return = std::sqrt(sq / n);
  if (ref) {
    // the score is affine in the return, so the mean score is the score of the mean
    e.normalized_mean_x100 = 100.0 * data::normalized_score(*ref, e.mean_return);
    e.normalized_std_x100 = 100.0 * e.std_return / (ref->ref_max - ref->ref_min);
  }
  e.returns = std::move(returns);
  e.lengths = std::move(lengths);
  return e;
}

std::optional<double> final_normalized_score_x100(const RunResult& result) {
  if (result.eval.empty()) return std::nullopt;
  return result.eval.back().normalized_mean_x100;
}

std::optional<double> best_normalized_score_x100(const RunResult& result) {
  std::optional<double> best;
  for (const auto& e : result.eval) {
    if (e.normalized_mean_x100 && (!best || *e.normalized_mean_x100 > *best)) {
      best = e.normalized_mean_x100;
    }
  }
  return best;
}

nlohmann::json to_json(const RunResult& r) {
  json eval = json::array();
  for (const auto& e : r.eval) {
    eval.push_back({
        {"step", e.step},
        {"returns", e.returns},
        {"lengths", e.lengths},
        {"mean_return", e.mean_return},
        {"std_return", e.std_return},
        {"normalized_mean_x100", optional_number(e.normalized_mean_x100)},
        {"normalized_std_x100", optional_number(e.normalized_std_x100)},
    });
  }
  return {
      {"schema_version", k_result_schema_version},
      {"status", to_string(r.status)},
      {"error", r.error.empty() ? json(nullptr) : json(r.error)},
      {"algo", {{"name", r.algo}, {"params", r.algo_params}}},
      {"dataset",
       {{"name", r.dataset.name},
        {"path", r.dataset.path},
        {"sha256", r.dataset.sha256},
        {"transitions", r.dataset.transitions}}},
      {"env", r.env},
      {"seed", r.seed},
      {"device", r.device},
      {"steps", r.steps},
      {"steps_done", r.steps_done},
      {"eval", eval},
      {"final_normalized_score_x100", optional_number(final_normalized_score_x100(r))},
      {"best_normalized_score_x100", optional_number(best_normalized_score_x100(r))},
      {"timings",
       {{"wall_s", r.timings.wall_s},
        {"train_s", r.timings.train_s},
        {"eval_s", r.timings.eval_s},
        {"updates_per_s", r.timings.updates_per_s}}},
      {"versions", r.versions},
      {"host", r.host},
      {"start_time", r.start_time},
      {"end_time", r.end_time.empty() ? json(nullptr) : json(r.end_time)},
  };
}

RunResult from_json(const nlohmann::json& doc, const std::string& where) {
  StrictObject top(doc, where, "");
  RunResult r;

  // the version first: a newer schema deserves a clear message, not a missing-key error
  const json& version = top.get("schema_version");
  if (!version.is_number_integer() || version.get<long long>() != k_result_schema_version) {
    top.fail("schema_version", "unsupported: expected " + std::to_string(k_result_schema_version) +
                                   ", got " + version.dump());
  }
  r.status = parse_status(top);
  r.error = top.nullable_string("error").value_or("");
  if (r.status == RunStatus::failed && r.error.empty()) {
    top.fail("error", "expected the failure message of a failed run, got null");
  }

  StrictObject algo = top.object("algo");
  r.algo = algo.string("name");
  const json& params = algo.get("params");
  if (!params.is_object()) algo.fail_type("params", "an object", params);
  r.algo_params = params;
  algo.finish();

  StrictObject ds = top.object("dataset");
  r.dataset.name = ds.string("name");
  r.dataset.path = ds.string("path");
  r.dataset.sha256 = ds.string("sha256");
  if (!r.dataset.sha256.empty() && !is_sha256_hex(r.dataset.sha256)) {
    ds.fail("sha256", "expected 64 lowercase hex digits, got \"" + r.dataset.sha256 + "\"");
  }
  r.dataset.transitions = ds.integer("transitions", 0);
  ds.finish();

  r.env = top.string("env");
  r.seed = top.integer("seed", 0);
  r.device = top.string("device");
  r.steps = top.integer("steps", 0);
  r.steps_done = top.integer("steps_done", 0);

  const json& eval = top.array("eval");
  for (std::size_t i = 0; i < eval.size(); ++i) {
    const std::string key = "eval[" + std::to_string(i) + "]";
    if (!eval[i].is_object()) top.fail_type(key, "an object", eval[i]);
    r.eval.push_back(parse_eval_entry(StrictObject(eval[i], where, key)));
    if (i > 0 && r.eval[i].step < r.eval[i - 1].step) {
      top.fail(key + ".step", "expected steps in increasing order, got " +
                                  std::to_string(r.eval[i].step) + " after " +
                                  std::to_string(r.eval[i - 1].step));
    }
  }
  check_derived(top, "final_normalized_score_x100",
                top.nullable_number("final_normalized_score_x100"), final_normalized_score_x100(r));
  check_derived(top, "best_normalized_score_x100",
                top.nullable_number("best_normalized_score_x100"), best_normalized_score_x100(r));

  StrictObject t = top.object("timings");
  r.timings.wall_s = t.number("wall_s");
  r.timings.train_s = t.number("train_s");
  r.timings.eval_s = t.number("eval_s");
  r.timings.updates_per_s = t.number("updates_per_s");
  t.finish();

  const json& versions = top.get("versions");
  if (!versions.is_object()) top.fail_type("versions", "an object", versions);
  for (const char* key : k_required_versions) {
    const auto it = versions.find(key);
    if (it == versions.end()) top.fail(std::string("versions.") + key, "missing");
    if (!it->is_string()) top.fail_type(std::string("versions.") + key, "a string", *it);
  }
  r.versions = versions;

  r.host = top.string("host");
  r.start_time = top.string("start_time");
  r.end_time = top.nullable_string("end_time").value_or("");
  if (r.status != RunStatus::running && r.end_time.empty()) {
    top.fail("end_time",
             std::string("expected the end time of a ") + to_string(r.status) + " run, got null");
  }
  top.finish();
  return r;
}

void write_result(const std::filesystem::path& path, const RunResult& result) {
  core::write_file_atomic(path, to_json(result).dump(2) + "\n");
}

RunResult read_result(const std::filesystem::path& path) {
  const std::string text = core::read_file(path);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's message starts with "[json.exception.parse_error.101] "; keep what follows
    std::string what = e.what();
    const auto bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw Error(path.string() + ": not valid JSON: " + what);
  }
  return from_json(doc, path.string());
}

}  // namespace rlbench::io
