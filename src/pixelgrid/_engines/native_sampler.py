"""The compiled point sampler (csrc/sampler*.cpp): ``_sampling.sample_points`` at speed.

This module only translates the oracle's arguments (kernel records, boundary
names, tie rules) into the codes the compiled sampler reads; every rule is
defined once in :mod:`pixelgrid._sampling` and :func:`pixelgrid._plan.boundary_taps`
and implemented again, bit for bit, in C++ (tests/test_native_sampler.py).
Kernels the compiled code does not evaluate (anything but nearest, linear and
Keys cubic) have their taps computed by the oracle's ``_axis_taps`` and are only
summed natively.  :func:`sample` returns ``None`` for what it cannot run
(float16 weighted sums, more than 8 axes or 64 taps per axis), and the caller
falls back to the oracle.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._kernels import Kernel, cubic, linear
from .native import _resolve_threads, available, takes_positional

try:
    _ext: Any = importlib.import_module("pixelgrid._native")
except ImportError:  # pragma: no cover - the compiled engine is part of the build
    _ext = None

__all__ = ["sample", "supported"]

_DT = {np.dtype(t): i for i, t in enumerate(
    (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.float32, np.float64))}
_BOUND = {"renormalize": 0, "constant": 1, "clamp": 2, "reflect": 3, "symmetric": 4, "wrap": 5}
_TIE = {"round_prefer_ceil": 0, "round_prefer_floor": 1, "floor": 2, "ceil": 3,
        "round_half_even": 4}
_LINEAR_CODE = linear().fn.__code__
_CUBIC_CODE = cubic().fn.__code__
_PERIODIC = ("wrap", "reflect", "symmetric")


def supported() -> bool:
    """Whether the compiled sampler is importable."""
    return _ext is not None and available() and hasattr(_ext, "sampler_abi")


def _closure(fn: Any) -> dict[str, Any]:
    cells = fn.__closure__ or ()
    return dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in cells), strict=True))


def kernel_row(kernel: Kernel, tie: str) -> list[float] | None:
    """``[code, tie, table, a, radius]`` of a kernel the compiled sampler evaluates, else None.

    A kernel is recognised by its weight function's code object (the
    expressions of :func:`pixelgrid.kernels.linear` / :func:`~pixelgrid.kernels.cubic`),
    so a custom :class:`~pixelgrid.Kernel` with the same name is never mistaken
    for them.
    """
    if kernel.is_nearest:
        return [1, _TIE[tie], 0.0, 0.0, 0.5]
    code = getattr(kernel.fn, "__code__", None)
    if kernel.edges != "closed":
        return None
    if code is _LINEAR_CODE and kernel.radius == 1:
        return [2, 0, 0.0, 0.0, 1.0]
    if code is _CUBIC_CODE and kernel.radius == 2:
        c = _closure(kernel.fn)
        table = c.get("table")
        return [4 if c.get("pillow") else 3, 0, float(table or 0), float(c["a"]), 2.0]
    return None


@lru_cache(maxsize=256)
def _axis(kernel: int, boundary: int, tie: int, table: float, a: float, radius: float,
          margin: float) -> Any:
    """The ``pixelgrid._native.SampleAxis`` of these codes (made once: calls reuse them)."""
    return _ext.SampleAxis(kernel=kernel, boundary=boundary, tie=tie, table=table, a=a,
                           radius=radius, margin=margin)


def _strided(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` itself when its strides are non-negative whole elements, else a C copy."""
    if all(s >= 0 and s % a.itemsize == 0 for s in a.strides):
        return a
    return np.ascontiguousarray(a)


def sample(
    xm: NDArray[Any],
    pts: NDArray[np.float64] | None,
    kernels: Sequence[Kernel],
    boundaries: Sequence[str],
    fill_value: float,
    tie: str | None,
    arithmetic: str,
    window: str,
    nan_policy: str,
    out_dtype: np.dtype[Any] | None,
    affine: tuple[NDArray[np.float64], int, int] | None = None,
    threads: int | None = None,
    out: NDArray[Any] | None = None,
    grid: tuple[NDArray[Any], bool, str, str] | None = None,
) -> NDArray[Any] | None:
    """Run :func:`pixelgrid._sampling.sample_points` compiled; ``None`` if not supported.

    ``xm`` is ``S + (C,)`` (any non-negative strides); points are ``pts``
    (``(M, k)`` index convention) or ``affine = (back, H, W)``: output pixel
    ``(i, j)`` samples ``(back[1] @ (j, i, 1), back[0] @ (j, i, 1))``.  The result
    is ``(M, C)``: the input dtype for a gather, float32 under ``float32_fma`` and
    ``torch_bicubic``,
    else ``out_dtype`` (float64 when None; an integer ``out_dtype`` equal to the
    input's is stored rounded half to even and saturated).  ``out``: an ``(M, C)``
    array (any non-negative strides) of that dtype to write into, else one is made.
    ``grid = (g, align_corners, padding, rule)``: the points are
    :func:`pixelgrid._sampling.grid_points` of ``g`` (``(M, 2)`` float32, or float64 with
    the ``"dtype"`` rule), computed in C++ point by point.
    """
    if not supported():
        return None
    k = len(kernels)
    if k > 8:
        return None
    gather = all(kk.is_nearest for kk in kernels)
    dt = xm.dtype
    # (kernel, boundary, tie, table, a, radius, margin): the SampleAxis fields
    rows: list[tuple[int, int, int, float, float, float, float]] = []
    for kk, b in zip(kernels, boundaries, strict=True):
        kr = kernel_row(kk, tie or kk.tie or "round_prefer_ceil")
        if kr is None:
            rows.append((0, _BOUND[b], 0, 0.0, 0.0, 1.0, 0.0))
        else:
            code, tcode, table, a, radius = kr
            rows.append((int(code), _BOUND[b], int(tcode), table, a, radius,
                         float(kk.radius) + 2.0))
    if arithmetic == "torch_bicubic" and any(r[0] != 3 for r in rows):
        return None  # (a kernel that only looks like Keys' cubic: the oracle runs it)
    if grid is not None:
        m = grid[0].shape[0]
        if any(r[0] == 0 for r in rows):  # the oracle's taps need the points
            from .._sampling import grid_points

            pts = grid_points(grid[0], xm.shape[:k], grid[1], grid[2], grid[3])
            grid = None
    if grid is None:
        m = pts.shape[0] if pts is not None else (affine[1] * affine[2] if affine else 0)
    if affine is not None and pts is None:
        back, _, _ = affine
    odt: np.dtype[Any]
    if gather:
        odt = dt
        out_code = 2
    else:
        if dt not in _DT:
            return None
        if arithmetic in ("float32_fma", "torch_bicubic"):
            odt = np.dtype(np.float32)
        elif out_dtype is None or out_dtype == np.float64:
            odt = np.dtype(np.float64)
        elif out_dtype == np.float32:
            odt = np.dtype(np.float32)
        elif out_dtype == dt:
            odt = dt
        else:
            return None
        out_code = 0 if odt == np.float64 else 1 if odt == np.float32 else 2
    if out is None or out.dtype != odt or out.shape != (m, xm.shape[k]):
        if out is not None:
            return None
        out = np.empty((m, xm.shape[k]), dtype=odt)
    elif not all(st >= 0 and st % out.itemsize == 0 for st in out.strides):
        return None
    given: list[Any] = [None] * k
    if any(r[0] == 0 for r in rows):
        from .._sampling import _axis_taps, _safe_coords, affine_points

        p = pts if pts is not None else affine_points(*affine)  # type: ignore[misc]
        for i, r in enumerate(rows):
            if r[0] != 0:
                continue
            t = _axis_taps(_safe_coords(p[:, i], xm.shape[i], kernels[i], boundaries[i]),
                           xm.shape[i], kernels[i], boundaries[i], tie, window)
            if t.index.shape[1] > 64:
                return None
            inside = None if t.inside is None else np.ascontiguousarray(t.inside, np.uint8)
            given[i] = _ext.GivenTaps(index=np.ascontiguousarray(t.index, np.int64),
                                      weight=np.ascontiguousarray(t.weight, np.float64),
                                      inside=inside)
    axes = [_axis(*r) for r in rows]
    src = _strided(xm)
    fill_bytes = np.frombuffer(np.asarray(fill_value).astype(dt).tobytes(), np.uint8) \
        if gather else None
    aff = None
    gridarg = None
    if grid is not None:
        g, ac, padding, rule = grid
        gridarg = _ext.SampleGrid(points=np.ascontiguousarray(g), align_corners=bool(ac),
                                  padding=_PADDING[padding], fma=rule == "float32_fma")
    elif pts is None:
        assert affine is not None
        aff = np.array([*back[0, :3], *back[1, :3], float(affine[2])], dtype=np.float64)
    if m == 0:
        return out
    omit = int(nan_policy == "omit" and (dt.kind == "f"))
    _ext.sample_points(
        src=src, dst=out, dtype=_DT.get(dt, -1), out=out_code, gather=int(gather), axes=axes,
        pts=None if pts is None else np.ascontiguousarray(pts, np.float64), affine=aff,
        given=given, fill=float(fill_value), fill_bytes=fill_bytes,
        window=int(window == "floor"), omit=omit,
        sums=0 if gather else _SUMS[arithmetic], threads=_resolve_threads(threads),
        grid=gridarg)
    return out


_PADDING = {"zeros": 0, "border": 1, "reflection": 2}
#: The sampler's sum codes (sampler_types.h ``Sums``) of the arithmetics it runs
_SUMS = {"float64": 0, "float32_fma": 1, "torch_bicubic": 2}


def grid_positions(g: NDArray[Any], sizes: Sequence[int], align_corners: bool, padding: str,
                   rule: str, threads: int | None = None) -> NDArray[np.float64] | None:
    """:func:`pixelgrid._sampling.grid_points` compiled (the same rules); ``None`` if not run."""
    if not supported() or not hasattr(_ext, "grid_positions"):
        return None
    if g.dtype not in (np.float32, np.float64) or (rule == "float32_fma"
                                                     and g.dtype != np.float32):
        return None
    gc = np.ascontiguousarray(g)
    out = np.empty(gc.shape, dtype=np.float64)
    _ext.grid_positions(gc, out, np.asarray(sizes, dtype=np.int64), bool(align_corners),
                        _PADDING[padding], rule == "float32_fma", _resolve_threads(threads))
    return out


def affine_setup(dt: np.dtype[Any], kernels: Sequence[Kernel], boundaries: Sequence[str],
                 tie: str | None, fill_value: float) -> tuple[Any, ...] | None:
    """What :func:`sample` derives from its arguments for a 2-D affine warp, once.

    For ``sample(xm, None, kernels, boundaries, fill_value, tie, "float64", "support",
    nan_policy, out_dtype=dt, affine=...)`` of ``dt`` data: ``(axes, dtype code,
    gather, fill bytes, output code)`` (no arrays: a memo may keep it), or None where :func:`sample`
    takes another path (taps from the oracle, a dtype it does not sum, float16) and the
    caller must call :func:`sample` itself.  :func:`affine_call` runs it.
    """
    if not supported() or len(kernels) != 2 or dt not in _DT:
        return None
    gather = all(kk.is_nearest for kk in kernels)
    axes = []
    for kk, b in zip(kernels, boundaries, strict=True):
        kr = kernel_row(kk, tie or kk.tie or "round_prefer_ceil")
        if kr is None:
            return None
        code, tcode, table, a, radius = kr
        axes.append(_axis(int(code), _BOUND[b], int(tcode), table, a, radius,
                          float(kk.radius) + 2.0))
    fill_bytes = np.asarray(fill_value).astype(dt).tobytes() if gather else None
    out_code = 2 if gather or dt.kind != "f" else 0 if dt == np.float64 else 1
    return (tuple(axes), _DT[dt], int(gather), fill_bytes, out_code)


_SAMPLE_POINTS_ARGS = ("src", "dst", "dtype", "out", "gather", "axes", "pts", "affine", "given",
                       "fill", "fill_bytes", "window", "omit", "sums", "threads", "grid")


def _fixed_call(dcode: int, out_code: int, gather: int, axes: list[Any], fill_value: float,
                fill_bytes: Any, window: int, omit: int, sums: int
                ) -> Callable[[NDArray[Any], NDArray[Any], Any, Any, int], Any]:
    """``call(src, dst, affine, grid, threads)``: ``sample_points`` with the rest fixed.

    No points and no given taps.  By position where the binding's signature lists
    :data:`_SAMPLE_POINTS_ARGS` in that order (nanobind matches keywords one by one,
    ~0.5 us of a 16-argument call), else by keyword.
    """
    run, given = _ext.sample_points, [None, None]
    if takes_positional(run, _SAMPLE_POINTS_ARGS):
        def by_position(src: NDArray[Any], dst: NDArray[Any], affine: Any, grid: Any,
                        threads: int) -> Any:
            return run(src, dst, dcode, out_code, gather, axes, None, affine, given,
                       fill_value, fill_bytes, window, omit, sums, threads, grid)

        return by_position

    def by_keyword(src: NDArray[Any], dst: NDArray[Any], affine: Any, grid: Any,
                   threads: int) -> Any:
        return run(src=src, dst=dst, dtype=dcode, out=out_code, gather=gather, axes=axes,
                   pts=None, affine=affine, given=given, fill=fill_value,
                   fill_bytes=fill_bytes, window=window, omit=omit, sums=sums,
                   threads=threads, grid=grid)

    return by_keyword


def affine_call(setup: tuple[Any, ...], dt: np.dtype[Any], h: int, w: int, fill_value: float,
                omit: bool, threads: Callable[[], int]
                ) -> Callable[[NDArray[Any], NDArray[np.float64]], NDArray[Any]]:
    """:func:`sample` of an :func:`affine_setup` of ``dt`` data, as ``call(xm, aff)``.

    ``xm``: the ``(H, W, C)`` source (``dt``, non-negative whole-element strides);
    ``aff``: the 7 float64 values ``(*back, w)``, ``back`` the 6 entries of the 2x3
    destination -> source map.  The result is ``(h * w, C)`` in ``dt``, as :func:`sample`
    with ``out_dtype=dt`` gives it; ``threads()`` is read on every call.  Everything
    but the two arrays is converted here, once (a repeated small warp spent ~2 us of
    ~13 us on it).
    """
    axes, dcode, gather, fill_bytes, out_code = setup
    fb = None if fill_bytes is None else np.frombuffer(fill_bytes, np.uint8)
    run = _fixed_call(dcode, out_code, gather, list(axes), fill_value, fb, 0,
                      int(omit and dt.kind == "f"), 0)
    empty, m = np.empty, h * w

    def call(xm: NDArray[Any], aff: NDArray[np.float64]) -> NDArray[Any]:
        out = empty((m, xm.shape[2]), dtype=dt)
        run(xm, out, aff, None, threads())
        return out

    return call


def grid_call(setup: tuple[Any, ...], fill_value: float, arithmetic: str, window: str,
              align_corners: bool, padding: str, rule: str, threads: Callable[[], int],
              width: int = 0) -> Callable[[NDArray[Any], NDArray[Any], NDArray[Any], float],
                                          bool]:
    """:func:`sample` of a 2-D grid (``grid=(g, align_corners, padding, rule)``), as a call.

    ``setup``: :func:`affine_setup` of the source dtype, kernels, boundaries, tie and
    ``fill_value`` (the same per-axis settings :func:`sample` derives; the output in the
    source's dtype, or float32 under ``arithmetic="float32_fma"`` or ``"torch_bicubic"``).
    ``call(xm, g, out)`` samples ``xm`` (``(H, W, C)``, non-negative whole-element
    strides) at the points of
    ``g`` (``(M, 2)`` C-contiguous, a dtype :func:`pixelgrid._sampling._native_grid`
    accepts for ``rule``) into ``out`` (``(M, C)``, non-negative whole-element strides),
    as :func:`sample` does with ``nan_policy="propagate"``; ``threads()`` is read on
    every call.  A repeated small ``grid_sample`` spent ~20 us of ~25 us converting its
    arguments (1x3x64^2 nearest): here that is done once.

    ``call(xm, g, out, scan)`` returns True, or False where ``scan > 0`` and a value of
    ``g`` fails :func:`pixelgrid._arrays.all_finite`'s compiled test (``|v| < scan``),
    made piece by piece as the kernel reads the grid: ``out`` is then incomplete.

    ``width``: the points of one output row (``W_out``), or 0 if unknown; where known the
    compiled sampler's weighted kernels visit the points in tiles of rows
    (``SampleGrid.width``), with the same results.
    """
    axes, dcode, gather, fill_bytes, out_code = setup
    sums = 0 if gather else _SUMS[arithmetic]
    fb = None if fill_bytes is None else np.frombuffer(fill_bytes, np.uint8)
    run = _fixed_call(dcode, 1 if sums else out_code,  # (float32 results of the float32 sums)
                      gather, list(axes), fill_value, fb, int(window == "floor"), 0, sums)
    make_grid = _ext.SampleGrid
    ac, pcode, fma = bool(align_corners), _PADDING[padding], rule == "float32_fma"

    def call(xm: NDArray[Any], g: NDArray[Any], out: NDArray[Any], scan: float) -> bool:
        return bool(run(xm, out, None, make_grid(g, ac, pcode, fma, scan, width), threads()))

    return call
