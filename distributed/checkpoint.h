// Checkpoints of a data-parallel run. The replicas are equal, so one file holds the run: rank 0 writes it
// (nn::save writes a temporary file and renames it into place, so a crash leaves the previous one whole)
// and, to resume, rank 0 reads it and sends the tensors to every rank, so ranks on other hosts need no
// copy. Nothing in the file depends on the number of ranks: a run saved with P ranks resumes with any.
//   sg::distributed::save_on_rank0([&] { nn::save(model, path, {{"step", std::to_string(step)}}); });
//   nn::TensorFile file = sg::distributed::load_on_rank0(path);
//   nn::load_state_dict(model, file.tensors, path.string());
#pragma once

#include <filesystem>
#include <functional>

#include "nn/checkpoint.h"

namespace sg::distributed {

/// Runs write on rank 0 alone, then tells every rank how it went: when it threw, every rank throws
/// std::runtime_error with its message (so none carries on without the file). Returns on every rank
/// once the file is written.
void save_on_rank0(const std::function<void()>& write);

/// Reads a safetensors file on rank 0 (nn::load_tensors, which validates all of it) and gives every rank
/// its tensors and metadata; when the read failed, every rank throws std::runtime_error with its message.
nn::TensorFile load_on_rank0(const std::filesystem::path& path);

}  // namespace sg::distributed
