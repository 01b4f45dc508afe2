// Fuzz inputs are bytes, the readers take paths: a memory-backed file (memfd) joins the two without
// touching the disk. Its path is /proc/self/fd/N. One file is reused for every input, because creating
// a file per input would cost more than the reading being tested.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sg::fuzz {

class MemoryFile {
 public:
  MemoryFile() : fd_(::memfd_create("sg-fuzz-input", 0)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  /// Makes the file hold exactly these bytes; returns its path.
  const std::string& assign(const uint8_t* data, size_t size) {
    size_t written = 0;
    while (written < size) {
      const ssize_t n = ::pwrite(fd_, data + written, size - written, off_t(written));
      if (n <= 0) throw std::runtime_error("writing the fuzz input failed");
      written += size_t(n);
    }
    // Cut after writing, not before: the pages already in place are reused, not freed and refilled per input.
    if (::ftruncate(fd_, off_t(size)) != 0) throw std::runtime_error("ftruncate failed");
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace sg::fuzz
