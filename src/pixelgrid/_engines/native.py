"""Compiled CPU engine: applies :class:`~pixelgrid._plan_types.AxisPlan` objects fast.

The heavy lifting is done by the ``pixelgrid._native`` extension module (C++,
``csrc/``).  This module validates the input, converts each plan once into the
compact form the kernels read (contiguous tap windows where possible, weights in
the accumulator type) and splits the work into *steps*:

* a pass along one axis of a ``(B, L, C)`` view of the array,
* a fused pass over two adjacent axes of a ``(B, H, W, C)`` view (the first axis
  resampled into a small per-thread buffer of rows, then the second), and
* a pure gather (copy) along one axis, for nearest-type plans and any dtype.

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

import importlib
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from pixelgrid._plan_types import AxisPlan

_ext: Any
try:  # pragma: no cover - depends on whether the extension was built
    _ext = importlib.import_module("pixelgrid._native")
except ImportError:  # pragma: no cover
    _ext = None

__all__ = ["apply_plans", "available", "supports"]

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


def _resolve_threads(threads: int | None) -> int:
    if threads is None:
        env = os.environ.get("PIXELGRID_NUM_THREADS")
        if env is not None and env.strip():
            try:
                threads = int(env)
            except ValueError:
                raise ValueError(
                    f"PIXELGRID_NUM_THREADS={env!r} is not an integer (it sets threads)"
                ) from None
        else:
            threads = os.cpu_count() or 1
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

    Its arrays by name (the SIMD table builders below read them) and :attr:`tables`,
    the read-only ``pixelgrid._native.AxisTables`` the kernels receive (csrc/engine.cpp
    documents each field and checks every size and range).
    """

    n_in: int
    n_out: int
    taps: int
    bits: int  # fixed-point shift of the sums (0 for floats)
    start: NDArray[np.int32] | None  # windowed: output o reads start[o] + t
    index: NDArray[np.int32] | None  # else: output o reads index[o, t]
    weight: NDArray[Any]  # (n_out, taps) in the accumulator's type
    bias: NDArray[Any]  # (n_out,)
    quads: NDArray[np.int32] | None  # int16-pair weights of the 8-bit kernels (_quads)
    split: bool  # quads hold hi/lo parts (_split)
    absmax: float  # max over outputs of sum |w| (integer kinds: of the fixed weights)
    biasmax: float

    @property
    def windowed(self) -> bool:
        return self.start is not None

    @cached_property
    def tables(self) -> Any:
        """The ``pixelgrid._native.AxisTables`` of this plan (no SIMD tables yet)."""
        assert _ext is not None
        return _ext.AxisTables(n_in=self.n_in, n_out=self.n_out, taps=self.taps,
                               bits=self.bits, windowed=self.windowed, weight=self.weight,
                               bias=self.bias, start=self.start, index=self.index,
                               quads=self.quads, split=self.split)


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


def _windows(
    index: NDArray[np.int64], w: NDArray[Any], n_in: int
) -> tuple[NDArray[np.int32], NDArray[Any]] | None:
    """Turn taps into contiguous windows ``start[o] + t`` when they are compact.

    Duplicate indices (clamped borders) are merged by adding their weights, which
    is exact for integer weights.  Returns ``None`` when the windows would be much
    wider than the taps (wrap-around borders): the kernels then gather per tap.
    """
    n_out, taps = index.shape
    nz = w != 0
    if taps == 0:
        return np.zeros(n_out, np.int32), np.zeros((n_out, 0), w.dtype)
    has = nz.any(axis=1)
    mn = np.where(nz, index, np.iinfo(np.int64).max).min(axis=1)
    mx = np.where(nz, index, -1).max(axis=1)
    mn = np.where(has, mn, 0)
    mx = np.where(has, mx, 0)
    width = int((mx - mn).max()) + 1
    if width > max(taps + 4, 2 * taps):
        return None
    start = np.minimum(mn, n_in - width)
    dense = np.zeros((n_out, width), dtype=w.dtype)
    rows = np.broadcast_to(np.arange(n_out)[:, None], index.shape)
    np.add.at(dense, (rows[nz], (index - start[:, None])[nz]), w[nz])
    return start.astype(np.int32), dense


def _ordered(index: NDArray[np.int64], w: NDArray[Any]) -> bool:
    """True when every row's non-zero taps, in plan order, read strictly increasing indices.

    A window then adds the same products in the same order as the plan (the zeros it
    inserts add nothing), so float64 sums are those of the reference engine; otherwise
    (wrap-around rows, a clamped edge pixel read twice) merging or reordering taps would
    round differently, and float64 plans take the per-tap path in plan order.
    """
    nz = w != 0
    if index.shape[1] < 2:
        return True
    masked = np.where(nz, index, -1)
    run = np.maximum.accumulate(masked, axis=1)  # the largest index read so far
    return bool(np.all(~nz[:, 1:] | (index[:, 1:] > run[:, :-1])))


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
        res = _Prepared(n_in, n_out, 1, 0, None, idx, zero, zero, None, False, 1.0, 0.0)
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
    win = None if acc is np.float64 and not _ordered(index, w) else _windows(index, w, n_in)
    absmax = float(np.abs(w).sum(axis=1).max()) if w.size else 0.0
    biasmax = float(np.abs(bias).max()) if bias.size else 0.0
    b = np.ascontiguousarray(bias, dtype=acc)
    if win is None:
        return _Prepared(n_in, n_out, int(w.shape[1]), bits, None,
                         np.ascontiguousarray(index, dtype=np.int32),
                         np.ascontiguousarray(w, dtype=acc), b, None, False, absmax, biasmax)
    start, dense = win
    wq, wsplit = _quads(dense) if acc is np.int32 else (None, 0)
    return _Prepared(n_in, n_out, int(dense.shape[1]), bits, np.ascontiguousarray(start), None,
                     np.ascontiguousarray(dense, dtype=acc), b, wq, bool(wsplit), absmax, biasmax)


def _split(w: NDArray[Any]) -> tuple[int, list[NDArray[np.int64]]]:
    """Weights as int16 parts for ``madd``.

    ``[w]`` if they fit int16, else ``[hi, lo]`` with ``w = hi * 256 + lo`` and
    ``0 <= lo < 256`` (needs ``|w| < 2**23``: 22-bit Pillow-precision weights).
    Returns ``(wsplit, parts)``; wsplit -1: too large.
    """
    w = np.asarray(w, dtype=np.int64)
    if w.size == 0 or (w.min() >= -(2**15) and w.max() < 2**15):
        return 0, [w]
    if w.min() < -(2**23) or w.max() >= 2**23:
        return -1, []
    return 1, [w >> 8, w & 255]


def _pairs(w: NDArray[np.int64]) -> NDArray[np.int32]:
    """Adjacent columns as packed int16 pairs ``(w0 & 0xffff) | (w1 << 16)``."""
    w16 = w.astype(np.int16).view(np.uint16).astype(np.uint32)
    return (w16[..., 0::2] | (w16[..., 1::2] << np.uint32(16))).view(np.int32)


def _quads(dense: NDArray[Any]) -> tuple[NDArray[np.int32] | None, int]:
    """Weights as packed int16 pairs for the 8-bit SIMD kernels, or None if too large.

    For each output and group of 4 taps: 8 int32 ``[p01]*4 + [p23]*4`` with
    ``p01 = (w0 & 0xffff) | (w1 << 16)``; with split weights (see :func:`_split`)
    the 8 of the high parts are followed by 8 of the low parts.
    """
    n_out, taps = dense.shape
    wsplit, parts = _split(dense)
    if taps == 0 or wsplit < 0:
        return None, 0
    nq = (taps + 3) // 4
    out = []
    for part in parts:
        w = np.zeros((n_out, nq * 4), np.int64)
        w[:, :taps] = part
        pairs = _pairs(w).reshape(n_out, nq, 2, 1)  # (n_out, nq, [p01, p23])
        out.append(np.broadcast_to(pairs, (n_out, nq, 2, 4)).reshape(n_out, nq, 8))
    return np.ascontiguousarray(np.concatenate(out, axis=2).reshape(n_out, -1)), wsplit


def _lane_windows(
    start: Any, n_in: int, c: int, ng: int, lane: int, shift: int, reach: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Where the 8-bit group kernels load: groups of two lanes of ``lane`` elements.

    Each lane loads 16 bytes at ``base`` (then also at ``base + shift`` and so on for
    later tap pairs, which must stay in the row); element ``j`` reads bytes ``rel[j]``
    and ``rel[j] + reach``.  Returns the output pixel of every element, ``base`` per lane
    (``(ng, 2)``), ``rel`` (``(ng, 2, lane)``, 0 where not ok) and per group whether its
    lanes' taps fit their 16 bytes.
    """
    e = np.arange(ng * 2 * lane)
    o = e // c
    s0 = (np.asarray(start, dtype=np.int64)[o] * c + e % c).reshape(ng, 2, lane)
    base = np.minimum(s0.min(axis=2), n_in * c - 16 - shift)
    rel = s0 - base[:, :, None]
    ok = ((base >= 0).all(axis=1) & (rel.min(axis=(1, 2)) >= 0)
          & (rel.max(axis=(1, 2)) + reach <= 15))
    return o, base, np.where(ok[:, None, None], rel, 0), ok


def _groups(pr: _Prepared, c: int, left: bool = False) -> Any:
    """Group tables of the 8-bit horizontal kernel for ``c`` interleaved channels.

    The output row is cut into groups of 8 elements, two lanes of 4; the taps of a
    lane's elements must lie in 16 bytes (shifted by ``2c`` per tap pair).  None when
    fewer than half the groups qualify (fast downsampling: the per-pixel kernel wins).
    Returns a ``pixelgrid._native.GroupTables`` (PlanArgs::gbase and the rest).
    """
    n_in, n_out = pr.n_in, pr.n_out
    start, dense, bias = pr.start, pr.weight, pr.bias
    if start is None or pr.quads is None or not 1 <= c <= 4 or dense.shape[1] == 0:
        return None
    taps = dense.shape[1]
    npair = (taps + 1) // 2
    ng = n_out * c // 8
    if ng == 0:
        return None
    o, base, rel, ok = _lane_windows(start, n_in, c, ng, 4, 2 * c * (npair - 1), c)
    if ok.mean() < 0.5:
        return None
    mask = np.full((ng, 2, 4, 4), -128, np.int8)
    mask[..., 0] = rel
    mask[..., 2] = rel + c
    w = np.zeros((n_out, 2 * npair), np.int64)
    w[:, :taps] = dense
    _, parts = _split(w)
    # (ng, npair, part, 8 elements)
    gw = np.stack([_pairs(part)[o].reshape(ng, 8, npair).transpose(0, 2, 1) for part in parts],
                  axis=2)
    gbase = np.where(ok[:, None], base, -1).astype(np.int32)
    return _ext.GroupTables(
        channels=c, pairs=npair, base=np.ascontiguousarray(gbase),
        mask=np.ascontiguousarray(mask), weight=np.ascontiguousarray(gw, dtype=np.int32),
        bias=np.ascontiguousarray(bias[o].reshape(ng, 8), dtype=np.int32),
        small=_small_groups(pr, c, left))


def _small_groups(pr: _Prepared, c: int, left: bool = False) -> Any:
    """Byte-pair tables of the 8-bit horizontal kernel (``SmallGroupTables``), or None.

    For at most 2 taps whose weights and biases are small integers times a common power
    of two (2x bilinear: 0.25 and 0.75 are 1 and 3 times 2**-2): dividing all of them and
    ``bits`` by that power gives the same ``(acc >> bits)`` exactly.  The kernel sums both
    taps with ``_mm256_maddubs_epi16``, which saturates its pair sums, then adds the bias
    in int16: so the reduced weights must fit int8, ``255 * (|w0| + |w1|)`` must not
    saturate and the total must fit int16 for uint8 and for int8 data (offset by 128).
    Groups of 16 outputs, two lanes of 8 whose taps lie in 16 bytes.
    ``left`` (the wide model's first pass, int16 output, ``bits == 0``): the weights'
    common power of two ``2**l`` is taken out and the kernel computes
    ``(sum << l) + bias`` (``sbits = -l``), exact modulo 2**16, the bias in int16.
    """
    n_in, n_out, bits = pr.n_in, pr.n_out, pr.bits
    start, dense = pr.start, np.asarray(pr.weight, dtype=np.int64)
    bias = np.asarray(pr.bias, dtype=np.int64)
    taps = dense.shape[1]
    ngs = n_out * c // 16
    if taps > 2 or ngs < 2 or n_in * c < 16:
        return None
    w = np.zeros((n_out, 2), np.int64)
    w[:, :taps] = dense
    if left and bits == 0:
        vals = np.abs(w[w != 0])
        if vals.size == 0 or bias.min() < -32768 or bias.max() > 32767:
            return None
        ls = int(np.log2(vals & -vals).min())
        wr, br = w >> ls, bias
        mag = np.abs(wr).sum(1)
        if wr.min() < -128 or wr.max() > 127 or 255 * mag.max() > 32767 or ls > 15:
            return None
        shift = bits + ls  # sbits = bits - shift = -ls
    else:
        vals = np.concatenate([w.ravel(), bias])
        vals = np.abs(vals[vals != 0])
        shift = bits if vals.size == 0 else min(bits, int(np.log2(vals & -vals).min()))
        wr, br = w >> shift, bias >> shift
        mag = np.abs(wr).sum(1)
        # uint8: sum in [-255 * mag, 255 * mag] + bias; int8 (x + 128): the bias is reduced
        # by 128 * (w0 + w1), the sum of the weighted offsets
        span = np.maximum(255 * mag + np.abs(br), 255 * mag + np.abs(br - 128 * wr.sum(1)))
        if wr.min() < -128 or wr.max() > 127 or span.max() > 32767 or bits - shift > 15:
            return None
    tap1 = c if taps == 2 else 0
    o, base, rel, ok = _lane_windows(start, n_in, c, ngs, 8, 0, tap1)
    if ok.mean() < 0.5:
        return None
    smask = np.stack([rel, rel + tap1], axis=-1).astype(np.int8)
    sw = wr[o].reshape(ngs, 2, 8, 2).astype(np.int8)
    sbase = np.where(ok[:, None], base, -1).astype(np.int32)
    return _ext.SmallGroupTables(
        shift=bits - shift, base=np.ascontiguousarray(sbase), mask=np.ascontiguousarray(smask),
        weight=np.ascontiguousarray(sw),
        bias=np.ascontiguousarray(br[o].reshape(ngs, 16), dtype=np.int16))


def _with_groups(p: AxisPlan, pr: _Prepared, c: int) -> Any:
    """The ``AxisTables`` of ``p`` (int32 form ``pr``) with its 8-bit group tables for ``c``."""
    key = f"groups{c}"
    with _cache_lock:
        entry = _cache.get(p)
        if entry is not None and key in entry:
            return entry[key]
    g = _groups(pr, c)
    res = pr.tables if g is None else pr.tables.with_tables(groups=g)
    with _cache_lock:
        _cache.setdefault(p, {})[key] = res
    return res


def _with_perm(p: AxisPlan, c: int) -> Any:
    """The float32 ``AxisTables`` of ``p`` with the permute tables for ``c`` channels."""
    key = f"perm{c}"
    with _cache_lock:
        entry = _cache.get(p)
        if entry is not None and key in entry:
            return entry[key]
    pr = _prepare(p, "f32")
    res = pr.tables
    if pr.start is not None and 1 <= pr.taps <= 8 and c <= 4:
        start = np.asarray(pr.start, dtype=np.int64)
        w = pr.weight
        bias = pr.bias
        n_out, k = w.shape
        n = n_out * c
        nb = (n + 7) // 8
        e = np.minimum(np.arange(nb * 8), n - 1)
        o = e // c
        s0 = (start[o] * c + e % c).reshape(nb, 8)
        base = np.minimum(s0.min(axis=1), p.in_size * c - 16)
        rel = s0 - base[:, None]
        ok = (base >= 0) & (rel.max(axis=1) + (k - 1) * c <= 15) & (rel.min(axis=1) >= 0)
        var = _var_blocks(start, w, bias, p.in_size, c)
        if var is not None and ok.mean() >= 0.5:
            # ops per 8 outputs: fixed blocks 2 loads + k (2 permutes, blend, FMA) + store;
            # variable blocks k (load, permute, FMA) + store per m_avg outputs
            m_avg = n / len(var.base)
            if (3 * k + 1) * 8 / m_avg > 0.9 * (5 * k + 3):
                var = None
        if var is not None:
            phase = _phase_tables(start, w, bias, p.in_size, var.starts) if c == 1 else None
            res = res.with_tables(perm=_ext.PermTables(
                channels=c, base=var.base, rel=var.rel, weight=var.weight, bias=var.bias,
                blocks=var.starts, two_phase=phase))
        elif ok.mean() >= 0.5:
            res = res.with_tables(perm=_ext.PermTables(
                channels=c, base=np.where(ok, base, -1).astype(np.int32),
                rel=np.ascontiguousarray(np.where(ok[:, None], rel, 0), dtype=np.int32),
                weight=np.ascontiguousarray(w[o].reshape(nb, 8, k).transpose(0, 2, 1)),
                bias=np.ascontiguousarray(bias[o].reshape(nb, 8))))
    with _cache_lock:
        _cache.setdefault(p, {})[key] = res
    return res


class _Blocks(NamedTuple):
    """Variable-block permute tables (``PermTables`` with ``blocks``)."""

    base: NDArray[np.int32]  # (nb,) first float a block loads, -1: no SIMD
    rel: NDArray[np.int32]  # (nb, 8) element of those 8 floats each lane takes
    weight: NDArray[Any]  # (nb, taps, 8)
    bias: NDArray[Any]  # (nb, 8)
    starts: NDArray[np.int32]  # (nb + 1,) first output element of each block


def _var_blocks(
    start: NDArray[np.int64], w: NDArray[Any], bias: NDArray[Any], n_in: int, c: int
) -> _Blocks | None:
    """Variable-block permute tables (PlanArgs::pstart) for ``c`` interleaved channels.

    Blocks are cut greedily: a block takes up to 8 consecutive output elements whose
    first-tap source elements lie within 8 floats, so every tap needs one load and one
    permute (tap ``t`` reads the same 8 floats shifted by ``t * c``).  Blocks whose
    8-float store or loads would leave the row are computed without SIMD.
    """
    n_out, k = w.shape
    n = n_out * c
    if k == 0 or n_in * c < 8 + (k - 1) * c:
        return None
    e = np.arange(n)
    s0 = start[e // c] * c + e % c
    # m[i]: how many elements from i fit one 8-float window (range of s0 <= 7)
    pad = np.concatenate([s0, np.full(8, s0[-1])])
    win = np.lib.stride_tricks.sliding_window_view(pad, 8)[:n]
    rng = np.maximum.accumulate(win, axis=1) - np.minimum.accumulate(win, axis=1)
    m = (rng <= 7).sum(axis=1)
    m = np.minimum(m, n - e)
    starts = [0]
    i = 0
    ml = m.tolist()
    while i < n:
        i += ml[i]
        starts.append(i)
    bst = np.asarray(starts, dtype=np.int64)
    lo = bst[:-1]
    lanes = lo[:, None] + np.arange(8)
    valid = lanes < bst[1:, None]
    lane = np.minimum(lanes, n - 1)
    sv = s0[lane]
    base = np.where(valid, sv, np.iinfo(np.int64).max).min(axis=1)
    base = np.minimum(base, n_in * c - 8 - (k - 1) * c)
    rel = np.where(valid, sv - base[:, None], 0)
    ok = (base >= 0) & (rel.min(axis=1) >= 0) & (rel.max(axis=1) <= 7) & (lo + 8 <= n)
    o = lane // c
    return _Blocks(
        np.where(ok, base, -1).astype(np.int32),
        np.ascontiguousarray(rel, dtype=np.int32),
        np.ascontiguousarray(np.where(valid[:, None, :], w[o].transpose(0, 2, 1), 0),
                             dtype=w.dtype),
        np.ascontiguousarray(np.where(valid, bias[o], 0), dtype=bias.dtype),
        bst.astype(np.int32),
    )


def _phase_tables(
    start: NDArray[np.int64], w: NDArray[Any], bias: NDArray[Any], n_in: int,
    pstart: NDArray[np.int32],
) -> Any:
    """Two-phase tables (``TwoPhaseTables``, PlanArgs::fw) for one channel, or None.

    Where the plan repeats every two outputs, one input further on (2x upsampling:
    output ``2j + q`` reads inputs from ``j + off[q]`` with the same weights for every
    ``j``), the kernel computes 8 values of ``j`` per phase and interleaves them.  The
    range is the longest run of outputs around the middle of the row that follow the
    pattern exactly (bitwise-equal weights and bias), cut to whole steps of 16 outputs;
    the variable blocks before and after it cover the rest of the row.
    """
    n_out, k = w.shape
    if k == 0 or k > 8 or n_out < 64:
        return None
    m = (n_out // 2) & ~1
    o = np.arange(n_out)
    q = o % 2
    off = np.array([start[m] - m // 2, start[m + 1] - m // 2], dtype=np.int64)
    fw = w[[m, m + 1]]
    fb = bias[[m, m + 1]]
    ok = (start == o // 2 + off[q]) & (w == fw[q]).all(axis=1) & (bias == fb[q])
    bad = np.flatnonzero(~ok)
    lo = int(bad[bad < m].max(initial=-1)) + 1
    hi = int(bad[bad > m].min(initial=n_out))
    fe0 = lo + lo % 2
    fe1 = fe0 + (hi - fe0) // 16 * 16
    if fe1 - fe0 < 32:
        return None
    if fe0 // 2 + off.min() < 0 or fe1 // 2 + off.max() + k - 1 > n_in:
        return None  # cannot happen for a valid plan: each load reads the range's inputs
    ps = np.asarray(pstart, dtype=np.int64)
    fb0 = int(np.searchsorted(ps, fe0, side="left"))  # first block starting at >= fe0
    fb1 = int(np.searchsorted(ps, fe1, side="right")) - 1  # last block starting <= fe1
    return _ext.TwoPhaseTables(e0=fe0, e1=fe1, b0=fb0, b1=fb1, offset=off.astype(np.int32),
                               weight=np.ascontiguousarray(fw, dtype=np.float32),
                               bias=np.ascontiguousarray(fb, dtype=np.float32))


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
class _Call:
    """One extension call: its function, output shape and arguments after (src, dst)."""

    kind: str  # 'single', 'pair', 'gather'
    shape: tuple[int, ...]
    args: tuple[Any, ...]  # without the trailing thread count
    odtype: np.dtype[Any] | None = None  # output dtype when not the input's (wide model)
    tail: tuple[Any, ...] = ()  # arguments after the thread count (wide model dtypes)


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
        out = list(cur)
        out[a] = p.out_size
        calls.append(_Call("gather", tuple(out), (_prod(cur[:a]), p.in_size,
                                                  _prod(cur[a + 1:]) * dtype.itemsize,
                                                  pr.index)))
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
                g = _groups(f1, c, left=True)
                if g is not None:
                    t1 = t1.with_tables(groups=g)
            th, tw = (t2, t1) if h_first else (t1, t2)
            out = list(cur)
            out[a1], out[a2] = p1.out_size, p2.out_size
            calls.append(_Call("pair", tuple(out),
                               (_DTYPE_CODES[dtype], int(acc64), int(h_first), _prod(cur[:a]),
                                c, th, tw), None, (_code(mid),)))
            cur = tuple(out)
            weighted = []
    if weighted:
        reads = dtype
        for a, p, r in weighted:
            form, acc64 = _wide_form(p, r, reads)
            out = list(cur)
            out[a] = p.out_size
            calls.append(_Call("single", tuple(out),
                               (_code(reads), int(acc64), _prod(cur[:a]), _prod(cur[a + 1:]),
                                form.tables), r.dtype, (_code(r.dtype),)))
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
        args: tuple[Any, ...]
        if st.kind == "gather":
            p = st.plans[0]
            pr = _prepare(p, "gather")
            b = _prod(cur[:a])
            e = _prod(cur[a + 1:]) * dtype.itemsize
            args = (b, p.in_size, e, pr.index)
        elif st.kind == "single":
            p = st.plans[0]
            kind = _int_kind(p, dtype) if is_int else fkind
            pr = _prepare(p, kind)
            b = _prod(cur[:a])
            c = _prod(cur[a + 1:])
            tables = _with_perm(p, c) if kind == "f32" and c <= 4 else pr.tables
            if kind == "i32" and dtype.itemsize == 1 and c <= 4:
                tables = _with_groups(p, pr, c)
            args = (_DTYPE_CODES[dtype], int(kind == "i64"), b, c, tables)
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
            args = (_DTYPE_CODES[dtype], int(kind == "i64"), int(h_first), b, c, prh.tables, tw)
        cur = tuple(out)
        calls.append(_Call(st.kind, cur, args))
    return calls


def _run_calls(x: NDArray[Any], calls: list[_Call], threads: int) -> NDArray[Any]:
    assert _ext is not None
    cur = x
    for call in calls:
        out = np.empty(call.shape, dtype=x.dtype if call.odtype is None else call.odtype)
        if out.size == 0:
            cur = out
            continue
        if call.kind == "gather":
            _ext.gather(cur.reshape(-1).view(np.uint8), out.reshape(-1).view(np.uint8),
                        *call.args, threads)
        elif call.kind == "single":
            _ext.single(cur, out, *call.args, threads, *call.tail)
        else:
            _ext.pair(cur, out, *call.args, threads, *call.tail)
        cur = out
    return cur


# Compiled calls of recent apply_plans calls, keyed by the plans' identities (the value
# holds the plans, so their ids cannot be reused while the entry lives), shape and dtype:
# repeated resizes of one shape skip step planning and table lookups.
_CALLS_MAX = 64
_calls: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], list[_Call]]] = {}


# apply_plans calls that passed every check, by the same kind of key: a repeated call
# with a C-contiguous array of a kernel dtype goes straight to its compiled calls.
_fast: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], list[_Call]]] = {}


def _fast_key(x: Any, plans: Sequence[tuple[int, AxisPlan]]) -> tuple[Any, ...] | None:
    if (type(x) is not np.ndarray or not isinstance(plans, (list, tuple))
            or not x.flags.c_contiguous or x.dtype not in _DTYPE_CODES):
        return None
    try:
        ids = tuple((a, id(p)) for a, p in plans)
    except (TypeError, ValueError):
        return None
    if not all(type(a) is int for a, _ in ids):
        return None
    return (ids, x.shape, x.dtype.str)


def _calls_for(work: NDArray[Any], items: list[tuple[int, AxisPlan]]) -> list[_Call]:
    shape = tuple(work.shape)
    key = (tuple((a, id(p)) for a, p in items), shape, work.dtype.str)
    with _cache_lock:
        hit = _calls.get(key)
    if hit is not None and all(q is p for q, (_, p) in zip(hit[0], items, strict=True)):
        return hit[1]
    from .reference import is_wide, wide_passes

    roles = (wide_passes(work.dtype, [p for _, p in items if not p.is_gather])
             if is_wide(work.dtype, items) else None)
    if roles is not None:
        calls = _compile_wide(work.dtype, items, shape, roles)
    else:
        calls = _compile_steps(work.dtype, _plan_steps(work.dtype, items, shape), shape)
    with _cache_lock:
        if len(_calls) >= _CALLS_MAX:
            _calls.pop(next(iter(_calls)))
        _calls[key] = (tuple(p for _, p in items), calls)
    return calls


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
        if hit is not None and all(q is p for q, (_, p) in zip(hit[0], plans, strict=True)):
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
    work = x
    if native != dtype:
        work = x.astype(native)
    if native == _FLOAT16 and weighted:
        work = work.astype(np.float32)
    work = np.ascontiguousarray(work)
    calls = _calls_for(work, items)
    if fast is not None and work is x and calls:
        with _cache_lock:
            if len(_fast) >= _CALLS_MAX:
                _fast.pop(next(iter(_fast)))
            _fast[fast] = (tuple(p for _, p in plans), calls)
    res = _run_calls(work, calls, nthreads)
    if res.dtype != dtype:
        res = res.astype(dtype)
    elif np.may_share_memory(res, x):
        res = res.copy()
    return np.ascontiguousarray(res)
