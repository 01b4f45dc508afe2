// Rank-ordered sums through gather and broadcast, the broadcast of tensors, and the check that every
// rank holds the same tensors.
#include "distributed/collectives.h"

#include <algorithm>
#include <climits>
#include <type_traits>
#include <vector>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <fmt/format.h>

#include "autograd/check.h"
#include "autograd/dtype.h"
#include "distributed/environment.h"

namespace sg::distributed {

namespace {

// Elements per message: an MPI count is an int, and rank 0 holds world_size() of these at once.
int64_t chunk = int64_t(1) << 22;

// values (n) on every rank  ->  (x_0 + x_1) + ... + x_{P-1}, divided by divisor, on every rank.
// Rank 0 gathers the ranks' values side by side and adds them in rank order, element by element, starting
// from its own: the first rank's values are taken as they are, as backward takes a leaf's first gradient.
template <class T>
void sum_in_rank_order(T* values, int64_t n, int64_t divisor) {
  const boost::mpi::communicator world;
  const int size = world.size();
  if (size == 1 && divisor == 1) return;
  std::vector<T> gathered;
  for (int64_t start = 0; start < n; start += chunk) {
    const int count = int(std::min(chunk, n - start));
    T* x = values + start;
    if (world.rank() == 0) {
      gathered.resize(size_t(count) * size_t(size));
      boost::mpi::gather(world, x, count, gathered.data(), 0);
      for (int r = 1; r < size; ++r) {
        const T* other = gathered.data() + size_t(r) * size_t(count);
        for (int i = 0; i < count; ++i) x[i] += other[i];
      }
      // One division at the end, never a scale per rank: x / divisor is the mean of a big batch's
      // per-example terms however the ranks split it.
      if (divisor != 1)
        for (int i = 0; i < count; ++i) x[i] /= T(divisor);
    } else {
      boost::mpi::gather(world, x, count, 0);
    }
    boost::mpi::broadcast(world, x, count, 0);
  }
}

template <class T>
void broadcast_values(T* values, int64_t n, int root) {
  const boost::mpi::communicator world;
  for (int64_t start = 0; start < n; start += chunk)
    boost::mpi::broadcast(world, values + start, int(std::min(chunk, n - start)), root);
}

// One line per tensor, "name dtype shape", the text every rank's is compared with.
std::vector<std::string> describe(const std::vector<nn::NamedTensor>& tensors) {
  std::vector<std::string> lines;
  lines.reserve(tensors.size());
  for (const auto& [name, t] : tensors) lines.push_back(fmt::format("'{}' {} {}", name, t.dtype(), t.shape()));
  return lines;
}

// FNV-1a over the lines and their ends: equal descriptions give equal digests on every machine.
uint64_t digest(const std::vector<std::string>& lines) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::string& line : lines)
    for (const unsigned char c : line + '\n') h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

void set_message_elements(int64_t elements) {
  SG_CHECK(elements >= 1 && elements <= INT_MAX, "set_message_elements: expected 1 .. {}, got {}", INT_MAX, elements);
  chunk = elements;
}

int64_t message_elements() { return chunk; }

void all_reduce_sum(float* values, int64_t n, int64_t divisor) { sum_in_rank_order(values, n, divisor); }
void all_reduce_sum(double* values, int64_t n, int64_t divisor) { sum_in_rank_order(values, n, divisor); }
void all_reduce_sum(int64_t* values, int64_t n) { sum_in_rank_order(values, n, 1); }

void broadcast(Tensor& tensor, int root) {
  const boost::mpi::communicator world;
  SG_CHECK(root >= 0 && root < world.size(), "broadcast: root must be a rank in 0..{}, got {}", world.size() - 1,
           root);
  dispatch_all(tensor.dtype(), [&]<class T> { broadcast_values(tensor.data<T>(), tensor.numel(), root); });
  ++tensor.impl().storage->version;
}

void all_reduce(Tensor& tensor, ReduceOp op) {
  SG_CHECK(op == ReduceOp::Sum || tensor.dtype() != kInt64,
           "all_reduce: Mean needs a float32 or float64 tensor, got {} {}", tensor.dtype(), tensor.shape());
  const int64_t divisor = op == ReduceOp::Mean ? world_size() : 1;
  dispatch_all(tensor.dtype(), [&]<class T> {
    if constexpr (std::is_same_v<T, int64_t>) all_reduce_sum(tensor.data<T>(), tensor.numel());
    else all_reduce_sum(tensor.data<T>(), tensor.numel(), divisor);
  });
  ++tensor.impl().storage->version;
}

std::vector<std::string> gather_text(const std::string& text) {
  const boost::mpi::communicator world;
  std::vector<std::string> all;
  if (world.rank() == 0) boost::mpi::gather(world, text, all, 0);
  else boost::mpi::gather(world, text, 0);
  return all;
}

void check_same_tensors(const std::vector<nn::NamedTensor>& tensors, const std::string& op) {
  const boost::mpi::communicator world;
  const std::vector<std::string> mine = describe(tensors);
  std::vector<uint64_t> digests;
  boost::mpi::all_gather(world, digest(mine), digests);
  if (std::all_of(digests.begin(), digests.end(), [&](uint64_t d) { return d == digests[0]; })) return;

  // Only when they differ: every rank gets every rank's description and finds the same first difference,
  // so every rank throws the same message and none is left waiting.
  std::vector<std::vector<std::string>> all;
  boost::mpi::all_gather(world, mine, all);
  const std::vector<std::string>& first = all[0];
  for (size_t r = 1; r < all.size(); ++r) {
    const std::vector<std::string>& other = all[r];
    for (size_t i = 0; i < std::max(first.size(), other.size()); ++i) {
      if (i < first.size() && i < other.size() && first[i] == other[i]) continue;
      fail("{}: every rank must hold the same tensors, got rank {}'s tensor {}: {} where rank 0's is {}", op, r, i,
           i < other.size() ? other[i] : "none", i < first.size() ? first[i] : "none");
    }
  }
  fail("{}: the ranks' tensor lists differ", op);  // equal lists cannot give different digests
}

void broadcast_parameters(nn::Module& module) {
  std::vector<nn::NamedTensor> tensors = module.named_parameters();
  for (nn::NamedTensor& buffer : module.named_buffers()) tensors.push_back(std::move(buffer));
  check_same_tensors(tensors, "broadcast_parameters");
  for (auto& [name, t] : tensors) broadcast(t, 0);
}

}  // namespace sg::distributed
