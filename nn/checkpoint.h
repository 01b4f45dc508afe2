// Checkpoints: what a file holds to restore a module or an optimizer (the tensors, their names, the checks
// that they fit), written in the safetensors format (nn/safetensors.h). Every load validates the whole
// match with the model before it changes anything.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "nn/module.h"
#include "nn/optim/optimizer.h"
#include "nn/optim/scheduler.h"
#include "nn/safetensors.h"
#include "nn/state_dict.h"

namespace sg::nn {

/// Saves every parameter and buffer under its dotted name.   nn::save(model, "mnist.safetensors", {{"epoch", "3"}});
void save(const Module& module, const std::filesystem::path& path, const Metadata& metadata = {});
/// Loads a file written by save into a module of the same architecture and returns its metadata. The
/// file must hold exactly the module's tensors, with the same shapes and dtypes, and no NaN or infinity;
/// otherwise it throws and the module is unchanged.
Metadata load(Module& module, const std::filesystem::path& path);

/// Saves an optimizer's per-parameter state ("state.<i>.<field>", i counting parameters through the
/// groups) and each group's lr ("param_groups.<g>.lr").
void save(const optim::Optimizer& optimizer, const std::filesystem::path& path, const Metadata& metadata = {});
/// Restores an optimizer built over the same parameters; all or nothing, like load(Module&). The state
/// must be finite, and running averages or sums of squared gradients (exp_avg_sq, square_avg, Adagrad's
/// sum) non-negative.
Metadata load(optim::Optimizer& optimizer, const std::filesystem::path& path);

/// The tensors save(module) writes, in the order of PyTorch's module.state_dict() (a module's parameters,
/// its buffers, then its children's); module.state_dict() is the same. To keep several things in one file:
/// a training checkpoint holding the model, the optimizer and more, each under a prefix of its own.
StateDict state_dict(const Module& module);
/// Restores a module from such tensors, as load(module, path) does from a file: all or nothing, and
/// `source` (a file name) heads every error message.
void load_state_dict(Module& module, const std::vector<NamedTensor>& tensors, const std::string& source);
/// Several state dicts in one file: each name with `prefix` put before it ("model.weight"), and back,
/// the tensors whose names start with `prefix`, with it taken off.
std::vector<NamedTensor> with_prefix(const std::string& prefix, const std::vector<NamedTensor>& tensors);
std::vector<NamedTensor> under_prefix(const std::string& prefix, const std::vector<NamedTensor>& tensors);
/// The tensors save(optimizer) writes, as PyTorch's optimizer.state_dict().
std::vector<NamedTensor> state_dict(const optim::Optimizer& optimizer);
/// Restores an optimizer from such tensors, as load(optimizer, path) does from a file.
void load_state_dict(optim::Optimizer& optimizer, const std::vector<NamedTensor>& tensors, const std::string& source);

/// Where a schedule stands, as PyTorch's scheduler.state_dict(): "last_epoch" (int64) and "base_lrs"
/// (float64, one per group); ReduceLROnPlateau's: "last_epoch", "best", "num_bad_epochs" and
/// "cooldown_counter". A training checkpoint keeps it beside the model and the optimizer, each under a
/// prefix of its own, so a resumed run takes up the schedule where it stopped:
///   auto tensors = nn::with_prefix("model.", nn::state_dict(model));
///   for (auto& t : nn::with_prefix("scheduler.", nn::state_dict(scheduler))) tensors.push_back(t);
///   nn::save_tensors(tensors, "run.safetensors");   // and back: under_prefix("scheduler.", file.tensors)
/// Make the scheduler before loading the optimizer's state: a OneCycleLR sets the momentum that decides
/// which state the optimizer keeps (an SGD made without momentum gets a momentum buffer).
std::vector<NamedTensor> state_dict(const optim::LRScheduler& scheduler);
std::vector<NamedTensor> state_dict(const optim::ReduceLROnPlateau& scheduler);
/// Restores a scheduler made over the same optimizer from such tensors: all or nothing, the names,
/// shapes, dtypes and values checked first (an epoch count must be in [0, 2^53], a base lr finite and
/// non-negative, a best metric not NaN), and `source` heading every error.
void load_state_dict(optim::LRScheduler& scheduler, const std::vector<NamedTensor>& tensors, const std::string& source);
void load_state_dict(optim::ReduceLROnPlateau& scheduler, const std::vector<NamedTensor>& tensors,
                     const std::string& source);

}  // namespace sg::nn
