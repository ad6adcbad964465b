#pragma once

// What `rlbench datasets info` reports about a dataset, as one JSON object.

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "rlbench/data/dataset.hpp"

namespace rlbench::data {

// Summary of a loaded dataset: rows; transitions in the qlearning view; episodes (complete =
// ended by a terminal or timeout flag, truncated = the unflagged fragment at the end); terminal
// and timeout counts; obs and action dims; per-dimension action range; return statistics over
// complete episodes and their D4RL normalised score x100 when `score_name` (a dataset name or
// env id) has reference scores; every key with dtype and shape; metadata scalars.
// Keys always present: name, file, env, rows, transitions, episodes, episodes_complete,
// episodes_truncated, terminals, timeouts, obs_dim, action_dim, keys.
nlohmann::json summarize(const Dataset& dataset, const std::string& name, const std::string& env,
                         const std::string& score_name);

}  // namespace rlbench::data
