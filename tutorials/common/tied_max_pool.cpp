#include "tutorials/common/tied_max_pool.h"

#include <fmt/format.h>

namespace sg::tutorial {

namespace {

struct TiedMaxPool : Function<TiedMaxPool> {
  static constexpr const char* name = "tied_max_pool2d";
  static Tensor forward(Context& ctx, const std::vector<Tensor>& in, const Pool2dParams& p) {
    const Tensor y = max_pool2d(in[0], p);
    ctx.save_for_backward({in[0], y});
    const auto [kh, kw] = p.kernel_size;
    const auto [sh, sw] = p.stride[0] == 0 ? p.kernel_size : p.stride;
    ctx.values = {{"kh", double(kh)}, {"kw", double(kw)},           {"sh", double(sh)},
                  {"sw", double(sw)}, {"ph", double(p.padding[0])}, {"pw", double(p.padding[1])}};
    return y;
  }
  static std::vector<Tensor> backward(Context& ctx, const Tensor& dy) {
    auto at = [&](const char* key) { return int64_t(ctx.values.at(key)); };
    const int64_t KH = at("kh"), KW = at("kw"), SH = at("sh"), SW = at("sw"), PH = at("ph"), PW = at("pw");
    const Tensor &x = ctx.saved(0), &y = ctx.saved(1);
    const int64_t H = x.size(-2), W = x.size(-1), OH = y.size(-2), OW = y.size(-1), planes = y.numel() / (OH * OW);
    Tensor dx = zeros_like(x);
    dispatch(x.dtype(), name, [&]<class T> {
      const T *xs = x.data<T>(), *ys = y.data<T>(), *dys = dy.data<T>();
      T* dxs = dx.data<T>();
      for (int64_t c = 0; c < planes; ++c)
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j) {
            const int64_t out = (c * OH + i) * OW + j;
            for (int64_t a = 0; a < KH; ++a)
              for (int64_t b = 0; b < KW; ++b) {
                const int64_t r = i * SH - PH + a, s = j * SW - PW + b;
                if (r < 0 || r >= H || s < 0 || s >= W) continue;  // padding: never the maximum
                const int64_t at = (c * H + r) * W + s;
                if (xs[at] == ys[out]) dxs[at] += dys[out];  // every tied maximum takes the gradient
              }
          }
    });
    return {dx};
  }
};

}  // namespace

Tensor tied_max_pool2d(const Tensor& input, const Pool2dParams& params) { return TiedMaxPool::apply({input}, params); }

std::string TiedMaxPool2d::repr() const {
  const Pair stride = params_.stride[0] == 0 ? params_.kernel_size : params_.stride;
  return fmt::format("TiedMaxPool2d(kernel_size=({}, {}), stride=({}, {}), padding=({}, {}))", params_.kernel_size[0],
                     params_.kernel_size[1], stride[0], stride[1], params_.padding[0], params_.padding[1]);
}

}  // namespace sg::tutorial
