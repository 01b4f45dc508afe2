// Products along a dim and their gradient: the interface ops call (the plain loops of reference/prod.h).
#pragma once

#include "autograd/kernels/reference/prod.h"

namespace sg::kernels {

using reference::prod_dim;
using reference::prod_dim_backward;

}  // namespace sg::kernels
