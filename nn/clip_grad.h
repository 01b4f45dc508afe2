// Gradient clipping, between backward() and the optimizer's step(): scale all gradients down together
// when their joint norm is too large (clip_grad_norm_), or cut each element to a range (clip_grad_value_).
#pragma once

#include <limits>
#include <vector>

#include "autograd/tensor.h"

namespace sg::nn {

struct ClipGradNormOptions {
  double norm_type = 2.0;           // p of the p-norm, > 0; std::numeric_limits<double>::infinity() for max |g|
  bool error_if_nonfinite = false;  // throw, changing nothing, when the total norm is NaN or infinite
};

/// Scales every gradient by max_norm / (total_norm + 1e-6) when that is below 1, total_norm being the
/// norm of all gradients taken as one vector; returns total_norm. Parameters without a gradient are
/// skipped, and none at all give 0. A non-finite total makes the gradients NaN, as in PyTorch, unless
/// error_if_nonfinite.
///   double norm = nn::clip_grad_norm_(model.parameters(), 1.0);
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, const ClipGradNormOptions& options = {});

/// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace sg::nn
