"""Array plumbing: accepted dtypes, torch <-> numpy, engine choice.

:func:`run_plans` is the one entry from plan data to an engine for numpy arrays
(:func:`apply_plans` also takes torch tensors): every arithmetic model is
reached through it from the plans' :class:`~pixelgrid.Arithmetic` records.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import numpy as np
from numpy.typing import NDArray

from ._memo import plans_key, remember, same_plans
from ._plan import declared_fixed_point, default_bits, fixed_point
from ._plan_types import AxisPlan, out_shape
from ._validate import as_array, check_choice

__all__ = ["ENGINES", "KeptPlans", "apply_plans", "check_array", "check_input", "engine_from_env",
           "is_dask", "is_torch", "known_route", "own_fixed", "plans_dtype", "run_plans",
           "threads_now"]

#: Names ``engine=`` accepts: "compiled" is "native" (the C++ engine); "torch" the torch
#: engine (tensors on any device; numpy arrays are wrapped with ``torch.from_numpy``).
ENGINES = ("auto", "reference", "native", "compiled", "torch")

#: dtypes that any plan can resample.
WEIGHTED_DTYPES = ("uint8", "int8", "uint16", "int16", "int32", "uint32",
                   "float16", "float32", "float64")
#: dtypes that only nearest-neighbour (gather) plans can resample.
GATHER_ONLY_DTYPES = ("bool", "int64", "uint64")
FIXED_POINT_DTYPES = ("uint8", "int8", "uint16", "int16")
_ANY_DTYPE = frozenset(WEIGHTED_DTYPES + GATHER_ONLY_DTYPES)  # (made once, not per call)


# dtype -> dtype.name (numpy builds the name string on every access, ~2.5 us).
_DTYPE_NAMES: dict[np.dtype[Any], str] = {}


def _dtype_name(dt: np.dtype[Any]) -> str:
    name = _DTYPE_NAMES.get(dt)
    if name is None:
        name = dt.name
        if len(_DTYPE_NAMES) < 256:
            _DTYPE_NAMES[dt] = name
    return name


# The environment variables read on every call, read from os.environ's own table of
# encoded names (every change made through os.environ updates it): os.environ.get encodes
# the name and decodes the value each time, ~0.8 us, three times in a small resize.
_ENVIRON = os.environ
_ENV_TABLE: Any = getattr(os.environ, "_data", None)
_ENCODE: Any = getattr(os.environ, "encodekey", None)


def _env_key(name: str) -> Any:
    try:
        return None if _ENV_TABLE is None or _ENCODE is None else _ENCODE(name)
    except Exception:  # pragma: no cover - an unusual os.environ
        return None


_ENGINE_VAR = _env_key("PIXELGRID_ENGINE")
_THREADS_VAR = _env_key("PIXELGRID_NUM_THREADS")


def _env_raw(name: str, key: Any) -> Any:
    """Environment variable ``name``: None when unset, else its value (encoded or not).

    Only for telling values apart (a cache key) and unset from set; read the value with
    ``os.environ.get``.
    """
    if key is None or os.environ is not _ENVIRON:  # (os.environ replaced: read it)
        return os.environ.get(name)
    return _ENV_TABLE.get(key)


def engine_env() -> Any:
    """``PIXELGRID_ENGINE`` as a memo key: None when unset, else its value (encoded or not).

    Equal for equal values (the variable's engine choice is read from the same value).

    Examples
    --------
    >>> import os
    >>> (engine_env() is None) == (os.environ.get("PIXELGRID_ENGINE") is None)
    True
    """
    if _ENGINE_VAR is not None and os.environ is _ENVIRON:  # (_env_raw, inline)
        return _ENV_TABLE.get(_ENGINE_VAR)
    return os.environ.get("PIXELGRID_ENGINE")


def engine_from_env() -> bool:
    """Whether ``engine="auto"`` takes its engine from ``PIXELGRID_ENGINE`` (set, not blank).

    Examples
    --------
    >>> import os
    >>> engine_from_env() == bool(os.environ.get("PIXELGRID_ENGINE", "").strip())
    True
    """
    if _ENGINE_VAR is not None and os.environ is _ENVIRON:  # (_env_raw, inline)
        raw = _ENV_TABLE.get(_ENGINE_VAR)
    else:
        raw = os.environ.get("PIXELGRID_ENGINE")
    return raw is not None and bool(raw.strip())


# PIXELGRID_NUM_THREADS values (raw) already resolved by the compiled engine's rule
_THREADS_BY_ENV: dict[Any, int] = {}


def threads_now(threads: int | None) -> int:
    """The compiled engine's thread count for ``threads`` (``native._resolve_threads``).

    Same value and errors; ``None`` reads ``PIXELGRID_NUM_THREADS`` on every call, but
    parses and checks each value once (an invalid one raises every call).  Only while
    the compiled engine is available.
    """
    native = _NATIVE[0]
    if threads is None:
        if _THREADS_VAR is not None and os.environ is _ENVIRON:  # (_env_raw, inline)
            raw = _ENV_TABLE.get(_THREADS_VAR)
        else:
            raw = os.environ.get("PIXELGRID_NUM_THREADS")
        n = _THREADS_BY_ENV.get(raw)
        if n is None:
            n = native._resolve_threads(None)
            if len(_THREADS_BY_ENV) < 64 and _env_raw("PIXELGRID_NUM_THREADS",
                                                      _THREADS_VAR) == raw:
                _THREADS_BY_ENV[raw] = n
        return n
    if type(threads) is int and 1 <= threads <= native.MAX_THREADS:
        return threads
    return native._resolve_threads(threads)  # type: ignore[no-any-return]


def threads_now_auto() -> int:
    """``threads_now(None)``: the thread count of a call that does not choose one."""
    if not _NATIVE:
        _native_module()
    return threads_now(None)


def all_finite(a: NDArray[Any], threads: int | None = None, below: float = math.inf) -> bool:
    """Whether every value of float array ``a`` is finite (no NaN, no inf) [and ``|v| < below``].

    One threaded compiled pass over a C-contiguous float32/float64 array where the
    compiled engine is built (``all_below(a, below)``, which tests ``|v| < below``, the
    largest float for ``below=inf``: a value of exactly the largest float, or a
    non-finite one, sends the call to ``np.isfinite(a).all()``, which decides), else
    numpy; integer arrays are finite (``below`` applies to float arrays only).
    ``threads``: resolved already (``threads_now``), else read here.

    >>> import numpy as np
    >>> big = np.finfo(np.float32).max
    >>> all_finite(np.array([0.0, -big], np.float32)), all_finite(np.array([1.0, np.nan]))
    (True, False)
    >>> all_finite(np.array([1.0, -2.5]), below=2.5)
    False
    """
    if a.dtype.kind not in "fc":
        return True
    native = _NATIVE[0] if _NATIVE else _native_module()
    if (native is not None and a.dtype in (np.float32, np.float64)
            and a.flags.c_contiguous and a.size
            and native._ext.all_below(a.reshape(-1), below,
                                      threads_now(None) if threads is None else threads)):
        return True
    if below != math.inf:
        return bool((np.abs(a) < below).all())
    return bool(np.isfinite(a).all())


def is_torch(x: Any) -> bool:
    """True if ``x`` is a torch tensor (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def tensor_values(t: Any, name: str, where: str, *, float64: bool = False) -> NDArray[Any]:
    """The values of torch tensor ``t`` as a CPU numpy array, for a call without gradients.

    The point samplers (``warp_affine``, ``sample``, ``resample_region``, ``roi_align``,
    ``compat.torch.grid_sample`` / ``affine_grid``) run the compiled engine on the
    tensor's values and compute no gradients.  A tensor that requires grad while
    autograd records would come back without a ``grad_fn``: a silent wrong answer in
    training, so it is refused with a ValueError naming ``name`` and ``where``.
    ``float64=True`` converts in torch first (coordinates of any dtype, bfloat16 too).

    >>> import torch
    >>> tensor_values(torch.ones(2, requires_grad=True), "x", "f")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: x requires grad, but f computes no gradients ...
    >>> with torch.no_grad():
    ...     tensor_values(torch.ones(2, requires_grad=True), "x", "f").tolist()
    [1.0, 1.0]
    """
    if not t.requires_grad and t.is_cpu and not float64:
        return t.numpy()  # type: ignore[no-any-return]  # (detach().cpu() is t itself)
    if t.requires_grad and sys.modules["torch"].is_grad_enabled():
        raise ValueError(
            f"{name} requires grad, but {where} computes no gradients (it samples a "
            f"detached copy of the values): pass {name}.detach(), call it under "
            "torch.no_grad(), or use torch's differentiable op where you train")
    t = t.detach().cpu()
    return (t.double() if float64 else t).numpy()  # type: ignore[no-any-return]


def check_array(x: Any, name: str = "x") -> NDArray[Any]:
    """Return ``x`` as a numpy array of a supported dtype, or raise a clear error."""
    if isinstance(x, (list, tuple, np.generic)):
        x = as_array(name, x)  # ragged lists: an error naming ``name``, not numpy's
    if not isinstance(x, np.ndarray) and not is_dask(x):
        raise TypeError(
            f"{name} must be a numpy array or torch tensor, got {type(x).__name__}"
        )
    if _dtype_name(x.dtype) not in _ANY_DTYPE:
        raise TypeError(
            f"{name} has dtype {x.dtype}, which is not supported; expected one of "
            f"{sorted(WEIGHTED_DTYPES + GATHER_ONLY_DTYPES)}"
        )
    if x.ndim == 0:
        raise ValueError(f"{name} is 0-dimensional; expected at least 1 dimension")
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); every axis must be >= 1")
    if not isinstance(x, np.ndarray) and any(n != n for n in x.shape):  # Dask: NaN sizes
        raise ValueError(f"{name} has unknown chunk sizes; call "
                         f"{name}.compute_chunk_sizes() first")
    return x  # type: ignore[no-any-return]  # (or a Dask array)


def is_dask(x: Any) -> bool:
    """True if ``x`` is a Dask array (without importing Dask).

    :func:`check_array` passes one on and :func:`run_plans` runs its plans lazily
    (:mod:`pixelgrid._dask`), so every compat call takes Dask arrays.
    """
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(x, da.Array)


_NATIVE: list[Any] = []  # the imported engine module, once (an import statement per call is slow)


def _native_module() -> Any:
    if not _NATIVE:
        try:
            from ._engines import native
        except ImportError:  # pragma: no cover - the compiled engine is part of the build
            return None
        _NATIVE.append(native)
    return _NATIVE[0] if _NATIVE[0].available() else None


@functools.cache
def _engine_modules() -> Any:
    """The engine modules run_plans calls on every call (an import statement costs ~0.3 us)."""
    import types

    from ._engines import native_models, nonfinite

    return types.SimpleNamespace(native_models=native_models, nonfinite=nonfinite)


def own_fixed(plans: Sequence[tuple[int, AxisPlan]],
              dtype: np.dtype[Any]) -> list[tuple[int, AxisPlan]]:
    """The fixed-point weights of 8/16-bit data: a declared rule, or pixelgrid's own model.

    Plans that already carry fixed-point weights (a library's) are kept; plans
    whose ``arithmetic.fixed_point`` names a library rule get it
    (:func:`~pixelgrid._plan.declared_fixed_point`, per axis).  The rest get
    pixelgrid's own model: fixed point, one rounding at the end.  With
    two or more weighted plans without them, each gets ``intermediate="wide"``
    (see :mod:`pixelgrid._engines.reference`), innermost axis first.  The first
    plan reads ``dtype`` and gets :func:`~pixelgrid._plan.default_bits` for it (at
    least 16 bits for 8-bit data, up to 22 in split weights), later plans read the
    wide intermediate (int16 for 8-bit data, int32 for 16-bit) and get the bits
    for that.  A single weighted plan rounds once anyway (per-axis model).
    """
    # recent results by the plans' identities (the entry holds the plans, so their ids
    # stay unique): a repeated 8-bit call skips ~30 us of bit choices
    key = (tuple((ax, id(p)) for ax, p in plans), np.dtype(dtype).str)
    hit = _OWN_FIXED.get(key)
    if hit is not None and same_plans(hit[0], plans):
        return list(hit[1])
    out = _own_fixed(plans, dtype)
    remember(_OWN_FIXED, key, (tuple(p for _, p in plans), tuple(out)), 64)
    return out


_OWN_FIXED: dict[Any, tuple[tuple[AxisPlan, ...], tuple[tuple[int, AxisPlan], ...]]] = {}


def _own_fixed(plans: Sequence[tuple[int, AxisPlan]],
               dtype: np.dtype[Any]) -> list[tuple[int, AxisPlan]]:
    plans = [(ax, declared_fixed_point(p) if p.fixed is None and not p.is_gather
              and p.arithmetic.fixed_point != "own" else p) for ax, p in plans]
    todo = [p for _, p in plans if not p.is_gather and p.fixed is None]
    if len(todo) < 2 or any(p.fixed is not None for _, p in plans if not p.is_gather):
        return [(ax, p if p.is_gather or p.fixed is not None
                 else fixed_point(p, default_bits(p, dtype))) for ax, p in plans]
    from ._engines.reference import wide_dtype

    mid = wide_dtype(dtype)
    # The model applies the passes in the order given; pixelgrid's own order is the
    # innermost axis first (W before H): the compiled engine's horizontal pass then reads
    # 8-bit rows and its vertical pass int16 rows, its fastest kernels (measured, 1
    # thread, 2048x2048x3 -> 512x512 antialiased cubic: W first 6.4 ms, H first 11.2 ms;
    # 2x bilinear: 1.7 and 19 ms).  Gathers commute with the weighted passes: they keep
    # their places.
    slots = [i for i, (_, p) in enumerate(plans) if not p.is_gather]
    order = sorted(slots, key=lambda i: -plans[i][0])
    plans = [plans[order[slots.index(i)]] if i in slots else plans[i]
             for i in range(len(plans))]
    out = []
    first = True
    for ax, p in plans:
        if not p.is_gather:
            if first:  # (the plans of a square image are one object: no identity test)
                first = False
                bits = default_bits(p, dtype)
                if bits < 16 and dtype.itemsize == 1:
                    # measured: 14-15 bits leave up to 0.02 level of weight error, twice
                    # the budget; 22-bit weights cost a second multiply-add (split)
                    bits = default_bits(p, dtype, int16_weights=False)
            else:  # 15 bits for 8-bit data (weights above 1: engines split them)
                bits = default_bits(p, dtype, reads=mid, int16_weights=False)
            p = fixed_point(p, bits, intermediate="wide")
        out.append((ax, p))
    return out


def run_plans(
    x: NDArray[Any],
    plans: Sequence[tuple[int, AxisPlan]],
    *,
    engine: str = "auto",
    threads: int | None = None,
) -> NDArray[Any]:
    """Apply plans with the chosen engine (:func:`_run_engine`), NaN/inf as the plans declare.

    A float result with non-finite values is made to follow the plans'
    ``Arithmetic.zero_taps`` rule and float64 sums (``_engines/nonfinite.py``):
    the engines read every tap a plan holds, and the compiled one sums float32
    in float32.  Finite results are returned as the engine gives them.
    """
    key = _route_key(x, plans, engine)
    if key is not None:
        # (the entry holds the plans: while it lives their ids are theirs alone)
        hit = _ROUTES.get(key)
        if hit is not None:
            y = hit[1](x, threads)
            if y is not None:
                return y
    nonfinite = _engine_modules().nonfinite
    if is_dask(x):
        # compat calls on Dask arrays: lazy, block by block, bit-identical (pixelgrid._dask;
        # a library's ordered model runs whole along each resampled axis)
        from . import _dask

        return _dask.apply_plans(  # type: ignore[no-any-return]
            x, [(ax % x.ndim, p) for ax, p in plans], engine=engine,
            threads=1 if threads is None else threads)
    if not nonfinite.needs_check(x, plans):
        out: NDArray[Any] = _run_engine(x, plans, engine=engine, threads=threads)
    else:
        with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf data is handled below
            y = _run_engine(x, plans, engine=engine, threads=threads)
            out = nonfinite.finish(
                x, [(ax % x.ndim, p) for ax, p in plans], y,
                lambda a, ps: _run_engine(a, ps, engine=engine, threads=threads), threads)
    if key is not None:  # a call that succeeded: its route for the next one like it
        route = _make_route(x, plans, key[-1])
        if route is not None:
            remember(_ROUTES, key, (tuple(p for _, p in plans), route), 64)
    return out


# The compiled path of recent run_plans calls, by the plans' identities (the value holds
# the plans, so their ids stay unique), shape, dtype, strides and resolved engine: a
# repeated small call goes straight to its compiled runner (the ~10 us of dispatch
# checks and look-ups were most of a 64^2x3 -> 96^2 compat call).
_Route = Callable[[NDArray[Any], "int | None"], "NDArray[Any] | None"]
_ROUTES: dict[tuple[Any, ...], tuple[tuple[AxisPlan, ...], _Route]] = {}


def _route_key(x: Any, plans: Sequence[tuple[int, AxisPlan]],
               engine: str) -> tuple[Any, ...] | None:
    key = plans_key(x, plans)
    if key is None:
        return None
    if engine == "auto":  # resolve_engine, inline: PIXELGRID_ENGINE chooses for "auto"
        if engine_from_env():
            engine = os.environ.get("PIXELGRID_ENGINE", "").strip()
            if engine not in ENGINES:
                return None  # (the full path raises)
    elif engine not in ENGINES:
        return None
    return (*key, engine)


def known_route(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
                engine: str) -> _Route | None:
    """The route a :func:`run_plans` call like this one made, if it made one.

    ``route(x, threads)`` gives what ``run_plans(x, plans, engine=engine,
    threads=threads)`` gives, or None (then run_plans takes its full path), for
    arrays of ``x``'s shape, dtype and strides, while ``engine`` resolves as it does
    now (for ``"auto"``: :func:`engine_from_env` unchanged).
    """
    key = _route_key(x, plans, engine)
    hit = None if key is None else _ROUTES.get(key)
    if hit is None or not same_plans(hit[0], plans):
        return None
    return hit[1]


class KeptPlans:
    """Plans a call memo keeps, with the routes :func:`run_plans` made for them.

    ``kept(x)`` is ``run_plans(x, list(kept.plans))``: a numpy array of a shape, dtype
    and strides it ran on before goes straight to the route run_plans made then (no
    plan key, ~1 us of a ~7 us small call), while ``PIXELGRID_ENGINE`` leaves
    ``engine="auto"`` alone.  At most 8 routes (array layouts) per plans.

    Examples
    --------
    >>> import pixelgrid
    >>> kept = KeptPlans([(0, pixelgrid.plan(2, 4, kernel="linear"))])
    >>> kept(np.array([0.0, 1.0])).tolist()
    [0.0, 0.25, 0.75, 1.0]
    """

    __slots__ = ("_routes", "plans")

    def __init__(self, plans: Sequence[tuple[int, AxisPlan]]) -> None:
        self.plans = tuple(plans)
        self._routes: dict[tuple[Any, ...], _Route] = {}

    def __call__(self, x: Any) -> NDArray[Any]:
        if type(x) is not np.ndarray:
            return run_plans(x, list(self.plans))
        key = (x.shape, x.dtype, x.strides)
        route = self._routes.get(key)
        if route is not None and not engine_from_env():
            hit = route(x, None)
            if hit is not None:
                return hit
        y = run_plans(x, list(self.plans))
        if route is None and not engine_from_env():
            made = known_route(x, self.plans, "auto")
            if made is not None:
                remember(self._routes, key, made, 8)
        return y


def _make_route(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]],
                engine: str) -> _Route | None:
    """What :func:`run_plans` does with ``plans`` on arrays like ``x``, when it is one call.

    Three cases, exactly as :func:`run_plans`/:func:`_run_engine` decide them: gathers
    only (the compiled one-pass gather); plans with a library's order that the
    compiled model kernels run (:func:`native_models.runner_for`) and whose result
    :func:`nonfinite.finish` keeps as it is; pixelgrid's own model on the compiled
    engine (:func:`_native_route`).  Anything else: None (the full path).
    """
    if engine not in ("auto", "native", "compiled") or not plans:
        return None
    native = _native_module()
    if native is None:
        return None
    ordered = any(p.arithmetic.ordered for _, p in plans)
    if all(p.is_gather for _, p in plans) and not ordered:
        found = native.gather_tables(x, [(ax, p) for ax, p in plans if not p.is_identity])
        if found is None:
            return None
        gather = native.gather_runner(x.dtype, *found)
        return lambda a, threads: gather(a, threads_now(threads))
    weighted = [p for _, p in plans if not p.is_gather]
    if weighted and _dtype_name(x.dtype) in GATHER_ONLY_DTYPES:
        return None  # an error (_run_engine)
    if not ordered:
        return _native_route(x, plans, engine, native)
    floating = x.dtype.kind == "f"
    if floating and weighted and not (any(p.arithmetic.ordered for p in weighted)
                                      and all(p.arithmetic.zero_taps == "read" for p in weighted)):
        return None  # nonfinite.finish may repair the result
    models = _engine_modules().native_models
    run = models.runner_for(x, plans)
    if run is None:
        return None
    floating = floating and not models.quiet(run)  # (kernels only: no numpy warning)

    def route(a: NDArray[Any], threads: int | None) -> NDArray[Any] | None:
        nt = threads_now(threads)
        if floating:
            with np.errstate(invalid="ignore", over="ignore"):
                return run(a, nt)  # type: ignore[no-any-return]
        return run(a, nt)  # type: ignore[no-any-return]

    return route


def _native_route(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]], engine: str,
                  native: Any) -> _Route | None:
    """:func:`_make_route` for plans of pixelgrid's own model: the compiled engine's call.

    The plans :func:`_run_engine` would hand :func:`native.apply_plans` (fixed-point
    weights for 8/16-bit data, identities dropped), then :func:`nonfinite.finish` as
    :func:`run_plans` applies it (float data: the scan, and the repair when needed).
    """
    items = list(plans)
    if _dtype_name(x.dtype) in FIXED_POINT_DTYPES:
        items = own_fixed(items, x.dtype)
    items = [(ax, p) for ax, p in items if not p.is_identity]
    if not items or not native.supports(x.dtype, [p for _, p in items]):
        return None
    nonfinite = _engine_modules().nonfinite
    finish = nonfinite.finish
    cells = [(ax % x.ndim, p) for ax, p in plans]
    # after a first call: its compiled calls directly (apply_plans' own fast path, without
    # its checks and look-ups)
    kept = native.run_kept(x, items)
    if kept is None:
        apply = native.apply_plans
        if not nonfinite.needs_check(x, plans):
            return lambda a, threads: apply(a, items, threads=threads)

        def checked(a: NDArray[Any], threads: int | None) -> NDArray[Any] | None:
            with np.errstate(invalid="ignore", over="ignore"):  # as run_plans
                y = apply(a, items, threads=threads)
                return finish(a, cells, y,  # type: ignore[no-any-return]
                              lambda b, ps: _run_engine(b, ps, engine=engine, threads=threads),
                              threads)

        return checked
    one = native.kept_pass(x, items)
    if one is not None:
        one_route = _one_pass_route(x, one, cells, engine, nonfinite)
        if one_route is not None:
            return one_route
    if not nonfinite.needs_check(x, plans):
        return lambda a, threads: kept(a, threads_now(threads))
    # finish's scan, specialised for these plans and arrays like x: when it finds nothing
    # finish returns y as it is, so only a suspect result enters finish (and errstate:
    # the compiled calls alone raise no numpy warning)
    suspect = nonfinite.suspect_for(x, math.prod(out_shape(x.shape, items)))

    def route(a: NDArray[Any], threads: int | None) -> NDArray[Any] | None:
        nt = threads_now(threads)
        y = kept(a, nt)
        if not suspect(a, y, nt):
            return y  # type: ignore[no-any-return]
        with np.errstate(invalid="ignore", over="ignore"):  # as run_plans
            return finish(a, cells, y,  # type: ignore[no-any-return]
                          lambda b, ps: _run_engine(b, ps, engine=engine, threads=threads), nt)

    return route


def _one_pass_route(x: NDArray[Any], one: tuple[Any, ...], cells: list[tuple[int, AxisPlan]],
                    engine: str, nonfinite: Any) -> _Route | None:
    """:func:`_native_route`'s route where the compiled calls are one pass (``native.kept_pass``).

    The pass itself, without the layers of ``run_kept``/``_run_calls``/``suspect_for``
    (~1.5 us of a ~9 us 64^2x3 -> 96^2 float32 resize).  Float data as
    :func:`nonfinite.finish` wants it: a result is kept as it is when the input is all
    below ``_SAFE`` (scanned by the pass itself as it reads the input, when the output
    is the larger: ``_suspect``'s rule) or when the result is all finite (then finish
    returns it unchanged); else finish decides, as in :func:`run_plans`.  ``None``:
    float data this does not cover (float16, no compiled scan), the general route.
    """
    fn, step, shape, odt = one
    empty = np.empty
    if x.dtype.kind != "f":  # (needs_check: no scan, no finish)
        def plain(a: NDArray[Any], threads: int | None) -> NDArray[Any]:
            out = empty(shape, dtype=odt)
            fn(src=a, dst=out, step=step, threads=threads_now(threads), scan=0.0)
            return out

        return plain
    native = _NATIVE[0]
    scan = getattr(native._ext, "all_below", None)
    if scan is None or x.dtype not in (np.float32, np.float64) or odt != x.dtype:
        return None
    finish = nonfinite.finish
    safe = nonfinite._SAFE[x.dtype] if math.prod(shape) > x.size else 0.0

    def scanned(a: NDArray[Any], threads: int | None) -> NDArray[Any]:
        nt = threads_now(threads)
        out = empty(shape, dtype=odt)
        below = False
        if safe:  # the input scanned by the pass (None: not scanned)
            below = fn(src=a, dst=out, step=step, threads=nt, scan=safe)
            if below is None:
                below = scan(a.reshape(-1), safe, nt)
        else:  # the result scanned instead
            fn(src=a, dst=out, step=step, threads=nt, scan=0.0)
        if below or all_finite(out, nt):
            return out
        with np.errstate(invalid="ignore", over="ignore"):  # as run_plans
            return finish(a, cells, out,  # type: ignore[no-any-return]
                          lambda b, ps: _run_engine(b, ps, engine=engine, threads=threads),
                          nt)

    return scanned


def resolve_engine(engine: str) -> str:
    """``engine`` checked; ``"auto"`` follows ``PIXELGRID_ENGINE`` when it is set.

    The one place the environment variable is read: it chooses only for
    ``engine="auto"`` (an explicit ``engine=`` wins).

    Examples
    --------
    >>> resolve_engine("reference")
    'reference'
    """
    check_choice("engine", engine, ENGINES)
    if engine == "auto":
        env = os.environ.get("PIXELGRID_ENGINE", "").strip()
        if env:
            check_choice("PIXELGRID_ENGINE", env, ENGINES)
            engine = env
    return engine


def _run_engine(
    x: NDArray[Any],
    plans: Sequence[tuple[int, AxisPlan]],
    *,
    engine: str = "auto",
    threads: int | None = None,
) -> NDArray[Any]:
    """Apply plans with the chosen engine, attaching fixed-point weights for small ints.

    The plans' arithmetic records choose the model: a library's summation order
    or stores (``Arithmetic.ordered``) go to the compiled model kernels
    (:mod:`pixelgrid._engines.native_models`, engine ``auto``/``native``/``compiled``)
    where they cover the plans, else to :mod:`pixelgrid._engines.models`; 8/16-bit
    data without fixed-point weights gets the rule the plans declare
    (``Arithmetic.fixed_point``; default pixelgrid's own wide model,
    :func:`own_fixed`); the rest goes to the compiled or reference engine.
    """
    if engine not in ENGINES:
        check_choice("engine", engine, ENGINES)
    gathers = all(p.is_gather for _, p in plans)
    if not gathers and _dtype_name(x.dtype) in GATHER_ONLY_DTYPES:
        raise TypeError(
            f"dtype {x.dtype} can only be resized with kernel='nearest' "
            f"(weights would change its values); cast it to a float dtype first"
        )
    engine = resolve_engine(engine)
    ordered = any(p.arithmetic.ordered for _, p in plans)
    if gathers and not ordered and engine in ("auto", "native", "compiled"):
        # nearest on every axis: one pass over the output (compiled multi-axis gather),
        # before the fixed-point and identity bookkeeping that copies do not need
        native = _native_module()
        y = None if native is None else native.gather_all(
            x, [(ax, p) for ax, p in plans if not p.is_identity], threads=threads)
        if y is not None:
            return y  # type: ignore[no-any-return]
    if ordered:
        # A library's own summation order (float32 taps, unshifted integer sums, block
        # sums): the compiled engine's model kernels where they cover the plans, else the
        # numpy model engines (their definition; engine="reference").
        if engine in ("auto", "native", "compiled") and _native_module() is not None:
            ym = _engine_modules().native_models.apply_model(x, plans, threads=threads)
            if ym is not None:
                return ym  # type: ignore[no-any-return]
        from ._engines.models import apply_model

        return apply_model(x, plans)
    if _dtype_name(x.dtype) in FIXED_POINT_DTYPES:
        plans = own_fixed(plans, x.dtype)
    plans = [(ax, p) for ax, p in plans if not p.is_identity]
    if not plans:
        return np.array(x, copy=True, order="C")
    if engine == "torch":
        try:
            import torch
        except ImportError:  # pragma: no cover - torch is optional
            raise ValueError("engine='torch' needs PyTorch, which is not installed; "
                             "use engine='auto', 'native' or 'reference'") from None

        from ._engines.torch_engine import run_plans_torch

        a = np.ascontiguousarray(x)
        if not a.flags.writeable or not a.dtype.isnative:  # torch.from_numpy refuses/warns
            a = a.astype(a.dtype.newbyteorder("="), copy=True)
        return np.ascontiguousarray(run_plans_torch(torch.from_numpy(a), plans).numpy())
    if engine == "compiled":
        engine = "native"
    if engine != "reference":
        native = _native_module()
        if native is not None and native.supports(x.dtype, [p for _, p in plans]):
            return native.apply_plans(x, plans, threads=threads)  # type: ignore[no-any-return]
        if engine == "native":
            raise ValueError(
                f"engine='native' cannot resample dtype {x.dtype} with these plans; "
                "use engine='auto' or 'reference'"
            )
    from ._engines.reference import apply_plans

    return apply_plans(x, plans)


def check_input(x: Any, name: str = "x") -> Any:
    """:func:`check_array` for arrays; a torch tensor is checked and returned as it is.

    Examples
    --------
    >>> check_input([1.0, 2.0]).dtype
    dtype('float64')
    """
    if is_torch(x):
        from ._engines.torch_engine import check_tensor

        return check_tensor(x, name)
    return check_array(x, name)


def plans_dtype(x: Any) -> np.dtype[Any]:
    """The numpy dtype whose plans ``x`` (an array or a torch tensor) uses (bfloat16: float32).

    Examples
    --------
    >>> plans_dtype(np.zeros(2, np.uint8))
    dtype('uint8')
    """
    if is_torch(x):
        from ._engines.torch_engine import numpy_dtype

        return numpy_dtype(x.dtype)
    dt: np.dtype[Any] = np.dtype(x.dtype)
    return dt


def apply_plans(x: Any, plans: Sequence[tuple[int, AxisPlan]], *, engine: str = "auto",
                threads: int | None = None) -> Any:
    """Apply plans to a numpy array (:func:`run_plans`) or a torch tensor.

    A tensor keeps its dtype, device, memory format and autograd graph
    (:func:`pixelgrid._engines.torch_autograd.run_tensor`: CPU tensors run on
    the compiled engine, zero-copy; other devices on the torch engine); its
    8/16-bit fixed-point weights follow the same declared rules (:func:`own_fixed`).

    Examples
    --------
    >>> import pixelgrid
    >>> apply_plans(np.array([0.0, 1.0]), [(0, pixelgrid.plan(2, 4, kernel="linear"))]).tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    if is_torch(x):
        # CPU tensors: the compiled engine on a numpy view, with autograd; other devices:
        # the torch engine (engine= as for resize)
        if not _RUN_TENSOR:  # (imported once: an import statement costs ~0.4 us a call)
            from ._engines.torch_autograd import run_tensor

            _RUN_TENSOR.append(run_tensor)
        return _RUN_TENSOR[0](x, plans, engine=engine, threads=threads)
    return run_plans(x, plans, engine=engine, threads=threads)


_RUN_TENSOR: list[Any] = []  # torch_autograd.run_tensor, once a tensor has come


# --- Other array containers: PIL images and DLPack arrays (JAX, ...) ---------------------

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _from_container(x: Any, name: str) -> tuple[Any, Callable[[Any], Any]] | None:
    """``(numpy view, back)`` for a PIL image or a CPU ``__dlpack__`` array, else None.

    ``back`` turns a numpy result into the input's container: a PIL image of the
    input's mode (``Image.fromarray`` when the dtype changed), or an array of the
    input's library through its ``from_dlpack`` (zero-copy both ways on the CPU).
    """
    if isinstance(x, (np.ndarray, np.generic, list, tuple)) or is_torch(x):
        return None
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(x, pil.Image):
        mode = x.mode
        if mode in ("P", "PA"):
            raise TypeError(f"{name} is a palette image (mode {mode!r}): resampling palette "
                            "indices mixes unrelated colours; convert it first, e.g. "
                            f"{name}.convert('RGB')")
        arr = np.asarray(x)

        def to_pil(y: Any) -> Any:
            if isinstance(y, np.ndarray) and y.dtype == arr.dtype and y.ndim == arr.ndim \
                    and mode != "1":
                h, w = y.shape[:2]
                return pil.frombytes(mode, (w, h), np.ascontiguousarray(y).tobytes())
            try:
                return pil.fromarray(np.ascontiguousarray(y))
            except TypeError:
                raise TypeError(
                    f"the result (shape {y.shape}, dtype {y.dtype}) has no PIL image mode; "
                    f"pass np.asarray({name}) for a numpy result") from None

        return arr, to_pil
    if hasattr(x, "__dlpack__") and hasattr(x, "__dlpack_device__"):
        device = x.__dlpack_device__()
        if int(device[0]) != 1:  # DLPack kDLCPU
            raise TypeError(f"{name} is a {type(x).__name__} on device {tuple(device)!r}; "
                            "pixelgrid reads CPU memory: move it to the CPU first")
        arr = np.from_dlpack(x)
        top = type(x).__module__.split(".")[0]
        root = sys.modules.get({"jaxlib": "jax"}.get(top, top))  # jax.Array lives in jaxlib
        conv = getattr(getattr(root, "numpy", None), "from_dlpack", None) or \
            getattr(root, "from_dlpack", None)

        def to_library(y: Any) -> Any:
            if conv is None or not isinstance(y, np.ndarray):
                return y
            return conv(np.ascontiguousarray(y))

        return arr, to_library
    return None


def containers(f: Callable[_P, _R]) -> Callable[_P, _R]:
    """Let ``f(x, ...)`` take PIL images and CPU DLPack arrays (JAX, ...) and return the same.

    Numpy arrays, torch tensors, lists and other objects reach ``f`` unchanged.
    """

    @functools.wraps(f)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if args:
            found = _from_container(args[0], "x")
            if found is not None:
                arr, back = found
                return back(f(arr, *args[1:], **kwargs))  # type: ignore[arg-type, no-any-return]
        return f(*args, **kwargs)

    return wrapper
