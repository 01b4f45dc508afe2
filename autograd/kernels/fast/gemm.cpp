// The one copy of the fast GEMM every target links (see the extern declarations at the end of gemm.h).
#include "autograd/kernels/fast/gemm.h"

namespace sg::kernels::fast {

template SG_GEMM_SIGNATURE(gemm_small, float);
template SG_GEMM_SIGNATURE(gemm_small, double);
template SG_GEMM_SIGNATURE(gemm_blocked, float);
template SG_GEMM_SIGNATURE(gemm_blocked, double);
template SG_GEMM_SIGNATURE(gemm, float);
template SG_GEMM_SIGNATURE(gemm, double);

}  // namespace sg::kernels::fast
