// Batch normalisation as loops over the math, channel by channel: a tensor seen as (N, C, S), each
// channel's statistics taken over its M = N * S values. One running sum per channel, kept in double (for
// float32 too: a float sum of a CIFAR batch's 131,072 values per channel would drift).
// Legend: N batch, C channels, S values of one channel in one sample (H * W, L, or 1), M = N * S.
//         mean, rstd: (C), rstd = 1 / sqrt(var + eps); xhat = (x - mean) * rstd.
#pragma once

#include <cstdint>

namespace sg::kernels::reference {

/// mean[c] = sum x / M, var[c] = sum (x - mean)^2 / M (biased).      x: (N, C, S), mean, var: (C)
template <class T>
void batch_norm_stats(T* mean, T* var, const T* x, int64_t N, int64_t C, int64_t S) {
  const double M = double(N * S);
  for (int64_t c = 0; c < C; ++c) {
    double total = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) total += x[(n * C + c) * S + s];
    const double m = total / M;
    double squares = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) squares += (x[(n * C + c) * S + s] - m) * (x[(n * C + c) * S + s] - m);
    mean[c] = T(m);
    var[c] = T(squares / M);
  }
}

/// y = (x - mean[c]) * rstd[c] * w[c] + b[c]; w and b may be null (1 and 0).
/// x, y: (N, C, S), mean, rstd, w, b: (C)
template <class T>
void batch_norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* w, const T* b, int64_t N,
                              int64_t C, int64_t S) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t k = (n * C + c) * S + s;
        y[k] = (x[k] - mean[c]) * rstd[c] * (w ? w[c] : T(1)) + (b ? b[c] : T(0));
      }
}

/// fwd: y = xhat * w + b, with mean and rstd those of the batch when training (so functions of x), else
/// constants  =>  training: dx = rstd * (dy*w - mean(dy*w) - xhat * mean(dy*w * xhat))
///                eval:     dx = dy * w * rstd
///                dw[c] = sum dy * xhat      db[c] = sum dy
/// Null dx, dw or db: not wanted. dx, dy, x: (N, C, S), dw, db, mean, rstd, w: (C)
template <class T>
void batch_norm_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd,
                               const T* w, int64_t N, int64_t C, int64_t S, bool training) {
  const double M = double(N * S);
  for (int64_t c = 0; c < C; ++c) {
    const double wc = w ? w[c] : 1.0;
    auto xhat = [&](int64_t k) { return (double(x[k]) - mean[c]) * rstd[c]; };
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t k = (n * C + c) * S + s;
        sum_dy += dy[k];
        sum_dy_xhat += dy[k] * xhat(k);
      }
    if (dw) dw[c] = T(sum_dy_xhat);
    if (db) db[c] = T(sum_dy);
    if (!dx) continue;
    const double mean_dyw = wc * sum_dy / M, mean_dyw_xhat = wc * sum_dy_xhat / M;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t k = (n * C + c) * S + s;
        dx[k] = training ? T(rstd[c] * (dy[k] * wc - mean_dyw - xhat(k) * mean_dyw_xhat)) : T(dy[k] * wc * rstd[c]);
      }
  }
}

}  // namespace sg::kernels::reference
