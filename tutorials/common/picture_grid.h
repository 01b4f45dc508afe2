// A labelled picture grid as one SVG file: a title naming the program and the run, one row per layer
// (its name and colour scale on the left, a colour bar on the right), each map captioned above and
// embedded as a PNG enlarged by whole pixels, so that a learner can read it without the source.
#pragma once

#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "tutorials/common/colour_scale.h"

namespace sg::tutorial {

/// One row of maps, all the same size, drawn on one colour scale fitted to the whole row.
struct PictureRow {
  std::string name;                   // "input", "conv output"; "\n" starts a second line
  std::vector<Tensor> maps;           // each (H, W), any float dtype
  std::vector<std::string> captions;  // one per map ("Ankle boot", "filter 3"), or none
  ColourScale scale = ColourScale::Grey;
};

/// The SVG text of the grid. Each row's maps are enlarged by the same whole factor, about
/// kPictureCell pixels on their longer side, nearest neighbour.
std::string picture_grid_svg(const std::string& title, const std::vector<PictureRow>& rows);

/// Writes picture_grid_svg atomically to `path` and returns `path`.
/// save_picture_grid(out + "/maps.svg", "fashion_cnn, feature maps, seed 0", {{"input", images, names}});
std::string save_picture_grid(const std::string& path, const std::string& title, const std::vector<PictureRow>& rows);

inline constexpr int kPictureCell = 112;

/// How many times a map of (height, width) is enlarged in a grid.
int picture_zoom(int64_t height, int64_t width);

}  // namespace sg::tutorial
