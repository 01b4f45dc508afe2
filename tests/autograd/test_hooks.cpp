// Gradient hooks (Tensor::register_hook) and retain_grad: when they run, on what, in which order, their
// removal, and the errors. Fixtures are PyTorch's (torch 1.13), from the calls quoted in each case.
#include <string>
#include <vector>

#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(hooks)

// x = torch.tensor([1., 2.], requires_grad=True); x.register_hook(record)
// y = x * 3; y.register_hook(lambda g: g * 2); y.register_hook(record); y.retain_grad()
// z = (y * y).sum() + (x * 5).sum(); z.backward()
// -> y's hooks see [6, 12] then [12, 24]; x's hook sees [41, 77] once; y.grad [12, 24], x.grad [41, 77]
BOOST_AUTO_TEST_CASE(hooks_run_in_order_each_on_what_the_last_returned_and_leaves_see_the_sum_once) {
  std::vector<std::pair<std::string, Tensor>> calls;
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  x.register_hook([&](const Tensor& g) { calls.emplace_back("x", g.clone()); return Tensor(); });
  Tensor y = x * 3.0;
  y.register_hook([&](const Tensor& g) { calls.emplace_back("y1", g.clone()); return g * 2.0; });
  y.register_hook([&](const Tensor& g) { calls.emplace_back("y2", g.clone()); return Tensor(); });
  y.retain_grad();
  ((y * y).sum() + (x * 5.0).sum()).backward();

  BOOST_REQUIRE(calls.size() == 3u);
  BOOST_TEST(calls[0].first == "y1");
  BOOST_TEST(all_close(calls[0].second, sg::tensor({6.0, 12.0}, kFloat64), 0));
  BOOST_TEST(calls[1].first == "y2");
  BOOST_TEST(all_close(calls[1].second, sg::tensor({12.0, 24.0}, kFloat64), 0));
  BOOST_TEST(calls[2].first == "x");
  BOOST_TEST(all_close(calls[2].second, sg::tensor({41.0, 77.0}, kFloat64), 0));
  BOOST_TEST(all_close(y.grad(), sg::tensor({12.0, 24.0}, kFloat64), 0));
  BOOST_TEST(all_close(x.grad(), sg::tensor({41.0, 77.0}, kFloat64), 0));
}

// x.register_hook(lambda g: g * 2); (x * x).sum().backward()  ->  x.grad [4, 8]
BOOST_AUTO_TEST_CASE(a_leaf_hook_replaces_the_gradient_before_it_reaches_grad) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  x.register_hook([](const Tensor& g) { return g * 2.0; });
  (x * x).sum().backward();
  BOOST_TEST(all_close(x.grad(), sg::tensor({4.0, 8.0}, kFloat64), 0));
}

// a = torch.tensor([1.], requires_grad=True); a.register_hook(lambda g: g * 10)
// a.backward(torch.tensor([2.]))  ->  a.grad [20]
BOOST_AUTO_TEST_CASE(a_leaf_that_is_the_root_runs_its_hooks_on_the_seed) {
  Tensor a = sg::tensor({1.0}, kFloat64).requires_grad_();
  a.register_hook([](const Tensor& g) { return g * 10.0; });
  a.backward(sg::tensor({2.0}, kFloat64));
  BOOST_TEST(all_close(a.grad(), sg::tensor({20.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(a_non_leaf_root_runs_its_hooks_on_the_seed) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 3.0;
  y.register_hook([](const Tensor& g) { return g + 1.0; });
  y.backward(sg::tensor({1.0, 2.0}, kFloat64));
  BOOST_TEST(all_close(x.grad(), sg::tensor({6.0, 9.0}, kFloat64), 0));
}

// y = x * 3; y.retain_grad(); y.sum().backward(retain_graph=True); y.sum().backward()  ->  y.grad [2, 2]
BOOST_AUTO_TEST_CASE(retain_grad_fills_a_non_leaf_grad_and_sums_across_backward_calls) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 3.0;
  BOOST_TEST(!y.retains_grad());
  y.retain_grad();
  BOOST_TEST(y.retains_grad());
  BOOST_TEST(!x.retains_grad());
  Tensor s = y.sum();
  s.backward(/*retain_graph=*/true);
  BOOST_TEST(all_close(y.grad(), sg::tensor({1.0, 1.0}, kFloat64), 0));
  s.backward();
  BOOST_TEST(all_close(y.grad(), sg::tensor({2.0, 2.0}, kFloat64), 0));
  BOOST_TEST(all_close(x.grad(), sg::tensor({6.0, 6.0}, kFloat64), 0));
  Tensor w = x * 2.0;
  w.sum().backward();
  BOOST_TEST(!w.grad().defined());  // without retain_grad a non-leaf keeps no gradient
}

BOOST_AUTO_TEST_CASE(a_removed_hook_no_longer_runs_and_removing_twice_is_harmless) {
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  int leaf_calls = 0, inner_calls = 0;
  HookHandle on_leaf = x.register_hook([&](const Tensor&) { ++leaf_calls; return Tensor(); });
  Tensor y = x * 3.0;
  HookHandle on_inner = y.register_hook([&](const Tensor&) { ++inner_calls; return Tensor(); });
  Tensor s = y.sum();
  s.backward(/*retain_graph=*/true);
  on_leaf.remove();
  on_inner.remove();
  on_inner.remove();
  s.backward();
  BOOST_TEST(leaf_calls == 1);
  BOOST_TEST(inner_calls == 1);
  BOOST_TEST(all_close(x.grad(), sg::tensor({6.0, 6.0}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(a_handle_that_outlives_its_tensor_removes_nothing) {
  HookHandle handle;
  {
    Tensor x = sg::tensor({1.0}, kFloat64).requires_grad_();
    handle = (x * 2.0).register_hook([](const Tensor&) { return Tensor(); });
  }
  handle.remove();
}

BOOST_AUTO_TEST_CASE(a_hook_may_remove_itself_while_it_runs) {
  Tensor x = sg::tensor({1.0}, kFloat64).requires_grad_();
  int calls = 0;
  HookHandle handle;
  handle = x.register_hook([&](const Tensor&) {
    ++calls;
    handle.remove();
    return Tensor();
  });
  (x * 2.0).sum().backward();
  (x * 2.0).sum().backward();
  BOOST_TEST(calls == 1);
}

// torch: "cannot register a hook on a tensor that doesn't require gradient",
// "hook '<lambda>' has changed the size of value", "can't retain_grad on Tensor that has requires_grad=False"
BOOST_AUTO_TEST_CASE(misuse_is_refused_naming_the_call_and_the_shapes) {
  BOOST_TEST(throws_with([] { sg::tensor({1.0}).register_hook([](const Tensor& g) { return g; }); },
                         {"register_hook: cannot register a hook on a tensor that doesn't require gradient", "[1]"}));
  BOOST_TEST(throws_with([] { sg::tensor({1.0}).retain_grad(); }, {"retain_grad", "requires_grad=false"}));
  Tensor x = sg::tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  y.register_hook([](const Tensor& g) { return g.sum(); });
  BOOST_TEST(throws_with([&] { y.sum().backward(); },
                         {"register_hook: a hook must return a gradient of the tensor's shape and dtype, [2] float64",
                          "got [] float64"}));
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_SUITE_END()
