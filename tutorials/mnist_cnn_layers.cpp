// Lesson 3: a CNN layer by layer, timed and pictured (notebook 002_0a76252aef25687a).
//
// The notebook writes three layer classes (Conv2D, MaxPool, Softmax), each with a forward_prop and a
// hand-derived back_prop, times them, trains conv 2x2 stride 2 -> max pool -> dense softmax on 500
// random images per epoch, and plots what the filters see. Here each layer is an nn module with a
// forward only; autograd provides every back_prop, and we still time and picture each layer.
//
// Bugs of the notebook, fixed here:
//   - training_cnn(image, labl) ignores its parameter labl and reads the global `label`, which is the
//     right digit only because the training loop happens to name its loop variable `label`. The step
//     below uses the label it is given.
//   - Its training cell cannot run: `history["TimePerStep"] = (time.time()-t1)/100)` has one closing
//     parenthesis too many (a SyntaxError), which is why the notebook shows no results. Its history
//     also stored the sum of the last 99 losses of each epoch rather than an average.
//   - MaxPool.back_prop steps through the input by filter_size instead of stride (harmless here, where
//     both are 2).
// Kept as the notebook wrote it: MaxPool pads with zeros, so a border window over only negative values
// outputs 0 (max_pool2d's own padding counts as -inf, as PyTorch's: a padded border never wins). The
// model pads with nn::ZeroPad2d before an unpadded nn::MaxPool2d.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/accuracy.h"
#include "tutorials/common/curves.h"
#include "tutorials/common/data.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/hand_backward_002.h"
#include "tutorials/common/layer_pictures.h"
#include "tutorials/common/layer_timing.h"
#include "tutorials/common/options.h"
#include "tutorials/common/progress.h"
#include "tutorials/common/resume.h"

namespace po = boost::program_options;
using sg::tutorial::count_correct;
using sg::tutorial::Clock, sg::tutorial::ms_since, sg::tutorial::name_width, sg::tutorial::print_timing;

int64_t output_size(const char* layer, int64_t in, int64_t filter, int64_t padding, int64_t stride) {
  const int64_t out = (in - filter + 2 * padding) / stride + 1;
  fmt::print("   {}: O = ({} - {} + 2*{}) / {} + 1 = {}\n", layer, in, filter, padding, stride, out);
  return out;
}

int main(int argc, char** argv) {
  return sg::tutorial::run_main([&] {
    sg::tutorial::Options options{.epochs = 4, .lr = 0.005, .batch_size = 1, .train_size = 500, .test_size = 5000};
    std::vector<int64_t> show{1335, 1200};
    po::options_description own("mnist_cnn_layers options");
    own.add_options()("show", po::value(&show)->multitoken()->default_value(show, "1335 1200"),
                      "test images whose feature maps are written as PNG");
    sg::tutorial::parse(argc, argv, "mnist_cnn_layers",
                        "a CNN layer by layer: shapes, timings and feature maps (notebook 002)", options, own);
    for (int64_t i : show)
      if (i < 0) sg::tutorial::usage_error(fmt::format("--show takes image indices >= 0, got {}", i));

    // 1. Load MNIST. The notebook scales each image with (image / 255) - 0.5 inside its forward pass;
    //    Scale::Centered does it once, when the data is read.
    const auto data_dir = sg::tutorial::data_dir(options, sg::tutorial::Collection::Mnist);
    const sg::datasets::MNIST train(data_dir, sg::datasets::Split::Train, {.scale = sg::datasets::Scale::Centered});
    const sg::datasets::MNIST full_test(data_dir, sg::datasets::Split::Test, {.scale = sg::datasets::Scale::Centered});
    fmt::print("1. {}\n   {}\n   Train images shape: {}\n   Testing images shape: {}\n", train.description(),
               full_test.description(), train.images().shape(), full_test.images().shape());
    const std::string labels = sg::tutorial::save_first_digits(train, 10, options.out, "mnist_cnn_layers, the first 10 training digits");
    fmt::print("   the first 10 training digits in {}/first_digits.svg, labels:{}\n", options.out, labels);

    // 2. The output size of each layer, by the notebook's formula O = (I - F + 2P) / S + 1.
    fmt::print("2. output sizes of the model's layers\n");
    const int64_t conv_side = output_size("Conv2D  8 filters 2x2, stride 2, padding 1", 28, 2, 1, 2);
    const int64_t pool_side = output_size("MaxPool 2x2, stride 2, padding 1          ", conv_side, 2, 1, 2);
    const int64_t dense_in = pool_side * pool_side * 8;
    fmt::print("   Softmax: {} x {} x 8 = {} inputs -> 10 classes\n", pool_side, pool_side, dense_in);

    // 3. Example outputs: the notebook's demo layers (10 filters 3x3 stride 2, max pool 3x3 stride 3,
    //    softmax) on training image 7, each forward timed; it plotted conv and pooled maps in two rows.
    {
      sg::NoGradGuard no_grad;
      sg::nn::Sequential example(sg::nn::Conv2d(1, 10, 3, {.stride = {2, 2}, .bias = false}),
                                 sg::nn::MaxPool2d(3, {.stride = {3, 3}}), sg::nn::Flatten(),
                                 sg::nn::Linear(4 * 4 * 10, 10));
      sg::nn::init::normal_(example.at<sg::nn::Conv2d>(0).weight);
      sg::nn::init::normal_(example.at<sg::nn::Linear>(3).weight, 0.0, 1.0 / 160);
      sg::nn::init::zeros_(example.at<sg::nn::Linear>(3).bias);
      const auto [image, label] = train.get(7);
      fmt::print("3. example layers on training image 7 (label {})\n", label);
      const std::vector<sg::Tensor> outs = sg::tutorial::forward_timed(example, image.unsqueeze(0));
      const std::string path = sg::tutorial::save_layer_maps(
          options.out + "/example_maps.svg",
          fmt::format("mnist_cnn_layers, example layers (10 random 3x3 filters, stride 2; max pool 3x3), seed {}, "
                      "training image 7: label {}", options.seed, label),
          image, fmt::format("Label: {}", label), outs[1], outs[2]);
      const sg::Tensor probs = sg::softmax(outs.back(), 1);
      fmt::print("   maps in {}\n   Softmax output: {}\n   Prediction: {}\n", path, probs, int64_t(probs.argmax().item()));
    }

    // 4. The model. Initialisation as the notebook: filters N(0, 1), dense weights randn / inputs, no
    //    conv bias, dense bias zero. The pool's padding is the notebook's border of zeros, a layer of its
    //    own. The softmax is inside cross_entropy, which takes the logits.
    sg::nn::Sequential model(sg::nn::Conv2d(1, 8, 2, {.stride = {2, 2}, .padding = {1, 1}, .bias = false}),
                             sg::nn::ZeroPad2d(1), sg::nn::MaxPool2d(2), sg::nn::Flatten(),
                             sg::nn::Linear(dense_in, 10));
    sg::nn::init::normal_(model.at<sg::nn::Conv2d>(0).weight);
    sg::nn::init::normal_(model.at<sg::nn::Linear>(4).weight, 0.0, 1.0 / double(dense_in));
    sg::nn::init::zeros_(model.at<sg::nn::Linear>(4).bias);
    if (!options.load.empty()) {
      sg::nn::load(model, options.load);
      fmt::print("   weights loaded from {}\n", options.load);
    }
    fmt::print("4. the model\n{}", model.summary());

    // 5. One training example layer by layer, forward and backward, each timed. The notebook's
    //    training_cnn called each layer's back_prop in reverse order, handing each the gradient the next
    //    one returned. We do the same with autograd by cutting the graph between layers: each layer's
    //    input is a fresh leaf, so y.backward(dy) runs exactly one layer's backward and leaves dL/dinput
    //    in the leaf's grad, to hand on to the layer before. (Training below needs none of this: one
    //    loss.backward() runs all of them.)
    {
      const auto [image, label] = train.get(0);
      fmt::print("5. one step layer by layer on training image 0 (label {})\n", label);
      std::vector<sg::Tensor> inputs, outputs;
      sg::Tensor h = image.unsqueeze(0);
      for (size_t i = 0; i < model.size(); ++i) {
        inputs.push_back(h.detach().requires_grad_());
        const auto start = Clock::now();
        outputs.push_back(model[i].forward(inputs.back()));
        const double ms = ms_since(start);
        print_timing(model[i].repr(), name_width(model), "output", fmt::format("{}", outputs.back().shape()), "forward", ms);
        h = outputs.back();
      }
      // The loss gets a leaf of its own too, so that its backward is timed apart from the dense layer's.
      const sg::Tensor logits = outputs.back().detach().requires_grad_();
      auto start = Clock::now();
      const sg::Tensor loss = sg::nn::cross_entropy(logits, sg::tensor(std::vector<int64_t>{label}, {1}));
      loss.backward();
      const double loss_ms = ms_since(start);
      print_timing("cross_entropy (softmax inside)", name_width(model), "loss", fmt::format("{:.4f}", loss.item()),
                   "backward", loss_ms);
      sg::Tensor dy = logits.grad();
      for (size_t i = model.size(); i-- > 0;) {
        start = Clock::now();
        outputs[i].backward(dy);  // dL/d(input of layer i) lands in inputs[i].grad()
        const double ms = ms_since(start);
        dy = inputs[i].grad();
        print_timing(model[i].repr(), name_width(model), "dinput", fmt::format("{}", dy.shape()), "backward", ms);
      }
      fmt::print("   dL/dfilters {} (the notebook's dL_dF_params), largest |value| {:.4f}\n",
                 model.at<sg::nn::Conv2d>(0).weight.grad().shape(),
                 sg::abs(model.at<sg::nn::Conv2d>(0).weight.grad()).max().item());
      model.zero_grad();

      // The notebook's back_props on the same image, in float64, three ways: as it wrote them, the same
      // code corrected, and autograd (tutorials/common/hand_backward_002.cpp). MaxPool.back_prop returns
      // its gradient on the grid it padded, 17x17, and Conv2D.back_prop reads the top-left 15x15 of it as
      // its own output's: every conv output gets the gradient of the one up and to the left. And a window
      // of equal values, common on the flat background, gives the gradient to each of them.
      const auto check = sg::tutorial::check_backward_002(
          {.filters = model.at<sg::nn::Conv2d>(0).weight, .weight = model.at<sg::nn::Linear>(4).weight,
           .bias = model.at<sg::nn::Linear>(4).bias},
          image.unsqueeze(0), label);
      fmt::print("   the notebook's back_prop on this image, float64\n");
      sg::tutorial::print_backward_table(check.rows);
      fmt::print("   {}\n", check.note);
    }

    // 6. Train: 4 epochs, each on 500 images drawn at random from the whole training set (the notebook
    //    shuffled all 60,000 and took the first 500), one image per SGD step, lr 0.005. The notebook's
    //    log line is printed every 100 steps, over those 100 steps.
    sg::optim::SGD optimizer(model.parameters(), {.lr = options.lr});
    sg::datasets::DataLoader loader(train, {.batch_size = options.batch_size, .shuffle = true, .seed = options.seed});
    const int64_t train_size = std::min(options.train_size, train.size());
    const int64_t steps = (train_size + options.batch_size - 1) / options.batch_size;
    const sg::datasets::Dataset test = full_test.subset(0, std::min(options.test_size, full_test.size()));
    if (test.size() < options.test_size)
      fmt::print("   (only {} test images in this data: testing on all of them)\n", test.size());
    auto evaluate = [&] {
      sg::NoGradGuard no_grad;
      return double(count_correct(model.forward(test.images()), test.labels())) / double(test.size());
    };
    sg::tutorial::History history({"train_loss", "train_accuracy", "test_accuracy"});
    fmt::print("6. training {} epochs on {} random training images each, lr {}, batch {}, {}\n", options.epochs,
               train_size, options.lr, options.batch_size, sg::tutorial::thread_count());
    sg::tutorial::Resumable resumable(options, "mnist_cnn_layers", model, optimizer, history);
    const int done = resumable.resume();
    loader.set_epoch(done);
    const auto train_start = Clock::now();
    for (int epoch = done + 1; epoch <= options.epochs; ++epoch) {
      fmt::print("\nEpoch {} --->\n", epoch);
      sg::tutorial::ProgressBar bar(epoch, options.epochs, steps);
      double window_loss = 0;
      int64_t window_correct = 0, window_samples = 0, step = 0, seen = 0;
      auto window_start = Clock::now();
      for (const sg::datasets::Batch& batch : loader) {
        if (seen >= train_size) break;  // the rest of this epoch's shuffled order is not used
        const int64_t n = std::min(batch.labels.numel(), train_size - seen);
        const sg::Tensor images = batch.images.narrow(0, 0, n), labels = batch.labels.narrow(0, 0, n);
        ++step;
        seen += n;
        optimizer.zero_grad();
        const sg::Tensor logits = model.forward(images);
        const sg::Tensor loss = sg::nn::cross_entropy(logits, labels);
        sg::tutorial::check_loss(loss, epoch, step, [&] { return sg::nn::cross_entropy(model.forward(images), labels); });
        loss.backward();
        optimizer.step();
        const int64_t correct = count_correct(logits, labels);
        bar.step(n, loss.item(), correct);
        window_loss += loss.item() * double(n);
        window_correct += correct;
        window_samples += n;
        if (step % 100 == 0) {
          bar.note(fmt::format("Step {}: Average Loss {:.3f} and Accuracy: {:.0f}% || Time per step = {:.5f} seconds",
                               step, window_loss / double(window_samples),
                               100.0 * double(window_correct) / double(window_samples),
                               ms_since(window_start) / 1000.0 / double(window_samples)));
          window_loss = 0;
          window_correct = window_samples = 0;
          window_start = Clock::now();
        }
      }
      bar.finish();
      history.add({bar.mean_loss(), bar.accuracy(), evaluate()});
      resumable.epoch_done(epoch);
    }
    fmt::print("   trained in {:.2f} s ({})\n", ms_since(train_start) / 1000.0, sg::tutorial::thread_count());
    // The model first: a picture that cannot be written must not cost the training.
    if (!options.save.empty()) {
      sg::nn::save(model, options.save, {{"epochs", std::to_string(options.epochs)}});
      fmt::print("   checkpoint written to {}\n", options.save);
    }
    if (options.epochs > 0)
      fmt::print("   curves written to {}\n", history.save(options.out, "mnist_cnn_layers_curves", fmt::format("mnist_cnn_layers, seed {}", options.seed)));

    // 7. Evaluate on test[:5000]. The notebook predicted one image at a time; one batched forward gives
    //    the same predictions.
    const auto test_start = Clock::now();
    const double test_accuracy = evaluate();
    fmt::print("7. Time taken for predicting {} pictures is {:.3f} s\n   Testing accuracy = {:.4f}\n", test.size(),
               ms_since(test_start) / 1000.0, test_accuracy);

    // 8. The intermediate steps of a prediction, as pictures.
    fmt::print("8. inner workings\n");
    const std::string run = fmt::format("mnist_cnn_layers, seed {}, after {} epoch{}", options.seed, options.epochs, options.epochs == 1 ? "" : "s");
    for (int64_t index : show) sg::tutorial::show_inner_workings(model, full_test, index, options.out, run);

    fmt::print("test accuracy: {:.4f}\n", test_accuracy);
    return 0;
  });
}
