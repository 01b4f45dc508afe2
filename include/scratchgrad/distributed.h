// scratchgrad's data-parallel training over MPI (the scratchgrad::distributed library, built when MPI
// and Boost.MPI are found): the environment, collectives, DistributedDataParallel, the sampler, checkpoints.
#pragma once

#include "distributed/checkpoint.h"
#include "distributed/collectives.h"
#include "distributed/data_parallel.h"
#include "distributed/environment.h"
#include "distributed/sampler.h"
