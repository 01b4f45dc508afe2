// ModuleList and ModuleDict: lookups, with errors that say what there is.
#include "nn/containers.h"

namespace sg::nn {

std::shared_ptr<Module> ModuleList::ptr(size_t index) const {
  SG_CHECK(index < modules_.size(), "{}: index must be below the size {}, got {}", name(), modules_.size(), index);
  return modules_[index];
}

ModuleDict::ModuleDict(std::vector<std::pair<std::string, std::shared_ptr<Module>>> modules) {
  for (auto& [key, module] : modules) insert(std::move(key), std::move(module));
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [name, _] : named_children())
    if (name == key) return true;
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : named_children()) out.push_back(name);
  return out;
}

std::shared_ptr<Module> ModuleDict::ptr(const std::string& key) const {
  for (const auto& [name, child] : named_children())
    if (name == key) return child;
  fail("ModuleDict: no module under key \"{}\", got keys [{}]", key, fmt::join(keys(), ", "));
}

}  // namespace sg::nn
