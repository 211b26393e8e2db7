// Plain data of the fused Intel IPP uint8 cubic model (ipp_cubic.h), shared by its
// bindings (ipp_cubic_bind.cpp) and the kernel builds.  The definition it reproduces bit
// for bit: _ipp_pass of src/pixelgrid/_engines/float32_taps.py (fma="ipp_cubic" along
// the width, then fma="pairs" along the height, stored half to even and saturated).
#pragma once
#include <cstdint>

namespace pg {

// How one horizontal output element adds its four products p_t = x_t * w_t (float32;
// fma(a, b, c) rounded once), see the "fma" entry of _arithmetic.py.
enum IppOrder : uint8_t {
  IPP_CHAIN = 0,      // fma(x3, w3, fma(x2, w2, fma(x1, w1, p0)))   (edges, 3 channels)
  IPP_C1_GROUP = 1,   // (p0 + p1) + (p2 + p3)
  IPP_C1_TAIL = 2,    // (p0 + p2) + (p1 + p3)
  IPP_C4_GROUP = 3,   // fma(x2, w2, p0) + fma(x3, w3, p1)
  IPP_C4_TAIL = 4,    // fma(x0, w0, p3) + fma(x1, w1, p2)
  IPP_MIXED = 255,    // (a group of 8 elements whose orders differ)
};

// (H, W, C) uint8 -> (OH, OW, C) uint8.  Horizontal tables per output element
// q = o*C + c of a row (Q = OW*C): off[t*Q + q] = index_x[o, t]*C + c, w[t*Q + q] =
// f32(weight_x[o, t]), order[q]; group_order[g]: the order shared by elements 8g .. 8g+7
// or IPP_MIXED; group_base[g] >= 0 when the group's four taps are consecutive pixels and
// tap 0 of its elements lies in the 16 bytes from group_base[g] (tap t: + t*C): then
// group_mask[32g ..] are the byte shuffles (element j: byte group_mask[4j] of the
// window, its other three bytes zero) that read the taps without gathers.  Vertical: index_y[o*4 + t], weight_y[o*4 + t] (float32):
// y = fma(r0, w0, r1 w1) + fma(r2, w2, r3 w3), rounded half to even, saturated.
struct IppCubicArgs {
  int64_t H, W, C, OH, OW;
  const int32_t* off;
  const float* w;
  const uint8_t* order;
  const uint8_t* group_order;
  const int32_t* group_base;
  const uint8_t* group_mask;
  int need_float;  // some group reads the row as float32 (gathers; AVX2 build)
  const int32_t* index_y;
  const float* weight_y;
  const uint8_t* src;
  uint8_t* dst;
  // float32 data (OpenCV's float32 INTER_CUBIC with IPP, compat.opencv): src/dst hold
  // float32, the horizontal pass reads the row as it is (float windows, group_sel, or
  // gathers) and the vertical sum is stored unrounded.
  int f32;
  // float32 data: group_base[g] >= 0 when the taps are consecutive pixels and tap t of
  // the group's elements lies in the 16 floats from group_base[g] + t*C (inside the row);
  // group_sel[8g + j]: element j's position in that window (two loads, permutes, blend)
  const int32_t* group_sel;
};

}  // namespace pg
