// Resampling kernels, included once per instruction set (see kernels_base.cpp and
// kernels_avx2.cpp).  Everything lives in namespace PG_KNS and has internal linkage
// except the three entry points at the bottom, so the translation units compiled with
// different flags never share code.
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <algorithm>
#include <type_traits>

#include "engine_types.h"

#ifdef PG_AVX2_U8
#include <immintrin.h>
#endif

#ifndef PG_KNS
#error "define PG_KNS before including kernels.h"
#endif

namespace pg {
namespace PG_KNS {
namespace {

template <class T> struct Lim;
template <> struct Lim<uint8_t> { static constexpr int64_t lo = 0, hi = 255; };
template <> struct Lim<int8_t> { static constexpr int64_t lo = -128, hi = 127; };
template <> struct Lim<uint16_t> { static constexpr int64_t lo = 0, hi = 65535; };
template <> struct Lim<int16_t> { static constexpr int64_t lo = -32768, hi = 32767; };
template <> struct Lim<int32_t> { static constexpr int64_t lo = INT32_MIN, hi = INT32_MAX; };

template <class T> constexpr bool is_float_v = false;
template <> constexpr bool is_float_v<float> = true;
template <> constexpr bool is_float_v<double> = true;

template <class T, class Acc>
inline T finish(Acc a, int bits) {
  if constexpr (is_float_v<T>) {
    (void)bits;
    return static_cast<T>(a);
  } else {
    Acc v = a >> bits;  // arithmetic shift (floor)
    v = v < static_cast<Acc>(Lim<T>::lo) ? static_cast<Acc>(Lim<T>::lo) : v;
    v = v > static_cast<Acc>(Lim<T>::hi) ? static_cast<Acc>(Lim<T>::hi) : v;
    return static_cast<T>(v);
  }
}

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

// Rows per sweep as given by the dispatcher, within [1, kMaxSweepRows].
inline int64_t sweep_rows(int64_t rows) { return rows < 1 ? 1 : imin(rows, kMaxSweepRows); }

// One (L, CC) slab -> outputs [o0, o1) of the (O, CC) slab, CC small and known.
template <class T, class Acc, int CC, bool Contig, class To = T>
void axis_small(const T* __restrict src, To* __restrict dst, const PlanArgs& p, int64_t o0,
                int64_t o1) {
  const Acc* __restrict w = static_cast<const Acc*>(p.weight);
  const Acc* __restrict bias = static_cast<const Acc*>(p.bias);
  const int64_t K = p.K;
  for (int64_t o = o0; o < o1; ++o) {
    Acc acc[CC];
    for (int c = 0; c < CC; ++c) acc[c] = bias[o];
    const Acc* __restrict wo = w + o * K;
    if constexpr (Contig) {
      const T* __restrict s = src + static_cast<int64_t>(p.start[o]) * CC;
      for (int64_t t = 0; t < K; ++t) {
        const Acc wt = wo[t];
        for (int c = 0; c < CC; ++c) acc[c] += wt * static_cast<Acc>(s[t * CC + c]);
      }
    } else {
      const int32_t* __restrict io = p.index + o * K;
      for (int64_t t = 0; t < K; ++t) {
        const Acc wt = wo[t];
        const T* __restrict s = src + static_cast<int64_t>(io[t]) * CC;
        for (int c = 0; c < CC; ++c) acc[c] += wt * static_cast<Acc>(s[c]);
      }
    }
    for (int c = 0; c < CC; ++c) dst[o * CC + c] = finish<To, Acc>(acc[c], p.bits);
  }
}

#ifdef PG_AVX2_U8
#include "u8_avx2.h"
#include "f32_avx2.h"
#endif

// dst[i] = finish(bias + sum_t w[t] * rows[t][i]) for i < n.  Zero-weight rows must
// already be removed by the caller.
template <class T, class Acc, class To = T>
void combine(const T* const* rows, const Acc* w, int64_t K, Acc bias, int bits, To* dst,
             int64_t n) {
#ifdef PG_AVX2_U8
  if constexpr (sizeof(T) == 1 && sizeof(Acc) == 4 && !is_float_v<Acc> &&
                std::is_same_v<T, To>) {
    if (v8_avx2<T>(rows, w, K, bias, bits, dst, n)) return;
  }
  if constexpr (sizeof(T) == 1 && std::is_same_v<Acc, int32_t> && std::is_same_v<To, int16_t>) {
    if (v8w_avx2<T>(rows, w, K, bias, bits, dst, n)) return;
  }
  if constexpr (std::is_same_v<T, int16_t> && std::is_same_v<Acc, int32_t> && sizeof(To) == 1) {
    if (v16_avx2<To>(rows, w, K, bias, bits, dst, n)) return;
  }
  if constexpr (std::is_same_v<T, float> && std::is_same_v<Acc, float>)
    return vf32_avx2(rows, w, K, bias, dst, n);
#endif
  constexpr int64_t CH = 256;
  // Floats accumulate in place in dst (a chunk stays in L1); other types in acc.
  constexpr bool in_place = std::is_same_v<T, Acc> && std::is_same_v<To, Acc>;
  alignas(64) Acc accbuf[in_place ? 1 : CH];
  for (int64_t i0 = 0; i0 < n; i0 += CH) {
    Acc* __restrict acc;
    if constexpr (in_place) acc = dst + i0;
    else acc = accbuf;
    const int64_t m = imin(CH, n - i0);
    int64_t t = 0;
    if (K >= 2) {
      const T* __restrict r0 = rows[0] + i0;
      const T* __restrict r1 = rows[1] + i0;
      const Acc w0 = w[0], w1 = w[1];
      for (int64_t j = 0; j < m; ++j)
        acc[j] = bias + w0 * static_cast<Acc>(r0[j]) + w1 * static_cast<Acc>(r1[j]);
      t = 2;
    } else if (K == 1) {
      const T* __restrict r0 = rows[0] + i0;
      const Acc w0 = w[0];
      for (int64_t j = 0; j < m; ++j) acc[j] = bias + w0 * static_cast<Acc>(r0[j]);
      t = 1;
    } else {
      for (int64_t j = 0; j < m; ++j) acc[j] = bias;
    }
    for (; t + 1 < K; t += 2) {
      const T* __restrict r0 = rows[t] + i0;
      const T* __restrict r1 = rows[t + 1] + i0;
      const Acc w0 = w[t], w1 = w[t + 1];
      // (acc + w0 x0) + w1 x1, tap by tap in plan order: the reference engine's order, so
      // float64 results are bit-identical (with -ffp-contract=off: no fused multiply-add)
      for (int64_t j = 0; j < m; ++j)
        acc[j] = (acc[j] + w0 * static_cast<Acc>(r0[j])) + w1 * static_cast<Acc>(r1[j]);
    }
    if (t < K) {
      const T* __restrict r0 = rows[t] + i0;
      const Acc w0 = w[t];
      for (int64_t j = 0; j < m; ++j) acc[j] += w0 * static_cast<Acc>(r0[j]);
    }
    if constexpr (!in_place) {
      To* __restrict d = dst + i0;
      for (int64_t j = 0; j < m; ++j) d[j] = finish<To, Acc>(acc[j], bits);
    }
  }
}

// Gathers the non-zero taps of output o: rows[k] = src + idx*C, ws[k] = weight.
template <class T, class Acc>
inline int64_t taps_of(const PlanArgs& p, int64_t o, const T* src, int64_t C,
                       const T** rows, Acc* ws) {
  const Acc* w = static_cast<const Acc*>(p.weight) + o * p.K;
  int64_t k = 0;
  for (int64_t t = 0; t < p.K; ++t) {
    if (w[t] == Acc(0)) continue;
    const int64_t i = p.contig ? static_cast<int64_t>(p.start[o]) + t
                               : static_cast<int64_t>(p.index[o * p.K + t]);
    rows[k] = src + i * C;
    ws[k] = w[t];
    ++k;
  }
  return k;
}

#ifdef PG_AVX2_U8
// Widest C that axis_f32_channels takes (wider rows: combine, once per output row).
constexpr int64_t kF32ChannelsMax = 256;
// Lane masks of the last C % 8 channels: kF32TailMask + 8 - r loads r active lanes.
alignas(64) constexpr int32_t kF32TailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                  0,  0,  0,  0,  0,  0,  0,  0};

// Float32 pass over (L, C) -> (O, C) slabs with 5 <= C <= kF32ChannelsMax (the W pass of
// channels-last data with many channels; C <= 4 has its own kernels): per output its
// non-zero taps (taps_of), then every channel as combine -> vf32_avx2 computes it: the
// bias, then one fused multiply-add per tap in plan order (each lane, masked or not), so
// the results are bit-identical to combine's, without its per-output call, alignment head
// and block set-up (measured before, 2x64x128xC -> 256 columns, linear, one thread: 5.4 ns
// per output pixel at C = 16, 4.1 at C = 8, against 0.65 at C = 4 with permute tables).
inline void axis_f32_channels(const float* src, int64_t C, float* dst, const PlanArgs& p,
                              int64_t o0, int64_t o1, void* scratch) {
  const float** rows = static_cast<const float**>(scratch);
  float* ws = reinterpret_cast<float*>(rows + p.K);
  const float* bias = static_cast<const float*>(p.bias);
  const float* weight = static_cast<const float*>(p.weight);
  const int64_t C8 = C & ~static_cast<int64_t>(7);
  const __m256i tail = _mm256_loadu_si256(
      reinterpret_cast<const __m256i*>(kF32TailMask + 8 - (C - C8)));
  // two taps of non-zero weight: both weights in registers
  auto two = [&](const float* __restrict r0, const float* __restrict r1, float w0v, float w1v,
                 float b, float* __restrict d) {
    const __m256 vb = _mm256_set1_ps(b);
    const __m256 w0 = _mm256_set1_ps(w0v), w1 = _mm256_set1_ps(w1v);
    int64_t c = 0;
    for (; c < C8; c += 8)
      _mm256_storeu_ps(d + c, _mm256_fmadd_ps(_mm256_loadu_ps(r1 + c), w1,
                                              _mm256_fmadd_ps(_mm256_loadu_ps(r0 + c), w0, vb)));
    if (c < C)  // the last C % 8 channels: masked lanes, the same FMA chain per lane
      _mm256_maskstore_ps(d + c, tail, _mm256_fmadd_ps(
          _mm256_maskload_ps(r1 + c, tail), w1,
          _mm256_fmadd_ps(_mm256_maskload_ps(r0 + c, tail), w0, vb)));
  };
  // any number k of taps (non-zero weights, in plan order)
  auto many = [&](int64_t k, float b, float* __restrict d) {
    const __m256 vb = _mm256_set1_ps(b);
    int64_t c = 0;
    // up to four independent sums at a time (each tap's FMA waits for the previous one)
    for (; c + 32 <= C; c += 32) {
      __m256 a0 = vb, a1 = vb, a2 = vb, a3 = vb;
      for (int64_t t = 0; t < k; ++t) {
        const float* __restrict r = rows[t] + c;
        const __m256 wt = _mm256_set1_ps(ws[t]);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r), wt, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r + 8), wt, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r + 16), wt, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r + 24), wt, a3);
      }
      _mm256_storeu_ps(d + c, a0);
      _mm256_storeu_ps(d + c + 8, a1);
      _mm256_storeu_ps(d + c + 16, a2);
      _mm256_storeu_ps(d + c + 24, a3);
    }
    for (; c + 16 <= C; c += 16) {
      __m256 a0 = vb, a1 = vb;
      for (int64_t t = 0; t < k; ++t) {
        const float* __restrict r = rows[t] + c;
        const __m256 wt = _mm256_set1_ps(ws[t]);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r), wt, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r + 8), wt, a1);
      }
      _mm256_storeu_ps(d + c, a0);
      _mm256_storeu_ps(d + c + 8, a1);
    }
    for (; c < C8; c += 8) {
      __m256 a = vb;
      for (int64_t t = 0; t < k; ++t)
        a = _mm256_fmadd_ps(_mm256_loadu_ps(rows[t] + c), _mm256_set1_ps(ws[t]), a);
      _mm256_storeu_ps(d + c, a);
    }
    if (c < C) {
      __m256 a = vb;
      for (int64_t t = 0; t < k; ++t)
        a = _mm256_fmadd_ps(_mm256_maskload_ps(rows[t] + c, tail), _mm256_set1_ps(ws[t]), a);
      _mm256_maskstore_ps(d + c, tail, a);
    }
  };
  if (p.contig && p.K == 2) {  // windows of two taps (bilinear): no tap list to build
    for (int64_t o = o0; o < o1; ++o) {
      const float w0 = weight[2 * o], w1 = weight[2 * o + 1];
      const float* s = src + static_cast<int64_t>(p.start[o]) * C;
      if (w0 != 0.0f && w1 != 0.0f) {
        two(s, s + C, w0, w1, bias[o], dst + o * C);
      } else {  // a zero weight is skipped, as taps_of does
        const int64_t k = taps_of<float, float>(p, o, src, C, rows, ws);
        many(k, bias[o], dst + o * C);
      }
    }
    return;
  }
  for (int64_t o = o0; o < o1; ++o) {
    const int64_t k = taps_of<float, float>(p, o, src, C, rows, ws);
    if (k == 2)
      two(rows[0], rows[1], ws[0], ws[1], bias[o], dst + o * C);
    else
      many(k, bias[o], dst + o * C);
  }
}
#endif

// (L, C) slab -> outputs [o0, o1) of the (O, C) slab, any C.
// scratch: room for K row pointers and K weights.
template <class T, class Acc, class To = T>
void axis_apply(const T* src, int64_t C, To* dst, const PlanArgs& p, int64_t o0, int64_t o1,
                void* scratch) {
#ifdef PG_AVX2_U8
  if constexpr (std::is_same_v<T, int16_t> && std::is_same_v<Acc, int32_t> && sizeof(To) == 1) {
    if (p.wq != nullptr && p.contig && C == 3) return h16_avx2<To, 3>(src, dst, p, o0, o1);
    if (p.wq != nullptr && p.contig && C == 4) return h16_avx2<To, 4>(src, dst, p, o0, o1);
  }
  if constexpr (sizeof(T) == 1 && sizeof(Acc) == 4 && !is_float_v<Acc> &&
                (std::is_same_v<T, To> || std::is_same_v<To, int16_t>)) {
    if (p.gbase != nullptr && p.contig && C == p.gC && o0 == 0 && o1 == p.out_size)
      return h8_groups<T, To>(src, 0, dst, 0, 1, p);
    if (p.wq != nullptr && p.contig && C == 3) return h8_avx2<T, 3, To>(src, dst, p, o0, o1);
    if (p.wq != nullptr && p.contig && C == 4) return h8_avx2<T, 4, To>(src, dst, p, o0, o1);
  }
  if constexpr (sizeof(T) == 4 && is_float_v<T> && std::is_same_v<T, To>) {
    if (p.pbase != nullptr && p.contig && p.pC == C && o0 == 0 && o1 == p.out_size)
      return hf32_perm_rows(src, 0, dst, 0, 1, p, C);
  }
  if constexpr (std::is_same_v<T, float> && std::is_same_v<Acc, float> &&
                std::is_same_v<To, float>) {
    if (C >= 5 && C <= kF32ChannelsMax) return axis_f32_channels(src, C, dst, p, o0, o1, scratch);
  }
#endif
#define PG_SMALL(CC)                                                 \
  case CC:                                                           \
    if (p.contig)                                                    \
      axis_small<T, Acc, CC, true, To>(src, dst, p, o0, o1);         \
    else                                                             \
      axis_small<T, Acc, CC, false, To>(src, dst, p, o0, o1);        \
    return;
  switch (C) {
    PG_SMALL(1)
    PG_SMALL(2)
    PG_SMALL(3)
    PG_SMALL(4)
    default:
      break;
  }
#undef PG_SMALL
  const T** rows = static_cast<const T**>(scratch);
  Acc* ws = reinterpret_cast<Acc*>(rows + p.K);
  const Acc* bias = static_cast<const Acc*>(p.bias);
  for (int64_t o = o0; o < o1; ++o) {
    const int64_t k = taps_of<T, Acc>(p, o, src, C, rows, ws);
    combine<T, Acc, To>(rows, ws, k, bias[o], p.bits, dst + o * C, C);
  }
}

// Whether a horizontal pass of p over rows of C channels has a SIMD kernel with tables
// (which then reads them once per sweep of several rows, see h_rows).
template <class T, class Acc>
bool row_tables(const PlanArgs& p, int64_t C) {
#ifdef PG_AVX2_U8
  if constexpr (sizeof(T) == 1 && sizeof(Acc) == 4 && !is_float_v<Acc>)
    return p.gbase != nullptr && p.contig && C == p.gC;
  if constexpr (std::is_same_v<T, float> && std::is_same_v<Acc, float>)
    return p.pbase != nullptr && p.contig && p.pC == C;
#endif
  (void)p;
  (void)C;
  return false;
}

// Horizontal pass over R whole rows at fixed strides (row r: src + r*ss -> dst + r*ds);
// the SIMD kernels with tables read them once for all R rows.
template <class T, class Acc, class To = T>
void h_rows(const T* src, int64_t ss, To* dst, int64_t ds, int64_t R, int64_t C,
            const PlanArgs& p, void* scratch) {
#ifdef PG_AVX2_U8
  if (row_tables<T, Acc>(p, C)) {
    if constexpr (sizeof(T) == 1 && sizeof(Acc) == 4 && !is_float_v<Acc> &&
                  (std::is_same_v<T, To> || std::is_same_v<To, int16_t>))
      return h8_groups<T, To>(src, ss, dst, ds, R, p);
    if constexpr (std::is_same_v<T, float> && std::is_same_v<Acc, float> &&
                  std::is_same_v<T, To>)
      return hf32_perm_rows(src, ss, dst, ds, R, p, C);
  }
#endif
  for (int64_t j = 0; j < R; ++j)
    axis_apply<T, Acc, To>(src + j * ss, C, dst + j * ds, p, 0, p.out_size, scratch);
}

// The same over rows given by pointers, cut into runs of constant strides.
template <class T, class Acc, class To = T>
void h_rows(const T* const* srcs, To* const* dsts, int64_t R, int64_t C, const PlanArgs& p,
            void* scratch) {
  for (int64_t r = 0; r < R;) {
    int64_t e = r + 1;
    const int64_t ss = e < R ? srcs[e] - srcs[r] : 0, ds = e < R ? dsts[e] - dsts[r] : 0;
    while (e < R && srcs[e] - srcs[e - 1] == ss && dsts[e] - dsts[e - 1] == ds) ++e;
    h_rows<T, Acc, To>(srcs[r], ss, dsts[r], ds, e - r, C, p, scratch);
    r = e;
  }
}

template <class T, class Acc>
void single_impl(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch) {
  const T* src = static_cast<const T*>(a.src);
  T* dst = static_cast<T*>(a.dst);
  const int64_t L = a.p.in_size, O = a.p.out_size, C = a.C;
  int64_t u = u0;
  while (u < u1) {
    const int64_t b = u / O, o = u % O;
    if (o == 0 && u1 - u >= O) {  // whole rows: batches that share the kernels' tables
      const int64_t R = imin(sweep_rows(a.rows), (u1 - u) / O);
      h_rows<T, Acc>(src + b * L * C, L * C, dst + b * O * C, O * C, R, C, a.p, scratch);
      u += R * O;
      continue;
    }
    const int64_t oe = imin(O, o + (u1 - u));
    axis_apply<T, Acc>(src + b * L * C, C, dst + b * O * C, a.p, o, oe, scratch);
    u += oe - o;
  }
}

// Fused pass over (B, H, W, C) -> (B, OH, OW, C) for output rows [r0, r1) of B*OH.
template <class T, class Acc>
void pair_impl(const PairArgs& a, int64_t r0, int64_t r1, void* scratch) {
  const T* src = static_cast<const T*>(a.src);
  T* dst = static_cast<T*>(a.dst);
  const PlanArgs& ph = a.ph;
  const PlanArgs& pw = a.pw;
  const int64_t H = ph.in_size, OH = ph.out_size, W = pw.in_size, OW = pw.out_size, C = a.C;
  const int64_t KV = ph.K;
  const int64_t in_row = W * C, out_row = OW * C;
  // scratch layout: rows ptrs [KV] | weights [KV] | axis scratch (pw.K ptrs + weights) |
  //                 tags [KV + kMaxSweepRows] | buffer (rows a.bstride apart: KV + a.rows
  //                 resampled input rows (h_first), or a.rows combined rows)
  char* s = static_cast<char*>(scratch);
  int64_t* header = reinterpret_cast<int64_t*>(s);  // 0: the row cache is not initialised
  s += 64;
  const T** rows = reinterpret_cast<const T**>(s);
  s += KV * sizeof(void*);
  Acc* ws = reinterpret_cast<Acc*>(s);
  s += KV * 8;
  void* ax_scratch = s;
  s += pw.K * 16;
  int64_t* tags = reinterpret_cast<int64_t*>(s);
  s += (KV + kMaxSweepRows) * 8;
  s = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(s) + 63) & ~uintptr_t(63));
  T* buf = reinterpret_cast<T*>(s);
  const Acc* wv = static_cast<const Acc*>(ph.weight);
  const Acc* bv = static_cast<const Acc*>(ph.bias);

  if (a.h_first) {
    // requires ph.contig.  Resampled input rows live in NS = KV (+ ahead) slots (row i in
    // slot i % NS); the rows of one output plus a batch of up to `ahead` rows after the
    // first missing one span at most NS rows, so they never evict each other.  Batches
    // let the horizontal kernels read their tables once for several rows.  The cache
    // persists across the calls of one thread (chunks of one pass: same source).
    const int64_t ahead = sweep_rows(a.rows);
    const int64_t bs = a.bstride;
    const int64_t NS = ahead > 1 ? KV + ahead : KV;
    if (header[0] == 0) {
      for (int64_t k = 0; k < NS; ++k) tags[k] = -1;
      header[0] = 1;
    }
    const T* srcs[kMaxSweepRows];
    T* dsts[kMaxSweepRows];
    // The input rows of the next batch are prefetched (into L2) while the output rows of
    // this one are combined, up to 128 lines per output row: the batch then reads cached
    // rows instead of waiting on memory between stores (24x512x512 -> 1024 float32 from
    // memory: 0.48 -> 0.43 ns per output element).
    const char* pf = nullptr;
    const char* pf_end = nullptr;
    for (int64_t r = r0; r < r1; ++r) {
      for (int q = 0; q < 128 && pf < pf_end; ++q, pf += 64) __builtin_prefetch(pf, 0, 2);
      const int64_t b = r / OH, oh = r % OH;
      const Acc* w = wv + oh * KV;
      const int64_t s0 = ph.start[oh];
      // last row this thread needs from image b (windows are monotone when batching)
      const int64_t last_o = imin(OH, oh + (r1 - r)) - 1;
      const int64_t need_end = imin(H, static_cast<int64_t>(ph.start[last_o]) + KV);
      int64_t k = 0;
      for (int64_t t = 0; t < KV; ++t) {
        if (w[t] == Acc(0)) continue;
        const int64_t i = s0 + t;
        const int64_t slot = i % NS;
        T* row = buf + slot * bs;
        if (tags[slot] != b * H + i) {
          int64_t R = 0;
          const int64_t i_end =
              ahead > 1 ? imin(imin(i + ahead, need_end), s0 + NS) : i + 1;
          for (int64_t j = i; j < i_end; ++j) {
            const int64_t sl = j % NS;
            if (j > i && tags[sl] == b * H + j) break;
            srcs[R] = src + (b * H + j) * in_row;
            dsts[R] = buf + sl * bs;
            tags[sl] = b * H + j;
            ++R;
          }
          h_rows<T, Acc>(srcs, dsts, R, C, pw, ax_scratch);
          if (ahead > 1) {
            pf = reinterpret_cast<const char*>(src + (b * H + i + R) * in_row);
            pf_end = reinterpret_cast<const char*>(
                src + (b * H + imin(need_end, i + R + ahead)) * in_row);
          }
        }
        rows[k] = row;
        ws[k] = w[t];
        ++k;
      }
#ifdef PG_AVX2_U8
      if constexpr (std::is_same_v<T, float> && std::is_same_v<Acc, float>) {
        // The next output row often reads the same input rows (upsampling): both rows
        // in one sweep, loading each input vector once (identical results).
        if (r + 1 < r1 && oh + 1 < OH && ph.start[oh + 1] == s0 && k >= 2 && k <= 16) {
          const Acc* w2 = wv + (oh + 1) * KV;
          float ws2[16];
          int64_t k2 = 0;
          bool same = true;
          for (int64_t t = 0; t < KV && same; ++t) {
            same = (w[t] == Acc(0)) == (w2[t] == Acc(0));
            if (w2[t] != Acc(0)) ws2[k2++] = w2[t];
          }
          if (same) {
            vf32_two(rows, ws, ws2, k, bv[oh], bv[oh + 1], dst + r * out_row,
                     dst + (r + 1) * out_row, out_row);
            ++r;
            continue;
          }
        }
      }
#endif
      combine<T, Acc>(rows, ws, k, bv[oh], ph.bits, dst + r * out_row, out_row);
    }
  } else {
    if (row_tables<T, Acc>(pw, C)) {
      // Blocks of RB rows: vertical combines into the buffer (rows a.bstride apart), then
      // one horizontal sweep that reads each table once for the whole block.
      const int64_t bs = a.bstride;
      const int64_t RB = sweep_rows(a.rows);
      for (int64_t rb = r0; rb < r1; rb += RB) {
        const int64_t R = imin(RB, r1 - rb);
        for (int64_t i = 0; i < R; ++i) {
          const int64_t r = rb + i, b = r / OH, oh = r % OH;
          const int64_t k = taps_of<T, Acc>(ph, oh, src + b * H * in_row, in_row, rows, ws);
          combine<T, Acc>(rows, ws, k, bv[oh], ph.bits, buf + i * bs, in_row);
        }
        h_rows<T, Acc>(buf, bs, dst + rb * out_row, out_row, R, C, pw, ax_scratch);
      }
      return;
    }
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / OH, oh = r % OH;
      const int64_t k = taps_of<T, Acc>(ph, oh, src + b * H * in_row, in_row, rows, ws);
      combine<T, Acc>(rows, ws, k, bv[oh], ph.bits, buf, in_row);
      axis_apply<T, Acc>(buf, C, dst + r * out_row, pw, 0, OW, ax_scratch);
    }
  }
}

// Wide fixed point (see the wide model in pixelgrid/_engines/reference.py): a pass that
// reads Ti and writes To (the int16/int32 intermediate or the data dtype), with the
// shift and per-row bias of its role already in the plan.  Whole rows only through
// axis_apply (no row tables: those are for same-type 8-bit passes).
template <class Ti, class To, class Acc>
void wide_single_impl(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch) {
  const Ti* src = static_cast<const Ti*>(a.src);
  To* dst = static_cast<To*>(a.dst);
  const int64_t L = a.p.in_size, O = a.p.out_size, C = a.C;
  for (int64_t u = u0; u < u1;) {
    const int64_t b = u / O, o = u % O;
    const int64_t oe = imin(O, o + (u1 - u));
    axis_apply<Ti, Acc, To>(src + b * L * C, C, dst + b * O * C, a.p, o, oe, scratch);
    u += oe - o;
  }
}

// Fused wide pair, H first: the vertical pass writes one Tm (intermediate) row into the
// buffer, the horizontal pass reads it and writes the output row.
template <class Ti, class Tm, class To, class Acc>
void wide_pair_impl(const PairArgs& a, int64_t r0, int64_t r1, void* scratch) {
  const Ti* src = static_cast<const Ti*>(a.src);
  To* dst = static_cast<To*>(a.dst);
  const PlanArgs& ph = a.ph;
  const PlanArgs& pw = a.pw;
  const int64_t H = ph.in_size, OH = ph.out_size, W = pw.in_size, OW = pw.out_size, C = a.C;
  const int64_t KV = ph.K;
  const int64_t in_row = W * C, out_row = OW * C;
  // scratch layout as pair_impl's (header | row ptrs | weights | axis scratch | tags | buf)
  char* s = static_cast<char*>(scratch) + 64;
  const Ti** rows = reinterpret_cast<const Ti**>(s);
  s += KV * sizeof(void*);
  Acc* ws = reinterpret_cast<Acc*>(s);
  s += KV * 8;
  void* ax_scratch = s;
  s += pw.K * 16;
  s += (KV + kMaxSweepRows) * 8;
  s = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(s) + 63) & ~uintptr_t(63));
  Tm* buf = reinterpret_cast<Tm*>(s);
  const Acc* bv = static_cast<const Acc*>(ph.bias);
  if (!a.h_first) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / OH, oh = r % OH;
      const int64_t k = taps_of<Ti, Acc>(ph, oh, src + b * H * in_row, in_row, rows, ws);
      combine<Ti, Acc, Tm>(rows, ws, k, bv[oh], ph.bits, buf, in_row);
      axis_apply<Tm, Acc, To>(buf, C, dst + r * out_row, pw, 0, OW, ax_scratch);
    }
    return;
  }
  // W first (as pair_impl's h_first branch, without the float-only parts): the
  // horizontal pass writes Tm rows into a ring of NS slots, the vertical one combines them.
  int64_t* header = reinterpret_cast<int64_t*>(scratch);
  int64_t* tags = reinterpret_cast<int64_t*>(static_cast<char*>(ax_scratch) + pw.K * 16);
  const Tm** mrows = reinterpret_cast<const Tm**>(rows);
  const Acc* wv = static_cast<const Acc*>(ph.weight);
  const int64_t ahead = sweep_rows(a.rows);
  const int64_t bs = a.bstride;
  const int64_t NS = ahead > 1 ? KV + ahead : KV;
  if (header[0] == 0) {
    for (int64_t k = 0; k < NS; ++k) tags[k] = -1;
    header[0] = 1;
  }
  const Ti* srcs[kMaxSweepRows];
  Tm* dsts[kMaxSweepRows];
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t b = r / OH, oh = r % OH;
    const Acc* w = wv + oh * KV;
    const int64_t s0 = ph.start[oh];
    const int64_t last_o = imin(OH, oh + (r1 - r)) - 1;
    const int64_t need_end = imin(H, static_cast<int64_t>(ph.start[last_o]) + KV);
    int64_t k = 0;
    for (int64_t t = 0; t < KV; ++t) {
      if (w[t] == Acc(0)) continue;
      const int64_t i = s0 + t;
      const int64_t slot = i % NS;
      if (tags[slot] != b * H + i) {
        int64_t R = 0;
        const int64_t i_end = ahead > 1 ? imin(imin(i + ahead, need_end), s0 + NS) : i + 1;
        for (int64_t j = i; j < i_end; ++j) {
          const int64_t sl = j % NS;
          if (j > i && tags[sl] == b * H + j) break;
          srcs[R] = src + (b * H + j) * in_row;
          dsts[R] = buf + sl * bs;
          tags[sl] = b * H + j;
          ++R;
        }
        h_rows<Ti, Acc, Tm>(srcs, dsts, R, C, pw, ax_scratch);
      }
      mrows[k] = buf + slot * bs;
      ws[k] = w[t];
      ++k;
    }
    combine<Tm, Acc, To>(mrows, ws, k, bv[oh], ph.bits, dst + r * out_row, out_row);
  }
}

}  // namespace

void single_range(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch) {
  switch (a.dtype) {
    case U8:
      return a.acc64 ? single_impl<uint8_t, int64_t>(a, u0, u1, scratch)
                     : single_impl<uint8_t, int32_t>(a, u0, u1, scratch);
    case I8:
      return a.acc64 ? single_impl<int8_t, int64_t>(a, u0, u1, scratch)
                     : single_impl<int8_t, int32_t>(a, u0, u1, scratch);
    case U16:
      return a.acc64 ? single_impl<uint16_t, int64_t>(a, u0, u1, scratch)
                     : single_impl<uint16_t, int32_t>(a, u0, u1, scratch);
    case I16:
      return a.acc64 ? single_impl<int16_t, int64_t>(a, u0, u1, scratch)
                     : single_impl<int16_t, int32_t>(a, u0, u1, scratch);
    case F32:
      return single_impl<float, float>(a, u0, u1, scratch);
    case F64:
      return single_impl<double, double>(a, u0, u1, scratch);
    default:
      return;
  }
}

void pair_range(const PairArgs& a, int64_t r0, int64_t r1, void* scratch) {
  switch (a.dtype) {
    case U8:
      return a.acc64 ? pair_impl<uint8_t, int64_t>(a, r0, r1, scratch)
                     : pair_impl<uint8_t, int32_t>(a, r0, r1, scratch);
    case I8:
      return a.acc64 ? pair_impl<int8_t, int64_t>(a, r0, r1, scratch)
                     : pair_impl<int8_t, int32_t>(a, r0, r1, scratch);
    case U16:
      return a.acc64 ? pair_impl<uint16_t, int64_t>(a, r0, r1, scratch)
                     : pair_impl<uint16_t, int32_t>(a, r0, r1, scratch);
    case I16:
      return a.acc64 ? pair_impl<int16_t, int64_t>(a, r0, r1, scratch)
                     : pair_impl<int16_t, int32_t>(a, r0, r1, scratch);
    case F32:
      return pair_impl<float, float>(a, r0, r1, scratch);
    case F64:
      return pair_impl<double, double>(a, r0, r1, scratch);
    default:
      return;
  }
}

// (in, out) dtype codes of a wide pass; the accumulator as a.acc64 says.
void wide_single_range(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch) {
#define PG_W(IN, OUT, TI, TO)                                                              \
  if (a.dtype == IN && a.odtype == OUT)                                                    \
    return a.acc64 ? wide_single_impl<TI, TO, int64_t>(a, u0, u1, scratch)                 \
                   : wide_single_impl<TI, TO, int32_t>(a, u0, u1, scratch);
  PG_W(U8, I16, uint8_t, int16_t)
  PG_W(I8, I16, int8_t, int16_t)
  PG_W(I16, I16, int16_t, int16_t)
  PG_W(I16, U8, int16_t, uint8_t)
  PG_W(I16, I8, int16_t, int8_t)
  PG_W(U16, I32, uint16_t, int32_t)
  PG_W(I16, I32, int16_t, int32_t)
  PG_W(I32, I32, int32_t, int32_t)
  PG_W(I32, U16, int32_t, uint16_t)
  PG_W(I32, I16, int32_t, int16_t)
#undef PG_W
}

void wide_pair_range(const PairArgs& a, int64_t r0, int64_t r1, void* scratch) {
#define PG_W(IN, MID, TI, TM)                                                              \
  if (a.dtype == IN && a.mdtype == MID)                                                    \
    return a.acc64 ? wide_pair_impl<TI, TM, TI, int64_t>(a, r0, r1, scratch)               \
                   : wide_pair_impl<TI, TM, TI, int32_t>(a, r0, r1, scratch);
  PG_W(U8, I16, uint8_t, int16_t)
  PG_W(I8, I16, int8_t, int16_t)
  PG_W(U16, I32, uint16_t, int32_t)
  PG_W(I16, I32, int16_t, int32_t)
#undef PG_W
}

}  // namespace PG_KNS
}  // namespace pg
