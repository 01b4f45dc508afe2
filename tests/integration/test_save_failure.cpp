// A save that fails part way leaves the previous checkpoint whole: a child process saves under a file
// size limit too small for the file, and the old checkpoint must still load, byte for byte.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "scratchgrad/scratchgrad.h"
#include "tests/testing.h"

using namespace sg;

using testing::read_bytes;

BOOST_AUTO_TEST_SUITE(save_failure)

BOOST_AUTO_TEST_CASE(a_save_cut_short_by_a_file_size_limit_leaves_the_old_checkpoint_loadable) {
  const testing::TempDir dir;
  const auto path = dir / "model.safetensors";

  manual_seed(1);
  nn::Linear small(4, 3);
  nn::save(small, path);
  const std::string before = read_bytes(path);

  const pid_t child = fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    // Child: a model of ~400 KB against a 64 KB file size limit; writes past it fail with EFBIG
    // (SIGXFSZ ignored), and save must throw.
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{64 * 1024, 64 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    nn::Linear big(400, 250);
    try {
      nn::save(big, path);
    } catch (const std::runtime_error&) {
      _exit(0);  // refused, as it should be
    }
    _exit(1);  // saved despite the limit: the test setup is wrong
  }
  int status = 0;
  waitpid(child, &status, 0);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);

  BOOST_TEST((read_bytes(path) == before), "the previous checkpoint changed");
  nn::Linear reloaded(4, 3);
  nn::load(reloaded, path);
  BOOST_TEST(testing::bitwise_equal(reloaded.weight, small.weight));
  BOOST_TEST(testing::bitwise_equal(reloaded.bias, small.bias));
  // No temporary file is left behind beside the checkpoint.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  BOOST_TEST(entries == 1);
}

BOOST_AUTO_TEST_SUITE_END()
