// Binding of OpenCV's own warpAffine model (cv_warp.h): output rows split over threads
// (engine.cpp's pool) with the GIL released.  Called from
// src/pixelgrid/_engines/native_cv_warp.py.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "cv_warp_types.h"

namespace nb = nanobind;

namespace pg {

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);
namespace cvwarp {
namespace base { void warp_rows(const CvWarpArgs& a, int64_t y0, int64_t y1); }
#ifdef PG_HAVE_AVX2
namespace avx2 { void warp_rows(const CvWarpArgs& a, int64_t y0, int64_t y1); }
namespace avx512 { void warp_rows(const CvWarpArgs& a, int64_t y0, int64_t y1); }
#endif
}  // namespace cvwarp

namespace {

using In = nb::ndarray<nb::ro, nb::ndim<3>, nb::c_contig, nb::device::cpu>;
using Out = nb::ndarray<nb::ndim<3>, nb::c_contig, nb::device::cpu>;

void need(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

using Kernel = void (*)(const CvWarpArgs&, int64_t, int64_t);

// simd: the AVX2 build where the CPU has AVX2 and FMA; avx512: the AVX-512 build where it
// also has AVX-512 F, BW, VL and DQ (all bit-identical: the tests run each)
Kernel pick(bool simd, bool avx512) {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  if (simd && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    if (avx512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
      return cvwarp::avx512::warp_rows;
    return cvwarp::avx2::warp_rows;
  }
#endif
  (void)simd;
  (void)avx512;
  return cvwarp::base::warp_rows;
}

int dtype_code(const nb::dlpack::dtype& d) {
  if (d == nb::dtype<uint8_t>()) return 0;
  if (d == nb::dtype<uint16_t>()) return 1;
  if (d == nb::dtype<float>()) return 2;
  throw std::invalid_argument("cv_warp_affine: dtype must be uint8, uint16 or float32");
}

// src (H, W, C) -> dst (OH, OW, C), same dtype, C in 1..4; m: the inverse map as 6
// float32 values, fill: 4 per-channel border values (saturated to the dtype); ipp: the
// approximate IPP model (LINEAR), md: the inverse map in double.
void cv_warp_affine(const In& src, Out& dst, const std::vector<float>& m,
                    const std::vector<float>& fill, bool linear, int border, int64_t lanes,
                    int64_t threads, bool simd, bool ipp, const std::vector<double>& md,
                    bool avx512) {
  const int code = dtype_code(src.dtype());
  need(dtype_code(dst.dtype()) == code, "dst must have the dtype of src");
  const int64_t H = src.shape(0), W = src.shape(1), C = src.shape(2);
  const int64_t OH = dst.shape(0), OW = dst.shape(1);
  need(H >= 1 && W >= 1 && C >= 1 && C <= 4, "src must be (H, W, C) with 1-4 channels");
  need(dst.shape(2) == size_t(C) && OH >= 1 && OW >= 1, "dst must be (OH, OW, C)");
  need(m.size() == 6 && fill.size() == 4 && md.size() == 6, "m and md need 6 values, fill 4");
  need(border >= 0 && border <= 4 && lanes >= 0 && threads >= 1, "bad border, lanes or threads");
  CvWarpArgs a{H, W, C, OH, OW, code, linear, border, lanes, {}, {}, src.data(), dst.data(),
               ipp, {}};
  std::copy(m.begin(), m.end(), a.m);
  std::copy(md.begin(), md.end(), a.md);
  std::copy(fill.begin(), fill.end(), a.fill);
  const int64_t nt = std::max<int64_t>(1, std::min({threads, OH, (OH * OW) / 16384 + 1}));
  // about 16 chunks per thread (as engine.cpp's chunk_of): a thread that loses its core
  // on a shared machine, or rows of unequal cost (border rows of a rotation), then delay
  // the call by one small chunk, not by a quarter of a thread's share
  const int64_t chunk = std::max<int64_t>(1, (OH + nt * 16 - 1) / (nt * 16));
  const Kernel fn = pick(simd, avx512);
  nb::gil_scoped_release release;
  parallel_run(OH, nt, chunk, [&](int64_t y0, int64_t y1, int64_t) { fn(a, y0, y1); });
}

}  // namespace

void register_cv_warp(nb::module_& m) {
  m.def("cv_warp_affine", &cv_warp_affine, nb::arg("src"), nb::arg("dst"), nb::arg("m"),
        nb::arg("fill"), nb::arg("linear"), nb::arg("border"), nb::arg("lanes"),
        nb::arg("threads"), nb::arg("simd") = true, nb::arg("ipp") = false,
        nb::arg("md") = std::vector<double>(6, 0.0), nb::arg("avx512") = true);
}

}  // namespace pg
