// Lesson 5: a small CNN on MNIST, from the raw IDX files (notebook 004_5f595c3e158a01cf).
//
// The notebook reads MNIST byte by byte, then trains conv 3x3 (8 filters) -> max pool 2 -> dense softmax
// with one sample per step, each layer carrying its own hand-written backprop. Here the same network is
// three nn layers and one call to backward(); the steps below follow the notebook's cells.
//
// Bugs of the notebook, fixed here:
//   - Its MaxPool2.backprop loops over the pixels of a window *after* the loop over windows has ended
//     (an indentation slip), so only the last window, (12, 12), passes a gradient back: the filters
//     learn almost nothing. max_pool2d's backward routes every window's gradient to its maximum.
//   - Its training loop resets num_correct on every step instead of every 100 steps, so its log shows
//     "Accuracy: 0%" or "1%" all along. Both counters are reset together below.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/accuracy.h"
#include "tutorials/common/curves.h"
#include "tutorials/common/data.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/hand_backward_004.h"
#include "tutorials/common/layer_pictures.h"
#include "tutorials/common/options.h"
#include "tutorials/common/progress.h"
#include "tutorials/common/resume.h"
#include "tutorials/common/tied_max_pool.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using sg::tutorial::count_correct;

int main(int argc, char** argv) {
  return sg::tutorial::run_main([&] {
    sg::tutorial::Options options{.epochs = 3, .lr = 0.005, .batch_size = 1, .train_size = 1000, .test_size = 1000};
    int64_t log_every = 100;
    std::string pool_ties = "all";
    po::options_description own("mnist_cnn options");
    own.add_options()("log-every", po::value(&log_every)->default_value(log_every),
                      "print the notebook's \"[Step n] Past n steps\" line every this many steps")(
        "pool-ties", po::value(&pool_ties)->default_value(pool_ties),
        "which tied maxima of a pooling window take its gradient: all (the notebook's rule) or first "
        "(max_pool2d's, as PyTorch)");
    sg::tutorial::parse(argc, argv, "mnist_cnn", "conv 3x3 -> max pool -> softmax on raw MNIST (notebook 004)",
                        options, own);
    if (log_every < 1) sg::tutorial::usage_error("--log-every must be >= 1");
    if (pool_ties != "all" && pool_ties != "first") sg::tutorial::usage_error("--pool-ties must be all or first");
    const bool all_ties = pool_ties == "all";
    sg::tutorial::note_batch_lr(options, 0.005);

    // 1. Read the raw IDX files. The notebook skipped the 16-byte header unread and trusted its n; our
    //    reader checks the magic number and the sizes the header declares before reading a pixel.
    //    The notebook opens "train-images.idx3-ubyte" in its working folder; we look in the data folder's
    //    mnist/ (plain or gzip), as sg::datasets::MNIST would, and take the embedded subset of the first
    //    2,000 images only when the default folder lacks them.
    const fs::path data_dir = sg::tutorial::data_dir(options, sg::tutorial::Collection::Mnist);
    const sg::datasets::SplitFiles files = sg::datasets::mnist_files(data_dir, sg::datasets::Split::Train);
    const fs::path images_path = files.images, labels_path = files.labels;
    const sg::datasets::IdxImages raw = sg::datasets::read_idx_images(images_path);
    const std::vector<uint8_t> raw_labels = sg::datasets::read_idx_labels(labels_path);
    fmt::print("1. read {}: {} images of {} x {}\n   read {}: {} labels\n", images_path.string(), raw.count, raw.rows,
               raw.cols, labels_path.string(), raw_labels.size());
    // Pixels 0..255 become x / 255 - 0.5, as the notebook's forward() does to each image.
    const sg::Tensor x = sg::datasets::images_to_tensor(raw.pixels, raw.count, raw.rows, raw.cols,
                                                        sg::datasets::Scale::Centered);
    const sg::Tensor y = sg::tensor(std::vector<int64_t>(raw_labels.begin(), raw_labels.end()), {raw.count});
    fmt::print("   x {}, y {}, pixels in [{:.1f}, {:.1f}]\n", x.shape(), y.shape(), x.min().item(), x.max().item());

    // 2. Split as the notebook: train on x[:1000], test on x[1000:2000] (--train-size, --test-size).
    const int64_t train_size = std::min(options.train_size, raw.count - 1);
    const int64_t test_size = std::min(options.test_size, raw.count - train_size);
    if (train_size != options.train_size || test_size != options.test_size)
      fmt::print("   (only {} images in this file: training on {}, testing on {})\n", raw.count, train_size, test_size);
    sg::datasets::Dataset all(x, y, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, images_path.string());
    const sg::datasets::Dataset train = all.subset(0, train_size);
    const sg::datasets::Dataset test = all.subset(train_size, train_size + test_size);
    fmt::print("2. train = x[0:{}], test = x[{}:{}]\n", train_size, train_size, train_size + test_size);

    // 3. The notebook turns each label into a one-hot row and back into a digit with two loops; one_hot
    //    and argmax do it here. It printed train_label[101], test_label[100]: (7, 6) on the full data.
    const sg::Tensor one_hot = sg::one_hot(train.labels(), 10);
    const sg::Tensor back = sg::argmax(one_hot, 1);
    fmt::print("3. one-hot labels {}; row 101 = {}\n   train_label[101], test_label[100] = ({}, {})\n",
               one_hot.shape(), one_hot.narrow(0, std::min<int64_t>(101, train_size - 1), 1),
               int64_t(back.at({std::min<int64_t>(101, train_size - 1)})),
               int64_t(test.labels().at({std::min<int64_t>(100, test_size - 1)})));

    // 4. The network. The notebook's three classes (Conv3x3, MaxPool2, Softmax) each wrote a forward and
    //    a backprop; these layers have only a forward, and autograd derives the rest. Initialisation as
    //    the notebook: filters randn / 9, dense weights randn / input_len, biases zero, no conv bias.
    //    The softmax itself sits inside cross_entropy, which takes the logits (stable for any logits).
    //    The pool keeps the notebook's backward rule by default: every tied maximum of a window takes its
    //    gradient (tutorials/common/tied_max_pool.h says why that trains further than max_pool2d's).
    std::shared_ptr<sg::nn::Module> pool = std::make_shared<sg::nn::MaxPool2d>(2);
    if (all_ties) pool = std::make_shared<sg::tutorial::TiedMaxPool2d>(sg::Pool2dParams{.kernel_size = 2});
    sg::nn::Sequential model(sg::nn::Conv2d(1, 8, 3, {.bias = false}),  // 28x28x1 -> 26x26x8
                             pool,                                      // 26x26x8 -> 13x13x8
                             sg::nn::Flatten(),                         // -> 1352
                             sg::nn::Linear(13 * 13 * 8, 10));          // 1352 -> 10
    {
      auto& conv = model.at<sg::nn::Conv2d>(0);
      auto& dense = model.at<sg::nn::Linear>(3);
      sg::nn::init::normal_(conv.weight, 0.0, 1.0 / 9);
      sg::nn::init::normal_(dense.weight, 0.0, 1.0 / double(dense.in_features));
      sg::nn::init::zeros_(dense.bias);
    }
    if (!options.load.empty()) {
      sg::nn::load(model, options.load);
      fmt::print("   weights loaded from {}\n", options.load);
    }
    fmt::print("4. MNIST CNN initialized!\n{}", model.summary());
    {
      sg::NoGradGuard no_grad;
      sg::Tensor h = train.images().narrow(0, 0, 1);
      fmt::print("   shapes: input {}", h.shape());
      for (size_t i = 0; i < model.size(); ++i) {
        h = model[i].forward(h);
        fmt::print(" -> {} {}", model[i].name(), h.shape());
      }
      fmt::print("\n");
    }

    // 5. The notebook's three backprops on training image 0, in float64, three ways: as it wrote them, the
    //    same code corrected, and autograd (tutorials/common/hand_backward_004.cpp). MaxPool2.backprop is
    //    the one with a bug: its loop over a window's pixels is indented one level too little, so it runs
    //    after the loop over the windows has ended, on the last window alone.
    {
      const auto [image, label] = train.get(0);
      fmt::print("5. backprop of training image 0 (label {}), float64\n", label);
      sg::tutorial::print_backward_table(sg::tutorial::check_backward_004(
          {.filters = model.at<sg::nn::Conv2d>(0).weight, .weight = model.at<sg::nn::Linear>(3).weight,
           .bias = model.at<sg::nn::Linear>(3).bias},
          image.unsqueeze(0), label, all_ties));
    }

    // 6. Train: per-sample SGD, lr 0.005, the order shuffled each epoch. One step is forward, loss,
    //    backward, update: the notebook's train() with its three backprop calls replaced by backward().
    sg::optim::SGD optimizer(model.parameters(), {.lr = options.lr});
    sg::datasets::DataLoader loader(train, {.batch_size = options.batch_size, .shuffle = true, .seed = options.seed});
    sg::tutorial::History history({"train_loss", "train_accuracy", "test_accuracy"});
    auto evaluate = [&] {
      sg::NoGradGuard no_grad;
      const sg::Tensor logits = model.forward(test.images());
      return std::pair{sg::nn::cross_entropy(logits, test.labels()).item(),
                       double(count_correct(logits, test.labels())) / double(test.size())};
    };
    fmt::print("6. training {} epochs on {} images, lr {}, batch {}, {}\n", options.epochs, train_size,
               options.lr, options.batch_size, sg::tutorial::thread_count());
    sg::tutorial::Resumable resumable(options, "mnist_cnn", model, optimizer, history);
    const int done = resumable.resume();
    loader.set_epoch(done);
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = done + 1; epoch <= options.epochs; ++epoch) {
      fmt::print("--- Epoch {} ---\n", epoch);
      sg::tutorial::ProgressBar bar(epoch, options.epochs, loader.size());
      double window_loss = 0;
      int64_t window_correct = 0, window_samples = 0, step = 0;
      for (const sg::datasets::Batch& batch : loader) {
        const sg::Tensor &images = batch.images, &labels = batch.labels;
        ++step;
        optimizer.zero_grad();
        const sg::Tensor logits = model.forward(images);
        const sg::Tensor loss = sg::nn::cross_entropy(logits, labels);
        sg::tutorial::check_loss(loss, epoch, step, [&] { return sg::nn::cross_entropy(model.forward(images), labels); });
        loss.backward();
        optimizer.step();
        const int64_t n = labels.numel(), correct = count_correct(logits, labels);
        bar.step(n, loss.item(), correct);
        window_loss += loss.item() * double(n);
        window_correct += correct;
        window_samples += n;
        // The last step of an epoch is logged too, over the steps since the last line.
        if (step % log_every == 0 || step == int64_t(loader.size())) {
          // Accuracy over the window as a percentage (the notebook printed the count of 100, the same).
          // Its counter, reset every step, held only the last step's count: that is what it printed.
          bar.note(fmt::format("[Step {}] Past {} steps: Average Loss {:.3f} | Accuracy: {:.0f}% (the notebook's "
                               "counter: {}%)",
                               step, (step - 1) % log_every + 1, window_loss / double(window_samples),
                               100.0 * double(window_correct) / double(window_samples), correct));
          window_loss = 0;
          window_correct = window_samples = 0;  // the fix: the accuracy counter resets with the loss
        }
      }
      bar.finish();
      const auto [test_loss, test_accuracy] = evaluate();
      history.add({bar.mean_loss(), bar.accuracy(), test_accuracy});
      resumable.epoch_done(epoch);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("   trained in {:.1f} s ({})\n", seconds, sg::tutorial::thread_count());
    // The model first: a picture that cannot be written must not cost the training.
    if (!options.save.empty()) {
      sg::nn::save(model, options.save, {{"epochs", std::to_string(options.epochs)}});
      fmt::print("   checkpoint written to {}\n", options.save);
    }
    if (options.epochs > 0) fmt::print("   curves written to {}\n", history.save(options.out, "mnist_cnn_curves", fmt::format("mnist_cnn, batch {}, seed {}", options.batch_size, options.seed)));

    // 7. Test on the next images, as the notebook's last cell.
    const auto [test_loss, test_accuracy] = evaluate();
    fmt::print("\n--- Testing the CNN ---\nTest Loss: {:.4f}\nTest Accuracy: {:.4f}\n", test_loss, test_accuracy);

    // 8. What the trained filters make of an image: test image 0 through the conv and the pool, pictured
    //    as notebook 002 did its own (this notebook drew nothing).
    fmt::print("8. inner workings\n");
    sg::tutorial::show_inner_workings(model, test, 0, options.out, fmt::format("mnist_cnn, seed {}, after {} epoch{}", options.seed,
                                                                                options.epochs, options.epochs == 1 ? "" : "s"));
    fmt::print("test accuracy: {:.4f}\n", test_accuracy);
    return 0;
  });
}
