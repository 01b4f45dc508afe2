// The conv row is drawn before the activation on purpose: after a ReLU that has died on cloth, the maps
// are mostly 0 with a speckle of positive bias, while the signed response shows where the garment is
// (the filter's strong negative answer) against the bias alone on the background.
#include "tutorials/common/one_filter_pictures.h"

#include <algorithm>

#include "tutorials/common/picture_grid.h"

namespace sg::tutorial {

namespace {
// (N, 1, H, W) -> N maps (H, W).
std::vector<Tensor> maps_of_batch(const Tensor& x) {
  std::vector<Tensor> maps;
  for (int64_t i = 0; i < x.size(0); ++i) maps.push_back(x.narrow(0, i, 1).reshape({x.size(2), x.size(3)}));
  return maps;
}

Tensor filter_map(const Tensor& filter) {
  return filter.detach().reshape({OneFilterCNN::kFilter, OneFilterCNN::kFilter});
}
}  // namespace

std::string save_feature_maps(OneFilterCNN& model, const datasets::Dataset& data, const std::string& path,
                              const std::string& title) {
  NoGradGuard no_grad;
  const int64_t n = std::min<int64_t>(8, data.size());
  const Tensor images = data.images().narrow(0, 0, n);
  const auto o = model.run(images);
  std::vector<std::string> captions;
  for (int64_t i = 0; i < n; ++i) captions.push_back(fmt::format("{}: {}", i, data.class_name(data.get(i).label)));
  // A leaky ReLU passes negative values on (times 0.01): its rows are signed too.
  const bool relu = model.activation == "relu";
  const ColourScale after = relu ? ColourScale::Grey : ColourScale::Diverging;
  return save_picture_grid(path, title,
                           {{"input", maps_of_batch(images), captions, ColourScale::Grey},
                            {"conv output\n(filter + bias)", maps_of_batch(o.pre), captions, ColourScale::Diverging},
                            {relu ? "ReLU output" : "leaky ReLU output", maps_of_batch(o.maps), captions, after},
                            {"max-pool output", maps_of_batch(o.pooled), captions, after}});
}

std::string save_filters(const std::string& path, const std::string& title, const std::vector<FilterHistory>& runs,
                         int epochs) {
  std::vector<PictureRow> rows;
  for (const FilterHistory& run : runs)
    rows.push_back({run.run, {filter_map(run.before), filter_map(run.after)},
                    {"initial", fmt::format("after {} epoch{}", epochs, epochs == 1 ? "" : "s")}, ColourScale::Diverging});
  return save_picture_grid(path, title, rows);
}

}  // namespace sg::tutorial
