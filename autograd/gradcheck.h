// gradcheck: is autograd's gradient right? It compares, for every input and every element, the gradient
// autograd computes with a central finite difference (f(x + eps) - f(x - eps)) / 2 eps, in float64.
// Users check their own ops and models with it.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace sg {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // an element passes when |autograd - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-3;
  uint64_t seed = 0;   // for the random weights that project a non-scalar output to a scalar
};

/// The outcome: whether every element passed, and where the worst one was.
struct GradcheckReport {
  bool ok = true;
  double max_abs_error = 0;   // largest |autograd - numeric| over all elements
  double max_rel_error = 0;   // largest |autograd - numeric| / max(|numeric|, tiny)
  int64_t worst_input = -1;   // input and flat element index of the element furthest past its tolerance
  int64_t worst_element = -1;
  double worst_autograd = 0, worst_numeric = 0;
  int64_t elements_checked = 0;

  std::string str() const;
};
std::ostream& operator<<(std::ostream& os, const GradcheckReport& report);

/// Checks the gradient of f with respect to every input that requires grad (all must be float64).
/// A non-scalar output y is reduced to sum(y * w) with fixed random weights w, which tests every
/// output's gradient at once.
///   auto report = sg::gradcheck([](const std::vector<sg::Tensor>& in) { return sg::tanh(in[0]); }, {x});
GradcheckReport gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

/// Checks second derivatives the same way: the gradient of f, computed by autograd with create_graph, is
/// itself checked by gradcheck (finite differences of the analytic gradient against differentiating it
/// once more). The gradient is reduced to a scalar with fixed random weights, as f's output is.
///   auto report = sg::gradgradcheck([](const std::vector<sg::Tensor>& in) { return sg::tanh(in[0]); }, {x});
GradcheckReport gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                              const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace sg

template <>
struct fmt::formatter<sg::GradcheckReport> : fmt::formatter<std::string_view> {
  auto format(const sg::GradcheckReport& r, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(r.str(), ctx);
  }
};
