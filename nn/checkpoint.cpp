// safetensors reading and writing, and the module/optimizer checkpoints on top of it. Reading validates
// in three passes: the file's framing (header length), the header (JSON, no duplicate keys, each entry
// well-formed, offsets tiling the data exactly), then the match with the model (names, shapes, dtypes,
// finite values); only then is anything copied.
#include "nn/checkpoint.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "autograd/atomic_file.h"
#include "autograd/check.h"
#include "autograd/grad_mode.h"

namespace sg::nn {

static_assert(std::endian::native == std::endian::little,
              "checkpoints copy tensor bytes as they are in memory, which is little-endian only on such machines");

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

const char* safetensors_dtype(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
  }
  return "?";
}

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

// ---- matching a file against what it should restore -----------------------
// Collects every mismatch between the file's tensors and the expected ones (names, shapes, dtypes) and
// throws once, so one error lists all the missing and unexpected keys.
void check_match(const std::string& file, const std::vector<NamedTensor>& found,
                 const std::vector<std::pair<std::string, std::pair<Shape, Dtype>>>& expected) {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : found) by_name[name] = &t;
  std::set<std::string> expected_names;
  std::vector<std::string> missing, unexpected;
  for (const auto& [name, _] : expected) {
    expected_names.insert(name);
    if (!by_name.contains(name)) missing.push_back(name);
  }
  for (const auto& [name, _] : found)
    if (!expected_names.contains(name)) unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty()) {
    std::string problem;
    if (!missing.empty()) problem = fmt::format("missing key(s): {}", fmt::join(missing, ", "));
    if (!unexpected.empty())
      problem += fmt::format("{}unexpected key(s): {}", problem.empty() ? "" : "; ", fmt::join(unexpected, ", "));
    fail_io("{}: {}", file, problem);
  }
  for (const auto& [name, want] : expected) {
    const Tensor& t = *by_name[name];
    if (!(t.shape() == want.first))
      fail_io("{}: size mismatch for {}: checkpoint {}, model {}", file, name, describe(t.shape()), describe(want.first));
    if (t.dtype() != want.second)
      fail_io("{}: dtype mismatch for {}: checkpoint {}, model {}", file, name, safetensors_dtype(t.dtype()),
              safetensors_dtype(want.second));
  }
}

std::vector<NamedTensor> module_tensors(const Module& module) {
  std::vector<NamedTensor> tensors = module.named_parameters();
  for (auto& named : module.named_buffers()) tensors.push_back(std::move(named));
  return tensors;
}

// Refuses a float tensor holding NaN or an infinity, or (non_negative) a value below 0, naming the first
// one and how many there are. Loading such values would make every later step NaN without saying why.
void check_values(const std::string& file, const std::string& name, const Tensor& t, bool non_negative) {
  if (!is_floating(t.dtype())) return;
  int64_t first = -1, count = 0;
  double first_value = 0;
  dispatch(t.dtype(), "load", [&]<class T> {
    const T* data = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i)
      if (!std::isfinite(data[i]) || (non_negative && data[i] < 0)) {
        if (count++ == 0) first = i, first_value = double(data[i]);
      }
  });
  if (count == 0) return;
  fail_io("{}: tensor \"{}\" holds {} at index {} ({} such value{} in all), expected {}", file, name, first_value,
          first, count, count == 1 ? "" : "s", non_negative ? "finite values >= 0" : "finite values");
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

// ---- modules ---------------------------------------------------------------
void save(const Module& module, const std::filesystem::path& path, const Metadata& metadata) {
  save_tensors(module_tensors(module), path, metadata);
}

Metadata load(Module& module, const std::filesystem::path& path) {
  TensorFile file = load_tensors(path);
  load_state_dict(module, file.tensors, path.string());
  return file.metadata;
}

std::vector<NamedTensor> state_dict(const Module& module) { return module_tensors(module); }

std::vector<NamedTensor> with_prefix(const std::string& prefix, const std::vector<NamedTensor>& tensors) {
  std::vector<NamedTensor> out;
  for (const auto& [name, t] : tensors) out.emplace_back(prefix + name, t);
  return out;
}

std::vector<NamedTensor> under_prefix(const std::string& prefix, const std::vector<NamedTensor>& tensors) {
  std::vector<NamedTensor> out;
  for (const auto& [name, t] : tensors)
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

void load_state_dict(Module& module, const std::vector<NamedTensor>& tensors, const std::string& source) {
  const std::vector<NamedTensor> targets = module_tensors(module);
  std::vector<std::pair<std::string, std::pair<Shape, Dtype>>> expected;
  for (const auto& [name, t] : targets) expected.push_back({name, {t.shape(), t.dtype()}});
  check_match(source, tensors, expected);
  // save() writes NaN weights as they are (PyTorch's does too); loading them into a model is refused.
  for (const auto& [name, t] : tensors) check_values(source, name, t, /*non_negative=*/false);

  std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());
  NoGradGuard no_grad;
  for (const auto& [name, t] : targets) Tensor(t).copy_(by_name.at(name));
}

// ---- optimizers ------------------------------------------------------------
namespace {
// Every parameter with its group, in the optimizer's flattened order (the order of state(i)).
std::vector<std::pair<size_t, Tensor>> flat_params(const optim::Optimizer& optimizer) {
  std::vector<std::pair<size_t, Tensor>> out;
  for (size_t g = 0; g < optimizer.group_count(); ++g)
    for (const Tensor& p : optimizer.params(g)) out.emplace_back(g, p);
  return out;
}
std::string lr_key(size_t group) { return fmt::format("param_groups.{}.lr", group); }
std::string state_key(size_t index, const std::string& field) { return fmt::format("state.{}.{}", index, field); }
// Steps are counted in int64 and read back as double (bias corrections): beyond 2^53 they stop being exact.
constexpr int64_t kMaxStep = int64_t(1) << 53;
}  // namespace

void save(const optim::Optimizer& optimizer, const std::filesystem::path& path, const Metadata& metadata) {
  save_tensors(state_dict(optimizer), path, metadata);
}

Metadata load(optim::Optimizer& optimizer, const std::filesystem::path& path) {
  TensorFile file = load_tensors(path);
  load_state_dict(optimizer, file.tensors, path.string());
  return file.metadata;
}

std::vector<NamedTensor> state_dict(const optim::Optimizer& optimizer) {
  std::vector<NamedTensor> tensors;
  for (size_t g = 0; g < optimizer.group_count(); ++g)
    tensors.emplace_back(lr_key(g), scalar_tensor(optimizer.lr(g), kFloat64));
  for (size_t i = 0; i < optimizer.param_count(); ++i)
    for (const auto& [field, t] : optimizer.state(i)) tensors.emplace_back(state_key(i, field), t);
  return tensors;
}

// A parameter's state is all of its optimizer's fields or none (not stepped yet); which one is expected
// follows from whether the tensors hold any of them.
void load_state_dict(optim::Optimizer& optimizer, const std::vector<NamedTensor>& tensors, const std::string& source) {
  std::set<std::string> names;
  for (const auto& [name, _] : tensors) names.insert(name);

  std::vector<std::pair<std::string, std::pair<Shape, Dtype>>> expected;
  for (size_t g = 0; g < optimizer.group_count(); ++g) expected.push_back({lr_key(g), {Shape{}, kFloat64}});
  const auto params = flat_params(optimizer);
  std::vector<bool> has_state(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [group, p] = params[i];
    const std::vector<std::string> fields = optimizer.state_fields(group);
    has_state[i] = std::any_of(fields.begin(), fields.end(),
                               [&](const std::string& f) { return names.contains(state_key(i, f)); });
    if (!has_state[i]) continue;
    for (const std::string& field : fields)
      expected.push_back(
          {state_key(i, field), field == "step" ? std::pair{Shape{}, kInt64} : std::pair{p.shape(), p.dtype()}});
  }
  check_match(source, tensors, expected);

  // Values, not only shapes: a learning rate or a step count that no optimizer could have written would
  // turn the next step's update into inf or NaN (a negative step makes a bias correction 1 - beta^0 = 0),
  // or overflow the step counter.
  std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());
  for (size_t g = 0; g < optimizer.group_count(); ++g) {
    const double lr = by_name.at(lr_key(g)).item();
    if (!std::isfinite(lr) || lr < 0)
      fail_io("{}: {} is {}, expected a finite non-negative learning rate", source, lr_key(g), lr);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const auto found = by_name.find(state_key(i, "step"));
    if (found == by_name.end()) continue;
    const int64_t step = found->second.data<int64_t>()[0];
    if (step < 0 || step > kMaxStep)
      fail_io("{}: {} is {}, expected a step count in [0, 2^53]", source, found->first, step);
  }
  // Running averages of squared gradients are never negative: the square root of one would be NaN.
  for (const auto& [name, t] : tensors) {
    const std::string field = name.substr(name.rfind('.') + 1);
    const bool squares = field == "exp_avg_sq" || field == "max_exp_avg_sq" || field == "square_avg";
    if (name.starts_with("state.")) check_values(source, name, t, squares);
  }
  for (size_t g = 0; g < optimizer.group_count(); ++g) optimizer.set_lr(by_name.at(lr_key(g)).item(), g);
  for (size_t i = 0; i < params.size(); ++i) {
    optim::ParamState state;
    if (has_state[i])
      for (const std::string& field : optimizer.state_fields(params[i].first))
        state[field] = by_name.at(state_key(i, field));
    optimizer.state(i) = std::move(state);
  }
}

}  // namespace sg::nn
