// Elementwise ops of two tensors, broadcast like NumPy. The forward broadcasts; each backward hands the
// incoming gradient through its formula and sums it back to each input's shape with reduce_to. Those
// formulas are ops (pow's have a kernel and, for create_graph, the same in ops), so they are recorded
// when backward builds a graph.
#include <cmath>

#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
// Checks dtypes, broadcasts, and runs f(a, b) elementwise: the forward of every op in this file.
// int64 is allowed where integer arithmetic makes sense (labels, counts); it never requires grad, and it
// wraps around on overflow (kernels::wrapping_add), as in PyTorch. Dividing integers gives floats in
// PyTorch, which an int64 output cannot hold, so div refuses int64 (and never divides by an integer 0).
template <bool kIntegerOk = true, class F>
Tensor binary_forward(const char* op, const Tensor& a, const Tensor& b, F f) {
  SG_CHECK(a.dtype() == b.dtype(), "{}: dtypes must match, got {} {} and {} {}", op, a.shape(), a.dtype(),
           b.shape(), b.dtype());
  SG_CHECK(kIntegerOk || is_floating(a.dtype()), "{}: expected float tensors, got {}", op, a.dtype());
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor y = empty(shape, a.dtype());
  dispatch_all(a.dtype(), [&]<class T> {
    if (a.shape() == b.shape())
      kernels::map2(y.data<T>(), a.data<T>(), b.data<T>(), y.numel(), f);
    else
      kernels::broadcast_map2(y.data<T>(), a.data<T>(), b.data<T>(),
                              kernels::BroadcastPlan(shape, a.shape(), b.shape()), f);
  });
  return y;
}
}  // namespace

// ---- add -------------------------------------------------------------------
// y = a + b        da = dy        db = dy
Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("add", a, b, [](auto x, auto z) { return kernels::wrapping_add(x, z); });
  return record("add", {a, b}, y, {}, [sa = a.shape(), sb = b.shape()](const Node&, const Tensor& dy) {
    return Grads{reduce_to(dy, sa), reduce_to(dy, sb)};
  });
}

// ---- sub -------------------------------------------------------------------
// y = a - b        da = dy        db = -dy
Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("sub", a, b, [](auto x, auto z) { return kernels::wrapping_sub(x, z); });
  return record("sub", {a, b}, y, {}, [sa = a.shape(), sb = b.shape()](const Node& node, const Tensor& dy) {
    return Grads{reduce_to(dy, sa), node.needs_grad(1) ? reduce_to(neg(dy), sb) : Tensor()};
  });
}

// ---- mul -------------------------------------------------------------------
// y = a * b        da = dy * b        db = dy * a
Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("mul", a, b, [](auto x, auto z) { return kernels::wrapping_mul(x, z); });
  return record("mul", {a, b}, y, {a, b}, [](const Node& node, const Tensor& dy) {
    const Tensor &a = node.saved(0), &b = node.saved(1);
    return Grads{node.needs_grad(0) ? reduce_to(mul(dy, b), a.shape()) : Tensor(),
                 node.needs_grad(1) ? reduce_to(mul(dy, a), b.shape()) : Tensor()};
  });
}

// ---- div -------------------------------------------------------------------
// y = a / b        da = dy / b        db = -dy * a / b^2 = -dy * y / b
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward<false>("div", a, b, [](auto x, auto z) { return x / z; });
  return record("div", {a, b}, y, {a, b}, [](const Node& node, const Tensor& dy) {
    const Tensor &a = node.saved(0), &b = node.saved(1);
    return Grads{node.needs_grad(0) ? reduce_to(div(dy, b), a.shape()) : Tensor(),
                 node.needs_grad(1) ? reduce_to(neg(div(mul(dy, a), mul(b, b))), b.shape()) : Tensor()};
  });
}

// ---- pow -------------------------------------------------------------------
// y = a^b          da = dy * b * a^(b-1)          db = dy * y * ln a
// PyTorch's conventions: da = 0 where b == 0 (also at a == 0, where a^(b-1) is inf), and db = 0 where
// a == 0 and b >= 0, where y is 0 or 1 and its one-sided slope 0 (y ln a would be NaN or -inf).
Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward<false>("pow", a, b, [](auto x, auto e) { return std::pow(x, e); });
  return record("pow", {a, b}, y, {a, b, y}, [](const Node& node, const Tensor& dy) {
    const Tensor &a = node.saved(0), &b = node.saved(1), &y = node.saved(2);
    if (GradMode::is_enabled()) {  // create_graph: the same formulas in recorded ops
      const Tensor zero = zeros({}, dy.dtype());
      return Grads{node.needs_grad(0) ? reduce_to(where(eq(b, 0.0), zero, mul(dy, mul(b, pow(a, sub(b, ones({}, b.dtype())))))), a.shape()) : Tensor(),
                   node.needs_grad(1) ? reduce_to(where(logical_and(eq(a, 0.0), ge(b, 0.0)), zero, mul(dy, mul(y, log(a)))), b.shape()) : Tensor()};
    }
    // Each gradient reads a and b at every output element: broadcast them once (no copy when the shapes match).
    const Tensor av = broadcast_to(a, dy.shape()), bv = broadcast_to(b, dy.shape());
    Tensor da, db;
    dispatch(dy.dtype(), "backward", [&]<class T> {
      if (node.needs_grad(0)) {
        da = empty_like(dy);
        kernels::map3(da.data<T>(), av.data<T>(), bv.data<T>(), dy.data<T>(), dy.numel(),
                      [](T x, T e, T g) { return e == 0 ? T(0) : g * e * std::pow(x, e - 1); });
      }
      if (node.needs_grad(1)) {
        db = empty_like(dy);
        kernels::map4(db.data<T>(), av.data<T>(), bv.data<T>(), y.data<T>(), dy.data<T>(), dy.numel(),
                      [](T x, T e, T yv, T g) { return x == 0 && e >= 0 ? T(0) : g * yv * std::log(x); });
      }
    });
    return Grads{da.defined() ? reduce_to(da, a.shape()) : Tensor(), db.defined() ? reduce_to(db, b.shape()) : Tensor()};
  });
}

// ---- maximum / minimum -----------------------------------------------------
// y = max(a, b), NaN where either is NaN
// da = 0 where a < b, dy / 2 where a == b, else dy      db = 0 where a > b, dy / 2 where a == b, else dy
// PyTorch's rules: at a tie each side gets half the gradient (then summed to its own shape when broadcast),
// and where either is NaN neither comparison holds, so both get all of it.
namespace {
// dy where this side wins, dy / 2 at a tie, 0 where it loses; where rather than dy times a 0 / 1 / 0.5
// weight, so an infinite dy gives 0 on the losing side, not NaN.
Tensor share_of(const Tensor& dy, const Tensor& loses, const Tensor& ties) {
  return where(loses, zeros({}, dy.dtype()), where(ties, div(dy, 2.0), dy));
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
  // `|` of the two tests, not `||`: a select the loop vectorises; a NaN in a is kept, one in b chosen.
  Tensor y = binary_forward("maximum", a, b, [](auto x, auto z) { return ((x >= z) | (x != x)) ? x : z; });
  return record("maximum", {a, b}, y, {a, b}, [](const Node& node, const Tensor& dy) {
    const Tensor &a = node.saved(0), &b = node.saved(1);
    const Tensor ties = eq(a, b);
    return Grads{node.needs_grad(0) ? reduce_to(share_of(dy, lt(a, b), ties), a.shape()) : Tensor(),
                 node.needs_grad(1) ? reduce_to(share_of(dy, gt(a, b), ties), b.shape()) : Tensor()};
  });
}

// y = min(a, b), NaN where either is NaN
// da = 0 where a > b, dy / 2 where a == b, else dy      db = 0 where a < b, dy / 2 where a == b, else dy
Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("minimum", a, b, [](auto x, auto z) { return ((x <= z) | (x != x)) ? x : z; });
  return record("minimum", {a, b}, y, {a, b}, [](const Node& node, const Tensor& dy) {
    const Tensor &a = node.saved(0), &b = node.saved(1);
    const Tensor ties = eq(a, b);
    return Grads{node.needs_grad(0) ? reduce_to(share_of(dy, gt(a, b), ties), a.shape()) : Tensor(),
                 node.needs_grad(1) ? reduce_to(share_of(dy, lt(a, b), ties), b.shape()) : Tensor()};
  });
}

// ---- comparisons: not differentiable, 0 or 1 in the inputs' dtype ----------
Tensor eq(const Tensor& a, const Tensor& b) { return binary_forward("eq", a, b, [](auto x, auto z) { return decltype(x)(x == z); }); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_forward("ne", a, b, [](auto x, auto z) { return decltype(x)(x != z); }); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_forward("lt", a, b, [](auto x, auto z) { return decltype(x)(x < z); }); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_forward("le", a, b, [](auto x, auto z) { return decltype(x)(x <= z); }); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_forward("gt", a, b, [](auto x, auto z) { return decltype(x)(x > z); }); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_forward("ge", a, b, [](auto x, auto z) { return decltype(x)(x >= z); }); }
namespace {
// An int64 tensor against a value it cannot hold (1.5, 1e30, NaN) is compared in float64, as in PyTorch,
// not against the value truncated to an integer (labels > -1.5 must not mean labels > -1).
Tensor compare_with_scalar(Tensor (*compare)(const Tensor&, const Tensor&), const Tensor& a, double v) {
  const bool held_exactly = a.dtype() != kInt64 || (v == std::trunc(v) && v >= -0x1p63 && v < 0x1p63);
  if (held_exactly) return compare(a, full({}, v, a.dtype()));
  return compare(a.to(kFloat64), full({}, v, kFloat64)).to(kInt64);
}
}  // namespace
Tensor eq(const Tensor& a, double v) { return compare_with_scalar(eq, a, v); }
Tensor gt(const Tensor& a, double v) { return compare_with_scalar(gt, a, v); }
Tensor lt(const Tensor& a, double v) { return compare_with_scalar(lt, a, v); }
Tensor ne(const Tensor& a, double v) { return compare_with_scalar(ne, a, v); }
Tensor le(const Tensor& a, double v) { return compare_with_scalar(le, a, v); }
Tensor ge(const Tensor& a, double v) { return compare_with_scalar(ge, a, v); }

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double v) { return eq(a, v); }
Tensor operator!=(const Tensor& a, double v) { return ne(a, v); }
Tensor operator<(const Tensor& a, double v) { return lt(a, v); }
Tensor operator<=(const Tensor& a, double v) { return le(a, v); }
Tensor operator>(const Tensor& a, double v) { return gt(a, v); }
Tensor operator>=(const Tensor& a, double v) { return ge(a, v); }
Tensor operator==(double v, const Tensor& a) { return eq(a, v); }
Tensor operator!=(double v, const Tensor& a) { return ne(a, v); }
Tensor operator<(double v, const Tensor& a) { return gt(a, v); }
Tensor operator<=(double v, const Tensor& a) { return ge(a, v); }
Tensor operator>(double v, const Tensor& a) { return lt(a, v); }
Tensor operator>=(double v, const Tensor& a) { return le(a, v); }

// ---- logic: not differentiable, 0 or 1 in the inputs' dtype; any non-zero value is true, NaN included --
// `&` and `|` of the two tests rather than `&&` and `||`: selects the loop vectorises.
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return binary_forward("logical_and", a, b, [](auto x, auto z) { return decltype(x)((x != 0) & (z != 0)); });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return binary_forward("logical_or", a, b, [](auto x, auto z) { return decltype(x)((x != 0) | (z != 0)); });
}
Tensor logical_not(const Tensor& x) {
  Tensor y = empty_like(x);
  dispatch_all(x.dtype(), [&]<class T> {
    kernels::map(y.data<T>(), x.data<T>(), x.numel(), [](T v) { return T(v == 0); });
  });
  return y;
}

}  // namespace sg
