#pragma once

// Splitting a list into contiguous parts of near-equal size (seed groups for worker threads).

#include <algorithm>
#include <cstddef>
#include <vector>

namespace rlbench::core {

// `items` in min(parts, items.size()) contiguous runs, in order, whose sizes differ by at most
// one; the earlier runs are the longer ones.
template <class T>
std::vector<std::vector<T>> split_evenly(const std::vector<T>& items, std::size_t parts) {
  parts = std::min(parts, items.size());
  std::vector<std::vector<T>> out(parts);
  auto first = items.begin();
  for (std::size_t p = 0; p < parts; ++p) {
    const auto size =
        static_cast<std::ptrdiff_t>(items.size() / parts + (p < items.size() % parts ? 1 : 0));
    out[p].assign(first, first + size);
    first += size;
  }
  return out;
}

}  // namespace rlbench::core
