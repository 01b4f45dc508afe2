// The epoch's order, padded or cut to a multiple of the ranks, then every P-th index from the rank's own.
#include "distributed/sampler.h"

#include "autograd/check.h"
#include "distributed/environment.h"

namespace sg::distributed {

DistributedSampler::DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options)
    : dataset_size_(dataset_size), options_(options) {
  if (options_.num_replicas < 0) options_.num_replicas = world_size();
  if (options_.rank < 0) options_.rank = distributed::rank();
  const int64_t n = dataset_size_, p = options_.num_replicas;
  SG_CHECK(n >= 1, "DistributedSampler: expected a dataset of at least 1 example, got {}", n);
  SG_CHECK(p >= 1, "DistributedSampler: num_replicas must be at least 1, got {}", p);
  SG_CHECK(options_.rank < p, "DistributedSampler: rank must be in 0..{}, got {}", p - 1, options_.rank);
  SG_CHECK(!options_.drop_last || n >= p,
           "DistributedSampler: drop_last with {} examples for {} ranks leaves every rank none", n, p);
  // PyTorch: ceil(N / P) with padding; with drop_last, ceil((N - P) / P) when P does not divide N, which is
  // floor(N / P).
  num_samples_ = options_.drop_last ? n / p : n / p + (n % p != 0);
}

std::vector<int64_t> DistributedSampler::order(int64_t epoch) const {
  SG_CHECK(epoch >= 0, "DistributedSampler::order: expected an epoch >= 0, got {}", epoch);
  const std::vector<int64_t> all = datasets::epoch_order(dataset_size_, options_.shuffle, options_.seed, epoch);
  const int64_t p = options_.num_replicas;
  std::vector<int64_t> mine(static_cast<size_t>(num_samples_));
  // Position k of the padded order is all[k mod N]: the order repeated as often as needed, PyTorch's
  // padding rule (its first indices again, the whole order more than once when P > N).
  for (int64_t i = 0; i < num_samples_; ++i) {
    mine[size_t(i)] = all[size_t((options_.rank + i * p) % dataset_size_)];
  }
  return mine;
}

}  // namespace sg::distributed
