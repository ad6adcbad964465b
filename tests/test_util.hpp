#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <sys/wait.h>

namespace rlbench::test {

// The repository root and the rlbench binary of this build.
inline std::filesystem::path source_dir() { return RLBENCH_SOURCE_DIR; }
inline std::filesystem::path rlbench_binary() { return RLBENCH_BINARY; }

// Exit code and output of one run of the binary.
struct CliRun {
  int code;
  std::string output;
};

// Runs `rlbench <args>` in the current (scratch) folder; `stdout_only` drops stderr (for JSON
// output). HOME and the data variables point into the scratch folder so the user's dataset cache
// never leaks into a test.
inline CliRun run_rlbench(const std::string& args, bool stdout_only = false) {
  const std::string command = "env HOME=" + std::filesystem::absolute("home").string() +
                              " RLBENCH_DATA= D4RL_DATASET_DIR= " + rlbench_binary().string() +
                              " " + args + (stdout_only ? " 2>/dev/null" : " 2>&1");
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + command);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace rlbench::test
