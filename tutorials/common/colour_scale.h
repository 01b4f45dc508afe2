// How a picture grid turns numbers into colours: grey from the row's min to its max, or a diverging
// blue-white-red map symmetric around 0 for signed values (a conv output before its ReLU, a filter),
// where white is 0 whatever the range.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sg::tutorial {

enum class ColourScale {
  Grey,       // lo..hi -> black..white, lo and hi the smallest and largest value shown
  Unit,       // 0..1 -> black..white whatever the values: for sigmoid outputs, probabilities
  Diverging,  // -a..+a -> blue..white..red, a the largest |value| shown
};

/// One scale fixed to the values it is to show.
struct Colouring {
  ColourScale kind = ColourScale::Grey;
  double lo = 0, hi = 1;

  /// The scale that fits `values` (non-finite ones are ignored).
  static Colouring fit(ColourScale kind, const std::vector<double>& values);
  /// v's colour; values outside lo..hi take the end colours, a NaN takes the middle one.
  std::array<uint8_t, 3> colour(double v) const;
  /// The colour map's corners, (position 0..1 from lo to hi, "#rrggbb"), for an SVG gradient: linear
  /// between them, as colour() is.
  std::vector<std::pair<double, std::string>> stops() const;
  /// "scale -1.2..+1.2" or "scale 0..0.98".
  std::string text() const;
};

}  // namespace sg::tutorial
