// How many predictions are right: the predicted class of a row of logits is its largest entry.
#pragma once

#include <cstdint>

#include <scratchgrad/autograd.h>

namespace sg::tutorial {

/// Rows of logits (N, C) whose argmax equals the label (N).
int64_t count_correct(const Tensor& logits, const Tensor& labels);

}  // namespace sg::tutorial
