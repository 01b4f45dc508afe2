// The fast batch normalisation: channels across threads, sums in lanes side by side, and the backward in
// two passes. reference/batch_norm.h computes the same as loops over the math; tests compare the two.
// Legend: N batch, C channels, S values of one channel in one sample (H * W, L, or 1), M = N * S.
//         mean, rstd: (C), rstd = 1 / sqrt(var + eps); xhat = (x - mean) * rstd.
#pragma once

#include <algorithm>
#include <cstdint>

#include "autograd/kernels/fast/lanes.h"
#include "autograd/parallel.h"

namespace sg::kernels::fast {

// One channel per task, parallel over channels: each channel's sums are made by one thread in a fixed order
// (in lanes, lanes.h), so the results are the same bits at any thread count. A channel is N rows of S
// contiguous values. The double adds cost little: the loops wait on memory.
namespace batch_norm_detail {
/// Channels per chunk: enough values that a chunk pays for a thread.
inline int64_t channel_grain(int64_t M) { return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, M)); }
}  // namespace batch_norm_detail

/// reference::batch_norm_stats's values, in two passes: the mean, then the squares about it (one pass of
/// sum and sum of squares would cancel catastrophically for a channel whose mean is large against its
/// spread).
template <class T>
void batch_norm_stats(T* mean, T* var, const T* x, int64_t N, int64_t C, int64_t S) {
  using namespace batch_norm_detail;
  const double M = double(N * S);
  parallel_for(C, channel_grain(N * S), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double lane[kLanes] = {};
      for (int64_t n = 0; n < N; ++n) add_row(lane, (n * C + c) * S, S, [&](int64_t k) { return double(x[k]); });
      const double m = add_lanes(lane) / M;
      std::fill(lane, lane + kLanes, 0.0);
      for (int64_t n = 0; n < N; ++n)
        add_row(lane, (n * C + c) * S, S, [&](int64_t k) { return (double(x[k]) - m) * (double(x[k]) - m); });
      mean[c] = T(m);
      var[c] = T(add_lanes(lane) / M);
    }
  });
}

/// y = (x - mean) * scale + b, scale = rstd * w per channel: one subtract and one multiply-add a value.
template <class T>
void batch_norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* w, const T* b, int64_t N, int64_t C,
                        int64_t S) {
  parallel_for(C, batch_norm_detail::channel_grain(N * S), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const T m = mean[c], scale = w ? T(double(rstd[c]) * double(w[c])) : rstd[c], shift = b ? b[c] : T(0);
      for (int64_t n = 0; n < N; ++n) {
        const T* xs = x + (n * C + c) * S;
        T* ys = y + (n * C + c) * S;
        for (int64_t s = 0; s < S; ++s) ys[s] = (xs[s] - m) * scale + shift;
      }
    }
  });
}

/// reference::batch_norm_backward's values. With k = w * rstd, the training dx is
///   dx = k * (dy - sum(dy) / M - xhat * sum(dy * xhat) / M)  =  k * dy - k * sum(dy) / M - (x - mean) * g,
/// g = k * rstd^2 * sum(dy * (x - mean)) / M: one pass for the two sums, one for dx.
template <class T>
void batch_norm_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, const T* w,
                         int64_t N, int64_t C, int64_t S, bool training) {
  using namespace batch_norm_detail;
  const double M = double(N * S);
  const bool sums = dw || db || (dx && training);
  parallel_for(C, channel_grain(N * S), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double m = mean[c], r = rstd[c], k = w ? r * double(w[c]) : r;
      double sum_dy = 0, sum_dy_xc = 0;  // xc = x - mean
      if (sums) {
        double lane_dy[kLanes] = {}, lane_dy_xc[kLanes] = {};
        for (int64_t n = 0; n < N; ++n) {
          add_row(lane_dy, (n * C + c) * S, S, [&](int64_t i) { return double(dy[i]); });
          add_row(lane_dy_xc, (n * C + c) * S, S, [&](int64_t i) { return double(dy[i]) * (double(x[i]) - m); });
        }
        sum_dy = add_lanes(lane_dy), sum_dy_xc = add_lanes(lane_dy_xc);
      }
      if (dw) dw[c] = T(sum_dy_xc * r);
      if (db) db[c] = T(sum_dy);
      if (!dx) continue;
      const T kt = T(k), mt = T(m);
      const T shift = training ? T(-k * sum_dy / M) : T(0), g = training ? T(k * r * r * sum_dy_xc / M) : T(0);
      for (int64_t n = 0; n < N; ++n) {
        const T* dys = dy + (n * C + c) * S;
        const T* xs = x + (n * C + c) * S;
        T* dxs = dx + (n * C + c) * S;
        if (training)
          for (int64_t s = 0; s < S; ++s) dxs[s] = kt * dys[s] + shift - (xs[s] - mt) * g;
        else
          for (int64_t s = 0; s < S; ++s) dxs[s] = kt * dys[s];
      }
    }
  });
}

}  // namespace sg::kernels::fast
