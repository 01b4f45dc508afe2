// conv2d: cross-correlation of a batch of images with a bank of filters, as in PyTorch. The loops:
// kernels/reference/conv.h (the definition) and kernels/fast/conv.h (im2col and one GEMM per image).
// With grad mode on in backward (create_graph), the two gradients are recorded ops of their own
// (ops/conv_grad.cpp), so they can be differentiated again.
#include "autograd/kernels/conv.h"
#include "autograd/check.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/conv_geometry.h"
#include "autograd/ops/conv_grad.h"

#include <vector>

namespace sg {

namespace {
// groups G > 1: G ordinary convolutions side by side, group g taking channels [g C/G, (g+1) C/G) and
// filters [g O/G, (g+1) O/G); their outputs are concatenated. The gradients are those of chunk and cat.
Tensor grouped_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  const int64_t G = params.groups;
  SG_CHECK(input.dim() == 4 && weight.dim() == 4 && G >= 1 && weight.size(0) % G == 0 &&
               input.size(1) == weight.size(1) * G,
           "conv2d: with groups {} the input needs groups * weight.size(1) channels and out_channels must divide "
           "by groups, got input {} and weight {}",
           G, input.shape(), weight.shape());
  Conv2dParams one_group = params;
  one_group.groups = 1;
  const std::vector<Tensor> xs = chunk(input, G, 1), ws = chunk(weight, G, 0);
  const std::vector<Tensor> bs = bias.defined() ? chunk(bias, G, 0) : std::vector<Tensor>(size_t(G));
  std::vector<Tensor> ys;
  for (size_t g = 0; g < size_t(G); ++g) ys.push_back(conv2d(xs[g], ws[g], bs[g], one_group));
  return cat(ys, 1);
}
}  // namespace

// ---- conv2d --------------------------------------------------------------------
// y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*S - P + p*D, j*S - P + q*D]
// dx, dw: each term w * x sends dy * w back to its x and dy * x to its w;   db[o] = sum_{n, i, j} dy[n, o, i, j]
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  if (params.groups != 1) return grouped_conv2d(input, weight, bias, params);
  const kernels::ConvGeometry g = conv_geometry(input, weight, bias, params);
  const int64_t N = input.size(0);
  Tensor y = empty({N, g.O, g.OH, g.OW}, input.dtype());
  // Kept for the weight gradient, if the kernels use them: N * CK * L elements against a second im2col.
  Tensor cols;
  if (kernels::conv2d_keeps_cols(g) && weight.requires_grad() && needs_recording({input, weight, bias})) {
    check_sizes({N, g.CK(), g.L()}, "conv2d");
    cols = empty({N, g.CK(), g.L()}, input.dtype());
  }
  dispatch(input.dtype(), "conv2d", [&]<class T> {
    kernels::conv2d_forward(y.data<T>(), input.data<T>(), weight.data<T>(), bias.defined() ? bias.data<T>() : nullptr,
                            N, g, cols.defined() ? cols.data<T>() : nullptr);
  });
  return record("conv2d", {input, weight, bias}, y, {input, weight, cols},
                [g, N, params](const Node& node, const Tensor& dy) {
                  const Tensor &x = node.saved(0), &w = node.saved(1), &cols = node.saved(2);
                  if (GradMode::is_enabled())  // create_graph
                    return Grads{node.needs_grad(0) ? conv2d_input_grad(dy, w, x.shape(), params) : Tensor(),
                                 node.needs_grad(1) ? conv2d_weight_grad(dy, x, w.shape(), params) : Tensor(),
                                 node.needs_grad(2) ? sum(dy, {0, 2, 3}) : Tensor()};
                  Grads grads(3);
                  if (node.needs_grad(0)) grads[0] = empty(x.shape(), dy.dtype());
                  if (node.needs_grad(1)) grads[1] = empty(w.shape(), dy.dtype());
                  if (node.needs_grad(2)) grads[2] = empty({g.O}, dy.dtype());
                  dispatch(dy.dtype(), "conv2d backward", [&]<class T> {
                    if (grads[0].defined())
                      kernels::conv2d_backward_input(grads[0].data<T>(), dy.data<T>(), w.data<T>(), N, g);
                    if (grads[1].defined())
                      kernels::conv2d_backward_weight(grads[1].data<T>(), dy.data<T>(), x.data<T>(), N, g,
                                                      cols.defined() ? cols.data<T>() : nullptr);
                    if (grads[2].defined())
                      kernels::conv2d_backward_bias(grads[2].data<T>(), dy.data<T>(), N, g.O, g.L());
                  });
                  return grads;
                });
}

}  // namespace sg
