// OpenCV's own warpAffine kernels (opencv 5.1, warp_kernels.simd.hpp, IPP off) for uint8,
// uint16 and float32 with 1-4 channels, INTER_NEAREST and INTER_LINEAR: the compiled form
// of pixelgrid/_cv_warp.py (the numpy oracle; same rules, bit-identical).  Built twice:
// cv_warp_base.cpp (scalar) and cv_warp_avx2.cpp (-mavx2 -mfma, PG_CV_AVX2: 8-lane
// positions; NEAREST in groups of 8 (all outside a constant border: the border value; all
// inside: copied through vector-computed offsets); LINEAR in groups of 8 output pixels: a constant-border group whose taps are
// all outside is the border value, a group whose taps are all inside is computed with
// vectors (uint8/float32 with 3-4 channels: two pixels per register, each tap's channels
// loaded at once; otherwise per-channel gathers), any other group pixel by pixel; the
// ipp model: row_ipp, positions per group in registers; cv_warp_avx512.cpp, the same
// with PG_CV_AVX512: uint8 3-4 channel all-inside groups in 512-bit registers).
//
// The rules (one definition each, in the oracle):
//   * per output row y: t1 = f32(y * m1), Mx = f32(t1 + m2) (not fused), the same for y;
//     columns x < OW - OW % lanes (OpenCV's vector body): sx = fma(m0, x, Mx); the last
//     OW % lanes columns (OpenCV's scalar tail, contracted by its compiler):
//     sx = f32(fma(x, m0, t1) + m2);
//   * float -> int32 as the x86 conversions do (out of range: INT_MIN);
//   * LINEAR: ix = floor(sx), a = sx - ix in float32, four taps (each through the
//     border rule), r0 = fma(a, p01 - p00, p00), r1 = fma(a, p11 - p10, p10),
//     r = fma(b, r1 - r0, r0), stored rounded half to even and saturated (integers);
//   * NEAREST: ix = round_half_even(sx), the tap copied.
#ifndef PG_CVNS
#error "define PG_CVNS before including cv_warp.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cv_warp_types.h"

#ifdef PG_CV_AVX2
#include <immintrin.h>
#endif

namespace pg {
namespace cvwarp {
namespace PG_CVNS {
namespace {

// float -> int32 as cvtps2dq/cvttps2dq: NaN and values outside int32 give INT_MIN
inline int32_t to_i32(float f) {
  return (f >= -2147483648.0f && f < 2147483648.0f) ? static_cast<int32_t>(f) : INT32_MIN;
}

// The source index of tap p on an axis of n pixels under a mapped border (1-4).
inline int64_t border_index(int64_t p, int64_t n, int border) {
  switch (border) {
    case 1:
      return p < 0 ? 0 : (p >= n ? n - 1 : p);
    case 2: {
      const int64_t q = 2 * n, r = ((p % q) + q) % q;
      return r >= n ? q - 1 - r : r;
    }
    case 3:
      return ((p % n) + n) % n;
    case 4: {
      if (n == 1) return 0;
      const int64_t q = 2 * n - 2, r = ((p % q) + q) % q;
      return r >= n ? q - r : r;
    }
    default:
      return p;
  }
}

template <class T>
inline T store(float v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else {
    constexpr int32_t hi = std::is_same_v<T, uint8_t> ? 255 : 65535;
    const int32_t i = to_i32(std::nearbyint(v));  // cvRound: half to even
    return static_cast<T>(i < 0 ? 0 : (i > hi ? hi : i));
  }
}

// One tap's C values as float (constant border: fill outside).
template <class T, int C>
inline void tap(const CvWarpArgs& a, const T* src, int64_t iy, int64_t ix, float* v) {
  if (a.border == 0) {
    if (ix < 0 || ix >= a.W || iy < 0 || iy >= a.H) {
      for (int c = 0; c < C; ++c) v[c] = a.fill[c];
      return;
    }
  } else {
    ix = border_index(ix, a.W, a.border);
    iy = border_index(iy, a.H, a.border);
  }
  const T* p = src + (iy * a.W + ix) * C;
  for (int c = 0; c < C; ++c) v[c] = static_cast<float>(p[c]);
}

template <bool VF>
inline float lerp1(float fa, float fb, float p00, float p01, float p10, float p11) {
  if constexpr (VF) {  // vertical first (the ipp model)
    const float c0 = std::fma(fb, p10 - p00, p00), c1 = std::fma(fb, p11 - p01, p01);
    return std::fma(fa, c1 - c0, c0);
  } else {
    const float r0 = std::fma(fa, p01 - p00, p00), r1 = std::fma(fa, p11 - p10, p10);
    return std::fma(fb, r1 - r0, r0);
  }
}

template <class T, int C, bool VF>
inline void pixel_lin(const CvWarpArgs& a, const T* src, int32_t ix, int32_t iy, float fa,
                      float fb, T* out) {
  float p00[C], p01[C], p10[C], p11[C];
  tap<T, C>(a, src, iy, ix, p00);
  tap<T, C>(a, src, iy, int64_t(ix) + 1, p01);
  tap<T, C>(a, src, int64_t(iy) + 1, ix, p10);
  tap<T, C>(a, src, int64_t(iy) + 1, int64_t(ix) + 1, p11);
  for (int c = 0; c < C; ++c) out[c] = store<T>(lerp1<VF>(fa, fb, p00[c], p01[c], p10[c], p11[c]));
}

template <class T, int C>
inline void pixel_nearest(const CvWarpArgs& a, const T* src, float sx, float sy, T* out) {
  int64_t ix = to_i32(std::nearbyint(sx)), iy = to_i32(std::nearbyint(sy));
  if (a.border == 0) {
    if (ix < 0 || ix >= a.W || iy < 0 || iy >= a.H) {
      for (int c = 0; c < C; ++c) out[c] = static_cast<T>(a.fill[c]);
      return;
    }
  } else {
    ix = border_index(ix, a.W, a.border);
    iy = border_index(iy, a.H, a.border);
  }
  std::memcpy(out, src + (iy * a.W + ix) * C, sizeof(T) * C);
}

inline int32_t to_i32d(double f) {
  return (f >= -2147483648.0 && f < 2147483648.0) ? static_cast<int32_t>(f) : INT32_MIN;
}

// Source positions of output row y (see the header comment).
inline void row_positions(const CvWarpArgs& a, int64_t y, float* sx, float* sy) {
  const float fy = static_cast<float>(y);
  const float t1 = fy * a.m[1], t4 = fy * a.m[4];
  const float mx = t1 + a.m[2], my = t4 + a.m[5];
  const int64_t nb = a.lanes > 0 ? (a.OW / a.lanes) * a.lanes : 0;
  int64_t x = 0;
#ifdef PG_CV_AVX2
  const __m256 m0 = _mm256_set1_ps(a.m[0]), m3 = _mm256_set1_ps(a.m[3]);
  const __m256 vmx = _mm256_set1_ps(mx), vmy = _mm256_set1_ps(my);
  const __m256 iota = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
  for (; x + 8 <= nb; x += 8) {
    const __m256 xs = _mm256_add_ps(_mm256_set1_ps(static_cast<float>(x)), iota);
    _mm256_storeu_ps(sx + x, _mm256_fmadd_ps(m0, xs, vmx));
    _mm256_storeu_ps(sy + x, _mm256_fmadd_ps(m3, xs, vmy));
  }
#endif
  for (; x < nb; ++x) {
    sx[x] = std::fma(a.m[0], static_cast<float>(x), mx);
    sy[x] = std::fma(a.m[3], static_cast<float>(x), my);
  }
  for (; x < a.OW; ++x) {
    const float fx = static_cast<float>(x);
    sx[x] = std::fma(fx, a.m[0], t1) + a.m[2];
    sy[x] = std::fma(fx, a.m[3], t4) + a.m[5];
  }
}

// LINEAR taps and fractions of output row y: OpenCV's float32 positions (floor, a = sx - ix
// in float32) or, for the ipp model, double positions (rounded to float32 for uint8, as
// IPP's 8-bit kernels do; floor, a = f32(dx - floor(dx))).
inline void lin_row(const CvWarpArgs& a, int64_t y, float* sx, float* sy, int32_t* ix,
                    int32_t* iy, float* fa, float* fb) {
  int64_t x = 0;
  if (!a.ipp) {
    row_positions(a, y, sx, sy);
#ifdef PG_CV_AVX2
    for (; x + 8 <= a.OW; x += 8) {
      const __m256 vx = _mm256_loadu_ps(sx + x), vy = _mm256_loadu_ps(sy + x);
      const __m256i jx = _mm256_cvttps_epi32(_mm256_floor_ps(vx));
      const __m256i jy = _mm256_cvttps_epi32(_mm256_floor_ps(vy));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(ix + x), jx);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(iy + x), jy);
      _mm256_storeu_ps(fa + x, _mm256_sub_ps(vx, _mm256_cvtepi32_ps(jx)));
      _mm256_storeu_ps(fb + x, _mm256_sub_ps(vy, _mm256_cvtepi32_ps(jy)));
    }
#endif
    for (; x < a.OW; ++x) {
      ix[x] = to_i32(std::floor(sx[x]));
      iy[x] = to_i32(std::floor(sy[x]));
      fa[x] = sx[x] - static_cast<float>(ix[x]);
      fb[x] = sy[x] - static_cast<float>(iy[x]);
    }
    return;
  }
  const double u = static_cast<double>(y) * a.md[1], v = static_cast<double>(y) * a.md[4];
  const bool r32 = a.dtype == 0;  // IPP's 8-bit kernels round the positions to float32
#ifdef PG_CV_AVX2
  const __m256d m0 = _mm256_set1_pd(a.md[0]), m3 = _mm256_set1_pd(a.md[3]);
  const __m256d vu = _mm256_set1_pd(u), vv = _mm256_set1_pd(v);
  const __m256d m2 = _mm256_set1_pd(a.md[2]), m5 = _mm256_set1_pd(a.md[5]);
  const __m256d iota = _mm256_setr_pd(0, 1, 2, 3);
  for (; x + 4 <= a.OW; x += 4) {
    const __m256d xs = _mm256_add_pd(_mm256_set1_pd(static_cast<double>(x)), iota);
    __m256d dx = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(xs, m0), vu), m2);
    __m256d dy = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(xs, m3), vv), m5);
    if (r32) {
      dx = _mm256_cvtps_pd(_mm256_cvtpd_ps(dx));
      dy = _mm256_cvtps_pd(_mm256_cvtpd_ps(dy));
    }
    const __m256d fx = _mm256_floor_pd(dx), fy = _mm256_floor_pd(dy);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ix + x), _mm256_cvttpd_epi32(fx));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(iy + x), _mm256_cvttpd_epi32(fy));
    _mm_storeu_ps(fa + x, _mm256_cvtpd_ps(_mm256_sub_pd(dx, fx)));
    _mm_storeu_ps(fb + x, _mm256_cvtpd_ps(_mm256_sub_pd(dy, fy)));
  }
#endif
  for (; x < a.OW; ++x) {
    const double xd = static_cast<double>(x);
    double dx = (xd * a.md[0] + u) + a.md[2], dy = (xd * a.md[3] + v) + a.md[5];
    if (r32) {
      dx = static_cast<double>(static_cast<float>(dx));
      dy = static_cast<double>(static_cast<float>(dy));
    }
    const double fx = std::floor(dx), fy = std::floor(dy);
    ix[x] = to_i32d(fx);
    iy[x] = to_i32d(fy);
    fa[x] = static_cast<float>(dx - fx);
    fb[x] = static_cast<float>(dy - fy);
  }
}

#ifdef PG_CV_AVX2
template <bool VF>
inline __m256 lerp8(__m256 fa, __m256 fb, __m256 p00, __m256 p01, __m256 p10, __m256 p11) {
  if constexpr (VF) {
    const __m256 c0 = _mm256_fmadd_ps(fb, _mm256_sub_ps(p10, p00), p00);
    const __m256 c1 = _mm256_fmadd_ps(fb, _mm256_sub_ps(p11, p01), p01);
    return _mm256_fmadd_ps(fa, _mm256_sub_ps(c1, c0), c0);
  } else {
    const __m256 r0 = _mm256_fmadd_ps(fa, _mm256_sub_ps(p01, p00), p00);
    const __m256 r1 = _mm256_fmadd_ps(fa, _mm256_sub_ps(p11, p10), p10);
    return _mm256_fmadd_ps(fb, _mm256_sub_ps(r1, r0), r0);
  }
}

// Bytes past a tap pair's first element that the gathers of group() read in the lower
// row (beyond the last pixel only where the pair ends the buffer: guarded).
template <class T, int C>
constexpr int64_t over_bytes() {
  if constexpr (std::is_same_v<T, uint8_t>) return C == 1 ? 4 : (C == 2 ? C + 4 : 8);
  else if constexpr (std::is_same_v<T, uint16_t>) return 4 * C + 2;
  else return C == 3 || C == 4 ? 4 * (C + 4) : 8 * C;  // pairs_f32 reads 4 floats per tap
}

// One channel's four taps of 8 pixels (element offsets off of p00) as floats.
template <class T, int C>
inline void gather_taps(const T* src, __m256i off, int64_t row, int c, __m256& p00, __m256& p01,
                        __m256& p10, __m256& p11, const __m256i* g) {
  if constexpr (std::is_same_v<T, float>) {
    const __m256i o1 = _mm256_add_epi32(off, _mm256_set1_epi32(int32_t(row)));
    p00 = _mm256_i32gather_ps(src + c, off, 4);
    p01 = _mm256_i32gather_ps(src + C + c, off, 4);
    p10 = _mm256_i32gather_ps(src + c, o1, 4);
    p11 = _mm256_i32gather_ps(src + C + c, o1, 4);
  } else if constexpr (std::is_same_v<T, uint16_t>) {
    const __m256i o1 = _mm256_add_epi32(off, _mm256_set1_epi32(int32_t(row)));
    const __m256i k = _mm256_set1_epi32(0xFFFF);
    auto g16 = [&](int64_t e, __m256i o) {
      return _mm256_cvtepi32_ps(
          _mm256_and_si256(_mm256_i32gather_epi32(reinterpret_cast<const int*>(src + e), o, 2), k));
    };
    p00 = g16(c, off);
    p01 = g16(C + c, off);
    p10 = g16(c, o1);
    p11 = g16(C + c, o1);
  } else {  // uint8: g = the 32-bit words at p00, p01 (row 0) and p10, p11 (row 1)
    // byte c of each 32-bit word, zero-extended (one shuffle)
    const int8_t z = -128;
    const __m256i pick = _mm256_setr_epi8(
        int8_t(c), z, z, z, int8_t(c + 4), z, z, z, int8_t(c + 8), z, z, z, int8_t(c + 12), z, z, z,
        int8_t(c), z, z, z, int8_t(c + 4), z, z, z, int8_t(c + 8), z, z, z, int8_t(c + 12), z, z, z);
    auto byte = [&](__m256i w) { return _mm256_cvtepi32_ps(_mm256_shuffle_epi8(w, pick)); };
    p00 = byte(g[0]);
    p01 = byte(g[1]);
    p10 = byte(g[2]);
    p11 = byte(g[3]);
  }
}

// 8 LINEAR pixels whose four taps all lie inside the input; false: not all inside (or a
// gather could read past the buffer), the caller computes them one by one.
// float32 with 3 or 4 channels: two pixels per register, each tap's channels loaded as 4
// floats (one past the pixel for C == 3: guarded by lim); stores of 4 floats overlap the
// next pixel, which is stored after (the group's last pixel: C floats when it ends the row).
template <int C, bool VF>
inline void pairs_f32(const float* src, int64_t row, const int32_t* o, __m256 fa, __m256 fb,
                      float* out, bool ends_row) {
  for (int i = 0; i < 8; i += 2) {
    const float* pa = src + o[i];
    const float* pb = src + o[i + 1];
    auto two = [](const float* lo, const float* hi) {
      return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo)), _mm_loadu_ps(hi), 1);
    };
    const __m256 p00 = two(pa, pb), p01 = two(pa + C, pb + C);
    const __m256 p10 = two(pa + row, pb + row), p11 = two(pa + row + C, pb + row + C);
    const __m256i sel = _mm256_setr_epi32(i, i, i, i, i + 1, i + 1, i + 1, i + 1);
    const __m256 va = _mm256_permutevar8x32_ps(fa, sel), vb = _mm256_permutevar8x32_ps(fb, sel);
    const __m256 r = lerp8<VF>(va, vb, p00, p01, p10, p11);
    _mm_storeu_ps(out + i * C, _mm256_castps256_ps128(r));
    const __m128 hi = _mm256_extractf128_ps(r, 1);
    if (C == 4 || i < 6 || !ends_row) {
      _mm_storeu_ps(out + (i + 1) * C, hi);
    } else {
      _mm_storel_pi(reinterpret_cast<__m64*>(out + (i + 1) * C), hi);
      _mm_store_ss(out + (i + 1) * C + 2, _mm_movehl_ps(hi, hi));
    }
  }
}

// uint8 with 3 or 4 channels: two pixels per register, one per 128-bit lane holding the
// 8 bytes from p00 (p00's and p01's channels; 2 bytes past p01 for C == 3: guarded by lim)
// and the 8 from p10; taps widened by byte shuffles; stored 4 bytes per pixel in order
// (the row's last pixel: C bytes).
template <int C, bool VF>
inline void pairs_u8(const uint8_t* src, int64_t row, const int32_t* o, __m256 fa, __m256 fb,
                     uint8_t* out, bool ends_row) {
  const int8_t z = -128;
  const int8_t c3 = int8_t(C == 4 ? 3 : -128), c7 = int8_t(C == 4 ? 7 : -128);
  const int8_t c11 = int8_t(C == 4 ? 11 : -128), c15 = int8_t(C == 4 ? 15 : -128);
  const __m256i k00 = _mm256_setr_epi8(0, z, z, z, 1, z, z, z, 2, z, z, z, c3, z, z, z,
                                       0, z, z, z, 1, z, z, z, 2, z, z, z, c3, z, z, z);
  const __m256i k01 = _mm256_setr_epi8(int8_t(C), z, z, z, int8_t(C + 1), z, z, z,
                                       int8_t(C + 2), z, z, z, c7, z, z, z,
                                       int8_t(C), z, z, z, int8_t(C + 1), z, z, z,
                                       int8_t(C + 2), z, z, z, c7, z, z, z);
  const __m256i k10 = _mm256_setr_epi8(8, z, z, z, 9, z, z, z, 10, z, z, z, c11, z, z, z,
                                       8, z, z, z, 9, z, z, z, 10, z, z, z, c11, z, z, z);
  const __m256i k11 = _mm256_setr_epi8(int8_t(8 + C), z, z, z, int8_t(9 + C), z, z, z,
                                       int8_t(10 + C), z, z, z, c15, z, z, z,
                                       int8_t(8 + C), z, z, z, int8_t(9 + C), z, z, z,
                                       int8_t(10 + C), z, z, z, c15, z, z, z);
  for (int i = 0; i < 8; i += 2) {
    const uint8_t* pa = src + o[i];
    const uint8_t* pb = src + o[i + 1];
    int64_t a0, a1, b0, b1;
    std::memcpy(&a0, pa, 8);
    std::memcpy(&a1, pa + row, 8);
    std::memcpy(&b0, pb, 8);
    std::memcpy(&b1, pb + row, 8);
    const __m256i w = _mm256_set_epi64x(b1, b0, a1, a0);
    const __m256 p00 = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(w, k00));
    const __m256 p01 = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(w, k01));
    const __m256 p10 = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(w, k10));
    const __m256 p11 = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(w, k11));
    const __m256i sel = _mm256_setr_epi32(i, i, i, i, i + 1, i + 1, i + 1, i + 1);
    const __m256 va = _mm256_permutevar8x32_ps(fa, sel), vb = _mm256_permutevar8x32_ps(fb, sel);
    const __m256 r = lerp8<VF>(va, vb, p00, p01, p10, p11);
    // cvtps2dq rounds half to even; packs saturate to 0..255 (INT_MIN -> 0)
    __m256i q = _mm256_cvtps_epi32(r);
    q = _mm256_packus_epi32(q, q);
    q = _mm256_packus_epi16(q, q);
    const int32_t ua = _mm_cvtsi128_si32(_mm256_castsi256_si128(q));
    const int32_t ub = _mm_cvtsi128_si32(_mm256_extracti128_si256(q, 1));
    std::memcpy(out + i * C, &ua, 4);
    std::memcpy(out + (i + 1) * C, &ub, (C == 4 || i < 6 || !ends_row) ? 4 : C);
  }
}

// 8 pixels held as the low 3 bytes of each dword of w, stored as 24 packed bytes at out.
inline void store8_rgb(__m256i w, uint8_t* out) {
  const __m256i pk = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                      0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
  w = _mm256_shuffle_epi8(w, pk);
  const __m128i lo = _mm256_castsi256_si128(w), up = _mm256_extracti128_si256(w, 1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), lo);  // bytes 12-15: rewritten next
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 12), up);
  const int32_t last = _mm_extract_epi32(up, 2);
  std::memcpy(out + 20, &last, 4);
}

// uint8 with 3 or 4 channels: the 4 pairs' lerp results (pixels 2k, 2k+1 in r[k], one per
// 128-bit lane) stored as 8 * C bytes: cvtps2dq rounds half to even, the packs saturate
// (INT_MIN -> 0); the packs leave pixels in the dword order 0 2 4 6 | 1 3 5 7.
template <int C>
inline void store8_u8(const __m256* r, uint8_t* out) {
  const __m256i a = _mm256_packus_epi32(_mm256_cvtps_epi32(r[0]), _mm256_cvtps_epi32(r[1]));
  const __m256i b = _mm256_packus_epi32(_mm256_cvtps_epi32(r[2]), _mm256_cvtps_epi32(r[3]));
  __m256i w = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(a, b),
                                          _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  if constexpr (C == 4) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), w);
  } else {
    store8_rgb(w, out);
  }
}

// uint8 with 3 or 4 channels, vertical-first lerp (the ipp model): pixels 2k and 2k+1
// (offsets o[2k], o[2k+1]; vertical fractions jb[2k], jb[2k+1]), one per 128-bit lane
// of the result.  Each tap row's 8 bytes from p00 (p10) zero-extended at once (C == 4:
// [p00 | p01]; C == 3: p00 in dwords 0-2, p01 in 3-5, reading 2 bytes past p01: guarded
// by lim), so the vertical step c = fma(b, row1 - row0, row0) gives c0 and c1 of one
// pixel in one register; then r = fma(a, c1 - c0, c0) on [c0 of 2k | c0 of 2k+1] and
// [c1 | c1].
template <int C>
inline __m256 pair_u8_vf(const uint8_t* src, int64_t row, const int32_t* o, __m256 fa,
                         const float* jb, int i) {
  const uint8_t* pa = src + o[i];
  const uint8_t* pb = src + o[i + 1];
  auto taps = [&](const uint8_t* p) {
    return _mm256_cvtepi32_ps(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  };
  const __m256 a0 = taps(pa), a1 = taps(pa + row), b0 = taps(pb), b1 = taps(pb + row);
  const __m256 ca = _mm256_fmadd_ps(_mm256_broadcast_ss(jb + i), _mm256_sub_ps(a1, a0), a0);
  const __m256 cb = _mm256_fmadd_ps(_mm256_broadcast_ss(jb + i + 1), _mm256_sub_ps(b1, b0), b0);
  const __m256 c0 = _mm256_permute2f128_ps(ca, cb, 0x20);
  __m256 c1;
  if constexpr (C == 4) {
    c1 = _mm256_permute2f128_ps(ca, cb, 0x31);
  } else {  // c1: dwords 3-5 of ca and of cb, i.e. dword 3 of c0's lanes and 0-1 of the next
    const __m256 up = _mm256_permute2f128_ps(ca, cb, 0x31);
    c1 = _mm256_castsi256_ps(
        _mm256_alignr_epi8(_mm256_castps_si256(up), _mm256_castps_si256(c0), 12));
  }
  const __m256i sel = _mm256_setr_epi32(i, i, i, i, i + 1, i + 1, i + 1, i + 1);
  const __m256 va = _mm256_permutevar8x32_ps(fa, sel);
  return _mm256_fmadd_ps(va, _mm256_sub_ps(c1, c0), c0);
}

#ifdef PG_CV_AVX512
// AVX-512 form of pair_u8_vf and store8_u8 for all 8 pixels of an all-inside group: the
// vertical step of pixels 2k, 2k+1 in one register ([row0 taps of 2k | of 2k+1]: the two
// 8-byte runs zero-extended at once), the horizontal step of 4 pixels in one register
// (c0 of each in a 128-bit lane, c1 beside it), the same operations on the same values.
template <int C>
inline void group8_u8_vf512(const uint8_t* src, int64_t row, const int32_t* o, __m256 fa,
                            __m256 fb, uint8_t* out) {
  const __m512 fa16 = _mm512_zextps256_ps512(fa), fb16 = _mm512_zextps256_ps512(fb);
  __m512 cc[4];
  for (int k = 0; k < 4; ++k) {
    const uint8_t* pa = src + o[2 * k];
    const uint8_t* pb = src + o[2 * k + 1];
    auto two = [](const uint8_t* p, const uint8_t* q) {
      const __m128i v = _mm_castpd_si128(_mm_loadh_pd(
          _mm_castsi128_pd(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))),
          reinterpret_cast<const double*>(q)));
      return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(v));
    };
    const __m512 r0 = two(pa, pb), r1 = two(pa + row, pb + row);
    const __m512 vb = _mm512_permutexvar_ps(
        _mm512_set_epi32(2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1,
                         2 * k + 1, 2 * k + 1, 2 * k, 2 * k, 2 * k, 2 * k, 2 * k, 2 * k, 2 * k,
                         2 * k), fb16);
    cc[k] = _mm512_fmadd_ps(vb, _mm512_sub_ps(r1, r0), r0);  // [c0 c1 of 2k | c0 c1 of 2k+1]
  }
  __m512i q[2];
  for (int h = 0; h < 2; ++h) {
    const __m512 c0 = _mm512_shuffle_f32x4(cc[2 * h], cc[2 * h + 1], 0x88);  // lanes 0 2 | 0 2
    __m512 c1 = _mm512_shuffle_f32x4(cc[2 * h], cc[2 * h + 1], 0xDD);        // lanes 1 3 | 1 3
    if constexpr (C == 3)
      c1 = _mm512_castsi512_ps(_mm512_alignr_epi8(_mm512_castps_si512(c1),
                                                  _mm512_castps_si512(c0), 12));
    const int b = 4 * h;
    const __m512 va = _mm512_permutexvar_ps(
        _mm512_set_epi32(b + 3, b + 3, b + 3, b + 3, b + 2, b + 2, b + 2, b + 2, b + 1, b + 1,
                         b + 1, b + 1, b, b, b, b), fa16);
    const __m512 r = _mm512_fmadd_ps(va, _mm512_sub_ps(c1, c0), c0);
    // cvtps2dq rounds half to even; below 0 (INT_MIN included) -> 0, above 255 -> 255
    q[h] = _mm512_max_epi32(_mm512_cvtps_epi32(r), _mm512_setzero_si512());
  }
  const __m128i lo = _mm512_cvtusepi32_epi8(q[0]), hi = _mm512_cvtusepi32_epi8(q[1]);
  if constexpr (C == 4) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), lo);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), hi);
  } else {
    const __m128i pk = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    _mm_mask_storeu_epi8(out, 0x0FFF, _mm_shuffle_epi8(lo, pk));
    _mm_mask_storeu_epi8(out + 12, 0x0FFF, _mm_shuffle_epi8(hi, pk));
  }
}
#endif

template <class T, int C, bool VF>
inline bool group(const CvWarpArgs& a, const T* src, const int32_t* jx, const int32_t* jy,
                  const float* ja, const float* jb, T* out, int64_t lim, bool ends_row,
                  const T* fill8) {
  const __m256i ix = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(jx));
  const __m256i iy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(jy));
  const __m256i m1 = _mm256_set1_epi32(-1);
  if (a.border == 0) {  // all four taps of all 8 pixels outside: fma(a, f - f, f) = f
    __m256i far = _mm256_or_si256(_mm256_cmpgt_epi32(m1, ix),
                                  _mm256_cmpgt_epi32(ix, _mm256_set1_epi32(int32_t(a.W - 1))));
    far = _mm256_or_si256(far, _mm256_cmpgt_epi32(m1, iy));
    far = _mm256_or_si256(far, _mm256_cmpgt_epi32(iy, _mm256_set1_epi32(int32_t(a.H - 1))));
    if (_mm256_movemask_ps(_mm256_castsi256_ps(far)) == 0xFF) {
      std::memcpy(out, fill8, sizeof(T) * 8 * C);
      return true;
    }
  }
  __m256i ok = _mm256_and_si256(_mm256_cmpgt_epi32(ix, m1),
                                _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(a.W - 1)), ix));
  ok = _mm256_and_si256(ok, _mm256_cmpgt_epi32(iy, m1));
  ok = _mm256_and_si256(ok, _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(a.H - 1)), iy));
  const int64_t row = a.W * C;
  const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(iy, _mm256_set1_epi32(int32_t(row))),
                                       _mm256_mullo_epi32(ix, _mm256_set1_epi32(C)));
  ok = _mm256_andnot_si256(_mm256_cmpgt_epi32(off, _mm256_set1_epi32(int32_t(lim))), ok);
  if (_mm256_movemask_ps(_mm256_castsi256_ps(ok)) != 0xFF) return false;
  const __m256 fa = _mm256_loadu_ps(ja), fb = _mm256_loadu_ps(jb);
  if constexpr (std::is_same_v<T, float> && (C == 3 || C == 4)) {
    alignas(32) int32_t o[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(o), off);
    // read back from memory (here and at each offsets store below): the compiler would
    // otherwise move the 8 offsets to general registers one shuffle and one move at a
    // time (16 vector operations, half on the shuffle port, against 8 loads; the ipp
    // model's uint8 1024^2 x 3 rotation, one thread, min of 40 interleaved calls:
    // 3.12-3.18 -> 2.93-2.98 ms, cv2 2.89-2.93)
    asm("" : "+m"(o));
    pairs_f32<C, VF>(src, row, o, fa, fb, out, ends_row);
    return true;
  }
  if constexpr (std::is_same_v<T, uint8_t> && (C == 3 || C == 4)) {
    alignas(32) int32_t o[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(o), off);
    asm("" : "+m"(o));
    pairs_u8<C, VF>(src, row, o, fa, fb, out, ends_row);
    return true;
  }
  __m256i g[4];
  if constexpr (std::is_same_v<T, uint8_t>) {
    const int* b0 = reinterpret_cast<const int*>(src);
    const int* b1 = reinterpret_cast<const int*>(src + row);
    g[0] = _mm256_i32gather_epi32(b0, off, 1);
    g[2] = _mm256_i32gather_epi32(b1, off, 1);
    if constexpr (C == 1) {
      g[1] = _mm256_srli_epi32(g[0], 8);
      g[3] = _mm256_srli_epi32(g[2], 8);
    } else {
      g[1] = _mm256_i32gather_epi32(reinterpret_cast<const int*>(src + C), off, 1);
      g[3] = _mm256_i32gather_epi32(reinterpret_cast<const int*>(src + row + C), off, 1);
    }
  }
  __m256 r[C];
  for (int c = 0; c < C; ++c) {
    __m256 p00, p01, p10, p11;
    gather_taps<T, C>(src, off, row, c, p00, p01, p10, p11, g);
    r[c] = lerp8<VF>(fa, fb, p00, p01, p10, p11);
  }
  if constexpr (std::is_same_v<T, float>) {
    if constexpr (C == 1) {
      _mm256_storeu_ps(out, r[0]);
    } else {
      alignas(32) float t[C][8];
      for (int c = 0; c < C; ++c) _mm256_store_ps(t[c], r[c]);
      for (int i = 0; i < 8; ++i)
        for (int c = 0; c < C; ++c) out[i * C + c] = t[c][i];
    }
  } else {
    constexpr int32_t hi = std::is_same_v<T, uint8_t> ? 255 : 65535;
    __m256i q[C];
    for (int c = 0; c < C; ++c)  // cvtps2dq rounds half to even; out of range: INT_MIN -> 0
      q[c] = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(r[c]), _mm256_setzero_si256()),
                              _mm256_set1_epi32(hi));
    if constexpr (std::is_same_v<T, uint8_t> && (C == 3 || C == 4)) {
      __m256i w = _mm256_or_si256(q[0], _mm256_slli_epi32(q[1], 8));
      w = _mm256_or_si256(w, _mm256_slli_epi32(q[2], 16));
      if constexpr (C == 4) {
        w = _mm256_or_si256(w, _mm256_slli_epi32(q[3], 24));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), w);
      } else {
        store8_rgb(w, out);
      }
    } else {
      alignas(32) int32_t t[C][8];
      for (int c = 0; c < C; ++c) _mm256_store_si256(reinterpret_cast<__m256i*>(t[c]), q[c]);
      for (int i = 0; i < 8; ++i)
        for (int c = 0; c < C; ++c) out[i * C + c] = static_cast<T>(t[c][i]);
    }
  }
  return true;
}
// 8 NEAREST pixels: all outside a constant border (the border value) or all inside (copied
// through their offsets); false: the caller computes them one by one.
template <class T, int C>
inline bool group_nearest(const CvWarpArgs& a, const T* src, const float* sx, const float* sy,
                          T* out, const T* fill8) {
  // cvtps2dq rounds half to even (cvRound); out of range: INT_MIN
  const __m256i ix = _mm256_cvtps_epi32(_mm256_loadu_ps(sx));
  const __m256i iy = _mm256_cvtps_epi32(_mm256_loadu_ps(sy));
  const __m256i m1 = _mm256_set1_epi32(-1);
  const __m256i wl = _mm256_set1_epi32(int32_t(a.W)), hl = _mm256_set1_epi32(int32_t(a.H));
  const __m256i in = _mm256_and_si256(
      _mm256_and_si256(_mm256_cmpgt_epi32(ix, m1), _mm256_cmpgt_epi32(wl, ix)),
      _mm256_and_si256(_mm256_cmpgt_epi32(iy, m1), _mm256_cmpgt_epi32(hl, iy)));
  const int mask = _mm256_movemask_ps(_mm256_castsi256_ps(in));
  if (mask == 0 && a.border == 0) {
    std::memcpy(out, fill8, sizeof(T) * 8 * C);
    return true;
  }
  if (mask != 0xFF) return false;
  const __m256i off = _mm256_add_epi32(
      _mm256_mullo_epi32(iy, _mm256_set1_epi32(int32_t(a.W * C))),
      _mm256_mullo_epi32(ix, _mm256_set1_epi32(C)));
  alignas(32) int32_t o[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(o), off);
  asm("" : "+m"(o));
  for (int i = 0; i < 8; ++i) std::memcpy(out + i * C, src + o[i], sizeof(T) * C);
  return true;
}

// Columns [x0, x1) of output row y in the ipp model, 8 pixels per step: positions in
// registers, (x * md0 + y * md1) + md2 in double as lin_row; uint8: rounded to float32,
// then floor and fraction in float32 (f - floor(f) is exact: the values of lin_row's
// double floor and f32(dx - fx) of the rounded dx); else floor in double, fraction
// f32(dx - fx).  Groups all inside: vector lerp (uint8 with 3-4 channels: pair_u8_vf and
// one packed store; float32 with 3-4: pairs_f32; else group()); all outside a constant
// border: the border value; any other group and the last OW % 8 pixels one by one.
template <class T, int C>
void row_ipp(const CvWarpArgs& a, int64_t y, int64_t x0, int64_t x1, const T* src, T* out,
             int64_t lim, const T* fill8) {
  constexpr bool u8 = std::is_same_v<T, uint8_t>;
  const double u = static_cast<double>(y) * a.md[1], v = static_cast<double>(y) * a.md[4];
  const __m256d m0 = _mm256_set1_pd(a.md[0]), m3 = _mm256_set1_pd(a.md[3]);
  const __m256d vu = _mm256_set1_pd(u), vv = _mm256_set1_pd(v);
  const __m256d m2 = _mm256_set1_pd(a.md[2]), m5 = _mm256_set1_pd(a.md[5]);
  const __m256d four = _mm256_set1_pd(4.0), eight = _mm256_set1_pd(8.0);
  const __m256i m1 = _mm256_set1_epi32(-1);
  const __m256i wm1 = _mm256_set1_epi32(int32_t(a.W - 1)), hm1 = _mm256_set1_epi32(int32_t(a.H - 1));
  const __m256i wm2 = _mm256_set1_epi32(int32_t(a.W - 2)), hm2 = _mm256_set1_epi32(int32_t(a.H - 2));
  const int64_t row = a.W * C;
  const __m256i vrow = _mm256_set1_epi32(int32_t(row));
  const __m256i vlim = _mm256_set1_epi32(int32_t(lim));
  const double xd0 = static_cast<double>(x0);
  __m256d xs = _mm256_setr_pd(xd0, xd0 + 1, xd0 + 2, xd0 + 3);
  alignas(32) int32_t jx[8], jy[8], o[8];
  alignas(32) float ja[8], jb[8];
  int64_t x = x0;
  // the element offset from a point's taps to those of the point 32 columns on (rounded:
  // a prefetch is a hint), whose source lines all-inside groups prefetch: a rotated row
  // walks the source across its rows, line by line, where no hardware prefetcher follows
  // (the 1024^2 x 3 rotation, one thread, min of 40 interleaved calls, ratio to cv2 with
  // IPP: uint8 1.01-1.02 -> 0.98-0.99, float32 1.02-1.03 -> 0.92-0.93; 16 and 24 columns
  // on gained less, 64 and 128 less)
  constexpr double kAhead = 32.0;
  const double pd = std::nearbyint(kAhead * a.md[3]) * double(row) +
                    std::nearbyint(kAhead * a.md[0]) * C;
  const __m256i vpdel = _mm256_set1_epi32(static_cast<int32_t>(
      std::isfinite(pd) ? std::min(std::max(pd, -1073741824.0), 1073741824.0) : 0.0));
  const __m256i vplast = _mm256_set1_epi32(static_cast<int32_t>((a.H - 1) * row - 1));
#ifdef PG_CV_AVX512
  const __m512d m0w = _mm512_set1_pd(a.md[0]), m3w = _mm512_set1_pd(a.md[3]);
  const __m512d vuw = _mm512_set1_pd(u), vvw = _mm512_set1_pd(v);
  const __m512d m2w = _mm512_set1_pd(a.md[2]), m5w = _mm512_set1_pd(a.md[5]);
  const __m512d eightw = _mm512_set1_pd(8.0);
  __m512d xw = _mm512_add_pd(_mm512_set1_pd(xd0), _mm512_setr_pd(0, 1, 2, 3, 4, 5, 6, 7));
#endif
  for (; x + 8 <= x1; x += 8) {
    const __m256d xh = _mm256_add_pd(xs, four);
    __m256i ix, iy;
    __m256 fa, fb;
#ifdef PG_CV_AVX512
    if constexpr (true) {  // the same operations, 8 doubles per register (AVX2 form unused)
      const __m512d dx = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(xw, m0w), vuw), m2w);
      const __m512d dy = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(xw, m3w), vvw), m5w);
      xw = _mm512_add_pd(xw, eightw);
      if constexpr (u8) {
        const __m256 sx = _mm512_cvtpd_ps(dx), sy = _mm512_cvtpd_ps(dy);
        const __m256 flx = _mm256_floor_ps(sx), fly = _mm256_floor_ps(sy);
        ix = _mm256_cvttps_epi32(flx);
        iy = _mm256_cvttps_epi32(fly);
        fa = _mm256_sub_ps(sx, flx);
        fb = _mm256_sub_ps(sy, fly);
      } else {
        constexpr int dn = _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC;
        const __m512d flx = _mm512_roundscale_pd(dx, dn), fly = _mm512_roundscale_pd(dy, dn);
        ix = _mm512_cvttpd_epi32(flx);
        iy = _mm512_cvttpd_epi32(fly);
        fa = _mm512_cvtpd_ps(_mm512_sub_pd(dx, flx));
        fb = _mm512_cvtpd_ps(_mm512_sub_pd(dy, fly));
      }
    } else
#endif
    if constexpr (u8) {
      auto pos = [&](__m256d m, __m256d t, __m256d s) {
        const __m128 lo = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(xs, m), t), s));
        const __m128 hi = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(xh, m), t), s));
        return _mm256_set_m128(hi, lo);
      };
      const __m256 sx = pos(m0, vu, m2), sy = pos(m3, vv, m5);
      const __m256 flx = _mm256_floor_ps(sx), fly = _mm256_floor_ps(sy);
      ix = _mm256_cvttps_epi32(flx);
      iy = _mm256_cvttps_epi32(fly);
      fa = _mm256_sub_ps(sx, flx);
      fb = _mm256_sub_ps(sy, fly);
    } else {
      auto pos = [&](__m256d m, __m256d t, __m256d s, __m256i& i, __m256& f) {
        const __m256d d0 = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(xs, m), t), s);
        const __m256d d1 = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(xh, m), t), s);
        const __m256d f0 = _mm256_floor_pd(d0), f1 = _mm256_floor_pd(d1);
        i = _mm256_set_m128i(_mm256_cvttpd_epi32(f1), _mm256_cvttpd_epi32(f0));
        f = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_sub_pd(d1, f1)),
                            _mm256_cvtpd_ps(_mm256_sub_pd(d0, f0)));
      };
      pos(m0, vu, m2, ix, fa);
      pos(m3, vv, m5, iy, fb);
    }
    xs = _mm256_add_pd(xs, eight);
    T* po = out + x * C;
    constexpr bool pairs = (C == 3 || C == 4) && (u8 || std::is_same_v<T, float>);
    if constexpr (pairs) {
      // all taps inside: 0 <= ix <= W - 2 as one unsigned comparison (min_epu32), the same
      // for iy, and the tap rows' reads within the buffer (off <= lim)
      const __m256i ok = _mm256_and_si256(_mm256_cmpeq_epi32(_mm256_min_epu32(ix, wm2), ix),
                                          _mm256_cmpeq_epi32(_mm256_min_epu32(iy, hm2), iy));
      const __m256i ixc = C == 4 ? _mm256_slli_epi32(ix, 2)
                                 : _mm256_add_epi32(ix, _mm256_add_epi32(ix, ix));
      const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(iy, vrow), ixc);
      if (_mm256_movemask_ps(_mm256_castsi256_ps(
              _mm256_andnot_si256(_mm256_cmpgt_epi32(off, vlim), ok))) == 0xFF) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(o), off);
        asm("" : "+m"(o));
        {  // both tap rows of the group's first and last points, 32 columns on (kept on
           // the source)
          alignas(32) int32_t pf[8];
          _mm256_store_si256(reinterpret_cast<__m256i*>(pf),
                             _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(off, vpdel),
                                                               _mm256_setzero_si256()),
                                              vplast));
          asm("" : "+m"(pf));
          _mm_prefetch(reinterpret_cast<const char*>(src + pf[0]), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(src + pf[0] + row), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(src + pf[7]), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(src + pf[7] + row), _MM_HINT_T0);
        }
        if constexpr (u8) {
#ifdef PG_CV_AVX512
          group8_u8_vf512<C>(src, row, o, fa, fb, po);
          continue;
#endif
          _mm256_store_ps(jb, fb);
          __m256 r[4];
          for (int k = 0; k < 4; ++k) r[k] = pair_u8_vf<C>(src, row, o, fa, jb, 2 * k);
          store8_u8<C>(r, po);
        } else {
          pairs_f32<C, true>(src, row, o, fa, fb, po, x + 8 == a.OW);
        }
        continue;
      }
    }
    if (a.border == 0) {  // all four taps of all 8 pixels outside: the border value
      __m256i far = _mm256_or_si256(_mm256_cmpgt_epi32(m1, ix), _mm256_cmpgt_epi32(ix, wm1));
      far = _mm256_or_si256(far, _mm256_cmpgt_epi32(m1, iy));
      far = _mm256_or_si256(far, _mm256_cmpgt_epi32(iy, hm1));
      if (_mm256_movemask_ps(_mm256_castsi256_ps(far)) == 0xFF) {
        std::memcpy(po, fill8, sizeof(T) * 8 * C);
        continue;
      }
    }
    _mm256_store_si256(reinterpret_cast<__m256i*>(jx), ix);
    _mm256_store_si256(reinterpret_cast<__m256i*>(jy), iy);
    _mm256_store_ps(ja, fa);
    _mm256_store_ps(jb, fb);
    if constexpr (!pairs) {
      if (group<T, C, true>(a, src, jx, jy, ja, jb, po, lim, x + 8 == a.OW, fill8)) continue;
    }
    for (int i = 0; i < 8; ++i) pixel_lin<T, C, true>(a, src, jx[i], jy[i], ja[i], jb[i], po + i * C);
  }
  for (; x < x1; ++x) {  // lin_row's scalar formula
    const double xd = static_cast<double>(x);
    double dx = (xd * a.md[0] + u) + a.md[2], dy = (xd * a.md[3] + v) + a.md[5];
    if constexpr (u8) {
      dx = static_cast<double>(static_cast<float>(dx));
      dy = static_cast<double>(static_cast<float>(dy));
    }
    const double fx = std::floor(dx), fy = std::floor(dy);
    pixel_lin<T, C, true>(a, src, to_i32d(fx), to_i32d(fy), static_cast<float>(dx - fx),
                          static_cast<float>(dy - fy), out + x * C);
  }
}
#endif

template <class T, int C, bool LIN, bool VF>
void rows(const CvWarpArgs& a, int64_t y0, int64_t y1) {
  const size_t n = static_cast<size_t>(a.OW + 8);
  std::vector<float> buf(4 * n);
  std::vector<int32_t> ibuf(LIN ? 2 * n : 0);
  float* sx = buf.data();
  float* sy = sx + n;
  float* fa = sy + n;
  float* fb = fa + n;
  int32_t* ix = ibuf.data();
  int32_t* iy = LIN ? ix + n : nullptr;
  const T* src = static_cast<const T*>(a.src);
  T* dst = static_cast<T*>(a.dst);
#ifdef PG_CV_AVX2
  // the gathers use int32 element offsets; the last tap pairs' gathers are guarded
  const int64_t total = a.H * a.W * C;
  const bool vec = (LIN ? a.W >= 2 && a.H >= 2 : true) && total < (int64_t(1) << 30);
  const int64_t lim = (total * int64_t(sizeof(T)) - over_bytes<T, C>()) / int64_t(sizeof(T)) - a.W * C;
  T fill8[8 * C];  // 8 pixels of the border value (as store() gives it)
  for (int i = 0; i < 8; ++i)
    for (int c = 0; c < C; ++c) fill8[i * C + c] = store<T>(a.fill[c]);
#endif
#ifdef PG_CV_AVX2
  if constexpr (LIN && VF) {
    if (vec) {  // (64-column tiles down the rows measured no faster: uint8 2.27 -> 2.20
                // ms, float32 3.8 -> 5.3 ms)
      for (int64_t y = y0; y < y1; ++y)
        row_ipp<T, C>(a, y, 0, a.OW, src, dst + y * a.OW * C, lim, fill8);
      return;
    }
  }
#endif
  for (int64_t y = y0; y < y1; ++y) {
    if constexpr (LIN) lin_row(a, y, sx, sy, ix, iy, fa, fb);
    else row_positions(a, y, sx, sy);
    T* out = dst + y * a.OW * C;
    auto one = [&](int64_t i) {
      if constexpr (LIN) pixel_lin<T, C, VF>(a, src, ix[i], iy[i], fa[i], fb[i], out + i * C);
      else pixel_nearest<T, C>(a, src, sx[i], sy[i], out + i * C);
    };
    int64_t x = 0;
#ifdef PG_CV_AVX2
    if (vec) {
      for (; x + 8 <= a.OW; x += 8) {
        bool done;
        if constexpr (LIN)
          done = group<T, C, VF>(a, src, ix + x, iy + x, fa + x, fb + x, out + x * C, lim,
                                 x + 8 == a.OW, fill8);
        else
          done = group_nearest<T, C>(a, src, sx + x, sy + x, out + x * C, fill8);
        if (!done)
          for (int64_t i = x; i < x + 8; ++i) one(i);
      }
    }
#endif
    for (; x < a.OW; ++x) one(x);
  }
}

template <class T, bool LIN, bool VF>
void by_channels(const CvWarpArgs& a, int64_t y0, int64_t y1) {
  switch (a.C) {
    case 1: rows<T, 1, LIN, VF>(a, y0, y1); break;
    case 2: rows<T, 2, LIN, VF>(a, y0, y1); break;
    case 3: rows<T, 3, LIN, VF>(a, y0, y1); break;
    default: rows<T, 4, LIN, VF>(a, y0, y1); break;
  }
}

template <class T>
void by_mode(const CvWarpArgs& a, int64_t y0, int64_t y1) {
  if (!a.linear) by_channels<T, false, false>(a, y0, y1);
  else if (a.ipp) by_channels<T, true, true>(a, y0, y1);
  else by_channels<T, true, false>(a, y0, y1);
}

}  // namespace

void warp_rows(const CvWarpArgs& a, int64_t y0, int64_t y1) {
  if (a.dtype == 0) by_mode<uint8_t>(a, y0, y1);
  else if (a.dtype == 1) by_mode<uint16_t>(a, y0, y1);
  else by_mode<float>(a, y0, y1);
}

}  // namespace PG_CVNS
}  // namespace cvwarp
}  // namespace pg
