// Tensor: a cheap, shared handle to a dense, contiguous, row-major array of float32, float64 or int64,
// plus what autograd needs: requires_grad, the accumulated gradient and the node that produced it.
// Copies of a Tensor share one TensorImpl; clone() copies the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "autograd/dtype.h"
#include "autograd/hooks.h"
#include "autograd/shape.h"

namespace sg {

class Node;
class Tensor;

/// Options of Tensor::backward, as in torch.Tensor.backward.
struct BackwardOptions {
  /// Keep the saved tensors for another backward through this graph; by default, create_graph's value.
  std::optional<bool> retain_graph{};
  /// Record the backward pass itself, so the gradients it makes have a graph and can be differentiated.
  /// As in PyTorch, a .grad() made so holds a graph that refers back to its tensor, which it keeps alive
  /// until zero_grad(); sg::grad, which fills no .grad(), has no such cycle.
  bool create_graph = false;
};

/// A hook on a gradient (Tensor::register_hook): returns a replacement of the same shape and dtype, or an
/// undefined Tensor to keep the gradient as it is.
using GradHook = std::function<Tensor(const Tensor& grad)>;
struct ValuesIndices;  // ops.h

/// A 64-byte-aligned buffer, shared by a tensor and its reshaped aliases. `version` counts in-place
/// changes, so backward can tell when a tensor it saved was overwritten after it was saved.
struct Storage {
  explicit Storage(size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data = nullptr;
  size_t bytes = 0;
  uint64_t version = 0;

 private:
  // A buffer of up to kInlineBytes (a scalar, a loss, a bias of a few elements) lives inside the record
  // itself, so a tiny tensor costs one cached block instead of a block and a buffer.
  static constexpr size_t kInlineBytes = 64;
  alignas(64) std::byte inline_[kInlineBytes];
};

/// Thrown when a tensor's buffer cannot be allocated: a std::bad_alloc whose message names the op, the
/// shape, the dtype and the bytes asked for.
class AllocationError : public std::bad_alloc {
 public:
  explicit AllocationError(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

/// What a Tensor handle points to. Users go through Tensor; ops and the engine read this directly.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  int64_t numel = 0;
  Dtype dtype = Dtype::Float32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated by backward() on leaves
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor, if it was recorded
  // Bytes from the start of the storage to element 0: non-zero for a view into a larger tensor (narrow
  // along the first dim, a batch of a dataset), which shares its parent's buffer instead of copying it.
  size_t offset = 0;
  // A leaf's gradient hooks (register_hook); a non-leaf's are kept by its grad_fn, which backward reaches.
  HookList<GradHook> hooks;

  /// Element 0 of this tensor (use this, not storage->data, which is where the buffer starts).
  void* data() const { return static_cast<std::byte*>(storage->data) + offset; }
};

class Tensor {
 public:
  /// An undefined tensor (no data); most calls on it throw.
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  /// Size of dimension d (negative d counts from the end).
  int64_t size(int64_t d) const;
  int64_t numel() const { return impl().numel; }
  int64_t dim() const { return impl().shape.size(); }
  Dtype dtype() const { return impl().dtype; }

  /// The raw buffer; T must match dtype() (float, double or int64_t).
  template <class T>
  T* data() const {
    check_dtype(dtype_of<T>());
    return static_cast<T*>(impl().data());
  }
  /// The only element of a one-element tensor, as double (or as T with item<T>()).
  double item() const;
  template <class T>
  T item() const {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(item_int64());
    else return static_cast<T>(item());
  }
  /// The only element as int64: exact for an int64 tensor; a float one is truncated toward zero, and
  /// refused when NaN, infinite or beyond int64's range.
  int64_t item_int64() const;
  /// The element at a full index: x.at({1, 2}); bounds-checked, negative indices count from the end.
  double at(std::initializer_list<int64_t> index) const;
  /// All elements in row-major order.
  template <class T>
  std::vector<T> to_vector() const {
    const Tensor t = dtype() == dtype_of<T>() ? *this : to(dtype_of<T>());
    return {t.data<T>(), t.data<T>() + numel()};
  }

  /// A copy converted to dtype (this tensor itself when it already has that dtype).
  Tensor to(Dtype dtype) const;
  /// A copy of the data, recorded in the graph (its gradient flows back to this tensor).
  Tensor clone() const;
  /// The same data, cut from the graph: no grad_fn, requires_grad false.
  Tensor detach() const;

  // ---- autograd ----
  bool requires_grad() const { return impl().requires_grad; }
  /// Marks a leaf (a tensor made by the user, not by an op) as needing a gradient.
  Tensor& requires_grad_(bool requires_grad = true);
  /// The gradient accumulated by backward(); undefined until the first backward reaches this tensor.
  Tensor grad() const;
  /// Forgets the accumulated gradient (the next backward starts from zero).
  void zero_grad();
  /// Sets the gradient directly (for example to restore an optimizer's state).
  void set_grad(const Tensor& grad);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  /// Calls hook each time backward computes this tensor's gradient (summed over all its uses), before the
  /// gradient goes into .grad (a leaf) or on through the op that made it; hooks run in registration order,
  /// each on what the one before returned. Hooks run inside backward, on its thread, under no-grad.
  ///   HookHandle h = y.register_hook([](const Tensor& g) { return g * 2; });  ...  h.remove();
  /// A hook that holds this tensor keeps it, and its graph, alive.
  HookHandle register_hook(GradHook hook) const;
  /// Makes backward fill .grad() of this non-leaf tensor too (summed across calls, as a leaf's is), with the
  /// gradient its hooks passed on; on a leaf, which has one already, does nothing.
  void retain_grad() const;
  /// Whether this is a non-leaf given retain_grad() (false on a leaf, as PyTorch's retains_grad).
  bool retains_grad() const;
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  /// Reverse-mode differentiation from this one-element tensor: fills .grad() of every leaf that needs it.
  /// Several threads may call backward at once, each through a graph of its own or all through one:
  /// gradients sent into a shared leaf all add up, and passes through shared nodes take turns, so a graph
  /// shared this way needs retain_graph = true (without it the later pass finds the graph freed and
  /// throws). Reading, zeroing or setting a .grad() while a backward writes it is not synchronised.
  void backward(bool retain_graph = false) const;
  /// The same from a tensor of any shape, seeded with `gradient` (same shape as this tensor).
  void backward(const Tensor& gradient, bool retain_graph = false) const;
  /// The same with options; an undefined gradient means ones for a one-element output. With create_graph
  /// the backward pass is itself recorded, so the .grad() it fills can be differentiated again:
  ///   y.backward({}, {.create_graph = true});  sum(x.grad()).backward();   // x.grad() now holds d2y/dx2
  void backward(const Tensor& gradient, const BackwardOptions& options) const;

  // ---- in place (refused while this tensor takes part in autograd and grad mode is on) ----
  // Also refused, as in PyTorch: an input that partly overlaps this tensor's bytes (see memory_overlap),
  // and on an int64 tensor any result that needs a float: a scalar or alpha that is not a whole number,
  // and division (true division of integers gives floats).
  Tensor& operator+=(const Tensor& other);
  Tensor& operator-=(const Tensor& other);
  Tensor& operator*=(const Tensor& other);
  Tensor& operator/=(const Tensor& other);
  Tensor& operator+=(double value);
  Tensor& operator-=(double value);
  Tensor& operator*=(double value);
  Tensor& operator/=(double value);
  /// this += alpha * other (other broadcast to this shape).
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  /// Copies other's values (same shape; converted to this dtype).
  Tensor& copy_(const Tensor& other);
  /// Sets one element: x.set_({1, 2}, 3.5).
  Tensor& set_(std::initializer_list<int64_t> index, double value);

  // ---- ops that read naturally as methods (all also free functions in ops.h) ----
  Tensor matmul(const Tensor& other) const;
  Tensor sum() const;
  Tensor sum(int64_t dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  /// Values and indices along dim, as torch.max(x, dim): auto [values, indices] = x.max(1).
  ValuesIndices max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  ValuesIndices min(int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const { return transpose(0, 1); }
  Tensor permute(const Shape& dims) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor pow(double exponent) const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

  // ---- views, pieces and indexing (ops.h has each as a free function) ----
  Tensor view(const Shape& shape) const;
  Tensor squeeze() const;
  Tensor select(int64_t dim, int64_t index) const;
  /// x[i] is x.select(0, i): a view of row i (negative i counts from the end).
  Tensor operator[](int64_t index) const;
  /// x[{i, j}] is x[i][j]; x[{}] is x. A braced index always means this list, even x[{i}], so it never
  /// quietly means something else.
  Tensor operator[](std::initializer_list<int64_t> indices) const;
  Tensor expand(const Shape& sizes) const;
  Tensor repeat(const Shape& sizes) const;
  Tensor flip(const std::vector<int64_t>& dims) const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor masked_select(const Tensor& mask) const;

  /// Shape, dtype and values, abbreviated when large (the same text operator<< prints).
  std::string str() const;

  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  TensorImpl& impl() const {
    if (!impl_) [[unlikely]] throw_undefined();
    return *impl_;
  }
  /// True when both handles share one TensorImpl.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  void check_dtype(Dtype expected) const {
    if (impl().dtype != expected) [[unlikely]] throw_dtype_mismatch(expected);
  }
  [[noreturn]] static void throw_undefined();
  [[noreturn]] void throw_dtype_mismatch(Dtype expected) const;
  void check_in_place(const char* op) const;
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& tensor);

/// How the bytes of two tensors relate: apart (or in different buffers), the very same bytes (x and a
/// reshape of x), or partly shared (a narrow of x shifted against another narrow of x). In-place ops
/// refuse an input that partly overlaps their target, as PyTorch does: it would be read after it was
/// written (x.narrow(0, 1, 5) += x.narrow(0, 0, 5) would make a running sum).
enum class Overlap { kNone, kSame, kPartial };
Overlap memory_overlap(const Tensor& a, const Tensor& b);

// ---- factories ----
/// What sg::tensor reads: a number, or braces around numbers or around lists, nested to any depth. Each
/// level of braces is a dimension, so {{1.0}, {2.0}} is 2 x 1; every row must have the first row's shape.
/// One type for every depth: with one initializer_list overload per depth, {1.0} could be either a
/// number or a list of one, and {{1.0}, {2.0}} was ambiguous. Braces always make a list here, because
/// list-initialization prefers an initializer_list constructor.
class NestedList {
 public:
  NestedList(double value) : value_(value) {}
  NestedList(std::initializer_list<NestedList> rows);

  const Shape& shape() const { return shape_; }
  /// The numbers in row-major order.
  std::span<const double> values() const {
    return shape_.empty() ? std::span<const double>(&value_, 1) : std::span<const double>(values_);
  }

 private:
  Shape shape_;                 // [] for a number
  double value_ = 0;            // a number
  std::vector<double> values_;  // a list
};

/// Uninitialised storage of the given shape: for outputs a kernel overwrites in full.
Tensor empty(const Shape& shape, Dtype dtype = kFloat32);
Tensor empty_like(const Tensor& like);
Tensor zeros(const Shape& shape, Dtype dtype = kFloat32);
Tensor zeros_like(const Tensor& like);
Tensor ones(const Shape& shape, Dtype dtype = kFloat32);
Tensor ones_like(const Tensor& like);
Tensor full(const Shape& shape, double value, Dtype dtype = kFloat32);
Tensor full_like(const Tensor& like, double value);
/// A zero-dimensional tensor holding one value.
Tensor scalar_tensor(double value, Dtype dtype = kFloat32);
/// start, start + step, ... below end: arange(5) == [0, 1, 2, 3, 4].
Tensor arange(double end, Dtype dtype = kFloat32);
Tensor arange(double start, double end, double step = 1.0, Dtype dtype = kFloat32);
/// steps values from start to end inclusive, evenly spaced: linspace(0, 1, 5) == [0, 0.25, 0.5, 0.75, 1].
/// Computed as PyTorch does: the first half counts up from start, the second down from end, so both ends
/// are exact; for int64, start and end are truncated first and the values truncated toward zero.
Tensor linspace(double start, double end, int64_t steps, Dtype dtype = kFloat32);
/// The n x n identity, or n x m with ones on the main diagonal.
Tensor eye(int64_t n, Dtype dtype = kFloat32);
Tensor eye(int64_t n, int64_t m, Dtype dtype = kFloat32);
/// Integers drawn uniformly from [low, high) (or [0, high)) by the global generator, int64 by default.
Tensor randint(int64_t high, const Shape& shape, Dtype dtype = kInt64);
Tensor randint(int64_t low, int64_t high, const Shape& shape, Dtype dtype = kInt64);
/// A random permutation of 0 .. n - 1 (Fisher-Yates, global generator), int64 by default.
Tensor randperm(int64_t n, Dtype dtype = kInt64);
/// Uniform on [0, 1) from the global generator (sg::manual_seed).
Tensor rand(const Shape& shape, Dtype dtype = kFloat32);
Tensor rand_like(const Tensor& like);
/// Standard normal from the global generator.
Tensor randn(const Shape& shape, Dtype dtype = kFloat32);
Tensor randn_like(const Tensor& like);
/// From nested braces: sg::tensor({{1, 2}, {3, 4}}, sg::kFloat64); a bare number gives a 0-d tensor.
Tensor tensor(const NestedList& values, Dtype dtype = kFloat32);
/// From `count` elements of `dtype` at `values` (copied) and a shape: what the typed overloads below call.
Tensor tensor_from_buffer(const void* values, size_t count, Dtype dtype, const Shape& shape);
/// From a flat buffer and a shape; the dtype follows T (float, double or int64_t). Any other element type
/// is a compile error (dtype_of says so): convert first, e.g. labels to std::vector<int64_t>.
template <class T>
Tensor tensor(std::span<const T> values, const Shape& shape) {
  return tensor_from_buffer(values.data(), values.size(), dtype_of<std::remove_cv_t<T>>(), shape);
}
template <class T>
Tensor tensor(const std::vector<T>& values, const Shape& shape) {
  return tensor(std::span<const T>(values), shape);
}

}  // namespace sg

/// fmt::format("{}", x) prints what operator<< prints.
template <>
struct fmt::formatter<sg::Tensor> : fmt::formatter<std::string_view> {
  auto format(const sg::Tensor& t, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(t.str(), ctx);
  }
};
