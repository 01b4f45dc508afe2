// Optimizers: the first three steps on a fixed two-parameter problem against each update rule evaluated
// here, element by element, in plain doubles; param groups; schedulers' lr over ten steps.
#include "tests/testing.h"

#include <array>
#include <cmath>
#include <functional>
#include <numbers>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(optim)

namespace {
// The problem: loss(p) = 1 * p0^2 + 3 * p1^2 from p = (1, -2); its gradient is (2 p0, 6 p1).
constexpr std::array<double, 2> kCurvature{1.0, 3.0};
constexpr std::array<double, 2> kStart{1.0, -2.0};

Tensor start() { return tensor({kStart[0], kStart[1]}, kFloat64).requires_grad_(); }
double grad_at(double p, int i) { return 2 * kCurvature[i] * p; }

// Runs three steps of opt on p, checking p after each against reference(step, i, p_i) which advances
// the hand-written rule for element i by one step and returns the new value.
template <class Reference>
void check_three_steps(sg::optim::Optimizer& opt, const Tensor& p, Reference reference) {
  std::array<double, 2> expected = kStart;
  for (int step = 1; step <= 3; ++step) {
    opt.zero_grad();
    (p * p * tensor({kCurvature[0], kCurvature[1]}, kFloat64)).sum().backward();
    opt.step();
    for (int i = 0; i < 2; ++i) expected[i] = reference(step, i, expected[i]);
    BOOST_TEST(all_close(p, tensor({expected[0], expected[1]}, kFloat64), 1e-12, 1e-12), "step " << step);
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(plain_sgd_takes_lr_times_the_gradient) {
  const Tensor p = start();
  sg::optim::SGD opt({p}, {.lr = 0.1});
  check_three_steps(opt, p, [](int, int i, double x) { return x - 0.1 * grad_at(x, i); });
  // By hand for p0: 1 -> 0.8 -> 0.64 -> 0.512.
  BOOST_TEST(p.at({0}) == 0.512, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(sgd_with_momentum_dampening_and_weight_decay_follows_the_rule) {
  const Tensor p = start();
  const double lr = 0.05, mu = 0.9, tau = 0.1, wd = 0.01;
  sg::optim::SGD opt({p}, {.lr = lr, .momentum = mu, .dampening = tau, .weight_decay = wd});
  std::array<double, 2> b{};
  check_three_steps(opt, p, [&](int step, int i, double x) {
    const double g = grad_at(x, i) + wd * x;
    b[i] = step == 1 ? g : mu * b[i] + (1 - tau) * g;
    return x - lr * b[i];
  });
  BOOST_TEST(opt.state(0).contains("momentum_buffer"));
}

BOOST_AUTO_TEST_CASE(sgd_with_nesterov_follows_the_rule) {
  const Tensor p = start();
  const double lr = 0.05, mu = 0.9;
  sg::optim::SGD opt({p}, {.lr = lr, .momentum = mu, .nesterov = true});
  std::array<double, 2> b{};
  check_three_steps(opt, p, [&](int step, int i, double x) {
    const double g = grad_at(x, i);
    b[i] = step == 1 ? g : mu * b[i] + g;
    return x - lr * (g + mu * b[i]);
  });
  BOOST_TEST(throws_with([&] { sg::optim::SGD({p}, {.lr = 0.1, .nesterov = true}); }, {"SGD", "nesterov", "momentum 0"}));
}

BOOST_AUTO_TEST_CASE(rmsprop_follows_the_rule) {
  const Tensor p = start();
  const double lr = 0.01, alpha = 0.9, eps = 1e-8;
  sg::optim::RMSprop opt({p}, {.lr = lr, .alpha = alpha});
  std::array<double, 2> v{};
  check_three_steps(opt, p, [&](int, int i, double x) {
    const double g = grad_at(x, i);
    v[i] = alpha * v[i] + (1 - alpha) * g * g;
    return x - lr * g / (std::sqrt(v[i]) + eps);
  });
}

BOOST_AUTO_TEST_CASE(centered_rmsprop_with_momentum_and_weight_decay_follows_the_rule) {
  const Tensor p = start();
  const double lr = 0.01, alpha = 0.99, eps = 1e-8, mu = 0.5, wd = 0.1;
  sg::optim::RMSprop opt({p}, {.lr = lr, .alpha = alpha, .weight_decay = wd, .momentum = mu, .centered = true});
  std::array<double, 2> v{}, g_avg{}, b{};
  check_three_steps(opt, p, [&](int, int i, double x) {
    const double g = grad_at(x, i) + wd * x;
    v[i] = alpha * v[i] + (1 - alpha) * g * g;
    g_avg[i] = alpha * g_avg[i] + (1 - alpha) * g;
    b[i] = mu * b[i] + g / (std::sqrt(v[i] - g_avg[i] * g_avg[i]) + eps);
    return x - lr * b[i];
  });
  BOOST_TEST(opt.state(0).at("step").item() == 3.0);
}

BOOST_AUTO_TEST_CASE(adam_follows_the_rule) {
  const Tensor p = start();
  const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  sg::optim::Adam opt({p}, {.lr = lr});
  std::array<double, 2> m{}, v{};
  check_three_steps(opt, p, [&](int t, int i, double x) {
    const double g = grad_at(x, i);
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    const double m_hat = m[i] / (1 - std::pow(b1, t)), v_hat = v[i] / (1 - std::pow(b2, t));
    return x - lr * m_hat / (std::sqrt(v_hat) + eps);
  });
  // Adam's first step moves every element by about lr, whatever its gradient: 1 -> 0.9.
  const Tensor q = start();
  sg::optim::Adam first({q}, {.lr = 0.1});
  (q * q).sum().backward();
  first.step();
  BOOST_TEST(q.at({0}) == 0.9, boost::test_tools::tolerance(1e-7));
}

BOOST_AUTO_TEST_CASE(adam_with_l2_and_amsgrad_follows_the_rule) {
  const Tensor p = start();
  const double lr = 0.1, b1 = 0.8, b2 = 0.9, eps = 1e-6, wd = 0.5;
  sg::optim::Adam opt({p}, {.lr = lr, .betas = {b1, b2}, .eps = eps, .weight_decay = wd, .amsgrad = true});
  std::array<double, 2> m{}, v{}, v_max{};
  check_three_steps(opt, p, [&](int t, int i, double x) {
    const double g = grad_at(x, i) + wd * x;
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    v_max[i] = std::max(v_max[i], v[i]);
    const double m_hat = m[i] / (1 - std::pow(b1, t)), v_hat = v_max[i] / (1 - std::pow(b2, t));
    return x - lr * m_hat / (std::sqrt(v_hat) + eps);
  });
}

BOOST_AUTO_TEST_CASE(adamw_decays_the_weights_before_the_adam_step) {
  const Tensor p = start();
  const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
  sg::optim::AdamW opt({p}, {.lr = lr, .weight_decay = wd});
  std::array<double, 2> m{}, v{};
  check_three_steps(opt, p, [&](int t, int i, double x) {
    const double g = grad_at(x, i);  // taken before the decay
    x = x - lr * wd * x;
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    const double m_hat = m[i] / (1 - std::pow(b1, t)), v_hat = v[i] / (1 - std::pow(b2, t));
    return x - lr * m_hat / (std::sqrt(v_hat) + eps);
  });
}

namespace {
// Three Adagrad steps on p = [1, -2, 3] (float64) with the gradients set by hand, as
// p.grad = torch.tensor(g, dtype=torch.float64); opt.step() does in PyTorch.
std::vector<std::vector<double>> adagrad_three_steps(const sg::optim::AdagradOptions& options, Tensor& sum) {
  Tensor p = tensor({1.0, -2.0, 3.0}, kFloat64).requires_grad_();
  sg::optim::Adagrad opt({p}, options);
  const std::vector<std::vector<double>> grads{{0.5, -1.0, 2.0}, {0.1, 0.3, -0.2}, {-0.4, 0.0, 1.5}};
  std::vector<std::vector<double>> out;
  for (const auto& g : grads) {
    p.set_grad(tensor(g, {3}));
    opt.step();
    out.push_back(p.to_vector<double>());
  }
  sum = opt.state(0).at("sum");
  BOOST_TEST(opt.state(0).at("step").item() == 3);
  return out;
}
}  // namespace

// torch.optim.Adagrad([p], lr=0.1), then with lr_decay=0.05, weight_decay=0.1,
// initial_accumulator_value=0.2, eps=1e-6: p after each step and state["sum"] (torch 1.13).
BOOST_AUTO_TEST_CASE(adagrad_matches_pytorch_step_by_step) {
  Tensor sum;
  const std::vector<std::vector<double>> plain = adagrad_three_steps({.lr = 0.1}, sum);
  const std::vector<std::vector<double>> expected{{0.90000000002, -1.90000000001, 2.900000000005},
                                                  {0.8803883865100278, -1.9287347885638821, 2.909950371906605},
                                                  {0.9421097264853407, -1.9287347885638821, 2.8501414551968223}};
  for (size_t t = 0; t < 3; ++t)
    BOOST_TEST(all_close(tensor(plain[t], {3}), tensor(expected[t], {3}), 1e-14, 1e-14), "step " << t + 1);
  BOOST_TEST(all_close(sum, tensor({0.42000000000000004, 1.09, 6.29}, kFloat64), 1e-14, 1e-14));

  const std::vector<std::vector<double>> all = adagrad_three_steps(
      {.lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.1, .initial_accumulator_value = 0.2, .eps = 1e-6}, sum);
  const std::vector<std::vector<double>> expected_all{{0.9198217345689866, -1.906295816037511, 2.901838433945782},
                                                      {0.8961551362026928, -1.914400017426611, 2.8981754785522744},
                                                      {0.9300457062905321, -1.9010071107617161, 2.843016416689253}};
  for (size_t t = 0; t < 3; ++t)
    BOOST_TEST(all_close(tensor(all[t], {3}), tensor(expected_all[t], {3}), 1e-14, 1e-14), "step " << t + 1);
  const Tensor expected_sum = tensor({0.693195684310444, 1.6886111626874005, 8.701579980219917}, kFloat64);
  BOOST_TEST(all_close(sum, expected_sum, 1e-14, 1e-14));
}

BOOST_AUTO_TEST_CASE(param_groups_have_their_own_lr) {
  const Tensor a = tensor({1.0}, kFloat64).requires_grad_(), b = tensor({1.0}, kFloat64).requires_grad_();
  sg::optim::SGD opt({a}, {.lr = 0.1});
  opt.add_param_group({b}, {.lr = 0.01});
  BOOST_TEST(opt.group_count() == 2u);
  (a + b).sum().backward();  // both gradients are 1
  opt.step();
  BOOST_TEST(a.item() == 0.9, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(b.item() == 0.99, boost::test_tools::tolerance(1e-12));
  opt.set_lr(0.5, 1);
  opt.step();
  BOOST_TEST(b.item() == 0.49, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(throws_with([&] { opt.add_param_group({a}); }, {"SGD", "one group only"}));
}

BOOST_AUTO_TEST_CASE(parameters_without_a_gradient_are_left_alone_and_zero_grad_clears) {
  const Tensor a = tensor({1.0}, kFloat64).requires_grad_(), b = tensor({1.0}, kFloat64).requires_grad_();
  sg::optim::Adam opt({a, b});
  (a * 2.0).sum().backward();
  opt.step();
  BOOST_TEST(b.item() == 1.0);
  BOOST_TEST(opt.state(1).empty());
  opt.zero_grad();
  BOOST_TEST(!a.grad().defined());
  BOOST_TEST(throws_with([] { sg::optim::SGD({zeros({2})}); }, {"SGD", "require grad"}));
}

BOOST_AUTO_TEST_CASE(every_optimizer_refuses_an_empty_parameter_list) {
  const std::vector<Tensor> none;
  BOOST_TEST(throws_with([&] { sg::optim::SGD(none, {.lr = 0.1}); }, {"SGD: no parameters to optimize", "empty"}));
  BOOST_TEST(throws_with([&] { (void)sg::optim::Adam(none); }, {"Adam: no parameters to optimize", "empty"}));
  BOOST_TEST(throws_with([&] { (void)sg::optim::AdamW(none); }, {"AdamW: no parameters to optimize", "empty"}));
  BOOST_TEST(throws_with([&] { (void)sg::optim::RMSprop(none); }, {"RMSprop: no parameters to optimize", "empty"}));
  // The usual way to get there: a model without parameters.
  nn::ReLU relu;
  BOOST_TEST(relu.parameters().empty());
  BOOST_TEST(throws_with([&] { sg::optim::SGD(relu.parameters()); }, {"SGD: no parameters to optimize"}));
  // A later empty group is refused as well, and leaves the optimizer as it was.
  sg::optim::SGD opt({start()}, {.lr = 0.1});
  BOOST_TEST(throws_with([&] { opt.add_param_group(none); }, {"SGD: no parameters to optimize", "group 1"}));
  BOOST_TEST(opt.group_count() == 1u);
  BOOST_TEST(opt.param_count() == 1u);
}

BOOST_AUTO_TEST_CASE(a_parameter_listed_twice_in_one_group_is_refused) {
  const Tensor a = start(), b = start();
  BOOST_TEST(throws_with([&] { sg::optim::SGD({a, b, a}, {.lr = 0.1}); },
                         {"SGD", "once in its group", "parameters 0 and 2 of group 0", "shape [2]"}));
  BOOST_TEST(throws_with([&] { sg::optim::Adam({b, b}); }, {"Adam", "parameters 0 and 1 of group 0"}));
  sg::optim::RMSprop opt({a});
  BOOST_TEST(throws_with([&] { opt.add_param_group({b, b}); }, {"RMSprop", "parameters 0 and 1 of group 1"}));
  BOOST_TEST(opt.group_count() == 1u);
  // Equal values in different tensors are different parameters.
  BOOST_TEST(sg::optim::SGD({a, b}, {.lr = 0.1}).param_count() == 2u);
}

BOOST_AUTO_TEST_CASE(an_sgd_step_updates_the_model_through_its_parameters) {
  manual_seed(0);
  nn::Linear fc(3, 1);
  const Tensor before = fc.weight.detach().clone();
  sg::optim::SGD opt(fc.parameters(), {.lr = 0.5});
  fc.forward(ones({1, 3})).sum().backward();
  opt.step();
  BOOST_TEST(all_close(fc.weight, before - 0.5, 1e-7));
}

// ---- schedulers ------------------------------------------------------------
namespace {
std::vector<double> ten_steps(sg::optim::LRScheduler& scheduler) {
  std::vector<double> lrs;
  for (int i = 0; i < 10; ++i) {
    scheduler.step();
    lrs.push_back(scheduler.last_lr()[0]);
  }
  return lrs;
}
Tensor as_tensor(const std::vector<double>& values) { return sg::tensor(values, {int64_t(values.size())}); }
}  // namespace

BOOST_AUTO_TEST_CASE(step_lr_multiplies_by_gamma_every_step_size_epochs) {
  const Tensor p = start();
  sg::optim::SGD opt({p}, {.lr = 1.0});
  sg::optim::StepLR scheduler(opt, 3, {.gamma = 0.5});
  const std::vector<double> expected{1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125};
  BOOST_TEST(all_close(as_tensor(ten_steps(scheduler)), as_tensor(expected), 1e-15, 0));
  BOOST_TEST(opt.lr() == 0.125);
}

BOOST_AUTO_TEST_CASE(exponential_lr_multiplies_by_gamma_every_epoch) {
  const Tensor p = start();
  sg::optim::Adam opt({p}, {.lr = 0.1});
  sg::optim::ExponentialLR scheduler(opt, 0.9);
  std::vector<double> expected;
  double lr = 0.1;
  for (int e = 1; e <= 10; ++e) expected.push_back(lr *= 0.9);
  BOOST_TEST(all_close(as_tensor(ten_steps(scheduler)), as_tensor(expected), 1e-12, 0));
}

BOOST_AUTO_TEST_CASE(cosine_annealing_follows_half_a_cosine_to_eta_min_and_back) {
  const Tensor p = start();
  sg::optim::RMSprop opt({p}, {.lr = 0.1});
  sg::optim::CosineAnnealingLR scheduler(opt, 5, {.eta_min = 0.01});
  std::vector<double> expected;
  for (int e = 1; e <= 10; ++e) expected.push_back(0.01 + 0.09 * (1 + std::cos(std::numbers::pi * e / 5)) / 2);
  const std::vector<double> lrs = ten_steps(scheduler);
  BOOST_TEST(all_close(as_tensor(lrs), as_tensor(expected), 1e-12, 0));
  BOOST_TEST(lrs[4] == 0.01, boost::test_tools::tolerance(1e-12));  // epoch 5 = t_max: the minimum
  BOOST_TEST(lrs[9] == 0.1, boost::test_tools::tolerance(1e-12));   // epoch 10: back to the start
}

BOOST_AUTO_TEST_CASE(schedulers_scale_each_group_from_its_own_initial_lr) {
  const Tensor a = start(), b = start();
  sg::optim::SGD opt({a}, {.lr = 1.0});
  opt.add_param_group({b}, {.lr = 0.1});
  sg::optim::StepLR scheduler(opt, 1, {.gamma = 0.5});
  scheduler.step();
  scheduler.step();
  BOOST_TEST(scheduler.last_lr() == std::vector<double>({0.25, 0.025}), boost::test_tools::per_element());
}

namespace {
// The lr before the first step, then after each of n steps, as PyTorch's sequence
// [opt.param_groups[0]["lr"]] + [lr after opt.step(); scheduler.step() for each step].
template <class Step>
std::vector<double> lr_sequence(const sg::optim::Optimizer& opt, int n, Step step) {
  std::vector<double> lrs{opt.lr()};
  for (int i = 0; i < n; ++i) {
    step(i);
    lrs.push_back(opt.lr());
  }
  return lrs;
}
void check_sequence(const std::vector<double>& actual, const std::vector<double>& expected) {
  BOOST_REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    BOOST_TEST(actual[i] == expected[i], "epoch " << i << boost::test_tools::tolerance(1e-12));
}
}  // namespace

// Fixtures: torch 1.13, SGD([p], lr=0.1, momentum=0.9), the scheduler named in each comment.
BOOST_AUTO_TEST_CASE(linear_lr_warms_up_or_decays_then_stays_as_pytorch) {
  sg::optim::SGD opt({start()}, {.lr = 0.1, .momentum = 0.9});
  // LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4)
  sg::optim::LinearLR up(opt, {.start_factor = 0.25, .end_factor = 1.0, .total_iters = 4});
  check_sequence(lr_sequence(opt, 6, [&](int) { up.step(); }),
                 {0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.10000000000000002,
                  0.10000000000000002, 0.10000000000000002});
  sg::optim::SGD opt2({start()}, {.lr = 0.1});
  // LinearLR(o, start_factor=1.0, end_factor=0.5, total_iters=3)
  sg::optim::LinearLR down(opt2, {.start_factor = 1.0, .end_factor = 0.5, .total_iters = 3});
  check_sequence(lr_sequence(opt2, 5, [&](int) { down.step(); }),
                 {0.1, 0.08333333333333334, 0.06666666666666668, 0.05000000000000001, 0.05000000000000001,
                  0.05000000000000001});
}

BOOST_AUTO_TEST_CASE(one_cycle_lr_rises_and_anneals_as_pytorch) {
  sg::optim::SGD opt({start()}, {.lr = 0.1, .momentum = 0.9});
  sg::optim::OneCycleLR cos(opt, 1.0, 10);  // OneCycleLR(o, max_lr=1.0, total_steps=10)
  check_sequence(lr_sequence(opt, 9, [&](int) { cos.step(); }),
                 {0.040000000000000036, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893,
                  0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 4e-06});
  cos.step();  // step 10 = total_steps is still allowed, as in PyTorch; one more is not
  BOOST_TEST(throws_with([&] { cos.step(); }, {"OneCycleLR: tried to step 11 times, but total_steps is 10"}));
  // OneCycleLR(o, max_lr=0.5, total_steps=8, pct_start=0.25, anneal_strategy='linear', div_factor=10,
  // final_div_factor=100)
  sg::optim::SGD opt2({start()}, {.lr = 0.1});
  sg::optim::OneCycleLR line(opt2, 0.5, 8,
                             {.pct_start = 0.25, .anneal_strategy = sg::optim::AnnealStrategy::Linear,
                              .div_factor = 10, .final_div_factor = 100});
  check_sequence(lr_sequence(opt2, 7, [&](int) { line.step(); }),
                 {0.05, 0.5, 0.41675, 0.3335, 0.25025, 0.16700000000000004, 0.08374999999999999,
                  0.0005000000000000004});
}

// Fixtures: torch 1.13, the optimizer's param_groups[0]['momentum'] (or ['betas']) after the scheduler's
// construction and after each optimizer.step(); scheduler.step().
BOOST_AUTO_TEST_CASE(one_cycle_lr_cycles_momentum_the_other_way_as_pytorch) {
  // SGD([p], lr=0.1, momentum=0.9); OneCycleLR(o, max_lr=1.0, total_steps=10): momentum from 0.95 down to
  // 0.85 where the lr peaks (step 2), back up to 0.95 at the last step; step 10 goes on along the cosine.
  sg::optim::SGD opt({start()}, {.lr = 0.1, .momentum = 0.9});
  sg::optim::OneCycleLR cos(opt, 1.0, 10);
  std::vector<double> momenta{opt.momentum()};
  for (int i = 0; i < 10; ++i) {
    cos.step();
    momenta.push_back(opt.momentum());
  }
  check_sequence(momenta, {0.95, 0.8999999999999999, 0.85, 0.854951556604879, 0.8688255099070633, 0.8888739533021842,
                           0.9111260466978157, 0.9311744900929366, 0.945048443395121, 0.95, 0.945048443395121});
  // Adam([p], lr=0.1, betas=(0.8, 0.99)); OneCycleLR(o, max_lr=0.5, total_steps=8, pct_start=0.25,
  // anneal_strategy='linear', div_factor=10, final_div_factor=100, base_momentum=0.8, max_momentum=0.9):
  // beta1 is cycled, beta2 left alone.
  sg::optim::Adam adam({start()}, {.lr = 0.1, .betas = {0.8, 0.99}});
  sg::optim::OneCycleLR line(adam, 0.5, 8,
                             {.pct_start = 0.25, .anneal_strategy = sg::optim::AnnealStrategy::Linear, .div_factor = 10,
                              .final_div_factor = 100, .base_momentum = 0.8, .max_momentum = 0.9});
  std::vector<double> beta1{adam.options().betas[0]};
  for (int i = 0; i < 7; ++i) {  // (an 8th step would take the line's lr below 0, which set_lr refuses)
    line.step();
    beta1.push_back(adam.options().betas[0]);
    BOOST_TEST(adam.options().betas[1] == 0.99);
  }
  check_sequence(beta1, {0.9, 0.8, 0.8166666666666667, 0.8333333333333334, 0.8500000000000001, 0.8666666666666667,
                         0.8833333333333333, 0.9});
  // An SGD made without momentum gets one, as in PyTorch; cycle_momentum = false leaves it alone.
  sg::optim::SGD plain({start()}, {.lr = 0.1});
  sg::optim::OneCycleLR with(plain, 0.5, 4);
  BOOST_TEST(plain.momentum() == 0.95);
  BOOST_TEST(plain.state_fields(0) == std::vector<std::string>{"momentum_buffer"}, boost::test_tools::per_element());
  sg::optim::SGD kept({start()}, {.lr = 0.1, .momentum = 0.5});
  sg::optim::OneCycleLR without(kept, 0.5, 4, {.cycle_momentum = false});
  without.step();
  BOOST_TEST(kept.momentum() == 0.5);
}

BOOST_AUTO_TEST_CASE(one_cycle_lr_refuses_an_optimizer_without_momentum_and_bad_momenta) {
  sg::optim::Adagrad adagrad({start()}, {.lr = 0.1});
  BOOST_TEST(!adagrad.has_momentum());
  BOOST_TEST(throws_with([&] { sg::optim::OneCycleLR(adagrad, 0.5, 8); },
                         {"OneCycleLR: the optimizer has no momentum or beta1 to cycle; pass .cycle_momentum = false"}));
  BOOST_TEST(throws_with([&] { adagrad.set_momentum(0.9); }, {"Optimizer::set_momentum: Adagrad has no momentum"}));
  sg::optim::OneCycleLR fine(adagrad, 0.5, 8, {.cycle_momentum = false});
  BOOST_TEST(adagrad.lr() == 0.02, boost::test_tools::tolerance(1e-12));  // max_lr / div_factor
  sg::optim::SGD sgd({start()}, {.lr = 0.1});
  BOOST_TEST(throws_with([&] { sg::optim::OneCycleLR(sgd, 0.5, 8, {.max_momentum = 1.5}); },
                         {"OneCycleLR", "max_momentum", "1.5"}));
  // The optimizer's own rules hold for a cycled value: Adam's beta1 must stay below 1.
  sg::optim::Adam adam({start()}, {.lr = 0.1});
  BOOST_TEST(throws_with([&] { sg::optim::OneCycleLR(adam, 0.5, 8, {.max_momentum = 1.0}); },
                         {"Adam", "beta parameter at index 0", "1"}));
  BOOST_TEST(adam.options().betas[0] == 0.9);  // refused whole: nothing changed
}

BOOST_AUTO_TEST_CASE(sequential_lr_hands_over_at_each_milestone_as_pytorch) {
  // SequentialLR(o, [LinearLR(o, start_factor=0.1, total_iters=3), ExponentialLR(o, gamma=0.5)], milestones=[3])
  sg::optim::SGD opt({start()}, {.lr = 0.1, .momentum = 0.9});
  sg::optim::LinearLR warmup(opt, {.start_factor = 0.1, .total_iters = 3});
  sg::optim::ExponentialLR decay(opt, 0.5);
  sg::optim::SequentialLR both(opt, {warmup, decay}, {3});
  check_sequence(lr_sequence(opt, 7, [&](int) { both.step(); }),
                 {0.010000000000000002, 0.04, 0.07, 0.1, 0.05, 0.025, 0.0125, 0.00625});
  // SequentialLR(o, [LinearLR(o, start_factor=0.5, total_iters=2), StepLR(o, step_size=2, gamma=0.1),
  //                  CosineAnnealingLR(o, T_max=4)], milestones=[2, 5])
  sg::optim::SGD opt2({start()}, {.lr = 0.1, .momentum = 0.9});
  sg::optim::LinearLR a(opt2, {.start_factor = 0.5, .total_iters = 2});
  sg::optim::StepLR b(opt2, 2, {.gamma = 0.1});
  sg::optim::CosineAnnealingLR c(opt2, 4);
  sg::optim::SequentialLR three(opt2, {a, b, c}, {2, 5});
  check_sequence(lr_sequence(opt2, 9, [&](int) { three.step(); }),
                 {0.05, 0.07500000000000001, 0.1, 0.1, 0.010000000000000002, 0.1, 0.08535533905932738, 0.05,
                  0.014644660940672627, 0.0});
  BOOST_TEST(throws_with(
      [&] { sg::optim::SequentialLR(opt2, {a, b}, {2, 5}); },
      {"SequentialLR: expected one milestone fewer than schedulers, got 2 schedulers and 2 milestones"}));
  BOOST_TEST(throws_with([&] { sg::optim::SequentialLR(opt2, {a, b, c}, {5, 2}); }, {"increasing", "[5, 2]"}));
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_follows_the_metric_as_pytorch) {
  using sg::optim::PlateauMode, sg::optim::ThresholdMode;
  const auto run = [](const sg::optim::ReduceLROnPlateauOptions& options, const std::vector<double>& metrics) {
    sg::optim::SGD opt({start()}, {.lr = 1.0});
    sg::optim::ReduceLROnPlateau scheduler(opt, options);
    return lr_sequence(opt, int(metrics.size()), [&](int i) { scheduler.step(metrics[size_t(i)]); });
  };
  const std::vector<double> losses{1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9};
  // ReduceLROnPlateau(o, factor=0.5, patience=1, min_lr=0.2)
  check_sequence(run({.factor = 0.5, .patience = 1, .min_lr = 0.2}, losses),
                 {1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2});
  // ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=2)
  check_sequence(run({.factor = 0.5, .patience = 1, .cooldown = 2}, losses),
                 {1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125});
  const std::vector<double> accuracies{10, 10.5, 10.7, 12, 12.05, 14, 14, 14};
  // ReduceLROnPlateau(o, mode='max', factor=0.1, patience=0, threshold=0.1, threshold_mode='abs')
  check_sequence(run({.mode = PlateauMode::Max, .patience = 0, .threshold = 0.1, .threshold_mode = ThresholdMode::Abs},
                     accuracies),
                 {1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.010000000000000002, 0.0010000000000000002});
  // ReduceLROnPlateau(o, mode='max', factor=0.1, patience=0, threshold=0.1)
  check_sequence(run({.mode = PlateauMode::Max, .patience = 0, .threshold = 0.1}, accuracies),
                 {1.0, 1.0, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002,
                  0.0010000000000000002, 0.00010000000000000003, 1.0000000000000004e-05});
  // ReduceLROnPlateau(o, factor=0.5, patience=0, threshold=0.1, threshold_mode='abs')
  check_sequence(run({.factor = 0.5, .patience = 0, .threshold = 0.1, .threshold_mode = ThresholdMode::Abs},
                     {10, 9.5, 9.2, 9.19, 8, 7.99, 7.99}),
                 {1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.125});
  // torch: "Factor should be < 1.0."
  sg::optim::SGD opt({start()}, {.lr = 1.0});
  BOOST_TEST(throws_with([&] { sg::optim::ReduceLROnPlateau(opt, {.factor = 1.0}); },
                         {"ReduceLROnPlateau: invalid factor", "[0, 1)", "got 1"}));
  sg::optim::ReduceLROnPlateau scheduler(opt);
  BOOST_TEST(throws_with([&] { scheduler.step(std::nan("")); }, {"ReduceLROnPlateau::step", "NaN"}));
}

BOOST_AUTO_TEST_CASE(optimizers_and_schedulers_refuse_impossible_hyperparameters) {
  const Tensor p = zeros({2}).requires_grad_();
  BOOST_TEST(throws_with([&] { sg::optim::SGD({p}, {.lr = -0.1}); }, {"SGD: invalid learning rate", ">= 0", "got -0.1"}));
  BOOST_TEST(throws_with([&] { sg::optim::SGD({p}, {.lr = std::nan("")}); }, {"SGD", "learning rate", "got nan"}));
  BOOST_TEST(throws_with([&] { sg::optim::SGD({p}, {.lr = 0.1, .momentum = -0.9}); }, {"SGD: invalid momentum value", "got -0.9"}));
  BOOST_TEST(throws_with([&] { sg::optim::Adam({p}, {.lr = -1e-3}); }, {"Adam: invalid learning rate", "got -0.001"}));
  BOOST_TEST(throws_with([&] { sg::optim::Adam({p}, {.betas = {0.9, 1.0}}); },
                         {"Adam: invalid beta parameter at index 1", "[0, 1)", "got 1"}));
  BOOST_TEST(throws_with([&] { sg::optim::AdamW({p}, {.eps = -1}); }, {"AdamW: invalid epsilon value", "got -1"}));
  BOOST_TEST(throws_with([&] { sg::optim::RMSprop({p}, {.alpha = -0.5}); }, {"RMSprop: invalid alpha value", "got -0.5"}));
  BOOST_TEST(throws_with([&] { sg::optim::SGD({p.detach().to(kInt64)}, {.lr = 0.1}); }, {"SGD", "int64"}));

  sg::optim::SGD sgd({p}, {.lr = 0.1});
  BOOST_TEST(throws_with([&] { sgd.set_lr(-1.0); }, {"set_lr: invalid learning rate", ">= 0", "got -1"}));
  BOOST_TEST(throws_with([&] { sgd.set_lr(std::nan("")); }, {"set_lr", "nan"}));
  BOOST_TEST(throws_with([&] { sgd.set_lr(0.1, 1); }, {"set_lr", "group", "got 1"}));
  BOOST_TEST(sgd.lr() == 0.1);
  BOOST_TEST(throws_with([&] { sg::optim::StepLR(sgd, 0); }, {"StepLR", "step_size", "got 0"}));
  BOOST_TEST(throws_with([&] { sg::optim::CosineAnnealingLR(sgd, -3); }, {"CosineAnnealingLR", "t_max", "got -3"}));
}

// Each of these was accepted, and training then went on with NaN or infinite steps (or, for an alpha
// above 1, with the square root of a negative average). The messages follow PyTorch's ("Invalid
// learning rate: inf") with the range expected.
BOOST_AUTO_TEST_CASE(non_finite_and_out_of_range_options_are_refused_naming_the_option) {
  const Tensor p = zeros({2}).requires_grad_();
  const double nan = std::nan(""), inf = INFINITY;
  struct Case {
    std::function<void()> make;
    std::vector<std::string> message;
  };
  const std::vector<Case> cases{
      {[&] { sg::optim::SGD({p}, {.lr = inf}); }, {"SGD: invalid learning rate: expected a finite value >= 0, got inf"}},
      {[&] { sg::optim::SGD({p}, {.lr = 0.1, .momentum = inf}); }, {"SGD: invalid momentum value", "got inf"}},
      {[&] { sg::optim::SGD({p}, {.lr = 0.1, .dampening = nan}); },
       {"SGD: invalid dampening value: expected a finite value in [0, 1], got nan"}},
      {[&] { sg::optim::SGD({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 1.5}); }, {"SGD: invalid dampening", "got 1.5"}},
      {[&] { sg::optim::SGD({p}, {.lr = 0.1, .weight_decay = nan}); }, {"SGD: invalid weight_decay value", "got nan"}},
      {[&] { sg::optim::Adam({p}, {.lr = inf}); }, {"Adam: invalid learning rate", "got inf"}},
      {[&] { sg::optim::Adam({p}, {.eps = nan}); }, {"Adam: invalid epsilon value", "got nan"}},
      {[&] { sg::optim::Adam({p}, {.betas = {nan, 0.999}}); }, {"Adam: invalid beta parameter at index 0", "got nan"}},
      {[&] { sg::optim::Adam({p}, {.weight_decay = inf}); }, {"Adam: invalid weight_decay value", "got inf"}},
      {[&] { sg::optim::AdamW({p}, {.lr = inf}); }, {"AdamW: invalid learning rate", "got inf"}},
      {[&] { sg::optim::AdamW({p}, {.weight_decay = nan}); }, {"AdamW: invalid weight_decay value", "got nan"}},
      {[&] { sg::optim::RMSprop({p}, {.lr = inf}); }, {"RMSprop: invalid learning rate", "got inf"}},
      {[&] { sg::optim::RMSprop({p}, {.alpha = 1.5}); }, {"RMSprop: invalid alpha value", "[0, 1]", "got 1.5"}},
      {[&] { sg::optim::RMSprop({p}, {.eps = inf}); }, {"RMSprop: invalid epsilon value", "got inf"}},
      {[&] { sg::optim::RMSprop({p}, {.momentum = nan}); }, {"RMSprop: invalid momentum value", "got nan"}},
      {[&] { sg::optim::Adagrad({p}, {.lr = -1}); }, {"Adagrad: invalid learning rate", "got -1"}},
      {[&] { sg::optim::Adagrad({p}, {.lr_decay = nan}); }, {"Adagrad: invalid lr_decay value", "got nan"}},
      {[&] { sg::optim::Adagrad({p}, {.initial_accumulator_value = -0.1}); },
       {"Adagrad: invalid initial_accumulator_value", "got -0.1"}},
      {[&] { sg::optim::Adagrad({p}, {.eps = -1}); }, {"Adagrad: invalid epsilon value", "got -1"}},
  };
  for (size_t i = 0; i < cases.size(); ++i) BOOST_TEST(throws_with(cases[i].make, cases[i].message), "case " << i);
  // A later group is checked the same way, and a refused one is not added.
  sg::optim::Adam adam({p});
  BOOST_TEST(throws_with([&] { adam.add_param_group({start()}, {.lr = inf}); }, {"Adam: invalid learning rate"}));
  BOOST_TEST(adam.group_count() == 1u);
  BOOST_TEST(throws_with([&] { adam.set_lr(inf); }, {"set_lr: invalid learning rate", "got inf"}));
  BOOST_TEST(adam.lr() == 1e-3);
  // The edges of each range are accepted.
  BOOST_CHECK_NO_THROW(sg::optim::SGD({p}, {.lr = 0, .momentum = 0.9, .dampening = 1}));
  BOOST_CHECK_NO_THROW(sg::optim::RMSprop({p}, {.alpha = 1}));
  BOOST_CHECK_NO_THROW(sg::optim::Adam({p}, {.betas = {0, 0}, .eps = 0}));
}

BOOST_AUTO_TEST_CASE(schedulers_refuse_non_finite_and_negative_factors) {
  sg::optim::SGD sgd({start()}, {.lr = 0.1});
  BOOST_TEST(throws_with([&] { sg::optim::StepLR(sgd, 2, {.gamma = std::nan("")}); },
                         {"StepLR: invalid gamma: expected a finite value >= 0, got nan"}));
  BOOST_TEST(throws_with([&] { sg::optim::StepLR(sgd, 2, {.gamma = -0.5}); }, {"StepLR: invalid gamma", "got -0.5"}));
  BOOST_TEST(throws_with([&] { sg::optim::ExponentialLR(sgd, INFINITY); }, {"ExponentialLR: invalid gamma", "got inf"}));
  BOOST_TEST(throws_with([&] { sg::optim::CosineAnnealingLR(sgd, 5, {.eta_min = std::nan("")}); },
                         {"CosineAnnealingLR: invalid eta_min", "got nan"}));
  BOOST_TEST(throws_with([&] { sg::optim::CosineAnnealingLR(sgd, 5, {.eta_min = -0.01}); },
                         {"CosineAnnealingLR: invalid eta_min", "got -0.01"}));
  // A gamma above 1 is allowed; when the lr it grows overflows, the optimizer refuses it by name.
  sg::optim::ExponentialLR growth(sgd, 1e300);
  growth.step();
  BOOST_TEST(throws_with([&] { growth.step(); }, {"set_lr: invalid learning rate", "got inf"}));
  BOOST_TEST(sgd.lr() == 0.1 * 1e300);
}

BOOST_AUTO_TEST_SUITE_END()
