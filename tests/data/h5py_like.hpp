#pragma once

// A small raw-HDF5 writer for test fixtures that stores data the way h5py 3 does, written
// directly against the C API and independent of rlbench/data/hdf5.hpp, so that the reader is not
// only tested against rlbench's own writer:
//   - numpy bool: enum {FALSE = 0, TRUE = 1} over a signed 8-bit integer;
//   - create_dataset(..., compression="gzip"): deflate level 4, chunked (here deliberately with
//     chunks that split columns, as h5py's chunk guess does for wide arrays);
//   - np.bytes_ scalars: fixed-length NUL-padded ASCII strings; python str: variable-length UTF-8;
//   - np.int32 / int / float scalars: int32, int64, float64, contiguous.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <hdf5.h>

namespace rlbench::test {

class H5pyLikeFile {
 public:
  explicit H5pyLikeFile(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    m_file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (m_file < 0) throw std::runtime_error("fixture: cannot create " + path);
    m_lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(m_lcpl, 1);
  }
  H5pyLikeFile(const H5pyLikeFile&) = delete;
  H5pyLikeFile& operator=(const H5pyLikeFile&) = delete;
  ~H5pyLikeFile() {
    H5Pclose(m_lcpl);
    H5Fclose(m_file);
  }

  void f32(const std::string& key, const std::vector<float>& v, std::vector<hsize_t> dims) {
    array(key, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, v.data(), dims);
  }
  void f64(const std::string& key, const std::vector<double>& v, std::vector<hsize_t> dims) {
    array(key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v.data(), dims);
  }
  void u8(const std::string& key, const std::vector<std::uint8_t>& v) {
    array(key, H5T_STD_U8LE, H5T_NATIVE_UINT8, v.data(), {v.size()});
  }
  void i8(const std::string& key, const std::vector<std::int8_t>& v) {
    array(key, H5T_STD_I8LE, H5T_NATIVE_INT8, v.data(), {v.size()});
  }
  // numpy bool array
  void boolean(const std::string& key, const std::vector<std::uint8_t>& v) {
    const hid_t type = H5Tenum_create(H5T_STD_I8LE);
    const std::int8_t f = 0;
    const std::int8_t t = 1;
    H5Tenum_insert(type, "FALSE", &f);
    H5Tenum_insert(type, "TRUE", &t);
    std::vector<std::int8_t> raw(v.begin(), v.end());
    array(key, type, type, raw.data(), {v.size()});
    H5Tclose(type);
  }
  // np.bytes_ scalar
  void fixed_bytes(const std::string& key, const std::string& s) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, s.size());
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    scalar(key, type, type, s.data());
    H5Tclose(type);
  }
  // python str scalar
  void vlen_str(const std::string& key, const std::string& s) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    const char* p = s.c_str();
    scalar(key, type, type, static_cast<const void*>(&p));
    H5Tclose(type);
  }
  void int32(const std::string& key, std::int32_t v) {
    scalar(key, H5T_STD_I32LE, H5T_NATIVE_INT32, &v);
  }
  void int64(const std::string& key, std::int64_t v) {
    scalar(key, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
  }
  void float64(const std::string& key, double v) {
    scalar(key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
  }

 private:
  void array(const std::string& key, hid_t file_type, hid_t mem_type, const void* data,
             std::vector<hsize_t> dims) {
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    // chunks of about a third of the rows and one column: partial edge chunks, split columns
    std::vector<hsize_t> chunk(dims.size(), 1);
    chunk[0] = dims[0] > 3 ? (dims[0] + 2) / 3 : (dims[0] > 0 ? dims[0] : 1);
    H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(dcpl, 4);
    const hid_t ds = H5Dcreate2(m_file, key.c_str(), file_type, space, m_lcpl, dcpl, H5P_DEFAULT);
    const herr_t rc = ds < 0 ? -1 : H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (ds >= 0) H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (rc < 0) throw std::runtime_error("fixture: cannot write " + key);
  }

  void scalar(const std::string& key, hid_t file_type, hid_t mem_type, const void* data) {
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t ds =
        H5Dcreate2(m_file, key.c_str(), file_type, space, m_lcpl, H5P_DEFAULT, H5P_DEFAULT);
    const herr_t rc = ds < 0 ? -1 : H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (ds >= 0) H5Dclose(ds);
    H5Sclose(space);
    if (rc < 0) throw std::runtime_error("fixture: cannot write " + key);
  }

  hid_t m_file = H5I_INVALID_HID;
  hid_t m_lcpl = H5I_INVALID_HID;
};

// What a fixture file contains; defaults give a hopper-shaped (11/3) v2 file of 10 rows:
//   rows 0-2 episode ending on a terminal (row 2), rows 3-6 ending on a timeout (row 6),
//   rows 7-9 an unflagged fragment. obs[i][c] = i + c / 100, next_obs = obs + 0.5,
//   actions in [-0.5, 0.52], rewards[i] = i + 1.
struct FixtureSpec {
  std::uint64_t rows = 10;
  std::uint64_t obs_dim = 11;
  std::uint64_t action_dim = 3;
  std::vector<std::uint8_t> terminals = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  std::vector<std::uint8_t> timeouts = {0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
  enum class Flags { h5py_bool, uint8, int8 } flags = Flags::h5py_bool;
  bool obs_float64 = false;     // pre-July-2021 files
  bool rewards_column = false;  // rewards stored (N, 1)
  bool with_timeouts = true;
  bool with_next_observations = true;
  bool with_infos = true;
  bool with_metadata = true;
  bool with_rewards = true;
  std::uint64_t action_rows = 0;  // 0 = rows
};

inline float fixture_obs(std::uint64_t i, std::uint64_t c) {
  return static_cast<float>(i) + static_cast<float>(c) / 100.0F;
}
inline float fixture_action(std::uint64_t i, std::uint64_t c) {
  return (static_cast<float>(i) - 5.0F) / 10.0F + static_cast<float>(c) / 100.0F;
}

// Writes the fixture; `tweak` may change the vectors before they are written.
template <typename Tweak>
void write_fixture(const std::string& path, const FixtureSpec& spec, Tweak tweak) {
  const std::uint64_t n = spec.rows;
  std::vector<float> obs(n * spec.obs_dim);
  std::vector<float> next(n * spec.obs_dim);
  for (std::uint64_t i = 0; i < n; ++i) {
    for (std::uint64_t c = 0; c < spec.obs_dim; ++c) {
      obs[i * spec.obs_dim + c] = fixture_obs(i, c);
      next[i * spec.obs_dim + c] = fixture_obs(i, c) + 0.5F;
    }
  }
  const std::uint64_t arows = spec.action_rows == 0 ? n : spec.action_rows;
  std::vector<float> actions(arows * spec.action_dim);
  for (std::uint64_t i = 0; i < arows; ++i) {
    for (std::uint64_t c = 0; c < spec.action_dim; ++c) {
      actions[i * spec.action_dim + c] = fixture_action(i, c);
    }
  }
  std::vector<float> rewards(n);
  for (std::uint64_t i = 0; i < n; ++i) rewards[i] = static_cast<float>(i + 1);
  std::vector<double> qpos(n * 6);
  std::vector<double> qvel(n * 6);
  for (std::uint64_t i = 0; i < n * 6; ++i) {
    qpos[i] = 0.1 * static_cast<double>(i) + 1e-12;  // not representable in float32
    qvel[i] = -0.2 * static_cast<double>(i);
  }
  tweak(obs, actions, rewards, next);

  H5pyLikeFile f(path);
  if (spec.obs_float64) {
    f.f64("observations", std::vector<double>(obs.begin(), obs.end()), {n, spec.obs_dim});
  } else {
    f.f32("observations", obs, {n, spec.obs_dim});
  }
  f.f32("actions", actions, {arows, spec.action_dim});
  if (spec.with_rewards) {
    if (spec.rewards_column) {
      f.f32("rewards", rewards, {n, 1});
    } else {
      f.f32("rewards", rewards, {n});
    }
  }
  auto flags = [&](const std::string& key, const std::vector<std::uint8_t>& v) {
    switch (spec.flags) {
      case FixtureSpec::Flags::h5py_bool:
        f.boolean(key, v);
        break;
      case FixtureSpec::Flags::uint8:
        f.u8(key, v);
        break;
      case FixtureSpec::Flags::int8:
        f.i8(key, std::vector<std::int8_t>(v.begin(), v.end()));
        break;
    }
  };
  flags("terminals", spec.terminals);
  if (spec.with_timeouts) flags("timeouts", spec.timeouts);
  if (spec.with_next_observations) f.f32("next_observations", next, {n, spec.obs_dim});
  if (spec.with_infos) {
    f.f64("infos/qpos", qpos, {n, 6});
    f.f64("infos/qvel", qvel, {n, 6});
    f.f32("infos/action_log_probs", std::vector<float>(n, -2.0794415F), {n});
  }
  if (spec.with_metadata) {
    f.fixed_bytes("metadata/algorithm", "SAC");
    f.int32("metadata/iteration", 7);
    f.vlen_str("metadata/policy/nonlinearity", "relu");
    f.fixed_bytes("metadata/policy/output_distribution", "tanh_gaussian");
    std::vector<float> w(4 * spec.obs_dim);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.25F * static_cast<float>(i);
    f.f32("metadata/policy/fc0/weight", w, {4, spec.obs_dim});
    f.f32("metadata/policy/fc0/bias", {1, 2, 3, 4}, {4});
    f.int64("metadata/seed", 123456789012LL);
    f.float64("metadata/temperature", 0.125);
  }
}

inline void write_fixture(const std::string& path, const FixtureSpec& spec = {}) {
  write_fixture(path, spec, [](auto&, auto&, auto&, auto&) {});
}

}  // namespace rlbench::test
