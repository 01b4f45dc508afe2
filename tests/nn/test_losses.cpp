// Losses against values computed by hand here, the reductions, the stability cases (logits of +-1000),
// and gradcheck.
#include "tests/testing.h"

#include <cmath>
#include <functional>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;
using nn::Reduction;

BOOST_AUTO_TEST_SUITE(losses)

namespace {
bool all_finite(const Tensor& t) {
  for (double v : t.to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}
}  // namespace

BOOST_AUTO_TEST_CASE(cross_entropy_with_class_indices_matches_hand_values) {
  const Tensor logits = tensor({{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}}, kFloat64);
  const Tensor target = sg::tensor(std::vector<int64_t>{2, 1}, {2});
  // -log softmax: row 0 picks 3, row 1 picks 0.
  const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
  const double l1 = std::log(std::exp(1.0) + std::exp(0.0) + std::exp(-1.0)) - 0.0;
  BOOST_TEST(nn::cross_entropy(logits, target).item() == (l0 + l1) / 2, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(nn::cross_entropy(logits, target, Reduction::Sum).item() == l0 + l1, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(all_close(nn::cross_entropy(logits, target, Reduction::None), tensor({l0, l1}, kFloat64), 1e-12));
  nn::CrossEntropyLoss module;
  BOOST_TEST(module(logits, target).item() == (l0 + l1) / 2, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(cross_entropy_with_probabilities_matches_hand_values_and_one_hot_matches_indices) {
  const Tensor logits = tensor({{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}}, kFloat64);
  const Tensor probs = tensor({{0.2, 0.3, 0.5}, {1.0, 0.0, 0.0}}, kFloat64);
  const double lse0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const double lse1 = std::log(std::exp(1.0) + std::exp(0.0) + std::exp(-1.0));
  const double l0 = -(0.2 * (1 - lse0) + 0.3 * (2 - lse0) + 0.5 * (3 - lse0)), l1 = -(1 - lse1);
  BOOST_TEST(nn::cross_entropy(logits, probs).item() == (l0 + l1) / 2, boost::test_tools::tolerance(1e-12));
  const Tensor labels = sg::tensor(std::vector<int64_t>{2, 0}, {2});
  BOOST_TEST(all_close(nn::cross_entropy(logits, one_hot(labels, 3, kFloat64), Reduction::None),
                       nn::cross_entropy(logits, labels, Reduction::None), 1e-12));
}

BOOST_AUTO_TEST_CASE(cross_entropy_stays_finite_for_logits_of_plus_minus_1000) {
  const Tensor logits = tensor({{1000.0, -1000.0, 0.0}, {-1000.0, -1000.0, 1000.0}}, kFloat64).requires_grad_();
  const Tensor target = sg::tensor(std::vector<int64_t>{1, 2}, {2});
  const Tensor loss = nn::cross_entropy(logits, target);
  // Row 0: -log softmax picks -1000 against a max of 1000: 2000. Row 1 picks the max: 0.
  BOOST_TEST(loss.item() == 1000.0, boost::test_tools::tolerance(1e-12));
  loss.backward();
  BOOST_TEST(all_finite(logits.grad()));
  // d/dx = (softmax - one_hot) / N.
  BOOST_TEST(all_close(logits.grad(), tensor({{0.5, -0.5, 0.0}, {0.0, 0.0, 0.0}}, kFloat64), 1e-12));
  const Tensor f32 = tensor({{1000.0, -1000.0}}).requires_grad_();
  const Tensor soft = tensor({{0.5, 0.5}});
  const Tensor loss32 = nn::cross_entropy(f32, soft);
  loss32.backward();
  BOOST_TEST(loss32.item() == 1000.0, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(all_finite(f32.grad()));
}

BOOST_AUTO_TEST_CASE(cross_entropy_grad_matches_finite_differences) {
  manual_seed(1);
  const Tensor target = sg::tensor(std::vector<int64_t>{0, 3, 1}, {3});
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return nn::cross_entropy(in[0], target); },
                              {uniform64({3, 4}, -3, 3)}));
  const Tensor probs = softmax(randn({3, 4}, kFloat64), 1);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) { return nn::cross_entropy(in[0], probs, Reduction::None); },
      {uniform64({3, 4}, -3, 3)}));
}

BOOST_AUTO_TEST_CASE(cross_entropy_refuses_bad_targets) {
  const Tensor logits = zeros({2, 3});
  BOOST_TEST(throws_with([&] { nn::cross_entropy(logits, sg::tensor(std::vector<int64_t>{0, 3}, {2})); },
                         {"cross_entropy", "[0, 3)", "got 3 at position 1"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(logits, sg::tensor(std::vector<int64_t>{0}, {1})); },
                         {"cross_entropy", "[2, 3]", "[1]"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(logits, zeros({2, 4})); }, {"cross_entropy", "[2, 3]", "[2, 4]"}));
}

BOOST_AUTO_TEST_CASE(nll_loss_picks_the_target_log_probability) {
  const Tensor log_probs = tensor({{-0.1, -2.0, -3.0}, {-1.5, -0.5, -4.0}}, kFloat64);
  const Tensor target = sg::tensor(std::vector<int64_t>{1, 0}, {2});
  BOOST_TEST(nn::nll_loss(log_probs, target).item() == (2.0 + 1.5) / 2, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(nn::NLLLoss({.reduction = Reduction::Sum})(log_probs, target).item() == 3.5,
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(mse_loss_matches_hand_values) {
  const Tensor x = tensor({1.0, 2.0, 4.0}, kFloat64), t = tensor({0.0, 2.5, 1.0}, kFloat64);
  BOOST_TEST(nn::mse_loss(x, t).item() == (1.0 + 0.25 + 9.0) / 3, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(nn::MSELoss({.reduction = Reduction::Sum})(x, t).item() == 10.25, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(all_close(nn::mse_loss(x, t, Reduction::None), tensor({1.0, 0.25, 9.0}, kFloat64), 1e-12));
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return nn::mse_loss(in[0], in[1]); },
                              {uniform64({2, 3}), uniform64({2, 3})}));
  BOOST_TEST(throws_with([&] { nn::mse_loss(x, zeros({2}, kFloat64)); }, {"mse_loss", "[3]", "[2]"}));
}

BOOST_AUTO_TEST_CASE(binary_cross_entropy_matches_hand_values_and_clamps_the_log) {
  const Tensor p = tensor({0.9, 0.2, 0.5}, kFloat64), t = tensor({1.0, 0.0, 1.0}, kFloat64);
  const double expected = -(std::log(0.9) + std::log(0.8) + std::log(0.5)) / 3;
  BOOST_TEST(nn::binary_cross_entropy(p, t).item() == expected, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(nn::BCELoss()(p, t).item() == expected, boost::test_tools::tolerance(1e-12));
  // p = 0 with target 1: log 0 is clamped to -100, as in PyTorch.
  BOOST_TEST(nn::binary_cross_entropy(tensor({0.0}, kFloat64), tensor({1.0}, kFloat64)).item() == 100.0);
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return nn::binary_cross_entropy(in[0], in[1]); },
                              {uniform64({2, 3}, 0.1, 0.9), uniform64({2, 3}, 0, 1)}));
}

BOOST_AUTO_TEST_CASE(bce_with_logits_equals_bce_of_sigmoid_and_stays_finite) {
  const Tensor x = tensor({2.0, -1.0, 0.0, 0.5}, kFloat64), t = tensor({1.0, 0.0, 1.0, 0.3}, kFloat64);
  std::vector<double> losses;
  for (int64_t i = 0; i < 4; ++i) {
    const double s = 1 / (1 + std::exp(-x.at({i})));
    losses.push_back(-(t.at({i}) * std::log(s) + (1 - t.at({i})) * std::log(1 - s)));
  }
  BOOST_TEST(all_close(nn::binary_cross_entropy_with_logits(x, t, Reduction::None), sg::tensor(losses, {4}), 1e-12));
  // +-1000: the loss is |x| where the sign disagrees with the target, 0 where it agrees.
  const Tensor big = tensor({1000.0, -1000.0, 1000.0, -1000.0}, kFloat64).requires_grad_();
  const Tensor target = tensor({1.0, 0.0, 0.0, 1.0}, kFloat64);
  const Tensor loss = nn::BCEWithLogitsLoss({.reduction = Reduction::None})(big, target);
  BOOST_TEST(all_close(loss, tensor({0.0, 0.0, 1000.0, 1000.0}, kFloat64), 1e-12));
  loss.sum().backward();
  BOOST_TEST(all_close(big.grad(), tensor({0.0, 0.0, 1.0, -1.0}, kFloat64), 1e-12));  // sigmoid(x) - t
  // At x = 0 the gradient is sigmoid(0) - t = 0.5 - t.
  const Tensor zero = zeros({1}, kFloat64).requires_grad_();
  nn::binary_cross_entropy_with_logits(zero, tensor({0.25}, kFloat64)).backward();
  BOOST_TEST(zero.grad().item() == 0.25, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) { return nn::binary_cross_entropy_with_logits(in[0], in[1]); },
      {uniform64({2, 3}, -4, 4), uniform64({2, 3}, 0, 1)}));
}

BOOST_AUTO_TEST_CASE(loss_modules_print_non_default_reductions) {
  BOOST_TEST(nn::CrossEntropyLoss().repr() == "CrossEntropyLoss()");
  BOOST_TEST(nn::MSELoss({.reduction = Reduction::Sum}).repr() == "MSELoss(reduction=sum)");
}

BOOST_AUTO_TEST_CASE(losses_refuse_bad_ranks_dtypes_and_class_indices) {
  const Tensor logits = zeros({2, 3});
  const Tensor labels = sg::tensor(std::vector<int64_t>{0, 2}, {2});
  // rank
  BOOST_TEST(throws_with([&] { nn::cross_entropy(zeros({3}), labels); }, {"cross_entropy", "(N, C)", "[3]"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(zeros({2, 3, 4}), labels); }, {"cross_entropy", "[2, 3, 4]"}));
  BOOST_TEST(throws_with([&] { nn::nll_loss(zeros({6}), labels); }, {"nll_loss", "(N, C)", "[6]"}));
  BOOST_TEST(throws_with([&] { nn::nll_loss(logits, sg::zeros({2, 1}, kInt64)); }, {"nll_loss", "[2, 3]", "[2, 1]"}));
  // dtype
  BOOST_TEST(throws_with([&] { nn::cross_entropy(sg::zeros({2, 3}, kInt64), labels); }, {"cross_entropy", "int64"}));
  BOOST_TEST(throws_with([&] { nn::nll_loss(logits, zeros({2})); }, {"nll_loss", "int64 target", "float32"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(logits, zeros({2, 3}, kFloat64)); },
                         {"cross_entropy", "float32", "float64"}));
  BOOST_TEST(throws_with([&] { nn::mse_loss(zeros({3}), zeros({3}, kFloat64)); }, {"mse_loss", "float32", "float64"}));
  // class indices out of range, either end
  BOOST_TEST(throws_with([&] { nn::nll_loss(logits, sg::tensor(std::vector<int64_t>{-1, 0}, {2})); },
                         {"nll_loss", "[0, 3)", "got -1 at position 0"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(logits, sg::tensor(std::vector<int64_t>{1, 7}, {2})); },
                         {"cross_entropy", "got 7 at position 1"}));
  // an unknown reduction
  BOOST_TEST(throws_with([&] { nn::mse_loss(zeros({3}), zeros({3}), Reduction(7)); },
                         {"reduction must be Mean, Sum or None", "got 7"}));
}

// PyTorch: F.cross_entropy(torch.empty(0, 3), torch.empty(0, dtype=torch.long)) is nan; with
// reduction="sum" 0, with "none" an empty (0) tensor; the other losses reduce an empty batch alike.
// Until now the mean refused the empty batch ("mean: expected a non-empty tensor").
BOOST_AUTO_TEST_CASE(an_empty_batch_reduces_as_in_pytorch) {
  const Tensor logits = zeros({0, 3}).requires_grad_();
  const Tensor labels = sg::zeros({0}, kInt64), probs = zeros({0, 3});
  for (const Tensor& target : {labels, probs}) {
    const Tensor mean = nn::cross_entropy(logits, target);
    BOOST_TEST(mean.shape() == Shape({}));
    BOOST_TEST(std::isnan(mean.item()));
    BOOST_TEST(nn::cross_entropy(logits, target, Reduction::Sum).item() == 0.0);
    BOOST_TEST(nn::cross_entropy(logits, target, Reduction::None).shape() == Shape({0}));
    mean.backward();  // still a graph: the gradient is as empty as the batch
    BOOST_TEST(logits.grad().shape() == Shape({0, 3}));
  }
  BOOST_TEST(std::isnan(nn::nll_loss(logits, labels).item()));
  BOOST_TEST(std::isnan(nn::mse_loss(zeros({0}), zeros({0})).item()));
  BOOST_TEST(nn::mse_loss(zeros({0}), zeros({0}), Reduction::Sum).item() == 0.0);
  BOOST_TEST(std::isnan(nn::binary_cross_entropy(zeros({0}), zeros({0})).item()));
  BOOST_TEST(std::isnan(nn::binary_cross_entropy_with_logits(zeros({0}), zeros({0})).item()));
  BOOST_TEST(nn::binary_cross_entropy_with_logits(zeros({0, 2}), zeros({0, 2}), Reduction::None).shape() == Shape({0, 2}));
}

// ---- losses added with their PyTorch fixtures (torch 1.13, float64) --------
namespace {
Tensor f64(const std::vector<double>& values, const Shape& shape) { return sg::tensor(values, shape); }
Tensor regression_input() { return tensor({{0.5, -1.0, 2.0}, {3.0, 0.25, -0.75}}, kFloat64).requires_grad_(); }
Tensor regression_target() { return tensor({{1.0, -0.5, 0.0}, {2.5, 0.35, 1.5}}, kFloat64); }
}  // namespace

// F.l1_loss / F.smooth_l1_loss(beta=0.6) / F.huber_loss(delta=0.6) of x = [[0.5, -1, 2], [3, 0.25, -0.75]] and
// t = [[1, -0.5, 0], [2.5, 0.35, 1.5]] with reduction none, mean, sum; x.grad of the mean.
BOOST_AUTO_TEST_CASE(l1_smooth_l1_and_huber_losses_match_pytorch) {
  const Tensor t = regression_target();
  struct Case {
    std::function<Tensor(const Tensor&, Reduction)> loss;
    std::vector<double> none, grad;
    double mean, sum;
  };
  const std::vector<Case> cases = {
      {[&](const Tensor& x, Reduction r) { return nn::l1_loss(x, t, r); },
       {0.5, 0.5, 2.0, 0.5, 0.1, 2.25},
       {-1.0 / 6, -1.0 / 6, 1.0 / 6, 1.0 / 6, -1.0 / 6, -1.0 / 6}, 0.975, 5.85},
      {[&](const Tensor& x, Reduction r) { return nn::smooth_l1_loss(x, t, r, 0.6); },
       {0.208333333333333, 0.208333333333333, 1.7, 0.208333333333333, 0.008333333333333, 1.95},
       {-0.138888888888889, -0.138888888888889, 0.166666666666667, 0.138888888888889, -0.027777777777778,
        -0.166666666666667}, 0.713888888888889, 4.283333333333333},
      {[&](const Tensor& x, Reduction r) { return nn::huber_loss(x, t, r, 0.6); },
       {0.125, 0.125, 1.02, 0.125, 0.005, 1.17},
       {-0.083333333333333, -0.083333333333333, 0.1, 0.083333333333333, -0.016666666666667, -0.1}, 0.428333333333333,
       2.57}};
  for (const Case& c : cases) {
    Tensor x = regression_input();
    BOOST_TEST(all_close(c.loss(x, Reduction::None), f64(c.none, {2, 3}), 1e-14));
    BOOST_TEST(c.loss(x, Reduction::Sum).item() == c.sum, boost::test_tools::tolerance(1e-14));
    const Tensor mean = c.loss(x, Reduction::Mean);
    BOOST_TEST(mean.item() == c.mean, boost::test_tools::tolerance(1e-14));
    mean.backward();
    BOOST_TEST(all_close(x.grad(), f64(c.grad, {2, 3}), 1e-14));
  }
  // beta = 0 is l1_loss
  BOOST_TEST(all_close(nn::smooth_l1_loss(regression_input(), t, Reduction::None, 0.0),
                       nn::l1_loss(regression_input(), t, Reduction::None), 0));
}

BOOST_AUTO_TEST_CASE(regression_losses_grad_matches_finite_differences) {
  manual_seed(21);
  const Tensor t = uniform64({3, 4}).detach();
  const Tensor x = uniform64({3, 4}, -1.0, 1.0);  // differences of about 0.3 stay off the kinks at 0 and beta
  BOOST_TEST(passes_gradcheck([&](const std::vector<Tensor>& in) { return nn::l1_loss(in[0], t); }, {x}));
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) { return nn::smooth_l1_loss(in[0], t, Reduction::Sum, 0.5); }, {x}));
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) { return nn::huber_loss(in[0], t, Reduction::None, 0.5); }, {x}));
}

// lp = log_softmax([[0.2, -0.3, 1], [0, 0.5, -1]]), q = [[0.2, 0, 0.8], [0.5, 0.25, 0.25]]:
// F.kl_div(lp, q, reduction=...) and F.kl_div(lp, log([[0.2, 0.1, 0.7], [0.5, 0.25, 0.25]]), 'batchmean',
// log_target=True); lp.grad of the batchmean.
BOOST_AUTO_TEST_CASE(kl_div_matches_pytorch_for_every_reduction_and_log_target) {
  Tensor lp = log_softmax(tensor({{0.2, -0.3, 1.0}, {0.0, 0.5, -1.0}}, kFloat64), 1).detach().requires_grad_();
  const Tensor q = tensor({{0.2, 0.0, 0.8}, {0.5, 0.25, 0.25}}, kFloat64);
  BOOST_TEST(all_close(nn::kl_div(lp, q, Reduction::None),
                       f64({-0.053206474163614, 0.0, 0.256209592241456, 0.205491712388392, -0.195540938945791,
                            0.179459061054209}, {2, 3}), 1e-14));
  BOOST_TEST(nn::kl_div(lp, q).item() == 0.065402158762442, boost::test_tools::tolerance(1e-13));
  BOOST_TEST(nn::kl_div(lp, q, Reduction::Sum).item() == 0.392412952574652, boost::test_tools::tolerance(1e-13));
  const Tensor batchmean = nn::kl_div(lp, q, Reduction::BatchMean);
  BOOST_TEST(batchmean.item() == 0.196206476287326, boost::test_tools::tolerance(1e-13));
  const Tensor log_q = log(tensor({{0.2, 0.1, 0.7}, {0.5, 0.25, 0.25}}, kFloat64));
  BOOST_TEST(nn::kl_div(lp, log_q, Reduction::BatchMean, true).item() == 0.110498411784751,
             boost::test_tools::tolerance(1e-13));
  batchmean.backward();
  BOOST_TEST(all_close(lp.grad(), f64({-0.1, 0.0, -0.4, -0.25, -0.125, -0.125}, {2, 3}), 1e-15));
  BOOST_TEST(all_finite(lp.grad()));  // t = 0 gives no NaN
}

BOOST_AUTO_TEST_CASE(kl_div_grad_matches_finite_differences_for_input_and_target) {
  manual_seed(22);
  const Tensor x = uniform64({2, 3}), t = uniform64({2, 3}, 0.1, 1.0);
  using In = const std::vector<Tensor>&;
  BOOST_TEST(passes_gradcheck([](In in) { return nn::kl_div(in[0], in[1], Reduction::BatchMean); }, {x, t}));
  BOOST_TEST(passes_gradcheck([](In in) { return nn::kl_div(in[0], in[1], Reduction::None, true); },
                              {x, uniform64({2, 3})}));
}

// x (4, 3) = [[1, 2, 0.5], [0.1, -0.4, 0.3], [2, -1, 0], [0.7, 0.7, -0.2]], t = [2, 0, 1, 1],
// w = [0.5, 2, 1.5]: F.cross_entropy(x, t, reduction=..., **options) and x.grad of the mean, for weight=w,
// ignore_index=1, label_smoothing=0.2, and all three with ignore_index=0, label_smoothing=0.3.
BOOST_AUTO_TEST_CASE(cross_entropy_with_weights_ignore_index_and_label_smoothing_matches_pytorch) {
  const Tensor t = sg::tensor(std::vector<int64_t>{2, 0, 1, 1}, {4});
  const Tensor w = tensor({0.5, 2.0, 1.5}, kFloat64);
  struct Case {
    bool weighted;
    int64_t ignore_index;
    double label_smoothing;
    std::vector<double> none, grad;
    double mean, sum;
  };
  const std::vector<Case> cases = {
      {true, -100, 0.0,
       {2.9465531761619173, 0.5197731019324726, 6.339692039112571, 1.7564047116744879},
       {0.05780597440553726, 0.1571329298029406, -0.2149389042084779, -0.05386540710612485, 0.01787320073495198,
        0.035992206371172855, 0.28126491149377986, -0.3193299779553113, 0.03806506646153149, 0.13850973811797446,
        -0.19482359521535886, 0.05631385709738437},
       1.9270705048135748, 11.56242302888145},
      {false, 1, 0.0,
       {1.964368784107945, 1.0395462038649452, 0.0, 0.0},
       {0.11561194881107452, 0.3142658596058812, -0.4298778084169558, -0.32319244263674907, 0.10723920440971188,
        0.21595323822703713, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
       1.501957493986445, 3.00391498797289},
      {false, -100, 0.2,
       {1.8310354507746116, 1.0595462038649452, 2.9031793528896195, 0.938202355837244},
       {0.04113930773887059, 0.14046626313627394, -0.18160557087514456, -0.1282628879850412, 0.03695293553818928,
        0.0913099524468519, 0.19428201695366823, -0.20616415013315015, 0.011882133179481953, 0.0872156369218142,
        -0.11278436307818582, 0.025568726156371614},
       1.682990840841605, 6.73196336336642},
      {true, 0, 0.3,
       {2.5233347369565196, 0.0, 5.405722835201313, 1.715764240507039},
       {0.051868118464021104, 0.12934018051946464, -0.18120829898348575, 0.0, 0.0, 0.0, 0.26706009492116567,
        -0.27716034199248746, 0.01010024707132183, 0.12690047015219313, -0.1549177116659887, 0.028017241513795567},
       1.7536039659390676, 9.64482181266487}};
  for (const Case& c : cases) {
    Tensor x = tensor({{1.0, 2.0, 0.5}, {0.1, -0.4, 0.3}, {2.0, -1.0, 0.0}, {0.7, 0.7, -0.2}}, kFloat64);
    x.requires_grad_();
    nn::CrossEntropyOptions options{.weight = c.weighted ? w : Tensor(), .ignore_index = c.ignore_index,
                                    .label_smoothing = c.label_smoothing};
    const nn::CrossEntropyOptions mean_options = options;
    options.reduction = Reduction::None;
    BOOST_TEST(all_close(nn::cross_entropy(x, t, options), f64(c.none, {4}), 1e-13));
    options.reduction = Reduction::Sum;
    BOOST_TEST(nn::cross_entropy(x, t, options).item() == c.sum, boost::test_tools::tolerance(1e-13));
    const Tensor mean = nn::CrossEntropyLoss(mean_options)(x, t);
    BOOST_TEST(mean.item() == c.mean, boost::test_tools::tolerance(1e-13));
    mean.backward();
    BOOST_TEST(all_close(x.grad(), f64(c.grad, {4, 3}), 1e-13));
  }
  // every sample ignored: the weighted mean is 0 / 0, NaN as in PyTorch
  BOOST_TEST(std::isnan(nn::cross_entropy(zeros({2, 3}), sg::tensor(std::vector<int64_t>{1, 1}, {2}),
                                          {.ignore_index = 1}).item()));
}

// The same x with probabilities q = [[0.2, 0.3, 0.5], [1, 0, 0], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25]]:
// F.cross_entropy(x, q, weight=w), (x, q, label_smoothing=0.1), (x, q, weight=w, label_smoothing=0.1,
// reduction='none').
BOOST_AUTO_TEST_CASE(cross_entropy_with_probabilities_takes_weights_and_label_smoothing_as_pytorch) {
  const Tensor x = tensor({{1.0, 2.0, 0.5}, {0.1, -0.4, 0.3}, {2.0, -1.0, 0.0}, {0.7, 0.7, -0.2}}, kFloat64);
  const Tensor q = tensor({{0.2, 0.3, 0.5}, {1.0, 0.0, 0.0}, {0.1, 0.1, 0.8}, {0.25, 0.5, 0.25}}, kFloat64);
  const Tensor w = tensor({0.5, 2.0, 1.5}, kFloat64);
  BOOST_TEST(nn::cross_entropy(x, q, {.weight = w}).item() == 1.8297970252503681, boost::test_tools::tolerance(1e-13));
  BOOST_TEST(nn::cross_entropy(x, q, {.label_smoothing = 0.1}).item() == 1.402365840841605,
             boost::test_tools::tolerance(1e-13));
  BOOST_TEST(all_close(nn::cross_entropy(x, q, {.reduction = Reduction::None, .weight = w, .label_smoothing = 0.1}),
                       f64({1.8620837678085942, 0.6297352855878847, 3.244295191461791, 1.6514168278252452}, {4}),
                       1e-13));
}

BOOST_AUTO_TEST_CASE(cross_entropy_with_options_grad_matches_finite_differences) {
  manual_seed(23);
  const Tensor t = sg::tensor(std::vector<int64_t>{0, 2, 1, 2, 3}, {5});
  const Tensor w = tensor({0.5, 2.0, 1.5, 1.0}, kFloat64);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        return nn::cross_entropy(in[0], t, {.weight = w, .ignore_index = 1, .label_smoothing = 0.25});
      },
      {uniform64({5, 4})}));
}

// F.binary_cross_entropy_with_logits(z, y, pos_weight=[2, 0.5, 3]) with z = [[0.5, -1, 2], [3, 0.25, -0.75]],
// y = [[1, 0, 0.3], [0, 1, 1]]: per element, the mean, and z.grad of the mean.
BOOST_AUTO_TEST_CASE(bce_with_logits_pos_weight_matches_pytorch) {
  Tensor z = regression_input();
  const Tensor y = tensor({{1.0, 0.0, 0.3}, {0.0, 1.0, 1.0}}, kFloat64);
  const Tensor pw = tensor({2.0, 0.5, 3.0}, kFloat64);
  BOOST_TEST(all_close(nn::binary_cross_entropy_with_logits(z, y, {.reduction = Reduction::None, .pos_weight = pw}),
                       f64({0.9481539683602134, 0.3132616875182228, 1.6030848176687562, 3.048587351573742,
                            0.28796970993942184, 3.4106130183446997}, {2, 3}), 1e-14));
  const Tensor mean = nn::BCEWithLogitsLoss({.pos_weight = pw})(z, y);
  BOOST_TEST(mean.item() == 1.6019450922341758, boost::test_tools::tolerance(1e-14));
  mean.backward();
  BOOST_TEST(all_close(z.grad(), f64({-0.1258468895993818, 0.04482357022833252, 0.08487922079410193,
                                      0.15876235447040557, -0.03648529159285016, -0.3395893495876965}, {2, 3}), 1e-14));
  // stays finite for logits of +-1000
  const Tensor big = tensor({1000.0, -1000.0}, kFloat64);
  const nn::BCEWithLogitsOptions per_element{.reduction = Reduction::None, .pos_weight = tensor({3.0}, kFloat64)};
  BOOST_TEST(all_finite(nn::binary_cross_entropy_with_logits(big, tensor({0.0, 1.0}, kFloat64), per_element)));
  manual_seed(24);
  BOOST_TEST(passes_gradcheck(
      [&](const std::vector<Tensor>& in) {
        return nn::binary_cross_entropy_with_logits(in[0], y, {.pos_weight = in[1]});
      },
      {uniform64({2, 3}), uniform64({3}, 0.5, 2.0)}));
}

BOOST_AUTO_TEST_CASE(new_loss_options_are_refused_with_the_op_and_value) {
  const Tensor x = zeros({2, 3}), labels = sg::tensor(std::vector<int64_t>{0, 2}, {2});
  BOOST_TEST(throws_with([&] { nn::cross_entropy(x, labels, {.weight = zeros({2})}); },
                         {"cross_entropy", "weight", "shape [3]", "got [2] float32"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(x, labels, {.label_smoothing = 1.5}); },
                         {"cross_entropy", "label_smoothing", "[0, 1]", "got 1.5"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(x, zeros({2, 3}), {.ignore_index = 1}); },
                         {"cross_entropy", "ignore_index", "probability", "got ignore_index 1"}));
  const Tensor five = sg::tensor(std::vector<int64_t>{0, 5}, {2});
  BOOST_TEST(throws_with([&] { nn::cross_entropy(x, five, {.ignore_index = 4}); },
                         {"cross_entropy", "[0, 3) or ignore_index 4", "got 5 at position 1"}));
  BOOST_TEST(throws_with([&] { nn::cross_entropy(x, labels, {.reduction = Reduction::BatchMean}); },
                         {"cross_entropy", "BatchMean", "kl_div"}));
  BOOST_TEST(throws_with([&] { nn::mse_loss(x, x, Reduction::BatchMean); }, {"BatchMean", "kl_div only"}));
  BOOST_TEST(throws_with([&] { nn::smooth_l1_loss(x, x, Reduction::Mean, -1); }, {"smooth_l1_loss", "beta", "got -1"}));
  BOOST_TEST(throws_with([&] { nn::huber_loss(x, x, Reduction::Mean, 0); }, {"huber_loss", "delta", "> 0", "got 0"}));
  BOOST_TEST(throws_with([&] { nn::l1_loss(x, zeros({3})); }, {"l1_loss", "[2, 3]", "[3]"}));
  BOOST_TEST(throws_with([&] { nn::kl_div(x, zeros({2, 3}, kFloat64)); }, {"kl_div", "float32", "float64"}));
  BOOST_TEST(throws_with([&] { nn::binary_cross_entropy_with_logits(x, x, {.pos_weight = zeros({4})}); },
                         {"binary_cross_entropy_with_logits", "[4]"}));
}

// x = [[0.5, -1, 2], [1.5, 0.2, -0.3]], t = [[0, -0.2, 0.5], [3, 0.1, -0.3]] (float64):
// nn.L1Loss()(x, t), nn.SmoothL1Loss(beta=0.5, reduction='sum')(x, t), nn.HuberLoss(delta=0.8, reduction='none')
// (x, t), and with lp = log_softmax(x, 1), q = softmax(t, 1): nn.KLDivLoss(reduction='batchmean')(lp, q),
// nn.KLDivLoss(reduction='sum', log_target=True)(lp, log(q)). torch 1.13.
BOOST_AUTO_TEST_CASE(the_regression_and_kl_loss_modules_match_pytorch) {
  const Tensor x = tensor({{0.5, -1.0, 2.0}, {1.5, 0.2, -0.3}}, kFloat64);
  const Tensor t = tensor({{0.0, -0.2, 0.5}, {3.0, 0.1, -0.3}}, kFloat64);
  nn::L1Loss l1;
  BOOST_TEST(l1(x, t).item() == 0.7333333333333334, boost::test_tools::tolerance(1e-14));
  nn::SmoothL1Loss smooth({.reduction = Reduction::Sum, .beta = 0.5});
  BOOST_TEST(smooth(x, t).item() == 3.31, boost::test_tools::tolerance(1e-14));
  nn::HuberLoss huber({.reduction = Reduction::None, .delta = 0.8});
  BOOST_TEST(all_close(huber.forward(x, t),
                       tensor({{0.125, 0.32000000000000006, 0.8800000000000001},
                               {0.8800000000000001, 0.005000000000000001, 0.0}},
                              kFloat64),
                       1e-14));
  const Tensor lp = log_softmax(x, 1), q = softmax(t, 1);
  nn::KLDivLoss kl({.reduction = Reduction::BatchMean});
  BOOST_TEST(kl(lp, q).item() == 0.2366380532284739, boost::test_tools::tolerance(1e-13));
  nn::KLDivLoss kl_log({.reduction = Reduction::Sum, .log_target = true});
  BOOST_TEST(kl_log(lp, log(q)).item() == 0.47327610645694784, boost::test_tools::tolerance(1e-13));
}

// torch: nn.CrossEntropyLoss(weight=w).state_dict() holds "weight", nn.BCEWithLogitsLoss(pos_weight=p) "pos_weight",
// and module.double() converts them.
BOOST_AUTO_TEST_CASE(class_weights_are_buffers_that_follow_the_module) {
  nn::CrossEntropyLoss ce({.weight = tensor({1.0, 2.0, 0.5})});
  BOOST_TEST(ce.state_dict().keys() == std::vector<std::string>{"weight"}, boost::test_tools::per_element());
  ce.to(kFloat64);
  const Tensor logits = tensor({{0.1, 0.2, 0.3}}, kFloat64);
  BOOST_TEST(ce.options.weight.dtype() == kFloat64);
  BOOST_TEST(ce(logits, tensor(std::vector<int64_t>{1}, {1})).dtype() == kFloat64);
  nn::BCEWithLogitsLoss bce({.pos_weight = tensor({3.0})});
  BOOST_TEST(bce.state_dict().keys() == std::vector<std::string>{"pos_weight"}, boost::test_tools::per_element());
  BOOST_TEST(nn::CrossEntropyLoss().state_dict().empty());
}

BOOST_AUTO_TEST_CASE(the_new_loss_modules_print_non_default_options_and_refuse_bad_ones) {
  BOOST_TEST(nn::L1Loss().repr() == "L1Loss()");
  BOOST_TEST(nn::SmoothL1Loss({.beta = 0.5}).repr() == "SmoothL1Loss(beta=0.5)");
  BOOST_TEST(nn::HuberLoss({.reduction = Reduction::Sum, .delta = 2}).repr() == "HuberLoss(reduction=sum, delta=2)");
  BOOST_TEST(nn::KLDivLoss({.reduction = Reduction::BatchMean, .log_target = true}).repr() ==
             "KLDivLoss(reduction=batchmean, log_target=true)");
  BOOST_TEST(nn::CrossEntropyLoss({.weight = ones({3}), .label_smoothing = 0.1}).repr() ==
             "CrossEntropyLoss(weight=[3], label_smoothing=0.1)");
  BOOST_TEST(nn::BCEWithLogitsLoss({.pos_weight = ones({2})}).repr() == "BCEWithLogitsLoss(pos_weight=[2])");
  BOOST_TEST(throws_with([] { nn::SmoothL1Loss({.beta = -1}); }, {"SmoothL1Loss: invalid beta", "got -1"}));
  BOOST_TEST(throws_with([] { nn::HuberLoss({.delta = 0}); }, {"HuberLoss: delta must be > 0, got 0"}));
  BOOST_TEST(throws_with([] { nn::HuberLoss({.delta = NAN}); }, {"HuberLoss: invalid delta", "got nan"}));
}

BOOST_AUTO_TEST_SUITE_END()
