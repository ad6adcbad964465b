#include <iostream>

#include <doctest/doctest.h>

#include "rlbench/algos/bench_algos.hpp"
#include "rlbench/cli/runtime.hpp"

TEST_SUITE_BEGIN("algos");

TEST_CASE("the algorithm benchmark runs every algorithm and reports rates") {
  rlbench::algos::BenchAlgosOptions o;
  o.updates = 2;
  o.warmup = 1;
  o.batch = 8;
  o.dataset_rows = 3000;
  o.search_batches = 2;
  o.seed_counts = {1, 2};
  const auto r = rlbench::algos::bench_algos(o);
  CHECK(r["runs"].size() == 3 * 2);
  for (const auto& run : r["runs"]) CHECK(run["updates_per_s"].get<double>() > 0);
  CHECK(r["search"].size() == 2);
  CHECK(rlbench::algos::format_bench_algos(r).find("prdc") != std::string::npos);
}

// the measurement itself: rlbench_tests -tc="benchmark: algos*" --no-skip
TEST_CASE("benchmark: algos on 2 threads" * doctest::skip()) {
  rlbench::cli::configure_threads(2);
  rlbench::algos::BenchAlgosOptions o;
  const auto r = rlbench::algos::bench_algos(o);
  std::cout << rlbench::algos::format_bench_algos(r) << r.dump() << "\n";
}

TEST_SUITE_END();
