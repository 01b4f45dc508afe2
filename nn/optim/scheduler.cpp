// Schedulers: closed-form lr as a function of the epoch, and ReduceLROnPlateau, which follows a metric.
#include "nn/optim/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

namespace sg::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.group_count(); ++g) base_lrs_.push_back(optimizer.initial_lr(g));
}

void LRScheduler::set_initial_lrs() {
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(lr_at(0, base_lrs_[g]), g);
  set_momentum(0);
}

void LRScheduler::set_momentum(int64_t epoch) {
  if (const std::optional<double> momentum = momentum_at(epoch))
    for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_momentum(*momentum, g);
}

void LRScheduler::step() {
  ++last_epoch_;
  SG_CHECK(optimizer_.group_count() == base_lrs_.size(),
           "LRScheduler::step: the optimizer had {} groups when the scheduler was made, now has {}", base_lrs_.size(),
           optimizer_.group_count());
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(lr_at(last_epoch_, base_lrs_[g]), g);
  set_momentum(last_epoch_);
}

void LRScheduler::restore(int64_t last_epoch, std::vector<double> base_lrs) {
  SG_CHECK(base_lrs.size() == base_lrs_.size(), "LRScheduler::restore: expected {} base lrs (one per group), got {}",
           base_lrs_.size(), base_lrs.size());
  last_epoch_ = last_epoch;
  base_lrs_ = std::move(base_lrs);
  set_momentum(last_epoch_);
}

std::vector<double> LRScheduler::last_lr() const {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer_.group_count(); ++g) lrs.push_back(optimizer_.lr(g));
  return lrs;
}

// ---- StepLR ----------------------------------------------------------------
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, const StepLROptions& options)
    : LRScheduler(optimizer), step_size_(step_size), options_(options) {
  SG_CHECK(step_size > 0, "StepLR: step_size must be positive, got {}", step_size);
  nn::check_option("StepLR", "gamma", options.gamma, {.low = 0});
}
// lr_epoch = base_lr * gamma^floor(epoch / step_size)
double StepLR::lr_at(int64_t epoch, double base_lr) const {
  return base_lr * std::pow(options_.gamma, double(epoch / step_size_));
}

// ---- ExponentialLR ---------------------------------------------------------
ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  nn::check_option("ExponentialLR", "gamma", gamma, {.low = 0});
}
// lr_epoch = base_lr * gamma^epoch
double ExponentialLR::lr_at(int64_t epoch, double base_lr) const { return base_lr * std::pow(gamma_, double(epoch)); }

// ---- CosineAnnealingLR -----------------------------------------------------
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, const CosineAnnealingLROptions& options)
    : LRScheduler(optimizer), t_max_(t_max), options_(options) {
  SG_CHECK(t_max > 0, "CosineAnnealingLR: t_max must be positive, got {}", t_max);
  // A negative floor would hand the optimizer a negative lr at the bottom of the cosine.
  nn::check_option("CosineAnnealingLR", "eta_min", options.eta_min, {.low = 0});
}
// lr_epoch = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2   (SGDR without restarts;
// past T_max the cosine climbs back, as PyTorch's does)
double CosineAnnealingLR::lr_at(int64_t epoch, double base_lr) const {
  const double eta_min = options_.eta_min;
  return eta_min + (base_lr - eta_min) * (1 + std::cos(std::numbers::pi * double(epoch) / double(t_max_))) / 2;
}

// ---- LinearLR --------------------------------------------------------------
LinearLR::LinearLR(Optimizer& optimizer, const LinearLROptions& options) : LRScheduler(optimizer), options_(options) {
  // PyTorch's bounds: a factor of 0 at the start would be a zero lr, the one thing a warm-up cannot mean.
  nn::check_option("LinearLR", "start_factor", options.start_factor, {.low = 0, .high = 1});
  SG_CHECK(options.start_factor > 0, "LinearLR: start_factor must be in (0, 1], got {}", options.start_factor);
  nn::check_option("LinearLR", "end_factor", options.end_factor, {.low = 0, .high = 1});
  SG_CHECK(options.total_iters > 0, "LinearLR: total_iters must be positive, got {}", options.total_iters);
  set_initial_lrs();
}
// lr_epoch = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)
double LinearLR::lr_at(int64_t epoch, double base_lr) const {
  const double progress = double(std::min(epoch, options_.total_iters)) / double(options_.total_iters);
  return base_lr * (options_.start_factor + (options_.end_factor - options_.start_factor) * progress);
}

// ---- OneCycleLR ------------------------------------------------------------
OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleLROptions& options)
    : LRScheduler(optimizer), max_lr_(max_lr), total_steps_(total_steps), options_(options) {
  nn::check_option("OneCycleLR", "max_lr", max_lr, {.low = 0});
  SG_CHECK(total_steps > 0, "OneCycleLR: total_steps must be positive, got {}", total_steps);
  nn::check_option("OneCycleLR", "pct_start", options.pct_start, {.low = 0, .high = 1});
  nn::check_option("OneCycleLR", "div_factor", options.div_factor, {.low = 0});
  nn::check_option("OneCycleLR", "final_div_factor", options.final_div_factor, {.low = 0});
  SG_CHECK(options.div_factor > 0 && options.final_div_factor > 0,
           "OneCycleLR: div_factor and final_div_factor must be positive, got {} and {}", options.div_factor,
           options.final_div_factor);
  if (options.cycle_momentum) {
    // PyTorch's message names beta1 too: Adam's is cycled in place of a momentum.
    SG_CHECK(optimizer.has_momentum(),
             "OneCycleLR: the optimizer has no momentum or beta1 to cycle; pass .cycle_momentum = false");
    nn::check_option("OneCycleLR", "base_momentum", options.base_momentum, {.low = 0, .high = 1});
    nn::check_option("OneCycleLR", "max_momentum", options.max_momentum, {.low = 0, .high = 1});
  }
  set_initial_lrs();
}
// Two phases, as PyTorch's (three_phase = false), each annealed from its start to its end value:
//   steps 0 .. pct_start * total_steps - 1      lr initial_lr -> max_lr     momentum max -> base
//   from there to total_steps - 1                lr max_lr -> initial_lr / final_div_factor, momentum base -> max
// with initial_lr = max_lr / div_factor; along a half cosine, end + (start - end) (1 + cos(pi pct)) / 2, or a
// line, start + (end - start) pct.
std::pair<bool, double> OneCycleLR::phase_at(int64_t epoch) const {
  SG_CHECK(epoch <= total_steps_, "OneCycleLR: tried to step {} times, but total_steps is {}", epoch, total_steps_);
  const double rise_end = options_.pct_start * double(total_steps_) - 1, fall_end = double(total_steps_ - 1);
  const bool rising = double(epoch) <= rise_end;
  const double start_step = rising ? 0 : rise_end, end_step = rising ? rise_end : fall_end;
  return {rising, (double(epoch) - start_step) / (end_step - start_step)};
}
double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == AnnealStrategy::Linear) return (end - start) * pct + start;
  return end + (start - end) / 2 * (std::cos(std::numbers::pi * pct) + 1);
}
double OneCycleLR::lr_at(int64_t epoch, double) const {
  const double initial_lr = max_lr_ / options_.div_factor, min_lr = initial_lr / options_.final_div_factor;
  const auto [rising, pct] = phase_at(epoch);
  return rising ? anneal(initial_lr, max_lr_, pct) : anneal(max_lr_, min_lr, pct);
}
std::optional<double> OneCycleLR::momentum_at(int64_t epoch) const {
  if (!options_.cycle_momentum) return std::nullopt;
  const double base = options_.base_momentum, max = options_.max_momentum;
  const auto [rising, pct] = phase_at(epoch);
  return rising ? anneal(max, base, pct) : anneal(base, max, pct);
}

// ---- SequentialLR ----------------------------------------------------------
SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::reference_wrapper<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  SG_CHECK(!schedulers_.empty(), "SequentialLR: expected at least one scheduler, got none");
  SG_CHECK(milestones_.size() + 1 == schedulers_.size(),
           "SequentialLR: expected one milestone fewer than schedulers, got {} schedulers and {} milestones",
           schedulers_.size(), milestones_.size());
  for (size_t i = 0; i < milestones_.size(); ++i)
    SG_CHECK(milestones_[i] > 0 && (i == 0 || milestones_[i] > milestones_[i - 1]),
             "SequentialLR: milestones must be positive and increasing, got [{}]", fmt::join(milestones_, ", "));
  set_initial_lrs();
}
std::pair<const LRScheduler*, int64_t> SequentialLR::stretch_at(int64_t epoch) const {
  const size_t i = size_t(std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin());
  return {&schedulers_[i].get(), i == 0 ? epoch : epoch - milestones_[i - 1]};
}
// The scheduler whose stretch holds epoch, at its own epoch.
double SequentialLR::lr_at(int64_t epoch, double base_lr) const {
  const auto [scheduler, since] = stretch_at(epoch);
  return scheduler->lr_at(since, base_lr);
}
std::optional<double> SequentialLR::momentum_at(int64_t epoch) const {
  const auto [scheduler, since] = stretch_at(epoch);
  return scheduler->momentum_at(since);
}

// ---- ReduceLROnPlateau -----------------------------------------------------
ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer),
      options_(options),
      best_(options.mode == PlateauMode::Min ? std::numeric_limits<double>::infinity()
                                             : -std::numeric_limits<double>::infinity()) {
  // A factor of 1 or more would never reduce anything (PyTorch: "Factor should be < 1.0.").
  nn::check_option("ReduceLROnPlateau", "factor", options.factor, {.low = 0, .high = 1, .high_open = true});
  SG_CHECK(options.patience >= 0 && options.cooldown >= 0,
           "ReduceLROnPlateau: patience and cooldown must be >= 0, got {} and {}", options.patience, options.cooldown);
  nn::check_option("ReduceLROnPlateau", "threshold", options.threshold, {.low = 0});
  nn::check_option("ReduceLROnPlateau", "min_lr", options.min_lr, {.low = 0});
  nn::check_option("ReduceLROnPlateau", "eps", options.eps, {.low = 0});
}

// rel: better than best * (1 - threshold) (Min) or best * (1 + threshold) (Max); abs: best -+ threshold.
bool ReduceLROnPlateau::is_better(double metric) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::Rel;
  if (options_.mode == PlateauMode::Min) return metric < (rel ? best_ * (1 - t) : best_ - t);
  return metric > (rel ? best_ * (1 + t) : best_ + t);
}

void ReduceLROnPlateau::step(double metric) {
  SG_CHECK(!std::isnan(metric), "ReduceLROnPlateau::step: the metric must be a number, got NaN");
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {  // right after a reduction, bad epochs do not count
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ <= options_.patience) return;
  // lr = max(lr * factor, min_lr), skipped when that changes it by eps or less
  for (size_t g = 0; g < optimizer_.group_count(); ++g) {
    const double old_lr = optimizer_.lr(g), new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    if (old_lr - new_lr > options_.eps) optimizer_.set_lr(new_lr, g);
  }
  cooldown_counter_ = options_.cooldown;
  num_bad_epochs_ = 0;
}

void ReduceLROnPlateau::restore(int64_t last_epoch, double best, int64_t num_bad_epochs, int64_t cooldown_counter) {
  last_epoch_ = last_epoch;
  best_ = best;
  num_bad_epochs_ = num_bad_epochs;
  cooldown_counter_ = cooldown_counter;
}

std::vector<double> ReduceLROnPlateau::last_lr() const {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer_.group_count(); ++g) lrs.push_back(optimizer_.lr(g));
  return lrs;
}

}  // namespace sg::optim
