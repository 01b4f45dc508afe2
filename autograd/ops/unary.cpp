// Elementwise ops of one tensor (and a scalar). Each states its forward and its derivative as two small
// formulas; `unary` runs the first over x and records the second, dx = f'(x, y) * dy, for backward.
// A third formula says the same derivative with ops, for a backward that is itself recorded
// (create_graph): its result can be differentiated again, to any order.
#include <cmath>
#include <numbers>
#include <type_traits>

#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace sg {

namespace {
// What a derivative reads besides dy: the node keeps only that alive until backward.
enum class Saves { nothing, x, y, x_and_y };

// y = fwd(x) elementwise; backward dx = bwd(x, y, dy) elementwise, with the x and y that `saves` names
// kept by the node (the others reach bwd as dy's values, unread). With grad mode on in backward
// (create_graph), dx = bwd_ops(x, y, dy) instead: the same formula in ops, recorded, where x and y are
// the op's input and output in the graph (an undefined Tensor for one not saved).
template <class Fwd, class Bwd, class BwdOps>
Tensor unary(const char* op, const Tensor& x, Saves saves, Fwd fwd, Bwd bwd, BwdOps bwd_ops) {
  Tensor y = empty_like(x);
  dispatch(x.dtype(), op,
           [&]<class T> { kernels::map(y.data<T>(), x.data<T>(), x.numel(), [&](T v) { return T(fwd(v)); }); });
  const bool keeps_x = saves == Saves::x || saves == Saves::x_and_y;
  const bool keeps_y = saves == Saves::y || saves == Saves::x_and_y;
  auto backward = [bwd, bwd_ops, keeps_x, keeps_y](const Node& node, const Tensor& dy) {
    const Tensor x = keeps_x ? node.saved(0) : Tensor(), y = keeps_y ? node.saved(keeps_x ? 1 : 0) : Tensor();
    if (GradMode::is_enabled()) return Grads{bwd_ops(x, y, dy)};
    Tensor dx = empty_like(dy);
    dispatch(dy.dtype(), "backward", [&]<class T> {
      const T* dy_values = dy.data<T>();
      kernels::map3(dx.data<T>(), keeps_x ? x.data<T>() : dy_values, keeps_y ? y.data<T>() : dy_values, dy_values,
                    dy.numel(), [&](T xv, T yv, T dyv) { return T(bwd(xv, yv, dyv)); });
    });
    return Grads{dx};
  };
  if (saves == Saves::nothing) return record(op, {x}, y, {}, std::move(backward));
  if (saves == Saves::x) return record(op, {x}, y, {x}, std::move(backward));
  if (saves == Saves::y) return record(op, {x}, y, {y}, std::move(backward));
  return record(op, {x}, y, {x, y}, std::move(backward));
}
template <class T>
using Scalar = std::decay_t<T>;
using Ops = const Tensor&;  // the parameters of a derivative written with ops: (x, y, dy)
Tensor zero_of(const Tensor& like) { return zeros({}, like.dtype()); }
}  // namespace

// ---- scalar arithmetic -----------------------------------------------------
// y = x + v        dx = dy
Tensor add(const Tensor& x, double v) {
  return unary(
      "add", x, Saves::nothing, [v](auto x) { return x + Scalar<decltype(x)>(v); },
      [](auto, auto, auto dy) { return dy; }, [](Ops, Ops, Ops dy) { return dy; });
}
// y = x * v        dx = dy * v
Tensor mul(const Tensor& x, double v) {
  return unary(
      "mul", x, Saves::nothing, [v](auto x) { return x * Scalar<decltype(x)>(v); },
      [v](auto, auto, auto dy) { return dy * Scalar<decltype(dy)>(v); }, [v](Ops, Ops, Ops dy) { return mul(dy, v); });
}
// y = x / v        dx = dy / v
Tensor div(const Tensor& x, double v) {
  return unary(
      "div", x, Saves::nothing, [v](auto x) { return x / Scalar<decltype(x)>(v); },
      [v](auto, auto, auto dy) { return dy / Scalar<decltype(dy)>(v); }, [v](Ops, Ops, Ops dy) { return div(dy, v); });
}
// y = v - x        dx = -dy
Tensor rsub(const Tensor& x, double v) {
  return unary(
      "rsub", x, Saves::nothing, [v](auto x) { return Scalar<decltype(x)>(v) - x; },
      [](auto, auto, auto dy) { return -dy; }, [](Ops, Ops, Ops dy) { return neg(dy); });
}
// y = v / x        dx = -dy * v / x^2 = -dy * y / x
Tensor rdiv(const Tensor& x, double v) {
  return unary(
      "rdiv", x, Saves::x_and_y, [v](auto x) { return Scalar<decltype(x)>(v) / x; },
      [](auto x, auto y, auto dy) { return -dy * y / x; },
      [](Ops x, Ops y, Ops dy) { return neg(div(mul(dy, y), x)); });
}
// y = -x           dx = -dy
Tensor neg(const Tensor& x) {
  return unary(
      "neg", x, Saves::nothing, [](auto x) { return -x; }, [](auto, auto, auto dy) { return -dy; },
      [](Ops, Ops, Ops dy) { return neg(dy); });
}

// ---- powers, exponentials ----------------------------------------------------
// y = x^p          dx = dy * p * x^(p-1)
Tensor pow(const Tensor& x, double p) {
  return unary(
      "pow", x, Saves::x, [p](auto x) { return std::pow(x, Scalar<decltype(x)>(p)); },
      [p](auto x, auto, auto dy) {
        using T = Scalar<decltype(x)>;
        return p == 0 ? T(0) : dy * T(p) * std::pow(x, T(p - 1));
      },
      [p](Ops x, Ops, Ops dy) { return p == 0 ? zeros_like(dy) : mul(dy, mul(pow(x, p - 1), p)); });
}
// y = base^x       dx = dy * y * ln(base)      (0 where base == 0 and x >= 0, as in PyTorch)
// At base 0, y is 0 for x > 0 (slope 0) and 1 at x == 0, where y * ln 0 would be NaN and -inf.
Tensor pow(double base, const Tensor& x) {
  return unary(
      "pow", x, Saves::x_and_y, [base](auto x) { return std::pow(Scalar<decltype(x)>(base), x); },
      [base](auto x, auto y, auto dy) {
        using T = Scalar<decltype(x)>;
        return base == 0 && x >= 0 ? T(0) : dy * y * std::log(T(base));
      },
      [base](Ops x, Ops y, Ops dy) {
        const Tensor dx = mul(mul(dy, y), std::log(base));
        return base == 0 ? where(ge(x, 0.0), zero_of(dy), dx) : dx;
      });
}
// y = e^x          dx = dy * y
// float32 takes the vectorisable exp and log of kernels/math.h (std::exp and std::log are a library call per
// element: 5x and 3x PyTorch's time on a million values); float64 keeps std::exp and std::log.
Tensor exp(const Tensor& x) {
  return unary(
      "exp", x, Saves::y, [](auto x) { return kernels::exp_of(x); }, [](auto, auto y, auto dy) { return dy * y; },
      [](Ops, Ops y, Ops dy) { return mul(dy, y); });
}
// y = ln x         dx = dy / x
Tensor log(const Tensor& x) {
  return unary(
      "log", x, Saves::x, [](auto x) { return kernels::log_of(x); }, [](auto x, auto, auto dy) { return dy / x; },
      [](Ops x, Ops, Ops dy) { return div(dy, x); });
}
// y = sqrt x       dx = dy / (2 y)
Tensor sqrt(const Tensor& x) {
  return unary(
      "sqrt", x, Saves::y, [](auto x) { return std::sqrt(x); }, [](auto, auto y, auto dy) { return dy / (2 * y); },
      [](Ops, Ops y, Ops dy) { return div(dy, mul(y, 2.0)); });
}
// y = |x|          dx = dy * sign(x)      (0 at x == 0, as in PyTorch)
Tensor abs(const Tensor& x) {
  return unary(
      "abs", x, Saves::x, [](auto x) { return std::abs(x); },
      [](auto x, auto, auto dy) { return x > 0   ? dy
                                         : x < 0 ? -dy
                                                 : Scalar<decltype(dy)>(0); },
      [](Ops x, Ops, Ops dy) { return where(gt(x, 0.0), dy, where(lt(x, 0.0), neg(dy), zero_of(dy))); });
}
// y = min(max(x, lo), hi)      dx = dy where lo <= x <= hi, else 0
Tensor clamp(const Tensor& x, double lo, double hi) {
  SG_CHECK(lo <= hi, "clamp: min must not exceed max, got min {} and max {}", lo, hi);
  return unary(
      "clamp", x, Saves::x,
      [lo, hi](auto x) {
        using T = Scalar<decltype(x)>;
        return x < T(lo) ? T(lo) : x > T(hi) ? T(hi) : x;
      },
      [lo, hi](auto x, auto, auto dy) {
        using T = Scalar<decltype(x)>;
        return x >= T(lo) && x <= T(hi) ? dy : T(0);
      },
      [lo, hi](Ops x, Ops, Ops dy) { return where(logical_and(ge(x, lo), le(x, hi)), dy, zero_of(dy)); });
}

// ---- trigonometry, and logs and exponentials accurate near 0 -------------------
// y = sin x        dx = dy * cos x
Tensor sin(const Tensor& x) {
  return unary(
      "sin", x, Saves::x, [](auto x) { return std::sin(x); }, [](auto x, auto, auto dy) { return dy * std::cos(x); },
      [](Ops x, Ops, Ops dy) { return mul(dy, cos(x)); });
}
// y = cos x        dx = -dy * sin x
Tensor cos(const Tensor& x) {
  return unary(
      "cos", x, Saves::x, [](auto x) { return std::cos(x); }, [](auto x, auto, auto dy) { return -dy * std::sin(x); },
      [](Ops x, Ops, Ops dy) { return neg(mul(dy, sin(x))); });
}
// y = 1 / sqrt x   dx = -dy * x^(-3/2) / 2 = -dy * y^3 / 2      (y = inf and dx = -inf at x == 0)
Tensor rsqrt(const Tensor& x) {
  return unary(
      "rsqrt", x, Saves::y, [](auto x) { return 1 / std::sqrt(x); },
      [](auto, auto y, auto dy) { return -dy * y * y * y / 2; },
      [](Ops, Ops y, Ops dy) { return mul(mul(dy, pow(y, 3.0)), -0.5); });
}
// y = ln(1 + x)    dx = dy / (1 + x)
// Exact for tiny x, where 1 + x rounds to 1 and log(1 + x) would give 0. float32 takes the vectorisable
// form of kernels/math.h, float64 std::log1p.
Tensor log1p(const Tensor& x) {
  return unary(
      "log1p", x, Saves::x, [](auto x) { return kernels::log1p_of(x); }, [](auto x, auto, auto dy) { return dy / (1 + x); },
      [](Ops x, Ops, Ops dy) { return div(dy, add(x, 1.0)); });
}
// y = e^x - 1      dx = dy * e^x = dy * (y + 1)
Tensor expm1(const Tensor& x) {
  return unary(
      "expm1", x, Saves::y, [](auto x) { return std::expm1(x); }, [](auto, auto y, auto dy) { return dy * (y + 1); },
      [](Ops, Ops y, Ops dy) { return mul(dy, add(y, 1.0)); });
}
// y = erf x        dx = dy * 2 / sqrt(pi) * e^(-x^2)
Tensor erf(const Tensor& x) {
  return unary(
      "erf", x, Saves::x, [](auto x) { return std::erf(x); },
      [](auto x, auto, auto dy) {
        using T = Scalar<decltype(x)>;
        return dy * T(2 * std::numbers::inv_sqrtpi) * std::exp(-x * x);
      },
      [](Ops x, Ops, Ops dy) { return mul(dy, mul(exp(neg(mul(x, x))), 2 * std::numbers::inv_sqrtpi)); });
}
// y = -1, 0 or 1 by the sign of x        dx = 0
// NaN at NaN, as in NumPy: PyTorch's sign gives 0 there, which hides the NaN. -0 gives +0, as in PyTorch.
Tensor sign(const Tensor& x) {
  return unary(
      "sign", x, Saves::nothing,
      [](auto x) {
        using T = Scalar<decltype(x)>;
        return x > 0 ? T(1) : x < 0 ? T(-1) : x == 0 ? T(0) : x;
      },
      [](auto, auto, auto dy) { return Scalar<decltype(dy)>(0); }, [](Ops, Ops, Ops dy) { return zeros_like(dy); });
}

// ---- activations -------------------------------------------------------------
// y = 1 / (1 + e^-x)           dx = dy * y * (1 - y)
// For very negative x, e^-x overflows to inf and y becomes 0, its true limit: no NaN.
// float32 takes the vectorisable exp (std::exp was most of the op's time); float64 keeps std::exp.
Tensor sigmoid(const Tensor& x) {
  return unary(
      "sigmoid", x, Saves::y, [](auto x) { return 1 / (1 + kernels::exp_of(-x)); },
      [](auto, auto y, auto dy) { return dy * y * (1 - y); },
      [](Ops, Ops y, Ops dy) { return mul(dy, mul(y, rsub(y, 1.0))); });
}
// y = tanh x                   dx = dy * (1 - y^2)
// float32 takes the vectorisable tanh (std::tanh was most of a tanh layer's time); float64 keeps std::tanh.
Tensor tanh(const Tensor& x) {
  return unary(
      "tanh", x, Saves::y, [](auto x) { return kernels::tanh_of(x); }, [](auto, auto y, auto dy) { return dy * (1 - y * y); },
      [](Ops, Ops y, Ops dy) { return mul(dy, rsub(mul(y, y), 1.0)); });
}
// y = max(x, 0)                dx = 0 where x <= 0, else dy      (0 at x == 0 and dy at NaN, as in PyTorch)
Tensor relu(const Tensor& x) {
  // x < 0 rather than !(x > 0), so a NaN input stays NaN instead of turning silently into 0. Likewise the
  // gradient is zeroed where x <= 0, which a NaN is not: PyTorch passes dy through there too.
  return unary(
      "relu", x, Saves::x, [](auto x) { return x < 0 ? Scalar<decltype(x)>(0) : x; },
      [](auto x, auto, auto dy) { return x <= 0 ? Scalar<decltype(dy)>(0) : dy; },
      [](Ops x, Ops, Ops dy) { return where(le(x, 0.0), zero_of(dy), dy); });
}
// y = x if x > 0 else s * x    dx = dy if x > 0 else s * dy
Tensor leaky_relu(const Tensor& x, double s) {
  return unary(
      "leaky_relu", x, Saves::x, [s](auto x) { return x > 0 ? x : Scalar<decltype(x)>(s) * x; },
      [s](auto x, auto, auto dy) { return x > 0 ? dy : Scalar<decltype(dy)>(s) * dy; },
      [s](Ops x, Ops, Ops dy) { return where(gt(x, 0.0), dy, mul(dy, s)); });
}

// ---- gelu ----------------------------------------------------------------------
// "none": y = x Phi(x) = x / 2 * (1 + erf(x / sqrt 2))       dx = dy * (Phi(x) + x phi(x)),
//         phi(x) = e^(-x^2 / 2) / sqrt(2 pi), the normal density
// "tanh": y = x / 2 * (1 + tanh u), u = sqrt(2 / pi) * (x + 0.044715 x^3)
//         dx = dy * ((1 + tanh u) / 2 + x / 2 * (1 - tanh^2 u) * sqrt(2 / pi) * (1 + 3 * 0.044715 x^2))
namespace {
constexpr double kSqrtHalf = std::numbers::sqrt2 / 2, kSqrt2OverPi = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;
constexpr double kKappa = 0.044715;
}  // namespace

Tensor gelu(const Tensor& x, std::string_view approximate) {
  SG_CHECK(approximate == "none" || approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"{}\"",
           approximate);
  if (approximate == "tanh")
    return unary(
        "gelu", x, Saves::x,
        [](auto x) {
          using T = Scalar<decltype(x)>;
          return T(0.5) * x * (1 + kernels::tanh_of(T(kSqrt2OverPi) * (x + T(kKappa) * x * x * x)));
        },
        [](auto x, auto, auto dy) {
          using T = Scalar<decltype(x)>;
          const T t = kernels::tanh_of(T(kSqrt2OverPi) * (x + T(kKappa) * x * x * x));
          return dy * (T(0.5) * (1 + t) + T(0.5) * x * (1 - t * t) * T(kSqrt2OverPi) * (1 + T(3 * kKappa) * x * x));
        },
        [](Ops x, Ops, Ops dy) {
          const Tensor x2 = mul(x, x), t = tanh(mul(mul(x, add(mul(x2, kKappa), 1.0)), kSqrt2OverPi));
          const Tensor slope = mul(mul(x, rsub(mul(t, t), 1.0)), add(mul(x2, 3 * kKappa), 1.0));
          return mul(dy, add(mul(add(t, 1.0), 0.5), mul(slope, 0.5 * kSqrt2OverPi)));
        });
  // Phi, e^x (and tanh above) through kernels/math.h: float32 takes the forms that vectorise (std::erf and std::exp are
  // a library call per element), float64 keeps std::erf and std::exp.
  return unary(
      "gelu", x, Saves::x, [](auto x) { return x * kernels::normal_cdf_of(x); },
      [](auto x, auto, auto dy) {
        using T = Scalar<decltype(x)>;
        const T pdf = T(kSqrtHalf * std::numbers::inv_sqrtpi) * kernels::exp_of(T(-0.5) * x * x);
        return dy * (kernels::normal_cdf_of(x) + x * pdf);
      },
      [](Ops x, Ops, Ops dy) {
        const Tensor cdf = mul(add(erf(mul(x, kSqrtHalf)), 1.0), 0.5);
        const Tensor pdf = mul(exp(mul(mul(x, x), -0.5)), kSqrtHalf * std::numbers::inv_sqrtpi);
        return mul(dy, add(cdf, mul(x, pdf)));
      });
}

// ---- silu ----------------------------------------------------------------------
// y = x sigma(x) = x / (1 + e^-x)        dx = dy * sigma(x) * (1 + x (1 - sigma(x)))
// Like sigmoid: float32 takes the vectorisable exp, and e^-x overflowing to inf gives y = -0, its limit.
Tensor silu(const Tensor& x) {
  return unary(
      "silu", x, Saves::x, [](auto x) { return x / (1 + kernels::exp_of(-x)); },
      [](auto x, auto, auto dy) {
        const auto s = 1 / (1 + kernels::exp_of(-x));
        return dy * s * (1 + x * (1 - s));
      },
      [](Ops x, Ops, Ops dy) {
        const Tensor s = sigmoid(x);
        return mul(dy, mul(s, add(mul(x, rsub(s, 1.0)), 1.0)));
      });
}

// ---- softplus ------------------------------------------------------------------
// y = ln(1 + e^(beta x)) / beta, or x where beta x > threshold
// dx = dy * sigma(beta x), or dy where beta x > threshold
// Past the threshold y and x agree to rounding (and e^(beta x) could overflow), as in PyTorch. The slope
// is written as a sigmoid rather than PyTorch's e^(beta x) / (1 + e^(beta x)), which is inf / inf = NaN
// where e^(beta x) overflows below a high threshold; elsewhere the two agree to rounding.
// float32 takes the exp and ln(1 + u) of kernels/math.h, arithmetic in place of two library calls per
// element (9x PyTorch's time before, 5x now: GCC keeps this loop scalar); float64 std::exp, std::log1p.
Tensor softplus(const Tensor& x, double beta, double threshold) {
  SG_CHECK(beta != 0, "softplus: beta must not be 0 (the result would divide by it), got {}", beta);
  return unary(
      "softplus", x, Saves::x,
      [beta, threshold](auto x) {
        using T = Scalar<decltype(x)>;
        const T z = x * T(beta);
        return z > T(threshold) ? x : kernels::log1p_of(kernels::exp_of(z)) / T(beta);
      },
      [beta, threshold](auto x, auto, auto dy) {
        using T = Scalar<decltype(x)>;
        const T z = x * T(beta);
        return z > T(threshold) ? dy : dy / (1 + kernels::exp_of(-z));
      },
      [beta, threshold](Ops x, Ops, Ops dy) {
        const Tensor z = mul(x, beta);
        return where(gt(z, threshold), dy, mul(dy, sigmoid(z)));
      });
}

// ---- elu -----------------------------------------------------------------------
// y = x if x > 0, else alpha (e^x - 1)        dx = dy if x > 0, else dy * alpha * e^x    (alpha dy at x == 0)
// e^x - 1 through expm1, exact for tiny x. A NaN takes the second branch, so its gradient is NaN, as in PyTorch.
Tensor elu(const Tensor& x, double alpha) {
  return unary(
      "elu", x, Saves::x,
      [alpha](auto x) {
        using T = Scalar<decltype(x)>;
        return x > 0 ? x : T(alpha) * std::expm1(x);
      },
      [alpha](auto x, auto, auto dy) {
        using T = Scalar<decltype(x)>;
        return x > 0 ? dy : dy * T(alpha) * std::exp(x);
      },
      [alpha](Ops x, Ops, Ops dy) { return where(gt(x, 0.0), dy, mul(dy, mul(exp(x), alpha))); });
}

}  // namespace sg
