// scratchgrad's autograd library: Tensor, ops with their gradients, the engine, gradcheck.
#pragma once

#include "autograd/atomic_file.h"
#include "autograd/check.h"
#include "autograd/dtype.h"
#include "autograd/function.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/graphviz.h"
#include "autograd/hooks.h"
#include "autograd/kernel_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "autograd/rng_state.h"
#include "autograd/shape.h"
#include "autograd/tensor.h"
