// The element types a Tensor can hold, and `dispatch`, which turns a runtime dtype into a template
// argument so one kernel template serves float32 and float64 (and int64 where it makes sense).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace sg {

/// Element type of a tensor: float32 (the default), float64 (gradcheck), int64 (indices and labels).
enum class Dtype : uint8_t { Float32, Float64, Int64 };

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;

/// "float32", "float64" or "int64".
constexpr std::string_view dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
  }
  return "?";
}

/// Bytes per element.
constexpr size_t element_size(Dtype dtype) { return dtype == Dtype::Float32 ? 4 : 8; }

constexpr bool is_floating(Dtype dtype) { return dtype != Dtype::Int64; }

/// The Dtype of a C++ scalar type: dtype_of<float> == kFloat32.
template <class T>
constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, float>) return Dtype::Float32;
  else if constexpr (std::is_same_v<T, double>) return Dtype::Float64;
  else {
    static_assert(std::is_same_v<T, int64_t>,
                  "a scratchgrad tensor holds float (float32), double (float64) or int64_t (int64): convert the "
                  "values first, e.g. to std::vector<int64_t> for labels");
    return Dtype::Int64;
  }
}

std::ostream& operator<<(std::ostream& os, Dtype dtype);

// Defined in dtype.cpp, which keeps <stdexcept> and fmt out of this header.
[[noreturn]] void throw_dtype_error(std::string_view op, Dtype dtype);
[[noreturn]] void throw_int64_conversion_error(std::string_view op, double value);

/// True when v truncated toward zero lies in int64's range: exactly when the C++ cast to int64 is defined
/// (NaN and the infinities are not). Both bounds, -2^63 and 2^63, are exact in float and double.
template <class F>
constexpr bool fits_int64(F v) {
  return v >= F(-0x1p63) && v < F(0x1p63);
}

/// value as an element of type T: for int64 truncated toward zero, and refused, naming op, where the cast
/// would be undefined (NaN, the infinities, beyond int64's range); PyTorch leaves those results undefined.
template <class T>
T element_from(double value, std::string_view op) {
  if constexpr (std::is_same_v<T, int64_t>)
    if (!fits_int64(value)) [[unlikely]] throw_int64_conversion_error(op, value);
  return static_cast<T>(value);
}

/// Calls fn.template operator()<T>() with T = float or double; int64 is refused with op's name.
///   dispatch(x.dtype(), "relu", [&]<class T> { kernels::relu_forward(y.data<T>(), ...); });
template <class Fn>
decltype(auto) dispatch(Dtype dtype, std::string_view op, Fn&& fn) {
  switch (dtype) {
    case Dtype::Float32: return fn.template operator()<float>();
    case Dtype::Float64: return fn.template operator()<double>();
    default: break;
  }
  throw_dtype_error(op, dtype);
}

/// Like dispatch, but int64 is accepted too (copies, comparisons, indexing, integer arithmetic).
template <class Fn>
decltype(auto) dispatch_all(Dtype dtype, Fn&& fn) {
  switch (dtype) {
    case Dtype::Float32: return fn.template operator()<float>();
    case Dtype::Float64: return fn.template operator()<double>();
    case Dtype::Int64: break;
  }
  return fn.template operator()<int64_t>();
}

}  // namespace sg

template <>
struct fmt::formatter<sg::Dtype> : fmt::formatter<std::string_view> {
  auto format(sg::Dtype dtype, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(sg::dtype_name(dtype), ctx);
  }
};
