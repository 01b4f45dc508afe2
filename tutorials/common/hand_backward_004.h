// mnist_cnn's notebook (004_5f595c3e158a01cf) wrote each layer's backprop by hand. This file replays it
// with plain loops in float64, once as the notebook wrote it and once corrected, beside autograd.
#pragma once

#include <vector>

#include "tutorials/common/backward_table.h"

namespace sg::tutorial {

/// conv 3x3 (8 filters, no bias) -> max pool 2 -> dense 1352 -> 10: filters (8, 1, 3, 3), weight
/// (10, 1352) over the pooled maps flattened as (8, 13, 13), bias (10); any float dtype.
struct SmallCnnWeights {
  Tensor filters, weight, bias;
};

/// The gradient of cross_entropy on one image (1, 1, 28, 28) three ways: the notebook's backprop as
/// written, corrected, and autograd's. `all_ties`: the pool's gradient goes to every tied maximum of a
/// window (the notebook's rule, tied_max_pool2d), else to the first (max_pool2d's).
std::vector<BackwardRow> check_backward_004(const SmallCnnWeights& weights, const Tensor& image, int64_t label,
                                            bool all_ties);

}  // namespace sg::tutorial
