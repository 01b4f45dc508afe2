// Elementwise loops as plain loops: one input, two inputs of one shape, and two inputs broadcast to a
// common shape, plus the sum that undoes a broadcast. The arithmetic comes in as a lambda, so each op
// states its formula once and the loop stays here.
// Legend: n elements; `plan` maps an output index to the inputs' offsets.
#pragma once

#include <array>
#include <cstdint>

#include "autograd/shape.h"

namespace sg::kernels::reference {

/// out[i] = f(x[i])
template <class T, class U, class F>
void map(T* out, const U* x, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
}

/// out[i] = f(a[i], b[i])
template <class T, class U, class F>
void map2(T* out, const U* a, const U* b, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}

/// out[i] = f(a[i], b[i], c[i])
template <class T, class F>
void map3(T* out, const T* a, const T* b, const T* c, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i], c[i]);
}

/// out[i] = f(a[i], b[i], c[i], d[i])
template <class T, class F>
void map4(T* out, const T* a, const T* b, const T* c, const T* d, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i], c[i], d[i]);
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

/// out[i] = f(a[plan(i)], b[plan(i)]) for out of shape plan.out: output element i, at index
/// (i_0, ..., i_last) of plan.out, reads a at sum_d i_d * a_strides[d], and b likewise.
template <class T, class U, class F>
void broadcast_map2(T* out, const U* a, const U* b, const BroadcastPlan& plan, F f) {
  const int64_t rank = plan.out.size(), n = plan.out.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t a_at = 0, b_at = 0;
    for (int64_t d = rank - 1, rest = i; d >= 0; --d) {  // i's index along dim d, the last dim first
      const int64_t index = rest % plan.out[d];
      rest /= plan.out[d];
      a_at += index * plan.a_strides[d];
      b_at += index * plan.b_strides[d];
    }
    out[i] = f(a[a_at], b[b_at]);
  }
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

}  // namespace sg::kernels::reference
