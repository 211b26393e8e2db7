// pixelgrid point sampler kernels (built twice: sampler_base.cpp, sampler_avx2.cpp): the compiled form of pixelgrid._sampling.sample_points.
//
// Every rule here has its one definition in Python (src/pixelgrid/_sampling.py, the
// numpy oracle, and pixelgrid._plan.boundary_taps); this file implements the same rules
// point by point so that results are bit-identical in float64:
//   * coordinates: given (M, k) float64, or an affine map of the output index
//     (warp_affine: x = (b0 * j + b1 * i) + b2, as its numpy code computes them);
//     far-away coordinates are clipped to radius + 2 pixels outside (_safe_coords);
//   * taps per axis: nearest (tie rules of _nearest_index), linear ``1 - |d|`` and Keys
//     cubic (``cubic(a)``, its table and pillow forms) evaluated on the window
//     ``ceil(x - r) + t`` ("support") or ``floor(x) - r + 1 + t`` ("floor", PyTorch/ONNX
//     Runtime grid_sample), normalised by their sequential float64 sum (numpy's sum of
//     fewer than 8 terms), then the boundary rule;
//   * other kernels: taps and weights computed by the oracle, passed in, summed here;
//   * the sum: tap combinations in axis-major order, weight = w0 * w1 * ... left to right,
//     acc += w * v from 0; taps outside a constant boundary add their weight to the fill
//     weight (acc += fill_w * fill at the end).  "support" window: a tap of weight 0 is
//     not read (a NaN/inf there reaches no output); "floor": every tap inside is read.
//     nan_policy omit: non-finite values are dropped, the sum divided by the kept weights;
//   * float32_fma (PyTorch's vectorised 2-D kernel): weights rounded to float32, products
//     in axis order, acc = fma(v, w, acc) from the first product;
//   * store: float64, float32, or the input's integer dtype rounded half to even, clipped.
// Everything lives in namespace pg::sampler::PG_SNS.
#ifndef PG_SNS
#error "define PG_SNS before including sampler_kernels.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "sampler_types.h"

#include "sampler_point.h"

namespace pg {
namespace sampler {
namespace PG_SNS {
namespace {

inline void given_taps(const Axis& A, int64_t m, Taps& t) {
  t.T = static_cast<int>(A.gT);
  t.masked = A.gin != nullptr;
  for (int i = 0; i < t.T; ++i) {
    t.j[i] = A.gidx[m * A.gT + i];
    t.w[i] = A.gw[m * A.gT + i];
    if (t.masked) t.in[i] = A.gin[m * A.gT + i] != 0;
  }
}

inline void point_coords(const Args& a, int64_t m, double* x) {
  if (a.pts != nullptr) {
    for (int i = 0; i < a.k; ++i) x[i] = a.pts[m * a.k + i];
  } else {  // warp_affine: (row, column) = (sy, sx) of output pixel (i, j)
    affine_xy(a, m / a.W, m % a.W, x);
  }
}

inline void all_taps(const Args& a, int64_t m, Taps* taps) {
  double x[kMaxAxes];
  point_coords(a, m, x);
  for (int i = 0; i < a.k; ++i) {
    if (a.ax[i].kernel == KGIVEN)
      given_taps(a.ax[i], m, taps[i]);
    else
      axis_taps(a.ax[i], x[i], a.window, taps[i]);
  }
}

// float64 weighted sum of points [m0, m1)
template <class Tin, int OUT>
void sum_f64(const Args& a, int64_t m0, int64_t m1) {
  const Tin* src = static_cast<const Tin*>(a.src);
  const int64_t C = a.C;
  std::vector<double> acc(static_cast<size_t>(C)), wsum(a.omit ? C : 0);
  std::vector<char> dropped(a.omit ? C : 0);
  Taps taps[kMaxAxes];
  const bool read_all = a.window != 0;
  const bool is_float = std::is_floating_point<Tin>::value;
  const bool omit = a.omit && is_float;
  for (int64_t m = m0; m < m1; ++m) {
    all_taps(a, m, taps);
    std::fill(acc.begin(), acc.end(), 0.0);
    if (omit) {
      std::fill(wsum.begin(), wsum.end(), 0.0);
      std::fill(dropped.begin(), dropped.end(), 0);
    }
    bool any_mask = false;
    for (int i = 0; i < a.k; ++i) any_mask |= taps[i].masked;
    double fill_w = 0.0;
    int cols[kMaxAxes] = {0};
    for (;;) {
      double w = taps[0].w[cols[0]];
      int64_t off = taps[0].j[cols[0]] * a.ax[0].stride;
      bool ok = !taps[0].masked || taps[0].in[cols[0]];
      for (int i = 1; i < a.k; ++i) {
        w = w * taps[i].w[cols[i]];
        off += taps[i].j[cols[i]] * a.ax[i].stride;
        ok = ok && (!taps[i].masked || taps[i].in[cols[i]]);
      }
      if (any_mask) {
        fill_w += ok ? 0.0 : w;
        if (!ok) w = 0.0;
      }
      const bool read = read_all ? ok : w != 0;
      if (read) {
        const Tin* p = src + off;
        if (omit) {
          for (int64_t c = 0; c < C; ++c) {
            const double v = static_cast<double>(p[c * a.cstride]);
            if (!std::isfinite(v)) {
              dropped[c] = 1;
              continue;
            }
            wsum[c] += w;
            acc[c] += w * v;
          }
        } else {
          for (int64_t c = 0; c < C; ++c) acc[c] += w * static_cast<double>(p[c * a.cstride]);
        }
      }
      int i = a.k - 1;
      while (i >= 0 && ++cols[i] == taps[i].T) cols[i--] = 0;
      if (i < 0) break;
    }
    if (a.fill != 0 && fill_w != 0)
      for (int64_t c = 0; c < C; ++c) acc[c] += fill_w * a.fill;
    for (int64_t c = 0; c < C; ++c) {
      double v = acc[c];
      if (omit && dropped[c]) {
        const double ws = wsum[c] + fill_w;
        v = ws != 0 ? v / ws : std::numeric_limits<double>::quiet_NaN();
      }
      store<Tin, OUT>(a.dst, m * a.dp + c * a.dc, v);
    }
  }
}

// Calls body(m, x) for the points [m0, m1) (x: row, column coordinates): given points in
// order; the output pixels of an affine warp tile by tile (kTileRows x kTileCols), so
// that the source pixels a tile reads stay in cache (a rotation walks the source
// diagonally; measured 1.4x on 1024^2 float32).  [m0, m1) are whole output rows then.
constexpr int64_t kTileRows = 16, kTileCols = 64;

template <class F>
inline void for_points_2d(const Args& a, int64_t m0, int64_t m1, F&& body) {
  double x[2];
  if (a.pts != nullptr) {
    for (int64_t m = m0; m < m1; ++m) {
      x[0] = a.pts[2 * m];
      x[1] = a.pts[2 * m + 1];
      body(m, x);
    }
    return;
  }
  const int64_t W = a.W;
  auto at = [&](int64_t r, int64_t c) PG_INLINE {
    affine_xy(a, r, c, x);
    body(r * W + c, x);
  };
  if (m0 % W != 0 || m1 % W != 0) {
    for (int64_t m = m0; m < m1; ++m) at(m / W, m % W);
    return;
  }
  const int64_t r0 = m0 / W, r1 = m1 / W;
  for (int64_t rb = r0; rb < r1; rb += kTileRows) {
    const int64_t re = std::min(rb + kTileRows, r1);
    for (int64_t cb = 0; cb < W; cb += kTileCols) {
      const int64_t ce = std::min(cb + kTileCols, W);
      for (int64_t r = rb; r < re; ++r)
        for (int64_t c = cb; c < ce; ++c) at(r, c);
    }
  }
}

// sum_f64 for the common case: two axes of one compiled kernel, a fixed number of
// channels CC (0: any), no nan_policy.  The same rules and order as sum_f64; points of
// an affine warp are walked row by row (no division per point).
template <class Tin, int OUT, int KIND, int CC>
void sum2d(const Args& a, int64_t m0, int64_t m1) {
  const Tin* src = static_cast<const Tin*>(a.src);
  const int64_t C = CC > 0 ? CC : a.C;
  std::vector<double> accv(CC > 0 ? 0 : static_cast<size_t>(C));
  double acc_fixed[CC > 0 ? CC : 1];
  double* acc = CC > 0 ? acc_fixed : accv.data();
  for_points_2d(a, m0, m1, [&](int64_t m, const double* x) PG_INLINE {
    point2d<Tin, OUT, KIND>(a, src, C, acc, m, x);
  });
}

// sum_fma32 for two axes of one compiled kernel and CC channels (0: any)
template <class Tin, int KIND, int CC>
void sum2d_fma32(const Args& a, int64_t m0, int64_t m1) {
  const Tin* src = static_cast<const Tin*>(a.src);
  const int64_t C = CC > 0 ? CC : a.C;
  std::vector<float> accv(CC > 0 ? 0 : static_cast<size_t>(C));
  float acc_fixed[CC > 0 ? CC : 1];
  float* acc = CC > 0 ? acc_fixed : accv.data();
  for_points_2d(a, m0, m1, [&](int64_t m, const double* x) PG_INLINE {
    point2d_fma32<Tin, KIND>(a, src, C, acc, m, x);
  });
}

// torch_bicubic (point2d_torch_cubic) point by point; float32 out
template <class Tin>
void sum2d_torch_cubic(const Args& a, int64_t m0, int64_t m1) {
  const Tin* src = static_cast<const Tin*>(a.src);
  for_points_2d(a, m0, m1, [&](int64_t m, const double* x) PG_INLINE {
    point2d_torch_cubic<Tin>(a, src, a.C, m, x);
  });
}

// PyTorch's vectorised float32 order (see _sampling._sum_float32_fma); float32 out.
template <class Tin>
void sum_fma32(const Args& a, int64_t m0, int64_t m1) {
  const Tin* src = static_cast<const Tin*>(a.src);
  const int64_t C = a.C;
  std::vector<float> acc(static_cast<size_t>(C));
  Taps taps[kMaxAxes];
  const bool read_all = a.window != 0;
  float* dst = static_cast<float*>(a.dst);
  const float fill = static_cast<float>(a.fill);
  for (int64_t m = m0; m < m1; ++m) {
    all_taps(a, m, taps);
    bool any_mask = false;
    for (int i = 0; i < a.k; ++i) any_mask |= taps[i].masked;
    float fill_w = 0.0f;
    bool first = true;
    int cols[kMaxAxes] = {0};
    for (;;) {
      float w = static_cast<float>(taps[0].w[cols[0]]);
      int64_t off = taps[0].j[cols[0]] * a.ax[0].stride;
      bool ok = !taps[0].masked || taps[0].in[cols[0]];
      for (int i = 1; i < a.k; ++i) {
        w = w * static_cast<float>(taps[i].w[cols[i]]);
        off += taps[i].j[cols[i]] * a.ax[i].stride;
        ok = ok && (!taps[i].masked || taps[i].in[cols[i]]);
      }
      if (any_mask) {
        fill_w = fill_w + (ok ? 0.0f : w);
        if (!ok) w = 0.0f;
      }
      const bool read = read_all ? ok : w != 0;
      const Tin* p = src + off;
      for (int64_t c = 0; c < C; ++c) {
        const float v = read ? static_cast<float>(p[c * a.cstride]) : 0.0f;
        acc[c] = first ? v * w : std::fma(v, w, acc[c]);
      }
      first = false;
      int i = a.k - 1;
      while (i >= 0 && ++cols[i] == taps[i].T) cols[i--] = 0;
      if (i < 0) break;
    }
    for (int64_t c = 0; c < C; ++c) {
      float v = acc[c];
      if (fill != 0 && fill_w != 0) v = std::fma(fill, fill_w, v);
      dst[m * a.dp + c * a.dc] = v;
    }
  }
}

// every axis nearest: copy elements (any dtype, itemsize bytes each)
}  // namespace

namespace {

// gather_points for two axes and elements of E bytes
template <int E>
void gather2d(const Args& a, int64_t m0, int64_t m1) {
  const char* src = static_cast<const char*>(a.src);
  char* dst = static_cast<char*>(a.dst);
  const int64_t C = a.C;
  Taps t0, t1;
  const Axis& A0 = a.ax[0];
  const Axis& A1 = a.ax[1];
  const int64_t s0 = A0.stride * E, s1 = A1.stride * E, cs = a.cstride * E;
  const int64_t dp = a.dp * E, dc = a.dc * E;
  for_points_2d(a, m0, m1, [&](int64_t m, const double* x) PG_INLINE {
    axis_taps_k<KNEAREST>(A0, x[0], 0, t0);
    axis_taps_k<KNEAREST>(A1, x[1], 0, t1);
    const bool ok = (!t0.masked || t0.in[0]) && (!t1.masked || t1.in[0]);
    const char* p = src + t0.j[0] * s0 + t1.j[0] * s1;
    char* d = dst + m * dp;
    if (ok) {
      for (int64_t c = 0; c < C; ++c) std::memcpy(d + c * dc, p + c * cs, E);
    } else {
      for (int64_t c = 0; c < C; ++c) std::memcpy(d + c * dc, a.fill_bytes, E);
    }
  });
}

// Source offset (bytes) of the nearest pixel of grid point m, or -1 where it reads the
// fill: the scalar rules of gather2d from the grid (grid_xy, axis_taps_k<KNEAREST>).
PG_INLINE inline int64_t grid_nearest_offset(const Args& a, int64_t m, int64_t s0, int64_t s1) {
  double x[2];
  Taps t0, t1;
  grid_xy(a, m, x);
  axis_taps_k<KNEAREST>(a.ax[0], x[0], 0, t0);
  axis_taps_k<KNEAREST>(a.ax[1], x[1], 0, t1);
  const bool ok = (!t0.masked || t0.in[0]) && (!t1.masked || t1.in[0]);
  return ok ? t0.j[0] * s0 + t1.j[0] * s1 : -1;
}

#if defined(__AVX2__) && defined(__FMA__)
// 8 grid points of the float32 FMA rule (grid_coord, PAD: 0 zeros, 1 border, 2 reflection)
// -> int32 element offsets j0 * s0 + j1 * s1 (0 in lanes not inside), the inside lanes
// and the lanes left to the scalar rule.  Each step is the IEEE float operation of the
// scalar code, lane by lane: t = u + 1, then t * f32((n - 1) / 2) with align_corners or
// fma(t, f32(n / 2), -0.5); reflection: a = |x - low|, flips = trunc(a / ts),
// extra = fma(-flips, ts, a), min(extra, ts - extra) + low (reflect(); min of two values
// that are never both zero, so the operand order does not matter); border and reflection
// then clip to [0, n - 1] (max/min of a non-NaN value: the same number, up to the sign of
// a zero, which rounds to index 0 either way).  Then the rounding half to even on the
// float value (nearbyint of its exact float64 widening gives the same integer).  A lane
// whose two rounded coordinates are inside [0, n - 1] reads that pixel: the scalar clamp
// to [-margin, n - 1 + margin] (margin >= 1, checked) cannot change such a rounding, and
// BCONST reads it.  A lane with a coordinate rounded outside (inf included) reads the fill
// in the scalar rule too: the clamp keeps it outside since round(-margin) <= -1 and
// round(n - 1 + margin) >= n.  Lanes whose position is NaN before the clip (a NaN grid
// value, or the reflection of an infinite one) are left to the scalar rule (*scalar).
struct Grid8 {
  __m256 cx, cy, hx, hy;  // f32 scales of x and y, n - 1 of x and y
  __m256 lowx, lowy, tsx, tsy;  // reflection: low and 2 * span of x and y
  __m256i s0, s1;  // element strides of the row and column axes
};

// grid_coord's float position (before the conversion to double) of 8 grid values u of
// one axis; lanes whose position is NaN before the clip are set in *nan
template <int PAD, bool AC>
PG_INLINE inline __m256 grid_pos8(__m256 u, __m256 c, __m256 hi, __m256 low, __m256 ts,
                                  __m256* nan) {
  const __m256 t = _mm256_add_ps(u, _mm256_set1_ps(1.0f));
  __m256 p = AC ? _mm256_mul_ps(t, c) : _mm256_fmadd_ps(t, c, _mm256_set1_ps(-0.5f));
  if (PAD == 2) {
    const __m256 d = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(p, low));
    const __m256 flips = _mm256_round_ps(_mm256_div_ps(d, ts), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 extra = _mm256_fnmadd_ps(flips, ts, d);
    p = _mm256_add_ps(_mm256_min_ps(extra, _mm256_sub_ps(ts, extra)), low);
  }
  *nan = _mm256_or_ps(*nan, _mm256_cmp_ps(p, p, _CMP_UNORD_Q));
  if (PAD != 0) p = _mm256_min_ps(_mm256_max_ps(p, _mm256_setzero_ps()), hi);
  return p;
}

// ... rounded half to even (the nearest index, as a float)
template <int PAD, bool AC>
PG_INLINE inline __m256 grid_axis8(__m256 u, __m256 c, __m256 hi, __m256 low, __m256 ts,
                                   __m256* nan) {
  return _mm256_round_ps(grid_pos8<PAD, AC>(u, c, hi, low, ts, nan),
                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// the x and the y values of 8 grid points [x0 y0 x1 y1 ..], each in point order
PG_INLINE inline void grid_load8(const float* g, __m256* xs, __m256* ys) {
  const __m256 a = _mm256_loadu_ps(g), b = _mm256_loadu_ps(g + 8);
  *xs = _mm256_castpd_ps(
      _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
  *ys = _mm256_castpd_ps(
      _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

// Grid8 of a call (AC: align_corners)
template <bool AC>
inline Grid8 grid8_consts(const Args& a) {
  const Axis& A0 = a.ax[0];
  const Axis& A1 = a.ax[1];
  Grid8 k;
  auto scale = [&](int64_t n) {
    return _mm256_set1_ps(AC ? static_cast<float>(static_cast<double>(n - 1) / 2)
                             : static_cast<float>(static_cast<double>(n) / 2));
  };
  k.cx = scale(A1.n);
  k.cy = scale(A0.n);
  k.hx = _mm256_set1_ps(static_cast<float>(A1.n - 1));
  k.hy = _mm256_set1_ps(static_cast<float>(A0.n - 1));
  // reflect(x, 0, 2 (n - 1)) with align_corners, else reflect(x, -1, 2 n - 1)
  k.lowx = _mm256_set1_ps(AC ? 0.0f : -0.5f);
  k.lowy = k.lowx;
  k.tsx = _mm256_set1_ps(static_cast<float>(AC ? 2 * (A1.n - 1) : 2 * A1.n));
  k.tsy = _mm256_set1_ps(static_cast<float>(AC ? 2 * (A0.n - 1) : 2 * A0.n));
  k.s0 = _mm256_set1_epi32(static_cast<int32_t>(A0.stride));
  k.s1 = _mm256_set1_epi32(static_cast<int32_t>(A1.stride));
  return k;
}

// (over: lanes with !(|x| < lim) or !(|y| < lim) are or-ed in: the fused grid check)
template <int PAD, bool AC>
PG_INLINE inline __m256i grid_offsets8(const float* g, const Grid8& k, int* inside, int* scalar,
                                       __m256 lim, __m256* over) {
  __m256 xs, ys;
  grid_load8(g, &xs, &ys);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  *over = _mm256_or_ps(*over, _mm256_or_ps(
      _mm256_cmp_ps(_mm256_andnot_ps(sign, xs), lim, _CMP_NLT_UQ),
      _mm256_cmp_ps(_mm256_andnot_ps(sign, ys), lim, _CMP_NLT_UQ)));
  __m256 nan = _mm256_setzero_ps();
  const __m256 rx = grid_axis8<PAD, AC>(xs, k.cx, k.hx, k.lowx, k.tsx, &nan);
  const __m256 ry = grid_axis8<PAD, AC>(ys, k.cy, k.hy, k.lowy, k.tsy, &nan);
  const __m256 zero = _mm256_setzero_ps();
  const __m256 in = _mm256_and_ps(
      _mm256_and_ps(_mm256_cmp_ps(rx, zero, _CMP_GE_OQ), _mm256_cmp_ps(rx, k.hx, _CMP_LE_OQ)),
      _mm256_and_ps(_mm256_cmp_ps(ry, zero, _CMP_GE_OQ), _mm256_cmp_ps(ry, k.hy, _CMP_LE_OQ)));
  *scalar = _mm256_movemask_ps(nan);
  *inside = _mm256_movemask_ps(_mm256_andnot_ps(nan, in));
  // inside lanes hold small non-negative integers; the rest 0 (a valid offset)
  const __m256i ix = _mm256_cvtps_epi32(_mm256_and_ps(rx, in));
  const __m256i iy = _mm256_cvtps_epi32(_mm256_and_ps(ry, in));
  return _mm256_add_epi32(_mm256_mullo_epi32(iy, k.s0), _mm256_mullo_epi32(ix, k.s1));
}

template <int E> struct Elem;
template <> struct Elem<1> { using T = uint8_t; };
template <> struct Elem<2> { using T = uint16_t; };
template <> struct Elem<4> { using T = uint32_t; };
template <> struct Elem<8> { using T = uint64_t; };

// Points [m, m + n) of grid_gather2d_vec one by one: lanes of `inside` read ob[l], lanes
// of `scalar` take the scalar rule (grid_nearest_offset), the rest the fill.  Out of line:
// it runs only for blocks that touch the edge or hold a NaN, and inlined it filled the
// fast loop's registers (measured 0.45 -> 0.36 ms on the 512^2 x 3 rotation).
template <int E>
__attribute__((noinline)) void grid_gather_lanes(const Args& a, int64_t m, int n,
                                                 const int32_t* ob, int inside, int scalar) {
  using T = typename Elem<E>::T;
  const T* src = static_cast<const T*>(a.src);
  T* dst = static_cast<T*>(a.dst);
  T fill;
  std::memcpy(&fill, a.fill_bytes, E);
  for (int l = 0; l < n; ++l) {
    const int64_t off = (inside >> l) & 1   ? int64_t(ob[l])
                        : (scalar >> l) & 1 ? grid_nearest_offset(a, m + l, a.ax[0].stride,
                                                                  a.ax[1].stride)
                                            : -1;
    T* d = dst + (m + l) * a.dp;
    for (int64_t c = 0; c < a.C; ++c) d[c * a.dc] = off >= 0 ? src[c * a.cstride + off] : fill;
  }
}

// grid_gather2d's vectorised form (grid_vec8 says when it applies): 8 points at a time,
// their offsets in a register, every channel copied for them before the next 8 (the
// offsets never leave the cache; measured 1.7x on the 512^2 x 3 rotation against an
// offsets pass + a plane-by-plane copy).  Elements are copied as E-byte integers (the
// bits unchanged).  AC: align_corners; CC > 0: CC channels and contiguous destination
// points (the channel loop unrolled: 0.40 -> 0.34 ms there), 0: any.
template <int E, int PAD, bool AC, int CC>
void grid_gather2d_vec(const Args& a, int64_t m0, int64_t m1) {
  using T = typename Elem<E>::T;
  const T* src = static_cast<const T*>(a.src);
  T* dst = static_cast<T*>(a.dst);
  const int64_t C = CC > 0 ? CC : a.C, cs = a.cstride, dp = CC > 0 ? 1 : a.dp, dc = a.dc;
  T fill;
  std::memcpy(&fill, a.fill_bytes, E);
  const Grid8 k = grid8_consts<AC>(a);
  const float* g = static_cast<const float*>(a.grid);
  // the fused grid check (Args::scan_bad): the same test as scan_below, |v| < lim for
  // every value, made on the values this loop loads anyway (a separate pass over each
  // piece was ~9% of the 512^2 x 3 nearest rotation at one thread)
  const float flim = a.scan_bad != nullptr ? a.scan_lim : std::numeric_limits<float>::infinity();
  const __m256 lim = _mm256_set1_ps(flim);
  __m256 over = _mm256_setzero_ps();
  alignas(32) int32_t ob[8];
  // 4-byte elements, CC channels: each channel plane's 8 points by one gather at the
  // offsets ob, the lanes off `lanes` taking the fill (an unmasked gather: all lanes)
  auto gather_planes = [&](int64_t m, __m256i lanes) PG_INLINE {
    const __m256i vo = _mm256_load_si256(reinterpret_cast<const __m256i*>(ob));
    const __m256i fv = _mm256_set1_epi32(static_cast<int32_t>(fill));
    T* d = dst + m * dp;
    for (int64_t c = 0; c < C; ++c)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + c * dc),
                          _mm256_mask_i32gather_epi32(
                              fv, reinterpret_cast<const int*>(src + c * cs), vo, lanes, 4));
  };
  int64_t m = m0;
  for (; m + 8 <= m1; m += 8) {
    int inside, scalar;
    _mm256_store_si256(reinterpret_cast<__m256i*>(ob),
                       grid_offsets8<PAD, AC>(g + 2 * m, k, &inside, &scalar, lim, &over));
    if (inside != 0xFF) {
      if constexpr (E == 4 && CC > 0) {
        if (scalar == 0 && inside != 0) {
          // points by the edge, none NaN: the lanes inside gathered, the others the fill
          // (masked gathers, instead of grid_gather_lanes one lane at a time: the 512^2 x
          // 3 rotation, one thread, min of 15 rounds: 0.52-0.55 -> 0.49-0.51 ms, torch
          // 0.47-0.51)
          const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
          gather_planes(m, _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(inside), bits),
                                              bits));
          continue;
        }
      }
      if (scalar != 0 || inside != 0) {
        grid_gather_lanes<E>(a, m, 8, ob, inside, scalar);
      } else {  // every lane reads the fill
        for (int64_t c = 0; c < C; ++c)
          for (int l = 0; l < 8; ++l) dst[(m + l) * dp + c * dc] = fill;
      }
      continue;
    }
    T* d = dst + m * dp;
    if constexpr (E == 4 && CC > 0) {
      // 4-byte elements, points adjacent: one gather and one store per channel instead of
      // 8 loads and 8 stores (measured on the 512^2 x 3 rotation, one thread, on an Intel
      // Xeon with AVX-512: 0.68 -> 0.55 ms, torch 0.46)
      gather_planes(m, _mm256_set1_epi32(-1));
      continue;
    }
    // the offsets in locals: stores of T (uint8_t, uint32_t) may alias ob
    int64_t o[8];
    for (int l = 0; l < 8; ++l) o[l] = ob[l];
    for (int64_t c = 0; c < C; ++c) {
      const T* sp = src + c * cs;
      T* dd = d + c * dc;
      for (int l = 0; l < 8; ++l) dd[l * dp] = sp[o[l]];
    }
  }
  if (m < m1) {  // the rest, fewer than 8 points
    grid_gather_lanes<E>(a, m, static_cast<int>(m1 - m), ob, 0, 0xFF);
  }
  if (a.scan_bad != nullptr) {
    bool bad = _mm256_movemask_ps(over) != 0;
    for (int64_t q = 2 * m; q < 2 * m1 && !bad; ++q) bad = !(std::fabs(g[q]) < flim);
    if (bad) a.scan_bad->store(true, std::memory_order_relaxed);
  }
}

// Whether grid_gather2d_vec runs these arguments: float32 grids of the FMA rule, nearest
// half to even with the constant boundary (margin >= 1), axes below 2**24 (exact in
// float), element offsets within int32.
inline bool grid_vec8(const Args& a) {
  const Axis& A0 = a.ax[0];
  const Axis& A1 = a.ax[1];
  const int64_t lim = int64_t(1) << 24;
  return !a.grid_f64 && a.grid_fma && A0.tie == THALF_EVEN && A1.tie == THALF_EVEN &&
         A0.boundary == BCONST && A1.boundary == BCONST && A0.margin >= 1 && A1.margin >= 1 &&
         A0.n < lim && A1.n < lim && A0.stride < lim * 64 && A1.stride < lim * 64 &&
         (A0.n - 1) * A0.stride + (A1.n - 1) * A1.stride <= int64_t(0x7fffffff);
}

template <int E, int PAD, bool AC>
RangeFn grid_vec_fn_c(const Args& a) {
  if constexpr (E == 4) {  // float32 data in the compat layers' layout
    if (a.dp == 1) {
      switch (a.C) {
        case 1: return grid_gather2d_vec<E, PAD, AC, 1>;
        case 2: return grid_gather2d_vec<E, PAD, AC, 2>;
        case 3: return grid_gather2d_vec<E, PAD, AC, 3>;
        case 4: return grid_gather2d_vec<E, PAD, AC, 4>;
        default: break;
      }
    }
  }
  return grid_gather2d_vec<E, PAD, AC, 0>;
}

template <int E, int PAD>
RangeFn grid_vec_fn_p(const Args& a) {
  return a.grid_ac ? grid_vec_fn_c<E, PAD, true>(a) : grid_vec_fn_c<E, PAD, false>(a);
}

template <int E>
RangeFn grid_vec_fn(const Args& a) {
  switch (a.grid_pad) {
    case 0: return grid_vec_fn_p<E, 0>(a);
    case 1: return grid_vec_fn_p<E, 1>(a);
    default: return grid_vec_fn_p<E, 2>(a);
  }
}

// PyTorch's vectorised 2-D float32 bilinear grid_sample (point2d_fma32<float, KLINEAR> on
// the points of grid_xy, window "floor", constant 0 outside), 8 points at a time in
// float32 lanes, each lane the scalar rule's IEEE operations: the position p of
// grid_pos8; for p >= 0 on both axes (the other lanes, NaN ones included, take the scalar
// rule) the clamp min(p, n - 1 + margin) (the scalar max(., -margin) changes nothing
// there; both bounds are exact floats), f = floor(p) and d = p - f, exact in float (p < 1:
// f = 0; else p / 2 <= f <= p, Sterbenz), so the scalar rule's float64 weights 1 - d and
// d, whose sum is exactly 1 (no division), round to float32 as 1 - d does in float
// lanes and d itself.  Tap weights w = wy * wx; the taps in order nw, ne, sw, se; a tap
// outside reads 0 (a masked gather) where the scalar rule reads nothing with weight 0
// (both give +0 products, so the sums are equal); acc = v * w, then fma(v, w, acc).
// Measured with the compat call's memo (one thread, a 30-degree rotation + scale 0.9 of
// 1x3xn^2): n = 64 21.4 -> 13.5 us, n = 256 250 -> 178 us against the 4-point kernel of
// sampler_fast.cpp (float64 lanes, positions stored first); PyTorch 17.3 and 262 us.
// Lanes [-1, 0) take ~1% of the points; before the far lanes (below -1) were vectorised
// they took 18% of the time point by point.
template <int PAD, bool AC>
void grid_linear8(const Args& a, int64_t m0, int64_t m1) {
  const float* src = static_cast<const float*>(a.src);
  float* dst = static_cast<float*>(a.dst);
  const int64_t C = a.C, cs = a.cstride, dc = a.dc;
  const Grid8 k = grid8_consts<AC>(a);
  const __m256 top0 = _mm256_set1_ps(static_cast<float>(static_cast<double>(a.ax[0].n - 1) +
                                                        a.ax[0].margin));
  const __m256 top1 = _mm256_set1_ps(static_cast<float>(static_cast<double>(a.ax[1].n - 1) +
                                                        a.ax[1].margin));
  const __m256i n0 = _mm256_set1_epi32(static_cast<int32_t>(a.ax[0].n));
  const __m256i n1 = _mm256_set1_epi32(static_cast<int32_t>(a.ax[1].n));
  const __m256i one_i = _mm256_set1_epi32(1);
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  const __m256 minus1 = _mm256_set1_ps(-1.0f);
  const bool pairs = a.ax[1].stride == 1;  // (not channels-last data)
  const float* g = static_cast<const float*>(a.grid);
  std::vector<float> scratch(static_cast<size_t>(C));
  auto scalar = [&](int64_t m) {
    double x[2];
    grid_xy(a, m, x);
    point2d_fma32<float, KLINEAR>(a, src, C, scratch.data(), m, x);
  };
  int64_t m = m0;
  for (; m + 8 <= m1; m += 8) {
    __m256 xs, ys;
    grid_load8(g + 2 * m, &xs, &ys);
    __m256 bad = zero;
    __m256 px = grid_pos8<PAD, AC>(xs, k.cx, k.hx, k.lowx, k.tsx, &bad);
    __m256 py = grid_pos8<PAD, AC>(ys, k.cy, k.hy, k.lowy, k.tsy, &bad);
    // below 0 on an axis: read nothing; below -1 (every tap outside, the sum +0) in the
    // vector, else (a tap at 0 or 1 may be read) by the scalar rule, as are NaN lanes
    const __m256 neg = _mm256_or_ps(_mm256_cmp_ps(px, zero, _CMP_LT_OQ),
                                    _mm256_cmp_ps(py, zero, _CMP_LT_OQ));
    const __m256 far = _mm256_or_ps(_mm256_cmp_ps(px, minus1, _CMP_LT_OQ),
                                    _mm256_cmp_ps(py, minus1, _CMP_LT_OQ));
    const int nb = _mm256_movemask_ps(_mm256_or_ps(bad, _mm256_andnot_ps(far, neg)));
    bad = _mm256_or_ps(bad, neg);
    if (nb == 0xFF) {
      for (int l = 0; l < 8; ++l) scalar(m + l);
      continue;
    }
    px = _mm256_min_ps(px, top1);
    py = _mm256_min_ps(py, top0);
    const __m256 fx = _mm256_floor_ps(px), fy = _mm256_floor_ps(py);
    const __m256 wx1 = _mm256_sub_ps(px, fx), wy1 = _mm256_sub_ps(py, fy);
    const __m256 wx0 = _mm256_sub_ps(one, wx1), wy0 = _mm256_sub_ps(one, wy1);
    const __m256 w_nw = _mm256_mul_ps(wy0, wx0), w_ne = _mm256_mul_ps(wy0, wx1);
    const __m256 w_sw = _mm256_mul_ps(wy1, wx0), w_se = _mm256_mul_ps(wy1, wx1);
    // bad lanes read nothing (ix, iy 0 there; their taps are masked off below)
    const __m256i ix = _mm256_cvttps_epi32(_mm256_andnot_ps(bad, fx));
    const __m256i iy = _mm256_cvttps_epi32(_mm256_andnot_ps(bad, fy));
    const __m256i ok = _mm256_castps_si256(_mm256_xor_ps(bad, _mm256_castsi256_ps(
        _mm256_set1_epi32(-1))));
    // ix, iy >= 0: a tap is inside when below n
    const __m256i x0in = _mm256_cmpgt_epi32(n1, ix);
    const __m256i x1in = _mm256_cmpgt_epi32(n1, _mm256_add_epi32(ix, one_i));
    const __m256i y0in = _mm256_and_si256(ok, _mm256_cmpgt_epi32(n0, iy));
    const __m256i y1in = _mm256_and_si256(ok, _mm256_cmpgt_epi32(n0, _mm256_add_epi32(iy, one_i)));
    const __m256 k_nw = _mm256_castsi256_ps(_mm256_and_si256(y0in, x0in));
    const __m256 k_ne = _mm256_castsi256_ps(_mm256_and_si256(y0in, x1in));
    const __m256 k_sw = _mm256_castsi256_ps(_mm256_and_si256(y1in, x0in));
    const __m256 k_se = _mm256_castsi256_ps(_mm256_and_si256(y1in, x1in));
    const __m256i o_nw = _mm256_add_epi32(_mm256_mullo_epi32(iy, k.s0), _mm256_mullo_epi32(ix, k.s1));
    const __m256i o_ne = _mm256_add_epi32(o_nw, k.s1);
    const __m256i o_sw = _mm256_add_epi32(o_nw, k.s0);
    const __m256i o_se = _mm256_add_epi32(o_sw, k.s1);
    float* d = dst + m;
    const int any = _mm256_movemask_ps(_mm256_or_ps(_mm256_or_ps(k_nw, k_ne),
                                                    _mm256_or_ps(k_sw, k_se)));
    if (any == 0) {  // every tap of every lane outside (or left to the scalar rule): +0
      for (int64_t c = 0; c < C; ++c) _mm256_storeu_ps(d + c * dc, zero);
    } else if (pairs &&
               _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(x1in, y1in))) == 0xFF) {
      // every tap inside, columns adjacent: each point's nw, ne (and sw, se) are read as 8-byte
      // pairs; pairs of points [0 1 | 4 5] and [2 3 | 6 7] in two vectors, so that one
      // shuffle gives the left taps in point order and one the right taps (gathers took
      // ~9 cycles each here)
      alignas(32) int32_t ob[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(ob), o_nw);
      const int64_t s0 = a.ax[0].stride;
      for (int64_t c = 0; c < C; ++c) {
        const float* sp = src + c * cs;
        __m256 tap[4];
        for (int r = 0; r < 2; ++r) {
          const float* q = sp + r * s0;
          auto two = [&](int l0, int l1) {
            return _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(),
                                             reinterpret_cast<const __m64*>(q + ob[l0])),
                                reinterpret_cast<const __m64*>(q + ob[l1]));
          };
          const __m256 lo = _mm256_set_m128(two(4, 5), two(0, 1));
          const __m256 hi = _mm256_set_m128(two(6, 7), two(2, 3));
          tap[2 * r] = _mm256_shuffle_ps(lo, hi, 0x88);
          tap[2 * r + 1] = _mm256_shuffle_ps(lo, hi, 0xDD);
        }
        __m256 acc = _mm256_mul_ps(tap[0], w_nw);
        acc = _mm256_fmadd_ps(tap[1], w_ne, acc);
        acc = _mm256_fmadd_ps(tap[2], w_sw, acc);
        acc = _mm256_fmadd_ps(tap[3], w_se, acc);
        _mm256_storeu_ps(d + c * dc, acc);
      }
    } else {
      for (int64_t c = 0; c < C; ++c) {
        const float* sp = src + c * cs;
        __m256 acc = _mm256_mul_ps(_mm256_mask_i32gather_ps(zero, sp, o_nw, k_nw, 4), w_nw);
        acc = _mm256_fmadd_ps(_mm256_mask_i32gather_ps(zero, sp, o_ne, k_ne, 4), w_ne, acc);
        acc = _mm256_fmadd_ps(_mm256_mask_i32gather_ps(zero, sp, o_sw, k_sw, 4), w_sw, acc);
        acc = _mm256_fmadd_ps(_mm256_mask_i32gather_ps(zero, sp, o_se, k_se, 4), w_se, acc);
        _mm256_storeu_ps(d + c * dc, acc);
      }
    }
    if (nb != 0)
      for (int l = 0; l < 8; ++l)
        if ((nb >> l) & 1) scalar(m + l);
  }
  for (; m < m1; ++m) scalar(m);
}

template <int PAD>
RangeFn grid_linear_fn_p(const Args& a) {
  return a.grid_ac ? grid_linear8<PAD, true> : grid_linear8<PAD, false>;
}

// TorchCubic::weights of 8 fractions t, lane by lane the same float operations
PG_INLINE inline void torch_cubic8(const TorchCubic& K, __m256 t, __m256* c) {
  const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  const __m256 a = _mm256_set1_ps(K.a), a5 = _mm256_set1_ps(K.a5);
  const __m256 a8 = _mm256_set1_ps(K.a8), a4 = _mm256_set1_ps(K.a4);
  const __m256 ap2 = _mm256_set1_ps(K.ap2), ap3 = _mm256_set1_ps(K.ap3);
  auto outer = [&](__m256 x) PG_INLINE {
    __m256 r = _mm256_sub_ps(_mm256_mul_ps(a, x), a5);
    r = _mm256_add_ps(_mm256_mul_ps(r, x), a8);
    return _mm256_sub_ps(_mm256_mul_ps(r, x), a4);
  };
  auto inner = [&](__m256 x) PG_INLINE {
    return _mm256_fmadd_ps(_mm256_mul_ps(_mm256_fmsub_ps(ap2, x, ap3), x), x, one);
  };
  c[0] = outer(_mm256_add_ps(t, one));
  c[1] = inner(t);
  c[2] = inner(_mm256_sub_ps(one, t));
  c[3] = outer(_mm256_sub_ps(two, t));
}

// One row of torch_bicubic for 8 points: (fma(c0, v0, c1 v1) + c2 v2) + c3 v3
PG_INLINE inline __m256 torch_cubic_row8(const __m256* c, __m256 v0, __m256 v1, __m256 v2,
                                         __m256 v3) {
  __m256 s = _mm256_fmadd_ps(c[0], v0, _mm256_mul_ps(c[1], v1));
  s = _mm256_add_ps(s, _mm256_mul_ps(c[2], v2));
  return _mm256_add_ps(s, _mm256_mul_ps(c[3], v3));
}

// ... and the 4 rows: fma(d3, r3, fma(d2, r2, fma(d1, r1, d0 r0)))
PG_INLINE inline __m256 torch_cubic_col8(const __m256* d, const __m256* r) {
  __m256 o = _mm256_fmadd_ps(d[1], r[1], _mm256_mul_ps(d[0], r[0]));
  o = _mm256_fmadd_ps(d[2], r[2], o);
  return _mm256_fmadd_ps(d[3], r[3], o);
}

// PyTorch's bicubic grid_sample (torch_bicubic) of a float32 source, 8 grid points at a
// time, the operations of point2d_torch_cubic lane by lane: positions as grid_linear8
// (unpadded: the boundary B, constant at 0 or clamp, acts on each tap), t = x - floor(x),
// the weights (torch_cubic8), tap bases floor(x) clamped to [-8, n + 8] as the scalar
// rule.  Blocks whose 8 points have all 16 taps inside a source with adjacent columns read
// each point's 4 taps of a row as one 16-byte load and transpose them (8 loads and 8
// shuffles per row instead of 4 gathers); other blocks gather every tap (masked: a tap
// outside a constant boundary reads 0, as PyTorch's mask_gather does), and NaN positions
// take the scalar rule.  PyTorch (2.13, AVX-512) gathers the 16 taps of each channel for
// 16 points at a time and computes the tap offsets and masks again per channel.
template <int B, bool AC>
void grid_cubic8(const Args& a, int64_t m0, int64_t m1) {
  const float* src = static_cast<const float*>(a.src);
  float* dst = static_cast<float*>(a.dst);
  const int64_t C = a.C, cs = a.cstride, dc = a.dc;
  const int64_t s0 = a.ax[0].stride;
  const Grid8 k = grid8_consts<AC>(a);
  const TorchCubic K0(a.ax[0].a), K1(a.ax[1].a);
  const int32_t n0 = static_cast<int32_t>(a.ax[0].n), n1 = static_cast<int32_t>(a.ax[1].n);
  const __m256 zero = _mm256_setzero_ps();
  const __m256 lo = _mm256_set1_ps(-8.0f);
  const __m256 hi0 = _mm256_set1_ps(static_cast<float>(n0 + 8));
  const __m256 hi1 = _mm256_set1_ps(static_cast<float>(n1 + 8));
  const __m256i zero_i = _mm256_setzero_si256(), minus1_i = _mm256_set1_epi32(-1);
  const __m256i top0 = _mm256_set1_epi32(n0 - 1), top1 = _mm256_set1_epi32(n1 - 1);
  const __m256i in_hi0 = _mm256_set1_epi32(n0 - 2), in_hi1 = _mm256_set1_epi32(n1 - 2);
  const __m256i n0v = _mm256_set1_epi32(n0), n1v = _mm256_set1_epi32(n1);
  const bool rows = a.ax[1].stride == 1;
  const float* g = static_cast<const float*>(a.grid);
  auto scalar = [&](int64_t m) {
    double x[2];
    grid_xy(a, m, x);
    point2d_torch_cubic<float>(a, src, C, m, x);
  };
  // tap i of an axis: element offset (j * stride) and inside mask, j = base - 1 + i
  auto tap = [&](__m256i base, int i, __m256i top, __m256i n, __m256i stride, __m256* in) {
    __m256i j = _mm256_add_epi32(base, _mm256_set1_epi32(i - 1));
    if (B == BCONST) {
      const __m256i ok = _mm256_and_si256(_mm256_cmpgt_epi32(j, minus1_i),
                                          _mm256_cmpgt_epi32(n, j));
      *in = _mm256_castsi256_ps(ok);
      j = _mm256_and_si256(j, ok);
    } else {
      *in = _mm256_castsi256_ps(minus1_i);
      j = _mm256_min_epi32(_mm256_max_epi32(j, zero_i), top);
    }
    return _mm256_mullo_epi32(j, stride);
  };
  int64_t m = m0;
  for (; m + 8 <= m1; m += 8) {
    __m256 xs, ys;
    grid_load8(g + 2 * m, &xs, &ys);
    __m256 bad = zero;
    __m256 px = grid_pos8<0, AC>(xs, k.cx, k.hx, k.lowx, k.tsx, &bad);
    __m256 py = grid_pos8<0, AC>(ys, k.cy, k.hy, k.lowy, k.tsy, &bad);
    const int nb = _mm256_movemask_ps(bad);
    if (nb == 0xFF) {
      for (int l = 0; l < 8; ++l) scalar(m + l);
      continue;
    }
    px = _mm256_andnot_ps(bad, px);  // (NaN lanes: 0 here, the scalar rule after)
    py = _mm256_andnot_ps(bad, py);
    const __m256 fx = _mm256_floor_ps(px), fy = _mm256_floor_ps(py);
    __m256 cx[4], cy[4];
    torch_cubic8(K1, _mm256_sub_ps(px, fx), cx);
    torch_cubic8(K0, _mm256_sub_ps(py, fy), cy);
    const __m256i bx = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(fx, lo), hi1));
    const __m256i by = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(fy, lo), hi0));
    float* d = dst + m;
    const __m256i inner = _mm256_and_si256(
        _mm256_and_si256(_mm256_cmpgt_epi32(bx, zero_i), _mm256_cmpgt_epi32(in_hi1, bx)),
        _mm256_and_si256(_mm256_cmpgt_epi32(by, zero_i), _mm256_cmpgt_epi32(in_hi0, by)));
    if (rows && _mm256_movemask_ps(_mm256_castsi256_ps(inner)) == 0xFF) {
      alignas(32) int32_t ob[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(ob),
                         _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(by, _mm256_set1_epi32(1)), k.s0),
                                          _mm256_sub_epi32(bx, _mm256_set1_epi32(1))));
      for (int64_t c = 0; c < C; ++c) {
        const float* sp = src + c * cs;
        __m256 r[4];
        for (int i = 0; i < 4; ++i) {
          const float* q = sp + i * s0;
          auto two = [&](int l) PG_INLINE {
            return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(q + ob[l])),
                                        _mm_loadu_ps(q + ob[l + 4]), 1);
          };
          const __m256 t0 = two(0), t1 = two(1), t2 = two(2), t3 = two(3);
          // points (0..3 | 4..7) per 128-bit lane: a 4 x 4 transpose in each
          const __m256 u0 = _mm256_unpacklo_ps(t0, t1), u1 = _mm256_unpackhi_ps(t0, t1);
          const __m256 u2 = _mm256_unpacklo_ps(t2, t3), u3 = _mm256_unpackhi_ps(t2, t3);
          auto lo2 = [](__m256 p, __m256 q2) PG_INLINE {
            return _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(p), _mm256_castps_pd(q2)));
          };
          auto hi2 = [](__m256 p, __m256 q2) PG_INLINE {
            return _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(p), _mm256_castps_pd(q2)));
          };
          r[i] = torch_cubic_row8(cx, lo2(u0, u2), hi2(u0, u2), lo2(u1, u3), hi2(u1, u3));
        }
        _mm256_storeu_ps(d + c * dc, torch_cubic_col8(cy, r));
      }
    } else {
      __m256i ox[4], oy[4];
      __m256 mx[4], my[4];
      for (int i = 0; i < 4; ++i) {
        ox[i] = tap(bx, i, top1, n1v, k.s1, &mx[i]);
        oy[i] = tap(by, i, top0, n0v, k.s0, &my[i]);
      }
      const __m256 anyx = _mm256_or_ps(_mm256_or_ps(mx[0], mx[1]), _mm256_or_ps(mx[2], mx[3]));
      const __m256 anyy = _mm256_or_ps(_mm256_or_ps(my[0], my[1]), _mm256_or_ps(my[2], my[3]));
      if (B == BCONST && _mm256_movemask_ps(_mm256_and_ps(anyx, anyy)) == 0) {
        // every tap of every lane outside: each sum is +0 (see _sampling: all v = 0, and
        // c1, c2, d1 >= 0 make every partial sum +0)
        for (int64_t c = 0; c < C; ++c) _mm256_storeu_ps(d + c * dc, zero);
      } else {
        for (int64_t c = 0; c < C; ++c) {
          const float* sp = src + c * cs;
          __m256 r[4];
          for (int i = 0; i < 4; ++i) {
            __m256 v[4];
            for (int j = 0; j < 4; ++j) {
              const __m256i o = _mm256_add_epi32(oy[i], ox[j]);
              v[j] = B == BCONST
                         ? _mm256_mask_i32gather_ps(zero, sp, o, _mm256_and_ps(my[i], mx[j]), 4)
                         : _mm256_i32gather_ps(sp, o, 4);
            }
            r[i] = torch_cubic_row8(cx, v[0], v[1], v[2], v[3]);
          }
          _mm256_storeu_ps(d + c * dc, torch_cubic_col8(cy, r));
        }
      }
    }
    if (nb != 0)
      for (int l = 0; l < 8; ++l)
        if ((nb >> l) & 1) scalar(m + l);
  }
  for (; m < m1; ++m) scalar(m);
}

template <int B>
RangeFn grid_cubic_fn_b(const Args& a) {
  return a.grid_ac ? grid_cubic8<B, true> : grid_cubic8<B, false>;
}
#endif

}  // namespace

#if defined(__AVX2__) && defined(__FMA__)
// grid_linear8 where it runs these arguments, else null: a float32 source sampled by
// PyTorch's float32 FMA rule (grid_sample's vectorised 2-D kernel) from a float32 grid,
// linear on both axes with the constant boundary at fill 0, window "floor", contiguous
// destination points, axes below 2**24 and element offsets within int32.
RangeFn grid_linear_fn(int dt, const Args& a) {
  const Axis& A0 = a.ax[0];
  const Axis& A1 = a.ax[1];
  const int64_t lim = int64_t(1) << 24;
  if (dt != F32 || a.k != 2 || a.grid == nullptr || a.grid_f64 || !a.grid_fma ||
      a.sums != SUM_FMA32 || a.window != 1 || a.omit || a.fill != 0 || a.dp != 1 ||
      A0.kernel != KLINEAR || A1.kernel != KLINEAR || A0.boundary != BCONST ||
      A1.boundary != BCONST || A0.margin < 1 || A1.margin < 1 || A0.margin > 64 ||
      A1.margin > 64 || A0.n >= lim || A1.n >= lim || A0.stride >= lim * 64 ||
      A1.stride >= lim * 64 ||
      A0.n * A0.stride + A1.n * A1.stride > int64_t(0x7fffffff))
    return nullptr;
  switch (a.grid_pad) {
    case 0: return grid_linear_fn_p<0>(a);
    case 1: return grid_linear_fn_p<1>(a);
    default: return grid_linear_fn_p<2>(a);
  }
}

// grid_cubic8 where it runs these arguments, else null: a float32 source sampled by
// torch_bicubic from a float32 grid by the FMA position rule, unpadded (bicubic pads its
// taps), one boundary on both axes (constant at fill 0, or clamp), contiguous destination
// points, axes below 2**24 and element offsets within int32.
RangeFn grid_cubic_fn(int dt, const Args& a) {
  const Axis& A0 = a.ax[0];
  const Axis& A1 = a.ax[1];
  const int64_t lim = int64_t(1) << 24;
  if (dt != F32 || a.k != 2 || a.grid == nullptr || a.grid_f64 || !a.grid_fma ||
      a.grid_pad != 0 || a.sums != SUM_TORCH_CUBIC || a.window != 1 || a.omit ||
      a.dp != 1 || A0.boundary != A1.boundary || A0.n >= lim || A1.n >= lim ||
      A0.stride >= lim * 64 || A1.stride >= lim * 64 ||
      A0.n * A0.stride + A1.n * A1.stride > int64_t(0x7fffffff))
    return nullptr;
  if (A0.boundary == BCONST && a.fill == 0) return grid_cubic_fn_b<BCONST>(a);
  if (A0.boundary == BCLAMP) return grid_cubic_fn_b<BCLAMP>(a);
  return nullptr;
}
#endif

namespace {

// gather_points of grid points (Args::grid) for two nearest axes and elements of E bytes
// where grid_gather2d_vec does not run: the offsets of a block of points, point by point,
// then each channel plane copied in turn.  The same offsets as gather2d on
// grid_positions' points (the same scalar rules), so the result is bit-identical to it.
template <int E>
void grid_gather2d(const Args& a, int64_t m0, int64_t m1) {
  const char* src = static_cast<const char*>(a.src);
  char* dst = static_cast<char*>(a.dst);
  const int64_t C = a.C;
  const Axis& A0 = a.ax[0];
  const Axis& A1 = a.ax[1];
  const int64_t s0 = A0.stride * E, s1 = A1.stride * E, cs = a.cstride * E;
  const int64_t dp = a.dp * E, dc = a.dc * E;
  constexpr int64_t kB = 512;
  int64_t off[kB];
  for (int64_t b0 = m0; b0 < m1; b0 += kB) {
    const int64_t B = std::min(kB, m1 - b0);
    for (int64_t i = 0; i < B; ++i) off[i] = grid_nearest_offset(a, b0 + i, s0, s1);
    for (int64_t c = 0; c < C; ++c) {
      const char* sp = src + c * cs;
      char* d = dst + b0 * dp + c * dc;
      for (int64_t q = 0; q < B; ++q) {
        const int64_t o = off[q];
        std::memcpy(d + q * dp, o >= 0 ? sp + o : reinterpret_cast<const char*>(a.fill_bytes), E);
      }
    }
  }
}

void gather_generic(const Args& a, int64_t m0, int64_t m1);

}  // namespace

// Whether gather_points checks the grid itself (Args::scan_bad) for these arguments
bool gather_fuses_scan(const Args& a) {
#if defined(__AVX2__) && defined(__FMA__)
  return a.grid != nullptr && grid_vec8(a);
#else
  (void)a;
  return false;
#endif
}

void gather_points(const Args& a, int64_t m0, int64_t m1) {
  if (a.grid != nullptr) {  // run_sample passes the grid only where grid_gather2d applies
#if defined(__AVX2__) && defined(__FMA__)
    if (grid_vec8(a)) {
      switch (a.itemsize) {
        case 1: return grid_vec_fn<1>(a)(a, m0, m1);
        case 2: return grid_vec_fn<2>(a)(a, m0, m1);
        case 4: return grid_vec_fn<4>(a)(a, m0, m1);
        default: return grid_vec_fn<8>(a)(a, m0, m1);
      }
    }
#endif
    switch (a.itemsize) {
      case 1: return grid_gather2d<1>(a, m0, m1);
      case 2: return grid_gather2d<2>(a, m0, m1);
      case 4: return grid_gather2d<4>(a, m0, m1);
      default: return grid_gather2d<8>(a, m0, m1);
    }
  }
  if (a.k == 2 && !a.omit && a.ax[0].kernel == KNEAREST && a.ax[1].kernel == KNEAREST) {
    switch (a.itemsize) {
      case 1: return gather2d<1>(a, m0, m1);
      case 2: return gather2d<2>(a, m0, m1);
      case 4: return gather2d<4>(a, m0, m1);
      case 8: return gather2d<8>(a, m0, m1);
      default: break;
    }
  }
  gather_generic(a, m0, m1);
}

namespace {

void gather_generic(const Args& a, int64_t m0, int64_t m1) {
  const char* src = static_cast<const char*>(a.src);
  char* dst = static_cast<char*>(a.dst);
  const int64_t E = a.itemsize, C = a.C;
  Taps taps[kMaxAxes];
  for (int64_t m = m0; m < m1; ++m) {
    all_taps(a, m, taps);
    int64_t off = 0;
    bool ok = true;
    for (int i = 0; i < a.k; ++i) {
      off += taps[i].j[0] * a.ax[i].stride;
      ok = ok && (!taps[i].masked || taps[i].in[0]);
    }
    for (int64_t c = 0; c < C; ++c) {
      const char* from = ok ? src + (off + c * a.cstride) * E : reinterpret_cast<const char*>(a.fill_bytes);
      char* to = dst + (m * a.dp + c * a.dc) * E;
      switch (E) {
        case 1: *to = *from; break;
        case 2: std::memcpy(to, from, 2); break;
        case 4: std::memcpy(to, from, 4); break;
        case 8: std::memcpy(to, from, 8); break;
        default: std::memcpy(to, from, static_cast<size_t>(E));
      }
      if (a.omit) {  // nan_policy omit: a non-finite value has no finite tap left
        if (E == 4) {
          float f;
          std::memcpy(&f, to, 4);
          if (!std::isfinite(f)) f = std::numeric_limits<float>::quiet_NaN();
          std::memcpy(to, &f, 4);
        } else if (E == 8) {
          double f;
          std::memcpy(&f, to, 8);
          if (!std::isfinite(f)) f = std::numeric_limits<double>::quiet_NaN();
          std::memcpy(to, &f, 8);
        }
      }
    }
  }
}

template <class Tin, int OUT, int KIND>
RangeFn pick_c(int64_t C) {
  switch (C) {
    case 1: return sum2d<Tin, OUT, KIND, 1>;
    case 2: return sum2d<Tin, OUT, KIND, 2>;
    case 3: return sum2d<Tin, OUT, KIND, 3>;
    case 4: return sum2d<Tin, OUT, KIND, 4>;
    default: return sum2d<Tin, OUT, KIND, 0>;
  }
}

template <class Tin, int OUT>
RangeFn pick_2d(const Args& a) {
  const int kind = a.ax[0].kernel;
  if (a.k != 2 || a.omit || a.ax[1].kernel != kind) return sum_f64<Tin, OUT>;
  switch (kind) {
    case KLINEAR: return pick_c<Tin, OUT, KLINEAR>(a.C);
    case KCUBIC: return pick_c<Tin, OUT, KCUBIC>(a.C);
    case KCUBIC_PILLOW: return pick_c<Tin, OUT, KCUBIC_PILLOW>(a.C);
    default: return sum_f64<Tin, OUT>;
  }
}

template <class Tin>
RangeFn pick_out(int out, const Args& a) {
  switch (out) {
    case OUT_F64: return pick_2d<Tin, OUT_F64>(a);
    case OUT_F32: return pick_2d<Tin, OUT_F32>(a);
    default: return pick_2d<Tin, OUT_SAME>(a);
  }
}

template <class Tin>
RangeFn pick_fma(const Args& a) {
  if (a.k != 2 || a.ax[1].kernel != a.ax[0].kernel) return sum_fma32<Tin>;
  switch (a.ax[0].kernel) {
    case KLINEAR:
      if (a.C == 1) return sum2d_fma32<Tin, KLINEAR, 1>;
      if (a.C == 3) return sum2d_fma32<Tin, KLINEAR, 3>;
      return sum2d_fma32<Tin, KLINEAR, 0>;
    case KCUBIC: return sum2d_fma32<Tin, KCUBIC, 0>;
    default: return sum_fma32<Tin>;
  }
}

}  // namespace

// ---- PyTorch grid_sample positions (pixelgrid._sampling.grid_positions, same rules) ----
namespace {

template <class F>
void positions(const F* g, int dim, const int64_t* sizes, bool ac, int padding, bool fma,
               double* out, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    for (int i = 0; i < dim; ++i) {
      const int64_t n = sizes[i];
      out[r * dim + i] = grid_coord<F>(g[r * dim + (dim - 1 - i)], n, ac, padding, fma);
    }
  }
}

}  // namespace

void grid_positions(const void* g, bool f64, int dim, const int64_t* sizes, bool ac,
                    int padding, bool fma, double* out, int64_t r0, int64_t r1) {
  if (f64)
    positions<double>(static_cast<const double*>(g), dim, sizes, ac, padding, fma, out, r0, r1);
  else
    positions<float>(static_cast<const float*>(g), dim, sizes, ac, padding, fma, out, r0, r1);
}

RangeFn pick(int dt, int out, int sums, const Args& a) {
#define PG_CASE(CODE, T)                                       \
  case CODE:                                                   \
    if (sums == SUM_TORCH_CUBIC) return sum2d_torch_cubic<T>;  \
    return sums == SUM_FMA32 ? pick_fma<T>(a) : pick_out<T>(out, a);
  switch (dt) {
    PG_CASE(U8, uint8_t)
    PG_CASE(I8, int8_t)
    PG_CASE(U16, uint16_t)
    PG_CASE(I16, int16_t)
    PG_CASE(U32, uint32_t)
    PG_CASE(I32, int32_t)
    PG_CASE(F32, float)
    PG_CASE(F64, double)
    default:
      throw std::invalid_argument("sample_points: unsupported dtype code");
  }
#undef PG_CASE
}


}  // namespace PG_SNS
}  // namespace sampler
}  // namespace pg
