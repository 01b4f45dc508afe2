// Choosing between values by a condition, and turning class indices into one-hot rows.
#include "autograd/check.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- where ---------------------------------------------------------------------
// y = c ? a : b        da = dy where c, else 0        db = dy where !c, else 0
// Written with selects rather than c * a + (1 - c) * b, which would turn an inf in the unchosen side into NaN.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  SG_CHECK(a.dtype() == b.dtype(), "where: dtypes must match, got {} {} and {} {}", a.shape(), a.dtype(), b.shape(),
           b.dtype());
  const Shape shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  const Tensor c = broadcast_to(condition.detach(), shape), av = broadcast_to(a.detach(), shape),
               bv = broadcast_to(b.detach(), shape);
  Tensor y = empty(shape, a.dtype());
  dispatch_all(condition.dtype(), [&]<class C> {
    dispatch_all(a.dtype(), [&]<class T> {
      // Pointers taken once: data<T>() checks the dtype, and inside the loop it kept the loop scalar.
      const C* when = c.data<C>();
      const T *yes = av.data<T>(), *no = bv.data<T>();
      T* out = y.data<T>();
      for (int64_t i = 0; i < y.numel(); ++i) out[i] = when[i] != C(0) ? yes[i] : no[i];
    });
  });
  return record("where", {a, b}, y, {c}, [sa = a.shape(), sb = b.shape()](const Node& node, const Tensor& dy) {
    const Tensor& c = node.saved(0);
    const Tensor zero = zeros({}, dy.dtype());
    return Grads{node.needs_grad(0) ? reduce_to(where(c, dy, zero), sa) : Tensor(),
                 node.needs_grad(1) ? reduce_to(where(c, zero, dy), sb) : Tensor()};
  });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  SG_CHECK(broadcast_shapes(x.shape(), mask.shape(), "masked_fill") == x.shape(),
           "masked_fill: mask must broadcast to x, got x {} and mask {}", x.shape(), mask.shape());
  if (x.dtype() == kInt64) (void)element_from<int64_t>(value, "masked_fill");
  return where(mask, full({}, value, x.dtype()), x);
}

// ---- one_hot -------------------------------------------------------------------
// y[n, labels[n]] = 1, zeros elsewhere (not differentiable: labels are integers)
Tensor one_hot(const Tensor& labels, int64_t num_classes, Dtype dtype) {
  SG_CHECK(labels.dtype() == kInt64, "one_hot: labels must be int64, got {} {}", labels.shape(), labels.dtype());
  SG_CHECK(num_classes > 0, "one_hot: num_classes must be positive, got {}", num_classes);
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  check_sizes(shape, "one_hot");
  Tensor y = zeros(shape, dtype);
  const int64_t* l = labels.data<int64_t>();
  dispatch_all(dtype, [&]<class T> {
    for (int64_t n = 0; n < labels.numel(); ++n) {
      SG_CHECK(l[n] >= 0 && l[n] < num_classes, "one_hot: label {} at position {} is outside [0, {})", l[n], n,
               num_classes);
      y.data<T>()[n * num_classes + l[n]] = T(1);
    }
  });
  return y;
}

}  // namespace sg
