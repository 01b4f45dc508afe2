// Embedding: its forward is the embedding op.
#include "nn/embedding.h"

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/init.h"

namespace sg::nn {

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options)
    : num_embeddings(num_embeddings), embedding_dim(embedding_dim), options(options) {
  SG_CHECK(num_embeddings > 0 && embedding_dim > 0,
           "Embedding: sizes must be positive, got num_embeddings {} and embedding_dim {}", num_embeddings,
           embedding_dim);
  if (options.padding_idx) {
    int64_t& p = *this->options.padding_idx;
    SG_CHECK(p >= -num_embeddings && p < num_embeddings, "Embedding: padding_idx must be in [-{}, {}), got {}",
             num_embeddings, num_embeddings, p);
    if (p < 0) p += num_embeddings;  // stored as the row it names, as PyTorch does
  }
  check_sizes({num_embeddings, embedding_dim}, "Embedding");
  weight = register_parameter("weight", empty({num_embeddings, embedding_dim}));
  reset_parameters();
}

void Embedding::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx) {
    NoGradGuard no_grad;
    weight.narrow(0, *options.padding_idx, 1).zero_();
  }
}

Tensor Embedding::forward(const Tensor& input) { return embedding(weight, input, options.padding_idx); }

std::string Embedding::repr() const {
  std::string out = fmt::format("Embedding({}, {}", num_embeddings, embedding_dim);
  if (options.padding_idx) out += fmt::format(", padding_idx={}", *options.padding_idx);
  return out + ")";
}

}  // namespace sg::nn
