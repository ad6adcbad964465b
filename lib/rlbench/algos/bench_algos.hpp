#pragma once

// Throughput benchmark of the algorithm layer on synthetic data, for `rlbench bench algos`.
// The caller sets the thread counts first (cli::configure_threads); nothing here changes them.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlbench::algos {

struct BenchAlgosOptions {
  std::vector<std::string> algos;          // registry names; empty = all
  std::vector<int64_t> seed_counts{1, 4};  // ensemble sizes to time
  // Each seed count above 1 is also timed split over this many threads, one ensemble and one
  // LibTorch thread each, as `rlbench train` runs its seed groups. 0 = one per LibTorch thread;
  // 1 = no split runs.
  int64_t workers = 0;
  int64_t updates = 200;  // timed updates per (algo, seeds)
  int64_t warmup = 20;    // untimed updates first
  int64_t batch = 256;
  int64_t obs_dim = 17;  // halfcheetah/walker2d-sized
  int64_t act_dim = 6;
  int64_t dataset_rows = 1000000;  // rows of the synthetic dataset PRDC searches
  int64_t search_batches = 50;     // timed PRDC searches of `batch` × seeds queries
  std::string device = "cpu";      // "cpu" or "cuda[:i]"
  uint64_t seed = 0;
};

// A synthetic qlearning-style dataset: `rows` states on smooth random trajectories with a
// 4-dimensional latent (as locomotion data, low intrinsic dimension), normalised, and actions
// that depend on the latent; obs [rows, obs_dim], actions [rows, act_dim] in [−1, 1], float32.
struct SyntheticDataset {
  std::vector<float> observations;
  std::vector<float> actions;
};

// Runs the benchmark and returns
//   {"device", "batch", "dataset_rows", "obs_dim", "act_dim",
//    "runs": [{"algo", "seeds", "workers", "updates", "seconds", "updates_per_s",
//              "seed_updates_per_s", "ms_per_update"}...],
//    "search": [{"backend", "queries_kind" (near|far), "seeds", "queries", "build_s",
//                "ms_per_search"}...],
//    "sgemm_gflops": {"256", "1024"} (float32 n×n products, the BLAS's reachable rate),
//    "blas": core::blas_description()}.
// updates_per_s counts update() calls; seed_updates_per_s multiplies by the number of seeds.
// With several workers, every worker makes `updates` updates and the time is the wall time until
// the last one ends; updates_per_s is then per worker.
nlohmann::json bench_algos(const BenchAlgosOptions& options);

// A plain-text table of bench_algos' result.
std::string format_bench_algos(const nlohmann::json& result);

}  // namespace rlbench::algos
