// xoshiro256** (Blackman and Vigna) and the draws built on it.
#include "autograd/random.h"

#include <bit>
#include <cmath>
#include <numbers>

#include "autograd/check.h"

namespace sg {

namespace {
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

void Generator::seed_(uint64_t seed) {
  for (uint64_t& s : s_) s = splitmix64(seed);
  has_spare_ = false;
}

uint64_t Generator::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Generator::uniform() { return double(next_u64() >> 11) * 0x1.0p-53; }

float Generator::uniform_float() { return float(next_u64() >> 40) * 0x1.0p-24f; }

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  const double u1 = 1.0 - uniform();  // in (0, 1]: log(u1) is finite
  const double u2 = uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * std::numbers::pi * u2;
  spare_normal_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

// Rejection of the few values past the last whole multiple of n keeps every result equally likely.
uint64_t Generator::randint(uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = next_u64();
  while (x >= limit);
  return x % n;
}

std::array<uint64_t, 6> Generator::get_state() const {
  return {s_[0], s_[1], s_[2], s_[3], std::bit_cast<uint64_t>(spare_normal_), has_spare_ ? 1u : 0u};
}

void Generator::set_state(const std::array<uint64_t, 6>& state) {
  SG_CHECK(state[0] != 0 || state[1] != 0 || state[2] != 0 || state[3] != 0,
           "Generator::set_state: expected a state from get_state, got four zero state words");
  SG_CHECK(state[5] <= 1, "Generator::set_state: expected 0 or 1 for whether a normal is kept, got {}", state[5]);
  for (int i = 0; i < 4; ++i) s_[i] = state[size_t(i)];
  spare_normal_ = std::bit_cast<double>(state[4]);
  has_spare_ = state[5] == 1;
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

}  // namespace sg
