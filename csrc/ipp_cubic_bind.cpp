// Binding of the fused IPP uint8 cubic model (ipp_cubic.h): keyword arguments named as
// in IppCubicArgs' docs; the per-element tables are built here from the plans' per-pixel
// index, weight and order arrays; output rows are split over threads (engine.cpp's pool)
// with the GIL released.  Called from src/pixelgrid/_engines/native_models.py (_ipp).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ipp_cubic_tables.h"
#include "ipp_cubic_types.h"

namespace nb = nanobind;

namespace pg {

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);
namespace mbase { void ipp_cubic_range(const IppCubicArgs& a, IppRing& ring, int64_t o0, int64_t o1); }
#ifdef PG_HAVE_AVX2
namespace mavx2 { void ipp_cubic_range(const IppCubicArgs& a, IppRing& ring, int64_t o0, int64_t o1); }
namespace mavx512 { void ipp_cubic_range(const IppCubicArgs& a, IppRing& ring, int64_t o0, int64_t o1); }
#endif

namespace {

using Ro = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;
using Rw = nb::ndarray<nb::c_contig, nb::device::cpu>;

void need(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

using Kernel = void (*)(const IppCubicArgs&, IppRing&, int64_t, int64_t);

// simd: the AVX2 build where the CPU has AVX2 and FMA, else the scalar one; avx512: the
// AVX-512 build where the CPU has AVX-512 F/BW/VL/DQ, its groups of 16 elements for uint8
// (float32: groups of 8, one two-source permute per tap)
// (the builds are bit-identical; the flags let tests run each).  The AVX-512 build was
// measured without gain before the uint8 rows were read as bytes (no float32 copy of each
// row); with them, 1024^2x3 -> 1536^2 on the AMD EPYC (Zen 4) dev machine: 1.61 -> 1.25 ms.
// lanes: the group size the kernel's tables are built for.
Kernel pick(bool simd, bool avx512, bool f32, int64_t& lanes) {
  lanes = 8;
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  if (simd && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    if (avx512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
      lanes = f32 ? 8 : 16;  // float32 rows keep groups of 8 (one two-source permute per tap)
      return mavx512::ipp_cubic_range;
    }
    return mavx2::ipp_cubic_range;
  }
#else
  (void)simd;
  (void)avx512;
  (void)f32;
#endif
  return mbase::ipp_cubic_range;
}

// The width pass's arrays: index_x/weight_x (OW, 4) int32/float32, order_x (OW,) uint8
// (IppOrder of each output pixel), indices in [0, W).
void check_x(int64_t W, int64_t C, int64_t OW, const Ro& index_x, const Ro& weight_x,
             const Ro& order_x) {
  need(W >= 1 && C >= 1 && OW >= 1, "bad sizes");
  need(W * C < (int64_t(1) << 31) && OW * C < (int64_t(1) << 31), "rows too long");
  need(int64_t(index_x.nbytes()) == OW * 16 && int64_t(weight_x.nbytes()) == OW * 16,
       "index_x/weight_x must be (OW, 4) int32/float32");
  need(int64_t(order_x.nbytes()) == OW, "order_x must be (OW,) uint8");
  const int32_t* ix = static_cast<const int32_t*>(index_x.data());
  const uint8_t* ox = static_cast<const uint8_t*>(order_x.data());
  for (int64_t i = 0; i < OW * 4; ++i) need(ix[i] >= 0 && ix[i] < W, "index_x out of range");
  for (int64_t o = 0; o < OW; ++o) need(ox[o] <= IPP_C4_TAIL, "bad order_x");
}

// The width pass's tables for the kernel simd/avx512 pick, built once per plan by the
// caller (native_models._ipp caches them: ~65 us for a 1536-pixel row of 3 channels,
// 5% of the call).
IppCubicTables* ipp_cubic_tables(int64_t W, int64_t C, int64_t OW, const Ro& index_x,
                                 const Ro& weight_x, const Ro& order_x, bool f32, bool simd,
                                 bool avx512) {
  check_x(W, C, OW, index_x, weight_x, order_x);
  int64_t lanes = 8;
  pick(simd, avx512, f32, lanes);
  return new IppCubicTables(W, C, OW, static_cast<const int32_t*>(index_x.data()),
                            static_cast<const float*>(weight_x.data()),
                            static_cast<const uint8_t*>(order_x.data()), f32, lanes);
}

// src (H, W, C) uint8 -> dst (OH, OW, C) uint8.  index_x/weight_x/order_x as check_x;
// index_y/weight_y: (OH, 4).  tables: ipp_cubic_tables of the same arrays (or None: built
// here; also where they were built for another kernel).
void ipp_cubic(const Ro& src, Rw& dst, int64_t H, int64_t W, int64_t C, int64_t OH,
               int64_t OW, const Ro& index_x, const Ro& weight_x, const Ro& order_x,
               const Ro& index_y, const Ro& weight_y, int64_t threads, bool f32, bool simd,
               bool avx512, const IppCubicTables* tables) {
  const int64_t isz = f32 ? 4 : 1;
  need(H >= 1 && OH >= 1 && threads >= 1, "bad sizes");
  check_x(W, C, OW, index_x, weight_x, order_x);
  need(int64_t(src.nbytes()) == H * W * C * isz, "src has the wrong size");
  need(int64_t(dst.nbytes()) == OH * OW * C * isz, "dst has the wrong size");
  need(int64_t(index_y.nbytes()) == OH * 16 && int64_t(weight_y.nbytes()) == OH * 16,
       "index_y/weight_y must be (OH, 4) int32/float32");
  const int32_t* iy = static_cast<const int32_t*>(index_y.data());
  for (int64_t i = 0; i < OH * 4; ++i) need(iy[i] >= 0 && iy[i] < H, "index_y out of range");
  int64_t lanes = 8;
  const Kernel fn = pick(simd, avx512, f32, lanes);
  std::optional<IppCubicTables> own;
  if (tables == nullptr || tables->lanes != lanes || tables->width != W ||
      tables->channels != C || tables->out_width != OW || tables->f32 != f32)
    tables = &own.emplace(W, C, OW, static_cast<const int32_t*>(index_x.data()),
                          static_cast<const float*>(weight_x.data()),
                          static_cast<const uint8_t*>(order_x.data()), f32, lanes);
  const IppCubicArgs a = tables->args(H, W, C, OH, OW, iy,
                                      static_cast<const float*>(weight_y.data()), src.data(),
                                      dst.data());
  // Chunks of output rows: a thread keeps its cache of horizontal rows from one chunk to
  // the next, so only the first rows of its share and of chunks it takes from another
  // thread's share are resampled again.
  const int64_t Q = OW * C;
  const int64_t cap = std::max<int64_t>(1, (OH * Q) / 65536);
  const int64_t nt = std::max<int64_t>(1, std::min({threads, cap, OH}));
  const int64_t chunk = nt == 1 ? OH : std::max<int64_t>(8, (OH + nt * 4 - 1) / (nt * 4));
  std::vector<IppRing> rings(static_cast<size_t>(nt));  // per thread, kept across its chunks
  nb::gil_scoped_release release;
  parallel_run(OH, nt, chunk,
               [&](int64_t o0, int64_t o1, int64_t tid) { fn(a, rings[size_t(tid)], o0, o1); });
}

}  // namespace

void register_ipp_cubic(nb::module_& m) {
  nb::class_<IppCubicTables>(m, "IppCubicTables");
  m.def("ipp_cubic_tables", &ipp_cubic_tables, nb::arg("W"), nb::arg("C"), nb::arg("OW"),
        nb::arg("index_x"), nb::arg("weight_x"), nb::arg("order_x"), nb::arg("f32") = false,
        nb::arg("simd") = true, nb::arg("avx512") = true, nb::rv_policy::take_ownership);
  m.def("ipp_cubic", &ipp_cubic, nb::arg("src"), nb::arg("dst"), nb::arg("H"), nb::arg("W"),
        nb::arg("C"), nb::arg("OH"), nb::arg("OW"), nb::arg("index_x"), nb::arg("weight_x"),
        nb::arg("order_x"), nb::arg("index_y"), nb::arg("weight_y"), nb::arg("threads"),
        nb::arg("f32") = false, nb::arg("simd") = true, nb::arg("avx512") = true,
        nb::arg("tables").none() = nb::none());
}

}  // namespace pg
