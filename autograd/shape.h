// Shape: the sizes of a tensor's dimensions, kept inline (no heap) because every op makes one.
// Also the broadcasting rules (NumPy's), stated once here and used by every binary op.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace sg {

class Shape {
 public:
  static constexpr int64_t kMaxRank = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> sizes) { assign(sizes.begin(), sizes.size()); }
  Shape(std::span<const int64_t> sizes) { assign(sizes.data(), sizes.size()); }
  Shape(const std::vector<int64_t>& sizes) { assign(sizes.data(), sizes.size()); }

  int64_t size() const { return rank_; }
  bool empty() const { return rank_ == 0; }
  int64_t operator[](int64_t d) const { return dims_[d]; }
  int64_t& operator[](int64_t d) { return dims_[d]; }
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + rank_; }
  int64_t back() const { return dims_[rank_ - 1]; }
  std::vector<int64_t> vec() const { return {begin(), end()}; }

  /// Product of the sizes (1 for a scalar's empty shape). Exact for every tensor's shape (check_sizes
  /// bounds it); a product that does not fit in int64 throws instead of wrapping.
  int64_t numel() const {
    int64_t n = 1;
    bool overflow = false;
    for (int64_t d = 0; d < rank_; ++d) overflow |= __builtin_mul_overflow(n, dims_[d], &n);
    if (overflow) [[unlikely]] return numel_after_overflow();
    return n;
  }
  void push_back(int64_t size);
  void insert(int64_t pos, int64_t size);
  void erase(int64_t pos);

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (int64_t d = 0; d < a.rank_; ++d)  // a plain loop: std::equal becomes a memcmp call
      if (a.dims_[d] != b.dims_[d]) return false;
    return true;
  }

 private:
  void assign(const int64_t* sizes, size_t rank);
  int64_t numel_after_overflow() const;

  std::array<int64_t, kMaxRank> dims_{};
  int64_t rank_ = 0;
};

/// Prints as [2, 3, 4].
std::ostream& operator<<(std::ostream& os, const Shape& shape);

/// Row-major strides in elements: strides({2, 3, 4}) == {12, 4, 1}.
std::array<int64_t, Shape::kMaxRank> contiguous_strides(const Shape& shape);

Shape broadcast_different_shapes(const Shape& a, const Shape& b, std::string_view op);
/// The shape both a and b broadcast to (NumPy rules); throws naming op and both shapes.
/// Equal shapes, the usual case, are answered here without a call.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
  return a == b ? a : broadcast_different_shapes(a, b, op);
}

/// A dim in [-rank, rank) made non-negative; throws naming op when out of range.
int64_t normalize_dim(int64_t dim, int64_t rank, std::string_view op);

/// The most elements a tensor may have: 2^60 - 1, so that its bytes (at most 8 an element) fit in a
/// ptrdiff_t and no byte count or offset into it can overflow.
inline constexpr int64_t kMaxNumel = (int64_t(1) << 60) - 1;

[[noreturn]] void throw_bad_sizes(const Shape& shape, std::string_view op);
/// Checks that shape can be a tensor's: every size >= 0, and at most kMaxNumel elements with each size
/// of 0 counted as 1. Counting those as 1 keeps whatever an op derives from the tensor storable too: a
/// sum over the empty dim of [0, 2^62] would otherwise make a [2^62] tensor. Any product of some of
/// the sizes of a checked shape therefore fits in int64. op names the caller in the message.
inline void check_sizes(const Shape& shape, std::string_view op) {
  int64_t n = 1;
  bool bad = false;
  for (int64_t size : shape) {
    bad |= size < 0;
    bad |= __builtin_mul_overflow(n, size > 0 ? size : 1, &n);
  }
  if (bad || n > kMaxNumel) [[unlikely]] throw_bad_sizes(shape, op);
}

/// Splits shape around dim into (outer, size, inner) so a reduction over dim is a loop over a 3-D block.
struct DimSplit {
  int64_t outer, size, inner;
};
DimSplit split_at(const Shape& shape, int64_t dim);

}  // namespace sg

/// Prints as [2, 3, 4].
template <>
struct fmt::formatter<sg::Shape> : fmt::formatter<std::string_view> {
  auto format(const sg::Shape& shape, fmt::format_context& ctx) const {
    auto out = fmt::format_to(ctx.out(), "[");
    for (int64_t d = 0; d < shape.size(); ++d) {
      if (d) out = fmt::format_to(out, ", ");
      out = fmt::format_to(out, "{}", shape[d]);
    }
    return fmt::format_to(out, "]");
  }
};
