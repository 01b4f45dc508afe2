// backward(): reverse-mode differentiation over the recorded graph.
// 1. Collect the nodes reachable from the output with an iterative depth-first search (a chain of
//    100,000 ops must not overflow the stack) and order them so each node comes before its inputs.
// 2. Walk that order: each node's incoming gradient is complete when its turn comes; its backward gives
//    one gradient per input, summed into the input's node, or into .grad for a leaf.
// 3. Free each node's saved tensors as soon as it has run, unless the graph is retained.
// Hooks (Tensor::register_hook) cost one check per node when none is registered: a non-leaf's run on its
// node's complete gradient just before the node's backward, a leaf's once its gradient is complete.
// Threads: backward may run on several threads at once. Passes through graphs of their own run side by
// side, and the gradients they send into one leaf (a shared parameter) are summed under that leaf's
// lock, so none is lost. A pass holds every node it walks, from the search to its end (Node::owner_:
// one compare-exchange to take a node, a plain store to give it back), so passes that share nodes take
// turns: with retain_graph each gets its full gradients; without it, the later one finds the graph freed
// and throws, as a second backward() on one thread does. PyTorch likewise locks its nodes.
#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
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
  static Node* claim_in_order(Node* root, uint64_t mark, std::vector<Node*>& order);
  static void release(Node* node) { node->owner_.store(0, std::memory_order_release); }
  static void announce_release();
  static void wait_until_free(const Node* node);
  static void accumulate_into_leaf(TensorImpl& leaf, Tensor grad);
  static Tensor apply_hooks(const HookList<GradHook>& hooks, Tensor grad);
  static Tensor run_output_hooks(const OutputHooks& hooks, Tensor dy);
};

namespace {
std::atomic<uint64_t> next_mark{1};
// Counts the times a pass gave back its nodes. A pass waiting for a node sleeps until this changes: one
// counter for all nodes keeps giving a node back a plain store, with no check for a sleeper each time.
std::atomic<uint32_t> releases{0};

// A lock per leaf without a mutex in every tensor: leaves map by address onto a fixed set of mutexes
// (two leaves that share one merely take turns).
std::mutex& leaf_lock(const TensorImpl& leaf) {
  static std::array<std::mutex, 64> locks;
  const uint64_t hash = uint64_t(reinterpret_cast<uintptr_t>(&leaf)) * 0x9E3779B97F4A7C15ull;
  return locks[hash >> 58];
}
}  // namespace

// Takes every node reachable from root for the pass `mark` and lists them in reverse post-order of a
// DFS: every node appears before the nodes that made its inputs. If another pass holds one of them,
// gives back all it took and returns that node; returns nullptr once it holds them all.
Node* Engine::claim_in_order(Node* root, uint64_t mark, std::vector<Node*>& order) {
  order.clear();
  const auto claim = [mark](Node* node) {
    uint64_t free = 0;
    return node->owner_.compare_exchange_strong(free, mark, std::memory_order_acquire, std::memory_order_relaxed);
  };
  if (!claim(root)) return root;
  thread_local std::vector<std::pair<Node*, size_t>> stack;  // (node, next edge to visit); kept to reuse its memory
  stack.assign(1, {root, 0});
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->edges_.size()) {
      Node* child = node->edges_[next++].node.get();
      if (!child || child->owner_.load(std::memory_order_relaxed) == mark) continue;
      if (!claim(child)) {
        for (const auto& entry : stack) release(entry.first);
        for (Node* held : order) release(held);
        announce_release();
        order.clear();
        return child;
      }
      stack.emplace_back(child, 0);
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  std::reverse(order.begin(), order.end());
  return nullptr;
}

// After a batch of release(): the count goes up after the nodes were given back, so a waiter that sees
// the new count also sees them free.
void Engine::announce_release() {
  releases.fetch_add(1, std::memory_order_release);
  releases.notify_all();
}

void Engine::wait_until_free(const Node* node) {
  for (;;) {
    const uint32_t seen = releases.load(std::memory_order_acquire);
    if (node->owner_.load(std::memory_order_acquire) == 0) return;
    releases.wait(seen, std::memory_order_acquire);  // returns at once if a release came in between
  }
}

void Engine::accumulate_into_leaf(TensorImpl& leaf, Tensor grad) {
  std::lock_guard lock(leaf_lock(leaf));  // another thread's backward may be summing into this leaf
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
    // (two atomic reference-count updates) and re-check what is known here already. A gradient that
    // shares part of that buffer (a custom backward may hand back any tensor) is read from a copy.
    if (memory_overlap(Tensor(leaf.grad), grad) == Overlap::kPartial) [[unlikely]] grad = grad.detach().clone();
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

// Each hook gets what the one before returned; an undefined answer keeps the gradient as it was.
Tensor Engine::apply_hooks(const HookList<GradHook>& hooks, Tensor grad) {
  NoGradGuard no_grad;
  for (const GradHook& hook : hooks.snapshot()) {
    Tensor replaced = hook(grad);
    if (!replaced.defined()) continue;
    SG_CHECK(replaced.shape() == grad.shape() && replaced.dtype() == grad.dtype(),
             "register_hook: a hook must return a gradient of the tensor's shape and dtype, {} {}, or an undefined "
             "Tensor to keep it; got {} {}",
             grad.shape(), grad.dtype(), replaced.shape(), replaced.dtype());
    grad = replaced.requires_grad() ? replaced.detach() : std::move(replaced);
  }
  return grad;
}

// A non-leaf's .grad (retain_grad) is filled after its hooks, as in PyTorch since 2.0: it holds the
// gradient that goes on through the graph.
Tensor Engine::run_output_hooks(const OutputHooks& hooks, Tensor dy) {
  if (!hooks.hooks.empty()) dy = apply_hooks(hooks.hooks, std::move(dy));
  if (const std::shared_ptr<TensorImpl> retained = hooks.retained.lock()) accumulate_into_leaf(*retained, dy);
  return dy;
}

void Engine::run(const Tensor& root, const Tensor& seed, bool retain_graph) {
  if (!root.grad_fn()) {  // a leaf: its gradient is the seed itself
    TensorImpl& leaf = root.impl();
    accumulate_into_leaf(leaf, leaf.hooks.empty() ? seed : apply_hooks(leaf.hooks, seed));
    return;
  }
  // The order's memory is kept from one backward to the next (a training loop runs thousands); a
  // backward started inside another one (a custom Function's backward may call it) gets a fresh vector.
  thread_local std::vector<Node*> spare_order;
  thread_local int passes_here = 0;  // more than one: a backward inside another one on this thread
  // On the way out, normal or not, every node held is given back, and with it any gradient still pending
  // there: if a backward threw (a saved tensor changed in place, a bad custom gradient), gradients already
  // sent further down must not stay, or a later backward through a shared part of the graph would add
  // them in. After a normal pass every pending gradient is consumed already.
  struct Pass {
    std::vector<Node*> order = std::exchange(spare_order, {});
    const uint64_t mark = next_mark.fetch_add(1, std::memory_order_relaxed);
    Pass() { ++passes_here; }
    ~Pass() {
      for (Node* node : order) {
        node->pending_grad_ = Tensor();
        release(node);
      }
      if (!order.empty()) announce_release();
      --passes_here;
      spare_order = std::move(order);
    }
  } pass;
  std::vector<Node*>& order = pass.order;
  while (Node* busy = claim_in_order(root.grad_fn().get(), pass.mark, order)) {
    // Waiting here while the outer pass holds its nodes could wait for ever (on the outer pass itself,
    // or on a pass that waits for it).
    SG_CHECK(passes_here == 1,
             "backward: a backward() called inside another backward reached '{}', which a running backward "
             "holds; build the inner graph from detached tensors",
             busy->name_);
    wait_until_free(busy);
  }
  for (Node* node : order)  // refuse before touching anything, so a failed call changes nothing
    SG_CHECK(!node->released_,
             "backward: the graph through '{}' was already freed by an earlier backward(); pass retain_graph = "
             "true to the first call to run backward twice",
             node->name_);

  NoGradGuard no_grad;  // backward formulas are not themselves recorded
  // The gradients of leaves that have hooks, summed here over the leaf's uses until the walk is over: a
  // leaf's hooks see its whole gradient once, as in PyTorch.
  std::vector<std::pair<std::shared_ptr<TensorImpl>, Tensor>> hooked_leaves;
  root.grad_fn()->pending_grad_ = seed;
  for (Node* node : order) {
    Tensor dy = std::move(node->pending_grad_);
    node->pending_grad_ = Tensor();
    if (dy.defined()) {
      if (node->hooks_) [[unlikely]] dy = run_output_hooks(*node->hooks_, std::move(dy));
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
        } else if (!edge.leaf->hooks.empty()) [[unlikely]] {
          auto held = std::find_if(hooked_leaves.begin(), hooked_leaves.end(),
                                   [&](const auto& entry) { return entry.first == edge.leaf; });
          if (held == hooked_leaves.end()) hooked_leaves.emplace_back(edge.leaf, std::move(grads[i]));
          else held->second = add(held->second, grads[i]);
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
  for (auto& [leaf, grad] : hooked_leaves) accumulate_into_leaf(*leaf, apply_hooks(leaf->hooks, std::move(grad)));
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
