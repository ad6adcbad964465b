#include <cmath>

#include <doctest/doctest.h>

#include "rlbench/data/dataset.hpp"
#include "rlbench/data/views.hpp"
#include "rlbench/eval/collect.hpp"

using namespace rlbench;

TEST_SUITE_BEGIN("eval");

TEST_CASE("collect writes random rollouts that the loader reads back with D4RL semantics") {
  eval::CollectOptions options;
  options.env = "hopper";
  options.rows = 1500;
  options.seed = 3;
  const auto content = eval::collect(options, eval::uniform_random_policy(3, -1.0, 1.0, 11));
  data::LoadOptions check;
  check.env = "hopper";
  data::write_dataset(data::Dataset::from_content(content, "random.hdf5", check), "random.hdf5");
  const auto ds = data::load_dataset("random.hdf5", check);

  REQUIRE(ds.rows() == 1500);
  REQUIRE(ds.has_next_observations());
  const auto& obs = ds.observations();
  const auto& next = ds.next_observations();
  const auto& qpos = ds.infos().at("qpos");
  const auto& qvel = ds.infos().at("qvel");
  REQUIRE(qpos.is_double());
  const auto& qp = std::get<std::vector<double>>(qpos.values);
  const auto& qv = std::get<std::vector<double>>(qvel.values);
  const auto& lp = std::get<std::vector<float>>(ds.infos().at("action_log_probs").values);

  std::uint64_t terminals = 0;
  for (std::uint64_t i = 0; i < ds.rows(); ++i) {
    // flags are exclusive; random hopper falls long before the time limit
    CHECK_FALSE((ds.terminals()[i] && ds.timeouts()[i]));
    terminals += ds.terminals()[i];
    // qpos/qvel are the state before the action: obs = qpos[1:] ++ clip(qvel, ±10)
    for (int k = 0; k < 5; ++k) CHECK(obs[i * 11 + k] == static_cast<float>(qp[i * 6 + k + 1]));
    for (int k = 0; k < 6; ++k) {
      CHECK(obs[i * 11 + 5 + k] ==
            static_cast<float>(std::fmin(10.0, std::fmax(-10.0, qv[i * 6 + k]))));
    }
    CHECK(lp[i] == doctest::Approx(-3 * std::log(2.0)));
    // within an episode, s' of a row is the next row's s
    if (i + 1 < ds.rows() && !ds.terminals()[i] && !ds.timeouts()[i]) {
      for (int k = 0; k < 11; ++k) CHECK(next[i * 11 + k] == obs[(i + 1) * 11 + k]);
    }
  }
  CHECK(terminals > 10);
  CHECK_FALSE(ds.terminals().back());  // the last episode is cut, not ended
  CHECK(data::transition_count(ds) == 1499);

  // the same seeds give the same bytes of data
  const auto again = eval::collect(options, eval::uniform_random_policy(3, -1.0, 1.0, 11));
  CHECK(again.observations == content.observations);
  CHECK(again.actions == content.actions);
}

TEST_SUITE_END();
