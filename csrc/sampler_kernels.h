// pixelgrid point sampler kernels (built twice: sampler_base.cpp, sampler_avx2.cpp): the compiled form of pixelgrid._sampling.sample_points.
//
// Every rule here has its one definition in Python (src/pixelgrid/_sampling.py, the
// numpy oracle, and pixelgrid._plan.boundary_taps); this file implements the same rules
// point by point so that results are bit-identical in float64:
//   * coordinates: given (M, k) float64, or an affine map of the output index
//     (warp_affine: x = (b0 * j + b1 * i) + b2, as its numpy code computes them);
//     far-away coordinates are clipped to radius + 2 pixels outside (_safe_coords);
//   * taps per axis: nearest (tie rules of _nearest_index), linear ``1 - |d|`` and Keys
//     cubic (``cubic(a)``, its table and pillow forms) evaluated on the window
//     ``ceil(x - r) + t`` ("support") or ``floor(x) - r + 1 + t`` ("floor", PyTorch/ONNX
//     Runtime grid_sample), normalised by their sequential float64 sum (numpy's sum of
//     fewer than 8 terms), then the boundary rule;
//   * other kernels: taps and weights computed by the oracle, passed in, summed here;
//   * the sum: tap combinations in axis-major order, weight = w0 * w1 * ... left to right,
//     acc += w * v from 0; taps outside a constant boundary add their weight to the fill
//     weight (acc += fill_w * fill at the end).  "support" window: a tap of weight 0 is
//     not read (a NaN/inf there reaches no output); "floor": every tap inside is read.
//     nan_policy omit: non-finite values are dropped, the sum divided by the kept weights;
//   * float32_fma (PyTorch's vectorised 2-D kernel): weights rounded to float32, products
//     in axis order, acc = fma(v, w, acc) from the first product;
//   * store: float64, float32, or the input's integer dtype rounded half to even, clipped.
// Everything lives in namespace pg::sampler::PG_SNS.
#ifndef PG_SNS
#error "define PG_SNS before including sampler_kernels.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "sampler_types.h"

namespace pg {
namespace sampler {
namespace PG_SNS {
namespace {

inline int64_t floor_mod(int64_t a, int64_t p) {
  const int64_t m = a % p;
  return m < 0 ? m + p : m;
}

// pixelgrid._plan.map_boundary
inline int64_t map_index(int64_t j, int64_t n, int b) {
  switch (b) {
    case BWRAP:
      return floor_mod(j, n);
    case BREFLECT: {
      if (n == 1) return 0;
      const int64_t p = 2 * (n - 1), m = floor_mod(j, p);
      return m < n ? m : p - m;
    }
    case BSYM: {
      const int64_t p = 2 * n, m = floor_mod(j, p);
      return m < n ? m : p - 1 - m;
    }
    default:
      return j < 0 ? 0 : (j >= n ? n - 1 : j);
  }
}

// pixelgrid._sampling._nearest_index
inline int64_t nearest_index(double x, int tie) {
  switch (tie) {
    case THALF_EVEN:
      return static_cast<int64_t>(std::nearbyint(x));
    case TCEIL:
      return static_cast<int64_t>(std::ceil(x));
    case TFLOOR:
      return static_cast<int64_t>(std::floor(x));
    default: {
      const double r = std::floor(x), frac = x - r;
      const bool up = tie == TCEIL_HALF ? frac >= 0.5 : frac > 0.5;
      return static_cast<int64_t>(r + (up ? 1.0 : 0.0));
    }
  }
}

// pixelgrid._kernels.linear / cubic (the same expressions, evaluated in the same order)
inline double kernel_weight(const Axis& A, double d) {
  if (A.kernel == KLINEAR) return 1.0 - std::fabs(d);
  double x = std::fabs(d);
  if (A.table != 0) x = std::fabs(std::nearbyint(d * A.table) / A.table);
  if (x < 1) return ((A.ap2 * x - A.ap3) * x) * x + 1;
  if (x < 2) {
    if (A.kernel == KCUBIC_PILLOW) return (((x - 5) * x + 8) * x - 4) * A.a;
    return ((A.a * x - A.a5) * x + A.a8) * x - A.a4;
  }
  return 0.0;
}

// pixelgrid._sampling._axis_taps (+ _safe_coords and pixelgrid._plan.boundary_taps)
inline void axis_taps(const Axis& A, double x, int window, Taps& t) {
  const int64_t n = A.n;
  const int b = A.boundary;
  if (b == BWRAP || b == BREFLECT || b == BSYM) {
    x = std::min(std::max(x, -4503599627370496.0), 4503599627370496.0);  // checked before
  } else {
    x = std::min(std::max(x, -A.margin), static_cast<double>(n - 1) + A.margin);
  }
  t.masked = false;
  if (A.kernel == KNEAREST) {
    const int64_t j = nearest_index(x, A.tie);
    t.T = 1;
    t.w[0] = 1.0;
    if (b == BCONST) {
      t.masked = true;
      t.in[0] = j >= 0 && j < n;
      t.j[0] = j < 0 ? 0 : (j >= n ? n - 1 : j);
    } else {
      t.j[0] = map_index(j, n, b == BRENORM ? BCLAMP : b);
    }
    return;
  }
  const int r = static_cast<int>(A.radius);
  const int T = 2 * r;  // the window's last column (weight 0 for these kernels) is dropped
  int64_t lo, hi;
  if (window == 0) {
    lo = static_cast<int64_t>(std::ceil(x - A.radius));
    hi = static_cast<int64_t>(std::floor(x + A.radius));
  } else {
    lo = static_cast<int64_t>(std::floor(x)) - (r - 1);
    hi = lo + T;
  }
  t.T = T;
  bool outside[kMaxT];
  for (int i = 0; i < T; ++i) {
    const int64_t j = lo + i;
    t.j[i] = j;
    t.w[i] = j <= hi ? kernel_weight(A, static_cast<double>(j) - x) : 0.0;
    outside[i] = j < 0 || j >= n;
  }
  if (b == BRENORM) {
    double win[kMaxT];
    double total = 0.0;
    bool empty = true;
    for (int i = 0; i < T; ++i) {
      win[i] = outside[i] ? 0.0 : t.w[i];
      total = i == 0 ? win[0] : total + win[i];
      if (!outside[i] && t.w[i] != 0) empty = false;
    }
    for (int i = 0; i < T; ++i) t.w[i] = total != 0 ? win[i] / total : 0.0;
    if (empty) {
      double e = std::floor(x + 0.5);
      e = std::min(std::max(e, 0.0), static_cast<double>(n - 1));
      for (int i = 0; i < T; ++i) {
        t.j[i] = static_cast<int64_t>(e);
        t.w[i] = i == 0 ? 1.0 : 0.0;
      }
    }
    for (int i = 0; i < T; ++i) t.j[i] = t.j[i] < 0 ? 0 : (t.j[i] >= n ? n - 1 : t.j[i]);
    return;
  }
  double total = t.w[0];
  for (int i = 1; i < T; ++i) total = total + t.w[i];
  if (total != 0)
    for (int i = 0; i < T; ++i) t.w[i] = t.w[i] / total;
  if (b == BCONST) {
    t.masked = true;
    for (int i = 0; i < T; ++i) {
      t.in[i] = !outside[i];
      t.j[i] = t.j[i] < 0 ? 0 : (t.j[i] >= n ? n - 1 : t.j[i]);
    }
  } else {
    for (int i = 0; i < T; ++i) t.j[i] = map_index(t.j[i], n, b);
  }
}

inline void given_taps(const Axis& A, int64_t m, Taps& t) {
  t.T = static_cast<int>(A.gT);
  t.masked = A.gin != nullptr;
  for (int i = 0; i < t.T; ++i) {
    t.j[i] = A.gidx[m * A.gT + i];
    t.w[i] = A.gw[m * A.gT + i];
    if (t.masked) t.in[i] = A.gin[m * A.gT + i] != 0;
  }
}

inline void point_coords(const Args& a, int64_t m, double* x) {
  if (a.pts != nullptr) {
    for (int i = 0; i < a.k; ++i) x[i] = a.pts[m * a.k + i];
  } else {  // warp_affine: (row, column) = (sy, sx) of output pixel (i, j)
    const double i = static_cast<double>(m / a.W), j = static_cast<double>(m % a.W);
    x[1] = a.aff[0] * j + a.aff[1] * i + a.aff[2];
    x[0] = a.aff[3] * j + a.aff[4] * i + a.aff[5];
  }
}

inline void all_taps(const Args& a, int64_t m, Taps* taps) {
  double x[kMaxAxes];
  point_coords(a, m, x);
  for (int i = 0; i < a.k; ++i) {
    if (a.ax[i].kernel == KGIVEN)
      given_taps(a.ax[i], m, taps[i]);
    else
      axis_taps(a.ax[i], x[i], a.window, taps[i]);
  }
}

template <class T>
inline T store_int(double v) {
  const double lo = static_cast<double>(std::numeric_limits<T>::min());
  const double hi = static_cast<double>(std::numeric_limits<T>::max());
  double r = std::nearbyint(v);
  r = r < lo ? lo : (r > hi ? hi : r);
  return static_cast<T>(r);
}

template <class Tin, int OUT>
inline void store(void* dst, int64_t off, double v) {
  if constexpr (OUT == OUT_F64) {
    static_cast<double*>(dst)[off] = v;
  } else if constexpr (OUT == OUT_F32) {
    static_cast<float*>(dst)[off] = static_cast<float>(v);
  } else if constexpr (std::is_floating_point<Tin>::value) {
    static_cast<Tin*>(dst)[off] = static_cast<Tin>(v);
  } else {
    static_cast<Tin*>(dst)[off] = store_int<Tin>(v);
  }
}

// float64 weighted sum of points [m0, m1)
template <class Tin, int OUT>
void sum_f64(const Args& a, int64_t m0, int64_t m1) {
  const Tin* src = static_cast<const Tin*>(a.src);
  const int64_t C = a.C;
  std::vector<double> acc(static_cast<size_t>(C)), wsum(a.omit ? C : 0);
  std::vector<char> dropped(a.omit ? C : 0);
  Taps taps[kMaxAxes];
  const bool read_all = a.window != 0;
  const bool is_float = std::is_floating_point<Tin>::value;
  const bool omit = a.omit && is_float;
  for (int64_t m = m0; m < m1; ++m) {
    all_taps(a, m, taps);
    std::fill(acc.begin(), acc.end(), 0.0);
    if (omit) {
      std::fill(wsum.begin(), wsum.end(), 0.0);
      std::fill(dropped.begin(), dropped.end(), 0);
    }
    bool any_mask = false;
    for (int i = 0; i < a.k; ++i) any_mask |= taps[i].masked;
    double fill_w = 0.0;
    int cols[kMaxAxes] = {0};
    for (;;) {
      double w = taps[0].w[cols[0]];
      int64_t off = taps[0].j[cols[0]] * a.ax[0].stride;
      bool ok = !taps[0].masked || taps[0].in[cols[0]];
      for (int i = 1; i < a.k; ++i) {
        w = w * taps[i].w[cols[i]];
        off += taps[i].j[cols[i]] * a.ax[i].stride;
        ok = ok && (!taps[i].masked || taps[i].in[cols[i]]);
      }
      if (any_mask) {
        fill_w += ok ? 0.0 : w;
        if (!ok) w = 0.0;
      }
      const bool read = read_all ? ok : w != 0;
      if (read) {
        const Tin* p = src + off;
        if (omit) {
          for (int64_t c = 0; c < C; ++c) {
            const double v = static_cast<double>(p[c * a.cstride]);
            if (!std::isfinite(v)) {
              dropped[c] = 1;
              continue;
            }
            wsum[c] += w;
            acc[c] += w * v;
          }
        } else {
          for (int64_t c = 0; c < C; ++c) acc[c] += w * static_cast<double>(p[c * a.cstride]);
        }
      }
      int i = a.k - 1;
      while (i >= 0 && ++cols[i] == taps[i].T) cols[i--] = 0;
      if (i < 0) break;
    }
    if (a.fill != 0 && fill_w != 0)
      for (int64_t c = 0; c < C; ++c) acc[c] += fill_w * a.fill;
    for (int64_t c = 0; c < C; ++c) {
      double v = acc[c];
      if (omit && dropped[c]) {
        const double ws = wsum[c] + fill_w;
        v = ws != 0 ? v / ws : std::numeric_limits<double>::quiet_NaN();
      }
      store<Tin, OUT>(a.dst, m * a.dp + c * a.dc, v);
    }
  }
}

// PyTorch's vectorised float32 order (see _sampling._sum_float32_fma); float32 out.
template <class Tin>
void sum_fma32(const Args& a, int64_t m0, int64_t m1) {
  const Tin* src = static_cast<const Tin*>(a.src);
  const int64_t C = a.C;
  std::vector<float> acc(static_cast<size_t>(C));
  Taps taps[kMaxAxes];
  const bool read_all = a.window != 0;
  float* dst = static_cast<float*>(a.dst);
  const float fill = static_cast<float>(a.fill);
  for (int64_t m = m0; m < m1; ++m) {
    all_taps(a, m, taps);
    bool any_mask = false;
    for (int i = 0; i < a.k; ++i) any_mask |= taps[i].masked;
    float fill_w = 0.0f;
    bool first = true;
    int cols[kMaxAxes] = {0};
    for (;;) {
      float w = static_cast<float>(taps[0].w[cols[0]]);
      int64_t off = taps[0].j[cols[0]] * a.ax[0].stride;
      bool ok = !taps[0].masked || taps[0].in[cols[0]];
      for (int i = 1; i < a.k; ++i) {
        w = w * static_cast<float>(taps[i].w[cols[i]]);
        off += taps[i].j[cols[i]] * a.ax[i].stride;
        ok = ok && (!taps[i].masked || taps[i].in[cols[i]]);
      }
      if (any_mask) {
        fill_w = fill_w + (ok ? 0.0f : w);
        if (!ok) w = 0.0f;
      }
      const bool read = read_all ? ok : w != 0;
      const Tin* p = src + off;
      for (int64_t c = 0; c < C; ++c) {
        const float v = read ? static_cast<float>(p[c * a.cstride]) : 0.0f;
        acc[c] = first ? v * w : std::fma(v, w, acc[c]);
      }
      first = false;
      int i = a.k - 1;
      while (i >= 0 && ++cols[i] == taps[i].T) cols[i--] = 0;
      if (i < 0) break;
    }
    for (int64_t c = 0; c < C; ++c) {
      float v = acc[c];
      if (fill != 0 && fill_w != 0) v = std::fma(fill, fill_w, v);
      dst[m * a.dp + c * a.dc] = v;
    }
  }
}

// every axis nearest: copy elements (any dtype, itemsize bytes each)
}  // namespace

void gather_points(const Args& a, int64_t m0, int64_t m1) {
  const char* src = static_cast<const char*>(a.src);
  char* dst = static_cast<char*>(a.dst);
  const int64_t E = a.itemsize, C = a.C;
  Taps taps[kMaxAxes];
  for (int64_t m = m0; m < m1; ++m) {
    all_taps(a, m, taps);
    int64_t off = 0;
    bool ok = true;
    for (int i = 0; i < a.k; ++i) {
      off += taps[i].j[0] * a.ax[i].stride;
      ok = ok && (!taps[i].masked || taps[i].in[0]);
    }
    for (int64_t c = 0; c < C; ++c) {
      const char* from = ok ? src + (off + c * a.cstride) * E : reinterpret_cast<const char*>(a.fill_bytes);
      char* to = dst + (m * a.dp + c * a.dc) * E;
      switch (E) {
        case 1: *to = *from; break;
        case 2: std::memcpy(to, from, 2); break;
        case 4: std::memcpy(to, from, 4); break;
        case 8: std::memcpy(to, from, 8); break;
        default: std::memcpy(to, from, static_cast<size_t>(E));
      }
      if (a.omit) {  // nan_policy omit: a non-finite value has no finite tap left
        if (E == 4) {
          float f;
          std::memcpy(&f, to, 4);
          if (!std::isfinite(f)) f = std::numeric_limits<float>::quiet_NaN();
          std::memcpy(to, &f, 4);
        } else if (E == 8) {
          double f;
          std::memcpy(&f, to, 8);
          if (!std::isfinite(f)) f = std::numeric_limits<double>::quiet_NaN();
          std::memcpy(to, &f, 8);
        }
      }
    }
  }
}

namespace {

template <class Tin>
RangeFn pick_out(int out) {
  switch (out) {
    case OUT_F64: return sum_f64<Tin, OUT_F64>;
    case OUT_F32: return sum_f64<Tin, OUT_F32>;
    default: return sum_f64<Tin, OUT_SAME>;
  }
}

}  // namespace

RangeFn pick(int dt, int out, bool fma32) {
#define PG_CASE(CODE, T) \
  case CODE:             \
    return fma32 ? sum_fma32<T> : pick_out<T>(out);
  switch (dt) {
    PG_CASE(U8, uint8_t)
    PG_CASE(I8, int8_t)
    PG_CASE(U16, uint16_t)
    PG_CASE(I16, int16_t)
    PG_CASE(U32, uint32_t)
    PG_CASE(I32, int32_t)
    PG_CASE(F32, float)
    PG_CASE(F64, double)
    default:
      throw std::invalid_argument("sample_points: unsupported dtype code");
  }
#undef PG_CASE
}


}  // namespace PG_SNS
}  // namespace sampler
}  // namespace pg
