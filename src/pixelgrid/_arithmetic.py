"""The arithmetic model: how a library computes, declared as data beside the plans.

Two libraries with the same grid, kernel, antialias and boundary still disagree
because of arithmetic: the precision of the sample positions and weights, what
is kept between two passes, how sums are formed and how results are stored.
:class:`Arithmetic` names those choices; each compat module *declares* its
library's record, the plan builder (:func:`pixelgrid.plan`) honours the
position and weight fields, and the engines honour the rest.  Every rule is
implemented once: positions in :func:`sample_positions`, weight rounding in
:func:`round_weights`, stores in :func:`store`.

Fields
------
coordinates
    ``"exact"``: positions are exact rationals (pixelgrid's default).
    ``"float32"``: ``x = f32(f32(s * f32(o + c)) + d)``, two roundings, as
    PyTorch's ``area_pixel_compute_source_index`` and TensorFlow's scalers do
    with ``s = f32(step)``.  ``"float32_fma"``: the same with one rounding
    (``f32(s * (o + c) + d)``, a fused multiply-add).  ``"float32_div"``:
    ``x = f32(f32(f32(o + c) / s) + d)`` with ``s = f32(1 / step)``, the output
    to input scale divided out (ONNX Runtime).
weights
    ``"float64"``: the kernel is evaluated and normalised in float64.
    ``"float32"``: distances, kernel values, their sum and the normalisation
    are rounded to float32 as a float32 library computes them.
normalize
    Whether weights are divided by their sum (``renormalize`` boundaries
    always renormalise).  Libraries that apply interpolation polynomials as
    they are (PyTorch's bilinear/bicubic) do not; in float64 the difference is
    nil, in float32 it is an ulp.
intermediate
    Integer data between two passes: ``"dtype"`` (rounded and clamped to the
    input dtype after every axis: Pillow, PyTorch) or ``"wide"`` (kept with
    extra fractional bits and unclamped, rounded once at the end: the
    correctly rounded result, pixelgrid's default for its own resize) or
    ``"unshifted"`` (the first pass's exact integer sums, neither shifted nor
    clamped; the second pass adds ``(w * (h >> t0)) >> t1`` with
    ``truncate = (t0, t1)`` and rounds once, by the remaining bits, half up:
    OpenCV's 8-bit resize, applied by ``_engines/wide_fixed.py``).
accumulate
    How float sums are formed: ``"float64"`` (one float64 sum, stored once),
    ``"taps"`` (every product and partial sum rounded to the working type,
    float32 or float64 for float64 data, taps in plan order:
    ``_engines/float32_taps.py``) or ``"block"`` (integer-factor box means:
    each block summed in the working type and scaled by ``f32(1/n)``, blocks
    cut by the edge ``f32(sum) / count``: ``_engines/box_sum.py``).
    ``"corner_sum"``: not separable; the ``2**k`` corners of a
    bilinear/trilinear cell added in memory order, each weighted by a float32
    product of the per-axis float32 weights (last axis first), integers
    truncated toward zero (ONNX Runtime's ``linear``).  ``"corner_sum_q10"``:
    the same with 10-bit weights ``floor(1024 w)`` for the right tap and
    ``1024 -`` that for the left, ``sum / 2**(10 k)`` toward zero (its 4-D
    channels-last 8-bit kernel).  Both: ``_engines/corner_sum.py``.
simd_lanes
    ``L > 0``: a pass sums the first ``L * floor(m / L)`` elements of an
    output row (``m`` its length with channels) as a vector loop of ``L``
    lanes does (nested ``x0*w0 + (x1*w1 + ...)``; ``"unshifted"`` integers in
    float32, rounded half even; ``"block"`` row by row), the rest as a scalar
    tail.  ``0``: no vector body.
store
    How a float result becomes an integer: ``"half_even"`` (``np.rint``),
    ``"half_away"``, ``"half_up"`` (``floor(v + 0.5)``) or ``"truncate"``
    (toward zero); always saturating to the dtype's range.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import check_choice

__all__ = [
    "ACCUMULATIONS",
    "BLOCK_DIVIDES",
    "BLOCK_SUMS",
    "COORDINATES",
    "EXACT",
    "INTERMEDIATES",
    "STORES",
    "WEIGHTS",
    "Arithmetic",
    "BlockMean",
    "as_arithmetic",
    "fma_float32",
    "round_weights",
    "sample_positions",
    "store",
]

COORDINATES = ("exact", "float32", "float32_fma", "float32_div")
WEIGHTS = ("float64", "float32")
INTERMEDIATES = ("dtype", "wide", "unshifted")
ACCUMULATIONS = ("float64", "taps", "block")
STORES = ("half_even", "half_away", "half_up", "truncate")


@dataclass(frozen=True)
class Arithmetic:
    """How positions, weights, intermediates and stores are computed (see the module doc).

    Examples
    --------
    >>> Arithmetic(coordinates="float32", weights="float32").describe()
    'positions float32 (two roundings); weights float32, normalised'
    >>> EXACT.describe("uint8")  # doctest: +NORMALIZE_WHITESPACE
    'positions exact; weights float64, normalised; intermediate rounded to the dtype per axis;
     store half even'
    """

    coordinates: str = "exact"
    weights: str = "float64"
    normalize: bool = True
    intermediate: str = "dtype"
    store: str = "half_even"
    accumulate: str = "float64"
    simd_lanes: int = 0
    truncate: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        check_choice("coordinates", self.coordinates, COORDINATES)
        check_choice("weights", self.weights, WEIGHTS)
        check_choice("intermediate", self.intermediate, INTERMEDIATES)
        check_choice("store", self.store, STORES)
        if not isinstance(self.normalize, bool):
            raise TypeError(f"normalize={self.normalize!r} must be True or False")
        check_choice("accumulate", self.accumulate, ACCUMULATIONS)
        if isinstance(self.simd_lanes, bool) or not isinstance(self.simd_lanes, int) \
                or self.simd_lanes < 0:
            raise ValueError(f"simd_lanes={self.simd_lanes!r} must be an int >= 0")
        if not (isinstance(self.truncate, tuple) and len(self.truncate) == 2
                and all(isinstance(v, int) and v >= 0 for v in self.truncate)):
            raise ValueError(f"truncate={self.truncate!r} must be a pair of ints >= 0")

    @property
    def ordered(self) -> bool:
        """True when sums follow a library's order (``accumulate``/``"unshifted"``).

        Such plans are applied by the model engines (``_engines/float32_taps.py``,
        ``wide_fixed.py``, ``box_sum.py``), not by the float64 or compiled engines.
        """
        return self.accumulate != "float64" or self.intermediate == "unshifted"

    @property
    def float32_positions(self) -> bool:
        """True when sample positions are computed in float32."""
        return self.coordinates != "exact"

    def describe(self, dtype: Any = None) -> str:
        """One line for :func:`pixelgrid.explain`; integer fields only for integer ``dtype``."""
        pos = {"exact": "exact", "float32": "float32 (two roundings)",
               "float32_fma": "float32 (fused multiply-add)",
               "float32_div": "float32 (divided by the scale)"}[self.coordinates]
        parts = [f"positions {pos}",
                 f"weights {self.weights}, " + ("normalised" if self.normalize
                                                 else "applied as given")]
        if self.accumulate != "float64":
            parts.append({"corner_sum": "corners of the cell summed in memory order with "
                                        "float32 weight products, truncated",
                          "corner_sum_q10": "corners summed with 10-bit integer weights, "
                                            "truncated",
                          "taps": "sums tap by tap in float32 (float64 data: float64)",
                          "block": "block sums in float32 (float64 data: float64) "
                                   "times f32(1/n)"}[self.accumulate]
                         + (f", {self.simd_lanes}-lane vector order" if self.simd_lanes
                            else ""))
        if dtype is not None and np.dtype(dtype).kind in "iu":
            parts.append("intermediate " + {
                "wide": "wide, rounded once", "dtype": "rounded to the dtype per axis",
                "unshifted": "exact integer sums, rounded once"
                + (f" (second pass truncates >>{self.truncate[0]}, >>{self.truncate[1]})"
                   if any(self.truncate) else "")}[self.intermediate])
            parts.append("store " + self.store.replace("_", " "))
        return "; ".join(parts)

    def replace(self, **changes: Any) -> Arithmetic:
        """A copy with some fields changed (validated)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Arithmetic(**values)


#: pixelgrid's own model: exact positions, float64 weights.
EXACT = Arithmetic()

#: How :class:`BlockMean` adds a block: ``"exact"`` (integers exactly, floats in
#: float64 pixel by pixel) or ``"pairs"`` (see :class:`BlockMean`).
BLOCK_SUMS = ("exact", "pairs")
#: How :class:`BlockMean` divides a block sum by its pixel count ``n``.
BLOCK_DIVIDES = ("float64", "reciprocal24")


@dataclass(frozen=True)
class BlockMean:
    """How a library's integer-factor reduce (block means) computes, declared as data.

    The blocks themselves are two box plans (one per axis); this record says
    how a block's pixels are added, divided by their count ``n`` and stored.
    The engine applying it is :func:`pixelgrid._engines.block_mean.apply_block_mean`.

    sums
        ``"exact"``: integer data summed exactly, float data in float64 pixel
        by pixel in row-major order.  ``"pairs"``: a full block is added two
        rows at a time, each step adding up to four pixels *in the input
        dtype* (int32 wraps around, float32 rounds) before the float64 total;
        partial (edge) blocks are added pixel by pixel in float64 (Pillow's
        ``ImagingReduceNxN_32bpc`` and ``ImagingReduceCorners_32bpc``).
    divide
        ``"float64"``: ``total * (1.0 / n)``.  ``"reciprocal24"``:
        ``((total + n // 2) * m) >> 24`` with the 32-bit
        ``m = int(f32(2**32) / f32(256 n))`` (Pillow's 8-bit reduce; ``m`` is
        rounded down, so an exact mean ``k`` can come out as ``k - 1``).
    store
        Rounding of integer results (:data:`STORES`); float results are cast.

    Examples
    --------
    >>> BlockMean("pairs", "float64", "half_away").describe()
    'block sums pairs in the dtype, float64 total; divide total * (1/n); store half away'
    """

    sums: str = "exact"
    divide: str = "float64"
    store: str = "half_even"

    def __post_init__(self) -> None:
        check_choice("sums", self.sums, BLOCK_SUMS)
        check_choice("divide", self.divide, BLOCK_DIVIDES)
        check_choice("store", self.store, STORES)

    def describe(self) -> str:
        """One line for :func:`pixelgrid.explain`."""
        sums = {"exact": "exact", "pairs": "pairs in the dtype, float64 total"}[self.sums]
        div = {"float64": "total * (1/n)",
               "reciprocal24": "((total + n//2) * u32(2**32 / (256 n))) >> 24"}[self.divide]
        return f"block sums {sums}; divide {div}; store {self.store.replace('_', ' ')}"


def as_arithmetic(value: str | Arithmetic) -> Arithmetic:
    """An :class:`Arithmetic` from a record or a ``coordinates`` name (the older spelling)."""
    if isinstance(value, Arithmetic):
        return value
    if isinstance(value, str):
        check_choice("arithmetic", value, COORDINATES)
        return Arithmetic(coordinates=value)
    raise TypeError(
        f"arithmetic={value!r} must be an Arithmetic record or one of {list(COORDINATES)}")


def sample_positions(step: float, c: float, d: float, n: int,
                     coordinates: str) -> NDArray[np.float64]:
    """Sample positions of ``n`` outputs as a float32 library computes them.

    ``step`` is the input pixels per output pixel as the library holds it (the
    exact float32 value for ``float32``/``float32_fma``; for ``float32_div`` the
    divisor is ``f32(1 / step)``), ``c`` and ``d`` the grid offsets in
    ``x = step * (o + c) + d``.  The result is float32-valued (held in float64).

    Examples
    --------
    >>> sample_positions(0.5, 0.5, -0.5, 3, "float32").tolist()
    [-0.25, 0.25, 0.75]
    """
    t = (np.arange(n, dtype=np.float64) + c).astype(np.float32)
    if coordinates == "float32_div":
        s = np.float32(1.0 / step)
        return (t / s + np.float32(d)).astype(np.float64)
    s64 = float(np.float32(step))
    if coordinates == "float32_fma":
        # s * t is exact in float64 (24-bit x 24-bit mantissas): one rounding to float32
        return (s64 * t.astype(np.float64) + d).astype(np.float32).astype(np.float64)
    if coordinates == "float32":
        return ((np.float32(s64) * t) + np.float32(d)).astype(np.float64)
    raise ValueError(f"coordinates={coordinates!r} has no float32 positions")


def fma_float32(a: NDArray[Any], b: NDArray[Any], c: NDArray[Any]) -> NDArray[np.float32]:
    """``f32(a * b + c)`` rounded once (a float32 fused multiply-add) for float32 inputs.

    ``a * b`` is exact in float64; the float64 sum ``s`` can differ from the
    exact one only by its rounding error ``e`` (TwoSum), which decides the
    float32 rounding where ``s`` lies exactly halfway between two float32s.

    Examples
    --------
    >>> f = np.float32
    >>> a, b, c = f(2**-24 * (1 + 2**-23)), f(1 - 2**-23), f(1 + 2**-23)
    >>> float(fma_float32(np.array([a]), np.array([b]), np.array([c]))[0])  # not 1 + 2**-22
    1.0000001192092896
    """
    p = np.asarray(a, np.float32).astype(np.float64) * np.asarray(b, np.float32)
    c64 = np.asarray(c, np.float32).astype(np.float64)
    s = p + c64
    bb = s - p
    e = (p - (s - bb)) + (c64 - bb)  # s + e == p + c exactly
    r = s.astype(np.float32)
    r64 = r.astype(np.float64)
    towards = np.nextafter(r, np.where(s > r64, np.inf, -np.inf).astype(np.float32))
    tie = (s != r64) & (2 * s == r64 + towards.astype(np.float64)) & (e != 0)
    fix = tie & ((e > 0) == (towards > r))  # the exact value lies beyond the midpoint
    out: NDArray[np.float32] = np.where(fix, towards, r).astype(np.float32)
    return out


def round_weights(w: NDArray[np.float64], weights: str) -> NDArray[np.float64]:
    """Weights rounded to the model's precision (held in float64)."""
    if weights == "float32":
        return w.astype(np.float32).astype(np.float64)
    return w


def store(v: NDArray[Any], dtype: np.dtype[Any], rule: str) -> NDArray[Any]:
    """Round float results to an integer ``dtype`` by ``rule`` and saturate.

    Examples
    --------
    >>> store(np.array([0.5, 1.5, -0.5, 300.0]), np.dtype(np.uint8), "half_away").tolist()
    [1, 2, 0, 255]
    >>> store(np.array([0.5, 1.5, 2.7]), np.dtype(np.int16), "half_even").tolist()
    [0, 2, 3]
    """
    check_choice("store", rule, STORES)
    if rule == "half_even":
        r = np.rint(v)
    elif rule == "half_away":
        r = np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))
    elif rule == "half_up":
        r = np.floor(v + 0.5)
    else:
        r = np.trunc(v)
    info = np.iinfo(dtype)
    out: NDArray[Any] = np.clip(r, info.min, info.max).astype(dtype)
    return out
