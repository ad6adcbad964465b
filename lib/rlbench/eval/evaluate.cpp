#include "rlbench/eval/evaluate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "rlbench/core/error.hpp"
#include "rlbench/envs/registry.hpp"

namespace rlbench::eval {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A fixed set of worker threads that run one job over [0, n) at a time, split into contiguous
// chunks; the calling thread takes the first chunk. run() returns when every chunk is done.
class StepPool {
 public:
  explicit StepPool(int threads) {
    for (int t = 1; t < threads; ++t) m_workers.emplace_back([this, t] { work(t); });
    m_threads = threads;
  }
  StepPool(const StepPool&) = delete;
  StepPool& operator=(const StepPool&) = delete;
  ~StepPool() {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    for (auto& w : m_workers) w.join();
  }

  void run(int n, const std::function<void(int begin, int end)>& job) {
    if (m_workers.empty() || n <= 1) {
      job(0, n);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_job = &job;
      m_n = n;
      m_pending = static_cast<int>(m_workers.size());
      ++m_generation;
    }
    m_wake.notify_all();
    run_chunk(0);
    std::unique_lock<std::mutex> lock(m_mutex);
    m_done.wait(lock, [this] { return m_pending == 0; });
  }

 private:
  void run_chunk(int t) {
    const int begin = m_n * t / m_threads;
    const int end = m_n * (t + 1) / m_threads;
    if (begin < end) (*m_job)(begin, end);
  }

  void work(int t) {
    std::uint64_t seen = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
        if (m_stop) return;
        seen = m_generation;
      }
      run_chunk(t);
      {
        std::lock_guard<std::mutex> lock(m_mutex);
        --m_pending;
      }
      m_done.notify_one();
    }
  }

  std::vector<std::thread> m_workers;
  int m_threads = 1;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_done;
  const std::function<void(int, int)>* m_job = nullptr;
  int m_n = 0;
  int m_pending = 0;
  std::uint64_t m_generation = 0;
  bool m_stop = false;
};

}  // namespace

std::uint64_t episode_seed(std::uint64_t run_seed, int episode) {
  return splitmix64(splitmix64(run_seed + 100) ^ static_cast<std::uint64_t>(episode));
}

void summarize(EvalReport& r) {
  const auto n = static_cast<double>(r.returns.size());
  if (r.returns.empty()) throw Error("evaluation: no episodes to summarize");
  double sum = 0.0;
  for (double x : r.returns) sum += x;
  r.return_mean = sum / n;
  double sq = 0.0;
  for (double x : r.returns) sq += (x - r.return_mean) * (x - r.return_mean);
  r.return_std = std::sqrt(sq / n);
  if (r.ref) {
    r.normalized_mean_x100 = 100.0 * data::normalized_score(*r.ref, r.return_mean);
    r.normalized_std_x100 = 100.0 * r.return_std / (r.ref->ref_max - r.ref->ref_min);
  } else {
    r.normalized_mean_x100.reset();
    r.normalized_std_x100.reset();
  }
}

EvalReport evaluate(const std::string& env_or_dataset, const BatchPolicy& policy,
                    const EvalOptions& options) {
  const std::string id = envs::resolve_env(env_or_dataset);
  return evaluate([&id](std::uint64_t seed) { return envs::make_env(id, seed); }, env_or_dataset,
                  policy, options);
}

EvalReport evaluate(const EnvFactory& make, const std::string& reference, const BatchPolicy& policy,
                    const EvalOptions& options) {
  if (options.episodes < 1) {
    throw UsageError(
        error_message("evaluation", "episodes", ">= 1", std::to_string(options.episodes)));
  }
  if (options.threads < 0) {
    throw UsageError(
        error_message("evaluation", "threads", ">= 0", std::to_string(options.threads)));
  }
  const auto start = std::chrono::steady_clock::now();
  EvalReport report;
  report.seed = options.seed;

  const int n = options.episodes;
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, std::min(threads, n));
  report.threads = threads;

  std::vector<std::unique_ptr<envs::Env>> envs;
  for (int i = 0; i < n; ++i) {
    report.episode_seeds.push_back(episode_seed(options.seed, i));
    envs.push_back(make(report.episode_seeds.back()));
  }
  report.env = envs[0]->spec().id;
  report.reference = !options.reference.empty() ? options.reference
                     : !reference.empty()       ? reference
                                                : report.env;
  report.ref = data::reference_scores(report.reference);
  const int obs_dim = envs[0]->obs_dim();
  const int act_dim = envs[0]->act_dim();
  report.returns.assign(n, 0.0);
  report.lengths.assign(n, 0);

  // obs[k] / act[k]: row k of the batch holds live episode live[k]
  std::vector<double> obs(static_cast<std::size_t>(n) * obs_dim);
  std::vector<double> act(static_cast<std::size_t>(n) * act_dim);
  std::vector<int> live(n);
  for (int i = 0; i < n; ++i) {
    live[i] = i;
    envs[i]->reset(obs.data() + static_cast<std::size_t>(i) * obs_dim);
  }
  std::vector<char> ended(n, 0);
  std::vector<char> terminated(n, 0);  // not vector<bool>: threads write neighbouring entries
  std::vector<std::exception_ptr> errors(n);

  StepPool pool(threads);
  while (!live.empty()) {
    const int batch = static_cast<int>(live.size());
    policy(PolicyCall{obs.data(), act.data(), batch, obs_dim, act_dim, options.deterministic});
    pool.run(batch, [&](int begin, int end) {
      for (int k = begin; k < end; ++k) {
        const int i = live[k];
        try {
          const auto r = envs[i]->step(act.data() + static_cast<std::size_t>(k) * act_dim,
                                       obs.data() + static_cast<std::size_t>(k) * obs_dim);
          report.returns[i] += r.reward;
          ++report.lengths[i];
          terminated[i] = r.terminated;
          ended[i] = r.terminated || r.truncated;
        } catch (...) {
          errors[i] = std::current_exception();
          ended[i] = 1;
        }
      }
    });
    // the lowest failing episode reports, whatever the thread count
    for (int i : live) {
      if (errors[i]) std::rethrow_exception(errors[i]);
    }
    // compact the live rows, keeping episode order
    int kept = 0;
    for (int k = 0; k < batch; ++k) {
      if (ended[live[k]]) continue;
      if (kept != k) {
        std::copy_n(obs.data() + static_cast<std::size_t>(k) * obs_dim, obs_dim,
                    obs.data() + static_cast<std::size_t>(kept) * obs_dim);
      }
      live[kept++] = live[k];
    }
    live.resize(kept);
  }

  report.terminated.assign(terminated.begin(), terminated.end());
  summarize(report);
  report.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

nlohmann::json to_json(const EvalReport& r) {
  nlohmann::json j;
  j["env"] = r.env;
  j["seed"] = r.seed;
  j["episodes"] = r.returns.size();
  j["episode_seeds"] = r.episode_seeds;
  j["returns"] = r.returns;
  j["lengths"] = r.lengths;
  std::vector<int> terminated(r.terminated.begin(), r.terminated.end());
  j["terminated"] = terminated;
  j["return_mean"] = r.return_mean;
  j["return_std"] = r.return_std;
  j["reference"] = r.reference;
  if (r.ref) {
    j["ref_min"] = r.ref->ref_min;
    j["ref_max"] = r.ref->ref_max;
    j["normalized_score_mean_x100"] = *r.normalized_mean_x100;
    j["normalized_score_std_x100"] = *r.normalized_std_x100;
  } else {
    j["normalized_score_mean_x100"] = nullptr;
    j["normalized_score_std_x100"] = nullptr;
  }
  j["wall_seconds"] = r.wall_seconds;
  j["threads"] = r.threads;
  return j;
}

}  // namespace rlbench::eval
