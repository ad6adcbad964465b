#include "rlbench/core/blas.hpp"

#include <dlfcn.h>

namespace rlbench::core {

std::string blas_description() {
  // Looked up at run time: the BLAS is LibTorch's dependency, picked by the system (Debian's
  // alternatives), and not always OpenBLAS. Asked through the library that defines sgemm_, so
  // that an OpenBLAS loaded only for LAPACK is not taken for the one doing the products.
  const void* sgemm = ::dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info info{};
  if (sgemm == nullptr || ::dladdr(sgemm, &info) == 0 || info.dli_fname == nullptr) {
    return "unknown";
  }
  void* lib = ::dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) return info.dli_fname;
  using Text = char* (*)();
  const auto config = reinterpret_cast<Text>(::dlsym(lib, "openblas_get_config"));
  const auto core = reinterpret_cast<Text>(::dlsym(lib, "openblas_get_corename"));
  std::string out = info.dli_fname;
  if (config != nullptr && core != nullptr) {
    out = config();
    // DYNAMIC_ARCH builds name the core in their configuration already
    const std::string name = core();
    if (out.find(name) == std::string::npos) out += " (core " + name + ")";
  }
  ::dlclose(lib);
  return out;
}

}  // namespace rlbench::core
