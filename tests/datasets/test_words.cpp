// Word lists: the vocabulary, which lines are kept, the examples of a hand-made list counted by hand,
// the seeded split, and the errors for files that are not word lists.
#include "datasets/words.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "tests/testing.h"

using namespace sg::datasets;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(words)

namespace {

std::filesystem::path write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::vector<std::string> sorted(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  return words;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_vocabulary_is_the_boundary_then_a_to_z) {
  BOOST_TEST(Vocabulary::kSize == 27);
  BOOST_TEST(Vocabulary::index('.') == 0);
  BOOST_TEST(Vocabulary::index('a') == 1);
  BOOST_TEST(Vocabulary::index('m') == 13);
  BOOST_TEST(Vocabulary::index('z') == 26);
  for (int64_t i = 0; i < Vocabulary::kSize; ++i) BOOST_TEST(Vocabulary::index(Vocabulary::symbol(i)) == i);
  BOOST_TEST(Vocabulary::symbol(0) == '.');
  BOOST_TEST(Vocabulary::symbol(26) == 'z');
  BOOST_TEST(throws_with([] { Vocabulary::index('A'); }, {"Vocabulary::index", "'A'", "code 65"}));
  BOOST_TEST(throws_with([] { Vocabulary::symbol(27); }, {"Vocabulary::symbol", "0..26", "got 27"}));
}

BOOST_AUTO_TEST_CASE(only_lower_case_words_of_a_to_z_are_kept) {
  TempDir dir;
  // Kept: apple, banana (CRLF), zebra, and the last line without its newline. Left out: a name, a
  // possessive, an accented word, a blank line, a word with a space, digits.
  const auto path = write_file(dir, "list", "apple\nZeus\nzebra's\ncaf\xc3\xa9\n\nbanana\r\nx y\nb2\nzebra\nkiwi");
  const WordList list = read_words(path);
  BOOST_TEST(list.words == std::vector<std::string>({"apple", "banana", "zebra", "kiwi"}),
             boost::test_tools::per_element());
  BOOST_TEST(list.lines == 10);
  BOOST_TEST(list.skipped == 6);
  BOOST_TEST(list.description.find("words: 4 of 10 lines (lower-case a-z only) from ") == 0);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_no_word_list_is_refused_naming_it) {
  TempDir dir;
  const std::string missing = (dir / "no-such-list").string();
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_words(missing); }, {missing, "no such file"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_words(dir.path()); }, {dir.path().string(), "not a regular file"}));
  const auto empty = write_file(dir, "empty", "");
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_words(empty); }, {empty.string(), "empty file"}));
  const auto binary = write_file(dir, "binary", std::string("abc\ndef\0\x01\x02", 10));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_words(binary); },
                                             {binary.string(), "NUL byte at offset 7", "binary file"}));
  const auto names = write_file(dir, "names", "Alice\nBob\n\n");
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_words(names); },
                                             {names.string(), "none of its 3 lines is a word"}));
}

// "ab" and "c", counted by hand: a word of n letters gives n + 1 examples, 3 + 2 = 5.
//   "ab": ... -> a   ..a -> b   .ab -> .        "c": ... -> c   ..c -> .
BOOST_AUTO_TEST_CASE(examples_of_a_hand_made_list_are_counted_by_hand) {
  const std::vector<std::string> words = {"ab", "c"};
  const CharExamples examples = char_examples(words);
  BOOST_TEST(examples.contexts.shape() == sg::Shape({5, 3}));
  BOOST_TEST(examples.targets.shape() == sg::Shape({5}));
  BOOST_TEST(examples.contexts.to_vector<int64_t>() ==
                 std::vector<int64_t>({0, 0, 0, 0, 0, 1, 0, 1, 2, 0, 0, 0, 0, 0, 3}),
             boost::test_tools::per_element());
  BOOST_TEST(examples.targets.to_vector<int64_t>() == std::vector<int64_t>({1, 2, 0, 3, 0}),
             boost::test_tools::per_element());
  // A context of 1 is a bigram: (previous symbol, next symbol).
  const CharExamples bigrams = char_examples(words, 1);
  BOOST_TEST(bigrams.contexts.to_vector<int64_t>() == std::vector<int64_t>({0, 1, 2, 0, 3}),
             boost::test_tools::per_element());
  // A word longer than the context slides it: "abcd" ends with "bcd" -> '.'.
  const std::vector<std::string> long_word = {"abcd"};
  BOOST_TEST(char_examples(long_word).contexts.narrow(0, 4, 1).to_vector<int64_t>() == std::vector<int64_t>({2, 3, 4}),
             boost::test_tools::per_element());
  BOOST_TEST(throws_with([&] { char_examples(words, 0); }, {"char_examples", "got 0"}));
}

BOOST_AUTO_TEST_CASE(the_split_is_fixed_by_the_seed_and_keeps_every_word_once) {
  const std::vector<std::string> words = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
  const WordSplit split = split_words(words, 0.9, 0);
  BOOST_TEST(split.train.size() == 9u);
  BOOST_TEST(split.validation.size() == 1u);
  std::vector<std::string> all = split.train;
  all.insert(all.end(), split.validation.begin(), split.validation.end());
  BOOST_TEST(sorted(all) == words, boost::test_tools::per_element());

  const WordSplit again = split_words(words, 0.9, 0);
  BOOST_TEST(again.train == split.train, boost::test_tools::per_element());
  BOOST_TEST(again.validation == split.validation, boost::test_tools::per_element());
  // Another seed gives another order (the chance that two shuffles of 10 agree is 1 in 10!).
  BOOST_TEST(split_words(words, 0.9, 1).train != split.train);
  // 0.95 of 10 words rounds to 10 (llround: halves away from zero), 0.04 to 0.
  BOOST_TEST(split_words(words, 0.95, 0).validation.empty());
  BOOST_TEST(split_words(words, 0.04, 0).train.empty());
  BOOST_TEST(throws_with([&] { split_words(words, 1.5, 0); }, {"split_words", "[0, 1]", "got 1.5"}));
}

BOOST_AUTO_TEST_CASE(the_embedded_subset_is_a_word_list_of_a_few_thousand_words) {
  const WordList list = read_words(embedded_word_list());
  BOOST_TEST(list.words.size() == 3993u);
  BOOST_TEST(list.skipped == 0);
  BOOST_TEST(list.words.front() == "a");
  // Every letter of the alphabet appears.
  std::string letters;
  for (const std::string& word : list.words) letters += word;
  for (char c = 'a'; c <= 'z'; ++c) BOOST_TEST((letters.find(c) != std::string::npos), "no " << c);
}

BOOST_AUTO_TEST_CASE(a_named_list_is_used_as_named) {
  const WordListPath named = word_list_path("/some/where/list.txt");
  BOOST_TEST(named.path == std::filesystem::path("/some/where/list.txt"));
  BOOST_TEST(named.full);
}

// A data folder named by SG_DATA_DIR must hold words/american-english: no silent fall back to the
// subset, as for MNIST; when it holds the list, that list is the one used.
BOOST_AUTO_TEST_CASE(a_named_data_folder_without_the_list_is_an_error_saying_how_to_fetch_it) {
  const char* saved = std::getenv("SG_DATA_DIR");
  const std::string restore = saved ? saved : "";
  TempDir dir;
  ::setenv("SG_DATA_DIR", dir.path().c_str(), 1);
  BOOST_TEST(throws_with<std::runtime_error>([] { word_list_path(""); },
                                             {"words/american-english", dir.path().string(), "datasets/fetch --data-dir"}));
  std::filesystem::create_directories(dir / "words");
  write_file(dir, "words/american-english", "apple\n");
  const WordListPath found = word_list_path("");
  BOOST_TEST(found.path == dir / "words/american-english");
  BOOST_TEST(found.full);
  if (saved) ::setenv("SG_DATA_DIR", restore.c_str(), 1);
  else ::unsetenv("SG_DATA_DIR");
}

BOOST_AUTO_TEST_SUITE_END()
