// Which matrix of each operand a batched matrix product reads, when the operands' batch dims broadcast.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "autograd/shape.h"

namespace sg::kernels {

/// The output's matrices are numbered row-major over `shape`; matrix (i_0, ..., i_n) reads matrix
/// sum_d i_d a_step[d] of A and sum_d i_d b_step[d] of B, a step being 0 along a dim that operand is
/// broadcast over. An empty shape is one matrix.
struct BatchBroadcast {
  Shape shape;
  std::array<int64_t, Shape::kMaxRank> a_step{}, b_step{};

  /// The matrices of A and of B that output matrix c reads.
  std::pair<int64_t, int64_t> operands(int64_t c) const {
    int64_t a = 0, b = 0;
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      const int64_t i = c % shape[d];
      c /= shape[d];
      a += i * a_step[d];
      b += i * b_step[d];
    }
    return {a, b};
  }
};

}  // namespace sg::kernels
