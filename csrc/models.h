// Arithmetic-model kernels, included once per instruction set (models_base.cpp,
// models_avx2.cpp).  Each reproduces one numpy model engine of src/pixelgrid/_engines/
// bit for bit: the same operations on the same operands in the same order, per element
// (the loops only vectorise across independent elements; -ffp-contract=off keeps every
// product and sum rounded, std::fma only where the model fuses).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "models_types.h"

#ifndef PG_KNS
#error "define PG_KNS before including models.h"
#endif

namespace pg {
namespace PG_KNS {
namespace {

constexpr int64_t kChunk = 64;  // elements summed in registers/L1 at a time

// ---------------------------------------------------------------- float32_taps.py
// One output row segment [m0, m1) of a (B, L, M) pass with M large: every tap reads a
// contiguous input row (x[b, index[o, t], :]).
template <class T>
void taps_segment(const T* sb, int64_t M, const int32_t* ix, const T* w, int64_t K,
                  int fma, int nested, int32_t ff, T* d, int64_t m0, int64_t m1) {
  T acc[kChunk];
  for (int64_t m = m0; m < m1; m += kChunk) {
    const int64_t n = std::min(kChunk, m1 - m);
    if (nested || fma == FMA_REVERSE) {
      // x0*w0 + (x1*w1 + (... + x[K-1]*w[K-1])), fused or not
      const T* s = sb + int64_t(ix[K - 1]) * M + m;
      const T wl = w[K - 1];
      for (int64_t i = 0; i < n; ++i) acc[i] = s[i] * wl;
      for (int64_t t = K - 2; t >= 0; --t) {
        const T* st = sb + int64_t(ix[t]) * M + m;
        const T wt = w[t];
        if (fma == FMA_REVERSE)
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(st[i], wt, acc[i]);
        else
          for (int64_t i = 0; i < n; ++i) acc[i] = st[i] * wt + acc[i];
      }
    } else {
      const T* s = sb + int64_t(ix[0]) * M + m;
      const T w0 = w[0];
      for (int64_t i = 0; i < n; ++i) acc[i] = s[i] * w0;
      for (int64_t t = 1; t < K; ++t) {
        const T* st = sb + int64_t(ix[t]) * M + m;
        const T wt = w[t];
        if (fma == FMA_CHAIN || (fma == FMA_TAIL4 && t >= ff))
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(st[i], wt, acc[i]);
        else
          for (int64_t i = 0; i < n; ++i) acc[i] = acc[i] + st[i] * wt;
      }
    }
    std::memcpy(d + m, acc, size_t(n) * sizeof(T));
  }
}

// One element of a pass (rows whose elements mix the vector body and the scalar tail).
template <class T>
T taps_element(const T* sb, int64_t M, const int32_t* ix, const T* w, int64_t K, int fma,
               int nested, int32_t ff, int64_t m) {
  T acc;
  if (nested || fma == FMA_REVERSE) {
    acc = sb[int64_t(ix[K - 1]) * M + m] * w[K - 1];
    for (int64_t t = K - 2; t >= 0; --t) {
      const T v = sb[int64_t(ix[t]) * M + m];
      acc = fma == FMA_REVERSE ? std::fma(v, w[t], acc) : v * w[t] + acc;
    }
  } else {
    acc = sb[int64_t(ix[0]) * M + m] * w[0];
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
template <class T>
void taps_row_tables(const TapsPass& a, const T* sb, T* d, int nested) {
  const int64_t Q = a.O * a.M, K = a.K;
  const T* wq = static_cast<const T*>(a.wq);
  const int fma = a.fma;
  T acc[kChunk];
  for (int64_t q = 0; q < Q; q += kChunk) {
    const int64_t n = std::min(kChunk, Q - q);
    if (nested || fma == FMA_REVERSE) {
      const int32_t* of = a.off + (K - 1) * Q + q;
      const T* ww = wq + (K - 1) * Q + q;
      for (int64_t i = 0; i < n; ++i) acc[i] = sb[of[i]] * ww[i];
      for (int64_t t = K - 2; t >= 0; --t) {
        of = a.off + t * Q + q;
        ww = wq + t * Q + q;
        if (fma == FMA_REVERSE)
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(sb[of[i]], ww[i], acc[i]);
        else
          for (int64_t i = 0; i < n; ++i) acc[i] = sb[of[i]] * ww[i] + acc[i];
      }
    } else {
      const int32_t* of = a.off + q;
      const T* ww = wq + q;
      for (int64_t i = 0; i < n; ++i) acc[i] = sb[of[i]] * ww[i];
      for (int64_t t = 1; t < K; ++t) {
        of = a.off + t * Q + q;
        ww = wq + t * Q + q;
        if (fma == FMA_CHAIN) {
          for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(sb[of[i]], ww[i], acc[i]);
        } else if (fma == FMA_TAIL4) {
          const int32_t* ff = a.ffq + q;
          for (int64_t i = 0; i < n; ++i) {
            const T f = std::fma(sb[of[i]], ww[i], acc[i]);
            const T u = acc[i] + sb[of[i]] * ww[i];
            acc[i] = t >= ff[i] ? f : u;
          }
        } else {
          for (int64_t i = 0; i < n; ++i) acc[i] = acc[i] + sb[of[i]] * ww[i];
        }
      }
    }
    std::memcpy(d + q, acc, size_t(n) * sizeof(T));
  }
}

template <class T>
void taps_units(const TapsPass& a, int64_t u0, int64_t u1) {
  const T* src = static_cast<const T*>(a.src);
  T* dst = static_cast<T*>(a.dst);
  const T* w = static_cast<const T*>(a.weight);
  const int64_t L = a.L, O = a.O, M = a.M, K = a.K;
  if (a.off != nullptr) {  // units are rows b
    for (int64_t b = u0; b < u1; ++b) {
      const T* sb = src + b * L * M;
      T* d = dst + b * O * M;
      const int64_t clim = std::clamp<int64_t>(a.limit - b * M, 0, M);
      if (clim == 0 || clim == M) {
        taps_row_tables<T>(a, sb, d, clim == M);
        continue;
      }
      for (int64_t o = 0; o < O; ++o) {
        const int32_t ff = a.fused_from ? a.fused_from[o] : 0;
        for (int64_t m = 0; m < M; ++m)
          d[o * M + m] = taps_element<T>(sb, M, a.index + o * K, w + o * K, K, a.fma,
                                         m < clim, ff, m);
      }
    }
    return;
  }
  for (int64_t u = u0; u < u1; ++u) {  // units are output rows (b, o)
    const int64_t b = u / O, o = u % O;
    const T* sb = src + b * L * M;
    T* d = dst + u * M;
    const int32_t ff = a.fused_from ? a.fused_from[o] : 0;
    const int64_t clim = std::clamp<int64_t>(a.limit - b * M, 0, M);
    if (clim > 0) taps_segment<T>(sb, M, a.index + o * K, w + o * K, K, a.fma, 1, ff, d, 0, clim);
    if (clim < M) taps_segment<T>(sb, M, a.index + o * K, w + o * K, K, a.fma, 0, ff, d, clim, M);
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
    for (int64_t b = u0; b < u1; ++b) {
      const X* sb = src + b * L * M;
      H* d = dst + b * Q;
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
template <class H, class A, class D>
void wide_second_segment(const WidePass& a, const H* sb, const int32_t* ix, const int32_t* w,
                         const float* fw, D* d, int64_t m0, int64_t m1, int body) {
  const int64_t M = a.M, K = a.K;
  const int pre = a.pre, term = a.term, shift = a.shift;
  const A offset = A(a.offset);
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
  for (int64_t oy = r0; oy < r1; ++oy) {
    S* drow = dst + oy * dw * C;
    if (oy < fh) {
      const S* base = src + oy * ky * rowlen;
      const int64_t E = fw * C;
      for (int64_t e0 = 0; e0 < E; e0 += kChunk) {
        const int64_t ne = std::min(kChunk, E - e0);
        for (int64_t i = 0; i < ne; ++i) acc[i] = A(0);
        auto term = [&](int64_t k, int64_t e) -> A {  // tap k (row-major) of element e
          const int64_t sy = k / kx, sx = k % kx, ox = e / C, c = e % C;
          return A(base[sy * rowlen + (ox * kx + sx) * C + c]);
        };
        if constexpr (integer) {
          for (int64_t k = 0; k < n; ++k)
            for (int64_t i = 0; i < ne; ++i) acc[i] += term(k, e0 + i);
        } else {
          int64_t k = 0;
          for (; k + 4 <= n; k += 4)
            for (int64_t i = 0; i < ne; ++i) {
              const int64_t e = e0 + i;
              acc[i] = acc[i] + (((term(k, e) + term(k + 1, e)) + term(k + 2, e)) + term(k + 3, e));
            }
          for (; k < n; ++k)
            for (int64_t i = 0; i < ne; ++i) acc[i] = acc[i] + term(k, e0 + i);
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

}  // namespace

void taps_range(const TapsPass& a, int64_t u0, int64_t u1) {
  if (a.wtype == MF64) taps_units<double>(a, u0, u1);
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
