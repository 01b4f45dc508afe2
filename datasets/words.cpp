// Word lists: reading and filtering the file, the examples (context -> next symbol), the seeded split.
//   N  examples     C  context length (symbols before the one predicted)
#include "datasets/words.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <numeric>

#include "autograd/check.h"
#include "autograd/random.h"
#include "datasets/mnist.h"

#ifndef SG_EMBEDDED_DIR
#define SG_EMBEDDED_DIR "datasets/embedded"
#endif

namespace sg::datasets {
namespace {

namespace fs = std::filesystem;

bool is_word(std::string_view line) {
  if (line.empty()) return false;
  for (const char c : line)
    if (c < 'a' || c > 'z') return false;
  return true;
}

}  // namespace

// ---- Vocabulary -------------------------------------------------------------------------------------

int64_t Vocabulary::index(char symbol) {
  if (symbol == kBoundary) return 0;
  SG_CHECK(symbol >= 'a' && symbol <= 'z', "Vocabulary::index: expected '.' or a letter a-z, got '{}' (code {})",
           symbol, int(static_cast<unsigned char>(symbol)));
  return symbol - 'a' + 1;
}

char Vocabulary::symbol(int64_t index) {
  SG_CHECK(index >= 0 && index < kSize, "Vocabulary::symbol: expected an index in 0..{}, got {}", kSize - 1, index);
  return index == 0 ? kBoundary : char('a' + index - 1);
}

// ---- reading ----------------------------------------------------------------------------------------

WordList read_words(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail_io("{}: no such file (a word list, one word per line)", path.string());
  if (!fs::is_regular_file(path, ec)) fail_io("{}: not a regular file, expected a word list", path.string());
  const auto size = fs::file_size(path, ec);
  if (ec) fail_io("{}: cannot read its size: {}", path.string(), ec.message());
  if (size == 0) fail_io("{}: empty file, expected a word list, one word per line", path.string());
  if (size > uint64_t(kMaxWordListBytes))
    fail_io("{}: {} bytes, more than the {} a word list may have", path.string(), size, kMaxWordListBytes);

  std::ifstream in(path, std::ios::binary);
  if (!in) fail_io("{}: cannot open it for reading", path.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail_io("{}: read error", path.string());
  if (const size_t nul = text.find('\0'); nul != std::string::npos)
    fail_io("{}: a NUL byte at offset {}: a binary file, expected a text word list", path.string(), nul);

  WordList list;
  list.path = path;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++list.lines;
    if (is_word(line)) list.words.emplace_back(line);
    else ++list.skipped;
    start = end + 1;
  }
  if (list.words.empty())
    fail_io("{}: none of its {} lines is a word of lower-case letters a-z alone, expected a word list",
            path.string(), list.lines);
  list.description = fmt::format("words: {} of {} lines (lower-case a-z only) from {}", list.words.size(),
                                 list.lines, path.string());
  return list;
}

// ---- examples ---------------------------------------------------------------------------------------

CharExamples char_examples(std::span<const std::string> words, int64_t context) {
  SG_CHECK(context >= 1, "char_examples: expected a context of at least 1 symbol, got {}", context);
  int64_t n = 0;
  for (const std::string& word : words) n += int64_t(word.size()) + 1;
  CharExamples examples{empty({n, context}, kInt64), empty({n}, kInt64)};
  int64_t* x = examples.contexts.data<int64_t>();  // x: (N, C)
  int64_t* y = examples.targets.data<int64_t>();   // y: (N)
  std::vector<int64_t> window(static_cast<size_t>(context));
  int64_t i = 0;
  for (const std::string& word : words) {
    std::fill(window.begin(), window.end(), 0);
    // The word's letters, then '.' (index 0) to end it.
    for (size_t k = 0; k <= word.size(); ++k, ++i) {
      const int64_t next = k < word.size() ? Vocabulary::index(word[k]) : 0;
      std::copy(window.begin(), window.end(), x + i * context);
      y[i] = next;
      std::rotate(window.begin(), window.begin() + 1, window.end());
      window.back() = next;
    }
  }
  return examples;
}

// ---- split ------------------------------------------------------------------------------------------

WordSplit split_words(std::span<const std::string> words, double train_fraction, uint64_t seed) {
  SG_CHECK(train_fraction >= 0 && train_fraction <= 1, "split_words: expected a train_fraction in [0, 1], got {}",
           train_fraction);
  std::vector<size_t> order(words.size());
  std::iota(order.begin(), order.end(), size_t(0));
  Generator generator(seed);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[generator.randint(i)]);
  const auto n_train = size_t(std::llround(train_fraction * double(words.size())));
  WordSplit split;
  split.train.reserve(n_train);
  split.validation.reserve(words.size() - n_train);
  for (size_t i = 0; i < order.size(); ++i) (i < n_train ? split.train : split.validation).push_back(words[order[i]]);
  return split;
}

// ---- where the list is ------------------------------------------------------------------------------

fs::path embedded_word_list() { return fs::path(SG_EMBEDDED_DIR) / "words" / "american-english-every-16th"; }

WordListPath word_list_path(std::string_view cli_value) {
  if (!cli_value.empty()) return {fs::path(cli_value), true};
  const fs::path data_dir = resolve_data_dir();
  const fs::path full = data_dir / "words" / "american-english";
  std::error_code ec;
  if (fs::is_regular_file(full, ec)) return {full, true};
  if (!is_default_data_dir(data_dir))
    fail_io("words: no {} in the data folder {}; fetch it with datasets/fetch --data-dir {}, or name the list "
            "with --data",
            (fs::path("words") / "american-english").string(), data_dir.string(), data_dir.string());
  return {embedded_word_list(), false};
}

}  // namespace sg::datasets
