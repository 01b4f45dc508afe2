// Writing a file so that a failure part way leaves the previous file whole: the bytes go to a temporary
// file in the same folder, are flushed to disk, and only then renamed over the target (rename within a
// folder is atomic on POSIX). Checkpoints, pictures and CSV files are all written through here. The
// temporary file is removed on any failure and on SIGINT or SIGTERM; a symlink is written through (its
// target gets the bytes, the link stays), and a file replaced keeps its permissions.
#pragma once

#include <filesystem>
#include <string_view>

namespace sg {

/// Replaces `path` with `bytes`, or throws std::runtime_error naming the path and leaves it as it was
/// (std::invalid_argument for an empty path).
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace sg
