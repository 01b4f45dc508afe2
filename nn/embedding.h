// Embedding: a learned table of vectors, one row per token id, looked up by integer index.
#pragma once

#include <cstdint>
#include <optional>

#include "nn/module.h"

namespace sg::nn {

struct EmbeddingOptions {
  std::optional<int64_t> padding_idx;  // this row is zeroed at initialisation and never learns
};

/// weight (num_embeddings, embedding_dim); int64 input of any shape -> (..., embedding_dim).
///   nn::Embedding embed(10000, 64, {.padding_idx = 0});
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// PyTorch's default: weight ~ N(0, 1), then the padding row set to zeros.
  void reset_parameters();
  std::string repr() const override;

  int64_t num_embeddings, embedding_dim;
  EmbeddingOptions options;
  Tensor weight;
};

}  // namespace sg::nn
