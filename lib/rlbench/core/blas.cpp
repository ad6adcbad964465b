#include "rlbench/core/blas.hpp"

#include <dlfcn.h>

namespace rlbench::core {

std::string blas_description() {
  // looked up at run time: the BLAS is LibTorch's dependency, and not always OpenBLAS
  using Text = char* (*)();
  const auto config = reinterpret_cast<Text>(::dlsym(RTLD_DEFAULT, "openblas_get_config"));
  const auto core = reinterpret_cast<Text>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (config == nullptr || core == nullptr) return "unknown";
  return std::string(config()) + " (core " + core() + ")";
}

}  // namespace rlbench::core
