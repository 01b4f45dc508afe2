// nn::Embedding: PyTorch's initialisation (N(0, 1), the padding row zeroed), lookups, a padding row
// that stays put under training, the printed form and the constructor's errors.
#include "tests/testing.h"

#include "scratchgrad/nn.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(embedding_module)

BOOST_AUTO_TEST_CASE(embedding_starts_as_standard_normal_draws_with_the_padding_row_zeroed) {
  manual_seed(7);
  const Tensor draws = randn({4, 3});
  manual_seed(7);
  nn::Embedding plain(4, 3);
  BOOST_TEST(all_close(plain.weight, draws, 0));
  manual_seed(7);
  nn::Embedding padded(4, 3, {.padding_idx = -2});  // row 2
  BOOST_TEST(*padded.options.padding_idx == 2);
  BOOST_TEST(all_close(padded.weight.narrow(0, 0, 2), draws.narrow(0, 0, 2), 0));
  BOOST_TEST(all_close(padded.weight.narrow(0, 2, 1), zeros({1, 3}), 0));
  BOOST_TEST(all_close(padded.weight.narrow(0, 3, 1), draws.narrow(0, 3, 1), 0));
  BOOST_TEST(padded.parameters().size() == 1u);
  BOOST_TEST(padded.weight.requires_grad());
}

BOOST_AUTO_TEST_CASE(embedding_forward_looks_rows_up_and_the_padding_row_gets_no_gradient) {
  nn::Embedding embed(3, 2, {.padding_idx = 0});
  const Tensor tokens = sg::tensor(std::vector<int64_t>{2, 0, 2, 1}, {2, 2});
  const Tensor y = embed(tokens);
  BOOST_TEST(y.shape() == Shape({2, 2, 2}));
  const Tensor rows_2_and_1 = index_select(embed.weight.detach(), 0, sg::tensor(std::vector<int64_t>{2, 1}, {2}));
  BOOST_TEST(all_close(y.narrow(0, 1, 1).reshape({2, 2}), rows_2_and_1, 0));
  y.sum().backward();
  BOOST_TEST(all_close(embed.weight.grad(), tensor({{0.0, 0.0}, {1.0, 1.0}, {2.0, 2.0}}), 0));
}

BOOST_AUTO_TEST_CASE(embedding_prints_its_sizes_and_padding_row) {
  BOOST_TEST(nn::Embedding(10, 4).repr() == "Embedding(10, 4)");
  BOOST_TEST(nn::Embedding(10, 4, {.padding_idx = -1}).repr() == "Embedding(10, 4, padding_idx=9)");
}

BOOST_AUTO_TEST_CASE(embedding_refuses_bad_sizes_and_padding_rows) {
  BOOST_TEST(throws_with([] { nn::Embedding(0, 4); }, {"Embedding", "num_embeddings 0", "embedding_dim 4"}));
  BOOST_TEST(throws_with([] { nn::Embedding(4, -1); }, {"Embedding", "embedding_dim -1"}));
  BOOST_TEST(throws_with([] { nn::Embedding(4, 2, {.padding_idx = 4}); },
                         {"Embedding", "padding_idx", "[-4, 4)", "got 4"}));
  BOOST_TEST(throws_with([] { nn::Embedding(4, 2, {.padding_idx = -5}); }, {"Embedding", "padding_idx", "got -5"}));
  nn::Embedding embed(4, 2);
  BOOST_TEST(throws_with([&] { embed(sg::tensor(std::vector<int64_t>{4}, {1})); },
                         {"embedding:", "index 4", "num_embeddings 4"}));
}

BOOST_AUTO_TEST_SUITE_END()
