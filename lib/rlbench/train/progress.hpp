#pragma once

// Pieces the offline and the online training loops share: the device choice, wall-clock
// helpers and the progress line on stderr.

#include <chrono>
#include <cstdint>
#include <string>

#include <torch/types.h>

namespace rlbench::train {

using Clock = std::chrono::steady_clock;

// Seconds elapsed since `t0`.
double seconds_since(Clock::time_point t0);

// "auto" → CUDA when available, else the CPU; "cpu"; "cuda" or "cuda:N". Throws Error naming
// train.device when CUDA is asked for and not available.
torch::Device resolve_device(const std::string& name);

// "12m05s" or "1h02m"; "?" for a negative or non-finite duration.
std::string format_duration(double seconds);

// Progress on stderr: a live line on a TTY (step, rate, ETA, last evaluation), otherwise one line
// per evaluation (step, rate, ETA and its scores). `unit` names what the rate counts ("upd/s",
// "steps/s"). `live` false keeps to one line per evaluation on a TTY too, for several loops
// printing at once.
class Progress {
 public:
  Progress(bool enabled, std::string label, std::int64_t total, std::string unit = "upd/s",
           bool live = true);

  // `rate` < 0: the rate is measured here, as steps per second of wall time between redraws,
  // leaving out the evaluations (eval_done starts a new measurement).
  void update(std::int64_t step, double rate = -1, bool force = false);
  void eval_done(std::int64_t step, const std::string& scores);
  void finish();

 private:
  std::string status(std::int64_t step) const;  // "<label> step s/N (p%) <rate> <unit> ETA t"
  void draw(std::int64_t step) const;

  bool m_enabled;
  bool m_tty;
  std::string m_label;
  std::int64_t m_total;
  std::string m_unit;
  std::string m_last_eval;
  Clock::time_point m_last{};
  double m_rate = 0;             // the last rate drawn; 0 before the first
  std::int64_t m_ref_step = -1;  // where the current rate measurement started
  Clock::time_point m_ref_time{};
};

}  // namespace rlbench::train
