// Checkpoints: the safetensors layout byte by byte, save -> load bitwise round trips for modules and
// optimizers, metadata, and every kind of bad file refused with the file, the tensor and the defect named,
// leaving the model unchanged.
#include "tests/testing.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;
BOOST_AUTO_TEST_SUITE(checkpoint)

namespace fs = std::filesystem;

namespace {
void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A file from a header written by hand and raw data bytes.
std::string safetensors(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}
std::string float_bytes(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

struct Model : nn::Module {
  std::shared_ptr<nn::Linear> fc = register_module("fc", nn::Linear(2, 1));
  Tensor forward(const Tensor& x) override { return fc->forward(x); }
};

std::vector<Tensor> snapshot(const nn::Module& m) {
  std::vector<Tensor> out;
  for (const Tensor& p : m.parameters()) out.push_back(p.detach().clone());
  for (const Tensor& b : m.buffers()) out.push_back(b.detach().clone());
  return out;
}
bool unchanged(const nn::Module& m, const std::vector<Tensor>& before) {
  const std::vector<Tensor> now = snapshot(m);
  for (size_t i = 0; i < now.size(); ++i)
    if (!bitwise_equal(now[i], before[i])) return false;
  return true;
}
}  // namespace

BOOST_AUTO_TEST_CASE(the_file_is_safetensors_byte_for_byte) {
  const TempDir dir;
  const fs::path path = dir / "t.safetensors";
  nn::save_tensors({{"a", tensor({1.0f, 2.0f})}, {"b", sg::tensor(std::vector<int64_t>{7}, {1, 1})}}, path,
                   {{"epoch", "3"}});
  const std::string bytes = read_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  BOOST_TEST(n % 8 == 0u);  // padded so the data is 8-byte aligned
  const std::string header = bytes.substr(8, n);
  const std::string expected_json =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]},"__metadata__":{"epoch":"3"}})";
  BOOST_TEST(header.substr(0, expected_json.size()) == expected_json);
  BOOST_TEST(header.find_first_not_of(' ', expected_json.size()) == std::string::npos);
  BOOST_TEST(bytes.size() == 8 + n + 16);
  int64_t seven = 0;
  std::memcpy(&seven, bytes.data() + 8 + n + 8, 8);
  BOOST_TEST(seven == 7);
  BOOST_TEST(bytes.substr(8 + n, 8) == float_bytes({1.0f, 2.0f}));
}

BOOST_AUTO_TEST_CASE(a_file_written_by_hand_loads) {
  const TempDir dir;
  const fs::path path = dir / "t.safetensors";
  write_bytes(path, safetensors(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", float_bytes({3, 4})));
  const nn::TensorFile file = nn::load_tensors(path);
  BOOST_TEST(file.tensors.size() == 1u);
  BOOST_TEST(file.tensors[0].first == "x");
  BOOST_TEST(file.tensors[0].second.to_vector<float>() == std::vector<float>({3, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(save_then_load_restores_a_model_bitwise_with_its_metadata) {
  const TempDir dir;
  const fs::path path = dir / "model.safetensors";
  manual_seed(1);
  nn::Sequential a(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::ReLU(), nn::Linear(4, 2));
  a.forward(randn({5, 3}));  // moves the running statistics away from their initial values
  nn::save(a, path, {{"epoch", "7"}, {"step", "1400"}, {"seed", "1"}});
  manual_seed(2);
  nn::Sequential b(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::ReLU(), nn::Linear(4, 2));
  const nn::Metadata metadata = nn::load(b, path);
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  for (size_t i = 0; i < pa.size(); ++i) BOOST_TEST(bitwise_equal(pa[i].second, pb[i].second), pa[i].first);
  const auto ba = a.named_buffers(), bb = b.named_buffers();
  BOOST_TEST(ba.size() == 3u);
  for (size_t i = 0; i < ba.size(); ++i) BOOST_TEST(bitwise_equal(ba[i].second, bb[i].second), ba[i].first);
  BOOST_TEST(metadata.at("epoch") == "7");
  BOOST_TEST(metadata.at("step") == "1400");
  BOOST_TEST(metadata.at("seed") == "1");
  BOOST_TEST(nn::load_tensors(path).tensors.size() == 9u);  // 2 x 2 Linear, 2 BatchNorm parameters, 3 buffers
}

BOOST_AUTO_TEST_CASE(saving_again_replaces_the_file_and_leaves_no_temporary) {
  const TempDir temp;
  const fs::path dir = temp.path();
  Model m;
  nn::save(m, dir / "m.safetensors");
  nn::save(m, dir / "m.safetensors", {{"epoch", "2"}});
  BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  Model n;
  BOOST_TEST(nn::load(n, dir / "m.safetensors").at("epoch") == "2");
}

BOOST_AUTO_TEST_CASE(an_optimizer_state_round_trips_and_training_continues_identically) {
  const TempDir temp;
  const fs::path dir = temp.path();
  auto train = [](nn::Module& model, sg::optim::Optimizer& opt, int steps) {
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      model.forward(ones({2, 2})).sum().backward();
      opt.step();
    }
  };
  manual_seed(3);
  Model a;
  sg::optim::Adam opt_a(a.parameters(), {.lr = 0.01, .amsgrad = true});
  train(a, opt_a, 3);
  opt_a.set_lr(0.005);
  nn::save(a, dir / "model.safetensors");
  nn::save(opt_a, dir / "adam.safetensors", {{"step", "3"}});

  manual_seed(4);
  Model b;
  sg::optim::Adam opt_b(b.parameters(), {.lr = 0.01, .amsgrad = true});
  nn::load(b, dir / "model.safetensors");
  BOOST_TEST(nn::load(opt_b, dir / "adam.safetensors").at("step") == "3");
  BOOST_TEST(opt_b.lr() == 0.005);
  BOOST_TEST(bitwise_equal(opt_b.state(0).at("exp_avg_sq"), opt_a.state(0).at("exp_avg_sq")));
  train(a, opt_a, 2);
  train(b, opt_b, 2);
  for (size_t i = 0; i < a.parameters().size(); ++i) BOOST_TEST(bitwise_equal(a.parameters()[i], b.parameters()[i]));

  sg::optim::SGD sgd(b.parameters(), {.lr = 0.1, .momentum = 0.9});
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(sgd, dir / "adam.safetensors"); },
                                             {"adam.safetensors", "unexpected key(s): state.0.exp_avg"}));
}

BOOST_AUTO_TEST_CASE(a_model_that_does_not_match_is_refused_and_left_unchanged) {
  const TempDir temp;
  const fs::path dir = temp.path();
  {
    struct Wide : nn::Module {
      std::shared_ptr<nn::Linear> fc = register_module("fc", nn::Linear(3, 1));
    } wide;
    nn::save(wide, dir / "wide.safetensors");
    struct NoBias : nn::Module {
      std::shared_ptr<nn::Linear> fc = register_module("fc", nn::Linear(2, 1, {.bias = false}));
    } no_bias;
    nn::save(no_bias, dir / "no_bias.safetensors");
    struct Renamed : nn::Module {
      std::shared_ptr<nn::Linear> head = register_module("head", nn::Linear(2, 1));
    } renamed;
    nn::save(renamed, dir / "renamed.safetensors");
    Model doubled;
    doubled.to(kFloat64);
    nn::save(doubled, dir / "f64.safetensors");
  }
  Model m;
  const std::vector<Tensor> before = snapshot(m);
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(m, dir / "wide.safetensors"); },
                                             {"wide.safetensors", "size mismatch for fc.weight: checkpoint [1, 3], model [1, 2]"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(m, dir / "no_bias.safetensors"); },
                                             {"no_bias.safetensors", "missing key(s): fc.bias"}));
  BOOST_TEST(throws_with<std::runtime_error>(
      [&] { nn::load(m, dir / "renamed.safetensors"); },
      {"missing key(s): fc.weight, fc.bias", "unexpected key(s): ", "head.weight", "head.bias"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(m, dir / "f64.safetensors"); },
                                             {"f64.safetensors", "dtype mismatch for fc.weight: checkpoint F64, model F32"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(m, dir / "absent.safetensors"); },
                                             {"absent.safetensors", "cannot open"}));
  BOOST_TEST(unchanged(m, before));
}

namespace {
// Each bad file: its bytes, and what the error must say.
struct BadFile {
  std::string name, bytes;
  std::vector<std::string> message;
};
std::vector<BadFile> bad_files() {
  const std::string w = R"("fc.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]})";
  const std::string b = R"("fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]})";
  const std::string data = float_bytes({1, 2, 3});
  const auto length_bytes = [](uint64_t n) {  // an 8-byte little-endian header length
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = char((n >> (8 * i)) & 0xff);
    return out;
  };
  return {
      {"short", "abc", {"too short for the 8-byte header length"}},
      {"header_beyond_file", length_bytes(1000) + "{}", {"header length 1000 goes beyond the end of the file (10 bytes)"}},
      // Short files: the cap is checked before the length is compared with the bytes present.
      {"header_above_cap", length_bytes(100'000'001) + "{}",
       {"header length 100000001 is above the 100000000 bytes accepted"}},
      {"header_length_max", length_bytes(UINT64_MAX) + "{}",
       {"header length 18446744073709551615 is above the 100000000 bytes accepted"}},
      {"not_json", safetensors("{\"fc.weight\": [", data), {"corrupt header"}},
      {"not_an_object", safetensors("[1, 2]", data), {"corrupt header", "expected a JSON object"}},
      {"duplicate_key", safetensors("{" + w + "," + b + "," + w + "}", data),
       {"corrupt header", "duplicate key \"fc.weight\""}},
      {"duplicate_field", safetensors(R"({"fc.weight":{"dtype":"F32","dtype":"F64","shape":[1,2],"data_offsets":[0,8]},)" + b + "}", data),
       {"corrupt header", "duplicate key \"dtype\""}},
      {"bad_dtype", safetensors(R"({"fc.weight":{"dtype":"F16","shape":[1,2],"data_offsets":[0,8]},)" + b + "}", data),
       {"tensor \"fc.weight\"", "unsupported dtype \"F16\""}},
      {"missing_field", safetensors(R"({"fc.weight":{"dtype":"F32","data_offsets":[0,8]},)" + b + "}", data),
       {"tensor \"fc.weight\"", "lacks \"shape\""}},
      {"negative_size", safetensors(R"({"fc.weight":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,8]},)" + b + "}", data),
       {"tensor \"fc.weight\"", "non-negative integers"}},
      {"size_disagrees_with_offsets", safetensors(R"({"fc.weight":{"dtype":"F32","shape":[1,3],"data_offsets":[0,8]},)" + b + "}", data),
       {"tensor \"fc.weight\"", "span 8 bytes", "needs 12"}},
      {"truncated", safetensors("{" + w + "," + b + "}", data.substr(0, 10)),
       {"truncated", "tensor \"fc.bias\"", "[8, 12)", "only 10 data bytes"}},
      {"overlap", safetensors(R"({"fc.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data.substr(0, 8)),
       {"\"fc.weight\" [0, 8)", "\"fc.bias\" [4, 8)", "overlap"}},
      {"gap", safetensors(R"({"fc.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})", data + "xxxx"),
       {"gap", "[8, 12)", "\"fc.bias\""}},
      {"trailing_bytes", safetensors("{" + w + "," + b + "}", data + "zz"), {"gap", "last 2 data bytes"}},
      {"bad_metadata", safetensors("{" + w + "," + b + R"(,"__metadata__":{"epoch":3}})", data),
       {"corrupt header", "__metadata__ values must be strings"}},
      {"nested_too_deep", safetensors(R"({"fc.weight":{"dtype":"F32","shape":[[[1]],2],"data_offsets":[0,8]},)" + b + "}", data),
       {"corrupt header", "nested deeper than 3 levels"}},
      // 0 elements, but the strides of the other sizes overflow int64
      {"huge_sizes_beside_a_zero", safetensors(R"({"fc.weight":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],"data_offsets":[0,0]},"fc.bias":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})", data),
       {"tensor \"fc.weight\"", "shape [0,4611686018427387904,4611686018427387904] is too large"}},
  };
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_corrupt_file_is_refused_naming_the_problem_and_the_model_is_unchanged) {
  const TempDir temp;
  const fs::path dir = temp.path();
  Model m;
  const std::vector<Tensor> before = snapshot(m);
  // The well-formed version of the same file loads, so each failure below is the defect alone.
  const std::string good = safetensors(R"({"fc.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
                                       R"("fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                       float_bytes({1, 2, 3}));
  write_bytes(dir / "good.safetensors", good);
  Model loaded;
  nn::load(loaded, dir / "good.safetensors");
  BOOST_TEST(loaded.fc->weight.to_vector<float>() == std::vector<float>({1, 2}), boost::test_tools::per_element());
  for (const BadFile& bad : bad_files()) {
    const fs::path path = dir / (bad.name + ".safetensors");
    write_bytes(path, bad.bytes);
    std::vector<std::string> parts = bad.message;
    parts.push_back(path.string());
    BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(m, path); }, parts), bad.name);
    BOOST_TEST(unchanged(m, before), bad.name);
  }
}

BOOST_AUTO_TEST_CASE(an_optimizer_file_with_impossible_values_is_refused_and_the_optimizer_unchanged) {
  const TempDir temp;
  const fs::path dir = temp.path();
  Model m;
  sg::optim::Adam adam(m.parameters(), {.lr = 0.01});
  m.forward(ones({1, 2})).sum().backward();
  adam.step();
  const auto tensors_of = [&](double lr, int64_t step) {
    std::vector<nn::NamedTensor> out{{"param_groups.0.lr", scalar_tensor(lr, kFloat64)}};
    for (size_t i = 0; i < adam.param_count(); ++i)
      for (const auto& [field, t] : adam.state(i))
        out.emplace_back(fmt::format("state.{}.{}", i, field), field == "step" ? full({}, double(step), kInt64) : t);
    return out;
  };
  const Tensor exp_avg_before = adam.state(0).at("exp_avg").clone();
  struct Case {
    std::string name;
    double lr;
    int64_t step;
    std::vector<std::string> message;
  };
  const std::vector<Case> cases{
      {"nan_lr", std::nan(""), 1, {"param_groups.0.lr is nan", "finite non-negative learning rate"}},
      {"infinite_lr", INFINITY, 1, {"param_groups.0.lr is inf"}},
      {"negative_lr", -0.5, 1, {"param_groups.0.lr is -0.5"}},
      {"negative_step", 0.01, -1, {"state.0.step is -1", "[0, 2^53]"}},
      {"step_past_2_53", 0.01, (int64_t(1) << 53) + 2, {"state.0.step is 9007199254740994"}},
  };
  for (const Case& c : cases) {
    const fs::path path = dir / (c.name + ".safetensors");
    nn::save_tensors(tensors_of(c.lr, c.step), path);
    std::vector<std::string> parts = c.message;
    parts.push_back(path.string());
    BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(adam, path); }, parts), c.name);
    BOOST_TEST(adam.lr() == 0.01, c.name);
    BOOST_TEST(adam.state(0).at("step").item() == 1.0, c.name);
    BOOST_TEST(bitwise_equal(adam.state(0).at("exp_avg"), exp_avg_before), c.name);
  }
  // the same file with possible values loads
  nn::save_tensors(tensors_of(0.02, 5), dir / "good.safetensors");
  nn::load(adam, dir / "good.safetensors");
  BOOST_TEST(adam.lr() == 0.02);
  BOOST_TEST(adam.state(0).at("step").item() == 5.0);
}

// ---- values that make training meaningless ----------------------------------
// save writes NaN weights as they are, as torch.save does; loading them into a model is refused, naming
// the file and the tensor, and the model keeps its weights.
BOOST_AUTO_TEST_CASE(weights_holding_nan_or_inf_save_but_do_not_load_into_a_model) {
  const TempDir temp;
  Model m;
  const std::vector<Tensor> before = snapshot(m);
  for (const double bad : {double(NAN), double(INFINITY)}) {
    const fs::path path = temp / "bad.safetensors";
    nn::save_tensors({{"fc.weight", tensor({{1.0f, float(bad)}})}, {"fc.bias", tensor({2.0f})}},
                     path);
    for (const auto& [name, t] : nn::load_tensors(path).tensors)  // the file itself reads back as written
      if (name == "fc.weight") BOOST_TEST(bitwise_equal(t, tensor({{1.0f, float(bad)}})));
    const std::string value = std::isnan(bad) ? "nan" : "inf";
    BOOST_TEST(throws_with<std::runtime_error>(
        [&] { nn::load(m, path); },
        {path.string(), "tensor \"fc.weight\" holds " + value + " at index 1 (1 such value in all), expected finite values"}));
    BOOST_TEST(unchanged(m, before));
  }
}

BOOST_AUTO_TEST_CASE(an_optimizer_state_with_a_negative_square_average_or_nan_is_refused) {
  const TempDir temp;
  Model m;
  sg::optim::Adam adam(m.parameters(), {.lr = 0.01});
  m.forward(ones({1, 2})).sum().backward();
  adam.step();
  const Tensor exp_avg_sq_before = adam.state(0).at("exp_avg_sq").clone();
  // The optimizer's own state, with one field replaced.
  const auto file_with = [&](const std::string& field, const Tensor& value) {
    std::vector<nn::NamedTensor> out{{"param_groups.0.lr", scalar_tensor(0.01, kFloat64)}};
    for (size_t i = 0; i < adam.param_count(); ++i)
      for (const auto& [name, t] : adam.state(i))
        out.emplace_back(fmt::format("state.{}.{}", i, name), i == 0 && name == field ? value : t);
    const fs::path path = temp / (field + ".safetensors");
    nn::save_tensors(out, path);
    return path;
  };
  const fs::path negative = file_with("exp_avg_sq", tensor({{0.5f, -0.25f}}));
  BOOST_TEST(throws_with<std::runtime_error>(
      [&] { nn::load(adam, negative); },
      {negative.string(), "tensor \"state.0.exp_avg_sq\" holds -0.25 at index 1", "expected finite values >= 0"}));
  const fs::path nan = file_with("exp_avg", tensor({{float(NAN), 1.0f}}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(adam, nan); },
                                             {nan.string(), "tensor \"state.0.exp_avg\" holds nan at index 0"}));
  BOOST_TEST(bitwise_equal(adam.state(0).at("exp_avg_sq"), exp_avg_sq_before));
  // A negative first moment is an ordinary value.
  nn::load(adam, file_with("exp_avg", tensor({{-1.0f, -2.0f}})));
  BOOST_TEST(adam.state(0).at("exp_avg").to_vector<float>() == std::vector<float>({-1, -2}), boost::test_tools::per_element());

  sg::optim::RMSprop rmsprop(m.parameters());
  m.forward(ones({1, 2})).sum().backward();
  rmsprop.step();
  nn::save_tensors({{"param_groups.0.lr", scalar_tensor(0.01, kFloat64)},
                    {"state.0.square_avg", tensor({{-1.0f, 0.0f}})},
                    {"state.0.step", rmsprop.state(0).at("step")},
                    {"state.1.square_avg", rmsprop.state(1).at("square_avg")},
                    {"state.1.step", rmsprop.state(1).at("step")}},
                   temp / "rmsprop.safetensors");
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(rmsprop, temp / "rmsprop.safetensors"); },
                                             {"tensor \"state.0.square_avg\" holds -1 at index 0"}));
}

BOOST_AUTO_TEST_CASE(an_adagrad_state_round_trips_and_a_negative_sum_is_refused) {
  const TempDir temp;
  manual_seed(5);
  Model a, b;
  b.load_state_dict(a.state_dict());
  sg::optim::Adagrad opt_a(a.parameters(), {.lr = 0.1, .lr_decay = 0.01});
  sg::optim::Adagrad opt_b(b.parameters(), {.lr = 0.1, .lr_decay = 0.01});
  const auto train = [](nn::Module& model, sg::optim::Optimizer& opt, int steps) {
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      model.forward(ones({2, 2})).sum().backward();
      opt.step();
    }
  };
  train(a, opt_a, 2);
  nn::save(a, temp / "model.safetensors");
  nn::save(opt_a, temp / "adagrad.safetensors");
  nn::load(b, temp / "model.safetensors");
  nn::load(opt_b, temp / "adagrad.safetensors");
  BOOST_TEST(opt_b.state(0).at("step").item() == 2);
  train(a, opt_a, 2);
  train(b, opt_b, 2);
  for (size_t i = 0; i < a.parameters().size(); ++i) BOOST_TEST(bitwise_equal(a.parameters()[i], b.parameters()[i]));

  std::vector<nn::NamedTensor> bad = nn::state_dict(opt_a);
  for (auto& [name, t] : bad)
    if (name == "state.1.sum") t = tensor({-1.0f});
  nn::save_tensors(bad, temp / "negative.safetensors");
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(opt_b, temp / "negative.safetensors"); },
                                             {"tensor \"state.1.sum\" holds -1 at index 0", "finite values >= 0"}));
}

// ---- messages that name the file and the cause --------------------------------
BOOST_AUTO_TEST_CASE(a_directory_is_refused_by_name) {
  const TempDir temp;
  Model m;
  // The error used to be the stream's "basic_filebuf::underflow error reading the file: Is a directory".
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(m, temp.path()); }, {temp.path().string() + ": is a directory"}));
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load_tensors(temp.path()); }, {temp.path().string() + ": is a directory"}));
}

BOOST_AUTO_TEST_CASE(a_name_that_is_not_utf8_is_refused_on_save_and_on_load) {
  const TempDir temp;
  // nlohmann's type_error escaped from save_tensors, with no word of which name was wrong.
  BOOST_TEST(throws_with([&] { nn::save_tensors({{"fc.\xff", ones({1})}}, temp / "a.safetensors"); },
                         {"save_tensors: a tensor name must be valid UTF-8", "\"fc.\xef\xbf\xbd\"", "index 3: 0xFF"}));
  BOOST_TEST(throws_with([&] { nn::save_tensors({{"x", ones({1})}}, temp / "a.safetensors", {{"\xc3", "1"}}); },
                         {"save_tensors: a metadata key must be valid UTF-8"}));
  BOOST_TEST(throws_with([&] { nn::save_tensors({{"x", ones({1})}}, temp / "a.safetensors", {{"epoch", "\xe2\x82"}}); },
                         {"save_tensors: a metadata value must be valid UTF-8"}));
  BOOST_TEST(!fs::exists(temp / "a.safetensors"));
  // A file written by another program, with the same name, is refused naming the file.
  const fs::path path = temp / "not_utf8.safetensors";
  write_bytes(path, safetensors("{\"fc.\xff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", float_bytes({1})));
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load_tensors(path); }, {path.string(), "corrupt header", "UTF-8"}));
  Model m;
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load(m, path); }, {path.string(), "corrupt header"}));
}

// ---- many entries ------------------------------------------------------------
namespace {
// A header of n zero-size float32 tensors "t0", "t1", ..., all at data_offsets [0, 0], and no data.
std::string header_of_empty_tensors(size_t n) {
  std::string header = "{";
  for (size_t i = 0; i < n; ++i)
    header += fmt::format("{}\"t{}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", i ? "," : "", i);
  return header + "}";
}
}  // namespace

// Reading a header cost n^2 in its entries (nlohmann's callback parser scans the whole top-level object
// after each entry: 40,000 entries took half a minute), and so did writing one (ordered_json looks each
// new key up among the previous ones). A header at the cap loads, one entry more is refused.
BOOST_AUTO_TEST_CASE(a_header_of_100000_entries_loads_and_one_more_is_refused) {
  const TempDir temp;
  constexpr size_t kCap = 100'000;
  std::vector<nn::NamedTensor> tensors;
  for (size_t i = 0; i < kCap; ++i) tensors.emplace_back(fmt::format("t{}", i), full({1}, double(i)));
  // The metadata is not a tensor: a file at the cap may still carry it.
  nn::save_tensors(tensors, temp / "many.safetensors", {{"epoch", "1"}});
  const nn::TensorFile file = nn::load_tensors(temp / "many.safetensors");
  BOOST_TEST(file.tensors.size() == kCap);
  BOOST_TEST(file.metadata.at("epoch") == "1");
  size_t wrong = 0;  // tensors read back in file order, each with its own value
  for (size_t i = 0; i < file.tensors.size(); ++i)
    wrong += file.tensors[i].first != tensors[i].first || file.tensors[i].second.item() != double(i);
  BOOST_TEST(wrong == 0u);

  write_bytes(temp / "over.safetensors", safetensors(header_of_empty_tensors(kCap + 1), ""));
  BOOST_TEST(throws_with<std::runtime_error>([&] { nn::load_tensors(temp / "over.safetensors"); },
                                             {"over.safetensors", "the header lists more than 100000 tensors"}));
  tensors.emplace_back("one_more", ones({1}));
  BOOST_TEST(throws_with([&] { nn::save_tensors(tensors, temp / "over_saved.safetensors"); },
                         {"save_tensors: at most 100000 tensors", "got 100001"}));
}

// torch: class M(nn.Module) with self.bn = nn.BatchNorm1d(2), self.fc = nn.Linear(2, 1) -> list(M().state_dict())
BOOST_AUTO_TEST_CASE(state_dict_names_and_orders_the_tensors_as_pytorch_and_shares_them) {
  struct M : nn::Module {
    std::shared_ptr<nn::BatchNorm1d> bn = register_module("bn", nn::BatchNorm1d(2));
    std::shared_ptr<nn::Linear> fc = register_module("fc", nn::Linear(2, 1));
  } m;
  const nn::StateDict state = m.state_dict();
  const std::vector<std::string> expected{"bn.weight",      "bn.bias",  "bn.running_mean", "bn.running_var",
                                          "bn.num_batches_tracked", "fc.weight", "fc.bias"};
  BOOST_TEST(state.keys() == expected, boost::test_tools::per_element());
  BOOST_TEST(state.at("fc.weight").is_same(m.fc->weight));
  BOOST_TEST(state.at("bn.running_var").is_same(m.bn->running_var));
}

BOOST_AUTO_TEST_CASE(load_state_dict_copies_another_models_tensors) {
  manual_seed(0);
  Model a;
  manual_seed(1);
  Model b;
  const nn::LoadResult result = b.load_state_dict(a.state_dict());
  BOOST_TEST(result.missing_keys.empty());
  BOOST_TEST(result.unexpected_keys.empty());
  BOOST_TEST(bitwise_equal(b.fc->weight, a.fc->weight));
  BOOST_TEST(bitwise_equal(b.fc->bias, a.fc->bias));
  BOOST_TEST(!b.fc->weight.is_same(a.fc->weight));  // copied into b's own tensors
}

// torch: nn.Linear(2, 1).load_state_dict({"weight": ..., "extra": ...}) raises 'Missing key(s) in state_dict:
// "bias". Unexpected key(s) in state_dict: "extra".'; with strict=False it returns
// _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra']) and loads weight.
BOOST_AUTO_TEST_CASE(a_strict_load_names_every_missing_and_unexpected_key_and_loads_nothing) {
  nn::Linear fc(2, 1);
  const std::vector<Tensor> before = snapshot(fc);
  nn::StateDict state;
  state.insert("weight", sg::tensor({{5.0, 6.0}}));
  state.insert("extra", ones({1}));
  BOOST_TEST(throws_with<std::invalid_argument>(
      [&] { fc.load_state_dict(state); }, {"Linear.load_state_dict: missing key(s): bias; unexpected key(s): extra"}));
  BOOST_TEST(unchanged(fc, before));

  const nn::LoadResult result = fc.load_state_dict(state, /*strict=*/false);
  BOOST_TEST(result.missing_keys == std::vector<std::string>{"bias"}, boost::test_tools::per_element());
  BOOST_TEST(result.unexpected_keys == std::vector<std::string>{"extra"}, boost::test_tools::per_element());
  BOOST_TEST(bitwise_equal(fc.weight, sg::tensor({{5.0, 6.0}})));
  BOOST_TEST(bitwise_equal(fc.bias, before[1]));
}

// torch: a size mismatch is refused with strict=False too ("size mismatch for weight: ...").
BOOST_AUTO_TEST_CASE(a_shape_dtype_or_value_that_does_not_fit_is_refused_strict_or_not_and_nothing_loads) {
  nn::Linear fc(2, 1);
  const std::vector<Tensor> before = snapshot(fc);
  nn::StateDict wide(std::vector<nn::NamedTensor>{{"bias", zeros({1})}, {"weight", ones({1, 3})}});
  BOOST_TEST(throws_with<std::invalid_argument>(
      [&] { fc.load_state_dict(wide, /*strict=*/false); },
      {"Linear.load_state_dict: size mismatch for weight: checkpoint [1, 3], model [1, 2]"}));
  nn::StateDict f64(std::vector<nn::NamedTensor>{{"weight", ones({1, 2}, kFloat64)}});
  BOOST_TEST(throws_with<std::invalid_argument>([&] { fc.load_state_dict(f64, /*strict=*/false); },
                                                {"dtype mismatch for weight: checkpoint F64, model F32"}));
  nn::StateDict nan(std::vector<nn::NamedTensor>{{"bias", zeros({1})}, {"weight", sg::tensor({{1.0, NAN}})}});
  BOOST_TEST(throws_with<std::invalid_argument>([&] { fc.load_state_dict(nan); },
                                                {"tensor \"weight\" holds nan at index 1", "expected finite values"}));
  BOOST_TEST(unchanged(fc, before));
}

BOOST_AUTO_TEST_SUITE_END()
