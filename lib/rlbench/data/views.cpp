#include "rlbench/data/views.hpp"

#include <algorithm>

#include "rlbench/core/error.hpp"
#include "rlbench/core/strings.hpp"

namespace rlbench::data {

namespace {

// Walks the qlearning rows as d4rl.qlearning_dataset does and calls emit(i) for each kept row.
// Without a timeouts key, d4rl's step counter decides time-limit ends; note that it restarts at
// 0 and is then incremented on a kept terminal row, a quirk reproduced here for parity.
template <typename Emit>
void walk_qlearning(const Dataset& d, const ViewOptions& options, Emit emit) {
  const auto& terminals = d.terminals();
  const auto& timeouts = d.timeouts();
  const bool use_timeouts = d.has_timeouts();
  std::uint64_t episode_step = 0;
  for (std::uint64_t i = 0; i + 1 < d.rows(); ++i) {
    const bool final_step =
        use_timeouts ? timeouts[i] != 0 : episode_step + 1 == options.max_episode_steps;
    if (final_step) {
      episode_step = 0;
      continue;
    }
    if (terminals[i] != 0) episode_step = 0;
    emit(i);
    ++episode_step;
  }
}

void copy_row(const std::vector<float>& from, std::uint64_t row, std::uint64_t dim,
              std::vector<float>& to, std::uint64_t at) {
  std::copy_n(from.begin() + static_cast<std::ptrdiff_t>(row * dim), dim,
              to.begin() + static_cast<std::ptrdiff_t>(at * dim));
}

}  // namespace

std::string view_name(TransitionView view) {
  return view == TransitionView::qlearning ? "qlearning" : "transitions";
}

TransitionView parse_view(const std::string& name) {
  if (name == "qlearning") return TransitionView::qlearning;
  if (name == "transitions") return TransitionView::transitions;
  const std::vector<std::string> names = {"qlearning", "transitions"};
  throw UsageError("dataset view: unknown view \"" + name + "\"" + core::did_you_mean(name, names) +
                   ": expected qlearning or transitions");
}

std::uint64_t transition_count(const Dataset& d, const ViewOptions& options) {
  if (options.view == TransitionView::transitions) return d.rows();
  std::uint64_t n = 0;
  walk_qlearning(d, options, [&n](std::uint64_t) { ++n; });
  return n;
}

Transitions make_transitions(const Dataset& d, const ViewOptions& options) {
  Transitions t;
  t.view = options.view;
  t.obs_dim = d.obs_dim();
  t.action_dim = d.action_dim();
  if (options.view == TransitionView::transitions && !d.has_next_observations()) {
    throw Error(error_message(d.source(), "next_observations",
                              "a dataset (the transitions view reads s' from it)", "no such key"));
  }

  // the kept rows and their s' rows
  std::vector<std::uint64_t> rows;
  if (options.view == TransitionView::qlearning) {
    rows.reserve(d.rows());
    walk_qlearning(d, options, [&rows](std::uint64_t i) { rows.push_back(i); });
  } else {
    rows.resize(d.rows());
    for (std::uint64_t i = 0; i < d.rows(); ++i) rows[i] = i;
  }
  t.size = rows.size();

  // gather contiguous arrays
  t.observations.resize(t.size * t.obs_dim);
  t.next_observations.resize(t.size * t.obs_dim);
  t.actions.resize(t.size * t.action_dim);
  t.rewards.resize(t.size);
  t.terminals.resize(t.size);
  t.truncated.assign(t.size, 0);
  const bool qlearning = options.view == TransitionView::qlearning;
  for (std::uint64_t k = 0; k < t.size; ++k) {
    const std::uint64_t i = rows[k];
    copy_row(d.observations(), i, t.obs_dim, t.observations, k);
    if (qlearning) {
      copy_row(d.observations(), i + 1, t.obs_dim, t.next_observations, k);
    } else {
      copy_row(d.next_observations(), i, t.obs_dim, t.next_observations, k);
      const bool timeout = d.has_timeouts() && d.timeouts()[i] != 0;
      t.truncated[k] = (timeout || i + 1 == d.rows()) && d.terminals()[i] == 0 ? 1 : 0;
    }
    copy_row(d.actions(), i, t.action_dim, t.actions, k);
    t.rewards[k] = d.rewards()[i];
    t.terminals[k] = d.terminals()[i] != 0 ? 1.0F : 0.0F;
  }
  t.source_rows = std::move(rows);
  return t;
}

std::vector<Episode> split_episodes(const Dataset& d, const ViewOptions& options) {
  std::vector<Episode> episodes;
  const bool use_timeouts = d.has_timeouts();
  std::uint64_t begin = 0;
  std::uint64_t episode_step = 0;  // d4rl's sequence_dataset counter, used without timeouts
  double ret = 0.0;
  for (std::uint64_t i = 0; i < d.rows(); ++i) {
    ret += d.rewards()[i];
    const bool terminal = d.terminals()[i] != 0;
    const bool timeout =
        use_timeouts ? d.timeouts()[i] != 0 : episode_step + 1 == options.max_episode_steps;
    if (terminal || timeout) {
      episodes.push_back(
          {begin, i + 1, terminal ? EpisodeEnd::terminal : EpisodeEnd::timeout, ret});
      begin = i + 1;
      ret = 0.0;
      episode_step = 0;
    }
    ++episode_step;
  }
  if (begin < d.rows()) episodes.push_back({begin, d.rows(), EpisodeEnd::end_of_data, ret});
  return episodes;
}

}  // namespace rlbench::data
