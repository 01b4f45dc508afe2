// Values written the way NumPy printed them in the notebooks, so the lines can be compared.
#pragma once

#include <cstdint>
#include <string>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// A shape as NumPy prints one: (1, 1, 23, 23).
std::string numpy_shape(const Tensor& t);

/// A label as a one-hot row of `classes`, as NumPy prints an int array: [0 0 0 0 1 0 0 0 0 0].
std::string one_hot_text(int64_t label, int64_t classes);

}  // namespace sg::tutorial
