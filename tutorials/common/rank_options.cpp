#include "tutorials/common/rank_options.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <scratchgrad/distributed.h>

namespace sg::tutorial {

void parse_on_every_rank(int argc, char** argv, const std::string& program, const std::string& summary,
                         Options& options, const boost::program_options::options_description& own, const Uses& uses) {
  const bool quiet = distributed::launcher_rank() != 0;
  int saved_err = -1;
  if (quiet) {
    std::fflush(stderr);
    saved_err = ::dup(2);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);  // stdout stays there for good
    ::dup2(null, 2);
    ::close(null);
  }
  parse(argc, argv, program, summary, options, own, uses);
  if (quiet) {
    ::dup2(saved_err, 2);
    ::close(saved_err);
  }
}

}  // namespace sg::tutorial
