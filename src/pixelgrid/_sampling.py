"""The one gather-and-weight routine behind every point sampler.

Sampling an image at arbitrary points is not separable, so it is not an
:class:`~pixelgrid.AxisPlan`; it reuses the rest of the core model:

* **coordinates** are in pixel units, in a declared convention: ``"index"``
  (pixel ``i`` has its centre at ``i``; the convention of :mod:`pixelgrid.grid`)
  or ``"continuous"`` (pixel ``i`` covers ``[i, i + 1]``, its centre at ``i + 0.5``);
* **kernels** are the :class:`~pixelgrid.Kernel` records of
  :mod:`pixelgrid.kernels`, evaluated at each point's tap offsets; nearest
  rounds with an explicit tie rule;
* **boundaries** are those of :func:`pixelgrid.plan`: taps outside the input are
  dropped and the rest renormalised (``"renormalize"``), mapped back inside
  (``"clamp"``, ``"reflect"``, ``"symmetric"``, ``"wrap"``) or read
  ``fill_value`` (``"constant"``; ``"zeros"`` is ``"constant"`` with 0), by the
  one definition of those rules, :func:`pixelgrid._plan.boundary_taps`;
* **stores** to an integer dtype round half to even with
  :func:`pixelgrid._arithmetic.store`.

One routine, :func:`sample_points`, gathers and weights for every entry point
here and for the ``grid_sample`` emulations of :mod:`pixelgrid.compat`.
Per axis it finds each point's taps and weights; it then loops over the
tensor product of tap columns (``T**k`` gathers of all points at once) and
accumulates.  Coordinates and weights are float64.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import cubic_tap_arguments, fma_float32, keys_float32, store
from ._arrays import is_torch, tensor_values
from ._kernels import NEAREST_TIES, Kernel, get_kernel
from ._memo import remember
from ._plan import BOUNDARIES, boundary_taps
from ._validate import as_array, check_axes, check_choice, check_positive_int

#: Coordinate conventions of points: pixel centres at integers, or the corner at 0.
POINT_CONVENTIONS = ("index", "continuous")
#: Boundaries accepted by :func:`sample` (``"zeros"``: ``"constant"`` with 0).
SAMPLE_BOUNDARIES = (*BOUNDARIES, "zeros")
#: Nearest tie rules for point sampling: the core's, plus round half to even
#: (``np.rint``; PyTorch/ONNX ``grid_sample``, OpenCV ``remap``).
SAMPLE_TIES = (*NEAREST_TIES, "round_half_even")

FloatArray = NDArray[np.float64]
#: How :func:`sample_points` weighs and sums: ``"float64"`` (weights and sums in
#: float64), or ``"float32_fma"``: each axis's kernel value rounded to float32, the
#: products across axes rounded to float32 in axis order, and the weighted values
#: summed in float32 tap by tap with fused multiply-adds (the first product
#: rounded), as PyTorch's vectorised 2-D ``grid_sample`` kernel does; ``"opencv_warp"``:
#: OpenCV's own ``warpAffine`` kernels (float32 positions, taps and lerps, one rule:
#: :mod:`pixelgrid._cv_warp`; affine warps of ``(H, W, C)`` data, nearest or linear);
#: ``"opencv_warp_ipp"``: the approximate model of Intel IPP's linear warp that cv2 uses
#: with IPP on (double positions, vertical-first lerp; nearest as ``"opencv_warp"``);
#: ``"torch_bicubic"``: PyTorch's vectorised float32 bicubic ``grid_sample`` (two Keys
#: cubic axes, the ``"floor"`` window, fill 0): each position rounded to float32,
#: ``t = x - floor(x)``, the four weights of an axis evaluated in float32 at ``t + 1``,
#: ``t``, ``1 - t``, ``2 - t`` (:func:`~pixelgrid._arithmetic.keys_float32`, the inner
#: piece fused), each row of 4 taps along the last axis summed as
#: ``(fma(c0, v0, c1 v1) + c2 v2) + c3 v3`` and the 4 rows as an FMA chain from
#: ``d0 r0`` (:func:`_sum_torch_bicubic`); float32 results.
SAMPLE_ARITHMETICS = ("float64", "float32_fma", "opencv_warp", "opencv_warp_ipp",
                      "torch_bicubic")
#: How :func:`grid_positions` maps normalised grid values to pixel positions:
#: ``"dtype"``: PyTorch's ``GridSampler.h`` formulas in the grid's own precision,
#: ``"float32_fma"``: its vectorised 2-D float32 kernel (``ComputeLocation``).
GRID_RULES = ("dtype", "float32_fma")
#: Which taps a point reads along an axis: ``"support"`` (pixelgrid's rule): the taps
#: ``ceil(x - r) + t`` inside the kernel's support, and a tap whose weight is 0 is not
#: read, so a NaN or inf reaches exactly the outputs that give it non-zero weight;
#: ``"floor"``: the ``2r`` taps ``floor(x) - r + 1 + t``, every one inside the input
#: read even with weight 0 (``0 * NaN``), as PyTorch's and ONNX Runtime's
#: ``grid_sample`` do (a NaN at an exact pixel position spreads to 4 bilinear outputs).
SAMPLE_WINDOWS = ("support", "floor")
#: What a weighted sample does with NaN/inf inputs: ``"propagate"`` (the sum is NaN or
#: inf as IEEE arithmetic gives it) or ``"omit"``: non-finite taps are dropped and the
#: rest renormalised, ``sum(w * x) / sum(w)`` over the finite taps (and the fill),
#: NaN if none remain; unchanged where every tap is finite; a no-op for integers.
NAN_POLICIES = ("propagate", "omit")
IntArray = NDArray[np.int64]
_NO_KERNEL = get_kernel("linear")  # _check_periodic reads no kernel value

#: Boundaries that fold any coordinate back onto the axis; their coordinates must stay
#: below PERIODIC_LIMIT in magnitude, where float64 still holds the fraction exactly.
PERIODIC_BOUNDARIES = ("wrap", "reflect", "symmetric")
PERIODIC_LIMIT = 2.0**52



# --------------------------------------------------------------------------------------
# The one gather-and-weight routine
# --------------------------------------------------------------------------------------


@dataclass
class _Taps:
    """Taps of every point along one axis: ``(M, T)`` indices, weights, inside mask."""

    index: IntArray
    weight: FloatArray
    inside: NDArray[np.bool_] | None  # None: every tap reads the input (mapped boundary)


def _nearest_index(x: FloatArray, tie: str) -> IntArray:
    """Nearest integer to each float ``x``, ties decided exactly by ``tie``.

    ``x - floor(x)`` is exact in binary floating point, so comparing it with 0.5
    decides ties without the rounding error of ``floor(x + 0.5)``
    (``0.49999999999999994 + 0.5`` rounds to 1.0).
    """
    if tie == "round_half_even":
        return np.rint(x).astype(np.int64)
    if tie == "ceil":
        return np.ceil(x).astype(np.int64)
    r = np.floor(x)
    if tie == "floor":
        return r.astype(np.int64)
    frac = x - r
    up = frac >= 0.5 if tie == "round_prefer_ceil" else frac > 0.5
    return (r + up).astype(np.int64)


def _axis_taps(
    x: FloatArray, n: int, kernel: Kernel, boundary: str, tie: str | None,
    window: str = "support",
) -> _Taps:
    """Taps and weights of points ``x`` (index convention) on an axis of length ``n``.

    The boundary rules are :func:`pixelgrid._plan.boundary_taps`, the ones
    :func:`pixelgrid.plan` applies; only the windows differ (a fixed number of
    taps per point, found in float64 around each point; ``window``: see
    :data:`SAMPLE_WINDOWS`).
    """
    if kernel.is_nearest:
        j = _nearest_index(x, tie or kernel.tie or "round_prefer_ceil")[:, None]
        w = np.ones(j.shape, dtype=np.float64)
    elif window == "floor":
        # The libraries' 2r taps from floor(x) - r + 1 (r an integer radius): inside a
        # closed support, so every tap keeps its kernel value.
        ri = int(kernel.radius)
        j = np.floor(x).astype(np.int64)[:, None] + np.arange(1 - ri, ri + 1, dtype=np.int64)
        w = kernel.fn(j - x[:, None])
    else:
        r = float(kernel.radius)
        closed_lo = kernel.edges in ("closed", "right_open")
        closed_hi = kernel.edges in ("closed", "left_open")
        lo = np.ceil(x - r) if closed_lo else np.floor(x - r) + 1
        hi = np.floor(x + r) if closed_hi else np.ceil(x + r) - 1
        taps = math.floor(2 * r) + 1
        j = lo.astype(np.int64)[:, None] + np.arange(taps, dtype=np.int64)
        in_support = j <= hi.astype(np.int64)[:, None]
        d = j - x[:, None]
        w = np.where(in_support, kernel.fn(np.where(in_support, d, 0.0)), 0.0)
        # Kernels that vanish at +-radius (linear, cubic, lanczos) never need the
        # last column: drop it so a 2-D bilinear sample is 4 gathers, not 9.
        while j.shape[1] > 1 and not np.any(w[:, -1]):
            j, w = j[:, :-1], w[:, :-1]
    index, weight, outside = boundary_taps(j, w, x, n, boundary, kernel.is_nearest)
    return _Taps(index, weight, None if outside is None else ~outside)


def _safe_coords(x: FloatArray, n: int, kernel: Kernel, boundary: str) -> FloatArray:
    """Bring far-away coordinates into int64 range without changing any result."""
    if boundary in PERIODIC_BOUNDARIES:
        if np.any(np.abs(x) >= PERIODIC_LIMIT):
            raise ValueError(
                f"coordinates up to {float(np.max(np.abs(x))):.3g} are too large for "
                f"boundary={boundary!r} (|coordinate| must be < 2**52)"
            )
        return x
    # Every tap of a point beyond radius + 1 pixels outside reads the same thing
    # (the fill, or the edge pixel), so clipping there is exact.
    margin = float(kernel.radius) + 2.0
    return np.clip(x, -margin, n - 1 + margin)


def affine_points(back: FloatArray, h: int, w: int) -> FloatArray:
    """``(h * w, 2)`` (row, column) source points of an affine warp's output pixels.

    Output pixel ``(i, j)`` reads ``(back[1] @ (j, i, 1), back[0] @ (j, i, 1))``,
    computed as ``(b0 * j + b1 * i) + b2`` in float64 (the compiled sampler
    evaluates the same expression).
    """
    jj, ii = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    sx = back[0, 0] * jj + back[0, 1] * ii + back[0, 2]
    sy = back[1, 0] * jj + back[1, 1] * ii + back[1, 2]
    return np.stack([sy, sx], axis=-1).reshape(-1, 2)


def affine_corners(back: FloatArray, h: int, w: int) -> FloatArray:
    """The four corner points of :func:`affine_points` (the extremes of every coordinate)."""
    i = np.array([0.0, 0.0, h - 1.0, h - 1.0])
    j = np.array([0.0, w - 1.0, 0.0, w - 1.0])
    sx = back[0, 0] * j + back[0, 1] * i + back[0, 2]
    sy = back[1, 0] * j + back[1, 1] * i + back[1, 2]
    return np.stack([sy, sx], axis=-1)


def _check_periodic(pts: FloatArray, boundaries: Sequence[str]) -> None:
    """The ``|coordinate| < 2**52`` rule of :func:`_safe_coords` for periodic boundaries."""
    for i, b in enumerate(boundaries):
        if b in PERIODIC_BOUNDARIES:
            _safe_coords(pts[:, i], 1, _NO_KERNEL, b)


def _resolve_engine(engine: str) -> str:
    """``engine`` checked; ``"auto"`` follows ``PIXELGRID_ENGINE`` when it is set."""
    from ._arrays import resolve_engine

    return resolve_engine(engine)


def sample_points(
    xm: NDArray[Any],
    pts: FloatArray | None,
    kernels: Sequence[Kernel],
    boundaries: Sequence[str],
    fill_value: float,
    tie: str | None = None,
    arithmetic: str = "float64",
    window: str = "support",
    nan_policy: str = "propagate",
    *,
    engine: str = "auto",
    out_dtype: np.dtype[Any] | None = None,
    affine: tuple[FloatArray, int, int] | None = None,
    out: NDArray[Any] | None = None,
    grid: tuple[NDArray[Any], bool, str, str] | None = None,
    fill_channels: Sequence[float] | None = None,
) -> NDArray[Any]:
    """Sample ``xm`` (shape ``S + (C,)``) at points ``pts`` (``(M, k)``, index convention).

    The one routine behind every point sampler (``_sample_points`` is its
    older, private name).  Returns ``(M, C)``: float64 for weighted kernels (float32 under
    ``arithmetic="float32_fma"``, see :data:`SAMPLE_ARITHMETICS`), ``xm``'s dtype
    when every axis is nearest (a pure gather).  ``boundaries`` are core names
    (``constant`` reads ``fill_value``).  ``window`` and ``nan_policy``: see
    :data:`SAMPLE_WINDOWS` and :data:`NAN_POLICIES`.  ``affine = (back, H, W)``
    gives the points of an affine warp instead of ``pts`` (:func:`affine_points`).
    ``engine``: ``"reference"`` is this numpy code (the oracle), ``"native"`` the
    compiled sampler (the same rules, :mod:`pixelgrid._engines.native_sampler`),
    ``"auto"`` the compiled one where it runs.  ``out_dtype`` lets the compiled
    sampler store the result directly in the input's dtype (rounded half to
    even, as :func:`_cast_result`); the numpy code returns float64 regardless.
    ``out``: an ``(M, C)`` array (a view, e.g. of an ``(N, C, ...)`` result) the
    samples are written to (as float assignment casts), and returned.
    ``grid = (g, align_corners, padding, rule)`` gives the points
    ``grid_points(g, S, align_corners, padding, rule)`` instead of ``pts`` (``g``:
    ``(M, k)`` normalised ``(x, y[, z])``); the compiled sampler computes them point by
    point as it samples instead of storing them first.
    ``arithmetic="opencv_warp"``/``"opencv_warp_ipp"`` (``affine`` only;
    ``fill_channels``: a border value per channel) returns ``xm``'s dtype, stored as
    OpenCV stores it (:mod:`pixelgrid._cv_warp`).
    """
    check_choice("arithmetic", arithmetic, SAMPLE_ARITHMETICS)
    if arithmetic in ("opencv_warp", "opencv_warp_ipp"):
        yw = _opencv_warp(xm, kernels, boundaries, fill_value, affine, engine, fill_channels,
                          arithmetic == "opencv_warp_ipp")
        if out is not None:
            out[...] = yw
            return out
        return yw
    check_choice("window", window, SAMPLE_WINDOWS)
    check_nan_policy(nan_policy)
    if nan_policy == "omit" and (window != "support" or arithmetic != "float64"):
        raise ValueError("nan_policy='omit' needs window='support' and float64 arithmetic")
    if arithmetic == "torch_bicubic":
        _check_torch_bicubic(kernels, boundaries, fill_value, window)
    engine = _resolve_engine(engine)
    if grid is not None and (engine == "reference" or grid[0].shape[1] != 2
                             or any(b in PERIODIC_BOUNDARIES for b in boundaries)
                             or not _native_grid(grid[0], grid[3])):
        # the positions first (the oracle; 3-D grids; periodic taps, whose coordinates
        # _check_periodic bounds)
        pts = grid_points(grid[0], xm.shape[: grid[0].shape[1]], grid[1], grid[2], grid[3],
                          engine=engine)
        grid = None
    if engine != "reference":
        from ._engines import native_sampler

        if grid is None:
            _check_periodic(pts if pts is not None else affine_corners(*affine),  # type: ignore[misc]
                            boundaries)

        y = native_sampler.sample(xm, pts, kernels, boundaries, fill_value, tie, arithmetic,
                                  window, nan_policy, out_dtype, affine, out=out, grid=grid)
        if y is not None:
            if (nan_policy == "omit" and y.dtype == np.float16
                    and all(kk.is_nearest for kk in kernels)):
                y[~np.isfinite(y)] = np.nan
            return y
        if engine == "native":
            raise ValueError(
                f"engine='native' cannot sample dtype {xm.dtype} with these kernels; "
                "use engine='auto' or 'reference'"
            )
    if pts is None:
        assert affine is not None
        pts = affine_points(*affine)
    # NaN/inf data: 0 * inf and inf - inf are the IEEE results the rules ask for
    with np.errstate(invalid="ignore", over="ignore"):
        y = _reference_points(xm, pts, kernels, boundaries, fill_value, tie, arithmetic,
                              window, nan_policy)
    if out is not None:
        out[...] = y
        return out
    return y


#: compiled cv2.warpAffine calls that succeeded -> their kernel arguments (lists, no arrays)
_CV_MEMO: dict[tuple[Any, ...], dict[str, Any]] = {}


def _opencv_warp(xm: NDArray[Any], kernels: Sequence[Kernel], boundaries: Sequence[str],
                 fill_value: float, affine: tuple[FloatArray, int, int] | None, engine: str,
                 fill_channels: Sequence[float] | None, ipp: bool = False) -> NDArray[Any]:
    """:func:`sample_points` under ``arithmetic="opencv_warp"`` (``_ipp``): ``(h * w, C)``."""
    from ._cv_warp import (
        OPENCV_WARP_BOUNDARIES,
        OPENCV_WARP_LANES,
        opencv_check_positions,
        opencv_warp_reference,
    )

    if affine is None or xm.ndim != 3 or len(kernels) != 2:
        raise ValueError("arithmetic='opencv_warp' (_ipp) samples an affine warp (affine=...) of "
                         "(H, W, C) data")
    if not (all(k.name == "linear" for k in kernels) or all(k.is_nearest for k in kernels)):
        raise ValueError("arithmetic='opencv_warp' takes kernel 'linear' or 'nearest' on "
                         f"both axes, got {[k.name for k in kernels]}")
    if len(set(boundaries)) != 1 or boundaries[0] not in OPENCV_WARP_BOUNDARIES:
        raise ValueError(f"arithmetic='opencv_warp' takes one boundary of "
                         f"{list(OPENCV_WARP_BOUNDARIES)} for both axes, got {list(boundaries)}")
    back, h, w = affine
    linear = not kernels[0].is_nearest
    fill = list(fill_channels) if fill_channels is not None else [fill_value] * xm.shape[2]
    engine = _resolve_engine(engine)
    key = None
    if engine != "reference" and type(back) is np.ndarray:
        # a repeated call: the compiled kernel's arguments of a call that succeeded (the
        # position check passed; the fill's -0.0 told from 0.0 by its hex form)
        key = (back.tobytes(), back.shape, back.dtype, h, w, linear, boundaries[0],
               tuple(float(v).hex() for v in fill), xm.dtype, xm.shape, ipp)
        got = _CV_MEMO.get(key)
        if got is not None:
            from ._engines import native_cv_warp

            return native_cv_warp.run(xm, h, w, got).reshape(h * w, -1)
    opencv_check_positions(back, h, w, boundaries[0])
    if engine != "reference":
        from ._engines import native_cv_warp

        y = native_cv_warp.warp(xm, back, h, w, linear, boundaries[0], fill, OPENCV_WARP_LANES,
                                ipp=ipp)
        if y is not None:
            if key is not None:
                remember(_CV_MEMO, key, native_cv_warp.arguments(
                    xm, back, linear, boundaries[0], fill, OPENCV_WARP_LANES, ipp=ipp), 64)
            return y.reshape(h * w, -1)
        if engine == "native":
            raise ValueError(f"engine='native' cannot run arithmetic='opencv_warp' on dtype "
                             f"{xm.dtype} with {xm.shape[2]} channels; use engine='auto'")
    y = opencv_warp_reference(xm, back, h, w, linear, boundaries[0], fill, ipp=ipp)
    return y.reshape(h * w, -1)


def opencv_warp_runner(xm: NDArray[Any], back: FloatArray, h: int, w: int, linear: bool,
                       boundary: str, fill: Sequence[float], ipp: bool) -> Any:
    """``run(x)``: :func:`sample_points` under ``arithmetic="opencv_warp"`` (``_ipp``), fixed.

    For a call of these arguments that succeeded (its positions checked) and images of
    ``xm``'s layout (``(H, W, C)``): the compiled kernel's arguments converted once, so
    ``run(x)`` returns the ``(h, w, C)`` result of image ``x`` as that call does; None
    where the call would not run the compiled kernel (the reference engine, a dtype or
    channel count it lacks).
    """
    from ._arrays import threads_now_auto
    from ._cv_warp import OPENCV_WARP_LANES
    from ._engines import native, native_cv_warp

    if (_resolve_engine("auto") == "reference" or not native_cv_warp.available()
            or native_cv_warp.warp_skips(xm)):
        return None
    args = native_cv_warp.arguments(xm, back, linear, boundary, fill, OPENCV_WARP_LANES, ipp=ipp)
    kernel = native._ext.cv_warp_affine
    fixed = (args["m"], args["fill"], args["linear"], args["border"], args["lanes"])
    rest = (args["simd"], args["ipp"], args["md"], args["avx512"])
    shape, dt, contiguous = (h, w, xm.shape[2]), xm.dtype, xm.flags.c_contiguous

    def run(x: NDArray[Any]) -> NDArray[Any]:
        out = np.empty(shape, dtype=dt)
        kernel(x if contiguous else np.ascontiguousarray(x), out, *fixed, threads_now_auto(),
               *rest)
        return out

    return run


def _native_grid(g: NDArray[Any], rule: str) -> bool:
    """Whether the compiled sampler computes the points of grid ``g`` by ``rule`` itself."""
    return g.dtype == np.float32 or (g.dtype == np.float64 and rule == "dtype")


def grid_sample_runner(x: NDArray[Any], g: NDArray[Any], kernel: Kernel, tie: str | None,
                       window: str, boundary: str, padding: str, align_corners: bool,
                       rule: str, arithmetic: str) -> Any:
    """``run(x, g)`` of a 2-D ``grid_sample`` for arrays of ``x``'s and ``g``'s layouts.

    What a loop over the batch of :func:`sample_points` calls computes (``x`` of shape
    ``(N, C, H, W)``, ``g`` ``(N, Ho, Wo, 2)``; per image ``sample_points(x[b] moved to
    (H, W, C), None, [kernel] * 2, [boundary] * 2, 0.0, tie, arithmetic, window,
    out_dtype=x.dtype, out=..., grid=(g[b] as (M, 2), align_corners, padding, rule))``,
    result ``(N, C, Ho, Wo)``) with every setting converted once, for a memo of repeated
    calls: None where that call would not hand the grid to the compiled sampler as it is
    (the reference engine, periodic taps, a grid it converts first, kernels it does not
    evaluate, empty or negatively strided arrays).  ``run(x, g, below)`` tests the grid's
    values as it reads them (``all_finite(g, below=below)``'s compiled test): None where
    one fails (then the caller's full check decides), else the result.
    """
    from ._arrays import resolve_engine, threads_now_auto
    from ._engines import native_sampler

    if (x.ndim != 4 or g.ndim != 4 or g.shape[-1] != 2 or x.size == 0 or g.size == 0
            or resolve_engine("auto") == "reference" or boundary in PERIODIC_BOUNDARIES
            or not _native_grid(g, rule) or not native_sampler.supported()
            or min(x.strides) < 0):
        return None
    setup = native_sampler.affine_setup(x.dtype, [kernel] * 2, [boundary] * 2, tie, 0.0)
    if setup is None:
        return None
    call = native_sampler.grid_call(setup, 0.0, arithmetic, window, align_corners, padding,
                                    rule, threads_now_auto, int(g.shape[2]))
    n, c = x.shape[:2]
    shape, dt = (n, c, *g.shape[1:-1]), x.dtype
    contiguous = g.flags.c_contiguous

    def run(xa: NDArray[Any], ga: NDArray[Any], below: float) -> NDArray[Any] | None:
        out = np.empty(shape, dtype=dt)
        for b in range(n):
            gb = ga[b].reshape(-1, 2)
            if not call(xa[b].transpose(1, 2, 0),
                        gb if contiguous else np.ascontiguousarray(gb),
                        out[b].reshape(c, -1).T, below):
                return None
        return out

    return run


def affine_grid_sums(theta: NDArray[np.float64], bases: Sequence[NDArray[np.float64]],
                     out: NDArray[Any]) -> bool:
    """Fill ``out`` with an affine grid's float64 sums in the compiled engine, if it runs.

    ``out[n, ..., j] = (x t[n,j,0] + [z t[n,j,2] +] t[n,j,dim]) + (y t[n,j,1] + 0.0
    [+ t[n,j,3]])`` rounded once to ``out``'s dtype (float32 or float64), ``x``/``y``/``z``
    the ``bases`` (component order, ``x`` along the last spatial axis): the order of the
    einsum that ``compat.torch.affine_grid`` reproduces.  ``theta`` ``(N, dim, dim + 1)``
    C-contiguous float64, ``out`` ``(N, *spatial, dim)`` C-contiguous.  False (``out``
    untouched) where the reference engine is chosen or the compiled one is not built.
    """
    from ._arrays import _native_module, resolve_engine, threads_now_auto

    native = _native_module()
    if native is None or resolve_engine("auto") == "reference":
        return False
    native._ext.affine_grid(theta, list(bases), out, threads_now_auto())
    return True


def _reference_points(
    xm: NDArray[Any], pts: FloatArray, kernels: Sequence[Kernel], boundaries: Sequence[str],
    fill_value: float, tie: str | None, arithmetic: str, window: str, nan_policy: str,
) -> NDArray[Any]:
    """The numpy oracle of :func:`sample_points`."""
    k = pts.shape[1]
    spatial = xm.shape[:k]
    channels = xm.shape[k]
    flat = xm.reshape(-1, channels)
    strides = [int(np.prod(spatial[i + 1:], dtype=np.int64)) for i in range(k)]
    taps = [
        _axis_taps(_safe_coords(pts[:, i], spatial[i], kernels[i], boundaries[i]),
                   spatial[i], kernels[i], boundaries[i], tie, window)
        for i in range(k)
    ]
    m = pts.shape[0]
    gather = all(kk.is_nearest for kk in kernels)
    if gather:
        idx = sum(t.index[:, 0] * s for t, s in zip(taps, strides, strict=True))
        out = flat[np.asarray(idx, dtype=np.int64)]
        masks = [t.inside[:, 0] for t in taps if t.inside is not None]
        if masks:
            valid = np.logical_and.reduce(masks)
            out[~valid] = np.asarray(fill_value).astype(xm.dtype)
        if nan_policy == "omit" and out.dtype.kind == "f":  # a single tap: none left
            out[~np.isfinite(out)] = np.nan
        return out
    if arithmetic == "float32_fma":
        return _sum_float32_fma(flat, taps, strides, m, fill_value, window)
    if arithmetic == "torch_bicubic":
        return _sum_torch_bicubic(flat, pts, taps, strides, float(kernels[0].params["a"]))
    src = flat if flat.dtype == np.float64 else flat.astype(np.float64)
    acc = np.zeros((m, channels), dtype=np.float64)
    fill_w = np.zeros(m, dtype=np.float64)
    omit = nan_policy == "omit" and src.dtype.kind == "f" and flat.dtype.kind == "f"
    wsum = np.zeros((m, channels), dtype=np.float64) if omit else None
    dropped = np.zeros((m, channels), dtype=bool) if omit else None
    for cols in itertools.product(*(range(t.index.shape[1]) for t in taps)):
        w = np.ones(m, dtype=np.float64)
        idx = np.zeros(m, dtype=np.int64)
        ok: NDArray[np.bool_] | None = None
        for t, c, s in zip(taps, cols, strides, strict=True):
            w = w * t.weight[:, c]
            idx = idx + t.index[:, c] * s
            if t.inside is not None:
                ok = t.inside[:, c] if ok is None else ok & t.inside[:, c]
        if ok is not None:
            fill_w += np.where(ok, 0.0, w)
            w = np.where(ok, w, 0.0)
        v = src[idx]
        # Which taps are read (SAMPLE_WINDOWS): "support" skips weight-0 taps, "floor"
        # reads every tap inside the input; a tap not read adds w * 0.
        read = (w != 0) if window == "support" else ok
        if read is not None:
            v = np.where(read[:, None], v, 0.0)
        if wsum is not None and dropped is not None:
            fin = np.isfinite(v)
            dropped |= ~fin
            v = np.where(fin, v, 0.0)
            wsum += np.where(fin, w[:, None], 0.0)
        acc += w[:, None] * v
    if fill_value != 0 and np.any(fill_w):
        acc += fill_w[:, None] * fill_value
    if wsum is not None and dropped is not None and np.any(dropped):
        wsum += fill_w[:, None]
        ratio = np.divide(acc, wsum, out=np.full_like(acc, np.nan), where=wsum != 0)
        acc = np.where(dropped, ratio, acc)
    return acc


_sample_points = sample_points  # the older private name (regions.py, tests)


# --------------------------------------------------------------------------------------
# Normalised grids ([-1, 1]) to pixel positions: PyTorch's grid_sample arithmetic
# --------------------------------------------------------------------------------------


def unnormalize(u: NDArray[Any], n: int, align_corners: bool,
                rule: str = "dtype") -> NDArray[Any]:
    """PyTorch's grid unnormalisation of ``u`` for an axis of ``n`` pixels.

    ``"dtype"`` (``GridSampler.h``, in ``u``'s precision): ``(u + 1) / 2 * (n - 1)``
    with ``align_corners``, else ``((u + 1) * n - 1) / 2``.  ``"float32_fma"`` (the
    vectorised 2-D kernel): ``f32(f32(u + 1) * f32((n - 1) / 2))``, else
    ``fma(f32(u + 1), f32(n / 2), -0.5)`` rounded once.

    Examples
    --------
    >>> unnormalize(np.array([-1.0, 1.0]), 4, False).tolist()
    [-0.5, 3.5]
    >>> unnormalize(np.array([-1.0, 1.0], np.float32), 4, False, "float32_fma").tolist()
    [-0.5, 3.5]

    """
    check_choice("rule", rule, GRID_RULES)
    if rule == "float32_fma":
        t = (np.asarray(u, np.float32) + np.float32(1)).astype(np.float32)
        if align_corners:
            return np.asarray(t * np.float32((n - 1) / 2), dtype=np.float32)
        return fma_float32(t, np.full_like(t, np.float32(n / 2)), np.full_like(t, -0.5))
    f = u.dtype.type
    if align_corners:
        return np.asarray((u + f(1)) / f(2) * f(n - 1))
    return np.asarray(((u + f(1)) * f(n) - f(1)) / f(2))


def reflect_coordinates(c: NDArray[Any], twice_low: int, twice_high: int,
                        rule: str = "dtype") -> NDArray[Any]:
    """PyTorch's ``reflect_coordinates``: mirror ``c`` into ``[low, high]`` (bounds given x2).

    ``"dtype"``: ``fmod`` of ``|c - low|`` by the span (``GridSampler.h``);
    ``"float32_fma"``: the vectorised kernel's ``extra = |c - low| - trunc(|c - low| /
    2 span) * 2 span``, then ``min(extra, 2 span - extra) + low``, in float32.

    Examples
    --------
    >>> reflect_coordinates(np.array([-1.0, 4.5]), 0, 6).tolist()
    [1.0, 1.5]
    >>> reflect_coordinates(np.array([-1.0, 4.5], np.float32), 0, 6, "float32_fma").tolist()
    [1.0, 1.5]

    """
    check_choice("rule", rule, GRID_RULES)
    if twice_low == twice_high:
        return np.zeros_like(c)
    if rule == "float32_fma":
        f32 = np.float32
        low, ts = f32(twice_low / 2), f32(twice_high - twice_low)
        a = np.abs((np.asarray(c, f32) - low).astype(f32))
        flips = np.trunc((a / ts).astype(f32))
        extra = fma_float32(-flips, np.full_like(a, ts), a)
        return np.asarray((np.minimum(extra, (ts - extra).astype(f32)) + low), dtype=f32)
    f = c.dtype.type
    mn = f(twice_low / 2)
    span = f((twice_high - twice_low) / 2)
    d = np.abs(c - mn)
    extra = np.fmod(d, span)
    flips = np.floor(d / span)
    return np.asarray(np.where(flips % 2 == 0, extra + mn, span - extra + mn), dtype=c.dtype)


def grid_positions(u: NDArray[Any], n: int, align_corners: bool, padding: str,
                   rule: str = "dtype") -> NDArray[Any]:
    """Pixel positions of normalised grid values ``u``, padded as PyTorch's ``grid_sample``.

    ``padding``: ``"zeros"`` (as computed), ``"border"`` (clipped to
    ``[0, n - 1]``) or ``"reflection"`` (mirrored about the edge pixel centres
    with ``align_corners``, else about the image edges, then clipped).  Computed
    by ``rule`` (:data:`GRID_RULES`) in ``u``'s precision.

    Examples
    --------
    >>> grid_positions(np.array([-1.5, 0.0, 1.5]), 4, True, "reflection").tolist()
    [0.75, 1.5, 2.25]

    """
    x = unnormalize(u, n, align_corners, rule)
    if padding == "zeros":
        return x
    if padding == "reflection":
        x = (reflect_coordinates(x, 0, 2 * (n - 1), rule) if align_corners
             else reflect_coordinates(x, -1, 2 * n - 1, rule))
    f = x.dtype.type
    return np.asarray(np.clip(x, f(0), f(n - 1)), dtype=x.dtype)


def grid_points(g: NDArray[Any], sizes: Sequence[int], align_corners: bool, padding: str,
                rule: str = "dtype", engine: str = "auto") -> FloatArray:
    """``(P, k)`` pixel positions of ``P`` grid points ``g`` (``(P, k)``, ``(x, y[, z])`` order).

    Axis ``i`` (of ``sizes``) reads component ``k - 1 - i`` and is mapped by
    :func:`grid_positions`; the compiled sampler computes the same rules.
    """
    if _resolve_engine(engine) != "reference":
        from ._engines import native_sampler

        p = native_sampler.grid_positions(g, sizes, align_corners, padding, rule)
        if p is not None:
            return p
    k = g.shape[1]
    cols = [grid_positions(np.ascontiguousarray(g[:, k - 1 - i]), sizes[i], align_corners,
                           padding, rule).astype(np.float64) for i in range(k)]
    return np.stack(cols, axis=-1)


def _sum_float32_fma(flat: NDArray[Any], taps: list[_Taps], strides: list[int], m: int,
                     fill_value: float, window: str = "support") -> NDArray[np.float32]:
    """The weighted sum of :func:`sample_points` under ``arithmetic="float32_fma"``."""
    src = flat.astype(np.float32)
    acc: NDArray[np.float32] | None = None
    fill_w = np.zeros(m, dtype=np.float32)
    for cols in itertools.product(*(range(t.index.shape[1]) for t in taps)):
        w: NDArray[np.float32] | None = None
        idx = np.zeros(m, dtype=np.int64)
        ok: NDArray[np.bool_] | None = None
        for t, c, s in zip(taps, cols, strides, strict=True):
            wt = t.weight[:, c].astype(np.float32)
            w = wt if w is None else (w * wt).astype(np.float32)
            idx = idx + t.index[:, c] * s
            if t.inside is not None:
                ok = t.inside[:, c] if ok is None else ok & t.inside[:, c]
        assert w is not None
        if ok is not None:
            fill_w = (fill_w + np.where(ok, np.float32(0), w)).astype(np.float32)
            w = np.where(ok, w, np.float32(0)).astype(np.float32)
        v = src[idx]
        read = (w != 0) if window == "support" else ok  # see sample_points
        if read is not None:
            v = np.where(read[:, None], v, np.float32(0))
        wc = np.broadcast_to(w[:, None], v.shape)
        acc = (v * wc).astype(np.float32) if acc is None else fma_float32(v, wc, acc)
    assert acc is not None
    if fill_value != 0 and np.any(fill_w):
        # per point, where a fill weight exists (the compiled sampler's rule)
        filled = fma_float32(np.full_like(acc, np.float32(fill_value)),
                             np.broadcast_to(fill_w[:, None], acc.shape), acc)
        acc = np.where((fill_w != 0)[:, None], filled, acc)
    return acc


def torch_bicubic_weights(x: NDArray[Any], a: float) -> NDArray[np.float32]:
    """``(m, 4)`` float32 weights of taps ``floor(x) - 1 .. floor(x) + 2`` of positions ``x``.

    PyTorch's vectorised ``grid_sample`` (``get_cubic_coefficients``): ``x`` rounded to
    float32, ``t = x - floor(x)`` (exact), Keys' cubic at ``t + 1``, ``t``, ``1 - t``,
    ``2 - t`` (each a float32 operation) with the inner piece fused, the outer not, as
    its CPU build (AVX2 and AVX-512) computes them.

    Examples
    --------
    >>> torch_bicubic_weights(np.array([2.5]), -0.75).tolist()
    [[-0.09375, 0.59375, 0.59375, -0.09375]]
    """
    args = cubic_tap_arguments(np.asarray(x, dtype=np.float32))
    w = keys_float32(args.astype(np.float64), a, inner=(True, True), outer=(False, False, False))
    return w.astype(np.float32)


def _check_torch_bicubic(kernels: Sequence[Kernel], boundaries: Sequence[str],
                         fill_value: float, window: str) -> None:
    """ValueError unless ``arithmetic="torch_bicubic"`` can take these settings."""
    cubic = len(kernels) == 2 and all(
        k.name.startswith("cubic(") and set(k.params) == {"a"} and k.radius == 2
        and k.params["a"] == kernels[0].params["a"] for k in kernels)
    if not cubic:
        raise ValueError("arithmetic='torch_bicubic' samples 2 axes of one Keys cubic "
                         f"(cubic(a)); got kernels {[k.name for k in kernels]}")
    if window != "floor":
        raise ValueError(f"arithmetic='torch_bicubic' reads the 'floor' window; got "
                         f"window={window!r}")
    if "renormalize" in boundaries:
        raise ValueError(f"arithmetic='torch_bicubic' takes boundaries "
                         f"{[b for b in SAMPLE_BOUNDARIES if b != 'renormalize']}; got "
                         f"{list(boundaries)}")
    if fill_value != 0 and "constant" in boundaries:
        raise ValueError(f"arithmetic='torch_bicubic' fills with 0 (zeros padding); got "
                         f"fill_value={fill_value!r}")


def _sum_torch_bicubic(flat: NDArray[Any], pts: FloatArray, taps: list[_Taps],
                       strides: list[int], a: float) -> NDArray[np.float32]:
    """The weighted sum of :func:`sample_points` under ``arithmetic="torch_bicubic"``.

    ``taps``: the ``"floor"`` window of each axis (indices and inside masks; their
    weights are not used): a tap outside a constant boundary reads 0.
    """
    f = np.float32
    src = flat.astype(f)
    m = pts.shape[0]
    wy, wx = (torch_bicubic_weights(pts[:, i], a) for i in range(2))
    rows = []
    for i in range(4):
        v = []
        for k in range(4):
            idx = taps[0].index[:, i] * strides[0] + taps[1].index[:, k] * strides[1]
            val = src[idx]
            ok = [t.inside[:, c] for t, c in ((taps[0], i), (taps[1], k)) if t.inside is not None]
            if ok:
                val = np.where(np.logical_and.reduce(ok)[:, None], val, f(0))
            v.append(val)
        c = [np.broadcast_to(wx[:, k, None], v[0].shape) for k in range(4)]
        r = fma_float32(c[0], v[0], (c[1] * v[1]).astype(f))
        r = (r + (c[2] * v[2]).astype(f)).astype(f)
        rows.append((r + (c[3] * v[3]).astype(f)).astype(f))
    d = [np.broadcast_to(wy[:, i, None], rows[0].shape) for i in range(4)]
    out = fma_float32(d[1], rows[1], (d[0] * rows[0]).astype(f))
    out = fma_float32(d[2], rows[2], out)
    out = fma_float32(d[3], rows[3], out)
    return out.reshape(m, -1)


def _cast_result(y: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
    """Cast float64 results to the input's dtype (integers: round half to even, clip)."""
    if y.dtype == dtype:
        return y
    out: NDArray[Any]
    if np.issubdtype(dtype, np.integer):
        out = store(y, dtype, "half_even")
    elif dtype == np.bool_:
        out = y != 0
    else:
        out = y.astype(dtype)
    return out


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def check_nan_policy(nan_policy: Any) -> str:
    """``nan_policy`` if it is one of :data:`NAN_POLICIES`, else a ValueError naming it."""
    if not isinstance(nan_policy, str) or nan_policy not in NAN_POLICIES:
        raise ValueError(
            f"nan_policy={nan_policy!r} is not valid; expected one of {list(NAN_POLICIES)}"
        )
    return nan_policy


def _point_offset(convention: str) -> float:
    """What to add to a coordinate of ``convention`` to get the index convention."""
    check_choice("convention", convention, POINT_CONVENTIONS)
    return -0.5 if convention == "continuous" else 0.0


def _sample_kernel(kernel: str | Kernel) -> Kernel:
    k = get_kernel(kernel)
    if k.footprint is not None:
        raise ValueError(
            f"kernel={kernel!r} is a footprint kernel (it averages over an output pixel's "
            "extent), which a point sample does not have; use 'linear', 'nearest', "
            "'cubic', 'lanczos3', ... (resample_region's sampling_ratio averages)"
        )
    return k


def _boundaries(boundary: Any, k: int, fill_value: float) -> tuple[list[str], float]:
    items = list(boundary) if isinstance(boundary, (list, tuple)) else [boundary] * k
    if len(items) != k:
        raise ValueError(
            f"boundary={boundary!r} has {len(items)} entries but {k} axes are sampled"
        )
    out = []
    for b in items:
        check_choice("boundary", b, SAMPLE_BOUNDARIES)
        if b == "zeros":
            if fill_value != 0:
                raise ValueError(
                    f"boundary='zeros' reads 0; use boundary='constant' with "
                    f"fill_value={fill_value!r}"
                )
            b = "constant"
        out.append(b)
    return out, fill_value


def _fill(fill_value: Any, name: str = "fill_value") -> float:
    if isinstance(fill_value, bool) or not isinstance(fill_value, numbers.Real):
        raise TypeError(f"{name}={fill_value!r} must be a real number")
    f = float(fill_value)
    if not math.isfinite(f):
        raise ValueError(f"{name}={fill_value!r} must be finite")
    return f


def _coords_array(coords: Any, name: str = "coords") -> FloatArray:
    if is_torch(coords):
        coords = tensor_values(coords, name, "pixelgrid's point sampler", float64=True)
    arr = as_array(name, coords)  # ragged lists, strings: an error naming ``name``
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating)
                                   or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have shape (..., k) with one coordinate per sampled axis")
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise ValueError(
            f"{name} holds {int(bad.sum())} non-finite value(s) (NaN or inf), e.g. at "
            f"{tuple(int(i) for i in np.argwhere(bad)[0])}; every coordinate must be finite"
        )
    return arr


def _axes(axes: Any, ndim: int, k: int, trailing: bool) -> list[int]:
    if k > ndim:
        raise ValueError(
            f"coords has {k} coordinates per point but the array has only {ndim} dimensions"
        )
    if axes is None:
        return list(range(ndim - k, ndim)) if trailing else list(range(k))
    out = check_axes(axes, ndim)
    if len(out) != k:
        raise ValueError(
            f"axes={axes!r} names {len(out)} axes but coords has {k} coordinates per point"
        )
    return out


def _prepare(arr: NDArray[Any], ax: list[int], kernels: Sequence[Kernel]) -> NDArray[Any]:
    """Move the sampled axes first and flatten the others into one channel axis."""
    if not isinstance(arr, np.ndarray):  # a Dask array (check_array passes one on)
        raise TypeError(
            "x is a Dask array: this sampler needs it in memory (x.compute()); "
            "Dask arrays are lazy in resize, resize_labels, pyramid, warp_affine, sample "
            "and the compat resizes"
        )
    if not all(k.is_nearest for k in kernels) and arr.dtype.name in ("bool", "int64", "uint64"):
        raise TypeError(
            f"dtype {arr.dtype} can only be sampled with kernel='nearest' (weights would "
            "change its values); cast it to a float dtype first"
        )
    rest = [a for a in range(arr.ndim) if a not in ax]
    xm = np.transpose(arr, ax + rest)
    shape = (*xm.shape[: len(ax)], -1)
    try:  # a strided view where the other axes merge (NCHW: no copy), else a copy
        return np.reshape(xm, shape, copy=False)
    except ValueError:
        return xm.reshape(shape)


def _place(
    y: NDArray[Any], arr: NDArray[Any], ax: list[int], pts_shape: tuple[int, ...]
) -> NDArray[Any]:
    """Reshape ``(M, C)`` results to ``pts_shape + other axes`` and put the point axes in place.

    The point axes replace the sampled axes when those are contiguous and in
    order; otherwise they come first, followed by the other axes in order.
    """
    rest_shape = tuple(arr.shape[a] for a in range(arr.ndim) if a not in ax)
    y = _cast_result(y, arr.dtype).reshape((*pts_shape, *rest_shape))
    p, k = ax[0], len(ax)
    if ax == list(range(p, p + k)) and p > 0:
        q = len(pts_shape)
        y = np.moveaxis(y, list(range(q)), list(range(p, p + q)))
    return y if y.flags.c_contiguous else y.copy()


def _run(
    arr: NDArray[Any],
    pts: FloatArray | None,
    ax: list[int],
    kernel: Kernel,
    boundaries: list[str],
    fill: float,
    tie: str | None,
    nan_policy: str = "propagate",
    engine: str = "auto",
    affine: tuple[FloatArray, int, int] | None = None,
) -> NDArray[Any]:
    """Sample ``arr`` along axes ``ax`` at ``pts`` (``(..., k)``, index convention).

    ``affine = (back, H, W)`` instead of ``pts``: the output pixels of an affine
    warp (:func:`affine_points`).
    """
    k = len(ax)
    xm = _prepare(arr, ax, [kernel] * k)
    out_dtype = arr.dtype if arr.dtype != np.float16 else None
    if pts is None:
        assert affine is not None
        y = sample_points(xm, None, [kernel] * k, boundaries, fill, tie,
                          nan_policy=nan_policy, engine=engine, out_dtype=out_dtype,
                          affine=affine)
        return _place(y, arr, ax, (affine[1], affine[2]))
    y = sample_points(xm, pts.reshape(-1, k), [kernel] * k, boundaries, fill, tie,
                      nan_policy=nan_policy, engine=engine, out_dtype=out_dtype)
    return _place(y, arr, ax, pts.shape[:-1])



def _trailing(ndim: int, coords: Any) -> list[int]:
    k = int(np.shape(coords)[-1]) if np.ndim(coords) else 0
    return list(range(max(ndim - k, 0), ndim))


def _sizes(size: Any, k: int | None = None) -> list[int]:
    items = list(size) if isinstance(size, (list, tuple, np.ndarray)) else [size]
    out = [check_positive_int("size", s) for s in items]
    if k is not None and len(out) != k:
        raise ValueError(f"size={size!r} has {len(out)} entries but coords has {k} per point")
    return out


