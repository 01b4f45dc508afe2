// Collectives on tensors: every rank calls the same function with tensors of the same shapes and dtypes,
// in the same order, and each returns when all have taken part.
//
// all_reduce adds the ranks' values in rank order, ((x0 + x1) + x2) + ..., on one rank, and sends that
// one result to all: every rank holds the same bits, and a run gives the same bits each time. MPI's own
// MPI_Allreduce is free to add in any order and grouping (it may pair ranks differently with the message
// size or the network), and float addition is not associative, so it is not used for floats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/module.h"

namespace sg::distributed {

enum class ReduceOp { Sum, Mean };

/// Every rank's tensor takes rank root's values, in place (same shape and dtype on every rank).
void broadcast(Tensor& tensor, int root = 0);

/// In place, every rank's tensor becomes the sum of all ranks' tensors, added in rank order; Mean
/// divides that sum once by world_size() (float32 and float64 only).
///   sg::distributed::all_reduce(grad, sg::distributed::ReduceOp::Mean);
void all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::Sum);

/// The same on raw memory, one message for n elements: sum in rank order, then x / divisor (1: none).
void all_reduce_sum(float* values, int64_t n, int64_t divisor = 1);
void all_reduce_sum(double* values, int64_t n, int64_t divisor = 1);
void all_reduce_sum(int64_t* values, int64_t n);

/// The most elements one message carries (2^22 at first): a longer tensor is reduced or broadcast in
/// pieces this long. Rank 0 holds world_size() pieces at once while it adds. Set it alike on every rank.
void set_message_elements(int64_t elements);
int64_t message_elements();

/// Every rank's text, in rank order, on rank 0 (elsewhere an empty list): to print what each rank did.
std::vector<std::string> gather_text(const std::string& text);

/// Throws std::invalid_argument on every rank, naming the first rank and tensor that differ, unless every
/// rank holds the same names, dtypes and shapes, in the same order. One small collective (a 64-bit
/// digest from each rank) when they agree. `op` heads the message.
void check_same_tensors(const std::vector<nn::NamedTensor>& tensors, const std::string& op);

/// Checks that every rank's module has the same parameters and buffers (names, shapes, dtypes), then gives
/// every rank rank 0's values: the replicas start equal.
void broadcast_parameters(nn::Module& module);

}  // namespace sg::distributed
