#include "rlbench/train/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <utility>

#include <torch/cuda.h>

#include "rlbench/core/error.hpp"

namespace rlbench::train {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

torch::Device resolve_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  if (name == "cpu") return torch::kCPU;
  if (!torch::cuda::is_available()) {
    throw Error(error_message("train.device", "CUDA is not available in this build or machine",
                              "cpu or auto", "\"" + name + "\""));
  }
  return torch::Device(name);
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto total = static_cast<long long>(s);
  char buf[32];
  if (total >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", total / 3600, (total % 3600) / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", total / 60, total % 60);
  }
  return buf;
}

Progress::Progress(bool enabled, std::string label, std::int64_t total, std::string unit, bool live)
    : m_enabled(enabled),
      m_tty(live && ::isatty(2) == 1),
      m_label(std::move(label)),
      m_total(total),
      m_unit(std::move(unit)) {}

void Progress::update(std::int64_t step, double rate, bool force) {
  if (!m_enabled) return;
  const auto now = Clock::now();
  if (m_ref_step < 0) {  // the first call only starts the measurement
    m_ref_step = step;
    m_ref_time = now;
    m_last = now;
    if (!force) return;
  }
  if (!force && std::chrono::duration<double>(now - m_last).count() < 0.5) return;
  m_last = now;
  if (rate >= 0) {
    m_rate = rate;
  } else if (step > m_ref_step) {
    m_rate = (step - m_ref_step) / std::chrono::duration<double>(now - m_ref_time).count();
    m_ref_step = step;
    m_ref_time = now;
  }
  if (m_tty) draw(step);
}

std::string Progress::status(std::int64_t step) const {
  const double eta = m_rate > 0 ? (m_total - step) / m_rate : NAN;
  char rate[32] = "?";
  if (m_rate > 0) std::snprintf(rate, sizeof rate, "%.0f", m_rate);
  char line[512];
  std::snprintf(line, sizeof line, "%s step %lld/%lld (%.1f%%) %s %s ETA %s", m_label.c_str(),
                static_cast<long long>(step), static_cast<long long>(m_total),
                100.0 * step / m_total, rate, m_unit.c_str(), format_duration(eta).c_str());
  return line;
}

void Progress::draw(std::int64_t step) const {
  std::fprintf(stderr, "\r\033[K%s%s", status(step).c_str(), m_last_eval.c_str());
  std::fflush(stderr);
}

void Progress::eval_done(std::int64_t step, const std::string& scores) {
  m_last_eval = "  last eval " + scores;
  if (!m_enabled) return;
  if (m_tty) {
    draw(step);
  } else {
    std::fprintf(stderr, "%s: %s\n", status(step).c_str(), scores.c_str());
  }
  // the evaluation's time is not training time
  m_last = Clock::now();
  m_ref_step = step;
  m_ref_time = m_last;
}

void Progress::finish() {
  if (m_enabled && m_tty) std::fprintf(stderr, "\n");
}

}  // namespace rlbench::train
