// A training checkpoint is one safetensors file, as PyTorch's torch.save({"model": ..., "optimizer": ...,
// "rng_state": ..., "epoch": ...}) is one file: written atomically, so a stop at any moment leaves either
// the previous checkpoint or the new one, never parts that disagree. Names inside:
//   model.<name>       the module's parameters and buffers (nn::state_dict)
//   optimizer.<name>   the optimizer's learning rates and per-parameter state
//   rng_state          the default generator (sg::get_rng_state)
//   history            the curves' rows so far, (epochs, columns) float64
// and in the metadata the program, the epochs done and every setting that shapes the results.
#include "tutorials/common/resume.h"

#include <charconv>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "autograd/check.h"
#include "autograd/rng_state.h"
#include "nn/checkpoint.h"

namespace sg::tutorial {

namespace {

constexpr const char* kSettingPrefix = "setting.";

std::vector<nn::NamedTensor> prefixed(const std::string& prefix, const std::vector<nn::NamedTensor>& tensors) {
  std::vector<nn::NamedTensor> out;
  for (const auto& [name, t] : tensors) out.emplace_back(prefix + name, t);
  return out;
}

std::vector<nn::NamedTensor> under(const std::string& prefix, const std::vector<nn::NamedTensor>& tensors) {
  std::vector<nn::NamedTensor> out;
  for (const auto& [name, t] : tensors)
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

// A metadata entry that must be there.
const std::string& entry(const std::string& file, const nn::Metadata& metadata, const std::string& key) {
  const auto found = metadata.find(key);
  if (found == metadata.end()) fail_io("{}: not a training checkpoint (no \"{}\" in its metadata)", file, key);
  return found->second;
}

}  // namespace

Resumable::Resumable(const Options& options, std::string program, nn::Module& model, optim::Optimizer& optimizer,
                     History& history)
    : options_(options), program_(std::move(program)), model_(model), optimizer_(optimizer), history_(history) {}

std::filesystem::path Resumable::path() const {
  return std::filesystem::path(options_.out) / (program_ + "_checkpoint.safetensors");
}

void Resumable::epoch_done(int epoch) {
  if (options_.checkpoint_every <= 0 || epoch % options_.checkpoint_every != 0) return;
  std::vector<nn::NamedTensor> tensors = prefixed("model.", nn::state_dict(model_));
  for (auto& t : prefixed("optimizer.", nn::state_dict(optimizer_))) tensors.push_back(std::move(t));
  tensors.emplace_back("rng_state", get_rng_state());
  const auto& rows = history_.rows();
  const size_t columns = history_.columns().size();
  std::vector<double> values;
  for (const auto& row : rows) values.insert(values.end(), row.begin(), row.end());
  tensors.emplace_back("history", tensor(values, {int64_t(rows.size()), int64_t(columns)}));

  nn::Metadata metadata{{"program", program_}, {"epoch", std::to_string(epoch)}};
  for (const auto& [name, value] : options_.settings) metadata[kSettingPrefix + name] = value;
  nn::save_tensors(tensors, path(), metadata);
  fmt::print("   checkpoint after epoch {} written to {} (carry on with --resume {})\n", epoch, path().string(),
             path().string());
}

int Resumable::resume() {
  if (options_.resume.empty()) return 0;
  const std::string& file = options_.resume;
  const nn::TensorFile checkpoint = nn::load_tensors(file);
  const nn::Metadata& metadata = checkpoint.metadata;

  const std::string& program = entry(file, metadata, "program");
  if (program != program_) fail_io("{}: a checkpoint of {}, not of {}", file, program, program_);
  const std::string& epoch_text = entry(file, metadata, "epoch");
  int epoch = -1;
  const auto [end, error] = std::from_chars(epoch_text.data(), epoch_text.data() + epoch_text.size(), epoch);
  if (error != std::errc() || end != epoch_text.data() + epoch_text.size() || epoch < 0)
    fail_io("{}: epoch \"{}\", expected a whole number >= 0", file, epoch_text);
  if (epoch > options_.epochs)
    fail_io("{}: already {} epochs done, more than --epochs {}; ask for at least {}", file, epoch, options_.epochs, epoch);

  // The same settings, or the resumed run would end somewhere an unbroken run never goes.
  std::set<std::string> names;
  for (const auto& [key, _] : metadata)
    if (key.starts_with(kSettingPrefix)) names.insert(key.substr(std::string(kSettingPrefix).size()));
  for (const auto& [name, _] : options_.settings) names.insert(name);
  for (const std::string& name : names) {
    const auto saved = metadata.find(kSettingPrefix + name);
    const auto now = options_.settings.find(name);
    const bool had = saved != metadata.end(), has = now != options_.settings.end();
    if (had == has && (!had || saved->second == now->second)) continue;
    const auto shown = [&](bool given, const std::string& value) {
      return given ? fmt::format("--{} {}", name, value) : fmt::format("no --{}", name);
    };
    fail_io("{}: written with {}, this run has {}; resume with the options of the run that wrote it (only --epochs, "
            "--threads, --out, --save and --checkpoint-every may change)",
            file, shown(had, had ? saved->second : ""), shown(has, has ? now->second : ""));
  }

  for (const auto& [name, _] : checkpoint.tensors)
    if (!name.starts_with("model.") && !name.starts_with("optimizer.") && name != "rng_state" && name != "history")
      fail_io("{}: unexpected tensor \"{}\" in a training checkpoint", file, name);
  const std::vector<nn::NamedTensor> rng = under("rng_state", checkpoint.tensors);
  const std::vector<nn::NamedTensor> history = under("history", checkpoint.tensors);
  if (rng.size() != 1) fail_io("{}: no rng_state: not a training checkpoint", file);
  const size_t columns = history_.columns().size();
  if (history.size() != 1 || history[0].second.dtype() != kFloat64 ||
      !(history[0].second.shape() == Shape({int64_t(epoch), int64_t(columns)})))
    fail_io("{}: expected a history of ({}, {}) float64 for its {} epochs", file, epoch, columns, epoch);

  nn::load_state_dict(model_, under("model.", checkpoint.tensors), file);
  nn::load_state_dict(optimizer_, under("optimizer.", checkpoint.tensors), file);
  try {
    set_rng_state(rng[0].second);
  } catch (const std::invalid_argument& e) {
    fail_io("{}: rng_state: {}", file, e.what());
  }
  History restored(history_.columns());
  const std::vector<double> values = history[0].second.to_vector<double>();
  for (int i = 0; i < epoch; ++i)
    restored.add(std::vector<double>(values.begin() + i * int64_t(columns), values.begin() + (i + 1) * int64_t(columns)));
  history_ = std::move(restored);
  fmt::print("   resumed from {}: {} of {} epochs done\n", file, epoch, options_.epochs);
  return epoch;
}

}  // namespace sg::tutorial
