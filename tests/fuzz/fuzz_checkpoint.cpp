// Fuzz target: the checkpoint loaders, nn::load for a module and for an optimizer. The first byte picks
// what the rest of the input, the file, is loaded into: 0 a small model (a Linear and a BatchNorm1d, so
// float32 parameters and an int64 buffer), 1 Adam with amsgrad over it, 2 SGD with momentum. A refused file
// must throw std::runtime_error and leave the model or optimizer exactly as it was; an accepted one must
// leave only finite values (and no negative running average of squares) and an optimizer that can take a
// step. Anything else (a crash, a sanitizer report, another exception, an allocation past libFuzzer's
// limit, a partial load) is a bug.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "scratchgrad/nn.h"
#include "tests/fuzz/memory_file.h"

namespace {

using namespace sg;

struct Model : nn::Module {
  std::shared_ptr<nn::Linear> fc = register_module("fc", nn::Linear(3, 2));
  std::shared_ptr<nn::BatchNorm1d> bn = register_module("bn", nn::BatchNorm1d(2));
};

// Every tensor a load may change, copied, with the learning rates: compared bitwise after a refused load.
struct Snapshot {
  std::vector<Tensor> tensors;
  std::vector<double> lrs;

  bool operator==(const Snapshot& other) const {
    if (tensors.size() != other.tensors.size() || lrs.size() != other.lrs.size()) return false;
    for (size_t i = 0; i < lrs.size(); ++i)
      if (std::memcmp(&lrs[i], &other.lrs[i], sizeof(double)) != 0) return false;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const Tensor& a = tensors[i];
      const Tensor& b = other.tensors[i];
      if (!(a.shape() == b.shape()) || a.dtype() != b.dtype() ||
          std::memcmp(a.impl().data(), b.impl().data(), size_t(a.numel()) * element_size(a.dtype())) != 0)
        return false;
    }
    return true;
  }
};

Snapshot snapshot(const nn::Module& model) {
  Snapshot out;
  for (const Tensor& t : model.parameters()) out.tensors.push_back(t.detach().clone());
  for (const Tensor& t : model.buffers()) out.tensors.push_back(t.detach().clone());
  return out;
}

Snapshot snapshot(const optim::Optimizer& optimizer) {
  Snapshot out;
  for (size_t g = 0; g < optimizer.group_count(); ++g) out.lrs.push_back(optimizer.lr(g));
  for (size_t i = 0; i < optimizer.param_count(); ++i) {
    out.lrs.push_back(double(optimizer.state(i).size()));  // which fields exist counts too
    for (const auto& [_, t] : optimizer.state(i)) out.tensors.push_back(t.detach().clone());
  }
  return out;
}

// Every float value finite; those of a running average of squared gradients also >= 0.
bool sane(const Tensor& t, bool non_negative) {
  if (!is_floating(t.dtype())) return true;
  for (const double v : t.to_vector<double>())
    if (!std::isfinite(v) || (non_negative && v < 0)) return false;
  return true;
}
bool sane(const nn::Module& model) {
  for (const Tensor& t : model.parameters())
    if (!sane(t, false)) return false;
  for (const Tensor& t : model.buffers())
    if (!sane(t, false)) return false;
  return true;
}
bool sane(const optim::Optimizer& optimizer) {
  for (size_t i = 0; i < optimizer.param_count(); ++i)
    for (const auto& [field, t] : optimizer.state(i))
      if (!sane(t, field == "exp_avg_sq" || field == "max_exp_avg_sq")) return false;
  return true;
}

// One step with a gradient of ones: the loaded state must be usable, not only accepted.
void step(optim::Optimizer& optimizer) {
  for (size_t g = 0; g < optimizer.group_count(); ++g)
    for (Tensor p : optimizer.params(g)) p.set_grad(ones_like(p));
  optimizer.step();
}

template <class Target>
void load_into(Target& target, const std::string& path, bool take_step) {
  const Snapshot before = snapshot(target);
  try {
    nn::load(target, path);
  } catch (const std::runtime_error&) {
    if (!(snapshot(target) == before)) std::abort();  // a refused file changed what it was loaded into
    return;
  }
  if (!sane(target)) std::abort();  // an accepted file brought in NaN, an infinity or a negative square
  if constexpr (std::is_base_of_v<optim::Optimizer, Target>)
    if (take_step) step(target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static fuzz::MemoryFile file;
  const std::string& path = file.assign(data + 1, size - 1);
  // Fresh objects per input, so one input's accepted load cannot change how the next one is read.
  Model model;
  switch (data[0] % 3) {
    case 0: load_into(model, path, false); break;
    case 1: {
      optim::Adam adam(model.parameters(), {.lr = 1e-3, .amsgrad = true});
      load_into(adam, path, true);
      break;
    }
    default: {
      optim::SGD sgd(model.parameters(), {.lr = 0.1, .momentum = 0.9});
      load_into(sgd, path, true);
      break;
    }
  }
  return 0;
}
