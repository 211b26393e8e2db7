// Tables of the AVX-512 VNNI 8-bit horizontal kernel (u8_avx512.cpp), built once per plan
// and channel count beside the AVX2 group tables (build_groups), and the switch that lets
// unpack_plan hand them to the kernels.  PlanArgs (engine_types.h) documents the layout.
// Compiled without ISA flags: plain loops, run once per plan.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine_tables.h"

namespace pg {
namespace {

bool g_u8_avx512 = true;

// w = p0 + p1 * 2^8 (+ p2 * 2^16) with signed bytes: p0 is w's low byte read as int8,
// then the same for (w - p0) / 256 (exact), the last part taking the rest; false if that
// leaves the int8 range (|w| >= about 2^15 with 2 parts, 2^23 with 3).
bool byte_parts(int64_t w, int parts, int8_t* out) {
  for (int k = 0; k < parts; ++k) {
    const int64_t lo = static_cast<int8_t>(static_cast<uint8_t>(w & 255));  // sign-extended
    if (k == parts - 1) {
      if (w < -128 || w > 127) return false;
      out[k] = static_cast<int8_t>(w);
      return true;
    }
    out[k] = static_cast<int8_t>(lo);
    w = (w - lo) >> 8;  // exact: w - lo is a multiple of 256
  }
  return true;
}

}  // namespace

bool u8_avx512_supported() {
#ifdef PG_HAVE_AVX2  // x86-64 with GCC or Clang: the kernel is built (CMakeLists.txt)
  __builtin_cpu_init();
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                         __builtin_cpu_supports("avx512vbmi") &&
                         __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx2");
  return ok;
#else
  return false;
#endif
}

bool u8_avx512_usable() { return g_u8_avx512 && u8_avx512_supported(); }

bool set_u8_avx512(bool on) {
  const bool was = g_u8_avx512;
  g_u8_avx512 = on;
  return was;
}

// Blocks of 16 output elements (element e: channel e % c of output e / c), the last one
// padded with lanes of weight 0.  Lane j of a block reads, for tap quad q, the bytes
// rel_j + c * k (k = 0..3) of the window at base + 4 * c * q; base is the block's lowest
// first byte, so every block fits a window of 64 bytes (one vpermb) or 128 (vpermt2b)
// when its lanes' bytes span at most that: the narrowest window every block fits is
// taken, or no tables (downsampling by more than about 7: the AVX2 kernels).  Only where
// they pay over the AVX2 group kernel: Pillow's split (22-bit) weights, or 5 and more taps.
std::optional<VnniTables> build_vnni(const AxisTables& t, int64_t c) {
  const int64_t n_out = t.n_out, K = t.taps;
  if (!t.windowed || c < 1 || c > 4 || K < 1 || !u8_avx512_supported()) return std::nullopt;
  if (!t.split && K < 5) return std::nullopt;
  const int32_t* wt = static_cast<const int32_t*>(t.weight.data());
  const int32_t* bt = static_cast<const int32_t*>(t.bias.data());
  const int32_t* start = static_cast<const int32_t*>(t.start->data());
  int parts = 2;
  int8_t tmp[3];
  for (int64_t i = 0; i < n_out * K; ++i) {
    if (parts == 2 && !byte_parts(wt[i], 2, tmp)) parts = 3;
    if (parts == 3 && !byte_parts(wt[i], 3, tmp)) return std::nullopt;
  }
  const int64_t n = n_out * c, nb = (n + 15) / 16, nq = (K + 3) / 4;
  std::vector<int32_t> base(static_cast<size_t>(nb));
  int64_t span = 0;  // the widest block: last byte - first byte
  auto rel_of = [&](int64_t e) { return int64_t(start[e / c]) * c + e % c; };
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t e1 = std::min(n, 16 * b + 16);
    int64_t mn = rel_of(16 * b), mx = mn;
    for (int64_t e = 16 * b; e < e1; ++e) {
      mn = std::min(mn, rel_of(e));
      mx = std::max(mx, rel_of(e));
    }
    base[size_t(b)] = static_cast<int32_t>(mn);
    span = std::max(span, mx + 3 * c - mn);
  }
  const int window = span < 64 ? 64 : span < 128 ? 128 : 0;
  if (window == 0) return std::nullopt;
  std::vector<int8_t> mask(static_cast<size_t>(nb * 64));
  std::vector<int8_t> vw(static_cast<size_t>(nb * nq * parts * 64), 0);
  std::vector<int32_t> bias(static_cast<size_t>(nb * 16), 0);
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t j = 0; j < 16; ++j) {
      const int64_t e = 16 * b + j;
      // padding lanes read the block's first bytes with weight 0 (their results are not
      // stored)
      const int64_t rel = e < n ? rel_of(e) - base[size_t(b)] : 0;
      for (int64_t k = 0; k < 4; ++k)
        mask[size_t(64 * b + 4 * j + k)] = static_cast<int8_t>(rel + c * k);
      if (e >= n) continue;
      const int64_t o = e / c;
      bias[size_t(16 * b + j)] = bt[o];
      for (int64_t tap = 0; tap < K; ++tap) {
        byte_parts(wt[o * K + tap], parts, tmp);
        const int64_t q = tap / 4, k = tap % 4;
        for (int part = 0; part < parts; ++part)
          vw[size_t(((b * nq + q) * parts + part) * 64 + 4 * j + k)] = tmp[part];
      }
    }
  return VnniTables{parts, window, nq, table_array(std::move(base)),
                    table_array(std::move(mask)), table_array(std::move(vw)),
                    table_array(std::move(bias))};
}

}  // namespace pg
