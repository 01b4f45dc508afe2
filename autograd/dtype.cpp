// The out-of-line parts of dtype.h: its error messages (here, so that dtype.h needs no <stdexcept> and
// no fmt) and the name of a dtype on a stream.
#include "autograd/dtype.h"

#include <ostream>

#include "autograd/check.h"

namespace sg {

[[noreturn]] void throw_dtype_error(std::string_view op, Dtype dtype) {
  fail("{}: expected a float32 or float64 tensor, got {}", op, dtype);
}

void throw_int64_conversion_error(std::string_view op, double value) {
  fail("{}: cannot convert {} to int64 (only finite values in [-2^63, 2^63) can be)", op, value);
}

std::ostream& operator<<(std::ostream& os, Dtype dtype) { return os << dtype_name(dtype); }

}  // namespace sg
