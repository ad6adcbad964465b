#include "rlbench/algos/registry.hpp"

#include <set>

#include "rlbench/algos/a2pr.hpp"
#include "rlbench/algos/prdc.hpp"
#include "rlbench/algos/sac.hpp"
#include "rlbench/algos/td3_bc.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"

namespace rlbench::algos {

namespace {

// The two registry functions of an algorithm, from its Config (parse + validate) and class.
template <class Config>
nlohmann::json resolve_with(core::ConfigReader& params, const std::string& dataset_name) {
  const auto cfg = Config::parse(params, dataset_name);
  params.finish();
  return cfg.to_json();
}

template <class Config, class Algo>
std::unique_ptr<Algorithm> make_with(core::ConfigReader& params, const AlgoContext& ctx) {
  const auto cfg = Config::parse(params, ctx.dataset_name);
  params.finish();
  return std::make_unique<Algo>(cfg, ctx);
}

std::vector<AlgoEntry> build_registry() {
  std::vector<AlgoEntry> entries = {
      {"td3_bc", "TD3+BC (Fujimoto & Gu 2021)", &make_with<Td3BcConfig, Td3Bc>,
       &resolve_with<Td3BcConfig>},
      {"prdc", "PRDC: policy regularization with dataset constraint (Ran et al. 2023)",
       &make_with<PrdcConfig, Prdc>, &resolve_with<PrdcConfig>},
      {"a2pr", "A2PR: adaptive advantage-guided policy regularization (Liu et al. 2024)",
       &make_with<A2prConfig, A2pr>, &resolve_with<A2prConfig>},
      {"sac", "SAC: online soft actor-critic, D4RL's behaviour policies (Haarnoja et al. 2018)",
       &make_with<SacConfig, Sac>, &resolve_with<SacConfig>, /*online=*/true},
  };
  check_unique_names(entries);
  return entries;
}
}  // namespace

void check_unique_names(const std::vector<AlgoEntry>& entries) {
  std::set<std::string> seen;
  for (const auto& e : entries) {
    if (!seen.insert(e.name).second) {
      throw Error("algos registry: duplicate algorithm name \"" + e.name + "\"");
    }
  }
}

const std::vector<AlgoEntry>& algorithm_registry() {
  static const std::vector<AlgoEntry> k_entries = build_registry();
  return k_entries;
}

std::vector<std::string> algorithm_names() {
  std::vector<std::string> names;
  for (const auto& e : algorithm_registry()) names.push_back(e.name);
  return names;
}

const AlgoEntry& find_algorithm(const std::string& name) {
  for (const auto& e : algorithm_registry()) {
    if (e.name == name) return e;
  }
  const auto names = algorithm_names();
  throw UsageError("algo.name: unknown algorithm \"" + name + "\"" +
                   core::did_you_mean(name, names) + "; known: " + core::join(names, ", "));
}

std::unique_ptr<Algorithm> make_algorithm(const std::string& name, core::ConfigReader& params,
                                          const AlgoContext& ctx) {
  return find_algorithm(name).make(params, ctx);
}

std::unique_ptr<Algorithm> make_algorithm(const std::string& name, const nlohmann::json& params,
                                          const AlgoContext& ctx, const std::string& where) {
  const auto& entry = find_algorithm(name);
  core::ConfigReader reader(params, where, "algo.params");
  return entry.make(reader, ctx);
}

nlohmann::json resolve_params(const std::string& name, const nlohmann::json& params,
                              const std::string& dataset_name, const std::string& where) {
  const auto& entry = find_algorithm(name);
  core::ConfigReader reader(params, where, "algo.params");
  return entry.resolve(reader, dataset_name);
}

bool is_online(const std::string& name) { return find_algorithm(name).online; }

}  // namespace rlbench::algos
