// Module: registration by name and order, dotted names, train/eval, zero_grad, to(dtype), Sequential,
// the summary, and a custom module written the way a user would.
#include <sstream>

#include "tests/testing.h"

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(module_class)

namespace {
// A custom module as a user writes it: children as members, forward from their forwards.
struct TwoLayer : nn::Module {
  std::shared_ptr<nn::Linear> fc1 = register_module("fc1", nn::Linear(4, 3));
  std::shared_ptr<nn::Dropout> drop = register_module("drop", nn::Dropout({.p = 0.5}));
  std::shared_ptr<nn::Linear> fc2 = register_module("fc2", nn::Linear(3, 2, {.bias = false}));
  Tensor scale = register_parameter("scale", ones({2}));
  Tensor forward(const Tensor& x) override { return fc2->forward(drop->forward(relu(fc1->forward(x)))) * scale; }
};

std::vector<std::string> names_of(const std::vector<nn::NamedTensor>& named) {
  std::vector<std::string> names;
  for (const auto& [name, _] : named) names.push_back(name);
  return names;
}
}  // namespace

BOOST_AUTO_TEST_CASE(parameters_are_named_in_registration_order) {
  TwoLayer net;
  const std::vector<std::string> expected{"scale", "fc1.weight", "fc1.bias", "fc2.weight"};
  BOOST_TEST(names_of(net.named_parameters()) == expected, boost::test_tools::per_element());
  BOOST_TEST(names_of(net.named_parameters(/*recurse=*/false)) == std::vector<std::string>{"scale"},
             boost::test_tools::per_element());
  BOOST_TEST(net.parameters().size() == 4u);
  BOOST_TEST(net.children().size() == 3u);
  BOOST_TEST(net.parameter_count() == 2 + 4 * 3 + 3 + 3 * 2);
  for (const Tensor& p : net.parameters()) BOOST_TEST(p.requires_grad());
}

BOOST_AUTO_TEST_CASE(parameters_share_storage_with_the_members) {
  TwoLayer net;
  BOOST_TEST(net.parameters()[1].is_same(net.fc1->weight));
  {
    NoGradGuard no_grad;
    net.parameters()[1].fill_(2.0);
  }
  BOOST_TEST(net.fc1->weight.at({0, 0}) == 2.0);
}

BOOST_AUTO_TEST_CASE(sequential_names_children_by_position_and_nests) {
  nn::Sequential features(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  struct Net : nn::Module {
    std::shared_ptr<nn::Sequential> features;
    explicit Net(nn::Sequential s) : features(register_module("features", std::move(s))) {}
  } net(features);
  const std::vector<std::string> expected{"features.0.weight", "features.0.bias", "features.2.weight",
                                          "features.2.bias"};
  BOOST_TEST(names_of(net.named_parameters()) == expected, boost::test_tools::per_element());
  BOOST_TEST(features.size() == 3u);
  BOOST_TEST(features[1].name() == "ReLU");
  BOOST_TEST(features.at<nn::Linear>(2).in_features == 3);
  BOOST_TEST(throws_with([&] { features.at<nn::Linear>(1); }, {"Sequential::at", "ReLU"}));
  BOOST_TEST(throws_with([&] { features[3]; }, {"Sequential", "3"}));
  features.push_back(nn::Sigmoid());
  BOOST_TEST(features.size() == 4u);
  BOOST_TEST(features.named_children().back().first == "3");
}

BOOST_AUTO_TEST_CASE(sequential_forward_applies_each_module_in_order) {
  manual_seed(0);
  nn::Sequential model(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2));
  const Tensor x = randn({5, 3});
  const Tensor expected = model.at<nn::Linear>(2).forward(tanh(model.at<nn::Linear>(0).forward(x)));
  BOOST_TEST(all_close(model.forward(x), expected, 0, 0));
  BOOST_TEST(all_close(model(x), expected, 0, 0));
}

BOOST_AUTO_TEST_CASE(train_and_eval_reach_every_descendant) {
  TwoLayer net;
  BOOST_TEST(net.is_training());
  net.eval();
  BOOST_TEST(!net.is_training());
  BOOST_TEST(!net.drop->is_training());
  net.train();
  BOOST_TEST(net.fc2->is_training());
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_every_gradient) {
  TwoLayer net;
  net.eval();
  net.forward(ones({2, 4})).sum().backward();
  for (const Tensor& p : net.parameters()) BOOST_TEST(p.grad().defined());
  net.zero_grad();
  for (const Tensor& p : net.parameters()) BOOST_TEST(!p.grad().defined());
}

BOOST_AUTO_TEST_CASE(to_converts_in_place_so_every_handle_sees_it) {
  TwoLayer net;
  const Tensor held = net.parameters()[1];
  const std::vector<double> before = held.to_vector<double>();
  net.to(kFloat64);
  BOOST_TEST(held.dtype() == kFloat64);
  BOOST_TEST(net.fc1->weight.dtype() == kFloat64);
  BOOST_TEST(held.to_vector<double>() == before, boost::test_tools::per_element());
  net.eval();
  BOOST_TEST(net.forward(ones({1, 4}, kFloat64)).dtype() == kFloat64);
  nn::BatchNorm1d bn(3);
  bn.to(kFloat64);
  BOOST_TEST(bn.running_mean.dtype() == kFloat64);
  BOOST_TEST(bn.num_batches_tracked.dtype() == kInt64);
}

BOOST_AUTO_TEST_CASE(summary_lists_each_layer_with_its_parameter_count_and_the_total) {
  nn::Sequential model(nn::Linear(4, 3), nn::ReLU(), nn::Dropout({.p = 0.2}), nn::Linear(3, 2, {.bias = false}),
                       nn::LeakyReLU(), nn::Flatten());
  const std::string text = model.summary();
  BOOST_TEST_MESSAGE(text);
  for (const char* part : {"Sequential ", "(0) Linear(4, 3)", "15", "(1) ReLU()", "(2) Dropout(p=0.2)",
                           "(3) Linear(3, 2, bias=false)", "(4) LeakyReLU()", "(5) Flatten()", "total", "21"})
    BOOST_TEST(text.find(part) != std::string::npos, "summary lacks \"" << part << "\":\n" << text);
  std::ostringstream os;
  os << model;
  BOOST_TEST(os.str() == text);
  BOOST_TEST(TwoLayer().name() == "TwoLayer");
}

// TwoLayer holds 2 + 15 + 6 = 23 parameters, 2 of them ("scale") its own: a summary that listed only
// the children would show rows adding up to 21 under a total of 23.
BOOST_AUTO_TEST_CASE(summary_lists_parameters_registered_on_a_module_with_children) {
  const std::string text = TwoLayer().summary();
  BOOST_TEST_MESSAGE(text);
  std::istringstream lines(text);
  std::string line;
  int64_t children_sum = 0, total = -1;
  bool scale_row = false;
  while (std::getline(lines, line)) {
    const size_t last_space = line.find_last_of(' ');
    if (line.starts_with("  ") && !line.starts_with("   ")) children_sum += std::stoll(line.substr(last_space + 1));
    if (line.starts_with("  scale [2] ") && line.ends_with(" 2")) scale_row = true;
    if (line.starts_with("total")) total = std::stoll(line.substr(last_space + 1));
  }
  BOOST_TEST(scale_row, "no row for scale [2] with 2 parameters:\n" << text);
  BOOST_TEST(total == 23);
  BOOST_TEST(children_sum == total, "the rows under TwoLayer add up to " << children_sum << ", not " << total);
  // A leaf's parameters are its own row: Linear gets no weight and bias rows.
  BOOST_TEST(nn::Sequential(nn::Linear(4, 3)).summary().find("weight") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(registering_a_name_twice_is_refused) {
  struct Bad : nn::Module {
    Bad() {
      register_parameter("w", ones({1}));
      register_buffer("w", ones({1}));
    }
  };
  BOOST_TEST(throws_with([] { Bad(); }, {"already registered", "\"w\""}));
  struct Dotted : nn::Module {
    Dotted() { register_parameter("a.b", ones({1})); }
  };
  BOOST_TEST(throws_with([] { Dotted(); }, {"'.'", "a.b"}));
}

BOOST_AUTO_TEST_CASE(forward_of_a_module_without_one_throws) {
  struct NoForward : nn::Module {};
  NoForward m;
  BOOST_TEST(throws_with([&] { m.forward(ones({1})); }, {"NoForward.forward"}));
}

// torch: h = m.register_forward_pre_hook(lambda m, args: (args[0] * 2,)); m.register_forward_hook(...)
// run on m(x) in registration order, around forward, with the pre-hooked input; not on m.forward(x).
BOOST_AUTO_TEST_CASE(forward_hooks_run_around_forward_in_order_and_may_replace_input_and_output) {
  nn::Linear fc(2, 1, {.bias = false});
  {
    NoGradGuard no_grad;
    fc.weight.copy_(sg::tensor({{1.0, 10.0}}));
  }
  std::vector<std::string> calls;
  Tensor seen_input, seen_output;
  fc.register_forward_pre_hook([&](nn::Module& m, const Tensor& x) {
    calls.push_back("pre " + m.name());
    return x * 2.0;
  });
  fc.register_forward_hook([&](nn::Module&, const Tensor& x, const Tensor& y) {
    calls.push_back("first");
    seen_input = x;
    return y + 100.0;
  });
  HookHandle second = fc.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& y) {
    calls.push_back("second");
    seen_output = y;
    return Tensor();
  });
  const Tensor x = sg::tensor({{1.0, 2.0}});
  const Tensor y = fc(x);
  BOOST_TEST(calls == (std::vector<std::string>{"pre Linear", "first", "second"}), boost::test_tools::per_element());
  BOOST_TEST(all_close(seen_input, sg::tensor({{2.0, 4.0}}), 0));
  BOOST_TEST(all_close(seen_output, sg::tensor({{142.0}}), 0));
  BOOST_TEST(all_close(y, sg::tensor({{142.0}}), 0));

  calls.clear();
  BOOST_TEST(all_close(fc.forward(x), sg::tensor({{21.0}}), 0));  // a direct forward() skips the hooks
  BOOST_TEST(calls.empty());
  second.remove();
  fc(x);
  BOOST_TEST(calls == (std::vector<std::string>{"pre Linear", "first"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(forward_hooks_on_children_run_inside_a_sequential) {
  nn::Sequential model(nn::Linear(3, 4), nn::ReLU(), nn::Linear(4, 2));
  std::vector<Shape> shapes;
  HookHandle handle = model[1].register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& y) {
    shapes.push_back(y.shape());
    return Tensor();
  });
  model(ones({5, 3}));
  handle.remove();
  model(ones({5, 3}));
  BOOST_REQUIRE(shapes.size() == 1u);
  BOOST_TEST(shapes[0] == (Shape{5, 4}));
}

BOOST_AUTO_TEST_CASE(an_empty_forward_hook_is_refused_naming_the_module) {
  nn::ReLU relu;
  BOOST_TEST(throws_with([&] { relu.register_forward_hook(nullptr); }, {"ReLU.register_forward_hook", "empty"}));
}

BOOST_AUTO_TEST_SUITE_END()
