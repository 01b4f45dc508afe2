// Where a tutorial's data comes from, said before anything else: the full files in the data folder, or,
// when the default folder lacks them, the embedded subset, which the first line of output announces.
#pragma once

#include <filesystem>

#include "tutorials/common/options.h"

namespace sg::tutorial {

enum class Collection { Mnist, FashionMnist };

/// The data folder (--data-dir, else $SG_DATA_DIR, else the default datasets/data). Call it before
/// printing anything: when the default folder lacks the full files, it prints, as the first line, that the
/// embedded subset is used. A folder the user named must hold the files: otherwise it throws, naming the
/// folder, the files and how to fetch them.
std::filesystem::path data_dir(const Options& options, Collection collection);

}  // namespace sg::tutorial
