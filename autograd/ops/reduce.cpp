// Reductions: sum, mean, max, min (of everything or along a dim, keepdim or not), argmax, argmin.
// Their backwards spread the gradient back over the reduced dim: evenly for sum and mean; for max and
// min evenly over the tied extremes of a whole tensor, or to the selected element along a dim.
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/kernels/reduce.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
// The shape after reducing dim: without it, or with size 1 there (keepdim).
Shape reduced_shape(const Shape& shape, int64_t dim, bool keepdim) {
  Shape out = shape;
  if (out.empty()) return out;
  if (keepdim) out[dim] = 1;
  else out.erase(dim);
  return out;
}

// dy of a reduction along dim, stretched back over that dim to x's shape.
Tensor spread(const Tensor& dy, const Shape& x_shape, int64_t dim) {
  return broadcast_to(reshape(dy, reduced_shape(x_shape, dim, true)), x_shape);
}
}  // namespace

// ---- sum ---------------------------------------------------------------------
// y = sum_i x_i                dx_i = dy
// An int64 sum that overflows wraps around modulo 2^64 (two's complement), as PyTorch's and NumPy's do:
// it is added up in uint64, where wrapping is defined, so the result is exact modulo 2^64 in any order.
Tensor sum(const Tensor& x) {
  Tensor y = empty({}, x.dtype());
  dispatch_all(x.dtype(), [&]<class T> {
    if constexpr (std::is_same_v<T, int64_t>) {
      uint64_t total = 0;
      for (int64_t i = 0; i < x.numel(); ++i) total += uint64_t(x.data<T>()[i]);
      y.data<T>()[0] = int64_t(total);
    } else {
      y.data<T>()[0] = kernels::sum_all(x.data<T>(), x.numel());
    }
  });
  return record("sum", {x}, y, {}, [shape = x.shape()](const Node&, const Tensor& dy) {
    return Grads{full(shape, dy.item(), dy.dtype())};  // dy is one number (exact as a double for floats)
  });
}

// y[o, i] = sum_r x[o, r, i]    dx[o, r, i] = dy[o, i]
Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  dim = normalize_dim(dim, x.dim(), "sum");
  const DimSplit s = split_at(x.shape(), dim);
  Tensor y = empty(reduced_shape(x.shape(), dim, keepdim), x.dtype());
  dispatch_all(x.dtype(), [&]<class T> {
    using W = kernels::Wrapping<T>;  // int64 summed as uint64: wraps like sum(x)
    kernels::sum_dim(reinterpret_cast<W*>(y.data<T>()), reinterpret_cast<const W*>(x.data<T>()), s.outer, s.size,
                     s.inner);
  });
  return record("sum", {x}, y, {}, [shape = x.shape(), dim](const Node&, const Tensor& dy) {
    return Grads{spread(dy, shape, dim)};
  });
}

// ---- mean --------------------------------------------------------------------
// y = sum_i x_i / n            dx_i = dy / n
Tensor mean(const Tensor& x) {
  SG_CHECK(x.numel() > 0, "mean: expected a non-empty tensor, got shape {}", x.shape());
  SG_CHECK(is_floating(x.dtype()), "mean: expected a float tensor, got {}", x.dtype());
  return div(sum(x), double(x.numel()));
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  dim = normalize_dim(dim, x.dim(), "mean");
  SG_CHECK(is_floating(x.dtype()), "mean: expected a float tensor, got {}", x.dtype());
  SG_CHECK(x.dim() == 0 || x.size(dim) > 0, "mean: cannot average over dim {} of size 0 in shape {}", dim, x.shape());
  return div(sum(x, dim, keepdim), double(x.dim() ? x.size(dim) : 1));
}

// ---- max / min of all elements ------------------------------------------------
// y = max_i x_i (min likewise), a NaN if any x_i is one     dx_i = dy / k where x_i == y (x_i a NaN if y
// is), else 0, with k the number of such elements: tied maxima share the gradient evenly, PyTorch's rule
// for max() and min() of a whole tensor, rather than one of them getting it all for its position.
namespace {
template <class Better>
Tensor extreme_of_all(const char* op, const Tensor& x, Better better) {
  SG_CHECK(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, x.shape());
  Tensor y = empty({}, x.dtype());
  int64_t index = 0;  // not needed: the backward finds every tied element itself
  dispatch(x.dtype(), op, [&]<class T> {
    kernels::select_dim(y.data<T>(), &index, x.data<T>(), 1, x.numel(), 1, better);
  });
  return record(op, {x}, y, {x, y}, [](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &y = node.saved(1);
    Tensor dx = empty_like(x);
    dispatch(dy.dtype(), "backward", [&]<class T> {
      kernels::share_among_ties(dx.data<T>(), dy.data<T>()[0], x.data<T>(), y.data<T>()[0], x.numel());
    });
    return Grads{dx};
  });
}
constexpr auto greater = [](auto a, auto b) { return a > b; };
constexpr auto less = [](auto a, auto b) { return a < b; };
}  // namespace

Tensor max(const Tensor& x) { return extreme_of_all("max", x, greater); }
Tensor min(const Tensor& x) { return extreme_of_all("min", x, less); }

// ---- max / min along a dim ---------------------------------------------------
// y[o, i] = x[o, r*, i], r* = argmax along the dim: the first maximum, or the first NaN if there is one
// dx[o, r*, i] = dy[o, i], 0 elsewhere
// The gradient goes to the index argmax returns, even when several elements tie, as PyTorch's max(dim)
// routes it to the index it returns.
namespace {
template <class Better>
Tensor select_along(const char* op, const Tensor& x, int64_t dim, bool keepdim, Better better) {
  SG_CHECK(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, x.shape());
  const DimSplit s = split_at(x.shape(), dim);
  const Shape shape = reduced_shape(x.shape(), dim, keepdim);
  Tensor y = empty(shape, x.dtype());
  Tensor index = empty(shape, kInt64);
  dispatch(x.dtype(), op, [&]<class T> {
    kernels::select_dim(y.data<T>(), index.data<int64_t>(), x.data<T>(), s.outer, s.size, s.inner, better);
  });
  return record(op, {x}, y, {index}, [s, x_shape = x.shape()](const Node& node, const Tensor& dy) {
    Tensor dx = empty(x_shape, dy.dtype());
    dispatch(dy.dtype(), "backward", [&]<class T> {
      kernels::scatter_dim(dx.data<T>(), dy.data<T>(), node.saved(0).data<int64_t>(), s.outer, s.size, s.inner);
    });
    return Grads{dx};
  });
}
}  // namespace

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  return select_along("max", x, normalize_dim(dim, x.dim(), "max"), keepdim, greater);
}
Tensor min(const Tensor& x, int64_t dim, bool keepdim) {
  return select_along("min", x, normalize_dim(dim, x.dim(), "min"), keepdim, less);
}

// ---- argmax / argmin: int64 positions, not differentiable --------------------
// The first extreme along the dim, or the first NaN if there is one (PyTorch's rule: a NaN is the maximum
// and the minimum).
namespace {
template <class Better>
Tensor arg_along(const char* op, const Tensor& x, int64_t dim, bool keepdim, Better better) {
  SG_CHECK(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, x.shape());
  dim = normalize_dim(dim, x.dim(), op);
  const DimSplit s = split_at(x.shape(), dim);
  Tensor index = empty(reduced_shape(x.shape(), dim, keepdim), kInt64);
  dispatch_all(x.dtype(), [&]<class T> {
    kernels::select_dim<T>(nullptr, index.data<int64_t>(), x.data<T>(), s.outer, s.size, s.inner, better);
  });
  return index;
}
}  // namespace

Tensor argmax(const Tensor& x) { return reshape(arg_along("argmax", x.detach().reshape({-1}), 0, false, greater), {}); }
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) { return arg_along("argmax", x, dim, keepdim, greater); }
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) { return arg_along("argmin", x, dim, keepdim, less); }

}  // namespace sg
