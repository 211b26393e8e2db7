// pixelgrid fused nearest gather: every gathered axis in one pass from input to output.
//
//   out[o_0, ..., o_{n-1}] = in[t_0[o_0], ..., t_{n-1}[o_{n-1}]]
//
// (t_a the identity on an axis without a table).  The arrays are byte views (numpy's
// `x[..., None].view(np.uint8)`, pixelgrid/_engines/native.py `gather_all`), so any
// dtype is copied bit for bit; the source may have any strides (negative, zero), the
// destination is C-contiguous.  The trailing axes without a table that are contiguous in
// the source form one block of `unit` bytes (channels x itemsize for channels-last data,
// a whole row for a row gather); the innermost remaining axis is the "row" axis, whose
// byte offsets are one table, and the offsets of the axes before it are summed per
// output row.  Rows are split over threads (and long rows into segments when there are
// few rows), so every thread writes its own part of the output.
//
// Copies by block size: 1..8-byte blocks whose source windows are compact (upscaling,
// mild downscaling) are moved 16 bytes (byte shuffle) or 32 bytes (4/8-byte blocks:
// dword permute) at a time with AVX2, from per-call window tables; other blocks are
// copied one by one with fixed-size moves (3/5/6/7-byte blocks as one wider move that
// the next block overwrites).  An output row reading the same source row as the row
// before (upscaling along an outer axis) is a copy of that row.  Outputs of 16 MiB and
// more whose window blocks tile the rows are written with non-temporal stores: the copy
// is bound by memory bandwidth, and these skip reading the destination lines first
// (1x3x1024^2 -> 1536^2 float32, 1 thread: 1.20 -> 0.79 ms; 8x3x256^2 -> 512^2: 0.93 ->
// 0.77 ms; measured).  AVX2 gathers (vpgatherdd) for the blocks that fit no window were
// slower than the scalar moves on the AMD EPYC measured (RGB 2048^2 -> 512^2: 148 vs
// 90 us), so there are none.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <vector>

#include <unistd.h>

#include "stream_stores.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PG_GATHER_AVX2 1
#endif

namespace nb = nanobind;

namespace pg {

// stream_stores.h: half the last-level cache, 16 MiB where sysconf does not know it (or
// has no name for it: glibc's _SC_LEVEL3_CACHE_SIZE)
int64_t g_stream_min = [] {
#ifdef _SC_LEVEL3_CACHE_SIZE
  const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (l3 > 0) return int64_t(l3) / 2;
#endif
  return int64_t(16) << 20;
}();

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);

namespace {

using ByteRo = nb::ndarray<nb::ro, uint8_t, nb::device::cpu>;
using ByteRw = nb::ndarray<uint8_t, nb::c_contig, nb::device::cpu>;
using IdxRo = nb::ndarray<nb::ro, int32_t, nb::c_contig, nb::device::cpu>;

void check(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

bool cpu_avx2() {
#ifdef PG_GATHER_AVX2
  __builtin_cpu_init();
  static const bool ok = __builtin_cpu_supports("avx2");
  return ok;
#else
  return false;
#endif
}

// gather_simd(False) turns the window copies off (tests compare both paths).
bool g_simd = true;

// Window tables of the row axis: block b holds outputs [b*k, b*k + k), read from the
// W-byte source window starting at base[b] (bytes from the row's start) and arranged by
// mask (W = 16: a byte shuffle, 0x80 = zero; W = 32: 8 dword lane indices).  ok[b] = 0:
// the block's sources do not fit one window, its outputs are copied one by one.
struct Windows {
  int W = 0;       // 0: no window copies for this row axis
  int64_t k = 0;   // outputs per block
  int64_t nblk = 0;
  std::vector<int64_t> base;
  std::vector<uint8_t> ok;
  std::vector<uint8_t> mask;  // W bytes per block
  int64_t reach = 0;          // max over usable blocks of base + W (bytes read past the row)
};

Windows make_windows(const std::vector<int64_t>& off, int64_t U) {
  Windows w;
  const int64_t n = static_cast<int64_t>(off.size());
  if (!g_simd || !cpu_avx2() || U > 8) return w;
  const bool dw = (U == 4 || U == 8);
  w.W = dw ? 32 : 16;
  w.k = w.W / U;
  if (w.k < 2 || n < w.k) {
    w.W = 0;
    return w;
  }
  // blocks whose W-byte store stays within the row
  w.nblk = (n * U - w.W) / (w.k * U) + 1;
  w.base.resize(static_cast<size_t>(w.nblk));
  w.ok.assign(static_cast<size_t>(w.nblk), 0);
  w.mask.assign(static_cast<size_t>(w.nblk * w.W), 0x80);
  int64_t usable = 0;
  for (int64_t b = 0; b < w.nblk; ++b) {
    const int64_t o0 = b * w.k;
    int64_t lo = off[o0], hi = off[o0];
    for (int64_t j = 1; j < w.k; ++j) {
      lo = std::min(lo, off[o0 + j]);
      hi = std::max(hi, off[o0 + j]);
    }
    w.base[b] = lo;
    if (hi + U - lo > w.W) continue;
    uint8_t* m = &w.mask[static_cast<size_t>(b * w.W)];
    bool good = true;
    if (dw) {
      int32_t lanes[8];
      for (int64_t j = 0; j < w.k && good; ++j) {
        const int64_t rel = off[o0 + j] - lo;
        good = rel % 4 == 0;
        for (int64_t i = 0; i < U / 4; ++i) lanes[j * (U / 4) + i] = int32_t(rel / 4 + i);
      }
      if (!good) continue;
      std::memcpy(m, lanes, 32);
    } else {
      for (int64_t j = 0; j < w.k; ++j)
        for (int64_t i = 0; i < U; ++i) m[j * U + i] = uint8_t(off[o0 + j] - lo + i);
    }
    w.ok[b] = 1;
    w.reach = std::max(w.reach, lo + w.W);
    ++usable;
  }
  if (usable == 0) w.W = 0;
  return w;
}

// Outputs [o0, o1) of one row, block by block.  `wide`: a WC-byte move may be used for a
// U-byte block (the extra bytes are the next output's, rewritten after it; the caller
// checked that the wider read stays within the source).
template <int U, int WC>
inline void copy_span(char* d, const char* s, const int64_t* off, int64_t o0, int64_t o1,
                      int64_t u, bool wide) {
  if constexpr (U == 0) {
    for (int64_t o = o0; o < o1; ++o)
      std::memcpy(d + o * u, s + off[o], static_cast<size_t>(u));
  } else {
    int64_t o = o0;
    if constexpr (WC > U) {
      if (wide)
        for (; o + 1 < o1; ++o) std::memcpy(d + o * U, s + off[o], WC);
    }
    for (; o < o1; ++o) std::memcpy(d + o * U, s + off[o], U);
  }
}

// copy_span unrolled, for rows without window copies: the loop's own adds and branch
// were a third of its instructions (RGB 2048^2 -> 512^2: 90 -> 75 us, measured).  The
// window path keeps copy_span: unrolled there, it made 1024^2 -> 1536^2 RGB slower.
template <int U, int WC>
void copy_span_unrolled(char* d, const char* s, const int64_t* off, int64_t o0, int64_t o1,
                        int64_t u, bool wide) {
  if constexpr (U == 0) {
    copy_span<U, WC>(d, s, off, o0, o1, u, wide);
  } else {
    int64_t o = o0;
    if constexpr (WC > U) {
      if (wide) {
#pragma GCC unroll 4
        for (; o + 1 < o1; ++o) std::memcpy(d + o * U, s + off[o], WC);
      }
    }
#pragma GCC unroll 4
    for (; o < o1; ++o) std::memcpy(d + o * U, s + off[o], U);
  }
}

#ifdef PG_GATHER_AVX2
template <int U, int WC, bool STREAM>
__attribute__((target("avx2"))) void window_span(char* d, const char* s, const int64_t* off,
                                                 int64_t o0, int64_t o1, const Windows& w,
                                                 bool wide) {
  // (never called for runtime block sizes, U == 0: they have no window tables)
  constexpr int64_t UU = U ? U : 1;
  const int64_t k = w.k, W = w.W;
  // usable blocks: start at or after o0, store within [.., o1 * U)
  const int64_t b0 = (o0 + k - 1) / k;
  int64_t b1 = o1 * UU >= W ? (o1 * UU - W) / (k * UU) + 1 : 0;
  b1 = std::min(b1, w.nblk);
  if (b1 <= b0) return copy_span<U, WC>(d, s, off, o0, o1, UU, wide);
  copy_span<U, WC>(d, s, off, o0, b0 * k, UU, wide);
  const int64_t* base = w.base.data();
  const uint8_t* ok = w.ok.data();
  const uint8_t* mask = w.mask.data();
  for (int64_t b = b0; b < b1; ++b) {
    char* to = d + b * k * UU;
    if (!ok[b]) {
      copy_span<U, WC>(d, s, off, b * k, b * k + k, UU, wide);
      continue;
    }
    if (W == 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + base[b]));
      v = _mm_shuffle_epi8(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + b * 16)));
      if constexpr (STREAM)
        _mm_stream_si128(reinterpret_cast<__m128i*>(to), v);
      else
        _mm_storeu_si128(reinterpret_cast<__m128i*>(to), v);
    } else {
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + base[b]));
      v = _mm256_permutevar8x32_epi32(
          v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + b * 32)));
      if constexpr (STREAM) {
        _mm_stream_si128(reinterpret_cast<__m128i*>(to), _mm256_castsi256_si128(v));
        _mm_stream_si128(reinterpret_cast<__m128i*>(to + 16), _mm256_extracti128_si256(v, 1));
      } else {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(to), v);
      }
    }
  }
  copy_span<U, WC>(d, s, off, b1 * k, o1, UU, wide);
}
#endif

struct Job {
  const char* src;
  char* dst;
  int L;                                   // the row axis
  std::vector<int64_t> out;                // output sizes of axes [0, L]
  std::vector<std::vector<int64_t>> off;   // byte offsets per output index, axes [0, L]
  int64_t U;                               // block bytes
  int64_t nseg, seg;                       // row segments
  Windows win;
  int64_t src_hi;                          // bytes readable from src: [lo, src_hi)
  int64_t max_off;                         // max of off[L]
  // Outputs of g_stream_min bytes or more whose window blocks tile the row exactly (1/2/4/8-byte blocks, rows
  // 16-byte aligned): window blocks are written with non-temporal stores (no read of
  // the destination lines first), and rows are recomputed rather than copied from the
  // row before (which is no longer in the cache).
  bool stream;
};

template <int U, int WC>
void run_range(const Job& j, int64_t u0, int64_t u1) {
  const int L = j.L;
  const int64_t nL = j.out[static_cast<size_t>(L)];
  const int64_t u = U ? U : j.U;
  const int64_t row_bytes = nL * u;
  const int64_t* tl = j.off[static_cast<size_t>(L)].data();
  int64_t idx[64];
  int64_t r = u0 / j.nseg, sg = u0 % j.nseg;
  {
    int64_t rem = r;
    for (int a = L - 1; a >= 0; --a) {
      idx[a] = rem % j.out[static_cast<size_t>(a)];
      rem /= j.out[static_cast<size_t>(a)];
    }
  }
  auto row_base = [&]() {
    int64_t b = 0;
    for (int a = 0; a < L; ++a) b += j.off[static_cast<size_t>(a)][static_cast<size_t>(idx[a])];
    return b;
  };
  int64_t base = row_base();
  int64_t prev = INT64_MIN;
#ifdef PG_GATHER_AVX2
  const bool use_win = U != 0 && j.win.W != 0;
#endif
  for (int64_t v = u0; v < u1; ++v) {
    char* d = j.dst + r * row_bytes;
    const int64_t o0 = sg * j.seg, o1 = std::min(nL, o0 + j.seg);
    if (j.nseg == 1 && base == prev && !j.stream) {
      std::memcpy(d, d - row_bytes, static_cast<size_t>(row_bytes));
    } else {
      const char* s = j.src + base;
      const bool wide = base + j.max_off + WC <= j.src_hi;
#ifdef PG_GATHER_AVX2
      if (use_win && base + j.win.reach <= j.src_hi) {
        if (j.stream)
          window_span<U, WC, true>(d, s, tl, o0, o1, j.win, wide);
        else
          window_span<U, WC, false>(d, s, tl, o0, o1, j.win, wide);
      } else
#endif
      {
        copy_span_unrolled<U, WC>(d, s, tl, o0, o1, u, wide);
      }
    }
    prev = base;
    if (++sg == j.nseg) {
      sg = 0;
      ++r;
      for (int a = L - 1; a >= 0; --a) {
        if (++idx[a] < j.out[static_cast<size_t>(a)]) break;
        idx[a] = 0;
      }
      if (v + 1 < u1) base = row_base();
    }
  }
#ifdef PG_GATHER_AVX2
  if (j.stream) _mm_sfence();  // the streamed lines are visible before the call returns
#endif
}

using RangeFn = void (*)(const Job&, int64_t, int64_t);

RangeFn pick(int64_t U) {
  switch (U) {
    case 1: return run_range<1, 1>;
    case 2: return run_range<2, 2>;
    case 3: return run_range<3, 4>;
    case 4: return run_range<4, 4>;
    case 5: return run_range<5, 8>;
    case 6: return run_range<6, 8>;
    case 7: return run_range<7, 8>;
    case 8: return run_range<8, 8>;
    case 12: return run_range<12, 16>;
    case 16: return run_range<16, 16>;
    case 24: return run_range<24, 32>;
    case 32: return run_range<32, 32>;
    default: return run_range<0, 0>;
  }
}

void run_gather_fused(const ByteRo& src, ByteRw& dst, nb::list tables, int64_t threads) {
  const int nd = static_cast<int>(src.ndim());
  check(nd >= 1 && nd <= 64 && static_cast<int>(dst.ndim()) == nd &&
            static_cast<int>(nb::len(tables)) == nd && threads >= 1,
        "gather_fused: src, dst and tables must have the same rank");
  std::vector<int64_t> in(nd), out(nd), st(nd);
  int64_t total = 1, src_hi = 1, src_lo = 0;
  for (int a = 0; a < nd; ++a) {
    in[a] = static_cast<int64_t>(src.shape(a));
    out[a] = static_cast<int64_t>(dst.shape(a));
    st[a] = static_cast<int64_t>(src.stride(a));
    total *= out[a];
    if (in[a] > 0) {
      src_hi += std::max<int64_t>(0, (in[a] - 1) * st[a]);
      src_lo += std::min<int64_t>(0, (in[a] - 1) * st[a]);
    }
  }
  std::vector<const int32_t*> tab(nd, nullptr);
  std::vector<IdxRo> keep;
  keep.reserve(nd);
  for (int a = 0; a < nd; ++a) {
    if (tables[a].is_none()) {
      check(in[a] == out[a], "gather_fused: an axis without a table keeps its length");
      continue;
    }
    keep.push_back(nb::cast<IdxRo>(tables[a]));
    const IdxRo& t = keep.back();
    check(t.ndim() == 1 && static_cast<int64_t>(t.shape(0)) == out[a],
          "gather_fused: table length != output length");
    tab[a] = t.data();
    for (int64_t o = 0; o < out[a]; ++o)
      check(tab[a][o] >= 0 && tab[a][o] < in[a], "gather_fused: index out of range");
  }
  if (total == 0) return;
  for (int a = 0; a < nd; ++a) check(in[a] >= 1, "gather_fused: empty source axis");
  // the trailing block: axes without a table, contiguous in the source
  int L = nd - 1;
  int64_t U = 1;
  while (L >= 0 && tab[L] == nullptr && (st[L] == U || in[L] == 1)) {
    U *= in[L];
    --L;
  }
  char* d = reinterpret_cast<char*>(dst.data());
  const char* s = reinterpret_cast<const char*>(src.data());
  if (L < 0) {  // nothing gathered and contiguous: a copy
    nb::gil_scoped_release release;
    std::memcpy(d, s, static_cast<size_t>(total));
    return;
  }
  Job j;
  j.src = s;
  j.dst = d;
  j.L = L;
  j.U = U;
  j.src_hi = src_hi;
  j.out.assign(out.begin(), out.begin() + L + 1);
  j.off.resize(static_cast<size_t>(L + 1));
  for (int a = 0; a <= L; ++a) {
    std::vector<int64_t>& o = j.off[static_cast<size_t>(a)];
    o.resize(static_cast<size_t>(out[a]));
    for (int64_t i = 0; i < out[a]; ++i) o[i] = (tab[a] ? tab[a][i] : i) * st[a];
  }
  const std::vector<int64_t>& tl = j.off[static_cast<size_t>(L)];
  j.max_off = *std::max_element(tl.begin(), tl.end());
  const int64_t nL = out[L];
  int64_t R = 1;
  for (int a = 0; a < L; ++a) R *= out[a];
  // threads: 1 MiB of output each at least.  The copy waits on memory more than on the
  // core: RGB 2048^2 -> 512^2 (768 KiB) took 78 us on 1 thread, 80-86 us on 2 (a
  // wake-up and a second stream of misses for little work; measured on a loaded machine).
  const int64_t nt = std::max<int64_t>(1, std::min<int64_t>(threads, 1 + total / (1 << 20)));
  // few long rows: segments of a row go to different threads
  j.nseg = 1;
  j.seg = nL;
  if (nt > 1 && R < 8 * nt && nL * U >= 8192) {
    const int64_t want = (8 * nt + R - 1) / R;
    const int64_t seg = std::max<int64_t>(64, (nL + want - 1) / want);
    j.seg = (seg + 15) / 16 * 16;
    j.nseg = (nL + j.seg - 1) / j.seg;
  }
  j.win = make_windows(tl, U);
  j.stream = total >= g_stream_min && j.win.W != 0 && j.win.k * U == j.win.W &&
             reinterpret_cast<uintptr_t>(d) % 16 == 0 && (nL * U) % 16 == 0;
  (void)src_lo;
  const RangeFn fn = pick(U);
  const int64_t units = R * j.nseg;
  const int64_t unit_bytes = std::max<int64_t>(1, std::min(nL, j.seg) * U);
  const int64_t chunk = std::max<int64_t>(1, (16 << 10) / unit_bytes);
  nb::gil_scoped_release release;
  if (nt == 1) {
    fn(j, 0, units);
    return;
  }
  parallel_run(units, nt, chunk, [&](int64_t u0, int64_t u1, int64_t) { fn(j, u0, u1); });
}

}  // namespace

void register_gather(nb::module_& m) {
  m.def("gather_fused", &run_gather_fused, nb::arg("src"), nb::arg("dst"), nb::arg("tables"),
        nb::arg("threads"),
        "Nearest gather over every axis at once on byte views (see csrc/gather.cpp).");
  m.def(
      "gather_simd",
      [](bool on) {
        g_simd = on;
        return g_simd && cpu_avx2();
      },
      nb::arg("on"), "Turn the AVX2 window copies of gather_fused on or off; True if used.");
  m.def(
      "stream_min_bytes",
      [](int64_t min_bytes) {
        const int64_t was = g_stream_min;
        g_stream_min = std::max<int64_t>(0, min_bytes);
        return was;
      },
      nb::arg("min_bytes"),
      "Outputs of min_bytes and more may be written with non-temporal stores (default: half "
      "the last-level cache, csrc/stream_stores.h); returns the previous threshold.");
}

}  // namespace pg
