// Every differentiable op, as a free function in namespace sg. Each is defined in ops/<family>.cpp with
// its forward and its backward side by side. Binary elementwise ops broadcast like NumPy.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "autograd/pair.h"
#include "autograd/tensor.h"

namespace sg {

// ---- elementwise, two inputs (ops/binary.cpp) ----
/// a + b, broadcast.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
/// max(a, b) elementwise, NaN where either is NaN. At a tie each side gets half the gradient, as in
/// PyTorch; where either is NaN both get all of it.
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// ---- elementwise with a scalar, and one input (ops/unary.cpp) ----
Tensor add(const Tensor& x, double value);
Tensor mul(const Tensor& x, double value);
Tensor div(const Tensor& x, double value);
/// value - x
Tensor rsub(const Tensor& x, double value);
/// value / x
Tensor rdiv(const Tensor& x, double value);
Tensor neg(const Tensor& x);
/// x ^ exponent for a scalar exponent.
Tensor pow(const Tensor& x, double exponent);
Tensor exp(const Tensor& x);
/// Natural log; -inf at 0, NaN below.
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
/// |x|; gradient 0 at x == 0.
Tensor abs(const Tensor& x);
/// x limited to [min, max], NaN at NaN; gradient 1 inside, including at the bounds, 0 outside.
Tensor clamp(const Tensor& x, double min, double max);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
/// max(x, 0), NaN at NaN; gradient 0 at x == 0.
Tensor relu(const Tensor& x);
/// x for x > 0, negative_slope * x otherwise.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);

// ---- elementwise math, one input (ops/unary.cpp) ----
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
/// 1 / sqrt(x); inf at 0, NaN below.
Tensor rsqrt(const Tensor& x);
/// ln(1 + x), exact for tiny x.
Tensor log1p(const Tensor& x);
/// e^x - 1, exact for tiny x.
Tensor expm1(const Tensor& x);
/// The error function, 2 / sqrt(pi) * integral of e^(-t^2) from 0 to x.
Tensor erf(const Tensor& x);
/// -1, 0 or 1 by the sign of x; gradient 0. NaN at NaN, as in NumPy (PyTorch's sign gives 0 there).
Tensor sign(const Tensor& x);

// ---- smooth activations (ops/unary.cpp) ----
/// x * Phi(x), Phi the standard normal CDF; approximate = "tanh" takes PyTorch's tanh approximation.
///   Tensor y = sg::gelu(x, "tanh");
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// x * sigmoid(x) (also called swish).
Tensor silu(const Tensor& x);
/// ln(1 + e^(beta x)) / beta, and x itself where beta x > threshold, as in PyTorch; beta must not be 0.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
/// x for x > 0, alpha * (e^x - 1) otherwise.
Tensor elu(const Tensor& x, double alpha = 1.0);

// ---- powers with a tensor exponent (ops/binary.cpp, ops/unary.cpp) ----
/// a ^ b, broadcast. Gradients as in PyTorch: 0 for a where b == 0, and 0 for b where a == 0 and b >= 0.
Tensor pow(const Tensor& a, const Tensor& b);
/// base ^ x for a scalar base; the gradient is 0 where base == 0 and x >= 0.
Tensor pow(double base, const Tensor& x);

// ---- comparison operators and logic (ops/binary.cpp): 0 or 1 in the inputs' dtype, no gradient ----
Tensor ne(const Tensor& a, double value);
Tensor le(const Tensor& a, double value);
Tensor ge(const Tensor& a, double value);
/// (a != 0) and (b != 0), broadcast; any non-zero value counts as true, NaN included, as in PyTorch.
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
/// 1 where x == 0, else 0.
Tensor logical_not(const Tensor& x);
/// eq, ne, lt, le, gt, ge as operators: (x > 0.5) is a tensor of 0 and 1 like gt(x, 0.5), not a bool
/// (whether two handles share one tensor is is_same).
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double value);
Tensor operator!=(const Tensor& a, double value);
Tensor operator<(const Tensor& a, double value);
Tensor operator<=(const Tensor& a, double value);
Tensor operator>(const Tensor& a, double value);
Tensor operator>=(const Tensor& a, double value);
Tensor operator==(double value, const Tensor& a);
Tensor operator!=(double value, const Tensor& a);
Tensor operator<(double value, const Tensor& a);
Tensor operator<=(double value, const Tensor& a);
Tensor operator>(double value, const Tensor& a);
Tensor operator>=(double value, const Tensor& a);

// ---- comparisons and selection (ops/select.cpp): results hold 0 or 1 in the inputs' dtype ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double value);
Tensor gt(const Tensor& a, double value);
Tensor lt(const Tensor& a, double value);
/// condition != 0 ? a : b, broadcast; the gradient flows to the chosen side only.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
/// x with value wherever mask != 0 (mask broadcast to x).
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// ---- reductions (ops/reduce.cpp, ops/statistics.cpp, ops/prod.cpp, ops/cumsum.cpp) ----
/// The dims a reduction runs over: one (sum(x, 1)), several (sum(x, {0, 2})) or a std::vector; an empty
/// list means every dim, as in PyTorch. Negative dims count from the end; a dim named twice is an error.
class Dims {
 public:
  Dims() = default;
  Dims(int64_t dim) { push(dim); }
  Dims(std::initializer_list<int64_t> dims) {
    for (int64_t d : dims) push(d);
  }
  Dims(const std::vector<int64_t>& dims) {
    for (int64_t d : dims) push(d);
  }
  /// How many dims were named (may exceed the kMaxRank kept; the op then reports the list as too long).
  int64_t size() const { return size_; }
  int64_t operator[](int64_t i) const { return dims_[i]; }

 private:
  void push(int64_t d) {
    if (size_ < Shape::kMaxRank) dims_[size_] = d;
    ++size_;
  }
  std::array<int64_t, Shape::kMaxRank> dims_{};
  int64_t size_ = 0;
};

/// The largest (or smallest) values along a dim and their int64 positions, as torch.max(x, dim) returns:
///   auto [values, indices] = sg::max(x, 1);
struct ValuesIndices {
  Tensor values, indices;
};

/// Sum of all elements (a 0-dim tensor), or over dims.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim = false);
/// Variance over dims (all by default): the sum of squared deviations divided by n - correction (by 0,
/// giving inf or NaN, when that is not positive), as torch.var; correction 1 is the unbiased estimate.
///   Tensor v = sg::var(x, {0, 2}, /*correction=*/0, /*keepdim=*/true);
Tensor var(const Tensor& x, const Dims& dims = {}, double correction = 1, bool keepdim = false);
/// sqrt(var(x, dims, correction)); the gradient is 0 where the result is 0, as in PyTorch.
Tensor std(const Tensor& x, const Dims& dims = {}, double correction = 1, bool keepdim = false);
/// Vector p-norm over dims (all by default), p = 1, 2 or infinity, as torch.linalg.vector_norm. The
/// gradient is 0 where the norm is 0; for p = infinity tied largest |x| share it evenly.
Tensor norm(const Tensor& x, double p = 2, const Dims& dims = {}, bool keepdim = false);
/// Product of all elements, or along dim. The gradient (the product of the others) is exact with zeros.
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false);
/// Running sum along dim: y[i] = x[0] + ... + x[i] (floats accumulate in double, as in PyTorch).
Tensor cumsum(const Tensor& x, int64_t dim);
/// Largest element, NaN if any is NaN (as in PyTorch). Of the whole tensor, tied maxima share the
/// gradient evenly; along dim, the values come with the index argmax picks, which gets all the gradient.
Tensor max(const Tensor& x);
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
/// Largest (smallest) element over dims (all by default), NaN if any is NaN; tied extremes share the
/// gradient evenly, as torch.amax and torch.amin.
Tensor amax(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
/// Index (int64) of the first maximum, or of the first NaN if there is one, flat or along dim.
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);

// ---- shape (ops/shape.cpp) ----
/// Same data, new shape (one size may be -1); shares the buffer, no copy.
Tensor reshape(const Tensor& x, const Shape& shape);
/// Merges dims start_dim..end_dim into one.
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unsqueeze(const Tensor& x, int64_t dim);
/// Removes dim, which must have size 1.
Tensor squeeze(const Tensor& x, int64_t dim);
/// Swaps two dims (writes a new buffer: tensors are always contiguous).
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
/// Reorders dims: permute(x, {0, 2, 3, 1}).
Tensor permute(const Tensor& x, const Shape& dims);
/// Copies x repeated along its size-1 dims to `shape` (NumPy broadcasting).
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/// Sums the gradient dy of a broadcast back to `shape`: the backward of broadcasting, used by every
/// binary op. dy's shape must be what `shape` broadcasts to.
Tensor reduce_to(const Tensor& dy, const Shape& shape);
/// Elements start .. start + length - 1 along dim. Where they are one contiguous run of x (along the
/// first dim, or after dims of size 1), the result is a view sharing x's buffer, as in PyTorch: no copy,
/// and writing into it in place writes into x. Otherwise a copy.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
/// Elements start, start + step, ... below end along dim (negative start/end count from the end); a
/// view like narrow's where the elements are one contiguous run, else a copy.
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
/// Rows of x along dim picked by an int64 index vector (repeats allowed; their gradients add up).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
/// Joins tensors along an existing dim.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
/// Joins tensors along a new dim.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
/// Constant padding of the last dims: pad(x, {left, right, top, bottom}) as in PyTorch's F.pad.
Tensor pad(const Tensor& x, const std::vector<int64_t>& padding, double value = 0.0);

// ---- views, pieces and indexing as in PyTorch (ops/shape.cpp, split.cpp, rearrange.cpp, indexing.cpp) ----
// Where a result shares x's buffer (a view), writing into it in place writes into x, and the other way
// round; backward then refuses a saved tensor whose buffer changed after it was saved.
/// torch.view: x with a new shape (one size may be -1), always sharing x's buffer; the sizes must agree.
Tensor view(const Tensor& x, const Shape& shape);
/// Every dim of size 1 removed (a view); squeeze(x, dim) removes one.
Tensor squeeze(const Tensor& x);
/// x[..., index, ...] along dim with that dim removed (negative index counts from the end); a view where
/// narrow's would be. x[i] is select(x, 0, i), and x[{i, j}] is x[i][j].
Tensor select(const Tensor& x, int64_t dim, int64_t index);
/// Consecutive pieces of split_size along dim, the last one shorter if need be (views where narrow's are).
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
/// Pieces of the given sizes, which must add up to x.size(dim), as torch.split with a list:
///   std::vector<Tensor> parts = sg::split(x, {1, 3});  // braces are always a list of sizes, even {2}
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, std::initializer_list<int64_t> sizes, int64_t dim = 0);
/// At most `chunks` pieces of ceil(size / chunks) along dim, as torch.chunk (6 rows in 4 chunks: 3 of 2).
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
/// x repeated along its size-1 dims (and new leading dims) to `sizes`, -1 keeping a size, as torch.expand.
/// A copy here, since every tensor is contiguous (a view when only dims of size 1 are added); its gradient
/// sums over the repeats.
Tensor expand(const Tensor& x, const Shape& sizes);
/// x tiled sizes[d] times along each dim d (more sizes than dims add leading dims), as torch.repeat.
Tensor repeat(const Tensor& x, const Shape& sizes);
/// x with the order of the elements reversed along each of dims.
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims);
/// The lower (tril) or upper (triu) triangle of the last two dims, zeros elsewhere: x[..., i, j] is kept
/// where j - i <= diagonal (tril) or j - i >= diagonal (triu).
Tensor tril(const Tensor& x, int64_t diagonal = 0);
Tensor triu(const Tensor& x, int64_t diagonal = 0);
/// y[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (likewise for other dims), as torch.gather: index is
/// int64 with x's rank and no larger than x outside dim; y has index's shape.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
/// A copy of x with y[index[i][j][k]][j][k] = src[i][j][k] for dim 0, as torch.scatter: index is no larger
/// than src anywhere and than x outside dim. Where index repeats a position, the last write wins; every
/// src element in index's range still gets the gradient at its position, as in PyTorch, and x gets none
/// where it was overwritten.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, double value);
/// The same as scatter with += instead of =: repeated positions add up.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
/// The elements of x where mask != 0 (x and mask broadcast together), in row-major order, as a 1-D tensor.
Tensor masked_select(const Tensor& x, const Tensor& mask);

// ---- linear algebra (ops/matmul.cpp) ----
/// The matrix product of torch.matmul: 1-D . 1-D is a dot product, 2-D x 2-D a matrix product; a 1-D
/// left operand is a row and a 1-D right one a column, that dim removed from the result again; past 2-D
/// the leading dims are batch dims, broadcast against each other (a 2-D operand is shared by the batch).
///   Tensor scores = sg::matmul(q, k.transpose(2, 3));   // [B, H, T, D] x [B, H, D, T] -> [B, H, T, T]
Tensor matmul(const Tensor& a, const Tensor& b);
/// a (n, m) x b (m, p), 2-D only, as torch.mm.
Tensor mm(const Tensor& a, const Tensor& b);
/// a (B, n, m) x b (B, m, p), 3-D with one batch size (not broadcast), as torch.bmm.
Tensor bmm(const Tensor& a, const Tensor& b);
/// sum_i a_i b_i of two 1-D tensors of one size, a 0-dim tensor.
Tensor dot(const Tensor& a, const Tensor& b);
/// a (n) and b (m) -> (n, m) holding a_i b_j.
Tensor outer(const Tensor& a, const Tensor& b);
/// x (..., in) . weight (out, in)^T + bias (out) -> (..., out): a dense layer in one op.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- softmax family (ops/softmax.cpp): numerically stable for inputs of +-1000 ----
Tensor softmax(const Tensor& x, int64_t dim = -1);
Tensor log_softmax(const Tensor& x, int64_t dim = -1);
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);
/// Cross-entropy of each sample: logits (N, C) against int64 class indices (N), log sum_c e^x_c - x_t.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& target);

// ---- normalisation (ops/batch_norm.cpp) ----
/// Normalises each channel (dim 1) of input (N, C, ...) as PyTorch's F.batch_norm: by the batch's mean and
/// biased variance when training, updating running_mean and running_var (C) in place if given; by those
/// running statistics otherwise; then y * weight + bias (C). Any of the four may be an undefined Tensor()
/// (the running statistics only when training).
///   y = batch_norm(x, running_mean, running_var, weight, bias, /*training=*/true, 0.1, 1e-5);
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);

// ---- integer helpers (ops/select.cpp) ----
/// (N) int64 class indices -> (N, num_classes) with a 1 at each index.
Tensor one_hot(const Tensor& labels, int64_t num_classes, Dtype dtype = kFloat32);

// ---- convolution and pooling (ops/conv.cpp, conv1d.cpp, pool.cpp, adaptive_pool.cpp, correlate.cpp) ----
struct Conv2dParams {
  Pair stride = 1, padding = 0, dilation = 1;
  int64_t groups = 1;  // channels and filters split into this many independent convolutions
};
/// input (N, C, H, W) * weight (O, C / groups, kH, kW) + bias (O) -> (N, O, Ho, Wo), cross-correlation as
/// in PyTorch; Ho = floor((H + 2P - D(kH - 1) - 1) / S) + 1. With groups G, filters [g O/G, (g+1) O/G)
/// see only channels [g C/G, (g+1) C/G).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dParams& params = {});
struct Conv1dParams {
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
};
/// input (N, C, L) * weight (O, C / groups, K) + bias (O) -> (N, O, Lo), cross-correlation as in
/// PyTorch; Lo = floor((L + 2P - D(K - 1) - 1) / S) + 1. Runs as conv2d on a height of 1.
///   Tensor y = sg::conv1d(x, w, b, {.padding = 1});
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv1dParams& params = {});
struct ConvTranspose2dParams {
  Pair stride = 1, padding = 0, output_padding = 0, dilation = 1;
  int64_t groups = 1;
};
/// The transpose of conv2d (the map conv2d's input gradient is): input (N, C, H, W), weight
/// (C, O / groups, kH, kW), bias (O) -> (N, O, Ho, Wo), Ho = (H - 1) S - 2P + D (kH - 1) + output_padding + 1,
/// as torch.nn.functional.conv_transpose2d (output_padding below stride).
///   Tensor up = sg::conv_transpose2d(x, w, b, {.stride = 2, .padding = 1, .output_padding = 1});
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const ConvTranspose2dParams& params = {});
struct Pool2dParams {
  Pair kernel_size = 2, stride = 0 /* 0: same as kernel_size */, padding = 0;
};
/// Max over each window (padding counts as -inf), NaN if the window holds one; the gradient goes to each
/// window's first maximum (its first NaN, if any).
Tensor max_pool2d(const Tensor& input, const Pool2dParams& params);
/// Mean over each window, padding counted as zeros (PyTorch's default count_include_pad).
Tensor avg_pool2d(const Tensor& input, const Pool2dParams& params);
/// The mean of each window of a grid of output_size over input (N, C, H, W), as F.adaptive_avg_pool2d:
/// window i covers rows floor(i H / OH) .. ceil((i + 1) H / OH) - 1, and the columns likewise.
///   Tensor features = sg::adaptive_avg_pool2d(x, 1);   // global average pooling: (N, C, 1, 1)
Tensor adaptive_avg_pool2d(const Tensor& input, Pair output_size);
/// The max of the same windows, NaN if the window holds one; the gradient goes to each window's first
/// maximum (its first NaN, if any).
Tensor adaptive_max_pool2d(const Tensor& input, Pair output_size);
/// scipy.signal.correlate2d / convolve2d on two 2-D tensors, mode "valid", "same" or "full".
Tensor correlate2d(const Tensor& input, const Tensor& kernel, std::string_view mode = "valid");
Tensor convolve2d(const Tensor& input, const Tensor& kernel, std::string_view mode = "valid");

// ---- embedding and normalisation (ops/embedding.cpp, ops/layer_norm.cpp) ----
/// Rows of weight (V, D) picked by int64 indices of any shape -> (..., D). Repeated indices add their
/// gradients; the padding_idx row (negative counts from the end) gets none. An index outside [0, V) throws.
///   Tensor vectors = sg::embedding(table, token_ids);
Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx = std::nullopt);
/// Normalises x over its last dims (normalized_shape) to mean 0 and variance 1 (biased, eps inside the
/// square root), then scales by weight and shifts by bias (each of normalized_shape, or undefined).
///   Tensor h = sg::layer_norm(x, {512}, gamma, beta);
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// ---- group normalisation (ops/group_norm.cpp) ----
/// Normalises input (N, C, *) over each group of C / num_groups channels and all their positions (biased
/// variance, eps inside the square root), then y * weight + bias (C, or undefined), as F.group_norm.
///   Tensor h = sg::group_norm(x, 8, gamma, beta);
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  double eps = 1e-5);

// ---- operators ----
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& x, double v) { return add(x, v); }
inline Tensor operator+(double v, const Tensor& x) { return add(x, v); }
inline Tensor operator-(const Tensor& x, double v) { return add(x, -v); }
inline Tensor operator-(double v, const Tensor& x) { return rsub(x, v); }
inline Tensor operator*(const Tensor& x, double v) { return mul(x, v); }
inline Tensor operator*(double v, const Tensor& x) { return mul(x, v); }
inline Tensor operator/(const Tensor& x, double v) { return div(x, v); }
inline Tensor operator/(double v, const Tensor& x) { return rdiv(x, v); }
inline Tensor operator-(const Tensor& x) { return neg(x); }

}  // namespace sg
