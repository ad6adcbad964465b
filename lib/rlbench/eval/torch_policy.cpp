#include "rlbench/eval/torch_policy.hpp"

#include <algorithm>

#include "rlbench/core/error.hpp"

namespace rlbench::eval {

IntraOpThreads::IntraOpThreads(int n) : m_saved(torch::get_num_threads()) {
  if (m_saved != n) torch::set_num_threads(n);
}

IntraOpThreads::~IntraOpThreads() {
  if (torch::get_num_threads() != m_saved) torch::set_num_threads(m_saved);
}

BatchPolicy make_torch_policy(TensorPolicy policy, torch::Device device) {
  return [policy = std::move(policy), device](const PolicyCall& call) {
    torch::NoGradGuard no_grad;
    const auto obs =
        torch::from_blob(const_cast<double*>(call.obs), {call.batch, call.obs_dim}, torch::kFloat64)
            .to(device, torch::kFloat32);
    const auto act = policy(obs, call.deterministic).to(torch::kCPU, torch::kFloat64).contiguous();
    if (act.dim() != 2 || act.size(0) != call.batch || act.size(1) != call.act_dim) {
      throw Error(error_message("policy", "action batch shape",
                                std::to_string(call.batch) + " x " + std::to_string(call.act_dim),
                                std::to_string(act.dim() == 2 ? act.size(0) : -1) + " x " +
                                    std::to_string(act.dim() == 2 ? act.size(1) : -1)));
    }
    std::copy_n(act.data_ptr<double>(), static_cast<std::size_t>(call.batch) * call.act_dim,
                call.actions);
  };
}

}  // namespace rlbench::eval
