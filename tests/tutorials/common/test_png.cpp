// PNG bytes and base64: the encoder's output must decode back to its pixels; base64 against RFC 4648's
// own test vectors.
#include <boost/test/unit_test.hpp>

#include <string>

#include "tests/tutorials/common/decode_png.h"
#include "tutorials/common/png.h"

using sg::tutorial::RgbImage;

BOOST_AUTO_TEST_SUITE(png)

BOOST_AUTO_TEST_CASE(base64_matches_the_rfc_4648_test_vectors) {
  // RFC 4648, section 10.
  const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [text, expected] : vectors) BOOST_TEST(sg::tutorial::base64(text) == expected, "base64(" << text << ")");
  // Bytes above 127 are not sign-extended: 0xff 0xfe 0xfd is 111111 111111 111011 111101.
  BOOST_TEST(sg::tutorial::base64("\xff\xfe\xfd") == "//79");
}

BOOST_AUTO_TEST_CASE(an_encoded_image_decodes_to_its_pixels) {
  const RgbImage image{3, 2, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90}};
  const auto decoded = sg::testing::decode_png(sg::tutorial::encode_png(image));
  BOOST_TEST(decoded.width == 3);
  BOOST_TEST(decoded.height == 2);
  BOOST_TEST(decoded.pixels == image.pixels, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_data_uri_names_png_and_holds_the_base64_bytes) {
  const RgbImage image{1, 1, {1, 2, 3}};
  BOOST_TEST(sg::tutorial::png_data_uri(image) == "data:image/png;base64," + sg::tutorial::base64(sg::tutorial::encode_png(image)));
}

BOOST_AUTO_TEST_CASE(a_pixel_count_that_does_not_match_the_size_is_refused) {
  BOOST_CHECK_EXCEPTION(sg::tutorial::encode_png(RgbImage{2, 2, {0, 0, 0}}), std::invalid_argument, [](const auto& e) {
    return std::string(e.what()).find("encode_png: expected width, height >= 1 and width * height * 3 bytes, got 2 x 2 and 3 bytes") !=
           std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
