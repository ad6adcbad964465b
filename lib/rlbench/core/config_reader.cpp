#include "rlbench/core/config_reader.hpp"

#include <algorithm>
#include <utility>

#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"

namespace rlbench::core {

std::string json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float:
      return "number";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::array:
      return "list";
    case nlohmann::json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

ConfigReader::ConfigReader(nlohmann::json object, std::string where, std::string path)
    : m_object(std::move(object)), m_where(std::move(where)), m_path(std::move(path)) {
  if (m_object.is_null()) m_object = nlohmann::json::object();
  if (!m_object.is_object()) {
    throw UsageError(m_where + (m_path.empty() ? "" : ": " + m_path) +
                     ": expected an object, got " + json_type_name(m_object));
  }
}

std::string ConfigReader::location(const std::string& key) const {
  return m_where + ": " + (m_path.empty() ? key : m_path + "." + key);
}

bool ConfigReader::has(const std::string& key) const { return m_object.contains(key); }

const nlohmann::json* ConfigReader::lookup(const std::string& key) {
  if (std::find(m_consumed.begin(), m_consumed.end(), key) == m_consumed.end()) {
    m_consumed.push_back(key);
  }
  const auto it = m_object.find(key);
  return it == m_object.end() ? nullptr : &*it;
}

namespace {
[[noreturn]] void type_error(const std::string& where, const char* expected,
                             const nlohmann::json& got) {
  throw UsageError(where + ": expected " + expected + ", got " + json_type_name(got) + " " +
                   got.dump());
}
}  // namespace

double ConfigReader::get_double(const std::string& key, double default_value) {
  double v = default_value;
  if (const auto* j = lookup(key)) {
    if (!j->is_number()) type_error(location(key), "a number", *j);
    v = j->get<double>();
  }
  m_resolved[key] = v;
  return v;
}

std::optional<double> ConfigReader::get_optional_double(const std::string& key) {
  std::optional<double> v;
  if (const auto* j = lookup(key); j && !j->is_null()) {
    if (!j->is_number()) type_error(location(key), "a number or null", *j);
    v = j->get<double>();
  }
  m_resolved[key] = v ? nlohmann::json(*v) : nlohmann::json();
  return v;
}

long long ConfigReader::get_int64(const std::string& key, long long default_value) {
  long long v = default_value;
  if (const auto* j = lookup(key)) {
    // 1e6 is accepted as an integer when it is one exactly
    if (j->is_number_float() && j->get<double>() == static_cast<double>(j->get<long long>())) {
      v = j->get<long long>();
    } else if (!j->is_number_integer()) {
      type_error(location(key), "an integer", *j);
    } else {
      v = j->get<long long>();
    }
  }
  m_resolved[key] = v;
  return v;
}

int ConfigReader::get_int(const std::string& key, int default_value) {
  const long long v = get_int64(key, default_value);
  if (v < -2147483648LL || v > 2147483647LL) {
    throw UsageError(location(key) + ": expected a 32-bit integer, got " + std::to_string(v));
  }
  return static_cast<int>(v);
}

bool ConfigReader::get_bool(const std::string& key, bool default_value) {
  bool v = default_value;
  if (const auto* j = lookup(key)) {
    if (!j->is_boolean()) type_error(location(key), "true or false", *j);
    v = j->get<bool>();
  }
  m_resolved[key] = v;
  return v;
}

std::string ConfigReader::get_string(const std::string& key, const std::string& default_value) {
  std::string v = default_value;
  if (const auto* j = lookup(key)) {
    if (!j->is_string()) type_error(location(key), "a string", *j);
    v = j->get<std::string>();
  }
  m_resolved[key] = v;
  return v;
}

std::vector<int> ConfigReader::get_int_list(const std::string& key,
                                            const std::vector<int>& default_value) {
  std::vector<int> v = default_value;
  if (const auto* j = lookup(key)) {
    if (!j->is_array()) type_error(location(key), "a list of integers", *j);
    v.clear();
    for (const auto& e : *j) {
      if (!e.is_number_integer()) type_error(location(key), "a list of integers", *j);
      v.push_back(e.get<int>());
    }
  }
  m_resolved[key] = v;
  return v;
}

std::vector<double> ConfigReader::get_double_list(const std::string& key,
                                                  const std::vector<double>& default_value) {
  std::vector<double> v = default_value;
  if (const auto* j = lookup(key)) {
    if (!j->is_array()) type_error(location(key), "a list of numbers", *j);
    v.clear();
    for (const auto& e : *j) {
      if (!e.is_number()) type_error(location(key), "a list of numbers", *j);
      v.push_back(e.get<double>());
    }
  }
  m_resolved[key] = v;
  return v;
}

ConfigReader ConfigReader::child(const std::string& key) {
  const auto* j = lookup(key);
  return ConfigReader(j ? *j : nlohmann::json::object(), m_where,
                      m_path.empty() ? key : m_path + "." + key);
}

void ConfigReader::adopt(const std::string& key, const ConfigReader& finished_child) {
  m_resolved[key] = finished_child.resolved();
}

void ConfigReader::finish() const {
  for (const auto& item : m_object.items()) {
    if (std::find(m_consumed.begin(), m_consumed.end(), item.key()) != m_consumed.end()) continue;
    throw UsageError(location(item.key()) + ": unknown key" + did_you_mean(item.key(), m_consumed));
  }
}

void apply_override(nlohmann::json& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError("--set " + assignment + ": expected key=value, got no '='");
  }
  const std::string path = trim(assignment.substr(0, eq));
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;

  nlohmann::json* node = &root;
  const auto keys = split(path, '.');
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].empty()) {
      throw UsageError("--set " + assignment + ": expected a dotted key like a.b.c, got \"" + path +
                       "\"");
    }
    if (node->is_null()) *node = nlohmann::json::object();
    if (!node->is_object()) {
      throw UsageError("--set " + assignment + ": " + keys[i - 1] + " is a " +
                       json_type_name(*node) + ", not an object");
    }
    node = &(*node)[keys[i]];
  }
  *node = value;
}

}  // namespace rlbench::core
