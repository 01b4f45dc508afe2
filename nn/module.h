// Module: the base of every layer and model. A module registers its parameters, buffers and child
// modules by name, in order, and everything else (parameters(), train()/eval(), to(dtype), the printed
// summary, checkpoints) walks those registries.
//
// Parameters and buffers are Tensor handles, so the registry and the layer's named member (`weight`)
// share one tensor: an optimizer that updates `parameters()` in place updates the layer. Children are
// held through shared_ptr, so copying a module copies handles, never weights.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "nn/state_dict.h"

namespace sg::nn {

class Module;
/// Called after a module's forward with the module, its input and its output; returns a replacement
/// output, or an undefined Tensor to keep it.
using ForwardHook = std::function<Tensor(Module& module, const Tensor& input, const Tensor& output)>;
/// Called before a module's forward with the module and its input; returns a replacement input, or an
/// undefined Tensor to keep it.
using ForwardPreHook = std::function<Tensor(Module& module, const Tensor& input)>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  /// The module's computation on one tensor; modules with other signatures define their own forward.
  virtual Tensor forward(const Tensor& input);
  /// forward, with the forward hooks around it (PyTorch's module(x)).
  Tensor operator()(const Tensor& input) {
    if (!forward_pre_hooks_.empty() || !forward_hooks_.empty()) [[unlikely]] return call_with_hooks(input);
    return forward(input);
  }

  /// Calls hook after each forward made through operator() (a direct forward() call skips hooks, as in
  /// PyTorch), hooks in registration order, each seeing the output the one before returned:
  ///   auto h = model.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& y) {
  ///     activations.push_back(y.detach()); return Tensor(); });   ...   h.remove();
  /// A copy of the module has copies of its hooks.
  HookHandle register_forward_hook(ForwardHook hook);
  /// Calls hook before each forward made through operator(), with the input, which it may replace.
  HookHandle register_forward_pre_hook(ForwardPreHook hook);

  /// Parameters of this module and, with recurse, of every descendant, in registration order.
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// The same with dotted names: "weight", "features.0.bias".
  std::vector<NamedTensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<NamedTensor> named_buffers(bool recurse = true) const;
  /// The direct children, with their names.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  std::vector<std::shared_ptr<Module>> children() const;

  /// Switches this module and all descendants to training (or, with false, evaluation) behaviour.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Forgets the gradient of every parameter (the next backward starts from zero).
  void zero_grad();
  /// Converts every floating parameter and buffer to dtype, in place: handles held elsewhere (an
  /// optimizer's, a member's) see the new dtype. Gradients are dropped.
  void to(Dtype dtype);

  /// Every parameter and buffer under its dotted name, in registration order, depth first (PyTorch's
  /// module.state_dict()); the tensors are the module's own, not copies.
  StateDict state_dict() const;
  /// Copies the tensors of state into the parameters and buffers of the same names. With strict, the names
  /// must be exactly the module's; without, those in both are loaded and the others listed in the result.
  /// Shapes and dtypes must match and values be finite. Otherwise throws std::invalid_argument naming every
  /// missing and unexpected key, or the tensor at fault, and changes nothing.
  ///   model.load_state_dict(other.state_dict());
  /// (Defined with the checkpoint code, nn/checkpoint.cpp, whose checks it shares.)
  LoadResult load_state_dict(const StateDict& state, bool strict = true);

  /// Number of parameter elements, with or without the descendants'.
  int64_t parameter_count(bool recurse = true) const;
  /// The type's name: "Linear", or a custom module's class name.
  virtual std::string name() const;
  /// One line describing this module alone: "Linear(784, 10)", "Dropout(p=0.2)". Only non-default
  /// options are shown.
  virtual std::string repr() const;
  /// The printed summary: one row per module with its parameter count (under a module with children,
  /// one row per parameter registered on it too), and the total.
  std::string summary() const;

 protected:
  /// Registers a parameter and marks it as requiring grad; returns it. An undefined tensor (an absent
  /// bias) is not registered.
  Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Registers state that is saved and moved with the module but not trained (running statistics).
  Tensor register_buffer(std::string name, Tensor tensor);
  /// Registers a child and returns a handle to it: `std::shared_ptr<Linear> fc = register_module("fc", Linear(4, 2));`
  template <class M>
    requires std::derived_from<M, Module>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_child(std::move(name), module);
    return module;
  }
  template <class M>
    requires std::derived_from<std::remove_cvref_t<M>, Module> && (!std::is_lvalue_reference_v<M>)
  std::shared_ptr<M> register_module(std::string name, M&& module) {
    return register_module(std::move(name), std::make_shared<M>(std::move(module)));
  }

 private:
  Tensor call_with_hooks(const Tensor& input);
  void add_child(std::string name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;
  void summary_rows(const std::string& label, int depth, std::vector<std::array<std::string, 2>>& rows) const;

  std::vector<NamedTensor> parameters_;
  std::vector<NamedTensor> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  HookList<ForwardPreHook> forward_pre_hooks_;
  HookList<ForwardHook> forward_hooks_;
};

/// Prints the summary.
std::ostream& operator<<(std::ostream& os, const Module& module);

}  // namespace sg::nn
