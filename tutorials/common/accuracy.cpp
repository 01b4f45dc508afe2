#include "tutorials/common/accuracy.h"

namespace sg::tutorial {

int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  return int64_t(eq(argmax(logits, 1), labels).sum().item());
}

}  // namespace sg::tutorial
