#pragma once

// Test policies in D4RL's metadata/policy layout: deterministic pseudo-random weights (no RNG, so
// the values are the same on every platform) and a raw-HDF5 writer that stores them as h5py does.

#include <cmath>
#include <string>
#include <vector>

#include "rlbench/data/policy_file.hpp"

#include "data/h5py_like.hpp"

namespace rlbench::test {

// A dense layer whose values are scale · sin(1.7 k + salt), k the flat index.
inline data::DenseLayer test_layer(int in, int out, float scale, float salt) {
  data::DenseLayer layer;
  layer.in = in;
  layer.out = out;
  for (int k = 0; k < in * out; ++k) {
    layer.weight.push_back(scale * std::sin(1.7F * static_cast<float>(k) + salt));
  }
  for (int k = 0; k < out; ++k) {
    layer.bias.push_back(0.1F * scale * std::cos(0.9F * static_cast<float>(k) + salt));
  }
  return layer;
}

// obs_dim -> hidden... -> act_dim; the log-std head's bias is shifted by `log_std_bias`.
inline data::GaussianMlpPolicy test_policy(int obs_dim, const std::vector<int>& hidden, int act_dim,
                                           float scale = 0.3F, float log_std_bias = -1.0F) {
  data::GaussianMlpPolicy p;
  int in = obs_dim;
  for (std::size_t i = 0; i < hidden.size(); ++i) {
    p.hidden.push_back(test_layer(in, hidden[i], scale, 0.3F * static_cast<float>(i)));
    in = hidden[i];
  }
  p.mean = test_layer(in, act_dim, scale, 2.0F);
  p.log_std = test_layer(in, act_dim, 0.1F * scale, 3.0F);
  for (auto& b : p.log_std.bias) b += log_std_bias;
  return p;
}

// Writes the policy under metadata/policy/ the way h5py would store numpy arrays and scalars:
// float32 (or float64) weights, nonlinearity as python str (variable-length UTF-8) and
// output_distribution as np.bytes_, plus metadata/algorithm and metadata/iteration.
inline void write_h5py_policy(H5pyLikeFile& f, const data::GaussianMlpPolicy& p,
                              bool float64 = false) {
  auto layer = [&](const std::string& name, const data::DenseLayer& l) {
    const std::string key = "metadata/policy/" + name;
    const hsize_t out = static_cast<hsize_t>(l.out);
    const hsize_t in = static_cast<hsize_t>(l.in);
    if (float64) {
      f.f64(key + "/weight", std::vector<double>(l.weight.begin(), l.weight.end()), {out, in});
      f.f64(key + "/bias", std::vector<double>(l.bias.begin(), l.bias.end()), {out});
    } else {
      f.f32(key + "/weight", l.weight, {out, in});
      f.f32(key + "/bias", l.bias, {out});
    }
  };
  for (std::size_t i = 0; i < p.hidden.size(); ++i) layer("fc" + std::to_string(i), p.hidden[i]);
  layer("last_fc", p.mean);
  layer("last_fc_log_std", p.log_std);
  f.vlen_str("metadata/policy/nonlinearity", p.nonlinearity);
  f.fixed_bytes("metadata/policy/output_distribution", p.output_distribution);
  f.fixed_bytes("metadata/algorithm", "SAC");
  f.int32("metadata/iteration", 1234);
}

}  // namespace rlbench::test
