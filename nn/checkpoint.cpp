// What a checkpoint holds and how it is restored: a module's parameters and buffers, an optimizer's state
// and learning rates, each checked against what it restores (names, shapes, dtypes, finite values) before
// anything is copied. The bytes on disk are nn/safetensors.cpp's.
#include "nn/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "autograd/check.h"
#include "autograd/grad_mode.h"

namespace sg::nn {

namespace {

// Where the tensors being loaded come from, for the errors: a file (std::runtime_error headed by its name,
// as every file error is) or the caller's StateDict (std::invalid_argument, "Linear.load_state_dict: ...").
struct Source {
  std::string name;
  bool is_file;

  template <class... Args>
  [[noreturn]] void refuse(fmt::format_string<Args...> format, Args&&... args) const {
    const std::string message = name + ": " + fmt::format(format, std::forward<Args>(args)...);
    if (is_file) throw std::runtime_error(message);
    throw std::invalid_argument(message);
  }
};

using Expected = std::vector<std::pair<std::string, std::pair<Shape, Dtype>>>;

// Compares the tensors found with the expected ones. With strict, the names must be the same: every
// missing and unexpected key is collected and refused in one error. Shapes and dtypes must match for
// every name in both, strict or not (PyTorch refuses a size mismatch either way). Returns what was left
// out.
LoadResult check_match(const Source& source, const std::vector<NamedTensor>& found, const Expected& expected,
                       bool strict = true) {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : found) by_name[name] = &t;
  std::set<std::string> expected_names;
  LoadResult result;
  for (const auto& [name, _] : expected) {
    expected_names.insert(name);
    if (!by_name.contains(name)) result.missing_keys.push_back(name);
  }
  for (const auto& [name, _] : found)
    if (!expected_names.contains(name)) result.unexpected_keys.push_back(name);
  if (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty())) {
    std::string problem;
    if (!result.missing_keys.empty()) problem = fmt::format("missing key(s): {}", fmt::join(result.missing_keys, ", "));
    if (!result.unexpected_keys.empty())
      problem += fmt::format("{}unexpected key(s): {}", problem.empty() ? "" : "; ",
                             fmt::join(result.unexpected_keys, ", "));
    source.refuse("{}", problem);
  }
  for (const auto& [name, want] : expected) {
    const auto found_tensor = by_name.find(name);
    if (found_tensor == by_name.end()) continue;
    const Tensor& t = *found_tensor->second;
    if (!(t.shape() == want.first))
      source.refuse("size mismatch for {}: checkpoint {}, model {}", name, t.shape(), want.first);
    if (t.dtype() != want.second)
      source.refuse("dtype mismatch for {}: checkpoint {}, model {}", name, safetensors_dtype(t.dtype()),
                    safetensors_dtype(want.second));
  }
  return result;
}

std::vector<NamedTensor> module_tensors(const Module& module) {
  std::vector<NamedTensor> tensors = module.named_parameters();
  for (auto& named : module.named_buffers()) tensors.push_back(std::move(named));
  return tensors;
}

// Refuses a float tensor holding NaN or an infinity, or (non_negative) a value below 0, naming the first
// one and how many there are. Loading such values would make every later step NaN without saying why.
void check_values(const Source& source, const std::string& name, const Tensor& t, bool non_negative) {
  if (!is_floating(t.dtype())) return;
  int64_t first = -1, count = 0;
  double first_value = 0;
  dispatch(t.dtype(), "load", [&]<class T> {
    const T* data = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i)
      if (!std::isfinite(data[i]) || (non_negative && data[i] < 0)) {
        if (count++ == 0) first = i, first_value = double(data[i]);
      }
  });
  if (count == 0) return;
  source.refuse("tensor \"{}\" holds {} at index {} ({} such value{} in all), expected {}", name, first_value, first,
                count, count == 1 ? "" : "s", non_negative ? "finite values >= 0" : "finite values");
}

// Checks everything first, then copies: a refused load changes nothing.
LoadResult load_module(Module& module, const std::vector<NamedTensor>& tensors, const Source& source, bool strict) {
  const std::vector<NamedTensor> targets = module_tensors(module);
  Expected expected;
  for (const auto& [name, t] : targets) expected.push_back({name, {t.shape(), t.dtype()}});
  LoadResult result = check_match(source, tensors, expected, strict);
  // save() writes NaN weights as they are (PyTorch's does too); loading them into a model is refused.
  const std::set<std::string> left_out(result.unexpected_keys.begin(), result.unexpected_keys.end());
  for (const auto& [name, t] : tensors)
    if (!left_out.contains(name)) check_values(source, name, t, /*non_negative=*/false);

  std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());

  NoGradGuard no_grad;
  for (const auto& [name, t] : targets)
    if (const auto found = by_name.find(name); found != by_name.end()) Tensor(t).copy_(found->second);
  return result;
}

}  // namespace

// ---- modules ---------------------------------------------------------------
void save(const Module& module, const std::filesystem::path& path, const Metadata& metadata) {
  save_tensors(module_tensors(module), path, metadata);
}

Metadata load(Module& module, const std::filesystem::path& path) {
  TensorFile file = load_tensors(path);
  load_state_dict(module, file.tensors, path.string());
  return file.metadata;
}

namespace {
// PyTorch's order: a module's own parameters, then its own buffers, then each child's in turn.
void collect_state(const Module& module, const std::string& prefix, StateDict& out) {
  for (const auto& [name, t] : module.named_parameters(/*recurse=*/false)) out.insert(prefix + name, t);
  for (const auto& [name, t] : module.named_buffers(/*recurse=*/false)) out.insert(prefix + name, t);
  for (const auto& [name, child] : module.named_children()) collect_state(*child, prefix + name + ".", out);
}
}  // namespace

StateDict state_dict(const Module& module) {
  StateDict out;
  collect_state(module, "", out);
  return out;
}

std::vector<NamedTensor> with_prefix(const std::string& prefix, const std::vector<NamedTensor>& tensors) {
  std::vector<NamedTensor> out;
  for (const auto& [name, t] : tensors) out.emplace_back(prefix + name, t);
  return out;
}

std::vector<NamedTensor> under_prefix(const std::string& prefix, const std::vector<NamedTensor>& tensors) {
  std::vector<NamedTensor> out;
  for (const auto& [name, t] : tensors)
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

void load_state_dict(Module& module, const std::vector<NamedTensor>& tensors, const std::string& source) {
  load_module(module, tensors, Source{source, /*is_file=*/true}, /*strict=*/true);
}

// The Module members live here, beside the validation they share with the file loaders.
StateDict Module::state_dict() const { return nn::state_dict(*this); }

LoadResult Module::load_state_dict(const StateDict& state, bool strict) {
  return load_module(*this, state.items(), Source{name() + ".load_state_dict", /*is_file=*/false}, strict);
}

// ---- optimizers ------------------------------------------------------------
namespace {
// Every parameter with its group, in the optimizer's flattened order (the order of state(i)).
std::vector<std::pair<size_t, Tensor>> flat_params(const optim::Optimizer& optimizer) {
  std::vector<std::pair<size_t, Tensor>> out;
  for (size_t g = 0; g < optimizer.group_count(); ++g)
    for (const Tensor& p : optimizer.params(g)) out.emplace_back(g, p);
  return out;
}
std::string lr_key(size_t group) { return fmt::format("param_groups.{}.lr", group); }
std::string state_key(size_t index, const std::string& field) { return fmt::format("state.{}.{}", index, field); }
// Steps are counted in int64 and read back as double (bias corrections): beyond 2^53 they stop being exact.
constexpr int64_t kMaxStep = int64_t(1) << 53;
}  // namespace

void save(const optim::Optimizer& optimizer, const std::filesystem::path& path, const Metadata& metadata) {
  save_tensors(state_dict(optimizer), path, metadata);
}

Metadata load(optim::Optimizer& optimizer, const std::filesystem::path& path) {
  TensorFile file = load_tensors(path);
  load_state_dict(optimizer, file.tensors, path.string());
  return file.metadata;
}

std::vector<NamedTensor> state_dict(const optim::Optimizer& optimizer) {
  std::vector<NamedTensor> tensors;
  for (size_t g = 0; g < optimizer.group_count(); ++g)
    tensors.emplace_back(lr_key(g), scalar_tensor(optimizer.lr(g), kFloat64));
  for (size_t i = 0; i < optimizer.param_count(); ++i)
    for (const auto& [field, t] : optimizer.state(i)) tensors.emplace_back(state_key(i, field), t);
  return tensors;
}

// A parameter's state is all of its optimizer's fields or none (not stepped yet); which one is expected
// follows from whether the tensors hold any of them.
void load_state_dict(optim::Optimizer& optimizer, const std::vector<NamedTensor>& tensors, const std::string& source) {
  std::set<std::string> names;
  for (const auto& [name, _] : tensors) names.insert(name);

  const Source from{source, /*is_file=*/true};
  Expected expected;
  for (size_t g = 0; g < optimizer.group_count(); ++g) expected.push_back({lr_key(g), {Shape{}, kFloat64}});
  const auto params = flat_params(optimizer);
  std::vector<bool> has_state(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [group, p] = params[i];
    const std::vector<std::string> fields = optimizer.state_fields(group);
    has_state[i] = std::any_of(fields.begin(), fields.end(),
                               [&](const std::string& f) { return names.contains(state_key(i, f)); });
    if (!has_state[i]) continue;
    for (const std::string& field : fields)
      expected.push_back(
          {state_key(i, field), field == "step" ? std::pair{Shape{}, kInt64} : std::pair{p.shape(), p.dtype()}});
  }
  check_match(from, tensors, expected);

  // Values, not only shapes: a learning rate or a step count that no optimizer could have written would
  // turn the next step's update into inf or NaN (a negative step makes a bias correction 1 - beta^0 = 0),
  // or overflow the step counter.
  std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());
  for (size_t g = 0; g < optimizer.group_count(); ++g) {
    const double lr = by_name.at(lr_key(g)).item();
    if (!std::isfinite(lr) || lr < 0)
      fail_io("{}: {} is {}, expected a finite non-negative learning rate", source, lr_key(g), lr);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const auto found = by_name.find(state_key(i, "step"));
    if (found == by_name.end()) continue;
    const int64_t step = found->second.data<int64_t>()[0];
    if (step < 0 || step > kMaxStep)
      fail_io("{}: {} is {}, expected a step count in [0, 2^53]", source, found->first, step);
  }
  // Running averages and sums of squared gradients are never negative: the square root of one would be NaN.
  for (const auto& [name, t] : tensors) {
    const std::string field = name.substr(name.rfind('.') + 1);
    const bool squares = field == "exp_avg_sq" || field == "max_exp_avg_sq" || field == "square_avg" || field == "sum";
    if (name.starts_with("state.")) check_values(from, name, t, squares);
  }
  for (size_t g = 0; g < optimizer.group_count(); ++g) optimizer.set_lr(by_name.at(lr_key(g)).item(), g);
  for (size_t i = 0; i < params.size(); ++i) {
    optim::ParamState state;
    if (has_state[i])
      for (const std::string& field : optimizer.state_fields(params[i].first))
        state[field] = by_name.at(state_key(i, field));
    optimizer.state(i) = std::move(state);
  }
}

// ---- schedulers ------------------------------------------------------------------

namespace {
// An epoch count saved as an int64 scalar, refused outside [0, 2^53] (no schedule reaches it).
int64_t saved_epoch(const std::map<std::string, Tensor>& by_name, const std::string& key, const std::string& source) {
  const int64_t epoch = by_name.at(key).data<int64_t>()[0];
  if (epoch < 0 || epoch > kMaxStep) fail_io("{}: {} is {}, expected a count in [0, 2^53]", source, key, epoch);
  return epoch;
}
}  // namespace

std::vector<NamedTensor> state_dict(const optim::LRScheduler& scheduler) {
  return {{"last_epoch", scalar_tensor(double(scheduler.last_epoch()), kInt64)},
          {"base_lrs", tensor(scheduler.base_lrs(), {int64_t(scheduler.base_lrs().size())})}};
}

void load_state_dict(optim::LRScheduler& scheduler, const std::vector<NamedTensor>& tensors, const std::string& source) {
  const int64_t groups = int64_t(scheduler.base_lrs().size());
  check_match({source, /*is_file=*/true}, tensors,
              {{"last_epoch", {Shape{}, kInt64}}, {"base_lrs", {Shape{groups}, kFloat64}}});
  const std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());
  const int64_t last_epoch = saved_epoch(by_name, "last_epoch", source);
  check_values({source, /*is_file=*/true}, "base_lrs", by_name.at("base_lrs"), /*non_negative=*/true);
  scheduler.restore(last_epoch, by_name.at("base_lrs").to_vector<double>());
}

std::vector<NamedTensor> state_dict(const optim::ReduceLROnPlateau& scheduler) {
  return {{"last_epoch", scalar_tensor(double(scheduler.last_epoch()), kInt64)},
          {"best", scalar_tensor(scheduler.best(), kFloat64)},
          {"num_bad_epochs", scalar_tensor(double(scheduler.num_bad_epochs()), kInt64)},
          {"cooldown_counter", scalar_tensor(double(scheduler.cooldown_counter()), kInt64)}};
}

void load_state_dict(optim::ReduceLROnPlateau& scheduler, const std::vector<NamedTensor>& tensors,
                     const std::string& source) {
  check_match({source, /*is_file=*/true}, tensors,
              {{"last_epoch", {Shape{}, kInt64}},
               {"best", {Shape{}, kFloat64}},
               {"num_bad_epochs", {Shape{}, kInt64}},
               {"cooldown_counter", {Shape{}, kInt64}}});
  const std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());
  const int64_t last_epoch = saved_epoch(by_name, "last_epoch", source);
  const int64_t bad = saved_epoch(by_name, "num_bad_epochs", source);
  const int64_t cooldown = saved_epoch(by_name, "cooldown_counter", source);
  const double best = by_name.at("best").item();  // infinite before the first metric; never NaN
  if (std::isnan(best)) fail_io("{}: best is NaN, expected a metric or an infinity", source);
  scheduler.restore(last_epoch, best, bad, cooldown);
}

}  // namespace sg::nn
