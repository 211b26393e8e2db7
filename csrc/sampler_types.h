// Data of one compiled point-sampler call (see sampler.cpp for the rules).
#pragma once

#include <atomic>
#include <cstdint>

namespace pg {
namespace sampler {

enum Kern { KGIVEN = 0, KNEAREST = 1, KLINEAR = 2, KCUBIC = 3, KCUBIC_PILLOW = 4 };
enum Bound { BRENORM = 0, BCONST = 1, BCLAMP = 2, BREFLECT = 3, BSYM = 4, BWRAP = 5 };
enum Tie { TCEIL_HALF = 0, TFLOOR_HALF = 1, TFLOOR = 2, TCEIL = 3, THALF_EVEN = 4 };
enum DT { U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, F64 = 7 };
enum Out { OUT_F64 = 0, OUT_F32 = 1, OUT_SAME = 2 };
// How weighted taps are summed (pixelgrid._sampling.SAMPLE_ARITHMETICS): float64 sums,
// PyTorch's float32 FMA sum of products of axis weights, or its vectorised float32
// bicubic grid_sample (rows along the last axis, then the rows; float32 out).
enum Sums { SUM_F64 = 0, SUM_FMA32 = 1, SUM_TORCH_CUBIC = 2 };

constexpr int kMaxAxes = 8;
constexpr int kMaxT = 64;

struct Axis {
  int64_t n = 1, stride = 0;  // length and element stride of the source axis
  int kernel = KLINEAR, boundary = BCONST, tie = TCEIL_HALF;
  double table = 0, a = 0, radius = 1, margin = 3;
  double ap2 = 0, ap3 = 0, a5 = 0, a8 = 0, a4 = 0;  // a + 2, a + 3, 5a, 8a, 4a (as Python)
  // taps computed by the oracle (kernel == KGIVEN): (M, T) int64, float64, uint8 or null
  const int64_t* gidx = nullptr;
  const double* gw = nullptr;
  const uint8_t* gin = nullptr;
  int64_t gT = 0;
};

struct Taps {
  int T = 0;
  bool masked = false;  // constant boundary: in[] says which taps read the input
  int64_t j[kMaxT];
  double w[kMaxT];
  bool in[kMaxT];
};

struct Args {
  int k = 0;
  Axis ax[kMaxAxes];
  int64_t M = 0, C = 0;
  int64_t cstride = 0;          // channel stride of the source (elements)
  int64_t dp = 0, dc = 0;       // point and channel strides of the destination (elements)
  const double* pts = nullptr;  // (M, k) or null (affine)
  double aff[6] = {0, 0, 0, 0, 0, 0};
  int64_t W = 1;  // affine: output columns (point m is row m / W, column m % W)
  double fill = 0;
  const uint8_t* fill_bytes = nullptr;  // gather: one element of the fill, source dtype
  int window = 0, omit = 0, sums = SUM_F64;
  const void* src = nullptr;
  void* dst = nullptr;
  int64_t itemsize = 1;
  // grid_sample points (k = 2; sampler_fast.cpp): (M, 2) normalised (x, y), float32 or
  // float64, mapped by grid_coord (pixelgrid._sampling.grid_positions) as they are sampled
  const void* grid = nullptr;
  bool grid_f64 = false, grid_ac = false, grid_fma = false;
  int grid_pad = 0;  // 0 zeros, 1 border, 2 reflection
  // the grid check fused into a kernel that reads the grid (grid_gather2d_vec): a value
  // with !(|v| < scan_lim) (NaN included) sets *scan_bad; null: no check asked
  float scan_lim = 0;
  std::atomic<bool>* scan_bad = nullptr;
};

using RangeFn = void (*)(const Args&, int64_t, int64_t);

}  // namespace sampler
}  // namespace pg
