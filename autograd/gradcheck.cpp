// Central finite differences against autograd, element by element.
#include "autograd/gradcheck.h"

#include <cmath>
#include <ostream>

#include "autograd/check.h"
#include "autograd/grad.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/random.h"

namespace sg {

GradcheckReport gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  GradcheckReport report;
  for (size_t k = 0; k < inputs.size(); ++k)
    SG_CHECK(!inputs[k].defined() || inputs[k].dtype() == kFloat64 || !inputs[k].requires_grad(),
             "gradcheck: inputs that require grad must be float64 (finite differences in float32 are too coarse), "
             "input {} is {} {}",
             k, inputs[k].shape(), inputs[k].dtype());

  // Leaf copies, so the caller's tensors and their .grad stay untouched.
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) {
    if (!t.defined()) leaves.push_back(t);
    else {
      Tensor copy = t.detach().clone();
      if (t.requires_grad()) copy.requires_grad_();
      leaves.push_back(copy);
    }
  }

  // The scalar actually differentiated: sum(f(x) * w), w fixed by the seed.
  Tensor weights;
  auto scalar_f = [&](const std::vector<Tensor>& in) {
    Tensor y = f(in);
    SG_CHECK(y.defined() && y.dtype() == kFloat64, "gradcheck: f must return a float64 tensor, got {}",
             y.defined() ? fmt::format("{} {}", y.shape(), y.dtype()) : std::string("an undefined tensor"));
    if (!weights.defined()) {
      Generator g(options.seed);
      weights = empty(y.shape(), kFloat64);
      for (int64_t i = 0; i < y.numel(); ++i) weights.data<double>()[i] = 0.5 + g.uniform();
    }
    return y.numel() == 1 ? sum(y) : sum(mul(y, weights));
  };

  Tensor out = scalar_f(leaves);
  SG_CHECK(out.requires_grad(), "gradcheck: the output does not depend on any input that requires grad");
  out.backward();

  double worst_excess = 0;
  for (size_t k = 0; k < leaves.size(); ++k) {
    Tensor& x = leaves[k];
    if (!x.defined() || !x.requires_grad()) continue;
    const Tensor analytic = x.grad().defined() ? x.grad() : zeros_like(x);
    double* xs = x.data<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double saved = xs[i];
      double plus, minus;
      {
        NoGradGuard no_grad;
        xs[i] = saved + options.eps;
        plus = scalar_f(leaves).item();
        xs[i] = saved - options.eps;
        minus = scalar_f(leaves).item();
        xs[i] = saved;
      }
      const double numeric = (plus - minus) / (2 * options.eps);
      const double a = analytic.data<double>()[i];
      const double abs_error = std::abs(a - numeric);
      const double rel_error = abs_error / std::max(std::abs(numeric), 1e-12);
      // How far past its tolerance this element is; a NaN on either side counts as infinitely far.
      double excess = abs_error - (options.atol + options.rtol * std::abs(numeric));
      if (std::isnan(excess)) excess = INFINITY;
      report.max_abs_error = std::max(report.max_abs_error, abs_error);
      report.max_rel_error = std::max(report.max_rel_error, rel_error);
      if (excess > 0) report.ok = false;
      if (report.worst_input < 0 || excess > worst_excess) {
        worst_excess = excess;
        report.worst_input = int64_t(k);
        report.worst_element = i;
        report.worst_autograd = a;
        report.worst_numeric = numeric;
      }
      ++report.elements_checked;
    }
  }
  return report;
}

GradcheckReport gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                              const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  // Fixed random weights: u reduces f's output to a scalar, w[k] the gradient for input k.
  std::vector<Tensor> weights;
  Generator g(options.seed + 1);
  const auto random_like = [&g](const Tensor& like) {
    Tensor w = empty(like.shape(), kFloat64);
    for (int64_t i = 0; i < w.numel(); ++i) w.data<double>()[i] = 0.5 + g.uniform();
    return w;
  };
  const auto first_derivative = [&](const std::vector<Tensor>& in) {
    AutoGradMode grad_mode(true);  // gradcheck evaluates under no-grad; the gradient needs a graph
    Tensor y = f(in);
    SG_CHECK(y.defined() && y.dtype() == kFloat64, "gradgradcheck: f must return a float64 tensor");
    std::vector<Tensor> wrt;
    for (const Tensor& t : in)
      if (t.defined() && t.requires_grad()) wrt.push_back(t);
    if (weights.empty()) {
      weights.push_back(random_like(y));
      for (const Tensor& t : wrt) weights.push_back(random_like(t));
    }
    const std::vector<Tensor> grads =
        grad({sum(mul(y, weights[0]))}, wrt, {.create_graph = true, .allow_unused = true});
    Tensor total = zeros({}, kFloat64);
    for (size_t k = 0; k < grads.size(); ++k)
      if (grads[k].defined()) total = add(total, sum(mul(grads[k], weights[k + 1])));
    // A gradient that no longer depends on the inputs (f linear in them) has derivative 0: tied to them
    // with a zero weight, gradcheck checks that too rather than refuse an output without a graph.
    if (!total.requires_grad() && !wrt.empty()) total = add(total, mul(sum(wrt[0]), 0.0));
    return total;
  };
  return gradcheck(first_derivative, inputs, options);
}

std::string GradcheckReport::str() const {
  return fmt::format(
      "gradcheck {}: {} elements, max abs error {:.3e}, max rel error {:.3e}; worst: input {} element {} "
      "(autograd {:.10g}, numeric {:.10g})",
      ok ? "passed" : "FAILED", elements_checked, max_abs_error, max_rel_error, worst_input, worst_element,
      worst_autograd, worst_numeric);
}

std::ostream& operator<<(std::ostream& os, const GradcheckReport& report) { return os << report.str(); }

}  // namespace sg
