// AVX2 kernels of the point sampler for its common case: two axes of one compiled kernel
// (linear, Keys cubic, Pillow cubic), no nan_policy, float64 sums (sum2d) or PyTorch's
// float32 FMA sums (sum2d_fma32); uint8, uint16, float32, float64 sources (-mavx2 -mfma,
// picked only when the CPU has both; sampler.cpp).
//
// Four points at a time, one per lane of a 4 x float64 vector: the same expressions as the
// scalar rules of sampler_point.h (the affine position (b0 * j + b1 * i) + b2, the window,
// the kernel weights, their sequential sum and the division by it, w0 * w1, acc + w * v in
// tap order from 0, the store), each operation an IEEE operation on each lane, so every
// lane is bit-identical to the scalar code (-ffp-contract=off: no product is fused).  A
// block of 4 takes this path when all of its points are interior (every tap inside on
// both axes: then no boundary rule applies and every tap is read), or, at a constant
// boundary, when every point has all its taps outside on a constant axis (the fill);
// other blocks, and the last points of a row, run the scalar point2d / point2d_fma32.
//
// Why it is exact, beyond "same operations": (1) skipping a tap of weight 0 (the "support"
// window) is done by adding +0.0 instead, which leaves acc unchanged because acc starts at
// +0.0 and a sum of IEEE additions from +0.0 is never -0.0 (round to nearest); (2) the
// division of each weight by the row sum is skipped only in lanes where that sum is 1.0
// (w / 1.0 == w); (3) interior points are never moved by the clamp of far coordinates
// (_safe_coords), which only touches points radius + 2 pixels outside.
#define PG_SNS fast
#include "sampler_point.h"

#include <immintrin.h>

#include <vector>

namespace pg {
namespace sampler {
namespace fast {
namespace {

constexpr int64_t kTileRows = 16, kTileCols = 64;  // as for_points_2d (sampler_kernels.h)

template <int KIND>
constexpr int taps_of() {
  return KIND == KLINEAR ? 2 : 4;
}

// kernel_weight<KIND> of 4 offsets d (sampler_point.h; no table: pick() checks)
template <int KIND>
PG_INLINE inline __m256d weight4(const Axis& A, __m256d d) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d x = _mm256_andnot_pd(sign, d);  // fabs
  if (KIND == KLINEAR) return _mm256_sub_pd(one, x);
  // x < 1: ((a + 2) x - (a + 3)) x x + 1
  __m256d near = _mm256_mul_pd(_mm256_set1_pd(A.ap2), x);
  near = _mm256_sub_pd(near, _mm256_set1_pd(A.ap3));
  near = _mm256_mul_pd(near, x);
  near = _mm256_mul_pd(near, x);
  near = _mm256_add_pd(near, one);
  __m256d far;
  if (KIND == KCUBIC_PILLOW) {  // (((x - 5) x + 8) x - 4) a
    far = _mm256_sub_pd(x, _mm256_set1_pd(5.0));
    far = _mm256_mul_pd(far, x);
    far = _mm256_add_pd(far, _mm256_set1_pd(8.0));
    far = _mm256_mul_pd(far, x);
    far = _mm256_sub_pd(far, _mm256_set1_pd(4.0));
    far = _mm256_mul_pd(far, _mm256_set1_pd(A.a));
  } else {  // ((a x - 5a) x + 8a) x - 4a
    far = _mm256_mul_pd(_mm256_set1_pd(A.a), x);
    far = _mm256_sub_pd(far, _mm256_set1_pd(A.a5));
    far = _mm256_mul_pd(far, x);
    far = _mm256_add_pd(far, _mm256_set1_pd(A.a8));
    far = _mm256_mul_pd(far, x);
    far = _mm256_sub_pd(far, _mm256_set1_pd(A.a4));
  }
  const __m256d lt1 = _mm256_cmp_pd(x, one, _CMP_LT_OQ);
  const __m256d lt2 = _mm256_cmp_pd(x, _mm256_set1_pd(2.0), _CMP_LT_OQ);
  return _mm256_blendv_pd(_mm256_and_pd(far, lt2), near, lt1);
}

// axis_taps_k<KIND> of 4 points before the boundary rule: the window's first tap lo (a
// whole number, as double) and the T weights divided by their sequential sum.
template <int KIND>
PG_INLINE inline void axis4(const Axis& A, __m256d x, int window, __m256d& lo, __m256d* w) {
  constexpr int T = taps_of<KIND>();
  constexpr int r = T / 2;
  if (window == 0) {
    lo = _mm256_round_pd(_mm256_sub_pd(x, _mm256_set1_pd(A.radius)),
                         _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
  } else {
    lo = _mm256_round_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    if (r > 1) lo = _mm256_sub_pd(lo, _mm256_set1_pd(double(r - 1)));
  }
  __m256d total = _mm256_setzero_pd();
  for (int i = 0; i < T; ++i) {
    const __m256d j = i == 0 ? lo : _mm256_add_pd(lo, _mm256_set1_pd(double(i)));
    w[i] = weight4<KIND>(A, _mm256_sub_pd(j, x));
    total = i == 0 ? w[0] : _mm256_add_pd(total, w[i]);
  }
  const __m256d one = _mm256_set1_pd(1.0);
  if (_mm256_movemask_pd(_mm256_cmp_pd(total, one, _CMP_NEQ_UQ)) != 0) {
    const __m256d nz = _mm256_cmp_pd(total, _mm256_setzero_pd(), _CMP_NEQ_UQ);
    for (int i = 0; i < T; ++i) w[i] = _mm256_blendv_pd(w[i], _mm256_div_pd(w[i], total), nz);
  }
}

// 4 source values at element offsets idx (int32) from p, as float64 / float32
template <class Tin>
PG_INLINE inline __m256d load4d(const Tin* p, __m128i idx) {
  if constexpr (std::is_same<Tin, double>::value) {
    return _mm256_i32gather_pd(p, idx, 8);
  } else if constexpr (std::is_same<Tin, float>::value) {
    return _mm256_cvtps_pd(_mm_i32gather_ps(p, idx, 4));
  } else if constexpr (std::is_same<Tin, uint8_t>::value) {  // 4 bytes read, 3 past: guarded
    const __m128i v = _mm_i32gather_epi32(reinterpret_cast<const int*>(p), idx, 1);
    return _mm256_cvtepi32_pd(_mm_and_si128(v, _mm_set1_epi32(0xFF)));
  } else {  // uint16_t, 2 bytes past: guarded
    const __m128i v = _mm_i32gather_epi32(reinterpret_cast<const int*>(p), idx, 2);
    return _mm256_cvtepi32_pd(_mm_and_si128(v, _mm_set1_epi32(0xFFFF)));
  }
}

template <class Tin>
PG_INLINE inline __m128 load4f(const Tin* p, __m128i idx) {
  if constexpr (std::is_same<Tin, float>::value) {
    return _mm_i32gather_ps(p, idx, 4);
  } else if constexpr (std::is_same<Tin, double>::value) {
    return _mm256_cvtpd_ps(_mm256_i32gather_pd(p, idx, 8));
  } else if constexpr (std::is_same<Tin, uint8_t>::value) {
    const __m128i v = _mm_i32gather_epi32(reinterpret_cast<const int*>(p), idx, 1);
    return _mm_cvtepi32_ps(_mm_and_si128(v, _mm_set1_epi32(0xFF)));
  } else {
    const __m128i v = _mm_i32gather_epi32(reinterpret_cast<const int*>(p), idx, 2);
    return _mm_cvtepi32_ps(_mm_and_si128(v, _mm_set1_epi32(0xFFFF)));
  }
}

// Elements a 4-byte gather may read past the one it wants.
template <class Tin>
constexpr int64_t overread() {
  return sizeof(Tin) >= 4 ? 0 : 4 / static_cast<int64_t>(sizeof(Tin)) - 1;
}

// store<Tin, OUT> of 4 sums to dst[m + lane * dp] (element offsets), as the scalar rule
template <class Tin, int OUT>
PG_INLINE inline void store4(void* dst, int64_t off, int64_t dp, __m256d v) {
  if constexpr (OUT == OUT_F64 || (OUT == OUT_SAME && std::is_same<Tin, double>::value)) {
    double* d = static_cast<double*>(dst) + off;
    if (dp == 1) {
      _mm256_storeu_pd(d, v);
    } else {
      alignas(32) double t[4];
      _mm256_store_pd(t, v);
      for (int l = 0; l < 4; ++l) d[l * dp] = t[l];
    }
  } else if constexpr (OUT == OUT_F32 || std::is_floating_point<Tin>::value) {
    float* d = static_cast<float*>(dst) + off;
    const __m128 f = _mm256_cvtpd_ps(v);
    if (dp == 1) {
      _mm_storeu_ps(d, f);
    } else {
      alignas(16) float t[4];
      _mm_store_ps(t, f);
      for (int l = 0; l < 4; ++l) d[l * dp] = t[l];
    }
  } else {  // store_int: nearbyint, clip to the dtype's range (no NaN from integer data)
    const double lo = static_cast<double>(std::numeric_limits<Tin>::min());
    const double hi = static_cast<double>(std::numeric_limits<Tin>::max());
    __m256d r = _mm256_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_min_pd(_mm256_max_pd(r, _mm256_set1_pd(lo)), _mm256_set1_pd(hi));
    alignas(16) int32_t t[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(t), _mm256_cvtpd_epi32(r));
    Tin* d = static_cast<Tin*>(dst) + off;
    for (int l = 0; l < 4; ++l) d[l * dp] = static_cast<Tin>(t[l]);
  }
}

// the (up to 4) channels of one pixel, cs = 1: 4 elements read (guarded), as float64 lanes
template <class Tin>
PG_INLINE inline __m256d load_px(const Tin* p) {
  if constexpr (std::is_same<Tin, double>::value) {
    return _mm256_loadu_pd(p);
  } else if constexpr (std::is_same<Tin, float>::value) {
    return _mm256_cvtps_pd(_mm_loadu_ps(p));
  } else if constexpr (std::is_same<Tin, uint8_t>::value) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_cvtepi32_pd(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(v)));
  } else {
    return _mm256_cvtepi32_pd(
        _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
}

// ... as float32 lanes (static_cast<float> of each element)
template <class Tin>
PG_INLINE inline __m128 load_px_f(const Tin* p) {
  if constexpr (std::is_same<Tin, double>::value) {
    return _mm256_cvtpd_ps(_mm256_loadu_pd(p));
  } else if constexpr (std::is_same<Tin, float>::value) {
    return _mm_loadu_ps(p);
  } else if constexpr (std::is_same<Tin, uint8_t>::value) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(v)));
  } else {
    return _mm_cvtepi32_ps(
        _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
}

PG_INLINE inline void store4f(void* dst, int64_t off, int64_t dp, __m128 v) {
  float* d = static_cast<float*>(dst) + off;
  if (dp == 1) {
    _mm_storeu_ps(d, v);
  } else {
    alignas(16) float t[4];
    _mm_store_ps(t, v);
    for (int l = 0; l < 4; ++l) d[l * dp] = t[l];
  }
}

// grid_xy of points m..m+3: PyTorch's float32 FMA rule with zeros or border padding in
// float32 lanes (unnormalize: t = u + 1, then t * ((n - 1) / 2) or fma(t, n / 2, -0.5);
// the clip std::min(std::max(x, 0), n - 1) as max_ps(0, x), min_ps(n - 1, .)), the rest
// (reflection, the "dtype" rule) point by point.
PG_INLINE inline __m256d grid_axis4(const Args& a, __m128 u, int64_t n) {
  const __m128 t = _mm_add_ps(u, _mm_set1_ps(1.0f));
  __m128 r = a.grid_ac
                 ? _mm_mul_ps(t, _mm_set1_ps(static_cast<float>(static_cast<double>(n - 1) / 2)))
                 : _mm_fmadd_ps(t, _mm_set1_ps(static_cast<float>(static_cast<double>(n) / 2)),
                                _mm_set1_ps(-0.5f));
  if (a.grid_pad == 1)
    r = _mm_min_ps(_mm_set1_ps(static_cast<float>(n - 1)), _mm_max_ps(_mm_setzero_ps(), r));
  return _mm256_cvtps_pd(r);
}

PG_INLINE inline void grid4(const Args& a, int64_t m, __m256d& ys, __m256d& xs) {
  if (!a.grid_f64 && a.grid_fma && a.grid_pad != 2) {
    // (x0 y0 x1 y1 x2 y2 x3 y3) -> (x0 x1 x2 x3 | y0 y1 y2 y3)
    const __m256 v = _mm256_permutevar8x32_ps(
        _mm256_loadu_ps(static_cast<const float*>(a.grid) + 2 * m),
        _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
    xs = grid_axis4(a, _mm256_castps256_ps128(v), a.ax[1].n);
    ys = grid_axis4(a, _mm256_extractf128_ps(v, 1), a.ax[0].n);
    return;
  }
  alignas(32) double y[4], x[4];
  for (int l = 0; l < 4; ++l) {
    double p[2];
    grid_xy(a, m + l, p);
    y[l] = p[0];
    x[l] = p[1];
  }
  ys = _mm256_load_pd(y);
  xs = _mm256_load_pd(x);
}

// col[c1] = the values p[off[l] + c1] of the 4 points l (the T adjacent taps of a row)
template <int T>
PG_INLINE inline void row_taps(const float* p, const int32_t* off, __m128* col) {
  if constexpr (T == 4) {
    __m128 r0 = _mm_loadu_ps(p + off[0]), r1 = _mm_loadu_ps(p + off[1]);
    __m128 r2 = _mm_loadu_ps(p + off[2]), r3 = _mm_loadu_ps(p + off[3]);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    col[0] = r0;
    col[1] = r1;
    col[2] = r2;
    col[3] = r3;
  } else {  // two floats per point: (l0a l0b l1a l1b), (l2a l2b l3a l3b)
    const __m128d zero = _mm_setzero_pd();
    const __m128 lo = _mm_castpd_ps(_mm_loadh_pd(
        _mm_loadl_pd(zero, reinterpret_cast<const double*>(p + off[0])),
        reinterpret_cast<const double*>(p + off[1])));
    const __m128 hi = _mm_castpd_ps(_mm_loadh_pd(
        _mm_loadl_pd(zero, reinterpret_cast<const double*>(p + off[2])),
        reinterpret_cast<const double*>(p + off[3])));
    col[0] = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    col[1] = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

// What a kernel needs per call: strides, limits, the source and the mode.
struct Ctx {
  int64_t s0, s1, cs, C, dp, dc;
  __m256d hi0, hi1;          // n - T per axis: the largest interior first tap
  __m256d lim;               // the largest first-tap element offset a gather may read from
  __m256d clo0, chi0, clo1, chi1;  // the clamp of far coordinates per axis (_safe_coords)
  __m256d top0, top1;        // n - 1 per axis
  bool const0, const1;       // constant boundary per axis (the fill path)
  bool fill_path;            // blocks wholly outside a constant axis take the vector fill
  bool mask_zero;            // "support" window with float data: a weight-0 tap is not read
  bool pixel;                // cs = 1, 2 <= C <= 4, dc = 1: one load per tap, all channels
  bool overlap;              // dp = C: a point's store may spill into the next point's
  bool rows;                 // s1 = 1 (float32): a row's taps are one load (rows())
};

// the clamp of axis_taps_k, std::min(std::max(x, lo), hi): max_pd(lo, x) is
// lo > x ? lo : x, and min_pd(hi, y) is hi < y ? hi : y, the std:: choices exactly
PG_INLINE inline __m256d clamp4(__m256d x, __m256d lo, __m256d hi) {
  return _mm256_min_pd(hi, _mm256_max_pd(lo, x));
}

// Stores the first C lanes of v at d (channel stride 1).  `whole`: the 4 - C elements
// after them may be overwritten (by the next point of the block, written later).
template <class E>
PG_INLINE inline void put_px(E* d, const E* v, int64_t C, bool whole) {
  if (whole) {
    std::memcpy(d, v, 4 * sizeof(E));
    return;
  }
  switch (C) {  // fixed sizes: inline moves, not a call to memcpy
    case 3: std::memcpy(d, v, 3 * sizeof(E)); break;
    case 2: std::memcpy(d, v, 2 * sizeof(E)); break;
    case 1: d[0] = v[0]; break;
    default: std::memcpy(d, v, 4 * sizeof(E));
  }
}

template <class Tin, int OUT>
PG_INLINE inline void store_px(void* dst, int64_t off, const Ctx& k, bool last, __m256d v) {
  const bool whole = k.C == 4 || (!last && k.overlap);
  if constexpr (OUT == OUT_F64 || (OUT == OUT_SAME && std::is_same<Tin, double>::value)) {
    alignas(32) double t[4];
    _mm256_store_pd(t, v);
    put_px(static_cast<double*>(dst) + off, t, k.C, whole);
  } else if constexpr (OUT == OUT_F32 || std::is_floating_point<Tin>::value) {
    alignas(16) float t[4];
    _mm_store_ps(t, _mm256_cvtpd_ps(v));
    put_px(static_cast<float*>(dst) + off, t, k.C, whole);
  } else {  // store_int, as store4
    const double lo = static_cast<double>(std::numeric_limits<Tin>::min());
    const double hi = static_cast<double>(std::numeric_limits<Tin>::max());
    __m256d r = _mm256_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_min_pd(_mm256_max_pd(r, _mm256_set1_pd(lo)), _mm256_set1_pd(hi));
    const __m128i q = _mm256_cvtpd_epi32(r);
    alignas(16) Tin t[16 / sizeof(Tin)];
    if constexpr (sizeof(Tin) == 1) {
      _mm_store_si128(reinterpret_cast<__m128i*>(t), _mm_packus_epi16(_mm_packus_epi32(q, q), q));
    } else {
      _mm_store_si128(reinterpret_cast<__m128i*>(t), _mm_packus_epi32(q, q));
    }
    put_px(static_cast<Tin*>(dst) + off, t, k.C, whole);
  }
}

PG_INLINE inline void store_px_f(void* dst, int64_t off, const Ctx& k, bool last, __m128 v) {
  alignas(16) float t[4];
  _mm_store_ps(t, v);
  put_px(static_cast<float*>(dst) + off, t, k.C, k.C == 4 || (!last && k.overlap));
}

template <class Tin, int OUT, int KIND, bool FMA32>
struct Kernel2d {
  static constexpr int T = taps_of<KIND>();

  // the scalar rules for one point
  static PG_INLINE inline void scalar(const Args& a, const Tin* src, int64_t m, const double* x,
                                      double* acc, float* accf) {
    if constexpr (FMA32)
      point2d_fma32<Tin, KIND>(a, src, a.C, accf, m, x);
    else
      point2d<Tin, OUT, KIND>(a, src, a.C, acc, m, x);
  }

  // 4 points m + l * step (l = 0..3) at rows x0 and columns x1; returns false when the
  // block needs the scalar rules.
  static PG_INLINE inline bool block(const Args& a, const Ctx& k, const Tin* src, int64_t m,
                                     int64_t step, __m256d x0, __m256d x1) {
    __m256d lo0, lo1, w0[T], w1[T];
    x0 = clamp4(x0, k.clo0, k.chi0);
    x1 = clamp4(x1, k.clo1, k.chi1);
    axis4<KIND>(a.ax[0], x0, a.window, lo0, w0);
    axis4<KIND>(a.ax[1], x1, a.window, lo1, w1);
    const __m256d zero = _mm256_setzero_pd();
    __m256d in = _mm256_and_pd(_mm256_cmp_pd(lo0, zero, _CMP_GE_OQ),
                               _mm256_cmp_pd(lo0, k.hi0, _CMP_LE_OQ));
    in = _mm256_and_pd(in, _mm256_cmp_pd(lo1, zero, _CMP_GE_OQ));
    in = _mm256_and_pd(in, _mm256_cmp_pd(lo1, k.hi1, _CMP_LE_OQ));
    if (_mm256_movemask_pd(in) != 15) return k.fill_path && fill(a, k, m, step, lo0, lo1, w0, w1);
    // element offsets of the first tap of each point; the overread guard of the loads
    const __m256d first = _mm256_add_pd(_mm256_mul_pd(lo0, _mm256_set1_pd(double(k.s0))),
                                        _mm256_mul_pd(lo1, _mm256_set1_pd(double(k.s1))));
    if ((k.pixel || overread<Tin>() > 0) &&
        _mm256_movemask_pd(_mm256_cmp_pd(first, k.lim, _CMP_GT_OQ)) != 0)
      return false;
    if (k.pixel) {
      pixels(a, k, src, m, step, first, w0, w1);
      return true;
    }
    if constexpr (std::is_same<Tin, float>::value) {
      if (k.rows) {
        rows(a, k, src, m, step, first, w0, w1);
        return true;
      }
    }
    const __m128i base = _mm256_cvtpd_epi32(first);
    __m128i idx[T * T];
    for (int c0 = 0; c0 < T; ++c0)
      for (int c1 = 0; c1 < T; ++c1)
        idx[c0 * T + c1] = _mm_add_epi32(base, _mm_set1_epi32(static_cast<int32_t>(
                                                   c0 * k.s0 + c1 * k.s1)));
    if constexpr (FMA32) {
      __m128 wf[T * T], rd[T * T];
      tap_weights(w0, w1, wf, rd);
      for (int64_t c = 0; c < k.C; ++c) {
        const Tin* p = src + c * k.cs;
        __m128 acc = _mm_setzero_ps();
        for (int t = 0; t < T * T; ++t) {
          __m128 v = load4f<Tin>(p, idx[t]);
          if (k.mask_zero) v = _mm_and_ps(v, rd[t]);
          acc = t == 0 ? _mm_mul_ps(v, wf[t]) : _mm_fmadd_ps(v, wf[t], acc);
        }
        store4f(a.dst, m * k.dp + c * k.dc, step * k.dp, acc);
      }
    } else {
      __m256d wt[T * T], rd[T * T];
      tap_weights(w0, w1, wt, rd);
      for (int64_t c = 0; c < k.C; ++c) {
        const Tin* p = src + c * k.cs;
        __m256d acc = zero;
        for (int t = 0; t < T * T; ++t) {
          __m256d term = _mm256_mul_pd(wt[t], load4d<Tin>(p, idx[t]));
          if (k.mask_zero) term = _mm256_and_pd(term, rd[t]);
          acc = _mm256_add_pd(acc, term);
        }
        store4<Tin, OUT>(a.dst, m * k.dp + c * k.dc, step * k.dp, acc);
      }
    }
    return true;
  }

  // The T x T tap weights of 4 points, w0[c0] * w1[c1] (float32 products of the float32
  // weights, or double products), and the masks of the non-zero ones (a zero-weight tap
  // reads as 0, see mask_zero).
  static PG_INLINE inline void tap_weights(const __m256d* w0, const __m256d* w1, __m128* wf,
                                           __m128* rd) {
    for (int c0 = 0; c0 < T; ++c0) {
      const __m128 a0 = _mm256_cvtpd_ps(w0[c0]);
      for (int c1 = 0; c1 < T; ++c1) {
        wf[c0 * T + c1] = _mm_mul_ps(a0, _mm256_cvtpd_ps(w1[c1]));
        rd[c0 * T + c1] = _mm_cmpneq_ps(wf[c0 * T + c1], _mm_setzero_ps());
      }
    }
  }
  static PG_INLINE inline void tap_weights(const __m256d* w0, const __m256d* w1, __m256d* wt,
                                           __m256d* rd) {
    for (int c0 = 0; c0 < T; ++c0)
      for (int c1 = 0; c1 < T; ++c1) {
        wt[c0 * T + c1] = _mm256_mul_pd(w0[c0], w1[c1]);
        rd[c0 * T + c1] = _mm256_cmp_pd(wt[c0 * T + c1], _mm256_setzero_pd(), _CMP_NEQ_UQ);
      }
  }

  // Interior points of an image whose channels are adjacent (cs = 1, C <= 4): each tap
  // is one load of the pixel's channels into the lanes of a vector (4 elements, the ones
  // past channel C - 1 unused and guarded by Ctx::lim), weighted by the point's scalar
  // weight; the points' sums are stored one after the other.
  static PG_INLINE inline void pixels(const Args& a, const Ctx& k, const Tin* src, int64_t m,
                                      int64_t step, __m256d first, const __m256d* w0,
                                      const __m256d* w1) {
    alignas(16) int32_t off[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(off), _mm256_cvtpd_epi32(first));
    int32_t toff[T * T];
    for (int c0 = 0; c0 < T; ++c0)
      for (int c1 = 0; c1 < T; ++c1)
        toff[c0 * T + c1] = static_cast<int32_t>(c0 * k.s0 + c1 * k.s1);
    // "support" window: a tap of weight 0 is not read.  Integer data need no test: their
    // 0 * v is +-0, and adding it leaves acc unchanged (acc is never -0, see the top).
    const bool skip0 = a.window == 0 && std::is_floating_point<Tin>::value;
    if constexpr (FMA32) {
      alignas(16) float wt[T * T][4];
      for (int c0 = 0; c0 < T; ++c0) {
        const __m128 a0 = _mm256_cvtpd_ps(w0[c0]);
        for (int c1 = 0; c1 < T; ++c1)
          _mm_store_ps(wt[c0 * T + c1], _mm_mul_ps(a0, _mm256_cvtpd_ps(w1[c1])));
      }
      for (int l = 0; l < 4; ++l) {
        const Tin* p = src + off[l];
        __m128 acc = _mm_setzero_ps();
        for (int t = 0; t < T * T; ++t) {
          const __m128 w = _mm_set1_ps(wt[t][l]);
          __m128 v = load_px_f<Tin>(p + toff[t]);
          if (skip0 && wt[t][l] == 0) v = _mm_setzero_ps();  // (read ? v : 0)
          acc = t == 0 ? _mm_mul_ps(v, w) : _mm_fmadd_ps(v, w, acc);
        }
        store_px_f(a.dst, (m + l * step) * k.dp, k, l == 3, acc);
      }
    } else {
      alignas(32) double wt[T * T][4];
      for (int c0 = 0; c0 < T; ++c0)
        for (int c1 = 0; c1 < T; ++c1) _mm256_store_pd(wt[c0 * T + c1], _mm256_mul_pd(w0[c0], w1[c1]));
      for (int l = 0; l < 4; ++l) {
        const Tin* p = src + off[l];
        __m256d acc = _mm256_setzero_pd();
        for (int t = 0; t < T * T; ++t) {
          if (skip0 && wt[t][l] == 0) continue;
          acc = _mm256_add_pd(acc, _mm256_mul_pd(_mm256_set1_pd(wt[t][l]),
                                                 load_px<Tin>(p + toff[t])));
        }
        store_px<Tin, OUT>(a.dst, (m + l * step) * k.dp, k, l == 3, acc);
      }
    }
  }

  // Interior points of a float32 image whose columns are adjacent (s1 = 1: CHW planes,
  // one channel): the T taps of a row of each point are one load, and a transpose of the
  // 4 points' loads gives each tap's 4 values (4 loads and a few shuffles instead of T
  // gathers).  Taps, weights and sums as in block().
  static PG_INLINE inline void rows(const Args& a, const Ctx& k, const float* src, int64_t m,
                                    int64_t step, __m256d first, const __m256d* w0,
                                    const __m256d* w1) {
    alignas(16) int32_t off[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(off), _mm256_cvtpd_epi32(first));
    const bool mask = k.mask_zero;
    if constexpr (FMA32) {
      __m128 wf[T * T], rd[T * T];
      tap_weights(w0, w1, wf, rd);
      for (int64_t c = 0; c < k.C; ++c) {
        const float* p = src + c * k.cs;
        __m128 acc = _mm_setzero_ps();
        for (int c0 = 0; c0 < T; ++c0) {
          __m128 col[T];
          row_taps<T>(p + c0 * k.s0, off, col);
          for (int c1 = 0; c1 < T; ++c1) {
            const int t = c0 * T + c1;
            const __m128 v = mask ? _mm_and_ps(col[c1], rd[t]) : col[c1];
            acc = t == 0 ? _mm_mul_ps(v, wf[t]) : _mm_fmadd_ps(v, wf[t], acc);
          }
        }
        store4f(a.dst, m * k.dp + c * k.dc, step * k.dp, acc);
      }
    } else {
      __m256d wt[T * T], rd[T * T];
      const __m256d zero = _mm256_setzero_pd();
      tap_weights(w0, w1, wt, rd);
      for (int64_t c = 0; c < k.C; ++c) {
        const float* p = src + c * k.cs;
        __m256d acc = zero;
        for (int c0 = 0; c0 < T; ++c0) {
          __m128 col[T];
          row_taps<T>(p + c0 * k.s0, off, col);
          for (int c1 = 0; c1 < T; ++c1) {
            const int t = c0 * T + c1;
            __m256d term = _mm256_mul_pd(wt[t], _mm256_cvtps_pd(col[c1]));
            if (mask) term = _mm256_and_pd(term, rd[t]);
            acc = _mm256_add_pd(acc, term);
          }
        }
        store4<float, OUT>(a.dst, m * k.dp + c * k.dc, step * k.dp, acc);
      }
    }
  }

  // Every point of the block has all its taps outside a constant axis: no tap is read,
  // each adds its weight to the fill weight (in tap order), acc = 0 (+ fill_w * fill).
  static PG_INLINE inline bool fill(const Args& a, const Ctx& k, int64_t m, int64_t step,
                                    __m256d lo0, __m256d lo1, const __m256d* w0,
                                    const __m256d* w1) {
    const __m256d zero = _mm256_setzero_pd();
    const __m256d before = _mm256_set1_pd(double(1 - T));
    __m256d out = zero;
    if (k.const0)
      out = _mm256_or_pd(_mm256_cmp_pd(lo0, before, _CMP_LT_OQ),
                         _mm256_cmp_pd(lo0, k.top0, _CMP_GT_OQ));
    if (k.const1)
      out = _mm256_or_pd(out, _mm256_or_pd(_mm256_cmp_pd(lo1, before, _CMP_LT_OQ),
                                           _mm256_cmp_pd(lo1, k.top1, _CMP_GT_OQ)));
    if (_mm256_movemask_pd(out) != 15) return false;
    if constexpr (FMA32) {
      __m128 v = _mm_setzero_ps();
      if (static_cast<float>(a.fill) != 0) {
        __m128 fw = _mm_setzero_ps();
        for (int c0 = 0; c0 < T; ++c0) {
          const __m128 a0 = _mm256_cvtpd_ps(w0[c0]);
          for (int c1 = 0; c1 < T; ++c1)
            fw = _mm_add_ps(fw, _mm_mul_ps(a0, _mm256_cvtpd_ps(w1[c1])));
        }
        const __m128 f = _mm_fmadd_ps(_mm_set1_ps(static_cast<float>(a.fill)), fw, v);
        v = _mm_blendv_ps(v, f, _mm_cmpneq_ps(fw, _mm_setzero_ps()));
      }
      for (int64_t c = 0; c < k.C; ++c) store4f(a.dst, m * k.dp + c * k.dc, step * k.dp, v);
    } else {
      __m256d v = zero;
      if (a.fill != 0) {
        __m256d fw = zero;
        for (int c0 = 0; c0 < T; ++c0)
          for (int c1 = 0; c1 < T; ++c1) fw = _mm256_add_pd(fw, _mm256_mul_pd(w0[c0], w1[c1]));
        const __m256d f = _mm256_add_pd(zero, _mm256_mul_pd(fw, _mm256_set1_pd(a.fill)));
        v = _mm256_blendv_pd(v, f, _mm256_cmp_pd(fw, zero, _CMP_NEQ_UQ));
      }
      for (int64_t c = 0; c < k.C; ++c)
        store4<Tin, OUT>(a.dst, m * k.dp + c * k.dc, step * k.dp, v);
    }
    return true;
  }

  // a block of 4 points, fast or by the scalar rules
  static PG_INLINE inline void run4(const Args& a, const Ctx& k, const Tin* src, int64_t m,
                                    int64_t step, __m256d x0, __m256d x1, double* acc,
                                    float* accf) {
    if (block(a, k, src, m, step, x0, x1)) return;
    alignas(32) double y0[4], y1[4];
    _mm256_store_pd(y0, x0);
    _mm256_store_pd(y1, x1);
    for (int l = 0; l < 4; ++l) {
      const double x[2] = {y0[l], y1[l]};
      scalar(a, src, m + l * step, x, acc, accf);
    }
  }

  static void run(const Args& a, int64_t m0, int64_t m1) {
    const Tin* src = static_cast<const Tin*>(a.src);
    Ctx k;
    k.s0 = a.ax[0].stride;
    k.s1 = a.ax[1].stride;
    k.cs = a.cstride;
    k.C = a.C;
    k.dp = a.dp;
    k.dc = a.dc;
    k.hi0 = _mm256_set1_pd(double(a.ax[0].n - T));
    k.hi1 = _mm256_set1_pd(double(a.ax[1].n - T));
    const int64_t emax = (a.ax[0].n - 1) * k.s0 + (a.ax[1].n - 1) * k.s1 + (a.C - 1) * k.cs;
    // the last tap of a point is (T - 1) (s0 + s1) past its first, the last channel
    // (C - 1) cs past that, and a gather reads overread() elements more
    // one channel: the gathers (4 points per vector) are better, and a 4-element store
    // would spill over 3 later points
    k.pixel = k.cs == 1 && a.C >= 2 && a.C <= 4 && k.dc == 1;
    k.overlap = k.dp == a.C;  // C >= 2: the 4 - C spilled elements are the next point's
    k.rows = !k.pixel && k.s1 == 1;
    k.lim = _mm256_set1_pd(double(k.pixel ? emax - 3 - (T - 1) * (k.s0 + k.s1)
                                          : emax - overread<Tin>() - (T - 1) * (k.s0 + k.s1) -
                                                (a.C - 1) * k.cs));
    k.const0 = a.ax[0].boundary == BCONST;
    k.const1 = a.ax[1].boundary == BCONST;
    // with a fill value the fill weight is summed from the weights, which "renormalize"
    // would change on the other axis
    k.fill_path = (k.const0 || k.const1) &&
                  (a.fill == 0 || (a.ax[0].boundary != BRENORM && a.ax[1].boundary != BRENORM));
    __m256d* clo[2] = {&k.clo0, &k.clo1};
    __m256d* chi[2] = {&k.chi0, &k.chi1};
    for (int i = 0; i < 2; ++i) {
      const Axis& A = a.ax[i];
      const bool periodic = A.boundary == BWRAP || A.boundary == BREFLECT || A.boundary == BSYM;
      *clo[i] = _mm256_set1_pd(periodic ? -4503599627370496.0 : -A.margin);
      *chi[i] = _mm256_set1_pd(periodic ? 4503599627370496.0
                                        : static_cast<double>(A.n - 1) + A.margin);
    }
    k.top0 = _mm256_set1_pd(double(a.ax[0].n - 1));
    k.top1 = _mm256_set1_pd(double(a.ax[1].n - 1));
    k.mask_zero = a.window == 0 && std::is_floating_point<Tin>::value;
    std::vector<double> accv(static_cast<size_t>(a.C));
    std::vector<float> accfv(static_cast<size_t>(a.C));
    double* acc = accv.data();
    float* accf = accfv.data();
    if (a.grid != nullptr) {
      int64_t m = m0;
      for (; m + 4 <= m1; m += 4) {
        __m256d ys, xs;
        grid4(a, m, ys, xs);
        run4(a, k, src, m, 1, ys, xs, acc, accf);
      }
      for (; m < m1; ++m) {
        double x[2];
        grid_xy(a, m, x);
        scalar(a, src, m, x, acc, accf);
      }
      return;
    }
    if (a.pts != nullptr) {
      int64_t m = m0;
      for (; m + 4 <= m1; m += 4) {
        const double* p = a.pts + 2 * m;
        const __m256d p01 = _mm256_loadu_pd(p), p23 = _mm256_loadu_pd(p + 4);
        // (y0 x0 y1 x1), (y2 x2 y3 x3) -> (y0 y1 y2 y3), (x0 x1 x2 x3)
        const __m256d ys = _mm256_permute4x64_pd(_mm256_unpacklo_pd(p01, p23), 0xD8);
        const __m256d xs = _mm256_permute4x64_pd(_mm256_unpackhi_pd(p01, p23), 0xD8);
        run4(a, k, src, m, 1, ys, xs, acc, accf);
      }
      for (; m < m1; ++m) scalar(a, src, m, a.pts + 2 * m, acc, accf);
      return;
    }
    const int64_t W = a.W;
    auto one = [&](int64_t r, int64_t c) {
      double x[2];
      affine_xy(a, r, c, x);
      scalar(a, src, r * W + c, x, acc, accf);
    };
    if (m0 % W != 0 || m1 % W != 0) {
      for (int64_t m = m0; m < m1; ++m) one(m / W, m % W);
      return;
    }
    const __m256d b0 = _mm256_set1_pd(a.aff[0]), b1 = _mm256_set1_pd(a.aff[1]),
                  b2 = _mm256_set1_pd(a.aff[2]), b3 = _mm256_set1_pd(a.aff[3]),
                  b4 = _mm256_set1_pd(a.aff[4]), b5 = _mm256_set1_pd(a.aff[5]);
    const __m256d lanes = _mm256_set_pd(3.0, 2.0, 1.0, 0.0);
    const int64_t r0 = m0 / W, r1 = m1 / W;
    for (int64_t rb = r0; rb < r1; rb += kTileRows) {
      const int64_t re = std::min(rb + kTileRows, r1);
      for (int64_t cb = 0; cb < W; cb += kTileCols) {
        const int64_t ce = std::min(cb + kTileCols, W);
        for (int64_t r = rb; r < re; ++r) {
          const __m256d i = _mm256_set1_pd(double(r));
          // (b0 j + b1 i) + b2 per lane: affine_xy's expression
          const __m256d bi1 = _mm256_mul_pd(b1, i), bi4 = _mm256_mul_pd(b4, i);
          int64_t c = cb;
          for (; c + 4 <= ce; c += 4) {
            const __m256d j = _mm256_add_pd(_mm256_set1_pd(double(c)), lanes);
            const __m256d sx = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(b0, j), bi1), b2);
            const __m256d sy = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(b3, j), bi4), b5);
            run4(a, k, src, r * W + c, 1, sy, sx, acc, accf);
          }
          for (; c < ce; ++c) one(r, c);
        }
      }
    }
  }
};

template <class Tin, int OUT>
RangeFn pick_kind(int kind) {
  switch (kind) {
    case KLINEAR: return Kernel2d<Tin, OUT, KLINEAR, false>::run;
    case KCUBIC: return Kernel2d<Tin, OUT, KCUBIC, false>::run;
    case KCUBIC_PILLOW: return Kernel2d<Tin, OUT, KCUBIC_PILLOW, false>::run;
    default: return nullptr;
  }
}

template <class Tin>
RangeFn pick_t(int out, int sums, int kind) {
  if (sums == SUM_TORCH_CUBIC) return nullptr;  // (grid_cubic8 or the point rule)
  if (sums == SUM_FMA32) {
    switch (kind) {
      case KLINEAR: return Kernel2d<Tin, OUT_F32, KLINEAR, true>::run;
      case KCUBIC: return Kernel2d<Tin, OUT_F32, KCUBIC, true>::run;
      default: return nullptr;
    }
  }
  switch (out) {
    case OUT_F64: return pick_kind<Tin, OUT_F64>(kind);
    case OUT_F32: return pick_kind<Tin, OUT_F32>(kind);
    default: return pick_kind<Tin, OUT_SAME>(kind);
  }
}

}  // namespace

// The AVX2 kernel for this call, or null (then the kernels of sampler_kernels.h run).
RangeFn pick(int dt, int out, int sums, const Args& a) {
  if (a.k != 2 || a.omit || a.C < 1) return nullptr;
  const int kind = a.ax[0].kernel;
  if (a.ax[1].kernel != kind || (kind != KLINEAR && kind != KCUBIC && kind != KCUBIC_PILLOW))
    return nullptr;
  for (int i = 0; i < 2; ++i) {
    const Axis& A = a.ax[i];
    if (A.table != 0 || A.n < 4 || A.stride < 0) return nullptr;
  }
  // gathers take int32 element offsets: the whole source must be addressable with them
  const int64_t emax = (a.ax[0].n - 1) * a.ax[0].stride + (a.ax[1].n - 1) * a.ax[1].stride +
                       (a.C - 1) * a.cstride;
  if (emax >= (int64_t(1) << 31) - 64) return nullptr;
  switch (dt) {
    case U8: return pick_t<uint8_t>(out, sums, kind);
    case U16: return pick_t<uint16_t>(out, sums, kind);
    case F32: return pick_t<float>(out, sums, kind);
    case F64: return pick_t<double>(out, sums, kind);
    default: return nullptr;
  }
}

}  // namespace fast
}  // namespace sampler
}  // namespace pg
