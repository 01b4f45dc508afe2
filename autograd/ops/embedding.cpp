// Looking rows of a table up by integer index: the embedding of token ids, with an optional padding
// row that never learns.
#include "autograd/check.h"
#include "autograd/kernels/shape.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- embedding -------------------------------------------------------------------
// y[p, d] = weight[indices[p], d]        dweight[indices[p], d] += dy[p, d]     (p runs over every position)
// Repeated indices add up; the padding row gets no gradient, as in PyTorch (its forward value is used as is).
Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  SG_CHECK(weight.dim() == 2 && is_floating(weight.dtype()),
           "embedding: weight must be a float (num_embeddings, embedding_dim) tensor, got {} {}", weight.shape(),
           weight.dtype());
  SG_CHECK(indices.dtype() == kInt64, "embedding: indices must be int64, got {} {}", indices.shape(),
           indices.dtype());
  const int64_t V = weight.size(0), D = weight.size(1), L = indices.numel();
  if (padding_idx) {
    SG_CHECK(*padding_idx >= -V && *padding_idx < V, "embedding: padding_idx must be in [-{}, {}), got {}", V, V,
             *padding_idx);
    if (*padding_idx < 0) *padding_idx += V;
  }
  const int64_t* idx = indices.data<int64_t>();
  for (int64_t p = 0; p < L; ++p)
    SG_CHECK(idx[p] >= 0 && idx[p] < V, "embedding: index {} at position {} is out of range for num_embeddings {}",
             idx[p], p, V);
  Shape shape = indices.shape();
  shape.push_back(D);
  check_sizes(shape, "embedding");
  Tensor y = empty(shape, weight.dtype());
  dispatch(weight.dtype(), "embedding", [&]<class T> {
    kernels::gather(y.data<T>(), weight.data<T>(), idx, 1, V, D, L);
  });
  return record("embedding", {weight}, y, {indices}, [V, D, L, padding_idx](const Node& node, const Tensor& dy) {
    const Tensor& indices = node.saved(0);
    if (GradMode::is_enabled()) {  // create_graph: the same sums as a recorded product, one-hot rows^T dy
      Tensor rows = one_hot(reshape(indices, {L}), V, dy.dtype());
      if (padding_idx) rows = mul(rows, ne(arange(double(V), dy.dtype()), double(*padding_idx)));
      return Grads{matmul(transpose(rows, 0, 1), reshape(dy, {L, D}))};
    }
    Tensor dw = empty({V, D}, dy.dtype());
    dispatch(dy.dtype(), "backward", [&]<class T> {
      kernels::gather_backward(dw.data<T>(), dy.data<T>(), indices.data<int64_t>(), 1, V, D, L);
      if (padding_idx) std::fill_n(dw.data<T>() + *padding_idx * D, D, T(0));
    });
    return Grads{dw};
  });
}

}  // namespace sg
