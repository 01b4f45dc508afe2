// The fast GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T. What matmul, linear
// and conv2d run; reference/gemm.h is the same product as a plain loop. Two paths and a chooser:
// gemm_small (register tiles read straight from A and B, for matrices too small to pay for packing),
// gemm_blocked (cache blocks, packed panels, a register-tiled micro-kernel), and gemm, which picks one
// from the sizes alone.
// Legend: M rows of C, N columns of C, K the inner dimension; lda/ldb/ldc are row strides in elements.
//         MR x NR is the tile of C the micro-kernel keeps in registers; MC, NB, KC the cache blocks.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/parallel.h"

namespace sg::kernels::fast {

namespace gemm_detail {

/// One dot product per element of C, summed in a register: for products of a few dozen multiply-adds.
template <class T>
void gemm_dots(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k)
        acc += (trans_a ? A[k * lda + i] : A[i * lda + k]) * (trans_b ? B[j * ldb + k] : B[k * ldb + j]);
      C[i * ldc + j] = alpha * acc + (beta == T(0) ? T(0) : beta * C[i * ldc + j]);
    }
}

// The widest vector register the compiler may use: 64 bytes with AVX-512, 32 with AVX, else 16 (SSE2,
// every x86-64). GCC's vector extensions let us write `acc += a * b` on whole registers, portably.
#if defined(__AVX512F__)
inline constexpr int kVectorBytes = 64;
#elif defined(__AVX__)
inline constexpr int kVectorBytes = 32;
#else
inline constexpr int kVectorBytes = 16;
#endif

template <class T>
struct Vector {
  typedef T type __attribute__((vector_size(kVectorBytes)));
};

/// One step of sum_lanes on vectors of L lanes holding `groups` groups of S = L / groups lanes each:
/// the lanes of two vectors x and y that go to the first (lo) and second (hi) operand of the add, so
/// that lo + hi holds 2 * groups groups of S / 2, the first half of every group of x and then of y,
/// each plus its second half. Constant indices, so each shuffle is one instruction.
template <class T, int groups>
struct HalvesOfGroups {
  static constexpr int L = kVectorBytes / int(sizeof(T)), S = L / groups;
  static constexpr auto index(int half) {
    std::array<int, L> at{};
    for (int r = 0; r < L; ++r) {
      const int q = r % (L / 2);
      at[size_t(r)] = (r < L / 2 ? 0 : L) + q / (S / 2) * S + q % (S / 2) + half * S / 2;
    }
    return at;
  }
  static constexpr std::array<int, L> lo = index(0), hi = index(1);

  template <class V, size_t... r>
  static V add(V x, V y, std::index_sequence<r...>) {
    return __builtin_shufflevector(x, y, lo[r]...) + __builtin_shufflevector(x, y, hi[r]...);
  }
};

/// sums[j] = the sum of acc[j]'s lanes, for NR accumulators (a power of two, at most the lane count),
/// every one added as the same tree, halves first: lane l + L/2 onto lane l, then l + L/4, and so on.
/// One step adds the halves of every group of lanes of two vectors at once: eight accumulators of 16
/// lanes become four vectors of 2 x 8 partial sums, then two of 4 x 4, then one of 8 x 2, then (the
/// vector with itself) 8 x 1: 8 vector adds and 16 shuffles where eight separate trees took 8 x 15
/// scalar adds, most of a short dot's time. The tree does not depend on NR, so an element gets the
/// same bits in any tile.
template <class T, int NR, int groups = 1, class V>
[[gnu::always_inline]] inline void sum_lanes(V (&acc)[NR], T (&sums)[NR]) {
  constexpr int L = kVectorBytes / int(sizeof(T));
  static_assert(NR <= L && (NR & (NR - 1)) == 0, "NR: a power of two, at most the lane count");
  constexpr auto lanes = std::make_index_sequence<size_t(L)>();
  if constexpr (groups < NR) {  // pairs of vectors into one
    for (int m = 0; m < NR / groups / 2; ++m)
      acc[m] = HalvesOfGroups<T, groups>::add(acc[2 * m], acc[2 * m + 1], lanes);
    return sum_lanes<T, NR, groups * 2>(acc, sums);
  } else if constexpr (groups < L) {  // one vector, NR groups of L / groups lanes: halve them in place
    acc[0] = HalvesOfGroups<T, groups>::add(acc[0], acc[0], lanes);  // (the second half a copy)
    return sum_lanes<T, NR, groups * 2>(acc, sums);
  } else {  // lane j: accumulator j's sum
    T all[L];
    std::memcpy(all, &acc[0], sizeof(all));
    for (int j = 0; j < NR; ++j) sums[j] = all[j];
  }
}

/// An MR x NR tile of A x B^T when both are read along k (the rows a[i] of A and b[j] of B contiguous):
/// a conv layer's weight gradient, 9 taps by 8 filters summed over 676 positions. One accumulator of
/// lanes per element (lane l sums the k with k % lanes == l, in order), each loaded vector of A used for
/// NR products and each of B for MR; then sum_lanes, then the k that do not fill a vector, in order.
///   C[i, j] = alpha * sum_k a[i][k] b[j][k] + beta * C[i, j]      (beta == 0: C is not read)
template <class T, int MR, int NR>
void dot_tile(int64_t K, const T* const (&a)[MR], const T* const (&b)[NR], T alpha, T beta, T* C, int64_t ldc) {
  using V = typename Vector<T>::type;
  constexpr int64_t kLanes = kVectorBytes / int64_t(sizeof(T));
  V acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = V{};
  int64_t k = 0;
  for (; k + kLanes <= K; k += kLanes) {
    V av[MR];
    for (int i = 0; i < MR; ++i) std::memcpy(&av[i], a[i] + k, sizeof(V));
    for (int j = 0; j < NR; ++j) {
      V bv;
      std::memcpy(&bv, b[j] + k, sizeof(V));
      // Keep bv in a register: GCC would otherwise fold the load into each of the MR multiply-adds
      // (24 loads a step instead of 11), and loads, not multiplies, would set the pace.
#if defined(__x86_64__)
      __asm__("" : "+v"(bv));
#endif
      for (int i = 0; i < MR; ++i) acc[i][j] += av[i] * bv;
    }
  }
  for (int i = 0; i < MR; ++i) {
    T sums[NR];
    sum_lanes(acc[i], sums);
    for (int j = 0; j < NR; ++j) {
      T total = sums[j];
      for (int64_t t = k; t < K; ++t) total += a[i][t] * b[j][t];
      T& c = C[i * ldc + j];
      c = alpha * total + (beta == T(0) ? T(0) : beta * c);
    }
  }
}

// The dot tile: 3 x 8 accumulators with AVX-512 (24 of its 32 registers, plus 3 of A and 1 of B), 1 x 8
// with 16 registers; never wider than a vector has lanes (sum_lanes).
inline constexpr int kDotMR = kVectorBytes == 64 ? 3 : 1;
template <class T>
inline constexpr int kDotNR = std::min(8, kVectorBytes / int(sizeof(T)));

// The register tile. The micro-kernel holds MR x NR of C in MR * kNV vector registers, and per step of
// k loads kNV vectors of B and broadcasts MR scalars of A: MR * kNV FMAs for MR + kNV loads. AVX-512
// has 32 registers (room for 12 x 2 accumulators), AVX2 and SSE 16 (room for 6 x 2).
inline constexpr int kNV = 2;
inline constexpr int kMR = kVectorBytes == 64 ? 12 : 6;
inline constexpr int kMRThird = kMR / 3;  // tiles of C's last rows are 1, 2 or 3 thirds of kMR high
template <class T>
inline constexpr int kNR = kNV * kVectorBytes / int(sizeof(T));

// The cache blocks, fixed so that the order of every sum is fixed whatever the thread count.
// - KC: the most depth of one pass. A packed MR x KC sliver of A and KC x NR sliver of B stay in L1.
// - MC x KC of packed A (96 x 256 floats: 96 KiB) stays in L2 while the NR-wide slivers of B stream by.
inline constexpr int64_t kKC = 256;
inline constexpr int64_t kMC = 96;  // a multiple of kMR (6 and 12)
inline constexpr int64_t kDirectMaxN = 256;  // the widest C for which a row-major A is read in place
inline constexpr int64_t kDirectMaxM = 96;   // the tallest C for which a row-major B is read in place
inline constexpr int64_t kBandWork = 1 << 19;  // multiply-adds a thread's band needs to pay for the thread

/// Packs rows [i0, i0 + mc) and depth [p0, p0 + kc) of op(A) into MR-row slivers, each stored k-major
/// (a[p * MR + i]) so the micro-kernel reads it front to back; rows past M are zero.
template <class T>
void pack_a(T* dst, bool trans_a, const T* A, int64_t lda, int64_t M, int64_t i0, int64_t mc, int64_t p0,
            int64_t kc) {
  for (int64_t ir = 0; ir < mc; ir += kMR, dst += kMR * kc)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t i = 0; i < kMR; ++i) {
        const int64_t row = i0 + ir + i, k = p0 + p;
        dst[p * kMR + i] = row < M ? (trans_a ? A[k * lda + row] : A[row * lda + k]) : T(0);
      }
}

/// One round of transpose_block: between rows r and r + S (bit S of r clear), row r's lanes with bit S
/// set trade places with row r + S's lanes with it clear. The lane indices of each shuffle count into
/// (row r, row r + S) side by side, so kLanes + l is lane l of the second.
template <int S, int kLanes, class V, std::size_t... L>
[[gnu::always_inline]] inline void transpose_round(V* rows, std::index_sequence<L...> lanes) {
#pragma GCC unroll 16
  for (int r = 0; r < kLanes; ++r)
    if (!(r & S)) {
      const V a = rows[r], b = rows[r + S];
      rows[r] = __builtin_shufflevector(a, b, ((L & S) ? kLanes + L - S : L)...);
      rows[r + S] = __builtin_shufflevector(a, b, ((L & S) ? kLanes + L : L + S)...);
    }
  if constexpr (S > 1) transpose_round<S / 2, kLanes>(rows, lanes);
}

/// Transposes, in registers, the square block of kLanes rows of kLanes lanes: afterwards rows[l][r]
/// holds what rows[r][l] held. Round S (kLanes / 2, ..., 2, 1) swaps the off-diagonal S x S blocks of
/// every 2S x 2S block. Element (r, l) moves to (r ^ S, l ^ S) exactly when bits S of r and l differ,
/// so after every round it sits at (l, r). Two shuffles per pair of rows.
template <class T>
[[gnu::always_inline]] inline void transpose_block(typename Vector<T>::type (&rows)[kVectorBytes / sizeof(T)]) {
  constexpr int kLanes = kVectorBytes / int(sizeof(T));
  transpose_round<kLanes / 2, kLanes>(rows, std::make_index_sequence<kLanes>{});
}

/// Packs depth [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into NR-column slivers, each stored
/// k-major (b[p * NR + j]); columns past N are zero.
/// A transposed B (a linear layer's weight, y = x W^T) has op(B)'s columns as its rows: squares of
/// kLanes columns by kLanes k are read a row at a time and transposed in registers, twice as fast as
/// gathering one element at a time down the rows.
template <class T>
void pack_b(T* dst, bool trans_b, const T* B, int64_t ldb, int64_t N, int64_t j0, int64_t nc, int64_t p0,
            int64_t kc) {
  using V = typename Vector<T>::type;
  constexpr int NR = kNR<T>, kLanes = kVectorBytes / int(sizeof(T));
  if (trans_b) {
    for (int64_t jr = 0; jr < nc; jr += NR, dst += NR * kc)
      for (int64_t jb = 0; jb < NR; jb += kLanes) {
        const int64_t col = j0 + jr + jb;  // op(B)'s column col + r is B's row col + r
        int64_t p = 0;
        if (col + kLanes <= N)
          for (; p + kLanes <= kc; p += kLanes) {
            V rows[kLanes];
            for (int r = 0; r < kLanes; ++r) std::memcpy(&rows[r], B + (col + r) * ldb + p0 + p, sizeof(V));
            transpose_block<T>(rows);
            for (int r = 0; r < kLanes; ++r) std::memcpy(dst + (p + r) * NR + jb, &rows[r], sizeof(V));
          }
        for (; p < kc; ++p)  // the last k, and columns at or past N
          for (int64_t j = 0; j < kLanes; ++j) dst[p * NR + jb + j] = col + j < N ? B[(col + j) * ldb + p0 + p] : T(0);
      }
    return;
  }
  for (int64_t jr = 0; jr < nc; jr += NR, dst += NR * kc)
    for (int64_t p = 0; p < kc; ++p) {
      const int64_t k = p0 + p;
      if (j0 + jr + NR <= N) {  // the common case: one contiguous row segment
        std::memcpy(dst + p * NR, B + k * ldb + j0 + jr, NR * sizeof(T));
        continue;
      }
      for (int64_t j = 0; j < NR; ++j) {
        const int64_t col = j0 + jr + j;
        dst[p * NR + j] = col < N ? B[k * ldb + col] : T(0);
      }
    }
}

/// C = alpha * acc + beta * C for a register tile of MR rows by NV vectors, of which only the top-left
/// mr x nr is written (edges of C). Shared by both tile kernels; always inlined, so acc stays in registers.
template <class T, int MR, int NV>
[[gnu::always_inline]] inline void store_tile(const typename Vector<T>::type (&acc)[MR][NV], T alpha, T beta, T* C,
                                              int64_t ldc, int64_t mr, int64_t nr) {
  using V = typename Vector<T>::type;
  constexpr int kLanes = kVectorBytes / int(sizeof(T)), NR = NV * kLanes;
  if (mr == MR && nr == NR) {  // a whole tile: whole vectors in and out of C
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < NV; ++v) {
        T* c = C + i * ldc + v * kLanes;
        V out = alpha * acc[i][v];
        if (beta != T(0)) {
          V old;
          std::memcpy(&old, c, sizeof(V));
          out += beta * old;
        }
        std::memcpy(c, &out, sizeof(V));
      }
    return;
  }
  // The same two steps as above, one element at a time: an element must get the same bits in a partial
  // tile as in a whole one (the rows a band of rows ends on depend on the band, not on the element), and
  // a compiler may fuse a multiply into an add within one expression only (clang does, GCC everywhere).
  T tile[MR][NR];
  std::memcpy(tile, acc, sizeof(tile));
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) {
      T& c = C[i * ldc + j];
      T out = alpha * tile[i][j];
      if (beta != T(0)) out += beta * c;
      c = out;
    }
}

/// The micro-kernel: an MR x NR tile of C from a packed A sliver (kc x MR) and B sliver (kc x NR).
/// acc lives in registers for the whole k loop; C is touched once, at the end:
///   C = alpha * acc + beta * C     (first pass over k)      C += alpha * acc     (later passes, beta = 1)
/// Only the top-left mr x nr of the tile is written (edges of C).
/// kDirectA: A is read where it lies, row i at a + i * lda (a row-major A needs no packed copy: the
/// broadcasts read each of the MR rows front to back); otherwise a is a packed sliver (kMR rows wide,
/// whatever MR) and lda unused.
/// B's k-th row of NR starts at b + k * ldb: ldb is NR for a packed sliver, B's own stride for a
/// row-major B read in place.
/// MR: kMR, or fewer for the last rows of C (see micro_kernel_rows).
template <class T, bool kDirectA, int MR>
inline void micro_kernel(int64_t kc, const T* a, int64_t lda, const T* b, int64_t ldb, T alpha, T beta, T* C,
                         int64_t ldc, int64_t mr, int64_t nr) {
  using V = typename Vector<T>::type;
  constexpr int kLanes = kVectorBytes / int(sizeof(T));
  V acc[MR][kNV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < kNV; ++v) acc[i][v] = V{};
  for (int64_t p = 0; p < kc; ++p, b += ldb) {
    V bv[kNV];
    for (int v = 0; v < kNV; ++v) std::memcpy(&bv[v], b + v * kLanes, sizeof(V));
    // A read in place is often in no cache yet (a batch straight from a dataset): while this tile
    // works, bring the next tile's rows (the same k, MR rows down) into L2, a line per row every 16 k.
    // Fetching this tile's own rows instead comes too late: every tile's first lines would still wait.
    if (kDirectA && p % 16 == 0)
      for (int i = 0; i < MR; ++i) __builtin_prefetch(a + (i + MR) * lda + p, 0, 2);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const T ai = kDirectA ? a[i * lda + p] : a[p * kMR + i];
      for (int v = 0; v < kNV; ++v) acc[i][v] += ai * bv[v];  // scalar * vector: a broadcast FMA
    }
  }
  store_tile(acc, alpha, beta, C, ldc, mr, nr);
}

/// micro_kernel with the fewest rows (kMR, or 2 or 1 kMRThird) that cover the mr rows left: C's last
/// rows cost what they are, not a whole tile (64 rows are 5 tiles of 12 and one of 4, not 6 of 12).
/// Each element's sum is the same whatever the tile's height.
template <class T, bool kDirectA = false>
inline void micro_kernel_rows(int64_t kc, const T* a, int64_t lda, const T* b, int64_t ldb, T alpha, T beta, T* C,
                              int64_t ldc, int64_t mr, int64_t nr) {
  if (mr > 2 * kMRThird) return micro_kernel<T, kDirectA, kMR>(kc, a, lda, b, ldb, alpha, beta, C, ldc, mr, nr);
  if (mr > kMRThird)
    return micro_kernel<T, kDirectA, 2 * kMRThird>(kc, a, lda, b, ldb, alpha, beta, C, ldc, mr, nr);
  micro_kernel<T, kDirectA, kMRThird>(kc, a, lda, b, ldb, alpha, beta, C, ldc, mr, nr);
}

/// Buffers for the packed panels, one pair per calling thread, kept between calls so a training loop
/// does not allocate on every product.
template <class T>
struct PackBuffers {
  std::vector<T> a, b;
};
template <class T>
PackBuffers<T>& pack_buffers() {
  thread_local PackBuffers<T> buffers;
  return buffers;
}

// The tile of gemm_small: kSmallMR rows of C by kNV vectors, in registers for the whole k loop
// (16 accumulators of AVX-512's 32 registers; 8 of the 16 with AVX2 or SSE).
inline constexpr int kSmallMR = kVectorBytes == 64 ? 8 : 4;
// Multiply-adds a chunk of gemm_small's parallel work carries: about what starting and joining a second
// thread costs, so a product below two chunks is better done by one.
inline constexpr int64_t kSmallChunkWork = 1 << 18;

/// One MR x NR tile of C straight from the operands, no packing: row i of op(A) starts at a[i] and
/// steps by sk along k (A or A^T alike); B is row-major (K, NR or more) with row stride ldb.
///   acc[i, :] = sum over k, in order, of a[i][k * sk] * B[k, :]        C = alpha * acc + beta * C
/// Only the top-left mr x nr is written (edges of C).
/// MR rows: kSmallMR, or fewer for the last rows of C (1 for a batch-1 layer), so no row is computed
/// that is not stored. NV vectors wide: kNV, or 1 for a C no wider than one vector (a conv layer's 8
/// or 16 filters). Every element is the same sum in the same order whatever the tile's size.
template <class T, int MR, int NV>
inline void small_tile(int64_t K, const T* const* a, int64_t sk, const T* b, int64_t ldb, T alpha, T beta, T* C,
                       int64_t ldc, int64_t mr, int64_t nr) {
  using V = typename Vector<T>::type;
  constexpr int kLanes = kVectorBytes / int(sizeof(T));
  V acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = V{};
  for (int64_t k = 0; k < K; ++k, b += ldb) {
    V bv[NV];
    for (int v = 0; v < NV; ++v) std::memcpy(&bv[v], b + v * kLanes, sizeof(V));
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const T av = a[i][k * sk];
      for (int v = 0; v < NV; ++v) acc[i][v] += av * bv[v];
    }
  }
  store_tile(acc, alpha, beta, C, ldc, mr, nr);
}

/// small_tile with the fewest rows (kSmallMR, 4, 2 or 1) that cover the mr rows left.
template <class T, int NV>
inline void small_tile_rows(int64_t K, const T* const* a, int64_t sk, const T* b, int64_t ldb, T alpha, T beta,
                            T* C, int64_t ldc, int64_t mr, int64_t nr) {
  if (mr > 4) return small_tile<T, kSmallMR, NV>(K, a, sk, b, ldb, alpha, beta, C, ldc, mr, nr);
  if (mr > 2) return small_tile<T, 4, NV>(K, a, sk, b, ldb, alpha, beta, C, ldc, mr, nr);
  if (mr > 1) return small_tile<T, 2, NV>(K, a, sk, b, ldb, alpha, beta, C, ldc, mr, nr);
  small_tile<T, 1, NV>(K, a, sk, b, ldb, alpha, beta, C, ldc, mr, nr);
}

/// Row i of C, columns [j0, j1), k outermost: c[i, j] = sum over k, in order, of a[k * sk] * B[k, j],
/// kRowChunk columns at a time summed in a small array, each row of B read front to back. For a single
/// row (a batch-1 layer's input gradient) or a single k (an outer product: its weight gradient), where
/// register tiles would wait on one chain of K multiply-adds per tile, or compute rows never stored.
template <class T>
void row_of_products(int64_t i, int64_t j0, int64_t j1, int64_t K, const T* a, int64_t sk, const T* B, int64_t ldb,
                     T alpha, T beta, T* C, int64_t ldc) {
  if (K == 1) {  // an outer product: one multiply an element, straight into C (no sum to keep aside)
    const T ak = a[0];
    T* out = C + i * ldc;
    if (beta == T(0))
      for (int64_t j = j0; j < j1; ++j) out[j] = alpha * (ak * B[j]);
    else
      for (int64_t j = j0; j < j1; ++j) out[j] = alpha * (ak * B[j]) + beta * out[j];
    return;
  }
  constexpr int64_t kRowChunk = 256;
  for (int64_t j = j0; j < j1; j += kRowChunk) {
    const int64_t n = std::min(kRowChunk, j1 - j);
    T acc[kRowChunk];
    for (int64_t c = 0; c < n; ++c) acc[c] = a[0] * B[j + c];
    for (int64_t k = 1; k < K; ++k) {
      const T ak = a[k * sk];
      const T* b = B + k * ldb + j;
      for (int64_t c = 0; c < n; ++c) acc[c] += ak * b[c];
    }
    T* out = C + i * ldc + j;
    if (beta == T(0))
      for (int64_t c = 0; c < n; ++c) out[c] = alpha * acc[c];
    else
      for (int64_t c = 0; c < n; ++c) out[c] = alpha * acc[c] + beta * out[c];
  }
}

/// Columns [j, N) of a block of MR rows of A x B^T: dot tiles NR wide while they fit, then NR / 2, ..., 1.
template <class T, int MR, int NR>
void dot_tiles_across(int64_t K, const T* const (&a)[MR], const T* B, int64_t ldb, int64_t j, int64_t N, T alpha,
                      T beta, T* C, int64_t ldc) {
  for (; j + NR <= N; j += NR) {
    const T* b[NR];
    for (int u = 0; u < NR; ++u) b[u] = B + (j + u) * ldb;
    dot_tile<T, MR, NR>(K, a, b, alpha, beta, C + j, ldc);
  }
  if constexpr (NR > 1)
    if (j < N) dot_tiles_across<T, MR, NR / 2>(K, a, B, ldb, j, N, alpha, beta, C, ldc);
}

/// The rows [0, mr) of A x B^T (mr <= MR) in dot tiles of exactly mr rows, so none is computed in vain.
template <class T, int MR>
void dot_rows(int64_t K, const T* A, int64_t lda, int64_t mr, const T* B, int64_t ldb, int64_t N, T alpha, T beta,
              T* C, int64_t ldc) {
  if constexpr (MR > 1)
    if (mr < MR) return dot_rows<T, MR - 1>(K, A, lda, mr, B, ldb, N, alpha, beta, C, ldc);
  const T* a[MR];
  for (int i = 0; i < MR; ++i) a[i] = A + i * lda;
  dot_tiles_across<T, MR, kDotNR<T>>(K, a, B, ldb, 0, N, alpha, beta, C, ldc);
}
}  // namespace gemm_detail

/// For products too small to pay for packing (a conv layer's few filters against one image's im2col
/// matrix, a narrow layer): each kSmallMR x NR tile of C is summed in registers straight from A and
/// B, with no packed copies. Tiles go to threads in fixed chunks; each C element is one sum over k in
/// order, whoever computes it.
template <class T>
void gemm_small(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  using namespace gemm_detail;
  constexpr int64_t MR = kSmallMR, kLanes = kVectorBytes / int64_t(sizeof(T));
  // Tiles one vector wide when C is no wider than that, else kNV vectors.
  const int64_t nv = N <= kLanes ? 1 : kNV, NR = nv * kLanes;
  const int64_t m_blocks = (M + MR - 1) / MR, n_blocks = (N + NR - 1) / NR;
  // A x B^T into a narrow C: every C element can be a dot product of two contiguous rows, which wastes
  // nothing on padding columns or copies, but ends in a sum across lanes (about 8 vector operations an
  // element, shuffles included, in dot tiles). Rough costs in vector operations decide: dots for a long
  // K (a conv layer's weight gradient, 676 positions against 9 taps; a 400 -> 10 layer's forward),
  // tiles otherwise.
  const int64_t dot_cost = M * N * (K / kLanes + 8), tile_cost = m_blocks * n_blocks * K * MR * nv + K * N;
  if (!trans_a && trans_b && N < kNR<T> && dot_cost <= tile_cost) {
    // Blocks of kDotMR rows are the parallel work; each is cut into dot tiles across the columns.
    const int64_t blocks = (M + kDotMR - 1) / kDotMR;
    const int64_t grain = std::max<int64_t>(1, kSmallChunkWork / std::max<int64_t>(1, kDotMR * N * K));
    parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t block = b0; block < b1; ++block)
        dot_rows<T, kDotMR>(K, A + block * kDotMR * lda, lda, std::min<int64_t>(kDotMR, M - block * kDotMR), B, ldb, N,
                            alpha, beta, C + block * kDotMR * ldc, ldc);
    });
    return;
  }
  // Row of C by row of C when there is one row or one k (and B is row-major). The parallel work: pieces
  // of 256 columns of a row, kSmallChunkWork multiply-adds' worth of them to a chunk.
  const int64_t si = trans_a ? 1 : lda, sk = trans_a ? lda : 1;  // op(A)[i, k] is A[i * si + k * sk]
  if (!trans_b && (M == 1 || K == 1)) {
    constexpr int64_t kPiece = 256;
    const int64_t pieces = (N + kPiece - 1) / kPiece;
    parallel_for(M * pieces, std::max<int64_t>(1, kSmallChunkWork / (kPiece * K)), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t i = t / pieces, j = (t % pieces) * kPiece;
        row_of_products(i, j, std::min(N, j + kPiece), K, A + i * si, sk, B, ldb, alpha, beta, C, ldc);
      }
    });
    return;
  }
  // The tile kernel reads whole rows of B: a transposed B is copied to row-major (K, N) first, and the
  // last, partial column block to a (K, NR) block padded with zeros, so every tile reads full vectors.
  // Both copies are made before the threads start and only read by them.
  thread_local std::vector<T> copy, edge;
  if (trans_b) {
    copy.resize(size_t(K * N));
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k) copy[k * N + j] = B[j * ldb + k];
    B = copy.data();
    ldb = N;
  }
  const int64_t n_full = N / NR;
  if (n_full < n_blocks) {
    edge.assign(size_t(K * NR), T(0));
    for (int64_t k = 0; k < K; ++k)
      std::copy(B + k * ldb + n_full * NR, B + k * ldb + N, edge.begin() + k * NR);
  }
  const T* edge_block = edge.data();  // inside the loop `edge` would name the worker thread's own copy
  // Tiles (row block, column block) are the parallel work: kSmallChunkWork multiply-adds per chunk,
  // counting the rows C really has (a one-row product, such as a batch-1 layer's input gradient, must not
  // look eight times larger than it is and start threads it does not pay for).
  const int64_t grain = std::max<int64_t>(1, kSmallChunkWork / std::max<int64_t>(1, std::min<int64_t>(MR, M) * NR * K));
  parallel_for(m_blocks * n_blocks, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = (t / n_blocks) * MR, j0 = (t % n_blocks) * NR;
      const int64_t mr = std::min(MR, M - i0), nr = std::min(NR, N - j0);
      // A last tile of 3 rows runs 4 (the last one repeated): computed in registers, never stored.
      const T* a[MR];
      for (int64_t i = 0; i < MR; ++i) a[i] = A + std::min(i0 + i, M - 1) * si;
      const bool full = j0 / NR < n_full;
      const T* b = full ? B + j0 : edge_block;
      const int64_t ldb_tile = full ? ldb : NR;
      if (nv == 1)
        small_tile_rows<T, 1>(K, a, sk, b, ldb_tile, alpha, beta, C + i0 * ldc + j0, ldc, mr, nr);
      else
        small_tile_rows<T, kNV>(K, a, sk, b, ldb_tile, alpha, beta, C + i0 * ldc + j0, ldc, mr, nr);
    }
  });
}

/// The fast path for large products. C is cut into regions, one per thread, each a band of whole rows or
/// of whole columns; each thread computes its region alone, from its own packed copies, with no waiting
/// on the others until the end. Loop nest within a region, outermost first:
///   pc  over K in passes of equal depth (at most KC): pack this pass's slab of op(B) (the region's
///       columns) and op(A) (its rows), then use them for every tile. Passes run in order, so each C
///       element is summed in the same order whoever computes it: regions change who, never how.
///     ic  over blocks of MC rows (a packed MC x KC block of A stays in L2) ...
///       jr  over NR-wide slivers of B (one stays in L1) ...
///         ir  over MR-high slivers of A in the block: the micro-kernel.
/// Sharing one packed slab between threads would need a barrier every pass, and each thread would then
/// read what the other packed from the other core's cache. A band of rows packs all of op(B) in every thread; bands run the way that repeats the
/// smaller copy.
template <class T>
void gemm_blocked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  using namespace gemm_detail;
  constexpr int64_t MR = kMR, NR = kNR<T>, MC = kMC, KC = kKC;
  const int64_t n_slivers = (N + NR - 1) / NR;
  // A row-major A is read in place when there are few columns (N <= kDirectMaxN): a packed copy would
  // then cost as much as a good part of the product. Wider products pack it, since its rows read in
  // place (a large power-of-two stride apart) would compete for the same cache sets.
  const bool direct_a = !trans_a && N <= kDirectMaxN;
  // Likewise a row-major B when C has few rows (a linear layer's weight gradient dy^T x, where packing
  // x would be a good part of the product): each B sliver read in place is reused by M / MR tiles.
  // Whatever B's row stride: even a power of two, where the sliver's rows share few L1 sets and some
  // come from L2, reading in place beats packing for up to kDirectMaxM rows of C.
  // Only whole slivers: a tile must not read past column N.
  const bool direct_b = !trans_b && !direct_a && M <= kDirectMaxM;
  // Bands of rows repeat the packing of op(B) (N x K) in every thread, bands of columns that of op(A)
  // (M x K, nothing when A is read in place). A B read in place is never copied, so bands of rows then
  // copy nothing twice: each thread packs only its own rows of A (the gradient dy, for a weight
  // gradient, which the first core has just written) and reads all of B.
  // One band per thread that can run (one inside another parallel loop), and kBandWork multiply-adds
  // per band at least, or the second thread costs more than it saves. Bands of rows are cut in thirds
  // of a tile, so 64 rows make two bands of 32 (tiles 12, 12, 8), not 36 and 28.
  const int64_t m_thirds = (M + kMRThird - 1) / kMRThird;
  const int64_t copies_if_rows = direct_b ? 0 : N, copies_if_cols = direct_a ? 0 : M;
  const bool column_bands = copies_if_cols < copies_if_rows ? n_slivers > 1 : m_thirds == 1;
  const int64_t threads = detail::parallel_allowed(2) ? get_num_threads() : 1;
  const int64_t bands = std::clamp<int64_t>(std::min<int64_t>(threads, M * N * K / kBandWork), 1,
                                            column_bands ? n_slivers : m_thirds);
  // Passes of equal depth, at most KC each: K = 784 is four passes of 196, not three of 256 and a last
  // one of 16 that would pay a whole pass's packing for a sixteenth of the work.
  const int64_t passes = (K + KC - 1) / KC, depth = (K + passes - 1) / passes;

  parallel_for(bands, 1, [&](int64_t b0, int64_t b1) {
    PackBuffers<T>& buffers = pack_buffers<T>();  // the running thread's own
    for (int64_t band = b0; band < b1; ++band) {
      const int64_t parts = column_bands ? n_slivers : m_thirds, part = column_bands ? NR : kMRThird;
      const int64_t s0 = band * parts / bands, s1 = (band + 1) * parts / bands;
      const int64_t i0 = column_bands ? 0 : s0 * part, i1 = column_bands ? M : std::min(M, s1 * part);
      const int64_t j0 = column_bands ? s0 * part : 0, j1 = column_bands ? std::min(N, s1 * part) : N;
      const int64_t rows = (i1 - i0 + MR - 1) / MR * MR, cols = (j1 - j0 + NR - 1) / NR * NR;
      // Grown, never shrunk: resizing down and up again would zero the regrown part on every product.
      if (buffers.a.size() < size_t(rows * depth)) buffers.a.resize(size_t(rows * depth));
      if (buffers.b.size() < size_t(cols * depth)) buffers.b.resize(size_t(cols * depth));
      // Read in place, A is still packed for a last partial sliver that no tile's height fits exactly,
      // since the tile must not read past row M.
      const int64_t last_rows = (i1 - i0) % MR;
      const int64_t first_packed = !direct_a ? 0 : last_rows % kMRThird == 0 ? rows : (i1 - i0) / MR * MR;
      const int64_t first_packed_col = direct_b ? (j1 - j0) / NR * NR : 0;
      for (int64_t p0 = 0; p0 < K; p0 += depth) {
        const int64_t kc = std::min(depth, K - p0);
        const T pass_beta = p0 == 0 ? beta : T(1);  // later passes add to what the first one wrote
        if (first_packed_col < cols)
          pack_b(buffers.b.data() + first_packed_col * kc, trans_b, B, ldb, N, j0 + first_packed_col,
                 cols - first_packed_col, p0, kc);
        if (first_packed < rows)
          pack_a(buffers.a.data() + first_packed * kc, trans_a, A, lda, M, i0 + first_packed, rows - first_packed, p0, kc);
        for (int64_t ic = i0; ic < i1; ic += MC)
          for (int64_t j = j0; j < j1; j += NR)
            for (int64_t i = ic; i < std::min(i1, ic + MC); i += MR) {
              const bool b_in_place = j - j0 < first_packed_col;
              const T* b = b_in_place ? B + p0 * ldb + j : buffers.b.data() + (j - j0) * kc;
              const int64_t b_step = b_in_place ? ldb : NR;
              T* c = C + i * ldc + j;
              if (i - i0 < first_packed)
                micro_kernel_rows<T, true>(kc, A + i * lda + p0, lda, b, b_step, alpha, pass_beta, c, ldc,
                                           std::min(MR, i1 - i), std::min(NR, N - j));
              else
                micro_kernel_rows<T>(kc, buffers.a.data() + (i - i0) * kc, 0, b, b_step, alpha, pass_beta, c, ldc,
                                     std::min(MR, i1 - i), std::min(NR, N - j));
            }
      }
    }
  });
}

/// C = alpha * op(A) * op(B) + beta * C (beta == 0: C is only written, never read).
/// Which path runs depends on the sizes alone, never on the thread count, so results are bitwise the
/// same for any number of threads.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  // A few dozen multiply-adds (a 1x1 or 4x4 matmul): setting up the vector kernels would cost more
  // than the product.
  if (M * N * K <= 64) return gemm_detail::gemm_dots(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  // Packing costs about (M + N) * K copies against M * N * K multiply-adds: it pays once the tile of C
  // is big enough in both directions to reuse each packed element several times. With at most two
  // small tiles of rows (a conv layer's O filters against its im2col matrix) the small kernel reads B
  // only twice, unpacked, and A stays in cache: no packing beats packing there.
  const bool small = K < 8 || M <= 2 * gemm_detail::kSmallMR || N < gemm_detail::kNR<T> || M * N * K < 32 * 32 * 32;
  if (small)
    gemm_small(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  else
    gemm_blocked(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/// Whether two independent products of `work` multiply-adds each are worth running side by side on two
/// threads: each is large enough to pay for a thread, and too small for gemm to split it by itself.
inline bool two_products_pay_for_two_threads(int64_t work) {
  return work >= gemm_detail::kSmallChunkWork && work < 2 * gemm_detail::kBandWork;
}

// The GEMM is compiled once, in the autograd library with its kernel flags (-march=native in the default
// preset). A program that includes this header with other flags (a test, a benchmark) must call that copy
// rather than instantiate its own: the linker keeps whichever copy it meets first, and a copy built for
// another vector width is slower and sums in another order.
#define SG_GEMM_SIGNATURE(name, T)                                                                          \
  void name<T>(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, \
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc)
extern template SG_GEMM_SIGNATURE(gemm_small, float);
extern template SG_GEMM_SIGNATURE(gemm_small, double);
extern template SG_GEMM_SIGNATURE(gemm_blocked, float);
extern template SG_GEMM_SIGNATURE(gemm_blocked, double);
extern template SG_GEMM_SIGNATURE(gemm, float);
extern template SG_GEMM_SIGNATURE(gemm, double);

}  // namespace sg::kernels::fast
