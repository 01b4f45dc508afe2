// The MPI environment of a data-parallel program: one Environment in main starts MPI and ends it, and
// rank() and world_size() say which process this is among how many. Every process of a run (a rank)
// runs the same program; ranks talk only through the collectives of collectives.h.
//   int main(int argc, char** argv) {
//     sg::distributed::Environment mpi(argc, argv);
//     return sg::distributed::run([&] { ...; return 0; });
//   }
// A rank that fails while the others wait in a collective would leave them waiting for ever: run()
// (and, for an exception that escapes main, the terminate handler the Environment installs) prints the
// error with the rank's number and ends every rank of the run with MPI_Abort.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace boost::mpi {
class environment;
}

namespace sg::distributed {

/// Starts MPI on construction and finalises it on destruction; one per program, before any other call.
class Environment {
 public:
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  std::unique_ptr<boost::mpi::environment> environment_;
};

/// This process's number, 0 .. world_size() - 1.
int rank();
/// How many processes the run has (mpirun -np N).
int world_size();
/// Waits until every rank has arrived.
void barrier();
/// This process's rank as the launcher (mpirun) announces it in the environment, readable before MPI
/// starts (to keep all but one rank quiet while parsing a command line); 0 when no launcher set one.
int launcher_rank();

/// Prints "error: rank r of P: message" to stderr and ends every rank of the run (MPI_Abort, exit code 1).
[[noreturn]] void abort(const std::string& message);

/// Runs body and returns its exit code; an exception that escapes it ends the whole run through abort(),
/// with its message, instead of leaving the other ranks waiting in a collective.
int run(const std::function<int()>& body);

}  // namespace sg::distributed
