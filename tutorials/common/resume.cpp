// A training checkpoint is one safetensors file, as PyTorch's torch.save({"model": ..., "optimizer": ...,
// "rng_state": ..., "epoch": ...}) is one file: written atomically, so a stop at any moment leaves either
// the previous checkpoint or the new one, never parts that disagree. Names inside, for each phase begun
// (prefixed "<phase>." in a program of several):
//   model.<name>       the module's parameters and buffers (nn::state_dict)
//   optimizer.<name>   the optimizer's learning rates and per-parameter state
//   history            the curves' rows so far, (epochs, columns) float64
// and once rng_state, the default generator (sg::get_rng_state). The metadata holds the program, the
// phases begun, the epochs done in the last and every setting that shapes the results.
#include "tutorials/common/resume.h"

#include <charconv>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "autograd/check.h"
#include "autograd/rng_state.h"

namespace sg::tutorial {

namespace {

constexpr const char* kSettingPrefix = "setting.";

// "relu." for phase relu; nothing for the one phase of a program of one model.
std::string prefix_of(const std::string& phase) { return phase.empty() ? "" : phase + "."; }

const Tensor* find(const std::vector<nn::NamedTensor>& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
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
    : options_(options), program_(std::move(program)), phases_{{"", model, optimizer, history}} {}

Resumable::Resumable(const Options& options, std::string program) : options_(options), program_(std::move(program)) {}

const Resumable::Phase& Resumable::training() const {
  SG_CHECK(!phases_.empty(), "Resumable: no model yet; begin one with resume(phase, model, optimizer, history)");
  return phases_.back();
}

std::filesystem::path Resumable::path() const {
  const std::string& phase = training().name;
  const std::string name = program_ + (phase.empty() ? "" : "_" + phase) + "_checkpoint.safetensors";
  return std::filesystem::path(options_.out) / name;
}

void Resumable::epoch_done(int epoch) {
  if (options_.checkpoint_every <= 0 || epoch % options_.checkpoint_every != 0) return;
  std::vector<nn::NamedTensor> tensors;
  std::vector<std::string> names;
  for (const Phase& phase : phases_) {
    const std::string prefix = prefix_of(phase.name);
    for (auto& t : nn::with_prefix(prefix + "model.", nn::state_dict(phase.model))) tensors.push_back(std::move(t));
    for (auto& t : nn::with_prefix(prefix + "optimizer.", nn::state_dict(phase.optimizer))) tensors.push_back(std::move(t));
    const auto& rows = phase.history.rows();
    const size_t columns = phase.history.columns().size();
    std::vector<double> values;
    for (const auto& row : rows) values.insert(values.end(), row.begin(), row.end());
    tensors.emplace_back(prefix + "history", tensor(values, {int64_t(rows.size()), int64_t(columns)}));
    names.push_back(phase.name);
  }
  tensors.emplace_back("rng_state", get_rng_state());

  nn::Metadata metadata{{"program", program_}, {"epoch", std::to_string(epoch)}};
  if (!training().name.empty()) metadata["phases"] = fmt::format("{}", fmt::join(names, " "));
  for (const auto& [name, value] : options_.settings) metadata[kSettingPrefix + name] = value;
  nn::save_tensors(tensors, path(), metadata);
  fmt::print("   checkpoint after epoch {} written to {} (carry on with --resume {})\n", epoch, path().string(),
             path().string());
}

const Resumable::Checkpoint& Resumable::checkpoint() {
  if (checkpoint_) return *checkpoint_;
  const std::string& file = options_.resume;
  Checkpoint checkpoint{nn::load_tensors(file), {}, 0};
  const nn::Metadata& metadata = checkpoint.file.metadata;

  const std::string& program = entry(file, metadata, "program");
  if (program != program_) fail_io("{}: a checkpoint of {}, not of {}", file, program, program_);
  const std::string& epoch_text = entry(file, metadata, "epoch");
  int& epoch = checkpoint.epoch;
  const auto [end, error] = std::from_chars(epoch_text.data(), epoch_text.data() + epoch_text.size(), epoch);
  if (error != std::errc() || end != epoch_text.data() + epoch_text.size() || epoch < 0)
    fail_io("{}: epoch \"{}\", expected a whole number >= 0", file, epoch_text);
  if (epoch > options_.epochs)
    fail_io("{}: already {} epochs done, more than --epochs {}; ask for at least {}", file, epoch, options_.epochs, epoch);
  if (const auto phases = metadata.find("phases"); phases != metadata.end()) {
    std::istringstream words(phases->second);
    for (std::string word; words >> word;) checkpoint.phases.push_back(word);
    if (checkpoint.phases.empty()) fail_io("{}: no phase named in \"phases\"", file);
  } else {
    checkpoint.phases = {""};
  }

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

  for (const auto& [name, _] : checkpoint.file.tensors) {
    bool known = name == "rng_state";
    for (const std::string& phase : checkpoint.phases) {
      const std::string prefix = prefix_of(phase);
      known = known || name.starts_with(prefix + "model.") || name.starts_with(prefix + "optimizer.") ||
              name == prefix + "history";
    }
    if (!known) fail_io("{}: unexpected tensor \"{}\" in a training checkpoint", file, name);
  }
  if (!find(checkpoint.file.tensors, "rng_state")) fail_io("{}: no rng_state: not a training checkpoint", file);
  checkpoint_ = std::move(checkpoint);
  return *checkpoint_;
}

int Resumable::resume(std::string phase, nn::Module& model, optim::Optimizer& optimizer, History& history) {
  phases_.push_back({std::move(phase), model, optimizer, history});
  return resume();
}

int Resumable::resume() {
  const Phase& phase = training();
  if (options_.resume.empty()) return 0;
  const std::string& file = options_.resume;
  const Checkpoint& saved = checkpoint();
  const size_t index = phases_.size() - 1;
  if (index >= saved.phases.size()) return 0;  // written before this phase began
  if (saved.phases[index] != phase.name)
    fail_io("{}: phase {} is \"{}\", this program's is \"{}\"", file, index + 1, saved.phases[index], phase.name);
  // A phase that had ended did so after the --epochs of the run that wrote the checkpoint, and the next
  // one began from there: it cannot be made longer now.
  const bool in_progress = index + 1 == saved.phases.size();
  const std::string prefix = prefix_of(phase.name);
  const Tensor* history = find(saved.file.tensors, prefix + "history");
  const int64_t columns = int64_t(phase.history.columns().size());
  if (!history || history->dtype() != kFloat64 || history->dim() != 2 || history->shape()[1] != columns)
    fail_io("{}: expected a {}history of (epochs, {}) float64", file, prefix, columns);
  const int64_t rows = history->shape()[0];
  if (!in_progress && rows != options_.epochs)
    fail_io("{}: its {} phase ended after {} epochs and the next one began: resume with --epochs {}, not {}", file,
            phase.name, rows, rows, options_.epochs);
  const int epoch = in_progress ? saved.epoch : options_.epochs;
  if (rows != epoch) fail_io("{}: expected a {}history of {} epochs, got {}", file, prefix, epoch, rows);

  nn::load_state_dict(phase.model, nn::under_prefix(prefix + "model.", saved.file.tensors), file);
  nn::load_state_dict(phase.optimizer, nn::under_prefix(prefix + "optimizer.", saved.file.tensors), file);
  if (in_progress) {
    try {
      set_rng_state(*find(saved.file.tensors, "rng_state"));
    } catch (const std::invalid_argument& e) {
      fail_io("{}: rng_state: {}", file, e.what());
    }
  }
  History restored(phase.history.columns());
  const std::vector<double> values = history->to_vector<double>();
  for (int64_t i = 0; i < rows; ++i)
    restored.add(std::vector<double>(values.begin() + i * columns, values.begin() + (i + 1) * columns));
  phase.history = std::move(restored);
  fmt::print("   resumed from {}: {} of {} epochs done{}\n", file, epoch, options_.epochs,
             phase.name.empty() ? "" : " in phase " + phase.name);
  return epoch;
}

}  // namespace sg::tutorial
