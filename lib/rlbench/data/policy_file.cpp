#include "rlbench/data/policy_file.hpp"

#include <cmath>
#include <system_error>

#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/hdf5.hpp"

namespace rlbench::data {

namespace {

using hdf5::DatasetShape;
using hdf5::Handle;
using hdf5::TypeClass;

const std::string k_prefix = "policy/";  // below metadata/
const std::string k_mean = "last_fc";
const std::string k_log_std = "last_fc_log_std";
const std::string k_nonlinearity = "nonlinearity";
const std::string k_distribution = "output_distribution";

std::string hidden_name(std::size_t i) { return "fc" + std::to_string(i); }

std::string key_of(const std::string& rel) { return "metadata/policy/" + rel; }

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// the index of "fc<k>" (no sign, no leading zero), or -1 for any other name
long long hidden_index(const std::string& name) {
  if (name.size() < 3 || name.compare(0, 2, "fc") != 0) return -1;
  const std::string digits = name.substr(2);
  if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) return -1;
  for (const char c : digits) {
    if (c < '0' || c > '9') return -1;
  }
  return std::stoll(digits);
}

void check_layer(const DenseLayer& layer, const std::string& name, const std::string& where) {
  if (layer.out <= 0 || layer.in <= 0 ||
      layer.weight.size() != static_cast<std::size_t>(layer.out * layer.in) ||
      layer.bias.size() != static_cast<std::size_t>(layer.out)) {
    throw Error(
        error_message(where, key_of(name),
                      "a weight of out x in values and a bias of out values with out, in >= 1",
                      "out " + std::to_string(layer.out) + ", in " + std::to_string(layer.in) +
                          ", " + std::to_string(layer.weight.size()) + " weight and " +
                          std::to_string(layer.bias.size()) + " bias values"));
  }
  for (std::size_t i = 0; i < layer.weight.size(); ++i) {
    if (!std::isfinite(layer.weight[i])) {
      const auto in = static_cast<std::size_t>(layer.in);
      throw Error(error_message(where, key_of(name + "/weight"), "finite values",
                                core::format_number(layer.weight[i]) + " at (" +
                                    std::to_string(i / in) + ", " + std::to_string(i % in) + ")"));
    }
  }
  for (std::size_t i = 0; i < layer.bias.size(); ++i) {
    if (!std::isfinite(layer.bias[i])) {
      throw Error(error_message(where, key_of(name + "/bias"), "finite values",
                                core::format_number(layer.bias[i]) + " at " + std::to_string(i)));
    }
  }
}

// what a metadata value is, for "got ..." texts
std::string describe_value(const MetadataValue& v) {
  if (std::holds_alternative<std::string>(v)) return "a string";
  if (const auto* arr = std::get_if<NumericArray>(&v)) {
    return "an array of shape " + hdf5::shape_text(arr->shape);
  }
  return "a numeric scalar";
}

std::vector<float> as_floats(const NumericArray& arr) {
  return std::visit([](const auto& v) { return std::vector<float>(v.begin(), v.end()); },
                    arr.values);
}

class PolicyKeys {
 public:
  PolicyKeys(const std::map<std::string, MetadataValue>& metadata, std::string where)
      : m_where(std::move(where)) {
    for (auto it = metadata.lower_bound(k_prefix);
         it != metadata.end() && core::starts_with(it->first, k_prefix); ++it) {
      m_values[it->first.substr(k_prefix.size())] = &it->second;
    }
  }

  bool empty() const { return m_values.empty(); }
  const std::map<std::string, const MetadataValue*>& values() const { return m_values; }

  DenseLayer layer(const std::string& name) const {
    DenseLayer layer;
    const NumericArray& w = array(name + "/weight", 2, "a float array of shape (out, in)");
    layer.out = static_cast<std::int64_t>(w.shape[0]);
    layer.in = static_cast<std::int64_t>(w.shape[1]);
    const NumericArray& b =
        array(name + "/bias", 1, "a float array of shape (" + std::to_string(layer.out) + ",)");
    if (b.shape[0] != w.shape[0]) {
      throw Error(error_message(m_where, key_of(name + "/bias"),
                                "shape (" + std::to_string(layer.out) + ",) like the weight's rows",
                                "shape " + hdf5::shape_text(b.shape)));
    }
    layer.weight = as_floats(w);
    layer.bias = as_floats(b);
    return layer;
  }

  std::string text(const std::string& rel, const std::string& expected) const {
    const auto it = m_values.find(rel);
    if (it == m_values.end()) {
      throw Error(error_message(m_where, key_of(rel), quoted(expected), "no such key"));
    }
    const auto* s = std::get_if<std::string>(it->second);
    if (s == nullptr) {
      throw Error(error_message(m_where, key_of(rel), "a byte string " + quoted(expected),
                                describe_value(*it->second)));
    }
    return *s;
  }

 private:
  const NumericArray& array(const std::string& rel, std::size_t rank,
                            const std::string& expected) const {
    const auto it = m_values.find(rel);
    if (it == m_values.end()) {
      throw Error(error_message(m_where, key_of(rel), expected, "no such key"));
    }
    const auto* arr = std::get_if<NumericArray>(it->second);
    if (arr == nullptr || arr->shape.size() != rank) {
      throw Error(error_message(m_where, key_of(rel), expected, describe_value(*it->second)));
    }
    return *arr;
  }

  std::string m_where;
  std::map<std::string, const MetadataValue*> m_values;
};

// one metadata dataset read by its on-disk class (bytes or str, numeric array or scalar)
MetadataValue read_value(hid_t file, const std::string& key, const std::string& where) {
  Handle ds = hdf5::open_dataset(file, key, where);
  const DatasetShape s = hdf5::describe(ds.get());
  const std::string at = where + ": " + key;
  if (s.type_class == TypeClass::string && s.dims.empty()) return hdf5::read_string(ds.get(), at);
  if (s.type_class != TypeClass::floating && s.type_class != TypeClass::integer) {
    throw Error(error_message(where, key, "a float array, an integer or a byte string",
                              hdf5::dtype_name(s) + " " + hdf5::shape_text(s.dims)));
  }
  if (s.dims.empty()) {
    if (s.type_class == TypeClass::integer) {
      std::vector<std::int64_t> v(1);
      hdf5::read_int64s(ds.get(), v, at);
      return v[0];
    }
    std::vector<double> v(1);
    hdf5::read_doubles(ds.get(), v, at);
    return v[0];
  }
  NumericArray arr;
  arr.shape = s.dims;
  const auto n = static_cast<std::size_t>(arr.size());
  if (s.type_class == TypeClass::floating && s.type_size <= 4) {
    std::vector<float> v(n);
    hdf5::read_floats(ds.get(), v, at);
    arr.values = std::move(v);
  } else {
    std::vector<double> v(n);
    hdf5::read_doubles(ds.get(), v, at);
    arr.values = std::move(v);
  }
  return arr;
}

void require_regular_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(error_message(path.string(), "no such file", "an existing HDF5 file",
                              std::filesystem::exists(path, ec) ? "something else (a directory?)"
                                                                : "nothing at this path"));
  }
}

}  // namespace

void validate_policy(const GaussianMlpPolicy& policy, const std::string& where) {
  if (policy.hidden.empty()) {
    throw Error(error_message(where, key_of("fc0"), "at least one hidden layer", "none"));
  }
  for (std::size_t i = 0; i < policy.hidden.size(); ++i) {
    check_layer(policy.hidden[i], hidden_name(i), where);
    if (i > 0 && policy.hidden[i].in != policy.hidden[i - 1].out) {
      throw Error(error_message(where, key_of(hidden_name(i)),
                                "input width " + std::to_string(policy.hidden[i - 1].out) + " (" +
                                    hidden_name(i - 1) + "'s output width)",
                                std::to_string(policy.hidden[i].in)));
    }
  }
  const std::int64_t width = policy.hidden.back().out;
  const std::string last = hidden_name(policy.hidden.size() - 1);
  for (const auto* head : {&policy.mean, &policy.log_std}) {
    const std::string& name = head == &policy.mean ? k_mean : k_log_std;
    check_layer(*head, name, where);
    if (head->in != width) {
      throw Error(
          error_message(where, key_of(name),
                        "input width " + std::to_string(width) + " (" + last + "'s output width)",
                        std::to_string(head->in)));
    }
  }
  if (policy.log_std.out != policy.mean.out) {
    throw Error(
        error_message(where, key_of(k_log_std),
                      "output width " + std::to_string(policy.mean.out) + " (like " + k_mean + ")",
                      std::to_string(policy.log_std.out)));
  }
  if (policy.nonlinearity != "relu") {
    throw Error(
        error_message(where, key_of(k_nonlinearity), quoted("relu"), quoted(policy.nonlinearity)));
  }
  if (policy.output_distribution != "tanh_gaussian") {
    throw Error(error_message(where, key_of(k_distribution), quoted("tanh_gaussian"),
                              quoted(policy.output_distribution)));
  }
}

void check_policy_dims(const GaussianMlpPolicy& policy, const std::string& where,
                       const std::string& env, std::int64_t obs_dim, std::int64_t act_dim) {
  if (policy.obs_dim() != obs_dim) {
    throw Error(
        error_message(where, key_of("fc0"),
                      "input width " + std::to_string(obs_dim) + " (" + env + " observations)",
                      std::to_string(policy.obs_dim())));
  }
  if (policy.act_dim() != act_dim) {
    throw Error(error_message(where, key_of(k_mean),
                              "output width " + std::to_string(act_dim) + " (" + env + " actions)",
                              std::to_string(policy.act_dim())));
  }
}

void put_policy(std::map<std::string, MetadataValue>& metadata, const GaussianMlpPolicy& policy) {
  // a previous policy's layers must not survive (a deeper one would leave fc<k> behind)
  for (auto it = metadata.lower_bound(k_prefix);
       it != metadata.end() && core::starts_with(it->first, k_prefix);) {
    it = metadata.erase(it);
  }
  auto put_layer = [&metadata](const std::string& name, const DenseLayer& layer) {
    const auto out = static_cast<std::uint64_t>(layer.out);
    const auto in = static_cast<std::uint64_t>(layer.in);
    metadata[k_prefix + name + "/weight"] = NumericArray{{out, in}, layer.weight};
    metadata[k_prefix + name + "/bias"] = NumericArray{{out}, layer.bias};
  };
  for (std::size_t i = 0; i < policy.hidden.size(); ++i) {
    put_layer(hidden_name(i), policy.hidden[i]);
  }
  put_layer(k_mean, policy.mean);
  put_layer(k_log_std, policy.log_std);
  metadata[k_prefix + k_nonlinearity] = policy.nonlinearity;
  metadata[k_prefix + k_distribution] = policy.output_distribution;
}

std::optional<GaussianMlpPolicy> get_policy(const std::map<std::string, MetadataValue>& metadata,
                                            const std::string& where) {
  const PolicyKeys keys(metadata, where);
  if (keys.empty()) return std::nullopt;

  // every key must belong to the layout; hidden layers are found by name in numeric order
  std::map<long long, std::string> hidden;
  for (const auto& entry : keys.values()) {
    const std::string& rel = entry.first;
    if (rel == k_nonlinearity || rel == k_distribution) continue;
    const auto slash = rel.find('/');
    const std::string layer = rel.substr(0, slash);
    const std::string part = slash == std::string::npos ? "" : rel.substr(slash + 1);
    const long long index = hidden_index(layer);
    if ((part != "weight" && part != "bias") ||
        (index < 0 && layer != k_mean && layer != k_log_std)) {
      throw Error(error_message(where, key_of(rel),
                                "only fc<k>, last_fc and last_fc_log_std weights and biases, "
                                "nonlinearity and output_distribution",
                                "an unexpected key"));
    }
    if (index >= 0) hidden.emplace(index, layer);
  }
  if (hidden.empty()) {
    throw Error(error_message(where, key_of("fc0"), "at least one hidden layer", "no such key"));
  }
  long long expected = 0;
  for (const auto& entry : hidden) {
    if (entry.first != expected) {
      throw Error(error_message(where, key_of(hidden_name(static_cast<std::size_t>(expected))),
                                "hidden layers fc0 to " + hidden.rbegin()->second + " without gaps",
                                "no such layer"));
    }
    ++expected;
  }

  GaussianMlpPolicy policy;
  for (const auto& entry : hidden) policy.hidden.push_back(keys.layer(entry.second));
  policy.mean = keys.layer(k_mean);
  policy.log_std = keys.layer(k_log_std);
  policy.nonlinearity = keys.text(k_nonlinearity, "relu");
  policy.output_distribution = keys.text(k_distribution, "tanh_gaussian");
  validate_policy(policy, where);
  return policy;
}

StoredPolicy read_stored_policy(const std::filesystem::path& path) {
  const std::string where = path.string();
  require_regular_file(path);
  Handle file = hdf5::open_file_read(where);

  // the metadata keys only: the row arrays of a 1M-row dataset are never read
  std::map<std::string, MetadataValue> metadata;
  for (const auto& key : hdf5::list_datasets(file.get(), where)) {
    if (core::starts_with(key, "metadata/policy/") || key == "metadata/algorithm" ||
        key == "metadata/iteration") {
      metadata[key.substr(9)] = read_value(file.get(), key, where);
    }
  }
  auto policy = get_policy(metadata, where);
  if (!policy) {
    throw Error(error_message(where, "metadata/policy",
                              "a stored policy (fc0, ..., last_fc, last_fc_log_std)",
                              "no such group"));
  }
  StoredPolicy stored;
  stored.policy = std::move(*policy);
  if (const auto it = metadata.find("algorithm"); it != metadata.end()) {
    const auto* s = std::get_if<std::string>(&it->second);
    if (s == nullptr) {
      throw Error(
          error_message(where, "metadata/algorithm", "a byte string", describe_value(it->second)));
    }
    stored.algorithm = *s;
  }
  if (const auto it = metadata.find("iteration"); it != metadata.end()) {
    const auto* i = std::get_if<std::int64_t>(&it->second);
    if (i == nullptr) {
      throw Error(error_message(where, "metadata/iteration", "an integer scalar",
                                describe_value(it->second)));
    }
    stored.iteration = *i;
  }
  return stored;
}

GaussianMlpPolicy read_policy_file(const std::filesystem::path& path) {
  return read_stored_policy(path).policy;
}

void write_policy_file(const std::filesystem::path& path, const GaussianMlpPolicy& policy,
                       const std::string& algorithm, std::int32_t iteration) {
  validate_policy(policy, path.string());
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error(path.string() + ": cannot create directory: " + ec.message());
  }
  std::map<std::string, MetadataValue> metadata;
  put_policy(metadata, policy);
  core::TempFileGuard tmp(core::temp_path_for(path));
  {
    Handle file = hdf5::create_file(tmp.path().string());
    const hid_t f = file.get();
    hdf5::write_scalar_bytes(f, "metadata/algorithm", algorithm);
    hdf5::write_scalar_int32(f, "metadata/iteration", iteration);
    for (const auto& [key, value] : metadata) {
      const std::string full = "metadata/" + key;
      if (const auto* s = std::get_if<std::string>(&value)) {
        hdf5::write_scalar_bytes(f, full, *s);
      } else {
        const auto& arr = std::get<NumericArray>(value);
        hdf5::write_array(f, full, std::get<std::vector<float>>(arr.values).data(), arr.shape);
      }
    }
    if (!file.close()) throw Error(path.string() + ": cannot write: closing the HDF5 file failed");
  }
  core::rename_into_place(tmp.path(), path);
  tmp.release();
}

}  // namespace rlbench::data
