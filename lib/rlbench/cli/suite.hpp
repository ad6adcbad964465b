#pragma once

namespace CLI {
class App;
}

namespace rlbench::cli {

// `rlbench suite`: one SAC run → random, medium, medium-replay, expert and medium-expert files in
// D4RL's layout (train/suite.hpp).
void setup_suite(CLI::App& app);

}  // namespace rlbench::cli
