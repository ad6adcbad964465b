#include "rlbench/cli/app.hpp"

#include <algorithm>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "rlbench/cli/commands.hpp"
#include "rlbench/cli/runtime.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/envs/mujoco.hpp"
#include "rlbench/io/provenance.hpp"

namespace rlbench::cli {

namespace {

std::string version_text() {
  const auto v = io::versions_json();
  std::string out = "rlbench " + v["rlbench"].get<std::string>() + " (git " +
                    v["git_revision"].get<std::string>() +
                    (v["git_dirty"].get<bool>() ? ", dirty" : "") + ")\n";
  out += "LibTorch " + v["libtorch"].get<std::string>() + "\n";
  out += "MuJoCo " + v["mujoco"].get<std::string>() + "\n";
  out += "HDF5 " + v["hdf5"].get<std::string>() + "\n";
  out += "compiler " + v["compiler"].get<std::string>() + ", build " +
         v["build_type"].get<std::string>() + "\n";
  out += std::string("CUDA ") + (v["cuda_available"].get<bool>() ? "available" : "not available");
  return out;
}

// The subcommand path of the parsed command line ("datasets info"), for error prefixes.
std::string command_path(const CLI::App& app) {
  std::string path = "rlbench";
  const CLI::App* node = &app;
  while (true) {
    const auto subs = node->get_subcommands();
    if (subs.empty()) break;
    node = subs.front();
    path += " " + node->get_name();
  }
  return path;
}

}  // namespace

int run(int argc, char** argv) {
  // before anything can load a model: MuJoCo's defaults wait for Enter and write MUJOCO_LOG.TXT
  envs::install_mujoco_handlers();
  CLI::App app{"rlbench: offline reinforcement learning experiments on D4RL-style datasets"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  app.add_flag_callback(
      "--version",
      [] {
        std::cout << version_text() << "\n";
        throw CLI::Success();
      },
      "Print versions of rlbench and its libraries, and whether CUDA is available");

  configure_allocator();
  configure_threads(0);
  app.add_option_function<int>("--threads", configure_threads,
                               "Compute threads for LibTorch (default: one per core); "
                               "OpenBLAS always runs single-threaded")
      ->check(CLI::Range(1, 1024));

  for (const auto& command : commands()) command.setup(app);

  // an unknown first word gets a hint instead of CLI11's generic "arguments were not expected"
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto& command : commands()) names.emplace_back(command.name);
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::cerr << "rlbench: error: unknown subcommand \"" << argv[1] << "\""
                << core::did_you_mean(argv[1], names)
                << "; expected one of: " << core::join(names, ", ") << "\n";
      return k_exit_usage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success&) {
    return k_exit_ok;
  } catch (const CLI::ParseError& e) {
    std::cerr << command_path(app) << ": error: " << e.what() << " (see --help)\n";
    return k_exit_usage;
  } catch (const Error& e) {
    std::cerr << command_path(app) << ": error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << command_path(app) << ": error: " << e.what() << "\n";
    return k_exit_failure;
  }
  return k_exit_ok;
}

}  // namespace rlbench::cli
