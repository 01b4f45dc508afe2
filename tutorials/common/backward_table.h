// The table a tutorial prints when it sets a notebook's hand-written backward beside autograd's: for
// each parameter, how far the notebook's code as written and its corrected version are from autograd.
#pragma once

#include <string>
#include <vector>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

/// One parameter: max |as written - autograd|, max |corrected - autograd|, and why the first is not 0.
struct BackwardRow {
  std::string parameter;
  double as_written = 0, corrected = 0;
  std::string cause;
};

/// The largest |a[i] - b[i]|, b read as float64; a and b hold the same number of elements.
double max_abs_diff(const std::vector<double>& a, const Tensor& b);

/// Prints the rows under a header, one line each (tests/tutorials/expect_backward_table.cmake reads them).
void print_backward_table(const std::vector<BackwardRow>& rows);

}  // namespace sg::tutorial
