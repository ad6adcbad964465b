#pragma once

#include <filesystem>
#include <string>

namespace rlbench::test {

// The repository root and the rlbench binary of this build.
inline std::filesystem::path source_dir() { return RLBENCH_SOURCE_DIR; }
inline std::filesystem::path rlbench_binary() { return RLBENCH_BINARY; }

}  // namespace rlbench::test
