// Finding the op behind a NaN costs a second forward pass with every output checked, so it is done
// only once the loss has already gone wrong.
#include "tutorials/common/guard.h"

#include <cmath>
#include <iostream>
#include <new>
#include <stdexcept>

#include <fmt/format.h>

#include "autograd/grad_mode.h"

namespace sg::tutorial {

void check_loss(const Tensor& loss, int epoch, int64_t step, const std::function<Tensor()>& replay) {
  const double value = loss.item();
  if (std::isfinite(value)) [[likely]] return;
  std::string culprit = "no single op was found (the replay stayed finite)";
  try {
    NoGradGuard no_grad;
    DetectAnomalyGuard detect;
    replay();
  } catch (const std::runtime_error& e) {
    culprit = e.what();
  }
  throw std::runtime_error(fmt::format(
      "training stopped at epoch {}, step {}: the loss is {}; {}. Try a smaller --lr.", epoch, step, value, culprit));
}

int run_main(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory: a tensor of the sizes asked for does not fit; try smaller ones\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace sg::tutorial
