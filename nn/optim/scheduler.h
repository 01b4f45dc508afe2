// Learning-rate schedulers: each step() moves to the next epoch and sets every group's lr from its
// initial lr by a closed-form rule (PyTorch's formulas). ReduceLROnPlateau, which follows a metric
// instead of the epoch, is the exception.
//   sg::optim::StepLR scheduler(opt, /*step_size=*/10, {.gamma = 0.5});
//   for (epoch ...) { train_one_epoch(); scheduler.step(); }
// The initial lr is each group's lr when the first scheduler was made for it (PyTorch's "initial_lr"),
// so schedulers made one after another for a SequentialLR all start from the same lr.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "nn/optim/optimizer.h"

namespace sg::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  /// Advances one epoch and writes the new lr into every group of the optimizer.
  void step();
  /// The lr of each group as last set.
  std::vector<double> last_lr() const;
  int64_t last_epoch() const { return last_epoch_; }
  /// Each group's initial lr, which the schedule scales.
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  /// The lr at `epoch` for a group whose initial lr is base_lr.
  virtual double lr_at(int64_t epoch, double base_lr) const = 0;
  /// The momentum every group has at `epoch`, for a schedule that sets it too (OneCycleLR); none by default.
  virtual std::optional<double> momentum_at(int64_t /*epoch*/) const { return std::nullopt; }
  /// Puts the schedule back where a saved one stood (nn::load_state_dict checks the values first); the
  /// next step() goes on from there. The optimizer's lrs are its own state, restored with it; a momentum
  /// the schedule sets is not in the optimizer's checkpoint, so it is set again here.
  void restore(int64_t last_epoch, std::vector<double> base_lrs);

 protected:
  /// Takes each group's initial lr (Optimizer::initial_lr).
  explicit LRScheduler(Optimizer& optimizer);
  /// Sets every group's lr to its value at epoch 0, for schedulers whose epoch 0 differs from the initial
  /// lr (a warm-up); called by their constructors, as PyTorch's constructors take a first step.
  void set_initial_lrs();

 private:
  void set_momentum(int64_t epoch);

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = 0;
};

struct StepLROptions {
  double gamma = 0.1;
};
/// lr = base_lr * gamma^floor(epoch / step_size).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, const StepLROptions& options = {});

 protected:
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t step_size_;
  StepLROptions options_;
};

/// lr = base_lr * gamma^epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  double gamma_;
};

struct CosineAnnealingLROptions {
  double eta_min = 0;
};
/// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, const CosineAnnealingLROptions& options = {});

 protected:
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t t_max_;
  CosineAnnealingLROptions options_;
};

struct LinearLROptions {
  double start_factor = 1.0 / 3;
  double end_factor = 1.0;
  int64_t total_iters = 5;
};
/// lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters): a
/// linear warm-up (or decay) over total_iters epochs, then flat.
///   sg::optim::LinearLR warmup(opt, {.start_factor = 0.1, .total_iters = 5});
class LinearLR : public LRScheduler {
 public:
  explicit LinearLR(Optimizer& optimizer, const LinearLROptions& options = {});
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  LinearLROptions options_;
};

enum class AnnealStrategy { Cos, Linear };
struct OneCycleLROptions {
  double pct_start = 0.3;         // the share of the steps spent rising to max_lr
  AnnealStrategy anneal_strategy = AnnealStrategy::Cos;
  double div_factor = 25;         // the first lr is max_lr / div_factor
  double final_div_factor = 1e4;  // the last lr is the first one / final_div_factor
  bool cycle_momentum = true;     // momentum (Adam's beta1) goes the other way: max_momentum down, then up
  double base_momentum = 0.85;    // the momentum where the lr peaks
  double max_momentum = 0.95;     // the momentum at the first and the last step
};
/// The 1cycle policy, stepped once per batch: from max_lr / div_factor up to max_lr over the first
/// pct_start of total_steps, then down to max_lr / (div_factor * final_div_factor), along a half cosine or a
/// line. The optimizer's own lr is not used (every group follows max_lr). As in PyTorch, momentum (SGD's,
/// RMSprop's, or Adam's and AdamW's first beta) runs the opposite way between max_momentum and
/// base_momentum, set from the start: an SGD made without momentum gets it. An optimizer with no
/// momentum (Adagrad) is refused unless cycle_momentum is false.
///   sg::optim::OneCycleLR scheduler(opt, /*max_lr=*/0.1, /*total_steps=*/epochs * batches);
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleLROptions& options = {});
  double lr_at(int64_t epoch, double base_lr) const override;
  std::optional<double> momentum_at(int64_t epoch) const override;

 private:
  /// Where `epoch` lies: in the rise (true) or the fall, and how far along it (0 at its start, 1 at its end).
  std::pair<bool, double> phase_at(int64_t epoch) const;
  double anneal(double start, double end, double pct) const;

  double max_lr_;
  int64_t total_steps_;
  OneCycleLROptions options_;
};

/// Several schedulers one after another: schedulers[i] runs from milestones[i - 1] on, starting again from
/// its epoch 0 there. The schedulers are used by reference, must outlive this one, and are not stepped
/// themselves.
///   sg::optim::LinearLR warmup(opt, {.start_factor = 0.1, .total_iters = 5});
///   sg::optim::CosineAnnealingLR cosine(opt, 95);
///   sg::optim::SequentialLR scheduler(opt, {warmup, cosine}, {5});
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::reference_wrapper<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  double lr_at(int64_t epoch, double base_lr) const override;
  std::optional<double> momentum_at(int64_t epoch) const override;

 private:
  /// The scheduler whose stretch holds `epoch`, and the epochs since its milestone.
  std::pair<const LRScheduler*, int64_t> stretch_at(int64_t epoch) const;

  std::vector<std::reference_wrapper<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

enum class PlateauMode { Min, Max };
enum class ThresholdMode { Rel, Abs };
struct ReduceLROnPlateauOptions {
  PlateauMode mode = PlateauMode::Min;  // Min: a lower metric is better (a loss); Max: higher (an accuracy)
  double factor = 0.1;                  // lr = lr * factor on a plateau
  int64_t patience = 10;                // epochs without improvement tolerated before reducing
  double threshold = 1e-4;              // how much better counts as better
  ThresholdMode threshold_mode = ThresholdMode::Rel;  // Rel: best * (1 -+ threshold); Abs: best -+ threshold
  int64_t cooldown = 0;                 // epochs after a reduction during which bad epochs are not counted
  double min_lr = 0;                    // no group goes below it
  double eps = 1e-8;                    // a reduction smaller than this is skipped
};
/// Reduces every group's lr by factor when the metric passed to step() has not improved for more than
/// patience epochs.
///   sg::optim::ReduceLROnPlateau scheduler(opt, {.factor = 0.5, .patience = 2});
///   for (epoch ...) { train_one_epoch(); scheduler.step(validation_loss); }
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  /// Records one epoch's metric and reduces the lrs if it ends a plateau.
  void step(double metric);
  /// The lr of each group as last set.
  std::vector<double> last_lr() const;
  int64_t last_epoch() const { return last_epoch_; }
  /// The best metric so far, and the epochs since it (reset by a reduction and during cooldown).
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  /// Puts the scheduler back where a saved one stood (nn::load_state_dict checks the values first).
  void restore(int64_t last_epoch, double best, int64_t num_bad_epochs, int64_t cooldown_counter);

 private:
  bool is_better(double metric) const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace sg::optim
