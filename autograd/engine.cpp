// backward(): reverse-mode differentiation over the recorded graph.
// 1. Collect the nodes reachable from the output with an iterative depth-first search (a chain of
//    100,000 ops must not overflow the stack) and order them so each node comes before its inputs.
// 2. Walk that order: each node's incoming gradient is complete when its turn comes; its backward gives
//    one gradient per input, summed into the input's node, or into .grad for a leaf.
// 3. Free each node's saved tensors as soon as it has run, unless the graph is retained.
// Hooks (Tensor::register_hook) cost one check per node when none is registered: a non-leaf's run on its
// node's complete gradient just before the node's backward, a leaf's once its gradient is complete.
// create_graph: grad mode stays on during the pass, so each backward formula records its own nodes and
// the gradients have a graph; saved inputs are the inputs themselves (their grad_fn intact), and a saved
// output is reattached to its node while the node runs. Without it, grad mode is off: the formulas run
// their plain kernels, unrecorded.
// sg::grad: the same walk, but the gradients of the chosen inputs are caught and returned instead of
// summed into .grad(), and only nodes that lead to those inputs run.
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
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "autograd/check.h"
#include "autograd/grad.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// What sg::grad asks of a pass: the gradients of `inputs`, caught on their way, in `grads`.
struct GradTargets {
  std::span<const Tensor> inputs;
  std::vector<Tensor> grads;  // one per input, undefined until reached
};

class Engine {
 public:
  static void run(std::span<const Tensor> roots, std::span<const Tensor> seeds, bool retain_graph,
                  bool create_graph, GradTargets* targets = nullptr);

 private:
  static Node* claim_in_order(std::span<Node* const> roots, uint64_t mark, std::vector<Node*>& order);
  static void release(Node* node) { node->owner_.store(0, std::memory_order_release); }
  static void announce_release();
  static void wait_until_free(const Node* node);
  static void accumulate_into_leaf(TensorImpl& leaf, Tensor grad, bool create_graph);
  static void accumulate_in_graph(TensorImpl& leaf, Tensor grad);
  static Tensor apply_hooks(const HookList<GradHook>& hooks, Tensor grad, bool create_graph);
  static Tensor run_output_hooks(const OutputHooks& hooks, Tensor dy, bool create_graph, bool fill_retained);
  static Grads apply_in_graph(Node& node, const std::shared_ptr<Node>& self, const Tensor& dy);
  using Owners = std::unordered_map<const Node*, std::shared_ptr<Node>>;
  static Owners owning_handles(std::span<const Tensor> roots, const std::vector<Node*>& order);
  static std::vector<char> nodes_leading_to(const std::vector<Node*>& order, const GradTargets& targets);
};

namespace {
// Each pass marks the nodes it holds with a number no other pass has. A thread takes them from the shared
// counter a block at a time: an atomic add per pass is a visible part of a small tensor's backward.
std::atomic<uint64_t> next_mark_block{1};
uint64_t new_mark() {
  constexpr uint64_t kBlock = 1 << 16;
  thread_local uint64_t next = 0, end = 0;
  if (next == end) {
    next = next_mark_block.fetch_add(1, std::memory_order_relaxed) * kBlock;  // never 0: 0 means free
    end = next + kBlock;
  }
  return next++;
}
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

// Takes every node reachable from the roots for the pass `mark` and lists them in reverse post-order of
// a DFS: every node appears before the nodes that made its inputs. If another pass holds one of them,
// gives back all it took and returns that node; returns nullptr once it holds them all.
Node* Engine::claim_in_order(std::span<Node* const> roots, uint64_t mark, std::vector<Node*>& order) {
  order.clear();
  const auto claim = [mark](Node* node) {
    uint64_t free = 0;
    return node->owner_.compare_exchange_strong(free, mark, std::memory_order_acquire, std::memory_order_relaxed);
  };
  thread_local std::vector<std::pair<Node*, size_t>> stack;  // (node, next edge to visit); kept to reuse its memory
  const auto give_back = [&](Node* busy) {
    for (const auto& entry : stack) release(entry.first);
    for (Node* held : order) release(held);
    announce_release();
    order.clear();
    return busy;
  };
  for (Node* root : roots) {
    if (root->owner_.load(std::memory_order_relaxed) == mark) continue;  // a root reached from another one
    stack.clear();
    if (!claim(root)) return give_back(root);
    stack.assign(1, {root, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->edges_.size()) {
        Node* child = node->edges_[next++].node.get();
        if (!child || child->owner_.load(std::memory_order_relaxed) == mark) continue;
        if (!claim(child)) return give_back(child);
        stack.emplace_back(child, 0);
      } else {
        order.push_back(node);
        stack.pop_back();
      }
    }
  }
  std::reverse(order.begin(), order.end());
  return nullptr;
}

// With create_graph the gradient keeps its graph, and a second one is added out of place, so the sum has
// a graph too (as PyTorch's AccumulateGrad does then). A function of its own, so that the plain path
// below stays small: a training loop runs it thousands of times.
void Engine::accumulate_in_graph(TensorImpl& leaf, Tensor grad) {
  std::lock_guard lock(leaf_lock(leaf));  // another thread's backward may be summing into this leaf
  const bool sole_owner = grad.impl_ptr().use_count() == 1 && grad.impl().storage.use_count() == 1;
  if (!leaf.grad) leaf.grad = sole_owner ? grad.impl_ptr() : grad.clone().impl_ptr();
  else leaf.grad = add(Tensor(leaf.grad), grad).impl_ptr();
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

void Engine::accumulate_into_leaf(TensorImpl& leaf, Tensor grad, bool create_graph) {
  if (create_graph) [[unlikely]] return accumulate_in_graph(leaf, std::move(grad));
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
    // (Compared by storage first: a Tensor made of leaf.grad would cost two atomic count updates.)
    if (leaf.grad->storage == grad.impl().storage && memory_overlap(Tensor(leaf.grad), grad) == Overlap::kPartial)
        [[unlikely]]
      grad = grad.detach().clone();
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

// Each hook gets what the one before returned; an undefined answer keeps the gradient as it was. Hooks
// run under the pass's grad mode: with create_graph what they compute is recorded, and kept.
Tensor Engine::apply_hooks(const HookList<GradHook>& hooks, Tensor grad, bool create_graph) {
  for (const GradHook& hook : hooks.snapshot()) {
    Tensor replaced = hook(grad);
    if (!replaced.defined()) continue;
    SG_CHECK(replaced.shape() == grad.shape() && replaced.dtype() == grad.dtype(),
             "register_hook: a hook must return a gradient of the tensor's shape and dtype, {} {}, or an undefined "
             "Tensor to keep it; got {} {}",
             grad.shape(), grad.dtype(), replaced.shape(), replaced.dtype());
    grad = replaced.requires_grad() && !create_graph ? replaced.detach() : std::move(replaced);
  }
  return grad;
}

// A non-leaf's .grad (retain_grad) is filled after its hooks, as in PyTorch since 2.0: it holds the
// gradient that goes on through the graph. sg::grad leaves every .grad alone.
Tensor Engine::run_output_hooks(const OutputHooks& hooks, Tensor dy, bool create_graph, bool fill_retained) {
  if (!hooks.hooks.empty()) dy = apply_hooks(hooks.hooks, std::move(dy), create_graph);
  if (fill_retained)
    if (const std::shared_ptr<TensorImpl> retained = hooks.retained.lock())
      accumulate_into_leaf(*retained, dy, create_graph);
  return dy;
}

// Runs node's backward with its saved output (if any) back in the graph as node's own output, so a
// formula in terms of y (tanh: dy * (1 - y^2)) is differentiated through y too. The output is cut off
// again afterwards, even if backward throws: kept attached, it would own its node, which owns it.
Grads Engine::apply_in_graph(Node& node, const std::shared_ptr<Node>& self, const Tensor& dy) {
  struct Reattached {
    Node& node;
    SmallVector<std::pair<size_t, Tensor>, 2> cut;  // (index, the saved alias without a grad_fn)
    ~Reattached() {
      for (auto& [i, tensor] : cut)
        if (i < node.saved_.size()) node.saved_[i].tensor = std::move(tensor);
    }
  } reattached{node, {}};
  for (size_t i = 0; i < node.saved_.size() && i < 32; ++i) {
    if (!(node.saved_outputs_ >> i & 1) || !node.saved_[i].tensor.defined()) continue;
    Tensor& kept = node.saved_[i].tensor;
    Tensor attached = kept.detach();
    attached.impl().requires_grad = true;
    attached.impl().grad_fn = self;
    reattached.cut.push_back({i, std::exchange(kept, std::move(attached))});
  }
  return node.apply(dy);
}

// For create_graph: the shared_ptr that owns each node of the pass, found on the edges that point to it.
Engine::Owners Engine::owning_handles(std::span<const Tensor> roots, const std::vector<Node*>& order) {
  Owners owners;
  for (const Tensor& root : roots)
    if (root.grad_fn()) owners.emplace(root.grad_fn().get(), root.grad_fn());
  for (Node* node : order)
    for (const Edge& edge : node->edges_)
      if (edge.node) owners.emplace(edge.node.get(), edge.node);
  return owners;
}

// For sg::grad: flags, by position in order, the nodes whose backward must run because an input is
// reachable through them. order lists each node before the nodes it reaches, so walking it backwards
// sees a node's children first.
std::vector<char> Engine::nodes_leading_to(const std::vector<Node*>& order, const GradTargets& targets) {
  std::unordered_map<const Node*, size_t> position;
  for (size_t i = 0; i < order.size(); ++i) position.emplace(order[i], i);
  std::vector<char> leads(order.size(), 0), is_target(order.size(), 0);
  for (const Tensor& input : targets.inputs)
    if (input.grad_fn())
      if (auto at = position.find(input.grad_fn().get()); at != position.end()) is_target[at->second] = 1;
  for (size_t i = order.size(); i-- > 0;) {
    for (const Edge& edge : order[i]->edges_) {
      if (edge.node) {
        const size_t child = position.at(edge.node.get());
        leads[i] |= leads[child] | is_target[child];
      } else if (edge.leaf) {
        for (const Tensor& input : targets.inputs) leads[i] |= input.impl_ptr() == edge.leaf;
      }
    }
  }
  return leads;
}

void Engine::run(std::span<const Tensor> roots, std::span<const Tensor> seeds, bool retain_graph, bool create_graph,
                 GradTargets* targets) {
  // Off: backward formulas are not themselves recorded. On (create_graph): they are, and that is the point.
  AutoGradMode grad_mode(create_graph);
  const auto target_index = [targets](const TensorImpl* impl) -> int64_t {
    for (size_t k = 0; k < targets->inputs.size(); ++k)
      if (targets->inputs[k].impl_ptr().get() == impl) return int64_t(k);
    return -1;
  };
  const auto catch_grad = [&](size_t k, const Tensor& grad) {
    Tensor& held = targets->grads[k];
    held = held.defined() ? add(held, grad) : grad;
  };
  SmallVector<Node*, 2> root_nodes;
  for (size_t r = 0; r < roots.size(); ++r) {
    if (roots[r].grad_fn()) {
      root_nodes.push_back(roots[r].grad_fn().get());
    } else if (targets) {  // a leaf output: its gradient is the seed itself
      for (size_t k = 0; k < targets->inputs.size(); ++k)
        if (targets->inputs[k].is_same(roots[r])) catch_grad(k, seeds[r]);
    } else {
      TensorImpl& leaf = roots[r].impl();
      accumulate_into_leaf(leaf, leaf.hooks.empty() ? seeds[r] : apply_hooks(leaf.hooks, seeds[r], create_graph),
                           create_graph);
    }
  }
  if (root_nodes.empty()) return;
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
    const uint64_t mark = new_mark();
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
  while (Node* busy = claim_in_order(std::span<Node* const>(root_nodes.data(), root_nodes.size()), pass.mark, order)) {
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

  // create_graph: the owning handle of each node, to reattach a saved output to its node. Built only
  // then: an empty map costs a plain backward more than it seems (a training loop runs thousands).
  std::optional<Owners> owners;
  if (create_graph) [[unlikely]] owners = owning_handles(roots, order);
  const std::vector<char> leads = targets ? nodes_leading_to(order, *targets) : std::vector<char>();
  // The gradients of leaves that have hooks, summed here over the leaf's uses until the walk is over: a
  // leaf's hooks see its whole gradient once, as in PyTorch.
  std::vector<std::pair<std::shared_ptr<TensorImpl>, Tensor>> hooked_leaves;
  for (size_t r = 0; r < roots.size(); ++r) {
    if (!roots[r].grad_fn()) continue;
    Tensor& pending = roots[r].grad_fn()->pending_grad_;
    pending = pending.defined() ? add(pending, seeds[r]) : seeds[r];
  }
  for (size_t at = 0; at < order.size(); ++at) {
    Node* node = order[at];
    Tensor dy = std::move(node->pending_grad_);
    node->pending_grad_ = Tensor();
    if (targets) [[unlikely]] {
      if (dy.defined() && node->hooks_) dy = run_output_hooks(*node->hooks_, std::move(dy), create_graph, false);
      if (dy.defined())
        for (size_t k = 0; k < targets->inputs.size(); ++k)
          if (targets->inputs[k].grad_fn().get() == node) catch_grad(k, dy);
      if (!leads[at]) continue;  // nothing below leads to an input: its saved tensors stay for later
    } else if (dy.defined() && node->hooks_) [[unlikely]] {
      dy = run_output_hooks(*node->hooks_, std::move(dy), create_graph, true);
    }
    if (dy.defined()) {
      Grads grads = create_graph && node->saved_outputs_ ? apply_in_graph(*node, owners->at(node), dy) : node->apply(dy);
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
        } else if (targets) [[unlikely]] {
          if (const int64_t k = target_index(edge.leaf.get()); k >= 0) catch_grad(size_t(k), grads[i]);
        } else if (!edge.leaf->hooks.empty()) [[unlikely]] {
          auto held = std::find_if(hooked_leaves.begin(), hooked_leaves.end(),
                                   [&](const auto& entry) { return entry.first == edge.leaf; });
          if (held == hooked_leaves.end()) hooked_leaves.emplace_back(edge.leaf, std::move(grads[i]));
          else held->second = add(held->second, grads[i]);
        } else {
          accumulate_into_leaf(*edge.leaf, std::move(grads[i]), create_graph);
        }
      }
    }
    if (!retain_graph) {
      node->saved_.clear();
      node->released_ = true;
    }
  }
  for (auto& [leaf, grad] : hooked_leaves)
    accumulate_into_leaf(*leaf, apply_hooks(leaf->hooks, std::move(grad), create_graph), create_graph);
  if (targets)  // a leaf input's hooks see its whole gradient, as they would on its way into .grad
    for (size_t k = 0; k < targets->inputs.size(); ++k) {
      const Tensor& input = targets->inputs[k];
      if (!input.grad_fn() && targets->grads[k].defined() && !input.impl().hooks.empty())
        targets->grads[k] = apply_hooks(input.impl().hooks, targets->grads[k], create_graph);
    }
}

void Tensor::backward(bool retain_graph) const {
  SG_CHECK(numel() == 1,
           "backward: a gradient can be created implicitly only for a one-element output, got shape {}; "
           "pass backward(gradient) with a gradient of that shape",
           shape());
  backward(Tensor(), BackwardOptions{.retain_graph = retain_graph});
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  backward(gradient, BackwardOptions{.retain_graph = retain_graph});
}

void Tensor::backward(const Tensor& gradient, const BackwardOptions& options) const {
  SG_CHECK(requires_grad(),
           "backward: tensor of shape {} does not require grad (no input of the ops that made it had "
           "requires_grad_(), or they ran under NoGradGuard)",
           shape());
  const bool create_graph = options.create_graph;
  const bool retain_graph = options.retain_graph.value_or(create_graph);
  Tensor made;  // a seed made here, else the gradient itself is the seed
  if (!gradient.defined()) {
    SG_CHECK(numel() == 1,
             "backward: a gradient can be created implicitly only for a one-element output, got shape {}; "
             "pass backward(gradient) with a gradient of that shape",
             shape());
    made = ones_like(*this);  // fresh: no detach needed
  } else {
    SG_CHECK(gradient.shape() == shape() && gradient.dtype() == dtype(),
             "backward: gradient must match the output, expected {} {}, got {} {}", shape(), dtype(),
             gradient.shape(), gradient.dtype());
    // A gradient that is part of a graph is cut from it, unless the pass builds a graph (then it is
    // differentiated through, as in PyTorch); any other is used as it is (a leaf's .grad copies it rather
    // than keep it, since the caller still holds it).
    if (gradient.requires_grad() && !create_graph) made = gradient.detach();
  }
  const Tensor& seed = made.defined() ? made : gradient;
  Engine::run(std::span<const Tensor>(this, 1), std::span<const Tensor>(&seed, 1), retain_graph, create_graph);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const GradOptions& options) {
  SG_CHECK(!outputs.empty(), "grad: expected at least one output, got none");
  SG_CHECK(!inputs.empty(), "grad: expected at least one input, got none");
  SG_CHECK(options.grad_outputs.empty() || options.grad_outputs.size() == outputs.size(),
           "grad: expected one grad_output per output, got {} grad_outputs for {} outputs",
           options.grad_outputs.size(), outputs.size());
  const bool create_graph = options.create_graph;
  std::vector<Tensor> seeds;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& y = outputs[i];
    SG_CHECK(y.defined() && y.requires_grad(),
             "grad: output {} does not require grad and has no grad_fn (no input of the ops that made it had "
             "requires_grad_(), or they ran under NoGradGuard)",
             i);
    const Tensor g = options.grad_outputs.empty() ? Tensor() : options.grad_outputs[i];
    if (!g.defined()) {
      SG_CHECK(y.numel() == 1,
               "grad: a gradient can be created implicitly only for a one-element output, output {} has shape {}; "
               "pass grad_outputs",
               i, y.shape());
      seeds.push_back(ones_like(y));
    } else {
      SG_CHECK(g.shape() == y.shape() && g.dtype() == y.dtype(),
               "grad: grad_outputs[{}] must match output {}, expected {} {}, got {} {}", i, i, y.shape(), y.dtype(),
               g.shape(), g.dtype());
      seeds.push_back(g.requires_grad() && !create_graph ? g.detach() : g);
    }
  }
  for (size_t k = 0; k < inputs.size(); ++k)
    SG_CHECK(inputs[k].defined() && inputs[k].requires_grad(), "grad: input {} does not require grad{}", k,
             inputs[k].defined() ? fmt::format(" (shape {})", inputs[k].shape()) : std::string(" (undefined)"));
  GradTargets targets{inputs, std::vector<Tensor>(inputs.size())};
  Engine::run(outputs, seeds, options.retain_graph.value_or(create_graph), create_graph, &targets);
  for (size_t k = 0; k < inputs.size(); ++k)
    SG_CHECK(options.allow_unused || targets.grads[k].defined(),
             "grad: input {} (shape {}) was not reached from the outputs, so it has no gradient; pass "
             "allow_unused = true to get an undefined Tensor for it",
             k, inputs[k].shape());
  return std::move(targets.grads);
}

}  // namespace sg
