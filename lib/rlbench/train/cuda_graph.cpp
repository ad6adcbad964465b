#include "rlbench/train/cuda_graph.hpp"

#include <algorithm>
#include <string>
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

namespace {
// Eager updates before the first capture: the first ones create cuBLAS handles and workspaces
// and fill the allocator's cache, none of which may happen inside a capture. Two would do;
// one more is cheap. At least one full cycle also runs every variant once (an actor step
// included), so that state a variant makes on first use (EnsembleLinear's ones) is made outside
// the captures.
constexpr std::int64_t k_min_warmup_updates = 3;
}  // namespace

struct GraphedUpdates::Impl {
  algos::Algorithm& algo;
  Sampler& sampler;
  std::int64_t cycle;
  c10::DeviceIndex device;
  c10::cuda::CUDAStream stream;  // captures must not run on the default stream
  std::int64_t warmup_done = 0;
  // by iterations() % cycle; each graph has its own memory pool, so replaying one never
  // overwrites another's outputs
  std::vector<std::unique_ptr<at::cuda::CUDAGraph>> graphs;
  std::vector<algos::Metrics> outputs;

  Impl(algos::Algorithm& a, Sampler& s)
      : algo(a),
        sampler(s),
        cycle(a.graph_cycle()),
        device(s.observations().device().index()),
        stream(c10::cuda::getStreamFromPool(false, s.observations().device().index())) {}

  algos::Metrics eager_on_stream() {
    torch::cuda::synchronize(device);
    algos::Metrics m;
    {
      c10::cuda::CUDAStreamGuard guard(stream);
      m = algo.update(sampler.sample());
    }
    torch::cuda::synchronize(device);
    return m;
  }

  // One graph per variant, in the order the variants come next. update() runs on the host
  // during a capture but does no work, so the counter is set back afterwards.
  void capture() {
    const std::int64_t start = algo.iterations();
    std::vector<std::unique_ptr<at::cuda::CUDAGraph>> captured(static_cast<std::size_t>(cycle));
    std::vector<algos::Metrics> captured_outputs(static_cast<std::size_t>(cycle));
    torch::cuda::synchronize(device);
    try {
      c10::cuda::CUDAStreamGuard guard(stream);
      for (std::int64_t i = 0; i < cycle; ++i) {
        const auto slot = static_cast<std::size_t>((start + i) % cycle);
        auto graph = std::make_unique<at::cuda::CUDAGraph>();
        for (const auto& gen : sampler.generators()) graph->register_generator_state(gen);
        for (const auto& gen : algo.graph_generators()) graph->register_generator_state(gen);
        graph->capture_begin();
        try {
          captured_outputs[slot] = algo.update(sampler.sample());
        } catch (...) {
          try {
            graph->capture_end();  // leave capture mode; the capture itself is lost
          } catch (...) {
          }
          throw;
        }
        graph->capture_end();
        captured[slot] = std::move(graph);
      }
    } catch (const std::exception& ex) {
      algo.set_iterations(start);
      // LibTorch's messages carry a backtrace on further lines; the first line says what failed
      const std::string what = ex.what();
      throw Error(error_message("train.cuda_graphs",
                                "capturing " + algo.name() + "'s update failed",
                                "an update that never waits on the host (or set "
                                "train.cuda_graphs=false)",
                                what.substr(0, what.find('\n'))));
    }
    torch::cuda::synchronize(device);
    algo.set_iterations(start);
    graphs = std::move(captured);
    outputs = std::move(captured_outputs);
  }
};

bool GraphedUpdates::supports(const algos::Algorithm& algo) {
  return algo.graph_cycle() > 0 && algo.graph_cycle() <= k_max_variants;
}

GraphedUpdates::GraphedUpdates(algos::Algorithm& algo, Sampler& sampler) {
  if (!supports(algo)) {
    throw Error(
        error_message("train.cuda_graphs", algo.name() + " cannot be captured",
                      "between 1 and " + std::to_string(k_max_variants) + " update variants",
                      std::to_string(algo.graph_cycle())));
  }
  if (!sampler.observations().is_cuda()) {
    throw Error(error_message("train.cuda_graphs", "graphs need CUDA", "a CUDA device",
                              sampler.observations().device().str()));
  }
  algo.set_iterations(algo.iterations());  // throws now, not after a capture, if unsupported
  m_impl = std::make_unique<Impl>(algo, sampler);
}

GraphedUpdates::~GraphedUpdates() = default;

algos::Metrics GraphedUpdates::update() {
  Impl& m = *m_impl;
  const c10::cuda::CUDAGuard device_guard(m.device);
  if (m.warmup_done < std::max(k_min_warmup_updates, m.cycle)) {
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

bool GraphedUpdates::supports(const algos::Algorithm& /*algo*/) { return false; }

struct GraphedUpdates::Impl {};

GraphedUpdates::GraphedUpdates(algos::Algorithm& /*algo*/, Sampler& /*sampler*/) {
  throw Error(error_message("train.cuda_graphs", "this build cannot capture CUDA graphs",
                            "a CUDA LibTorch 2.4 or newer", "a LibTorch without them"));
}

GraphedUpdates::~GraphedUpdates() = default;

algos::Metrics GraphedUpdates::update() { return {}; }

#endif

}  // namespace rlbench::train
