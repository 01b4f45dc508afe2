// The dims a reduction over several dims runs over, resolved against a shape once: shared by sum, mean,
// var, std, norm, amax and amin.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "autograd/ops.h"

namespace sg {

struct ReducedDims {
  std::array<bool, Shape::kMaxRank> reduced{};  // per dim of x: reduced or not
  bool all = false;                             // every dim is reduced (always so for a 0-dim x)
  Shape kept;                                   // x's shape with size 1 at each reduced dim (keepdim)
  Shape removed;                                // x's shape without the reduced dims
  int64_t count = 1;                            // elements reduced into each output element

  const Shape& out(bool keepdim) const { return keepdim ? kept : removed; }
};

/// Resolves dims against shape (an empty list: every dim); throws naming op for a dim out of range or
/// named twice.
ReducedDims reduce_dims(const Shape& shape, const Dims& dims, std::string_view op);

}  // namespace sg
