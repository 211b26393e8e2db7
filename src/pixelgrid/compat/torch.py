"""PyTorch's ``torch.nn.functional.interpolate``, reproduced on the pixelgrid model.

Reproduces torch 2.13.0 (CPU).  Every mode is a row of data (:data:`MODES`):
grid convention, kernel, boundary; PyTorch's arithmetic is data too
(:data:`ARITHMETIC`, one :class:`~pixelgrid.Arithmetic` record per kernel
family and dtype class), so this module computes nothing itself.
:func:`interpolate` validates the arguments as PyTorch does, computes the
output size with PyTorch's float64 rule, and builds one plan per spatial axis;
the engines do the rest.  Measured against torch 2.13.0 on 2000 <-> 5000 px
axes (``docs/compat_torch.md``): float32 bit-exact for the linear modes, bicubic
(but for a few outputs by the first edge where taps 0 and 1 both read pixel 0: an ulp)
and bilinear/bicubic antialias, within 1.2e-7 (area) and 2.4e-7 (lanczos) on data in
[0, 1); nearest modes and uint8 bit-exact; float64 within 2e-15.

PyTorch facts this module encodes (checked against torch in the tests):

* Positions are computed in ``opmath`` (float for float32, double for float64):
  the scale ``f32(in/out)`` or ``f32(1/scale_factor)`` and ``s * (o + 0.5) - 0.5``
  contracted to one fused multiply-add; ``s * o`` with ``align_corners``.
* ``nearest`` is ``floor(o * s)``, ``nearest-exact`` is ``floor((o + 0.5) * s)``,
  with the float rounding of the kernel PyTorch picks (a fused multiply-add in the
  generic kernel; the channels-last 2-D kernel, used when ``out_h + out_w <= 128``,
  rounds once).  For float64 the generic kernel computes in double and then
  ``floorf`` rounds the position to float.
* ``linear``/``bilinear``/``trilinear`` clamp at the edges and copy an axis whose
  size does not change, even when a ``scale_factor`` other than 1 was given; the
  float32 weights are ``lambda = x - floor(x)`` and ``1 - lambda``.
* ``bicubic`` uses a = -0.75 with edge clamping, the coefficients of the fraction
  ``t`` (rounded to float: inexact for negative positions) evaluated in float at
  ``t + 1``, ``t``, ``1 - t`` and ``(1 - t) + 1`` as its build contracts them
  (``float32_keys_torch``); with ``antialias=True`` it uses
  a = -0.5 with the Pillow renormalisation, like ``bilinear``/``lanczos``.
* ``antialias``: the centre ``f32(s * (o + 0.5))``, the window
  ``trunc(f32(centre -+ support) + 0.5)`` and distances from the centre in float32,
  taps summed in float32, width pass first.  With ``align_corners=True`` only the
  scale changes to ``(in-1)/(out-1)``; the grid stays half-pixel.
* ``area`` is adaptive average pooling: windows ``[floor(o*in/out), ceil((o+1)*in/out))``.
* Quirk (torch 2.13 CPU): on the float ``antialias=True`` path of a channels-first
  tensor, when the output width is 1, every output row equals the first one (the
  channels-last kernel and the uint8 path are correct).  :func:`interpolate`
  reproduces it; ``pixelgrid.resize`` does not.
* Given ``scale_factor`` (and ``recompute_scale_factor`` not True), the output
  size is ``floor(in * scale_factor)`` in float64 and the coordinates use
  ``1 / scale_factor`` (except ``align_corners=True`` and ``area``).
* The order of torch's float32 sums (``Arithmetic.fma``): the antialias loop adds
  taps after the first unfused in fours and fuses the remainder (``"tail4"``,
  declared: bit-exact at 2000 <-> 5000 px).  float32 ``bilinear`` outputs with
  ``H + W <= 128``, channels-last inputs with C > 3 and, on one torch thread, 3
  channels take torch's channels-last kernel: four corner products contracted into
  fused multiply-adds (:data:`CHANNELS_LAST_LINEAR_F32`, bit-exact, measured).  Other
  linear calls round ``x1 w1`` and fuse ``x0 w0`` into it (``"reverse"``,
  :data:`LINEAR_FLOAT32_EXACT`: bit-exact, declared, compiled).  bicubic adds
  ``fma(t0, w0, t1 w1)`` and fuses taps 2 and 3 after it, per axis, width first
  (``"pair_chain"``, :data:`CUBIC_FLOAT32_EXACT`: bit-exact at 2000 <-> 5000 px but for
  a few outputs by the first edge where taps 0 and 1 both read pixel 0 and torch's
  order is not found (an ulp), declared, compiled).  lanczos
  and area are not bit-exact (an ulp or two).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .._arithmetic import EXACT, Arithmetic
from .._arrays import apply_plans, check_array, check_input, is_torch, plans_dtype, run_plans
from .._grid import Affine
from .._kernels import Kernel, adaptive_pool, cubic, lanczos, linear, nearest
from .._memo import remember, typed_keys
from .._plan import plan
from .._plan_types import AxisPlan

__all__ = ["MODES", "affine_grid", "grid_sample", "interpolate", "torch_plans"]


@dataclass(frozen=True)
class Mode:
    """How one PyTorch mode maps onto the core model."""

    kernel: Kernel
    grid: str  # "asymmetric", "half_pixel" or "tf_half_pixel_for_nn"
    boundary: str
    dims: tuple[int, ...]  # spatial ranks the mode accepts
    family: str  # first key of ARITHMETIC
    takes_align_corners: bool = True
    copies_same_size: bool = False
    uint8: bool = False


_LINEAR = linear()
_FLOOR = nearest("floor")
MODES: dict[str, Mode] = {
    "nearest": Mode(_FLOOR, "asymmetric", "clamp", (1, 2, 3), "nearest",
                    takes_align_corners=False, uint8=True),
    "nearest-exact": Mode(nearest("round_prefer_ceil"), "half_pixel", "clamp", (1, 2, 3),
                          "nearest", takes_align_corners=False, uint8=True),
    "linear": Mode(_LINEAR, "half_pixel", "clamp", (1,), "linear", copies_same_size=True),
    "bilinear": Mode(_LINEAR, "half_pixel", "clamp", (2,), "linear", copies_same_size=True,
                     uint8=True),
    "trilinear": Mode(_LINEAR, "half_pixel", "clamp", (3,), "linear", copies_same_size=True),
    "bicubic": Mode(cubic(-0.75), "half_pixel", "clamp", (2,), "cubic", uint8=True),
    "area": Mode(adaptive_pool(), "half_pixel", "clamp", (1, 2, 3), "area",
                 takes_align_corners=False),
    "lanczos": Mode(lanczos(3), "half_pixel", "renormalize", (2,), "antialias", uint8=True),
}

#: PyTorch's arithmetic (torch 2.13 CPU), by kernel family and by the input's dtype
#: class: ``"float32"`` (also float16/bfloat16: ``opmath`` is float), ``"float64"``
#: (``opmath`` double) and ``"uint8"`` (weights built in double, then int16).
#:
#: * ``nearest``: ``floorf(s * o)`` / ``floorf(s * (o + 0.5) - 0.5 + 0.5)``, the scale
#:   and the product in ``opmath`` rounded once (a fused multiply-add); for float64
#:   ``floorf`` still rounds the double position to float (``_plan._round_tie``).
#:   uint8 indices are computed in float.
#: * ``linear`` (``linear``/``bilinear``/``trilinear``) and ``cubic`` (``bicubic``):
#:   ``area_pixel_compute_source_index`` in ``opmath`` contracted to one FMA; the
#:   interpolation weights applied as they are (not normalised).  float32 linear
#:   weights are ``lambda = x - floor(x)`` and ``f32(1 - lambda)`` (``float32_lerp``),
#:   torch sums them ``fma(x0, w0, f32(x1 * w1))`` along each axis, width first: the
#:   rule :data:`LINEAR_FLOAT32_EXACT` declares (bit-exact, measured; the compiled
#:   model engine runs its 2-tap rows element-wise: 8x3x256^2 -> 512^2 2.5 ms, torch
#:   7.8 ms, 2 threads).  Without it 70-80% of outputs were equal, the rest 1 ulp off.
#: * ``antialias``: ``_compute_indices_min_size_weights_aa``: the centre
#:   ``f32(s * (o + 0.5))``, taps and distances from it (``float32_centre``), float
#:   filter values, their float sum and the division by it; each pass sums its taps
#:   in float, left to right: a row of K taps adds taps 1 .. 4 floor((K-1)/4) unfused
#:   and fuses the rest (the loop unrolled by 4, its remainder contracted): the rule
#:   :data:`ANTIALIAS_FLOAT32_EXACT` declares (bit-exact for bilinear/bicubic, measured
#:   for K = 2 .. 19; run by the compiled engine).  float64 data and uint8 weights: all
#:   of it in double.
#: * ``area``: adaptive average pooling over integer windows; the mean is a float sum
#:   divided by the count, which the engines' weighted sum matches to an ulp.
ARITHMETIC: dict[tuple[str, str], Arithmetic] = {
    ("nearest", "float32"): Arithmetic("float32_fma"),
    ("nearest", "float64"): Arithmetic("float64_fma"),
    ("nearest", "uint8"): Arithmetic("float32_fma"),
    ("linear", "float32"): Arithmetic("float32_fma", "float32_lerp", normalize=False),
    ("linear", "float64"): Arithmetic("float64_fma", normalize=False),
    ("linear", "uint8"): Arithmetic("float64_fma", normalize=False),
    ("cubic", "float32"): Arithmetic("float32_fma", "float32_keys_fma", normalize=False),
    ("cubic", "float64"): Arithmetic("float64_fma", normalize=False),
    ("cubic", "uint8"): Arithmetic("float64_fma", normalize=False),
    ("antialias", "float32"): Arithmetic("float32_edge", "float32_keys_fma",
                                         window="float32_centre"),
    ("antialias", "float64"): Arithmetic("float64_fma"),
    ("antialias", "uint8"): Arithmetic("float64_fma"),
    ("area", "float32"): EXACT,
    ("area", "float64"): EXACT,
    ("area", "uint8"): EXACT,
}
# uint8 data: PyTorch's int16 weights with its precision search (``UpSampleKernel``),
# declared on every record (the rule is only read for 8-bit data, also by ``explain``
# on plans built for float) and implemented once (``_plan.declared_fixed_point``).
for _key, _rec in list(ARITHMETIC.items()):
    ARITHMETIC[_key] = _rec.replace(fixed_point="int16_max")
#: PyTorch's exact float32 order for the linear modes (``fma="reverse"``, see the
#: ``linear`` note above), declared.
LINEAR_FLOAT32_EXACT = ARITHMETIC["linear", "float32"].replace(accumulate="taps", fma="reverse")
ARITHMETIC["linear", "float32"] = LINEAR_FLOAT32_EXACT  # compiled: 2-tap fma rows
#: PyTorch's exact float32 bicubic (``upsample_generic_Nd_kernel_impl``): the weights of
#: ``get_cubic_upsample_coefficients`` as its build rounds them (``float32_keys_torch``),
#: and each axis's 4 taps summed ``fma(t3, w3, fma(t2, w2, fma(t0, w0, t1 w1)))``
#: (``fma="pair_chain"``), width first (the inner level of its interpolation), measured.
CUBIC_FLOAT32_EXACT = ARITHMETIC["cubic", "float32"].replace(
    weights="float32_keys_torch", accumulate="taps", fma="pair_chain")
ARITHMETIC["cubic", "float32"] = CUBIC_FLOAT32_EXACT
#: PyTorch's exact float32 order for antialias (``fma="tail4"``, see the ``antialias``
#: note above): bit-exact for bilinear/bicubic, measured; declared (the compiled model
#: engine runs it: 8x3x256^2 -> 100^2 bilinear 1.8 ms, torch 2.0 ms, one thread).
ANTIALIAS_FLOAT32_EXACT = ARITHMETIC["antialias", "float32"].replace(accumulate="taps",
                                                                    fma="tail4")
ARITHMETIC["antialias", "float32"] = ANTIALIAS_FLOAT32_EXACT  # compiled: fma="tail4" runs natively

#: PyTorch's channels-last bilinear kernel (``cpu_upsample_linear_channels_last``) on
#: float32: not separable; each output adds its four corners weighted by
#: ``f32(h_lambda * w_lambda)``, contracted into fused multiply-adds, 8 channels at a time
#: by ATen's vector ``interpolate`` and the rest by the scalar loop (``fma="torch_corners"``,
#: ``_engines/corner_sum.py``; bit-exact, measured for C = 1 .. 40).  PyTorch picks it for
#: a 4-D input when ``_use_vectorized_kernel_cond_2d`` holds (channels-last memory with
#: C > 3, or an output with ``H + W <= 128``) or, on one thread, for C == 3.
CHANNELS_LAST_LINEAR_F32 = ARITHMETIC["linear", "float32"].replace(
    weights="float32_lerp_torch", accumulate="corner_sum", fma="torch_corners", simd_lanes=8)

#: Kernels PyTorch uses with ``antialias=True`` (Pillow's: bicubic becomes a = -0.5).
_AA_KERNELS = {"bilinear": _LINEAR, "bicubic": cubic(-0.5), "lanczos": lanczos(3)}
_DIM_NAMES = {1: "3-D (N, C, W)", 2: "4-D (N, C, H, W)", 3: "5-D (N, C, D, H, W)"}


def _as_list(name: str, value: Any, dim: int, kind: type) -> list[Any]:
    if isinstance(value, (list, tuple)):
        if len(value) != dim:
            raise ValueError(
                f"{name}={value!r} has {len(value)} entries but the input has {dim} spatial "
                f"dimensions"
            )
        items = list(value)
    else:
        items = [value] * dim
    for v in items:
        if isinstance(v, bool) or not isinstance(v, kind):
            raise TypeError(f"{name}={value!r} must hold {kind.__name__}s")
    return items


def _output_sizes(
    shape: tuple[int, ...], size: Any, scale_factor: Any, mode: str, recompute: Any
) -> tuple[list[int], list[float | None]]:
    dim = len(shape)
    if (size is None) == (scale_factor is None):
        raise ValueError(
            f"give exactly one of size and scale_factor (got size={size!r}, "
            f"scale_factor={scale_factor!r})"
        )
    if size is not None:
        if recompute:
            raise ValueError(
                "recompute_scale_factor=True is only valid with scale_factor, not size"
            )
        sizes = [int(s) for s in _as_list("size", size, dim, numbers.Integral)]
        for s in sizes:
            if s < 1:
                raise ValueError(f"size={size!r} must be >= 1 in every dimension")
        return sizes, [None] * dim
    factors = [float(f) for f in _as_list("scale_factor", scale_factor, dim, numbers.Real)]
    for f in factors:
        if not (math.isfinite(f) and f > 0):
            raise ValueError(f"scale_factor={scale_factor!r} must be finite and > 0")
    # PyTorch: floor(in * s) in float64 (88 * (120/88) gives 119 here, as in torch).
    sizes = [math.floor(n * f) for n, f in zip(shape, factors, strict=True)]
    for n, s, f in zip(shape, sizes, factors, strict=True):
        if s < 1:
            raise ValueError(
                f"scale_factor={f!r} maps an input of size {n} to an empty output "
                f"(floor({n} * {f}) = {s})"
            )
    keep = not (recompute or mode == "area")
    return sizes, [f if keep else None for f in factors]


def _dtype_class(dtype: np.dtype[Any]) -> str:
    """The second key of :data:`ARITHMETIC` for an input dtype."""
    if dtype == np.uint8:
        return "uint8"
    return "float64" if dtype == np.float64 else "float32"


def _scale(n_in: int, n_out: int, factor: float | None, align_corners: bool,
           opmath: str) -> Fraction:
    """``area_pixel_compute_scale`` in ``opmath``, as the exact value of that float.

    ``(in - 1) / (out - 1)`` with ``align_corners`` (0 for one output), else
    ``1 / scale_factor`` (computed in double, then rounded) or ``in / out``, a
    division in ``opmath``.
    """
    if align_corners:
        if n_out <= 1:
            return Fraction(0)
        num, den = n_in - 1, n_out - 1
    elif factor is not None:
        v = 1.0 / factor
        return Fraction(float(np.float32(v)) if opmath == "float32" else v)
    else:
        num, den = n_in, n_out
    if opmath == "float32":
        return Fraction(float(np.float32(num) / np.float32(den)))
    return Fraction(num / den)  # a correctly rounded double division, as in C


def _axis_plan(
    m: Mode, name: str, n_in: int, n_out: int, factor: float | None, align_corners: bool,
    antialias: bool, channels_last_2d: bool, kind: str,
) -> AxisPlan:
    half = Fraction(1, 2)
    if antialias:
        # PyTorch's antialias path: scale = (in-1)/(out-1) with align_corners, else
        # 1/scale_factor or in/out; centre = scale * (o + 0.5), support stretched by scale.
        arith = ARITHMETIC["antialias", kind]
        a = _scale(n_in, n_out, None if align_corners else factor, align_corners,
                   "float32" if kind == "float32" else "float64")
        aff = Affine(a, half, -half, "torch_antialias")
        return plan(n_in, n_out, kernel=_AA_KERNELS[name], grid=aff, antialias=a > 1,
                    boundary="renormalize", arithmetic=arith)
    if m.family == "area":
        return plan(n_in, n_out, kernel=m.kernel, grid=m.grid, boundary=m.boundary,
                    arithmetic=ARITHMETIC["area", kind])
    kernel, grid = m.kernel, m.grid
    if m.family == "nearest":
        if channels_last_2d:
            kind = "float32"  # the channels-last kernel works in float for every dtype
        if name == "nearest-exact" and channels_last_2d:
            # floorf((double)(o + 0.5) * s): the same rule, rounded once, without -0.5 +0.5
            kernel, grid = _FLOOR, "tf_half_pixel_for_nn"
        if channels_last_2d and n_out in (n_in, 2 * n_in):
            factor = None  # the channels-last kernel special-cases out == in and out == 2 * in
    arith = ARITHMETIC[m.family, kind]
    opmath = "float32" if arith.coordinates.startswith("float32") else "float64"
    aff = _affine(dataclasses.replace(m, grid=grid), n_in, n_out, factor, align_corners,
                  opmath)
    return plan(n_in, n_out, kernel=kernel, grid=aff, boundary=m.boundary, arithmetic=arith)


def _affine(m: Mode, n_in: int, n_out: int, factor: float | None, align_corners: bool,
            opmath: str) -> Affine:
    """PyTorch's source position ``scale * (o + c) + d`` with its ``opmath`` scale."""
    if align_corners:
        c = d = Fraction(0)  # scale * o
    else:
        c, d = _grid_offsets(m.grid)
    return Affine(_scale(n_in, n_out, factor, align_corners, opmath), c, d,
                  "align_corners" if align_corners else m.grid)


def _grid_offsets(grid: str) -> tuple[Fraction, Fraction]:
    return {
        "asymmetric": (Fraction(0), Fraction(0)),
        "half_pixel": (Fraction(1, 2), Fraction(-1, 2)),
        "tf_half_pixel_for_nn": (Fraction(1, 2), Fraction(0)),
    }[grid]


def _first_row_everywhere(p: AxisPlan) -> AxisPlan:
    """PyTorch's float antialias quirk for a width-1 output: every row copies row 0."""
    n = p.out_size
    return dataclasses.replace(
        p, index=np.repeat(p.index[:1], n, axis=0), weight=np.repeat(p.weight[:1], n, axis=0),
        fill=np.repeat(p.fill[:1], n), coord=np.repeat(p.coord[:1], n),
        info={**p.info, "quirk": "torch antialias width-1 output: rows copy row 0"})


def torch_plans(
    shape: tuple[int, ...],
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
    *,
    channels_last: bool = False,
    dtype: Any = np.float32,
    linear_channels_last: bool = False,
) -> list[tuple[int, AxisPlan]]:
    """The ``(axis, plan)`` pairs, last axis first, that reproduce an ``interpolate`` call.

    ``channels_last``: torch's channels-last kernels apply (a channels-last input
    with C > 3); ``linear_channels_last``: float32 ``bilinear`` takes its
    channels-last kernel (also true on one torch thread with C == 3).

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in torch_plans((1, 1, 3, 3), scale_factor=2,
    ...                                             mode="bilinear")]
    [(3, 6), (2, 6)]

    """
    if mode not in MODES:
        raise ValueError(f"mode={mode!r} is not valid; expected one of {sorted(MODES)}")
    m = MODES[mode]
    dim = len(shape) - 2
    if dim not in (1, 2, 3):
        raise ValueError(
            f"input has {len(shape)} dimensions; interpolate expects 3-D, 4-D or 5-D input "
            "(N, C, spatial...)"
        )
    if dim not in m.dims:
        raise ValueError(
            f"mode={mode!r} needs {' or '.join(_DIM_NAMES[d] for d in m.dims)} input, "
            f"got {len(shape)}-D"
        )
    if align_corners is not None:
        if not m.takes_align_corners:
            raise ValueError(
                f"align_corners option can only be set with the interpolating modes: "
                f"linear | bilinear | bicubic | trilinear (got mode={mode!r})"
            )
        if not isinstance(align_corners, (bool, np.bool_)):
            raise TypeError(f"align_corners={align_corners!r} must be True, False or None")
    ac = bool(align_corners)
    if not isinstance(antialias, (bool, np.bool_)):
        raise TypeError(f"antialias={antialias!r} must be True or False")
    if antialias and mode not in _AA_KERNELS:
        raise ValueError(
            f"antialias=True is only supported for modes bilinear, bicubic and lanczos, "
            f"got mode={mode!r}"
        )
    if mode == "lanczos" and (not antialias or ac):
        raise ValueError("mode='lanczos' requires antialias=True and align_corners=False")
    spatial = tuple(int(s) for s in shape[2:])
    sizes, factors = _output_sizes(spatial, size, scale_factor, mode, recompute_scale_factor)
    channels_last_2d = dim == 2 and (channels_last or sizes[0] + sizes[1] <= 128)
    if (mode == "bilinear" and not antialias and np.dtype(dtype) == np.float32
            and (channels_last_2d or linear_channels_last)
            and tuple(sizes) != spatial):
        # PyTorch's channels-last bilinear kernel: both axes in one non-separable pass
        return [(2 + i, plan(spatial[i], sizes[i], kernel=m.kernel, grid=_affine(
            m, spatial[i], sizes[i], factors[i], ac, "float32"), boundary=m.boundary,
            arithmetic=CHANNELS_LAST_LINEAR_F32)) for i in (1, 0)]
    # The uint8 separable kernels skip an unchanged axis for every mode.
    skip_same = antialias or m.copies_same_size or (
        np.dtype(dtype) == np.uint8 and not m.kernel.is_nearest)
    kind = _dtype_class(np.dtype(dtype))
    plans = []
    for i in reversed(range(dim)):  # PyTorch's separable passes: width first
        n_in, n_out = spatial[i], sizes[i]
        if skip_same and n_in == n_out:
            continue  # PyTorch copies an axis whose size is unchanged
        plans.append((2 + i, _axis_plan(m, mode, n_in, n_out, factors[i], ac, antialias,
                                        channels_last_2d, kind)))
    return plans


def interpolate(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Any:
    """Reproduce ``torch.nn.functional.interpolate`` (torch 2.13, CPU) without torch.

    Same signature and defaults as PyTorch.  ``input`` is a numpy array or a
    torch tensor of shape ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``;
    the result has the same type, dtype and device.  uint8 is accepted where
    PyTorch accepts it (nearest modes, bilinear, bicubic, antialiased modes).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[[1, 2, 0], [3, 4, 0], [0, 0, 0]]]], dtype=np.float32)
    >>> interpolate(x, scale_factor=2, mode="bilinear")[0, 0, 0].tolist()
    [1.0, 1.25, 1.75, 1.5, 0.5, 0.0]
    >>> y = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
    >>> y[0, 0, 0].astype(float).round(4).tolist()
    [1.0, 1.4, 1.8, 1.6, 0.8, 0.0]

    """
    if is_torch(input):
        import torch

        # a call like a recent one (shape, strides, dtype, device, arguments): its plans
        key = _tensor_key(torch, input, size, scale_factor, mode, align_corners,
                          recompute_scale_factor, antialias)
        kept = None if key is None else _tensor_calls.get(key)
        if kept is not None:
            return apply_plans(input, list(kept))
        # torch picks a kernel by the tensor's memory format (suggest_memory_format):
        # channels-last strides that are not also the contiguous ones
        memory_cl = input.dim() == 4 and not input.is_contiguous() and input.is_contiguous(
            memory_format=torch.channels_last)
        channels_last = memory_cl and input.shape[1] > 3
        # the torch engine keeps device and autograd; bfloat16 uses float32 plans
        check_input(input, "input")
        plans = _interpolate_plans(tuple(input.shape), plans_dtype(input), size,
                                   scale_factor, mode, align_corners, recompute_scale_factor,
                                   antialias, channels_last, memory_cl)
        if key is not None:
            remember(_tensor_calls, key, tuple(plans), 256)
        return apply_plans(input, plans)
    arr = check_array(input, "input")
    plans = _interpolate_plans(arr.shape, arr.dtype, size, scale_factor, mode, align_corners,
                               recompute_scale_factor, antialias, False, False)
    return run_plans(arr, plans)


# The plans of recent interpolate calls on tensors, by the tensor's shape, strides, dtype,
# device and gradient flag, torch's thread setting (one thread: another kernel) and the
# call's arguments with their types: a repeated call skips the memory-format tests, the
# tensor checks and the argument key (~4 us of a ~24 us 1x3x64^2 -> 128^2 nearest call).
_tensor_calls: dict[tuple[Any, ...], tuple[tuple[int, AxisPlan], ...]] = {}


def _tensor_key(torch: Any, t: Any, *args: Any) -> tuple[Any, ...] | None:
    """The memo key of an interpolate call on tensor ``t``, or None (planned afresh)."""
    key = _typed_key(args)  # (as _call_key, in one look-up of the types)
    if key is None:
        return None
    return (t.shape, t.stride(), t.dtype, t.device.type, t.requires_grad,
            torch.get_num_threads() == 1, key)


def _interpolate_plans(
    shape: tuple[int, ...], dtype: np.dtype[Any], size: Any, scale_factor: Any, mode: str,
    align_corners: Any, recompute: Any, antialias: Any, channels_last: bool,
    memory_channels_last: bool,
) -> list[tuple[int, AxisPlan]]:
    """The plans of an ``interpolate`` call, with PyTorch's quirk and dtype rules applied.

    ``channels_last``: torch's channels-last nearest kernel applies (C > 3);
    ``memory_channels_last``: the tensor's memory format is channels-last (its
    float antialias kernel has no width-1 quirk).
    """
    # On one thread PyTorch sends 3-channel float bilinear to its channels-last kernel
    # too (at::get_num_threads(), the process-wide setting it reads at call time).
    torch_mod = sys.modules.get("torch")
    one_thread_rgb = (len(shape) == 4 and shape[1] == 3 and torch_mod is not None
                      and torch_mod.get_num_threads() == 1)
    args = (tuple(shape), np.dtype(dtype), size, scale_factor, mode, align_corners, recompute,
            antialias, channels_last, memory_channels_last, one_thread_rgb)
    key = _call_key(args)
    if key is None:
        return _plans_of_call(*args)
    return list(_cached_plans(key))  # (errors are raised, not kept)


# The plans of recent interpolate calls, keyed on their arguments (typed, _call_key):
# building them (plan cache keys, Fractions) was ~40 us of a 0.4 ms uint8 antialiased
# 1024^2 -> 300^2 (measured).  The plans are never changed after they are made.
@functools.lru_cache(maxsize=256)
def _cached_plans(key: tuple[Any, ...]) -> tuple[tuple[int, AxisPlan], ...]:
    args = tuple(t(e for _, e in v) if t in (tuple, list) else v for t, v in key)
    return tuple(_plans_of_call(*args))


# Scalars a call's plans may be cached on (exact types); anything else (tensors, arrays,
# numpy scalars, deeper nesting) is planned afresh.
_KEY_LEAVES: frozenset[type] = frozenset((int, float, str, bool, type(None)))
_typed_key = typed_keys(_KEY_LEAVES)


def _call_key(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``args`` with the type of every element (1, 1.0 and True plan differently), or None."""
    key: list[Any] = []
    for v in args:
        if isinstance(v, (tuple, list)):
            if not all(type(e) in _KEY_LEAVES for e in v):
                return None
            key.append((type(v), tuple((type(e), e) for e in v)))
        elif type(v) in _KEY_LEAVES or isinstance(v, np.dtype):
            key.append((type(v), v))
        else:
            return None
    return tuple(key)


def _plans_of_call(
    shape: tuple[int, ...], dtype: np.dtype[Any], size: Any, scale_factor: Any, mode: str,
    align_corners: Any, recompute: Any, antialias: Any, channels_last: bool,
    memory_channels_last: bool, one_thread_rgb: bool,
) -> list[tuple[int, AxisPlan]]:
    plans = torch_plans(shape, size, scale_factor, mode, align_corners, recompute,
                        antialias, channels_last=channels_last, dtype=dtype,
                        linear_channels_last=one_thread_rgb)
    if antialias and dtype.kind == "f" and len(plans) and len(shape) == 4 \
            and not memory_channels_last:
        width = plans[0][1].out_size if plans[0][0] == 3 else shape[3]
        if width == 1:
            plans = [(ax, _first_row_everywhere(p) if ax == 2 else p) for ax, p in plans]
    if dtype == np.uint8 and not MODES[mode].uint8:
        raise TypeError(f"mode={mode!r} does not support uint8 input in PyTorch; use float")
    if dtype.kind in "iub" and dtype != np.uint8:
        raise TypeError(f"input dtype {dtype} is not supported by interpolate; "
                        "use uint8 or a float dtype")
    return plans
from ._torch_warp import affine_grid, grid_sample  # noqa: E402
