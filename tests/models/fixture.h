// What tests/models/make_fixtures.py records of a PyTorch training run, and the helpers that load it into
// a scratchgrad model and compare a run of that model with it.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/testing.h"

#include "scratchgrad/nn.h"

namespace sg::testing {

/// One named tensor, in scratchgrad's parameter naming and shape, as float64 values in row-major order.
struct FixtureTensor {
  std::string name;
  Shape shape;
  std::vector<double> values;
};

/// One training step: its loss, and every parameter's gradient after its backward.
struct FixtureStep {
  double loss;
  std::vector<FixtureTensor> gradients;
};

/// Copies the fixture's values into the model's parameters, which must be exactly the ones listed, in
/// the same order, with the same shapes.
inline void load_parameters(nn::Module& model, const std::vector<FixtureTensor>& fixture) {
  const std::vector<nn::NamedTensor> params = model.named_parameters();
  BOOST_REQUIRE_EQUAL(params.size(), fixture.size());
  NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    BOOST_REQUIRE_EQUAL(params[i].first, fixture[i].name);
    BOOST_REQUIRE(params[i].second.shape() == fixture[i].shape);
    Tensor param = params[i].second;  // a handle to the model's own tensor
    param.copy_(tensor(fixture[i].values, fixture[i].shape));
  }
}

/// The larger of two differences, NaN if either is (std::max would drop a NaN second argument).
inline double worse(double a, double b) { return std::isnan(a) ? a : (std::isnan(b) || b > a ? b : a); }

/// The largest |gradient - expected| over every parameter of the model.
inline double max_gradient_difference(const nn::Module& model, const std::vector<FixtureTensor>& expected) {
  const std::vector<nn::NamedTensor> params = model.named_parameters();
  BOOST_REQUIRE_EQUAL(params.size(), expected.size());
  double worst = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    BOOST_REQUIRE_EQUAL(params[i].first, expected[i].name);
    const std::vector<double> grad = params[i].second.grad().to_vector<double>();
    BOOST_REQUIRE_EQUAL(grad.size(), expected[i].values.size());
    for (size_t j = 0; j < grad.size(); ++j) worst = worse(worst, std::abs(grad[j] - expected[i].values[j]));
  }
  return worst;
}

/// The largest differences from PyTorch over a run of the fixture's steps.
struct FixtureDifferences {
  double loss = 0, gradient = 0;
};

/// Repeats make_fixtures.py's run on the model: each step a forward (loss_fn) and a backward, with one
/// Adam(lr = 0.01) step after the first; returns how far the losses and gradients came from PyTorch's.
inline FixtureDifferences train_like_fixture(nn::Module& model, const std::function<Tensor()>& loss_fn,
                                             const std::vector<FixtureStep>& steps) {
  optim::Adam adam(model.parameters(), {.lr = 0.01});
  FixtureDifferences worst;
  for (size_t step = 0; step < steps.size(); ++step) {
    if (step > 0) adam.step();
    adam.zero_grad();
    const Tensor loss = loss_fn();
    loss.backward();
    worst.loss = worse(worst.loss, std::abs(loss.item() - steps[step].loss));
    worst.gradient = worse(worst.gradient, max_gradient_difference(model, steps[step].gradients));
  }
  return worst;
}

}  // namespace sg::testing
