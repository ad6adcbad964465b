#include "rlbench/io/provenance.hpp"

#include <unistd.h>

#include <ctime>

#include <hdf5.h>
#include <mujoco/mujoco.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "rlbench/core/blas.hpp"
#include "rlbench/core/build_info.hpp"

namespace rlbench::io {

nlohmann::json versions_json() {
  const auto& b = core::build_info();
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  return {
      {"rlbench", b.version},
      {"git_revision", b.git_revision},
      {"git_dirty", b.git_dirty},
      {"build_type", b.build_type},
      {"compiler", b.compiler},
      {"libtorch", TORCH_VERSION},
      {"mujoco", mj_versionString()},
      {"hdf5", std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel)},
      {"cuda_available", torch::cuda::is_available()},
      {"blas", core::blas_description()},
  };
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace rlbench::io
