// A custom attention model: a two-layer pre-norm transformer encoder with causal self-attention, written
// from the ops (projections, q k^T / sqrt(d), a masked softmax, the weighted sum), a next-token language
// model on 7 symbols. Trained two steps against the same computation in PyTorch from the same weights
// (fixtures_transformer.h, made by make_fixtures.py), it must give PyTorch's losses and gradients.
#include <limits>

#include "tests/models/fixture.h"
#include "tests/models/fixtures_transformer.h"
#include "tests/models/transformer_encoder.h"

using namespace sg;
using sg::models::TransformerEncoder;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(transformer)

namespace {

/// Cross-entropy of predicting each next token: tokens (B, T + 1), the model reading the first T.
Tensor next_token_loss(TransformerEncoder& model, const Tensor& tokens) {
  const int64_t B = tokens.size(0), T = tokens.size(1) - 1;
  const Tensor logits = model(narrow(tokens, 1, 0, T));  // (B, T, vocab)
  return nn::cross_entropy(reshape(logits, {B * T, logits.size(2)}), reshape(narrow(tokens, 1, 1, T), {B * T}));
}

}  // namespace

BOOST_AUTO_TEST_CASE(transformer_encoder_trains_as_the_same_model_in_torch) {
  namespace fixture = sg::testing::fixtures_transformer;
  TransformerEncoder model(/*vocab=*/7, /*max_length=*/5, /*d_model=*/4, /*heads=*/2, /*layers=*/2);
  model.to(kFloat64);
  sg::testing::load_parameters(model, fixture::initial_parameters);
  const Tensor tokens = tensor(fixture::tokens, fixture::tokens_shape);

  const FixtureDifferences diff =
      sg::testing::train_like_fixture(model, [&] { return next_token_loss(model, tokens); }, fixture::steps);
  BOOST_TEST_MESSAGE("largest differences from PyTorch: loss " << diff.loss << ", gradient " << diff.gradient);
  BOOST_TEST(diff.loss <= 1e-10);
  BOOST_TEST(diff.gradient <= 1e-10);
}

BOOST_AUTO_TEST_SUITE_END()
