// Per-point rules of the compiled point sampler, shared by sampler_kernels.h (built for the
// baseline ISA and for AVX2+FMA) and sampler_fast.cpp (AVX2 kernels that take 4 points at
// a time and fall back to these for points near the border): the one C++ definition of
// pixelgrid._sampling's per-axis taps, weights, boundary rules, per-point sums and stores.
// Include once per translation unit with PG_SNS defined (the namespace of the helpers).
#ifndef PG_SNS
#error "define PG_SNS before including sampler_point.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "sampler_types.h"

#if defined(__GNUC__)
#define PG_INLINE __attribute__((always_inline))
#else
#define PG_INLINE
#endif

namespace pg {
namespace sampler {
namespace PG_SNS {
namespace {

inline int64_t floor_mod(int64_t a, int64_t p) {
  const int64_t m = a % p;
  return m < 0 ? m + p : m;
}

// pixelgrid._plan.map_boundary
inline int64_t map_index(int64_t j, int64_t n, int b) {
  switch (b) {
    case BWRAP:
      return floor_mod(j, n);
    case BREFLECT: {
      if (n == 1) return 0;
      const int64_t p = 2 * (n - 1), m = floor_mod(j, p);
      return m < n ? m : p - m;
    }
    case BSYM: {
      const int64_t p = 2 * n, m = floor_mod(j, p);
      return m < n ? m : p - 1 - m;
    }
    default:
      return j < 0 ? 0 : (j >= n ? n - 1 : j);
  }
}

// pixelgrid._sampling._nearest_index
inline int64_t nearest_index(double x, int tie) {
  switch (tie) {
    case THALF_EVEN:
      return static_cast<int64_t>(std::nearbyint(x));
    case TCEIL:
      return static_cast<int64_t>(std::ceil(x));
    case TFLOOR:
      return static_cast<int64_t>(std::floor(x));
    default: {
      const double r = std::floor(x), frac = x - r;
      const bool up = tie == TCEIL_HALF ? frac >= 0.5 : frac > 0.5;
      return static_cast<int64_t>(r + (up ? 1.0 : 0.0));
    }
  }
}

// pixelgrid._kernels.linear / cubic (the same expressions, evaluated in the same order)
template <int KIND>
inline double kernel_weight(const Axis& A, double d) {
  if (KIND == KLINEAR) return 1.0 - std::fabs(d);
  double x = std::fabs(d);
  if (A.table != 0) x = std::fabs(std::nearbyint(d * A.table) / A.table);
  if (x < 1) return ((A.ap2 * x - A.ap3) * x) * x + 1;
  if (x < 2) {
    if (KIND == KCUBIC_PILLOW) return (((x - 5) * x + 8) * x - 4) * A.a;
    return ((A.a * x - A.a5) * x + A.a8) * x - A.a4;
  }
  return 0.0;
}

// pixelgrid._sampling._axis_taps (+ _safe_coords and pixelgrid._plan.boundary_taps)
template <int KIND>
PG_INLINE inline void axis_taps_k(const Axis& A, double x, int window, Taps& t) {
  const int64_t n = A.n;
  const int b = A.boundary;
  if (b == BWRAP || b == BREFLECT || b == BSYM) {
    x = std::min(std::max(x, -4503599627370496.0), 4503599627370496.0);  // checked before
  } else {
    x = std::min(std::max(x, -A.margin), static_cast<double>(n - 1) + A.margin);
  }
  t.masked = false;
  if (KIND == KNEAREST) {
    const int64_t j = nearest_index(x, A.tie);
    t.T = 1;
    t.w[0] = 1.0;
    if (b == BCONST) {
      t.masked = true;
      t.in[0] = j >= 0 && j < n;
      t.j[0] = j < 0 ? 0 : (j >= n ? n - 1 : j);
    } else {
      t.j[0] = map_index(j, n, b == BRENORM ? BCLAMP : b);
    }
    return;
  }
  constexpr int r = KIND == KLINEAR ? 1 : 2;
  constexpr int T = 2 * r;  // the window's last column (weight 0 here) is dropped
  int64_t lo, hi;
  if (window == 0) {
    lo = static_cast<int64_t>(std::ceil(x - A.radius));
    hi = static_cast<int64_t>(std::floor(x + A.radius));
  } else {
    lo = static_cast<int64_t>(std::floor(x)) - (r - 1);
    hi = lo + T;
  }
  t.T = T;
  bool outside[kMaxT];
  for (int i = 0; i < T; ++i) {
    const int64_t j = lo + i;
    t.j[i] = j;
    t.w[i] = j <= hi ? kernel_weight<KIND>(A, static_cast<double>(j) - x) : 0.0;
    outside[i] = j < 0 || j >= n;
  }
  if (b == BRENORM) {
    double win[kMaxT];
    double total = 0.0;
    bool empty = true;
    for (int i = 0; i < T; ++i) {
      win[i] = outside[i] ? 0.0 : t.w[i];
      total = i == 0 ? win[0] : total + win[i];
      if (!outside[i] && t.w[i] != 0) empty = false;
    }
    for (int i = 0; i < T; ++i) t.w[i] = total != 0 ? win[i] / total : 0.0;
    if (empty) {
      double e = std::floor(x + 0.5);
      e = std::min(std::max(e, 0.0), static_cast<double>(n - 1));
      for (int i = 0; i < T; ++i) {
        t.j[i] = static_cast<int64_t>(e);
        t.w[i] = i == 0 ? 1.0 : 0.0;
      }
    }
    for (int i = 0; i < T; ++i) t.j[i] = t.j[i] < 0 ? 0 : (t.j[i] >= n ? n - 1 : t.j[i]);
    return;
  }
  double total = t.w[0];
  for (int i = 1; i < T; ++i) total = total + t.w[i];
  if (total != 0)
    for (int i = 0; i < T; ++i) t.w[i] = t.w[i] / total;
  if (b == BCONST) {
    t.masked = true;
    for (int i = 0; i < T; ++i) {
      t.in[i] = !outside[i];
      t.j[i] = t.j[i] < 0 ? 0 : (t.j[i] >= n ? n - 1 : t.j[i]);
    }
  } else {
    for (int i = 0; i < T; ++i) t.j[i] = map_index(t.j[i], n, b);
  }
}

inline void axis_taps(const Axis& A, double x, int window, Taps& t) {
  switch (A.kernel) {
    case KNEAREST: return axis_taps_k<KNEAREST>(A, x, window, t);
    case KLINEAR: return axis_taps_k<KLINEAR>(A, x, window, t);
    case KCUBIC: return axis_taps_k<KCUBIC>(A, x, window, t);
    default: return axis_taps_k<KCUBIC_PILLOW>(A, x, window, t);
  }
}


template <class T>
inline T store_int(double v) {
  const double lo = static_cast<double>(std::numeric_limits<T>::min());
  const double hi = static_cast<double>(std::numeric_limits<T>::max());
  double r = std::nearbyint(v);
  r = r < lo ? lo : (r > hi ? hi : r);
  return static_cast<T>(r);
}

template <class Tin, int OUT>
inline void store(void* dst, int64_t off, double v) {
  if constexpr (OUT == OUT_F64) {
    static_cast<double*>(dst)[off] = v;
  } else if constexpr (OUT == OUT_F32) {
    static_cast<float*>(dst)[off] = static_cast<float>(v);
  } else if constexpr (std::is_floating_point<Tin>::value) {
    static_cast<Tin*>(dst)[off] = static_cast<Tin>(v);
  } else {
    static_cast<Tin*>(dst)[off] = store_int<Tin>(v);
  }
}


// warp_affine: the source (row, column) = (sy, sx) of output pixel (r, c), evaluated as
// _sampling.affine_points does: (b0 * j + b1 * i) + b2 in float64, each product rounded.
PG_INLINE inline void affine_xy(const Args& a, int64_t r, int64_t c, double* x) {
  const double i = static_cast<double>(r), j = static_cast<double>(c);
  x[1] = a.aff[0] * j + a.aff[1] * i + a.aff[2];
  x[0] = a.aff[3] * j + a.aff[4] * i + a.aff[5];
}

// One point of a two-axis float64 sum (sum2d): both axes' taps, acc += w0 * w1 * v in
// tap order (row tap outer), taps outside a constant boundary adding their weight to the
// fill weight, the fill, the store.  acc: C doubles of scratch.
template <class Tin, int OUT, int KIND>
PG_INLINE inline void point2d(const Args& a, const Tin* src, int64_t C, double* acc, int64_t m,
                              const double* x) {
  constexpr int T = KIND == KLINEAR ? 2 : 4;
  Taps t0, t1;
  axis_taps_k<KIND>(a.ax[0], x[0], a.window, t0);
  axis_taps_k<KIND>(a.ax[1], x[1], a.window, t1);
  const int64_t s0 = a.ax[0].stride, s1 = a.ax[1].stride, cs = a.cstride;
  const bool read_all = a.window != 0;
  for (int64_t c = 0; c < C; ++c) acc[c] = 0.0;
  const bool any_mask = t0.masked || t1.masked;
  double fill_w = 0.0;
  for (int c0 = 0; c0 < T; ++c0) {
    const double w0 = t0.w[c0];
    const int64_t o0 = t0.j[c0] * s0;
    const bool ok0 = !t0.masked || t0.in[c0];
    for (int c1 = 0; c1 < T; ++c1) {
      double w = w0 * t1.w[c1];
      const bool ok = ok0 && (!t1.masked || t1.in[c1]);
      if (any_mask) {
        fill_w += ok ? 0.0 : w;
        if (!ok) w = 0.0;
      }
      if (read_all ? !ok : w == 0) continue;
      const Tin* p = src + o0 + t1.j[c1] * s1;
      for (int64_t c = 0; c < C; ++c) acc[c] += w * static_cast<double>(p[c * cs]);
    }
  }
  if (a.fill != 0 && fill_w != 0)
    for (int64_t c = 0; c < C; ++c) acc[c] += fill_w * a.fill;
  for (int64_t c = 0; c < C; ++c) store<Tin, OUT>(a.dst, m * a.dp + c * a.dc, acc[c]);
}

// One point of PyTorch's float32 FMA sum for two axes (sum2d_fma32): weights rounded to
// float32, w = w0 * w1, acc = v * w for the first tap then fma(v, w, acc) (v = 0 for a tap
// not read), the fill by one more fma; float32 out.  acc: C floats of scratch.
template <class Tin, int KIND>
PG_INLINE inline void point2d_fma32(const Args& a, const Tin* src, int64_t C, float* acc,
                                    int64_t m, const double* x) {
  constexpr int T = KIND == KLINEAR ? 2 : (KIND == KNEAREST ? 1 : 4);
  Taps t0, t1;
  axis_taps_k<KIND>(a.ax[0], x[0], a.window, t0);
  axis_taps_k<KIND>(a.ax[1], x[1], a.window, t1);
  const int64_t s0 = a.ax[0].stride, s1 = a.ax[1].stride, cs = a.cstride;
  const bool read_all = a.window != 0;
  float* dst = static_cast<float*>(a.dst);
  const float fill = static_cast<float>(a.fill);
  const bool any_mask = t0.masked || t1.masked;
  float fill_w = 0.0f;
  bool first = true;
  for (int c0 = 0; c0 < T; ++c0) {
    const float w0 = static_cast<float>(t0.w[c0]);
    const int64_t o0 = t0.j[c0] * s0;
    const bool ok0 = !t0.masked || t0.in[c0];
    for (int c1 = 0; c1 < T; ++c1) {
      float w = w0 * static_cast<float>(t1.w[c1]);
      const bool ok = ok0 && (!t1.masked || t1.in[c1]);
      if (any_mask) {
        fill_w = fill_w + (ok ? 0.0f : w);
        if (!ok) w = 0.0f;
      }
      const bool read = read_all ? ok : w != 0;
      const Tin* p = src + o0 + t1.j[c1] * s1;
      if (first) {
        for (int64_t c = 0; c < C; ++c)
          acc[c] = (read ? static_cast<float>(p[c * cs]) : 0.0f) * w;
      } else if (read) {
        for (int64_t c = 0; c < C; ++c) acc[c] = std::fma(static_cast<float>(p[c * cs]), w, acc[c]);
      } else {
        for (int64_t c = 0; c < C; ++c) acc[c] = std::fma(0.0f, w, acc[c]);
      }
      first = false;
    }
  }
  for (int64_t c = 0; c < C; ++c) {
    float v = acc[c];
    if (fill != 0 && fill_w != 0) v = std::fma(fill, fill_w, v);
    dst[m * a.dp + c * a.dc] = v;
  }
}

// PyTorch's bicubic grid_sample weights (torch_bicubic; _sampling.torch_bicubic_weights):
// Keys' cubic at t + 1, t, 1 - t, 2 - t in float32, the inner piece
// ((a + 2) x - (a + 3)) x x + 1 with its first and last steps fused, the outer
// ((a x - 5a) x + 8a) x - 4a not (as its AVX2 and AVX-512 builds compute them).
struct TorchCubic {
  float a, a5, a8, a4, ap2, ap3;
  explicit TorchCubic(double coeff)
      : a(static_cast<float>(coeff)), a5(5.0f * a), a8(8.0f * a), a4(4.0f * a),
        ap2(a + 2.0f), ap3(a + 3.0f) {}
  float outer(float x) const { return ((a * x - a5) * x + a8) * x - a4; }
  float inner(float x) const { return std::fma(std::fma(ap2, x, -ap3) * x, x, 1.0f); }
  void weights(float t, float* c) const {
    c[0] = outer(t + 1.0f);
    c[1] = inner(t);
    c[2] = inner(1.0f - t);
    c[3] = outer(2.0f - t);
  }
};

// The 4 taps of torch_bicubic on one axis: the float32 position's t = x - floor(x) gives
// the weights c; taps floor(x) - 1 + i mapped by the boundary rule (constant: in[i] says
// whether tap i is inside).  Far positions (not periodic) keep their t, and their taps
// are computed from floor(x) clamped to [-8, n + 8]: beyond it every tap is outside (or
// the edge pixel) either way.
PG_INLINE inline void torch_cubic_axis(const Axis& A, const TorchCubic& K, double x, float* c,
                                       int64_t* j, bool* in) {
  const float xf = static_cast<float>(x);
  float fl = std::floor(xf);
  K.weights(xf - fl, c);
  const int b = A.boundary;
  const int64_t n = A.n;
  if (std::isnan(fl)) fl = 0.0f;  // (refused before: kept memory-safe)
  double base = static_cast<double>(fl);
  if (b != BWRAP && b != BREFLECT && b != BSYM)
    base = std::min(std::max(base, -8.0), static_cast<double>(n + 8));
  for (int i = 0; i < 4; ++i) {
    const int64_t t = static_cast<int64_t>(base) - 1 + i;
    in[i] = b != BCONST || (t >= 0 && t < n);
    j[i] = b == BCONST ? (t < 0 ? 0 : (t >= n ? n - 1 : t)) : map_index(t, n, b);
  }
}

// One point of torch_bicubic: per row i of axis 0, the taps v along axis 1 summed as
// (fma(c0, v0, c1 v1) + c2 v2) + c3 v3, then the rows as fma(d3, r3, fma(d2, r2,
// fma(d1, r1, d0 r0))) (v = 0 for a tap outside a constant boundary); float32 out.
template <class Tin>
PG_INLINE inline void point2d_torch_cubic(const Args& a, const Tin* src, int64_t C, int64_t m,
                                          const double* x) {
  const TorchCubic K0(a.ax[0].a), K1(a.ax[1].a);
  float d[4], c[4];
  int64_t j0[4], j1[4];
  bool in0[4], in1[4];
  torch_cubic_axis(a.ax[0], K0, x[0], d, j0, in0);
  torch_cubic_axis(a.ax[1], K1, x[1], c, j1, in1);
  const int64_t s0 = a.ax[0].stride, s1 = a.ax[1].stride, cs = a.cstride;
  float* dst = static_cast<float*>(a.dst);
  for (int64_t ch = 0; ch < C; ++ch) {
    float r[4];
    for (int i = 0; i < 4; ++i) {
      float v[4];
      for (int k = 0; k < 4; ++k)
        v[k] = in0[i] && in1[k] ? static_cast<float>(src[j0[i] * s0 + j1[k] * s1 + ch * cs])
                                : 0.0f;
      float s = std::fma(c[0], v[0], c[1] * v[1]);
      s = s + c[2] * v[2];
      r[i] = s + c[3] * v[3];
    }
    float o = std::fma(d[1], r[1], d[0] * r[0]);
    o = std::fma(d[2], r[2], o);
    dst[m * a.dp + ch * a.dc] = std::fma(d[3], r[3], o);
  }
}

// ---- PyTorch grid_sample positions (pixelgrid._sampling.grid_positions, same rules) ----

// unnormalize(): "dtype" in F's precision, "float32_fma" (F = float) with one FMA
template <class F>
inline F unnormalize(F u, int64_t n, bool ac, bool fma) {
  if (fma) {
    const float t = static_cast<float>(u) + 1.0f;
    if (ac) return static_cast<F>(t * static_cast<float>(static_cast<double>(n - 1) / 2));
    return static_cast<F>(std::fma(t, static_cast<float>(static_cast<double>(n) / 2), -0.5f));
  }
  if (ac) return (u + F(1)) / F(2) * static_cast<F>(n - 1);
  return ((u + F(1)) * static_cast<F>(n) - F(1)) / F(2);
}

// reflect_coordinates() with bounds given times 2
template <class F>
inline F reflect(F c, int64_t twice_low, int64_t twice_high, bool fma) {
  if (twice_low == twice_high) return F(0);
  if (fma) {
    const float low = static_cast<float>(static_cast<double>(twice_low) / 2);
    const float ts = static_cast<float>(twice_high - twice_low);
    const float a = std::fabs(static_cast<float>(c) - low);
    const float flips = std::trunc(a / ts);
    const float extra = std::fma(-flips, ts, a);
    return static_cast<F>(std::min(extra, ts - extra) + low);
  }
  const F mn = static_cast<F>(static_cast<double>(twice_low) / 2);
  const F span = static_cast<F>(static_cast<double>(twice_high - twice_low) / 2);
  const F d = std::fabs(c - mn);
  const F extra = std::fmod(d, span);
  const F flips = std::floor(d / span);
  return std::fmod(flips, F(2)) == 0 ? extra + mn : span - extra + mn;
}

// grid_positions() of one grid value u for an axis of n pixels (padding 0 zeros, 1 border,
// 2 reflection), in F's precision, returned as the float64 position
template <class F>
inline double grid_coord(F u, int64_t n, bool ac, int padding, bool fma) {
  F x = unnormalize<F>(u, n, ac, fma);
  if (padding == 2) x = ac ? reflect<F>(x, 0, 2 * (n - 1), fma) : reflect<F>(x, -1, 2 * n - 1, fma);
  if (padding != 0) x = std::min(std::max(x, F(0)), static_cast<F>(n - 1));
  return static_cast<double>(x);
}

// (row, column) position of grid point m of Args::grid: the row from y, the column from x
inline void grid_xy(const Args& a, int64_t m, double* x) {
  for (int i = 0; i < 2; ++i) {
    const int64_t n = a.ax[i].n;
    x[i] = a.grid_f64
               ? grid_coord<double>(static_cast<const double*>(a.grid)[2 * m + 1 - i], n,
                                    a.grid_ac, a.grid_pad, a.grid_fma)
               : grid_coord<float>(static_cast<const float*>(a.grid)[2 * m + 1 - i], n,
                                   a.grid_ac, a.grid_pad, a.grid_fma);
  }
}

}  // namespace
}  // namespace PG_SNS
}  // namespace sampler
}  // namespace pg
