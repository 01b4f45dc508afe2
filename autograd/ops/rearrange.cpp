// Ops that copy x into a new arrangement: expand and repeat (copies of x side by side), flip (reversed
// along dims), tril and triu (a triangle kept, the rest zeroed).
#include <array>
#include <string_view>
#include <vector>

#include "autograd/check.h"
#include "autograd/kernels/indexing.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

// ---- expand --------------------------------------------------------------------
// y = x broadcast to sizes (-1: x's own size)          dx = dy summed over the repeats (broadcast_to's)
Tensor expand(const Tensor& x, const Shape& sizes) {
  SG_CHECK(sizes.size() >= x.dim(), "expand: expected at least {} sizes for shape {}, got {}", x.dim(), x.shape(),
           sizes);
  const int64_t lead = sizes.size() - x.dim();  // new dims in front
  Shape target = sizes;
  for (int64_t d = 0; d < sizes.size(); ++d) {
    if (d < lead) {
      SG_CHECK(sizes[d] >= 0, "expand: size {} is not allowed for the new leading dim {}, got sizes {} for shape {}",
               sizes[d], d, sizes, x.shape());
      continue;
    }
    const int64_t own = x.size(d - lead);
    if (sizes[d] == -1) target[d] = own;
    SG_CHECK(target[d] == own || (own == 1 && target[d] >= 0),
             "expand: size {} must match the existing size {} at non-singleton dim {}, got sizes {} for shape {}",
             sizes[d], own, d, sizes, x.shape());
  }
  check_sizes(target, "expand");
  return broadcast_to(x, target);
}

// ---- repeat --------------------------------------------------------------------
// y[i_0, ..., i_r] = x[i_0 mod n_0, ..., i_r mod n_r]     dx = dy summed over the copies
// One dim at a time: x seen as (outer, 1, n * inner) broadcast to (outer, r, n * inner) is x repeated r
// times along that dim, and broadcast_to's backward sums the copies.
Tensor repeat(const Tensor& x, const Shape& sizes) {
  SG_CHECK(sizes.size() >= x.dim(), "repeat: expected at least {} sizes for shape {}, got {}", x.dim(), x.shape(),
           sizes);
  Shape padded, out_shape;  // x's shape with leading 1s up to sizes' rank, and y's
  for (int64_t d = 0; d < sizes.size(); ++d) {
    const int64_t own = d < sizes.size() - x.dim() ? 1 : x.size(d - (sizes.size() - x.dim()));
    SG_CHECK(sizes[d] >= 0, "repeat: repeats must be non-negative, got {} for shape {}", sizes, x.shape());
    int64_t total = 0;
    SG_CHECK(!__builtin_mul_overflow(own, sizes[d], &total),
             "repeat: repeating shape {} by {} gives a size beyond int64 in dim {}", x.shape(), sizes, d);
    padded.push_back(own);
    out_shape.push_back(total);
  }
  check_sizes(out_shape, "repeat");
  Tensor y = reshape(x, padded);
  for (int64_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    const DimSplit s = split_at(y.shape(), d);
    Shape next = y.shape();
    next[d] = out_shape[d];
    y = reshape(broadcast_to(reshape(y, {s.outer, 1, s.size * s.inner}), {s.outer, sizes[d], s.size * s.inner}), next);
  }
  return y;
}

// ---- flip ----------------------------------------------------------------------
// y[..., i, ...] = x[..., n - 1 - i, ...] along each flipped dim        dx = dy flipped the same way
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims) {
  std::array<bool, Shape::kMaxRank> flipped{};
  for (int64_t dim : dims) {
    const int64_t d = normalize_dim(dim, x.dim(), "flip");
    SG_CHECK(!flipped[d], "flip: dim {} appears more than once in dims {} for shape {}", d, dims, x.shape());
    flipped[d] = true;
  }
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T> { kernels::flip(y.data<T>(), x.data<T>(), x.shape(), flipped); });
  return record("flip", {x}, y, {}, [dims](const Node&, const Tensor& dy) { return Grads{flip(dy, dims)}; });
}

// ---- tril / triu ---------------------------------------------------------------
// y[..., i, j] = x[..., i, j] where j - i <= k (tril) or j - i >= k (triu), else 0
// dx = dy with the same triangle kept (a select, not a product: an inf outside it gives 0, not NaN)
namespace {
Tensor triangle(std::string_view op, const Tensor& x, int64_t diagonal, bool upper) {
  SG_CHECK(x.dim() >= 2, "{}: expected a tensor of at least 2 dims, got shape {}", op, x.shape());
  const int64_t R = x.size(-2), C = x.size(-1), B = R * C != 0 ? x.numel() / (R * C) : 0;
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T> { kernels::triangle(y.data<T>(), x.data<T>(), B, R, C, diagonal, upper); });
  return record(op, {x}, y, {}, [diagonal, upper](const Node&, const Tensor& dy) {
    return Grads{upper ? triu(dy, diagonal) : tril(dy, diagonal)};
  });
}
}  // namespace

Tensor tril(const Tensor& x, int64_t diagonal) { return triangle("tril", x, diagonal, false); }
Tensor triu(const Tensor& x, int64_t diagonal) { return triangle("triu", x, diagonal, true); }

}  // namespace sg
