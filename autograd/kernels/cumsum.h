// Running sums along a dim: the interface ops call (the plain loops of reference/cumsum.h).
#pragma once

#include "autograd/kernels/reference/cumsum.h"

namespace sg::kernels {

using reference::cumsum_dim;

}  // namespace sg::kernels
