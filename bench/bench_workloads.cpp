// The workloads scratchgrad is measured on, side by side with bench/torch_ref.py (PyTorch):
//   W1  notebook 004's CNN, one sample per step (per-op overhead decides)
//   W2  notebook 001's MLP, batch 200, one epoch of Fashion-MNIST
//   W3  a LeNet-like CNN, batch 64, SGD with momentum, one epoch of MNIST, then test accuracy
//   W4  forward + backward of one op on tiny tensors: the framework's own overhead, in ns per op
//   W5  sgemm at square sizes and at the products W2 and W3 run, transposes included
//   W6  a CIFAR-shaped CNN with batch norm, batch 128, generated data, and the share of its step spent in GEMM
//   W7  tutorials/char_model's MLP over 3 characters, batch 32, Adam, generated data (small ops: overhead decides)
//   W8  a two-layer causal transformer encoder (d_model 128, 4 heads, sequence 64), batch 32, Adam, generated tokens
//   hvp a Hessian-vector product against one backward, on W2's MLP (create_graph's cost)
//   W9  W8's ops alone at its shapes (layer_norm, gelu, attention's products and softmax, embedding), forward + backward
//   peak  the machine's float32 FMA peak (GFLOP/s) at the thread count, to read W5's and W6's GFLOP/s by
//   cores  what a second thread adds on this machine right now, to read the 2-thread figures by
// Usage: bench_workloads --workload W1..W9|hvp|peak|cores --threads N [--repeats 5] [--data-dir DIR]
// Prints one JSON object per line (the same fields as torch_ref.py). A program, never a test.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <tuple>
#include <vector>

#include <boost/program_options.hpp>
#include <scratchgrad/scratchgrad.h>

#include "autograd/kernels/gemm.h"
#include "autograd/parallel.h"
#include "tests/models/transformer_encoder.h"

namespace nn = sg::nn;
namespace po = boost::program_options;

namespace {

// Benchmarks run on the full data only (datasets/fetch), never silently on the embedded subset.
constexpr auto kFull = sg::datasets::Source::Full;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median wall time of `repeats` calls of fn.
double median_seconds(int repeats, const std::function<void()>& fn) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(seconds_since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

std::string common(const std::string& workload, int threads) {
  return fmt::format(R"("framework": "scratchgrad", "workload": "{}", "threads": {})", workload, threads);
}

// W1: conv 3x3 x8 (no bias) -> max pool 2 -> dense 1352 -> 10, cross-entropy, SGD lr 0.005, batch 1.
void w1(const std::string& data_dir, int repeats, int threads) {
  auto train = sg::datasets::MNIST(data_dir, sg::datasets::Split::Train, {.scale = sg::datasets::Scale::Centered, .source = kFull}).subset(0, 1000);
  sg::manual_seed(0);
  nn::Sequential model(nn::Conv2d(1, 8, 3, {.bias = false}), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(13 * 13 * 8, 10));
  sg::optim::SGD opt(model.parameters(), {.lr = 0.005});
  const sg::Tensor images = train.images(), labels = train.labels();
  const double seconds = median_seconds(repeats, [&] {
    for (int64_t i = 0; i < train.size(); ++i) {
      opt.zero_grad();
      nn::cross_entropy(model.forward(images.narrow(0, i, 1)), labels.narrow(0, i, 1)).backward();
      opt.step();
    }
  });
  fmt::print("{{{}, \"samples_per_second\": {:.1f}, \"seconds\": {:.4f}, \"peak_rss_mb\": {:.1f}}}\n", common("W1", threads),
             double(train.size()) / seconds, seconds, peak_rss_mb());
}

// W2: 784-64-32-10, sigmoid, batch 200, SGD lr 0.25, one epoch of Fashion-MNIST.
void w2(const std::string& data_dir, int repeats, int threads) {
  auto train = sg::datasets::FashionMNIST(data_dir, sg::datasets::Split::Train, {.source = kFull});
  const sg::Tensor x = train.images().reshape({train.size(), 784}), labels = train.labels();
  sg::manual_seed(0);
  nn::Sequential model(nn::Linear(784, 64), nn::Sigmoid(), nn::Linear(64, 32), nn::Sigmoid(), nn::Linear(32, 10));
  sg::optim::SGD opt(model.parameters(), {.lr = 0.25});
  const double seconds = median_seconds(repeats, [&] {
    for (int64_t start = 0; start < train.size(); start += 200) {
      const int64_t n = std::min<int64_t>(200, train.size() - start);
      opt.zero_grad();
      nn::cross_entropy(model.forward(x.narrow(0, start, n)), labels.narrow(0, start, n)).backward();
      opt.step();
    }
  });
  fmt::print("{{{}, \"seconds_per_epoch\": {:.4f}, \"samples_per_second\": {:.1f}, \"seconds\": {:.4f}, \"peak_rss_mb\": {:.1f}}}\n",
             common("W2", threads), seconds, double(train.size()) / seconds, seconds, peak_rss_mb());
}

// W3: conv 1->8 3x3, relu, pool 2, conv 8->16 3x3, relu, pool 2, linear 400 -> 10; batch 64, SGD
// momentum 0.9 lr 0.01; one epoch of MNIST from a fresh model each repeat; test accuracy of the last.
void w3(const std::string& data_dir, int repeats, int threads) {
  auto train = sg::datasets::MNIST(data_dir, sg::datasets::Split::Train, {.source = kFull});
  auto test = sg::datasets::MNIST(data_dir, sg::datasets::Split::Test, {.source = kFull});
  std::shared_ptr<nn::Sequential> model;
  const double seconds = median_seconds(repeats, [&] {
    sg::manual_seed(0);
    model = std::make_shared<nn::Sequential>(nn::Conv2d(1, 8, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(8, 16, 3),
                                             nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(400, 10));
    sg::optim::SGD opt(model->parameters(), {.lr = 0.01, .momentum = 0.9});
    for (int64_t start = 0; start < train.size(); start += 64) {
      const int64_t n = std::min<int64_t>(64, train.size() - start);
      opt.zero_grad();
      nn::cross_entropy(model->forward(train.images().narrow(0, start, n)), train.labels().narrow(0, start, n)).backward();
      opt.step();
    }
  });
  sg::NoGradGuard no_grad;
  model->eval();
  const double accuracy = sg::eq(sg::argmax(model->forward(test.images()), 1), test.labels()).sum().item() / double(test.size());
  fmt::print("{{{}, \"samples_per_second\": {:.1f}, \"test_accuracy\": {:.4f}, \"seconds\": {:.4f}, \"peak_rss_mb\": {:.1f}}}\n",
             common("W3", threads), double(train.size()) / seconds, accuracy, seconds, peak_rss_mb());
}

// W4: forward + backward of one op on 1-element and 8x8 tensors, ns per op, two ways: "op" is
// y = op(a, b); y.backward(dy) with dy made once (the op alone), "op+sum" is op(a, b).sum().backward()
// (a loss in miniature: a second op, and the engine seeds the gradient itself).
void w4(int repeats, int threads) {
  for (int64_t n : {1, 8}) {
    sg::Tensor a = sg::randn({n, n}).requires_grad_(), b = sg::randn({n, n}).requires_grad_();
    const sg::Tensor dy = sg::ones({n, n});
    const std::vector<std::pair<const char*, std::function<sg::Tensor()>>> ops{
        {"add", [&] { return a + b; }}, {"mul", [&] { return a * b; }},
        {"matmul", [&] { return sg::matmul(a, b); }}, {"relu", [&] { return sg::relu(a); }}};
    for (const auto& [name, op] : ops)
      for (const bool with_sum : {false, true}) {
        constexpr int kIterations = 20000;
        const double seconds = median_seconds(repeats, [&] {
          for (int i = 0; i < kIterations; ++i) {
            if (with_sum) op().sum().backward();
            else op().backward(dy);
          }
        });
        fmt::print("{{{}, \"op\": \"{}\", \"size\": \"{}x{}\", \"variant\": \"{}\", \"ns_per_op\": {:.1f}}}\n",
                   common("W4", threads), name, n, n, with_sum ? "op+sum" : "op", seconds / kIterations * 1e9);
      }
  }
}

// W5: C (M, N) = op(A) op(B) in float32, op(X) = X or X^T as the workloads call it: square sizes, then
// the products W2 and W3 really run (linear's forward multiplies by W^T, its weight gradient by dy^T;
// conv2d runs one product per image: w (O, CK) by im2col (CK, L), and the transposes in backward).
void w5(int repeats, int threads) {
  struct Product {
    int64_t M, K, N;
    bool trans_a, trans_b;
  };
  const std::vector<Product> products{
      {64, 64, 64, false, false}, {256, 256, 256, false, false}, {512, 512, 512, false, false},
      {1024, 1024, 1024, false, false},
      {200, 784, 64, false, true},   // W2 layer 1 forward: x W^T
      {64, 200, 784, true, false},   // W2 layer 1 weight gradient: dy^T x
      {200, 64, 32, false, true},    // W2 layer 2 forward
      {200, 32, 64, false, false},   // W2 layer 2 input gradient: dy W
      {8, 9, 676, false, false},     // W3 conv1 forward, per image
      {8, 676, 9, false, true},      // W3 conv1 weight gradient, per image: dy col^T
      {16, 72, 121, false, false},   // W3 conv2 forward, per image
      {72, 16, 121, true, false},    // W3 conv2 input gradient, per image: w^T dy
      {72, 121, 16, false, true},    // W3 conv2 weight gradient (transposed), per image: col dy^T
      {64, 400, 10, false, true}};   // W3 linear forward
  for (const auto& [M, K, N, trans_a, trans_b] : products) {
    // Stored as the product reads them: A is (K, M) when transposed, B is (N, K).
    const sg::Tensor a = trans_a ? sg::randn({K, M}) : sg::randn({M, K}), b = trans_b ? sg::randn({N, K}) : sg::randn({K, N});
    sg::Tensor c = sg::empty({M, N});
    const int64_t iterations = std::max<int64_t>(1, int64_t(2e8 / (2.0 * double(M * N * K))));
    const double seconds = median_seconds(repeats, [&] {
      for (int64_t i = 0; i < iterations; ++i)
        sg::kernels::gemm<float>(trans_a, trans_b, M, N, K, 1.0f, a.data<float>(), trans_a ? M : K, b.data<float>(),
                                 trans_b ? K : N, 0.0f, c.data<float>(), N);
    });
    fmt::print("{{{}, \"shape\": [{}, {}, {}], \"trans\": \"{}{}\", \"gflops\": {:.2f}}}\n", common("W5", threads), M, K, N,
               trans_a ? "T" : "N", trans_b ? "T" : "N", 2.0 * double(M * N * K) * double(iterations) / seconds / 1e9);
  }
}

// W6: 3x32x32 images, conv 3->32 3x3 pad 1, batch norm, relu, pool 2, conv 32->64 3x3 pad 1, batch norm,
// relu, pool 2, linear 4096 -> 128, relu, linear 128 -> 10; batch 128, SGD momentum 0.9 lr 0.01, on
// generated data (the shapes decide the speed, not the pictures). Besides samples/s it reports the GEMM
// share: the products one step runs (conv2d's per-image products, linear's three), timed alone with the
// same kernel, over the step's time.
void w6(int repeats, int threads) {
  constexpr int64_t kBatch = 128, kSteps = 8;
  sg::manual_seed(0);
  const sg::Tensor images = sg::randn({kSteps * kBatch, 3, 32, 32});
  std::vector<int64_t> label_values(kSteps * kBatch);
  for (size_t i = 0; i < label_values.size(); ++i) label_values[i] = int64_t(i * 7 % 10);
  const sg::Tensor labels = sg::tensor(label_values, {kSteps * kBatch});
  nn::Sequential model(nn::Conv2d(3, 32, 3, {.padding = 1}), nn::BatchNorm2d(32), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Conv2d(32, 64, 3, {.padding = 1}), nn::BatchNorm2d(64), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Flatten(), nn::Linear(64 * 8 * 8, 128), nn::ReLU(), nn::Linear(128, 10));
  sg::optim::SGD opt(model.parameters(), {.lr = 0.01, .momentum = 0.9});
  const double seconds = median_seconds(repeats, [&] {
    for (int64_t step = 0; step < kSteps; ++step) {
      opt.zero_grad();
      nn::cross_entropy(model.forward(images.narrow(0, step * kBatch, kBatch)), labels.narrow(0, step * kBatch, kBatch))
          .backward();
      opt.step();
    }
  });
  const double step_seconds = seconds / kSteps;
  // (M, K, N, trans_a, trans_b, times per step): per image for the convolutions (the first has no input
  // gradient: its input is data), once per step for the dense layers.
  struct Product {
    int64_t M, K, N;
    bool trans_a, trans_b;
    int64_t times;
  };
  const std::vector<Product> products{
      {32, 27, 1024, false, false, kBatch},   // conv1 forward: w (O, CK) col (CK, L)
      {27, 1024, 32, false, true, kBatch},    // conv1 weight gradient: col dy^T
      {64, 288, 256, false, false, kBatch},   // conv2 forward
      {288, 64, 256, true, false, kBatch},    // conv2 input gradient: w^T dy
      {288, 256, 64, false, true, kBatch},    // conv2 weight gradient
      {kBatch, 4096, 128, false, true, 1},    // fc1 forward: x W^T
      {kBatch, 128, 4096, false, false, 1},   // fc1 input gradient: dy W
      {128, kBatch, 4096, true, false, 1}};   // fc1 weight gradient: dy^T x
  // Operands made once, outside the timing: a and b as the products read them, c one output per call.
  std::vector<std::array<sg::Tensor, 3>> operands;
  double flops = 0;
  for (const auto& [M, K, N, trans_a, trans_b, times] : products) {
    operands.push_back({sg::randn({M * K}), sg::randn({K * N}), sg::zeros({times, M, N})});
    flops += 2.0 * double(M * N * K) * double(times);
  }
  const double gemm_seconds = median_seconds(repeats, [&] {
    for (size_t p = 0; p < products.size(); ++p) {
      const auto& [M, K, N, trans_a, trans_b, times] = products[p];
      const float *a = operands[p][0].data<float>(), *b = operands[p][1].data<float>();
      float* c = operands[p][2].data<float>();
      // The per-image products run split over the images, as conv2d runs them; a dense layer's one
      // product splits itself.
      sg::parallel_for(times, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
          sg::kernels::gemm<float>(trans_a, trans_b, M, N, K, 1.0f, a, trans_a ? M : K, b, trans_b ? K : N, 0.0f,
                                   c + i * M * N, N);
      });
    }
  });
  fmt::print("{{{}, \"samples_per_second\": {:.1f}, \"seconds\": {:.4f}, \"gemm_share\": {:.3f}, \"gemm_gflops\": {:.2f}, "
             "\"step_gflops\": {:.2f}, \"peak_rss_mb\": {:.1f}}}\n",
             common("W6", threads), double(kSteps * kBatch) / seconds, seconds, gemm_seconds / step_seconds,
             flops / gemm_seconds / 1e9, flops / step_seconds / 1e9, peak_rss_mb());
}

// W7: tutorials/char_model's training step: 3 symbols each looked up in an Embedding(27, 10), side by side
// (30), Linear(30, 200), tanh, Linear(200, 27), cross-entropy; batch 32, Adam lr 0.002, on generated data:
// symbol (7 i + 11 k) mod 27 at position k of example i, target 5 i mod 27 (only the shapes matter).
void w7(int repeats, int threads) {
  constexpr int64_t kBatch = 32, kSteps = 500;
  std::vector<int64_t> context_values(kSteps * kBatch * 3), target_values(kSteps * kBatch);
  for (int64_t i = 0; i < kSteps * kBatch; ++i) {
    for (int64_t k = 0; k < 3; ++k) context_values[size_t(i * 3 + k)] = (7 * i + 11 * k) % 27;
    target_values[size_t(i)] = 5 * i % 27;
  }
  const sg::Tensor contexts = sg::tensor(context_values, {kSteps * kBatch, 3});
  const sg::Tensor targets = sg::tensor(target_values, {kSteps * kBatch});
  sg::manual_seed(0);
  nn::Sequential model(nn::Embedding(27, 10), nn::Flatten(), nn::Linear(30, 200), nn::Tanh(), nn::Linear(200, 27));
  sg::optim::Adam opt(model.parameters(), {.lr = 0.002});
  const double seconds = median_seconds(repeats, [&] {
    for (int64_t step = 0; step < kSteps; ++step) {
      opt.zero_grad();
      nn::cross_entropy(model.forward(contexts.narrow(0, step * kBatch, kBatch)), targets.narrow(0, step * kBatch, kBatch))
          .backward();
      opt.step();
    }
  });
  fmt::print("{{{}, \"samples_per_second\": {:.1f}, \"us_per_step\": {:.2f}, \"seconds\": {:.4f}, \"peak_rss_mb\": {:.1f}}}\n",
             common("W7", threads), double(kSteps * kBatch) / seconds, seconds / kSteps * 1e6, seconds, peak_rss_mb());
}

// W8: the transformer of tests/models/transformer_encoder.h (embeddings, pre-norm blocks of causal
// self-attention and a GELU MLP) with d_model 128, 4 heads, 2 layers, a vocabulary of 64, sequences of 64
// tokens, batch 32, Adam lr 1e-3, predicting each next token. Generated tokens: token t of sequence i is
// (7 i + 11 t + (i t mod 5)) mod 64, the first 64 read and the last 64 predicted (only the shapes matter).
void w8(int repeats, int threads) {
  constexpr int64_t kBatch = 32, kSteps = 4, kLength = 64, kVocab = 64;
  std::vector<int64_t> token_values(kSteps * kBatch * (kLength + 1));
  for (int64_t i = 0; i < kSteps * kBatch; ++i)
    for (int64_t t = 0; t <= kLength; ++t)
      token_values[size_t(i * (kLength + 1) + t)] = (7 * i + 11 * t + i * t % 5) % kVocab;
  const sg::Tensor tokens = sg::tensor(token_values, {kSteps * kBatch, kLength + 1});
  sg::manual_seed(0);
  sg::models::TransformerEncoder model(kVocab, kLength, /*d_model=*/128, /*heads=*/4, /*layers=*/2);
  sg::optim::Adam opt(model.parameters(), {.lr = 1e-3});
  const double seconds = median_seconds(repeats, [&] {
    for (int64_t step = 0; step < kSteps; ++step) {
      const sg::Tensor batch = tokens.narrow(0, step * kBatch, kBatch);
      opt.zero_grad();
      const sg::Tensor logits = model.forward(batch.narrow(1, 0, kLength));
      const sg::Tensor targets = batch.narrow(1, 1, kLength).reshape({kBatch * kLength});
      nn::cross_entropy(logits.reshape({kBatch * kLength, kVocab}), targets).backward();
      opt.step();
    }
  });
  fmt::print("{{{}, \"samples_per_second\": {:.1f}, \"us_per_step\": {:.2f}, \"seconds\": {:.4f}, "
             "\"peak_rss_mb\": {:.1f}}}\n",
             common("W8", threads), double(kSteps * kBatch) / seconds, seconds / kSteps * 1e6, seconds, peak_rss_mb());
}

// peak: each thread runs independent chains of fused multiply-adds on vectors of floats, as wide as the
// compiler's vector unit for this machine (-march=native); 2 flops per lane per FMA. What no kernel beats.
void peak(int repeats, int threads) {
  using Vec = float __attribute__((vector_size(64)));  // 16 floats: one AVX-512 register, two AVX2 ones
  constexpr int kChains = 12;                           // enough in flight to cover the FMA latency
  constexpr int64_t kIterations = 20'000'000;
  std::vector<float> sink(static_cast<size_t>(threads));
  const double seconds = median_seconds(repeats, [&] {
    sg::parallel_for(threads, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        Vec acc[kChains];
        const Vec x = Vec{} + 0.999999f, y = Vec{} + 1e-7f;
        for (int c = 0; c < kChains; ++c) acc[c] = Vec{} + float(c);
        for (int64_t i = 0; i < kIterations; ++i)
          for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * x + y;
        float total = 0;
        for (int c = 0; c < kChains; ++c)
          for (int lane = 0; lane < 16; ++lane) total += acc[c][lane];
        sink[size_t(t)] = total;  // keeps the loop from being optimised away
      }
    });
  });
  const double flops = 2.0 * 16 * kChains * double(kIterations) * threads;
  fmt::print("{{{}, \"gflops\": {:.2f}, \"check\": {:.3g}}}\n", common("peak", threads), flops / seconds / 1e9, sink[0]);
}

// cores: a virtual machine's second core may be a whole core, a share of one, or busy elsewhere, and
// that changes from one minute to the next; W2's and W3's 2-thread figures can only be read next to it.
// Two measures. Compute: each thread multiplies its own 128 x 128 matrices (in cache, nothing shared)
// 2,000 times, on 1 thread and then on 2 at once; two free cores do the double work in the same time, a
// speed-up of 2.0. Hand-off: the two threads pass a counter back and forth through one cache line, as
// a kernel's threads do at every fork and join; tens of ns between two cores of one chip.
void cores(int repeats) {
  constexpr int64_t n = 128;
  constexpr int kProducts = 2000;
  std::vector<sg::Tensor> a, b, c;
  for (int t = 0; t < 2; ++t) a.push_back(sg::randn({n, n})), b.push_back(sg::randn({n, n})), c.push_back(sg::empty({n, n}));
  const auto seconds_on = [&](int threads) {
    sg::set_num_threads(threads);
    return median_seconds(repeats, [&] {
      sg::parallel_for(threads, 1, [&](int64_t t0, int64_t t1) {  // one matrix set per thread
        for (int64_t t = t0; t < t1; ++t)
          for (int i = 0; i < kProducts; ++i)  // inside a parallel loop the GEMM keeps to its thread
            sg::kernels::gemm<float>(false, false, n, n, n, 1.0f, a[t].data<float>(), n, b[t].data<float>(), n, 0.0f,
                                     c[t].data<float>(), n);
      });
    });
  };
  const double one = seconds_on(1), two = seconds_on(2);
  // Thread t waits for the counter to reach a value of its parity, then adds one: each step is one
  // hand-off of the line from one core to the other.
  constexpr int64_t kHandoffs = 100000;
  alignas(64) std::atomic<int64_t> counter{0};
  const double handoff = median_seconds(repeats, [&] {
    counter = 0;
    sg::parallel_for(2, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t)
        for (int64_t next = t; next < kHandoffs; next += 2) {
          while (counter.load(std::memory_order_acquire) != next) {
          }
          counter.store(next + 1, std::memory_order_release);
        }
    });
  });
  fmt::print("{{{}, \"two_thread_speedup\": {:.3f}, \"handoff_ns\": {:.1f}, \"seconds_1_thread\": {:.4f}, "
             "\"seconds_2_threads\": {:.4f}}}\n",
             common("cores", 2), 2 * one / two, handoff / kHandoffs * 1e9, one, two);
}

// W9: the ops W8 spends its time in, alone, at W8's shapes, forward + backward (y.sum().backward()):
// layer_norm over d_model 128, gelu on the MLP's 512 features, attention's two batched products and its
// softmax, and embedding (its backward scatter-adds 2,048 rows into a 64 x 128 table).
void w9(int repeats, int threads) {
  sg::manual_seed(0);
  const auto leaf = [](const sg::Shape& shape) { return sg::randn(shape).requires_grad_(); };
  const sg::Tensor x = leaf({32, 64, 128}), ln_weight = leaf({128}), ln_bias = leaf({128}), h = leaf({32, 64, 512});
  const sg::Tensor q = leaf({32, 4, 64, 32}), k_t = leaf({32, 4, 32, 64}), scores = leaf({32, 4, 64, 64}),
                   v = leaf({32, 4, 64, 32}), table = leaf({64, 128});
  std::vector<int64_t> token_values(32 * 64);
  for (size_t i = 0; i < token_values.size(); ++i) token_values[i] = int64_t(i * 7 % 64);
  const sg::Tensor tokens = sg::tensor(token_values, {32, 64});
  const std::vector<std::tuple<const char*, const char*, std::function<sg::Tensor()>>> ops{
      {"layer_norm", "[32, 64, 128]", [&] { return sg::layer_norm(x, {128}, ln_weight, ln_bias); }},
      {"gelu", "[32, 64, 512]", [&] { return sg::gelu(h); }},
      {"matmul q k^T", "[32, 4, 64, 32] x [32, 4, 32, 64]", [&] { return sg::matmul(q, k_t); }},
      {"softmax", "[32, 4, 64, 64]", [&] { return sg::softmax(scores, -1); }},
      {"matmul weights v", "[32, 4, 64, 64] x [32, 4, 64, 32]", [&] { return sg::matmul(scores, v); }},
      {"embedding", "[64, 128] at [32, 64]", [&] { return sg::embedding(table, tokens); }}};
  for (const auto& [name, shape, op] : ops) {
    constexpr int kIterations = 20;
    const double seconds = median_seconds(repeats, [&] {
      for (int i = 0; i < kIterations; ++i) op().sum().backward();
    });
    fmt::print("{{{}, \"op\": \"{}\", \"shape\": \"{}\", \"us_per_call\": {:.1f}}}\n", common("W9", threads), name,
               shape, seconds / kIterations * 1e6);
  }
}

// hvp: what a Hessian-vector product costs against one backward, on W2's MLP (784-64-32-10, sigmoid) with a
// batch of 200 generated images: "backward" is forward + loss.backward(); "hvp" is forward, the gradients
// with create_graph, their dot product with a fixed v, and sg::grad of that (H v for every parameter).
void hvp(int repeats, int threads) {
  sg::manual_seed(0);
  nn::Sequential model(nn::Linear(784, 64), nn::Sigmoid(), nn::Linear(64, 32), nn::Sigmoid(), nn::Linear(32, 10));
  const sg::Tensor x = sg::rand({200, 784});
  std::vector<int64_t> label_values(200);
  for (size_t i = 0; i < label_values.size(); ++i) label_values[i] = int64_t(i * 7 % 10);
  const sg::Tensor labels = sg::tensor(label_values, {200});
  const std::vector<sg::Tensor> params = model.parameters();
  std::vector<sg::Tensor> v;
  for (const sg::Tensor& p : params) v.push_back(sg::full(p.shape(), 0.01));
  constexpr int kIterations = 50;
  const double backward_seconds = median_seconds(repeats, [&] {
    for (int i = 0; i < kIterations; ++i) {
      model.zero_grad();
      nn::cross_entropy(model.forward(x), labels).backward();
    }
  });
  const double hvp_seconds = median_seconds(repeats, [&] {
    for (int i = 0; i < kIterations; ++i) {
      const sg::Tensor loss = nn::cross_entropy(model.forward(x), labels);
      const std::vector<sg::Tensor> g = sg::grad({loss}, params, {.create_graph = true});
      sg::Tensor g_dot_v = sg::sum(g[0] * v[0]);
      for (size_t k = 1; k < g.size(); ++k) g_dot_v = g_dot_v + sg::sum(g[k] * v[k]);
      const std::vector<sg::Tensor> hv = sg::grad({g_dot_v}, params);
    }
  });
  fmt::print("{{{}, \"backward_us\": {:.1f}, \"hvp_us\": {:.1f}, \"hvp_over_backward\": {:.2f}}}\n",
             common("hvp", threads), backward_seconds / kIterations * 1e6, hvp_seconds / kIterations * 1e6,
             hvp_seconds / backward_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  std::string workload, data_dir;
  int threads = 1, repeats = 5;
  po::options_description options("bench_workloads options");
  options.add_options()("help,h", "print this help")
      ("workload", po::value(&workload)->required(), "W1, W2, W3, W4, W5, W6, W7, W8, W9, hvp, peak or cores")
      ("threads", po::value(&threads)->default_value(1), "kernel threads")
      ("repeats", po::value(&repeats)->default_value(5), "runs; the median is reported")
      ("data-dir", po::value(&data_dir), "datasets folder (default: $SG_DATA_DIR or datasets/data)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options;
      return 0;
    }
    po::notify(vm);
    if (threads < 1 || repeats < 1) throw po::error("--threads and --repeats must be >= 1");
  } catch (const po::error& e) {
    std::cerr << "error: " << e.what() << "\n" << options;
    return 2;
  }
  sg::set_num_threads(threads);
  const std::string dir = sg::datasets::resolve_data_dir(data_dir).string();
  try {
    if (workload == "W1") w1(dir, repeats, threads);
    else if (workload == "W2") w2(dir, repeats, threads);
    else if (workload == "W3") w3(dir, repeats, threads);
    else if (workload == "W4") w4(repeats, threads);
    else if (workload == "W5") w5(repeats, threads);
    else if (workload == "W6") w6(repeats, threads);
    else if (workload == "W7") w7(repeats, threads);
    else if (workload == "W8") w8(repeats, threads);
    else if (workload == "W9") w9(repeats, threads);
    else if (workload == "hvp") hvp(repeats, threads);
    else if (workload == "peak") peak(repeats, threads);
    else if (workload == "cores") cores(repeats);
    else {
      std::cerr << "error: unknown workload " << workload << "\n" << options;
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
