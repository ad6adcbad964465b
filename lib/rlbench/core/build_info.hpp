#pragma once

#include <string>

namespace rlbench::core {

// What was built: the rlbench version, the git revision of the source tree and whether it had
// uncommitted changes, the CMake build type and the compiler. Generated at build time.
struct BuildInfo {
  const char* version;
  const char* git_revision;
  bool git_dirty;
  const char* build_type;
  const char* compiler;
};

const BuildInfo& build_info();

}  // namespace rlbench::core
