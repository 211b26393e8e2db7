// Binding of PyTorch's channels-last float32 bilinear model (torch_corners.h): the input
// is read through its strides (NCHW or channels-last memory alike), output rows are split
// over threads (engine.cpp's pool) with the GIL released.  Called from
// src/pixelgrid/_engines/native_models.py (_torch_corners).  Also compat.torch.affine_grid's
// float64 grid (affine_grid below), the other PyTorch-only kernel.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "torch_corners_types.h"

namespace nb = nanobind;

namespace pg {

void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn);
namespace mbase { void torch_corners_range(const TorchCornersArgs& a, int64_t u0, int64_t u1); }
#ifdef PG_HAVE_AVX2
namespace mavx2 { void torch_corners_range(const TorchCornersArgs& a, int64_t u0, int64_t u1); }
#endif

namespace {

using In = nb::ndarray<nb::ro, float, nb::ndim<4>, nb::device::cpu>;
using Out = nb::ndarray<float, nb::ndim<4>, nb::device::cpu>;
using Vi = nb::ndarray<nb::ro, int32_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Vf = nb::ndarray<nb::ro, float, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

void need(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

using Kernel = void (*)(const TorchCornersArgs&, int64_t, int64_t);

Kernel pick() {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return mavx2::torch_corners_range;
#endif
  return mbase::torch_corners_range;
}

// src (B, C, H, W) float32 -> dst (B, C, OH, OW), both any strides (dst does not
// overlap src); h0/h1/ah0/ah1: (OH,),
// w0/w1/bw0/bw1: (OW,) taps and float32 weights of the two cell axes.
void torch_corners(const In& src, Out& dst, const Vi& h0, const Vi& h1, const Vf& ah0,
                   const Vf& ah1, const Vi& w0, const Vi& w1, const Vf& bw0, const Vf& bw1,
                   int64_t lanes, int64_t threads) {
  const int64_t B = src.shape(0), C = src.shape(1), H = src.shape(2), W = src.shape(3);
  const int64_t OH = dst.shape(2), OW = dst.shape(3);
  need(dst.shape(0) == size_t(B) && dst.shape(1) == size_t(C), "dst must be (B, C, OH, OW)");
  need(B >= 1 && C >= 1 && OH >= 1 && OW >= 1 && threads >= 1 && lanes >= 0, "bad sizes");
  need(h0.shape(0) == size_t(OH) && h1.shape(0) == size_t(OH) && ah0.shape(0) == size_t(OH) &&
           ah1.shape(0) == size_t(OH), "row tables must have OH entries");
  need(w0.shape(0) == size_t(OW) && w1.shape(0) == size_t(OW) && bw0.shape(0) == size_t(OW) &&
           bw1.shape(0) == size_t(OW), "column tables must have OW entries");
  const int64_t sW = src.stride(3);
  need(sW >= 1 && (W - 1) * sW < (int64_t(1) << 31), "rows too long for 32-bit offsets");
  std::vector<int32_t> off0(static_cast<size_t>(OW)), off1(static_cast<size_t>(OW));
  for (int64_t o = 0; o < OW; ++o) {
    const int32_t a = w0.data()[o], b = w1.data()[o];
    need(a >= 0 && a < W && b >= 0 && b < W, "column taps outside the input");
    off0[size_t(o)] = int32_t(a * sW);
    off1[size_t(o)] = int32_t(b * sW);
  }
  for (int64_t o = 0; o < OH; ++o)
    need(h0.data()[o] >= 0 && h0.data()[o] < H && h1.data()[o] >= 0 && h1.data()[o] < H,
         "row taps outside the input");
  for (int i = 0; i < 4; ++i) need(dst.stride(i) >= 1, "dst strides must be positive");
  TorchCornersArgs a{B, C, OH, OW, W, src.stride(0), src.stride(1), src.stride(2), sW,
                     dst.stride(0), dst.stride(1), dst.stride(2), dst.stride(3),
                     h0.data(), h1.data(), ah0.data(), ah1.data(), off0.data(), off1.data(),
                     bw0.data(), bw1.data(), lanes, src.data(), dst.data()};
  const bool pixels = src.stride(1) == 1 && dst.stride(1) == 1;  // torch_corners_range
  const int64_t rows = pixels ? B * OH : B * C * OH;
  const int64_t per_row = pixels ? OW * C : OW;
  const int64_t nt = std::max<int64_t>(1, std::min({threads, rows, (rows * per_row) / 32768 + 1}));
  const int64_t chunk = std::max<int64_t>(1, (rows + nt * 4 - 1) / (nt * 4));
  static const Kernel fn = pick();
  nb::gil_scoped_release release;
  parallel_run(rows, nt, chunk, [&](int64_t u0, int64_t u1, int64_t) { fn(a, u0, u1); });
}

// compat.torch.affine_grid's grid (src/pixelgrid/compat/_torch_warp.py): out[n, ..., j] =
// even + odd in float64, rounded to out's dtype, where even / odd are the sums of the
// even / odd terms of (x t[n,j,0], y t[n,j,1], [z t[n,j,2],] t[n,j,dim]) in the order of
// the numpy einsum it reproduces (odd starts as term 1 + 0.0).  bases[k]: the float64
// base coordinates of component k (x: the last spatial axis).  Rows of the last spatial
// axis are split over threads.  (-ffp-contract=off: no product is fused into a sum.)
template <class O>
void affine_grid_rows(const double* th, int dim, const std::vector<const double*>& bases,
                      const std::vector<int64_t>& sizes, O* out, int64_t r0, int64_t r1) {
  const int64_t W = sizes[size_t(dim) - 1];
  const int64_t per_n = [&] {  // rows (of W points) per image
    int64_t r = 1;
    for (int i = 0; i + 1 < dim; ++i) r *= sizes[size_t(i)];
    return r;
  }();
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / per_n, rr = r % per_n;
    // the other spatial indices of this row: y (and z) base values
    const int64_t iy = dim == 2 ? rr : rr % sizes[1];
    const int64_t iz = dim == 3 ? rr / sizes[1] : 0;
    O* o = out + r * W * dim;
    for (int j = 0; j < dim; ++j) {
      const double* t = th + (n * dim + j) * (dim + 1);
      const double ty = bases[1][iy] * t[1] + 0.0;  // odd starts as term 1 + 0.0
      if (dim == 2) {
        for (int64_t w = 0; w < W; ++w)
          o[w * 2 + j] = static_cast<O>((bases[0][w] * t[0] + t[2]) + ty);
      } else {
        const double tz = bases[2][iz] * t[2];
        const double odd = ty + t[3];
        for (int64_t w = 0; w < W; ++w)
          o[w * 3 + j] = static_cast<O>((bases[0][w] * t[0] + tz) + odd);
      }
    }
  }
}

using F64 = nb::ndarray<nb::ro, double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Theta = nb::ndarray<nb::ro, double, nb::ndim<3>, nb::c_contig, nb::device::cpu>;
using AnyOut = nb::ndarray<nb::c_contig, nb::device::cpu>;

void affine_grid(const Theta& theta, const std::vector<F64>& bases, AnyOut& out,
                 int64_t threads) {
  const int dim = static_cast<int>(bases.size());
  need(dim == 2 || dim == 3, "affine_grid: 2 or 3 spatial axes");
  need(threads >= 1, "affine_grid: threads must be >= 1");
  const int64_t N = static_cast<int64_t>(theta.shape(0));
  need(N >= 1 && theta.shape(1) == size_t(dim) && theta.shape(2) == size_t(dim + 1),
       "affine_grid: theta must be (N, dim, dim + 1)");
  need(out.ndim() == size_t(dim + 2) && out.shape(0) == size_t(N) &&
           out.shape(size_t(dim + 1)) == size_t(dim),
       "affine_grid: out must be (N, *spatial, dim)");
  const bool f32 = out.dtype() == nb::dtype<float>();
  need(f32 || out.dtype() == nb::dtype<double>(), "affine_grid: out must be float32 or float64");
  std::vector<int64_t> sizes(static_cast<size_t>(dim));  // spatial sizes: (D,) H, W
  std::vector<const double*> bp(static_cast<size_t>(dim));
  int64_t per_n = 1;  // rows of W points per image
  for (int i = 0; i < dim; ++i) {
    sizes[size_t(i)] = static_cast<int64_t>(out.shape(size_t(i) + 1));
    need(sizes[size_t(i)] >= 1, "affine_grid: empty spatial axis");
    if (i + 1 < dim) per_n *= sizes[size_t(i)];
    // base k (x first) runs along spatial axis dim - 1 - k
    need(bases[size_t(i)].shape(0) == out.shape(size_t(dim - i)),
         "affine_grid: base k must be as long as spatial axis dim - 1 - k");
    bp[size_t(i)] = bases[size_t(i)].data();
  }
  const int64_t rows = N * per_n, W = sizes[size_t(dim) - 1];
  const double* th = theta.data();
  void* o = out.data();
  const int64_t nt = std::max<int64_t>(1, std::min<int64_t>(threads, rows * W / 16384 + 1));
  nb::gil_scoped_release release;
  parallel_run(rows, nt, std::max<int64_t>(1, rows / (4 * nt)),
               [&](int64_t r0, int64_t r1, int64_t) {
                 if (f32)
                   affine_grid_rows(th, dim, bp, sizes, static_cast<float*>(o), r0, r1);
                 else
                   affine_grid_rows(th, dim, bp, sizes, static_cast<double*>(o), r0, r1);
               });
}

}  // namespace

void register_torch_corners(nb::module_& m) {
  m.def("affine_grid", &affine_grid, nb::arg("theta"), nb::arg("bases"), nb::arg("out"),
        nb::arg("threads"),
        "compat.torch.affine_grid's grid: float64 sums in the reproduced einsum's order.");
  m.def("torch_corners", &torch_corners, nb::arg("src"), nb::arg("dst"), nb::arg("h0"),
        nb::arg("h1"), nb::arg("ah0"), nb::arg("ah1"), nb::arg("w0"), nb::arg("w1"),
        nb::arg("bw0"), nb::arg("bw1"), nb::arg("lanes"), nb::arg("threads"));
}

}  // namespace pg
