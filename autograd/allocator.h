// Tensor buffers come from a cache: a training step frees and allocates buffers of the same few sizes
// over and over, and asking malloc each time costs more than the arithmetic on a small tensor.
// Freed buffers wait in per-thread lists by size class and are handed out again.
// The small records every op makes (a tensor handle's TensorImpl, its Storage, a graph Node) come from a
// second, simpler cache of fixed-size blocks, for the same reason: on a 1-element tensor, malloc and free
// of those records cost more than everything else the op does.
#pragma once

#include <cstddef>

namespace sg {

/// A 64-byte-aligned buffer of at least `bytes` bytes, from the cache when one is free.
void* allocate_buffer(size_t bytes);
/// Gives a buffer from allocate_buffer(bytes) back to the cache (or to the system when the cache is full).
void free_buffer(void* data, size_t bytes);

/// A 64-byte-aligned block of at least `bytes` bytes for a small record, from a per-thread free list.
void* allocate_block(size_t bytes);
/// Gives a block from allocate_block(bytes) back (same `bytes`); any thread may free any block.
void free_block(void* block, size_t bytes);

/// The allocator std::allocate_shared uses to put a record and its reference counts in one cached block:
/// std::allocate_shared<TensorImpl>(BlockAllocator<TensorImpl>()).
template <class T>
struct BlockAllocator {
  using value_type = T;
  static_assert(alignof(T) <= 64, "blocks are 64-byte aligned");
  BlockAllocator() = default;
  template <class U>
  BlockAllocator(const BlockAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(allocate_block(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { free_block(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const BlockAllocator<U>&) const { return true; }
};

}  // namespace sg
