"""Sampling at arbitrary points, regions and affine warps (the public namespace).

``sample`` and the pixel/normalised coordinate converters live here; regions
(:mod:`pixelgrid.regions`) and affine helpers (:mod:`pixelgrid.affine`) are
re-exported, so ``pixelgrid.warp`` holds every warp entry point.  All of them
share one gather-and-weight routine (:mod:`pixelgrid._sampling`), the core
kernels and boundary rules, and a declared coordinate convention: ``"index"``
(pixel ``i`` has its centre at ``i``) or ``"continuous"`` (pixel ``i`` covers
``[i, i + 1]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._arrays import check_array, containers, is_torch, tensor_values
from ._dask import is_dask
from ._kernels import Kernel
from ._sampling import (
    POINT_CONVENTIONS,
    SAMPLE_BOUNDARIES,
    SAMPLE_TIES,
    FloatArray,
    _axes,
    _boundaries,
    _coords_array,
    _fill,
    _point_offset,
    _run,
    _sample_kernel,
    check_nan_policy,
)
from ._validate import check_choice, check_points, check_sizes, default_axes
from .affine import (
    affine_to_cv2,
    affine_to_scipy,
    affine_to_theta,
    compose,
    convert_affine,
    image_center,
    invert,
    rotation,
    scaling,
    shear,
    translation,
    warp_affine,
)
from .regions import crop_and_resize, resample_region, roi_align

__all__ = [
    "POINT_CONVENTIONS",
    "SAMPLE_BOUNDARIES",
    "SAMPLE_TIES",
    "affine_to_cv2",
    "affine_to_scipy",
    "affine_to_theta",
    "compose",
    "convert_affine",
    "crop_and_resize",
    "image_center",
    "invert",
    "normalized_to_pixel",
    "pixel_to_normalized",
    "resample_region",
    "roi_align",
    "rotation",
    "sample",
    "scaling",
    "shear",
    "translation",
    "warp_affine",
]

# --------------------------------------------------------------------------------------
# Public: sample and normalised coordinates
# --------------------------------------------------------------------------------------


@containers
def sample(
    x: Any,
    coords: Any,
    *,
    kernel: str | Kernel = "linear",
    boundary: str | Sequence[str] = "constant",
    fill_value: float = 0.0,
    convention: str = "index",
    axes: int | Sequence[int] | None = None,
    tie: str | None = None,
    nan_policy: str = "propagate",
    engine: str = "auto",
    chunks: Any = None,
) -> Any:
    """Sample an N-D array at arbitrary points given in pixel units.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        The array.  Any dtype :func:`pixelgrid.resize` takes; integer results are
        rounded half to even and clipped, ``bool``/``int64``/``uint64`` need
        ``kernel="nearest"``.
    coords : array_like, shape (..., k)
        One point per row: ``coords[..., i]`` is the coordinate along ``axes[i]``
        (so ``(row, col)`` for an ``(H, W, C)`` image with the default axes).
        Must be finite: NaN or inf raise ValueError.
    kernel : str or Kernel
        ``"linear"`` (default), ``"nearest"``, ``"cubic"`` (Keys a=-0.5; use
        ``pixelgrid.kernels.cubic(-0.75)`` for PyTorch/OpenCV), ``"lanczos3"``,
        ... (not the footprint kernels ``area``/``adaptive_pool``).
    boundary : str or one per axis
        ``"constant"`` (default; taps outside read ``fill_value``), ``"zeros"``,
        ``"renormalize"``, ``"clamp"``, ``"reflect"``, ``"symmetric"``, ``"wrap"``.
    fill_value : float
        Value of taps outside the input with ``boundary="constant"``.
    convention : {"index", "continuous"}
        ``"index"``: pixel ``i`` has its centre at ``i``; ``"continuous"``: pixel
        ``i`` covers ``[i, i + 1]`` (its centre is ``i + 0.5``).
    axes : int or sequence of int, optional
        The ``k`` sampled axes.  Default: the leading ``k`` axes of a numpy array
        (``(H, W)`` of ``(H, W, C)``), the trailing ``k`` of a torch tensor.
    tie : str, optional
        Nearest-neighbour tie rule overriding the kernel's: one of
        :data:`SAMPLE_TIES` (``"round_half_even"`` is PyTorch ``grid_sample``).
    nan_policy : {"propagate", "omit"}
        A NaN or inf in ``x`` reaches exactly the samples that give it a non-zero
        weight (taps of weight 0 are not read, so a sample at an exact pixel
        position reads that pixel alone).  ``"propagate"`` (default): such a
        sample is NaN/inf as the arithmetic gives it.  ``"omit"``: the
        non-finite taps are dropped and the others renormalised,
        ``sum(w * x) / sum(w)`` over the finite ones (NaN if none remain);
        samples with only finite taps are unchanged.  No effect on integer
        dtypes.
    engine : {"auto", "native", "reference"}
        ``"reference"``: the numpy oracle; ``"native"``: the compiled sampler
        (bit-identical); ``"auto"`` (default): the compiled one where it runs
        (``PIXELGRID_ENGINE`` overrides ``"auto"``).  Threads as in
        :func:`pixelgrid.resize` (``PIXELGRID_NUM_THREADS``).
    chunks : optional
        Dask arrays only: the output's chunks.  A Dask ``x`` (with numpy
        ``coords``) gives a lazy Dask array, bit-identical to the in-memory
        result (each block reads the input slab its points' taps reach;
        :mod:`pixelgrid._dask_warp`).

    Returns
    -------
    ndarray or torch.Tensor
        Shape: the sampled axes of ``x`` are replaced by ``coords.shape[:-1]``
        when they are contiguous and in order (``(H, W, C)`` -> ``(..., C)``,
        ``(N, C, H, W)`` -> ``(N, C, ...)``); otherwise ``coords.shape[:-1]``
        comes first, followed by the other axes in order.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.array([[0.0, 10.0], [20.0, 30.0]])
    >>> sample(img, [[0.5, 0.5], [0.0, 0.25]]).tolist()
    [15.0, 2.5]
    >>> sample(img, [[1.0, 1.0]], convention="continuous").tolist()
    [15.0]
    >>> sample(np.arange(4.0), [[-1.0], [4.5]], boundary="reflect").tolist()
    [1.0, 1.5]

    """
    if is_torch(x):
        import torch

        arr = tensor_values(x, "x", "sample")
        k = _coords_array(coords).shape[-1]
        if axes is None and k <= arr.ndim:  # the trailing k axes, unless they look like C
            axes = default_axes(f"sample with {k} coordinates per point", arr.shape, k,
                                torch=True)
        y = sample(arr, coords, kernel=kernel, boundary=boundary, fill_value=fill_value,
                   convention=convention, axes=axes, tie=tie, nan_policy=nan_policy,
                   engine=engine)
        return torch.from_numpy(y).to(x.device)
    lazy = is_dask(x)
    if chunks is not None and not lazy:
        raise TypeError(f"chunks={chunks!r} applies to Dask arrays only")
    arr = x if lazy else check_array(x)
    pts = _coords_array(coords)
    k = pts.shape[-1]
    if axes is None and k <= arr.ndim:
        axes = default_axes(f"sample with {k} coordinates per point", arr.shape, k)
    ax = _axes(axes, arr.ndim, k, trailing=False)
    k_obj = _sample_kernel(kernel)
    check_points(f"sample at {pts.size // max(k, 1)} points with kernel={k_obj.name!r} "
                 f"(radius {float(k_obj.radius):.3g})", pts.size // max(k, 1), k,
                 1 if k_obj.is_nearest else int(2 * k_obj.radius) + 1,
                 arr.size // max(int(np.prod([arr.shape[a] for a in ax])), 1))
    if tie is not None:
        check_choice("tie", tie, SAMPLE_TIES)
    fill = _fill(fill_value)
    bounds, fill = _boundaries(boundary, len(ax), fill)
    check_nan_policy(nan_policy)
    pts = pts + _point_offset(convention)
    if lazy:  # block by block, bit-identical (pixelgrid._dask_warp)
        from . import _dask_warp

        return _dask_warp.sample(arr, pts, ax, k_obj, bounds, fill, tie, nan_policy, engine,
                                 chunks=chunks)
    return _run(arr, pts, ax, k_obj, bounds, fill, tie, nan_policy, engine)



def _axis_sizes(size: Any, k: int) -> list[int]:
    """The axis lengths of the coordinate converters: one per coordinate, in its order."""
    if isinstance(size, (list, tuple, np.ndarray)) and len(size) != k:
        raise ValueError(f"size={size!r} has {len(size)} entries but coords has {k} per point")
    return check_sizes("size", size, k, order="in the order of the coordinates")


def pixel_to_normalized(
    coords: Any, size: int | Sequence[int], *, align_corners: bool = False,
    convention: str = "index",
) -> FloatArray:
    """Convert pixel coordinates to the ``[-1, 1]`` coordinates of ``grid_sample``.

    ``align_corners=False``: -1 and 1 are the outer edges of the first and last
    pixel, ``u = (2 * x + 1) / n - 1`` (index convention); ``True``: they are the
    centres of the corner pixels, ``u = 2 * x / (n - 1) - 1`` (0 when ``n`` is 1).
    ``size`` lists the axis lengths in the order of the coordinates: for a
    PyTorch grid, whose last axis is ``(x, y)``, pass ``(W, H)``.

    Examples
    --------
    >>> pixel_to_normalized([[-0.5, 0.0], [3.5, 3.0]], (4, 4)).tolist()
    [[-1.0, -0.75], [1.0, 0.75]]
    >>> pixel_to_normalized([0.0, 3.0], 4, align_corners=True).tolist()
    [-1.0, 1.0]

    """
    c = _coords_array(coords)
    if c.ndim == 1 and not isinstance(size, (list, tuple, np.ndarray)):
        c = c[:, None]
        squeeze = True
    else:
        squeeze = False
    n = np.asarray(_axis_sizes(size, c.shape[-1]), dtype=np.float64)
    c = c + _point_offset(convention)
    if align_corners:
        span = n - 1
        u = np.divide(2 * c, span, out=np.zeros_like(c), where=span != 0) - 1
        u = np.where(span == 0, 0.0, u)
    else:
        u = (2 * c + 1) / n - 1
    return u[:, 0] if squeeze else u


def normalized_to_pixel(
    coords: Any, size: int | Sequence[int], *, align_corners: bool = False,
    convention: str = "index",
) -> FloatArray:
    """Convert ``grid_sample``'s ``[-1, 1]`` coordinates to pixel coordinates.

    The inverse of :func:`pixel_to_normalized` (PyTorch's ``unnormalize``):
    ``x = ((u + 1) * n - 1) / 2`` (``align_corners=False``) or
    ``x = (u + 1) / 2 * (n - 1)`` (``True``), in the index convention.

    Examples
    --------
    >>> normalized_to_pixel([-1.0, 1.0], 4).tolist()
    [-0.5, 3.5]
    >>> normalized_to_pixel([-1.0, 1.0], 4, convention="continuous").tolist()
    [0.0, 4.0]

    """
    u = _coords_array(coords)
    if u.ndim == 1 and not isinstance(size, (list, tuple, np.ndarray)):
        u = u[:, None]
        squeeze = True
    else:
        squeeze = False
    n = np.asarray(_axis_sizes(size, u.shape[-1]), dtype=np.float64)
    c = (u + 1) / 2 * (n - 1) if align_corners else ((u + 1) * n - 1) / 2
    c = c - _point_offset(convention)
    return c[:, 0] if squeeze else c


