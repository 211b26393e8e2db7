"""The corner-sum model: non-separable bilinear/trilinear sums (the numpy oracle).

Selected by ``Arithmetic(accumulate="corner_sum")`` or ``"corner_sum_q10"`` on
the plans.  Each plan holds one axis of the interpolation cell: two taps per
output, left then right, and their weights (``weights="float32_lerp"`` plans
keep both taps, 1/2 each where they coincide at the last pixel).  For ``k``
axes an output sample is

    y = sum over the 2**k corners, in memory order (last axis fastest), of
        f32(f32(w_last * w_prev) * ...) * x[corner]

every product and partial sum rounded to float32 and the weight product
formed from the last axis outwards, as ONNX Runtime's ``UpsampleBilinear`` and
``UpsampleTrilinear`` write it (``dx2 * dy2 * X11 + dx1 * dy2 * X21 + ...``).
Float results are the float32 sum; integer results truncate it toward zero
(a C++ cast) and saturate.  Under ``"corner_sum_q10"`` the weights are 10-bit
integers (``floor(1024 * w)`` for the right tap, ``1024 -`` that for the left,
512 each where the taps coincide) and the integer sum is divided by
``2**(10 k)`` toward zero (ONNX Runtime's channels-last 8-bit kernel).

An output whose position falls outside a crop box on any axis (``plan.fill``
set there) is the plan's ``fill_value``, cast to the dtype (truncated).
float64 data (which ONNX Runtime does not resize) is summed the same way in
float64, from the same float32 weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import store
from .._plan_types import AxisPlan

__all__ = ["apply"]


def _taps(p: AxisPlan) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The (out, 2) left/right taps and weights of one cell axis."""
    if p.taps == 2:
        return p.index, p.weight
    if p.taps == 1:  # a one-tap row: the right tap weighs nothing
        idx = np.concatenate([p.index, p.index], axis=1)
        return idx, np.concatenate([p.weight, np.zeros_like(p.weight)], axis=1)
    raise ValueError(f"the corner-sum model needs plans of 1 or 2 taps, got {p.taps}")


def apply(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply the cell axes ``plans`` (one ``(axis, plan)`` each) with the corner-sum model.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> from pixelgrid._arithmetic import Arithmetic
    >>> a = Arithmetic("float32_div", "float32_lerp", normalize=False,
    ...                accumulate="corner_sum", store="truncate")
    >>> p = pixelgrid.plan(2, 4, kernel="linear", boundary="clamp", arithmetic=a)
    >>> q = pixelgrid.plan(1, 1, kernel="linear", boundary="clamp", arithmetic=a)
    >>> apply(np.array([[0, 255]], np.uint8), [(1, p), (0, q)]).tolist()
    [[0, 63, 191, 255]]

    """
    if not plans:
        return np.array(x, copy=True)
    rule = plans[0][1].arithmetic.accumulate
    if rule not in ("corner_sum", "corner_sum_q10"):
        raise ValueError(f"accumulate={rule!r} is not a corner-sum model")
    cell = sorted(plans, key=lambda ap: ap[0])  # memory order: the last axis varies fastest
    q10 = rule == "corner_sum_q10"
    work = np.float64 if x.dtype == np.float64 else np.float32
    rank = x.ndim
    taps = []
    outside = np.zeros((), dtype=bool)
    for axis, p in cell:
        idx, w = _taps(p)
        shape = [1] * rank
        shape[axis] = p.out_size
        if q10:
            right = np.floor(w[:, 1].astype(np.float32) * np.float32(1024)).astype(np.int64)
            wi = np.stack([1024 - right, right], axis=1)
            wi[idx[:, 0] == idx[:, 1]] = 512
            ws: tuple[Any, Any] = (wi[:, 0].reshape(shape), wi[:, 1].reshape(shape))
        else:
            w32 = w.astype(np.float32).astype(work)
            ws = (w32[:, 0].reshape(shape), w32[:, 1].reshape(shape))
        taps.append((axis, (idx[:, 0], idx[:, 1]), ws))
        if np.any(p.fill):
            outside = outside | (p.fill > 0).reshape(shape)
    data = x.astype(np.int64 if q10 else work)
    acc: NDArray[Any] | None = None
    for corner in itertools.product((0, 1), repeat=len(taps)):
        g = data
        coef: NDArray[Any] | None = None
        for (axis, idx, ws), c in zip(reversed(taps), reversed(corner), strict=True):
            g = np.take(g, idx[c], axis=axis)
            coef = ws[c] if coef is None else coef * ws[c]  # from the last axis outwards
        assert coef is not None
        term = coef * g
        acc = term if acc is None else acc + term
    assert acc is not None
    fill = plans[0][1].fill_value
    if x.dtype.kind in "iu":
        if q10:  # C++ integer division truncates toward zero
            y: NDArray[Any] = np.sign(acc) * (np.abs(acc) >> (10 * len(taps)))
        else:
            y = np.trunc(acc).astype(np.float64)
        if np.any(outside):
            y = np.where(outside, np.trunc(fill), y)
        return np.ascontiguousarray(store(np.asarray(y, dtype=np.float64), x.dtype, "truncate"))
    out = acc.astype(x.dtype)
    if np.any(outside):
        out = np.where(outside, np.asarray(fill, dtype=work).astype(x.dtype), out)
    return np.ascontiguousarray(out)
