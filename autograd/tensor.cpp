// Tensor: storage, accessors, conversions, the autograd fields, and in-place updates.
#include "autograd/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "autograd/allocator.h"
#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- storage ----
Storage::Storage(size_t bytes_)
    : data(bytes_ <= kInlineBytes ? static_cast<void*>(inline_) : allocate_buffer(bytes_)), bytes(bytes_) {}

Storage::~Storage() {
  if (data != inline_) free_buffer(data, bytes);
}

// ---- accessors ----
void Tensor::throw_undefined() {
  fail("tensor: this Tensor is undefined (default-constructed, or an absent gradient)");
}

int64_t Tensor::size(int64_t d) const { return shape()[normalize_dim(d, dim(), "size")]; }

void Tensor::throw_dtype_mismatch(Dtype expected) const {
  fail("data: tensor of shape {} holds {}, accessed as {}", shape(), dtype(), expected);
}

double Tensor::item() const {
  SG_CHECK(numel() == 1, "item: expected a one-element tensor, got shape {}", shape());
  return dispatch_all(dtype(), [&]<class T> { return double(data<T>()[0]); });
}

// Not through item(): an int64 as a double loses its low bits, and INT64_MAX rounds to 2^63, which
// does not convert back.
int64_t Tensor::item_int64() const {
  if (dtype() != kInt64) return element_from<int64_t>(item(), "item");
  SG_CHECK(numel() == 1, "item: expected a one-element tensor, got shape {}", shape());
  return data<int64_t>()[0];
}

namespace {
int64_t flat_index(const Shape& shape, std::initializer_list<int64_t> index, const char* op) {
  SG_CHECK(int64_t(index.size()) == shape.size(), "{}: expected {} indices for shape {}, got {}", op,
           shape.size(), shape, index.size());
  int64_t flat = 0, d = 0;
  for (int64_t i : index) {
    SG_CHECK(i >= -shape[d] && i < shape[d], "{}: index {} is out of range for dimension {} of shape {}", op,
             i, d, shape);
    flat = flat * shape[d] + (i < 0 ? i + shape[d] : i);
    ++d;
  }
  return flat;
}
}  // namespace

double Tensor::at(std::initializer_list<int64_t> index) const {
  const int64_t i = flat_index(shape(), index, "at");
  return dispatch_all(dtype(), [&]<class T> { return double(data<T>()[i]); });
}

// ---- conversions ----
namespace {
// A float that is NaN, infinite or beyond int64's range has no int64 value: the C++ cast is undefined
// (x86 gives INT64_MIN), and PyTorch leaves the result undefined. Refused here, naming the first one.
void check_int64_convertible(const Tensor& x, Dtype target, const char* op) {
  if (target != kInt64 || !is_floating(x.dtype())) return;
  dispatch(x.dtype(), op, [&]<class T> {
    const T* v = x.data<T>();
    bool all_fit = true;  // no early exit: the scan vectorises, and a bad value is the rare case
    for (int64_t i = 0; i < x.numel(); ++i) all_fit &= fits_int64(v[i]);
    if (all_fit) return;
    const int64_t i = std::find_if(v, v + x.numel(), [](T e) { return !fits_int64(e); }) - v;
    fail("{}: cannot convert {} (element {} of a {} tensor of shape {}) to int64 (only finite values in "
         "[-2^63, 2^63) can be)",
         op, v[i], i, x.dtype(), x.shape());
  });
}
}  // namespace

Tensor Tensor::to(Dtype target) const {
  if (target == dtype()) return *this;
  check_int64_convertible(*this, target, "to");
  Tensor out = empty(shape(), target);
  dispatch_all(dtype(), [&]<class S> {
    dispatch_all(target, [&]<class D> {
      kernels::map(out.data<D>(), data<S>(), numel(), [](S v) { return static_cast<D>(v); });
    });
  });
  if (!is_floating(target) || !is_floating(dtype())) return out;
  // fwd: y = (D) x  =>  dx = (S) dy
  const Dtype source = dtype();
  return record("to", {*this}, out, {}, [source](const Node&, const Tensor& dy) { return Grads{dy.to(source)}; });
}

// ---- clone ----
// y = x       dx = dy
Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype());
  std::memcpy(out.impl().data(), impl().data(), numel() * element_size(dtype()));
  return record("clone", {*this}, out, {}, [](const Node&, const Tensor& dy) { return Grads{dy}; });
}

Tensor Tensor::detach() const {
  auto alias = std::allocate_shared<TensorImpl>(BlockAllocator<TensorImpl>());
  alias->storage = impl().storage;
  alias->shape = impl().shape;
  alias->numel = impl().numel;
  alias->dtype = impl().dtype;
  alias->offset = impl().offset;
  return Tensor(std::move(alias));
}

// ---- autograd fields ----
Tensor& Tensor::requires_grad_(bool requires_grad) {
  SG_CHECK(!requires_grad || is_floating(dtype()), "requires_grad_: only float tensors can require grad, got {}",
           dtype());
  SG_CHECK(is_leaf(),
           "requires_grad_: only leaf tensors can change requires_grad; this one was made by '{}' (use detach())",
           grad_fn() ? grad_fn()->name() : "");
  impl().requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const { return impl().grad ? Tensor(impl().grad) : Tensor(); }

void Tensor::zero_grad() { impl().grad.reset(); }

// A leaf keeps its hooks; a non-leaf's go on the node that made it, where backward finds its gradient
// complete (the edges that lead to a leaf carry one use's share each).
HookHandle Tensor::register_hook(GradHook hook) const {
  SG_CHECK(requires_grad(),
           "register_hook: cannot register a hook on a tensor that doesn't require gradient, got one of shape {}",
           shape());
  SG_CHECK(hook != nullptr, "register_hook: expected a callable hook, got an empty std::function");
  if (is_leaf()) return impl().hooks.add(std::move(hook));
  Node& node = *grad_fn();
  if (!node.hooks_) node.hooks_ = std::make_unique<OutputHooks>();
  return node.hooks_->hooks.add(std::move(hook));
}

void Tensor::retain_grad() const {
  SG_CHECK(requires_grad(),
           "retain_grad: can't retain_grad on a tensor that has requires_grad=false, got one of shape {}", shape());
  if (is_leaf()) return;
  Node& node = *grad_fn();
  if (!node.hooks_) node.hooks_ = std::make_unique<OutputHooks>();
  node.hooks_->retained = impl_ptr();
}

bool Tensor::retains_grad() const {
  return !is_leaf() && grad_fn()->hooks_ && grad_fn()->hooks_->retained.lock() == impl_ptr();
}

void Tensor::set_grad(const Tensor& grad) {
  SG_CHECK(!grad.defined() || (grad.shape() == shape() && grad.dtype() == dtype()),
           "set_grad: gradient must match the tensor, expected {} {}, got {} {}", shape(), dtype(), grad.shape(),
           grad.dtype());
  impl().grad = grad.defined() ? grad.detach().impl_ptr() : nullptr;
}

// ---- in place ----
// Changing a tensor that autograd tracks would make its recorded gradients wrong, so in-place updates
// are refused while grad mode is on; optimizers update parameters under NoGradGuard.
void Tensor::check_in_place(const char* op) const {
  SG_CHECK(!(GradMode::is_enabled() && requires_grad()),
           "{}: in-place change of a tensor of shape {} that requires grad; do it under sg::NoGradGuard, or use "
           "the out-of-place op",
           op, shape());
}

Overlap memory_overlap(const Tensor& a, const Tensor& b) {
  const TensorImpl &x = a.impl(), &y = b.impl();
  if (x.storage != y.storage || x.numel == 0 || y.numel == 0) return Overlap::kNone;
  const size_t x_end = x.offset + size_t(x.numel) * element_size(x.dtype);
  const size_t y_end = y.offset + size_t(y.numel) * element_size(y.dtype);
  if (x_end <= y.offset || y_end <= x.offset) return Overlap::kNone;
  return x.offset == y.offset && x_end == y_end ? Overlap::kSame : Overlap::kPartial;
}

namespace {
// An input that is the target itself (x += x) is read at each element just before that element is
// written, so the result is right; one that shares only part of the target's bytes is read after it
// was written. PyTorch refuses that case with this message, for copy_ as for arithmetic.
void check_no_partial_overlap(const Tensor& self, const Tensor& other, const char* op) {
  if (memory_overlap(self, other) != Overlap::kPartial) [[likely]] return;
  const size_t bytes = element_size(self.dtype());
  const size_t self_at = self.impl().offset / bytes, other_at = other.impl().offset / bytes;
  fail("{}: unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
       "memory location (got the written-to tensor {} at elements [{}, {}) and the input {} at elements [{}, {}) "
       "of one buffer); clone() the input first",
       op, self.shape(), self_at, self_at + self.numel(), other.shape(), other_at, other_at + other.numel());
}

// An int64 tensor holds int64 results only. A scalar that is not a whole number an int64 can hold would
// need a float result, so it is refused, as in PyTorch, rather than truncated first (t *= 2.5 would
// double t, and t += 0.9 do nothing).
void check_int64_scalar(const Tensor& self, const char* op, const char* what, double value) {
  if (self.dtype() != kInt64) return;
  SG_CHECK(value == std::trunc(value) && value >= -0x1p63 && value < 0x1p63,
           "{}: result type float can't be cast to the desired output type int64, got {} {} for an int64 tensor of "
           "shape {}; convert the tensor with to(kFloat64) first",
           op, what, value, self.shape());
}

// Dividing integers gives floats (PyTorch's true division), which an int64 tensor cannot hold; refusing
// also keeps integer division by zero, a crash, from ever running.
void check_not_int64_division(const Tensor& self) {
  SG_CHECK(self.dtype() != kInt64,
           "div_: result type float can't be cast to the desired output type int64 (dividing integers gives "
           "floats), got an int64 tensor of shape {}; convert it with to(kFloat64) first",
           self.shape());
}

template <class F>
void update_in_place(Tensor& self, const Tensor& other, const char* op, F f) {
  SG_CHECK(other.dtype() == self.dtype(), "{}: dtypes must match, got {} and {}", op, self.dtype(),
           other.dtype());
  const bool same_shape = other.shape() == self.shape();  // the usual case (gradients, optimizer steps)
  SG_CHECK(same_shape || broadcast_shapes(self.shape(), other.shape(), op) == self.shape(),
           "{}: cannot broadcast {} into the in-place target {}", op, other.shape(), self.shape());
  check_no_partial_overlap(self, other, op);
  dispatch_all(self.dtype(), [&]<class T> {
    T* x = self.data<T>();
    const T* y = other.data<T>();
    if (same_shape)
      kernels::map2(x, x, y, self.numel(), [&](T a, T b) { return T(f(a, b)); });
    else
      kernels::broadcast_map2(x, x, y, kernels::BroadcastPlan(self.shape(), self.shape(), other.shape()),
                              [&](T a, T b) { return T(f(a, b)); });
  });
  ++self.impl().storage->version;
}

template <class F>
void update_in_place(Tensor& self, F f) {
  dispatch_all(self.dtype(), [&]<class T> {
    T* x = self.data<T>();
    kernels::map(x, x, self.numel(), [&](T a) { return T(f(a)); });
  });
  ++self.impl().storage->version;
}
}  // namespace

// int64 arithmetic below wraps around on overflow (kernels::wrapping_add), as in PyTorch.
Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_in_place("add_");
  check_int64_scalar(*this, "add_", "alpha", alpha);
  if (alpha == 1.0) update_in_place(*this, other, "add_", [](auto a, auto b) { return kernels::wrapping_add(a, b); });
  else
    update_in_place(*this, other, "add_", [alpha](auto a, auto b) {
      return kernels::wrapping_add(a, kernels::wrapping_mul(decltype(a)(alpha), b));
    });
  return *this;
}
Tensor& Tensor::mul_(const Tensor& other) {
  check_in_place("mul_");
  update_in_place(*this, other, "mul_", [](auto a, auto b) { return kernels::wrapping_mul(a, b); });
  return *this;
}
Tensor& Tensor::mul_(double value) {
  check_in_place("mul_");
  check_int64_scalar(*this, "mul_", "scalar", value);
  update_in_place(*this, [value](auto a) { return kernels::wrapping_mul(a, decltype(a)(value)); });
  return *this;
}
// An int64 target takes the value truncated toward zero, as in PyTorch; one it cannot hold is refused
// (converting it would be undefined behaviour).
Tensor& Tensor::fill_(double value) {
  check_in_place("fill_");
  if (dtype() == kInt64) (void)element_from<int64_t>(value, "fill_");
  update_in_place(*this, [value](auto a) { return decltype(a)(value); });
  return *this;
}
Tensor& Tensor::copy_(const Tensor& other) {
  check_in_place("copy_");
  SG_CHECK(other.shape() == shape(), "copy_: shapes must match, got {} into {}", other.shape(), shape());
  check_int64_convertible(other, dtype(), "copy_");
  const Tensor converted = other.to(dtype());
  update_in_place(*this, converted, "copy_", [](auto, auto b) { return b; });
  return *this;
}
Tensor& Tensor::set_(std::initializer_list<int64_t> index, double value) {
  check_in_place("set_");
  const int64_t i = flat_index(shape(), index, "set_");
  dispatch_all(dtype(), [&]<class T> { data<T>()[i] = element_from<T>(value, "set_"); });
  ++impl().storage->version;
  return *this;
}

Tensor& Tensor::operator+=(const Tensor& other) { return add_(other); }
Tensor& Tensor::operator-=(const Tensor& other) { return add_(other, -1.0); }
Tensor& Tensor::operator*=(const Tensor& other) { return mul_(other); }
Tensor& Tensor::operator/=(const Tensor& other) {
  check_in_place("div_");
  check_not_int64_division(*this);
  update_in_place(*this, other, "div_", [](auto a, auto b) { return a / b; });
  return *this;
}
Tensor& Tensor::operator+=(double value) {
  check_in_place("add_");
  check_int64_scalar(*this, "add_", "scalar", value);
  update_in_place(*this, [value](auto a) { return kernels::wrapping_add(a, decltype(a)(value)); });
  return *this;
}
Tensor& Tensor::operator-=(double value) { return *this += -value; }
Tensor& Tensor::operator*=(double value) { return mul_(value); }
Tensor& Tensor::operator/=(double value) {
  check_in_place("div_");
  check_not_int64_division(*this);
  update_in_place(*this, [value](auto a) { return a / decltype(a)(value); });
  return *this;
}

// ---- methods that forward to ops ----
Tensor Tensor::matmul(const Tensor& other) const { return sg::matmul(*this, other); }
Tensor Tensor::sum() const { return sg::sum(*this); }
Tensor Tensor::sum(int64_t d, bool keepdim) const { return sg::sum(*this, d, keepdim); }
Tensor Tensor::mean() const { return sg::mean(*this); }
Tensor Tensor::mean(int64_t d, bool keepdim) const { return sg::mean(*this, d, keepdim); }
Tensor Tensor::max() const { return sg::max(*this); }
ValuesIndices Tensor::max(int64_t d, bool keepdim) const { return sg::max(*this, d, keepdim); }
Tensor Tensor::min() const { return sg::min(*this); }
ValuesIndices Tensor::min(int64_t d, bool keepdim) const { return sg::min(*this, d, keepdim); }
Tensor Tensor::argmax() const { return sg::argmax(*this); }
Tensor Tensor::argmax(int64_t d, bool keepdim) const { return sg::argmax(*this, d, keepdim); }
Tensor Tensor::reshape(const Shape& s) const { return sg::reshape(*this, s); }
Tensor Tensor::flatten(int64_t start, int64_t end) const { return sg::flatten(*this, start, end); }
Tensor Tensor::transpose(int64_t d0, int64_t d1) const { return sg::transpose(*this, d0, d1); }
Tensor Tensor::permute(const Shape& dims) const { return sg::permute(*this, dims); }
Tensor Tensor::unsqueeze(int64_t d) const { return sg::unsqueeze(*this, d); }
Tensor Tensor::squeeze(int64_t d) const { return sg::squeeze(*this, d); }
Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const { return sg::narrow(*this, d, start, length); }
Tensor Tensor::index_select(int64_t d, const Tensor& index) const { return sg::index_select(*this, d, index); }
Tensor Tensor::exp() const { return sg::exp(*this); }
Tensor Tensor::log() const { return sg::log(*this); }
Tensor Tensor::sqrt() const { return sg::sqrt(*this); }
Tensor Tensor::abs() const { return sg::abs(*this); }
Tensor Tensor::pow(double exponent) const { return sg::pow(*this, exponent); }
Tensor Tensor::relu() const { return sg::relu(*this); }
Tensor Tensor::sigmoid() const { return sg::sigmoid(*this); }
Tensor Tensor::tanh() const { return sg::tanh(*this); }
Tensor Tensor::softmax(int64_t d) const { return sg::softmax(*this, d); }
Tensor Tensor::log_softmax(int64_t d) const { return sg::log_softmax(*this, d); }

Tensor Tensor::view(const Shape& s) const { return sg::view(*this, s); }
Tensor Tensor::squeeze() const { return sg::squeeze(*this); }
Tensor Tensor::select(int64_t d, int64_t index) const { return sg::select(*this, d, index); }
Tensor Tensor::operator[](int64_t index) const { return sg::select(*this, 0, index); }
Tensor Tensor::operator[](std::initializer_list<int64_t> indices) const {
  Tensor y = *this;
  for (int64_t index : indices) y = sg::select(y, 0, index);
  return y;
}
Tensor Tensor::expand(const Shape& sizes) const { return sg::expand(*this, sizes); }
Tensor Tensor::repeat(const Shape& sizes) const { return sg::repeat(*this, sizes); }
Tensor Tensor::flip(const std::vector<int64_t>& dims) const { return sg::flip(*this, dims); }
Tensor Tensor::tril(int64_t diagonal) const { return sg::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return sg::triu(*this, diagonal); }
Tensor Tensor::gather(int64_t d, const Tensor& index) const { return sg::gather(*this, d, index); }
Tensor Tensor::masked_select(const Tensor& mask) const { return sg::masked_select(*this, mask); }

std::ostream& operator<<(std::ostream& os, const Tensor& tensor) { return os << tensor.str(); }

}  // namespace sg
