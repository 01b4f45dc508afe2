// Pieces of a tensor along one dim: select (one index, the dim removed), split and chunk (consecutive
// runs). Each is made of narrow and squeeze, so a piece is a view of x wherever narrow's is (along the
// first dim, or after dims of size 1) and its gradient goes back through narrow's.
#include <algorithm>
#include <vector>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace sg {

// ---- select --------------------------------------------------------------------
// y = x[..., index, ...] along dim, that dim removed        dx = dy at index, zeros elsewhere
Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  SG_CHECK(x.dim() > 0, "select: cannot be applied to a 0-dim tensor, got shape {}", x.shape());
  dim = normalize_dim(dim, x.dim(), "select");
  const int64_t n = x.size(dim);
  SG_CHECK(index >= -n && index < n, "select: index {} is out of range for dim {} of size {} in shape {}", index, dim,
           n, x.shape());
  if (index < 0) index += n;
  return squeeze(narrow(x, dim, index, 1), dim);
}

// ---- split / chunk -------------------------------------------------------------
// y_k = x[..., starts[k] : starts[k] + sizes[k], ...] along dim      dx = the dy_k placed back in order
// (the pieces are narrows, so each gradient lands where its piece came from)
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  SG_CHECK(x.dim() > 0, "split: cannot split a 0-dim tensor, got shape {}", x.shape());
  dim = normalize_dim(dim, x.dim(), "split");
  int64_t total = 0;
  bool overflow = false;
  for (int64_t size : sizes) {
    SG_CHECK(size >= 0, "split: sizes must be non-negative, got {}", sizes);
    overflow |= __builtin_add_overflow(total, size, &total);
  }
  SG_CHECK(!overflow && total == x.size(dim),
           "split: sizes must sum exactly to {} (the size of dim {} of shape {}), got {}", x.size(dim), dim, x.shape(),
           sizes);
  std::vector<Tensor> pieces;
  int64_t start = 0;
  for (int64_t size : sizes) {
    pieces.push_back(narrow(x, dim, start, size));
    start += size;
  }
  return pieces;
}

std::vector<Tensor> split(const Tensor& x, std::initializer_list<int64_t> sizes, int64_t dim) {
  return split(x, std::vector<int64_t>(sizes), dim);
}

// Pieces of split_size, the last one shorter when split_size does not divide the dim; one empty piece
// for a dim of size 0, as in PyTorch.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  SG_CHECK(x.dim() > 0, "split: cannot split a 0-dim tensor, got shape {}", x.shape());
  dim = normalize_dim(dim, x.dim(), "split");
  const int64_t n = x.size(dim);
  SG_CHECK(split_size > 0 || (split_size == 0 && n == 0),
           "split: split_size must be positive (0 only for a dim of size 0), got {} for dim {} of shape {}", split_size,
           dim, x.shape());
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < n; start += split_size) sizes.push_back(std::min(split_size, n - start));
  if (n == 0) sizes.push_back(0);
  return split(x, sizes, dim);
}

// Pieces of ceil(n / chunks) each, so there may be fewer than chunks (6 in 4 chunks gives 3 of 2), and
// `chunks` empty pieces for a dim of size 0, as in PyTorch.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  SG_CHECK(chunks > 0, "chunk: chunks must be positive, got {} for shape {}", chunks, x.shape());
  SG_CHECK(x.dim() > 0, "chunk: cannot split a 0-dim tensor, got shape {}", x.shape());
  dim = normalize_dim(dim, x.dim(), "chunk");
  const int64_t n = x.size(dim);
  if (n == 0) return split(x, std::vector<int64_t>(size_t(chunks), 0), dim);
  return split(x, n / chunks + (n % chunks != 0), dim);
}

}  // namespace sg
