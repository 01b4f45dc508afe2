// Indexing by a tensor of positions: gather and scatter along a dim (int64 index), masked_select.
// Each backward is made of these same ops, so it can be differentiated again.
#include <algorithm>
#include <string_view>
#include <vector>

#include "autograd/check.h"
#include "autograd/kernels/indexing.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
// Checks index against PyTorch's rules for op(x, dim, index[, src]): int64, the rank of x (and of src),
// no larger than src in any dim nor than x outside dim, and every value in [0, x.size(dim)).
// Returns dim made non-negative.
int64_t check_index(std::string_view op, const Tensor& x, int64_t dim, const Tensor& index, const Tensor* src) {
  dim = normalize_dim(dim, x.dim(), op);
  SG_CHECK(index.dtype() == kInt64, "{}: index must be int64, got {} {}", op, index.shape(), index.dtype());
  SG_CHECK(index.dim() == x.dim(), "{}: index must have as many dims as x, got index {} and x {}", op, index.shape(),
           x.shape());
  for (int64_t d = 0; d < x.dim(); ++d)
    SG_CHECK(d == dim || index.size(d) <= x.size(d),
             "{}: index {} must be no larger than x {} in every dim but {} (dim {}: {} > {})", op, index.shape(),
             x.shape(), dim, d, index.size(d), x.size(d));
  if (src) {
    SG_CHECK(src->dtype() == x.dtype(), "{}: src must have x's dtype, got x {} {} and src {} {}", op, x.shape(),
             x.dtype(), src->shape(), src->dtype());
    SG_CHECK(src->dim() == index.dim(), "{}: src must have as many dims as index, got src {} and index {}", op,
             src->shape(), index.shape());
    for (int64_t d = 0; d < index.dim(); ++d)
      SG_CHECK(index.size(d) <= src->size(d), "{}: index {} must be no larger than src {} in any dim (dim {})", op,
               index.shape(), src->shape(), d);
  }
  const int64_t n = x.dim() ? x.size(dim) : 1;
  const int64_t* idx = index.data<int64_t>();
  for (int64_t k = 0; k < index.numel(); ++k)
    SG_CHECK(idx[k] >= 0 && idx[k] < n, "{}: index {} (element {} of index {}) is out of range for dim {} of size {}",
             op, idx[k], k, index.shape(), dim, n);
  return dim;
}

// The gradient of a src larger than index: gather(dy) where index reaches, zeros past it.
Tensor pad_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  std::vector<int64_t> padding;
  for (int64_t d = shape.size() - 1; d >= 0; --d) padding.insert(padding.end(), {0, shape[d] - g.size(d)});
  return pad(g, padding);
}

// The shapes the kernels walk: a 0-d tensor as [1], whose only position index 0 names.
Shape at_least_1d(const Shape& shape) { return shape.empty() ? Shape{1} : shape; }
}  // namespace

// ---- gather --------------------------------------------------------------------
// y[i][j][k] = x[index[i][j][k]][j][k]  (dim 0)       dx = scatter_add(0, dim, index, dy): repeats add up
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  dim = check_index("gather", x, dim, index, nullptr);
  Tensor y = empty(index.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T> {
    kernels::gather_along(y.data<T>(), x.data<T>(), index.data<int64_t>(), at_least_1d(index.shape()),
                          at_least_1d(x.shape()), dim);
  });
  return record("gather", {x}, y, {index}, [dim, x_shape = x.shape()](const Node& node, const Tensor& dy) {
    return Grads{scatter_add(zeros(x_shape, dy.dtype()), dim, node.saved(0), dy)};
  });
}

// ---- scatter / scatter_add -----------------------------------------------------
// scatter:      y = x, then y[index[i][j][k]][j][k] = src[i][j][k]  (dim 0)
//               dx = dy, 0 where overwritten       dsrc = gather(dy, dim, index), 0 past index's extent
// scatter_add:  y = x, then y[index[i][j][k]][j][k] += src[i][j][k]
//               dx = dy                           dsrc = the same as scatter's
namespace {
template <bool kAdd>
Tensor scatter_impl(std::string_view op, const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  dim = check_index(op, x, dim, index, &src);
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T> {
    std::copy_n(x.data<T>(), x.numel(), y.data<T>());
    const Shape is = at_least_1d(index.shape()), ss = at_least_1d(src.shape()), ys = at_least_1d(y.shape());
    if constexpr (kAdd)
      kernels::scatter_add_along(y.data<T>(), src.data<T>(), index.data<int64_t>(), is, ss, ys, dim);
    else
      kernels::scatter_along(y.data<T>(), src.data<T>(), index.data<int64_t>(), is, ss, ys, dim);
  });
  return record(op, {x, src}, y, {index}, [dim, src_shape = src.shape()](const Node& node, const Tensor& dy) {
    const Tensor& index = node.saved(0);
    Grads grads(2);
    if (node.needs_grad(0)) grads[0] = kAdd ? dy : scatter(dy, dim, index, 0.0);
    if (node.needs_grad(1)) grads[1] = pad_to(gather(dy, dim, index), src_shape);
    return grads;
  });
}
}  // namespace

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl<false>("scatter", x, dim, index, src);
}
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl<true>("scatter_add", x, dim, index, src);
}

// A src of index's shape filled with value (a constant: the gradient goes to x alone).
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, double value) {
  if (x.dtype() == kInt64) (void)element_from<int64_t>(value, "scatter");
  return scatter(x, dim, index, full(index.shape(), value, x.dtype()));
}

// ---- masked_select -------------------------------------------------------------
// y = [x[p] for p in row-major order where mask[p] != 0] (x and mask broadcast)
// dx = dy put back at those positions, zeros elsewhere, summed over broadcast dims (index_select's)
Tensor masked_select(const Tensor& x, const Tensor& mask) {
  const Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_select");
  const Tensor m = broadcast_to(mask.detach(), shape);
  int64_t count = 0;
  dispatch_all(m.dtype(), [&]<class M> {
    for (int64_t p = 0; p < m.numel(); ++p) count += m.data<M>()[p] != M(0);
  });
  Tensor positions = empty({count}, kInt64);
  dispatch_all(m.dtype(), [&]<class M> {
    int64_t* out = positions.data<int64_t>();
    for (int64_t p = 0; p < m.numel(); ++p)
      if (m.data<M>()[p] != M(0)) *out++ = p;
  });
  return index_select(reshape(broadcast_to(x, shape), {-1}), 0, positions);
}

}  // namespace sg
