// Timing a model layer by layer.
#include "tutorials/common/layer_timing.h"

#include <algorithm>

namespace sg::tutorial {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int name_width(const nn::Sequential& model) {
  size_t width = 30;
  for (size_t i = 0; i < model.size(); ++i) width = std::max(width, model[i].repr().size());
  return int(width);
}

void print_timing(const std::string& name, int width, const std::string& what, const std::string& value,
                  const std::string& pass, double ms) {
  fmt::print("   {:<{}}  {:<6} {:<16} {:<8} {:7.3f} ms\n", name, width, what, value, pass, ms);
}

std::vector<Tensor> forward_timed(nn::Sequential& model, const Tensor& image) {
  std::vector<Tensor> outputs{image};
  for (size_t i = 0; i < model.size(); ++i) {
    const auto start = Clock::now();
    outputs.push_back(model[i].forward(outputs.back()));
    const double ms = ms_since(start);
    print_timing(model[i].repr(), name_width(model), "output", fmt::format("{}", outputs.back().shape()), "forward", ms);
  }
  return outputs;
}

}  // namespace sg::tutorial
