// Training loops for the data-parallel tests: P ranks with batch B each, and one process with batch P*B
// that runs backward on the same P shares of each batch one after the other (the run data_parallel.h
// claims to match bit for bit), both over a few steps of one epoch of generated data.
#pragma once

#include <memory>
#include <vector>

#include "distributed/data_parallel.h"
#include "distributed/environment.h"
#include "distributed/sampler.h"
#include "scratchgrad/datasets.h"
#include "scratchgrad/nn.h"
#include "tests/testing.h"

namespace sg::testing {

/// bench W3's LeNet-like CNN.
inline std::shared_ptr<nn::Sequential> lenet() {
  return std::make_shared<nn::Sequential>(nn::Conv2d(1, 8, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(8, 16, 3),
                                          nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(400, 10));
}
/// bench W2's MLP (the fashion_mlp tutorial's network).
inline std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(nn::Flatten(), nn::Linear(784, 64), nn::Sigmoid(), nn::Linear(64, 32),
                                          nn::Sigmoid(), nn::Linear(32, 10));
}

/// n generated examples, the same on every rank: normal pixels (n, 1, 28, 28), labels 0..9.
inline datasets::Dataset generated(int64_t n) {
  manual_seed(42);
  return {randn({n, 1, 28, 28}), randint(10, {n}), {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, "generated"};
}

inline constexpr uint64_t kDataSeed = 7;

inline optim::SGD make_sgd(nn::Module& model) { return optim::SGD(model.parameters(), {.lr = 0.05, .momentum = 0.9}); }

/// Steps first .. last - 1 of epoch 0 on this rank: batch global_batch / world_size() from the
/// DistributedSampler, sum loss, gradients summed over the ranks and divided once by global_batch.
inline void data_parallel_steps(distributed::DistributedDataParallel& ddp, optim::Optimizer& optimizer,
                                const datasets::Dataset& data, int64_t global_batch, int64_t first, int64_t last) {
  const distributed::DistributedSampler sampler(data.size(), {.shuffle = true, .seed = kDataSeed});
  datasets::DataLoader loader(data, {.batch_size = global_batch / distributed::world_size(), .sampler = sampler.shared()});
  int64_t step = 0;
  for (const auto& [images, labels] : loader) {
    if (step >= first && step < last) {
      optimizer.zero_grad();
      nn::cross_entropy(ddp.forward(images), labels, nn::Reduction::Sum).backward();
      ddp.reduce_gradients(global_batch);
      optimizer.step();
    }
    ++step;
  }
}

/// The same steps in one process with batch global_batch, as `shares` ranks split it: rank r took
/// examples r, r + shares, r + 2 shares, ... of each batch (the sampler's stride), so backward runs on
/// those shares one after the other and the accumulated gradient is divided once.
inline void one_process_steps(nn::Module& model, optim::Optimizer& optimizer, const datasets::Dataset& data,
                              int64_t global_batch, int shares, int64_t first, int64_t last) {
  datasets::DataLoader loader(data, {.batch_size = global_batch, .shuffle = true, .seed = kDataSeed});
  int64_t step = 0;
  for (const auto& [images, labels] : loader) {
    if (step >= first && step < last) {
      optimizer.zero_grad();
      for (int r = 0; r < shares; ++r) {
        std::vector<int64_t> rows;
        for (int64_t j = r; j < images.size(0); j += shares) rows.push_back(j);
        const Tensor index = tensor(rows, {int64_t(rows.size())});
        nn::cross_entropy(model.forward(images.index_select(0, index)), labels.index_select(0, index),
                          nn::Reduction::Sum)
            .backward();
      }
      NoGradGuard no_grad;
      for (const Tensor& param : model.parameters()) {
        Tensor grad = param.grad();
        grad /= double(images.size(0));
      }
      optimizer.step();
    }
    ++step;
  }
}

/// Parameters (and their gradients, when `grads`) hold the same bits in both modules.
inline void check_same_bits(const nn::Module& actual, const nn::Module& expected, bool grads = true) {
  const auto a = actual.named_parameters(), e = expected.named_parameters();
  BOOST_TEST_REQUIRE(a.size() == e.size());
  for (size_t i = 0; i < a.size(); ++i) {
    BOOST_TEST_CONTEXT("rank " << distributed::rank() << " of " << distributed::world_size() << ", " << a[i].first) {
      BOOST_TEST(bitwise_equal(a[i].second, e[i].second));
      if (grads) BOOST_TEST(bitwise_equal(a[i].second.grad(), e[i].second.grad()));
    }
  }
}

}  // namespace sg::testing
