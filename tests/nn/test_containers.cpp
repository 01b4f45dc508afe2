// ModuleList and ModuleDict: their children are registered, named as in PyTorch ("layers.0.weight"), and
// reached by parameters(), train()/eval(), to() and checkpoints.
#include <filesystem>

#include "tests/testing.h"

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(containers)

namespace {
// A model as a user writes it, in PyTorch's manner: a stack of layers in a ModuleList, heads in a ModuleDict.
struct Stack : nn::Module {
  std::shared_ptr<nn::ModuleList> layers = register_module("layers", nn::ModuleList());
  std::shared_ptr<nn::ModuleDict> heads = register_module("heads", nn::ModuleDict());
  Stack() {
    for (int i = 0; i < 2; ++i) layers->push_back(nn::Linear(3, 3));
    layers->push_back(nn::Dropout({.p = 0.5}));
    heads->insert("cls", nn::Linear(3, 2));
    heads->insert("reg", nn::Linear(3, 1, {.bias = false}));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = x;
    for (const auto& layer : *layers) h = (*layer)(h);
    return (*heads)["cls"](h);
  }
};

std::vector<std::string> names_of(const std::vector<nn::NamedTensor>& named) {
  std::vector<std::string> names;
  for (const auto& [name, _] : named) names.push_back(name);
  return names;
}

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("sg_test_containers_" + name);
}
}  // namespace

// torch: class Stack(nn.Module) with self.layers = nn.ModuleList([...]), self.heads = nn.ModuleDict({...})
// -> [n for n, _ in model.named_parameters()]
BOOST_AUTO_TEST_CASE(children_are_named_as_in_pytorch) {
  Stack model;
  const std::vector<std::string> expected{"layers.0.weight", "layers.0.bias",  "layers.1.weight",
                                          "layers.1.bias",   "heads.cls.weight", "heads.cls.bias",
                                          "heads.reg.weight"};
  BOOST_TEST(names_of(model.named_parameters()) == expected, boost::test_tools::per_element());
  BOOST_TEST(model.layers->size() == 3u);
  BOOST_TEST(model.heads->keys() == (std::vector<std::string>{"cls", "reg"}), boost::test_tools::per_element());
  BOOST_TEST(model.heads->contains("reg"));
  BOOST_TEST(!model.heads->contains("box"));
  BOOST_TEST(model.layers->at<nn::Linear>(1).weight.is_same(model.named_parameters()[2].second));
  BOOST_TEST(model.heads->at<nn::Linear>("reg").weight.is_same(model.named_parameters()[6].second));
  BOOST_TEST(model.forward(ones({4, 3})).shape() == (Shape{4, 2}));
}

BOOST_AUTO_TEST_CASE(train_eval_and_to_reach_the_children) {
  Stack model;
  model.eval();
  BOOST_TEST(!(*model.layers)[2].is_training());
  BOOST_TEST(!(*model.heads)["cls"].is_training());
  model.to(kFloat64);
  BOOST_TEST(model.heads->at<nn::Linear>("cls").weight.dtype() == kFloat64);
  BOOST_TEST(model.layers->at<nn::Linear>(0).bias.dtype() == kFloat64);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_round_trips_through_the_containers) {
  manual_seed(0);
  Stack a;
  manual_seed(1);
  Stack b;
  const auto path = scratch("stack.safetensors");
  nn::save(a, path);
  nn::load(b, path);
  std::filesystem::remove(path);
  const auto pa = a.parameters(), pb = b.parameters();
  for (size_t i = 0; i < pa.size(); ++i) BOOST_TEST(all_close(pa[i], pb[i], 0));
}

BOOST_AUTO_TEST_CASE(a_dict_made_from_pairs_keeps_their_order_and_a_list_from_modules) {
  nn::ModuleDict dict({{"b", std::make_shared<nn::Linear>(2, 2)}, {"a", std::make_shared<nn::ReLU>()}});
  BOOST_TEST(dict.keys() == (std::vector<std::string>{"b", "a"}), boost::test_tools::per_element());
  BOOST_TEST(names_of(dict.named_parameters()) == (std::vector<std::string>{"b.weight", "b.bias"}),
             boost::test_tools::per_element());
  nn::ModuleList list(nn::Linear(2, 2), nn::Tanh());
  BOOST_TEST(list.size() == 2u);
  BOOST_TEST(list[1].name() == "Tanh");
  size_t seen = 0;
  for (const auto& [key, module] : dict) seen += key.size() + (module != nullptr);
  BOOST_TEST(seen == 4u);
}

BOOST_AUTO_TEST_CASE(bad_lookups_and_keys_are_refused_saying_what_there_is) {
  Stack model;
  BOOST_TEST(throws_with([&] { (*model.heads)["box"]; }, {"ModuleDict: no module under key \"box\"", "[cls, reg]"}));
  BOOST_TEST(throws_with([&] { (*model.layers)[3]; }, {"ModuleList: index must be below the size 3, got 3"}));
  BOOST_TEST(throws_with([&] { model.layers->at<nn::Linear>(2); }, {"ModuleList::at", "Dropout"}));
  BOOST_TEST(throws_with([&] { model.heads->insert("cls", nn::ReLU()); }, {"already registered", "\"cls\""}));
  BOOST_TEST(throws_with([&] { model.heads->insert("a.b", nn::ReLU()); }, {"'.'", "a.b"}));
}

BOOST_AUTO_TEST_SUITE_END()
