#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "rlbench/core/error.hpp"
#include "rlbench/data/dataset.hpp"
#include "rlbench/data/views.hpp"

#include "data/h5py_like.hpp"

using namespace rlbench;
using namespace rlbench::data;
using rlbench::test::fixture_action;
using rlbench::test::fixture_obs;
using rlbench::test::FixtureSpec;
using rlbench::test::write_fixture;

namespace {

const KeyInfo* find_key(const Dataset& d, const std::string& key) {
  for (const auto& k : d.keys()) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

std::string load_error(const std::string& path, const LoadOptions& options = {}) {
  try {
    load_dataset(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

LoadOptions for_env(const std::string& env) {
  LoadOptions o;
  o.env = env;
  return o;
}

template <typename T>
const T& meta(const Dataset& d, const std::string& key) {
  return std::get<T>(d.metadata().at(key));
}

}  // namespace

TEST_SUITE_BEGIN("data");

TEST_CASE("the loader reads an h5py-style v2 file with every key") {
  write_fixture("v2.hdf5");
  const Dataset d = load_dataset("v2.hdf5", for_env("hopper"));

  CHECK(d.rows() == 10);
  CHECK(d.obs_dim() == 11);
  CHECK(d.action_dim() == 3);
  CHECK(d.observations()[5 * 11 + 7] == fixture_obs(5, 7));
  CHECK(d.actions()[9 * 3 + 2] == fixture_action(9, 2));
  CHECK(d.rewards()[3] == 4.0F);
  CHECK(d.terminals() == std::vector<std::uint8_t>{0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  CHECK(d.timeouts() == std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 1, 0, 0, 0});
  REQUIRE(d.has_next_observations());
  CHECK(d.next_observations()[4 * 11] == fixture_obs(4, 0) + 0.5F);

  SUBCASE("infos keep their float width: qpos and qvel float64") {
    const auto& qpos = d.infos().at("qpos");
    REQUIRE(qpos.is_double());
    CHECK(qpos.shape == std::vector<std::uint64_t>{10, 6});
    CHECK(std::get<std::vector<double>>(qpos.values)[7] == 0.1 * 7 + 1e-12);
    CHECK(d.infos().at("qvel").is_double());
    CHECK_FALSE(d.infos().at("action_log_probs").is_double());
  }

  SUBCASE("metadata scalars and policy arrays") {
    CHECK(meta<std::string>(d, "algorithm") == "SAC");
    CHECK(meta<std::int32_t>(d, "iteration") == 7);
    CHECK(meta<std::string>(d, "policy/nonlinearity") == "relu");
    CHECK(meta<std::string>(d, "policy/output_distribution") == "tanh_gaussian");
    CHECK(meta<std::int64_t>(d, "seed") == 123456789012LL);
    CHECK(meta<double>(d, "temperature") == 0.125);
    const auto& w = meta<NumericArray>(d, "policy/fc0/weight");
    CHECK(w.shape == std::vector<std::uint64_t>{4, 11});
    CHECK(std::get<std::vector<float>>(w.values)[43] == 0.25F * 43);
  }

  SUBCASE("on-disk dtypes are recorded per key") {
    CHECK(find_key(d, "terminals")->dtype == "bool");
    CHECK(find_key(d, "timeouts")->dtype == "bool");
    CHECK(find_key(d, "observations")->dtype == "float32");
    CHECK(find_key(d, "infos/qpos")->dtype == "float64");
    CHECK(find_key(d, "metadata/algorithm")->dtype == "bytes3");
    CHECK(find_key(d, "metadata/policy/nonlinearity")->dtype == "str");
    CHECK(find_key(d, "metadata/iteration")->dtype == "int32");
    CHECK(find_key(d, "metadata/iteration")->shape.empty());
    CHECK(find_key(d, "rewards")->shape == std::vector<std::uint64_t>{10});
  }
}

TEST_CASE("the loader accepts the dtype variants of older files") {
  SUBCASE("uint8 flags") {
    FixtureSpec spec;
    spec.flags = FixtureSpec::Flags::uint8;
    write_fixture("u8.hdf5", spec);
    const Dataset d = load_dataset("u8.hdf5");
    CHECK(d.terminals()[2] == 1);
    CHECK(d.timeouts()[6] == 1);
    CHECK(find_key(d, "terminals")->dtype == "uint8");
  }
  SUBCASE("int8 flags") {
    FixtureSpec spec;
    spec.flags = FixtureSpec::Flags::int8;
    write_fixture("i8.hdf5", spec);
    const Dataset d = load_dataset("i8.hdf5");
    CHECK(d.terminals()[2] == 1);
    CHECK(find_key(d, "timeouts")->dtype == "int8");
  }
  SUBCASE("float64 observations (pre-July-2021 files)") {
    FixtureSpec spec;
    spec.obs_float64 = true;
    write_fixture("f64.hdf5", spec);
    const Dataset d = load_dataset("f64.hdf5");
    CHECK(find_key(d, "observations")->dtype == "float64");
    CHECK(d.observations()[3 * 11 + 4] == fixture_obs(3, 4));
  }
  SUBCASE("rewards of shape (N, 1)") {
    FixtureSpec spec;
    spec.rewards_column = true;
    write_fixture("col.hdf5", spec);
    const Dataset d = load_dataset("col.hdf5");
    CHECK(d.rewards().size() == 10);
    CHECK(d.rewards()[9] == 10.0F);
    CHECK(find_key(d, "rewards")->shape == std::vector<std::uint64_t>{10, 1});
  }
  SUBCASE("a file with only the required keys") {
    FixtureSpec spec;
    spec.with_timeouts = spec.with_infos = spec.with_metadata = false;
    spec.with_next_observations = false;
    write_fixture("min.hdf5", spec);
    const Dataset d = load_dataset("min.hdf5");
    CHECK_FALSE(d.has_timeouts());
    CHECK_FALSE(d.has_next_observations());
    CHECK(d.keys().size() == 4);
  }
}

TEST_CASE("the qlearning view follows d4rl.qlearning_dataset exactly") {
  write_fixture("q.hdf5");
  const Dataset d = load_dataset("q.hdf5");
  const Transitions t = make_transitions(d);

  // Nq = N - 1 - #timeouts in rows 0..N-2; row 6 is a timeout, row 9 is never emitted
  CHECK(t.size == 10 - 1 - 1);
  CHECK(transition_count(d) == t.size);
  CHECK(t.source_rows == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 7, 8});
  for (std::uint64_t k = 0; k < t.size; ++k) {
    const std::uint64_t i = t.source_rows[k];
    CAPTURE(i);
    for (std::uint64_t c = 0; c < 11; ++c) {
      CHECK(t.observations[k * 11 + c] == fixture_obs(i, c));
      CHECK(t.next_observations[k * 11 + c] == fixture_obs(i + 1, c));  // s' = obs[i+1]
    }
    CHECK(t.actions[k * 3 + 1] == fixture_action(i, 1));
    CHECK(t.rewards[k] == static_cast<float>(i + 1));
    CHECK(t.terminals[k] == (i == 2 ? 1.0F : 0.0F));  // the terminal row is kept, done = 1
    CHECK(t.truncated[k] == 0);
  }
}

TEST_CASE("a timeout on the last row and a one-row dataset") {
  FixtureSpec spec;
  spec.timeouts = {0, 0, 0, 0, 0, 0, 1, 0, 0, 1};  // row 9 is never emitted anyway
  write_fixture("last.hdf5", spec);
  CHECK(transition_count(load_dataset("last.hdf5")) == 8);

  FixtureSpec one;
  one.rows = 1;
  one.terminals = {1};
  one.timeouts = {0};
  write_fixture("one.hdf5", one);
  const Dataset d = load_dataset("one.hdf5");
  CHECK(make_transitions(d).size == 0);
  CHECK(split_episodes(d).size() == 1);
}

TEST_CASE("without timeouts the qlearning view uses d4rl's step counter") {
  FixtureSpec spec;
  spec.with_timeouts = false;
  write_fixture("v0.hdf5", spec);
  const Dataset d = load_dataset("v0.hdf5");
  // with a limit of 4 steps d4rl drops row 5: its counter restarts at 0 on the terminal row 2
  // and is incremented there, so rows 3, 4, 5 count 1, 2, 3
  const Transitions t = make_transitions(d, {TransitionView::qlearning, 4});
  CHECK(t.source_rows == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 6, 7, 8});
  CHECK(make_transitions(d, {TransitionView::qlearning, 1000}).size == 9);
}

TEST_CASE("the transitions view uses next_observations and keeps every row") {
  write_fixture("t.hdf5");
  const Dataset d = load_dataset("t.hdf5");
  const Transitions t = make_transitions(d, {TransitionView::transitions, 1000});
  REQUIRE(t.size == 10);
  for (std::uint64_t i = 0; i < 10; ++i) {
    CHECK(t.next_observations[i * 11 + 3] == fixture_obs(i, 3) + 0.5F);
    CHECK(t.terminals[i] == (i == 2 ? 1.0F : 0.0F));
    CHECK(t.truncated[i] == (i == 6 || i == 9 ? 1 : 0));  // the timeout and the final row
  }
  CHECK(parse_view("transitions") == TransitionView::transitions);
  CHECK_THROWS_WITH_AS(parse_view("transition"),
                       "dataset view: unknown view \"transition\" (did you mean \"transitions\"?): "
                       "expected qlearning or transitions",
                       UsageError);

  FixtureSpec spec;
  spec.with_next_observations = false;
  write_fixture("nonext.hdf5", spec);
  CHECK_THROWS_WITH(
      make_transitions(load_dataset("nonext.hdf5"), {TransitionView::transitions, 1000}),
      "nonext.hdf5: next_observations: expected a dataset (the transitions view "
      "reads s' from it), got no such key");
}

TEST_CASE("episodes split at terminals and timeouts; the unflagged tail is truncated") {
  write_fixture("e.hdf5");
  const auto episodes = split_episodes(load_dataset("e.hdf5"));
  REQUIRE(episodes.size() == 3);
  CHECK(episodes[0].begin == 0);
  CHECK(episodes[0].end == 3);
  CHECK(episodes[0].ending == EpisodeEnd::terminal);
  CHECK(episodes[0].episode_return == 1 + 2 + 3);
  CHECK(episodes[1].length() == 4);
  CHECK(episodes[1].ending == EpisodeEnd::timeout);
  CHECK(episodes[1].episode_return == 4 + 5 + 6 + 7);
  CHECK(episodes[2].begin == 7);
  CHECK(episodes[2].end == 10);
  CHECK(episodes[2].truncated());
  CHECK(episodes[2].episode_return == 8 + 9 + 10);

  // a file ending on a flag has no truncated episode
  FixtureSpec spec;
  spec.terminals = {0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
  write_fixture("e2.hdf5", spec);
  const auto closed = split_episodes(load_dataset("e2.hdf5"));
  REQUIRE(closed.size() == 3);
  CHECK_FALSE(closed.back().truncated());
}

TEST_CASE("bad input gets one line naming the file, the key, expected and found") {
  SUBCASE("missing file") {
    CHECK(load_error("nope.hdf5") ==
          "nope.hdf5: no such file: expected an existing HDF5 file, got nothing at this path");
  }
  SUBCASE("not HDF5") {
    std::ofstream("text.hdf5") << "hello, not hdf5\n";
    CHECK(load_error("text.hdf5") ==
          "text.hdf5: not an HDF5 file: expected the HDF5 signature, got a file of 16 bytes "
          "without it");
  }
  SUBCASE("truncated HDF5 file") {
    write_fixture("whole.hdf5");
    std::ifstream in("whole.hdf5", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream("half.hdf5", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    CHECK(load_error("half.hdf5") ==
          "half.hdf5: cannot open: expected a complete HDF5 file, got one that HDF5 cannot open "
          "(truncated or damaged)");
  }
  SUBCASE("missing key") {
    FixtureSpec spec;
    spec.with_rewards = false;
    write_fixture("norew.hdf5", spec);
    CHECK(load_error("norew.hdf5") ==
          "norew.hdf5: rewards: expected float32 or float64 of shape (10,) or (10, 1), got no "
          "such key");
  }
  SUBCASE("inconsistent lengths") {
    FixtureSpec spec;
    spec.action_rows = 9;
    write_fixture("len.hdf5", spec);
    CHECK(load_error("len.hdf5") ==
          "len.hdf5: actions: expected 10 rows like observations, got 9 (shape (9, 3))");
  }
  SUBCASE("dims that do not match the env") {
    FixtureSpec spec;
    spec.obs_dim = 17;
    spec.action_dim = 6;
    write_fixture("dims.hdf5", spec);
    CHECK(load_error("dims.hdf5", for_env("hopper")) ==
          "dims.hdf5: observations: expected shape (N, 11) for env hopper, got (10, 17)");
    CHECK(load_error("dims.hdf5", for_env("halfcheetah")) == "no error");
    CHECK(load_error("dims.hdf5", for_env("ant")) ==
          "dims.hdf5: observations: expected shape (N, 111) for env ant, got (10, 17)");
  }
  SUBCASE("NaN and inf") {
    write_fixture("nan.hdf5", {}, [](auto& obs, auto&, auto&, auto&) {
      obs[4 * 11 + 2] = std::numeric_limits<float>::quiet_NaN();
    });
    CHECK(load_error("nan.hdf5") ==
          "nan.hdf5: observations: expected finite values, got nan at row 4, column 2");
    write_fixture("inf.hdf5", {}, [](auto&, auto&, auto& rewards, auto&) {
      rewards[8] = -std::numeric_limits<float>::infinity();
    });
    CHECK(load_error("inf.hdf5") ==
          "inf.hdf5: rewards: expected finite values, got -inf at row 8, column 0");
  }
  SUBCASE("actions outside [-1, 1]") {
    write_fixture("act.hdf5", {},
                  [](auto&, auto& actions, auto&, auto&) { actions[7 * 3 + 1] = 1.5F; });
    CHECK(load_error("act.hdf5") ==
          "act.hdf5: actions: expected values in [-1, 1] (tolerance 1e-05), got 1.5 at row 7, "
          "column 1");
    // within the tolerance: float32 rounding of a clipped action
    write_fixture("act_ok.hdf5", {},
                  [](auto&, auto& actions, auto&, auto&) { actions[0] = -1.000004F; });
    CHECK(load_error("act_ok.hdf5") == "no error");
    LoadOptions lenient;
    lenient.check_action_range = false;
    CHECK(load_error("act.hdf5", lenient) == "no error");
  }
  SUBCASE("flags other than 0 and 1") {
    FixtureSpec spec;
    spec.flags = FixtureSpec::Flags::uint8;
    spec.terminals[3] = 2;
    write_fixture("flag.hdf5", spec);
    CHECK(load_error("flag.hdf5") == "flag.hdf5: terminals: expected flags 0 or 1, got 2 at row 3");
  }
}

TEST_CASE("the writer round-trips a file: same arrays, dtypes as h5py writes them") {
  write_fixture("src.hdf5");
  const Dataset a = load_dataset("src.hdf5");
  write_dataset(a, "roundtrip/copy.hdf5");
  const Dataset b = load_dataset("roundtrip/copy.hdf5");

  CHECK(b.observations() == a.observations());
  CHECK(b.actions() == a.actions());
  CHECK(b.rewards() == a.rewards());
  CHECK(b.terminals() == a.terminals());
  CHECK(b.timeouts() == a.timeouts());
  CHECK(b.next_observations() == a.next_observations());
  CHECK(std::get<std::vector<double>>(b.infos().at("qpos").values) ==
        std::get<std::vector<double>>(a.infos().at("qpos").values));
  CHECK(b.infos().at("action_log_probs").values == a.infos().at("action_log_probs").values);
  CHECK(meta<std::string>(b, "algorithm") == "SAC");
  CHECK(meta<std::int32_t>(b, "iteration") == 7);
  CHECK(meta<std::int64_t>(b, "seed") == 123456789012LL);
  CHECK(meta<double>(b, "temperature") == 0.125);
  CHECK(meta<NumericArray>(b, "policy/fc0/weight").values ==
        meta<NumericArray>(a, "policy/fc0/weight").values);

  // the same key set; dtypes as h5py stores numpy data (str metadata becomes bytes)
  REQUIRE(b.keys().size() == a.keys().size());
  for (std::size_t i = 0; i < a.keys().size(); ++i) {
    CAPTURE(a.keys()[i].key);
    CHECK(b.keys()[i].key == a.keys()[i].key);
    CHECK(b.keys()[i].shape == a.keys()[i].shape);
    if (a.keys()[i].key != "metadata/policy/nonlinearity") {
      CHECK(b.keys()[i].dtype == a.keys()[i].dtype);
    }
  }
  CHECK(find_key(b, "metadata/policy/nonlinearity")->dtype == "bytes4");
  CHECK(find_key(b, "terminals")->dtype == "bool");
  CHECK(find_key(b, "infos/qvel")->dtype == "float64");
  // keys() of an in-memory dataset predict what the writer stores
  const Dataset c = Dataset::from_content(b.content(), "memory");
  for (std::size_t i = 0; i < b.keys().size(); ++i) {
    CHECK(c.keys()[i].key == b.keys()[i].key);
    CHECK(c.keys()[i].dtype == b.keys()[i].dtype);
  }

  // no temporary file is left next to the result
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator("roundtrip")) {
    CHECK(entry.path().filename() == "copy.hdf5");
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("a compacted file keeps what the qlearning view reads and drops the rest") {
  write_fixture("full.hdf5");
  const Dataset a = load_dataset("full.hdf5");
  write_dataset(compact_dataset(a), "compact.hdf5", k_compact_write);
  const Dataset b = load_dataset("compact.hdf5");

  for (const auto& key : k_compact_dropped_keys) CHECK(find_key(b, key) == nullptr);
  CHECK_FALSE(b.has_next_observations());
  CHECK(b.infos().count("qpos") == 0);
  CHECK(b.infos().at("action_log_probs").values == a.infos().at("action_log_probs").values);
  CHECK(meta<NumericArray>(b, "policy/fc0/weight").values ==
        meta<NumericArray>(a, "policy/fc0/weight").values);
  CHECK(b.timeouts() == a.timeouts());

  // the qlearning view, which rebuilds s' from the next row, is unchanged
  const Transitions ta = make_transitions(a);
  const Transitions tb = make_transitions(b);
  CHECK(tb.source_rows == ta.source_rows);
  CHECK(tb.observations == ta.observations);
  CHECK(tb.next_observations == ta.next_observations);
  CHECK(tb.actions == ta.actions);
  CHECK(tb.rewards == ta.rewards);
  CHECK(tb.terminals == ta.terminals);

  // the arrays are stored byte-shuffled and gzip-compressed
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t f = H5Fopen("compact.hdf5", H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t ds = H5Dopen2(f, "observations", H5P_DEFAULT);
  const hid_t plist = H5Dget_create_plist(ds);
  CHECK(H5Pget_nfilters(plist) == 2);
  unsigned flags = 0;
  std::size_t n_values = 1;
  unsigned level = 0;
  CHECK(H5Pget_filter2(plist, 0, &flags, &n_values, &level, 0, nullptr, nullptr) ==
        H5Z_FILTER_SHUFFLE);
  n_values = 1;
  CHECK(H5Pget_filter2(plist, 1, &flags, &n_values, &level, 0, nullptr, nullptr) ==
        H5Z_FILTER_DEFLATE);
  CHECK(level == 9);
  H5Pclose(plist);
  H5Dclose(ds);
  H5Fclose(f);
}

TEST_CASE("the written file has h5py's on-disk types (checked with raw HDF5 calls)") {
  DatasetContent c;
  c.rows = 3;
  c.obs_dim = 2;
  c.action_dim = 1;
  c.observations = {1, 2, 3, 4, 5, 6};
  c.actions = {0.5F, -0.5F, 1.0F};
  c.rewards = {1, 2, 3};
  c.terminals = {0, 1, 0};
  c.timeouts = {0, 0, 1};
  c.infos["qpos"] = {{3, 2}, std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}};
  c.metadata["algorithm"] = std::string("SAC");
  c.metadata["iteration"] = std::int32_t{42};
  c.metadata["policy/last_fc/bias"] = NumericArray{{1}, std::vector<float>{0.25F}};
  write_dataset(Dataset::from_content(c, "memory", {}), "typed.hdf5");

  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t f = H5Fopen("typed.hdf5", H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  auto type_of = [f](const char* key) {
    const hid_t ds = H5Dopen2(f, key, H5P_DEFAULT);
    const hid_t t = H5Dget_type(ds);
    H5Dclose(ds);
    return t;
  };
  {
    const hid_t t = type_of("terminals");
    CHECK(H5Tget_class(t) == H5T_ENUM);
    const hid_t base = H5Tget_super(t);
    CHECK(H5Tequal(base, H5T_STD_I8LE) > 0);
    char name[16] = {};
    std::int8_t one = 1;
    CHECK(H5Tenum_nameof(t, &one, name, sizeof name) >= 0);
    CHECK(std::string(name) == "TRUE");
    H5Tclose(base);
    H5Tclose(t);
  }
  {
    const hid_t t = type_of("infos/qpos");
    CHECK(H5Tequal(t, H5T_IEEE_F64LE) > 0);
    H5Tclose(t);
  }
  {
    const hid_t t = type_of("observations");
    CHECK(H5Tequal(t, H5T_IEEE_F32LE) > 0);
    H5Tclose(t);
    const hid_t ds = H5Dopen2(f, "observations", H5P_DEFAULT);
    const hid_t dcpl = H5Dget_create_plist(ds);
    CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
    unsigned flags = 0;
    std::size_t nelmts = 1;
    unsigned level = 0;
    CHECK(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_DEFLATE, &flags, &nelmts, &level, 0, nullptr,
                               nullptr) >= 0);
    CHECK(level == 4);
    H5Pclose(dcpl);
    H5Dclose(ds);
  }
  {
    const hid_t t = type_of("metadata/algorithm");
    CHECK(H5Tget_class(t) == H5T_STRING);
    CHECK(H5Tis_variable_str(t) == 0);
    CHECK(H5Tget_size(t) == 3);
    CHECK(H5Tget_strpad(t) == H5T_STR_NULLPAD);
    H5Tclose(t);
  }
  {
    const hid_t t = type_of("metadata/iteration");
    CHECK(H5Tequal(t, H5T_STD_I32LE) > 0);
    H5Tclose(t);
  }
  H5Fclose(f);

  const Dataset d = load_dataset("typed.hdf5");
  CHECK(meta<NumericArray>(d, "policy/last_fc/bias").shape == std::vector<std::uint64_t>{1});
  CHECK(std::get<std::vector<double>>(d.infos().at("qpos").values)[5] == 0.6);
}

TEST_CASE("from_content validates like the loader") {
  DatasetContent c;
  c.rows = 2;
  c.obs_dim = 1;
  c.action_dim = 1;
  c.observations = {0, 1};
  c.actions = {0, 0};
  c.rewards = {0};
  c.terminals = {0, 0};
  CHECK_THROWS_WITH(Dataset::from_content(c, "mem"),
                    "mem: rewards: expected 2 values (2 rows like observations), got 1");
  c.rewards = {0, 0};
  c.infos["qpos"] = {{3}, std::vector<double>{0, 0, 0}};
  CHECK_THROWS_WITH(Dataset::from_content(c, "mem"),
                    "mem: infos/qpos: expected first dimension 2 like observations, got shape "
                    "(3,)");
}

TEST_CASE("env dims of the D4RL locomotion datasets") {
  CHECK(env_dims("hopper")->obs_dim == 11);
  CHECK(env_dims("halfcheetah")->action_dim == 6);
  CHECK(env_dims("walker2d")->obs_dim == 17);
  CHECK(env_dims("ant")->obs_dim == 111);
  CHECK(env_dims("antmaze")->obs_dim == 29);
  CHECK(env_dims("maze2d-umaze")->action_dim == 2);
  CHECK_FALSE(env_dims("humanoid"));
}

TEST_SUITE_END();
