#pragma once

#include <string>

#include <doctest/doctest.h>

#include "rlbench/envs/mujoco.hpp"

namespace rlbench::test {

// Fails the enclosing test if MuJoCo raised any warning on this thread while the guard lived
// (the idea of MuJoCo's own test fixture). Declare one at the top of a test.
class MujocoGuard {
 public:
  MujocoGuard() : m_start(envs::warning_count()) {}
  MujocoGuard(const MujocoGuard&) = delete;
  MujocoGuard& operator=(const MujocoGuard&) = delete;
  ~MujocoGuard() {
    const long raised = envs::warning_count() - m_start;
    CHECK_MESSAGE(raised == 0, "MuJoCo raised ", raised,
                  " warning(s); last: ", envs::last_warning());
  }

 private:
  long m_start;
};

}  // namespace rlbench::test
