#pragma once

namespace rlbench::cli {

// Sets the process's compute threads so that OpenMP (LibTorch) and OpenBLAS never oversubscribe
// the cores: LibTorch gets `threads` intra-op threads (0 = one per core), OpenBLAS gets 1, and
// inter-op parallelism is off. With both pools left at their defaults on 2 cores a TD3+BC step
// runs about 30x slower. Safe to call more than once; the last call wins.
void configure_threads(int threads);

// Fixes glibc malloc's mmap and trim thresholds (32 and 64 MiB) unless GLIBC_TUNABLES or a
// MALLOC_*_ variable already sets malloc options. At glibc's starting values an update's
// tensors, 0.25 to a few MiB, are mapped fresh and page-faulted on every step until some large
// block happens to be freed: TD3+BC on a small dataset ran 2.6-3x slower, mostly in the kernel.
// Returns whether it changed them. Call once, before heavy allocation.
bool configure_allocator();

// The number of intra-op threads currently configured.
int configured_threads();

}  // namespace rlbench::cli
