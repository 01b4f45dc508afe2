// fashion_cnn --seeds A-B: the tutorial's two trainings (the notebook's recipe with exact gradients, and
// the fix) once per seed, to show how much one run's accuracy owes to its draw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/options.h"

namespace sg::tutorial {

struct SeedRange {
  uint64_t first, last;  // both included
};

/// "3-7" or a single "3"; empty text: no sweep. Anything else, or a range that runs backwards, is a
/// usage error naming --seeds.
std::optional<SeedRange> parse_seed_range(const std::string& text);

/// The second run's recipe, as fashion_cnn's --fix, --small-scale and --conv-bias give it.
struct FixRecipe {
  std::string fix;  // "small_init" or "leaky_relu"
  double small_scale;
  bool conv_bias;
};

/// For each seed: draws both models from it and trains each with per-sample SGD as the tutorial does
/// (options' epochs, lr and batch size), then prints a row: each run's test accuracy and fraction of
/// dead ReLU outputs on the test set. Then the mean and the standard deviation over the seeds, and how
/// many runs ended near chance. Returns the fixed run's mean test accuracy.
double seed_sweep(const SeedRange& seeds, const FixRecipe& recipe, const datasets::Dataset& train_set,
                  const datasets::Dataset& test_set, const Options& options);

}  // namespace sg::tutorial
