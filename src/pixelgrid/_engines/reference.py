"""The numpy reference engine: the test oracle for every fast engine.

Clarity over speed.  Float data is resampled in float64 and cast to the
output dtype once at the end.  Integer data with a :class:`FixedPoint` plan
follows the plan's fixed-point model exactly: rounding and clamping to the
input dtype after every axis, or, for plans declaring
``arithmetic.intermediate == "wide"`` (pixelgrid's own resize), the wide model
below (one rounding at the end).  Other integer data (int32, uint32) is
resampled in float64 and rounded half to even once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import premultiply_alpha, unpremultiply_alpha
from .._plan_types import AxisPlan
from .wide_fixed import apply_wide_two_pass

__all__ = [
    "WidePass",
    "apply_plans",
    "apply_plans_stored_per_axis",
    "apply_wide_two_pass",
    "is_wide",
    "premultiply_alpha",
    "unpremultiply_alpha",
    "wide_dtype",
    "wide_passes",
]


def _apply_float(x: NDArray[np.float64], axis: int, p: AxisPlan) -> NDArray[np.float64]:
    xm = np.moveaxis(x, axis, 0)
    shape = (p.out_size,) + (1,) * (xm.ndim - 1)
    y = p.fill.reshape(shape) * p.fill_value
    y = np.broadcast_to(y, (p.out_size, *xm.shape[1:])).copy()
    for t in range(p.taps):
        y += p.weight[:, t].reshape(shape) * xm[p.index[:, t]]
    return np.moveaxis(y, 0, axis)


def _apply_fixed(x: NDArray[Any], axis: int, p: AxisPlan, *,
                 role: WidePass | None = None) -> NDArray[Any]:
    """One fixed-point pass: the per-axis model, or one pass of a wide run (``role``)."""
    fp = p.fixed
    assert fp is not None
    info = np.iinfo(x.dtype)
    xm = np.moveaxis(x, axis, 0).astype(object if info.bits > 32 else np.int64)
    shape = (p.out_size,) + (1,) * (xm.ndim - 1)
    if role is None:
        bias = fp.fill * round(p.fill_value) + fp.offset
        shift, out = fp.bits, x.dtype
    else:
        bias, shift, out = role.bias, role.shift, role.dtype
    acc = np.broadcast_to(bias.reshape(shape), (p.out_size, *xm.shape[1:])).astype(np.int64)
    for t in range(p.taps):
        acc = acc + fp.weights[:, t].reshape(shape) * xm[p.index[:, t]]
    lim = np.iinfo(out)
    y = np.clip(acc >> shift, int(lim.min), int(lim.max))
    return np.moveaxis(y.astype(out), 0, axis)


# --- The wide fixed-point model (pixelgrid's own integer resize) ------------------------
#
# Plans whose ``arithmetic.intermediate`` is ``"wide"`` (what run_plans attaches for
# pixelgrid's own 8/16-bit resize) are applied with ONE rounding to the dtype, at the
# end.  With ``k >= 2`` weighted passes applied in the order given, integer weights
# ``w_j`` with ``b_j`` fractional bits (``plan.fixed``), ``f`` extra fractional bits
# kept between passes and the zero point ``z = m * 2**f`` (``m`` the middle of the
# dtype's range: 128 for uint8, 32768 for uint16, 0 for signed types), the value
# ``v_j`` of pass ``j`` in units of ``2**-f`` levels is stored as ``u_j = v_j - z``:
#
#     v_1 = (sum w_1 x       + F_1       + 2**(b_1-f-1)) >> (b_1 - f)
#     v_j = (sum w_j v_{j-1} + F_j 2**f  + 2**(b_j-1))   >> b_j           (1 < j < k)
#     y   = clamp((sum w_k v_{k-1} + F_k 2**f + 2**(b_k+f-1)) >> (b_k + f))  (x's dtype)
#
# ``F_j = plan.fixed.fill * round(fill_value)``, ``>>`` an arithmetic shift (floor): every
# rounding is half up.  Engines add the zero point through each row's bias (``sum_t w *
# (u + z) = sum_t w * u + z * sum_t w``), so a pass is ``(sum w u + bias[o]) >> shift``
# (:class:`WidePass`).  The intermediate is int16 for 8-bit data and int32 for 16-bit
# data, never clamped: ``f`` is the largest number of bits for which the exact range of
# every intermediate (propagated row by row from the integer weights) fits it: 8 for
# kernels without negative lobes, 7 for cubic and lanczos (8-bit data).  Error against
# the exact result, in levels: the weights' rounding (``2**-(b+1)`` per tap; the first
# pass of 8-bit data uses up to 22 bits, later passes 15 when every weight fits int16)
# and the intermediate's (``2**-(f+1)`` times the next pass's sum |w|), measured below
# 0.01 on photos and random data: the result is within 0.51 of the exact one.  Gather
# (nearest) plans commute with the weighted passes and are applied to whatever array is
# current.  A single weighted pass is the per-axis model (it rounds once anyway).


@dataclass(frozen=True, eq=False)
class WidePass:
    """One weighted pass of a wide run: ``clamp((sum w u + bias[o]) >> shift)`` to ``dtype``."""

    dtype: np.dtype[Any]  # what the pass writes: the intermediate, or x's dtype (last)
    shift: int
    bias: NDArray[np.int64]


def wide_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The intermediate of the wide model: int16 for 8-bit data, int32 for 16-bit."""
    return np.dtype(np.int16 if np.dtype(dtype).itemsize == 1 else np.int32)


def is_wide(dtype: np.dtype[Any], plans: Sequence[tuple[int, AxisPlan]]) -> bool:
    """True when ``plans`` on integer ``dtype`` are a wide run (2+ weighted wide plans)."""
    dt = np.dtype(dtype)
    weighted = [p for _, p in plans if not p.is_gather]
    return (dt.kind in "iu" and dt.itemsize <= 2 and len(weighted) >= 2
            and all(p.fixed is not None and p.arithmetic.intermediate == "wide"
                    for p in weighted))


def _wide_roles(dtype: np.dtype[Any], plans: Sequence[AxisPlan], f: int) -> list[WidePass] | None:
    """The passes for ``f`` fractional bits, or None if an intermediate leaves its dtype."""
    info = np.iinfo(dtype)
    mid = wide_dtype(dtype)
    lim = np.iinfo(mid)
    m = (int(info.min) + int(info.max) + 1) // 2
    z = m << f
    lo, hi = int(info.min), int(info.max)
    out = []
    k = len(plans)
    for j, p in enumerate(plans):
        fp = p.fixed
        assert fp is not None
        w = fp.weights.astype(object)
        fill = fp.fill.astype(object) * round(p.fill_value)
        wsum = w.sum(axis=1) if w.shape[1] else np.zeros(len(w), dtype=object)
        if j == 0:
            shift = fp.bits - f
            if shift < 1:
                return None
            bias = fill + (1 << (shift - 1)) - (z << shift)
        else:
            shift = fp.bits + (f if j == k - 1 else 0)
            bias = fill * (1 << f) + z * wsum + (1 << (shift - 1)) - (0 if j == k - 1 else
                                                                       z << fp.bits)
        wp, wn = np.maximum(w, 0), np.minimum(w, 0)
        amin = (wp * lo + wn * hi).sum(axis=1) + bias if w.shape[1] else bias
        amax = (wp * hi + wn * lo).sum(axis=1) + bias if w.shape[1] else bias
        wabs = int(max(np.abs(w).sum(axis=1))) if w.size else 0
        reads = info if j == 0 else lim  # the bound the compiled engine checks too
        if wabs * max(-int(reads.min), int(reads.max)) + int(max(abs(bias))) >= 2**62:
            return None  # every engine's int64 accumulator, with a margin
        if mid.itemsize == 2 and max(abs(int(min(amin))), abs(int(max(amax)))) >= 2**31:
            return None  # the int32 accumulator of 8-bit data
        if j < k - 1:
            lo, hi = int(min(amin)) >> shift, int(max(amax)) >> shift
            if lo < int(lim.min) or hi > int(lim.max):
                return None
        out.append(WidePass(np.dtype(dtype) if j == k - 1 else mid, shift,
                            np.asarray(bias, dtype=np.int64)))
    return out


def wide_passes(dtype: np.dtype[Any], plans: Sequence[AxisPlan]) -> list[WidePass] | None:
    """The passes of a wide run over the weighted ``plans`` (in order), or None.

    Tries ``f`` from the most bits the intermediate could hold down to 0; None
    when none fits (kernels with a huge overshoot): engines then apply the
    per-axis model.
    """
    dtype = np.dtype(dtype)
    bits = 8 * dtype.itemsize
    # Chunked runs (pixelgrid._dask) apply row blocks of a whole run's plans and record the
    # whole run's f on them ("wide_fraction_bits", -1: no wide run): a block's fewer rows
    # could fit more bits, and every block must round as the whole array does.
    given = {p.info.get("wide_fraction_bits") for p in plans}
    if len(given) == 1 and None not in given:
        f_given = int(given.pop())  # type: ignore[arg-type]
        return None if f_given < 0 else _wide_roles(dtype, plans, f_given)
    for f in range(8 * wide_dtype(dtype).itemsize - bits, -1, -1):
        roles = _wide_roles(dtype, plans, f)
        if roles is not None:
            return roles
    return None


def _apply_wide(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
                roles: list[WidePass]) -> NDArray[Any]:
    out: NDArray[Any] = x
    it = iter(roles)
    for axis, p in plans:
        if p.is_gather:
            out = np.take(out, p.index[:, 0], axis=axis)
        else:
            out = _apply_fixed(out, axis, p, role=next(it))
    return np.ascontiguousarray(out)


def apply_plans(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply ``(axis, plan)`` pairs in order and return a new array of ``x``'s dtype.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear")
    >>> apply_plans(np.array([0.0, 1.0]), [(0, p)]).tolist()
    [0.0, 0.25, 0.75, 1.0]

    """
    dtype = x.dtype
    out: NDArray[Any] = x
    if all(p.is_gather for _, p in plans):
        for axis, p in plans:
            out = np.take(out, p.index[:, 0], axis=axis)
        return np.ascontiguousarray(out)
    integer = np.issubdtype(dtype, np.integer)
    if is_wide(dtype, plans):
        roles = wide_passes(dtype, [p for _, p in plans if not p.is_gather])
        if roles is not None:
            return _apply_wide(x, plans, roles)
    if integer and all(p.fixed is not None or p.is_gather for _, p in plans):
        for axis, p in plans:
            if p.is_gather:
                out = np.take(out, p.index[:, 0], axis=axis)
            else:
                out = _apply_fixed(out, axis, p)
        return np.ascontiguousarray(out)
    if dtype == np.bool_ or (integer and np.iinfo(dtype).bits > 32):
        raise TypeError(
            f"dtype {dtype} can only be resampled with nearest-neighbour plans; "
            "cast to float64 or use kernel='nearest'"
        )
    work = out.astype(np.float64)
    for axis, p in plans:
        work = _apply_float(work, axis, p)
    if integer:  # rounded once, half to even, and saturated
        from .._arithmetic import store

        return np.ascontiguousarray(store(work, dtype, "half_even"))
    return np.ascontiguousarray(work.astype(dtype))


# --- Two-pass fixed point with an unshifted intermediate --------------------------------
#
# OpenCV's 8-bit model (exact first-pass sums, one rounding) lives in ``wide_fixed.py``
# with the other library models (``models.py``); ``apply_wide_two_pass`` is re-exported
# here for the callers that import it from the reference engine.


# --- Float accumulation, stored in the dtype after every axis ----------------------------
#
# Pillow's 32-bit modes (I and F), MATLAB's imresize and SciPy's filters accumulate every
# output sample in double, tap by tap, and store the sum in the data's dtype before the
# next pass (Pillow's ``I`` rounds half away from zero, ``F`` casts to float32).  The plans
# declare it: ``arithmetic.accumulate`` is ``"float64_per_axis"`` and ``arithmetic.store``
# the rounding; ``run_plans`` dispatches them here (``models.py``).  The alpha rules
# (``premultiply_alpha``) are defined in ``_arithmetic`` and re-exported here.


def apply_plans_stored_per_axis(x: NDArray[Any],
                                plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply plans in float64 (taps added in order), storing in ``x.dtype`` after each axis.

    Integer results are rounded by each plan's ``arithmetic.store`` rule and
    saturated (:func:`pixelgrid._arithmetic.store`); float results are cast.
    This is the model of plans declaring ``arithmetic.accumulate ==
    "float64_per_axis"`` (Pillow's ``I`` and ``F`` modes, MATLAB, SciPy's filters).
    On integer data a plan with fixed-point weights sums those exactly and
    shifts by its bits (ONNX Runtime's 8-bit antialias, stored by
    ``"clip8_wrap"``); ``accumulate="taps_per_axis"`` sums in float32 tap by tap
    (:mod:`.float32_taps`) before each store (its int32 antialias).

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear",
    ...                    arithmetic=pixelgrid.Arithmetic(store="half_away"))
    >>> apply_plans_stored_per_axis(np.array([0, 2], np.int32), [(0, p)]).tolist()
    [0, 1, 2, 2]

    """
    from .._arithmetic import store
    from .float32_taps import taps_pass, working_dtype

    out: NDArray[Any] = x
    integer = np.issubdtype(x.dtype, np.integer)
    for axis, p in plans:
        if p.is_gather:
            out = np.take(out, p.index[:, 0], axis=axis)
            continue
        if p.arithmetic.accumulate == "taps_per_axis":  # float32 tap-order sums
            work = working_dtype(x.dtype)
            y = taps_pass(out.astype(work), axis, p, work).astype(np.float64)
        elif integer and p.fixed is not None:  # the plan's fixed point, rounded by its offset
            y = _fixed_sums(out, axis, p).astype(np.float64)
        else:
            y = _apply_float(out.astype(np.float64), axis, p)
        out = store(y, x.dtype, p.arithmetic.store) if integer else y.astype(x.dtype)
    return np.ascontiguousarray(out)


def _fixed_sums(x: NDArray[Any], axis: int, p: AxisPlan) -> NDArray[np.int64]:
    """``(sum w x + fill + offset) >> bits`` of a fixed-point plan, neither clamped nor cast."""
    fp = p.fixed
    assert fp is not None
    xm = np.moveaxis(x, axis, 0).astype(np.int64)
    shape = (p.out_size,) + (1,) * (xm.ndim - 1)
    bias = (fp.fill * round(p.fill_value) + fp.offset).reshape(shape)
    acc = np.broadcast_to(bias, (p.out_size, *xm.shape[1:])).astype(np.int64)
    for t in range(p.taps):
        acc = acc + fp.weights[:, t].reshape(shape) * xm[p.index[:, t]]
    return np.moveaxis(acc >> fp.bits, 0, axis)
