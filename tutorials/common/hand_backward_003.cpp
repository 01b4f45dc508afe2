// The notebook's derivation with plain loops, fixed and as written.
#include "tutorials/common/hand_backward_003.h"

#include <algorithm>
#include <cmath>

namespace sg::tutorial::binary_conv {

Forward forward_by_hand(const Plain& p) {
  Forward r{.s = std::vector<double>(p.N * kFeatures), .out = std::vector<double>(p.N),
            .zn = std::vector<double>(p.N)};
  std::vector<double> z(p.N, 0.0);
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t k = 0; k < kFilters; ++k)
      for (int64_t i = 0; i < kOut; ++i)
        for (int64_t j = 0; j < kOut; ++j) {
          double c = 0;  // cell 10: (patch * filter).sum()
          for (int64_t a = 0; a < kK; ++a)
            for (int64_t b = 0; b < kK; ++b) c += p.x[(n * kSide + i + a) * kSide + j + b] * p.f[(k * kK + a) * kK + b];
          const int64_t d = (k * kOut + i) * kOut + j;
          r.s[n * kFeatures + d] = 1.0 / (1.0 + std::exp(-c));
          z[n] += r.s[n * kFeatures + d] * p.wo[d];  // cell 11: wo.T . features
        }
  double mean = 0, var = 0;
  for (double v : z) mean += v / double(p.N);
  for (double v : z) var += (v - mean) * (v - mean) / double(p.N);
  r.sigma = std::sqrt(var);
  for (int64_t n = 0; n < p.N; ++n) {
    r.zn[n] = (z[n] - mean) / r.sigma;
    r.out[n] = 1.0 / (1.0 + std::exp(-r.zn[n]));
    r.loss += (p.y[n] - r.out[n]) * (p.y[n] - r.out[n]) / 2;  // cell 12
  }
  return r;
}

Grads hand_gradients(const Plain& p, const Forward& fw) {
  const int64_t N = p.N;
  // cell 12: dL/dout = -(y - out); dout/dzn = out (1 - out)
  std::vector<double> g(N);  // dL/dzn
  for (int64_t n = 0; n < N; ++n)
    g[n] = -(p.y[n] - fw.out[n]) * fw.out[n] * (1 - fw.out[n]);
  // fix 1, the step the notebook skipped: zn = (z - mean z) / sigma, so
  // dL/dz_n = (g_n - mean(g) - zn_n * mean(g * zn)) / sigma
  double g_mean = 0, gzn_mean = 0;
  for (int64_t n = 0; n < N; ++n) {
    g_mean += g[n] / double(N);
    gzn_mean += g[n] * fw.zn[n] / double(N);
  }
  std::vector<double> dz(N);
  for (int64_t n = 0; n < N; ++n) dz[n] = (g[n] - g_mean - fw.zn[n] * gzn_mean) / fw.sigma;
  Grads r{.dwo = std::vector<double>(kFeatures, 0.0), .df = std::vector<double>(kFilters * kK * kK, 0.0)};
  // cell 13: z_n = sum_d s[n, d] wo[d]  =>  dL/dwo[d] = sum_n s[n, d] dL/dz_n
  for (int64_t n = 0; n < N; ++n)
    for (int64_t d = 0; d < kFeatures; ++d) r.dwo[d] += fw.s[n * kFeatures + d] * dz[n];
  // cells 14-15, per image (fix 3), with the wo of the forward pass (fix 2), indexed filter-major (fix 4):
  // dL/dc[n, d] = dL/dz_n * wo[d] * s (1 - s);   c[n, k, i, j] = sum_ab x[n, i+a, j+b] f[k, a, b]
  //   =>  dL/df[k, a, b] = sum_n sum_ij x[n, i+a, j+b] dL/dc[n, k, i, j]
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < kFilters; ++k)
      for (int64_t i = 0; i < kOut; ++i)
        for (int64_t j = 0; j < kOut; ++j) {
          const int64_t d = (k * kOut + i) * kOut + j;
          const double s = fw.s[n * kFeatures + d];
          const double dc = dz[n] * p.wo[d] * s * (1 - s);
          for (int64_t a = 0; a < kK; ++a)
            for (int64_t b = 0; b < kK; ++b)
              r.df[(k * kK + a) * kK + b] += p.x[(n * kSide + i + a) * kSide + j + b] * dc;
        }
  return r;
}

// The bugs kept here are listed at the top of tutorials/mnist_binary_conv.cpp.
Grads notebook_as_written(const Plain& p, const Forward& fw, double lr) {
  const int64_t N = p.N;
  std::vector<double> g(N);
  for (int64_t n = 0; n < N; ++n)
    g[n] = -(p.y[n] - fw.out[n]) * fw.out[n] * (1 - fw.out[n]);
  Grads r{.dwo = std::vector<double>(kFeatures, 0.0), .df = std::vector<double>(kFilters * kK * kK, 0.0)};
  for (int64_t n = 0; n < N; ++n)  // no standardisation term
    for (int64_t d = 0; d < kFeatures; ++d) r.dwo[d] += fw.s[n * kFeatures + d] * g[n];
  std::vector<double> e(kFeatures, 0.0);  // averaged over images, with the updated wo
  for (int64_t n = 0; n < N; ++n)
    for (int64_t d = 0; d < kFeatures; ++d) {
      const double s = fw.s[n * kFeatures + d];
      e[d] += (p.wo[d] - lr * r.dwo[d]) * g[n] * s * (1 - s) / double(N);
    }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < kFilters; ++k)
      for (int64_t a = 0; a < kK; ++a)
        for (int64_t b = 0; b < kK; ++b) {
          double t = 0;
          for (int64_t i = 0; i < kOut; ++i)
            for (int64_t j = 0; j < kOut; ++j)  // np.resize to (24, 24, 3): position-major
              t += p.x[(n * kSide + i + a) * kSide + j + b] * e[(i * kOut + j) * kFilters + k];
          r.df[(k * kK + a) * kK + b] += t / double(N);
        }
  return r;
}

bool same_in_every_image(const std::vector<double>& s, int64_t N, int64_t d) {
  for (int64_t n = 1; n < N; ++n)
    if (s[n * kFeatures + d] != s[d]) return false;
  return true;
}

double largest_difference(const std::vector<double>& a, const Tensor& b) {
  const std::vector<double> bv = b.to_vector<double>();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - bv[i]));
  return worst;
}

}  // namespace sg::tutorial::binary_conv
