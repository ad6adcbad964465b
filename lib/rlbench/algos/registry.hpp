#pragma once

// The explicit list of algorithms: a snake_case name → a factory. Adding an algorithm adds one
// line to registry.cpp; the contract test in tests/algos enrols it automatically.

#include <memory>
#include <string>
#include <vector>

#include "rlbench/algos/algorithm.hpp"
#include "rlbench/core/config_reader.hpp"

namespace rlbench::algos {

// Parses the algorithm's params (finishing the reader, so unknown keys are errors) and builds it.
using AlgoFactory = std::unique_ptr<Algorithm> (*)(core::ConfigReader& params,
                                                   const AlgoContext& ctx);

struct AlgoEntry {
  std::string name;     // registry name, e.g. "td3_bc"
  std::string summary;  // one line for listings
  AlgoFactory make;
};

// All registered algorithms, in listing order. Throws rlbench::Error on a duplicate name.
const std::vector<AlgoEntry>& algorithm_registry();

// Throws rlbench::Error "algos registry: duplicate algorithm name \"x\"" if a name repeats.
void check_unique_names(const std::vector<AlgoEntry>& entries);

std::vector<std::string> algorithm_names();

// The entry for `name`; throws UsageError with a did-you-mean hint and the known names.
const AlgoEntry& find_algorithm(const std::string& name);

// find_algorithm(name).make(params, ctx).
std::unique_ptr<Algorithm> make_algorithm(const std::string& name, core::ConfigReader& params,
                                          const AlgoContext& ctx);

}  // namespace rlbench::algos
