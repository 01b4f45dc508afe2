// Elementwise loops: one input, two inputs of one shape, and two inputs broadcast to a common shape.
// The arithmetic comes in as a lambda, so each op states its formula once and the loop stays here.
// Legend: n elements; L the length of the innermost dim; `plan` maps an output index to input offsets.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "autograd/parallel.h"
#include "autograd/shape.h"

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

/// out[i] = f(x[i])
template <class T, class U, class F>
void map(T* out, const U* x, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = f(x[i]);
  });
}

/// out[i] = f(a[i], b[i])
template <class T, class U, class F>
void map2(T* out, const U* a, const U* b, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = f(a[i], b[i]);
  });
}

/// out[i] = f(a[i], b[i], c[i])
template <class T, class F>
void map3(T* out, const T* a, const T* b, const T* c, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = f(a[i], b[i], c[i]);
  });
}

/// out[i] = f(a[i], b[i], c[i], d[i])
template <class T, class F>
void map4(T* out, const T* a, const T* b, const T* c, const T* d, int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = f(a[i], b[i], c[i], d[i]);
  });
}

/// How each input of a broadcast op is read: its stride along every output dim, 0 where it repeats.
struct BroadcastPlan {
  Shape out;
  std::array<int64_t, Shape::kMaxRank> a_strides{}, b_strides{};
  BroadcastPlan(const Shape& out_shape, const Shape& a, const Shape& b) : out(out_shape) {
    fill(a_strides, a);
    fill(b_strides, b);
  }

 private:
  void fill(std::array<int64_t, Shape::kMaxRank>& strides, const Shape& in) const {
    const int64_t offset = out.size() - in.size();
    const auto contiguous = contiguous_strides(in);
    for (int64_t d = 0; d < out.size(); ++d)
      strides[d] = d < offset || in[d - offset] == 1 ? 0 : contiguous[d - offset];
  }
};

/// out[i] = f(a[plan(i)], b[plan(i)]) for out of shape plan.out.
template <class T, class U, class F>
void broadcast_map2(T* out, const U* a, const U* b, const BroadcastPlan& plan, F f) {
  const int64_t rank = plan.out.size();
  const int64_t L = rank ? plan.out.back() : 1;
  const int64_t rows = L ? plan.out.numel() / L : 0;
  const int64_t as = rank ? plan.a_strides[rank - 1] : 0, bs = rank ? plan.b_strides[rank - 1] : 0;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(L, 1)),
               [&](int64_t begin, int64_t end) {
    // Offsets of the first row of this chunk, then an odometer over the outer dims.
    std::array<int64_t, Shape::kMaxRank> index{};
    int64_t a_off = 0, b_off = 0;
    for (int64_t d = rank - 2, r = begin; d >= 0; --d) {
      index[d] = r % plan.out[d];
      r /= plan.out[d];
      a_off += index[d] * plan.a_strides[d];
      b_off += index[d] * plan.b_strides[d];
    }
    for (int64_t row = begin; row < end; ++row) {
      T* o = out + row * L;
      for (int64_t i = 0; i < L; ++i) o[i] = f(a[a_off + i * as], b[b_off + i * bs]);
      for (int64_t d = rank - 2; d >= 0; --d) {  // next row: carry like an odometer
        a_off += plan.a_strides[d];
        b_off += plan.b_strides[d];
        if (++index[d] < plan.out[d]) break;
        a_off -= index[d] * plan.a_strides[d];
        b_off -= index[d] * plan.b_strides[d];
        index[d] = 0;
      }
    }
  });
}

/// out (shape `to`) = dy (shape `from`) summed over the dims where `to` was broadcast.
/// Serial and in index order, so the sum's rounding never depends on the thread count.
template <class T>
void reduce_to(T* out, const T* dy, const Shape& from, const Shape& to) {
  const BroadcastPlan plan(from, to, to);
  const int64_t rank = from.size();
  const int64_t L = rank ? from.back() : 1;
  const int64_t rows = L ? from.numel() / L : 0;
  const int64_t os = rank ? plan.a_strides[rank - 1] : 0;
  const int64_t out_n = to.numel();
  for (int64_t i = 0; i < out_n; ++i) out[i] = T(0);
  std::array<int64_t, Shape::kMaxRank> index{};
  int64_t o_off = 0;
  for (int64_t row = 0; row < rows; ++row) {
    const T* d = dy + row * L;
    if (os == 0) {
      T total = 0;
      for (int64_t i = 0; i < L; ++i) total += d[i];
      out[o_off] += total;
    } else {
      for (int64_t i = 0; i < L; ++i) out[o_off + i] += d[i];
    }
    for (int64_t dd = rank - 2; dd >= 0; --dd) {
      o_off += plan.a_strides[dd];
      if (++index[dd] < from[dd]) break;
      o_off -= index[dd] * plan.a_strides[dd];
      index[dd] = 0;
    }
  }
}

}  // namespace sg::kernels
