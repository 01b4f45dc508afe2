// A custom 1-D convolutional classifier: conv, relu, max pool, linear. Trained two steps against
// torch.nn.Conv1d + F.max_pool1d + Linear from the same weights (fixtures_conv1d.h, made by
// make_fixtures.py), it must give PyTorch's losses and gradients.
#include "tests/models/fixture.h"
#include "tests/models/fixtures_conv1d.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(conv1d_net)

namespace {

/// Sequences (N, C, L) -> class logits. scratchgrad has no conv1d op: a 1-D convolution is a 2-D one over
/// an (N, C, 1, L) input with a (1, K) kernel, the same arithmetic; its weight is (O, C, 1, K) where
/// torch.nn.Conv1d's is (O, C, K), the same values. Likewise the pool's window is (1, 2).
class Conv1dNet : public nn::Module {
 public:
  Conv1dNet(int64_t in_channels, int64_t channels, int64_t kernel_size, int64_t length, int64_t classes)
      : conv(register_module("conv", nn::Conv2d(in_channels, channels, {1, kernel_size},
                                                {.padding = {0, kernel_size / 2}}))),
        fc(register_module("fc", nn::Linear(channels * (length / 2), classes))) {}

  Tensor forward(const Tensor& x) override {
    const Tensor h = relu(conv->forward(unsqueeze(x, 2)));                 // (N, O, 1, L)
    const Tensor pooled = max_pool2d(h, {.kernel_size = {1, 2}});          // (N, O, 1, L / 2)
    return fc->forward(flatten(pooled, 1));
  }

  std::shared_ptr<nn::Conv2d> conv;
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace

BOOST_AUTO_TEST_CASE(conv1d_net_trains_as_torch_nn_conv1d_with_max_pool_and_a_linear_head) {
  namespace fixture = sg::testing::fixtures_conv1d;
  Conv1dNet model(/*in_channels=*/2, /*channels=*/4, /*kernel_size=*/3, /*length=*/9, /*classes=*/3);
  model.to(kFloat64);
  sg::testing::load_parameters(model, fixture::initial_parameters);
  const Tensor inputs = tensor(fixture::inputs, fixture::inputs_shape);
  const Tensor labels = tensor(fixture::labels, fixture::labels_shape);

  const FixtureDifferences diff = sg::testing::train_like_fixture(
      model, [&] { return nn::cross_entropy(model(inputs), labels); }, fixture::steps);
  BOOST_TEST_MESSAGE("largest differences from PyTorch: loss " << diff.loss << ", gradient " << diff.gradient);
  BOOST_TEST(diff.loss <= 1e-10);
  BOOST_TEST(diff.gradient <= 1e-10);
}

BOOST_AUTO_TEST_SUITE_END()
