// Lesson 6: a character-level model that learns to spell English words, and makes up new ones.
//
// Beyond the notebooks: how to write a model of your own with autograd. A model reads the last 3
// letters of a word and predicts the next one, '.' marking a word's start and its end. Three models, each
// a step up: (a) a bigram table, made by counting which letter follows which; (b) the same bigram as a
// one-layer network trained by gradient descent, which lands on the very same table; (c) Bengio et al.'s
// 2003 MLP, a custom nn::Module: an embedding of each of the last 3 letters, a tanh layer, 27 logits.
// Then it makes up 20 words. The loss is the mean negative log-likelihood of the next letter (nats):
// log 27 = 3.30 for a model that knows nothing.
#include <chrono>
#include <fstream>
#include <set>
#include <string>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/accuracy.h"
#include "tutorials/common/bigram.h"
#include "tutorials/common/char_mlp.h"
#include "tutorials/common/curves.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/options.h"
#include "tutorials/common/progress.h"

namespace ds = sg::datasets;
namespace po = boost::program_options;

namespace {

constexpr int64_t V = ds::Vocabulary::kSize;

std::string symbol_text(const sg::Tensor& context, int64_t row) {
  std::string text;
  for (int64_t k = 0; k < context.size(1); ++k) text += ds::Vocabulary::symbol(int64_t(context.at({row, k})));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  return sg::tutorial::run_main([&] {
    sg::tutorial::Options options{.epochs = 30, .lr = 0.002, .batch_size = 32, .train_size = 1'000'000,
                                  .test_size = 1'000'000};
    std::string data;
    int64_t steps = 1000, bigram_steps = 3000, samples = 20;
    bool write_split = false;
    po::options_description own("char_model options");
    own.add_options()
        ("data", po::value(&data), "the word list, one word per line (default: datasets/data/words/american-english, "
                                   "from datasets/fetch, else the embedded subset)")
        ("steps", po::value(&steps)->default_value(steps), "mini-batches per epoch (an epoch here is a number of steps, not a pass)")
        ("bigram-steps", po::value(&bigram_steps)->default_value(bigram_steps), "gradient steps of the one-layer bigram network")
        ("samples", po::value(&samples)->default_value(samples), "words to make up at the end")
        ("write-split", po::bool_switch(&write_split), "write the split's words to --out (char_model_{train,validation}_words.txt)");
    sg::tutorial::parse(argc, argv, "char_model", "a character-level model that learns to spell English words",
                        options, own, {.data = false, .checkpoints = false, .resume = false});
    if (steps < 1) sg::tutorial::usage_error(fmt::format("--steps must be >= 1, got {}", steps));
    if (bigram_steps < 0) sg::tutorial::usage_error(fmt::format("--bigram-steps must be >= 0, got {}", bigram_steps));
    if (samples < 0) sg::tutorial::usage_error(fmt::format("--samples must be >= 0, got {}", samples));

    // 1. The words. The list is read and filtered once (lower-case a-z only), then split by word: 90 % of
    //    the words train, 10 % validate, in an order fixed by --seed. --train-size and --test-size cap the
    //    number of words on each side. Each word of n letters gives n + 1 examples (context -> next).
    const ds::WordListPath where = ds::word_list_path(data);
    if (!where.full) fmt::print("no word list in datasets/data (datasets/fetch gets it): using the embedded subset\n");
    const ds::WordList list = ds::read_words(where.path);
    ds::WordSplit split = ds::split_words(list.words, 0.9, options.seed);
    if (int64_t(split.train.size()) > options.train_size) split.train.resize(size_t(options.train_size));
    if (int64_t(split.validation.size()) > options.test_size) split.validation.resize(size_t(options.test_size));
    if (split.train.empty() || split.validation.empty())
      throw std::runtime_error(fmt::format("{}: too few words to set 10 % aside for validation (words kept: {})",
                                           where.path.string(), list.words.size()));
    const ds::CharExamples train = ds::char_examples(split.train), validation = ds::char_examples(split.validation);
    fmt::print("1. {}\n   split by word with seed {}: {} training words ({} examples), {} validation words ({} examples)\n",
               list.description, options.seed, split.train.size(), train.targets.numel(), split.validation.size(),
               validation.targets.numel());
    fmt::print("   the examples of \"{}\":", split.train[0]);
    for (int64_t i = 0; i <= int64_t(split.train[0].size()); ++i)
      fmt::print("  {} -> {}", symbol_text(train.contexts, i), ds::Vocabulary::symbol(int64_t(train.targets.at({i}))));
    fmt::print("\n");
    if (write_split) {
      for (const auto& [name, words] : {std::pair{"train", &split.train}, std::pair{"validation", &split.validation}}) {
        const std::string path = fmt::format("{}/char_model_{}_words.txt", options.out, name);
        std::ofstream file(path);
        for (const std::string& word : *words) file << word << '\n';
        if (!file.flush()) throw std::runtime_error(fmt::format("{}: cannot write the split", path));
        fmt::print("   wrote {}\n", path);
      }
    }

    // 2. A bigram table by counting: P(next | previous) = (count + 1) / (row total + 27). The +1 gives
    //    every pair a little probability, so that no validation word gets probability 0 (a loss of inf).
    const sg::Tensor counts = sg::tutorial::bigram_counts(split.train);
    const sg::Tensor table = (counts + 1.0) / (counts + 1.0).sum(1, true);
    const ds::CharExamples validation_pairs = ds::char_examples(split.validation, 1);
    const double table_nll = sg::tutorial::mean_nll(table, validation_pairs);
    fmt::print("2. bigram by counting: P(a | .) = {:.4f}, P(. | .) = {:.4f}; validation loss {:.4f}\n",
               table.at({0, 1}), table.at({0, 0}), table_nll);

    // 3. The same bigram as a network: one layer whose 27 x 27 weights are the logits of the next symbol
    //    given the previous one, an nn::Embedding(27, 27) (a one-hot row times a matrix picks a row; the
    //    embedding picks it directly). Trained on the cross-entropy of the training pairs, it can only
    //    find the table of the pairs' frequencies; with one made-up example of each of the 729 pairs,
    //    the +1 of step 2, it finds step 2's table exactly. Grouped by pair, that cross-entropy is the
    //    729 pairs' cross-entropies weighted by count + 1: the same number, 729 rows instead of 500,000.
    sg::nn::Embedding bigram_net(V, V);
    std::vector<int64_t> before, after;
    for (int64_t a = 0; a < V; ++a)
      for (int64_t b = 0; b < V; ++b) before.push_back(a), after.push_back(b);
    const sg::Tensor pairs_before = sg::tensor(before, {V * V}), pairs_after = sg::tensor(after, {V * V});
    const sg::Tensor weight = (counts + 1.0).reshape({V * V}).to(sg::kFloat32) / ((counts + 1.0).sum().item());
    // The lr shrinks every third of the steps, so that the last steps settle on the answer instead of
    //    circling it at the distance a large step leaves.
    sg::optim::Adam bigram_optimizer(bigram_net.parameters(), {.lr = 0.1});
    sg::optim::StepLR bigram_decay(bigram_optimizer, std::max<int64_t>(1, bigram_steps / 3), {.gamma = 0.3});
    for (int64_t step = 1; step <= bigram_steps; ++step) {
      const sg::Tensor loss = (sg::softmax_cross_entropy(bigram_net(pairs_before), pairs_after) * weight).sum();
      bigram_optimizer.zero_grad();
      loss.backward();
      bigram_optimizer.step();
      bigram_decay.step();
    }
    const sg::Tensor net_table = sg::softmax(bigram_net.weight, 1).detach().to(sg::kFloat64);
    const double net_nll = [&] {
      const sg::NoGradGuard no_grad;
      return sg::nn::cross_entropy(bigram_net(validation_pairs.contexts.reshape({-1})), validation_pairs.targets).item();
    }();
    fmt::print("3. bigram as a one-layer network, {} Adam steps: max |P_counting - P_network| = {:.2e}\n"
               "   validation loss: counting {:.6f}, network {:.6f}\n",
               bigram_steps, sg::abs(table - net_table).max().item(), table_nll, net_nll);

    // 4. Bengio et al.'s MLP over the last 3 symbols (tutorials/common/char_mlp.cpp): a custom module.
    //    The bigram saw one symbol; this one sees three, through a 10-number vector per symbol that it
    //    learns, so that symbols that behave alike (the vowels, say) end up near each other.
    sg::tutorial::CharMlp model;
    fmt::print("4. the model: Embedding(27, 10) -> side by side (30) -> Linear(30, 200) -> tanh -> Linear(200, 27)\n{}",
               model.summary());

    // 5. Training: Adam, mini-batches of 32 examples drawn at random (with replacement, by a generator
    //    seeded with --seed), --steps of them per epoch; the lr drops tenfold for the last quarter of
    //    the epochs. The validation loss is measured after every epoch.
    sg::optim::Adam optimizer(model.parameters(), {.lr = options.lr});
    sg::optim::StepLR decay(optimizer, std::max(1, options.epochs * 3 / 4));
    sg::Generator batches(options.seed);
    sg::tutorial::History history({"train_loss", "validation_loss", "bigram_validation_loss"});
    const int64_t n_train = train.targets.numel();
    std::vector<int64_t> picked(size_t(options.batch_size));
    fmt::print("5. training: {} epochs of {} steps, batch {}, Adam lr {}, {}\n", options.epochs, steps,
               options.batch_size, options.lr, sg::tutorial::thread_count());
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
      sg::tutorial::ProgressBar bar(epoch, options.epochs, steps);
      for (int64_t step = 1; step <= steps; ++step) {
        for (int64_t& i : picked) i = int64_t(batches.randint(uint64_t(n_train)));
        const sg::Tensor index = sg::tensor(picked, {options.batch_size});
        const sg::Tensor x = train.contexts.index_select(0, index), y = train.targets.index_select(0, index);
        const sg::Tensor logits = model(x);
        const sg::Tensor loss = sg::nn::cross_entropy(logits, y);
        sg::tutorial::check_loss(loss, epoch, step, [&] { return sg::nn::cross_entropy(model(x), y); });
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        bar.step(options.batch_size, loss.item(), sg::tutorial::count_correct(logits, y));
      }
      bar.finish();
      const double validation_loss = sg::tutorial::mean_loss(model, validation);
      fmt::print("   epoch {}: validation loss {:.4f}\n", epoch, validation_loss);
      history.add({bar.mean_loss(), validation_loss, table_nll});
      decay.step();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("   trained in {:.1f} s on {}\n", seconds, sg::tutorial::thread_count());
    if (options.epochs > 0)
      fmt::print("   curves written to {}\n", history.save(options.out, "char_model_curves",
                                                          fmt::format("char_model, seed {}", options.seed)));
    const double train_loss = sg::tutorial::mean_loss(model, train), validation_loss = sg::tutorial::mean_loss(model, validation);
    fmt::print("   loss on all examples: train {:.4f}, validation {:.4f} (the bigram: {:.4f})\n", train_loss,
               validation_loss, table_nll);

    // 6. Making up words: start from "...", draw the next symbol from the model's probabilities, shift it
    //    in, until the model draws '.'. A generator of its own (seeded by --seed) makes them repeatable.
    const std::set<std::string> known(list.words.begin(), list.words.end());
    sg::Generator sampler(options.seed ^ 0x5EED5EED5EED5EEDULL);
    int64_t made_up = 0;
    fmt::print("6. {} words made up by the model (* : in the word list):\n", samples);
    for (int64_t i = 0; i < samples; ++i) {
      const std::string word = sg::tutorial::sample_word(model, sampler);
      const bool in_list = known.count(word) > 0;
      made_up += !in_list;
      fmt::print("   {:2}  {}{}\n", i + 1, word, in_list ? " *" : "");
    }
    fmt::print("   {} of {} are new words\n", made_up, samples);
    fmt::print("validation loss: {:.4f}\n", validation_loss);
    return 0;
  });
}
