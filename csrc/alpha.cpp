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
// one float32 division per pixel for a 24-bit reciprocal split in two words (recip_k
// below).  AVX-512BW (picked at run time too): the same, 64 bytes per step.
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

// Unpremultiply in 16-bit lanes without a division per byte.  After c -> min(c, a) (c >= a
// gives 255 = a * 255 // a), floor(255 c / a) = (c * K) >> 16 exactly for
// K = floor(255 * 2**16 / a) + 1: the product overshoots 255 c / a by c (K - 255 * 2**16 / a)
// / 2**16 in (0, c / 2**16], below 1 / a (c a <= 255 * 255 < 2**16), while a non-integer
// 255 c / a is at least 1 / a below the next integer.  K < 2**24 splits into Kh = K >> 16
// (<= 255) and Kl = K & 0xffff: (c * K) >> 16 = c * Kh + ((c * Kl) >> 16), one mullo and one
// mulhi per 16-bit lane (c * Kh <= 255 * 255).  K comes from one float division per pixel:
// trunc(f32(16711680) / f32(a)) is floor(16711680 / a) for every a in 1..255 (the float
// quotient is correctly rounded, and tests/test_native_alpha.py checks all 65,536 (c, a)
// pairs).  Alpha 0 keeps the colour (the lanes of a = 0 are replaced), alpha 255 divides
// exactly (K = 65537).  RGBA 2048^2 in place, 1T (standalone timing): the previous form
// (a 16-bit reciprocal and a one-step correction) 1.63 ms, this one 1.01 ms (AVX2) and
// 0.57 ms (AVX-512BW); premultiply 0.61 -> 0.32 ms with AVX-512BW.
__attribute__((target("avx2"))) inline __m256i recip_k(__m256i a32) {
  const __m256 q = _mm256_div_ps(_mm256_set1_ps(16711680.0f),
                                 _mm256_cvtepi32_ps(_mm256_max_epi32(a32, _mm256_set1_epi32(1))));
  return _mm256_add_epi32(_mm256_cvttps_epi32(q), _mm256_set1_epi32(1));
}

// floor(255 c / a) in 16-bit lanes: c (<= a), kh and kl the pixel's K halves
__attribute__((target("avx2"))) inline __m256i quot_k(__m256i c, __m256i kh, __m256i kl) {
  return _mm256_add_epi16(_mm256_mullo_epi16(c, kh), _mm256_mulhi_epu16(c, kl));
}

__attribute__((target("avx2"))) void unpremul_avx2(const uint8_t* s, uint8_t* d, int64_t p0,
                                                   int64_t p1, int64_t C) {
  const __m256i ff = _mm256_set1_epi16(0x00ff), zero = _mm256_setzero_si256();
  int64_t p = p0;
  if (C == 4) {
    const __m256i shuf = alpha_shuffle(4), amask = alpha_lanes(4);
    // K's low / high word into both words of its pixel's dword
    const __m256i lo_w = _mm256_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13,
                                          0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13);
    const __m256i hi_w = _mm256_setr_epi8(2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14,
                                          15, 2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15,
                                          14, 15);
    for (; p + 8 <= p1; p += 8) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + p * 4));
      const __m256i c = _mm256_min_epu8(v, _mm256_shuffle_epi8(v, shuf));
      const __m256i a32 = _mm256_srli_epi32(v, 24);
      const __m256i k = recip_k(a32);
      const __m256i kl = _mm256_shuffle_epi8(k, lo_w), kh = _mm256_shuffle_epi8(k, hi_w);
      // even bytes (R, B) and odd bytes (G, A) in 16-bit lanes
      const __m256i qe = quot_k(_mm256_and_si256(c, ff), kh, kl);
      const __m256i qo = quot_k(_mm256_srli_epi16(c, 8), kh, kl);
      const __m256i q = _mm256_or_si256(qe, _mm256_slli_epi16(qo, 8));
      // alpha bytes and the pixels of alpha 0: copied
      const __m256i keep = _mm256_or_si256(_mm256_cmpeq_epi32(a32, zero), amask);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + p * 4), _mm256_blendv_epi8(q, v, keep));
    }
  } else if (C == 2) {
    const __m256i lo16 = _mm256_set1_epi32(0xffff);
    for (; p + 16 <= p1; p += 16) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + p * 2));
      const __m256i aw = _mm256_srli_epi16(v, 8);  // pixels' alpha words
      const __m256i c = _mm256_min_epu16(_mm256_and_si256(v, ff), aw);
      const __m256i ke = recip_k(_mm256_and_si256(aw, lo16));  // even pixels (low words)
      const __m256i ko = recip_k(_mm256_srli_epi32(v, 24));     // odd pixels (high words)
      const __m256i kl = _mm256_blend_epi16(ke, _mm256_slli_epi32(ko, 16), 0xAA);
      const __m256i kh = _mm256_blend_epi16(_mm256_srli_epi32(ke, 16), ko, 0xAA);
      const __m256i r = _mm256_or_si256(quot_k(c, kh, kl), _mm256_andnot_si256(ff, v));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + p * 2),
                          _mm256_blendv_epi8(r, v, _mm256_cmpeq_epi16(aw, zero)));
    }
  }
  unpremul_scalar(s, d, p, p1, C);
}

// The same two conversions with AVX-512BW, 64 bytes a step (C = 2 or 4).
#define PG_AVX512 __attribute__((target("avx512f,avx512bw")))
PG_AVX512 inline __m512i muldiv255_32(__m512i c, __m512i a) {
  const __m512i t = _mm512_add_epi16(_mm512_mullo_epi16(c, a), _mm512_set1_epi16(128));
  return _mm512_srli_epi16(_mm512_add_epi16(_mm512_srli_epi16(t, 8), t), 8);
}

PG_AVX512 inline __m512i recip_k32(__m512i a32) {
  const __m512 q = _mm512_div_ps(_mm512_set1_ps(16711680.0f),
                                 _mm512_cvtepi32_ps(_mm512_max_epi32(a32, _mm512_set1_epi32(1))));
  return _mm512_add_epi32(_mm512_cvttps_epi32(q), _mm512_set1_epi32(1));
}

PG_AVX512 inline __m512i quot_k32(__m512i c, __m512i kh, __m512i kl) {
  return _mm512_add_epi16(_mm512_mullo_epi16(c, kh), _mm512_mulhi_epu16(c, kl));
}

// byte shuffle copying each pixel's alpha byte to its bytes, and the alpha-byte mask
PG_AVX512 inline __m512i alpha_shuffle32(int64_t C) {
  return C == 4 ? _mm512_set4_epi32(0x0f0f0f0f, 0x0b0b0b0b, 0x07070707, 0x03030303)
                : _mm512_set4_epi32(0x0f0f0d0d, 0x0b0b0909, 0x07070505, 0x03030101);
}
inline constexpr uint64_t alpha_bytes(int64_t C) {
  return C == 4 ? 0x8888888888888888ull : 0xaaaaaaaaaaaaaaaaull;
}

PG_AVX512 void premul_avx512(const uint8_t* s, uint8_t* d, int64_t p0, int64_t p1, int64_t C) {
  const __m512i shuf = alpha_shuffle32(C), zero = _mm512_setzero_si512();
  const __mmask64 am = alpha_bytes(C);
  const int64_t per = 64 / C;
  int64_t p = p0;
  for (; p + per <= p1; p += per) {
    const __m512i v = _mm512_loadu_si512(s + p * C);
    const __m512i a = _mm512_shuffle_epi8(v, shuf);
    const __m512i lo = muldiv255_32(_mm512_unpacklo_epi8(v, zero), _mm512_unpacklo_epi8(a, zero));
    const __m512i hi = muldiv255_32(_mm512_unpackhi_epi8(v, zero), _mm512_unpackhi_epi8(a, zero));
    _mm512_storeu_si512(d + p * C, _mm512_mask_blend_epi8(am, _mm512_packus_epi16(lo, hi), v));
  }
  premul_scalar(s, d, p, p1, C);
}

PG_AVX512 void unpremul_avx512(const uint8_t* s, uint8_t* d, int64_t p0, int64_t p1,
                               int64_t C) {
  const __m512i ff = _mm512_set1_epi16(0x00ff), zero = _mm512_setzero_si512();
  const __mmask64 am = alpha_bytes(C);
  int64_t p = p0;
  if (C == 4) {
    const __m512i shuf = alpha_shuffle32(4);
    const __m512i lo_w = _mm512_set4_epi32(0x0d0c0d0c, 0x09080908, 0x05040504, 0x01000100);
    const __m512i hi_w = _mm512_set4_epi32(0x0f0e0f0e, 0x0b0a0b0a, 0x07060706, 0x03020302);
    for (; p + 16 <= p1; p += 16) {
      const __m512i v = _mm512_loadu_si512(s + p * 4);
      const __m512i c = _mm512_min_epu8(v, _mm512_shuffle_epi8(v, shuf));
      const __m512i a32 = _mm512_srli_epi32(v, 24);
      const __m512i k = recip_k32(a32);
      const __m512i kl = _mm512_shuffle_epi8(k, lo_w), kh = _mm512_shuffle_epi8(k, hi_w);
      const __m512i qe = quot_k32(_mm512_and_si512(c, ff), kh, kl);
      const __m512i qo = quot_k32(_mm512_srli_epi16(c, 8), kh, kl);
      const __m512i q = _mm512_or_si512(qe, _mm512_slli_epi16(qo, 8));
      const __m512i r = _mm512_mask_blend_epi32(_mm512_cmpeq_epi32_mask(a32, zero), q, v);
      _mm512_storeu_si512(d + p * 4, _mm512_mask_blend_epi8(am, r, v));
    }
  } else if (C == 2) {
    const __m512i lo16 = _mm512_set1_epi32(0xffff);
    for (; p + 32 <= p1; p += 32) {
      const __m512i v = _mm512_loadu_si512(s + p * 2);
      const __m512i aw = _mm512_srli_epi16(v, 8);
      const __m512i c = _mm512_min_epu16(_mm512_and_si512(v, ff), aw);
      const __m512i ke = recip_k32(_mm512_and_si512(aw, lo16));
      const __m512i ko = recip_k32(_mm512_srli_epi32(v, 24));
      const __m512i kl = _mm512_mask_blend_epi16(0xaaaaaaaau, ke, _mm512_slli_epi32(ko, 16));
      const __m512i kh = _mm512_mask_blend_epi16(0xaaaaaaaau, _mm512_srli_epi32(ke, 16), ko);
      const __m512i r = _mm512_mask_blend_epi8(am, quot_k32(c, kh, kl), v);
      _mm512_storeu_si512(d + p * 2,
                          _mm512_mask_blend_epi16(_mm512_cmpeq_epi16_mask(aw, zero), r, v));
    }
  }
  unpremul_scalar(s, d, p, p1, C);
}
#undef PG_AVX512

const bool g_alpha_avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
const bool g_alpha_avx512 = g_alpha_avx2 && __builtin_cpu_supports("avx512f") &&
                            __builtin_cpu_supports("avx512bw");
#endif

// direction: 0 premultiply, 1 unpremultiply.  src and dst: C-contiguous uint8 arrays of
// one shape, last axis C (alpha last).  simd=false runs the scalar form, avx512=false
// the AVX2 form where AVX-512BW would run (tests).
void alpha(const U8In& src, U8Out& dst, int direction, int64_t threads, bool simd,
           bool avx512) {
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
  if (simd && g_alpha_avx2 && (C == 2 || C == 4)) {
    if (avx512 && g_alpha_avx512)
      fn = direction == 0 ? premul_avx512 : unpremul_avx512;
    else
      fn = direction == 0 ? premul_avx2 : unpremul_avx2;
  }
#else
  (void)simd;
  (void)avx512;
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
        nb::arg("threads"), nb::arg("simd") = true, nb::arg("avx512") = true,
        "Premultiply (direction 0) or unpremultiply (1) 8-bit colour by its last channel "
        "(Pillow's MULDIV255 rule).");
}

}  // namespace pg
