// ModuleList and ModuleDict: children kept by position or by key, registered like any child, so that
// parameters(), named_parameters(), checkpoints, train()/eval() and to() reach them ("layers.0.weight",
// "heads.cls.bias"). Neither has a forward: the module that owns one says how its children are used.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/check.h"
#include "nn/module.h"

namespace sg::nn {

/// Modules by position, named "0", "1", ... (Sequential is one with a forward):
///   std::shared_ptr<nn::ModuleList> layers = register_module("layers", nn::ModuleList());
///   for (int i = 0; i < 3; ++i) layers->push_back(nn::Linear(8, 8));
///   for (const auto& layer : *layers) x = (*layer)(x);
class ModuleList : public Module {
 public:
  ModuleList() = default;
  /// Takes each module by value (moved into shared ownership) or as a shared_ptr (shared).
  template <class... Ms>
    requires(sizeof...(Ms) > 0 && (!(sizeof...(Ms) == 1 && (std::derived_from<std::remove_cvref_t<Ms>, ModuleList> && ...))))
  explicit ModuleList(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }

  /// Appends a module, named by its position.
  template <class M>
    requires std::derived_from<std::remove_cvref_t<M>, Module>
  void push_back(M&& module) {
    push_back(std::shared_ptr<Module>(std::make_shared<std::remove_cvref_t<M>>(std::forward<M>(module))));
  }
  template <class M>
    requires std::derived_from<M, Module>
  void push_back(std::shared_ptr<M> module) {
    modules_.push_back(register_module(std::to_string(modules_.size()), std::shared_ptr<Module>(std::move(module))));
  }

  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  Module& operator[](size_t index) const { return *ptr(index); }
  std::shared_ptr<Module> ptr(size_t index) const;
  /// The module at index as its concrete type: layers->at<nn::Linear>(0).weight. Throws if it is not one.
  template <class M>
  M& at(size_t index) const {
    auto* module = dynamic_cast<M*>(&(*this)[index]);
    SG_CHECK(module != nullptr, "{}::at: module {} is a {}, not the type asked for", name(), index,
             (*this)[index].name());
    return *module;
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 protected:
  using Module::forward;  // a list has no forward of its own (Sequential gives it one)
  using Module::operator();

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

/// Modules by key, in insertion order; each key is the child's name:
///   std::shared_ptr<nn::ModuleDict> heads = register_module("heads", nn::ModuleDict());
///   heads->insert("cls", nn::Linear(8, 10));   (*heads)["cls"]  or  heads->at<nn::Linear>("cls")
class ModuleDict : public Module {
 public:
  ModuleDict() = default;
  /// From (key, module) pairs, in their order: nn::ModuleDict({{"a", std::make_shared<nn::Linear>(2, 2)}}).
  explicit ModuleDict(std::vector<std::pair<std::string, std::shared_ptr<Module>>> modules);

  /// Adds a module under key (non-empty, no '.', not taken already), by value or as a shared_ptr.
  template <class M>
    requires std::derived_from<std::remove_cvref_t<M>, Module>
  void insert(std::string key, M&& module) {
    insert(std::move(key), std::shared_ptr<Module>(std::make_shared<std::remove_cvref_t<M>>(std::forward<M>(module))));
  }
  template <class M>
    requires std::derived_from<M, Module>
  void insert(std::string key, std::shared_ptr<M> module) {
    register_module(std::move(key), std::shared_ptr<Module>(std::move(module)));
  }

  size_t size() const { return named_children().size(); }
  bool empty() const { return named_children().empty(); }
  bool contains(const std::string& key) const;
  std::vector<std::string> keys() const;
  Module& operator[](const std::string& key) const { return *ptr(key); }
  /// The module under key; throws naming the key and the keys there are when it is absent.
  std::shared_ptr<Module> ptr(const std::string& key) const;
  /// The module under key as its concrete type; throws if it is not one.
  template <class M>
  M& at(const std::string& key) const {
    auto* module = dynamic_cast<M*>(&(*this)[key]);
    SG_CHECK(module != nullptr, "ModuleDict::at: module \"{}\" is a {}, not the type asked for", key,
             (*this)[key].name());
    return *module;
  }
  /// (key, module) pairs in insertion order.
  auto begin() const { return named_children().begin(); }
  auto end() const { return named_children().end(); }

 private:
  using Module::forward;  // a dict has no forward of its own
  using Module::operator();
};

}  // namespace sg::nn
