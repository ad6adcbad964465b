#include "rlbench/eval/gaussian_policy.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "rlbench/core/error.hpp"

namespace rlbench::eval {

namespace {

// log(2π) / 2 and log 2
constexpr double k_half_log_two_pi = 0.91893853320467274178;
constexpr double k_log_two = 0.69314718055994530942;

// log(1 + e^x) without overflow
double softplus(double x) {
  return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// The network with its weights transposed to (in, out), so that y += x_i · W[i, :] runs over
// contiguous outputs (the compiler vectorises it; a dot product over inputs would need
// -ffast-math to reorder the sum), and with both heads stacked into one layer.
class TanhGaussianMlp {
 public:
  TanhGaussianMlp(const data::GaussianMlpPolicy& policy, std::uint64_t seed)
      : m_obs_dim(static_cast<int>(policy.obs_dim())),
        m_act_dim(static_cast<int>(policy.act_dim())),
        m_generator(at::detail::createCPUGenerator(seed)) {
    data::validate_policy(policy, "policy");
    std::size_t widest = static_cast<std::size_t>(m_obs_dim);
    for (const auto& layer : policy.hidden) {
      m_hidden.push_back(transposed(layer));
      widest = std::max(widest, static_cast<std::size_t>(layer.out));
    }
    data::DenseLayer heads = policy.mean;
    heads.out += policy.log_std.out;
    heads.weight.insert(heads.weight.end(), policy.log_std.weight.begin(),
                        policy.log_std.weight.end());
    heads.bias.insert(heads.bias.end(), policy.log_std.bias.begin(), policy.log_std.bias.end());
    m_heads = transposed(heads);
    m_x.resize(widest);
    m_y.resize(widest);
    m_out.resize(static_cast<std::size_t>(2 * m_act_dim));
    m_eps = torch::empty({m_act_dim}, torch::kFloat32);
  }

  int obs_dim() const { return m_obs_dim; }
  int act_dim() const { return m_act_dim; }

  void check_call(const PolicyCall& call) const {
    if (call.obs_dim != m_obs_dim || call.act_dim != m_act_dim) {
      throw Error(error_message(
          "gaussian policy", "call dims",
          std::to_string(m_obs_dim) + " observations, " + std::to_string(m_act_dim) + " actions",
          std::to_string(call.obs_dim) + ", " + std::to_string(call.act_dim)));
    }
  }

  // tanh(μ) of one observation
  void act_deterministic(const double* obs, double* action) {
    forward(obs);
    for (int j = 0; j < m_act_dim; ++j) action[j] = std::tanh(static_cast<double>(m_out[j]));
  }

  // one tanh-Gaussian sample of one observation with the given noise; returns log π(a|s)
  double act_stochastic(const double* obs, const float* eps, double* action) {
    forward(obs);
    double log_prob = 0.0;
    for (int j = 0; j < m_act_dim; ++j) {
      const double mean = m_out[static_cast<std::size_t>(j)];
      const double log_std =
          std::clamp(static_cast<double>(m_out[static_cast<std::size_t>(m_act_dim + j)]),
                     data::k_log_std_min, data::k_log_std_max);
      const double e = eps[j];
      const double u = mean + std::exp(log_std) * e;
      action[j] = std::tanh(u);
      // gaussian density at u ((u − μ)/σ = ε), then the tanh change of variables
      log_prob += -0.5 * e * e - log_std - k_half_log_two_pi;
      log_prob -= 2.0 * (k_log_two - u - softplus(-2.0 * u));
    }
    return log_prob;
  }

  // n standard normals from the policy's generator (valid until the next call)
  const float* noise(std::int64_t n) {
    if (m_eps.numel() != n) m_eps = torch::empty({n}, torch::kFloat32);
    m_eps.normal_(0.0, 1.0, m_generator);
    return m_eps.data_ptr<float>();
  }

 private:
  struct Layer {
    std::size_t in = 0;
    std::size_t out = 0;
    std::vector<float> weight_t;  // in x out
    std::vector<float> bias;      // out
  };

  static Layer transposed(const data::DenseLayer& layer) {
    Layer t;
    t.in = static_cast<std::size_t>(layer.in);
    t.out = static_cast<std::size_t>(layer.out);
    t.weight_t.resize(t.in * t.out);
    for (std::size_t o = 0; o < t.out; ++o) {
      for (std::size_t i = 0; i < t.in; ++i) t.weight_t[i * t.out + o] = layer.weight[o * t.in + i];
    }
    t.bias = layer.bias;
    return t;
  }

  static void affine(const Layer& layer, const float* x, float* y) {
    std::copy(layer.bias.begin(), layer.bias.end(), y);
    for (std::size_t i = 0; i < layer.in; ++i) {
      const float xi = x[i];
      // relu zeros contribute nothing
      if (xi == 0.0F) continue;
      const float* w = layer.weight_t.data() + i * layer.out;
      for (std::size_t o = 0; o < layer.out; ++o) y[o] += xi * w[o];
    }
  }

  // μ and the unclamped log σ of one observation into m_out
  void forward(const double* obs) {
    for (int i = 0; i < m_obs_dim; ++i)
      m_x[static_cast<std::size_t>(i)] = static_cast<float>(obs[i]);
    for (const auto& layer : m_hidden) {
      affine(layer, m_x.data(), m_y.data());
      for (std::size_t o = 0; o < layer.out; ++o) m_x[o] = std::max(m_y[o], 0.0F);
    }
    affine(m_heads, m_x.data(), m_out.data());
  }

  int m_obs_dim;
  int m_act_dim;
  std::vector<Layer> m_hidden;
  Layer m_heads;  // last_fc rows, then last_fc_log_std rows
  std::vector<float> m_x, m_y, m_out;
  torch::Generator m_generator;
  torch::Tensor m_eps;
};

}  // namespace

BatchPolicy make_gaussian_policy(const data::GaussianMlpPolicy& policy, std::uint64_t seed) {
  auto net = std::make_shared<TanhGaussianMlp>(policy, seed);
  return [net](const PolicyCall& call) {
    net->check_call(call);
    const std::size_t obs_dim = static_cast<std::size_t>(call.obs_dim);
    const std::size_t act_dim = static_cast<std::size_t>(call.act_dim);
    if (call.deterministic) {
      for (std::size_t r = 0; r < static_cast<std::size_t>(call.batch); ++r) {
        net->act_deterministic(call.obs + r * obs_dim, call.actions + r * act_dim);
      }
      return;
    }
    const float* eps = net->noise(static_cast<std::int64_t>(call.batch) * call.act_dim);
    for (std::size_t r = 0; r < static_cast<std::size_t>(call.batch); ++r) {
      net->act_stochastic(call.obs + r * obs_dim, eps + r * act_dim, call.actions + r * act_dim);
    }
  };
}

BehaviourPolicy gaussian_behaviour_policy(const data::GaussianMlpPolicy& policy,
                                          std::uint64_t seed) {
  auto net = std::make_shared<TanhGaussianMlp>(policy, seed);
  return [net](const double* obs, double* action) {
    return net->act_stochastic(obs, net->noise(net->act_dim()), action);
  };
}

}  // namespace rlbench::eval
