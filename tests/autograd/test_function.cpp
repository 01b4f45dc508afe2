// Custom ops through sg::Function: a user-written forward and backward that the engine calls like any
// built-in op, verified by gradcheck and used inside a larger expression.
#include <cmath>
#include <tuple>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(function)

namespace {

// y = x^3, the example from function.h.
struct Cube : Function<Cube> {
  static constexpr const char* name = "cube";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return in[0] * in[0] * in[0];
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    const Tensor& x = ctx.saved(0);
    return {dy * 3.0 * x * x};
  }
};

// y = alpha * a * b + b, two inputs and a number kept in the context's values.
struct ScaledProduct : Function<ScaledProduct> {
  static constexpr const char* name = "scaled_product";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0], in[1]});
    ctx.values["alpha"] = 0.5;
    return in[0] * in[1] * 0.5 + in[1];
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    const double alpha = ctx.values.at("alpha");
    const Tensor &a = ctx.saved(0), &b = ctx.saved(1);
    return {dy * b * alpha, dy * (a * alpha + 1.0)};
  }
};

// y = x^p with p given to apply after the inputs, as PyTorch's Function.apply(x, p) does.
struct PowerOf : Function<PowerOf> {
  static constexpr const char* name = "power_of";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in, double p) {
    ctx.save_for_backward({in[0]});
    ctx.values["p"] = p;
    return sg::pow(in[0], p);
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    const double p = ctx.values.at("p");
    return {dy * p * sg::pow(ctx.saved(0), p - 1.0)};
  }
};

// Softplus with a stable forward, saving its output: y = log(1 + e^x), dy/dx = sigmoid(x) = 1 - e^-y.
struct Softplus : Function<Softplus> {
  static constexpr const char* name = "softplus";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    const Tensor& x = in[0];
    Tensor y = sg::relu(x) + sg::log(sg::exp(-sg::abs(x)) + 1.0);
    ctx.save_for_backward({y});
    return y;
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    return {dy * (1.0 - sg::exp(-ctx.saved(0)))};
  }
};

// Returns one gradient for two inputs: the engine must refuse it with the op's name.
struct TooFewGrads : Function<TooFewGrads> {
  static constexpr const char* name = "too_few_grads";
  static Tensor forward(Context&, const std::vector<Tensor>& in) { return in[0] + in[1]; }
  static std::vector<Tensor> backward(Context&, const Tensor& dy) { return {dy}; }
};

// Returns a gradient of the wrong shape.
struct WrongShape : Function<WrongShape> {
  static constexpr const char* name = "wrong_shape";
  static Tensor forward(Context&, const std::vector<Tensor>& in) { return sg::sum(in[0]); }
  static std::vector<Tensor> backward(Context&, const Tensor& dy) { return {dy}; }
};

// y = 2x, whose backward hands back 2 dy in the other float dtype.
struct WrongDtype : Function<WrongDtype> {
  static constexpr const char* name = "wrong_dtype";
  static Tensor forward(Context&, const std::vector<Tensor>& in) { return in[0] * 2.0; }
  static std::vector<Tensor> backward(Context&, const Tensor& dy) {
    return {(dy * 2.0).to(dy.dtype() == kFloat64 ? kFloat32 : kFloat64)};
  }
};

// Returns its input unchanged: the output must still be a tensor of its own.
struct Identity : Function<Identity> {
  static constexpr const char* name = "identity";
  static Tensor forward(Context&, const std::vector<Tensor>& in) { return in[0]; }
  static std::vector<Tensor> backward(Context&, const Tensor& dy) { return {dy}; }
};

// Records ops for a scope inside a backward, where the engine has switched recording off.
struct GradOn {
  bool previous = GradMode::is_enabled();
  GradOn() { GradMode::set_enabled(true); }
  ~GradOn() { GradMode::set_enabled(previous); }
};

// y = x^2, whose backward recomputes x^2 from a detached copy of x and runs backward through that, as
// checkpointing does: a backward inside a backward, on a graph of its own.
struct Recompute : Function<Recompute> {
  static constexpr const char* name = "recompute";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return in[0] * in[0];
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    Tensor x = ctx.saved(0).detach().requires_grad_();
    {
      GradOn on;
      (x * x).backward(dy);
    }
    return {x.grad()};
  }
};

// y = x, whose backward runs a backward through the graph that made x: the one its own pass is in.
struct ReachesOuterGraph : Function<ReachesOuterGraph> {
  static constexpr const char* name = "reaches_outer_graph";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return in[0];
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    GradOn on;
    sg::sum(ctx.saved(0) * 1.0).backward(/*retain_graph=*/true);
    return {dy};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(custom_forward_gives_the_values) {
  const Tensor x = sg::tensor({-1.0, 2.0, 0.5}, kFloat64);
  BOOST_TEST(all_close(Cube::apply({x}), sg::tensor({-1.0, 8.0, 0.125}, kFloat64), 0));
  const Tensor sp = Softplus::apply({sg::tensor({0.0, 1000.0, -1000.0}, kFloat64)});
  BOOST_TEST(all_close(sp, sg::tensor({std::log(2.0), 1000.0, 0.0}, kFloat64), 1e-15));
}

BOOST_AUTO_TEST_CASE(custom_backward_is_called_by_the_engine) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor y = Cube::apply({x});
  BOOST_TEST(y.requires_grad());
  BOOST_TEST(y.grad_fn()->name() == "cube");
  y.sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({3.0, 12.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(custom_ops_pass_gradcheck) {
  manual_seed(1);
  BOOST_TEST(passes_gradcheck([](In in) { return Cube::apply({in[0]}); }, {uniform64({2, 3})}));
  BOOST_TEST(passes_gradcheck([](In in) { return ScaledProduct::apply({in[0], in[1]}); },
                              {uniform64({3}), uniform64({3})}));
  BOOST_TEST(passes_gradcheck([](In in) { return Softplus::apply({in[0]}); }, {uniform64({4}, -3.0, 3.0)}));
}

BOOST_AUTO_TEST_CASE(arguments_after_the_inputs_reach_forward) {
  // d/dx x^3 = 3 x^2 = 12 and d/dx x^-1 = -x^-2 = -0.25 at x = 2, by hand.
  for (const auto& [p, y, dx] : {std::tuple{3.0, 8.0, 12.0}, std::tuple{-1.0, 0.5, -0.25}}) {
    const Tensor x = tensor(std::vector<double>{2.0}, {1}).requires_grad_();
    const Tensor out = PowerOf::apply({x}, p);
    out.sum().backward();
    BOOST_TEST(out.item() == y);
    BOOST_TEST(x.grad().item() == dx);
  }
  BOOST_TEST(passes_gradcheck([](In in) { return PowerOf::apply({in[0]}, 2.5); }, {uniform64({3, 2}, 0.5, 2.0)}));
}

BOOST_AUTO_TEST_CASE(custom_ops_work_inside_a_larger_expression) {
  manual_seed(2);
  const Tensor x = uniform64({2, 3}), w = uniform64({3, 2});
  // a small network: softplus(x w)^3, averaged, with built-in ops on both sides of the custom ones
  BOOST_TEST(passes_gradcheck(
      [](In in) { return sg::mean(Cube::apply({Softplus::apply({sg::matmul(in[0], in[1])})}) * 2.0, 1); }, {x, w}));
  // and the same value as the built-in composition
  const Tensor direct = sg::mean(sg::pow(sg::log(sg::exp(sg::matmul(x, w)) + 1.0), 3.0) * 2.0, 1);
  const Tensor custom = sg::mean(Cube::apply({Softplus::apply({sg::matmul(x, w)})}) * 2.0, 1);
  BOOST_TEST(all_close(custom, direct, 1e-12, 1e-12));
}

BOOST_AUTO_TEST_CASE(only_inputs_that_require_grad_get_gradients) {
  Tensor a = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor b = sg::tensor({3.0, 4.0}, kFloat64);
  ScaledProduct::apply({a, b}).sum().backward();
  BOOST_TEST(all_close(a.grad(), sg::tensor({1.5, 2.0}, kFloat64), 0));  // alpha * b
  BOOST_TEST(!b.grad().defined());
}

BOOST_AUTO_TEST_CASE(forward_is_not_recorded_and_nothing_is_recorded_without_grad) {
  const Tensor c = sg::tensor({1.0, 2.0}, kFloat64);
  const Tensor y = Cube::apply({c});
  BOOST_TEST(!y.requires_grad());
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  {
    NoGradGuard no_grad;
    BOOST_TEST(!Cube::apply({x}).requires_grad());
  }
  // the one node recorded is the custom op itself, not the muls inside its forward
  const Tensor z = Cube::apply({x});
  BOOST_TEST(z.grad_fn()->num_inputs() == 1);
  BOOST_TEST(z.grad_fn()->edges()[0].leaf == x.impl_ptr());
}

BOOST_AUTO_TEST_CASE(returning_an_input_still_makes_a_new_output) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor y = Identity::apply({x});
  BOOST_TEST(!y.is_same(x));
  BOOST_TEST(x.is_leaf());
  (y * 2.0).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({2.0, 2.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(saved_tensors_are_checked_for_in_place_changes) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor y = Cube::apply({x}).sum();
  {
    NoGradGuard no_grad;
    x += 1.0;
  }
  BOOST_TEST(throws_with([&] { y.backward(); }, {"modified in place", "cube"}));
}

BOOST_AUTO_TEST_CASE(a_backward_with_the_wrong_number_or_shape_of_gradients_is_refused) {
  Tensor a = sg::ones({2}, kFloat64).requires_grad_();
  Tensor b = sg::ones({2}, kFloat64).requires_grad_();
  BOOST_TEST(throws_with([&] { TooFewGrads::apply({a, b}).sum().backward(); }, {"too_few_grads", "1", "2 inputs"}));
  BOOST_TEST(throws_with([&] { WrongShape::apply({a}).backward(); }, {"wrong_shape", "[]", "[2]"}));
}

BOOST_AUTO_TEST_CASE(a_backward_returning_a_gradient_of_the_wrong_dtype_is_refused) {
  // Into a leaf, both ways round.
  Tensor x64 = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  BOOST_TEST(throws_with([&] { WrongDtype::apply({x64}).sum().backward(); },
                         {"'wrong_dtype' returned a gradient of dtype float32 for input 0 of dtype float64"}));
  BOOST_TEST(!x64.grad().defined());
  Tensor x32 = sg::tensor({1.0, 2.0}, kFloat32).requires_grad_();
  BOOST_TEST(throws_with([&] { WrongDtype::apply({x32}).sum().backward(); },
                         {"'wrong_dtype' returned a gradient of dtype float64 for input 0 of dtype float32"}));
  BOOST_TEST(!x32.grad().defined());
  // Into another node: refused there too, and nothing reaches the leaf behind it.
  BOOST_TEST(throws_with([&] { WrongDtype::apply({x64 * 3.0}).sum().backward(); },
                         {"wrong_dtype", "float32", "float64"}));
  BOOST_TEST(!x64.grad().defined());
  // The same graph with a correct backward gives d(sum(2 * 3x))/dx = 6.
  Tensor y = sg::sum((x64 * 3.0) * 2.0);
  y.backward();
  BOOST_TEST(all_close(x64.grad(), sg::tensor({6.0, 6.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(retain_graph_applies_to_custom_ops) {
  Tensor x = sg::tensor({2.0}, kFloat64).requires_grad_();
  const Tensor y = Cube::apply({x}).sum();
  y.backward(true);
  y.backward();
  BOOST_TEST(x.grad().item() == 24.0);
  BOOST_TEST(throws_with([&] { y.backward(); }, {"backward", "retain_graph"}));
}

BOOST_AUTO_TEST_CASE(a_backward_may_run_a_backward_of_its_own_on_a_separate_graph) {
  Tensor x = sg::tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Recompute::apply({x * 3.0}).sum().backward();  // sum((3x)^2): 18x
  BOOST_TEST(all_close(x.grad(), sg::tensor({18.0, 36.0, 54.0}, kFloat64), 0));
}

// The outer pass holds its nodes until it ends (so that two threads never share one); an inner pass
// through them would take gradients still pending there, so it is refused, naming the node.
BOOST_AUTO_TEST_CASE(a_backward_inside_a_backward_through_the_outer_graph_is_refused) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor y = ReachesOuterGraph::apply({x * 2.0}).sum();
  BOOST_TEST(throws_with([&] { y.backward(); }, {"backward", "inside another backward", "'mul'"}));
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_SUITE_END()
