// Module: registries, recursive walks, dtype conversion and the printed summary.
#include "nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <ostream>
#include <typeinfo>

#include "autograd/check.h"
#include "autograd/grad_mode.h"

namespace sg::nn {

Tensor Module::forward(const Tensor&) {
  fail("{}.forward: this module does not define forward(const Tensor&)", name());
}

// ---- hooks ----
HookHandle Module::register_forward_hook(ForwardHook hook) {
  SG_CHECK(hook != nullptr, "{}.register_forward_hook: expected a callable hook, got an empty std::function", name());
  return forward_hooks_.add(std::move(hook));
}

HookHandle Module::register_forward_pre_hook(ForwardPreHook hook) {
  SG_CHECK(hook != nullptr, "{}.register_forward_pre_hook: expected a callable hook, got an empty std::function",
           name());
  return forward_pre_hooks_.add(std::move(hook));
}

Tensor Module::call_with_hooks(const Tensor& input) {
  Tensor x = input;
  for (const ForwardPreHook& hook : forward_pre_hooks_.snapshot())
    if (Tensor replaced = hook(*this, x); replaced.defined()) x = std::move(replaced);
  Tensor y = forward(x);
  for (const ForwardHook& hook : forward_hooks_.snapshot())
    if (Tensor replaced = hook(*this, x, y); replaced.defined()) y = std::move(replaced);
  return y;
}

// ---- registration ----
void Module::check_new_name(const std::string& name, const char* what) const {
  SG_CHECK(!name.empty() && name.find('.') == std::string::npos,
           "{}: {} name must be non-empty and contain no '.', got \"{}\"", this->name(), what, name);
  auto taken = [&](const auto& list) {
    for (const auto& [n, _] : list)
      if (n == name) return true;
    return false;
  };
  SG_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_),
           "{}: a {} name must be unused, got \"{}\" which is already registered", this->name(), what, name);
}

Tensor Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "parameter");
  if (!tensor.defined()) return tensor;
  SG_CHECK(is_floating(tensor.dtype()), "{}: parameter \"{}\" must be float32 or float64, got {}", this->name(), name,
           tensor.dtype());
  tensor.requires_grad_(requires_grad);
  parameters_.emplace_back(std::move(name), tensor);
  return tensor;
}

Tensor Module::register_buffer(std::string name, Tensor tensor) {
  check_new_name(name, "buffer");
  SG_CHECK(tensor.defined(), "{}: buffer \"{}\" must be a defined tensor", this->name(), name);
  buffers_.emplace_back(std::move(name), tensor);
  return tensor;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  check_new_name(name, "module");
  SG_CHECK(module != nullptr, "{}: module \"{}\" must not be null", this->name(), name);
  children_.emplace_back(std::move(name), std::move(module));
}

// ---- walks ----
namespace {
// Depth first, a module's own tensors before its children's, as PyTorch's state_dict orders them.
template <class Get>
void collect(const Module& m, const std::string& prefix, bool recurse, Get get, std::vector<NamedTensor>& out) {
  for (const auto& [name, t] : get(m)) out.emplace_back(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : m.named_children()) collect(*child, prefix + name + ".", true, get, out);
}
std::vector<Tensor> tensors_of(const std::vector<NamedTensor>& named) {
  std::vector<Tensor> out;
  for (const auto& [_, t] : named) out.push_back(t);
  return out;
}
}  // namespace

std::vector<NamedTensor> Module::named_parameters(bool recurse) const {
  std::vector<NamedTensor> out;
  collect(*this, "", recurse, [](const Module& m) { return m.parameters_; }, out);
  return out;
}
std::vector<Tensor> Module::parameters(bool recurse) const { return tensors_of(named_parameters(recurse)); }

std::vector<NamedTensor> Module::named_buffers(bool recurse) const {
  std::vector<NamedTensor> out;
  collect(*this, "", recurse, [](const Module& m) { return m.buffers_; }, out);
  return out;
}
std::vector<Tensor> Module::buffers(bool recurse) const { return tensors_of(named_buffers(recurse)); }

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [_, child] : children_) out.push_back(child);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (const auto& [_, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

// The converted data is swapped into each existing TensorImpl rather than into a new handle, so every
// copy of the handle (the layer's member, an optimizer's list) sees the change.
void Module::to(Dtype dtype) {
  SG_CHECK(is_floating(dtype), "Module::to: expected float32 or float64, got {}", dtype);
  NoGradGuard no_grad;
  auto convert = [dtype](const Tensor& t) {
    if (!is_floating(t.dtype()) || t.dtype() == dtype) return;
    const Tensor converted = t.detach().to(dtype);
    t.impl().storage = converted.impl().storage;
    t.impl().offset = 0;
    t.impl().dtype = dtype;
    t.impl().grad.reset();
  };
  for (const Tensor& p : parameters()) convert(p);
  for (const Tensor& b : buffers()) convert(b);
}

int64_t Module::parameter_count(bool recurse) const {
  int64_t n = 0;
  for (const Tensor& p : parameters(recurse)) n += p.numel();
  return n;
}

// ---- printing ----
std::string Module::name() const {
  int status = 0;
  char* demangled = abi::__cxa_demangle(typeid(*this).name(), nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : typeid(*this).name();
  std::free(demangled);
  const size_t colon = full.rfind("::");
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

// A container prints as its bare name (its children have their own rows); a leaf as "Name()".
std::string Module::repr() const { return children_.empty() ? name() + "()" : name(); }

// A module with children lists its own parameters too, one row each, so that the rows under it add up to
// its count; a leaf's parameters are its row.
void Module::summary_rows(const std::string& label, int depth, std::vector<std::array<std::string, 2>>& rows) const {
  rows.push_back({std::string(2 * depth, ' ') + label + repr(), std::to_string(parameter_count())});
  if (!children_.empty())
    for (const auto& [name, p] : parameters_)
      rows.push_back({fmt::format("{}{} {}", std::string(2 * depth + 2, ' '), name, p.shape()), std::to_string(p.numel())});
  for (const auto& [name, child] : children_) child->summary_rows("(" + name + ") ", depth + 1, rows);
}

std::string Module::summary() const {
  std::vector<std::array<std::string, 2>> rows;
  summary_rows("", 0, rows);
  rows.push_back({"total", std::to_string(parameter_count())});
  size_t left = 0, right = std::string("parameters").size();
  for (const auto& [a, b] : rows) left = std::max(left, a.size()), right = std::max(right, b.size());
  std::string out = fmt::format("{:<{}}  {:>{}}\n", "module", left, "parameters", right);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + 1 == rows.size()) out += std::string(left + 2 + right, '-') + "\n";
    out += fmt::format("{:<{}}  {:>{}}\n", rows[i][0], left, rows[i][1], right);
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.summary(); }

}  // namespace sg::nn
