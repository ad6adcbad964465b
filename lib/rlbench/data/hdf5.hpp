#pragma once

// A thin RAII layer over the HDF5 C API: move-only handles that close with the right H5*close,
// error-stack silencing, and the few typed reads and writes the D4RL reader and writer need.
// Every failure throws rlbench::Error with a one-line message naming the file and key.

#include <cstdint>
#include <string>
#include <vector>

#include <hdf5.h>

namespace rlbench::data::hdf5 {

// Turns off HDF5's automatic error-stack printing for this thread, so that a failed call shows
// only rlbench's one-line message. Every function below calls it; it is cheap and idempotent.
void silence_errors();

// An owned HDF5 identifier (file, group, dataset, datatype, dataspace or property list), closed
// with the matching H5*close when the handle is destroyed. Move-only.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : m_id(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : m_id(other.m_id) { other.m_id = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  ~Handle() { reset(); }

  // The identifier; still owned by this handle.
  hid_t get() const { return m_id; }
  // True when the identifier is a valid (non-negative) id.
  bool valid() const { return m_id >= 0; }
  // Closes the identifier now (no-op when invalid).
  void reset() noexcept;
  // Closes the identifier and reports whether HDF5 accepted the close (a file close flushes).
  bool close() noexcept;

 private:
  hid_t m_id = H5I_INVALID_HID;
};

// The storage class of a dataset as rlbench sees it.
enum class TypeClass { floating, integer, boolean_enum, other_enum, string, other };

// What a dataset holds on disk: class, byte size, sign, shape, string kind.
struct DatasetShape {
  TypeClass type_class = TypeClass::other;
  std::size_t type_size = 0;        // bytes per element (per fixed string)
  bool is_signed = false;           // integers and enum bases
  bool variable_string = false;     // H5T_STRING with variable length
  std::vector<std::uint64_t> dims;  // empty for a scalar
};

// A short dtype name in numpy spelling: "float32", "float64", "bool", "int8", "uint8", "int32",
// "bytes3" (fixed-length), "str" (variable-length), "enum", "unknown".
std::string dtype_name(const DatasetShape& shape);

// Shape text "(1000, 11)" or "()" for a scalar.
std::string shape_text(const std::vector<std::uint64_t>& dims);

// Opens an existing HDF5 file read-only. Throws Error "<path>: not an HDF5 file: ..." when the
// file exists but has no HDF5 signature, and "<path>: cannot open: ..." on other failures.
Handle open_file_read(const std::string& path);

// Creates (truncates) an HDF5 file for writing. Throws Error on failure.
Handle create_file(const std::string& path);

// Every dataset path under `file` ("observations", "infos/qpos", "metadata/policy/fc0/weight"),
// in name order.
std::vector<std::string> list_datasets(hid_t file, const std::string& file_name);

// Opens a dataset; throws Error "<file>: <key>: ..." when it does not exist.
Handle open_dataset(hid_t file, const std::string& key, const std::string& file_name);

// Class, size and shape of an open dataset.
DatasetShape describe(hid_t dataset);

// Reads a numeric dataset (float or integer class) whole, converting to the memory type.
// Preconditions: the caller checked the class and sized the buffer to the element count.
void read_floats(hid_t dataset, std::vector<float>& out, const std::string& where);
void read_doubles(hid_t dataset, std::vector<double>& out, const std::string& where);
void read_int64s(hid_t dataset, std::vector<std::int64_t>& out, const std::string& where);

// Reads the raw 1-byte values of an enum dataset whose base type is a 1-byte integer (h5py
// bool: FALSE = 0, TRUE = 1).
void read_enum_bytes(hid_t dataset, std::vector<std::int8_t>& out, const std::string& where);

// Reads a scalar string dataset (fixed or variable length); trailing NULs are stripped.
std::string read_string(hid_t dataset, const std::string& where);

// ---- writing (h5py's layout) ----

// Creation options for an array: gzip level, rows per chunk (0 = choose, about 256 KiB) and
// HDF5's byte-shuffle filter before gzip (h5py's shuffle=True; every HDF5 reader undoes it).
struct ArrayLayout {
  int gzip_level = 4;
  std::uint64_t chunk_rows = 0;
  bool shuffle = false;
};

// Writes an N-d array of float32 or float64 (file type little-endian IEEE), gzip-compressed and
// chunked along the first axis; missing groups are created. `dims` must match the buffer size.
void write_array(hid_t file, const std::string& key, const float* data,
                 const std::vector<std::uint64_t>& dims, const ArrayLayout& layout = {});
void write_array(hid_t file, const std::string& key, const double* data,
                 const std::vector<std::uint64_t>& dims, const ArrayLayout& layout = {});

// Writes a 1-d bool array the way h5py does: enum {FALSE = 0, TRUE = 1} over int8, gzip, chunked.
void write_bool_array(hid_t file, const std::string& key, const std::uint8_t* data, std::uint64_t n,
                      const ArrayLayout& layout = {});

// Scalars as h5py writes numpy scalars: fixed-length NUL-padded ASCII bytes (np.bytes_), int32,
// int64, float64; contiguous, uncompressed.
void write_scalar_bytes(hid_t file, const std::string& key, const std::string& value);
void write_scalar_int32(hid_t file, const std::string& key, std::int32_t value);
void write_scalar_int64(hid_t file, const std::string& key, std::int64_t value);
void write_scalar_double(hid_t file, const std::string& key, double value);

}  // namespace rlbench::data::hdf5
