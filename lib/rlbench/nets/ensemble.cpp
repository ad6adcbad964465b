#include "rlbench/nets/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/torch.h>

#include "rlbench/core/error.hpp"

namespace rlbench::nets {

namespace {
torch::Tensor select_members(const torch::Tensor& t, const MemberRange& range) {
  torch::Tensor v = range.detach_params ? t.detach() : t;
  const int64_t count = range.count < 0 ? t.size(0) - range.first : range.count;
  if (range.first == 0 && count == t.size(0)) return v;
  return v.narrow(0, range.first, count);
}
}  // namespace

EnsembleLinearImpl::EnsembleLinearImpl(int64_t members, int64_t in_features, int64_t out_features)
    : m_members(members), m_in(in_features), m_out(out_features) {
  weight = register_parameter("weight", torch::zeros({members, in_features, out_features}));
  bias = register_parameter("bias", torch::zeros({members, 1, out_features}));
}

namespace {
// bias + x·W per member, as baddbmm, but with the bias gradient taken as the product 1ᵀ·g. On
// CUDA, PyTorch reduces g over the batch with a handful of thread blocks, which takes about three
// times as long as this product (measured on an H100, BENCHMARKS.md).
struct EnsembleAffine : public torch::autograd::Function<EnsembleAffine> {
  // ones: [E, 1, B], kept by the layer so that no update fills a new one
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& bias,
                               const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& ones) {
    ctx->save_for_backward({x, w, ones});
    return torch::baddbmm(bias, x, w);
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& w = saved[1];
    const auto& g = grads[0];  // [E, B, out]
    torch::Tensor grad_bias;
    torch::Tensor grad_x;
    torch::Tensor grad_w;
    if (ctx->needs_input_grad(0)) grad_bias = saved[2].bmm(g);
    if (ctx->needs_input_grad(1)) grad_x = g.bmm(w.transpose(1, 2));
    if (ctx->needs_input_grad(2)) grad_w = x.transpose(1, 2).bmm(g);
    return {grad_bias, grad_x, grad_w, torch::Tensor()};
  }
};
}  // namespace

torch::Tensor ensemble_affine(const torch::Tensor& bias, const torch::Tensor& x,
                              const torch::Tensor& w, const torch::Tensor& ones) {
  return EnsembleAffine::apply(bias, x, w, ones);
}

torch::Tensor EnsembleLinearImpl::forward(const torch::Tensor& x, const MemberRange& range) {
  const auto b = select_members(bias, range);
  const auto w = select_members(weight, range);
  if (!x.is_cuda() || !torch::GradMode::is_enabled()) return torch::baddbmm(b, x, w);
  // Ones of each shape are made once and never freed: a captured CUDA graph keeps reading the
  // ones it was captured with.
  for (const auto& ones : m_ones) {
    if (ones.size(0) == x.size(0) && ones.size(2) == x.size(1) && ones.device() == x.device()) {
      return ensemble_affine(b, x, w, ones);
    }
  }
  m_ones.push_back(torch::ones({x.size(0), 1, x.size(1)}, x.options()));
  return ensemble_affine(b, x, w, m_ones.back());
}

void EnsembleLinearImpl::init_member(int64_t member, torch::Generator& gen) {
  // nn.Linear.reset_parameters: kaiming_uniform_(a=√5) gives bound √(6 / ((1 + 5)·fan_in)),
  // i.e. 1/√fan_in, and the bias uses the same bound; the weight is drawn first, as [out, in]
  const double bound = 1.0 / std::sqrt(static_cast<double>(m_in));
  torch::NoGradGuard no_grad;
  auto w = torch::empty({m_out, m_in}).uniform_(-bound, bound, gen);
  auto b = torch::empty({m_out}).uniform_(-bound, bound, gen);
  weight[member].copy_(w.t());
  bias[member][0].copy_(b);
}

EnsembleMlpImpl::EnsembleMlpImpl(int64_t members, int64_t in_features,
                                 const std::vector<int>& hidden, int64_t out_features)
    : m_members(members) {
  int64_t in = in_features;
  for (size_t i = 0; i <= hidden.size(); ++i) {
    const int64_t out = i < hidden.size() ? hidden[i] : out_features;
    m_layers.push_back(register_module("l" + std::to_string(i), EnsembleLinear(members, in, out)));
    in = out;
  }
}

torch::Tensor EnsembleMlpImpl::forward(const torch::Tensor& x, const MemberRange& range) {
  torch::Tensor h = x;
  for (size_t i = 0; i < m_layers.size(); ++i) {
    h = m_layers[i]->forward(h, range);
    if (i + 1 < m_layers.size()) h = torch::relu(h);
  }
  return h;
}

void EnsembleMlpImpl::init_member(int64_t member, torch::Generator& gen) {
  for (auto& layer : m_layers) layer->init_member(member, gen);
}

FlatParams flatten_parameters(const std::vector<torch::nn::Module*>& modules) {
  FlatParams flat;
  int64_t total = 0;
  for (auto* m : modules) {
    for (auto& item : m->named_parameters()) {
      flat.params.push_back(item.value());
      flat.names.push_back(item.key());
      total += item.value().numel();
    }
  }
  if (flat.params.empty()) return flat;
  const auto options = flat.params.front().options();
  flat.values = torch::empty({total}, options);
  flat.grads = torch::zeros({total}, options);
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& p : flat.params) {
    const int64_t n = p.numel();
    auto value_view = flat.values.narrow(0, offset, n).view(p.sizes());
    value_view.copy_(p);
    // re-point the parameter's storage at the flat buffer; it stays a leaf requiring grad
    p.set_data(value_view);
    p.mutable_grad() = flat.grads.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
  return flat;
}

std::vector<torch::Tensor> views_like(const torch::Tensor& flat, const FlatParams& like) {
  std::vector<torch::Tensor> views;
  int64_t offset = 0;
  for (const auto& p : like.params) {
    views.push_back(flat.narrow(0, offset, p.numel()).view(p.sizes()));
    offset += p.numel();
  }
  return views;
}

void soft_update(FlatParams& target, const FlatParams& source, double tau) {
  torch::NoGradGuard no_grad;
  target.values.mul_(1.0 - tau).add_(source.values, tau);
}

void hard_update(FlatParams& target, const FlatParams& source) {
  torch::NoGradGuard no_grad;
  target.values.copy_(source.values);
}

namespace {
// Fused Adam gives each tensor of its lists whole thread blocks of at most 65536 elements, so one
// flat buffer of a few 10⁵ parameters runs on a few blocks for ~60 µs on an H100. Cut into
// pieces of this size, the same update takes ~9 µs (BENCHMARKS.md).
constexpr int64_t k_adam_piece = 4096;

std::vector<torch::Tensor> pieces(const torch::Tensor& flat) {
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < flat.numel(); i += k_adam_piece) {
    out.push_back(flat.narrow(0, i, std::min(k_adam_piece, flat.numel() - i)));
  }
  return out;
}
}  // namespace

Adam::Adam(FlatParams& params, double lr, double beta1, double beta2, double eps)
    : m_params(&params), m_lr(lr), m_beta1(beta1), m_beta2(beta2), m_eps(eps) {
  m_exp_avg = torch::zeros_like(params.values);
  m_exp_avg_sq = torch::zeros_like(params.values);
  if (params.values.is_cuda()) {
    m_step_t = torch::zeros({}, params.values.options());
    m_value_views = pieces(params.values);
    m_grad_views = pieces(params.grads);
    m_avg_views = pieces(m_exp_avg);
    m_sq_views = pieces(m_exp_avg_sq);
    m_steps.assign(m_value_views.size(), m_step_t);
  }
}

int64_t Adam::steps() const {
  return m_step_t.defined() ? static_cast<int64_t>(m_step_t.item<float>()) : m_step;
}

void Adam::set_steps(int64_t steps) {
  if (m_step_t.defined()) {
    m_step_t.fill_(static_cast<double>(steps));
  } else {
    m_step = steps;
  }
}

void Adam::zero_grad() { m_params->grads.zero_(); }

void Adam::step() {
  torch::NoGradGuard no_grad;
  if (m_step_t.defined()) {
    // as torch.optim.Adam(fused=True): the step is counted first, and the kernel computes the
    // bias corrections from it on the device
    m_step_t.add_(1);
    at::_fused_adam_(m_value_views, m_grad_views, m_avg_views, m_sq_views, {}, m_steps, m_lr,
                     m_beta1, m_beta2, /*weight_decay=*/0.0, m_eps, /*amsgrad=*/false,
                     /*maximize=*/false);
    return;
  }
  ++m_step;
  const auto& g = m_params->grads;
  m_exp_avg.mul_(m_beta1).add_(g, 1.0 - m_beta1);
  m_exp_avg_sq.mul_(m_beta2).addcmul_(g, g, 1.0 - m_beta2);
  const double bias_correction1 = 1.0 - std::pow(m_beta1, static_cast<double>(m_step));
  const double bias_correction2 = 1.0 - std::pow(m_beta2, static_cast<double>(m_step));
  const double step_size = m_lr / bias_correction1;
  auto denom = (m_exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(m_eps);
  m_params->values.addcdiv_(m_exp_avg, denom, -step_size);
}

void Adam::step(const std::vector<torch::Tensor>& grads) {
  torch::NoGradGuard no_grad;
  const auto& params = m_params->params;
  if (grads.size() != params.size()) {
    throw Error("Adam::step: " + std::to_string(grads.size()) + " gradients for " +
                std::to_string(params.size()) + " parameters");
  }
  std::vector<torch::Tensor> g(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    g[i] = grads[i].defined() ? grads[i].reshape({-1})
                              : torch::zeros({params[i].numel()}, params[i].options());
  }
  torch::cat_out(m_params->grads, g, 0);  // one kernel
  step();
}

void Adam::minimise(const torch::Tensor& loss) {
  // a one-member loss is summed by a view, not a kernel
  const auto total = loss.numel() == 1 ? loss.reshape({}) : loss.sum();
  step(torch::autograd::grad({total}, m_params->params, /*grad_outputs=*/{},
                             /*retain_graph=*/false, /*create_graph=*/false,
                             /*allow_unused=*/true));
}

torch::Generator make_generator(const torch::Device& device, uint64_t seed) {
  if (device.is_cpu()) return at::detail::createCPUGenerator(seed);
  auto gen = at::globalContext().defaultGenerator(device).clone();
  gen.set_current_seed(seed);
  return gen;
}

bool is_other_device_state(const torch::Generator& gen, const torch::Tensor& state) {
  constexpr int64_t k_cuda_state_bytes = 16;
  return gen.device().is_cpu() ? state.numel() == k_cuda_state_bytes
                               : state.numel() > k_cuda_state_bytes;
}

}  // namespace rlbench::nets
