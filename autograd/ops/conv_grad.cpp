#include "autograd/ops/conv_grad.h"

#include "autograd/node.h"
#include "autograd/ops/conv_geometry.h"

namespace sg {

Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& params) {
  const kernels::ConvGeometry g = conv_geometry(x_shape, w.shape(), params);
  Tensor dx = empty(x_shape, dy.dtype());
  dispatch(dy.dtype(), "conv2d backward",
           [&]<class T> { kernels::conv2d_backward_input(dx.data<T>(), dy.data<T>(), w.data<T>(), x_shape[0], g); });
  return record("conv2d_input_grad", {dy, w}, dx, {dy, w}, [params](const Node& node, const Tensor& ddx) {
    const Tensor &dy = node.saved(0), &w = node.saved(1);
    return Grads{node.needs_grad(0) ? conv2d(ddx, w, Tensor(), params) : Tensor(),
                 node.needs_grad(1) ? conv2d_weight_grad(dy, ddx, w.shape(), params) : Tensor()};
  });
}

Tensor conv2d_weight_grad(const Tensor& dy, const Tensor& x, const Shape& w_shape, const Conv2dParams& params) {
  const kernels::ConvGeometry g = conv_geometry(x.shape(), w_shape, params);
  Tensor dw = empty(w_shape, dy.dtype());
  dispatch(dy.dtype(), "conv2d backward", [&]<class T> {
    kernels::conv2d_backward_weight(dw.data<T>(), dy.data<T>(), x.data<T>(), x.size(0), g,
                                    static_cast<const T*>(nullptr));
  });
  return record("conv2d_weight_grad", {dy, x}, dw, {dy, x}, [params](const Node& node, const Tensor& ddw) {
    const Tensor &dy = node.saved(0), &x = node.saved(1);
    return Grads{node.needs_grad(0) ? conv2d(x, ddw, Tensor(), params) : Tensor(),
                 node.needs_grad(1) ? conv2d_input_grad(dy, ddw, x.shape(), params) : Tensor()};
  });
}

}  // namespace sg
