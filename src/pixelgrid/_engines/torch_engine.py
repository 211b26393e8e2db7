"""The torch engine: plans applied with torch operations, on the tensor's device.

Torch tensor in, torch tensor out, same dtype and device, and differentiable
for float dtypes (every operation is an ``index_select`` or an elementwise
product or sum, all of which autograd knows).  It runs tensors on CUDA (and
other devices), gather-only plans of CPU tensors, and any tensor with
``engine="torch"``; other CPU tensors go to the compiled engine
(:mod:`pixelgrid._engines.torch_autograd`).  The semantics are those of
:mod:`pixelgrid._engines.reference`:

* gather plans (nearest) copy samples, for every dtype;
* 8/16-bit integers with fixed-point plans are resampled exactly: int64
  accumulation, ``(acc + offset) >> bits``, clamp to the dtype after every
  axis -- bit-identical to the reference engine;
* float32/float64 are computed in their own dtype, float16/bfloat16 in
  float32 and cast back once; other integer data in float64, rounded half to
  even and clipped once at the end.

A weighted plan is applied as gathers: one ``index_select`` of the input
along the axis and one multiply-add per tap (``y = sum_t w[:, t] * x[index[:,
t]]``), the taps the reference engine reads, and nothing else: no dense or
banded weight matrices, so a non-finite sample (inf, nan) reaches exactly the
outputs whose taps read it, as in the reference engine (a dense matrix
multiplies every zero weight with it).  Plans that only gather (nearest) over
several axes are one ``index_select`` with a flat index over the block of axes
they span.  The result keeps the input's memory format (channels-last in,
channels-last out): a dense tensor is processed in its physical axis order.

Weights are converted to tensors once per (plan content, device, dtype) and
kept in a bounded LRU cache; the key hashes the plan's arrays, so a plan
rebuilt for the same geometry reuses the tensors.
"""

from __future__ import annotations

import hashlib
import math
import struct
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .._arrays import own_fixed
from .._plan_types import AxisPlan
from .reference import is_wide, wide_passes

__all__ = [
    "apply_plans_torch",
    "cache_info",
    "check_tensor",
    "clear_cache",
    "numpy_dtype",
    "run_plans_torch",
    "tensor_dtype",
]

_NUMPY_NAMES = ("bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64",
                "int64", "float16", "float32", "float64")
_TO_NUMPY: dict[torch.dtype, np.dtype[Any]] = {
    getattr(torch, name): np.dtype(name) for name in _NUMPY_NAMES
}
#: Tensors of these dtypes can only be gathered (mirrors ``_arrays.GATHER_ONLY_DTYPES``).
_GATHER_ONLY = (torch.bool, torch.int64, torch.uint64)
_CHOICES = sorted((*_NUMPY_NAMES, "bfloat16"))
_FIXED_POINT = (torch.uint8, torch.int8, torch.uint16, torch.int16)
_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
#: ``index_select`` is not implemented for unsigned 16/32/64-bit tensors; gather a view.
_SIGNED_VIEW = {torch.uint16: torch.int16, torch.uint32: torch.int32, torch.uint64: torch.int64}

_CACHE_SIZE = 256
#: Longest flat index (elements) of the all-gather path; longer ones gather axis by axis.
_MAX_FLAT = 1 << 24


# ----------------------------------------------------------------------------------------
# dtypes and validation
# ----------------------------------------------------------------------------------------
def numpy_dtype(dtype: torch.dtype) -> np.dtype[Any]:
    """The numpy dtype whose plans a tensor of ``dtype`` uses (bfloat16 -> float32).

    Examples
    --------
    >>> import torch
    >>> numpy_dtype(torch.uint8), numpy_dtype(torch.bfloat16)
    (dtype('uint8'), dtype('float32'))

    """
    if dtype == torch.bfloat16:
        return np.dtype(np.float32)
    try:
        return _TO_NUMPY[dtype]
    except KeyError:
        raise TypeError(
            f"dtype {dtype} is not supported; expected one of "
            f"{_CHOICES}"
        ) from None


def tensor_dtype(dtype: Any) -> torch.dtype:
    """Read an output dtype given as a torch dtype, numpy dtype or name.

    Examples
    --------
    >>> import numpy as np, torch
    >>> tensor_dtype(np.float32), tensor_dtype("uint8"), tensor_dtype(torch.bfloat16)
    (torch.float32, torch.uint8, torch.bfloat16)

    """
    if isinstance(dtype, torch.dtype):
        numpy_dtype(dtype)  # validates
        return dtype
    if dtype == "bfloat16":
        return torch.bfloat16
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = ""
    if name not in _NUMPY_NAMES:
        raise TypeError(
            f"dtype={dtype!r} is not supported; expected one of "
            f"{_CHOICES}"
        )
    return getattr(torch, name)  # type: ignore[no-any-return]


def check_tensor(x: Any, name: str = "x") -> torch.Tensor:
    """Return ``x`` if it is a non-empty tensor of a supported dtype, else raise.

    Examples
    --------
    >>> import torch
    >>> check_tensor(torch.zeros(2, 3)).shape
    torch.Size([2, 3])

    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor, got {type(x).__name__}")
    if x.dtype != torch.bfloat16 and x.dtype not in _TO_NUMPY:
        raise TypeError(
            f"{name} has dtype {x.dtype}, which is not supported; expected one of "
            f"{_CHOICES}"
        )
    if x.dim() == 0:
        raise ValueError(f"{name} is 0-dimensional; expected at least 1 dimension")
    if x.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); every axis must be >= 1")
    return x


# ----------------------------------------------------------------------------------------
# Cache of plan tensors
# ----------------------------------------------------------------------------------------
_lock = threading.Lock()
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_keys: weakref.WeakKeyDictionary[AxisPlan, bytes] = weakref.WeakKeyDictionary()
_stats = {"hits": 0, "misses": 0}


def _plan_key(p: AxisPlan) -> bytes:
    """A digest of everything an engine reads from ``p`` (memoised per plan object)."""
    with _lock:
        key = _keys.get(p)
    if key is not None:
        return key
    h = hashlib.blake2b(digest_size=20)
    h.update(struct.pack("<qqqd", p.in_size, p.out_size, p.taps, p.fill_value))
    for a in (p.index.astype(np.int64), p.weight.astype(np.float64),
              p.fill.astype(np.float64)):
        h.update(np.ascontiguousarray(a).tobytes())
    if p.fixed is not None:
        fp = p.fixed
        h.update(struct.pack("<qq", fp.bits, fp.offset))
        h.update(np.ascontiguousarray(fp.weights, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(fp.fill, dtype=np.int64).tobytes())
    key = h.digest()
    with _lock:
        _keys[p] = key
    return key


def _cached(kind: str, p: AxisPlan, device: torch.device, dtype: torch.dtype,
            build: Callable[[AxisPlan, torch.device, torch.dtype], Any]) -> Any:
    key = (kind, _plan_key(p), str(device), dtype)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            _stats["hits"] += 1
            return hit
        _stats["misses"] += 1
    value = build(p, device, dtype)
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def cache_info() -> dict[str, int]:
    """Hits, misses and current size of the plan-tensor cache.

    Examples
    --------
    >>> sorted(cache_info())
    ['hits', 'misses', 'size']

    """
    with _lock:
        return {**_stats, "size": len(_cache)}


def clear_cache() -> None:
    """Drop every cached plan tensor and reset the statistics.

    Examples
    --------
    >>> clear_cache(); cache_info()["size"]
    0

    """
    with _lock:
        _cache.clear()
        _stats.update(hits=0, misses=0)


# ----------------------------------------------------------------------------------------
# Plan tensors
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Gather:
    index: torch.Tensor  # (out,) int64


@dataclass(frozen=True)
class _Taps:
    index: tuple[torch.Tensor, ...]  # per used tap, (out,) int64
    weight: tuple[torch.Tensor, ...]  # per used tap, (out,)
    fill: torch.Tensor | None  # (out,) fill * fill_value (float) or fill * round(fill_value)


def _tensor(a: Any, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    # plan arrays may be read-only; torch warns on those, so hand it a private copy
    return torch.from_numpy(np.array(a, copy=True)).to(device=device, dtype=dtype)


def _build_gather(p: AxisPlan, device: torch.device, dtype: torch.dtype) -> _Gather:
    return _Gather(_tensor(p.index[:, 0], dtype=torch.int64, device=device))


def _fill_tensor(p: AxisPlan, device: torch.device, dtype: torch.dtype) -> torch.Tensor | None:
    if not np.any(p.fill):
        return None
    return _tensor(p.fill * p.fill_value, dtype=dtype, device=device)


def _build_float(p: AxisPlan, device: torch.device, dtype: torch.dtype) -> _Taps:
    # every tap the reference engine reads (also all-zero columns), so that non-finite
    # samples reach the same outputs as there
    return _Taps(
        tuple(_tensor(p.index[:, t], dtype=torch.int64, device=device)
              for t in range(p.taps)),
        tuple(_tensor(p.weight[:, t], dtype=dtype, device=device) for t in range(p.taps)),
        _fill_tensor(p, device, dtype),
    )


def _build_fixed(p: AxisPlan, device: torch.device, dtype: torch.dtype) -> _Taps:
    fp = p.fixed
    assert fp is not None
    fill = None
    value = round(p.fill_value)
    if value != 0 and bool(np.any(fp.fill)):
        fill = _tensor(fp.fill * value, dtype=torch.int64, device=device)
    return _Taps(
        tuple(_tensor(p.index[:, t], dtype=torch.int64, device=device)
              for t in range(p.taps)),
        tuple(_tensor(fp.weights[:, t], dtype=torch.int64, device=device)
              for t in range(p.taps)),
        fill,
    )


# ----------------------------------------------------------------------------------------
# One axis
# ----------------------------------------------------------------------------------------
def _split(x: torch.Tensor, axis: int) -> tuple[int, int, int]:
    shape = x.shape
    a = 1
    for s in shape[:axis]:
        a *= int(s)
    b = 1
    for s in shape[axis + 1:]:
        b *= int(s)
    return a, int(shape[axis]), b


def _gather(x: torch.Tensor, axis: int, p: AxisPlan) -> torch.Tensor:
    g: _Gather = _cached("gather", p, x.device, torch.int64, _build_gather)
    view = _SIGNED_VIEW.get(x.dtype)
    if view is not None:
        return x.view(view).index_select(axis, g.index).view(x.dtype)
    return x.index_select(axis, g.index)


def _taps_sum(x3: torch.Tensor, t: _Taps, out: int) -> torch.Tensor:
    y: torch.Tensor | None = None
    for index, weight in zip(t.index, t.weight, strict=True):
        g = x3.index_select(1, index)
        w = weight[:, None]
        # y is an intermediate of this function: updating it in place is safe for autograd
        y = g * w if y is None else y.addcmul_(g, w)
    if y is None:
        y = x3.new_zeros((x3.shape[0], out, x3.shape[2]))
    if t.fill is not None:
        y = y + t.fill[:, None]
    return y


def _float_axis(x: torch.Tensor, axis: int, p: AxisPlan) -> torch.Tensor:
    a, n, b = _split(x, axis)
    t: _Taps = _cached("float", p, x.device, x.dtype, _build_float)
    out_shape = (*x.shape[:axis], p.out_size, *x.shape[axis + 1:])
    if b == 1:
        # the last axis: gathers along dim 1 of an (a, n) matrix (a trailing dim of 1
        # makes index_select several times slower on CPU)
        x2 = x.reshape(a, n)
        y: torch.Tensor | None = None
        for index, weight in zip(t.index, t.weight, strict=True):
            g = x2.index_select(1, index)
            y = g * weight if y is None else y.addcmul_(g, weight)
        assert y is not None
        if t.fill is not None:
            y = y + t.fill
        return y.reshape(out_shape)
    return _taps_sum(x.reshape(a, n, b), t, p.out_size).reshape(out_shape)


def _wide_axis(x: torch.Tensor, axis: int, p: AxisPlan, role: Any) -> torch.Tensor:
    """One pass of the wide model on int64 values: ``clamp((sum w u + bias) >> shift)``.

    ``role`` (:class:`~pixelgrid._engines.reference.WidePass`) holds the shift and
    the per-row bias; the result stays int64 (the intermediate's values, which
    the model keeps within its int16/int32 range, or the final values).
    """
    a, n, b = _split(x, axis)
    t: _Taps = _cached("fixed", p, x.device, torch.int64, _build_fixed)
    taps = _Taps(t.index, t.weight, None)  # the role's bias holds the fill
    acc = _taps_sum(x.reshape(a, n, b).to(torch.int64), taps, p.out_size)
    bias = torch.as_tensor(role.bias, dtype=torch.int64, device=x.device)[:, None]
    info = np.iinfo(role.dtype)
    y = torch.bitwise_right_shift(acc + bias, role.shift).clamp_(int(info.min), int(info.max))
    return y.reshape(*x.shape[:axis], p.out_size, *x.shape[axis + 1:])


def _fixed_axis(x: torch.Tensor, axis: int, p: AxisPlan) -> torch.Tensor:
    fp = p.fixed
    assert fp is not None
    a, n, b = _split(x, axis)
    t: _Taps = _cached("fixed", p, x.device, torch.int64, _build_fixed)
    acc = _taps_sum(x.reshape(a, n, b).to(torch.int64), t, p.out_size)
    info = torch.iinfo(x.dtype)
    y = torch.bitwise_right_shift(acc + fp.offset, fp.bits).clamp_(info.min, info.max)
    return y.to(x.dtype).reshape(*x.shape[:axis], p.out_size, *x.shape[axis + 1:])


# ----------------------------------------------------------------------------------------
# Public entry points
# ----------------------------------------------------------------------------------------
def _gather_layout(shape: tuple[int, ...], plans: Sequence[tuple[int, AxisPlan]]
                   ) -> tuple[dict[int, AxisPlan], int, int, list[int], int]:
    """``(plans by axis, first axis, last axis, output shape, output size lo..hi)``.

    The layout :func:`_gather_all` gathers over and :func:`gather_all_backward` undoes:
    the axes ``lo..hi`` flattened into one.
    """
    byaxis = dict(plans)
    lo, hi = min(byaxis), max(byaxis)
    out_shape = list(shape)
    for d, p in byaxis.items():
        out_shape[d] = p.out_size
    n_flat = 1
    for d in range(lo, hi + 1):
        n_flat *= out_shape[d]
    return byaxis, lo, hi, out_shape, n_flat


def _flat_index(plans: dict[int, AxisPlan], shape: tuple[int, ...], lo: int, hi: int,
                device: torch.device) -> torch.Tensor:
    """Flat index, over axes ``lo..hi`` of ``shape``, of every output of the gathers."""
    key = ("flat", tuple((d, _plan_key(p)) for d, p in sorted(plans.items())),
           shape[lo:hi + 1], str(device))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            _stats["hits"] += 1
            return hit  # type: ignore[no-any-return]
        _stats["misses"] += 1
    flat: np.ndarray[Any, np.dtype[np.int64]] = np.zeros(1, np.int64)
    for d in range(lo, hi + 1):
        ind = plans[d].index[:, 0] if d in plans else np.arange(shape[d])
        # row-major: the index of (i_lo, ..., i_d) is index(i_lo..i_{d-1}) * n_d + i_d
        flat = (flat[:, None] * shape[d] + ind.astype(np.int64)[None, :]).ravel()
    value = _tensor(flat, dtype=torch.int64, device=device)
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def _gather_all(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]]) -> torch.Tensor:
    """Gather-only plans on a contiguous ``x``: one ``index_select`` over the axes they span."""
    shape = tuple(int(s) for s in x.shape)
    byaxis, lo, hi, out_shape, n_flat = _gather_layout(shape, plans)
    if len(byaxis) == 1 or n_flat > _MAX_FLAT:
        out = x
        for axis, p in plans:
            out = _gather(out, axis, p)
        return out
    idx = _flat_index(byaxis, shape, lo, hi, x.device)
    a, c = math.prod(shape[:lo]), math.prod(shape[hi + 1:])
    src = x.view(_SIGNED_VIEW[x.dtype]) if x.dtype in _SIGNED_VIEW else x
    # (a, block) gathers along dim 1 several times faster than (a, block, 1) on CPU
    y = (src.reshape(a, -1).index_select(1, idx) if c == 1
         else src.reshape(a, -1, c).index_select(1, idx))
    if x.dtype in _SIGNED_VIEW:
        y = y.view(x.dtype)
    return y.reshape(out_shape)


def gather_all_backward(grad: torch.Tensor, shape: tuple[int, ...],
                        plans: Sequence[tuple[int, AxisPlan]]) -> torch.Tensor:
    """The gradient torch's autograd gives ``x`` through :func:`_gather_all` (``x`` contiguous).

    The same ``index_add_`` calls on zeros of the same shapes that autograd runs for the
    ``index_select`` calls of :func:`_gather_all` (``index_select_backward``), so the
    same sums in the same order: bit-identical to ``_gather_all``'s own backward, without
    its forward ``index_select`` (the compiled gather copies the same values, faster).
    """
    byaxis, lo, hi, _, n_flat = _gather_layout(tuple(shape), plans)
    if len(byaxis) == 1 or n_flat > _MAX_FLAT:
        shapes = [tuple(shape)]
        for axis, p in plans:
            cur = list(shapes[-1])
            cur[axis] = p.out_size
            shapes.append(tuple(cur))
        g = grad
        for (axis, p), in_shape in zip(reversed(plans), reversed(shapes[:-1]), strict=True):
            gi: _Gather = _cached("gather", p, g.device, torch.int64, _build_gather)
            g = g.new_zeros(in_shape).index_add_(axis, gi.index, g)
        return g
    idx = _flat_index(byaxis, tuple(shape), lo, hi, grad.device)
    a, c = math.prod(shape[:lo]), math.prod(shape[hi + 1:])
    n_in = math.prod(shape[lo:hi + 1])
    if c == 1:
        g2 = grad.reshape(a, n_flat)
        return g2.new_zeros((a, n_in)).index_add_(1, idx, g2).reshape(shape)
    g3 = grad.reshape(a, n_flat, c)
    return g3.new_zeros((a, n_in, c)).index_add_(1, idx, g3).reshape(shape)


def apply_plans_torch(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]]) -> torch.Tensor:
    """Apply ``(axis, plan)`` pairs in order; a new tensor of ``x``'s dtype, device, format.

    A dense tensor (contiguous, channels-last, or any permutation of them) is
    processed in its physical axis order and the result has the same memory
    format; other strided views give a contiguous result.

    Same semantics as :func:`pixelgrid._engines.reference.apply_plans`; float
    results are differentiable with respect to ``x``.

    Parameters
    ----------
    x : torch.Tensor
        Input on any device.  Weighted plans need a float dtype, or an 8/16-bit
        integer dtype with ``plan.fixed`` set, or int32/uint32 (float64
        arithmetic, rounded once); gather plans accept every dtype.
    plans : sequence of (int, AxisPlan)
        Axis (non-negative) and plan, applied in order.

    Returns
    -------
    torch.Tensor

    Examples
    --------
    >>> import torch, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear")
    >>> apply_plans_torch(torch.tensor([0.0, 1.0]), [(0, p)]).tolist()
    [0.0, 0.25, 0.75, 1.0]

    """
    from .torch_autograd import physical_order

    perm = physical_order(x)
    if perm is not None and perm != tuple(range(x.dim())):
        inv = [0] * len(perm)
        for i, a in enumerate(perm):
            inv[a] = i
        y = _apply_contiguous(x.permute(perm), [(inv[a], p) for a, p in plans])
        return y.permute(*inv)
    return _apply_contiguous(x, plans)


def _apply_contiguous(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]]) -> torch.Tensor:
    """:func:`apply_plans_torch` in the tensor's own axis order: a contiguous result."""
    dtype = x.dtype
    out = x
    if all(p.is_gather for _, p in plans):
        if not plans:
            return x.clone(memory_format=torch.contiguous_format)
        return _gather_all(x.contiguous(), plans).contiguous()
    integer = not dtype.is_floating_point and dtype != torch.bool
    npdt = numpy_dtype(dtype) if dtype in _FIXED_POINT else None
    if npdt is not None and is_wide(npdt, plans):
        roles = wide_passes(npdt, [p for _, p in plans if not p.is_gather])
        if roles is not None:  # the wide model (reference.py): one rounding at the end
            it = iter(roles)
            for axis, p in plans:
                out = _gather(out, axis, p) if p.is_gather else _wide_axis(out, axis, p, next(it))
            return out.to(dtype).contiguous()
    if integer and all(p.fixed is not None or p.is_gather for _, p in plans):
        for axis, p in plans:
            out = _gather(out, axis, p) if p.is_gather else _fixed_axis(out, axis, p)
        return out.contiguous()
    if dtype == torch.bool or dtype in (torch.int64, torch.uint64):
        raise TypeError(
            f"dtype {dtype} can only be resampled with nearest-neighbour plans; "
            "cast to float64 or use kernel='nearest'"
        )
    if dtype in (torch.float32, torch.float64):
        work = dtype
    elif dtype in (torch.float16, torch.bfloat16):
        work = torch.float32  # half precision accumulates in float32, cast back once
    else:
        work = torch.float64
    out = out.to(work)
    for axis, p in plans:
        out = _float_axis(out, axis, p)
    if integer:
        info = torch.iinfo(dtype)
        out = torch.round(out).clamp_(info.min, info.max)
    return out.to(dtype).contiguous()


def run_plans_torch(
    x: torch.Tensor,
    plans: Sequence[tuple[int, AxisPlan]],
) -> torch.Tensor:
    """Apply plans to a tensor as :func:`pixelgrid._arrays.run_plans` does to an array.

    Checks the dtype against the plans, attaches fixed-point weights for
    8/16-bit integers (the rule the plans declare, default pixelgrid's own wide
    model: :func:`pixelgrid._arrays.own_fixed`), drops identity plans and applies the rest with
    :func:`apply_plans_torch`.

    Examples
    --------
    >>> import torch, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear")
    >>> run_plans_torch(torch.tensor([0, 255], dtype=torch.uint8), [(0, p)]).tolist()
    [0, 64, 191, 255]

    """
    check_tensor(x)
    if x.dtype in _GATHER_ONLY and not all(p.is_gather for _, p in plans):
        raise TypeError(
            f"dtype {x.dtype} can only be resized with kernel='nearest' "
            f"(weights would change its values); cast it to a float dtype first"
        )
    if x.dtype in _FIXED_POINT:
        plans = own_fixed(plans, numpy_dtype(x.dtype))
    plans = [(ax, p) for ax, p in plans if not p.is_identity]
    if not plans:
        return x.clone(memory_format=torch.preserve_format)
    return apply_plans_torch(x, plans)
