// Two models of the same architecture compared by their gradients, parameter by parameter: how far
// apart (the largest |a - b|) and whether every bit agrees.
#pragma once

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// The largest |a.grad - b.grad| over every parameter.
double max_grad_difference(const nn::Module& a, const nn::Module& b);

/// Whether every parameter's gradient holds the same float32 bits in both models.
bool same_grad_bits(const nn::Module& a, const nn::Module& b);

}  // namespace sg::tutorial
