// Kernel benchmarks: conv2d forward + backward at the notebooks' shapes, a LeNet-like layer, and square
// sgemm, each with 1 and 2 threads. One JSON object per line:
//   {"name": "...", "threads": 1, "median_s": 1.2e-04, "gflops": 3.4}
// Usage: bench_kernels [substring]   (runs only the benchmarks whose name contains it)
// A program, not a test: timings depend on the machine and its load; see bench/README.md for figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/kernels/conv.h"
#include "autograd/kernels/gemm.h"
#include "bench/conv_direct.h"
#include "scratchgrad/autograd.h"

namespace {

// Median wall time of fn: one warm-up call, then repeats until ~0.3 s have passed (at least 5, at most 200).
double median_seconds(const std::function<void()>& fn) {
  using Clock = std::chrono::steady_clock;
  fn();
  std::vector<double> times;
  const auto start = Clock::now();
  while (times.size() < 5 || (times.size() < 200 && std::chrono::duration<double>(Clock::now() - start).count() < 0.3)) {
    const auto t0 = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::nth_element(times.begin(), times.begin() + long(times.size() / 2), times.end());
  return times[times.size() / 2];
}

void report(const std::string& name, int threads, double seconds, double flops) {
  fmt::print("{{\"name\": \"{}\", \"threads\": {}, \"median_s\": {:.4e}, \"gflops\": {:.2f}}}\n", name, threads,
             seconds, flops / seconds / 1e9);
  std::fflush(stdout);
}

struct ConvShape {
  const char* name;
  int64_t N, C, H, O, K, S, P;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string filter = argc > 1 ? argv[1] : "";
  auto wanted = [&](const std::string& name) { return name.find(filter) != std::string::npos; };
  sg::manual_seed(0);

  const std::vector<ConvShape> shapes = {
      {"nb000_1x28x28_1f6x6", 1, 1, 28, 1, 6, 1, 0},   {"nb000_1x28x28_1f6x6", 64, 1, 28, 1, 6, 1, 0},
      {"nb004_1x28x28_8f3x3", 1, 1, 28, 8, 3, 1, 0},   {"nb004_1x28x28_8f3x3", 64, 1, 28, 8, 3, 1, 0},
      {"nb002_1x28x28_8f2x2_s2p1", 1, 1, 28, 8, 2, 2, 1}, {"nb002_1x28x28_8f2x2_s2p1", 64, 1, 28, 8, 2, 2, 1},
      {"lenet_8x13x13_16f3x3", 1, 8, 13, 16, 3, 1, 0}, {"lenet_8x13x13_16f3x3", 64, 8, 13, 16, 3, 1, 0},
  };
  for (int threads : {1, 2}) {
    sg::set_num_threads(threads);
    for (const ConvShape& s : shapes) {
      const sg::Conv2dParams params{.stride = {s.S, s.S}, .padding = {s.P, s.P}};
      const int64_t OH = (s.H + 2 * s.P - s.K) / s.S + 1;
      const double macs = double(s.N * s.O * OH * OH * s.C * s.K * s.K);
      const sg::Tensor x = sg::rand({s.N, s.C, s.H, s.H});
      const sg::Tensor w = sg::rand({s.O, s.C, s.K, s.K}).requires_grad_(), b = sg::zeros({s.O}).requires_grad_();
      const std::string base = fmt::format("{}/batch{}", s.name, s.N);
      // The op as a model uses it: forward, then backward for input, weight and bias (3x the forward's work).
      if (wanted("conv2d_fwd_bwd/" + base)) {
        const sg::Tensor xg = x.detach().requires_grad_();
        report("conv2d_fwd_bwd/" + base, threads, median_seconds([&] {
                 sg::conv2d(xg, w, b, params).sum().backward();
               }),
               3 * 2 * macs);
      }
      // The forward alone, each strategy: im2col + GEMM (what conv2d runs), the direct loop, the reference.
      const sg::kernels::ConvGeometry g{s.C, s.H, s.H, s.O, s.K, s.K, s.S, s.S, s.P, s.P, 1, 1, OH, OH};
      sg::Tensor y = sg::empty({s.N, s.O, OH, OH});
      if (wanted("conv2d_fwd_im2col/" + base))
        report("conv2d_fwd_im2col/" + base, threads, median_seconds([&] {
                 sg::kernels::fast::conv2d_forward(y.data<float>(), x.data<float>(), w.data<float>(), b.data<float>(), s.N, g);
               }),
               2 * macs);
      if (wanted("conv2d_fwd_direct/" + base))
        report("conv2d_fwd_direct/" + base, threads, median_seconds([&] {
                 sg::bench::conv2d_forward_direct(y.data<float>(), x.data<float>(), w.data<float>(), b.data<float>(),
                                                  s.N, g);
               }),
               2 * macs);
      if (wanted("conv2d_fwd_naive/" + base))
        report("conv2d_fwd_naive/" + base, threads, median_seconds([&] {
                 sg::kernels::reference::conv2d_forward(y.data<float>(), x.data<float>(), w.data<float>(),
                                                        b.data<float>(), s.N, g);
               }),
               2 * macs);
    }
    for (int64_t n : {64, 128, 256, 512, 1024}) {
      const std::string name = fmt::format("sgemm/{}", n);
      if (!wanted(name)) continue;
      const sg::Tensor a = sg::rand({n, n}), b = sg::rand({n, n});
      sg::Tensor c = sg::empty({n, n});
      report(name, threads, median_seconds([&] {
               sg::kernels::gemm<float>(false, false, n, n, n, 1.0f, a.data<float>(), n, b.data<float>(), n, 0.0f,
                                        c.data<float>(), n);
             }),
             2.0 * double(n * n * n));
    }
  }
}
