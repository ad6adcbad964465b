#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rlbench::io {

// Library versions and build facts that results record:
// {"rlbench", "git_revision", "git_dirty", "build_type", "compiler", "libtorch", "mujoco", "hdf5",
//  "cuda_available"}.
nlohmann::json versions_json();

// The host name, or "unknown".
std::string host_name();

// Current UTC time as ISO 8601 ("2026-11-22T04:05:56Z").
std::string utc_now_iso8601();

}  // namespace rlbench::io
