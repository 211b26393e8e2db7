"""Torch tensors through the numpy-facing engines (compiled, model, reference), with autograd.

A CPU tensor is handed to :func:`pixelgrid._arrays.run_plans` as a numpy *view*
of its memory (``Tensor.numpy()``, no copy), and the result array comes back as
a tensor sharing the array's memory (``torch.from_numpy``).  A dense tensor is
viewed in its physical order (a channels-last ``(N, C, H, W)`` tensor as the
C-contiguous ``(N, H, W, C)`` array) so that the compiled engine reads it
without a copy, and the output is permuted back: it has the input's memory
format (channels-last in, channels-last out), dtype and device.  Tensors on
other devices are copied to the CPU and back (``engine="native"`` or
``"reference"`` named explicitly; ``"auto"`` keeps them on their device with
the torch engine).

Autograd: every plan is a linear map ``y = W x + f`` along one axis, so the
gradient of a float input is ``W^T g``: :class:`NativeResample` applies the
*transposed* plans (:func:`transpose_plan`: the same sparse matrix read by
columns, its rows padded with zero-weight taps to a contiguous window where the
columns are local, built once per plan and cached) in reverse order, with the
same engine, so backward runs at the compiled engine's speed too.  The
transpose of a transposed plan is the original plan object, so double backward
works the same way.  Gradients are taken with respect to the data only (plans,
fill values and the declared rounding rules are constants; a library's float32
summation order changes the forward result by an ulp, not the linear map).

Dtypes: float64 gradients are bit-identical to the reference engine's product
with the transposed matrix; float32 ones sum in float32 (within float32
rounding); float16 is computed in float32 and rounded to float16 once at the
end (forward and backward); bfloat16, which numpy lacks, is converted to
float32 (one copy), resampled and rounded back to bfloat16 once.  PyTorch's own
half-precision kernels store each separable pass in the half dtype, so its
results differ from these (more accurate) ones by up to one half-precision ulp.
Integer tensors cannot require gradients in torch; they go through the same
zero-copy path without autograd.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from .._arithmetic import EXACT
from .._arrays import (
    _THREADS_VAR,
    ENGINES,
    _env_raw,
    engine_from_env,
    known_route,
    run_plans,
)
from .._memo import remember
from .._plan_types import AxisPlan
from .._validate import check_choice
from .torch_engine import (
    _GATHER_ONLY,
    check_tensor,
    gather_all_backward,
    run_plans_torch,
    tensor_dtype,
)

__all__ = [
    "GatherResample",
    "NativeResample",
    "finish",
    "physical_order",
    "resample_tensor",
    "run_tensor",
    "tensor_threads",
    "transpose_plan",
]

Plans = tuple[tuple[int, AxisPlan], ...]

_MAX_THREADS = 1024
_CACHE_SIZE = 256


# ----------------------------------------------------------------------------------------
# Layout
# ----------------------------------------------------------------------------------------
def physical_order(t: torch.Tensor) -> tuple[int, ...] | None:
    """The permutation ``p`` with ``t.permute(p)`` C-contiguous, or None if there is none.

    Identity for contiguous tensors; ``(0, 2, 3, 1)`` for channels-last 4-D
    tensors, ``(0, 2, 3, 4, 1)`` for channels-last 3-D ones; any other dense
    non-overlapping layout by sorting the strides.  ``None`` for views with gaps
    or zero strides (the engines then read the strided view, making their own
    contiguous copy).

    Examples
    --------
    >>> import torch
    >>> physical_order(torch.zeros(2, 3, 4, 5).contiguous(memory_format=torch.channels_last))
    (0, 2, 3, 1)
    >>> physical_order(torch.zeros(4, 6)[:, ::2]) is None
    True

    """
    n = t.dim()
    ident = tuple(range(n))
    if t.is_contiguous():
        return ident
    if n == 4 and t.is_contiguous(memory_format=torch.channels_last):
        return (0, 2, 3, 1)
    if n == 5 and t.is_contiguous(memory_format=torch.channels_last_3d):
        return (0, 2, 3, 4, 1)
    strides = t.stride()
    # larger strides first; size-1 axes (any stride) keep their logical place among ties
    perm = tuple(sorted(ident, key=lambda a: (-strides[a] if t.shape[a] > 1 else 0, a)))
    if t.permute(perm).is_contiguous():
        return perm
    return None


def _inverse(perm: Sequence[int]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, a in enumerate(perm):
        inv[a] = i
    return tuple(inv)


def tensor_threads(threads: int | None, values: int | None = None) -> int | None:
    """Threads for the compiled engine on a tensor: ``threads``, else torch's own count.

    ``PIXELGRID_NUM_THREADS`` (when set) wins over ``torch.get_num_threads()``,
    as it does for arrays; an explicit ``threads`` wins over both.  ``values``: the
    size of the call (:func:`_values`: input or output, the larger); a call smaller than
    :data:`SMALL_CALL` runs on one thread when only torch's count asks for more
    (waking the engine's pool costs more than the second thread gains there).

    Examples
    --------
    >>> import torch
    >>> tensor_threads(3)
    3

    """
    if threads is not None:
        return threads
    # (_arrays' inline read of os.environ's table: os.environ.get is ~0.8 us a call)
    raw = _env_raw("PIXELGRID_NUM_THREADS", _THREADS_VAR)
    if raw is not None and raw.strip():
        return None  # the engine reads (and validates) the variable
    if values is not None and values < SMALL_CALL:
        return 1
    return max(1, min(_MAX_THREADS, torch.get_num_threads()))


#: Calls reading and making fewer values than this run on one thread unless ``threads``
#: or ``PIXELGRID_NUM_THREADS`` asks for more (:func:`tensor_threads`): a 1x3x64x64 ->
#: 128x128 call (49152 values) is about 10 us of kernel work, less than the pool's
#: wake-up and hand-over on a shared 2-core machine (measured: 15.7 us on one thread,
#: 17.5 us on two, compat bilinear; 12.1 and 12.8 us, resize).  (The input counts too: a
#: large downscale to a small output reads, and sums, many values per output.)
SMALL_CALL = 1 << 16


def _values(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]]) -> int:
    """The size of applying ``plans`` to ``x``: its values or the result's, the larger."""
    shape = list(x.shape)
    for a, p in plans:
        shape[a] = p.out_size
    return max(math.prod(shape), math.prod(x.shape))


# ----------------------------------------------------------------------------------------
# Transposed plans
# ----------------------------------------------------------------------------------------
_transposes: OrderedDict[int, tuple[AxisPlan, AxisPlan]] = OrderedDict()
_lock = threading.Lock()


def _build_transpose(p: AxisPlan) -> AxisPlan:
    n_in, n_out = int(p.in_size), int(p.out_size)
    index = np.asarray(p.index, dtype=np.int64)
    weight = np.asarray(p.weight, dtype=np.float64)
    rows = np.repeat(np.arange(n_out, dtype=np.int64), index.shape[1])
    idx, w = index.ravel(), weight.ravel()
    keep = w != 0
    # (column, row) pairs of the sparse matrix, duplicates (a clamped edge read twice,
    # wrap-around) added: sorted by column, then row
    key, inv = np.unique(idx[keep] * n_out + rows[keep], return_inverse=True)
    wsum = np.bincount(inv.ravel(), weights=w[keep], minlength=key.size)
    col, row = key // n_out, key % n_out
    count = np.bincount(col, minlength=n_in)
    has = count > 0
    lo = np.full(n_in, 0, np.int64)
    hi = np.full(n_in, 0, np.int64)
    if key.size:
        first = np.searchsorted(col, np.arange(n_in), side="left")
        last = np.searchsorted(col, np.arange(n_in), side="right") - 1
        lo[has] = row[first[has]]
        hi[has] = row[last[has]]
    taps = max(1, int(count.max(initial=0)))
    width = int((hi - lo).max(initial=0)) + 1
    if width <= max(taps + 4, 2 * taps):
        # local columns (every resize): a contiguous window per row, zero-padded, which
        # the compiled engine reads as a window (no per-tap gather)
        width = min(width, n_out)
        start = np.minimum(lo, n_out - width)
        t_index = start[:, None] + np.arange(width, dtype=np.int64)
        t_weight = np.zeros((n_in, width), np.float64)
        t_weight[col, row - start[col]] = wsum
    else:
        # non-local columns (wrap-around): the column's rows in order, padded with the
        # first row at weight 0
        pos = np.arange(key.size) - np.searchsorted(col, col, side="left")
        t_index = np.repeat(np.where(has, lo, 0)[:, None], taps, axis=1)
        t_weight = np.zeros((n_in, taps), np.float64)
        t_index[col, pos] = row
        t_weight[col, pos] = wsum
    return AxisPlan(
        in_size=n_out, out_size=n_in, index=t_index, weight=t_weight,
        fill=np.zeros(n_in), fill_value=0.0, coord=np.arange(n_in, dtype=np.float64),
        info={"transpose_of": p.info}, arithmetic=EXACT)


def transpose_plan(p: AxisPlan) -> AxisPlan:
    """The plan of the transposed matrix of ``p`` (fill dropped), cached per plan object.

    ``transpose_plan(p).matrix() == p.matrix().T``; the transpose of the result
    is ``p`` itself (the same object), so gradients of gradients reuse every
    cache of ``p``.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> p = pixelgrid.plan(3, 5, kernel="linear")
    >>> t = transpose_plan(p)
    >>> np.allclose(t.matrix(), p.matrix().T), transpose_plan(t) is p
    (True, True)

    """
    with _lock:
        hit = _transposes.get(id(p))
        if hit is not None and hit[0] is p:
            _transposes.move_to_end(id(p))
            return hit[1]
    t = _build_transpose(p)
    with _lock:
        # both directions; the entries hold the plans, so their ids stay unique
        _transposes[id(p)] = (p, t)
        _transposes[id(t)] = (t, p)
        while len(_transposes) > 2 * _CACHE_SIZE:
            _transposes.popitem(last=False)
    return t


# ----------------------------------------------------------------------------------------
# Forward on a numpy view
# ----------------------------------------------------------------------------------------
def _run(x: torch.Tensor, plans: Plans, engine: str, threads: int | None) -> torch.Tensor:
    """Apply ``plans`` to ``x`` (no autograd) with the numpy-facing engines, zero-copy."""
    device = x.device
    src = x.detach()
    if device.type != "cpu":
        src = src.cpu()
    half: torch.dtype | None = src.dtype
    if half == torch.bfloat16 or (half == torch.float16 and not all(
            p.is_gather for _, p in plans)):
        # numpy has no bfloat16: float32, rounded back once.  float16 the same way: the
        # engines compute float16 in float32 and round once (numpy's astype, one thread);
        # torch converts with every thread (8x3x256^2 -> 512^2 bilinear: 34 -> 5 ms)
        src = src.to(torch.float32)
    else:
        half = None
    perm = physical_order(src)
    inv: tuple[int, ...] | None = None
    if perm is not None and perm != tuple(range(src.dim())):
        inv = _inverse(perm)
        arr = src.permute(perm).numpy()
        items = [(inv[a], p) for a, p in plans]
    else:
        arr = src.numpy()
        items = list(plans)
    y = run_plans(arr, items, engine=engine, threads=threads)
    if not y.flags.writeable or any(s < 0 for s in y.strides):
        y = np.array(y)  # torch refuses negative strides and warns on read-only memory
    out = torch.from_numpy(y)
    if inv is not None:
        out = out.permute(inv)
    if half is not None:
        out = out.to(half, memory_format=torch.preserve_format)
    if device.type != "cpu":
        out = out.to(device)
    return out


class NativeResample(torch.autograd.Function):
    """``y = plans(x)`` by the numpy-facing engines; ``dx = transposed plans(dy)``.

    Called as ``NativeResample.apply(x, plans, engine, threads)`` with ``plans``
    a tuple of ``(axis, AxisPlan)`` (applied in order).
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, plans: Plans, engine: str,
                threads: int | None) -> torch.Tensor:
        ctx.plans = plans
        ctx.engine = engine
        ctx.threads = threads
        return _run(x, plans, engine, threads)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[Any, ...]:
        if not ctx.needs_input_grad[0]:
            return None, None, None, None
        back = tuple((a, transpose_plan(p)) for a, p in reversed(ctx.plans))
        return resample_tensor(grad, back, engine=_grad_engine(ctx.engine),
                               threads=ctx.threads), None, None, None


class GatherResample(torch.autograd.Function):
    """Gather-only plans on a contiguous float tensor: the compiled gather, torch's gradient.

    Forward: :func:`_run` (the compiled engine's one-pass gather: copies, the values
    ``index_select`` gives; 8x3x256^2 -> 512^2 nearest float32 1.1 ms, index_select
    2.0 ms).  Backward: :func:`~.torch_engine.gather_all_backward`, the ``index_add_``
    calls torch's autograd makes for the torch engine's ``index_select`` (bit-identical
    gradients).  Called as ``GatherResample.apply(x, plans, threads)``.
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, plans: Plans, threads: int | None) -> torch.Tensor:
        ctx.shape = tuple(x.shape)
        ctx.plans = plans
        return _run(x, plans, "auto", threads)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[Any, ...]:
        if not ctx.needs_input_grad[0]:
            return None, None, None
        return gather_all_backward(grad, ctx.shape, ctx.plans), None, None


def _grad_engine(engine: str) -> str:
    # transposed plans carry the exact arithmetic: the compiled engine runs every one of
    # them (float dtypes), the reference one where the forward asked for it
    return "reference" if engine == "reference" else "auto"


def resample_tensor(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]], *,
                    engine: str = "auto", threads: int | None = None) -> torch.Tensor:
    """Apply plans to a tensor with the numpy-facing engines, keeping its autograd graph.

    Parameters
    ----------
    x : torch.Tensor
        Input of a dtype :func:`pixelgrid._arrays.run_plans` accepts (or bfloat16).
    plans : sequence of (int, AxisPlan)
        Axis and plan, applied in order (identity plans are skipped by the engine).
    engine : str
        ``"auto"``, ``"native"`` or ``"reference"``, as for :func:`run_plans`.
    threads : int, optional
        Threads for the compiled engine (default: :func:`tensor_threads`).

    Returns
    -------
    torch.Tensor
        Same dtype, device and memory format as ``x``; differentiable when ``x``
        requires gradients.

    Examples
    --------
    >>> import torch, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear")
    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = resample_tensor(x, [(0, p)])
    >>> y.tolist(), y.requires_grad
    ([0.0, 0.25, 0.75, 1.0], True)

    """
    items: Plans = tuple((int(a), p) for a, p in plans)
    n = tensor_threads(threads, _values(x, items))
    if x.requires_grad and torch.is_grad_enabled() and x.dtype.is_floating_point:
        out: torch.Tensor = NativeResample.apply(x, items, engine, n)  # type: ignore[no-untyped-call]
        return out
    return _run(x, items, engine, n)


# ----------------------------------------------------------------------------------------
# Engine choice for tensors
# ----------------------------------------------------------------------------------------
# Tensor dtypes that have a numpy dtype (Tensor.numpy() views them without a copy).
_NUMPY_DTYPES = frozenset((torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32,
                           torch.int64, torch.float16, torch.float32, torch.float64,
                           torch.complex64, torch.complex128))


def _engine_for(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]], engine: str) -> str:
    """The engine a tensor call runs on: "torch", or a name for :func:`run_plans`."""
    if engine != "auto":
        check_choice("engine", engine, ENGINES)
    elif engine_from_env():  # (os.environ's table read inline; .get only when it is set)
        # PIXELGRID_ENGINE chooses only for engine="auto": an explicit engine= wins
        env = os.environ.get("PIXELGRID_ENGINE", "").strip()
        engine = check_choice("PIXELGRID_ENGINE", env, ENGINES)
    if engine == "compiled":
        engine = "native"
    if engine == "auto":
        if x.device.type != "cpu":
            return "torch"  # CUDA & co: the torch engine, on the tensor's device
        if all(p.taps == 1 and p.is_gather for _, p in plans) and (
                x.dtype not in _NUMPY_DTYPES or (x.requires_grad and torch.is_grad_enabled())):
            # copies only, on a dtype numpy lacks or with a gradient to record: index_select
            # over the gathered axes (torch engine; its backward is torch's index_add).
            # Otherwise the compiled engine's one-pass gather on a numpy view (8x3x256^2 ->
            # 512^2 nearest float32: it scales with threads, index_select did not).
            return "torch"
    return engine


def run_tensor(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]], *,
               engine: str = "auto", threads: int | None = None) -> torch.Tensor:
    """Apply plans to a tensor with the engine ``engine`` names (see :func:`_engine_for`).

    ``"auto"``: CPU tensors go through the numpy-facing engines
    (:func:`pixelgrid._arrays.run_plans`: the compiled engine, or the model /
    reference engine the plans' arithmetic needs), zero-copy, with autograd
    (:class:`NativeResample`); gather-only plans and tensors on other devices
    use the torch engine.  ``"native"``/``"compiled"``/``"reference"`` force
    that engine (other devices are copied to the CPU and back), ``"torch"``
    the torch engine (:mod:`pixelgrid._engines.torch_engine`).

    Examples
    --------
    >>> import torch, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear")
    >>> run_tensor(torch.tensor([0, 255], dtype=torch.uint8), [(0, p)]).tolist()
    [0, 64, 191, 255]

    """
    fast_key = None
    if engine == "auto" and type(x) is torch.Tensor and not x.requires_grad:
        # a call like a recent one: straight to the route run_plans made for it
        fast_key = (tuple(plans), x.shape, x.stride(), x.dtype, x.is_cpu, threads)
        try:
            hit = _fast.get(fast_key)
        except TypeError:  # unhashable plans (lists as items): the full path
            hit = fast_key = None
        # (the key holds the plans, which compare by identity: no same_plans test)
        if hit is not None and not engine_from_env():
            if hit[1] is None:
                fast_key = None  # (no route for these: do not look again)
            else:
                y = hit[1](x)
                if y is not None:
                    return y
    check_tensor(x)
    name = _engine_for(x, plans, engine)
    if x.dtype in _GATHER_ONLY and not all(p.is_gather for _, p in plans):
        raise TypeError(
            f"dtype {x.dtype} can only be resized with kernel='nearest' "
            f"(weights would change its values); cast it to a float dtype first"
        )
    if name == "torch":
        if engine == "auto" and x.dtype in _GATHER_GRAD and x.requires_grad \
                and torch.is_grad_enabled() and x.device.type == "cpu" \
                and x.is_contiguous() and not engine_from_env():
            # gathers with a gradient to record (the rule of _engine_for): the compiled
            # gather forward, torch's own index_add backward
            items = tuple((int(a), p) for a, p in plans if not p.is_identity)
            if items:
                out: torch.Tensor = GatherResample.apply(  # type: ignore[no-untyped-call]
                    x, items, tensor_threads(threads, _values(x, items)))
                return out
        return run_plans_torch(x, plans)
    out = resample_tensor(x, plans, engine=name, threads=threads)
    if fast_key is not None and name == "auto" and x.is_cpu and not engine_from_env():
        with _lock:
            remember(_fast, fast_key, (tuple(p for _, p in plans), _fast_route(x, plans, threads)),
                     _FAST_MAX)
    return out


# Recent run_tensor calls (engine "auto", CPU tensors that need no gradient): the plans
# (ids), shape, strides, dtype, device flag and ``threads`` -> the call's own route
# (:func:`_fast_route`), or None where it has none.
_FAST_MAX = 64
_fast: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...],
                                   Callable[[torch.Tensor], torch.Tensor | None] | None]] = {}


def _fast_route(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]], threads: int | None
                ) -> Callable[[torch.Tensor], torch.Tensor | None] | None:
    """What :func:`run_tensor` does for tensors like ``x`` (no autograd), as one call.

    The numpy view :func:`_run` makes (physical order) handed to the route
    :func:`pixelgrid._arrays.run_plans` made for it (:func:`~pixelgrid._arrays.known_route`:
    the same result), the result wrapped and permuted back as :func:`_run` does; without
    the tensor checks, engine choice and route look-up of every call (about 5 us of a
    ~25 us 1x3x64^2 -> 128^2 call).  ``fast(t)`` returns None where the route declines
    (the caller then takes the full path).  None: no such route (a dtype numpy lacks,
    float16 with weights, an engine run_plans keeps no route for).
    """
    items = tuple((int(a), p) for a, p in plans)
    if x.dtype not in _NUMPY_DTYPES or (x.dtype == torch.float16 and not all(
            p.is_gather for _, p in items)):
        return None  # (_run converts these first)
    perm = physical_order(x)
    inv: tuple[int, ...] | None = None
    if perm is not None and perm != tuple(range(x.dim())):
        inv = _inverse(perm)
        arr = x.permute(perm).numpy()
        view = [(inv[a], p) for a, p in items]
    else:
        perm = None
        arr = x.numpy()
        view = list(items)
    route = known_route(arr, view, "auto")
    if route is None:
        return None
    values = _values(x, items)
    order = perm

    def fast(t: torch.Tensor) -> torch.Tensor | None:
        # (numpy's transpose of the tensor's view, and from_numpy of the result's view in
        # the logical order: the arrays and tensor _run makes, ~1.5 us faster than
        # permuting tensors)
        y = route(t.numpy() if order is None else t.numpy().transpose(order),
                  tensor_threads(threads, values))
        if y is None:
            return None
        if not y.flags.writeable or any(s < 0 for s in y.strides):
            y = np.array(y)  # (as _run)
        return torch.from_numpy(y if inv is None else y.transpose(inv))

    return fast


# Float dtypes whose gathers with gradients take GatherResample (numpy views them).
_GATHER_GRAD = frozenset((torch.float16, torch.float32, torch.float64))


def finish(x: torch.Tensor, plans: Sequence[tuple[int, AxisPlan]], dtype: Any = None, *,
           engine: str = "auto", threads: int | None = None) -> torch.Tensor:
    """:func:`run_tensor` with an output dtype, as ``pixelgrid.resize`` does for arrays.

    A float output dtype converts ``x`` first; an integer output dtype is
    computed in float64, rounded half to even and clipped once at the end.

    Examples
    --------
    >>> import torch, pixelgrid
    >>> p = pixelgrid.plan(2, 4, kernel="linear")
    >>> finish(torch.tensor([0.0, 1.0]), [(0, p)], "uint8").tolist()
    [0, 0, 1, 1]

    """
    out = x.dtype if dtype is None else tensor_dtype(dtype)
    if out == x.dtype:
        return run_tensor(x, plans, engine=engine, threads=threads)
    if out.is_floating_point:
        return run_tensor(x.to(out), plans, engine=engine, threads=threads)
    if out == torch.bool:
        raise TypeError(f"dtype={dtype!r} is not supported; expected an integer or float dtype")
    y = run_tensor(x.to(torch.float64), plans, engine=engine, threads=threads)
    info = torch.iinfo(out)
    return torch.round(y).clamp_(info.min, info.max).to(out)
