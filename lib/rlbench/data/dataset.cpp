#include "rlbench/data/dataset.hpp"

#include <cmath>
#include <numeric>
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

std::string rows_text(std::uint64_t n, std::uint64_t dim) {
  return "(" + std::to_string(n) + ", " + std::to_string(dim) + ")";
}

// ---- validation shared by the loader and from_content ----

template <typename T>
void check_finite(const std::vector<T>& v, std::uint64_t cols, const std::string& where,
                  const std::string& key) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      const std::uint64_t c = cols == 0 ? 1 : cols;
      throw Error(error_message(where, key, "finite values",
                                core::format_number(static_cast<double>(v[i])) + " at row " +
                                    std::to_string(i / c) + ", column " + std::to_string(i % c)));
    }
  }
}

void check_flags(const std::vector<std::uint8_t>& v, const std::string& where,
                 const std::string& key) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] > 1) {
      throw Error(error_message(where, key, "flags 0 or 1",
                                std::to_string(v[i]) + " at row " + std::to_string(i)));
    }
  }
}

void check_length(std::size_t got, std::uint64_t rows, std::uint64_t cols, const std::string& where,
                  const std::string& key) {
  if (got != rows * cols) {
    throw Error(error_message(where, key,
                              std::to_string(rows * cols) + " values (" + std::to_string(rows) +
                                  " rows like observations)",
                              std::to_string(got)));
  }
}

void validate(const DatasetContent& c, const std::string& where, const LoadOptions& options) {
  if (c.rows == 0) throw Error(error_message(where, "observations", "at least 1 row", "0"));

  // lengths of every row array against observations
  check_length(c.observations.size(), c.rows, c.obs_dim, where, "observations");
  check_length(c.actions.size(), c.rows, c.action_dim, where, "actions");
  check_length(c.rewards.size(), c.rows, 1, where, "rewards");
  check_length(c.terminals.size(), c.rows, 1, where, "terminals");
  if (!c.timeouts.empty()) check_length(c.timeouts.size(), c.rows, 1, where, "timeouts");
  if (!c.next_observations.empty()) {
    check_length(c.next_observations.size(), c.rows, c.obs_dim, where, "next_observations");
  }
  for (const auto& [key, arr] : c.infos) {
    if (arr.shape.empty() || arr.shape[0] != c.rows) {
      throw Error(error_message(where, "infos/" + key,
                                "first dimension " + std::to_string(c.rows) + " like observations",
                                "shape " + hdf5::shape_text(arr.shape)));
    }
  }

  // dims against the env
  std::optional<EnvDims> dims = options.dims;
  if (!dims && !options.env.empty()) dims = env_dims(options.env);
  if (dims) {
    const std::string env = options.env.empty() ? "" : " for env " + options.env;
    if (c.obs_dim != dims->obs_dim) {
      throw Error(error_message(where, "observations",
                                "shape (N, " + std::to_string(dims->obs_dim) + ")" + env,
                                rows_text(c.rows, c.obs_dim)));
    }
    if (c.action_dim != dims->action_dim) {
      throw Error(error_message(where, "actions",
                                "shape (N, " + std::to_string(dims->action_dim) + ")" + env,
                                rows_text(c.rows, c.action_dim)));
    }
  }

  // flags and values
  check_flags(c.terminals, where, "terminals");
  check_flags(c.timeouts, where, "timeouts");
  check_finite(c.observations, c.obs_dim, where, "observations");
  check_finite(c.actions, c.action_dim, where, "actions");
  check_finite(c.rewards, 1, where, "rewards");
  check_finite(c.next_observations, c.obs_dim, where, "next_observations");
  for (const auto& info : c.infos) {
    const NumericArray& arr = info.second;
    const std::string key = "infos/" + info.first;
    const std::uint64_t cols = arr.shape[0] == 0 ? 1 : arr.size() / arr.shape[0];
    std::visit([&](const auto& v) { check_finite(v, cols, where, key); }, arr.values);
  }
  if (options.check_action_range) {
    const double limit = 1.0 + k_action_tolerance;
    for (std::size_t i = 0; i < c.actions.size(); ++i) {
      if (std::fabs(c.actions[i]) > limit) {
        throw Error(error_message(
            where, "actions",
            "values in [-1, 1] (tolerance " + core::format_number(k_action_tolerance) + ")",
            core::format_number(c.actions[i], 9) + " at row " + std::to_string(i / c.action_dim) +
                ", column " + std::to_string(i % c.action_dim)));
      }
    }
  }
}

// ---- reading ----

class Reader {
 public:
  Reader(Handle file, std::string where) : m_file(std::move(file)), m_where(std::move(where)) {}

  hid_t file() const { return m_file.get(); }
  const std::string& where() const { return m_where; }

  // the shape of a key, or nullptr when the file has no such dataset
  const DatasetShape* find(const std::string& key) const {
    const auto it = m_shapes.find(key);
    return it == m_shapes.end() ? nullptr : &it->second;
  }

  void add(const std::string& key, DatasetShape shape) { m_shapes[key] = std::move(shape); }

  const DatasetShape& require(const std::string& key, const std::string& expected) const {
    const auto it = m_shapes.find(key);
    if (it == m_shapes.end()) throw Error(error_message(m_where, key, expected, "no such key"));
    return it->second;
  }

  // a float array read whole into rows x cols (shape checked by the caller)
  std::vector<float> read_float_rows(const std::string& key, std::uint64_t rows,
                                     std::uint64_t cols) const {
    std::vector<float> out(static_cast<std::size_t>(rows * cols));
    Handle ds = hdf5::open_dataset(file(), key, m_where);
    hdf5::read_floats(ds.get(), out, m_where + ": " + key);
    return out;
  }

  // 0/1 flags from an h5py bool enum, any integer type or a float type
  std::vector<std::uint8_t> read_flags(const std::string& key, std::uint64_t rows) const {
    const DatasetShape& s = m_shapes.at(key);
    const std::string expected = "bool, int or float flags of shape (" + std::to_string(rows) +
                                 ",) or (" + std::to_string(rows) + ", 1)";
    if (!shape_is_column(s, rows) ||
        (s.type_class != TypeClass::boolean_enum && s.type_class != TypeClass::integer &&
         s.type_class != TypeClass::floating)) {
      throw Error(error_message(m_where, key, expected,
                                hdf5::dtype_name(s) + " " + hdf5::shape_text(s.dims)));
    }
    Handle ds = hdf5::open_dataset(file(), key, m_where);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(rows));
    auto store = [&](std::size_t i, double v) {
      if (v != 0.0 && v != 1.0) {
        throw Error(error_message(m_where, key, "flags 0 or 1",
                                  core::format_number(v) + " at row " + std::to_string(i)));
      }
      out[i] = v != 0.0 ? 1 : 0;
    };
    if (s.type_class == TypeClass::boolean_enum) {
      std::vector<std::int8_t> raw(out.size());
      hdf5::read_enum_bytes(ds.get(), raw, m_where + ": " + key);
      for (std::size_t i = 0; i < raw.size(); ++i) store(i, raw[i]);
    } else if (s.type_class == TypeClass::integer) {
      std::vector<std::int64_t> raw(out.size());
      hdf5::read_int64s(ds.get(), raw, m_where + ": " + key);
      for (std::size_t i = 0; i < raw.size(); ++i) store(i, static_cast<double>(raw[i]));
    } else {
      std::vector<double> raw(out.size());
      hdf5::read_doubles(ds.get(), raw, m_where + ": " + key);
      for (std::size_t i = 0; i < raw.size(); ++i) store(i, raw[i]);
    }
    return out;
  }

  NumericArray read_numeric(const std::string& key) const {
    const DatasetShape& s = m_shapes.at(key);
    NumericArray arr;
    arr.shape = s.dims;
    Handle ds = hdf5::open_dataset(file(), key, m_where);
    const auto n = static_cast<std::size_t>(arr.size());
    if (s.type_class == TypeClass::floating && s.type_size <= 4) {
      std::vector<float> v(n);
      hdf5::read_floats(ds.get(), v, m_where + ": " + key);
      arr.values = std::move(v);
    } else if (s.type_class == TypeClass::boolean_enum) {
      std::vector<std::int8_t> raw(n);
      hdf5::read_enum_bytes(ds.get(), raw, m_where + ": " + key);
      arr.values = std::vector<double>(raw.begin(), raw.end());
    } else {
      std::vector<double> v(n);
      hdf5::read_doubles(ds.get(), v, m_where + ": " + key);
      arr.values = std::move(v);
    }
    return arr;
  }

  static bool shape_is_column(const DatasetShape& s, std::uint64_t rows) {
    return (s.dims.size() == 1 && s.dims[0] == rows) ||
           (s.dims.size() == 2 && s.dims[0] == rows && s.dims[1] == 1);
  }

 private:
  Handle m_file;
  std::string m_where;
  std::map<std::string, DatasetShape> m_shapes;
};

bool is_numeric(const DatasetShape& s) {
  return s.type_class == TypeClass::floating || s.type_class == TypeClass::integer ||
         s.type_class == TypeClass::boolean_enum;
}

// a row-major float matrix key: float class, 2-d, given rows; returns its column count
std::uint64_t matrix_cols(const Reader& r, const std::string& key,
                          std::optional<std::uint64_t> rows, std::optional<std::uint64_t> cols) {
  const std::string expected = "float32 or float64 of shape (" +
                               (rows ? std::to_string(*rows) : std::string("N")) + ", " +
                               (cols ? std::to_string(*cols) : std::string("dim")) + ")";
  const DatasetShape& s = r.require(key, expected);
  const std::string got = hdf5::dtype_name(s) + " " + hdf5::shape_text(s.dims);
  if (s.type_class != TypeClass::floating || s.dims.size() != 2) {
    throw Error(error_message(r.where(), key, expected, got));
  }
  if (rows && s.dims[0] != *rows) {
    throw Error(
        error_message(r.where(), key, std::to_string(*rows) + " rows like observations",
                      std::to_string(s.dims[0]) + " (shape " + hdf5::shape_text(s.dims) + ")"));
  }
  if (cols && s.dims[1] != *cols) throw Error(error_message(r.where(), key, expected, got));
  return s.dims[1];
}

MetadataValue read_metadata(const Reader& r, const std::string& key, const DatasetShape& s) {
  Handle ds = hdf5::open_dataset(r.file(), key, r.where());
  const std::string where = r.where() + ": " + key;
  if (s.type_class == TypeClass::string) return hdf5::read_string(ds.get(), where);
  if (!s.dims.empty()) return r.read_numeric(key);
  if (s.type_class == TypeClass::floating) {
    std::vector<double> v(1);
    hdf5::read_doubles(ds.get(), v, where);
    return v[0];
  }
  if (s.type_class == TypeClass::boolean_enum) {
    std::vector<std::int8_t> v(1);
    hdf5::read_enum_bytes(ds.get(), v, where);
    return static_cast<std::int32_t>(v[0]);
  }
  std::vector<std::int64_t> v(1);
  hdf5::read_int64s(ds.get(), v, where);
  if (s.is_signed && s.type_size <= 4) return static_cast<std::int32_t>(v[0]);
  return v[0];
}

std::vector<KeyInfo> keys_as_written(const DatasetContent& c) {
  std::vector<KeyInfo> keys;
  keys.push_back({"actions", "float32", {c.rows, c.action_dim}});
  for (const auto& [key, arr] : c.infos) {
    keys.push_back({"infos/" + key, arr.is_double() ? "float64" : "float32", arr.shape});
  }
  for (const auto& [key, value] : c.metadata) {
    KeyInfo k{"metadata/" + key, "", {}};
    if (const auto* s = std::get_if<std::string>(&value)) {
      k.dtype = "bytes" + std::to_string(std::max<std::size_t>(1, s->size()));
    } else if (std::holds_alternative<std::int32_t>(value)) {
      k.dtype = "int32";
    } else if (std::holds_alternative<std::int64_t>(value)) {
      k.dtype = "int64";
    } else if (std::holds_alternative<double>(value)) {
      k.dtype = "float64";
    } else {
      const auto& arr = std::get<NumericArray>(value);
      k.dtype = arr.is_double() ? "float64" : "float32";
      k.shape = arr.shape;
    }
    keys.push_back(k);
  }
  if (!c.next_observations.empty()) {
    keys.push_back({"next_observations", "float32", {c.rows, c.obs_dim}});
  }
  keys.push_back({"observations", "float32", {c.rows, c.obs_dim}});
  keys.push_back({"rewards", "float32", {c.rows}});
  keys.push_back({"terminals", "bool", {c.rows}});
  if (!c.timeouts.empty()) keys.push_back({"timeouts", "bool", {c.rows}});
  return keys;
}

}  // namespace

std::uint64_t NumericArray::size() const {
  return std::accumulate(shape.begin(), shape.end(), std::uint64_t{1},
                         [](std::uint64_t a, std::uint64_t b) { return a * b; });
}

std::optional<EnvDims> env_dims(const std::string& env) {
  if (env == "hopper") return EnvDims{11, 3};
  if (env == "halfcheetah") return EnvDims{17, 6};
  if (env == "walker2d") return EnvDims{17, 6};
  if (env == "ant") return EnvDims{111, 8};
  if (env == "antmaze") return EnvDims{29, 8};
  if (core::starts_with(env, "maze2d")) return EnvDims{4, 2};
  return std::nullopt;
}

Dataset Dataset::from_content(DatasetContent content, const std::string& where,
                              const LoadOptions& options) {
  validate(content, where, options);
  Dataset d;
  d.m_keys = keys_as_written(content);
  d.m_c = std::move(content);
  d.m_source = where;
  return d;
}

Dataset load_dataset(const std::filesystem::path& path, const LoadOptions& options) {
  const std::string where = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(error_message(where, "no such file", "an existing HDF5 file",
                              std::filesystem::exists(path, ec) ? "something else (a directory?)"
                                                                : "nothing at this path"));
  }
  Reader r(hdf5::open_file_read(where), where);

  // every key with its on-disk dtype and shape
  Dataset d;
  d.m_source = where;
  for (const auto& key : hdf5::list_datasets(r.file(), where)) {
    Handle ds = hdf5::open_dataset(r.file(), key, where);
    DatasetShape s = hdf5::describe(ds.get());
    d.m_keys.push_back({key, hdf5::dtype_name(s), s.dims});
    r.add(key, std::move(s));
  }

  // required row arrays
  DatasetContent& c = d.m_c;
  c.obs_dim = matrix_cols(r, "observations", std::nullopt, std::nullopt);
  c.rows = r.find("observations")->dims[0];
  c.action_dim = matrix_cols(r, "actions", c.rows, std::nullopt);
  {
    const std::string expected = "float32 or float64 of shape (" + std::to_string(c.rows) +
                                 ",) or (" + std::to_string(c.rows) + ", 1)";
    const DatasetShape& s = r.require("rewards", expected);
    if (s.type_class != TypeClass::floating || !Reader::shape_is_column(s, c.rows)) {
      throw Error(error_message(where, "rewards", expected,
                                hdf5::dtype_name(s) + " " + hdf5::shape_text(s.dims)));
    }
  }
  r.require("terminals", "bool flags of shape (" + std::to_string(c.rows) + ",)");
  if (r.find("next_observations") != nullptr)
    matrix_cols(r, "next_observations", c.rows, c.obs_dim);

  // infos: numeric arrays whose first axis is N (others are listed but not read)
  std::vector<std::string> info_keys;
  for (const auto& k : d.m_keys) {
    if (!core::starts_with(k.key, "infos/")) continue;
    const DatasetShape& s = *r.find(k.key);
    if (!is_numeric(s)) continue;
    if (s.dims.empty() || s.dims[0] != c.rows) {
      throw Error(error_message(where, k.key,
                                "first dimension " + std::to_string(c.rows) + " like observations",
                                "shape " + hdf5::shape_text(s.dims)));
    }
    info_keys.push_back(k.key);
  }

  c.observations = r.read_float_rows("observations", c.rows, c.obs_dim);
  c.actions = r.read_float_rows("actions", c.rows, c.action_dim);
  c.rewards = r.read_float_rows("rewards", c.rows, 1);
  c.terminals = r.read_flags("terminals", c.rows);
  if (r.find("timeouts") != nullptr) c.timeouts = r.read_flags("timeouts", c.rows);
  if (r.find("next_observations") != nullptr) {
    c.next_observations = r.read_float_rows("next_observations", c.rows, c.obs_dim);
  }
  if (options.read_infos) {
    for (const auto& key : info_keys) c.infos[key.substr(6)] = r.read_numeric(key);
  }

  // metadata: scalars and arrays (strings, ints, floats); enums other than bool are skipped
  for (const auto& k : d.m_keys) {
    if (!core::starts_with(k.key, "metadata/")) continue;
    const DatasetShape& s = *r.find(k.key);
    const bool scalar_string = s.type_class == TypeClass::string && s.dims.empty();
    if (!scalar_string && !is_numeric(s)) continue;
    c.metadata[k.key.substr(9)] = read_metadata(r, k.key, s);
  }

  validate(c, where, options);
  return d;
}

Dataset compact_dataset(const Dataset& dataset) {
  DatasetContent c = dataset.content();
  c.next_observations.clear();
  c.infos.erase("qpos");
  c.infos.erase("qvel");
  LoadOptions unchecked;
  unchecked.check_action_range = false;  // already validated when `dataset` was built
  return Dataset::from_content(std::move(c), dataset.source(), unchecked);
}

void write_dataset(const Dataset& dataset, const std::filesystem::path& path,
                   const WriteOptions& options) {
  const DatasetContent& c = dataset.content();
  hdf5::ArrayLayout layout;
  layout.gzip_level = options.gzip_level;
  layout.shuffle = options.shuffle;
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error(path.string() + ": cannot create directory: " + ec.message());
  }
  core::TempFileGuard tmp(core::temp_path_for(path));
  {
    Handle file = hdf5::create_file(tmp.path().string());
    const hid_t f = file.get();
    hdf5::write_array(f, "observations", c.observations.data(), {c.rows, c.obs_dim}, layout);
    hdf5::write_array(f, "actions", c.actions.data(), {c.rows, c.action_dim}, layout);
    hdf5::write_array(f, "rewards", c.rewards.data(), {c.rows}, layout);
    hdf5::write_bool_array(f, "terminals", c.terminals.data(), c.rows, layout);
    if (!c.timeouts.empty()) {
      hdf5::write_bool_array(f, "timeouts", c.timeouts.data(), c.rows, layout);
    }
    if (!c.next_observations.empty()) {
      hdf5::write_array(f, "next_observations", c.next_observations.data(), {c.rows, c.obs_dim},
                        layout);
    }
    auto write_numeric = [f, &layout](const std::string& key, const NumericArray& arr) {
      std::visit([&](const auto& v) { hdf5::write_array(f, key, v.data(), arr.shape, layout); },
                 arr.values);
    };
    for (const auto& [key, arr] : c.infos) write_numeric("infos/" + key, arr);
    for (const auto& [key, value] : c.metadata) {
      const std::string full = "metadata/" + key;
      if (const auto* s = std::get_if<std::string>(&value)) {
        hdf5::write_scalar_bytes(f, full, *s);
      } else if (const auto* i32 = std::get_if<std::int32_t>(&value)) {
        hdf5::write_scalar_int32(f, full, *i32);
      } else if (const auto* i64 = std::get_if<std::int64_t>(&value)) {
        hdf5::write_scalar_int64(f, full, *i64);
      } else if (const auto* x = std::get_if<double>(&value)) {
        hdf5::write_scalar_double(f, full, *x);
      } else {
        write_numeric(full, std::get<NumericArray>(value));
      }
    }
    if (!file.close()) throw Error(path.string() + ": cannot write: closing the HDF5 file failed");
  }
  core::rename_into_place(tmp.path(), path);
  tmp.release();
}

}  // namespace rlbench::data
