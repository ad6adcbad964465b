#include <cstdlib>
#include <iostream>
#include <string>

#include <doctest/doctest.h>

#include "rlbench/algos/bench_algos.hpp"
#include "rlbench/algos/registry.hpp"
#include "rlbench/cli/runtime.hpp"
#include "rlbench/core/strings.hpp"

TEST_SUITE_BEGIN("algos");

TEST_CASE("the algorithm benchmark runs every algorithm and reports rates") {
  rlbench::algos::BenchAlgosOptions o;
  o.updates = 2;
  o.warmup = 1;
  o.batch = 8;
  o.dataset_rows = 3000;
  o.search_batches = 2;
  o.seed_counts = {1, 2};
  o.workers = 2;
  const auto r = rlbench::algos::bench_algos(o);
  // per algorithm: 1 seed; 2 seeds as one ensemble; 2 seeds split over 2 worker threads
  CHECK(r["runs"].size() == rlbench::algos::algorithm_names().size() * 3);
  int split_runs = 0;
  for (const auto& run : r["runs"]) {
    CHECK(run["updates_per_s"].get<double>() > 0);
    if (run["workers"] == 2) ++split_runs;
  }
  CHECK(split_runs == static_cast<int>(rlbench::algos::algorithm_names().size()));
  CHECK(r["search"].size() == 4);  // near and far queries for 1 and 2 seeds
  CHECK(r["sgemm_gflops"]["1024"].get<double>() > 0);
  CHECK(rlbench::algos::format_bench_algos(r).find("prdc") != std::string::npos);
}

// the measurement itself: rlbench_tests -tc="benchmark: algos*" --no-skip
// environment: RLBENCH_BENCH_THREADS (default 2), RLBENCH_BENCH_UPDATES (default 200),
// RLBENCH_BENCH_ALGOS (comma list, default all)
TEST_CASE("benchmark: algos" * doctest::skip()) {
  auto env = [](const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return std::string(v ? v : fallback);
  };
  rlbench::cli::configure_threads(std::stoi(env("RLBENCH_BENCH_THREADS", "2")));
  rlbench::algos::BenchAlgosOptions o;
  o.updates = std::stoll(env("RLBENCH_BENCH_UPDATES", "200"));
  const auto algos = env("RLBENCH_BENCH_ALGOS", "");
  if (!algos.empty()) o.algos = rlbench::core::split(algos, ',');
  const auto r = rlbench::algos::bench_algos(o);
  std::cout << rlbench::algos::format_bench_algos(r) << r.dump() << "\n";
}

TEST_SUITE_END();
