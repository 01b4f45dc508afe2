// fashion_mlp's network and its activations' derivatives.
#include "tutorials/common/mlp.h"

namespace sg::tutorial {

namespace {
std::shared_ptr<nn::Module> make_activation(const std::string& name) {
  if (name == "sigmoid") return std::make_shared<nn::Sigmoid>();
  if (name == "relu") return std::make_shared<nn::ReLU>();
  if (name == "leaky_relu") return std::make_shared<nn::LeakyReLU>();  // slope 0.01, the notebook's
  return std::make_shared<nn::Tanh>();
}
}  // namespace

nn::Sequential make_mlp(const std::string& activation, const std::string& init) {
  nn::Sequential model;
  model.push_back(nn::Linear(784, 64));
  model.push_back(make_activation(activation));
  model.push_back(nn::Linear(64, 32));
  model.push_back(make_activation(activation));
  model.push_back(nn::Linear(32, 10));
  for (size_t i : {0, 2, 4}) {
    auto& layer = model.at<nn::Linear>(i);
    if (init == "notebook") {
      nn::init::normal_(layer.weight, 0.0, 0.01);
      nn::init::normal_(layer.bias, 0.0, 1.0);
    } else {
      nn::init::xavier_uniform_(layer.weight);
      nn::init::zeros_(layer.bias);
    }
  }
  return model;
}

Tensor activation_derivative(const std::string& activation, const Tensor& h) {
  if (activation == "sigmoid") return sigmoid(h) * (1.0 - sigmoid(h));
  if (activation == "tanh") return 1.0 - tanh(h) * tanh(h);
  if (activation == "relu") return gt(h, 0.0);
  return gt(h, 0.0) * 0.99 + 0.01;
}

}  // namespace sg::tutorial
