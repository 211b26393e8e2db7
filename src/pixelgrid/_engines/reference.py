"""The numpy reference engine: the test oracle for every fast engine.

Clarity over speed.  Float data is resampled in float64 and cast to the
output dtype once at the end.  Integer data with a :class:`FixedPoint` plan
follows the plan's fixed-point model exactly, rounding and clamping to the
input dtype after every axis.  Other integer data (int32, uint32) is
resampled in float64 and rounded half to even once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._plan_types import AxisPlan
from .wide_fixed import apply_wide_two_pass

__all__ = [
    "apply_plans",
    "apply_plans_stored_per_axis",
    "apply_wide_two_pass",
    "premultiply_alpha",
    "unpremultiply_alpha",
]


def _apply_float(x: NDArray[np.float64], axis: int, p: AxisPlan) -> NDArray[np.float64]:
    xm = np.moveaxis(x, axis, 0)
    shape = (p.out_size,) + (1,) * (xm.ndim - 1)
    y = p.fill.reshape(shape) * p.fill_value
    y = np.broadcast_to(y, (p.out_size, *xm.shape[1:])).copy()
    for t in range(p.taps):
        y += p.weight[:, t].reshape(shape) * xm[p.index[:, t]]
    return np.moveaxis(y, 0, axis)


def _apply_fixed(x: NDArray[Any], axis: int, p: AxisPlan) -> NDArray[Any]:
    fp = p.fixed
    assert fp is not None
    info = np.iinfo(x.dtype)
    xm = np.moveaxis(x, axis, 0).astype(object if info.bits > 32 else np.int64)
    shape = (p.out_size,) + (1,) * (xm.ndim - 1)
    acc = np.broadcast_to(
        fp.fill.reshape(shape) * round(p.fill_value), (p.out_size, *xm.shape[1:])
    ).astype(np.int64)
    for t in range(p.taps):
        acc = acc + fp.weights[:, t].reshape(shape) * xm[p.index[:, t]]
    y = np.clip((acc + fp.offset) >> fp.bits, int(info.min), int(info.max))
    return np.moveaxis(y.astype(x.dtype), 0, axis)


def apply_plans(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply ``(axis, plan)`` pairs in order and return a new array of ``x``'s dtype.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear")
    >>> apply_plans(np.array([0.0, 1.0]), [(0, p)]).tolist()
    [0.0, 0.25, 0.75, 1.0]

    """
    dtype = x.dtype
    out: NDArray[Any] = x
    if all(p.is_gather for _, p in plans):
        for axis, p in plans:
            out = np.take(out, p.index[:, 0], axis=axis)
        return np.ascontiguousarray(out)
    integer = np.issubdtype(dtype, np.integer)
    if integer and all(p.fixed is not None or p.is_gather for _, p in plans):
        for axis, p in plans:
            if p.is_gather:
                out = np.take(out, p.index[:, 0], axis=axis)
            else:
                out = _apply_fixed(out, axis, p)
        return np.ascontiguousarray(out)
    if dtype == np.bool_ or (integer and np.iinfo(dtype).bits > 32):
        raise TypeError(
            f"dtype {dtype} can only be resampled with nearest-neighbour plans; "
            "cast to float64 or use kernel='nearest'"
        )
    work = out.astype(np.float64)
    for axis, p in plans:
        work = _apply_float(work, axis, p)
    if integer:  # rounded once, half to even, and saturated
        from .._arithmetic import store

        return np.ascontiguousarray(store(work, dtype, "half_even"))
    return np.ascontiguousarray(work.astype(dtype))


# --- Two-pass fixed point with an unshifted intermediate --------------------------------
#
# OpenCV's 8-bit model (exact first-pass sums, one rounding) lives in ``wide_fixed.py``
# with the other library models (``models.py``); ``apply_wide_two_pass`` is re-exported
# here for the callers that import it from the reference engine.


# --- Float accumulation, stored in the dtype after every axis ----------------------------
#
# Pillow's 32-bit modes (I and F) accumulate every output sample in double, tap by tap,
# and store the sum in the image's dtype before the next pass: ``I`` rounds half away
# from zero (``ROUND_UP``), ``F`` casts to float32.  The plans declare it: their
# ``arithmetic.intermediate`` is ``"dtype"`` and ``arithmetic.store`` the rounding.


def apply_plans_stored_per_axis(x: NDArray[Any],
                                plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply plans in float64 (taps added in order), storing in ``x.dtype`` after each axis.

    Integer results are rounded by each plan's ``arithmetic.store`` rule and
    saturated (:func:`pixelgrid._arithmetic.store`); float results are cast.
    This is the model of plans whose ``arithmetic.intermediate`` is ``"dtype"``
    when no fixed-point weights apply (Pillow's ``I`` and ``F`` modes).

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear",
    ...                    arithmetic=pixelgrid.Arithmetic(store="half_away"))
    >>> apply_plans_stored_per_axis(np.array([0, 2], np.int32), [(0, p)]).tolist()
    [0, 1, 2, 2]

    """
    from .._arithmetic import store

    out: NDArray[Any] = x
    integer = np.issubdtype(x.dtype, np.integer)
    for axis, p in plans:
        if p.is_gather:
            out = np.take(out, p.index[:, 0], axis=axis)
            continue
        y = _apply_float(out.astype(np.float64), axis, p)
        out = store(y, x.dtype, p.arithmetic.store) if integer else y.astype(x.dtype)
    return np.ascontiguousarray(out)


# --- Premultiplied alpha -----------------------------------------------------------------
#
# Libraries that resample colour with alpha premultiplied (Pillow's RGBA -> RGBa) round
# twice: ``muldiv255`` is Pillow's ``MULDIV255(c, a) = ((t >> 8) + t) >> 8`` with
# ``t = c * a + 128``; back, ``c * 255 // a`` clipped to 255, with alpha 0 and 255 copied.


def premultiply_alpha(x: NDArray[np.uint8], rule: str = "muldiv255") -> NDArray[np.uint8]:
    """Multiply the colour channels of 8-bit ``(..., C)`` data by its last (alpha) channel.

    Examples
    --------
    >>> import numpy as np
    >>> premultiply_alpha(np.array([[201, 100]], np.uint8)).tolist()
    [[79, 100]]

    """
    if rule != "muldiv255":
        raise ValueError(f"rule={rule!r} is not valid; expected 'muldiv255'")
    out = np.empty_like(x)
    out[..., -1] = x[..., -1]
    a = x[..., -1].astype(np.uint16)
    for ch in range(x.shape[-1] - 1):  # one channel at a time: long inner loops
        # t = c * a + 128 <= 65153 and (t >> 8) + t <= 65407: uint16 holds every step
        t = x[..., ch] * a
        t += 128
        u = t >> 8
        u += t
        u >>= 8
        out[..., ch] = u
    return out


def unpremultiply_alpha(x: NDArray[np.uint8], rule: str = "muldiv255") -> NDArray[np.uint8]:
    """Undo :func:`premultiply_alpha`: ``min(c * 255 // a, 255)``; alpha 0 or 255 copies.

    Examples
    --------
    >>> import numpy as np
    >>> unpremultiply_alpha(np.array([[79, 100], [7, 0]], np.uint8)).tolist()
    [[201, 100], [7, 0]]

    """
    if rule != "muldiv255":
        raise ValueError(f"rule={rule!r} is not valid; expected 'muldiv255'")
    out = np.empty_like(x)
    out[..., -1] = x[..., -1]
    a = x[..., -1].astype(np.int32)
    keep = (a == 0) | (a == 255)
    div = np.where(a == 0, 1, a)
    for ch in range(x.shape[-1] - 1):
        c = x[..., ch].astype(np.int32)
        out[..., ch] = np.where(keep, c, np.minimum((c * 255) // div, 255))
    return out
