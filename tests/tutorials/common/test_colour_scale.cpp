// Colour scales: which range a row gets, and the colours at its ends and middle.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>

#include "tutorials/common/colour_scale.h"

using sg::tutorial::Colouring, sg::tutorial::ColourScale;
using Rgb = std::array<uint8_t, 3>;

BOOST_AUTO_TEST_SUITE(colour_scale)

BOOST_AUTO_TEST_CASE(grey_spans_the_values_min_to_max_ignoring_non_finite_ones) {
  const Colouring c = Colouring::fit(ColourScale::Grey, {0.5, -1.5, NAN, 3.5, INFINITY});
  BOOST_TEST(c.lo == -1.5);
  BOOST_TEST(c.hi == 3.5);
  BOOST_TEST((c.colour(-1.5) == Rgb{0, 0, 0}));
  BOOST_TEST((c.colour(1.0) == Rgb{128, 128, 128}));  // halfway: round(127.5)
  BOOST_TEST((c.colour(3.5) == Rgb{255, 255, 255}));
  BOOST_TEST((c.colour(100) == Rgb{255, 255, 255}));  // beyond the ends: the end colours
  BOOST_TEST(c.text() == "scale -1.5..3.5");
}

BOOST_AUTO_TEST_CASE(diverging_is_symmetric_around_zero_which_is_white) {
  const Colouring c = Colouring::fit(ColourScale::Diverging, {0.25, -0.1, 0.4});
  BOOST_TEST(c.lo == -0.4);
  BOOST_TEST(c.hi == 0.4);
  BOOST_TEST((c.colour(0) == Rgb{247, 247, 247}));
  BOOST_TEST((c.colour(-0.4) == Rgb{33, 102, 172}));
  BOOST_TEST((c.colour(0.4) == Rgb{178, 24, 43}));
  BOOST_TEST(c.text() == "scale -0.4..+0.4");
  BOOST_TEST(c.stops().size() == 5u);
  BOOST_TEST(c.stops()[2].first == 0.5);
  BOOST_TEST(c.stops()[2].second == "#f7f7f7");
}

BOOST_AUTO_TEST_CASE(unit_is_zero_to_one_whatever_the_values) {
  const Colouring c = Colouring::fit(ColourScale::Unit, {0.25, 0.5});
  BOOST_TEST(c.lo == 0.0);
  BOOST_TEST(c.hi == 1.0);
  BOOST_TEST((c.colour(0.5) == Rgb{128, 128, 128}));
  BOOST_TEST(c.text() == "scale 0..1");
}

BOOST_AUTO_TEST_CASE(a_row_of_equal_values_shows_the_middle_colour) {
  const Colouring c = Colouring::fit(ColourScale::Grey, {0, 0, 0});
  BOOST_TEST((c.colour(0) == Rgb{128, 128, 128}));
  BOOST_TEST(c.text() == "scale 0..0");
}

BOOST_AUTO_TEST_SUITE_END()
