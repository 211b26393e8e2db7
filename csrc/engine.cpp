// pixelgrid._native: compiled CPU engine that applies per-axis resampling plans.
//
// The Python wrapper (pixelgrid/_engines/native.py) validates the input, prepares the
// plans (contiguous tap windows, typed weights; the SIMD tables the kernels read are
// built here, beside those kernels: engine_tables.h) and splits the work into steps; each
// step is one call here: a pass along one axis or a fused pass over two adjacent axes
// (gathers: gather.cpp).  Work is split over output rows between std::threads with the
// GIL released.  Kernels are compiled twice (baseline and AVX2+FMA) and picked at import.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <numeric>
#include <optional>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine_tables.h"
#include "engine_types.h"
#include "sampler.h"

namespace nb = nanobind;

namespace pg {
namespace base {
void single_range(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch);
void pair_range(const PairArgs& a, int64_t r0, int64_t r1, void* scratch);
void wide_single_range(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch);
void wide_pair_range(const PairArgs& a, int64_t r0, int64_t r1, void* scratch);
}  // namespace base
#ifdef PG_HAVE_AVX2
namespace avx2 {
void single_range(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch);
void pair_range(const PairArgs& a, int64_t r0, int64_t r1, void* scratch);
void wide_single_range(const SingleArgs& a, int64_t u0, int64_t u1, void* scratch);
void wide_pair_range(const PairArgs& a, int64_t r0, int64_t r1, void* scratch);
}  // namespace avx2
#endif

namespace {

using SingleFn = void (*)(const SingleArgs&, int64_t, int64_t, void*);
using PairFn = void (*)(const PairArgs&, int64_t, int64_t, void*);

struct Kernels {
  SingleFn single;
  PairFn pair;
  SingleFn wide_single;
  PairFn wide_pair;
  const char* isa;
};

Kernels pick_kernels(bool allow_simd) {
#ifdef PG_HAVE_AVX2
  __builtin_cpu_init();
  if (allow_simd && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {avx2::single_range, avx2::pair_range,
            avx2::wide_single_range, avx2::wide_pair_range, "avx2"};
#else
  (void)allow_simd;
#endif
  return {base::single_range, base::pair_range,
          base::wide_single_range, base::wide_pair_range, "baseline"};
}

Kernels g_kernels = pick_kernels(true);

using RwArray = nb::ndarray<nb::c_contig, nb::device::cpu>;

int64_t acc_size(int dtype, int acc64) {
  if (dtype == F32) return 4;
  if (dtype == F64) return 8;
  return acc64 ? 8 : 4;
}

int64_t item_size(int dtype) {
  switch (dtype) {
    case U8:
    case I8:
      return 1;
    case U16:
    case I16:
      return 2;
    case F32:
      return 4;
    case F64:
      return 8;
    case I32:
      return 4;
    default:
      throw std::invalid_argument("unsupported dtype code " + std::to_string(dtype));
  }
}

int64_t nbytes(const RoArray& a) { return static_cast<int64_t>(a.nbytes()); }

void check(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

// ---- The engine's boundary: AxisTables and its SIMD tables (engine_tables.h; the
// tables are built beside the kernels that read them, u8_avx2_tables.cpp and
// f32_avx2_tables.cpp).  unpack_plan below checks every size and range.

PlanArgs unpack_plan(const AxisTables& t, int64_t accsz);

// A getter of an array field as a read-only numpy array (a view: the array's owner,
// the caller's numpy array or a builder's vector, stays alive with it).
// (kView: no copy and no reference_internal, which an array with an owner refuses.)
using NumpyRo = nb::ndarray<nb::numpy, nb::ro>;
constexpr auto kView = nb::rv_policy::reference;
template <class C>
auto table_field(RoArray C::*f) {
  return [f](const C& c) { return NumpyRo(c.*f); };
}
template <class C>
auto table_field(std::optional<RoArray> C::*f) {
  return [f](const C& c) -> std::optional<NumpyRo> {
    if (!(c.*f)) return std::nullopt;
    return NumpyRo(*(c.*f));
  };
}

// ---- The kernel form of one plan axis (AxisTables.from_plan): the plan's (n_out, K)
// int64 indices and float64 or int64 weights, and the per-output bias already in the
// accumulator type (float32, float64, int32 or int64), which the weights take too.

// True when every row's non-zero taps, in plan order, read strictly increasing indices:
// a window then adds the same products in the same order as the plan (the zeros it
// inserts add nothing), so float64 sums are those of the reference engine; otherwise
// (wrap-around rows, a clamped edge pixel read twice) merging or reordering taps would
// round differently, and float64 plans take the per-tap path in plan order.
template <class W>
bool taps_ordered(const int64_t* ix, const W* w, int64_t O, int64_t K) {
  for (int64_t o = 0; o < O; ++o) {
    int64_t run = -1;  // the largest index read so far (by a non-zero tap)
    for (int64_t t = 0; t < K; ++t) {
      if (w[o * K + t] == 0) continue;
      if (t > 0 && ix[o * K + t] <= run) return false;
      run = std::max(run, ix[o * K + t]);
    }
  }
  return true;
}

// Taps as contiguous windows start[o] + t when they are compact: duplicate indices
// (clamped borders) are merged by adding their weights in plan order (exact for integer
// weights).  False when the windows would be much wider than the taps (wrap-around
// borders): the kernels then gather per tap.
template <class W>
bool tap_windows(const int64_t* ix, const W* w, int64_t O, int64_t K, int64_t n_in,
                 std::vector<int32_t>& start, std::vector<W>& dense, int64_t& width) {
  start.assign(static_cast<size_t>(O), 0);
  if (K == 0) {
    width = 0;
    return true;
  }
  std::vector<int64_t> mn(static_cast<size_t>(O), 0);
  width = 1;
  for (int64_t o = 0; o < O; ++o) {
    int64_t lo = 0, hi = 0;
    bool has = false;
    for (int64_t t = 0; t < K; ++t) {
      if (w[o * K + t] == 0) continue;
      const int64_t i = ix[o * K + t];
      lo = has ? std::min(lo, i) : i;
      hi = has ? std::max(hi, i) : i;
      has = true;
    }
    mn[static_cast<size_t>(o)] = lo;
    width = std::max(width, hi - lo + 1);
  }
  if (width > std::max(K + 4, 2 * K)) return false;
  dense.assign(static_cast<size_t>(O * width), W(0));
  for (int64_t o = 0; o < O; ++o) {
    const int64_t s = std::min(mn[static_cast<size_t>(o)], n_in - width);
    start[static_cast<size_t>(o)] = static_cast<int32_t>(s);
    for (int64_t t = 0; t < K; ++t)
      if (w[o * K + t] != 0)
        dense[static_cast<size_t>(o * width + ix[o * K + t] - s)] += w[o * K + t];
  }
  return true;
}

// Weights in the accumulator type A (float64 -> float32 rounds, int64 -> int32 keeps
// the low bits, as numpy's astype).
template <class A, class W>
RoArray acc_weights(const W* w, int64_t n) {
  std::vector<A> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<A>(w[i]);
  return table_array(std::move(out));
}

template <class W>
AxisTables axis_from_plan_w(int64_t n_in, int64_t n_out, int bits, const int64_t* ix,
                            const W* w, int64_t K, const RoArray& bias) {
  const auto acc = bias.dtype();
  const bool f64 = acc == nb::dtype<double>(), f32 = acc == nb::dtype<float>();
  const bool i32 = acc == nb::dtype<int32_t>(), i64 = acc == nb::dtype<int64_t>();
  check(f32 || f64 || i32 || i64, "bias must be float32, float64, int32 or int64");
  check(nbytes(bias) == n_out * static_cast<int64_t>(acc.bits / 8),
        "plan bias array has the wrong size");
  auto convert = [&](const W* v, int64_t n) {
    if (f32) return acc_weights<float>(v, n);
    if (f64) return acc_weights<double>(v, n);
    if (i32) return acc_weights<int32_t>(v, n);
    return acc_weights<int64_t>(v, n);
  };
  for (int64_t i = 0; i < n_out * K; ++i)
    check(ix[i] >= 0 && ix[i] < n_in, "plan index out of range");
  std::vector<int32_t> start;
  std::vector<W> dense;
  int64_t width = 0;
  const bool windowed = (!f64 || taps_ordered(ix, w, n_out, K)) &&
                        tap_windows(ix, w, n_out, K, n_in, start, dense, width);
  AxisTables t{n_in, n_out, K, bits, windowed, false, std::nullopt, std::nullopt,
               std::nullopt, RoArray(), bias, std::nullopt, std::nullopt};
  if (windowed) {
    t.taps = width;
    t.start = table_array(std::move(start));
    t.weight = convert(dense.data(), n_out * width);
    if (i32)  // the packed int16 pairs of the 8-bit kernels (u8_avx2_tables.cpp)
      t.quads = build_quads(static_cast<const int32_t*>(t.weight.data()), n_out, width,
                            &t.split);
  } else {
    std::vector<int32_t> index(static_cast<size_t>(n_out * K));
    for (int64_t i = 0; i < n_out * K; ++i)
      index[static_cast<size_t>(i)] = static_cast<int32_t>(ix[i]);
    t.index = table_array(std::move(index));
    t.weight = convert(w, n_out * K);
  }
  return t;
}

AxisTables axis_from_plan(int64_t n_in, int64_t n_out, int bits, const RoArray& index,
                          const RoArray& weight, const RoArray& bias) {
  check(n_in >= 1 && n_out >= 1 && n_in < (int64_t(1) << 31) && bits >= 0 && bits <= 62,
        "bad plan sizes");
  check(index.ndim() == 2 && static_cast<int64_t>(index.shape(0)) == n_out &&
            index.dtype() == nb::dtype<int64_t>(),
        "plan index must be int64 (n_out, taps)");
  const int64_t K = static_cast<int64_t>(index.shape(1));
  check(weight.ndim() == 2 && static_cast<int64_t>(weight.shape(0)) == n_out &&
            static_cast<int64_t>(weight.shape(1)) == K,
        "plan weight must match the index");
  const int64_t* ix = static_cast<const int64_t*>(index.data());
  if (weight.dtype() == nb::dtype<double>())
    return axis_from_plan_w(n_in, n_out, bits, ix, static_cast<const double*>(weight.data()), K,
                            bias);
  check(weight.dtype() == nb::dtype<int64_t>(), "plan weight must be float64 or int64");
  return axis_from_plan_w(n_in, n_out, bits, ix, static_cast<const int64_t*>(weight.data()), K,
                          bias);
}

void bind_tables(nb::module_& m) {
  using nb::arg;
  nb::class_<SmallGroupTables>(m, "SmallGroupTables",
                               "Byte-pair tables of the 8-bit horizontal kernel (read-only).")
      .def("__init__",
           [](SmallGroupTables* t, int shift, RoArray base, RoArray mask, RoArray weight,
              RoArray bias) { new (t) SmallGroupTables{shift, base, mask, weight, bias}; },
           arg("shift"), arg("base"), arg("mask"), arg("weight"), arg("bias"))
      .def_ro("shift", &SmallGroupTables::shift)
      .def_prop_ro("base", table_field(&SmallGroupTables::base), kView)
      .def_prop_ro("mask", table_field(&SmallGroupTables::mask), kView)
      .def_prop_ro("weight", table_field(&SmallGroupTables::weight), kView)
      .def_prop_ro("bias", table_field(&SmallGroupTables::bias), kView);
  nb::class_<VnniTables>(m, "VnniTables",
                         "Tables of the AVX-512 VNNI 8-bit horizontal kernel (read-only).")
      .def("__init__",
           [](VnniTables* t, int parts, int window, int64_t quads, RoArray base, RoArray mask,
              RoArray weight, RoArray bias) {
             new (t) VnniTables{parts, window, quads, base, mask, weight, bias};
           },
           arg("parts"), arg("window"), arg("quads"), arg("base"), arg("mask"), arg("weight"),
           arg("bias"))
      .def_ro("parts", &VnniTables::parts)
      .def_ro("window", &VnniTables::window)
      .def_ro("quads", &VnniTables::quads)
      .def_prop_ro("base", table_field(&VnniTables::base), kView)
      .def_prop_ro("mask", table_field(&VnniTables::mask), kView)
      .def_prop_ro("weight", table_field(&VnniTables::weight), kView)
      .def_prop_ro("bias", table_field(&VnniTables::bias), kView);
  // the AVX-512 VNNI kernel's switch (u8_avx512(False): the AVX2 kernels take its calls)
  m.def("u8_avx512", &set_u8_avx512, arg("on"));
  m.def("u8_avx512_supported", &u8_avx512_supported);
  nb::class_<GroupTables>(m, "GroupTables",
                          "Group tables of the 8-bit horizontal kernel (read-only).")
      .def("__init__",
           [](GroupTables* t, int64_t channels, int64_t pairs, RoArray base, RoArray mask,
              RoArray weight, RoArray bias, std::optional<SmallGroupTables> small,
              std::optional<VnniTables> vnni) {
             new (t) GroupTables{channels, pairs, base, mask, weight, bias, small, vnni};
           },
           arg("channels"), arg("pairs"), arg("base"), arg("mask"), arg("weight"),
           arg("bias"), arg("small") = nb::none(), arg("vnni") = nb::none())
      .def_ro("channels", &GroupTables::channels)
      .def_ro("pairs", &GroupTables::pairs)
      .def_prop_ro("base", table_field(&GroupTables::base), kView)
      .def_prop_ro("mask", table_field(&GroupTables::mask), kView)
      .def_prop_ro("weight", table_field(&GroupTables::weight), kView)
      .def_prop_ro("bias", table_field(&GroupTables::bias), kView)
      .def_ro("small", &GroupTables::small)
      .def_ro("vnni", &GroupTables::vnni);
  nb::class_<TwoPhaseTables>(m, "TwoPhaseTables",
                             "Two-phase tables of the float32 kernel (read-only).")
      .def("__init__",
           [](TwoPhaseTables* t, int64_t e0, int64_t e1, int64_t b0, int64_t b1,
              RoArray offset, RoArray weight, RoArray bias) {
             new (t) TwoPhaseTables{e0, e1, b0, b1, offset, weight, bias};
           },
           arg("e0"), arg("e1"), arg("b0"), arg("b1"), arg("offset"), arg("weight"),
           arg("bias"))
      .def_ro("e0", &TwoPhaseTables::e0)
      .def_ro("e1", &TwoPhaseTables::e1)
      .def_ro("b0", &TwoPhaseTables::b0)
      .def_ro("b1", &TwoPhaseTables::b1)
      .def_prop_ro("offset", table_field(&TwoPhaseTables::offset), kView)
      .def_prop_ro("weight", table_field(&TwoPhaseTables::weight), kView)
      .def_prop_ro("bias", table_field(&TwoPhaseTables::bias), kView);
  nb::class_<PermTables>(m, "PermTables", "Permute tables of the float32 kernel (read-only).")
      .def("__init__",
           [](PermTables* t, int64_t channels, RoArray base, RoArray rel, RoArray weight,
              RoArray bias, std::optional<RoArray> blocks,
              std::optional<TwoPhaseTables> two_phase) {
             new (t) PermTables{channels, base, rel, weight, bias, blocks, two_phase};
           },
           arg("channels"), arg("base"), arg("rel"), arg("weight"), arg("bias"),
           arg("blocks") = nb::none(), arg("two_phase") = nb::none())
      .def_ro("channels", &PermTables::channels)
      .def_prop_ro("base", table_field(&PermTables::base), kView)
      .def_prop_ro("rel", table_field(&PermTables::rel), kView)
      .def_prop_ro("weight", table_field(&PermTables::weight), kView)
      .def_prop_ro("bias", table_field(&PermTables::bias), kView)
      .def_prop_ro("blocks", table_field(&PermTables::blocks), kView)
      .def_ro("two_phase", &PermTables::two_phase);
  nb::class_<AxisTables>(m, "AxisTables",
                         "One axis of a plan in kernel form (read-only; see native.py _make).")
      .def("__init__",
           [](AxisTables* t, int64_t n_in, int64_t n_out, int64_t taps, int bits, bool windowed,
              RoArray weight, RoArray bias, std::optional<RoArray> start,
              std::optional<RoArray> index) {
             // int32 weights in windows (8-bit and 16-bit data): their packed int16 pairs
             // for the AVX2 kernels (build_quads, u8_avx2_tables.cpp)
             std::optional<RoArray> quads;
             bool split = false;
             if (windowed && weight.dtype() == nb::dtype<int32_t>() && n_out >= 1 && taps >= 0) {
               check(nbytes(weight) == n_out * taps * 4, "plan weight array has the wrong size");
               quads = build_quads(static_cast<const int32_t*>(weight.data()), n_out, taps,
                                   &split);
             }
             new (t) AxisTables{n_in,  n_out, taps,   bits, windowed, split,       start,
                                index, quads, weight, bias, std::nullopt, std::nullopt};
           },
           arg("n_in"), arg("n_out"), arg("taps"), arg("bits"), arg("windowed"),
           arg("weight"), arg("bias"), arg("start") = nb::none(), arg("index") = nb::none())
      .def_static("from_plan", &axis_from_plan, arg("n_in"), arg("n_out"), arg("bits"),
                  arg("index"), arg("weight"), arg("bias"),
                  "The kernel form of one plan axis: contiguous windows where they are "
                  "compact (and, for float64, keep the taps' order), else per-tap indices; "
                  "weights in the bias's (accumulator) type.")
      .def(
          "with_tables",
          [](const AxisTables& t, std::optional<GroupTables> groups,
             std::optional<PermTables> perm) {
            AxisTables c = t;
            if (groups) c.groups = groups;
            if (perm) c.perm = perm;
            return c;
          },
          arg("groups") = nb::none(), arg("perm") = nb::none(),
          "A copy with these SIMD tables added.")
      .def(
          "with_groups",
          [](const AxisTables& t, int64_t channels, bool left) {
            check(t.weight.dtype() == nb::dtype<int32_t>() &&
                      t.bias.dtype() == nb::dtype<int32_t>(),
                  "group tables need int32 weights and bias");
            unpack_plan(t, 4);  // every size and range checked before the builder reads them
            AxisTables c = t;
            c.groups = build_groups(t, channels, left);
            return c;
          },
          arg("channels"), arg("left") = false,
          "A copy with the 8-bit group tables for this many interleaved channels, where "
          "they pay (left: the wide model's first pass).")
      .def(
          "with_perm",
          [](const AxisTables& t, int64_t channels) {
            check(t.weight.dtype() == nb::dtype<float>() && t.bias.dtype() == nb::dtype<float>(),
                  "perm tables need float32 weights and bias");
            unpack_plan(t, 4);  // every size and range checked before the builder reads them
            AxisTables c = t;
            c.perm = build_perm(t, channels);
            return c;
          },
          arg("channels"),
          "A copy with the float32 permute tables for this many interleaved channels, "
          "where they pay.")
      .def_ro("n_in", &AxisTables::n_in)
      .def_ro("n_out", &AxisTables::n_out)
      .def_ro("taps", &AxisTables::taps)
      .def_ro("bits", &AxisTables::bits)
      .def_ro("windowed", &AxisTables::windowed)
      .def_ro("split", &AxisTables::split)
      .def_prop_ro("start", table_field(&AxisTables::start), kView)
      .def_prop_ro("index", table_field(&AxisTables::index), kView)
      .def_prop_ro("quads", table_field(&AxisTables::quads), kView)
      .def_prop_ro("weight", table_field(&AxisTables::weight), kView)
      .def_prop_ro("bias", table_field(&AxisTables::bias), kView)
      .def_ro("groups", &AxisTables::groups)
      .def_ro("perm", &AxisTables::perm);
}

template <class T>
const T* ptr(const RoArray& a) {
  return static_cast<const T*>(a.data());
}

// The kernels' view of `t` (raw pointers into its arrays, which the caller's Python
// object keeps alive: the objects are read-only), after checking every size and range.
PlanArgs unpack_plan(const AxisTables& t, int64_t accsz) {
  PlanArgs p{};
  const int64_t L = t.n_in, O = t.n_out, K = t.taps;
  check(L >= 1 && O >= 1 && K >= 0 && L < (int64_t(1) << 31), "bad plan sizes");
  check(t.bits >= 0 && t.bits <= 62, "bad plan bits");
  p.in_size = L;
  p.out_size = O;
  p.K = K;
  p.contig = t.windowed ? 1 : 0;
  p.bits = t.bits;
  p.wsplit = t.split ? 1 : 0;
  check(!p.wsplit || accsz == 4, "split weights need the int32 accumulator");
  if (t.quads) {
    const int64_t nq = (K + 3) / 4;
    check(nbytes(*t.quads) == O * nq * 32 * (1 + p.wsplit), "plan quads array has the wrong size");
    p.wq = ptr<int32_t>(*t.quads);
    p.nq = nq;
  }
  if (t.groups) {
    const GroupTables& g = *t.groups;
    const int64_t gC = g.channels, gnp = g.pairs;
    // pairs 0: the AVX-512 tables alone, with empty AVX2 ones (u8_avx2_tables.cpp)
    check(gC >= 1 && gC <= 4 && gnp >= 0 && accsz == 4 && t.windowed, "bad group tables");
    check(gnp == 0 ? g.vnni.has_value() && !g.small && t.quads.has_value() : 2 * gC * gnp >= K,
          "group tables cover too few taps");
    const int64_t ng = gnp == 0 ? 0 : O * gC / 8;
    check(nbytes(g.base) == ng * 8 && nbytes(g.mask) == ng * 32 &&
              nbytes(g.weight) == ng * gnp * 32 * (1 + p.wsplit) && nbytes(g.bias) == ng * 32,
          "group arrays have the wrong size");
    const int32_t* gb = ptr<int32_t>(g.base);
    const int8_t* gm = ptr<int8_t>(g.mask);
    for (int64_t i = 0; i < ng; ++i) {
      if (gb[2 * i] < 0) continue;
      for (int l = 0; l < 2; ++l)
        check(gb[2 * i + l] >= 0 && gb[2 * i + l] + 2 * gC * (gnp - 1) + 16 <= L * gC,
              "group base out of range");
      for (int j = 0; j < 32; ++j) check(gm[32 * i + j] < 16, "group mask out of range");
    }
    p.gC = gC;
    p.gnp = gnp;
    p.gbase = gb;
    p.gmask = gm;
    p.gw = ptr<int32_t>(g.weight);
    p.gbias = ptr<int32_t>(g.bias);
    if (g.small) {
      const SmallGroupTables& s = *g.small;
      const int64_t ngs = O * gC / 16;
      // shift < 0: a left shift (the wide model's first pass, see h8_small)
      check(s.shift >= -15 && s.shift <= 15 && K <= 2, "bad small-weight group tables");
      check(nbytes(s.base) == ngs * 8 && nbytes(s.mask) == ngs * 32 &&
                nbytes(s.weight) == ngs * 32 && nbytes(s.bias) == ngs * 32,
            "small-weight group arrays have the wrong size");
      const int32_t* sb = ptr<int32_t>(s.base);
      const int8_t* sm = ptr<int8_t>(s.mask);
      for (int64_t i = 0; i < ngs; ++i) {
        if (sb[2 * i] < 0 || sb[2 * i + 1] < 0) continue;
        for (int l = 0; l < 2; ++l)
          check(sb[2 * i + l] + 16 <= L * gC, "small-weight group base out of range");
        for (int j = 0; j < 32; ++j)
          check(sm[32 * i + j] >= 0 && sm[32 * i + j] < 16, "small-weight mask out of range");
      }
      p.sbits = s.shift;
      p.sbase = sb;
      p.smask = sm;
      p.sw = ptr<int8_t>(s.weight);
      p.sbias = ptr<int16_t>(s.bias);
    }
    if (g.vnni && u8_avx512_usable()) {
      const VnniTables& v = *g.vnni;
      const int64_t nvb = (O * gC + 15) / 16, nq = v.quads, W = v.window;
      check((v.parts == 2 || v.parts == 3) && (W == 64 || W == 128) && nq >= 1 &&
                4 * nq >= K && nq <= 4096,
            "bad VNNI tables");
      check(nbytes(v.base) == nvb * 4 && nbytes(v.mask) == nvb * 64 &&
                nbytes(v.weight) == nvb * nq * v.parts * 64 && nbytes(v.bias) == nvb * 64,
            "VNNI arrays have the wrong size");
      // loads past the row's end are masked off (u8_avx512.cpp): a base inside the row and
      // mask bytes inside the window keep every read in the row
      const int32_t* vb = ptr<int32_t>(v.base);
      const int8_t* vm = ptr<int8_t>(v.mask);
      for (int64_t i = 0; i < nvb; ++i) check(vb[i] >= 0 && vb[i] < L * gC, "VNNI base out of range");
      for (int64_t i = 0; i < nvb * 64; ++i) check(vm[i] >= 0 && vm[i] < W, "VNNI mask out of range");
      p.vparts = v.parts;
      p.vwin = v.window;
      p.vnq = nq;
      p.vbase = vb;
      p.vmask = vm;
      p.vw = ptr<int8_t>(v.weight);
      p.vbias = ptr<int32_t>(v.bias);
    }
    // AVX-512 tables alone: the group kernel is reached (it takes the VNNI kernel, or the
    // per-pixel kernels for other dtypes) only where they are used, else the per-pixel ones
    if (gnp == 0) p.gbase = p.vbase;
  }
  if (t.perm) {
    const PermTables& pt = *t.perm;
    const int64_t pC = pt.channels;
    check(pC >= 1 && accsz == 4, "bad perm tables");
    int64_t nbk = (O * pC + 7) / 8;
    const int32_t* vstart = nullptr;
    if (pt.blocks) {  // variable blocks (PlanArgs::pstart)
      nbk = nbytes(*pt.blocks) / 4 - 1;
      check(nbk >= 1, "perm blocks array is too short");
      vstart = ptr<int32_t>(*pt.blocks);
      check(vstart[0] == 0 && vstart[nbk] == O * pC, "perm blocks must span the row");
      for (int64_t b = 0; b < nbk; ++b)
        check(vstart[b + 1] > vstart[b] && vstart[b + 1] - vstart[b] <= 8,
              "perm blocks must hold 1 to 8 elements");
    }
    check(nbytes(pt.base) == nbk * 4 && nbytes(pt.rel) == nbk * 32 &&
              nbytes(pt.weight) == nbk * K * 32 && nbytes(pt.bias) == nbk * 32,
          "perm arrays have the wrong size");
    const int32_t* base = ptr<int32_t>(pt.base);
    const int32_t* rel = ptr<int32_t>(pt.rel);
    for (int64_t b = 0; b < nbk; ++b) {
      if (base[b] < 0) continue;
      if (vstart != nullptr) {
        check(base[b] + (K - 1) * pC + 8 <= L * pC && vstart[b] + 8 <= O * pC,
              "perm block out of range");
        for (int j = 0; j < 8; ++j)
          check(rel[b * 8 + j] >= 0 && rel[b * 8 + j] <= 7, "perm rel out of range");
        continue;
      }
      check(base[b] + 16 <= L * pC, "perm base out of range");
      for (int j = 0; j < 8; ++j)
        check(rel[b * 8 + j] >= 0 && rel[b * 8 + j] + (K - 1) * pC <= 15, "perm rel out of range");
    }
    if (pt.two_phase) {  // two-phase tables (PlanArgs::fw)
      const TwoPhaseTables& f = *pt.two_phase;
      check(vstart != nullptr && pC == 1 && K >= 1 && K <= 8, "bad two-phase tables");
      check(nbytes(f.offset) == 8 && nbytes(f.weight) == 2 * K * 4 && nbytes(f.bias) == 8,
            "two-phase arrays have the wrong size");
      const int32_t* off = ptr<int32_t>(f.offset);
      check(f.e0 >= 0 && f.e0 % 2 == 0 && f.e1 > f.e0 && (f.e1 - f.e0) % 16 == 0 &&
                f.e1 <= O && 0 <= f.b0 && f.b0 <= f.b1 && f.b1 <= nbk && vstart[f.b0] >= f.e0 &&
                vstart[f.b1] <= f.e1,
            "two-phase range out of range");
      for (int q = 0; q < 2; ++q)
        check(f.e0 / 2 + off[q] >= 0 && f.e1 / 2 + off[q] + K - 1 <= L,
              "two-phase offset out of range");
      p.fe0 = f.e0;
      p.fe1 = f.e1;
      p.fb0 = f.b0;
      p.fb1 = f.b1;
      p.foff = off;
      p.fw = ptr<float>(f.weight);
      p.fbias = ptr<float>(f.bias);
    }
    p.pstart = vstart;
    p.pnb = nbk;
    p.pC = pC;
    p.pbase = base;
    p.prel = rel;
    p.pw = ptr<float>(pt.weight);
    p.pbias = ptr<float>(pt.bias);
  }
  check(nbytes(t.weight) == O * K * accsz, "plan weight array has the wrong size");
  check(nbytes(t.bias) == O * accsz, "plan bias array has the wrong size");
  p.weight = t.weight.data();
  p.bias = t.bias.data();
  if (t.windowed) {
    check(t.start.has_value() && nbytes(*t.start) == O * 4, "plan start array has the wrong size");
    const int32_t* s = ptr<int32_t>(*t.start);
    for (int64_t o = 0; o < O; ++o)
      check(s[o] >= 0 && s[o] + K <= L, "plan start index out of range");
    p.start = s;
  } else {
    check(t.index.has_value() && nbytes(*t.index) == O * K * 4,
          "plan index array has the wrong size");
    const int32_t* ix = ptr<int32_t>(*t.index);
    for (int64_t i = 0; i < O * K; ++i)
      check(ix[i] >= 0 && ix[i] < L, "plan index out of range");
    p.index = ix;
  }
  return p;
}

// Persistent worker threads (created on first use, never destroyed: they sleep on a
// condition variable).  A job is run by the caller as tid 0 plus the workers that wake
// up while it is open; the caller waits only for workers that actually joined, so a
// worker that is slow to get a core (shared machine) never delays the call.
//
// Both sides spin briefly before they sleep (kSpin): a worker after its job, watching for
// the next one, and the caller for the workers' end.  A futex wake-up took tens of
// microseconds here, so a 2-thread call of ~130 us ran ~1.25x faster than on one thread
// (358^2x3 uint8 -> 537^2 IPP cubic): back-to-back calls (a loop over images) now start
// their workers at once.  Bounded in time: an idle pool sleeps ~50 us after a call.
class Pool {
 public:
  // Runs fn(tid) for tid 0 (the caller) and up to `workers` pool threads; false if the
  // pool is busy with another call (the caller then uses its own threads).
  bool run(int64_t workers, const std::function<void(int64_t)>& fn) {
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lk(m_);
      while (static_cast<int64_t>(nthreads_) < workers) {
        std::thread(&Pool::worker, this).detach();
        ++nthreads_;
      }
      job_ = &fn;
      ++gen_;
      want_ = workers;
      joined_ = 0;
    }
    cv_work_.notify_all();
    fn(0);
    std::unique_lock<std::mutex> lk(m_);
    job_ = nullptr;  // closed: late workers do not join
    if (inflight_ != 0) {
      lk.unlock();
      spin_until([this] { return inflight_.load(std::memory_order_acquire) == 0; });
      lk.lock();
    }
    cv_done_.wait(lk, [this] { return inflight_ == 0; });
    return true;
  }

  static Pool& get() {
    // A forked child has none of the parent's threads: it gets a new pool (the old
    // object is leaked on purpose, its mutexes may be locked).
    static Pool* pool = nullptr;
    static long pid = 0;
    static std::mutex guard;
    std::lock_guard<std::mutex> lk(guard);
    if (pool == nullptr || pid != static_cast<long>(getpid())) {
      pool = new Pool();
      pid = static_cast<long>(getpid());
    }
    return *pool;
  }

 private:
  static constexpr auto kSpin = std::chrono::microseconds(50);

  // Spins (with pause) until done() or kSpin has passed; done() reads atomics only.
  template <class Done>
  static void spin_until(Done done) {
    const auto end = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0;; ++i) {
      if (done()) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
      if ((i & 63) == 63 && std::chrono::steady_clock::now() > end) return;
    }
  }

  void worker() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      if (seen != 0 && gen_ == seen) {  // after a job: watch for the next one a while
        lk.unlock();
        spin_until([&] { return gen_.load(std::memory_order_acquire) != seen; });
        lk.lock();
      }
      cv_work_.wait(lk, [&] { return job_ != nullptr && gen_ != seen; });
      seen = gen_;
      if (joined_ >= want_) continue;
      const int64_t tid = ++joined_;
      ++inflight_;
      const std::function<void(int64_t)>* f = job_;
      lk.unlock();
      (*f)(tid);
      lk.lock();
      if (--inflight_ == 0) cv_done_.notify_all();
    }
  }

  std::mutex run_mutex_, m_;
  std::condition_variable cv_work_, cv_done_;
  const std::function<void(int64_t)>* job_ = nullptr;
  // gen_ and inflight_ change under m_; atomic so that the spins can read them without it
  std::atomic<uint64_t> gen_{0};
  std::atomic<int64_t> inflight_{0};
  int64_t want_ = 0, joined_ = 0;
  size_t nthreads_ = 0;
};

// Runs fn(i0, i1, tid) over [0, n) on up to `threads` threads (tid 0 is the caller).  [0, n)
// is cut into chunks of `chunk` items (the last may be shorter) and the chunks into one
// contiguous segment per thread.  Each thread runs its own segment front to back, so
// per-thread row caches stay valid from one chunk to the next, then takes chunks from the
// back of the other segments.  On a shared machine a thread that loses its core thus
// delays the call by at most about one chunk instead of by its whole static share.
template <class F>
void parallel_for(int64_t n, int64_t threads, int64_t chunk, F&& fn) {
  threads = std::max<int64_t>(1, std::min<int64_t>(threads, n));
  if (threads == 1) {
    fn(int64_t(0), n, int64_t(0));
    return;
  }
  chunk = std::max<int64_t>(1, chunk);
  const int64_t nc = (n + chunk - 1) / chunk;
  threads = std::min(threads, nc);
  if (threads == 1) {
    fn(int64_t(0), n, int64_t(0));
    return;
  }
  // Per segment: chunk indices [front, back) packed as back << 32 | front.
  struct alignas(64) Seg {
    std::atomic<uint64_t> fb;
  };
  std::vector<Seg> segs(static_cast<size_t>(threads));
  for (int64_t t = 0; t < threads; ++t) {
    const uint64_t lo = static_cast<uint64_t>(nc * t / threads);
    const uint64_t hi = static_cast<uint64_t>(nc * (t + 1) / threads);
    segs[static_cast<size_t>(t)].fb.store(hi << 32 | lo, std::memory_order_relaxed);
  }
  auto run_chunk = [&](uint64_t c, int64_t tid) {
    const int64_t i0 = static_cast<int64_t>(c) * chunk;
    fn(i0, std::min(n, i0 + chunk), tid);
  };
  auto worker = [&, threads](int64_t tid) {
    std::atomic<uint64_t>& own = segs[static_cast<size_t>(tid)].fb;
    for (uint64_t v = own.load(std::memory_order_relaxed);;) {
      const uint64_t f = v & 0xffffffffu, b = v >> 32;
      if (f >= b) break;
      if (own.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) run_chunk(f, tid);
    }
    for (int64_t k = 1; k < threads; ++k) {
      std::atomic<uint64_t>& other = segs[static_cast<size_t>((tid + k) % threads)].fb;
      for (uint64_t v = other.load(std::memory_order_relaxed);;) {
        const uint64_t f = v & 0xffffffffu, b = v >> 32;
        if (f >= b) break;
        if (other.compare_exchange_weak(v, v - (uint64_t(1) << 32), std::memory_order_acq_rel))
          run_chunk(b - 1, tid);
      }
    }
  };
  const std::function<void(int64_t)> job = worker;
  if (Pool::get().run(threads - 1, job)) return;
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads - 1));
  for (int64_t t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
}

// Chunk size for parallel_for: about 16 chunks per thread, a multiple of `align`.
int64_t chunk_of(int64_t n, int64_t threads, int64_t align) {
  const int64_t c = (n + threads * 16 - 1) / (threads * 16);
  return std::max<int64_t>(align, (c + align - 1) / align * align);
}

}  // namespace

// ---- arithmetic-model kernels (models_bind.cpp) share this file's thread pool ----------
void parallel_run(int64_t n, int64_t threads, int64_t chunk,
                  const std::function<void(int64_t, int64_t, int64_t)>& fn) {
  parallel_for(n, threads, chunk, fn);
}
void register_models(nb::module_& m);
void register_gather(nb::module_& m);
void register_alpha(nb::module_& m);  // alpha.cpp: Pillow's premultiplied alpha
bool scan_below(const void* p, int64_t n, bool f64, double limit);  // finite_scan_bind.cpp

namespace {

// Per-thread scratch buffers, zero-filled, allocated by each thread on first use.
struct Scratch {
  std::vector<std::vector<char>> bufs;
  size_t bytes;
  Scratch(int64_t threads, int64_t nbytes)
      : bufs(static_cast<size_t>(threads)), bytes(static_cast<size_t>(nbytes)) {}
  void* get(int64_t tid) {
    std::vector<char>& b = bufs[static_cast<size_t>(tid)];
    if (b.empty()) b.assign(bytes, 0);
    return b.data();
  }
};

// Row stride (bytes) of a scratch row buffer: whole cache lines, and an odd number of
// them, so that consecutive rows map to different L1 sets.  Row lengths that are
// multiples of 4 KiB (1024 floats) would otherwise put every row of a batch in the same
// set and thrash the 8-way L1 (measured: 3x slower horizontal passes).
int64_t buffer_stride(int64_t row_bytes) {
  int64_t s = (row_bytes + 63) / 64 * 64;
  if (s % 128 == 0) s += 64;
  return s;
}

// How many rows at this stride (bytes) one sweep may touch at once: a sweep works on
// all its rows at the same column, and rows whose stride shares a large power of two
// with 4 KiB fall on few of the 64 L1 sets (8 ways each); about 4 rows per set leave
// room for the rows it reads and writes (1024 floats per row: 4 rows, not 16; measured:
// 3x slower sweeps otherwise).
int64_t batch_rows(int64_t stride_bytes) {
  const int64_t g = std::gcd(stride_bytes, int64_t(4096));
  return g == 0 ? kMaxSweepRows : std::min<int64_t>(kMaxSweepRows, 4 * (4096 / g));
}

// A pass that also scans its float input (all_below's test, |v| < limit for every value)
// while it reads it: each piece of output units [u0, u1) of n first scans its share
// [u0 * N / n, u1 * N / n) of the N input values (the shares partition the input, and
// each is about what those units read: the kernel then finds it in cache), then runs.
// Pieces of about 256 KiB of input.  `below` is false once a scanned value is not.
struct InputScan {
  const char* src;
  int64_t N, n, isz;
  bool f64;
  double limit;
  std::atomic<bool> below{true};
  template <class F>
  void run(int64_t u0, int64_t u1, int64_t align, F&& fn) {
    const int64_t per = std::max<int64_t>(1, N * isz / std::max<int64_t>(1, n));
    const int64_t piece = std::max<int64_t>(1, (int64_t(1) << 18) / per / align) * align;
    for (int64_t s = u0; s < u1; s += piece) {
      const int64_t e = std::min(u1, s + piece);
      if (below.load(std::memory_order_relaxed)) {
        const int64_t e0 = share(s), e1 = share(e);
        if (!scan_below(src + e0 * isz, e1 - e0, f64, limit))
          below.store(false, std::memory_order_relaxed);
      }
      fn(s, e);
    }
  }
  int64_t share(int64_t u) const {
    return static_cast<int64_t>(static_cast<__int128>(u) * N / n);
  }
};

// Caps the thread count so that each thread gets at least ~min_work multiply-adds.
int64_t cap_threads(int64_t threads, double work) {
  const double min_work = 65536.0;
  const int64_t cap = static_cast<int64_t>(work / min_work) + 1;
  return std::max<int64_t>(1, std::min(threads, cap));
}

std::optional<bool> run_single(const RoArray& src, RwArray& dst, int dtype, int acc64,
                               int64_t B, int64_t C, const AxisTables& plan, int64_t threads,
                               int odtype, double scan) {
  if (odtype < 0) odtype = dtype;
  const bool wide = odtype != dtype || dtype == I32;
  // the wide model's passes: integers only, and an int32 intermediate needs int64 sums
  check(!wide || (dtype != F32 && dtype != F64 && odtype != F32 && odtype != F64 &&
                  (acc64 || (dtype != I32 && odtype != I32 && dtype != U16 && odtype != U16))),
        "bad wide pass dtypes");
  check(dtype != I32 || wide, "int32 data only as the wide intermediate");
  const int64_t accsz = acc_size(dtype, acc64), isz = item_size(dtype), osz = item_size(odtype);
  const PlanArgs pa = unpack_plan(plan, accsz);
  const int64_t L = pa.in_size, O = pa.out_size;
  check(B >= 1 && C >= 1 && threads >= 1, "bad step sizes");
  check(nbytes(src) == B * L * C * isz, "source array has the wrong size");
  check(static_cast<int64_t>(dst.nbytes()) == B * O * C * osz, "destination has the wrong size");
  const int64_t rows = std::min(batch_rows(L * C * isz), batch_rows(O * C * osz));
  SingleArgs a{dtype, acc64, odtype, B, C, rows, src.data(), dst.data(), pa};
  const int64_t nt = cap_threads(threads, double(B) * O * C * std::max<int64_t>(1, pa.K));
  const Kernels k = g_kernels;
  nb::gil_scoped_release release;
  Scratch scratch(nt, pa.K * 16 + 64);
  // Whole rows per chunk when there are enough of them: the row kernels then batch rows.
  const int64_t align = B >= 4 * nt ? O : 8;
  const SingleFn fn = wide ? k.wide_single : k.single;
  if (scan > 0 && (dtype == F32 || dtype == F64)) {
    InputScan sc{static_cast<const char*>(src.data()), B * L * C, B * O, isz, dtype == F64, scan};
    parallel_for(B * O, nt, chunk_of(B * O, nt, align), [&](int64_t u0, int64_t u1, int64_t tid) {
      sc.run(u0, u1, align, [&](int64_t s, int64_t e) { fn(a, s, e, scratch.get(tid)); });
    });
    return sc.below.load();
  }
  parallel_for(B * O, nt, chunk_of(B * O, nt, align), [&](int64_t u0, int64_t u1, int64_t tid) {
    fn(a, u0, u1, scratch.get(tid));
  });
  return std::nullopt;
}

std::optional<bool> run_pair(const RoArray& src, RwArray& dst, int dtype, int acc64,
                             int h_first, int64_t B, int64_t C, const AxisTables& plan_h,
                             const AxisTables& plan_w, int64_t threads, int mdtype, double scan) {
  if (mdtype < 0) mdtype = dtype;
  const bool wide = mdtype != dtype;
  check(!wide || (mdtype == I16 && (dtype == U8 || dtype == I8)) ||
            (mdtype == I32 && acc64 && (dtype == U16 || dtype == I16)),
        "bad wide pair dtypes");
  const int64_t accsz = acc_size(dtype, acc64), isz = item_size(dtype), msz = item_size(mdtype);
  const PlanArgs ph = unpack_plan(plan_h, accsz);
  const PlanArgs pw = unpack_plan(plan_w, accsz);
  const int64_t H = ph.in_size, OH = ph.out_size, W = pw.in_size, OW = pw.out_size;
  check(B >= 1 && C >= 1 && threads >= 1, "bad step sizes");
  check(!h_first || ph.contig, "h_first needs contiguous vertical taps");
  check(nbytes(src) == B * H * W * C * isz, "source array has the wrong size");
  check(static_cast<int64_t>(dst.nbytes()) == B * OH * OW * C * isz,
        "destination has the wrong size");
  const int64_t KV = ph.K;
  const int64_t bstride = buffer_stride((h_first ? OW : W) * C * msz);
  // Rows per horizontal sweep (see PairArgs::rows) and the buffer rows they need.
  // h_first: input rows resampled at once, only when the vertical windows are monotone
  // without gaps (every row in between is needed), the ring of KV + rows rows within
  // half of a 512 KiB L2 and at most 8.  Else: output rows per sweep, as many as fit
  // ~192 KiB of buffer (within L2) but at least 4 (the tables cost about as much as the
  // work of one row).  Both capped by the L1 sets the rows' stride allows.
  int64_t rows = 1, buf_rows;
  if (h_first) {
    int dense = 1;
    for (int64_t o = 0; o + 1 < OH && dense; ++o)
      dense = ph.start[o + 1] >= ph.start[o] && ph.start[o + 1] <= ph.start[o] + KV;
    if (dense)
      rows = std::max<int64_t>(1, std::min({int64_t(8), (1 << 18) / bstride - KV,
                                            batch_rows(W * C * isz)}));
    buf_rows = KV + rows;
  } else {
    rows = std::min(batch_rows(OW * C * isz), std::max<int64_t>(4, (192 << 10) / bstride));
    buf_rows = rows;
  }
  PairArgs a{dtype, acc64, mdtype, h_first, static_cast<int>(rows), B, C, bstride / msz,
             src.data(), dst.data(), ph, pw};
  // header (64) | row pointers, weights, tags | axis scratch | alignment | buffer
  const int64_t scratch_bytes =
      64 + KV * 24 + kMaxSweepRows * 8 + pw.K * 16 + 128 + buf_rows * bstride;
  double work;
  if (h_first)
    work = double(B) * (H * OW * C * std::max<int64_t>(1, pw.K) + OH * OW * C * KV);
  else
    work = double(B) * OH * (W * C * KV + OW * C * std::max<int64_t>(1, pw.K));
  const int64_t nt = cap_threads(threads, work);
  const Kernels k = g_kernels;
  nb::gil_scoped_release release;
  Scratch scratch(nt, scratch_bytes);
  const PairFn fn = wide ? k.wide_pair : k.pair;
  if (scan > 0 && (dtype == F32 || dtype == F64)) {
    InputScan sc{static_cast<const char*>(src.data()), B * H * W * C, B * OH, isz, dtype == F64,
                 scan};
    parallel_for(B * OH, nt, chunk_of(B * OH, nt, rows), [&](int64_t r0, int64_t r1, int64_t tid) {
      sc.run(r0, r1, rows, [&](int64_t s, int64_t e) { fn(a, s, e, scratch.get(tid)); });
    });
    return sc.below.load();
  }
  parallel_for(B * OH, nt, chunk_of(B * OH, nt, rows), [&](int64_t r0, int64_t r1, int64_t tid) {
    fn(a, r0, r1, scratch.get(tid));
  });
  return std::nullopt;
}

}  // namespace

// ---- The boundary of the resampling kernels: each step a named object ------------------
// SingleStep / PairStep (keyword-only constructors; native.py builds one per compiled call
// and caches it with the call): the arguments of run_single / run_pair after (src, dst) and
// before the thread count, by name.  The plans are AxisTables (engine_tables.h); every size
// and range is checked by run_single / run_pair on each call, as before.
namespace {

// One pass along the middle axis of a C-contiguous (B, L, C) array: dtype (DType code of
// the data), acc64 (int64 sums), plan, and odtype (the wide model's output type, -1: dtype).
struct SingleStep {
  int dtype, acc64;
  int64_t B, C;
  AxisTables plan;
  int odtype;
};

// A fused pass over the middle axes of a (B, H, W, C) array: plan_h along H, plan_w along
// W, h_first (W first, then H), and mdtype (the wide model's intermediate type, -1: dtype).
struct PairStep {
  int dtype, acc64, h_first;
  int64_t B, C;
  AxisTables plan_h, plan_w;
  int mdtype;
};

void bind_steps(nb::module_& m) {
  using nb::arg;
  nb::class_<SingleStep>(m, "SingleStep", "One single-axis pass (native.py _Call; read-only).")
      .def(nb::init<int, int, int64_t, int64_t, AxisTables, int>(), nb::kw_only(),
           arg("dtype"), arg("acc64"), arg("B"), arg("C"), arg("plan"), arg("odtype") = -1)
      .def_ro("dtype", &SingleStep::dtype)
      .def_ro("acc64", &SingleStep::acc64)
      .def_ro("B", &SingleStep::B)
      .def_ro("C", &SingleStep::C)
      .def_ro("plan", &SingleStep::plan)
      .def_ro("odtype", &SingleStep::odtype);
  nb::class_<PairStep>(m, "PairStep", "One fused two-axis pass (native.py _Call; read-only).")
      .def(nb::init<int, int, int, int64_t, int64_t, AxisTables, AxisTables, int>(),
           nb::kw_only(), arg("dtype"), arg("acc64"), arg("h_first"), arg("B"), arg("C"),
           arg("plan_h"), arg("plan_w"), arg("mdtype") = -1)
      .def_ro("dtype", &PairStep::dtype)
      .def_ro("acc64", &PairStep::acc64)
      .def_ro("h_first", &PairStep::h_first)
      .def_ro("B", &PairStep::B)
      .def_ro("C", &PairStep::C)
      .def_ro("plan_h", &PairStep::plan_h)
      .def_ro("plan_w", &PairStep::plan_w)
      .def_ro("mdtype", &PairStep::mdtype);
  // scan > 0 (float data): the pass also tests every input value as all_below(src, scan)
  // does while it reads it, and returns the answer (else None)
  m.def("single",
        [](const RoArray& src, RwArray& dst, const SingleStep& s, int64_t threads, double scan) {
          return run_single(src, dst, s.dtype, s.acc64, s.B, s.C, s.plan, threads, s.odtype,
                            scan);
        },
        arg("src"), arg("dst"), arg("step"), arg("threads"), arg("scan") = 0.0);
  m.def("pair",
        [](const RoArray& src, RwArray& dst, const PairStep& s, int64_t threads, double scan) {
          return run_pair(src, dst, s.dtype, s.acc64, s.h_first, s.B, s.C, s.plan_h, s.plan_w,
                          threads, s.mdtype, scan);
        },
        arg("src"), arg("dst"), arg("step"), arg("threads"), arg("scan") = 0.0);
}

}  // namespace
}  // namespace pg

NB_MODULE(_native, m) {
  m.doc() = "pixelgrid compiled CPU resampling engine";
  // The Python side caches AxisTables per plan (weak keys) and in module-level memos
  // that live until the interpreter exits; nanobind's leak report at exit would list
  // those cached objects, which are not leaks.
  nb::set_leak_warnings(false);
  m.def("abi_version", []() { return 4; });
  m.def("isa", []() { return std::string(pg::g_kernels.isa); });
  m.def("set_simd", [](bool allow) {
    pg::g_kernels = pg::pick_kernels(allow);
    return std::string(pg::g_kernels.isa);
  });
  // ---- the arithmetic-model kernels (models_bind.cpp: taps_pass, wide_pass, box, store)
  pg::register_models(m);
  // ---- the plan tables the resampling kernels below read (AxisTables, ...)
  pg::bind_tables(m);
  // ----
  // single(src, dst, step: SingleStep, threads), pair(src, dst, step: PairStep, threads)
  pg::bind_steps(m);
  // ---- nearest gather over every axis at once (csrc/gather.cpp)
  pg::register_gather(m);
  // ---- premultiply / unpremultiply 8-bit alpha (csrc/alpha.cpp)
  pg::register_alpha(m);

  // ---- point sampler (csrc/sampler.cpp) ----
  pg::sampler::bind(m, [](int64_t n, int64_t threads, int64_t chunk,
                          const std::function<void(int64_t, int64_t)>& fn) {
    const int64_t nt = pg::cap_threads(threads, double(n) * 16.0);
    pg::parallel_for(n, nt, pg::chunk_of(n, nt, chunk),
                     [&](int64_t i0, int64_t i1, int64_t) { fn(i0, i1); });
  });
}
