// A two-layer pre-norm transformer encoder with causal self-attention, written from the ops (projections,
// q k^T / sqrt(d), a masked softmax, the weighted sum): the model tests/models/test_transformer.cpp
// trains against PyTorch, and bench's W8 times.
#pragma once

#include <cmath>
#include <limits>
#include <memory>

#include <scratchgrad/scratchgrad.h>

namespace sg::models {

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

}  // namespace sg::models
