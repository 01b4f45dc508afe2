// A save that fails part way leaves the previous file whole and no temporary file behind: a child process
// saves under a file size limit too small for the file, or is stopped by SIGINT or SIGTERM mid-save.
// Saving through a symlink writes its target, saving over a file keeps its mode, and a bad name is refused.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "scratchgrad/scratchgrad.h"
#include "tests/testing.h"

using namespace sg;

using testing::read_bytes;

BOOST_AUTO_TEST_SUITE(save_failure)

namespace {

// The names in `dir` of the temporary files a save leaves while it writes (".NAME.tmp-XXXXXX").
std::vector<std::string> temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) found.push_back(e.path().filename().string());
  return found;
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat s {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &s) == 0);
  return s.st_mode & 07777;
}

}  // namespace

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

// A child saves a 16 MB file over and over; the signal arrives while a temporary file exists. The child
// must end by that signal (as it would without the cleanup) and leave no temporary file behind.
BOOST_AUTO_TEST_CASE(a_save_interrupted_by_sigint_or_sigterm_leaves_no_temporary_file) {
  for (const int sig : {SIGINT, SIGTERM}) {
    BOOST_TEST_CONTEXT("signal " << sig) {
      const testing::TempDir dir;
      const auto path = dir / "model.safetensors";
      const pid_t child = fork();
      BOOST_TEST_REQUIRE(child >= 0);
      if (child == 0) {
        const std::string bytes(16 << 20, 'x');
        for (;;) write_file_atomic(path, bytes);
      }
      bool seen = false;
      for (int i = 0; i < 10000 && !seen; ++i) {
        seen = !temporaries(dir.path()).empty();
        if (!seen) ::usleep(1000);
      }
      ::kill(child, sig);
      int status = 0;
      waitpid(child, &status, 0);
      BOOST_TEST_REQUIRE(seen, "the child never started a save");
      BOOST_TEST(WIFSIGNALED(status));
      BOOST_TEST(WTERMSIG(status) == sig);
      BOOST_TEST(temporaries(dir.path()).empty(), "left behind: " << fmt::format("{}", fmt::join(temporaries(dir.path()), ", ")));
    }
  }
}

BOOST_AUTO_TEST_CASE(saving_through_a_symlink_writes_its_target_and_keeps_the_link) {
  const testing::TempDir dir;
  std::filesystem::create_directories(dir / "store");
  {
    std::ofstream(dir / "store/real.bin") << "old";
  }
  std::filesystem::create_symlink("store/real.bin", dir / "link.bin");  // relative, as ln -s makes them
  write_file_atomic(dir / "link.bin", "new");
  BOOST_TEST(std::filesystem::is_symlink(dir / "link.bin"));
  BOOST_TEST(read_bytes(dir / "store/real.bin") == "new");
  BOOST_TEST(temporaries(dir.path()).empty());
  BOOST_TEST(temporaries(dir / "store").empty());
  // A link to a file not there yet (a chain of two links): the target is created, both links stay.
  std::filesystem::create_symlink("store/made.bin", dir / "dangling.bin");
  std::filesystem::create_symlink("dangling.bin", dir / "chain.bin");
  write_file_atomic(dir / "chain.bin", "made");
  BOOST_TEST(std::filesystem::is_symlink(dir / "chain.bin"));
  BOOST_TEST(std::filesystem::is_symlink(dir / "dangling.bin"));
  BOOST_TEST(read_bytes(dir / "store/made.bin") == "made");
  // A loop of links is refused, naming the path.
  std::filesystem::create_symlink("loop_b", dir / "loop_a");
  std::filesystem::create_symlink("loop_a", dir / "loop_b");
  BOOST_TEST(testing::throws_with<std::runtime_error>([&] { write_file_atomic(dir / "loop_a", "x"); },
                                                      {"loop_a", "symbolic links"}));
}

BOOST_AUTO_TEST_CASE(saving_over_a_file_keeps_its_mode_and_a_new_file_follows_the_umask) {
  const testing::TempDir dir;
  for (const mode_t mode : {mode_t(0600), mode_t(0640), mode_t(0755)}) {
    const auto path = dir / fmt::format("file_{:o}", mode);
    write_file_atomic(path, "old");
    BOOST_TEST_REQUIRE(::chmod(path.c_str(), mode) == 0);
    write_file_atomic(path, "new");
    BOOST_TEST(mode_of(path) == mode, fmt::format("mode {:o}, expected {:o}", mode_of(path), mode));
    BOOST_TEST(read_bytes(path) == "new");
  }
  // A new file gets 0666 less the umask, as a file made by open(2) would.
  for (const mode_t mask : {mode_t(022), mode_t(077)}) {
    const mode_t previous = ::umask(mask);
    const auto path = dir / fmt::format("new_{:o}", mask);
    write_file_atomic(path, "x");
    ::umask(previous);
    BOOST_TEST(mode_of(path) == (0666 & ~mask), fmt::format("mode {:o} under umask {:o}", mode_of(path), mask));
  }
}

BOOST_AUTO_TEST_CASE(an_empty_name_or_a_folder_is_refused_naming_the_problem) {
  const testing::TempDir dir;
  BOOST_TEST(testing::throws_with([] { write_file_atomic("", "x"); }, {"save: empty file name"}));
  std::filesystem::create_directories(dir / "folder");
  BOOST_TEST(testing::throws_with<std::runtime_error>([&] { write_file_atomic(dir / "folder", "x"); },
                                                      {"folder", "is a folder, expected a file"}));
  BOOST_TEST(testing::throws_with<std::runtime_error>([&] { write_file_atomic((dir / "folder").string() + "/", "x"); },
                                                      {"folder/", "is a folder, expected a file"}));
  BOOST_TEST(std::filesystem::is_directory(dir / "folder"));
  // Nor anything else that is not a regular file: saving to /dev/null as root would replace the device
  // with a file. A named pipe stands in for it here.
  BOOST_TEST_REQUIRE(::mkfifo((dir / "pipe").c_str(), 0600) == 0);
  BOOST_TEST(testing::throws_with<std::runtime_error>([&] { write_file_atomic(dir / "pipe", "x"); },
                                                      {"pipe", "not a regular file"}));
  BOOST_TEST(std::filesystem::is_fifo(dir / "pipe"));
}

BOOST_AUTO_TEST_SUITE_END()
