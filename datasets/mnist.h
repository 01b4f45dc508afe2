// MNIST (handwritten digits) and Fashion-MNIST (clothing): 28 x 28 grey images with a class 0..9.
// A Dataset is the images (N, 1, 28, 28) float32 and the labels (N) int64, plus the class names and a
// line saying where the data came from. Subsets, relabelling and one-hot labels make new datasets.
//   auto train = sg::datasets::MNIST(data_dir, sg::datasets::Split::Train);
//   auto small = train.subset(0, 5000);                      // train[:5000]
//   auto big = train.relabel([](int64_t digit) { return digit > 4; }, {"0-4", "5-9"});
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/tensor.h"

namespace sg::datasets {

enum class Split { Train, Test };

/// How pixel values are scaled: Unit to [0, 1], Raw keeps 0..255, Centered to [-0.5, 0.5] (x/255 - 0.5).
enum class Scale { Unit, Raw, Centered };

/// Which files to read: Auto takes the full files when present, and the embedded subset when they are
/// missing from the default data folder (a folder the caller named must hold them, as for Full); Full
/// insists on the full files; Embedded always takes the committed subset.
enum class Source { Auto, Full, Embedded };

struct LoadOptions {
  Scale scale = Scale::Unit;
  Source source = Source::Auto;
};

/// One example: image (1, 28, 28) and its label.
struct Example {
  Tensor image;
  int64_t label = 0;
};

/// Images, labels and what they mean. Cheap to copy: the tensors are shared handles.
class Dataset {
 public:
  Dataset() = default;
  /// images: (N, 1, H, W) float32; labels: (N) int64 in 0 .. class_names.size() - 1.
  Dataset(Tensor images, Tensor labels, std::vector<std::string> class_names, std::string description);

  /// Number of examples.
  int64_t size() const { return labels_.defined() ? labels_.numel() : 0; }
  /// (N, 1, 28, 28) float32.
  const Tensor& images() const { return images_; }
  /// (N) int64.
  const Tensor& labels() const { return labels_; }
  int64_t num_classes() const { return int64_t(class_names_.size()); }
  const std::vector<std::string>& class_names() const { return class_names_; }
  /// The name of class c: class_name(9) == "Ankle boot" for Fashion-MNIST.
  const std::string& class_name(int64_t c) const;
  /// One line saying which data this is: "MNIST train: full set, 60000 images from ...".
  const std::string& description() const { return description_; }

  /// Example i (negative i counts from the end): auto [image, label] = train.get(0);
  Example get(int64_t index) const;
  /// Examples begin .. end - 1, as train[begin:end] in Python: train.subset(5000, 10000). A view: it
  /// shares this dataset's images (no copy), and keeps all of them in memory while it lives.
  Dataset subset(int64_t begin, int64_t end) const;
  /// The examples at these indices, in this order (repeats allowed).
  Dataset select(std::span<const int64_t> indices) const;
  /// The same images with labels f(label); the new classes are named class_names (when empty, they are
  /// "0", "1", ... up to the largest new label). Every new label must name a class.
  Dataset relabel(const std::function<int64_t(int64_t)>& f, std::vector<std::string> class_names = {}) const;
  /// Labels as rows of zeros with a one at the class: (N, num_classes) float32.
  Tensor one_hot() const;

 private:
  Tensor images_, labels_;
  std::vector<std::string> class_names_;
  std::string description_;
};

/// LeCun, Cortes and Burges's handwritten digits: 60000 training and 10000 test images.
///   sg::datasets::MNIST test(data_dir, sg::datasets::Split::Test, {.scale = sg::datasets::Scale::Centered});
class MNIST : public Dataset {
 public:
  MNIST(const std::filesystem::path& data_dir, Split split, LoadOptions options = {});
};

/// Zalando's clothing images, MNIST's format and sizes: T-shirt/top, Trouser, ..., Ankle boot.
class FashionMNIST : public Dataset {
 public:
  FashionMNIST(const std::filesystem::path& data_dir, Split split, LoadOptions options = {});
};

/// Fashion-MNIST's ten class names, in label order.
extern const std::vector<std::string> kFashionMnistClasses;

/// Where the full data lives: `cli_value` when not empty (a program's --data-dir), else the environment
/// variable SG_DATA_DIR when set, else the source tree's datasets/data.
std::filesystem::path resolve_data_dir(std::string_view cli_value = "");

/// The folder holding the committed subsets (datasets/embedded in the source tree).
std::filesystem::path embedded_dir();

/// True when `data_dir` is the default data folder (the source tree's datasets/data), the one folder that
/// Source::Auto falls back from when the full files are missing.
bool is_default_data_dir(const std::filesystem::path& data_dir);

/// The two IDX files of a split, as the MNIST and FashionMNIST constructors find them; `full` is false for
/// the embedded subset. Throws as they do when the files are missing.
///   auto [images, labels, full] = sg::datasets::mnist_files(data_dir, sg::datasets::Split::Train);
struct SplitFiles {
  std::filesystem::path images, labels;
  bool full = false;
};
SplitFiles mnist_files(const std::filesystem::path& data_dir, Split split, Source source = Source::Auto);
SplitFiles fashion_mnist_files(const std::filesystem::path& data_dir, Split split, Source source = Source::Auto);

/// Images bytes (N, H, W) as float32 (N, 1, H, W), scaled as asked.
Tensor images_to_tensor(std::span<const uint8_t> pixels, int64_t count, int64_t rows, int64_t cols, Scale scale);

}  // namespace sg::datasets
