// MNIST and Fashion-MNIST datasets: finding the files, scaling, subsets, relabelling, one-hot labels,
// and the committed embedded subsets.
#include "datasets/mnist.h"

#include <cstdlib>
#include <fstream>

#include "datasets/idx.h"
#include "tests/datasets/idx_files.h"
#include "tests/testing.h"

using namespace sg::datasets;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(mnist)

namespace {

// A data folder holding a tiny "full" MNIST training split: 6 images (pixels from image_pixels) and
// labels 5 0 4 1 9 2; the labels file is gzipped, the images file plain.
struct TinyMnist {
  TempDir dir;
  TinyMnist(uint32_t images = 6, uint32_t labels = 6) {
    const sg::testing::Bytes all_labels = {5, 0, 4, 1, 9, 2, 1, 3};
    sg::testing::write_plain(dir / "mnist/train-images-idx3-ubyte",
                             idx_bytes(kIdxImagesMagic, {images, 28, 28}, image_pixels(images)));
    sg::testing::write_gz(dir / "mnist/train-labels-idx1-ubyte.gz",
                          idx_bytes(kIdxLabelsMagic, {labels}, {all_labels.begin(), all_labels.begin() + labels}));
  }
};

std::vector<int64_t> first_labels(const Dataset& data, int64_t n = 10) {
  return data.labels().narrow(0, 0, n).to_vector<int64_t>();
}

// Ten examples with labels 0..9 and image i filled with the value i.
Dataset counting_dataset() {
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < 10; ++i) {
    pixels.insert(pixels.end(), 4, float(i));
    labels.push_back(i);
  }
  return Dataset(sg::tensor(pixels, {10, 1, 2, 2}), sg::tensor(labels, {10}), kFashionMnistClasses, "counting");
}

}  // namespace

BOOST_AUTO_TEST_CASE(pixels_scale_to_unit_raw_or_centred) {
  const std::vector<uint8_t> pixels = {0, 51, 255, 128};
  BOOST_TEST(sg::testing::all_close(images_to_tensor(pixels, 1, 2, 2, Scale::Unit),
                                    sg::tensor({{{{0.0, 0.2}, {1.0, 128 / 255.0}}}}), 0, 1e-7));
  BOOST_TEST(sg::testing::all_close(images_to_tensor(pixels, 1, 2, 2, Scale::Raw),
                                    sg::tensor({{{{0.0, 51.0}, {255.0, 128.0}}}}), 0, 0));
  BOOST_TEST(sg::testing::all_close(images_to_tensor(pixels, 1, 2, 2, Scale::Centered),
                                    sg::tensor({{{{-0.5, -0.3}, {0.5, 128 / 255.0 - 0.5}}}}), 1e-7, 0));
}

BOOST_AUTO_TEST_CASE(images_to_tensor_refuses_sizes_whose_product_overflows) {
  // 2^40 x 2^40 x 0 wrapped to 0 bytes, which matched the empty pixel span
  const int64_t big = int64_t(1) << 40;
  BOOST_TEST(throws_with([&] { (void)images_to_tensor({}, big, big, 0, Scale::Raw); },
                         {"images_to_tensor:", "[1099511627776, 1, 1099511627776, 0]", "too large"}));
  BOOST_TEST(throws_with([] { (void)images_to_tensor({}, -1, 2, 2, Scale::Raw); },
                         {"images_to_tensor:", "non-negative", "[-1, 1, 2, 2]"}));
}

BOOST_AUTO_TEST_CASE(full_files_in_the_data_folder_are_read) {
  TinyMnist data;
  const MNIST train(data.dir.path(), Split::Train);
  BOOST_TEST(train.size() == 6);
  BOOST_TEST(train.images().shape() == sg::Shape({6, 1, 28, 28}));
  BOOST_TEST(train.images().dtype() == sg::kFloat32);
  BOOST_TEST(train.labels().dtype() == sg::kInt64);
  BOOST_TEST(first_labels(train, 6) == std::vector<int64_t>({5, 0, 4, 1, 9, 2}), boost::test_tools::per_element());
  // Pixel k of image i is (i * 7 + k) % 256: image 2, row 1, column 3 is k = 31, value 45.
  BOOST_TEST(train.images().at({2, 0, 1, 3}) == 45 / 255.0f);
  BOOST_TEST(MNIST(data.dir.path(), Split::Train, {.scale = Scale::Raw}).images().at({2, 0, 1, 3}) == 45.0);
  BOOST_TEST(train.description().find("MNIST train: full set, 6 images from") == 0);
  BOOST_TEST(train.num_classes() == 10);
  BOOST_TEST(train.class_name(7) == "7");
}

BOOST_AUTO_TEST_CASE(image_and_label_counts_must_agree) {
  TinyMnist data(6, 5);
  BOOST_TEST(throws_with<std::runtime_error>([&] { MNIST(data.dir.path(), Split::Train); },
                                             {"train-images-idx3-ubyte: 6 images but", "train-labels-idx1-ubyte.gz: 5 labels",
                                              "expected as many labels as images"}));
}

BOOST_AUTO_TEST_CASE(images_must_be_28_by_28) {
  TempDir dir;
  sg::testing::write_gz(dir / "mnist/t10k-images-idx3-ubyte.gz", idx_bytes(kIdxImagesMagic, {1, 2, 2}, {1, 2, 3, 4}));
  sg::testing::write_gz(dir / "mnist/t10k-labels-idx1-ubyte.gz", idx_bytes(kIdxLabelsMagic, {1}, {3}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { MNIST(dir.path(), Split::Test); },
                                             {"t10k-images-idx3-ubyte.gz: image size 2 x 2, expected 28 x 28"}));
}

BOOST_AUTO_TEST_CASE(a_half_present_split_is_an_error_not_a_fallback) {
  TempDir dir;
  sg::testing::write_plain(dir / "fashion-mnist/train-images-idx3-ubyte",
                           idx_bytes(kIdxImagesMagic, {1, 28, 28}, image_pixels(1)));
  BOOST_TEST(throws_with<std::runtime_error>([&] { FashionMNIST(dir.path(), Split::Train); },
                                             {"Fashion-MNIST train", "no train-labels-idx1-ubyte[.gz]", "datasets/fetch"}));
}

// torchvision's MNIST(root) raises "Dataset not found" when root lacks the files; a folder the user named
// (--data-dir, SG_DATA_DIR) that does not hold them is a typo or a missed download, never a reason to train
// on 2,000 images instead of 60,000 without a word.
BOOST_AUTO_TEST_CASE(a_named_folder_without_the_files_is_an_error_naming_the_folder_the_files_and_the_fetch) {
  TempDir dir;
  std::ofstream(dir / "a_file") << "not a folder";
  const std::string empty = dir.path().string(), typo = (dir / "typo").string(), file = (dir / "a_file").string();
  for (const std::string& named : {empty, typo, file}) {
    BOOST_TEST_CONTEXT(named) {
      BOOST_TEST(throws_with<std::runtime_error>(
          [&] { MNIST(named, Split::Train); },
          {"MNIST train: no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] in " + named + "/mnist",
           "datasets/fetch --data-dir " + named}));
      BOOST_TEST(throws_with<std::runtime_error>([&] { mnist_files(named, Split::Train); }, {named + "/mnist"}));
      BOOST_TEST(throws_with<std::runtime_error>([&] { FashionMNIST(named, Split::Test, {.source = Source::Full}); },
                                                 {"Fashion-MNIST test: no t10k-images-idx3-ubyte[.gz] and",
                                                  named + "/fashion-mnist", "datasets/fetch --data-dir " + named}));
    }
  }
  BOOST_TEST(throws_with<std::runtime_error>([&] { MNIST(typo, Split::Train); }, {typo + " does not exist"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { MNIST(file, Split::Train); }, {file + " is a file, not a folder"}));
}

BOOST_AUTO_TEST_CASE(only_the_default_folder_falls_back_to_the_embedded_subset) {
  const char* saved = std::getenv("SG_DATA_DIR");
  const std::string restore = saved ? saved : "";
  ::unsetenv("SG_DATA_DIR");
  const std::filesystem::path default_dir = resolve_data_dir();
  if (saved) ::setenv("SG_DATA_DIR", restore.c_str(), 1);
  BOOST_TEST(is_default_data_dir(default_dir));
  BOOST_TEST(is_default_data_dir(default_dir / "." / ".." / "data"));
  BOOST_TEST(!is_default_data_dir(TempDir().path()));
  BOOST_TEST(!is_default_data_dir(default_dir / "mnist"));
  const SplitFiles files = mnist_files(default_dir, Split::Train);
  if (files.full) return;  // the full data was fetched: there is nothing to fall back from
  BOOST_TEST(files.images == embedded_dir() / "mnist/train-images-idx3-ubyte.gz");
  BOOST_TEST(files.labels == embedded_dir() / "mnist/train-labels-idx1-ubyte.gz");
  const MNIST train(default_dir, Split::Train);
  BOOST_TEST(train.size() == 2000);
  BOOST_TEST(train.description() ==
             "MNIST train: embedded subset, the first 2000 of 60000 images (datasets/fetch gets the full set)");
}

BOOST_AUTO_TEST_CASE(the_full_files_are_found_plain_or_gzipped) {
  TinyMnist data;
  const SplitFiles files = mnist_files(data.dir.path(), Split::Train);
  BOOST_TEST(files.full);
  BOOST_TEST(files.images == data.dir / "mnist/train-images-idx3-ubyte");
  BOOST_TEST(files.labels == data.dir / "mnist/train-labels-idx1-ubyte.gz");
  const SplitFiles embedded = mnist_files(data.dir.path(), Split::Train, Source::Embedded);
  BOOST_TEST(!embedded.full);
  BOOST_TEST(embedded.images == embedded_dir() / "mnist/train-images-idx3-ubyte.gz");
  BOOST_TEST(fashion_mnist_files(data.dir.path(), Split::Test, Source::Embedded).labels ==
             embedded_dir() / "fashion-mnist/t10k-labels-idx1-ubyte.gz");
}

BOOST_AUTO_TEST_CASE(embedded_subsets_hold_the_first_images_of_each_split) {
  TinyMnist data;  // full data present, but Source::Embedded asks for the subset anyway
  const LoadOptions embedded{.source = Source::Embedded};
  const MNIST mnist_train(data.dir.path(), Split::Train, embedded), mnist_test(data.dir.path(), Split::Test, embedded);
  const FashionMNIST fashion_train(data.dir.path(), Split::Train, embedded),
      fashion_test(data.dir.path(), Split::Test, embedded);
  BOOST_TEST(mnist_train.size() == 2000);
  BOOST_TEST(mnist_test.size() == 1000);
  BOOST_TEST(fashion_train.size() == 2000);
  BOOST_TEST(fashion_test.size() == 1000);
  using v = std::vector<int64_t>;
  BOOST_TEST(first_labels(mnist_train) == v({5, 0, 4, 1, 9, 2, 1, 3, 1, 4}), boost::test_tools::per_element());
  BOOST_TEST(first_labels(mnist_test) == v({7, 2, 1, 0, 4, 1, 4, 9, 5, 9}), boost::test_tools::per_element());
  BOOST_TEST(first_labels(fashion_train) == v({9, 0, 0, 3, 0, 2, 7, 2, 5, 5}), boost::test_tools::per_element());
  BOOST_TEST(first_labels(fashion_test) == v({9, 2, 1, 1, 6, 1, 4, 6, 5, 7}), boost::test_tools::per_element());
  BOOST_TEST(fashion_test.description().find("Fashion-MNIST test: embedded subset, the first 1000 of 10000") == 0);
  // Pixels span [0, 1] in the default scale and [-0.5, 0.5] centred.
  BOOST_TEST(mnist_train.images().min().item() == 0.0);
  BOOST_TEST(mnist_train.images().max().item() == 1.0);
  const MNIST centred(data.dir.path(), Split::Train, {.scale = Scale::Centered, .source = Source::Embedded});
  BOOST_TEST(sg::testing::all_close(centred.images(), mnist_train.images() - 0.5, 1e-7, 0));
}

BOOST_AUTO_TEST_CASE(fashion_mnist_names_its_classes) {
  TempDir empty;
  const FashionMNIST test(empty.path(), Split::Test, {.source = Source::Embedded});
  BOOST_TEST(test.num_classes() == 10);
  BOOST_TEST(test.class_name(0) == "T-shirt/top");
  BOOST_TEST(test.class_name(9) == "Ankle boot");
  BOOST_TEST(test.class_name(test.get(0).label) == "Ankle boot");
  BOOST_TEST(throws_with([&] { test.class_name(10); }, {"class_name", "0..9", "got 10"}));
}

BOOST_AUTO_TEST_CASE(get_returns_one_image_and_its_label) {
  const Dataset data = counting_dataset();
  const auto [image, label] = data.get(3);
  BOOST_TEST(image.shape() == sg::Shape({1, 2, 2}));
  BOOST_TEST(image.at({0, 1, 1}) == 3.0);
  BOOST_TEST(label == 3);
  BOOST_TEST(data.get(-1).label == 9);
  BOOST_TEST(throws_with([&] { data.get(10); }, {"get: index 10 is out of range", "10 examples"}));
}

BOOST_AUTO_TEST_CASE(subsets_slice_like_python) {
  const Dataset data = counting_dataset();
  const Dataset middle = data.subset(5, 8);  // data[5:8]
  BOOST_TEST(middle.size() == 3);
  BOOST_TEST(middle.labels().to_vector<int64_t>() == std::vector<int64_t>({5, 6, 7}), boost::test_tools::per_element());
  BOOST_TEST(middle.images().at({0, 0, 0, 0}) == 5.0);
  BOOST_TEST(middle.class_names() == data.class_names(), boost::test_tools::per_element());
  BOOST_TEST(middle.description() == "counting, examples [5:8]");
  BOOST_TEST(data.subset(4, 4).size() == 0);
  BOOST_TEST(throws_with([&] { data.subset(5, 11); }, {"subset", "<= 10", "got [5:11]"}));
  BOOST_TEST(throws_with([&] { data.subset(6, 5); }, {"subset", "got [6:5]"}));
}

BOOST_AUTO_TEST_CASE(select_picks_examples_in_order) {
  const Dataset data = counting_dataset();
  const std::vector<int64_t> picks = {9, 2, 2};
  const Dataset picked = data.select(picks);
  BOOST_TEST(picked.labels().to_vector<int64_t>() == picks, boost::test_tools::per_element());
  BOOST_TEST(picked.images().at({0, 0, 1, 0}) == 9.0);
  BOOST_TEST(throws_with([&] { data.select(std::vector<int64_t>{3, 10}); }, {"select: index 10 (position 1)"}));
}

BOOST_AUTO_TEST_CASE(relabel_maps_every_label) {
  const Dataset data = counting_dataset();
  const Dataset big = data.relabel([](int64_t digit) { return digit > 4; }, {"0-4", "5-9"});
  BOOST_TEST(big.labels().to_vector<int64_t>() == std::vector<int64_t>({0, 0, 0, 0, 0, 1, 1, 1, 1, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(big.num_classes() == 2);
  BOOST_TEST(big.class_name(1) == "5-9");
  BOOST_TEST(big.images().is_same(data.images()));  // the images are shared, not copied
  BOOST_TEST(data.labels().at({7}) == 7.0);          // the original is unchanged
  const Dataset parity = data.relabel([](int64_t d) { return d % 2; });
  BOOST_TEST(parity.class_names() == std::vector<std::string>({"0", "1"}), boost::test_tools::per_element());
  BOOST_TEST(throws_with([&] { data.relabel([](int64_t d) { return d - 1; }); }, {"relabel: f(0) = -1 at index 0"}));
  BOOST_TEST(throws_with([&] { data.relabel([](int64_t d) { return d; }, {"a", "b"}); },
                         {"relabel: new label 9 has no name among the 2 class names"}));
}

// Without class names, relabel names every class up to the largest label: a label of 2^40 went on to
// make 2^40 names, until memory ran out.
BOOST_AUTO_TEST_CASE(relabel_without_names_refuses_a_huge_label) {
  const Dataset data = counting_dataset();
  BOOST_TEST(throws_with([&] { data.relabel([](int64_t d) { return d == 3 ? int64_t(1) << 40 : d; }); },
                         {"relabel: f(3) = 1099511627776 at index 3", "below 100000", "pass class_names"}));
  BOOST_TEST(data.relabel([](int64_t d) { return d * 11111; }).num_classes() == 99'999 + 1);
  // With names, the label is checked against them and nothing is allocated for it.
  BOOST_TEST(throws_with([&] { data.relabel([](int64_t) { return int64_t(1) << 40; }, {"a"}); },
                         {"relabel: new label 1099511627776 has no name among the 1 class names"}));
}

BOOST_AUTO_TEST_CASE(one_hot_has_a_single_one_per_row) {
  const Dataset data = counting_dataset().subset(2, 4).relabel([](int64_t d) { return d - 2; }, {"x", "y", "z"});
  BOOST_TEST(sg::testing::all_close(data.one_hot(), sg::tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}), 0, 0));
  BOOST_TEST(data.one_hot().dtype() == sg::kFloat32);
}

BOOST_AUTO_TEST_CASE(a_dataset_checks_its_tensors) {
  BOOST_TEST(throws_with([] { Dataset(sg::zeros({2, 4}), sg::zeros({2}, sg::kInt64), {"a"}, ""); },
                         {"Dataset: images must be (N, 1, H, W) float32"}));
  BOOST_TEST(throws_with([] { Dataset(sg::zeros({2, 1, 2, 2}), sg::zeros({3}, sg::kInt64), {"a"}, ""); },
                         {"Dataset: labels must be (2) int64"}));
  BOOST_TEST(throws_with([] { Dataset(sg::zeros({1, 1, 2, 2}), sg::full({1}, 4, sg::kInt64), {"a", "b"}, ""); },
                         {"Dataset: label 4 at index 0, expected a class in 0..1"}));
}

BOOST_AUTO_TEST_CASE(the_data_folder_comes_from_the_flag_then_the_environment_then_the_source_tree) {
  const char* saved = std::getenv("SG_DATA_DIR");
  const std::string restore = saved ? saved : "";
  ::setenv("SG_DATA_DIR", "/from/env", 1);
  BOOST_TEST(resolve_data_dir("/from/flag").string() == "/from/flag");
  BOOST_TEST(resolve_data_dir().string() == "/from/env");
  ::unsetenv("SG_DATA_DIR");
  BOOST_TEST(resolve_data_dir().filename().string() == "data");
  BOOST_TEST(resolve_data_dir().parent_path().filename().string() == "datasets");
  BOOST_TEST(resolve_data_dir().is_absolute());
  BOOST_TEST(std::filesystem::is_directory(embedded_dir() / "mnist"));
  if (saved) ::setenv("SG_DATA_DIR", restore.c_str(), 1);
}

BOOST_AUTO_TEST_SUITE_END()
