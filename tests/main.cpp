// doctest main: every test process runs in a fresh scratch directory, deleted when all tests pass
// and kept (with a note on stderr) when one fails, so fixtures never touch the source tree.
#define DOCTEST_CONFIG_IMPLEMENT
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include <doctest/doctest.h>

#include "rlbench/cli/runtime.hpp"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  rlbench::cli::configure_allocator();  // as the binary does
  std::string pattern = (fs::temp_directory_path() / "rlbench_tests.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "rlbench_tests: cannot create a scratch directory\n";
    return 1;
  }
  const fs::path scratch = pattern;
  const fs::path origin = fs::current_path();
  fs::current_path(scratch);

  doctest::Context context(argc, argv);
  const int rc = context.run();

  fs::current_path(origin);
  if (rc == 0 && !context.shouldExit()) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  } else if (rc != 0) {
    std::cerr << "rlbench_tests: scratch directory kept at " << scratch << "\n";
  } else {
    fs::remove_all(scratch);
  }
  return rc;
}
