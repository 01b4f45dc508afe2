// The full datasets fetched by datasets/fetch: sizes and first labels. Without them (a fresh checkout,
// offline) every case here reports itself skipped.
#include "datasets/mnist.h"
#include "datasets/words.h"

#include "tests/testing.h"

using namespace sg::datasets;
BOOST_AUTO_TEST_SUITE(full_data)

namespace utf = boost::unit_test;

namespace {

// A precondition: the four files of `folder` are in the data folder (SG_DATA_DIR or datasets/data).
struct HasFullData {
  std::string folder;
  boost::test_tools::assertion_result operator()(utf::test_unit_id) const {
    const auto dir = resolve_data_dir() / folder;
    for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                             "t10k-labels-idx1-ubyte"}) {
      if (!std::filesystem::exists(dir / stem) && !std::filesystem::exists(dir / (std::string(stem) + ".gz"))) {
        boost::test_tools::assertion_result result(false);
        result.message() << "no " << stem << "[.gz] in " << dir.string() << " (run datasets/fetch)";
        return result;
      }
    }
    return true;
  }
};

// A precondition: the word list datasets/fetch copies from wamerican is in the data folder.
boost::test_tools::assertion_result has_word_list(utf::test_unit_id) {
  const auto path = resolve_data_dir() / "words" / "american-english";
  boost::test_tools::assertion_result result(std::filesystem::exists(path));
  if (!result) result.message() << "no " << path.string() << " (run datasets/fetch)";
  return result;
}

std::vector<int64_t> first_labels(const Dataset& data) { return data.labels().narrow(0, 0, 10).to_vector<int64_t>(); }

}  // namespace

BOOST_AUTO_TEST_CASE(mnist_has_60000_and_10000_images, *utf::precondition(HasFullData{"mnist"})) {
  const LoadOptions full{.source = Source::Full};
  const MNIST train(resolve_data_dir(), Split::Train, full), test(resolve_data_dir(), Split::Test, full);
  BOOST_TEST(train.size() == 60000);
  BOOST_TEST(test.size() == 10000);
  BOOST_TEST(train.images().shape() == sg::Shape({60000, 1, 28, 28}));
  BOOST_TEST(first_labels(train) == std::vector<int64_t>({5, 0, 4, 1, 9, 2, 1, 3, 1, 4}), boost::test_tools::per_element());
  BOOST_TEST(first_labels(test) == std::vector<int64_t>({7, 2, 1, 0, 4, 1, 4, 9, 5, 9}), boost::test_tools::per_element());
  BOOST_TEST(train.description().find("MNIST train: full set, 60000 images") == 0);
}

BOOST_AUTO_TEST_CASE(fashion_mnist_has_60000_and_10000_images, *utf::precondition(HasFullData{"fashion-mnist"})) {
  const LoadOptions full{.source = Source::Full};
  const FashionMNIST train(resolve_data_dir(), Split::Train, full), test(resolve_data_dir(), Split::Test, full);
  BOOST_TEST(train.size() == 60000);
  BOOST_TEST(test.size() == 10000);
  BOOST_TEST(first_labels(train) == std::vector<int64_t>({9, 0, 0, 3, 0, 2, 7, 2, 5, 5}), boost::test_tools::per_element());
  BOOST_TEST(first_labels(test) == std::vector<int64_t>({9, 2, 1, 1, 6, 1, 4, 6, 5, 7}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_embedded_subsets_are_the_start_of_the_full_files,
                     *utf::precondition(HasFullData{"mnist"}) * utf::precondition(HasFullData{"fashion-mnist"})) {
  for (const bool fashion : {false, true})
    for (const Split split : {Split::Train, Split::Test}) {
      const auto load = [&](Source source) -> Dataset {
        if (fashion) return FashionMNIST(resolve_data_dir(), split, {.source = source});
        return MNIST(resolve_data_dir(), split, {.source = source});
      };
      const Dataset embedded = load(Source::Embedded), full = load(Source::Full).subset(0, embedded.size());
      BOOST_TEST(sg::testing::bitwise_equal(embedded.images(), full.images()));
      BOOST_TEST(sg::testing::bitwise_equal(embedded.labels(), full.labels()));
    }
}

// wamerican 2020.12.07: 104334 lines, 63875 of them lower-case a-z words; the subset is every 16th.
BOOST_AUTO_TEST_CASE(the_embedded_word_list_is_every_16th_word_of_the_full_one, *utf::precondition(has_word_list)) {
  const WordList full = read_words(resolve_data_dir() / "words" / "american-english");
  BOOST_TEST(full.lines == 104334);
  BOOST_TEST(full.words.size() == 63875u);
  const WordList embedded = read_words(embedded_word_list());
  std::vector<std::string> every_16th;
  for (size_t i = 0; i < full.words.size(); i += 16) every_16th.push_back(full.words[i]);
  BOOST_TEST(embedded.words == every_16th, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
