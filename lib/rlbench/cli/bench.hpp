#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace rlbench::cli {

// `rlbench bench NAME`: speed benchmarks (not timed tests). NAME is one of the explicit list in
// bench.cpp ("envs", "eval"); each prints a table, or JSON with --json.
struct BenchOptions {
  std::string name;
  int steps = 10000;     // envs: env steps per env and repetition
  int repeats = 3;       // envs: best of this many timed repetitions
  int episodes = 10;     // eval: episodes
  int eval_threads = 2;  // eval: env-stepping threads
  std::uint64_t seed = 0;
  std::string algos;           // algos: comma-separated registry names; empty = all
  int updates = 200;           // algos: timed updates per algorithm and seed count
  std::string device = "cpu";  // algos: cpu or cuda[:N]
  int workers = 0;             // algos: threads for the split seed runs; 0 = LibTorch threads
  long long rows = 2000000;    // datasets: rows of the synthetic file
  std::string file;            // datasets: load this file only (no synthetic write)
  bool json = false;
};

// Adds the `bench` subcommand.
void setup_bench(CLI::App& app);

// Runs one benchmark and prints its result.
void run_bench(const BenchOptions& options);

}  // namespace rlbench::cli
