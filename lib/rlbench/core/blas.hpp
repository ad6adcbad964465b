#pragma once

#include <string>

namespace rlbench::core {

// The BLAS under LibTorch's CPU products, as run provenance: its kernels decide the rounding of
// every product. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... (core Cooperlake)" when OpenBLAS is loaded
// (the core is what OPENBLAS_CORETYPE forces or what OpenBLAS detected), else "unknown".
std::string blas_description();

}  // namespace rlbench::core
