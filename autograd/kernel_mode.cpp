// SG_KERNELS=reference (or fast) picks the kernels for the whole process; set_reference_kernels overrides it.
#include "autograd/kernel_mode.h"

#include <cstdlib>
#include <cstring>

namespace sg {

namespace detail {
bool read_kernel_mode() {
  const char* value = std::getenv("SG_KERNELS");
  const bool reference = value && std::strcmp(value, "reference") == 0;
  // Only the first reader stores: a set_reference_kernels that came in between keeps its word.
  signed char unread = -1;
  kernel_mode.compare_exchange_strong(unread, reference ? 1 : 0, std::memory_order_relaxed);
  return kernel_mode.load(std::memory_order_relaxed) == 1;
}
}  // namespace detail

void set_reference_kernels(bool on) { detail::kernel_mode.store(on ? 1 : 0, std::memory_order_relaxed); }

}  // namespace sg
