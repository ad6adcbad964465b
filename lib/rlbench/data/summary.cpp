#include "rlbench/data/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <nlohmann/json.hpp>

#include "rlbench/data/registry.hpp"
#include "rlbench/data/views.hpp"

namespace rlbench::data {

namespace {

// mean, population std (numpy's default), min, max
nlohmann::json stats(const std::vector<double>& v) {
  if (v.empty()) return nullptr;
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double sq = 0.0;
  for (const double x : v) sq += (x - mean) * (x - mean);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {{"count", v.size()},
          {"mean", mean},
          {"std", std::sqrt(sq / static_cast<double>(v.size()))},
          {"min", *lo},
          {"max", *hi}};
}

nlohmann::json metadata_json(const MetadataValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* i = std::get_if<std::int32_t>(&value)) return *i;
  if (const auto* l = std::get_if<std::int64_t>(&value)) return *l;
  if (const auto* x = std::get_if<double>(&value)) return *x;
  return nullptr;  // arrays are described in "keys"
}

}  // namespace

nlohmann::json summarize(const Dataset& d, const std::string& name, const std::string& env,
                         const std::string& score_name) {
  nlohmann::json j;
  j["name"] = name;
  j["file"] = d.source();
  j["env"] = env.empty() ? nlohmann::json(nullptr) : nlohmann::json(env);
  j["rows"] = d.rows();
  j["transitions"] = transition_count(d, {TransitionView::qlearning, 1000});
  j["transitions_view"] = "qlearning";
  j["has_next_observations"] = d.has_next_observations();

  // episodes
  const auto episodes = split_episodes(d);
  std::uint64_t n_terminal = 0;
  std::uint64_t n_timeout = 0;
  std::vector<double> returns;
  nlohmann::json fragment = nullptr;
  for (const auto& e : episodes) {
    if (e.ending == EpisodeEnd::terminal) ++n_terminal;
    if (e.ending == EpisodeEnd::timeout) ++n_timeout;
    if (e.truncated()) {
      fragment = {{"rows", e.length()}, {"return", e.episode_return}};
    } else {
      returns.push_back(e.episode_return);
    }
  }
  j["episodes"] = episodes.size();
  j["episodes_complete"] = returns.size();
  j["episodes_truncated"] = episodes.size() - returns.size();
  j["episodes_ending_terminal"] = n_terminal;
  j["episodes_ending_timeout"] = n_timeout;
  j["truncated_episode"] = fragment;

  // flags
  j["terminals"] = std::count(d.terminals().begin(), d.terminals().end(), 1);
  j["timeouts"] = d.has_timeouts()
                      ? nlohmann::json(std::count(d.timeouts().begin(), d.timeouts().end(), 1))
                      : nlohmann::json(nullptr);

  // dims and action range
  j["obs_dim"] = d.obs_dim();
  j["action_dim"] = d.action_dim();
  std::vector<float> lo(d.action_dim(), std::numeric_limits<float>::infinity());
  std::vector<float> hi(d.action_dim(), -std::numeric_limits<float>::infinity());
  for (std::uint64_t i = 0; i < d.actions().size(); ++i) {
    const auto c = i % d.action_dim();
    lo[c] = std::min(lo[c], d.actions()[i]);
    hi[c] = std::max(hi[c], d.actions()[i]);
  }
  j["action_min"] = lo;
  j["action_max"] = hi;
  j["action_range"] = {*std::min_element(lo.begin(), lo.end()),
                       *std::max_element(hi.begin(), hi.end())};

  // v2 ant files carry 84 contact-force columns that are all exactly 0 (D4RL#143)
  if (env == "ant" && d.obs_dim() == 111) {
    bool all_zero = true;
    for (std::uint64_t i = 0; i < d.rows() && all_zero; ++i) {
      for (std::uint64_t c = 27; c < 111; ++c)
        all_zero = all_zero && d.observations()[i * 111 + c] == 0.0F;
    }
    j["ant_contact_forces_zero"] = all_zero;
  }

  // returns over complete episodes and their normalised score
  j["returns"] = stats(returns);
  j["normalized_score_x100"] = nullptr;
  if (const auto ref = reference_scores(score_name); ref && !returns.empty()) {
    std::vector<double> scores;
    scores.reserve(returns.size());
    for (const double r : returns) scores.push_back(100.0 * normalized_score(*ref, r));
    j["normalized_score_x100"] = stats(scores);
    j["reference_scores"] = {{"ref_min", ref->ref_min}, {"ref_max", ref->ref_max}};
  }

  // keys and metadata
  j["keys"] = nlohmann::json::array();
  for (const auto& k : d.keys()) {
    j["keys"].push_back({{"key", k.key}, {"dtype", k.dtype}, {"shape", k.shape}});
  }
  j["metadata"] = nlohmann::json::object();
  for (const auto& [key, value] : d.metadata()) {
    if (!std::holds_alternative<NumericArray>(value)) j["metadata"][key] = metadata_json(value);
  }
  return j;
}

}  // namespace rlbench::data
