// stb_image's implementation lives here, once for the whole test executable.
#include "tests/tutorials/common/decode_png.h"

#include <stdexcept>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#include <stb/stb_image.h>

namespace sg::testing {

DecodedImage decode_png(const std::string& bytes) {
  int width = 0, height = 0, channels = 0;
  stbi_uc* data = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()), &width,
                                        &height, &channels, 3);
  if (!data) throw std::runtime_error(std::string("decode_png: ") + stbi_failure_reason());
  DecodedImage image{width, height, std::vector<uint8_t>(data, data + size_t(width) * size_t(height) * 3)};
  stbi_image_free(data);
  return image;
}

std::string decode_base64(const std::string& text) {
  const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    const size_t v = digits.find(c);
    if (v == std::string::npos) throw std::runtime_error(std::string("decode_base64: bad character ") + c);
    bits = bits << 6 | uint32_t(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += char((bits >> count) & 0xff);
    }
  }
  return out;
}

}  // namespace sg::testing
