// Lesson 4: hand-derived gradients against autograd (notebook 003_d65131dfbdc71682).
//
// The notebook builds the smallest CNN there is: 200 MNIST digits, the label "is the digit above 4?",
// three 5x5 filters and a sigmoid, one dense weight per feature to a single sigmoid output, and a squared
// error. It then derives every gradient by hand, cell by cell, for one step of gradient descent. Here
// autograd computes them; we also redo the notebook's derivation with plain loops, in float64, and check
// that both agree to rounding error. Then we train for a few full-batch steps.
//
// Bugs of the notebook's derivation, fixed in hand_gradients() below (notebook_as_written() keeps them,
// to show what each costs):
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

#include "tutorials/common/curves.h"
#include "tutorials/common/data.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/options.h"
#include "tutorials/common/progress.h"
#include "tutorials/common/resume.h"

namespace po = boost::program_options;

constexpr int64_t kFilters = 3, kK = 5, kSide = 28, kOut = kSide - kK + 1;  // kOut = 24 positions a side
constexpr int64_t kFeatures = kFilters * kOut * kOut;                          // 3 * 576 = 1728

// The network as a module: two parameters, and a forward pass of five ops. Every tensor is float64.
class BinaryConvNet : public sg::nn::Module {
 public:
  BinaryConvNet() {
    // Drawn in the notebook's order: filters, then wo, both uniform in [0, 1).
    filters = register_parameter("filters", sg::nn::init::uniform_(sg::empty({kFilters, 1, kK, kK}, sg::kFloat64)));
    wo = register_parameter("wo", sg::nn::init::uniform_(sg::empty({kFeatures, 1}, sg::kFloat64)));
  }
  /// images (N, 1, 28, 28) -> out (N, 1), the probability that the digit is above 4.
  sg::Tensor forward(const sg::Tensor& images) override {
    const sg::Tensor features = sg::sigmoid(sg::conv2d(images, filters)).flatten(1);  // (N, 1728)
    const sg::Tensor z = sg::matmul(features, wo);                                     // (N, 1)
    const sg::Tensor centered = z - z.mean();
    const sg::Tensor standardised = centered / sg::sqrt((centered * centered).mean());  // np.std: divides by N
    return sg::sigmoid(standardised);
  }
  std::string name() const override { return "BinaryConvNet"; }

  sg::Tensor filters, wo;  // filters (3, 1, 5, 5), wo (1728, 1)
};

// L = sum_n (y_n - out_n)^2 / 2, the notebook's `error`, summed over the images.
sg::Tensor half_squared_error(const sg::Tensor& out, const sg::Tensor& y) {
  return sg::nn::mse_loss(out, y, sg::nn::Reduction::Sum) * 0.5;
}

// ---- the notebook's derivation, with plain loops ------------------------------------------------
// x: (N, 28, 28), y: (N), f: (3, 5, 5), wo: (1728), features indexed d = k*576 + i*24 + j.
struct Plain {
  int64_t N;
  std::vector<double> x, y, f, wo;
};

struct Forward {
  std::vector<double> s, out;  // s: (N, 1728) sigmoid of the convolution, out: (N)
  std::vector<double> zn;      // (N) standardised dense output
  double sigma = 0, loss = 0;
};

Forward forward_by_hand(const Plain& p) {
  Forward r{.s = std::vector<double>(p.N * kFeatures), .out = std::vector<double>(p.N),
            .zn = std::vector<double>(p.N)};
  std::vector<double> z(p.N, 0.0);
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t k = 0; k < kFilters; ++k)
      for (int64_t i = 0; i < kOut; ++i)
        for (int64_t j = 0; j < kOut; ++j) {
          double c = 0;  // cell 10: (patch * filter).sum()
          for (int64_t a = 0; a < kK; ++a)
            for (int64_t b = 0; b < kK; ++b) c += p.x[(n * kSide + i + a) * kSide + j + b] * p.f[(k * kK + a) * kK + b];
          const int64_t d = (k * kOut + i) * kOut + j;
          r.s[n * kFeatures + d] = 1.0 / (1.0 + std::exp(-c));
          z[n] += r.s[n * kFeatures + d] * p.wo[d];  // cell 11: wo.T . features
        }
  double mean = 0, var = 0;
  for (double v : z) mean += v / double(p.N);
  for (double v : z) var += (v - mean) * (v - mean) / double(p.N);
  r.sigma = std::sqrt(var);
  for (int64_t n = 0; n < p.N; ++n) {
    r.zn[n] = (z[n] - mean) / r.sigma;
    r.out[n] = 1.0 / (1.0 + std::exp(-r.zn[n]));
    r.loss += (p.y[n] - r.out[n]) * (p.y[n] - r.out[n]) / 2;  // cell 12
  }
  return r;
}

struct Grads {
  std::vector<double> dwo, df;  // (1728), (3, 5, 5)
};

// The chain rule as the notebook wrote it, cell by cell, with its bugs fixed.
Grads hand_gradients(const Plain& p, const Forward& fw) {
  const int64_t N = p.N;
  // cell 12: dL/dout = -(y - out); dout/dzn = out (1 - out)
  std::vector<double> g(N);  // dL/dzn
  for (int64_t n = 0; n < N; ++n)
    g[n] = -(p.y[n] - fw.out[n]) * fw.out[n] * (1 - fw.out[n]);
  // fix 1, the step the notebook skipped: zn = (z - mean z) / sigma, so
  // dL/dz_n = (g_n - mean(g) - zn_n * mean(g * zn)) / sigma
  double g_mean = 0, gzn_mean = 0;
  for (int64_t n = 0; n < N; ++n) {
    g_mean += g[n] / double(N);
    gzn_mean += g[n] * fw.zn[n] / double(N);
  }
  std::vector<double> dz(N);
  for (int64_t n = 0; n < N; ++n) dz[n] = (g[n] - g_mean - fw.zn[n] * gzn_mean) / fw.sigma;
  Grads r{.dwo = std::vector<double>(kFeatures, 0.0), .df = std::vector<double>(kFilters * kK * kK, 0.0)};
  // cell 13: z_n = sum_d s[n, d] wo[d]  =>  dL/dwo[d] = sum_n s[n, d] dL/dz_n
  for (int64_t n = 0; n < N; ++n)
    for (int64_t d = 0; d < kFeatures; ++d) r.dwo[d] += fw.s[n * kFeatures + d] * dz[n];
  // cells 14-15, per image (fix 3), with the wo of the forward pass (fix 2), indexed filter-major (fix 4):
  // dL/dc[n, d] = dL/dz_n * wo[d] * s (1 - s);   c[n, k, i, j] = sum_ab x[n, i+a, j+b] f[k, a, b]
  //   =>  dL/df[k, a, b] = sum_n sum_ij x[n, i+a, j+b] dL/dc[n, k, i, j]
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < kFilters; ++k)
      for (int64_t i = 0; i < kOut; ++i)
        for (int64_t j = 0; j < kOut; ++j) {
          const int64_t d = (k * kOut + i) * kOut + j;
          const double s = fw.s[n * kFeatures + d];
          const double dc = dz[n] * p.wo[d] * s * (1 - s);
          for (int64_t a = 0; a < kK; ++a)
            for (int64_t b = 0; b < kK; ++b)
              r.df[(k * kK + a) * kK + b] += p.x[(n * kSide + i + a) * kSide + j + b] * dc;
        }
  return r;
}

// The same cells exactly as the notebook wrote them, bugs included (see the top of the file).
Grads notebook_as_written(const Plain& p, const Forward& fw, double lr) {
  const int64_t N = p.N;
  std::vector<double> g(N);
  for (int64_t n = 0; n < N; ++n)
    g[n] = -(p.y[n] - fw.out[n]) * fw.out[n] * (1 - fw.out[n]);
  Grads r{.dwo = std::vector<double>(kFeatures, 0.0), .df = std::vector<double>(kFilters * kK * kK, 0.0)};
  for (int64_t n = 0; n < N; ++n)  // no standardisation term
    for (int64_t d = 0; d < kFeatures; ++d) r.dwo[d] += fw.s[n * kFeatures + d] * g[n];
  std::vector<double> e(kFeatures, 0.0);  // averaged over images, with the updated wo
  for (int64_t n = 0; n < N; ++n)
    for (int64_t d = 0; d < kFeatures; ++d) {
      const double s = fw.s[n * kFeatures + d];
      e[d] += (p.wo[d] - lr * r.dwo[d]) * g[n] * s * (1 - s) / double(N);
    }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < kFilters; ++k)
      for (int64_t a = 0; a < kK; ++a)
        for (int64_t b = 0; b < kK; ++b) {
          double t = 0;
          for (int64_t i = 0; i < kOut; ++i)
            for (int64_t j = 0; j < kOut; ++j)  // np.resize to (24, 24, 3): position-major
              t += p.x[(n * kSide + i + a) * kSide + j + b] * e[(i * kOut + j) * kFilters + k];
          r.df[(k * kK + a) * kK + b] += t / double(N);
        }
  return r;
}

// Whether feature d of the (N, 1728) features takes one value in every image.
bool same_in_every_image(const std::vector<double>& s, int64_t N, int64_t d) {
  for (int64_t n = 1; n < N; ++n)
    if (s[n * kFeatures + d] != s[d]) return false;
  return true;
}

double largest_difference(const std::vector<double>& a, const sg::Tensor& b) {
  const std::vector<double> bv = b.to_vector<double>();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - bv[i]));
  return worst;
}

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
    if (options.epochs > 0) fmt::print("   curves written to {}\n", history.save(options.out, "mnist_binary_conv_curves"));

    // 12-13. The filters after training, and accuracy on the held-out digits train[200:400].
    fmt::print("12. filters after training\n");
    print_filters(model.filters);
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
