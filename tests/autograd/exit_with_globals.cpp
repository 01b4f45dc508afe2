// Tensors that outlive main(): a program may keep them in a global, in a function's static, or make them
// on a worker thread. They are destroyed after this thread's thread_local objects (the allocator's
// caches among them), and exit must still be clean. Run as `exit_with_globals MODE`; CTest checks exit 0
// (and the sanitizer builds check the heap). Each mode also checks its values before returning, so a
// run that exits cleanly but computed nonsense still fails.
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

#include "scratchgrad/scratchgrad.h"

namespace {

std::vector<sg::Tensor> kept;  // destroyed after main's thread_local caches

// Tensors of every size class the allocator treats differently: inline in the record (a scalar), a small
// buffer, a large buffer, plus a graph with saved tensors and nodes, and accumulated gradients.
bool fill_kept() {
  sg::Tensor w = sg::randn({256, 256}).requires_grad_();
  sg::Tensor x = sg::randn({64, 256});
  sg::Tensor loss = sg::relu(sg::matmul(x, w)).sum();
  loss.backward(/*retain_graph=*/true);
  kept.insert(kept.end(), {sg::scalar_tensor(1.5), sg::arange(100.0), sg::zeros({1 << 20}), w, loss, w.grad()});
  return w.grad().shape() == sg::Shape{256, 256} && kept[1].sum().item() == 4950.0;
}

sg::nn::Sequential& static_model() {
  static sg::nn::Sequential model(sg::nn::Linear(8, 16), sg::nn::ReLU(), sg::nn::Linear(16, 4));
  return model;
}

bool train_static_model() {
  sg::optim::SGD optimizer(static_model().parameters(), {.lr = 0.1});
  const sg::Tensor x = sg::randn({32, 8});
  std::vector<int64_t> labels(32);
  for (int64_t i = 0; i < 32; ++i) labels[size_t(i)] = i % 4;
  const sg::Tensor target = sg::tensor(labels, {32});
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    optimizer.zero_grad();
    sg::Tensor loss = sg::nn::cross_entropy(static_model().forward(x), target);
    loss.backward();
    optimizer.step();
    (step == 0 ? first : last) = loss.item();
  }
  return last < first;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  sg::manual_seed(0);
  bool ok = false;
  if (mode == "global") {
    ok = fill_kept();
  } else if (mode == "static_model") {
    ok = train_static_model();
  } else if (mode == "worker_thread") {
    // Made and freed on a thread that has ended by the time main returns; freed again at exit by main.
    std::thread([&ok] { ok = fill_kept(); }).join();
  } else if (mode == "worker_threads_of_the_pool") {
    // A product big enough to run on every thread of the pool, so the pool's threads free into their
    // caches too, and its result kept past main.
    sg::set_num_threads(2);
    ok = fill_kept() && train_static_model();
  } else {
    std::fprintf(stderr, "usage: exit_with_globals global|static_model|worker_thread|worker_threads_of_the_pool\n");
    return 2;
  }
  if (!ok) {
    std::fprintf(stderr, "exit_with_globals %s: wrong values\n", argv[1]);
    return 1;
  }
  return 0;
}
