// mnist_cnn_layers' pictures: what each layer of a conv -> pool -> flatten -> dense model makes of an
// image, as PNG, as its notebook plotted them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// The (C, H, W) maps of a (1, C, H, W) tensor as C separate (H, W) tensors, for the PNG writer.
std::vector<Tensor> maps_of(const Tensor& x);

/// The first `count` images of a dataset side by side in <out>/first_digits.png; returns their labels
/// as text, " 5 0 4 ...".
std::string save_first_digits(const datasets::Dataset& data, int64_t count, const std::string& out);

/// The notebook's cnn_predict_show_inner_workings: one test image through the trained model (conv,
/// pool, flatten, dense), its digit, conv maps and pooled maps as PNG in out, and the softmax output
/// and prediction printed. An index past the data is taken modulo its size, and says so.
void show_inner_workings(nn::Sequential& model, const datasets::Dataset& test, int64_t index, const std::string& out);

}  // namespace sg::tutorial
