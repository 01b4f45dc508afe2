// Scalar arithmetic shared by the kernels and by the ops' elementwise formulas: e^x, ln x, ln(1 + x),
// tanh x and Phi(x) that vectorise, and int64 arithmetic that wraps around on overflow as in PyTorch.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace sg::kernels {

/// e^x in float, written as plain arithmetic with no branch and no call, so a loop over it vectorises
/// (std::exp is one library call per element). Within 2 ulp of exp on [-87, 88]; 0 below that
/// (e^-87 is near the smallest normal float) and +inf above. Every element takes the same path, so a
/// value never depends on where a chunk or a vector starts. Naive reference: std::exp.
inline float exp_vectorisable(float x) {
  constexpr float kLo = -87.0f, kHi = 88.0f;
  const float c = x < kLo ? kLo : x > kHi ? kHi : x;
  // x = n ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2. Adding 1.5 * 2^23 rounds to an integer
  // (the float's last bit is then worth 1), and the low bits of the sum hold n itself.
  constexpr float kShift = 12582912.0f;
  const float t = c * 1.44269504f + kShift;
  const float n = t - kShift;
  const float r = (c - n * 0.693359375f) - n * -2.12194440e-4f;  // ln2 in two parts: the first times n is exact
  // e^r = 1 + r + r^2 p(r), the minimax polynomial of Cephes' expf.
  const float p = (((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r +
                    1.6666665459e-1f) * r + 5.0000001201e-1f);
  const float er = p * (r * r) + r + 1.0f;
  // 2^n straight into the exponent bits; n is in [-125, 127] here, so the result stays a normal float.
  const uint32_t biased = std::bit_cast<uint32_t>(t) - std::bit_cast<uint32_t>(kShift) + 127u;
  const float y = er * std::bit_cast<float>(biased << 23);
  return x < kLo ? 0.0f : x > kHi ? std::numeric_limits<float>::infinity() : y;
}

/// e^x for a kernel of either dtype: float takes exp_vectorisable, double keeps std::exp (the float64
/// gradient checks want its last bits).
template <class T>
inline T exp_of(T x) {
  if constexpr (std::is_same_v<T, float>) return exp_vectorisable(x);
  else return std::exp(x);
}

/// ln x in float as plain arithmetic that vectorises (std::log is one library call per element): Cephes'
/// logf. x = m 2^e with m in [sqrt(1/2), sqrt 2) read from the float's bits (a subnormal x scaled by 2^23
/// first), then ln x = ln m + e ln 2 with ln(1 + f), f = m - 1, as f - f^2 / 2 + f^3 P(f). Within 1 ulp
/// of ln on the whole positive range; -inf at 0, NaN below 0 and at NaN, inf at inf, as std::log.
/// Naive reference: std::log.
inline float log_vectorisable(float x) {
  // Values are computed for every element and then chosen: GCC keeps a loop scalar where an operation
  // that may raise a floating-point exception would run under a condition.
  const bool subnormal = x < std::numeric_limits<float>::min();
  // A subnormal times 2^23 is a normal float with the same mantissa bits; anything else times 1 is itself.
  // The 23 to take off the exponent is read from the factor's own exponent: a second select on
  // `subnormal` would turn the pair back into a branch.
  const float factor = subnormal ? 8388608.0f : 1.0f;
  const uint32_t bits = std::bit_cast<uint32_t>(x * factor);
  const float e_shift = float(int32_t(std::bit_cast<uint32_t>(factor) >> 23) - 127);
  // m in [0.5, 1): the mantissa with the exponent of 0.5; e: the exponent that goes with it.
  const float m = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f000000u);
  const float e_all = float(int32_t(bits >> 23) - 126);
  const bool low = m < 0.707106781186547524f;  // m below sqrt(1/2): take 2m and one less in e
  const float twice_m = m + m - 1.0f, once_m = m - 1.0f, e_low = e_all - e_shift - 1.0f, e_high = e_all - e_shift;
  const float f = low ? twice_m : once_m, e = low ? e_low : e_high;
  const float z = f * f;
  float y = ((((((((7.0376836292e-2f * f - 1.1514610310e-1f) * f + 1.1676998740e-1f) * f - 1.2420140846e-1f) * f +
                 1.4249322787e-1f) * f - 1.6668057665e-1f) * f + 2.0000714765e-1f) * f - 2.4999993993e-1f) * f +
             3.3333331174e-1f) * f * z;
  y += -2.12194440e-4f * e;  // ln 2 in two parts, as in exp_vectorisable: the first times e is exact
  y += -0.5f * z;
  const float inf = std::numeric_limits<float>::infinity();
  float result = (f + y) + 0.693359375f * e;
  result = x == 0 ? -inf : result;  // one select after another, no && or ||: they would be branches
  result = x == inf ? inf : result;
  return x >= 0 ? result : std::numeric_limits<float>::quiet_NaN();  // below 0, or NaN
}

/// ln x for a kernel of either dtype: float takes log_vectorisable, double keeps std::log.
template <class T>
inline T log_of(T x) {
  if constexpr (std::is_same_v<T, float>) return log_vectorisable(x);
  else return std::log(x);
}

/// ln(1 + u) in float, accurate for tiny u where 1 + u rounds to 1 and ln would give 0: Goldberg's
/// ln(w) * u / (w - 1) with w = 1 + u, whose quotient makes up for the rounding of w (u itself where w is
/// 1). Through log_vectorisable, so it vectorises; within 2.5 ulp of log1p. Naive reference: std::log1p.
inline float log1p_vectorisable(float u) {
  const float w = 1.0f + u;
  const float corrected = log_vectorisable(w) * (u / (w - 1.0f));  // computed for every u, then chosen
  const float inf = std::numeric_limits<float>::infinity();
  const float result = w == 1.0f ? u : corrected;
  return u == inf ? inf : result;  // inf / inf in the quotient would be NaN
}

/// ln(1 + u) for a kernel of either dtype: float takes log1p_vectorisable, double keeps std::log1p.
template <class T>
inline T log1p_of(T u) {
  if constexpr (std::is_same_v<T, float>) return log1p_vectorisable(u);
  else return std::log1p(u);
}

/// tanh x in float as plain arithmetic that vectorises (std::tanh is one library call per element, and
/// was most of a tanh layer's time). Cephes' tanhf in two pieces, both computed and one chosen, so every
/// element takes the same path: for |x| < 0.625 the odd minimax polynomial x + x^3 P(x^2) (1 - e^(-2|x|)
/// would cancel there); beyond, 1 - 2 / (e^(2|x|) + 1), which reaches 1 once e^(2|x|) is inf. Within 2
/// ulp of tanh; keeps -0 and NaN. Naive reference: std::tanh.
inline float tanh_vectorisable(float x) {
  const float z = std::fabs(x), s = z * z;
  const float near_zero =
      ((((-5.70498872745e-3f * s + 2.06390887954e-2f) * s - 5.37397155531e-2f) * s + 1.33314422036e-1f) * s -
       3.33332819422e-1f) * s * z + z;
  const float far = 1.0f - 2.0f / (exp_vectorisable(z + z) + 1.0f);
  return std::copysign(z < 0.625f ? near_zero : far, x);  // tanh is odd; -0 stays -0
}

/// tanh x for a kernel of either dtype: float takes tanh_vectorisable, double keeps std::tanh.
template <class T>
inline T tanh_of(T x) {
  if constexpr (std::is_same_v<T, float>) return tanh_vectorisable(x);
  else return std::tanh(x);
}

/// Phi(x) = P(Z <= x) for a standard normal Z, = (1 + erf(x / sqrt 2)) / 2, in float as plain arithmetic that
/// vectorises (std::erf is one library call per element). Through erfc(z) = t e^(-z^2 - 1.26551223 + t P(t)),
/// t = 1 / (1 + z / 2), z = |x| / sqrt 2, a Chebyshev fit whose relative error is below 1.2e-7 for every z
/// (Numerical Recipes' erfcc): so Phi keeps its relative accuracy in the far left tail, where
/// 1 + erf(x / sqrt 2) would cancel. Naive reference: std::erfc(-x / sqrt 2) / 2.
inline float normal_cdf_vectorisable(float x) {
  const float z = (x < 0 ? -x : x) * 0.70710678f;
  const float t = 1.0f / (1.0f + 0.5f * z);
  const float poly =
      -1.26551223f +
      t * (1.00002368f +
           t * (0.37409196f +
                t * (0.09678418f +
                     t * (-0.18628806f +
                          t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  const float half_erfc = 0.5f * t * exp_vectorisable(poly - z * z);
  return x < 0 ? half_erfc : 1.0f - half_erfc;
}

/// Phi(x) for a kernel of either dtype: float takes normal_cdf_vectorisable, double (1 + std::erf(x / sqrt 2)) / 2.
template <class T>
inline T normal_cdf_of(T x) {
  if constexpr (std::is_same_v<T, float>) return normal_cdf_vectorisable(x);
  else return 0.5 * (1 + std::erf(x * 0.70710678118654752440));
}

/// The type integer arithmetic is done in: int64 as uint64, the same bits, where overflow wraps around
/// (defined) instead of being undefined; read back as int64 the result is the two's complement wrap
/// PyTorch gives. Floats are themselves.
template <class T>
using Wrapping = std::conditional_t<std::is_same_v<T, int64_t>, uint64_t, T>;

/// a + b, a - b and a * b; int64 wraps around on overflow (see Wrapping). The same instructions as +, -, *.
template <class T>
inline T wrapping_add(T a, T b) {
  return T(Wrapping<T>(a) + Wrapping<T>(b));
}
template <class T>
inline T wrapping_sub(T a, T b) {
  return T(Wrapping<T>(a) - Wrapping<T>(b));
}
template <class T>
inline T wrapping_mul(T a, T b) {
  return T(Wrapping<T>(a) * Wrapping<T>(b));
}

}  // namespace sg::kernels
