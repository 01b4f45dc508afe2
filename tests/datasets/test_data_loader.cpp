// DataLoader: batch shapes, drop_last, and an order fixed by the seed and the epoch.
#include "datasets/data_loader.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <numeric>

#include "tests/testing.h"

using namespace sg::datasets;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(data_loader)

namespace {

// n examples of 1 x 2 x 3 where every pixel of image i is i, and label i % 10.
Dataset numbered(int64_t n) {
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    pixels.insert(pixels.end(), 6, float(i));
    labels.push_back(i % 10);
  }
  return Dataset(sg::tensor(pixels, {n, 1, 2, 3}), sg::tensor(labels, {n}), kFashionMnistClasses, "numbered");
}

// The example indices of each batch of one epoch, read back from the batches' pixels.
std::vector<std::vector<int64_t>> run_epoch(DataLoader& loader) {
  std::vector<std::vector<int64_t>> batches;
  for (const auto& [images, labels] : loader) {
    std::vector<int64_t> ids;
    for (int64_t b = 0; b < images.size(0); ++b) {
      ids.push_back(int64_t(images.at({b, 0, 0, 0})));
      BOOST_TEST(labels.at({b}) == double(ids.back() % 10));  // each label travels with its image
    }
    batches.push_back(ids);
  }
  return batches;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

}  // namespace

BOOST_AUTO_TEST_CASE(batches_have_the_asked_shape_and_the_last_one_is_smaller) {
  DataLoader loader(numbered(10), {.batch_size = 4});
  BOOST_TEST(loader.size() == 3);
  std::vector<int64_t> sizes;
  for (const auto& [images, labels] : loader) {
    BOOST_TEST(images.dim() == 4);
    BOOST_TEST(images.dtype() == sg::kFloat32);
    BOOST_TEST(labels.dtype() == sg::kInt64);
    BOOST_TEST(labels.shape() == sg::Shape({images.size(0)}));
    BOOST_TEST(images.shape() == sg::Shape({images.size(0), 1, 2, 3}));
    sizes.push_back(images.size(0));
  }
  BOOST_TEST(sizes == std::vector<int64_t>({4, 4, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(without_shuffle_the_order_is_the_datasets) {
  DataLoader loader(numbered(7), {.batch_size = 3});
  const auto batches = run_epoch(loader);
  BOOST_TEST(batches.size() == 3u);
  BOOST_TEST(flat(batches) == std::vector<int64_t>({0, 1, 2, 3, 4, 5, 6}), boost::test_tools::per_element());
  BOOST_TEST(flat(run_epoch(loader)) == flat(batches), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(drop_last_leaves_out_the_short_batch) {
  DataLoader loader(numbered(10), {.batch_size = 4, .shuffle = true, .drop_last = true});
  BOOST_TEST(loader.size() == 2);
  const auto batches = run_epoch(loader);
  BOOST_TEST(batches.size() == 2u);
  for (const auto& b : batches) BOOST_TEST(b.size() == 4u);
  DataLoader exact(numbered(8), {.batch_size = 4, .drop_last = true});
  BOOST_TEST(exact.size() == 2);
}

BOOST_AUTO_TEST_CASE(a_shuffled_epoch_visits_every_example_once) {
  DataLoader loader(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 7});
  std::vector<int64_t> seen = flat(run_epoch(loader));
  BOOST_TEST(seen != loader.order(5));
  std::vector<int64_t> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> expected(50);
  for (int64_t i = 0; i < 50; ++i) expected[size_t(i)] = i;
  BOOST_TEST(sorted == expected, boost::test_tools::per_element());
  BOOST_TEST(seen != expected);  // shuffled (the chance of the identity is 1 / 50!)
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_order_and_each_epoch_a_new_one) {
  DataLoader a(numbered(20), {.batch_size = 6, .shuffle = true, .seed = 3});
  DataLoader b(numbered(20), {.batch_size = 6, .shuffle = true, .seed = 3});
  DataLoader c(numbered(20), {.batch_size = 6, .shuffle = true, .seed = 4});
  const auto a0 = flat(run_epoch(a)), a1 = flat(run_epoch(a));
  BOOST_TEST(a.epoch() == 2);
  BOOST_TEST(a0 == flat(run_epoch(b)), boost::test_tools::per_element());
  BOOST_TEST(a1 == flat(run_epoch(b)), boost::test_tools::per_element());
  BOOST_TEST(a0 != a1);
  BOOST_TEST(a0 != flat(run_epoch(c)));
  BOOST_TEST(a0 == a.order(0), boost::test_tools::per_element());
  BOOST_TEST(a1 == a.order(1), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_order_is_the_same_on_every_machine) {
  // Fixed by sg::Generator (xoshiro256** through splitmix64) and Fisher-Yates: any change to either
  // changes these numbers, and with them every shuffled run.
  DataLoader loader(numbered(10), {.batch_size = 10, .shuffle = true, .seed = 0});
  BOOST_TEST(loader.order(0) == std::vector<int64_t>({1, 3, 0, 4, 9, 7, 5, 6, 8, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_order_does_not_repeat_the_draws_of_manual_seed_with_the_same_number) {
  // A program calls manual_seed(s) and draws its weights, then shuffles with seed s: a loader whose
  // generator were seeded with s itself would make its first order from the weights' own draws.
  for (uint64_t seed = 0; seed < 10; ++seed) {
    sg::Generator same_as_manual_seed(seed);  // the generator manual_seed(seed) seeds
    std::vector<int64_t> repeated(20);
    std::iota(repeated.begin(), repeated.end(), int64_t(0));
    for (size_t i = repeated.size(); i > 1; --i) std::swap(repeated[i - 1], repeated[same_as_manual_seed.randint(i)]);
    DataLoader loader(numbered(20), {.batch_size = 20, .shuffle = true, .seed = seed});
    BOOST_TEST(loader.order(0) != repeated);
  }
}

BOOST_AUTO_TEST_CASE(set_epoch_resumes_an_earlier_order) {
  DataLoader loader(numbered(30), {.batch_size = 7, .shuffle = true, .seed = 11});
  std::vector<std::vector<int64_t>> epochs;
  for (int e = 0; e < 4; ++e) epochs.push_back(flat(run_epoch(loader)));
  DataLoader resumed(numbered(30), {.batch_size = 7, .shuffle = true, .seed = 11});
  resumed.set_epoch(2);
  BOOST_TEST(flat(run_epoch(resumed)) == epochs[2], boost::test_tools::per_element());
  BOOST_TEST(flat(run_epoch(resumed)) == epochs[3], boost::test_tools::per_element());
  BOOST_TEST(throws_with([&] { resumed.set_epoch(-1); }, {"set_epoch", "got -1"}));
}

BOOST_AUTO_TEST_CASE(a_batch_is_a_copy_of_its_examples_only) {
  const Dataset data = numbered(12);
  DataLoader loader(data, {.batch_size = 5, .shuffle = true, .seed = 1});
  auto it = loader.begin();
  const Batch batch = *it;
  BOOST_TEST(batch.images.numel() == 5 * 6);
  BOOST_TEST(!batch.images.is_same(data.images()));
  BOOST_TEST(loader.dataset().images().is_same(data.images()));  // the loader shares the dataset's data
}

BOOST_AUTO_TEST_CASE(an_empty_dataset_gives_no_batches) {
  DataLoader loader(numbered(5).subset(0, 0), {.batch_size = 2});
  BOOST_TEST(loader.size() == 0);
  BOOST_TEST(run_epoch(loader).empty());
}

BOOST_AUTO_TEST_CASE(a_batch_size_beyond_the_dataset_gives_one_batch_or_none_with_drop_last) {
  // (n + batch_size - 1) / batch_size overflowed for a batch_size near INT64_MAX: no batch at all.
  const int64_t max = std::numeric_limits<int64_t>::max();
  for (const int64_t batch_size : {max, max - 3, int64_t(6)}) {
    DataLoader loader(numbered(5), {.batch_size = batch_size});
    BOOST_TEST(loader.size() == 1);
    const auto batches = run_epoch(loader);
    BOOST_TEST(batches.size() == 1u);
    BOOST_TEST(flat(batches) == std::vector<int64_t>({0, 1, 2, 3, 4}), boost::test_tools::per_element());
    DataLoader dropped(numbered(5), {.batch_size = batch_size, .drop_last = true});
    BOOST_TEST(dropped.size() == 0);
    BOOST_TEST(run_epoch(dropped).empty());
  }
}

BOOST_AUTO_TEST_CASE(batch_size_must_be_positive) {
  BOOST_TEST(throws_with([] { DataLoader(numbered(3), {.batch_size = 0}); }, {"DataLoader: batch_size", "got 0"}));
}

// A sampler that takes every third example from `start`, in reverse epoch by epoch: its own size and order.
struct EveryThird : Sampler {
  int64_t n, start;
  EveryThird(int64_t n, int64_t start) : n(n), start(start) {}
  int64_t size() const override { return (n - start + 2) / 3; }
  std::vector<int64_t> order(int64_t epoch) const override {
    std::vector<int64_t> order;
    for (int64_t i = start; i < n; i += 3) order.push_back(i);
    if (epoch % 2 == 1) std::reverse(order.begin(), order.end());
    return order;
  }
};

BOOST_AUTO_TEST_CASE(a_sampler_decides_the_size_and_order_of_every_epoch) {
  DataLoader loader(numbered(10), {.batch_size = 2, .sampler = std::make_shared<EveryThird>(10, 1)});
  BOOST_TEST(loader.size() == 2);  // examples 1, 4, 7: two batches
  BOOST_TEST((run_epoch(loader) == std::vector<std::vector<int64_t>>{{1, 4}, {7}}));
  BOOST_TEST((run_epoch(loader) == std::vector<std::vector<int64_t>>{{7, 4}, {1}}));
  BOOST_TEST((loader.order(0) == std::vector<int64_t>{1, 4, 7}));
}

BOOST_AUTO_TEST_CASE(a_sampler_with_shuffle_or_indices_out_of_range_is_refused) {
  BOOST_TEST(throws_with([] { DataLoader(numbered(10), {.shuffle = true, .sampler = std::make_shared<EveryThird>(10, 0)}); },
                         {"DataLoader: a sampler and shuffle = true cannot be combined"}));
  DataLoader loader(numbered(5), {.batch_size = 2, .sampler = std::make_shared<EveryThird>(10, 0)});
  BOOST_TEST(throws_with([&] { (void)loader.begin(); }, {"DataLoader: the sampler's index 6 (position 2 of epoch 0)",
                                                          "out of range 0..4"}));
}

BOOST_AUTO_TEST_SUITE_END()
