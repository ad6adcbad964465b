#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "rlbench/core/blas.hpp"
#include "rlbench/io/provenance.hpp"

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

TEST_CASE("runs record the BLAS kernels their products used") {
  const std::string blas = rlbench::core::blas_description();
  CHECK(rlbench::io::versions_json()["blas"] == blas);
  if (blas == "unknown") return;  // LibTorch on another BLAS (MKL, for instance)
  CHECK(blas.rfind("OpenBLAS", 0) == 0);
  // a core forced through the environment is the one OpenBLAS reports
  if (const char* forced = std::getenv("OPENBLAS_CORETYPE")) {
    CHECK(lower(blas).find("(core " + lower(forced) + ")") != std::string::npos);
  }
}
