// Lesson 0: autograd by hand and by machine.
//
// The notebooks derive every gradient by hand. Here we build a small expression step by step, look at
// the graph scratchgrad records, let backward() differentiate it, and check the result three ways: the
// chain rule by hand, finite differences (gradcheck), and a custom op whose backward we write ourselves.
// Last, that custom op goes into a small model that learns to tell points inside a circle from outside.
#include <cmath>
#include <string>

#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/curves.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/options.h"
#include "tutorials/common/process.h"
#include "tutorials/common/progress.h"

namespace po = boost::program_options;

// ---- a custom op: softplus(x) = log(1 + e^x), a smooth relu --------------------------------------
// forward is computed stably as max(x, 0) + log(1 + e^-|x|); backward is the derivative we worked out
// on paper: d/dx log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x). (The library has its own, sg::softplus;
// this one is written by hand to show how.)
struct Softplus : sg::Function<Softplus> {
  static constexpr const char* name = "softplus";
  static sg::Tensor forward(sg::Context& ctx, const std::vector<sg::Tensor>& in) {
    const sg::Tensor& x = in[0];
    ctx.save_for_backward({x});
    return sg::relu(x) + sg::log(sg::exp(-sg::abs(x)) + 1.0);
  }
  static std::vector<sg::Tensor> backward(sg::Context& ctx, const sg::Tensor& dy) {
    return {dy * sg::sigmoid(ctx.saved(0))};
  }
};
sg::Tensor my_softplus(const sg::Tensor& x) { return Softplus::apply({x}); }

// Points in [-1, 1]^2, labelled 1 inside the circle of radius 0.6 and 0 outside.
std::pair<sg::Tensor, sg::Tensor> make_points(int64_t n) {
  sg::Tensor points = sg::rand({n, 2}) * 2.0 - 1.0;
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i)
    labels[i] = std::hypot(points.at({i, 0}), points.at({i, 1})) < 0.6 ? 1 : 0;
  return {points, sg::tensor(labels, {n})};
}

int main(int argc, char** argv) {
  return sg::tutorial::run_main([&] {
    sg::tutorial::Options options{.epochs = 30, .lr = 0.5, .batch_size = 32, .train_size = 1024, .test_size = 512};
    int64_t hidden = 16;
    po::options_description own("autograd_basics options");
    own.add_options()("hidden", po::value(&hidden)->default_value(hidden), "hidden units of the small model");
    // No dataset and no model file: --data-dir, --save, --load, --checkpoint-every and --resume are not listed.
    sg::tutorial::parse(argc, argv, "autograd_basics", "autograd, step by step, and a custom op in a small model",
                        options, own, {.data = false, .checkpoints = false, .resume = false});
    if (hidden < 1) sg::tutorial::usage_error(fmt::format("--hidden must be >= 1, got {}", hidden));

    // 1. Two leaves: tensors we make ourselves and want gradients for.
    sg::Tensor x = sg::tensor({{1.0, -2.0, 0.5}, {0.0, 3.0, -1.0}}, sg::kFloat64).requires_grad_();
    sg::Tensor w = sg::tensor({{0.5, -1.0}, {0.25, 0.1}, {-0.3, 0.8}}, sg::kFloat64).requires_grad_();
    fmt::print("1. leaves\n   x = {}\n   w = {}\n", x, w);

    // 2. An expression, one op at a time. Each result remembers the op that made it (grad_fn).
    sg::Tensor a = sg::matmul(x, w);  // (2, 2)
    sg::Tensor b = sg::tanh(a);
    sg::Tensor c = b * b;
    sg::Tensor y = c.mean();
    fmt::print("2. forward\n   a = x @ w  = {}\n   b = tanh a = {}\n   c = b * b  = {}\n   y = mean c = {}\n", a, b, c, y);

    // 3. The graph behind y, as Graphviz DOT; rendered to SVG when Graphviz's dot is installed. dot is run
    //    with a list of arguments, no shell, and we write its output ourselves: any --out is safe. (A path
    //    starting with "-" gets "./" in front, or dot would read it as an option.)
    const std::string out = options.out.starts_with("-") ? "./" + options.out : options.out;
    const std::string dot_path = out + "/autograd_graph.dot", svg_path = out + "/autograd_graph.svg";
    sg::write_file_atomic(dot_path, sg::to_dot(y));
    const sg::tutorial::ProgramOutput dot = sg::tutorial::run_program({"dot", "-Tsvg", dot_path});
    std::string rendered = " (install graphviz to render it)";
    if (dot.found && dot.exit_code == 0) {
      sg::write_file_atomic(svg_path, dot.output);
      rendered = " (and autograd_graph.svg)";
    } else if (dot.found) {
      rendered = fmt::format(" (dot failed, exit code {}: no SVG)", dot.exit_code);
    }
    fmt::print("3. graph written to {}{}\n", dot_path, rendered);

    // 4. backward() walks the graph from y to the leaves, applying each op's derivative.
    y.backward();
    fmt::print("4. backward\n   dy/dx = {}\n   dy/dw = {}\n", x.grad(), w.grad());

    // 5. The chain rule by hand: dy/dc = 1/4, dc/db = 2b, db/da = 1 - b^2, da/dx = . w^T, da/dw = x^T .
    {
      sg::NoGradGuard no_grad;
      sg::Tensor da = (b * 2.0 / 4.0) * (1.0 - b * b);
      sg::Tensor dx_hand = sg::matmul(da, w.t()), dw_hand = sg::matmul(x.t(), da);
      const double diff = std::max(sg::abs(dx_hand - x.grad()).max().item(), sg::abs(dw_hand - w.grad()).max().item());
      fmt::print("5. by hand: dy/dx = {}\n   largest difference from autograd: {:.3g}\n", dx_hand, diff);
    }

    // 6. gradcheck: every element of autograd's gradient against central finite differences.
    auto expression = [](const std::vector<sg::Tensor>& in) { return (sg::tanh(sg::matmul(in[0], in[1])) * sg::tanh(sg::matmul(in[0], in[1]))).mean(); };
    const sg::GradcheckReport report = sg::gradcheck(expression, {x, w});
    fmt::print("6. {}\n", report);

    // 7. A custom op with a hand-written backward, verified the same way.
    sg::Tensor probe = (sg::rand({3, 4}, sg::kFloat64) * 6.0 - 3.0).detach().requires_grad_();
    const sg::GradcheckReport custom = sg::gradcheck([](const std::vector<sg::Tensor>& in) { return my_softplus(in[0]); }, {probe});
    fmt::print("7. custom op softplus: {}\n", custom);

    // 8. The custom op inside a small model: 2 -> hidden -> 2, trained with plain SGD.
    auto [train_x, train_y] = make_points(options.train_size);
    auto [test_x, test_y] = make_points(options.test_size);
    sg::Tensor w1 = (sg::randn({hidden, 2}) * std::sqrt(2.0 / 2)).detach().requires_grad_();
    sg::Tensor b1 = sg::zeros({hidden}).requires_grad_();
    sg::Tensor w2 = (sg::randn({2, hidden}) * std::sqrt(1.0 / double(hidden))).detach().requires_grad_();
    sg::Tensor b2 = sg::zeros({2}).requires_grad_();
    std::vector<sg::Tensor> params{w1, b1, w2, b2};
    auto model = [&](const sg::Tensor& in) { return sg::linear(my_softplus(sg::linear(in, w1, b1)), w2, b2); };
    // cross-entropy from logits: -mean over the batch of log_softmax at the true class
    auto loss_fn = [](const sg::Tensor& logits, const sg::Tensor& labels) {
      return -(sg::log_softmax(logits, 1) * sg::one_hot(labels, 2)).sum(1).mean();
    };
    auto correct = [](const sg::Tensor& logits, const sg::Tensor& labels) {
      return int64_t(sg::eq(sg::argmax(logits, 1), labels).sum().item());
    };

    fmt::print("8. training {} -> {} -> 2 with softplus on {} points\n", 2, hidden, options.train_size);
    sg::tutorial::History history({"train_loss", "train_accuracy", "test_accuracy"});
    double test_accuracy = 0;
    const int64_t steps = (options.train_size + options.batch_size - 1) / options.batch_size;
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
      sg::tutorial::ProgressBar bar(epoch, options.epochs, steps);
      for (int64_t start = 0; start < options.train_size; start += options.batch_size) {
        const int64_t n = std::min(options.batch_size, options.train_size - start);
        sg::Tensor xb = train_x.narrow(0, start, n), yb = train_y.narrow(0, start, n);
        sg::Tensor logits = model(xb);
        sg::Tensor loss = loss_fn(logits, yb);
        for (sg::Tensor& p : params) p.zero_grad();
        loss.backward();
        {
          sg::NoGradGuard no_grad;  // the update itself must not be recorded
          for (sg::Tensor& p : params) p.add_(p.grad(), -options.lr);
        }
        bar.step(n, loss.item(), correct(logits, yb));
      }
      bar.finish();
      sg::NoGradGuard no_grad;
      test_accuracy = double(correct(model(test_x), test_y)) / double(options.test_size);
      history.add({bar.mean_loss(), bar.accuracy(), test_accuracy});
    }
    fmt::print("   curves written to {}\n", history.save(options.out, "autograd_basics_curves", fmt::format("autograd_basics, {} hidden units, seed {}", hidden, options.seed)));
    fmt::print("test accuracy: {:.4f}\n", test_accuracy);
    return report.ok && custom.ok ? 0 : 1;
  });
}
