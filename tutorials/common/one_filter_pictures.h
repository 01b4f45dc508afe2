// fashion_cnn's pictures: what its one filter makes of a few test images, layer by layer, and the filter
// itself before and after training, each a labelled SVG picture grid.
#pragma once

#include <string>
#include <vector>

#include "tutorials/common/one_filter_cnn.h"

namespace sg::tutorial {

/// The first eight images of `data` through the model, one column each, captioned with the index and
/// class name; rows: input, conv output (filter response + bias, before the activation, on a scale
/// symmetric around 0), the activation's output, max-pool output. Returns the path.
std::string save_feature_maps(OneFilterCNN& model, const datasets::Dataset& data, const std::string& path,
                              const std::string& title);

struct FilterHistory {
  std::string run;       // the row's name: "exact ReLU"
  Tensor before, after;   // the model's filter, (1, 1, 6, 6)
};

/// One row per run, the filter as it started and as it ended, on a scale symmetric around 0.
std::string save_filters(const std::string& path, const std::string& title, const std::vector<FilterHistory>& runs,
                         int epochs);

}  // namespace sg::tutorial
