// temp file + write + fsync + rename, with every failure reported and the temp file removed: on an
// exception, and on SIGINT or SIGTERM.
#include "autograd/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <mutex>
#include <string>

#include "autograd/check.h"

namespace sg {

namespace {

namespace fs = std::filesystem;

// ---- removal on SIGINT and SIGTERM ------------------------------------------------------------------
// A handler may call only async-signal-safe functions, so the paths of the temporary files being written
// sit in fixed buffers, and the handler unlinks them without allocating or locking. A save claims a slot
// (slot_claimed) and arms it (slot_armed) while the buffer holds a complete path. kSlots saves at a time
// are covered; one more running at once is still cleaned up on any error, only not on a signal.
constexpr int kSlots = 8;
char slot_paths[kSlots][PATH_MAX];
std::atomic<bool> slot_claimed[kSlots], slot_armed[kSlots];

void remove_temporaries(int sig) {
  const int saved_errno = errno;
  for (int i = 0; i < kSlots; ++i)
    if (slot_armed[i].load(std::memory_order_acquire)) ::unlink(slot_paths[i]);
  errno = saved_errno;
  // SA_RESETHAND put the default action back on entry: raised again, the signal ends the process as it
  // would have without this handler (exit status "killed by SIGINT", which shells report as 130).
  ::raise(sig);
}

// Installed once, and only over the default action: a program that handles or ignores these signals
// itself keeps its own behaviour.
void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM}) {
      struct sigaction current {};
      if (::sigaction(sig, nullptr, &current) != 0 || (current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL)
        continue;
      struct sigaction action {};
      action.sa_handler = remove_temporaries;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_RESETHAND;
      ::sigaction(sig, &action, nullptr);
    }
  });
}

// Six letters or digits for a temporary name; open(O_EXCL) settles any collision.
std::string random_suffix() {
  static std::atomic<uint64_t> counter{0};
  uint64_t z = uint64_t(::getpid()) * 0x9E3779B97F4A7C15ull ^ counter.fetch_add(1) * 0xBF58476D1CE4E5B9ull ^
               uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string suffix(6, ' ');
  for (char& c : suffix) {
    c = kChars[z % 62];
    z /= 62;
  }
  return suffix;
}

// The temporary file: created with open(O_EXCL) and mode 0666, so that the umask applies as it would to
// any new file; removed on destruction unless renamed into place; registered for the signal handler.
class TempFile {
 public:
  TempFile(const fs::path& target, const std::string& shown) {
    install_handlers();
    for (int i = 0; i < kSlots && slot_ < 0; ++i) {
      bool expected = false;
      if (slot_claimed[i].compare_exchange_strong(expected, true)) slot_ = i;
    }
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string name = target.filename().string();
    name.insert(0, 1, '.');  // not "." + name: GCC 12 reports a false -Wrestrict on that
    name += ".tmp-";
    for (int attempt = 0;; ++attempt) {
      path_ = (folder / (name + random_suffix())).string();
      const bool tracked = slot_ >= 0 && path_.size() < PATH_MAX;
      if (tracked) {
        std::memcpy(slot_paths[slot_], path_.c_str(), path_.size() + 1);
        slot_armed[slot_].store(true, std::memory_order_release);
      }
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) return;
      const int error = errno;
      if (tracked) slot_armed[slot_].store(false, std::memory_order_release);
      if (error != EEXIST || attempt == 100) {
        path_.clear();
        release_slot();
        fail_io("{}: cannot create a temporary file in {}: {}", shown, folder.string(), std::strerror(error));
      }
    }
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
    release_slot();
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  /// Closes the file, reporting the error close() gives (some file systems report write errors only then).
  int close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }
  /// Renames the file over `target`; on success the file is no longer this object's to remove.
  int rename_to(const fs::path& target) {
    if (::rename(path_.c_str(), target.c_str()) != 0) return -1;
    path_.clear();
    release_slot();
    return 0;
  }

 private:
  void release_slot() {
    if (slot_ < 0) return;
    slot_armed[slot_].store(false, std::memory_order_release);
    slot_claimed[slot_].store(false, std::memory_order_release);
    slot_ = -1;
  }
  std::string path_;
  int fd_ = -1;
  int slot_ = -1;
};

// The file a write to `path` lands in: symlinks followed, however many, so that a link stays a link and
// its target gets the new bytes (as `>` in a shell would do). Relative links count from the link's folder.
fs::path resolve_links(const fs::path& path) {
  fs::path target = path;
  for (int hops = 0;; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(target, ec)) return target;
    if (hops == 40) fail_io("{}: too many levels of symbolic links", path.string());
    const fs::path link = fs::read_symlink(target, ec);
    if (ec) fail_io("{}: cannot read the symbolic link {}: {}", path.string(), target.string(), ec.message());
    target = link.is_absolute() ? link : target.parent_path() / link;
  }
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  SG_CHECK(!path.empty(), "save: empty file name; expected the path of a file to write");
  if (!path.has_filename()) fail_io("{}: is a folder, expected a file name", path.string());
  const fs::path folder = path.has_parent_path() ? path.parent_path() : ".";
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) fail_io("{}: cannot create folder {}: {}", path.string(), folder.string(), ec.message());

  // Written beside the link's target, not beside the link: rename is atomic within one file system only.
  const fs::path target = resolve_links(path);
  struct stat existing {};
  const bool exists = ::stat(target.c_str(), &existing) == 0;
  if (exists && S_ISDIR(existing.st_mode)) fail_io("{}: is a folder, expected a file name", path.string());
  // rename would replace a device, a pipe or a socket with a regular file (as root, /dev/null itself).
  if (exists && !S_ISREG(existing.st_mode)) fail_io("{}: is not a regular file; refusing to replace it", path.string());

  TempFile temp(target, path.string());
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(temp.fd(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      fail_io("{}: write failed after {} of {} bytes: {}; the previous file is unchanged", path.string(), written,
              bytes.size(), n < 0 ? std::strerror(errno) : "no progress");
    written += size_t(n);
  }
  // Replacing a file keeps its permissions (a private 0600 checkpoint stays private).
  if (exists && ::fchmod(temp.fd(), existing.st_mode & 07777) != 0)
    fail_io("{}: cannot give the new file the old one's mode {:o}: {}; the previous file is unchanged", path.string(),
            existing.st_mode & 07777, std::strerror(errno));
  if (::fsync(temp.fd()) != 0)
    fail_io("{}: flushing to disk failed: {}; the previous file is unchanged", path.string(), std::strerror(errno));
  if (temp.close() != 0)
    fail_io("{}: closing failed: {}; the previous file is unchanged", path.string(), std::strerror(errno));
  if (temp.rename_to(target) != 0)
    fail_io("{}: renaming the finished temporary file into place failed: {}", path.string(), std::strerror(errno));
}

}  // namespace sg
