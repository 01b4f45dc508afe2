// fashion_cnn's notebook (000_b2db39599771553c) wrote each layer's backward by hand. This file replays
// it with plain loops in float64, once as the notebook wrote it and once corrected, beside autograd.
#pragma once

#include <string>
#include <vector>

#include "tutorials/common/backward_table.h"

namespace sg::tutorial {

/// The one-filter CNN's parameters: filter (1, 1, 6, 6), bias (23, 23) (undefined: not added in the
/// forward), fc_weight (10, 121), fc_bias (10), of any float dtype.
struct OneFilterWeights {
  Tensor filter, bias, fc_weight, fc_bias;
};

struct OneFilterBackward {
  int64_t sample = 0;          // the image the three backward passes ran on
  double true_class_probability = 0;
  std::vector<BackwardRow> rows;
  std::vector<std::string> notes;  // what each of the conv's two bugs does alone
};

/// Runs the forward on images (N, 1, 28, 28) until an image whose true class gets a probability in
/// (1e-3, 0.99) (the first one if none does), then its backward three ways: the notebook's, corrected,
/// and autograd's, of the loss cross_entropy / 10.
OneFilterBackward check_backward_000(const OneFilterWeights& weights, const Tensor& images, const Tensor& labels);

}  // namespace sg::tutorial
