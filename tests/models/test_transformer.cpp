// A custom attention model: a two-layer pre-norm transformer encoder with causal self-attention, written
// from the ops (projections, q k^T / sqrt(d), a masked softmax, the weighted sum), a next-token language
// model on 7 symbols. Trained two steps against the same computation in PyTorch from the same weights
// (fixtures_transformer.h, made by make_fixtures.py), it must give PyTorch's losses and gradients.
#include <limits>

#include "tests/models/fixture.h"
#include "tests/models/fixtures_transformer.h"

using namespace sg;
using sg::testing::FixtureDifferences;

BOOST_AUTO_TEST_SUITE(transformer)

namespace {

/// Multi-head self-attention in which position t sees positions 0..t only. x (B, T, D) -> (B, T, D).
class CausalSelfAttention : public nn::Module {
 public:
  CausalSelfAttention(int64_t d_model, int64_t heads)
      : heads(heads),
        query(register_module("query", nn::Linear(d_model, d_model))),
        key(register_module("key", nn::Linear(d_model, d_model))),
        value(register_module("value", nn::Linear(d_model, d_model))),
        output(register_module("output", nn::Linear(d_model, d_model))) {}

  Tensor forward(const Tensor& x) override {
    const int64_t B = x.size(0), T = x.size(1), D = x.size(2), head_dim = D / heads;
    // (B, T, D) -> (B, heads, T, head_dim): each head attends over its own slice of the features.
    const auto split_heads = [&](const Tensor& t) { return transpose(view(t, {B, T, heads, head_dim}), 1, 2); };
    const Tensor q = split_heads(query->forward(x)), k = split_heads(key->forward(x)),
                 v = split_heads(value->forward(x));
    const Tensor scores = matmul(q, transpose(k, 2, 3)) / std::sqrt(double(head_dim));  // (B, heads, T, T)
    // Above the diagonal lie the future positions; -inf there gives them weight 0 after the softmax.
    const Tensor future = triu(ones({T, T}, x.dtype()), /*diagonal=*/1);
    const Tensor weights = softmax(masked_fill(scores, future, -std::numeric_limits<double>::infinity()), -1);
    const Tensor heads_out = matmul(weights, v);  // (B, heads, T, head_dim)
    return output->forward(reshape(transpose(heads_out, 1, 2), {B, T, D}));
  }

  int64_t heads;
  std::shared_ptr<nn::Linear> query, key, value, output;
};

/// Pre-norm: x + attention(norm(x)), then x + mlp(norm(x)), the MLP 4 times wider with GELU.
class EncoderBlock : public nn::Module {
 public:
  EncoderBlock(int64_t d_model, int64_t heads)
      : ln1(register_module("ln1", nn::LayerNorm({d_model}))),
        attention(register_module("attention", CausalSelfAttention(d_model, heads))),
        ln2(register_module("ln2", nn::LayerNorm({d_model}))),
        mlp(register_module("mlp", nn::Sequential(nn::Linear(d_model, 4 * d_model), nn::GELU(),
                                                  nn::Linear(4 * d_model, d_model)))) {}

  Tensor forward(const Tensor& x) override {
    const Tensor h = x + attention->forward(ln1->forward(x));
    return h + mlp->forward(ln2->forward(h));
  }

  std::shared_ptr<nn::LayerNorm> ln1;
  std::shared_ptr<CausalSelfAttention> attention;
  std::shared_ptr<nn::LayerNorm> ln2;
  std::shared_ptr<nn::Sequential> mlp;
};

/// Tokens (B, T) int64 -> next-token logits (B, T, vocab): token and learned position embeddings, the
/// blocks, a final LayerNorm and a linear head.
class TransformerEncoder : public nn::Module {
 public:
  TransformerEncoder(int64_t vocab, int64_t max_length, int64_t d_model, int64_t heads, int64_t layers)
      : token_embedding(register_module("token_embedding", nn::Embedding(vocab, d_model))),
        position_embedding(register_module("position_embedding", nn::Embedding(max_length, d_model))),
        blocks(register_module("blocks", nn::Sequential())),
        ln_f(register_module("ln_f", nn::LayerNorm({d_model}))),
        head(register_module("head", nn::Linear(d_model, vocab))) {
    for (int64_t i = 0; i < layers; ++i) blocks->push_back(EncoderBlock(d_model, heads));
  }

  Tensor forward(const Tensor& tokens) override {
    const Tensor positions = arange(double(tokens.size(1)), kInt64);
    const Tensor x = token_embedding->forward(tokens) + position_embedding->forward(positions);  // (B, T, D)
    return head->forward(ln_f->forward(blocks->forward(x)));
  }

  std::shared_ptr<nn::Embedding> token_embedding, position_embedding;
  std::shared_ptr<nn::Sequential> blocks;
  std::shared_ptr<nn::LayerNorm> ln_f;
  std::shared_ptr<nn::Linear> head;
};

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
