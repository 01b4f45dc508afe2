// StateDict: insertion order, lookup by name, erase, and the errors for a name twice or absent.
#include "tests/testing.h"

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(state_dicts)

BOOST_AUTO_TEST_CASE(entries_keep_their_insertion_order_and_are_found_by_name) {
  nn::StateDict state;
  state.insert("b", ones({1}));
  state.insert("a", zeros({2}));
  state.insert("c", ones({3}));
  BOOST_TEST(state.keys() == (std::vector<std::string>{"b", "a", "c"}), boost::test_tools::per_element());
  BOOST_TEST(state.size() == 3u);
  BOOST_TEST(state.at("a").numel() == 2);
  BOOST_TEST(state.contains("c"));
  BOOST_TEST(state.erase("a"));
  BOOST_TEST(!state.erase("a"));
  BOOST_TEST(!state.contains("a"));
  BOOST_TEST(state.keys() == (std::vector<std::string>{"b", "c"}), boost::test_tools::per_element());
  BOOST_TEST(state.at("c").numel() == 3);  // positions after the erased entry still resolve
  state.at("b") = zeros({4});
  BOOST_TEST(state.items()[0].second.numel() == 4);
  size_t total = 0;
  for (const auto& [name, t] : state) total += name.size() + size_t(t.numel());
  BOOST_TEST(total == 2u + 4u + 3u);
}

BOOST_AUTO_TEST_CASE(a_name_twice_or_an_absent_name_is_refused_naming_it) {
  nn::StateDict state;
  state.insert("fc.weight", ones({1}));
  BOOST_TEST(throws_with([&] { state.insert("fc.weight", ones({1})); },
                         {"StateDict::insert: names must be unique, got \"fc.weight\" twice"}));
  BOOST_TEST(throws_with([&] { state.at("fc.bias"); }, {"StateDict::at: no tensor named \"fc.bias\""}));
  BOOST_TEST(throws_with([] { nn::StateDict(std::vector<nn::NamedTensor>{{"x", ones({1})}, {"x", ones({1})}}); },
                         {"\"x\" twice"}));
}

BOOST_AUTO_TEST_SUITE_END()
