"""Dask arrays in, Dask arrays out: chunked resampling, bit-identical to the in-memory call.

Every output block reads exactly the input slab its plans need and computes it with
the engine the in-memory call uses.  A plan is a sparse matrix whose rows are output
samples (:class:`~pixelgrid.AxisPlan`); the rows ``o0:o1`` of one output block read
input indices ``index[o0:o1].min()`` to ``index[o0:o1].max()`` (boundary rules are
already folded into ``index``), so a block's sub-plan is those rows with their
indices re-based into the slab: the engine adds the same terms in the same order.

What else decides the arithmetic is fixed once, for the whole array, before any
block is cut:

* 8/16-bit data: the fixed-point weights (:func:`pixelgrid._arrays.own_fixed`, whose
  bits depend on every row) and the wide model's intermediate bits, recorded on the
  sub-plans as ``info["wide_fraction_bits"]`` (read by
  :func:`pixelgrid._engines.reference.wide_passes`, which both engines call).
* float32/float16 on the compiled engine: its pass order (chosen from the whole
  shape) is replayed pass by pass (a fused pair equals its two passes), and its
  kernels differ with ``c``, the product of the dimensions after the resampled axis:
  ``c <= 4`` picks interleaved-channel kernels whose tables depend on every row, so
  such an axis (and every later one) is computed whole in each block; ``c > 4``
  kernels give the same sums for any ``c > 4``, so a block whose ``c`` is 4 or less
  there is padded to 5 and cropped.
* Library models (``Arithmetic.ordered``: compat calls) run whole along each
  resampled axis and every axis after the first of them (a model's code path can
  follow the channel count); the leading axes (batch, frames) are chunked.

Float64 and int32/uint32 (float64) sums are element-wise in every engine.  The
module imports Dask only when a Dask array arrives (``pip install pixelgrid[dask]``).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import store
from ._arrays import (
    FIXED_POINT_DTYPES,
    GATHER_ONLY_DTYPES,
    WEIGHTED_DTYPES,
    _native_module,
    is_dask,
    own_fixed,
    resolve_engine,
    run_plans,
)
from ._plan_types import AxisPlan, FixedPoint

__all__ = ["apply_plans", "is_dask", "resize", "resize_labels"]


@dataclass(frozen=True, eq=False)
class _Pass:
    """One engine call of a block: plans applied together (``whole``: axes not cut)."""

    plans: tuple[tuple[int, AxisPlan], ...]
    pad: bool = False  # float32 compiled single pass: keep c > 4 (see the module docs)


@dataclass(frozen=True, eq=False)
class _Votes:
    """Per-axis vote table of ``resize_labels(method="mode")``: candidate index, votes."""

    index: NDArray[np.int64]
    votes: NDArray[np.int64]
    in_size: int


def _read_range(t: AxisPlan | _Votes, o0: int, o1: int) -> tuple[int, int]:
    """The input range ``[lo, hi)`` that rows ``o0:o1`` of a table read."""
    idx = t.index[o0:o1]
    if idx.size:
        return int(idx.min()), int(idx.max()) + 1
    return 0, 1  # no taps (every sample is the fill value): read one pixel


def _cut(t: Any, o0: int, o1: int, lo: int, hi: int) -> Any:
    """Rows ``o0:o1`` of a table, its indices re-based on the input range ``[lo, hi)``."""
    if o0 == 0 and o1 == t.index.shape[0] and (lo, hi) == (0, t.in_size):
        return t
    if isinstance(t, _Votes):
        return _Votes(t.index[o0:o1] - lo, t.votes[o0:o1], hi - lo)
    return _sub_plan(t, o0, o1, lo, hi)


def _same_as_before(t: Any, seen: dict[bytes, Any]) -> Any:
    """``t``, or an equal sub-plan cut before (the same object: one compiled table).

    The interior blocks of a regular resize (an integer factor, chunks a multiple of
    it) cut equal rows re-based on their slabs: sharing one object lets the compiled
    engine prepare its tables once (it caches them per plan object) and keeps the
    graph small (20000^2 x4: 80 sub-plans per axis pair -> a few).
    """
    if not isinstance(t, AxisPlan):
        return t
    import hashlib

    h = hashlib.blake2b(digest_size=20)
    for arr in (t.index, t.weight, t.fill, t.coord):
        a = np.ascontiguousarray(arr)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    fx = t.fixed
    if fx is not None:
        h.update(repr((fx.bits, fx.offset)).encode())
        for arr in (fx.weights, fx.fill):
            a = np.ascontiguousarray(arr)
            h.update(repr((a.dtype.str, a.shape)).encode())
            h.update(a.tobytes())
    h.update(repr((t.in_size, t.out_size, t.fill_value, t.arithmetic)).encode())
    for k in sorted(t.info):
        v = t.info[k]
        # arrays by their bytes (numpy's repr elides long ones)
        h.update(repr((k, v.dtype.str, v.shape)).encode() + np.ascontiguousarray(v).tobytes()
                 if isinstance(v, np.ndarray) else repr((k, v)).encode())
    return seen.setdefault(h.digest(), t)


def _sub_plan(p: AxisPlan, o0: int, o1: int, lo: int, hi: int) -> AxisPlan:
    """Rows ``o0:o1`` of ``p`` re-based on the input range ``[lo, hi)``."""
    idx = p.index[o0:o1]
    fixed = p.fixed
    if fixed is not None:
        fixed = FixedPoint(fixed.bits, fixed.weights[o0:o1], fixed.fill[o0:o1], fixed.offset)
    sub = replace(p, in_size=hi - lo, out_size=o1 - o0, index=idx - lo,
                  weight=p.weight[o0:o1], fill=p.fill[o0:o1], coord=p.coord[o0:o1] - lo,
                  fixed=fixed)
    if fixed is not None and sub.is_gather and not p.is_gather:
        # Rows whose weights are all exactly 1 (the whole plan has a 1 - 2**-53 somewhere)
        # would make a gather, which leaves the whole run's fixed-point model (a wide run
        # with one weighted pass less rounds differently): a zero tap keeps it weighted.
        zero = np.zeros_like(sub.weight)
        sub = replace(sub, index=np.concatenate([sub.index, sub.index], axis=1),
                      weight=np.concatenate([sub.weight, zero], axis=1),
                      fixed=FixedPoint(fixed.bits, np.concatenate(
                          [fixed.weights, np.zeros_like(fixed.weights)], axis=1),
                          fixed.fill, fixed.offset))
    return sub


def _choose_engine(dtype: np.dtype[Any], plans: list[tuple[int, AxisPlan]],
                   engine: str) -> str:
    """The engine :func:`~pixelgrid._arrays.run_plans` would use for the whole array."""
    engine = resolve_engine(engine)
    if engine == "compiled":
        engine = "native"
    if engine not in ("auto", "native", "reference"):
        return engine  # another engine (torch) on every block: run_plans decides
    if engine == "reference" or not plans:
        return "reference"
    native = _native_module()
    if native is not None and native.supports(dtype, [p for _, p in plans]):
        return "native"
    if engine == "native":
        raise ValueError(
            f"engine='native' cannot resample dtype {dtype} with these plans; "
            "use engine='auto' or 'reference'"
        )
    return "reference"


def _float32_passes(work: np.dtype[Any], plans: list[tuple[int, AxisPlan]],
                    shape: tuple[int, ...]) -> tuple[list[tuple[int, AxisPlan, bool]], set[int]]:
    """The compiled engine's float32 passes in its order, and the axes to keep whole.

    Returns ``(axis, plan, small_c)`` per pass; ``small_c`` marks passes whose ``c``
    (product of the later dimensions) is 4 or less for the whole array.
    """
    from ._engines import native

    steps = native._plan_steps(work, plans, shape)
    cur = list(shape)
    out: list[tuple[int, AxisPlan, bool]] = []
    whole: set[int] = set()
    for st in steps:
        if st.kind == "pair":
            ph, pw = st.plans
            w_first = native._float_order(st, tuple(cur), "f32")
            seq = [(st.axis + 1, pw), (st.axis, ph)] if w_first else [(st.axis, ph),
                                                                       (st.axis + 1, pw)]
        else:
            seq = [(st.axis, st.plans[0])]
        for a, p in seq:
            # a fused pair's outer (H) pass always runs the c > 4 kernels; its W pass and
            # single passes choose by their c
            outer = st.kind == "pair" and a == st.axis
            small = not p.is_gather and not outer and math.prod(cur[a + 1:]) <= 4
            if small:
                whole.update(range(a, len(shape)))
            out.append((a, p, small))
            cur[a] = p.out_size
    return out, whole


def _mark_wide(dtype: np.dtype[Any],
               plans: list[tuple[int, AxisPlan]]) -> list[tuple[int, AxisPlan]]:
    """Record the whole run's wide-model bits on its plans (``-1``: not a wide run)."""
    from ._engines.reference import is_wide, wide_passes

    weighted = [p for _, p in plans if not p.is_gather]
    if not weighted or np.dtype(dtype).kind not in "iu":
        return plans
    f = -1
    if is_wide(dtype, plans):
        roles = wide_passes(dtype, weighted)
        if roles is not None:
            fp = weighted[0].fixed
            assert fp is not None
            f = fp.bits - roles[0].shift
    return [(a, p if p.is_gather else replace(p, info={**p.info, "wide_fraction_bits": f}))
            for a, p in plans]


def _assemble(parts: list[NDArray[Any]], places: list[tuple[tuple[slice, ...],
                                                               tuple[slice, ...]]],
              shape: tuple[int, ...], dtype: np.dtype[Any]) -> NDArray[Any]:
    if len(parts) == 1 and parts[0].shape == shape:
        return np.asarray(parts[0])
    slab = np.empty(shape, dtype=dtype)
    for part, (src, dst) in zip(parts, places, strict=True):
        slab[dst] = np.asarray(part)[src]
    return slab


@dataclass(frozen=True, eq=False)
class _Block:
    """What one output block computes (kept out of the task tuple: Dask reads tuples)."""

    places: list[tuple[tuple[slice, ...], tuple[slice, ...]]]  # (in chunk, in slab)
    shape: tuple[int, ...]  # the slab's
    dtype: np.dtype[Any]
    passes: tuple[_Pass, ...]
    engine: str
    mode: str
    threads: int | None
    nan_policy: str
    order: tuple[int, ...]  # the plans' axes in the order the whole call gives them

    def run(self, slab: NDArray[Any]) -> NDArray[Any]:
        """The block's result from its input slab."""
        plans = [ap for ps in self.passes for ap in ps.plans]
        if self.nan_policy == "omit" and slab.dtype.kind == "f":
            from ._engines.nonfinite import omit

            return omit(slab, plans, lambda a, ps: _run(a, ps, self))  # type: ignore[no-any-return]
        return _run(slab, plans, self)


@dataclass(frozen=True, eq=False)
class _LabelsBlock:
    """One block of ``resize_labels(method="mode")``: nearest gathers and vote rows."""

    places: list[tuple[tuple[slice, ...], tuple[slice, ...]]]
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    near: tuple[tuple[int, AxisPlan], ...]
    votes: tuple[_Votes, ...]
    tie_break: str

    def run(self, slab: NDArray[Any]) -> NDArray[Any]:
        """The block's labels from its input slab (``pixelgrid.labels._mode``)."""
        from .labels import _gather, _mode

        axes = [a for a, _ in self.near]
        near = _gather(slab, list(self.near))
        moved = np.moveaxis(near, axes, list(range(len(axes))))
        outs = [p.out_size for _, p in self.near]
        out = _mode(slab, axes, [], outs, self.tie_break, moved,
                    per_axis=[(v.index, v.votes) for v in self.votes])
        return out.astype(slab.dtype, copy=False)


def _block(parts: list[NDArray[Any]], spec: _Block | _LabelsBlock) -> NDArray[Any]:
    """Compute one output block from the input chunks it overlaps."""
    out = spec.run(_assemble(list(parts), spec.places, spec.shape, spec.dtype))
    _trim()
    return out


def _block_read(source: Any, pieces: list[tuple[slice, ...]], get: Any, asarray: bool,
                lock: Any, spec: _Block | _LabelsBlock) -> NDArray[Any]:
    """Compute one output block from its slab, read from the input's store.

    One read per input chunk the slab overlaps (a store such as Zarr decodes whole
    chunks: one read across four chunks holds them all at once, 18 MB for a 1 MB slab
    of 1024^2 uint8 chunks, measured).
    """
    if len(pieces) == 1:
        slab = np.asarray(get(source, pieces[0], asarray, lock))
    else:
        slab = np.empty(spec.shape, dtype=spec.dtype)
        into = _zarr_into(source) if lock is None else None
        for piece, (_, dst) in zip(pieces, spec.places, strict=True):
            if into is None or not into(piece, slab[dst]):
                slab[dst] = np.asarray(get(source, piece, asarray, lock))
            _trim()  # the decoded chunk just freed (see _trim)
    out = spec.run(slab)
    del slab
    _trim()
    return out


def _zarr_into(source: Any) -> Any:
    """``into(piece, view) -> bool`` decoding a Zarr (v3) array's piece straight into ``view``.

    Saves the piece-sized copy a read returns (up to one chunk per read); None for
    other sources, False (read it the usual way) where Zarr declines.
    """
    if not type(source).__module__.startswith("zarr.") or not hasattr(
            source, "get_basic_selection"):
        return None
    try:
        from zarr.core.buffer.cpu import NDBuffer
    except ImportError:
        return None

    def into(piece: tuple[slice, ...], view: NDArray[Any]) -> bool:
        try:
            source.get_basic_selection(piece, out=NDBuffer.from_numpy_array(view))
        except (TypeError, ValueError, NotImplementedError):
            return False
        return True

    return into


_TRIM: list[Any] = []


def _trim() -> None:
    """Give the heap memory freed by a block back to the system (glibc ``malloc_trim``).

    A block frees megabyte buffers (decoded chunks, its slab, the engine's
    intermediates) in whichever thread ran it; glibc's allocator then raises its
    mmap threshold and serves later buffers of that size from per-thread arenas,
    which keep the freed pages: 20000^2 uint8 x4 lanczos3 with 2 threads held
    about 22 MB of freed memory at its peak (VmHWM 48 MB, 27 MB with one arena),
    measured.  ``malloc_trim(0)`` returns the free pages of every arena; a no-op
    where it does not exist (not glibc).
    """
    if not _TRIM:
        fn = None
        if sys.platform.startswith("linux"):
            import ctypes
            import ctypes.util

            try:
                fn = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
                fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
            except (OSError, AttributeError):
                fn = None
        _TRIM.append(fn)
    if _TRIM[0] is not None:
        _TRIM[0](0)


def _slab_reader(x: Any) -> tuple[Any, Any, bool, Any] | None:
    """``(array ref, getter, asarray, lock)`` when ``x``'s chunks are plain reads of one array.

    That is ``da.from_zarr`` / ``da.from_array`` (with any chunks); None for any other
    graph.  A block then reads its slab with one call instead of holding every chunk
    it overlaps: each input chunk is shared by up to ``3**ndim`` blocks through the
    kernels' halo, and Dask would keep rows of chunks alive until all had run.
    """
    from dask._task_spec import DataNode, Task, TaskRef
    from dask.array.core import getter, getter_inline, getter_nofancy

    layer = x.dask.layers.get(x.name)
    if layer is None or len(x.dask.layers) > 2:
        return None
    try:
        t = layer[(x.name, *(0,) * x.ndim)]
    except (KeyError, TypeError):
        return None
    if not isinstance(t, Task) or t.func not in (getter, getter_inline, getter_nofancy):
        return None
    args = list(t.args)
    if len(args) == 2:
        args += [t.func is not getter_inline, None]
    if len(args) != 4 or not isinstance(args[0], TaskRef) or not isinstance(args[1], DataNode):
        return None
    index = args[1].value
    if not (isinstance(index, tuple) and len(index) == x.ndim
            and all(isinstance(s, slice) and s.step in (None, 1) and s.start in (0, None)
                    for s in index)):
        return None
    _, _, asarray, lock = args
    asarray = asarray.value if isinstance(asarray, DataNode) else asarray
    lock = lock.value if isinstance(lock, DataNode) else lock
    return args[0], t.func, bool(asarray), lock


def _run(slab: NDArray[Any], plans: Any, spec: _Block) -> NDArray[Any]:
    """Apply a block's plans (or plans derived from them, same axes) as the whole run does."""
    if spec.mode != "float32":
        return run_plans(slab, list(plans), engine=spec.engine, threads=spec.threads)
    y = _passes(slab, plans, spec)
    try:
        from ._engines import nonfinite
    except ImportError:  # pragma: no cover - older trees without the non-finite rules
        return y
    if not nonfinite.needs_check(slab, plans):
        return y
    # run_plans's non-finite repair, with the runner it uses: the compiled engine's
    # float32 passes (replayed here) or, on the float64 arrays it derives, its own call
    from . import _arrays

    raw = getattr(_arrays, "_run_engine", run_plans)
    rank = {a: i for i, a in enumerate(spec.order)}
    given = sorted(plans, key=lambda ap: rank[ap[0]])

    def runner(a: NDArray[Any], ps: Any) -> NDArray[Any]:
        if a.dtype in (np.float32, np.float16):
            return _passes(a, ps, spec)
        return raw(a, ps, engine=spec.engine, threads=spec.threads)

    with np.errstate(invalid="ignore", over="ignore"):
        return nonfinite.finish(slab, given, y, runner, spec.threads)


def _passes(slab: NDArray[Any], plans: Any, spec: _Block) -> NDArray[Any]:
    """The compiled engine's float32 passes, in the whole call's order (module docs)."""
    threads = spec.threads
    from ._engines import native

    by_axis = dict(plans)
    work = slab.astype(np.float32) if slab.dtype == np.float16 else slab
    for ps in spec.passes:
        ((a, _),) = ps.plans
        p = by_axis[a]
        if p.is_identity:
            continue
        if ps.pad and not p.is_gather and a < work.ndim - 1 and math.prod(work.shape[a + 1:]) <= 4:
            n = work.shape[-1]
            pad = [(0, 0)] * (work.ndim - 1) + [(0, 5)]
            work = native.apply_plans(np.pad(work, pad), [(a, p)], threads=threads)[..., :n]
        else:
            work = native.apply_plans(work, [(a, p)], threads=threads)
    return np.ascontiguousarray(work.astype(slab.dtype, copy=False))


def _auto_chunks(x: Any, out_shape: tuple[int, ...], dtype: np.dtype[Any],
                 planned: dict[int, AxisPlan], whole: set[int],
                 span: int = 1) -> tuple[tuple[int, ...], ...]:
    """Default output chunks: each block reads about ``span`` input chunks per axis.

    Unplanned axes keep the input's chunks; a resampled axis gets ``span`` times the
    input's chunk length times the scale (so a block's slab is about ``span`` input
    chunks, whatever the scale); blocks larger than Dask's ``array.chunk-size`` are
    halved on their longest resampled axis.  Axes the engine needs whole (``whole``)
    are one chunk.  Blocks that read their slab from the store take ``span=2``: a
    slab also decodes the chunks its halo touches (3 x 3 chunks per 2 x 2 of slab
    instead of 2 x 2 per chunk).
    """
    import dask
    from dask.utils import parse_bytes

    limit = parse_bytes(dask.config.get("array.chunk-size"))
    target: dict[int, int] = {}
    for a, p in planned.items():
        if a not in whole:
            target[a] = max(1, round(span * max(x.chunks[a]) * p.out_size / p.in_size))
    def nbytes() -> int:
        n = dtype.itemsize
        for a, size in enumerate(out_shape):
            n *= size if a in whole else target.get(a, max(x.chunks[a]))
        return n
    while target and nbytes() > limit and max(target.values()) > 1:
        a = max(target, key=lambda k: target[k])
        target[a] = (target[a] + 1) // 2
    out: list[tuple[int, ...]] = []
    for a, size in enumerate(out_shape):
        if a in whole:
            out.append((size,))
        elif a in target:
            t = min(target[a], size)
            out.append((t,) * (size // t) + ((size % t,) if size % t else ()))
        else:
            out.append(tuple(x.chunks[a]))
    return tuple(out)


def check_dask_input(x: Any, gather: bool, verb: str) -> None:
    """Refuse a Dask array whose dtype, shape or chunks no block could compute.

    ``gather``: the call only copies samples (nearest), so every dtype without Python
    objects is fine; otherwise only the weighted dtypes.  ``verb`` names the call in the
    error ("resized", "sampled").
    """
    dtype = np.dtype(x.dtype)
    if dtype.name not in WEIGHTED_DTYPES + GATHER_ONLY_DTYPES:
        raise TypeError(
            f"x has dtype {dtype}, which is not supported; expected one of "
            f"{sorted(WEIGHTED_DTYPES + GATHER_ONLY_DTYPES)}"
        )
    if x.ndim == 0 or any(n == 0 for n in x.shape):
        raise ValueError(f"x has shape {x.shape}; every axis must be >= 1")
    if any(math.isnan(n) for n in x.shape):
        raise ValueError("x has unknown chunk sizes; call x.compute_chunk_sizes() first")
    if dtype.name in GATHER_ONLY_DTYPES and not gather:
        raise TypeError(
            f"dtype {dtype} can only be {verb} with kernel='nearest' "
            f"(weights would change its values); cast it to a float dtype first"
        )


def apply_plans(x: Any, plans: list[tuple[int, AxisPlan]], *, engine: str = "auto",
                threads: int | None = 1, chunks: Any = None,
                nan_policy: str = "propagate") -> Any:
    """Apply ``(axis, plan)`` pairs to a Dask array lazily, block by block.

    Parameters
    ----------
    x : dask.array.Array
        Input of a dtype :func:`pixelgrid.resize` accepts.
    plans : list of (int, AxisPlan)
        As for :func:`pixelgrid._arrays.run_plans`.
    engine : {"auto", "reference", "native"}
        As for :func:`pixelgrid.resize`; chosen once for the whole array.
    threads : int or None
        Compiled-engine threads per block (default 1: Dask runs blocks in parallel).
    chunks : optional
        Output chunks (anything :func:`dask.array.core.normalize_chunks` takes);
        default: the input's chunks on axes not resampled, Dask's default block
        size on resampled ones.
    nan_policy : {"propagate", "omit"}
        As for :func:`pixelgrid.resize`.

    Returns
    -------
    dask.array.Array
        Equal, bit for bit, to the in-memory call on ``x.compute()``.
    """
    from dask.array.core import normalize_chunks
    from dask.base import tokenize

    dtype = np.dtype(x.dtype)
    name = dtype.name
    check_dask_input(x, all(p.is_gather for _, p in plans), "resized")
    plans = list(plans)
    mode = "one"
    whole: set[int] = set()
    if any(p.arithmetic.ordered for _, p in plans):
        # a library's own summation order (model engines): resampled axes are not cut, nor
        # the axes after the first of them (a model's code path can follow the channel
        # count: OpenCV's IPP cubic orders for 1, 3 or 4 channels); leading axes are
        mode = "ordered"
        whole = set(range(min(a for a, _ in plans), x.ndim)) if plans else set()
        engine = "auto"
    else:
        if name in FIXED_POINT_DTYPES:
            plans = _mark_wide(dtype, own_fixed(plans, dtype))
        plans = [(a, p) for a, p in plans if not p.is_identity]
        engine = _choose_engine(dtype, plans, engine)
    f32_passes: list[tuple[int, AxisPlan, bool]] = []
    if (mode == "one" and engine == "native" and name in ("float32", "float16")
            and not all(p.is_gather for _, p in plans)):
        mode = "float32"
        f32_passes, whole = _float32_passes(np.dtype(np.float32), plans, tuple(x.shape))

    planned = dict(plans)
    out_shape = tuple(planned[a].out_size if a in planned else int(n)
                      for a, n in enumerate(x.shape))
    asked = None if chunks is None else normalize_chunks(chunks, out_shape, dtype=dtype)  # type: ignore[no-untyped-call]
    if asked is not None:
        # unplanned axes: read the input in the chunks asked for (one input chunk per block)
        x = x.rechunk(tuple(asked[a] if a not in planned and a not in whole else x.chunks[a]
                            for a in range(x.ndim)))
        out_chunks = tuple(((n,) if a in whole else asked[a]) for a, n in enumerate(out_shape))
    else:
        span = 2 if _slab_reader(x) is not None else 1
        out_chunks = _auto_chunks(x, out_shape, dtype, planned, whole, span)

    if mode == "float32":
        order = [a for a, _, _ in f32_passes]
        pads = {a: not small for a, _, small in f32_passes}
    else:
        order = [a for a, _ in plans]

    def payload(subs: dict[int, list[Any]], places: Any, shape: tuple[int, ...]) -> Any:
        if mode == "float32":
            passes = tuple(_Pass(((a, subs[a][0]),), pad=pads[a]) for a in order)
        else:
            passes = (_Pass(tuple((a, subs[a][0]) for a in order)),)
        return _Block(places, shape, dtype, passes, engine, mode, threads, nan_policy,
                      tuple(a for a, _ in plans))

    tables = {a: [p] for a, p in plans}
    token = tokenize(x, [(a, _plan_token(p)) for a, p in plans], engine, threads, out_chunks,
                     mode, nan_policy)
    y = _graph(x, f"pixelgrid-resize-{token}", out_chunks, dtype, tables, whole, payload)
    if asked is not None and y.chunks != tuple(asked):
        y = y.rechunk(asked)
    return y


def _plan_token(p: AxisPlan) -> Any:
    """What identifies a plan's arithmetic for Dask's keys."""
    from dask.base import tokenize

    fx = p.fixed
    return tokenize(p.in_size, p.out_size, p.index, p.weight, p.fill, p.fill_value,
                    None if fx is None else (fx.bits, fx.weights, fx.fill, fx.offset),
                    repr(p.arithmetic), p.info.get("wide_fraction_bits"))


def _slab_task(x: Any, reader: Any, in_bounds: list[NDArray[Any]], key: Any,
               ranges: list[tuple[int, int]], make_spec: Any) -> Any:
    """The task of output block ``key``: ``make_spec(places, shape).run`` on its input slab.

    ``ranges`` is the slab, one ``[lo, hi)`` per input axis; the slab is read from the
    store (``reader``: :func:`_slab_reader`) or assembled from the input chunks it
    overlaps.
    """
    import itertools

    from dask._task_spec import List, Task, TaskRef

    shape = tuple(hi - lo for lo, hi in ranges)
    keys, places = [], []
    per_dim = []
    for a, (lo, hi) in enumerate(ranges):
        b = in_bounds[a]
        k0 = int(np.searchsorted(b, lo, side="right")) - 1
        k1 = int(np.searchsorted(b, hi, side="left"))
        per_dim.append([(k, max(lo, int(b[k])), min(hi, int(b[k + 1])))
                        for k in range(k0, k1)])
    for combo in itertools.product(*per_dim):
        keys.append((x.name, *(k for k, _, _ in combo)))
        src = tuple(slice(s - int(in_bounds[a][k]), e - int(in_bounds[a][k]))
                    for a, (k, s, e) in enumerate(combo))
        dst = tuple(slice(s - ranges[a][0], e - ranges[a][0])
                    for a, (_, s, e) in enumerate(combo))
        places.append((src, dst))
    spec = make_spec(places, shape)
    if reader is not None:  # read the slab from the store, one chunk's piece at a time
        source, get, asarray, lock = reader
        pieces = [tuple(slice(s.start + int(in_bounds[a][k]), s.stop + int(in_bounds[a][k]))
                        for a, (s, k) in enumerate(zip(src, key_[1:], strict=True)))
                  for (src, _), key_ in zip(places, keys, strict=True)]
        return Task(key, _block_read, source, pieces, get, asarray, lock, spec)
    return Task(key, _block, List(*(TaskRef(k) for k in keys)), spec)


def _graph(x: Any, name: str, out_chunks: tuple[tuple[int, ...], ...], dtype: np.dtype[Any],
           tables: dict[int, list[Any]], whole: set[int], payload: Any) -> Any:
    """The Dask array whose block ``bi`` is ``_block(input chunks, payload(...))``.

    ``tables[a]`` holds the row tables of a resampled axis (plans or votes): an output
    block's rows of every table, re-based on the union of the input ranges they read.
    Axes in ``whole`` read the whole input axis; other axes read the block's own range.
    """
    import itertools

    import dask.array as da
    from dask.highlevelgraph import HighLevelGraph

    reader = _slab_reader(x)
    in_bounds = [np.concatenate([[0], np.cumsum(c)]).astype(int) for c in x.chunks]
    starts = [np.concatenate([[0], np.cumsum(c)]).astype(int) for c in out_chunks]
    grid = [range(len(c)) for c in out_chunks]
    seen: dict[bytes, Any] = {}
    # per axis and output chunk: the input range and the tables' rows re-based on it
    per_axis: list[list[tuple[int, int, list[Any]]]] = []
    for a in range(x.ndim):
        rows: list[tuple[int, int, list[Any]]] = []
        for j in grid[a]:
            o0, o1 = int(starts[a][j]), int(starts[a][j + 1])
            if a not in tables:
                rows.append((o0, o1, []))
                continue
            if a in whole:
                lo, hi = 0, int(x.shape[a])
            else:
                rng = [_read_range(t, o0, o1) for t in tables[a]]
                lo, hi = min(r[0] for r in rng), max(r[1] for r in rng)
            rows.append((lo, hi, [_same_as_before(_cut(t, o0, o1, lo, hi), seen)
                                  for t in tables[a]]))
        per_axis.append(rows)

    dsk: dict[Any, Any] = {}
    for bi in itertools.product(*grid):
        ranges = [per_axis[a][j][:2] for a, j in enumerate(bi)]
        subs = {a: per_axis[a][j][2] for a, j in enumerate(bi) if a in tables}
        key = (name, *bi)
        dsk[key] = _slab_task(x, reader, in_bounds, key, ranges,
                              lambda places, shape, subs=subs: payload(subs, places, shape))
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=[x])
    return da.Array(graph, name, chunks=out_chunks, dtype=dtype)  # type: ignore[no-untyped-call]


def _finish(x: Any, plans: list[tuple[int, AxisPlan]], dtype: Any, engine: str,
            threads: int | None, chunks: Any, nan_policy: str) -> Any:
    """:func:`pixelgrid._resize._finish` for Dask arrays (same dtype rules)."""
    try:
        out_dtype = np.dtype(x.dtype) if dtype is None else np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype={dtype!r} is not a dtype; expected e.g. 'float32' or "
                        "np.uint8") from None
    kw = {"engine": engine, "threads": threads, "chunks": chunks, "nan_policy": nan_policy}
    if out_dtype == x.dtype:
        return apply_plans(x, plans, **kw)
    if np.issubdtype(out_dtype, np.floating):
        return apply_plans(x.astype(out_dtype), plans, **kw)
    if np.issubdtype(out_dtype, np.integer):
        y = apply_plans(x.astype(np.float64), plans, **kw)
        return y.map_blocks(store, out_dtype, "half_even", dtype=out_dtype)
    raise TypeError(f"dtype={dtype!r} is not supported; expected an integer or float dtype")


def resize(x: Any, size: Any = None, *, dtype: Any = None, engine: str = "auto",
           threads: int | None = None, chunks: Any = None, nan_policy: str = "propagate",
           **options: Any) -> Any:
    """:func:`pixelgrid.resize` of a Dask array: a lazy Dask array, same values.

    ``threads`` defaults to 1 per block here (Dask runs blocks in parallel).
    """
    from ._resize import make_plans

    plans = make_plans(tuple(int(n) for n in x.shape), size, **options)
    return _finish(x, plans, dtype, engine, 1 if threads is None else threads, chunks,
                   nan_policy)


def resize_labels(labels: Any, *, method: str, plans: list[tuple[int, AxisPlan]],
                  tie_break: str, chunks: Any = None) -> Any:
    """:func:`pixelgrid.resize_labels` of a Dask array (``plans``: its nearest plans).

    ``"nearest"`` gathers (any dtype keeps its labels); ``"mode"`` votes with each
    block's rows of the whole axes' vote tables (so exact and rounded votes are the
    in-memory call's), on the slab both tables read.
    """
    from dask.array.core import normalize_chunks
    from dask.base import tokenize

    from .labels import _axis_votes

    dtype = np.dtype(labels.dtype)
    if dtype.hasobject or dtype.kind not in "biuf":
        raise TypeError(f"labels has dtype {dtype}; expected a bool, integer or float dtype")
    if labels.ndim == 0 or any(n == 0 for n in labels.shape):
        raise ValueError(f"labels has shape {labels.shape}; every axis must be >= 1")
    engine = "reference" if dtype.kind == "f" else "auto"  # as labels._gather: NaN, -0.0 kept
    if method == "nearest":
        return apply_plans(labels, plans, engine=engine, chunks=chunks)
    out_shape = list(labels.shape)
    for a, p in plans:
        out_shape[a] = p.out_size
    if chunks is None:
        out_chunks = _auto_chunks(labels, tuple(out_shape), dtype, dict(plans), set())
    else:
        out_chunks = normalize_chunks(chunks, tuple(out_shape), dtype=dtype)  # type: ignore[no-untyped-call]
        labels = labels.rechunk(tuple(out_chunks[a] if a not in dict(plans) else c
                                      for a, c in enumerate(labels.chunks)))
    tables: dict[int, list[Any]] = {}
    for a, p in plans:
        index, votes = _axis_votes(p.info["affine"], p.in_size, p.out_size)
        tables[a] = [p, _Votes(index, votes, p.in_size)]

    def payload(subs: dict[int, list[Any]], places: Any, shape: tuple[int, ...]) -> Any:
        return _LabelsBlock(places, shape, dtype, tuple((a, subs[a][0]) for a, _ in plans),
                            tuple(subs[a][1] for a, _ in plans), tie_break)

    token = tokenize(labels, [(a, _plan_token(p)) for a, p in plans], tie_break, out_chunks)
    return _graph(labels, f"pixelgrid-labels-{token}", tuple(out_chunks), dtype, tables, set(),
                  payload)
