#pragma once

#include <string>

namespace rlbench::core {

// The BLAS under LibTorch's CPU products, as run provenance: its kernels decide the rounding of
// every product. For OpenBLAS its configuration, which names the kernel core in a DYNAMIC_ARCH
// build ("OpenBLAS 0.3.21 ... USE_OPENMP Haswell MAX_THREADS=64"): the core OPENBLAS_CORETYPE
// forces or the one OpenBLAS detected. For another BLAS the file that defines sgemm_; "unknown"
// if none is loaded.
std::string blas_description();

}  // namespace rlbench::core
