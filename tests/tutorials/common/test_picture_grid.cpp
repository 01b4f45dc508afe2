// The SVG picture grid: what a learner reads (title, row names, captions, scales) is in it, one embedded
// PNG per map at the size stated, and each PNG decodes back to the colours of its values.
#include <boost/test/unit_test.hpp>

#include <array>
#include <regex>
#include <string>
#include <vector>

#include <scratchgrad/scratchgrad.h>

#include "tests/tutorials/common/decode_png.h"
#include "tutorials/common/picture_grid.h"

using sg::tutorial::ColourScale, sg::tutorial::PictureRow;

BOOST_AUTO_TEST_SUITE(picture_grid)

namespace {

struct Image {
  double x, y, width, height;
  sg::testing::DecodedImage png;
};

std::vector<Image> images_of(const std::string& svg) {
  const std::regex image("<image x='([0-9.]+)' y='([0-9.]+)' width='([0-9.]+)' height='([0-9.]+)'[^>]*"
                         "xlink:href='data:image/png;base64,([A-Za-z0-9+/=]+)'");
  std::vector<Image> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), image); it != std::sregex_iterator(); ++it)
    out.push_back({std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]), std::stod((*it)[4]),
                   sg::testing::decode_png(sg::testing::decode_base64((*it)[5]))});
  return out;
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

double attribute(const std::string& svg, const std::string& name) {
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(svg, m, std::regex("<svg [^>]*" + name + "='([0-9.]+)'")));
  return std::stod(m[1]);
}

// Two grey maps (2, 3) sharing the row's scale 0..5, and one diverging (2, 2) map in -2..+2.
std::vector<PictureRow> small_grid() {
  return {{"input", {sg::tensor(std::vector<float>{0, 1, 2, 3, 4, 5}, {2, 3}), sg::full({2, 3}, 5.0f)}, {"T-shirt/top", "Bag"}, ColourScale::Grey},
          {"conv output\nbefore ReLU", {sg::tensor(std::vector<float>{-2, 0, 1, 2}, {2, 2})}, {}, ColourScale::Diverging}};
}

// The colour every pixel of a (H, W) map's tile must have, enlarged `zoom` times.
void expect_tile(const sg::testing::DecodedImage& png, const std::vector<std::array<int, 3>>& colours, int H, int W, int zoom) {
  BOOST_REQUIRE_EQUAL(png.width, W * zoom);
  BOOST_REQUIRE_EQUAL(png.height, H * zoom);
  for (int y = 0; y < H * zoom; ++y)
    for (int x = 0; x < W * zoom; ++x)
      for (int k = 0; k < 3; ++k)
        BOOST_REQUIRE_MESSAGE(png.pixels[size_t((y * png.width + x) * 3 + k)] == colours[size_t(y / zoom * W + x / zoom)][size_t(k)],
                              "pixel (" << x << ", " << y << ") channel " << k);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_title_row_names_captions_and_scales_are_written_as_text) {
  const std::string svg = sg::tutorial::picture_grid_svg("fashion_cnn, maps & pools, seed 0", small_grid());
  BOOST_TEST(svg.starts_with("<svg xmlns='http://www.w3.org/2000/svg'"));
  BOOST_TEST(svg.ends_with("</svg>\n"));
  BOOST_TEST(count(svg, ">fashion_cnn, maps &amp; pools, seed 0</text>") == 1u);
  BOOST_TEST(count(svg, ">input</text>") == 1u);
  // A name with "\n" is two lines of text.
  BOOST_TEST(count(svg, ">conv output</text>") == 1u);
  BOOST_TEST(count(svg, ">before ReLU</text>") == 1u);
  BOOST_TEST(count(svg, ">T-shirt/top</text>") == 1u);
  BOOST_TEST(count(svg, ">Bag</text>") == 1u);
  BOOST_TEST(count(svg, ">scale 0..5</text>") == 1u);
  BOOST_TEST(count(svg, ">scale -2..+2</text>") == 1u);
  BOOST_TEST(count(svg, ">2 x 3, shown 37x</text>") == 1u);
  BOOST_TEST(count(svg, "<linearGradient") == 2u);  // a colour bar per row
}

BOOST_AUTO_TEST_CASE(one_image_per_map_enlarged_by_whole_pixels_inside_the_picture) {
  const std::string svg = sg::tutorial::picture_grid_svg("t", small_grid());
  const std::vector<Image> images = images_of(svg);
  BOOST_REQUIRE_EQUAL(images.size(), 3u);
  BOOST_TEST(count(svg, "<image ") == 3u);
  // 112 pixels over the longer side, in whole pixels: 3 * 37 = 111 (112 / 3 rounds to 37), 2 * 56 = 112.
  const std::array<double, 2> sizes[] = {{111, 74}, {111, 74}, {112, 112}};
  for (size_t i = 0; i < images.size(); ++i) {
    BOOST_TEST(images[i].width == sizes[i][0]);
    BOOST_TEST(images[i].height == sizes[i][1]);
    BOOST_TEST(images[i].png.width == int(sizes[i][0]));  // drawn at its own size: no smoothing by the viewer
    BOOST_TEST(images[i].png.height == int(sizes[i][1]));
  }
  // Side by side in a row, the next row below, all inside the picture.
  BOOST_TEST(images[0].y == images[1].y);
  BOOST_TEST(images[0].x + images[0].width < images[1].x);
  BOOST_TEST(images[2].y > images[0].y + images[0].height);
  const double width = attribute(svg, "width"), height = attribute(svg, "height");
  for (const Image& image : images) {
    BOOST_TEST(image.x + image.width <= width);
    BOOST_TEST(image.y + image.height <= height);
  }
}

BOOST_AUTO_TEST_CASE(a_tiny_maps_png_decodes_to_its_values_colours) {
  const std::vector<Image> images = images_of(sg::tutorial::picture_grid_svg("t", small_grid()));
  BOOST_REQUIRE_EQUAL(images.size(), 3u);
  // Grey on the row's 0..5: round(255 * v / 5); the second map is all 5, white.
  auto grey = [](int v) { return std::array<int, 3>{v, v, v}; };
  expect_tile(images[0].png, {grey(0), grey(51), grey(102), grey(153), grey(204), grey(255)}, 2, 3, 37);
  expect_tile(images[1].png, std::vector<std::array<int, 3>>(6, grey(255)), 2, 3, 37);
  // Diverging on -2..+2, ColorBrewer RdBu's corners: -2 #2166ac, 0 #f7f7f7, +1 (3/4 of the way) #f4a582, +2 #b2182b.
  expect_tile(images[2].png, {{33, 102, 172}, {247, 247, 247}, {244, 165, 130}, {178, 24, 43}}, 2, 2, 56);
}

BOOST_AUTO_TEST_CASE(maps_of_different_sizes_in_one_row_are_refused_naming_the_row) {
  const std::vector<PictureRow> rows{{"conv output", {sg::zeros({2, 2}), sg::zeros({3, 2})}, {}, ColourScale::Grey}};
  BOOST_CHECK_EXCEPTION(sg::tutorial::picture_grid_svg("t", rows), std::invalid_argument, [](const auto& e) {
    return std::string(e.what()).find("picture_grid_svg: every map of row 'conv output' must be 2-D and [2, 2], got [3, 2]") !=
           std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(a_caption_count_other_than_the_maps_is_refused) {
  const std::vector<PictureRow> rows{{"input", {sg::zeros({2, 2}), sg::zeros({2, 2})}, {"Bag"}, ColourScale::Grey}};
  BOOST_CHECK_EXCEPTION(sg::tutorial::picture_grid_svg("t", rows), std::invalid_argument, [](const auto& e) {
    return std::string(e.what()).find("row 'input' needs one caption per map or none, got 1 for 2 maps") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
