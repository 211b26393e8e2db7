// Tables of the 8-bit AVX2 kernels (u8_avx2.h), built once per plan (and channel count)
// from the plan's windows and int32 fixed-point weights; PlanArgs (engine_types.h)
// documents their layout.  Compiled without ISA flags: plain loops, run once per plan.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "engine_tables.h"

namespace pg {
namespace {

// Two weights as one int32 of packed int16 (what _mm256_madd_epi16 multiplies a pair of
// int16 pixels with): (w0 & 0xffff) | (w1 << 16), each weight cut to int16.
int32_t pack_pair(int64_t w0, int64_t w1) {
  const uint32_t lo = static_cast<uint16_t>(static_cast<int16_t>(w0));
  const uint32_t hi = static_cast<uint16_t>(static_cast<int16_t>(w1));
  return static_cast<int32_t>(lo | (hi << 16));
}

// How weights reach madd's int16: 0 as they are (all fit int16), 1 split into
// w = hi * 256 + lo with 0 <= lo < 256 (|w| < 2**23: 22-bit Pillow-precision weights),
// -1 too large.
int weight_split(const int32_t* w, int64_t n) {
  if (n == 0) return 0;
  const auto [mn, mx] = std::minmax_element(w, w + n);
  if (*mn >= -(1 << 15) && *mx < (1 << 15)) return 0;
  if (*mn < -(1 << 23) || *mx >= (1 << 23)) return -1;
  return 1;
}

// Part `part` of weight w for madd: w itself (not split), else hi = w >> 8 (part 0) or
// lo = w & 255 (part 1).
int64_t weight_part(int64_t w, int split, int part) {
  if (!split) return w;
  return part == 0 ? (w >> 8) : (w & 255);
}

// Where the group kernels load: ng groups of two lanes of `lane` elements (element e of
// the output row is channel e % c of output pixel e / c).  Each lane loads 16 bytes at
// base (then also at base + shift, ... for later tap pairs, which must stay in the
// row); element j of a lane reads bytes rel[j] and rel[j] + reach.  A group qualifies
// (ok) when both bases are in the row and every element's bytes lie in its 16.
struct LaneWindows {
  std::vector<int64_t> base;  // [ng * 2]
  std::vector<int64_t> rel;   // [ng * 2 * lane], 0 in groups that do not qualify
  std::vector<char> ok;       // [ng]
  int64_t nok = 0;
};

LaneWindows lane_windows(const int32_t* start, int64_t n_in, int64_t c, int64_t ng,
                         int64_t lane, int64_t shift, int64_t reach) {
  LaneWindows lw;
  lw.base.resize(size_t(ng * 2));
  lw.rel.resize(size_t(ng * 2 * lane));
  lw.ok.resize(size_t(ng));
  const int64_t limit = n_in * c - 16 - shift;
  for (int64_t g = 0; g < ng; ++g) {
    bool ok = true;
    int64_t rmin = 0, rmax = 0;
    for (int64_t l = 0; l < 2; ++l) {
      const int64_t e0 = (g * 2 + l) * lane;
      int64_t* rel = &lw.rel[size_t(e0)];
      int64_t mn = 0;
      for (int64_t j = 0; j < lane; ++j) {
        const int64_t e = e0 + j;
        rel[j] = int64_t(start[e / c]) * c + e % c;
        mn = j == 0 ? rel[j] : std::min(mn, rel[j]);
      }
      const int64_t base = std::min(mn, limit);
      lw.base[size_t(g * 2 + l)] = base;
      ok = ok && base >= 0;
      for (int64_t j = 0; j < lane; ++j) {
        rel[j] -= base;
        rmin = (l == 0 && j == 0) ? rel[j] : std::min(rmin, rel[j]);
        rmax = (l == 0 && j == 0) ? rel[j] : std::max(rmax, rel[j]);
      }
    }
    ok = ok && rmin >= 0 && rmax + reach <= 15;
    lw.ok[size_t(g)] = ok;
    lw.nok += ok;
    if (!ok) std::fill_n(&lw.rel[size_t(g * 2 * lane)], 2 * lane, int64_t(0));
  }
  return lw;
}

int ctz(int64_t v) { return __builtin_ctzll(static_cast<unsigned long long>(std::llabs(v))); }

// Byte-pair tables (PlanArgs::sbase, see h8_small), or nothing.  For at most 2 taps whose
// weights and biases are small integers times a common power of two (2x bilinear: 0.25
// and 0.75 are 1 and 3 times 2**-2): dividing all of them and `bits` by that power gives
// the same (acc >> bits) exactly.  The kernel sums both taps with _mm256_maddubs_epi16,
// which saturates its pair sums, then adds the bias in int16: so the reduced weights
// must fit int8, 255 * (|w0| + |w1|) must not saturate and the total must fit int16 for
// uint8 and for int8 data (offset by 128).  Groups of 16 outputs, two lanes of 8 whose
// taps lie in 16 bytes.  `left` (the wide model's first pass, int16 output, bits == 0):
// the weights' common power of two 2**l is taken out and the kernel computes
// (sum << l) + bias (shift -l), exact modulo 2**16, the bias in int16.
std::optional<SmallGroupTables> build_small(const AxisTables& t, int64_t c, bool left) {
  const int64_t n_in = t.n_in, n_out = t.n_out, K = t.taps, bits = t.bits;
  const int64_t ngs = n_out * c / 16;
  if (K > 2 || ngs < 2 || n_in * c < 16) return std::nullopt;
  const int32_t* wt = static_cast<const int32_t*>(t.weight.data());
  const int32_t* bt = static_cast<const int32_t*>(t.bias.data());
  std::vector<int64_t> wr(size_t(n_out * 2), 0), br(bt, bt + n_out);
  for (int64_t o = 0; o < n_out; ++o)
    for (int64_t k = 0; k < K; ++k) wr[size_t(o * 2 + k)] = wt[o * K + k];
  int64_t shift;  // the common power of two taken out
  int low = 64;   // the lowest set bit of the values it is taken from
  for (int64_t v : wr)
    if (v != 0) low = std::min(low, ctz(v));
  if (left && bits == 0) {
    const auto [bmin, bmax] = std::minmax_element(br.begin(), br.end());
    if (low == 64 || *bmin < -32768 || *bmax > 32767 || low > 15) return std::nullopt;
    shift = low;
    for (int64_t& v : wr) v >>= shift;  // the bias keeps its value (added after the shift)
    for (int64_t o = 0; o < n_out; ++o) {
      const int64_t w0 = wr[size_t(2 * o)], w1 = wr[size_t(2 * o + 1)];
      if (w0 < -128 || w0 > 127 || w1 < -128 || w1 > 127 ||
          255 * (std::llabs(w0) + std::llabs(w1)) > 32767)
        return std::nullopt;
    }
  } else {
    for (int64_t v : br)
      if (v != 0) low = std::min(low, ctz(v));
    shift = std::min<int64_t>(bits, low);
    if (bits - shift > 15) return std::nullopt;
    for (int64_t& v : wr) v >>= shift;
    for (int64_t& v : br) v >>= shift;
    for (int64_t o = 0; o < n_out; ++o) {
      const int64_t w0 = wr[size_t(2 * o)], w1 = wr[size_t(2 * o + 1)], b = br[size_t(o)];
      const int64_t mag = 255 * (std::llabs(w0) + std::llabs(w1));
      // uint8: sum in [-mag, mag] + bias; int8 (x + 128): the bias is reduced by
      // 128 * (w0 + w1), the sum of the weighted offsets
      const int64_t span = std::max(mag + std::llabs(b), mag + std::llabs(b - 128 * (w0 + w1)));
      if (w0 < -128 || w0 > 127 || w1 < -128 || w1 > 127 || span > 32767) return std::nullopt;
    }
  }
  const int64_t tap1 = K == 2 ? c : 0;
  const int32_t* start = static_cast<const int32_t*>(t.start->data());
  const LaneWindows lw = lane_windows(start, n_in, c, ngs, 8, 0, tap1);
  if (2 * lw.nok < ngs) return std::nullopt;
  const int64_t ne = ngs * 16;
  std::vector<int8_t> mask(static_cast<size_t>(ne * 2)), sw(static_cast<size_t>(ne * 2));
  std::vector<int16_t> sbias(static_cast<size_t>(ne));
  std::vector<int32_t> sbase(static_cast<size_t>(ngs * 2));
  for (int64_t e = 0; e < ne; ++e) {
    const int64_t o = e / c;
    mask[size_t(2 * e)] = static_cast<int8_t>(lw.rel[size_t(e)]);
    mask[size_t(2 * e + 1)] = static_cast<int8_t>(lw.rel[size_t(e)] + tap1);
    sw[size_t(2 * e)] = static_cast<int8_t>(wr[size_t(2 * o)]);
    sw[size_t(2 * e + 1)] = static_cast<int8_t>(wr[size_t(2 * o + 1)]);
    sbias[size_t(e)] = static_cast<int16_t>(br[size_t(o)]);
  }
  for (int64_t i = 0; i < ngs * 2; ++i)
    sbase[size_t(i)] = lw.ok[size_t(i / 2)] ? static_cast<int32_t>(lw.base[size_t(i)]) : -1;
  return SmallGroupTables{static_cast<int>(bits - shift), table_array(std::move(sbase)),
                          table_array(std::move(mask)), table_array(std::move(sw)),
                          table_array(std::move(sbias))};
}

}  // namespace

// For each output and group of 4 taps (zero-padded): 8 int32 [p01 x4, p23 x4] with
// p01 = pack_pair(w0, w1); with split weights the 8 of the hi parts are followed by 8
// of the lo parts.
std::optional<RoArray> build_quads(const int32_t* weight, int64_t n_out, int64_t taps,
                                   bool* split) {
  *split = false;
  const int ws = weight_split(weight, n_out * taps);
  if (taps == 0 || ws < 0) return std::nullopt;
  const int64_t nq = (taps + 3) / 4, nparts = 1 + ws;
  std::vector<int32_t> out(static_cast<size_t>(n_out * nq * 8 * nparts));
  for (int64_t o = 0; o < n_out; ++o)
    for (int64_t q = 0; q < nq; ++q)
      for (int part = 0; part < nparts; ++part) {
        int64_t w[4];
        for (int j = 0; j < 4; ++j) {
          const int64_t k = 4 * q + j;
          w[j] = k < taps ? weight_part(weight[o * taps + k], ws, part) : 0;
        }
        int32_t* d = &out[size_t(((o * nq + q) * nparts + part) * 8)];
        std::fill_n(d, 4, pack_pair(w[0], w[1]));
        std::fill_n(d + 4, 4, pack_pair(w[2], w[3]));
      }
  *split = ws == 1;
  return table_array(std::move(out));
}

// The output row (n_out * c bytes) in groups of 8 elements, two lanes of 4; the taps of
// a lane's elements must lie in 16 bytes (shifted by 2c per tap pair).  Nothing when
// fewer than half the groups qualify (fast downsampling: the per-pixel kernel wins).
// Per group: gbase (2 lanes, -1: no SIMD), gmask (int16 pairs of taps: bytes rel and
// rel + c of each element), gw (per tap pair, 8 packed weight pairs, then 8 of the lo
// parts when split) and gbias (8 int32).
std::optional<GroupTables> build_groups(const AxisTables& t, int64_t c, bool left) {
  const int64_t n_in = t.n_in, n_out = t.n_out, K = t.taps;
  if (!t.windowed || !t.quads || c < 1 || c > 4 || K == 0) return std::nullopt;
  const int64_t npair = (K + 1) / 2;
  const int64_t ng = n_out * c / 8;
  if (ng == 0) return std::nullopt;
  const int32_t* start = static_cast<const int32_t*>(t.start->data());
  const LaneWindows lw = lane_windows(start, n_in, c, ng, 4, 2 * c * (npair - 1), c);
  if (2 * lw.nok < ng) {
    // The AVX2 group kernel does not pay (3 channels downsampled by more than 4): the
    // AVX-512 tables alone where they apply (pairs 0, empty AVX2 tables).
    std::optional<VnniTables> v = left ? std::nullopt : build_vnni(t, c);
    if (!v) return std::nullopt;
    return GroupTables{c,
                       0,
                       table_array(std::vector<int32_t>()),
                       table_array(std::vector<int8_t>()),
                       table_array(std::vector<int32_t>()),
                       table_array(std::vector<int32_t>()),
                       std::nullopt,
                       std::move(v)};
  }
  const int32_t* wt = static_cast<const int32_t*>(t.weight.data());
  const int32_t* bt = static_cast<const int32_t*>(t.bias.data());
  const int ws = t.split ? 1 : 0, nparts = 1 + ws;
  const int64_t ne = ng * 8;
  std::vector<int8_t> mask(static_cast<size_t>(ne * 4));
  std::vector<int32_t> gw(static_cast<size_t>(ng * npair * nparts * 8));
  std::vector<int32_t> gbias(static_cast<size_t>(ne));
  std::vector<int32_t> gbase(static_cast<size_t>(ng * 2));
  for (int64_t e = 0; e < ne; ++e) {
    const int64_t o = e / c, g = e / 8, k = e % 8;
    const int64_t rel = lw.rel[size_t(e)];
    int8_t* m = &mask[size_t(4 * e)];
    m[0] = static_cast<int8_t>(rel);
    m[1] = -128;
    m[2] = static_cast<int8_t>(rel + c);
    m[3] = -128;
    for (int64_t j = 0; j < npair; ++j) {
      const int64_t w0 = 2 * j < K ? wt[o * K + 2 * j] : 0;
      const int64_t w1 = 2 * j + 1 < K ? wt[o * K + 2 * j + 1] : 0;
      for (int part = 0; part < nparts; ++part)
        gw[size_t(((g * npair + j) * nparts + part) * 8 + k)] =
            pack_pair(weight_part(w0, ws, part), weight_part(w1, ws, part));
    }
    gbias[size_t(e)] = bt[o];
  }
  for (int64_t i = 0; i < ng * 2; ++i)
    gbase[size_t(i)] = lw.ok[size_t(i / 2)] ? static_cast<int32_t>(lw.base[size_t(i)]) : -1;
  return GroupTables{c,
                     npair,
                     table_array(std::move(gbase)),
                     table_array(std::move(mask)),
                     table_array(std::move(gw)),
                     table_array(std::move(gbias)),
                     build_small(t, c, left),
                     // the AVX-512 tables (u8_avx512_tables.cpp); not for the wide model's
                     // int16 first pass
                     left ? std::nullopt : build_vnni(t, c)};
}

}  // namespace pg
