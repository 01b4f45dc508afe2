// layer_norm: values and gradients against PyTorch, gradcheck with and without the affine part, float32
// rows far from zero, the same bits at 1 and 2 threads, and the errors.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(layer_norm_op)

namespace {
Tensor flat(const std::vector<double>& values, const Shape& shape) { return sg::tensor(values, shape); }

Tensor x_fixture() {
  return sg::tensor({{{0.5, -1.0, 2.0}, {3.0, 0.25, -0.75}}, {{1.0, 1.0, 1.5}, {-2.0, 4.0, 0.0}}}, kFloat64);
}
Tensor dy_fixture() { return (arange(12.0, kFloat64) - 5.0).reshape({2, 2, 3}) / 4.0; }
}  // namespace

// x, w, b, dy as below; y = F.layer_norm(x, (2, 3), w, b, eps=1e-5); y.backward(dy): y, x.grad, w.grad,
// b.grad printed by torch 2.x in float64.
BOOST_AUTO_TEST_CASE(layer_norm_matches_pytorch_over_two_dims_with_weight_and_bias) {
  Tensor x = x_fixture().requires_grad_();
  Tensor w = sg::tensor({{1.5, -0.5, 2.0}, {0.25, 1.0, -1.0}}, kFloat64).requires_grad_();
  Tensor b = sg::tensor({{0.1, 0.2, 0.3}, {-0.1, -0.2, -0.3}}, kFloat64).requires_grad_();
  const Tensor y = sg::layer_norm(x, {2, 3}, w, b, 1e-5);
  BOOST_TEST(all_close(y, flat({-0.07526144067504717, 0.7842048022501573, 2.1694553672005035, 0.30894336157511015,
                                -0.4921024011250787, 0.6931481638252674, 0.16986185581318633, 0.1767127147289379,
                                0.9520439875897395, -0.5075274922435873, 1.5232591100585977, 0.21232027596336694},
                               {2, 2, 3}), 1e-12));
  y.backward(dy_fixture());
  BOOST_TEST(all_close(x.grad(), flat({-0.9606479057986548, 0.4710537808286666, -0.4644737450004568,
                                       0.6549855119027208, 0.13967112529154757, 0.15941123277617672,
                                       0.04516019921012945, -0.30414907985580253, 0.5955688177236516,
                                       0.44538684622787605, 0.06410468707150119, -0.8460714703773555},
                                      {2, 2, 3}), 1e-12));
  BOOST_TEST(all_close(w.grad(), flat({0.15769484319807037, 1.1916968897713769, -0.4565292673540366,
                                       -2.4479966921245695, 2.2270994878545167, -0.7684804139450504},
                                      {2, 3}), 1e-12));
  BOOST_TEST(all_close(b.grad(), flat({-1.0, -0.5, 0.0, 0.5, 1.0, 1.5}, {2, 3}), 1e-12));
}

// The same x and dy; y = F.layer_norm(x, (3,), eps=0.1): the biased variance, eps inside the square root.
BOOST_AUTO_TEST_CASE(layer_norm_matches_pytorch_over_the_last_dim_without_affine) {
  Tensor x = x_fixture().requires_grad_();
  const Tensor y = sg::layer_norm(x, {3}, Tensor(), Tensor(), 0.1);
  BOOST_TEST(all_close(y, flat({0.0, -1.1858541225631423, 1.1858541225631423, 1.3401349718691695,
                                -0.36080556934939184, -0.9793294025197778, -0.42257712736425823,
                                -0.42257712736425823, 0.8451542547285165, -1.0605566068553174, 1.3256957585691467,
                                -0.26513915171382935},
                               {2, 2, 3}), 1e-12));
  y.backward(dy_fixture());
  BOOST_TEST(all_close(x.grad(), flat({-0.19764235376052375, 0.09264485332524541, 0.10499750043527811,
                                       0.005587090947872769, -0.043135628641664786, 0.03754853769379203,
                                       -0.5206753890738183, 0.11319030197256907, 0.4074850871012493,
                                       -0.07146874761706257, -0.03494804284452935, 0.1064167904615918},
                                      {2, 2, 3}), 1e-12));
}

BOOST_AUTO_TEST_CASE(layer_norm_grad_matches_finite_differences) {
  manual_seed(4);
  BOOST_TEST(passes_gradcheck([](In in) { return sg::layer_norm(in[0], {2, 4}, in[1], in[2]); },
                              {uniform64({3, 2, 4}), uniform64({2, 4}), uniform64({2, 4})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::layer_norm(in[0], {5}, in[1]); },
                              {uniform64({2, 3, 5}), uniform64({5})}));
  BOOST_TEST(passes_gradcheck([](In in) { return sg::layer_norm(in[0], {4}, Tensor(), in[1], 0.5); },
                              {uniform64({3, 4}), uniform64({4})}));
}

// float32 rows around 1000 with a spread of 0.01: a one-pass E[x^2] - E[x]^2 in float would cancel to noise.
BOOST_AUTO_TEST_CASE(layer_norm_of_float32_rows_far_from_zero_matches_float64) {
  manual_seed(5);
  const Tensor x64 = rand({4, 16}, kFloat64) * 0.01 + 1000.0;
  const Tensor x32 = x64.to(kFloat32);
  BOOST_TEST(all_close(sg::layer_norm(x32, {16}), sg::layer_norm(x32.to(kFloat64), {16}), 1e-4, 1e-4));
}

BOOST_AUTO_TEST_CASE(layer_norm_gives_the_same_bits_with_1_and_2_threads) {
  manual_seed(6);
  // 2048 rows of 64: several chunks of rows forward and for dx, several of columns for dw and db.
  const Tensor x = randn({2048, 64}), w = randn({64}), b = randn({64}), dy = randn({2048, 64});
  std::vector<Tensor> results[2];
  for (int threads : {1, 2}) {
    ThreadCount count(threads);
    Tensor xr = x.detach().requires_grad_(), wr = w.detach().requires_grad_(), br = b.detach().requires_grad_();
    const Tensor y = sg::layer_norm(xr, {64}, wr, br);
    y.backward(dy);
    results[threads - 1] = {y, xr.grad(), wr.grad(), br.grad()};
  }
  for (size_t i = 0; i < 4; ++i) BOOST_TEST(bitwise_equal(results[0][i], results[1][i]));
}

BOOST_AUTO_TEST_CASE(layer_norm_refuses_shapes_dtypes_and_eps_that_do_not_fit) {
  const Tensor x = zeros({2, 3, 4});
  BOOST_TEST(throws_with([&] { sg::layer_norm(x, {3}); }, {"layer_norm:", "normalized_shape [3]", "input [2, 3, 4]"}));
  BOOST_TEST(throws_with([&] { sg::layer_norm(x, {}); }, {"layer_norm:", "at least one", "normalized_shape []"}));
  BOOST_TEST(throws_with([&] { sg::layer_norm(x, {1, 2, 3, 4}); }, {"layer_norm:", "[1, 2, 3, 4]"}));
  BOOST_TEST(throws_with([&] { sg::layer_norm(x, {4}, zeros({3})); },
                         {"layer_norm:", "weight", "shape [4]", "got [3] float32"}));
  BOOST_TEST(throws_with([&] { sg::layer_norm(x, {4}, Tensor(), zeros({4}, kFloat64)); },
                         {"layer_norm:", "bias", "dtype float32", "got [4] float64"}));
  BOOST_TEST(throws_with([&] { sg::layer_norm(sg::zeros({2, 4}, kInt64), {4}); }, {"layer_norm:", "float", "int64"}));
  BOOST_TEST(throws_with([&] { sg::layer_norm(x, {4}, Tensor(), Tensor(), -1.0); }, {"layer_norm:", "eps", "got -1"}));
}

BOOST_AUTO_TEST_SUITE_END()
