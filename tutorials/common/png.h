// PNG bytes in memory (through stb_image_write), and as a base64 data URI for embedding in an SVG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sg::tutorial {

/// An 8-bit RGB image, row by row: pixels.size() == width * height * 3.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
};

/// The image as PNG file bytes.
std::string encode_png(const RgbImage& image);

/// Standard base64 (RFC 4648, with '=' padding) of any bytes.
std::string base64(const std::string& bytes);

/// "data:image/png;base64,..." for an SVG <image href>.
inline std::string png_data_uri(const RgbImage& image) { return "data:image/png;base64," + base64(encode_png(image)); }

}  // namespace sg::tutorial
