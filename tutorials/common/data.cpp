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

}  // namespace sg::tutorial
