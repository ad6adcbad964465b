#pragma once

// Views of a Dataset for training: flat transitions (qlearning / transitions) and episodes.
// Semantics: datasets.md §5.

#include <cstdint>
#include <string>
#include <vector>

#include "rlbench/data/dataset.hpp"

namespace rlbench::data {

// How transitions are formed from the rows.
enum class TransitionView {
  // d4rl.qlearning_dataset(env) exactly: rows 0..N-2, s' = observations[i+1], timeout rows
  // dropped, terminal rows kept with done = 1. Without a timeouts key (v0 files) a row ends an
  // episode by time limit when d4rl's step counter reaches max_episode_steps - 1.
  qlearning,
  // every row: s' = next_observations[i], done = terminals[i], timeout rows and the final row
  // kept with done = 0 and truncated = 1. Needs the next_observations key.
  transitions,
};

// "qlearning" / "transitions".
std::string view_name(TransitionView view);

// Parses "qlearning" or "transitions"; throws UsageError with a did-you-mean hint otherwise.
TransitionView parse_view(const std::string& name);

// Flat transitions as contiguous float arrays (row-major size x dim), what samplers draw from.
struct Transitions {
  TransitionView view = TransitionView::qlearning;
  std::uint64_t size = 0;
  std::uint64_t obs_dim = 0;
  std::uint64_t action_dim = 0;
  std::vector<float> observations;         // size x obs_dim
  std::vector<float> actions;              // size x action_dim
  std::vector<float> rewards;              // size
  std::vector<float> next_observations;    // size x obs_dim
  std::vector<float> terminals;            // size, 1 = episode ended by the env (mask the target)
  std::vector<std::uint8_t> truncated;     // size, transitions view only: timeout or final row
  std::vector<std::uint64_t> source_rows;  // size, the dataset row each transition came from
};

// Options for the views.
struct ViewOptions {
  TransitionView view = TransitionView::qlearning;
  // time limit used only for files without a timeouts key (d4rl's env._max_episode_steps)
  std::uint64_t max_episode_steps = 1000;
};

// The number of transitions the view would produce, without materialising it.
std::uint64_t transition_count(const Dataset& dataset, const ViewOptions& options = {});

// Materialises the view. Throws Error naming the dataset when the transitions view is asked of
// a dataset without next_observations.
Transitions make_transitions(const Dataset& dataset, const ViewOptions& options = {});

// How an episode ends.
enum class EpisodeEnd {
  terminal,     // terminals[last] = 1
  timeout,      // timeouts[last] = 1 (or the step limit, for files without timeouts)
  end_of_data,  // the unflagged fragment at the end of the file: truncated by data collection
};

// One episode: rows [begin, end) of the dataset.
struct Episode {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  EpisodeEnd ending = EpisodeEnd::end_of_data;
  double episode_return = 0.0;  // undiscounted sum of rewards (float64 accumulation)

  std::uint64_t length() const { return end - begin; }
  // True for the trailing unflagged fragment.
  bool truncated() const { return ending == EpisodeEnd::end_of_data; }
};

// Splits the rows after every terminal or timeout row, like d4rl's sequence_dataset; the trailing
// unflagged rows, if any, form a last episode marked end_of_data. Without a timeouts key the
// step limit (options.max_episode_steps) closes an episode.
std::vector<Episode> split_episodes(const Dataset& dataset, const ViewOptions& options = {});

}  // namespace rlbench::data
