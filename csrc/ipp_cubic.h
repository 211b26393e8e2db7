// Intel IPP's uint8 cubic (OpenCV's INTER_CUBIC with IPP on), fused: the horizontal
// pass of the input rows an output band needs, cached in float32 rows, then the vertical
// pass and the store, per output row (pairs of output rows where they share input rows).
// Included once per instruction set (ipp_cubic_base.cpp, ipp_cubic_avx2.cpp,
// ipp_cubic_avx512.cpp).  Every element sees exactly the operations of
// float32_taps._ipp_pass, in its order: lanes run across elements only, std::fma and
// _mm256_fmadd_ps / _mm512_fmadd_ps where the model fuses, -ffp-contract=off elsewhere.
//
// IPP's own structure (perf annotate of the wheel's bundled IPP, 1024^2x3 -> 1536^2): the
// same ring of full-width float32 rows (4 of them), a horizontal call per input row (the
// inner pixels; masked 12-byte loads per output pixel, vpermb, 4 pixels per zmm) and a
// vertical call per output row (16 floats per step, plain stores).  uint8 rows are read
// as bytes here (no float32 copy of each row: that copy was 15% of the time).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ipp_cubic_types.h"
#include "stream_stores.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif
// The AVX-512 build (ipp_cubic_avx512.cpp): uint8 rows in groups of 16 elements, half the
// instructions of the AVX2 build's 8 for the same operations per element (measured on the
// Zen 4 dev machine, kernel alone, 1024^2x3 -> 1536^2: 1.60 -> 1.25 ms)
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define PG_IPP512 1
#endif

#ifndef PG_KNS
#error "define PG_KNS before including ipp_cubic.h"
#endif

namespace pg {
namespace PG_KNS {
namespace {

// R: float (the row as float32) or uint8_t (the bytes: the same values, converted here)
template <class R>
inline float ipp_h_element(const R* fr, const IppCubicArgs& a, int64_t Q, int64_t q) {
  const float x0 = float(fr[a.off[q]]), x1 = float(fr[a.off[Q + q]]),
              x2 = float(fr[a.off[2 * Q + q]]), x3 = float(fr[a.off[3 * Q + q]]);
  const float w0 = a.w[q], w1 = a.w[Q + q], w2 = a.w[2 * Q + q], w3 = a.w[3 * Q + q];
  switch (a.order[q]) {
    case IPP_C1_GROUP: return (x0 * w0 + x1 * w1) + (x2 * w2 + x3 * w3);
    case IPP_C1_TAIL: return (x0 * w0 + x2 * w2) + (x1 * w1 + x3 * w3);
    case IPP_C4_GROUP: return std::fma(x2, w2, x0 * w0) + std::fma(x3, w3, x1 * w1);
    case IPP_C4_TAIL: return std::fma(x0, w0, x3 * w3) + std::fma(x1, w1, x2 * w2);
    default: return std::fma(x3, w3, std::fma(x2, w2, std::fma(x1, w1, x0 * w0)));
  }
}

#ifdef __AVX2__
// The four products of a group of 8 elements added in its order (ipp_h_element's, lane
// by lane).
inline __m256 ipp_h_sum(uint8_t ord, const __m256* x, const __m256* w) {
  switch (ord) {
    case IPP_C1_GROUP:
      return _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(x[0], w[0]), _mm256_mul_ps(x[1], w[1])),
                           _mm256_add_ps(_mm256_mul_ps(x[2], w[2]), _mm256_mul_ps(x[3], w[3])));
    case IPP_C1_TAIL:
      return _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(x[0], w[0]), _mm256_mul_ps(x[2], w[2])),
                           _mm256_add_ps(_mm256_mul_ps(x[1], w[1]), _mm256_mul_ps(x[3], w[3])));
    case IPP_C4_GROUP:
      return _mm256_add_ps(_mm256_fmadd_ps(x[2], w[2], _mm256_mul_ps(x[0], w[0])),
                           _mm256_fmadd_ps(x[3], w[3], _mm256_mul_ps(x[1], w[1])));
    case IPP_C4_TAIL:
      return _mm256_add_ps(_mm256_fmadd_ps(x[0], w[0], _mm256_mul_ps(x[3], w[3])),
                           _mm256_fmadd_ps(x[1], w[1], _mm256_mul_ps(x[2], w[2])));
    default:
      return _mm256_fmadd_ps(
          x[3], w[3],
          _mm256_fmadd_ps(x[2], w[2], _mm256_fmadd_ps(x[1], w[1], _mm256_mul_ps(x[0], w[0]))));
  }
}
#endif

// Groups [g0, g1) of one kind and order of a uint8 row (see ipp_h_bytes) into h (h[0]:
// the first element of group g0), 8 elements a group (a.lanes == 8).
#ifdef __AVX2__
// WM: the weights in the pack, 0 per element, 1 per pixel of 4 channels
template <uint8_t ORD, uint8_t KIND, int WM>
inline void ipp_h_run(const IppCubicArgs& a, const uint8_t* sp, float* h, int64_t g0,
                      int64_t g1) {
  const int64_t Q = a.OW * a.C, C = a.C;
  const __m256i lo8 = _mm256_set1_epi32(0xff);
  for (int64_t g = g0; g < g1; ++g) {
    const float* P = a.group_pack + g * (WM == 1 ? 16 : 40);
    __m256 x[4], w[4];
    if (KIND == IPP_WINDOW) {  // byte shuffles of a 16-byte window per tap
      const __m256i mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(P));
      const uint8_t* b = sp + a.group_base[g];
      for (int t = 0; t < 4; ++t) {
        const __m256i win = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + t * C)));
        x[t] = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(win, mask));
      }
    } else if (KIND == IPP_WINDOW4) {  // 128-bit lane k: the window of elements 4k .. 4k+3
      const __m256i mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(P));
      const int32_t* b4 = a.group_base4 + g * 4;
      for (int t = 0; t < 4; ++t) {
        const __m256i win = _mm256_inserti128_si256(
            _mm256_castsi128_si256(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(sp + b4[0] + t * C))),
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(sp + b4[1] + t * C)), 1);
        x[t] = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(win, mask));
      }
    } else {  // 4-byte gathers at the taps' byte offsets, the low byte kept
      for (int t = 0; t < 4; ++t) {
        const __m256i o = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.off + t * Q + g * 8));
        x[t] = _mm256_cvtepi32_ps(_mm256_and_si256(
            _mm256_i32gather_epi32(reinterpret_cast<const int*>(sp), o, 1), lo8));
      }
    }
    if (WM == 1) {  // 2 pixels' 4 taps: tap t broadcast in each 128-bit lane (pixel)
      const __m256 wp = _mm256_load_ps(P + 8);
      w[0] = _mm256_permute_ps(wp, 0x00);
      w[1] = _mm256_permute_ps(wp, 0x55);
      w[2] = _mm256_permute_ps(wp, 0xaa);
      w[3] = _mm256_permute_ps(wp, 0xff);
    } else {
      for (int t = 0; t < 4; ++t) w[t] = _mm256_load_ps(P + 8 + 8 * t);
    }
    _mm256_storeu_ps(h + (g - g0) * 8, ipp_h_sum(ORD, x, w));
  }
}

#ifdef PG_IPP512
inline __m512 ipp_h_sum16(uint8_t ord, const __m512* x, const __m512* w) {
  switch (ord) {
    case IPP_C1_GROUP:
      return _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(x[0], w[0]), _mm512_mul_ps(x[1], w[1])),
                           _mm512_add_ps(_mm512_mul_ps(x[2], w[2]), _mm512_mul_ps(x[3], w[3])));
    case IPP_C1_TAIL:
      return _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(x[0], w[0]), _mm512_mul_ps(x[2], w[2])),
                           _mm512_add_ps(_mm512_mul_ps(x[1], w[1]), _mm512_mul_ps(x[3], w[3])));
    case IPP_C4_GROUP:
      return _mm512_add_ps(_mm512_fmadd_ps(x[2], w[2], _mm512_mul_ps(x[0], w[0])),
                           _mm512_fmadd_ps(x[3], w[3], _mm512_mul_ps(x[1], w[1])));
    case IPP_C4_TAIL:
      return _mm512_add_ps(_mm512_fmadd_ps(x[0], w[0], _mm512_mul_ps(x[3], w[3])),
                           _mm512_fmadd_ps(x[1], w[1], _mm512_mul_ps(x[2], w[2])));
    default:
      return _mm512_fmadd_ps(
          x[3], w[3],
          _mm512_fmadd_ps(x[2], w[2], _mm512_fmadd_ps(x[1], w[1], _mm512_mul_ps(x[0], w[0]))));
  }
}

// ipp_h_run in groups of 16 elements (a.lanes == 16)
// WM: the weights, 0 per element (pack), 1 per pixel of 4 channels (pack), 2 per pixel
// of 3 channels (a.pixel_w, selected by the pack's indices)
template <uint8_t ORD, uint8_t KIND, int WM>
inline void ipp_h_run16(const IppCubicArgs& a, const uint8_t* sp, float* h, int64_t g0,
                        int64_t g1) {
  const int64_t Q = a.OW * a.C, C = a.C;
  const __m512i lo8 = _mm512_set1_epi32(0xff);
  for (int64_t g = g0; g < g1; ++g) {
    const float* P = a.group_pack + g * (WM == 0 ? 80 : 32);
    __m512 x[4], w[4];
    if (KIND == IPP_WINDOW) {
      const __m512i mask = _mm512_load_si512(P);
      const uint8_t* b = sp + a.group_base[g];
      for (int t = 0; t < 4; ++t) {
        const __m512i win = _mm512_broadcast_i32x4(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + t * C)));
        x[t] = _mm512_cvtepi32_ps(_mm512_shuffle_epi8(win, mask));
      }
    } else if (KIND == IPP_WINDOW4) {  // 128-bit lane k: the window of elements 4k .. 4k+3
      const __m512i mask = _mm512_load_si512(P);
      const int32_t* b4 = a.group_base4 + g * 4;
      auto ld = [&](int k, int t) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(sp + b4[k] + t * C));
      };
      for (int t = 0; t < 4; ++t) {
        const __m512i win = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(ld(0, t)), ld(1, t), 1)),
            _mm256_inserti128_si256(_mm256_castsi128_si256(ld(2, t)), ld(3, t), 1), 1);
        x[t] = _mm512_cvtepi32_ps(_mm512_shuffle_epi8(win, mask));
      }
    } else {
      for (int t = 0; t < 4; ++t) {
        const __m512i o = _mm512_loadu_si512(a.off + t * Q + g * 16);
        x[t] = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_i32gather_epi32(o, sp, 1), lo8));
      }
    }
    if (WM == 2) {  // the group's (up to 6) pixels' 4 taps: element j's at idx[j] + t
      const float* wp = a.pixel_w + (g * 16 / 3) * 4;
      const __m512 lo = _mm512_loadu_ps(wp), hi = _mm512_loadu_ps(wp + 16);
      const __m512i idx = _mm512_load_si512(P + 16);
      for (int t = 0; t < 4; ++t)
        w[t] = _mm512_permutex2var_ps(lo, _mm512_add_epi32(idx, _mm512_set1_epi32(t)), hi);
    } else if (WM == 1) {  // 4 pixels' 4 taps: tap t broadcast in each 128-bit lane (pixel)
      const __m512 wp = _mm512_load_ps(P + 16);
      w[0] = _mm512_permute_ps(wp, 0x00);
      w[1] = _mm512_permute_ps(wp, 0x55);
      w[2] = _mm512_permute_ps(wp, 0xaa);
      w[3] = _mm512_permute_ps(wp, 0xff);
    } else {
      for (int t = 0; t < 4; ++t) w[t] = _mm512_load_ps(P + 16 + 16 * t);
    }
    _mm512_storeu_ps(h + (g - g0) * 16, ipp_h_sum16(ORD, x, w));
  }
}
#define PG_IPP_RUN ipp_h_run16
#else
#define PG_IPP_RUN ipp_h_run
#endif

template <uint8_t KIND, int WM>
inline void ipp_h_run_ord4(uint8_t ord, const IppCubicArgs& a, const uint8_t* sp, float* h,
                           int64_t g0, int64_t g1) {
  switch (ord) {
    case IPP_C1_GROUP: return PG_IPP_RUN<IPP_C1_GROUP, KIND, WM>(a, sp, h, g0, g1);
    case IPP_C1_TAIL: return PG_IPP_RUN<IPP_C1_TAIL, KIND, WM>(a, sp, h, g0, g1);
    case IPP_C4_GROUP: return PG_IPP_RUN<IPP_C4_GROUP, KIND, WM>(a, sp, h, g0, g1);
    case IPP_C4_TAIL: return PG_IPP_RUN<IPP_C4_TAIL, KIND, WM>(a, sp, h, g0, g1);
    default: return PG_IPP_RUN<IPP_CHAIN, KIND, WM>(a, sp, h, g0, g1);
  }
}

// the pack's weights: per pixel for 4 channels, and for 3 channels in groups of 16
template <uint8_t KIND>
inline void ipp_h_run_ord(uint8_t ord, const IppCubicArgs& a, const uint8_t* sp, float* h,
                          int64_t g0, int64_t g1) {
  if (a.C == 4)
    ipp_h_run_ord4<KIND, 1>(ord, a, sp, h, g0, g1);
#ifdef PG_IPP512
  else if (a.C == 3)
    ipp_h_run_ord4<KIND, 2>(ord, a, sp, h, g0, g1);
#endif
  else
    ipp_h_run_ord4<KIND, 0>(ord, a, sp, h, g0, g1);
}
#endif

// The horizontal pass of one uint8 row (sp: its W*C bytes, readable for 64 bytes past
// its end: 16-byte windows and 4-byte gathers near the end) -> OW*C float32, in groups of
// a.lanes elements (the last Q % lanes one by one).  uint8 values are exact in float32,
// so reading the bytes is the model's "row as float32".
inline void ipp_h_bytes(const IppCubicArgs& a, const uint8_t* sp, float* h) {
  const int64_t Q = a.OW * a.C;
  int64_t q = 0;
#ifdef __AVX2__
  const int64_t L = a.lanes;
  for (int64_t r = 0; r < a.nruns; ++r) {
    const IppRun& run = a.runs[r];
    float* const hr = h + int64_t(run.g0) * L;  // (the runs write from their first group)
    if (run.kind == IPP_WINDOW)
      ipp_h_run_ord<IPP_WINDOW>(run.ord, a, sp, hr, run.g0, run.g1);
    else if (run.kind == IPP_GATHER)
      ipp_h_run_ord<IPP_GATHER>(run.ord, a, sp, hr, run.g0, run.g1);
    else if (run.kind == IPP_WINDOW4)
      ipp_h_run_ord<IPP_WINDOW4>(run.ord, a, sp, hr, run.g0, run.g1);
    else
      for (int64_t j = int64_t(run.g0) * L; j < int64_t(run.g1) * L; ++j)
        h[j] = ipp_h_element(sp, a, Q, j);
  }
  q = Q / L * L;
#endif
  for (; q < Q; ++q) h[q] = ipp_h_element(sp, a, Q, q);
}

// The horizontal pass of one float32 row (fr: W*C floats) -> OW*C float32.
inline void ipp_h_floats(const IppCubicArgs& a, const float* fr, float* h) {
  const int64_t Q = a.OW * a.C;
  int64_t q = 0;
#ifdef __AVX2__
  for (; q + 8 <= Q; q += 8) {
    const uint8_t ord = a.group_order[q >> 3];
    if (ord == IPP_MIXED) {
      for (int64_t j = q; j < q + 8; ++j) h[j] = ipp_h_element(fr, a, Q, j);
      continue;
    }
    __m256 x[4], w[4];
    const int32_t base = a.group_base[q >> 3];
    if (base >= 0) {  // permutes of a 16-float window per tap (in the row)
      const __m256i sel = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.group_sel + q));
#ifdef PG_IPP512
      // one two-source permute (AVX-512VL) for the two permutes and the blend (measured,
      // 358^2x3 -> 537^2 INTER_CUBIC, one thread, Intel Xeon: 0.52 -> 0.46-0.48 ms, cv2 0.40)
      for (int t = 0; t < 4; ++t) {
        const float* p = fr + base + t * a.C;
        x[t] = _mm256_permutex2var_ps(_mm256_loadu_ps(p), sel, _mm256_loadu_ps(p + 8));
        w[t] = _mm256_loadu_ps(a.w + t * Q + q);
      }
#else
      const __m256 hi8 = _mm256_castsi256_ps(_mm256_slli_epi32(sel, 28));  // positions 8..15
      for (int t = 0; t < 4; ++t) {
        const float* p = fr + base + t * a.C;
        x[t] = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(p), sel),
                                _mm256_permutevar8x32_ps(_mm256_loadu_ps(p + 8), sel), hi8);
        w[t] = _mm256_loadu_ps(a.w + t * Q + q);
      }
#endif
    } else {
      for (int t = 0; t < 4; ++t) {
        x[t] = _mm256_i32gather_ps(
            fr, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.off + t * Q + q)), 4);
        w[t] = _mm256_loadu_ps(a.w + t * Q + q);
      }
    }
    _mm256_storeu_ps(h + q, ipp_h_sum(ord, x, w));
  }
#endif
  for (; q < Q; ++q) h[q] = ipp_h_element(fr, a, Q, q);
}

inline uint8_t ipp_store(float v) {
  const float r = std::nearbyint(v);  // half to even (the default rounding mode)
  return r <= 0.0f ? uint8_t(0) : r >= 255.0f ? uint8_t(255) : uint8_t(r);
}

// One output row from its four horizontal rows: fma(r0, w0, r1 w1) + fma(r2, w2, r3 w3).
inline void ipp_v_row(const float* const* r, const float* wy, int64_t Q, uint8_t* d,
                      bool stream) {
  int64_t q = 0;
#ifdef __AVX2__
  const __m256 w0 = _mm256_set1_ps(wy[0]), w1 = _mm256_set1_ps(wy[1]),
               w2 = _mm256_set1_ps(wy[2]), w3 = _mm256_set1_ps(wy[3]);
  auto px = [&](int64_t j) {
    const __m256 lo = _mm256_fmadd_ps(_mm256_loadu_ps(r[0] + j), w0,
                                      _mm256_mul_ps(_mm256_loadu_ps(r[1] + j), w1));
    const __m256 hi = _mm256_fmadd_ps(_mm256_loadu_ps(r[2] + j), w2,
                                      _mm256_mul_ps(_mm256_loadu_ps(r[3] + j), w3));
    return _mm256_cvtps_epi32(_mm256_add_ps(lo, hi));  // half to even (MXCSR default)
  };
  const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  auto px32 = [&](int64_t j) {
    const __m256i ab = _mm256_packs_epi32(px(j), px(j + 8));
    const __m256i cd = _mm256_packs_epi32(px(j + 16), px(j + 24));
    return _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), perm);
  };
  if (stream) {  // up to 32-byte alignment one by one, then stores that bypass the caches
    for (; q < Q && (reinterpret_cast<uintptr_t>(d + q) & 31) != 0; ++q)
      d[q] = ipp_store(std::fma(r[0][q], wy[0], r[1][q] * wy[1]) +
                       std::fma(r[2][q], wy[2], r[3][q] * wy[3]));
    for (; q + 32 <= Q; q += 32) _mm256_stream_si256(reinterpret_cast<__m256i*>(d + q), px32(q));
  }
  for (; q + 32 <= Q; q += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + q), px32(q));
#else
  (void)stream;
#endif
  for (; q < Q; ++q)
    d[q] = ipp_store(std::fma(r[0][q], wy[0], r[1][q] * wy[1]) +
                     std::fma(r[2][q], wy[2], r[3][q] * wy[3]));
}

// Two output rows at once (uint8): rows a from r[0..3], rows b from r[S..S+3] (S = 0: the
// same input rows, S = 1: shifted by one, as consecutive output rows of an upscale), each
// input vector loaded once for both; the same operations per element as ipp_v_row.
template <int S>
inline void ipp_v_rows2(const float* const* r, const float* wa, const float* wb, int64_t Q,
                        uint8_t* da, uint8_t* db) {
  int64_t q = 0;
  auto one = [&](const float* const* rr, const float* wy, int64_t j) {
    return ipp_store(std::fma(rr[0][j], wy[0], rr[1][j] * wy[1]) +
                     std::fma(rr[2][j], wy[2], rr[3][j] * wy[3]));
  };
#if defined(PG_IPP512)
  const __m512 a0 = _mm512_set1_ps(wa[0]), a1 = _mm512_set1_ps(wa[1]),
               a2 = _mm512_set1_ps(wa[2]), a3 = _mm512_set1_ps(wa[3]);
  const __m512 b0 = _mm512_set1_ps(wb[0]), b1 = _mm512_set1_ps(wb[1]),
               b2 = _mm512_set1_ps(wb[2]), b3 = _mm512_set1_ps(wb[3]);
  const __m512i zero = _mm512_setzero_si512();
  for (; q + 16 <= Q; q += 16) {
    __m512 x[4 + S];
    for (int t = 0; t < 4 + S; ++t) x[t] = _mm512_loadu_ps(r[t] + q);
    const __m512i ya = _mm512_cvtps_epi32(
        _mm512_add_ps(_mm512_fmadd_ps(x[0], a0, _mm512_mul_ps(x[1], a1)),
                      _mm512_fmadd_ps(x[2], a2, _mm512_mul_ps(x[3], a3))));
    const __m512i yb = _mm512_cvtps_epi32(
        _mm512_add_ps(_mm512_fmadd_ps(x[S], b0, _mm512_mul_ps(x[S + 1], b1)),
                      _mm512_fmadd_ps(x[S + 2], b2, _mm512_mul_ps(x[S + 3], b3))));
    // saturated as the AVX2 packs: negative (and the invalid INT_MIN) -> 0, > 255 -> 255
    _mm_storeu_si128(reinterpret_cast<__m128i*>(da + q),
                     _mm512_cvtusepi32_epi8(_mm512_max_epi32(ya, zero)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(db + q),
                     _mm512_cvtusepi32_epi8(_mm512_max_epi32(yb, zero)));
  }
#elif defined(__AVX2__)
  const __m256 a0 = _mm256_set1_ps(wa[0]), a1 = _mm256_set1_ps(wa[1]),
               a2 = _mm256_set1_ps(wa[2]), a3 = _mm256_set1_ps(wa[3]);
  const __m256 b0 = _mm256_set1_ps(wb[0]), b1 = _mm256_set1_ps(wb[1]),
               b2 = _mm256_set1_ps(wb[2]), b3 = _mm256_set1_ps(wb[3]);
  const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  auto px = [&](int64_t j, __m256i& ya, __m256i& yb) {
    __m256 x[4 + S];
    for (int t = 0; t < 4 + S; ++t) x[t] = _mm256_load_ps(r[t] + j);
    ya = _mm256_cvtps_epi32(_mm256_add_ps(_mm256_fmadd_ps(x[0], a0, _mm256_mul_ps(x[1], a1)),
                                          _mm256_fmadd_ps(x[2], a2, _mm256_mul_ps(x[3], a3))));
    yb = _mm256_cvtps_epi32(
        _mm256_add_ps(_mm256_fmadd_ps(x[S], b0, _mm256_mul_ps(x[S + 1], b1)),
                      _mm256_fmadd_ps(x[S + 2], b2, _mm256_mul_ps(x[S + 3], b3))));
  };
  for (; q + 32 <= Q; q += 32) {
    __m256i a[4], b[4];
    for (int k = 0; k < 4; ++k) px(q + 8 * k, a[k], b[k]);
    const __m256i pa = _mm256_permutevar8x32_epi32(
        _mm256_packus_epi16(_mm256_packs_epi32(a[0], a[1]), _mm256_packs_epi32(a[2], a[3])), perm);
    const __m256i pb = _mm256_permutevar8x32_epi32(
        _mm256_packus_epi16(_mm256_packs_epi32(b[0], b[1]), _mm256_packs_epi32(b[2], b[3])), perm);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(da + q), pa);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(db + q), pb);
  }
#endif
  for (; q < Q; ++q) {
    da[q] = one(r, wa, q);
    db[q] = one(r + S, wb, q);
  }
}

// The float32 model's output row: the same sums, not rounded (8 lanes at a time, the
// same operations; stream: non-temporal stores from the first 32-byte aligned element,
// for outputs far larger than the caches).
inline void ipp_v_row_f32(const float* const* r, const float* wy, int64_t Q, float* d,
                          bool stream) {
  int64_t q = 0;
  auto one = [&](int64_t j) {  // -ffp-contract=off: only the written fmas fuse
    return std::fma(r[0][j], wy[0], r[1][j] * wy[1]) + std::fma(r[2][j], wy[2], r[3][j] * wy[3]);
  };
#ifdef __AVX2__
  const __m256 w0 = _mm256_set1_ps(wy[0]), w1 = _mm256_set1_ps(wy[1]),
               w2 = _mm256_set1_ps(wy[2]), w3 = _mm256_set1_ps(wy[3]);
  auto px = [&](int64_t j) {
    const __m256 lo = _mm256_fmadd_ps(_mm256_loadu_ps(r[0] + j), w0,
                                      _mm256_mul_ps(_mm256_loadu_ps(r[1] + j), w1));
    const __m256 hi = _mm256_fmadd_ps(_mm256_loadu_ps(r[2] + j), w2,
                                      _mm256_mul_ps(_mm256_loadu_ps(r[3] + j), w3));
    return _mm256_add_ps(lo, hi);
  };
  if (stream) {
    for (; q < Q && (reinterpret_cast<uintptr_t>(d + q) & 31) != 0; ++q) d[q] = one(q);
    for (; q + 8 <= Q; q += 8) _mm256_stream_ps(d + q, px(q));
  }
  for (; q + 8 <= Q; q += 8) _mm256_storeu_ps(d + q, px(q));
#else
  (void)stream;
#endif
  for (; q < Q; ++q) d[q] = one(q);
}

}  // namespace

// Output rows [o0, o1): the input rows they read are resampled horizontally once each
// into the thread's ring (its rows stay valid from one call to the next; the index rows
// of an output row ascend).
void ipp_cubic_range(const IppCubicArgs& a, IppRing& ring, int64_t o0, int64_t o1) {
  const int64_t Q = a.OW * a.C, rowin = a.W * a.C;
  constexpr int kSlots = IppRing::kSlots;
  if (ring.mem.empty()) {
    // slots 64-byte aligned (no load of the vertical pass splits a cache line), an odd
    // number of cache lines apart (rows of 4 KiB multiples would share L1 sets)
    ring.stride = (Q + 15) / 16 * 16;
    if (ring.stride % 32 == 0) ring.stride += 16;
    ring.mem.resize(size_t(kSlots * ring.stride + 16));
    ring.buf = ring.mem.data() +
               ((64 - reinterpret_cast<uintptr_t>(ring.mem.data()) % 64) % 64) / 4;
    // uint8 rows are read in place when 64 bytes of the image follow them, else from a
    // copy with 64 bytes of padding (windows and gathers read up to 16 + 3*C bytes past
    // a tap)
    ring.row.assign(size_t(rowin + 64), 0);
  }
  float* const buf = ring.buf;
  const int64_t stride = ring.stride;
  int64_t* const held = ring.held;
  // float32 outputs of g_stream_min bytes or more (stream_stores.h): non-temporal stores
  // (as models.h big_output); uint8 outputs are stored through the caches, as IPP does
  // (measured: a 7 MB output streamed made the next call slower, the fresh output's lines
  // coming back from memory)
  const bool stream = a.f32 && a.OH * Q * 4 >= g_stream_min;
  // The slot of input row `row` (resampled into it first where no slot holds it), in a
  // slot no row of keep[0 .. nk) is in, the lowest row first.
  auto slot_of = [&](int32_t row, const int32_t* keep, int nk) -> const float* {
    int s = -1;
    for (int k = 0; k < kSlots; ++k)
      if (held[k] == row) s = k;
    if (s < 0) {
      for (int k = 0; k < kSlots; ++k) {
        bool used = false;
        for (int u = 0; u < nk; ++u) used |= held[k] == keep[u];
        if (!used && (s < 0 || held[k] < held[s])) s = k;
      }
      held[s] = row;
      if (a.f32) {
        ipp_h_floats(a, reinterpret_cast<const float*>(a.src) + int64_t(row) * rowin,
                     buf + s * stride);
      } else {
        const uint8_t* sp = a.src + int64_t(row) * rowin;
        if ((a.H - 1 - row) * rowin < 64) {
          std::memcpy(ring.row.data(), sp, size_t(rowin));
          sp = ring.row.data();
        }
        ipp_h_bytes(a, sp, buf + s * stride);
      }
    }
    return buf + s * stride;
  };
  for (int64_t o = o0; o < o1;) {
    const int32_t* iy = a.index_y + o * 4;
    const float* rows[5];
    for (int t = 0; t < 4; ++t) rows[t] = slot_of(iy[t], iy, 4);
    if (!a.f32 && o + 1 < o1) {  // uint8: with the next output row where it shares rows
      const int32_t* iz = iy + 4;
      if (iz[0] == iy[0] && iz[1] == iy[1] && iz[2] == iy[2] && iz[3] == iy[3]) {
        ipp_v_rows2<0>(rows, a.weight_y + o * 4, a.weight_y + o * 4 + 4, Q, a.dst + o * Q,
                       a.dst + o * Q + Q);
        o += 2;
        continue;
      }
      if (iz[0] == iy[1] && iz[1] == iy[2] && iz[2] == iy[3]) {
        const int32_t keep[5] = {iy[0], iy[1], iy[2], iy[3], iz[3]};
        rows[4] = slot_of(iz[3], keep, 5);  // (5 slots: the fifth is free)
        ipp_v_rows2<1>(rows, a.weight_y + o * 4, a.weight_y + o * 4 + 4, Q, a.dst + o * Q,
                       a.dst + o * Q + Q);
        o += 2;
        continue;
      }
    }
    if (a.f32)
      ipp_v_row_f32(rows, a.weight_y + o * 4, Q, reinterpret_cast<float*>(a.dst) + o * Q,
                    stream);
    else
      ipp_v_row(rows, a.weight_y + o * 4, Q, a.dst + o * Q, stream);
    ++o;
  }
#ifdef __AVX2__
  if (stream) _mm_sfence();  // the streamed stores visible before the pool's join
#endif
}

}  // namespace PG_KNS
}  // namespace pg
