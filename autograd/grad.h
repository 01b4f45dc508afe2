// sg::grad: the gradients of outputs with respect to chosen inputs, returned rather than summed into
// .grad(), as torch.autograd.grad does. With create_graph they carry a graph of their own, so they can be
// differentiated again: Hessian-vector products, gradient penalties, Newton steps.
#pragma once

#include <optional>
#include <vector>

#include "autograd/tensor.h"

namespace sg {

struct GradOptions {
  /// One gradient per output (the "vector" of a vector-Jacobian product); empty means ones, which only
  /// one-element outputs may take. An undefined entry means ones for that output.
  std::vector<Tensor> grad_outputs{};
  /// Keep the saved tensors for another backward through this graph; by default, create_graph's value.
  std::optional<bool> retain_graph{};
  /// Record the backward pass, so the gradients returned can be differentiated again.
  bool create_graph = false;
  /// Give an undefined Tensor for an input the outputs do not depend on, instead of throwing.
  bool allow_unused = false;
};

/// d(sum of outputs[i] * grad_outputs[i]) / d inputs[j], one tensor per input; no .grad() changes.
///   auto [dx] = sg::grad({loss}, {x}, {.create_graph = true});   // dx has a graph: sum(dx * v) -> H v
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const GradOptions& options = {});

}  // namespace sg
