// Lesson 1: a multilayer perceptron on Fashion-MNIST (notebook 001_283dd8db66a75e60).
//
// The notebook builds a 784-64-32-10 network from NumPy arrays and derives every gradient by hand
// (ActivationBackward, LayerBackward, BackPropagate). Here the network is three nn::Linear layers in an
// nn::Sequential, and loss.backward() computes the gradients; step 6 runs the notebook's hand-written
// backward once, next to autograd's, to show they agree. Each numbered step is one cell of the notebook.
//
// The notebook's bugs, fixed here (each is also named where it happens):
//   - its "relu" is a leaky relu (slope 0.01) in the forward pass but a plain relu in the backward pass;
//   - its softmax is exp(x) / sum(exp(x)) without subtracting the maximum: large logits overflow;
//   - its MSE backward keeps only the diagonal of the softmax Jacobian, s (1 - s);
//   - its momentum optimizer (mgd) sets the velocity back to 0 on every call, so it never has momentum;
//   - its Nesterov optimizer is unfinished (a syntax error);
//   - its training loop appends to `losses`, which is never defined (a NameError), and shrinks
//     batch_size for good, by one too many, after a short last batch.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <fmt/ranges.h>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/accuracy.h"
#include "tutorials/common/curves.h"
#include "tutorials/common/data.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/mlp.h"
#include "tutorials/common/options.h"
#include "tutorials/common/progress.h"
#include "tutorials/common/resume.h"

namespace po = boost::program_options;
using sg::tutorial::count_correct;

namespace {

constexpr int64_t kClasses = 10;

using sg::tutorial::activation_derivative;

double max_abs_diff(const sg::Tensor& a, const sg::Tensor& b) { return sg::abs(a - b).max().item(); }

}  // namespace

int main(int argc, char** argv) {
  return sg::tutorial::run_main([&] {
    sg::tutorial::Options options{.epochs = 30, .lr = 0.25, .batch_size = 200, .train_size = 60000, .test_size = 10000};
    std::string activation = "sigmoid", loss_name = "cross_entropy", optimizer_name = "sgd", init = "xavier";
    double momentum = 0.9;
    bool shuffle = false;
    po::options_description own("fashion_mlp options");
    own.add_options()
        ("activation", po::value(&activation)->default_value(activation), "hidden activation: sigmoid, relu, leaky_relu or tanh")
        ("loss", po::value(&loss_name)->default_value(loss_name), "cross_entropy, or mse (on the softmax outputs, against one-hot labels)")
        ("optimizer", po::value(&optimizer_name)->default_value(optimizer_name), "sgd, momentum or nesterov")
        ("momentum", po::value(&momentum)->default_value(momentum, "0.9"), "the momentum factor beta of momentum and nesterov")
        ("init", po::value(&init)->default_value(init), "weight initialisation: xavier (Glorot uniform, zero biases) or notebook (W ~ N(0, 0.01^2), b ~ N(0, 1))")
        ("shuffle", po::value(&shuffle)->default_value(shuffle, "false"), "shuffle the training set every epoch (the notebook did not, nor does the default)");
    sg::tutorial::parse(argc, argv, "fashion_mlp", "a 784-64-32-10 MLP on Fashion-MNIST (notebook 001)", options, own);
    if (activation != "sigmoid" && activation != "relu" && activation != "leaky_relu" && activation != "tanh")
      sg::tutorial::usage_error(fmt::format("--activation must be sigmoid, relu, leaky_relu or tanh, got {}", activation));
    if (loss_name != "cross_entropy" && loss_name != "mse")
      sg::tutorial::usage_error(fmt::format("--loss must be cross_entropy or mse, got {}", loss_name));
    if (optimizer_name != "sgd" && optimizer_name != "momentum" && optimizer_name != "nesterov")
      sg::tutorial::usage_error(fmt::format("--optimizer must be sgd, momentum or nesterov, got {}", optimizer_name));
    if (!(momentum > 0 && momentum < 1)) sg::tutorial::usage_error(fmt::format("--momentum must be in (0, 1), got {}", momentum));
    if (init != "xavier" && init != "notebook")
      sg::tutorial::usage_error(fmt::format("--init must be xavier or notebook, got {}", init));
    const bool mse = loss_name == "mse";

    // 1. Data pre-processing (cell 4). The notebook flattens each image to 784 pixels, divides by 255,
    //    one-hot encodes the labels and stores samples as columns; we keep samples as rows, (N, 784).
    const auto data_dir = sg::tutorial::data_dir(options, sg::tutorial::Collection::FashionMnist);
    sg::datasets::Dataset train = sg::datasets::FashionMNIST(data_dir, sg::datasets::Split::Train);
    sg::datasets::Dataset test = sg::datasets::FashionMNIST(data_dir, sg::datasets::Split::Test);
    fmt::print("1. data\n   {}\n   {}\n", train.description(), test.description());
    if (options.train_size > train.size() || options.test_size > test.size())
      fmt::print("   only {} training and {} test images here: using all of them\n", train.size(), test.size());
    train = train.subset(0, std::min(options.train_size, train.size()));
    test = test.subset(0, std::min(options.test_size, test.size()));
    const sg::Tensor test_x = test.images().flatten(1), test_y = test.labels();
    fmt::print("   X: ({}, 784)  y: ({},)  pixels in [{}, {}]  one-hot y[0] = {}\n", train.size(), train.size(),
               train.images().min().item(), train.images().max().item(),
               sg::one_hot(train.labels().narrow(0, 0, 1), kClasses).to_vector<float>());

    // 2. Activation functions (cell 5): sg::sigmoid, sg::tanh, sg::relu, sg::leaky_relu, sg::softmax,
    //    each with its derivative written once, beside it, in autograd/ops. Bug fixed: the notebook's
    //    relu, (z > 0) z + (z < 0) 0.01 z, is really a leaky relu, yet its backward uses the plain relu's
    //    derivative (z > 0); here relu and leaky_relu are two honest choices. Bug fixed: its softmax
    //    exponentiates the raw logits (exp(1000) is inf); ours subtracts the maximum first.
    fmt::print("2. hidden activation: {}; output: softmax, inside the loss\n", activation);

    // 3. Weight initialisation (cell 6). The notebook's: W ~ N(0, 0.01^2), b ~ N(0, 1). Weights that
    //    small shrink the signal tenfold or more at every layer, so every sample gets nearly the same
    //    output and the loss stays flat for the first two epochs (the notebook's own log: 0.2309, then
    //    0.2300). The default here is Glorot's (xavier_uniform_), made for sigmoid and tanh: W ~ U(-a, a),
    //    a = sqrt(6 / (fan_in + fan_out)), which keeps the variance of the signal about the same from
    //    layer to layer, and zero biases. --init notebook trains from the notebook's draw instead.
    sg::nn::Sequential model = sg::tutorial::make_mlp(activation, init);  // tutorials/common/mlp.cpp
    auto& fc1 = model.at<sg::nn::Linear>(0);
    auto& fc2 = model.at<sg::nn::Linear>(2);
    auto& fc3 = model.at<sg::nn::Linear>(4);
    fmt::print("3. model, initialised {}\n{}\n",
               init == "notebook" ? "as the notebook did: W ~ N(0, 0.01^2), b ~ N(0, 1)"
                                  : "with Glorot's xavier_uniform_: W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)); b = 0",
               model.summary());
    if (!options.load.empty()) {
      sg::nn::load(model, options.load);
      fmt::print("   loaded {}\n", options.load);
    }

    // The loss of the logits. Cross-entropy takes the logits (softmax and log together, stably). MSE
    // compares softmax(logits) with the one-hot labels; the notebook's gradient (AL - Y) ... / m is that of
    // 1/2 sum over classes, averaged over samples, so we scale mse_loss (a mean over all 10 m elements) by
    // 10 / 2 to keep the notebook's step size.
    auto loss_fn = [&](const sg::Tensor& logits, const sg::Tensor& labels) {
      if (!mse) return sg::nn::cross_entropy(logits, labels);
      return sg::nn::mse_loss(sg::softmax(logits, 1), sg::one_hot(labels, kClasses)) * (kClasses / 2.0);
    };

    // 4. Forward propagation (cell 7) on the first batch: h = a_prev W^T + b, a = activation(h).
    const int64_t m = std::min(options.batch_size, train.size());
    const sg::Tensor x = train.images().narrow(0, 0, m).flatten(1), y = train.labels().narrow(0, 0, m);
    const sg::Tensor h1 = fc1(x), a1 = model[1](h1), h2 = fc2(a1), a2 = model[3](h2), h3 = fc3(a2);
    const sg::Tensor a3 = sg::softmax(h3, 1);
    fmt::print("4. forward on one batch: x ({}, {}) -> a1 ({}, {}) -> a2 ({}, {}) -> softmax ({}, {})\n", m,
               x.size(1), m, a1.size(1), m, a2.size(1), m, a3.size(1));

    // 5. Loss functions (cell 8). The notebook's CrossEntropyLoss takes np.mean over all 10 x m entries
    //    of -Y log(Y_pred), so the numbers it printed are the usual cross-entropy divided by 10.
    const sg::Tensor loss = loss_fn(h3, y);
    fmt::print("5. {} loss on that batch: {:.4f}", loss_name, loss.item());
    if (!mse) fmt::print(" (the notebook would print {:.4f})", loss.item() / kClasses);
    fmt::print("\n");

    // 6. Back propagation (cell 9). The notebook's BackPropagate, written once more by hand, against
    //    autograd's loss.backward(). dh3 is the gradient at the last layer's input h3 (m = batch size):
    //      cross-entropy: dh3 = (a3 - Y) / m
    //      MSE:           dh3 = J^T (a3 - Y) / m, J the softmax Jacobian diag(a3) - a3 a3^T
    //    then for each layer: dW = dh^T a_prev, db = sum over the batch of dh, da_prev = dh W,
    //    dh_prev = da_prev * activation'(h_prev). With --activation leaky_relu (the notebook's "relu") it
    //    also measures the notebook's relu backward, which keeps the plain relu's derivative.
    model.zero_grad();
    loss.backward();
    {
      sg::NoGradGuard no_grad;
      const sg::Tensor g = (a3 - sg::one_hot(y, kClasses)) / double(m);
      sg::Tensor dh3 = g;
      if (mse) {
        dh3 = a3 * (g - (g * a3).sum(1, true));
        // Bug fixed: the notebook multiplies by s (1 - s), the Jacobian's diagonal only.
        const sg::Tensor notebook_dh3 = g * a3 * (1.0 - a3);
        fmt::print("6. MSE: the notebook's dW3, with only the Jacobian's diagonal, is off by {:.3g}\n",
                   max_abs_diff(sg::matmul(notebook_dh3.t(), a2), fc3.weight.grad()));
      }
      const sg::Tensor dh2 = sg::matmul(dh3, fc3.weight) * activation_derivative(activation, h2);
      const sg::Tensor dh1 = sg::matmul(dh2, fc2.weight) * activation_derivative(activation, h1);
      const double diffs[] = {
          max_abs_diff(sg::matmul(dh3.t(), a2), fc3.weight.grad()), max_abs_diff(dh3.sum(0), fc3.bias.grad()),
          max_abs_diff(sg::matmul(dh2.t(), a1), fc2.weight.grad()), max_abs_diff(dh2.sum(0), fc2.bias.grad()),
          max_abs_diff(sg::matmul(dh1.t(), x), fc1.weight.grad()), max_abs_diff(dh1.sum(0), fc1.bias.grad())};
      fmt::print("6. backward by hand vs autograd, largest difference:\n"
                 "   dW3 {:.3g}  db3 {:.3g}  dW2 {:.3g}  db2 {:.3g}  dW1 {:.3g}  db1 {:.3g}\n",
                 diffs[0], diffs[1], diffs[2], diffs[3], diffs[4], diffs[5]);
      // The notebook's "relu" is leaky in its forward, but ActivationBackward's np.where(Z > 0, 1, 0)
      // gives a slope of 0, not 0.01, where h < 0: the gradient of every negative unit is dropped.
      if (activation == "leaky_relu") {
        const sg::Tensor notebook_dh2 = sg::matmul(dh3, fc3.weight) * sg::gt(h2, 0.0);
        const sg::Tensor notebook_dh1 = sg::matmul(notebook_dh2, fc2.weight) * sg::gt(h1, 0.0);
        fmt::print("   the notebook's relu backward under its leaky forward is off by: dW2 {:.3g}  dW1 {:.3g}"
                   " (largest |dW1| {:.3g})\n",
                   max_abs_diff(sg::matmul(notebook_dh2.t(), a1), fc2.weight.grad()),
                   max_abs_diff(sg::matmul(notebook_dh1.t(), x), fc1.weight.grad()),
                   sg::abs(fc1.weight.grad()).max().item());
      }
    }
    model.zero_grad();

    // 7. Optimisers (cell 10), all one class: p -= lr * g, and with momentum beta a velocity
    //    v = beta v + g with p -= lr * v (nesterov: p -= lr * (g + beta v), a step from the point momentum
    //    is about to carry us to). Bug fixed: the notebook's mgd set the velocity to 0 on every call, so
    //    it was plain SGD with the gradient scaled by (1 - beta); its nesterov was never finished.
    //    With momentum the velocity adds up to 1 / (1 - beta) gradients (10 for beta 0.9): steps grow,
    //    so a smaller --lr is usual.
    sg::optim::SGDOptions sgd{.lr = options.lr};
    if (optimizer_name != "sgd") sgd.momentum = momentum;
    sgd.nesterov = optimizer_name == "nesterov";
    sg::optim::SGD optimizer(model.parameters(), sgd);
    fmt::print("7. optimizer: {} (lr {}{})\n", optimizer_name, options.lr,
               optimizer_name == "sgd" ? "" : fmt::format(", momentum {}", momentum));

    // 8. Training (cell 34): batches of 200 for 30 epochs. The DataLoader ends the epoch with a short
    //    batch when 200 does not divide the training set (bug fixed: the notebook shrank batch_size for
    //    good, by one too many). The notebook walked the data in the same order every epoch, and so do we
    //    by default; --shuffle true draws a new order each epoch, the usual practice (tutorials/README.md
    //    compares the two).
    sg::datasets::DataLoader loader(train, {.batch_size = options.batch_size, .shuffle = shuffle, .seed = options.seed});
    sg::tutorial::History history({"train_loss", "train_accuracy", "test_accuracy"});
    auto evaluate = [&] {
      sg::NoGradGuard no_grad;
      return double(count_correct(model(test_x), test_y)) / double(test.size());
    };
    fmt::print("8. training on {} images, {} epochs of {} batches\n", train.size(), options.epochs, loader.size());
    sg::tutorial::Resumable resumable(options, "fashion_mlp", model, optimizer, history);
    const int done = resumable.resume();
    loader.set_epoch(done);
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = done + 1; epoch <= options.epochs; ++epoch) {
      sg::tutorial::ProgressBar bar(epoch, options.epochs, loader.size());
      int64_t step = 0;
      for (const auto& [images, labels] : loader) {
        const sg::Tensor xb = images.flatten(1);
        const sg::Tensor logits = model(xb);
        const sg::Tensor batch_loss = loss_fn(logits, labels);
        sg::tutorial::check_loss(batch_loss, epoch, ++step, [&, &labels = labels] { return loss_fn(model(xb), labels); });
        optimizer.zero_grad();
        batch_loss.backward();
        optimizer.step();
        bar.step(labels.numel(), batch_loss.item(), count_correct(logits, labels));
      }
      bar.finish();
      const double test_accuracy = evaluate();
      // The notebook printed "Loss after 1th epoch =0.2308...", a mean over the 10 classes too (step 5).
      fmt::print("   Loss after epoch {}: {:.4f} (as the notebook printed it: {:.4f}) - test accuracy: {:.2f}%\n", epoch,
                 bar.mean_loss(), mse ? bar.mean_loss() * 2 / kClasses : bar.mean_loss() / kClasses, 100 * test_accuracy);
      history.add({bar.mean_loss(), bar.accuracy(), test_accuracy});
      resumable.epoch_done(epoch);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("   trained in {:.1f} s on {}\n", seconds, sg::tutorial::thread_count());
    // The model first: a picture that cannot be written must not cost the training.
    if (!options.save.empty()) {
      sg::nn::save(model, options.save, {{"epochs", std::to_string(options.epochs)}, {"seed", std::to_string(options.seed)}});
      fmt::print("   saved {}\n", options.save);
    }
    fmt::print("   curves written to {}\n", history.save(options.out, "fashion_mlp_curves", fmt::format("fashion_mlp, {} activation, seed {}", activation, options.seed)));

    // 9. Test (cell 35): the class is the argmax of the output; the notebook reached 86.27 %.
    const double test_accuracy = evaluate();
    fmt::print("9. test: predictions ({},) vs labels ({},): Test Accuracy = {:.2f} % (the notebook: 86.27 %)\n",
               test.size(), test.size(), 100 * test_accuracy);
    fmt::print("test accuracy: {:.4f}\n", test_accuracy);
    return 0;
  });
}
