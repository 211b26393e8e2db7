"""ONNX ``Resize`` (opset 19, every attribute), as onnxruntime computes it, on the pixelgrid model.

Reproduces onnxruntime 1.32.0 (CPU execution provider) and, with
``reference=True``, ``onnx.reference`` of onnx 1.23.2.  Neither is imported.

:func:`resize` takes the operator's inputs (``X``, ``roi``, ``scales``,
``sizes``) and attributes with ONNX's names and string values, and *declares*
onnxruntime's computation as plans: coordinate transform -> grid, ``mode`` ->
kernel, ``exclude_outside`` -> boundary, ``antialias`` -> kernel stretching,
and ORT's float32 arithmetic as an :class:`pixelgrid.Arithmetic` record on
each plan.  The rules are implemented once, outside this module (positions in
:func:`pixelgrid._arithmetic.sample_positions`, weights in :func:`pixelgrid.plan`,
sums by the model engines):

* **Positions** (:func:`_ort_affine`): ``float32_div`` (``half_pixel``,
  ``pytorch_half_pixel``, ``asymmetric``, ``tf_half_pixel_for_nn``: the
  float32 scale divided out), ``float32_ratio`` (``align_corners``),
  ``float32_crop`` (``tf_crop_and_resize``), ``float64_div``
  (``half_pixel_symmetric``: offset in float32, the rest in double).  Nearest
  ``round_prefer_*`` treat positions within 1e-6 of a half-integer as ties
  (``tie_tolerance``).
* **linear** (no antialias): ORT's kernels are not separable: each output sums
  the 4 (bilinear: 2-D, or H, W of 4-D) or 8 (trilinear: 3-D, D, H, W of 5-D)
  corners of its cell, each weighted by a float32 product of the per-axis
  float32 weights (``x - i`` and ``f32(1 - (x - i))`` at the position clamped to
  the input, ``weights="float32_lerp"``), in memory order; integers truncate
  the float32 sum (``127.5 -> 127``); 4-D channels-last 8-bit uses 10-bit
  integer weights, ``sum / 2**20``: ``accumulate="corner_sum"`` /
  ``"corner_sum_q10"`` (:mod:`pixelgrid._engines.corner_sum`).
* **cubic** (no antialias, 2-D / NCHW): Keys' polynomial in float32 as ORT's
  ``GetCubicCoeffs`` writes it (``weights="float32_keys"``), four clamped taps
  kept as they are, summed in float32 tap by tap, width first
  (``accumulate="taps"``).
* **antialias** (and 4-D channels-last cubic, which ORT runs on the same
  kernel): Pillow's window and filters in float32, outside taps folded into
  the edge taps, weights times the float32 reciprocal of their sum
  (``window="float32_pillow"``, ``weights="float32_pillow"``,
  ``reciprocal=True``: :func:`_ort_aa_plan`), last axis first.  float32 sums
  tap by tap in float32; other integers round half away from zero after each
  pass (``accumulate="taps_per_axis"``); 8-bit uses ORT's 22-bit weights
  (:func:`pixelgrid._plan.fixed_point`) and stores each pass through a
  ``[0, 255]`` table (``store="clip8_wrap"``): int8 results wrap
  (128..255 -> -128..-1) and negative ones become 0 -- ORT's bug, reproduced.

Measured against onnxruntime 1.32.0 (``tests/test_compat_onnx.py``): float32 is
bit-identical at 2000 <-> 5000 px for every mode, nearest_mode, transform and
antialias (was up to 8.2e-4), and on 2-D, 3-D, NCHW, NHWC and 5-D arrays; the
one exception is 2-D cubic with ``exclude_outside=1`` and both axes resized
(ORT divides each vertical product by the coefficient sum: one or two float32
ulps, 1.8e-7).  Integer results are bit-identical, nearest indices exact (also
84,000 randomized one-axis cases and 9,600 reference cases).

Where onnxruntime and the reference evaluator differ (measured in the tests):

* **Precision.**  ORT computes the output size ``floor(f32(in * scale))`` and the
  positions in float32; the reference in float64 (``floor(in * scale)``,
  ``(o + 0.5) / scale - 0.5``) and rounds integer results half to even.
* **Nearest ties.**  ORT's 1e-6 tie tolerance: 20 -> 6, ``half_pixel``,
  ``round_prefer_ceil``: position 14.499999, ORT reads pixel 15, the reference
  14.  The reference takes its one-hot coefficient from ``x - floor(x)`` but
  its 2-tap window from ``x + 1``, so just above an integer it reads the pixel
  below (35 -> 17, ``half_pixel_symmetric``: x = 1 + 2**-52, pixel 0).
* **Unchanged axes.**  When no axis changes length ORT returns a copy, even
  with a scale other than 1 (``[100, 200]``, scale 1.3: ``[100, 200]``; the
  reference gives ``[100, 165.38]``) or a crop box.  When another axis
  changes, ORT's antialiased kernels (and its 4-D channels-last ``cubic``)
  copy every axis of unchanged length, while its other kernels (``nearest``,
  ``linear``, NCHW ``cubic``) copy only the axes whose scale is exactly 1 and
  resample an unchanged length with scale 1.3 like the reference does.
* **Extrapolation.**  ``tf_crop_and_resize`` writes ``extrapolation_value``
  where ORT's float32 position falls outside ``[0, in - 1]`` (14 -> 4, box
  from 0.014450492 to 1: the last position is 13.00000095 in float32, so ORT
  extrapolates it).  ORT writes a channels-last antialiased output's
  extrapolation value as if the layout were NCHW (reproduced), and an
  integer ``extrapolation_value`` is cast like C++ on x86: ``-3.0`` reads 253
  in a uint8 image.
* **ORT's own bugs, reproduced.**  int8 antialias / channels-last cubic wrap
  (above); ``keep_aspect_ratio_policy`` other than ``stretch`` with a negative
  entry in ``axes`` returns the input unchanged (the reference raises); an
  antialias window wholly outside the input (a crop box reaching far out) is
  folded into memory past the row's weights and reads nothing: the sample is
  the extrapolation value.
* ``align_corners`` / ``tf_crop_and_resize`` with a fractional ``in * scale``:
  ORT uses the integer output length, the reference the fractional one.
* ``pytorch_half_pixel`` with one output sample: ORT reads coordinate 0, the
  reference -0.5 (cubic results differ).
* ``tf_half_pixel_for_nn``: accepted by ORT at every opset, rejected by the
  reference (``reference=True`` raises too).
* ORT refuses 8-bit ``cubic`` without antialias in NCHW; this module then
  rounds half to even like the reference.

With ``antialias=1`` the plans :func:`onnx_plans` returns (what ``explain``
shows) are the float plans :func:`resize` applies; integer data gets their
integer model (:func:`_ort_aa_for_dtype`).
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import EXACT, Arithmetic, sample_positions, store
from .._arrays import KeptPlans, check_array, is_dask, run_plans
from .._grid import Affine
from .._kernels import Kernel, cubic, linear, nearest
from .._memo import remember, same_plans
from .._plan import fixed_point, outside_valid, plan
from .._plan_types import AxisPlan

__all__ = [
    "COORDINATE_TRANSFORMATION_MODES",
    "MODES",
    "NEAREST_MODES",
    "affine_grid",
    "grid_sample",
    "like_plans",
    "onnx_plans",
    "resize",
]

MODES = ("nearest", "linear", "cubic")
COORDINATE_TRANSFORMATION_MODES = (
    "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
    "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize",
)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
KEEP_ASPECT_RATIO_POLICIES = ("stretch", "not_larger", "not_smaller")


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if isinstance(value, bytes):
        value = value.decode()
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not valid; expected one of {list(choices)}")
    return value


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral)
                                               and int(value) in (0, 1)):
        return bool(value)
    raise ValueError(f"{name}={value!r} is not valid; expected 0 or 1")


def _vector(name: str, value: Any, n: int, kind: type) -> list[Any]:
    arr = np.asarray(value).ravel()
    if arr.size != n:
        raise ValueError(
            f"{name} has {arr.size} entries; expected {n} (one per resized axis"
            f"{', starts then ends' if name == 'roi' else ''})"
        )
    if kind is int and arr.dtype.kind not in "iu":
        raise TypeError(f"{name}={value!r} must hold integers")
    if kind is float and (arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr))):
        raise ValueError(f"{name}={value!r} must hold finite numbers")
    return [kind(v) for v in arr.tolist()]


def _f32(v: Any) -> np.float32:
    return np.float32(v)


def _ort_affine(ctm: str, n_in: int, n_out: int, scale: float,
                roi: tuple[float, float]) -> tuple[Affine, str]:
    """The grid of one axis and the float32 position rule onnxruntime computes it with.

    ORT's ``get_original_coordinate`` in float32 (CPU EP, 1.32), declared as an
    :class:`~pixelgrid._grid.Affine` plus a coordinates rule of
    :class:`pixelgrid.Arithmetic` (the rules are implemented once, in
    :func:`pixelgrid._arithmetic.sample_positions`):

    * ``half_pixel``, ``pytorch_half_pixel``: ``(o + 0.5) / s - 0.5``,
      ``asymmetric``: ``o / s``, ``tf_half_pixel_for_nn``: ``(o + 0.5) / s``:
      ``float32_div`` (``s`` divided out, not multiplied by ``1/s``: the
      floor/ceil nearest modes, which see no tie tolerance, pin this down);
    * ``align_corners``: ``o * (in - 1) / (out - 1)``: ``float32_ratio``;
    * ``tf_crop_and_resize``: ``lo * (in - 1) + o * (hi - lo) * (in - 1) / (out - 1)``:
      ``float32_crop``; one output: ``0.5 * (lo + hi) * (in - 1)`` in double;
    * ``half_pixel_symmetric``: the offset ``in / 2 * (1 - out / (s * in))`` in
      float32, the rest in double (a double ``0.5``), rounded once: ``float64_div``;
    * a scale of exactly 1: ``o`` itself (ORT skips the transform).

    One output of ``align_corners``/``pytorch_half_pixel`` reads coordinate 0.
    Fitted on 84,000 randomized one-axis nearest cases (exact indices) and
    checked bit for bit at 2000 -> 5000 px in the tests.
    """
    half = Fraction(1, 2)
    if scale == 1.0:
        return Affine(Fraction(1), Fraction(0), Fraction(0), ctm), "float32_div"
    step = 1 / Fraction(float(_f32(scale)))
    if ctm in ("align_corners", "pytorch_half_pixel") and n_out == 1:
        return Affine(Fraction(0), Fraction(0), Fraction(0), ctm), "float32_ratio"
    if ctm == "align_corners":
        return Affine(Fraction(n_in - 1, n_out - 1), Fraction(0), Fraction(0), ctm), \
            "float32_ratio"
    if ctm == "asymmetric":
        return Affine(step, Fraction(0), Fraction(0), ctm), "float32_div"
    if ctm == "tf_half_pixel_for_nn":
        return Affine(step, half, Fraction(0), ctm), "float32_div"
    if ctm == "tf_crop_and_resize":
        lo, hi = _f32(roi[0]), _f32(roi[1])
        span = Fraction(n_in - 1)
        valid = (Fraction(0), span)
        if n_out == 1:  # the centre of the box, in double (0.5 is a double literal there)
            d = Fraction(float(_f32(0.5 * float(lo + hi) * float(n_in - 1))))
            return Affine(Fraction(0), Fraction(0), d, ctm, valid=valid), "float32_crop"
        box = Fraction(float(hi - lo))
        d = Fraction(float(lo * _f32(n_in - 1)))
        return Affine(box * span / (n_out - 1), Fraction(0), d, ctm, valid=valid), \
            "float32_crop"
    if ctm == "half_pixel_symmetric":
        s32, nin32 = _f32(scale), _f32(n_in)
        offset = (nin32 / np.float32(2)) * (np.float32(1) - _f32(n_out) / (s32 * nin32))
        return Affine(step, half, Fraction(float(offset)) - half, ctm), "float64_div"
    return Affine(step, half, -half, ctm), "float32_div"  # half_pixel, pytorch_half_pixel


def _ort_positions(ctm: str, n_in: int, n_out: int, scale: float,
                   roi: tuple[float, float]) -> NDArray[np.float64]:
    """ORT's float32 source position of every output (float32-valued, in float64)."""
    aff, rule = _ort_affine(ctm, n_in, n_out, scale, roi)
    step = aff.a if rule in ("float32_ratio", "float32_crop") else float(aff.a)
    return sample_positions(step, float(aff.c), float(aff.d), n_out, rule, in_size=n_in)


#: onnxruntime 1.32 treats a position within this distance of a half-integer as an
#: exact tie for ``round_prefer_floor`` / ``round_prefer_ceil`` (``5.5000005`` ->
#: 5 with prefer-floor, ``3.4999998`` -> 4 with prefer-ceil).  Measured: float32
#: positions 9.83e-7 from a half-integer are ties, 1.013e-6 are not; no float32
#: position near a half-integer lies in between, so 1e-6 reproduces it exactly.
#: ``floor`` and ``ceil`` use no tolerance (1,533 positions within 1e-6 of an
#: integer checked).
ORT_TIE_TOLERANCE = 1e-6


def _reference_affine(ctm: str, n_in: int, n_out: int, scale: float,
                      roi: tuple[float, float]) -> Affine:
    """The grid of ``onnx.reference``'s nearest, with its double operands exactly.

    Its positions (``coordinates="float64_padded"``): ``(o + 0.5) / s - 0.5``,
    ``o / s``, ``offset + (o + 0.5) / s - 0.5`` (``half_pixel_symmetric``, the
    offset in double), ``o * (in - 1) / (L - 1)`` with the fractional length
    ``L = s * in``; ``tf_crop_and_resize`` keeps the box as float32 scalars
    (``hi - lo`` and ``lo * (in - 1)`` float32 operations, the rest double).
    """
    s = Fraction(float(scale))
    half = Fraction(1, 2)
    length = float(scale) * n_in  # the reference uses the fractional output length
    if ctm == "align_corners":
        a = Fraction(n_in - 1) / (Fraction(length) - 1) if length != 1 else Fraction(0)
        return Affine(a, Fraction(0), Fraction(0), ctm)
    if ctm == "asymmetric":
        return Affine(1 / s, Fraction(0), Fraction(0), ctm)
    if ctm == "tf_crop_and_resize":
        lo32, hi32 = _f32(roi[0]), _f32(roi[1])
        span = float(hi32 - lo32)
        start = float(lo32 * _f32(n_in - 1))
        valid = (Fraction(0), Fraction(n_in - 1))
        if length == 1:  # the box's centre, f32(span * (in - 1)) / 2 in float32, + start
            d = Fraction(float(_f32(span * (n_in - 1)) / _f32(2)) + start)
            return Affine(Fraction(0), Fraction(0), d, ctm, valid=valid)
        return Affine(Fraction(span) * (n_in - 1) / (Fraction(length) - 1), Fraction(0),
                      Fraction(start), ctm, valid=valid)
    if ctm == "pytorch_half_pixel" and length == 1:
        return Affine(Fraction(0), Fraction(0), -half, ctm)
    if ctm == "half_pixel_symmetric":
        off = n_in / 2 * (1 - n_out / length)  # a double, as the reference computes it
        return Affine(1 / s, half, Fraction(off) - half, ctm)
    return Affine(1 / s, half, -half, ctm)  # half_pixel, pytorch_half_pixel


def _nearest_plan(ctm: str, n_in: int, n_out: int, scale: float, roi: tuple[float, float],
                  nearest_mode: str, fill_value: float, ref: bool) -> AxisPlan:
    if not ref:  # ORT: its float32 positions, its tie tolerance, clamped indices
        aff, rule = _ort_affine(ctm, n_in, n_out, scale, roi)
        return plan(n_in, n_out, kernel=nearest(nearest_mode), grid=aff, boundary="clamp",
                    fill_value=fill_value,
                    arithmetic=Arithmetic(rule, tie_tolerance=ORT_TIE_TOLERANCE))
    # onnx.reference: double positions, its 2-tap window on the padded line
    return plan(n_in, n_out, kernel=nearest(nearest_mode),
                grid=_reference_affine(ctm, n_in, n_out, scale, roi), boundary="clamp",
                fill_value=fill_value, arithmetic=Arithmetic("float64_padded"))


def _affine(ctm: str, n_in: int, n_out: int, scale: float, roi: tuple[float, float],
            ref: bool) -> Affine:
    s = Fraction(scale)
    a = 1 / s
    half = Fraction(1, 2)
    # Output length the transform uses: the reference's float64 scale * in, ORT's integer.
    length = Fraction(float(scale) * n_in) if ref else Fraction(n_out)
    if ctm == "align_corners":
        a = Fraction(n_in - 1) / (length - 1) if length != 1 else Fraction(0)
        return Affine(a, Fraction(0), Fraction(0), ctm)
    if ctm == "asymmetric":
        return Affine(a, Fraction(0), Fraction(0), ctm)
    if ctm == "tf_half_pixel_for_nn":
        return Affine(a, half, Fraction(0), ctm)
    if ctm == "tf_crop_and_resize":
        lo, hi = Fraction(roi[0]), Fraction(roi[1])
        span = Fraction(n_in - 1)
        if length != 1:
            return Affine((hi - lo) * span / (length - 1), Fraction(0), lo * span, ctm,
                          valid=(Fraction(0), span))
        return Affine(Fraction(0), Fraction(0), (lo + hi) * span / 2, ctm,
                      valid=(Fraction(0), span))
    if ctm == "pytorch_half_pixel" and (length == 1):
        return Affine(Fraction(0), Fraction(0), -half if ref else Fraction(0), ctm)
    if ctm == "half_pixel_symmetric":
        off = Fraction(n_in, 2) * (1 - Fraction(n_out) / (s * n_in))
        return Affine(a, half, off - half, ctm)
    return Affine(a, half, -half, ctm)


def _sizes_and_scales(
    shape: tuple[int, ...], axes: list[int], scales: Any, sizes: Any, policy: str, ref: bool
) -> tuple[list[int], list[float]]:
    if (scales is None) == (sizes is None):
        raise ValueError(
            f"give exactly one of scales and sizes (got scales={scales!r}, sizes={sizes!r})"
        )
    ins = [int(shape[a]) for a in axes]
    if scales is not None:
        if policy != "stretch":
            raise ValueError(
                f"keep_aspect_ratio_policy={policy!r} needs sizes, not scales"
            )
        sc = [float(_f32(v)) for v in _vector("scales", scales, len(axes), float)]
        for v in sc:
            if not v > 0:
                raise ValueError(f"scales={scales!r} must be > 0")
        if ref:
            outs = [int(np.floor(n * v)) for n, v in zip(ins, sc, strict=True)]
        else:
            outs = [int(np.floor(_f32(n) * _f32(v))) for n, v in zip(ins, sc, strict=True)]
    else:
        outs = _vector("sizes", sizes, len(axes), int)
        for v in outs:
            if v < 1:
                raise ValueError(f"sizes={sizes!r} must be >= 1")
        if ref:
            sc = [o / n for o, n in zip(outs, ins, strict=True)]
        else:
            sc = [float(_f32(o) / _f32(n)) for o, n in zip(outs, ins, strict=True)]
        if policy != "stretch":
            pick = min if policy == "not_larger" else max
            s = pick(sc)
            sc = [s] * len(axes)
            if ref:
                outs = [int(s * n + 0.5) for n in ins]
            else:
                outs = [int(_f32(s) * _f32(n) + _f32(0.5)) for n in ins]
    for n, o in zip(ins, outs, strict=True):
        if o < 1:
            raise ValueError(f"the output size of an axis of length {n} is {o}; it must be >= 1")
    return outs, sc


class _OrtRun(NamedTuple):
    """What onnxruntime's integer arithmetic needs beyond the plans."""

    antialias_kernel: bool  # ORT ran its separable antialias kernel
    scales: list[float]  # float32 scale of every axis (1 where not resized)
    use_fill: bool  # tf_crop_and_resize: positions outside the input read the fill
    fill: float
    ctm: str
    mode: str
    cubic_coeff_a: float
    exclude_outside: bool
    # n_in, n_out, scale, crop box of every axis the node resizes (planned or not)
    axis_args: dict[int, tuple[int, int, float, tuple[float, float]]]


def onnx_plans(
    shape: tuple[int, ...], roi: Any = None, scales: Any = None, sizes: Any = None, *,
    mode: str = "nearest", coordinate_transformation_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor", cubic_coeff_a: float = -0.75,
    exclude_outside: int = 0, extrapolation_value: float = 0.0, antialias: int = 0,
    keep_aspect_ratio_policy: str = "stretch", axes: Any = None, reference: bool = False,
) -> list[tuple[int, AxisPlan]]:
    """The ``(axis, plan)`` pairs (last axis first) that reproduce a ``Resize`` node.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in onnx_plans((1, 1, 4, 4), scales=[1, 1, 2, 0.5],
    ...                                            mode="linear")]
    [(3, 2), (2, 8)]

    """
    return _setup(shape, roi, scales, sizes, mode, coordinate_transformation_mode,
                  nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value,
                  antialias, keep_aspect_ratio_policy, axes, reference)[0]


# The plans of recent resize calls, keyed on their arguments (_call_key): planning two
# nearest axes (plan-cache keys, Fractions, the ORT position rule) was ~100 us per call
# (measured), 1x3x64^2 -> 96^2 nearest took 120 us.  Plans and _OrtRun records are
# never changed after they are made; errors are raised, not kept.
@functools.lru_cache(maxsize=256)
def _cached_setup(key: tuple[Any, ...]) -> tuple[list[tuple[int, AxisPlan]], _OrtRun]:
    return _setup(*(_unkey(k) for k in key))


# The plans of recent calls that are one run of plans (nearest, or nothing resized), by
# _call_key, as KeptPlans: a repeated call runs the compiled route of its array layout.
_kept_runs: dict[tuple[Any, ...], KeptPlans] = {}


# Scalars a call may be cached on (exact types); floats by their bits (-0.0 is a
# different fill from 0.0; a NaN finds its entry).
_KEY_LEAVES = frozenset((int, str, bool, type(None)))


def _leaf_key(v: Any) -> Any:
    if type(v) is float:
        return (float, v.hex())
    if type(v) in _KEY_LEAVES:
        return (type(v), v)
    raise TypeError


def _is_empty(v: Any) -> bool:
    """``np.asarray(v).size == 0`` (without the array for a flat list of numbers)."""
    if type(v) in (list, tuple) and v and all(type(e) in (int, float) for e in v):
        return False
    return bool(np.asarray(v).size == 0)


def _call_key(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``args`` as a hashable key with every element's type, or None (planned afresh).

    Vectors may be lists/tuples of Python scalars or small 1-D int/float arrays (kept
    with their dtype); anything else (nested, objects, numpy scalars) has no key.
    """
    key: list[Any] = []
    leaves = _KEY_LEAVES
    try:
        for v in args:
            t = type(v)
            if t in leaves:  # (the common leaves inline: this runs on every call)
                key.append((t, v))
            elif t is tuple or t is list:
                key.append((t, tuple([(type(e), e) if type(e) in leaves else _leaf_key(e)
                                      for e in v])))
            elif isinstance(v, (tuple, list)):
                key.append((type(v), tuple(_leaf_key(e) for e in v)))
            elif type(v) is np.ndarray:
                if v.ndim != 1 or v.dtype.kind not in "iuf" or v.size > 64:
                    return None
                key.append((np.ndarray, v.dtype.str, tuple(_leaf_key(e) for e in v.tolist())))
            else:
                key.append(_leaf_key(v))
    except TypeError:
        return None
    return tuple(key)


def _unkey(k: tuple[Any, ...]) -> Any:
    """The argument :func:`_call_key` made ``k`` from (an equal value of the same type)."""
    t = k[0]
    if t is float:
        return float.fromhex(k[1])
    if t is np.ndarray:
        return np.array([_unkey(e) for e in k[2]], dtype=np.dtype(k[1]))
    if t in (tuple, list):
        return t(_unkey(e) for e in k[1])
    return k[1]


def _setup(
    shape: tuple[int, ...], roi: Any, scales: Any, sizes: Any, mode: str,
    coordinate_transformation_mode: str, nearest_mode: str, cubic_coeff_a: float,
    exclude_outside: int, extrapolation_value: float, antialias: int,
    keep_aspect_ratio_policy: str, axes: Any, reference: bool,
) -> tuple[list[tuple[int, AxisPlan]], _OrtRun]:
    mode = _choice("mode", mode, MODES)
    ctm = _choice("coordinate_transformation_mode", coordinate_transformation_mode,
                  COORDINATE_TRANSFORMATION_MODES)
    nearest_mode = _choice("nearest_mode", nearest_mode, NEAREST_MODES)
    policy = _choice("keep_aspect_ratio_policy", keep_aspect_ratio_policy,
                     KEEP_ASPECT_RATIO_POLICIES)
    excl = _flag("exclude_outside", exclude_outside)
    aa = _flag("antialias", antialias)
    ref = bool(reference)
    if ref and ctm == "tf_half_pixel_for_nn":
        raise ValueError(
            "coordinate_transformation_mode='tf_half_pixel_for_nn' is not in Resize-19; "
            "onnx.reference rejects it (use reference=False to follow onnxruntime)"
        )
    if excl and mode == "linear" and not aa and not ref:
        raise ValueError(
            "exclude_outside=1 needs mode='cubic', or mode='linear' with antialias=1 "
            "(onnxruntime refuses it otherwise)"
        )
    if aa and mode == "nearest":
        raise ValueError("antialias=1 is only defined for mode='linear' and mode='cubic'")
    a_cubic = float(cubic_coeff_a)
    fill = float(extrapolation_value)
    if not (np.isfinite(a_cubic) and np.isfinite(fill)):
        raise ValueError("cubic_coeff_a and extrapolation_value must be finite")
    rank = len(shape)
    if axes is None:
        ax = list(range(rank))
    else:
        ax = []
        for a in np.asarray(axes).ravel().tolist():
            if not isinstance(a, int) or not -rank <= a < rank:
                raise ValueError(f"axes={axes!r}: axis {a!r} is out of range for rank {rank}")
            ax.append(a % rank)
        if len(set(ax)) != len(ax):
            raise ValueError(f"axes={axes!r} repeats an axis")
    outs, scs = _sizes_and_scales(shape, ax, scales, sizes, policy, ref)
    if (not ref and policy != "stretch" and axes is not None
            and min(np.asarray(axes).ravel().tolist()) < 0):
        # onnxruntime 1.32 returns the input unchanged when keep_aspect_ratio_policy
        # meets a negative axis (its own bug, reproduced; onnx.reference raises there).
        return [], _OrtRun(False, [1.0] * rank, False, fill, ctm, mode, a_cubic, excl, {})
    if ctm == "tf_crop_and_resize":
        if roi is None or np.asarray(roi).size == 0:
            raise ValueError("coordinate_transformation_mode='tf_crop_and_resize' needs roi")
        r = [float(_f32(v)) for v in _vector("roi", roi, 2 * len(ax), float)]
        rois = [(r[i], r[i + len(ax)]) for i in range(len(ax))]
    else:
        rois = [(0.0, 1.0)] * len(ax)
    kernel: Kernel = linear() if mode == "linear" else cubic(a_cubic)
    plans = []
    axis_args: dict[int, tuple[int, int, float, tuple[float, float]]] = {}
    # ORT returns a copy when no axis changes length, whatever the scales, transform
    # or crop box (scale 1.3 on a length-2 axis: identity).  Otherwise an axis of
    # unchanged length is copied by ORT's separable antialias kernel (used for every
    # antialiased resize, and for 4-D channels-last cubic, whose scales must then be
    # >= 1), and resampled with its scale by the others (nearest, linear, NCHW
    # cubic): (3, 5), scales (1.3, 2): rows 3 -> 3 resampled without antialias,
    # copied with it.  Measured on every transform x layout in test_compat_onnx.
    full = [1.0] * rank
    for i, a in enumerate(ax):
        full[a] = scs[i]
    nhwc_cubic = mode == "cubic" and rank == 4 and not (full[0] == 1.0 and full[1] == 1.0)
    ort_copy = (aa or nhwc_cubic
                or all(outs[i] == int(shape[a]) for i, a in enumerate(ax)))
    for i in sorted(range(len(ax)), key=lambda i: -ax[i]):  # last axis first, as ORT
        n_in, n_out, s = int(shape[ax[i]]), outs[i], scs[i]
        axis_args[ax[i]] = (n_in, n_out, s, rois[i])
        if n_out == n_in and ((not ref and (ort_copy or s == 1.0)) or (
                ref and abs(s - 1) < 1e-9
                and (ctm != "tf_crop_and_resize" or rois[i] == (0, 1)))):
            # The reference copies an axis when its scale is 1 and the crop box is
            # the whole axis.
            continue
        if mode == "nearest":
            p = _nearest_plan(ctm, n_in, n_out, s, rois[i], nearest_mode, fill, ref)
        elif not ref and (aa or nhwc_cubic):  # ORT's separable antialias kernel
            p = _ort_aa_plan(ctm, mode, a_cubic, excl, fill, n_in, n_out, s, rois[i])
        elif not ref:
            aff, rule = _ort_affine(ctm, n_in, n_out, s, rois[i])
            # Cubic: float32 Keys weights, summed tap by tap in float32 (x first); with
            # exclude_outside divided by their float32 sum.  The cell plans of ORT's
            # linear kernel are made in _ort_cell_plans (this plan is what explain()
            # shows where ORT refuses the layout).
            arith = Arithmetic(rule, "float32_keys", normalize=excl, accumulate="taps",
                               store="truncate")
            p = plan(n_in, n_out, kernel=kernel, grid=aff,
                     boundary="renormalize" if excl else "clamp", fill_value=fill,
                     arithmetic=arith)
        else:
            aff = _affine(ctm, n_in, n_out, s, rois[i], ref)
            # ONNX stretches by 1/scale whatever the coordinate transform.
            p = plan(n_in, n_out, kernel=kernel, grid=aff, antialias=aa,
                     boundary="renormalize" if excl else "clamp", fill_value=fill,
                     footprint=1 / Fraction(s) if aa else None)
        plans.append((ax[i], p))
    run = _OrtRun(not ref and (aa or nhwc_cubic), full,
                  ctm == "tf_crop_and_resize", fill, ctm, mode, a_cubic, excl, axis_args)
    if mode == "linear" and not ref and not aa and plans:
        cell = _ort_cell_plans(shape, run)
        if cell is not None:
            plans = cell
    return plans, run


def _ort_cell(shape: tuple[int, ...], scales: list[float]) -> tuple[int, ...] | None:
    """The axes ORT's linear kernel interpolates (None: a layout ORT refuses)."""
    rank = len(shape)
    if rank in (2, 3):
        return tuple(range(rank))
    if rank == 5 and scales[0] == 1.0 and scales[1] == 1.0:
        return (2, 3, 4)
    if rank == 4 and scales[0] == 1.0 and scales[1] == 1.0:
        return (2, 3)
    if rank == 4 and scales[0] == 1.0 and scales[3] == 1.0:
        return (1, 2)
    return None


def _ort_cell_plans(shape: tuple[int, ...],
                    run: _OrtRun) -> list[tuple[int, AxisPlan]] | None:
    """ORT's ``linear`` as data: one 2-tap float32 plan per axis of its cell.

    ORT interpolates every axis of the cell (2-D, or H, W of 4-D; 3-D, or D, H, W
    of 5-D), resized or not (an axis of scale 1 reads ``o`` itself, 1/2 and 1/2 at
    its last pixel), non-separably: the ``corner_sum`` model.  4-D channels-last
    8-bit input uses its 10-bit integer weights (``corner_sum_q10``): the caller
    swaps the accumulate rule for those dtypes (:func:`_cell_for_dtype`).
    """
    cell = _ort_cell(shape, run.scales)
    if cell is None:
        return None
    out = []
    for a in sorted(cell, reverse=True):
        n_in, n_out, s, roi = run.axis_args.get(a, (int(shape[a]), int(shape[a]), 1.0, (0, 1)))
        aff, rule = _ort_affine(run.ctm, n_in, n_out, s, roi)
        arith = Arithmetic(rule, "float32_lerp", normalize=False, accumulate="corner_sum",
                           store="truncate")
        out.append((a, plan(n_in, n_out, kernel="linear", grid=aff, boundary="clamp",
                            fill_value=run.fill, arithmetic=arith)))
    return out


def _cell_for_dtype(plans: list[tuple[int, AxisPlan]], dtype: np.dtype[Any],
                    rank: int) -> list[tuple[int, AxisPlan]]:
    """The corner-sum plans with 10-bit weights for ORT's 4-D channels-last 8-bit kernel."""
    if not (rank == 4 and dtype.itemsize == 1 and sorted(a for a, _ in plans) == [1, 2]):
        return plans
    return [(a, dataclasses.replace(p, arithmetic=p.arithmetic.replace(
        accumulate="corner_sum_q10"))) for a, p in plans]


#: ORT's antialias kernel (also its 4-D channels-last cubic) as a declared model: Pillow's
#: window and filters in float32, outside taps folded into the edge taps in float32
#: (unless ``exclude_outside``), weights times the float32 reciprocal of their sum
#: (``window="float32_pillow"``, ``weights="float32_pillow"``, ``reciprocal=True``;
#: implemented in :func:`pixelgrid.plan`), summed tap by tap in float32, last axis first.
_AA_FLOAT = Arithmetic(weights="float32_pillow", window="float32_pillow", reciprocal=True,
                       accumulate="taps", store="half_away")
#: ORT's 8-bit weights: the float32 weights times 2**22, rounded half away from zero
#: (``std::round``), no sum fix-up.
ORT_AA_BITS = 22


def _ort_aa_plan(ctm: str, mode: str, cubic_coeff_a: float, exclude_outside: bool,
                 fill: float, n_in: int, n_out: int, s: float,
                 roi: tuple[float, float]) -> AxisPlan:
    """The plan of onnxruntime's antialias kernel for one axis (float data).

    ORT's ``SetupUpsampleFilterAntiAlias`` builds Pillow's weight table in
    float32 at its float32 positions, stretched by ``1/scale`` when downscaling
    (with ``antialias=0`` too, for 4-D channels-last cubic); declared as
    :data:`_AA_FLOAT`.  ORT writes the extrapolation value over the result
    afterwards (:func:`_write_fill`), so the grid carries no crop box here.
    """
    aff, rule = _ort_affine(ctm, n_in, n_out, s, roi)
    kernel: Kernel = linear() if mode == "linear" else cubic(cubic_coeff_a)
    return plan(n_in, n_out, kernel=kernel, grid=dataclasses.replace(aff, valid=None),
                antialias=True, boundary="renormalize" if exclude_outside else "clamp",
                fill_value=fill, footprint=1 / Fraction(s),
                arithmetic=_AA_FLOAT.replace(coordinates=rule))


def _ort_aa_for_dtype(p: AxisPlan, dtype: np.dtype[Any]) -> AxisPlan:
    """ORT's antialias plan for integer data: its integer arithmetic, declared.

    8-bit: 22-bit weights, each pass rounded half up and stored through a
    ``[0, 255]`` table (``store="clip8_wrap"``: int8 wraps, ORT's bug); other
    integers: float32 sums rounded half away from zero after every pass
    (``accumulate="taps_per_axis"``).  Float data keeps the plan as it is.
    """
    if dtype.kind not in "iu":
        return p
    if dtype.itemsize == 1:
        return _ort_fixed(dataclasses.replace(p, arithmetic=p.arithmetic.replace(
            accumulate="float64_per_axis", store="clip8_wrap")))
    return dataclasses.replace(p, arithmetic=p.arithmetic.replace(accumulate="taps_per_axis"))


def _ort_fixed(p: AxisPlan) -> AxisPlan:
    """ORT's 22-bit antialias weights (round half away, no sum fix-up)."""
    return fixed_point(p, ORT_AA_BITS, exact_sum=False)


def _ort_integer_fill(value: Any, dtype: np.dtype[Any]) -> float:
    """``static_cast<T>(extrapolation_value)`` as onnxruntime's x86 build computes it.

    The float is truncated to a 32-bit integer (out of range: ``INT_MIN``) whose
    low bits are kept, so ``-3.0`` reads 253 in a uint8 image.
    """
    v = float(value)
    if not np.isfinite(v):
        return v  # refused by _setup with a clear message
    t = int(np.trunc(v))
    if not -2**31 <= t < 2**31:
        t = -2**31
    return float(np.array(t, dtype=np.int64).astype(dtype))


def resize(
    X: Any,
    roi: Any = None,
    scales: Any = None,
    sizes: Any = None,
    *,
    mode: str = "nearest",
    coordinate_transformation_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: int = 0,
    extrapolation_value: float = 0.0,
    antialias: int = 0,
    keep_aspect_ratio_policy: str = "stretch",
    axes: Any = None,
    reference: bool = False,
) -> NDArray[Any]:
    """Reproduce ONNX ``Resize`` (opset 19) as onnxruntime 1.32 computes it, without ONNX.

    ``roi``, ``scales``, ``sizes`` are the operator's optional inputs (``None``
    or empty for absent); the keyword arguments are its attributes, with the
    same names, string values and defaults.  ``scales``/``sizes``/``roi`` have
    one entry per axis in ``axes`` (default: every axis; ``roi`` holds starts
    then ends).  The result has ``X``'s dtype.  ``reference=True`` follows
    ``onnx.reference.ReferenceEvaluator`` instead (float64 positions and
    sizes, fractional output length, integers rounded half to even).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9, dtype=np.float32).reshape(3, 3)
    >>> resize(x, scales=[1.5, 1.5]).astype(int).tolist()  # half_pixel, round_prefer_floor
    [[0, 0, 1, 2], [0, 0, 1, 2], [3, 3, 4, 5], [6, 6, 7, 8]]
    >>> x = np.array([100.0, 200.0])
    >>> resize(x, scales=[1.3], mode="linear", coordinate_transformation_mode=
    ...        "half_pixel_symmetric", reference=True).round(4).tolist()
    [111.5385, 188.4615]
    >>> resize(x, scales=[1.3], mode="linear").tolist()  # ORT copies an unchanged axis
    [100.0, 200.0]

    """
    if not isinstance(X, (np.ndarray, list, tuple)) and hasattr(X, "__array__") \
            and not is_dask(X):  # Dask: lazy (run_plans)
        X = np.asarray(X)
    arr = check_array(X, "X")
    if scales is not None and _is_empty(scales):
        scales = None  # an empty input means "absent", as in ONNX
    if sizes is not None and _is_empty(sizes):
        sizes = None
    if arr.dtype.kind in "iu" and not reference:
        extrapolation_value = _ort_integer_fill(extrapolation_value, arr.dtype)
    args = (tuple(arr.shape), roi, scales, sizes, mode, coordinate_transformation_mode,
            nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value, antialias,
            keep_aspect_ratio_policy, axes, reference)
    key = _call_key(args)
    plans, run = _setup(*args) if key is None else _cached_setup(key)
    plans = list(plans)
    if mode == "nearest" or not plans:
        if key is None:
            return run_plans(arr, plans)
        kept = _kept_runs.get(key)  # (the plans with the routes of their array layouts)
        if kept is None:
            kept = remember(_kept_runs, key, KeptPlans(plans), 256)
        return kept(arr)
    if reference:  # onnx.reference: float64, integers rounded half to even
        if arr.dtype.kind not in "iu":
            return run_plans(arr, plans)
        return store(run_plans(arr.astype(np.float64), plans), arr.dtype, "half_even")
    if run.antialias_kernel:
        return _ort_separable_aa(arr, plans, run)
    if plans[0][1].arithmetic.accumulate == "corner_sum":  # ORT's linear
        return run_plans(arr, _derived(("cell", arr.dtype.itemsize == 1, arr.ndim), plans,
                                       lambda: _cell_for_dtype(plans, arr.dtype, arr.ndim)))
    if arr.dtype.kind not in "iu":  # NCHW cubic (and linear in a layout ORT refuses)
        return _write_fill(run_plans(arr, _derived(("nofill",), plans,
                                                   lambda: _without_fill(plans))),
                           run, arr.ndim, False)
    # Integer NCHW cubic: ORT refuses 8-bit (the reference's rounding is used there)
    # and casts (truncates) its float32 result for int32.
    y = run_plans(arr.astype(np.float64), plans)
    if arr.dtype.itemsize == 1:
        return store(y, arr.dtype, "half_even")
    return store(y.astype(np.float32).astype(np.float64), arr.dtype, "truncate")


def _without_fill(plans: list[tuple[int, AxisPlan]]) -> list[tuple[int, AxisPlan]]:
    """The plans with no fill weight: the fill is written over the outputs afterwards."""
    return [(a, dataclasses.replace(p, fill=np.zeros(p.out_size))) for a, p in plans]


def _write_fill(y: NDArray[Any], run: _OrtRun, rank: int, aa: bool) -> NDArray[Any]:
    """Write ORT's extrapolation value over every output outside the input.

    ORT decides it on its float32 source position, for every resized axis, also
    one of unchanged length that it copied: the valid range ``[0, n_in - 1]``
    tested by the plan layer's rule (:func:`pixelgrid._plan.outside_valid`) under
    the kernel's declared arithmetic (:data:`_AA_FLOAT` for the antialias kernel:
    its centre ``f32(x + 0.5)`` less 0.5).  ORT overwrites after every pass
    (not a per-axis weight), and writes as if the output were ``(N*C, [D,] H, W)``
    even for channels-last input, where it lands on other samples (reproduced).
    """
    if not run.use_fill:
        return y
    nhwc = aa and rank == 4 and run.scales[1] != 1.0
    view = y.reshape(-1, *y.shape[1:3]) if nhwc else y
    arith = _AA_FLOAT if aa else EXACT
    for a, (n_in, n_out, s, roi) in run.axis_args.items():
        if s == 1.0:  # ORT keeps x_out itself: never outside
            continue
        bad = outside_valid(_ort_positions(run.ctm, n_in, n_out, s, roi), (0, n_in - 1), arith)
        # a selection, not an assignment into a view: also lazy (a Dask result)
        where = np.zeros(view.ndim * (1,), dtype=bool).repeat(view.shape[a], axis=a)
        np.moveaxis(where, a, 0)[:] = np.reshape(bad, (-1,) + (1,) * (view.ndim - 1))
        view = np.where(where, np.asarray(run.fill).astype(y.dtype), view)
    return view.reshape(y.shape) if nhwc else view


def _ort_separable_aa(arr: NDArray[Any], plans: list[tuple[int, AxisPlan]],
                      run: _OrtRun) -> NDArray[Any]:
    """ORT's antialias kernel (also its 4-D channels-last cubic), last axis first.

    8-bit data: its 22-bit integer weights, each pass stored through a table
    that clamps to ``[0, 255]`` (``clip8_lookups``) and cast to the dtype: int8
    results of 128..255 wrap to -128..-1, negative ones become 0 (ORT's bug,
    reproduced).  Other data: float32 weights summed tap by tap in float32; int32
    rounds half away from zero after every pass (``round_up``), float32 is kept.
    """
    y = run_plans(arr, _derived(("aa", arr.dtype), plans, lambda: [
        (a, _ort_aa_for_dtype(p, arr.dtype)) for a, p in plans]))
    return _write_fill(y, run, arr.ndim, True)


# Plans derived from a call's (cached) plans, by what they are derived for and the
# plans' identities (the entry holds the plans, so their ids stay unique): a fresh copy
# per call defeated the engines' per-plan tables and per-call memos (a 1x64^2x3 uint8
# linear call rebuilt its 10-bit corner weights every time, ~half of it).
_DERIVED: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], list[tuple[int, AxisPlan]]]] = {}


def _derived(tag: tuple[Any, ...], plans: list[tuple[int, AxisPlan]],
             make: Any) -> list[tuple[int, AxisPlan]]:
    key = (tag, tuple((a, id(p)) for a, p in plans))
    hit = _DERIVED.get(key)
    if hit is not None and same_plans(hit[0], plans):
        return list(hit[1])
    out: list[tuple[int, AxisPlan]] = list(make())
    remember(_DERIVED, key, (tuple(p for _, p in plans), out), 256)
    return list(out)


def like_plans(shape: tuple[int, ...], size: Any = None, *, sizes: Any = None,
               scales: Any = None, roi: Any = None, **attributes: Any
               ) -> list[tuple[int, AxisPlan]]:
    """The plans of a ``Resize`` node, for ``pixelgrid.explain(..., like="onnx")``.

    ``size`` (or ONNX's ``sizes``) or ``scales`` give the output, one entry per
    axis of ``shape``; ``roi`` and the attributes (``mode``,
    ``coordinate_transformation_mode``, ``nearest_mode``, ``cubic_coeff_a``,
    ``exclude_outside``, ``extrapolation_value``, ``antialias``,
    ``keep_aspect_ratio_policy``, ``axes``, ``reference``) are those of
    :func:`onnx_plans`, whose plans this returns.  ``info["integer_model"]``
    says how onnxruntime stores integer results, which float plans do not carry.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in like_plans((4, 4), (8, 2), mode="linear")]
    [(1, 2), (0, 8)]

    """
    if size is not None:
        if sizes is not None:
            raise ValueError(f"give size={size!r} or sizes={sizes!r}, not both")
        sizes = [size] if isinstance(size, numbers.Integral) else list(size)
    plans = onnx_plans(tuple(shape), roi, scales, sizes, **attributes)
    if attributes.get("mode", "nearest") != "nearest":
        model = ("integers: rounded half to even (onnx.reference)"
                 if attributes.get("reference") else
                 "integers (onnxruntime): linear sums the 4/8 corners with float32 "
                 "products of the axis weights, truncated toward zero (channels-last "
                 "8-bit: 10-bit integer weights); antialiased (and channels-last cubic) "
                 "8-bit resizes use ORT's 22-bit weights (from float32 filter values), "
                 "each pass clamped to [0, 255] (int8 then wraps); int32: float32 sums "
                 "rounded half away per pass")
        for _, p in plans:
            p.info["integer_model"] = model
    return plans


# GridSample / AffineGrid are added below by their own module (import at the end).
from ._onnx_warp import affine_grid, grid_sample  # noqa: E402
