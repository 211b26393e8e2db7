"""Multiscale pyramids: ``pixelgrid.pyramid`` and the per-level transforms.

Level ``k`` is level ``k - 1`` resized by ``1/factor`` along the pyramid's axes
(``method="cascade"``, each level one :func:`pixelgrid.resize` of the previous: cheap,
and what viewers expect) or level 0 resized directly (``method="direct"``).  Sizes
are ``max(1, floor(n / factor))`` per level.  Every level's placement follows the
grid convention exactly: :func:`pyramid_transforms` composes the levels' affines
(in Fractions) into ``x_0 = scale * i_k + translation``, the level-0 pixel position
of sample ``i_k`` of level ``k``.  With ``grid="half_pixel"`` (default) the pixels of
every level tile the same extent, so ``scale = n_0 / n_k`` and
``translation = (scale - 1) / 2`` for a factor-2 chain of even sizes (e.g. level 1 of
a 2x pyramid: scale 2, translation 0.5: output pixel 0 covers input pixels 0 and 1,
centred at 0.5).  These are the values an OME-Zarr ``coordinateTransformations``
entry needs (times the physical pixel size).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ._dask import is_dask
from ._grid import output_size
from ._resize import make_plans
from ._resize import resize as _resize
from ._validate import check_choice

__all__ = ["pyramid", "pyramid_shapes", "pyramid_transforms"]


def _axes(ndim: int, axes: int | Sequence[int] | None) -> list[int]:
    if axes is None:
        return list(range(min(ndim, 2)))
    ax = [axes] if isinstance(axes, int) else list(axes)
    for a in ax:
        if isinstance(a, bool) or not isinstance(a, int) or not -ndim <= a < ndim:
            raise ValueError(f"axes={axes!r} is out of range for {ndim} dimensions")
    return [a % ndim for a in ax]


def _check_levels(levels: int, factor: int | float) -> None:
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
        raise ValueError(f"levels={levels!r} must be an integer >= 1")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 1:
        raise ValueError(f"factor={factor!r} must be a number > 1")


def pyramid_shapes(shape: Sequence[int], levels: int, *, factor: int | float = 2,
                   axes: int | Sequence[int] | None = None) -> list[tuple[int, ...]]:
    """Shapes of the levels, full size first (``max(1, floor(n / factor))`` per level).

    Examples
    --------
    >>> pyramid_shapes((1000, 750, 3), 3)
    [(1000, 750, 3), (500, 375, 3), (250, 187, 3)]
    """
    _check_levels(levels, factor)
    ax = _axes(len(shape), axes)
    out = [tuple(int(n) for n in shape)]
    step = 1 / Fraction(factor)
    for _ in range(levels - 1):
        cur = list(out[-1])
        for a in ax:
            cur[a] = max(1, output_size(cur[a], step, "floor"))
        out.append(tuple(cur))
    return out


def pyramid_transforms(shape: Sequence[int], levels: int, *, factor: int | float = 2,
                       axes: int | Sequence[int] | None = None, grid: Any = "half_pixel",
                       method: str = "cascade") -> list[tuple[list[float], list[float]]]:
    """Per level, ``(scale, translation)`` per axis, in level-0 pixel units.

    Sample ``i`` of level ``k`` sits at level-0 position ``scale * i + translation``
    (pixel ``j`` of level 0 has its centre at ``j``); axes not in the pyramid have
    scale 1 and translation 0.  Computed exactly from the grid convention.

    Examples
    --------
    >>> pyramid_transforms((8, 6), 3)
    [([1.0, 1.0], [0.0, 0.0]), ([2.0, 2.0], [0.5, 0.5]), ([4.0, 6.0], [1.5, 2.5])]
    >>> pyramid_transforms((5,), 2, grid="align_corners")  # 5 -> 2: corners stay, 4 * i
    [([1.0], [0.0]), ([4.0], [0.0])]
    """
    check_choice("method", method, ("cascade", "direct"))
    shapes = pyramid_shapes(shape, levels, factor=factor, axes=axes)
    ax = _axes(len(shape), axes)
    ndim = len(shape)
    # x_0 = a * i + b per axis, exactly
    maps = [[(Fraction(1), Fraction(0)) for _ in range(ndim)]]
    for k in range(1, levels):
        src = shapes[k - 1] if method == "cascade" else shapes[0]
        plans = dict(make_plans(src, [shapes[k][a] for a in ax], axes=ax, grid=grid,
                                kernel="nearest"))
        cur = []
        for a in range(ndim):
            prev_a, prev_b = maps[k - 1][a] if method == "cascade" else maps[0][a]
            if a not in plans:
                cur.append((prev_a, prev_b))
                continue
            aff = plans[a].info["affine"]
            # level k -> its source level: x = aff.a * (i + aff.c) + aff.d
            la, lb = Fraction(aff.a), Fraction(aff.a) * Fraction(aff.c) + Fraction(aff.d)
            cur.append((prev_a * la, prev_a * lb + prev_b))
        maps.append(cur)
    return [([float(a) for a, _ in m], [float(b) for _, b in m]) for m in maps]


def pyramid(x: Any, levels: int, *, factor: int | float = 2,
            axes: int | Sequence[int] | None = None, kernel: Any = "area",
            method: str = "cascade", chunks: Any = None, **options: Any) -> list[Any]:
    """A multiscale pyramid: ``levels`` arrays, full size first, in ``x``'s container.

    Parameters
    ----------
    x : ndarray, torch.Tensor or dask.array.Array
        The full-size image or volume (Dask: every level is lazy).
    levels : int
        Number of levels, the full size included.
    factor : number
        Downscale factor between levels (> 1; default 2).
    axes : int or sequence of int, optional
        Axes to downscale (default: the first two, ``(H, W)`` of ``(H, W, C)``).
    kernel : str or Kernel
        Default ``"area"`` (box average over each cell); any :func:`pixelgrid.resize`
        kernel (antialiased by default).
    method : {"cascade", "direct"}
        Each level from the previous one (default) or from level 0.
    chunks : optional
        Dask only: output chunks of every level (default: Dask's for each level).
    **options
        Other :func:`pixelgrid.resize` options (``grid``, ``boundary``, ``dtype``...).

    Returns
    -------
    list
        The levels; ``pyramid_transforms(x.shape, levels, ...)`` places them.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> lv = pixelgrid.pyramid(np.arange(16.0).reshape(4, 4), 3)
    >>> [a.shape for a in lv], lv[2].tolist()
    ([(4, 4), (2, 2), (1, 1)], [[7.5]])
    """
    check_choice("method", method, ("cascade", "direct"))
    shapes = pyramid_shapes(tuple(int(n) for n in x.shape), levels, factor=factor, axes=axes)
    ax = _axes(len(shapes[0]), axes)
    run: Any = _resize
    if is_dask(x):
        from . import _dask

        run = _dask.resize
        options["chunks"] = chunks
    elif chunks is not None:
        raise TypeError(f"chunks={chunks!r} applies to Dask arrays only")
    out = [x]
    for k in range(1, levels):
        src = out[-1] if method == "cascade" else x
        out.append(run(src, [shapes[k][a] for a in ax], axes=ax, kernel=kernel, **options))
    return out
