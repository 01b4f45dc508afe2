// safetensors reading and writing. Reading validates in two passes before it allocates a tensor: the
// file's framing (header length), then the header (JSON, no duplicate keys, each entry well-formed,
// offsets tiling the data exactly).
#include "nn/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "autograd/atomic_file.h"
#include "autograd/check.h"

namespace sg::nn {

static_assert(std::endian::native == std::endian::little,
              "checkpoints copy tensor bytes as they are in memory, which is little-endian only on such machines");

const char* safetensors_dtype(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
  }
  return "?";
}

namespace {

using json = nlohmann::json;

constexpr const char* kMetadataKey = "__metadata__";
// Limits on what the file claims, checked before its header is parsed or any tensor allocated (the file
// is read whole first: that buffer is sized by the file itself, never by a number read from it). The
// header cap is the reference implementation's (100 MB); a valid header nests three deep (file object,
// tensor entry, shape or offsets array), and refusing deeper input keeps printing a bad value in an
// error message (recursive) off the stack's limit.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr int kMaxHeaderDepth = 3;
// The most tensors one file may list: far above any real model (thousands), and a header at the cap
// still parses in a fraction of a second, where the byte cap alone would admit about 1.7 million.
constexpr size_t kMaxTensors = 100'000;

std::string describe(const Shape& shape) { return fmt::format("{}", shape); }

// ---- writing ---------------------------------------------------------------
// A string as a JSON string literal. JSON is UTF-8: a name or metadata string that is not could not be
// written into the header, nor read back by any safetensors reader.
std::string quoted(const char* what, const std::string& text) {
  try {
    return json(text).dump();
  } catch (const json::type_error& e) {
    const std::string reason = e.what();  // "[json.exception.type_error.316] invalid UTF-8 byte at index 1: 0xFF"
    fail("save_tensors: {} must be valid UTF-8, got {} ({})", what,
         json(text).dump(-1, ' ', false, json::error_handler_t::replace), reason.substr(reason.find("] ") + 2));
  }
}

// ---- reading ---------------------------------------------------------------
struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  uint64_t begin, end;
};

Dtype parse_dtype(const std::string& file, const std::string& name, const json& value) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text == "F32") return kFloat32;
  if (text == "F64") return kFloat64;
  if (text == "I64") return kInt64;
  fail_io("{}: tensor \"{}\": unsupported dtype {} (expected \"F32\", \"F64\" or \"I64\")", file, name, value.dump());
}

std::vector<uint64_t> parse_sizes(const std::string& file, const std::string& name, const char* field,
                                  const json& value) {
  if (!value.is_array()) fail_io("{}: tensor \"{}\": {} must be an array of integers, got {}", file, name, field, value.dump());
  std::vector<uint64_t> out;
  for (const json& v : value) {
    if (!v.is_number_unsigned())
      fail_io("{}: tensor \"{}\": {} must hold non-negative integers, got {}", file, name, field, value.dump());
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

Entry parse_entry(const std::string& file, const std::string& name, const json& value) {
  if (!value.is_object()) fail_io("{}: tensor \"{}\": expected an object, got {}", file, name, value.dump());
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!value.contains(field)) fail_io("{}: tensor \"{}\": the header entry lacks \"{}\"", file, name, field);
  for (const auto& [key, _] : value.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      fail_io("{}: tensor \"{}\": unexpected field \"{}\" in the header entry", file, name, key);

  Entry entry{name, parse_dtype(file, name, value["dtype"]), {}, 0, 0};
  const std::vector<uint64_t> sizes = parse_sizes(file, name, "shape", value["shape"]);
  if (sizes.size() > size_t(Shape::kMaxRank))
    fail_io("{}: tensor \"{}\": shape has {} dims, more than the {} supported", file, name, sizes.size(), Shape::kMaxRank);
  // Both the byte count and the product of the non-zero sizes must fit, the latter within what a tensor
  // may hold (kMaxNumel): strides multiply the sizes even when another size is 0, so [0, 2^62, 2^62] is
  // as unusable as [2^62, 2^62].
  uint64_t bytes = element_size(entry.dtype), span = 1;
  for (uint64_t s : sizes) {
    if (__builtin_mul_overflow(bytes, s, &bytes) || __builtin_mul_overflow(span, std::max<uint64_t>(s, 1), &span) ||
        span > uint64_t(kMaxNumel))
      fail_io("{}: tensor \"{}\": shape {} is too large", file, name, value["shape"].dump());
    entry.shape.push_back(int64_t(s));
  }
  const std::vector<uint64_t> offsets = parse_sizes(file, name, "data_offsets", value["data_offsets"]);
  if (offsets.size() != 2 || offsets[0] > offsets[1])
    fail_io("{}: tensor \"{}\": data_offsets must be [begin, end] with begin <= end, got {}", file, name,
            value["data_offsets"].dump());
  entry.begin = offsets[0];
  entry.end = offsets[1];
  if (entry.end - entry.begin != bytes)
    fail_io("{}: tensor \"{}\": data_offsets [{}, {}] span {} bytes, but shape {} of {} needs {}", file, name,
            entry.begin, entry.end, entry.end - entry.begin, describe(entry.shape), safetensors_dtype(entry.dtype), bytes);
  return entry;
}

Metadata parse_metadata(const std::string& file, const json& value) {
  if (!value.is_object()) fail_io("{}: corrupt header: __metadata__ must be an object, got {}", file, value.dump());
  Metadata metadata;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string())
      fail_io("{}: corrupt header: __metadata__ values must be strings, got {} for \"{}\"", file, v.dump(), key);
    metadata[key] = v.get<std::string>();
  }
  return metadata;
}

// Reads the header from nlohmann's SAX events, one top-level entry at a time: each entry's value is built
// as JSON, checked and turned into an Entry (or the metadata) as soon as it closes, so the header never
// exists as one JSON object. Also refused: a key twice in one object (nlohmann's DOM would keep the last),
// nesting deeper than kMaxHeaderDepth, more than kMaxTensors entries. (nlohmann's callback parser could
// do the checks, but after every object it scans the enclosing object for discarded values: n^2 for n
// entries.)
class HeaderParser final : public json::json_sax_t {
 public:
  explicit HeaderParser(const std::string& file) : file_(file) {}

  std::vector<Entry> entries;  // in file order
  Metadata metadata;

  bool null() override { return add(nullptr); }
  bool boolean(bool value) override { return add(value); }
  bool number_integer(number_integer_t value) override { return add(value); }
  bool number_unsigned(number_unsigned_t value) override { return add(value); }
  bool number_float(number_float_t value, const string_t&) override { return add(value); }
  bool string(string_t& value) override { return add(std::move(value)); }
  bool binary(binary_t& value) override { return add(json::binary(std::move(value))); }  // not in JSON text
  bool start_object(std::size_t) override {
    if (depth_ > 0) open(json::object());
    if (keys_.size() <= depth_) keys_.resize(depth_ + 1);
    keys_[depth_].clear();
    ++depth_;
    return true;
  }
  bool key(string_t& key) override {
    if (!keys_[depth_ - 1].insert(key).second) fail_io("{}: corrupt header: duplicate key \"{}\"", file_, key);
    if (depth_ == 1 && key != kMetadataKey && ++tensors_ > kMaxTensors)
      fail_io("{}: the header lists more than {} tensors, the most accepted", file_, kMaxTensors);
    (depth_ == 1 ? name_ : key_) = std::move(key);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override {
    open(json::array());
    ++depth_;
    return true;
  }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const json::exception& e) override {
    fail_io("{}: corrupt header: {}", file_, e.what());
  }

 private:
  // A value inside an entry goes into the innermost open container; a whole entry's value is done.
  bool add(json&& value) {
    if (depth_ == 0) fail_io("{}: corrupt header: expected a JSON object, got {}", file_, value.type_name());
    if (depth_ == 1) finish(std::move(value));
    else place(std::move(value));
    return true;
  }
  json* place(json&& value) {
    if (depth_ == 1) return &(value_ = std::move(value));
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    return &(parent[key_] = std::move(value));
  }
  // Pushes a new object or array. A pointer into its parent stays valid while it is open: the parent
  // gains no other child before it closes.
  void open(json&& container) {
    if (depth_ == 0) fail_io("{}: corrupt header: expected a JSON object, got {}", file_, container.type_name());
    if (depth_ >= size_t(kMaxHeaderDepth))
      fail_io("{}: corrupt header: nested deeper than {} levels", file_, kMaxHeaderDepth);
    stack_.push_back(place(std::move(container)));
  }
  bool close() {
    --depth_;
    if (depth_ == 0) return true;  // the header itself
    stack_.pop_back();
    if (depth_ == 1) finish(std::move(value_));
    return true;
  }
  void finish(json value) {
    if (name_ == kMetadataKey) metadata = parse_metadata(file_, value);
    else entries.push_back(parse_entry(file_, name_, value));
  }

  const std::string& file_;
  size_t depth_ = 0;                                     // objects and arrays open, the header's own included
  std::vector<json*> stack_;                             // the open containers inside the current entry
  std::vector<std::unordered_set<std::string>> keys_;    // the keys seen so far in each open object, by depth
  std::string name_, key_;                               // the current entry's name; the next value's key
  json value_;                                           // the current entry's value, while it is built
  size_t tensors_ = 0;
};

void parse_header(HeaderParser& parser, const std::string& file, std::string_view text) {
  try {
    json::sax_parse(text.begin(), text.end(), &parser);
  } catch (const json::exception& e) {
    fail_io("{}: corrupt header: {}", file, e.what());
  }
}

// The data must be tiled exactly: sorted by offset, each tensor starts where the previous one ended, the
// first at 0, the last at the end of the file.
void check_tiling(const std::string& file, std::vector<Entry> entries, uint64_t data_bytes) {
  for (const Entry& e : entries)
    if (e.end > data_bytes)
      fail_io("{}: truncated: tensor \"{}\" needs data bytes [{}, {}), but the file holds only {} data bytes", file,
              e.name, e.begin, e.end, data_bytes);
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t position = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < position)
      fail_io("{}: tensors \"{}\" [{}, {}) and \"{}\" [{}, {}) overlap", file, previous->name, previous->begin,
              previous->end, e.name, e.begin, e.end);
    if (e.begin > position)
      fail_io("{}: gap: data bytes [{}, {}) before tensor \"{}\" belong to no tensor", file, position, e.begin, e.name);
    position = e.end;
    previous = &e;
  }
  if (position != data_bytes)
    fail_io("{}: gap: the last {} data bytes belong to no tensor", file, data_bytes - position);
}

std::string read_file(const std::filesystem::path& path) {
  // A directory opens as a stream, and its first read throws a message that names no file.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail_io("{}: is a directory, expected a checkpoint file", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_io("{}: cannot open for reading: {}", path.string(), std::strerror(errno));
  try {
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail_io("{}: read failed", path.string());
    return bytes;
  } catch (const std::ios_base::failure& e) {
    fail_io("{}: read failed: {}", path.string(), e.what());
  }
}

}  // namespace

// ---- safetensors -----------------------------------------------------------
// The header is written as text, entry by entry, rather than as one nlohmann::ordered_json object, whose
// every insertion searches the keys before it (n^2 for n tensors); the text is the same.
void save_tensors(const std::vector<NamedTensor>& tensors, const std::filesystem::path& path, const Metadata& metadata) {
  SG_CHECK(tensors.size() <= kMaxTensors, "save_tensors: at most {} tensors fit in one file (the most a load accepts), got {}",
           kMaxTensors, tensors.size());
  std::unordered_set<std::string_view> names;
  std::string text = "{";
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    SG_CHECK(t.defined(), "save_tensors: tensor \"{}\" must be defined", name);
    const std::string key = quoted("a tensor name", name);
    SG_CHECK(name != kMetadataKey && names.insert(name).second,
             "save_tensors: names must be unique and not {}, got \"{}\"", kMetadataKey, name);
    const uint64_t bytes = uint64_t(t.numel()) * element_size(t.dtype());
    fmt::format_to(std::back_inserter(text), R"({}{}:{{"dtype":"{}","shape":[{}],"data_offsets":[{},{}]}})",
                   text.size() > 1 ? "," : "", key, safetensors_dtype(t.dtype()), fmt::join(t.shape().vec(), ","),
                   offset, offset + bytes);
    offset += bytes;
  }
  if (!metadata.empty()) {
    std::vector<std::string> fields;
    for (const auto& [key, value] : metadata)
      fields.push_back(quoted("a metadata key", key) + ":" + quoted("a metadata value", value));
    text += fmt::format("{}\"{}\":{{{}}}", text.size() > 1 ? "," : "", kMetadataKey, fmt::join(fields, ","));
  }
  text += "}";
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the reference writer does

  std::string bytes(8, '\0');
  const uint64_t length = text.size();
  std::memcpy(bytes.data(), &length, 8);
  bytes += text;
  bytes.reserve(bytes.size() + offset);
  for (const auto& [_, t] : tensors)
    bytes.append(static_cast<const char*>(t.impl().data()), size_t(t.numel()) * element_size(t.dtype()));
  write_file_atomic(path, bytes);
}

TensorFile load_tensors(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string bytes = read_file(path);
  if (bytes.size() < 8) fail_io("{}: the file is {} bytes, too short for the 8-byte header length", file, bytes.size());
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  // The cap before the file size: a length above it is reported as such whatever the file holds.
  if (header_length > kMaxHeaderBytes)
    fail_io("{}: header length {} is above the {} bytes accepted", file, header_length, kMaxHeaderBytes);
  if (header_length > bytes.size() - 8)
    fail_io("{}: header length {} goes beyond the end of the file ({} bytes)", file, header_length, bytes.size());

  HeaderParser header(file);
  parse_header(header, file, std::string_view(bytes).substr(8, header_length));
  TensorFile out;
  out.metadata = std::move(header.metadata);
  const std::vector<Entry>& entries = header.entries;
  const uint64_t data_start = 8 + header_length, data_bytes = bytes.size() - data_start;
  check_tiling(file, entries, data_bytes);

  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    std::memcpy(t.impl().data(), bytes.data() + data_start + e.begin, e.end - e.begin);
    out.tensors.emplace_back(e.name, t);
  }
  return out;
}

}  // namespace sg::nn
