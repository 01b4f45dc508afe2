// Initialisers: fill a tensor in place (under no-grad) with values drawn from sg::default_generator(),
// so sg::manual_seed makes a model repeatable on every machine. Formulas are PyTorch's (torch.nn.init).
//
// The notebooks' schemes, one line each:
//   randn              init::normal_(w)                randn / 9          init::normal_(w, 0, 1.0 / 9)
//   randn / input_len  init::normal_(w, 0, 1.0 / n)    uniform [0, 1)     init::uniform_(w, 0, 1)
//   randn * 0.01       init::normal_(w, 0, 0.01)
// normal_(w) draws exactly what sg::randn(w.shape()) would, uniform_(w, 0, 1) what sg::rand would.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace sg::nn::init {

/// The nonlinearity a layer feeds, for the recommended gain.
enum class Nonlinearity { Linear, Conv2d, Sigmoid, Tanh, ReLU, LeakyReLU };
/// Which fan kaiming init preserves: the forward pass's variance (FanIn) or the backward's (FanOut).
enum class FanMode { FanIn, FanOut };

/// gain: 1 for Linear, Conv2d and Sigmoid, 5/3 for Tanh, sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for
/// LeakyReLU (param is the negative slope, 0.01 by default as in PyTorch).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

/// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (receptive field: the product
/// of the sizes after the second). Needs at least 2 dims.
struct Fans {
  int64_t fan_in, fan_out;
};
Fans calculate_fans(const Tensor& tensor);

/// U(low, high).
Tensor uniform_(Tensor tensor, double low = 0.0, double high = 1.0);
/// N(mean, std^2).
Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);

/// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
/// N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);

struct KaimingOptions {
  double a = 0;                                       // negative slope of the LeakyReLU that follows
  FanMode mode = FanMode::FanIn;
  Nonlinearity nonlinearity = Nonlinearity::LeakyReLU;
};
/// U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a) (He et al., 2015).
///   init::kaiming_uniform_(w, {.nonlinearity = init::Nonlinearity::ReLU});
Tensor kaiming_uniform_(Tensor tensor, const KaimingOptions& options = {});
/// N(0, s^2) with s = gain / sqrt(fan).
Tensor kaiming_normal_(Tensor tensor, const KaimingOptions& options = {});

/// PyTorch's default for Linear and the convolutions: weight ~ kaiming_uniform(a = sqrt(5)), which is
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and then bias (if defined) ~ the same U(-1/sqrt(fan_in), ...).
void layer_default_(Tensor weight, Tensor bias);

}  // namespace sg::nn::init
