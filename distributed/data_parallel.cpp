// Buckets of gradients: packed into one flat buffer, reduced in rank order in one message, unpacked.
#include "distributed/data_parallel.h"

#include <algorithm>
#include <cstring>

#include "autograd/check.h"
#include "autograd/dtype.h"
#include "distributed/collectives.h"
#include "distributed/environment.h"

namespace sg::distributed {

DistributedDataParallel::DistributedDataParallel(nn::Module& module, DataParallelOptions options) : module_(module) {
  SG_CHECK(options.bucket_bytes >= 1, "DistributedDataParallel: bucket_bytes must be at least 1, got {}",
           options.bucket_bytes);
  broadcast_parameters(module_);
  int64_t largest = 0;
  for (const Tensor& p : module_.parameters()) {
    if (!p.requires_grad()) continue;
    const int64_t bytes = p.numel() * int64_t(element_size(p.dtype()));
    Bucket* last = buckets_.empty() ? nullptr : &buckets_.back();
    if (!last || last->dtype != p.dtype() ||
        (last->numel * int64_t(element_size(p.dtype())) + bytes > options.bucket_bytes && last->numel > 0))
      last = &buckets_.emplace_back(Bucket{p.dtype(), {}, 0});
    last->params.push_back(p);
    last->numel += p.numel();
    largest = std::max(largest, last->numel * int64_t(element_size(p.dtype())));
  }
  flat_.resize(size_t(largest));
}

void DistributedDataParallel::reduce_gradients() { reduce_gradients(world_size()); }

void DistributedDataParallel::reduce_gradients(int64_t divisor) {
  SG_CHECK(divisor >= 1, "DistributedDataParallel::reduce_gradients: divisor must be at least 1, got {}", divisor);
  for (Bucket& bucket : buckets_) {
    for (const Tensor& p : bucket.params)
      SG_CHECK(p.dtype() == bucket.dtype,
               "DistributedDataParallel::reduce_gradients: a parameter {} became {} after construction, was {}; "
               "convert the module before wrapping it", p.shape(), p.dtype(), bucket.dtype);
    dispatch(bucket.dtype, "reduce_gradients", [&]<class T> {
      T* flat = reinterpret_cast<T*>(flat_.data());  // flat: (numel), the bucket's gradients back to back
      int64_t at = 0;
      for (const Tensor& p : bucket.params) {
        const Tensor grad = p.grad();
        if (grad.defined()) std::memcpy(flat + at, grad.data<T>(), size_t(p.numel()) * sizeof(T));
        else std::fill(flat + at, flat + at + p.numel(), T(0));
        at += p.numel();
      }
      all_reduce_sum(flat, bucket.numel, divisor);
      at = 0;
      for (Tensor p : bucket.params) {
        const Tensor grad = p.grad().defined() ? p.grad() : empty(p.shape(), p.dtype());
        std::memcpy(grad.data<T>(), flat + at, size_t(p.numel()) * sizeof(T));
        ++grad.impl().storage->version;
        if (!p.grad().defined()) p.set_grad(grad);
        at += p.numel();
      }
    });
  }
}

}  // namespace sg::distributed
