// A custom recurrent model: a GRU cell written from linear, sigmoid and tanh, unrolled over a sequence,
// then a linear head. Trained two steps against torch.nn.GRU + Linear from the same weights
// (fixtures_gru.h, made by make_fixtures.py), it must give PyTorch's losses and gradients.
#include "tests/models/fixture.h"
#include "tests/models/fixtures_gru.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(gru_classifier)

namespace {

// h' = (1 - z) * n + z * h, with the reset gate r, update gate z and new state n of torch.nn.GRU:
//   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)     z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
// The parameters are laid out as PyTorch's: weight_ih (3H, I) stacks W_ir, W_iz, W_in, and so on, so
// weights move between the two unchanged.
class GRUCell : public nn::Module {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size) : hidden_size(hidden_size) {
    weight_ih = register_parameter("weight_ih", zeros({3 * hidden_size, input_size}));
    weight_hh = register_parameter("weight_hh", zeros({3 * hidden_size, hidden_size}));
    bias_ih = register_parameter("bias_ih", zeros({3 * hidden_size}));
    bias_hh = register_parameter("bias_hh", zeros({3 * hidden_size}));
    reset_parameters();
  }

  /// PyTorch's initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)).
  void reset_parameters() {
    const double bound = 1.0 / std::sqrt(double(hidden_size));
    for (Tensor& p : parameters()) nn::init::uniform_(p, -bound, bound);
  }

  /// x (N, I) and h (N, H) -> the next h (N, H).
  Tensor forward(const Tensor& x, const Tensor& h) {
    const std::vector<Tensor> from_x = chunk(linear(x, weight_ih, bias_ih), 3, /*dim=*/1);  // r, z, n rows
    const std::vector<Tensor> from_h = chunk(linear(h, weight_hh, bias_hh), 3, /*dim=*/1);
    const Tensor r = sigmoid(from_x[0] + from_h[0]);
    const Tensor z = sigmoid(from_x[1] + from_h[1]);
    const Tensor n = tanh(from_x[2] + r * from_h[2]);
    return (1.0 - z) * n + z * h;
  }

  int64_t hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

 private:
  using Module::forward;  // a cell takes an input and a state
};

/// Reads a sequence (N, T, I) step by step from a zero state and classifies the last state.
class GRUClassifier : public nn::Module {
 public:
  GRUClassifier(int64_t input_size, int64_t hidden_size, int64_t classes)
      : cell(register_module("cell", GRUCell(input_size, hidden_size))),
        head(register_module("head", nn::Linear(hidden_size, classes))) {}

  Tensor forward(const Tensor& sequence) override {
    Tensor h = zeros({sequence.size(0), cell->hidden_size}, sequence.dtype());
    for (int64_t t = 0; t < sequence.size(1); ++t) h = cell->forward(select(sequence, /*dim=*/1, t), h);
    return head->forward(h);
  }

  std::shared_ptr<GRUCell> cell;
  std::shared_ptr<nn::Linear> head;
};

}  // namespace

BOOST_AUTO_TEST_CASE(gru_classifier_trains_as_torch_nn_gru_with_a_linear_head) {
  namespace fixture = sg::testing::fixtures_gru;
  GRUClassifier model(/*input_size=*/3, /*hidden_size=*/4, /*classes=*/3);
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
