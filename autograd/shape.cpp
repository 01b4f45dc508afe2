// Shape bookkeeping and NumPy broadcasting.
#include "autograd/shape.h"

#include <ostream>

#include "autograd/check.h"

namespace sg {

void Shape::assign(const int64_t* sizes, size_t rank) {
  SG_CHECK(rank <= size_t(kMaxRank), "shape: at most {} dimensions are supported, got {}", kMaxRank, rank);
  std::copy(sizes, sizes + rank, dims_.begin());
  rank_ = int64_t(rank);
}

void Shape::push_back(int64_t size) { insert(rank_, size); }

void Shape::insert(int64_t pos, int64_t size) {
  SG_CHECK(rank_ < kMaxRank, "shape: at most {} dimensions are supported", kMaxRank);
  std::copy_backward(dims_.begin() + pos, dims_.begin() + rank_, dims_.begin() + rank_ + 1);
  dims_[pos] = size;
  ++rank_;
}

void Shape::erase(int64_t pos) {
  std::copy(dims_.begin() + pos + 1, dims_.begin() + rank_, dims_.begin() + pos);
  --rank_;
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << fmt::format("{}", shape); }

// No overflow for a tensor's shape: each stride is a product of some of its (checked) sizes.
std::array<int64_t, Shape::kMaxRank> contiguous_strides(const Shape& shape) {
  std::array<int64_t, Shape::kMaxRank> strides{};
  int64_t stride = 1;
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

// Align shapes at the right; each pair of sizes must be equal or one of them 1.
Shape broadcast_different_shapes(const Shape& a, const Shape& b, std::string_view op) {
  const int64_t rank = std::max(a.size(), b.size());
  Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    SG_CHECK(da == db || da == 1 || db == 1,
             "{}: shapes {} and {} cannot be broadcast together (dimension {}: {} vs {})", op, a, b, i,
             da, db);
    out.push_back(da == 1 ? db : da);
  }
  check_sizes(out, op);  // [2^40, 1, 0] and [2^40, 0] are tensors, [2^40, 2^40, 0] is not
  return out;
}

int64_t normalize_dim(int64_t dim, int64_t rank, std::string_view op) {
  const int64_t lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
  SG_CHECK(dim >= lo && dim <= hi, "{}: dim must be in [{}, {}] for a tensor of rank {}, got {}", op, lo, hi,
           rank, dim);
  return dim < 0 ? dim + std::max<int64_t>(rank, 1) : dim;
}

int64_t Shape::numel_after_overflow() const {
  for (int64_t d = 0; d < rank_; ++d)
    if (dims_[d] == 0) return 0;  // the product wrapped before reaching the 0
  fail("shape: {} has too many elements to count in int64", *this);
}

void throw_bad_sizes(const Shape& shape, std::string_view op) {
  for (int64_t size : shape)
    if (size < 0) fail("{}: sizes must be non-negative, got {}", op, shape);
  // The count in floating point: the exact product may not fit in any integer type.
  double count = 1;
  bool has_zero = false;
  for (int64_t size : shape) {
    has_zero |= size == 0;
    count *= double(size > 0 ? size : 1);
  }
  if (has_zero)
    fail("{}: shape {} is too large: its non-zero sizes multiply to {:.3g}, more than the {} elements a tensor "
         "can hold (an op reducing over its empty dims would make a tensor that large)",
         op, shape, count, kMaxNumel);
  fail("{}: shape {} is too large: {:.3g} elements, more than the {} a tensor can hold", op, shape, count,
       kMaxNumel);
}

// No overflow: products of some of the sizes of a tensor's (checked) shape fit in int64.
DimSplit split_at(const Shape& shape, int64_t dim) {
  DimSplit s{1, shape.empty() ? 1 : shape[dim], 1};
  for (int64_t d = 0; d < dim; ++d) s.outer *= shape[d];
  for (int64_t d = dim + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

}  // namespace sg
