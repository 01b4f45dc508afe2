// conv_transpose2d: values against a loop over its definition and against PyTorch's, gradients against
// finite differences and PyTorch's, second derivatives, groups, and the errors. Grouped conv2d too, which
// conv_transpose2d's groups mirror.
#include <cmath>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(conv_transpose_op)

namespace {

// sin(a * i + b) for i = 0 .. n - 1, reshaped: the inputs of the fixtures, written the same way in torch.
Tensor ramp(const Shape& shape, double a, double b) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return reshape(sg::sin(arange(double(n), kFloat64) * a + b), shape);
}

// y[n, g Og + o, i*S - P + p*D, j*S - P + q*D] += x[n, c, i, j] * w[c, o, p, q] for c in group g, then + b:
// the definition, one term at a time.
Tensor conv_transpose_loop(const Tensor& x, const Tensor& w, const Tensor& b, const ConvTranspose2dParams& prm) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), G = prm.groups;
  const int64_t Og = w.size(1), O = Og * G, KH = w.size(2), KW = w.size(3), Cg = C / G;
  const int64_t OH =
      (H - 1) * prm.stride[0] - 2 * prm.padding[0] + prm.dilation[0] * (KH - 1) + prm.output_padding[0] + 1;
  const int64_t OW =
      (W - 1) * prm.stride[1] - 2 * prm.padding[1] + prm.dilation[1] * (KW - 1) + prm.output_padding[1] + 1;
  const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
  std::vector<double> y(size_t(N * O * OH * OW), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j)
          for (int64_t o = 0; o < Og; ++o)
            for (int64_t p = 0; p < KH; ++p)
              for (int64_t q = 0; q < KW; ++q) {
                const int64_t oh = i * prm.stride[0] - prm.padding[0] + p * prm.dilation[0];
                const int64_t ow = j * prm.stride[1] - prm.padding[1] + q * prm.dilation[1];
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                const int64_t out_channel = c / Cg * Og + o;
                y[size_t(((n * O + out_channel) * OH + oh) * OW + ow)] +=
                    xv[size_t(((n * C + c) * H + i) * W + j)] * wv[size_t(((c * Og + o) * KH + p) * KW + q)];
              }
  Tensor out = sg::tensor(y, {N, O, OH, OW});
  return b.defined() ? out + reshape(b, {1, O, 1, 1}) : out;
}

const std::vector<double> kTransposeY = {
    0.7225138286221469,   2.0141878653367815,   1.8745308593314036,   1.8074052037707138,   1.4969553792773214,
    3.2428618835948693,   1.874213277862115,    1.8177669186628427,   2.3704080585806984,   3.6621664708087067,
    1.9769266312681164,   1.8590444766110212,   1.337667528028132,    1.7452362400623278,   1.1043324565719348,
    0.5696493225880983,   0.742807096777962,    -0.6159925113821034,  -0.38497549128589004, -0.22359277827354718,
    -0.28601223374387397, -2.025537406365573,   -0.3901836204470517,  -0.2389391707544266,  -0.8615830061111962,
    -2.095597984712187,   -0.46285948627776796, -0.24621949899579643, 0.4721323120812876,   0.30399253683671534,
    0.6407551485136485,   1.19104195118689,     0.6887370076955914,   2.066570943746041,    1.7523701672735876,
    1.5024421259788097,   1.9355216841231577,   3.607099472009028,    1.7629196786282086,   1.5222300496609555,
    2.192839691312449,    3.325436426159831,    1.8029858801305343,   1.4952554795617343,   0.6053530346237691,
    0.5281129949403837,   0.5074104080712225,   -0.039004066614971855};  // y [1, 3, 4, 4]
const std::vector<double> kTransposeDx = {5.529917280260418,   10.790492419364856,  5.141582178490327,
                                          1.3924236223936148,  -1.7287855820457783, -6.264550553316103,
                                          -7.8940046117472695, -7.760005425563608};  // dx [1, 2, 2, 2]
const std::vector<double> kTransposeDw = {
    0.641004169284048,    1.517686382772804,    1.6100039455959412,  0.8304601641180874,  1.8575725643857548,
    1.8430890664224695,   0.8333765019994522,   1.2455203337896552,  0.8966563623843092,  -0.659533063851988,
    -1.600507725153233,   -1.4945123031037262,  -0.9258307682448863, -1.672222383651722,  -1.4405984489248111,
    -0.5056352820355512,  -0.35841575248830865, 0.06797389795396419, 0.49144896920365044, 1.230469996132174,
    0.9561526899387329,   0.7592402113018978,   1.0137216745347037,  0.6304946311971726,  0.03482600892087506,
    -0.630101538228097,   -1.0133711387802435,  -0.8383848801765105, -1.7127768236088303, -1.8025698724372519,
    -0.92781188071136,    -1.829259683179414,   -1.6609009308708207, -0.626203279722083,  -0.6887681934715942,
    -0.26602846499429317, 0.8626192702109718,   1.7738750325418038,  1.6427514372100593,  0.8378742053347878,
    1.3001403118344543,   0.948878338048128,    0.18413626416463624, -0.318709083654796,  -0.7381947355851441,
    -0.6427780112863701,  -1.3330603875757085,  -1.018121193388077,  -0.5108624261497858, -0.4031499673877417,
    0.031626659631638465, 0.31003157933036585,  1.2360085394543252,  1.53354785249251};  // dw [2, 3, 3, 3]
const std::vector<double> kTransposeDb = {8.130991101972793, -5.897378573624262, 1.9951196885086426};  // db [3]

const std::vector<double> kGroupedY = {
    0.0028168897127630044, -0.5690373847359316, -1.303721321996333,   -1.3447709843880424,
    -2.766371126158047,    -2.557800232903322,  -0.5782558101903226,  0.8645916933630888,
    3.967298427961867,     2.820308076918314,   -0.16395690444241995, -1.5065646824548065,
    -0.5655885706371755,   -0.9133020841624604, -0.9646468992000263,  -0.6597673686664137};  // y [1, 4, 2, 2]
const std::vector<double> kGroupedDx = {
    -0.8505404646868782, -1.6250409708697229,  -0.6231318373996659, -1.2517396197345423, -1.3028743864111791,
    0.07670091968876563, 0.054219868866429155, 0.8339362489066661,  0.7246364749511416,  0.3408724129880089,
    1.2830711577290568,  0.8186694486115402,   1.6380387924489526,  3.3727660228035026,  1.4322574399107788,
    0.7118264952532369,  0.8952011841669196,   0.08864788170571736, 0.19611347472878202, -0.38477235735056,
    -0.5281929177869611, -1.0721080555397837,  -3.0634116620854477, -1.7156422715788118, -0.8600279366254716,
    -1.5894268145542343, -0.5828363038109629,  -0.8871110208810835, -1.322585779561615,  -0.34324571499410317,
    -0.636146863371939,  0.21620834350646748,  0.810170982565147,   0.39510513896444033, 1.3578355042274843,
    0.8316749122098396};  // dx [1, 4, 3, 3]
const std::vector<double> kGroupedDw = {
    2.534532016306624,    2.80117843562187,    1.9742809274775097,   1.0178021701979127,  -2.786327312682873,
    -2.435506696769723,   -0.6478177395361451, 0.4927262221135617,   1.4335380511922995,  1.93556713048942,
    1.9470818254900584,   1.4546587842992362,  -2.035294945030621,   -2.0985099016190287, -1.228583069472198,
    -0.43963892085313316, -0.8956763961643988, -0.28631029573064193, 0.9659227399003036,  1.401221587827577,
    0.06444663369514497,  -0.5836810986821794, -1.4982910457545167,  -1.6131690207353224, -2.6219485797137283,
    -1.8319695222158203,  0.4777008370835669,  1.6145449809978283,   1.488472555929083,   0.3315563321899062,
    -1.9462724958164235,  -2.6896159420240133};  // dw [4, 2, 2, 2]
const std::vector<double> kGroupedDb = {3.458012606351604, 2.5283096982668667, -1.8156414145364006,
                                        -3.7077368688960397};  // db [4]

}  // namespace

BOOST_AUTO_TEST_CASE(conv_transpose2d_matches_a_loop_over_its_definition) {
  manual_seed(5);
  const std::vector<ConvTranspose2dParams> cases = {
      {},
      {.stride = 2},
      {.stride = 2, .padding = 1, .output_padding = 1},
      {.stride = {3, 2}, .padding = {0, 1}, .output_padding = {2, 0}, .dilation = {1, 2}},
      {.stride = 2, .padding = 1, .groups = 2},
  };
  for (const ConvTranspose2dParams& prm : cases) {
    const Tensor x = uniform64({2, 4, 3, 4}), w = uniform64({4, 3, 3, 2}), b = uniform64({3 * prm.groups});
    BOOST_TEST(all_close(conv_transpose2d(x, w, b, prm), conv_transpose_loop(x, w, b, prm), 1e-13, 0));
    BOOST_TEST(all_close(conv_transpose2d(x, w, Tensor(), prm), conv_transpose_loop(x, w, Tensor(), prm), 1e-13, 0));
  }
}

// x, w, b, dy from ramp() as below; y = F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1);
// y.backward(dy). Printed by torch 1.13 in float64.
BOOST_AUTO_TEST_CASE(conv_transpose2d_matches_pytorch) {
  const Tensor x = ramp({1, 2, 2, 2}, 0.7, 0.3).requires_grad_(), w = ramp({2, 3, 3, 3}, 0.37, -0.2).requires_grad_();
  const Tensor b = ramp({3}, 1.1, 0.5).requires_grad_();
  const Tensor y = conv_transpose2d(x, w, b, {.stride = 2, .padding = 1, .output_padding = 1});
  BOOST_TEST(all_close(y, sg::tensor(kTransposeY, {1, 3, 4, 4}), 1e-14, 0));
  y.backward(ramp(y.shape(), 0.23, 0.1));
  BOOST_TEST(all_close(x.grad(), sg::tensor(kTransposeDx, x.shape()), 1e-14, 0));
  BOOST_TEST(all_close(w.grad(), sg::tensor(kTransposeDw, w.shape()), 1e-14, 0));
  BOOST_TEST(all_close(b.grad(), sg::tensor(kTransposeDb, b.shape()), 1e-14, 0));
}

BOOST_AUTO_TEST_CASE(conv_transpose2d_gradients_pass_gradcheck_and_gradgradcheck) {
  manual_seed(6);
  const Tensor x = uniform64({1, 4, 3, 2}), w = uniform64({4, 1, 2, 3}), b = uniform64({2});
  const ConvTranspose2dParams prm = {
      .stride = {2, 1}, .padding = {1, 0}, .output_padding = {1, 0}, .dilation = {1, 2}, .groups = 2};
  BOOST_TEST(passes_gradcheck([&](In in) { return conv_transpose2d(in[0], in[1], in[2], prm); }, {x, w, b}));
  BOOST_TEST(gradgradcheck([&](In in) { return conv_transpose2d(in[0], in[1], in[2], prm); }, {x, w, b}).ok);
}

// The same loops as conv2d's input gradient: conv_transpose2d(dy, w) is conv2d's dx for dy.
BOOST_AUTO_TEST_CASE(conv_transpose2d_is_the_input_gradient_of_conv2d) {
  manual_seed(7);
  const Tensor x = uniform64({2, 3, 7, 6}), w = uniform64({4, 3, 3, 3});
  const Tensor y = conv2d(x, w, Tensor(), {.stride = 2, .padding = 1});
  const Tensor dy = uniform64(y.shape());
  y.backward(dy);
  // 7 rows at stride 2: (4 - 1) * 2 - 2 + 3 = 7, no output_padding; 6 columns need output_padding 1.
  const Tensor dx =
      conv_transpose2d(dy.detach(), w.detach(), Tensor(), {.stride = 2, .padding = 1, .output_padding = {0, 1}});
  BOOST_TEST(all_close(dx, x.grad(), 1e-14, 0));
}

BOOST_AUTO_TEST_CASE(conv_transpose2d_errors_name_the_op_and_the_shapes) {
  const Tensor x = zeros({1, 2, 3, 3}, kFloat64), w = zeros({2, 3, 3, 3}, kFloat64);
  BOOST_TEST(throws_with(
      [&] {
        conv_transpose2d(zeros({1, 5, 3, 3}, kFloat64), w);
      },
      {"conv_transpose2d", "[1, 5, 3, 3]", "[2, 3, 3, 3]"}));
  BOOST_TEST(throws_with([&] { conv_transpose2d(x, w, Tensor(), {.stride = 2, .output_padding = 2}); },
                         {"conv_transpose2d", "output_padding", "(2, 2)"}));
  BOOST_TEST(throws_with([&] { conv_transpose2d(x, w, zeros({2}, kFloat64)); }, {"conv_transpose2d", "bias", "[3]"}));
  BOOST_TEST(throws_with([&] { conv_transpose2d(x, w, Tensor(), {.groups = 3}); }, {"conv_transpose2d", "groups 3"}));
  BOOST_TEST(throws_with([&] { conv_transpose2d(x, w, Tensor(), {.padding = 3}); }, {"conv_transpose2d", "padding"}));
  BOOST_TEST(throws_with([&] { conv_transpose2d(x, zeros({2, 3, 3, 3}, kFloat32)); }, {"conv_transpose2d", "dtypes"}));
}

// x, w, b, dy from ramp() as below; y = F.conv2d(x, w, b, groups=2); y.backward(dy), torch 1.13, float64.
BOOST_AUTO_TEST_CASE(grouped_conv2d_matches_pytorch) {
  const Tensor x = ramp({1, 4, 3, 3}, 0.41, 0.2).requires_grad_(), w = ramp({4, 2, 2, 2}, 0.53, -0.4).requires_grad_();
  const Tensor b = ramp({4}, 0.9, 0.1).requires_grad_();
  const Tensor y = conv2d(x, w, b, {.groups = 2});
  BOOST_TEST(all_close(y, sg::tensor(kGroupedY, {1, 4, 2, 2}), 1e-14, 0));
  y.backward(ramp(y.shape(), 0.31, 0.7));
  BOOST_TEST(all_close(x.grad(), sg::tensor(kGroupedDx, x.shape()), 1e-14, 0));
  BOOST_TEST(all_close(w.grad(), sg::tensor(kGroupedDw, w.shape()), 1e-14, 0));
  BOOST_TEST(all_close(b.grad(), sg::tensor(kGroupedDb, b.shape()), 1e-14, 0));
}

// Group g is an ordinary convolution of channels [2g, 2g + 2) with filters [3g, 3g + 3).
BOOST_AUTO_TEST_CASE(grouped_conv2d_is_one_convolution_per_group_and_passes_gradcheck) {
  manual_seed(8);
  const Tensor x = uniform64({2, 4, 5, 4}), w = uniform64({6, 2, 3, 2}), b = uniform64({6});
  const Conv2dParams prm = {.stride = {2, 1}, .padding = 1, .groups = 2};
  const Tensor y = conv2d(x, w, b, prm);
  for (int64_t g = 0; g < 2; ++g) {
    const Tensor part = conv2d(narrow(x, 1, 2 * g, 2), narrow(w, 0, 3 * g, 3), narrow(b, 0, 3 * g, 3),
                               {.stride = {2, 1}, .padding = 1});
    BOOST_TEST(all_close(narrow(y, 1, 3 * g, 3), part, 0, 0));
  }
  BOOST_TEST(passes_gradcheck([&](In in) { return conv2d(in[0], in[1], in[2], prm); }, {x, w, b}));
  BOOST_TEST(
      throws_with([&] { conv2d(x, w, b, {.groups = 3}); }, {"conv2d", "groups 3", "[2, 4, 5, 4]", "[6, 2, 3, 2]"}));
  BOOST_TEST(throws_with([&] { conv2d(x, uniform64({6, 4, 3, 2}), b, {.groups = 2}); }, {"conv2d", "groups 2"}));
}

BOOST_AUTO_TEST_SUITE_END()
