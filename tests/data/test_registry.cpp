#include <doctest/doctest.h>

#include "rlbench/data/registry.hpp"

using namespace rlbench::data;

TEST_SUITE_BEGIN("data");

TEST_CASE("D4RL task ids resolve to D4RL file names") {
  const auto e = find_dataset("hopper-medium-replay-v2");
  REQUIRE(e);
  CHECK(e->file_name == "hopper_medium_replay-v2.hdf5");
  CHECK(e->url_path == "gym_mujoco_v2/hopper_medium_replay-v2.hdf5");
  CHECK(e->env == "hopper");
  CHECK(e->bytes == 75854457);
  CHECK(e->sha256 == "e121c5f7c9857a307baa9edc6a2c3b48e85fedb9ac316ecddd0f48ca7ef4e39b");
  CHECK(find_dataset("walker2d-medium-replay-v0")->file_name == "walker_mixed.hdf5");
  CHECK(find_dataset("halfcheetah-medium-v0")->file_name == "halfcheetah_medium.hdf5");
  CHECK(find_dataset("ant-full-replay-v1")->file_name == "ant_full_replay-v1.hdf5");
  CHECK(find_dataset("antmaze-medium-play-v2")->file_name ==
        "Ant_maze_big-maze_noisy_multistart_True_multigoal_False_sparse_fixed.hdf5");
  CHECK(find_dataset("maze2d-large-dense-v1")->file_name == "maze2d-large-dense-v1.hdf5");
  CHECK_FALSE(find_dataset("hopper-medium-v3"));
}

TEST_CASE("normalized scores use d4rl's reference returns") {
  // worked check from the spec: a return of 1000 scores, x100
  CHECK(100 * normalized_score(*reference_scores("hopper-medium-v2"), 1000) ==
        doctest::Approx(31.349).epsilon(1e-4));
  CHECK(100 * normalized_score(*reference_scores("halfcheetah-medium-v2"), 1000) ==
        doctest::Approx(10.311).epsilon(1e-4));
  CHECK(100 * normalized_score(*reference_scores("walker2d-medium-v2"), 1000) ==
        doctest::Approx(21.748).epsilon(1e-4));
  CHECK(100 * normalized_score(*reference_scores("ant-medium-v2"), 1000) ==
        doctest::Approx(31.522).epsilon(1e-4));
  CHECK(normalized_score(*reference_scores("antmaze-umaze-v2"), 0.7) == doctest::Approx(0.7));
  CHECK_FALSE(reference_scores("ant-random-expert-v0"));
}

TEST_SUITE_END();
