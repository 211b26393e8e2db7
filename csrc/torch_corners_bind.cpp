// Binding of PyTorch's channels-last float32 bilinear model (torch_corners.h): the input
// is read through its strides (NCHW or channels-last memory alike), output rows are split
// over threads (engine.cpp's pool) with the GIL released.  Called from
// src/pixelgrid/_engines/native_models.py (_torch_corners).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "torch_corners_types.h"

namespace nb = nanobind;

namespace pg {

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);
namespace mbase { void torch_corners_range(const TorchCornersArgs& a, int64_t u0, int64_t u1); }
#ifdef PG_HAVE_AVX2
namespace mavx2 { void torch_corners_range(const TorchCornersArgs& a, int64_t u0, int64_t u1); }
#endif

namespace {

using In = nb::ndarray<nb::ro, float, nb::ndim<4>, nb::device::cpu>;
using Out = nb::ndarray<float, nb::ndim<4>, nb::device::cpu>;
using Vi = nb::ndarray<nb::ro, int32_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Vf = nb::ndarray<nb::ro, float, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

void need(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

using Kernel = void (*)(const TorchCornersArgs&, int64_t, int64_t);

Kernel pick() {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return mavx2::torch_corners_range;
#endif
  return mbase::torch_corners_range;
}

// src (B, C, H, W) float32 -> dst (B, C, OH, OW), both any strides (dst does not
// overlap src); h0/h1/ah0/ah1: (OH,),
// w0/w1/bw0/bw1: (OW,) taps and float32 weights of the two cell axes.
void torch_corners(const In& src, Out& dst, const Vi& h0, const Vi& h1, const Vf& ah0,
                   const Vf& ah1, const Vi& w0, const Vi& w1, const Vf& bw0, const Vf& bw1,
                   int64_t lanes, int64_t threads) {
  const int64_t B = src.shape(0), C = src.shape(1), H = src.shape(2), W = src.shape(3);
  const int64_t OH = dst.shape(2), OW = dst.shape(3);
  need(dst.shape(0) == size_t(B) && dst.shape(1) == size_t(C), "dst must be (B, C, OH, OW)");
  need(B >= 1 && C >= 1 && OH >= 1 && OW >= 1 && threads >= 1 && lanes >= 0, "bad sizes");
  need(h0.shape(0) == size_t(OH) && h1.shape(0) == size_t(OH) && ah0.shape(0) == size_t(OH) &&
           ah1.shape(0) == size_t(OH), "row tables must have OH entries");
  need(w0.shape(0) == size_t(OW) && w1.shape(0) == size_t(OW) && bw0.shape(0) == size_t(OW) &&
           bw1.shape(0) == size_t(OW), "column tables must have OW entries");
  const int64_t sW = src.stride(3);
  need(sW >= 1 && (W - 1) * sW < (int64_t(1) << 31), "rows too long for 32-bit offsets");
  std::vector<int32_t> off0(static_cast<size_t>(OW)), off1(static_cast<size_t>(OW));
  for (int64_t o = 0; o < OW; ++o) {
    const int32_t a = w0.data()[o], b = w1.data()[o];
    need(a >= 0 && a < W && b >= 0 && b < W, "column taps outside the input");
    off0[size_t(o)] = int32_t(a * sW);
    off1[size_t(o)] = int32_t(b * sW);
  }
  for (int64_t o = 0; o < OH; ++o)
    need(h0.data()[o] >= 0 && h0.data()[o] < H && h1.data()[o] >= 0 && h1.data()[o] < H,
         "row taps outside the input");
  for (int i = 0; i < 4; ++i) need(dst.stride(i) >= 1, "dst strides must be positive");
  TorchCornersArgs a{B, C, OH, OW, W, src.stride(0), src.stride(1), src.stride(2), sW,
                     dst.stride(0), dst.stride(1), dst.stride(2), dst.stride(3),
                     h0.data(), h1.data(), ah0.data(), ah1.data(), off0.data(), off1.data(),
                     bw0.data(), bw1.data(), lanes, src.data(), dst.data()};
  const bool pixels = src.stride(1) == 1 && dst.stride(1) == 1;  // torch_corners_range
  const int64_t rows = pixels ? B * OH : B * C * OH;
  const int64_t per_row = pixels ? OW * C : OW;
  const int64_t nt = std::max<int64_t>(1, std::min({threads, rows, (rows * per_row) / 32768 + 1}));
  const int64_t chunk = std::max<int64_t>(1, (rows + nt * 4 - 1) / (nt * 4));
  static const Kernel fn = pick();
  nb::gil_scoped_release release;
  parallel_run(rows, nt, chunk, [&](int64_t u0, int64_t u1, int64_t) { fn(a, u0, u1); });
}

}  // namespace

void register_torch_corners(nb::module_& m) {
  m.def("torch_corners", &torch_corners, nb::arg("src"), nb::arg("dst"), nb::arg("h0"),
        nb::arg("h1"), nb::arg("ah0"), nb::arg("ah1"), nb::arg("w0"), nb::arg("w1"),
        nb::arg("bw0"), nb::arg("bw1"), nb::arg("lanes"), nb::arg("threads"));
}

}  // namespace pg
