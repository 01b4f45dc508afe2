// mnist_binary_conv's notebook (003_d65131dfbdc71682) derived every gradient by hand, cell by cell. This
// file redoes its derivation with plain loops in float64, once with its bugs fixed (hand_gradients) and
// once exactly as written (notebook_as_written), for the program to set beside autograd's.
#pragma once

#include <cstdint>
#include <vector>

#include "tutorials/common/binary_conv_net.h"

namespace sg::tutorial::binary_conv {

/// The inputs as plain arrays: x (N, 28, 28), y (N), f (3, 5, 5), wo (1728); features are indexed
/// d = k*576 + i*24 + j (filter-major).
struct Plain {
  int64_t N;
  std::vector<double> x, y, f, wo;
};

struct Forward {
  std::vector<double> s, out;  // s: (N, 1728) sigmoid of the convolution, out: (N)
  std::vector<double> zn;      // (N) standardised dense output
  double sigma = 0, loss = 0;
};

struct Grads {
  std::vector<double> dwo, df;  // (1728), (3, 5, 5)
};

/// The forward pass of cells 10-12, with plain loops.
Forward forward_by_hand(const Plain& p);

/// The chain rule as the notebook wrote it, cell by cell, with its bugs fixed.
Grads hand_gradients(const Plain& p, const Forward& fw);

/// The same cells exactly as the notebook wrote them, bugs included; lr is the step cell 13 takes
/// before cell 14 reads wo.
Grads notebook_as_written(const Plain& p, const Forward& fw, double lr);

/// Whether feature d of the (N, 1728) features s takes one value in every image.
bool same_in_every_image(const std::vector<double>& s, int64_t N, int64_t d);

/// The largest |a[i] - b[i]|, b read as float64.
double largest_difference(const std::vector<double>& a, const Tensor& b);

}  // namespace sg::tutorial::binary_conv
