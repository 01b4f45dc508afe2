// Several models in one file, each under its own name.
#include "tutorials/common/model_set.h"

#include <algorithm>

#include <fmt/ranges.h>

#include "tutorials/common/options.h"

namespace sg::tutorial {

void save_models(const std::vector<std::pair<std::string, const nn::Module*>>& models, const std::string& file,
                 const nn::Metadata& metadata) {
  std::vector<nn::NamedTensor> tensors;
  for (const auto& [name, model] : models)
    for (const auto& [key, t] : nn::state_dict(*model)) tensors.emplace_back(name + "." + key, t);
  nn::save_tensors(tensors, file, metadata);
}

nn::TensorFile read_models(const std::string& file, const std::vector<std::string>& names) {
  nn::TensorFile models = nn::load_tensors(file);
  std::vector<size_t> counts(names.size(), 0);
  size_t named = 0;
  for (const auto& [key, _] : models.tensors)
    for (size_t i = 0; i < names.size(); ++i)
      if (key.starts_with(names[i] + ".")) ++counts[i], ++named;
  if (std::find(counts.begin(), counts.end(), size_t(0)) != counts.end() || named != models.tensors.size())
    fail_io("{}: expected the models {}.*, and nothing else (as --save writes)", file, fmt::join(names, ".*, "));
  return models;
}

void check_saved_options(const nn::TensorFile& models, const std::string& file,
                         const std::vector<std::pair<std::string, std::string>>& options) {
  for (const auto& [option, value] : options)
    if (const auto saved = models.metadata.find(option); saved != models.metadata.end() && saved->second != value)
      usage_error(fmt::format("--load {}: its models were trained with --{} {}, not {}; pass --{} {}", file, option,
                              saved->second, value, option, saved->second));
}

void load_model(nn::Module& model, const std::string& name, const nn::TensorFile& models, const std::string& file) {
  std::vector<nn::NamedTensor> tensors;
  for (const auto& [key, t] : models.tensors)
    if (key.starts_with(name + ".")) tensors.emplace_back(key.substr(name.size() + 1), t);
  nn::load_state_dict(model, tensors, file);
  fmt::print("   {} model loaded from {}\n", name, file);
}

}  // namespace sg::tutorial
