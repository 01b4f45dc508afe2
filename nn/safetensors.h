// The safetensors file format: named tensors and string metadata in one file, so numpy and PyTorch users
// can read the weights:
//   8 bytes    N, the header length, unsigned little-endian
//   N bytes    JSON: {"fc.weight": {"dtype": "F32", "shape": [10, 784], "data_offsets": [0, 31360]}, ...,
//                     "__metadata__": {"epoch": "3"}}   (padded with spaces to a multiple of 8)
//   the rest   the tensors' raw little-endian bytes, packed in order without gaps; offsets count from here
// Files are written atomically (sg::write_file_atomic) and every read validates the whole file before it
// returns anything. What a checkpoint puts in such a file is nn/checkpoint.h's job.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "nn/state_dict.h"

namespace sg::nn {

/// Training metadata that rides in the header: {{"epoch", "3"}, {"seed", "0"}}.
using Metadata = std::map<std::string, std::string>;

/// The contents of a safetensors file: tensors in file order, and the metadata.
struct TensorFile {
  std::vector<NamedTensor> tensors;
  Metadata metadata;
};

/// Writes named float32, float64 or int64 tensors (names unique, not "__metadata__"; names and metadata
/// valid UTF-8; at most 100,000 tensors, the most load_tensors accepts). NaN and infinities are written
/// as they are.
void save_tensors(const std::vector<NamedTensor>& tensors, const std::filesystem::path& path,
                  const Metadata& metadata = {});
/// Reads and validates a whole file; throws std::runtime_error naming the file, the tensor and the defect.
TensorFile load_tensors(const std::filesystem::path& path);

/// A dtype's name in a safetensors header: "F32", "F64", "I64".
const char* safetensors_dtype(Dtype dtype);

}  // namespace sg::nn
