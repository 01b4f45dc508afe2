// Gradients of gradients: create_graph, sg::grad and gradgradcheck. Second derivatives of every op whose
// backward is differentiable, checked by finite differences of the analytic gradient; Hessian-vector
// products and a gradient-penalty step against PyTorch; the errors of sg::grad and of a backward that
// cannot be differentiated.
#include <cmath>
#include <memory>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(higher_order)

namespace {

// gradgradcheck, and first the gradient itself: the one a backward computes in ops under create_graph
// must equal its kernel's (gradgradcheck alone would pass a wrong formula that is consistently wrong).
boost::test_tools::predicate_result passes_gradgradcheck(const std::function<Tensor(In)>& f,
                                                         const std::vector<Tensor>& inputs) {
  const Tensor weights = rand(f(inputs).shape(), kFloat64);
  const std::vector<Tensor> by_ops = grad({sum(mul(f(inputs), weights))}, inputs, {.create_graph = true});
  const std::vector<Tensor> by_kernel = grad({sum(mul(f(inputs), weights))}, inputs);
  for (size_t k = 0; k < inputs.size(); ++k) {
    const boost::test_tools::predicate_result same = all_close(by_ops[k], by_kernel[k], 1e-12, 1e-10);
    if (!same) {
      boost::test_tools::predicate_result result(false);
      result.message() << "input " << k << ": the gradient in ops differs from the kernel's: " << same.message();
      return result;
    }
  }
  const GradcheckReport report = gradgradcheck(f, inputs);
  boost::test_tools::predicate_result result(report.ok);
  if (!report.ok) result.message() << report.str();
  return result;
}

Tensor leaf(const NestedList& values) { return tensor(values, kFloat64).requires_grad_(); }

// v[k] = 0.5 * (k + 1) / numel, in p's shape: the direction of the Hessian-vector products below, the same
// as the fixtures' torch.full_like(p, 0.5) * torch.arange(1, p.numel() + 1).reshape(p.shape) / p.numel().
Tensor direction(const Tensor& p) {
  return reshape(mul(arange(1, double(p.numel() + 1), 1, kFloat64), 0.5 / double(p.numel())), p.shape());
}

// H v for the parameters: grad of sum_k <dL/dp_k, v_k>, the gradient taken with create_graph.
std::vector<Tensor> hessian_vector_product(const Tensor& loss, const std::vector<Tensor>& params) {
  const std::vector<Tensor> g = grad({loss}, params, {.create_graph = true});
  Tensor dot = zeros({}, kFloat64);
  for (size_t k = 0; k < params.size(); ++k) dot = add(dot, sum(mul(g[k], direction(params[k]))));
  return grad({dot}, params);
}

// The small MLP of the PyTorch fixtures: linear(tanh(linear(x, W1, b1)), W2, b2).
struct Mlp {
  Tensor W1 = leaf({{0.2, -0.4, 0.6}, {0.1, 0.3, -0.5}, {-0.7, 0.2, 0.4}});
  Tensor b1 = leaf({0.05, -0.1, 0.2});
  Tensor W2 = leaf({{0.3, -0.6, 0.9}});
  Tensor b2 = leaf({0.1});
  Tensor x = leaf({{0.5, -1.0, 0.25}, {1.5, 0.75, -0.5}});
  Tensor t = tensor({{1.0}, {-0.5}}, kFloat64);
  Tensor loss() const { return mean(pow(sub(linear(tanh(linear(x, W1, b1)), W2, b2), t), 2.0)); }
  std::vector<Tensor> params() const { return {W1, b1, W2, b2}; }
};

}  // namespace

// d2/dx2 tanh x = -2 tanh x (1 - tanh^2 x), from two calls of sg::grad.
BOOST_AUTO_TEST_CASE(second_derivative_of_tanh_is_its_formula) {
  const Tensor x = linspace(-3, 3, 13, kFloat64).requires_grad_();
  const auto [dx] = std::array{grad({sum(tanh(x))}, {x}, {.create_graph = true})[0]};
  BOOST_TEST(dx.requires_grad());
  const Tensor d2x = grad({sum(dx)}, {x})[0];
  std::vector<double> expected;
  for (double v : x.to_vector<double>()) expected.push_back(-2 * std::tanh(v) * (1 - std::tanh(v) * std::tanh(v)));
  BOOST_TEST(all_close(d2x, tensor(expected, {13}).to(kFloat64), 1e-14, 1e-12));
  BOOST_TEST(!d2x.requires_grad());  // no create_graph the second time: a plain tensor
}

// y = x^4 + 2 x^3 - x at x = 1.5: y' = 4x^3 + 6x^2 - 1 = 26, y'' = 12x^2 + 12x = 45, y''' = 24x + 12 = 48.
BOOST_AUTO_TEST_CASE(third_derivative_of_a_polynomial) {
  const Tensor x = scalar_tensor(1.5, kFloat64).requires_grad_();
  const Tensor y = sub(add(pow(x, 4.0), mul(pow(x, 3.0), 2.0)), x);
  const Tensor d1 = grad({y}, {x}, {.create_graph = true})[0];
  const Tensor d2 = grad({d1}, {x}, {.create_graph = true})[0];
  const Tensor d3 = grad({d2}, {x}, {.create_graph = true})[0];
  BOOST_TEST(d1.item() == 26.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(d2.item() == 45.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(d3.item() == 48.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(grad({d3}, {x})[0].item() == 24.0, boost::test_tools::tolerance(1e-12));
}

// backward(create_graph) leaves a .grad with a graph; backpropagating it gives the second derivative.
BOOST_AUTO_TEST_CASE(backward_with_create_graph_leaves_a_differentiable_grad) {
  Tensor x = leaf({0.5, -2.0});
  sum(pow(x, 3.0)).backward({}, {.create_graph = true});
  const Tensor g = x.grad();  // 3 x^2
  BOOST_TEST(g.requires_grad());
  BOOST_TEST(all_close(g, tensor({0.75, 12.0}, kFloat64)));
  x.zero_grad();
  sum(g).backward();
  BOOST_TEST(all_close(x.grad(), tensor({3.0, -12.0}, kFloat64)));  // 6 x
  // Without create_graph nothing changes: the gradient has no graph.
  x.zero_grad();
  sum(pow(x, 3.0)).backward();
  BOOST_TEST(!x.grad().requires_grad());
}

// sg::grad returns the gradients and leaves every .grad as it was.
BOOST_AUTO_TEST_CASE(grad_leaves_dot_grad_alone) {
  const Tensor x = leaf({1.0, 2.0}), w = leaf({3.0, -1.0});
  const Tensor y = sum(mul(x, w));
  const std::vector<Tensor> g = grad({y}, {w});
  BOOST_TEST(all_close(g[0], tensor({1.0, 2.0}, kFloat64)));
  BOOST_TEST(!x.grad().defined());
  BOOST_TEST(!w.grad().defined());
  // Several outputs with their grad_outputs: d(2 y1 + 3 y2)/dx.
  const Tensor y1 = mul(x, x), y2 = sum(x);
  const Tensor dx = grad({y1, y2}, {x}, {.grad_outputs = {full({2}, 2.0, kFloat64), scalar_tensor(3.0, kFloat64)}})[0];
  BOOST_TEST(all_close(dx, tensor({7.0, 11.0}, kFloat64)));  // 4 x + 3
  // A non-leaf input: the gradient with respect to the intermediate itself.
  const Tensor h = mul(x, 2.0);
  const Tensor z = sum(mul(h, h));
  BOOST_TEST(all_close(grad({z}, {h})[0], tensor({4.0, 8.0}, kFloat64)));  // 2 h
}

BOOST_AUTO_TEST_CASE(grad_errors_name_what_is_wrong) {
  const Tensor x = leaf({1.0, 2.0}), unused = leaf({5.0});
  const Tensor plain = tensor({1.0}, kFloat64);
  BOOST_TEST(throws_with([&] { grad({sum(mul(x, x))}, {x, unused}); },
                         {"grad: input 1", "[1]", "not reached", "allow_unused"}));
  const std::vector<Tensor> g = grad({sum(mul(x, x))}, {x, unused}, {.allow_unused = true});
  BOOST_TEST(g[0].defined());
  BOOST_TEST(!g[1].defined());
  BOOST_TEST(throws_with([&] { grad({sum(x)}, {plain}); }, {"grad: input 0 does not require grad"}));
  BOOST_TEST(throws_with([&] { grad({plain}, {x}); }, {"grad: output 0 does not require grad"}));
  BOOST_TEST(throws_with([&] { grad({mul(x, x)}, {x}); }, {"grad:", "implicitly", "output 0 has shape [2]"}));
  BOOST_TEST(throws_with([&] { grad({sum(x)}, {x}, {.grad_outputs = {Tensor(), Tensor()}}); },
                         {"grad: expected one grad_output per output", "2 grad_outputs for 1 outputs"}));
  BOOST_TEST(throws_with([&] { grad({mul(x, x)}, {x}, {.grad_outputs = {ones({3}, kFloat64)}}); },
                         {"grad: grad_outputs[0] must match output 0", "[2]", "[3]"}));
}

// retain_graph defaults to create_graph, as in PyTorch: a graph differentiated without it is freed.
BOOST_AUTO_TEST_CASE(retain_graph_defaults_to_create_graph) {
  const Tensor x = leaf({0.5});
  const Tensor y = sum(tanh(x));
  grad({y}, {x}, {.create_graph = true});
  grad({y}, {x});  // still there
  BOOST_TEST(throws_with([&] { grad({y}, {x}); }, {"already freed", "retain_graph"}));
  const Tensor z = sum(tanh(x));
  grad({z}, {x}, {.retain_graph = true});
  grad({z}, {x});
}

// tanh saves its own output; reattached to its node only while the node runs, it makes no cycle, so the
// whole graph (first and second order) is freed with its last handle.
BOOST_AUTO_TEST_CASE(a_saved_output_leaks_no_graph) {
  const Tensor x = leaf({0.5, -0.25});
  std::weak_ptr<Node> first, second;
  {
    const Tensor y = tanh(x);
    const Tensor dx = grad({sum(y)}, {x}, {.create_graph = true})[0];
    first = y.grad_fn();
    second = dx.grad_fn();
    BOOST_TEST(!first.expired());
    grad({sum(dx)}, {x});
  }
  BOOST_TEST(first.expired());
  BOOST_TEST(second.expired());
}

// A tensor changed in place after an op saved it is still refused under create_graph.
BOOST_AUTO_TEST_CASE(version_checks_hold_under_create_graph) {
  const Tensor x = leaf({0.5, 2.0});
  Tensor h = mul(x, 1.0);
  const Tensor y = sum(mul(h, h));
  {
    NoGradGuard no_grad;
    h.add_(ones({2}, kFloat64));
  }
  BOOST_TEST(throws_with([&] { grad({y}, {x}, {.create_graph = true}); }, {"modified in place", "mul"}));
}

// Hooks still run under create_graph, on a gradient that has a graph, and what they return is kept in it.
BOOST_AUTO_TEST_CASE(hooks_run_under_create_graph) {
  Tensor x = leaf({1.5});
  const Tensor h = pow(x, 2.0);
  bool saw_graph = false;
  h.register_hook([&](const Tensor& g) {
    saw_graph = g.requires_grad();
    return mul(g, h);  // d/dh becomes dy * h: d/dx of y = x^2 is now 2 x * x^2 = 2 x^3
  });
  const Tensor dx = grad({sum(mul(h, 1.0))}, {x}, {.create_graph = true})[0];
  BOOST_TEST(!saw_graph);  // the seed is ones: no graph yet at the output's first node
  BOOST_TEST(dx.item() == 2 * 1.5 * 1.5 * 1.5, boost::test_tools::tolerance(1e-12));
  // The hook stays on h and runs again in the second pass, on the gradient reaching h there (2 x, made
  // x^2 times larger): 2 x^2 + (2 x * x^2) * 2 x. PyTorch 1.13 gives the same 24.75 (register_hook,
  // then torch.autograd.grad twice).
  BOOST_TEST(grad({dx}, {x})[0].item() == 2 * 1.5 * 1.5 + 4 * std::pow(1.5, 4), boost::test_tools::tolerance(1e-12));
  // retain_grad fills .grad under backward(create_graph), and sg::grad leaves it alone.
  Tensor a = mul(x, 3.0);
  a.retain_grad();
  sum(mul(a, a)).backward({}, {.create_graph = true});
  BOOST_TEST(a.grad().item() == 9.0, boost::test_tools::tolerance(1e-12));
  grad({sum(mul(a, a))}, {x});
  BOOST_TEST(a.grad().item() == 9.0, boost::test_tools::tolerance(1e-12));
  // Those .grad()s have graphs that hold a and x: kept, they would keep themselves alive (as in PyTorch).
  a.zero_grad();
  x.zero_grad();
}

// ---- gradgradcheck over the ops whose backward is differentiable ------------------------------------
BOOST_AUTO_TEST_CASE(gradgradcheck_elementwise) {
  const Tensor x = uniform64({2, 3}), pos = uniform64({2, 3}, 0.5, 2.0), away = uniform64({2, 3}, 0.1, 1.0);
  const Tensor sided = where(lt(rand({2, 3}, kFloat64), 0.5), away.detach(), neg(away.detach())).requires_grad_();
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases = {
      {"add", [](const Tensor& v) { return add(v, 2.0); }},      {"mul", [](const Tensor& v) { return mul(v, -3.0); }},
      {"div", [](const Tensor& v) { return div(v, 4.0); }},      {"rsub", [](const Tensor& v) { return rsub(v, 1.0); }},
      {"neg", [](const Tensor& v) { return neg(v); }},           {"pow", [](const Tensor& v) { return pow(v, 3.0); }},
      {"exp", [](const Tensor& v) { return exp(v); }},           {"sin", [](const Tensor& v) { return sin(v); }},
      {"cos", [](const Tensor& v) { return cos(v); }},           {"erf", [](const Tensor& v) { return erf(v); }},
      {"expm1", [](const Tensor& v) { return expm1(v); }},       {"sigmoid", [](const Tensor& v) { return sigmoid(v); }},
      {"tanh", [](const Tensor& v) { return tanh(v); }},         {"silu", [](const Tensor& v) { return silu(v); }},
      {"gelu", [](const Tensor& v) { return gelu(v); }},         {"gelu_tanh", [](const Tensor& v) { return gelu(v, "tanh"); }},
      {"softplus", [](const Tensor& v) { return softplus(v, 2.0); }}, {"pow_base", [](const Tensor& v) { return pow(2.5, v); }},
      {"clamp", [](const Tensor& v) { return mul(clamp(v, -0.5, 0.5), v); }}};
  for (const auto& [name, op] : cases) {  // a named reference: clang 15 cannot capture a structured binding
    const auto& f = op;
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(passes_gradgradcheck([&f](In in) { return f(in[0]); }, {x})); }
  }
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> positive = {
      {"log", [](const Tensor& v) { return log(v); }},     {"sqrt", [](const Tensor& v) { return sqrt(v); }},
      {"rsqrt", [](const Tensor& v) { return rsqrt(v); }}, {"log1p", [](const Tensor& v) { return log1p(v); }},
      {"rdiv", [](const Tensor& v) { return rdiv(v, 2.0); }}};
  for (const auto& [name, op] : positive) {  // a named reference: clang 15 cannot capture a structured binding
    const auto& f = op;
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(passes_gradgradcheck([&f](In in) { return f(in[0]); }, {pos})); }
  }
  // Piecewise ops away from their kinks (their second derivative is 0 there, times x to make it not).
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> kinked = {
      {"relu", [](const Tensor& v) { return mul(relu(v), v); }},
      {"leaky_relu", [](const Tensor& v) { return mul(leaky_relu(v, 0.1), v); }},
      {"abs", [](const Tensor& v) { return mul(abs(v), v); }},
      {"elu", [](const Tensor& v) { return elu(v, 0.7); }},
      {"sign", [](const Tensor& v) { return mul(sign(v), v); }}};
  for (const auto& [name, op] : kinked) {  // a named reference: clang 15 cannot capture a structured binding
    const auto& f = op;
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(passes_gradgradcheck([&f](In in) { return f(in[0]); }, {sided})); }
  }
}

BOOST_AUTO_TEST_CASE(gradgradcheck_binary) {
  const Tensor a = uniform64({2, 3}), b = uniform64({3}), pa = uniform64({2, 3}, 0.5, 2.0), pb = uniform64({3}, -1, 2);
  BOOST_TEST(passes_gradgradcheck([](In in) { return add(in[0], in[1]); }, {a, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return mul(sub(in[0], in[1]), in[0]); }, {a, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return mul(in[0], in[1]); }, {a, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return div(in[0], in[1]); }, {a, add(pb, 1.5).detach().requires_grad_()}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(in[0], in[1]); }, {pa, pb}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return mul(maximum(in[0], in[1]), in[0]); }, {a, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return mul(minimum(in[0], in[1]), in[1]); }, {a, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return mul(where(gt(in[0], 0.0), in[0], in[1]), in[0]); }, {a, b}));
}

BOOST_AUTO_TEST_CASE(gradgradcheck_reductions) {
  const Tensor x = uniform64({2, 3, 4});
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(sum(in[0]), 2.0); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(sum(in[0], {1}), 2.0); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(mean(in[0], {0, 2}, true), 3.0); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(max(in[0]), 2.0); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(min(in[0]), 2.0); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(max(in[0], 1).values, 2.0); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(amax(in[0], {0, 2}), 2.0); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return logsumexp(in[0], 1); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return logsumexp(in[0], 2, true); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return var(in[0], {1}); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return sg::std(in[0], {2}); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return norm(in[0], 2.0, {1}); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return pow(cumsum(in[0], 1), 2.0); }, {x}));
  const Tensor small = uniform64({2, 3, 2}, 0.5, 1.5);
  BOOST_TEST(passes_gradgradcheck([](In in) { return prod(in[0]); }, {small}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return prod(in[0], 1); }, {small}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return prod(in[0], -1, true); }, {small}));
  const Tensor with_zero = tensor({{0.5, 0.0, -1.5}, {2.0, 1.25, 0.0}}, kFloat64).requires_grad_();
  BOOST_TEST(passes_gradgradcheck([](In in) { return prod(in[0], 1); }, {with_zero}));
}

BOOST_AUTO_TEST_CASE(gradgradcheck_shape_ops) {
  const Tensor x = uniform64({2, 3, 4}), y = uniform64({2, 1, 4});
  const Tensor index = tensor(std::vector<int64_t>{2, 0, 2}, {3});
  const auto squared = [](const Tensor& t) { return mul(t, t); };
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(reshape(in[0], {6, 4})); }, {x}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(transpose(in[0], 0, 2)); }, {x}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(permute(in[0], {2, 0, 1})); }, {x}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(broadcast_to(in[0], {2, 3, 4})); }, {y}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(slice(in[0], 2, 0, 4, 2)); }, {x}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(narrow(in[0], 0, 1, 1)); }, {x}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(cat({in[0], in[1]}, 1)); }, {x, y}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(stack({in[0], in[0]}, 0)); }, {x}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(index_select(in[0], 2, index)); }, {x}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return squared(unsqueeze(flatten(in[0]), 0)); }, {x}));
}

BOOST_AUTO_TEST_CASE(gradgradcheck_matmul_and_softmax) {
  const Tensor a = uniform64({2, 3}), b = uniform64({3, 4}), v = uniform64({3}), batch = uniform64({2, 2, 3});
  BOOST_TEST(passes_gradgradcheck([](In in) { return matmul(in[0], in[1]); }, {a, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return matmul(tanh(in[0]), in[1]); }, {a, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(matmul(in[0], in[1])); }, {batch, b}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(matmul(in[0], in[1])); }, {a, v}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(matmul(in[1], in[0])); }, {b, v}));
  const Tensor w = uniform64({4, 3}), bias = uniform64({4});
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(linear(in[0], in[1], in[2])); }, {a, w, bias}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return softmax(in[0], 1); }, {a}));
  // layer_norm over the last one and two dims, with and without weight and bias; its gradient in ops
  // equals the kernel's.
  const Tensor rows = uniform64({2, 3, 4}), gamma = uniform64({3, 4}), beta = uniform64({3, 4});
  BOOST_TEST(passes_gradgradcheck([](In in) { return layer_norm(in[0], {4}); }, {rows}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(layer_norm(in[0], {3, 4}, in[1], in[2], 1e-3)); },
                                  {rows, gamma, beta}));
  const auto norm_loss = [&] { return sum(tanh(layer_norm(rows, {3, 4}, gamma, beta))); };
  const std::vector<Tensor> by_ops = grad({norm_loss()}, {rows, gamma, beta}, {.create_graph = true});
  const std::vector<Tensor> by_kernel = grad({norm_loss()}, {rows, gamma, beta});
  for (size_t k = 0; k < 3; ++k) BOOST_TEST(all_close(by_ops[k], by_kernel[k], 1e-13, 1e-11));
  // batch_norm, training (batch statistics) and evaluation (running ones), over (N, C) and (N, C, H, W).
  const Tensor images = uniform64({3, 2, 2, 2}), flat = uniform64({4, 2}), cw = uniform64({2}), cb = uniform64({2});
  const Tensor running_mean = tensor({0.1, -0.2}, kFloat64), running_var = tensor({0.5, 2.0}, kFloat64);
  BOOST_TEST(passes_gradgradcheck([&](In in) { return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true); }, {flat}));
  BOOST_TEST(passes_gradgradcheck(
      [&](In in) { return tanh(batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1, 1e-3)); }, {images, cw, cb}));
  BOOST_TEST(passes_gradgradcheck(
      [&](In in) { return tanh(batch_norm(in[0], running_mean, running_var, in[1], in[2], false)); }, {images, cw, cb}));
  for (const bool training : {true, false}) {
    const auto loss = [&] {
      const Tensor rm = running_mean.clone(), rv = running_var.clone();  // fresh: training moves them
      return sum(tanh(batch_norm(images, rm, rv, cw, cb, training)));
    };
    const std::vector<Tensor> by_ops = grad({loss()}, {images, cw, cb}, {.create_graph = true});
    const std::vector<Tensor> by_kernel = grad({loss()}, {images, cw, cb});
    for (size_t k = 0; k < 3; ++k) BOOST_TEST(all_close(by_ops[k], by_kernel[k], 1e-13, 1e-11));
  }
  // embedding is linear in its table: its second derivative comes through what follows it, here tanh,
  // with repeated rows and a padding row (which gets no gradient of any order).
  const Tensor table = uniform64({4, 3}), ids = tensor(std::vector<int64_t>{1, 3, 1, 0, 2, 3}, {2, 3});
  BOOST_TEST(passes_gradgradcheck([&](In in) { return tanh(embedding(in[0], ids)); }, {table}));
  BOOST_TEST(passes_gradgradcheck([&](In in) { return tanh(embedding(in[0], ids, 3)); }, {table}));
  // The gradient in ops equals the kernel's, padding row (all zeros) included.
  const Tensor in_ops = grad({sum(tanh(embedding(table, ids, 3)))}, {table}, {.create_graph = true})[0];
  BOOST_TEST(all_close(in_ops, grad({sum(tanh(embedding(table, ids, 3)))}, {table})[0], 1e-15, 1e-13));
  BOOST_TEST(all_close(narrow(in_ops, 0, 3, 1), zeros({1, 3}, kFloat64), 0, 0));
  BOOST_TEST(passes_gradgradcheck([](In in) { return log_softmax(in[0], 0); }, {a}));
  const Tensor target = tensor(std::vector<int64_t>{2, 0}, {2});
  BOOST_TEST(passes_gradgradcheck([&](In in) { return softmax_cross_entropy(in[0], target); }, {a}));
}

BOOST_AUTO_TEST_CASE(gradgradcheck_conv_and_pool) {
  const Tensor x = uniform64({2, 2, 5, 5}), w = uniform64({3, 2, 3, 3}), b = uniform64({3});
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(conv2d(in[0], in[1], in[2])); }, {x, w, b}));
  BOOST_TEST(passes_gradgradcheck(
      [](In in) { return tanh(conv2d(in[0], in[1], Tensor(), {.stride = 2, .padding = 1, .dilation = 1})); }, {x, w}));
  BOOST_TEST(passes_gradgradcheck(
      [](In in) { return tanh(conv2d(in[0], in[1], Tensor(), {.stride = 1, .padding = 2, .dilation = 2})); }, {x, w}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(max_pool2d(in[0], {.kernel_size = 2})); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(max_pool2d(in[0], {.kernel_size = 3, .stride = 2, .padding = 1})); }, {x}));
  BOOST_TEST(passes_gradgradcheck([](In in) { return tanh(avg_pool2d(in[0], {.kernel_size = 3, .stride = 2, .padding = 1})); }, {x}));
}

// ---- against PyTorch ---------------------------------------------------------------------------------
// Fixture: torch 1.13, float64, the Mlp above; loss = ((model(x) - t)**2).mean();
// g = torch.autograd.grad(loss, [W1, b1, W2, b2], create_graph=True);
// hv = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, V)), [W1, b1, W2, b2]), V as direction().
BOOST_AUTO_TEST_CASE(mlp_hessian_vector_product_matches_torch) {
  const Mlp mlp;
  const Tensor loss = mlp.loss();
  BOOST_TEST(loss.item() == 0.3098430066823359, boost::test_tools::tolerance(1e-13));
  const std::vector<Tensor> hv = hessian_vector_product(loss, mlp.params());
  BOOST_TEST(all_close(hv[0], tensor({{0.12842532191149128, -0.0021333268663426205, -0.02069311136313434},
                                       {-0.893037677246448, 0.02201676718820106, 0.14150069047834096},
                                       {-0.23364532331054125, -0.1730450210658171, 0.09662256090702924}}, kFloat64),
                       1e-13, 1e-11));
  BOOST_TEST(all_close(hv[1], tensor({0.12100140811277459, -0.8452441079303921, -0.1257782905214027}, kFloat64), 1e-13, 1e-11));
  BOOST_TEST(all_close(hv[2], tensor({{0.05744555274621943, -0.3518655215820182, -0.9739984306971802}}, kFloat64), 1e-13, 1e-11));
  BOOST_TEST(all_close(hv[3], tensor({1.0681169809205509}, kFloat64), 1e-13, 1e-11));
}

// Fixture: torch 1.13, the Mlp above; dx, = torch.autograd.grad(loss, x, create_graph=True);
// (loss + 0.5 * (dx**2).sum()).backward(); p - 0.1 * p.grad for p in [W1, b1, W2, b2].
BOOST_AUTO_TEST_CASE(gradient_penalty_step_matches_torch) {
  const Mlp mlp;
  const Tensor loss = mlp.loss();
  const Tensor dx = grad({loss}, {mlp.x}, {.create_graph = true})[0];
  const Tensor total = add(loss, mul(sum(mul(dx, dx)), 0.5));
  BOOST_TEST(total.item() == 0.5390222517621407, boost::test_tools::tolerance(1e-13));
  total.backward();
  std::vector<Tensor> stepped;
  {
    NoGradGuard no_grad;
    for (const Tensor& p : mlp.params()) stepped.push_back(sub(p, mul(p.grad(), 0.1)));
  }
  BOOST_TEST(all_close(stepped[0], tensor({{0.24377581222090405, -0.41395742141323044, 0.5901730209458365},
                                           {0.013776888522390784, 0.34756812745350796, -0.48525972079069873},
                                           {-0.5961922183922339, 0.12701820044612508, 0.3814699885955416}}, kFloat64),
                       1e-13, 1e-11));
  BOOST_TEST(all_close(stepped[1], tensor({0.09279404435773274, -0.19268268845093897, 0.31390124999177094}, kFloat64), 1e-13, 1e-11));
  BOOST_TEST(all_close(stepped[2], tensor({{0.3462192263459715, -0.6066118990387579, 0.7947146693729098}}, kFloat64), 1e-13, 1e-11));
  BOOST_TEST(all_close(stepped[3], tensor({0.28328571605190245}, kFloat64), 1e-13, 1e-11));
}

// Fixture: torch 1.13, float64; h = tanh(F.conv2d(x, cw, cb, padding=1)); h = F.max_pool2d(h, 3);
// out = F.linear(h.flatten(1), lw, lb); loss = F.cross_entropy(out, torch.tensor([1])); H v as above.
BOOST_AUTO_TEST_CASE(cnn_hessian_vector_product_matches_torch) {
  const Tensor x = tensor({{{{0.1, -0.2, 0.3, 0.4, -0.5},
                             {0.6, 0.2, -0.1, 0.05, 0.3},
                             {-0.4, 0.7, 0.2, -0.3, 0.1},
                             {0.25, -0.15, 0.35, 0.45, -0.05},
                             {0.5, 0.1, -0.6, 0.2, 0.3}}}}, kFloat64);
  const Tensor cw = leaf({{{{0.2, -0.1}, {0.3, 0.4}}}, {{{-0.3, 0.5}, {0.1, -0.2}}}});
  const Tensor cb = leaf({0.05, -0.02});
  const Tensor lw = leaf({{0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8}, {0.2, 0.1, -0.1, 0.3, -0.3, 0.2, 0.4, -0.2}});
  const Tensor lb = leaf({0.0, 0.1});
  const Tensor h = max_pool2d(tanh(conv2d(x, cw, cb, {.padding = 1})), {.kernel_size = 3});
  const Tensor out = linear(flatten(h, 1), lw, lb);
  const Tensor loss = mean(softmax_cross_entropy(out, tensor(std::vector<int64_t>{1}, {1})));
  BOOST_TEST(loss.item() == 0.5791231131488259, boost::test_tools::tolerance(1e-13));
  const std::vector<Tensor> hv = hessian_vector_product(loss, {cw, cb, lw, lb});
  BOOST_TEST(all_close(reshape(hv[0], {-1}),
                       tensor({-0.039133467832386866, -0.006951272139044118, -0.10440906079672349, 0.037195084464081506,
                               -0.06347435814951437, -0.3798776455137024, -0.0033507342853106026, 0.1984453836761872},
                              kFloat64),
                       1e-13, 1e-11));
  BOOST_TEST(all_close(hv[1], tensor({-0.13648732122956153, -0.35264739549570945}, kFloat64), 1e-13, 1e-11));
  BOOST_TEST(all_close(hv[2], tensor({{0.055450198982038845, 0.02968638745583016, 0.06062246482586811, 0.03933027096020475,
                                        0.10290708761159248, 0.15742625091253876, 0.09569365215839556, 0.08538729920692767},
                                       {-0.055450198982038845, -0.02968638745583016, -0.06062246482586811,
                                        -0.03933027096020475, -0.10290708761159248, -0.15742625091253876,
                                        -0.09569365215839556, -0.08538729920692767}}, kFloat64),
                       1e-13, 1e-11));
  BOOST_TEST(all_close(hv[3], tensor({-0.29078734050715926, 0.29078734050715926}, kFloat64), 1e-13, 1e-11));
}

// A backward written with kernels only, which has no differentiable form, calls refuse_create_graph: under
// create_graph it throws naming the op instead of returning a gradient whose own derivative would be
// wrong; without create_graph it runs as before. (Every op of the library has a differentiable backward.)
namespace {
struct KernelOnlySquare : Function<KernelOnlySquare> {
  static constexpr const char* name = "kernel_only_square";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return mul(in[0], in[0]);
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    refuse_create_graph("kernel_only_square");
    NoGradGuard plain;  // stands for a kernel: a result with no graph
    return {mul(mul(dy, ctx.saved(0)), 2.0)};
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_non_differentiable_backward_says_so) {
  const Tensor p = uniform64({3});
  BOOST_TEST(throws_with<std::runtime_error>(
      [&] { grad({sum(KernelOnlySquare::apply({p}))}, {p}, {.create_graph = true}); },
      {"kernel_only_square: backward is not differentiable (create_graph) yet"}));
  BOOST_TEST(all_close(grad({sum(KernelOnlySquare::apply({p}))}, {p})[0], mul(p, 2.0).detach(), 0, 0));
}

// d2 prod(x) / dx_i dx_j = the product of the elements other than x_i and x_j (0 on the diagonal), exact
// at zeros: x = (2, 3, 0, 5) has the gradient (0, 0, 30, 0), and row 2 of the Hessian is (15, 10, 0, 6).
BOOST_AUTO_TEST_CASE(prod_second_derivative_is_the_product_of_the_others_at_zeros_too) {
  const Tensor x = leaf({2.0, 3.0, 0.0, 5.0});
  const Tensor g = grad({prod(x)}, {x}, {.create_graph = true})[0];
  BOOST_TEST(all_close(g, tensor({0.0, 0.0, 30.0, 0.0}, kFloat64), 0, 0));
  BOOST_TEST(all_close(grad({select(g, 0, 2)}, {x}, {.retain_graph = true})[0], tensor({15.0, 10.0, 0.0, 6.0}, kFloat64), 0, 0));
  BOOST_TEST(all_close(grad({select(g, 0, 0)}, {x})[0], tensor({0.0, 0.0, 15.0, 0.0}, kFloat64), 0, 0));
}

// A custom Function whose backward is written with ops is differentiable twice for free.
namespace {
struct Cube : Function<Cube> {
  static constexpr const char* name = "cube";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return mul(mul(in[0], in[0]), in[0]);
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    const Tensor& x = ctx.saved(0);
    return {mul(mul(dy, mul(x, x)), 3.0)};
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(custom_function_backward_in_ops_is_differentiable) {
  const Tensor x = leaf({2.0});
  const Tensor dx = grad({sum(Cube::apply({x}))}, {x}, {.create_graph = true})[0];
  BOOST_TEST(dx.item() == 12.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(grad({dx}, {x})[0].item() == 12.0, boost::test_tools::tolerance(1e-12));  // 6 x
}

BOOST_AUTO_TEST_SUITE_END()
