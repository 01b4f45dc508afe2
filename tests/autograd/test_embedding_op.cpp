// embedding: rows picked by index against PyTorch, repeated indices adding their gradients, the padding
// row getting none, gradcheck, and the errors naming the op, the index and the table size.
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(embedding_op)

namespace {
Tensor ids(const std::vector<int64_t>& values, const Shape& shape) { return sg::tensor(values, shape); }

// w (4, 3), indices (2, 3) with 1 three times, dy = arange(18).reshape(2, 3, 3) / 10 - 0.5.
const NestedList kWeight = {{0.1, -0.2, 0.3}, {1.5, 2.5, -3.5}, {0.7, 0.8, 0.9}, {-1.0, 0.0, 1.0}};
Tensor upstream() { return (arange(18.0, kFloat64) / 10.0 - 0.5).reshape({2, 3, 3}); }
}  // namespace

// torch.nn.functional.embedding(idx, w, padding_idx=p).backward(dy) with idx = [[1, 0, 1], [3, 1, 2]],
// for p = None, 1 and -1; y and w.grad printed by torch 2.x in float64.
BOOST_AUTO_TEST_CASE(embedding_matches_pytorch_values_and_gradients) {
  const Tensor indices = ids({1, 0, 1, 3, 1, 2}, {2, 3});
  const Tensor expected_y = sg::tensor({{{1.5, 2.5, -3.5}, {0.1, -0.2, 0.3}, {1.5, 2.5, -3.5}},
                                        {{-1.0, 0.0, 1.0}, {1.5, 2.5, -3.5}, {0.7, 0.8, 0.9}}},
                                       kFloat64);
  const Tensor dw_none = sg::tensor({{-0.2, -0.1, 0.0}, {0.3, 0.6, 0.9}, {1.0, 1.1, 1.2}, {0.4, 0.5, 0.6}}, kFloat64);
  const Tensor dw_pad1 = sg::tensor({{-0.2, -0.1, 0.0}, {0.0, 0.0, 0.0}, {1.0, 1.1, 1.2}, {0.4, 0.5, 0.6}}, kFloat64);
  const Tensor dw_pad3 = sg::tensor({{-0.2, -0.1, 0.0}, {0.3, 0.6, 0.9}, {1.0, 1.1, 1.2}, {0.0, 0.0, 0.0}}, kFloat64);
  const std::vector<std::pair<std::optional<int64_t>, Tensor>> cases = {
      {std::nullopt, dw_none}, {1, dw_pad1}, {-1, dw_pad3}};
  for (const auto& [padding_idx, dw] : cases) {
    Tensor w = sg::tensor(kWeight, kFloat64).requires_grad_();
    const Tensor y = sg::embedding(w, indices, padding_idx);
    BOOST_TEST(all_close(y, expected_y, 0));  // the padding row's values are used as they are
    y.backward(upstream());
    BOOST_TEST(all_close(w.grad(), dw, 1e-12));
  }
}

BOOST_AUTO_TEST_CASE(embedding_keeps_the_shape_of_the_indices) {
  const Tensor w = sg::tensor(kWeight);
  BOOST_TEST(sg::embedding(w, sg::full({}, 2.0, kInt64)).shape() == Shape({3}));
  BOOST_TEST(all_close(sg::embedding(w, sg::full({}, 2.0, kInt64)), sg::tensor({0.7, 0.8, 0.9}), 0));
  BOOST_TEST(sg::embedding(w, ids({0, 1, 2, 3, 0, 1, 2, 3}, {2, 2, 2})).shape() == Shape({2, 2, 2, 3}));
  BOOST_TEST(sg::embedding(w, sg::zeros({0, 5}, kInt64)).shape() == Shape({0, 5, 3}));
}

BOOST_AUTO_TEST_CASE(embedding_grad_matches_finite_differences) {
  manual_seed(3);
  const Tensor indices = ids({4, 0, 4, 2, 2, 4, 1}, {7});
  BOOST_TEST(passes_gradcheck([&](In in) { return sg::embedding(in[0], indices); }, {uniform64({5, 3})}));
  // With a padding row the gradient is not the derivative there: only the other rows are checked.
  Tensor w = uniform64({5, 3});
  sg::embedding(w, indices, 4).backward(sg::ones({7, 3}, kFloat64));
  BOOST_TEST(all_close(w.grad(), sg::tensor({{1.0, 1.0, 1.0}, {1.0, 1.0, 1.0}, {2.0, 2.0, 2.0}, {0.0, 0.0, 0.0},
                                             {0.0, 0.0, 0.0}}, kFloat64), 0));
}

BOOST_AUTO_TEST_CASE(embedding_refuses_indices_out_of_range_naming_the_index_and_the_table_size) {
  const Tensor w = sg::tensor(kWeight);
  BOOST_TEST(throws_with([&] { sg::embedding(w, ids({0, 4}, {2})); },
                         {"embedding:", "index 4 at position 1", "num_embeddings 4"}));
  BOOST_TEST(throws_with([&] { sg::embedding(w, ids({-1}, {1})); },
                         {"embedding:", "index -1 at position 0", "num_embeddings 4"}));
  BOOST_TEST(throws_with([&] { sg::embedding(w, ids({0}, {1}), 4); },
                         {"embedding:", "padding_idx", "[-4, 4)", "got 4"}));
  BOOST_TEST(throws_with([&] { sg::embedding(w, ids({0}, {1}), -5); }, {"embedding:", "padding_idx", "got -5"}));
  BOOST_TEST(throws_with([&] { sg::embedding(w, sg::zeros({2})); }, {"embedding:", "int64", "[2] float32"}));
  BOOST_TEST(throws_with([&] { sg::embedding(sg::zeros({4}), ids({0}, {1})); }, {"embedding:", "weight", "[4]"}));
  BOOST_TEST(throws_with([&] { sg::embedding(sg::zeros({4, 2}, kInt64), ids({0}, {1})); },
                         {"embedding:", "float", "[4, 2] int64"}));
}

BOOST_AUTO_TEST_SUITE_END()
