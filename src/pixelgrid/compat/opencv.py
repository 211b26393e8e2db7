"""OpenCV's ``cv2.resize`` (and ``cv2.warpAffine``), reproduced on the pixelgrid model.

``warpAffine`` (and the border/warp constants) live in :mod:`._opencv_warp`.

Reproduces opencv-python-headless 5.1.0.95 (``tests/test_compat_opencv.py``,
``docs/compat_opencv_pillow.md``).

Every interpolation is a row of data (:data:`INTERPOLATIONS`): the core
settings that describe it (grid convention, kernel, boundary) and the integer
model OpenCV uses for 8-bit data.  :func:`resize` validates the arguments as
OpenCV does, computes the output size and the coordinate scale with OpenCV's
double-precision rules, and *declares* OpenCV's arithmetic for the code path
it takes as :class:`~pixelgrid.Arithmetic` records, from which
:func:`pixelgrid.plan` builds the tables with the core's rules (the kernels'
``variant="opencv"`` float32 rows, ``window="float32_floor"``/``_edge``,
``"float64_floor_edge"`` for ``INTER_LINEAR_EXACT``, ``boxes="float64_cells"``
for ``INTER_AREA``'s overlap tables, ``coordinates="float64_accumulate"`` for
``INTER_NEAREST_EXACT``); the plans carry the records (``_model``:
unshifted 8-bit fixed point, float32 tap order with the vector body of the
vertical pass, integer-factor block sums).  This module does no arithmetic of
its own: :func:`pixelgrid._arrays.run_plans` hands the plans to the engine
that implements their model (``pixelgrid/_engines/wide_fixed.py``,
``float32_taps.py``, ``box_sum.py``).

Measured agreement:

* With OpenCV's own code (``cv2.ipp.setUseIPP(False)``): bit-exact for every
  interpolation and every dtype (uint8, uint16, int16, float32, float64; the
  nearest modes for every dtype cv2 accepts), on 10,500 random calls of
  1-63 px and on thin arrays with 2000-5000 px axes.
* With Intel IPP enabled (the pip wheel's default; ``resize(..., ipp=True)``,
  the default here; ``ipp=False`` is OpenCV's own code) OpenCV hands uint8
  ``INTER_CUBIC`` with 1, 3 or 4 channels to IPP (both input axes of at least
  4 px; ``fx``/``fy`` other than ``dsize / size``: an IPP warp, at least 2 px),
  which this module reproduces (``_IPP_CUBIC``, measured on IPP 2026.1's AVX-512
  kernels): bit-exact with ``dsize`` on 3.5 million random pixels and the
  tests' sweeps (2000-5000 px axes included); the warp within 1 level on about
  1e-5 of the pixels (OpenCV's own 11-bit code: 1 level on 1-10 %).  IPP picks
  its kernels by CPU: with ``OPENCV_IPP=avx2`` 9 of 1.4 million pixels differ
  (``sse42``: 13).  OpenCV also hands 16-bit ``INTER_LINEAR``/``INTER_CUBIC``
  and float ``INTER_LINEAR``/``INTER_CUBIC`` (float64: LINEAR only; CUBIC only
  when both input axes have at least 4 pixels) to IPP, whose coordinates and
  rounding this module reproduces only for float32 ``INTER_LINEAR`` (and
  ``INTER_LINEAR_EXACT``, which is LINEAR for floats) with 1, 3 or 4 channels
  (``_IPP_LINEAR``, measured): per axis, horizontal first, the position
  ``(o + 0.5) * (in / out) - 0.5`` in double (``fx``/``fy`` other than
  ``dsize / size``: IPP's warp, step ``1 / fx``), taps ``floor(x)`` and the
  next (clamped), ``t = f32(x - floor(x))`` and ``fma(t, f32(b - a), a)``
  (``fma="lerp"``): bit-exact at 5000 px and on random 2-200 px ``dsize``
  calls with 1 channel, or 3/4 channels on inputs at least 16 px wide; 3/4
  channels on narrower inputs (IPP's border columns) and the warp differ by
  1 ulp on a few pixels (before: 199 of 200 random calls off, up to 9.6e-6).
  An exact 2x downscale (both axes, even sizes) is IPP's 2x2 mean,
  ``((a + b) + (c + d)) * 0.25`` on every block, with 1 or 3 channels
  (bit-exact); 4 channels keep OpenCV's own ``INTER_AREA`` model, 1 ulp off
  on about 1 % of the pixels (not modelled).  The other IPP paths differ by amounts that grow with
  the axis: on 1-63 px calls within 1 level (integers) and 2.4e-6 of the range
  (floats); at 5000 px up to 14 levels (16-bit LINEAR), 22 levels (16-bit
  CUBIC) and 2.4e-4 (float64 LINEAR) on [0, 1) data.  float32 ``INTER_CUBIC``
  (1, 3, 4 channels) runs the uint8 IPP cubic model above on float32 data:
  within 4.8e-7 of [0, 1) data at 4-200 px and 2.4e-7 at 5000 px (was 9.9e-6
  and 3.4e-4), not bit-exact (IPP's float32 weights or orders differ).
  Everything else (uint8 ``INTER_LINEAR`` included) stays bit-exact.  A
  measured lead, not implemented: uint16 ``INTER_LINEAR`` follows the same
  lerp rounded half to even, float64 the same in double.

OpenCV facts this module encodes (checked against cv2 in the tests):

* Size: ``dsize=(width, height)``; when ``dsize`` is ``None`` or has a zero,
  ``(round(w*fx), round(h*fy))`` (half to even) and the coordinate scale is
  ``1/fx`` (not ``in/out``); otherwise the scale is ``in/out``.  An output the
  size of the input is a copy.
* ``INTER_NEAREST``: ``min(floor(o * (1/inv_scale)), n-1)`` in double (the
  asymmetric grid, tie rule ``floor``).  ``INTER_NEAREST_EXACT`` (5.x):
  ``floor(f)`` with ``f = s/2``, then ``f += s`` accumulated in double, ``s = n/m``
  (half-pixel grid, ``round_prefer_ceil`` up to float accumulation at ties).
* ``INTER_LINEAR`` / ``CUBIC`` / ``LANCZOS4``: ``x = f32((o+0.5)*scale - 0.5)``,
  float32 coefficients (cubic a = -0.75 with ``c3 = 1 - c0 - c1 - c2``;
  Lanczos-4 normalised to sum 1), replicated edges.  uint8: coefficients
  ``rint(c * 2048)`` (``INTER_RESIZE_COEF_BITS = 11``), horizontal pass first,
  **exact int32 intermediate** (neither shifted nor clamped), one rounding at
  the end: linear ``((b0*(h0>>4))>>16) + ((b1*(h1>>4))>>16) + 2) >> 2``, cubic and
  Lanczos ``(sum + 2**21) >> 22``; cubic's 8-lane vector body computes
  ``rint(S0*f0 + (S1*f1 + (S2*f2 + S3*f3)))`` in float32 instead.  IPP's uint8
  cubic (IPP on): positions ``(o + 0.5) * (in / out) - 0.5`` in double (warp:
  step ``1 / fx``), taps from ``floor(x)`` clamped, the fraction held as
  ``1 + f`` in float32 (``f' = f32(1 + f32(f)) - 1``), weights
  ``f32(keys(f'))`` of the double kernel, float32 passes horizontal first in
  IPP's tap orders (``fma="ipp_cubic"``/``"pairs"``), rounded half to even.  Other dtypes:
  float32 buffers (float64 for float64 data), horizontal taps left to right,
  vertical taps nested on the vector body (4 lanes for float32, 8 for 16-bit;
  none for float64 and uint16 Lanczos), left to right on the tail.
* ``INTER_LINEAR`` with an exact 2x downscale on both axes is ``INTER_AREA``.
* ``INTER_AREA``: integer factors average blocks: ``s * f32(1/area)`` with the
  block summed in OpenCV's unrolled order (runs of four), 2x2 integer blocks
  with 1/3/4 channels ``(a+b+c+d+2)>>2``, 2x2 float32 blocks with 1/4
  channels ``(a+b)+(c+d)`` on the 4-lane body; blocks cut by the edge
  ``f32(sum)/count`` in float32, **even for float64 data** (a float64 mean of
  0.545 comes out as 0.5450000166893005).  Other downscales use OpenCV's
  overlap tables accumulated in float32 (horizontal, then rows); when either
  axis upscales, both axes use a 2-tap "area-bilinear" table.
* ``INTER_LINEAR_EXACT``: 8-bit (uint8) or 16-bit (16-bit types, int8)
  coefficients from ``scale*(o+0.5)-0.5`` in double, exact integer
  intermediate, one rounding ``(v + 2**(2b-1)) >> 2b``; exact 2x on both axes
  is ``INTER_AREA`` (except 2-channel images); float data falls back to
  ``INTER_LINEAR``.  Divergence kept: int32 ``INTER_LINEAR_EXACT`` (OpenCV's
  64-bit saturating fixed point) raises ``TypeError``.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import Arithmetic
from .._arrays import KeptPlans, is_dask
from .._grid import Affine
from .._kernels import Kernel, area, cubic, lanczos, linear, nearest
from .._memo import remember
from .._plan import fixed_point, plan
from .._plan_types import AxisPlan
from .._validate import check_memory
from ._opencv_warp import (
    BORDER_CONSTANT,
    BORDER_REFLECT,
    BORDER_REFLECT_101,
    BORDER_REPLICATE,
    BORDER_WRAP,
    WARP_FILL_OUTLIERS,
    WARP_INVERSE_MAP,
    warpAffine,
)

__all__ = [
    "BORDER_CONSTANT",
    "BORDER_REFLECT",
    "BORDER_REFLECT_101",
    "BORDER_REPLICATE",
    "BORDER_WRAP",
    "INTERPOLATIONS",
    "INTER_AREA",
    "INTER_CUBIC",
    "INTER_LANCZOS4",
    "INTER_LINEAR",
    "INTER_LINEAR_EXACT",
    "INTER_NEAREST",
    "INTER_NEAREST_EXACT",
    "WARP_FILL_OUTLIERS",
    "WARP_INVERSE_MAP",
    "opencv_output_size",
    "resize",
    "warpAffine",
]

INTER_NEAREST = 0
INTER_LINEAR = 1
INTER_CUBIC = 2
INTER_AREA = 3
INTER_LANCZOS4 = 4
INTER_LINEAR_EXACT = 5
INTER_NEAREST_EXACT = 6

#: OpenCV's fixed-point precision of 8-bit resize coefficients.
INTER_RESIZE_COEF_BITS = 11


@dataclass(frozen=True)
class Interpolation:
    """How one OpenCV interpolation maps onto the core model (documentation data)."""

    name: str
    kernel: Kernel
    grid: str
    boundary: str
    uint8: str  # the integer model for uint8 data, in words
    dtypes: tuple[str, ...]


_ALL = ("uint8", "int8", "uint16", "int16", "int32", "int64", "uint32", "float16",
        "float32", "float64", "bool")
_GENERIC = ("uint8", "uint16", "int16", "float32", "float64")
INTERPOLATIONS: dict[int, Interpolation] = {
    INTER_NEAREST: Interpolation("INTER_NEAREST", nearest("floor"), "asymmetric", "clamp",
                                 "copy", _ALL),
    INTER_LINEAR: Interpolation("INTER_LINEAR", linear(), "half_pixel", "clamp",
                                "11-bit weights, unshifted intermediate, >>4 >>16 +2 >>2",
                                _GENERIC),
    INTER_CUBIC: Interpolation("INTER_CUBIC", cubic(-0.75), "half_pixel", "clamp",
                               "11-bit weights, unshifted intermediate, (v + 2**21) >> 22; "
                               "IPP on (1/3/4 channels, input axes >= 4 px, or >= 2 px "
                               "with other fx/fy): IPP's float32 tables and orders",
                               _GENERIC),
    INTER_AREA: Interpolation("INTER_AREA", area(), "half_pixel", "clamp",
                              "block sums / float32 overlap tables, round half even",
                              _GENERIC),
    INTER_LANCZOS4: Interpolation("INTER_LANCZOS4", lanczos(4), "half_pixel", "clamp",
                                  "11-bit weights, unshifted intermediate, (v + 2**21) >> 22",
                                  _GENERIC),
    INTER_LINEAR_EXACT: Interpolation("INTER_LINEAR_EXACT", linear(), "half_pixel", "clamp",
                                      "8-bit weights, unshifted intermediate, (v + 2**15) >> 16",
                                      ("uint8", "int8", "uint16", "int16", "float32",
                                       "float64")),
    INTER_NEAREST_EXACT: Interpolation("INTER_NEAREST_EXACT", nearest("round_prefer_ceil"),
                                       "half_pixel", "clamp", "copy", _ALL),
}
_NAMES = {v.name: k for k, v in INTERPOLATIONS.items()}


# ----------------------------------------------------------------------------- sizes


def opencv_output_size(
    width: int, height: int, dsize: Any, fx: float, fy: float
) -> tuple[int, int, float, float]:
    """Output ``(width, height)`` and OpenCV's ``inv_scale_x``, ``inv_scale_y``.

    Examples
    --------
    >>> opencv_output_size(7, 5, None, 0.5, 0.5)
    (4, 2, 0.5, 0.5)
    >>> opencv_output_size(10, 1, (4, 1), 0, 0)
    (4, 1, 0.4, 1.0)

    """
    dw = dh = 0
    if dsize is not None:
        if not isinstance(dsize, (tuple, list)) or len(dsize) not in (0, 2):
            raise TypeError(f"dsize={dsize!r} must be None or a (width, height) pair of ints")
        if len(dsize) == 2:
            for v in dsize:
                if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                    raise TypeError(f"dsize={dsize!r} must hold ints (width, height)")
                if v < 0:
                    raise ValueError(f"dsize={dsize!r} must not be negative")
            dw, dh = int(dsize[0]), int(dsize[1])
    if dw > 0 and dh > 0:
        check_memory(f"dsize={dsize!r}", 8 * dw * dh)  # before any plan is built
        return dw, dh, dw / width, dh / height
    for name, f in (("fx", fx), ("fy", fy)):
        if isinstance(f, bool) or not isinstance(f, numbers.Real):
            raise TypeError(f"{name}={f!r} must be a real number")
        if not (math.isfinite(float(f)) and float(f) > 0):
            raise ValueError(
                f"{name}={f!r} must be finite and > 0 when dsize={dsize!r} gives no output size"
            )
    fxf, fyf = float(fx), float(fy)
    if not (math.isfinite(width * fxf) and math.isfinite(height * fyf)):
        raise ValueError(f"fx={fx!r}, fy={fy!r} give an output size beyond float range")
    # saturate_cast<int>(double) is cvRound: round half to even.
    dw, dh = round(width * fxf), round(height * fyf)
    if dw < 1 or dh < 1:
        raise ValueError(
            f"fx={fx!r}, fy={fy!r} map the {width}x{height} input to an empty output "
            f"({dw}x{dh})"
        )
    check_memory(f"fx={fx!r}, fy={fy!r} (an output of {dw}x{dh})", 8 * dw * dh)
    return dw, dh, fxf, fyf


# ----------------------------------------------------------------------------- arithmetic
#
# OpenCV's arithmetic per code path, as data (``pixelgrid.Arithmetic`` records on the
# plans; the engines in ``pixelgrid/_engines`` implement each model once):
#
# * 8-bit generic (uint8 LINEAR/CUBIC/LANCZOS4, area-bilinear): 11-bit weights, the
#   horizontal int32 sums kept unshifted, one rounding half up; LINEAR (and the
#   area-bilinear table, same code) truncates ``>> 4`` and ``>> 16`` inside the vertical
#   pass; CUBIC's vector body (8 lanes) computes in float32, rounded half to even.
# * LINEAR_EXACT: 8-bit (uint8) or 16-bit weights, unshifted, one rounding half up.
# * float/16-bit generic: float32 coefficient tables, sums tap by tap in float32 (float64
#   for float64 data); the vertical pass nests the taps on its vector body: 4 lanes for
#   float32, 8 for 16-bit data, none for float64 and for uint16 LANCZOS4.
# * INTER_AREA, non-integer downscale: the overlap tables, tap by tap, no vector body.
# * INTER_AREA, integer factors (and exact 2x LINEAR/LINEAR_EXACT): block sums times
#   f32(1/n); 2x2 integer blocks with 1, 3 or 4 channels round half up ((s + 2) >> 2),
#   2x2 float32 blocks with 1 or 4 channels are added row pair by row pair on 4 lanes.
# * Every store to an integer dtype saturates; rounding half to even unless said above.

#: OpenCV's generic tables: positions in double rounded to float32, float32 coefficients.
_POSITIONS = "float64_float32"
_UNSHIFTED = Arithmetic(intermediate="unshifted", store="half_up")
_TAPS = Arithmetic(accumulate="taps", weights="float32")
#: Intel IPP's uint8 cubic (``ippiResizeCubic`` via OpenCV's IPP HAL, measured): double
#: positions ``(o + 0.5) * (in / out) - 0.5``, the fraction held as ``1 + f`` in float32,
#: the double Keys kernel rounded to float32, float32 passes (horizontal first) in IPP's
#: tap orders, the result rounded half to even and saturated.
_IPP_CUBIC = Arithmetic(coordinates="float64", weights="float32", accumulate="taps",
                        window="float32_floor_ipp", store="half_even")
#: Intel IPP's float32 linear (``ippiResizeLinear``, measured): per axis, horizontal
#: first, the double position ``(o + 0.5) * (in / out) - 0.5``, taps ``floor(x)`` and the
#: next (clamped), ``t = f32(x - floor(x))`` and ``fma(t, f32(b - a), a)`` in float32.
_IPP_LINEAR = Arithmetic(coordinates="float64", weights="float32", accumulate="taps",
                         window="float32_floor", fma="lerp")


#: The core kernels in OpenCV's float32 forms (``interpolateCubic``/``Lanczos4``).
#: INTER_AREA's generic table (an axis upscales) is its "area-bilinear" one.
_KERNELS = {INTER_LINEAR: linear(), INTER_AREA: linear(),
            INTER_CUBIC: cubic(-0.75, variant="opencv"),
            INTER_LANCZOS4: lanczos(4, variant="opencv")}


def _model(path: str, interp: int, dt: np.dtype[Any], cn: int,
           two: bool = False) -> tuple[Arithmetic, Arithmetic]:
    """OpenCV's arithmetic for the horizontal and the vertical plan of one code path.

    ``two``: the blocks of an ``area_fast`` path are 2x2.
    """
    if path == "linear_exact":
        return _UNSHIFTED, _UNSHIFTED
    if path == "area_fast":
        pairs = two and dt == np.float32 and cn in (1, 4)
        half_up = two and dt.kind in "iu" and cn != 2
        a = Arithmetic(accumulate="block", simd_lanes=4 if pairs else 0,
                       store="half_up" if half_up else "half_even")
        return a, a
    if path == "area_general":
        return _TAPS, _TAPS
    # The generic tables: OpenCV's float32 positions (the area-bilinear table has its own
    # formula, exact here) and float32 coefficients, 11-bit for uint8.
    # Taps from floor(x), clamped; the horizontal 2-tap pass moves edge rows onto the
    # edge pixel with weights (1, 0), the vertical one keeps them (rows clamped later).
    gen = {"coordinates": _POSITIONS if interp != INTER_AREA else "float32_cell_fraction",
           "weights": "float32"}
    hor = {**gen, "window": "float32_floor_edge"}
    ver = {**gen, "window": "float32_floor"}
    if dt == np.uint8:
        if interp in (INTER_LINEAR, INTER_AREA):
            return _UNSHIFTED.replace(**hor), _UNSHIFTED.replace(truncate=(4, 16), **ver)
        lanes = 8 if interp == INTER_CUBIC else 0
        return _UNSHIFTED.replace(**hor), _UNSHIFTED.replace(simd_lanes=lanes, **ver)
    if dt == np.float64 or (dt == np.uint16 and interp == INTER_LANCZOS4):
        lanes = 0  # no vector vertical kernel (the uint16 Lanczos one adds in order)
    else:
        lanes = 4 if dt == np.float32 else 8
    return _TAPS.replace(**hor), _TAPS.replace(simd_lanes=lanes, **ver)


def _core_info(interp: int, scale: float, extra: str = "") -> dict[str, Any]:
    it = INTERPOLATIONS[interp]
    return {"library": "opencv", "interpolation": it.name, "grid": it.grid,
            "kernel": it.kernel.name, "boundary": it.boundary, "scale": scale,
            "note": extra}


def _grid(inv_scale: float) -> Affine:
    """OpenCV's half-pixel map with the double step ``1 / inv_scale``, exactly."""
    return Affine(Fraction(1.0 / inv_scale), Fraction(1, 2), Fraction(-1, 2), "half_pixel")


def _declared(p: AxisPlan, interp: int, inv_scale: float, note: str = "") -> AxisPlan:
    """A core plan with this module's description (a copy: plans are cached)."""
    return replace(p, info={**p.info, **_core_info(interp, inv_scale, note)})


def _nearest_plan(n_in: int, n_out: int, inv_scale: float, exact: bool) -> AxisPlan:
    if exact:
        # resizeNN_bitexact (5.0): f = s/2, then f += s accumulated in double, floor(f):
        # the running-sum positions f - 1/2 of s = n/m, rounded half up.
        aff = Affine(Fraction(n_in / n_out), Fraction(1, 2), Fraction(-1, 2), "half_pixel")
        rule, interp = "float64_accumulate", INTER_NEAREST_EXACT
    else:
        # floor(o * (1 / inv_scale)) in double
        aff, rule, interp = Affine(Fraction(1.0 / inv_scale)), "float64", INTER_NEAREST
    p = plan(n_in, n_out, kernel=INTERPOLATIONS[interp].kernel, grid=aff, boundary="clamp",
             arithmetic=Arithmetic(coordinates=rule))
    return _declared(p, interp, inv_scale)


def _bitexact_plan(n_in: int, n_out: int, inv_scale: float, bits: int) -> AxisPlan:
    """``interpolationLinear::getCoeffs`` of ``resize_bitExact``: ``bits``-bit weights.

    ``x = scale (o + 0.5) - 0.5`` in (soft)double, taps from ``floor(x)`` with edge rows
    on the edge pixel, ``c1 = cvRound(f 2**bits)`` and ``2**bits - c1`` (the largest
    weight takes the complement: ``exact_sum``).
    """
    p = plan(n_in, n_out, kernel=linear(), grid=_grid(inv_scale), boundary="clamp",
             arithmetic=_UNSHIFTED.replace(coordinates="float64", window="float64_floor_edge"))
    p = fixed_point(p, bits, exact_sum=True, rounding="half_even")
    return _declared(p, INTER_LINEAR_EXACT, inv_scale, f"{bits}-bit weights")


# ----------------------------------------------------------------------------- resize


def _check_src(src: Any) -> NDArray[Any]:
    if not isinstance(src, np.ndarray) and not is_dask(src):  # Dask: lazy (run_plans)
        raise TypeError(f"src must be a numpy array, got {type(src).__name__}")
    if src.ndim not in (2, 3):
        raise ValueError(
            f"src has shape {src.shape}; expected (height, width) or (height, width, channels)"
        )
    if src.size == 0:
        raise ValueError(f"src is empty (shape {src.shape})")
    if src.dtype.name not in _ALL:
        raise TypeError(f"src has dtype {src.dtype}, which cv2.resize does not accept; "
                        f"expected one of {sorted(_ALL)}")
    return src  # type: ignore[no-any-return]  # (or a Dask array)


def resize(
    src: Any,
    dsize: Any,
    dst: Any = None,
    fx: float = 0,
    fy: float = 0,
    interpolation: int = INTER_LINEAR,
    *,
    ipp: bool = True,
) -> NDArray[Any]:
    """Reproduce ``cv2.resize`` (opencv-python-headless 5.1.0.95) without OpenCV.

    Same signature and defaults as ``cv2.resize``.  ``src`` is an
    ``(H, W)`` or ``(H, W, C)`` numpy array; ``dsize`` is ``(width, height)``,
    or ``None``/``(0, 0)`` to use ``fx``/``fy``.  An ``(H, W, 1)`` input gives
    an ``(h, w)`` output, as in cv2.  If ``dst`` has the output's shape and
    dtype it is filled and returned.  ``ipp`` (keyword only): ``True`` follows
    the wheel's default (Intel IPP on), whose uint8 ``INTER_CUBIC`` this module
    reproduces; ``False`` is OpenCV's own code, as after
    ``cv2.ipp.setUseIPP(False)`` (other IPP paths: see the module doc).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0, 100, 200]], dtype=np.uint8)
    >>> resize(x, (6, 1), interpolation=INTER_AREA).tolist()
    [[0, 0, 100, 100, 200, 200]]
    >>> resize(np.array([[0, 1, 2, 3, 4]], np.uint8), (3, 1), interpolation=INTER_NEAREST)
    array([[0, 1, 3]], dtype=uint8)

    """
    key = _call_key(src, dsize, fx, fy, interpolation, ipp)
    hit = None if key is None else _checked_calls.get(key)
    if hit is None:
        hit = _check_call(src, dsize, fx, fy, interpolation, ipp)
        if key is not None:
            remember(_checked_calls, key, hit, 256)
    squeeze, kept = hit
    x = src[:, :, 0] if squeeze else src
    # (the plans carry OpenCV's arithmetic: run_plans hands them to the engine of that model)
    y: NDArray[Any] = x.copy() if kept is None else kept(x)
    if isinstance(dst, np.ndarray) and dst.shape == y.shape and dst.dtype == y.dtype:
        dst[...] = y
        return dst
    return y


# The checked arguments and plans of recent resize calls, by
# the call's exact argument values and types and the array's shape and dtype: the checks
# were ~7 us of a ~10 us 64^2x3 call (dtype names, ABC isinstance, memory limits).
_checked_calls: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_KEY_SCALARS = frozenset((int, float, bool, type(None)))


def _call_key(src: Any, dsize: Any, fx: Any, fy: Any, interpolation: Any,
              ipp: Any) -> tuple[Any, ...] | None:
    """The memo key of a resize call, or None (non-numpy input, unusual argument types)."""
    if type(src) is not np.ndarray:
        return None
    if type(dsize) in (tuple, list):
        if len(dsize) != 2 or type(dsize[0]) is not int or type(dsize[1]) is not int:
            return None
        dk: Any = (type(dsize), tuple(dsize))
    elif dsize is None:
        dk = None
    else:
        return None
    if not (type(fx) in _KEY_SCALARS and type(fy) in _KEY_SCALARS
            and type(interpolation) is int and type(ipp) is bool):
        return None
    return (src.shape, src.dtype, dk, type(fx), fx, type(fy), fy, interpolation, ipp)


def _check_call(src: Any, dsize: Any, fx: Any, fy: Any, interpolation: Any,
                ipp: Any) -> tuple[Any, ...]:
    """The argument checks and plans of a resize call: ``(squeeze, plans)``.

    ``squeeze``: an ``(H, W, 1)`` input resized as ``(H, W)``; ``plans``: those of
    :func:`_routed` for the call (:class:`KeptPlans`), or None (an output of the input's
    size: a copy).
    """
    x = _check_src(src)
    if isinstance(interpolation, bool) or not isinstance(interpolation, numbers.Integral) \
            or int(interpolation) not in INTERPOLATIONS:
        raise ValueError(
            f"interpolation={interpolation!r} is not valid; expected one of "
            f"{ {v.name: k for k, v in INTERPOLATIONS.items()} }"
        )
    interp = int(interpolation)
    if not isinstance(ipp, (bool, np.bool_)):
        raise TypeError(f"ipp={ipp!r} must be True or False")
    h, w = x.shape[:2]
    dw, dh, inv_x, inv_y = opencv_output_size(w, h, dsize, fx, fy)
    dt = x.dtype
    if dt.name not in INTERPOLATIONS[interp].dtypes:
        raise TypeError(
            f"src dtype {dt} is not supported by cv2.resize with "
            f"interpolation={INTERPOLATIONS[interp].name}; supported: "
            f"{list(INTERPOLATIONS[interp].dtypes)}"
        )
    if interp == INTER_LINEAR_EXACT and dt.kind == "f":
        interp = INTER_LINEAR  # OpenCV: float data falls back to the generic path
    squeeze = x.ndim == 3 and x.shape[2] == 1
    cn = 1 if x.ndim == 2 or squeeze else int(x.shape[2])
    plans = None if (dw, dh) == (w, h) else KeptPlans(
        _routed(w, h, dw, dh, inv_x, inv_y, interp, dt, cn, bool(ipp))[2])
    return squeeze, plans


def _area_plan(n_in: int, n_out: int, inv_scale: float, arithmetic: Arithmetic) -> AxisPlan:
    """``INTER_AREA``'s non-integer downscale: OpenCV's overlap table (``computeResizeAreaTab``)."""
    p = plan(n_in, n_out, kernel=area(), grid=_grid(inv_scale), boundary="clamp",
             arithmetic=arithmetic.replace(boxes="float64_cells"))
    return _declared(p, INTER_AREA, inv_scale)


def _block_plan(n_in: int, n_out: int, inv_scale: float, arithmetic: Arithmetic) -> AxisPlan:
    """``resizeAreaFast``'s blocks along one axis (``boxes="integer_blocks"``)."""
    p = plan(n_in, n_out, kernel=area(), grid=_grid(inv_scale), boundary="clamp",
             arithmetic=arithmetic.replace(boxes="integer_blocks"))
    return _declared(p, INTER_AREA, inv_scale)


def _ipp_cubic(w: int, h: int, dw: int, dh: int, inv_x: float, inv_y: float, interp: int,
               dt: np.dtype[Any], cn: int) -> str:
    """Whether OpenCV (IPP on, the wheel's default) hands this call to IPP's cubic.

    ``ipp_hal_resize`` takes 8-bit (and float32: the same model, within 4.8e-7, not
    bit-exact) ``INTER_CUBIC`` for 1, 3 or 4 channels (2 channels
    run OpenCV's own code).  ``"resize"``: IPP's resize, for ``dsize`` or ``fx``/``fy``
    equal to ``dsize / size`` within ``1e-10``, when both input axes have at least 4
    pixels; ``"affine"``: other ``fx``/``fy`` make it an IPP warp with the step
    ``1 / fx``, the same tables and orders (measured), when both input axes have at
    least 2 pixels; ``""``: OpenCV's own code (measured).
    """
    if not (interp == INTER_CUBIC and dt in (np.uint8, np.float32) and cn in (1, 3, 4)):
        return ""
    if abs(dw / w - inv_x) / inv_x <= 1e-10 and abs(dh / h - inv_y) / inv_y <= 1e-10:
        return "resize" if min(w, h) >= 4 else ""
    return "affine" if min(w, h) >= 2 else ""


def _ipp_linear(w: int, h: int, dw: int, dh: int, inv_x: float, inv_y: float, interp: int,
                dt: np.dtype[Any], cn: int) -> bool:
    """Whether OpenCV (IPP on) hands this call to IPP's float32 linear resize (measured)."""
    return interp == INTER_LINEAR and dt == np.float32 and cn in (1, 3, 4)


def _ipp_linear_plan(n_in: int, n_out: int, inv_scale: float, warp: bool) -> AxisPlan:
    """One axis of IPP's float32 linear: the step ``in / out`` (resize) or ``1 / fx`` (warp)."""
    step = 1.0 / inv_scale if warp else n_in / n_out
    aff = Affine(Fraction(step), Fraction(1, 2), Fraction(-1, 2), "half_pixel")
    p = plan(n_in, n_out, kernel=linear(), grid=aff, boundary="clamp", arithmetic=_IPP_LINEAR)
    return _declared(p, INTER_LINEAR, inv_scale, "Intel IPP's float32 linear (IPP on)")


def _ipp_cubic_plan(n_in: int, n_out: int, inv_scale: float, mode: str,
                    horizontal: bool) -> AxisPlan:
    """One axis of IPP's uint8 cubic: the step ``in / out`` (resize) or ``1 / fx`` (warp)."""
    step = n_in / n_out if mode == "resize" else 1.0 / inv_scale
    aff = Affine(Fraction(step), Fraction(1, 2), Fraction(-1, 2), "half_pixel")
    a = _IPP_CUBIC.replace(fma="ipp_cubic" if horizontal else "pairs")
    p = plan(n_in, n_out, kernel=_KERNELS[INTER_CUBIC], grid=aff, boundary="clamp",
             arithmetic=a)
    return _declared(p, INTER_CUBIC, inv_scale, f"Intel IPP's cubic {mode} (IPP on)")


def _route(w: int, h: int, dw: int, dh: int, inv_x: float, inv_y: float, interp: int,
           dt: np.dtype[Any], cn: int,
           ipp: bool = True) -> tuple[str, int, list[tuple[int, AxisPlan]]]:
    """Which OpenCV code path runs, the interpolation it ends up using, and its plans.

    The path is ``nearest``, ``linear_exact`` (8/16-bit weights, wide intermediate),
    ``area_fast``/``area_general`` (the result is computed from the tables directly; the
    plans are their float model), ``generic`` (float32 coefficient tables; uint8 plans
    carry OpenCV's 11-bit weights) or ``ipp_cubic`` (``ipp``: IPP's uint8 cubic).
    """
    mode = _ipp_cubic(w, h, dw, dh, inv_x, inv_y, interp, dt, cn) if ipp else ""
    if mode:
        return "ipp_cubic", interp, [(1, _ipp_cubic_plan(w, dw, inv_x, mode, True)),
                                     (0, _ipp_cubic_plan(h, dh, inv_y, mode, False))]
    if ipp and _ipp_linear(w, h, dw, dh, inv_x, inv_y, interp, dt, cn):
        if (w, h) != (2 * dw, 2 * dh):
            warp = not (abs(dw / w - inv_x) / inv_x <= 1e-10
                        and abs(dh / h - inv_y) / inv_y <= 1e-10)
            return "ipp_linear", interp, [(1, _ipp_linear_plan(w, dw, inv_x, warp)),
                                          (0, _ipp_linear_plan(h, dh, inv_y, warp))]
        # IPP's exact 2x: every 2x2 block (a + b) + (c + d), times 1/4; with 4 channels
        # in steps of 16 floats, the rest of a row ((a + b) + c) + d (measured: OpenCV's
        # own INTER_AREA steps by 4 floats there, and differed from cv2 in the last
        # pixels of rows whose 4 W is not a multiple of 16)
        a = _model("area_fast", INTER_AREA, dt, cn, True)[0].replace(
            simd_lanes=16 if cn == 4 else 1)
        return "area_fast", INTER_AREA, [(1, _block_plan(w, dw, inv_x, a)),
                                         (0, _block_plan(h, dh, inv_y, a))]
    if interp in (INTER_NEAREST, INTER_NEAREST_EXACT):
        ex = interp == INTER_NEAREST_EXACT
        return "nearest", interp, [(1, _nearest_plan(w, dw, inv_x, ex)),
                                   (0, _nearest_plan(h, dh, inv_y, ex))]
    scale_x, scale_y = 1.0 / inv_x, 1.0 / inv_y
    ix, iy = round(scale_x), round(scale_y)
    eps = float(np.finfo(np.float64).eps)
    area_fast = abs(scale_x - ix) < eps and abs(scale_y - iy) < eps
    two = area_fast and ix == 2 and iy == 2
    if interp == INTER_LINEAR_EXACT:
        if two and cn != 2:
            if dt.name not in ("uint8", "uint16", "int16"):
                raise TypeError(f"cv2.resize has no INTER_AREA for dtype {dt} (used by "
                                "INTER_LINEAR_EXACT for an exact 2x downscale)")
            interp = INTER_AREA
        else:
            bits = 8 if dt == np.uint8 else 16
            return "linear_exact", interp, [(1, _bitexact_plan(w, dw, inv_x, bits)),
                                            (0, _bitexact_plan(h, dh, inv_y, bits))]
    if interp == INTER_LINEAR and two:
        interp = INTER_AREA
    if interp == INTER_AREA and scale_x >= 1 and scale_y >= 1:
        if area_fast:
            ax, ay = _model("area_fast", interp, dt, cn, two)
            return "area_fast", interp, [(1, _block_plan(w, dw, inv_x, ax)),
                                         (0, _block_plan(h, dh, inv_y, ay))]
        ax, ay = _model("area_general", interp, dt, cn)
        return "area_general", interp, [(1, _area_plan(w, dw, inv_x, ax)),
                                         (0, _area_plan(h, dh, inv_y, ay))]
    ax, ay = _model("generic", interp, dt, cn)
    # scale=inv: the area-bilinear positions read the user's scale as given
    px, py = (_declared(plan(n, m, kernel=_KERNELS[interp], grid=_grid(inv), scale=inv,
                             boundary="clamp", arithmetic=a), interp, inv)
              for n, m, inv, a in ((w, dw, inv_x, ax), (h, dh, inv_y, ay)))
    if dt == np.uint8:  # 11-bit tables, saturate_cast<short>(c * 2048): half to even
        px, py = (fixed_point(p, INTER_RESIZE_COEF_BITS, exact_sum=False,
                              rounding="half_even") for p in (px, py))
    return "generic", interp, [(1, px), (0, py)]


# resize's plans, keyed on the call's sizes, scales, flag, dtype and channels: _route builds
# fresh plan copies (_declared) and fixed-point tables on every call, and the engines'
# per-plan tables are keyed on the plan object, so a small image spent ~0.2 ms of its
# ~0.25 ms there (64x64x3 uint8 -> 48x48 linear, measured).  The cached plans are never
# changed (like_plans, which annotates its plans, calls _route itself).
_routed = functools.lru_cache(maxsize=256, typed=True)(_route)


# ----------------------------------------------------------------------------- explain


def _interp_flag(interpolation: Any) -> int:
    """An interpolation flag given as an int or a name (``"INTER_CUBIC"``, ``"cubic"``)."""
    if isinstance(interpolation, str):
        name = interpolation.strip().upper().removeprefix("CV2.")
        name = name if name.startswith("INTER_") else f"INTER_{name}"
        if name in _NAMES:
            return _NAMES[name]
    elif not isinstance(interpolation, bool) and isinstance(interpolation, numbers.Integral) \
            and int(interpolation) in INTERPOLATIONS:
        return int(interpolation)
    raise ValueError(f"interpolation={interpolation!r} is not valid; expected one of "
                     f"{ {v.name: k for k, v in INTERPOLATIONS.items()} }")


def like_plans(
    shape: tuple[int, ...], size: Any = None, *, dsize: Any = None, fx: float = 0,
    fy: float = 0, interpolation: Any = INTER_LINEAR, dtype: Any = np.float32,
    ipp: bool = True,
) -> list[tuple[int, AxisPlan]]:
    """The plans of a ``cv2.resize`` call, for ``pixelgrid.explain(..., like="opencv")``.

    ``shape`` is ``(height, width)``; the output is ``size`` (``(height, width)``,
    array order) or OpenCV's own ``dsize=(width, height)`` / ``fx``, ``fy``.
    ``interpolation`` is a flag or its name (``"INTER_CUBIC"``).  The plans are the
    ones :func:`resize` uses for ``dtype`` data (default float32, whose float32
    coefficient tables they hold exactly); uint8 plans also carry OpenCV's integer
    weights, and every plan's ``info["integer_model"]`` names the uint8 arithmetic.
    An output of the input's size is a copy (no plans).  ``ipp`` as in
    :func:`resize` (uint8 ``INTER_CUBIC``: IPP's plans, one channel).

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in like_plans((4, 4), (2, 8), interpolation="INTER_CUBIC")]
    [(1, 8), (0, 2)]

    """
    if len(shape) != 2:
        raise ValueError(f"cv2.resize resizes 2-D images; got spatial shape {shape}")
    interp = _interp_flag(interpolation)
    h, w = int(shape[0]), int(shape[1])
    if size is not None:
        if dsize is not None:
            raise ValueError(f"give size={size!r} (height, width) or dsize={dsize!r} "
                             "(width, height), not both")
        if not isinstance(size, (tuple, list)) or len(size) != 2:
            raise TypeError(f"size={size!r} must be a (height, width) pair of ints")
        dsize = (size[1], size[0])
    dw, dh, inv_x, inv_y = opencv_output_size(w, h, dsize, fx, fy)
    dt = np.dtype(dtype)
    if dt.name not in INTERPOLATIONS[interp].dtypes:
        raise TypeError(f"dtype={dt} is not supported by cv2.resize with interpolation="
                        f"{INTERPOLATIONS[interp].name}; supported: "
                        f"{list(INTERPOLATIONS[interp].dtypes)}")
    if interp == INTER_LINEAR_EXACT and dt.kind == "f":
        interp = INTER_LINEAR  # as resize: float data takes the generic path
    if (dw, dh) == (w, h):
        return []
    path, used, plans = _route(w, h, dw, dh, inv_x, inv_y, interp, dt, 1, bool(ipp))
    for _, p in plans:
        model = INTERPOLATIONS[used].uint8
        if model == "copy":
            continue  # nearest: no arithmetic
        p.info["integer_model"] = f"uint8: {model}" + (
            "; integer factors: block sums (the weights are their float model)"
            if path == "area_fast" else "")
        if used != interp:
            p.info["quirk"] = (f"{INTERPOLATIONS[interp].name} with an exact 2x downscale "
                               f"runs {INTERPOLATIONS[used].name}")
    return plans
