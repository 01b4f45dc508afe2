// Every fast kernel (autograd/kernels/fast/) against its reference (autograd/kernels/reference/), on
// seeded random operands of sizes chosen to hit the edges: 1, primes, and sizes on both sides of a
// vector's lanes (16 floats, 8 doubles), of a register tile (12 or 6 rows, 32 or 16 columns), of a
// cache block (256 deep) and of a thread chunk. float32 and float64, with 2 threads.
// Bitwise where the fast kernel adds in the reference's order (it only splits the work, or selects);
// within a tolerance where it adds in another order (chains, lanes, tiles), bounded below.
// Also the switch itself: SG_KERNELS and set_reference_kernels.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "autograd/kernel_mode.h"
#include "autograd/kernels/batch_norm.h"
#include "autograd/kernels/conv.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/kernels/gemm.h"
#include "autograd/kernels/layer_norm.h"
#include "autograd/kernels/pool.h"
#include "autograd/kernels/reduce.h"
#include "autograd/kernels/shape.h"
#include "autograd/kernels/softmax.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;
BOOST_AUTO_TEST_SUITE(kernels_fast_vs_reference)

namespace fast = sg::kernels::fast;
namespace reference = sg::kernels::reference;

namespace {

template <class T>
std::vector<T> random_values(int64_t n, std::mt19937& gen, double lo = -1, double hi = 1) {
  std::uniform_real_distribution<double> uniform(lo, hi);
  std::vector<T> v(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (T& x : v) x = T(uniform(gen));
  return v;
}

template <class T>
boost::test_tools::predicate_result same_bits(const std::vector<T>& actual, const std::vector<T>& expected) {
  // memcmp's pointers must not be null, even for no bytes: an empty vector's data() may be.
  if (actual.size() == expected.size() &&
      (actual.empty() || std::memcmp(actual.data(), expected.data(), actual.size() * sizeof(T)) == 0))
    return true;
  boost::test_tools::predicate_result result(false);
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i)
    if (std::memcmp(&actual[i], &expected[i], sizeof(T)) != 0) {
      result.message() << "first difference at " << i << ": " << actual[i] << " != " << expected[i];
      return result;
    }
  result.message() << "sizes differ: " << actual.size() << " != " << expected.size();
  return result;
}

// A sum of `terms` values of order 1, added in two orders, differs by rounding errors that grow with
// the number of terms: |a - b| <= 4 * terms * eps * max(1, |b|). The operands are seeded, so a case
// that passes always does. A wrong index or a lost term is off by O(1), far beyond.
template <class T>
boost::test_tools::predicate_result close(const std::vector<T>& actual, const std::vector<T>& expected, int64_t terms) {
  boost::test_tools::predicate_result result(actual.size() == expected.size());
  if (!result) {
    result.message() << "sizes differ: " << actual.size() << " != " << expected.size();
    return result;
  }
  const double eps = std::numeric_limits<T>::epsilon(), tol = 4.0 * double(std::max<int64_t>(terms, 1)) * eps;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double a = double(actual[i]), e = double(expected[i]);
    if (!(std::abs(a - e) <= tol * std::max(1.0, std::abs(e)))) {
      result = false;
      result.message() << "at " << i << ": " << a << " != " << e << " (tolerance " << tol << ")";
      return result;
    }
  }
  return result;
}

template <class Fn>
void for_both_dtypes(Fn&& fn) {
  fn(float());
  fn(double());
}

}  // namespace

// Runs first, before any case below changes the choice: the process starts with what SG_KERNELS says.
BOOST_AUTO_TEST_CASE(the_environment_picks_the_kernels_at_the_first_call) {
#if defined(SG_REFERENCE_KERNELS)
  BOOST_TEST(reference_kernels());
#else
  const char* value = std::getenv("SG_KERNELS");
  BOOST_TEST(reference_kernels() == (value && std::string(value) == "reference"));
#endif
}

BOOST_AUTO_TEST_CASE(set_reference_kernels_switches_the_interfaces) {
  const bool before = reference_kernels();
  // Two products of this size pay for two threads on the fast kernels; the reference ones use one thread.
  const int64_t work = 1 << 19;
  set_reference_kernels(true);
  BOOST_TEST(reference_kernels());
  BOOST_TEST(!kernels::two_products_pay_for_two_threads(work));
  set_reference_kernels(false);
#if defined(SG_REFERENCE_KERNELS)
  BOOST_TEST(reference_kernels());  // a reference-only build has nothing else to run
#else
  BOOST_TEST(!reference_kernels());
  BOOST_TEST(kernels::two_products_pay_for_two_threads(work) == fast::two_products_pay_for_two_threads(work));
  BOOST_TEST(fast::two_products_pay_for_two_threads(work));
#endif
  set_reference_kernels(before);
}

// Each element is computed alone, whoever computes it: bitwise, over lengths that cross a chunk.
BOOST_AUTO_TEST_CASE(elementwise_maps_are_bitwise_equal) {
  ThreadCount threads(2);
  for_both_dtypes([]<class T>(T) {
    std::mt19937 gen(1);
    for (int64_t n : {0, 1, 2, 7, 15, 16, 17, 33, 1009, 70001}) {
      BOOST_TEST_CONTEXT("n " << n << (sizeof(T) == 4 ? " float32" : " float64")) {
        const auto a = random_values<T>(n, gen), b = random_values<T>(n, gen), c = random_values<T>(n, gen),
                   d = random_values<T>(n, gen);
        std::vector<T> out_fast(static_cast<size_t>(n)), out_ref(static_cast<size_t>(n));
        const auto f1 = [](T x) { return x * T(1.5) + T(0.25); };
        const auto f2 = [](T x, T y) { return x * y - y; };
        const auto f3 = [](T x, T y, T z) { return x * y + z; };
        const auto f4 = [](T x, T y, T z, T w) { return x * y + z * w; };
        fast::map(out_fast.data(), a.data(), n, f1);
        reference::map(out_ref.data(), a.data(), n, f1);
        BOOST_TEST(same_bits(out_fast, out_ref));
        fast::map2(out_fast.data(), a.data(), b.data(), n, f2);
        reference::map2(out_ref.data(), a.data(), b.data(), n, f2);
        BOOST_TEST(same_bits(out_fast, out_ref));
        fast::map3(out_fast.data(), a.data(), b.data(), c.data(), n, f3);
        reference::map3(out_ref.data(), a.data(), b.data(), c.data(), n, f3);
        BOOST_TEST(same_bits(out_fast, out_ref));
        fast::map4(out_fast.data(), a.data(), b.data(), c.data(), d.data(), n, f4);
        reference::map4(out_ref.data(), a.data(), b.data(), c.data(), d.data(), n, f4);
        BOOST_TEST(same_bits(out_fast, out_ref));
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(broadcast_map2_is_bitwise_equal) {
  ThreadCount threads(2);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3, 1, 5}, {1, 4, 5}}, {{7}, {2, 3, 7}}, {{1}, {13, 17}},    {{2, 1, 3, 1}, {1, 5, 1, 4}}, {{}, {3}},
      {{257, 1}, {1, 131}},   {{1, 1}, {1, 1}}, {{4, 0, 3}, {1, 3}}};
  for_both_dtypes([&]<class T>(T) {
    std::mt19937 gen(2);
    for (const auto& [sa, sb] : cases) {
      BOOST_TEST_CONTEXT(sa << " with " << sb << (sizeof(T) == 4 ? " float32" : " float64")) {
        const Shape out = broadcast_shapes(sa, sb, "test");
        const auto a = random_values<T>(sa.numel(), gen), b = random_values<T>(sb.numel(), gen);
        std::vector<T> out_fast(static_cast<size_t>(out.numel())), out_ref(static_cast<size_t>(out.numel()));
        const kernels::BroadcastPlan plan(out, sa, sb);
        const auto f = [](T x, T y) { return x * T(3) - y; };
        fast::broadcast_map2(out_fast.data(), a.data(), b.data(), plan, f);
        reference::broadcast_map2(out_ref.data(), a.data(), b.data(), plan, f);
        BOOST_TEST(same_bits(out_fast, out_ref));
      }
    }
  });
}

// sum_dim adds in four chains, or along a last dim in lanes (a tolerance); the selections pick the same element (bitwise), NaNs and
// ties included; sum_all adds in double, in lanes within fixed chunks (a tolerance, far below float32's),
// over one chunk here and over several in 100,003 values.
BOOST_AUTO_TEST_CASE(reductions_match) {
  ThreadCount threads(2);
  const std::vector<std::array<int64_t, 3>> shapes = {{1, 1, 1},   {1, 7, 1},   {3, 5, 2},   {2, 200, 10}, {5, 13, 17},
                                                      {1, 3, 257}, {4, 31, 33}, {2, 9, 300}, {97, 4, 1}};
  for_both_dtypes([&]<class T>(T) {
    std::mt19937 gen(3);
    for (const auto& [outer, R, inner] : shapes) {
      BOOST_TEST_CONTEXT("(outer, R, inner) (" << outer << ", " << R << ", " << inner << ")"
                                               << (sizeof(T) == 4 ? " float32" : " float64")) {
        auto x = random_values<T>(outer * R * inner, gen);
        for (size_t k = 0; k < x.size(); k += 7) x[k] = x[(k * 13) % x.size()];  // ties
        std::vector<T> sum_fast(static_cast<size_t>(outer * inner)), sum_ref(static_cast<size_t>(outer * inner));
        fast::sum_dim(sum_fast.data(), x.data(), outer, R, inner);
        reference::sum_dim(sum_ref.data(), x.data(), outer, R, inner);
        BOOST_TEST(close(sum_fast, sum_ref, R));
        BOOST_TEST(close(std::vector<T>{fast::sum_all(x.data(), int64_t(x.size()))},
                         std::vector<T>{reference::sum_all(x.data(), int64_t(x.size()))}, int64_t(x.size())));
        if (x.size() > 3) x[x.size() / 2] = std::numeric_limits<T>::quiet_NaN();
        for (bool max : {true, false}) {
          const auto better = [max](T v, T best) { return max ? v > best : v < best; };
          std::vector<T> y_fast(static_cast<size_t>(outer * inner)), y_ref(static_cast<size_t>(outer * inner));
          std::vector<int64_t> i_fast(static_cast<size_t>(outer * inner)), i_ref(static_cast<size_t>(outer * inner));
          fast::select_dim(y_fast.data(), i_fast.data(), x.data(), outer, R, inner, better);
          reference::select_dim(y_ref.data(), i_ref.data(), x.data(), outer, R, inner, better);
          BOOST_TEST(same_bits(y_fast, y_ref));
          BOOST_TEST(i_fast == i_ref, boost::test_tools::per_element());
        }
        const T y = *std::max_element(x.begin(), x.end());
        std::vector<T> dx_fast(x.size()), dx_ref(x.size());
        fast::share_among_ties(dx_fast.data(), T(0.75), x.data(), y, int64_t(x.size()));
        reference::share_among_ties(dx_ref.data(), T(0.75), x.data(), y, int64_t(x.size()));
        BOOST_TEST(same_bits(dx_fast, dx_ref));
      }
    }
    const auto many = random_values<T>(100'003, gen);
    BOOST_TEST(close(std::vector<T>{fast::sum_all(many.data(), int64_t(many.size()))},
                     std::vector<T>{reference::sum_all(many.data(), int64_t(many.size()))}, 64));
  });
}

// Lines side by side add in the reference's order; only a multiply and an add the compiler fuses in one
// loop and not in the other can differ, by an ulp: a tolerance of a few terms. Contiguous lines of 16
// values or more run along the line and add in lanes (another order, in double) and scale by one
// reciprocal: a few ulps too. Lines of 64 and 65 cross the longest taken side by side; 16 lines fill
// the lanes once; lines of 16 and 33 values cross the lanes of a contiguous line.
BOOST_AUTO_TEST_CASE(softmax_family_matches) {
  ThreadCount threads(2);
  const std::vector<std::array<int64_t, 3>> shapes = {{1, 1, 1},   {1, 10, 1}, {16, 10, 1}, {37, 10, 1}, {3, 7, 21},
                                                      {20, 64, 1}, {5, 65, 3}, {2, 3, 17},  {97, 2, 1},  {1, 200, 1},
                                                      {7, 16, 1},  {3, 33, 1}, {40, 15, 1}};
  for_both_dtypes([&]<class T>(T) {
    std::mt19937 gen(4);
    for (const auto& [outer, R, inner] : shapes)
      for (bool log_y : {false, true}) {
        BOOST_TEST_CONTEXT("(outer, R, inner) (" << outer << ", " << R << ", " << inner << ")" << (log_y ? " log" : "")
                                                 << (sizeof(T) == 4 ? " float32" : " float64")) {
          const int64_t n = outer * R * inner;
          const auto x = random_values<T>(n, gen, -8, 8), dy = random_values<T>(n, gen);
          std::vector<T> y_fast(static_cast<size_t>(n)), y_ref(static_cast<size_t>(n)), dx_fast(static_cast<size_t>(n)),
              dx_ref(static_cast<size_t>(n));
          fast::softmax_forward(y_fast.data(), x.data(), outer, R, inner, log_y);
          reference::softmax_forward(y_ref.data(), x.data(), outer, R, inner, log_y);
          BOOST_TEST(close(y_fast, y_ref, 8));
          fast::softmax_backward(dx_fast.data(), dy.data(), y_ref.data(), outer, R, inner, log_y);
          reference::softmax_backward(dx_ref.data(), dy.data(), y_ref.data(), outer, R, inner, log_y);
          BOOST_TEST(close(dx_fast, dx_ref, 8));
        }
      }
    for (const auto& [N, C] :
         std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {5, 3}, {16, 10}, {37, 10}, {20, 64}, {3, 65}, {17, 2}}) {
      BOOST_TEST_CONTEXT("cross entropy (N, C) (" << N << ", " << C << ")") {
        const auto x = random_values<T>(N * C, gen, -8, 8), dloss = random_values<T>(N, gen);
        std::vector<int64_t> t(static_cast<size_t>(N));
        for (int64_t n = 0; n < N; ++n) t[static_cast<size_t>(n)] = (n * 7 + 3) % C;
        std::vector<T> loss_fast(static_cast<size_t>(N)), loss_ref(static_cast<size_t>(N)),
            lse_fast(static_cast<size_t>(N)), lse_ref(static_cast<size_t>(N));
        fast::softmax_cross_entropy_forward(loss_fast.data(), lse_fast.data(), x.data(), t.data(), N, C);
        reference::softmax_cross_entropy_forward(loss_ref.data(), lse_ref.data(), x.data(), t.data(), N, C);
        BOOST_TEST(close(loss_fast, loss_ref, 8));
        BOOST_TEST(close(lse_fast, lse_ref, 8));
        std::vector<T> dx_fast(static_cast<size_t>(N * C)), dx_ref(static_cast<size_t>(N * C));
        fast::softmax_cross_entropy_backward(dx_fast.data(), dloss.data(), x.data(), lse_ref.data(), t.data(), N, C);
        reference::softmax_cross_entropy_backward(dx_ref.data(), dloss.data(), x.data(), lse_ref.data(), t.data(), N,
                                                  C);
        BOOST_TEST(close(dx_fast, dx_ref, 8));
      }
    }
  });
}

// Pooling selects or adds each window in the reference's order: bitwise, the 2x2 path (selects, and
// vectors of 16 windows) included. Widths around 16 and 32 windows cross its vector steps.
BOOST_AUTO_TEST_CASE(pooling_is_bitwise_equal) {
  ThreadCount threads(2);
  struct Case {
    int64_t P, H, W, K, S, pad;
  };
  const std::vector<Case> cases = {{1, 2, 2, 2, 2, 0},   {3, 28, 28, 2, 2, 0}, {2, 9, 35, 2, 2, 0},
                                   {5, 4, 66, 2, 2, 0},  {2, 7, 7, 3, 2, 1},   {1, 1, 1, 1, 1, 0},
                                   {3, 11, 13, 3, 1, 1}, {2, 5, 6, 5, 3, 2},   {64, 13, 13, 2, 2, 0}};
  for_both_dtypes([&]<class T>(T) {
    std::mt19937 gen(5);
    for (const Case& c : cases) {
      BOOST_TEST_CONTEXT("P " << c.P << ", " << c.H << "x" << c.W << ", window " << c.K << ", stride " << c.S
                              << ", padding " << c.pad << (sizeof(T) == 4 ? " float32" : " float64")) {
        const int64_t OH = (c.H + 2 * c.pad - c.K) / c.S + 1, OW = (c.W + 2 * c.pad - c.K) / c.S + 1;
        const kernels::PoolGeometry g{c.H, c.W, c.K, c.K, c.S, c.S, c.pad, c.pad, OH, OW};
        auto x = random_values<T>(c.P * c.H * c.W, gen);
        for (size_t k = 0; k < x.size(); k += 5) x[k] = x[(k * 3) % x.size()];  // ties
        if (x.size() > 2) x[1] = std::numeric_limits<T>::quiet_NaN();
        const auto dy = random_values<T>(c.P * OH * OW, gen);
        std::vector<T> y_fast(dy.size()), y_ref(dy.size()), dx_fast(x.size()), dx_ref(x.size());
        std::vector<int64_t> i_fast(dy.size()), i_ref(dy.size());
        fast::max_pool2d_forward(y_fast.data(), i_fast.data(), x.data(), c.P, g);
        reference::max_pool2d_forward(y_ref.data(), i_ref.data(), x.data(), c.P, g);
        BOOST_TEST(same_bits(y_fast, y_ref));
        BOOST_TEST(i_fast == i_ref, boost::test_tools::per_element());
        std::vector<T> y_no_index(dy.size());
        fast::max_pool2d_forward(y_no_index.data(), static_cast<int64_t*>(nullptr), x.data(), c.P, g);
        BOOST_TEST(same_bits(y_no_index, y_ref));
        fast::max_pool2d_backward(dx_fast.data(), dy.data(), i_ref.data(), c.P, g);
        reference::max_pool2d_backward(dx_ref.data(), dy.data(), i_ref.data(), c.P, g);
        BOOST_TEST(same_bits(dx_fast, dx_ref));
        fast::avg_pool2d_forward(y_fast.data(), x.data(), c.P, g);
        reference::avg_pool2d_forward(y_ref.data(), x.data(), c.P, g);
        BOOST_TEST(same_bits(y_fast, y_ref));
        fast::avg_pool2d_backward(dx_fast.data(), dy.data(), c.P, g);
        reference::avg_pool2d_backward(dx_ref.data(), dy.data(), c.P, g);
        BOOST_TEST(same_bits(dx_fast, dx_ref));
      }
    }
  });
}

// permute copies: bitwise. Shapes with dims of size 1 (left out), of size 0, neighbours that merge (a
// head split), transposes (rows read at a stride), a scalar, and every permutation of a rank-4 shape;
// large enough in places (48 x 64 x 33 values) to run on both threads.
BOOST_AUTO_TEST_CASE(permute_is_bitwise_equal) {
  ThreadCount threads(2);
  struct Case {
    Shape shape, dims;
  };
  std::vector<Case> cases = {{{}, {}},
                             {{7}, {0}},
                             {{3, 5}, {1, 0}},
                             {{48, 64, 33}, {2, 0, 1}},
                             {{48, 64, 33}, {1, 0, 2}},
                             {{4, 16, 4, 32}, {0, 2, 1, 3}},
                             {{4, 4, 16, 32}, {0, 2, 1, 3}},
                             {{1, 5, 1, 3}, {3, 1, 2, 0}},
                             {{2, 0, 3}, {2, 1, 0}},
                             {{2, 1, 3, 1, 2, 3}, {5, 4, 0, 3, 2, 1}}};
  std::array<int64_t, 4> order{0, 1, 2, 3};
  do cases.push_back({{2, 3, 5, 7}, {order[0], order[1], order[2], order[3]}});
  while (std::next_permutation(order.begin(), order.end()));
  for_both_dtypes([&]<class T>(T) {
    std::mt19937 gen(8);
    for (const Case& c : cases) {
      BOOST_TEST_CONTEXT("shape " << c.shape << ", dims " << c.dims << (sizeof(T) == 4 ? " float32" : " float64")) {
        const auto x = random_values<T>(c.shape.numel(), gen);
        std::vector<T> y_fast(x.size()), y_ref(x.size());
        fast::permute(y_fast.data(), x.data(), c.shape, c.dims);
        reference::permute(y_ref.data(), x.data(), c.shape, c.dims);
        BOOST_TEST(same_bits(y_fast, y_ref));
      }
    }
  });
}

// Layer norm's fast row sums run in eight lanes (another order): a tolerance of N terms; dx carries rstd,
// which scales its rounding errors (here at most 1 / sqrt(eps), for rows of one value). The column sums
// of dw and db add in the same order: bitwise.
BOOST_AUTO_TEST_CASE(layer_norm_matches_within_rounding) {
  ThreadCount threads(2);
  for_both_dtypes([]<class T>(T) {
    std::mt19937 gen(6);
    for (const auto& [M, N] :
         std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 17}, {7, 5}, {64, 33}, {3, 1000}, {1031, 40}})
      for (bool affine : {true, false}) {
        BOOST_TEST_CONTEXT("(M, N) (" << M << ", " << N << ")" << (affine ? " affine" : "")
                                      << (sizeof(T) == 4 ? " float32" : " float64")) {
          const auto x = random_values<T>(M * N, gen, -3, 5), dy = random_values<T>(M * N, gen);
          const auto w = random_values<T>(N, gen, 0.5, 1.5), b = random_values<T>(N, gen);
          const T* wp = affine ? w.data() : nullptr;
          const T* bp = affine ? b.data() : nullptr;
          std::vector<T> y_fast(x.size()), y_ref(x.size()), mean_fast(static_cast<size_t>(M)),
              mean_ref(static_cast<size_t>(M)), rstd_fast(static_cast<size_t>(M)), rstd_ref(static_cast<size_t>(M));
          fast::layer_norm_forward(y_fast.data(), mean_fast.data(), rstd_fast.data(), x.data(), wp, bp, M, N, 1e-5);
          reference::layer_norm_forward(y_ref.data(), mean_ref.data(), rstd_ref.data(), x.data(), wp, bp, M, N, 1e-5);
          BOOST_TEST(close(y_fast, y_ref, N));
          BOOST_TEST(close(mean_fast, mean_ref, N));
          BOOST_TEST(close(rstd_fast, rstd_ref, N));
          std::vector<T> dx_fast(x.size()), dx_ref(x.size()), dw_fast(static_cast<size_t>(N)),
              dw_ref(static_cast<size_t>(N)), db_fast(static_cast<size_t>(N)), db_ref(static_cast<size_t>(N));
          fast::layer_norm_backward_input(dx_fast.data(), dy.data(), x.data(), mean_ref.data(), rstd_ref.data(), wp, M,
                                          N);
          reference::layer_norm_backward_input(dx_ref.data(), dy.data(), x.data(), mean_ref.data(), rstd_ref.data(), wp,
                                               M, N);
          const double rstd_max = double(*std::max_element(rstd_ref.begin(), rstd_ref.end()));
          BOOST_TEST(close(dx_fast, dx_ref, N * int64_t(std::ceil(std::max(1.0, rstd_max)))));
          fast::layer_norm_backward_affine(dw_fast.data(), db_fast.data(), dy.data(), x.data(), mean_ref.data(),
                                           rstd_ref.data(), M, N);
          reference::layer_norm_backward_affine(dw_ref.data(), db_ref.data(), dy.data(), x.data(), mean_ref.data(),
                                                rstd_ref.data(), M, N);
          BOOST_TEST(same_bits(dw_fast, dw_ref));
          BOOST_TEST(same_bits(db_fast, db_ref));
        }
      }
  });
}

// Batch norm's fast sums run in eight lanes (another order): a tolerance, relative to the values summed
// (M of them per channel).
BOOST_AUTO_TEST_CASE(batch_norm_matches) {
  ThreadCount threads(2);
  for_both_dtypes([]<class T>(T) {
    std::mt19937 gen(7);
    for (const auto& [N, C, S] :
         std::vector<std::array<int64_t, 3>>{{1, 1, 1}, {2, 3, 1}, {3, 5, 7}, {2, 2, 17}, {4, 3, 169}, {1, 64, 9}})
      for (bool training : {true, false}) {
        BOOST_TEST_CONTEXT("(N, C, S) (" << N << ", " << C << ", " << S << ")" << (training ? " training" : "")
                                         << (sizeof(T) == 4 ? " float32" : " float64")) {
          const int64_t M = N * S;
          const auto x = random_values<T>(N * C * S, gen, -2, 3), dy = random_values<T>(N * C * S, gen);
          const auto w = random_values<T>(C, gen, 0.5, 1.5), b = random_values<T>(C, gen);
          std::vector<T> mean_fast(static_cast<size_t>(C)), mean_ref(static_cast<size_t>(C)),
              var_fast(static_cast<size_t>(C)), var_ref(static_cast<size_t>(C)), rstd(static_cast<size_t>(C));
          fast::batch_norm_stats(mean_fast.data(), var_fast.data(), x.data(), N, C, S);
          reference::batch_norm_stats(mean_ref.data(), var_ref.data(), x.data(), N, C, S);
          BOOST_TEST(close(mean_fast, mean_ref, M));
          BOOST_TEST(close(var_fast, var_ref, M));
          for (int64_t c = 0; c < C; ++c)
            rstd[static_cast<size_t>(c)] = T(1 / std::sqrt(double(var_ref[static_cast<size_t>(c)]) + 1e-5));
          std::vector<T> y_fast(x.size()), y_ref(x.size());
          fast::batch_norm_forward(y_fast.data(), x.data(), mean_ref.data(), rstd.data(), w.data(), b.data(), N, C, S);
          reference::batch_norm_forward(y_ref.data(), x.data(), mean_ref.data(), rstd.data(), w.data(), b.data(), N, C,
                                        S);
          BOOST_TEST(close(y_fast, y_ref, 4));
          std::vector<T> dx_fast(x.size()), dx_ref(x.size()), dw_fast(static_cast<size_t>(C)),
              dw_ref(static_cast<size_t>(C)), db_fast(static_cast<size_t>(C)), db_ref(static_cast<size_t>(C));
          fast::batch_norm_backward(dx_fast.data(), dw_fast.data(), db_fast.data(), dy.data(), x.data(),
                                    mean_ref.data(), rstd.data(), w.data(), N, C, S, training);
          reference::batch_norm_backward(dx_ref.data(), dw_ref.data(), db_ref.data(), dy.data(), x.data(),
                                         mean_ref.data(), rstd.data(), w.data(), N, C, S, training);
          // dx carries rstd, which scales its rounding errors: up to 1 / sqrt(eps) ~ 316 for a channel of one
          // value (variance 0).
          const double rstd_max = double(*std::max_element(rstd.begin(), rstd.end()));
          BOOST_TEST(close(dx_fast, dx_ref, M * int64_t(std::ceil(std::max(1.0, rstd_max)))));
          BOOST_TEST(close(dw_fast, dw_ref, M));
          BOOST_TEST(close(db_fast, db_ref, M));
        }
      }
  });
}

// The fast conv sums each output through a GEMM (tiles, chains), the reference term by term: a
// tolerance of CK terms for y and dx (at most O * KH * KW for dx), N * L for dw and db.
BOOST_AUTO_TEST_CASE(conv2d_matches) {
  ThreadCount threads(2);
  struct Case {
    int64_t N, C, H, W, O, KH, KW, S, P, D;
  };
  const std::vector<Case> cases = {{1, 1, 1, 1, 1, 1, 1, 1, 0, 1},   {2, 1, 28, 28, 8, 3, 3, 1, 0, 1},
                                   {3, 3, 7, 11, 5, 1, 1, 1, 0, 1},  {2, 8, 13, 13, 16, 3, 3, 1, 0, 1},
                                   {1, 2, 9, 8, 17, 3, 2, 2, 1, 1},  {5, 3, 10, 9, 2, 3, 3, 2, 2, 2},
                                   {1, 4, 17, 5, 33, 2, 5, 1, 2, 1}, {2, 2, 6, 6, 3, 6, 6, 1, 0, 1}};
  for_both_dtypes([&]<class T>(T) {
    std::mt19937 gen(8);
    for (const Case& c : cases) {
      BOOST_TEST_CONTEXT("N " << c.N << ", C " << c.C << ", " << c.H << "x" << c.W << ", O " << c.O << ", kernel "
                              << c.KH << "x" << c.KW << ", stride " << c.S << ", padding " << c.P << ", dilation "
                              << c.D << (sizeof(T) == 4 ? " float32" : " float64")) {
        const int64_t OH = (c.H + 2 * c.P - c.D * (c.KH - 1) - 1) / c.S + 1;
        const int64_t OW = (c.W + 2 * c.P - c.D * (c.KW - 1) - 1) / c.S + 1;
        const kernels::ConvGeometry g{c.C, c.H, c.W, c.O, c.KH, c.KW, c.S, c.S, c.P, c.P, c.D, c.D, OH, OW};
        const auto x = random_values<T>(c.N * c.C * c.H * c.W, gen), w = random_values<T>(c.O * g.CK(), gen),
                   b = random_values<T>(c.O, gen), dy = random_values<T>(c.N * c.O * g.L(), gen);
        std::vector<T> y_fast(dy.size()), y_ref(dy.size()), cols(static_cast<size_t>(c.N * g.CK() * g.L()));
        fast::conv2d_forward(y_fast.data(), x.data(), w.data(), b.data(), c.N, g, cols.data());
        reference::conv2d_forward(y_ref.data(), x.data(), w.data(), b.data(), c.N, g);
        BOOST_TEST(close(y_fast, y_ref, g.CK() + 1));
        std::vector<T> dx_fast(x.size()), dx_ref(x.size());
        fast::conv2d_backward_input(dx_fast.data(), dy.data(), w.data(), c.N, g);
        reference::conv2d_backward_input(dx_ref.data(), dy.data(), w.data(), c.N, g);
        BOOST_TEST(close(dx_fast, dx_ref, c.O * c.KH * c.KW));
        std::vector<T> dw_fast(w.size()), dw_saved(w.size()), dw_ref(w.size());
        fast::conv2d_backward_weight(dw_fast.data(), dy.data(), x.data(), c.N, g);
        fast::conv2d_backward_weight(dw_saved.data(), dy.data(), x.data(), c.N, g,
                                     fast::keeps_cols(g) ? cols.data() : nullptr);
        reference::conv2d_backward_weight(dw_ref.data(), dy.data(), x.data(), c.N, g);
        BOOST_TEST(close(dw_fast, dw_ref, c.N * g.L()));
        BOOST_TEST(same_bits(dw_saved, dw_fast));
        std::vector<T> db_fast(b.size()), db_ref(b.size());
        fast::conv2d_backward_bias(db_fast.data(), dy.data(), c.N, c.O, g.L());
        reference::conv2d_backward_bias(db_ref.data(), dy.data(), c.N, c.O, g.L());
        BOOST_TEST(close(db_fast, db_ref, c.N * g.L()));
      }
    }
  });
}

// The fast GEMM's every path against the i-k-j loop (tests/autograd/test_gemm_kernel.cpp goes through more
// sizes and strides): random sizes from a list of edges, every transpose, beta 0 and 1.
BOOST_AUTO_TEST_CASE(gemm_matches) {
  ThreadCount threads(2);
  const std::vector<int64_t> sizes = {1, 2, 3, 5, 8, 12, 13, 16, 17, 31, 32, 33, 97, 257};
  for_both_dtypes([&]<class T>(T) {
    std::mt19937 gen(9);
    std::uniform_int_distribution<size_t> pick(0, sizes.size() - 1);
    for (int round = 0; round < 40; ++round) {
      const int64_t M = sizes[pick(gen)], N = sizes[pick(gen)], K = sizes[pick(gen)];
      const bool trans_a = round % 2, trans_b = round / 2 % 2;
      const T beta = round % 3 == 0 ? T(1) : T(0);
      BOOST_TEST_CONTEXT("M " << M << ", N " << N << ", K " << K << ", trans_a " << trans_a << ", trans_b " << trans_b
                              << ", beta " << beta << (sizeof(T) == 4 ? " float32" : " float64")) {
        const auto A = random_values<T>(M * K, gen), B = random_values<T>(K * N, gen), C = random_values<T>(M * N, gen);
        std::vector<T> c_fast = C, c_ref = C;
        fast::gemm(trans_a, trans_b, M, N, K, T(1), A.data(), trans_a ? M : K, B.data(), trans_b ? K : N, beta,
                   c_fast.data(), N);
        reference::gemm(trans_a, trans_b, M, N, K, T(1), A.data(), trans_a ? M : K, B.data(), trans_b ? K : N, beta,
                        c_ref.data(), N);
        BOOST_TEST(close(c_fast, c_ref, K + 1));
      }
    }
  });
}

BOOST_AUTO_TEST_SUITE_END()
