// mnist_binary_conv's network and its loss.
#include "tutorials/common/binary_conv_net.h"

namespace sg::tutorial::binary_conv {

BinaryConvNet::BinaryConvNet() {
  // Drawn in the notebook's order: filters, then wo, both uniform in [0, 1).
  filters = register_parameter("filters", nn::init::uniform_(empty({kFilters, 1, kK, kK}, kFloat64)));
  wo = register_parameter("wo", nn::init::uniform_(empty({kFeatures, 1}, kFloat64)));
}

Tensor BinaryConvNet::forward(const Tensor& images) {
  const Tensor features = sigmoid(conv2d(images, filters)).flatten(1);  // (N, 1728)
  const Tensor z = matmul(features, wo);                                // (N, 1)
  const Tensor centered = z - z.mean();
  const Tensor standardised = centered / sqrt((centered * centered).mean());  // np.std: divides by N
  return sigmoid(standardised);
}

Tensor half_squared_error(const Tensor& out, const Tensor& y) {
  return nn::mse_loss(out, y, nn::Reduction::Sum) * 0.5;
}

}  // namespace sg::tutorial::binary_conv
