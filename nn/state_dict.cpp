// StateDict: a vector for the order, a hash map for the lookup.
#include "nn/state_dict.h"

#include "autograd/check.h"

namespace sg::nn {

StateDict::StateDict(std::vector<NamedTensor> items) {
  for (auto& [name, tensor] : items) insert(std::move(name), std::move(tensor));
}

void StateDict::insert(std::string name, Tensor tensor) {
  SG_CHECK(!index_.contains(name), "StateDict::insert: names must be unique, got \"{}\" twice", name);
  index_.emplace(name, items_.size());
  items_.emplace_back(std::move(name), std::move(tensor));
}

bool StateDict::erase(const std::string& name) {
  const auto found = index_.find(name);
  if (found == index_.end()) return false;
  items_.erase(items_.begin() + ptrdiff_t(found->second));
  index_.erase(found);
  for (size_t i = 0; i < items_.size(); ++i) index_[items_[i].first] = i;
  return true;
}

const Tensor& StateDict::at(const std::string& name) const {
  const auto found = index_.find(name);
  SG_CHECK(found != index_.end(), "StateDict::at: no tensor named \"{}\" among the {} held", name, items_.size());
  return items_[found->second].second;
}

Tensor& StateDict::at(const std::string& name) {
  return const_cast<Tensor&>(static_cast<const StateDict&>(*this).at(name));
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : items_) out.push_back(name);
  return out;
}

}  // namespace sg::nn
