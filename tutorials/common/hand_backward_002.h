// mnist_cnn_layers' notebook (002_0a76252aef25687a) wrote each layer's back_prop by hand. This file
// replays it with plain loops in float64, once as the notebook wrote it and once corrected, beside autograd.
#pragma once

#include <string>
#include <vector>

#include "tutorials/common/backward_table.h"

namespace sg::tutorial {

/// conv 8 filters 2x2 stride 2 padding 1 (no bias) -> max pool 2x2 stride 2 padding 1 -> dense 512 -> 10:
/// filters (8, 1, 2, 2), weight (10, 512) over the pooled maps flattened as (8, 8, 8), bias (10).
struct LayersCnnWeights {
  Tensor filters, weight, bias;
};

struct LayersCnnBackward {
  std::vector<BackwardRow> rows;
  std::string note;  // what the shift alone costs
};

/// The gradient of cross_entropy on one image (1, 1, 28, 28) three ways: the notebook's back_props as
/// written, corrected, and autograd's.
LayersCnnBackward check_backward_002(const LayersCnnWeights& weights, const Tensor& image, int64_t label);

}  // namespace sg::tutorial
