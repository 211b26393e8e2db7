// Plain data of PyTorch's channels-last float32 bilinear model (torch_corners.h), shared
// by its binding (torch_corners_bind.cpp) and the kernel builds.
#pragma once
#include <cstdint>

namespace pg {

// src: (B, C, H, W) float32 read through element strides sB, sC, sH, sW (any memory
// format); dst: (B, C, OH, OW) float32 written through its strides dB, dC, dH, dW.  When
// both have contiguous channels (sC == dC == 1, channels-last memory) the kernel walks
// output pixels and loads 8 channels at a time (units: (b, oh) rows), else it walks
// output rows of one channel (units: (b, c, oh) rows).  Per output row oh: input rows
// h0[oh], h1[oh] and their float32 weights ah0[oh], ah1[oh]; per output column o: element
// offsets off0[o] = w0[o] * sW, off1[o] = w1[o] * sW and weights bw0[o], bw1[o].  Channels
// c < C - C % lanes add their corners in the vector order (lanes 0: none).
struct TorchCornersArgs {
  int64_t B, C, OH, OW;
  int64_t W;  // input row length (elements of a row of one channel, in units of sW)
  int64_t sB, sC, sH, sW;
  int64_t dB, dC, dH, dW;
  const int32_t* h0;
  const int32_t* h1;
  const float* ah0;
  const float* ah1;
  const int32_t* off0;
  const int32_t* off1;
  const float* bw0;
  const float* bw1;
  int64_t lanes;
  const float* src;
  float* dst;
};

}  // namespace pg
