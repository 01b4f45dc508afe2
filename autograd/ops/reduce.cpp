// Reductions: sum, mean, max, min, amax, amin (of everything, along a dim or over several, keepdim or
// not), argmax, argmin. Their backwards spread the gradient back over the reduced dims: evenly for sum
// and mean; for max, min, amax and amin evenly over the tied extremes, or to the selected element along
// a dim. With grad mode on in backward (create_graph) every backward is made of recorded ops.
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/kernels/reduce.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/reduce_dims.h"

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

// Applies reduce(t, d), a reduction along dim d that keeps it, to each reduced dim, the last first.
template <class Reduce>
Tensor reduce_each(const Tensor& x, const ReducedDims& r, bool keepdim, Reduce reduce) {
  Tensor t = x;
  for (int64_t d = x.dim() - 1; d >= 0; --d)
    if (r.reduced[d]) t = reduce(t, d);
  return keepdim ? t : reshape(t, r.removed);
}
}  // namespace

ReducedDims reduce_dims(const Shape& shape, const Dims& dims, std::string_view op) {
  const int64_t rank = shape.size();
  SG_CHECK(dims.size() <= std::max<int64_t>(rank, 1), "{}: expected at most {} dims for shape {}, got {}", op,
           std::max<int64_t>(rank, 1), shape, dims.size());
  ReducedDims r;
  for (int64_t i = 0; i < dims.size(); ++i) {
    const int64_t d = normalize_dim(dims[i], rank, op);
    SG_CHECK(rank == 0 || !r.reduced[d], "{}: dim {} appears more than once in the list of dims", op, d);
    if (rank > 0) r.reduced[d] = true;
  }
  r.all = true;
  for (int64_t d = 0; d < rank; ++d) {
    if (dims.size() == 0) r.reduced[d] = true;
    r.all &= r.reduced[d];
    r.kept.push_back(r.reduced[d] ? 1 : shape[d]);
    if (r.reduced[d]) r.count *= shape[d];
    else r.removed.push_back(shape[d]);
  }
  return r;
}

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
    if (GradMode::is_enabled()) return Grads{broadcast_to(dy, shape)};  // create_graph: recorded
    return Grads{full(shape, dy.item(), dy.dtype())};  // dy is one number (exact as a double for floats)
  });
}

// y[o, i] = sum_r x[o, r, i]    dx[o, r, i] = dy[o, i]
namespace {
Tensor sum_along(const Tensor& x, int64_t dim, bool keepdim) {
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
}  // namespace

// Over several dims: one recorded sum per dim, the last first, whose backwards spread dy back; over every
// dim, the one-pass sum of all elements.
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  if (dims.size() == 1) return sum_along(x, normalize_dim(dims[0], x.dim(), "sum"), keepdim);
  const ReducedDims r = reduce_dims(x.shape(), dims, "sum");
  if (r.all) return keepdim ? reshape(sum(x), r.kept) : sum(x);
  return reduce_each(x, r, keepdim, [](const Tensor& t, int64_t d) { return sum_along(t, d, true); });
}

// ---- mean --------------------------------------------------------------------
// y = sum_i x_i / n            dx_i = dy / n
Tensor mean(const Tensor& x) {
  SG_CHECK(x.numel() > 0, "mean: expected a non-empty tensor, got shape {}", x.shape());
  SG_CHECK(is_floating(x.dtype()), "mean: expected a float tensor, got {}", x.dtype());
  return div(sum(x), double(x.numel()));
}

// y = sum over the dims of x / n, n the elements summed into each y     dx = dy / n
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  const ReducedDims r = reduce_dims(x.shape(), dims, "mean");
  SG_CHECK(is_floating(x.dtype()), "mean: expected a float tensor, got {}", x.dtype());
  SG_CHECK(r.count > 0, "mean: cannot average over dims of size 0, got shape {}", x.shape());
  return div(sum(x, dims, keepdim), double(r.count));
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
    if (GradMode::is_enabled()) {  // create_graph: the same share, in recorded ops
      const Tensor tied = eq(x, y);
      return Grads{mul(tied, div(dy, sum(tied)))};
    }
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
// The gradient goes to the index returned, even when several elements tie, as PyTorch's max(dim) does.
namespace {
template <class Better>
ValuesIndices select_along(const char* op, const Tensor& x, int64_t dim, bool keepdim, Better better) {
  SG_CHECK(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, x.shape());
  const DimSplit s = split_at(x.shape(), dim);
  const Shape shape = reduced_shape(x.shape(), dim, keepdim);
  Tensor y = empty(shape, x.dtype());
  Tensor index = empty(shape, kInt64);
  dispatch(x.dtype(), op, [&]<class T> {
    kernels::select_dim(y.data<T>(), index.data<int64_t>(), x.data<T>(), s.outer, s.size, s.inner, better);
  });
  y = record(op, {x}, y, {index}, [s, x_shape = x.shape(), dim](const Node& node, const Tensor& dy) {
    if (GradMode::is_enabled()) {  // create_graph: dy times a 0/1 mask of the selected elements, recorded
      Tensor picked = zeros(x_shape, dy.dtype());
      const Tensor one = ones(reduced_shape(x_shape, dim, true), dy.dtype());
      dispatch(dy.dtype(), "backward", [&]<class T> {
        kernels::scatter_dim(picked.data<T>(), one.data<T>(), node.saved(0).data<int64_t>(), s.outer, s.size, s.inner);
      });
      return Grads{mul(picked, reshape(dy, one.shape()))};
    }
    Tensor dx = empty(x_shape, dy.dtype());
    dispatch(dy.dtype(), "backward", [&]<class T> {
      kernels::scatter_dim(dx.data<T>(), dy.data<T>(), node.saved(0).data<int64_t>(), s.outer, s.size, s.inner);
    });
    return Grads{dx};
  });
  return {y, index};
}
}  // namespace

ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
  return select_along("max", x, normalize_dim(dim, x.dim(), "max"), keepdim, greater);
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
  return select_along("min", x, normalize_dim(dim, x.dim(), "min"), keepdim, less);
}

// ---- amax / amin ---------------------------------------------------------------
// y = max over the dims of x (min likewise), a NaN if any x there is one
// dx = dy / k where x == y, else 0, k the number of such x reduced into y: tied extremes share the
// gradient evenly, PyTorch's rule (where y is a NaN, k = 0 and dx is NaN, also as in PyTorch)
namespace {
template <class Better>
Tensor extreme_over(const char* op, const Tensor& x, const Dims& dims, bool keepdim, Better better) {
  const ReducedDims r = reduce_dims(x.shape(), dims, op);
  SG_CHECK(is_floating(x.dtype()), "{}: expected a float tensor, got {} {}", op, x.shape(), x.dtype());
  SG_CHECK(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, x.shape());
  // One dim at a time on a detached x: only this node is recorded. A 0-dim x is reduced as [1].
  const Tensor t = x.dim() == 0 ? reshape(x.detach(), {1}) : x.detach();
  ReducedDims rt = r;
  if (x.dim() == 0) rt.reduced[0] = true;
  Tensor y = reduce_each(t, rt, true, [&](const Tensor& v, int64_t d) {
    return select_along(op, v, d, true, better).values;
  });
  y = reshape(y, r.out(keepdim));
  return record(op, {x}, y, {x, y}, [r, dims](const Node& node, const Tensor& dy) {
    const Tensor& x = node.saved(0);
    const Tensor tied = eq(x, reshape(node.saved(1), r.kept));
    return Grads{div(reshape(dy, r.kept), sum(tied, dims, true)) * tied};
  });
}
}  // namespace

Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) { return extreme_over("amax", x, dims, keepdim, greater); }
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) { return extreme_over("amin", x, dims, keepdim, less); }

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
