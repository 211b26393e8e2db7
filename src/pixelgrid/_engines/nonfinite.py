"""NaN and inf data: the ``zero_taps`` rules and float32 overflow, for every engine.

pixelgrid's own model (``Arithmetic.zero_taps == "skip"``, see ``docs/model.md``,
"Non-finite values"): a tap of weight exactly 0 contributes nothing, so a NaN or
an infinity reaches exactly the outputs that give it a non-zero weight.  A plan
is a fixed number of taps per output (and the compiled engine reads contiguous
windows), so a row with fewer non-zero taps than the widest one holds taps of
weight 0, and ``0 * NaN`` or ``0 * inf`` would leak NaN past the kernel's
support.  A library's record says what it multiplies instead: ``"read"`` every
tap of the plan, ``"window"`` the taps of its own window (``plan.info["reads"]``).

Rather than asking every engine to honour these rules, :func:`finish` checks the
result (the smaller of input and output) and, only when it has non-finite
values, recomputes:

* the finite part: the same plans on the data with its non-finite values set
  to 0 (a tap reading a 0 adds 0, so every output that no non-finite input
  reaches is what any engine gives for it);
* where NaN, ``+inf`` and ``-inf`` land (:func:`_propagate`), pass by pass in the
  plans' order (the reference engine's), from 0/1 indicator arrays run through
  the plans with indicator weights in float64: small integer counts, exact on
  every engine.  For ``"skip"`` this is IEEE arithmetic on the 2-D sum
  ``sum u_i v_j x_ij`` over its non-zero products (a product is non-zero exactly
  when both factors are, with the sign of theirs).

Plans with a library's own summation order (``Arithmetic.ordered``) declaring
``"read"`` keep the model engine's result (it reads what that library reads).

float32 overflow: the compiled engine sums float32 data in float32, the model
(``accumulate="float64"``) in float64, so for data near ``3.4e38`` a partial sum
(a cubic's positive lobes) can overflow where the exact result is finite.  When
a float32 result of finite data has non-finite values, the plans are run again
on the data in float64 (the compiled engine is bitwise the reference there) and
the result rounded to float32 once, as the reference engine does.  Plans with a
library's own summation order keep their result.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import EXACT
from .._plan_types import AxisPlan

__all__ = ["NAN_POLICIES", "check_nan_policy", "finish", "needs_check", "nonzero_plans", "omit",
           "reads", "suspect_for"]

#: Accepted values of ``nan_policy`` (``pixelgrid.resize``, ``sample`` and the warps).
NAN_POLICIES = ("propagate", "omit")

Run = Callable[[NDArray[Any], Sequence[tuple[int, AxisPlan]]], NDArray[Any]]

#: Largest |x| of finite float data whose weighted sums cannot overflow (a row's
#: sum |w| is at most a few units; 2**20 of headroom for two or three passes).
_SAFE = {np.dtype(np.float16): float(np.finfo(np.float16).max),  # summed in float32
         np.dtype(np.float32): 2.0**108, np.dtype(np.float64): 2.0**1000}


def needs_check(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> bool:
    """True for float data resampled by weighted plans (gathers only copy values)."""
    return x.dtype.kind == "f" and any(not p.is_gather for _, p in plans)


# The compiled engine's passes can scan their input while they read it (``scan=`` of
# ``single``/``pair``): the answer of that scan, kept per thread for the call's result
# only (weak references to the input and to the output it made), so that :func:`_suspect`
# takes it instead of reading the input again (0.1-0.2 ms of a 1000x750x3 float32 resize).
_scans = threading.local()


def scan_limit(x: NDArray[Any], out_size: int) -> float:
    """The bound a pass over ``x`` making ``out_size`` values should scan for, or 0.

    :func:`_suspect` scans the input only when the output is larger; small inputs keep
    the separate scan (a scan inside the pass pays from about 1 MiB).
    """
    if out_size <= x.size or x.nbytes < (1 << 20) or x.dtype not in _SAFE:
        return 0.0
    return _SAFE[x.dtype]


def note_scan(x: NDArray[Any], y: NDArray[Any], below: bool) -> None:
    """Record that every value of ``x`` was scanned (``below``) while ``y`` was made."""
    _scans.last = (weakref.ref(x), weakref.ref(y), bool(below))


def _scanned(x: NDArray[Any], y: NDArray[Any]) -> bool | None:
    """The recorded scan of ``x`` made with ``y`` (taken once), else ``None``."""
    last = getattr(_scans, "last", None)
    if last is None:
        return None
    _scans.last = None
    return last[2] if last[0]() is x and last[1]() is y else None


def _suspect(x: NDArray[Any], y: NDArray[Any], threads: int | None = None) -> bool:
    """Whether ``y`` may need :func:`_repair`, scanning the smaller of ``x`` and ``y``.

    A non-finite input that any tap reads (at any weight) makes its output
    non-finite, and so does an overflow: a finite ``y`` needs nothing.  Finite
    input below :data:`_SAFE` cannot give either.  ``threads``: the caller's
    thread count, for the compiled scan.
    """
    scanned = _scanned(x, y)
    if y.size <= x.size or x.dtype not in _SAFE:
        return not bool(np.isfinite(y).all())
    from . import native

    if scanned is not None:  # scanned by the pass that made y
        below = scanned
    elif x.dtype in (np.float32, np.float64) and x.flags.c_contiguous \
            and hasattr(native._ext, "all_below"):
        # one threaded pass on the caller's threads, stopping at the first bad block
        below = native._ext.all_below(x.reshape(-1), _SAFE[x.dtype],
                                      native._resolve_threads(threads))
    else:
        hi, lo = x.max(), x.min()  # NaN propagates; comparisons with NaN are False
        below = bool(np.abs(hi) < _SAFE[x.dtype]) and bool(np.abs(lo) < _SAFE[x.dtype])
    return not below and not bool(np.isfinite(y).all())


def suspect_for(x: NDArray[Any], out_size: int
                ) -> Callable[[NDArray[Any], NDArray[Any], int], bool]:
    """:func:`_suspect` for arrays like ``x`` (dtype, shape, strides) and results of ``out_size``.

    ``suspect(a, y, threads)`` (``threads`` resolved) decides as ``_suspect`` does, with its
    branches chosen once: a repeated small call scans in one compiled call.  A result
    is finite when ``all_below(y, inf)`` holds (it tests ``|v| < max float``; a value
    of exactly the largest float is finite too: ``np.isfinite`` then decides).
    """
    from . import native

    scan = getattr(native._ext, "all_below", None)
    isfinite = np.isfinite
    if out_size <= x.size or x.dtype not in _SAFE:
        if scan is None or x.dtype not in (np.float32, np.float64):
            return lambda a, y, threads: not bool(isfinite(y).all())
        inf, dt = float("inf"), x.dtype

        def result_scan(a: NDArray[Any], y: NDArray[Any], threads: int) -> bool:
            return not (y.dtype is dt and y.flags.c_contiguous
                        and scan(y.ravel(), inf, threads)) and not bool(isfinite(y).all())

        return result_scan
    if scan is None or x.dtype not in (np.float32, np.float64) or not x.flags.c_contiguous:
        return _suspect
    safe = _SAFE[x.dtype]

    def input_scan(a: NDArray[Any], y: NDArray[Any], threads: int) -> bool:
        below = _scanned(a, y)  # scanned by the pass that made y (note_scan), else here
        if below is None:
            below = scan(a.ravel(), safe, threads)
        return not below and not bool(isfinite(y).all())

    return input_scan


def finish(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]], y: NDArray[Any],
           run: Run, threads: int | None = None) -> NDArray[Any]:
    """``y = run(x, plans)`` made to follow the plans' ``zero_taps`` rule and float64 sums.

    ``run`` applies plans with the caller's engine (no check of its own); ``threads``
    is the caller's thread count (for the scan of the data).
    """
    weighted = [p for _, p in plans if not p.is_gather]
    if any(p.arithmetic.ordered for p in weighted) \
            and all(p.arithmetic.zero_taps == "read" for p in weighted):
        # both branches below keep such a result: no need to scan (0.16 ms of a 3 ms
        # float32 1024^2x3 -> 1536^2 OpenCV linear)
        return y
    if not _suspect(x, y, threads):
        return y
    finite = np.isfinite(x)
    if finite.all():
        return _no_overflow(x, plans, y, run)
    if any(p.arithmetic.ordered for p in weighted) \
            and all(p.arithmetic.zero_taps == "read" for p in weighted):
        return y  # a library's own summation order, which reads what it reads
    clean = np.where(finite, x, x.dtype.type(0))
    out = _no_overflow(clean, plans, run(clean, plans), run)
    nan, pos, neg = _propagate(x, finite, plans, run)
    out = np.array(out, copy=True)
    out[pos] = np.inf
    out[neg] = -np.inf
    out[nan] = np.nan
    return out


def _propagate(x: NDArray[Any], finite: NDArray[np.bool_], plans: Sequence[tuple[int, AxisPlan]],
               run: Run) -> tuple[NDArray[np.bool_], ...]:
    """Where NaN, +inf and -inf land, pass by pass, in IEEE arithmetic over the taps read.

    A pass reads a tap when its weight is non-zero or the plan's ``zero_taps`` rule
    reads it anyway (:func:`reads`).  Output ``o`` is NaN when it reads a NaN, reads
    an infinity at weight 0 (``0 * inf``), or gets infinite terms of both signs; else
    ``+inf`` or ``-inf`` when it gets infinite terms of one sign.  Counts of terms are
    sums of 0/1 indicators in float64 (exact), with the plans' weights replaced by
    indicators: ``R`` (taps read), ``Z`` (read at weight 0), ``|S|`` and ``S = sign(w)``:
    ``C + D = |S| (P + Q)`` and ``C - D = S (P - Q)`` give the numbers ``C`` of
    ``+inf`` and ``D`` of ``-inf`` terms from the ``+inf`` and ``-inf`` indicators
    ``P`` and ``Q``.  For ``"skip"`` this is the 2-D rule (the terms of
    ``sum u_i v_j x_ij`` over non-zero products).
    """
    nan = np.isnan(x)
    pos = ~finite & ~nan & (x > 0)
    neg = ~finite & ~nan & (x < 0)
    f64 = np.float64
    for ax, p in plans:
        if p.is_gather:
            idx = p.index[:, 0]
            nan, pos, neg = (np.take(a, idx, axis=ax) for a in (nan, pos, neg))
            continue
        inf = (pos | neg).astype(f64)
        if p.arithmetic.zero_taps == "dense":  # every input of the line: matrix products
            m = p.matrix()
            shape = (*inf.shape[:ax], p.out_size, *inf.shape[ax + 1:])
            new_nan = (np.broadcast_to(np.any(nan, axis=ax, keepdims=True), shape)
                       | (_dense(m == 0, inf, ax) > 0.5))
            both = _dense(m != 0, inf, ax)
            diff = _dense(np.sign(m), pos.astype(f64) - neg.astype(f64), ax)
        else:
            one = [(ax, _derived(p, "reads"))]
            hit = run(np.stack([nan.astype(f64), inf], axis=-1), one) > 0.5
            new_nan = hit[..., 0]
            if p.arithmetic.zero_taps != "skip":  # 0 * inf read at weight 0
                new_nan = new_nan | (run(inf, [(ax, _derived(p, "zero_reads"))]) > 0.5)
            both = run(inf, [(ax, _derived(p, "nonzero"))])
            diff = run(pos.astype(f64) - neg.astype(f64), [(ax, _derived(p, "sign"))])
        c, d = (both + diff) > 0.5, (both - diff) > 0.5  # 2C and 2D
        nan = new_nan | (c & d)
        pos, neg = c & ~nan, d & ~nan
    return nan, pos, neg


def _dense(m: NDArray[Any], a: NDArray[np.float64], ax: int) -> NDArray[np.float64]:
    """The ``(out, in)`` matrix ``m`` applied along axis ``ax`` of ``a`` (float64)."""
    out: NDArray[np.float64] = np.moveaxis(
        np.tensordot(m.astype(np.float64), a, axes=([1], [ax])), 0, ax)
    return out


def reads(p: AxisPlan) -> NDArray[np.bool_]:
    """Which taps of ``p`` multiply their input, also at weight 0 (``zero_taps``).

    ``"skip"``: the non-zero ones.  ``"read"``: all of them.  ``"window"``: the
    non-zero ones and those whose input index lies in the row's window
    ``info["reads"] = (lo, hi)`` (inclusive; every tap when the plan has none).
    (``"dense"`` reads inputs the plan's taps do not hold: see :func:`_derived`.)

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> p = pixelgrid.plan(3, 5, kernel="linear", grid="align_corners")
    >>> p.weight.tolist()[0], reads(p).tolist()[0]
    ([1.0, 0.0], [True, False])
    """
    w = np.asarray(p.weight)
    rule = p.arithmetic.zero_taps
    if rule == "skip":
        nz: NDArray[np.bool_] = w != 0
        return nz
    window = p.info.get("reads") if rule == "window" else None
    if window is None:
        return np.ones(w.shape, dtype=bool)
    lo, hi = (np.asarray(v)[:, None] for v in window)
    out: NDArray[np.bool_] = (w != 0) | ((p.index >= lo) & (p.index <= hi))
    return out


def _no_overflow(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]], y: NDArray[Any],
                 run: Run) -> NDArray[Any]:
    """``y`` of finite ``x``, summed again in float64 where float32 sums overflowed."""
    if x.dtype != np.float32 or any(p.arithmetic.ordered for _, p in plans) \
            or bool(np.isfinite(y).all()):
        return y
    return run(x.astype(np.float64), plans).astype(np.float32)


_cache: weakref.WeakKeyDictionary[AxisPlan, dict[str, AxisPlan]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _derived(p: AxisPlan, kind: str) -> AxisPlan:
    """``p`` with indicator weights, no fill, the float64 model; or ``fill_value=1``.

    ``kind``: ``"nonzero"`` (``w != 0``), ``"sign"`` (``sign(w)``), ``"reads"``
    (the taps :func:`reads` marks), ``"zero_reads"`` (those of them at weight 0),
    ``"unit_fill"`` (``p`` itself reading 1 outside the input).
    """
    with _lock:
        hit = _cache.get(p, {}).get(kind)
    if hit is not None:
        return hit
    window = p.info.get("reads") if p.arithmetic.zero_taps == "window" else None
    if p.arithmetic.zero_taps == "dense":  # every input of the line
        window = (np.zeros(p.out_size, np.int64), np.full(p.out_size, p.in_size - 1))
    if kind == "unit_fill":
        q = dataclasses.replace(p, fill_value=1.0)
    elif window is not None and kind in ("reads", "zero_reads"):
        q = _window_plan(p, window, kind == "zero_reads")
    else:
        w = np.asarray(p.weight)
        if kind == "nonzero":
            weight = w != 0
        elif kind == "sign":
            weight = np.sign(w)
        else:
            weight = reads(p) if kind == "reads" else reads(p) & (w == 0)
        q = dataclasses.replace(p, weight=np.asarray(weight, dtype=np.float64),
                                fill=np.zeros(p.out_size), fixed=None, arithmetic=EXACT)
    with _lock:
        _cache.setdefault(p, {})[kind] = q
    return q


def _window_plan(p: AxisPlan, window: tuple[Any, Any], zero_only: bool) -> AxisPlan:
    """Indicator plan of the taps ``lo..hi`` of each row (``zero_taps="window"``).

    The window is the library's, not the plan's layout (which holds only the span of
    the non-zero weights, padded): ``zero_only`` keeps the window's taps whose merged
    plan weight is 0; otherwise the plan's non-zero taps are added (indicators are
    only compared with 0, so a tap counted twice does no harm).
    """
    lo, hi = (np.asarray(v, dtype=np.int64) for v in window)
    width = max(int(np.max(hi - lo)) + 1, 1) if lo.size else 1
    j = lo[:, None] + np.arange(width)
    inside = (j <= hi[:, None]) & (j >= 0) & (j < p.in_size)
    j = np.clip(j, 0, p.in_size - 1)
    w = np.asarray(p.weight)
    # the plan's weight on each window tap: its taps reading that index, summed
    merged = np.zeros(j.shape)
    col = np.asarray(p.index) - lo[:, None]
    ok = (col >= 0) & (col < width)
    rows = np.broadcast_to(np.arange(p.out_size)[:, None], col.shape)
    np.add.at(merged, (rows[ok], col[ok]), w[ok])
    if zero_only:
        index, weight = j, inside & (merged == 0)
    else:
        index = np.concatenate([j, np.asarray(p.index)], axis=1)
        weight = np.concatenate([inside, w != 0], axis=1)
    return AxisPlan(p.in_size, p.out_size, index, np.asarray(weight, dtype=np.float64),
                    np.zeros(p.out_size), 0.0, p.coord, None, {}, EXACT)


def nonzero_plans(plans: Sequence[tuple[int, AxisPlan]]) -> list[tuple[int, AxisPlan]]:
    """The plans with weights ``w != 0`` (1 or 0) and no fill.

    Applied in float64 to a 0/1 indicator, each output counts the indicated
    inputs it gives a non-zero weight.
    """
    return [(ax, _derived(p, "nonzero")) for ax, p in plans]


def check_nan_policy(nan_policy: Any) -> str:
    """``nan_policy`` if valid, else a ValueError naming it and the valid choices.

    Examples
    --------
    >>> check_nan_policy("raise")
    Traceback (most recent call last):
    ...
    ValueError: nan_policy='raise' is not valid; expected one of ['propagate', 'omit']
    """
    if not isinstance(nan_policy, str) or nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy={nan_policy!r} is not valid; expected one of "
                         f"{list(NAN_POLICIES)}")
    return nan_policy


def omit(x: Any, plans: Sequence[tuple[int, AxisPlan]],
         apply: Callable[[Any, Sequence[tuple[int, AxisPlan]]], Any]) -> Any:
    """``nan_policy="omit"``: each output is ``sum(w x) / sum(w)`` over its finite taps.

    NaN where no finite tap has weight (``sum(w)`` is 0); an output that no
    NaN/inf input reaches keeps the plain result (``apply(x, plans)`` there).
    ``x`` is a float numpy array or torch tensor, ``apply`` runs plans on it.

    Why two ordinary resizes suffice: a separable resize gives input ``(i, j)``
    the weight ``u[o, i] v[p, j]`` in output ``(o, p)``, a product of the
    per-axis weights.  So, with ``m`` the finite mask,
    ``sum_(i,j finite) u v x = V (U (m x))`` is the resize of
    ``where(m, x, 0)``, and ``sum_(i,j finite) u v = V (U m)`` the resize of
    ``m`` with the same plans: the 2-D weights factor, and both run on the
    fast engine.  The constant of a ``constant`` boundary is a finite tap: the
    mask's resize reads 1 there (``fill_value=1``).
    """
    torch_in = type(x).__module__.startswith("torch")
    if torch_in:
        import torch

        finite = torch.isfinite(x)
        if bool(finite.all()) or all(p.is_gather for _, p in plans):
            return apply(x, plans)
        clean = torch.where(finite, x, torch.zeros((), dtype=x.dtype, device=x.device))
        mask, bad = finite.to(x.dtype), (~finite).to(torch.float64)
    else:
        finite = np.isfinite(x)
        if bool(finite.all()) or all(p.is_gather for _, p in plans):
            return apply(x, plans)
        clean = np.where(finite, x, x.dtype.type(0))
        mask, bad = finite.astype(x.dtype), (~finite).astype(np.float64)
    num = apply(clean, plans)
    den = apply(mask, [(ax, _derived(p, "unit_fill") if np.any(p.fill) else p)
                       for ax, p in plans])
    reach = apply(bad, nonzero_plans(plans)) > 0.5
    if torch_in:
        nan = torch.full_like(num, float("nan"))
        return torch.where(reach.to(num.device), torch.where(den != 0, num / den, nan), num)
    with np.errstate(invalid="ignore", divide="ignore"):
        quotient = np.where(den != 0, num / den, np.nan).astype(num.dtype)
    return np.where(reach, quotient, num)
