// The IDX reader. Every number in the header is checked before it is used: the magic, the rank, each
// dimension, the element count (overflow-checked and capped before anything is allocated), and then the
// payload against the bytes really present. Buffers grow with the data actually read, so a header that
// lies about its size costs at most one chunk, never the size it claims.
#include "datasets/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "autograd/check.h"

namespace sg::datasets {
namespace {

namespace fs = std::filesystem;

// The payload buffer grows by doubling from kFirstChunk up to kChunk bytes per gzread call, so a gzip
// header that lies about its size costs about twice the bytes really present, not a zero-filled megabyte.
constexpr size_t kFirstChunk = size_t(1) << 12;
constexpr size_t kChunk = size_t(1) << 20;

// A gzFile that closes itself. gzread inflates .gz files and passes other files through unchanged, so
// plain and compressed IDX files share this one code path.
class GzReader {
 public:
  explicit GzReader(const fs::path& path) : name_(path.string()) {
    // gzopen opens a directory, and only its first read fails, with a message that names no file.
    std::error_code ec;
    if (fs::is_directory(path, ec)) fail_io("{}: is a directory, expected an IDX file", name_);
    errno = 0;
    file_ = gzopen(name_.c_str(), "rb");
    if (file_ == nullptr)
      fail_io("{}: cannot open ({})", name_, errno != 0 ? std::strerror(errno) : "out of memory");
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  const std::string& name() const { return name_; }
  /// True for a plain (not gzip) file; meaningful after the first read.
  bool is_plain() const { return gzdirect(file_) == 1; }

  /// Reads up to n bytes and returns how many arrived: fewer means the file (or the gzip stream) ended.
  size_t read(void* out, size_t n) {
    size_t total = 0;
    while (total < n) {
      const auto want = unsigned(std::min<size_t>(n - total, INT_MAX));
      const int got = gzread(file_, static_cast<unsigned char*>(out) + total, want);
      if (got < 0) fail_io("{}: cannot read: {}", name_, error_text());
      if (got == 0) break;
      total += size_t(got);
    }
    return total;
  }

  /// Why the data stopped early: a gzip stream cut short, or a plain file that is too short.
  std::string why_short() const {
    int code = Z_OK;
    gzerror(file_, &code);
    return code == Z_BUF_ERROR ? "the gzip stream ends early" : "the file ends early";
  }

  /// One big-endian 32-bit header field.
  uint32_t read_u32(std::string_view field) {
    unsigned char b[4];
    const size_t got = read(b, 4);
    if (got != 4) fail_io("{}: truncated header: {} has {} of 4 bytes ({})", name_, field, got, why_short());
    return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | uint32_t(b[3]);
  }

 private:
  std::string error_text() const {
    int code = Z_OK;
    const char* text = gzerror(file_, &code);
    return code == Z_ERRNO ? std::strerror(errno) : text;
  }

  std::string name_;
  gzFile file_ = nullptr;
};

// Reads the magic and checks it names unsigned-byte data of the expected rank.
void read_magic(GzReader& in, uint32_t expected) {
  const uint32_t magic = in.read_u32("magic");
  if ((magic >> 8) != (expected >> 8))
    fail_io("{}: bad magic 0x{:08x}, expected 0x{:08x}", in.name(), magic, expected);
  if ((magic & 0xff) != (expected & 0xff))
    fail_io("{}: rank {} (magic 0x{:08x}), expected rank {} (magic 0x{:08x})", in.name(), magic & 0xff, magic,
            expected & 0xff, expected);
}

// The product of dims, refused above max_elements; the multiplication cannot overflow unnoticed.
uint64_t checked_count(const std::string& name, const std::vector<uint32_t>& dims, uint64_t max_elements) {
  std::string text = fmt::format("{}", fmt::join(dims, " x "));
  uint64_t count = 1;
  for (uint32_t d : dims)
    if (__builtin_mul_overflow(count, uint64_t(d), &count) || count > max_elements)
      fail_io("{}: dims {} make more than {} elements, expected at most {}", name, text, max_elements,
              max_elements);
  return count;
}

// Reads exactly `count` payload bytes after a header of `header_bytes`, and checks nothing follows.
std::vector<uint8_t> read_payload(GzReader& in, uint64_t count, uint64_t header_bytes, std::string_view what) {
  std::vector<uint8_t> out;
  if (in.is_plain()) {
    // A plain file's size is known up front: compare it with the header's claim before reading.
    std::error_code ec;
    const uint64_t size = fs::file_size(in.name(), ec);
    if (!ec && size != header_bytes + count)
      fail_io("{}: size {} bytes, expected {} ({} header + {} {})", in.name(), size, header_bytes + count,
              header_bytes, count, what);
    out.reserve(count);
  }
  while (out.size() < count) {
    const size_t old = out.size();
    const size_t want = size_t(std::min<uint64_t>(std::clamp(old, kFirstChunk, kChunk), count - old));
    out.resize(old + want);
    const size_t got = in.read(out.data() + old, want);
    if (got < want)
      fail_io("{}: truncated {}: {} of {} bytes present ({})", in.name(), what, old + got, count, in.why_short());
  }
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    fail_io("{}: trailing data after the {} bytes of {} the header announces, expected end of file", in.name(),
            count, what);
  return out;
}

}  // namespace

IdxImages read_idx_images(const fs::path& path, uint64_t max_elements) {
  GzReader in(path);
  read_magic(in, kIdxImagesMagic);
  const uint32_t n = in.read_u32("image count"), h = in.read_u32("rows"), w = in.read_u32("columns");
  if (h == 0 || w == 0) fail_io("{}: image size {} x {}, expected at least 1 x 1", in.name(), h, w);
  const uint64_t count = checked_count(in.name(), {n, h, w}, max_elements);
  IdxImages images{.count = n, .rows = h, .cols = w, .pixels = {}};
  images.pixels = read_payload(in, count, 16, "pixels");
  return images;
}

std::vector<uint8_t> read_idx_labels(const fs::path& path, int num_classes, uint64_t max_elements) {
  SG_CHECK(num_classes > 0, "read_idx_labels: num_classes must be positive, got {} (for {})", num_classes,
           path.string());
  GzReader in(path);
  read_magic(in, kIdxLabelsMagic);
  const uint32_t n = in.read_u32("label count");
  const uint64_t count = checked_count(in.name(), {n}, max_elements);
  std::vector<uint8_t> labels = read_payload(in, count, 8, "labels");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= num_classes)
      fail_io("{}: label {} at index {}, expected a class in 0..{}", in.name(), labels[i], i, num_classes - 1);
  return labels;
}

}  // namespace sg::datasets
