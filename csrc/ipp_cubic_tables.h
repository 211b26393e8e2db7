// The per-element tables of the fused IPP cubic model (IppCubicArgs, ipp_cubic_types.h),
// built from the plans' per-pixel arrays; used by the binding (ipp_cubic_bind.cpp).  The
// caller checks the indices (0 <= index < size) and the orders first.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ipp_cubic_types.h"

namespace pg {

struct IppCubicTables {
  std::vector<int32_t> off, gbase, gbase4, gsel;
  std::vector<float> w;
  std::vector<uint8_t> order, group, gmask;
  std::vector<float> pack_mem, pw_mem;
  float* pack = nullptr;
  float* pixel_w = nullptr;
  std::vector<IppRun> runs;

  int64_t lanes = 8;
  int64_t width = 0, channels = 0, out_width = 0;  // what they were built for
  bool f32 = false;

  // ix, wx: (OW, 4) index/weight of the width pass; ox: (OW,) IppOrder; f32: float32 data;
  // L: the elements of a group (8: AVX2 and float32, 16: the AVX-512 build for uint8)
  IppCubicTables(int64_t W, int64_t C, int64_t OW, const int32_t* ix, const float* wx,
                 const uint8_t* ox, bool f32_, int64_t L = 8) {
    lanes = L;
    width = W;
    channels = C;
    out_width = OW;
    f32 = f32_;
    const int64_t Q = OW * C;
    off.assign(size_t(4 * Q), 0);
    w.assign(size_t(4 * Q), 0.0f);
    order.assign(static_cast<size_t>(Q), 0);
    for (int64_t o = 0; o < OW; ++o)
      for (int64_t c = 0; c < C; ++c) {
        const int64_t q = o * C + c;
        order[size_t(q)] = ox[o];
        for (int t = 0; t < 4; ++t) {
          off[size_t(t * Q + q)] = static_cast<int32_t>(int64_t(ix[o * 4 + t]) * C + c);
          w[size_t(t * Q + q)] = wx[o * 4 + t];
        }
      }
    const int64_t ng = (Q + L - 1) / L;
    group.assign(size_t(ng), 0);
    for (int64_t g = 0; g < ng; ++g) {
      uint8_t v = order[size_t(g * L)];
      for (int64_t q = g * L; q < std::min(Q, g * L + L); ++q)
        if (order[size_t(q)] != v) v = IPP_MIXED;
      group[size_t(g)] = v;
    }
    gbase.assign(size_t(ng), -1);
    gbase4.assign(size_t(ng * 4), -1);
    gmask.assign(size_t(ng * L * 4), 0x80);
    std::vector<uint8_t> lanes4(size_t(ng), 0);
    // [q0, q0 + n): taps consecutive, tap 0 within 16 bytes from the returned base, else -1
    auto window = [&](int64_t q0, int64_t n) -> int32_t {
      int32_t lo = off[size_t(q0)], hi = lo;
      bool ok = true;
      for (int64_t q = q0; q < q0 + n; ++q) {
        lo = std::min(lo, off[size_t(q)]);
        hi = std::max(hi, off[size_t(q)]);
        for (int t = 1; t < 4; ++t) ok &= off[size_t(t * Q + q)] == off[size_t(q)] + t * C;
      }
      return ok && hi - lo <= 15 ? lo : -1;
    };
    for (int64_t g = 0; g * L + L <= Q; ++g) {
      int32_t b[4];  // the window of each 4 elements (each 128-bit lane)
      b[0] = b[1] = b[2] = b[3] = window(g * L, L);
      if (b[0] < 0 && !f32) {  // uint8: a window per 4 elements (downscales)
        bool ok = true;
        for (int k = 0; k < L / 4; ++k) ok &= (b[k] = window(g * L + 4 * k, 4)) >= 0;
        if (!ok) continue;
        lanes4[size_t(g)] = 1;
        for (int k = 0; k < L / 4; ++k) gbase4[size_t(g * 4 + k)] = b[k];
      }
      if (b[0] < 0) continue;
      gbase[size_t(g)] = b[0];
      for (int64_t j = 0; j < L; ++j)
        for (int c = 0; c < 4; ++c)
          gmask[size_t((g * L + j) * 4 + c)] =
              c == 0 ? uint8_t(off[size_t(g * L + j)] - b[j / 4]) : uint8_t(0x80);
    }
    if (!f32) {
      // per group: its byte shuffles, then its weights tap by tap (5L floats); 4 channels:
      // the weights of its L/4 pixels, 4 taps each (2L floats: one load, in-lane
      // broadcasts; 1024^2x4 -> 1536^2, AVX-512 kernel / cv2: 1.20 -> 0.94)
      // 3 channels, L = 16: the shuffles then each element's pixel (4 x its offset from
      // the group's first pixel; weights from pixel_w, 2 loads instead of 4: ~10% of
      // the AVX-512 call at 1024^2x3 -> 1536^2)
      const bool c3 = C == 3 && L == 16;
      const int64_t stride = C == 4 || c3 ? 2 * L : 5 * L;
      if (c3) {
        pw_mem.assign(size_t(4 * OW + 32 + 16), 0.0f);
        pixel_w = pw_mem.data() + ((64 - reinterpret_cast<uintptr_t>(pw_mem.data()) % 64) % 64) / 4;
        for (int64_t o = 0; o < OW; ++o)
          for (int t = 0; t < 4; ++t) pixel_w[4 * o + t] = wx[o * 4 + t];
      }
      pack_mem.assign(size_t(ng * stride + 16), 0.0f);
      pack = pack_mem.data() + ((64 - reinterpret_cast<uintptr_t>(pack_mem.data()) % 64) % 64) / 4;
      for (int64_t g = 0; g * L + L <= Q; ++g) {
        float* P = pack + g * stride;
        std::memcpy(P, &gmask[size_t(g * L * 4)], size_t(L * 4));
        for (int t = 0; t < 4; ++t)
          for (int64_t j = 0; j < L; ++j) {
            if (c3) {
              const int32_t k = int32_t(4 * ((g * L + j) / 3 - g * L / 3));
              std::memcpy(P + L + j, &k, 4);
            } else if (C != 4) {
              P[L + L * t + j] = w[size_t(t * Q + g * L + j)];
            } else if (j % 4 == 0) {  // pixel j/4 (its channel 0: all channels alike)
              P[L + j + t] = w[size_t(t * Q + g * L + j)];
            }
          }
        const uint8_t kind = group[size_t(g)] == IPP_MIXED ? IPP_SCALAR
                             : gbase[size_t(g)] < 0       ? IPP_GATHER
                             : lanes4[size_t(g)]          ? IPP_WINDOW4
                                                          : IPP_WINDOW;
        const uint8_t ord = group[size_t(g)];
        if (!runs.empty() && runs.back().kind == kind && runs.back().ord == ord &&
            runs.back().g1 == g)
          runs.back().g1 = int32_t(g + 1);
        else
          runs.push_back(IppRun{int32_t(g), int32_t(g + 1), kind, ord});
      }
    }
    if (f32) {  // float rows (L = 8): 16-float windows at base + t*C, inside the row
      gsel.assign(size_t(ng * 8), 0);
      for (int64_t g = 0; g * 8 + 8 <= Q; ++g) {
        const int32_t b = gbase[size_t(g)];
        if (b < 0) continue;
        if (int64_t(b) + 3 * C + 16 > W * C) {
          gbase[size_t(g)] = -1;
          continue;
        }
        for (int64_t j = 0; j < 8; ++j) gsel[size_t(g * 8 + j)] = off[size_t(g * 8 + j)] - b;
      }
    }
  }

  // The kernel's arguments (the tables stay owned by this object).
  IppCubicArgs args(int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW,
                    const int32_t* index_y, const float* weight_y, const void* src,
                    void* dst) const {
    return IppCubicArgs{H, W, C, OH, OW, off.data(), w.data(), order.data(), group.data(),
                        gbase.data(), gmask.data(), index_y, weight_y,
                        static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst),
                        f32 ? 1 : 0, f32 ? gsel.data() : nullptr, pack, runs.data(),
                        int64_t(runs.size()), lanes, pixel_w, gbase4.data()};
  }
};

}  // namespace pg
