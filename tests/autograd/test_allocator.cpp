// The caches behind every op: tensor buffers, the blocks that hold tensor handles, storage records and
// graph nodes, the inline buffer of tiny tensors, and the inline lists of a node. Reused memory must come
// back clean: no gradient, graph or version count of a dead tensor may show up in a new one.
#include <thread>

#include "autograd/allocator.h"
#include "autograd/small_vector.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(allocator)

namespace {
bool aligned_64(const void* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }
}  // namespace

BOOST_AUTO_TEST_CASE(a_freed_block_is_handed_out_again_for_the_same_size_class) {
  void* a = allocate_block(100);
  BOOST_TEST(aligned_64(a));
  free_block(a, 100);
  void* b = allocate_block(128);  // 100 and 128 bytes share the 65..128 class
  BOOST_TEST(b == a);
  free_block(b, 128);
  void* big = allocate_block(5000);  // above the largest class: plain aligned malloc
  BOOST_TEST(aligned_64(big));
  free_block(big, 5000);
}

BOOST_AUTO_TEST_CASE(blocks_freed_on_another_thread_are_reused_there_safely) {
  std::vector<Tensor> made;
  for (int i = 0; i < 100; ++i) made.push_back(full({3}, double(i)).requires_grad_());
  std::thread([&] {
    made.clear();  // every handle, storage record and buffer is freed on this thread
    for (int i = 0; i < 100; ++i) BOOST_TEST(full({3}, double(i)).sum().item() == 3.0 * i);
  }).join();
  for (int i = 0; i < 100; ++i) BOOST_TEST(full({3}, double(i)).sum().item() == 3.0 * i);
}

BOOST_AUTO_TEST_CASE(tiny_tensors_keep_their_data_inline_and_aligned) {
  for (int64_t n : {0, 1, 15, 16, 17, 1000}) {
    Tensor t = arange(double(n));
    BOOST_TEST(aligned_64(t.impl().storage->data));
    BOOST_TEST(t.numel() == n);
    for (int64_t i = 0; i < n; ++i) BOOST_TEST(t.at({i}) == double(i));
  }
  // 16 floats (64 bytes) fit inside the storage record; 17 do not.
  const Tensor inline_t = zeros({16}), outside = zeros({17});
  auto inside_record = [](const Tensor& t) {
    const auto* record = reinterpret_cast<const std::byte*>(t.impl().storage.get());
    const auto* data = static_cast<const std::byte*>(t.impl().storage->data);
    return data > record && data < record + sizeof(Storage);
  };
  BOOST_TEST(inside_record(inline_t));
  BOOST_TEST(!inside_record(outside));
}

BOOST_AUTO_TEST_CASE(a_reused_tensor_record_carries_no_grad_graph_or_version) {
  for (int i = 0; i < 1000; ++i) {
    {
      Tensor leaf = ones({2, 2}).requires_grad_();
      (leaf * 3.0).sum().backward();
      Tensor modified = zeros({2, 2});
      modified += 1.0;  // version 1
    }
    // Same sizes as the tensors just freed, so the records and buffers come straight back.
    Tensor fresh = empty({2, 2});
    BOOST_TEST(!fresh.requires_grad());
    BOOST_TEST(fresh.is_leaf());
    BOOST_TEST(!fresh.grad().defined());
    BOOST_TEST(fresh.impl().storage->version == 0u);
  }
}

BOOST_AUTO_TEST_CASE(gradients_stay_right_over_many_reuses_of_nodes_and_buffers) {
  Tensor a = tensor({1.0, -2.0, 3.0}, kFloat64).requires_grad_();
  Tensor b = tensor({0.5, 4.0, -1.0}, kFloat64).requires_grad_();
  for (int i = 0; i < 5000; ++i) {
    a.zero_grad();
    b.zero_grad();
    // y = sum(relu(a * b + a) * b)      da = relu'(.) * (b + 1) * b      db = relu'(.) * (a * b + a + a * b)
    Tensor y = (relu(a * b + a) * b).sum();
    y.backward();
    BOOST_TEST(y.item() == 0.5 * 1.5);
    BOOST_TEST(all_close(a.grad(), tensor({0.75, 0.0, 0.0}, kFloat64)));
    BOOST_TEST(all_close(b.grad(), tensor({2.0, 0.0, 0.0}, kFloat64)));
  }
}

BOOST_AUTO_TEST_CASE(saved_tensors_changed_in_place_are_still_caught_after_reuse) {
  for (int i = 0; i < 100; ++i) {
    Tensor a = ones({3}).requires_grad_();
    Tensor b = full({3}, 2.0);
    Tensor y = (a * b).sum();
    b += 1.0;
    BOOST_CHECK_THROW(y.backward(), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_CASE(a_small_vector_spills_to_the_heap_and_back_keeping_its_values) {
  SmallVector<Tensor, 3> v;
  const Tensor t = ones({1});
  for (int i = 0; i < 10; ++i) v.push_back(full({1}, double(i)));
  BOOST_TEST(v.size() == 10u);
  for (int i = 0; i < 10; ++i) BOOST_TEST(v[size_t(i)].item() == double(i));
  SmallVector<Tensor, 3> moved = std::move(v);
  BOOST_TEST(moved.size() == 10u);
  BOOST_TEST(moved[9].item() == 9.0);
  moved.clear();
  BOOST_TEST(moved.empty());
  SmallVector<Tensor, 3> few{t, t};
  BOOST_TEST(t.impl_ptr().use_count() == 3);
  few.clear();  // releases the handles at once
  BOOST_TEST(t.impl_ptr().use_count() == 1);
}

BOOST_AUTO_TEST_CASE(ops_with_more_inputs_than_fit_inline_still_get_every_gradient) {
  std::vector<Tensor> parts;
  for (int i = 0; i < 6; ++i) parts.push_back(full({2}, double(i), kFloat64).requires_grad_());
  (cat(parts, 0) * arange(12.0, kFloat64)).sum().backward();
  for (int i = 0; i < 6; ++i) BOOST_TEST(all_close(parts[size_t(i)].grad(), tensor({2.0 * i, 2.0 * i + 1}, kFloat64)));
}

BOOST_AUTO_TEST_SUITE_END()
