// batch_norm: values, running statistics and gradients against PyTorch's F.batch_norm, gradients against
// finite differences in training and evaluation, with and without weight and bias, the fast kernels against
// the reference ones, float32 statistics as accurate as float64's, shape errors, and 1 vs 2 threads.
#include <array>
#include <cmath>
#include <type_traits>

#include "autograd/kernels/batch_norm.h"
#include "tests/testing.h"

using namespace sg;
using namespace sg::testing;

BOOST_AUTO_TEST_SUITE(batch_norm_op)

namespace {

// The fixture's (3, 2, 2, 2) input, its gradient dy, and the parameters, as in the torch script below.
const std::vector<double> kX{0.3,  -1.2, 2.5, 0.7,  -0.4, 1.1,  -2.0, 0.9,  1.6, -0.8, 0.2, -1.5,
                             2.2,  0.05, -0.6, 1.3, -0.9, 0.4,  1.8,  -0.3, 0.6, -1.7, 1.0, 2.4};
const std::vector<double> kDy{0.5,  -0.25, 1.0,  0.75, -1.25, 0.3,  0.1, -0.6, 0.9,  -0.45, 0.2, 1.1,
                              -0.7, 0.35,  -0.15, 0.8, -0.5,  1.2,  -0.9, 0.05, 0.65, -1.0,  0.4, -0.2};

struct Expected {
  std::vector<double> y, running_mean, running_var, dx, dw, db;
};

// Runs batch_norm on the fixture in float64 and checks each result against PyTorch's.
void check_against_torch(bool training, const Expected& e) {
  const Tensor x = tensor(kX, {3, 2, 2, 2}).requires_grad_();
  const Tensor w = tensor({0.5, -1.5}, kFloat64).requires_grad_(), b = tensor({0.25, -0.75}, kFloat64).requires_grad_();
  const Tensor running_mean = tensor({0.1, -0.2}, kFloat64), running_var = tensor({1.5, 0.5}, kFloat64);
  const Tensor y = batch_norm(x, running_mean, running_var, w, b, training, 0.1, 1e-5);
  y.backward(tensor(kDy, {3, 2, 2, 2}));
  BOOST_TEST(all_close(y, tensor(e.y, {3, 2, 2, 2}), 1e-13, 1e-12));
  BOOST_TEST(all_close(running_mean, tensor(e.running_mean, {2}), 1e-15, 1e-14));
  BOOST_TEST(all_close(running_var, tensor(e.running_var, {2}), 1e-15, 1e-14));
  BOOST_TEST(all_close(x.grad(), tensor(e.dx, {3, 2, 2, 2}), 1e-13, 1e-12));
  BOOST_TEST(all_close(w.grad(), tensor(e.dw, {2}), 1e-13, 1e-12));
  BOOST_TEST(all_close(b.grad(), tensor(e.db, {2}), 1e-13, 1e-12));
}

// The kernels' inputs for one case: x (off-centre, not of unit spread) and dy of (N, C, S), w and b of (C).
template <class T>
struct KernelCase {
  std::vector<T> x, dy, w, b;
  KernelCase(int64_t N, int64_t C, int64_t S) {
    const Dtype dtype = std::is_same_v<T, float> ? kFloat32 : kFloat64;
    x = add(mul(randn({N * C * S}, dtype), 3.0), 2.0).template to_vector<T>();
    dy = randn({N * C * S}, dtype).template to_vector<T>();
    w = randn({C}, dtype).template to_vector<T>();
    b = randn({C}, dtype).template to_vector<T>();
  }
};

template <class T>
Tensor as_tensor(const std::vector<T>& v) {
  return tensor(v, {int64_t(v.size())});
}

}  // namespace

// Fixtures from torch 1.13, float64:
//   x = the 24 values of kX as (3, 2, 2, 2); w = [0.5, -1.5]; b = [0.25, -0.75]
//   rm = [0.1, -0.2]; rv = [1.5, 0.5]
//   y = F.batch_norm(x, rm, rv, w, b, training=..., momentum=0.1, eps=1e-5); y.backward(dy)
// printed: y, rm, rv (after the call), x.grad, w.grad, b.grad.
BOOST_AUTO_TEST_CASE(training_matches_torch_values_running_stats_and_gradients) {
  check_against_torch(
      true,
      {.y = {0.27767642971011897, -0.34504323876755727, 1.1909986101440442, 0.4437350079708326, 0.15919324014857325,
             -1.536711249247729, 1.968158028837962, -1.3105906506615552, 0.8173668090574384, -0.17898466050684364,
             0.23616178514494054, -0.46958717246309256, -2.780374541471684, -0.3495781066703174, 0.38531383873474684,
             -1.7628318478339025, -0.22049930507202206, 0.31919107427529736, 0.9003960981877952, 0.02858856231904846,
             -0.9714097527822948, 1.6289771309587018, -1.4236509499546421, -3.0064951400578575},
       .running_mean = {0.11333333333333334, -0.13958333333333334},
       .running_var = {1.5082424242424244, 0.6420208333333334},
       .dx = {0.07965853310806292, -0.15585929062916207, 0.17599680719825567, 0.16322060838724545, 1.1946580691553792,
              -0.37849716471311257, -0.5228873368206031, 0.6151416082347547, 0.1799873689340452, -0.25911311589328234,
              -0.03982926655403145, 0.4197568131010692, 0.8835773920122814, -0.5605228979817035, -0.07290914375848942,
              -0.9198947404886328, -0.27481430414243074, 0.3652049110308709, -0.5773885013060481, -0.07682056323459469,
              -0.8339680139637009, 0.7566318364382225, -0.5035094243511564, 0.3421798162367611},
       .dw = {1.760220929563565, 1.6830281775323672},
       .db = {3.6, -1.2999999999999998}});
}

BOOST_AUTO_TEST_CASE(evaluation_matches_torch_values_and_gradients_and_leaves_running_stats) {
  check_against_torch(
      false,
      {.y = {0.33164938592860643, -0.28072100853594184, 1.2297926311432774, 0.4949481577858193, -0.32574017386512005,
             -3.50768886987672, 3.06833843521392, -3.0834290437418397, 0.8623703944645483, -0.11742223667872902,
             0.29082469296430324, -0.4031950874288516, -5.84111791361856, -1.2803247826686, 0.09851965226975982,
             -3.9319486960115997, -0.15824692964303222, 0.3724740788929097, 0.9440197803931548, 0.08670122814278712,
             -2.44703930453952, 2.4319486960115997, -3.2955589568092796, -6.265377739753439},
       .running_mean = {0.1, -0.2},
       .running_var = {1.5, 0.5},
       .dx = {0.2041234648215161, -0.10206173241075805, 0.4082469296430322, 0.30618519723227416, 2.651623913343,
              -0.63638973920232, -0.21212991306744, 1.27277947840464, 0.36742223667872903, -0.18371111833936452,
              0.08164938592860645, 0.44907162260733546, 1.48490939147208, -0.74245469573604, 0.31819486960116,
              -1.69703930453952, -0.2041234648215161, 0.48989631557163865, -0.36742223667872903, 0.02041234648215161,
              -1.37884443493836, 2.1212991306744, -0.84851965226976, 0.42425982613488},
       .dw = {2.122884034143767, 2.047053661100796},
       .db = {3.6, -1.2999999999999998}});
}

BOOST_AUTO_TEST_CASE(grad_matches_finite_differences_in_training_and_evaluation_with_and_without_affine) {
  manual_seed(2);
  const Tensor running_mean = tensor({0.2, -0.1, 0.4}, kFloat64), running_var = tensor({0.8, 1.3, 0.6}, kFloat64);
  for (bool training : {true, false}) {
    BOOST_TEST_CONTEXT("training " << training) {
      auto affine = [&](In in) { return batch_norm(in[0], running_mean, running_var, in[1], in[2], training); };
      BOOST_TEST(passes_gradcheck(affine, {uniform64({2, 3, 2, 3}), uniform64({3}, 0.5, 1.5), uniform64({3})}));
      auto plain = [&](In in) { return batch_norm(in[0], running_mean, running_var, Tensor(), Tensor(), training); };
      BOOST_TEST(passes_gradcheck(plain, {uniform64({4, 3})}));
      BOOST_TEST(passes_gradcheck(plain, {uniform64({2, 3, 5})}));
    }
  }
  // Batch statistics without running ones, and a weight without a bias.
  BOOST_TEST(passes_gradcheck([](In in) { return batch_norm(in[0], Tensor(), Tensor(), in[1], Tensor(), true); },
                              {uniform64({3, 2, 4}), uniform64({2}, 0.5, 1.5)}));
}

BOOST_AUTO_TEST_CASE(fast_kernels_match_the_reference) {
  manual_seed(3);
  // S = 1 ((N, C) inputs), S not a multiple of the lanes, a plane large enough for several channel chunks.
  const std::vector<std::array<int64_t, 3>> shapes{{5, 3, 1}, {2, 4, 13}, {3, 2, 64}, {4, 16, 1024}};
  auto check = [&]<class T>(T, double tolerance) {
    for (const auto& [N, C, S] : shapes)
      for (bool affine : {true, false})
        for (bool training : {true, false}) {
          BOOST_TEST_CONTEXT(fmt::format("(N, C, S) ({}, {}, {}), {}, affine {}, training {}", N, C, S,
                                         sizeof(T) == 4 ? "float32" : "float64", affine, training)) {
            const KernelCase<T> k(N, C, S);
            const T* w = affine ? k.w.data() : nullptr;
            const T* b = affine ? k.b.data() : nullptr;
            std::vector<T> mean(C), var(C), mean_ref(C), var_ref(C), rstd(C);
            kernels::fast::batch_norm_stats(mean.data(), var.data(), k.x.data(), N, C, S);
            kernels::reference::batch_norm_stats(mean_ref.data(), var_ref.data(), k.x.data(), N, C, S);
            BOOST_TEST(all_close(as_tensor(mean), as_tensor(mean_ref), tolerance, tolerance));
            BOOST_TEST(all_close(as_tensor(var), as_tensor(var_ref), tolerance, tolerance));
            for (int64_t c = 0; c < C; ++c) rstd[c] = T(1 / std::sqrt(double(var_ref[c]) + 1e-5));
            const T* m = mean_ref.data();
            std::vector<T> y(k.x.size()), y_ref(k.x.size());
            kernels::fast::batch_norm_forward(y.data(), k.x.data(), m, rstd.data(), w, b, N, C, S);
            kernels::reference::batch_norm_forward(y_ref.data(), k.x.data(), m, rstd.data(), w, b, N, C, S);
            BOOST_TEST(all_close(as_tensor(y), as_tensor(y_ref), tolerance, tolerance));
            std::vector<T> dx(k.x.size()), dx_ref(k.x.size()), dw(C), dw_ref(C), db(C), db_ref(C);
            kernels::fast::batch_norm_backward(dx.data(), dw.data(), db.data(), k.dy.data(), k.x.data(), m,
                                               rstd.data(), w, N, C, S, training);
            kernels::reference::batch_norm_backward(dx_ref.data(), dw_ref.data(), db_ref.data(), k.dy.data(),
                                                    k.x.data(), m, rstd.data(), w, N, C, S, training);
            BOOST_TEST(all_close(as_tensor(dx), as_tensor(dx_ref), tolerance, tolerance));
            BOOST_TEST(all_close(as_tensor(dw), as_tensor(dw_ref), tolerance, tolerance));
            BOOST_TEST(all_close(as_tensor(db), as_tensor(db_ref), tolerance, tolerance));
            // Gradients left out (null) are skipped, and dx does not depend on whether they are wanted.
            std::vector<T> only_dx(k.x.size());
            kernels::fast::batch_norm_backward(only_dx.data(), static_cast<T*>(nullptr), static_cast<T*>(nullptr),
                                               k.dy.data(), k.x.data(), m, rstd.data(), w, N, C, S, training);
            BOOST_TEST(all_close(as_tensor(only_dx), as_tensor(dx), 0, 0));
          }
        }
  };
  check(double(), 1e-12);
  check(float(), 2e-5);
}

// Float32 channels of 131,072 values around 100 (a CIFAR batch's first layer, uncentred): their mean and
// variance must be the exact ones (a long double loop here), rounded. Summed in float32 they drift by up to
// about 1e-6 relative.
BOOST_AUTO_TEST_CASE(float32_statistics_of_large_channels_are_the_exact_ones_rounded) {
  manual_seed(4);
  const int64_t N = 128, C = 4, S = 32 * 32;
  const Tensor x = add(mul(rand({N, C, 32, 32}), 4.0), 100.0);
  const std::vector<float> v = x.to_vector<float>();
  std::vector<double> mean(C), var(C);
  for (int64_t c = 0; c < C; ++c) {
    long double total = 0, squares = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) total += v[(n * C + c) * S + s];
    const long double m = total / (N * S);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) squares += (v[(n * C + c) * S + s] - m) * (v[(n * C + c) * S + s] - m);
    mean[c] = double(m);
    var[c] = double(squares / (N * S - 1));  // unbiased, as the running variance takes it
  }
  Tensor running_mean = zeros({C}), running_var = zeros({C});
  batch_norm(x, running_mean, running_var, Tensor(), Tensor(), true, 1.0);  // momentum 1: the batch's statistics
  BOOST_TEST(all_close(running_mean, tensor(mean, {C}), 0, 1e-7));
  BOOST_TEST(all_close(running_var, tensor(var, {C}), 0, 3e-7));
}

BOOST_AUTO_TEST_CASE(one_and_two_threads_give_identical_bits_forward_and_backward) {
  manual_seed(5);
  // 8192 values a channel: two chunks of 3 channels, one per thread.
  const Tensor x = randn({8, 6, 32, 32}), w = randn({6}), b = randn({6}), dy = randn({8, 6, 32, 32});
  for (bool training : {true, false}) {
    auto run = [&](int threads) {
      ThreadCount count(threads);
      Tensor running_mean = zeros({6}), running_var = ones({6});
      std::vector<Tensor> in = {x.detach().requires_grad_(), w.detach().requires_grad_(), b.detach().requires_grad_()};
      Tensor y = batch_norm(in[0], running_mean, running_var, in[1], in[2], training);
      y.backward(dy);
      return std::vector<Tensor>{y, in[0].grad(), in[1].grad(), in[2].grad(), running_mean, running_var};
    };
    const auto one = run(1), two = run(2);
    for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bitwise_equal(one[i], two[i]), "training " << training << ", tensor " << i);
  }
}

BOOST_AUTO_TEST_CASE(refuses_wrong_shapes_dtypes_and_missing_statistics_naming_the_op_and_shapes) {
  const Tensor x = ones({2, 3, 4, 4});
  BOOST_TEST(throws_with([&] { batch_norm(x, Tensor(), Tensor(), ones({4}), Tensor(), true); },
                         {"batch_norm:", "weight must have shape [3]", "input [2, 3, 4, 4]", "got weight [4]"}));
  BOOST_TEST(throws_with([&] { batch_norm(x, zeros({2}), ones({2}), Tensor(), Tensor(), false); },
                         {"batch_norm:", "running_mean must have shape [3]", "input [2, 3, 4, 4]", "got running_mean [2]"}));
  BOOST_TEST(throws_with([&] { batch_norm(x, zeros({3}), ones({3}), Tensor(), zeros({3}, kFloat64), true); },
                         {"batch_norm:", "bias", "dtype float32", "got bias [3] float64"}));
  BOOST_TEST(throws_with([&] { batch_norm(ones({3}), Tensor(), Tensor(), Tensor(), Tensor(), true); },
                         {"batch_norm:", "(N, C, ...)", "[3]"}));
  BOOST_TEST(throws_with([&] { batch_norm(ones({2, 3}, kInt64), Tensor(), Tensor(), Tensor(), Tensor(), true); },
                         {"batch_norm:", "float input", "int64"}));
  BOOST_TEST(throws_with([&] { batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), false); },
                         {"batch_norm:", "evaluation mode", "[2, 3, 4, 4]"}));
  BOOST_TEST(throws_with([&] { batch_norm(x, zeros({3}), Tensor(), Tensor(), Tensor(), true); },
                         {"batch_norm:", "both given or both undefined", "only running_mean"}));
  BOOST_TEST(throws_with([&] { batch_norm(ones({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true); },
                         {"batch_norm:", "more than 1 value per channel", "[1, 3]"}));
  // One value per channel is fine in evaluation, where the statistics are the running ones.
  BOOST_TEST(all_close(batch_norm(ones({1, 3}), zeros({3}), ones({3}), Tensor(), Tensor(), false),
                       full({1, 3}, 1 / std::sqrt(1 + 1e-5)), 1e-7));
}

BOOST_AUTO_TEST_SUITE_END()
