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
// y = fwd(x) elementwise; backward dx = bwd(x, y, dy) elementwise, with x and y saved by the node.
// With grad mode on in backward (create_graph), dx = bwd_ops(x, y, dy) instead: the same formula in ops,
// recorded, where x and y are the op's input and output in the graph.
template <class Fwd, class Bwd, class BwdOps>
Tensor unary(const char* op, const Tensor& x, Fwd fwd, Bwd bwd, BwdOps bwd_ops) {
  Tensor y = empty_like(x);
  dispatch(x.dtype(), op, [&]<class T> {
    kernels::map(y.data<T>(), x.data<T>(), x.numel(), [&](T v) { return T(fwd(v)); });
  });
  return record(op, {x}, y, {x, y}, [bwd, bwd_ops](const Node& node, const Tensor& dy) {
    const Tensor &x = node.saved(0), &y = node.saved(1);
    if (GradMode::is_enabled()) return Grads{bwd_ops(x, y, dy)};
    Tensor dx = empty_like(dy);
    dispatch(dy.dtype(), "backward", [&]<class T> {
      kernels::map3(dx.data<T>(), x.data<T>(), y.data<T>(), dy.data<T>(), dy.numel(),
                    [&](T xv, T yv, T g) { return T(bwd(xv, yv, g)); });
    });
    return Grads{dx};
  });
}
template <class T>
using Scalar = std::decay_t<T>;
using Ops = const Tensor&;  // the parameters of a derivative written with ops: (x, y, dy)
Tensor zero_of(const Tensor& like) { return zeros({}, like.dtype()); }
}  // namespace

// ---- scalar arithmetic -----------------------------------------------------
// y = x + v        dx = dy
Tensor add(const Tensor& x, double v) {
  return unary("add", x, [v](auto a) { return a + Scalar<decltype(a)>(v); }, [](auto, auto, auto g) { return g; },
               [](Ops, Ops, Ops dy) { return dy; });
}
// y = x * v        dx = dy * v
Tensor mul(const Tensor& x, double v) {
  return unary("mul", x, [v](auto a) { return a * Scalar<decltype(a)>(v); },
               [v](auto, auto, auto g) { return g * Scalar<decltype(g)>(v); },
               [v](Ops, Ops, Ops dy) { return mul(dy, v); });
}
// y = x / v        dx = dy / v
Tensor div(const Tensor& x, double v) {
  return unary("div", x, [v](auto a) { return a / Scalar<decltype(a)>(v); },
               [v](auto, auto, auto g) { return g / Scalar<decltype(g)>(v); },
               [v](Ops, Ops, Ops dy) { return div(dy, v); });
}
// y = v - x        dx = -dy
Tensor rsub(const Tensor& x, double v) {
  return unary("rsub", x, [v](auto a) { return Scalar<decltype(a)>(v) - a; }, [](auto, auto, auto g) { return -g; },
               [](Ops, Ops, Ops dy) { return neg(dy); });
}
// y = v / x        dx = -dy * v / x^2 = -dy * y / x
Tensor rdiv(const Tensor& x, double v) {
  return unary("rdiv", x, [v](auto a) { return Scalar<decltype(a)>(v) / a; },
               [](auto a, auto y, auto g) { return -g * y / a; },
               [](Ops x, Ops y, Ops dy) { return neg(div(mul(dy, y), x)); });
}
// y = -x           dx = -dy
Tensor neg(const Tensor& x) {
  return unary("neg", x, [](auto a) { return -a; }, [](auto, auto, auto g) { return -g; },
               [](Ops, Ops, Ops dy) { return neg(dy); });
}

// ---- powers, exponentials ----------------------------------------------------
// y = x^p          dx = dy * p * x^(p-1)
Tensor pow(const Tensor& x, double p) {
  return unary("pow", x, [p](auto a) { return std::pow(a, Scalar<decltype(a)>(p)); },
               [p](auto a, auto, auto g) {
                 using T = Scalar<decltype(a)>;
                 return p == 0 ? T(0) : g * T(p) * std::pow(a, T(p - 1));
               },
               [p](Ops x, Ops, Ops dy) { return p == 0 ? zeros_like(dy) : mul(dy, mul(pow(x, p - 1), p)); });
}
// y = base^x       dx = dy * y * ln(base)      (0 where base == 0 and x >= 0, as in PyTorch)
// At base 0, y is 0 for x > 0 (slope 0) and 1 at x == 0, where y * ln 0 would be NaN and -inf.
Tensor pow(double base, const Tensor& x) {
  return unary("pow", x, [base](auto a) { return std::pow(Scalar<decltype(a)>(base), a); },
               [base](auto a, auto y, auto g) {
                 using T = Scalar<decltype(a)>;
                 return base == 0 && a >= 0 ? T(0) : g * y * std::log(T(base));
               },
               [base](Ops x, Ops y, Ops dy) {
                 const Tensor dx = mul(mul(dy, y), std::log(base));
                 return base == 0 ? where(ge(x, 0.0), zero_of(dy), dx) : dx;
               });
}
// y = e^x          dx = dy * y
Tensor exp(const Tensor& x) {
  return unary("exp", x, [](auto a) { return std::exp(a); }, [](auto, auto y, auto g) { return g * y; },
               [](Ops, Ops y, Ops dy) { return mul(dy, y); });
}
// y = ln x         dx = dy / x
Tensor log(const Tensor& x) {
  return unary("log", x, [](auto a) { return std::log(a); }, [](auto a, auto, auto g) { return g / a; },
               [](Ops x, Ops, Ops dy) { return div(dy, x); });
}
// y = sqrt x       dx = dy / (2 y)
Tensor sqrt(const Tensor& x) {
  return unary("sqrt", x, [](auto a) { return std::sqrt(a); }, [](auto, auto y, auto g) { return g / (2 * y); },
               [](Ops, Ops y, Ops dy) { return div(dy, mul(y, 2.0)); });
}
// y = |x|          dx = dy * sign(x)      (0 at x == 0, as in PyTorch)
Tensor abs(const Tensor& x) {
  return unary("abs", x, [](auto a) { return std::abs(a); },
               [](auto a, auto, auto g) { return a > 0 ? g : a < 0 ? -g : Scalar<decltype(g)>(0); },
               [](Ops x, Ops, Ops dy) { return where(gt(x, 0.0), dy, where(lt(x, 0.0), neg(dy), zero_of(dy))); });
}
// y = min(max(x, lo), hi)      dx = dy where lo <= x <= hi, else 0
Tensor clamp(const Tensor& x, double lo, double hi) {
  SG_CHECK(lo <= hi, "clamp: min must not exceed max, got min {} and max {}", lo, hi);
  return unary("clamp", x,
               [lo, hi](auto a) {
                 using T = Scalar<decltype(a)>;
                 return a < T(lo) ? T(lo) : a > T(hi) ? T(hi) : a;
               },
               [lo, hi](auto a, auto, auto g) {
                 using T = Scalar<decltype(a)>;
                 return a >= T(lo) && a <= T(hi) ? g : T(0);
               },
               [lo, hi](Ops x, Ops, Ops dy) { return where(logical_and(ge(x, lo), le(x, hi)), dy, zero_of(dy)); });
}

// ---- trigonometry, and logs and exponentials accurate near 0 -------------------
// y = sin x        dx = dy * cos x
Tensor sin(const Tensor& x) {
  return unary("sin", x, [](auto a) { return std::sin(a); }, [](auto a, auto, auto g) { return g * std::cos(a); },
               [](Ops x, Ops, Ops dy) { return mul(dy, cos(x)); });
}
// y = cos x        dx = -dy * sin x
Tensor cos(const Tensor& x) {
  return unary("cos", x, [](auto a) { return std::cos(a); }, [](auto a, auto, auto g) { return -g * std::sin(a); },
               [](Ops x, Ops, Ops dy) { return neg(mul(dy, sin(x))); });
}
// y = 1 / sqrt x   dx = -dy * x^(-3/2) / 2 = -dy * y^3 / 2      (y = inf and dx = -inf at x == 0)
Tensor rsqrt(const Tensor& x) {
  return unary("rsqrt", x, [](auto a) { return 1 / std::sqrt(a); },
               [](auto, auto y, auto g) { return -g * y * y * y / 2; },
               [](Ops, Ops y, Ops dy) { return mul(mul(dy, pow(y, 3.0)), -0.5); });
}
// y = ln(1 + x)    dx = dy / (1 + x)
// Exact for tiny x, where 1 + x rounds to 1 and log(1 + x) would give 0.
Tensor log1p(const Tensor& x) {
  return unary("log1p", x, [](auto a) { return std::log1p(a); }, [](auto a, auto, auto g) { return g / (1 + a); },
               [](Ops x, Ops, Ops dy) { return div(dy, add(x, 1.0)); });
}
// y = e^x - 1      dx = dy * e^x = dy * (y + 1)
Tensor expm1(const Tensor& x) {
  return unary("expm1", x, [](auto a) { return std::expm1(a); }, [](auto, auto y, auto g) { return g * (y + 1); },
               [](Ops, Ops y, Ops dy) { return mul(dy, add(y, 1.0)); });
}
// y = erf x        dx = dy * 2 / sqrt(pi) * e^(-x^2)
Tensor erf(const Tensor& x) {
  return unary("erf", x, [](auto a) { return std::erf(a); }, [](auto a, auto, auto g) {
    using T = Scalar<decltype(a)>;
    return g * T(2 * std::numbers::inv_sqrtpi) * std::exp(-a * a);
  }, [](Ops x, Ops, Ops dy) { return mul(dy, mul(exp(neg(mul(x, x))), 2 * std::numbers::inv_sqrtpi)); });
}
// y = -1, 0 or 1 by the sign of x        dx = 0
// NaN at NaN, as in NumPy: PyTorch's sign gives 0 there, which hides the NaN. -0 gives +0, as in PyTorch.
Tensor sign(const Tensor& x) {
  return unary("sign", x,
               [](auto a) {
                 using T = Scalar<decltype(a)>;
                 return a > 0 ? T(1) : a < 0 ? T(-1) : a == 0 ? T(0) : a;
               },
               [](auto, auto, auto g) { return Scalar<decltype(g)>(0); },
               [](Ops, Ops, Ops dy) { return zeros_like(dy); });
}

// ---- activations -------------------------------------------------------------
// y = 1 / (1 + e^-x)           dx = dy * y * (1 - y)
// For very negative x, e^-x overflows to inf and y becomes 0, its true limit: no NaN.
// float32 takes the vectorisable exp (std::exp was most of the op's time); float64 keeps std::exp.
Tensor sigmoid(const Tensor& x) {
  return unary("sigmoid", x, [](auto a) { return 1 / (1 + kernels::exp_of(-a)); },
               [](auto, auto y, auto g) { return g * y * (1 - y); },
               [](Ops, Ops y, Ops dy) { return mul(dy, mul(y, rsub(y, 1.0))); });
}
// y = tanh x                   dx = dy * (1 - y^2)
Tensor tanh(const Tensor& x) {
  return unary("tanh", x, [](auto a) { return std::tanh(a); }, [](auto, auto y, auto g) { return g * (1 - y * y); },
               [](Ops, Ops y, Ops dy) { return mul(dy, rsub(mul(y, y), 1.0)); });
}
// y = max(x, 0)                dx = 0 where x <= 0, else dy      (0 at x == 0 and dy at NaN, as in PyTorch)
Tensor relu(const Tensor& x) {
  // a < 0 rather than !(a > 0), so a NaN input stays NaN instead of turning silently into 0. Likewise the
  // gradient is zeroed where x <= 0, which a NaN is not: PyTorch passes dy through there too.
  return unary("relu", x, [](auto a) { return a < 0 ? Scalar<decltype(a)>(0) : a; },
               [](auto a, auto, auto g) { return a <= 0 ? Scalar<decltype(g)>(0) : g; },
               [](Ops x, Ops, Ops dy) { return where(le(x, 0.0), zero_of(dy), dy); });
}
// y = x if x > 0 else s * x    dx = dy if x > 0 else s * dy
Tensor leaky_relu(const Tensor& x, double s) {
  return unary("leaky_relu", x, [s](auto a) { return a > 0 ? a : Scalar<decltype(a)>(s) * a; },
               [s](auto a, auto, auto g) { return a > 0 ? g : Scalar<decltype(g)>(s) * g; },
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
    return unary("gelu", x,
                 [](auto a) {
                   using T = Scalar<decltype(a)>;
                   return T(0.5) * a * (1 + std::tanh(T(kSqrt2OverPi) * (a + T(kKappa) * a * a * a)));
                 },
                 [](auto a, auto, auto g) {
                   using T = Scalar<decltype(a)>;
                   const T t = std::tanh(T(kSqrt2OverPi) * (a + T(kKappa) * a * a * a));
                   return g * (T(0.5) * (1 + t) +
                               T(0.5) * a * (1 - t * t) * T(kSqrt2OverPi) * (1 + T(3 * kKappa) * a * a));
                 },
                 [](Ops x, Ops, Ops dy) {
                   const Tensor x2 = mul(x, x), t = tanh(mul(mul(x, add(mul(x2, kKappa), 1.0)), kSqrt2OverPi));
                   const Tensor slope = mul(mul(x, rsub(mul(t, t), 1.0)), add(mul(x2, 3 * kKappa), 1.0));
                   return mul(dy, add(mul(add(t, 1.0), 0.5), mul(slope, 0.5 * kSqrt2OverPi)));
                 });
  return unary("gelu", x,
               [](auto a) {
                 using T = Scalar<decltype(a)>;
                 return T(0.5) * a * (1 + std::erf(a * T(kSqrtHalf)));
               },
               [](auto a, auto, auto g) {
                 using T = Scalar<decltype(a)>;
                 const T cdf = T(0.5) * (1 + std::erf(a * T(kSqrtHalf)));
                 const T pdf = T(kSqrtHalf * std::numbers::inv_sqrtpi) * std::exp(T(-0.5) * a * a);
                 return g * (cdf + a * pdf);
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
  return unary("silu", x, [](auto a) { return a / (1 + kernels::exp_of(-a)); }, [](auto a, auto, auto g) {
    const auto s = 1 / (1 + kernels::exp_of(-a));
    return g * s * (1 + a * (1 - s));
  }, [](Ops x, Ops, Ops dy) {
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
Tensor softplus(const Tensor& x, double beta, double threshold) {
  SG_CHECK(beta != 0, "softplus: beta must not be 0 (the result would divide by it), got {}", beta);
  return unary("softplus", x,
               [beta, threshold](auto a) {
                 using T = Scalar<decltype(a)>;
                 const T z = a * T(beta);
                 return z > T(threshold) ? a : std::log1p(std::exp(z)) / T(beta);
               },
               [beta, threshold](auto a, auto, auto g) {
                 using T = Scalar<decltype(a)>;
                 const T z = a * T(beta);
                 return z > T(threshold) ? g : g / (1 + std::exp(-z));
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
  return unary("elu", x,
               [alpha](auto a) {
                 using T = Scalar<decltype(a)>;
                 return a > 0 ? a : T(alpha) * std::expm1(a);
               },
               [alpha](auto a, auto, auto g) {
                 using T = Scalar<decltype(a)>;
                 return a > 0 ? g : g * T(alpha) * std::exp(a);
               },
               [alpha](Ops x, Ops, Ops dy) { return where(gt(x, 0.0), dy, mul(dy, mul(exp(x), alpha))); });
}

}  // namespace sg
