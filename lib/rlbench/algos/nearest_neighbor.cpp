#include "rlbench/algos/nearest_neighbor.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>
#include <nanoflann.hpp>
#include <torch/torch.h>

#include "rlbench/core/error.hpp"

namespace rlbench::algos {

NnBackend parse_nn_backend(const std::string& name, const std::string& where) {
  if (name == "kdtree") return NnBackend::kdtree;
  if (name == "brute") return NnBackend::brute;
  throw UsageError(error_message(where, "unknown search backend", "\"kdtree\" or \"brute\"",
                                 "\"" + name + "\""));
}

std::string to_string(NnBackend backend) {
  return backend == NnBackend::kdtree ? "kdtree" : "brute";
}

// ---- KD-tree backend ----

namespace {
// row-major float points for nanoflann, which only builds the tree
struct PointCloud {
  std::vector<float> data;
  size_t dim = 0;
  size_t kdtree_get_point_count() const { return dim == 0 ? 0 : data.size() / dim; }
  float kdtree_get_pt(uint32_t idx, size_t d) const { return data[idx * dim + d]; }
  template <class Box>
  bool kdtree_get_bbox(Box& /*box*/) const {
    return false;
  }
};

// nanoflann's distance parameter. Building a tree needs only its types: rlbench searches the
// tree itself (LeafFilterSearch), so nanoflann's search functions are never instantiated.
struct BuildOnlyMetric {
  using ElementType = float;
  using DistanceType = double;
  explicit BuildOnlyMetric(const PointCloud& /*cloud*/) {}
};

using Tree = nanoflann::KDTreeSingleIndexAdaptor<BuildOnlyMetric, PointCloud, -1, uint32_t>;
// nanoflann's cap on a leaf's rows: with wide nodes, 8 and 16 were the fastest on 1M-row PRDC
// keys, 64 about 10% and 128 about 30% slower (BENCHMARKS.md)
constexpr size_t k_leaf_size = 16;
static_assert(k_leaf_size <= 255, "a wide node keeps a leaf child's rows in a byte");

// keeps the k best points in (distance, index) order, `index` being the caller's row. Its worst
// distance is inflated slightly, so that the search still visits points tied with the current
// k-th and fp64 rounding never prunes a point it needs.
class KthResultSet {
 public:
  explicit KthResultSet(size_t k) : m_k(k), m_dist(k), m_index(k) {}
  void add(double dist, uint32_t index) {
    size_t i = m_count;
    while (i > 0 && (m_dist[i - 1] > dist || (m_dist[i - 1] == dist && m_index[i - 1] > index))) {
      if (i < m_k) {
        m_dist[i] = m_dist[i - 1];
        m_index[i] = m_index[i - 1];
      }
      --i;
    }
    if (i < m_k) {
      m_dist[i] = dist;
      m_index[i] = index;
    }
    if (m_count < m_k) ++m_count;
    if (m_count == m_k) {
      const double w = m_dist[m_k - 1];
      m_worst = std::nextafter(w + w * 1e-9, std::numeric_limits<double>::infinity());
    }
  }
  double worst() const { return m_worst; }
  uint32_t kth() const { return m_index[m_k - 1]; }

 private:
  size_t m_k;
  size_t m_count = 0;
  double m_worst = std::numeric_limits<double>::infinity();
  std::vector<double> m_dist;
  std::vector<uint32_t> m_index;
};
}  // namespace

// The tree nanoflann built, flattened into wide nodes in depth-first order (the root first). A
// node has up to k_width children, gathered from nanoflann's binary nodes by splitting the
// largest child until there are k_width, and stores its children's tight bounding boxes
// dimension by dimension, the children side by side in the lanes of one vector, so that one
// vectorised pass gives a query's distance to all of them and one contiguous read brings them in.
// The points are stored leaf by leaf, column by column: the leaf holding tree positions
// [first, first + n) keeps coordinate d of its j-th point at blocks[first·dim + d·n + j].
struct NearestNeighbor::KdTree {
  static constexpr size_t k_width = 8;
  static constexpr uint32_t k_leaf_bit = 1U << 31;  // a child that is a leaf, not a node
  // A node fills one cache line. It keeps its leaf children's first row and size, so that the
  // search can prefetch a leaf's points without first reading a descriptor elsewhere.
  struct alignas(64) Node {
    std::array<uint32_t, k_width> child;  // a node's index, or k_leaf_bit | a leaf's first position
    std::array<uint8_t, k_width> rows;    // a leaf child's number of rows
    uint32_t count;                       // children in use
  };
  size_t dim = 0;
  size_t depth = 0;  // the most nodes on a path from the root to a leaf
  std::vector<Node> nodes;
  // per node, 2·dim·k_width floats: for each dimension its children's low corners, then for each
  // dimension their high corners; unused children's lanes are zero, and their distances ignored
  std::vector<float> boxes;
  std::vector<float> blocks;
  std::vector<uint32_t> original;  // tree position → the caller's row index
};

namespace {
constexpr size_t k_lanes = NearestNeighbor::KdTree::k_width;
using Lanes = float __attribute__((vector_size(4 * k_lanes)));

// the tree positions under a nanoflann node: its leftmost leaf's first to its rightmost's last
size_t subtree_size(const Tree::Node* node) {
  const Tree::Node* left = node;
  while (left->child1 != nullptr) left = left->child1;
  const Tree::Node* right = node;
  while (right->child2 != nullptr) right = right->child2;
  return right->node_type.lr.right - left->node_type.lr.left;
}

// Copies a nanoflann leaf's points into `t` and writes their box to `box` (low corner, then high
// corner, dim floats each); returns the leaf's child code.
uint32_t flatten_leaf(const Tree::Node* node, const std::vector<float>& rows,
                      NearestNeighbor::KdTree& t, float* box) {
  const size_t dim = t.dim;
  const size_t left = node->node_type.lr.left;
  const size_t right = node->node_type.lr.right;
  const size_t n = right - left;
  if (n > k_leaf_size) {  // the leaf scan keeps one float per point on the stack
    throw Error("nearest neighbour: a KD-tree leaf holds " + std::to_string(n) +
                " points, more than " + std::to_string(k_leaf_size));
  }
  float* low = box;
  float* high = box + dim;
  std::fill(low, low + dim, std::numeric_limits<float>::infinity());
  std::fill(high, high + dim, -std::numeric_limits<float>::infinity());
  for (size_t j = 0; j < n; ++j) {
    const float* row = &rows[static_cast<size_t>(t.original[left + j]) * dim];
    for (size_t d = 0; d < dim; ++d) {
      t.blocks[left * dim + d * n + j] = row[d];
      low[d] = std::min(low[d], row[d]);
      high[d] = std::max(high[d], row[d]);
    }
  }
  return NearestNeighbor::KdTree::k_leaf_bit | static_cast<uint32_t>(left);
}

// Copies the subtree under nanoflann's `node` into `t` as a wide node and its descendants;
// writes the box of its points to `box` (low corner, then high corner, dim floats each) and
// returns the node's index.
uint32_t flatten(const Tree::Node* node, const std::vector<float>& rows, NearestNeighbor::KdTree& t,
                 float* box, size_t depth = 1) {
  t.depth = std::max(t.depth, depth);
  const size_t dim = t.dim;
  struct Child {
    const Tree::Node* node;
    size_t size;  // tree positions under it
  };
  std::vector<Child> children{{node, subtree_size(node)}};
  // split the largest internal child until the node is full (a leaf root stays one child)
  while (children.size() < k_lanes) {
    size_t largest = children.size();
    for (size_t c = 0; c < children.size(); ++c) {
      if (children[c].node->child1 != nullptr &&
          (largest == children.size() || children[c].size > children[largest].size)) {
        largest = c;
      }
    }
    if (largest == children.size()) break;
    const Tree::Node* split = children[largest].node;
    children[largest] = {split->child1, subtree_size(split->child1)};
    children.insert(children.begin() + static_cast<ptrdiff_t>(largest) + 1,
                    {split->child2, subtree_size(split->child2)});
  }
  const auto index = static_cast<uint32_t>(t.nodes.size());
  t.nodes.push_back({});
  t.boxes.resize(t.boxes.size() + 2 * dim * k_lanes, 0.0F);
  NearestNeighbor::KdTree::Node wide{};
  wide.count = static_cast<uint32_t>(children.size());
  std::fill(box, box + dim, std::numeric_limits<float>::infinity());
  std::fill(box + dim, box + 2 * dim, -std::numeric_limits<float>::infinity());
  std::vector<float> child_box(2 * dim);
  for (size_t c = 0; c < children.size(); ++c) {
    const bool leaf = children[c].node->child1 == nullptr;
    wide.child[c] = leaf ? flatten_leaf(children[c].node, rows, t, child_box.data())
                         : flatten(children[c].node, rows, t, child_box.data(), depth + 1);
    wide.rows[c] = leaf ? static_cast<uint8_t>(children[c].size) : 0;
    float* boxes = &t.boxes[static_cast<size_t>(index) * 2 * dim * k_lanes];
    for (size_t d = 0; d < dim; ++d) {
      boxes[d * k_lanes + c] = child_box[d];
      boxes[(dim + d) * k_lanes + c] = child_box[dim + d];
      box[d] = std::min(box[d], child_box[d]);
      box[dim + d] = std::max(box[dim + d], child_box[dim + d]);
    }
  }
  t.nodes[index] = wide;
  return index;
}

// x86-64 builds target any x86-64, whose SIMD is SSE2; the search is also compiled for AVX2 and
// picked at run time. Without FMA (not part of the "avx2" target) both versions round every
// operation alike, so they return the same neighbours.
#if defined(__x86_64__) && defined(__GNUC__)
#define RLBENCH_SEARCH_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RLBENCH_SEARCH_CLONES
#endif
#define RLBENCH_INLINE inline __attribute__((always_inline))

// One query's exact search, nearest child first. It descends the wide nodes made from nanoflann's
// tree and prunes a child by the tight bounding box of its points, not by nanoflann's split-plane
// cell, which is bounded only along the dimensions split above it (nanoflann splits the widest: in
// PRDC's keys, mostly the β-scaled states), while the points below a node fill only part of it.
// On 1M halfcheetah rows with an actor that has left the data, tight boxes visit 8× fewer leaves
// (counted with binary nodes and leaves of 32). Wide nodes then turn a path's binary levels into
// a few dependent reads of one contiguous block each, and test eight boxes per vectorised pass.
//
// The boxes and the leaf scan use float32 distances, vectorised, and skip only what even that
// distance, lowered by a bound on its rounding error, puts beyond the current k-th distance. The
// points left get the exact distance in fp64 and are ranked by it, so the answer is the fp64 one.
// Every step is inlined into search_queries(), so that each of its clones vectorises all of it.
class LeafFilterSearch {
 public:
  RLBENCH_INLINE LeafFilterSearch(const NearestNeighbor::KdTree& t, size_t k)
      : m_t(t),
        m_q(t.dim, 0.0F),
        m_dim(t.dim),
        m_k(k),
        m_result(k),
        // at most k_width - 1 entries per node on the path being searched
        m_stack((NearestNeighbor::KdTree::k_width - 1) * t.depth + 1),
        // float32 rounding: each difference, square and add errs by at most 2^-24 relative and
        // every term is non-negative, so (dim + 3)·2^-24 bounds the total. Twice that, for margin.
        m_lower(1.0 - 2.0 * static_cast<double>(t.dim + 3) * std::ldexp(1.0, -24)),
        // a square below float32's normal range rounds to a multiple of 2^-149, off by up to
        // 2^-150 absolute (sums and differences there are exact); twice that per dimension
        m_tiny(static_cast<double>(t.dim) * std::ldexp(1.0, -149)) {}

  // begins the search for `query`, from the root
  RLBENCH_INLINE void start(const float* query) {
    std::copy(query, query + m_dim, m_q.begin());
    m_result = KthResultSet(m_k);
    m_size = 0;
    take({0, 0, 0.0F});
  }

  // Searches one node; false once the search is over. Depth first with an explicit stack: the
  // search goes down the nearest child and leaves the others on the stack with their box
  // distances, farther ones deeper, which are checked again when taken, against the k-th distance
  // found meanwhile. Each step ends by prefetching the next node's data, so that a caller
  // interleaving several searches hides its memory latency.
  RLBENCH_INLINE bool step() {
    if ((m_node & NearestNeighbor::KdTree::k_leaf_bit) != 0) {
      leaf(m_node & ~NearestNeighbor::KdTree::k_leaf_bit, m_rows);
      return pop();
    }
    const auto& node = m_t.nodes[m_node];
    Lanes distance;
    box_distances(m_node, distance);
    std::array<Pending, NearestNeighbor::KdTree::k_width> open;
    size_t count = 0;
    for (size_t c = 0; c < node.count; ++c) {
      const float bound = distance[c];
      if (beyond(bound)) continue;
      size_t at = count++;
      for (; at > 0 && open[at - 1].bound > bound; --at) open[at] = open[at - 1];
      open[at] = {node.child[c], node.rows[c], bound};
    }
    if (count == 0) return pop();
    for (size_t c = count - 1; c > 0; --c) m_stack[m_size++] = open[c];
    take(open[0]);
    return true;
  }

  uint32_t kth() const { return m_result.kth(); }

 private:
  struct Pending {
    uint32_t node;  // a child code
    uint32_t rows;  // a leaf's rows
    float bound;
  };

  // makes `next` the node the next step searches
  RLBENCH_INLINE void take(const Pending& next) {
    m_node = next.node;
    m_rows = next.rows;
    prefetch();
  }

  // takes the next subtree from the stack that its box does not rule out; false if none is left
  RLBENCH_INLINE bool pop() {
    while (m_size > 0 && beyond(m_stack[m_size - 1].bound)) --m_size;
    if (m_size == 0) return false;
    take(m_stack[--m_size]);
    return true;
  }

  // all that searching the next node reads first: its children's boxes, or a leaf's points
  RLBENCH_INLINE void prefetch() const {
    const float* first = nullptr;
    size_t floats = 0;
    if ((m_node & NearestNeighbor::KdTree::k_leaf_bit) == 0) {
      __builtin_prefetch(&m_t.nodes[m_node]);
      first = &m_t.boxes[static_cast<size_t>(m_node) * 2 * m_dim * k_lanes];
      floats = 2 * m_dim * k_lanes;
    } else {
      first =
          &m_t.blocks[static_cast<size_t>(m_node & ~NearestNeighbor::KdTree::k_leaf_bit) * m_dim];
      floats = m_rows * m_dim;
    }
    for (size_t offset = 0; offset < floats; offset += 16) __builtin_prefetch(first + offset);
  }

  // whether a float32 squared distance, lowered by its rounding margins, exceeds the k-th
  // distance; an overflowed (inf) float distance says nothing
  RLBENCH_INLINE bool beyond(float f) const {
    return std::isfinite(f) && static_cast<double>(f) * m_lower - m_tiny > m_result.worst();
  }

  // float32 squared distances from the query to the boxes of node `index`'s children, one per
  // lane, in GCC/Clang vector types
  RLBENCH_INLINE void box_distances(uint32_t index, Lanes& s) const {
    const float* boxes = &m_t.boxes[static_cast<size_t>(index) * 2 * m_dim * k_lanes];
    const float* highs = boxes + m_dim * k_lanes;
    s = Lanes{};
    const Lanes zero = {};
    for (size_t d = 0; d < m_dim; ++d) {
      Lanes low;
      Lanes high;
      std::memcpy(&low, boxes + d * k_lanes, sizeof low);
      std::memcpy(&high, highs + d * k_lanes, sizeof high);
      const Lanes q = Lanes{} + m_q[d];
      const Lanes below = low - q;
      const Lanes above = q - high;
      Lanes e = below > above ? below : above;
      e = e > zero ? e : zero;
      s += e * e;
    }
  }

  // scans the leaf of `n` rows from tree position `first`
  RLBENCH_INLINE void leaf(uint32_t first, size_t n) {
    const float* block = &m_t.blocks[static_cast<size_t>(first) * m_dim];
    float f[k_leaf_size] = {};
    for (size_t d = 0; d < m_dim; ++d) {
      const float q = m_q[d];
      const float* col = block + d * n;
      for (size_t j = 0; j < n; ++j) {
        const float diff = col[j] - q;
        f[j] += diff * diff;
      }
    }
    for (size_t j = 0; j < n; ++j) {
      if (beyond(f[j])) continue;
      const double worst = m_result.worst();
      const double exact = exact_distance(block, n, j, worst);
      if (exact < worst) m_result.add(exact, m_t.original[first + j]);
    }
  }

  // squared L2 in fp64 from float coordinates (the difference of two floats is exact in double
  // unless their exponents lie more than 29 binades apart).
  // Four running sums, combined as (s0 + s1) + (s2 + s3), in a fixed order. Stops once past
  // `cutoff`: that partial sum is at most the full one, and is rejected just the same.
  RLBENCH_INLINE double exact_distance(const float* block, size_t n, size_t j,
                                       double cutoff) const {
    double s[4] = {0, 0, 0, 0};
    size_t d = 0;
    for (; d + 4 <= m_dim; d += 4) {
      for (size_t i = 0; i < 4; ++i) {
        const double diff =
            static_cast<double>(m_q[d + i]) - static_cast<double>(block[(d + i) * n + j]);
        s[i] += diff * diff;
      }
      if ((s[0] + s[1]) + (s[2] + s[3]) > cutoff) return (s[0] + s[1]) + (s[2] + s[3]);
    }
    for (size_t i = 0; d < m_dim; ++d, ++i) {
      const double diff = static_cast<double>(m_q[d]) - static_cast<double>(block[d * n + j]);
      s[i] += diff * diff;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
  }

  const NearestNeighbor::KdTree& m_t;
  std::vector<float> m_q;  // the query
  size_t m_dim;
  size_t m_k;
  KthResultSet m_result;
  std::vector<Pending> m_stack;
  size_t m_size = 0;
  uint32_t m_node = 0;  // the child code the next step searches
  uint32_t m_rows = 0;  // its rows, if a leaf
  double m_lower;
  double m_tiny;
};

// Searches queries [0, count) of `queries` (rows of `dim` floats), taking their indices from
// `next`, and writes each one's k-th nearest row to `out`. A thread keeps k_interleaved searches
// going and steps them in turn: a search's next node is then prefetched while the others work,
// which hides part of the memory latency of a search that jumps around a large tree (15–20%
// faster on halfcheetah's far queries).
RLBENCH_SEARCH_CLONES void search_queries(const NearestNeighbor::KdTree& t, const float* queries,
                                          size_t dim, size_t k, int64_t count,
                                          std::atomic<int64_t>& next, int64_t* out) {
  constexpr size_t k_interleaved = 4;
  std::vector<LeafFilterSearch> searches(k_interleaved, LeafFilterSearch(t, k));
  std::array<int64_t, k_interleaved> query{};
  size_t active = 0;
  auto begin = [&](size_t slot) {
    query[slot] = next.fetch_add(1);
    if (query[slot] >= count) return false;
    searches[slot].start(queries + query[slot] * static_cast<int64_t>(dim));
    return true;
  };
  for (size_t slot = 0; slot < k_interleaved; ++slot) active += begin(slot) ? 1 : 0;
  while (active > 0) {
    for (size_t slot = 0; slot < k_interleaved; ++slot) {
      if (query[slot] >= count || searches[slot].step()) continue;
      out[query[slot]] = searches[slot].kth();
      if (!begin(slot)) --active;
    }
  }
}
}  // namespace

namespace {
// Non-finite coordinates have no nearest neighbour to speak of (an inf distance ties with every
// other, a NaN one with none), so they are an error rather than an arbitrary answer.
void require_finite(int64_t nonfinite, const char* what) {
  if (nonfinite > 0) {
    throw Error(error_message("nearest neighbour", what, "finite values",
                              std::to_string(nonfinite) + " NaN or infinite"));
  }
}

// the number of NaN or infinite coordinates, as a scalar on t's device (no host sync yet)
torch::Tensor count_nonfinite(const torch::Tensor& t) { return (~torch::isfinite(t)).sum(); }

void check_finite(const torch::Tensor& t, const char* what) {
  require_finite(count_nonfinite(t).item<int64_t>(), what);
}
}  // namespace

NearestNeighbor::NearestNeighbor(const torch::Tensor& points, NnBackend backend, int64_t k)
    : m_backend(backend),
      m_size(points.dim() == 2 ? points.size(0) : 0),
      m_dim(points.dim() == 2 ? points.size(1) : 0),
      m_k(k) {
  if (points.dim() != 2 || points.scalar_type() != torch::kFloat32 || m_dim == 0) {
    throw Error(error_message("nearest neighbour", "points", "a float32 [N, D] tensor, D >= 1",
                              c10::str(points.sizes(), " ", points.scalar_type())));
  }
  if (k < 1 || k > m_size) {
    throw UsageError(error_message("nearest neighbour", "k",
                                   "in [1, " + std::to_string(m_size) + "]", std::to_string(k)));
  }
  // the KD-tree codes a leaf child by its first row in 31 bits
  if (m_size > static_cast<int64_t>(NearestNeighbor::KdTree::k_leaf_bit)) {
    throw Error("nearest neighbour: more than 2^31 points are not supported");
  }
  torch::NoGradGuard no_grad;
  check_finite(points, "points");
  if (backend == NnBackend::kdtree) {
    m_tree = std::make_unique<KdTree>();
    auto host = points.to(torch::kCPU).contiguous();
    const auto dim = static_cast<size_t>(m_dim);
    PointCloud cloud;
    cloud.dim = dim;
    cloud.data.assign(host.data_ptr<float>(), host.data_ptr<float>() + host.numel());
    // nanoflann builds the tree; the search reads only its flattened copy
    const Tree tree(dim, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(k_leaf_size));
    m_tree->dim = dim;
    m_tree->original.assign(tree.vAcc.begin(), tree.vAcc.end());
    m_tree->blocks.resize(cloud.data.size());
    std::vector<float> root_box(2 * dim);
    flatten(tree.root_node, cloud.data, *m_tree, root_box.data());
  } else {
    m_points = points.contiguous();
    m_mean = m_points.mean(0);
    m_centred = m_points - m_mean;
    m_centred_norm = m_centred.pow(2).sum(1);
    m_max_norm = std::sqrt(m_centred_norm.max().item<double>());
  }
}

NearestNeighbor::~NearestNeighbor() = default;
NearestNeighbor::NearestNeighbor(NearestNeighbor&&) noexcept = default;
NearestNeighbor& NearestNeighbor::operator=(NearestNeighbor&&) noexcept = default;

int64_t NearestNeighbor::fallback_queries() const { return m_fallbacks; }

torch::Tensor NearestNeighbor::query(const torch::Tensor& queries) const {
  if (queries.dim() != 2 || queries.size(1) != m_dim || queries.scalar_type() != torch::kFloat32) {
    throw Error(error_message("nearest neighbour", "queries",
                              "float32 [Q, " + std::to_string(m_dim) + "]",
                              c10::str(queries.sizes(), " ", queries.scalar_type())));
  }
  torch::NoGradGuard no_grad;
  if (m_backend == NnBackend::brute) return query_brute(queries);

  // kdtree: one exact search per query, spread over the intra-op threads
  auto host = queries.to(torch::kCPU).contiguous();
  check_finite(host, "queries");
  const int64_t q = host.size(0);
  auto out = torch::empty({q}, torch::kInt64);
  const float* qp = host.data_ptr<float>();
  int64_t* op = out.data_ptr<int64_t>();
  const auto k = static_cast<size_t>(m_k);
  const int64_t dim = m_dim;
  // Queries differ in cost several-fold, so the intra-op threads take them one at a time from a
  // shared counter instead of one fixed half each (which left one thread waiting on the other).
  std::atomic<int64_t> next{0};
  at::parallel_for(0, at::get_num_threads(), 1, [&](int64_t /*begin*/, int64_t /*end*/) {
    search_queries(*m_tree, qp, static_cast<size_t>(dim), k, q, next, op);
  });
  return out.to(queries.device());
}

namespace {
// fp64 squared distances of queries [Q, D] to candidate rows [Q, C] of points [N, D]
torch::Tensor exact_distances(const torch::Tensor& points, const torch::Tensor& queries,
                              const torch::Tensor& candidates) {
  const auto rows = points.index_select(0, candidates.reshape({-1}))
                        .view({candidates.size(0), candidates.size(1), points.size(1)})
                        .to(torch::kFloat64);
  return (rows - queries.to(torch::kFloat64).unsqueeze(1)).pow(2).sum(-1);
}

// the k-th of each row's candidates in (distance, index) order → [Q] indices, [Q] distances
std::pair<torch::Tensor, torch::Tensor> kth_by_distance_then_index(const torch::Tensor& dist,
                                                                   const torch::Tensor& index,
                                                                   int64_t k) {
  auto [idx_sorted, perm] = index.sort(1);
  auto d = dist.gather(1, perm);
  auto [d_sorted, perm2] = d.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false);
  auto i_sorted = idx_sorted.gather(1, perm2);
  return {i_sorted.select(1, k - 1), d_sorted.select(1, k - 1)};
}

// exhaustive fp64 search, tiled over the points. Pass 1 finds each query's k-th smallest
// distance (values are exact whatever topk does with ties); pass 2 counts the points strictly
// closer and lists the points at exactly that distance, whose (k − closer)-th lowest index wins.
torch::Tensor exhaustive(const torch::Tensor& points, const torch::Tensor& queries, int64_t k) {
  const int64_t n = points.size(0);
  const int64_t q = queries.size(0);
  const int64_t tile = std::max<int64_t>(1024, (int64_t{1} << 23) / std::max<int64_t>(q, 1));
  const auto q64 = queries.to(torch::kFloat64);
  auto tile_distances = [&](int64_t start, int64_t len) {
    const auto rows = points.narrow(0, start, len).to(torch::kFloat64);
    return (rows.unsqueeze(0) - q64.unsqueeze(1)).pow(2).sum(-1);  // [Q, len]
  };
  torch::Tensor best;
  for (int64_t start = 0; start < n; start += tile) {
    const int64_t len = std::min(tile, n - start);
    auto d = std::get<0>(tile_distances(start, len).topk(std::min(k, len), 1, false, true));
    if (best.defined()) d = std::get<0>(torch::cat({best, d}, 1).topk(k, 1, false, true));
    best = d;
  }
  const auto kth = best.select(1, k - 1).unsqueeze(1);
  auto closer = torch::zeros({q}, torch::kInt64);
  std::vector<std::vector<int64_t>> tied(static_cast<size_t>(q));
  for (int64_t start = 0; start < n; start += tile) {
    const int64_t len = std::min(tile, n - start);
    const auto d = tile_distances(start, len);
    closer += (d < kth).sum(1).cpu();
    const auto hits = (d == kth).nonzero().cpu();
    for (int64_t h = 0; h < hits.size(0); ++h) {
      tied[static_cast<size_t>(hits[h][0].item<int64_t>())].push_back(start +
                                                                      hits[h][1].item<int64_t>());
    }
  }
  auto out = torch::empty({q}, torch::kInt64);
  for (int64_t i = 0; i < q; ++i) {
    auto& t = tied[static_cast<size_t>(i)];
    std::sort(t.begin(), t.end());
    out[i] = t[static_cast<size_t>(k - 1 - closer[i].item<int64_t>())];
  }
  return out.to(queries.device());
}
}  // namespace

torch::Tensor kth_nearest_exhaustive(const torch::Tensor& points, const torch::Tensor& queries,
                                     int64_t k) {
  torch::NoGradGuard no_grad;
  check_finite(points, "points");
  check_finite(queries, "queries");
  return exhaustive(points, queries, k);
}

torch::Tensor NearestNeighbor::query_brute(const torch::Tensor& queries_in) const {
  const auto queries = queries_in.to(m_points.device()).contiguous();
  const int64_t q = queries.size(0);
  const int64_t c = std::min<int64_t>(m_size, m_k + 15);  // fp32 candidates per query
  const auto qc = queries - m_mean;
  const auto q_norm = qc.pow(2).sum(1, /*keepdim=*/true);  // [Q, 1]

  // fp32 expansion over tiles of points, keeping the c smallest per query
  const int64_t tile = std::max<int64_t>(4096, (int64_t{1} << 26) / std::max<int64_t>(q, 1));
  torch::Tensor cand_d, cand_i;
  for (int64_t start = 0; start < m_size; start += tile) {
    const int64_t len = std::min(tile, m_size - start);
    const auto rows = m_centred.narrow(0, start, len);
    const auto d = torch::addmm(m_centred_norm.narrow(0, start, len).unsqueeze(0), qc, rows.t(),
                                /*beta=*/1, /*alpha=*/-2) +
                   q_norm;
    auto [td, ti] = d.topk(std::min(c, len), 1, /*largest=*/false, /*sorted=*/false);
    ti = ti + start;
    if (cand_d.defined()) {
      td = torch::cat({cand_d, td}, 1);
      ti = torch::cat({cand_i, ti}, 1);
      std::tie(td, ti) = [&] {
        auto [vd, pos] = td.topk(c, 1, false, false);
        return std::make_pair(vd, ti.gather(1, pos));
      }();
    }
    cand_d = td;
    cand_i = ti;
  }

  // fp64 ranking of the candidates
  const auto exact = exact_distances(m_points, queries, cand_i);
  auto [index, kth_d] = kth_by_distance_then_index(exact, cand_i, m_k);
  // checked with the certificate, in the batch's one host sync
  const auto nonfinite = count_nonfinite(queries);
  if (c == m_size) {
    require_finite(nonfinite.item<int64_t>(), "queries");
    return index.to(queries_in.device());
  }

  // certificate: every non-candidate has fp32 value ≥ the largest candidate value, and the fp32
  // expansion is within err = 2(D + 4)·2⁻²⁴·(‖q‖ + max‖x‖)² of the truth, so if
  // max candidate − err > the k-th exact distance, no other point can rank before it
  const double u = 2.0 * static_cast<double>(m_dim + 4) * std::ldexp(1.0, -24);
  const auto err = u * (q_norm.squeeze(1).to(torch::kFloat64).sqrt() + m_max_norm).pow(2);
  const auto bound = std::get<0>(cand_d.max(1)).to(torch::kFloat64) - err;
  const auto certain = bound > kth_d;
  const auto counts = torch::stack({nonfinite, (~certain).sum()}).cpu();  // the one host sync
  require_finite(counts[0].item<int64_t>(), "queries");
  const int64_t n_uncertain = counts[1].item<int64_t>();
  if (n_uncertain > 0) {
    const auto uncertain = (~certain).nonzero().squeeze(1);
    m_fallbacks += n_uncertain;
    index.index_put_({uncertain}, exhaustive(m_points, queries.index_select(0, uncertain), m_k));
  }
  return index.to(queries_in.device());
}

}  // namespace rlbench::algos
