// The feature maps are the sigmoid's output, the features the dense weight wo reads: grey on 0..1, the
// sigmoid's range, so that black and white mean "off" and "on" whatever the digit.
#include "tutorials/common/binary_conv_pictures.h"

#include <vector>

#include "tutorials/common/picture_grid.h"

namespace sg::tutorial::binary_conv {

namespace {
// (3, 1, H, W) or (1, 3, H, W) -> 3 maps (H, W).
std::vector<Tensor> three_maps(const Tensor& x) {
  const Tensor flat = x.detach().reshape({kFilters, x.size(2), x.size(3)});
  std::vector<Tensor> maps;
  for (int64_t k = 0; k < kFilters; ++k) maps.push_back(flat.narrow(0, k, 1).reshape({x.size(2), x.size(3)}));
  return maps;
}
}  // namespace

std::string save_filter_pictures(const std::string& path, const std::string& title, const Tensor& before,
                                 const Tensor& after, int steps, const Tensor& digit, const std::string& label) {
  NoGradGuard no_grad;
  // Numbered from 1, as the notebook printed them ("Filter 1").
  const std::vector<std::string> names{"Filter 1", "Filter 2", "Filter 3"};
  return save_picture_grid(
      path, title,
      {{"filters\nbefore training", three_maps(before), names, ColourScale::Diverging},
       {fmt::format("filters after\n{} step{}", steps, steps == 1 ? "" : "s"), three_maps(after), names, ColourScale::Diverging},
       {"input", {digit.reshape({kSide, kSide})}, {label}, ColourScale::Unit},
       {"sigmoid(conv)\nafter training", three_maps(sigmoid(conv2d(digit, after))), names, ColourScale::Unit}});
}

}  // namespace sg::tutorial::binary_conv
