// The kernels ops call for gather/scatter along a dim, flip and triangles; legend and shapes in
// kernels/reference/indexing.h, which holds the loops.
#pragma once

#include "autograd/kernels/reference/indexing.h"

namespace sg::kernels {

using reference::flip;
using reference::gather_along;
using reference::scatter_add_along;
using reference::scatter_along;
using reference::triangle;

}  // namespace sg::kernels
