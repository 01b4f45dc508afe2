// Gradients of gradients.
//
// backward() computes a gradient with ops of its own. Asked to (create_graph), it records those ops too,
// so the gradient has a graph and can be differentiated again. Three uses, each checked by hand:
//   1. the second derivative of tanh, next to its formula;
//   2. a Hessian-vector product, without ever building the Hessian, next to the full Hessian built
//      column by column (one Hessian-vector product per column);
//   3. Newton's method, which needs the Hessian, against gradient descent, which does not, on the
//      Rosenbrock function: a handful of steps against thousands.
// It takes no options and reads no data: run build/tutorials/higher_order.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

#include <scratchgrad/scratchgrad.h>

using sg::Tensor;

namespace {

double largest_difference = 0;  // between autograd and a formula, over every comparison below
void compare(double autograd, double formula) {
  largest_difference = std::max(largest_difference, std::abs(autograd - formula));
}

// f(w) = sum(tanh(M w)) + |w|^2 / 2 for three weights: a smooth function with a full Hessian.
Tensor f(const Tensor& w) {
  const Tensor M = sg::tensor({{1.0, 0.5, -0.3}, {0.2, -1.0, 0.8}, {-0.6, 0.4, 1.2}}, sg::kFloat64);
  return sg::sum(sg::tanh(sg::matmul(M, w))) + sg::sum(w * w) * 0.5;
}

// H v: the gradient of <grad f(w), v>. The inner gradient is taken with create_graph, so it is itself
// made of recorded ops that the outer sg::grad can go back through. The Hessian is never formed.
Tensor hessian_vector_product(const Tensor& w, const Tensor& v) {
  const Tensor g = sg::grad({f(w)}, {w}, {.create_graph = true})[0];
  return sg::grad({sg::sum(g * v)}, {w})[0];
}

// Rosenbrock's banana: a curved valley with its minimum 0 at (1, 1), where gradient descent crawls.
Tensor rosenbrock(const Tensor& p) {
  const Tensor x = sg::narrow(p, 0, 0, 1), y = sg::narrow(p, 0, 1, 1);
  return sg::sum(sg::pow(1.0 - x, 2.0) + sg::pow(y - x * x, 2.0) * 100.0);
}

}  // namespace

int main() {
  try {
    // 1. d2/dx2 tanh x = 2 tanh x (tanh^2 x - 1). The first sg::grad keeps its graph (create_graph); the
    //    second differentiates that graph.
    std::printf("1. the second derivative of tanh\n     x     autograd     2 tanh(x) (tanh(x)^2 - 1)\n");
    const Tensor x = sg::linspace(-2, 2, 5, sg::kFloat64).requires_grad_();
    const Tensor dx = sg::grad({sg::sum(sg::tanh(x))}, {x}, {.create_graph = true})[0];
    const Tensor d2x = sg::grad({sg::sum(dx)}, {x})[0];
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double t = std::tanh(x.at({i})), formula = 2 * t * (t * t - 1);
      std::printf("  %5.1f  %11.8f  %11.8f\n", x.at({i}), d2x.at({i}), formula);
      compare(d2x.at({i}), formula);
    }

    // 2. The Hessian of f, column j being H e_j, and a Hessian-vector product beside H times v.
    const Tensor w = sg::tensor({0.3, -0.7, 0.5}, sg::kFloat64).requires_grad_();
    const Tensor identity = sg::eye(3, sg::kFloat64);
    std::vector<Tensor> columns;
    for (int64_t j = 0; j < 3; ++j) columns.push_back(hessian_vector_product(w, identity.narrow(0, j, 1).reshape({3})));
    const Tensor H = sg::stack(columns, 1);
    const Tensor v = sg::tensor({1.0, 2.0, -1.0}, sg::kFloat64);
    const Tensor Hv = hessian_vector_product(w, v), H_times_v = sg::matmul(H, v);
    std::printf("\n2. the Hessian of f(w) = sum(tanh(M w)) + |w|^2 / 2, column by column\n");
    for (int64_t r = 0; r < 3; ++r) std::printf("   [%9.5f %9.5f %9.5f]\n", H.at({r, 0}), H.at({r, 1}), H.at({r, 2}));
    std::printf("   symmetric, as a Hessian must be: H[0][1] = %.6f, H[1][0] = %.6f\n", H.at({0, 1}), H.at({1, 0}));
    std::printf("   H v in one product: [%.6f %.6f %.6f]\n   H times v:          [%.6f %.6f %.6f]\n", Hv.at({0}),
                Hv.at({1}), Hv.at({2}), H_times_v.at({0}), H_times_v.at({1}), H_times_v.at({2}));
    for (int64_t r = 0; r < 3; ++r) compare(Hv.at({r}), H_times_v.at({r}));

    // 3. Newton: p <- p - H^-1 grad, the 2 x 2 system solved by Cramer's rule; the two rows of H are the
    //    gradients of the two entries of grad, itself recorded (create_graph). Gradient descent:
    //    p <- p - lr grad, which needs no second derivative but a small lr in this steep valley.
    std::printf("\n3. minimising Rosenbrock's (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1); the minimum is (1, 1)\n");
    const double tolerance = 1e-8;
    Tensor p = sg::tensor({-1.2, 1.0}, sg::kFloat64);
    int newton_steps = 0;
    for (; newton_steps < 50; ++newton_steps) {
      const Tensor q = p.detach().requires_grad_();
      const Tensor g = sg::grad({rosenbrock(q)}, {q}, {.create_graph = true})[0];
      if (sg::norm(g.detach()).item() < tolerance) break;
      const Tensor h0 = sg::grad({sg::narrow(g, 0, 0, 1).sum()}, {q}, {.retain_graph = true})[0];  // row 0 of H
      const Tensor h1 = sg::grad({sg::narrow(g, 0, 1, 1).sum()}, {q})[0];                        // row 1 of H
      const double a = h0.at({0}), b = h0.at({1}), c = h1.at({0}), d = h1.at({1});
      const double g0 = g.at({0}), g1 = g.at({1}), det = a * d - b * c;
      p = sg::tensor({p.at({0}) - (d * g0 - b * g1) / det, p.at({1}) - (a * g1 - c * g0) / det}, sg::kFloat64);
    }
    std::printf("   Newton:           %6d steps to a gradient below %g, at (%.8f, %.8f)\n", newton_steps, tolerance,
                p.at({0}), p.at({1}));
    Tensor q = sg::tensor({-1.2, 1.0}, sg::kFloat64);
    int descent_steps = 0;
    const int max_descent_steps = 20000;
    for (; descent_steps < max_descent_steps; ++descent_steps) {
      const Tensor r = q.detach().requires_grad_();
      const Tensor g = sg::grad({rosenbrock(r)}, {r})[0];
      if (sg::norm(g).item() < tolerance) break;
      q = r.detach() - g * 1e-3;
    }
    std::printf("   gradient descent: %6d steps (lr 0.001)%s, at (%.8f, %.8f)\n", descent_steps,
                descent_steps == max_descent_steps ? ", and still not there" : "", q.at({0}), q.at({1}));
    std::printf("\nlargest difference between autograd and the formulas: %.1e\n", largest_difference);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
