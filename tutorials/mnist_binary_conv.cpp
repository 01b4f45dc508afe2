// Lesson 4: hand-derived gradients against autograd (notebook 003_d65131dfbdc71682).
//
// The notebook builds the smallest CNN there is: 200 MNIST digits, the label "is the digit above 4?",
// three 5x5 filters and a sigmoid, one dense weight per feature to a single sigmoid output, and a squared
// error. It then derives every gradient by hand, cell by cell, for one step of gradient descent. Here
// autograd computes them (the network: tutorials/common/binary_conv_net.h); we also redo the notebook's
// derivation with plain loops, in float64, and check that both agree to rounding error. Then we train
// for a few full-batch steps.
//
// Bugs of the notebook's derivation, fixed in hand_gradients() (notebook_as_written() keeps them, to
// show what each costs; both in tutorials/common/hand_backward_003.cpp):
//   - The forward pass standardises the dense output, (z - mean z) / std z, but the backward pass skips
//     that step: the gradient of the standardisation is missing.
//   - wo is updated (cell 13) before the filters' gradient is computed from it (cell 14): the chain rule
//     needs the weights the forward pass used.
//   - error_wrt_filter_output is averaged over the images *before* it meets each image's pixels (the
//     product of averages instead of the average of products).
//   - np.resize of that (1728,) vector to (24, 24, 3) reads it as position-major, filter-minor, but it
//     was laid out filter-major: each filter receives a scramble of all three filters' error maps.
//   - wo's gradient is summed over the images and the filters' averaged: two different losses. We use
//     one loss, the notebook's error summed over images: L = sum_n (y_n - out_n)^2 / 2.
// (The notebook also transposes every image and filter, x_train.T and f.T; consistently, so it changes
// nothing, and we keep the images upright.)
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/ranges.h>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/binary_conv_pictures.h"
#include "tutorials/common/curves.h"
#include "tutorials/common/data.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/hand_backward_003.h"
#include "tutorials/common/options.h"
#include "tutorials/common/progress.h"
#include "tutorials/common/resume.h"

namespace po = boost::program_options;

using namespace sg::tutorial::binary_conv;

// Value counts, largest first, as pandas' value_counts() printed them.
void print_counts(const sg::Tensor& labels) {
  std::map<int64_t, int64_t> counts;
  for (int64_t v : labels.to_vector<int64_t>()) ++counts[v];
  std::vector<std::pair<int64_t, int64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](auto a, auto b) { return a.second > b.second; });
  for (auto [value, count] : sorted) fmt::print("   {}    {}\n", value, count);
}

void print_filters(const sg::Tensor& filters) {
  for (int64_t k = 0; k < kFilters; ++k)
    fmt::print("   Filter {}\n{}\n", k + 1, filters.detach().narrow(0, k, 1).reshape({kK, kK}));
}

int accuracy_count(const sg::Tensor& out, const sg::Tensor& y) {
  return int(sg::eq(sg::gt(out, 0.5), y).sum().item());
}

int main(int argc, char** argv) {
  return sg::tutorial::run_main([&] {
    sg::tutorial::Options options{.epochs = 10, .lr = 15, .batch_size = 200, .train_size = 200, .test_size = 200};
    sg::tutorial::parse(argc, argv, "mnist_binary_conv",
                        "hand-derived gradients against autograd on a tiny CNN (notebook 003)", options);
    const auto data_dir = sg::tutorial::data_dir(options, sg::tutorial::Collection::Mnist);
    if (options.batch_size != options.train_size)
      fmt::print("note: full-batch gradient descent; --batch-size is ignored (every step uses all {} images)\n",
                 options.train_size);

    // 1. The first 200 training digits, pixels scaled to [0, 1] (the notebook's X / 255), as float64.
    const sg::datasets::MNIST mnist(data_dir, sg::datasets::Split::Train);
    const int64_t train_size = std::min(options.train_size, mnist.size() - 1);
    const int64_t test_size = std::min(options.test_size, mnist.size() - train_size);
    const sg::datasets::Dataset digits = mnist.subset(0, train_size);
    fmt::print("1. {}\n   the first {} digits, value counts:\n", digits.description(), train_size);
    print_counts(digits.labels());

    // 2. The label becomes "is the digit above 4?" (the notebook's loop over y).
    auto above_4 = [](int64_t digit) -> int64_t { return digit > 4 ? 1 : 0; };
    const sg::datasets::Dataset train = digits.relabel(above_4, {"0-4", "5-9"});
    // No test set in the notebook: we hold out the next digits, train[200:400], and call that the test.
    const sg::datasets::Dataset test = mnist.subset(train_size, train_size + test_size).relabel(above_4, {"0-4", "5-9"});
    fmt::print("2. labels digit > 4, value counts:\n");
    print_counts(train.labels());
    const sg::Tensor x = train.images().to(sg::kFloat64), y = train.labels().to(sg::kFloat64).unsqueeze(1);
    const sg::Tensor x_test = test.images().to(sg::kFloat64), y_test = test.labels().to(sg::kFloat64).unsqueeze(1);

    // 3. Three 5x5 filters, uniform in [0, 1) (and, inside the module, the dense weights after them).
    BinaryConvNet model;
    if (!options.load.empty()) {
      sg::nn::load(model, options.load);
      fmt::print("   weights loaded from {}\n", options.load);
    }
    fmt::print("3. filters before training\n");
    print_filters(model.filters);
    const sg::Tensor initial_filters = model.filters.detach().clone();

    // 4. Shapes. The notebook keeps images as (28, 28, 200) and filters as (5, 5, 3); we keep the batch
    //    first and a channel axis, as conv2d expects.
    fmt::print("4. X {}, y {}, f {}\n", x.shape(), y.shape(), model.filters.shape());

    // 5. The notebook cut every image into its 24 x 24 = 576 patches of 5 x 5, (200, 576, 5, 5), and
    //    multiplied each with each filter. conv2d does the same inside (im2col, then one matrix product).
    fmt::print("5. patches per image: ({} - {} + 1)^2 = {}\n", kSide, kK, kOut * kOut);

    // 6. The dense layer: one weight per feature, 3 filters x 576 positions = 1728, to one output.
    fmt::print("6. wo {}, uniform in [0, 1)\n", model.wo.shape());

    // 7-8. Forward: convolution, sigmoid, dense, standardisation over the batch, sigmoid.
    const sg::Tensor conv_out = sg::conv2d(x, model.filters);
    const sg::Tensor out = model.forward(x);
    fmt::print("7. convolution output {} (the notebook's (200, 3, 576)), sigmoid the same\n", conv_out.shape());
    fmt::print("8. output {}, first five: {}\n", out.shape(), out.detach().narrow(0, 0, 5).reshape({5}));

    // 9. The error.
    const sg::Tensor loss = half_squared_error(out, y);
    fmt::print("9. error sum (y - out)^2 / 2 = {:.6f}\n", loss.item());

    // 10. The gradients, three ways: autograd, the notebook's derivation fixed, and as it was written.
    loss.backward();
    const Plain plain{.N = train_size, .x = x.to_vector<double>(), .y = y.to_vector<double>(),
                      .f = model.filters.to_vector<double>(), .wo = model.wo.to_vector<double>()};
    const Forward fw = forward_by_hand(plain);
    const Grads hand = hand_gradients(plain, fw);
    const sg::Tensor dwo = model.wo.grad(), df = model.filters.grad();
    fmt::print("10. gradients by hand (plain loops, float64) and by autograd\n   loss by hand {:.12f}, by autograd {:.12f}\n",
               fw.loss, loss.item());
    fmt::print("   {:>6} {:>22} {:>22}\n", "dL/dwo", "by hand", "autograd");
    std::vector<int64_t> blank;  // rows shown whose feature is sigmoid(0) = 0.5 in every image
    for (int64_t d : {int64_t(0), int64_t(1), int64_t(2), int64_t(300), int64_t(1000), kFeatures - 1}) {
      fmt::print("   {:>6} {:>22.15f} {:>22.15f}\n", d, hand.dwo[d], dwo.at({d, 0}));
      if (same_in_every_image(fw.s, train_size, d) && fw.s[d] == 0.5) blank.push_back(d);
    }
    // A feature the same in every image adds the same amount to every z, and the standardisation takes
    // any shift the whole batch shares away: the loss does not depend on that feature's weight.
    if (!blank.empty())
      fmt::print("   (rows {} are 0: their 5x5 patch, at the edge of the image, is blank in all {} images, so the\n"
                 "   feature is sigmoid(0) = 0.5 in each, and the standardisation removes what every image shares)\n",
                 fmt::join(blank, ", "), train_size);
    for (int64_t k = 0; k < kFilters; ++k) {
      fmt::print("   dL/dfilter {}, by hand | autograd\n", k + 1);
      for (int64_t a = 0; a < kK; ++a) {
        std::string row = "   ";
        for (int64_t b = 0; b < kK; ++b) row += fmt::format(" {:10.6f}", hand.df[(k * kK + a) * kK + b]);
        row += "  |";
        for (int64_t b = 0; b < kK; ++b) row += fmt::format(" {:10.6f}", df.at({k, 0, a, b}));
        fmt::print("{}\n", row);
      }
    }
    const double difference = std::max(largest_difference(hand.dwo, dwo), largest_difference(hand.df, df));
    fmt::print("   largest difference: {:.1e}\n", difference);
    const Grads literal = notebook_as_written(plain, fw, options.lr);
    fmt::print("   the notebook's formulas as written are off by up to {:.3g} (dL/dwo) and {:.3g} (dL/dfilters),\n"
               "   against gradients as large as {:.3g} and {:.3g}\n",
               largest_difference(literal.dwo, dwo), largest_difference(literal.df, df), sg::abs(dwo).max().item(),
               sg::abs(df).max().item());
    model.zero_grad();

    // 11. Full-batch gradient descent, lr 15: every step sees all 200 images. The notebook took one step
    //     (updating wo, then the filters from the new wo); SGD updates both from one gradient.
    sg::optim::SGD optimizer(model.parameters(), {.lr = options.lr});
    sg::tutorial::History history({"train_loss", "train_accuracy", "test_accuracy"});
    double test_accuracy = 0;
    fmt::print("11. {} steps of full-batch gradient descent, lr {}, {}\n", options.epochs, options.lr,
               sg::tutorial::thread_count());
    sg::tutorial::Resumable resumable(options, "mnist_binary_conv", model, optimizer, history);
    const int done = resumable.resume();
    for (int step = done + 1; step <= options.epochs; ++step) {
      sg::tutorial::ProgressBar bar(step, options.epochs, 1);
      optimizer.zero_grad();
      const sg::Tensor step_out = model.forward(x);
      const sg::Tensor step_loss = half_squared_error(step_out, y);
      sg::tutorial::check_loss(step_loss, step, 1, [&] { return half_squared_error(model.forward(x), y); });
      step_loss.backward();
      optimizer.step();
      bar.step(train_size, step_loss.item() / double(train_size), accuracy_count(step_out, y));
      bar.note(fmt::format("   step {:>3}: error {:.6f}", step, step_loss.item()));
      bar.finish();
      {
        sg::NoGradGuard no_grad;
        // The standardisation uses the statistics of the batch it is given: here the held-out digits.
        test_accuracy = double(accuracy_count(model.forward(x_test), y_test)) / double(test_size);
      }
      history.add({step_loss.item() / double(train_size), bar.accuracy(), test_accuracy});
      resumable.epoch_done(step);
    }
    // The model first: a picture that cannot be written must not cost the training.
    if (!options.save.empty()) {
      sg::nn::save(model, options.save, {{"steps", std::to_string(options.epochs)}});
      fmt::print("   checkpoint written to {}\n", options.save);
    }
    if (options.epochs > 0) fmt::print("   curves written to {}\n", history.save(options.out, "mnist_binary_conv_curves", fmt::format("mnist_binary_conv, seed {}", options.seed)));

    // 12-13. The filters after training, and accuracy on the held-out digits train[200:400].
    fmt::print("12. filters after training\n");
    print_filters(model.filters);
    fmt::print("   pictured, with what they make of training digit 0, in {}\n", save_filter_pictures(
        options.out + "/mnist_binary_conv_filters.svg", fmt::format("mnist_binary_conv, seed {}, the 3 filters", options.seed),
        initial_filters, model.filters, options.epochs, x.narrow(0, 0, 1), fmt::format("digit {}: above 4", digits.get(0).label)));
    {
      sg::NoGradGuard no_grad;
      test_accuracy = double(accuracy_count(model.forward(x_test), y_test)) / double(test_size);
    }
    fmt::print("13. accuracy on the held-out training digits [{}:{}] (the notebook had no test set)\n", train_size,
               train_size + test_size);
    fmt::print("test accuracy: {:.4f}\n", test_accuracy);
    return difference < 1e-6 ? 0 : 1;
  });
}
