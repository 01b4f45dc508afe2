// For the picture tests: base64 and PNG decoding, written apart from the encoders they check (stb_image
// reads the PNG; the base64 decoder is a plain table lookup).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sg::testing {

struct DecodedImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // RGB, row by row
};

/// The RGB pixels of PNG bytes; throws std::runtime_error when stb_image cannot read them.
DecodedImage decode_png(const std::string& bytes);

/// The bytes of standard base64 text ('=' padded); throws std::runtime_error on any other character.
std::string decode_base64(const std::string& text);

}  // namespace sg::testing
