// The engine's boundary: one axis of a plan in kernel form, as named, read-only objects
// (pixelgrid._native.AxisTables and its SIMD tables).  Python (_engines/native.py) gives
// the plan data (windows or indices, weights and bias in the accumulator type, sizes);
// the SIMD tables are built here in C++, each beside the kernels that read it:
//   u8_avx2_tables.cpp  quads, group and byte-pair tables (read by u8_avx2.h),
//   f32_avx2_tables.cpp permute, variable-block and two-phase tables (f32_avx2.h).
// PlanArgs (engine_types.h) documents what each table holds; unpack_plan (engine.cpp)
// checks every size and range, so a bad table is a ValueError, never an out-of-bounds
// read.  Compiled without ISA flags (the builders run whichever kernels are picked).
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace pg {

namespace nb = nanobind;
using RoArray = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

// Byte-pair tables of the 8-bit horizontal kernel (PlanArgs::sbase, smask, sw, sbias).
struct SmallGroupTables {
  int shift;  // PlanArgs::sbits: the int16 sum is shifted right by this (left if < 0)
  RoArray base, mask, weight, bias;
};

// Tables of the AVX-512 VNNI 8-bit horizontal kernel (PlanArgs::vparts, vwin, vnq, vbase,
// vmask, vw, vbias; u8_avx512_tables.cpp).
struct VnniTables {
  int parts, window;
  int64_t quads;
  RoArray base, mask, weight, bias;
};

// Group tables of the 8-bit horizontal kernel for interleaved channels
// (PlanArgs::gC, gnp, gbase, gmask, gw, gbias), with the AVX-512 ones where they apply.
struct GroupTables {
  int64_t channels, pairs;
  RoArray base, mask, weight, bias;
  std::optional<SmallGroupTables> small;
  std::optional<VnniTables> vnni;
};

// Two-phase tables of the float32 kernel (PlanArgs::fe0..fb1, foff, fw, fbias).
struct TwoPhaseTables {
  int64_t e0, e1, b0, b1;
  RoArray offset, weight, bias;
};

// Permute tables of the float32 kernel for interleaved channels (PlanArgs::pC, pbase,
// prel, pw, pbias; with `blocks`, variable blocks PlanArgs::pstart).
struct PermTables {
  int64_t channels;
  RoArray base, rel, weight, bias;
  std::optional<RoArray> blocks;
  std::optional<TwoPhaseTables> two_phase;
};

// One axis: taps at start[o] + t (windowed) or index[o, t], their weights (float32,
// float64, int32 or int64 as the accumulator), per-output bias, and the optional SIMD
// tables.
struct AxisTables {
  int64_t n_in, n_out, taps;
  int bits;       // fixed-point shift of the sums (0 for floats)
  bool windowed;  // start (contiguous taps) rather than index
  bool split;     // quads hold int16 hi/lo weight parts (PlanArgs::wsplit)
  std::optional<RoArray> start, index, quads;
  RoArray weight, bias;
  std::optional<GroupTables> groups;
  std::optional<PermTables> perm;
};

// A read-only array owning `v` (a flat table; the kernels and unpack_plan read sizes
// in bytes).
template <class T>
RoArray table_array(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  nb::capsule owner(owned, [](void* q) noexcept { delete static_cast<std::vector<T>*>(q); });
  const size_t shape[1] = {owned->size()};
  return RoArray(owned->data(), 1, shape, owner, nullptr, nb::dtype<T>());
}

// ---- u8_avx2_tables.cpp (8-bit data, int32 accumulator, contiguous windows)
// The packed int16 weight pairs of the 8-bit kernels (PlanArgs::wq) for int32 weights
// [n_out * taps], or nothing when a weight needs more than 23 bits; `split` is set when
// the weights are cut into hi/lo parts.
std::optional<RoArray> build_quads(const int32_t* weight, int64_t n_out, int64_t taps,
                                   bool* split);
// The group tables (with their byte-pair tables where they apply) of the 8-bit
// horizontal kernel for `channels` interleaved channels, or nothing where they do not
// pay.  `left`: the wide model's first pass (int16 output, see h8_small).
std::optional<GroupTables> build_groups(const AxisTables& t, int64_t channels, bool left);

// ---- u8_avx512_tables.cpp (uint8 data and output, AVX-512 F/BW/VL/DQ/VBMI/VNNI)
// The VNNI tables for `channels` interleaved channels, or nothing (no such CPU, weights
// of 2^23 and more, windows too wide, or where the AVX2 kernel is as fast).
std::optional<VnniTables> build_vnni(const AxisTables& t, int64_t channels);
// Whether the CPU has the instructions; whether the kernel is also switched on (then
// unpack_plan hands its tables to the kernels); the switch (returns its old state).
bool u8_avx512_supported();
bool u8_avx512_usable();
bool set_u8_avx512(bool on);

// ---- f32_avx2_tables.cpp (float32, contiguous windows)
// The permute tables (fixed or variable blocks, with two-phase tables for one channel
// where the plan repeats every two outputs) for `channels` interleaved channels, or
// nothing where they do not pay.
std::optional<PermTables> build_perm(const AxisTables& t, int64_t channels);

}  // namespace pg
