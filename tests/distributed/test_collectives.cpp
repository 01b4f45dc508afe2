#include <cmath>
#include <vector>

#include "distributed/collectives.h"
#include "distributed/environment.h"
#include "scratchgrad/nn.h"
#include "tests/testing.h"

BOOST_AUTO_TEST_SUITE(collectives)

namespace dist = sg::distributed;

// Rank r's values are known to every rank, so each can add them up itself, in rank order, and compare.
BOOST_AUTO_TEST_CASE(all_reduce_adds_in_rank_order_to_the_same_bits_everywhere) {
  const int p = dist::world_size(), r = dist::rank();
  // With three or more ranks the grouping shows: (1e8 + -1e8) + 1 = 1 in float32, 1e8 + (-1e8 + 1) = 0.
  auto values = [](int rank) {
    const float first[3] = {1e8f, -1e8f, 1.0f};
    return std::vector<float>{rank < 3 ? first[rank] : float(rank), 0.1f * float(rank + 1), -3.5f};
  };
  sg::Tensor x = sg::tensor(values(r), {3});
  dist::all_reduce(x);
  std::vector<float> expected = values(0);
  for (int q = 1; q < p; ++q)
    for (size_t i = 0; i < 3; ++i) expected[i] += values(q)[i];
  BOOST_TEST(sg::testing::bitwise_equal(x, sg::tensor(expected, {3})));
  if (p == 3) BOOST_TEST(x.data<float>()[0] == 1.0f);
}

// A tensor longer than one message goes in pieces, each summed alike, with a short last piece.
BOOST_AUTO_TEST_CASE(a_tensor_longer_than_one_message_is_reduced_and_broadcast_whole) {
  BOOST_TEST(dist::message_elements() == int64_t(1) << 22);
  dist::set_message_elements(5);
  const int64_t n = 13;  // 5 + 5 + 3
  auto value = [](int rank, int64_t i) { return float(rank + 1) * float(i % 7) - 0.25f; };
  std::vector<float> mine, expected;
  for (int64_t i = 0; i < n; ++i) {
    mine.push_back(value(dist::rank(), i));
    expected.push_back(value(0, i));
    for (int q = 1; q < dist::world_size(); ++q) expected.back() += value(q, i);
  }
  sg::Tensor x = sg::tensor(mine, {n}), y = sg::tensor(mine, {n});
  dist::all_reduce(x);
  dist::broadcast(y, dist::world_size() - 1);
  dist::set_message_elements(int64_t(1) << 22);
  BOOST_TEST(sg::testing::bitwise_equal(x, sg::tensor(expected, {n})));
  for (int64_t i = 0; i < n; ++i) BOOST_TEST(y.data<float>()[i] == value(dist::world_size() - 1, i));
  BOOST_TEST(sg::testing::throws_with([] { dist::set_message_elements(0); },
                                      {"set_message_elements: expected 1 .. 2147483647, got 0"}));
}

BOOST_AUTO_TEST_CASE(mean_divides_the_sum_once) {
  const int p = dist::world_size();
  sg::Tensor x = sg::full({2, 2}, 0.1 * (dist::rank() + 1), sg::kFloat64);
  dist::all_reduce(x, dist::ReduceOp::Mean);
  double sum = 0.1;
  for (int q = 1; q < p; ++q) sum += 0.1 * (q + 1);
  for (double v : x.to_vector<double>()) BOOST_TEST(v == sum / p);
  sg::Tensor n = sg::full({3}, double(dist::rank()), sg::kInt64);
  dist::all_reduce(n);
  for (int64_t v : n.to_vector<int64_t>()) BOOST_TEST(v == int64_t(p) * (p - 1) / 2);
  BOOST_TEST(sg::testing::throws_with([&] { dist::all_reduce(n, dist::ReduceOp::Mean); },
                                      {"all_reduce: Mean needs a float32 or float64 tensor, got int64 [3]"}));
}

BOOST_AUTO_TEST_CASE(gather_text_brings_every_ranks_text_to_rank_0_in_order) {
  const std::vector<std::string> all = dist::gather_text(std::string(size_t(dist::rank()) + 1, 'x'));
  if (dist::rank() != 0) {
    BOOST_TEST(all.empty());
    return;
  }
  BOOST_TEST_REQUIRE(all.size() == size_t(dist::world_size()));
  for (size_t r = 0; r < all.size(); ++r) BOOST_TEST(all[r] == std::string(r + 1, 'x'));
}

// mpirun announces the rank before MPI starts (the tests run under Open MPI's mpirun).
BOOST_AUTO_TEST_CASE(launcher_rank_is_the_rank_mpi_gives) { BOOST_TEST(dist::launcher_rank() == dist::rank()); }

BOOST_AUTO_TEST_CASE(broadcast_gives_every_rank_the_roots_values) {
  const int root = dist::world_size() - 1;
  sg::Tensor x = sg::full({5}, double(dist::rank()), sg::kFloat32);
  dist::broadcast(x, root);
  for (float v : x.to_vector<float>()) BOOST_TEST(v == float(root));
}

BOOST_AUTO_TEST_CASE(broadcast_parameters_makes_every_replica_rank_0s) {
  sg::manual_seed(uint64_t(100 + dist::rank()));  // a different start on every rank
  sg::nn::Sequential model(sg::nn::Linear(3, 4), sg::nn::BatchNorm1d(4));
  auto fill_buffers = [](sg::nn::Module& m, int rank) {
    sg::NoGradGuard no_grad;
    for (auto& [name, buffer] : m.named_buffers()) buffer.fill_(rank + 2);
  };
  fill_buffers(model, dist::rank());
  dist::broadcast_parameters(model);
  sg::manual_seed(100);
  sg::nn::Sequential rank0(sg::nn::Linear(3, 4), sg::nn::BatchNorm1d(4));
  fill_buffers(rank0, 0);
  const auto mine = sg::nn::state_dict(model), expected = sg::nn::state_dict(rank0);
  BOOST_TEST(mine.size() == expected.size());
  for (size_t i = 0; i < mine.size(); ++i)
    BOOST_TEST(sg::testing::bitwise_equal(mine.items()[i].second, expected.items()[i].second));
}

// The last rank's model has one layer of another size: every rank, not only that one, throws, and the
// message names the rank and the tensor, so no rank is left waiting in a later collective.
BOOST_AUTO_TEST_CASE(a_rank_whose_model_differs_stops_every_rank_naming_it) {
  const int p = dist::world_size(), last = p - 1;
  sg::nn::Sequential model(sg::nn::Linear(3, 4), sg::nn::Linear(4, dist::rank() == last && p > 1 ? 5 : 2));
  if (p == 1) return;
  BOOST_TEST(sg::testing::throws_with([&] { dist::broadcast_parameters(model); },
                                      {"broadcast_parameters: every rank must hold the same tensors",
                                       fmt::format("rank {}'s tensor 2: '1.weight' float32 [5, 4]", last),
                                       "where rank 0's is '1.weight' float32 [2, 4]"}));
}

BOOST_AUTO_TEST_SUITE_END()
