// StateDict: named tensors in insertion order, found by name, as PyTorch's state_dict (an OrderedDict).
// Module::state_dict() fills one with every parameter and buffer; Module::load_state_dict reads one back.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace sg::nn {

/// A tensor with its dotted name: {"features.0.weight", tensor}.
using NamedTensor = std::pair<std::string, Tensor>;

///   nn::StateDict sd = model.state_dict();   sd.at("fc.weight");   for (const auto& [name, t] : sd) ...
class StateDict {
 public:
  StateDict() = default;
  /// From named tensors, in their order; names must be unique.
  explicit StateDict(std::vector<NamedTensor> items);

  /// Adds a tensor at the end; refuses a name already present.
  void insert(std::string name, Tensor tensor);
  /// Removes a name; returns whether it was there.
  bool erase(const std::string& name);
  /// The tensor under name; throws naming it when absent. The non-const one may be assigned a new tensor.
  const Tensor& at(const std::string& name) const;
  Tensor& at(const std::string& name);
  bool contains(const std::string& name) const { return index_.contains(name); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const;

  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  /// The entries in order, as the list save_tensors and with_prefix take (and what a StateDict converts to).
  const std::vector<NamedTensor>& items() const { return items_; }
  operator const std::vector<NamedTensor>&() const { return items_; }

 private:
  std::vector<NamedTensor> items_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in items_
};

/// What Module::load_state_dict(state, /*strict=*/false) left alone: the module's tensors absent from the
/// state, and the state's tensors the module does not have (PyTorch's missing_keys, unexpected_keys).
struct LoadResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

}  // namespace sg::nn
