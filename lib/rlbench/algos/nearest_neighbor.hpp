#pragma once

// Exact k-th nearest-neighbour search in Euclidean distance over a fixed point set, for PRDC's
// dataset constraint. Two backends give the same answer (up to the rounding noted below):
//   - kdtree: a KD-tree built by nanoflann on the host (leaves of at most 16 rows, stored in leaf
//     order), regrouped into nodes of up to 8 children and searched by rlbench's own traversal,
//     which prunes subtrees by the tight bounding boxes of their points and scans leaves in
//     float32, each with a rounding margin, and ranks the points left in fp64; queries in
//     parallel, compiled for AVX2 as well;
//   - brute: a tiled search in torch on the points' device (CPU or CUDA): fp32 ‖q‖² − 2q·x + ‖x‖²
//     picks candidates, fp64 direct distances rank them, and a rounding-error bound certifies
//     that no other point can be as close; queries without the certificate are searched again
//     over all points in fp64.
// Order and ties: points are ranked by (distance, index), so among points at exactly the same
// distance the lowest index comes first. The distance is the fp64 sum of the squared coordinate
// differences: the KD-tree sums in a fixed order of its own, the brute backend and
// kth_nearest_exhaustive() as torch does, so two points whose distances differ only in the
// sum's last bits (about D·2^-53 relative) may rank differently between them. Points with the
// same squared differences in the same dimensions (duplicate rows, for instance) tie in both.
// Non-finite points or queries are an error. k = 1 is the nearest point; k = 2 returns only the
// second nearest (SciPy's KDTree.query(x, k=[k]) semantics, as the PRDC reference uses it).

#include <cstdint>
#include <memory>
#include <string>

#include <torch/types.h>

namespace rlbench::algos {

enum class NnBackend { kdtree, brute };

// "kdtree" / "brute"; throws UsageError naming `where` for anything else.
NnBackend parse_nn_backend(const std::string& name, const std::string& where);
std::string to_string(NnBackend backend);

class NearestNeighbor {
 public:
  // points: [N, D] float32 on any device (kdtree copies them to the host). k >= 1, k <= N.
  NearestNeighbor(const torch::Tensor& points, NnBackend backend, int64_t k = 1);
  ~NearestNeighbor();
  NearestNeighbor(NearestNeighbor&&) noexcept;
  NearestNeighbor& operator=(NearestNeighbor&&) noexcept;

  // queries: [Q, D] float32 on any device → int64 indices [Q] of each query's k-th nearest
  // point, on the queries' device.
  torch::Tensor query(const torch::Tensor& queries) const;

  // How many queries the brute backend had to search again over all points (diagnostics).
  int64_t fallback_queries() const;

  NnBackend backend() const { return m_backend; }
  struct KdTree;  // the KD-tree backend's state, defined in the .cpp
  int64_t size() const { return m_size; }
  int64_t dim() const { return m_dim; }
  int64_t k() const { return m_k; }

 private:
  NnBackend m_backend;
  int64_t m_size;
  int64_t m_dim;
  int64_t m_k;
  std::unique_ptr<KdTree> m_tree;
  // brute backend state
  torch::Tensor m_points;        // [N, D] float32, on the points' device
  torch::Tensor m_centred;       // points − mean, float32
  torch::Tensor m_centred_norm;  // ‖points − mean‖², float32 [N]
  torch::Tensor m_mean;          // [D]
  double m_max_norm = 0;         // max ‖points − mean‖
  mutable int64_t m_fallbacks = 0;

  torch::Tensor query_brute(const torch::Tensor& queries) const;
};

// Reference answer for tests: the k-th point in (fp64 distance, index) order, computed directly.
torch::Tensor kth_nearest_exhaustive(const torch::Tensor& points, const torch::Tensor& queries,
                                     int64_t k);

}  // namespace rlbench::algos
