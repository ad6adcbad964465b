#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "rlbench/data/dataset.hpp"
#include "rlbench/data/summary.hpp"

#include "data/h5py_like.hpp"

using namespace rlbench::data;
using rlbench::test::FixtureSpec;
using rlbench::test::write_fixture;

TEST_SUITE_BEGIN("data");

TEST_CASE("summarize counts rows, transitions, episodes and scores") {
  write_fixture("s.hdf5");
  const auto j = summarize(load_dataset("s.hdf5"), "s", "hopper", "hopper-medium-v2");
  CHECK(j["rows"] == 10);
  CHECK(j["transitions"] == 8);
  CHECK(j["episodes"] == 3);
  CHECK(j["episodes_complete"] == 2);
  CHECK(j["episodes_truncated"] == 1);
  CHECK(j["truncated_episode"]["rows"] == 3);
  CHECK(j["terminals"] == 1);
  CHECK(j["timeouts"] == 1);
  CHECK(j["returns"]["mean"] == 14.0);
  CHECK(j["returns"]["std"] == 8.0);
  CHECK(j["normalized_score_x100"]["max"].get<double>() ==
        doctest::Approx(100 * (22 + 20.272305) / 3254.572305));
  CHECK(j["action_min"][2].get<double>() == doctest::Approx(-0.48));
  CHECK(j["metadata"]["algorithm"] == "SAC");
  CHECK_FALSE(j.contains("ant_contact_forces_zero"));
}

TEST_CASE("ant files: the contact-force columns are reported") {
  FixtureSpec spec;
  spec.obs_dim = 111;
  spec.action_dim = 8;
  write_fixture("ant_nonzero.hdf5", spec);
  CHECK(summarize(load_dataset("ant_nonzero.hdf5"), "a", "ant", "ant")["ant_contact_forces_zero"] ==
        false);
  write_fixture("ant_zero.hdf5", spec, [](auto& obs, auto&, auto&, auto&) {
    for (std::size_t i = 0; i < obs.size(); ++i) {
      if (i % 111 >= 27) obs[i] = 0.0F;
    }
  });
  CHECK(summarize(load_dataset("ant_zero.hdf5"), "a", "ant", "ant")["ant_contact_forces_zero"] ==
        true);
}

TEST_SUITE_END();
