// Adaptive average and max pooling over the last two dims of (N, C, H, W): the output size is chosen and
// the windows follow from it, as in PyTorch. Window i along a dim of H rows covers rows
// floor(i H / OH) .. ceil((i + 1) H / OH) - 1, so the windows tile the image when OH divides H and overlap
// by a row where it does not (7 rows into 3: rows 0-2, 2-4, 4-6).
#include "autograd/check.h"
#include "autograd/kernels/adaptive_pool.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
kernels::AdaptivePoolGeometry adaptive_geometry(const char* op, const Tensor& input, Pair output_size) {
  SG_CHECK(input.dim() == 4, "{}: expected input (N, C, H, W), got input {}", op, input.shape());
  const int64_t H = input.size(2), W = input.size(3);
  const auto& [OH, OW] = output_size;
  SG_CHECK(H >= 1 && W >= 1, "{}: expected an image of at least 1x1, got input {}", op, input.shape());
  SG_CHECK(OH >= 1 && OW >= 1, "{}: expected output_size >= 1, got output_size ({}, {})", op, OH, OW);
  // The window bounds compute (i + 1) * H: it must not overflow.
  SG_CHECK(OH <= kMaxNumel / H && OW <= kMaxNumel / W,
           "{}: output_size ({}, {}) is too large for input {}", op, OH, OW, input.shape());
  check_sizes({input.size(0), input.size(1), OH, OW}, op);
  return {H, W, OH, OW};
}
}  // namespace

// ---- adaptive_avg_pool2d ------------------------------------------------------------------
// y[n, c, i, j] = the mean of window (i, j) of x[n, c], (h1 - h0) (w1 - w0) values
// dx[n, c, h, w] = sum over the windows containing (h, w) of dy / (that window's count)
Tensor adaptive_avg_pool2d(const Tensor& input, Pair output_size) {
  const kernels::AdaptivePoolGeometry g = adaptive_geometry("adaptive_avg_pool2d", input, output_size);
  const int64_t N = input.size(0), C = input.size(1);
  Tensor y = empty({N, C, g.OH, g.OW}, input.dtype());
  dispatch(input.dtype(), "adaptive_avg_pool2d", [&]<class T> {
    kernels::adaptive_avg_pool2d_forward(y.data<T>(), input.data<T>(), N * C, g);
  });
  return record("adaptive_avg_pool2d", {input}, y, {}, [g, shape = input.shape()](const Node&, const Tensor& dy) {
    Tensor dx = empty(shape, dy.dtype());
    dispatch(dy.dtype(), "adaptive_avg_pool2d backward", [&]<class T> {
      kernels::adaptive_avg_pool2d_backward(dx.data<T>(), dy.data<T>(), shape[0] * shape[1], g);
    });
    return Grads{dx};
  });
}

// ---- adaptive_max_pool2d ------------------------------------------------------------------
// y[n, c, i, j] = the max of window (i, j) of x[n, c], NaN if the window holds one
// dx = dy routed to each window's first maximum (its first NaN, if any), kept as int64 indices by the
// forward only when there will be a backward
Tensor adaptive_max_pool2d(const Tensor& input, Pair output_size) {
  const kernels::AdaptivePoolGeometry g = adaptive_geometry("adaptive_max_pool2d", input, output_size);
  const int64_t N = input.size(0), C = input.size(1);
  Tensor y = empty({N, C, g.OH, g.OW}, input.dtype());
  const Tensor index = needs_recording({input}) ? empty({N, C, g.OH, g.OW}, kInt64) : Tensor();
  dispatch(input.dtype(), "adaptive_max_pool2d", [&]<class T> {
    kernels::adaptive_max_pool2d_forward(y.data<T>(), index.defined() ? index.data<int64_t>() : nullptr,
                                         input.data<T>(), N * C, g);
  });
  return record("adaptive_max_pool2d", {input}, y, {index},
                [g, shape = input.shape()](const Node& node, const Tensor& dy) {
    const Tensor& index = node.saved(0);
    Tensor dx = empty(shape, dy.dtype());
    dispatch(dy.dtype(), "adaptive_max_pool2d backward", [&]<class T> {
      kernels::adaptive_max_pool2d_backward(dx.data<T>(), dy.data<T>(), index.data<int64_t>(), shape[0] * shape[1],
                                            g);
    });
    return Grads{dx};
  });
}

}  // namespace sg
