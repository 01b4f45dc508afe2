// DistributedDataParallel: one model replica per rank, each trained on its own share of every batch.
// Construction makes the replicas equal (rank 0's parameters and buffers, after checking that every
// rank's model has the same tensors); after each backward, reduce_gradients() gives every rank the same
// gradient, so the same optimizer step keeps them equal. Gradients travel in buckets: the small tensors
// of a model (biases, a layer's few weights) share one message instead of paying a message each.
//
// The same bits as one process on the whole batch. Let P ranks each take B examples of a global batch of
// P*B and use a *sum* loss (nn::Reduction::Sum), and reduce_gradients(P * B):
//   - rank r's backward gives g_r, the sum of its examples' gradients, computed by the same kernels on
//     the same inputs as a single process gives it for those B examples (the kernels' results do not
//     depend on the thread count, and each example's forward does not depend on the others');
//   - the reduction adds them in rank order, ((g_0 + g_1) + g_2) + ..., exactly the additions a single
//     process makes when it runs backward on the P shares one after the other (backward takes a leaf's
//     first gradient as it is and adds each later one to it);
//   - the one division by P*B then rounds once, as the single process's grad /= P*B does.
// Same additions in the same order on the same values give the same bits: P processes with batch B step
// to the same parameters as one process with batch P*B accumulated over its P shares. (Dividing on each
// rank first, as a per-rank mean loss does, would round P times and differ in the last bits.) A single
// backward over the whole batch at once computes the same mean with its own order of additions: it
// agrees to rounding only. Layers whose training forward mixes examples (BatchNorm's batch statistics)
// or draws random numbers (Dropout) break the equality.
//   sg::distributed::DistributedDataParallel ddp(model);
//   nn::cross_entropy(model.forward(images), labels, nn::Reduction::Sum).backward();
//   ddp.reduce_gradients(global_batch);      // the mean over the global batch, on every rank
//   optimizer.step();
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "nn/module.h"

namespace sg::distributed {

struct DataParallelOptions {
  /// Largest bucket in bytes: parameters are packed, in registration order, into buckets up to this size
  /// (a larger parameter has one of its own).
  int64_t bucket_bytes = int64_t(1) << 20;
};

class DistributedDataParallel {
 public:
  /// Broadcasts rank 0's parameters and buffers to every rank; throws on every rank, naming the rank and
  /// the tensor, when the ranks' models differ in names, shapes or dtypes. Keeps a reference to module.
  explicit DistributedDataParallel(nn::Module& module, DataParallelOptions options = {});

  Tensor forward(const Tensor& input) { return module_.forward(input); }
  nn::Module& module() { return module_; }

  /// After backward on every rank: each parameter's gradient becomes the sum of every rank's, added in
  /// rank order, divided once by divisor. A parameter without a gradient counts as zeros.
  void reduce_gradients(int64_t divisor);
  /// The mean over the ranks, as PyTorch's DDP: for a per-rank mean loss.
  void reduce_gradients();

  /// How many messages reduce_gradients sends per step (one per bucket).
  int64_t bucket_count() const { return int64_t(buckets_.size()); }

 private:
  struct Bucket {
    Dtype dtype;
    std::vector<Tensor> params;
    int64_t numel = 0;
  };
  nn::Module& module_;
  std::vector<Bucket> buckets_;
  std::vector<std::byte> flat_;  // one bucket's gradients back to back, reused by every bucket
};

}  // namespace sg::distributed
