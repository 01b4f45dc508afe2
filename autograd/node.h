// Node: one recorded op in the graph. It knows where each input's gradient goes (an edge to the node
// that made the input, or to the input itself when it is a leaf), the tensors its backward needs, and
// the backward itself. `record` attaches a node to an op's output; ops call it right under their forward.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "autograd/allocator.h"
#include "autograd/grad_mode.h"
#include "autograd/small_vector.h"
#include "autograd/tensor.h"

namespace sg {

/// One gradient per input of an op, in input order; an undefined Tensor means "no gradient".
/// Used like std::vector<Tensor> (Grads{dx, dw}, Grads grads(2)) and built from one, but up to three
/// gradients live inline, so a backward's answer costs no heap allocation.
using Grads = SmallVector<Tensor, 3>;

/// Where the gradient for one input of a node goes.
struct Edge {
  std::shared_ptr<Node> node;        // the input was made by this node ...
  std::shared_ptr<TensorImpl> leaf;  // ... or is this leaf, whose .grad accumulates it
  bool needs_grad() const { return node || leaf; }
  /// The input's shape, to check what backward returns (only when needs_grad()). Read from the node's
  /// output or the leaf rather than copied into every edge: a node is then a third smaller.
  const Shape& shape() const;
  /// The input's dtype, to check what backward returns, read the same way.
  Dtype dtype() const;
};

/// What backward does with a node's output gradient before the node's own backward: the output tensor's
/// hooks (Tensor::register_hook) and, with retain_grad(), keeping the gradient in the output's .grad.
struct OutputHooks {
  HookList<GradHook> hooks;
  std::weak_ptr<TensorImpl> retained;  // weak: the output owns this node, never the other way round
};

class Node {
 public:
  explicit Node(std::string_view name) : name_(name) {}
  /// Frees the chain of nodes only this one keeps alive with a loop, not recursion (see node.cpp).
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The op's name, as shown in errors and in to_dot.
  std::string_view name() const { return name_; }
  /// Saved tensor i; throws if it was released by an earlier backward or changed in place since.
  const Tensor& saved(size_t i) const;
  /// Whether input i needs a gradient (backward may skip the work for inputs that don't).
  bool needs_grad(size_t input) const { return edges_[input].needs_grad(); }
  size_t num_inputs() const { return edges_.size(); }
  std::span<const Edge> edges() const { return {edges_.data(), edges_.size()}; }
  const Shape& output_shape() const { return output_shape_; }
  Dtype output_dtype() const { return output_dtype_; }
  bool released() const { return released_; }

  /// Runs the op's backward: dy is the gradient of the output; returns one gradient per input.
  virtual Grads apply(const Tensor& dy) = 0;

 private:
  friend struct Recorder;
  friend class Engine;
  friend class Tensor;  // register_hook and retain_grad on a non-leaf reach its node's hooks
  struct Saved {
    Tensor tensor;
    uint64_t version = 0;
  };
  bool may_own_dying_children() const;

  std::string_view name_;
  // Inline room for the common case (up to 3 inputs, 2 saved tensors); cat and stack spill to the heap.
  SmallVector<Edge, 3> edges_;
  SmallVector<Saved, 2> saved_;
  Shape output_shape_;
  Dtype output_dtype_ = kFloat32;
  bool released_ = false;
  // Bit i: saved tensor i is the op's own output, kept without its grad_fn (a cycle otherwise); a
  // backward that builds a graph (create_graph) sees it reattached to this node while it runs.
  uint32_t saved_outputs_ = 0;
  std::unique_ptr<OutputHooks> hooks_;  // null unless the output has hooks: the engine's one check per node
  // The engine's scratch space during one backward pass, which holds the node meanwhile: owner_ is that
  // pass's mark (0 when no pass holds it), so two threads never share pending_grad_ or free saved_ under
  // each other (see engine.cpp).
  Tensor pending_grad_;
  std::atomic<uint64_t> owner_{0};
};

inline const Shape& Edge::shape() const { return node ? node->output_shape() : leaf->shape; }
inline Dtype Edge::dtype() const { return node ? node->output_dtype() : leaf->dtype; }

/// A node whose backward is a lambda: (const Node& node, const Tensor& dy) -> Grads.
template <class Backward>
class LambdaNode final : public Node {
 public:
  LambdaNode(std::string_view name, Backward backward) : Node(name), backward_(std::move(backward)) {}
  Grads apply(const Tensor& dy) override { return backward_(static_cast<const Node&>(*this), dy); }

 private:
  Backward backward_;
};

/// For a backward written with fused kernels only: throws std::runtime_error naming op when grad mode is
/// on in backward (create_graph), rather than return a gradient whose own derivative would be wrong.
void refuse_create_graph(std::string_view op);

/// Under DetectAnomalyGuard: throws std::runtime_error if t holds a NaN or infinity, naming `what`.
void check_finite(const Tensor& t, std::string_view op, std::string_view what);

/// A tensor named in record's lists, borrowed rather than copied: {a, b} in an op costs no reference
/// counting (each copy of a handle is an atomic increment and, later, an atomic decrement).
struct TensorRef {
  TensorRef(const Tensor& tensor) : tensor(&tensor) {}
  const Tensor* tensor;
};

/// True when an op on these inputs must be recorded: grad mode is on and some input requires grad.
bool needs_recording(std::span<const TensorRef> inputs);
bool needs_recording(std::span<const Tensor> inputs);
inline bool needs_recording(std::initializer_list<TensorRef> inputs) {
  return needs_recording(std::span<const TensorRef>(inputs.begin(), inputs.size()));
}

struct Recorder {
  /// Wires node to its inputs, saves tensors, and makes it output's grad_fn.
  static void attach(std::shared_ptr<Node> node, std::span<const TensorRef> inputs, Tensor& output,
                     std::span<const TensorRef> save);
  /// The same from lists of tensors (cat, stack, custom Functions).
  static void attach(std::shared_ptr<Node> node, std::span<const Tensor> inputs, Tensor& output,
                     std::span<const Tensor> save);
};

/// Makes the node for op `name` in one cached block (allocator.h): the node, its reference counts and
/// its lambda together, with no std::function in between, so recording an op costs no malloc.
template <class Backward>
std::shared_ptr<Node> make_node(std::string_view name, Backward backward) {
  return std::allocate_shared<LambdaNode<Backward>>(BlockAllocator<LambdaNode<Backward>>(), name,
                                                     std::move(backward));
}

/// Records op `name` producing `output` from `inputs`, saving `save` for `backward`; returns output.
/// Does nothing (and stores no lambda) when grad mode is off or no input requires grad.
template <class Backward>
Tensor record(std::string_view name, std::initializer_list<TensorRef> inputs, Tensor output,
              std::initializer_list<TensorRef> save, Backward backward) {
  if (AnomalyMode::is_enabled()) [[unlikely]] check_finite(output, name, "output");
  if (!needs_recording(inputs)) return output;
  Recorder::attach(make_node(name, std::move(backward)), std::span<const TensorRef>(inputs.begin(), inputs.size()),
                   output, std::span<const TensorRef>(save.begin(), save.size()));
  return output;
}

/// The same for ops with a variable number of inputs (cat, stack). A deduced parameter, so that a braced
/// list {a, b} always means the overload above.
template <class Backward>
Tensor record(std::string_view name, const std::same_as<std::vector<Tensor>> auto& inputs, Tensor output,
              std::initializer_list<Tensor> save, Backward backward) {
  if (AnomalyMode::is_enabled()) [[unlikely]] check_finite(output, name, "output");
  if (!needs_recording(std::span<const Tensor>(inputs))) return output;
  Recorder::attach(make_node(name, std::move(backward)), std::span<const Tensor>(inputs), output,
                   std::span<const Tensor>(save.begin(), save.size()));
  return output;
}

}  // namespace sg
