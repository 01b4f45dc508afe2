// Where a tutorial's data comes from, said before anything else: the full files in the data folder, or,
// when the default folder lacks them, the embedded subset, which the first line of output announces.
#pragma once

#include <cstdint>
#include <filesystem>
#include <utility>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/options.h"

namespace sg::tutorial {

enum class Collection { Mnist, FashionMnist };

/// The data folder (--data-dir, else $SG_DATA_DIR, else the default datasets/data). Call it before
/// printing anything: when the default folder lacks the full files, it prints, as the first line, that the
/// embedded subset is used. A folder the user named must hold the files: otherwise it throws, naming the
/// folder, the files and how to fetch them.
std::filesystem::path data_dir(const Options& options, Collection collection);

/// The first `train` examples to train on and the next `test` to test on, as notebook 000 split its
/// training file. A smaller dataset (the embedded subset) is split in the same proportion, and that
/// is printed.
std::pair<datasets::Dataset, datasets::Dataset> first_and_next(const datasets::Dataset& all, int64_t train,
                                                               int64_t test);

}  // namespace sg::tutorial
