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

``Arithmetic(fma="torch_corners")`` (two cell axes, float32): PyTorch's
channels-last bilinear kernel, the same corner weights ``w_hw = f32(h * w)``
added with fused multiply-adds as its compiler contracts them: element by
element ``fma(x11, w11, fma(x10, w10, fma(x00, w00, f32(x01 w01))))`` (the
scalar loop), and for the first ``L * floor(C / L)`` channels (``L`` the
plans' ``simd_lanes``, ``C`` the axis before the first cell axis)
``fma(x00, w00, fma(x01, w01, fma(x11, w11, f32(x10 w10))))`` (ATen's vector
``interpolate``), corners named by their (height, width) taps.  The channel
axis is the one before the cell axes when they end the array (``N, C, H, W``),
else the one after them (``N, H, W, C``, the same tensor in memory order).

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

from .._arithmetic import fma_float32, store
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


def _torch_corners(corners: list[tuple[Any, Any]], first_axis: int, lanes: int,
                   work: Any) -> NDArray[Any]:
    """PyTorch's channels-last bilinear sums (``fma="torch_corners"``, module docstring)."""
    ndim = corners[0][1].ndim
    channel = first_axis - 1 if first_axis + 2 == ndim else first_axis + 2
    if len(corners) != 4 or work is not np.float32 or not 0 <= channel < ndim:
        raise ValueError("fma='torch_corners' is modelled for two float32 cell axes next "
                         "to a channel axis")
    (w00, x00), (w01, x01), (w10, x10), (w11, x11) = (
        (np.broadcast_to(w, g.shape), g) for w, g in corners)
    tail = fma_float32(x11, w11, fma_float32(x10, w10, fma_float32(x00, w00, x01 * w01)))
    channels = x00.shape[channel]
    vector = channels - channels % lanes if lanes else 0
    if vector:
        head = [slice(None)] * ndim
        head[channel] = slice(0, vector)
        h = tuple(head)
        tail[h] = fma_float32(x00[h], w00[h], fma_float32(
            x01[h], w01[h], fma_float32(x11[h], w11[h], x10[h] * w10[h])))
    return tail


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
    corners: list[tuple[Any, Any]] = []  # (coefficient, gathered data), in memory order
    for corner in itertools.product((0, 1), repeat=len(taps)):
        g = data
        coef: NDArray[Any] | None = None
        for (axis, idx, ws), c in zip(reversed(taps), reversed(corner), strict=True):
            g = np.take(g, idx[c], axis=axis)
            coef = ws[c] if coef is None else coef * ws[c]  # from the last axis outwards
        assert coef is not None
        corners.append((coef, g))
    acc: NDArray[Any]
    if plans[0][1].arithmetic.fma == "torch_corners":
        acc = _torch_corners(corners, cell[0][0], plans[0][1].arithmetic.simd_lanes, work)
    else:
        acc = corners[0][0] * corners[0][1]
        for coef, g in corners[1:]:
            acc = acc + coef * g
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
