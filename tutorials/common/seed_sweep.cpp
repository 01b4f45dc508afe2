// One row per seed, both runs, then the mean and the spread.
#include "tutorials/common/seed_sweep.h"

#include <cmath>
#include <cstdio>
#include <regex>
#include <vector>

#include "tutorials/common/guard.h"
#include "tutorials/common/one_filter_cnn.h"

namespace sg::tutorial {

namespace {

// Below this a run has learned next to nothing: 10 classes, chance is 10 %.
constexpr double kCollapsed = 0.2;

// The tutorial's training, without its printing, pictures or checkpoints.
Evaluation train_and_evaluate(OneFilterCNN& model, const datasets::Dataset& train_set,
                              const datasets::Dataset& test_set, const Options& options) {
  optim::SGD optimizer(model.parameters(), {.lr = options.lr});
  datasets::DataLoader loader(train_set, {.batch_size = options.batch_size});
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    int64_t step = 0;
    for (const auto& [images, labels] : loader) {
      const Tensor loss = one_filter_loss(model(images), labels);
      check_loss(loss, epoch, ++step, [&, &images = images, &labels = labels] { return one_filter_loss(model(images), labels); });
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  return evaluate(model, test_set);
}

struct Column {
  std::vector<double> values;
  double mean() const {
    double sum = 0;
    for (double v : values) sum += v;
    return sum / double(values.size());
  }
  // The sample standard deviation; 0 for one seed.
  double sd() const {
    if (values.size() < 2) return 0;
    double sum = 0;
    for (double v : values) sum += (v - mean()) * (v - mean());
    return std::sqrt(sum / double(values.size() - 1));
  }
  int64_t below(double threshold) const {
    int64_t n = 0;
    for (double v : values) n += v < threshold;
    return n;
  }
};

}  // namespace

std::optional<SeedRange> parse_seed_range(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::smatch match;
  if (!std::regex_match(text, match, std::regex(R"(([0-9]{1,9})(?:-([0-9]{1,9}))?)")))
    usage_error(fmt::format("--seeds takes a range of seeds like 0-4 (or one seed), got '{}'", text));
  const SeedRange range{std::stoull(match[1]), match[2].matched ? std::stoull(match[2]) : std::stoull(match[1])};
  if (range.last < range.first)
    usage_error(fmt::format("--seeds must run upwards, like 0-4, got '{}'", text));
  return range;
}

double seed_sweep(const SeedRange& seeds, const FixRecipe& recipe, const datasets::Dataset& train_set,
                  const datasets::Dataset& test_set, const Options& options) {
  const std::string fixed_name = recipe.fix == "leaky_relu" ? "leaky ReLU" : fmt::format("filter std {}", recipe.small_scale);
  fmt::print("   seed  exact ReLU: test accuracy  dead   fixed ({}): test accuracy  dead\n", fixed_name);
  const int width = int(fmt::format("fixed ({}): test accuracy", fixed_name).size());
  Column exact_accuracy, exact_dead, fixed_accuracy, fixed_dead;
  for (uint64_t seed = seeds.first; seed <= seeds.last; ++seed) {
    // Each model drawn from the seed alone, as the tutorial draws both of its models.
    manual_seed(seed);
    OneFilterCNN exact("relu", 1.0, recipe.conv_bias);
    const Evaluation e = train_and_evaluate(exact, train_set, test_set, options);
    manual_seed(seed);
    OneFilterCNN fixed(recipe.fix == "leaky_relu" ? "leaky_relu" : "relu",
                       recipe.fix == "small_init" ? recipe.small_scale : 1.0, recipe.conv_bias);
    const Evaluation f = train_and_evaluate(fixed, train_set, test_set, options);
    exact_accuracy.values.push_back(e.accuracy), exact_dead.values.push_back(e.dead);
    fixed_accuracy.values.push_back(f.accuracy), fixed_dead.values.push_back(f.dead);
    fmt::print("   {:>4}  {:>24.2f}%  {:>4.1f}%   {:>{}.2f}%  {:>4.1f}%\n", seed, 100 * e.accuracy, 100 * e.dead,
               100 * f.accuracy, width - 1, 100 * f.dead);
    std::fflush(stdout);
  }
  fmt::print("   {:>4}  {:>24.2f}%  {:>4.1f}%   {:>{}.2f}%  {:>4.1f}%\n", "mean", 100 * exact_accuracy.mean(),
             100 * exact_dead.mean(), 100 * fixed_accuracy.mean(), width - 1, 100 * fixed_dead.mean());
  fmt::print("   {:>4}  {:>24.2f}   {:>4.1f}    {:>{}.2f}   {:>4.1f}\n", "sd", 100 * exact_accuracy.sd(),
             100 * exact_dead.sd(), 100 * fixed_accuracy.sd(), width - 1, 100 * fixed_dead.sd());
  fmt::print("   runs that ended below {:.0f}% (chance is 10%): exact ReLU {} of {}, fixed {} of {}\n", 100 * kCollapsed,
             exact_accuracy.below(kCollapsed), exact_accuracy.values.size(), fixed_accuracy.below(kCollapsed),
             fixed_accuracy.values.size());
  return fixed_accuracy.mean();
}

}  // namespace sg::tutorial
