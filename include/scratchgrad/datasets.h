// scratchgrad's datasets library: the IDX reader, MNIST and Fashion-MNIST, the DataLoader, word lists.
#pragma once

#include "datasets/data_loader.h"
#include "datasets/idx.h"
#include "datasets/mnist.h"
#include "datasets/words.h"
