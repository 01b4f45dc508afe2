// MNIST and Fashion-MNIST: find the files (the full set in the data folder, or the committed subset when
// the default folder lacks them; a folder the caller named must hold them), read them with the IDX
// reader, check they belong together, and turn them into tensors.
#include "datasets/mnist.h"

#include <cstdlib>
#include <optional>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "datasets/idx.h"

#ifndef SG_DEFAULT_DATA_DIR
#define SG_DEFAULT_DATA_DIR "datasets/data"
#endif
#ifndef SG_EMBEDDED_DIR
#define SG_EMBEDDED_DIR "datasets/embedded"
#endif

namespace sg::datasets {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSide = 28;
// The most classes relabel names by itself ("0", "1", ...); more need class_names.
constexpr int64_t kMaxUnnamedClasses = 100'000;

std::vector<std::string> digit_names(int64_t n) {
  std::vector<std::string> names;
  for (int64_t c = 0; c < n; ++c) names.push_back(std::to_string(c));
  return names;
}

// dir/stem, else dir/stem.gz, else nothing.
std::optional<fs::path> find_idx(const fs::path& dir, const std::string& stem) {
  for (const fs::path& p : {dir / stem, dir / (stem + ".gz")}) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

// What each dataset calls itself and where its files are.
struct Spec {
  std::string_view name;    // "MNIST"
  std::string_view folder;  // "mnist": data_dir/mnist and embedded/mnist
  const std::vector<std::string>& class_names;
};

// The stems of a split's two files: "train-images-idx3-ubyte", "train-labels-idx1-ubyte".
std::pair<std::string, std::string> stems(Split split) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  return {prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte"};
}

std::string title(const Spec& spec, Split split) {
  return fmt::format("{} {}", spec.name, split == Split::Train ? "train" : "test");
}

// Why data_dir/folder holds no file at all, when the reason is the folder itself.
std::string missing_folder(const fs::path& data_dir, const fs::path& full_dir) {
  std::error_code ec;
  if (!fs::exists(data_dir, ec)) return fmt::format(" ({} does not exist)", data_dir.string());
  if (!fs::is_directory(data_dir, ec)) return fmt::format(" ({} is a file, not a folder)", data_dir.string());
  if (!fs::exists(full_dir, ec)) return " (no such folder)";
  return "";
}

SplitFiles find_files(const Spec& spec, const fs::path& data_dir, Split split, Source source) {
  const auto [images_stem, labels_stem] = stems(split);
  if (source != Source::Embedded) {
    const fs::path full_dir = data_dir / spec.folder;
    const std::optional<fs::path> images = find_idx(full_dir, images_stem), labels = find_idx(full_dir, labels_stem);
    if (images && labels) return {*images, *labels, true};
    if (images || labels)
      fail_io("{}: found {} but no {}[.gz] beside it; run datasets/fetch --data-dir {}", title(spec, split),
              (images ? *images : *labels).string(), images ? labels_stem : images_stem, data_dir.string());
    // A folder the user named (--data-dir, SG_DATA_DIR) that lacks the files is a typo or a missed
    // download: saying so beats training on the 2,000-image subset without a word.
    if (source == Source::Full || !is_default_data_dir(data_dir))
      fail_io("{}: no {}[.gz] and {}[.gz] in {}{}; fetch them with datasets/fetch --data-dir {}{}", title(spec, split),
              images_stem, labels_stem, full_dir.string(), missing_folder(data_dir, full_dir), data_dir.string(),
              source == Source::Full ? ""
                                     : ", or name no data folder (no --data-dir, no SG_DATA_DIR) for the embedded subset");
  }
  const fs::path dir = embedded_dir() / spec.folder;
  return {dir / (images_stem + ".gz"), dir / (labels_stem + ".gz"), false};
}

Dataset load(const Spec& spec, const fs::path& data_dir, Split split, const LoadOptions& options) {
  const int64_t full_count = split == Split::Train ? 60000 : 10000;
  const SplitFiles files = find_files(spec, data_dir, split, options.source);
  const IdxImages images = read_idx_images(files.images);
  const std::vector<uint8_t> labels = read_idx_labels(files.labels, int(spec.class_names.size()));
  if (images.rows != kSide || images.cols != kSide)
    fail_io("{}: image size {} x {}, expected {} x {}", files.images.string(), images.rows, images.cols, kSide,
            kSide);
  if (images.count != int64_t(labels.size()))
    fail_io("{}: {} images but {}: {} labels, expected as many labels as images", files.images.string(),
            images.count, files.labels.string(), labels.size());

  const std::string description =
      files.full ? fmt::format("{}: full set, {} images from {}", title(spec, split), images.count,
                               (data_dir / spec.folder).string())
                 : fmt::format("{}: embedded subset, the first {} of {} images (datasets/fetch gets the full set)",
                               title(spec, split), images.count, full_count);
  std::vector<int64_t> label_values(labels.begin(), labels.end());
  return Dataset(images_to_tensor(images.pixels, images.count, images.rows, images.cols, options.scale),
                 tensor(label_values, {int64_t(labels.size())}), spec.class_names, description);
}

const std::vector<std::string> kDigits = digit_names(10);
const Spec kMnist{"MNIST", "mnist", kDigits};
const Spec kFashionMnist{"Fashion-MNIST", "fashion-mnist", kFashionMnistClasses};

}  // namespace

const std::vector<std::string> kFashionMnistClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                       "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// ---- Dataset ----------------------------------------------------------------------------------------

Dataset::Dataset(Tensor images, Tensor labels, std::vector<std::string> class_names, std::string description)
    : images_(std::move(images)),
      labels_(std::move(labels)),
      class_names_(std::move(class_names)),
      description_(std::move(description)) {
  SG_CHECK(images_.dim() == 4 && images_.dtype() == kFloat32,
           "Dataset: images must be (N, 1, H, W) float32, got {} {}", images_.shape(), images_.dtype());
  SG_CHECK(labels_.dim() == 1 && labels_.dtype() == kInt64 && labels_.numel() == images_.size(0),
           "Dataset: labels must be ({}) int64 to match images {}, got {} {}", images_.size(0), images_.shape(),
           labels_.shape(), labels_.dtype());
  const int64_t* y = labels_.data<int64_t>();
  for (int64_t i = 0; i < labels_.numel(); ++i)
    SG_CHECK(y[i] >= 0 && y[i] < num_classes(), "Dataset: label {} at index {}, expected a class in 0..{}", y[i],
             i, num_classes() - 1);
}

const std::string& Dataset::class_name(int64_t c) const {
  SG_CHECK(c >= 0 && c < num_classes(), "class_name: expected a class in 0..{}, got {}", num_classes() - 1, c);
  return class_names_[size_t(c)];
}

Example Dataset::get(int64_t index) const {
  SG_CHECK(index >= -size() && index < size(), "get: index {} is out of range for a dataset of {} examples",
           index, size());
  if (index < 0) index += size();
  return {images_.narrow(0, index, 1).reshape({images_.size(1), images_.size(2), images_.size(3)}),
          labels_.data<int64_t>()[index]};
}

Dataset Dataset::subset(int64_t begin, int64_t end) const {
  SG_CHECK(0 <= begin && begin <= end && end <= size(),
           "subset: expected 0 <= begin <= end <= {} (the dataset's size), got [{}:{}] ({})", size(), begin, end,
           description_);
  return Dataset(images_.narrow(0, begin, end - begin), labels_.narrow(0, begin, end - begin), class_names_,
                 fmt::format("{}, examples [{}:{}]", description_, begin, end));
}

Dataset Dataset::select(std::span<const int64_t> indices) const {
  for (size_t i = 0; i < indices.size(); ++i)
    SG_CHECK(indices[i] >= 0 && indices[i] < size(), "select: index {} (position {}) is out of range 0..{}",
             indices[i], i, size() - 1);
  const Tensor index = tensor(indices, {int64_t(indices.size())});
  return Dataset(images_.index_select(0, index), labels_.index_select(0, index), class_names_,
                 fmt::format("{}, {} selected examples", description_, indices.size()));
}

Dataset Dataset::relabel(const std::function<int64_t(int64_t)>& f, std::vector<std::string> class_names) const {
  std::vector<int64_t> labels(static_cast<size_t>(size()));
  const int64_t* y = labels_.data<int64_t>();
  int64_t largest = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    labels[i] = f(y[i]);
    SG_CHECK(labels[i] >= 0, "relabel: f({}) = {} at index {}, expected a class >= 0", y[i], labels[i], i);
    // Without names, one is made for every class up to the largest label: a stray huge label would
    // allocate that many strings before anything could refuse it.
    SG_CHECK(!class_names.empty() || labels[i] < kMaxUnnamedClasses,
             "relabel: f({}) = {} at index {}, expected a class below {} when no class_names are given (pass "
             "class_names to use more classes)",
             y[i], labels[i], i, kMaxUnnamedClasses);
    largest = std::max(largest, labels[i]);
  }
  if (class_names.empty()) class_names = digit_names(largest + 1);
  SG_CHECK(largest < int64_t(class_names.size()), "relabel: new label {} has no name among the {} class names",
           largest, class_names.size());
  return Dataset(images_, tensor(labels, {size()}), std::move(class_names), description_ + ", relabelled");
}

Tensor Dataset::one_hot() const { return sg::one_hot(labels_, num_classes()); }

// ---- MNIST and Fashion-MNIST ------------------------------------------------------------------------

MNIST::MNIST(const fs::path& data_dir, Split split, LoadOptions options)
    : Dataset(load(kMnist, data_dir, split, options)) {}

FashionMNIST::FashionMNIST(const fs::path& data_dir, Split split, LoadOptions options)
    : Dataset(load(kFashionMnist, data_dir, split, options)) {}

// ---- where the data is ------------------------------------------------------------------------------

fs::path resolve_data_dir(std::string_view cli_value) {
  if (!cli_value.empty()) return fs::path(cli_value);
  if (const char* env = std::getenv("SG_DATA_DIR"); env != nullptr && *env != '\0') return fs::path(env);
  return fs::path(SG_DEFAULT_DATA_DIR);
}

fs::path embedded_dir() { return fs::path(SG_EMBEDDED_DIR); }

bool is_default_data_dir(const fs::path& data_dir) {
  std::error_code ec_a, ec_b;
  const fs::path a = fs::weakly_canonical(data_dir, ec_a), b = fs::weakly_canonical(SG_DEFAULT_DATA_DIR, ec_b);
  if (ec_a || ec_b) return fs::absolute(data_dir).lexically_normal() == fs::absolute(SG_DEFAULT_DATA_DIR).lexically_normal();
  return a == b;
}

SplitFiles mnist_files(const fs::path& data_dir, Split split, Source source) {
  return find_files(kMnist, data_dir, split, source);
}

SplitFiles fashion_mnist_files(const fs::path& data_dir, Split split, Source source) {
  return find_files(kFashionMnist, data_dir, split, source);
}

Tensor images_to_tensor(std::span<const uint8_t> pixels, int64_t count, int64_t rows, int64_t cols, Scale scale) {
  const Shape shape{count, 1, rows, cols};
  check_sizes(shape, "images_to_tensor");  // before the product below, which could overflow
  SG_CHECK(int64_t(pixels.size()) == shape.numel(), "images_to_tensor: expected {} x {} x {} = {} bytes, got {}",
           count, rows, cols, shape.numel(), pixels.size());
  Tensor images = empty(shape, kFloat32);
  float* x = images.data<float>();
  // Divide (not multiply by 1/255) so that 255 maps to exactly 1 and every value is correctly rounded.
  const float shift = scale == Scale::Centered ? 0.5f : 0.0f;
  for (size_t i = 0; i < pixels.size(); ++i)
    x[i] = scale == Scale::Raw ? float(pixels[i]) : float(pixels[i]) / 255.0f - shift;
  return images;
}

}  // namespace sg::datasets
