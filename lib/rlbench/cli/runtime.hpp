#pragma once

namespace rlbench::cli {

// Sets the process's compute threads so that OpenMP (LibTorch) and OpenBLAS never oversubscribe
// the cores: LibTorch gets `threads` intra-op threads (0 = one per core), OpenBLAS gets 1, and
// inter-op parallelism is off. With both pools left at their defaults on 2 cores a TD3+BC step
// runs about 30x slower. Safe to call more than once; the last call wins.
void configure_threads(int threads);

// The number of intra-op threads currently configured.
int configured_threads();

}  // namespace rlbench::cli
