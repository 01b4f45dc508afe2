// Learning works end to end: an MLP learns XOR, and a small CNN memorises random images with random
// labels. Fixed seeds and bounded step counts.
#include "tests/testing.h"

#include "scratchgrad/nn.h"

using namespace sg;

BOOST_AUTO_TEST_SUITE(learning)

namespace {
double accuracy(const Tensor& logits, const Tensor& labels) {
  const Tensor predicted = argmax(logits, 1);
  int64_t right = 0;
  for (int64_t n = 0; n < labels.numel(); ++n) right += predicted.data<int64_t>()[n] == labels.data<int64_t>()[n];
  return double(right) / double(labels.numel());
}
}  // namespace

BOOST_AUTO_TEST_CASE(an_mlp_learns_xor) {
  manual_seed(0);
  const Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  const Tensor y = sg::tensor(std::vector<int64_t>{0, 1, 1, 0}, {4});
  nn::Sequential model(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 2));
  sg::optim::SGD opt(model.parameters(), {.lr = 0.5, .momentum = 0.9});
  for (int step = 0; step < 200; ++step) {
    opt.zero_grad();
    nn::cross_entropy(model.forward(x), y).backward();
    opt.step();
  }
  BOOST_TEST(accuracy(model.forward(x), y) == 1.0);
  BOOST_TEST(nn::cross_entropy(model.forward(x), y).item() < 0.05);
}

BOOST_AUTO_TEST_CASE(a_small_cnn_memorises_64_random_images_with_random_labels) {
  manual_seed(0);
  const Tensor images = randn({64, 1, 8, 8});
  Tensor labels = empty({64}, kInt64);
  for (int64_t n = 0; n < 64; ++n) labels.data<int64_t>()[n] = int64_t(default_generator().randint(10));
  nn::Sequential model(nn::Conv2d(1, 16, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(16 * 3 * 3, 10));
  sg::optim::Adam opt(model.parameters(), {.lr = 0.01});
  int steps = 0;
  for (; steps < 300 && accuracy(model.forward(images), labels) < 1.0; ++steps) {
    opt.zero_grad();
    nn::cross_entropy(model.forward(images), labels).backward();
    opt.step();
  }
  BOOST_TEST_MESSAGE("64 random labels memorised in " << steps << " full-batch steps");
  BOOST_TEST(accuracy(model.forward(images), labels) == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
