#pragma once

// Ensembles of small MLPs evaluated with one batched matmul per layer, plus the flat parameter
// buffers, Adam and target updates that the TD3+BC family shares.
//
// An ensemble of E members stores a layer's weights as [E, in, out] and evaluates inputs
// [E, B, in] with baddbmm, so S seeds and both critic heads cost one kernel per layer. Member e is
// initialised exactly like a PyTorch nn.Linear drawn from its own generator, so a member's initial
// weights depend only on its seed, never on how many members share the ensemble.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace rlbench::nets {

// Which members of an ensemble a forward pass evaluates, and whether the weights are detached
// (gradients still flow into the input, never into the parameters).
struct MemberRange {
  int64_t first = 0;
  int64_t count = -1;  // -1: all members from `first`
  bool detach_params = false;
};

// bias + x·W per member, as torch::baddbmm, except that the backward pass takes the bias
// gradient as the product ones·g (ones: [E, 1, B]) rather than a reduction over the batch.
// EnsembleLinear uses it on CUDA, where PyTorch's reduction runs on a few thread blocks.
torch::Tensor ensemble_affine(const torch::Tensor& bias, const torch::Tensor& x,
                              const torch::Tensor& w, const torch::Tensor& ones);

// A linear layer for E independent members: y[e] = x[e] · W[e] + b[e].
class EnsembleLinearImpl : public torch::nn::Module {
 public:
  EnsembleLinearImpl(int64_t members, int64_t in_features, int64_t out_features);

  // x: [E', B, in] with E' the number of members selected by `range`; returns [E', B, out].
  // On CUDA, with gradients on, the bias gradient is a product rather than a reduction (faster
  // there; the same sum up to rounding).
  torch::Tensor forward(const torch::Tensor& x, const MemberRange& range = {});

  // Draws member `member` like torch.nn.Linear.reset_parameters from `gen`, a CPU generator (the
  // values are drawn on the CPU and copied, so the result is the same on every device):
  // weight [out, in] ~ U(±1/√in) (Kaiming-uniform with a = √5), then bias [out] ~ U(±1/√in).
  void init_member(int64_t member, torch::Generator& gen);

  int64_t members() const { return m_members; }
  int64_t in_features() const { return m_in; }
  int64_t out_features() const { return m_out; }

  torch::Tensor weight;  // [E, in, out]
  torch::Tensor bias;    // [E, 1, out]

 private:
  int64_t m_members;
  int64_t m_in;
  int64_t m_out;
  std::vector<torch::Tensor> m_ones;  // CUDA: [E', 1, B] ones for the bias gradient's product
};
TORCH_MODULE(EnsembleLinear);

// An MLP ensemble: in → hidden[0] → ReLU → … → hidden[n-1] → ReLU → out, no output activation.
class EnsembleMlpImpl : public torch::nn::Module {
 public:
  EnsembleMlpImpl(int64_t members, int64_t in_features, const std::vector<int>& hidden,
                  int64_t out_features);

  // x: [E', B, in] → [E', B, out] for the members selected by `range`.
  torch::Tensor forward(const torch::Tensor& x, const MemberRange& range = {});

  // Initialises every layer of member `member` in order (weight, bias per layer) from `gen`.
  void init_member(int64_t member, torch::Generator& gen);

  int64_t members() const { return m_members; }
  const std::vector<EnsembleLinear>& layers() const { return m_layers; }

 private:
  int64_t m_members;
  std::vector<EnsembleLinear> m_layers;
};
TORCH_MODULE(EnsembleMlp);

// All parameters of one or more modules moved into a single contiguous buffer (and their
// gradients into another), so that Adam, zero_grad and target updates are a handful of kernels
// instead of several per tensor. The module parameters remain usable leaves: their storage is
// re-pointed at views of `values`, and their .grad at views of `grads`, which autograd then
// accumulates into in place.
struct FlatParams {
  torch::Tensor values;               // [P]
  torch::Tensor grads;                // [P]
  std::vector<torch::Tensor> params;  // the parameters, in module order
  std::vector<std::string> names;     // their qualified names
};

// Flattens the parameters of `modules` (in the order given). Precondition: every parameter is a
// dense float tensor on the same device and none has been used in a graph yet.
FlatParams flatten_parameters(const std::vector<torch::nn::Module*>& modules);

// Views of `flat` shaped like `like.params`, in the same order (for per-tensor access to state
// that lives in a flat buffer, such as Adam moments).
std::vector<torch::Tensor> views_like(const torch::Tensor& flat, const FlatParams& like);

// target ← τ·source + (1 − τ)·target, elementwise over the whole buffer (no grad).
void soft_update(FlatParams& target, const FlatParams& source, double tau);

// target ← source (no grad).
void hard_update(FlatParams& target, const FlatParams& source);

// Adam over a FlatParams buffer, with the arithmetic of torch.optim.Adam (PyTorch 1.13,
// single-tensor path, no weight decay, no amsgrad) on the CPU. On CUDA it runs PyTorch's fused
// Adam kernel with the step count in a device tensor, as torch.optim.Adam(fused=True) does: a
// multi-tensor kernel over the buffer cut into pieces (one launch per 36 pieces or more, by
// driver), and nothing read from the host, so that a CUDA graph can capture it.
class Adam {
 public:
  Adam(FlatParams& params, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8);

  void zero_grad();
  void step();
  // One step on `grads`, one per parameter in FlatParams order (an undefined one counts as
  // zero); .grad is neither read nor written.
  void step(const std::vector<torch::Tensor>& grads);
  // One step down the gradient of loss.sum() (loss: one value per ensemble member). The
  // gradient is taken with autograd::grad, not backward(), so it skips zeroing and
  // accumulating into .grad: on CUDA that is a dozen fewer kernels per update. The gradients
  // are gathered into the flat gradient buffer, whose old contents are overwritten.
  void minimise(const torch::Tensor& loss);

  double lr() const { return m_lr; }
  int64_t steps() const;
  void set_steps(int64_t steps);
  torch::Tensor& exp_avg() { return m_exp_avg; }
  torch::Tensor& exp_avg_sq() { return m_exp_avg_sq; }

 private:
  FlatParams* m_params;
  double m_lr;
  double m_beta1;
  double m_beta2;
  double m_eps;
  int64_t m_step = 0;      // CPU
  torch::Tensor m_step_t;  // CUDA: float32 scalar on the device (fused Adam's layout), exact
                           // up to 2^24 steps
  torch::Tensor m_exp_avg;
  torch::Tensor m_exp_avg_sq;
  // CUDA: the flat buffers cut into pieces, and m_step_t once per piece, as fused Adam's
  // tensor lists
  std::vector<torch::Tensor> m_value_views, m_grad_views, m_avg_views, m_sq_views, m_steps;
};

// A generator for `device` seeded with `seed`: a fresh CPU generator, or for CUDA a clone of
// the device's default generator reseeded (an independent stream; the default is untouched).
torch::Generator make_generator(const torch::Device& device, uint64_t seed);

// Whether `state` was saved from a generator of the other device type than `gen`: a CUDA
// generator's state is its seed and offset (16 bytes), a CPU Mersenne Twister's about 5 KB.
// Checkpoints restore such a state by skipping it (the stream restarts from the seed); any other
// mismatch is left to set_state to reject.
bool is_other_device_state(const torch::Generator& gen, const torch::Tensor& state);

}  // namespace rlbench::nets
