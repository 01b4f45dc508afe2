// conv2d: forward against a direct loop written here, gradients against finite differences over the
// grid below (batch, channels, kernel shapes, stride, padding, dilation, bias), the fast kernels
// against the naive ones, shape errors, and 1 vs 2 threads.
#include "autograd/kernels/conv.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(conv_op)

namespace {

// The definition, one output element at a time, in float64:
//   y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x[n, c, i*S - P + p*D, j*S - P + q*D]
Tensor reference_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dParams& cp) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), KH = w.size(2), KW = w.size(3);
  const int64_t OH = (H + 2 * cp.padding[0] - cp.dilation[0] * (KH - 1) - 1) / cp.stride[0] + 1;
  const int64_t OW = (W + 2 * cp.padding[1] - cp.dilation[1] * (KW - 1) - 1) / cp.stride[1] + 1;
  const auto xs = x.to_vector<double>(), ws = w.to_vector<double>();
  const auto bs = b.defined() ? b.to_vector<double>() : std::vector<double>(size_t(O), 0.0);
  Tensor y = zeros({N, O, OH, OW}, kFloat64);
  double* out = y.data<double>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          double acc = bs[o];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t p = 0; p < KH; ++p)
              for (int64_t q = 0; q < KW; ++q) {
                const int64_t h = i * cp.stride[0] - cp.padding[0] + p * cp.dilation[0];
                const int64_t v = j * cp.stride[1] - cp.padding[1] + q * cp.dilation[1];
                if (h >= 0 && h < H && v >= 0 && v < W)
                  acc += ws[((o * C + c) * KH + p) * KW + q] * xs[((n * C + c) * H + h) * W + v];
              }
          out[((n * O + o) * OH + i) * OW + j] = acc;
        }
  return y;
}

struct Case {
  int64_t N, C, O, KH, KW, stride, padding, dilation;
  bool bias;
};

// The grid: every kernel shape with every stride, padding, dilation and bias choice; batch,
// in- and out-channels cycle through {1, 3}, {1, 3}, {1, 4} so each value meets every kernel shape.
// Cases whose dilated kernel does not fit the padded 9x8 input are left out.
std::vector<Case> grid(int64_t H, int64_t W) {
  std::vector<Case> cases;
  const std::vector<std::pair<int64_t, int64_t>> kernels = {{1, 1}, {2, 2}, {3, 3}, {5, 5}, {6, 6}, {2, 3}};
  int64_t k = 0;
  for (const auto& [KH, KW] : kernels)
    for (int64_t stride : {1, 2, 3})
      for (int64_t padding : {0, 1, 2})
        for (int64_t dilation : {1, 2})
          for (bool bias : {false, true}) {
            if (dilation * (KH - 1) + 1 > H + 2 * padding || dilation * (KW - 1) + 1 > W + 2 * padding) continue;
            cases.push_back({k % 2 ? 3 : 1, (k / 2) % 2 ? 3 : 1, (k / 4) % 2 ? 4 : 1, KH, KW, stride, padding,
                             dilation, bias});
            ++k;
          }
  return cases;
}

Conv2dParams params_of(const Case& c) {
  return {.stride = {c.stride, c.stride}, .padding = {c.padding, c.padding}, .dilation = {c.dilation, c.dilation}};
}

std::string describe(const Case& c) {
  return fmt::format("N={} C={} O={} kernel={}x{} stride={} padding={} dilation={} bias={}", c.N, c.C, c.O, c.KH,
                     c.KW, c.stride, c.padding, c.dilation, c.bias);
}

}  // namespace

BOOST_AUTO_TEST_CASE(forward_matches_direct_loop_over_the_grid) {
  manual_seed(1);
  for (const Case& c : grid(9, 8)) {
    BOOST_TEST_CONTEXT(describe(c)) {
      const Tensor x = uniform64({c.N, c.C, 9, 8}), w = uniform64({c.O, c.C, c.KH, c.KW});
      const Tensor b = c.bias ? uniform64({c.O}) : Tensor();
      BOOST_TEST(all_close(conv2d(x, w, b, params_of(c)), reference_conv2d(x, w, b, params_of(c)), 1e-10, 0));
    }
  }
}

BOOST_AUTO_TEST_CASE(grad_matches_finite_differences_over_the_grid) {
  manual_seed(2);
  const std::vector<Case> cases = grid(7, 6);
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    BOOST_TEST_CONTEXT(describe(c)) {
      std::vector<Tensor> inputs = {uniform64({c.N, c.C, 7, 6}), uniform64({c.O, c.C, c.KH, c.KW})};
      if (c.bias) inputs.push_back(uniform64({c.O}));
      const Conv2dParams params = params_of(c);
      BOOST_TEST(passes_gradcheck(
          [&](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), params); },
          inputs));
    }
  }
}

BOOST_AUTO_TEST_CASE(non_square_strides_paddings_and_dilations_match_direct_loop_and_finite_differences) {
  manual_seed(3);
  const Conv2dParams params{.stride = {2, 1}, .padding = {0, 2}, .dilation = {1, 2}};
  const Tensor x = uniform64({2, 2, 7, 9}), w = uniform64({3, 2, 3, 2}), b = uniform64({3});
  BOOST_TEST(all_close(conv2d(x, w, b, params), reference_conv2d(x, w, b, params), 1e-10, 0));
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], params); },
                              {x, w, b}));
}

BOOST_AUTO_TEST_CASE(output_size_floors_as_in_the_notebooks) {
  // (I - F + 2P) / S + 1, rounded down: the last rows and columns a stride cannot reach are dropped.
  const Tensor x = zeros({1, 1, 28, 28});
  BOOST_TEST(conv2d(x, zeros({1, 1, 6, 6})).shape() == Shape({1, 1, 23, 23}));
  BOOST_TEST(conv2d(x, zeros({8, 1, 3, 3})).shape() == Shape({1, 8, 26, 26}));
  BOOST_TEST(conv2d(x, zeros({8, 1, 2, 2}), Tensor(), {.stride = {2, 2}, .padding = {1, 1}}).shape() ==
             Shape({1, 8, 15, 15}));
  BOOST_TEST(conv2d(x, zeros({1, 1, 3, 3}), Tensor(), {.stride = {3, 3}}).shape() == Shape({1, 1, 9, 9}));
}

BOOST_AUTO_TEST_CASE(fast_kernel_matches_reference_kernel_in_float32) {
  // Shapes like the notebooks' layers and a LeNet-like one, through im2col + GEMM and the definition.
  manual_seed(4);
  struct Shape4 {
    int64_t N, C, H, O, K, S, P;
  };
  for (const Shape4& s : {Shape4{2, 1, 28, 1, 6, 1, 0}, Shape4{2, 1, 28, 8, 3, 1, 0}, Shape4{2, 1, 28, 8, 2, 2, 1},
                          Shape4{2, 8, 13, 16, 3, 1, 0}, Shape4{1, 3, 10, 40, 1, 1, 0}}) {
    const Tensor x = rand({s.N, s.C, s.H, s.H}), w = rand({s.O, s.C, s.K, s.K}), b = rand({s.O});
    const int64_t OH = (s.H + 2 * s.P - s.K) / s.S + 1;
    const kernels::ConvGeometry g{s.C, s.H, s.H, s.O, s.K, s.K, s.S, s.S, s.P, s.P, 1, 1, OH, OH};
    Tensor fast = empty({s.N, s.O, OH, OH}), reference = empty({s.N, s.O, OH, OH});
    kernels::fast::conv2d_forward(fast.data<float>(), x.data<float>(), w.data<float>(), b.data<float>(), s.N, g);
    kernels::reference::conv2d_forward(reference.data<float>(), x.data<float>(), w.data<float>(), b.data<float>(), s.N,
                                       g);
    BOOST_TEST(all_close(fast, reference, 1e-5, 1e-5));
  }
}

BOOST_AUTO_TEST_CASE(weight_gradient_from_saved_columns_equals_the_one_that_rebuilds_them) {
  // conv2d keeps the forward's im2col matrices for the weight gradient; without them the kernel
  // builds each again. Same matrices, same products: the same bits.
  manual_seed(7);
  const kernels::ConvGeometry g{3, 9, 8, 5, 3, 2, 2, 1, 1, 0, 1, 1, 5, 7};  // OH = (9+2-3)/2+1, OW = (8-2)/1+1
  const int64_t N = 6;
  const Tensor x = rand({N, 3, 9, 8}), w = rand({5, 3, 3, 2}), dy = rand({N, 5, 5, 7});
  Tensor y = empty({N, 5, 5, 7}), cols = empty({N, g.CK(), g.L()});
  Tensor saved = empty({5, 3, 3, 2}), rebuilt = empty({5, 3, 3, 2});
  kernels::fast::conv2d_forward<float>(y.data<float>(), x.data<float>(), w.data<float>(), nullptr, N, g,
                                       cols.data<float>());
  kernels::fast::conv2d_backward_weight(saved.data<float>(), dy.data<float>(), x.data<float>(), N, g,
                                        cols.data<float>());
  kernels::fast::conv2d_backward_weight(rebuilt.data<float>(), dy.data<float>(), x.data<float>(), N, g);
  BOOST_TEST(bitwise_equal(saved, rebuilt));
}

BOOST_AUTO_TEST_CASE(col2im_is_the_adjoint_of_im2col) {
  // <im2col(x), c> == <x, col2im(c)> for any x and c: col2im sends every entry back where it came from.
  manual_seed(5);
  const kernels::ConvGeometry g{2, 7, 6, 1, 3, 2, 2, 1, 1, 2, 2, 1, 3, 9};  // OH = (7+2-5)/2+1, OW = (6+4-2)/1+1
  const Tensor x = uniform64({2, 7, 6}), c = uniform64({g.CK(), g.L()});
  Tensor col = empty({g.CK(), g.L()}, kFloat64), back = empty({2, 7, 6}, kFloat64);
  kernels::fast::im2col(col.data<double>(), x.data<double>(), g);
  kernels::fast::col2im(back.data<double>(), c.data<double>(), g);
  BOOST_TEST(sum(mul(col, c)).item() == sum(mul(x, back)).item(), boost::test_tools::tolerance(1e-12));
}

// im2col and col2im in float32 (which have row kernels of their own: masked copies, and dx rows summed in
// registers for maps up to 16 wide) against loops written from the definitions, adding in the same order
// (kernel row p, then column q), so they must agree to the bit; widths 3..20 cross the 16-pixel limit.
BOOST_AUTO_TEST_CASE(float32_im2col_and_col2im_match_loops_from_the_definition) {
  manual_seed(9);
  for (int64_t W = 3; W <= 20; ++W)
    for (const auto& [C, KH, KW] : std::vector<std::array<int64_t, 3>>{{1, 3, 3}, {3, 2, 3}, {2, 3, 1}}) {
      if (KW > W) continue;
      const int64_t H = 5, OH = H - KH + 1, OW = W - KW + 1;
      const kernels::ConvGeometry g{C, H, W, 1, KH, KW, 1, 1, 0, 0, 1, 1, OH, OW};
      const Tensor x = randn({C, H, W}), dcol = randn({g.CK(), g.L()});
      Tensor col = empty({g.CK(), g.L()}), dx = empty({C, H, W});
      kernels::fast::im2col(col.data<float>(), x.data<float>(), g);
      kernels::fast::col2im(dx.data<float>(), dcol.data<float>(), g);
      Tensor col_expected = empty({g.CK(), g.L()}), dx_expected = zeros({C, H, W});
      for (int64_t c = 0; c < C; ++c)
        for (int64_t p = 0; p < KH; ++p)
          for (int64_t q = 0; q < KW; ++q)
            for (int64_t i = 0; i < OH; ++i)
              for (int64_t j = 0; j < OW; ++j) {
                const int64_t row = (c * KH + p) * KW + q, pixel = (c * H + i + p) * W + j + q;
                col_expected.data<float>()[row * g.L() + i * OW + j] = x.data<float>()[pixel];
                dx_expected.data<float>()[pixel] += dcol.data<float>()[row * g.L() + i * OW + j];
              }
      BOOST_TEST_CONTEXT("W=" << W << " C=" << C << " kernel " << KH << "x" << KW) {
        BOOST_TEST(bitwise_equal(col, col_expected));
        BOOST_TEST(bitwise_equal(dx, dx_expected));
      }
    }
}

BOOST_AUTO_TEST_CASE(bad_shapes_throw_with_op_name_and_shapes) {
  const Tensor x = zeros({64, 1, 28, 28}), w = zeros({8, 3, 3, 3});
  BOOST_TEST(throws_with([&] { conv2d(x, w); },
                         {"conv2d: input must have 3 channels to match weight [8, 3, 3, 3], got input [64, 1, 28, 28]"}));
  BOOST_TEST(throws_with([&] { conv2d(zeros({1, 28, 28}), zeros({8, 1, 3, 3})); }, {"conv2d", "[1, 28, 28]"}));
  BOOST_TEST(throws_with([&] { conv2d(zeros({1, 1, 28, 28}), zeros({8, 1, 3})); }, {"conv2d", "[8, 1, 3]"}));
  BOOST_TEST(throws_with([&] { conv2d(zeros({1, 1, 28, 28}), zeros({8, 1, 3, 3}), zeros({4})); },
                         {"conv2d", "bias", "[4]", "[8, 1, 3, 3]"}));
  BOOST_TEST(throws_with([&] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 5, 5})); }, {"conv2d", "[1, 1, 4, 4]", "[1, 1, 5, 5]"}));
  BOOST_TEST(throws_with([&] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), {.stride = {0, 1}}); },
                         {"conv2d", "stride (0, 1)"}));
  BOOST_TEST(throws_with([&] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}, kFloat64)); }, {"conv2d", "float64"}));
}

BOOST_AUTO_TEST_CASE(paddings_dilations_and_outputs_too_large_are_refused) {
  const Tensor x = zeros({1, 1, 3, 3}), w = zeros({1, 1, 3, 3});
  const int64_t huge = int64_t(1) << 62;
  // 2 * padding and dilation * (K - 1) overflowed: one wrapped to a padded input that looked too small,
  // the other to a negative kernel span that passed the check and gave a garbage output size
  BOOST_TEST(throws_with([&] { conv2d(x, w, Tensor(), {.padding = {huge, 0}}); },
                         {"conv2d:", "int64", "padding (4611686018427387904, 0)"}));
  BOOST_TEST(throws_with([&] { conv2d(x, w, Tensor(), {.dilation = {1, huge}}); },
                         {"conv2d:", "int64", "dilation (1, 4611686018427387904)"}));
  // empty operands, but the output (2^40, 2^21, 1, 1) is 2^61 elements
  BOOST_TEST(throws_with([] { conv2d(zeros({int64_t(1) << 40, 0, 1, 1}), zeros({int64_t(1) << 21, 0, 1, 1})); },
                         {"conv2d:", "[1099511627776, 2097152, 1, 1]", "too large"}));
}

BOOST_AUTO_TEST_CASE(one_and_two_threads_give_identical_bits_forward_and_backward) {
  manual_seed(6);
  // Big enough that images, weight-gradient chunks and GEMM tiles are really split across threads.
  const Tensor x = randn({16, 3, 16, 16}), w = randn({12, 3, 3, 3}), b = randn({12});
  const Tensor dy = randn({16, 12, 8, 8});
  const Conv2dParams params{.stride = {2, 2}, .padding = {1, 1}};
  auto run = [&](int threads) {
    ThreadCount count(threads);
    std::vector<Tensor> in = {x.detach().requires_grad_(), w.detach().requires_grad_(), b.detach().requires_grad_()};
    Tensor y = conv2d(in[0], in[1], in[2], params);
    y.backward(dy);
    return std::vector<Tensor>{y, in[0].grad(), in[1].grad(), in[2].grad()};
  };
  const auto one = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bitwise_equal(one[i], two[i]), "tensor " << i);
}

BOOST_AUTO_TEST_SUITE_END()
