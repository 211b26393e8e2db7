// Plain data of the fused Intel IPP uint8 cubic model (ipp_cubic.h), shared by its
// bindings (ipp_cubic_bind.cpp) and the kernel builds.  The definition it reproduces bit
// for bit: _ipp_pass of src/pixelgrid/_engines/float32_taps.py (fma="ipp_cubic" along
// the width, then fma="pairs" along the height, stored half to even and saturated).
#pragma once
#include <cstdint>
#include <vector>

namespace pg {

// How one horizontal output element adds its four products p_t = x_t * w_t (float32;
// fma(a, b, c) rounded once), see the "fma" entry of _arithmetic.py.
enum IppOrder : uint8_t {
  IPP_CHAIN = 0,      // fma(x3, w3, fma(x2, w2, fma(x1, w1, p0)))   (edges, 3 channels)
  IPP_C1_GROUP = 1,   // (p0 + p1) + (p2 + p3)
  IPP_C1_TAIL = 2,    // (p0 + p2) + (p1 + p3)
  IPP_C4_GROUP = 3,   // fma(x2, w2, p0) + fma(x3, w3, p1)
  IPP_C4_TAIL = 4,    // fma(x0, w0, p3) + fma(x1, w1, p2)
  IPP_MIXED = 255,    // (a group of elements whose orders differ)
};

// A run of consecutive groups [g0, g1) of a row that the uint8 horizontal pass handles
// alike: kind IPP_WINDOW (byte shuffles of 16-byte windows), IPP_WINDOW4 (a window for
// each 4 elements, each 128-bit lane), IPP_GATHER, or IPP_SCALAR (mixed orders: element by
// element); ord: the groups' IppOrder.
enum IppRunKind : uint8_t { IPP_WINDOW = 0, IPP_GATHER = 1, IPP_SCALAR = 2, IPP_WINDOW4 = 3 };
struct IppRun {
  int32_t g0, g1;
  uint8_t kind, ord;
};

// (H, W, C) uint8 -> (OH, OW, C) uint8.  Horizontal tables per output element
// q = o*C + c of a row (Q = OW*C): off[t*Q + q] = index_x[o, t]*C + c, w[t*Q + q] =
// f32(weight_x[o, t]), order[q]; group_order[g]: the order shared by elements 8g .. 8g+7
// or IPP_MIXED; group_base[g] >= 0 when the group's four taps are consecutive pixels and
// tap 0 of its elements lies in the 16 bytes from group_base[g] (tap t: + t*C): then
// group_mask[32g ..] are the byte shuffles (element j: byte group_mask[4j] of the
// window, its other three bytes zero) that read the taps without gathers.  Vertical:
// index_y[o*4 + t], weight_y[o*4 + t] (float32): y = fma(r0, w0, r1 w1) + fma(r2, w2,
// r3 w3), rounded half to even, saturated.
struct IppCubicArgs {
  int64_t H, W, C, OH, OW;
  const int32_t* off;
  const float* w;
  const uint8_t* order;
  const uint8_t* group_order;
  const int32_t* group_base;
  const uint8_t* group_mask;
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
  // uint8 data: groups of `lanes` (L) elements, 8 (AVX2) or 16 (AVX-512 build), where
  // group_order, group_base and group_mask (4L bytes a group) then count in groups of L;
  // group_pack[5L*g ..]: group g's byte shuffles (its 4L group_mask bytes) then its
  // weights w[t*Q + L*g + j] at L + L*t + j (one 64-byte aligned stream per row); 4
  // channels: group_pack[2L*g ..], the shuffles then, at L + 4p + t, the weight of tap t
  // of the group's pixel p (p < L/4);
  // runs[0 .. nruns): the row's groups in runs (the last Q % L elements: one by one)
  const float* group_pack;
  const IppRun* runs;
  int64_t nruns;
  int64_t lanes;
  // 3 channels in groups of 16: pixel_w[4p + t] = the weight of tap t of pixel p, and
  // group_pack[32g + 16 + j] = 4 * (pixel of element 16g + j - pixel of element 16g)
  const float* pixel_w;
  // groups of kind IPP_WINDOW4: group_base4[4g + k], the window of elements 4k .. 4k+3
  // (k < L/4; group_mask's bytes of those elements count from it)
  const int32_t* group_base4;
};

// One thread's cache of horizontal rows (ipp_cubic_range), kept from one chunk of output
// rows to the next it runs: slot k holds the horizontal pass of input row held[k], valid
// whichever chunk asked for it.  Allocated on first use.
struct IppRing {
  static constexpr int kSlots = 5;  // an output row reads at most 4 distinct rows
  std::vector<float> mem;
  float* buf = nullptr;  // kSlots rows of `stride` floats, 64-byte aligned
  int64_t stride = 0;
  std::vector<uint8_t> row;  // a padded copy of an input row (uint8)
  int64_t held[kSlots] = {-1, -1, -1, -1, -1};
};

}  // namespace pg
