// Running sums along a dim. The backward of a running sum is a running sum from the other end, so one
// op with a direction serves both.
#include "autograd/kernels/cumsum.h"
#include "autograd/check.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- cumsum ----------------------------------------------------------------------
// y[o, r, i] = sum_{j <= r} x[o, j, i]      dx[o, j, i] = sum_{r >= j} dy[o, r, i]
namespace {
Tensor running_sum(const Tensor& x, int64_t dim, bool reverse) {
  const DimSplit s = split_at(x.shape(), dim);
  Tensor y = empty_like(x);
  dispatch_all(x.dtype(),
               [&]<class T> { kernels::cumsum_dim(y.data<T>(), x.data<T>(), s.outer, s.size, s.inner, reverse); });
  return record("cumsum", {x}, y, {},
                [dim, reverse](const Node&, const Tensor& dy) { return Grads{running_sum(dy, dim, !reverse)}; });
}
}  // namespace

Tensor cumsum(const Tensor& x, int64_t dim) { return running_sum(x, normalize_dim(dim, x.dim(), "cumsum"), false); }

}  // namespace sg
