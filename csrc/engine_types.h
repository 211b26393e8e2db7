// Plain data shared by the dispatcher (engine.cpp) and the kernel translation units.
// Only POD types here: the kernel files are compiled with different ISA flags, so no
// inline code may be shared between them (it could be merged by the linker).
#pragma once
#include <cstdint>

namespace pg {

// I32 only as the intermediate of the wide model for 16-bit data.
enum DType : int { U8 = 0, I8 = 1, U16 = 2, I16 = 3, F32 = 4, F64 = 5, I32 = 6 };

// Most rows one horizontal sweep works on (SingleArgs::rows, PairArgs::rows): the
// dispatcher picks at most this many and sizes the kernels' row buffers for it.
constexpr int64_t kMaxSweepRows = 16;

// One axis plan: its windows or indices, weights and bias prepared by the Python
// wrapper, its optional SIMD tables built in C++ (u8_avx2_tables.cpp, f32_avx2_tables.cpp;
// engine_tables.h), all unpacked and checked by unpack_plan (engine.cpp).
//   contig: out[o] = bias[o] + sum_t weight[o*K+t] * in[start[o] + t]
//   else:   out[o] = bias[o] + sum_t weight[o*K+t] * in[index[o*K+t]]
// weight/bias have the accumulator type of the step: float (F32), double (F64),
// int32 (integer dtypes, acc64 == 0) or int64 (acc64 == 1).  For integers, bias holds
// fill*round(fill_value) + offset and the result is clamp(acc >> bits).
struct PlanArgs {
  int64_t in_size;
  int64_t out_size;
  int64_t K;
  int contig;
  int bits;
  const int32_t* start;  // [out_size] (contig)
  const int32_t* index;  // [out_size*K] (!contig)
  const void* weight;    // [out_size*K]
  const void* bias;      // [out_size]
  // Optional (8-bit data, int32 accumulator, weights fitting int16): for each output,
  // nq groups of 4 taps as 8 int32 [p01 x4, p23 x4], p01 = (w0 & 0xffff) | (w1 << 16).
  // wsplit (22-bit Pillow-precision weights): each weight w = hi * 256 + lo with
  // lo in [0, 256), and the 8 int32 of hi pairs are followed by 8 of lo pairs (16 per
  // group); the kernels compute (sum hi*x) * 256 + sum lo*x, exact modulo 2^32.
  const int32_t* wq;     // [out_size * nq * 8 * (1 + wsplit)] or null
  int64_t nq;
  int wsplit;
  // Optional (8-bit data, C <= 4 interleaved channels, contiguous taps): the output row
  // (out_size*gC bytes) in groups of 8 elements, two 128-bit lanes of 4.  Lane L of
  // group g loads 16 bytes at gbase[2g+L] (+ 2*gC*j for tap pair j; gbase[2g] < 0:
  // no SIMD for this group) and shuffles them with gmask (int16 pairs of taps); gw has
  // per group and tap pair 8 int32 packed pairs (then 8 of lo pairs when wsplit), gbias
  // 8 int32 per group.
  int64_t gC, gnp;
  const int32_t* gbase;  // [ng*2]
  const int8_t* gmask;   // [ng*32]
  const int32_t* gw;     // [ng*gnp*8*(1+wsplit)]
  const int32_t* gbias;  // [ng*8]
  // Optional with the group tables (8-bit, at most 2 taps, weights that are small
  // integers times a common power of two, e.g. 2x bilinear): groups of 16 outputs, two
  // lanes of 8; lane L of group g loads 16 bytes at sbase[2g+L] (< 0: no SIMD) and
  // shuffles them into byte pairs with smask; sw holds the reduced weights as int8
  // pairs and sbias 16 int16 per group; the sum (exact in int16) is shifted by sbits.
  int sbits;
  const int32_t* sbase;  // [ngs*2]
  const int8_t* smask;   // [ngs*32]
  const int8_t* sw;      // [ngs*32]
  const int16_t* sbias;  // [ngs*16]
  // Optional with the group tables (uint8 in and out, AVX-512 VNNI + VBMI, weights below
  // 2^23 in magnitude; u8_avx512.cpp): the output row in nvb = ceil(out_size*gC/16)
  // blocks of 16 elements, one int32 lane each.  For tap quad q (taps 4q..4q+3, vnq of
  // them) block b loads vwin (64 or 128) bytes at vbase[b] + 4*gC*q (bytes past the row
  // masked off) and vpermb puts lane j's 4 bytes (vmask[64b+4j+k], tap 4q+k) together;
  // vw holds per block, quad and part 64 int8: weight = p0 + p1*2^8 (+ p2*2^16), vparts
  // 2 or 3 parts; vbias 16 int32 per block.  gnp == 0: these tables alone (no AVX2 group
  // tables; gbase is then vbase, or null where the VNNI kernel is not used).
  int vparts, vwin;
  int64_t vnq;
  const int32_t* vbase;  // [nvb]
  const int8_t* vmask;   // [nvb*64]
  const int8_t* vw;      // [nvb*vnq*vparts*64]
  const int32_t* vbias;  // [nvb*16]
  // Optional (float32, AVX2): the output row (out_size*pC floats) in blocks of 8; block
  // b reads 16 floats at pbase[b] (-1: compute it without SIMD) and tap t of lane j
  // takes element prel[b*8+j] + t*pC of them, with weight pw[(b*K+t)*8+j].
  int64_t pC;
  const int32_t* pbase;  // [nb]
  const int32_t* prel;   // [nb*8]
  const float* pw;       // [nb*K*8]
  const float* pbias;    // [nb*8]
  // Variable blocks (with the perm tables, optional): block b covers the elements
  // [pstart[b], pstart[b+1]) (at most 8) and tap t of lane j reads the 8 floats at
  // pbase[b] + t*pC, element prel[b*8+j], so one permute per tap and no blend.  The
  // 8-float store may run past the block: the next block overwrites it.
  const int32_t* pstart;  // [nb+1] or null
  int64_t pnb;            // nb (with pstart)
  // Two-phase tables (with the variable blocks, one channel, optional): where the plan
  // repeats every 2 outputs, shifted by one input (2x upsampling), the elements
  // [fe0, fe1) are out[2j + q] = fbias[q] + sum_t fw[q*K+t] * in[j + foff[q] + t],
  // 8 values of j at a time per phase, then interleaved; the variable blocks [0, fb0)
  // and [fb1, nb) cover the rest of the row (pstart[fb0] >= fe0, pstart[fb1] <= fe1).
  int64_t fe0, fe1, fb0, fb1;
  const int32_t* foff;   // [2]
  const float* fw;       // [2*K] or null
  const float* fbias;    // [2]
};

// The AVX-512 VNNI horizontal pass over R rows at fixed strides (u8_avx512.cpp), called
// by the AVX2 build's 8-bit group kernel where unpack_plan gave p its tables (p.vbase).
namespace u8avx512 {
void h8_rows(const uint8_t* src, int64_t ss, uint8_t* dst, int64_t ds, int64_t R,
             const PlanArgs& p);
// The vertical 8-bit combine (uint8 rows -> uint8, int32 weights whose signed-byte digits
// fit three bytes); false where it does not apply.  Only where u8_avx512_usable().
bool v8_rows(const uint8_t* const* rows, const int32_t* w, int64_t K, int32_t bias, int bits,
             uint8_t* dst, int64_t n);
}  // namespace u8avx512
bool u8_avx512_usable();  // u8_avx512_tables.cpp: CPU support and the switch

// One pass along one axis of a C-contiguous (B, L, C) array -> (B, out, C).
// rows: whole rows per horizontal sweep (the kernels with tables read them once per
// sweep); chosen by the dispatcher (see batch_rows in engine.cpp).
struct SingleArgs {
  int dtype;
  int acc64;
  int odtype;  // output dtype: dtype, or another for the passes of the wide model
  int64_t B, C;
  int64_t rows;
  const void* src;
  void* dst;
  PlanArgs p;
};

// Two passes over adjacent axes of a C-contiguous (B, H, W, C) array -> (B, OH, OW, C).
// h_first: apply the W plan first (rows are resampled horizontally, then combined).
// rows: h_first: input rows resampled horizontally at once (1: one at a time; > 1 needs
// H windows that are monotone without gaps); else output rows per horizontal sweep.
// Both at most 16, chosen by the dispatcher, which sizes the row buffer for them.
// The scratch of pair_range starts with a 64-byte header, zero in a fresh buffer: the
// kernel keeps its row cache in the scratch across the calls of one thread.
// bstride: elements between the rows of the kernel's row buffer (padded so that rows do
// not fall on the same L1 cache sets, see buffer_stride in engine.cpp).
struct PairArgs {
  int dtype;
  int acc64;
  int mdtype;  // the buffer's dtype: dtype, or the wide model's intermediate (H first)
  int h_first;
  int rows;
  int64_t B, C;
  int64_t bstride;
  const void* src;
  void* dst;
  PlanArgs ph;  // along H (axis a)
  PlanArgs pw;  // along W (axis a+1)
};

}  // namespace pg
