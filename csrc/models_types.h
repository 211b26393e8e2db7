// Plain data for the arithmetic-model kernels (models.h), shared by the bindings
// (models_bind.cpp) and the kernel translation units compiled with different ISA flags.
// Each struct is one pass of one model, named field by field; the numpy model engines in
// src/pixelgrid/_engines/ (float32_taps.py, wide_fixed.py, box_sum.py, block_mean.py,
// corner_sum.py) are the definitions these kernels reproduce bit for bit.
#pragma once
#include <cstdint>

namespace pg {

// Element types of the model kernels' inputs and outputs.
enum MType : int { MU8 = 0, MI8 = 1, MU16 = 2, MI16 = 3, MF32 = 4, MF64 = 5, MI32 = 6,
                   MI64 = 7 };

// How a float32_taps pass adds its taps (Arithmetic.fma), see float32_taps.py.
enum FmaMode : int { FMA_NONE = 0, FMA_CHAIN = 1, FMA_REVERSE = 2, FMA_TAIL4 = 3,
                     FMA_LERP = 7,  // lerp: 2 taps, fma(w1, f32(x1 - x0), x0) (IPP linear)
                     FMA_LERP_MUL = 8,  // lerp_mul: x0 + f32(w1 f32(x1 - x0)) (TF bilinear)
                     // pair_chain: fma(x0, w0, x1 w1), then fma over taps 2.. (torch bicubic)
                     FMA_PAIR_CHAIN = 9 };

// Row-wide 2-tap gathers (AVX2) of a pass along an axis of interleaved rows (M < 16
// elements per pixel, the row tables' case): output element q = o*M + m of a row reads
// the input row's elements index[o, 0]*M + m and index[o, 1]*M + m.  The Q = O*M elements
// come in groups of 8 (q = 8g .. 8g+7, the last Q % 8 elements one by one); base[g] >= 0
// when every tap of group g lies in the 16-element window [base[g], base[g] + 16) of the
// input row; else -2 when the group's taps are gathered (far[16g ..]: the element
// offsets in the row of tap 0 of the 8 elements, then of tap 1; 8-bit rows: only where
// every offset is at most R - 4, a gather reading 4 bytes), or -1: element by element.
// far is null when no group is gathered.  8-bit data: shuf[32g ..] is the
// pshufb control putting tap 0 / tap 1 of element j in the high byte of int16 lanes 2j /
// 2j + 1 (the window in both 128-bit halves: elements 0-3 in the low half, 4-7 in the
// high), w16[16g ..] the int16 weights (w0, w1) of each element.  Float32: sel[16g ..]
// the window positions of tap 0 of the 8 elements, then of tap 1; wf[8g ..] the weight
// of tap 1 (fma="lerp"), and wf0[8g ..] that of tap 0 (2-tap passes that multiply both
// taps: fma none, chain, tail4; null for lerp).  Built by the bindings (models_bind.cpp),
// read-only.
struct Gather2 {
  int64_t groups;
  const int32_t* base;
  const uint8_t* shuf;
  const int16_t* w16;
  const int32_t* sel;
  const float* wf;
  const float* wf0;
  const int32_t* far;
};

// One tap-order pass along the middle axis of a C-contiguous (B, L, M) array of the
// working type T (float or double) -> (B, O, M):
//   out[b, o, m] = taps x[b, index[o, t], m] * weight[o, t], t = 0 .. K-1, in the order
//   of `fma`; an element whose flat position j = b*M + m is below `limit` (the vector
//   body of simd_lanes) is nested from the last tap instead (fma none only).
// Rows of few elements (M < kWideRow) run over the whole output row b with per-element
// tables: off[t*Q + q] (element offsets in the input row), wq[t*Q + q] (weights) and
// ffq[q] (tail4: first fused tap), q = o*M + m, Q = O*M.
// AVX-512 form of the float32 lerp rows (fma lerp / lerp_mul): output elements in groups
// of 16 (q = 16g .. 16g+15, the last Q % 16 one by one).  base[g] >= 0: every tap of
// group g lies in the window [base[g], base[g] + N) of the input row, N = 32 floats, or
// 64 where `wide` (some group needs it: downsampling by 2 to ~3.5; one mode per row, as
// a per-group choice slowed the upsampling rows by a quarter); sel[32g ..] the window
// positions (bytes) of tap 0 of the 16 elements, then of tap 1.  base[g] = -1: the taps
// are farther apart, far[32g ..] holds their element offsets in the row, read by gathers
// (far is null when no group needs them).  wf[16g ..]: the weight of tap 1.  Built only
// where the CPU has AVX-512F.
struct Gather16 {
  int64_t groups;
  int wide;
  const int32_t* base;
  const uint8_t* sel;
  const int32_t* far;
  const float* wf;
};

// AVX-512 VBMI form of the 8-bit 2-tap row sums (Gather2's w16 madd), 16 int32 sums per
// step: groups q = 16g .. 16g+15 whose taps all lie in the 64-byte window
// [base[g], base[g] + 64) of the input row; perm[64g ..] the byte permute putting tap 0 /
// tap 1 of element j in the high byte of int16 lanes 2j / 2j + 1, w16[32g ..] the int16
// weights (w0, w1) of each element.  Built only where the CPU has AVX-512 VBMI and every
// group fits (else the AVX2 groups run).
struct Gather64 {
  int64_t groups;
  const int32_t* base;
  const uint8_t* perm;
  const int16_t* w16;
};

// The switch of the AVX-512 row groups (Gather16, Gather64, and the uint8 2 x 2 block
// means box2x2_u8_512; binding rows512(on) -> previous): off, the rows take the AVX2
// forms (Gather2, box2x2_u8); tests compare both.  Read at run time, like model_set_simd.
extern bool g_rows512;

struct TapsPass {
  int wtype;  // MF32 or MF64
  int fma;    // FmaMode
  int64_t B, L, O, M, K;
  int64_t limit;
  // zero_start: the sum starts from `start` (+0.0 or -0.0), acc = start + x0*w0, as the
  // per-axis float64 model adds every tap to its fill term (reference._apply_float)
  int zero_start;
  double start;
  const int32_t* index;      // [O*K]
  const void* weight;        // [O*K] of T
  const int32_t* fused_from; // [O] (tail4) or null
  const int32_t* off;        // [K*O*M] (row tables) or null
  const void* wq;            // [K*O*M] of T (row tables) or null
  const int32_t* ffq;        // [O*M] (row tables, tail4) or null
  const void* src;
  void* dst;
  const Gather2* g2;  // lerp rows (M < 16): row-wide gathers, or null
  const Gather16* g16;  // lerp rows (M < 16), AVX-512: 16 elements per step, or null
  // io32 (wtype MF64 only): src and dst hold float32, each read exactly and each double
  // sum rounded to float32 once (the per-axis float64 model on float32 data)
  int io32;
};

// Float results stored in an integer dtype by a rule (Arithmetic.store), as numpy does
// _arithmetic.store on float32/float64 arrays: the rounding computed in the float type,
// then saturated (NaN -> 0).
enum StoreRule : int { ST_HALF_EVEN = 0, ST_HALF_AWAY = 1, ST_HALF_UP = 2, ST_TRUNCATE = 3,
                       ST_CLIP8_WRAP = 4 };
struct StoreArgs {
  int stype;  // MF32 or MF64
  int dtype;  // MU8 .. MI16
  int rule;   // StoreRule
  int64_t n;
  const void* src;
  void* dst;
};

// A pass of the unshifted fixed-point model (wide_fixed.py) along the middle axis of a
// (B, L, M) array.  first: h[b, o, m] = sum_t w[o, t] * x[b, index[o, t], m] exactly (in
// htype, int32 or int64).  Second pass (first == 0): from h, the tail
//   acc = sum_t (w[o, t] * (h >> pre)) >> term   (in acc64 ? int64 : int32)
//   y = clamp((acc + offset) >> shift)
// and, for flat positions below `limit`, the float32 body: nested taps
// f32(h) * fw[o, t], rounded half to even and saturated.
struct WidePass {
  int first;
  int itype, otype;  // input and output element types
  int acc64;
  int64_t B, L, O, M, K;
  int64_t limit;
  int pre, term, shift;
  int64_t offset;
  const int32_t* index;  // [O*K]
  const int32_t* w;      // [O*K]
  const float* fw;       // [O*K] (body) or null
  const int32_t* off;    // [K*O*M] row tables or null (as TapsPass)
  const int32_t* wq;     // [K*O*M] or null
  const float* fwq;      // [K*O*M] or null
  const void* src;
  void* dst;
  // second pass, 8-bit out, term == 16: every (src >> pre), |w| and running sum (plus
  // offset) fit int16, so (w * (src >> pre)) >> 16 is one mulhi_epi16 (checked by the caller)
  int i16;
  const Gather2* g2;  // first pass, 8-bit data, 2 taps, rows (M < 16): or null
  const Gather64* g64;  // the same rows, AVX-512 VBMI: 16 sums per step, or null
  // second pass, int32 in, int64 sums: every term and partial sum (plus offset) is an
  // integer below 2**53 (checked by the caller), so the sums are exact in float64 lanes
  int f64;
};

// OpenCV's integer-factor block sums (box_sum.py) on a (H, W, C) array.
struct BoxArgs {
  int dtype;  // MU8 .. MF64
  int store;  // StoreRule of full blocks (integers)
  int64_t H, W, C, kx, ky, dh, dw, full_w, full_h;
  int64_t limit;  // vector-body elements of an output row (simd_lanes), float only
  double inv;     // f32(1/n) (as float for float32/int data, as double for float64)
  const void* src;
  void* dst;
};

// Pillow's 8-bit Image.reduce (block_mean.py, BlockMean("exact", "reciprocal24")) on a
// (H, W, C) region of integer data: blocks of fy x fx pixels from (y0, x0), the last
// block of each axis ny_last / nx_last pixels; each mean ((total + n/2) * m) >> 24 with
// m = int(f32(2**32) / (f32(256) * f32(n))), saturated to the dtype.
struct BlockMeanArgs {
  int dtype;  // MU8 .. MI16
  int64_t H, W, C, y0, x0, fy, fx, oh, ow, ny_last, nx_last;
  const void* src;
  void* dst;
};

// ONNX Runtime's corner sums (corner_sum.py) on an N-D array (ndim <= 8), k <= 3 cell
// axes.  Output element y: the 2**k corners in memory order (first cell axis slowest),
// each weighted by the product of its per-axis weights formed from the last cell axis
// outwards, every product and sum in the working type (float32, float64 for float64
// data; int64 for the 10-bit weights of q10).  Outputs outside the crop box on any cell
// axis take the fill value.
struct CornerArgs {
  int wtype;   // MF32, MF64 or MI64 (q10)
  int itype;   // input element type
  int otype;   // output element type: the working float type, or an integer dtype
  int ndim, k;
  int64_t in_shape[8], out_shape[8];
  int axes[3];
  const int32_t* i0[3];
  const int32_t* i1[3];
  const void* w0[3];  // working type (int64 for q10)
  const void* w1[3];
  const uint8_t* outside[3];  // or null
  double fill_f;    // float outputs
  int64_t fill_i;   // integer outputs (already truncated and saturated)
  const void* src;
  void* dst;
  // sep: q10 on 8-bit data with 2 adjacent cell axes (B, H, W, M) whose integer sums fit
  // int32 (the bindings check the weight bounds): the same exact integer sum evaluated
  // separably, units are output rows (b, oy): every needed input row blended along W
  // (sum of 2 int32 terms, g2 the row-wide gathers or null), then the 2 rows along H,
  // then the shift.  qw[j][t]: the 10-bit weights of cell axis j, tap t, as int32.
  int sep;
  const int32_t* qw[2][2];
  const Gather2* g2;
};

}  // namespace pg
