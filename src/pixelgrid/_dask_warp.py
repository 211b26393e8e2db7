"""Point samplers on Dask arrays: ``warp_affine`` and ``sample``, lazily, bit-identical.

The coordinates of every output block are known before anything is computed: an
affine warp's come from its matrix and the block's index range, ``sample``'s from
the block's rows of ``coords``.  A block computes its coordinates exactly as the
in-memory call does (the same float64 expression evaluated on the block's global
indices, :func:`pixelgrid._sampling.affine_points`), reads the input slab its
kernel taps can reach, subtracts the slab's start from the coordinates and runs
the same point sampler (:func:`pixelgrid._sampling._run`) on the slab.

Why the result is the in-memory one, bit for bit:

* Along an axis of length ``n`` with the boundaries ``constant``/``renormalize``/
  ``clamp``, the slab is ``[lo, hi)`` with ``lo = max(0, floor(min - R))``,
  ``hi = min(n, floor(max + R) + 2)`` (``min``/``max`` of the block's coordinates,
  ``R = max(radius, 1)``): every tap a point reads inside the input lies in it.
  ``lo <= x`` for every point ``x >= 0``, so ``x - lo`` is exact (a multiple of
  ``x``'s ulp no larger than ``x``), and every difference ``tap - x`` the kernel
  sees is unchanged.  A point below 0 forces ``lo = 0`` (no shift) and a point at
  or beyond ``n`` forces ``hi = n``, so taps outside the input are outside the
  slab, the clamp edges are the input's, and the sampler's clip of far-away
  coordinates (at ``radius + 2`` outside) moves with the shift exactly.
* ``wrap``/``reflect``/``symmetric`` map taps anywhere: that axis is read whole.
* The sampler treats channels (the other axes) independently, so blocks keep the
  input's chunks there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._kernels import Kernel
from ._sampling import PERIODIC_BOUNDARIES

__all__ = ["sample"]



def _slab_range(lo_x: float, hi_x: float, n: int, radius: float,
                boundary: str) -> tuple[int, int]:
    """The input range ``[lo, hi)`` points in ``[lo_x, hi_x]`` read (module docs)."""
    if boundary in PERIODIC_BOUNDARIES:  # taps anywhere on the axis: the whole axis
        return 0, n
    r = max(float(radius), 1.0)
    lo = max(0, math.floor(lo_x - r))
    hi = min(n, math.floor(hi_x + r) + 2)
    lo = min(lo, n - 1)
    return lo, max(hi, lo + 1)


@dataclass(frozen=True, eq=False)
class _PointBlock:
    """One output block: its points (or an affine's index range), sampled on its slab."""

    places: list[tuple[tuple[slice, ...], tuple[slice, ...]]]
    shape: tuple[int, ...]  # the slab's
    dtype: np.dtype[Any]
    ax: list[int]
    kernel: Kernel
    boundaries: list[str]
    fill: float
    tie: str | None
    nan_policy: str
    engine: str
    origin: tuple[int, ...]  # the slab's start along each sampled axis
    pts: NDArray[np.float64] | None  # the block's points (sample)
    affine: tuple[NDArray[np.float64], int, int, int, int] | None  # (back, i0, i1, j0, j1)

    def run(self, slab: NDArray[Any]) -> NDArray[Any]:
        """The block's samples from its input slab (the in-memory sampler on the slab)."""
        from ._sampling import _run

        if self.affine is not None:
            pts = _affine_block(*self.affine)
        else:
            assert self.pts is not None
            pts = self.pts
        # exact (module docs): x - lo with 0 <= lo <= x, or lo = 0
        pts = pts - np.asarray(self.origin, dtype=np.float64)
        return _run(slab, pts, self.ax, self.kernel, self.boundaries, self.fill, self.tie,
                    self.nan_policy, self.engine)


def _affine_block(back: NDArray[np.float64], i0: int, i1: int, j0: int,
                  j1: int) -> NDArray[np.float64]:
    """``(i1 - i0, j1 - j0, 2)`` points of an affine warp's output pixels ``[i0:i1, j0:j1]``.

    The expression of :func:`pixelgrid._sampling.affine_points` on the global indices.
    """
    jj, ii = np.meshgrid(np.arange(j0, j1, dtype=np.float64),
                         np.arange(i0, i1, dtype=np.float64))
    sx = back[0, 0] * jj + back[0, 1] * ii + back[0, 2]
    sy = back[1, 0] * jj + back[1, 1] * ii + back[1, 2]
    return np.stack([sy, sx], axis=-1)


def _layout(ndim: int, ax: list[int], q: int) -> list[tuple[str, int]]:
    """Output axes as ``("pt", i)`` (point axis ``i``) or ``("in", a)`` (input axis ``a``).

    :func:`pixelgrid._sampling._place`'s rule: the point axes replace the sampled
    axes when those are contiguous and in order, else they come first.
    """
    rest = [a for a in range(ndim) if a not in ax]
    p, k = ax[0], len(ax)
    if ax == list(range(p, p + k)) and p > 0:
        return ([("in", a) for a in range(p)] + [("pt", i) for i in range(q)]
                + [("in", a) for a in range(p + k, ndim)])
    return [("pt", i) for i in range(q)] + [("in", a) for a in rest]


def _point_chunks(x: Any, ax: list[int], pshape: tuple[int, ...],
                  affine: bool) -> tuple[tuple[int, ...], ...]:
    """Default chunks of the point axes.

    A block holds its float64 points (``8 k`` bytes each) and, for weighted
    kernels, float64 sums per channel: the block is sized so that these stay
    within Dask's ``array.chunk-size``.  An affine warp's blocks follow the
    input's chunk lengths of the sampled axes (so a block's slab is about one
    input chunk per axis at scale 1), capped the same way.
    """
    import dask
    from dask.array.core import normalize_chunks
    from dask.utils import parse_bytes

    limit = parse_bytes(dask.config.get("array.chunk-size"))
    rest = [a for a in range(x.ndim) if a not in ax]
    channels = math.prod(max(x.chunks[a]) for a in rest)
    per_point = 8 * (len(ax) + channels) + np.dtype(x.dtype).itemsize * channels
    budget = max(1, limit // per_point)
    if affine:
        target = [min(n, max(x.chunks[a])) for n, a in zip(pshape, ax, strict=True)]
        while math.prod(target) > budget and max(target) > 1:
            i = int(np.argmax(target))
            target[i] = (target[i] + 1) // 2
        return normalize_chunks(tuple(target), pshape)  # type: ignore[no-untyped-call,no-any-return]
    return normalize_chunks("auto", pshape, limit=budget * 8,  # type: ignore[no-untyped-call,no-any-return]
                            dtype=np.float64)


def sample(x: Any, pts: NDArray[np.float64] | None, ax: list[int], kernel: Kernel,
           boundaries: list[str], fill: float, tie: str | None, nan_policy: str,
           engine: str, affine: tuple[NDArray[np.float64], int, int] | None = None,
           chunks: Any = None) -> Any:
    """:func:`pixelgrid._sampling._run` of a Dask array ``x``: a lazy Dask array.

    ``pts`` (``(..., k)``, index convention, numpy) or ``affine = (back, H, W)``
    as for ``_run``; ``chunks``: the output's (default: the input's on the other
    axes, :func:`_point_chunks` on the point axes).
    """
    import itertools

    import dask.array as da
    from dask.array.core import normalize_chunks
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    from ._dask import _slab_reader, _slab_task, check_dask_input

    check_dask_input(x, kernel.is_nearest, "sampled")
    k = len(ax)
    if affine is not None:
        back, h, w = affine
        pshape: tuple[int, ...] = (h, w)
    else:
        assert pts is not None
        pshape = tuple(pts.shape[:-1])
        if pts.ndim == 1 or math.prod(pshape) == 0:
            raise ValueError(f"coords has shape {pts.shape}; a Dask array needs at least "
                             "one point, one per row")
    layout = _layout(x.ndim, ax, len(pshape))
    out_shape = tuple(pshape[i] if kind == "pt" else int(x.shape[i]) for kind, i in layout)
    dtype = np.dtype(x.dtype)
    if chunks is not None:
        asked = normalize_chunks(chunks, out_shape, dtype=dtype)  # type: ignore[no-untyped-call]
        new_in = list(x.chunks)
        for (kind, i), c in zip(layout, asked, strict=True):
            if kind == "in":
                new_in[i] = c
        x = x.rechunk(tuple(new_in))
        pchunks = [asked[layout.index(("pt", i))] for i in range(len(pshape))]
    else:
        pchunks = list(_point_chunks(x, ax, pshape, affine is not None))
    out_chunks = tuple(pchunks[i] if kind == "pt" else tuple(x.chunks[i])
                       for kind, i in layout)

    reader = _slab_reader(x)
    in_bounds = [np.concatenate([[0], np.cumsum(c)]).astype(int) for c in x.chunks]
    p_starts = [np.concatenate([[0], np.cumsum(c)]).astype(int) for c in pchunks]
    name = "pixelgrid-sample-" + tokenize(
        x, None if pts is None else pts, None if affine is None else (affine[0], h, w),
        ax, kernel.name, repr(kernel), boundaries, fill, tie, nan_policy, engine, out_chunks)
    radius = 0.0 if kernel.is_nearest else float(kernel.radius)
    dsk: dict[Any, Any] = {}
    for bi in itertools.product(*(range(len(c)) for c in out_chunks)):
        # the block's point index ranges and input ranges along the other axes
        prange: dict[int, tuple[int, int]] = {}
        ranges: list[tuple[int, int]] = [(0, 0)] * x.ndim
        for (kind, i), j in zip(layout, bi, strict=True):
            if kind == "pt":
                prange[i] = (int(p_starts[i][j]), int(p_starts[i][j + 1]))
            else:
                ranges[i] = (int(in_bounds[i][j]), int(in_bounds[i][j + 1]))
        block_pts = None
        block_affine = None
        if affine is not None:
            (i0, i1), (j0, j1) = prange[0], prange[1]
            corners = _affine_block(back, i0, i1, j0, j1)[[0, 0, -1, -1], [0, -1, 0, -1]]
            lo_x, hi_x = corners.min(axis=0), corners.max(axis=0)
            block_affine = (back, i0, i1, j0, j1)
        else:
            assert pts is not None
            block_pts = np.ascontiguousarray(
                pts[tuple(slice(*prange[i]) for i in range(len(pshape)))])
            flat = block_pts.reshape(-1, k)
            lo_x, hi_x = flat.min(axis=0), flat.max(axis=0)
        origin = []
        for c, a in enumerate(ax):
            ranges[a] = _slab_range(float(lo_x[c]), float(hi_x[c]), int(x.shape[a]), radius,
                                    boundaries[c])
            origin.append(ranges[a][0])
        key = (name, *bi)

        def make(places: Any, shape: tuple[int, ...], origin: Any = tuple(origin),
                 block_pts: Any = block_pts, block_affine: Any = block_affine) -> _PointBlock:
            return _PointBlock(places, shape, dtype, ax, kernel, boundaries, fill, tie,
                               nan_policy, engine, origin, block_pts, block_affine)

        dsk[key] = _slab_task(x, reader, in_bounds, key, ranges, make)
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=[x])
    y: Any = da.Array(graph, name, chunks=out_chunks, dtype=dtype)  # type: ignore[no-untyped-call]
    if chunks is not None and y.chunks != tuple(asked):
        y = y.rechunk(asked)
    return y
