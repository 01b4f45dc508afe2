#include <algorithm>
#include <map>
#include <vector>

#include "distributed/sampler.h"
#include "tests/testing.h"

using sg::distributed::DistributedSampler;
using Shares = std::vector<std::vector<int64_t>>;

BOOST_AUTO_TEST_SUITE(distributed_sampler)

namespace {

Shares shares(int64_t n, int ranks, bool shuffle, bool drop_last, int64_t epoch = 0) {
  Shares all;
  for (int r = 0; r < ranks; ++r)
    all.push_back(DistributedSampler(n, {.num_replicas = ranks, .rank = r, .shuffle = shuffle, .seed = 5,
                                         .drop_last = drop_last})
                      .order(epoch));
  return all;
}

sg::datasets::Dataset numbered(int64_t n) {
  // Image i is filled with i, so a batch says which examples it holds.
  std::vector<float> pixels;
  for (int64_t i = 0; i < n; ++i) pixels.insert(pixels.end(), 4, float(i));
  return {sg::tensor(pixels, {n, 1, 2, 2}), sg::zeros({n}, sg::kInt64), {"0"}, "numbered"};
}

}  // namespace

// The fixtures are PyTorch's: [list(DistributedSampler(range(n), num_replicas=P, rank=r, shuffle=False,
// drop_last=d)) for r in range(P)] with torch 1.13.
BOOST_AUTO_TEST_CASE(shares_match_pytorch_with_its_padding_rule) {
  BOOST_TEST((shares(10, 4, false, false) == Shares{{0, 4, 8}, {1, 5, 9}, {2, 6, 0}, {3, 7, 1}}));
  BOOST_TEST((shares(2, 5, false, false) == Shares{{0}, {1}, {0}, {1}, {0}}));  // padded with the order twice
  BOOST_TEST((shares(10, 4, false, true) == Shares{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  BOOST_TEST((shares(12, 3, false, false) == Shares{{0, 3, 6, 9}, {1, 4, 7, 10}, {2, 5, 8, 11}}));
}

BOOST_AUTO_TEST_CASE(one_rank_takes_the_data_loaders_own_order) {
  const sg::datasets::DataLoader loader(numbered(23), {.batch_size = 4, .shuffle = true, .seed = 5});
  for (int64_t epoch : {0, 1, 7}) BOOST_TEST(shares(23, 1, true, false, epoch)[0] == loader.order(epoch));
}

BOOST_AUTO_TEST_CASE(shuffled_shares_are_disjoint_cover_the_epoch_and_change_with_it) {
  for (const int64_t n : {12, 13}) {
    const Shares epoch0 = shares(n, 3, true, false, 0), epoch1 = shares(n, 3, true, false, 1);
    std::map<int64_t, int> seen;
    for (const auto& share : epoch0)
      for (int64_t i : share) ++seen[i];
    BOOST_TEST(int64_t(seen.size()) == n);  // every example, each once but for the padding
    int repeats = 0;
    for (const auto& [i, count] : seen) repeats += count - 1;
    BOOST_TEST(repeats == (n == 12 ? 0 : 2));  // 13 examples for 3 ranks: 15 places, 2 taken twice
    BOOST_TEST((epoch0 != epoch1));
  }
}

BOOST_AUTO_TEST_CASE(a_loader_with_the_sampler_batches_this_ranks_share) {
  const DistributedSampler sampler(10, {.num_replicas = 4, .rank = 2, .shuffle = false});
  sg::datasets::DataLoader loader(numbered(10), {.batch_size = 2, .sampler = sampler.shared()});
  BOOST_TEST(loader.size() == 2);  // 3 indices, in batches of 2
  std::vector<float> firsts;
  for (const auto& [images, labels] : loader)
    for (int64_t b = 0; b < images.size(0); ++b) firsts.push_back(images.data<float>()[b * 4]);
  BOOST_TEST((firsts == std::vector<float>{2, 6, 0}));
}

BOOST_AUTO_TEST_CASE(bad_arguments_are_refused_with_the_values) {
  using sg::testing::throws_with;
  BOOST_TEST(throws_with([] { DistributedSampler(10, {.num_replicas = 4, .rank = 4}); },
                         {"DistributedSampler: rank must be in 0..3, got 4"}));
  BOOST_TEST(throws_with([] { DistributedSampler(2, {.num_replicas = 3, .rank = 0, .drop_last = true}); },
                         {"DistributedSampler: drop_last with 2 examples for 3 ranks"}));
  const DistributedSampler sampler(10, {.num_replicas = 2, .rank = 0});
  BOOST_TEST(throws_with([&] { sg::datasets::DataLoader(numbered(10), {.shuffle = true, .sampler = sampler.shared()}); },
                         {"DataLoader: a sampler and shuffle = true cannot be combined"}));
  // A sampler made for a larger dataset: the loader names the index it cannot serve.
  const DistributedSampler too_big(20, {.num_replicas = 1, .rank = 0, .shuffle = false});
  sg::datasets::DataLoader loader(numbered(10), {.batch_size = 2, .sampler = too_big.shared()});
  BOOST_TEST(throws_with([&] { (void)loader.begin(); }, {"DataLoader: the sampler's index 10 (position 10 of epoch 0)"}));
}

BOOST_AUTO_TEST_SUITE_END()
