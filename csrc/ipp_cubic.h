// Intel IPP's uint8 cubic (OpenCV's INTER_CUBIC with IPP on), fused: the horizontal
// pass of the input rows an output band needs, cached in float32 rows, then the vertical
// pass and the store, per output row.  Included once per instruction set
// (models_base.cpp, models_avx2.cpp).  Every element sees exactly the operations of
// float32_taps._ipp_pass, in its order: lanes run across elements only, std::fma and
// _mm256_fmadd_ps where the model fuses, -ffp-contract=off elsewhere.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ipp_cubic_types.h"

#ifdef __AVX2__
#include <immintrin.h>
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

// One input row (W*C uint8) -> its horizontal pass (OW*C float32).  fr: scratch of
// W*C floats (the row as float32: uint8 values are exact); sp: scratch of W*C + 64 bytes
// (the row copied, so that 16-byte windows near its end stay in the buffer).
inline void ipp_h_from(const IppCubicArgs& a, const float* fr, const uint8_t* sp, float* h);

inline void ipp_h_row(const IppCubicArgs& a, const uint8_t* s, float* fr, uint8_t* sp,
                      float* h) {
  const int64_t n = a.W * a.C;
  int64_t i = 0;
#ifdef __AVX2__
  if (!a.need_float) i = n;  // every group reads bytes
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(fr + i, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
                                 _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + i)))));
#endif
  for (; i < n; ++i) fr[i] = float(s[i]);
#ifdef __AVX2__  // (the baseline build always converts: it has no byte path)
  std::memcpy(sp, s, size_t(n));
#endif
  ipp_h_from(a, fr, sp, h);
}

// The horizontal pass of one row given as float32 (fr) and, for the byte-window
// groups, as bytes (sp; unused when group_base is all -1, as for float32 data).
inline void ipp_h_from(const IppCubicArgs& a, const float* fr, const uint8_t* sp, float* h) {
  const int64_t Q = a.OW * a.C;
#ifndef __AVX2__
  (void)sp;
#endif
  int64_t q = 0;
#ifdef __AVX2__
  // uint8 rows without gathers (need_float 0) are not converted to float32: the mixed
  // groups and the tail read the bytes
  const bool bytes = !a.f32 && !a.need_float;
  auto one = [&](int64_t j) { return bytes ? ipp_h_element(sp, a, Q, j) : ipp_h_element(fr, a, Q, j); };
  for (; q + 8 <= Q; q += 8) {
    const uint8_t ord = a.group_order[q >> 3];
    if (ord == IPP_MIXED) {
      for (int64_t j = q; j < q + 8; ++j) h[j] = one(j);
      continue;
    }
    __m256 x[4], w[4];
    const int32_t base = a.group_base[q >> 3];
    if (base >= 0 && a.f32) {  // permutes of a 16-float window per tap (in the row)
      const __m256i sel = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.group_sel + q));
      const __m256 hi8 = _mm256_castsi256_ps(_mm256_slli_epi32(sel, 28));  // positions 8..15
      for (int t = 0; t < 4; ++t) {
        const float* p = fr + base + t * a.C;
        x[t] = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(p), sel),
                                _mm256_permutevar8x32_ps(_mm256_loadu_ps(p + 8), sel), hi8);
        w[t] = _mm256_loadu_ps(a.w + t * Q + q);
      }
    } else if (base >= 0) {  // byte shuffles of a 16-byte window per tap (sp: the padded row)
      const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.group_mask + q * 4));
      for (int t = 0; t < 4; ++t) {
        const __m256i win = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(sp + base + t * a.C)));
        x[t] = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(win, mask));
        w[t] = _mm256_loadu_ps(a.w + t * Q + q);
      }
    } else {
      for (int t = 0; t < 4; ++t) {
        x[t] = _mm256_i32gather_ps(
            fr, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.off + t * Q + q)), 4);
        w[t] = _mm256_loadu_ps(a.w + t * Q + q);
      }
    }
    __m256 r;
    switch (ord) {
      case IPP_C1_GROUP:
        r = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(x[0], w[0]), _mm256_mul_ps(x[1], w[1])),
                          _mm256_add_ps(_mm256_mul_ps(x[2], w[2]), _mm256_mul_ps(x[3], w[3])));
        break;
      case IPP_C1_TAIL:
        r = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(x[0], w[0]), _mm256_mul_ps(x[2], w[2])),
                          _mm256_add_ps(_mm256_mul_ps(x[1], w[1]), _mm256_mul_ps(x[3], w[3])));
        break;
      case IPP_C4_GROUP:
        r = _mm256_add_ps(_mm256_fmadd_ps(x[2], w[2], _mm256_mul_ps(x[0], w[0])),
                          _mm256_fmadd_ps(x[3], w[3], _mm256_mul_ps(x[1], w[1])));
        break;
      case IPP_C4_TAIL:
        r = _mm256_add_ps(_mm256_fmadd_ps(x[0], w[0], _mm256_mul_ps(x[3], w[3])),
                          _mm256_fmadd_ps(x[1], w[1], _mm256_mul_ps(x[2], w[2])));
        break;
      default:
        r = _mm256_fmadd_ps(
            x[3], w[3], _mm256_fmadd_ps(x[2], w[2], _mm256_fmadd_ps(x[1], w[1],
                                                                   _mm256_mul_ps(x[0], w[0]))));
    }
    _mm256_storeu_ps(h + q, r);
  }
  for (; q < Q; ++q) h[q] = one(q);
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
// (5 cached rows: an output row reads at most 4 distinct rows, its index rows ascend).
void ipp_cubic_range(const IppCubicArgs& a, int64_t o0, int64_t o1) {
  const int64_t Q = a.OW * a.C, rowin = a.W * a.C;
  constexpr int kSlots = 5;
  std::vector<float> buf(size_t(kSlots * Q + rowin + 8));
  float* fr = buf.data() + kSlots * Q;
  std::vector<uint8_t> row(size_t(rowin + 64), 0);
  int64_t held[kSlots];
  for (int64_t& h : held) h = -1;
  // outputs of 4 MiB or more: non-temporal stores (as models.h big_output)
  const bool stream = a.OH * Q * (a.f32 ? 4 : 1) >= (int64_t(1) << 22);
  for (int64_t o = o0; o < o1; ++o) {
    const int32_t* iy = a.index_y + o * 4;
    const float* rows[4];
    for (int t = 0; t < 4; ++t) {
      int s = -1;
      for (int k = 0; k < kSlots; ++k)
        if (held[k] == iy[t]) s = k;
      if (s < 0) {  // a slot no tap of this row uses, the lowest row first
        for (int k = 0; k < kSlots; ++k) {
          bool used = false;
          for (int u = 0; u < 4; ++u) used |= held[k] == iy[u];
          if (!used && (s < 0 || held[k] < held[s])) s = k;
        }
        held[s] = iy[t];
        if (a.f32)
          ipp_h_from(a, reinterpret_cast<const float*>(a.src) + int64_t(iy[t]) * rowin,
                     row.data(), buf.data() + s * Q);
        else
          ipp_h_row(a, a.src + int64_t(iy[t]) * rowin, fr, row.data(), buf.data() + s * Q);
      }
      rows[t] = buf.data() + s * Q;
    }
    if (a.f32)
      ipp_v_row_f32(rows, a.weight_y + o * 4, Q, reinterpret_cast<float*>(a.dst) + o * Q,
                    stream);
    else
      ipp_v_row(rows, a.weight_y + o * 4, Q, a.dst + o * Q, stream);
  }
#ifdef __AVX2__
  if (stream) _mm_sfence();  // the streamed stores visible before the pool's join
#endif
}

}  // namespace PG_KNS
}  // namespace pg
