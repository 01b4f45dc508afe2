// DistributedDataParallel: buckets, and parameters without a gradient.
#include <memory>

#include "tests/distributed/training.h"

namespace dist = sg::distributed;
namespace nn = sg::nn;

namespace {

using sg::testing::check_same_bits;
using sg::testing::generated;
using sg::testing::lenet;
using Make = std::shared_ptr<nn::Sequential> (*)();

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

}  // namespace

BOOST_AUTO_TEST_SUITE(data_parallel)

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
