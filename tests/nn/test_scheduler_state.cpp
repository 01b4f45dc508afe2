// Scheduler state in checkpoints: a schedule stopped, saved, restored into a fresh optimizer and scheduler,
// and carried on, gives the lrs of the run that never stopped (bitwise); the tensors are PyTorch's names;
// a file round trip beside a model; and every refusal names the source and what is wrong.
#include "tests/testing.h"

#include <cmath>
#include <limits>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(scheduler_state)

namespace {
// A two-group SGD over fresh parameters, group 1 at a tenth of group 0's lr.
struct TwoGroups {
  Tensor a = sg::ones({3}).requires_grad_(), b = sg::ones({2}).requires_grad_();
  optim::SGD opt{{a}, {.lr = 0.5}};
  TwoGroups() { opt.add_param_group({b}, {.lr = 0.05}); }
};

std::vector<double> lrs_of(const optim::Optimizer& opt) { return {opt.lr(0), opt.lr(1)}; }

// Steps `scheduler` n times, collecting both groups' lrs after each step.
template <class Scheduler>
std::vector<double> run(Scheduler& scheduler, const optim::Optimizer& opt, int n) {
  std::vector<double> lrs;
  for (int i = 0; i < n; ++i) {
    scheduler.step();
    for (double lr : lrs_of(opt)) lrs.push_back(lr);
  }
  return lrs;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_restored_schedule_carries_on_as_the_unbroken_one) {
  // Each kind of schedule: 4 steps, saved, 6 more from a restored copy, against 10 steps in one go.
  const auto check = [](const char* kind, auto make) {
    BOOST_TEST_CONTEXT(kind) {
      TwoGroups whole;
      auto unbroken = make(whole.opt);
      const std::vector<double> expected = run(unbroken, whole.opt, 10);

      TwoGroups first;
      auto stopped = make(first.opt);
      run(stopped, first.opt, 4);
      const auto saved_scheduler = nn::state_dict(stopped);
      const auto saved_optimizer = nn::state_dict(first.opt);

      TwoGroups second;
      auto resumed = make(second.opt);
      nn::load_state_dict(second.opt, saved_optimizer, "checkpoint");
      nn::load_state_dict(resumed, saved_scheduler, "checkpoint");
      BOOST_TEST(resumed.last_epoch() == 4);
      // A momentum the schedule sets (OneCycleLR's) is back too, for the optimizer's next step.
      BOOST_TEST(second.opt.momentum() == first.opt.momentum());
      std::vector<double> carried;
      for (size_t i = 0; i < 8; ++i) carried.push_back(expected[i]);
      for (double lr : run(resumed, second.opt, 6)) carried.push_back(lr);
      BOOST_TEST(carried == expected, boost::test_tools::per_element());
    }
  };
  check("StepLR", [](optim::Optimizer& o) { return optim::StepLR(o, 3, {.gamma = 0.5}); });
  check("CosineAnnealingLR", [](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 7, {.eta_min = 0.01}); });
  check("OneCycleLR", [](optim::Optimizer& o) { return optim::OneCycleLR(o, 1.0, 12); });
  check("LinearLR", [](optim::Optimizer& o) { return optim::LinearLR(o, {.start_factor = 0.25, .total_iters = 6}); });
}

BOOST_AUTO_TEST_CASE(without_its_state_a_new_scheduler_starts_the_schedule_over) {
  // What the saved state is for: a scheduler made anew after 4 steps is back at epoch 0's lr.
  TwoGroups first;
  optim::StepLR stopped(first.opt, 3, {.gamma = 0.5});
  run(stopped, first.opt, 4);
  TwoGroups second;
  optim::StepLR fresh(second.opt, 3, {.gamma = 0.5});
  fresh.step();
  BOOST_TEST(second.opt.lr(0) == 0.5);  // epoch 1 of a new schedule, where the stopped one gives 0.25
  stopped.step();
  BOOST_TEST(first.opt.lr(0) == 0.25);
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_resumes_its_count_of_bad_epochs) {
  const std::vector<double> losses{1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9};
  const optim::ReduceLROnPlateauOptions options{.factor = 0.5, .patience = 1, .cooldown = 1};
  const auto step_through = [&](optim::ReduceLROnPlateau& s, const optim::Optimizer& o, size_t from, size_t to) {
    std::vector<double> lrs;
    for (size_t i = from; i < to; ++i) {
      s.step(losses[i]);
      lrs.push_back(o.lr(0));
    }
    return lrs;
  };
  TwoGroups whole;
  optim::ReduceLROnPlateau unbroken(whole.opt, options);
  const std::vector<double> expected = step_through(unbroken, whole.opt, 0, losses.size());

  TwoGroups first;
  optim::ReduceLROnPlateau stopped(first.opt, options);
  std::vector<double> carried = step_through(stopped, first.opt, 0, 4);  // mid-plateau: 2 bad epochs counted
  TwoGroups second;
  optim::ReduceLROnPlateau resumed(second.opt, options);
  nn::load_state_dict(second.opt, nn::state_dict(first.opt), "checkpoint");
  nn::load_state_dict(resumed, nn::state_dict(stopped), "checkpoint");
  BOOST_TEST(resumed.best() == 0.9);
  BOOST_TEST(resumed.num_bad_epochs() == stopped.num_bad_epochs());
  for (double lr : step_through(resumed, second.opt, 4, losses.size())) carried.push_back(lr);
  BOOST_TEST(carried == expected, boost::test_tools::per_element());
  BOOST_TEST(expected.back() < 0.5);  // the losses do plateau: the test covers a reduction
}

BOOST_AUTO_TEST_CASE(the_tensors_carry_pytorchs_names_and_ride_in_a_file_beside_the_model) {
  TwoGroups g;
  optim::ExponentialLR scheduler(g.opt, 0.9);
  run(scheduler, g.opt, 3);
  const auto saved = nn::state_dict(scheduler);
  BOOST_TEST(saved.size() == 2u);
  BOOST_TEST(saved[0].first == "last_epoch");
  BOOST_TEST(saved[0].second.dtype() == kInt64);
  BOOST_TEST(saved[0].second.item() == 3);
  BOOST_TEST(saved[1].first == "base_lrs");
  BOOST_TEST(saved[1].second.to_vector<double>() == (std::vector<double>{0.5, 0.05}), boost::test_tools::per_element());

  nn::Linear model(3, 2);
  auto tensors = nn::with_prefix("model.", nn::state_dict(model));
  for (auto& t : nn::with_prefix("scheduler.", saved)) tensors.push_back(t);
  const auto path = std::filesystem::temp_directory_path() / "sg_scheduler_state.safetensors";
  nn::save_tensors(tensors, path);
  const nn::TensorFile file = nn::load_tensors(path);
  std::filesystem::remove(path);
  TwoGroups other;
  optim::ExponentialLR restored(other.opt, 0.9);
  nn::load_state_dict(restored, nn::under_prefix("scheduler.", file.tensors), path.string());
  BOOST_TEST(restored.last_epoch() == 3);
  restored.step();
  scheduler.step();
  BOOST_TEST(other.opt.lr(0) == g.opt.lr(0));
}

BOOST_AUTO_TEST_CASE(refusals_name_the_source_and_what_is_wrong_and_change_nothing) {
  TwoGroups g;
  optim::StepLR scheduler(g.opt, 2);
  run(scheduler, g.opt, 1);
  const auto valid = nn::state_dict(scheduler);
  const auto with = [&](const std::string& name, const Tensor& value) {
    auto tensors = valid;
    for (auto& [n, t] : tensors)
      if (n == name) t = value;
    return tensors;
  };
  const auto refused = [&](const std::vector<nn::NamedTensor>& tensors, const std::vector<std::string>& parts) {
    return throws_with<std::runtime_error>([&] { nn::load_state_dict(scheduler, tensors, "run.safetensors"); }, parts);
  };
  BOOST_TEST(refused(with("last_epoch", scalar_tensor(-1, kInt64)), {"run.safetensors", "last_epoch is -1", "[0, 2^53]"}));
  BOOST_TEST(refused(with("base_lrs", sg::tensor(std::vector<double>{0.5, NAN}, {2})),
                     {"run.safetensors", "tensor \"base_lrs\" holds nan at index 1", "expected finite values >= 0"}));
  BOOST_TEST(refused(with("base_lrs", sg::tensor(std::vector<double>{0.5}, {1})), {"size mismatch for base_lrs"}));
  BOOST_TEST(refused({valid[0]}, {"missing key(s): base_lrs"}));
  BOOST_TEST(scheduler.last_epoch() == 1);  // every refusal left it as it was
  BOOST_TEST(scheduler.base_lrs() == (std::vector<double>{0.5, 0.05}), boost::test_tools::per_element());

  optim::ReduceLROnPlateau plateau(g.opt);
  auto bad = nn::state_dict(plateau);
  bad[1].second = scalar_tensor(std::numeric_limits<double>::quiet_NaN(), kFloat64);
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load_state_dict(plateau, bad, "run.safetensors"); },
                                             {"run.safetensors", "best is NaN"}));
  BOOST_TEST(std::isinf(plateau.best()));  // unchanged: still the first metric's infinity
}

BOOST_AUTO_TEST_SUITE_END()
