// char_model's network (Bengio et al. 2003, "A Neural Probabilistic Language Model"): each of the last
// 3 symbols looked up in a learned table of 10-number vectors, the 3 vectors side by side (30 numbers),
// a tanh layer of 200 units, and 27 logits, one per next symbol. A custom nn::Module: the constructor
// registers the layers by name, forward() chains a few autograd ops, and autograd derives the backward.
//   C  context length (3)     D  embedding size (10)     H  hidden units (200)     V  symbols (27)
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

class CharMlp : public nn::Module {
 public:
  CharMlp(int64_t vocabulary = 27, int64_t context = 3, int64_t embedding_dim = 10, int64_t hidden = 200);
  /// contexts (N, C) int64 symbol indices -> logits (N, V).
  Tensor forward(const Tensor& contexts) override;
  std::string name() const override { return "CharMlp"; }

  int64_t context;
  std::shared_ptr<nn::Embedding> embed;  // weight (V, D): one vector per symbol
  std::shared_ptr<nn::Linear> hidden;    // (C * D) -> H
  std::shared_ptr<nn::Linear> out;       // H -> V
};

/// The mean cross-entropy of `model` over all examples, in chunks of 8192 so that the hidden layer of a
/// large set never has to be held at once; no graph is built.
double mean_loss(nn::Module& model, const datasets::CharExamples& examples);

/// A word made up by `model`: from the context "...", draw the next symbol from softmax(logits) with
/// `generator`, shift it in, until the model draws '.' (or max_length letters have been drawn).
std::string sample_word(CharMlp& model, Generator& generator, int64_t max_length = 40);

}  // namespace sg::tutorial
