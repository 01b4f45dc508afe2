// linspace and eye against PyTorch, randint and randperm: seeded, in range, covering it, and a true
// permutation; every error names the factory.
#include <algorithm>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(factory)

// torch.linspace(-1, 2, 7, dtype=torch.float64), torch.linspace(0.1, 0.7, 9) (float32: values printed as
// doubles), torch.linspace(-5, 5, 7, dtype=torch.int64), torch.linspace(10, 0, 4, dtype=torch.int64).
BOOST_AUTO_TEST_CASE(linspace_matches_pytorch) {
  BOOST_TEST(all_close(linspace(-1, 2, 7, kFloat64), tensor({-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0}, kFloat64), 0, 0));
  const Tensor f = linspace(0.1, 0.7, 9);
  BOOST_TEST(f.dtype() == kFloat32);
  BOOST_TEST(all_close(f, tensor({0.10000000149011612, 0.17499999701976776, 0.25, 0.32499998807907104,
                                  0.4000000059604645, 0.4749999940395355, 0.550000011920929, 0.625,
                                  0.699999988079071}, kFloat64).to(kFloat32), 0, 0));
  BOOST_TEST(linspace(-5, 5, 7, kInt64).to_vector<int64_t>() == std::vector<int64_t>({-5, -3, -1, 0, 1, 3, 5}));
  BOOST_TEST(linspace(10, 0, 4, kInt64).to_vector<int64_t>() == std::vector<int64_t>({10, 6, 3, 0}));
  BOOST_TEST(linspace(3, 5, 1).to_vector<double>() == std::vector<double>({3.0}));
  BOOST_TEST(linspace(3, 5, 0).shape() == Shape({0}));
}

// torch.eye(2, 3), torch.eye(3, 2).
BOOST_AUTO_TEST_CASE(eye_has_ones_on_the_main_diagonal_only) {
  BOOST_TEST(all_close(eye(2, 3), tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}), 0, 0));
  BOOST_TEST(all_close(eye(3, 2), tensor({{1.0, 0.0}, {0.0, 1.0}, {0.0, 0.0}}), 0, 0));
  BOOST_TEST(all_close(eye(3, kInt64), tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}, kInt64), 0, 0));
  BOOST_TEST(eye(0).shape() == Shape({0, 0}));
}

BOOST_AUTO_TEST_CASE(randint_draws_every_value_of_its_range_and_nothing_else) {
  manual_seed(11);
  const Tensor t = randint(-3, 4, {7000});
  BOOST_TEST(t.dtype() == kInt64);
  std::vector<int> counts(7, 0);
  for (int64_t v : t.to_vector<int64_t>()) {
    BOOST_REQUIRE(v >= -3 && v < 4);
    ++counts[size_t(v + 3)];
  }
  for (int c : counts) BOOST_TEST(std::abs(c - 1000) < 150);
  const Tensor f = randint(5, {2, 3}, kFloat64);
  BOOST_TEST(f.shape() == Shape({2, 3}));
  for (double v : f.to_vector<double>()) BOOST_TEST((v >= 0 && v < 5 && v == std::floor(v)));
  // the widest range int64 has: high - low does not overflow
  const Tensor wide = randint(INT64_MIN, INT64_MAX, {4});
  BOOST_TEST(wide.numel() == 4);
}

BOOST_AUTO_TEST_CASE(randint_and_randperm_repeat_under_manual_seed_and_draw_from_the_generator) {
  manual_seed(12);
  const Tensor a = randint(0, 100, {10}), p = randperm(10);
  manual_seed(12);
  BOOST_TEST(bitwise_equal(randint(0, 100, {10}), a));
  BOOST_TEST(bitwise_equal(randperm(10), p));
  // randint(low, high) is low + Generator::randint(high - low), one draw per element, in order
  manual_seed(12);
  Generator g(0);
  g.set_state(default_generator().get_state());
  const std::vector<int64_t> values = a.to_vector<int64_t>();
  for (int64_t v : values) BOOST_TEST(v == int64_t(g.randint(100)));
}

BOOST_AUTO_TEST_CASE(randperm_holds_each_index_once_and_moves_them_all_eventually) {
  manual_seed(13);
  std::vector<int> first_position_counts(5, 0);
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<int64_t> p = randperm(5).to_vector<int64_t>();
    ++first_position_counts[size_t(p[0])];
    std::sort(p.begin(), p.end());
    BOOST_REQUIRE(p == std::vector<int64_t>({0, 1, 2, 3, 4}));
  }
  for (int c : first_position_counts) BOOST_TEST(std::abs(c - 200) < 60);
  BOOST_TEST(randperm(0).shape() == Shape({0}));
  BOOST_TEST(randperm(3, kFloat32).dtype() == kFloat32);
}

BOOST_AUTO_TEST_CASE(factories_refuse_negative_counts_and_empty_ranges_naming_themselves) {
  BOOST_TEST(throws_with([] { linspace(0, 1, -1); }, {"linspace:", "non-negative", "got -1"}));
  BOOST_TEST(throws_with([] { linspace(0, INFINITY, 3); }, {"linspace:", "finite", "inf"}));
  BOOST_TEST(throws_with([] { eye(-1); }, {"eye:", "non-negative", "n -1"}));
  BOOST_TEST(throws_with([] { eye(2, -3); }, {"eye:", "m -3"}));
  BOOST_TEST(throws_with([] { randint(5, 5, {2}); }, {"randint:", "low < high", "low 5 and high 5"}));
  BOOST_TEST(throws_with([] { randint(0, {2}); }, {"randint:", "low 0 and high 0"}));
  BOOST_TEST(throws_with([] { randperm(-1); }, {"randperm:", "non-negative", "got -1"}));
}

BOOST_AUTO_TEST_SUITE_END()
