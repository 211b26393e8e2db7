// Tables of the float32 AVX2 horizontal kernels (f32_avx2.h: hf32 with fixed blocks,
// hf32_var_rows, hf32_phase_rows), built once per plan and channel count from the plan's
// windows and float32 weights; PlanArgs (engine_types.h) documents their layout.
// Compiled without ISA flags: plain loops, run once per plan.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine_tables.h"

namespace pg {
namespace {

// Variable blocks (PlanArgs::pstart) for c interleaved channels.
struct VarBlocks {
  std::vector<int32_t> base;   // [nb] first float a block loads, -1: no SIMD
  std::vector<int32_t> rel;    // [nb * 8] element of those 8 floats each lane takes
  std::vector<float> weight;   // [nb * K * 8]
  std::vector<float> bias;     // [nb * 8]
  std::vector<int32_t> starts; // [nb + 1] first output element of each block
};

// Blocks are cut greedily: a block takes up to 8 consecutive output elements whose
// first-tap source elements lie within 8 floats, so every tap needs one load and one
// permute (tap t reads the same 8 floats shifted by t * c).  Blocks whose 8-float store
// or loads would leave the row are computed without SIMD (base -1).  Lanes past a
// block's end get zero weights and bias.
std::optional<VarBlocks> var_blocks(const int32_t* start, const float* w, const float* bias,
                                    int64_t n_in, int64_t n_out, int64_t K, int64_t c) {
  const int64_t n = n_out * c;
  if (K == 0 || n_in * c < 8 + (K - 1) * c) return std::nullopt;
  std::vector<int64_t> s0(static_cast<size_t>(n));
  for (int64_t e = 0; e < n; ++e) s0[size_t(e)] = int64_t(start[e / c]) * c + e % c;
  VarBlocks v;
  v.starts.push_back(0);
  for (int64_t i = 0; i < n;) {
    // the longest run from i (at most 8 elements) whose sources span at most 8 floats
    int64_t m = 1, lo = s0[size_t(i)], hi = lo;
    while (m < 8 && i + m < n) {
      const int64_t s = s0[size_t(i + m)];
      if (std::max(hi, s) - std::min(lo, s) > 7) break;
      lo = std::min(lo, s);
      hi = std::max(hi, s);
      ++m;
    }
    i += m;
    v.starts.push_back(static_cast<int32_t>(i));
  }
  const int64_t nb = static_cast<int64_t>(v.starts.size()) - 1;
  v.base.resize(size_t(nb));
  v.rel.resize(size_t(nb * 8));
  v.weight.assign(size_t(nb * K * 8), 0.0f);
  v.bias.assign(size_t(nb * 8), 0.0f);
  const int64_t limit = n_in * c - 8 - (K - 1) * c;
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t e0 = v.starts[size_t(b)], e1 = v.starts[size_t(b + 1)];
    int64_t base = s0[size_t(e0)];
    for (int64_t e = e0; e < e1; ++e) base = std::min(base, s0[size_t(e)]);
    base = std::min(base, limit);
    int64_t rmin = 0, rmax = 0;
    for (int64_t j = 0; j < 8; ++j) {
      const int64_t e = e0 + j;
      const bool valid = e < e1;
      const int64_t r = valid ? s0[size_t(e)] - base : 0;
      v.rel[size_t(b * 8 + j)] = static_cast<int32_t>(r);
      rmin = j == 0 ? r : std::min(rmin, r);
      rmax = j == 0 ? r : std::max(rmax, r);
      if (!valid) continue;
      const int64_t o = e / c;
      for (int64_t t = 0; t < K; ++t) v.weight[size_t((b * K + t) * 8 + j)] = w[o * K + t];
      v.bias[size_t(b * 8 + j)] = bias[o];
    }
    const bool ok = base >= 0 && rmin >= 0 && rmax <= 7 && e0 + 8 <= n;
    v.base[size_t(b)] = ok ? static_cast<int32_t>(base) : -1;
  }
  return v;
}

// Two-phase tables (PlanArgs::fw) for one channel, or nothing.  Where the plan repeats
// every two outputs, one input further on (2x upsampling: output 2j + q reads inputs
// from j + off[q] with the same weights for every j), the kernel computes 8 values of j
// per phase and interleaves them.  The range is the longest run of outputs around the
// middle of the row that follow the pattern exactly (equal weights and bias), cut to
// whole steps of 16 outputs; the variable blocks before and after it (`pstart`, nb + 1
// entries) cover the rest of the row.
std::optional<TwoPhaseTables> phase_tables(const int32_t* start, const float* w,
                                           const float* bias, int64_t n_in, int64_t n_out,
                                           int64_t K, const std::vector<int32_t>& pstart) {
  if (K == 0 || K > 8 || n_out < 64) return std::nullopt;
  const int64_t m = (n_out / 2) & ~int64_t(1);
  const int64_t off[2] = {start[m] - m / 2, start[m + 1] - m / 2};
  auto follows = [&](int64_t o) {
    const int64_t q = o % 2, r = m + q;
    if (start[o] != o / 2 + off[q] || !(bias[o] == bias[r])) return false;
    for (int64_t t = 0; t < K; ++t)
      if (!(w[o * K + t] == w[r * K + t])) return false;
    return true;
  };
  int64_t lo = m, hi = m + 1;  // [lo, hi): the run around m (m itself is not tested)
  while (lo > 0 && follows(lo - 1)) --lo;
  while (hi < n_out && follows(hi)) ++hi;
  const int64_t fe0 = lo + lo % 2;
  const int64_t fe1 = fe0 + (hi - fe0) / 16 * 16;
  if (fe1 - fe0 < 32) return std::nullopt;
  if (fe0 / 2 + std::min(off[0], off[1]) < 0 || fe1 / 2 + std::max(off[0], off[1]) + K - 1 > n_in)
    return std::nullopt;  // cannot happen for a valid plan: each load reads the range's inputs
  // first block starting at >= fe0, last block starting at <= fe1
  const int64_t fb0 = std::lower_bound(pstart.begin(), pstart.end(), fe0) - pstart.begin();
  const int64_t fb1 = std::upper_bound(pstart.begin(), pstart.end(), fe1) - pstart.begin() - 1;
  std::vector<int32_t> offset = {static_cast<int32_t>(off[0]), static_cast<int32_t>(off[1])};
  std::vector<float> fw(w + m * K, w + (m + 2) * K), fb = {bias[m], bias[m + 1]};
  return TwoPhaseTables{fe0, fe1, fb0, fb1, table_array(std::move(offset)),
                        table_array(std::move(fw)), table_array(std::move(fb))};
}

}  // namespace

// Fixed blocks of 8 output elements (PlanArgs::pbase: 16 floats loaded, two permutes and
// a blend per tap) when at least half of them have their taps within those 16 floats;
// variable blocks instead when they exist and cost less (ops per 8 outputs: fixed
// blocks 2 loads + K (2 permutes, blend, FMA) + store; variable blocks K (load, permute,
// FMA) + store per m_avg outputs), with two-phase tables for one channel.
std::optional<PermTables> build_perm(const AxisTables& t, int64_t c) {
  const int64_t n_in = t.n_in, n_out = t.n_out, K = t.taps;
  if (!t.windowed || K < 1 || K > 8 || c < 1 || c > 4) return std::nullopt;
  const int32_t* start = static_cast<const int32_t*>(t.start->data());
  const float* w = static_cast<const float*>(t.weight.data());
  const float* bias = static_cast<const float*>(t.bias.data());
  const int64_t n = n_out * c, nb = (n + 7) / 8;
  std::vector<int32_t> base(static_cast<size_t>(nb)), rel(static_cast<size_t>(nb * 8));
  int64_t nok = 0;
  for (int64_t b = 0; b < nb; ++b) {
    int64_t s[8];
    int64_t mn = 0;
    for (int64_t j = 0; j < 8; ++j) {
      const int64_t e = std::min(b * 8 + j, n - 1);
      s[j] = int64_t(start[e / c]) * c + e % c;
      mn = j == 0 ? s[j] : std::min(mn, s[j]);
    }
    const int64_t bs = std::min(mn, n_in * c - 16);
    int64_t rmin = s[0] - bs, rmax = rmin;
    for (int64_t j = 0; j < 8; ++j) {
      rmin = std::min(rmin, s[j] - bs);
      rmax = std::max(rmax, s[j] - bs);
    }
    const bool ok = bs >= 0 && rmax + (K - 1) * c <= 15 && rmin >= 0;
    nok += ok;
    base[size_t(b)] = ok ? static_cast<int32_t>(bs) : -1;
    for (int64_t j = 0; j < 8; ++j)
      rel[size_t(b * 8 + j)] = ok ? static_cast<int32_t>(s[j] - bs) : 0;
  }
  const bool fixed_pays = 2 * nok >= nb;
  std::optional<VarBlocks> var = var_blocks(start, w, bias, n_in, n_out, K, c);
  if (var && fixed_pays) {
    const double m_avg = double(n) / double(var->base.size());
    if (double((3 * K + 1) * 8) / m_avg > 0.9 * double(5 * K + 3)) var.reset();
  }
  if (var) {
    std::optional<TwoPhaseTables> phase;
    if (c == 1) phase = phase_tables(start, w, bias, n_in, n_out, K, var->starts);
    return PermTables{c,
                      table_array(std::move(var->base)),
                      table_array(std::move(var->rel)),
                      table_array(std::move(var->weight)),
                      table_array(std::move(var->bias)),
                      table_array(std::move(var->starts)),
                      phase};
  }
  if (!fixed_pays) return std::nullopt;
  std::vector<float> pw(static_cast<size_t>(nb * K * 8)), pb(static_cast<size_t>(nb * 8));
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t j = 0; j < 8; ++j) {
      const int64_t o = std::min(b * 8 + j, n - 1) / c;
      for (int64_t t2 = 0; t2 < K; ++t2) pw[size_t((b * K + t2) * 8 + j)] = w[o * K + t2];
      pb[size_t(b * 8 + j)] = bias[o];
    }
  return PermTables{c,
                    table_array(std::move(base)),
                    table_array(std::move(rel)),
                    table_array(std::move(pw)),
                    table_array(std::move(pb)),
                    std::nullopt,
                    std::nullopt};
}

}  // namespace pg
