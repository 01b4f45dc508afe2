// Making tensors: empty, constant, ranges, random, and from C++ values.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "autograd/allocator.h"
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/random.h"
#include "autograd/tensor.h"

namespace sg {

namespace {
// empty() under the name of the factory the user called, so that errors name it.
Tensor allocate(const Shape& shape, Dtype dtype, std::string_view op) {
  check_sizes(shape, op);
  // Both records come from the block cache (allocator.h): no malloc in a steady training loop.
  auto impl = std::allocate_shared<TensorImpl>(BlockAllocator<TensorImpl>());
  impl->numel = shape.numel();
  // At most kMaxNumel elements of at most 8 bytes: the byte count cannot overflow.
  static_assert(kMaxNumel <= PTRDIFF_MAX / 8);
  const size_t bytes = size_t(impl->numel) * element_size(dtype);
  try {
    impl->storage = std::allocate_shared<Storage>(BlockAllocator<Storage>(), bytes);
  } catch (const std::bad_alloc&) {
    throw AllocationError(
        fmt::format("{}: cannot allocate {} bytes for a {} tensor of shape {}", op, bytes, dtype, shape));
  }
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

// Each factory checks the sizes and the value itself, so a bad one is reported under the name the user
// called.
Tensor filled(const Shape& shape, double value, Dtype dtype, std::string_view op) {
  Tensor t = allocate(shape, dtype, op);
  dispatch_all(dtype, [&]<class T> { std::fill_n(t.data<T>(), t.numel(), element_from<T>(value, op)); });
  return t;
}
}  // namespace

Tensor empty(const Shape& shape, Dtype dtype) { return allocate(shape, dtype, "empty"); }
Tensor empty_like(const Tensor& like) { return empty(like.shape(), like.dtype()); }

Tensor full(const Shape& shape, double value, Dtype dtype) { return filled(shape, value, dtype, "full"); }
Tensor zeros(const Shape& shape, Dtype dtype) { return filled(shape, 0.0, dtype, "zeros"); }
Tensor ones(const Shape& shape, Dtype dtype) { return filled(shape, 1.0, dtype, "ones"); }
Tensor zeros_like(const Tensor& like) { return zeros(like.shape(), like.dtype()); }
Tensor ones_like(const Tensor& like) { return ones(like.shape(), like.dtype()); }
Tensor full_like(const Tensor& like, double value) { return filled(like.shape(), value, like.dtype(), "full_like"); }
Tensor scalar_tensor(double value, Dtype dtype) { return filled({}, value, dtype, "scalar_tensor"); }

Tensor arange(double end, Dtype dtype) { return arange(0.0, end, 1.0, dtype); }

Tensor arange(double start, double end, double step, Dtype dtype) {
  SG_CHECK(step != 0 && std::isfinite(start) && std::isfinite(end) && std::isfinite(step),
           "arange: expected finite start, end and a non-zero step, got ({}, {}, {})", start, end, step);
  // The count is checked as a double: converting one beyond int64 (arange(0, 1e30)) is undefined.
  const double count = std::max(0.0, std::ceil((end - start) / step));
  SG_CHECK(count <= double(kMaxNumel), "arange: ({}, {}, {}) is too large: {:.3g} elements, more than the {} a "
           "tensor can hold", start, end, step, count, kMaxNumel);
  Tensor t = allocate({int64_t(count)}, dtype, "arange");
  dispatch_all(dtype, [&]<class T> {
    // The values grow monotonically: if the first and the last fit in T, all do.
    if (t.numel() > 0) {
      (void)element_from<T>(start, "arange");
      (void)element_from<T>(start + double(t.numel() - 1) * step, "arange");
    }
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = T(start + double(i) * step);
  });
  return t;
}

// PyTorch's order of operations, so float32 values match it to the bit: start and end in T (for int64,
// truncated), the step in T (double for int64), and the second half counted back from end.
Tensor linspace(double start, double end, int64_t steps, Dtype dtype) {
  SG_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got {}", steps);
  SG_CHECK(std::isfinite(start) && std::isfinite(end), "linspace: expected finite start and end, got ({}, {})", start,
           end);
  Tensor t = allocate({steps}, dtype, "linspace");
  dispatch_all(dtype, [&]<class T> {
    using Step = std::conditional_t<std::is_integral_v<T>, double, T>;
    const T first = element_from<T>(start, "linspace"), last = element_from<T>(end, "linspace");
    T* out = t.data<T>();
    if (steps == 1) out[0] = first;
    if (steps <= 1) return;
    const Step step = (Step(last) - Step(first)) / Step(steps - 1);
    const int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      out[i] = i < half ? T(Step(first) + step * Step(i)) : T(Step(last) - step * Step(steps - 1 - i));
  });
  return t;
}

Tensor eye(int64_t n, Dtype dtype) { return eye(n, n, dtype); }

Tensor eye(int64_t n, int64_t m, Dtype dtype) {
  SG_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got n {} and m {}", n, m);
  Tensor t = filled({n, m}, 0.0, dtype, "eye");
  dispatch_all(dtype, [&]<class T> {
    for (int64_t i = 0; i < std::min(n, m); ++i) t.data<T>()[i * m + i] = T(1);
  });
  return t;
}

// Random draws are sequential on purpose: the numbers depend on the seed alone, never on threads.
Tensor rand(const Shape& shape, Dtype dtype) {
  Tensor t = allocate(shape, dtype, "rand");
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
  Tensor t = allocate(shape, dtype, "randn");
  Generator& g = default_generator();
  dispatch(dtype, "randn", [&]<class T> {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = T(g.normal());
  });
  return t;
}

Tensor randint(int64_t high, const Shape& shape, Dtype dtype) { return randint(0, high, shape, dtype); }

// high - low is taken in uint64, where it is exact for any low < high (even -2^63 to 2^63 - 1), and each
// draw is unbiased (Generator::randint rejects the remainder).
Tensor randint(int64_t low, int64_t high, const Shape& shape, Dtype dtype) {
  SG_CHECK(low < high, "randint: expected low < high, got low {} and high {}", low, high);
  Tensor t = allocate(shape, dtype, "randint");
  Generator& g = default_generator();
  const uint64_t range = uint64_t(high) - uint64_t(low);
  dispatch_all(dtype, [&]<class T> {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = T(int64_t(uint64_t(low) + g.randint(range)));
  });
  return t;
}

// Fisher-Yates from the last position down: each of the n! orders equally likely.
Tensor randperm(int64_t n, Dtype dtype) {
  SG_CHECK(n >= 0, "randperm: n must be non-negative, got {}", n);
  Tensor t = allocate({n}, dtype, "randperm");
  Generator& g = default_generator();
  dispatch_all(dtype, [&]<class T> {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = T(i);
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[g.randint(uint64_t(i) + 1)]);
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
  Tensor t = allocate(values.shape(), dtype, "tensor");
  const std::span<const double> v = values.values();
  dispatch_all(dtype, [&]<class T> {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = element_from<T>(v[i], "tensor");
  });
  return t;
}

Tensor tensor_from_buffer(const void* values, size_t count, Dtype dtype, const Shape& shape) {
  check_sizes(shape, "tensor");
  SG_CHECK(int64_t(count) == shape.numel(), "tensor: {} values cannot fill shape {} ({} elements)", count, shape,
           shape.numel());
  Tensor t = allocate(shape, dtype, "tensor");
  if (count) std::memcpy(t.impl().data(), values, count * element_size(dtype));
  return t;
}

}  // namespace sg
