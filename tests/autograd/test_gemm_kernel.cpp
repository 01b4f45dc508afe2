// The GEMM kernel: every fast path (small, blocked, and the chooser) against the reference loop, for
// odd sizes that leave partial register tiles and cache blocks, with every combination of transposes,
// alpha, beta and row strides wider than the matrix; and bitwise equality of 1 and 2 threads.
#include <cstring>
#include <random>

#include "autograd/kernels/gemm.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(gemm_kernel)

namespace {

struct Problem {
  int64_t M, N, K;
  bool trans_a, trans_b;
};

// A, B and C filled with seeded values in [-1, 1); each stored with a row stride 3 wider than needed,
// so a kernel that confuses the stride with the width fails, and one that writes past N is caught.
template <class T>
struct Operands {
  int64_t lda, ldb, ldc;
  std::vector<T> A, B, C;
  Operands(const Problem& p, uint32_t seed) {
    std::mt19937 gen(seed);
    auto fill = [&](std::vector<T>& v, int64_t n) {
      v.resize(size_t(n));
      for (T& x : v) x = T(double(gen()) / 4294967296.0 * 2 - 1);
    };
    lda = (p.trans_a ? p.M : p.K) + 3;
    ldb = (p.trans_b ? p.K : p.N) + 3;
    ldc = p.N + 3;
    fill(A, (p.trans_a ? p.K : p.M) * lda);
    fill(B, (p.trans_b ? p.N : p.K) * ldb);
    fill(C, p.M * ldc);
  }
};

template <class T>
using GemmFn = void (*)(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*,
                        int64_t);

// Runs every fn and the reference loop on the same operands; returns, per fn, the largest difference over
// all of C (its padding columns included) relative to |alpha| K + |beta|, which bounds the rounding
// error of any summation order. The reference loop runs once: it is the slow part.
template <class T>
std::vector<double> relative_errors(const std::vector<GemmFn<T>>& fns, const Problem& p, T alpha, T beta) {
  Operands<T> ops(p, uint32_t(p.M * 7919 + p.N * 31 + p.K * 3 + p.trans_a * 2 + p.trans_b));
  std::vector<T> expected = ops.C;
  kernels::reference::gemm<T>(p.trans_a, p.trans_b, p.M, p.N, p.K, alpha, ops.A.data(), ops.lda, ops.B.data(),
                              ops.ldb, beta, expected.data(), ops.ldc);
  std::vector<double> errors;
  for (GemmFn<T> fn : fns) {
    std::vector<T> actual = ops.C;
    fn(p.trans_a, p.trans_b, p.M, p.N, p.K, alpha, ops.A.data(), ops.lda, ops.B.data(), ops.ldb, beta, actual.data(),
       ops.ldc);
    double worst = 0;
    for (size_t i = 0; i < actual.size(); ++i)
      worst = std::max(worst, std::abs(double(actual[i]) - double(expected[i])));
    errors.push_back(worst / (std::abs(double(alpha)) * double(std::max<int64_t>(p.K, 1)) + std::abs(double(beta))));
  }
  return errors;
}

// Sizes on each side of the tile and block edges (1, 7, 63, 65, 257), and rectangles mixing them (thin,
// flat, deep, shallow).
std::vector<Problem> problems() {
  std::vector<Problem> all;
  const std::vector<std::array<int64_t, 3>> sizes = {{1, 1, 1},    {7, 7, 7},     {63, 63, 63},  {65, 65, 65},
                                                     {257, 257, 257}, {1, 257, 63}, {257, 1, 65}, {65, 7, 257},
                                                     {63, 257, 1},  {257, 65, 7},  {7, 63, 257}, {70, 90, 600},
                                                     // conv layers as per-image products (O, L, CK): the
                                                     // small kernel's partial row and column tiles
                                                     {8, 676, 9},   {16, 121, 72}, {72, 121, 16}, {17, 33, 5},
                                                     // last tiles of 3 and 4 rows (tiles of 4 rows), and a
                                                     // batch-1 dense layer's two gradients (row by row)
                                                     {3, 45, 20},   {12, 40, 9},   {1, 1352, 10}, {10, 1352, 1},
                                                     // W2's weight gradients (B read in place, the first
                                                     // one's last sliver of 16 columns packed)
                                                     {64, 784, 200}, {32, 64, 200},
                                                     // a conv layer's weight gradient (taps x filters over
                                                     // positions, dot tiles), and dot tiles of every size
                                                     {9, 8, 676},   {5, 15, 100},  {2, 3, 40}};
  for (const auto& [M, N, K] : sizes)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) all.push_back({M, N, K, ta, tb});
  return all;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_fast_path_matches_reference_loop_for_odd_sizes_and_all_transposes) {
  // The blocked and small paths are also called directly, so both are tested on every size whichever
  // one the dispatcher would pick.
  for (const Problem& p : problems()) {
    BOOST_TEST_CONTEXT("M=" << p.M << " N=" << p.N << " K=" << p.K << " trans_a=" << p.trans_a
                            << " trans_b=" << p.trans_b) {
      for (double error : relative_errors<double>(
               {kernels::fast::gemm<double>, kernels::fast::gemm_blocked<double>, kernels::fast::gemm_small<double>}, p, 1.5, 0.5))
        BOOST_TEST(error < 1e-13);
      if (p.M * p.N * p.K > 100 * 100 * 100 && p.trans_a != p.trans_b) continue;  // float: half the big ones
      for (double error : relative_errors<float>(
               {kernels::fast::gemm<float>, kernels::fast::gemm_blocked<float>, kernels::fast::gemm_small<float>}, p, 1.0f, 0.0f))
        BOOST_TEST(error < 1e-5);
    }
  }
}

// The small GEMM's dot tiles (A x B^T read along k, for a narrow C and a long K) come in sizes from
// kDotMR x kDotNR down to 1 x 1: each must give an element the same bits whatever tile computes it, and
// the dot product, for K around every boundary of the vector loop. alpha and beta scale as the GEMM's.
BOOST_AUTO_TEST_CASE(dot_tiles_of_every_size_give_each_element_the_same_bits) {
  const auto check = [](auto zero) {
    using T = decltype(zero);
    using namespace kernels::fast::gemm_detail;
    constexpr int MR = kDotMR, NR = kDotNR<T>;
    std::mt19937 gen(11);
    std::uniform_real_distribution<double> uniform(-1, 1);
    for (int64_t K : {0, 1, 3, 8, 15, 16, 17, 31, 63, 64, 65, 121, 400, 676}) {
      std::vector<T> a_rows(size_t(MR * K)), b_rows(size_t(NR * K)), old_c(size_t(MR * NR));
      for (T& x : a_rows) x = T(uniform(gen));
      for (T& x : b_rows) x = T(uniform(gen));
      for (T& x : old_c) x = T(uniform(gen));
      const T* a[MR];
      const T* b[NR];
      for (int i = 0; i < MR; ++i) a[i] = a_rows.data() + i * K;
      for (int j = 0; j < NR; ++j) b[j] = b_rows.data() + j * K;
      std::vector<T> whole = old_c;  // the largest tile, then each element alone in a 1 x 1 tile
      dot_tile<T, MR, NR>(K, a, b, T(2), T(0.5), whole.data(), NR);
      for (int i = 0; i < MR; ++i)
        for (int j = 0; j < NR; ++j) {
          T alone = old_c[size_t(i * NR + j)];
          const T* ai[1] = {a[i]};
          const T* bj[1] = {b[j]};
          dot_tile<T, 1, 1>(K, ai, bj, T(2), T(0.5), &alone, 1);
          const T got = whole[size_t(i * NR + j)];
          BOOST_TEST(std::memcmp(&got, &alone, sizeof(T)) == 0,
                     "K=" << K << " (" << i << ", " << j << "): " << got << " in the tile, " << alone << " alone");
          double naive = 0;
          for (int64_t k = 0; k < K; ++k) naive += double(a[i][k]) * double(b[j][k]);
          naive = 2 * naive + 0.5 * double(old_c[size_t(i * NR + j)]);
          BOOST_TEST(std::abs(double(got) - naive) <= 1e-5 * double(std::max<int64_t>(K, 1)));
        }
      if constexpr (MR > 1 && NR > 2) {  // and a tile of other sizes in between
        std::vector<T> part = old_c;
        const T* a2[MR - 1];
        const T* b2[NR / 2];
        for (int i = 0; i < MR - 1; ++i) a2[i] = a[i + 1];
        for (int j = 0; j < NR / 2; ++j) b2[j] = b[j + NR / 2];
        dot_tile<T, MR - 1, NR / 2>(K, a2, b2, T(2), T(0.5), part.data() + NR + NR / 2, NR);
        for (int i = 1; i < MR; ++i)
          for (int j = NR / 2; j < NR; ++j)
            BOOST_TEST(std::memcmp(&part[size_t(i * NR + j)], &whole[size_t(i * NR + j)], sizeof(T)) == 0,
                       "K=" << K << " (" << i << ", " << j << ") in a " << MR - 1 << " x " << NR / 2 << " tile");
      }
    }
  };
  check(0.0f);
  check(0.0);
}

BOOST_AUTO_TEST_CASE(alpha_and_beta_scale_the_product_and_the_old_c) {
  for (const Problem& p : problems()) {
    if (p.M * p.N * p.K > 100 * 100 * 100) continue;  // the large sizes are covered above
    for (const auto& [alpha, beta] : std::vector<std::pair<double, double>>{{1.0, 0.0}, {-0.5, 1.0}, {2.0, 0.25}})
      BOOST_TEST_CONTEXT("M=" << p.M << " N=" << p.N << " K=" << p.K << " alpha=" << alpha << " beta=" << beta) {
        for (double error : relative_errors<double>(
                 {kernels::fast::gemm<double>, kernels::fast::gemm_blocked<double>}, p, alpha, beta))
          BOOST_TEST(error < 1e-13);
      }
  }
}

BOOST_AUTO_TEST_CASE(beta_zero_never_reads_c) {
  // C starts as NaN: with beta == 0 it must be overwritten, not multiplied (0 * NaN is NaN).
  for (GemmFn<double> gemm : {kernels::fast::gemm<double>, kernels::reference::gemm<double>})
    for (int64_t n : {5, 70}) {
      std::vector<double> A(size_t(n * n), 1.0), B(size_t(n * n), 2.0), C(size_t(n * n), std::nan(""));
      gemm(false, false, n, n, n, 1.0, A.data(), n, B.data(), n, 0.0, C.data(), n);
      for (double c : C) BOOST_TEST(c == 2.0 * double(n));
    }
}

BOOST_AUTO_TEST_CASE(empty_inner_dimension_scales_c_by_beta) {
  for (GemmFn<double> gemm : {kernels::fast::gemm<double>, kernels::reference::gemm<double>}) {
    std::vector<double> C = {1, 2, 3, 4};
    gemm(false, false, 2, 2, 0, 1.0, nullptr, 1, nullptr, 2, 0.5, C.data(), 2);
    BOOST_TEST(C == std::vector<double>({0.5, 1, 1.5, 2}), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(one_and_two_threads_give_identical_bits) {
  for (const Problem& p : {Problem{257, 257, 257, false, false}, Problem{300, 520, 100, true, true},
                           Problem{64, 2000, 9, false, false}, Problem{16, 121, 72, false, true},
                           Problem{72, 121, 16, true, false}, Problem{200, 64, 784, false, true}}) {
    Operands<float> ops(p, 7);
    std::vector<float> one = ops.C, two = ops.C;
    {
      ThreadCount threads(1);
      kernels::fast::gemm<float>(p.trans_a, p.trans_b, p.M, p.N, p.K, 1.0f, ops.A.data(), ops.lda, ops.B.data(),
                                 ops.ldb, 0.5f, one.data(), ops.ldc);
    }
    {
      ThreadCount threads(2);
      kernels::fast::gemm<float>(p.trans_a, p.trans_b, p.M, p.N, p.K, 1.0f, ops.A.data(), ops.lda, ops.B.data(),
                                 ops.ldb, 0.5f, two.data(), ops.ldc);
    }
    BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()
