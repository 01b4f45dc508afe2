// Elementwise ops against values PyTorch gives, forward and backward, at ordinary and edge points: 0 and
// -0, tiny and large |x|, the infinities and NaN. Also: the dtypes they refuse, and the same bits on one
// and two threads.
#include <cmath>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

// GCC 12 warns falsely (-Wrestrict) inside Boost 1.74's data-driven test-name generation.
#pragma GCC diagnostic ignored "-Wrestrict"
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "tests/testing.h"

using namespace sg;
using sg::testing::all_close;
using sg::testing::bitwise_equal;
using sg::testing::ThreadCount;
using sg::testing::throws_with;
namespace bdata = boost::unit_test::data;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// x; y = op(x) and dx for dy = 1 in float64; y in float32 (from x rounded to float).
struct TorchCase {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::vector<double> x, y, dx, y32;
};
std::ostream& operator<<(std::ostream& os, const TorchCase& c) { return os << c.name; }

// Produced by PyTorch 1.13 in float64 (and float32 for the last list), e.g. for erf:
//   x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
//   y = torch.erf(x); y.backward(torch.ones_like(y))          -> y, x.grad
//   torch.erf(torch.tensor(xs, dtype=torch.float32))           -> y32
// with torch.sin, cos, rsqrt, log1p, expm1, erf and sign.
// sign leaves NaN out: PyTorch gives 0 there, sg::sign NaN (sign_keeps_nan).
const std::vector<TorchCase> kTorchCases = {
    {"sin", [](const Tensor& x) { return sg::sin(x); },
     {kNan, 0.0, -0.0, 1e-10, -1e-10, 0.5, -2.5, 3.7, 40.0, -40.0, kInf, -kInf},
     {kNan, 0.0, -0.0, 1e-10, -1e-10, 0.479425538604203, -0.5984721441039564, -0.5298361409084934, 0.7451131604793488, -0.7451131604793488, kNan, kNan},
     {kNan, 1.0, 1.0, 1.0, 1.0, 0.8775825618903728, -0.8011436155469337, -0.848100031710408, -0.6669380616522619, -0.6669380616522619, kNan, kNan},
     {kNan, 0.0, -0.0, 1.000000013351432e-10, -1.000000013351432e-10, 0.4794255495071411, -0.5984721183776855, -0.5298361778259277, 0.7451131343841553, -0.7451131343841553, kNan, kNan}},
    {"cos", [](const Tensor& x) { return sg::cos(x); },
     {kNan, 0.0, -0.0, 1e-10, -1e-10, 0.5, -2.5, 3.7, 40.0, -40.0, kInf, -kInf},
     {kNan, 1.0, 1.0, 1.0, 1.0, 0.8775825618903728, -0.8011436155469337, -0.848100031710408, -0.6669380616522619, -0.6669380616522619, kNan, kNan},
     {kNan, -0.0, 0.0, -1e-10, 1e-10, -0.479425538604203, 0.5984721441039564, 0.5298361409084934, -0.7451131604793488, 0.7451131604793488, kNan, kNan},
     {kNan, 1.0, 1.0, 1.0, 1.0, 0.8775825500488281, -0.8011435866355896, -0.8481000065803528, -0.666938066482544, -0.666938066482544, kNan, kNan}},
    {"rsqrt", [](const Tensor& x) { return sg::rsqrt(x); },
     {kNan, 0.0, -0.0, 1e-10, -1e-10, 0.5, -2.5, 3.7, 40.0, -40.0, kInf, -kInf},
     {kNan, kInf, -kInf, 99999.99999999999, kNan, 1.414213562373095, kNan, 0.5198752449100363, 0.15811388300841897, kNan, 0.0, kNan},
     {kNan, -kInf, kInf, -499999999999999.75, kNan, -1.4142135623730947, kNan, -0.07025341147432924, -0.0019764235376052374, kNan, -0.0, kNan},
     {kNan, kInf, -kInf, 100000.0, kNan, 1.4142135381698608, kNan, 0.5198752284049988, 0.15811388194561005, kNan, 0.0, kNan}},
    {"log1p", [](const Tensor& x) { return sg::log1p(x); },
     {kNan, 0.0, -0.0, 1e-10, -1e-10, 0.5, -2.5, 3.7, 40.0, -40.0, kInf, -kInf, -1.0, -2.0},
     {kNan, 0.0, -0.0, 9.999999999500001e-11, -1.00000000005e-10, 0.4054651081081644, kNan, 1.547562508716013, 3.713572066704308, kNan, kInf, kNan, -kInf, kNan},
     {kNan, 1.0, 1.0, 0.9999999999, 1.0000000001, 0.6666666666666666, -0.6666666666666666, 0.2127659574468085, 0.024390243902439025, -0.02564102564102564, 0.0, -0.0, kInf, -1.0},
     {kNan, 0.0, -0.0, 1.000000013351432e-10, -1.000000013351432e-10, 0.40546509623527527, kNan, 1.5475624799728394, 3.7135720252990723, kNan, kInf, kNan, -kInf, kNan}},
    {"expm1", [](const Tensor& x) { return sg::expm1(x); },
     {kNan, 0.0, -0.0, 1e-10, -1e-10, 0.5, -2.5, 3.7, 40.0, -40.0, kInf, -kInf},
     {kNan, 0.0, -0.0, 1.00000000005e-10, -9.999999999500001e-11, 0.6487212707001282, -0.9179150013761012, 39.4473043600674, 2.3538526683702e+17, -1.0, kInf, -1.0},
     {kNan, 1.0, 1.0, 1.0000000001, 0.9999999999, 1.6487212707001282, 0.08208499862389884, 40.4473043600674, 2.3538526683702e+17, 0.0, kInf, 0.0},
     {kNan, 0.0, -0.0, 1.000000013351432e-10, -1.000000013351432e-10, 0.6487212777137756, -0.9179149866104126, 39.44730758666992, 2.353852703404196e+17, -1.0, kInf, -1.0}},
    {"erf", [](const Tensor& x) { return sg::erf(x); },
     {kNan, 0.0, -0.0, 1e-10, -1e-10, 0.5, -2.5, 3.7, 40.0, -40.0, kInf, -kInf},
     {kNan, 0.0, -0.0, 1.1283791670955126e-10, -1.1283791670955126e-10, 0.5204998778130465, -0.999593047982555, 0.9999998328489421, 1.0, -1.0, 1.0, -1.0},
     {kNan, 1.1283791670955126, 1.1283791670955126, 1.1283791670955126, 1.1283791670955126, 0.8787825789354448, 0.00217828423035271, 1.2792740845340064e-06, 0.0, 0.0, 0.0, 0.0},
     {kNan, 0.0, -0.0, 1.1283791956362421e-10, -1.1283791956362421e-10, 0.5204998850822449, -0.9995930194854736, 0.9999998211860657, 1.0, -1.0, 1.0, -1.0}},
    {"sign", [](const Tensor& x) { return sg::sign(x); },
     {0.0, -0.0, 1e-10, -1e-10, 0.5, -2.5, 3.7, 40.0, -40.0, kInf, -kInf},
     {0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0},
     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
     {0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0}},
};

Tensor from(const std::vector<double>& values, Dtype dtype = kFloat64) {
  return sg::tensor(values, {int64_t(values.size())}).to(dtype);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(elementwise_torch)

BOOST_DATA_TEST_CASE(forward_and_gradient_match_pytorch_at_edge_points, bdata::make(kTorchCases), c) {
  Tensor x = from(c.x).requires_grad_();
  const Tensor y = c.op(x);
  BOOST_TEST(all_close(y, from(c.y), 0, 1e-13));
  y.backward(ones_like(y));
  BOOST_TEST(all_close(x.grad(), from(c.dx), 0, 1e-13));
  // float32: a few ulp from PyTorch's float32 results (both round differently inside erf, exp and tanh);
  // the absolute part covers results that cancel to near 0, such as gelu(-2.5).
  const Tensor y32 = c.op(from(c.x, kFloat32));
  BOOST_TEST(y32.dtype() == kFloat32);
  BOOST_TEST(all_close(y32, from(c.y32), 1e-7, 2e-6));
}

// NumPy's rule, not PyTorch's 0: a NaN stays visible. The gradient is 0 everywhere, NaN included.
BOOST_AUTO_TEST_CASE(sign_keeps_nan) {
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    Tensor x = from({kNan, -3.0, 0.0}, dtype).requires_grad_();
    const Tensor y = sg::sign(x);
    BOOST_TEST(all_close(y, from({kNan, -1.0, 0.0}), 0, 0), dtype);
    y.backward(ones_like(y));
    BOOST_TEST(all_close(x.grad(), from({0.0, 0.0, 0.0}), 0, 0), dtype);
  }
}

BOOST_AUTO_TEST_CASE(float_only_ops_refuse_int64_naming_the_op) {
  const Tensor a = sg::tensor(std::vector<int64_t>{1, 2}, {2});
  for (const TorchCase& c : kTorchCases) {
    const std::string op = c.name.substr(0, c.name.find('_'));  // "softplus_beta_2..." -> "softplus"
    BOOST_TEST(throws_with([&] { (void)c.op(a); }, {op + ": expected a float32 or float64 tensor, got int64"}),
               c.name);
  }
}

// 96K elements, several chunks of the parallel loop and a scalar tail: 1 and 2 threads give the same bits,
// forward and backward.
BOOST_DATA_TEST_CASE(same_bits_on_one_and_two_threads, bdata::make(kTorchCases), c) {
  std::vector<double> values(96 * 1024 + 3);
  for (size_t i = 0; i < values.size(); ++i) values[i] = -45.0 + 90.0 * double(i) / double(values.size());
  for (const Dtype dtype : {kFloat32, kFloat64}) {
    const auto run = [&](int threads) {
      ThreadCount count(threads);
      Tensor x = from(values, dtype).requires_grad_();
      const Tensor y = c.op(x);
      y.backward(ones_like(y));
      return std::vector<Tensor>{y, x.grad()};
    };
    const std::vector<Tensor> one = run(1), two = run(2);
    BOOST_TEST(bitwise_equal(one[0], two[0]), dtype << " forward");
    BOOST_TEST(bitwise_equal(one[1], two[1]), dtype << " backward");
  }
}

BOOST_AUTO_TEST_SUITE_END()
