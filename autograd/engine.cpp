// backward(): reverse-mode differentiation over the recorded graph.
// 1. Collect the nodes reachable from the output with an iterative depth-first search (a chain of
//    100,000 ops must not overflow the stack) and order them so each node comes before its inputs.
// 2. Walk that order: each node's incoming gradient is complete when its turn comes; its backward gives
//    one gradient per input, summed into the input's node, or into .grad for a leaf.
// 3. Free each node's saved tensors as soon as it has run, unless the graph is retained.
#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

class Engine {
 public:
  static void run(const Tensor& root, const Tensor& seed, bool retain_graph);

 private:
  static void topological_order(Node* root, std::vector<Node*>& post_order);
  static void accumulate_into_leaf(TensorImpl& leaf, Tensor grad);
};

namespace {
std::atomic<uint64_t> next_mark{1};
}

// Reverse post-order of a DFS: every node appears before the nodes that made its inputs.
void Engine::topological_order(Node* root, std::vector<Node*>& post_order) {
  const uint64_t mark = next_mark.fetch_add(1, std::memory_order_relaxed);
  post_order.clear();
  thread_local std::vector<std::pair<Node*, size_t>> stack;  // (node, next edge to visit); kept to reuse its memory
  stack.assign(1, {root, 0});
  root->visit_mark_ = mark;
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->edges_.size()) {
      Node* child = node->edges_[next++].node.get();
      if (child && child->visit_mark_ != mark) {
        child->visit_mark_ = mark;
        stack.emplace_back(child, 0);
      }
    } else {
      post_order.push_back(node);
      stack.pop_back();
    }
  }
  std::reverse(post_order.begin(), post_order.end());
}

void Engine::accumulate_into_leaf(TensorImpl& leaf, Tensor grad) {
  NoGradGuard no_grad;
  if (!leaf.grad) {
    // Take the buffer when no one else can see it; otherwise copy, so a later in-place accumulation
    // cannot change a tensor someone else holds (add's backward hands dy to both inputs).
    const bool sole_owner = grad.impl_ptr().use_count() == 1 && grad.impl().storage.use_count() == 1;
    leaf.grad = sole_owner ? grad.impl_ptr() : grad.detach().clone().impl_ptr();
    leaf.grad->requires_grad = false;
    leaf.grad->grad_fn = nullptr;
  } else if (leaf.grad->shape == grad.shape() && leaf.grad->dtype == grad.dtype()) {
    // The usual case, summed straight into the buffer: going through Tensor::add_ would copy the handle
    // (two atomic reference-count updates) and re-check what is known here already.
    TensorImpl& sum = *leaf.grad;
    dispatch_all(sum.dtype, [&]<class T> {
      T* total = static_cast<T*>(sum.data());
      kernels::map2(total, total, grad.data<T>(), sum.numel, [](T a, T b) { return a + b; });
    });
    ++sum.storage->version;
  } else {
    Tensor(leaf.grad).add_(grad);  // add_ reports the mismatch
  }
}

void Engine::run(const Tensor& root, const Tensor& seed, bool retain_graph) {
  if (!root.grad_fn()) {  // a leaf: its gradient is the seed itself
    accumulate_into_leaf(root.impl(), seed);
    return;
  }
  // The order's memory is kept from one backward to the next (a training loop runs thousands); a
  // backward started inside another one (a custom Function's backward may call it) gets a fresh vector.
  thread_local std::vector<Node*> spare_order;
  struct KeepOrder {
    std::vector<Node*> order = std::exchange(spare_order, {});
    ~KeepOrder() { spare_order = std::move(order); }
  } keep;
  std::vector<Node*>& order = keep.order;
  topological_order(root.grad_fn().get(), order);
  for (Node* node : order)  // refuse before touching anything, so a failed call changes nothing
    SG_CHECK(!node->released_,
             "backward: the graph through '{}' was already freed by an earlier backward(); pass retain_graph = "
             "true to the first call to run backward twice",
             node->name_);

  NoGradGuard no_grad;  // backward formulas are not themselves recorded
  // If a backward throws (a saved tensor changed in place, a bad custom gradient), gradients already sent
  // to nodes further down must not stay there: a later backward through a shared part of the graph
  // would add them in. After a normal pass every pending gradient is consumed already.
  struct ClearPending {
    const std::vector<Node*>& order;
    ~ClearPending() {
      for (Node* node : order) node->pending_grad_ = Tensor();
    }
  } clear_pending{order};
  root.grad_fn()->pending_grad_ = seed;
  for (Node* node : order) {
    Tensor dy = std::move(node->pending_grad_);
    node->pending_grad_ = Tensor();
    if (dy.defined()) {
      Grads grads = node->apply(dy);
      SG_CHECK(grads.size() == node->edges_.size(), "backward: '{}' returned {} gradients for {} inputs",
               node->name_, grads.size(), node->edges_.size());
      for (size_t i = 0; i < grads.size(); ++i) {
        const Edge& edge = node->edges_[i];
        if (!edge.needs_grad() || !grads[i].defined()) continue;
        if (AnomalyMode::is_enabled()) [[unlikely]] check_finite(grads[i], node->name_, fmt::format("gradient for input {}", i));
        SG_CHECK(grads[i].shape() == edge.shape(),
                 "backward: '{}' returned a gradient of shape {} for input {} of shape {}", node->name_,
                 grads[i].shape(), i, edge.shape());
        SG_CHECK(grads[i].dtype() == edge.dtype(),
                 "backward: '{}' returned a gradient of dtype {} for input {} of dtype {}", node->name_,
                 grads[i].dtype(), i, edge.dtype());
        if (edge.node) {
          Tensor& pending = edge.node->pending_grad_;
          pending = pending.defined() ? add(pending, grads[i]) : std::move(grads[i]);
        } else {
          accumulate_into_leaf(*edge.leaf, std::move(grads[i]));
        }
      }
    }
    if (!retain_graph) {
      node->saved_.clear();
      node->released_ = true;
    }
  }
}

void Tensor::backward(bool retain_graph) const {
  SG_CHECK(numel() == 1,
           "backward: a gradient can be created implicitly only for a one-element output, got shape {}; "
           "pass backward(gradient) with a gradient of that shape",
           shape());
  backward(Tensor(), retain_graph);
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  SG_CHECK(requires_grad(),
           "backward: tensor of shape {} does not require grad (no input of the ops that made it had "
           "requires_grad_(), or they ran under NoGradGuard)",
           shape());
  if (!gradient.defined()) return Engine::run(*this, ones_like(*this), retain_graph);  // fresh: no detach needed
  SG_CHECK(gradient.shape() == shape() && gradient.dtype() == dtype(),
           "backward: gradient must match the output, expected {} {}, got {} {}", shape(), dtype(),
           gradient.shape(), gradient.dtype());
  // A gradient that is part of a graph is cut from it; any other is used as it is (a leaf's .grad copies
  // it rather than keep it, since the caller still holds it).
  Engine::run(*this, gradient.requires_grad() ? gradient.detach() : gradient, retain_graph);
}

}  // namespace sg
