// Sums in lanes: value s of a row goes to lane s % kLanes, and the lanes are added up at the end in a fixed
// order. The lanes' adds do not wait on each other, so a loop of them is vector adds rather than one chain
// each waiting on the last; the order is fixed, so the result is the same bits at any thread count. Sums
// are kept in double, for float32 too: a float sum of 100,000 values drifts by about 1e-4 relative.
#pragma once

#include <cstdint>

namespace sg::kernels::fast {

inline constexpr int64_t kLanes = 8;

/// The lanes' total, in a fixed order.
inline double add_lanes(const double* lane) {
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

/// Adds f(k) over the values k of one row (S contiguous from k0) into lane.
template <class F>
[[gnu::always_inline]] inline void add_row(double* lane, int64_t k0, int64_t S, F&& f) {
  int64_t s = 0;
  for (; s + kLanes <= S; s += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lane[l] += f(k0 + s + l);
  for (int64_t l = 0; s < S; ++s, ++l) lane[l] += f(k0 + s);
}

/// sum_k f(k) over one row of S values from k0, in lanes.
template <class F>
[[gnu::always_inline]] inline double lane_sum(int64_t k0, int64_t S, F&& f) {
  double lane[kLanes] = {};
  add_row(lane, k0, S, f);
  return add_lanes(lane);
}

}  // namespace sg::kernels::fast
