// The bigram table by counting, and its negative log-likelihood on a set of words.
#include "tutorials/common/bigram.h"

#include <cmath>

namespace sg::tutorial {

Tensor bigram_counts(std::span<const std::string> words) {
  constexpr int64_t V = datasets::Vocabulary::kSize;
  Tensor counts = zeros({V, V}, kFloat64);
  double* n = counts.data<double>();  // n: (V, V)
  for (const std::string& word : words) {
    int64_t before = 0;
    for (size_t k = 0; k <= word.size(); ++k) {
      const int64_t after = k < word.size() ? datasets::Vocabulary::index(word[k]) : 0;
      n[before * V + after] += 1;
      before = after;
    }
  }
  return counts;
}

double mean_nll(const Tensor& probs, const datasets::CharExamples& bigrams) {
  SG_CHECK(bigrams.contexts.dim() == 2 && bigrams.contexts.size(1) == 1,
           "mean_nll: expected bigram examples, contexts (N, 1), got {}", bigrams.contexts.shape());
  const Tensor p = probs.to(kFloat64);
  const int64_t V = p.size(1), N = bigrams.targets.numel();
  const double* pp = p.data<double>();
  const int64_t* before = bigrams.contexts.data<int64_t>();
  const int64_t* after = bigrams.targets.data<int64_t>();
  double total = 0;
  for (int64_t i = 0; i < N; ++i) total -= std::log(pp[before[i] * V + after[i]]);
  return total / double(N);
}

}  // namespace sg::tutorial
