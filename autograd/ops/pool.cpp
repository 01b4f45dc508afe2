// Max and average pooling over the last two dims of (N, C, H, W). Output sizes floor, as in PyTorch's
// default: Ho = floor((H + 2P - K) / S) + 1, so 23x23 pooled by 2 is 11x11 (the last row and column
// are dropped).
// Both backwards are linear in dy; with grad mode on in backward (create_graph) they are recorded as ops
// of their own, whose backwards (picking at the maxima, and avg_pool2d itself) are ops again.
#include "autograd/check.h"
#include "autograd/kernels/pool.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
kernels::PoolGeometry pool_geometry(const char* op, const Tensor& input, const Pool2dParams& params) {
  SG_CHECK(input.dim() == 4, "{}: expected input (N, C, H, W), got input {}", op, input.shape());
  const auto& [KH, KW] = params.kernel_size;
  // A stride of 0 means "as large as the window": windows tile the image without overlapping.
  const int64_t SH = params.stride[0] == 0 ? KH : params.stride[0];
  const int64_t SW = params.stride[1] == 0 ? KW : params.stride[1];
  const auto& [PH, PW] = params.padding;
  SG_CHECK(KH >= 1 && KW >= 1 && SH >= 1 && SW >= 1,
           "{}: expected kernel_size >= 1 and stride >= 0, got kernel_size ({}, {}) and stride ({}, {})", op, KH, KW,
           params.stride[0], params.stride[1]);
  // With at most half a window of padding every window holds at least one real pixel. The sizes are the
  // user's numbers, so each test is written so as not to overflow: P <= K / 2 for 2P <= K, and
  // K - 2P <= H for K <= H + 2P.
  SG_CHECK(PH >= 0 && PW >= 0 && PH <= KH / 2 && PW <= KW / 2,
           "{}: padding must be between 0 and half the kernel size, got padding ({}, {}) for kernel_size ({}, {})", op,
           PH, PW, KH, KW);
  const int64_t H = input.size(2), W = input.size(3);
  SG_CHECK(KH - 2 * PH <= H && KW - 2 * PW <= W,
           "{}: kernel_size ({}, {}) is larger than the padded input {}x{} (input {}, padding ({}, {}))", op, KH, KW,
           H + 2 * PH, W + 2 * PW, input.shape(), PH, PW);  // H + 2P < K here: no overflow
  // A window must be countable (avg_pool2d divides by KH * KW); (1 << 31, 1 << 31) with half of that as
  // padding passes the tests above even on a 1x1 image.
  int64_t window;
  SG_CHECK(!__builtin_mul_overflow(KH, KW, &window) && window <= kMaxNumel,
           "{}: kernel_size ({}, {}) is too large: a window of more than {} elements", op, KH, KW, kMaxNumel);
  const int64_t OH = (H - (KH - 2 * PH)) / SH + 1, OW = (W - (KW - 2 * PW)) / SW + 1;
  check_sizes({input.size(0), input.size(1), OH, OW}, op);
  return {H, W, KH, KW, SH, SW, PH, PW, OH, OW};
}

// max_pool2d's backward as a recorded op of dy: each dy to its window's maximum (index: the maximum's
// place in its plane).     d(dy) = ddx at those places
Tensor max_pool2d_scatter(const Tensor& dy, const Tensor& index, const kernels::PoolGeometry& g, const Shape& shape) {
  Tensor dx = empty(shape, dy.dtype());
  dispatch(dy.dtype(), "max_pool2d backward", [&]<class T> {
    kernels::max_pool2d_backward(dx.data<T>(), dy.data<T>(), index.data<int64_t>(), shape[0] * shape[1], g);
  });
  return record("max_pool2d_backward", {dy}, dx, {index}, [g](const Node& node, const Tensor& ddx) {
    const Tensor& index = node.saved(0);
    const int64_t planes = index.size(0) * index.size(1), plane = g.H * g.W;
    const Tensor flat = add(index, reshape(arange(0, double(planes * plane), double(plane), kInt64),
                                           {index.size(0), index.size(1), 1, 1}));
    return Grads{reshape(index_select(reshape(ddx, {-1}), 0, reshape(flat, {-1})), index.shape())};
  });
}

// avg_pool2d's backward as a recorded op of dy: each dy shared over its window.    d(dy) = avg_pool2d(ddx)
Tensor avg_pool2d_spread(const Tensor& dy, const kernels::PoolGeometry& g, const Shape& shape) {
  Tensor dx = empty(shape, dy.dtype());
  dispatch(dy.dtype(), "avg_pool2d backward", [&]<class T> {
    kernels::avg_pool2d_backward(dx.data<T>(), dy.data<T>(), shape[0] * shape[1], g);
  });
  return record("avg_pool2d_backward", {dy}, dx, {}, [g](const Node&, const Tensor& ddx) {
    return Grads{avg_pool2d(ddx, {.kernel_size = {g.KH, g.KW}, .stride = {g.SH, g.SW}, .padding = {g.PH, g.PW}})};
  });
}
}  // namespace

// ---- max_pool2d ------------------------------------------------------------------
// y[n, c, i, j] = max over window (i, j) of x[n, c]          (padding is -inf)
// dx = dy routed to the position of each window's first maximum (kept as int64 indices by the forward,
// only when there will be a backward: evaluating a test set writes y alone, a third of the bytes)
Tensor max_pool2d(const Tensor& input, const Pool2dParams& params) {
  const kernels::PoolGeometry g = pool_geometry("max_pool2d", input, params);
  const int64_t N = input.size(0), C = input.size(1);
  Tensor y = empty({N, C, g.OH, g.OW}, input.dtype());
  const Tensor index = needs_recording({input}) ? empty({N, C, g.OH, g.OW}, kInt64) : Tensor();
  dispatch(input.dtype(), "max_pool2d", [&]<class T> {
    kernels::max_pool2d_forward(y.data<T>(), index.defined() ? index.data<int64_t>() : nullptr, input.data<T>(),
                                N * C, g);
  });
  return record("max_pool2d", {input}, y, {index}, [g, shape = input.shape()](const Node& node, const Tensor& dy) {
    return Grads{max_pool2d_scatter(dy, node.saved(0), g, shape)};  // recorded only under create_graph
  });
}

// ---- avg_pool2d ------------------------------------------------------------------
// y[n, c, i, j] = sum over window (i, j) of x[n, c] / (kH * kW)     (padding counts as zeros)
// dx[n, c, h, w] = sum over the windows containing (h, w) of dy / (kH * kW)
Tensor avg_pool2d(const Tensor& input, const Pool2dParams& params) {
  const kernels::PoolGeometry g = pool_geometry("avg_pool2d", input, params);
  const int64_t N = input.size(0), C = input.size(1);
  Tensor y = empty({N, C, g.OH, g.OW}, input.dtype());
  dispatch(input.dtype(), "avg_pool2d", [&]<class T> {
    kernels::avg_pool2d_forward(y.data<T>(), input.data<T>(), N * C, g);
  });
  return record("avg_pool2d", {input}, y, {}, [g, shape = input.shape()](const Node&, const Tensor& dy) {
    return Grads{avg_pool2d_spread(dy, g, shape)};  // recorded only under create_graph
  });
}

}  // namespace sg
