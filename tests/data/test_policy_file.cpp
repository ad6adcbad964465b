#include <filesystem>
#include <limits>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/policy_file.hpp"

#include "data/h5py_like.hpp"
#include "data/policy_fixture.hpp"

using namespace rlbench;
using namespace rlbench::data;
using rlbench::test::test_policy;

namespace {

void check_same_layer(const DenseLayer& a, const DenseLayer& b) {
  CHECK(a.out == b.out);
  CHECK(a.in == b.in);
  CHECK(a.weight == b.weight);  // bit-identical floats
  CHECK(a.bias == b.bias);
}

void check_same(const GaussianMlpPolicy& a, const GaussianMlpPolicy& b) {
  REQUIRE(a.hidden.size() == b.hidden.size());
  for (std::size_t i = 0; i < a.hidden.size(); ++i) check_same_layer(a.hidden[i], b.hidden[i]);
  check_same_layer(a.mean, b.mean);
  check_same_layer(a.log_std, b.log_std);
  CHECK(a.nonlinearity == b.nonlinearity);
  CHECK(a.output_distribution == b.output_distribution);
}

std::string policy_error(const std::map<std::string, MetadataValue>& metadata) {
  try {
    get_policy(metadata, "x.hdf5");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// a 5-row hopper-shaped dataset
DatasetContent tiny_content() {
  DatasetContent c;
  c.rows = 5;
  c.obs_dim = 11;
  c.action_dim = 3;
  c.observations.assign(5 * 11, 0.5F);
  c.actions.assign(5 * 3, -0.25F);
  c.rewards.assign(5, 1.0F);
  c.terminals = {0, 0, 1, 0, 0};
  c.timeouts = {0, 0, 0, 0, 0};
  return c;
}

}  // namespace

TEST_SUITE_BEGIN("data");

TEST_CASE("a policy file round-trips bit for bit, with any number of hidden layers") {
  SUBCASE("three hidden layers of odd widths") {
    const auto p = test_policy(11, {7, 13, 5}, 3);
    write_policy_file("p.hdf5", p, "SAC", 42);
    check_same(read_policy_file("p.hdf5"), p);
    const auto stored = read_stored_policy("p.hdf5");
    CHECK(stored.algorithm == std::optional<std::string>("SAC"));
    CHECK(stored.iteration == std::optional<std::int64_t>(42));
  }
  SUBCASE("eleven hidden layers: fc10 comes after fc9, not after fc1") {
    const auto p = test_policy(4, {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2);
    write_policy_file("deep.hdf5", p, "SAC", 0);
    const auto q = read_policy_file("deep.hdf5");
    REQUIRE(q.hidden.size() == 11);
    CHECK(q.hidden[10].out == 12);
    check_same(q, p);
  }
  // no temporary siblings are left behind
  for (const auto& e : std::filesystem::directory_iterator(".")) {
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
  }
}

TEST_CASE("a policy inside a dataset survives write_dataset and load_dataset") {
  const auto p = test_policy(11, {9, 5}, 3);
  auto c = tiny_content();
  c.metadata["algorithm"] = std::string("SAC");
  c.metadata["iteration"] = std::int32_t{17};
  put_policy(c.metadata, p);
  // a second put replaces every key of the first (no stale fc<k> of a deeper policy)
  put_policy(c.metadata, test_policy(11, {4, 4, 4}, 3));
  put_policy(c.metadata, p);
  CHECK(c.metadata.count("policy/fc2/weight") == 0);
  write_dataset(Dataset::from_content(c, "d.hdf5"), "d.hdf5");

  const auto d = load_dataset("d.hdf5");
  const auto q = get_policy(d.metadata(), "d.hdf5");
  REQUIRE(q.has_value());
  check_same(*q, p);
  check_same(read_policy_file("d.hdf5"), p);
  const auto stored = read_stored_policy("d.hdf5");
  CHECK(stored.algorithm == std::optional<std::string>("SAC"));
  CHECK(stored.iteration == std::optional<std::int64_t>(17));

  // no policy keys at all: nullopt from the map, an error from the file reader
  CHECK_FALSE(get_policy(tiny_content().metadata, "e.hdf5").has_value());
  write_dataset(Dataset::from_content(tiny_content(), "e.hdf5"), "e.hdf5");
  CHECK(error_of([] { read_policy_file("e.hdf5"); }) ==
        "e.hdf5: metadata/policy: expected a stored policy (fc0, ..., last_fc, last_fc_log_std), "
        "got no such group");
}

TEST_CASE("the reader takes h5py's encodings: str or bytes scalars, float32 or float64 arrays") {
  const auto p = test_policy(11, {6, 6}, 3);
  for (const bool float64 : {false, true}) {
    {
      rlbench::test::H5pyLikeFile f("h5py.hdf5");
      // a row array that read_policy_file must not need
      f.f32("observations", std::vector<float>(2 * 11, 1.0F), {2, 11});
      rlbench::test::write_h5py_policy(f, p, float64);
    }
    const auto stored = read_stored_policy("h5py.hdf5");
    check_same(stored.policy, p);  // float32 values survive a float64 round trip exactly
    CHECK(stored.algorithm == std::optional<std::string>("SAC"));
    CHECK(stored.iteration == std::optional<std::int64_t>(1234));
  }
}

TEST_CASE("malformed policies get one line naming the key, expected and found") {
  std::map<std::string, MetadataValue> m;
  put_policy(m, test_policy(11, {7, 13, 5}, 3));
  REQUIRE(policy_error(m) == "no error");

  SUBCASE("missing log-std head") {
    m.erase("policy/last_fc_log_std/weight");
    m.erase("policy/last_fc_log_std/bias");
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/last_fc_log_std/weight: expected a float array of shape "
          "(out, in), got no such key");
  }
  SUBCASE("a gap in the hidden layers") {
    m.erase("policy/fc1/weight");
    m.erase("policy/fc1/bias");
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/fc1: expected hidden layers fc0 to fc2 without gaps, got no "
          "such layer");
  }
  SUBCASE("a layer that does not read its predecessor's width") {
    auto p = test_policy(11, {7, 13, 5}, 3);
    p.hidden[1] = rlbench::test::test_layer(6, 13, 0.3F, 0.0F);
    put_policy(m, p);
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/fc1: expected input width 7 (fc0's output width), got 6");
  }
  SUBCASE("heads of different widths") {
    auto p = test_policy(11, {7}, 3);
    p.log_std = rlbench::test::test_layer(7, 4, 0.3F, 0.0F);
    put_policy(m, p);
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/last_fc_log_std: expected output width 3 (like last_fc), got 4");
  }
  SUBCASE("a bias that does not match the weight") {
    m["policy/fc0/bias"] = NumericArray{{6}, std::vector<float>(6, 0.0F)};
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/fc0/bias: expected shape (7,) like the weight's rows, got "
          "shape (6,)");
  }
  SUBCASE("wrong nonlinearity") {
    m["policy/nonlinearity"] = std::string("tanh");
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/nonlinearity: expected \"relu\", got \"tanh\"");
  }
  SUBCASE("wrong output distribution") {
    m["policy/output_distribution"] = std::string("gaussian");
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/output_distribution: expected \"tanh_gaussian\", got "
          "\"gaussian\"");
  }
  SUBCASE("nonlinearity stored as a number") {
    m["policy/nonlinearity"] = 1.0;
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/nonlinearity: expected a byte string \"relu\", got a numeric "
          "scalar");
  }
  SUBCASE("a key outside the layout") {
    m["policy/fc0/gain"] = 1.0;
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/fc0/gain: expected only fc<k>, last_fc and last_fc_log_std "
          "weights and biases, nonlinearity and output_distribution, got an unexpected key");
  }
  SUBCASE("a non-finite weight") {
    auto& w = std::get<std::vector<float>>(std::get<NumericArray>(m["policy/fc1/weight"]).values);
    w[7 * 2 + 3] = std::numeric_limits<float>::quiet_NaN();
    CHECK(policy_error(m) ==
          "x.hdf5: metadata/policy/fc1/weight: expected finite values, got nan at (2, 3)");
  }
}

TEST_CASE("file-level errors: missing file, invalid policy not written, env dims") {
  CHECK(error_of([] { read_policy_file("nope.hdf5"); }) ==
        "nope.hdf5: no such file: expected an existing HDF5 file, got nothing at this path");

  auto bad = test_policy(11, {7}, 3);
  bad.nonlinearity = "tanh";
  CHECK(error_of([&] { write_policy_file("bad.hdf5", bad, "SAC", 1); }) ==
        "bad.hdf5: metadata/policy/nonlinearity: expected \"relu\", got \"tanh\"");
  CHECK_FALSE(std::filesystem::exists("bad.hdf5"));

  const auto p = test_policy(17, {8}, 6);
  CHECK(error_of([&] { check_policy_dims(p, "p.hdf5", "hopper", 11, 3); }) ==
        "p.hdf5: metadata/policy/fc0: expected input width 11 (hopper observations), got 17");
  CHECK(error_of([&] { check_policy_dims(p, "p.hdf5", "walker2d", 17, 3); }) ==
        "p.hdf5: metadata/policy/last_fc: expected output width 3 (walker2d actions), got 6");
  CHECK(error_of([&] { check_policy_dims(p, "p.hdf5", "walker2d", 17, 6); }) == "no error");
}
