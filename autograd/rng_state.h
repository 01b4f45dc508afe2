// The default generator's state as a tensor, so that it can go into a checkpoint beside the model: what
// torch.get_rng_state() and torch.set_rng_state() do for PyTorch's default generator.
#pragma once

#include "autograd/tensor.h"

namespace sg {

/// The default generator's state: an int64 tensor of shape [6] holding Generator::get_state's words, bit for bit.
///   nn::save_tensors({{"rng_state", sg::get_rng_state()}}, "state.safetensors");
Tensor get_rng_state();
/// Gives the default generator a state from get_rng_state. Checks it first (shape [6], int64, values a
/// generator can hold) and throws std::invalid_argument, leaving the generator as it was.
void set_rng_state(const Tensor& state);

}  // namespace sg
