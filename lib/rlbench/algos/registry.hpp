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

// Parses and validates the algorithm's params (finishing the reader) for a dataset, without
// building anything, and returns the fully resolved hyperparameters.
using AlgoResolver = nlohmann::json (*)(core::ConfigReader& params,
                                        const std::string& dataset_name);

struct AlgoEntry {
  std::string name;     // registry name, e.g. "td3_bc"
  std::string summary;  // one line for listings
  AlgoFactory make;
  AlgoResolver resolve;
  bool online = false;  // learns by interacting with its env (SAC); trains without a dataset
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

// The same from a JSON params object; `where` names its source in error messages
// ("exp.json: algo.params.betta: unknown key ...").
std::unique_ptr<Algorithm> make_algorithm(const std::string& name, const nlohmann::json& params,
                                          const AlgoContext& ctx, const std::string& where);

// The fully resolved hyperparameters of `name` for `dataset_name` (per-dataset defaults, then
// `params`), validated; nothing is allocated. Errors as make_algorithm.
nlohmann::json resolve_params(const std::string& name, const nlohmann::json& params,
                              const std::string& dataset_name, const std::string& where);

// Whether the algorithm trains online in its env instead of on a dataset.
bool is_online(const std::string& name);

}  // namespace rlbench::algos
