// DataLoader: the order of an epoch (a Fisher-Yates shuffle driven by sg::Generator), and batches
// gathered from the dataset's images one row at a time, so an epoch copies nothing but its batches.
#include "datasets/data_loader.h"

#include <cstring>
#include <numeric>

#include "autograd/check.h"
#include "autograd/random.h"

namespace sg::datasets {

DataLoader::DataLoader(Dataset dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  SG_CHECK(options_.batch_size >= 1, "DataLoader: batch_size must be at least 1, got {}", options_.batch_size);
  // As PyTorch's DataLoader: the sampler decides the order, so shuffling as well would be a second order.
  SG_CHECK(!(options_.sampler && options_.shuffle), "DataLoader: a sampler and shuffle = true cannot be combined; "
           "let the sampler shuffle");
}

int64_t DataLoader::size() const {
  const int64_t n = options_.sampler ? options_.sampler->size() : dataset_.size(), b = options_.batch_size;
  // Not (n + b - 1) / b, which overflows for a batch_size near INT64_MAX.
  return options_.drop_last ? n / b : n / b + (n % b != 0);
}

void DataLoader::set_epoch(int64_t epoch) {
  SG_CHECK(epoch >= 0, "DataLoader::set_epoch: expected an epoch >= 0, got {}", epoch);
  epoch_ = epoch;
}

std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  if (!shuffle) return order;
  // Each epoch, the first too, mixes its number into the seed with the golden-ratio constant. Not the
  // seed itself: that generator would repeat the draws of manual_seed(seed), which a program usually
  // calls with the same number before drawing its weights, and the first epoch's order would follow
  // from the initial weights.
  Generator generator(seed ^ (uint64_t(epoch + 1) * 0x9E3779B97F4A7C15ULL));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[generator.randint(i)]);
  return order;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  if (!options_.sampler) return epoch_order(dataset_.size(), options_.shuffle, options_.seed, epoch);
  std::vector<int64_t> order = options_.sampler->order(epoch);
  SG_CHECK(int64_t(order.size()) == options_.sampler->size(),
           "DataLoader: the sampler gave {} indices for epoch {}, expected its size() {}", order.size(), epoch,
           options_.sampler->size());
  for (size_t i = 0; i < order.size(); ++i)
    SG_CHECK(order[i] >= 0 && order[i] < dataset_.size(),
             "DataLoader: the sampler's index {} (position {} of epoch {}) is out of range 0..{}", order[i], i, epoch,
             dataset_.size() - 1);
  return order;
}

DataLoader::Iterator DataLoader::begin() {
  Iterator it;
  it.loader_ = this;
  it.order_ = std::make_shared<const std::vector<int64_t>>(order(epoch_));
  ++epoch_;
  return it;
}

DataLoader::Iterator DataLoader::end() const {
  Iterator it;
  it.batch_ = size();
  return it;
}

Batch DataLoader::Iterator::operator*() const {
  SG_CHECK(loader_ != nullptr, "DataLoader: cannot read a batch from the end iterator");
  const Dataset& data = loader_->dataset_;
  SG_CHECK(batch_ < loader_->size(), "DataLoader: batch {} is past the end of the epoch ({} batches)", batch_,
           loader_->size());
  const int64_t n = int64_t(order_->size()), start = batch_ * loader_->options_.batch_size;  // < n: no overflow
  const int64_t count = std::min(loader_->options_.batch_size, n - start);

  const Shape& shape = data.images().shape();
  const int64_t row = shape[1] * shape[2] * shape[3];  // floats per image
  Batch batch{empty({count, shape[1], shape[2], shape[3]}, kFloat32), empty({count}, kInt64)};
  const float* x = data.images().data<float>();      // x: (N, 1, H, W)
  const int64_t* y = data.labels().data<int64_t>();  // y: (N)
  float* bx = batch.images.data<float>();            // bx: (B, 1, H, W)
  int64_t* by = batch.labels.data<int64_t>();        // by: (B)
  for (int64_t b = 0; b < count; ++b) {
    const int64_t i = (*order_)[size_t(start + b)];
    std::memcpy(bx + b * row, x + i * row, size_t(row) * sizeof(float));
    by[b] = y[i];
  }
  return batch;
}

}  // namespace sg::datasets
