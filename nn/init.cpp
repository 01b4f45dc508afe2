// Initialisers: every draw goes through sg::default_generator(), one element at a time in row-major
// order, so a seed gives the same values on every machine.
#include "nn/init.h"

#include <cmath>
#include <type_traits>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/random.h"
#include "nn/check_option.h"

namespace sg::nn::init {

namespace {
// Writes draw.operator()<T>(generator) into every element, under no-grad (parameters require grad).
template <class Draw>
Tensor fill_with(Tensor tensor, const char* op, Draw draw) {
  SG_CHECK(tensor.defined() && is_floating(tensor.dtype()), "init::{}: expected a float tensor, got {}", op,
           tensor.defined() ? fmt::format("{} {}", tensor.shape(), tensor.dtype()) : "an undefined tensor");
  NoGradGuard no_grad;
  Generator& g = default_generator();
  dispatch(tensor.dtype(), op, [&]<class T> {
    T* data = tensor.data<T>();
    for (int64_t i = 0; i < tensor.numel(); ++i) data[i] = T(draw.template operator()<T>(g));
  });
  ++tensor.impl().storage->version;
  return tensor;
}
}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Conv2d:
    case Nonlinearity::Sigmoid: return 1.0;
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU:
      check_option("init::calculate_gain", "negative_slope", param, {});
      return std::sqrt(2.0 / (1.0 + param * param));
  }
  return 1.0;
}

Fans calculate_fans(const Tensor& tensor) {
  SG_CHECK(tensor.defined() && tensor.dim() >= 2,
           "init: fan in and fan out need a tensor with at least 2 dims, got {}",
           tensor.defined() ? fmt::format("{}", tensor.shape()) : "an undefined tensor");
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

Tensor uniform_(Tensor tensor, double low, double high) {
  check_option("init::uniform_", "low", low, {});
  check_option("init::uniform_", "high", high, {});
  SG_CHECK(low <= high, "init::uniform_: low must not exceed high, got low {} and high {}", low, high);
  SG_CHECK(std::isfinite(high - low), "init::uniform_: high - low must be finite, got low {} and high {}", low, high);
  // float32 takes a 24-bit draw, as sg::rand does: a 53-bit one can round up to exactly 1.0f.
  return fill_with(tensor, "uniform_", [=]<class T>(Generator& g) {
    const double unit = std::is_same_v<T, float> ? double(g.uniform_float()) : g.uniform();
    return low + (high - low) * unit;
  });
}

Tensor normal_(Tensor tensor, double mean, double std) {
  check_option("init::normal_", "mean", mean, {});
  check_option("init::normal_", "std", std, {.low = 0});
  return fill_with(tensor, "normal_", [=]<class T>(Generator& g) { return mean + std * g.normal(); });
}

Tensor constant_(Tensor tensor, double value) {
  // torch.nn.init.constant_ takes NaN too, but no parameter is meant to start as NaN or infinity.
  check_option("init::constant_", "value", value, {});
  return fill_with(tensor, "constant_", [=]<class T>(Generator&) { return value; });
}
Tensor zeros_(Tensor tensor) { return constant_(tensor, 0.0); }
Tensor ones_(Tensor tensor) { return constant_(tensor, 1.0); }

Tensor xavier_uniform_(Tensor tensor, double gain) {
  check_option("init::xavier_uniform_", "gain", gain, {.low = 0});
  const Fans fans = calculate_fans(tensor);
  const double bound = gain * std::sqrt(6.0 / double(fans.fan_in + fans.fan_out));
  return uniform_(tensor, -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  check_option("init::xavier_normal_", "gain", gain, {.low = 0});
  const Fans fans = calculate_fans(tensor);
  return normal_(tensor, 0.0, gain * std::sqrt(2.0 / double(fans.fan_in + fans.fan_out)));
}

namespace {
double kaiming_std(const Tensor& tensor, const KaimingOptions& options) {
  const Fans fans = calculate_fans(tensor);
  const int64_t fan = options.mode == FanMode::FanIn ? fans.fan_in : fans.fan_out;
  SG_CHECK(fan > 0, "init::kaiming: fan must be positive, got a tensor of shape {}", tensor.shape());
  return calculate_gain(options.nonlinearity, options.a) / std::sqrt(double(fan));
}
}  // namespace

// A uniform U(-b, b) has standard deviation b / sqrt(3), hence b = sqrt(3) * std.
Tensor kaiming_uniform_(Tensor tensor, const KaimingOptions& options) {
  const double bound = std::sqrt(3.0) * kaiming_std(tensor, options);
  return uniform_(tensor, -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, const KaimingOptions& options) {
  return normal_(tensor, 0.0, kaiming_std(tensor, options));
}

// gain(LeakyReLU, a = sqrt(5)) = sqrt(2 / 6), so the weight's bound sqrt(3) * gain / sqrt(fan_in) is
// 1 / sqrt(fan_in): the bias's bound.
void layer_default_(Tensor weight, Tensor bias) {
  kaiming_uniform_(weight, {.a = std::sqrt(5.0)});
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(calculate_fans(weight).fan_in));
    uniform_(bias, -bound, bound);
  }
}

}  // namespace sg::nn::init
