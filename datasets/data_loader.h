// DataLoader: a dataset in batches, in an order fixed by a seed, for a range-for:
//   sg::datasets::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 0});
//   for (const auto& [images, labels] : loader) { ... }    // images (B, 1, 28, 28), labels (B)
// Each range-for is one epoch. With shuffle, epoch e's order comes from sg::Generator seeded by (seed, e)
// (never by the seed alone, so the order does not repeat the draws of manual_seed with the same number),
// our own generator rather than <random>, so a seed gives the same order on every machine; the first
// range-for is epoch 0, and each one that starts moves on to the next epoch. To resume at epoch k, call
// loader.set_epoch(k) before the next range-for. A Sampler in the options takes the place of that order:
// a sg::distributed::DistributedSampler gives each process of a data-parallel run its own share.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/tensor.h"
#include "datasets/mnist.h"

namespace sg::datasets {

/// Where a loader's epochs take their example indices from, in place of its own order.
class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Indices per epoch, the same in every epoch.
  virtual int64_t size() const = 0;
  /// Epoch e's indices, in the order the batches take them (size() of them).
  virtual std::vector<int64_t> order(int64_t epoch) const = 0;
};

/// The order of epoch e of n examples: 0 .. n - 1, or with shuffle a permutation drawn from seed and e.
std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch);

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  uint64_t seed = 0;
  /// Leave out the last batch when it is smaller than batch_size.
  bool drop_last = false;
  /// The indices of each epoch, instead of 0 .. N - 1 or its shuffles (then shuffle must be false).
  std::shared_ptr<const Sampler> sampler = nullptr;
};

/// images: (B, 1, H, W) float32; labels: (B) int64.
struct Batch {
  Tensor images;
  Tensor labels;
};

class DataLoader {
 public:
  /// Keeps a copy of the dataset's handles (not of its data), so a temporary dataset is fine.
  DataLoader(Dataset dataset, DataLoaderOptions options = {});

  /// Walks one epoch's order; each step builds one batch (only that batch is copied).
  class Iterator {
   public:
    using difference_type = std::ptrdiff_t;
    using value_type = Batch;
    Iterator() = default;
    Batch operator*() const;
    Iterator& operator++() {
      ++batch_;
      return *this;
    }
    void operator++(int) { ++batch_; }
    bool operator==(const Iterator& other) const { return batch_ == other.batch_; }

   private:
    friend class DataLoader;
    const DataLoader* loader_ = nullptr;
    std::shared_ptr<const std::vector<int64_t>> order_;  // this epoch's order of example indices
    int64_t batch_ = 0;
  };

  /// Starts epoch epoch() and moves the counter on to the next.
  Iterator begin();
  Iterator end() const;

  /// Batches per epoch.
  int64_t size() const;
  /// The epoch the next range-for will run (0 at first).
  int64_t epoch() const { return epoch_; }
  /// Makes the next range-for run epoch e (to resume training at epoch e with the same order).
  void set_epoch(int64_t epoch);
  /// The example indices of epoch e, in the order its batches take them (the sampler's, if there is one).
  std::vector<int64_t> order(int64_t epoch) const;

  const Dataset& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return options_; }

 private:
  Dataset dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
};

}  // namespace sg::datasets
