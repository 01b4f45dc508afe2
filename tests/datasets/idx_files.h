// Small IDX files written by the tests themselves, plain or gzipped (into a testing::TempDir, which is
// removed afterwards).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing.h"

namespace sg::testing {

using Bytes = std::vector<uint8_t>;

/// n as four big-endian bytes appended to out.
inline void put_u32(Bytes& out, uint32_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(n >> shift));
}

/// An IDX file's bytes: magic, dims, then the payload.
inline Bytes idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& payload) {
  Bytes out;
  put_u32(out, magic);
  for (uint32_t d : dims) put_u32(out, d);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

/// n images of h x w whose pixel k of image i is (i * 7 + k) % 256.
inline Bytes image_pixels(uint32_t n, uint32_t h = 28, uint32_t w = 28) {
  Bytes out(size_t(n) * h * w);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < size_t(h) * w; ++k) out[i * h * w + k] = uint8_t((i * 7 + k) % 256);
  return out;
}

inline void write_plain(const std::filesystem::path& path, const Bytes& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

inline void write_gz(const std::filesystem::path& path, const Bytes& bytes) {
  std::filesystem::create_directories(path.parent_path());
  gzFile file = gzopen(path.string().c_str(), "wb");
  if (!bytes.empty()) gzwrite(file, bytes.data(), unsigned(bytes.size()));
  gzclose(file);
}

/// The bytes of a file, as bytes rather than characters.
inline Bytes read_all(const std::filesystem::path& path) {
  const std::string bytes = read_bytes(path);
  return Bytes(bytes.begin(), bytes.end());
}

}  // namespace sg::testing
