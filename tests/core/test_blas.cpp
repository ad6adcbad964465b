#include <dlfcn.h>

#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "rlbench/core/blas.hpp"
#include "rlbench/io/provenance.hpp"

namespace {
// the file of the library whose sgemm_ the process calls; empty if none
std::string sgemm_library() {
  const void* sgemm = ::dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info info{};
  if (sgemm == nullptr || ::dladdr(sgemm, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}
}  // namespace

TEST_SUITE_BEGIN("core");

TEST_CASE("runs record the BLAS whose kernels did their products") {
  const std::string blas = rlbench::core::blas_description();
  CHECK(rlbench::io::versions_json()["blas"] == blas);
  // Debian's LibTorch calls the system BLAS (OpenBLAS here); pip's links MKL in
  const std::string lib = sgemm_library();
  std::error_code ec;  // Debian names OpenBLAS libblas.so.3, through the alternatives' links
  if (std::filesystem::canonical(lib, ec).string().find("openblas") != std::string::npos) {
    CHECK(blas.rfind("OpenBLAS", 0) == 0);
  } else if (!lib.empty()) {
    CHECK(blas == lib);
  }
}

TEST_SUITE_END();
