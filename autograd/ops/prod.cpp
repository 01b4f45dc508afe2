// Products: of all elements and along a dim. The backward gives each element the product of the others,
// computed without dividing by it, so it is exact where elements are zero. Under create_graph the same
// products are written with ops (prod itself over a matrix of the others), so they differentiate again.
#include "autograd/kernels/prod.h"
#include "autograd/check.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- prod ------------------------------------------------------------------------
// y[o, i] = prod_r x[o, r, i]      dx[o, r, i] = dy[o, i] * prod_{j != r} x[o, j, i]
// An int64 product that overflows wraps around modulo 2^64, like sum's.
namespace {
// dx[o, r, i] = dy[o, i] * prod_j M[o, r, j, i], M[o, r, j, i] = (j == r ? 1 : x[o, j, i]): row r of M is x's
// column with its own element replaced by 1. Recorded ops, size^2 elements per (o, i): for create_graph.
Tensor prod_backward_in_ops(const Tensor& x, const Tensor& dy, const DimSplit& s) {
  const Tensor column = expand(reshape(x, {s.outer, 1, s.size, s.inner}), {s.outer, s.size, s.size, s.inner});
  const Tensor own = reshape(eye(s.size, x.dtype()), {1, s.size, s.size, 1});
  const Tensor others = prod(where(own, ones({}, x.dtype()), column), 2);  // (outer, size, inner)
  return reshape(others * reshape(dy, {s.outer, 1, s.inner}), x.shape());
}

Tensor prod_along(const Tensor& x, const DimSplit& s, const Shape& shape) {
  Tensor y = empty(shape, x.dtype());
  dispatch_all(x.dtype(), [&]<class T> { kernels::prod_dim(y.data<T>(), x.data<T>(), s.outer, s.size, s.inner); });
  return record("prod", {x}, y, {x}, [s](const Node& node, const Tensor& dy) {
    const Tensor& x = node.saved(0);
    if (GradMode::is_enabled()) return Grads{prod_backward_in_ops(x, dy, s)};
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
