// pixelgrid point sampler (compiled form).
//
// The rules are those of src/pixelgrid/_sampling.py (the numpy oracle): per axis a
// point's taps and weights (nearest with its tie rule, linear, Keys cubic), the boundary
// rules of pixelgrid._plan.boundary_taps, and the weighted sum in float64 (or PyTorch's
// float32 FMA order).  Kernels the compiled code does not evaluate arrive as taps already
// computed by the oracle and are only summed here.  See sampler.cpp.
#pragma once

#include <nanobind/nanobind.h>

#include <cstdint>
#include <functional>

namespace pg {
namespace sampler {

// parallel_for of the engine: runs fn(i0, i1) over [0, n) in chunks on up to `threads`.
using ParFor = std::function<void(int64_t n, int64_t threads, int64_t chunk,
                                  const std::function<void(int64_t, int64_t)>& fn)>;

// Adds sample_points / grid_positions / sampler_abi to the module (engine.cpp's NB_MODULE).
void bind(nanobind::module_& m, ParFor par);

}  // namespace sampler
}  // namespace pg
