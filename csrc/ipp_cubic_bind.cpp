// Binding of the fused IPP uint8 cubic model (ipp_cubic.h): keyword arguments named as
// in IppCubicArgs' docs; the per-element tables are built here from the plans' per-pixel
// index, weight and order arrays; output rows are split over threads (engine.cpp's pool)
// with the GIL released.  Called from src/pixelgrid/_engines/native_models.py (_ipp).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ipp_cubic_types.h"

namespace nb = nanobind;

namespace pg {

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);
namespace mbase { void ipp_cubic_range(const IppCubicArgs& a, int64_t o0, int64_t o1); }
#ifdef PG_HAVE_AVX2
namespace mavx2 { void ipp_cubic_range(const IppCubicArgs& a, int64_t o0, int64_t o1); }
#endif

namespace {

using Ro = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;
using Rw = nb::ndarray<nb::c_contig, nb::device::cpu>;

void need(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

using Kernel = void (*)(const IppCubicArgs&, int64_t, int64_t);

// simd: the AVX2 build where the CPU has AVX2 and FMA, else the scalar one (the builds
// are bit-identical; the flag lets tests run each).  An AVX-512 build was measured and
// left out: 16-lane steps of both passes gave no gain on the AMD EPYC dev machine
// (1024^2x3 -> 1536^2, kernel/cv2: uint8 1.21 -> 1.22, float32 0.81 -> 0.92).
Kernel pick(bool simd) {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  if (simd && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return mavx2::ipp_cubic_range;
#else
  (void)simd;
#endif
  return mbase::ipp_cubic_range;
}

// src (H, W, C) uint8 -> dst (OH, OW, C) uint8.  index_x/weight_x: (OW, 4) int32/float32,
// order_x: (OW,) uint8 (IppOrder of each output pixel); index_y/weight_y: (OH, 4).
void ipp_cubic(const Ro& src, Rw& dst, int64_t H, int64_t W, int64_t C, int64_t OH,
               int64_t OW, const Ro& index_x, const Ro& weight_x, const Ro& order_x,
               const Ro& index_y, const Ro& weight_y, int64_t threads, bool f32, bool simd) {
  const int64_t isz = f32 ? 4 : 1;
  need(H >= 1 && W >= 1 && C >= 1 && OH >= 1 && OW >= 1 && threads >= 1, "bad sizes");
  need(W * C < (int64_t(1) << 31) && OW * C < (int64_t(1) << 31), "rows too long");
  need(int64_t(src.nbytes()) == H * W * C * isz, "src has the wrong size");
  need(int64_t(dst.nbytes()) == OH * OW * C * isz, "dst has the wrong size");
  need(int64_t(index_x.nbytes()) == OW * 16 && int64_t(weight_x.nbytes()) == OW * 16,
       "index_x/weight_x must be (OW, 4) int32/float32");
  need(int64_t(order_x.nbytes()) == OW, "order_x must be (OW,) uint8");
  need(int64_t(index_y.nbytes()) == OH * 16 && int64_t(weight_y.nbytes()) == OH * 16,
       "index_y/weight_y must be (OH, 4) int32/float32");
  const int32_t* ix = static_cast<const int32_t*>(index_x.data());
  const float* wx = static_cast<const float*>(weight_x.data());
  const uint8_t* ox = static_cast<const uint8_t*>(order_x.data());
  const int32_t* iy = static_cast<const int32_t*>(index_y.data());
  for (int64_t i = 0; i < OW * 4; ++i) need(ix[i] >= 0 && ix[i] < W, "index_x out of range");
  for (int64_t i = 0; i < OH * 4; ++i) need(iy[i] >= 0 && iy[i] < H, "index_y out of range");
  for (int64_t o = 0; o < OW; ++o) need(ox[o] <= IPP_C4_TAIL, "bad order_x");
  const int64_t Q = OW * C;
  std::vector<int32_t> off(size_t(4 * Q));
  std::vector<float> w(size_t(4 * Q));
  std::vector<uint8_t> order(static_cast<size_t>(Q));
  std::vector<uint8_t> group(static_cast<size_t>((Q + 7) / 8));
  for (int64_t o = 0; o < OW; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const int64_t q = o * C + c;
      order[size_t(q)] = ox[o];
      for (int t = 0; t < 4; ++t) {
        off[size_t(t * Q + q)] = static_cast<int32_t>(int64_t(ix[o * 4 + t]) * C + c);
        w[size_t(t * Q + q)] = wx[o * 4 + t];
      }
    }
  for (int64_t g = 0; g * 8 < Q; ++g) {
    uint8_t v = order[size_t(g * 8)];
    for (int64_t q = g * 8; q < std::min(Q, g * 8 + 8); ++q)
      if (order[size_t(q)] != v) v = IPP_MIXED;
    group[size_t(g)] = v;
  }
  const int64_t ng = (Q + 7) / 8;
  std::vector<int32_t> gbase(size_t(ng), -1);
  std::vector<uint8_t> gmask(size_t(ng * 32), 0x80);
  for (int64_t g = 0; g * 8 + 8 <= Q; ++g) {
    int32_t lo = off[size_t(g * 8)], hi = lo;
    bool ok = true;
    for (int64_t q = g * 8; q < g * 8 + 8; ++q) {
      lo = std::min(lo, off[size_t(q)]);
      hi = std::max(hi, off[size_t(q)]);
      for (int t = 1; t < 4; ++t) ok &= off[size_t(t * Q + q)] == off[size_t(q)] + t * C;
    }
    if (!ok || hi - lo > 15) continue;
    gbase[size_t(g)] = lo;
    for (int64_t j = 0; j < 8; ++j)
      for (int b = 0; b < 4; ++b)
        gmask[size_t(g * 32 + j * 4 + b)] =
            b == 0 ? uint8_t(off[size_t(g * 8 + j)] - lo) : uint8_t(0x80);
  }
  std::vector<int32_t> gsel;
  if (f32) {  // float rows: 16-float windows at base + t*C, inside the row, else gathers
    gsel.assign(size_t(ng * 8), 0);
    for (int64_t g = 0; g * 8 + 8 <= Q; ++g) {
      const int32_t b = gbase[size_t(g)];
      if (b < 0) continue;
      if (int64_t(b) + 3 * C + 16 > W * C) {
        gbase[size_t(g)] = -1;
        continue;
      }
      for (int64_t j = 0; j < 8; ++j) gsel[size_t(g * 8 + j)] = off[size_t(g * 8 + j)] - b;
    }
  }
  // the row as float32 only for gathers: mixed groups and the tail read the bytes
  int need_float = 0;
  for (int64_t g = 0; g * 8 + 8 <= Q; ++g)
    need_float |= gbase[size_t(g)] < 0 && group[size_t(g)] != IPP_MIXED;
  IppCubicArgs a{H, W, C, OH, OW, off.data(), w.data(), order.data(), group.data(),
                 gbase.data(), gmask.data(), need_float, iy,
                 static_cast<const float*>(weight_y.data()),
                 static_cast<const uint8_t*>(src.data()), static_cast<uint8_t*>(dst.data()),
                 f32 ? 1 : 0, f32 ? gsel.data() : nullptr};
  // Bands of output rows: each band resamples its rows' input rows once (about 4 rows
  // more at its start), so few bands per thread.
  const int64_t cap = std::max<int64_t>(1, (OH * Q) / 65536);
  const int64_t nt = std::max<int64_t>(1, std::min({threads, cap, OH}));
  const int64_t chunk = nt == 1 ? OH : std::max<int64_t>(8, (OH + nt * 4 - 1) / (nt * 4));
  const Kernel fn = pick(simd);
  nb::gil_scoped_release release;
  parallel_run(OH, nt, chunk, [&](int64_t o0, int64_t o1, int64_t) { fn(a, o0, o1); });
}

}  // namespace

void register_ipp_cubic(nb::module_& m) {
  m.def("ipp_cubic", &ipp_cubic, nb::arg("src"), nb::arg("dst"), nb::arg("H"), nb::arg("W"),
        nb::arg("C"), nb::arg("OH"), nb::arg("OW"), nb::arg("index_x"), nb::arg("weight_x"),
        nb::arg("order_x"), nb::arg("index_y"), nb::arg("weight_y"), nb::arg("threads"),
        nb::arg("f32") = false, nb::arg("simd") = true);
}

}  // namespace pg
