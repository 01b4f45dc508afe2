// gradcheck itself: it passes correct gradients, FAILS wrong ones (so every other test using it can
// fail), points at the worst input and element, prints readably, and refuses float32 inputs.
#include <sstream>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(gradient_checking)

namespace {

// x^2 with a deliberately wrong backward (3x instead of 2x): the op gradcheck must catch.
struct WrongSquare : Function<WrongSquare> {
  static constexpr const char* name = "wrong_square";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return in[0] * in[0];
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) { return {dy * 3.0 * ctx.saved(0)}; }
};

// Right for every element but one (flat index 4), where the gradient is off by 0.5.
struct OneBadElement : Function<OneBadElement> {
  static constexpr const char* name = "one_bad_element";
  static Tensor forward(Context&, const std::vector<Tensor>& in) { return in[0] * 2.0; }
  static std::vector<Tensor> backward(Context&, const Tensor& dy) {
    Tensor dx = dy * 2.0;
    NoGradGuard no_grad;
    dx.set_({1, 1}, dx.at({1, 1}) + 0.5);
    return {dx};
  }
};

// The identity with a gradient 1e-4 too large (relatively).
struct Off : Function<Off> {
  static constexpr const char* name = "off";
  static Tensor forward(Context&, const std::vector<Tensor>& in) { return in[0] * 1.0; }
  static std::vector<Tensor> backward(Context&, const Tensor& dy) { return {dy * (1.0 + 1e-4)}; }
};

}  // namespace

BOOST_AUTO_TEST_CASE(passes_a_correct_gradient) {
  manual_seed(1);
  const Tensor x = uniform64({2, 3}), w = uniform64({3, 2});
  const GradcheckReport r = sg::gradcheck([](In in) { return sg::tanh(sg::matmul(in[0], in[1])); }, {x, w});
  BOOST_TEST(r.ok, r.str());
  BOOST_TEST(r.elements_checked == 12);
  BOOST_TEST(r.max_abs_error < 1e-8);
  BOOST_TEST(r.str().find("passed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(fails_a_wrong_backward) {
  manual_seed(2);
  const Tensor x = uniform64({3}, 0.5, 1.0);
  const GradcheckReport r = sg::gradcheck([](In in) { return WrongSquare::apply({in[0]}); }, {x});
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.max_abs_error > 0.4);  // |3x - 2x| = x >= 0.5, weighted by at least 0.5
  BOOST_TEST(r.worst_input == 0);
  BOOST_TEST(r.str().find("FAILED") != std::string::npos);
  BOOST_TEST(!sg::testing::passes_gradcheck([](In in) { return WrongSquare::apply({in[0]}); }, {x}));
}

BOOST_AUTO_TEST_CASE(reports_the_worst_input_and_element) {
  manual_seed(3);
  const Tensor a = uniform64({2}), b = uniform64({2, 3});
  // input 0 is fine (an add), input 1 goes through the op that is wrong at element 4 only
  const GradcheckReport r =
      sg::gradcheck([](In in) { return sg::sum(in[0]) + OneBadElement::apply({in[1]}); }, {a, b});
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.worst_input == 1);
  BOOST_TEST(r.worst_element == 4);
  BOOST_TEST(r.worst_autograd - r.worst_numeric > 0.25);  // 0.5 times a weight in [0.5, 1.5)
  BOOST_TEST(r.elements_checked == 8);
}

BOOST_AUTO_TEST_CASE(prints_a_readable_report) {
  manual_seed(4);
  const Tensor x = uniform64({2, 3});
  const GradcheckReport r = sg::gradcheck([](In in) { return OneBadElement::apply({in[0]}); }, {x});
  const std::string s = r.str();
  for (const char* part : {"gradcheck FAILED", "6 elements", "max abs error", "input 0 element 4", "autograd", "numeric"})
    BOOST_TEST(s.find(part) != std::string::npos, "\"" << s << "\" lacks " << part);
  std::ostringstream os;
  os << r;
  BOOST_TEST(os.str() == s);
  BOOST_TEST(fmt::format("{}", r) == s);
}

BOOST_AUTO_TEST_CASE(refuses_float32_inputs) {
  Tensor x = sg::ones({2}).requires_grad_();
  BOOST_TEST(throws_with([&] { (void)sg::gradcheck([](In in) { return in[0] * 2.0; }, {x}); },
                         {"gradcheck", "float64", "input 0", "float32"}));
  // a float32 input that does not require grad is only a constant: allowed
  const Tensor c = sg::ones({2});
  Tensor y = sg::ones({2}, kFloat64).requires_grad_();
  BOOST_TEST(sg::gradcheck([](In in) { return in[0] * in[1].to(kFloat64); }, {y, c}).ok);
}

BOOST_AUTO_TEST_CASE(refuses_an_output_that_does_not_depend_on_the_inputs) {
  const Tensor x = uniform64({2});
  BOOST_TEST(throws_with([&] { (void)sg::gradcheck([](In) { return sg::ones({1}, kFloat64); }, {x}); },
                         {"gradcheck", "does not depend"}));
  BOOST_TEST(throws_with([&] { (void)sg::gradcheck([](In in) { return in[0].to(kFloat32); }, {x}); },
                         {"gradcheck", "float64", "float32"}));
}

BOOST_AUTO_TEST_CASE(leaves_the_callers_tensors_untouched) {
  Tensor x = sg::tensor({0.5, 1.5}, kFloat64).requires_grad_();
  const auto before = x.to_vector<double>();
  BOOST_TEST(sg::gradcheck([](In in) { return sg::exp(in[0]); }, {x}).ok);
  BOOST_TEST(x.to_vector<double>() == before, boost::test_tools::per_element());
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(an_input_without_a_gradient_path_counts_as_zero) {
  // in[1] requires grad but the output ignores it: autograd's gradient is zero and so is the numeric one
  const Tensor a = uniform64({2}), b = uniform64({2});
  const GradcheckReport r = sg::gradcheck([](In in) { return in[0] * 2.0; }, {a, b});
  BOOST_TEST(r.ok, r.str());
  BOOST_TEST(r.elements_checked == 4);
}

BOOST_AUTO_TEST_CASE(tolerances_are_options) {
  manual_seed(5);
  const Tensor x = uniform64({3});
  // a relative error of 1e-4 passes the default rtol of 1e-3 and fails an rtol of 1e-6
  BOOST_TEST(sg::gradcheck([](In in) { return Off::apply({in[0]}); }, {x}).ok);
  BOOST_TEST(!sg::gradcheck([](In in) { return Off::apply({in[0]}); }, {x}, {.atol = 1e-9, .rtol = 1e-6}).ok);
}

BOOST_AUTO_TEST_SUITE_END()
