"""``pixelgrid.resize``: the main entry point."""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import store
from ._arrays import check_array, is_torch, run_plans
from ._grid import Affine, output_size
from ._kernels import Kernel
from ._plan import plan
from ._plan_types import AxisPlan
from ._validate import check_axes, check_choice, check_memory, check_positive_int, per_axis

__all__ = ["make_plans", "resize"]

_COORDINATE_SCALES = ("size", "factor")


def _normalize_axes(axes: Any, ndim: int, n: int | None, leading: bool) -> list[int]:
    if axes is None:
        if n is None:
            if ndim > 2:
                raise ValueError(
                    f"size/scale is a single number but the array has {ndim} dimensions; "
                    "give one value per resized axis or pass axes="
                )
            n = ndim
        if n > ndim:
            raise ValueError(f"{n} sizes/scales given but the array has only {ndim} dimensions")
        return list(range(n)) if leading else list(range(ndim - n, ndim))
    out = check_axes(axes, ndim)
    if n is not None and n != len(out):
        raise ValueError(f"{n} sizes/scales given for {len(out)} axes (axes={axes!r})")
    return out


def make_plans(
    shape: Sequence[int],
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    kernel: str | Kernel | Sequence[str | Kernel] = "linear",
    grid: str | Affine | Sequence[str | Affine] = "half_pixel",
    align_corners: bool | None = None,
    antialias: bool | Sequence[bool] = True,
    boundary: str | Sequence[str] = "renormalize",
    fill_value: float = 0.0,
    size_rounding: str = "floor",
    coordinate_scale: str = "size",
    leading_axes: bool = True,
) -> list[tuple[int, AxisPlan]]:
    """Build the ``(axis, plan)`` pairs of a resize without running it.

    Takes the same options as :func:`resize`; ``shape`` is the input's shape.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in make_plans((4, 6, 3), (2, 3))]
    [(0, 2), (1, 3)]

    """
    ndim = len(shape)
    if (size is None) == (scale is None):
        raise ValueError(
            "give exactly one of size= and scale= "
            f"(got size={size!r}, scale={scale!r})"
        )
    given = size if size is not None else scale
    n = None if isinstance(given, numbers.Real) else len(given)  # type: ignore[arg-type]
    ax = _normalize_axes(axes, ndim, n, leading_axes)
    k = len(ax)
    check_choice("coordinate_scale", coordinate_scale, _COORDINATE_SCALES)
    check_choice("size_rounding", size_rounding, ("floor", "round", "ceil"))
    if align_corners is not None:
        if not isinstance(align_corners, (bool, np.bool_)):
            raise TypeError(f"align_corners={align_corners!r} must be True, False or None")
        if grid != "half_pixel":
            raise ValueError(
                f"give grid= or align_corners=, not both (grid={grid!r}, "
                f"align_corners={align_corners!r})"
            )
        grid = "align_corners" if align_corners else "half_pixel"
    kernels = per_axis("kernel", kernel, k, (str, Kernel))
    grids = per_axis("grid", grid, k, (str, Affine))
    aas = per_axis("antialias", antialias, k, (bool, np.bool_))
    bounds = per_axis("boundary", boundary, k, (str,))
    outs: list[tuple[int, int, Any]] = []
    for i, a in enumerate(ax):
        n_in = int(shape[a])
        factor = None
        if size is not None:
            n_out = check_positive_int("size", size if n is None else size[i])  # type: ignore[index]
        else:
            factor = scale if n is None else scale[i]  # type: ignore[index]
            n_out = output_size(n_in, factor, size_rounding)
        outs.append((n_in, n_out, factor if coordinate_scale == "factor" else None))
    out_shape = list(shape)
    for a, (_, n_out, _) in zip(ax, outs, strict=True):
        out_shape[a] = n_out
    # Checked before any plan is built: a huge size must be an error, not an OOM kill.
    check_memory(f"an output of shape {tuple(out_shape)}", 8.0 * math.prod(out_shape))
    return [(a, plan(n_in, n_out, kernel=kernels[i], grid=grids[i], scale=user_scale,
                     antialias=aas[i], boundary=bounds[i], fill_value=fill_value))
            for i, (a, (n_in, n_out, user_scale)) in enumerate(zip(ax, outs, strict=True))]


def resize(
    x: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    axes: int | Sequence[int] | None = None,
    kernel: str | Kernel | Sequence[str | Kernel] = "linear",
    grid: str | Affine | Sequence[str | Affine] = "half_pixel",
    align_corners: bool | None = None,
    antialias: bool | Sequence[bool] = True,
    boundary: str | Sequence[str] = "renormalize",
    fill_value: float = 0.0,
    size_rounding: str = "floor",
    coordinate_scale: str = "size",
    dtype: Any = None,
    engine: str = "auto",
    threads: int | None = None,
) -> Any:
    """Resize an N-D array along some of its axes.

    Output sample ``o`` of a resized axis reads the input at
    ``x_in = a * (o + c) + d`` (the grid convention), weighting the input
    pixels near ``x_in`` with the kernel (stretched by the downsampling factor
    when ``antialias``), and handling taps outside the input with the
    boundary rule.  :func:`pixelgrid.explain` prints all of it for a call.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Input of any dtype in uint8, int8, uint16, int16, int32, uint32,
        float16, float32, float64 (and bool, int64, uint64 with ``nearest``).
    size : int or sequence of int, optional
        Output length of each resized axis.
    scale : float or sequence of float, optional
        Scale factor (output/input) of each resized axis; the output length is
        ``size_rounding(in * scale)``, computed exactly.  Give ``size`` or
        ``scale``, not both.
    axes : int or sequence of int, optional
        The axes to resize.  Default: the leading ``len(size)`` axes for numpy
        arrays (``(H, W)`` of an ``(H, W, C)`` image) and the trailing ones for
        torch tensors (``(H, W)`` of ``(N, C, H, W)``).  A single number with no
        ``axes`` resizes every axis of a 1-D or 2-D array.
    kernel : str, Kernel, or one per axis
        ``"linear"`` (default), ``"nearest"``, ``"cubic"`` (Keys a=-0.5),
        ``"lanczos3"``, ``"area"``, ``"box"``, ... or a Kernel such as
        ``pixelgrid.kernels.cubic(a=-0.75)``.
    grid : str, Affine, or one per axis
        Grid convention; default ``"half_pixel"`` (pixels are unit cells and
        the outer edges align; ``align_corners=False``).
    align_corners : bool, optional
        Shorthand: True for ``grid="align_corners"`` (pixels are points, corner
        centres align), False for ``"half_pixel"``.
    antialias : bool or one per axis
        Stretch the kernel when an axis is downsampled so it averages instead
        of aliasing (default True, the Pillow / ``antialias=True`` model).
    boundary : str or one per axis
        ``"renormalize"`` (default: drop outside taps, renormalise; Pillow,
        PyTorch antialias), ``"clamp"``, ``"reflect"``, ``"symmetric"``,
        ``"wrap"`` or ``"constant"`` (reads ``fill_value``).
    fill_value : float
        Value outside the input for ``boundary="constant"``.
    size_rounding : {"floor", "round", "ceil"}
        Output length rule when ``scale`` is given.
    coordinate_scale : {"size", "factor"}
        With ``scale``, map coordinates with the exact size ratio (default, so
        the grid's edges align) or with ``1 / scale`` (PyTorch, OpenCV, ONNX).
    dtype : dtype, optional
        Output dtype (default: the input's).  Float to integer rounds half to
        even and clips to the integer range.
    engine : {"auto", "reference", "native"}
        ``"auto"`` uses the compiled engine when it supports the call (or the
        engine the ``PIXELGRID_ENGINE`` environment variable names; an explicit
        ``engine`` wins over it).
    threads : int, optional
        Threads for the compiled engine, 1 to 1024 (default:
        ``PIXELGRID_NUM_THREADS`` or all cores).

    Returns
    -------
    ndarray or torch.Tensor
        Same type, device and (unless ``dtype``) dtype as ``x``.

    Notes
    -----
    Integer data (8 and 16 bit) is resampled in fixed point and rounded once:
    weights with 14 to 22 fractional bits (8-bit data) or 30 (16-bit data),
    rows summing exactly to one; between passes an int16 (int32) intermediate
    keeps 6 to 8 (14 to 16) extra fractional bits, unclamped; the last pass
    rounds half up and clamps (``Arithmetic(intermediate="wide")``): within
    0.51 level of the same resize in float64.  Pillow and PyTorch round and
    clamp after every axis (their compat models do).  int32/uint32 use
    float64 and round half to even.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> pixelgrid.resize(np.array([0.0, 1.0]), 4, antialias=False).tolist()
    [0.0, 0.25, 0.75, 1.0]
    >>> pixelgrid.resize(np.array([0.0, 1.0]), 4, align_corners=True).round(4).tolist()
    [0.0, 0.3333, 0.6667, 1.0]

    """
    if is_torch(x):
        import torch

        from ._arrays import ENGINES
        from ._engines.torch_engine import check_tensor, finish_tensor, numpy_dtype, tensor_dtype

        check_choice("engine", engine, ENGINES)
        t = check_tensor(x)
        plans = make_plans(tuple(t.shape), size, scale=scale,
                           axes=_torch_axes(axes, t.dim(), size, scale), kernel=kernel,
                           grid=grid, align_corners=align_corners, antialias=antialias,
                           boundary=boundary, fill_value=fill_value,
                           size_rounding=size_rounding, coordinate_scale=coordinate_scale)
        if engine == "auto":
            # the torch engine: same device, differentiable, plan tensors cached
            return finish_tensor(t, plans, dtype)
        # an explicitly named numpy engine resamples a detached CPU copy
        out = t.dtype if dtype is None else tensor_dtype(dtype)
        if torch.bfloat16 in (t.dtype, out):
            raise TypeError(f"engine={engine!r} cannot resample bfloat16; use engine='auto'")
        y = _finish(t.detach().cpu().numpy(), plans, numpy_dtype(out), engine, threads)
        return torch.from_numpy(y).to(t.device)
    arr = check_array(x)
    key = _memo_key((arr.shape, size, scale, axes, kernel, grid, align_corners, antialias,
                     boundary, fill_value, size_rounding, coordinate_scale))
    memo = _PLANS_MEMO.get(key) if key is not None else None
    if memo is not None:
        plans = memo
    else:
        plans = make_plans(arr.shape, size, scale=scale, axes=axes, kernel=kernel, grid=grid,
                           align_corners=align_corners, antialias=antialias,
                           boundary=boundary, fill_value=fill_value,
                           size_rounding=size_rounding, coordinate_scale=coordinate_scale)
        if key is not None:
            with _PLANS_LOCK:
                if len(_PLANS_MEMO) >= 128:
                    _PLANS_MEMO.pop(next(iter(_PLANS_MEMO)))
                _PLANS_MEMO[key] = plans
    return _finish(arr, list(plans), dtype, engine, threads)


# make_plans results of recent resize calls (plans are pure functions of the arguments;
# a repeated call skips the argument checks, which passed, and the plan-cache lookups).
_PLANS_MEMO: dict[Any, list[tuple[int, AxisPlan]]] = {}
_PLANS_LOCK = threading.Lock()


def _memo_key(args: tuple[Any, ...]) -> Any:
    """Hashable key of ``args`` tagged with each value's type, or None if unhashable.

    The types keep ``1``, ``1.0`` and ``True`` apart, whose checks differ.
    """

    def tag(v: Any) -> Any:
        if isinstance(v, tuple):
            return (tuple, tuple(tag(e) for e in v))
        hash(v)
        return (type(v), v)

    try:
        return tag(args)
    except TypeError:
        return None


def _torch_axes(axes: Any, ndim: int, size: Any, scale: Any) -> Any:
    if axes is not None:
        return axes
    given = size if size is not None else scale
    if given is None or isinstance(given, numbers.Real):
        return None
    return list(range(ndim - len(given), ndim))


def _finish(arr: NDArray[Any], plans: list[tuple[int, AxisPlan]], dtype: Any, engine: str,
            threads: int | None) -> NDArray[Any]:
    out_dtype = arr.dtype if dtype is None else np.dtype(dtype)
    if out_dtype == arr.dtype:
        return run_plans(arr, plans, engine=engine, threads=threads)
    if np.issubdtype(out_dtype, np.floating):
        return run_plans(arr.astype(out_dtype), plans, engine=engine, threads=threads)
    if np.issubdtype(out_dtype, np.integer):
        y = run_plans(arr.astype(np.float64), plans, engine=engine, threads=threads)
        return store(y, out_dtype, "half_even")
    raise TypeError(f"dtype={dtype!r} is not supported; expected an integer or float dtype")
