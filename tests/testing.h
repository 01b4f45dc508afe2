// Helpers shared by the tests: closeness with a useful failure message, expected errors, gradcheck.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "scratchgrad/autograd.h"

namespace sg::testing {

/// Passes when |actual - expected| <= atol + rtol * |expected| everywhere and the shapes match; a failure
/// names the first bad index with both values.
inline boost::test_tools::predicate_result all_close(const Tensor& actual, const Tensor& expected,
                                                     double atol = 1e-6, double rtol = 1e-5) {
  boost::test_tools::predicate_result result(true);
  if (!(actual.shape() == expected.shape())) {
    result = false;
    result.message() << fmt::format("shapes differ: actual {}, expected {}", actual.shape(), expected.shape());
    return result;
  }
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    const bool same_special = (std::isnan(a[i]) && std::isnan(e[i])) || a[i] == e[i];  // NaN, or equal infs
    if (!same_special && !(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i]))) {
      result = false;
      result.message() << fmt::format("index {}: actual {:.10g}, expected {:.10g} (shape {})", i, a[i], e[i],
                                      actual.shape());
      return result;
    }
  }
  return result;
}

/// Passes when both tensors hold the same bits (same dtype and shape).
inline boost::test_tools::predicate_result bitwise_equal(const Tensor& a, const Tensor& b) {
  boost::test_tools::predicate_result result(a.shape() == b.shape() && a.dtype() == b.dtype());
  if (!result) {
    result.message() << fmt::format("{} {} vs {} {}", a.shape(), a.dtype(), b.shape(), b.dtype());
    return result;
  }
  const size_t bytes = size_t(a.numel()) * element_size(a.dtype());
  const auto* pa = static_cast<const unsigned char*>(a.impl().data());
  const auto* pb = static_cast<const unsigned char*>(b.impl().data());
  for (size_t i = 0; i < bytes; ++i)
    if (pa[i] != pb[i]) {
      result = false;
      result.message() << fmt::format("first difference at byte {} (element {})", i, i / element_size(a.dtype()));
      return result;
    }
  return result;
}

/// Passes when f throws E whose message contains every one of `parts`.
template <class E = std::invalid_argument>
boost::test_tools::predicate_result throws_with(const std::function<void()>& f, const std::vector<std::string>& parts) {
  boost::test_tools::predicate_result result(false);
  try {
    f();
    result.message() << "no exception was thrown";
  } catch (const E& e) {
    const std::string what = e.what();
    for (const std::string& part : parts)
      if (what.find(part) == std::string::npos) {
        result.message() << fmt::format("message \"{}\" lacks \"{}\"", what, part);
        return result;
      }
    result = true;
  } catch (const std::exception& e) {
    result.message() << fmt::format("wrong exception type, message \"{}\"", e.what());
  }
  return result;
}

/// The inputs of a function handed to gradcheck:  passes_gradcheck([](In in) { return exp(in[0]); }, {x})
using In = const std::vector<Tensor>&;

/// Runs gradcheck and turns its report into a test result.
inline boost::test_tools::predicate_result passes_gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                                            const std::vector<Tensor>& inputs,
                                                            const GradcheckOptions& options = {}) {
  const GradcheckReport report = gradcheck(f, inputs, options);
  boost::test_tools::predicate_result result(report.ok);
  if (!report.ok) result.message() << report.str();
  return result;
}

/// Sets the thread count for its lifetime and puts the previous count back when it goes out of scope:
///   { ThreadCount threads(1); ... }
class ThreadCount {
 public:
  explicit ThreadCount(int threads) : saved_(get_num_threads()) { set_num_threads(threads); }
  ~ThreadCount() { set_num_threads(saved_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int saved_;
};

/// A fresh folder under the system's temporary directory, its name unique to the process and the folder,
/// deleted with everything in it on destruction: tests running side by side never share files, and
/// nothing is left behind.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("sg_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;  // a destructor must not throw; a folder left behind is the worst outcome
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// A whole file's bytes (empty when it cannot be read).
inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A float64 tensor of the given shape with values drawn uniformly from [lo, hi), requiring grad.
inline Tensor uniform64(const Shape& shape, double lo = -1.0, double hi = 1.0) {
  Tensor t = add(mul(rand(shape, kFloat64), hi - lo), lo).detach();
  return t.requires_grad_();
}

}  // namespace sg::testing
