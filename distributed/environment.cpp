// MPI's start and end through Boost.MPI, and the one way a failing rank ends the run.
#include "distributed/environment.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <fmt/format.h>

namespace sg::distributed {

namespace {

// An exception escaping main (or thrown through a noexcept frame) ends up here: said and turned into an
// abort of the whole run, where std::abort would end this rank alone and leave the others waiting.
[[noreturn]] void terminate_handler() {
  std::string message = "terminate called without an active exception";
  if (const std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
      message = "an exception of unknown type";
    }
  }
  abort(message);
}

}  // namespace

Environment::Environment(int& argc, char**& argv)
    // Funneled: the kernels run threads of their own, but only the main thread calls MPI.
    : environment_(std::make_unique<boost::mpi::environment>(argc, argv, boost::mpi::threading::funneled,
                                                             /*abort_on_exception=*/true)) {
  std::set_terminate(terminate_handler);
}

Environment::~Environment() = default;

int rank() { return boost::mpi::communicator().rank(); }

int world_size() { return boost::mpi::communicator().size(); }

void barrier() { boost::mpi::communicator().barrier(); }

int launcher_rank() {
  // Open MPI, then MPICH's and PMIx's names.
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 0;
}

void abort(const std::string& message) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) {
    std::fprintf(stderr, "error: %s\n", message.c_str());
    std::_Exit(1);
  }
  // One write per line, flushed before the abort: mpirun forwards each rank's stderr, and a message still
  // in a buffer would die with the process.
  const std::string line = fmt::format("error: rank {} of {}: {}\n", rank(), world_size(), message);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return; this is for the compiler
}

int run(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    abort("out of memory: a tensor of the sizes asked for does not fit; try smaller ones");
  } catch (const std::exception& e) {
    abort(e.what());
  }
}

}  // namespace sg::distributed
