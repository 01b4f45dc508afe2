// Losses against values computed by hand here, the reductions, the stability cases (logits of +-1000),
// and gradcheck.
#include "tests/testing.h"

#include <cmath>

#include "scratchgrad/nn.h"

using namespace sg;
using sg::testing::all_close;
using sg::testing::passes_gradcheck;
using sg::testing::throws_with;
using sg::testing::uniform64;
using nn::Reduction;

namespace {
bool all_finite(const Tensor& t) {
  for (double v : t.to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(loss)

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

BOOST_AUTO_TEST_SUITE_END()
