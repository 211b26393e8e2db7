// pixelgrid point sampler: argument checks and the Python binding.  The rules and the
// kernels are in sampler_kernels.h (built for the baseline ISA and for AVX2+FMA, picked
// at run time like the resampling kernels).
#include "sampler.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include "sampler_types.h"

namespace nb = nanobind;

namespace pg {
bool scan_below(const void* p, int64_t n, bool f64, double limit);  // finite_scan_bind.cpp
namespace sampler {
namespace base {
RangeFn pick(int dt, int out, int sums, const Args& a);
void gather_points(const Args& a, int64_t m0, int64_t m1);
bool gather_fuses_scan(const Args& a);
void grid_positions(const void* g, bool f64, int dim, const int64_t* sizes, bool ac,
                    int padding, bool fma, double* out, int64_t r0, int64_t r1);
}  // namespace base
#ifdef PG_HAVE_AVX2
namespace fast {  // sampler_fast.cpp: 4 points at a time, or null
RangeFn pick(int dt, int out, int sums, const Args& a);
}  // namespace fast
namespace fast512 {  // sampler_avx512.cpp: warp_affine 8 points at a time, or null
RangeFn pick(int dt, int out, int sums, const Args& a);
bool u8_float32(bool on);
double u8_margin(double b);
}  // namespace fast512
namespace avx2 {
RangeFn pick(int dt, int out, int sums, const Args& a);
bool gather_fuses_scan(const Args& a);
RangeFn grid_linear_fn(int dt, const Args& a);  // grid_sample bilinear, 8 points, or null
RangeFn grid_cubic_fn(int dt, const Args& a);   // grid_sample bicubic, 8 points, or null
void gather_points(const Args& a, int64_t m0, int64_t m1);
void grid_positions(const void* g, bool f64, int dim, const int64_t* sizes, bool ac,
                    int padding, bool fma, double* out, int64_t r0, int64_t r1);
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

bool use_avx512() {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                         __builtin_cpu_supports("avx512vbmi");
  return ok;
#else
  return false;
#endif
}

// Whether the AVX2 4-point kernels may run (sampler_fast(False) turns them off, so that
// tests can compare them with the point-by-point kernels on the same machine), and the
// AVX-512 8-point kernel (sampler_avx512(False): then the AVX2 kernels take its calls).
bool g_fast = true;
bool g_avx512 = true;

RangeFn pick(int dt, int out, int sums, const Args& a) {
#ifdef PG_HAVE_AVX2
  if (use_avx2()) return avx2::pick(dt, out, sums, a);
#endif
  return base::pick(dt, out, sums, a);
}

RangeFn gather_fn() {
#ifdef PG_HAVE_AVX2
  if (use_avx2()) return avx2::gather_points;
#endif
  return base::gather_points;
}

// whether gather_fn()'s kernel checks the grid itself for these arguments (scan_bad)
bool gather_fuses_scan(const Args& a) {
#ifdef PG_HAVE_AVX2
  if (use_avx2()) return avx2::gather_fuses_scan(a);
#endif
  return base::gather_fuses_scan(a);
}


using AnyRo = nb::ndarray<nb::ro, nb::device::cpu>;
using AnyRw = nb::ndarray<nb::device::cpu>;
using F64Ro = nb::ndarray<nb::ro, double, nb::c_contig, nb::device::cpu>;
using I64Ro = nb::ndarray<nb::ro, int64_t, nb::c_contig, nb::device::cpu>;
using U8Ro = nb::ndarray<nb::ro, uint8_t, nb::c_contig, nb::device::cpu>;

void check(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

// ---- The sampler's boundary: named, read-only objects (pixelgrid._native.SampleAxis,
// GivenTaps, SampleGrid), made by pixelgrid/_engines/native_sampler.py.

// How one axis is sampled (sampler_types.h Axis): kernel (KGIVEN: taps given, KNEAREST,
// KLINEAR, KCUBIC, KCUBIC_PILLOW), boundary (BRENORMALIZE .. BWRAP), tie rule (nearest),
// table (cubic: Pillow-style table precision, 0 none), a (cubic coefficient), radius
// (the kernel's support) and margin (how far outside the axis a point still reads it).
struct SampleAxis {
  int kernel, boundary, tie;
  double table, a, radius, margin;
};

// Taps computed by the oracle for an axis whose kernel the sampler does not evaluate:
// (M, T) indices and weights, and optionally (M, T) uint8 inside flags.
struct GivenTaps {
  I64Ro index;
  F64Ro weight;
  std::optional<U8Ro> inside;
};

// Points given as a grid_sample grid: (M, 2) float32/float64 C-contiguous, turned into
// positions point by point (align_corners, padding 0 zeros / 1 border / 2 reflection,
// fma: the float32 fused rule).  scan > 0: the call first tests its grid values as
// all_below(points, scan) does (|v| < scan, every one), piece by piece just before the
// kernel reads them, and samples nothing more once one fails (sample_points then returns
// False; the caller decides with its full check).  The separate check pass read the
// grid from memory once more: on the 512^2 x 3 nearest rotation it was ~15% of the call.
//
// width: the points of one output row (the grid's W_out), or 0 where unknown.  Where
// known the weighted kernels visit the points in tiles of rows (tiled_points): a rotated
// grid walks the source diagonally, so a row's points read lines the next row reads
// again only after a whole row of others.  compat.torch.grid_sample, rotate 30 deg +
// scale 0.9, one thread, Xeon, one run each: 1024^2 x 3 bicubic 16.6 -> 12.7 ms (torch
// 31.7), 2048^2 x 3 bilinear 64.7 -> 54.2 ms (torch 80.6); 512^2 x 3 (its source in the
// cache) unchanged.
struct SampleGrid {
  AnyRo points;
  bool align_corners;
  int padding;
  bool fma;
  double scan;
  int64_t width;
};

// f(s, e) over the points [m0, m1) of a grid of rows of W points: whole rows in bands of
// kBand rows, each band column chunk by column chunk (kChunk points of each row, the
// last chunk of a row taking the rest); a partial first or last row as it is.  Every
// point once, so the same results as f(m0, m1), which it is for rows too short to tile
// (W = 0: unknown) or ranges of fewer than two rows.
template <class F>
void tiled_points(int64_t W, int64_t m0, int64_t m1, F&& f) {
  constexpr int64_t kBand = 8, kChunk = 64;
  if (W < 2 * kChunk || m1 - m0 < 2 * W) {
    f(m0, m1);
    return;
  }
  const int64_t r0 = (m0 + W - 1) / W, r1 = m1 / W;
  if (m0 < r0 * W) f(m0, r0 * W);
  for (int64_t rb = r0; rb < r1; rb += kBand) {
    const int64_t re = std::min(rb + kBand, r1);
    for (int64_t cb = 0; cb < W; cb += kChunk) {
      const int64_t ce = W - cb < 2 * kChunk ? W : cb + kChunk;
      for (int64_t r = rb; r < re; ++r) f(r * W + cb, r * W + ce);
      if (ce == W) break;
    }
  }
  if (r1 * W < m1) f(r1 * W, m1);
}

// src: (S_0..S_{k-1}, C) any strides >= 0; dst: (M, C) any strides >= 0; one SampleAxis
// per source axis; given[i]: the taps of axis i when its kernel is KGIVEN.
bool run_sample(const ParFor& par, const AnyRo& src, AnyRw& dst, int dt, int out, int gather,
                const std::vector<SampleAxis>& axes, nb::object pts, nb::object affine,
                const std::vector<std::optional<GivenTaps>>& given, double fill,
                nb::object fill_bytes, int window, int omit, int sums, int64_t threads,
                const std::optional<SampleGrid>& grid) {
  Args a;
  const int64_t k = static_cast<int64_t>(axes.size());
  check(k >= 1 && k <= kMaxAxes, "sample_points: 1 to 8 axes");
  check(static_cast<int64_t>(src.ndim()) == k + 1, "sample_points: src must be (S..., C)");
  check(dst.ndim() == 2, "sample_points: dst must be (M, C)");
  a.k = static_cast<int>(k);
  a.C = static_cast<int64_t>(src.shape(k));
  a.M = static_cast<int64_t>(dst.shape(0));
  check(static_cast<int64_t>(dst.shape(1)) == a.C, "sample_points: dst has the wrong channels");
  // an axis of length 1 is never stepped along: its stride (numpy may leave it negative
  // on a C-contiguous array) is taken as 0
  a.cstride = a.C == 1 ? 0 : src.stride(k);
  a.dp = dst.stride(0);
  a.dc = dst.stride(1);
  check(a.cstride >= 0 && a.dp >= 0 && a.dc >= 0, "sample_points: negative strides");
  a.itemsize = static_cast<int64_t>(src.itemsize());
  check(static_cast<int64_t>(given.size()) == k, "sample_points: one given entry per axis");
  for (int i = 0; i < a.k; ++i) {
    Axis& A = a.ax[i];
    const SampleAxis& S = axes[size_t(i)];
    A.n = static_cast<int64_t>(src.shape(i));
    A.stride = A.n == 1 ? 0 : src.stride(i);
    check(A.n >= 1 && A.stride >= 0, "sample_points: bad source axis");
    A.kernel = S.kernel;
    A.boundary = S.boundary;
    A.tie = S.tie;
    A.table = S.table;
    A.a = S.a;
    A.radius = S.radius;
    A.margin = S.margin;
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
    check(given[size_t(i)].has_value(), "sample_points: given taps missing");
    const GivenTaps& t = *given[size_t(i)];  // (its arrays live as long as `given`)
    const I64Ro& gi = t.index;
    const F64Ro& gw = t.weight;
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
    if (t.inside) {
      const U8Ro& gm = *t.inside;
      check(static_cast<int64_t>(gm.size()) == a.M * A.gT, "sample_points: bad inside mask");
      A.gin = gm.data();
    }
  }
  if (grid) {
    const AnyRo& g = grid->points;
    a.grid_f64 = g.dtype() == nb::dtype<double>();
    check(a.grid_f64 || g.dtype() == nb::dtype<float>(), "sample_points: grid must be float");
    check(k == 2 && g.ndim() == 2 && static_cast<int64_t>(g.shape(0)) == a.M &&
              g.shape(1) == 2 && g.stride(1) == 1 && g.stride(0) == 2,
          "sample_points: grid must be (M, 2) C-contiguous");
    check(grid->width >= 0, "sample_points: grid width must be >= 0");
    a.grid_ac = grid->align_corners;
    a.grid_pad = grid->padding;
    a.grid_fma = grid->fma;
    check(a.grid_pad >= 0 && a.grid_pad <= 2 && (!a.grid_fma || !a.grid_f64),
          "sample_points: bad grid padding or rule");
    a.grid = g.data();
  } else if (!pts.is_none()) {
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
  check(sums >= SUM_F64 && sums <= SUM_TORCH_CUBIC, "sample_points: bad sums code");
  if (sums == SUM_TORCH_CUBIC && !gather)
    check(a.k == 2 && a.ax[0].kernel == KCUBIC && a.ax[1].kernel == KCUBIC &&
              a.ax[0].table == 0 && a.ax[1].table == 0 && a.ax[0].a == a.ax[1].a &&
              window == 1 && !omit && a.ax[0].boundary != BRENORM &&
              a.ax[1].boundary != BRENORM &&
              (fill == 0 || (a.ax[0].boundary != BCONST && a.ax[1].boundary != BCONST)),
          "sample_points: torch_bicubic needs 2 Keys cubic axes, the floor window, fill 0");
  a.window = window;
  a.omit = omit;
  a.sums = gather ? SUM_F64 : sums;
  a.src = src.data();
  a.dst = dst.data();
  RangeFn fn = gather ? gather_fn() : nullptr;
  bool fast_fn = false;
#ifdef PG_HAVE_AVX2
  if (!gather && g_fast && use_avx2() && a.grid != nullptr) {  // (reads the grid itself)
    fn = avx2::grid_linear_fn(dt, a);
    if (fn == nullptr) fn = avx2::grid_cubic_fn(dt, a);
    fast_fn = fn != nullptr;
  }
  if (fn == nullptr && !gather && g_fast && g_avx512 && use_avx2() && use_avx512())
    fn = fast512::pick(dt, out, a.sums, a);
  if (fn == nullptr && !gather && g_fast && use_avx2()) {
    fn = fast::pick(dt, out, a.sums, a);
    fast_fn = fn != nullptr;
  }
#endif
  if (fn == nullptr) fn = pick(dt, out, a.sums, a);
  if (!gather) {
    const int64_t want = a.sums != SUM_F64 ? 4 : (out == OUT_F64 ? 8 : out == OUT_F32 ? 4 : a.itemsize);
    check(static_cast<int64_t>(dst.itemsize()) == want, "sample_points: dst dtype mismatch");
  }
  if (a.M == 0 || a.C == 0) return true;
  nb::gil_scoped_release release;
  // the grid scan (SampleGrid::scan): points [m0, m1) pass, or good turns false
  std::atomic<bool> good{true};
  std::atomic<bool> bad_seen{false};
  const double scan = grid ? grid->scan : 0.0;
  const char* gbytes = static_cast<const char*>(a.grid);
  const int64_t gpoint = a.grid_f64 ? 16 : 8;  // bytes of one (x, y) grid point
  auto scanned = [&](int64_t m0, int64_t m1) {
    if (scan <= 0) return true;
    if (!good.load(std::memory_order_relaxed)) return false;
    if (scan_below(gbytes + m0 * gpoint, (m1 - m0) * 2, a.grid_f64, scan)) return true;
    good.store(false, std::memory_order_relaxed);
    return false;
  };
  constexpr int64_t kScanPiece = 8192;  // points (64 KiB of a float32 grid), a multiple of 256
  // a gather kernel that reads the grid itself checks it as it reads (Args::scan_bad, the
  // same test): a piece is sampled, then its verdict read (a failed piece's output is not
  // used: the caller's full check decides)
  // (gather of two nearest axes from the grid itself: grid_gather below)
  const bool fused = scan > 0 && gather && a.k == 2 && !a.omit && !a.grid_f64 &&
                     a.grid != nullptr && a.itemsize >= 1 && a.itemsize <= 8 &&
                     (a.itemsize & (a.itemsize - 1)) == 0 && gather_fuses_scan(a);
  if (fused) {
    a.scan_lim = static_cast<float>(
        std::min<double>(scan, double(std::numeric_limits<float>::max())));
    a.scan_bad = &bad_seen;
  }
  // f(m0, m1) over [q0, q1) in pieces, each scanned just before f reads it (or by f);
  // stops at a failure
  auto in_pieces = [&](int64_t q0, int64_t q1, auto&& f) {
    for (int64_t m0 = q0; m0 < q1; m0 += kScanPiece) {
      const int64_t m1 = std::min(q1, m0 + kScanPiece);
      if (fused) {
        if (!good.load(std::memory_order_relaxed)) return;
        f(m0, m1);
        if (bad_seen.load(std::memory_order_relaxed)) {
          good.store(false, std::memory_order_relaxed);
          return;
        }
        continue;
      }
      if (!scanned(m0, m1)) return;
      f(m0, m1);
    }
  };
  std::vector<double> grid_pts;
  // a gather of two nearest axes reads the grid itself (grid_gather2d): no positions pass
  const bool grid_gather = gather && a.k == 2 && !a.omit &&
                           (a.itemsize == 1 || a.itemsize == 2 || a.itemsize == 4 || a.itemsize == 8);
  if (a.grid != nullptr && !fast_fn && !grid_gather) {  // the other kernels read positions
    grid_pts.resize(static_cast<size_t>(a.M * 2));
    const int64_t sizes[2] = {a.ax[0].n, a.ax[1].n};
    const void* g = a.grid;
    const bool f64 = a.grid_f64, ac = a.grid_ac, fm = a.grid_fma;
    const int pad = a.grid_pad;
    double* op = grid_pts.data();
    par(a.M, threads, 1024, [&](int64_t q0, int64_t q1) {
      in_pieces(q0, q1, [&](int64_t r0, int64_t r1) {
#ifdef PG_HAVE_AVX2
        if (use_avx2()) return avx2::grid_positions(g, f64, 2, sizes, ac, pad, fm, op, r0, r1);
#endif
        base::grid_positions(g, f64, 2, sizes, ac, pad, fm, op, r0, r1);
      });
    });
    if (!good.load()) return false;
    a.pts = grid_pts.data();
    a.grid = nullptr;
  }
  // affine warps: chunks of whole bands of 16 output rows (LinU8's tiles; Kernel8's
  // 32-row tiles start at a chunk's first row); a grid
  // of known width (SampleGrid::width): weighted kernels take the points in tiles
  // (tiled_points); gathers keep the rows (tiles made the 512^2 x 3 nearest rotation
  // slower, 0.51 -> 0.65 ms: its cost is the grid and output streams, which tiles
  // multiply, not the source reads)
  const int64_t gw =
      !gather && grid && grid->width > 0 && a.M % grid->width == 0 ? grid->width : 0;
  auto run = [&](int64_t m0, int64_t m1) {
    tiled_points(gw, m0, m1, [&](int64_t s, int64_t e) { fn(a, s, e); });
  };
  const int64_t align = a.pts == nullptr && a.grid == nullptr ? 16 * a.W : 256;
  if (a.grid != nullptr && scan > 0) {  // the kernel reads the grid itself: scan, then run
    par(a.M, threads, align, [&](int64_t q0, int64_t q1) { in_pieces(q0, q1, run); });
    return good.load();
  }
  par(a.M, threads, align, run);
  return true;
}

// grid (R, dim) float32/float64 -> positions (R, dim) float64, axis i from component
// dim - 1 - i (pixelgrid._sampling.grid_positions; padding 0 zeros, 1 border, 2 reflection)
void run_grid_positions(const ParFor& par, const AnyRo& g, nb::ndarray<double, nb::c_contig,
                        nb::device::cpu>& out, const I64Ro& sizes, bool ac, int padding,
                        bool fma, int64_t threads) {
  check(g.ndim() == 2 && out.ndim() == 2 && g.shape(0) == out.shape(0) &&
            g.shape(1) == out.shape(1) && sizes.size() == g.shape(1) && g.stride(1) == 1 &&
            g.stride(0) == static_cast<int64_t>(g.shape(1)) && padding >= 0 && padding <= 2,
        "grid_positions: bad arguments");
  const bool f64 = g.dtype() == nb::dtype<double>();
  check(f64 || g.dtype() == nb::dtype<float>(), "grid_positions: grid must be float32/64");
  check(!fma || !f64, "grid_positions: the FMA rule is float32");
  const int dim = static_cast<int>(g.shape(1));
  const int64_t R = static_cast<int64_t>(g.shape(0));
  const void* gp = g.data();
  double* op = out.data();
  const int64_t* sz = sizes.data();
  for (int i = 0; i < dim; ++i) check(sz[i] >= 1, "grid_positions: sizes must be >= 1");
  nb::gil_scoped_release release;
  par(R, threads, 1024, [&](int64_t r0, int64_t r1) {
#ifdef PG_HAVE_AVX2
    if (use_avx2()) return avx2::grid_positions(gp, f64, dim, sz, ac, padding, fma, op, r0, r1);
#endif
    base::grid_positions(gp, f64, dim, sz, ac, padding, fma, op, r0, r1);
  });
}

}  // namespace

void bind(nb::module_& m, ParFor par) {
  m.def(
      "grid_positions",
      [par](const AnyRo& g, nb::ndarray<double, nb::c_contig, nb::device::cpu>& out,
            const I64Ro& sizes, bool ac, int padding, bool fma, int64_t threads) {
        run_grid_positions(par, g, out, sizes, ac, padding, fma, threads);
      },
      nb::arg("grid"), nb::arg("out"), nb::arg("sizes"), nb::arg("align_corners"),
      nb::arg("padding"), nb::arg("fma"), nb::arg("threads"));
  m.def("sampler_abi", []() { return 1; });
  m.def(
      "sampler_avx512",
      [](bool on) {
        const bool was = g_avx512;
        g_avx512 = on;
        return was;
      },
      nb::arg("on"));
  m.def("sampler_avx512_supported", []() { return use_avx512(); });
  // the AVX-512 uint8 linear kernel's float32 sums (with their exact fallback): on/off and
  // the margin around halves below which a point takes the exact code (tests only)
  m.def(
      "sampler_u8_float32",
      [](bool on) {
#ifdef PG_HAVE_AVX2
        return fast512::u8_float32(on);
#else
        (void)on;
        return false;
#endif
      },
      nb::arg("on"));
  m.def(
      "sampler_u8_margin",
      [](double b) {
        check(b >= 0 && b <= 0.5, "sampler_u8_margin: 0 <= b <= 0.5");
#ifdef PG_HAVE_AVX2
        return fast512::u8_margin(b);
#else
        return b;
#endif
      },
      nb::arg("b"));
  m.def(
      "sampler_fast",
      [](bool on) {
        const bool was = g_fast;
        g_fast = on;
        return was;
      },
      nb::arg("on"));
  using nb::arg;
  nb::class_<SampleAxis>(m, "SampleAxis", "How the point sampler reads one axis (read-only).")
      .def(nb::init<int, int, int, double, double, double, double>(), arg("kernel"),
           arg("boundary"), arg("tie"), arg("table"), arg("a"), arg("radius"), arg("margin"))
      .def_ro("kernel", &SampleAxis::kernel)
      .def_ro("boundary", &SampleAxis::boundary)
      .def_ro("tie", &SampleAxis::tie)
      .def_ro("table", &SampleAxis::table)
      .def_ro("a", &SampleAxis::a)
      .def_ro("radius", &SampleAxis::radius)
      .def_ro("margin", &SampleAxis::margin);
  nb::class_<GivenTaps>(m, "GivenTaps", "Taps of one axis computed by the oracle (read-only).")
      .def(nb::init<I64Ro, F64Ro, std::optional<U8Ro>>(), arg("index"), arg("weight"),
           arg("inside") = nb::none());
  nb::class_<SampleGrid>(m, "SampleGrid", "Points given as a grid_sample grid (read-only).")
      .def(nb::init<AnyRo, bool, int, bool, double, int64_t>(), arg("points"),
           arg("align_corners"), arg("padding"), arg("fma"), arg("scan") = 0.0,
           arg("width") = 0)
      .def_ro("align_corners", &SampleGrid::align_corners)
      .def_ro("padding", &SampleGrid::padding)
      .def_ro("fma", &SampleGrid::fma)
      .def_ro("scan", &SampleGrid::scan)
      .def_ro("width", &SampleGrid::width);
  m.def(
      "sample_points",
      [par](const AnyRo& src, AnyRw& dst, int dt, int out, int gather,
            const std::vector<SampleAxis>& axes, nb::object pts, nb::object affine,
            const std::vector<std::optional<GivenTaps>>& given, double fill,
            nb::object fill_bytes, int window, int omit, int sums, int64_t threads,
            const std::optional<SampleGrid>& grid) {
        return run_sample(par, src, dst, dt, out, gather, axes, pts, affine, given, fill,
                          fill_bytes, window, omit, sums, threads, grid);
      },
      nb::arg("src"), nb::arg("dst"), nb::arg("dtype"), nb::arg("out"), nb::arg("gather"),
      nb::arg("axes"), nb::arg("pts").none(), nb::arg("affine").none(), nb::arg("given"),
      nb::arg("fill"), nb::arg("fill_bytes").none(), nb::arg("window"), nb::arg("omit"),
      nb::arg("sums"), nb::arg("threads"), nb::arg("grid").none() = nb::none());
}

}  // namespace sampler
}  // namespace pg
