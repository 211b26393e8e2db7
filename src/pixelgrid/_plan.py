"""Build per-axis plans: grid convention -> kernel -> antialias -> boundary -> taps and weights.

The stages, in order, for one axis (see ``docs/model.md``):

1. **grid**: the exact affine map ``x_in = a * (o + c) + d`` (:mod:`pixelgrid._grid`);
2. **antialias**: when ``antialias`` is on and the axis is downsampled
   (``|a| > 1``), the kernel is stretched by ``|a|`` so it averages over the
   output pixel's footprint (the Pillow / PyTorch ``antialias=True`` model);
3. **taps**: the integers ``j`` with ``j - x`` inside the (stretched) support,
   decided exactly; weights ``k((j - x) / stretch)`` in float64, normalised to
   sum to 1;
4. **boundary**: taps outside ``[0, in_size)`` are dropped and the rest
   renormalised (``renormalize``), or mapped back inside (``clamp``, ``reflect``,
   ``symmetric``, ``wrap``), or read a constant (``constant``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import types
import weakref
from collections import OrderedDict
from collections.abc import Callable
from fractions import Fraction
from typing import Any, ParamSpec

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import (
    COORDINATES,
    EXACT,
    Arithmetic,
    as_arithmetic,
    box_overlaps,
    cubic_tap_arguments,
    keys_float32,
    lanczos_float32_libm,
    round_values,
    round_weights,
    sample_positions,
)
from ._compose import compose_plans
from ._grid import CONVENTIONS, Affine, convention
from ._kernels import Kernel, check_values, get_kernel
from ._plan_types import AxisPlan, FixedPoint
from ._validate import as_fraction, check_choice, check_memory, check_positive_int, check_real

__all__ = ["ARITHMETICS", "BOUNDARIES", "boundary_taps", "compose_plans", "declared_fixed_point",
           "default_bits", "fixed_point", "fold_positions", "map_boundary", "matrix_plan",
           "outside_valid", "plan",
           "spline_taps", "taps_plan"]

#: Boundary rules for taps outside the input.
BOUNDARIES = ("renormalize", "clamp", "reflect", "symmetric", "wrap", "constant")


def map_boundary(j: NDArray[np.int64], n: int, boundary: str) -> NDArray[np.int64]:
    """Map integer indices ``j`` into ``[0, n)`` with a boundary rule.

    ``clamp`` repeats the edge pixel (``a a | a b c | c c``), ``reflect`` mirrors
    about the edge pixel without repeating it (``c b | a b c | b a``),
    ``symmetric`` mirrors about the edge, repeating it (``b a | a b c | c b``;
    MATLAB, NumPy ``symmetric``), ``wrap`` is periodic (``b c | a b c | a b``).
    ``renormalize`` and ``constant`` do not map (they drop taps or read a
    constant); for them this function clamps, which is what nearest uses.

    Examples
    --------
    >>> import numpy as np
    >>> map_boundary(np.arange(-3, 6), 3, "reflect").tolist()
    [1, 2, 1, 0, 1, 2, 1, 0, 1]
    >>> map_boundary(np.arange(-3, 6), 3, "symmetric").tolist()
    [2, 1, 0, 0, 1, 2, 2, 1, 0]

    """
    check_choice("boundary", boundary, BOUNDARIES)
    j = np.asarray(j, dtype=np.int64)
    if boundary == "wrap":
        return np.mod(j, n)
    if boundary == "reflect":
        if n == 1:
            return np.zeros_like(j)
        period = 2 * (n - 1)
        m = np.mod(j, period)
        return np.where(m < n, m, period - m)
    if boundary == "symmetric":
        period = 2 * n
        m = np.mod(j, period)
        return np.where(m < n, m, period - 1 - m)
    return np.clip(j, 0, n - 1)


#: Rules folding float positions outside ``[0, n - 1]`` back inside before taps
#: are taken (:func:`fold_positions`).
POSITION_FOLDS = ("none", "reflect", "symmetric", "wrap", "wrap_samples", "outside")


def fold_positions(x: NDArray[np.float64], n: int, fold: str) -> NDArray[np.float64]:
    """Fold float positions outside ``[0, n - 1]`` into the line (C double semantics).

    ``reflect`` mirrors about the edge samples (period ``2n - 2``),
    ``symmetric`` about the edges (period ``2n``), ``wrap`` is periodic with
    period ``n``, ``wrap_samples`` with period ``n - 1`` (SciPy's ``wrap``:
    the edge samples coincide); on a 1-sample line these give 0.  ``outside``
    marks them with ``-1`` (they read the fill value); ``none`` leaves them
    (their taps are folded by the boundary rule instead).  Quotients are
    truncated toward zero as a C ``(npy_intp)`` cast does (SciPy's
    ``map_coordinate``).

    Examples
    --------
    >>> import numpy as np
    >>> fold_positions(np.array([-0.5, 3.25]), 3, "reflect").tolist()
    [0.5, 0.75]
    >>> fold_positions(np.array([-0.5, 3.25]), 3, "symmetric").tolist()
    [-0.5, 1.75]

    """
    check_choice("fold", fold, POSITION_FOLDS)
    x = np.array(x, dtype=np.float64)
    lo, hi = x < 0, x > n - 1
    if n <= 1 and fold not in ("none", "outside"):
        x[lo | hi] = 0.0
        return x
    trunc = np.trunc
    if fold == "reflect":
        s = 2.0 * n - 2.0
        v = s * trunc(-x[lo] / s) + x[lo]
        x[lo] = np.where(v <= 1 - n, v + s, -v)
        v = x[hi] - s * trunc(x[hi] / s)
        x[hi] = np.where(v >= n, s - v, v)
    elif fold == "symmetric":
        s = 2.0 * n
        v = x[lo]
        v = np.where(v < -s, s * trunc(-v / s) + v, v)
        x[lo] = np.where(v < -n, v + s, -v - 1)
        v = x[hi] - s * trunc(x[hi] / s)
        x[hi] = np.where(v >= n, s - v - 1, v)
    elif fold == "wrap_samples":
        s = float(n - 1)
        x[lo] = x[lo] + s * (trunc(-x[lo] / s) + 1)
        x[hi] = x[hi] - s * trunc(x[hi] / s)
    elif fold == "wrap":
        x[lo] = x[lo] + n * (trunc((-1 - x[lo]) / n) + 1)
        x[hi] = x[hi] - n * trunc(x[hi] / n)
    elif fold == "outside":
        x[lo | hi] = -1.0
    return x


def outside_valid(xs: NDArray[np.float64], valid: tuple[Any, Any],
                  arith: Arithmetic = EXACT) -> NDArray[np.bool_]:
    """Outputs whose position lies outside the valid range ``[lo, hi]`` (they get the fill).

    The range (``Affine.valid``: a crop box, or ``[0, n - 1]`` for a library
    that extrapolates) is tested at the position the library holds:
    ``xs`` itself, except under ``window="float32_pillow"``, whose kernel keeps
    the centre ``f32(x + 1/2)`` and tests ``f32(centre - 1/2)`` (ONNX Runtime's
    antialias kernel: ``-1e-08`` becomes ``0``, inside).

    Examples
    --------
    >>> import numpy as np
    >>> from pixelgrid import Arithmetic
    >>> x = np.array([-1e-08, 0.5, 3.0000002])
    >>> outside_valid(x, (0, 3)).tolist()
    [True, False, True]
    >>> outside_valid(x, (0, 3), Arithmetic(window="float32_pillow")).tolist()
    [False, False, True]

    """
    lo, hi = (float(v) for v in valid)
    if arith.window == "float32_pillow":
        f = np.float32
        xs = ((f(0.5) + xs.astype(f)).astype(f) - f(0.5)).astype(np.float64)
    out: NDArray[np.bool_] = (xs < lo) | (xs > hi)
    return out


#: Names accepted by ``plan(arithmetic=...)`` besides an :class:`Arithmetic` record
#: (they set its ``coordinates`` field).
ARITHMETICS = COORDINATES


def _positions(aff: Affine, n: int, arith: Arithmetic, in_size: int | None = None,
               user_scale: float | None = None) -> NDArray[np.float64]:
    """Sample positions under the model's coordinate rule (float32-valued unless exact)."""
    # The ratio rules read the exact step (p / q); the others its float value.
    if arith.coordinates == "float64_padded":  # exact step and offsets
        return sample_positions(aff.a, aff.c, aff.d, n, arith.coordinates)
    step = (aff.a if arith.coordinates in ("float32_ratio", "float32_crop", "float64_matlab")
            else float(aff.a))
    return sample_positions(step, float(aff.c), float(aff.d), n, arith.coordinates,
                            in_size=in_size, user_scale=user_scale)


def _round_tie_float32(x: NDArray[np.float64], tie: str,
                       tolerance: float = 0.0) -> NDArray[np.int64]:
    if tolerance and tie in ("round_prefer_floor", "round_prefer_ceil"):
        # Within ``tolerance`` of a half-integer: the tie rule; elsewhere half away
        # from zero (``std::round``; negative positions are clamped to 0 anyway).
        below = np.floor(x)
        tie_at = np.abs(x - (below + 0.5)) <= tolerance
        pick = below if tie == "round_prefer_floor" else below + 1
        return np.where(tie_at, pick, np.floor(x + 0.5)).astype(np.int64)
    x32 = x.astype(np.float32)
    if tie == "floor":
        r = np.floor(x32)
    elif tie == "ceil":
        r = np.ceil(x32)
    elif tie == "round_prefer_ceil":
        # f32(x + 0.5): the float32 sum for float32 x; for float64 positions the
        # double sum rounded to float (PyTorch's floorf(real + 0.5) on a double)
        r = np.floor((x + 0.5).astype(np.float32))
    else:
        r = np.ceil((x - 0.5).astype(np.float32))
    return r.astype(np.int64)


def _round_tie_float64(x: NDArray[np.float64], tie: str) -> NDArray[np.int64]:
    """Nearest index of double positions ``x``, decided exactly (no rounding of ``x + 1/2``).

    ``r = floor(x)`` and ``x - r`` are exact near a half-integer, so a tie is
    one only when ``x`` is exactly halfway (MATLAB's box test
    ``-0.5 <= u - j < 0.5`` on its double positions picks ``floor(u + 1/2)``).

    Examples
    --------
    >>> x = np.array([0.5, 0.5 - 2**-54, 3.0])  # f64(x + 0.5) is 1.0 for the second
    >>> _round_tie_float64(x, "round_prefer_ceil").tolist()
    [1, 0, 3]
    """
    r = np.floor(x)
    frac = x - r
    if tie == "floor":
        return r.astype(np.int64)
    if tie == "ceil":
        return np.ceil(x).astype(np.int64)
    up = frac >= 0.5 if tie == "round_prefer_ceil" else frac > 0.5
    return (r + up).astype(np.int64)


def _round_tie_padded(x: NDArray[np.float64], tie: str) -> NDArray[np.int64]:
    """Nearest index under ``coordinates="float64_padded"``: a 2-tap window on the padded line.

    The one-hot coefficient comes from ``ratio = x - floor(x)`` (1 at an
    integer), the window from the edge-padded position ``f64(x + 1)``: where it
    rounds onto an integer that ``x`` is not (``x = 1 + 2**-52``) the window
    starts one pixel to the left (``onnx.reference``'s ``_get_neighbor``).

    Examples
    --------
    >>> _round_tie_padded(np.array([2.5, 3.0, 1 + 2**-52]), "round_prefer_floor").tolist()
    [2, 3, 0]
    """
    below = np.floor(x)
    ratio = np.where(x == below, 1.0, x - below)
    right: NDArray[np.bool_] = {
        "round_prefer_floor": ratio > 0.5, "round_prefer_ceil": ratio >= 0.5,
        "floor": ratio == 1.0, "ceil": np.ones(x.shape, dtype=bool)}[tie]
    padded = x + 1.0
    p = np.floor(padded)
    left = np.where(padded == p, p - 1, p) - 1
    out: NDArray[np.int64] = (left + right).astype(np.int64)
    return out


def _round_tie(aff: Affine, n: int, tie: str, arith: Arithmetic = EXACT,
               in_size: int | None = None) -> NDArray[np.int64]:
    """Nearest index of every output sample under a tie rule."""
    if arith.coordinates == "float64_accumulate":  # double positions, rounded in double
        x = _positions(aff, n, arith, in_size)
        r = {"floor": np.floor(x), "ceil": np.ceil(x), "round_prefer_ceil": np.floor(x + 0.5),
             "round_prefer_floor": np.ceil(x - 0.5)}[tie]
        return r.astype(np.int64)
    if arith.coordinates in ("float64", "float64_matlab"):  # decided exactly on the double
        return _round_tie_float64(_positions(aff, n, arith, in_size), tie)
    if arith.coordinates == "float64_padded":
        return _round_tie_padded(_positions(aff, n, arith, in_size), tie)
    if arith.float32_positions:
        return _round_tie_float32(_positions(aff, n, arith, in_size), tie, arith.tie_tolerance)
    if tie == "floor":
        return aff.floor(n)
    if tie == "ceil":
        return aff.ceil(n)
    if tie == "round_prefer_ceil":
        return aff.floor(n, Fraction(1, 2))
    return aff.ceil(n, Fraction(-1, 2))  # round_prefer_floor


#: Weight rules whose rows keep their taps as they are (no merging of taps on one pixel).
_KEYS_WEIGHTS = ("float32_keys", "float32_keys_fma", "float32_keys_torch", "float32_pillow")


def _window(aff: Affine, n: int, radius: Fraction, edges: str) -> tuple[NDArray[np.int64], ...]:
    """First and last tap of each output: integers ``j`` with ``j - x`` in the support."""
    closed_lo = edges in ("closed", "right_open")
    closed_hi = edges in ("closed", "left_open")
    # j >= x - r (closed) or j > x - r (open); j <= x + r or j < x + r.
    lo = aff.ceil(n, -radius) if closed_lo else aff.floor(n, -radius) + 1
    hi = aff.floor(n, radius) if closed_hi else aff.ceil(n, radius) - 1
    return lo, hi


#: How many distinct :func:`plan` results are kept (least recently used are dropped).
PLAN_CACHE_SIZE = 256

_P = ParamSpec("_P")


class _Ident:
    """Cache-key part for an unhashable argument: equal only to the same object.

    The key holds a reference to the object, so its ``id`` cannot be reused while
    the cache entry lives.
    """

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ident) and other.obj is self.obj


def _key_part(v: Any, depth: int = 0) -> Any:
    # Structural keys for kernels and the closures inside them: compat modules build a
    # fresh Kernel (an unhashable dataclass: ``params`` is a dict) for each call, so
    # keying it by identity missed the cache on every call (plan building was half of
    # a small compat.onnx nearest resize).  Two closures of one code object over equal
    # cell values compute the same weights.
    deep = depth < 4
    if deep and isinstance(v, types.FunctionType):
        try:
            cells = tuple(_key_part(c.cell_contents, depth + 1) for c in v.__closure__ or ())
        except ValueError:  # an empty cell
            return (type(v), v)
        return (types.FunctionType, v.__code__, cells, _key_part(v.__defaults__, depth + 1),
                _key_part(v.__kwdefaults__, depth + 1))
    try:
        hash(v)
    except TypeError:
        if deep and dataclasses.is_dataclass(v) and not isinstance(v, type):
            return (type(v), *(_key_part(getattr(v, f.name), depth + 1)
                               for f in dataclasses.fields(v)))
        if deep and isinstance(v, dict):
            items = sorted(v.items(), key=lambda kv: repr(kv[0]))
            return (dict, *((k, _key_part(x, depth + 1)) for k, x in items))
        return _Ident(v)
    if isinstance(v, (float, np.floating)):
        # by the bits: 0.0 == -0.0 (a fill of -0.0 would get a cached fill of 0.0) and
        # NaN != NaN (a NaN fill would never hit)
        return (type(v), float(v).hex())
    return (type(v), v)  # the type keeps 1, 1.0 and True apart


def _lru_plans(fn: Callable[_P, AxisPlan]) -> Callable[_P, AxisPlan]:
    """Bounded, thread-safe LRU cache for :func:`plan`.

    Plans are pure functions of the arguments.  Repeated resizes of the same
    shapes then reuse the same plan objects, so engines can also reuse what they
    derive from a plan (fixed-point weights, kernel tables).  Cached plans have
    read-only arrays, since they are shared.
    """
    cache: OrderedDict[Any, AxisPlan] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> AxisPlan:
        key = (tuple(_key_part(a) for a in args),
               tuple(sorted((k, _key_part(v)) for k, v in kwargs.items())))
        with lock:
            hit = cache.get(key)
            if hit is not None:
                cache.move_to_end(key)
                return hit
        p = fn(*args, **kwargs)
        for arr in (p.index, p.weight, p.fill, p.coord):
            arr.flags.writeable = False
        with lock:
            cache[key] = p
            while len(cache) > PLAN_CACHE_SIZE:
                cache.popitem(last=False)
        return p

    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper


@_lru_plans
def plan(
    in_size: int,
    out_size: int,
    *,
    kernel: str | Kernel = "linear",
    grid: str | Affine = "half_pixel",
    scale: Any = None,
    antialias: bool = False,
    boundary: str = "renormalize",
    fill_value: float = 0.0,
    arithmetic: str | Arithmetic = "exact",
    footprint: Any = None,
    edge_pad: int = 0,
    **grid_options: Any,
) -> AxisPlan:
    """Compute the taps and weights that resample one axis.

    Parameters
    ----------
    in_size, out_size : int
        Input and output length.
    kernel : str or Kernel
        Interpolation kernel (see :func:`pixelgrid.kernels.get_kernel`).
    grid : str or Affine
        Grid convention (see :mod:`pixelgrid.grid`), e.g. ``"half_pixel"``
        (``align_corners=False``) or ``"align_corners"``.
    scale : float or Fraction, optional
        The user's scale factor (output/input), for conventions that use it in
        the coordinate map (PyTorch, OpenCV and ONNX use ``1/scale`` when a
        factor is given).  Default: ``out_size / in_size``.
    antialias : bool
        Stretch the kernel by the downsampling factor when ``in > out``.
    boundary : str
        One of :data:`BOUNDARIES`.
    fill_value : float
        Value read outside the input with ``boundary="constant"`` and outside
        a ``tf_crop_and_resize`` box.
    arithmetic : Arithmetic or str
        The library's arithmetic model (:class:`pixelgrid.Arithmetic`), or the
        name of its ``coordinates`` rule.  Default ``"exact"``: nearest ties and
        kernel windows are decided with rational arithmetic and weights are
        float64.  A float32 rule computes the positions as a float32 library
        does (PyTorch, TensorFlow, JAX, ONNX Runtime), and the taps, nearest
        indices and weights follow from those positions; ``weights="float32"``
        also rounds distances, kernel values and normalisation to float32.
        The record is kept on the plan (``plan.arithmetic``) for the engines
        and :func:`pixelgrid.explain`.
    footprint : float or Fraction, optional
        Input pixels covered by one output pixel, for antialias stretching and
        footprint kernels (``area``).  Default: the grid's step ``|a|`` (``in/out``
        when it is 0).  ONNX, for one, stretches by ``1/scale`` whatever the grid.
    edge_pad : int
        With ``renormalize``: taps up to ``edge_pad`` pixels outside the input
        read the edge pixel (the input padded by edge copies); only taps
        beyond are dropped (JAX's ``cubic-pytorch`` edge padding: 2).
    **grid_options
        Passed to the convention (``roi=`` for ``tf_crop_and_resize``,
        ``translate=`` for ``scale_translate``).

    Returns
    -------
    AxisPlan

    Examples
    --------
    >>> p = plan(2, 4, kernel="linear", grid="half_pixel")
    >>> p.coord.tolist()
    [-0.25, 0.25, 0.75, 1.25]
    >>> p.weight.tolist()
    [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]]

    """
    in_size = check_positive_int("in_size", in_size)
    out_size = check_positive_int("out_size", out_size)
    check_choice("boundary", boundary, BOUNDARIES)
    arith = as_arithmetic(arithmetic)
    if not isinstance(antialias, (bool, np.bool_)):
        raise TypeError(f"antialias={antialias!r} must be True or False")
    fill = check_real("fill_value", fill_value)
    check_memory(f"out_size={out_size}", 64.0 * out_size)  # coordinates, indices, weights
    if not isinstance(grid, Affine):
        check_choice("grid", grid, CONVENTIONS)
    aff = convention(grid, in_size, out_size, scale, **grid_options)
    far = max(abs(aff.a * (o + aff.c) + aff.d) for o in (0, out_size - 1))
    if far >= 2**52:  # positions must stay exact integers' range (a scale of 1e-300)
        raise ValueError(f"grid={aff.name!r} with in_size={in_size}, out_size={out_size} and "
                         f"scale={scale!r} maps output samples to input coordinates up to "
                         f"{float(far):.3g}; they must stay below 2**52")
    k = get_kernel(kernel)
    # A floor window's rows use only the library's positions: they are the plan's
    # coordinates too (the exact ones of a double step need big integers per sample).
    own_x = arith.window in _FLOOR_WINDOWS and arith.float32_positions and aff.valid is None
    x = np.empty(0) if own_x else aff.coords(out_size)

    if footprint is not None:
        footprint = as_fraction("footprint", footprint)
    elif aff.a != 0:
        footprint = abs(aff.a)
    else:
        footprint = Fraction(in_size, out_size)
    stretch = Fraction(1)
    boxes = k.footprint is not None and arith.boxes != "centred"
    # A zero step (align_corners onto one sample) has no box: centred, normalised.
    rule = arith.replace(normalize=True) if boxes and aff.a == 0 else arith
    boxes = boxes and aff.a != 0
    if k.footprint is not None:
        k = k.at_footprint(footprint)
    elif antialias and not k.is_nearest and footprint > 1:
        stretch = footprint
    # The window of every output sample is allocated before it is compacted: check its
    # size first (a huge kernel radius or out_size must not allocate for minutes).
    taps = 1 if k.is_nearest else min(int(2 * k.radius * stretch) + 2, 2**62)
    check_memory(f"out_size={out_size} (in_size={in_size}, scale={scale!r}) with kernel "
                 f"{k.name!r} ({taps} taps per sample)", out_size * (64 + 128 * taps))

    user = float(scale) if scale is not None and arith.coordinates == "float32_cell_fraction" \
        else None  # the user's scale (out/in), which that rule reads as given
    xs = _positions(aff, out_size, arith, in_size, user) if arith.float32_positions else x
    if own_x:
        x = xs
    lerp = arith.weights in ("float32_lerp", "float32_lerp_torch") and k.name == "linear" \
        and stretch == 1
    window_reads = None  # the library's own window, for zero_taps="window"
    if k.is_nearest:
        assert k.tie is not None
        j = _round_tie(aff, out_size, k.tie, arith, in_size)[:, None]
        w = np.ones((out_size, 1), dtype=np.float64)
    elif lerp:  # float32 linear interpolation between two clamped taps
        j, w = _lerp_taps(xs, in_size, edge_lambda=arith.weights == "float32_lerp_torch",
                          same_size=out_size == in_size)
    elif boxes and arith.boxes == "float64_cells":  # the boxes' cells, kept as they are
        j, w = cell_taps(in_size, out_size, float(aff.a))
    elif boxes and arith.boxes == "integer_blocks":  # k taps from o k, always
        j, w = block_taps(in_size, out_size, round(float(aff.a)))
    elif boxes:  # area boxes bounded as the library computes their edges
        j, w = _box_taps(aff, out_size, arith)
    elif arith.window in _FLOOR_WINDOWS:  # taps from floor(x), clamped and kept as they are
        j, w = floor_taps(xs, k, in_size, arith.window.endswith("_edge"),
                          arith.window.startswith("float32"), arith.window.endswith("_ipp"))
    else:
        centre = _centre64(aff, out_size) if arith.window == "float64_centre" else xs
        if arith.window == "float32_centre":
            lo, hi = _centre_window(xs, k.radius * stretch, in_size)
        elif arith.window == "float64_centre":
            lo, hi = _centre64_window(centre, k.radius * stretch, in_size)
        elif arith.window == "float32_pillow":
            lo, hi = _pillow32_window(xs, k.radius, stretch)
        elif arith.window == "spline":  # order + 1 taps, as ndimage picks them
            lo = _spline_window(xs, int(2 * k.radius) - 1)
            hi = lo + int(2 * k.radius) - 1
        elif arith.float32_positions:  # the taps around the position the library computed
            lo, hi = _window_float(xs, float(k.radius * stretch), k.edges)
        else:
            lo, hi = _window(aff, out_size, k.radius * stretch, k.edges)
        taps = max(int(np.max(hi - lo)) + 1, 1)
        if arith.zero_taps == "window":  # it multiplies every tap lo..hi, even at weight 0
            window_reads = (lo, hi)
        j = lo[:, None] + np.arange(taps, dtype=np.int64)
        inside = j <= hi[:, None]
        if arith.window == "float32_pillow":  # past the window: its last tap, weight 0
            j = np.minimum(j, np.maximum(hi, lo)[:, None])
        if arith.window == "float32_centre":
            d = _centre_distances(j, xs, stretch)
            inside &= np.abs(d) < float(k.radius)  # the filter is 0 outside its support
        elif arith.window == "float64_centre":
            d = ((j - centre[:, None]) + 0.5) * float(1 / stretch)
            inside &= k.support_mask(d)  # each filter tests its own support (BOX: (-1/2, 1/2])
        elif arith.window == "float32_pillow":
            d = _pillow32_distances(j, xs, stretch)
            inside &= np.abs(d) < float(k.radius)  # the filter is 0 from its support on
        else:
            d = _distances(j, xs, stretch, arith)
            if arith.window == "float32_support":  # the support tested at the rounded distance
                inside &= k.support_mask(d)
        w = np.where(inside, k.fn(np.where(inside, d, 0.0)), 0.0)
        if arith.weights in _KEYS_WEIGHTS and "a" in k.params:
            dd = np.where(inside, d, 0.0)
            if arith.weights == "float32_keys_torch":  # get_cubic_upsample_coefficients
                # the inner piece unfused, the outer with its first two steps fused
                # (PyTorch's CPU build; measured), at torch_cubic_args
                kw = keys_float32(torch_cubic_args(xs, j, dd), k.params["a"],
                                  inner=(False, False), outer=(True, True, False))
            else:
                kw = keys_float32(dd, k.params["a"], arith.weights == "float32_keys_fma",
                                  arith.weights == "float32_pillow")
            w = np.where(inside, kw, 0.0)
        if arith.weights == "float32_lanczos_libm" and k.name.startswith("lanczos"):
            w = np.where(inside, lanczos_float32_libm(np.where(inside, d, 0.0),
                                                      float(k.radius)), 0.0)
        w = round_weights(w, arith.weights)
        if arith.window == "exact" and arith.weights == "float64" and not arith.float32_positions:
            # A kernel's zeros at integer arguments (linear, cubic, lanczos), decided exactly:
            # the float distance (j - x) / stretch can miss them by an ulp, leaving a 1e-17
            # weight that lets a NaN or inf through and keeps an exact hit from copying.
            w = np.where(_at_integer_zeros(k, aff, out_size, j, stretch), 0.0, w)
    check_values(k, w)  # a custom kernel's NaN would zero integer images silently

    if isinstance(edge_pad, bool) or not isinstance(edge_pad, int) or edge_pad < 0:
        raise ValueError(f"edge_pad={edge_pad!r} must be an integer >= 0")
    if (arith.window in _FLOOR_WINDOWS or (boxes and arith.boxes in _KEPT_BOXES)) \
            and not k.is_nearest:  # taps inside the input, weights as given
        index, weight, fill_w = j, w, np.zeros(out_size, dtype=np.float64)
    else:
        index, weight, fill_w = _apply_boundary(j, w, x, in_size, boundary, k.is_nearest, rule,
                                                edge_pad)

    if aff.valid is not None:  # extrapolation outside a crop box, decided at the position used
        outside = outside_valid(xs, aff.valid, arith)
        weight[outside] = 0.0
        fill_w[outside] = 1.0

    if not lerp and arith.weights not in _KEYS_WEIGHTS and arith.window not in _FLOOR_WINDOWS \
            and arith.boxes not in _KEPT_BOXES:
        # lerp, keys and floor-window rows keep their taps, in order: the library adds each
        index, weight = _compact(index, weight, in_size)
    info = {
        "grid": aff.name,
        "affine": aff,
        "formula": aff.describe(),
        "kernel": k.name,
        "antialias": bool(antialias),
        "stretch": stretch,
        "boundary": boundary,
        "scale": scale,
    }
    if window_reads is not None:
        info["reads"] = window_reads
    return AxisPlan(in_size, out_size, index, weight, fill_w, fill, x, None, info, arith)


def _at_integer_zeros(k: Kernel, aff: Affine, n: int, j: NDArray[np.int64],
                      stretch: Fraction) -> NDArray[np.bool_]:
    """Taps whose exact kernel argument ``(j - x) / stretch`` is an integer where ``k`` is 0.

    ``x = a o + (a c + d)`` and the stretch are exact rationals, so the test is
    integer arithmetic: ``t = (j D - A o - B) sd / (D sn)`` with ``x = (A o + B) / D``
    and ``stretch = sn / sd``.  The zeros are the non-zero integers ``m`` inside
    the support where ``k.fn(m)`` is exactly 0.  (Sizes whose products would pass
    ``2**62`` are left to the float weights.)

    Examples
    --------
    >>> from pixelgrid._kernels import linear
    >>> aff = convention("half_pixel", 5, 3)  # x = 5/3 o + 1/3; antialias stretch 5/3
    >>> j = np.array([[-1, 0, 1, 2]])
    >>> _at_integer_zeros(linear(), aff, 1, j, Fraction(5, 3)).tolist()  # t = -4/5 .. 1
    [[False, False, False, True]]
    """
    none = np.zeros(j.shape, dtype=bool)
    r = int(k.radius * 1)  # integer arguments |m| <= radius
    ms = np.arange(1, r + 1, dtype=np.float64)
    if r < 1 or j.size == 0:
        return none
    with np.errstate(all="ignore"):
        vals = np.stack([np.asarray(k.fn(ms), dtype=np.float64),
                         np.asarray(k.fn(-ms), dtype=np.float64)])
    zero = vals == 0
    if not zero.any():
        return none
    base = aff.a * aff.c + aff.d
    den = math.lcm(aff.a.denominator, base.denominator)
    a_i, b_i = int(aff.a * den), int(base * den)
    sn, sd = stretch.numerator, stretch.denominator
    jmax = int(np.max(np.abs(j)))
    if (jmax * den + abs(a_i) * n + abs(b_i)) * sd >= 2**62 or den * sn >= 2**62:
        return none
    o = np.arange(n, dtype=np.int64)[:, None]
    num = (j * den - a_i * o - b_i) * sd
    mod = den * sn
    t = num // mod
    hit = (num % mod == 0) & (t != 0) & (np.abs(t) <= r)
    ti = np.clip(np.abs(t), 1, r) - 1
    out: NDArray[np.bool_] = hit & np.where(t > 0, zero[0][ti], zero[1][ti])
    return out


def _box_taps(aff: Affine, n: int,
              arith: Arithmetic) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Taps and weights of ``area`` under the model's ``boxes`` rule (see :mod:`._arithmetic`).

    The left edge of output ``o`` is the position of ``o - 1/2`` by the
    coordinates rule, in pixel-edge units (pixel ``j`` covers ``[j, j + 1]``).
    """
    half = Fraction(1, 2)
    if arith.float32_positions:
        edges = sample_positions(float(aff.a), float(aff.c - half), float(aff.d + half), n + 1,
                                 arith.coordinates, grid_offset=0.0)
    else:
        edges = Affine(aff.a, aff.c - half, aff.d + half).coords(n + 1)
    step = float(aff.a)
    left = edges[:-1]
    if arith.boxes == "float32_ends":
        right = edges[1:]
    else:  # float32_width
        right = (left.astype(np.float32) + np.float32(step)).astype(np.float64)
    lo = np.floor(left).astype(np.int64)
    hi = np.maximum(np.ceil(right).astype(np.int64) - 1, lo)
    j = lo[:, None] + np.arange(max(int(np.max(hi - lo)) + 1, 1), dtype=np.int64)
    w = box_overlaps(left, right, j, step, arith.boxes, arith.weights)
    w = np.where(j <= hi[:, None], w, 0.0)
    if not arith.normalize:  # the library multiplies the sum by 1 / step (float32: f32(1/step))
        inv = float(np.float32(1 / step)) if arith.weights == "float32" else 1 / step
        w = round_weights(w * inv, arith.weights)
    return j, w


def _lerp_taps(xs: NDArray[np.float64], n: int, edge_lambda: bool = False,
               same_size: bool = False) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Taps and weights of ``weights="float32_lerp"`` (see :mod:`._arithmetic`).

    The position is clamped to ``[0, n - 1]``; the taps are ``i = floor(x)`` and
    ``min(i + 1, n - 1)``; the right tap weighs ``x - i`` (exact in float32), the
    left ``f32(1 - (x - i))``; both 1/2 where the taps coincide (the last pixel).
    ``edge_lambda=True`` (``"float32_lerp_torch"``): where they coincide the right tap
    weighs ``min(x - (n - 1), 1)`` and the left ``f32(1 -`` that ``)``; with
    ``same_size`` every row reads ``(o, o)`` weighted ``(1, 0)``.

    Examples
    --------
    >>> j, w = _lerp_taps(np.array([-0.5, 0.25, 2.0]), 3)
    >>> j.tolist(), w.tolist()
    ([[0, 1], [0, 1], [2, 2]], [[1.0, 0.0], [0.75, 0.25], [0.5, 0.5]])
    """
    xc = np.clip(xs.astype(np.float32), np.float32(0), np.float32(n - 1))
    i1 = np.minimum(np.floor(xc).astype(np.int64), n - 1)
    i2 = np.minimum(i1 + 1, n - 1)
    right = (xc - i1.astype(np.float32)).astype(np.float32)
    left = (np.float32(1) - right).astype(np.float32)
    same = i1 == i2
    if edge_lambda and same_size:
        i1 = i2 = np.arange(len(xs), dtype=np.int64)
        left, right = np.ones_like(left), np.zeros_like(right)
    elif edge_lambda:
        r = np.minimum(xs[same].astype(np.float32) - np.float32(n - 1), np.float32(1))
        right[same] = np.maximum(r, np.float32(0))
        left[same] = np.float32(1) - right[same]
    else:
        left[same] = 0.5
        right[same] = 0.5
    return (np.stack([i1, i2], axis=1),
            np.stack([left, right], axis=1).astype(np.float64))


def _centre_window(xs: NDArray[np.float64], radius: Fraction,
                   n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First and last tap under ``window="float32_centre"`` (see :class:`Arithmetic`).

    The centre ``c = x + 1/2`` and the support ``r`` are float32; the bounds are
    ``trunc(f32(c -+ r) + 1/2)`` (the sum in double), clipped to the input and to
    ``2 * ceil(r) + 1`` taps, as PyTorch's ``_compute_indices_min_size_weights_aa``.
    """
    c = (xs + 0.5).astype(np.float32)
    r = np.float32(float(radius))
    lo = np.maximum(np.trunc((c - r).astype(np.float64) + 0.5), 0).astype(np.int64)
    end = np.minimum(np.trunc((c + r).astype(np.float64) + 0.5), n).astype(np.int64)
    size = np.clip(end - lo, 0, 2 * int(np.ceil(r)) + 1)
    return lo, lo + size - 1


def _centre_distances(j: NDArray[np.int64], xs: NDArray[np.float64],
                      stretch: Fraction) -> NDArray[np.float64]:
    """Distances under ``window="float32_centre"``: ``f32((f32(j - c) + 1/2) * f32(1/s))``."""
    c = (xs + 0.5).astype(np.float32)
    inv = float(np.float32(1 / float(stretch)))
    d = j.astype(np.float32) - c[:, None]  # float32 subtraction
    return ((d.astype(np.float64) + 0.5) * inv).astype(np.float32).astype(np.float64)


def spline_taps(x: NDArray[np.float64],
                k: Kernel) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Taps and weights of a B-spline of order ``n`` at positions ``x`` (``window="spline"``).

    ``n + 1`` taps from ``floor(x) - n // 2`` (odd ``n``) or
    ``floor(x + 1/2) - n // 2`` (even ``n``; order 0 is ``floor(x + 1/2)``
    with weight 1), weights the spline at the float64 distances ``j - x``,
    not normalised (SciPy's ``ndimage`` interpolation).  ``x`` is already
    mapped by the library's boundary mode.

    Examples
    --------
    >>> from pixelgrid._kernels import bspline
    >>> j, w = spline_taps(np.array([1.25]), bspline(1))
    >>> j.tolist(), w.tolist()
    ([[1, 2]], [[0.75, 0.25]])
    >>> spline_taps(np.array([1.5]), bspline(2))[0].tolist()
    [[1, 2, 3]]
    """
    order = int(2 * k.radius) - 1
    lo = _spline_window(x, order)
    j = lo[:, None] + np.arange(order + 1, dtype=np.int64)
    if order == 0:
        return j, np.ones((x.shape[0], 1))
    return j, np.asarray(k.fn(j - x[:, None]), dtype=np.float64)


def _spline_window(x: NDArray[np.float64], order: int) -> NDArray[np.int64]:
    """First tap of ``window="spline"``: ``floor(x)`` (odd n) or ``floor(x + 1/2)``, less n // 2."""
    start = np.floor(x) if order & 1 else np.floor(x + 0.5)
    return start.astype(np.int64) - order // 2


#: Windows whose rows are taps from ``floor(x)``, clamped into the input and kept as built.
_FLOOR_WINDOWS = ("float32_floor", "float32_floor_edge", "float64_floor_edge",
                  "float32_floor_ipp")
#: Box rules whose rows are kept as built (taps inside the input, weights as given).
_KEPT_BOXES = ("float64_cells", "integer_blocks")


def floor_taps(xs: NDArray[np.float64], k: Kernel, n: int, edge: bool = False,
               float32: bool = True,
               ipp: bool = False) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Taps and float32 weights under ``window="float32_floor"`` (``_edge``).

    ``s = floor(x)``, ``f = f32(x - s)`` (``x - s`` is exact in float64, so this
    is the float32 subtraction), taps ``s - r + 1 .. s + r`` clamped into
    ``[0, n)``, weights ``k.rows(f)`` (``(1 - f, f)`` in float32 for a 2-tap
    kernel without rows).  ``edge``: a 2-tap row outside ``[0, n - 1)`` reads
    the edge pixel with weights ``(1, 0)``.  ``float32=False``
    (``"float64_floor_edge"``, 2-tap kernels): ``f`` and ``1 - f`` stay in double.
    ``ipp`` (``"float32_floor_ipp"``): ``f = f32(1 + f32(x - s)) - 1`` and the
    weights ``f32(k.fn(t - f))`` at the taps' offsets ``t`` (the double kernel).

    Examples
    --------
    >>> from ._kernels import linear
    >>> j, w = floor_taps(np.array([-0.25, 0.5, 1.75]), linear(), 2, edge=True)
    >>> j.tolist(), w.tolist()
    ([[0, 1], [0, 1], [1, 1]], [[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    """
    ksize = int(2 * k.radius)
    if k.rows is None and ksize != 2 and not ipp:
        raise ValueError(f"kernel={k.name!r} has no float32 rows for window='float32_floor'")
    ft: type[np.floating[Any]] = np.float32 if float32 else np.float64
    s = np.floor(xs).astype(np.int64)
    f: NDArray[Any] = (xs - s).astype(ft)
    if ipp:
        # Intel IPP holds the fraction as 1 + f in float32 (a multiple of 2**-23: every
        # distance below is exact in double) and rounds the double kernel to float32.
        f = ((f + np.float32(1)).astype(np.float32) - np.float32(1)).astype(np.float64)
        t = np.arange(ksize) - (ksize // 2 - 1)
        w_ipp = np.asarray(k.fn(t[None, :] - f[:, None]), dtype=np.float64)
        j = np.clip(s[:, None] + t, 0, n - 1)
        return j.astype(np.int64), w_ipp.astype(np.float32).astype(np.float64)
    if edge and ksize == 2:
        out = (s < 0) | (s >= n - 1)
        s = np.where(s < 0, 0, np.where(s >= n - 1, n - 1, s))
        f = np.where(out, 0, f).astype(ft)
    w: NDArray[Any]
    if k.rows is not None and float32:
        w = k.rows(f)
    elif ksize == 2:
        w = np.stack([(1 - f).astype(ft), f], axis=1)
    else:
        raise ValueError(f"kernel={k.name!r} has no double rows for window='float64_floor_edge'")
    j = np.clip(s[:, None] - (ksize // 2 - 1) + np.arange(ksize), 0, n - 1)
    return j.astype(np.int64), np.asarray(w, dtype=np.float64)


def block_taps(n_in: int, n_out: int,
               k: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Taps and weights of ``boxes="integer_blocks"``: ``k`` taps from ``o k``, always.

    Taps past the input read its last pixel with weight 0; the others weigh
    ``1 / count`` (the float model of a block mean).  An engine summing blocks
    reads ``k`` from the tap count, so a block cut by the edge stays one.

    Examples
    --------
    >>> j, w = block_taps(5, 3, 2)
    >>> j.tolist(), w.tolist()
    ([[0, 1], [2, 3], [4, 4]], [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]])
    """
    idx = np.arange(n_out, dtype=np.int64)[:, None] * k + np.arange(k)
    valid = idx < n_in
    w = valid / valid.sum(axis=1, keepdims=True)
    return np.minimum(idx, n_in - 1), np.asarray(w, dtype=np.float64)


def cell_taps(n_in: int, n_out: int,
              step: float) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Taps and float32 weights of ``boxes="float64_cells"`` (see :class:`Arithmetic`).

    Row ``o`` covers ``[L, R] = [o s, o s + s]`` (double), ``cell = min(s, n - L)``;
    its taps, in pixel order: ``ceil(L) - 1`` with ``(ceil(L) - L) / cell`` when
    that part exceeds ``1e-3``, every whole pixel up to ``min(floor(R), n - 1)``
    with ``1 / cell``, then ``min(floor(R), n - 1)`` with
    ``min(R - floor(R), 1, cell) / cell`` when that part exceeds ``1e-3``; shorter
    rows are padded with their last tap at weight 0.

    Examples
    --------
    >>> j, w = cell_taps(5, 2, 2.5)
    >>> j.tolist(), (w * 5).round(6).tolist()  # float32 0.4 and 0.2
    ([[0, 1, 2], [2, 3, 4]], [[2.0, 2.0, 1.0], [1.0, 2.0, 2.0]])
    """
    fsx1 = np.arange(n_out, dtype=np.float64) * step
    fsx2 = fsx1 + step
    cell = np.minimum(step, n_in - fsx1)
    sx2 = np.minimum(np.floor(fsx2), n_in - 1)
    sx1 = np.minimum(np.ceil(fsx1), sx2)
    left = sx1 - fsx1 > 1e-3
    right = fsx2 - sx2 > 1e-3
    whole = (sx2 - sx1).astype(np.int64)
    count = left + whole + right
    taps = max(int(count.max(initial=0)), 1)
    t = np.arange(taps)[None, :] - left[:, None]  # column past the left part
    first = (sx1 - left).astype(np.int64)[:, None]
    j = np.minimum(first + np.arange(taps), (first[:, 0] + count - 1)[:, None])
    w_left = ((sx1 - fsx1) / cell).astype(np.float32)
    w_whole = (1.0 / cell).astype(np.float32)
    w_right = (np.minimum(np.minimum(fsx2 - sx2, 1.0), cell) / cell).astype(np.float32)
    w = np.where(t < 0, w_left[:, None],
                 np.where(t < whole[:, None], w_whole[:, None],
                          np.where((t == whole[:, None]) & right[:, None], w_right[:, None],
                                   np.float32(0))))
    j = np.where(count[:, None] > 0, j, 0)
    return j.astype(np.int64), np.asarray(w, dtype=np.float64)


def _pillow32_scale(radius: Fraction, stretch: Fraction) -> tuple[np.float32, np.float32]:
    """Support ``f32(radius * s)`` and ``f32(1 / s)``, ``s = f32(1 / f32(1 / stretch))``.

    ``window="float32_pillow"``: the library holds the scale ``1 / stretch`` in
    float32 and divides it out in float32 (ONNX Runtime's antialias setup).
    """
    s = np.float32(1) / np.float32(float(1 / stretch))
    return np.float32(np.float32(float(radius)) * s), np.float32(np.float32(1) / s)


def _pillow32_window(xs: NDArray[np.float64], radius: Fraction,
                     stretch: Fraction) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First and last tap under ``window="float32_pillow"`` (see :class:`Arithmetic`).

    Examples
    --------
    >>> lo, hi = _pillow32_window(np.array([-0.25, 1.25]), Fraction(1), Fraction(1))
    >>> lo.tolist(), hi.tolist()
    ([-1, 1], [0, 2])
    """
    f = np.float32
    r, _ = _pillow32_scale(radius, stretch)
    c = (f(0.5) + xs.astype(f)).astype(f)
    lo = np.floor(((c - r).astype(f) + f(0.5)).astype(f)).astype(np.int64)
    end = np.floor(((c + r).astype(f) + f(0.5)).astype(f)).astype(np.int64)
    width = 2 * int(np.ceil(r)) + 1  # the library's table has this many columns
    return lo, lo + np.minimum(end - lo, width) - 1


def _pillow32_distances(j: NDArray[np.int64], xs: NDArray[np.float64],
                        stretch: Fraction) -> NDArray[np.float64]:
    """Distances under ``window="float32_pillow"``: ``f32(f32(f32(j - c) + 1/2) * f32(1/s))``."""
    f = np.float32
    _, inv = _pillow32_scale(Fraction(0), stretch)
    c = (f(0.5) + xs.astype(f)).astype(f)
    d = ((j.astype(f) - c[:, None]).astype(f) + f(0.5)).astype(f)
    return (d * inv).astype(f).astype(np.float64)


def _fold_float32(j: NDArray[np.int64], w: NDArray[np.float64],
                  n: int) -> NDArray[np.float64]:
    """Fold taps outside ``[0, n)`` into the edge taps in float32, in tap order.

    ``window="float32_pillow"`` with a ``clamp`` boundary (ONNX Runtime): the
    taps left of the input are added, one by one, into the tap reading pixel 0,
    then those right of it into the tap reading pixel ``n - 1``; the outside
    taps then weigh nothing, and a row with no tap inside weighs nothing at all.

    Examples
    --------
    >>> _fold_float32(np.array([[-2, -1, 0, 1]]), np.array([[0.25, 0.5, 1.0, 0.5]]),
    ...               2).tolist()
    [[0.0, 0.0, 1.75, 0.5]]
    """
    inside = (j >= 0) & (j < n)
    has = inside.any(axis=1)
    rows = np.arange(j.shape[0])
    w32 = w.astype(np.float32)
    for side, target in ((j < 0, np.argmax(inside, axis=1)),
                         (j >= n, j.shape[1] - 1 - np.argmax(inside[:, ::-1], axis=1))):
        for t in range(j.shape[1]):
            m = has & side[:, t]
            if np.any(m):
                r, c = rows[m], target[m]
                w32[r, c] = w32[r, c] + w32[r, t]
    return np.where(inside, w32, np.float32(0)).astype(np.float64)


def _centre64(aff: Affine, n: int) -> NDArray[np.float64]:
    """Centres ``(d + 1/2) + a * (o + c)`` in double (``window="float64_centre"``)."""
    steps = (np.arange(n, dtype=np.float64) + float(aff.c)) * float(aff.a)
    return float(aff.d + Fraction(1, 2)) + steps


def _centre64_window(c: NDArray[np.float64], radius: Fraction,
                     n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Taps ``trunc(c - r + 1/2)`` to ``trunc(c + r + 1/2) - 1`` in double, inside ``[0, n)``."""
    r = float(radius)
    lo = np.maximum(np.trunc(c - r + 0.5), 0).astype(np.int64)
    end = np.minimum(np.trunc(c + r + 0.5), n).astype(np.int64)
    return lo, np.maximum(end, lo) - 1


def _window_float(xs: NDArray[np.float64], radius: float,
                  edges: str) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`_window` around float positions (a float32 library's taps)."""
    closed_lo = edges in ("closed", "right_open")
    closed_hi = edges in ("closed", "left_open")
    lo = np.ceil(xs - radius) if closed_lo else np.floor(xs - radius) + 1
    hi = np.floor(xs + radius) if closed_hi else np.ceil(xs + radius) - 1
    return lo.astype(np.int64), hi.astype(np.int64)


def torch_cubic_args(xs: NDArray[np.float64], j: NDArray[np.int64],
                     d: NDArray[np.float64]) -> NDArray[np.float64]:
    """The float32 argument PyTorch's ``get_cubic_upsample_coefficients`` gives each tap.

    Taps ``floor(x) - 1 .. floor(x) + 2`` of each position ``xs`` take
    :func:`~pixelgrid._arithmetic.cubic_tap_arguments` (``last_from_near``); other taps
    (a window's extra one) ``|d|``.
    """
    fl = np.floor(xs)[:, None]
    args4 = cubic_tap_arguments(xs, last_from_near=True)
    k = j - fl
    args = np.select([k == t - 1 for t in range(4)], [args4[:, t:t + 1] for t in range(4)],
                     default=np.abs(d).astype(np.float32))
    return np.asarray(args, dtype=np.float64)


def _distances(j: NDArray[np.int64], xs: NDArray[np.float64], stretch: Fraction,
               arith: Arithmetic) -> NDArray[np.float64]:
    """Kernel arguments ``(j - x) / stretch`` in the model's weight precision.

    A float32 library forms ``j - x`` in float32 and multiplies by the float32
    reciprocal of the stretch (PyTorch's and Pillow's ``invscale``).
    """
    d = j - xs[:, None]
    if arith.weights != "float64":  # every float32 rule
        d32 = d.astype(np.float32)
        if stretch != 1:
            d32 = d32 * np.float32(1 / float(stretch))
        return d32.astype(np.float64)
    return d if stretch == 1 else d / float(stretch)


def boundary_taps(
    j: NDArray[np.int64],
    w: NDArray[np.float64],
    x: NDArray[np.float64],
    n: int,
    boundary: str,
    nearest: bool = False,
    arith: Arithmetic = EXACT,
    pad: int = 0,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_] | None]:
    """Normalise tap weights (as the model says) and bring every tap inside ``[0, n)``.

    The one definition of the boundary rules, shared by :func:`plan` and the
    point samplers (:mod:`pixelgrid._sampling`).  ``j`` and ``w`` are the
    ``(M, T)`` taps and kernel weights of ``M`` samples at coordinates ``x``
    (used only to pick the edge pixel of a ``renormalize`` row with no tap
    inside).  Returns the mapped indices, the weights and, for ``constant``,
    the mask of taps outside the input: they keep their (normalised) weight,
    which belongs to the fill value; ``None`` for every other rule.  ``pad``
    (``renormalize`` only) keeps taps up to ``pad`` pixels outside, reading
    the edge pixel.

    Examples
    --------
    >>> import numpy as np
    >>> j = np.array([[-1, 0, 1]])
    >>> idx, w, out = boundary_taps(j, np.array([[1.0, 2.0, 1.0]]), np.zeros(1), 3, "renormalize")
    >>> idx.tolist(), (w * 3).tolist(), out
    ([[0, 0, 1]], [[0.0, 2.0, 1.0]], None)
    >>> boundary_taps(j, np.array([[1.0, 2.0, 1.0]]), np.zeros(1), 3, "constant")[2].tolist()
    [[True, False, False]]

    """
    outside = (j < 0) | (j >= n)
    if boundary == "renormalize" and not nearest:
        if pad:  # taps within ``pad`` of the input read the edge pixel (clipped below)
            outside = (j < -pad) | (j >= n + pad)
        w_in = np.where(outside, 0.0, w)
        total = _row_sums(w_in, arith)
        empty = ~np.any(~outside & (w != 0), axis=1)
        # Rows with no tap inside the input (a sample far outside it) fall back
        # to the nearest edge pixel rather than an undefined 0/0.
        w = _normalized(w_in, total, arith)
        if arith.min_total:  # rows whose sum is that small get no weight (the sample is 0)
            dead = np.abs(total) <= arith.min_total
            w[dead] = 0.0
            empty &= ~dead
        if np.any(empty) and arith.window not in ("float64_centre", "float32_pillow"):
            # (Pillow and ONNX Runtime: the row stays 0)
            edge = np.clip(np.floor(x[empty] + 0.5), 0, n - 1).astype(np.int64)
            j = j.copy()
            j[empty] = edge[:, None]
            w[empty] = 0.0
            w[empty, 0] = 1.0
        return np.clip(j, 0, n - 1), w, None
    if not nearest and arith.normalize:
        total = _row_sums(w, arith)
        if arith.window == "float32_pillow" and boundary == "clamp":  # folded before scaling
            w = _fold_float32(j, w, n)
        w = _normalized(w, total, arith, keep_empty=True)
        if arith.min_total:
            w[np.abs(total) <= arith.min_total] = 0.0
    if boundary == "constant":
        return np.clip(j, 0, n - 1), w, outside
    mode = "clamp" if boundary == "renormalize" else boundary
    return map_boundary(j, n, mode), w, None


def _apply_boundary(
    j: NDArray[np.int64],
    w: NDArray[np.float64],
    x: NDArray[np.float64],
    n: int,
    boundary: str,
    nearest: bool,
    arith: Arithmetic = EXACT,
    pad: int = 0,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`boundary_taps` in plan form: outside taps of ``constant`` become the fill weight."""
    index, weight, outside = boundary_taps(j, w, x, n, boundary, nearest, arith, pad)
    if outside is None:
        return index, weight, np.zeros(j.shape[0], dtype=np.float64)
    return index, np.where(outside, 0.0, weight), np.where(outside, weight, 0.0).sum(axis=1)


def _row_sums(w: NDArray[np.float64], arith: Arithmetic) -> NDArray[np.float64]:
    """Sum of each row's weights: float64, or float32 added tap by tap, in order."""
    if arith.window == "float64_centre" and w.shape[1]:  # double, tap by tap (Pillow)
        return np.cumsum(w, axis=1)[:, -1]
    if arith.weights != "float64":  # every float32 rule
        if w.shape[1] == 0:
            return np.zeros(w.shape[0])
        return np.cumsum(w.astype(np.float32), axis=1, dtype=np.float32)[:, -1].astype(
            np.float64)
    return w.sum(axis=1)  # type: ignore[no-any-return]


def _normalized(w: NDArray[np.float64], total: NDArray[np.float64], arith: Arithmetic,
                keep_empty: bool = False) -> NDArray[np.float64]:
    """``w / total`` per row in the model's precision; rows summing to 0 become 0 (or stay)."""
    out = w.copy() if keep_empty else np.zeros_like(w)
    if arith.reciprocal:  # w * f32(1 / total), as TensorFlow's ScaleAndTranslate
        inv = np.zeros_like(total)
        np.divide(1.0, total, out=inv, where=total != 0)
        inv = round_weights(inv, arith.weights)[:, None]
        np.multiply(w, inv, out=out, where=total[:, None] != 0)
    else:
        np.divide(w, total[:, None], out=out, where=total[:, None] != 0)
    return round_weights(out, arith.weights)


def _compact(
    index: NDArray[np.int64], weight: NDArray[np.float64], n: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Merge taps that read the same pixel and lay each row out as a contiguous window.

    After boundary mapping a row may read one pixel several times (``clamp``)
    or out of order (``reflect``).  Rows are rewritten as ``start + 0..T-1``
    with summed weights whenever every row's span is short, which lets engines
    use a start index and contiguous loads; otherwise duplicate taps are kept.
    """
    out = index.shape[0]
    nz = weight != 0
    big = np.iinfo(np.int64).max
    first = np.where(nz, index, big).min(axis=1)
    last = np.where(nz, index, -1).max(axis=1)
    has = last >= 0
    first = np.where(has, first, 0)
    last = np.where(has, last, 0)
    span = int(np.max(last - first)) + 1 if out else 1
    if span > max(2 * index.shape[1], 4) and span > 8:
        return index, weight  # e.g. wrap: a row reads both ends of the axis
    span = min(span, n)
    start = np.minimum(first, n - span)
    rows = np.repeat(np.arange(out), index.shape[1])[nz.ravel()]
    cols = (index - start[:, None])[nz]
    dense = np.zeros((out, span), dtype=np.float64)
    np.add.at(dense, (rows, cols), weight[nz])
    new_index = start[:, None] + np.arange(span, dtype=np.int64)
    return new_index, dense


def matrix_plan(dense: NDArray[np.float64], fill: NDArray[np.float64], fill_value: float,
                coord: NDArray[np.float64], info: dict[str, Any], *,
                arithmetic: Arithmetic = EXACT, drop: float = 0.0) -> AxisPlan:
    """An :class:`AxisPlan` from a dense ``(out, in)`` weight matrix.

    Weights with ``|w| <= drop`` are left out (a plan made as a product of
    matrices, e.g. SciPy's B-spline prefilter times its interpolation, has
    geometrically decaying tails); the rest are laid out as in :func:`plan`.

    Examples
    --------
    >>> import numpy as np
    >>> p = matrix_plan(np.array([[0.5, 0.5, 1e-20]]), np.zeros(1), 0.0, np.zeros(1), {},
    ...                 drop=1e-18)
    >>> p.index.tolist(), p.weight.tolist()
    ([[0, 1]], [[0.5, 0.5]])
    """
    m, n = dense.shape
    keep = np.abs(dense) > drop
    counts = keep.sum(axis=1)
    taps = max(int(counts.max()) if m else 1, 1)
    rows, cols = np.nonzero(keep)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pos = np.arange(rows.size) - starts[rows]
    index = np.zeros((m, taps), dtype=np.int64)
    weight = np.zeros((m, taps), dtype=np.float64)
    index[rows, pos] = cols
    weight[rows, pos] = dense[rows, cols]
    return taps_plan(index, weight, n, fill, fill_value, coord, info, arithmetic=arithmetic)


def taps_plan(index: NDArray[np.int64], weight: NDArray[np.float64], in_size: int,
              fill: NDArray[np.float64], fill_value: float, coord: NDArray[np.float64],
              info: dict[str, Any], *, arithmetic: Arithmetic = EXACT) -> AxisPlan:
    """An :class:`AxisPlan` from ``(out, taps)`` indices already in ``[0, in_size)``.

    Taps that read the same pixel are merged and rows laid out as contiguous
    windows where they are short, as :func:`plan` does.

    Examples
    --------
    >>> import numpy as np
    >>> p = taps_plan(np.array([[0, 0, 1]]), np.array([[0.25, 0.25, 0.5]]), 2,
    ...               np.zeros(1), 0.0, np.zeros(1), {})
    >>> p.index.tolist(), p.weight.tolist()
    ([[0, 1]], [[0.5, 0.5]])
    """
    index, weight = _compact(index, weight, in_size)
    return AxisPlan(in_size, index.shape[0], index, weight, fill, fill_value, coord, None,
                    info, arithmetic=arithmetic)


#: How :func:`fixed_point` may round ``w * 2**bits`` (rules of ``_arithmetic.round_values``).
_FIXED_ROUNDINGS = ("half_away", "half_even")


def fixed_point(
    p: AxisPlan, bits: int, *, exact_sum: bool = True, offset: int | None = None,
    intermediate: str | None = None, rounding: str = "half_away",
) -> AxisPlan:
    """Attach fixed-point weights (``round(w * 2**bits)``, half away from zero) to a plan.

    With ``exact_sum`` (pixelgrid's own default), the largest weight of each row
    absorbs the rounding error so the integer weights sum exactly to
    ``round(sum(w) * 2**bits)``: a constant image then stays exactly constant.
    Library emulations turn it off to reproduce the library's own rounding.
    ``intermediate`` also sets the plan's ``arithmetic.intermediate`` (``"wide"``:
    pixelgrid's own model, one rounding at the end of several passes).
    ``rounding`` is how ``w * 2**bits`` becomes an integer: ``"half_away"``
    (``std::round``: Pillow, ONNX Runtime, pixelgrid) or ``"half_even"``
    (``cvRound``, ``np.rint``: OpenCV's 11-bit tables).

    Examples
    --------
    >>> p = fixed_point(plan(3, 2, kernel="linear"), 8)
    >>> p.fixed.weights.sum(axis=1).tolist()
    [256, 256]
    >>> q = plan(4, 8, kernel="linear")  # weights 0.75 and 0.25: ties at 1 bit
    >>> fixed_point(q, 1, exact_sum=False, rounding="half_even").fixed.weights[1].tolist()
    [2, 0]
    >>> fixed_point(q, 1, exact_sum=False).fixed.weights[1].tolist()
    [2, 1]

    """
    if not isinstance(p, AxisPlan):
        raise TypeError(f"p={p!r:.60} must be an AxisPlan (from pixelgrid.plan)")
    if rounding not in _FIXED_ROUNDINGS:
        raise ValueError(f"rounding={rounding!r} is not valid; expected one of "
                         f"{list(_FIXED_ROUNDINGS)}")
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
        raise TypeError(f"bits={bits!r} must be an int in 1..30")
    if not 1 <= bits <= 30:
        raise ValueError(f"bits={bits!r} is out of range: expected 1..30")
    # Shared (read-only, e.g. cached) plans also share their fixed-point versions.
    cacheable = not p.weight.flags.writeable and not p.fill.flags.writeable
    fkey = (int(bits), bool(exact_sum), offset, intermediate, rounding)
    if cacheable:
        with _fixed_lock:
            hit = _fixed_cache.get(p, {}).get(fkey)
        if hit is not None:
            return hit
    scale = float(1 << bits)
    def rnd(v: NDArray[np.float64]) -> NDArray[np.int64]:
        return round_values(v, rounding).astype(np.int64)

    wi = rnd(p.weight * scale)
    fi = rnd(p.fill * scale)
    if exact_sum and wi.size:
        target = rnd((p.weight.sum(axis=1) + p.fill) * scale)
        err = target - wi.sum(axis=1) - fi
        big = np.argmax(np.abs(p.weight), axis=1)
        wi[np.arange(wi.shape[0]), big] += err
    off = (1 << (bits - 1)) if offset is None else offset
    fp = FixedPoint(bits, wi, fi, off)
    if intermediate is None or intermediate == p.arithmetic.intermediate:
        res = dataclasses.replace(p, fixed=fp)
    else:
        res = dataclasses.replace(p, fixed=fp,
                                  arithmetic=p.arithmetic.replace(intermediate=intermediate))
    if cacheable:
        wi.flags.writeable = False
        fi.flags.writeable = False
        with _fixed_lock:
            _fixed_cache.setdefault(p, {})[fkey] = res
    return res


_fixed_cache: weakref.WeakKeyDictionary[AxisPlan, dict[Any, AxisPlan]] = (
    weakref.WeakKeyDictionary())
_fixed_lock = threading.Lock()


def default_bits(p: AxisPlan, dtype: np.dtype[Any], *, reads: Any = None,
                 int16_weights: bool = True) -> int:
    """Fixed-point precision pixelgrid uses for an integer dtype.

    8-bit data: the most bits (at most 22) for which every integer weight fits
    in int16 and the accumulator in int32: 14 bits when a weight is 1, more
    for the small weights of antialiased downsampling.  The weight rounding
    error is then below 2**-15 per tap, far under the half level lost when the
    result of each pass is rounded to 8 bits (measured: the same mean error as
    22-bit weights), and SIMD engines can use one 16-bit multiply-add per tap,
    as PyTorch's uint8 path does.  16-bit data: 30 bits with an int64
    accumulator.

    ``reads`` is the dtype of the data the plan reads when it is not ``dtype``:
    the int16 (8-bit data) or int32 (16-bit data) intermediate of the wide
    model, whose passes after the first keep the weights of ``dtype`` (int16
    with an int32 accumulator for 8-bit data) with fewer bits when needed.

    Examples
    --------
    >>> import numpy as np
    >>> p = plan(64, 8, kernel="cubic", antialias=True)
    >>> default_bits(p, np.dtype(np.uint8)), default_bits(p, np.dtype(np.uint8), reads=np.int16)
    (17, 15)
    >>> default_bits(plan(4, 8, kernel="linear"), np.dtype(np.uint8))
    14
    >>> default_bits(plan(4, 8, kernel="linear"), np.dtype(np.uint16))
    30
    """
    info = np.iinfo(dtype)
    src = info if reads is None else np.iinfo(reads)
    maxabs = max(abs(int(src.min)), int(src.max))
    rowsum = float(np.max(np.abs(p.weight).sum(axis=1) + np.abs(p.fill))) if p.out_size else 1.0
    wmax = float(np.max(np.abs(p.weight))) if p.weight.size else 1.0
    if info.bits <= 8:
        # reading the wide intermediate: room for its final offset 2**(bits + frac - 1)
        cap, limit = 22, float(2**31 - 1 if reads is None else 2**31 - 2**24)
    else:
        cap, limit = 30, float(2**62)
    bits = cap
    while bits > 1 and maxabs * rowsum * 2.0**bits + 2.0**bits >= limit:
        bits -= 1
    if info.bits <= 8 and int16_weights:
        # int16 weights, with room for the exact-sum adjustment of fixed_point()
        while bits > 1 and np.floor(wmax * 2.0**bits + 0.5) + p.taps >= 2**15:
            bits -= 1
    return bits


def declared_fixed_point(p: AxisPlan) -> AxisPlan:
    """Attach the fixed-point weights the rule ``p.arithmetic.fixed_point`` names.

    ``"int16_max"`` (PyTorch's uint8 ``UpSampleKernel``): int16 weights with
    precision ``b``, the first ``b`` below 22 for which the largest rounded
    weight ``int(0.5 + max(w) * 2**(b + 1))`` would reach ``2**15`` (21 when
    none does), rounded half away from zero, no sum fix-up, stored per axis.
    ``"own"`` needs every plan of the resize (``_arrays.own_fixed``).

    Examples
    --------
    >>> from pixelgrid._arithmetic import Arithmetic
    >>> p = plan(4, 8, kernel="linear", arithmetic=Arithmetic(fixed_point="int16_max"))
    >>> declared_fixed_point(p).fixed.bits
    14
    """
    rule = p.arithmetic.fixed_point
    if rule != "int16_max":
        raise ValueError(f"fixed_point={rule!r} is not a per-plan rule; expected 'int16_max'")
    wt_max = float(np.max(p.weight))
    precision = 0
    for precision in range(22):
        if int(0.5 + wt_max * (1 << (precision + 1))) >= (1 << 15):
            break
    return fixed_point(p, precision, exact_sum=False)
