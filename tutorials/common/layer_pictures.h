// mnist_cnn_layers' pictures: what each layer of a conv -> pool -> flatten -> dense model makes of an
// image, as labelled SVG picture grids, as its notebook plotted them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// The (C, H, W) maps of a (1, C, H, W) tensor as C separate (H, W) tensors, for the picture grid.
std::vector<Tensor> maps_of(const Tensor& x);

/// The first `count` images of a dataset in rows of five in <out>/first_digits.svg, each captioned
/// "Label: 5" as the notebook did; returns their labels as text, " 5 0 4 ...".
std::string save_first_digits(const datasets::Dataset& data, int64_t count, const std::string& out,
                              const std::string& title);

/// One image (captioned `label`, "Label: 3") through a conv layer and a pool, in three rows: the input,
/// the conv output and the max-pool output, one map per filter captioned with its index, both on scales
/// symmetric around 0 (the conv has no activation: its outputs are signed). Returns the path.
std::string save_layer_maps(const std::string& path, const std::string& title, const Tensor& image,
                            const std::string& label, const Tensor& conv, const Tensor& pooled);

/// The notebook's cnn_predict_show_inner_workings: one test image through the trained model (conv,
/// pool (and any padding before it), flatten, dense), its maps in <out>/test_<index>.svg (titled `run`, the image's label and the
/// prediction), and the softmax output and prediction printed. An index past the data is taken modulo
/// its size, and says so.
void show_inner_workings(nn::Sequential& model, const datasets::Dataset& test, int64_t index, const std::string& out,
                         const std::string& run);

}  // namespace sg::tutorial
