// char_model's first model: a bigram table, the probability of each symbol given the one before it,
// made by counting the pairs of a word list.
//   V  symbols (27)
#pragma once

#include <span>
#include <string>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// How often each symbol follows each other in `words`, '.' before and after every word: (V, V)
/// float64, row the symbol before, column the one after. "ab" adds one to (., a), (a, b) and (b, .).
Tensor bigram_counts(std::span<const std::string> words);

/// The mean negative log-likelihood -log probs[before, after] over examples of context 1 (bigrams),
/// probs (V, V) with rows summing to 1.
double mean_nll(const Tensor& probs, const datasets::CharExamples& bigrams);

}  // namespace sg::tutorial
