// Products: of all elements and along a dim. The backward gives each element the product of the others,
// computed without dividing by it, so it is exact where elements are zero. That backward has no
// differentiable form yet: under create_graph it throws.
#include "autograd/kernels/prod.h"
#include "autograd/check.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- prod ------------------------------------------------------------------------
// y[o, i] = prod_r x[o, r, i]      dx[o, r, i] = dy[o, i] * prod_{j != r} x[o, j, i]
// An int64 product that overflows wraps around modulo 2^64, like sum's.
namespace {
Tensor prod_along(const Tensor& x, const DimSplit& s, const Shape& shape) {
  Tensor y = empty(shape, x.dtype());
  dispatch_all(x.dtype(), [&]<class T> { kernels::prod_dim(y.data<T>(), x.data<T>(), s.outer, s.size, s.inner); });
  return record("prod", {x}, y, {x}, [s](const Node& node, const Tensor& dy) {
    refuse_create_graph("prod");
    const Tensor& x = node.saved(0);
    Tensor dx = empty_like(x);
    dispatch(dy.dtype(), "prod backward", [&]<class T> {
      kernels::prod_dim_backward(dx.data<T>(), dy.data<T>(), x.data<T>(), s.outer, s.size, s.inner);
    });
    return Grads{dx};
  });
}
}  // namespace

Tensor prod(const Tensor& x) { return prod_along(x, {1, x.numel(), 1}, {}); }

Tensor prod(const Tensor& x, int64_t dim, bool keepdim) {
  dim = normalize_dim(dim, x.dim(), "prod");
  Shape shape = x.shape();
  if (x.dim() > 0 && keepdim)
    shape[dim] = 1;
  else if (x.dim() > 0)
    shape.erase(dim);
  return prod_along(x, split_at(x.shape(), dim), shape);
}

}  // namespace sg
