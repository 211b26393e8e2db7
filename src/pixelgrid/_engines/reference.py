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

__all__ = ["apply_plans", "apply_wide_two_pass"]


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
    if integer:
        info = np.iinfo(dtype)
        work = np.clip(np.rint(work), info.min, info.max)
    return np.ascontiguousarray(work.astype(dtype))


# --- Two-pass fixed point with an unshifted intermediate --------------------------------
#
# OpenCV's 8-bit model (exact first-pass sums, one rounding) lives in ``wide_fixed.py``
# with the other library models (``models.py``); ``apply_wide_two_pass`` is re-exported
# here for the callers that import it from the reference engine.
