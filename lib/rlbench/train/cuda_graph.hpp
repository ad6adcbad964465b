#pragma once

// CUDA graphs for the training loop. On a GPU a TD3+BC step is a few hundred small kernels, and
// launching them one by one from the host costs far more than running them. The runner captures
// sampling plus update() once per update variant (TD3's critic-only and critic-and-actor steps)
// and then replays one graph launch per step. The arithmetic is the eager CUDA arithmetic, and
// the generators are registered with the graphs, so a replay draws the same numbers as an eager
// step would.

#include <cstdint>
#include <memory>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/train/sampler.hpp"

namespace rlbench::train {

class GraphedUpdates {
 public:
  // Most update variants captured; an algorithm with more (TD3 with a large policy_freq) runs
  // eagerly rather than holding that many graphs.
  static constexpr std::int64_t k_max_variants = 8;
  // Whether `algo` can run here: the build has graphs (a CUDA LibTorch, 2.4 or newer) and
  // 0 < graph_cycle() <= k_max_variants.
  static bool supports(const algos::Algorithm& algo);

  // `algo` and `sampler` train on one CUDA device and supports(algo). Both must outlive the
  // runner, and their tensors must not be reallocated (load checkpoints first).
  GraphedUpdates(algos::Algorithm& algo, Sampler& sampler);
  ~GraphedUpdates();
  GraphedUpdates(const GraphedUpdates&) = delete;
  GraphedUpdates& operator=(const GraphedUpdates&) = delete;

  // One update of every seed on a fresh batch, like algo.update(sampler.sample()). The first
  // calls run eagerly on the capture stream (so that cuBLAS and the allocator set up outside a
  // capture), the next one captures every variant, and later ones replay. The returned metrics
  // are the graph's output tensors, each graph with its own memory: they hold until the same
  // variant runs again.
  algos::Metrics update();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace rlbench::train
