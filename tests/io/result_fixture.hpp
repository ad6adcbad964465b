#pragma once

// Builds complete RunResult values for io tests without running anything.

#include <string>
#include <vector>

#include "rlbench/io/result.hpp"

namespace rlbench::test {

// A run of `algo` on `dataset` with one evaluation per value in `normalized_means` (x100 scale);
// completed runs get an end time, failed ones an error message.
inline io::RunResult make_run(const std::string& algo, const std::string& dataset, long long seed,
                              io::RunStatus status, const std::vector<double>& normalized_means) {
  io::RunResult r;
  r.status = status;
  if (status == io::RunStatus::failed) r.error = "env hopper: step 12: simulation diverged";
  r.algo = algo;
  r.algo_params = {{"alpha", algo == "td3_bc" ? 2.5 : 1.0}, {"batch_size", 256}};
  r.dataset = {dataset, "/data/" + dataset + ".hdf5", std::string(64, 'a'), 1000};
  r.env = dataset.substr(0, dataset.find('-'));
  r.seed = seed;
  r.device = "cpu";
  r.steps = 1000;
  r.steps_done = status == io::RunStatus::completed ? 1000 : 500;
  long long step = 0;
  for (double v : normalized_means) {
    step += 500;
    io::EvalEntry e;
    e.step = step;
    e.returns = {v * 10, v * 10 + 2};
    e.lengths = {1000, 1000};
    e.mean_return = v * 10 + 1;
    e.std_return = 1;
    e.normalized_mean_x100 = v;
    e.normalized_std_x100 = 0.5;
    r.eval.push_back(e);
  }
  r.timings = {10.0, 8.0, 1.5, 125.0};
  r.versions = {{"rlbench", "0.1.0"}, {"git_revision", "abc1234"}, {"libtorch", "1.13.1"},
                {"mujoco", "2.2.2"},  {"hdf5", "1.10.8"},          {"compiler", "GNU-12.2.0"}};
  r.host = "testhost";
  r.start_time = "2026-11-22T04:00:00Z";
  if (status != io::RunStatus::running) r.end_time = "2026-11-22T05:00:00Z";
  return r;
}

}  // namespace rlbench::test
