// pixelgrid point sampler: argument checks and the Python binding.  The rules and the
// kernels are in sampler_kernels.h (built for the baseline ISA and for AVX2+FMA, picked
// at run time like the resampling kernels).
#include "sampler.h"

#include <nanobind/ndarray.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "sampler_types.h"

namespace nb = nanobind;

namespace pg {
namespace sampler {
namespace base {
RangeFn pick(int dt, int out, bool fma32);
void gather_points(const Args& a, int64_t m0, int64_t m1);
}  // namespace base
#ifdef PG_HAVE_AVX2
namespace avx2 {
RangeFn pick(int dt, int out, bool fma32);
void gather_points(const Args& a, int64_t m0, int64_t m1);
}  // namespace avx2
#endif

namespace {

bool use_avx2() {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

RangeFn pick(int dt, int out, bool fma32) {
#ifdef PG_HAVE_AVX2
  if (use_avx2()) return avx2::pick(dt, out, fma32);
#endif
  return base::pick(dt, out, fma32);
}

RangeFn gather_fn() {
#ifdef PG_HAVE_AVX2
  if (use_avx2()) return avx2::gather_points;
#endif
  return base::gather_points;
}


using AnyRo = nb::ndarray<nb::ro, nb::device::cpu>;
using AnyRw = nb::ndarray<nb::device::cpu>;
using F64Ro = nb::ndarray<nb::ro, double, nb::c_contig, nb::device::cpu>;
using I64Ro = nb::ndarray<nb::ro, int64_t, nb::c_contig, nb::device::cpu>;
using U8Ro = nb::ndarray<nb::ro, uint8_t, nb::c_contig, nb::device::cpu>;

void check(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

// src: (S_0..S_{k-1}, C) any strides >= 0; dst: (M, C) any strides >= 0.
// params: (k, 8) float64 rows [kernel, boundary, tie, table, a, radius, margin, 0].
void run_sample(const ParFor& par, const AnyRo& src, AnyRw& dst, int dt, int out, int gather,
                const F64Ro& params, nb::object pts, nb::object affine, nb::list given,
                double fill, nb::object fill_bytes, int window, int omit, int fma32,
                int64_t threads) {
  Args a;
  const int64_t k = static_cast<int64_t>(params.shape(0));
  check(params.ndim() == 2 && params.shape(1) == 8 && k >= 1 && k <= kMaxAxes,
        "sample_points: params must be (k, 8) with 1 <= k <= 8");
  check(static_cast<int64_t>(src.ndim()) == k + 1, "sample_points: src must be (S..., C)");
  check(dst.ndim() == 2, "sample_points: dst must be (M, C)");
  a.k = static_cast<int>(k);
  a.C = static_cast<int64_t>(src.shape(k));
  a.M = static_cast<int64_t>(dst.shape(0));
  check(static_cast<int64_t>(dst.shape(1)) == a.C, "sample_points: dst has the wrong channels");
  a.cstride = src.stride(k);
  a.dp = dst.stride(0);
  a.dc = dst.stride(1);
  check(a.cstride >= 0 && a.dp >= 0 && a.dc >= 0, "sample_points: negative strides");
  a.itemsize = static_cast<int64_t>(src.itemsize());
  const double* pr = params.data();
  for (int i = 0; i < a.k; ++i) {
    Axis& A = a.ax[i];
    A.n = static_cast<int64_t>(src.shape(i));
    A.stride = src.stride(i);
    check(A.n >= 1 && A.stride >= 0, "sample_points: bad source axis");
    A.kernel = static_cast<int>(pr[i * 8 + 0]);
    A.boundary = static_cast<int>(pr[i * 8 + 1]);
    A.tie = static_cast<int>(pr[i * 8 + 2]);
    A.table = pr[i * 8 + 3];
    A.a = pr[i * 8 + 4];
    A.radius = pr[i * 8 + 5];
    A.margin = pr[i * 8 + 6];
    A.ap2 = A.a + 2;
    A.ap3 = A.a + 3;
    A.a5 = 5 * A.a;
    A.a8 = 8 * A.a;
    A.a4 = 4 * A.a;
    check(A.kernel >= KGIVEN && A.kernel <= KCUBIC_PILLOW && A.boundary >= 0 &&
              A.boundary <= BWRAP && A.tie >= 0 && A.tie <= THALF_EVEN,
          "sample_points: bad axis parameters");
    if (A.kernel == KLINEAR) check(A.radius == 1, "sample_points: linear radius must be 1");
    if (A.kernel == KCUBIC || A.kernel == KCUBIC_PILLOW)
      check(A.radius == 2, "sample_points: cubic radius must be 2");
  }
  std::vector<nb::object> keep;
  for (int i = 0; i < a.k; ++i) {
    if (a.ax[i].kernel != KGIVEN) continue;
    nb::tuple t = nb::cast<nb::tuple>(given[i]);
    I64Ro gi = nb::cast<I64Ro>(t[0]);
    F64Ro gw = nb::cast<F64Ro>(t[1]);
    check(gi.ndim() == 2 && static_cast<int64_t>(gi.shape(0)) == a.M && gw.ndim() == 2 &&
              gw.shape(0) == gi.shape(0) && gw.shape(1) == gi.shape(1) && gi.shape(1) >= 1 &&
              static_cast<int64_t>(gi.shape(1)) <= kMaxT,
          "sample_points: given taps must be (M, T) with 1 <= T <= 64");
    Axis& A = a.ax[i];
    A.gT = static_cast<int64_t>(gi.shape(1));
    A.gidx = gi.data();
    A.gw = gw.data();
    const int64_t n = A.n;
    for (int64_t q = 0; q < a.M * A.gT; ++q)
      check(A.gidx[q] >= 0 && A.gidx[q] < n, "sample_points: given tap index out of range");
    if (!t[2].is_none()) {
      U8Ro gm = nb::cast<U8Ro>(t[2]);
      check(static_cast<int64_t>(gm.size()) == a.M * A.gT, "sample_points: bad inside mask");
      A.gin = gm.data();
    }
    keep.push_back(t);
  }
  if (!pts.is_none()) {
    F64Ro p = nb::cast<F64Ro>(pts);
    check(p.ndim() == 2 && static_cast<int64_t>(p.shape(0)) == a.M &&
              static_cast<int64_t>(p.shape(1)) == k,
          "sample_points: pts must be (M, k) float64");
    a.pts = p.data();
    keep.push_back(pts);
  } else {
    F64Ro f = nb::cast<F64Ro>(affine);
    check(k == 2 && f.size() == 7, "sample_points: affine needs k = 2 and 7 values");
    for (int i = 0; i < 6; ++i) a.aff[i] = f.data()[i];
    a.W = static_cast<int64_t>(f.data()[6]);
    check(a.W >= 1 && a.M % a.W == 0, "sample_points: affine width does not divide M");
  }
  a.fill = fill;
  U8Ro fb;
  if (gather) {
    for (int i = 0; i < a.k; ++i) check(a.ax[i].kernel == KNEAREST, "gather needs nearest axes");
    fb = nb::cast<U8Ro>(fill_bytes);
    check(static_cast<int64_t>(fb.size()) == a.itemsize, "fill_bytes must be one element");
    check(static_cast<int64_t>(dst.itemsize()) == a.itemsize, "gather keeps the dtype");
    a.fill_bytes = fb.data();
  }
  a.window = window;
  a.omit = omit;
  a.fma32 = fma32;
  a.src = src.data();
  a.dst = dst.data();
  RangeFn fn = gather ? gather_fn() : pick(dt, out, fma32 != 0);
  if (!gather) {
    const int64_t want = fma32 ? 4 : (out == OUT_F64 ? 8 : out == OUT_F32 ? 4 : a.itemsize);
    check(static_cast<int64_t>(dst.itemsize()) == want, "sample_points: dst dtype mismatch");
  }
  if (a.M == 0 || a.C == 0) return;
  nb::gil_scoped_release release;
  par(a.M, threads, 256, [&](int64_t m0, int64_t m1) { fn(a, m0, m1); });
}

}  // namespace

void bind(nb::module_& m, ParFor par) {
  m.def("sampler_abi", []() { return 1; });
  m.def(
      "sample_points",
      [par](const AnyRo& src, AnyRw& dst, int dt, int out, int gather, const F64Ro& params,
            nb::object pts, nb::object affine, nb::list given, double fill,
            nb::object fill_bytes, int window, int omit, int fma32, int64_t threads) {
        run_sample(par, src, dst, dt, out, gather, params, pts, affine, given, fill,
                   fill_bytes, window, omit, fma32, threads);
      },
      nb::arg("src"), nb::arg("dst"), nb::arg("dtype"), nb::arg("out"), nb::arg("gather"),
      nb::arg("params"), nb::arg("pts").none(), nb::arg("affine").none(), nb::arg("given"),
      nb::arg("fill"), nb::arg("fill_bytes").none(), nb::arg("window"), nb::arg("omit"),
      nb::arg("fma32"), nb::arg("threads"));
}

}  // namespace sampler
}  // namespace pg
