// char_model's network, its loss over a whole set, and sampling words from it.
#include "tutorials/common/char_mlp.h"

#include <algorithm>
#include <vector>

namespace sg::tutorial {

CharMlp::CharMlp(int64_t vocabulary, int64_t context, int64_t embedding_dim, int64_t hidden_units)
    : context(context),
      embed(register_module("embed", nn::Embedding(vocabulary, embedding_dim))),
      hidden(register_module("hidden", nn::Linear(context * embedding_dim, hidden_units))),
      out(register_module("out", nn::Linear(hidden_units, vocabulary))) {}

Tensor CharMlp::forward(const Tensor& contexts) {
  const Tensor vectors = embed->forward(contexts);                          // (N, C, D)
  const Tensor joined = vectors.reshape({contexts.size(0), hidden->in_features});  // (N, C * D): side by side
  return out->forward(sg::tanh(hidden->forward(joined)));                 // (N, V)
}

double mean_loss(nn::Module& model, const datasets::CharExamples& examples) {
  NoGradGuard no_grad;
  constexpr int64_t kChunk = 8192;
  const int64_t n = examples.targets.numel();
  double total = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t count = std::min(kChunk, n - start);
    const Tensor logits = model.forward(examples.contexts.narrow(0, start, count));
    total += nn::cross_entropy(logits, examples.targets.narrow(0, start, count), nn::Reduction::Sum).item();
  }
  return total / double(n);
}

std::string sample_word(CharMlp& model, Generator& generator, int64_t max_length) {
  NoGradGuard no_grad;
  std::vector<int64_t> window(static_cast<size_t>(model.context), 0);
  std::string word;
  while (int64_t(word.size()) < max_length) {
    const Tensor probs = sg::softmax(model.forward(sg::tensor(std::span<const int64_t>(window), {1, model.context})), 1);
    const std::vector<double> p = probs.to_vector<double>();
    // Inverse transform sampling: the first symbol whose running total passes a uniform draw.
    const double u = generator.uniform();
    size_t next = 0;
    for (double running = p[0]; next + 1 < p.size() && running <= u; running += p[++next]) {
    }
    if (next == 0) break;  // '.': the word ends
    word += datasets::Vocabulary::symbol(int64_t(next));
    std::rotate(window.begin(), window.begin() + 1, window.end());
    window.back() = int64_t(next);
  }
  return word;
}

}  // namespace sg::tutorial
