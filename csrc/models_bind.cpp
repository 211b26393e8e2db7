// Bindings of the arithmetic-model kernels (models.h): float32_taps, the store rules,
// wide_fixed and box_sum passes.  A float32_taps or wide_fixed pass is a named object
// (TapsStep, WideStep: the fields of its struct in models_types.h, checked and prepared
// once); the other entry points take keyword arguments named as their struct's fields.
// Arrays are checked for size and indices for range here, then the work is split over
// threads (engine.cpp's pool) with the GIL released.  Called from
// src/pixelgrid/_engines/native_models.py.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "models_types.h"

namespace nb = nanobind;

namespace pg {

bool g_rows512 = true;  // models_types.h

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);

#define PG_MODEL_DECLS                                                  \
  void taps_range(const TapsPass& a, int64_t u0, int64_t u1);           \
  void store_span(const StoreArgs& a, int64_t i0, int64_t i1);          \
  void wide_range(const WidePass& a, int64_t u0, int64_t u1);           \
  void box_range(const BoxArgs& a, int64_t r0, int64_t r1);            \
  void block_mean_range(const BlockMeanArgs& a, int64_t r0, int64_t r1); \
  void corner_range(const CornerArgs& a, int64_t u0, int64_t u1);
namespace mbase { PG_MODEL_DECLS }
#ifdef PG_HAVE_AVX2
namespace mavx2 { PG_MODEL_DECLS }
#endif
#undef PG_MODEL_DECLS

namespace {

struct ModelKernels {
  void (*taps)(const TapsPass&, int64_t, int64_t);
  void (*store)(const StoreArgs&, int64_t, int64_t);
  void (*wide)(const WidePass&, int64_t, int64_t);
  void (*box)(const BoxArgs&, int64_t, int64_t);
  void (*block_mean)(const BlockMeanArgs&, int64_t, int64_t);
  void (*corner)(const CornerArgs&, int64_t, int64_t);
  const char* isa;
};

ModelKernels pick(bool allow_simd) {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  if (allow_simd && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {mavx2::taps_range, mavx2::store_span, mavx2::wide_range, mavx2::box_range,
            mavx2::block_mean_range, mavx2::corner_range, "avx2"};
#else
  (void)allow_simd;
#endif
  return {mbase::taps_range, mbase::store_span, mbase::wide_range, mbase::box_range,
          mbase::block_mean_range, mbase::corner_range, "baseline"};
}

ModelKernels g_models = pick(true);

using Ro = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;
using Rw = nb::ndarray<nb::c_contig, nb::device::cpu>;

// Rows shorter than this run over whole output rows with per-element tables.
constexpr int64_t kWideRow = 16;

void need(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

int64_t msize(int t) {
  switch (t) {
    case MU8: case MI8: return 1;
    case MU16: case MI16: return 2;
    case MF32: case MI32: return 4;
    case MF64: case MI64: return 8;
    default: throw std::invalid_argument("unknown element type " + std::to_string(t));
  }
}

int64_t bytes(const Ro& a) { return static_cast<int64_t>(a.nbytes()); }

int64_t threads_for(int64_t threads, double work, int64_t units) {
  const int64_t cap = static_cast<int64_t>(work / 65536.0) + 1;
  return std::max<int64_t>(1, std::min({threads, cap, units}));
}

int64_t chunk_for(int64_t n, int64_t threads) {
  return std::max<int64_t>(1, (n + threads * 16 - 1) / (threads * 16));
}

const int32_t* checked_index(const Ro& index, int64_t O, int64_t K, int64_t L) {
  need(bytes(index) == O * K * 4, "index must hold out_size * taps int32");
  const int32_t* ix = static_cast<const int32_t*>(index.data());
  for (int64_t i = 0; i < O * K; ++i) need(ix[i] >= 0 && ix[i] < L, "index out of range");
  return ix;
}

// Per-element row tables: off[t*Q + q] = index[o, t]*M + m, values of w[o, t] (and of
// fused_from[o]) repeated for the M elements of output o.
template <class T>
void row_tables(int64_t O, int64_t M, int64_t K, const int32_t* ix, const T* w,
                std::vector<int32_t>& off, std::vector<T>& wq) {
  const int64_t Q = O * M;
  off.resize(size_t(K * Q));
  wq.resize(size_t(K * Q));
  for (int64_t o = 0; o < O; ++o)
    for (int64_t t = 0; t < K; ++t)
      for (int64_t m = 0; m < M; ++m) {
        off[size_t(t * Q + o * M + m)] = static_cast<int32_t>(int64_t(ix[o * K + t]) * M + m);
        wq[size_t(t * Q + o * M + m)] = w[o * K + t];
      }
}

// The row-wide 2-tap gathers of a rows pass (Gather2, models_types.h): O outputs of M
// elements from input rows of L pixels, taps ix[o*2], ix[o*2 + 1]; int16 weights wi
// (8-bit data) or the float32 tap-1 weights wf (lerp), and tap-0 weights wf0 when given
// (2-tap float32 sums).  False when the rows are shorter than a window or a weight does
// not fit int16 (the kernels then run without).
struct Gather2Prep {
  Gather2 g{};
  std::vector<int32_t> base, sel, far;
  std::vector<uint8_t> shuf;
  std::vector<int16_t> w16;
  std::vector<float> wf, wf0;
};

// The first and last input-row elements [lo, hi] that the two taps of output elements
// q0 .. q0 + n - 1 read (element q = o*M + m reads index[o, t]*M + m); R: the row's size.
void tap_span(const int32_t* ix, int64_t M, int64_t R, int64_t q0, int64_t n, int64_t& lo,
              int64_t& hi) {
  lo = R;
  hi = -1;
  for (int64_t q = q0; q < q0 + n; ++q) {
    const int64_t o = q / M, m = q % M;
    for (int t = 0; t < 2; ++t) {
      const int64_t e = int64_t(ix[o * 2 + t]) * M + m;
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    }
  }
}

bool build_gather2(Gather2Prep& p, int64_t O, int64_t M, int64_t L, const int32_t* ix,
                   const int32_t* w0, const int32_t* w1, const float* wf1,
                   const float* wf0 = nullptr) {
  const int64_t Q = O * M, R = L * M, G = Q / 8;
  if (R < 16 || G < 1) return false;
  if (w0 != nullptr)
    for (int64_t o = 0; o < O; ++o)
      if (std::abs(int64_t(w0[o])) > 32767 || std::abs(int64_t(w1[o])) > 32767) return false;
  p.base.assign(size_t(G), -1);
  if (w0 != nullptr) {
    p.shuf.assign(size_t(G * 32), 0x80);
    p.w16.assign(size_t(G * 16), 0);
  } else {
    p.sel.assign(size_t(G * 16), 0);
    p.wf.assign(size_t(G * 8), 0.0f);
    if (wf0 != nullptr) p.wf0.assign(size_t(G * 8), 0.0f);
  }
  for (int64_t k = 0; k < G; ++k) {
    int64_t lo, hi;
    tap_span(ix, M, R, 8 * k, 8, lo, hi);
    const int64_t b = std::min(lo, R - 16);
    const bool fits = hi < b + 16;
    if (!fits) {  // taps too far apart for a window (downsampling): gathered
      if (w0 != nullptr && hi > R - 4) continue;  // (a gather reads 4 bytes): one by one
      if (p.far.empty()) p.far.assign(size_t(G * 16), 0);
    }
    p.base[size_t(k)] = fits ? static_cast<int32_t>(b) : -2;
    for (int64_t j = 0; j < 8; ++j) {
      const int64_t q = 8 * k + j, o = q / M, m = q % M;
      const int64_t e0 = int64_t(ix[o * 2]) * M + m, e1 = int64_t(ix[o * 2 + 1]) * M + m;
      if (!fits) {
        p.far[size_t(k * 16 + j)] = static_cast<int32_t>(e0);
        p.far[size_t(k * 16 + 8 + j)] = static_cast<int32_t>(e1);
      }
      if (w0 != nullptr) {
        // int16 lanes 2j, 2j + 1 of the 256-bit vector: bytes 4j + 1, 4j + 3 (high bytes);
        // the shuffle indexes within each 128-bit half, both hold the window
        const size_t c = size_t(k * 32 + 4 * j);
        if (fits) {
          p.shuf[c + 1] = static_cast<uint8_t>(e0 - b);
          p.shuf[c + 3] = static_cast<uint8_t>(e1 - b);
        }
        p.w16[size_t(k * 16 + 2 * j)] = static_cast<int16_t>(w0[o]);
        p.w16[size_t(k * 16 + 2 * j + 1)] = static_cast<int16_t>(w1[o]);
      } else {
        if (fits) {
          p.sel[size_t(k * 16 + j)] = static_cast<int32_t>(e0 - b);
          p.sel[size_t(k * 16 + 8 + j)] = static_cast<int32_t>(e1 - b);
        }
        p.wf[size_t(k * 8 + j)] = wf1[o];
        if (wf0 != nullptr) p.wf0[size_t(k * 8 + j)] = wf0[o];
      }
    }
  }
  p.g.groups = G;
  p.g.base = p.base.data();
  p.g.shuf = p.shuf.empty() ? nullptr : p.shuf.data();
  p.g.w16 = p.w16.empty() ? nullptr : p.w16.data();
  p.g.sel = p.sel.empty() ? nullptr : p.sel.data();
  p.g.wf = p.wf.empty() ? nullptr : p.wf.data();
  p.g.wf0 = p.wf0.empty() ? nullptr : p.wf0.data();
  p.g.far = p.far.empty() ? nullptr : p.far.data();
  return true;
}

// The Gather16 tables (models_types.h) of a lerp pass; false (none built) where the CPU
// lacks AVX-512F or the rows are shorter than a window.
struct Gather16Prep {
  Gather16 g{};
  std::vector<int32_t> base;
  std::vector<uint8_t> sel;
  std::vector<int32_t> far;
  std::vector<float> wf;
};

bool build_gather16(Gather16Prep& p, int64_t O, int64_t M, int64_t L, const int32_t* ix,
                    const float* wf1) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) return false;
#else
  return false;
#endif
  const int64_t Q = O * M, R = L * M, G = Q / 16;
  if (R < 32 || G < 1) return false;
  p.base.assign(size_t(G), 0);
  p.sel.assign(size_t(G * 32), 0);
  p.wf.assign(size_t(G * 16), 0.0f);
  // the taps' span per group; 64-float windows for the row when some group needs more
  // than 32 floats and the row has 64
  std::vector<int64_t> los(static_cast<size_t>(G)), his(static_cast<size_t>(G));
  bool wide = false;
  for (int64_t k = 0; k < G; ++k) {
    int64_t lo, hi;
    tap_span(ix, M, R, 16 * k, 16, lo, hi);
    los[size_t(k)] = lo;
    his[size_t(k)] = hi;
    if (hi >= std::min(lo, R - 32) + 32) wide = R >= 64;
  }
  const int64_t N = wide ? 64 : 32;
  for (int64_t k = 0; k < G; ++k) {
    const int64_t lo = los[size_t(k)], hi = his[size_t(k)];
    const int64_t b = std::min(lo, R - N);
    const bool fits = hi < b + N;
    if (!fits && p.far.empty()) p.far.assign(size_t(G * 32), 0);
    p.base[size_t(k)] = fits ? static_cast<int32_t>(b) : -1;
    for (int64_t j = 0; j < 16; ++j) {
      const int64_t q = 16 * k + j, o = q / M, m = q % M;
      const int64_t e0 = int64_t(ix[o * 2]) * M + m, e1 = int64_t(ix[o * 2 + 1]) * M + m;
      if (fits) {
        p.sel[size_t(k * 32 + j)] = static_cast<uint8_t>(e0 - b);
        p.sel[size_t(k * 32 + 16 + j)] = static_cast<uint8_t>(e1 - b);
      } else {
        p.far[size_t(k * 32 + j)] = static_cast<int32_t>(e0);
        p.far[size_t(k * 32 + 16 + j)] = static_cast<int32_t>(e1);
      }
      p.wf[size_t(k * 16 + j)] = wf1[o];
    }
  }
  p.g = Gather16{G, wide ? 1 : 0, p.base.data(), p.sel.data(),
                 p.far.empty() ? nullptr : p.far.data(), p.wf.data()};
  return true;
}

// The Gather64 tables (models_types.h) of an 8-bit 2-tap first pass; false (none built)
// where the CPU lacks AVX-512 VBMI, a weight does not fit int16, the rows are shorter than
// a window or a group's taps do not fit one.
struct Gather64Prep {
  Gather64 g{};
  std::vector<int32_t> base;
  std::vector<uint8_t> perm;
  std::vector<int16_t> w16;
};

bool build_gather64(Gather64Prep& p, int64_t O, int64_t M, int64_t L, const int32_t* ix,
                    const int32_t* w0, const int32_t* w1) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512vbmi") || !__builtin_cpu_supports("avx512bw")) return false;
#else
  return false;
#endif
  const int64_t Q = O * M, R = L * M, G = Q / 16;
  if (R < 64 || G < 1) return false;
  for (int64_t o = 0; o < O; ++o)
    if (std::abs(int64_t(w0[o])) > 32767 || std::abs(int64_t(w1[o])) > 32767) return false;
  p.base.assign(size_t(G), 0);
  p.perm.assign(size_t(G * 64), 0);
  p.w16.assign(size_t(G * 32), 0);
  for (int64_t k = 0; k < G; ++k) {
    int64_t lo, hi;
    tap_span(ix, M, R, 16 * k, 16, lo, hi);
    const int64_t b = std::min(lo, R - 64);
    if (hi >= b + 64) return false;
    p.base[size_t(k)] = static_cast<int32_t>(b);
    for (int64_t j = 0; j < 16; ++j) {
      const int64_t q = 16 * k + j, o = q / M, m = q % M;
      // int16 lanes 2j, 2j + 1: bytes 4j + 1, 4j + 3 (high bytes) take the taps
      p.perm[size_t(k * 64 + 4 * j + 1)] = static_cast<uint8_t>(int64_t(ix[o * 2]) * M + m - b);
      p.perm[size_t(k * 64 + 4 * j + 3)] = static_cast<uint8_t>(int64_t(ix[o * 2 + 1]) * M + m - b);
      p.w16[size_t(k * 32 + 2 * j)] = static_cast<int16_t>(w0[o]);
      p.w16[size_t(k * 32 + 2 * j + 1)] = static_cast<int16_t>(w1[o]);
    }
  }
  p.g = Gather64{G, p.base.data(), p.perm.data(), p.w16.data()};
  return true;
}

// A TapsPass with the row tables it points to (kept alive, never moved once built).
struct TapsPrep {
  TapsPass a{};
  Gather2Prep g2;
  Gather16Prep g16;
  std::vector<int32_t> off, ffq;
  std::vector<float> wq32;
  std::vector<double> wq64;
  TapsPrep() = default;
  TapsPrep(const TapsPrep&) = delete;
  TapsPrep& operator=(const TapsPrep&) = delete;
};

// Checks the pass's sizes and tables (not src/dst) and builds its row tables.
void prepare_taps(TapsPrep& p, int wtype, int fma, int64_t B, int64_t L, int64_t O, int64_t M,
                  int64_t K, int64_t limit, const Ro& index, const Ro& weight,
                  const std::optional<Ro>& fused_from, int zero_start, double start,
                  int io32 = 0) {
  need(wtype == MF32 || wtype == MF64, "wtype must be float32 or float64");
  need(!io32 || wtype == MF64, "io32: float32 data with float64 weights only");
  need((fma >= FMA_NONE && fma <= FMA_TAIL4) || fma == FMA_LERP || fma == FMA_LERP_MUL ||
           (fma == FMA_PAIR_CHAIN && !zero_start),
       "bad fma mode");
  need((fma != FMA_LERP && fma != FMA_LERP_MUL) || (wtype == MF32 && K == 2 && limit <= 0 && !zero_start),
       "lerp: 2-tap float32 passes without a vector body");
  need(B >= 1 && L >= 1 && O >= 1 && M >= 1 && K >= 1, "bad pass sizes");
  need(L * M < (int64_t(1) << 31), "an input row must have fewer than 2**31 elements");
  const int64_t isz = msize(wtype);
  need(bytes(weight) == O * K * isz, "weight has the wrong size");
  TapsPass& a = p.a;
  a.wtype = wtype;
  a.fma = fma;
  a.B = B; a.L = L; a.O = O; a.M = M; a.K = K;
  a.limit = limit;
  need(!zero_start || fma == FMA_NONE, "zero_start only with fma none");
  a.zero_start = zero_start ? 1 : 0;
  a.start = start;
  a.io32 = io32 ? 1 : 0;
  a.index = checked_index(index, O, K, L);
  a.weight = weight.data();
  if (fused_from) {
    need(bytes(*fused_from) == O * 4, "fused_from must hold out_size int32");
    a.fused_from = static_cast<const int32_t*>(fused_from->data());
  }
  need(fma != FMA_TAIL4 || a.fused_from != nullptr, "tail4 needs fused_from");
  if (M < kWideRow) {
    if (wtype == MF32) {
      row_tables(O, M, K, a.index, static_cast<const float*>(a.weight), p.off, p.wq32);
      a.wq = p.wq32.data();
    } else {
      row_tables(O, M, K, a.index, static_cast<const double*>(a.weight), p.off, p.wq64);
      a.wq = p.wq64.data();
    }
    a.off = p.off.data();
    if (a.fused_from) {
      p.ffq.resize(size_t(O * M));
      for (int64_t q = 0; q < O * M; ++q) p.ffq[size_t(q)] = a.fused_from[q / M];
      a.ffq = p.ffq.data();
    }
    if ((fma == FMA_LERP || fma == FMA_LERP_MUL) && M > 1) {  // tap-1 weights w[o*2 + 1]
      std::vector<float> w1(static_cast<size_t>(O));
      const float* wt = static_cast<const float*>(a.weight);
      for (int64_t o = 0; o < O; ++o) w1[size_t(o)] = wt[o * 2 + 1];
      if (build_gather2(p.g2, O, M, L, a.index, nullptr, nullptr, w1.data())) a.g2 = &p.g2.g;
      if (build_gather16(p.g16, O, M, L, a.index, w1.data())) a.g16 = &p.g16.g;
    }
    // 2-tap float32 sums f32(x0 w0) + f32(x1 w1), or fma(x1, w1, f32(x0 w0)) (chain, and
    // tail4 where every row fuses tap 1): row-wide gathers with both weights
    // (gather2_taps_row; fma reverse keeps its own order, without them)
    bool two = wtype == MF32 && K == 2 && !zero_start &&
               (fma == FMA_NONE || fma == FMA_CHAIN || fma == FMA_TAIL4);
    if (two && fma == FMA_TAIL4)
      for (int64_t o = 0; o < O && two; ++o) two = a.fused_from[o] <= 1;
    if (two) {
      std::vector<float> w0(static_cast<size_t>(O)), w1(static_cast<size_t>(O));
      const float* wt = static_cast<const float*>(a.weight);
      for (int64_t o = 0; o < O; ++o) {
        w0[size_t(o)] = wt[o * 2];
        w1[size_t(o)] = wt[o * 2 + 1];
      }
      if (build_gather2(p.g2, O, M, L, a.index, nullptr, nullptr, w1.data(), w0.data()))
        a.g2 = &p.g2.g;
    }
  }
}

// ---- The boundary: a pass as a named, prepared object -----------------------------------
// TapsStep and WideStep (pixelgrid._native, keyword-only constructors) hold the fields of
// one TapsPass / WidePass (models_types.h) by name.  The constructor checks them and
// builds the pass's row tables once, and the step keeps its own copies of the plan arrays
// the kernels read (so a cached step cannot be changed under them); native_models.py
// caches one step per plan and shape, and each call passes only src, dst and threads.
template <class T>
const T* own_copy(std::vector<T>& dst, const void* src, int64_t n) {
  const T* p = static_cast<const T*>(src);
  dst.assign(p, p + n);
  return dst.data();
}

struct TapsStep {
  TapsPrep prep;
  std::vector<int32_t> index, fused_from;
  std::vector<float> w32;
  std::vector<double> w64;
  TapsStep(int wtype, int fma, int64_t B, int64_t L, int64_t O, int64_t M, int64_t K,
           int64_t limit, const Ro& index_, const Ro& weight, const std::optional<Ro>& ff,
           int zero_start, double start, int io32) {
    prepare_taps(prep, wtype, fma, B, L, O, M, K, limit, index_, weight, ff, zero_start,
                 start, io32);
    TapsPass& a = prep.a;
    a.index = own_copy(index, a.index, O * K);
    if (wtype == MF32) a.weight = own_copy(w32, a.weight, O * K);
    else a.weight = own_copy(w64, a.weight, O * K);
    if (a.fused_from) a.fused_from = own_copy(fused_from, a.fused_from, O);
  }
  TapsStep(const TapsStep&) = delete;
  TapsStep& operator=(const TapsStep&) = delete;
};

void taps_pass(const Ro& src, Rw& dst, const TapsStep& step, int64_t threads) {
  need(threads >= 1, "threads must be >= 1");
  TapsPass a = step.prep.a;  // (a copy: a step may run in several calls at once)
  const int64_t isz = a.io32 ? 4 : msize(a.wtype);
  need(bytes(src) == a.B * a.L * a.M * isz, "src has the wrong size");
  need(static_cast<int64_t>(dst.nbytes()) == a.B * a.O * a.M * isz, "dst has the wrong size");
  a.src = src.data();
  a.dst = dst.data();
  const int64_t units = a.off != nullptr ? a.B : a.B * a.O;
  const int64_t nt = threads_for(threads, double(a.B) * a.O * a.M * a.K, units);
  const auto fn = g_models.taps;
  nb::gil_scoped_release release;
  parallel_run(units, nt, chunk_for(units, nt),
               [&](int64_t u0, int64_t u1, int64_t) { fn(a, u0, u1); });
}

void store(const Ro& src, Rw& dst, int stype, int dtype, int rule, int64_t threads) {
  need(stype == MF32 || stype == MF64, "stype must be float32 or float64");
  need(dtype >= MU8 && dtype <= MI16, "dtype must be an 8 or 16-bit integer type");
  need(rule >= ST_HALF_EVEN && rule <= ST_CLIP8_WRAP, "bad store rule");
  const int64_t n = bytes(src) / msize(stype);
  need(static_cast<int64_t>(dst.nbytes()) == n * msize(dtype), "dst has the wrong size");
  StoreArgs a{stype, dtype, rule, n, src.data(), dst.data()};
  const int64_t nt = threads_for(threads, double(n) / 4, std::max<int64_t>(1, n / 4096));
  const auto fn = g_models.store;
  nb::gil_scoped_release release;
  parallel_run(n, nt, std::max<int64_t>(4096, chunk_for(n, nt)),
               [&](int64_t i0, int64_t i1, int64_t) { fn(a, i0, i1); });
}

// A WidePass with its row tables (as TapsPrep).
struct WidePrep {
  WidePass a{};
  Gather2Prep g2;
  Gather64Prep g64;
  std::vector<int32_t> off, wq, off2;
  std::vector<float> fwq;
  WidePrep() = default;
  WidePrep(const WidePrep&) = delete;
  WidePrep& operator=(const WidePrep&) = delete;
};

void prepare_wide(WidePrep& p, int first, int itype, int otype, int acc64, int64_t B,
                  int64_t L, int64_t O, int64_t M, int64_t K, int64_t limit, int pre, int term,
                  int shift, int64_t offset, const Ro& index, const Ro& w,
                  const std::optional<Ro>& fw, int i16, int f64) {
  need(B >= 1 && L >= 1 && O >= 1 && M >= 1 && K >= 1, "bad pass sizes");
  need(L * M < (int64_t(1) << 31), "an input row must have fewer than 2**31 elements");
  if (first) {
    need(itype >= MU8 && itype <= MI16 && (otype == MI32 || otype == MI64),
         "first pass: 8/16-bit integers in, int32/int64 out");
  } else {
    need((itype == MI32 || itype == MI64) && otype >= MU8 && otype <= MI16,
         "second pass: int32/int64 in, 8/16-bit integers out");
    need(pre >= 0 && pre < 63 && term >= 0 && term < 63 && shift >= 1 && shift < 63,
         "bad shifts");
    need(itype == MI32 || acc64, "int64 sums need acc64");
  }
  need(bytes(w) == O * K * 4, "w must hold out_size * taps int32");
  WidePass& a = p.a;
  a.first = first; a.itype = itype; a.otype = otype; a.acc64 = acc64;
  a.B = B; a.L = L; a.O = O; a.M = M; a.K = K;
  a.limit = first ? 0 : limit;
  a.pre = pre; a.term = term; a.shift = shift; a.offset = offset;
  a.i16 = first ? 0 : i16;
  a.f64 = first || itype != MI32 || !acc64 ? 0 : f64;
  a.index = checked_index(index, O, K, L);
  a.w = static_cast<const int32_t*>(w.data());
  if (fw) {
    need(bytes(*fw) == O * K * 4, "fw must hold out_size * taps float32");
    a.fw = static_cast<const float*>(fw->data());
  }
  need(a.limit <= 0 || a.fw != nullptr, "a float body needs fw");
  if (M < kWideRow) {
    row_tables(O, M, K, a.index, a.w, p.off, p.wq);
    a.off = p.off.data();
    a.wq = p.wq.data();
    if (a.fw) {
      row_tables(O, M, K, a.index, a.fw, p.off2, p.fwq);
      a.fwq = p.fwq.data();
    }
    if (first && K == 2 && (itype == MU8 || itype == MI8) && otype == MI32) {
      std::vector<int32_t> w0(static_cast<size_t>(O)), w1(static_cast<size_t>(O));
      for (int64_t o = 0; o < O; ++o) {
        w0[size_t(o)] = a.w[o * 2];
        w1[size_t(o)] = a.w[o * 2 + 1];
      }
      if (build_gather2(p.g2, O, M, L, a.index, w0.data(), w1.data(), nullptr)) {
        a.g2 = &p.g2.g;
        if (build_gather64(p.g64, O, M, L, a.index, w0.data(), w1.data())) a.g64 = &p.g64.g;
      }
    }
  }
}

struct WideStep {
  WidePrep prep;
  std::vector<int32_t> index, w;
  std::vector<float> fw;
  WideStep(int first, int itype, int otype, int acc64, int64_t B, int64_t L, int64_t O,
           int64_t M, int64_t K, int64_t limit, int pre, int term, int shift, int64_t offset,
           const Ro& index_, const Ro& w_, const std::optional<Ro>& fw_, int i16, int f64) {
    prepare_wide(prep, first, itype, otype, acc64, B, L, O, M, K, limit, pre, term, shift,
                 offset, index_, w_, fw_, i16, f64);
    WidePass& a = prep.a;
    a.index = own_copy(index, a.index, O * K);
    a.w = own_copy(w, a.w, O * K);
    if (a.fw) a.fw = own_copy(fw, a.fw, O * K);
  }
  WideStep(const WideStep&) = delete;
  WideStep& operator=(const WideStep&) = delete;
};

void wide_pass(const Ro& src, Rw& dst, const WideStep& step, int64_t threads) {
  need(threads >= 1, "threads must be >= 1");
  WidePass a = step.prep.a;  // (a copy: a step may run in several calls at once)
  need(bytes(src) == a.B * a.L * a.M * msize(a.itype), "src has the wrong size");
  need(static_cast<int64_t>(dst.nbytes()) == a.B * a.O * a.M * msize(a.otype),
       "dst has the wrong size");
  a.src = src.data();
  a.dst = dst.data();
  const int64_t units = a.off != nullptr ? a.B : a.B * a.O;
  const int64_t nt = threads_for(threads, double(a.B) * a.O * a.M * a.K, units);
  const auto fn = g_models.wide;
  nb::gil_scoped_release release;
  parallel_run(units, nt, chunk_for(units, nt),
               [&](int64_t u0, int64_t u1, int64_t) { fn(a, u0, u1); });
}

// ---- streamed two-pass images (wide_fixed, float32_taps) --------------------------------
// A (H, W, C) image's first pass along W (a1: B = H rows of C < kWideRow elements) and its
// second along H (a2: B = 1, M = a1.O * C), streamed by strips of output rows: a worker
// runs the first pass over the source rows a strip reads into its own cache-sized buffer,
// then the strip's output rows from that buffer, so the intermediate image never goes to
// memory (measured: writing and re-reading it was about half of a 1024^2x3 -> 1536^2
// resize).  Same kernels, same operands per element: bit-identical to the two passes; the
// source rows shared by two strips are computed twice.
//
// u8 (float32 taps only): the source is uint8 and each strip's source rows are first
// widened into a per-thread float32 buffer (exact), instead of the whole image by numpy
// before the call (on the 1024^2x3 -> 400^2 INTER_AREA resize that conversion wrote and
// read back 12 MB: ~1 ms of a 3.9 ms call at 1 thread).
template <class P>
void run_streamed(const P& a1, const P& a2, void (*fn)(const P&, int64_t, int64_t),
                  int64_t in_size, int64_t h_size, int64_t threads,
                  const uint8_t* u8 = nullptr) {
  const int64_t O2 = a2.O, K2 = a2.K;
  const int64_t row_bytes = a2.M * h_size;
  // output rows per strip: about 256 KiB of intermediate rows
  const double src_per_out = std::max(0.25, double(a2.L) / double(O2));
  // and enough of them that the K2 - 1 source rows a strip shares with the next (computed
  // twice) are at most a quarter of its rows (measured: 8-tap 1024^2x3 -> 1536^2 uint8
  // Lanczos4 with 21-row strips spent a third of its first pass on shared rows)
  const int64_t S = std::clamp<int64_t>(
      std::max(int64_t(double(1 << 18) / (double(row_bytes) * src_per_out)),
               int64_t(std::ceil(4.0 * double(K2 - 1) / src_per_out))), 4, 256);
  const int64_t nstrip = (O2 + S - 1) / S;
  const int64_t nt = threads_for(
      threads, double(a1.B) * a1.O * a1.M * a1.K + double(O2) * a2.M * K2, nstrip);
  nb::gil_scoped_release release;
  parallel_run(nstrip, nt, 1, [&](int64_t s0, int64_t s1, int64_t) {
    // per-thread buffers kept from call to call (the pool's threads live on): a small
    // call then allocates and zero-fills nothing (64^2x3 -> 96^2 float32 linear: 6.0 -> 5.0 us).
    // Every buffer row a strip's second pass reads is written by its first pass, and
    // only the strip's own rows of ix are read.
    thread_local std::vector<char> buf;
    thread_local std::vector<int32_t> ix;
    thread_local std::vector<float> wide;  // (u8) the strip's source rows as float32
    thread_local std::vector<int32_t> pos;  // buffer row of each source row of a strip
    if (ix.size() < static_cast<size_t>(O2 * K2)) ix.resize(static_cast<size_t>(O2 * K2));
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t r0 = s * S, r1 = std::min(O2, r0 + S);
      int32_t lo = a2.index[r0 * K2], hi = lo;
      for (int64_t i = r0 * K2; i < r1 * K2; ++i) {
        lo = std::min(lo, a2.index[i]);
        hi = std::max(hi, a2.index[i]);
      }
      // the rows of [lo, hi] the strip's outputs read: all of them when upsampling; when
      // downsampling, rows between two outputs' taps are skipped (compact: row lo + r
      // goes to buffer row pos[r], -1 where unread)
      const int64_t span = int64_t(hi) - lo + 1;
      if (pos.size() < static_cast<size_t>(span)) pos.resize(static_cast<size_t>(span));
      std::fill(pos.begin(), pos.begin() + span, -1);
      for (int64_t i = r0 * K2; i < r1 * K2; ++i) pos[size_t(a2.index[i] - lo)] = 0;
      int64_t n = 0;
      for (int64_t r = 0; r < span; ++r)
        if (pos[size_t(r)] >= 0) pos[size_t(r)] = static_cast<int32_t>(n++);
      if (buf.size() < static_cast<size_t>(n * row_bytes))
        buf.resize(static_cast<size_t>(n * row_bytes));
      for (int64_t i = r0 * K2; i < r1 * K2; ++i) ix[size_t(i)] = pos[size_t(a2.index[i] - lo)];
      const int64_t row = a1.L * a1.M;
      if (u8 != nullptr && wide.size() < static_cast<size_t>(n * row))
        wide.resize(static_cast<size_t>(n * row));
      // each run of consecutive read rows [r, e) in one call
      for (int64_t r = 0; r < span;) {
        if (pos[size_t(r)] < 0) {
          ++r;
          continue;
        }
        int64_t e = r + 1;
        while (e < span && pos[size_t(e)] >= 0) ++e;
        const int64_t first = lo + r, at = pos[size_t(r)];
        P p1 = a1;  // source rows [first, first + e - r): the same limits and end of data
        p1.src = static_cast<const char*>(a1.src) + first * row * in_size;
        p1.B = a1.B - first;
        p1.limit = a1.limit - first * a1.M;
        if (u8 != nullptr) {  // the rows widened; they end the data the pass sees
          const uint8_t* from = u8 + first * row;
          float* to = wide.data() + at * row;
          for (int64_t i = 0; i < (e - r) * row; ++i) to[i] = static_cast<float>(from[i]);
          p1.src = to;
          p1.B = n - at;
        }
        p1.dst = buf.data() + at * row_bytes;
        fn(p1, 0, e - r);
        r = e;
      }
      P p2 = a2;  // output rows [r0, r1) from the buffer's compact rows
      p2.src = buf.data();
      p2.L = n;
      p2.index = ix.data();
      fn(p2, r0, r1);
    }
    // (buffers of a very wide image are not kept)
    if (buf.capacity() > (size_t(1) << 22)) std::vector<char>().swap(buf);
    if (ix.capacity() > (size_t(1) << 20)) std::vector<int32_t>().swap(ix);
    if (wide.capacity() > (size_t(1) << 20)) std::vector<float>().swap(wide);
    if (pos.capacity() > (size_t(1) << 20)) std::vector<int32_t>().swap(pos);
  });
}

void taps_streamed(const Ro& src, Rw& dst, const TapsStep& first, const TapsStep& second,
                   int64_t threads) {
  need(threads >= 1, "threads must be >= 1");
  TapsPass a1 = first.prep.a, a2 = second.prep.a;  // copies, as taps_pass
  need(a1.off != nullptr && a2.off == nullptr && a1.wtype == a2.wtype && a2.B == 1 &&
           a2.L == a1.B && a2.M == a1.O * a1.M && a1.io32 == a2.io32,
       "streamed passes: (H, W, C) along W with C < 16, then along H");
  const int64_t isz = a1.io32 ? 4 : msize(a1.wtype);
  // a uint8 source for float32 taps: widened strip by strip (run_streamed)
  const bool u8 = src.dtype() == nb::dtype<uint8_t>();
  need(!u8 || (a1.wtype == MF32 && !a1.io32), "a uint8 source needs float32 taps");
  need(bytes(src) == a1.B * a1.L * a1.M * (u8 ? 1 : isz), "src has the wrong size");
  need(static_cast<int64_t>(dst.nbytes()) == a2.O * a2.M * isz, "dst has the wrong size");
  a1.src = src.data();
  a2.dst = dst.data();
  run_streamed<TapsPass>(a1, a2, g_models.taps, isz, isz, threads,
                         u8 ? static_cast<const uint8_t*>(src.data()) : nullptr);
}

void wide_streamed(const Ro& src, Rw& dst, const WideStep& first, const WideStep& second,
                   int64_t threads) {
  need(threads >= 1, "threads must be >= 1");
  WidePass a1 = first.prep.a, a2 = second.prep.a;  // copies, as wide_pass
  need(a1.first && !a2.first, "streamed passes: a first pass, then a second");
  need(a1.off != nullptr && a2.off == nullptr && a1.otype == a2.itype && a2.B == 1 &&
           a2.L == a1.B && a2.M == a1.O * a1.M,
       "streamed passes: (H, W, C) along W with C < 16, then along H");
  need(bytes(src) == a1.B * a1.L * a1.M * msize(a1.itype), "src has the wrong size");
  need(static_cast<int64_t>(dst.nbytes()) == a2.O * a2.M * msize(a2.otype),
       "dst has the wrong size");
  a1.src = src.data();
  a2.dst = dst.data();
  run_streamed<WidePass>(a1, a2, g_models.wide, msize(a1.itype), msize(a1.otype), threads);
}

void box(const Ro& src, Rw& dst, int dtype, int store_rule, int64_t H, int64_t W, int64_t C,
         int64_t kx, int64_t ky, int64_t dh, int64_t dw, int64_t full_w, int64_t full_h,
         int64_t limit, double inv, int64_t threads) {
  need(dtype >= MU8 && dtype <= MF64, "bad dtype");
  need(store_rule >= ST_HALF_EVEN && store_rule <= ST_TRUNCATE, "bad store rule");
  need(H >= 1 && W >= 1 && C >= 1 && kx >= 1 && ky >= 1 && dh >= 1 && dw >= 1 && threads >= 1,
       "bad box sizes");
  need(full_w == std::min(dw, W / kx) && full_h == std::min(dh, H / ky), "bad full blocks");
  need(dw <= (W + kx - 1) / kx && dh <= full_h + 1 && dh <= (H + ky - 1) / ky,
       "blocks outside the input");
  need(dtype >= MF32 || ky < 32768, "integer blocks of 32768 rows or more");
  need(bytes(src) == H * W * C * msize(dtype), "src has the wrong size");
  need(static_cast<int64_t>(dst.nbytes()) == dh * dw * C * msize(dtype), "dst has the wrong size");
  BoxArgs a{dtype, store_rule, H, W, C, kx, ky, dh, dw, full_w, full_h,
            std::clamp<int64_t>(limit, 0, full_w * C), inv, src.data(), dst.data()};
  const int64_t nt = threads_for(threads, double(H) * W * C, dh);
  const auto fn = g_models.box;
  nb::gil_scoped_release release;
  parallel_run(dh, nt, chunk_for(dh, nt), [&](int64_t r0, int64_t r1, int64_t) { fn(a, r0, r1); });
}

void block_mean(const Ro& src, Rw& dst, int dtype, int64_t H, int64_t W, int64_t C,
                int64_t y0, int64_t x0, int64_t fy, int64_t fx, int64_t oh, int64_t ow,
                int64_t ny_last, int64_t nx_last, int64_t threads) {
  need(dtype >= MU8 && dtype <= MI16, "dtype must be an 8 or 16-bit integer type");
  need(H >= 1 && W >= 1 && C >= 1 && fy >= 1 && fx >= 1 && oh >= 1 && ow >= 1 && threads >= 1,
       "bad block sizes");
  need(ny_last >= 1 && ny_last <= fy && nx_last >= 1 && nx_last <= fx, "bad last blocks");
  need(y0 >= 0 && x0 >= 0 && y0 + (oh - 1) * fy + ny_last <= H &&
           x0 + (ow - 1) * fx + nx_last <= W, "blocks outside the input");
  need(bytes(src) == H * W * C * msize(dtype), "src has the wrong size");
  need(static_cast<int64_t>(dst.nbytes()) == oh * ow * C * msize(dtype), "dst has the wrong size");
  BlockMeanArgs a{dtype, H, W, C, y0, x0, fy, fx, oh, ow, ny_last, nx_last, src.data(),
                  dst.data()};
  const int64_t nt = threads_for(threads, double(oh) * fy * W * C, oh);
  const auto fn = g_models.block_mean;
  nb::gil_scoped_release release;
  parallel_run(oh, nt, chunk_for(oh, nt), [&](int64_t r0, int64_t r1, int64_t) { fn(a, r0, r1); });
}

// cells: per cell axis (axis, i0, i1, w0, w1, outside or None), sorted by axis.
void corner_sum(const Ro& src, Rw& dst, int wtype, int itype, int otype,
                const std::vector<int64_t>& in_shape, const std::vector<int64_t>& out_shape,
                const std::vector<int>& axes, const std::vector<Ro>& i0, const std::vector<Ro>& i1,
                const std::vector<Ro>& w0, const std::vector<Ro>& w1,
                const std::vector<std::optional<Ro>>& outside, double fill_f, int64_t fill_i,
                int64_t threads) {
  const int nd = static_cast<int>(in_shape.size()), k = static_cast<int>(axes.size());
  need(nd >= 1 && nd <= 8 && static_cast<int>(out_shape.size()) == nd, "1 to 8 dimensions");
  need(k >= 1 && k <= 3 && i0.size() == size_t(k) && i1.size() == size_t(k) &&
           w0.size() == size_t(k) && w1.size() == size_t(k) && outside.size() == size_t(k),
       "1 to 3 cell axes, one entry each");
  need(wtype == MF32 || wtype == MF64 || wtype == MI64, "bad wtype");
  need(itype >= MU8 && itype <= MI32 && otype >= MU8 && otype <= MI32, "bad element types");
  CornerArgs a{};
  a.wtype = wtype; a.itype = itype; a.otype = otype; a.ndim = nd; a.k = k;
  int64_t nin = 1, nout = 1;
  for (int d = 0; d < nd; ++d) {
    need(in_shape[size_t(d)] >= 1 && out_shape[size_t(d)] >= 1, "empty axis");
    a.in_shape[d] = in_shape[size_t(d)];
    a.out_shape[d] = out_shape[size_t(d)];
    nin *= a.in_shape[d];
    nout *= a.out_shape[d];
  }
  for (int j = 0; j < k; ++j) {
    const int d = axes[size_t(j)];
    need(d >= 0 && d < nd && (j == 0 || d > axes[size_t(j - 1)]), "cell axes sorted, in range");
    a.axes[j] = d;
    const int64_t O = a.out_shape[d], L = a.in_shape[d];
    a.i0[j] = checked_index(i0[size_t(j)], O, 1, L);
    a.i1[j] = checked_index(i1[size_t(j)], O, 1, L);
    need(bytes(w0[size_t(j)]) == O * msize(wtype) && bytes(w1[size_t(j)]) == O * msize(wtype),
         "cell weights have the wrong size");
    a.w0[j] = w0[size_t(j)].data();
    a.w1[j] = w1[size_t(j)].data();
    if (outside[size_t(j)]) {
      need(bytes(*outside[size_t(j)]) == O, "outside must hold out_size bytes");
      a.outside[j] = static_cast<const uint8_t*>(outside[size_t(j)]->data());
    }
  }
  for (int d = 0; d < nd; ++d) {
    bool is_cell = false;
    for (int j = 0; j < k; ++j) is_cell |= a.axes[j] == d;
    need(is_cell || a.in_shape[d] == a.out_shape[d], "non-cell axes keep their size");
  }
  need(bytes(src) == nin * msize(itype), "src has the wrong size");
  need(static_cast<int64_t>(dst.nbytes()) == nout * msize(otype), "dst has the wrong size");
  a.fill_f = fill_f;
  a.fill_i = fill_i;
  a.src = src.data();
  a.dst = dst.data();
  int64_t units = nout / a.out_shape[nd - 1];
  // q10 on 8-bit data over 2 adjacent cell axes: separably (CornerArgs.sep) where every
  // partial sum fits int32: |h| <= ax * 255 (or 128), |wy0 h0 + wy1 h1| <= ay * ax * 255
  Gather2Prep g2;
  std::vector<int32_t> qw[2][2];
  if (wtype == MI64 && k == 2 && a.axes[1] == a.axes[0] + 1 && (itype == MU8 || itype == MI8) &&
      otype == itype) {
    int64_t bound[2] = {0, 0};
    for (int j = 0; j < 2; ++j) {
      const int64_t O = a.out_shape[a.axes[j]];
      const int64_t* v0 = static_cast<const int64_t*>(a.w0[j]);
      const int64_t* v1 = static_cast<const int64_t*>(a.w1[j]);
      for (int64_t o = 0; o < O; ++o) {
        const int64_t s0 = v0[o] < 0 ? -v0[o] : v0[o], s1 = v1[o] < 0 ? -v1[o] : v1[o];
        if (s0 > 32767 || s1 > 32767) bound[j] = int64_t(1) << 40;
        else bound[j] = std::max(bound[j], s0 + s1);
      }
    }
    const int64_t xmax = itype == MU8 ? 255 : 128;
    if (bound[0] < (int64_t(1) << 20) && bound[1] < (int64_t(1) << 20) &&
        bound[0] * bound[1] * xmax < (int64_t(1) << 31)) {
      for (int j = 0; j < 2; ++j) {
        const int64_t O = a.out_shape[a.axes[j]];
        for (int t = 0; t < 2; ++t) {
          const int64_t* v = static_cast<const int64_t*>(t ? a.w1[j] : a.w0[j]);
          qw[j][t].assign(v, v + O);
          a.qw[j][t] = qw[j][t].data();
        }
      }
      int64_t M = 1;
      for (int d = a.axes[1] + 1; d < nd; ++d) M *= a.in_shape[d];
      const int64_t OW = a.out_shape[a.axes[1]];
      std::vector<int32_t> ix(static_cast<size_t>(2 * OW));
      for (int64_t o = 0; o < OW; ++o) {
        ix[size_t(2 * o)] = a.i0[1][o];
        ix[size_t(2 * o + 1)] = a.i1[1][o];
      }
      if (build_gather2(g2, OW, M, a.in_shape[a.axes[1]], ix.data(), a.qw[1][0], a.qw[1][1],
                        nullptr))
        a.g2 = &g2.g;
      a.sep = 1;
      units = nout / (OW * M);
    }
  }
  const int64_t nt = threads_for(threads, double(nout) * (1 << k) * 2, units);
  const auto fn = g_models.corner;
  nb::gil_scoped_release release;
  parallel_run(units, nt, chunk_for(units, nt),
               [&](int64_t u0, int64_t u1, int64_t) { fn(a, u0, u1); });
}

}  // namespace

void register_ipp_cubic(nb::module_& m);  // ipp_cubic_bind.cpp
void register_torch_corners(nb::module_& m);  // torch_corners_bind.cpp
void register_finite_scan(nb::module_& m);  // finite_scan_bind.cpp
void register_cv_warp(nb::module_& m);  // cv_warp_bind.cpp

void register_models(nb::module_& m) {
  register_ipp_cubic(m);
  register_torch_corners(m);
  register_finite_scan(m);
  register_cv_warp(m);
  m.def("model_isa", []() { return std::string(g_models.isa); });
  m.def("model_set_simd", [](bool allow) {
    g_models = pick(allow);
    return std::string(g_models.isa);
  });
  // rows512(on) -> the previous setting: the AVX-512 row groups (Gather16, Gather64) on or off
  m.def("rows512", [](bool on) {
    const bool was = g_rows512;
    g_rows512 = on;
    return was;
  });
  using nb::arg;
  nb::class_<TapsStep>(m, "TapsStep",
                       "One float32_taps pass (models_types.h TapsPass), checked and with its "
                       "row tables built once; read-only.")
      .def(nb::init<int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, const Ro&,
                    const Ro&, const std::optional<Ro>&, int, double, int>(),
           nb::kw_only(), arg("wtype"), arg("fma"), arg("B"), arg("L"), arg("O"), arg("M"),
           arg("K"), arg("limit"), arg("index"), arg("weight"), arg("fused_from").none(),
           arg("zero_start") = 0, arg("start") = 0.0, arg("io32") = 0)
      .def_prop_ro("wtype", [](const TapsStep& s) { return s.prep.a.wtype; })
      .def_prop_ro("fma", [](const TapsStep& s) { return s.prep.a.fma; })
      .def_prop_ro("B", [](const TapsStep& s) { return s.prep.a.B; })
      .def_prop_ro("L", [](const TapsStep& s) { return s.prep.a.L; })
      .def_prop_ro("O", [](const TapsStep& s) { return s.prep.a.O; })
      .def_prop_ro("M", [](const TapsStep& s) { return s.prep.a.M; })
      .def_prop_ro("K", [](const TapsStep& s) { return s.prep.a.K; })
      .def_prop_ro("limit", [](const TapsStep& s) { return s.prep.a.limit; })
      .def_prop_ro("zero_start", [](const TapsStep& s) { return s.prep.a.zero_start; })
      .def_prop_ro("start", [](const TapsStep& s) { return s.prep.a.start; })
      .def_prop_ro("io32", [](const TapsStep& s) { return s.prep.a.io32; })
      .def_prop_ro("row_tables", [](const TapsStep& s) { return s.prep.a.off != nullptr; });
  nb::class_<WideStep>(m, "WideStep",
                       "One wide_fixed pass (models_types.h WidePass), checked and with its "
                       "row tables built once; read-only.")
      .def(nb::init<int, int, int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                    int, int, int, int64_t, const Ro&, const Ro&, const std::optional<Ro>&, int,
                    int>(),
           nb::kw_only(), arg("first"), arg("itype"), arg("otype"), arg("acc64"), arg("B"),
           arg("L"), arg("O"), arg("M"), arg("K"), arg("limit"), arg("pre"), arg("term"),
           arg("shift"), arg("offset"), arg("index"), arg("w"), arg("fw").none(),
           arg("i16") = 0, arg("f64") = 0)
      .def_prop_ro("first", [](const WideStep& s) { return s.prep.a.first; })
      .def_prop_ro("itype", [](const WideStep& s) { return s.prep.a.itype; })
      .def_prop_ro("otype", [](const WideStep& s) { return s.prep.a.otype; })
      .def_prop_ro("acc64", [](const WideStep& s) { return s.prep.a.acc64; })
      .def_prop_ro("B", [](const WideStep& s) { return s.prep.a.B; })
      .def_prop_ro("L", [](const WideStep& s) { return s.prep.a.L; })
      .def_prop_ro("O", [](const WideStep& s) { return s.prep.a.O; })
      .def_prop_ro("M", [](const WideStep& s) { return s.prep.a.M; })
      .def_prop_ro("K", [](const WideStep& s) { return s.prep.a.K; })
      .def_prop_ro("limit", [](const WideStep& s) { return s.prep.a.limit; })
      .def_prop_ro("pre", [](const WideStep& s) { return s.prep.a.pre; })
      .def_prop_ro("term", [](const WideStep& s) { return s.prep.a.term; })
      .def_prop_ro("shift", [](const WideStep& s) { return s.prep.a.shift; })
      .def_prop_ro("offset", [](const WideStep& s) { return s.prep.a.offset; })
      .def_prop_ro("i16", [](const WideStep& s) { return s.prep.a.i16; })
      .def_prop_ro("f64", [](const WideStep& s) { return s.prep.a.f64; })
      .def_prop_ro("row_tables", [](const WideStep& s) { return s.prep.a.off != nullptr; });
  m.def("taps_pass", &taps_pass, arg("src"), arg("dst"), arg("step"), arg("threads"));
  m.def("store", &store, arg("src"), arg("dst"), arg("stype"), arg("dtype"), arg("rule"),
        arg("threads"));
  m.def("wide_pass", &wide_pass, arg("src"), arg("dst"), arg("step"), arg("threads"));
  m.def("taps_streamed", &taps_streamed, arg("src"), arg("dst"), arg("first"), arg("second"),
        arg("threads"));
  m.def("wide_streamed", &wide_streamed, arg("src"), arg("dst"), arg("first"), arg("second"),
        arg("threads"));
  m.def("box", &box, nb::arg("src"), nb::arg("dst"), nb::arg("dtype"), nb::arg("store"),
        nb::arg("H"), nb::arg("W"), nb::arg("C"), nb::arg("kx"), nb::arg("ky"), nb::arg("dh"),
        nb::arg("dw"), nb::arg("full_w"), nb::arg("full_h"), nb::arg("limit"), nb::arg("inv"),
        nb::arg("threads"));
  m.def("block_mean", &block_mean, nb::arg("src"), nb::arg("dst"), nb::arg("dtype"),
        nb::arg("H"), nb::arg("W"), nb::arg("C"), nb::arg("y0"), nb::arg("x0"), nb::arg("fy"),
        nb::arg("fx"), nb::arg("oh"), nb::arg("ow"), nb::arg("ny_last"), nb::arg("nx_last"),
        nb::arg("threads"));
  m.def("corner_sum", &corner_sum, nb::arg("src"), nb::arg("dst"), nb::arg("wtype"),
        nb::arg("itype"), nb::arg("otype"), nb::arg("in_shape"), nb::arg("out_shape"),
        nb::arg("axes"), nb::arg("i0"), nb::arg("i1"), nb::arg("w0"), nb::arg("w1"),
        nb::arg("outside"), nb::arg("fill_f"), nb::arg("fill_i"), nb::arg("threads"));
}

}  // namespace pg
