#pragma once

namespace CLI {
class App;
}

namespace rlbench::cli {

// `rlbench collect`: rolls out a behaviour policy in an env and writes a D4RL-layout dataset.
void setup_collect(CLI::App& app);

}  // namespace rlbench::cli
