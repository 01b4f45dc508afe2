// The rule itself (fall back from the default folder only) lives in datasets/mnist.cpp; this says it out
// loud, first.
#include "tutorials/common/data.h"

#include <fmt/format.h>

#include "datasets/mnist.h"

namespace sg::tutorial {

std::filesystem::path data_dir(const Options& options, Collection collection) {
  namespace ds = sg::datasets;
  const std::filesystem::path dir = ds::resolve_data_dir(options.data_dir);
  const bool mnist = collection == Collection::Mnist;
  const ds::SplitFiles files =
      mnist ? ds::mnist_files(dir, ds::Split::Train) : ds::fashion_mnist_files(dir, ds::Split::Train);
  if (!files.full)
    fmt::print("note: no full {} in {}: using the embedded subset, the first 2000 training and 1000 test images "
               "(datasets/fetch gets the full set)\n",
               mnist ? "MNIST" : "Fashion-MNIST", (dir / (mnist ? "mnist" : "fashion-mnist")).string());
  return dir;
}

std::pair<datasets::Dataset, datasets::Dataset> first_and_next(const datasets::Dataset& all, int64_t train,
                                                               int64_t test) {
  if (train + test > all.size()) {
    const int64_t whole = train + test;
    train = all.size() * train / whole;
    test = all.size() - train;
    fmt::print("   only {} images here: training on {}, testing on the next {}\n", all.size(), train, test);
  }
  return {all.subset(0, train), all.subset(train, train + test)};
}

}  // namespace sg::tutorial
