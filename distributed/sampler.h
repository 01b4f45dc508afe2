// DistributedSampler: each rank's share of every epoch, for a DataLoader, with PyTorch's rules
// (torch.utils.data.distributed.DistributedSampler):
//   - the epoch's order is the one a DataLoader with the same shuffle and seed takes (the same on every
//     machine), so with one rank the sampler gives exactly the loader's own order;
//   - when the ranks cannot share it evenly, the order is padded with its own first indices up to a
//     multiple of the ranks (drop_last: cut down to one instead), and rank r takes positions r, r + P,
//     r + 2P, ...: the shares are disjoint but for the padding, and together they are the epoch.
//   sg::distributed::DistributedSampler sampler(train.size(), {.shuffle = true, .seed = 0});
//   sg::datasets::DataLoader loader(train, {.batch_size = 32, .sampler = sampler.shared()});
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "datasets/data_loader.h"

namespace sg::distributed {

struct DistributedSamplerOptions {
  /// -1: world_size() and rank() of this run.
  int num_replicas = -1;
  int rank = -1;
  bool shuffle = true;
  uint64_t seed = 0;
  /// Drop the tail that does not divide among the ranks instead of padding it.
  bool drop_last = false;
};

class DistributedSampler : public datasets::Sampler {
 public:
  explicit DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options = {});

  /// Indices this rank gets per epoch: ceil(N / P), or with drop_last floor(N / P).
  int64_t size() const override { return num_samples_; }
  /// This rank's indices of epoch e, in order.
  std::vector<int64_t> order(int64_t epoch) const override;

  int num_replicas() const { return options_.num_replicas; }
  int rank() const { return options_.rank; }
  /// A handle for DataLoaderOptions::sampler.
  std::shared_ptr<const datasets::Sampler> shared() const { return std::make_shared<DistributedSampler>(*this); }

 private:
  int64_t dataset_size_;
  DistributedSamplerOptions options_;
  int64_t num_samples_ = 0;
};

}  // namespace sg::distributed
