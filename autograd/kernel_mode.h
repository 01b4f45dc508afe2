// Which kernels the ops run: the fast ones (vector registers, tiles, packed copies, threads) or the
// reference ones, plain loops that read like each op's math, for stepping through a training run in a
// debugger or for checking a result. Both compute the same values; the fast ones may add in another order.
#pragma once

#include <atomic>

namespace sg {

namespace detail {
// -1 until the first question reads SG_KERNELS; then 1 for the reference kernels, 0 for the fast ones.
// Inline in the header: every kernel call asks, and a load costs less than a call into another file.
inline std::atomic<signed char> kernel_mode{-1};
bool read_kernel_mode();
}  // namespace detail

/// True when ops run the reference kernels: after set_reference_kernels(true), when the environment held
/// SG_KERNELS=reference at the first kernel call, and always in a build with SG_REFERENCE_KERNELS=ON.
inline bool reference_kernels() {
#if defined(SG_REFERENCE_KERNELS)
  return true;
#else
  const signed char mode = detail::kernel_mode.load(std::memory_order_relaxed);
  return mode < 0 ? detail::read_kernel_mode() : mode == 1;
#endif
}

/// Runs the ops from now on with the reference kernels (true) or the fast ones (false), whatever
/// SG_KERNELS says. A build with SG_REFERENCE_KERNELS=ON has only the reference ones: false does nothing.
void set_reference_kernels(bool on);

namespace kernels {
/// Whether this build has the fast kernels (SG_REFERENCE_KERNELS=OFF). The interfaces in
/// autograd/kernels/ test it with `if constexpr`, so an ON build never even instantiates a fast kernel.
#if defined(SG_REFERENCE_KERNELS)
inline constexpr bool kFastKernels = false;
#else
inline constexpr bool kFastKernels = true;
#endif
}  // namespace kernels

}  // namespace sg
