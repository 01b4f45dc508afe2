// stb_image_write encodes into a string through its callback: no temporary file.
#include "tutorials/common/png.h"

#include <algorithm>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

#include "autograd/check.h"

namespace sg::tutorial {

std::string encode_png(const RgbImage& image) {
  SG_CHECK(image.width >= 1 && image.height >= 1 && image.pixels.size() == size_t(image.width) * size_t(image.height) * 3,
           "encode_png: expected width, height >= 1 and width * height * 3 bytes, got {} x {} and {} bytes", image.width,
           image.height, image.pixels.size());
  std::string bytes;
  stbi_write_png_to_func(
      [](void* context, void* data, int size) { static_cast<std::string*>(context)->append(static_cast<char*>(data), size); },
      &bytes, image.width, image.height, 3, image.pixels.data(), image.width * 3);
  SG_CHECK(!bytes.empty(), "encode_png: stb_image_write failed on a {} x {} image", image.width, image.height);
  return bytes;
}

std::string base64(const std::string& bytes) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    // Three bytes make 24 bits, read as four 6-bit digits; a short last group is padded with '='.
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = 0;
    for (size_t k = 0; k < 3; ++k) group = group << 8 | (k < n ? uint8_t(bytes[i + k]) : 0u);
    for (size_t k = 0; k < 4; ++k) out += k <= n ? kDigits[(group >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

}  // namespace sg::tutorial
