// Schedulers: closed-form lr as a function of the epoch.
#include "nn/optim/scheduler.h"

#include <cmath>
#include <numbers>

namespace sg::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.group_count(); ++g) base_lrs_.push_back(optimizer.lr(g));
}

void LRScheduler::step() {
  ++last_epoch_;
  SG_CHECK(optimizer_.group_count() == base_lrs_.size(),
           "LRScheduler::step: the optimizer had {} groups when the scheduler was made, now has {}", base_lrs_.size(),
           optimizer_.group_count());
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(lr_at(last_epoch_, base_lrs_[g]), g);
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

}  // namespace sg::optim
