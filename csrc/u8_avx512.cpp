// AVX-512 VNNI builds of the 8-bit passes; the vertical combine v8_rows (called by
// u8_avx2.h v8_avx2) is near the end.  The horizontal pass (uint8 in and out, int32 fixed-point
// weights below 2^23 in magnitude: Pillow's 22-bit coefficients, and plans of 5 or more
// taps whose weights fit int16).  Compiled with -mavx512f/bw/vl/dq/vbmi/vnni and reached
// only through PlanArgs::vbase, which unpack_plan (engine.cpp) sets where the CPU has them
// and the switch (u8_avx512_tables.cpp) is on; the AVX2 group kernel (u8_avx2.h) calls it.
// The tables are built beside it, in u8_avx512_tables.cpp (PlanArgs documents them).
//
// One int32 lane per output element (a channel of an output pixel), 16 per vector: for
// each quad of taps 4q..4q+3, one vpermb (vpermt2b for a 128-byte window) puts the 4
// source bytes of a lane's taps side by side, and vpdpbusd multiplies them by 4 signed
// bytes and adds the 4 products to the lane.  A weight w = p0 + p1 * 2^8 (+ p2 * 2^16)
// with p0, p1 (and p2) signed bytes, so 2 or 3 vpdpbusd sums A0, A1 (A2) give
// bias + A0 + (A1 << 8) + (A2 << 16) = bias + sum w * x modulo 2^32: the exact sum wherever
// it fits int32, as the AVX2 kernels' (and Pillow's own int arithmetic).  Then >> bits and
// the clamp to 0..255, as finish().
//
// Why it is faster than the AVX2 group kernel (one thread, Pillow's 2048^2 -> 512^2 RGB
// bicubic horizontal pass, 16 taps: 2.33 -> 1.03 ms; 1080p -> 360p Lanczos, 17 taps:
// 1.57 -> 0.46 ms; the switch u8_avx512(False) giving the AVX2 time): 3 vpdpbusd
// cover 4 taps of 16 elements where AVX2 needs 8 vpmaddwd + 8 vpaddd for 2 taps of 16,
// and the block's weights are loaded into registers once for all the rows of a sweep
// (NQ known at compile time): with the weights read from memory per row the loads, not
// the multiplies, were the bound (2x slower).
#include <immintrin.h>

#include <cstdint>

#include "engine_types.h"

namespace pg {
namespace u8avx512 {
namespace {

// Prefetch distance along a row, in bytes (384-512 were best in a stand-alone test).
constexpr int64_t kAhead = 384;

// Bytes [0, n) of a 64-byte load, n clamped to [0, 64] (masked-off bytes are not read:
// no fault past the row's end).
inline __mmask64 first_bytes(int64_t n) {
  if (n >= 64) return ~__mmask64(0);
  if (n <= 0) return 0;
  return (__mmask64(1) << n) - 1;
}

// The 4 taps of every lane for the quad whose window starts at s (avail bytes of the row
// from s; Masked: the window may run past the row's end).
template <bool Wide, bool Masked>
inline __m512i window(const uint8_t* s, int64_t avail, __m512i m) {
  if constexpr (Wide) {
    __m512i lo, hi;
    if constexpr (Masked) {
      lo = _mm512_maskz_loadu_epi8(first_bytes(avail), s);
      hi = _mm512_maskz_loadu_epi8(first_bytes(avail - 64), s + 64);
    } else {
      lo = _mm512_loadu_si512(s);
      hi = _mm512_loadu_si512(s + 64);
    }
    return _mm512_permutex2var_epi8(lo, m, hi);
  } else {
    const __m512i v = Masked ? _mm512_maskz_loadu_epi8(first_bytes(avail), s)
                             : _mm512_loadu_si512(s);
    return _mm512_permutexvar_epi8(m, v);
  }
}

// (bias + A0 + (A1 << 8) + (A2 << 16)) >> bits, clamped to 0..255, as 16 bytes.
template <int NP>
inline __m128i finish16(const __m512i* a, __m512i bias, __m128i sh) {
  __m512i acc = _mm512_add_epi32(_mm512_add_epi32(a[0], bias), _mm512_slli_epi32(a[1], 8));
  if constexpr (NP == 3) acc = _mm512_add_epi32(acc, _mm512_slli_epi32(a[2], 16));
  acc = _mm512_max_epi32(_mm512_sra_epi32(acc, sh), _mm512_setzero_si512());
  return _mm512_cvtusepi32_epi8(acc);  // unsigned saturation: > 255 -> 255
}

// Block b of 16 elements over R rows.  NQ > 0: the number of tap quads, known at compile
// time (the block's weights then stay in registers across the rows); 0: p.vnq, weights
// read from the table per row.  Two sets of accumulators (even and odd quads) halve the
// dependency chains.
template <int NP, bool Wide, int NQ, bool Masked>
void block_rows(const uint8_t* src, int64_t ss, uint8_t* dst, int64_t ds, int64_t R,
                const PlanArgs& p, int64_t b, __mmask16 keep) {
  const int64_t C = p.gC, nq = NQ > 0 ? NQ : p.vnq;
  const int64_t base = p.vbase[b], row = p.in_size * C, step = 4 * C;
  const __m512i m = _mm512_loadu_si512(p.vmask + 64 * b);
  const __m512i bias = _mm512_loadu_si512(p.vbias + 16 * b);
  const __m128i sh = _mm_cvtsi32_si128(p.bits);
  const int8_t* w = p.vw + b * nq * NP * 64;
  constexpr int NW = NQ > 0 ? NQ * NP : 1;
  __m512i wr[NW];
  if constexpr (NQ > 0) {
    for (int i = 0; i < NW; ++i) wr[i] = _mm512_loadu_si512(w + 64 * i);
  }
  const uint8_t* s = src + base;
  uint8_t* d = dst + 16 * b;
  for (int64_t r = 0; r < R; ++r, s += ss, d += ds) {
    // The blocks walk each of the R rows at 16 * scale bytes per block: the hardware
    // prefetchers do not keep up with R such streams read a block at a time (cold, the
    // 2048^2 -> 512^2 bicubic pass took 1.8 ms instead of 1.0), so the lines some blocks
    // ahead are asked for here (two: up to 128 bytes per block, the widest window).
    _mm_prefetch(reinterpret_cast<const char*>(s) + kAhead, _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(s) + kAhead + 64, _MM_HINT_T0);
    __m512i a[2][3];
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) a[i][j] = _mm512_setzero_si512();
    if constexpr (NQ > 0) {
#pragma GCC unroll 16
      for (int q = 0; q < NQ; ++q) {
        const __m512i x = window<Wide, Masked>(s + step * q, row - base - step * q, m);
        for (int j = 0; j < NP; ++j)
          a[q & 1][j] = _mm512_dpbusd_epi32(a[q & 1][j], x, wr[q * NP + j]);
      }
    } else {
      // two quads per iteration, each accumulator set named at compile time (a[q & 1]
      // with a run-time q kept them in memory: 2.7x slower)
      auto quad = [&](int64_t q, __m512i* acc) {
        const __m512i x = window<Wide, Masked>(s + step * q, row - base - step * q, m);
        const int8_t* wq = w + q * NP * 64;
        for (int j = 0; j < NP; ++j)
          acc[j] = _mm512_dpbusd_epi32(acc[j], x, _mm512_loadu_si512(wq + 64 * j));
      };
      int64_t q = 0;
      for (; q + 1 < nq; q += 2) {
        quad(q, a[0]);
        quad(q + 1, a[1]);
      }
      if (q < nq) quad(q, a[0]);
    }
    __m512i t[3];
    for (int j = 0; j < NP; ++j) t[j] = _mm512_add_epi32(a[0][j], a[1][j]);
    const __m128i out = finish16<NP>(t, bias, sh);
    if (keep == 0xffff) _mm_storeu_si128(reinterpret_cast<__m128i*>(d), out);
    else _mm_mask_storeu_epi8(d, keep, out);
  }
}

template <int NP, bool Wide, int NQ>
void rows_impl(const uint8_t* src, int64_t ss, uint8_t* dst, int64_t ds, int64_t R,
               const PlanArgs& p) {
  const int64_t C = p.gC, n = p.out_size * C, nb = (n + 15) / 16;
  const int64_t nq = NQ > 0 ? NQ : p.vnq, row = p.in_size * C;
  constexpr int64_t W = Wide ? 128 : 64;
  for (int64_t b = 0; b < nb; ++b) {
    // the last block may hold fewer than 16 elements: a masked store
    const int64_t left = n - 16 * b;
    const __mmask16 keep = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
    // windows that reach past the row's end (its last blocks): masked loads
    if (p.vbase[b] + 4 * C * (nq - 1) + W > row)
      block_rows<NP, Wide, NQ, true>(src, ss, dst, ds, R, p, b, keep);
    else
      block_rows<NP, Wide, NQ, false>(src, ss, dst, ds, R, p, b, keep);
  }
}

template <int NP, bool Wide>
void rows_np(const uint8_t* src, int64_t ss, uint8_t* dst, int64_t ds, int64_t R,
             const PlanArgs& p) {
  switch (p.vnq) {
    case 1: return rows_impl<NP, Wide, 1>(src, ss, dst, ds, R, p);
    case 2: return rows_impl<NP, Wide, 2>(src, ss, dst, ds, R, p);
    case 3: return rows_impl<NP, Wide, 3>(src, ss, dst, ds, R, p);
    case 4: return rows_impl<NP, Wide, 4>(src, ss, dst, ds, R, p);
    case 5: return rows_impl<NP, Wide, 5>(src, ss, dst, ds, R, p);
    case 6: return rows_impl<NP, Wide, 6>(src, ss, dst, ds, R, p);
    case 7: return rows_impl<NP, Wide, 7>(src, ss, dst, ds, R, p);
    // more weight registers than there are: some are reloaded from the stack, still 2.7x
    // faster at 10 quads than the generic loop (stand-alone test)
    case 8: return rows_impl<NP, Wide, 8>(src, ss, dst, ds, R, p);
    case 9: return rows_impl<NP, Wide, 9>(src, ss, dst, ds, R, p);
    case 10: return rows_impl<NP, Wide, 10>(src, ss, dst, ds, R, p);
    default: return rows_impl<NP, Wide, 0>(src, ss, dst, ds, R, p);
  }
}

// ---- vertical pass: dst[i] = finish(bias + sum_t w[t] * rows[t][i]), uint8 -> uint8 ----
// Four rows' bytes interleaved into quads (two unpack levels), one vpdpbusd per weight
// part per 16 lanes: 4 taps x 64 elements in 4 x NP vpdpbusd, where the AVX2 split
// kernel (u8_avx2.h v8_split) needs 32 vpmaddwd + 32 vpaddd.  The unpacks work within
// 128-bit lanes: quad vector k holds elements 4k..4k+3 of each lane, and the two packs
// at the end restore the order (as in v8_avx2).
template <int NP>
void v8_impl(const uint8_t* const* rp, const int32_t* wd, int64_t nq, int32_t bias, int bits,
             uint8_t* dst, int64_t n) {
  const __m128i sh = _mm_cvtsi32_si128(bits);
  const __m512i vb = _mm512_set1_epi32(bias);
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 m = first_bytes(n - i);
    __m512i a[4][NP];
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < NP; ++j) a[k][j] = _mm512_setzero_si512();
    for (int64_t q = 0; q < nq; ++q) {
      const uint8_t* const* r = rp + 4 * q;
      __m512i x0, x1, x2, x3;
      if (n - i >= 64) {
        x0 = _mm512_loadu_si512(r[0] + i);
        x1 = _mm512_loadu_si512(r[1] + i);
        x2 = _mm512_loadu_si512(r[2] + i);
        x3 = _mm512_loadu_si512(r[3] + i);
      } else {
        x0 = _mm512_maskz_loadu_epi8(m, r[0] + i);
        x1 = _mm512_maskz_loadu_epi8(m, r[1] + i);
        x2 = _mm512_maskz_loadu_epi8(m, r[2] + i);
        x3 = _mm512_maskz_loadu_epi8(m, r[3] + i);
      }
      const __m512i l01 = _mm512_unpacklo_epi8(x0, x1), h01 = _mm512_unpackhi_epi8(x0, x1);
      const __m512i l23 = _mm512_unpacklo_epi8(x2, x3), h23 = _mm512_unpackhi_epi8(x2, x3);
      const __m512i qd[4] = {_mm512_unpacklo_epi16(l01, l23), _mm512_unpackhi_epi16(l01, l23),
                             _mm512_unpacklo_epi16(h01, h23), _mm512_unpackhi_epi16(h01, h23)};
      for (int j = 0; j < NP; ++j) {
        const __m512i wv = _mm512_set1_epi32(wd[q * 3 + j]);
        for (int k = 0; k < 4; ++k) a[k][j] = _mm512_dpbusd_epi32(a[k][j], qd[k], wv);
      }
    }
    __m512i r[4];
    for (int k = 0; k < 4; ++k) {
      __m512i t = _mm512_add_epi32(vb, a[k][0]);
      t = _mm512_add_epi32(t, _mm512_slli_epi32(a[k][1], 8));
      if constexpr (NP == 3) t = _mm512_add_epi32(t, _mm512_slli_epi32(a[k][2], 16));
      r[k] = _mm512_sra_epi32(t, sh);
    }
    const __m512i out = _mm512_packus_epi16(_mm512_packs_epi32(r[0], r[1]),
                                            _mm512_packs_epi32(r[2], r[3]));
    if (n - i >= 64) _mm512_storeu_si512(dst + i, out);
    else _mm512_mask_storeu_epi8(dst + i, m, out);
  }
}

}  // namespace

bool v8_rows(const uint8_t* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits,
             uint8_t* dst, int64_t n) {
  constexpr int64_t MAXQ = 32;
  if (K < 1 || K > 4 * MAXQ || n < 1) return false;
  const int64_t nq = (K + 3) / 4;
  alignas(64) int32_t wd[3 * MAXQ] = {};
  const uint8_t* rp[4 * MAXQ];
  int np = 2;
  for (int64_t t = 0; t < 4 * nq; ++t) {
    const int32_t v = t < K ? w[t] : 0;  // padding taps: weight 0 on row 0
    rp[t] = t < K ? rows[t] : rows[0];
    // v = d0 + d1 * 2^8 + d2 * 2^16 with signed-byte digits
    const int32_t d0 = ((v + 128) & 255) - 128;
    const int32_t r1 = (v - d0) >> 8;
    const int32_t d1 = ((r1 + 128) & 255) - 128;
    const int32_t d2 = (r1 - d1) >> 8;
    if (d2 < -128 || d2 > 127) return false;
    if (d2 != 0) np = 3;
    const int64_t q = t / 4, b = 8 * (t % 4);
    const uint32_t ds[3] = {uint32_t(d0) & 255u, uint32_t(d1) & 255u, uint32_t(d2) & 255u};
    for (int j = 0; j < 3; ++j)
      wd[q * 3 + j] = int32_t(uint32_t(wd[q * 3 + j]) | (ds[j] << b));
  }
  if (np == 3) v8_impl<3>(rp, wd, nq, bias, bits, dst, n);
  else v8_impl<2>(rp, wd, nq, bias, bits, dst, n);
  return true;
}

void h8_rows(const uint8_t* src, int64_t ss, uint8_t* dst, int64_t ds, int64_t R,
             const PlanArgs& p) {
  const bool wide = p.vwin == 128;
  if (p.vparts == 3) {
    if (wide) return rows_np<3, true>(src, ss, dst, ds, R, p);
    return rows_np<3, false>(src, ss, dst, ds, R, p);
  }
  if (wide) return rows_np<2, true>(src, ss, dst, ds, R, p);
  return rows_np<2, false>(src, ss, dst, ds, R, p);
}

}  // namespace u8avx512
}  // namespace pg
