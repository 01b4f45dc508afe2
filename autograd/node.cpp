// Wiring a node into the graph, and handing its saved tensors back to backward safely.
#include "autograd/node.h"

#include <cmath>
#include <stdexcept>

#include "autograd/check.h"

namespace sg {

void check_finite(const Tensor& t, std::string_view op, std::string_view what) {
  if (!is_floating(t.dtype())) return;
  dispatch(t.dtype(), op, [&]<class T> {
    const T* x = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i)
      if (!std::isfinite(x[i]))
        fail_io("anomaly: '{}' produced {} in its {} of shape {} (element {}, value {})", op,
                std::isnan(x[i]) ? "NaN" : "infinity", what, t.shape(), i, x[i]);
  });
}

void refuse_create_graph(std::string_view op) {
  if (GradMode::is_enabled()) [[unlikely]]
    throw std::runtime_error(fmt::format("{}: backward is not differentiable (create_graph) yet", op));
}

namespace {
const Tensor& as_tensor(const Tensor& t) { return t; }
const Tensor& as_tensor(const TensorRef& t) { return *t.tensor; }

template <class List>
bool any_requires_grad(List inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const auto& input : inputs) {
    const Tensor& t = as_tensor(input);
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}
}  // namespace

bool needs_recording(std::span<const TensorRef> inputs) { return any_requires_grad(inputs); }
bool needs_recording(std::span<const Tensor> inputs) { return any_requires_grad(inputs); }

void Recorder::attach(std::shared_ptr<Node> node, std::span<const TensorRef> inputs, Tensor& output,
                      std::span<const TensorRef> save) {
  node->edges_.reserve(inputs.size());
  for (const TensorRef& ref : inputs) {
    const Tensor& input = *ref.tensor;
    Edge& edge = node->edges_.emplace_back();
    if (input.defined() && input.requires_grad()) {
      if (input.grad_fn()) edge.node = input.grad_fn();
      else edge.leaf = input.impl_ptr();
    }
  }
  node->saved_.reserve(save.size());
  for (const TensorRef& ref : save) {
    const Tensor& t = *ref.tensor;
    // Saving the output itself would make a cycle (output -> node -> output), so the node keeps an alias
    // of the output's data without its grad_fn.
    const bool is_output = t.defined() && t.is_same(output);
    if (is_output) {
      SG_CHECK(node->saved_.size() < 32, "{}: the output must be among the first 32 saved tensors", node->name_);
      node->saved_outputs_ |= uint32_t(1) << node->saved_.size();
    }
    Node::Saved& kept = node->saved_.emplace_back();
    kept.tensor = is_output ? t.detach() : t;
    kept.version = t.defined() ? t.impl().storage->version : 0;
  }
  node->output_shape_ = output.shape();
  node->output_dtype_ = output.dtype();
  output.impl().requires_grad = true;
  output.impl().grad_fn = std::move(node);
}

void Recorder::attach(std::shared_ptr<Node> node, std::span<const Tensor> inputs, Tensor& output,
                      std::span<const Tensor> save) {
  const std::vector<TensorRef> input_refs(inputs.begin(), inputs.end()), save_refs(save.begin(), save.end());
  attach(std::move(node), input_refs, output, save_refs);
}

// Each node owns the nodes that made its inputs (through its edges, and through the grad_fn of the
// tensors it saved), so letting the defaults destroy a chain of 100,000 ops recurses 100,000 deep and
// overflows the stack. Instead, the nodes about to die hand what they own to a local list first, and
// the list is emptied in a loop: every destructor then finds nothing left to destroy recursively.
// The list keeps a few entries inline, so destroying an ordinary graph never asks malloc for it.
Node::~Node() {
  if (!may_own_dying_children()) return;  // the common case: dropping the edges destroys no node
  SmallVector<std::shared_ptr<Node>, 8> doomed;
  auto take_children = [&doomed](Node& node) {
    for (Edge& edge : node.edges_)
      if (edge.node) doomed.push_back(std::move(edge.node));
    for (Saved& s : node.saved_)
      if (s.tensor.defined() && s.tensor.impl_ptr().use_count() == 1 && s.tensor.impl().grad_fn)
        doomed.push_back(std::move(s.tensor.impl().grad_fn));
    node.saved_.clear();
  };
  take_children(*this);
  while (!doomed.empty()) {
    std::shared_ptr<Node> node = std::move(doomed.back());
    doomed.pop_back();
    if (node.use_count() == 1) take_children(*node);
  }
}

// Whether destroying this node can destroy another node: a child referenced only from here (counting an
// input used twice, x * x, as two references), or a saved tensor held only here that has a grad_fn.
bool Node::may_own_dying_children() const {
  for (const Edge& edge : edges_)
    if (edge.node && edge.node.use_count() <= long(edges_.size())) return true;
  for (const Saved& s : saved_)
    if (s.tensor.defined() && s.tensor.impl().grad_fn && s.tensor.impl_ptr().use_count() <= long(saved_.size()))
      return true;
  return false;
}

const Tensor& Node::saved(size_t i) const {
  SG_CHECK(!released_,
           "backward: '{}' was already differentiated and its saved tensors freed; pass retain_graph = true "
           "to the first backward() to run backward twice",
           name_);
  SG_CHECK(i < saved_.size(), "backward: '{}' asked for saved tensor {} but saved {}", name_, i, saved_.size());
  const Saved& s = saved_[i];
  SG_CHECK(!s.tensor.defined() || s.tensor.impl().storage->version == s.version,
           "backward: a tensor of shape {} saved by '{}' was modified in place after it was saved (version {}, "
           "expected {}); use an out-of-place op or clone() it first",
           s.tensor.shape(), name_, s.tensor.impl().storage->version, s.version);
  return s.tensor;
}

}  // namespace sg
