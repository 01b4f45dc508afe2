// fashion_mlp's network (notebook 001_283dd8db66a75e60): 784-64-32-10, a hidden activation of choice,
// initialised as Glorot or as the notebook did, and each activation's derivative written out.
#pragma once

#include <memory>
#include <string>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// Linear(784, 64), activation, Linear(64, 32), activation, Linear(32, 10). activation: sigmoid, relu,
/// leaky_relu (slope 0.01, the notebook's "relu") or tanh. init "xavier": Glorot's xavier_uniform_,
/// W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)), and zero biases; "notebook": W ~ N(0, 0.01^2),
/// b ~ N(0, 1).
nn::Sequential make_mlp(const std::string& activation, const std::string& init);

/// The derivative of the activation at its input h, as the notebook's ActivationBackward has it, with
/// its relu bug fixed: leaky_relu's slope is 0.01 (not 0) where h < 0.
Tensor activation_derivative(const std::string& activation, const Tensor& h);

}  // namespace sg::tutorial
