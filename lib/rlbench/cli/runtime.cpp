#include "rlbench/cli/runtime.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <torch/torch.h>

namespace rlbench::cli {

namespace {
int g_threads = 0;

// OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded, before main runs, so the variable is too
// late here; its setter is looked up at run time because LibTorch may use another BLAS.
void set_openblas_threads(int n) {
  using SetThreads = void (*)(int);
  if (auto* f = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    f(n);
  }
}
}  // namespace

void configure_threads(int threads) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  g_threads = threads > 0 ? threads : cores;
  set_openblas_threads(1);
  torch::set_num_threads(g_threads);
  static bool interop_set = false;  // may be set only once per process
  if (!interop_set) {
    interop_set = true;
    try {
      torch::set_num_interop_threads(1);
    } catch (const std::exception&) {
      // already started by earlier torch work; harmless
    }
  }
}

bool configure_allocator() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return false;
  for (const char* v : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"}) {
    if (std::getenv(v) != nullptr) return false;  // the user's choice
  }
  // 32 MiB is the largest mmap threshold glibc accepts on 64-bit, the value its own dynamic
  // threshold grows to; trim at twice that, as glibc does when it moves the threshold
  constexpr int k_mmap_threshold = 32 << 20;
  return ::mallopt(M_MMAP_THRESHOLD, k_mmap_threshold) == 1 &&
         ::mallopt(M_TRIM_THRESHOLD, 2 * k_mmap_threshold) == 1;
}

int configured_threads() { return g_threads; }

}  // namespace rlbench::cli
