"""The tap-order float model: separable passes in a float buffer, summed tap by tap.

Selected by ``Arithmetic(accumulate="taps")`` on the plans.  Each pass computes,
for every output sample, ``x[i0]*w0 + x[i1]*w1 + ...`` with every product and
every partial sum rounded to the *working type*: float32, or float64 when the
data is float64 (:func:`working_dtype`).  The weights are the plan's weights
rounded to float32 (libraries of this model keep float32 coefficient tables).
A plan whose ``arithmetic.simd_lanes`` is ``L > 0`` sums the first
``L * floor(m / L)`` elements of each output row (``m``: the other axes
flattened in C order, e.g. ``width * channels``) nested from the last tap,
``x0*w0 + (x1*w1 + (... + xk*wk))``, as a vector loop of ``L`` lanes that
multiplies and adds without fused multiply-add does; the remaining elements
(the scalar tail) left to right.  ``arithmetic.fma`` makes some additions
fused multiply-adds (one rounding, :func:`~pixelgrid._arithmetic.fma_float32`):
PyTorch's float32 linear and antialias orders; ``"pairs"``/``"ipp_cubic"`` are Intel
IPP's 4-tap cubic orders (OpenCV's uint8 ``INTER_CUBIC`` with IPP on, the wheel's
default: :func:`_ipp_pass`); ``"lerp"`` is IPP's float32 linear one (OpenCV's float32
``INTER_LINEAR``, IPP on), ``"lerp_mul"`` TensorFlow's ``ResizeBilinear``.
Integer results are stored by the last plan's ``arithmetic.store`` rule, float results cast once.

This is OpenCV's ``resizeGeneric`` for float32/float64 and 16-bit data
(horizontal pass first, ``VResizeLinear/Cubic/Lanczos4`` vector bodies in the
vertical pass) and its ``ResizeArea_Invoker`` (overlap tables in table order).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import fma_float32, store
from .._plan_types import AxisPlan

__all__ = ["apply", "taps_pass", "working_dtype"]


def working_dtype(dtype: np.dtype[Any]) -> type[np.floating[Any]]:
    """The buffer type of the model: float64 for float64 data, float32 otherwise."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def taps_pass(x: NDArray[Any], axis: int, p: AxisPlan, work: Any) -> NDArray[Any]:
    """One pass of the model along ``axis`` (``x`` already in the working type)."""
    # The resampled axis first and contiguous: each tap then gathers whole rows (the
    # element-wise arithmetic, and so every result, is the same in any layout).
    xm = np.ascontiguousarray(np.moveaxis(x, axis, 0))
    shape = (p.out_size,) + (1,) * (xm.ndim - 1)
    w = p.weight.astype(np.float32).astype(work)
    lanes = p.arithmetic.simd_lanes
    m = int(np.prod(xm.shape[1:], dtype=np.int64))
    limit = (m // lanes) * lanes if lanes else 0
    if p.arithmetic.fma in ("pairs", "ipp_cubic"):
        if lanes or p.taps != 4 or work is not np.float32:
            raise ValueError(f"fma={p.arithmetic.fma!r} is modelled for 4-tap float32 sums "
                             "without a vector body")
        channels = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
        return np.moveaxis(_ipp_pass(xm, p, w, shape, channels), 0, axis)
    if p.arithmetic.fma in ("lerp", "lerp_mul"):
        if lanes or p.taps != 2 or work is not np.float32:
            raise ValueError(f"fma={p.arithmetic.fma!r} is modelled for 2-tap float32 sums "
                             "without a vector body")
        # x0 + w1 (x1 - x0) with the difference rounded; IPP's float32 linear then adds
        # the product in one fma, TensorFlow's ResizeBilinear rounds it first.
        x0 = xm[p.index[:, 0]]
        w1 = w[:, 1].reshape(shape)
        if p.arithmetic.fma == "lerp_mul":
            return np.moveaxis(x0 + w1 * (xm[p.index[:, 1]] - x0), 0, axis)
        return np.moveaxis(fma_float32(w1, xm[p.index[:, 1]] - x0, x0), 0, axis)
    if p.arithmetic.fma != "none":
        if lanes:
            raise ValueError("an fma order has no vector body (simd_lanes must be 0)")
        return np.moveaxis(_fused_pass(xm, p, w, shape, work), 0, axis)
    if limit == 0:
        acc = xm[p.index[:, 0]] * w[:, 0].reshape(shape)
        for t in range(1, p.taps):
            acc = acc + xm[p.index[:, t]] * w[:, t].reshape(shape)
        return np.moveaxis(acc, 0, axis)
    flat = xm.reshape(xm.shape[0], m)
    prods = [flat[p.index[:, t]] * w[:, t][:, None] for t in range(p.taps)]
    nest = prods[-1][:, :limit]
    for t in range(p.taps - 2, -1, -1):
        nest = prods[t][:, :limit] + nest
    out = np.empty((p.out_size, m), dtype=work)
    out[:, :limit] = nest
    if limit < m:
        seq = prods[0][:, limit:]
        for t in range(1, p.taps):
            seq = seq + prods[t][:, limit:]
        out[:, limit:] = seq
    return np.moveaxis(out.reshape((p.out_size, *xm.shape[1:])), 0, axis)


def _fused_pass(xm: NDArray[Any], p: AxisPlan, w: NDArray[Any], shape: tuple[int, ...],
                work: Any) -> NDArray[Any]:
    """A pass whose additions are partly fused multiply-adds (``Arithmetic.fma``).

    ``K``, a row's taps up to its last non-zero weight, decides which taps are
    read (the library's loop ends there) and, for ``"tail4"``, which are fused.
    """
    if work is not np.float32:
        raise ValueError(f"fma={p.arithmetic.fma!r} is modelled for float32 sums; got "
                         f"{np.dtype(work)} data")
    order = p.arithmetic.fma
    # Taps after a row's last non-zero weight add x * 0 = 0 and change nothing, except
    # under "tail4", where the library's loop length K decides which taps are fused.
    acc: NDArray[Any]
    if order == "reverse":  # from the last tap down to the first
        acc = xm[p.index[:, -1]] * w[:, -1].reshape(shape)
        for t in range(p.taps - 2, -1, -1):
            acc = fma_float32(xm[p.index[:, t]], w[:, t].reshape(shape), acc)
        return acc
    if order == "pair_chain" and p.taps >= 2:  # x1 w1 first, then x0, then the rest
        acc = fma_float32(xm[p.index[:, 0]], w[:, 0].reshape(shape),
                          xm[p.index[:, 1]] * w[:, 1].reshape(shape))
        for t in range(2, p.taps):
            acc = fma_float32(xm[p.index[:, t]], w[:, t].reshape(shape), acc)
        return acc
    acc = xm[p.index[:, 0]] * w[:, 0].reshape(shape)
    if order in ("chain", "pair_chain"):
        for t in range(1, p.taps):
            acc = fma_float32(xm[p.index[:, t]], w[:, t].reshape(shape), acc)
        return acc
    nz = w != 0
    k = np.where(nz.any(axis=1), p.taps - np.argmax(nz[:, ::-1], axis=1), 1)
    fused_from = 1 + 4 * ((k - 1) // 4)  # taps 1 .. 4 floor((K-1)/4) unfused
    for t in range(1, p.taps):
        xt, wt = xm[p.index[:, t]], w[:, t].reshape(shape)
        fused = (t >= fused_from).reshape(shape)
        if fused.all():
            acc = fma_float32(xt, wt, acc)
        elif not fused.any():
            acc = acc + xt * wt
        else:
            acc = np.where(fused, fma_float32(xt, wt, acc), acc + xt * wt)
    return acc


def ipp_row_kinds(p: AxisPlan, channels: int) -> NDArray[np.int64]:
    """Per output row of an IPP cubic pass, which order it adds its taps in.

    0: a group of four rows, 1: the tail, 2: an edge row (clamped taps) or 3
    channels (all 0 for ``fma="pairs"``); see :func:`_ipp_pass`.
    """
    if p.arithmetic.fma == "ipp_cubic" and channels not in (1, 3, 4):
        raise ValueError(f"fma='ipp_cubic' is modelled for 1, 3 or 4 channels; got {channels}")
    kind = np.zeros(p.out_size, dtype=np.int64)
    if p.arithmetic.fma == "ipp_cubic":
        inner = p.index[:, 3] == p.index[:, 0] + 3  # four consecutive taps, none clamped
        rows = np.flatnonzero(inner)
        if rows.size % 4:  # inner rows run in fours from the first; the rest is the tail
            kind[rows[rows.size - rows.size % 4:]] = 1
        kind[~inner] = 2
        if channels == 3:
            kind[:] = 2
    return kind


def _ipp_pass(xm: NDArray[Any], p: AxisPlan, w: NDArray[Any], shape: tuple[int, ...],
              channels: int) -> NDArray[Any]:
    """A 4-tap pass in Intel IPP's cubic orders (``fma="pairs"`` / ``"ipp_cubic"``).

    Measured on OpenCV 5.1's uint8 ``INTER_CUBIC`` (IPP 2026.1, AVX-512 kernels):
    the vertical pass adds ``fma(x0, w0, x1 w1) + fma(x2, w2, x3 w3)``; the
    horizontal one picks its order by the channels and the row (see the
    ``fma`` entry of :mod:`pixelgrid._arithmetic`).
    """
    order = p.arithmetic.fma
    kind = ipp_row_kinds(p, channels)
    out = np.empty((p.out_size, *xm.shape[1:]), dtype=np.float32)
    for k in np.unique(kind):
        sel = np.flatnonzero(kind == k)
        xs = [xm[p.index[sel, t]] for t in range(4)]
        ws = [w[sel, t].reshape((sel.size, *shape[1:])) for t in range(4)]
        pr = [xs[t] * ws[t] for t in range(4)]
        fm = [functools.partial(fma_float32, xs[t], ws[t]) for t in range(4)]  # fm[t](acc)
        if order == "pairs":
            out[sel] = fm[0](pr[1]) + fm[2](pr[3])
        elif k == 2:
            out[sel] = fm[3](fm[2](fm[1](pr[0])))
        elif channels == 1:
            out[sel] = (pr[0] + pr[1]) + (pr[2] + pr[3]) if k == 0 else \
                (pr[0] + pr[2]) + (pr[1] + pr[3])
        else:  # 4 channels
            out[sel] = fm[2](pr[0]) + fm[3](pr[1]) if k == 0 else \
                fm[0](pr[3]) + fm[1](pr[2])
    return out


def apply(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply ``(axis, plan)`` pairs in order with the tap-order float model.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> from pixelgrid._arithmetic import Arithmetic
    >>> p = pixelgrid.plan(2, 4, kernel="linear", arithmetic=Arithmetic(accumulate="taps"))
    >>> apply(np.array([0, 255], np.uint8), [(0, p)]).tolist()
    [0, 64, 191, 255]
    """
    work = working_dtype(x.dtype)
    y: NDArray[Any] = np.asarray(x, dtype=work)
    for axis, p in plans:
        if np.any(p.fill):
            raise ValueError(f"the plan for axis {axis} reads a fill value; the tap-order "
                             "model has none")
        y = taps_pass(y, axis, p, work)
    if x.dtype.kind in "iu":
        return np.ascontiguousarray(store(y, x.dtype, plans[-1][1].arithmetic.store))
    return np.ascontiguousarray(y.astype(x.dtype))
