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

// Both caches are plain data in thread_local storage, with no destructor of their own: a program may free
// a tensor after this thread's thread_local objects were destroyed (a Tensor in a global or a static is
// destroyed after them, at exit), and a cache with a destructor would then be used after its end. One
// small reaper object per thread returns the cached memory at thread exit and marks the caches gone, so
// every later free goes straight to the system.
namespace {
constexpr size_t kSmallest = 64;                // bytes; also the alignment
constexpr size_t kLargest = size_t(1) << 28;    // 256 MiB
constexpr size_t kCacheBytes = size_t(1) << 30; // per thread

// The size class of `bytes`, and the size every buffer of that class really has.
struct SizeClass {
  size_t index, bytes;
};
constexpr SizeClass size_class(size_t bytes) {
  if (bytes <= kSmallest) return {0, kSmallest};
  const int power = std::bit_width(bytes - 1) - 1;  // 2^power < bytes <= 2^(power + 1)
  const size_t quarter = size_t(1) << (power - 2);
  const size_t steps = (bytes - (size_t(1) << power) + quarter - 1) / quarter;  // 1..4
  const size_t rounded = (size_t(1) << power) + steps * quarter;
  return {size_t(power - 6) * 4 + steps, rounded};  // power 6 (64 bytes) starts the table
}
constexpr size_t kBufferClasses = size_class(kLargest).index + 1;

// A free buffer or block holds the link to the next one of its class in its own first bytes.
struct FreeLink {
  FreeLink* next;
};

struct BufferCache {
  FreeLink* head[kBufferClasses];
  size_t cached_bytes;
};
thread_local BufferCache buffer_cache{};

// Shared with the block cache below: whether this thread may keep memory in its caches.
struct CacheState {
  bool armed;  // the reaper is registered for this thread, so what is kept is given back at thread exit
  bool gone;   // this thread's reaper has run: nothing may be kept any more
};
thread_local CacheState cache_state{};

void reap_buffers() {
  for (FreeLink*& head : buffer_cache.head)
    while (FreeLink* buffer = head) {
      head = buffer->next;
      std::free(buffer);
    }
  buffer_cache.cached_bytes = 0;
}
void reap_blocks();

// Frees the thread's caches when the thread ends. Touching it registers its destructor, which costs a
// check on every access, so it is touched once per thread, before the thread first keeps anything.
struct CacheReaper {
  bool touched = false;
  ~CacheReaper() {
    reap_buffers();
    reap_blocks();
    cache_state.armed = false;
    cache_state.gone = true;
  }
};
thread_local CacheReaper cache_reaper;

// Whether this thread may keep a freed buffer or block: arms the reaper on the first call.
[[gnu::noinline]] bool arm_caches() {
  if (cache_state.gone) return false;
  cache_reaper.touched = true;
  cache_state.armed = true;
  return true;
}
}  // namespace

void* allocate_buffer(size_t bytes) {
  const SizeClass c = size_class(bytes);
  if (c.index < kBufferClasses && buffer_cache.head[c.index]) {
    FreeLink* buffer = buffer_cache.head[c.index];
    buffer_cache.head[c.index] = buffer->next;
    buffer_cache.cached_bytes -= c.bytes;
    return buffer;
  }
  // aligned_alloc wants a size that is a multiple of the alignment; the small classes (80, 96, ...) are not.
  void* p = std::aligned_alloc(kSmallest, (c.bytes + kSmallest - 1) / kSmallest * kSmallest);
  if (!p) throw std::bad_alloc();
  return p;
}

void free_buffer(void* data, size_t bytes) {
  if (!data) return;
  const SizeClass c = size_class(bytes);
  if (c.index >= kBufferClasses || buffer_cache.cached_bytes + c.bytes > kCacheBytes ||
      !(cache_state.armed || arm_caches())) {
    std::free(data);
    return;
  }
  buffer_cache.head[c.index] = new (data) FreeLink{buffer_cache.head[c.index]};
  buffer_cache.cached_bytes += c.bytes;
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

// Plain data, so the compiler reaches it without an initialisation check on every call.
struct BlockCache {
  FreeLink* head[kBlockClasses];
  size_t count[kBlockClasses];
};
thread_local BlockCache block_cache{};

void reap_blocks() {
  for (size_t c = 0; c < kBlockClasses; ++c) {
    while (FreeLink* block = block_cache.head[c]) {
      block_cache.head[c] = block->next;
      std::free(block);
    }
    block_cache.count[c] = 0;
  }
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
  if (c < kBlockClasses && cache.count[c] < kMaxFreeBlocks && (cache_state.armed || arm_caches())) {
    cache.head[c] = new (p) FreeLink{cache.head[c]};
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
    FreeLink* block = cache.head[c];
    cache.head[c] = block->next;
    --cache.count[c];
    return block;
  }
  return allocate_block_slow(c);
}

void free_block(void* p, size_t bytes) {
  const size_t c = block_class(bytes);
  BlockCache& cache = block_cache;
  if (c < kBlockClasses && cache_state.armed && cache.count[c] < kMaxFreeBlocks) [[likely]] {
    cache.head[c] = new (p) FreeLink{cache.head[c]};
    ++cache.count[c];
    return;
  }
  free_block_slow(p, c);
}

}  // namespace sg
