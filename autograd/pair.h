// Pair: the type of every two-dimensional option (kernel size, stride, padding, dilation). As in
// PyTorch, one number means that number for both dims and {a, b} gives one per dim.
//   nn::Conv2d(1, 4, 3, {.padding = 1})          padding (1, 1)
//   nn::Conv2d(1, 4, 3, {.padding = {1, 2}})     padding (1, 2)
// It is a class, not an aggregate, so no other spelling compiles: with a plain std::array<int64_t, 2>,
// brace elision read {.padding = 1} as {1, 0}, a silently wrong shape. A fraction does not compile either.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>

namespace sg {

struct Pair : std::array<int64_t, 2> {
  constexpr Pair(int64_t both) : std::array<int64_t, 2>{both, both} {}
  constexpr Pair(int64_t first, int64_t second) : std::array<int64_t, 2>{first, second} {}
  template <std::floating_point F>
  Pair(F) = delete;  // a size or a stride is a whole number
};

}  // namespace sg

// Unpacks like the std::array it is: const auto [kh, kw] = kernel_size;
template <>
struct std::tuple_size<sg::Pair> : std::integral_constant<size_t, 2> {};
template <size_t I>
struct std::tuple_element<I, sg::Pair> {
  using type = int64_t;
};
