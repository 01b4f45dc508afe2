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

  /// Product of the sizes (1 for a scalar's empty shape).
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d = 0; d < rank_; ++d) n *= dims_[d];
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

[[noreturn]] void throw_negative_size(const Shape& shape, std::string_view op);
/// Checks every size is >= 0 (op names the caller in the message).
inline void check_sizes(const Shape& shape, std::string_view op) {
  for (int64_t size : shape)
    if (size < 0) [[unlikely]] throw_negative_size(shape, op);
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
