"""The arithmetic models in the compiled engine: the numpy model engines, at speed.

Plans whose :class:`~pixelgrid.Arithmetic` follows a library's order
(``Arithmetic.ordered``) are defined by the numpy model engines of this
package (:mod:`.float32_taps`, :mod:`.wide_fixed`, :mod:`.box_sum`; the
oracle).  :func:`apply_model` runs the same models with the compiled kernels
(``csrc/models.h``), bit for bit: the same operations on the same operands in
the same order for every element, threaded and vectorised across independent
elements only.  It returns ``None`` for what it does not implement (models,
dtypes, plans with fill values, ...): the caller then uses the numpy engine,
which also raises the errors of invalid plans.

Natively run:

* ``accumulate="taps"`` (all ``fma`` orders, ``simd_lanes``) on 8/16/32-bit
  integer, float16, float32 and float64 data: each pass one kernel call, the
  final store (8/16-bit integers) in the kernels too;
* ``intermediate="unshifted"`` on 8/16-bit integer data: both passes,
  ``truncate`` and the float32 vector body;
* ``accumulate="block"`` (OpenCV's integer-factor ``INTER_AREA``) on 8/16-bit
  integer, float32 and float64 data;
* ``block_mean=BlockMean("exact", "reciprocal24")`` (Pillow's 8-bit ``reduce``)
  on 8/16-bit integer data;
* ``accumulate="float64_per_axis"`` / ``"taps_per_axis"`` (stores after every
  axis: Pillow's I/F modes, MATLAB, SciPy/skimage filters, ORT's int32 antialias),
  except integer plans with fixed-point weights and plans reading a fill value;
* ``accumulate="corner_sum"`` / ``"corner_sum_q10"`` (ONNX Runtime's linear) on
  8/16/32-bit integer and float data, up to 3 cell axes of up to 8 dimensions
  (``"corner_sum_q10"`` on 8-bit data over 2 adjacent cell axes: the exact integer
  sum evaluated separably, rows along the last cell axis first).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import store
from .._memo import plans_key, remember, same_plans
from .._plan_types import AxisPlan
from . import native
from .float32_taps import ipp_row_kinds

__all__ = ["apply_model", "available", "quiet", "runner_for"]

# element type codes of csrc/models_types.h (MType)
_MTYPE = {np.dtype(np.uint8): 0, np.dtype(np.int8): 1, np.dtype(np.uint16): 2,
          np.dtype(np.int16): 3, np.dtype(np.float32): 4, np.dtype(np.float64): 5,
          np.dtype(np.int32): 6, np.dtype(np.int64): 7}
_SMALL_INT = frozenset(np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16))
_TAPS_DTYPES = _SMALL_INT | frozenset(np.dtype(t) for t in (np.int32, np.uint32, np.float16,
                                                               np.float32, np.float64))
_FMA = {"none": 0, "chain": 1, "reverse": 2, "tail4": 3, "lerp": 7, "lerp_mul": 8,
        "pair_chain": 9}  # FmaMode
_STORE = {"half_even": 0, "half_away": 1, "half_up": 2, "truncate": 3,
          "clip8_wrap": 4}  # StoreRule
_MAXABS = {np.dtype(np.uint8): 255, np.dtype(np.int8): 128, np.dtype(np.uint16): 65535,
           np.dtype(np.int16): 32768}
_I32 = 2**31 - 1

#: A prepared model run: ``run(x, threads)`` on data of the shape and dtype it was made for.
Runner = Callable[[NDArray[Any], int], NDArray[Any] | None]


def available() -> bool:
    """True when the compiled engine has the model kernels."""
    return native._ext is not None and hasattr(native._ext, "TapsStep")


# Per plan object: the arrays the kernels read, built once (plans are cached and reused).
_prep: weakref.WeakKeyDictionary[AxisPlan, dict[str, Any]] = weakref.WeakKeyDictionary()
_prep_lock = threading.Lock()


def _prepared(p: AxisPlan, key: Any, make: Any) -> Any:
    with _prep_lock:
        entry = _prep.get(p)
        if entry is not None and key in entry:
            return entry[key]
    value = make()
    with _prep_lock:
        _prep.setdefault(p, {})[key] = value
    return value


_STEPS_PER_PLAN = 16


def _step(p: AxisPlan, key: tuple[Any, ...], make: Any) -> Any:
    """The kernel step (``TapsStep``/``WideStep``) of ``p`` for ``key`` (its shape and form).

    A step is checked and its row tables built once in C++ (csrc/models_bind.cpp), then
    reused by every call of that plan and shape; at most :data:`_STEPS_PER_PLAN` shapes
    are kept per plan (the oldest goes first).
    """
    with _prep_lock:
        entry = _prep.get(p)
        steps = None if entry is None else entry.get("steps")
        if steps is not None and key in steps:
            return steps[key]
    value = make()
    with _prep_lock:
        steps = _prep.setdefault(p, {}).setdefault("steps", {})
        remember(steps, key, value, _STEPS_PER_PLAN)
    return value


# Per thread: reusable scratch buffers for the intermediate of two-pass models.  A fresh
# multi-megabyte array is a new mmap whose pages the kernel faults in and zeroes on first
# touch (~40% of a 1024^2x3 -> 1536^2 float32 resize); the buffer is never returned.
_scratch_tls = threading.local()
_SCRATCH_MAX = 1 << 28  # bytes kept per slot; larger intermediates are allocated per call
_SCRATCH_VIEWS = 64  # views kept per thread


def _scratch(shape: tuple[int, ...], dtype: Any, slot: int = 0) -> NDArray[Any]:
    """An uninitialised C-contiguous array of ``shape``, reused by this thread's next call.

    The view of a (shape, dtype, slot) is kept with the buffer it views and handed out
    again while that buffer is the slot's: making it was ~1.2 us of a ~4 us small resize.
    """
    tls = _scratch_tls.__dict__
    views: dict[tuple[Any, ...], tuple[NDArray[np.uint8], NDArray[Any]]] | None = \
        tls.get("views")
    if views is None:
        views = tls["views"] = {}
        tls["bufs"] = {}
    bufs: dict[int, NDArray[np.uint8]] = tls["bufs"]
    key = (shape, dtype, slot)
    hit = views.get(key)
    if hit is not None and hit[0] is bufs.get(slot):
        return hit[1]
    dt = np.dtype(dtype)
    n = math.prod(int(s) for s in shape) * dt.itemsize  # (np.prod: ~4 us a call)
    if n > _SCRATCH_MAX:
        return np.empty(shape, dtype=dt)
    buf = bufs.get(slot)
    if buf is None or buf.nbytes < n:
        buf = bufs[slot] = np.empty(max(n, 64), dtype=np.uint8)
        # the slot's old views go with its old buffer (they would keep it alive)
        for k in [k for k in views if k[2] == slot]:
            views.pop(k, None)
    out: NDArray[Any] = buf[:n].view(dt).reshape(shape)
    remember(views, key, (buf, out), _SCRATCH_VIEWS)
    return out


def _index(p: AxisPlan) -> NDArray[np.int32]:
    def make() -> NDArray[np.int32]:
        idx = np.asarray(p.index)
        if idx.ndim != 2 or idx.shape[0] != p.out_size or idx.shape[1] < 1:
            raise ValueError("bad plan index")
        return np.ascontiguousarray(idx, dtype=np.int32)
    return _prepared(p, "index", make)  # type: ignore[no-any-return]


def _shape_split(shape: tuple[int, ...], axis: int) -> tuple[int, int, int]:
    """``(B, L, M)``: the axes before ``axis`` flattened, its length, the axes after."""
    # (math.prod of Python ints: np.prod was ~4 us a call, a tenth of a small resize)
    return (math.prod(int(v) for v in shape[:axis]), int(shape[axis]),
            math.prod(int(v) for v in shape[axis + 1:]))


def _any_fill(p: AxisPlan, fixed: bool = False) -> bool:
    """Some weight of the fill value is not 0 (``fixed``: its fixed-point weight; per plan)."""
    def make() -> bool:
        f = p.fixed.fill if fixed and p.fixed is not None else p.fill
        return bool(np.any(f))
    return _prepared(p, f"any_fill{int(fixed)}", make)  # type: ignore[no-any-return]


def _plans_ok(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> bool:
    shape = list(x.shape)
    for axis, p in plans:
        if not (isinstance(axis, (int, np.integer)) and 0 <= axis < x.ndim):
            return False
        if shape[axis] != p.in_size or p.taps < 1 or p.out_size < 1:
            return False
        if not _prepared(p, "in_range", lambda p=p: _in_range(p)):
            return False
        shape[axis] = p.out_size
    return True


def _in_range(p: AxisPlan) -> bool:
    """Every index of ``p`` reads inside the input (checked once per plan object)."""
    idx = np.asarray(p.index)
    return not idx.size or (int(idx.min()) >= 0 and int(idx.max()) < p.in_size)


def apply_model(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]], *,
                threads: int | None = None) -> NDArray[Any] | None:
    """Apply ordered-model plans with the compiled kernels, or ``None`` if not covered.

    Parameters
    ----------
    x : ndarray
        The input (any layout).
    plans : sequence of ``(axis, plan)``
        Plans whose arithmetic names one model (``Arithmetic.ordered``).
    threads : int or None
        Worker threads (None: ``PIXELGRID_NUM_THREADS`` or all cores).

    Returns
    -------
    ndarray or None
        Bit-identical to :func:`pixelgrid._engines.models.apply_model`, or ``None``
        when this engine does not implement the model for these plans and data.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> from pixelgrid._arithmetic import Arithmetic
    >>> p = pixelgrid.plan(2, 4, kernel="linear", arithmetic=Arithmetic(accumulate="taps"))
    >>> y = apply_model(np.array([0, 255], np.uint8), [(0, p)])
    >>> y is None or y.tolist() == [0, 64, 191, 255]
    True
    """
    if not available() or not plans or x.dtype.byteorder not in "=|":
        return None
    nt = native._resolve_threads(threads)
    run = runner_for(x, plans)
    return None if run is None else run(x, nt)


def runner_for(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> Runner | None:
    """How :func:`apply_model` runs ``plans`` on arrays like ``x``: ``run(x, threads)``.

    ``None`` when the compiled kernels do not cover the plans; a runner may still return
    ``None`` (a model these kernels decline on this data).  Kept per plan objects, shape,
    dtype and strides (a repeated call skips every check and step look-up).
    """
    if not available() or not plans or x.dtype.byteorder not in "=|":
        return None
    key = plans_key(x, plans)
    if key is not None:
        hit = _runs.get(key)
        if hit is not None and same_plans(hit[0], plans):
            return hit[1]
    run = _runner(x, plans)
    if run is not None and key is not None:
        with _prep_lock:
            remember(_runs, key, (tuple(p for _, p in plans), run), _RUNS_MAX)
    return run


def _runner(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> Runner | None:
    """How :func:`apply_model` runs ``plans`` on arrays like ``x`` (None: not covered)."""
    a = plans[-1][1].arithmetic
    kinds = {(p.arithmetic.accumulate, p.arithmetic.intermediate == "unshifted",
              p.arithmetic.block_mean) for _, p in plans}
    if len(kinds) > 1 or not _plans_ok(x, plans):
        return None
    items = tuple(plans)
    f: Callable[[NDArray[Any], Sequence[tuple[int, AxisPlan]], int], NDArray[Any] | None]
    if a.block_mean is not None:
        f = _block_mean
    elif a.accumulate in ("float64_per_axis", "taps_per_axis"):
        f = _per_axis
    elif a.intermediate == "unshifted" and x.dtype.kind in "iu":
        return _wide_runner(x.shape, x.dtype, plans)
    elif a.accumulate == "block":
        return _box_runner(x.shape, x.dtype, plans)
    elif a.accumulate == "taps" and a.fma in ("ipp_cubic", "pairs"):
        return _ipp_runner(x.shape, x.dtype, plans)
    elif a.accumulate == "taps":
        return _taps_runner(x.shape, x.dtype, plans)
    elif a.accumulate in ("corner_sum", "corner_sum_q10"):
        f = _corner
    else:
        return None
    run: Runner = lambda y, nt: f(y, items, nt)  # noqa: E731
    if f is _corner and a.fma == "torch_corners":
        _quiet.add(run)  # float32 in, the kernel's float32 out: no numpy arithmetic
    return run


def _fresh_out(kernel: Callable[..., None], out_shape: tuple[int, ...], dtype: np.dtype[Any],
               args: dict[str, Any]) -> Runner:
    """A runner: one compiled ``kernel(src=, dst=, threads=, **args)`` into a new array.

    The output has ``out_shape``/``dtype``; everything else was worked out by the caller,
    once.
    """

    def run(x: NDArray[Any], nt: int) -> NDArray[Any]:
        out = np.empty(out_shape, dtype=dtype)
        kernel(src=np.ascontiguousarray(x), dst=out, threads=nt, **args)
        return out

    _quiet.add(run)
    return run


# Runners that do no numpy arithmetic (compiled kernels only): no floating-point warning
# can come from them (the caller may skip np.errstate around them).
_quiet: weakref.WeakSet[Runner] = weakref.WeakSet()


def quiet(run: Runner) -> bool:
    """True when ``run`` (of :func:`runner_for`) only calls compiled kernels."""
    return run in _quiet


# Runners of recent apply_model calls, keyed by the plans' identities (the value holds
# the plans, so their ids cannot be reused while the entry lives), shape, dtype and
# strides: a repeated small call skips the model checks and the step look-ups.
_RUNS_MAX = 64
_runs: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], Runner]] = {}




# ------------------------------------------------------------------ float32_taps.py
def _fused_from(p: AxisPlan, w: NDArray[Any]) -> NDArray[np.int32]:
    """tail4: per row, the first fused tap ``1 + 4 floor((K - 1) / 4)`` (float32_taps.py)."""
    nz = w != 0
    k = np.where(nz.any(axis=1), p.taps - np.argmax(nz[:, ::-1], axis=1), 1)
    return np.ascontiguousarray(1 + 4 * ((k - 1) // 4), dtype=np.int32)


def _taps(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
          nt: int) -> NDArray[Any] | None:
    run = _taps_runner(x.shape, x.dtype, plans)
    return None if run is None else run(x, nt)


def _taps_runner(shape: tuple[int, ...], dtype: np.dtype[Any],
                 plans: Sequence[tuple[int, AxisPlan]]) -> Runner | None:
    """The float32_taps passes of ``plans`` on data of ``shape``/``dtype``, as a runner.

    Every check and every kernel step is made here, once per plans, shape and dtype
    (:func:`apply_model` keeps the runner); the runner only allocates and calls.
    """
    if dtype not in _TAPS_DTYPES:
        return None
    f64 = dtype == np.float64
    work = np.dtype(np.float64 if f64 else np.float32)
    for _, p in plans:
        if _any_fill(p):
            return None  # the numpy model raises
        if p.arithmetic.fma not in _FMA:
            return None  # an order these kernels do not implement
        if p.arithmetic.fma != "none" and (p.arithmetic.simd_lanes or f64):
            return None  # the numpy model raises
        if p.arithmetic.fma in ("lerp", "lerp_mul") and p.taps != 2:
            return None  # the numpy model raises
    if len(shape) == 4 and shape[0] == 1 and all(ax % 4 in (1, 2) for ax, _ in plans):
        # one (1, H, W, C) image (TensorFlow's NHWC): stream it as the (H, W, C) it is
        inner = _taps_runner(shape[1:], dtype, [(ax % 4 - 1, p) for ax, p in plans])
        if inner is None:
            return None
        return lambda x, nt: inner(x[0], nt)[None]  # type: ignore[index]
    integer = dtype.kind in "iu"
    rule = plans[-1][1].arithmetic.store
    shape = tuple(int(n) for n in shape)
    if _streamable(shape, plans):  # one call: the intermediate stays in cache
        (_, p1), (_, p2) = plans
        first = _taps_step(shape, 1, p1, work)
        second = _taps_step((shape[0], p1.out_size, *shape[2:]), 0, p2, work)
        out_shape = (p2.out_size, p1.out_size, *shape[2:])
        ext = native._ext

        # uint8 data are widened to float32 strip by strip in the call, not here
        keep = dtype == np.uint8 and work == np.float32

        def streamed(x: NDArray[Any], nt: int) -> NDArray[Any]:
            y = np.ascontiguousarray(x) if keep else np.ascontiguousarray(x, dtype=work)
            out = _scratch(out_shape, work) if integer else np.empty(out_shape, dtype=work)
            ext.taps_streamed(src=y, dst=out, first=first, second=second, threads=nt)
            if integer:
                return _store(out, dtype, rule, nt)
            return out if work == dtype else out.astype(dtype)

        if work == dtype or dtype in _SMALL_INT:
            _quiet.add(streamed)
        return streamed
    # every pass but the result the caller gets writes into a scratch buffer
    passes = []
    cur = shape
    for i, (axis, p) in enumerate(plans):
        out_shape = (*cur[:axis], p.out_size, *cur[axis + 1:])
        slot = i % 2 if integer or i + 1 < len(plans) else None
        passes.append((_taps_step(cur, axis, p, work), out_shape, slot))
        cur = out_shape

    def each(x: NDArray[Any], nt: int) -> NDArray[Any]:
        y = np.ascontiguousarray(x, dtype=work)
        for step, out_shape, slot in passes:
            out = np.empty(out_shape, dtype=work) if slot is None else \
                _scratch(out_shape, work, slot)
            native._ext.taps_pass(src=y, dst=out, step=step, threads=nt)
            y = out
        if integer:
            return _store(y, dtype, rule, nt)
        return y if y.dtype == dtype else y.astype(dtype)

    if work == dtype or dtype in _SMALL_INT:
        _quiet.add(each)
    return each


def _taps_pass(y: NDArray[Any], axis: int, p: AxisPlan, nt: int, *,
               f32_weights: bool = True, start: float | None = None,
               scratch: int | None = None) -> NDArray[Any]:
    """:func:`.float32_taps.taps_pass` of a contiguous float32/float64 ``y``.

    ``f32_weights=False``, ``start``: the per-axis float64 model instead
    (:func:`.reference._apply_float`: weights as they are, the sum started from
    ``start``, the plan's ``0 * fill_value``).  ``scratch``: write into this thread's
    scratch slot (an intermediate the caller consumes before the next call).
    """
    work = y.dtype
    shape = (*y.shape[:axis], p.out_size, *y.shape[axis + 1:])
    out = np.empty(shape, dtype=work) if scratch is None else _scratch(shape, work, scratch)
    step = _taps_step(y.shape, axis, p, work, f32_weights=f32_weights,
                      model_order=start is None, start=start)
    native._ext.taps_pass(src=y, dst=out, step=step, threads=nt)
    return out


def _taps_step(shape: tuple[int, ...], axis: int, p: AxisPlan,
               work: Any = np.float32, *, f32_weights: bool = True,
               model_order: bool = True, start: float | None = None,
               io32: bool = False) -> Any:
    """The ``TapsStep`` (csrc/models_types.h ``TapsPass``) of a pass of ``p`` over ``shape``.

    ``start``: the sum starts from this value (the per-axis float64 model), else from the
    first product; ``io32``: float32 data around float64 sums.  Cached per plan and shape.
    """
    work = np.dtype(work)
    b, n_in, m = _shape_split(shape, axis)
    # (start by its bits: -0.0 and 0.0 start different sums)
    key = ("taps", b, n_in, m, work.char, f32_weights, model_order,
           None if start is None else start.hex(), io32)

    def make() -> Any:
        w = _prepared(p, f"w{work.itemsize}{int(f32_weights)}", lambda: np.ascontiguousarray(
            np.asarray(p.weight).astype(np.float32 if f32_weights else np.float64)
            .astype(work)))
        fma = p.arithmetic.fma if model_order else "none"
        ff = _prepared(p, "ff", lambda: _fused_from(p, w)) if fma == "tail4" else None
        lanes = p.arithmetic.simd_lanes if model_order else 0
        limit = (b * m // lanes) * lanes if lanes else 0
        return native._ext.TapsStep(
            wtype=_MTYPE[work], fma=_FMA[fma], B=b, L=n_in, O=p.out_size, M=m, K=p.taps,
            limit=limit, index=_index(p), weight=w, fused_from=ff,
            zero_start=int(start is not None), start=0.0 if start is None else start,
            io32=int(io32))

    return _step(p, key, make)


def _streamable(shape: tuple[int, ...], plans: Sequence[tuple[int, AxisPlan]]) -> bool:
    """Two passes over a C-ordered (H, W[, C]) image, along W (C < 16) and then along H.

    The compiled engine then streams them (``taps_streamed``/``wide_streamed``): the
    intermediate image stays in cache.
    """
    if len(plans) != 2 or len(shape) not in (2, 3) or [ax for ax, _ in plans] != [1, 0]:
        return False
    c = shape[2] if len(shape) == 3 else 1
    return c < 16 and plans[0][1].out_size * c >= 16


def _per_axis(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
              nt: int) -> NDArray[Any] | None:
    """:func:`.reference.apply_plans_stored_per_axis` (``float64_per_axis``/``taps_per_axis``)."""
    if x.dtype not in _TAPS_DTYPES:
        return None
    integer = x.dtype.kind in "iu"
    for _, p in plans:
        if p.is_gather:
            continue
        a = p.arithmetic
        if a.accumulate == "taps_per_axis":
            if a.fma in ("lerp", "lerp_mul") and p.taps != 2:
                return None  # the numpy model raises
            if a.fma not in _FMA or (a.fma != "none"
                                     and (a.simd_lanes or x.dtype == np.float64)):
                return None  # the numpy model raises
        elif (integer and p.fixed is not None) or _any_fill(p) \
                or not np.isfinite(p.fill_value):
            return None
    if x.dtype == np.float32:
        y32 = _per_axis_f32(x, plans, nt)
        if y32 is not None:
            return y32
    out: NDArray[Any] = x
    for axis, p in plans:
        if p.is_gather:
            out = np.take(out, p.index[:, 0], axis=axis)
            continue
        if p.arithmetic.accumulate == "taps_per_axis":  # float32 tap-order sums
            work = np.float64 if x.dtype == np.float64 else np.float32
            y = _taps_pass(np.ascontiguousarray(out, dtype=work), axis, p, nt)
        else:  # float64 sums from 0 * fill_value, weights as they are
            y = _taps_pass(np.ascontiguousarray(out, dtype=np.float64), axis, p, nt,
                           f32_weights=False, start=float(np.float64(0.0) * p.fill_value))
        if integer:
            out = _store(np.ascontiguousarray(y, dtype=np.float64), x.dtype,
                         p.arithmetic.store, nt)
        else:
            out = y.astype(x.dtype, copy=False)
    return np.ascontiguousarray(out)


def _per_axis_f32(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
                  nt: int) -> NDArray[np.float32] | None:
    """The ``float64_per_axis`` passes of float32 data, float32 in and out of each pass.

    The numpy model converts the data to float64 (exact), sums each output in double
    from ``0 * fill_value`` in tap order and rounds the sums to float32 after every
    axis; the kernels do the same per element (``io32``) without the float64 copies
    of the input and of each pass's result (measured: a third of a 1024^2 -> 1536^2
    float32 bicubic).  ``None`` when a plan is a gather or another model.
    """
    if any(p.is_gather or p.arithmetic.accumulate != "float64_per_axis" for _, p in plans):
        return None

    def step(shape: tuple[int, ...], axis: int, p: AxisPlan) -> Any:
        return _taps_step(shape, axis, p, np.float64, f32_weights=False, model_order=False,
                          start=float(np.float64(0.0) * p.fill_value), io32=True)

    y: NDArray[Any] = np.ascontiguousarray(x)
    if _streamable(y.shape, plans):  # one call: the intermediate stays in cache
        (_, p1), (_, p2) = plans
        first = step(y.shape, 1, p1)
        second = step((y.shape[0], p1.out_size, *y.shape[2:]), 0, p2)
        out = np.empty((p2.out_size, p1.out_size, *y.shape[2:]), dtype=np.float32)
        native._ext.taps_streamed(src=y, dst=out, first=first, second=second, threads=nt)
        return out
    for i, (axis, p) in enumerate(plans):
        shape = (*y.shape[:axis], p.out_size, *y.shape[axis + 1:])
        dst = np.empty(shape, np.float32) if i + 1 == len(plans) else \
            _scratch(shape, np.float32, i % 2)
        native._ext.taps_pass(src=y, dst=dst, step=step(y.shape, axis, p), threads=nt)
        y = dst
    return y


def _store(y: NDArray[Any], dtype: np.dtype[Any], rule: str, nt: int) -> NDArray[Any]:
    """:func:`pixelgrid._arithmetic.store` of a float32/float64 result (8/16-bit natively)."""
    if dtype not in _SMALL_INT:
        return np.ascontiguousarray(store(y, dtype, rule))
    out = np.empty(y.shape, dtype=dtype)
    native._ext.store(src=y, dst=out, stype=_MTYPE[y.dtype], dtype=_MTYPE[dtype],
                      rule=_STORE[rule], threads=nt)
    return out


# ------------------------------------------------------------------ float32_taps._ipp_pass
def _ipp_runner(shape: tuple[int, ...], dtype: np.dtype[Any],
                plans: Sequence[tuple[int, AxisPlan]]) -> Runner | None:
    """Intel IPP's uint8 cubic (OpenCV's ``INTER_CUBIC``, IPP on) as one fused kernel.

    Covers what ``compat.opencv`` declares: uint8 or float32 ``(H, W[, C])``, C in 1,
    3, 4, the width pass ``fma="ipp_cubic"`` first, then the height pass
    ``fma="pairs"``, 4 taps, no fill, uint8 stored half to even.  Anything else:
    ``None`` (the numpy model).  A runner built once per plans, shape and dtype: the
    checks and tables here, the call only allocates and runs (8x8x3 uint8 -> 12^2: the
    checks per call were ~10 of its ~26 us).
    """
    ndim = len(shape)
    if (dtype not in (np.uint8, np.float32) or ndim not in (2, 3) or len(plans) != 2
            or not (ndim == 2 or shape[2] in (1, 3, 4))):
        return None
    (axx, px), (axy, py) = plans
    if axx != 1 or axy != 0 or px.arithmetic.fma != "ipp_cubic" \
            or py.arithmetic.fma != "pairs":
        return None
    for p in (px, py):
        a = p.arithmetic
        if p.taps != 4 or np.any(p.fill) or a.simd_lanes or a.store != "half_even":
            return None
    c = 1 if ndim == 2 else int(shape[2])
    h, w = shape[:2]

    def orders() -> NDArray[np.uint8]:
        # csrc/ipp_cubic_types.h IppOrder: kind 2 (edges) and 3 channels chain; C = 1:
        # group 1, tail 2; C = 4: group 3, tail 4.
        kind = ipp_row_kinds(px, c)
        code = {1: (1, 2, 0), 3: (0, 0, 0), 4: (3, 4, 0)}[c]
        return np.ascontiguousarray(np.choose(kind, code), dtype=np.uint8)

    order = _prepared(px, f"ipp_order{c}", orders)
    wx = _prepared(px, "w_f32", lambda: np.ascontiguousarray(px.weight, dtype=np.float32))
    wy = _prepared(py, "w_f32", lambda: np.ascontiguousarray(py.weight, dtype=np.float32))
    f32 = dtype == np.float32
    # the kernel's per-element tables of the width pass, built once per plan (~65 us for
    # 1536 pixels of 3 channels, 5% of the call)
    tables = _prepared(px, f"ipp_tables_{c}_{w}_{int(f32)}", lambda: native._ext.ipp_cubic_tables(
        W=w, C=c, OW=px.out_size, index_x=_index(px), weight_x=wx, order_x=order, f32=f32))
    out_shape = (py.out_size, px.out_size, *shape[2:])
    args = dict(H=h, W=w, C=c, OH=py.out_size, OW=px.out_size, index_x=_index(px),
                weight_x=wx, order_x=order, index_y=_index(py), weight_y=wy, f32=f32,
                tables=tables)
    return _fresh_out(native._ext.ipp_cubic, out_shape, dtype, args)


# ------------------------------------------------------------------ wide_fixed.py
def _fixed_w(p: AxisPlan) -> NDArray[np.int32] | None:
    assert p.fixed is not None
    fw = np.asarray(p.fixed.weights)
    if fw.shape != (p.out_size, p.taps) or (fw.size and int(np.abs(fw).max()) > _I32):
        return None
    return np.ascontiguousarray(fw, dtype=np.int32)


def _abs_row_sum(w: NDArray[np.int32]) -> int:
    """The largest sum of absolute weights of one output (bounds of the integer sums)."""
    return int(np.abs(w.astype(np.int64)).sum(axis=1).max())


def _wide(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
          nt: int) -> NDArray[Any] | None:
    run = _wide_runner(x.shape, x.dtype, plans)
    return None if run is None else run(x, nt)


def _wide_runner(shape: tuple[int, ...], dtype: np.dtype[Any],
                 plans: Sequence[tuple[int, AxisPlan]]) -> Runner | None:
    """The two wide_fixed passes of ``plans`` on data of ``shape``/``dtype``, as a runner."""
    if dtype not in _SMALL_INT or len(plans) != 2:
        return None
    (ax1, p1), (ax2, p2) = plans
    if p1.fixed is None or p2.fixed is None or _any_fill(p1, True) or _any_fill(p2, True):
        return None
    a = p2.arithmetic
    pre, term = a.truncate
    total = p1.fixed.bits + p2.fixed.bits
    shift = total - pre - term
    if a.store != "half_up" or shift < 1 or shift > 62:
        return None  # the numpy model raises
    w1 = _prepared(p1, "wfix", lambda: _fixed_w(p1))
    w2 = _prepared(p2, "wfix", lambda: _fixed_w(p2))
    if w1 is None or w2 is None:
        return None
    # Bounds: int32 first-pass sums and second-pass accumulators where they cannot overflow.
    hmax = _prepared(p1, "wsum", lambda: _abs_row_sum(w1)) * _MAXABS[dtype]
    h64 = hmax > _I32
    acc_max = _prepared(p2, "wsum", lambda: _abs_row_sum(w2)) * ((hmax >> pre) + 1)
    acc64 = h64 or acc_max + (1 << (shift - 1)) > _I32
    shape = tuple(int(n) for n in shape)
    htype = np.dtype(np.int64 if h64 else np.int32)
    # the two WidePass structs (csrc/models_types.h) as WideStep objects
    b, n_in, m = _shape_split(shape, ax1)
    first = _step(p1, ("wide1", b, n_in, m, dtype.char, htype.char),
                  lambda: native._ext.WideStep(
                      first=1, itype=_MTYPE[dtype], otype=_MTYPE[htype], acc64=1, B=b,
                      L=n_in, O=p1.out_size, M=m, K=p1.taps, limit=0, pre=0, term=0,
                      shift=1, offset=0, index=_index(p1), w=w1, fw=None))
    h_shape = (*shape[:ax1], p1.out_size, *shape[ax1 + 1:])
    b, n_in, m = _shape_split(h_shape, ax2)
    lanes = a.simd_lanes
    limit = (b * m // lanes) * lanes if lanes else 0
    fw = None
    if limit:
        fw = _prepared(p2, f"fw{total}", lambda: np.ascontiguousarray(
            w2.astype(np.float32) * np.float32(2.0 ** -total)))
    # int16 lanes (OpenCV's own vertical linear step): (w * (h >> pre)) >> 16 as one
    # mulhi_epi16, exact when h >> pre, w and every partial sum (+ offset) fit int16
    hs = (hmax >> pre) + 1
    i16 = 0
    if dtype.itemsize == 1 and term == 16 and not acc64 and hs <= 32767:
        def bound() -> int:  # the largest |sum| of one output's terms (each rounded down)
            aw = np.abs(w2.astype(np.int64))
            if aw.size and int(aw.max()) > 32767:
                return _I32
            return int(((aw * hs) >> 16).sum(axis=1).max()) + p2.taps
        i16 = int(_prepared(p2, f"sum16_{hs}", bound) + (1 << (shift - 1)) <= 32767)
    # int64 sums of int32 terms: exact in float64 lanes when every |term| and partial sum
    # (+ offset) stays below 2**53 (acc_max bounds them)
    f64 = int(not h64 and acc64 and acc_max + (1 << (shift - 1)) < 2**53)
    second = _step(p2, ("wide2", b, n_in, m, htype.char, dtype.char, acc64, limit, pre, term,
                        shift, i16, f64),
                   lambda: native._ext.WideStep(
                       first=0, itype=_MTYPE[htype], otype=_MTYPE[dtype], acc64=int(acc64),
                       B=b, L=n_in, O=p2.out_size, M=m, K=p2.taps, limit=limit, pre=pre,
                       term=term, shift=shift, offset=1 << (shift - 1), index=_index(p2),
                       w=w2, fw=fw, i16=i16, f64=f64))
    out_shape = (*h_shape[:ax2], p2.out_size, *h_shape[ax2 + 1:])
    ext = native._ext
    if _streamable(shape, plans):

        def streamed(x: NDArray[Any], nt: int) -> NDArray[Any]:
            out = np.empty(out_shape, dtype=dtype)
            ext.wide_streamed(src=np.ascontiguousarray(x), dst=out, first=first,
                              second=second, threads=nt)
            return out

        _quiet.add(streamed)
        return streamed

    def two_passes(x: NDArray[Any], nt: int) -> NDArray[Any]:
        h = _scratch(h_shape, htype)
        ext.wide_pass(src=np.ascontiguousarray(x), dst=h, step=first, threads=nt)
        out = np.empty(out_shape, dtype=dtype)
        ext.wide_pass(src=h, dst=out, step=second, threads=nt)
        return out

    _quiet.add(two_passes)
    return two_passes




# ------------------------------------------------------------------ box_sum.py
def _box_runner(shape: tuple[int, ...], dtype: np.dtype[Any],
                plans: Sequence[tuple[int, AxisPlan]]) -> Runner | None:
    """The box_sum model on data of ``shape``/``dtype`` as a runner (None: not covered).

    Every check and argument is worked out here, once per plans, shape and dtype (the
    runner only allocates and calls: a small call spent ~6 us of ~10 here, measured on
    8x8x3 uint8 INTER_AREA by 2, against cv2's 1.4 us).
    """
    if sorted(ax for ax, _ in plans) != [0, 1] or len(shape) not in (2, 3):
        return None
    if dtype not in _SMALL_INT | {np.dtype(np.float32), np.dtype(np.float64)}:
        return None
    px = next(p for ax, p in plans if ax == 1)
    py = next(p for ax, p in plans if ax == 0)
    a = plans[-1][1].arithmetic
    if a.store not in ("half_even", "half_away", "half_up", "truncate"):
        return None
    kx, ky = px.taps, py.taps
    if ky >= 32768:
        return None
    dw, dh = px.out_size, py.out_size
    h, w = shape[:2]
    full_w, full_h = min(dw, w // kx), min(dh, h // ky)
    if dh - full_h > 1 or dw > -(-w // kx) or dh > -(-h // ky):
        return None  # the numpy model raises (or reads past the input)
    cn = math.prod(int(s) for s in shape[2:])
    lanes = a.simd_lanes if dtype.kind == "f" else 0
    limit = (full_w * cn // lanes) * lanes if lanes and full_h else 0
    out_shape = (dh, dw, *shape[2:])
    args = dict(dtype=_MTYPE[dtype], store=_STORE[a.store], H=h, W=w, C=cn, kx=kx, ky=ky,
                dh=dh, dw=dw, full_w=full_w, full_h=full_h, limit=limit,
                inv=float(np.float32(1.0 / (kx * ky))))
    return _fresh_out(native._ext.box, out_shape, dtype, args)


# ------------------------------------------------------------------ block_mean.py
def _block_mean(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
                nt: int) -> NDArray[Any] | None:
    from .block_mean import _blocks

    model = plans[-1][1].arithmetic.block_mean
    assert model is not None
    by_axis = dict(plans)
    if (len(plans) != 2 or set(by_axis) != {0, 1} or x.ndim not in (2, 3)
            or x.dtype not in _SMALL_INT or model.sums != "exact"
            or model.divide != "reciprocal24" or model.store == "clip8_wrap"):
        return None
    try:  # per plan object: ~0.1 ms of numpy checks (kept with the cached plans)
        py, px = by_axis[0], by_axis[1]
        y0, fy, ny = _prepared(py, "blocks", lambda: _blocks(py))
        x0, fx, nx = _prepared(px, "blocks", lambda: _blocks(px))
    except ValueError:
        return None  # the numpy model raises
    if np.any(ny[:-1] != fy) or np.any(nx[:-1] != fx) or ny[-1] < 1 or nx[-1] < 1:
        return None
    h, w = x.shape[:2]
    cn = int(np.prod(x.shape[2:], dtype=np.int64))
    out = np.empty((ny.size, nx.size, *x.shape[2:]), dtype=x.dtype)
    native._ext.block_mean(src=np.ascontiguousarray(x), dst=out, dtype=_MTYPE[x.dtype], H=h,
                           W=w, C=cn, y0=y0, x0=x0, fy=fy, fx=fx, oh=ny.size, ow=nx.size,
                           ny_last=int(ny[-1]), nx_last=int(nx[-1]), threads=nt)
    return out


# ------------------------------------------------------------------ corner_sum.py
_CORNER_DTYPES = _SMALL_INT | frozenset(np.dtype(t) for t in (np.int32, np.float16,
                                                                 np.float32, np.float64))


def _corner_tables(p: AxisPlan, q10: bool, work: Any) -> tuple[Any, ...]:
    """``(i0, i1, w0, w1, outside or None)`` of one cell axis (``corner_sum`` arguments)."""
    idx = _index(p)
    w = np.asarray(p.weight, dtype=np.float64)
    if p.taps == 1:  # a one-tap row: the right tap weighs nothing
        idx = np.concatenate([idx, idx], axis=1)
        w = np.concatenate([w, np.zeros_like(w)], axis=1)
    if q10:
        right = np.floor(w[:, 1].astype(np.float32) * np.float32(1024)).astype(np.int64)
        wi = np.stack([1024 - right, right], axis=1)
        wi[idx[:, 0] == idx[:, 1]] = 512
        ws = wi
    else:
        ws = w.astype(np.float32).astype(work)
    fill = np.asarray(p.fill)
    return (np.ascontiguousarray(idx[:, 0]), np.ascontiguousarray(idx[:, 1]),
            np.ascontiguousarray(ws[:, 0]), np.ascontiguousarray(ws[:, 1]),
            np.ascontiguousarray(fill > 0, dtype=np.uint8) if np.any(fill) else None)


def _corner(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
            nt: int) -> NDArray[Any] | None:
    rule = plans[0][1].arithmetic.accumulate
    if plans[0][1].arithmetic.fma == "torch_corners":
        return _torch_corners(x, plans, nt)
    if plans[0][1].arithmetic.fma != "none":
        return None  # an order these kernels do not implement
    q10 = rule == "corner_sum_q10"
    cell = sorted(plans, key=lambda ap: ap[0])
    axes = [int(ax) for ax, _ in cell]
    if (x.dtype not in _CORNER_DTYPES or not 1 <= len(cell) <= 3 or x.ndim > 8
            or len(set(axes)) != len(axes) or any(p.taps not in (1, 2) for _, p in cell)):
        return None
    f64 = x.dtype == np.float64
    work = np.int64 if q10 else np.float64 if f64 else np.float32
    i0, i1, w0, w1, outside = [], [], [], [], []
    for _, p in cell:
        # the plan's corner tables, made once per plan and working type
        c0, c1, v0, v1, out = _prepared(p, ("corner", q10, np.dtype(work).char),
                                        lambda p=p: _corner_tables(p, q10, work))
        i0.append(c0)
        i1.append(c1)
        w0.append(v0)
        w1.append(v1)
        outside.append(out)
    fill_value = float(plans[0][1].fill_value)
    out_shape = list(x.shape)
    for ax, p in cell:
        out_shape[ax] = p.out_size
    integer = x.dtype.kind in "iu"
    if integer:
        info = np.iinfo(x.dtype)
        t = 0.0 if np.isnan(fill_value) else np.trunc(fill_value)
        fill_i, fill_f = int(min(max(t, info.min), info.max)), 0.0
        otype, odt = _MTYPE[x.dtype], x.dtype
    else:
        fill_i, fill_f = 0, float(np.asarray(fill_value, dtype=work))
        otype, odt = _MTYPE[np.dtype(work)], np.dtype(work)
    src = np.ascontiguousarray(x if x.dtype != np.float16 else x.astype(np.float32))
    out = np.empty(out_shape, dtype=odt)
    native._ext.corner_sum(src=src, dst=out, wtype=_MTYPE[np.dtype(work)],
                           itype=_MTYPE[src.dtype], otype=otype, in_shape=list(x.shape),
                           out_shape=out_shape, axes=axes, i0=i0, i1=i1, w0=w0, w1=w1,
                           outside=outside, fill_f=fill_f, fill_i=fill_i, threads=nt)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def _corner_pair(p: AxisPlan) -> tuple[Any, ...] | None:
    """``(index 0, index 1, weight 0, weight 1)`` of a two-tap plan without fill, else None.

    The ``torch_corners`` kernel's contiguous int32/float32 columns, made once per plan
    (they were ~15 us of Python, as much as the kernel, in a 1x16x32^2 -> 64^2 call).
    """
    def make() -> tuple[Any, ...] | None:
        if p.taps != 2 or np.any(p.fill):
            return None
        idx, w = _index(p), np.asarray(p.weight, dtype=np.float32)
        c = np.ascontiguousarray
        return (c(idx[:, 0]), c(idx[:, 1]), c(w[:, 0]), c(w[:, 1]))
    return _prepared(p, "torch_corners", make)  # type: ignore[no-any-return]


def _torch_corners(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
                   nt: int, nhwc: bool = False) -> NDArray[Any] | None:
    """PyTorch's channels-last bilinear sums (corner_sum.py, ``fma="torch_corners"``).

    ``x`` is seen as ``(N, C, H, W)`` (any strides); ``nhwc``: the result is that
    view of a C-contiguous ``(N, OH, OW, C)`` array (channels-last memory).
    """
    cell = sorted(plans, key=lambda ap: ap[0] % x.ndim)
    if x.ndim == 4 and [ax % 4 for ax, _ in cell] == [1, 2]:  # (N, H, W, C): a view as NCHW
        # (transpose: np.moveaxis(x, 3, 1) and (out, 1, 3), without their argument checks)
        out = _torch_corners(x.transpose(0, 3, 1, 2), [(ax % 4 + 1, p) for ax, p in plans],
                             nt, nhwc=True)
        return None if out is None else out.transpose(0, 2, 3, 1)
    if (x.dtype != np.float32 or x.ndim != 4 or len(cell) != 2
            or [ax % 4 for ax, _ in cell] != [2, 3]
            or plans[0][1].arithmetic.accumulate != "corner_sum"
            or any(s % 4 for s in x.strides) or min(x.strides) < 0):
        return None
    (_, ph), (_, pw) = cell
    th, tw = _corner_pair(ph), _corner_pair(pw)
    if th is None or tw is None:
        return None
    n, ch = x.shape[:2]
    out = (np.empty((n, ph.out_size, pw.out_size, ch), dtype=np.float32).transpose(0, 3, 1, 2)
           if nhwc else np.empty((n, ch, ph.out_size, pw.out_size), dtype=np.float32))
    native._ext.torch_corners(
        src=x, dst=out, h0=th[0], h1=th[1], ah0=th[2], ah1=th[3],
        w0=tw[0], w1=tw[1], bw0=tw[2], bw1=tw[3],
        lanes=plans[0][1].arithmetic.simd_lanes, threads=nt)
    return out
