// scratchgrad's nn library: modules and layers, losses, initialisers, optimizers, schedulers, checkpoints.
#pragma once

#include "scratchgrad/autograd.h"

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/clip_grad.h"
#include "nn/conv.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/module.h"
#include "nn/normalization.h"
#include "nn/optim/adam.h"
#include "nn/optim/optimizer.h"
#include "nn/optim/rmsprop.h"
#include "nn/optim/scheduler.h"
#include "nn/optim/sgd.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
