// alpha(src, dst, direction, threads, simd): Pillow's premultiplied-alpha conversions of
// 8-bit (..., C) data whose last channel is alpha, the compiled form of
// pixelgrid._arithmetic.premultiply_alpha / unpremultiply_alpha (the numpy oracles; the
// rule "muldiv255"), bit for bit (tests/test_native_alpha.py checks all 65,536 (c, a)
// pairs in both directions, SIMD and scalar):
//   premultiply:   t = c * a + 128; c' = ((t >> 8) + t) >> 8          (MULDIV255)
//   unpremultiply: a in {0, 255}: c' = c; else c' = min(c * 255 // a, 255)
// The alpha channel is copied.  compat.pillow resamples RGBA / LA premultiplied (as Pillow
// does: RGBA -> RGBa -> resize -> RGBA); the numpy forms took ~23 of ~27 ms of an RGBA
// 2048^2 -> 400^2 bicubic call (a previous helper's measurement).
//
// AVX2 (picked at run time): 32 bytes per step, alpha broadcast to its pixel's bytes with
// one byte shuffle (C = 2 or 4: a step holds whole pixels).  Premultiply in 16-bit lanes
// (t <= 65153 and (t >> 8) + t <= 65407 fit); unpremultiply in 16-bit lanes too, with
// one float32 division per pixel for a 16-bit reciprocal and a one-step correction
// (unpremul16 below).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PG_ALPHA_X86 1
#endif

namespace nb = nanobind;

namespace pg {

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);

namespace {

using U8In = nb::ndarray<nb::ro, uint8_t, nb::c_contig, nb::device::cpu>;
using U8Out = nb::ndarray<uint8_t, nb::c_contig, nb::device::cpu>;

// Scalar forms over pixels [p0, p1) of C channels (any C >= 1).
void premul_scalar(const uint8_t* s, uint8_t* d, int64_t p0, int64_t p1, int64_t C) {
  for (int64_t p = p0; p < p1; ++p) {
    const uint8_t* sp = s + p * C;
    uint8_t* dp = d + p * C;
    const uint32_t a = sp[C - 1];
    for (int64_t c = 0; c < C - 1; ++c) {
      const uint32_t t = sp[c] * a + 128;
      dp[c] = static_cast<uint8_t>(((t >> 8) + t) >> 8);
    }
    dp[C - 1] = sp[C - 1];
  }
}

void unpremul_scalar(const uint8_t* s, uint8_t* d, int64_t p0, int64_t p1, int64_t C) {
  for (int64_t p = p0; p < p1; ++p) {
    const uint8_t* sp = s + p * C;
    uint8_t* dp = d + p * C;
    const uint32_t a = sp[C - 1];
    const bool keep = a == 0 || a == 255;
    for (int64_t c = 0; c < C - 1; ++c) {
      dp[c] = keep ? sp[c] : static_cast<uint8_t>(std::min<uint32_t>(sp[c] * 255u / a, 255u));
    }
    dp[C - 1] = sp[C - 1];
  }
}

#ifdef PG_ALPHA_X86
// Byte shuffle that copies each pixel's alpha byte to all its bytes (within 128-bit
// lanes, as vpshufb works), and a mask of the alpha bytes.
__attribute__((target("avx2"))) inline __m256i alpha_shuffle(int64_t C) {
  return C == 4 ? _mm256_setr_epi8(3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11, 15, 15, 15, 15,
                                   3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11, 15, 15, 15, 15)
                : _mm256_setr_epi8(1, 1, 3, 3, 5, 5, 7, 7, 9, 9, 11, 11, 13, 13, 15, 15,
                                   1, 1, 3, 3, 5, 5, 7, 7, 9, 9, 11, 11, 13, 13, 15, 15);
}
__attribute__((target("avx2"))) inline __m256i alpha_lanes(int64_t C) {
  return C == 4 ? _mm256_set1_epi32(int32_t(0xff000000u)) : _mm256_set1_epi16(int16_t(0xff00));
}

__attribute__((target("avx2"))) inline __m256i muldiv255_16(__m256i c, __m256i a) {
  const __m256i t = _mm256_add_epi16(_mm256_mullo_epi16(c, a), _mm256_set1_epi16(128));
  return _mm256_srli_epi16(_mm256_add_epi16(_mm256_srli_epi16(t, 8), t), 8);
}

__attribute__((target("avx2"))) void premul_avx2(const uint8_t* s, uint8_t* d, int64_t p0,
                                                 int64_t p1, int64_t C) {
  const __m256i shuf = alpha_shuffle(C), amask = alpha_lanes(C), zero = _mm256_setzero_si256();
  const int64_t per = 32 / C;  // pixels per step
  int64_t p = p0;
  for (; p + per <= p1; p += per) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + p * C));
    const __m256i a = _mm256_shuffle_epi8(v, shuf);
    const __m256i lo = muldiv255_16(_mm256_unpacklo_epi8(v, zero), _mm256_unpacklo_epi8(a, zero));
    const __m256i hi = muldiv255_16(_mm256_unpackhi_epi8(v, zero), _mm256_unpackhi_epi8(a, zero));
    const __m256i r = _mm256_blendv_epi8(_mm256_packus_epi16(lo, hi), v, amask);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + p * C), r);
  }
  premul_scalar(s, d, p, p1, C);
}

// Unpremultiply in 16-bit lanes without a division per byte: one float division per
// pixel gives M = trunc(65536 / a) + 1 (>= 65536 / a, less than 1 above it: the float
// quotient is correctly rounded and 65536 / a is an integer or at least 1/255 from one),
// so q = (x * M) >> 16 for x = c * 255 <= 65025 is floor(x / a) or one more
// (x * (M - 65536 / a) / 65536 < 1); the sign of x - q * a finds the second case.
// M for a = 1 (65537) does not fit 16 bits: clamped to 65535, and alpha 1 is done
// apart.  RGBA 1536^2, 1T: a float division per byte took ~1.37 ms, this form ~0.9 ms
// (premultiply, memory-bound: ~0.37 ms).
__attribute__((target("avx2"))) inline __m256i recip16(__m256i a32) {
  const __m256 q = _mm256_div_ps(_mm256_set1_ps(65536.0f),
                                 _mm256_cvtepi32_ps(_mm256_max_epi32(a32, _mm256_set1_epi32(1))));
  return _mm256_min_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(q), _mm256_set1_epi32(1)),
                          _mm256_set1_epi32(65535));
}

// floor(x / a) for 16 words x = c * 255 with c <= a (so x <= 255 * a), a >= 2, m = the
// pixels' M: q = (x * m) >> 16 is the quotient or one more; x - q * a (in [-a, a), read
// as a signed word) is negative exactly in the second case, and its sign bit corrects q.
__attribute__((target("avx2"))) inline __m256i quot16(__m256i c, __m256i a, __m256i m) {
  const __m256i x = _mm256_mullo_epi16(c, _mm256_set1_epi16(255));
  const __m256i q = _mm256_mulhi_epu16(x, m);
  const __m256i d = _mm256_sub_epi16(x, _mm256_mullo_epi16(q, a));
  return _mm256_add_epi16(q, _mm256_srai_epi16(d, 15));
}

__attribute__((target("avx2"))) void unpremul_avx2(const uint8_t* s, uint8_t* d, int64_t p0,
                                                   int64_t p1, int64_t C) {
  const __m256i shuf = alpha_shuffle(C), amask = alpha_lanes(C), zero = _mm256_setzero_si256();
  const __m256i one = _mm256_set1_epi8(1);
  // M dwords -> M words under the colour words of unpack{lo,hi}_epi8(v, 0)
  const __m256i lo4 = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 4, 5, 4, 5, 4, 5, 4, 5,
                                       0, 1, 0, 1, 0, 1, 0, 1, 4, 5, 4, 5, 4, 5, 4, 5);
  const __m256i hi4 = _mm256_setr_epi8(8, 9, 8, 9, 8, 9, 8, 9, 12, 13, 12, 13, 12, 13, 12, 13,
                                       8, 9, 8, 9, 8, 9, 8, 9, 12, 13, 12, 13, 12, 13, 12, 13);
  const __m256i two = _mm256_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13,
                                       0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13);
  const int64_t per = 32 / C;
  int64_t p = p0;
  for (; p + per <= p1; p += per) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + p * C));
    const __m256i a = _mm256_shuffle_epi8(v, shuf);
    // c >= a: c * 255 // a >= 255, clipped to 255 = (a * 255) // a: c -> min(c, a)
    const __m256i c = _mm256_min_epu8(v, a);
    __m256i mlo, mhi;
    if (C == 4) {
      const __m256i m = recip16(_mm256_srli_epi32(v, 24));
      mlo = _mm256_shuffle_epi8(m, lo4);
      mhi = _mm256_shuffle_epi8(m, hi4);
    } else {
      const __m256i aw = _mm256_srli_epi16(v, 8);  // pixels' alpha words
      mlo = _mm256_shuffle_epi8(recip16(_mm256_unpacklo_epi16(aw, zero)), two);
      mhi = _mm256_shuffle_epi8(recip16(_mm256_unpackhi_epi16(aw, zero)), two);
    }
    const __m256i lo = quot16(_mm256_unpacklo_epi8(c, zero), _mm256_unpacklo_epi8(a, zero), mlo);
    const __m256i hi = quot16(_mm256_unpackhi_epi8(c, zero), _mm256_unpackhi_epi8(a, zero), mhi);
    __m256i q = _mm256_packus_epi16(lo, hi);
    // alpha 1 (M does not fit 16 bits): c in {0, 1} -> 0 or 255, i.e. 0 - c as a byte
    q = _mm256_blendv_epi8(q, _mm256_sub_epi8(zero, c), _mm256_cmpeq_epi8(a, one));
    // alpha 0 copies the colour (alpha 255 divides exactly); alpha bytes are copied
    const __m256i keep = _mm256_or_si256(_mm256_cmpeq_epi8(a, zero), amask);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + p * C), _mm256_blendv_epi8(q, v, keep));
  }
  unpremul_scalar(s, d, p, p1, C);
}

const bool g_alpha_avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
#endif

// direction: 0 premultiply, 1 unpremultiply.  src and dst: C-contiguous uint8 arrays of
// one shape, last axis C (alpha last).  simd=false runs the scalar form (tests).
void alpha(const U8In& src, U8Out& dst, int direction, int64_t threads, bool simd) {
  if (threads < 1) throw std::invalid_argument("threads must be >= 1");
  if (direction != 0 && direction != 1)
    throw std::invalid_argument("direction must be 0 (premultiply) or 1 (unpremultiply)");
  if (src.ndim() < 1 || src.ndim() != dst.ndim())
    throw std::invalid_argument("alpha: src and dst need the same shape, channels last");
  int64_t n = 1;
  for (size_t i = 0; i < src.ndim(); ++i) {
    if (src.shape(i) != dst.shape(i))
      throw std::invalid_argument("alpha: src and dst need the same shape");
    n *= int64_t(src.shape(i));
  }
  const int64_t C = int64_t(src.shape(src.ndim() - 1));
  if (C < 1 || n == 0) return;
  const int64_t pixels = n / C;
  const uint8_t* s = src.data();
  uint8_t* d = dst.data();
  using Fn = void (*)(const uint8_t*, uint8_t*, int64_t, int64_t, int64_t);
  Fn fn = direction == 0 ? premul_scalar : unpremul_scalar;
#ifdef PG_ALPHA_X86
  if (simd && g_alpha_avx2 && (C == 2 || C == 4)) fn = direction == 0 ? premul_avx2 : unpremul_avx2;
#else
  (void)simd;
#endif
  // ~1 MB per chunk at least: the work per byte is a few instructions
  const int64_t chunk = std::max<int64_t>(int64_t(1) << 14, (pixels + 63) / 64);
  const int64_t nt = std::max<int64_t>(1, std::min<int64_t>(threads, (pixels + chunk - 1) / chunk));
  nb::gil_scoped_release release;
  parallel_run(pixels, nt, chunk, [&](int64_t p0, int64_t p1, int64_t) { fn(s, d, p0, p1, C); });
}

}  // namespace

void register_alpha(nb::module_& m) {
  m.def("alpha", &alpha, nb::arg("src"), nb::arg("dst"), nb::arg("direction"),
        nb::arg("threads"), nb::arg("simd") = true,
        "Premultiply (direction 0) or unpremultiply (1) 8-bit colour by its last channel "
        "(Pillow's MULDIV255 rule).");
}

}  // namespace pg
