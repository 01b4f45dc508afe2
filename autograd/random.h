// One seedable generator. Uniform and normal draws are computed here from the generator's raw 64-bit
// output, not by <random>'s distributions (which differ between standard libraries), so a seed gives the
// same numbers, and the same model, on every machine.
#pragma once

#include <array>
#include <cstdint>

namespace sg {

/// xoshiro256** seeded through splitmix64: small, fast, and well tested.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { seed_(seed); }
  void seed_(uint64_t seed);
  /// 64 random bits.
  uint64_t next_u64();
  /// Uniform on [0, 1) with 53 random bits.
  double uniform();
  /// Uniform on [0, 1) with 24 random bits, for float32: float(uniform()) can round up to exactly 1.
  float uniform_float();
  /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal();
  /// Uniform integer in [0, n), without modulo bias.
  uint64_t randint(uint64_t n);

  /// The whole state, for a checkpoint: the four state words, the kept normal's bits, and 1 when one is
  /// kept (else 0). A generator given it back by set_state draws the same numbers from there on.
  std::array<uint64_t, 6> get_state() const;
  /// Restores a state from get_state; throws std::invalid_argument for one no generator can be in (four
  /// zero words, from which xoshiro would draw nothing but zeros, or a last word other than 0 or 1).
  void set_state(const std::array<uint64_t, 6>& state);

 private:
  uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

/// The generator behind rand, randn, dropout and the initialisers. Not meant for concurrent use.
Generator& default_generator();
/// Reseeds the default generator: sg::manual_seed(0) makes a run repeatable.
void manual_seed(uint64_t seed);

}  // namespace sg
