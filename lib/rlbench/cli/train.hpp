#pragma once

namespace CLI {
class App;
}

namespace rlbench::cli {

// `rlbench train`: offline training of one algorithm on one dataset, one run folder per seed.
void setup_train(CLI::App& app);

}  // namespace rlbench::cli
