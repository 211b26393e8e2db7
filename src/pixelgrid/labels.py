"""Resize label maps (segmentation masks, atlases) without inventing labels.

Two methods, both on the same grid conventions as the image path:

``"nearest"``
    Each output pixel copies the input pixel nearest its source coordinate,
    with an explicit rule for exact ties (``tie``), decided in exact
    arithmetic (libraries that decide in floating point can pick the other
    pixel at exact ties; see ``tie``).
``"mode"``
    Majority vote: each output pixel takes the label that covers the largest
    area of its cell.  The cell of output pixel ``o`` is the interval
    ``[x - w/2, x + w/2]`` around its source coordinate ``x`` (``w`` = input
    pixels per output pixel, ``|a|``), per axis; input pixel ``j`` votes with the
    exact area of ``[j - 1/2, j + 1/2]`` inside the cell (the product over
    axes).  Ties (equal areas, compared exactly) go to the label chosen by
    ``tie_break``: ``"smallest"`` (default), ``"largest"``, or ``"nearest"``
    (the label nearest-neighbour sampling would pick, if it is among the tied
    labels, else the smallest).

Either way, every output label is one of the input's labels.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arrays import check_array, run_plans
from ._grid import Affine
from ._kernels import nearest
from ._resize import make_plans
from ._validate import check_choice

__all__ = ["LABEL_METHODS", "TIE_BREAKS", "resize_labels"]

LABEL_METHODS = ("nearest", "mode")
TIE_BREAKS = ("smallest", "largest", "nearest")
_NEAREST_TIES = ("round_prefer_ceil", "round_prefer_floor", "floor", "ceil")
#: Fractional bits of the integer vote weights per axis when the exact
#: denominators are too large to multiply in int64.
_VOTE_BITS = 20


def _axis_votes(aff: Affine, n_in: int, n_out: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Integer overlap areas (common denominator) of input pixels with each output cell."""
    width = abs(aff.a) if aff.a != 0 else Fraction(n_in, n_out)
    half = width / 2
    lo_edge, hi_edge = Fraction(-1, 2), Fraction(2 * n_in - 1, 2)
    starts, overlaps = [], []
    for o in range(n_out):
        x = aff.exact(o)
        lo, hi = max(x - half, lo_edge), min(x + half, hi_edge)
        if hi <= lo:  # the cell lies outside the input: fall back to the nearest edge pixel
            j = min(max(math.floor(x + Fraction(1, 2)), 0), n_in - 1)
            starts.append(j)
            overlaps.append([Fraction(1)])
            continue
        j0 = max(math.floor(lo + Fraction(1, 2)), 0)
        j1 = min(math.ceil(hi - Fraction(1, 2)), n_in - 1)
        starts.append(j0)
        overlaps.append([min(hi, j + Fraction(1, 2)) - max(lo, j - Fraction(1, 2))
                         for j in range(j0, j1 + 1)])
    taps = max(len(v) for v in overlaps)
    den = 1
    for row in overlaps:
        for v in row:
            den = math.lcm(den, v.denominator)
            if den > 1 << _VOTE_BITS:
                break
    exact = den <= 1 << _VOTE_BITS
    scale = den if exact else 1 << _VOTE_BITS
    index = np.zeros((n_out, taps), dtype=np.int64)
    votes = np.zeros((n_out, taps), dtype=np.int64)
    for o, (j0, row) in enumerate(zip(starts, overlaps, strict=True)):
        index[o, : len(row)] = np.arange(j0, j0 + len(row))
        index[o, len(row):] = j0
        # Exact when the common denominator is small (always for rational scales with
        # modest sizes); otherwise rounded to 2**-20 of a pixel.
        votes[o, : len(row)] = [int(v * scale) if exact else round(v * scale) for v in row]
    return index, votes


def _mode(arr: NDArray[Any], axes: list[int], affs: list[Affine], outs: list[int],
          tie_break: str, nearest_labels: NDArray[Any] | None,
          per_axis: list[tuple[NDArray[np.int64], NDArray[np.int64]]] | None = None,
          ) -> NDArray[Any]:
    moved = np.moveaxis(arr, axes, list(range(len(axes))))
    rest = moved.shape[len(axes):]
    if per_axis is None:  # (pixelgrid._dask passes a block's rows of the whole axes' votes)
        per_axis = [_axis_votes(f, moved.shape[i], outs[i]) for i, f in enumerate(affs)]
    # Gather every candidate pixel of every output cell: shape (*outs, *rest, T).
    cand = moved
    k = len(axes)
    weight: NDArray[np.int64] = np.ones((1,) * (2 * k), dtype=np.int64)
    for i, (index, votes) in enumerate(per_axis):
        cand = np.take(cand, index.ravel(), axis=i).reshape(
            cand.shape[:i] + index.shape + cand.shape[i + 1:])
        cand = np.moveaxis(cand, i + 1, -1)
        # votes of axis i laid out as (*outs, *taps) with ones on the other axes
        w_shape = [1] * (2 * k)
        w_shape[i], w_shape[k + i] = index.shape
        weight = weight * votes.reshape(w_shape)
    n_cand = int(np.prod([ix.shape[1] for ix, _ in per_axis]))
    cand = cand.reshape(*outs, *rest, n_cand)
    w = weight.reshape(*outs, *([1] * len(rest)), n_cand)
    w = np.broadcast_to(w, cand.shape)
    flat_c = cand.reshape(-1, n_cand)
    flat_w = w.reshape(-1, n_cand)
    # Sum the votes of equal labels: sort candidates by label in each row, then add runs.
    order = np.argsort(flat_c, axis=1, kind="stable")
    sc = np.take_along_axis(flat_c, order, axis=1)
    sw = np.take_along_axis(flat_w, order, axis=1)
    rows = flat_c.shape[0]
    new_run = np.ones_like(sc, dtype=bool)
    new_run[:, 1:] = sc[:, 1:] != sc[:, :-1]
    run_id = np.cumsum(new_run.ravel()) - 1
    totals = np.zeros(int(run_id[-1]) + 1, dtype=np.int64)
    np.add.at(totals, run_id, sw.ravel())
    run_label = sc.ravel()[new_run.ravel()]
    run_row = np.repeat(np.arange(rows), n_cand)[new_run.ravel()]
    # Rank runs: row, most votes, then the tie-break, and keep the first run of each row.
    if tie_break == "largest":
        tie_key = -np.argsort(np.argsort(run_label, kind="stable"), kind="stable")
    else:
        tie_key = np.argsort(np.argsort(run_label, kind="stable"), kind="stable")
    keys = [tie_key, -totals, run_row]
    if tie_break == "nearest" and nearest_labels is not None:
        near = nearest_labels.reshape(-1)[run_row]
        keys = [tie_key, (run_label != near).astype(np.int64), -totals, run_row]
    ranked = np.lexsort(keys)
    first = np.ones(ranked.size, dtype=bool)
    first[1:] = run_row[ranked][1:] != run_row[ranked][:-1]
    best = run_label[ranked][first]
    out = best.reshape(*outs, *rest)
    return np.moveaxis(out, list(range(len(axes))), axes)


def resize_labels(
    labels: Any,
    size: Any = None,
    *,
    method: str = "nearest",
    tie: str = "round_prefer_ceil",
    tie_break: str = "smallest",
    scale: Any = None,
    axes: Any = None,
    grid: Any = "half_pixel",
    align_corners: bool | None = None,
    size_rounding: str = "floor",
    coordinate_scale: str = "size",
) -> Any:
    """Resize a label map so that every output label is one of the input's labels.

    Parameters
    ----------
    labels : ndarray or torch.Tensor
        Integer or bool label map (floats are accepted too: labels are
        compared for equality, never averaged).
    size, scale, axes, grid, align_corners, size_rounding, coordinate_scale
        As for :func:`pixelgrid.resize`: ``size`` is ``(H, W)``, rows first, and
        a default choice of axes that would resize a channel-like axis is refused.
    method : {"nearest", "mode"}
        ``"nearest"``: copy the nearest input pixel.  ``"mode"``: majority
        vote by covered area (see the module docs); the right choice when
        downsampling, where nearest keeps one arbitrary pixel per cell.
    tie : {"round_prefer_ceil", "round_prefer_floor", "floor", "ceil"}
        Nearest only: which pixel wins when the source coordinate is exactly
        halfway between two (decided exactly).  Default ``round_prefer_ceil``
        (the higher index): the rule PyTorch ``nearest-exact`` and Pillow
        ``NEAREST`` intend.  Those libraries compute the position in floating
        point (Pillow as a running double sum), so at exact ties they may take
        the lower pixel: measured against Pillow 13 on 75 size pairs of 1 to
        5000 px, 1,980 of 76,700 pixels differ, every one at an exact tie.  To
        reproduce Pillow bit for bit, use
        ``pixelgrid.compat.pillow.resize(labels, (W, H), compat.pillow.NEAREST)``
        (uint8 and int32 label maps).
    tie_break : {"smallest", "largest", "nearest"}
        Mode only: the winner among labels with exactly equal votes.

    Returns
    -------
    ndarray or torch.Tensor
        Same type and dtype as ``labels``.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[0, 0, 1, 1], [0, 2, 1, 1], [3, 3, 3, 1], [3, 3, 1, 1]])
    >>> resize_labels(m, (2, 2), method="mode").tolist()
    [[0, 1], [3, 1]]
    >>> resize_labels(np.array([0, 1, 2, 3]), 2, method="nearest").tolist()
    [1, 3]

    """
    check_choice("method", method, LABEL_METHODS)
    check_choice("tie", tie, _NEAREST_TIES)
    check_choice("tie_break", tie_break, TIE_BREAKS)
    from ._arrays import is_torch

    if is_torch(labels):
        import torch

        arr_t = labels.detach().cpu().numpy()
        ax = axes
        if ax is None:  # the trailing axes (torch), refused if one of them looks like channels
            ax = [a for a, _ in make_plans(
                arr_t.shape, size, scale=scale, kernel=nearest(tie), grid=grid,
                align_corners=align_corners, antialias=False, boundary="clamp",
                size_rounding=size_rounding, coordinate_scale=coordinate_scale,
                leading_axes=False)]
        from ._engines.torch_autograd import physical_order

        # a dense tensor is read in its memory order (a channels-last tensor as its NHWC
        # memory, no copy) and the result comes back in the same memory format
        src = labels.detach().cpu()
        perm = physical_order(src) or tuple(range(src.dim()))
        inv = [perm.index(a) for a in range(src.dim())]
        ax_list = [ax] if isinstance(ax, int) else list(ax)
        y = resize_labels(src.permute(perm).numpy(), size, method=method, tie=tie,
                          tie_break=tie_break, scale=scale,
                          axes=[inv[int(a) % src.dim()] for a in ax_list], grid=grid,
                          align_corners=align_corners, size_rounding=size_rounding,
                          coordinate_scale=coordinate_scale)
        return torch.from_numpy(np.ascontiguousarray(y)).permute(inv).to(labels.device)
    from ._dask import is_dask

    if is_dask(labels):  # lazy, block by block (pixelgrid._dask)
        from . import _dask

        plans = make_plans(tuple(int(n) for n in labels.shape), size, scale=scale, axes=axes,
                           kernel=nearest(tie), grid=grid, align_corners=align_corners,
                           antialias=False, boundary="clamp", size_rounding=size_rounding,
                           coordinate_scale=coordinate_scale)
        return _dask.resize_labels(labels, method=method, plans=plans, tie_break=tie_break)
    arr = check_array(labels, "labels")
    plans = make_plans(arr.shape, size, scale=scale, axes=axes, kernel=nearest(tie), grid=grid,
                       align_corners=align_corners, antialias=False, boundary="clamp",
                       size_rounding=size_rounding, coordinate_scale=coordinate_scale)
    # Nearest plans are gathers: the engine copies values, so any dtype keeps its labels.
    near = _gather(arr, plans)
    if method == "nearest":
        return near
    ax_list = [ax for ax, _ in plans]
    affs = [p.info["affine"] for _, p in plans]
    outs = [p.out_size for _, p in plans]
    if not ax_list:
        return np.array(arr, copy=True)
    nearest_moved = np.moveaxis(near, ax_list, list(range(len(ax_list))))
    out: NDArray[Any] = _mode(arr, ax_list, affs, outs, tie_break, nearest_moved)
    return out.astype(arr.dtype, copy=False)


def _gather(arr: NDArray[Any], plans: list[tuple[int, Any]]) -> NDArray[Any]:
    # Nearest plans on every axis: the compiled multi-axis gather copies each element's
    # bytes (a NaN payload or -0.0 label survives bit for bit, any dtype), in one pass.
    from ._engines import native

    y = native.gather_all(arr, [(a, p) for a, p in plans if not p.is_identity])
    if y is not None:
        return y
    return run_plans(arr, plans, engine="reference")
