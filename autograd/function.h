// Custom ops: a learner writes a class with a static forward and backward, in the manner of
// torch::autograd::Function, and the engine calls that backward like any built-in op's.
//
//   struct Cube : sg::Function<Cube> {
//     static constexpr const char* name = "cube";
//     static sg::Tensor forward(sg::Context& ctx, const std::vector<sg::Tensor>& in) {
//       ctx.save_for_backward({in[0]});
//       return in[0] * in[0] * in[0];
//     }
//     static std::vector<sg::Tensor> backward(sg::Context& ctx, const sg::Tensor& dy) {
//       const sg::Tensor& x = ctx.saved(0);
//       return {dy * 3.0 * x * x};                 // one gradient per input
//     }
//   };
//   sg::Tensor y = Cube::apply({x});
//
// Arguments after the inputs go to forward as they are (a scale, a shape, options), as in PyTorch's
// Function.apply: forward(ctx, inputs, args...); whatever backward needs of them, forward keeps in ctx.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/check.h"
#include "autograd/node.h"

namespace sg {

/// What forward leaves for backward: tensors (checked against in-place change) and named numbers.
class Context {
 public:
  void save_for_backward(std::vector<Tensor> tensors) { pending_ = std::move(tensors); }
  /// Saved tensor i (valid inside backward).
  const Tensor& saved(size_t i) const { return node_->saved(i); }
  /// Any number backward needs: ctx.values["alpha"] = 0.5.
  std::map<std::string, double> values;

 private:
  template <class Op>
  friend struct Function;
  std::vector<Tensor> pending_;
  const Node* node_ = nullptr;
};

/// Base for a custom op: Op provides `name`, `forward(Context&, inputs, args...)` and
/// `backward(Context&, dy)`.
template <class Op>
struct Function {
  /// Runs Op::forward without recording its inner ops, then records Op::backward as the one backward.
  template <class... Args>
  static Tensor apply(const std::vector<Tensor>& inputs, Args&&... args) {
    auto ctx = std::make_shared<Context>();
    Tensor output;
    {
      NoGradGuard no_grad;
      output = Op::forward(*ctx, inputs, std::forward<Args>(args)...);
    }
    SG_CHECK(output.defined(), "{}: forward returned an undefined tensor", Op::name);
    output = output.detach();  // a fresh handle: forward may have returned one of its inputs
    std::vector<Tensor> saved = std::move(ctx->pending_);
    return record_custom(inputs, output, saved, ctx);
  }

 private:
  static Tensor record_custom(const std::vector<Tensor>& inputs, Tensor output, const std::vector<Tensor>& saved,
                              std::shared_ptr<Context> ctx) {
    if (!needs_recording(std::span<const Tensor>(inputs))) return output;
    auto backward = [ctx](const Node& node, const Tensor& dy) {
      ctx->node_ = &node;
      Grads grads = Op::backward(*ctx, dy);
      SG_CHECK(grads.size() == node.num_inputs(), "{}: backward returned {} gradients for {} inputs", Op::name,
               grads.size(), node.num_inputs());
      return grads;
    };
    Recorder::attach(make_node(Op::name, std::move(backward)), inputs, output, saved);
    return output;
  }
};

}  // namespace sg
