// Words for a character-level model: a word list read from a file (one word per line, such as Debian's
// /usr/share/dict/american-english), the 27 symbols ('.' for a word's start and end, then a-z), the
// examples "the last 3 symbols -> the next one", and a seeded train/validation split by word.
//   auto words = sg::datasets::read_words(sg::datasets::word_list_path(""));
//   auto split = sg::datasets::split_words(words.words, 0.9, /*seed=*/0);
//   auto train = sg::datasets::char_examples(split.train);   // contexts (N, 3), targets (N)
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/tensor.h"

namespace sg::datasets {

/// The symbols a word is spelled with: '.' (index 0) marks the start and the end of a word, 'a'..'z' are
/// 1..26. Fixed, rather than gathered from the words, so that every model has the same 27 outputs.
struct Vocabulary {
  static constexpr int64_t kSize = 27;
  static constexpr char kBoundary = '.';
  /// The symbol's index: index('.') == 0, index('a') == 1, index('z') == 26; throws for any other char.
  static int64_t index(char symbol);
  /// The symbol at an index in 0..26: symbol(1) == 'a'.
  static char symbol(int64_t index);
};

/// A word list as read: the words kept, in the file's order, and what was left out.
struct WordList {
  std::vector<std::string> words;
  int64_t lines = 0;    // lines in the file
  int64_t skipped = 0;  // lines that were not a word of a-z only: names, possessives, accents, blanks
  std::filesystem::path path;
  /// One line saying which list this is: "words: 63875 of 104334 lines (lower-case a-z only) from ...".
  std::string description;
};

/// Reads a word list, one word per line (LF or CRLF). Keeps only the lines made of lower-case letters
/// a-z alone ("zebra"), and leaves out the rest ("Zeus", "zebra's", "éclair", blank lines): the model
/// spells with '.' and a-z. Throws std::runtime_error naming the file when it is missing, not a regular
/// file, empty, binary (a NUL byte), larger than kMaxWordListBytes, or holds no such word.
WordList read_words(const std::filesystem::path& path);

/// The largest word list read_words accepts (wamerican's is about 1 MB).
inline constexpr int64_t kMaxWordListBytes = 64 << 20;

/// The examples of a character model: for every word, the symbols seen so far (the last `context`,
/// '.' before the word's start) and the symbol that follows, the word's end ('.') included. A word of
/// n letters gives n + 1 examples: "ab" -> "..." 'a', "..a" 'b', ".ab" '.'.
struct CharExamples {
  Tensor contexts;  // contexts: (N, context) int64, symbol indices
  Tensor targets;   // targets: (N) int64
};
CharExamples char_examples(std::span<const std::string> words, int64_t context = 3);

/// Words split in two by a seeded shuffle: the first round(train_fraction * n) of the shuffled order
/// train, the rest validate. Whole words go to one side, so no word is seen in training and scored in
/// validation. The order is a Fisher-Yates shuffle driven by sg::Generator(seed): the same on every
/// machine, and each side keeps the shuffled order.
struct WordSplit {
  std::vector<std::string> train, validation;
};
WordSplit split_words(std::span<const std::string> words, double train_fraction, uint64_t seed);

/// The committed subset: every 16th word of wamerican's list, a few thousand words (datasets/make_embedded).
std::filesystem::path embedded_word_list();

/// Where the word list is: `cli_value` when not empty (a program's --data); else the data folder's
/// words/american-english (datasets/fetch puts it there); else, when that folder is the default one,
/// the embedded subset. A named data folder (SG_DATA_DIR) without the list is an error saying how to
/// fetch it. `full` is false for the embedded subset.
struct WordListPath {
  std::filesystem::path path;
  bool full = true;
};
WordListPath word_list_path(std::string_view cli_value);

}  // namespace sg::datasets
