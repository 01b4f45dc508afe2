// The kernels ops call for flip and triangles; legend and shapes in
// kernels/reference/indexing.h, which holds the loops.
#pragma once

#include "autograd/kernels/reference/indexing.h"

namespace sg::kernels {

using reference::flip;
using reference::triangle;

}  // namespace sg::kernels
