// Making tensors: empty, constant, ranges, random, and from C++ values.
#include <cmath>
#include <cstring>

#include "autograd/allocator.h"
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/random.h"
#include "autograd/tensor.h"

namespace sg {

Tensor empty(const Shape& shape, Dtype dtype) {
  check_sizes(shape, "empty");
  // Both records come from the block cache (allocator.h): no malloc in a steady training loop.
  auto impl = std::allocate_shared<TensorImpl>(BlockAllocator<TensorImpl>());
  impl->numel = shape.numel();
  impl->storage = std::allocate_shared<Storage>(BlockAllocator<Storage>(), size_t(impl->numel) * element_size(dtype));
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor empty_like(const Tensor& like) { return empty(like.shape(), like.dtype()); }

Tensor full(const Shape& shape, double value, Dtype dtype) {
  check_sizes(shape, "full");
  Tensor t = empty(shape, dtype);
  dispatch_all(dtype, [&]<class T> { std::fill_n(t.data<T>(), t.numel(), T(value)); });
  return t;
}

// Each factory checks the sizes itself, so a negative size is reported under the name the user called.
Tensor zeros(const Shape& shape, Dtype dtype) {
  check_sizes(shape, "zeros");
  return full(shape, 0.0, dtype);
}
Tensor ones(const Shape& shape, Dtype dtype) {
  check_sizes(shape, "ones");
  return full(shape, 1.0, dtype);
}
Tensor zeros_like(const Tensor& like) { return zeros(like.shape(), like.dtype()); }
Tensor ones_like(const Tensor& like) { return ones(like.shape(), like.dtype()); }
Tensor full_like(const Tensor& like, double value) { return full(like.shape(), value, like.dtype()); }
Tensor scalar_tensor(double value, Dtype dtype) { return full({}, value, dtype); }

Tensor arange(double end, Dtype dtype) { return arange(0.0, end, 1.0, dtype); }

Tensor arange(double start, double end, double step, Dtype dtype) {
  SG_CHECK(step != 0 && std::isfinite(start) && std::isfinite(end) && std::isfinite(step),
           "arange: expected finite start, end and a non-zero step, got ({}, {}, {})", start, end, step);
  const double count = std::ceil((end - start) / step);
  Tensor t = empty({std::max<int64_t>(0, int64_t(count))}, dtype);
  dispatch_all(dtype, [&]<class T> {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = T(start + double(i) * step);
  });
  return t;
}

// Random draws are sequential on purpose: the numbers depend on the seed alone, never on threads.
Tensor rand(const Shape& shape, Dtype dtype) {
  check_sizes(shape, "rand");
  Tensor t = empty(shape, dtype);
  Generator& g = default_generator();
  dispatch(dtype, "rand", [&]<class T> {
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, float>) t.data<T>()[i] = g.uniform_float();
      else t.data<T>()[i] = g.uniform();
    }
  });
  return t;
}

Tensor randn(const Shape& shape, Dtype dtype) {
  check_sizes(shape, "randn");
  Tensor t = empty(shape, dtype);
  Generator& g = default_generator();
  dispatch(dtype, "randn", [&]<class T> {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = T(g.normal());
  });
  return t;
}

Tensor rand_like(const Tensor& like) { return rand(like.shape(), like.dtype()); }
Tensor randn_like(const Tensor& like) { return randn(like.shape(), like.dtype()); }

// ---- from C++ values ----
// Built innermost first, so each list checks its own rows and the error names their shapes.
NestedList::NestedList(std::initializer_list<NestedList> rows) {
  if (rows.size() > 0) shape_ = rows.begin()->shape_;
  int64_t i = 0;
  for (const NestedList& row : rows) {
    SG_CHECK(row.shape_ == shape_,
             "tensor: nested lists must be rectangular, got row 0 of shape {} and row {} of shape {}", shape_, i,
             row.shape_);
    const std::span<const double> v = row.values();
    values_.insert(values_.end(), v.begin(), v.end());
    ++i;
  }
  shape_.insert(0, int64_t(rows.size()));
}

Tensor tensor(const NestedList& values, Dtype dtype) {
  Tensor t = empty(values.shape(), dtype);
  const std::span<const double> v = values.values();
  dispatch_all(dtype, [&]<class T> {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = T(v[i]);
  });
  return t;
}

Tensor tensor_from_buffer(const void* values, size_t count, Dtype dtype, const Shape& shape) {
  check_sizes(shape, "tensor");
  SG_CHECK(int64_t(count) == shape.numel(), "tensor: {} values cannot fill shape {} ({} elements)", count, shape,
           shape.numel());
  Tensor t = empty(shape, dtype);
  if (count) std::memcpy(t.impl().data(), values, count * element_size(dtype));
  return t;
}

}  // namespace sg
