#include <link.h>

#include <string>

#include <doctest/doctest.h>

#include "rlbench/core/blas.hpp"
#include "rlbench/io/provenance.hpp"

namespace {
// whether the process has loaded a library with "openblas" in its path
bool openblas_loaded() {
  bool found = false;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        if (std::string(info->dlpi_name).find("openblas") != std::string::npos) {
          *static_cast<bool*>(data) = true;
        }
        return 0;
      },
      &found);
  return found;
}
}  // namespace

TEST_SUITE_BEGIN("core");

TEST_CASE("runs record the BLAS whose kernels did their products") {
  const std::string blas = rlbench::core::blas_description();
  CHECK(rlbench::io::versions_json()["blas"] == blas);
  // Debian's LibTorch calls the system BLAS; pip's links MKL in, which may export nothing
  if (openblas_loaded()) CHECK(blas.rfind("OpenBLAS", 0) == 0);
}

TEST_SUITE_END();
