"""The block-mean model (:class:`pixelgrid.BlockMean`): integer-factor reduces.

A reduce by integer factors is two box plans (one per axis) whose rows are the
blocks: a block is the taps of a row with a non-zero weight.  The plans say
*which* pixels; the :class:`~pixelgrid._arithmetic.BlockMean` record says how
they are added, divided and stored.  This module implements those rules once,
vectorised over all blocks (the loops run over the taps of one block, not over
pixels), for numpy arrays of shape ``(H, W)`` or ``(H, W, C)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import BlockMean, store
from .._plan_types import AxisPlan

__all__ = ["apply_block_mean"]


def _blocks(p: AxisPlan) -> tuple[int, int, NDArray[np.int64]]:
    """``(first pixel, factor, pixel count of every block)`` of a box plan.

    Block ``o`` must read pixels ``lo + f * o`` onwards, contiguously: the
    blocks of an integer-factor reduce (the last one may be shorter).
    """
    nz = p.weight != 0
    count = nz.sum(axis=1).astype(np.int64)
    first = np.argmax(nz, axis=1)
    start = p.index[np.arange(p.out_size), first]
    f = _factor(p, count)
    lo = int(start[0]) if p.out_size else 0
    runs = np.where(nz, p.index - start[:, None], -1)
    want = np.where(nz, np.arange(p.taps)[None, :] - first[:, None], -1)
    if (not np.array_equal(runs, want) or not np.array_equal(start, lo + f * np.arange(p.out_size))
            or np.any(count > f)):
        raise ValueError("a block-mean plan must read contiguous blocks of its grid step")
    return lo, f, count


def _factor(p: AxisPlan, count: NDArray[np.int64]) -> int:
    """Pixels in a full block: the grid step of the plan (a short axis has no full block)."""
    aff = p.info.get("affine")
    if aff is not None and getattr(aff, "a", 0) >= 1:
        return int(aff.a)
    return int(count.max(initial=1))


def apply_block_mean(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
                     model: BlockMean) -> NDArray[Any]:
    """Block means of ``x`` over the blocks of two box plans, by ``model``'s rules.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        uint8, int32 or float32 (any integer or float dtype for ``sums="exact"``).
    plans : sequence of two ``(axis, plan)``
        Axis 0 and axis 1 box plans; row ``o`` of a plan is a block (the taps
        with a non-zero weight), ``f`` pixels from ``lo + f * o`` with ``f``
        the plan's grid step (the last block may be cut by the region's end).
    model : BlockMean
        How blocks are summed, divided and stored.

    Returns
    -------
    ndarray of ``x.dtype``, shape ``(plan0.out_size, plan1.out_size, ...)``

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> from pixelgrid._arithmetic import BlockMean
    >>> from pixelgrid._plan_types import AxisPlan
    >>> def blocks(n, f):  # blocks of f pixels, the last one shorter
    ...     out = -(-n // f)
    ...     idx = np.minimum(f * np.arange(out)[:, None] + np.arange(f), n - 1)
    ...     w = (f * np.arange(out)[:, None] + np.arange(f) < n).astype(float)
    ...     return AxisPlan(n, out, idx, w, np.zeros(out), 0.0, np.zeros(out),
    ...                     info={"affine": pixelgrid.Affine(f)})
    >>> x = np.array([[1, 1, 0, 9]], dtype=np.uint8)
    >>> apply_block_mean(x, [(0, blocks(1, 1)), (1, blocks(4, 3))],
    ...                  BlockMean("exact", "reciprocal24")).tolist()  # 2/3 -> 0 (Pillow)
    [[0, 9]]

    """
    by_axis = dict(plans)
    if len(plans) != 2 or set(by_axis) != {0, 1}:
        raise ValueError("plans must be one (axis, plan) pair for axis 0 and one for axis 1")
    if x.ndim not in (2, 3):
        raise ValueError(f"x has {x.ndim} dimensions; expected (H, W) or (H, W, C)")
    y0, fy, ny = _blocks(by_axis[0])
    x0, fx, nx = _blocks(by_axis[1])
    # the region the blocks cover; region[ty::fy, tx::fx] is tap (ty, tx) of every block
    region = x[y0:y0 + int(ny.sum()), x0:x0 + int(nx.sum())]
    n = (ny[:, None] * nx[None, :]).reshape(ny.size, nx.size, *(1,) * (x.ndim - 2))
    integer = np.issubdtype(x.dtype, np.integer)
    if model.sums == "exact":
        small = integer and x.dtype.itemsize <= 2 and fy * fx <= 2**15  # sums fit int32
        total = _sums(region, fy, fx, np.int32 if small else
                      np.int64 if integer else np.float64)
    else:
        total = _pair_sums(region, ny, nx, fy, fx)
    if model.divide == "reciprocal24":
        if not integer:
            raise TypeError(f"divide='reciprocal24' needs integer data, got {x.dtype}")
        m = (np.float32(2.0**32) / (np.float32(256) * n.astype(np.float32))).astype(np.int64)
        v: NDArray[Any] = ((total.astype(np.int64) + n // 2) * m) >> 24
        return np.ascontiguousarray(store(v, x.dtype, model.store))
    mean = total.astype(np.float64) * (1.0 / n)
    if integer:
        return np.ascontiguousarray(store(mean, x.dtype, model.store))
    return np.ascontiguousarray(mean.astype(x.dtype))


def _sums(region: NDArray[Any], fy: int, fx: int, dtype: Any) -> NDArray[Any]:
    """Every block's pixels added one by one in ``dtype``, in row-major order."""
    oh, ow = -(-region.shape[0] // fy), -(-region.shape[1] // fx)
    total = np.zeros((oh, ow, *region.shape[2:]), dtype=dtype)
    for ty in range(fy):
        for tx in range(fx):
            tap = region[ty::fy, tx::fx]  # blocks cut short by the edge have no such tap
            total[:tap.shape[0], :tap.shape[1]] += tap
    return total


def _pair_sums(region: NDArray[Any], ny: NDArray[np.int64], nx: NDArray[np.int64],
               fy: int, fx: int) -> NDArray[np.float64]:
    """``sums="pairs"``: full blocks by pairs in the dtype, partial blocks pixel by pixel."""
    # partial blocks (the last column and row): one by one in float64, row-major
    total = _sums(region, fy, fx, np.float64)
    fr, fc = int(np.sum(ny == fy)), int(np.sum(nx == fx))  # full blocks come first
    if not (fr and fc):
        return total
    full = region[:fr * fy, :fc * fx]

    def tap(ty: int, tx: int) -> NDArray[Any]:
        return full[ty::fy, tx::fx]

    acc = np.zeros((fr, fc, *region.shape[2:]), dtype=np.float64)
    # Pillow: for each pair of rows, ss += l0[x] + l0[x+1] + l1[x] + l1[x+1] (evaluated
    # left to right in the dtype, so int32 wraps and float32 rounds), an odd last
    # column adds l0[x] + l1[x]; an odd last row adds its pixels by pairs.
    with np.errstate(over="ignore"):
        for ty in range(0, fy - 1, 2):
            for tx in range(0, fx - 1, 2):
                acc += ((tap(ty, tx) + tap(ty, tx + 1)) + tap(ty + 1, tx)) + tap(ty + 1, tx + 1)
            if fx % 2:
                acc += tap(ty, fx - 1) + tap(ty + 1, fx - 1)
        if fy % 2:
            for tx in range(0, fx - 1, 2):
                acc += tap(fy - 1, tx) + tap(fy - 1, tx + 1)
            if fx % 2:
                acc += tap(fy - 1, fx - 1)
    total[:fr, :fc] = acc
    return total
