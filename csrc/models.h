// Arithmetic-model kernels, included once per instruction set (models_base.cpp,
// models_avx2.cpp).  Each reproduces one numpy model engine of src/pixelgrid/_engines/
// bit for bit: the same operations on the same operands in the same order, per element
// (the loops only vectorise across independent elements; -ffp-contract=off keeps every
// product and sum rounded, std::fma only where the model fuses).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <type_traits>
#include <vector>

#include "models_types.h"
#include "stream_stores.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

#ifndef PG_KNS
#error "define PG_KNS before including models.h"
#endif

namespace pg {
namespace PG_KNS {
namespace {

constexpr int64_t kChunk = 64;  // elements summed in registers/L1 at a time

// Outputs of g_stream_min bytes or more (stream_stores.h: half the last-level cache) are
// written with non-temporal stores where a kernel can (the same values, without reading
// each line first; measured on the earlier machine: 3.2 -> 2.6 ms on a 1024^2x3 -> 1536^2
// float32 lerp, 1.64 -> 1.59 ms on the uint8 linear, 1 thread).
inline bool big_output(int64_t bytes) { return bytes >= g_stream_min; }

// ---------------------------------------------------------------- float32_taps.py
// One output row segment [m0, m1) of a (B, L, M) pass with M large: every tap reads a
// contiguous input row (x[b, index[o, t], :]).
// S: the element type of the source and destination (T, or float with T = double: the
// per-axis float64 model on float32 data reads each value exactly, sums in double and
// rounds each result to float32 once, as numpy's astype does after the double pass).
template <class T, class S = T>
void taps_segment(const S* sb, int64_t M, const int32_t* ix, const T* w, int64_t K,
                  int fma, int nested, int32_t ff, S* d, int64_t m0, int64_t m1, int zs, T z0) {
#ifdef __AVX2__
  // 8 floats at a time, every tap's partial sum in a register (lane-wise IEEE: each
  // element sees the scalar model's operations); the rest below.
  if constexpr (std::is_same_v<T, float> && std::is_same_v<S, float>) {
    constexpr int64_t kMaxK = 64;
    if (K <= kMaxK && m1 - m0 >= 8) {
      const float* sp[kMaxK];
      __m256 wv[kMaxK];
      for (int64_t t = 0; t < K; ++t) {
        sp[t] = sb + int64_t(ix[t]) * M;
        wv[t] = _mm256_set1_ps(w[t]);
      }
      const bool back = nested || fma == FMA_REVERSE;
      const bool pair = !back && fma == FMA_PAIR_CHAIN && K >= 2;
      const int64_t fuse_from = fma == FMA_CHAIN ? 1 : fma == FMA_TAIL4 ? ff : K;
      const __m256 zv = _mm256_set1_ps(z0);
      int64_t m = m0;
      // KC: the tap count when known at compile time (2: the taps and weights stay in
      // registers; 64^2x3 -> 96^2 INTER_AREA second pass 3.9 -> 2.8 us), else 0
      auto sweep = [&](auto kc) {
        constexpr int64_t KC = decltype(kc)::value;
        const int64_t KK = KC != 0 ? KC : K;
        for (; m + 8 <= m1; m += 8) {
          __m256 acc;
          if (back) {
            acc = _mm256_mul_ps(_mm256_loadu_ps(sp[KK - 1] + m), wv[KK - 1]);
            if (fma == FMA_REVERSE)
              for (int64_t t = KK - 2; t >= 0; --t)
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(sp[t] + m), wv[t], acc);
            else
              for (int64_t t = KK - 2; t >= 0; --t)
                acc = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(sp[t] + m), wv[t]), acc);
          } else if (pair) {
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(sp[0] + m), wv[0],
                                  _mm256_mul_ps(_mm256_loadu_ps(sp[1] + m), wv[1]));
            for (int64_t t = 2; t < KK; ++t)
              acc = _mm256_fmadd_ps(_mm256_loadu_ps(sp[t] + m), wv[t], acc);
          } else {
            acc = _mm256_mul_ps(_mm256_loadu_ps(sp[0] + m), wv[0]);
            if (zs) acc = _mm256_add_ps(zv, acc);
            int64_t t = 1;
            for (const int64_t e = std::min(fuse_from, KK); t < e; ++t)
              acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(sp[t] + m), wv[t]));
            for (; t < KK; ++t) acc = _mm256_fmadd_ps(_mm256_loadu_ps(sp[t] + m), wv[t], acc);
          }
          _mm256_storeu_ps(d + m, acc);
        }
      };
      if (K == 2) sweep(std::integral_constant<int64_t, 2>{});
      else sweep(std::integral_constant<int64_t, 0>{});
      m0 = m;
    }
  }
#endif
  T acc[kChunk];
  for (int64_t m = m0; m < m1; m += kChunk) {
    const int64_t n = std::min(kChunk, m1 - m);
    if (nested || fma == FMA_REVERSE) {
      // x0*w0 + (x1*w1 + (... + x[K-1]*w[K-1])), fused or not
      const S* s = sb + int64_t(ix[K - 1]) * M + m;
      const T wl = w[K - 1];
      for (int64_t i = 0; i < n; ++i) acc[i] = T(s[i]) * wl;
      for (int64_t t = K - 2; t >= 0; --t) {
        const S* st = sb + int64_t(ix[t]) * M + m;
        const T wt = w[t];
        if (fma == FMA_REVERSE)
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(T(st[i]), wt, acc[i]);
        else
          for (int64_t i = 0; i < n; ++i) acc[i] = T(st[i]) * wt + acc[i];
      }
    } else if (fma == FMA_PAIR_CHAIN && K >= 2) {
      // fma(x0, w0, x1 w1), then the other taps fused
      const S* s0 = sb + int64_t(ix[0]) * M + m;
      const S* s1 = sb + int64_t(ix[1]) * M + m;
      const T w0 = w[0], w1 = w[1];
      for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(T(s0[i]), w0, T(s1[i]) * w1);
      for (int64_t t = 2; t < K; ++t) {
        const S* st = sb + int64_t(ix[t]) * M + m;
        const T wt = w[t];
        for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(T(st[i]), wt, acc[i]);
      }
    } else {
      const S* s = sb + int64_t(ix[0]) * M + m;
      const T w0 = w[0];
      for (int64_t i = 0; i < n; ++i) acc[i] = T(s[i]) * w0;
      if (zs)
        for (int64_t i = 0; i < n; ++i) acc[i] = z0 + acc[i];
      for (int64_t t = 1; t < K; ++t) {
        const S* st = sb + int64_t(ix[t]) * M + m;
        const T wt = w[t];
        if (fma == FMA_CHAIN || (fma == FMA_TAIL4 && t >= ff))
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(T(st[i]), wt, acc[i]);
        else
          for (int64_t i = 0; i < n; ++i) acc[i] = acc[i] + T(st[i]) * wt;
      }
    }
    if constexpr (std::is_same_v<T, S>)
      std::memcpy(d + m, acc, size_t(n) * sizeof(T));
    else
      for (int64_t i = 0; i < n; ++i) d[m + i] = static_cast<S>(acc[i]);
  }
}

// One element of a pass (rows whose elements mix the vector body and the scalar tail).
template <class T, class S = T>
T taps_element(const S* sb, int64_t M, const int32_t* ix, const T* w, int64_t K, int fma,
               int nested, int32_t ff, int64_t m, int zs, T z0) {
  T acc;
  if (nested || fma == FMA_REVERSE) {
    acc = T(sb[int64_t(ix[K - 1]) * M + m]) * w[K - 1];
    for (int64_t t = K - 2; t >= 0; --t) {
      const T v = sb[int64_t(ix[t]) * M + m];
      acc = fma == FMA_REVERSE ? std::fma(v, w[t], acc) : v * w[t] + acc;
    }
  } else if (fma == FMA_PAIR_CHAIN && K >= 2) {
    acc = std::fma(T(sb[int64_t(ix[0]) * M + m]), w[0], T(sb[int64_t(ix[1]) * M + m]) * w[1]);
    for (int64_t t = 2; t < K; ++t) acc = std::fma(T(sb[int64_t(ix[t]) * M + m]), w[t], acc);
  } else {
    acc = T(sb[int64_t(ix[0]) * M + m]) * w[0];
    if (zs) acc = z0 + acc;
    for (int64_t t = 1; t < K; ++t) {
      const T v = sb[int64_t(ix[t]) * M + m];
      if (fma == FMA_CHAIN || (fma == FMA_TAIL4 && t >= ff))
        acc = std::fma(v, w[t], acc);
      else
        acc = acc + v * w[t];
    }
  }
  return acc;
}

// Rows of few elements: the whole output row b (Q = O*M elements) with the row tables.
template <class T, class S = T>
void taps_row_tables(const TapsPass& a, const S* sb, S* d, int nested) {
  const int64_t Q = a.O * a.M, K = a.K;
  const T* wq = static_cast<const T*>(a.wq);
  const int fma = a.fma;
  T acc[kChunk];
  for (int64_t q = 0; q < Q; q += kChunk) {
    const int64_t n = std::min(kChunk, Q - q);
    if (nested || fma == FMA_REVERSE) {
      const int32_t* of = a.off + (K - 1) * Q + q;
      const T* ww = wq + (K - 1) * Q + q;
      for (int64_t i = 0; i < n; ++i) acc[i] = T(sb[of[i]]) * ww[i];
      for (int64_t t = K - 2; t >= 0; --t) {
        of = a.off + t * Q + q;
        ww = wq + t * Q + q;
        if (fma == FMA_REVERSE)
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(T(sb[of[i]]), ww[i], acc[i]);
        else
          for (int64_t i = 0; i < n; ++i) acc[i] = T(sb[of[i]]) * ww[i] + acc[i];
      }
    } else if (fma == FMA_PAIR_CHAIN && K >= 2) {
      const int32_t* o0 = a.off + q;
      const int32_t* o1 = a.off + Q + q;
      const T* w0 = wq + q;
      const T* w1 = wq + Q + q;
      for (int64_t i = 0; i < n; ++i)
        acc[i] = std::fma(T(sb[o0[i]]), w0[i], T(sb[o1[i]]) * w1[i]);
      for (int64_t t = 2; t < K; ++t) {
        const int32_t* of = a.off + t * Q + q;
        const T* ww = wq + t * Q + q;
        for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(T(sb[of[i]]), ww[i], acc[i]);
      }
    } else {
      const int32_t* of = a.off + q;
      const T* ww = wq + q;
      for (int64_t i = 0; i < n; ++i) acc[i] = T(sb[of[i]]) * ww[i];
      if (a.zero_start) {
        const T z0 = T(a.start);
        for (int64_t i = 0; i < n; ++i) acc[i] = z0 + acc[i];
      }
      for (int64_t t = 1; t < K; ++t) {
        of = a.off + t * Q + q;
        ww = wq + t * Q + q;
        if (fma == FMA_CHAIN) {
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(T(sb[of[i]]), ww[i], acc[i]);
        } else if (fma == FMA_TAIL4) {
          const int32_t* ff = a.ffq + q;
          // (the tap as int32, like ff: a 64-bit comparison halved the vector's lanes,
          // measured on torch's antialiased 8x3x256^2 -> 100^2, one thread, Intel Xeon: bicubic
          // 3.80 -> 2.9 ms, bilinear 2.24 -> 1.65 ms)
          const int32_t t32 = static_cast<int32_t>(t);
          for (int64_t i = 0; i < n; ++i) {
            const T f = std::fma(T(sb[of[i]]), ww[i], acc[i]);
            const T u = acc[i] + T(sb[of[i]]) * ww[i];
            acc[i] = t32 >= ff[i] ? f : u;
          }
        } else {
          for (int64_t i = 0; i < n; ++i) acc[i] = acc[i] + T(sb[of[i]]) * ww[i];
        }
      }
    }
    if constexpr (std::is_same_v<T, S>)
      std::memcpy(d + q, acc, size_t(n) * sizeof(T));
    else
      for (int64_t i = 0; i < n; ++i) d[q + i] = static_cast<S>(acc[i]);
  }
}

#ifdef __AVX2__
// Rows of 2 to 4 interleaved elements (channels) in float32: one 128-bit vector per
// output pixel, its lanes the channels (lane-wise IEEE operations: each element sees
// exactly the scalar model's operations).  `end`: one past the source buffer, so that a
// 3-channel pixel at its very end is not read as 4 floats.
template <int M>
inline __m128 load_px(const float* p, const float* end) {
  if constexpr (M == 4) {
    return _mm_loadu_ps(p);
  } else if constexpr (M == 2) {
    return _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)));
  } else {
    if (p + 4 <= end) return _mm_loadu_ps(p);
    return _mm_setr_ps(p[0], p[1], p[2], 0.0f);
  }
}

// One output pixel o (128 bits: its M channels).
template <int M>
inline __m128 taps_px1(const TapsPass& a, const float* sb, const float* end, int nested,
                       int64_t o) {
  const int64_t K = a.K;
  const int fma = a.fma;
  const int32_t* ix = a.index + o * K;
  const float* wo = static_cast<const float*>(a.weight) + o * K;
  __m128 acc;
  if (nested || fma == FMA_REVERSE) {
    acc = _mm_mul_ps(load_px<M>(sb + int64_t(ix[K - 1]) * M, end), _mm_set1_ps(wo[K - 1]));
    for (int64_t t = K - 2; t >= 0; --t) {
      const __m128 v = load_px<M>(sb + int64_t(ix[t]) * M, end);
      const __m128 wt = _mm_set1_ps(wo[t]);
      acc = fma == FMA_REVERSE ? _mm_fmadd_ps(v, wt, acc) : _mm_add_ps(_mm_mul_ps(v, wt), acc);
    }
  } else if (fma == FMA_PAIR_CHAIN && K >= 2) {
    acc = _mm_fmadd_ps(load_px<M>(sb + int64_t(ix[0]) * M, end), _mm_set1_ps(wo[0]),
                       _mm_mul_ps(load_px<M>(sb + int64_t(ix[1]) * M, end), _mm_set1_ps(wo[1])));
    for (int64_t t = 2; t < K; ++t)
      acc = _mm_fmadd_ps(load_px<M>(sb + int64_t(ix[t]) * M, end), _mm_set1_ps(wo[t]), acc);
  } else {
    acc = _mm_mul_ps(load_px<M>(sb + int64_t(ix[0]) * M, end), _mm_set1_ps(wo[0]));
    const int64_t ff = fma == FMA_CHAIN ? 1 : fma == FMA_TAIL4 ? a.fused_from[o] : K;
    int64_t t = 1;
    for (; t < std::min(ff, K); ++t)
      acc = _mm_add_ps(acc, _mm_mul_ps(load_px<M>(sb + int64_t(ix[t]) * M, end),
                                       _mm_set1_ps(wo[t])));
    for (; t < K; ++t)
      acc = _mm_fmadd_ps(load_px<M>(sb + int64_t(ix[t]) * M, end), _mm_set1_ps(wo[t]), acc);
  }
  return acc;
}

template <int M>
inline void store_px1(float* d, int64_t o, int64_t O, __m128 acc) {
  float* q = d + o * M;
  if constexpr (M == 4) {
    _mm_storeu_ps(q, acc);
  } else if constexpr (M == 2) {
    _mm_store_sd(reinterpret_cast<double*>(q), _mm_castps_pd(acc));
  } else if (o + 1 < O) {
    _mm_storeu_ps(q, acc);  // its 4th lane is overwritten by output o + 1
  } else {
    alignas(16) float tmp[4];
    _mm_store_ps(tmp, acc);
    q[0] = tmp[0]; q[1] = tmp[1]; q[2] = tmp[2];
  }
}

// Pairs of output pixels in 256 bits (M = 3 or 4): lanes 0-3 pixel o, 4-7 pixel o + 1;
// wp: per pair and tap the 8 weights (w[o, t] x4, w[o + 1, t] x4).
template <int M>
void taps_row_px(const TapsPass& a, const float* sb, const float* end, float* d, int nested,
                 const float* wp) {
  const int64_t O = a.O, K = a.K;
  const int fma = a.fma;
  const bool back = nested || fma == FMA_REVERSE;
  int64_t o = 0;
  if constexpr (M >= 3) {
    const __m256i pack3 = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    for (; o + 1 < O; o += 2) {
      int64_t ff = fma == FMA_CHAIN ? 1 : K;
      if (fma == FMA_TAIL4) {
        ff = a.fused_from[o];
        if (a.fused_from[o + 1] != ff) {  // the pair fuses different taps: one by one
          store_px1<M>(d, o, O, taps_px1<M>(a, sb, end, nested, o));
          store_px1<M>(d, o + 1, O, taps_px1<M>(a, sb, end, nested, o + 1));
          continue;
        }
      }
      const int32_t* i0 = a.index + o * K;
      const int32_t* i1 = i0 + K;
      const float* wv = wp + (o / 2) * K * 8;
      auto ld = [&](int64_t t) {
        return _mm256_set_m128(load_px<M>(sb + int64_t(i1[t]) * M, end),
                               load_px<M>(sb + int64_t(i0[t]) * M, end));
      };
      __m256 acc;
      if (back) {
        acc = _mm256_mul_ps(ld(K - 1), _mm256_loadu_ps(wv + (K - 1) * 8));
        for (int64_t t = K - 2; t >= 0; --t)
          acc = fma == FMA_REVERSE ? _mm256_fmadd_ps(ld(t), _mm256_loadu_ps(wv + t * 8), acc)
                                   : _mm256_add_ps(_mm256_mul_ps(ld(t), _mm256_loadu_ps(wv + t * 8)), acc);
      } else if (fma == FMA_PAIR_CHAIN && K >= 2) {
        acc = _mm256_fmadd_ps(ld(0), _mm256_loadu_ps(wv),
                              _mm256_mul_ps(ld(1), _mm256_loadu_ps(wv + 8)));
        for (int64_t t = 2; t < K; ++t) acc = _mm256_fmadd_ps(ld(t), _mm256_loadu_ps(wv + t * 8), acc);
      } else {
        acc = _mm256_mul_ps(ld(0), _mm256_loadu_ps(wv));
        int64_t t = 1;
        for (const int64_t e = std::min(ff, K); t < e; ++t)
          acc = _mm256_add_ps(acc, _mm256_mul_ps(ld(t), _mm256_loadu_ps(wv + t * 8)));
        for (; t < K; ++t) acc = _mm256_fmadd_ps(ld(t), _mm256_loadu_ps(wv + t * 8), acc);
      }
      if constexpr (M == 4) {
        _mm256_storeu_ps(d + o * 4, acc);
      } else {
        acc = _mm256_permutevar8x32_ps(acc, pack3);
        if (o + 2 < O) {
          _mm256_storeu_ps(d + o * 3, acc);  // lanes 6-7 are overwritten by the next pair
        } else {
          alignas(32) float tmp[8];
          _mm256_store_ps(tmp, acc);
          std::memcpy(d + o * 3, tmp, 6 * sizeof(float));
        }
      }
    }
  }
  for (; o < O; ++o) store_px1<M>(d, o, O, taps_px1<M>(a, sb, end, nested, o));
}

// First pass of the unshifted model, 8/16-bit pixels of 3 or 4 channels -> int32 sums.
template <class X, int M>
inline __m128i load_ipx(const X* p, const X* end) {
  if constexpr (sizeof(X) == 1) {
    int32_t v = 0;
    if (M == 4 || p + 4 <= end) std::memcpy(&v, p, 4);
    else std::memcpy(&v, p, 3);
    const __m128i r = _mm_cvtsi32_si128(v);
    return std::is_signed_v<X> ? _mm_cvtepi8_epi32(r) : _mm_cvtepu8_epi32(r);
  } else {
    int64_t v = 0;
    if (M == 4 || p + 4 <= end) std::memcpy(&v, p, 8);
    else std::memcpy(&v, p, 6);
    const __m128i r = _mm_cvtsi64_si128(v);
    return std::is_signed_v<X> ? _mm_cvtepi16_epi32(r) : _mm_cvtepu16_epi32(r);
  }
}

template <class X>
inline __m256i load_ipx2(const X* p0, const X* p1, const X* end) {
  // two pixels' first 4 elements, widened to 8 int32 lanes (pixel p0 in lanes 0-3)
  if constexpr (sizeof(X) == 1) {
    int32_t v0 = 0, v1 = 0;
    if (p0 + 4 <= end) std::memcpy(&v0, p0, 4); else std::memcpy(&v0, p0, 3);
    if (p1 + 4 <= end) std::memcpy(&v1, p1, 4); else std::memcpy(&v1, p1, 3);
    const __m128i r = _mm_unpacklo_epi32(_mm_cvtsi32_si128(v0), _mm_cvtsi32_si128(v1));
    return std::is_signed_v<X> ? _mm256_cvtepi8_epi32(r) : _mm256_cvtepu8_epi32(r);
  } else {
    int64_t v0 = 0, v1 = 0;
    if (p0 + 4 <= end) std::memcpy(&v0, p0, 8); else std::memcpy(&v0, p0, 6);
    if (p1 + 4 <= end) std::memcpy(&v1, p1, 8); else std::memcpy(&v1, p1, 6);
    const __m128i r = _mm_set_epi64x(v1, v0);
    return std::is_signed_v<X> ? _mm256_cvtepi16_epi32(r) : _mm256_cvtepu16_epi32(r);
  }
}

template <class X, int M>
void wide_first_px(const WidePass& a, const X* sb, const X* end, int32_t* d,
                   const int32_t* wp) {
  const int64_t O = a.O, K = a.K;
  const __m256i pack3 = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  int64_t o = 0;
  for (; o + 1 < O; o += 2) {  // pairs of pixels, wp: (w[o, t] x4, w[o + 1, t] x4)
    const int32_t* i0 = a.index + o * K;
    const int32_t* i1 = i0 + K;
    const int32_t* wv = wp + (o / 2) * K * 8;
    __m256i acc = _mm256_setzero_si256();
    for (int64_t t = 0; t < K; ++t)
      acc = _mm256_add_epi32(
          acc, _mm256_mullo_epi32(load_ipx2<X>(sb + int64_t(i0[t]) * M, sb + int64_t(i1[t]) * M, end),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wv + t * 8))));
    if constexpr (M == 4) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + o * 4), acc);
    } else {
      acc = _mm256_permutevar8x32_epi32(acc, pack3);
      if (o + 2 < O) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + o * 3), acc);
      } else {
        alignas(32) int32_t tmp[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), acc);
        std::memcpy(d + o * 3, tmp, 6 * sizeof(int32_t));
      }
    }
  }
  for (; o < O; ++o) {
    const int32_t* ix = a.index + o * K;
    const int32_t* w = a.w + o * K;
    __m128i acc = _mm_setzero_si128();
    for (int64_t t = 0; t < K; ++t)
      acc = _mm_add_epi32(acc, _mm_mullo_epi32(load_ipx<X, M>(sb + int64_t(ix[t]) * M, end),
                                               _mm_set1_epi32(w[t])));
    alignas(16) int32_t tmp[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), acc);
    std::memcpy(d + o * M, tmp, M * sizeof(int32_t));
  }
}
#endif

// ---------------------------------------------------------------- row-wide 2-tap gathers
// (Gather2, models_types.h.)  Each element sees exactly the scalar operations: integer
// sums are exact, the float lerp is the same sub and fma lane by lane.
#ifdef __AVX2__
// 8 exact int32 sums w0*x0 + w1*x1 of 8-bit taps: one 16-byte window (both halves),
// one shuffle, the bytes moved down to int16 (sign- or zero-extended), one madd.
// A row of Q int32 sums from an 8-bit row: groups in windows by gathers, the others
// (and the last Q % 8 elements) by `one(q)`.
template <class X, class F>
inline void gather2_i8_row(const X* row, const Gather2& g, int64_t Q, int32_t* d, F&& one) {
  // (the tables in locals: the stores to d cannot change them)
  const int64_t G = g.groups;
  const int32_t* base = g.base;
  const uint8_t* shuf = g.shuf;
  const int16_t* w16 = g.w16;
  for (int64_t k = 0; k < G; ++k) {
    if (base[k] >= 0) {
      const __m256i win = _mm256_broadcastsi128_si256(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + base[k])));
      __m256i v = _mm256_shuffle_epi8(
          win, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(shuf + 32 * k)));
      v = std::is_signed_v<X> ? _mm256_srai_epi16(v, 8) : _mm256_srli_epi16(v, 8);
      v = _mm256_madd_epi16(v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w16 + 16 * k)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 8 * k), v);
    } else if (base[k] == -2) {
      // gathered taps: 4 bytes from each offset, the first one kept (sign- or
      // zero-extended), tap 0 in the low int16 half of each lane and tap 1 in the high
      const int* r = reinterpret_cast<const int*>(row);
      const __m256i g0 = _mm256_slli_epi32(_mm256_i32gather_epi32(
          r, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.far + 16 * k)), 1), 24);
      const __m256i g1 = _mm256_slli_epi32(_mm256_i32gather_epi32(
          r, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.far + 16 * k + 8)), 1), 24);
      const __m256i t0 = std::is_signed_v<X>
          ? _mm256_and_si256(_mm256_srai_epi32(g0, 24), _mm256_set1_epi32(0xFFFF))
          : _mm256_srli_epi32(g0, 24);
      const __m256i t1 = std::is_signed_v<X> ? _mm256_srai_epi32(g1, 8) : _mm256_srli_epi32(g1, 8);
      const __m256i v = _mm256_madd_epi16(
          _mm256_or_si256(t0, t1), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w16 + 16 * k)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 8 * k), v);
    } else {
      for (int64_t q = 8 * k; q < 8 * k + 8; ++q) d[q] = one(q);
    }
  }
  for (int64_t q = 8 * G; q < Q; ++q) d[q] = one(q);
}

// gather2_i8_row 16 sums per step (Gather64): a 64-byte window, one byte permute, the
// same madd of the same int16 lanes.  Downsampling by up to ~3.8 fits the window
// (compat.opencv.resize uint8 1024^2x3 -> 300^2 INTER_LINEAR, one thread, AMD EPYC:
// 1.86 ms, 9.8x cv2, with every group element by element -> 0.48 with Gather2's gathers
// -> 0.12, 0.66x cv2).
template <class X, class F>
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void gather64_i8_row(
    const X* row, const Gather64& g, int64_t Q, int32_t* d, F&& one) {
  const int64_t G = g.groups;
  const int32_t* base = g.base;
  const uint8_t* perm = g.perm;
  const int16_t* w16 = g.w16;
  for (int64_t k = 0; k < G; ++k) {
    const __m512i win = _mm512_loadu_si512(row + base[k]);
    __m512i v = _mm512_permutexvar_epi8(_mm512_loadu_si512(perm + 64 * k), win);
    v = std::is_signed_v<X> ? _mm512_srai_epi16(v, 8) : _mm512_srli_epi16(v, 8);
    v = _mm512_madd_epi16(v, _mm512_loadu_si512(w16 + 32 * k));
    _mm512_storeu_si512(d + 16 * k, v);
  }
  for (int64_t q = 16 * G; q < Q; ++q) d[q] = one(q);
}

// A row of Q lerps fma(w1, f32(x1 - x0), x0) of a float32 row (Fused; else lerp_mul:
// x0 + f32(w1 f32(x1 - x0))).
// The 8 floats at window positions sel[0..7] (each 0..15) of the 16 floats (lo, hi).
inline __m256 window_pick(__m256 lo, __m256 hi, const int32_t* sel) {
  const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sel));
  // positions 8..15 are in `hi`: bit 3 of the position, moved to the sign bit
  return _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, s), _mm256_permutevar8x32_ps(hi, s),
                          _mm256_castsi256_ps(_mm256_slli_epi32(s, 28)));
}

// The lerp rows 16 elements per step (Gather16): a 32-float window, one two-source
// permute per tap (a 64-float window: two, and a blend); the same sub and fma (or mul and add) lane by lane as gather2_lerp_row.
// compat.opencv.resize float32 1024^2x3 INTER_LINEAR, one thread (AMD EPYC, min of 9 x
// 20 calls, ratio to cv2.resize in the same loop): -> 1536^2 1.09 -> 0.97-0.99, -> 700^2
// 1.34-1.42 -> 0.88-0.98 (most 8-element groups did not fit a 16-float window there and
// went element by element).  (On the Intel Xeon this form measured slower at 358^2x3 ->
// 537^2, 147 -> 171 us, when it was tried without the gathers.)
template <bool Fused, bool Wide>
__attribute__((target("avx512f"))) void gather16_lerp_groups(const float* row,
                                                             const Gather16& g, float* d) {
  const int64_t G = g.groups;
  const int32_t* base = g.base;
  const uint8_t* sel = g.sel;
  const float* wf = g.wf;
  for (int64_t k = 0; k < G; ++k) {
    __m512 x0, x1;
    if (base[k] >= 0) {
      const float* s = row + base[k];
      __m512 lo = _mm512_loadu_ps(s), hi = _mm512_loadu_ps(s + 16);
      // each window vector loaded once, kept in a register: the compiler otherwise folds
      // the loads into the permutes that overwrite them, and loads the (unaligned, so
      // line-split) vectors twice; the loads bound this loop (Xeon, a 768-float row to
      // 225 elements: 4.5-5.0 -> 4.2 ns a group; compat.opencv.resize float32 512^2x3 ->
      // 150^2, one thread: 1.35-1.42 -> 1.21-1.22 of cv2)
      asm("" : "+v"(lo), "+v"(hi));
      const __m512i i0 = _mm512_cvtepu8_epi32(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(sel + 32 * k)));
      const __m512i i1 = _mm512_cvtepu8_epi32(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(sel + 32 * k + 16)));
      x0 = _mm512_permutex2var_ps(lo, i0, hi);
      x1 = _mm512_permutex2var_ps(lo, i1, hi);
      if constexpr (Wide) {  // positions 32-63 from the window's second half (bit 5)
        __m512 lo2 = _mm512_loadu_ps(s + 32), hi2 = _mm512_loadu_ps(s + 48);
        asm("" : "+v"(lo2), "+v"(hi2));
        const __m512i b5 = _mm512_set1_epi32(32);
        x0 = _mm512_mask_blend_ps(_mm512_test_epi32_mask(i0, b5), x0,
                                  _mm512_permutex2var_ps(lo2, i0, hi2));
        x1 = _mm512_mask_blend_ps(_mm512_test_epi32_mask(i1, b5), x1,
                                  _mm512_permutex2var_ps(lo2, i1, hi2));
      }
    } else {  // taps too far apart for one window: gathered
      x0 = _mm512_i32gather_ps(_mm512_loadu_si512(g.far + 32 * k), row, 4);
      x1 = _mm512_i32gather_ps(_mm512_loadu_si512(g.far + 32 * k + 16), row, 4);
    }
    const __m512 w = _mm512_loadu_ps(wf + 16 * k), dv = _mm512_sub_ps(x1, x0);
    _mm512_storeu_ps(d + 16 * k, Fused ? _mm512_fmadd_ps(w, dv, x0)
                                       : _mm512_add_ps(x0, _mm512_mul_ps(w, dv)));
  }
}

template <bool Fused, class F>
void gather16_lerp_row(const float* row, const Gather16& g, int64_t Q, float* d, F&& one) {
  if (g.wide) gather16_lerp_groups<Fused, true>(row, g, d);
  else gather16_lerp_groups<Fused, false>(row, g, d);
  for (int64_t q = 16 * g.groups; q < Q; ++q) d[q] = one(q);
}

// The two taps of the 8 elements of float32 group k (base >= 0: from its 16-float
// window; -2: gathered from their row offsets far[16k ..]).
inline void group_taps(const float* row, const Gather2& g, int64_t k, __m256& x0, __m256& x1) {
  const int32_t b = g.base[k];
  if (b >= 0) {
    const __m256 lo = _mm256_loadu_ps(row + b), hi = _mm256_loadu_ps(row + b + 8);
    x0 = window_pick(lo, hi, g.sel + 16 * k);
    x1 = window_pick(lo, hi, g.sel + 16 * k + 8);
  } else {
    const int32_t* far = g.far + 16 * k;
    x0 = _mm256_i32gather_ps(row, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(far)), 4);
    x1 = _mm256_i32gather_ps(row, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(far + 8)), 4);
  }
}

template <bool Fused, class F>
inline void gather2_lerp_row(const float* row, const Gather2& g, int64_t Q, float* d, F&& one) {
  const int64_t G = g.groups;
  const int32_t* base = g.base;
  const float* wf = g.wf;
  for (int64_t k = 0; k < G; ++k) {
    const int32_t b = base[k];
    if (b >= 0 || b == -2) {
      __m256 x0, x1;
      group_taps(row, g, k, x0, x1);
      const __m256 wv = _mm256_loadu_ps(wf + 8 * k), dv = _mm256_sub_ps(x1, x0);
      _mm256_storeu_ps(d + 8 * k, Fused ? _mm256_fmadd_ps(wv, dv, x0)
                                        : _mm256_add_ps(x0, _mm256_mul_ps(wv, dv)));
    } else {
      for (int64_t q = 8 * k; q < 8 * k + 8; ++q) d[q] = one(q);
    }
  }
  for (int64_t q = 8 * G; q < Q; ++q) d[q] = one(q);
}

// A row of Q two-tap sums of a float32 row, both taps multiplied: f32(x0 w0) + f32(x1 w1)
// (Fused false: fma none, or a nested row), else fma(x1, w1, f32(x0 w0)) (chain, tail4
// fusing tap 1).  The same operations, in the same operand order, as taps_row_px and
// taps_px1 on 2-tap rows, so every element is identical; 8 elements per step from
// 16-float windows instead of one or two pixels per step (64^2x3 -> 96^2 INTER_AREA
// first pass: 10.3 -> 3.1 us, 1 thread).
template <bool Fused>
inline __m128 taps2_1(float x0, float x1, float w0, float w1) {
  const __m128 p0 = _mm_mul_ss(_mm_set_ss(x0), _mm_set_ss(w0));
  if constexpr (Fused) return _mm_fmadd_ss(_mm_set_ss(x1), _mm_set_ss(w1), p0);
  else return _mm_add_ss(p0, _mm_mul_ss(_mm_set_ss(x1), _mm_set_ss(w1)));
}

template <bool Fused>
inline void gather2_taps_row(const float* row, const Gather2& g, int64_t Q, float* d,
                             const int32_t* ix, const float* w, int64_t M) {
  const int64_t G = g.groups;
  const int32_t* base = g.base;
  const float* wf0 = g.wf0;
  const float* wf1 = g.wf;
  auto one = [&](int64_t q) {  // w[o*2 + t]: the weights of output pixel o
    const int64_t o = q / M, m = q % M;
    d[q] = _mm_cvtss_f32(taps2_1<Fused>(row[int64_t(ix[o * 2]) * M + m],
                                        row[int64_t(ix[o * 2 + 1]) * M + m], w[o * 2],
                                        w[o * 2 + 1]));
  };
  for (int64_t k = 0; k < G; ++k) {
    const int32_t b = base[k];
    if (b == -1) {
      for (int64_t q = 8 * k; q < 8 * k + 8; ++q) one(q);
      continue;
    }
    __m256 x0, x1;
    group_taps(row, g, k, x0, x1);
    const __m256 p0 = _mm256_mul_ps(x0, _mm256_loadu_ps(wf0 + 8 * k));
    const __m256 w1 = _mm256_loadu_ps(wf1 + 8 * k);
    _mm256_storeu_ps(d + 8 * k, Fused ? _mm256_fmadd_ps(x1, w1, p0)
                                      : _mm256_add_ps(p0, _mm256_mul_ps(x1, w1)));
  }
  for (int64_t q = 8 * G; q < Q; ++q) one(q);
}
#endif

// float32_taps.py fma="lerp" (IPP's float32 linear, 2 taps): x0 + w1 (x1 - x0), the
// difference rounded to float32, then one fma; element by element (independent).
// fma="lerp_mul" (TensorFlow's ResizeBilinear): the product rounded before the addition
// (this file is built with -ffp-contract=off, so mul + add stay two roundings).
// fma="reverse" on 2-tap rows (PyTorch's linear modes): fma(x0, w0, f32(x1 w1)).
enum LerpMode { LERP_FUSED = 0, LERP_MUL = 1, LERP_REVERSE2 = 2 };

template <int Mode>
inline __attribute__((always_inline)) float lerp1(float x0, float x1, float w0, float w1) {
  if constexpr (Mode == LERP_FUSED) return std::fma(w1, x1 - x0, x0);
  else if constexpr (Mode == LERP_MUL) return x0 + w1 * (x1 - x0);
  else return std::fma(x0, w0, x1 * w1);
}

#ifdef __AVX2__
template <int Mode>
inline __attribute__((always_inline)) __m256 lerp8(__m256 x0, __m256 x1, __m256 w0, __m256 w1) {
  if constexpr (Mode == LERP_FUSED) return _mm256_fmadd_ps(w1, _mm256_sub_ps(x1, x0), x0);
  else if constexpr (Mode == LERP_MUL)
    return _mm256_add_ps(x0, _mm256_mul_ps(w1, _mm256_sub_ps(x1, x0)));
  else return _mm256_fmadd_ps(x0, w0, _mm256_mul_ps(x1, w1));
}

template <int Mode>
inline __attribute__((always_inline)) __m128 lerp4(__m128 x0, __m128 x1, __m128 w0, __m128 w1) {
  if constexpr (Mode == LERP_FUSED) return _mm_fmadd_ps(w1, _mm_sub_ps(x1, x0), x0);
  else if constexpr (Mode == LERP_MUL) return _mm_add_ps(x0, _mm_mul_ps(w1, _mm_sub_ps(x1, x0)));
  else return _mm_fmadd_ps(x0, w0, _mm_mul_ps(x1, w1));
}
#endif

template <int Mode>
inline void lerp_units(const TapsPass& a, int64_t u0, int64_t u1) {
  const float* src = static_cast<const float*>(a.src);
  float* dst = static_cast<float*>(a.dst);
  const float* w = static_cast<const float*>(a.weight);
  const int64_t L = a.L, O = a.O, M = a.M;
  const bool rows = a.off != nullptr;  // units: rows b (row tables) or output rows (b, o)
  // outputs far larger than the caches (the last pass of a big image): written with
  // non-temporal stores, no read for ownership (same values)
  [[maybe_unused]] const bool stream = !rows && M >= 64 && big_output(a.B * O * M * 4);
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t b = rows ? u : u / O;
    const float* sb = src + b * L * M;
    const int64_t o0 = rows ? 0 : u % O, o1 = rows ? O : o0 + 1;
#ifdef __AVX2__
    if constexpr (Mode != LERP_REVERSE2) {
      // row-wide: 8 elements per step from 16-float windows, or 16 from 32/64-float ones
      // (AVX-512) (rows of 2 or more channels: one channel has its own path below)
      if (rows && (a.g16 != nullptr || a.g2 != nullptr) && M != 1) {
        const int32_t* ix = a.index;
        auto one = [&](int64_t q) {
          const int64_t o = q / M, m = q % M;
          return lerp1<Mode>(sb[int64_t(ix[o * 2]) * M + m], sb[int64_t(ix[o * 2 + 1]) * M + m],
                             w[o * 2], w[o * 2 + 1]);
        };
        if (a.g16 != nullptr && (g_rows512 || a.g2 == nullptr))
          gather16_lerp_row<Mode == LERP_FUSED>(sb, *a.g16, O * M, dst + b * O * M, one);
        else
          gather2_lerp_row<Mode == LERP_FUSED>(sb, *a.g2, O * M, dst + b * O * M, one);
        continue;
      }
    }
    if (rows && (M == 3 || M == 4)) {  // one 128-bit vector per pixel, lanes its channels
      const float* end = src + a.B * L * M;
      float* d = dst + b * O * M;
      for (int64_t o = 0; o < O; ++o) {
        const __m128 v0 = M == 3 ? load_px<3>(sb + int64_t(a.index[o * 2]) * 3, end)
                                 : load_px<4>(sb + int64_t(a.index[o * 2]) * 4, end);
        const __m128 v1 = M == 3 ? load_px<3>(sb + int64_t(a.index[o * 2 + 1]) * 3, end)
                                 : load_px<4>(sb + int64_t(a.index[o * 2 + 1]) * 4, end);
        const __m128 r = lerp4<Mode>(v0, v1, _mm_set1_ps(w[o * 2]), _mm_set1_ps(w[o * 2 + 1]));
        if (M == 3) store_px1<3>(d, o, O, r);
        else store_px1<4>(d, o, O, r);
      }
      continue;
    }
    if (rows && M == 1) {  // one channel (NCHW rows): 8 outputs per step, taps gathered
      float* d = dst + b * O;
      // (left, right) pairs of 8 outputs de-interleaved: evens to the low lanes, odds high
      const __m256i split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
      int64_t o = 0;
      for (; o + 8 <= O; o += 8) {
        const int32_t* ix = a.index + o * 2;
        const float* wo = w + o * 2;
        const __m256i ia = _mm256_permutevar8x32_epi32(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)), split);
        const __m256i ib = _mm256_permutevar8x32_epi32(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix + 8)), split);
        const __m256i j0 = _mm256_permute2x128_si256(ia, ib, 0x20);
        const __m256i j1 = _mm256_permute2x128_si256(ia, ib, 0x31);
        const __m256 wa = _mm256_permutevar8x32_ps(_mm256_loadu_ps(wo), split);
        const __m256 wb = _mm256_permutevar8x32_ps(_mm256_loadu_ps(wo + 8), split);
        const __m256 w0 = _mm256_permute2f128_ps(wa, wb, 0x20);
        const __m256 w1 = _mm256_permute2f128_ps(wa, wb, 0x31);
        const int32_t lo = ix[0];
        const __m256i base = _mm256_set1_epi32(lo);
        const __m256i d0 = _mm256_sub_epi32(j0, base), d1 = _mm256_sub_epi32(j1, base);
        __m256 x0, x1;
        // every tap within the 8 pixels from the first (upsampling): one load, permuted
        if (lo >= 0 && lo + 8 <= L &&
            _mm256_testz_si256(_mm256_or_si256(d0, d1), _mm256_set1_epi32(~7))) {
          const __m256 win = _mm256_loadu_ps(sb + lo);
          x0 = _mm256_permutevar8x32_ps(win, d0);
          x1 = _mm256_permutevar8x32_ps(win, d1);
        } else {
          x0 = _mm256_i32gather_ps(sb, j0, 4);
          x1 = _mm256_i32gather_ps(sb, j1, 4);
        }
        _mm256_storeu_ps(d + o, lerp8<Mode>(x0, x1, w0, w1));
      }
      for (; o < O; ++o)
        d[o] = lerp1<Mode>(sb[a.index[o * 2]], sb[a.index[o * 2 + 1]], w[o * 2], w[o * 2 + 1]);
      continue;
    }
#endif
    for (int64_t o = o0; o < o1; ++o) {
      const float* x0 = sb + int64_t(a.index[o * 2]) * M;
      const float* x1 = sb + int64_t(a.index[o * 2 + 1]) * M;
      float* d = dst + (b * O + o) * M;
      const float w0 = w[o * 2], w1 = w[o * 2 + 1];
      int64_t m = 0;
#ifdef __AVX2__
      const __m256 vw0 = _mm256_set1_ps(w0), vw1 = _mm256_set1_ps(w1);
      if (stream) {  // up to 32-byte alignment, then stores that bypass the caches
        for (; m < M && (reinterpret_cast<uintptr_t>(d + m) & 31) != 0; ++m)
          d[m] = lerp1<Mode>(x0[m], x1[m], w0, w1);
        for (; m + 8 <= M; m += 8)
          _mm256_stream_ps(d + m, lerp8<Mode>(_mm256_loadu_ps(x0 + m), _mm256_loadu_ps(x1 + m),
                                              vw0, vw1));
      }
      for (; m + 8 <= M; m += 8)
        _mm256_storeu_ps(d + m, lerp8<Mode>(_mm256_loadu_ps(x0 + m), _mm256_loadu_ps(x1 + m),
                                            vw0, vw1));
#endif
      for (; m < M; ++m) d[m] = lerp1<Mode>(x0[m], x1[m], w0, w1);
    }
  }
#ifdef __AVX2__
  if (stream) _mm_sfence();  // the streamed stores are visible before the pool's join
#endif
}

template <class T, class S = T>
void taps_units(const TapsPass& a, int64_t u0, int64_t u1) {
  const S* src = static_cast<const S*>(a.src);
  S* dst = static_cast<S*>(a.dst);
  const T* w = static_cast<const T*>(a.weight);
  const int64_t L = a.L, O = a.O, M = a.M, K = a.K;
  if constexpr (std::is_same_v<T, float>) {
    if (a.fma == FMA_LERP || a.fma == FMA_LERP_MUL) {
      if (a.fma == FMA_LERP) lerp_units<LERP_FUSED>(a, u0, u1);
      else lerp_units<LERP_MUL>(a, u0, u1);
      return;
    }
    if (a.fma == FMA_REVERSE && K == 2 && a.limit <= 0 && !a.zero_start) {
      lerp_units<LERP_REVERSE2>(a, u0, u1);  // PyTorch's linear modes, element-wise
      return;
    }
  }
  if (a.off != nullptr) {  // units are rows b
    std::vector<T> wp;
    for (int64_t b = u0; b < u1; ++b) {
      const S* sb = src + b * L * M;
      S* d = dst + b * O * M;
      const int64_t clim = std::clamp<int64_t>(a.limit - b * M, 0, M);
#ifdef __AVX2__
      if constexpr (std::is_same_v<T, float> && std::is_same_v<S, float>) {
        // 2 taps, both multiplied (g2 with tap-0 weights: fma none, chain or tail4 fusing
        // tap 1, see prepare_taps): row-wide 8-element windows.  A nested row (below the
        // vector body's limit) adds both products, as taps_row_px's back order does.
        if (a.g2 != nullptr && a.g2->wf0 != nullptr && (clim == 0 || clim == M) &&
            !a.zero_start) {
          if (clim == 0 && a.fma != FMA_NONE)
            gather2_taps_row<true>(sb, *a.g2, O * M, d, a.index, w, M);
          else
            gather2_taps_row<false>(sb, *a.g2, O * M, d, a.index, w, M);
          continue;
        }
      }
      if constexpr (std::is_same_v<T, float>) {
        const T* end = src + a.B * L * M;
        if ((clim == 0 || clim == M) && M >= 2 && M <= 4 && !a.zero_start) {
          if (wp.empty()) {  // the pair weight table, once per call
            wp.resize(size_t((O / 2) * K * 8));
            for (int64_t o = 0; o + 1 < O; o += 2)
              for (int64_t t = 0; t < K; ++t)
                for (int j = 0; j < 8; ++j)
                  wp[size_t(((o / 2) * K + t) * 8 + j)] = w[(o + (j >> 2)) * K + t];
          }
          if (M == 2) taps_row_px<2>(a, sb, end, d, clim == M, wp.data());
          else if (M == 3) taps_row_px<3>(a, sb, end, d, clim == M, wp.data());
          else taps_row_px<4>(a, sb, end, d, clim == M, wp.data());
          continue;
        }
      }
#endif
      if (clim == 0 || clim == M) {
        taps_row_tables<T, S>(a, sb, d, clim == M);
        continue;
      }
      for (int64_t o = 0; o < O; ++o) {
        const int32_t ff = a.fused_from ? a.fused_from[o] : 0;
        for (int64_t m = 0; m < M; ++m)
          d[o * M + m] = static_cast<S>(taps_element<T, S>(sb, M, a.index + o * K, w + o * K, K, a.fma,
                                         m < clim, ff, m, m < clim ? 0 : a.zero_start,
                                         T(a.start)));
      }
    }
    return;
  }
  for (int64_t u = u0; u < u1; ++u) {  // units are output rows (b, o)
    const int64_t b = u / O, o = u % O;
    const S* sb = src + b * L * M;
    S* d = dst + u * M;
    const int32_t ff = a.fused_from ? a.fused_from[o] : 0;
    const int64_t clim = std::clamp<int64_t>(a.limit - b * M, 0, M);
    if (clim > 0)
      taps_segment<T, S>(sb, M, a.index + o * K, w + o * K, K, a.fma, 1, ff, d, 0, clim, 0, T(0));
    if (clim < M)
      taps_segment<T, S>(sb, M, a.index + o * K, w + o * K, K, a.fma, 0, ff, d, clim, M,
                      a.zero_start, T(a.start));
  }
}

// ---------------------------------------------------------------- _arithmetic.store
template <class D> struct Lim;
template <> struct Lim<uint8_t> { static constexpr double lo = 0, hi = 255; };
template <> struct Lim<int8_t> { static constexpr double lo = -128, hi = 127; };
template <> struct Lim<uint16_t> { static constexpr double lo = 0, hi = 65535; };
template <> struct Lim<int16_t> { static constexpr double lo = -32768, hi = 32767; };

template <class S>
inline S round_rule(S v, int rule) {
  switch (rule) {
    case ST_HALF_EVEN: return std::nearbyint(v);
    case ST_HALF_AWAY: return v >= S(0) ? std::floor(v + S(0.5)) : std::ceil(v - S(0.5));
    case ST_TRUNCATE: return std::trunc(v);
    default: return std::floor(v + S(0.5));  // half_up, clip8_wrap
  }
}

template <class S, class D>
inline D store_one(S v, int rule) {
  S r = round_rule(v, rule);
  if (r != r) return D(0);  // NaN (numpy's cast gives 0 on x86-64)
  if (rule == ST_CLIP8_WRAP) {
    r = std::min(std::max(r, S(0)), S(255));
    return static_cast<D>(static_cast<uint8_t>(r));
  }
  r = std::min(std::max(r, S(Lim<D>::lo)), S(Lim<D>::hi));
  return static_cast<D>(r);
}

template <class S, class D>
void store_range(const StoreArgs& a, int64_t i0, int64_t i1) {
  const S* s = static_cast<const S*>(a.src);
  D* d = static_cast<D*>(a.dst);
  const int rule = a.rule;
  if (rule == ST_HALF_EVEN) {
    for (int64_t i = i0; i < i1; ++i) {
      S r = std::nearbyint(s[i]);
      r = r != r ? S(0) : r;
      r = std::min(std::max(r, S(Lim<D>::lo)), S(Lim<D>::hi));
      d[i] = static_cast<D>(r);
    }
    return;
  }
  for (int64_t i = i0; i < i1; ++i) d[i] = store_one<S, D>(s[i], rule);
}

template <class S>
void store_dispatch(const StoreArgs& a, int64_t i0, int64_t i1) {
  switch (a.dtype) {
    case MU8: store_range<S, uint8_t>(a, i0, i1); break;
    case MI8: store_range<S, int8_t>(a, i0, i1); break;
    case MU16: store_range<S, uint16_t>(a, i0, i1); break;
    default: store_range<S, int16_t>(a, i0, i1); break;
  }
}

// ---------------------------------------------------------------- wide_fixed.py
template <class D> struct ILim;
template <> struct ILim<uint8_t> { static constexpr int64_t lo = 0, hi = 255; };
template <> struct ILim<int8_t> { static constexpr int64_t lo = -128, hi = 127; };
template <> struct ILim<uint16_t> { static constexpr int64_t lo = 0, hi = 65535; };
template <> struct ILim<int16_t> { static constexpr int64_t lo = -32768, hi = 32767; };

// First pass: exact integer sums (any order: integers).
template <class X, class H>
void wide_first(const WidePass& a, int64_t u0, int64_t u1) {
  const X* src = static_cast<const X*>(a.src);
  H* dst = static_cast<H*>(a.dst);
  const int64_t L = a.L, O = a.O, M = a.M, K = a.K;
  if (a.off != nullptr) {
    const int64_t Q = O * M;
    std::vector<int32_t> wp;
    for (int64_t b = u0; b < u1; ++b) {
      const X* sb = src + b * L * M;
      H* d = dst + b * Q;
#ifdef __AVX2__
      if constexpr (std::is_same_v<H, int32_t> && sizeof(X) == 1) {
        if (a.g2 != nullptr) {  // 2 taps, row-wide: 8 sums per step from 16-byte windows
          const int32_t* ix = a.index;
          const int32_t* w = a.w;
          auto one = [&](int64_t q) {
            const int64_t o = q / M, m = q % M;
            return w[o * 2] * int32_t(sb[int64_t(ix[o * 2]) * M + m]) +
                   w[o * 2 + 1] * int32_t(sb[int64_t(ix[o * 2 + 1]) * M + m]);
          };
          if (a.g64 != nullptr && g_rows512) gather64_i8_row<X>(sb, *a.g64, Q, d, one);
          else gather2_i8_row<X>(sb, *a.g2, Q, d, one);
          continue;
        }
      }
      if constexpr (std::is_same_v<H, int32_t>) {
        if (M == 3 || M == 4) {
          if (wp.empty()) {  // the pair weight table, once per call
            wp.resize(size_t((O / 2) * K * 8));
            for (int64_t o = 0; o + 1 < O; o += 2)
              for (int64_t t = 0; t < K; ++t)
                for (int j = 0; j < 8; ++j)
                  wp[size_t(((o / 2) * K + t) * 8 + j)] = a.w[(o + (j >> 2)) * K + t];
          }
          if (M == 3) wide_first_px<X, 3>(a, sb, src + a.B * L * M, d, wp.data());
          else wide_first_px<X, 4>(a, sb, src + a.B * L * M, d, wp.data());
          continue;
        }
      }
#endif
      for (int64_t q = 0; q < Q; q += kChunk) {
        const int64_t n = std::min(kChunk, Q - q);
        H acc[kChunk] = {};
        for (int64_t t = 0; t < K; ++t) {
          const int32_t* of = a.off + t * Q + q;
          const int32_t* ww = a.wq + t * Q + q;
          for (int64_t i = 0; i < n; ++i) acc[i] += H(ww[i]) * H(sb[of[i]]);
        }
        std::memcpy(d + q, acc, size_t(n) * sizeof(H));
      }
    }
    return;
  }
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t b = u / O, o = u % O;
    const X* sb = src + b * L * M;
    H* d = dst + u * M;
    const int32_t* ix = a.index + o * K;
    const int32_t* w = a.w + o * K;
    for (int64_t m = 0; m < M; m += kChunk) {
      const int64_t n = std::min(kChunk, M - m);
      H acc[kChunk] = {};
      for (int64_t t = 0; t < K; ++t) {
        const X* s = sb + int64_t(ix[t]) * M + m;
        const H wt = w[t];
        for (int64_t i = 0; i < n; ++i) acc[i] += wt * H(s[i]);
      }
      std::memcpy(d + m, acc, size_t(n) * sizeof(H));
    }
  }
}

template <class D>
inline D sat_half_even(float v) {
  float r = std::nearbyint(v);
  r = std::min(std::max(r, float(ILim<D>::lo)), float(ILim<D>::hi));
  return static_cast<D>(r);
}

// Second pass over one row segment: the integer tail and the float32 body.
#ifdef __AVX2__
// 8 int32 already within D's range, stored as D.
template <class D>
inline void store8(D* d, __m256i v, int32_t* tmp) {
  if constexpr (std::is_same_v<D, uint8_t>) {
    const __m256i w = _mm256_packs_epi32(v, v);     // int16, per 128-bit lane
    const __m256i b = _mm256_packus_epi16(w, w);    // bytes: lane0 dword0, lane1 dword0
    const __m256i g = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(g));
  } else {
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), v);
    for (int i = 0; i < 8; ++i) d[i] = static_cast<D>(tmp[i]);
  }
}
#endif

template <class H, class A, class D>
void wide_second_segment(const WidePass& a, const H* sb, const int32_t* ix, const int32_t* w,
                         const float* fw, D* d, int64_t m0, int64_t m1, int body) {
  const int64_t M = a.M, K = a.K;
  const int pre = a.pre, term = a.term, shift = a.shift;
  const A offset = A(a.offset);
#ifdef __AVX2__
  // int64 sums of int32 terms that are exact in float64 (a.f64, checked by the caller):
  // 8 elements per step in two float64 vectors, every term w * (h >> pre) and its
  // floor(. / 2**term), the sum and the final floor((sum + offset) / 2**shift) exact.
  if constexpr (std::is_same_v<H, int32_t> && std::is_same_v<A, int64_t>) {
    constexpr int64_t kMaxK = 64;
    if (a.f64 && !body && K <= kMaxK && m1 - m0 >= 8) {
      const int32_t* sp[kMaxK];
      __m256d wv[kMaxK];
      for (int64_t t = 0; t < K; ++t) {
        sp[t] = sb + int64_t(ix[t]) * M;
        wv[t] = _mm256_set1_pd(double(w[t]));
      }
      const __m128i cpre = _mm_cvtsi32_si128(pre);
      const __m256d tscale = _mm256_set1_pd(std::ldexp(1.0, -term));
      const __m256d sscale = _mm256_set1_pd(std::ldexp(1.0, -shift));
      const __m256d off = _mm256_set1_pd(double(a.offset));
      const __m256d lo = _mm256_set1_pd(double(ILim<D>::lo)), hi = _mm256_set1_pd(double(ILim<D>::hi));
      alignas(32) int32_t tmp[8];
      int64_t m = m0;
      for (; m + 8 <= m1; m += 8) {
        __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
        for (int64_t t = 0; t < K; ++t) {
          const __m128i h0 = _mm_sra_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sp[t] + m)), cpre);
          const __m128i h1 = _mm_sra_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sp[t] + m + 4)), cpre);
          __m256d p0 = _mm256_mul_pd(_mm256_cvtepi32_pd(h0), wv[t]);
          __m256d p1 = _mm256_mul_pd(_mm256_cvtepi32_pd(h1), wv[t]);
          if (term) {
            p0 = _mm256_floor_pd(_mm256_mul_pd(p0, tscale));
            p1 = _mm256_floor_pd(_mm256_mul_pd(p1, tscale));
          }
          acc0 = _mm256_add_pd(acc0, p0);
          acc1 = _mm256_add_pd(acc1, p1);
        }
        acc0 = _mm256_floor_pd(_mm256_mul_pd(_mm256_add_pd(acc0, off), sscale));
        acc1 = _mm256_floor_pd(_mm256_mul_pd(_mm256_add_pd(acc1, off), sscale));
        acc0 = _mm256_min_pd(_mm256_max_pd(acc0, lo), hi);
        acc1 = _mm256_min_pd(_mm256_max_pd(acc1, lo), hi);
        const __m256i v = _mm256_set_m128i(_mm256_cvttpd_epi32(acc1), _mm256_cvttpd_epi32(acc0));
        store8(d + m, v, tmp);
      }
      m0 = m;
    }
  }
  // 8 int32 sums (or float32 body values) in registers per step; the rest below.
  if constexpr (std::is_same_v<H, int32_t> && std::is_same_v<A, int32_t>) {
    constexpr int64_t kMaxK = 64;
    if constexpr (sizeof(D) == 1) {
      // 16 elements per step in int16 lanes: (w * (h >> pre)) >> 16 is mulhi_epi16, the
      // sums and the shift exact in int16 (a.i16: the caller checked the bounds), the
      // saturating packs are the clamp to D's range.
      if (a.i16 && !body && term == 16 && K <= kMaxK && m1 - m0 >= 16) {
        // big outputs, 16-byte aligned steps: stores that bypass the caches
        const bool nt = big_output(a.B * a.O * M) && (reinterpret_cast<uintptr_t>(d + m0) & 15) == 0;
        const int32_t* sp[kMaxK];
        for (int64_t t = 0; t < K; ++t) sp[t] = sb + int64_t(ix[t]) * M;
        const __m128i cpre = _mm_cvtsi32_si128(pre);
        const __m256i off16 = _mm256_set1_epi16(int16_t(a.offset));
        const __m128i cshift = _mm_cvtsi32_si128(shift);
        // one tap's 16 terms; lanes [m..m+3, m+8..m+11 | m+4..m+7, m+12..m+15] for every tap
        auto tap = [&](const int32_t* sp_t, int64_t m, __m256i wv) {
          const __m256i h0 = _mm256_sra_epi32(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp_t + m)), cpre);
          const __m256i h1 = _mm256_sra_epi32(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp_t + m + 8)), cpre);
          return _mm256_mulhi_epi16(_mm256_packs_epi32(h0, h1), wv);
        };
        auto put = [&](__m256i acc, int64_t m) {
          acc = _mm256_sra_epi16(_mm256_add_epi16(acc, off16), cshift);
          acc = _mm256_permute4x64_epi64(acc, 0xD8);  // elements m..m+15 in order
          const __m128i lo = _mm256_castsi256_si128(acc), hi = _mm256_extracti128_si256(acc, 1);
          const __m128i v = std::is_signed_v<D> ? _mm_packs_epi16(lo, hi) : _mm_packus_epi16(lo, hi);
          if (nt) _mm_stream_si128(reinterpret_cast<__m128i*>(d + m), v);
          else _mm_storeu_si128(reinterpret_cast<__m128i*>(d + m), v);
        };
        int64_t m = m0;
        if (K == 2) {  // (linear) the two taps unrolled: the same exact int16 sum
          const __m256i w0 = _mm256_set1_epi16(int16_t(w[0])), w1 = _mm256_set1_epi16(int16_t(w[1]));
          const int32_t* s0 = sp[0];
          const int32_t* s1 = sp[1];
          for (; m + 16 <= m1; m += 16) put(_mm256_add_epi16(tap(s0, m, w0), tap(s1, m, w1)), m);
        }
        for (; m + 16 <= m1; m += 16) {
          __m256i acc = _mm256_setzero_si256();
          for (int64_t t = 0; t < K; ++t)
            acc = _mm256_add_epi16(acc, tap(sp[t], m, _mm256_set1_epi16(int16_t(w[t]))));
          put(acc, m);
        }
        m0 = m;
      }
    }
    if (K <= kMaxK && m1 - m0 >= 8) {
      const int32_t* sp[kMaxK];
      for (int64_t t = 0; t < K; ++t) sp[t] = sb + int64_t(ix[t]) * M;
      const __m256i lo = _mm256_set1_epi32(int32_t(ILim<D>::lo));
      const __m256i hi = _mm256_set1_epi32(int32_t(ILim<D>::hi));
      alignas(32) int32_t tmp[8];
      int64_t m = m0;
      if (body) {
        const __m256 flo = _mm256_set1_ps(float(ILim<D>::lo));
        const __m256 fhi = _mm256_set1_ps(float(ILim<D>::hi));
        for (; m + 8 <= m1; m += 8) {
          __m256 acc = _mm256_mul_ps(
              _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp[K - 1] + m))),
              _mm256_set1_ps(fw[K - 1]));
          for (int64_t t = K - 2; t >= 0; --t)
            acc = _mm256_add_ps(
                _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256(
                                  reinterpret_cast<const __m256i*>(sp[t] + m))),
                              _mm256_set1_ps(fw[t])),
                acc);
          acc = _mm256_round_ps(acc, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
          acc = _mm256_min_ps(_mm256_max_ps(acc, flo), fhi);
          store8(d + m, _mm256_cvttps_epi32(acc), tmp);
        }
      } else {
        const __m256i off = _mm256_set1_epi32(int32_t(a.offset));
        const __m128i cpre = _mm_cvtsi32_si128(pre), cterm = _mm_cvtsi32_si128(term),
                      cshift = _mm_cvtsi32_si128(shift);
        for (; m + 8 <= m1; m += 8) {
          __m256i acc = _mm256_setzero_si256();
          for (int64_t t = 0; t < K; ++t) {
            const __m256i h = _mm256_sra_epi32(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp[t] + m)), cpre);
            acc = _mm256_add_epi32(
                acc, _mm256_sra_epi32(_mm256_mullo_epi32(_mm256_set1_epi32(w[t]), h), cterm));
          }
          acc = _mm256_sra_epi32(_mm256_add_epi32(acc, off), cshift);
          acc = _mm256_min_epi32(_mm256_max_epi32(acc, lo), hi);
          store8(d + m, acc, tmp);
        }
      }
      m0 = m;
    }
  }
#endif
  for (int64_t m = m0; m < m1; m += kChunk) {
    const int64_t n = std::min(kChunk, m1 - m);
    if (body) {
      float acc[kChunk];
      const H* s = sb + int64_t(ix[K - 1]) * M + m;
      const float fl = fw[K - 1];
      for (int64_t i = 0; i < n; ++i) acc[i] = float(s[i]) * fl;
      for (int64_t t = K - 2; t >= 0; --t) {
        const H* st = sb + int64_t(ix[t]) * M + m;
        const float ft = fw[t];
        for (int64_t i = 0; i < n; ++i) acc[i] = float(st[i]) * ft + acc[i];
      }
      for (int64_t i = 0; i < n; ++i) d[m + i] = sat_half_even<D>(acc[i]);
    } else {
      A acc[kChunk] = {};
      for (int64_t t = 0; t < K; ++t) {
        const H* st = sb + int64_t(ix[t]) * M + m;
        const A wt = A(w[t]);
        for (int64_t i = 0; i < n; ++i) acc[i] += (wt * A(st[i] >> pre)) >> term;
      }
      for (int64_t i = 0; i < n; ++i) {
        const A v = (acc[i] + offset) >> shift;
        d[m + i] = static_cast<D>(std::min<A>(std::max<A>(v, A(ILim<D>::lo)), A(ILim<D>::hi)));
      }
    }
  }
}

template <class H, class A, class D>
void wide_second(const WidePass& a, int64_t u0, int64_t u1) {
  const H* src = static_cast<const H*>(a.src);
  D* dst = static_cast<D*>(a.dst);
  const int64_t L = a.L, O = a.O, M = a.M, K = a.K;
  if (a.off != nullptr) {
    const int64_t Q = O * M;
    const int pre = a.pre, term = a.term, shift = a.shift;
    const A offset = A(a.offset);
    for (int64_t b = u0; b < u1; ++b) {
      const H* sb = src + b * L * M;
      D* d = dst + b * Q;
      const int64_t clim = std::clamp<int64_t>(a.limit - b * M, 0, M);
      for (int64_t q = 0; q < Q; q += kChunk) {
        const int64_t n = std::min(kChunk, Q - q);
        A acc[kChunk] = {};
        for (int64_t t = 0; t < K; ++t) {
          const int32_t* of = a.off + t * Q + q;
          const int32_t* ww = a.wq + t * Q + q;
          for (int64_t i = 0; i < n; ++i) acc[i] += (A(ww[i]) * A(sb[of[i]] >> pre)) >> term;
        }
        for (int64_t i = 0; i < n; ++i) {
          const A v = (acc[i] + offset) >> shift;
          d[q + i] = static_cast<D>(std::min<A>(std::max<A>(v, A(ILim<D>::lo)), A(ILim<D>::hi)));
        }
        if (clim > 0) {  // elements of the float body (m < clim), recomputed
          for (int64_t i = 0; i < n; ++i) {
            const int64_t qq = q + i, m = qq % M;
            if (m >= clim) continue;
            float f = float(sb[a.off[(K - 1) * Q + qq]]) * a.fwq[(K - 1) * Q + qq];
            for (int64_t t = K - 2; t >= 0; --t)
              f = float(sb[a.off[t * Q + qq]]) * a.fwq[t * Q + qq] + f;
            d[qq] = sat_half_even<D>(f);
          }
        }
      }
    }
    return;
  }
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t b = u / O, o = u % O;
    const H* sb = src + b * L * M;
    D* d = dst + u * M;
    const int64_t clim = std::clamp<int64_t>(a.limit - b * M, 0, M);
    const int32_t* ix = a.index + o * K;
    const float* fw = a.fw ? a.fw + o * K : nullptr;
    if (clim > 0) wide_second_segment<H, A, D>(a, sb, ix, a.w + o * K, fw, d, 0, clim, 1);
    if (clim < M) wide_second_segment<H, A, D>(a, sb, ix, a.w + o * K, fw, d, clim, M, 0);
  }
#ifdef __AVX2__
  _mm_sfence();  // streamed stores (if any) visible before the pool's join
#endif
}

template <class H, class A>
void wide_second_out(const WidePass& a, int64_t u0, int64_t u1) {
  switch (a.otype) {
    case MU8: wide_second<H, A, uint8_t>(a, u0, u1); break;
    case MI8: wide_second<H, A, int8_t>(a, u0, u1); break;
    case MU16: wide_second<H, A, uint16_t>(a, u0, u1); break;
    default: wide_second<H, A, int16_t>(a, u0, u1); break;
  }
}

template <class H>
void wide_first_in(const WidePass& a, int64_t u0, int64_t u1) {
  switch (a.itype) {
    case MU8: wide_first<uint8_t, H>(a, u0, u1); break;
    case MI8: wide_first<int8_t, H>(a, u0, u1); break;
    case MU16: wide_first<uint16_t, H>(a, u0, u1); break;
    default: wide_first<int16_t, H>(a, u0, u1); break;
  }
}

// ---------------------------------------------------------------- box_sum.py
#ifdef __AVX2__
// The full blocks of one output row of float32 data with 3 or 4 channels: one 128-bit
// vector per output pixel (its channels), the block's pixels added in the model's order
// lane by lane: (((a + b) + c) + d) runs of four, or (rows = true) each block row left to
// right and then the rows.
template <int M>
void box_row_px(const float* base, const float* end, int64_t rowlen, int64_t kx, int64_t ky,
                int64_t fw, bool rows, float inv, float* drow) {
  const int64_t n = kx * ky;
  const __m128 iv = _mm_set1_ps(inv);
  std::vector<int64_t> koff(static_cast<size_t>(n));  // tap k's offset in a block
  for (int64_t k = 0; k < n; ++k) koff[size_t(k)] = (k / kx) * rowlen + (k % kx) * M;
  const int64_t* ko = koff.data();
  for (int64_t ox = 0; ox < fw; ++ox) {
    const float* pb = base + ox * kx * M;
    auto px = [&](int64_t k, int64_t) { return load_px<M>(pb + ko[k], end); };
    __m128 acc = _mm_setzero_ps();
    if (rows) {
      for (int64_t sy = 0; sy < ky; ++sy) {
        __m128 r = px(sy * kx, ox);
        for (int64_t sx = 1; sx < kx; ++sx) r = _mm_add_ps(r, px(sy * kx + sx, ox));
        acc = sy == 0 ? r : _mm_add_ps(acc, r);
      }
    } else {
      int64_t k = 0;
      for (; k + 4 <= n; k += 4)
        acc = _mm_add_ps(acc, _mm_add_ps(_mm_add_ps(_mm_add_ps(px(k, ox), px(k + 1, ox)),
                                                    px(k + 2, ox)), px(k + 3, ox)));
      for (; k < n; ++k) acc = _mm_add_ps(acc, px(k, ox));
    }
    acc = _mm_mul_ps(acc, iv);
    float* q = drow + ox * M;
    if (M == 4 || ox + 1 < fw) {
      _mm_storeu_ps(q, acc);  // (M = 3: lane 3 is overwritten by pixel ox + 1)
    } else {
      alignas(16) float tmp[4];
      _mm_store_ps(tmp, acc);
      q[0] = tmp[0]; q[1] = tmp[1]; q[2] = tmp[2];
    }
  }
}
#endif

#ifdef __AVX2__
// The full 2 x 2 blocks of one output row of float32 data: the elements below `limit`
// (the vector body) in the rows order (a + b) + (c + d), the others 0 + (((a + b) + c) +
// d), times inv (box_rows' operations, element by element: IPP's exact 2x, OpenCV's
// INTER_AREA by 2 of 1 and 4 channels), 16 outputs per step (AVX-512F; false, nothing
// written, where the CPU lacks it or C > 4).  Output element j = 3x + c (C = 3)
// reads positions p = 2j - j % C and p + C of both rows: each step adds those pairs at
// 32 consecutive positions from w = 32k - (16k % C) (every element of the step has
// p - w in [0, 31]) and picks its 16 with one two-source permute.  compat.opencv.resize
// float32 1024^2x3 -> 512^2 INTER_LINEAR, one thread (AMD EPYC): 1.03 -> 0.37 ms (cv2
// 0.25-0.27; bound by the reads of the 12 MB source); 4 channels 1.11 -> 0.64 (cv2 0.43).
struct Box2x2F32 {
  int64_t period = 0;     // steps until the window's phase repeats (C / gcd(C, 16))
  int32_t d[4];           // per phase: 16k % C
  alignas(64) int32_t idx[4][16];  // per phase: p - w of the step's 16 elements
  bool ok = false;
  explicit Box2x2F32(int64_t C) {
    if (C < 1 || C > 4) return;
    period = C / std::gcd(C, int64_t(16));
    for (int64_t ph = 0; ph < period; ++ph) {
      d[ph] = static_cast<int32_t>((16 * ph) % C);
      for (int64_t i = 0; i < 16; ++i) {
        const int64_t j = 16 * ph + i, rel = 2 * j - j % C - (32 * ph - d[ph]);
        if (rel < 0 || rel > 31) return;
        idx[ph][i] = static_cast<int32_t>(rel);
      }
    }
    ok = true;
  }
};

// (each row read as three 16-float loads, the pairs' second elements by valignd: 6 loads
// a step instead of 8 overlapping unaligned ones; 1024^2x3 by 2, one thread, AMD EPYC:
// 1.30-1.40 -> 1.20-1.24 of cv2, 4 channels 1.33 -> 1.17)
template <int CC>
__attribute__((target("avx512f"))) inline void box2x2_f32_steps_c(
    const float* r0, const float* r1, int64_t steps, float inv, const Box2x2F32& t,
    float* drow) {
  const __m512 iv = _mm512_set1_ps(inv);
  int64_t ph = 0;
  for (int64_t k = 0; k < steps; ++k) {
    const int64_t w = 32 * k - t.d[ph];
    const __m512i p0 = _mm512_loadu_si512(r0 + w), p1 = _mm512_loadu_si512(r0 + w + 16),
                  p2 = _mm512_loadu_si512(r0 + w + 32);
    const __m512i q0 = _mm512_loadu_si512(r1 + w), q1 = _mm512_loadu_si512(r1 + w + 16),
                  q2 = _mm512_loadu_si512(r1 + w + 32);
#define PG_SH(h, l) _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, CC))
#define PG_F(x) _mm512_castsi512_ps(x)
    const __m512 lo = _mm512_add_ps(_mm512_add_ps(PG_F(p0), PG_SH(p1, p0)),
                                    _mm512_add_ps(PG_F(q0), PG_SH(q1, q0)));
    const __m512 hi = _mm512_add_ps(_mm512_add_ps(PG_F(p1), PG_SH(p2, p1)),
                                    _mm512_add_ps(PG_F(q1), PG_SH(q2, q1)));
#undef PG_SH
#undef PG_F
    const __m512 v = _mm512_permutex2var_ps(lo, _mm512_load_si512(t.idx[ph]), hi);
    _mm512_storeu_ps(drow + 16 * k, _mm512_mul_ps(v, iv));
    if (++ph == t.period) ph = 0;
  }
}

inline bool box2x2_f32(const float* base, int64_t rowlen, int64_t fw, int64_t C, int64_t limit,
                       float inv, const Box2x2F32& t, float* drow) {
  static const bool has512 = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f"));
  if (!t.ok || !has512) return false;
  const float* r0 = base;
  const float* r1 = base + rowlen;
  // steps within the rows order (elements below limit) whose reads (to w + 47) stay in
  // the row: the last row of the image ends there
  const int64_t E = fw * C;
  int64_t steps = std::min(limit / 16, (rowlen - 48) / 32 + 1);
  if (rowlen < 48) steps = 0;
  switch (C) {
    case 1: box2x2_f32_steps_c<1>(r0, r1, steps, inv, t, drow); break;
    case 2: box2x2_f32_steps_c<2>(r0, r1, steps, inv, t, drow); break;
    case 3: box2x2_f32_steps_c<3>(r0, r1, steps, inv, t, drow); break;
    default: box2x2_f32_steps_c<4>(r0, r1, steps, inv, t, drow); break;
  }
  for (int64_t e = 16 * steps; e < E; ++e) {  // box_rows' two orders, element by element
    const int64_t p = 2 * e - e % C;
    const float a = r0[p], b = r0[p + C], c = r1[p], d = r1[p + C];
    drow[e] = (e < limit ? (a + b) + (c + d) : 0.0f + (((a + b) + c) + d)) * inv;
  }
  return true;
}
#endif

#ifdef __AVX2__
// The full blocks of one output row of 8/16-bit data whose block sums fit int32 (n *
// 65536 < 2**31): exact column sums down the ky rows, exact sums of kx columns C apart,
// then float(sum) * inv rounded by the store rule and saturated, 8 elements at a time
// (the same float operations as store_one, lane by lane).  Integer sums are exact in any
// order, so the sums are vector loops: col (fw*kx*C) the column sums; run (the same size)
// at element i the sum of the kx columns from i; output element e reads run at first[e] =
// (e / C) kx C + e % C, its block's first column, by 8 loads (a gather reading the run
// just stored took twice as long).  compat.opencv.resize uint8 1024^2x3 INTER_AREA, one
// thread, min of 9 x 20 calls, ratio to cv2.resize in the same loop: fx = 1/3 0.84-0.86
// -> 0.80-0.81, 1/4 (1000^2) 0.81-0.83 -> 0.54, 1/2 4.9-5.1 -> 2.6 (the sums across a
// block were a scalar loop per element; uint8 2 x 2 blocks now take box2x2_u8).
template <class S>
void box_row_int(const BoxArgs& a, const S* base, S* drow, int32_t* __restrict col,
                 int32_t* __restrict run, const int32_t* first) {
  const int64_t C = a.C, kx = a.kx, ky = a.ky, fw = a.full_w, rowlen = a.W * C;
  const int64_t P = fw * kx * C, E = fw * C, Q = P - (kx - 1) * C;
  for (int64_t i = 0; i < P; ++i) col[i] = int32_t(base[i]);
  for (int64_t sy = 1; sy < ky; ++sy) {
    const S* __restrict r = base + sy * rowlen;
    for (int64_t i = 0; i < P; ++i) col[i] += int32_t(r[i]);
  }
  int64_t i = 0;
  for (; i + 8 <= Q; i += 8) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col + i));
    for (int64_t sx = 1; sx < kx; ++sx)
      v = _mm256_add_epi32(v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col + i + sx * C)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(run + i), v);
  }
  for (; i < Q; ++i) {
    int32_t v = col[i];
    for (int64_t sx = 1; sx < kx; ++sx) v += col[i + sx * C];
    run[i] = v;
  }
  const float inv = float(a.inv);
  const __m256 iv = _mm256_set1_ps(inv), half = _mm256_set1_ps(0.5f), zero = _mm256_setzero_ps();
  const __m256 lo = _mm256_set1_ps(float(ILim<S>::lo)), hi = _mm256_set1_ps(float(ILim<S>::hi));
  alignas(32) int32_t tmp[8];
  const int rule = a.store;
  int64_t e = 0;
  for (; e + 8 <= E; e += 8) {
    const int32_t* f = first + e;  // (loads, not a gather: see above)
    const __m256i g = _mm256_setr_epi32(run[f[0]], run[f[1]], run[f[2]], run[f[3]], run[f[4]],
                                        run[f[5]], run[f[6]], run[f[7]]);
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(g), iv);
    switch (rule) {
      case ST_HALF_EVEN: v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); break;
      case ST_TRUNCATE: v = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); break;
      case ST_HALF_AWAY:
        v = _mm256_blendv_ps(_mm256_ceil_ps(_mm256_sub_ps(v, half)),
                             _mm256_floor_ps(_mm256_add_ps(v, half)),
                             _mm256_cmp_ps(v, zero, _CMP_GE_OQ));
        break;
      default: v = _mm256_floor_ps(_mm256_add_ps(v, half)); break;  // half_up
    }
    v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    store8(drow + e, _mm256_cvttps_epi32(v), tmp);
  }
  for (; e < E; ++e) drow[e] = store_one<float, S>(float(run[first[e]]) * inv, rule);
}
#endif

#ifdef __AVX2__
// The full blocks of one output row of uint8 data in 2 x 2 blocks (inv = 1/4), C <= 8
// channels: float(s) * 0.25f is s / 4 exactly for the block sum s <= 1020, so each store
// rule is an integer formula on s (half to even: (s + 1 + ((s >> 2) & 1)) >> 2; half up
// and half away from zero, s >= 0: (s + 2) >> 2; truncate: s >> 2), the same value as
// store_one's.  q[i] = the rounded mean of the block whose first element is i, for every
// i (16 at a time in uint16 lanes); output pixel ox is q's C bytes at 2 C ox, packed by a
// byte shuffle per 16 bytes of q (P = 16 / 2C pixels).  (box_row_int's int32 column and
// run sums: 1024^2x3 -> 512^2, one thread, 0.78-0.83 ms against cv2's 0.31-0.32.)
// The byte shuffle that packs output pixels from q: byte k = p C + c (pixel p < P of the
// 16 bytes, channel c) takes q's byte 2 C p + c; the rest zero.  Built once per call.
inline __m128i box2x2_pack(int64_t C) {
  const int64_t P = 16 / (2 * C);
  alignas(16) int8_t m[16];
  for (int k = 0; k < 16; ++k) {
    const int64_t p = k / C, c = k % C;
    m[k] = p < P ? int8_t(p * 2 * C + c) : int8_t(-1);
  }
  return _mm_load_si128(reinterpret_cast<const __m128i*>(m));
}

inline void box2x2_u8(const BoxArgs& a, const uint8_t* r0, uint8_t* drow, uint8_t* q,
                      __m128i pack) {
  const int64_t C = a.C, fw = a.full_w;
  const uint8_t* r1 = r0 + a.W * C;
  const int64_t N = 2 * fw * C, L = N - C, E = fw * C;
  const int rule = a.store;
  auto mean = [rule](int32_t v) -> uint8_t {
    if (rule == ST_HALF_EVEN) return uint8_t((v + 1 + ((v >> 2) & 1)) >> 2);
    if (rule == ST_TRUNCATE) return uint8_t(v >> 2);
    return uint8_t((v + 2) >> 2);  // half up, half away (v >= 0)
  };
  const __m256i one = _mm256_set1_epi16(1), two = _mm256_set1_epi16(2);
  int64_t i = 0;
  for (; i + C + 16 <= N; i += 16) {  // (every load within the blocks' N bytes)
    auto w = [](const uint8_t* p) {
      return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    };
    const __m256i v = _mm256_add_epi16(_mm256_add_epi16(w(r0 + i), w(r0 + i + C)),
                                       _mm256_add_epi16(w(r1 + i), w(r1 + i + C)));
    __m256i t;
    if (rule == ST_HALF_EVEN)
      t = _mm256_srli_epi16(_mm256_add_epi16(_mm256_add_epi16(v, one),
                                             _mm256_and_si256(_mm256_srli_epi16(v, 2), one)), 2);
    else if (rule == ST_TRUNCATE)
      t = _mm256_srli_epi16(v, 2);
    else
      t = _mm256_srli_epi16(_mm256_add_epi16(v, two), 2);
    const __m256i b = _mm256_permute4x64_epi64(_mm256_packus_epi16(t, t), 0xD8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm256_castsi256_si128(b));
  }
  for (; i < L; ++i) q[i] = mean(int32_t(r0[i]) + r0[i + C] + r1[i] + r1[i + C]);
  const int64_t P = 16 / (2 * C);
  int64_t ox = 0;
  for (; ox + P <= fw && ox * C + 16 <= E; ox += P)  // (q holds 64 bytes past L)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(drow + ox * C),
                     _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 2 * C * ox)),
                                      pack));
  for (; ox < fw; ++ox)
    for (int64_t c = 0; c < C; ++c) drow[ox * C + c] = q[2 * C * ox + c];
}
#endif

#ifdef __AVX2__
// box2x2_u8 with AVX-512 VBMI for C <= 4 channels: P = 32 / C output pixels a step (P C
// <= 32 bytes) from the 2 P C bytes of each row; the four bytes of each output byte (two
// pixels of two rows) moved into uint16 lanes by one zero-masked byte permute each,
// summed, rounded by box2x2_u8's integer formula, narrowed and stored.  Only the output
// bytes are computed (box2x2_u8 computes a mean at every byte of the row, then packs
// them).  1024^2 -> 512^2 INTER_AREA, one thread, Xeon, ms (cv2.resize in the same
// loop): 3 channels 0.28 -> 0.14 (0.28), 4 channels 0.37 -> 0.19 (0.22), one channel
// 0.093 -> 0.033 (0.037).
struct Box2x2U8 {
  int64_t P = 0;
  alignas(64) uint8_t ev[64], od[64];  // byte 2 j <- pixel 2 p / 2 p + 1, channel c
  explicit Box2x2U8(int64_t C) : ev(), od() {
    if (C < 1 || C > 4) return;
    P = 32 / C;
    for (int64_t j = 0; j < P * C; ++j) {
      const int64_t p = j / C, c = j % C;
      ev[2 * j] = static_cast<uint8_t>(2 * p * C + c);
      od[2 * j] = static_cast<uint8_t>(2 * p * C + C + c);
    }
  }
};

// The output pixels [0, fw) of one row (fw >= P): steps of P, the last one ending at fw
// (its first pixels stored again with the same values).
template <int Rule>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi"))) void box2x2_u8_512(
    const uint8_t* r0, const uint8_t* r1, int64_t fw, int64_t C, const Box2x2U8& t,
    uint8_t* drow) {
  const int64_t P = t.P, N = 2 * fw * C;  // N: the bytes of the row's blocks
  const __m512i ev = _mm512_load_si512(t.ev), od = _mm512_load_si512(t.od);
  const __mmask64 lo = 0x5555555555555555ull;  // the low byte of each uint16 lane
  const __mmask32 keep = P * C == 32 ? ~__mmask32(0) : (__mmask32(1) << (P * C)) - 1;
  const __m512i one = _mm512_set1_epi16(1), two = _mm512_set1_epi16(2);
  const int64_t steps = (fw + P - 1) / P;
  for (int64_t k = 0; k < steps; ++k) {
    const int64_t ox = std::min(k * P, fw - P), i = 2 * ox * C;
    // the 64 bytes from i, or those before N (masked: nothing past the blocks is read)
    const __mmask64 in = N - i >= 64 ? ~__mmask64(0) : (__mmask64(1) << (N - i)) - 1;
    const __m512i a = _mm512_maskz_loadu_epi8(in, r0 + i), b = _mm512_maskz_loadu_epi8(in, r1 + i);
    const __m512i v = _mm512_add_epi16(
        _mm512_add_epi16(_mm512_maskz_permutexvar_epi8(lo, ev, a),
                         _mm512_maskz_permutexvar_epi8(lo, od, a)),
        _mm512_add_epi16(_mm512_maskz_permutexvar_epi8(lo, ev, b),
                         _mm512_maskz_permutexvar_epi8(lo, od, b)));
    __m512i q;
    if constexpr (Rule == ST_HALF_EVEN)
      q = _mm512_srli_epi16(_mm512_add_epi16(_mm512_add_epi16(v, one),
                                             _mm512_and_si512(_mm512_srli_epi16(v, 2), one)), 2);
    else if constexpr (Rule == ST_TRUNCATE)
      q = _mm512_srli_epi16(v, 2);
    else
      q = _mm512_srli_epi16(_mm512_add_epi16(v, two), 2);
    _mm256_mask_storeu_epi8(drow + ox * C, keep, _mm512_cvtepi16_epi8(q));
  }
}

// box2x2_u8_512 where the CPU has AVX-512 VBMI (and the AVX-512 row switch is on) and
// the row has at least P output pixels; false: nothing done.
inline bool box2x2_u8_fast(const BoxArgs& a, const uint8_t* r0, const Box2x2U8& t,
                           uint8_t* drow) {
  static const bool vbmi = (__builtin_cpu_init(), __builtin_cpu_supports("avx512vbmi") &&
                                                      __builtin_cpu_supports("avx512bw"));
  if (!vbmi || !g_rows512 || t.P == 0 || a.full_w < t.P) return false;
  const uint8_t* r1 = r0 + a.W * a.C;
  if (a.store == ST_HALF_EVEN) box2x2_u8_512<ST_HALF_EVEN>(r0, r1, a.full_w, a.C, t, drow);
  else if (a.store == ST_TRUNCATE) box2x2_u8_512<ST_TRUNCATE>(r0, r1, a.full_w, a.C, t, drow);
  else box2x2_u8_512<ST_HALF_UP>(r0, r1, a.full_w, a.C, t, drow);
  return true;
}
#endif

// Output rows [r0, r1) of OpenCV's integer-factor block sums.  S: the element type, A:
// the sum type (int64 for integers, else S), F: the scaling type (double for float64
// data, else float).
template <class S, class A, class F>
void box_rows(const BoxArgs& a, int64_t r0, int64_t r1) {
  const S* src = static_cast<const S*>(a.src);
  S* dst = static_cast<S*>(a.dst);
  const int64_t W = a.W, C = a.C, kx = a.kx, ky = a.ky, dw = a.dw;
  const int64_t fw = a.full_w, fh = a.full_h, n = kx * ky, rowlen = W * C;
  constexpr bool integer = std::is_integral_v<S>;
  const F inv = F(a.inv);
  auto put = [&](S* d, F v, int rule) {
    if constexpr (integer) *d = store_one<F, S>(v, rule);
    else *d = static_cast<S>(v);
  };
  A acc[kChunk];
  // integer column sums of a chunk's pixels (ky * 65536 < 2**31: the caller checks)
  std::vector<int32_t> col(static_cast<size_t>(integer ? (kChunk + 2 * C) * kx : 0));
  std::vector<int32_t> icol, irun, ifirst;  // box_row_int's rows and gather indices (AVX2)
  std::vector<uint8_t> q2;  // box2x2_u8's rounded means and its packing shuffle
#ifdef __AVX2__
  __m128i q2pack = _mm_setzero_si128();
  std::optional<Box2x2F32> b2f;  // box2x2_f32's tables, built on first use
  std::optional<Box2x2U8> b2u;   // box2x2_u8_512's
#endif
  for (int64_t oy = r0; oy < r1; ++oy) {
    S* drow = dst + oy * dw * C;
#ifdef __AVX2__
    if constexpr (integer) {
      if (oy < fh && n < 32768 && a.store <= ST_TRUNCATE) {
        if constexpr (std::is_same_v<S, uint8_t>) {
          if (kx == 2 && ky == 2 && a.inv == 0.25 && C <= 8) {
            if (!b2u) b2u.emplace(C);
            if (box2x2_u8_fast(a, src + oy * ky * rowlen, *b2u, drow)) goto partial;
            if (q2.empty()) {
              q2.resize(static_cast<size_t>(2 * fw * C + 64));
              q2pack = box2x2_pack(C);
            }
            box2x2_u8(a, src + oy * ky * rowlen, drow, q2.data(), q2pack);
            goto partial;
          }
        }
        if (icol.empty()) {
          icol.resize(static_cast<size_t>(fw * kx * C));
          irun.resize(static_cast<size_t>(fw * kx * C));
          ifirst.resize(static_cast<size_t>(fw * C));
          for (int64_t e = 0; e < fw * C; ++e)
            ifirst[size_t(e)] = static_cast<int32_t>((e / C) * kx * C + e % C);
        }
        box_row_int<S>(a, src + oy * ky * rowlen, drow, icol.data(), irun.data(), ifirst.data());
        goto partial;
      }
    }
    if constexpr (std::is_same_v<S, float>) {
      if (oy < fh && kx == 2 && ky == 2 && a.limit >= 16 && C <= 4) {
        if (!b2f) b2f.emplace(C);
        if (box2x2_f32(src + oy * 2 * rowlen, rowlen, fw, C, a.limit, float(inv), *b2f, drow))
          goto partial;
      }
      if (oy < fh && (C == 3 || C == 4) && (a.limit == 0 || a.limit == fw * C)) {
        const S* base = src + oy * ky * rowlen;
        const S* end = src + a.H * rowlen;
        if (C == 3) box_row_px<3>(base, end, rowlen, kx, ky, fw, a.limit > 0, float(inv), drow);
        else box_row_px<4>(base, end, rowlen, kx, ky, fw, a.limit > 0, float(inv), drow);
        goto partial;
      }
    }
#endif
    if (oy < fh) {
      const S* base = src + oy * ky * rowlen;
      const int64_t E = fw * C;
      for (int64_t e0 = 0; e0 < E; e0 += kChunk) {
        const int64_t ne = std::min(kChunk, E - e0);
        for (int64_t i = 0; i < ne; ++i) acc[i] = A(0);
        int64_t eoff[kChunk];  // element e0 + i's first pixel in the block row
        {  // (no division per element: the pixel and channel counted along)
          int64_t ox = e0 / C, c = e0 % C;
          for (int64_t i = 0; i < ne; ++i) {
            eoff[i] = ox * kx * C + c;
            if (++c == C) { c = 0; ++ox; }
          }
        }
        auto term = [&](int64_t k, int64_t e) -> A {  // tap k (row-major) of element e
          return A(base[(k / kx) * rowlen + (k % kx) * C + eoff[e - e0]]);
        };
        if constexpr (integer) {
          // exact sums (any order): down the block rows (contiguous), then across
          const int64_t p0 = (e0 / C) * kx * C, p1 = ((e0 + ne - 1) / C + 1) * kx * C;
          int32_t* __restrict cp = col.data();  // (8-bit rows could alias it otherwise)
          for (int64_t i = 0; i < p1 - p0; ++i) cp[i] = 0;
          for (int64_t sy = 0; sy < ky; ++sy) {
            const S* __restrict row = base + sy * rowlen + p0;
            for (int64_t i = 0; i < p1 - p0; ++i) cp[i] += int32_t(row[i]);
          }
          for (int64_t i = 0; i < ne; ++i) {
            const int64_t px = eoff[i] - p0;
            A v = A(0);
            for (int64_t sx = 0; sx < kx; ++sx) v += A(col[px + sx * C]);
            acc[i] = v;
          }
        } else {
          int64_t k = 0;
          auto koff = [&](int64_t kk) { return (kk / kx) * rowlen + (kk % kx) * C; };
          for (; k + 4 <= n; k += 4) {
            const S* t0 = base + koff(k);
            const S* t1 = base + koff(k + 1);
            const S* t2 = base + koff(k + 2);
            const S* t3 = base + koff(k + 3);
            for (int64_t i = 0; i < ne; ++i) {
              const int64_t q = eoff[i];
              acc[i] = acc[i] + (((A(t0[q]) + A(t1[q])) + A(t2[q])) + A(t3[q]));
            }
          }
          for (; k < n; ++k) {
            const S* t0 = base + koff(k);
            for (int64_t i = 0; i < ne; ++i) acc[i] = acc[i] + A(t0[eoff[i]]);
          }
          // the vector body: each block row left to right, then the rows in order
          for (int64_t i = 0; i < ne && e0 + i < a.limit; ++i) {
            const int64_t e = e0 + i;
            A v = A(0);
            for (int64_t sy = 0; sy < ky; ++sy) {
              A r = term(sy * kx, e);
              for (int64_t sx = 1; sx < kx; ++sx) r = r + term(sy * kx + sx, e);
              v = sy == 0 ? r : v + r;
            }
            acc[i] = v;
          }
        }
        for (int64_t i = 0; i < ne; ++i) put(drow + e0 + i, F(acc[i]) * inv, a.store);
      }
    }
#ifdef __AVX2__
  partial:
#endif
    // blocks cut by the edge: the last columns of full rows, every block of the last row
    const int64_t ox0 = oy < fh ? fw : 0;
    for (int64_t ox = ox0; ox < dw; ++ox)
      for (int64_t c = 0; c < C; ++c) {
        A s = A(0);
        int64_t count = 0;
        for (int64_t sy = 0; sy < ky; ++sy) {
          const int64_t y = oy * ky + sy;
          if (y >= a.H) continue;  // the numpy model reads only rows inside the input
          for (int64_t sx = 0; sx < kx; ++sx) {
            const int64_t x = ox * kx + sx;
            if (x >= W) continue;
            s = s + A(src[y * rowlen + x * C + c]);
            ++count;
          }
        }
        const float q = float(s) / float(count);
        if constexpr (integer) drow[ox * C + c] = store_one<float, S>(q, ST_HALF_EVEN);
        else drow[ox * C + c] = static_cast<S>(q);
      }
  }
}

// ---------------------------------------------------------------- block_mean.py
template <class S, class R>
void block_mean_rows(const BlockMeanArgs& a, int64_t r0, int64_t r1) {
  const S* src = static_cast<const S*>(a.src);
  S* dst = static_cast<S*>(a.dst);
  const int64_t W = a.W, C = a.C, fy = a.fy, fx = a.fx, ow = a.ow, rowlen = W * C;
  const int64_t E = ((ow - 1) * fx + a.nx_last) * C;  // elements of a block row band
  std::vector<R> rs(static_cast<size_t>(E));  // R: int32 where fy * fx pixels fit
  for (int64_t oy = r0; oy < r1; ++oy) {
    const int64_t ny = oy + 1 == a.oh ? a.ny_last : fy;
    const S* base = src + (a.y0 + oy * fy) * rowlen + a.x0 * C;
    S* d = dst + oy * ow * C;
    // the band's pixels summed down the block rows (exact: any order), then across
    std::fill(rs.begin(), rs.end(), R(0));
    R* __restrict rp = rs.data();  // (8-bit rows could alias it otherwise)
    for (int64_t sy = 0; sy < ny; ++sy) {
      const S* __restrict row = base + sy * rowlen;
      for (int64_t i = 0; i < E; ++i) rp[i] += R(row[i]);
    }
    for (int64_t ox = 0; ox < ow; ++ox) {
      const int64_t nx = ox + 1 == ow ? a.nx_last : fx;
      const int64_t n = nx * ny;
      const int64_t mul = static_cast<int64_t>(4294967296.0f / (256.0f * static_cast<float>(n)));
      const R* r = rp + ox * fx * C;
      for (int64_t c = 0; c < C; ++c) {
        int64_t tot = 0;
        for (int64_t sx = 0; sx < nx; ++sx) tot += r[sx * C + c];
        int64_t v = ((tot + n / 2) * mul) >> 24;
        v = std::min<int64_t>(std::max<int64_t>(v, ILim<S>::lo), ILim<S>::hi);
        d[ox * C + c] = static_cast<S>(v);
      }
    }
  }
}

// uint8, fx <= 4, C <= 4, fy * fx <= 257: the block sums fit uint16 and (sum + n/2) * mul
// fits uint32 (mul = trunc(f32(2**24 / n)) <= 2**24 / n + 0.25 for n >= 2, 2**24 for n = 1,
// so the product is at most 255.5 * 2**24 + 64 * n < 2**32), so the same integer formula as
// block_mean_rows runs in 16/32-bit lanes with compile-time strides the compiler vectorises.
// The mean never exceeds 255: no clamp.  The last (short) column block: block_mean_rows'
// loop.
// the full blocks of one output row from its column sums rp (the row itself when ny = 1)
template <int FX, int C, class T>
void block_mean_u8_across(const T* __restrict rp, uint8_t* __restrict dp, int64_t nfull,
                          uint32_t half, uint32_t mul) {
  for (int64_t ox = 0; ox < nfull; ++ox) {
    const T* r = rp + ox * FX * C;
    for (int c = 0; c < C; ++c) {
      uint32_t tot = r[c];
      for (int sx = 1; sx < FX; ++sx) tot += r[sx * C + c];
      dp[ox * C + c] = static_cast<uint8_t>(((tot + half) * mul) >> 24);
    }
  }
}

// the same where n = 2**k: mul = 2**(24 - k) exactly (float32 holds it), so the mean is
// (sum + n/2) >> k, in 16-bit lanes (n <= 256: at most 65280 + 128) at twice the width
template <int FX, int C, class T>
void block_mean_u8_across_pow2(const T* __restrict rp, uint8_t* __restrict dp, int64_t nfull,
                               uint16_t half, int k) {
  for (int64_t ox = 0; ox < nfull; ++ox) {
    const T* r = rp + ox * FX * C;
    for (int c = 0; c < C; ++c) {
      uint16_t tot = r[c];
      for (int sx = 1; sx < FX; ++sx) tot = uint16_t(tot + r[sx * C + c]);
      dp[ox * C + c] = static_cast<uint8_t>(uint16_t(tot + half) >> k);
    }
  }
}

// FX = 2: every adjacent pixel pair's mean in contiguous lanes into q (E - C values),
// then the even pairs' copied out: cheaper than the interleaved loads of the loops above
template <int C, class T>
void block_mean_u8_pairs(const T* __restrict rp, uint8_t* __restrict q, uint8_t* __restrict dp,
                         int64_t nfull, int64_t n, uint32_t mul) {
  const int64_t E = nfull * 2 * C;
  if ((n & (n - 1)) == 0) {
    int k = 0;
    while ((int64_t(1) << k) < n) ++k;
    const uint16_t half = static_cast<uint16_t>(n / 2);
    for (int64_t i = 0; i < E - C; ++i)
      q[i] = static_cast<uint8_t>(uint16_t(uint16_t(rp[i] + rp[i + C]) + half) >> k);
  } else {
    const uint32_t half = static_cast<uint32_t>(n / 2);
    for (int64_t i = 0; i < E - C; ++i)
      q[i] = static_cast<uint8_t>(((uint32_t(rp[i]) + rp[i + C] + half) * mul) >> 24);
  }
  for (int64_t ox = 0; ox < nfull; ++ox)
    for (int c = 0; c < C; ++c) dp[ox * C + c] = q[2 * ox * C + c];
}

template <int FX, int C, class T>
void block_mean_u8_row_out(const T* rp, uint8_t* q, uint8_t* dp, int64_t nfull, int64_t n,
                           uint32_t mul) {
  if constexpr (FX == 2) {
    block_mean_u8_pairs<C>(rp, q, dp, nfull, n, mul);
  } else if ((n & (n - 1)) == 0) {
    int k = 0;
    while ((int64_t(1) << k) < n) ++k;
    block_mean_u8_across_pow2<FX, C>(rp, dp, nfull, static_cast<uint16_t>(n / 2), k);
  } else {
    block_mean_u8_across<FX, C>(rp, dp, nfull, static_cast<uint32_t>(n / 2), mul);
  }
}

template <int FX, int C>
void block_mean_u8_rows(const BlockMeanArgs& a, int64_t r0, int64_t r1) {
  const uint8_t* src = static_cast<const uint8_t*>(a.src);
  uint8_t* dst = static_cast<uint8_t*>(a.dst);
  const int64_t W = a.W, fy = a.fy, ow = a.ow, rowlen = W * C;
  const int64_t nfull = a.nx_last == FX ? ow : ow - 1;  // blocks of FX columns
  const int64_t E = nfull * FX * C;
  std::vector<uint16_t> rs(static_cast<size_t>(fy > 1 && E > 0 ? E : 1));
  std::vector<uint8_t> qs(static_cast<size_t>(FX == 2 && E > 0 ? E : 1));  // pair means
  for (int64_t oy = r0; oy < r1; ++oy) {
    const int64_t ny = oy + 1 == a.oh ? a.ny_last : fy;
    const uint8_t* base = src + (a.y0 + oy * fy) * rowlen + a.x0 * C;
    uint8_t* d = dst + oy * ow * C;
    const int64_t n = FX * ny;
    const uint32_t mul = static_cast<uint32_t>(
        static_cast<int64_t>(4294967296.0f / (256.0f * static_cast<float>(n))));
    if (ny == 1) {
      block_mean_u8_row_out<FX, C>(base, qs.data(), d, nfull, n, mul);
    } else {
      uint16_t* __restrict rp = rs.data();
      {
        const uint8_t* __restrict ra = base;
        const uint8_t* __restrict rb = base + rowlen;
        for (int64_t i = 0; i < E; ++i) rp[i] = uint16_t(ra[i] + rb[i]);
      }
      for (int64_t sy = 2; sy < ny; ++sy) {
        const uint8_t* __restrict row = base + sy * rowlen;
        for (int64_t i = 0; i < E; ++i) rp[i] = uint16_t(rp[i] + row[i]);
      }
      block_mean_u8_row_out<FX, C>(static_cast<const uint16_t*>(rp), qs.data(), d, nfull, n,
                                   mul);
    }
    if (nfull < ow) {  // the short last block, as block_mean_rows
      const int64_t nx = a.nx_last, nn = nx * ny;
      const int64_t m = static_cast<int64_t>(4294967296.0f / (256.0f * static_cast<float>(nn)));
      const uint8_t* col = base + nfull * FX * C;
      for (int c = 0; c < C; ++c) {
        int64_t tot = 0;
        for (int64_t sy = 0; sy < ny; ++sy)
          for (int64_t sx = 0; sx < nx; ++sx) tot += col[sy * rowlen + sx * C + c];
        const int64_t v = ((tot + nn / 2) * m) >> 24;
        d[nfull * C + c] = static_cast<uint8_t>(std::min<int64_t>(std::max<int64_t>(v, 0), 255));
      }
    }
  }
}

#ifdef __AVX2__
// uint8 blocks of FX = 2..4 columns, C <= 4 channels, in AVX2 (fy * FX <= 256: n = FX * ny
// <= 256, so every block sum + n/2 stays below 2**16).  Each 128-bit lane loads the LB
// bytes of P whole blocks; one byte shuffle puts the FX bytes of each (block, channel)
// group side by side in a group of Wg = 2 (FX = 2) or 4 (FX = 3, 4; zero-padded) bytes,
// one maddubs with ones adds byte pairs into 16-bit lanes, the block rows are added in
// 16-bit lanes (exact: the true sums are below 2**16), Wg = 4 adds the two words of each
// dword, then the mean: (sum + n/2) >> k where n = 2**k (mul = 2**(24 - k) exactly, as in
// block_mean_u8_across_pow2), else ((sum + n/2) * mul) >> 24 in 32-bit lanes.  A second
// shuffle takes the V = P * C output bytes of each lane, stored as 8 (or 4) bytes: the
// extra bytes of a store (C = 3) land on outputs of this row that a later store or the
// scalar tail writes.  The same integers as block_mean_rows, for every element.
// Measured 1T (kernel alone, preallocated output): in cache (2048 x 128 rows) RGB by 2
// 0.054 -> 0.023 ms and RGBA by 4 0.041 -> 0.019 ms against the loops below; at 2048^2
// (12-16 MB from memory, a loaded 2-core machine) both ~1.2-1.5 ms, memory-bound.
template <int FX, int C>
struct BmLanes {
  static constexpr int Wg = FX <= 2 ? 2 : 4;  // bytes per (block, channel) group
  static constexpr int P = 16 / Wg / C;       // whole blocks per 128-bit lane
  static constexpr int LB = P * FX * C;       // input bytes per lane
  static constexpr int V = P * C;             // output bytes per lane
  static constexpr int SB = V > 4 ? 8 : 4;    // bytes stored per lane
};

template <int FX, int C>
inline __m256i bm_group_ctl() {
  using L = BmLanes<FX, C>;
  alignas(32) int8_t t[32];
  for (int i = 0; i < 16; ++i) {
    const int g = i / L::Wg, j = i % L::Wg, b = g / C, c = g % C;
    t[i] = t[16 + i] = (g < L::P * C && j < FX) ? static_cast<int8_t>(b * FX * C + j * C + c)
                                                : int8_t(-128);
  }
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(t));
}

template <int FX, int C>
inline __m256i bm_pick_ctl() {
  using L = BmLanes<FX, C>;
  alignas(32) int8_t t[32];
  for (int i = 0; i < 16; ++i)
    t[i] = t[16 + i] = i < L::V ? static_cast<int8_t>(i * L::Wg) : int8_t(-128);
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(t));
}

template <int SB>
inline void bm_store(uint8_t* d, __m128i v) {
  if constexpr (SB == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(d), v);
  } else {
    const int32_t w = _mm_cvtsi128_si32(v);
    std::memcpy(d, &w, 4);
  }
}

// one block of n = nx * ny pixels from its first pixel p (block_mean_rows' formula)
template <int C>
inline void bm_block_scalar(const uint8_t* p, int64_t rowlen, int64_t nx, int64_t ny,
                            uint8_t* d) {
  const int64_t nn = nx * ny;
  const int64_t m = static_cast<int64_t>(4294967296.0f / (256.0f * static_cast<float>(nn)));
  for (int c = 0; c < C; ++c) {
    int64_t tot = 0;
    for (int64_t sy = 0; sy < ny; ++sy)
      for (int64_t sx = 0; sx < nx; ++sx) tot += p[sy * rowlen + sx * C + c];
    const int64_t v = ((tot + nn / 2) * m) >> 24;
    d[c] = static_cast<uint8_t>(std::min<int64_t>(std::max<int64_t>(v, 0), 255));
  }
}

template <int FX, int C>
void block_mean_u8_avx2_rows(const BlockMeanArgs& a, int64_t r0, int64_t r1) {
  using L = BmLanes<FX, C>;
  const uint8_t* src = static_cast<const uint8_t*>(a.src);
  uint8_t* dst = static_cast<uint8_t*>(a.dst);
  const int64_t rowlen = a.W * C, ow = a.ow;
  const int64_t nfull = a.nx_last == FX ? ow : ow - 1;  // blocks of FX columns
  const int64_t avail = (a.W - a.x0) * C;              // bytes of a row from its first block
  // vector steps (2P blocks each) whose loads stay in the row and stores in the output row
  int64_t steps = nfull / (2 * L::P);
  while (steps > 0 && ((steps * 2 - 1) * L::LB + 16 > avail ||
                       (steps * 2 - 1) * L::V + L::SB > ow * C))
    --steps;
  const __m256i gctl = bm_group_ctl<FX, C>(), pick = bm_pick_ctl<FX, C>();
  const __m256i ones = _mm256_set1_epi8(1), lo16 = _mm256_set1_epi32(0xffff);
  const __m256i zero = _mm256_setzero_si256();
  for (int64_t oy = r0; oy < r1; ++oy) {
    const int64_t ny = oy + 1 == a.oh ? a.ny_last : a.fy;
    const uint8_t* base = src + (a.y0 + oy * a.fy) * rowlen + a.x0 * C;
    uint8_t* d = dst + oy * ow * C;
    const int64_t n = FX * ny;
    const bool pow2 = (n & (n - 1)) == 0;
    int k = 0;
    while ((int64_t(1) << k) < n) ++k;
    const __m256i half16 = _mm256_set1_epi16(static_cast<int16_t>(n / 2));
    const __m256i half32 = _mm256_set1_epi32(static_cast<int32_t>(n / 2));
    const __m256i mul32 = _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(
        static_cast<int64_t>(4294967296.0f / (256.0f * static_cast<float>(n))))));
    const __m128i kk = _mm_cvtsi32_si128(k);
    for (int64_t st = 0; st < steps; ++st) {
      const uint8_t* r = base + st * 2 * L::LB;
      __m256i acc = zero;
      for (int64_t sy = 0; sy < ny; ++sy, r += rowlen) {
        // 2 KB ahead in each block row (a hint: no fault past the array).  Data that
        // another call pushed out of the caches (the benchmark's interleaved rounds,
        // simulated standalone): RGB by 2 0.99 -> 0.66 ms, RGBA by 4 1.01 -> 0.71 ms, 1T
        _mm_prefetch(reinterpret_cast<const char*>(r + 2048), _MM_HINT_T0);
        const __m256i x = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(r + L::LB),
                                              reinterpret_cast<const __m128i*>(r));
        acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(_mm256_shuffle_epi8(x, gctl), ones));
      }
      if constexpr (L::Wg == 4) acc = _mm256_add_epi16(acc, _mm256_srli_epi32(acc, 16));
      __m256i m;
      if (pow2) {
        m = _mm256_srl_epi16(_mm256_add_epi16(acc, half16), kk);
      } else if constexpr (L::Wg == 4) {
        m = _mm256_srli_epi32(
            _mm256_mullo_epi32(_mm256_add_epi32(_mm256_and_si256(acc, lo16), half32), mul32), 24);
      } else {
        const __m256i lo = _mm256_srli_epi32(
            _mm256_mullo_epi32(_mm256_add_epi32(_mm256_unpacklo_epi16(acc, zero), half32), mul32),
            24);
        const __m256i hi = _mm256_srli_epi32(
            _mm256_mullo_epi32(_mm256_add_epi32(_mm256_unpackhi_epi16(acc, zero), half32), mul32),
            24);
        m = _mm256_packus_epi32(lo, hi);
      }
      m = _mm256_shuffle_epi8(m, pick);
      uint8_t* o = d + st * 2 * L::V;
      bm_store<L::SB>(o, _mm256_castsi256_si128(m));
      bm_store<L::SB>(o + L::V, _mm256_extracti128_si256(m, 1));
    }
    for (int64_t ox = steps * 2 * L::P; ox < ow; ++ox)
      bm_block_scalar<C>(base + ox * FX * C, rowlen, ox < nfull ? FX : a.nx_last, ny,
                         d + ox * C);
  }
}
#endif

template <int FX>
bool block_mean_u8_c(const BlockMeanArgs& a, int64_t r0, int64_t r1) {
#ifdef __AVX2__
  if constexpr (FX >= 2) {
    if (a.fy * FX <= 256) {
      switch (a.C) {
        case 1: block_mean_u8_avx2_rows<FX, 1>(a, r0, r1); return true;
        case 2: block_mean_u8_avx2_rows<FX, 2>(a, r0, r1); return true;
        case 3: block_mean_u8_avx2_rows<FX, 3>(a, r0, r1); return true;
        case 4: block_mean_u8_avx2_rows<FX, 4>(a, r0, r1); return true;
        default: return false;
      }
    }
  }
#endif
  switch (a.C) {
    case 1: block_mean_u8_rows<FX, 1>(a, r0, r1); return true;
    case 2: block_mean_u8_rows<FX, 2>(a, r0, r1); return true;
    case 3: block_mean_u8_rows<FX, 3>(a, r0, r1); return true;
    case 4: block_mean_u8_rows<FX, 4>(a, r0, r1); return true;
    default: return false;
  }
}

// the uint8 fast path where it applies (see block_mean_u8_rows); false: not taken
bool block_mean_u8_fast(const BlockMeanArgs& a, int64_t r0, int64_t r1) {
  if (a.fy * a.fx > 257) return false;
  switch (a.fx) {
    case 1: return block_mean_u8_c<1>(a, r0, r1);
    case 2: return block_mean_u8_c<2>(a, r0, r1);
    case 3: return block_mean_u8_c<3>(a, r0, r1);
    case 4: return block_mean_u8_c<4>(a, r0, r1);
    default: return false;
  }
}

// ---------------------------------------------------------------- corner_sum.py
template <class X, class W, class D>
void corner_rows(const CornerArgs& a, int64_t u0, int64_t u1) {
  const X* src = static_cast<const X*>(a.src);
  D* dst = static_cast<D*>(a.dst);
  const int nd = a.ndim, k = a.k;
  int64_t istride[8];
  istride[nd - 1] = 1;
  for (int d = nd - 2; d >= 0; --d) istride[d] = istride[d + 1] * a.in_shape[d + 1];
  int cell[8];  // cell slot of each axis, -1 for others
  for (int d = 0; d < nd; ++d) cell[d] = -1;
  for (int j = 0; j < k; ++j) cell[a.axes[j]] = j;
  const int64_t nlast = a.out_shape[nd - 1];
  const int ncorner = 1 << k;
  const W* w0[3];
  const W* w1[3];
  for (int j = 0; j < k; ++j) {
    w0[j] = static_cast<const W*>(a.w0[j]);
    w1[j] = static_cast<const W*>(a.w1[j]);
  }
  constexpr bool q10 = std::is_same_v<W, int64_t>;
  for (int64_t u = u0; u < u1; ++u) {  // u: an output row along the last axis
    int64_t pos[8];
    int64_t r = u;
    for (int d = nd - 2; d >= 0; --d) {
      pos[d] = r % a.out_shape[d];
      r /= a.out_shape[d];
    }
    // per corner: the offset and weight-product inputs from the axes before the last
    int64_t base[8];   // per corner bit pattern over the leading cell axes
    bool out_lead = false;
    for (int c = 0; c < ncorner; ++c) {
      int64_t off = 0;
      for (int d = 0; d < nd - 1; ++d) {
        const int j = cell[d];
        if (j < 0) {
          off += pos[d] * istride[d];
        } else {
          const int bit = (c >> (k - 1 - j)) & 1;
          off += int64_t(bit ? a.i1[j][pos[d]] : a.i0[j][pos[d]]) * istride[d];
        }
      }
      base[c] = off;
    }
    for (int d = 0; d < nd - 1; ++d)
      if (cell[d] >= 0 && a.outside[cell[d]] && a.outside[cell[d]][pos[d]]) out_lead = true;
    D* drow = dst + u * nlast;
    const int jl = cell[nd - 1];
    // per corner: the weights of the leading cell axes, from the last one outwards
    W lw[8][3];
    int nlw = 0;
    for (int c = 0; c < ncorner; ++c) {
      int m = 0;
      for (int j = k - 1; j >= 0; --j) {
        const int d = a.axes[j];
        if (d == nd - 1) continue;
        const int bit = (c >> (k - 1 - j)) & 1;
        lw[c][m++] = bit ? w1[j][pos[d]] : w0[j][pos[d]];
      }
      nlw = m;
    }
    W acc[kChunk];
    for (int64_t e0 = 0; e0 < nlast; e0 += kChunk) {
      const int64_t n = std::min(kChunk, nlast - e0);
      for (int c = 0; c < ncorner; ++c) {
        const X* sp = src + base[c];
        if (jl >= 0) {  // the last axis is a cell axis: its weight comes first
          const int bit = c & 1;
          const int32_t* ix = (bit ? a.i1[jl] : a.i0[jl]) + e0;
          const W* wl = (bit ? w1[jl] : w0[jl]) + e0;
          if (nlw == 1 && c == 0) {  // 2 cell axes (the common case), first corner
            const W l0 = lw[c][0];
            for (int64_t i = 0; i < n; ++i) acc[i] = (wl[i] * l0) * W(sp[ix[i]]);
          } else if (nlw == 1) {
            const W l0 = lw[c][0];
            for (int64_t i = 0; i < n; ++i) acc[i] = acc[i] + (wl[i] * l0) * W(sp[ix[i]]);
          } else {
            for (int64_t i = 0; i < n; ++i) {
              W coef = wl[i];
              for (int m = 0; m < nlw; ++m) coef = coef * lw[c][m];
              const W term = coef * W(sp[ix[i]]);
              acc[i] = c == 0 ? term : acc[i] + term;
            }
          }
        } else {
          W coef = lw[c][0];
          for (int m = 1; m < nlw; ++m) coef = coef * lw[c][m];
          const X* s2 = sp + e0;
          if (c == 0)
            for (int64_t i = 0; i < n; ++i) acc[i] = coef * W(s2[i]);
          else
            for (int64_t i = 0; i < n; ++i) acc[i] = acc[i] + coef * W(s2[i]);
        }
      }
      for (int64_t i = 0; i < n; ++i) {
        const int64_t e = e0 + i;
        const bool outside = out_lead || (jl >= 0 && a.outside[jl] && a.outside[jl][e]);
        if constexpr (std::is_floating_point_v<D>) {
          drow[e] = outside ? D(a.fill_f) : D(acc[i]);
        } else if (outside) {
          drow[e] = static_cast<D>(a.fill_i);
        } else {
          double v;
          if constexpr (q10) {
            const int64_t mag = (acc[i] < 0 ? -acc[i] : acc[i]) >> (10 * k);
            v = double(acc[i] < 0 ? -mag : mag);
          } else {
            v = std::trunc(double(acc[i]));
            if (v != v) v = 0;
          }
          v = std::min(std::max(v, double(std::numeric_limits<D>::min())),
                       double(std::numeric_limits<D>::max()));
          drow[e] = static_cast<D>(v);
        }
      }
    }
  }
}

// q10 on 8-bit data, 2 adjacent cell axes (CornerArgs.sep): output rows (b, oy) of a
// (B, H, W, M) array.  sum_corners (wy * wx) * x = sum_ty wy * (sum_tx wx * x) exactly in
// integers (the bindings checked that every partial sum fits int32), so each needed input
// row is blended along W once (h, two cached rows per worker), then two rows along H, the
// sum divided by 2**20 toward zero and saturated; outside the crop box: the fill.
template <class X>
void corner_sep_rows(const CornerArgs& a, int64_t u0, int64_t u1) {
  const int ay = a.axes[0], ax = a.axes[1];
  int64_t M = 1, B = 1;
  for (int d = ax + 1; d < a.ndim; ++d) M *= a.in_shape[d];
  for (int d = 0; d < ay; ++d) B *= a.in_shape[d];
  const int64_t H = a.in_shape[ay], W = a.in_shape[ax], OH = a.out_shape[ay],
                OW = a.out_shape[ax];
  const int64_t Q = OW * M, R = W * M;
  const X* src = static_cast<const X*>(a.src);
  X* dst = static_cast<X*>(a.dst);
  const int32_t* ix0 = a.i0[1];
  const int32_t* ix1 = a.i1[1];
  const int32_t* wx0 = a.qw[1][0];
  const int32_t* wx1 = a.qw[1][1];
  const uint8_t* out_x = a.outside[1];
  const uint8_t* out_y = a.outside[0];
  constexpr int32_t lo = std::numeric_limits<X>::min(), hi = std::numeric_limits<X>::max();
  const X fill = static_cast<X>(a.fill_i);
  std::vector<int32_t> hbuf(static_cast<size_t>(2 * Q));
  int64_t held[2] = {-1, -1};  // the input row (b*H + iy) in each half of hbuf
  auto blend = [&](int64_t r, int slot) {  // input row r along W into hbuf half `slot`
    const X* row = src + r * R;
    int32_t* h = hbuf.data() + slot * Q;
    auto one = [&](int64_t q) -> int32_t {
      const int64_t o = q / M, m = q % M;
      return wx0[o] * int32_t(row[int64_t(ix0[o]) * M + m]) +
             wx1[o] * int32_t(row[int64_t(ix1[o]) * M + m]);
    };
#ifdef __AVX2__
    if (a.g2 != nullptr) {
      gather2_i8_row<X>(row, *a.g2, Q, h, one);
      held[slot] = r;
      return;
    }
#endif
    for (int64_t q = 0; q < Q; ++q) h[q] = one(q);
    held[slot] = r;
  };
  auto find = [&](int64_t r) { return held[0] == r ? 0 : held[1] == r ? 1 : -1; };
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t b = u / OH, oy = u % OH;
    X* d = dst + u * Q;
    if (out_y && out_y[oy]) {
      std::fill(d, d + Q, fill);
      continue;
    }
    const int64_t r0 = b * H + a.i0[0][oy], r1 = b * H + a.i1[0][oy];
    int s0 = find(r0);
    if (s0 < 0) {
      s0 = find(r1) == 0 ? 1 : 0;
      blend(r0, s0);
    }
    int s1 = find(r1);
    if (s1 < 0) {
      s1 = 1 - s0;
      blend(r1, s1);
    }
    const int32_t* h0 = hbuf.data() + s0 * Q;
    const int32_t* h1 = hbuf.data() + s1 * Q;
    const int32_t wy0 = a.qw[0][0][oy], wy1 = a.qw[0][1][oy];
    int64_t q = 0;
#ifdef __AVX2__
    {
      const __m256i vw0 = _mm256_set1_epi32(wy0), vw1 = _mm256_set1_epi32(wy1);
      const __m256i low20 = _mm256_set1_epi32((1 << 20) - 1);
      // big outputs, 16-byte aligned rows: stores that bypass the caches
      const bool nt = big_output(B * OH * Q) && (reinterpret_cast<uintptr_t>(d) & 15) == 0;
      auto sum8 = [&](int64_t i) {  // (wy0*h0 + wy1*h1) / 2**20 toward zero
        const __m256i s = _mm256_add_epi32(
            _mm256_mullo_epi32(vw0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h0 + i))),
            _mm256_mullo_epi32(vw1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h1 + i))));
        return _mm256_srai_epi32(
            _mm256_add_epi32(s, _mm256_and_si256(_mm256_srai_epi32(s, 31), low20)), 20);
      };
      for (; q + 16 <= Q; q += 16) {
        // saturating packs: the clamp to X's range; permute: elements back in order
        const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(sum8(q), sum8(q + 8)), 0xD8);
        const __m128i l = _mm256_castsi256_si128(p16), h = _mm256_extracti128_si256(p16, 1);
        const __m128i v = std::is_signed_v<X> ? _mm_packs_epi16(l, h) : _mm_packus_epi16(l, h);
        if (nt) _mm_stream_si128(reinterpret_cast<__m128i*>(d + q), v);
        else _mm_storeu_si128(reinterpret_cast<__m128i*>(d + q), v);
      }
    }
#endif
    for (; q < Q; ++q) {
      const int32_t s = wy0 * h0[q] + wy1 * h1[q];
      const int32_t v = (s + ((s >> 31) & ((1 << 20) - 1))) >> 20;
      d[q] = static_cast<X>(std::min(std::max(v, lo), hi));
    }
    if (out_x)
      for (int64_t o = 0; o < OW; ++o)
        if (out_x[o]) std::fill(d + o * M, d + o * M + M, fill);
  }
#ifdef __AVX2__
  _mm_sfence();  // streamed stores (if any) visible before the pool's join
#endif
}

template <class X, class W>
void corner_out(const CornerArgs& a, int64_t u0, int64_t u1) {
  switch (a.otype) {
    case MU8: corner_rows<X, W, uint8_t>(a, u0, u1); break;
    case MI8: corner_rows<X, W, int8_t>(a, u0, u1); break;
    case MU16: corner_rows<X, W, uint16_t>(a, u0, u1); break;
    case MI16: corner_rows<X, W, int16_t>(a, u0, u1); break;
    case MI32: corner_rows<X, W, int32_t>(a, u0, u1); break;
    case MF32: corner_rows<X, W, float>(a, u0, u1); break;
    default: corner_rows<X, W, double>(a, u0, u1); break;
  }
}

template <class X>
void corner_w(const CornerArgs& a, int64_t u0, int64_t u1) {
  if (a.wtype == MF32) corner_out<X, float>(a, u0, u1);
  else if (a.wtype == MF64) corner_out<X, double>(a, u0, u1);
  else corner_out<X, int64_t>(a, u0, u1);
}

}  // namespace

void corner_range(const CornerArgs& a, int64_t u0, int64_t u1) {
  if (a.sep) {
    if (a.itype == MU8) corner_sep_rows<uint8_t>(a, u0, u1);
    else corner_sep_rows<int8_t>(a, u0, u1);
    return;
  }
  switch (a.itype) {
    case MU8: corner_w<uint8_t>(a, u0, u1); break;
    case MI8: corner_w<int8_t>(a, u0, u1); break;
    case MU16: corner_w<uint16_t>(a, u0, u1); break;
    case MI16: corner_w<int16_t>(a, u0, u1); break;
    case MI32: corner_w<int32_t>(a, u0, u1); break;
    case MF32: corner_w<float>(a, u0, u1); break;
    default: corner_w<double>(a, u0, u1); break;
  }
}

void block_mean_range(const BlockMeanArgs& a, int64_t r0, int64_t r1) {
  // column sums of at most fy pixels: int32 while fy * 65536 < 2**31
  const bool small = a.fy < 32768;
  switch (a.dtype) {
    case MU8:
      if (block_mean_u8_fast(a, r0, r1)) break;
      if (small) block_mean_rows<uint8_t, int32_t>(a, r0, r1);
      else block_mean_rows<uint8_t, int64_t>(a, r0, r1);
      break;
    case MI8:
      if (small) block_mean_rows<int8_t, int32_t>(a, r0, r1);
      else block_mean_rows<int8_t, int64_t>(a, r0, r1);
      break;
    case MU16:
      if (small) block_mean_rows<uint16_t, int32_t>(a, r0, r1);
      else block_mean_rows<uint16_t, int64_t>(a, r0, r1);
      break;
    default:
      if (small) block_mean_rows<int16_t, int32_t>(a, r0, r1);
      else block_mean_rows<int16_t, int64_t>(a, r0, r1);
      break;
  }
}

void taps_range(const TapsPass& a, int64_t u0, int64_t u1) {
  if (a.wtype == MF64 && a.io32) taps_units<double, float>(a, u0, u1);
  else if (a.wtype == MF64) taps_units<double>(a, u0, u1);
  else taps_units<float>(a, u0, u1);
}

void store_span(const StoreArgs& a, int64_t i0, int64_t i1) {
  if (a.stype == MF64) store_dispatch<double>(a, i0, i1);
  else store_dispatch<float>(a, i0, i1);
}

void wide_range(const WidePass& a, int64_t u0, int64_t u1) {
  if (a.first) {
    if (a.otype == MI64) wide_first_in<int64_t>(a, u0, u1);
    else wide_first_in<int32_t>(a, u0, u1);
    return;
  }
  if (a.itype == MI64) {
    wide_second_out<int64_t, int64_t>(a, u0, u1);
  } else if (a.acc64) {
    wide_second_out<int32_t, int64_t>(a, u0, u1);
  } else {
    wide_second_out<int32_t, int32_t>(a, u0, u1);
  }
}

void box_range(const BoxArgs& a, int64_t r0, int64_t r1) {
  switch (a.dtype) {
    case MU8: box_rows<uint8_t, int64_t, float>(a, r0, r1); break;
    case MI8: box_rows<int8_t, int64_t, float>(a, r0, r1); break;
    case MU16: box_rows<uint16_t, int64_t, float>(a, r0, r1); break;
    case MI16: box_rows<int16_t, int64_t, float>(a, r0, r1); break;
    case MF32: box_rows<float, float, float>(a, r0, r1); break;
    default: box_rows<double, double, double>(a, r0, r1); break;
  }
}

}  // namespace PG_KNS
}  // namespace pg
