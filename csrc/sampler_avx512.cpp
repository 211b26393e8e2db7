// AVX-512 kernel of the point sampler for warp_affine's common case: an affine map, two
// axes of one compiled kernel (linear, Keys cubic, Pillow cubic), float64 sums (sum2d), no
// nan_policy, channels adjacent (C = 1..4 per pixel, pixels adjacent in a row: HWC) and
// the destination (M, C) contiguous; uint8, uint16, float32, float64 sources stored in
// their own dtype (float32 / float64 for float sources).  Built with -mavx512f/bw/vl/dq/
// vbmi and picked only when the CPU has them (sampler.cpp); other calls take the AVX2
// 4-point kernels of sampler_fast.cpp or the point-by-point ones.
//
// Eight points at a time, one per lane of an 8 x float64 vector, with the same IEEE
// operations in the same order as the scalar rules of sampler_point.h (and the AVX2
// kernels): the affine position (b0 * j + b1 * i) + b2, the clamp of far coordinates, the
// window, the kernel weights, their sequential sum and the division by it, w0 * w1,
// acc = 0 + w * v in tap order (row tap outer, then column tap), the store (-ffp-contract=off:
// no product is fused).  So each lane is bit-identical to the scalar code.
//
// What makes it faster than the 4-point kernels (measured on the 1024^2 x 3 bench warp,
// rotate 30 + scale 1.1, one thread: uint8 5.2 -> 2.2 ms, float32 5.0 -> 2.3 ms): the
// channels of 8 points are summed in 8-lane vectors, one per channel (the 4-point kernels
// sum one point's channels in one 4-lane vector, a quarter of it unused at C = 3); the
// T taps x C channels of a point's source row are adjacent and read as 8-byte pieces, one
// lane per point (float32 at T * C <= 8: one 8-float load per point, transposed), then
// spread into channel vectors by shifts; the C sums are interleaved back into pixels by
// one permute and a masked store; and the blocks of a row are software-pipelined (see
// prepare()), which alone took the uint8 warp from 3.3 to 2.2 ms.
//
// Two more things (measured on the same warp, one thread, min of 25-40 calls on a busy
// 2-core machine, ms pixelgrid / cv2.warpAffine in the same loop):
// - uint8 linear (LinU8 below) sums in float32, 16 points at a time, and stores them
//   where a bound proves the rounding equal to the float64 model's, else runs the exact
//   code; with its next-tile prefetch: 2.3-2.5 -> 1.8 ms, cv2 1.75-1.85 (under load from
//   other processes pixelgrid / cv2 went from 1.2-1.4 to 0.7-1.0);
// - runs of output points wholly outside a constant axis with fill 0 are cleared
//   (outside_cols) instead of sampled (every dtype and kernel; an all-outside 1024^2 x 3
//   uint8 warp took 0.79 ms, cv2 0.04 ms).
//
// Interior for sure (prepare_in, sure_cols): the blocks of a row whose points all lie, by
// their exact positions, where every window is inside both axes skip the clamp, the
// window tests and the fill lanes, store their offsets with one vector store and
// prefetch from a whole-number move (same positions, weights and sums as prepare()).
// With a two-level permute transpose of float32 rows (rows8), measured on the float32
// bench warp, one thread, interleaved calls on a loaded machine, ratio to cv2.warpAffine
// in the same loop: 3 channels 1.74-1.80 -> 1.37-1.40, one channel 2.3-2.6 -> 1.22-1.25,
// four channels 1.67-1.68 -> 1.28-1.38, rotation 0 (3 channels) 2.5 -> 1.83-1.87.
//
// Blocks: a lane is *interior* when all its taps are inside on both axes (no boundary
// rule applies, every tap is read) and *outside* when, at a constant boundary, all its
// taps are outside a constant axis (the fill: acc = 0 + fill_w * fill, fill_w the sum of
// its tap weights in tap order).  Both kinds are computed in vectors (only the interior
// lanes read the source; the others read offset 0).  With fill 0 and a constant
// boundary on both axes (warp_affine's and cv2's default) the *edge* lanes, whose taps
// cross the border, are summed in vectors too (edge_slots: a window moved inside, the
// taps outside skipped; a 64^2 x 3 warp, one thread, min of 9 x 300 calls: uint8
// 23.0-24.1 -> 18.3-19.7 us, float32 24.1-25.0 -> 20.0-23.7 us); the other lanes run
// the scalar point2d.
// Why skipping is exact: as in sampler_fast.cpp (a weight-0 tap adds +0.0 to acc, which
// is never -0.0; the division by the weight sum leaves w unchanged where the sum is 1).
#define PG_SNS fast512
#include "sampler_point.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace pg {
namespace sampler {
namespace fast512 {
namespace {

constexpr int64_t kTileRows = 16, kTileCols = 64;  // as for_points_2d (sampler_kernels.h)
// Kernel8's tiles: 32 x 32 points (measured on the float32 bench warp, 1024^2 x 3, one
// thread, Xeon, ratio to cv2.warpAffine in the same loop, two runs each: 16 x 64
// 1.28-1.29, 8 x 64 1.25-1.31, 32 x 32 1.14-1.16; LinU8 keeps 16 x 64: 1.02-1.06 against
// 32 x 32's 1.07-1.09)
constexpr int64_t kTileRows8 = 32, kTileCols8 = 32;

template <int KIND>
constexpr int taps_of() {
  return KIND == KLINEAR ? 2 : 4;
}

// kernel_weight<KIND> of 8 offsets d (sampler_point.h; no table: pick() checks)
template <int KIND>
PG_INLINE inline __m512d weight8(const Axis& A, __m512d d) {
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d x = _mm512_abs_pd(d);
  if (KIND == KLINEAR) return _mm512_sub_pd(one, x);
  // x < 1: ((a + 2) x - (a + 3)) x x + 1
  __m512d near = _mm512_mul_pd(_mm512_set1_pd(A.ap2), x);
  near = _mm512_sub_pd(near, _mm512_set1_pd(A.ap3));
  near = _mm512_mul_pd(near, x);
  near = _mm512_mul_pd(near, x);
  near = _mm512_add_pd(near, one);
  __m512d far;
  if (KIND == KCUBIC_PILLOW) {  // (((x - 5) x + 8) x - 4) a
    far = _mm512_sub_pd(x, _mm512_set1_pd(5.0));
    far = _mm512_mul_pd(far, x);
    far = _mm512_add_pd(far, _mm512_set1_pd(8.0));
    far = _mm512_mul_pd(far, x);
    far = _mm512_sub_pd(far, _mm512_set1_pd(4.0));
    far = _mm512_mul_pd(far, _mm512_set1_pd(A.a));
  } else {  // ((a x - 5a) x + 8a) x - 4a
    far = _mm512_mul_pd(_mm512_set1_pd(A.a), x);
    far = _mm512_sub_pd(far, _mm512_set1_pd(A.a5));
    far = _mm512_mul_pd(far, x);
    far = _mm512_add_pd(far, _mm512_set1_pd(A.a8));
    far = _mm512_mul_pd(far, x);
    far = _mm512_sub_pd(far, _mm512_set1_pd(A.a4));
  }
  const __mmask8 lt1 = _mm512_cmp_pd_mask(x, one, _CMP_LT_OQ);
  const __mmask8 lt2 = _mm512_cmp_pd_mask(x, _mm512_set1_pd(2.0), _CMP_LT_OQ);
  return _mm512_mask_blend_pd(lt1, _mm512_maskz_mov_pd(lt2, far), near);
}

// axis_taps_k<KIND> of 8 points before the boundary rule: the window's first tap lo (a
// whole number, as double) and the T weights divided by their sequential sum.
template <int KIND>
PG_INLINE inline void axis8(const Axis& A, __m512d x, int window, __m512d& lo, __m512d* w) {
  constexpr int T = taps_of<KIND>();
  constexpr int r = T / 2;
  if (window == 0) {
    lo = _mm512_roundscale_pd(_mm512_sub_pd(x, _mm512_set1_pd(A.radius)),
                              _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
  } else {
    lo = _mm512_roundscale_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    if (r > 1) lo = _mm512_sub_pd(lo, _mm512_set1_pd(double(r - 1)));
  }
  __m512d total = _mm512_setzero_pd();
  for (int i = 0; i < T; ++i) {
    const __m512d j = i == 0 ? lo : _mm512_add_pd(lo, _mm512_set1_pd(double(i)));
    w[i] = weight8<KIND>(A, _mm512_sub_pd(j, x));
    total = i == 0 ? w[0] : _mm512_add_pd(total, w[i]);
  }
  if (_mm512_cmp_pd_mask(total, _mm512_set1_pd(1.0), _CMP_NEQ_UQ) != 0) {
    const __mmask8 nz = _mm512_cmp_pd_mask(total, _mm512_setzero_pd(), _CMP_NEQ_UQ);
    for (int i = 0; i < T; ++i) w[i] = _mm512_mask_div_pd(w[i], nz, w[i], total);
  }
}

// the clamp of axis_taps_k, std::min(std::max(x, lo), hi): max_pd(lo, x) is
// lo > x ? lo : x, and min_pd(hi, y) is hi < y ? hi : y, the std:: choices exactly
PG_INLINE inline __m512d clamp8(__m512d x, __m512d lo, __m512d hi) {
  return _mm512_min_pd(hi, _mm512_max_pd(lo, x));
}

// What a kernel needs per call.
struct Ctx {
  int64_t s0;
  __m512d hi0, hi1;                // n - T per axis: the largest interior first tap
  __m512d lim;                     // the largest first-tap offset whose reads stay inside
  __m512d clo0, chi0, clo1, chi1;  // the clamp of far coordinates per axis (_safe_coords)
  __m512d top0, top1;              // n - 1 per axis
  bool const0, const1;             // constant boundary per axis (the fill lanes)
  bool fill_path;                  // lanes wholly outside a constant axis take the fill
  bool mask_zero;  // "support" window with float data: a weight-0 tap is not read
  bool edges;      // fill 0 and a constant boundary on both axes: edge lanes in vectors
  __m512d next0, next1;  // the move of a position to the same point of the next tile
  __m512d pmax0, pmax1;  // the largest first-tap row and column a prefetch names
  __m512i plast;         // the last element offset of the source (prepare_in's prefetch)
};

// Element i (0 .. 8 / sizeof(Tin) - 1) of each of the 8 qwords of g, as float64 lanes.
template <class Tin>
PG_INLINE inline __m512d element(__m512i g, int i) {
  if constexpr (std::is_same<Tin, double>::value) {
    (void)i;
    return _mm512_castsi512_pd(g);
  } else if constexpr (std::is_same<Tin, float>::value) {
    const __m512i e = i == 0 ? g : _mm512_srli_epi64(g, 32);
    return _mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_cvtepi64_epi32(e)));
  } else if constexpr (std::is_same<Tin, uint16_t>::value) {
    const __m512i e = _mm512_srli_epi64(g, 16 * i);
    return _mm512_cvtepi64_pd(i == 3 ? e : _mm512_and_si512(e, _mm512_set1_epi64(0xFFFF)));
  } else {  // uint8_t: byte i of qword p (shifts and ands: no shuffle port)
    const __m512i e = i == 0 ? g : _mm512_srli_epi64(g, 8 * i);
    return _mm512_cvtepi64_pd(i == 7 ? e : _mm512_and_si512(e, _mm512_set1_epi64(0xFF)));
  }
}

// The mask of elements p * C + ch (lanes p of lm, channels ch < C).
template <int C>
PG_INLINE inline uint64_t spread(__mmask8 lm) {
  if (lm == 0xFF) return C * 8 == 64 ? ~uint64_t(0) : (uint64_t(1) << (8 * C)) - 1;
  uint64_t m = 0;
  for (int p = 0; p < 8; ++p)
    if ((lm >> p) & 1) m |= ((uint64_t(1) << C) - 1) << (p * C);
  return m;
}

// Permute indices that interleave C channel vectors of 8 lanes into pixels: output
// element o = p * C + ch takes element ch * 8 + p of the channels laid end to end.
template <class E, int C>
struct alignas(64) Interleave {
  E v[64 / sizeof(E) > 32 ? 64 / sizeof(E) : 32];
  constexpr Interleave() : v() {
    for (int o = 0; o < 8 * C; ++o) v[o] = static_cast<E>((o % C) * 8 + o / C);
  }
};

// Stores the C sums acc[ch] of the lanes lm as pixels (dst + m * C, element p * C + ch),
// as store<Tin, OUT> of sampler_point.h.
template <class Tin, int OUT, int C>
PG_INLINE inline void store8(void* dst, int64_t m, __mmask8 lm, const __m512d* acc) {
  const uint64_t em = spread<C>(lm);
  if constexpr (OUT == OUT_F64 || (OUT == OUT_SAME && std::is_same<Tin, double>::value)) {
    double* d = static_cast<double*>(dst) + m * C;
    if constexpr (C == 1) {
      _mm512_mask_storeu_pd(d, lm, acc[0]);
    } else if constexpr (C == 2) {
      const __m512i i0 = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
      const __m512i i1 = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
      _mm512_mask_storeu_pd(d, static_cast<__mmask8>(em), _mm512_permutex2var_pd(acc[0], i0, acc[1]));
      _mm512_mask_storeu_pd(d + 8, static_cast<__mmask8>(em >> 8),
                            _mm512_permutex2var_pd(acc[0], i1, acc[1]));
    } else {
      alignas(64) double t[C][8];
      for (int ch = 0; ch < C; ++ch) _mm512_store_pd(t[ch], acc[ch]);
      for (int p = 0; p < 8; ++p)
        if ((lm >> p) & 1)
          for (int ch = 0; ch < C; ++ch) d[p * C + ch] = t[ch][p];
    }
  } else if constexpr (OUT == OUT_F32 || std::is_floating_point<Tin>::value) {
    float* d = static_cast<float*>(dst) + m * C;
    __m256 f[4];
    for (int ch = 0; ch < C; ++ch) f[ch] = _mm512_cvtpd_ps(acc[ch]);
    if constexpr (C == 1) {
      _mm256_mask_storeu_ps(d, lm, f[0]);
    } else {
      // [f0 | f1], [f2 | f3]: element ch * 8 + p of the pair is channel ch of point p
      const __m512 z0 = _mm512_insertf32x8(_mm512_castps256_ps512(f[0]), f[1], 1);
      const __m512 z1 = C > 2 ? _mm512_insertf32x8(_mm512_castps256_ps512(f[2]),
                                                   C > 3 ? f[3] : f[2], 1)
                              : z0;
      static constexpr Interleave<int32_t, C> ix{};
      const __m512 lo = _mm512_permutex2var_ps(z0, _mm512_load_si512(ix.v), z1);
      _mm512_mask_storeu_ps(d, static_cast<__mmask16>(em), lo);
      if constexpr (C > 2) {
        const __m512 hi = _mm512_permutex2var_ps(z0, _mm512_load_si512(ix.v + 16), z1);
        _mm512_mask_storeu_ps(d + 16, static_cast<__mmask16>(em >> 16), hi);
      }
    }
  } else {  // store_int: nearbyint, clip to the dtype's range (no NaN from integer data)
    const __m512d lo = _mm512_set1_pd(static_cast<double>(std::numeric_limits<Tin>::min()));
    const __m512d hi = _mm512_set1_pd(static_cast<double>(std::numeric_limits<Tin>::max()));
    __m256i q[4];
    // clip, then convert rounding half to even (the MXCSR mode): the same integer as
    // nearbyint then clip, as lo and hi are whole numbers (one rounding fewer)
    for (int ch = 0; ch < C; ++ch)
      q[ch] = _mm512_cvt_roundpd_epi32(_mm512_min_pd(_mm512_max_pd(acc[ch], lo), hi),
                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    for (int ch = C; ch < 4; ++ch) q[ch] = q[0];
    if constexpr (sizeof(Tin) == 1) {
      Tin* d = static_cast<Tin*>(dst) + m * C;
      if constexpr (C == 1) {
        _mm_mask_storeu_epi8(d, lm, _mm256_cvtepi32_epi8(q[0]));
      } else {
        const __m128i u = _mm_unpacklo_epi64(_mm256_cvtepi32_epi8(q[0]), _mm256_cvtepi32_epi8(q[1]));
        const __m128i v = _mm_unpacklo_epi64(_mm256_cvtepi32_epi8(q[2]), _mm256_cvtepi32_epi8(q[3]));
        static constexpr Interleave<uint8_t, C> ix{};
        const __m256i y = _mm256_permutexvar_epi8(
            _mm256_load_si256(reinterpret_cast<const __m256i*>(ix.v)), _mm256_set_m128i(v, u));
        _mm256_mask_storeu_epi8(d, static_cast<__mmask32>(em), y);
      }
    } else {  // uint16_t
      Tin* d = static_cast<Tin*>(dst) + m * C;
      if constexpr (C == 1) {
        _mm_mask_storeu_epi16(d, lm, _mm256_cvtepi32_epi16(q[0]));
      } else {
        const __m256i u = _mm256_set_m128i(_mm256_cvtepi32_epi16(q[1]), _mm256_cvtepi32_epi16(q[0]));
        const __m256i v = _mm256_set_m128i(_mm256_cvtepi32_epi16(q[3]), _mm256_cvtepi32_epi16(q[2]));
        static constexpr Interleave<uint16_t, C> ix{};
        const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(u), v, 1);
        const __m512i y = _mm512_permutexvar_epi16(_mm512_load_si512(ix.v), z);
        _mm512_mask_storeu_epi16(d, static_cast<__mmask32>(em), y);
      }
    }
  }
}

// Columns [o0, o1) of output row r outside which every point is wholly outside a
// constant axis (Kernel8's `out` lanes: all T taps outside), or [0, W) where that cannot
// be told safely.  With r = T / 2, a point of computed position P on a constant axis of
// n pixels has every tap outside when P < -r or P > n - 1 + r, under either window rule
// (floor: first tap floor(P) - (r - 1); support: ceil(P - r)) and after the clamp of
// far positions to [-(r + 2), n - 1 + r + 2].  P = (b0 j + b1 i) + b2 is within 2^-11
// of the exact position p while |b0| W, |b1 i| and |b2| stay below 2^40, so p < -r - 1/2
// or p > n - 1 + r + 1/2 is enough; the columns' interval ends are widened by one or
// two, which also covers their own rounding.
// The columns (as reals, within [-1, W + 1]) of output row r whose exact positions lie in
// [L0, H0] on the axes with on0 and in [L1, H1] on those with on1 (axis 0: rows, 1:
// columns); false where the positions are too large to tell (see outside_cols).
inline bool cols_within(const Args& a, int64_t r, bool on0, double L0, double H0, bool on1,
                        double L1, double H1, double& lo, double& hi) {
  const int64_t W = a.W;
  lo = -1.0;
  hi = double(W) + 1.0;
  const double big = 1099511627776.0;  // 2^40
  for (int ax = 0; ax < 2; ++ax) {
    if (!(ax == 0 ? on0 : on1)) continue;
    const double s = ax == 0 ? a.aff[3] : a.aff[0];
    const double u = (ax == 0 ? a.aff[4] : a.aff[1]) * double(r);
    const double v = ax == 0 ? a.aff[5] : a.aff[2];
    // each term bounded (not only their sum, which may cancel)
    if (!(std::fabs(u) < big && std::fabs(v) < big && std::fabs(s) * double(W + 1) < big))
      return false;
    const double t = u + v, L = ax == 0 ? L0 : L1, H = ax == 0 ? H0 : H1;
    if (s == 0) {
      if (t < L || t > H) hi = -2.0;  // no column
      continue;
    }
    double x0 = (L - t) / s, x1 = (H - t) / s;
    if (s < 0) std::swap(x0, x1);
    lo = std::max(lo, x0);
    hi = std::min(hi, x1);
  }
  return true;
}

inline void outside_cols(const Args& a, int radius, bool const0, bool const1, int64_t r,
                         int64_t& o0, int64_t& o1) {
  const int64_t W = a.W;
  o0 = 0;
  o1 = W;
  const double L = -double(radius) - 0.5;
  double lo, hi;
  if (!cols_within(a, r, const0, L, double(a.ax[0].n) - 1.0 + double(radius) + 0.5, const1, L,
                   double(a.ax[1].n) - 1.0 + double(radius) + 0.5, lo, hi))
    return;
  if (!(lo <= hi)) {
    o1 = 0;
    return;
  }
  o0 = std::min<int64_t>(W, std::max<int64_t>(0, static_cast<int64_t>(std::floor(lo)) - 1));
  o1 = std::min<int64_t>(W, std::max<int64_t>(o0, static_cast<int64_t>(std::ceil(hi)) + 2));
}

template <class Tin, int OUT, int KIND, int C>
struct Kernel8 {
  static constexpr int T = taps_of<KIND>();
  static constexpr int EPQ = 8 / static_cast<int>(sizeof(Tin));  // elements per qword
  static constexpr int RUN = T * C;                               // elements of a tap row
  static constexpr int NQ = (RUN + EPQ - 1) / EPQ;                // qwords read per row

  // the scalar rules for one point (x unclamped: point2d clamps)
  static PG_INLINE inline void scalar(const Args& a, const Tin* src, int64_t m, double y,
                                      double x, double* acc) {
    const double p[2] = {y, x};
    point2d<Tin, OUT, KIND>(a, src, C, acc, m, p);
  }

  // A block of 8 points m .. m + 7: positions (kept for the lanes the scalar rules take),
  // weights, which lanes are summed in vectors (in: interior, and with `edge` the edge
  // lanes too) or wholly outside a constant axis (out), and the byte offsets of the
  // summed lanes' first taps.  With `edge`, w0 / w1 are slot weights (see edge_slots)
  // and v0 / v1 the slots that hold a tap inside.
  struct Block {
    __m512d x0, x1, w0[T], w1[T];
    int64_t off[8];
    int64_t m;
    __mmask8 in, out;
    bool edge;
    __mmask8 v0[T], v1[T];
  };

  // Edge lanes (some taps inside, some outside a constant axis, fill 0) summed like
  // interior ones: the model adds w * v over the taps inside, in tap order, and skips the
  // others (point2d: `ok` false, no fill term when the fill is 0).  Each axis reads the
  // T columns from start = clamp(lo, 0, n - T), which hold every tap inside (lo < 0:
  // [0, lo + T - 1] within [0, T - 1]; lo > n - T: [lo, n - 1] within [n - T, n - 1]);
  // slot s of that window is tap s + d (d = start - lo), so slot s takes the weight w[s + d]
  // and is valid where 0 <= s + d < T, and a slot without a tap adds an exact +0.0
  // (a masked product) to an accumulator that is never -0.0.  Slots keep the taps'
  // order, so the sum is the model's term by term.  Interior lanes have d = 0 (w, all
  // valid): unchanged.
  static PG_INLINE inline __m512d edge_slots(__m512d lo, __m512d nT, __m512d* w, __mmask8* v) {
    const __m512d start = _mm512_min_pd(nT, _mm512_max_pd(_mm512_setzero_pd(), lo));
    const __m512d d = _mm512_sub_pd(start, lo);
    __m512d ws[T];
    for (int sl = 0; sl < T; ++sl) {
      ws[sl] = _mm512_setzero_pd();
      v[sl] = 0;
      for (int i = 0; i < T; ++i) {
        const __mmask8 at = _mm512_cmp_pd_mask(d, _mm512_set1_pd(double(i - sl)), _CMP_EQ_OQ);
        ws[sl] = _mm512_mask_mov_pd(ws[sl], at, w[i]);
        v[sl] |= at;
      }
    }
    for (int sl = 0; sl < T; ++sl) w[sl] = ws[sl];
    return start;
  }

  // Everything of a block before its reads.  The blocks of a row are software-pipelined:
  // block n + 1 is prepared before block n is read and written, so that the long chain
  // position -> window -> offset -> load of one block overlaps the sums of the other
  // (in program order the chain otherwise waits behind a whole block).
  static PG_INLINE inline void prepare(const Args& a, const Ctx& k, int64_t m, __m512d x0,
                                       __m512d x1, Block& b) {
    b.m = m;
    b.x0 = x0;
    b.x1 = x1;
    __m512d lo0, lo1;
    const __m512d c0x = clamp8(x0, k.clo0, k.chi0), c1x = clamp8(x1, k.clo1, k.chi1);
    axis8<KIND>(a.ax[0], c0x, a.window, lo0, b.w0);
    axis8<KIND>(a.ax[1], c1x, a.window, lo1, b.w1);
    const __m512d zero = _mm512_setzero_pd();
    __mmask8 in = _mm512_cmp_pd_mask(lo0, zero, _CMP_GE_OQ) &
                  _mm512_cmp_pd_mask(lo0, k.hi0, _CMP_LE_OQ) &
                  _mm512_cmp_pd_mask(lo1, zero, _CMP_GE_OQ) &
                  _mm512_cmp_pd_mask(lo1, k.hi1, _CMP_LE_OQ);
    // element offsets of the first tap of each point (whole numbers below 2^31)
    __m512d first = _mm512_add_pd(_mm512_mul_pd(lo0, _mm512_set1_pd(double(k.s0))),
                                  _mm512_mul_pd(lo1, _mm512_set1_pd(double(C))));
    in &= _mm512_cmp_pd_mask(first, k.lim, _CMP_LE_OQ);
    __mmask8 out = 0;
    if (k.fill_path && in != 0xFF) {
      const __m512d before = _mm512_set1_pd(double(1 - T));
      if (k.const0)
        out = _mm512_cmp_pd_mask(lo0, before, _CMP_LT_OQ) |
              _mm512_cmp_pd_mask(lo0, k.top0, _CMP_GT_OQ);
      if (k.const1)
        out |= _mm512_cmp_pd_mask(lo1, before, _CMP_LT_OQ) |
               _mm512_cmp_pd_mask(lo1, k.top1, _CMP_GT_OQ);
      out &= static_cast<__mmask8>(~in);
    }
    b.edge = false;
    const __mmask8 rest = static_cast<__mmask8>(~(in | out));
    if (k.edges && rest != 0) {
      // lanes neither interior nor wholly outside: on each axis a first tap in
      // [1 - T, n - 1] (else `out`), some taps inside (edge_slots)
      const __m512d s0 = edge_slots(lo0, k.hi0, b.w0, b.v0);
      const __m512d s1 = edge_slots(lo1, k.hi1, b.w1, b.v1);
      const __m512d efirst = _mm512_add_pd(_mm512_mul_pd(s0, _mm512_set1_pd(double(k.s0))),
                                           _mm512_mul_pd(s1, _mm512_set1_pd(double(C))));
      const __mmask8 e = rest & _mm512_cmp_pd_mask(efirst, k.lim, _CMP_LE_OQ);
      if (e != 0) {
        b.edge = true;
        in |= e;
        first = _mm512_mask_mov_pd(first, e, efirst);
      }
    }
    b.in = in;
    b.out = out;
    // float32/float64: prefetch the source row the same point of the next tile will read
    // (k.next0/next1; a hint: addresses only, no value).  A rotated warp walks the source
    // across its rows, so the lines a tile reads first otherwise come one load at a time;
    // one tile ahead (64 blocks) leaves them time to arrive (measured on the float32
    // bench warp, 1024^2 x 3, one thread, interleaved calls while other processes loaded
    // the machine: no prefetch 9.1-9.5 ms, the next output row's point 7.6-8.1 ms, the
    // next tile's 6.1-6.9 ms, cv2 3.1-3.4 ms; into L2 instead of L1, or the tap's second
    // row too: no better; uint8 prefetches in LinU8)
    if constexpr (sizeof(Tin) >= 4) {
      const __m512d pr = _mm512_min_pd(k.pmax0, _mm512_max_pd(zero, _mm512_roundscale_pd(
          _mm512_add_pd(c0x, k.next0), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)));
      const __m512d pc = _mm512_min_pd(k.pmax1, _mm512_max_pd(zero, _mm512_roundscale_pd(
          _mm512_sub_pd(_mm512_add_pd(c1x, k.next1), _mm512_set1_pd(double(T / 2 - 1))),
          _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)));
      const __m512i po = _mm512_cvtpd_epi64(_mm512_mul_pd(
          _mm512_add_pd(_mm512_mul_pd(pr, _mm512_set1_pd(double(k.s0))),
                        _mm512_mul_pd(pc, _mm512_set1_pd(double(C)))),
          _mm512_set1_pd(double(sizeof(Tin)))));
      const char* base = static_cast<const char*>(a.src);
      alignas(64) int64_t pa[8];
      _mm512_store_si512(pa, po);
      for (int l = 0; l < 8; ++l) _mm_prefetch(base + pa[l], _MM_HINT_T0);

    }
    // byte offsets (0 outside `in`: a read inside, as lim >= 0 when a lane is in), moved
    // to general registers lane by lane (a vector store read back by scalar loads would
    // not be forwarded)
    const __m512i offv = _mm512_slli_epi64(_mm512_maskz_cvtpd_epi64(in, first),
                                           sizeof(Tin) == 1 ? 0 : sizeof(Tin) == 2 ? 1
                                                            : sizeof(Tin) == 4 ? 2 : 3);
    for (int h = 0; h < 4; ++h) {
      const __m128i x = _mm512_extracti64x2_epi64(offv, h);
      b.off[2 * h] = _mm_cvtsi128_si64(x);
      b.off[2 * h + 1] = _mm_extract_epi64(x, 1);
    }
  }

  // prepare() for a block whose 8 points are interior for sure (sure_cols): their
  // positions lie where the clamp of far coordinates is the identity and every window
  // has all its taps inside, so the clamp and the window tests are skipped and only the
  // end of the buffer (lim: the last point's row is read READ elements wide) is tested.
  // Same positions, weights and offsets as prepare(), so the same sums.  The prefetch
  // names the next tile's point (pdelta: that move as a whole element offset; a hint
  // needs no exact address; every lane: every other lane was no faster at 1-3 channels
  // and slower at 4).
  static PG_INLINE inline void prepare_in(const Args& a, const Ctx& k, int64_t m, __m512d x0,
                                          __m512d x1, __m512d pdelta, Block& b) {
    b.m = m;
    b.x0 = x0;
    b.x1 = x1;
    __m512d lo0, lo1;
    axis8<KIND>(a.ax[0], x0, a.window, lo0, b.w0);
    axis8<KIND>(a.ax[1], x1, a.window, lo1, b.w1);
    const __m512d first = _mm512_add_pd(_mm512_mul_pd(lo0, _mm512_set1_pd(double(k.s0))),
                                        _mm512_mul_pd(lo1, _mm512_set1_pd(double(C))));
    const __mmask8 in = _mm512_cmp_pd_mask(first, k.lim, _CMP_LE_OQ);
    b.in = in;
    b.out = 0;
    b.edge = false;
    if constexpr (sizeof(Tin) >= 4) {
      const __m512i po = _mm512_min_epi64(
          k.plast, _mm512_max_epi64(_mm512_setzero_si512(),
                                    _mm512_cvtpd_epi64(_mm512_add_pd(first, pdelta))));
      alignas(64) int64_t pf[8];
      _mm512_store_si512(pf, po);
      asm("" : "+m"(pf));
      const Tin* s = static_cast<const Tin*>(a.src);
      for (int l = 0; l < 8; ++l) _mm_prefetch(reinterpret_cast<const char*>(s + pf[l]), _MM_HINT_T0);
    }
    const __m512i offv = _mm512_slli_epi64(_mm512_maskz_cvtpd_epi64(in, first),
                                           sizeof(Tin) == 1 ? 0 : sizeof(Tin) == 2 ? 1
                                                            : sizeof(Tin) == 4 ? 2 : 3);
    // one vector store: finish() reads them a block later, when the store has long left
    // the store queue (measured on the float32 bench warp, one thread, interleaved with
    // the lane-by-lane moves of prepare(): 3 channels 1.44-1.52 -> 1.39-1.44 x cv2, one
    // channel 1.49-1.52 -> 1.22)
    _mm512_storeu_si512(b.off, offv);
  }

  // Columns [i0, i1) of output row r whose points are interior for sure: exact positions
  // within [T/2 - 1/2, n - T/2 - 1/2] on both axes (computed ones are within 2^-11 of
  // them, see outside_cols), so the first tap of either window rule is in [0, n - T]
  // (floor: floor(x) - (T/2 - 1); support: ceil(x - T/2)); widened by one column at each
  // end for the interval's own rounding; empty where that cannot be told.
  static void sure_cols(const Args& a, int64_t r, int64_t& i0, int64_t& i1) {
    const double h = double(T / 2) - 0.5;
    double lo, hi;
    i0 = i1 = 0;
    if (cols_within(a, r, true, h, double(a.ax[0].n) - 1.0 - h, true, h,
                    double(a.ax[1].n) - 1.0 - h, lo, hi) && lo <= hi) {
      i0 = std::min<int64_t>(a.W, std::max<int64_t>(0, static_cast<int64_t>(std::ceil(lo)) + 1));
      i1 = std::min<int64_t>(a.W, std::max<int64_t>(i0, static_cast<int64_t>(std::floor(hi))));
    }
  }

  // Reads, sums and writes a prepared block: the vector lanes stored, the others by the
  // scalar rules.
  static PG_INLINE inline void finish(const Args& a, const Ctx& k, const Tin* src,
                                      const Block& b, double* sacc) {
    const __mmask8 vec = b.in | b.out;
    if (vec != 0) {
      const __m512d zero = _mm512_setzero_pd();
      __m512d acc[C];
      for (int ch = 0; ch < C; ++ch) acc[ch] = zero;
      if (b.in != 0) sums(k, src, b, acc);
      if (b.out != 0) {
        __m512d v = zero;
        if (a.fill != 0) {  // fill_w: the tap weights summed in tap order
          __m512d fw = zero;
          for (int c0 = 0; c0 < T; ++c0)
            for (int c1 = 0; c1 < T; ++c1)
              fw = _mm512_add_pd(fw, _mm512_mul_pd(b.w0[c0], b.w1[c1]));
          const __m512d f = _mm512_add_pd(zero, _mm512_mul_pd(fw, _mm512_set1_pd(a.fill)));
          v = _mm512_mask_mov_pd(v, _mm512_cmp_pd_mask(fw, zero, _CMP_NEQ_UQ), f);
        }
        for (int ch = 0; ch < C; ++ch) acc[ch] = _mm512_mask_mov_pd(acc[ch], b.out, v);
      }
      store8<Tin, OUT, C>(a.dst, b.m, vec, acc);
      if (vec == 0xFF) return;
    }
    alignas(64) double y0[8], y1[8];
    _mm512_store_pd(y0, b.x0);
    _mm512_store_pd(y1, b.x1);
    for (int l = 0; l < 8; ++l)
      if (!((vec >> l) & 1)) scalar(a, src, b.m + l, y0[l], y1[l], sacc);
  }

  // float32 rows of at most 8 elements (linear, C <= 4): one 8-float load per point and
  // row, transposed (the first READ elements of each row are read)
  static constexpr bool kRows8 = std::is_same<Tin, float>::value && RUN <= 8;
  static constexpr int READ = kRows8 ? 8 : NQ * EPQ;  // elements read per point and row

  // acc[ch] of the interior lanes `in`: the T x T taps in order, each tap's C channels
  // read along the tap row (the other lanes read the row at offset 0, inside: lim >= 0)
  static PG_INLINE inline void sums(const Ctx& k, const Tin* src, const Block& b,
                                    __m512d* acc) {
    __m512d wt[T * T];
    __mmask8 nz[T * T];
    for (int c0 = 0; c0 < T; ++c0)
      for (int c1 = 0; c1 < T; ++c1) {
        wt[c0 * T + c1] = _mm512_mul_pd(b.w0[c0], b.w1[c1]);
        nz[c0 * T + c1] = k.mask_zero ? _mm512_cmp_pd_mask(wt[c0 * T + c1], _mm512_setzero_pd(),
                                                           _CMP_NEQ_UQ)
                                      : static_cast<__mmask8>(0xFF);
        if (b.edge) nz[c0 * T + c1] &= b.v0[c0] & b.v1[c1];  // slots without a tap: +0.0
      }
    const bool masked = k.mask_zero || b.edge;
    const int64_t* off = b.off;
    const char* bytes = reinterpret_cast<const char*>(src);
    auto add = [&](int c0, int e, __m512d v) {
      const int c1 = e / C, ch = e % C, t = c0 * T + c1;
      const __m512d term = masked ? _mm512_maskz_mul_pd(nz[t], wt[t], v)
                                  : _mm512_mul_pd(wt[t], v);
      acc[ch] = _mm512_add_pd(acc[ch], term);
    };
#pragma GCC unroll 4
    for (int c0 = 0; c0 < T; ++c0) {
      const char* row = bytes + c0 * k.s0 * static_cast<int64_t>(sizeof(Tin));
      if constexpr (kRows8) {
        __m256 v[8];
        rows8(row, off, v);
#pragma GCC unroll 8
        for (int e = 0; e < RUN; ++e) add(c0, e, _mm512_cvtps_pd(v[e]));
      } else {
#pragma GCC unroll 16
        for (int q = 0; q < NQ; ++q) {
          const __m512i g = load8q(row + q * 8, off);
#pragma GCC unroll 8
          for (int i = 0; i < EPQ; ++i)
            if (q * EPQ + i < RUN) add(c0, q * EPQ + i, element<Tin>(g, i));
        }
      }
    }
  }

  // the 8 qwords at b + off[l]
  static PG_INLINE inline __m512i load8q(const char* b, const int64_t* off) {
    __m128i x[4];
    for (int h = 0; h < 4; ++h) {
      int64_t lo, hi;
      std::memcpy(&lo, b + off[2 * h], 8);
      std::memcpy(&hi, b + off[2 * h + 1], 8);
      x[h] = _mm_insert_epi64(_mm_cvtsi64_si128(lo), hi, 1);
    }
    const __m256i y0 = _mm256_inserti128_si256(_mm256_castsi128_si256(x[0]), x[1], 1);
    const __m256i y1 = _mm256_inserti128_si256(_mm256_castsi128_si256(x[2]), x[3], 1);
    return _mm512_inserti64x4(_mm512_castsi256_si512(y0), y1, 1);
  }

  // v[e] = element e of the 8 floats at b + off[l], l = 0..7 (e < RUN): a transpose in
  // two levels of two-source permutes (7 for RUN = 6; the unpack/shuffle network it
  // replaced took 14 shuffles).  z[p] = [row p | row p + 4]; level one gathers elements
  // 4 h .. 4 h + 3 of points (0, 1, 4, 5) (from z0, z1) and (2, 3, 6, 7) (from z2, z3),
  // element-major; level two takes two elements of all 8 points, in point order.
  struct alignas(64) Transpose {
    int32_t l1[2][16], l2[2][16];
    constexpr Transpose() : l1(), l2() {
      for (int h = 0; h < 2; ++h)
        for (int e = 0; e < 4; ++e)
          for (int q = 0; q < 4; ++q)  // q: the pair's point 0, 1, 4, 5 (or 2, 3, 6, 7)
            l1[h][e * 4 + q] = (q & 1) * 16 + (q >> 1) * 8 + 4 * h + e;
      for (int g = 0; g < 2; ++g)  // elements 2 g, 2 g + 1 of a level-one pair
        for (int t = 0; t < 2; ++t)
          for (int p = 0; p < 8; ++p) {
            const int e = 2 * g + t, q = (p & 1) + ((p >> 2) << 1), fromB = (p >> 1) & 1;
            l2[g][t * 8 + p] = fromB * 16 + e * 4 + q;
          }
    }
  };

  static PG_INLINE inline void rows8(const char* b, const int64_t* off, __m256* v) {
    static constexpr Transpose tp{};
    __m512 z[4];
    for (int p = 0; p < 4; ++p)
      z[p] = _mm512_insertf32x8(
          _mm512_castps256_ps512(_mm256_loadu_ps(reinterpret_cast<const float*>(b + off[p]))),
          _mm256_loadu_ps(reinterpret_cast<const float*>(b + off[p + 4])), 1);
    constexpr int H = RUN > 4 ? 2 : 1;  // level-one halves needed
    for (int h = 0; h < H; ++h) {
      const __m512i i1 = _mm512_load_si512(tp.l1[h]);
      const __m512 A = _mm512_permutex2var_ps(z[0], i1, z[1]);
      const __m512 B = _mm512_permutex2var_ps(z[2], i1, z[3]);
      for (int g = 0; g < 2; ++g) {
        const int e = 4 * h + 2 * g;
        if (e >= RUN) break;
        const __m512 o = _mm512_permutex2var_ps(A, _mm512_load_si512(tp.l2[g]), B);
        v[e] = _mm512_castps512_ps256(o);
        if (e + 1 < RUN) v[e + 1] = _mm512_extractf32x8_ps(o, 1);
      }
    }
  }

  // the per-call constants of Ctx
  static void init(const Args& a, Ctx& k) {
    k.s0 = a.ax[0].stride;
    k.hi0 = _mm512_set1_pd(double(a.ax[0].n - T));
    k.hi1 = _mm512_set1_pd(double(a.ax[1].n - T));
    const int64_t emax = (a.ax[0].n - 1) * k.s0 + (a.ax[1].n - 1) * C + (C - 1);
    // the reads of a point: rows first + c0 s0 (c0 < T), READ elements from each
    k.lim = _mm512_set1_pd(double(emax + 1 - (T - 1) * k.s0 - READ));
    k.const0 = a.ax[0].boundary == BCONST;
    k.const1 = a.ax[1].boundary == BCONST;
    // with a fill value the fill weight is summed from the weights, which "renormalize"
    // would change on the other axis
    k.fill_path = (k.const0 || k.const1) &&
                  (a.fill == 0 || (a.ax[0].boundary != BRENORM && a.ax[1].boundary != BRENORM));
    __m512d* clo[2] = {&k.clo0, &k.clo1};
    __m512d* chi[2] = {&k.chi0, &k.chi1};
    for (int i = 0; i < 2; ++i) {
      const Axis& A = a.ax[i];
      const bool periodic = A.boundary == BWRAP || A.boundary == BREFLECT || A.boundary == BSYM;
      *clo[i] = _mm512_set1_pd(periodic ? -4503599627370496.0 : -A.margin);
      *chi[i] = _mm512_set1_pd(periodic ? 4503599627370496.0
                                        : static_cast<double>(A.n - 1) + A.margin);
    }
    k.top0 = _mm512_set1_pd(double(a.ax[0].n - 1));
    k.top1 = _mm512_set1_pd(double(a.ax[1].n - 1));
    k.mask_zero = a.window == 0 && std::is_floating_point<Tin>::value;
    k.edges = k.const0 && k.const1 && a.fill == 0;
    k.next0 = k.next1 = _mm512_setzero_pd();  // set per tile (run)
    k.pmax0 = _mm512_set1_pd(double(a.ax[0].n - 1));
    k.pmax1 = _mm512_set1_pd(double(a.ax[1].n - 1));
    k.plast = _mm512_set1_epi64((a.ax[0].n - 1) * k.s0 + (a.ax[1].n - 1) * C);
  }

  static void run(const Args& a, int64_t m0, int64_t m1) {
    const Tin* src = static_cast<const Tin*>(a.src);
    Ctx k;
    init(a, k);
    double sacc[C];
    const int64_t W = a.W;
    auto one = [&](int64_t r, int64_t c) {
      double x[2];
      affine_xy(a, r, c, x);
      point2d<Tin, OUT, KIND>(a, src, C, sacc, r * W + c, x);
    };
    if (m0 % W != 0 || m1 % W != 0) {
      for (int64_t m = m0; m < m1; ++m) one(m / W, m % W);
      return;
    }
    const __m512d b0 = _mm512_set1_pd(a.aff[0]), b1 = _mm512_set1_pd(a.aff[1]),
                  b2 = _mm512_set1_pd(a.aff[2]), b3 = _mm512_set1_pd(a.aff[3]),
                  b4 = _mm512_set1_pd(a.aff[4]), b5 = _mm512_set1_pd(a.aff[5]);
    const __m512d lanes = _mm512_set_pd(7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0);
    const int64_t r0 = m0 / W, r1 = m1 / W;
    // points wholly outside a constant axis store 0 when the fill is 0 (finish(): acc = 0,
    // no fill added): whole runs of them are cleared (outside_cols)
    const bool zero_out = k.fill_path && a.fill == 0;
    constexpr size_t esize = OUT == OUT_F64 ? 8 : OUT == OUT_F32 ? 4 : sizeof(Tin);
    char* dst = static_cast<char*>(a.dst);
    int64_t o0s[kTileRows8], o1s[kTileRows8], i0s[kTileRows8], i1s[kTileRows8];
    for (int64_t rb = r0; rb < r1; rb += kTileRows8) {
      const int64_t re = std::min(rb + kTileRows8, r1);
      for (int64_t r = rb; r < re; ++r) {
        o0s[r - rb] = 0;
        o1s[r - rb] = W;
        if (zero_out) outside_cols(a, T / 2, k.const0, k.const1, r, o0s[r - rb], o1s[r - rb]);
        sure_cols(a, r, i0s[r - rb], i1s[r - rb]);
      }
      for (int64_t cb = 0; cb < W; cb += kTileCols8) {
        const int64_t ce = std::min(cb + kTileCols8, W);
        // the move to the same point of the next tile (to the right, else the first of
        // the next band): prepare() prefetches the source lines it will read there
        // (prepare_in: the same move as a whole element offset)
        const bool last_col = cb + kTileCols8 >= W;
        const double dcol = last_col ? double(-cb) : double(kTileCols8);
        const double drow = last_col ? double(kTileRows8) : 0.0;
        k.next0 = _mm512_set1_pd(a.aff[3] * dcol + a.aff[4] * drow);
        k.next1 = _mm512_set1_pd(a.aff[0] * dcol + a.aff[1] * drow);
        const __m512d pdelta = _mm512_set1_pd(
            std::nearbyint(a.aff[3] * dcol + a.aff[4] * drow) * double(k.s0) +
            std::nearbyint(a.aff[0] * dcol + a.aff[1] * drow) * double(C));
        // per row: blocks over [cs, cv), single points over [cv, he), zeros outside [cs, he)
        int64_t cs[kTileRows8], cvr[kTileRows8], he[kTileRows8];
        for (int64_t r = rb; r < re; ++r) {
          const int64_t lo_c = std::min(std::max(cb, o0s[r - rb]), ce);
          const int64_t hi_c = std::max(std::min(ce, o1s[r - rb]), lo_c);
          if (lo_c > cb) std::memset(dst + (r * W + cb) * C * esize, 0, size_t((lo_c - cb) * C) * esize);
          if (hi_c < ce) std::memset(dst + (r * W + hi_c) * C * esize, 0, size_t((ce - hi_c) * C) * esize);
          cs[r - rb] = lo_c;
          cvr[r - rb] = lo_c + (hi_c - lo_c) / 8 * 8;
          he[r - rb] = hi_c;
        }
        // the tile's blocks row by row, prepare(next) before finish(this): two blocks in
        // flight, also across the tile's rows
        int64_t r = rb;
        while (r < re && cs[r - rb] == cvr[r - rb]) ++r;
        int64_t c = r < re ? cs[r - rb] : 0;
        auto prep = [&](Block& blk) PG_INLINE {
          const __m512d i = _mm512_set1_pd(double(r));
          const __m512d j = _mm512_add_pd(_mm512_set1_pd(double(c)), lanes);
          // (b0 j + b1 i) + b2 per lane: affine_xy's expression
          const __m512d sx = _mm512_add_pd(
              _mm512_add_pd(_mm512_mul_pd(b0, j), _mm512_mul_pd(b1, i)), b2);
          const __m512d sy = _mm512_add_pd(
              _mm512_add_pd(_mm512_mul_pd(b3, j), _mm512_mul_pd(b4, i)), b5);
          if (c >= i0s[r - rb] && c + 8 <= i1s[r - rb])
            prepare_in(a, k, r * W + c, sy, sx, pdelta, blk);
          else
            prepare(a, k, r * W + c, sy, sx, blk);
          c += 8;
          if (c == cvr[r - rb]) {
            do ++r;
            while (r < re && cs[r - rb] == cvr[r - rb]);
            if (r < re) c = cs[r - rb];
          }
        };
        if (r < re) {
          Block ba, bb;
          prep(ba);
          for (;;) {
            const bool more_b = r < re;
            if (more_b) prep(bb);
            finish(a, k, src, ba, sacc);
            if (!more_b) break;
            const bool more_a = r < re;
            if (more_a) prep(ba);
            finish(a, k, src, bb, sacc);
            if (!more_a) break;
          }
        }
        // the last 1-7 points of a row's run: one block ending at the run's end where the
        // row has 8 points before it (its first points, already stored or cleared, are
        // stored again with the same values: each lane is the scalar rule, a cleared
        // point's lane is outside with fill 0); point by point was ~13 points per row at
        // 358 columns (the last tile's 358 % 8 and both ends of the outside runs)
        for (int64_t rr = rb; rr < re; ++rr) {
          const int64_t c1 = he[rr - rb];
          if (cvr[rr - rb] == c1) continue;
          if (c1 < 8) {
            for (int64_t cc = cvr[rr - rb]; cc < c1; ++cc) one(rr, cc);
            continue;
          }
          const __m512d i = _mm512_set1_pd(double(rr));
          const __m512d j = _mm512_add_pd(_mm512_set1_pd(double(c1 - 8)), lanes);
          const __m512d sx = _mm512_add_pd(
              _mm512_add_pd(_mm512_mul_pd(b0, j), _mm512_mul_pd(b1, i)), b2);
          const __m512d sy = _mm512_add_pd(
              _mm512_add_pd(_mm512_mul_pd(b3, j), _mm512_mul_pd(b4, i)), b5);
          Block blk;
          prepare(a, k, rr * W + c1 - 8, sy, sx, blk);
          finish(a, k, src, blk, sacc);
        }
      }
    }
  }
};

// ---- uint8, linear on both axes: float32 sums, exact where they could round otherwise ----
//
// The stored value is round_half_even(clip(E)), E the float64 sum of the model (Kernel8).
// This kernel takes 16 points at a time and computes an approximation F of E in float32
// (16 lanes, so half the vector operations of Kernel8's float64 sums), then stores
// round(F) wherever that is provably round(E) and runs the exact Kernel8 code elsewhere.
//
// The bound (u = 2^-24, the float32 unit roundoff; interior points only, so lo is the
// model's first tap and f = x - lo is exact, by Sterbenz for lo >= 1 and trivially for
// lo = 0).  Per axis the model's weights w = (1 - |lo - x|, 1 - |lo + 1 - x|), divided by
// their float64 sum when it is not 1, are within 4 * 2^-53 of (1 - f, f); here w64 =
// (fl64(1 - f), f), within 2^-53 of (1 - f, f), and w32 = fl32(w64) = w64 (1 + e), |e| <= u.
// The tap weight W = fl32(w32_row * w32_col) is w64_row w64_col (1 + e)^3, each term
// fl32(W v) or fma(W, v, acc) adds one more rounding and each partial sum of the 4 terms
// (all >= 0: weights and v are) at most 3 more, so F = sum w64_row w64_col v (1 + t) with
// |t| <= (1 + u)^7 - 1 < 7.01 u.  With sum w64 <= 1 + 2^-52 per axis and v <= 255,
// |F - sum w64 w64 v| <= 255 * 7.01 u (1 + 2^-50) < 1.066e-4, the w64/model weight gap
// moves the exact sum by at most 255 * 4 * 3 * 4 * 2^-53 < 1.4e-12, and E is within
// 6 roundings of 2^-53 * 256 of it (< 1e-12).  So |F - E| < 1.07e-4 < 2^-13.  Underflow
// (a float32 product below 2^-126, flushed or not) adds at most 4 * 255 * 2^-126.
// Where F lies farther than B = 2^-12 from every k + 1/2, E lies in the same open
// interval (k - 1/2, k + 1/2) as F, so clip(round(E)) = clip(k) = clip(round(F)) (clip is
// monotone and 0, 255 are whole).  A point whose F is within B of a half (any channel),
// or whose taps are not all inside, goes to the exact Kernel8 code (its block of 8).
//
// Which points are interior is decided on the unclamped positions; this is the same set
// as Kernel8's (an interior point's position is inside the axis, where the clamp is the
// identity; a point the clamp moves is not interior either way).
bool g_u8_float32 = true;
float g_u8_margin = 1.0f / 4096;  // B; a test switch may widen it (never below the bound)

template <int C>
struct LinU8 {
  using K8 = Kernel8<uint8_t, OUT_SAME, KLINEAR, C>;
  using Block = typename K8::Block;

  // byte-permute indices: dword l of element e (e < 2C) takes byte 8 l + e of the 16
  // qwords (g_lo, g_hi): tap e / C, channel e % C of point l
  struct alignas(64) Spread {
    uint8_t v[8][64];
    constexpr Spread() : v() {
      for (int e = 0; e < 8; ++e)
        for (int l = 0; l < 16; ++l) v[e][4 * l] = static_cast<uint8_t>(8 * l + e);
    }
  };
  // byte o = p * C + ch of the stored pixels takes byte ch * 16 + p of the channel vectors
  struct alignas(64) Weave {
    uint8_t v[64];
    constexpr Weave() : v() {
      for (int o = 0; o < 16 * C; ++o) v[o] = static_cast<uint8_t>((o % C) * 16 + o / C);
    }
  };

  // the 8 bytes at b + off[l] in qword l (plain loads: faster than a gather here)
  static PG_INLINE inline __m512i qwords8(const char* b, const int32_t* off) {
    __m128d x[4];
    for (int h = 0; h < 4; ++h)
      x[h] = _mm_loadh_pd(_mm_castsi128_pd(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + off[2 * h]))),
                          reinterpret_cast<const double*>(b + off[2 * h + 1]));
    const __m256d y0 = _mm256_insertf128_pd(_mm256_castpd128_pd256(x[0]), x[1], 1);
    const __m256d y1 = _mm256_insertf128_pd(_mm256_castpd128_pd256(x[2]), x[3], 1);
    return _mm512_castpd_si512(_mm512_insertf64x4(_mm512_castpd256_pd512(y0), y1, 1));
  }

  static PG_INLINE inline __m512 join(__m512d lo, __m512d hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
  }

  static void run(const Args& a, int64_t m0, int64_t m1) {
    const uint8_t* src = static_cast<const uint8_t*>(a.src);
    Ctx k;
    K8::init(a, k);
    double sacc[C];
    const int64_t W = a.W;
    auto one = [&](int64_t r, int64_t c) {
      double x[2];
      affine_xy(a, r, c, x);
      point2d<uint8_t, OUT_SAME, KLINEAR>(a, src, C, sacc, r * W + c, x);
    };
    if (m0 % W != 0 || m1 % W != 0) {
      for (int64_t m = m0; m < m1; ++m) one(m / W, m % W);
      return;
    }
    const __m512d b0 = _mm512_set1_pd(a.aff[0]), b2 = _mm512_set1_pd(a.aff[2]),
                  b3 = _mm512_set1_pd(a.aff[3]), b5 = _mm512_set1_pd(a.aff[5]);
    const __m512d b1 = _mm512_set1_pd(a.aff[1]), b4 = _mm512_set1_pd(a.aff[4]);
    const __m512d lanes = _mm512_set_pd(7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0);
    const __m512d zero = _mm512_setzero_pd(), one1 = _mm512_set1_pd(1.0);
    const __m512d sC = _mm512_set1_pd(double(C)), sS0 = _mm512_set1_pd(double(k.s0));
    const bool floor_win = a.window != 0;
    // points wholly outside a constant axis store 0 when the fill is 0 (Kernel8's `out`
    // lanes: acc = 0, no fill added): whole runs of them are cleared (outside_cols)
    const bool zero_out = k.fill_path && a.fill == 0;
    const __m512 half_b = _mm512_set1_ps(0.5f - g_u8_margin);
    static constexpr Spread sp{};
    static constexpr Weave wv{};
    const __mmask64 smask = 0x1111111111111111ull;
    const __mmask64 bytes = C == 4 ? ~__mmask64(0) : (__mmask64(1) << (16 * C)) - 1;
    const char* base = reinterpret_cast<const char*>(src);
    const int64_t row_bytes = k.s0;  // uint8: elements are bytes
    uint8_t* dst = static_cast<uint8_t*>(a.dst);
    // the exact Kernel8 code for the 8 points from column c of row r
    auto exact8 = [&](int64_t r, int64_t c, __m512d sy, __m512d sx) {
      Block blk;
      K8::prepare(a, k, r * W + c, sy, sx, blk);
      K8::finish(a, k, src, blk, sacc);
    };
    auto exact_run = [&](int64_t r, int64_t c, int64_t ce, __m512d ri0, __m512d ri1) {
      auto at = [&](int64_t c0) {
        const __m512d j = _mm512_add_pd(_mm512_set1_pd(double(c0)), lanes);
        exact8(r, c0, _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(b3, j), ri1), b5),
               _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(b0, j), ri0), b2));
      };
      for (; c + 8 <= ce; c += 8) at(c);
      // the last 1-7 points: the block ending at ce where the row has 8 points before it
      // (as Kernel8::run: the points before c are stored again with the same values)
      if (c < ce && ce >= 8) at(ce - 8);
      else
        for (; c < ce; ++c) one(r, c);
    };
    const int64_t r0 = m0 / W, r1 = m1 / W;
    // the last element offset a prefetch may name (a hint may name any address; this
    // keeps them on the source)
    const __m512i pf_last = _mm512_set1_epi32(static_cast<int32_t>(
        (a.ax[0].n - 1) * k.s0 + (a.ax[1].n - 1) * C));
    int64_t o0s[kTileRows], o1s[kTileRows], i0s[kTileRows], i1s[kTileRows];
    for (int64_t rb = r0; rb < r1; rb += kTileRows) {
      const int64_t re = std::min(rb + kTileRows, r1);
      for (int64_t r = rb; r < re; ++r) {
        o0s[r - rb] = 0;
        o1s[r - rb] = W;
        if (zero_out) outside_cols(a, 1, k.const0, k.const1, r, o0s[r - rb], o1s[r - rb]);
        // columns whose points are interior for sure (positions within 2^-11 of exact
        // ones in [1/2, n0 - 5/2] x [1/2, n1 - 3/2]: first taps in [0, n0 - 3] x
        // [0, n1 - 2], either window rule): their units test only the buffer's end
        i0s[r - rb] = i1s[r - rb] = 0;
        double lo, hi;
        if (cols_within(a, r, true, 0.5, double(a.ax[0].n) - 2.5, true, 0.5,
                        double(a.ax[1].n) - 1.5, lo, hi) && lo <= hi) {
          i0s[r - rb] = std::min<int64_t>(W, std::max<int64_t>(0, static_cast<int64_t>(std::ceil(lo)) + 1));
          i1s[r - rb] = std::min<int64_t>(W, std::max<int64_t>(i0s[r - rb], static_cast<int64_t>(std::floor(hi))));
        }
      }
      for (int64_t cb = 0; cb < W; cb += kTileCols) {
        const int64_t ce = std::min(cb + kTileCols, W);
        const bool last_col = cb + kTileCols >= W;
        const double dcol = last_col ? double(-cb) : double(kTileCols);
        const double drow = last_col ? double(kTileRows) : 0.0;
        // (as an element offset, rounded: a hint needs no exact address)
        const __m512d pdelta = _mm512_set1_pd(
            std::nearbyint(a.aff[3] * dcol + a.aff[4] * drow) * double(k.s0) +
            std::nearbyint(a.aff[0] * dcol + a.aff[1] * drow) * double(C));
        // tie-heavy data (e.g. an exact 2x zoom of an image: sums on halves) sends most
        // units to the exact code after their float32 sums: such a tile runs exact
        int64_t units = 0, ambs = 0;
        for (int64_t r = rb; r < re; ++r) {
          const __m512d i = _mm512_set1_pd(double(r));
          const __m512d ri0 = _mm512_mul_pd(b1, i), ri1 = _mm512_mul_pd(b4, i);
          const int64_t lo_c = std::min(std::max(cb, o0s[r - rb]), ce);
          const int64_t hi_c = std::max(std::min(ce, o1s[r - rb]), lo_c);
          if (lo_c > cb) std::memset(dst + (r * W + cb) * C, 0, size_t((lo_c - cb) * C));
          if (hi_c < ce) std::memset(dst + (r * W + hi_c) * C, 0, size_t((ce - hi_c) * C));
          int64_t c = lo_c;
          if (units >= 8 && ambs * 4 > units) {
            exact_run(r, c, hi_c, ri0, ri1);
            continue;
          }
          for (; c + 16 <= hi_c; c += 16) {
            const bool sure = c >= i0s[r - rb] && c + 16 <= i1s[r - rb];
            __m512d sx[2], sy[2], lo0[2], lo1[2], first[2];
            __mmask8 in[2];
            for (int h = 0; h < 2; ++h) {
              const __m512d j = _mm512_add_pd(_mm512_set1_pd(double(c + 8 * h)), lanes);
              // (b0 j + b1 i) + b2: affine_xy's expression
              sx[h] = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(b0, j), ri0), b2);
              sy[h] = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(b3, j), ri1), b5);
              if (floor_win) {
                lo0[h] = _mm512_roundscale_pd(sy[h], _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
                lo1[h] = _mm512_roundscale_pd(sx[h], _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
              } else {  // ceil(x - 1), as axis8 (radius 1)
                lo0[h] = _mm512_roundscale_pd(_mm512_sub_pd(sy[h], one1),
                                              _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
                lo1[h] = _mm512_roundscale_pd(_mm512_sub_pd(sx[h], one1),
                                              _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
              }
              first[h] = _mm512_add_pd(_mm512_mul_pd(lo0[h], sS0), _mm512_mul_pd(lo1[h], sC));
              in[h] = _mm512_cmp_pd_mask(first[h], k.lim, _CMP_LE_OQ);
              if (!sure)
                in[h] &= _mm512_cmp_pd_mask(lo0[h], zero, _CMP_GE_OQ) &
                         _mm512_cmp_pd_mask(lo0[h], k.hi0, _CMP_LE_OQ) &
                         _mm512_cmp_pd_mask(lo1[h], zero, _CMP_GE_OQ) &
                         _mm512_cmp_pd_mask(lo1[h], k.hi1, _CMP_LE_OQ);
            }
            {  // prefetch the source row the same points of the next tile will read (as
               // Kernel8::prepare; every other point: neighbours share lines.  Measured with
               // the machine's other core busy: 4.5 -> 2.8 ms, cv2 3.5 ms)
              alignas(64) int32_t pf[16];
              const __m512i po = _mm512_inserti64x4(
                  _mm512_castsi256_si512(_mm512_cvtpd_epi32(_mm512_add_pd(first[0], pdelta))),
                  _mm512_cvtpd_epi32(_mm512_add_pd(first[1], pdelta)), 1);
              _mm512_store_si512(pf, _mm512_min_epi32(_mm512_max_epi32(po, _mm512_setzero_si512()),
                                                      pf_last));
              asm("" : "+m"(pf));
              for (int l = 0; l < 16; l += 2) _mm_prefetch(base + pf[l], _MM_HINT_T0);
            }
            if ((in[0] & in[1]) != 0xFF) {  // taps across the border (or outside): exact
              exact8(r, c, sy[0], sx[0]);
              exact8(r, c + 8, sy[1], sx[1]);
              continue;
            }
            const __mmask16 amb = sums16(base, row_bytes, sy, sx, lo0, lo1, first, half_b, sp,
                                         wv, smask, bytes, dst + (r * W + c) * C);
            ++units;
            if (amb != 0) {
              ++ambs;
              if (amb & 0xFF) exact8(r, c, sy[0], sx[0]);
              if (amb >> 8) exact8(r, c + 8, sy[1], sx[1]);
            }
          }
          exact_run(r, c, hi_c, ri0, ri1);
        }
      }
    }
  }

  // The float32 sums of 16 interior points (two blocks of 8: positions sy, sx, first taps
  // lo0, lo1, element offsets first), stored rounded at d; returns the points whose sum
  // lies within B of a half in some channel (their stored value may be wrong).
  static PG_INLINE inline __mmask16 sums16(const char* base, int64_t row_bytes, const __m512d* sy,
                                           const __m512d* sx, const __m512d* lo0,
                                           const __m512d* lo1, const __m512d* first,
                                           __m512 half_b, const Spread& sp, const Weave& wv,
                                           __mmask64 smask, __mmask64 bytes, uint8_t* d) {
    const __m512d one1 = _mm512_set1_pd(1.0);
    // weights: (1 - f, f) per axis in float64 (f = x - lo, exact), then float32
    const __m512d f0a = _mm512_sub_pd(sy[0], lo0[0]), f0b = _mm512_sub_pd(sy[1], lo0[1]);
    const __m512d f1a = _mm512_sub_pd(sx[0], lo1[0]), f1b = _mm512_sub_pd(sx[1], lo1[1]);
    const __m512 wr0 = join(_mm512_sub_pd(one1, f0a), _mm512_sub_pd(one1, f0b));
    const __m512 wr1 = join(f0a, f0b);
    const __m512 wc0 = join(_mm512_sub_pd(one1, f1a), _mm512_sub_pd(one1, f1b));
    const __m512 wc1 = join(f1a, f1b);
    const __m512 wt[4] = {_mm512_mul_ps(wr0, wc0), _mm512_mul_ps(wr0, wc1),
                          _mm512_mul_ps(wr1, wc0), _mm512_mul_ps(wr1, wc1)};
    alignas(64) int32_t offs[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(offs), _mm512_cvtpd_epi32(first[0]));
    _mm256_store_si256(reinterpret_cast<__m256i*>(offs + 8), _mm512_cvtpd_epi32(first[1]));
    // read back from memory (the compiler would otherwise move the 16 offsets to general
    // registers one extract at a time, three times the operations of 16 loads)
    asm("" : "+m"(offs));
    __m512 acc[C];
#pragma GCC unroll 2
    for (int c0 = 0; c0 < 2; ++c0) {
      const char* row = base + c0 * row_bytes;
      const __m512i ga = qwords8(row, offs), gb = qwords8(row, offs + 8);
#pragma GCC unroll 8
      for (int e = 0; e < 2 * C; ++e) {
        const __m512i ix = _mm512_load_si512(sp.v[e]);
        const __m512 v = _mm512_cvtepi32_ps(_mm512_maskz_permutex2var_epi8(smask, ga, ix, gb));
        const __m512 w = wt[c0 * 2 + e / C];
        if (c0 == 0 && e < C)
          acc[e] = _mm512_mul_ps(w, v);
        else
          acc[e % C] = _mm512_fmadd_ps(w, v, acc[e % C]);
      }
    }
    __mmask16 amb = 0;
    __m128i q[4];
    for (int ch = 0; ch < C; ++ch) {
      const __m512 n = _mm512_roundscale_ps(acc[ch], _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      amb |= _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(acc[ch], n)), half_b, _CMP_GE_OQ);
      // 0 <= n <= 256 (the terms are >= 0, F < 255.01): unsigned saturation is the clip
      q[ch] = _mm512_cvtusepi32_epi8(_mm512_cvttps_epi32(n));
    }
    for (int ch = C; ch < 4; ++ch) q[ch] = q[0];
    const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(q[1], q[0])),
                                         _mm256_set_m128i(q[3], q[2]), 1);
    _mm512_mask_storeu_epi8(d, bytes, _mm512_permutexvar_epi8(_mm512_load_si512(wv.v), z));
    return amb;
  }
};

template <class Tin, int OUT, int KIND>
RangeFn pick_c(int64_t C) {
  if constexpr (std::is_same<Tin, uint8_t>::value && KIND == KLINEAR) {
    if (g_u8_float32) {
      switch (C) {
        case 1: return LinU8<1>::run;
        case 2: return LinU8<2>::run;
        case 3: return LinU8<3>::run;
        case 4: return LinU8<4>::run;
        default: return nullptr;
      }
    }
  }
  switch (C) {
    case 1: return Kernel8<Tin, OUT, KIND, 1>::run;
    case 2: return Kernel8<Tin, OUT, KIND, 2>::run;
    case 3: return Kernel8<Tin, OUT, KIND, 3>::run;
    case 4: return Kernel8<Tin, OUT, KIND, 4>::run;
    default: return nullptr;
  }
}

template <class Tin, int OUT>
RangeFn pick_kind(int kind, int64_t C) {
  switch (kind) {
    case KLINEAR: return pick_c<Tin, OUT, KLINEAR>(C);
    case KCUBIC: return pick_c<Tin, OUT, KCUBIC>(C);
    case KCUBIC_PILLOW: return pick_c<Tin, OUT, KCUBIC_PILLOW>(C);
    default: return nullptr;
  }
}

}  // namespace

// The AVX-512 kernel for this call, or null (then sampler_fast.cpp's or the point-by-point
// kernels run).  The combinations built are the ones warp_affine makes: integer sources
// stored in their dtype, float32 to float32, float64 to float64.
RangeFn pick(int dt, int out, int sums, const Args& a) {
  if (sums != SUM_F64 || a.k != 2 || a.omit || a.pts != nullptr || a.grid != nullptr) return nullptr;
  const int64_t C = a.C;
  if (C < 1 || C > 4 || a.dp != C || (C > 1 && (a.dc != 1 || a.cstride != 1))) return nullptr;
  if (a.ax[1].stride != C || a.ax[0].stride < 0) return nullptr;
  const int kind = a.ax[0].kernel;
  if (a.ax[1].kernel != kind || (kind != KLINEAR && kind != KCUBIC && kind != KCUBIC_PILLOW))
    return nullptr;
  for (int i = 0; i < 2; ++i)
    if (a.ax[i].table != 0 || a.ax[i].n < 4) return nullptr;
  // gathers take int32 element offsets: the whole source must be addressable with them
  const int64_t emax = (a.ax[0].n - 1) * a.ax[0].stride + (a.ax[1].n - 1) * C + (C - 1);
  if (emax >= (int64_t(1) << 31) - 64) return nullptr;
  switch (dt) {
    case U8: return out == OUT_SAME ? pick_kind<uint8_t, OUT_SAME>(kind, C) : nullptr;
    case U16: return out == OUT_SAME ? pick_kind<uint16_t, OUT_SAME>(kind, C) : nullptr;
    case F32: return out == OUT_F32 ? pick_kind<float, OUT_F32>(kind, C) : nullptr;
    case F64: return out == OUT_F64 ? pick_kind<double, OUT_F64>(kind, C) : nullptr;
    default: return nullptr;
  }
}

// Test switches of the uint8 linear float32 kernel (LinU8): on/off, and its margin B
// (exact for B >= 2^-13; tests widen it to send more points to the exact code, or set
// it to 0 to show that the fallback is needed).  Each returns the previous setting.
bool u8_float32(bool on) {
  const bool was = g_u8_float32;
  g_u8_float32 = on;
  return was;
}

double u8_margin(double b) {
  const double was = g_u8_margin;
  g_u8_margin = static_cast<float>(b);
  return was;
}

}  // namespace fast512
}  // namespace sampler
}  // namespace pg
