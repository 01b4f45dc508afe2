// MPI for the whole test run: every process of `mpirun -np N test_distributed` runs every case, and the
// cases talk to each other through the collectives.
#include <boost/test/unit_test.hpp>

#include "distributed/environment.h"

namespace {

struct MpiEnvironment {
  MpiEnvironment() : environment(boost::unit_test::framework::master_test_suite().argc,
                                 boost::unit_test::framework::master_test_suite().argv) {}
  sg::distributed::Environment environment;
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(MpiEnvironment);
