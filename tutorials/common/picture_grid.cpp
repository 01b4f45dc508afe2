// Layout, top to bottom: the title, then per row a caption line and the row's tiles side by side, the
// row's name and scale to their left, its colour bar to their right. Columns share one width across
// rows, so that the maps of one image stand above each other.
#include "tutorials/common/picture_grid.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "autograd/atomic_file.h"
#include "autograd/check.h"
#include "tutorials/common/png.h"

namespace sg::tutorial {

namespace {
constexpr double kGridLeft = 150, kGridTop = 44, kCaption = 16, kRowGap = 22, kColumnGap = 12, kBar = 14;
constexpr double kCharWidth = 6.2;  // of an 11-pixel sans-serif character, on average: sizes the columns

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines{""};
  for (char c : text) {
    if (c == '\n') lines.emplace_back();
    else lines.back().push_back(c);
  }
  return lines;
}

// The map as an RGB image, each value a zoom x zoom block of its colour.
RgbImage tile(const std::vector<double>& values, int64_t H, int64_t W, int zoom, const Colouring& colouring) {
  RgbImage image{int(W * zoom), int(H * zoom), {}};
  image.pixels.resize(size_t(image.width) * size_t(image.height) * 3);
  for (int64_t y = 0; y < H * zoom; ++y)
    for (int64_t x = 0; x < W * zoom; ++x) {
      const auto rgb = colouring.colour(values[size_t(y / zoom * W + x / zoom)]);
      std::copy(rgb.begin(), rgb.end(), image.pixels.begin() + (y * image.width + x) * 3);
    }
  return image;
}
}  // namespace

int picture_zoom(int64_t height, int64_t width) {
  return std::max(1, int(std::lround(double(kPictureCell) / double(std::max(height, width)))));
}

std::string picture_grid_svg(const std::string& title, const std::vector<PictureRow>& rows) {
  SG_CHECK(!rows.empty(), "picture_grid_svg: expected at least one row for '{}'", title);
  double pitch = 0;  // one column's width, the same in every row
  for (const PictureRow& row : rows) {
    SG_CHECK(!row.maps.empty(), "picture_grid_svg: row '{}' has no maps", row.name);
    SG_CHECK(row.captions.empty() || row.captions.size() == row.maps.size(),
             "picture_grid_svg: row '{}' needs one caption per map or none, got {} for {} maps", row.name,
             row.captions.size(), row.maps.size());
    const Tensor& first = row.maps[0];
    for (const Tensor& m : row.maps)
      SG_CHECK(m.dim() == 2 && m.shape() == first.shape(), "picture_grid_svg: every map of row '{}' must be 2-D and {}, got {}",
               row.name, first.shape(), m.shape());
    pitch = std::max(pitch, double(first.size(1) * picture_zoom(first.size(0), first.size(1))));
    for (const std::string& c : row.captions) pitch = std::max(pitch, kCharWidth * double(c.size()));
  }
  pitch += kColumnGap;

  std::string body;
  double y = kGridTop, width = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const PictureRow& row = rows[r];
    const int64_t H = row.maps[0].size(0), W = row.maps[0].size(1);
    const int zoom = picture_zoom(H, W);
    const double tile_w = double(W * zoom), tile_h = double(H * zoom), top = y + kCaption;
    std::vector<std::vector<double>> values;
    std::vector<double> all;
    for (const Tensor& m : row.maps) {
      values.push_back(m.to_vector<double>());
      all.insert(all.end(), values.back().begin(), values.back().end());
    }
    const Colouring colouring = Colouring::fit(row.scale, all);

    // The row's name and scale, right-aligned against its first map.
    const std::vector<std::string> name = lines_of(row.name);
    for (size_t i = 0; i < name.size(); ++i)
      body += fmt::format("<text x='{}' y='{}' font-size='13' text-anchor='end'>{}</text>\n", kGridLeft - 10,
                          top + 14 + 16 * double(i), xml_escape(name[i]));
    body += fmt::format("<text x='{}' y='{}' font-size='10' fill='#555' text-anchor='end'>{}</text>\n", kGridLeft - 10,
                        top + 14 + 16 * double(name.size()), xml_escape(colouring.text()));
    body += fmt::format("<text x='{}' y='{}' font-size='10' fill='#555' text-anchor='end'>{} x {}, shown {}x</text>\n",
                        kGridLeft - 10, top + 28 + 16 * double(name.size()), H, W, zoom);

    for (size_t k = 0; k < row.maps.size(); ++k) {
      const double x = kGridLeft + pitch * double(k) + (pitch - kColumnGap - tile_w) / 2;
      if (!row.captions.empty())
        body += fmt::format("<text x='{}' y='{}' font-size='11' text-anchor='middle'>{}</text>\n", x + tile_w / 2, top - 4,
                            xml_escape(row.captions[k]));
      body += fmt::format("<image x='{}' y='{}' width='{}' height='{}' style='image-rendering:pixelated' "
                          "preserveAspectRatio='none' xlink:href='{}'/>\n",
                          x, top, tile_w, tile_h, png_data_uri(tile(values[k], H, W, zoom, colouring)));
      body += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#999'/>\n", x - 0.5, top - 0.5,
                          tile_w + 1, tile_h + 1);
    }

    // The colour bar: the row's scale from lo (bottom) to hi (top), its ends and 0 labelled.
    const double bar_x = kGridLeft + pitch * double(row.maps.size()) + 4;
    body += fmt::format("<linearGradient id='scale{}' x1='0' y1='1' x2='0' y2='0'>", r);
    for (const auto& [offset, colour] : colouring.stops())
      body += fmt::format("<stop offset='{}' stop-color='{}'/>", offset, colour);
    body += "</linearGradient>\n";
    body += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='url(#scale{})' stroke='#999'/>\n", bar_x, top,
                        kBar, tile_h, r);
    auto bar_label = [&](double v, double at) {
      body += fmt::format("<text x='{}' y='{:.1f}' font-size='10'>{:.3g}</text>\n", bar_x + kBar + 4, at + 3, v);
    };
    bar_label(colouring.hi, top);
    bar_label(colouring.lo, top + tile_h);
    if (colouring.lo < 0 && colouring.hi > 0) bar_label(0.0, top + tile_h * colouring.hi / (colouring.hi - colouring.lo));
    width = std::max(width, bar_x + kBar + 60);
    y = top + std::max(tile_h, 16 * double(name.size()) + 34) + kRowGap;
  }
  width = std::max(width, 20 + 8.0 * double(title.size()));
  return fmt::format("<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' "
                     "width='{}' height='{}' font-family='sans-serif'>\n"
                     "<rect width='100%' height='100%' fill='white'/>\n"
                     "<text x='{}' y='26' font-size='15' text-anchor='middle'>{}</text>\n{}</svg>\n",
                     std::ceil(width), std::ceil(y), std::ceil(width) / 2, xml_escape(title), body);
}

std::string save_picture_grid(const std::string& path, const std::string& title, const std::vector<PictureRow>& rows) {
  write_file_atomic(path, picture_grid_svg(title, rows));
  return path;
}

}  // namespace sg::tutorial
