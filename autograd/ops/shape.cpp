// Ops that change shape or pick parts: reshape and friends (no copy), transpose/permute (a copy, since
// tensors are always contiguous), broadcasting and its reverse, slicing, gathering, joining, padding.
#include <cstring>
#include <numeric>
#include <string_view>

#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/kernels/shape.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- reshape / view ------------------------------------------------------------
// y = x viewed as `shape` (same buffer)        dx = dy viewed as x's shape
// One body for both names: every tensor is contiguous, so a view is always possible where the sizes agree.
namespace {
Tensor view_as_shape(std::string_view op, const Tensor& x, const Shape& shape) {
  Shape target = shape;
  int64_t infer = -1, known = 1;
  bool overflow = false;  // then known is far more than x.numel(): no size can stand for the -1
  for (int64_t d = 0; d < target.size(); ++d) {
    if (target[d] == -1) {
      SG_CHECK(infer < 0, "{}: only one size may be -1, got {}", op, shape);
      infer = d;
    } else {
      SG_CHECK(target[d] >= 0, "{}: sizes must be non-negative or -1, got {}", op, shape);
      overflow |= __builtin_mul_overflow(known, target[d], &known);
    }
  }
  if (infer >= 0) {
    SG_CHECK(!overflow && known > 0 && x.numel() % known == 0,
             "{}: shape {} is invalid for input of shape {} ({} elements)", op, shape, x.shape(), x.numel());
    target[infer] = x.numel() / known;
  }
  check_sizes(target, op);  // a view is a tensor too: [0] into [0, 2^62] is refused
  SG_CHECK(target.numel() == x.numel(), "{}: shape {} ({} elements) is invalid for input of shape {} ({} elements)", op,
           target, target.numel(), x.shape(), x.numel());
  Tensor y = x.detach();
  y.impl().shape = target;
  return record(op, {x}, y, {}, [shape = x.shape()](const Node&, const Tensor& dy) {
    return Grads{reshape(dy, shape)};
  });
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) { return view_as_shape("reshape", x, shape); }
Tensor view(const Tensor& x, const Shape& shape) { return view_as_shape("view", x, shape); }

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  start_dim = normalize_dim(start_dim, x.dim(), "flatten");
  end_dim = normalize_dim(end_dim, x.dim(), "flatten");
  SG_CHECK(start_dim <= end_dim, "flatten: start_dim {} must not come after end_dim {} (shape {})", start_dim,
           end_dim, x.shape());
  Shape shape;
  for (int64_t d = 0; d < start_dim; ++d) shape.push_back(x.size(d));
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) merged *= x.size(d);
  shape.push_back(merged);
  for (int64_t d = end_dim + 1; d < x.dim(); ++d) shape.push_back(x.size(d));
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  dim = normalize_dim(dim, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(dim, 1);
  return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  dim = normalize_dim(dim, x.dim(), "squeeze");
  SG_CHECK(x.dim() > 0 && x.size(dim) == 1, "squeeze: dim {} must have size 1, got shape {}", dim, x.shape());
  Shape shape = x.shape();
  shape.erase(dim);
  return reshape(x, shape);
}

// Every dim of size 1 removed, as torch.squeeze(x) does; a 0-d tensor stays as it is.
Tensor squeeze(const Tensor& x) {
  Shape shape;
  for (int64_t size : x.shape())
    if (size != 1) shape.push_back(size);
  return reshape(x, shape);
}

// ---- permute / transpose -----------------------------------------------------
// y[..., i_dims[d], ...] = x[...]             dx = dy permuted back by the inverse order
Tensor permute(const Tensor& x, const Shape& dims) {
  SG_CHECK(dims.size() == x.dim(), "permute: expected {} dims for shape {}, got {}", x.dim(), x.shape(), dims);
  Shape normalized, inverse = dims, out_shape;
  std::array<bool, Shape::kMaxRank> seen{};
  for (int64_t d = 0; d < dims.size(); ++d) {
    const int64_t k = normalize_dim(dims[d], x.dim(), "permute");
    SG_CHECK(!seen[k], "permute: dims must be a permutation of 0..{}, got {}", x.dim() - 1, dims);
    seen[k] = true;
    normalized.push_back(k);
    inverse[k] = d;
    out_shape.push_back(x.size(k));
  }
  Tensor y = empty(out_shape, x.dtype());
  dispatch_all(x.dtype(), [&]<class T> { kernels::permute(y.data<T>(), x.data<T>(), x.shape(), normalized); });
  return record("permute", {x}, y, {}, [inverse](const Node&, const Tensor& dy) { return Grads{permute(dy, inverse)}; });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  dim0 = normalize_dim(dim0, x.dim(), "transpose");
  dim1 = normalize_dim(dim1, x.dim(), "transpose");
  Shape dims;
  for (int64_t d = 0; d < x.dim(); ++d) dims.push_back(d == dim0 ? dim1 : d == dim1 ? dim0 : d);
  return permute(x, dims);
}

// ---- broadcast_to / reduce_to --------------------------------------------------
// y = x repeated along its broadcast dims      dx = dy summed over them (reduce_to)
Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  SG_CHECK(broadcast_shapes(x.shape(), shape, "broadcast_to") == shape,
           "broadcast_to: cannot broadcast {} to {}", x.shape(), shape);
  if (x.shape() == shape) return x;
  if (x.numel() == shape.numel()) return reshape(x, shape);  // only sizes of 1 added: same data, no copy
  Tensor y = empty(shape, x.dtype());
  dispatch_all(x.dtype(), [&]<class T> {
    kernels::broadcast_map2(y.data<T>(), x.data<T>(), x.data<T>(), kernels::BroadcastPlan(shape, x.shape(), x.shape()),
                            [](T a, T) { return a; });
  });
  return record("broadcast_to", {x}, y, {}, [shape = x.shape()](const Node&, const Tensor& dy) {
    return Grads{reduce_to(dy, shape)};
  });
}

// y = dy summed down to `shape`                 d(dy) = d(y) broadcast back
Tensor reduce_to(const Tensor& dy, const Shape& shape) {
  if (dy.shape() == shape) return dy;
  SG_CHECK(broadcast_shapes(shape, dy.shape(), "reduce_to") == dy.shape(),
           "reduce_to: {} is not a broadcast of {}", dy.shape(), shape);
  Tensor y = empty(shape, dy.dtype());
  dispatch_all(dy.dtype(), [&]<class T> {
    using W = kernels::Wrapping<T>;  // int64 summed as uint64: wraps around like sum
    kernels::reduce_to(reinterpret_cast<W*>(y.data<T>()), reinterpret_cast<const W*>(dy.data<T>()), dy.shape(),
                       shape);
  });
  return record("reduce_to", {dy}, y, {}, [from = dy.shape()](const Node&, const Tensor& g) {
    return Grads{broadcast_to(g, from)};
  });
}

namespace {
// slice's backward as a recorded op of dy: dy put back in its place, zeros elsewhere.
//   d(dy) = the same slice of ddx
Tensor slice_backward(const Tensor& dy, const DimSplit& s, int64_t dim, int64_t start, int64_t len, int64_t step,
                      const Shape& x_shape) {
  Tensor dx = empty(x_shape, dy.dtype());
  dispatch(dy.dtype(), "backward", [&]<class T> {
    kernels::slice_backward(dx.data<T>(), dy.data<T>(), s.outer, s.size, s.inner, start, len, step);
  });
  return record("slice_backward", {dy}, dx, {}, [dim, start, len, step](const Node&, const Tensor& ddx) {
    return Grads{slice(ddx, dim, start, start + (len - 1) * step + 1, step)};
  });
}
}  // namespace

// ---- slicing -------------------------------------------------------------------
// y = x[..., start : end : step, ...] along dim      dx = dy placed back there, zeros elsewhere
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  dim = normalize_dim(dim, x.dim(), "slice");
  SG_CHECK(x.dim() > 0, "slice: expected a tensor with at least one dim, got shape {}", x.shape());
  SG_CHECK(step >= 1, "slice: step must be positive, got {}", step);
  const int64_t n = x.size(dim);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  const int64_t len = end > start ? (end - start - 1) / step + 1 : 0;  // ceil((end - start) / step), any step
  const DimSplit s = split_at(x.shape(), dim);
  Shape shape = x.shape();
  shape[dim] = len;
  Tensor y;
  if (s.outer == 1 && (step == 1 || len <= 1)) {
    // One contiguous run of x (rows of a batch, a slice along the first dim that is not 1): a view
    // sharing x's buffer, as in PyTorch, so taking a batch from a dataset copies nothing. Writing into it
    // in place writes into x.
    y = x.detach();
    y.impl().shape = shape;
    y.impl().numel = shape.numel();
    y.impl().offset += size_t(start * s.inner) * element_size(x.dtype());
  } else {
    y = empty(shape, x.dtype());
    dispatch_all(x.dtype(), [&]<class T> { kernels::slice(y.data<T>(), x.data<T>(), s.outer, s.size, s.inner, start, len, step); });
  }
  return record("slice", {x}, y, {}, [s, dim, start, len, step, x_shape = x.shape()](const Node&, const Tensor& dy) {
    return Grads{slice_backward(dy, s, dim, start, len, step, x_shape)};  // recorded only under create_graph
  });
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  dim = normalize_dim(dim, x.dim(), "narrow");
  const int64_t n = x.dim() ? x.size(dim) : 1;
  int64_t end;
  const bool end_fits = !__builtin_add_overflow(start, length, &end);  // not with a length near INT64_MAX
  SG_CHECK(start >= 0 && length >= 0 && end_fits && end <= n,
           "narrow: [{}, {}) is out of range for dim {} of size {} in shape {}", start,
           end_fits ? fmt::format("{}", end) : fmt::format("{} + {}", start, length), dim, n, x.shape());
  return slice(x, dim, start, end, 1);
}

namespace {
// index_select's backward as a recorded op of dy: each row of dy added into the row of x it came from.
//   d(dy) = index_select(ddx, dim, index)
Tensor index_select_backward(const Tensor& dy, const Tensor& index, int64_t dim, const DimSplit& s,
                             const Shape& x_shape) {
  Tensor dx = empty(x_shape, dy.dtype());
  dispatch(dy.dtype(), "backward", [&]<class T> {
    kernels::gather_backward(dx.data<T>(), dy.data<T>(), index.data<int64_t>(), s.outer, s.size, s.inner, index.numel());
  });
  return record("index_select_backward", {dy}, dx, {index}, [dim](const Node& node, const Tensor& ddx) {
    return Grads{index_select(ddx, dim, node.saved(0))};
  });
}
}  // namespace

// ---- index_select --------------------------------------------------------------
// y[o, j, i] = x[o, index[j], i]               dx[o, index[j], i] += dy[o, j, i]
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  dim = normalize_dim(dim, x.dim(), "index_select");
  SG_CHECK(index.dtype() == kInt64 && index.dim() <= 1, "index_select: index must be a 1-D int64 tensor, got {} {}",
           index.shape(), index.dtype());
  const DimSplit s = split_at(x.shape(), dim);
  const int64_t* idx = index.data<int64_t>();
  for (int64_t j = 0; j < index.numel(); ++j)
    SG_CHECK(idx[j] >= 0 && idx[j] < s.size, "index_select: index {} is out of range for dim {} of size {}", idx[j],
             dim, s.size);
  Shape shape = x.shape();
  if (x.dim()) shape[dim] = index.numel();
  check_sizes(shape, "index_select");
  Tensor y = empty(shape, x.dtype());
  dispatch_all(x.dtype(), [&]<class T> {
    kernels::gather(y.data<T>(), x.data<T>(), idx, s.outer, s.size, s.inner, index.numel());
  });
  return record("index_select", {x}, y, {index}, [s, dim, x_shape = x.shape()](const Node& node, const Tensor& dy) {
    return Grads{index_select_backward(dy, node.saved(0), dim, s, x_shape)};  // recorded only under create_graph
  });
}

// ---- cat / stack ---------------------------------------------------------------
// y = [x_0 | x_1 | ...] along dim              dx_k = the slice of dy where x_k went
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  SG_CHECK(!tensors.empty(), "cat: expected at least one tensor, got none");
  const Tensor& first = tensors[0];
  SG_CHECK(first.dim() > 0, "cat: cannot join zero-dimensional tensors; use stack");
  dim = normalize_dim(dim, first.dim(), "cat");
  Shape shape = first.shape();
  shape[dim] = 0;
  for (size_t k = 0; k < tensors.size(); ++k) {
    const Tensor& t = tensors[k];
    SG_CHECK(t.dtype() == first.dtype(), "cat: dtypes must match, got {} (tensor 0) and {} (tensor {})", first.dtype(),
             t.dtype(), k);
    bool same = t.dim() == first.dim();
    for (int64_t d = 0; same && d < t.dim(); ++d) same = d == dim || t.size(d) == first.size(d);
    SG_CHECK(same, "cat: shapes must match except in dim {}, got {} (tensor 0) and {} (tensor {})", dim,
             first.shape(), t.shape(), k);
    SG_CHECK(!__builtin_add_overflow(shape[dim], t.size(dim), &shape[dim]),
             "cat: the sizes in dim {} add up to more than int64 can count (tensor {} of shape {})", dim, k,
             t.shape());
  }
  check_sizes(shape, "cat");
  Tensor y = empty(shape, first.dtype());
  const DimSplit out = split_at(shape, dim);
  const size_t bytes = element_size(first.dtype());
  int64_t offset = 0;
  std::vector<int64_t> starts;
  for (const Tensor& t : tensors) {
    const int64_t len = t.size(dim);
    auto* dst = static_cast<char*>(y.impl().data());
    const auto* src = static_cast<const char*>(t.impl().data());
    for (int64_t o = 0; o < out.outer; ++o)
      std::memcpy(dst + ((o * out.size + offset) * out.inner) * bytes, src + o * len * out.inner * bytes,
                  len * out.inner * bytes);
    starts.push_back(offset);
    offset += len;
  }
  return record("cat", tensors, y, {}, [dim, starts, shape](const Node& node, const Tensor& dy) {
    Grads grads(node.num_inputs());
    for (size_t k = 0; k < grads.size(); ++k) {
      const int64_t end = k + 1 < starts.size() ? starts[k + 1] : shape[dim];
      if (node.needs_grad(k)) grads[k] = slice(dy, dim, starts[k], end);
    }
    return grads;
  });
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  SG_CHECK(!tensors.empty(), "stack: expected at least one tensor, got none");
  dim = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (size_t k = 0; k < tensors.size(); ++k) {
    SG_CHECK(tensors[k].shape() == tensors[0].shape(), "stack: shapes must match, got {} (tensor 0) and {} (tensor {})",
             tensors[0].shape(), tensors[k].shape(), k);
    expanded.push_back(unsqueeze(tensors[k], dim));
  }
  return cat(expanded, dim);
}

// ---- pad -------------------------------------------------------------------------
// y = x surrounded by `value`; padding pairs (before, after) start from the last dim, as in F.pad.
// dx = the interior of dy where x was copied.
Tensor pad(const Tensor& x, const std::vector<int64_t>& padding, double value) {
  SG_CHECK(padding.size() % 2 == 0 && int64_t(padding.size()) / 2 <= x.dim(),
           "pad: expected pairs of paddings for at most {} dims, got {} values", x.dim(), padding.size());
  // The padded shape first: checked whole, it bounds every part made below.
  Shape padded = x.shape();
  for (size_t p = 0; p < padding.size() / 2; ++p) {
    const int64_t dim = x.dim() - 1 - int64_t(p), before = padding[2 * p], after = padding[2 * p + 1];
    SG_CHECK(before >= 0 && after >= 0, "pad: paddings must be non-negative, got {} and {} for dim {}", before,
             after, dim);
    SG_CHECK(!__builtin_add_overflow(padded[dim], before, &padded[dim]) &&
                 !__builtin_add_overflow(padded[dim], after, &padded[dim]),
             "pad: padding {} by {} and {} in dim {} gives a size beyond int64", x.shape(), before, after, dim);
  }
  check_sizes(padded, "pad");
  Tensor y = x;
  for (size_t p = 0; p < padding.size() / 2; ++p) {
    const int64_t dim = x.dim() - 1 - int64_t(p), before = padding[2 * p], after = padding[2 * p + 1];
    std::vector<Tensor> parts;
    Shape side = y.shape();
    if (before) {
      side[dim] = before;
      parts.push_back(full(side, value, x.dtype()));
    }
    parts.push_back(y);
    if (after) {
      side[dim] = after;
      parts.push_back(full(side, value, x.dtype()));
    }
    if (parts.size() > 1) y = cat(parts, dim);
  }
  return y;
}

}  // namespace sg
