// PyTorch's channels-last float32 bilinear kernel (cpu_upsample_linear_channels_last) as
// the corner-sum model declares it: _torch_corners of src/pixelgrid/_engines/corner_sum.py
// (fma="torch_corners") is the definition this reproduces bit for bit.  Each output adds
// its four corners x_hw weighted by w_hw = f32(a_h * b_w), as fused multiply-adds:
//   scalar channels: fma(x11, w11, fma(x10, w10, fma(x00, w00, f32(x01 w01))))
//   vector channels (c < C - C % lanes): fma(x00, w00, fma(x01, w01, fma(x11, w11, f32(x10 w10))))
// Included by models_base.cpp / models_avx2.cpp (one build per ISA).
#pragma once
#include <cmath>
#include <cstdint>

#include "torch_corners_types.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace pg {
namespace PG_KNS {

// Channels-last memory: units u = b * OH + oh; each output pixel's channels in blocks of
// 8 (the vector order) and then one by one (the scalar order).
inline void torch_corners_pixels(const TorchCornersArgs& a, int64_t u0, int64_t u1) {
  const int64_t OW = a.OW, OH = a.OH, C = a.C;
  const int64_t vec_c = a.lanes > 0 ? C - C % a.lanes : 0;
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t oh = u % OH, b = u / OH;
    const float* r0 = a.src + b * a.sB + int64_t(a.h0[oh]) * a.sH;
    const float* r1 = a.src + b * a.sB + int64_t(a.h1[oh]) * a.sH;
    const float ah0 = a.ah0[oh], ah1 = a.ah1[oh];
    float* drow = a.dst + b * a.dB + oh * a.dH;
    for (int64_t o = 0; o < OW; ++o) {
      const float* p00 = r0 + a.off0[o];
      const float* p01 = r0 + a.off1[o];
      const float* p10 = r1 + a.off0[o];
      const float* p11 = r1 + a.off1[o];
      const float w00 = ah0 * a.bw0[o], w01 = ah0 * a.bw1[o];
      const float w10 = ah1 * a.bw0[o], w11 = ah1 * a.bw1[o];
      float* d = drow + o * a.dW;
      int64_t c = 0;
      if (a.lanes == 8) {
#ifdef __AVX2__
        const __m256 v00 = _mm256_set1_ps(w00), v01 = _mm256_set1_ps(w01);
        const __m256 v10 = _mm256_set1_ps(w10), v11 = _mm256_set1_ps(w11);
        for (; c < vec_c; c += 8)
          _mm256_storeu_ps(d + c, _mm256_fmadd_ps(
              _mm256_loadu_ps(p00 + c), v00, _mm256_fmadd_ps(
                  _mm256_loadu_ps(p01 + c), v01, _mm256_fmadd_ps(
                      _mm256_loadu_ps(p11 + c), v11,
                      _mm256_mul_ps(_mm256_loadu_ps(p10 + c), v10)))));
#endif
      }
      for (; c < vec_c; ++c)
        d[c] = std::fma(p00[c], w00, std::fma(p01[c], w01, std::fma(p11[c], w11, p10[c] * w10)));
      for (; c < C; ++c)
        d[c] = std::fma(p11[c], w11, std::fma(p10[c], w10, std::fma(p00[c], w00, p01[c] * w01)));
    }
  }
}

// Units u in [u0, u1): u = (b * C + c) * OH + oh, one output row of one channel.
inline void torch_corners_rows(const TorchCornersArgs& a, int64_t u0, int64_t u1) {
  const int64_t OW = a.OW, OH = a.OH, C = a.C;
  const int64_t vec_c = a.lanes > 0 ? C - C % a.lanes : 0;
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t oh = u % OH, bc = u / OH, c = bc % C, b = bc / C;
    const float* base = a.src + b * a.sB + c * a.sC;
    const float* r0 = base + int64_t(a.h0[oh]) * a.sH;
    const float* r1 = base + int64_t(a.h1[oh]) * a.sH;
    const float ah0 = a.ah0[oh], ah1 = a.ah1[oh];
    float* d = a.dst + b * a.dB + c * a.dC + oh * a.dH;
    const int64_t dW = a.dW;
    const bool vec = c < vec_c;
    int64_t o = 0;
#ifdef __AVX2__
    const __m256 va0 = _mm256_set1_ps(ah0), va1 = _mm256_set1_ps(ah1);
    for (; dW == 1 && o + 8 <= OW; o += 8) {
      const __m256i j0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.off0 + o));
      const __m256i j1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.off1 + o));
      const __m256 b0 = _mm256_loadu_ps(a.bw0 + o), b1 = _mm256_loadu_ps(a.bw1 + o);
      __m256 x00, x01, x10, x11;
      // adjacent columns and every tap within the 8 from the first (upsampling): one load
      // per row, permuted; else gathers
      const int32_t lo = a.off0[o];
      const __m256i base = _mm256_set1_epi32(lo);
      const __m256i d0 = _mm256_sub_epi32(j0, base), d1 = _mm256_sub_epi32(j1, base);
      if (a.sW == 1 && lo >= 0 && lo + 8 <= a.W &&
          _mm256_testz_si256(_mm256_or_si256(d0, d1), _mm256_set1_epi32(~7))) {
        const __m256 v0 = _mm256_loadu_ps(r0 + lo), v1 = _mm256_loadu_ps(r1 + lo);
        x00 = _mm256_permutevar8x32_ps(v0, d0);
        x01 = _mm256_permutevar8x32_ps(v0, d1);
        x10 = _mm256_permutevar8x32_ps(v1, d0);
        x11 = _mm256_permutevar8x32_ps(v1, d1);
      } else {
        x00 = _mm256_i32gather_ps(r0, j0, 4);
        x01 = _mm256_i32gather_ps(r0, j1, 4);
        x10 = _mm256_i32gather_ps(r1, j0, 4);
        x11 = _mm256_i32gather_ps(r1, j1, 4);
      }
      const __m256 w00 = _mm256_mul_ps(va0, b0), w01 = _mm256_mul_ps(va0, b1);
      const __m256 w10 = _mm256_mul_ps(va1, b0), w11 = _mm256_mul_ps(va1, b1);
      __m256 r;
      if (vec)
        r = _mm256_fmadd_ps(x00, w00, _mm256_fmadd_ps(x01, w01, _mm256_fmadd_ps(
                x11, w11, _mm256_mul_ps(x10, w10))));
      else
        r = _mm256_fmadd_ps(x11, w11, _mm256_fmadd_ps(x10, w10, _mm256_fmadd_ps(
                x00, w00, _mm256_mul_ps(x01, w01))));
      _mm256_storeu_ps(d + o, r);
    }
#endif
    for (; o < OW; ++o) {
      const float b0 = a.bw0[o], b1 = a.bw1[o];
      const float x00 = r0[a.off0[o]], x01 = r0[a.off1[o]];
      const float x10 = r1[a.off0[o]], x11 = r1[a.off1[o]];
      const float w00 = ah0 * b0, w01 = ah0 * b1, w10 = ah1 * b0, w11 = ah1 * b1;
      d[o * dW] = vec ? std::fma(x00, w00, std::fma(x01, w01, std::fma(x11, w11, x10 * w10)))
                      : std::fma(x11, w11, std::fma(x10, w10, std::fma(x00, w00, x01 * w01)));
    }
  }
}

void torch_corners_range(const TorchCornersArgs& a, int64_t u0, int64_t u1) {
  if (a.sC == 1 && a.dC == 1) torch_corners_pixels(a, u0, u1);
  else torch_corners_rows(a, u0, u1);
}

}  // namespace PG_KNS
}  // namespace pg
