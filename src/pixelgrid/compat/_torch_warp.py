"""PyTorch's ``grid_sample`` and ``affine_grid``, reproduced on the pixelgrid model.

Each mode is a row of data (:data:`GRID_SAMPLE_MODES`): kernel, nearest tie
rule, and where the padding acts.  The sampling is
:func:`pixelgrid._sampling.sample_points`, the routine behind
:func:`pixelgrid.sample`; the position, padding and summation arithmetic is
declared (the sampler's ``"float32_fma"`` and ``"torch_bicubic"`` rules for torch's
vectorised 2-D float32 kernel), not computed here.  Reproduces torch 2.13.0 (CPU): 2-D
float32 ``bilinear``/``nearest``/``bicubic`` bit-exact at 2500 px for every padding
(bicubic with reflection: for positions within ~1e7 px, see below), 3-D within 2e-7;
``affine_grid`` within 2.4e-7 at 5000 px.

PyTorch facts this module encodes (checked against torch in the tests):

* Grids hold ``(x, y[, z])`` in ``[-1, 1]`` (``x`` indexes the last axis),
  unnormalised per axis as ``((u + 1) * n - 1) / 2`` (``align_corners=False``)
  or ``(u + 1) / 2 * (n - 1)``, in the input's float precision; torch's
  vectorised 2-D float32 kernel computes ``fma(u + 1, n / 2, -0.5)`` instead,
  reflects by ``trunc(|x| / 2 span)`` and sums the corners nw, ne, sw, se by FMAs.
* ``bilinear`` and ``nearest`` pad the *continuous* coordinate first
  (``border``: clip to ``[0, n - 1]``; ``reflection``: mirror about the edge
  pixel centres (``align_corners=True``) or the image edges, then clip); taps
  still outside read 0 (so ``zeros`` fades over the last half pixel).
* ``nearest`` rounds half to even (``nearbyint``).
* ``bicubic`` (4-D only) uses a = -0.75 on the *unpadded* coordinate and pads
  each integer tap (``border``: clamp; ``reflection``: ``reflect`` with
  ``align_corners=True``, ``symmetric`` without; ``zeros``: 0).  Its float32 kernel
  evaluates the weights from ``t = x - floor(x)`` with the inner cubic piece fused and
  sums each row of 4 taps along x as ``(fma(c0, v0, c1 v1) + c2 v2) + c3 v3``, then the
  rows by an FMA chain (``"torch_bicubic"``).  It reflects each tap in float32, which
  rounds beyond ~1e7 px; here the integer tap is reflected exactly.
* ``affine_grid``'s base coordinates are ``linspace(-1, 1, n)``, times
  ``(n - 1) / n`` when ``align_corners=False`` (``[0]`` when ``n`` is 1).
* Every tap of the 2 (bilinear) or 4 (bicubic) per axis from ``floor(x)`` that lies
  inside the input is read, weight 0 or not: a NaN pixel at an exact grid position
  makes 4 bilinear (16 bicubic) outputs NaN, an inf 3 NaN and 1 inf
  (:data:`pixelgrid._sampling.SAMPLE_WINDOWS` ``"floor"``; checked against torch).
* Non-finite grid values give implementation-defined results in PyTorch (NaN,
  0 or an edge pixel depending on mode and padding); here they raise ValueError, as do
  finite ones so large that their pixel positions overflow (beyond ``max / (2 n)``, ``n``
  the longest spatial axis: float32 ~1.7e38 / n), where PyTorch's weights are inf - inf
  (except ``nearest`` with zeros or border padding, which reads the fill or the edge).
* ``align_corners=None`` means False (PyTorch also warns; this module does not).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arrays import all_finite, engine_env, is_torch, tensor_values
from .._kernels import Kernel, cubic, linear, nearest
from .._memo import remember
from .._sampling import (
    affine_grid_sums,
    grid_sample_runner,
    reflect_coordinates,
    sample_points,
    unnormalize,
)
from .._validate import check_memory

__all__ = ["GRID_SAMPLE_MODES", "PADDING_MODES", "affine_grid", "grid_sample",
           "reflect_coordinates", "unnormalize"]


@dataclass(frozen=True)
class GridMode:
    """How one ``grid_sample`` mode maps onto the core model."""

    kernel: Kernel
    tie: str | None  # nearest tie rule
    pad_taps: bool  # True: padding acts on each integer tap (bicubic), else on the coordinate
    dims: tuple[int, ...]  # spatial ranks the mode accepts
    #: taps read (pixelgrid._sampling.SAMPLE_WINDOWS): PyTorch reads the 2 (4) taps from
    #: floor(x) even where a weight is 0, so a NaN pixel reaches 4 (16) outputs
    window: str = "floor"


GRID_SAMPLE_MODES: dict[str, GridMode] = {
    "bilinear": GridMode(linear(), None, False, (2, 3)),
    "nearest": GridMode(nearest("round_prefer_ceil"), "round_half_even", False, (2, 3)),
    "bicubic": GridMode(cubic(-0.75), None, True, (2,)),
}
PADDING_MODES = ("zeros", "border", "reflection")

#: Boundary of the integer taps for ``bicubic`` (per align_corners).
_TAP_BOUNDARY = {
    ("zeros", True): "constant", ("zeros", False): "constant",
    ("border", True): "clamp", ("border", False): "clamp",
    ("reflection", True): "reflect", ("reflection", False): "symmetric",
}


def _to_numpy(v: Any, name: str, where: str) -> tuple[NDArray[Any], Any]:
    if is_torch(v):
        import torch

        if v.dtype in (torch.float16, torch.bfloat16):
            raise TypeError(f"{name} has dtype {v.dtype}; this emulation supports float32 "
                            "and float64")
        return tensor_values(v, name, where), v
    if isinstance(v, np.ndarray):
        return v, None
    raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(v).__name__}")


def _check_align(align_corners: Any) -> bool:
    if align_corners is None:
        return False
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"align_corners={align_corners!r} must be True, False or None")
    return bool(align_corners)


def grid_sample(
    input: Any,
    grid: Any,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Any:
    """Reproduce ``torch.nn.functional.grid_sample`` (torch 2.13, CPU) without torch.

    ``input`` is ``(N, C, H, W)`` or ``(N, C, D, H, W)``; ``grid`` is
    ``(N, H_out, W_out, 2)`` or ``(N, D_out, H_out, W_out, 3)`` holding
    ``(x, y[, z])`` in ``[-1, 1]``, of the same float dtype (float32 or
    float64).  Numpy in, numpy out; torch in, torch out.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2)
    >>> g = np.array([[[[0.0, 0.0], [-1.0, -1.0]]]], dtype=np.float32)
    >>> grid_sample(x, g, align_corners=False).tolist()
    [[[[1.5, 0.0]]]]
    >>> grid_sample(x, g, align_corners=True).tolist()
    [[[[1.5, 0.0]]]]

    """
    x, x_t = _to_numpy(input, "input", "compat.torch.grid_sample")
    g, _ = _to_numpy(grid, "grid", "compat.torch.grid_sample")
    if mode not in GRID_SAMPLE_MODES:
        raise ValueError(
            f"mode={mode!r} is not valid; expected one of {sorted(GRID_SAMPLE_MODES)}"
        )
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"padding_mode={padding_mode!r} is not valid; expected one of "
            f"{sorted(PADDING_MODES)}"
        )
    ac = _check_align(align_corners)
    y = _grid_sample_numpy(x, g, GRID_SAMPLE_MODES[mode], mode, padding_mode, ac,
                           torch_names=True)
    if x_t is not None:
        import torch

        return torch.from_numpy(y) if x_t.is_cpu else torch.from_numpy(y).to(x_t.device)
    return y


def _grid_sample_numpy(
    x: NDArray[Any], g: NDArray[Any], m: GridMode, mode: str, padding: str, ac: bool,
    torch_names: bool,
) -> NDArray[Any]:
    """The shared body of the PyTorch and ONNX ``grid_sample`` emulations."""
    key = (mode, id(m), padding, ac, torch_names, x.shape, x.dtype, x.strides, g.shape,
           g.dtype, g.strides, engine_env())
    got = _GRID_MEMO.get(key)
    if got is not None and got[0] is m:
        # the grid's check made as the kernel reads it (one read of the grid, not two);
        # None: a value failed it, and the full path below decides
        y = got[1](x, g, got[2])
        if y is not None:
            return y  # type: ignore[no-any-return]
    gname = "grid"
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"input has dtype {x.dtype}; expected float32 or float64")
    if g.dtype != x.dtype:
        raise TypeError(
            f"grid has dtype {g.dtype} but input has {x.dtype}; they must match"
        )
    dim = x.ndim - 2
    if dim < 1 or (torch_names and dim not in (2, 3)):
        raise ValueError(
            f"input has {x.ndim} dimensions; expected 4-D (N, C, H, W) or 5-D (N, C, D, H, W)"
            if torch_names else f"input has {x.ndim} dimensions; expected (N, C, D1, ..., Dr)"
        )
    if torch_names and dim not in m.dims:
        raise ValueError(f"mode={mode!r} only supports 4-D input (N, C, H, W), got 5-D")
    if g.ndim != x.ndim or g.shape[0] != x.shape[0] or g.shape[-1] != dim:
        raise ValueError(
            f"{gname} has shape {g.shape}; for input of shape {x.shape} it must be "
            f"(N={x.shape[0]}, {', '.join(['out'] * dim)}, {dim})"
        )
    if x.size == 0 and x.shape[1] > 0:
        raise ValueError(f"input has an empty spatial dimension (shape {x.shape})")
    limit = _grid_limit(x, g, m, padding)
    if not all_finite(g, below=limit):  # (one compiled pass; counted only to say how many)
        bad = ~np.isfinite(g)
        over = int((np.abs(g[~bad]) >= limit).sum())
        what = f"{int(bad.sum())} non-finite value(s) (NaN or inf)"
        if over:
            what += (f" and {over} beyond +-{limit:.4g} (whose pixel positions overflow "
                     f"{g.dtype})")
        raise ValueError(
            f"{gname} holds {what}; PyTorch's results there are implementation-defined, "
            "so they are refused"
        )
    n, c = x.shape[:2]
    out_sp = g.shape[1:-1]
    out = np.empty((n, c, *out_sp), dtype=x.dtype)
    # PyTorch's vectorised 2-D float32 kernel has its own position formulas (one FMA)
    # and sums the four bilinear taps by FMA; 3-D, float64 and ONNX: GridSampler.h.
    vec = torch_names and dim == 2 and x.dtype == np.float32
    rule = "float32_fma" if vec else "dtype"
    arithmetic = "float64"
    if vec and m.kernel.name == "linear":
        arithmetic = "float32_fma"
    elif vec and m.kernel.name.startswith("cubic"):
        arithmetic = "torch_bicubic"
    for b in range(n):
        # grid[..., 0] is x (the last axis): axis i reads component dim - 1 - i; the
        # points are grid_points(grid, ...), which the sampler computes as it samples
        pts = (g[b].reshape(-1, dim), ac, "zeros" if m.pad_taps else padding, rule)
        boundary = _TAP_BOUNDARY[(padding, ac)] if m.pad_taps else "constant"
        xm = np.moveaxis(x[b], 0, -1)  # spatial..., C (a strided view)
        # written straight into out[b] seen as (points, C); a float64 sum is rounded to
        # the input's dtype as it is stored
        sample_points(xm, None, [m.kernel] * dim, [boundary] * dim, 0.0, m.tie, arithmetic,
                      m.window, out_dtype=x.dtype, out=out[b].reshape(c, -1).T, grid=pts)
    run = _grid_runner(x, g, m, padding, ac, rule, arithmetic)
    if run is not None:
        remember(_GRID_MEMO, key, (m, run, limit), 64)
    return out


def _grid_limit(x: NDArray[Any], g: NDArray[Any], m: GridMode, padding: str) -> float:
    """The bound on ``|grid value|`` below which no pixel position overflows (or inf).

    ``u`` maps to about ``(u + 1) * n / 2``; below ``max / (2 n)`` (``max`` the grid
    dtype's largest value, ``n`` the longest spatial axis) every rule's intermediate
    ``(u + 1) * n`` stays below ``max / 2 + n``: finite.  Beyond it (float32: ~1.7e38 /
    n) PyTorch's bilinear and bicubic weights are inf - inf (NaN with zeros padding) and
    its reflection folds an infinite position, so such values are refused with the
    non-finite ones; ``nearest`` with zeros or border padding reads the fill or the edge
    there, as PyTorch does (no bound).
    """
    if m.kernel.is_nearest and padding in ("zeros", "border"):
        return math.inf
    n = max(x.shape[2:], default=1)
    return float(np.finfo(g.dtype).max) / (2.0 * max(n, 1))


#: Recent grid_sample calls whose points the compiled sampler computed from the grid
#: itself: the call's settings and both arrays' layouts (and the environment's engine
#: choice) -> ``(mode row, run, grid limit)``, ``run(x, g, limit)`` the result of arrays of those
#: layouts (:func:`_grid_runner`).  Stored only after a call succeeded; everything it holds is a
#: function of its key, so a repeat skips the checks and conversions (its grid is still
#: checked, as the compiled sampler reads it: SampleGrid ``scan``) and gives the same result.
_GRID_MEMO: dict[tuple[Any, ...], tuple[GridMode, Any, float]] = {}


def _grid_runner(x: NDArray[Any], g: NDArray[Any], m: GridMode, padding: str, ac: bool,
                 rule: str, arithmetic: str) -> Any:
    """``run(x, g, below)``: what :func:`_grid_sample_numpy`'s loop does for these layouts.

    None where a grid value fails ``all_finite(g, below=below)``'s compiled test.
    :func:`pixelgrid._sampling.grid_sample_runner` of this mode's settings, or None where
    it does not apply (the loop then runs on every call).
    """
    boundary = _TAP_BOUNDARY[(padding, ac)] if m.pad_taps else "constant"
    return grid_sample_runner(x, g, m.kernel, m.tie, m.window, boundary,
                              "zeros" if m.pad_taps else padding, ac, rule, arithmetic)


def _base(n: int, ac: bool) -> NDArray[np.float64]:
    if n == 1:
        return np.zeros(1)
    b = np.linspace(-1.0, 1.0, n)
    return b if ac else b * (n - 1) / n


def affine_grid(theta: Any, size: Any, align_corners: bool | None = None) -> Any:
    """Reproduce ``torch.nn.functional.affine_grid`` without torch.

    ``theta`` is ``(N, 2, 3)`` (``size = (N, C, H, W)``, grid ``(N, H, W, 2)``)
    or ``(N, 3, 4)`` (``size = (N, C, D, H, W)``, grid ``(N, D, H, W, 3)``).
    Computed in float64, returned in ``theta``'s dtype.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([[[1, 0, 0], [0, 1, 0]]], dtype=np.float32)
    >>> affine_grid(theta, (1, 1, 1, 2), align_corners=False)[0, 0].tolist()
    [[-0.5, 0.0], [0.5, 0.0]]

    """
    th, th_t = _to_numpy(theta, "theta", "compat.torch.affine_grid")
    ac = _check_align(align_corners)
    grid = _affine_grid_numpy(th, size, ac, "theta", "size")
    if th_t is not None:
        import torch

        return torch.from_numpy(grid).to(th_t.device)
    return grid


def _affine_grid_numpy(
    th: NDArray[Any], size: Any, ac: bool, tname: str, sname: str
) -> NDArray[Any]:
    if not np.issubdtype(th.dtype, np.floating):
        raise TypeError(f"{tname} has dtype {th.dtype}; expected a floating point dtype")
    try:
        ok = not isinstance(size, (str, bytes, set, frozenset, dict)) \
            and all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in size)
        sz = [int(s) for s in size] if ok else []
    except TypeError:
        ok, sz = False, []
    if not ok or len(sz) not in (4, 5) or min(sz) < 1:
        raise ValueError(
            f"{sname}={size!r} must be (N, C, H, W) or (N, C, D, H, W) with positive entries"
        )
    dim = len(sz) - 2
    if th.shape != (sz[0], dim, dim + 1):
        raise ValueError(
            f"{tname} has shape {th.shape}; for {sname}={tuple(sz)} it must be "
            f"({sz[0]}, {dim}, {dim + 1})"
        )
    if not np.all(np.isfinite(th)):
        raise ValueError(f"{tname} must be finite")
    spatial = sz[2:]
    t64 = th.astype(np.float64)
    if not t64.flags.c_contiguous or th.dtype not in (np.float32, np.float64):
        # (einsum's loop over k is another one then; float16 is rounded by astype)
        # before allocating: the float64 grid and its base, (N, *spatial, dim) each
        check_memory(f"{sname}={tuple(sz)}",
                     8 * (2 * sz[0] + 2) * (dim + 1) * math.prod(spatial))
        # Base grid (D, H, W, dim + 1) holding (x, y, [z,] 1): x varies along the last axis.
        mesh = np.meshgrid(*[_base(s, ac) for s in spatial], indexing="ij")
        base = np.stack([*reversed(mesh), np.ones(mesh[0].shape)], axis=-1)
        grid: NDArray[Any] = np.einsum("...k,njk->n...j", base, t64)
        return grid.astype(th.dtype)
    check_memory(f"{sname}={tuple(sz)}", (8 + th.dtype.itemsize) * sz[0] * dim
                 * math.prod(spatial))
    # grid[n, ..., j] = sum_k base[..., k] theta[n, j, k] over base = (x, y, [z,] 1), in
    # float64 and in the order of the einsum this replaces (its contiguous dot loop keeps
    # two sums, of the even and of the odd k, added last: bit-identical, measured), from
    # per-axis terms broadcast once at the end: 4x3x512^2 113 -> 6 ms (torch 10 ms).
    out = np.empty((sz[0], *spatial, dim), th.dtype)
    # the same float64 sums in the same order, compiled and threaded where the engine is
    # (4x3x512^2 float32, one thread: 2.7 -> 0.87 ms, torch 3.2); else numpy, below
    if affine_grid_sums(t64, [_base(spatial[dim - 1 - k], ac) for k in range(dim)], out):
        return out
    axes = []
    for k in range(dim):  # base component k (x first) varies along spatial axis dim-1-k
        shape = [1] * dim
        shape[dim - 1 - k] = spatial[dim - 1 - k]
        axes.append(_base(spatial[dim - 1 - k], ac).reshape(shape))
    for b in range(sz[0]):
        for j in range(dim):
            row = t64[b, j]
            terms = [axes[k] * row[k] for k in range(dim)] + [row[dim]]  # 1 * theta: exact
            # einsum adds to a zeroed output: -0.0 only where every term is; odd + 0.0
            # turns a -0.0 odd sum into +0.0, which changes even + odd only there
            even, odd = terms[0], terms[1] + 0.0
            for k in range(2, dim + 1):
                if k % 2:
                    odd = odd + terms[k]
                else:
                    even = even + terms[k]
            # one float64 add, rounded to the output dtype as it is stored (as astype)
            np.add(even, odd, out=out[b, ..., j], casting="unsafe")
    return out
