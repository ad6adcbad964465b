#include "rlbench/train/cuda_graph.hpp"

#include <optional>
#include <utility>
#include <vector>

#include <torch/cuda.h>
#include <torch/torch.h>

#include "rlbench/core/error.hpp"

#ifdef RLBENCH_CUDA_GRAPHS
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace rlbench::train {

#ifdef RLBENCH_CUDA_GRAPHS

bool cuda_graphs_built() { return true; }

namespace {
constexpr std::int64_t k_warmup_updates = 3;
}  // namespace

struct GraphedUpdates::Impl {
  algos::Algorithm& algo;
  Sampler& sampler;
  std::int64_t cycle;
  c10::cuda::CUDAStream stream;  // captures must not run on the default stream
  std::int64_t warmup_done = 0;
  std::vector<std::unique_ptr<at::cuda::CUDAGraph>> graphs;  // by iterations() % cycle
  std::vector<algos::Metrics> outputs;

  Impl(algos::Algorithm& a, Sampler& s)
      : algo(a), sampler(s), cycle(a.graph_cycle()), stream(c10::cuda::getStreamFromPool()) {}

  algos::Metrics eager_on_stream() {
    torch::cuda::synchronize();
    algos::Metrics m;
    {
      c10::cuda::CUDAStreamGuard guard(stream);
      m = algo.update(sampler.sample());
    }
    torch::cuda::synchronize();
    return m;
  }

  // One graph per variant, in the order the variants come next; the captures share one memory
  // pool. update() runs on the host during a capture but does no work, so the counter is reset.
  void capture() {
    const std::int64_t start = algo.iterations();
    graphs.resize(static_cast<std::size_t>(cycle));
    outputs.resize(static_cast<std::size_t>(cycle));
    torch::cuda::synchronize();
    {
      c10::cuda::CUDAStreamGuard guard(stream);
      std::optional<decltype(std::declval<at::cuda::CUDAGraph&>().pool())> pool;
      for (std::int64_t i = 0; i < cycle; ++i) {
        const auto slot = static_cast<std::size_t>((start + i) % cycle);
        auto graph = std::make_unique<at::cuda::CUDAGraph>();
        for (const auto& gen : sampler.generators()) graph->register_generator_state(gen);
        for (const auto& gen : algo.graph_generators()) graph->register_generator_state(gen);
        if (pool) {
          graph->capture_begin(*pool);
        } else {
          graph->capture_begin();
        }
        outputs[slot] = algo.update(sampler.sample());
        graph->capture_end();
        if (!pool) pool = graph->pool();
        graphs[slot] = std::move(graph);
      }
    }
    torch::cuda::synchronize();
    algo.set_iterations(start);
  }
};

GraphedUpdates::GraphedUpdates(algos::Algorithm& algo, Sampler& sampler)
    : m_impl(std::make_unique<Impl>(algo, sampler)) {
  if (m_impl->cycle <= 0) {
    throw Error("train.cuda_graphs: " + algo.name() + " cannot be captured in a CUDA graph");
  }
}

GraphedUpdates::~GraphedUpdates() = default;

algos::Metrics GraphedUpdates::update() {
  Impl& m = *m_impl;
  if (m.warmup_done < k_warmup_updates) {
    ++m.warmup_done;
    return m.eager_on_stream();
  }
  if (m.graphs.empty()) m.capture();
  const auto slot = static_cast<std::size_t>(m.algo.iterations() % m.cycle);
  m.graphs[slot]->replay();
  m.algo.set_iterations(m.algo.iterations() + 1);
  return m.outputs[slot];
}

#else  // LibTorch without CUDA: no graphs

bool cuda_graphs_built() { return false; }

struct GraphedUpdates::Impl {};

GraphedUpdates::GraphedUpdates(algos::Algorithm& /*algo*/, Sampler& /*sampler*/) {
  throw Error(
      "train.cuda_graphs: this build of rlbench has no CUDA graph support (its LibTorch "
      "has no CUDA)");
}

GraphedUpdates::~GraphedUpdates() = default;

algos::Metrics GraphedUpdates::update() { return {}; }

#endif

}  // namespace rlbench::train
