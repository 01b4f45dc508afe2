// Pictures of a small CNN's layers.
#include "tutorials/common/layer_pictures.h"

#include "tutorials/common/picture_grid.h"

namespace sg::tutorial {

std::vector<Tensor> maps_of(const Tensor& x) {
  std::vector<Tensor> maps;
  for (int64_t c = 0; c < x.size(1); ++c) maps.push_back(x.narrow(1, c, 1).reshape({x.size(2), x.size(3)}));
  return maps;
}

std::string save_first_digits(const datasets::Dataset& data, int64_t count, const std::string& out,
                              const std::string& title) {
  std::vector<PictureRow> rows;
  std::string labels;
  for (int64_t i = 0; i < count; ++i) {
    if (i % 5 == 0) rows.push_back({fmt::format("training\nimages {}-{}", i, std::min(i + 5, count) - 1), {}, {}, ColourScale::Grey});
    rows.back().maps.push_back(data.get(i).image.reshape({28, 28}));
    rows.back().captions.push_back(fmt::format("Label: {}", data.class_name(data.get(i).label)));
    labels += fmt::format(" {}", data.get(i).label);
  }
  save_picture_grid(out + "/first_digits.svg", title, rows);
  return labels;
}

std::string save_layer_maps(const std::string& path, const std::string& title, const Tensor& image,
                            const std::string& label, const Tensor& conv, const Tensor& pooled) {
  std::vector<std::string> filters;
  for (int64_t c = 0; c < conv.size(1); ++c) filters.push_back(fmt::format("filter {}", c));
  return save_picture_grid(path, title,
                           {{"input", {image.reshape({image.size(-2), image.size(-1)})}, {label}, ColourScale::Grey},
                            {"conv output", maps_of(conv), filters, ColourScale::Diverging},
                            {"max-pool output", maps_of(pooled), filters, ColourScale::Diverging}});
}

void show_inner_workings(nn::Sequential& model, const datasets::Dataset& test, int64_t index, const std::string& out,
                         const std::string& run) {
  NoGradGuard no_grad;
  if (index >= test.size()) {
    fmt::print("   (test image {} is not in this data; showing {} instead)\n", index, index % test.size());
    index %= test.size();
  }
  const auto [image, label] = test.get(index);
  const Tensor x = image.unsqueeze(0);
  const Tensor conv = model[0].forward(x);
  Tensor pooled = conv;  // through every layer between the conv and the flatten (a pool, a padding)
  for (size_t i = 1; i + 2 < model.size(); ++i) pooled = model[i].forward(pooled);
  const Tensor probs = softmax(model[model.size() - 1].forward(model[model.size() - 2].forward(pooled)), 1);
  const int64_t predicted = int64_t(probs.argmax().item());
  const std::string path = save_layer_maps(
      fmt::format("{}/test_{}.svg", out, index),
      fmt::format("{}, test image {}: label {}, predicted {}", run, index, test.class_name(label), predicted), image,
      fmt::format("Label: {}", test.class_name(label)), conv, pooled);
  fmt::print("   test image {} (label {}): its 8 feature maps {} and 8 pooled maps {} in {}\n"
             "   Softmax layer output: {}\n   Prediction = {}\n",
             index, label, conv.shape(), pooled.shape(), path, probs, predicted);
}

}  // namespace sg::tutorial
