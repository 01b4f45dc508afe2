// Rank 0 touches the file; the outcome, and what was read, travel by broadcast.
#include "distributed/checkpoint.h"

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "distributed/collectives.h"

namespace sg::distributed {

namespace {

// Runs fn on rank 0; every rank gets rank 0's error message (empty when it went well) and throws it.
void on_rank0(const std::function<void()>& fn) {
  const boost::mpi::communicator world;
  std::string error;
  if (world.rank() == 0) {
    try {
      fn();
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "unknown error";
    }
  }
  boost::mpi::broadcast(world, error, 0);
  if (!error.empty()) throw std::runtime_error(world.rank() == 0 ? error : "rank 0: " + error);
}

}  // namespace

void save_on_rank0(const std::function<void()>& write) { on_rank0(write); }

nn::TensorFile load_on_rank0(const std::filesystem::path& path) {
  const boost::mpi::communicator world;
  nn::TensorFile file;
  on_rank0([&] { file = nn::load_tensors(path); });
  // The header first (names, dtypes, shapes, metadata), then each tensor's data in its own dtype.
  std::vector<std::string> names;
  std::vector<int> dtypes;
  std::vector<std::vector<int64_t>> shapes;
  if (world.rank() == 0)
    for (const auto& [name, t] : file.tensors) {
      names.push_back(name);
      dtypes.push_back(int(t.dtype()));
      shapes.emplace_back(t.shape().begin(), t.shape().end());
    }
  boost::mpi::broadcast(world, names, 0);
  boost::mpi::broadcast(world, dtypes, 0);
  boost::mpi::broadcast(world, shapes, 0);
  boost::mpi::broadcast(world, file.metadata, 0);
  if (world.rank() != 0)
    for (size_t i = 0; i < names.size(); ++i)
      file.tensors.emplace_back(names[i], empty(Shape(shapes[i]), Dtype(dtypes[i])));
  for (auto& [name, t] : file.tensors) broadcast(t, 0);
  return file;
}

}  // namespace sg::distributed
