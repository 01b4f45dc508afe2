// A program whose rank 1 fails while the others wait in a collective: run with mpirun -np 2 and a mode,
// every rank must end, with the error and the rank that met it on stderr, and mpirun with a non-zero code.
//   throw       rank 1's forward gets a batch of the wrong shape (conv2d throws naming the shapes)
//   mismatch    rank 1's model has another last layer (every rank throws, naming the rank and tensor)
//   uncaught    rank 1 throws outside run(): the Environment's terminate handler ends the run
#include <cstring>
#include <stdexcept>

#include "distributed/data_parallel.h"
#include "distributed/environment.h"
#include "scratchgrad/nn.h"

namespace dist = sg::distributed;
namespace nn = sg::nn;

int main(int argc, char** argv) {
  dist::Environment mpi(argc, argv);
  const std::string mode = argc > 1 ? argv[1] : "throw";
  if (mode == "uncaught") {
    if (dist::rank() == 1) throw std::runtime_error("uncaught on purpose");
    dist::barrier();
    return 0;
  }
  return dist::run([&] {
    const int64_t out = mode == "mismatch" && dist::rank() == 1 ? 7 : 10;
    nn::Sequential model(nn::Conv2d(1, 4, 3), nn::Flatten(), nn::Linear(4 * 26 * 26, out));
    dist::DistributedDataParallel ddp(model);
    const int64_t channels = dist::rank() == 1 ? 3 : 1;
    nn::cross_entropy(ddp.forward(sg::randn({2, channels, 28, 28})), sg::zeros({2}, sg::kInt64)).backward();
    ddp.reduce_gradients();
    return 0;
  });
}
