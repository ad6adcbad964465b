#include "rlbench/data/hdf5.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "rlbench/core/error.hpp"

namespace rlbench::data::hdf5 {

namespace {

// the file name of an open object, for error messages from the writer
std::string file_name_of(hid_t obj) {
  const ssize_t n = H5Fget_name(obj, nullptr, 0);
  if (n <= 0) return "<hdf5>";
  std::string name(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(obj, name.data(), name.size());
  name.resize(static_cast<std::size_t>(n));
  return name;
}

[[noreturn]] void fail_write(hid_t file, const std::string& key, const std::string& what) {
  throw Error(file_name_of(file) + ": " + key + ": cannot write: " + what);
}

Handle link_create_plist() {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  return lcpl;
}

Handle simple_space(const std::vector<std::uint64_t>& dims) {
  if (dims.empty()) return Handle(H5Screate(H5S_SCALAR));
  std::vector<hsize_t> d(dims.begin(), dims.end());
  return Handle(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr));
}

// gzip + chunks of whole rows, about 256 KiB each (h5py's own guess splits columns too; any
// chunking reads the same)
Handle chunked_plist(const std::vector<std::uint64_t>& dims, std::size_t elem_size,
                     const ArrayLayout& layout) {
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  // an empty array cannot be chunked (chunks may not exceed fixed dims): leave it contiguous
  if (std::find(dims.begin(), dims.end(), 0) != dims.end()) return dcpl;
  std::vector<hsize_t> chunk(dims.begin(), dims.end());
  std::uint64_t row_bytes = elem_size;
  for (std::size_t i = 1; i < dims.size(); ++i) row_bytes *= std::max<std::uint64_t>(1, dims[i]);
  std::uint64_t rows = layout.chunk_rows;
  if (rows == 0) rows = std::max<std::uint64_t>(1, std::uint64_t{256} * 1024 / row_bytes);
  chunk[0] = std::max<std::uint64_t>(1, std::min<std::uint64_t>(rows, dims[0]));
  H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  if (layout.shuffle) H5Pset_shuffle(dcpl.get());
  if (layout.gzip_level > 0) H5Pset_deflate(dcpl.get(), static_cast<unsigned>(layout.gzip_level));
  return dcpl;
}

void write_numeric(hid_t file, const std::string& key, const void* data, hid_t file_type,
                   hid_t mem_type, const std::vector<std::uint64_t>& dims,
                   const ArrayLayout& layout) {
  silence_errors();
  if (dims.empty()) fail_write(file, key, "an array needs at least one dimension");
  Handle space = simple_space(dims);
  Handle lcpl = link_create_plist();
  Handle dcpl = chunked_plist(dims, H5Tget_size(file_type), layout);
  Handle ds(
      H5Dcreate2(file, key.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT));
  if (!ds.valid()) fail_write(file, key, "H5Dcreate failed");
  if (H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail_write(file, key, "H5Dwrite failed");
  }
}

void write_scalar(hid_t file, const std::string& key, hid_t file_type, hid_t mem_type,
                  const void* data) {
  silence_errors();
  Handle space(H5Screate(H5S_SCALAR));
  Handle lcpl = link_create_plist();
  Handle ds(
      H5Dcreate2(file, key.c_str(), file_type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!ds.valid()) fail_write(file, key, "H5Dcreate failed");
  if (H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail_write(file, key, "H5Dwrite failed");
  }
}

template <typename T>
void read_whole(hid_t dataset, hid_t mem_type, std::vector<T>& out, const std::string& where) {
  if (out.empty()) return;
  if (H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) {
    throw Error(where + ": cannot read: the data are corrupt or not convertible");
  }
}

struct VisitState {
  std::vector<std::string>* names;
};

herr_t visit_link(hid_t group, const char* name, const H5L_info_t* info, void* op_data) {
  auto* state = static_cast<VisitState*>(op_data);
  // soft and external links are not followed: d4rl files have none
  if (info->type != H5L_TYPE_HARD) return 0;
  Handle obj(H5Oopen(group, name, H5P_DEFAULT));
  if (obj.valid() && H5Iget_type(obj.get()) == H5I_DATASET) state->names->emplace_back(name);
  return 0;
}

}  // namespace

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    m_id = other.m_id;
    other.m_id = H5I_INVALID_HID;
  }
  return *this;
}

bool Handle::close() noexcept {
  if (m_id < 0) return true;
  herr_t rc = -1;
  switch (H5Iget_type(m_id)) {
    case H5I_FILE:
      rc = H5Fclose(m_id);
      break;
    case H5I_GROUP:
      rc = H5Gclose(m_id);
      break;
    case H5I_DATASET:
      rc = H5Dclose(m_id);
      break;
    case H5I_DATATYPE:
      rc = H5Tclose(m_id);
      break;
    case H5I_DATASPACE:
      rc = H5Sclose(m_id);
      break;
    case H5I_GENPROP_LST:
      rc = H5Pclose(m_id);
      break;
    case H5I_ATTR:
      rc = H5Aclose(m_id);
      break;
    default:
      rc = H5Idec_ref(m_id);
      break;
  }
  m_id = H5I_INVALID_HID;
  return rc >= 0;
}

void Handle::reset() noexcept { close(); }

std::string dtype_name(const DatasetShape& s) {
  switch (s.type_class) {
    case TypeClass::floating:
      return "float" + std::to_string(8 * s.type_size);
    case TypeClass::integer:
      return std::string(s.is_signed ? "int" : "uint") + std::to_string(8 * s.type_size);
    case TypeClass::boolean_enum:
      return "bool";
    case TypeClass::other_enum:
      return "enum";
    case TypeClass::string:
      return s.variable_string ? "str" : "bytes" + std::to_string(s.type_size);
    case TypeClass::other:
      break;
  }
  return "unknown";
}

std::string shape_text(const std::vector<std::uint64_t>& dims) {
  std::string out = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(dims[i]);
  }
  if (dims.size() == 1) out += ",";
  return out + ")";
}

Handle open_file_read(const std::string& path) {
  silence_errors();
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 == 0) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    throw Error(error_message(path, "not an HDF5 file", "the HDF5 signature",
                              "a file of " + std::to_string(ec ? 0 : bytes) + " bytes without it"));
  }
  Handle file(is_hdf5 > 0 ? H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT) : H5I_INVALID_HID);
  if (!file.valid()) {
    throw Error(error_message(path, "cannot open", "a complete HDF5 file",
                              "one that HDF5 cannot open (truncated or damaged)"));
  }
  return file;
}

Handle create_file(const std::string& path) {
  silence_errors();
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file.valid()) throw Error(path + ": cannot create the HDF5 file");
  return file;
}

std::vector<std::string> list_datasets(hid_t file, const std::string& file_name) {
  silence_errors();
  std::vector<std::string> names;
  VisitState state{&names};
  if (H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit_link, &state) < 0) {
    throw Error(file_name + ": cannot list the keys: the file structure is corrupt");
  }
  std::sort(names.begin(), names.end());
  return names;
}

Handle open_dataset(hid_t file, const std::string& key, const std::string& file_name) {
  silence_errors();
  Handle ds(H5Dopen2(file, key.c_str(), H5P_DEFAULT));
  if (!ds.valid()) {
    throw Error(error_message(file_name, key, "a dataset", "no such key"));
  }
  return ds;
}

DatasetShape describe(hid_t dataset) {
  DatasetShape s;
  Handle type(H5Dget_type(dataset));
  Handle space(H5Dget_space(dataset));
  const int ndims = H5Sget_simple_extent_ndims(space.get());
  if (ndims > 0) {
    std::vector<hsize_t> dims(static_cast<std::size_t>(ndims));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    s.dims.assign(dims.begin(), dims.end());
  }
  s.type_size = H5Tget_size(type.get());
  switch (H5Tget_class(type.get())) {
    case H5T_FLOAT:
      s.type_class = TypeClass::floating;
      break;
    case H5T_INTEGER:
      s.type_class = TypeClass::integer;
      s.is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
      break;
    case H5T_ENUM: {
      Handle base(H5Tget_super(type.get()));
      s.is_signed = H5Tget_sign(base.get()) == H5T_SGN_2;
      // h5py's bool: two members FALSE = 0 and TRUE = 1 over a 1-byte integer
      bool is_bool = s.type_size == 1 && H5Tget_nmembers(type.get()) == 2;
      if (is_bool) {
        for (const auto& [name, want] : {std::pair<const char*, int>{"FALSE", 0}, {"TRUE", 1}}) {
          std::int8_t value = -1;
          if (H5Tenum_valueof(type.get(), name, &value) < 0 || value != want) is_bool = false;
        }
      }
      s.type_class = is_bool ? TypeClass::boolean_enum : TypeClass::other_enum;
      break;
    }
    case H5T_STRING:
      s.type_class = TypeClass::string;
      s.variable_string = H5Tis_variable_str(type.get()) > 0;
      break;
    default:
      s.type_class = TypeClass::other;
      break;
  }
  return s;
}

void read_floats(hid_t dataset, std::vector<float>& out, const std::string& where) {
  read_whole(dataset, H5T_NATIVE_FLOAT, out, where);
}

void read_doubles(hid_t dataset, std::vector<double>& out, const std::string& where) {
  read_whole(dataset, H5T_NATIVE_DOUBLE, out, where);
}

void read_int64s(hid_t dataset, std::vector<std::int64_t>& out, const std::string& where) {
  read_whole(dataset, H5T_NATIVE_INT64, out, where);
}

void read_enum_bytes(hid_t dataset, std::vector<std::int8_t>& out, const std::string& where) {
  // read with the file's own enum type (native order) so no enum->int conversion is asked for
  Handle type(H5Dget_type(dataset));
  Handle native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
  if (H5Tget_size(native.get()) != 1) throw Error(where + ": expected a 1-byte enum");
  read_whole(dataset, native.get(), out, where);
}

std::string read_string(hid_t dataset, const std::string& where) {
  Handle type(H5Dget_type(dataset));
  Handle space(H5Dget_space(dataset));
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw Error(where + ": expected a scalar string");
  }
  std::string value;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    char* text = nullptr;
    if (H5Dread(dataset, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0) {
      throw Error(where + ": cannot read the string");
    }
    if (text != nullptr) value = text;
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &text);
  } else {
    const std::size_t n = H5Tget_size(type.get());
    Handle mem(H5Tcopy(type.get()));
    std::string buf(n, '\0');
    if (n > 0 && H5Dread(dataset, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) {
      throw Error(where + ": cannot read the string");
    }
    value = buf.substr(0, buf.find('\0'));
  }
  return value;
}

void write_array(hid_t file, const std::string& key, const float* data,
                 const std::vector<std::uint64_t>& dims, const ArrayLayout& layout) {
  write_numeric(file, key, data, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, dims, layout);
}

void write_array(hid_t file, const std::string& key, const double* data,
                 const std::vector<std::uint64_t>& dims, const ArrayLayout& layout) {
  write_numeric(file, key, data, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, layout);
}

void write_bool_array(hid_t file, const std::string& key, const std::uint8_t* data, std::uint64_t n,
                      const ArrayLayout& layout) {
  Handle type(H5Tenum_create(H5T_STD_I8LE));
  const std::int8_t no = 0;
  const std::int8_t yes = 1;
  H5Tenum_insert(type.get(), "FALSE", &no);
  H5Tenum_insert(type.get(), "TRUE", &yes);
  std::vector<std::int8_t> values(n);
  for (std::uint64_t i = 0; i < n; ++i) values[i] = data[i] != 0 ? 1 : 0;
  write_numeric(file, key, values.data(), type.get(), type.get(), {n}, layout);
}

void write_scalar_bytes(hid_t file, const std::string& key, const std::string& value) {
  // numpy cannot hold a 0-byte string either; h5py stores b"" as one NUL
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), std::max<std::size_t>(1, value.size()));
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_ASCII);
  std::string buf = value.empty() ? std::string(1, '\0') : value;
  write_scalar(file, key, type.get(), type.get(), buf.data());
}

void write_scalar_int32(hid_t file, const std::string& key, std::int32_t value) {
  write_scalar(file, key, H5T_STD_I32LE, H5T_NATIVE_INT32, &value);
}

void write_scalar_int64(hid_t file, const std::string& key, std::int64_t value) {
  write_scalar(file, key, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void write_scalar_double(hid_t file, const std::string& key, double value) {
  write_scalar(file, key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

}  // namespace rlbench::data::hdf5
