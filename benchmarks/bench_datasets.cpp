// Dataset layer benchmark.
//   bench_datasets write PATH [ROWS]   writes a synthetic hopper-shaped D4RL v2 file (default 2M
//                                      rows: obs 11, actions 3, next_observations, float64 qpos 6
//                                      and qvel 6, log-probs, metadata) with rlbench's writer
//   bench_datasets load PATH           loads it and materialises the qlearning view
// Each prints wall time; run under `/usr/bin/time -v` for peak RSS.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "rlbench/core/error.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/views.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// deterministic uniform numbers in [-1, 1) (64-bit LCG, top bits)
struct Lcg {
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  float next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>(static_cast<double>(state >> 40) / static_cast<double>(1ULL << 23) -
                              1.0);
  }
};

rlbench::data::Dataset synthetic_hopper(std::uint64_t rows) {
  using namespace rlbench::data;
  DatasetContent c;
  c.rows = rows;
  c.obs_dim = 11;
  c.action_dim = 3;
  c.observations.resize(rows * 11);
  c.next_observations.resize(rows * 11);
  c.actions.resize(rows * 3);
  c.rewards.resize(rows);
  c.terminals.assign(rows, 0);
  c.timeouts.assign(rows, 0);
  std::vector<double> qpos(rows * 6);
  std::vector<double> qvel(rows * 6);
  std::vector<float> log_probs(rows);
  Lcg rng;
  std::uint64_t step = 0;
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::uint64_t k = 0; k < 11; ++k) {
      c.observations[i * 11 + k] = rng.next();
      c.next_observations[i * 11 + k] = rng.next();
    }
    for (std::uint64_t k = 0; k < 3; ++k) c.actions[i * 3 + k] = 0.99F * rng.next();
    for (std::uint64_t k = 0; k < 6; ++k) {
      qpos[i * 6 + k] = c.observations[i * 11 + k];
      qvel[i * 6 + k] = c.observations[i * 11 + 5 + k];
    }
    c.rewards[i] = 3.0F + rng.next();
    log_probs[i] = rng.next();
    // episodes of up to 1000 steps; about one in five ends early on a terminal
    ++step;
    if (step == 1000) {
      c.timeouts[i] = 1;
      step = 0;
    } else if (rng.next() > 0.9996F) {
      c.terminals[i] = 1;
      step = 0;
    }
  }
  c.infos["qpos"] = {{rows, 6}, std::move(qpos)};
  c.infos["qvel"] = {{rows, 6}, std::move(qvel)};
  c.infos["action_log_probs"] = {{rows}, std::move(log_probs)};
  c.metadata["algorithm"] = std::string("SAC");
  c.metadata["iteration"] = std::int32_t{1000};
  LoadOptions options;
  options.env = "hopper";
  return Dataset::from_content(std::move(c), "synthetic", options);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "write" && argc >= 3) {
      const std::uint64_t rows = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 2000000;
      auto t0 = Clock::now();
      const auto d = synthetic_hopper(rows);
      std::cout << "generated " << rows << " rows in " << seconds_since(t0) << " s\n";
      t0 = Clock::now();
      rlbench::data::write_dataset(d, argv[2]);
      std::cout << "wrote " << argv[2] << " in " << seconds_since(t0) << " s\n";
      return 0;
    }
    if (mode == "load" && argc >= 3) {
      auto t0 = Clock::now();
      const auto d = rlbench::data::load_dataset(argv[2]);
      std::cout << "loaded " << d.rows() << " rows in " << seconds_since(t0) << " s\n";
      t0 = Clock::now();
      const auto t = rlbench::data::make_transitions(d);
      std::cout << "qlearning view: " << t.size << " transitions in " << seconds_since(t0)
                << " s\n";
      return 0;
    }
    std::cerr << "usage: bench_datasets write PATH [ROWS] | load PATH\n";
    return 2;
  } catch (const rlbench::Error& e) {
    std::cerr << "bench_datasets: error: " << e.what() << "\n";
    return 1;
  }
}
