#include "tutorials/common/grad_compare.h"

#include <algorithm>

namespace sg::tutorial {

double max_grad_difference(const nn::Module& a, const nn::Module& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  double largest = 0;
  for (size_t i = 0; i < pa.size(); ++i) largest = std::max(largest, (pa[i].grad() - pb[i].grad()).abs().max().item());
  return largest;
}

bool same_grad_bits(const nn::Module& a, const nn::Module& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    if (pa[i].grad().to_vector<float>() != pb[i].grad().to_vector<float>()) return false;
  return true;
}

}  // namespace sg::tutorial
