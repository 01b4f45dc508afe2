// Pictures of a small CNN's layers.
#include "tutorials/common/layer_pictures.h"

#include "tutorials/common/images.h"

namespace sg::tutorial {

std::vector<Tensor> maps_of(const Tensor& x) {
  std::vector<Tensor> maps;
  for (int64_t c = 0; c < x.size(1); ++c) maps.push_back(x.narrow(1, c, 1).reshape({x.size(2), x.size(3)}));
  return maps;
}

std::string save_first_digits(const datasets::Dataset& data, int64_t count, const std::string& out) {
  std::vector<Tensor> first;
  std::string labels;
  for (int64_t i = 0; i < count; ++i) {
    first.push_back(data.get(i).image.reshape({28, 28}));
    labels += fmt::format(" {}", data.get(i).label);
  }
  save_png_grid(out + "/first_digits.png", first, 5, 4);
  return labels;
}

void show_inner_workings(nn::Sequential& model, const datasets::Dataset& test, int64_t index, const std::string& out) {
  NoGradGuard no_grad;
  if (index >= test.size()) {
    fmt::print("   (test image {} is not in this data; showing {} instead)\n", index, index % test.size());
    index %= test.size();
  }
  const auto [image, label] = test.get(index);
  const Tensor x = image.unsqueeze(0);
  const Tensor conv = model[0].forward(x), pooled = model[1].forward(conv);
  const Tensor probs = softmax(model[3].forward(model[2].forward(pooled)), 1);
  const std::string stem = fmt::format("{}/test_{}", out, index);
  save_png(stem + "_digit.png", image.reshape({28, 28}), 8);
  save_png_grid(stem + "_conv.png", maps_of(conv), 8, 8);
  save_png_grid(stem + "_pool.png", maps_of(pooled), 8, 15);
  fmt::print("   test image {} (label {}): {}_digit.png, its 8 feature maps {} in {}_conv.png,\n"
             "   its 8 pooled maps {} in {}_pool.png\n   Softmax layer output: {}\n   Prediction = {}\n",
             index, label, stem, conv.shape(), stem, pooled.shape(), stem, probs, int64_t(probs.argmax().item()));
}

}  // namespace sg::tutorial
