// Hooks: callbacks kept in the order they were registered, each removable through the handle its
// registration returned (Tensor::register_hook, Module::register_forward_hook).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace sg {

/// Removes the hook it was returned for: handle.remove(). Does nothing the second time, or once the hook's
/// owner (the tensor, its graph, the module) is gone.
class HookHandle {
 public:
  HookHandle() = default;
  explicit HookHandle(std::function<void()> remove) : remove_(std::move(remove)) {}
  void remove() {
    if (remove_) std::exchange(remove_, nullptr)();
  }

 private:
  std::function<void()> remove_;
};

/// Hooks of one kind, in registration order; empty (a null pointer) until the first one. Copying the list
/// copies the hooks, so a copied module has its own; a handle removes from the list it was made by.
template <class Hook>
class HookList {
 public:
  HookList() = default;
  HookList(const HookList& other) : entries_(other.entries_ ? std::make_shared<Entries>(*other.entries_) : nullptr) {}
  HookList& operator=(const HookList& other) {
    if (this != &other) entries_ = HookList(other).entries_;
    return *this;
  }
  HookList(HookList&&) noexcept = default;
  HookList& operator=(HookList&&) noexcept = default;

  bool empty() const { return !entries_ || entries_->hooks.empty(); }

  HookHandle add(Hook hook) {
    if (!entries_) entries_ = std::make_shared<Entries>();
    const uint64_t id = entries_->next_id++;
    entries_->hooks.emplace_back(id, std::move(hook));
    return HookHandle([weak = std::weak_ptr<Entries>(entries_), id] {
      if (const auto entries = weak.lock()) std::erase_if(entries->hooks, [id](const auto& e) { return e.first == id; });
    });
  }

  /// The hooks as they are now, to call in order: a hook may remove itself, or add another, while they run.
  std::vector<Hook> snapshot() const {
    std::vector<Hook> out;
    if (entries_)
      for (const auto& [_, hook] : entries_->hooks) out.push_back(hook);
    return out;
  }

 private:
  struct Entries {
    std::vector<std::pair<uint64_t, Hook>> hooks;
    uint64_t next_id = 0;
  };
  std::shared_ptr<Entries> entries_;
};

}  // namespace sg
