// fashion_cnn's network (notebook 000_b2db39599771553c): one 6x6 filter with a per-position bias, an
// activation, 2x2 max pool and dense 121 -> 10; the notebook's loss, and how a trained model is scored.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// conv (one 6x6 filter) + per-position bias -> activation -> max pool 2 -> dense 121 -> 10. Softmax
/// lives in the loss.
class OneFilterCNN : public nn::Module {
 public:
  static constexpr int64_t kClasses = 10, kFilter = 6, kConvSize = 28 - kFilter + 1 /* 23 */,
                           kPooled = kConvSize / 2 /* 11 */;

  /// activation: "relu" (the notebook's) or "leaky_relu"; filter_scale: the filter's initial std;
  /// add_bias: whether the forward adds the per-position bias (the notebook's code did not).
  OneFilterCNN(std::string activation, double filter_scale, bool add_bias);

  struct Outputs {
    Tensor pre;     // (N, 1, 23, 23) filter response + bias, before the activation
    Tensor maps;    // (N, 1, 23, 23) after the activation
    Tensor pooled;  // (N, 1, 11, 11)
    Tensor logits;  // (N, 10)
  };
  /// The forward pass, keeping every layer's output.
  Outputs run(const Tensor& images);
  Tensor forward(const Tensor& images) override { return run(images).logits; }

  std::string activation;
  bool add_bias;
  Tensor filter, bias;
  std::shared_ptr<nn::Linear> fc;
};

/// The notebook's loss: cross-entropy divided by its num_samples = 10, the number of classes.
Tensor one_filter_loss(const Tensor& logits, const Tensor& labels);

struct Evaluation {
  double accuracy, dead;  // dead: fraction of conv outputs <= 0 (ReLU passes no gradient there)
};

/// Accuracy and dead fraction of the model on a dataset, in batches of 500, without a graph.
Evaluation evaluate(OneFilterCNN& model, const datasets::Dataset& data);

}  // namespace sg::tutorial
