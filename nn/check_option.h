// Refusing option values that would make training meaningless: NaN, infinities, and numbers outside the
// range their formula is defined on. Checked once, where the option is taken (a constructor, an
// initialiser), in PyTorch's words ("Invalid learning rate: -1") plus the range expected.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "autograd/check.h"

namespace sg::nn {

/// Where an option must lie: [low, high], or [low, high) when high_open.
struct OptionRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool high_open = false;
};

/// Throws std::invalid_argument unless value is finite and within range:
///   check_option("Adam", "learning rate", lr, {.low = 0})
///   -> "Adam: invalid learning rate: expected a finite value >= 0, got inf"
inline void check_option(const char* op, const char* what, double value, const OptionRange& range) {
  const bool above_low = value >= range.low;
  const bool below_high = range.high_open ? value < range.high : value <= range.high;
  if (std::isfinite(value) && above_low && below_high) [[likely]]
    return;
  const bool bounded_low = std::isfinite(range.low), bounded_high = std::isfinite(range.high);
  std::string expected = "a finite value";
  if (bounded_low && bounded_high)
    expected += fmt::format(" in [{}, {}{}", range.low, range.high, range.high_open ? ")" : "]");
  else if (bounded_low)
    expected += fmt::format(" >= {}", range.low);
  else if (bounded_high)
    expected += fmt::format(" {} {}", range.high_open ? "<" : "<=", range.high);
  fail("{}: invalid {}: expected {}, got {}", op, what, expected, value);
}

}  // namespace sg::nn
