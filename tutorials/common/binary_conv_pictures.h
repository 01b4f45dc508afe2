// mnist_binary_conv's picture: its three filters before and after training, and what the trained
// filters make of one digit, as a labelled SVG picture grid.
#pragma once

#include <string>

#include "tutorials/common/binary_conv_net.h"

namespace sg::tutorial::binary_conv {

/// Rows: the filters as they started and as they ended (3 maps 5x5 each, on scales symmetric around 0),
/// then `digit` (1, 1, 28, 28) captioned `label`, then its three sigmoid(conv) feature maps (24x24)
/// under the trained filters. Returns the path.
std::string save_filter_pictures(const std::string& path, const std::string& title, const Tensor& before,
                                 const Tensor& after, int steps, const Tensor& digit, const std::string& label);

}  // namespace sg::tutorial::binary_conv
