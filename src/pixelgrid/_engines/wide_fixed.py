"""The unshifted-intermediate fixed-point model: two passes, one rounding.

Selected by ``Arithmetic(intermediate="unshifted")`` on the plans (OpenCV's
8-bit ``INTER_LINEAR`` / ``CUBIC`` / ``LANCZOS4`` / area-bilinear and
``INTER_LINEAR_EXACT``).  Both plans carry integer weights
(``plan.fixed.weights`` with ``plan.fixed.bits`` fractional bits).  The first
pass keeps its exact integer sums, neither shifted nor clamped; the second
pass rounds once::

    h[o1]  = sum_t w1[o1, t] * x[i1[o1, t]]                       (exact, unclamped)
    acc[o] = sum_t (w2[o, t] * (h[i2[o, t]] >> t0)) >> t1
    y[o]   = clamp((acc[o] + offset) >> shift)                    (to x's dtype)

``>>`` is an arithmetic shift (floor).  ``(t0, t1)`` is the second plan's
``arithmetic.truncate`` (truncations some libraries make to stay within 32
bits: OpenCV's uint8 linear uses ``(4, 16)``), ``shift`` the bits left,
``bits1 + bits2 - t0 - t1``, and ``offset = 1 << (shift - 1)`` (round half
up, the only store rule of the model).  With ``arithmetic.simd_lanes = L``
on the second plan, the first ``L * floor(m / L)`` elements of each output
row are computed as OpenCV's ``VResizeCubicVec_32s8u`` does instead: in
float32, ``h0*f0 + (h1*f1 + (...))`` with ``f = f32(w2) * 2**-(bits1 + bits2)``,
rounded half to even and saturated.  A plan may hold duplicate taps (the same
index twice): with the truncating second pass they are not merged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._plan_types import AxisPlan

__all__ = ["apply", "apply_wide_two_pass"]


def _first_pass(x: NDArray[Any], axis: int, p: AxisPlan) -> NDArray[np.int64]:
    assert p.fixed is not None
    # the resampled axis first and contiguous: each tap gathers whole rows
    xm = np.ascontiguousarray(np.moveaxis(x, axis, 0), dtype=np.int64)
    shape = (p.out_size,) + (1,) * (xm.ndim - 1)
    h = np.zeros((p.out_size, *xm.shape[1:]), dtype=np.int64)
    for t in range(p.taps):
        h += p.fixed.weights[:, t].reshape(shape) * xm[p.index[:, t]]
    return np.moveaxis(h, 0, axis)


def _check(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> None:
    if len(plans) != 2:
        raise ValueError(f"plans has {len(plans)} entries; expected exactly 2 (axis, plan) pairs")
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"x has dtype {x.dtype}; the wide fixed-point model needs integers")
    for axis, p in plans:
        if p.fixed is None:
            raise ValueError(f"the plan for axis {axis} has no fixed-point weights")
        if np.any(p.fixed.fill):
            raise ValueError(f"the plan for axis {axis} reads a fill value; not supported here")


def _second_pass(h: NDArray[np.int64], x_dtype: np.dtype[Any], axis: int, p: AxisPlan, *,
                 shift: int, offset: int, pre_shift: int, term_shift: int,
                 simd_lanes: int, total_bits: int) -> NDArray[Any]:
    assert p.fixed is not None
    hm = np.ascontiguousarray(np.moveaxis(h, axis, 0))
    w2 = p.fixed.weights
    info = np.iinfo(x_dtype)
    m = int(np.prod(hm.shape[1:], dtype=np.int64))
    flat = hm.reshape(hm.shape[0], m)
    limit = (m // simd_lanes) * simd_lanes if simd_lanes else 0
    y = np.empty((p.out_size, m), dtype=x_dtype)
    if limit < m:
        tail = flat[:, limit:] >> pre_shift
        acc = np.zeros((p.out_size, m - limit), dtype=np.int64)
        for t in range(p.taps):
            acc += (w2[:, t][:, None] * tail[p.index[:, t]]) >> term_shift
        y[:, limit:] = np.clip((acc + offset) >> shift, int(info.min), int(info.max))
    if limit:
        # The vector body: float32 taps, nested from the last, rounded half to even.
        f = w2.astype(np.float32) * np.float32(2.0 ** -total_bits)
        hf = flat[:, :limit].astype(np.float32)
        accf = hf[p.index[:, -1]] * f[:, -1:]
        for t in range(p.taps - 2, -1, -1):
            accf = hf[p.index[:, t]] * f[:, t:t + 1] + accf
        y[:, :limit] = np.clip(np.rint(accf), int(info.min), int(info.max))
    return np.moveaxis(y.reshape((p.out_size, *hm.shape[1:])), 0, axis)


def apply_wide_two_pass(
    x: NDArray[Any],
    plans: Sequence[tuple[int, AxisPlan]],
    *,
    shift: int,
    offset: int,
    pre_shift: int = 0,
    term_shift: int = 0,
) -> NDArray[Any]:
    """Apply two fixed-point plans keeping the first pass's exact integer sums.

    Parameters
    ----------
    x : ndarray of an integer dtype
        The input.
    plans : sequence of two ``(axis, plan)``
        Applied in order; each plan must carry integer weights in ``plan.fixed``
        (its ``bits`` and ``offset`` are not used: the shifts are given here).
    shift, offset : int
        Final rounding ``(acc + offset) >> shift``, then clamp to ``x.dtype``.
    pre_shift, term_shift : int
        Truncations inside the second pass (see the module doc).

    Returns
    -------
    ndarray of ``x.dtype``

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> p = pixelgrid.fixed_point(pixelgrid.plan(2, 4, kernel="linear"), 8)
    >>> q = pixelgrid.fixed_point(pixelgrid.plan(1, 1, kernel="linear"), 8)
    >>> x = np.array([[0, 255]], dtype=np.uint8)
    >>> apply_wide_two_pass(x, [(1, p), (0, q)], shift=16, offset=1 << 15).tolist()
    [[0, 64, 191, 255]]

    """
    _check(x, plans)
    for name, v in (("shift", shift), ("pre_shift", pre_shift), ("term_shift", term_shift)):
        if v < 0:
            raise ValueError(f"{name}={v!r} must be >= 0")
    (ax1, p1), (ax2, p2) = plans
    h = _first_pass(x, ax1, p1)
    y = _second_pass(h, x.dtype, ax2, p2, shift=shift, offset=offset, pre_shift=pre_shift,
                     term_shift=term_shift, simd_lanes=0, total_bits=0)
    return np.ascontiguousarray(y)


def apply(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply two plans with the model their ``arithmetic`` declares (see the module doc)."""
    _check(x, plans)
    (ax1, p1), (ax2, p2) = plans
    assert p1.fixed is not None and p2.fixed is not None
    a = p2.arithmetic
    if a.store != "half_up":
        raise ValueError(f"store={a.store!r}: the unshifted model rounds half up only")
    pre, term = a.truncate
    total = p1.fixed.bits + p2.fixed.bits
    shift = total - pre - term
    if shift < 1:
        raise ValueError(f"truncate={a.truncate!r} leaves {shift} bits to round; expected >= 1")
    h = _first_pass(x, ax1, p1)
    y = _second_pass(h, x.dtype, ax2, p2, shift=shift, offset=1 << (shift - 1), pre_shift=pre,
                     term_shift=term, simd_lanes=a.simd_lanes, total_bits=total)
    return np.ascontiguousarray(y)
