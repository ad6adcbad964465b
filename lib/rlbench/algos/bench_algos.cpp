#include "rlbench/algos/bench_algos.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "rlbench/algos/nearest_neighbor.hpp"
#include "rlbench/algos/registry.hpp"
#include "rlbench/core/blas.hpp"
#include "rlbench/core/partition.hpp"
#include "rlbench/core/strings.hpp"

namespace rlbench::algos {

namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void sync(const torch::Device& device) {
  // a tiny host copy waits for the device queue on CUDA
  if (!device.is_cpu()) torch::zeros({1}, torch::TensorOptions().device(device)).cpu();
}

struct Data {
  torch::Tensor obs, act, rew, next_obs, not_done;  // on the device
};

// smooth trajectories of a 4-d latent random walk, lifted to obs_dim with a fixed random map
Data make_dataset(const BenchAlgosOptions& o, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(o.seed + 17);
  const int64_t n = o.dataset_rows + 1;
  const int64_t horizon = 1000;
  auto steps = torch::randn({n, 4}, gen, torch::kFloat32) * 0.1f;
  auto latent = steps.view({-1, 4});
  // cumulative sum within episodes of `horizon` steps
  latent = torch::cat({latent, torch::zeros({(horizon - n % horizon) % horizon, 4})})
               .view({-1, horizon, 4})
               .cumsum(1)
               .view({-1, 4})
               .narrow(0, 0, n);
  const auto lift = torch::randn({4, o.obs_dim}, gen, torch::kFloat32);
  const auto act_map = torch::randn({4, o.act_dim}, gen, torch::kFloat32);
  auto obs =
      torch::sin(latent.matmul(lift)) + 0.01f * torch::randn({n, o.obs_dim}, gen, torch::kFloat32);
  auto act = torch::tanh(latent.matmul(act_map) +
                         0.1f * torch::randn({n, o.act_dim}, gen, torch::kFloat32));
  obs = (obs - obs.mean(0)) / (obs.std(0, /*unbiased=*/false) + 1e-3);
  Data d;
  d.obs = obs.narrow(0, 0, n - 1).contiguous().to(device);
  d.next_obs = obs.narrow(0, 1, n - 1).contiguous().to(device);
  d.act = act.narrow(0, 0, n - 1).contiguous().to(device);
  d.rew = torch::randn({n - 1, 1}, gen, torch::kFloat32).to(device);
  d.not_done = torch::ones({n - 1, 1}).to(device);
  return d;
}

// Float32 matrix-product rate at the size of one layer of a batch (n×n by n×n), to set the
// algorithms' rates against what the BLAS can reach on this machine.
double sgemm_gflops(int64_t n, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(1);
  const auto a = torch::randn({n, n}, gen).to(device);
  const auto b = torch::randn({n, n}, gen).to(device);
  auto c = torch::mm(a, b);
  sync(device);
  const double flop = 2.0 * static_cast<double>(n * n * n);
  int64_t reps = std::max<int64_t>(4, static_cast<int64_t>(2e9 / flop));
  const auto t0 = Clock::now();
  for (int64_t i = 0; i < reps; ++i) torch::mm_out(c, a, b);
  sync(device);
  return flop * static_cast<double>(reps) / seconds_since(t0) / 1e9;
}

// Runs warm_up(w) then work(w) in `workers` threads at one LibTorch thread each, and returns the
// wall time from the moment every thread has warmed up until the last work(w) returns.
double time_in_threads(int64_t workers, const std::function<void(int64_t)>& warm_up,
                       const std::function<void(int64_t)>& work) {
  std::mutex mutex;
  std::condition_variable cv;
  int64_t ready = 0;
  bool go = false;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  const int torch_threads = torch::get_num_threads();
  std::vector<std::thread> threads;
  for (int64_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      try {
        torch::set_num_threads(1);  // per thread under OpenMP
        warm_up(w);
      } catch (...) {
        errors[static_cast<size_t>(w)] = std::current_exception();
      }
      {
        std::unique_lock<std::mutex> lock(mutex);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return go; });
      }
      if (errors[static_cast<size_t>(w)]) return;
      try {
        work(w);
      } catch (...) {
        errors[static_cast<size_t>(w)] = std::current_exception();
      }
    });
  }
  Clock::time_point t0;
  {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return ready == workers; });
    t0 = Clock::now();
    go = true;
    cv.notify_all();
  }
  for (auto& t : threads) t.join();
  const double secs = seconds_since(t0);
  torch::set_num_threads(torch_threads);  // the threads changed the process-wide default
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return secs;
}

Batch sample(const Data& d, int64_t seeds, int64_t batch, torch::Generator& gen,
             const torch::Device& device) {
  const auto idx = torch::randint(0, d.obs.size(0), {seeds * batch}, gen, torch::kInt64).to(device);
  auto pick = [&](const torch::Tensor& t) {
    return t.index_select(0, idx).view({seeds, batch, t.size(1)});
  };
  return {pick(d.obs), pick(d.act), pick(d.rew), pick(d.next_obs), pick(d.not_done)};
}
}  // namespace

nlohmann::json bench_algos(const BenchAlgosOptions& o) {
  const torch::Device device(o.device);
  const auto names = o.algos.empty() ? algorithm_names() : o.algos;
  const Data data = make_dataset(o, device);
  nlohmann::json result = {{"device", device.str()},
                           {"batch", o.batch},
                           {"dataset_rows", o.dataset_rows},
                           {"obs_dim", o.obs_dim},
                           {"act_dim", o.act_dim},
                           {"runs", nlohmann::json::array()},
                           {"search", nlohmann::json::array()}};
  auto gen = at::detail::createCPUGenerator(o.seed);
  nlohmann::json sgemm = nlohmann::json::object();
  for (const int64_t n : {256, 1024}) sgemm[std::to_string(n)] = sgemm_gflops(n, device);
  result["sgemm_gflops"] = sgemm;
  result["blas"] = core::blas_description();  // its kernels set the CPU rates

  const int64_t torch_threads = torch::get_num_threads();
  const int64_t max_workers = device.is_cpu() ? (o.workers > 0 ? o.workers : torch_threads) : 1;
  for (const auto& name : names) {
    for (int64_t seeds : o.seed_counts) {
      std::vector<int64_t> worker_counts{1};
      if (std::min(max_workers, seeds) > 1) worker_counts.push_back(std::min(max_workers, seeds));
      for (const int64_t workers : worker_counts) {
        // one ensemble and its batches per worker, seeds dealt out in contiguous runs
        std::vector<std::unique_ptr<Algorithm>> group_algos;
        std::vector<std::vector<Batch>> group_batches;
        std::vector<uint64_t> all_seeds;
        for (int64_t s = 0; s < seeds; ++s) all_seeds.push_back(o.seed + static_cast<uint64_t>(s));
        for (const auto& part : core::split_evenly(all_seeds, static_cast<size_t>(workers))) {
          const auto size = static_cast<int64_t>(part.size());
          AlgoContext ctx;
          ctx.obs_dim = o.obs_dim;
          ctx.act_dim = o.act_dim;
          ctx.device = device;
          ctx.dataset_name = "halfcheetah-medium-v2";
          ctx.seeds = part;
          ctx.dataset_observations = data.obs;
          ctx.dataset_actions = data.act;
          core::ConfigReader params(nlohmann::json::object(), "bench", "algo.params");
          group_algos.push_back(make_algorithm(name, params, ctx));
          group_batches.emplace_back();
          for (int64_t i = 0; i < 16; ++i) {
            group_batches.back().push_back(sample(data, size, o.batch, gen, device));
          }
        }
        const auto run_updates = [&](int64_t w, int64_t count) {
          auto& algo = *group_algos[static_cast<size_t>(w)];
          const auto& batches = group_batches[static_cast<size_t>(w)];
          for (int64_t i = 0; i < count; ++i) algo.update(batches[static_cast<size_t>(i % 16)]);
        };
        double secs = 0;
        if (workers == 1) {
          run_updates(0, o.warmup);
          sync(device);
          const auto t0 = Clock::now();
          run_updates(0, o.updates);
          sync(device);
          secs = seconds_since(t0);
        } else {
          secs = time_in_threads(
              workers, [&](int64_t w) { run_updates(w, o.warmup); },
              [&](int64_t w) { run_updates(w, o.updates); });
        }
        result["runs"].push_back(
            {{"algo", name},
             {"seeds", seeds},
             {"workers", workers},
             {"updates", o.updates},
             {"seconds", secs},
             {"updates_per_s", static_cast<double>(o.updates) / secs},
             {"seed_updates_per_s", static_cast<double>(o.updates * seeds) / secs},
             {"ms_per_update", 1000.0 * secs / static_cast<double>(o.updates)}});
      }
    }
  }

  // PRDC's search alone: [β·s, a] over the dataset, queries [β·s, a + noise] from the data
  const double beta = 2.0;
  const auto points = torch::cat({data.obs * beta, data.act}, 1);
  const std::vector<NnBackend> backends =
      device.is_cpu() ? std::vector<NnBackend>{NnBackend::kdtree}
                      : std::vector<NnBackend>{NnBackend::kdtree, NnBackend::brute};
  for (auto backend : backends) {
    const auto t0 = Clock::now();
    NearestNeighbor nn(backend == NnBackend::kdtree ? points.cpu() : points, backend, 1);
    sync(device);
    const double build = seconds_since(t0);
    for (int64_t seeds : o.seed_counts) {
      for (const std::string kind : {"near", "far"}) {
        // near: the dataset action + noise, as once π(s) follows the data; far: zero actions, as
        // from an untrained actor, whose neighbour lies far from most of the tree
        std::vector<torch::Tensor> queries;
        for (int64_t i = 0; i < 8; ++i) {
          const auto b = sample(data, seeds, o.batch, gen, device);
          const auto noisy =
              kind == "far" ? torch::zeros_like(b.actions)
                            : (b.actions + 0.1 * torch::randn(b.actions.sizes(), gen).to(device))
                                  .clamp(-1, 1);
          queries.push_back(torch::cat({b.states * beta, noisy}, -1).view({seeds * o.batch, -1}));
        }
        nn.query(queries[0]);
        sync(device);
        const auto t1 = Clock::now();
        for (int64_t i = 0; i < o.search_batches; ++i)
          nn.query(queries[static_cast<size_t>(i % 8)]);
        sync(device);
        const double secs = seconds_since(t1);
        result["search"].push_back(
            {{"backend", to_string(backend)},
             {"queries_kind", kind},
             {"seeds", seeds},
             {"queries", seeds * o.batch},
             {"build_s", build},
             {"ms_per_search", 1000.0 * secs / static_cast<double>(o.search_batches)}});
      }
    }
  }
  return result;
}

std::string format_bench_algos(const nlohmann::json& r) {
  std::ostringstream out;
  char line[256];
  out << "device " << r["device"].get<std::string>() << ", batch " << r["batch"].get<int64_t>()
      << ", obs " << r["obs_dim"].get<int64_t>() << ", act " << r["act_dim"].get<int64_t>()
      << ", dataset rows " << r["dataset_rows"].get<int64_t>() << "\n";
  std::snprintf(line, sizeof line, "%-8s %6s %8s %14s %19s %14s\n", "algo", "seeds", "workers",
                "updates/s", "seed-updates/s", "ms/update");
  out << line;
  for (const auto& run : r["runs"]) {
    std::snprintf(
        line, sizeof line, "%-8s %6lld %8lld %14.1f %19.1f %14.2f\n",
        run["algo"].get<std::string>().c_str(), static_cast<long long>(run["seeds"].get<int64_t>()),
        static_cast<long long>(run["workers"].get<int64_t>()), run["updates_per_s"].get<double>(),
        run["seed_updates_per_s"].get<double>(), run["ms_per_update"].get<double>());
    out << line;
  }
  std::snprintf(line, sizeof line, "%-8s %6s %6s %10s %10s %14s\n", "search", "kind", "seeds",
                "queries", "build s", "ms/search");
  out << line;
  for (const auto& s : r["search"]) {
    std::snprintf(line, sizeof line, "%-8s %6s %6lld %10lld %10.2f %14.2f\n",
                  s["backend"].get<std::string>().c_str(),
                  s["queries_kind"].get<std::string>().c_str(),
                  static_cast<long long>(s["seeds"].get<int64_t>()),
                  static_cast<long long>(s["queries"].get<int64_t>()), s["build_s"].get<double>(),
                  s["ms_per_search"].get<double>());
    out << line;
  }
  return out.str();
}

}  // namespace rlbench::algos
