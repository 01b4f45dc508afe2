// to_dot: the graph behind a tensor as Graphviz DOT, with op names, shapes, dtypes and, after backward,
// the norms of the leaves' gradients.
#include "tests/testing.h"

using namespace sg;

BOOST_AUTO_TEST_SUITE(graphviz)

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}
}  // namespace

BOOST_AUTO_TEST_CASE(dot_names_every_op_with_its_shape_and_dtype) {
  Tensor x = sg::ones({4, 3}, kFloat64).requires_grad_();
  Tensor w = sg::ones({3, 2}, kFloat64).requires_grad_();
  const Tensor y = sg::relu(sg::matmul(x, w)).sum();
  const std::string dot = sg::to_dot(y);
  BOOST_TEST(dot.rfind("digraph", 0) == 0);
  BOOST_TEST(dot.back() == '\n');
  BOOST_TEST(contains(dot, "}"));
  for (const char* part : {"matmul\\n[4, 2] float64", "relu\\n[4, 2] float64", "sum\\n[] float64", "leaf [4, 3]\\nfloat64",
                           "leaf [3, 2]\\nfloat64", "output [] float64"})
    BOOST_TEST(contains(dot, part), "DOT lacks " << part << ":\n" << dot);
  BOOST_TEST(!contains(dot, "|grad|"));  // no gradients yet
  BOOST_TEST(count(dot, "->") == 5);     // x, w -> matmul -> relu -> sum -> out
}

BOOST_AUTO_TEST_CASE(dot_shows_gradient_norms_after_backward) {
  Tensor x = sg::tensor({3.0, 4.0}, kFloat64).requires_grad_();
  const Tensor y = (x * x).sum() * 0.5;  // dy/dx = x, whose norm is 5
  y.backward(/*retain_graph=*/true);
  const std::string dot = sg::to_dot(y);
  BOOST_TEST(contains(dot, "|grad| = 5"), dot);
}

BOOST_AUTO_TEST_CASE(a_shared_input_appears_once) {
  Tensor x = sg::ones({2}).requires_grad_();
  const Tensor h = sg::exp(x);
  const Tensor y = (h * h + h).sum();
  const std::string dot = sg::to_dot(y);
  BOOST_TEST(count(dot, "exp\\n") == 1);
  BOOST_TEST(count(dot, "leaf [2]") == 1);
  BOOST_TEST(contains(dot, "float32"));
}

BOOST_AUTO_TEST_CASE(a_leaf_alone_is_one_node) {
  Tensor x = sg::ones({2, 2}).requires_grad_();
  const std::string dot = sg::to_dot(x);
  BOOST_TEST(contains(dot, "leaf [2, 2]\\nfloat32"));
  BOOST_TEST(count(dot, "->") == 0);
}

BOOST_AUTO_TEST_CASE(a_long_chain_is_written_without_recursion) {
  Tensor x = sg::ones({1}, kFloat64).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y + 1.0;
  const std::string dot = sg::to_dot(y);
  BOOST_TEST(count(dot, "add\\n") == 20000);
}

BOOST_AUTO_TEST_SUITE_END()
