// Printing the as-written / corrected / autograd comparison, one parameter a line.
#include "tutorials/common/backward_table.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace sg::tutorial {

double max_abs_diff(const std::vector<double>& a, const Tensor& b) {
  const std::vector<double> bv = b.to_vector<double>();
  SG_CHECK(a.size() == bv.size(), "max_abs_diff: expected as many elements on both sides, got {} and {}", a.size(),
           bv.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - bv[i]));
  return worst;
}

void print_backward_table(const std::vector<BackwardRow>& rows) {
  size_t width = 9;
  for (const BackwardRow& row : rows) width = std::max(width, row.parameter.size());
  fmt::print("   {:<{}}  {:>10}  {:>10}  max |hand - autograd|: as the notebook wrote it, corrected\n", "parameter",
             width, "as written", "corrected");
  for (const BackwardRow& row : rows)
    fmt::print("   {:<{}}  {:>10.2e}  {:>10.2e}  {}\n", row.parameter, width, row.as_written, row.corrected, row.cause);
}

}  // namespace sg::tutorial
