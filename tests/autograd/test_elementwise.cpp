// Elementwise ops: every op is one row of a table (name, scalar reference, op), checked forward against
// the reference element by element and backward with float64 gradcheck; binary ops also over broadcasts.
#include <bit>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <ostream>

// GCC 12 warns falsely (-Wrestrict) inside Boost 1.74's data-driven test-name generation.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "autograd/kernels/elementwise.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;
BOOST_AUTO_TEST_SUITE(elementwise)

namespace bdata = boost::unit_test::data;

namespace {

// Where an op's inputs may come from: anywhere, strictly positive, or kept clear of its kinks.
struct Domain {
  double lo = -2.0, hi = 2.0;
  std::vector<double> kinks{};  // values a draw must stay 0.1 away from (relu at 0, clamp at its bounds)
};

double keep_off_kinks(double v, const Domain& domain) {
  for (int tries = 0; tries < 8; ++tries) {
    bool near = false;
    for (double k : domain.kinks) near = near || std::abs(v - k) < 0.1;
    if (!near) break;
    v += 0.25;
  }
  return v;
}

// A float64 tensor requiring grad with seeded values from the domain (the elements are filled in order,
// so the values depend only on the seed).
Tensor draw(const Shape& shape, const Domain& domain, uint64_t seed) {
  Generator g(seed);
  std::vector<double> values(size_t(shape.numel()));
  for (double& v : values) v = keep_off_kinks(domain.lo + (domain.hi - domain.lo) * g.uniform(), domain);
  Tensor t = sg::tensor(values, shape);
  return t.requires_grad_();
}

// Applies f to every element of a float64 tensor: the independent reference.
Tensor reference_map(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> out = x.to_vector<double>();
  for (double& v : out) v = f(v);
  return sg::tensor(out, x.shape());
}

// ---- unary ops (and ops with one tensor and a scalar) ----------------------------
struct UnaryCase {
  std::string name;
  std::function<double(double)> reference;
  std::function<Tensor(const Tensor&)> op;
  Domain domain{};
};
std::ostream& operator<<(std::ostream& os, const UnaryCase& c) { return os << c.name; }

double sigmoid_ref(double v) { return 1.0 / (1.0 + std::exp(-v)); }

const Domain kPositive{0.2, 3.0};
const Domain kOffZero{-2.0, 2.0, {0.0}};

const std::vector<UnaryCase> kUnaryCases = {
    {"neg", [](double v) { return -v; }, [](const Tensor& x) { return -x; }},
    {"add_scalar", [](double v) { return v + 2.5; }, [](const Tensor& x) { return x + 2.5; }},
    {"scalar_add", [](double v) { return 2.5 + v; }, [](const Tensor& x) { return 2.5 + x; }},
    {"sub_scalar", [](double v) { return v - 1.5; }, [](const Tensor& x) { return x - 1.5; }},
    {"scalar_sub", [](double v) { return 1.5 - v; }, [](const Tensor& x) { return 1.5 - x; }},
    {"mul_scalar", [](double v) { return v * -3.0; }, [](const Tensor& x) { return x * -3.0; }},
    {"scalar_mul", [](double v) { return 0.5 * v; }, [](const Tensor& x) { return 0.5 * x; }},
    {"div_scalar", [](double v) { return v / 4.0; }, [](const Tensor& x) { return x / 4.0; }},
    {"scalar_div", [](double v) { return 3.0 / v; }, [](const Tensor& x) { return 3.0 / x; }, kOffZero},
    {"pow_2", [](double v) { return v * v; }, [](const Tensor& x) { return sg::pow(x, 2.0); }},
    {"pow_3", [](double v) { return v * v * v; }, [](const Tensor& x) { return x.pow(3.0); }},
    {"pow_half", [](double v) { return std::sqrt(v); }, [](const Tensor& x) { return sg::pow(x, 0.5); }, kPositive},
    {"pow_minus_1_5", [](double v) { return 1.0 / (v * std::sqrt(v)); }, [](const Tensor& x) { return sg::pow(x, -1.5); },
     kPositive},
    {"pow_0", [](double) { return 1.0; }, [](const Tensor& x) { return sg::pow(x, 0.0); }},
    {"exp", [](double v) { return std::exp(v); }, [](const Tensor& x) { return sg::exp(x); }},
    {"log", [](double v) { return std::log(v); }, [](const Tensor& x) { return sg::log(x); }, kPositive},
    {"sqrt", [](double v) { return std::sqrt(v); }, [](const Tensor& x) { return x.sqrt(); }, kPositive},
    {"abs", [](double v) { return v < 0 ? -v : v; }, [](const Tensor& x) { return sg::abs(x); }, kOffZero},
    {"clamp", [](double v) { return v < -0.5 ? -0.5 : v > 0.7 ? 0.7 : v; },
     [](const Tensor& x) { return sg::clamp(x, -0.5, 0.7); }, {-2.0, 2.0, {-0.5, 0.7}}},
    {"sigmoid", sigmoid_ref, [](const Tensor& x) { return sg::sigmoid(x); }},
    {"tanh", [](double v) { return (std::exp(2 * v) - 1) / (std::exp(2 * v) + 1); },
     [](const Tensor& x) { return sg::tanh(x); }},
    {"relu", [](double v) { return v > 0 ? v : 0.0; }, [](const Tensor& x) { return sg::relu(x); }, kOffZero},
    {"leaky_relu_default", [](double v) { return v > 0 ? v : 0.01 * v; },
     [](const Tensor& x) { return sg::leaky_relu(x); }, kOffZero},
    {"leaky_relu_0_2", [](double v) { return v > 0 ? v : 0.2 * v; },
     [](const Tensor& x) { return sg::leaky_relu(x, 0.2); }, kOffZero},
    {"scalar_pow", [](double v) { return std::exp(v * std::log(2.5)); }, [](const Tensor& x) { return sg::pow(2.5, x); }},
    {"sin", [](double v) { return std::sin(v); }, [](const Tensor& x) { return sg::sin(x); }},
    {"cos", [](double v) { return std::cos(v); }, [](const Tensor& x) { return sg::cos(x); }},
    {"rsqrt", [](double v) { return 1.0 / std::sqrt(v); }, [](const Tensor& x) { return sg::rsqrt(x); }, kPositive},
    {"log1p", [](double v) { return std::log(1.0 + v); }, [](const Tensor& x) { return sg::log1p(x); }, {-0.9, 2.0}},
    {"expm1", [](double v) { return std::exp(v) - 1.0; }, [](const Tensor& x) { return sg::expm1(x); }},
    {"erf", [](double v) { return std::erf(v); }, [](const Tensor& x) { return sg::erf(x); }},
    {"sign", [](double v) { return v > 0 ? 1.0 : -1.0; }, [](const Tensor& x) { return sg::sign(x); }, kOffZero},
    {"gelu", [](double v) { return v * 0.5 * std::erfc(-v / std::sqrt(2.0)); }, [](const Tensor& x) { return sg::gelu(x); }},
    {"gelu_tanh", [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v))); },
     [](const Tensor& x) { return sg::gelu(x, "tanh"); }},
    {"silu", [](double v) { return v * sigmoid_ref(v); }, [](const Tensor& x) { return sg::silu(x); }},
    {"softplus", [](double v) { return std::log(1 + std::exp(v)); }, [](const Tensor& x) { return sg::softplus(x); }},
    {"softplus_beta_2_threshold_1", [](double v) { return 2 * v > 1 ? v : std::log(1 + std::exp(2 * v)) / 2; },
     [](const Tensor& x) { return sg::softplus(x, 2.0, 1.0); }, {-2.0, 2.0, {0.5}}},
    {"elu", [](double v) { return v > 0 ? v : std::exp(v) - 1; }, [](const Tensor& x) { return sg::elu(x); }, kOffZero},
    {"elu_alpha_0_5", [](double v) { return v > 0 ? v : 0.5 * (std::exp(v) - 1); },
     [](const Tensor& x) { return sg::elu(x, 0.5); }, kOffZero},
};

// A few fixed values inside the case's domain, off its kinks, with both signs where allowed.
Tensor fixed_values(const Domain& domain) {
  std::vector<double> values;
  for (double v : {-1.75, -0.9, -0.3, 0.35, 0.8, 1.3, 2.9})
    if (v >= domain.lo && v <= domain.hi) values.push_back(keep_off_kinks(v, domain));
  return sg::tensor(values, {int64_t(values.size())});
}

// ---- binary ops of two tensors -----------------------------------------------------
struct BinaryCase {
  std::string name;
  std::function<double(double, double)> reference;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  Domain b_domain{};
  Domain a_domain{};
};
std::ostream& operator<<(std::ostream& os, const BinaryCase& c) { return os << c.name; }

const std::vector<BinaryCase> kBinaryCases = {
    {"add", [](double a, double b) { return a + b; }, [](const Tensor& a, const Tensor& b) { return a + b; }},
    {"sub", [](double a, double b) { return a - b; }, [](const Tensor& a, const Tensor& b) { return a - b; }},
    {"mul", [](double a, double b) { return a * b; }, [](const Tensor& a, const Tensor& b) { return a * b; }},
    {"div", [](double a, double b) { return a / b; }, [](const Tensor& a, const Tensor& b) { return a / b; },
     {-2.0, 2.0, {0.0}}},
    {"maximum", [](double a, double b) { return a > b ? a : b; },
     [](const Tensor& a, const Tensor& b) { return sg::maximum(a, b); }},
    {"minimum", [](double a, double b) { return a < b ? a : b; },
     [](const Tensor& a, const Tensor& b) { return sg::minimum(a, b); }},
    {"pow", [](double a, double b) { return std::exp(b * std::log(a)); },
     [](const Tensor& a, const Tensor& b) { return sg::pow(a, b); }, Domain{}, kPositive},
};

struct ShapePair {
  Shape a, b, out;
};
std::ostream& operator<<(std::ostream& os, const ShapePair& p) { return os << p.a << " with " << p.b; }

const std::vector<ShapePair> kShapePairs = {
    {{2, 3}, {2, 3}, {2, 3}},           {{2, 3}, {3}, {2, 3}},       {{3}, {2, 3}, {2, 3}},
    {{2, 1, 4}, {3, 1}, {2, 3, 4}},     {{4, 1}, {1, 5}, {4, 5}},    {{2, 3}, {}, {2, 3}},
    {{}, {3, 2}, {3, 2}},               {{}, {}, {}},                {{2, 3, 4}, {2, 1, 4}, {2, 3, 4}},
    {{2, 1, 1, 3}, {4, 1, 1}, {2, 4, 1, 3}},
};

// Naive broadcasting for the reference: the input element that output index `out_index` reads.
int64_t source_offset(const Shape& in, const Shape& out, int64_t out_flat) {
  int64_t offset = 0, stride = 1;
  for (int64_t d = out.size() - 1, k = in.size() - 1; d >= 0; --d, --k) {
    const int64_t i = out_flat % out[d];
    out_flat /= out[d];
    if (k >= 0) {
      if (in[k] != 1) offset += i * stride;
      stride *= in[k];
    }
  }
  return offset;
}

}  // namespace

BOOST_DATA_TEST_CASE(unary_forward_matches_scalar_reference, bdata::make(kUnaryCases), c) {
  const Tensor x = fixed_values(c.domain).to(kFloat64);
  BOOST_TEST(all_close(c.op(x), reference_map(x, c.reference), 1e-12, 1e-12));
  // float32 keeps the dtype and agrees to float precision.
  const Tensor y32 = c.op(x.to(kFloat32));
  BOOST_TEST(y32.dtype() == kFloat32);
  BOOST_TEST(all_close(y32, reference_map(x, c.reference), 1e-5, 1e-5));
}

BOOST_DATA_TEST_CASE(unary_grad_matches_finite_differences, bdata::make(kUnaryCases), c) {
  const Tensor x = draw({2, 3}, c.domain, 11);
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0]); }, {x}));
  const Tensor x3 = draw({3, 1, 2}, c.domain, 12);  // non-square, rank 3
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0]); }, {x3}));
}

BOOST_DATA_TEST_CASE(unary_keeps_scalar_tensors_zero_dimensional, bdata::make(kUnaryCases), c) {
  const Tensor x = sg::scalar_tensor(keep_off_kinks(0.8, c.domain), kFloat64);
  const Tensor y = c.op(x);
  BOOST_TEST(y.dim() == 0);
  BOOST_TEST(y.item() == c.reference(x.item()), boost::test_tools::tolerance(1e-12));
}

BOOST_DATA_TEST_CASE(binary_forward_broadcasts_like_numpy, bdata::make(kBinaryCases) * bdata::make(kShapePairs), c,
                     shapes) {
  const Tensor a = draw(shapes.a, c.a_domain, 21).detach(), b = draw(shapes.b, c.b_domain, 22).detach();
  const Tensor y = c.op(a, b);
  BOOST_TEST(y.shape() == shapes.out);
  const auto av = a.to_vector<double>(), bv = b.to_vector<double>();
  std::vector<double> expected(size_t(shapes.out.numel()));
  for (int64_t i = 0; i < shapes.out.numel(); ++i)
    expected[i] = c.reference(av[source_offset(shapes.a, shapes.out, i)], bv[source_offset(shapes.b, shapes.out, i)]);
  BOOST_TEST(all_close(y, sg::tensor(expected, shapes.out), 1e-12, 1e-12));
}

BOOST_DATA_TEST_CASE(binary_grad_matches_finite_differences, bdata::make(kBinaryCases) * bdata::make(kShapePairs), c,
                     shapes) {
  const Tensor a = draw(shapes.a, c.a_domain, 31), b = draw(shapes.b, c.b_domain, 32);
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); }, {a, b}));
}

BOOST_DATA_TEST_CASE(binary_grad_reaches_one_side_when_the_other_is_constant, bdata::make(kBinaryCases), c) {
  const Tensor a = draw({2, 3}, c.a_domain, 41), b = draw({3}, c.b_domain, 42).detach();
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); }, {a, b}));
  const Tensor a2 = draw({2, 3}, c.a_domain, 43).detach(), b2 = draw({3}, c.b_domain, 44);
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); }, {a2, b2}));
}

BOOST_AUTO_TEST_CASE(broadcast_add_grad_sums_over_repeated_dims) {
  // y = a (2,3) + b (3): each b[j] is used twice, so its gradient from sum(y) is 2.
  Tensor a = sg::zeros({2, 3}, kFloat64).requires_grad_();
  Tensor b = sg::zeros({3}, kFloat64).requires_grad_();
  (a + b).sum().backward();
  BOOST_TEST(all_close(a.grad(), sg::ones({2, 3}, kFloat64)));
  BOOST_TEST(all_close(b.grad(), sg::full({3}, 2.0, kFloat64)));
}

// PyTorch's rule for maximum / minimum: at a tie each side gets dy / 2, the winner dy and the loser 0; a
// broadcast side then sums its shares back to its own shape. Where either side is NaN neither comparison
// holds, so both get dy.
BOOST_AUTO_TEST_CASE(maximum_and_minimum_split_the_gradient_at_ties) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    BOOST_TEST_CONTEXT(dtype) {
      Tensor a = sg::tensor({1.0, 2.0, 3.0, nan}, dtype).requires_grad_();
      Tensor b = sg::tensor({1.0, 5.0, 3.0, 0.0}, dtype).requires_grad_();
      const Tensor dy = sg::tensor({2.0, 4.0, 6.0, 8.0}, dtype);
      sg::maximum(a, b).backward(dy);
      BOOST_TEST(all_close(a.grad(), sg::tensor({1.0, 0.0, 3.0, 8.0}, dtype), 0, 0));
      BOOST_TEST(all_close(b.grad(), sg::tensor({1.0, 4.0, 3.0, 8.0}, dtype), 0, 0));
      a.zero_grad();
      b.zero_grad();
      sg::minimum(a, b).backward(dy);
      BOOST_TEST(all_close(a.grad(), sg::tensor({1.0, 4.0, 3.0, 8.0}, dtype), 0, 0));
      BOOST_TEST(all_close(b.grad(), sg::tensor({1.0, 0.0, 3.0, 8.0}, dtype), 0, 0));

      // a (2, 3) against b (3), broadcast over the rows. maximum: row 0 ties in columns 0 and 1 and a wins
      // column 2; row 1: a wins column 0, ties in column 1, b wins column 2.
      Tensor a2 = sg::tensor({{1.0, 2.0, 3.0}, {3.0, 2.0, 1.0}}, dtype).requires_grad_();
      Tensor b2 = sg::tensor({1.0, 2.0, 2.0}, dtype).requires_grad_();
      const Tensor dy2 = sg::tensor({{1.0, 2.0, 4.0}, {8.0, 16.0, 32.0}}, dtype);
      sg::maximum(a2, b2).backward(dy2);
      BOOST_TEST(all_close(a2.grad(), sg::tensor({{0.5, 1.0, 4.0}, {8.0, 8.0, 0.0}}, dtype), 0, 0));
      // b's shares (0.5, 1, 0) and (0, 8, 32), summed over the rows.
      BOOST_TEST(all_close(b2.grad(), sg::tensor({0.5, 9.0, 32.0}, dtype), 0, 0));
      // minimum: the same ties, the other side winning.
      a2.zero_grad();
      b2.zero_grad();
      sg::minimum(a2, b2).backward(dy2);
      BOOST_TEST(all_close(a2.grad(), sg::tensor({{0.5, 1.0, 0.0}, {0.0, 8.0, 32.0}}, dtype), 0, 0));
      BOOST_TEST(all_close(b2.grad(), sg::tensor({0.5 + 8.0, 1.0 + 8.0, 4.0}, dtype), 0, 0));

      // An infinite dy stays off the losing side (0, not inf * 0 = NaN), as PyTorch's masked_fill leaves it.
      Tensor a3 = sg::tensor({1.0}, dtype).requires_grad_(), b3 = sg::tensor({2.0}, dtype).requires_grad_();
      sg::maximum(a3, b3).backward(sg::tensor({std::numeric_limits<double>::infinity()}, dtype));
      BOOST_TEST(a3.grad().item() == 0.0);
    }
  }
}

// PyTorch's maximum / minimum return NaN where either input is NaN, whichever side it is on, on the same
// shape path and the broadcast one.
BOOST_AUTO_TEST_CASE(maximum_and_minimum_propagate_nan_from_either_side) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    BOOST_TEST_CONTEXT(dtype) {
      const Tensor a = sg::tensor({1.0, nan, nan, 2.0}, dtype), b = sg::tensor({nan, 1.0, nan, 1.0}, dtype);
      BOOST_TEST(all_close(sg::maximum(a, b), sg::tensor({nan, nan, nan, 2.0}, dtype), 0, 0));
      BOOST_TEST(all_close(sg::maximum(b, a), sg::tensor({nan, nan, nan, 2.0}, dtype), 0, 0));
      BOOST_TEST(all_close(sg::minimum(a, b), sg::tensor({nan, nan, nan, 1.0}, dtype), 0, 0));
      BOOST_TEST(all_close(sg::minimum(b, a), sg::tensor({nan, nan, nan, 1.0}, dtype), 0, 0));
      const Tensor n = sg::tensor({nan}, dtype), x = sg::tensor({{-1.0, 0.0}, {1.0, 2.0}}, dtype);
      const Tensor all_nan = sg::full({2, 2}, nan, dtype);
      BOOST_TEST(all_close(sg::maximum(x, n), all_nan, 0, 0));
      BOOST_TEST(all_close(sg::maximum(n, x), all_nan, 0, 0));
      BOOST_TEST(all_close(sg::minimum(x, n), all_nan, 0, 0));
      BOOST_TEST(all_close(sg::minimum(n, x), all_nan, 0, 0));
    }
  }
}

// PyTorch: relu and clamp of NaN are NaN. relu's gradient there is dy (PyTorch's threshold backward
// zeroes it only where the output is <= 0, which NaN is not); clamp's is 0 (it keeps dy only where
// min <= x <= max, which NaN is not).
BOOST_AUTO_TEST_CASE(relu_and_clamp_keep_nan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    BOOST_TEST_CONTEXT(dtype) {
      Tensor x = sg::tensor({nan, -1.0, 2.0}, dtype).requires_grad_();
      const Tensor y = sg::relu(x);
      BOOST_TEST(all_close(y, sg::tensor({nan, 0.0, 2.0}, dtype), 0, 0));
      y.backward(sg::tensor({3.0, 3.0, 3.0}, dtype));
      BOOST_TEST(all_close(x.grad(), sg::tensor({3.0, 0.0, 3.0}, dtype), 0, 0));
      x.zero_grad();
      const Tensor c = sg::clamp(x, -0.5, 0.5);
      BOOST_TEST(all_close(c, sg::tensor({nan, -0.5, 0.5}, dtype), 0, 0));
      c.backward(sg::tensor({3.0, 3.0, 3.0}, dtype));
      BOOST_TEST(all_close(x.grad(), sg::tensor({0.0, 0.0, 0.0}, dtype), 0, 0));
    }
  }
}

// maximum and minimum over 96K elements (several chunks) with ties and NaNs, same shapes and broadcast:
// 1 and 2 threads give the same bits forward and backward.
BOOST_AUTO_TEST_CASE(maximum_and_minimum_give_identical_bits_on_one_and_two_threads) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto values = [&](int64_t n, uint64_t state) {  // integers -2 .. 2, so values tie; 1 in 100 a NaN
    std::vector<double> v(static_cast<size_t>(n));
    for (double& e : v) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      e = (state >> 33) % 100 == 0 ? nan : double((state >> 40) % 5) - 2.0;
    }
    return v;
  };
  for (const Dtype dtype : {kFloat32, kFloat64})
    for (const Shape& b_shape : {Shape({96, 1024}), Shape({1024})}) {
      const Tensor a = sg::tensor(values(96 * 1024, 1), {96, 1024}).to(dtype);
      const Tensor b = sg::tensor(values(b_shape.numel(), 2), b_shape).to(dtype);
      const auto run = [&](int threads) {
        ThreadCount count(threads);
        std::vector<Tensor> results;
        for (const bool max : {true, false}) {
          Tensor ga = a.detach().requires_grad_(), gb = b.detach().requires_grad_();
          const Tensor y = max ? sg::maximum(ga, gb) : sg::minimum(ga, gb);
          y.backward(ones_like(y));
          results.insert(results.end(), {y, ga.grad(), gb.grad()});
        }
        return results;
      };
      const std::vector<Tensor> one = run(1), two = run(2);
      for (size_t k = 0; k < one.size(); ++k)
        BOOST_TEST(bitwise_equal(one[k], two[k]), dtype << " b " << b_shape << ", result " << k);
    }
}

BOOST_AUTO_TEST_CASE(kinks_have_the_documented_gradient) {
  // relu and abs: 0 at x == 0; clamp: 1 at the bounds, 0 outside.
  Tensor x = sg::tensor({-1.0, 0.0, 2.0}, kFloat64).requires_grad_();
  sg::relu(x).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({0.0, 0.0, 1.0}, kFloat64)));
  x.zero_grad();
  sg::abs(x).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({-1.0, 0.0, 1.0}, kFloat64)));
  Tensor z = sg::tensor({-2.0, -1.0, 0.0, 1.0, 2.0}, kFloat64).requires_grad_();
  sg::clamp(z, -1.0, 1.0).sum().backward();
  BOOST_TEST(all_close(z.grad(), sg::tensor({0.0, 1.0, 1.0, 1.0, 0.0}, kFloat64)));
}

BOOST_AUTO_TEST_CASE(sigmoid_and_exp_saturate_without_nan) {
  const Tensor x = sg::tensor({-1000.0, 1000.0}, kFloat64);
  BOOST_TEST(sg::sigmoid(x).to_vector<double>() == std::vector<double>({0.0, 1.0}), boost::test_tools::per_element());
  BOOST_TEST(sg::tanh(x).to_vector<double>() == std::vector<double>({-1.0, 1.0}), boost::test_tools::per_element());
  Tensor z = x.clone().detach().requires_grad_();
  sg::sigmoid(z).sum().backward();
  BOOST_TEST(z.grad().to_vector<double>() == std::vector<double>({0.0, 0.0}), boost::test_tools::per_element());
}

// ---- the vectorisable float exp behind float32 sigmoid -------------------------------
// Distance from the float result to the exact value, in units of the last place of the exact value.
double ulps_from(float got, double exact) {
  const double ulp = std::ldexp(1.0, std::ilogb(exact) - std::numeric_limits<float>::digits + 1);
  return std::abs(double(got) - exact) / ulp;
}

// The largest ulps_from over the values a test tries, and the value it was found at.
struct WorstUlps {
  double worst = 0.0, at = 0.0;
  void add(float x, float got, double exact) {
    const double err = ulps_from(got, exact);
    if (err > worst) worst = err, at = x;
  }
};

BOOST_AUTO_TEST_CASE(exp_vectorisable_is_within_2_ulp_of_exp_on_its_range) {
  WorstUlps ulps;
  for (int64_t i = 0; i <= 1'750'000; ++i) {  // [-87, 88] in steps of 1e-4, plus a prime offset
    const float x = float(-87.0 + 1e-4 * double(i) + (i % 7) * 1.3e-5);
    if (x > 88.0f) break;
    ulps.add(x, sg::kernels::exp_vectorisable(x), std::exp(double(x)));
  }
  BOOST_TEST_INFO("worst " << ulps.worst << " ulp at x = " << ulps.at);
  BOOST_TEST(ulps.worst <= 2.0);
  BOOST_TEST(sg::kernels::exp_vectorisable(0.0f) == 1.0f);
}

// Phi behind float32 gelu: relative error against erfc in double, the left tail included (Phi(-12) is
// about 1.8e-33), where 1 + erf would have cancelled to 0. In the tail the error grows with x^2: e^(-x^2 / 2)
// is computed from a float x^2, itself rounded (x^2 / 2 = 72 there, and half an ulp of 72 is 2.4e-6).
BOOST_AUTO_TEST_CASE(normal_cdf_vectorisable_keeps_its_relative_accuracy_into_the_left_tail) {
  double worst = 0.0, worst_at = 0.0;
  for (int64_t i = 0; i <= 240'000; ++i) {  // [-12, 12] in steps of 1e-4
    const float x = float(-12.0 + 1e-4 * double(i));
    const double exact = 0.5 * std::erfc(-double(x) / std::sqrt(2.0));
    const double err = std::abs(double(sg::kernels::normal_cdf_vectorisable(x)) - exact) / exact;
    const double allowed = 4e-7 * (1 + double(x) * double(x) / 2);  // a few float ulps, times (1 + x^2 / 2)
    if (err / allowed > worst) worst = err / allowed, worst_at = x;
  }
  BOOST_TEST_INFO("worst relative error " << worst << " of the allowed 4e-7 (1 + x^2 / 2), at x = " << worst_at);
  BOOST_TEST(worst <= 1.0);
  BOOST_TEST(sg::kernels::normal_cdf_vectorisable(0.0f) == 0.5f);
  BOOST_TEST(sg::kernels::normal_cdf_vectorisable(20.0f) == 1.0f);
  BOOST_TEST(sg::kernels::normal_cdf_vectorisable(-20.0f) == 0.0f);  // 2.8e-89: below every float
}

// tanh behind float32 tanh and gelu's tanh form: within 2 ulp of tanh in double on [-10, 10] (beyond, both
// are +-1), down to tiny |x| where the polynomial must give x itself, and around the switch at 0.625.
BOOST_AUTO_TEST_CASE(tanh_vectorisable_is_within_2_ulp_of_tanh) {
  WorstUlps ulps;
  const auto check = [&](float x) { ulps.add(x, sg::kernels::tanh_vectorisable(x), std::tanh(double(x))); };
  for (int64_t i = 0; i <= 2'000'000; ++i) check(float(-10.0 + 1e-5 * double(i) + (i % 7) * 1.3e-6));
  for (float x = 1e-30f; x < 1.0f; x *= 1.01f) check(x), check(-x);
  for (float x = 0.62f; x < 0.63f; x = std::nextafter(x, 1.0f)) check(x);
  BOOST_TEST_INFO("worst " << ulps.worst << " ulp at x = " << ulps.at);
  BOOST_TEST(ulps.worst <= 2.0);
}

// ln behind float32 log: within 1 ulp of ln in double over the whole positive range, subnormals
// included (every 97th float from the smallest subnormal to the largest finite one).
BOOST_AUTO_TEST_CASE(log_vectorisable_is_within_1_ulp_of_ln_for_every_positive_float) {
  WorstUlps ulps;
  for (uint32_t bits = 1; bits < 0x7f800000u; bits += 97) {
    const float x = std::bit_cast<float>(bits);
    const double exact = std::log(double(x));
    if (exact == 0)  // ulps have no scale at 0: ln 1 must be 0 exactly
      BOOST_TEST(sg::kernels::log_vectorisable(x) == 0.0f);
    else
      ulps.add(x, sg::kernels::log_vectorisable(x), exact);
  }
  BOOST_TEST_INFO("worst " << ulps.worst << " ulp at x = " << ulps.at);
  BOOST_TEST(ulps.worst <= 1.0);
  BOOST_TEST(sg::kernels::log_vectorisable(1.0f) == 0.0f);
}

// ln(1 + u) behind float32 softplus: within 2.5 ulp of log1p for every u > -1 tried (every 97th float
// of either sign), tiny u included, where ln(1 + u) alone would give 0.
BOOST_AUTO_TEST_CASE(log1p_vectorisable_is_within_2_5_ulp_of_log1p) {
  WorstUlps ulps;
  for (uint32_t bits = 1; bits < 0x7f800000u; bits += 97)
    for (const float u : {std::bit_cast<float>(bits), -std::bit_cast<float>(bits)})
      if (u > -1.0f) ulps.add(u, sg::kernels::log1p_vectorisable(u), std::log1p(double(u)));
  BOOST_TEST_INFO("worst " << ulps.worst << " ulp at u = " << ulps.at);
  BOOST_TEST(ulps.worst <= 2.5);
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_TEST(sg::kernels::log1p_vectorisable(1e-30f) == 1e-30f);
  BOOST_TEST(std::signbit(sg::kernels::log1p_vectorisable(-0.0f)));
  BOOST_TEST(sg::kernels::log1p_vectorisable(-1.0f) == -inf);
  BOOST_TEST(sg::kernels::log1p_vectorisable(inf) == inf);
  BOOST_TEST(std::isnan(sg::kernels::log1p_vectorisable(-2.0f)));
}

BOOST_AUTO_TEST_CASE(log_vectorisable_gives_inf_at_0_and_inf_and_nan_below_0) {
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_TEST(sg::kernels::log_vectorisable(0.0f) == -inf);
  BOOST_TEST(sg::kernels::log_vectorisable(-0.0f) == -inf);
  BOOST_TEST(sg::kernels::log_vectorisable(inf) == inf);
  BOOST_TEST(std::isnan(sg::kernels::log_vectorisable(-1e-30f)));
  BOOST_TEST(std::isnan(sg::kernels::log_vectorisable(-inf)));
  BOOST_TEST(std::isnan(sg::kernels::log_vectorisable(std::numeric_limits<float>::quiet_NaN())));
  const std::vector<float> y = sg::log(sg::tensor(std::vector<float>{0.0f, 1.0f, -2.0f}, {3})).to_vector<float>();
  BOOST_TEST(y[0] == -inf);
  BOOST_TEST(y[1] == 0.0f);
  BOOST_TEST(std::isnan(y[2]));
}

BOOST_AUTO_TEST_CASE(tanh_vectorisable_saturates_and_keeps_the_sign_of_zero_and_nan) {
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_TEST(sg::kernels::tanh_vectorisable(50.0f) == 1.0f);
  BOOST_TEST(sg::kernels::tanh_vectorisable(inf) == 1.0f);
  BOOST_TEST(sg::kernels::tanh_vectorisable(-inf) == -1.0f);
  BOOST_TEST(std::signbit(sg::kernels::tanh_vectorisable(-0.0f)));
  BOOST_TEST(sg::kernels::tanh_vectorisable(0.0f) == 0.0f);
  BOOST_TEST(!std::signbit(sg::kernels::tanh_vectorisable(0.0f)));
  BOOST_TEST(std::isnan(sg::kernels::tanh_vectorisable(std::numeric_limits<float>::quiet_NaN())));
  const Tensor y = sg::tanh(sg::tensor(std::vector<float>{-1000.0f, 1000.0f, -0.0f}, {3}));
  BOOST_TEST(y.to_vector<float>() == std::vector<float>({-1.0f, 1.0f, -0.0f}), boost::test_tools::per_element());
  BOOST_TEST(std::signbit(y.to_vector<float>()[2]));
}

BOOST_AUTO_TEST_CASE(exp_vectorisable_saturates_to_0_and_inf_and_keeps_nan) {
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_TEST(sg::kernels::exp_vectorisable(-100.0f) == 0.0f);
  BOOST_TEST(sg::kernels::exp_vectorisable(-inf) == 0.0f);
  BOOST_TEST(sg::kernels::exp_vectorisable(100.0f) == inf);
  BOOST_TEST(sg::kernels::exp_vectorisable(inf) == inf);
  BOOST_TEST(std::isnan(sg::kernels::exp_vectorisable(std::numeric_limits<float>::quiet_NaN())));
  const Tensor y = sg::sigmoid(sg::tensor({-1000.0, 1000.0}, kFloat32));
  BOOST_TEST(y.to_vector<float>() == std::vector<float>({0.0f, 1.0f}), boost::test_tools::per_element());
}

// A long tensor runs through the vectorised loop, a one-element tensor through the scalar tail:
// each element must come out bitwise the same either way.
BOOST_AUTO_TEST_CASE(float32_transcendentals_do_not_depend_on_where_an_element_falls_in_the_loop) {
  std::vector<float> values(1003);
  for (size_t i = 0; i < values.size(); ++i) values[i] = -12.0f + 0.024f * float(i) + (i % 3) * 1e-3f;
  const std::vector<std::function<Tensor(const Tensor&)>> ops = {
      [](const Tensor& x) { return sg::sigmoid(x); }, [](const Tensor& x) { return sg::tanh(x); },
      [](const Tensor& x) { return sg::exp(x); }, [](const Tensor& x) { return sg::log(sg::abs(x)); },
      [](const Tensor& x) { return sg::softplus(x); }, [](const Tensor& x) { return sg::log1p(sg::abs(x)); }};
  for (const auto& op : ops) {
    const std::vector<float> whole = op(sg::tensor(values, {int64_t(values.size())})).to_vector<float>();
    for (size_t i = 0; i < values.size(); ++i) {
      const float alone = op(sg::tensor(std::vector<float>{values[i]}, {1})).to_vector<float>()[0];
      BOOST_TEST_INFO("index " << i << " x = " << values[i]);
      BOOST_TEST(whole[i] == alone);
    }
  }
}

BOOST_AUTO_TEST_CASE(int64_arithmetic_is_exact_and_division_is_refused) {
  const Tensor a = sg::tensor(std::vector<int64_t>{1, 2, 3}, {3});
  const Tensor b = sg::tensor(std::vector<int64_t>{10, 20, 30}, {3});
  BOOST_TEST((a + b).to_vector<int64_t>() == std::vector<int64_t>({11, 22, 33}), boost::test_tools::per_element());
  BOOST_TEST((a * b).dtype() == kInt64);
  BOOST_TEST(throws_with([&] { (void)sg::div(a, b); }, {"div", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::exp(a); }, {"exp", "int64"}));
}

// An op's output has its input's dtype here, so an op with a scalar refuses int64 (int64 * 2.5 is a float
// in PyTorch) rather than truncate the scalar or divide by an integer 0. Tensor +, - and * of int64 wrap
// around on overflow, as in PyTorch, where plain int64 arithmetic would be undefined behaviour.
BOOST_AUTO_TEST_CASE(int64_ops_with_a_scalar_are_refused_and_int64_overflow_wraps) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  const Tensor a = sg::tensor(std::vector<int64_t>{1, kMax, kMin}, {3});
  BOOST_TEST(throws_with([&] { (void)sg::mul(a, 2.5); }, {"mul", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::add(a, 0.9); }, {"add", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::div(a, 0.0); }, {"div", "int64"}));
  BOOST_TEST(throws_with([&] { (void)sg::rdiv(a, 1.0); }, {"rdiv", "int64"}));
  const Tensor one = sg::ones({3}, kInt64), minus_one = sg::full({3}, -1.0, kInt64);
  BOOST_TEST(sg::add(a, one).to_vector<int64_t>() == std::vector<int64_t>({2, kMin, kMin + 1}),
             boost::test_tools::per_element());
  BOOST_TEST(sg::sub(a, one).to_vector<int64_t>() == std::vector<int64_t>({0, kMax - 1, kMax}),
             boost::test_tools::per_element());
  BOOST_TEST(sg::mul(a, minus_one).to_vector<int64_t>() == std::vector<int64_t>({-1, -kMax, kMin}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(comparisons_give_zero_or_one_in_the_input_dtype) {
  const Tensor a = sg::tensor({1.0, 2.0, 3.0}, kFloat64);
  const Tensor b = sg::tensor({2.0, 3.0}, kFloat64).reshape({2, 1});  // broadcasts to (2, 3)
  BOOST_TEST(all_close(sg::lt(a, b), sg::tensor({{1.0, 0.0, 0.0}, {1.0, 1.0, 0.0}}, kFloat64)));
  BOOST_TEST(all_close(sg::le(a, b), sg::tensor({{1.0, 1.0, 0.0}, {1.0, 1.0, 1.0}}, kFloat64)));
  BOOST_TEST(all_close(sg::gt(a, b), sg::tensor({{0.0, 0.0, 1.0}, {0.0, 0.0, 0.0}}, kFloat64)));
  BOOST_TEST(all_close(sg::ge(a, b), sg::tensor({{0.0, 1.0, 1.0}, {0.0, 0.0, 1.0}}, kFloat64)));
  BOOST_TEST(all_close(sg::eq(a, b), sg::tensor({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}, kFloat64)));
  BOOST_TEST(all_close(sg::ne(a, b), sg::tensor({{1.0, 0.0, 1.0}, {1.0, 1.0, 0.0}}, kFloat64)));
  BOOST_TEST(sg::lt(a, b).dtype() == kFloat64);
  BOOST_TEST(all_close(sg::gt(a, 1.5), sg::tensor({0.0, 1.0, 1.0}, kFloat64)));
  BOOST_TEST(all_close(sg::lt(a, 1.5), sg::tensor({1.0, 0.0, 0.0}, kFloat64)));
  BOOST_TEST(all_close(sg::eq(a, 2.0), sg::tensor({0.0, 1.0, 0.0}, kFloat64)));
  const Tensor labels = sg::tensor(std::vector<int64_t>{0, 2, 2}, {3});
  BOOST_TEST(sg::eq(labels, 2.0).to_vector<int64_t>() == std::vector<int64_t>({0, 1, 1}), boost::test_tools::per_element());
}

// From PyTorch 1.13: torch.eq(a, b) ... torch.logical_or(a, b), logical_not(a), as float64, with
// a = [nan, -1, 0, -0, 2, inf] against b = [[0], [2], [nan]] (broadcast to (3, 6)) and against 0.0 and nan.
// NaN compares unequal to everything, and is true for the logical ops.
BOOST_AUTO_TEST_CASE(comparison_operators_and_logic_match_pytorch) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const Tensor a = sg::tensor({nan, -1.0, 0.0, -0.0, 2.0, inf}, kFloat64);
  const Tensor b = sg::tensor({{0.0}, {2.0}, {nan}}, kFloat64);
  const auto rows = [](const NestedList& v) { return sg::tensor(v, kFloat64); };
  BOOST_TEST(all_close(a == b, rows({{0, 0, 1, 1, 0, 0}, {0, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 0}}), 0, 0));
  BOOST_TEST(all_close(a != b, rows({{1, 1, 0, 0, 1, 1}, {1, 1, 1, 1, 0, 1}, {1, 1, 1, 1, 1, 1}}), 0, 0));
  BOOST_TEST(all_close(a < b, rows({{0, 1, 0, 0, 0, 0}, {0, 1, 1, 1, 0, 0}, {0, 0, 0, 0, 0, 0}}), 0, 0));
  BOOST_TEST(all_close(a <= b, rows({{0, 1, 1, 1, 0, 0}, {0, 1, 1, 1, 1, 0}, {0, 0, 0, 0, 0, 0}}), 0, 0));
  BOOST_TEST(all_close(a > b, rows({{0, 0, 0, 0, 1, 1}, {0, 0, 0, 0, 0, 1}, {0, 0, 0, 0, 0, 0}}), 0, 0));
  BOOST_TEST(all_close(a >= b, rows({{0, 0, 1, 1, 1, 1}, {0, 0, 0, 0, 1, 1}, {0, 0, 0, 0, 0, 0}}), 0, 0));
  BOOST_TEST(all_close(sg::logical_and(a, b), rows({{0, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 1, 1}, {1, 1, 0, 0, 1, 1}}), 0, 0));
  BOOST_TEST(all_close(sg::logical_or(a, b), rows({{1, 1, 0, 0, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}}), 0, 0));
  BOOST_TEST(all_close(sg::logical_not(a), rows({0, 0, 1, 1, 0, 0}), 0, 0));
  // Against a scalar, on either side.
  BOOST_TEST(all_close(a == 0.0, rows({0, 0, 1, 1, 0, 0}), 0, 0));
  BOOST_TEST(all_close(a != 0.0, rows({1, 1, 0, 0, 1, 1}), 0, 0));
  BOOST_TEST(all_close(a < 0.0, rows({0, 1, 0, 0, 0, 0}), 0, 0));
  BOOST_TEST(all_close(a <= 0.0, rows({0, 1, 1, 1, 0, 0}), 0, 0));
  BOOST_TEST(all_close(a > 0.0, rows({0, 0, 0, 0, 1, 1}), 0, 0));
  BOOST_TEST(all_close(a >= 0.0, rows({0, 0, 1, 1, 1, 1}), 0, 0));
  BOOST_TEST(all_close(0.0 > a, a < 0.0, 0, 0));
  BOOST_TEST(all_close(0.0 >= a, a <= 0.0, 0, 0));
  BOOST_TEST(all_close(0.0 < a, a > 0.0, 0, 0));
  BOOST_TEST(all_close(0.0 <= a, a >= 0.0, 0, 0));
  BOOST_TEST(all_close(0.0 == a, a == 0.0, 0, 0));
  BOOST_TEST(all_close(0.0 != a, a != 0.0, 0, 0));
  BOOST_TEST(all_close(sg::ne(a, nan), rows({1, 1, 1, 1, 1, 1}), 0, 0));
  BOOST_TEST(all_close(sg::le(a, nan), rows({0, 0, 0, 0, 0, 0}), 0, 0));
  BOOST_TEST(all_close(sg::ge(a, nan), rows({0, 0, 0, 0, 0, 0}), 0, 0));
  // int64 stays int64: torch.logical_and(tensor([0, 3, -1]), tensor([5, 0, -2])) is [False, False, True].
  const Tensor i = sg::tensor(std::vector<int64_t>{0, 3, -1}, {3}), j = sg::tensor(std::vector<int64_t>{5, 0, -2}, {3});
  BOOST_TEST(sg::logical_and(i, j).to_vector<int64_t>() == std::vector<int64_t>({0, 0, 1}), boost::test_tools::per_element());
  BOOST_TEST(sg::logical_or(i, j).to_vector<int64_t>() == std::vector<int64_t>({1, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(sg::logical_not(i).to_vector<int64_t>() == std::vector<int64_t>({1, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST((i >= 0.0).dtype() == kInt64);
}

BOOST_AUTO_TEST_CASE(logic_refuses_mixed_dtypes_and_shapes_naming_the_op) {
  const Tensor f = sg::zeros({2}, kFloat32), d = sg::zeros({2}, kFloat64), g = sg::zeros({3}, kFloat32);
  BOOST_TEST(throws_with([&] { (void)sg::logical_and(f, d); }, {"logical_and: dtypes must match", "float32", "float64"}));
  BOOST_TEST(throws_with([&] { (void)sg::logical_or(f, g); }, {"logical_or:", "[2]", "[3]"}));
  BOOST_TEST(throws_with([&] { (void)(f < d); }, {"lt: dtypes must match", "float32", "float64"}));
}

BOOST_AUTO_TEST_CASE(comparisons_are_not_recorded) {
  Tensor a = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  BOOST_TEST(!sg::gt(a, 1.5).requires_grad());
  BOOST_TEST(!(a == a).requires_grad());
  BOOST_TEST(!sg::logical_and(a, a).requires_grad());
  BOOST_TEST(!sg::logical_not(a).requires_grad());
}

BOOST_AUTO_TEST_CASE(incompatible_shapes_are_refused_with_op_and_shapes) {
  const Tensor a = sg::zeros({2, 3}), b = sg::zeros({4});
  for (const auto& c : kBinaryCases)
    BOOST_TEST(throws_with([&] { (void)c.op(a, b); }, {fmt::format("{}:", c.name), "[2, 3]", "[4]"}), c.name);
  BOOST_TEST(throws_with([&] { (void)sg::lt(a, b); }, {"lt:", "[2, 3]", "[4]"}));
}

BOOST_AUTO_TEST_CASE(mixed_dtypes_are_refused) {
  const Tensor a = sg::zeros({2}, kFloat32), b = sg::zeros({2}, kFloat64);
  for (const auto& c : kBinaryCases)
    BOOST_TEST(throws_with([&] { (void)c.op(a, b); }, {fmt::format("{}:", c.name), "float32", "float64"}), c.name);
}

BOOST_AUTO_TEST_CASE(clamp_refuses_min_above_max) {
  BOOST_TEST(throws_with([] { (void)sg::clamp(sg::zeros({2}), 1.0, -1.0); }, {"clamp", "min"}));
}

BOOST_AUTO_TEST_SUITE_END()
