// fashion_cnn's network, its loss and its scoring.
#include "tutorials/common/one_filter_cnn.h"

#include <algorithm>

namespace sg::tutorial {

OneFilterCNN::OneFilterCNN(std::string activation, double filter_scale, bool add_bias)
    : activation(std::move(activation)), add_bias(add_bias) {
  // The notebook's initialisation, in its order: filter ~ N(0, 1), bias ~ N(0, 1) for each of the
  // 23 x 23 output positions, dense weights ~ N(0, 1), dense biases ~ U[0, 1).
  filter = register_parameter("filter", randn({1, 1, kFilter, kFilter}) * filter_scale);
  bias = register_parameter("bias", randn({kConvSize, kConvSize}));
  fc = register_module("fc", nn::Linear(kPooled * kPooled, kClasses));
  nn::init::normal_(fc->weight, 0.0, 1.0);
  nn::init::uniform_(fc->bias, 0.0, 1.0);
}

OneFilterCNN::Outputs OneFilterCNN::run(const Tensor& images) {
  Outputs o;
  // conv2d on (N, 1, 28, 28) with a (1, 1, 6, 6) weight is scipy's correlate2d(image, filter, "valid")
  // for each image (fashion_cnn's step 2 checks it). Bug fixed: the notebook never added its bias.
  o.pre = add_bias ? conv2d(images, filter) + bias : conv2d(images, filter);
  o.maps = activation == "relu" ? relu(o.pre) : leaky_relu(o.pre, 0.01);
  // 23 is odd: the pool drops the last row and column, as the notebook's 23 // 2 did.
  o.pooled = max_pool2d(o.maps, {.kernel_size = {2, 2}});
  o.logits = (*fc)(o.pooled.flatten(1));
  return o;
}

// Its loss gradient divides by the same 10: kept, so that lr 0.01 takes the notebook's step.
Tensor one_filter_loss(const Tensor& logits, const Tensor& labels) {
  return nn::cross_entropy(logits, labels) / double(OneFilterCNN::kClasses);
}

Evaluation evaluate(OneFilterCNN& model, const datasets::Dataset& data) {
  NoGradGuard no_grad;
  int64_t correct = 0;
  double dead = 0;
  for (int64_t start = 0; start < data.size(); start += 500) {
    const int64_t n = std::min<int64_t>(500, data.size() - start);
    const auto o = model.run(data.images().narrow(0, start, n));
    correct += int64_t(eq(argmax(o.logits, 1), data.labels().narrow(0, start, n)).sum().item());
    dead += le(o.pre, zeros({1})).sum().item();
  }
  const int64_t side = OneFilterCNN::kConvSize;
  return {double(correct) / double(data.size()), dead / double(data.size() * side * side)};
}

}  // namespace sg::tutorial
