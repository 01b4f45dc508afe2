// Shapes and one-hot rows as NumPy prints them.
#include "tutorials/common/numpy_text.h"

#include <fmt/ranges.h>

namespace sg::tutorial {

std::string numpy_shape(const Tensor& t) { return fmt::format("({})", fmt::join(t.shape().vec(), ", ")); }

std::string one_hot_text(int64_t label, int64_t classes) {
  std::string text;
  for (int64_t c = 0; c < classes; ++c) text += c == label ? "1" : "0";
  return fmt::format("[{}]", fmt::join(text, " "));
}

}  // namespace sg::tutorial
