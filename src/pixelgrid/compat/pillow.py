"""Pillow's ``Image.resize``, reproduced on the pixelgrid model (Pillow 13.0.0).

This module reproduces Pillow 13.0.0 (``PIL.Image.Image.resize`` and the
``Image.reduce`` of its ``reducing_gap``) bit for bit in modes L, LA, RGB,
RGBA, I and F (``tests/test_compat_pillow.py``, ``docs/compat_opencv_pillow.md``).
It only *declares* Pillow's model; the arithmetic is pixelgrid's:

* plans: :func:`pixelgrid.plan` with the box-shifted half-pixel grid,
  ``antialias``, boundary ``renormalize`` and the arithmetic records
  :data:`RESIZE_ARITHMETIC` (``window="float64_centre"``: Pillow's double
  centres, windows, distances and sums) and :data:`NEAREST_ARITHMETIC`
  (``coordinates="float64_accumulate"``), shared rules of ``_arithmetic``;
* kernels: the core kernels (:mod:`pixelgrid._kernels`) in their Pillow
  variants where Pillow's floating-point form differs (:data:`FILTERS`);
* 8-bit weights: :func:`pixelgrid._plan.fixed_point` with 22 bits, Pillow's
  half-away rounding and no sum fix-up, applied by the engine (the native one
  when built) with a clamp after every pass;
* I and F: the plans' :class:`~pixelgrid.Arithmetic` (:data:`RESIZE_ARITHMETIC_32BIT`)
  says "double sums, stored in the dtype after every axis, I rounded half away
  from zero" (``accumulate="float64_per_axis"``);
* ``Image.reduce``: two box plans declaring a :class:`~pixelgrid._arithmetic.BlockMean`
  record per mode (:data:`REDUCE_MODELS`, ``Arithmetic(block_mean=...)``);
* RGBA/LA: premultiplied with Pillow's ``MULDIV255`` rounding
  (:func:`pixelgrid._arithmetic.premultiply_alpha`; run by the engine through
  :func:`pixelgrid._arithmetic.apply_alpha`).

Every plan goes through ``pixelgrid._arrays.run_plans``, which hands it to the
engine for the model its arithmetic record declares.

Pillow facts this module encodes (checked against Pillow in the tests):

* Geometry: ``box = (x0, y0, x1, y1)`` in float32 (default the whole image);
  output ``o`` is centred at ``x0 + (o + 0.5) * s`` with ``s = f32(x1 - x0) / out``
  (Pillow's pixel ``j`` spans ``[j, j + 1]``): the half-pixel grid, shifted by
  the box.  The kernel is stretched by ``max(s, 1)`` (always antialiased).
* Taps ``xmin = trunc(c - support + 0.5)`` to ``trunc(c + support + 0.5)``
  clipped to the image, weights ``k((j - c + 0.5) / max(s, 1))`` divided by
  their sum: out-of-image taps are dropped and the rest renormalised
  (``boundary="renormalize"``).  These float decisions are reproduced as
  Pillow makes them (in double, ``window="float64_centre"``); pixelgrid's
  exact windows differ at ties (a BOX edge exactly on a pixel centre).
* 8-bit modes: weights ``round_half_away(w * 2**22)``, ``(acc + 2**21) >> 22``,
  clamped to 0..255 after each pass.  I: double accumulation, round half away
  from zero after each pass, no clamp.  F: double accumulation, stored as
  float32 after each pass.
* A box with integer ``x0``, ``y0`` whose size equals the output size is a
  plain crop (Pillow 13's ``_resize``): no filtering, whatever the filter.
* A 0x0 (or 0xN) image resizes to a black image of the requested size.
* ``resample=None`` is Pillow's default, BICUBIC.
* Pass order: an axis is filtered only if its size changes or the box does
  not start at 0 or end at the output size; Pillow 13 runs the vertical pass
  first when ``out_h < in_h`` and ``in_h - out_h > 2 * (in_w - out_w)``.
* ``RGBA`` and ``LA`` are resampled premultiplied (``RGBa``/``La``), except
  with NEAREST.
* NEAREST: ``floor(x)`` with ``x = x0 + s/2``, then ``x += s``, in double (the
  shared position rule ``coordinates="float64_accumulate"``).
* ``reducing_gap``: ``factor = int((x1 - x0) / out / gap) or 1`` per axis; if
  either is > 1 the image is first reduced (``Image.reduce``: block means,
  edge blocks by their own pixel count; 8-bit ``((sum + n//2) * u32(2**32 /
  (256 n))) >> 24``; I and F add full blocks by pairs of pixels in the dtype,
  so mode I wraps around int32 on large values -- Pillow's own overflow,
  reproduced) over a box grown by the filter support, and the box is mapped
  into it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import Arithmetic, BlockMean, apply_alpha
from .._arrays import KeptPlans, is_dask, run_plans
from .._grid import Affine
from .._kernels import (
    Kernel,
    box,
    cubic,
    hamming,
    lanczos,
    linear,
    mks2013,
    mks2021,
    nearest,
)
from .._memo import remember
from .._plan import compose_plans, fixed_point, plan
from .._plan_types import AxisPlan

__all__ = [
    "BICUBIC",
    "BILINEAR",
    "BOX",
    "FILTERS",
    "HAMMING",
    "LANCZOS",
    "MKS2013",
    "MKS2021",
    "NEAREST",
    "NEAREST_ARITHMETIC",
    "REDUCE_MODELS",
    "RESIZE_ARITHMETIC",
    "RESIZE_ARITHMETIC_32BIT",
    "like_plans",
    "pillow_plan",
    "reduce",
    "resize",
]

NEAREST = 0
LANCZOS = 1
BILINEAR = 2
BICUBIC = 3
BOX = 4
HAMMING = 5
MKS2013 = 6
MKS2021 = 7

#: Pillow's ``PRECISION_BITS`` for 8-bit weights (``32 - 8 - 2``).
PRECISION_BITS = 22


@dataclass(frozen=True)
class Filter:
    """One Pillow filter: its name, support and the core kernel (Pillow's variant)."""

    name: str
    support: float
    kernel: Kernel


FILTERS: dict[int, Filter] = {
    NEAREST: Filter("NEAREST", 0.5, nearest("round_prefer_ceil")),
    BOX: Filter("BOX", 0.5, box()),
    BILINEAR: Filter("BILINEAR", 1.0, linear()),
    HAMMING: Filter("HAMMING", 1.0, hamming("pillow")),
    BICUBIC: Filter("BICUBIC", 2.0, cubic(-0.5, variant="pillow")),
    LANCZOS: Filter("LANCZOS", 3.0, lanczos(3, "pillow")),
    MKS2013: Filter("MKS2013", 2.5, mks2013()),
    MKS2021: Filter("MKS2021", 4.5, mks2021()),
}

#: ``Image.resize``'s arithmetic, on every plan: Pillow's double-precision centres,
#: windows, distances and tap-by-tap weight sums (``window="float64_centre"``); in
#: modes I and F double sums stored in the image's dtype after every axis, I rounded
#: half away from zero (``ROUND_UP``).  8-bit modes add the plan's 22-bit fixed point.
RESIZE_ARITHMETIC = Arithmetic(coordinates="exact", weights="float64", normalize=True,
                               intermediate="dtype", store="half_away",
                               window="float64_centre", zero_taps="window")
#: Modes I and F: :data:`RESIZE_ARITHMETIC` with double sums stored in the dtype after
#: every axis (``accumulate="float64_per_axis"``); 8-bit plans carry fixed point instead.
RESIZE_ARITHMETIC_32BIT = RESIZE_ARITHMETIC.replace(accumulate="float64_per_axis")

#: ``Image.resize`` with NEAREST: positions as a running double sum, floored in double.
NEAREST_ARITHMETIC = Arithmetic(coordinates="float64_accumulate")

#: ``Image.reduce`` per mode (``"8bit"`` for L, LA, RGB, RGBA).
REDUCE_MODELS: dict[str, BlockMean] = {
    "8bit": BlockMean(sums="exact", divide="reciprocal24", store="truncate"),
    "I": BlockMean(sums="pairs", divide="float64", store="half_away"),
    "F": BlockMean(sums="pairs", divide="float64"),
}

_MODES = {  # (ndim, channels or 0, dtype) -> Pillow mode
    (2, 0, "uint8"): "L",
    (3, 1, "uint8"): "L",
    (3, 2, "uint8"): "LA",
    (3, 3, "uint8"): "RGB",
    (3, 4, "uint8"): "RGBA",
    (2, 0, "int32"): "I",
    (2, 0, "float32"): "F",
}


# ----------------------------------------------------------------------------- plans


def pillow_plan(
    in_size: int, out_size: int, in0: float, in1: float, resample: int, *, eight_bit: bool
) -> AxisPlan:
    """One axis of Pillow's ``precompute_coeffs`` (and 8-bit weights), built by :func:`plan`.

    ``in0``, ``in1`` are the box edges along the axis (float32 in Pillow).  The
    core plan with Pillow's grid (the half-pixel grid shifted by the box, step
    ``s = f32(in1 - in0) / out`` in double), the filter's core kernel stretched
    by ``max(s, 1)``, boundary ``renormalize`` and :data:`RESIZE_ARITHMETIC`
    (:data:`RESIZE_ARITHMETIC_32BIT` for modes I and F, ``eight_bit=False``),
    whose ``window="float64_centre"`` is Pillow's double-precision centre,
    ``trunc(c -+ support + 0.5)`` window, distances and tap-by-tap sums.  8-bit
    weights: :func:`pixelgrid._plan.fixed_point` with 22 bits, half away from
    zero, no sum fix-up.

    Examples
    --------
    >>> p = pillow_plan(4, 2, 0.0, 4.0, BILINEAR, eight_bit=False)
    >>> p.weight.round(4).tolist()
    [[0.4286, 0.4286, 0.1429], [0.1429, 0.4286, 0.4286]]

    """
    f = FILTERS[resample]
    lo = float(np.float32(in0))
    scale = float(np.float32(np.float32(in1) - np.float32(lo))) / out_size
    grid = Affine(Fraction(scale), Fraction(1, 2), Fraction(lo) - Fraction(1, 2),
                  "half_pixel (box-shifted)")
    p = plan(in_size, out_size, kernel=f.kernel, grid=grid, antialias=True,
             boundary="renormalize",
             arithmetic=RESIZE_ARITHMETIC if eight_bit else RESIZE_ARITHMETIC_32BIT,
             footprint=Fraction(max(scale, 1.0)))
    p = dataclasses.replace(p, info={**p.info, "library": "pillow", "filter": f.name,
                                     "scale": scale})
    return fixed_point(p, PRECISION_BITS, exact_sum=False) if eight_bit else p


def _nearest_plan(in_size: int, out_size: int, in0: float, in1: float) -> AxisPlan:
    """Pillow's NEAREST along one axis: ``floor(e)``, ``e = x0 + s/2``, then ``e += s``.

    The core plan with the running-sum position rule (``float64_accumulate``)
    that ``ImagingScaleAffine`` uses.
    """
    lo = float(np.float32(in0))
    s = float(np.float32(np.float32(in1) - np.float32(lo))) / out_size
    grid = Affine(Fraction(s), Fraction(1, 2), Fraction(lo) - Fraction(1, 2),
                  "half_pixel (box-shifted)")
    p = plan(in_size, out_size, kernel=FILTERS[NEAREST].kernel, grid=grid,
             boundary="clamp", arithmetic=NEAREST_ARITHMETIC)
    return dataclasses.replace(p, info={**p.info, "library": "pillow", "filter": "NEAREST"})


def _crop_plan(n: int, lo: int, size: int) -> AxisPlan:
    """Pixels ``lo .. lo + size - 1`` of an axis of ``n``: the crop Pillow 13 makes."""
    idx = lo + np.arange(size, dtype=np.int64)
    return AxisPlan(n, size, idx[:, None], np.ones((size, 1)), np.zeros(size), 0.0,
                    idx.astype(np.float64), None,
                    {"library": "pillow", "filter": "crop (integer box of the output size)"})


def _block_plan(n: int, factor: int, lo: int, hi: int) -> AxisPlan:
    """One axis of ``Image.reduce`` over ``[lo, hi)``: a box ``factor`` pixels wide.

    The core box kernel stretched by ``factor`` on the grid ``x = factor * o +
    (factor - 1) / 2`` covers pixels ``factor * o`` to ``factor * o + factor - 1``;
    ``renormalize`` drops the last block's pixels past the region.
    """
    grid = Affine(Fraction(factor), Fraction(0), Fraction(factor - 1, 2), "reduce blocks")
    p = plan(hi - lo, -(-(hi - lo) // factor), kernel="box", grid=grid, antialias=True)
    return dataclasses.replace(p, in_size=n, index=p.index + lo, coord=p.coord + lo,
                               info={**p.info, "library": "pillow", "filter": "reduce"})


def _reduce(x: NDArray[Any], fx: int, fy: int, bx: tuple[int, int, int, int],
            mode: str) -> NDArray[Any]:
    """``Image.reduce((fx, fy), box)``: Pillow's block means (:data:`REDUCE_MODELS`)."""
    h, w = x.shape[:2]
    # A factor past the region is one block cut short, as the region + 1 is: the plans
    # stay the size of the image (Pillow takes reduce(2**31 - 1) in its stride).
    fx, fy = min(fx, bx[2] - bx[0] + 1), min(fy, bx[3] - bx[1] + 1)
    return run_plans(x, list(_reduce_plans(h, w, fx, fy, bx, mode)))


# The plans of recent reduce calls (never changed after they are made): making them is
# ~0.1 ms of a 1.5-2.5 ms RGB 2048^2 reduce(2) (measured), and the same objects let the
# engines keep what they derive from them.
@functools.lru_cache(maxsize=256, typed=True)
def _reduce_plans(h: int, w: int, fx: int, fy: int, bx: tuple[int, int, int, int],
                  mode: str) -> tuple[tuple[int, AxisPlan], ...]:
    model = REDUCE_MODELS.get(mode, REDUCE_MODELS["8bit"])
    return tuple((ax, dataclasses.replace(p, arithmetic=p.arithmetic.replace(block_mean=model)))
                 for ax, p in ((0, _block_plan(h, fy, bx[1], bx[3])),
                               (1, _block_plan(w, fx, bx[0], bx[2]))))


def _safe_box(size: tuple[int, int], resample: int, bx: tuple[float, ...], w: int,
              h: int) -> tuple[int, int, int, int]:
    support = FILTERS[resample].support - 0.5
    sx = (bx[2] - bx[0]) / size[0]
    sy = (bx[3] - bx[1]) / size[1]
    return (max(0, int(bx[0] - support * sx)), max(0, int(bx[1] - support * sy)),
            min(w, math.ceil(bx[2] + support * sx)), min(h, math.ceil(bx[3] + support * sy)))


# ----------------------------------------------------------------------------- resize


def _check_size(size: Any) -> tuple[int, int]:
    if isinstance(size, np.ndarray) and size.ndim == 1:  # Pillow takes tuple(size)
        size = tuple(size.tolist())
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size={size!r} must be a (width, height) pair of ints")
    for v in size:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"size={size!r} must hold ints (width, height)")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"size={size!r}: height and width must be > 0")
    return int(size[0]), int(size[1])


def _check_box(bx: Any, w: int, h: int) -> tuple[float, float, float, float]:
    if bx is None:
        return (0.0, 0.0, float(w), float(h))
    if not isinstance(bx, (tuple, list)) or len(bx) != 4:  # Pillow's words, after "box="
        raise TypeError(f"box={bx!r} must be sequence of length 4 (x0, y0, x1, y1) or None")
    vals = []
    for v in bx:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise TypeError(f"box={bx!r} must hold finite real numbers")
        vals.append(float(v))
    x0, y0, x1, y1 = vals
    if x0 < 0 or y0 < 0:
        raise ValueError(f"box={bx!r}: box offset can't be negative")
    if x1 > w or y1 > h:
        raise ValueError(f"box={bx!r}: box can't exceed original image size ({w}, {h})")
    if x1 - x0 < 0 or y1 - y0 < 0:
        raise ValueError(f"box={bx!r}: box can't be empty")
    return x0, y0, x1, y1


def resize(
    image: Any,
    size: Any,
    resample: int | None = None,
    box: Any = None,
    reducing_gap: float | None = None,
) -> Any:
    """Reproduce ``PIL.Image.Image.resize`` (Pillow 13) without Pillow.

    ``image`` is a numpy array in one of Pillow's modes -- ``L`` (uint8
    ``(H, W)``), ``LA``/``RGB``/``RGBA`` (uint8 ``(H, W, 2|3|4)``), ``I``
    (int32 ``(H, W)``), ``F`` (float32 ``(H, W)``) -- or a PIL image of those
    modes (returned as a PIL image).  ``size`` is ``(width, height)``;
    ``resample=None`` is Pillow's default, BICUBIC.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0, 100, 200, 100]], dtype=np.uint8)
    >>> resize(x, (2, 1), BILINEAR).tolist()
    [[71, 143]]
    >>> resize(np.array([[0, 1, 2, 3, 4]], np.uint8), (2, 1), NEAREST).tolist()
    [[1, 3]]

    """
    key = _call_key(image, size, resample, box, reducing_gap)
    kept = None if key is None else _direct_calls.get(key)
    if kept is not None:  # checked before; no crop, alpha or reduce: the plans alone
        return kept(image)
    x, mode, pil_image = _as_image(image)
    if resample is None:
        resample = BICUBIC
    if isinstance(resample, bool) or resample not in FILTERS:
        raise ValueError(
            f"resample={resample!r} is not a Pillow filter; expected one of "
            f"{ {f.name: k for k, f in FILTERS.items()} }"
        )
    resample = int(resample)
    if reducing_gap is not None:
        if isinstance(reducing_gap, bool) or not isinstance(reducing_gap, numbers.Real):
            raise TypeError(f"reducing_gap={reducing_gap!r} must be None or a number")
        if not reducing_gap >= 1.0:
            raise ValueError(f"reducing_gap={reducing_gap!r} must be 1.0 or greater")
    out_w, out_h = _check_size(size)
    h, w = x.shape[:2]
    bx = _check_box(box, w, h)
    if key is not None:
        direct = _direct_passes(x, mode, (out_w, out_h), resample, bx, reducing_gap)
        if direct is not None:
            remember(_direct_calls, key, KeptPlans(direct), 256)
    return _output(_resize(x, mode, (out_w, out_h), resample, bx, reducing_gap), mode,
                   pil_image)


# The plans of recent resize calls on numpy arrays that are one run of plans (no crop,
# premultiplied alpha, reduce, squeeze or copy), by the call's exact argument values and
# types and the array's shape and dtype: the argument checks were ~8 us of a ~15 us
# RGB 256^2 -> 128^2 NEAREST call.  (KeptPlans: with the compiled route of each array
# layout they ran on.)
_direct_calls: dict[tuple[Any, ...], KeptPlans] = {}
_KEY_SCALARS = frozenset((int, float, bool, type(None)))


def _call_key(image: Any, size: Any, resample: Any, box: Any,
              reducing_gap: Any) -> tuple[Any, ...] | None:
    """The memo key of a resize call, or None (not a numpy array, unusual argument types)."""
    if type(image) is not np.ndarray or type(size) not in (tuple, list) or len(size) != 2 \
            or type(size[0]) is not int or type(size[1]) is not int:
        return None
    if box is None:
        bk: Any = None
    elif type(box) in (tuple, list) and all(type(v) in _KEY_SCALARS for v in box):
        bk = (type(box), tuple((type(v), v) for v in box))
    else:
        return None
    if isinstance(resample, int) and not isinstance(resample, bool):
        rk: Any = int(resample)  # an int or an Image.Resampling member: the same filter
    elif resample is None:
        rk = None
    else:
        return None
    if type(reducing_gap) not in _KEY_SCALARS:
        return None
    return (image.shape, image.dtype, type(size), tuple(size), rk, bk, type(reducing_gap),
            reducing_gap)


def _direct_passes(x: NDArray[Any], mode: str, size: tuple[int, int], resample: int,
                   bx: tuple[float, float, float, float], reducing_gap: float | None
                   ) -> tuple[tuple[int, AxisPlan], ...] | None:
    """The plans when :func:`_resize` is one ``run_plans`` call on ``x`` itself, else None.

    The branches of :func:`_resize` and :func:`_resample` that do anything else (a copy,
    an empty image, premultiplied alpha, ``reduce``, a crop, the far-edge zeros) give
    None; :func:`resize` then keeps taking the full path for the call.
    """
    h, w = x.shape[:2]
    if (x.ndim == 3 and x.shape[2] == 1) or x.size == 0:
        return None
    if size == (w, h) and bx == (0.0, 0.0, float(w), float(h)):
        return None
    if mode in ("RGBA", "LA") and resample != NEAREST:
        return None
    if reducing_gap is not None and resample != NEAREST:
        return None
    if _integer_crop(size, bx) is not None:
        return None
    if resample == NEAREST and (float(np.float32(bx[0])) >= w or float(np.float32(bx[1])) >= h):
        return None
    return _cached_passes(h, w, size, resample, bx, mode not in ("I", "F"))


def reduce(image: Any, factor: Any, box: Any = None) -> Any:
    """Reproduce ``PIL.Image.Image.reduce`` (Pillow 13) without Pillow.

    ``image`` as for :func:`resize`; ``factor`` an int or ``(fx, fy)``; ``box``
    an optional ``(x0, y0, x1, y1)`` of ints.  Block means, the last block of
    an axis by its own pixel count, in Pillow's arithmetic
    (:data:`REDUCE_MODELS`): 8-bit modes divide with a 24-bit reciprocal,
    I and F add pairs of pixels in the dtype (mode I wraps around int32 on
    large values, as Pillow does).

    Examples
    --------
    >>> import numpy as np
    >>> reduce(np.array([[0, 2, 4, 6, 9]], dtype=np.uint8), (2, 1)).tolist()
    [[1, 5, 9]]

    """
    x, mode, pil_image = _as_image(image)
    pair = tuple(factor) if isinstance(factor, (list, tuple)) else (factor, factor)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral)
                             for v in pair):
        raise TypeError(f"factor={factor!r} must be an int or a pair of ints")
    fx, fy = int(pair[0]), int(pair[1])
    if fx < 1 or fy < 1:
        raise ValueError(f"factor={factor!r}: scale must be > 0")
    h, w = x.shape[:2]
    if box is None:
        box = (0, 0, w, h)
    if not isinstance(box, (tuple, list)) or len(box) != 4 or any(
            isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in box):
        raise TypeError(f"box={box!r} must be None or a 4-tuple of ints (x0, y0, x1, y1)")
    x0, y0, x1, y1 = (int(v) for v in box)
    if x0 < 0 or y0 < 0:
        raise ValueError(f"box={box!r}: box offset can't be negative")
    if x1 > w or y1 > h:
        raise ValueError(f"box={box!r}: box can't exceed original image size ({w}, {h})")
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box={box!r}: box can't be empty")
    squeeze = x.ndim == 3 and x.shape[2] == 1
    xs = x[:, :, 0] if squeeze else x
    if (fx, fy) == (1, 1):
        y = np.ascontiguousarray(xs[y0:y1, x0:x1])
    elif mode in ("RGBA", "LA"):
        y = apply_alpha(_reduce(apply_alpha(xs, "premultiply"), fx, fy, (x0, y0, x1, y1), mode),
                        "unpremultiply", overwrite=True)
    else:
        y = _reduce(xs, fx, fy, (x0, y0, x1, y1), mode)
    return _output(y[:, :, None] if squeeze else y, mode, pil_image)


def _as_image(image: Any) -> tuple[NDArray[Any], str, Any]:
    """``(array, Pillow mode, the PIL image or None)`` from an array or a PIL image."""
    pil_image = None
    if not isinstance(image, np.ndarray) and not is_dask(image):  # Dask: lazy (run_plans)
        try:
            from PIL import Image
        except ImportError:  # pragma: no cover - Pillow is optional
            Image = None  # type: ignore[assignment]
        if Image is None or not isinstance(image, Image.Image):
            raise TypeError(
                f"image must be a numpy array or a PIL image, got {type(image).__name__}"
            )
        pil_image = image
        if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
            raise TypeError(f"image mode {image.mode!r} is not supported; expected one of "
                            "['F', 'I', 'L', 'LA', 'RGB', 'RGBA']")
        image = np.asarray(image)
    x = image
    key = (x.ndim, x.shape[2] if x.ndim == 3 else 0, x.dtype.name)
    if key not in _MODES:
        raise TypeError(
            f"image with shape {x.shape} and dtype {x.dtype} is not a Pillow mode; expected "
            "uint8 (H, W) 'L', uint8 (H, W, 2|3|4) 'LA'/'RGB'/'RGBA', int32 (H, W) 'I' "
            "or float32 (H, W) 'F'"
        )
    return x, _MODES[key], pil_image


def _output(y: NDArray[Any], mode: str, pil_image: Any) -> Any:
    """``y`` as a PIL image of ``pil_image``'s mode when the input was one."""
    if pil_image is None:
        return y
    from PIL import Image

    return Image.fromarray(y, mode=pil_image.mode) if mode in ("I", "F") else \
        Image.fromarray(y)


def _resize(x: NDArray[Any], mode: str, size: tuple[int, int], resample: int,
            bx: tuple[float, float, float, float], reducing_gap: float | None) -> NDArray[Any]:
    h, w = x.shape[:2]
    squeeze = x.ndim == 3 and x.shape[2] == 1
    if squeeze:
        x = x[:, :, 0]
    if size == (w, h) and bx == (0.0, 0.0, float(w), float(h)):
        y = x.copy()
    elif x.size == 0:  # Pillow: an empty image resizes to black
        y = np.zeros((size[1], size[0], *x.shape[2:]), dtype=x.dtype)
    elif mode in ("RGBA", "LA") and resample != NEAREST:
        y = apply_alpha(_resample(apply_alpha(x, "premultiply"), mode, size, resample, bx,
                                  reducing_gap), "unpremultiply", overwrite=True)
    else:
        y = _resample(x, mode, size, resample, bx, reducing_gap)
    return y[:, :, None] if squeeze else y


def _resample(x: NDArray[Any], mode: str, size: tuple[int, int], resample: int,
              bx: tuple[float, float, float, float], reducing_gap: float | None
              ) -> NDArray[Any]:
    xsize, ysize = size
    if reducing_gap is not None and resample != NEAREST:
        fx = int((bx[2] - bx[0]) / xsize / reducing_gap) or 1
        fy = int((bx[3] - bx[1]) / ysize / reducing_gap) or 1
        if fx > 1 or fy > 1:
            rb = _safe_box(size, resample, bx, x.shape[1], x.shape[0])
            x = _reduce(x, fx, fy, rb, mode)
            bx = ((bx[0] - rb[0]) / fx, (bx[1] - rb[1]) / fy,
                  (bx[2] - rb[0]) / fx, (bx[3] - rb[1]) / fy)
    crop = _integer_crop(size, bx)
    if crop is not None:  # Pillow 13's _resize: a plain crop, no filtering
        x0, y0, x1, y1 = crop
        return np.ascontiguousarray(x[y0:y1, x0:x1])
    h, w = x.shape[:2]
    if resample == NEAREST and (float(np.float32(bx[0])) >= w or float(np.float32(bx[1])) >= h):
        # an empty box on the far edge samples outside the image: Pillow's affine
        # transform leaves those pixels 0
        return np.zeros((size[1], size[0], *x.shape[2:]), dtype=x.dtype)
    # 8-bit: the plans' 22-bit fixed point, clamped per pass; I and F: double sums in
    # tap order, stored in the dtype after each pass (RESIZE_ARITHMETIC_32BIT)
    return run_plans(x, list(_cached_passes(h, w, size, resample, bx, mode not in ("I", "F"))))


def _integer_crop(size: tuple[int, int], bx: tuple[float, float, float, float]
                  ) -> tuple[int, int, int, int] | None:
    """The crop Pillow 13 makes instead of resampling, or None.

    ``_imaging.c``'s ``_resize`` crops when ``x0`` and ``y0`` (as C floats) are
    integers and ``x1 - x0``, ``y1 - y0`` (float subtractions) equal the output size.
    """
    b = [float(np.float32(v)) for v in bx]
    if (b[0] == math.trunc(b[0]) and b[1] == math.trunc(b[1])
            and float(np.float32(b[2] - b[0])) == size[0]
            and float(np.float32(b[3] - b[1])) == size[1]):
        return (int(b[0]), int(b[1]), int(b[2]), int(b[3]))
    return None


# The passes of recent resize calls (plans are never changed after they are made): two
# NEAREST plans cost ~45 us of a 0.2 ms RGB 2048^2 -> 512^2 call (plan-cache keys,
# Fractions; measured), as much as the copy.  Typed: 1 and 1.0 are different keys.
@functools.lru_cache(maxsize=256, typed=True)
def _cached_passes(h: int, w: int, size: tuple[int, int], resample: int,
                   bx: tuple[float, float, float, float],
                   eight: bool) -> tuple[tuple[int, AxisPlan], ...]:
    return tuple(_passes(h, w, size, resample, bx, eight))


def _passes(h: int, w: int, size: tuple[int, int], resample: int,
            bx: tuple[float, float, float, float], eight: bool) -> list[tuple[int, AxisPlan]]:
    """Pillow's passes (after any ``reduce``), in its order: ``(axis, plan)`` pairs."""
    xsize, ysize = size
    b32 = [float(np.float32(v)) for v in bx]  # the C layer reads the box as float
    if resample == NEAREST:
        return [(1, _nearest_plan(w, xsize, b32[0], b32[2])),
                (0, _nearest_plan(h, ysize, b32[1], b32[3]))]
    need_h = xsize != w or b32[0] != 0 or b32[2] != xsize
    need_v = ysize != h or b32[1] != 0 or b32[3] != ysize
    passes = []
    if need_h:
        passes.append((1, pillow_plan(w, xsize, b32[0], b32[2], resample, eight_bit=eight)))
    if need_v:
        passes.append((0, pillow_plan(h, ysize, b32[1], b32[3], resample, eight_bit=eight)))
    if ysize < h and (h - ysize) > 2 * (w - xsize):
        passes.reverse()  # Pillow 13: vertical first when it shrinks the most
    return passes


# ----------------------------------------------------------------------------- explain


def _filter_name(resample: Any) -> int:
    name = getattr(resample, "name", resample)  # Image.Resampling members
    if isinstance(name, str):
        key = name.strip().upper().removeprefix("IMAGE.").removeprefix("RESAMPLING.")
        for k, f in FILTERS.items():
            if f.name == key:
                return k
        if key == "ANTIALIAS":
            return LANCZOS
    elif not isinstance(name, bool) and isinstance(name, numbers.Integral) and name in FILTERS:
        return int(name)
    raise ValueError(f"resample={resample!r} is not a Pillow filter; expected one of "
                     f"{ {f.name: k for k, f in FILTERS.items()} }")


def like_plans(
    shape: tuple[int, ...], size: Any = None, *, resample: Any = BICUBIC, box: Any = None,
    reducing_gap: float | None = None,
) -> list[tuple[int, AxisPlan]]:
    """The float plans of ``Image.resize``, for ``pixelgrid.explain(..., like="pillow")``.

    ``shape`` and ``size`` are ``(height, width)`` in array order, like every
    ``like=`` function (Pillow's own ``size`` argument is ``(width, height)``).
    ``resample`` is a filter constant or its name (``"BILINEAR"``); ``box`` and
    ``reducing_gap`` are Pillow's.  The plans are the ones :func:`resize` applies
    to mode ``F`` and ``I`` images, in Pillow's pass order; with a
    ``reducing_gap`` that pre-shrinks, each axis is ``reduce`` followed by the
    filter, composed into one plan.  ``info["integer_model"]`` describes the
    8-bit arithmetic, which these float weights do not carry.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in like_plans((4, 6), (2, 3), resample="BILINEAR")]
    [(1, 3), (0, 2)]

    """
    if len(shape) != 2:
        raise ValueError(f"Image.resize resizes 2-D images; got spatial shape {shape}")
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size={size!r} must be a (height, width) pair of ints")
    out_w, out_h = _check_size((size[1], size[0]))
    r = _filter_name(resample)
    if reducing_gap is not None:
        if isinstance(reducing_gap, bool) or not isinstance(reducing_gap, numbers.Real):
            raise TypeError(f"reducing_gap={reducing_gap!r} must be None or a number")
        if not reducing_gap >= 1.0:
            raise ValueError(f"reducing_gap={reducing_gap!r} must be 1.0 or greater")
    h, w = int(shape[0]), int(shape[1])
    bx = _check_box(box, w, h)
    if (out_w, out_h) == (w, h) and bx == (0.0, 0.0, float(w), float(h)):
        return []
    reduce: dict[int, AxisPlan] = {}
    start = {1: 0, 0: 0}  # first input pixel of the reduced region, per axis
    factor = {1: 1, 0: 1}
    if reducing_gap is not None and r != NEAREST:
        fx = int((bx[2] - bx[0]) / out_w / reducing_gap) or 1
        fy = int((bx[3] - bx[1]) / out_h / reducing_gap) or 1
        if fx > 1 or fy > 1:
            rb = _safe_box((out_w, out_h), r, bx, w, h)
            reduce = {1: _block_plan(w, fx, rb[0], rb[2]), 0: _block_plan(h, fy, rb[1], rb[3])}
            start, factor = {1: rb[0], 0: rb[1]}, {1: fx, 0: fy}
            bx = ((bx[0] - rb[0]) / fx, (bx[1] - rb[1]) / fy,
                  (bx[2] - rb[0]) / fx, (bx[3] - rb[1]) / fy)
            h, w = reduce[0].out_size, reduce[1].out_size
    crop = _integer_crop((out_w, out_h), bx)
    if crop is not None:  # Pillow 13 crops instead: gathers, on the axes the crop changes
        plans = [(ax, _crop_plan(n, lo, m)) for ax, n, lo, m in
                 ((1, w, crop[0], out_w), (0, h, crop[1], out_h)) if (lo, m) != (0, n)]
    else:
        plans = _passes(h, w, (out_w, out_h), r, bx, False)
    if reduce:
        done = {ax for ax, _ in plans}
        note = "reducing_gap: Image.reduce block means first, composed with the filter"
        # reduced pixel k is centred at start + f * k + (f - 1) / 2 of the input
        plans = [(ax, compose_plans(p, reduce[ax],
                                    coord=start[ax] + factor[ax] * p.coord
                                    + (factor[ax] - 1) / 2,
                                    info={**p.info, "quirk": note})) for ax, p in plans]
        plans += [(ax, q) for ax, q in reduce.items() if ax not in done]
    if r != NEAREST and crop is None:
        for _, p in plans:
            p.info["integer_model"] = (
                "8-bit modes: weights round_half_away(w * 2**22), (acc + 2**21) >> 22, "
                "clamped to 0..255 after each pass (RGBA/LA premultiplied); mode I rounds "
                "half away from zero after each pass; mode F stores float32 after each pass")
    return plans
