// SmallVector: a vector that keeps its first N elements inside itself and moves to the heap only past N.
// A node's edges and saved tensors, and the gradients its backward returns, are one to three tensors for
// almost every op; keeping them inline saves a malloc and a free per list per op.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

namespace sg {

template <class T, size_t N>
class SmallVector {
 public:
  SmallVector() = default;
  explicit SmallVector(size_t count) { resize(count); }
  /// SmallVector{a, b, c}: each value moved in when it is a temporary (an initializer_list would copy it).
  template <class... Values>
    requires(sizeof...(Values) > 0 && (std::is_convertible_v<Values, T> && ...))
  SmallVector(Values&&... values) {
    reserve(sizeof...(Values));
    (push_back(std::forward<Values>(values)), ...);
  }
  SmallVector(std::vector<T>&& values) {
    reserve(values.size());
    for (T& v : values) push_back(std::move(v));
  }
  SmallVector(SmallVector&& other) noexcept { *this = std::move(other); }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this == &other) return *this;
    clear();
    heap_ = std::move(other.heap_);
    on_heap_ = other.on_heap_;
    size_ = other.size_;
    if (!on_heap_)
      for (size_t i = 0; i < size_; ++i) inline_[i] = std::move(other.inline_[i]);
    other.clear();
    return *this;
  }
  SmallVector(const SmallVector& other) { *this = other; }
  SmallVector& operator=(const SmallVector& other) {
    if (this == &other) return *this;
    clear();
    reserve(other.size());
    for (const T& v : other) push_back(v);
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return on_heap_ ? heap_.data() : inline_.data(); }
  const T* data() const { return on_heap_ ? heap_.data() : inline_.data(); }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }

  /// Makes room for `count` elements; past N everything moves to the heap once.
  void reserve(size_t count) {
    if (count <= N || on_heap_) {
      if (on_heap_) heap_.reserve(count);
      return;
    }
    heap_.reserve(count);
    for (size_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_[i]));
    for (size_t i = 0; i < size_; ++i) inline_[i] = T();
    on_heap_ = true;
  }
  void push_back(T value) {
    if (!on_heap_ && size_ == N) reserve(2 * N);
    if (on_heap_) heap_.push_back(std::move(value));
    else inline_[size_] = std::move(value);
    ++size_;
  }
  /// Appends a default element and returns it (an inline slot is already one: nothing is built or moved).
  T& emplace_back() {
    if (!on_heap_ && size_ < N) return inline_[size_++];
    push_back(T());
    return back();
  }
  void resize(size_t count) {
    reserve(count);
    while (size_ < count) push_back(T());
    while (size_ > count) pop_back();
  }
  void pop_back() {
    if (on_heap_) heap_.pop_back();
    else inline_[size_ - 1] = T();
    --size_;
  }
  /// Empties the vector and releases what the elements held (a tensor's buffer, a node) right away.
  void clear() {
    if (on_heap_) heap_.clear();
    else
      for (size_t i = 0; i < size_; ++i) inline_[i] = T();
    size_ = 0;
  }

 private:
  std::array<T, N> inline_{};
  std::vector<T> heap_;
  size_t size_ = 0;
  bool on_heap_ = false;
};

}  // namespace sg
