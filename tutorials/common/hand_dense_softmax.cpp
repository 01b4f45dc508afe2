#include "tutorials/common/hand_dense_softmax.h"

#include <algorithm>
#include <cmath>

namespace sg::tutorial {

DenseSoftmaxGrads dense_softmax_backward(const std::vector<double>& a, const std::vector<double>& w,
                                         const std::vector<double>& b, int64_t label) {
  const int64_t in = int64_t(a.size()), out = int64_t(b.size());
  std::vector<double> p(out);
  double top = -INFINITY, sum = 0;
  for (int64_t o = 0; o < out; ++o) {
    p[o] = b[o];
    for (int64_t d = 0; d < in; ++d) p[o] += w[o * in + d] * a[d];
    top = std::max(top, p[o]);
  }
  for (double& v : p) sum += v = std::exp(v - top);  // minus the largest logit: exp cannot overflow
  for (double& v : p) v /= sum;
  // dL/dz = (-1 / p[t]) dp[t]/dz = p - onehot(t); then z = W a + b gives dW = dz a^T, db = dz, da = W^T dz.
  DenseSoftmaxGrads g{
      .weight = std::vector<double>(out * in), .bias = std::vector<double>(out), .input = std::vector<double>(in, 0.0)};
  for (int64_t o = 0; o < out; ++o) {
    g.bias[o] = p[o] - (o == label);
    for (int64_t d = 0; d < in; ++d) {
      g.weight[o * in + d] = g.bias[o] * a[d];
      g.input[d] += w[o * in + d] * g.bias[o];
    }
  }
  return g;
}

}  // namespace sg::tutorial
