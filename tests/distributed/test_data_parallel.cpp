// The claim of data_parallel.h, checked bitwise: P processes with batch B each end a few steps with the
// same parameters as one process with batch P*B. Every rank also runs that one process itself (it needs
// no other rank), so each compares its replica with it.
#include <memory>

#include "tests/distributed/training.h"

BOOST_AUTO_TEST_SUITE(data_parallel)

namespace dist = sg::distributed;
namespace nn = sg::nn;

namespace {

using namespace sg::testing;
using Make = std::shared_ptr<nn::Sequential> (*)();

// A batch of 3: P * 3 is no power of two for any P, so dividing before adding would round differently.
constexpr int64_t kBatch = 3, kSteps = 3;

// P ranks with batch B each; every rank starts from its own seed, and the broadcast must even them out.
std::shared_ptr<nn::Sequential> train_data_parallel(Make make, const sg::datasets::Dataset& data,
                                                    dist::DataParallelOptions options = {}) {
  sg::manual_seed(uint64_t(dist::rank()));
  auto model = make();
  dist::DistributedDataParallel ddp(*model, options);
  sg::optim::SGD optimizer = sg::testing::make_sgd(*model);
  sg::testing::data_parallel_steps(ddp, optimizer, data, kBatch * dist::world_size(), 0, kSteps);
  return model;
}

// One process with batch P*B, from rank 0's start.
std::shared_ptr<nn::Sequential> train_one_process(Make make, const sg::datasets::Dataset& data) {
  sg::manual_seed(0);
  auto model = make();
  sg::optim::SGD optimizer = sg::testing::make_sgd(*model);
  const int p = dist::world_size();
  sg::testing::one_process_steps(*model, optimizer, data, kBatch * p, p, 0, kSteps);
  return model;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lenet_on_p_ranks_matches_one_process_with_p_times_the_batch_bitwise) {
  const int p = dist::world_size();
  const auto data = generated(kBatch * p * kSteps);
  check_same_bits(*train_data_parallel(lenet, data), *train_one_process(lenet, data));
}

BOOST_AUTO_TEST_CASE(mlp_on_p_ranks_matches_one_process_with_p_times_the_batch_bitwise) {
  const int p = dist::world_size();
  const auto data = generated(kBatch * p * kSteps);
  check_same_bits(*train_data_parallel(mlp, data), *train_one_process(mlp, data));
}

// The one process's accumulated gradient is the big batch's mean-loss gradient, to rounding: a single
// backward over all P*B examples adds the same terms in another order.
BOOST_AUTO_TEST_CASE(the_reduced_gradient_is_the_big_batch_mean_gradient_to_rounding) {
  const int p = dist::world_size();
  const auto data = generated(kBatch * p);
  sg::manual_seed(0);
  auto model = lenet();
  dist::DistributedDataParallel ddp(*model);
  const dist::DistributedSampler sampler(data.size(), {.shuffle = false});
  const sg::datasets::Batch mine = *sg::datasets::DataLoader(data, {.batch_size = kBatch, .sampler = sampler.shared()}).begin();
  nn::cross_entropy(ddp.forward(mine.images), mine.labels, nn::Reduction::Sum).backward();
  ddp.reduce_gradients(kBatch * p);

  sg::manual_seed(0);
  auto whole = lenet();
  nn::cross_entropy(whole->forward(data.images()), data.labels()).backward();
  const auto a = model->parameters(), e = whole->parameters();
  for (size_t i = 0; i < a.size(); ++i) BOOST_TEST(sg::testing::all_close(a[i].grad(), e[i].grad(), 1e-7, 1e-5));
}

// Buckets change how many messages a step sends, never the result: each element is added alone.
BOOST_AUTO_TEST_CASE(buckets_pack_small_parameters_and_leave_the_bits_alone) {
  sg::manual_seed(0);
  auto model = lenet();
  // Bytes: conv1 288 + 32, conv2 4608 + 64, linear 16000 + 40. With 4096-byte buckets: {conv1.weight,
  // conv1.bias}, {conv2.weight} (larger than a bucket, alone), {conv2.bias}, {linear.weight}, {linear.bias}.
  BOOST_TEST(dist::DistributedDataParallel(*model, {.bucket_bytes = 4096}).bucket_count() == 5);
  BOOST_TEST(dist::DistributedDataParallel(*model).bucket_count() == 1);
  BOOST_TEST(dist::DistributedDataParallel(*model, {.bucket_bytes = 1}).bucket_count() == 6);

  const int p = dist::world_size();
  const auto data = generated(kBatch * p * 2);
  check_same_bits(*train_data_parallel(lenet, data, {.bucket_bytes = 1}), *train_data_parallel(lenet, data));
}

BOOST_AUTO_TEST_CASE(a_parameter_without_a_gradient_counts_as_zeros) {
  sg::manual_seed(0);
  nn::Linear used(2, 1), unused(2, 1);
  struct Two : nn::Module {
    Two(nn::Linear a, nn::Linear b) {
      register_module("a", std::move(a));
      register_module("b", std::move(b));
    }
  } model(used, unused);
  dist::DistributedDataParallel ddp(model);
  // Only rank 0 gives `b` a gradient (ones); the others have none.
  for (sg::Tensor& param : model.parameters()) param.zero_grad();
  if (dist::rank() == 0)
    for (auto& [name, param] : model.named_parameters())
      if (name.starts_with("b.")) param.set_grad(sg::ones(param.shape()));
  ddp.reduce_gradients(1);
  for (const auto& [name, param] : model.named_parameters()) {
    BOOST_TEST_REQUIRE(param.grad().defined());
    for (float g : param.grad().to_vector<float>()) BOOST_TEST(g == (name.starts_with("b.") ? 1.0f : 0.0f));
  }
}

BOOST_AUTO_TEST_SUITE_END()
