#pragma once

namespace CLI {
class App;
}

namespace rlbench::cli {

// `rlbench eval`: re-evaluates a saved policy (a run folder) in its MuJoCo env.
void setup_eval(CLI::App& app);

}  // namespace rlbench::cli
