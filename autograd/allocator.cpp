// Size classes: four per power of two (1, 1.25, 1.5, 1.75 times 2^k), so a buffer wastes at most a
// quarter of its size. Buffers above kLargest are not cached; each thread keeps at most kCacheBytes.
#include "autograd/allocator.h"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace sg {

namespace {
constexpr size_t kSmallest = 64;                // bytes; also the alignment
constexpr size_t kLargest = size_t(1) << 28;    // 256 MiB
constexpr size_t kCacheBytes = size_t(1) << 30; // per thread

// The size class of `bytes`, and the size every buffer of that class really has.
struct SizeClass {
  size_t index, bytes;
};
SizeClass size_class(size_t bytes) {
  if (bytes <= kSmallest) return {0, kSmallest};
  const int power = std::bit_width(bytes - 1) - 1;  // 2^power < bytes <= 2^(power + 1)
  const size_t quarter = size_t(1) << (power - 2);
  const size_t steps = (bytes - (size_t(1) << power) + quarter - 1) / quarter;  // 1..4
  const size_t rounded = (size_t(1) << power) + steps * quarter;
  return {size_t(power - 6) * 4 + steps, rounded};  // power 6 (64 bytes) starts the table
}

struct Cache {
  std::vector<std::vector<void*>> free_lists;
  size_t cached_bytes = 0;
  ~Cache() {
    for (auto& list : free_lists)
      for (void* p : list) std::free(p);
  }
};
thread_local Cache cache;
}  // namespace

void* allocate_buffer(size_t bytes) {
  const SizeClass c = size_class(bytes);
  if (c.bytes <= kLargest && c.index < cache.free_lists.size() && !cache.free_lists[c.index].empty()) {
    void* p = cache.free_lists[c.index].back();
    cache.free_lists[c.index].pop_back();
    cache.cached_bytes -= c.bytes;
    return p;
  }
  // aligned_alloc wants a size that is a multiple of the alignment; the small classes (80, 96, ...) are not.
  void* p = std::aligned_alloc(kSmallest, (c.bytes + kSmallest - 1) / kSmallest * kSmallest);
  if (!p) throw std::bad_alloc();
  return p;
}

void free_buffer(void* data, size_t bytes) {
  if (!data) return;
  const SizeClass c = size_class(bytes);
  if (c.bytes > kLargest || cache.cached_bytes + c.bytes > kCacheBytes) {
    std::free(data);
    return;
  }
  if (cache.free_lists.size() <= c.index) cache.free_lists.resize(c.index + 1);
  cache.free_lists[c.index].push_back(data);
  cache.cached_bytes += c.bytes;
}

}  // namespace sg

// ---- blocks for small records ----
// Sizes are rounded up to a multiple of 64 bytes; each class keeps a singly linked list of free blocks,
// the link stored in the free block itself, so handing one out or taking one back is a few instructions.
// Blocks are interchangeable plain memory, so a block freed on another thread simply joins that thread's
// list. Records above kLargestBlock (a node with a large lambda) go to malloc.
namespace sg {

namespace {
constexpr size_t kBlockAlign = 64;
constexpr size_t kLargestBlock = 1024;
constexpr size_t kBlockClasses = kLargestBlock / kBlockAlign;
constexpr size_t kMaxFreeBlocks = 1 << 14;  // per class and thread: a long graph's nodes are not kept forever

struct FreeBlock {
  FreeBlock* next;
};

// Plain data, so the compiler reaches it without an initialisation check on every call.
struct BlockCache {
  FreeBlock* head[kBlockClasses];
  size_t count[kBlockClasses];
  bool armed;  // the reaper below is registered for this thread, so blocks may be kept
  bool gone;   // this thread is exiting and its lists were freed: blocks go straight to the system
};
thread_local BlockCache block_cache{};

// Frees the thread's lists when the thread ends. Touching it registers its destructor, which costs a
// check on every access, so it is touched once per thread, before the thread first keeps a block.
struct BlockCacheReaper {
  bool touched = false;
  ~BlockCacheReaper() {
    for (size_t c = 0; c < kBlockClasses; ++c)
      while (FreeBlock* block = block_cache.head[c]) {
        block_cache.head[c] = block->next;
        std::free(block);
      }
    block_cache.armed = false;
    block_cache.gone = true;
  }
};
thread_local BlockCacheReaper block_cache_reaper;

void arm_block_cache() {
  if (block_cache.armed || block_cache.gone) return;
  block_cache_reaper.touched = true;
  block_cache.armed = true;
}

size_t block_class(size_t bytes) { return (bytes - 1) / kBlockAlign; }  // 1..64 bytes: class 0
}  // namespace

// The fast paths (a list has a block / has room) are kept apart from the rest, so that they compile to a
// handful of instructions without saving and restoring registers for the calls on the slow paths.
namespace {
[[gnu::noinline]] void* allocate_block_slow(size_t c) {
  void* p = std::aligned_alloc(kBlockAlign, (c + 1) * kBlockAlign);
  if (!p) throw std::bad_alloc();
  return p;
}

[[gnu::noinline]] void free_block_slow(void* p, size_t c) {
  BlockCache& cache = block_cache;
  arm_block_cache();
  if (c < kBlockClasses && cache.armed && cache.count[c] < kMaxFreeBlocks) {
    cache.head[c] = new (p) FreeBlock{cache.head[c]};
    ++cache.count[c];
    return;
  }
  std::free(p);
}
}  // namespace

void* allocate_block(size_t bytes) {
  const size_t c = block_class(bytes);
  BlockCache& cache = block_cache;
  if (c < kBlockClasses && cache.head[c]) [[likely]] {
    FreeBlock* block = cache.head[c];
    cache.head[c] = block->next;
    --cache.count[c];
    return block;
  }
  return allocate_block_slow(c);
}

void free_block(void* p, size_t bytes) {
  const size_t c = block_class(bytes);
  BlockCache& cache = block_cache;
  if (c < kBlockClasses && cache.armed && cache.count[c] < kMaxFreeBlocks) [[likely]] {
    cache.head[c] = new (p) FreeBlock{cache.head[c]};
    ++cache.count[c];
    return;
  }
  free_block_slow(p, c);
}

}  // namespace sg
