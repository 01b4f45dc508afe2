// The command line of a program that mpirun starts P times: every rank reads it, only rank 0 speaks.
#pragma once

#include "tutorials/common/options.h"

namespace sg::tutorial {

/// parse() on every rank, with the usage and errors printed by rank 0 only (each rank would print the
/// same). MPI has not started yet (a --help must not leave it half started), so the rank is mpirun's
/// word. The other ranks' standard output goes to /dev/null for good; their errors show again after.
void parse_on_every_rank(int argc, char** argv, const std::string& program, const std::string& summary,
                         Options& options, const boost::program_options::options_description& own, const Uses& uses);

}  // namespace sg::tutorial
