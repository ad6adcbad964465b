#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlbench::core {

// Strict reader over a JSON object. Each typed getter records the key as consumed and the value
// it resolved to (the given one or the default), so that `resolved()` is the fully resolved
// config, defaults included. `finish()` rejects every key that no getter consumed, with a
// "did you mean" hint. Errors are UsageError, one line, prefixed with `where` and the key path:
//   experiments/prdc.json: algo.params.betta: unknown key (did you mean "beta"?)
class ConfigReader {
 public:
  // `where` names the source (a file or "--set"); `path` is the key path of this object
  // ("algo.params"), empty at the top level.
  ConfigReader(nlohmann::json object, std::string where, std::string path = "");

  double get_double(const std::string& key, double default_value);
  // A number, or nullopt when the key is absent or null (resolved as null).
  std::optional<double> get_optional_double(const std::string& key);
  int get_int(const std::string& key, int default_value);
  long long get_int64(const std::string& key, long long default_value);
  bool get_bool(const std::string& key, bool default_value);
  std::string get_string(const std::string& key, const std::string& default_value);
  std::vector<int> get_int_list(const std::string& key, const std::vector<int>& default_value);
  std::vector<double> get_double_list(const std::string& key,
                                      const std::vector<double>& default_value);

  // A nested object; a missing key gives an empty object. The child's resolved values are merged
  // into this reader's resolved config when the child finishes.
  ConfigReader child(const std::string& key);

  bool has(const std::string& key) const;

  // Throws UsageError for the first unconsumed key, with a hint drawn from the consumed keys.
  void finish() const;

  const nlohmann::json& resolved() const { return m_resolved; }
  // Merges a finished child's resolved object under `key`.
  void adopt(const std::string& key, const ConfigReader& finished_child);

  // "where: path.key" for error messages about a key.
  std::string location(const std::string& key) const;

 private:
  const nlohmann::json* lookup(const std::string& key);

  nlohmann::json m_object;
  std::string m_where;
  std::string m_path;
  std::vector<std::string> m_consumed;
  nlohmann::json m_resolved = nlohmann::json::object();
};

// Applies one "--set a.b.c=value" override to a JSON object before parsing. The value is parsed
// as JSON when it parses (numbers, true/false, lists, quoted strings) and taken as a plain string
// otherwise. Throws UsageError on a malformed assignment.
void apply_override(nlohmann::json& root, const std::string& assignment);

// A short name for a JSON value's type, for messages ("number", "string", ...).
std::string json_type_name(const nlohmann::json& value);

}  // namespace rlbench::core
