"""Compiled CPU engine: applies :class:`~pixelgrid._plan_types.AxisPlan` objects fast.

The heavy lifting is done by the ``pixelgrid._native`` extension module (C++,
``csrc/``).  This module validates the input, converts each plan once into the
compact form the kernels read (contiguous tap windows where possible, weights in
the accumulator type) and splits the work into *steps*:

* a pass along one axis of a ``(B, L, C)`` view of the array,
* a fused pass over two adjacent axes of a ``(B, H, W, C)`` view (the first axis
  resampled into a small per-thread buffer of rows, then the second), and
* a pure gather (copy) along one axis, for nearest-type plans and any dtype; plans
  that are all gathers are applied together in one pass (:func:`gather_all`).

Integer dtypes use the plan's fixed-point weights and are bit-exact with the
reference formula: plans are applied in the order given and the result is
rounded and clamped to the input dtype after every axis.  float64 is bit-identical
to the reference engine: passes in the order given, each row's taps added one by
one in plan order (``acc = acc + w * x``, no fused multiply-add; rows whose taps
are not increasing, e.g. wrap-around, take the per-tap path instead of a window).
float32 plans are reordered to do the least work and summed in float32 with fused
multiply-adds (float16 is computed in float32): within float32 rounding of the
reference, which sums float32 data in float64 and rounds once.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pixelgrid._memo import plans_key, remember, same_plans
from pixelgrid._plan_types import AxisPlan

from . import nonfinite

_ext: Any
try:  # pragma: no cover - depends on whether the extension was built
    _ext = importlib.import_module("pixelgrid._native")
except ImportError:  # pragma: no cover
    _ext = None

__all__ = ["apply_plans", "available", "gather_all", "gather_run", "gather_tables", "supports"]

_DTYPE_CODES: dict[np.dtype[Any], int] = {
    np.dtype(np.uint8): 0,
    np.dtype(np.int8): 1,
    np.dtype(np.uint16): 2,
    np.dtype(np.int16): 3,
    np.dtype(np.float32): 4,
    np.dtype(np.float64): 5,
}
_INT_DTYPES = frozenset(_DTYPE_CODES) - {np.dtype(np.float32), np.dtype(np.float64)}
# the int32 intermediate of the wide model (16-bit data): a pass's input or output only
_I32_CODE = 6
_FLOAT16 = np.dtype(np.float16)
_MAX_INDEX = 2**31 - 1
_MAX_ELEMENTS = 2**62

# Largest |x| of each integer dtype, to bound the fixed-point accumulator.
_MAXABS = {np.dtype(np.uint8): 255, np.dtype(np.int8): 128, np.dtype(np.uint16): 65535,
           np.dtype(np.int16): 32768, np.dtype(np.int32): 2**31}



def available() -> bool:
    """Return whether the compiled extension module could be imported.

    Returns
    -------
    bool
        ``True`` when :func:`apply_plans` can run.

    """
    return _ext is not None


def _is_weighted_dtype(dtype: np.dtype[Any]) -> bool:
    return dtype.isnative and (dtype in _DTYPE_CODES or dtype == _FLOAT16)


def supports(dtype: np.dtype[Any], plans: Sequence[AxisPlan]) -> bool:
    """Return whether :func:`apply_plans` can apply ``plans`` to data of ``dtype``.

    Parameters
    ----------
    dtype : numpy.dtype
        The dtype of the array to resample.
    plans : sequence of AxisPlan
        The plans that would be applied.

    Returns
    -------
    bool
        ``True`` when the extension is available and every plan can be applied:
        gather plans for any dtype without Python objects, weighted plans for
        float16/32/64, and (when the plan has fixed-point weights) for
        uint8, int8, uint16 and int16.

    """
    if _ext is None:
        return False
    dt = np.dtype(dtype)
    if dt.hasobject or dt.itemsize == 0:
        return False
    for p in plans:
        if p.is_gather:
            continue
        if not _is_weighted_dtype(dt.newbyteorder("=")):
            return False
        if dt.newbyteorder("=") in _INT_DTYPES and p.fixed is None:
            return False
    return True


#: The most threads a call may ask for (the pool keeps the threads it has started).
MAX_THREADS = 1024


@functools.cache
def _cpu_count() -> int:
    # os.cpu_count() reads sysfs on every call (~5 us, measured): once per process
    return os.cpu_count() or 1


# PIXELGRID_NUM_THREADS values already read (the variable is read on every call; its
# parsed, checked value is kept per string).
_ENV_THREADS: dict[str, int] = {}


def _resolve_threads(threads: int | None) -> int:
    if threads is None:
        env = os.environ.get("PIXELGRID_NUM_THREADS")
        if env is not None:
            known = _ENV_THREADS.get(env)
            if known is not None:
                return known
            n = _resolve_threads_from(env)
            if len(_ENV_THREADS) < 64:
                _ENV_THREADS[env] = n
            return n
    return _resolve_threads_from(None, threads)


def _resolve_threads_from(env: str | None, threads: int | None = None) -> int:
    if threads is None:
        if env is not None and env.strip():
            try:
                threads = int(env)
            except ValueError:
                raise ValueError(
                    f"PIXELGRID_NUM_THREADS={env!r} is not an integer (it sets threads)"
                ) from None
        else:
            threads = _cpu_count()
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError(f"threads must be an int or None, got {type(threads).__name__}")
    if not 1 <= threads <= MAX_THREADS:
        # the pool keeps its threads: thousands of them would stay alive after one call
        raise ValueError(f"threads={threads!r} is out of range: expected 1..{MAX_THREADS}")
    return int(threads)


# ----------------------------------------------------------------------------------------
# Plan preparation (cached per plan object and kind)
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    """A plan in kernel form for one accumulator kind.

    :attr:`tables` is the read-only ``pixelgrid._native.AxisTables`` the kernels receive,
    built in C++ from the plan's indices and weights (``AxisTables.from_plan``: windows,
    weights in the accumulator type, the 8-bit weight quads); csrc/engine_tables.h
    documents each field and csrc/engine.cpp checks every size and range.  The other
    SIMD tables are built in C++ beside their kernels by its ``with_groups`` and
    ``with_perm`` (cached per plan and channel count below).  The arrays by name are
    read-only views of the tables' (gather plans: only ``index``).
    """

    n_in: int
    n_out: int
    taps: int
    bits: int  # fixed-point shift of the sums (0 for floats)
    start: NDArray[np.int32] | None  # windowed: output o reads start[o] + t
    index: NDArray[np.int32] | None  # else: output o reads index[o, t]
    weight: NDArray[Any]  # (n_out, taps) in the accumulator's type
    bias: NDArray[Any]  # (n_out,)
    absmax: float  # max over outputs of sum |w| (integer kinds: of the fixed weights)
    biasmax: float
    tables: Any = None  # pixelgrid._native.AxisTables (None for gather plans)

    @property
    def windowed(self) -> bool:
        return self.start is not None


_cache: weakref.WeakKeyDictionary[AxisPlan, dict[str, Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _validate_plan(p: AxisPlan) -> None:
    if not isinstance(p, AxisPlan):
        raise TypeError(f"expected an AxisPlan, got {type(p).__name__}")
    n_in, n_out = int(p.in_size), int(p.out_size)
    if n_in < 1 or n_out < 1:
        raise ValueError(f"plan sizes in_size={n_in}, out_size={n_out} must be >= 1")
    if n_in > _MAX_INDEX or n_out > _MAX_INDEX:
        raise ValueError(f"plan sizes in_size={n_in}, out_size={n_out} overflow a 32-bit index")
    index = np.asarray(p.index)
    weight = np.asarray(p.weight)
    if index.ndim != 2 or index.shape[0] != n_out:
        raise ValueError(f"plan.index has shape {index.shape}, expected ({n_out}, taps)")
    if weight.shape != index.shape:
        raise ValueError(f"plan.weight has shape {weight.shape}, expected {index.shape}")
    if np.asarray(p.fill).shape != (n_out,):
        raise ValueError(f"plan.fill has shape {np.shape(p.fill)}, expected ({n_out},)")
    if index.dtype.kind not in "iu":
        raise TypeError(f"plan.index must hold integers, got {index.dtype}")
    if index.size and (int(index.min()) < 0 or int(index.max()) >= n_in):
        raise ValueError(
            f"plan.index out of range: values must lie in [0, {n_in}) "
            f"(got [{int(index.min())}, {int(index.max())}])"
        )
    if p.fixed is not None:
        fw = np.asarray(p.fixed.weights)
        if fw.shape != index.shape:
            raise ValueError(f"plan.fixed.weights has shape {fw.shape}, expected {index.shape}")
        if np.asarray(p.fixed.fill).shape != (n_out,):
            raise ValueError(f"plan.fixed.fill has shape {np.shape(p.fixed.fill)}")


def _validate_cached(p: AxisPlan) -> None:
    """:func:`_validate_plan` once per plan object (the kernel forms are cached per object too)."""
    with _cache_lock:
        entry = _cache.get(p)
        if entry is not None and "valid" in entry:
            return
    _validate_plan(p)
    with _cache_lock:
        _cache.setdefault(p, {})["valid"] = True


def _prepare(p: AxisPlan, kind: str) -> _Prepared:
    """Kernel form of ``p`` for ``kind`` in {'f32', 'f64', 'i32', 'i64', 'gather'}."""
    with _cache_lock:
        entry = _cache.get(p)
        if entry is not None and kind in entry:
            prepared: _Prepared = entry[kind]
            return prepared
    _validate_plan(p)
    n_in, n_out = int(p.in_size), int(p.out_size)
    index = np.asarray(p.index, dtype=np.int64)
    if kind == "gather":
        idx = np.ascontiguousarray(index[:, 0], dtype=np.int32)
        zero = np.zeros(0)
        res = _Prepared(n_in, n_out, 1, 0, None, idx, zero, zero, 1.0, 0.0)
    elif kind in ("f32", "f64"):
        w = np.asarray(p.weight, dtype=np.float64)
        fill = np.asarray(p.fill, dtype=np.float64)
        bias = np.where(fill != 0, fill * float(p.fill_value), 0.0)
        res = _make(index, w, bias, n_in, n_out, 0, np.float32 if kind == "f32" else np.float64)
    else:
        fx = p.fixed
        if fx is None:
            raise ValueError("integer data needs fixed-point weights but plan.fixed is None")
        w = np.asarray(fx.weights, dtype=np.int64)
        ffill = np.asarray(fx.fill, dtype=np.int64)
        fv = round(float(p.fill_value)) if np.any(ffill) else 0
        if np.any(ffill) and int(np.abs(ffill).max()) * abs(fv) >= 2**61:
            raise ValueError("plan.fixed.fill * round(fill_value) overflows int64")
        bias = ffill * np.int64(fv) + np.int64(fx.offset)
        res = _make(index, w, bias, n_in, n_out, int(fx.bits),
                    np.int32 if kind == "i32" else np.int64)
    with _cache_lock:
        _cache.setdefault(p, {})[kind] = res
    return res


def _make(
    index: NDArray[np.int64],
    w: NDArray[Any],
    bias: NDArray[Any],
    n_in: int,
    n_out: int,
    bits: int,
    acc: type[np.generic],
) -> _Prepared:
    """Kernel form of plan data: ``index`` and ``w`` (float64 or int64), ``bias`` as ``acc``.

    The windows (or per-tap indices) and the weights in the accumulator type are made in
    C++ (``AxisTables.from_plan``, csrc/engine.cpp); only the accumulator bounds that
    choose int32 or int64 sums (:func:`_int_kind`) are taken here.
    """
    assert _ext is not None
    absmax = float(np.abs(w).sum(axis=1).max()) if w.size else 0.0
    biasmax = float(np.abs(bias).max()) if bias.size else 0.0
    b = np.ascontiguousarray(bias, dtype=acc)
    t = _ext.AxisTables.from_plan(n_in=n_in, n_out=n_out, bits=bits,
                                  index=np.ascontiguousarray(index, dtype=np.int64),
                                  weight=np.ascontiguousarray(w), bias=b)
    return _Prepared(n_in, n_out, t.taps, bits, t.start, t.index, t.weight, t.bias, absmax,
                     biasmax, t)


def _with_groups(p: AxisPlan, pr: _Prepared, c: int) -> Any:
    """The ``AxisTables`` of ``p`` (int32 form ``pr``) with its 8-bit group tables for ``c``.

    Built once per plan and channel count (``AxisTables.with_groups``,
    csrc/u8_avx2_tables.cpp): none where they do not pay.
    """
    key = f"groups{c}"
    with _cache_lock:
        entry = _cache.get(p)
        if entry is not None and key in entry:
            return entry[key]
    res = pr.tables.with_groups(channels=c)
    with _cache_lock:
        _cache.setdefault(p, {})[key] = res
    return res


def _with_perm(p: AxisPlan, c: int) -> Any:
    """The float32 ``AxisTables`` of ``p`` with the permute tables for ``c`` channels.

    Built once per plan and channel count (``AxisTables.with_perm``,
    csrc/f32_avx2_tables.cpp): fixed or variable blocks, two-phase tables for one
    channel, none where they do not pay.
    """
    key = f"perm{c}"
    with _cache_lock:
        entry = _cache.get(p)
        if entry is not None and key in entry:
            return entry[key]
    res = _prepare(p, "f32").tables.with_perm(channels=c)
    with _cache_lock:
        _cache.setdefault(p, {})[key] = res
    return res


def _int_kind(p: AxisPlan, dtype: np.dtype[Any]) -> str:
    """'i32' when the fixed-point accumulator provably fits int32, else 'i64'."""
    if p.fixed is None:
        raise ValueError(
            f"integer dtype {dtype} needs fixed-point weights, but plan.fixed is None "
            f"(plan {p.in_size} -> {p.out_size})"
        )
    pr = _prepare(p, "i64")
    bound = pr.absmax * _MAXABS[dtype] + pr.biasmax
    if bound >= 2.0**62:
        raise ValueError("plan.fixed weights are too large: the accumulator overflows int64")
    return "i32" if bound < 2.0**31 - 2.0**20 else "i64"


# ----------------------------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------------------------
@dataclass
class _Step:
    kind: str  # 'single', 'pair', 'gather'
    axis: int  # for 'pair': the first of the two axes
    plans: tuple[AxisPlan, ...]
    h_first: bool = True


def _ratio(plans: Sequence[AxisPlan]) -> float:
    r = 1.0
    for p in plans:
        r *= p.out_size / p.in_size
    return r


def _steps_in_order(weighted: list[tuple[int, AxisPlan]],
                    kind_of: Callable[[AxisPlan], str]) -> list[_Step]:
    """Steps that apply ``weighted`` in the order given.

    A fused pair only for two consecutive plans of adjacent axes (W first only where the
    H plan's taps are windows).
    """
    steps: list[_Step] = []
    i = 0
    while i < len(weighted):
        a, p = weighted[i]
        if i + 1 < len(weighted) and abs(weighted[i + 1][0] - a) == 1:
            b, q = weighted[i + 1]
            ph, pw = (p, q) if a < b else (q, p)
            h_first = a > b  # the W (inner) axis is applied first
            if not h_first or _prepare(ph, kind_of(ph)).windowed:
                steps.append(_Step("pair", min(a, b), (ph, pw), h_first))
                i += 2
                continue
        steps.append(_Step("single", a, (p,)))
        i += 1
    return steps


def _plan_steps(
    dtype: np.dtype[Any], items: list[tuple[int, AxisPlan]], shape: tuple[int, ...]
) -> list[_Step]:
    gathers = [(a, p) for a, p in items if p.is_gather]
    weighted = [(a, p) for a, p in items if not p.is_gather]
    steps: list[_Step] = [
        _Step("gather", a, (p,)) for a, p in gathers if p.out_size < p.in_size
    ]
    is_int = dtype in _INT_DTYPES
    wsteps: list[_Step]
    if is_int or dtype == np.dtype(np.float64):
        # Integers (rounded after each pass) and float64 (bit-identical to the reference
        # engine, which rounds after each pass in the order given) keep the plans' order.
        wsteps = _steps_in_order(weighted, lambda ph: _int_kind(ph, dtype) if is_int else "f64")
    else:
        wsteps = []
        by_axis = dict(weighted)
        axes = sorted(by_axis, reverse=True)
        used: set[int] = set()
        for a in axes:
            if a in used:
                continue
            if a - 1 in by_axis and a - 1 not in used:
                used.update((a, a - 1))
                wsteps.append(_Step("pair", a - 1, (by_axis[a - 1], by_axis[a])))
            else:
                used.add(a)
                wsteps.append(_Step("single", a, (by_axis[a],)))
        wsteps.sort(key=lambda s: _ratio(s.plans))
    steps.extend(wsteps)
    steps.extend(_Step("gather", a, (p,)) for a, p in gathers if p.out_size >= p.in_size)
    return steps


def _prod(xs: Sequence[int]) -> int:
    r = 1
    for v in xs:
        r *= int(v)
    return r


def _float_order(step: _Step, shape: tuple[int, ...], kind: str) -> bool:
    """For a float pair step: True to resample W first (rows), False for H first."""
    ph, pw = step.plans
    a = step.axis
    c = _prod(shape[a + 2:])
    prh, prw = _prepare(ph, kind), _prepare(pw, kind)
    if not prh.windowed:
        return False
    h, w = ph.in_size, pw.in_size
    oh, ow = ph.out_size, pw.out_size
    cost_hf = h * ow * c * max(prw.taps, 1) + oh * ow * c * max(prh.taps, 1)
    cost_vf = oh * w * c * max(prh.taps, 1) + oh * ow * c * max(prw.taps, 1)
    if abs(cost_hf - cost_vf) <= 0.1 * max(cost_hf, cost_vf):
        # Near a tie the multiply-add counts do not decide.  Measured (float32, AVX2,
        # 1 and 2 threads, 1.5x to 4x, linear and cubic): H first wins by 7-24% (its
        # horizontal pass writes the output in batches of up to 16 rows), unless an
        # output row is a multiple of 4 KiB: the engine then batches only 4 rows (they
        # share L1 sets) and W first wins by 13-29% (512 -> 1024 or 2048 per row).
        itemsize = 4 if kind == "f32" else 8
        return (ow * c * itemsize) % 4096 == 0
    return cost_hf <= cost_vf


@dataclass(frozen=True)
class _Gather:
    """A gather along the middle axis of a ``(B, n, e)`` byte view: ``index`` (int32)."""

    B: int
    n: int
    e: int  # bytes per element of the gathered axis
    index: NDArray[np.int32]


@dataclass(frozen=True)
class _Call:
    """One extension call: its function, output shape and its step.

    ``step`` is the named, typed object the extension reads: ``_ext.SingleStep`` or
    ``_ext.PairStep`` (csrc/engine.cpp ``bind_steps``: dtype code, accumulator, sizes,
    ``AxisTables``), or a :class:`_Gather`.
    """

    kind: str  # 'single', 'pair', 'gather'
    shape: tuple[int, ...]
    step: Any
    odtype: np.dtype[Any] | None = None  # output dtype when not the input's (wide model)


# ----------------------------------------------------------------------------------------
# The wide model (pixelgrid._engines.reference: one rounding at the end)
# ----------------------------------------------------------------------------------------
def _code(dt: np.dtype[Any]) -> int:
    return _I32_CODE if dt == np.dtype(np.int32) else _DTYPE_CODES[dt]


def _wide_form(p: AxisPlan, role: Any, reads: np.dtype[Any],
               force64: bool = False) -> tuple[_Prepared, bool]:
    """Kernel form of one wide pass and whether it needs the int64 accumulator.

    The role's shift and per-row bias replace the plan's; weights, bias and shift are
    divided by the weights' common power of two (at most the shift): with every
    ``w = 2**s w'``, ``(sum w x + B) >> S == (sum w' x + (B >> s)) >> (S - s)`` exactly,
    so dyadic plans (2x, 4x) get small weights that fit int16.
    """
    fx = p.fixed
    assert fx is not None
    w = np.asarray(fx.weights, dtype=np.int64)
    bias = np.asarray(role.bias, dtype=np.int64)
    shift = int(role.shift)
    nz = w[w != 0]
    if nz.size and shift > 0:
        low = int(np.bitwise_or.reduce(np.abs(nz)))
        s = min((low & -low).bit_length() - 1, shift)
        w, bias, shift = w >> s, bias >> s, shift - s
    # 8-bit data: wide_passes proved every partial sum (any subset of a row's terms plus
    # its bias) within int32; 16-bit data (int32 intermediate) sums in int64.
    wide16 = {np.dtype(np.int32), np.dtype(np.uint16)} & {reads, np.dtype(role.dtype)}
    acc64 = force64 or bool(wide16)
    pr = _make(np.asarray(p.index, dtype=np.int64), w, bias, int(p.in_size), int(p.out_size),
               shift, np.int64 if acc64 else np.int32)
    return pr, bool(acc64)


def _compile_wide(dtype: np.dtype[Any], items: list[tuple[int, AxisPlan]],
                  shape: tuple[int, ...], roles: list[Any]) -> list[_Call]:
    """Extension calls of a wide run: gathers as usual, weighted passes in the given order.

    The two passes of a 2-pass run over adjacent axes, the outer first (H then W, as
    ``resize`` orders them), are fused through a one-row intermediate buffer; every
    other pass is a single step writing its intermediate array.
    """
    from .reference import wide_dtype

    mid = wide_dtype(dtype)
    weighted = [(a, p, r) for (a, p), r in zip([(a, p) for a, p in items if not p.is_gather],
                                                roles, strict=True)]
    gathers = [(a, p) for a, p in items if p.is_gather]
    calls: list[_Call] = []
    cur = tuple(shape)

    def gather(a: int, p: AxisPlan) -> None:
        nonlocal cur
        pr = _prepare(p, "gather")
        assert pr.index is not None
        out = list(cur)
        out[a] = p.out_size
        calls.append(_Call("gather", tuple(out),
                           _Gather(_prod(cur[:a]), p.in_size,
                                   _prod(cur[a + 1:]) * dtype.itemsize, pr.index)))
        cur = tuple(out)

    for a, p in gathers:
        if p.out_size < p.in_size:
            gather(a, p)
    if _prod(cur) * 4 >= _MAX_ELEMENTS:
        raise ValueError(f"shape {cur} is too large to index")
    (a1, p1, r1), (a2, p2, r2) = weighted[0], weighted[-1]
    if len(weighted) == 2 and abs(a2 - a1) == 1:
        f1, w1 = _wide_form(p1, r1, dtype)
        f2, w2 = _wide_form(p2, r2, mid)
        acc64 = w1 or w2
        if w1 != w2:  # one accumulator type for both passes
            f1, _ = _wide_form(p1, r1, dtype, True)
            f2, _ = _wide_form(p2, r2, mid, True)
        t1, t2 = f1.tables, f2.tables
        a = min(a1, a2)
        c = _prod(cur[a + 2:])
        h_first = a1 > a2  # the inner (W) axis first: the second plan is along H
        # (H windows that are not contiguous cannot be W first: two single steps)
        if not h_first or f2.windowed:
            if h_first and not acc64 and dtype.itemsize == 1:
                t1 = t1.with_groups(channels=c, left=True)
            th, tw = (t2, t1) if h_first else (t1, t2)
            out = list(cur)
            out[a1], out[a2] = p1.out_size, p2.out_size
            calls.append(_Call("pair", tuple(out), _ext.PairStep(
                dtype=_DTYPE_CODES[dtype], acc64=int(acc64), h_first=int(h_first),
                B=_prod(cur[:a]), C=c, plan_h=th, plan_w=tw, mdtype=_code(mid))))
            cur = tuple(out)
            weighted = []
    if weighted:
        reads = dtype
        for a, p, r in weighted:
            form, acc64 = _wide_form(p, r, reads)
            out = list(cur)
            out[a] = p.out_size
            calls.append(_Call("single", tuple(out), _ext.SingleStep(
                dtype=_code(reads), acc64=int(acc64), B=_prod(cur[:a]), C=_prod(cur[a + 1:]),
                plan=form.tables, odtype=_code(r.dtype)), r.dtype))
            reads = r.dtype
            cur = tuple(out)
    for a, p in gathers:
        if p.out_size >= p.in_size:
            gather(a, p)
    return calls


def _compile_steps(dtype: np.dtype[Any], steps: list[_Step],
                   shape: tuple[int, ...]) -> list[_Call]:
    """The extension calls of ``steps`` on a C-contiguous array of ``shape``, ``dtype``."""
    calls: list[_Call] = []
    cur = tuple(shape)
    is_int = dtype in _INT_DTYPES
    fkind = "f32" if dtype == np.dtype(np.float32) else "f64"
    for st in steps:
        out = list(cur)
        a = st.axis
        for k, p in enumerate(st.plans):
            out[a + k] = p.out_size
        if _prod(out) * dtype.itemsize >= _MAX_ELEMENTS:
            raise ValueError(f"output shape {tuple(out)} is too large to index")
        step: Any
        if st.kind == "gather":
            p = st.plans[0]
            pr = _prepare(p, "gather")
            assert pr.index is not None
            step = _Gather(_prod(cur[:a]), p.in_size, _prod(cur[a + 1:]) * dtype.itemsize,
                           pr.index)
        elif st.kind == "single":
            p = st.plans[0]
            kind = _int_kind(p, dtype) if is_int else fkind
            pr = _prepare(p, kind)
            b = _prod(cur[:a])
            c = _prod(cur[a + 1:])
            tables = _with_perm(p, c) if kind == "f32" and c <= 4 else pr.tables
            if kind == "i32" and dtype.itemsize == 1 and c <= 4:
                tables = _with_groups(p, pr, c)
            step = _ext.SingleStep(dtype=_DTYPE_CODES[dtype], acc64=int(kind == "i64"), B=b,
                                   C=c, plan=tables)
        else:
            ph, pw = st.plans
            if is_int:
                kinds = {_int_kind(ph, dtype), _int_kind(pw, dtype)}
                kind = "i64" if "i64" in kinds else "i32"
                h_first = st.h_first
            else:
                kind = fkind
                h_first = st.h_first if kind == "f64" else _float_order(st, cur, kind)
            prh, prw = _prepare(ph, kind), _prepare(pw, kind)
            b = _prod(cur[:a])
            c = _prod(cur[a + 2:])
            tw = _with_perm(pw, c) if kind == "f32" and c <= 4 else prw.tables
            if kind == "i32" and dtype.itemsize == 1 and c <= 4:
                tw = _with_groups(pw, prw, c)
            step = _ext.PairStep(dtype=_DTYPE_CODES[dtype], acc64=int(kind == "i64"),
                                 h_first=int(h_first), B=b, C=c, plan_h=prh.tables, plan_w=tw)
        cur = tuple(out)
        calls.append(_Call(st.kind, cur, step))
    return calls


def _run_calls(x: NDArray[Any], calls: list[_Call], threads: int) -> NDArray[Any]:
    assert _ext is not None
    cur = x
    # float data: the first pass also scans x as nonfinite._suspect would, and the answer
    # is recorded with the result (nonfinite.note_scan)
    scan = 0.0
    if x.dtype.kind == "f" and calls and calls[0].kind != "gather":
        scan = nonfinite.scan_limit(x, _prod(calls[-1].shape))
    below = None
    for call in calls:
        out = np.empty(call.shape, dtype=x.dtype if call.odtype is None else call.odtype)
        if out.size == 0:
            cur = out
            continue
        if call.kind == "gather":
            g = call.step
            _ext.gather_fused(src=cur.reshape(-1).view(np.uint8).reshape(g.B, g.n, g.e),
                              dst=out.reshape(-1).view(np.uint8).reshape(g.B, g.index.size, g.e),
                              tables=[None, g.index, None], threads=threads)
        elif call.kind == "single":
            r = _ext.single(src=cur, dst=out, step=call.step, threads=threads, scan=scan)
            below = r if cur is x else below
        else:
            r = _ext.pair(src=cur, dst=out, step=call.step, threads=threads, scan=scan)
            below = r if cur is x else below
        scan = 0.0
        cur = out
    if below is not None:
        nonfinite.note_scan(x, cur, below)
    return cur


# Compiled calls of recent apply_plans calls, keyed by the plans' identities (the value
# holds the plans, so their ids cannot be reused while the entry lives), shape and dtype:
# repeated resizes of one shape skip step planning and table lookups.
_CALLS_MAX = 64
_calls: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], list[_Call]]] = {}


# apply_plans calls that passed every check, by the same kind of key: a repeated call
# with a C-contiguous array of a kernel dtype goes straight to its compiled calls.
_fast: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], list[_Call]]] = {}

# gather_all calls that passed its checks (any dtype and layout: the key holds the shape
# and dtype, the gather reads any strides): their tables and output shape.
_gathers: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], list[Any], list[int]]] = {}


def _fast_key(x: Any, plans: Sequence[tuple[int, AxisPlan]],
              any_dtype: bool = False) -> tuple[Any, ...] | None:
    if type(x) is not np.ndarray or not isinstance(plans, (list, tuple)):
        return None
    if not any_dtype and (not x.flags.c_contiguous or x.dtype not in _DTYPE_CODES):
        return None
    return plans_key(x, plans)


def run_kept(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]
             ) -> Callable[[NDArray[Any], int | None], NDArray[Any]] | None:
    """``run(x, threads)``: what :func:`apply_plans` does for a call it has checked before.

    For a C-contiguous array of a kernel dtype whose plans and shape passed every check
    of an earlier :func:`apply_plans` call: its compiled calls, run directly (the caller
    keeps the function per plans, shape, dtype and strides).  ``None`` otherwise.
    """
    key = _fast_key(x, plans)
    hit = None if key is None else _fast.get(key)
    if hit is None or not same_plans(hit[0], plans):
        return None
    calls = hit[1]
    return lambda a, threads: _run_calls(a, calls, _resolve_threads(threads))


def takes_positional(fn: Any, names: Sequence[str]) -> bool:
    """Whether the extension function ``fn``'s parameters are ``names``, in that order.

    nanobind matches keyword arguments by name, one by one (~35 ns each: ~0.5 us of a
    16-argument ``sample_points`` call); a repeated small call passes them by position
    where this holds (read from the signature nanobind writes in ``__doc__``, once),
    so that a reordered binding falls back to keywords instead of misreading them.
    """
    doc = getattr(fn, "__doc__", None) or ""
    head = doc.split(" -> ", 1)[0]
    return re.findall(r"(?:\(|, )(\w+): ", head) == list(names)


def kept_pass(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]
              ) -> tuple[Callable[..., Any], Any, tuple[int, ...], np.dtype[Any]] | None:
    """``(fn, step, shape, dtype)`` where :func:`run_kept`'s calls are one weighted pass.

    That pass is ``fn(src=x, dst=out, step=step, threads=n, scan=limit)`` into a new
    ``out`` of ``shape`` and ``dtype`` (:func:`_run_calls` with one call); ``None`` where
    :func:`run_kept` is None or its calls are not one ``single``/``pair`` pass of a
    non-empty output.
    """
    key = _fast_key(x, plans)
    hit = None if key is None else _fast.get(key)
    if hit is None or not same_plans(hit[0], plans) or len(hit[1]) != 1:
        return None
    call = hit[1][0]
    if call.kind not in ("single", "pair") or _prod(call.shape) == 0:
        return None
    fn = _ext.single if call.kind == "single" else _ext.pair
    return fn, call.step, call.shape, x.dtype if call.odtype is None else call.odtype


def gather_runner(dt: np.dtype[Any], tables: list[Any], shape: list[int]
                  ) -> Callable[[NDArray[Any], int], NDArray[Any]]:
    """``run(x, threads)``: :func:`gather_run` of ``(tables, shape)`` for ``dt`` data.

    ``threads`` already resolved (``_arrays.threads_now``).  One kernel for every dtype:
    the arrays are read as bytes (the element's bytes as a last axis); uint8 data are
    their own byte views (0.3 us less per call).
    """
    assert _ext is not None
    fused, empty, shp = _ext.gather_fused, np.empty, tuple(shape)
    if _prod(shp) == 0:
        return lambda x, threads: empty(shp, dtype=dt)
    u8 = np.dtype(np.uint8)
    if dt == u8:
        def run_u8(x: NDArray[Any], threads: int) -> NDArray[Any]:
            out = empty(shp, dtype=dt)
            fused(x[..., None], out[..., None], tables, threads)
            return out

        return run_u8

    def run(x: NDArray[Any], threads: int) -> NDArray[Any]:
        out = empty(shp, dtype=dt)
        fused(x[..., None].view(u8), out[..., None].view(u8), tables, threads)
        return out

    return run


def _calls_for(work: NDArray[Any], items: list[tuple[int, AxisPlan]]) -> list[_Call]:
    shape = tuple(work.shape)
    key = (tuple((a, id(p)) for a, p in items), shape, work.dtype.str)
    with _cache_lock:
        hit = _calls.get(key)
    if hit is not None and same_plans(hit[0], items):
        return hit[1]
    from .reference import is_wide, wide_passes

    roles = (wide_passes(work.dtype, [p for _, p in items if not p.is_gather])
             if is_wide(work.dtype, items) else None)
    if roles is not None:
        calls = _compile_wide(work.dtype, items, shape, roles)
    else:
        calls = _compile_steps(work.dtype, _plan_steps(work.dtype, items, shape), shape)
    with _cache_lock:
        remember(_calls, key, (tuple(p for _, p in items), calls), _CALLS_MAX)
    return calls


def gather_all(
    x: NDArray[Any],
    plans: Sequence[tuple[int, AxisPlan]],
    *,
    threads: int | None = None,
) -> NDArray[Any] | None:
    """Apply gather (nearest) plans to all their axes in one pass over the output.

    ``csrc/gather.cpp``: each output element is copied from the input element
    that the plans' indices (``AxisPlan.index[:, 0]``, tie rules included) name,
    so every dtype keeps its bits (NaN payloads, -0.0, byte order, structured
    and complex dtypes); ``x`` may have any strides.

    Parameters
    ----------
    x : ndarray
        Input array, ``ndim >= 1``, any layout.
    plans : sequence of (int, AxisPlan)
        ``(axis, plan)`` pairs on distinct axes with ``plan.in_size ==
        x.shape[axis]``; every plan a gather (``plan.is_gather``).
    threads : int, optional
        Worker threads (``None``: as for :func:`apply_plans`).

    Returns
    -------
    ndarray or None
        A new C-contiguous array of ``x.dtype``; ``None`` when the extension is
        not available, a plan is not a gather, an axis is planned twice or the
        dtype holds Python objects (the caller then takes another engine).

    Examples
    --------
    >>> import numpy as np
    >>> from pixelgrid._plan_types import AxisPlan
    >>> p = AxisPlan(2, 3, np.array([[0], [0], [1]]), np.ones((3, 1)), np.zeros(3), 0.0,
    ...              np.array([0.0, 0.4, 1.0]))
    >>> gather_all(np.array([[1, 2], [3, 4]], np.int16), [(1, p)]).tolist()
    [[1, 1, 2], [3, 3, 4]]

    """
    found = gather_tables(x, plans)
    return None if found is None else gather_run(x, *found, threads=threads)


def gather_tables(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]
                  ) -> tuple[list[Any], list[int]] | None:
    """:func:`gather_all`'s checks: the tables ``gather_fused`` reads and the output shape.

    ``None`` where :func:`gather_all` returns ``None``.  Kept per plans, shape and dtype.
    """
    dt = x.dtype
    if _ext is None or dt.hasobject or dt.itemsize == 0 or not 1 <= x.ndim <= 63:
        return None
    key = _fast_key(x, plans, any_dtype=True)
    hit = None if key is None else _gathers.get(key)
    tables: list[Any]
    if hit is not None and same_plans(hit[0], plans):
        return hit[1], hit[2]  # checked by an earlier call of these plans
    tables = [None] * (x.ndim + 1)
    shape = list(x.shape)
    for ax, p in plans:
        a = int(ax) + x.ndim if int(ax) < 0 else int(ax)  # (tables[-1] is the byte axis)
        if (not 0 <= a < x.ndim or not p.is_gather or tables[a] is not None
                or int(p.in_size) != shape[a]):
            return None
        tables[a] = _prepare(p, "gather").index  # int32, validated and cached per plan
        shape[a] = int(p.out_size)
    if key is not None:
        with _cache_lock:
            remember(_gathers, key, (tuple(p for _, p in plans), tables, shape), _CALLS_MAX)
    return tables, shape


def gather_run(x: NDArray[Any], tables: list[Any], shape: list[int], *,
               threads: int | None = None) -> NDArray[Any]:
    """The gather of :func:`gather_tables`'s ``(tables, shape)`` (for ``x``'s shape and dtype)."""
    return gather_runner(x.dtype, tables, shape)(x, _resolve_threads(threads))


def apply_plans(
    x: NDArray[Any],
    plans: Sequence[tuple[int, AxisPlan]],
    *,
    threads: int | None = None,
) -> NDArray[Any]:
    """Apply per-axis resampling plans to ``x`` with the compiled engine.

    Parameters
    ----------
    x : ndarray
        Input array, any layout (non-contiguous and negative strides are fine),
        ``ndim >= 1``.  Weighted plans need float16/32/64 or (with ``plan.fixed``)
        uint8/int8/uint16/int16 data; gather plans work for any dtype without
        Python objects.
    plans : sequence of (int, AxisPlan)
        ``(axis, plan)`` pairs applied in this order; axes are distinct and
        ``plan.in_size == x.shape[axis]``.
    threads : int, optional
        Worker threads.  ``None`` uses ``PIXELGRID_NUM_THREADS`` if set, else
        ``os.cpu_count()``.

    Returns
    -------
    ndarray
        A new C-contiguous array of ``x.dtype`` with ``shape[axis] = plan.out_size``
        for every planned axis.

    Raises
    ------
    TypeError
        If ``x`` is not an array or its dtype is not supported by the plans.
    ValueError
        If axes, sizes or plans disagree, an integer weighted plan has
        ``plan.fixed`` set to ``None``, or ``threads < 1``.
    RuntimeError
        If the compiled extension is not available.

    Examples
    --------
    >>> import numpy as np
    >>> from pixelgrid._plan_types import AxisPlan
    >>> p = AxisPlan(2, 3, np.array([[0, 1], [0, 1], [0, 1]]),
    ...              np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]),
    ...              np.zeros(3), 0.0, np.array([0.0, 0.5, 1.0]))
    >>> apply_plans(np.array([0.0, 2.0]), [(0, p)]).tolist()
    [0.0, 1.0, 2.0]

    """
    if _ext is None:
        raise RuntimeError("the compiled extension pixelgrid._native is not available")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a numpy array, got {type(x).__name__}")
    nthreads = _resolve_threads(threads)
    fast = _fast_key(x, plans)
    if fast is not None:
        with _cache_lock:
            hit = _fast.get(fast)
        if hit is not None and same_plans(hit[0], plans):
            # same plans, shape and dtype as a call that passed every check below
            res = _run_calls(x, hit[1], nthreads)
            return res.copy() if res is x else res
    if x.ndim < 1:
        raise ValueError("x must have at least one dimension")
    items: list[tuple[int, AxisPlan]] = []
    seen: set[int] = set()
    for item in plans:
        try:
            axis, plan = item
        except (TypeError, ValueError):
            raise TypeError("plans must be a sequence of (axis, AxisPlan) pairs") from None
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"axis must be an int, got {type(axis).__name__}")
        axis = int(axis)
        if not 0 <= axis < x.ndim:
            raise ValueError(f"axis={axis} is out of range for an array with ndim={x.ndim}")
        if axis in seen:
            raise ValueError(f"axis={axis} is planned twice")
        seen.add(axis)
        if not isinstance(plan, AxisPlan):
            raise TypeError(f"expected an AxisPlan for axis {axis}, got {type(plan).__name__}")
        if int(plan.in_size) != x.shape[axis]:
            raise ValueError(
                f"plan.in_size={plan.in_size} does not match x.shape[{axis}]={x.shape[axis]}"
            )
        _validate_cached(plan)
        items.append((axis, plan))

    dtype = x.dtype
    if dtype.hasobject:
        raise TypeError(f"dtype {dtype} holds Python objects and cannot be resampled")
    weighted = [p for _, p in items if not p.is_gather]
    native = dtype.newbyteorder("=") if dtype.byteorder not in ("=", "|") else dtype
    if weighted:
        if not _is_weighted_dtype(native):
            raise TypeError(
                f"dtype {dtype} is not supported for weighted plans: expected one of "
                "float16, float32, float64, uint8, int8, uint16, int16"
            )
        if native in _INT_DTYPES:
            for p in weighted:
                if p.fixed is None:
                    raise ValueError(
                        f"integer dtype {dtype} needs fixed-point weights, but plan.fixed "
                        f"is None (plan {p.in_size} -> {p.out_size})"
                    )
    out_shape = list(x.shape)
    for a, p in items:
        out_shape[a] = int(p.out_size)
    if _prod(out_shape) * max(dtype.itemsize, 1) >= _MAX_ELEMENTS:
        raise ValueError(f"output shape {tuple(out_shape)} is too large to index")
    if x.size == 0 or _prod(out_shape) == 0:
        return np.empty(out_shape, dtype=dtype)

    items = [(a, p) for a, p in items if not p.is_identity]
    if not weighted:
        # nearest on every axis: one pass over the output, any layout, no copy of x
        gathered = gather_all(x, items, threads=nthreads)
        assert gathered is not None
        return gathered
    work = x
    if native != dtype:
        work = x.astype(native)
    if native == _FLOAT16 and weighted:
        work = work.astype(np.float32)
    work = np.ascontiguousarray(work)
    calls = _calls_for(work, items)
    if fast is not None and work is x and calls:
        with _cache_lock:
            remember(_fast, fast, (tuple(p for _, p in plans), calls), _CALLS_MAX)
    res = _run_calls(work, calls, nthreads)
    if res.dtype != dtype:
        res = res.astype(dtype)
    elif np.may_share_memory(res, x):
        res = res.copy()
    return np.ascontiguousarray(res)


def alpha(x: NDArray[Any], direction: str, threads: int | None = None, *,
          overwrite: bool = False) -> NDArray[Any] | None:
    """Pillow's premultiplied alpha (rule ``"muldiv255"``) by the compiled engine, or ``None``.

    ``direction``: ``"premultiply"`` or ``"unpremultiply"``; the compiled form of
    :func:`pixelgrid._arithmetic.premultiply_alpha` / ``unpremultiply_alpha`` (csrc/alpha.cpp,
    bit-identical: tests/test_native_alpha.py checks every (colour, alpha) byte pair).
    ``None`` when the extension lacks it or ``x`` is not a uint8 numpy array with channels.
    ``overwrite``: write into ``x`` when it is contiguous and writeable (a fresh result
    array of a large upscale: a second output of the same size cost page faults, ~7 ms of
    an RGBA 512^2 -> 1536^2 bicubic call, measured 1T).
    """
    fn = getattr(_ext, "alpha", None)
    if fn is None or type(x) is not np.ndarray or x.dtype != np.uint8 or x.ndim < 1:
        return None
    src = np.ascontiguousarray(x)
    out = src if overwrite and src is x and x.flags.writeable else np.empty_like(src)
    fn(src, out, 0 if direction == "premultiply" else 1, _resolve_threads(threads))
    return out
