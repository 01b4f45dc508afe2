// Walks the graph (iteratively, like the engine) and writes nodes and edges in DOT.
#include "autograd/graphviz.h"

#include <cmath>
#include <unordered_map>

#include "autograd/node.h"

namespace sg {

namespace {
double norm(const TensorImpl& t) {
  double total = 0;
  dispatch_all(t.dtype, [&]<class T> {
    const T* x = static_cast<const T*>(t.data());
    for (int64_t i = 0; i < t.numel; ++i) total += double(x[i]) * double(x[i]);
  });
  return std::sqrt(total);
}

std::string leaf_label(const TensorImpl& leaf) {
  std::string label = fmt::format("leaf {}\\n{}", leaf.shape, leaf.dtype);
  if (leaf.grad) label += fmt::format("\\n|grad| = {:.4g}", norm(*leaf.grad));
  return label;
}
}  // namespace

std::string to_dot(const Tensor& t) {
  std::string dot = "digraph scratchgrad {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  std::unordered_map<const void*, int> ids;  // node or leaf -> DOT id
  auto id_of = [&](const void* p, bool& is_new) {
    auto [it, inserted] = ids.emplace(p, int(ids.size()));
    is_new = inserted;
    return it->second;
  };
  bool is_new;
  if (!t.grad_fn()) {
    dot += fmt::format("  n{} [shape=ellipse, label=\"{}\"];\n}}\n", id_of(t.impl_ptr().get(), is_new),
                       leaf_label(t.impl()));
    return dot;
  }
  std::vector<Node*> stack{t.grad_fn().get()};
  const int root = id_of(stack.back(), is_new);
  dot += fmt::format("  out [shape=plaintext, label=\"output {} {}\"];\n  n{} -> out;\n", t.shape(), t.dtype(), root);
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    const int id = id_of(node, is_new);
    dot += fmt::format("  n{} [shape=box, style=filled, fillcolor=\"#dde8f8\", label=\"{}\\n{} {}\"];\n", id,
                       node->name(), node->output_shape(), node->output_dtype());
    for (const Edge& edge : node->edges()) {
      if (edge.node) {
        const int child = id_of(edge.node.get(), is_new);
        if (is_new) stack.push_back(edge.node.get());
        dot += fmt::format("  n{} -> n{};\n", child, id);
      } else if (edge.leaf) {
        const int leaf = id_of(edge.leaf.get(), is_new);
        if (is_new) dot += fmt::format("  n{} [shape=ellipse, label=\"{}\"];\n", leaf, leaf_label(*edge.leaf));
        dot += fmt::format("  n{} -> n{};\n", leaf, id);
      }
    }
  }
  return dot + "}\n";
}

}  // namespace sg
