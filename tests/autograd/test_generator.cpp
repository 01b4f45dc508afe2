// The generator: reproducible under manual_seed, equal to the published xoshiro256** / splitmix64
// definition (values pinned from an independent implementation), and draws with the right ranges and moments.
#include <cmath>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(generator)

// The constants below were computed once by a short Python implementation written from the
// definitions (splitmix64 fills the four state words; xoshiro256**: result = rotl(s1 * 5, 7) * 9),
// not by this code.
BOOST_AUTO_TEST_CASE(raw_output_matches_the_xoshiro256starstar_definition) {
  Generator g0(0);
  BOOST_TEST(g0.next_u64() == 0x99ec5f36cb75f2b4ull);
  BOOST_TEST(g0.next_u64() == 0xbf6e1f784956452aull);
  BOOST_TEST(g0.next_u64() == 0x1a5f849d4933e6e0ull);
  Generator g42(42);
  BOOST_TEST(g42.next_u64() == 0x15780b2e0c2ec716ull);
  BOOST_TEST(g42.next_u64() == 0x6104d9866d113a7eull);
  BOOST_TEST(g42.next_u64() == 0xae17533239e499a1ull);
}

BOOST_AUTO_TEST_CASE(uniform_uses_the_top_53_bits) {
  Generator g(0);
  BOOST_TEST(g.uniform() == 0x1.33d8be6d96ebep-1);
  BOOST_TEST(g.uniform() == 0x1.7edc3ef092ac8p-1);
  BOOST_TEST(g.uniform() == 0x1.a5f849d4933e0p-4);
  manual_seed(42);
  const std::vector<double> expected{0x1.5780b2e0c2ec0p-4, 0x1.84136619b444ep-2, 0x1.5c2ea66473c93p-1};
  BOOST_TEST(sg::rand({3}, kFloat64).to_vector<double>() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(normal_is_box_muller_on_two_uniforms) {
  // u1 = 1 - uniform, u2 = uniform; r = sqrt(-2 ln u1); the pair is (r cos 2 pi u2, r sin 2 pi u2)
  Generator g(7);
  BOOST_TEST(g.normal() == -0.2790239910251981, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(g.normal() == 1.5277231859624536, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(manual_seed_makes_draws_repeatable) {
  manual_seed(123);
  const Tensor a = sg::randn({4, 5}), b = sg::rand({7}, kFloat64);
  manual_seed(123);
  const Tensor c = sg::randn({4, 5}), d = sg::rand({7}, kFloat64);
  BOOST_TEST(bitwise_equal(a, c));
  BOOST_TEST(bitwise_equal(b, d));
  manual_seed(124);
  BOOST_TEST(!bitwise_equal(sg::randn({4, 5}), a));
}

BOOST_AUTO_TEST_CASE(manual_seed_drops_a_pending_normal) {
  // randn of an odd size leaves the second Box-Muller value waiting; reseeding must forget it.
  manual_seed(5);
  const Tensor first = sg::randn({2}, kFloat64);
  manual_seed(5);
  (void)sg::randn({1}, kFloat64);
  manual_seed(5);
  BOOST_TEST(bitwise_equal(sg::randn({2}, kFloat64), first));
}

BOOST_AUTO_TEST_CASE(like_factories_draw_with_the_shape_and_dtype_of_their_model) {
  manual_seed(9);
  const Tensor model = sg::zeros({2, 3}, kFloat64);
  const Tensor r = sg::rand_like(model), n = sg::randn_like(model);
  BOOST_TEST(r.shape() == Shape({2, 3}));
  BOOST_TEST(n.dtype() == kFloat64);
  manual_seed(9);
  BOOST_TEST(bitwise_equal(r, sg::rand({2, 3}, kFloat64)));
}

BOOST_AUTO_TEST_CASE(rand_lies_in_zero_one_with_the_right_moments) {
  manual_seed(2024);
  const auto v = sg::rand({100000}, kFloat64).to_vector<double>();
  double lo = 1, hi = 0, total = 0, squares = 0;
  for (double x : v) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    total += x;
    squares += x * x;
  }
  const double mean = total / v.size(), var = squares / v.size() - mean * mean;
  BOOST_TEST(lo >= 0.0);
  BOOST_TEST(hi < 1.0);
  BOOST_TEST(std::abs(mean - 0.5) < 0.01);
  BOOST_TEST(std::abs(var - 1.0 / 12.0) < 0.005);
}

BOOST_AUTO_TEST_CASE(float32_rand_never_rounds_up_to_one) {
  // With seed 10309825 the second draw is 0.9999999984: rounding it to float gives exactly 1.0f.
  Generator g(10309825);
  (void)g.uniform();
  BOOST_TEST(float(g.uniform()) == 1.0f);  // the case this test is about really occurs
  manual_seed(10309825);
  const auto v = sg::rand({2}, kFloat32).to_vector<float>();
  BOOST_TEST(v[1] < 1.0f);
  BOOST_TEST(v[1] > 0.99999f);
  // float32 draws take the top 24 bits of each 64-bit output
  Generator raw(10309825);
  for (float x : v) BOOST_TEST(x == float(raw.next_u64() >> 40) * 0x1.0p-24f);
}

BOOST_AUTO_TEST_CASE(randn_has_mean_zero_and_variance_one) {
  for (Dtype dtype : {kFloat64, kFloat32}) {
    manual_seed(77);
    const auto v = sg::randn({100000}, dtype).to_vector<double>();
    double total = 0, squares = 0;
    for (double x : v) {
      total += x;
      squares += x * x;
    }
    const double mean = total / v.size(), var = squares / v.size() - mean * mean;
    BOOST_TEST(std::abs(mean) < 0.02);
    BOOST_TEST(std::abs(var - 1.0) < 0.02);
    // a normal puts about 68.3% within one standard deviation
    const auto within = std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x) < 1.0; });
    BOOST_TEST(std::abs(double(within) / v.size() - 0.6827) < 0.01);
  }
}

BOOST_AUTO_TEST_CASE(randint_stays_below_n_and_covers_it) {
  Generator g(3);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 6000; ++i) {
    const uint64_t k = g.randint(6);
    BOOST_REQUIRE(k < 6);
    ++counts[k];
  }
  for (int c : counts) BOOST_TEST(std::abs(c - 1000) < 150);
}

BOOST_AUTO_TEST_CASE(random_factories_refuse_int64) {
  BOOST_TEST(sg::testing::throws_with([] { (void)sg::rand({2}, kInt64); }, {"rand", "int64"}));
  BOOST_TEST(sg::testing::throws_with([] { (void)sg::randn({2}, kInt64); }, {"randn", "int64"}));
}

// torch.get_rng_state() / set_rng_state(): a checkpoint that carries the generator's state resumes the
// same draws, including the second value of a Box-Muller pair already computed.
BOOST_AUTO_TEST_CASE(a_state_given_back_draws_the_same_numbers_from_there_on) {
  Generator g(5);
  g.normal();  // keeps the pair's second value: the state must carry it
  const auto state = g.get_state();
  BOOST_TEST(state[5] == 1u);
  const double n1 = g.normal(), n2 = g.normal(), u = g.uniform();
  Generator h(99);
  h.set_state(state);
  BOOST_TEST(h.normal() == n1);
  BOOST_TEST(h.normal() == n2);
  BOOST_TEST(h.uniform() == u);

  manual_seed(3);
  sg::randn({3});
  const Tensor saved = get_rng_state();
  BOOST_TEST(saved.dtype() == kInt64);
  BOOST_TEST(saved.shape() == Shape({6}));
  const Tensor expected = sg::randn({5}, kFloat64);
  manual_seed(123);
  set_rng_state(saved);
  BOOST_TEST(bitwise_equal(sg::randn({5}, kFloat64), expected));
}

BOOST_AUTO_TEST_CASE(a_state_no_generator_can_be_in_is_refused_and_changes_nothing) {
  Generator g(1);
  const auto before = g.get_state();
  BOOST_TEST(testing::throws_with([&] { g.set_state({0, 0, 0, 0, 0, 0}); }, {"Generator::set_state", "four zero state words"}));
  BOOST_TEST(testing::throws_with([&] { g.set_state({1, 2, 3, 4, 0, 2}); }, {"Generator::set_state", "got 2"}));
  BOOST_TEST((g.get_state() == before));

  manual_seed(8);
  const Tensor state = get_rng_state();
  BOOST_TEST(testing::throws_with([] { set_rng_state(sg::zeros({6})); }, {"set_rng_state", "int64 tensor of shape [6]", "got float32 [6]"}));
  BOOST_TEST(testing::throws_with([] { set_rng_state(sg::zeros({5}, kInt64)); }, {"set_rng_state", "got int64 [5]"}));
  BOOST_TEST(testing::throws_with([] { set_rng_state(sg::zeros({6}, kInt64)); }, {"four zero state words"}));
  BOOST_TEST(bitwise_equal(get_rng_state(), state));
}

BOOST_AUTO_TEST_SUITE_END()
