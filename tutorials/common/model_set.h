// Several models in one --save file, each under its own name ("relu.filter", "fixed.fc.weight"), as
// torch.save({"relu": relu.state_dict(), "fixed": fixed.state_dict()}) would keep them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// Writes each model's state under "<name>.".
void save_models(const std::vector<std::pair<std::string, const nn::Module*>>& models, const std::string& file,
                 const nn::Metadata& metadata);

/// Reads the whole file before any training, and checks that it holds the named models and nothing
/// else (as save_models writes), or fails naming the file.
nn::TensorFile read_models(const std::string& file, const std::vector<std::string>& names);

/// Refuses, as a bad option (the usage and exit code 2), a file saved under other values of the options
/// that shape the models, {{"fix", "small_init"}, ...}: loaded under others, it would run models other
/// than the ones trained. An option the file does not record passes.
void check_saved_options(const nn::TensorFile& models, const std::string& file,
                         const std::vector<std::pair<std::string, std::string>>& options);

/// Loads the state saved under "<name>." into model, and says so.
void load_model(nn::Module& model, const std::string& name, const nn::TensorFile& models, const std::string& file);

}  // namespace sg::tutorial
