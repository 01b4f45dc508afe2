// The diverging map's five corners are ColorBrewer's RdBu ones, which read as "less", "none" and "more"
// in print and for the common colour blindnesses; between corners the colour is linear, like an SVG
// gradient's, so the colour bar matches the tiles.
#include "tutorials/common/colour_scale.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace sg::tutorial {

namespace {
using Rgb = std::array<uint8_t, 3>;
constexpr Rgb kBlack{0, 0, 0}, kWhite{255, 255, 255};
constexpr Rgb kDiverging[] = {{33, 102, 172}, {146, 197, 222}, {247, 247, 247}, {244, 165, 130}, {178, 24, 43}};

// The corners of `kind`'s map, evenly spaced from position 0 to 1.
std::vector<Rgb> corners(ColourScale kind) {
  if (kind != ColourScale::Diverging) return {kBlack, kWhite};
  return {std::begin(kDiverging), std::end(kDiverging)};
}
}  // namespace

Colouring Colouring::fit(ColourScale kind, const std::vector<double>& values) {
  if (kind == ColourScale::Unit) return {kind, 0, 1};
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = hi = 0;
  if (kind == ColourScale::Grey) return {kind, lo, hi};
  const double a = std::max(std::abs(lo), std::abs(hi));
  return {kind, -a, a};
}

std::array<uint8_t, 3> Colouring::colour(double v) const {
  // A row of equal values has no range: it shows as the map's middle colour.
  double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  t = std::isnan(t) ? 0.5 : std::clamp(t, 0.0, 1.0);
  const std::vector<Rgb> c = corners(kind);
  const double x = t * double(c.size() - 1);
  const size_t i = std::min(size_t(x), c.size() - 2);
  const double f = x - double(i);
  Rgb out;
  for (size_t k = 0; k < 3; ++k) out[k] = uint8_t(std::lround((1 - f) * c[i][k] + f * c[i + 1][k]));
  return out;
}

std::vector<std::pair<double, std::string>> Colouring::stops() const {
  const std::vector<Rgb> c = corners(kind);
  std::vector<std::pair<double, std::string>> out;
  for (size_t i = 0; i < c.size(); ++i)
    out.emplace_back(double(i) / double(c.size() - 1), fmt::format("#{:02x}{:02x}{:02x}", c[i][0], c[i][1], c[i][2]));
  return out;
}

std::string Colouring::text() const {
  if (kind == ColourScale::Diverging) return fmt::format("scale -{0:.3g}..+{0:.3g}", hi);
  return fmt::format("scale {:.3g}..{:.3g}", lo, hi);
}

}  // namespace sg::tutorial
