// Plain data of OpenCV's float32 warpAffine model (cv_warp.h), shared by its binding
// (cv_warp_bind.cpp) and the two kernel builds (cv_warp_base.cpp, cv_warp_avx2.cpp).
#pragma once
#include <cstdint>

namespace pg {

// src: (H, W, C) C-contiguous, dst: (OH, OW, C) C-contiguous, of one dtype (0: uint8,
// 1: uint16, 2: float32), C in 1..4.  m: the inverse map (output pixel -> source
// position) rounded to float32; lanes: the column count of OpenCV's vector body (its
// positions are fma(m0, x, Mx); the last OW % lanes columns use the scalar formula).
// border: 0 constant (taps outside read fill[c]), 1 replicate, 2 reflect (fedcba|abcdef),
// 3 wrap, 4 reflect-101 (gfedcb|abcdef).  fill: the border value per channel, already
// saturated to the dtype.
// ipp (LINEAR only): the approximate model of Intel IPP's kernel instead: positions
// (x * md0 + y * md1) + md2 in double (md: the inverse map in double; uint8: rounded to
// float32), taps from their
// floor, fractions rounded to float32, the lerp vertical first.
struct CvWarpArgs {
  int64_t H, W, C, OH, OW;
  int dtype;
  bool linear;
  int border;
  int64_t lanes;
  float m[6];
  float fill[4];
  const void* src;
  void* dst;
  bool ipp;
  double md[6];
};

}  // namespace pg
