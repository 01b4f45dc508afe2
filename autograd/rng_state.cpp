// The generator's six 64-bit words travel as int64 bit patterns: safetensors has no unsigned 64-bit type
// that every reader knows, and a bit cast either way loses nothing.
#include "autograd/rng_state.h"

#include <array>
#include <bit>

#include "autograd/check.h"
#include "autograd/random.h"

namespace sg {

Tensor get_rng_state() {
  const std::array<uint64_t, 6> words = default_generator().get_state();
  std::vector<int64_t> values(words.size());
  for (size_t i = 0; i < words.size(); ++i) values[i] = std::bit_cast<int64_t>(words[i]);
  return tensor(values, {int64_t(values.size())});
}

void set_rng_state(const Tensor& state) {
  SG_CHECK(state.defined() && state.dtype() == kInt64 && state.dim() == 1 && state.size(0) == 6,
           "set_rng_state: expected an int64 tensor of shape [6] from get_rng_state, got {}",
           state.defined() ? fmt::format("{} {}", state.dtype(), state.shape()) : std::string("an undefined tensor"));
  const std::vector<int64_t> values = state.to_vector<int64_t>();
  std::array<uint64_t, 6> words{};
  for (size_t i = 0; i < words.size(); ++i) words[i] = std::bit_cast<uint64_t>(values[i]);
  default_generator().set_state(words);
}

}  // namespace sg
