// The IDX reader on files the test writes: plain and gzipped alike, and every way a file can be wrong.
#include "datasets/idx.h"

#include "tests/datasets/idx_files.h"
#include "tests/testing.h"

using namespace sg::datasets;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(idx)

namespace {

const Bytes kLabels = {5, 0, 4, 1, 9};

// Writes bytes plain and gzipped, and checks both are refused with the same message parts.
boost::test_tools::predicate_result both_refuse(const Bytes& bytes, bool images, std::vector<std::string> parts) {
  TempDir dir;
  for (const bool gz : {false, true}) {
    const auto path = dir / (gz ? "file.gz" : "file");
    gz ? sg::testing::write_gz(path, bytes) : sg::testing::write_plain(path, bytes);
    std::vector<std::string> with_name = parts;
    with_name.push_back(path.string() + ":");
    auto result = throws_with<std::runtime_error>(
        [&] { images ? (void)read_idx_images(path) : (void)read_idx_labels(path); }, with_name);
    if (!result) {
      result.message() << (gz ? " (gzipped file)" : " (plain file)");
      return result;
    }
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(plain_and_gzipped_files_read_the_same) {
  TempDir dir;
  const Bytes pixels = image_pixels(3, 4, 5), file = idx_bytes(kIdxImagesMagic, {3, 4, 5}, pixels);
  sg::testing::write_plain(dir / "images", file);
  sg::testing::write_gz(dir / "images.gz", file);
  BOOST_TEST(sg::testing::read_all(dir / "images.gz") != file);  // really compressed
  for (const char* name : {"images", "images.gz"}) {
    const IdxImages images = read_idx_images(dir / name);
    BOOST_TEST(images.count == 3);
    BOOST_TEST(images.rows == 4);
    BOOST_TEST(images.cols == 5);
    BOOST_TEST(images.pixels == pixels, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(labels_read_from_plain_and_gzipped_files) {
  TempDir dir;
  const Bytes file = idx_bytes(kIdxLabelsMagic, {5}, kLabels);
  sg::testing::write_plain(dir / "labels", file);
  sg::testing::write_gz(dir / "labels.gz", file);
  for (const char* name : {"labels", "labels.gz"})
    BOOST_TEST(read_idx_labels(dir / name) == kLabels, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_file_with_no_items_is_empty_not_an_error) {
  TempDir dir;
  sg::testing::write_gz(dir / "labels.gz", idx_bytes(kIdxLabelsMagic, {0}, {}));
  BOOST_TEST(read_idx_labels(dir / "labels.gz").empty());
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_named) {
  TempDir dir;
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_images(dir / "nothing.gz"); },
                                             {(dir / "nothing.gz").string(), "cannot open", "No such file"}));
}

// Both readers used to fail on the first read with zlib's or the stream's words, naming no file.
BOOST_AUTO_TEST_CASE(a_directory_is_refused_by_name) {
  TempDir dir;
  const std::string expected = dir.path().string() + ": is a directory";
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_images(dir.path()); }, {expected}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_labels(dir.path()); }, {expected}));
}

BOOST_AUTO_TEST_CASE(bad_magic_is_refused) {
  BOOST_TEST(both_refuse(idx_bytes(0x00000000, {1, 28, 28}, image_pixels(1)), true,
                         {"bad magic 0x00000000, expected 0x00000803"}));
  // 0x0D is IDX's float type: right rank, wrong element type.
  BOOST_TEST(both_refuse(idx_bytes(0x00000D03, {1, 28, 28}, image_pixels(1)), true,
                         {"bad magic 0x00000d03, expected 0x00000803"}));
  BOOST_TEST(both_refuse(idx_bytes(0x12340801, {5}, kLabels), false, {"bad magic 0x12340801, expected 0x00000801"}));
}

BOOST_AUTO_TEST_CASE(wrong_rank_is_refused) {
  // A labels file where images are expected, and the other way round.
  BOOST_TEST(both_refuse(idx_bytes(kIdxLabelsMagic, {5}, kLabels), true, {"rank 1", "expected rank 3"}));
  BOOST_TEST(both_refuse(idx_bytes(kIdxImagesMagic, {1, 2, 2}, {1, 2, 3, 4}), false, {"rank 3", "expected rank 1"}));
  BOOST_TEST(both_refuse(idx_bytes(0x00000802, {2, 784}, image_pixels(2)), true, {"rank 2 (magic 0x00000802)"}));
}

BOOST_AUTO_TEST_CASE(a_file_cut_inside_the_header_is_refused) {
  BOOST_TEST(both_refuse({0, 0, 8}, true, {"truncated header: magic has 3 of 4 bytes"}));
  BOOST_TEST(both_refuse({0, 0, 8, 3, 0, 0, 0, 1, 0, 0}, true, {"truncated header: rows has 2 of 4 bytes"}));
  BOOST_TEST(both_refuse({}, false, {"truncated header: magic has 0 of 4 bytes"}));
}

BOOST_AUTO_TEST_CASE(truncated_data_is_refused) {
  // A plain file's size is checked against the header up front; a gzipped one runs out while reading.
  Bytes file = idx_bytes(kIdxImagesMagic, {3, 28, 28}, image_pixels(3));
  file.resize(file.size() - 100);
  TempDir dir;
  sg::testing::write_plain(dir / "images", file);
  sg::testing::write_gz(dir / "images.gz", file);
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_images(dir / "images"); },
                                             {"images: size 2268 bytes, expected 2368 (16 header + 2352 pixels)"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_images(dir / "images.gz"); },
                                             {"images.gz: truncated pixels: 2252 of 2352 bytes present"}));
  const Bytes labels = idx_bytes(kIdxLabelsMagic, {6}, kLabels);
  sg::testing::write_plain(dir / "labels", labels);
  sg::testing::write_gz(dir / "labels.gz", labels);
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_labels(dir / "labels"); },
                                             {"labels: size 13 bytes, expected 14 (8 header + 6 labels)"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_labels(dir / "labels.gz"); },
                                             {"labels.gz: truncated labels: 5 of 6 bytes present"}));
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_refused) {
  Bytes labels = kLabels;
  labels.push_back(3);
  const Bytes file = idx_bytes(kIdxLabelsMagic, {5}, labels);
  TempDir dir;
  sg::testing::write_plain(dir / "labels", file);
  sg::testing::write_gz(dir / "labels.gz", file);
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_labels(dir / "labels"); },
                                             {"size 14 bytes, expected 13"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_labels(dir / "labels.gz"); },
                                             {"trailing data after the 5 bytes of labels", "expected end of file"}));
}

BOOST_AUTO_TEST_CASE(a_truncated_gzip_stream_is_refused) {
  TempDir dir;
  // Incompressible-ish pixels so that the compressed stream is long enough to cut in the middle.
  Bytes pixels(50 * 784);
  uint32_t state = 12345;
  for (uint8_t& p : pixels) p = uint8_t((state = state * 1664525u + 1013904223u) >> 24);
  sg::testing::write_gz(dir / "full.gz", idx_bytes(kIdxImagesMagic, {50, 28, 28}, pixels));
  Bytes gz = sg::testing::read_all(dir / "full.gz");
  gz.resize(gz.size() / 2);
  sg::testing::write_plain(dir / "cut.gz", gz);
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_images(dir / "cut.gz"); },
                                             {"cut.gz: truncated pixels", "of 39200 bytes", "gzip stream ends early"}));
}

BOOST_AUTO_TEST_CASE(corrupt_gzip_data_is_refused) {
  TempDir dir;
  sg::testing::write_gz(dir / "good.gz", idx_bytes(kIdxImagesMagic, {2, 28, 28}, image_pixels(2)));
  Bytes gz = sg::testing::read_all(dir / "good.gz");
  for (size_t i = 12; i < gz.size() - 8; ++i) gz[i] ^= 0x5a;
  sg::testing::write_plain(dir / "bad.gz", gz);
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_images(dir / "bad.gz"); }, {"bad.gz:"}));
}

BOOST_AUTO_TEST_CASE(huge_dims_are_refused_before_allocating) {
  // 2^32-1 x 2^32-1 x 2^32-1 overflows 64 bits; 60000 x 4096 x 4096 does not but exceeds the cap. Both
  // files are a header only: nothing of that size may be allocated or read.
  BOOST_TEST(both_refuse(idx_bytes(kIdxImagesMagic, {0xffffffff, 0xffffffff, 0xffffffff}, {}), true,
                         {"dims 4294967295 x 4294967295 x 4294967295", "expected at most 100000000"}));
  BOOST_TEST(both_refuse(idx_bytes(kIdxImagesMagic, {60000, 4096, 4096}, {}), true,
                         {"dims 60000 x 4096 x 4096 make more than 100000000 elements"}));
  BOOST_TEST(both_refuse(idx_bytes(kIdxLabelsMagic, {0xffffffff}, {}), false, {"dims 4294967295"}));
  // Under the cap but far more than the file holds: refused as truncated.
  BOOST_TEST(both_refuse(idx_bytes(kIdxImagesMagic, {100000, 28, 28}, image_pixels(1)), true,
                         {"pixels", "78400000"}));
}

BOOST_AUTO_TEST_CASE(a_smaller_cap_is_honoured) {
  TempDir dir;
  sg::testing::write_plain(dir / "images", idx_bytes(kIdxImagesMagic, {2, 28, 28}, image_pixels(2)));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_images(dir / "images", 1000); },
                                             {"dims 2 x 28 x 28 make more than 1000 elements"}));
}

BOOST_AUTO_TEST_CASE(zero_image_size_is_refused) {
  BOOST_TEST(both_refuse(idx_bytes(kIdxImagesMagic, {1, 0, 28}, {}), true, {"image size 0 x 28, expected at least 1 x 1"}));
}

BOOST_AUTO_TEST_CASE(labels_outside_the_classes_are_refused) {
  BOOST_TEST(both_refuse(idx_bytes(kIdxLabelsMagic, {5}, {5, 0, 4, 12, 9}), false,
                         {"label 12 at index 3, expected a class in 0..9"}));
  TempDir dir;
  sg::testing::write_plain(dir / "labels", idx_bytes(kIdxLabelsMagic, {5}, kLabels));
  BOOST_TEST(throws_with<std::runtime_error>([&] { read_idx_labels(dir / "labels", 2); },
                                             {"label 5 at index 0, expected a class in 0..1"}));
  // No classes at all is the caller's mistake, said as such before the file is read (it used to read
  // "label 5 at index 0, expected a class in 0..-1").
  for (const int none : {0, -3})
    BOOST_TEST(throws_with([&] { read_idx_labels(dir / "labels", none); },
                           {fmt::format("read_idx_labels: num_classes must be positive, got {}", none),
                            (dir / "labels").string()}));
}

BOOST_AUTO_TEST_CASE(any_damaged_header_byte_gives_a_clean_error_or_a_valid_read) {
  // Every header byte of a small images file set to each of a few values, plain and gzipped: the reader
  // either reads a consistent result or throws std::runtime_error, nothing else.
  TempDir dir;
  const Bytes good = idx_bytes(kIdxImagesMagic, {2, 3, 4}, image_pixels(2, 3, 4));
  int refused = 0, read = 0;
  for (size_t at = 0; at < 16; ++at)
    for (const uint8_t value : {0x00, 0x01, 0x02, 0x08, 0x7f, 0x80, 0xff}) {
      Bytes bad = good;
      bad[at] = value;
      for (const bool gz : {false, true}) {
        const auto path = dir / (gz ? "bad.gz" : "bad");
        gz ? sg::testing::write_gz(path, bad) : sg::testing::write_plain(path, bad);
        try {
          const IdxImages images = read_idx_images(path);
          BOOST_TEST(images.pixels.size() == size_t(images.count * images.rows * images.cols));
          ++read;
        } catch (const std::runtime_error& e) {
          BOOST_TEST(std::string(e.what()).find(path.string() + ": ") == 0);
          ++refused;
        }
      }
    }
  BOOST_TEST(refused > 0);
  BOOST_TEST(read > 0);  // the values the bytes already had
}

BOOST_AUTO_TEST_SUITE_END()
