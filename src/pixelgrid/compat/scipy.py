"""SciPy's ``scipy.ndimage.zoom`` (and ``gaussian_filter``), reproduced on the pixelgrid model.

``zoom`` evaluates a B-spline of order 0..5 at ``round(n * zoom)`` sample
positions per axis.  For order >= 2 it first turns the samples into B-spline
coefficients (``spline_filter``, a recursive filter whose boundary
initialisation depends on the mode) and then interpolates the coefficients.
Both steps are linear, so each axis is one :class:`~pixelgrid.AxisPlan`: the
interpolation matrix times the prefilter matrix, built in float64 by the plan
layer (:func:`pixelgrid._spline.spline_plan`; positions folded by
:func:`pixelgrid._plan.fold_positions`) and stored as sparse rows (weights below
``1e-18`` in magnitude are dropped: the prefilter's inverse decays
geometrically, ``|z| <= 0.431``).  The plans run on the ordinary engines in
float64; the result is cast to the output dtype once, as SciPy does.  The
module only declares SciPy's boundary modes (:data:`MODES`, one
:class:`~pixelgrid._spline.SplineBoundary` each), its settings and arithmetic
(:data:`ZOOM_ARITHMETIC`: double positions ``(o + 0.5) * zoom - 0.5`` by the
shared ``float64`` rule, integer outputs stored half away from zero;
:data:`FILTER_ARITHMETIC`: the filters' truncating store after every axis).

Reproduces SciPy 1.17.1.  Measured against it at 2000 <-> 5000 px axes on random
[0, 1) data (``tests/test_compat_scipy.py``): float32 bit-identical for every
order; float64 orders 0-3 within 2e-15, orders 4 and 5 within 1e-13 (2.5e-14
measured there, 6.6e-14 over 300 random small shapes in
``docs/compat_skimage_scipy_matlab.md``).  That last gap is SciPy's own
rounding, not the model's: SciPy multiplies each line by the prefilter's gain
(about 385 for order 4) and runs the recursions on the data in double, while
the plan holds the prefilter matrix, which is the exact B-spline to 1e-15
(checked against the same matrix computed in 80-bit precision).  Reproducing
SciPy's rounding would need the recursive filter itself as an engine model; it
is not one yet.

SciPy facts this module encodes (checked against scipy in the tests):

* output length ``round(n * zoom)`` (Python's round, half to even); the
  coordinate step is ``n / m`` with ``grid_mode=True`` (``x = (o + 0.5) * z - 0.5``),
  else ``(n - 1) / (m - 1)`` (``x = o * z``; 1 when ``m == 1``), in float64.
* order 0 takes ``floor(x + 0.5)``; odd orders start at ``floor(x) - order // 2``,
  even ones at ``floor(x + 0.5) - order // 2`` (``order + 1`` taps).
* positions outside ``[0, n - 1]`` are folded by the mode (``mirror`` about the
  edge samples, ``reflect``/``grid-mirror`` about the edges, ``wrap`` with period
  ``n - 1``, ``grid-wrap`` with period ``n``); ``constant`` returns ``cval``
  there; ``nearest`` and ``grid-constant`` leave them as they are.
* taps beyond the edge read the coefficients mirrored about the edge sample,
  except ``reflect``/``grid-mirror`` (mirrored about the edge), ``grid-wrap``
  (periodic), ``nearest`` (the edge coefficient) and ``grid-constant`` (``cval``).
* the prefilter initialises its recursions as for ``mirror`` (``mirror``,
  ``constant``, ``grid-constant``, ``wrap``), ``grid-wrap`` (periodic) or
  ``reflect`` (``reflect``, ``grid-mirror``, ``nearest``).  ``nearest`` and
  ``grid-constant`` pad 12 samples (edge copies / ``cval``) before filtering.
  SciPy's ``reflect`` initialisation reads ``c[0]`` after it has started to
  update it, so its prefilter is not the exact inverse (off by ~``|z|**(2n)``):
  reproduced, so ``reflect`` results differ from an exact spline by up to 1e-2
  on 2-pixel axes.  Axes whose zoom is 1 still go through prefilter and
  interpolation unless every zoom is 1 (then the input is copied).
* integer outputs: round half away from zero (unsigned: negatives give 0) and
  saturate; ``bool`` outputs: non-zero is True.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import Arithmetic, store
from .._arrays import check_array, run_plans
from .._grid import Affine
from .._kernels import gaussian
from .._plan import plan
from .._plan_types import AxisPlan
from .._spline import SplineBoundary, spline_plan
from .._validate import check_memory, shape_text

__all__ = ["FILTER_ARITHMETIC", "FILTER_MODES", "MODES", "ZOOM_ARITHMETIC",
           "gaussian_filter_plans", "like_plans", "zoom", "zoom_plans"]

#: ``zoom``'s arithmetic: positions ``(o + 0.5) * zoom - 0.5`` in double (each
#: operation rounded), weights and sums in float64 through every axis (``wide``:
#: the input is converted to float64 once and the result stored once), integer
#: outputs rounded half away from zero (``t + 0.5`` or ``t - 0.5``, then a C cast)
#: and saturated.
ZOOM_ARITHMETIC = Arithmetic(coordinates="float64", intermediate="wide", store="half_away")
#: The filters' (``gaussian_filter``, ``correlate1d``): float64 sums stored in the
#: array's dtype after every axis by a C cast, i.e. truncated toward zero.
FILTER_ARITHMETIC = Arithmetic(store="truncate")

Array = NDArray[np.float64]


#: ``zoom``'s boundary modes, declared as spline boundaries (:class:`SplineBoundary`:
#: position fold, taps' boundary, prefilter initialisation, padding).  pixelgrid's
#: ``reflect`` is SciPy's ``mirror`` (no edge repeat) and pixelgrid's ``symmetric``
#: is SciPy's ``reflect``; SciPy's ``wrap`` folds positions with period ``n - 1``
#: (``wrap_samples``) and pads 12 samples for ``nearest`` and ``grid-constant``.
MODES: dict[str, SplineBoundary] = {
    "mirror": SplineBoundary("reflect", "reflect", "mirror"),
    "reflect": SplineBoundary("symmetric", "symmetric", "reflect"),
    "grid-mirror": SplineBoundary("symmetric", "symmetric", "reflect"),
    "nearest": SplineBoundary("clamp", "none", "reflect", pad="edge", pad_width=12),
    "wrap": SplineBoundary("reflect", "wrap_samples", "mirror"),
    "grid-wrap": SplineBoundary("wrap", "wrap", "wrap"),
    "constant": SplineBoundary("reflect", "outside", "mirror"),
    "grid-constant": SplineBoundary("reflect", "none", "mirror", pad="constant", pad_width=12,
                                    grid_constant=True),
}

#: ``gaussian_filter``'s modes as pixelgrid boundaries (filters treat ``wrap`` as periodic).
FILTER_MODES: dict[str, str] = {
    "reflect": "symmetric", "grid-mirror": "symmetric", "mirror": "reflect",
    "nearest": "clamp", "wrap": "wrap", "grid-wrap": "wrap",
    "constant": "constant", "grid-constant": "constant",
}

_IDENTITY = Affine(Fraction(1), name="identity")  # a filter: output o reads around o


def zoom_axis_plan(
    n: int, m: int, order: int = 3, mode: str = "constant", cval: float = 0.0,
    prefilter: bool = True, grid_mode: bool = False, pad_value: float | None = None,
) -> AxisPlan:
    """The plan for one axis of ``scipy.ndimage.zoom`` (``n`` samples to ``m``).

    ``pad_value`` is what SciPy's 12-sample ``grid-constant`` padding holds:
    ``cval`` stored in the input's dtype (default ``cval``).  Zoom positions
    never reach beyond that padding, so it is the plan's fill value there.

    Examples
    --------
    >>> p = zoom_axis_plan(4, 8, order=1, mode="grid-constant", grid_mode=True)
    >>> p.fill.tolist()[0], p.weight[0].tolist()
    (0.25, [0.75, 0.0])

    """
    md = MODES[mode]
    # SciPy: zoom = in / out (grid_mode) or (in - 1) / (out - 1), 1 if the divisor is 0.
    num, den = (n, m) if grid_mode else (n - 1, m - 1)
    z = num / den if den != 0 else 1.0
    filtered = prefilter and order > 1
    info: dict[str, Any] = {
        "library": "scipy.ndimage.zoom", "order": order, "mode": mode,
        "grid_mode": bool(grid_mode), "prefilter": bool(filtered),
        "grid": "scipy_grid_mode" if grid_mode else "scipy_corners",
        "formula": (f"x_in = (x_out + 0.5) * {z!r} - 0.5" if grid_mode
                    else f"x_in = x_out * {z!r}"),
        "kernel": f"bspline{order}",
        "boundary": md.taps, "prefilter_init": md.prefilter if filtered else None,
    }
    return spline_plan(n, m, order=order, boundary=md, step=z, offset=0.5 if grid_mode else 0.0,
                       arithmetic=ZOOM_ARITHMETIC, prefilter=prefilter, fill_value=float(cval),
                       pad_value=pad_value, info=info)


def _check_order(order: Any) -> int:
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) \
            or not 0 <= int(order) <= 5:
        raise ValueError(f"order={order!r} is not valid; expected an integer in 0..5")
    return int(order)


def _check_mode(mode: Any, modes: Sequence[str]) -> str:
    if not isinstance(mode, str) or mode not in modes:
        raise ValueError(f"mode={mode!r} is not valid; expected one of {sorted(modes)}")
    return mode


def _check_cval(cval: Any) -> float:
    if isinstance(cval, (bool, np.bool_)) or not isinstance(cval, numbers.Real):
        raise TypeError(f"cval={cval!r} must be a real number")
    return float(cval)


def _zoom_factors(zoom: Any, ndim: int) -> list[float]:
    if isinstance(zoom, (str, bytes)):
        raise TypeError(f"zoom={zoom!r} must be a number or a sequence of numbers")
    if isinstance(zoom, (Sequence, np.ndarray)):
        items = list(np.asarray(zoom, dtype=object).ravel())
        if len(items) != ndim:
            raise ValueError(
                f"zoom={zoom!r} has {len(items)} entries but the input has {ndim} dimensions"
            )
    else:
        items = [zoom] * ndim
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"zoom={zoom!r} must hold real numbers")
        f = float(v)
        if not (math.isfinite(f) and f >= 0):
            raise ValueError(f"zoom={zoom!r} must be finite and >= 0")
        out.append(f)
    return out


def zoom_plans(
    shape: tuple[int, ...], zoom: Any, order: int = 3, mode: str = "constant",
    cval: float = 0.0, prefilter: bool = True, *, grid_mode: bool = False,
    dtype: Any = np.float64,
) -> list[tuple[int, AxisPlan]]:
    """The ``(axis, plan)`` pairs that reproduce ``scipy.ndimage.zoom`` on an array of ``shape``.

    ``dtype`` is the input's dtype (it decides the ``grid-constant`` padding value).

    Every axis gets a plan (SciPy prefilters and interpolates axes whose zoom
    is 1 too) unless every zoom is 1 and ``prefilter`` is on, where SciPy
    copies the input and this returns ``[]``.  Plans that are the identity to
    within 1e-15 are left out.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in zoom_plans((4, 6), 0.5, order=1)]
    [(0, 2), (1, 3)]

    """
    order = _check_order(order)
    mode = _check_mode(mode, tuple(MODES))
    c = _check_cval(cval)
    factors = _zoom_factors(zoom, len(shape))
    sizes = [round(n * f) for n, f in zip(shape, factors, strict=True)]
    # before any plan is built: a huge zoom must be an error, not minutes of allocation
    check_memory(f"zoom={zoom!r} (an output of shape {shape_text(sizes)})",
                 8 * math.prod(sizes))
    if all(f == 1 for f in factors) and prefilter:
        return []
    pad_value = _pad_value(c, np.dtype(dtype)) if mode == "grid-constant" else c
    plans = []
    for axis, (n, m) in enumerate(zip(shape, sizes, strict=True)):
        if m < 1:
            raise ValueError(
                f"zoom={zoom!r} gives an empty axis {axis} (round({n} * {factors[axis]}) = {m})"
            )
        p = zoom_axis_plan(n, m, order, mode, c, bool(prefilter), bool(grid_mode), pad_value)
        if n == m and not np.any(p.fill) and np.allclose(p.matrix(), np.eye(n), rtol=0,
                                                          atol=1e-15):
            continue  # an axis that comes back unchanged (up to float64 rounding)
        plans.append((axis, p))
    return plans


def _pad_value(cval: float, dtype: np.dtype[Any]) -> float:
    """``cval`` as ``numpy.pad`` stores it in an array of ``dtype`` (SciPy pads that way)."""
    if dtype.kind not in "biuf":
        return cval
    return float(np.pad(np.zeros(1, dtype=dtype), 1, constant_values=cval)[0])


def _output_dtype(output: Any, dtype: np.dtype[Any]) -> np.dtype[Any]:
    if output is None:
        return dtype
    if isinstance(output, np.ndarray):
        found: np.dtype[Any] = output.dtype
        return found
    try:
        made: np.dtype[Any] = np.dtype(output)
        return made
    except TypeError:
        raise TypeError(f"output={output!r} must be None, a dtype or an ndarray") from None


def to_dtype(t: Array, dtype: np.dtype[Any]) -> NDArray[Any]:
    """Store float64 results as SciPy's interpolators do.

    Integers: SciPy adds 0.5 (subtracts it from negative signed values) and
    casts, saturating: :data:`ZOOM_ARITHMETIC`'s ``half_away`` store (unsigned
    negatives give 0 either way).  bool: non-zero.  Floats: a cast.

    Examples
    --------
    >>> to_dtype(np.array([2.5, -2.5, 309.9, -0.4]), np.dtype(np.int8)).tolist()
    [3, -3, 127, 0]

    """
    if dtype == np.bool_:
        return np.asarray(t != 0)
    if dtype.kind == "f":
        return t.astype(dtype)
    return store(t, dtype, ZOOM_ARITHMETIC.store)


def zoom(
    input: Any,
    zoom: Any,
    output: Any = None,
    order: int = 3,
    mode: str = "constant",
    cval: float = 0.0,
    prefilter: bool = True,
    *,
    grid_mode: bool = False,
) -> NDArray[Any]:
    """Reproduce ``scipy.ndimage.zoom`` (SciPy 1.17) without SciPy.

    Same signature and defaults as SciPy.  ``output`` is ``None`` (the input
    dtype), a dtype, or an array to write into (and return).  Like SciPy,
    ``grid_mode=True`` with ``mode='constant'`` or ``'wrap'`` warns.

    Examples
    --------
    >>> import numpy as np
    >>> zoom(np.array([0.0, 10.0, 20.0, 30.0]), 2, order=1, mode="grid-constant",
    ...      grid_mode=True).tolist()
    [0.0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 22.5]
    >>> zoom(np.array([0.0, 10.0, 20.0, 30.0]), 2, order=1, mode="grid-wrap",
    ...      grid_mode=True).tolist()
    [7.5, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 22.5]

    """
    arr = check_array(input, "input")
    if arr.dtype.kind == "c":
        raise TypeError("input is complex; this emulation supports real dtypes only")
    out_dtype = _output_dtype(output, arr.dtype)
    if out_dtype.kind not in "biuf":
        raise TypeError(f"output dtype {out_dtype} is not supported; use a real dtype")
    sizes = [round(n * f) for n, f in zip(arr.shape, _zoom_factors(zoom, arr.ndim),
                                           strict=True)]
    if max(sizes) >= 2**52:  # checked first: even an empty output of this shape is refused
        raise ValueError(f"zoom={zoom!r} gives an output of shape {shape_text(sizes)}; axis "
                         "lengths must be below 2**52")
    if min(sizes) < 1:  # SciPy returns an empty array
        plans: list[tuple[int, AxisPlan]] = []
        _check_order(order), _check_mode(mode, tuple(MODES)), _check_cval(cval)
    else:
        plans = zoom_plans(arr.shape, zoom, order, mode, cval, prefilter, grid_mode=grid_mode,
                           dtype=arr.dtype)
    if grid_mode and mode in ("constant", "wrap"):
        warnings.warn(
            f"It is recommended to use mode = grid-{mode} instead of {mode} "
            "when grid_mode is True.", UserWarning, stacklevel=2)
    if min(sizes) < 1:
        result: NDArray[Any] = np.zeros(sizes, dtype=out_dtype)
    elif not plans and all(p == 1 for p in _zoom_factors(zoom, arr.ndim)) and prefilter:
        result = arr.astype(out_dtype)  # SciPy: output[...] = input
    else:
        t = run_plans(arr.astype(np.float64, copy=False), plans)
        result = to_dtype(t, out_dtype)
    if isinstance(output, np.ndarray):
        if output.shape != result.shape:
            raise ValueError(
                f"output has shape {output.shape}; zoom gives shape {result.shape}"
            )
        output[...] = result
        return output
    return result


def gaussian_filter_plans(
    shape: tuple[int, ...], sigma: Any, mode: str = "reflect", cval: float = 0.0,
    truncate: float = 4.0,
) -> list[tuple[int, AxisPlan]]:
    """Same-size plans reproducing ``scipy.ndimage.gaussian_filter`` (order 0), axis 0 first.

    Per axis with ``sigma > 1e-15``: taps ``-r..r`` with ``r = int(truncate * sigma + 0.5)``,
    weights ``exp(-x**2 / (2 sigma**2))`` normalised to sum 1, boundary ``mode``.

    Examples
    --------
    >>> p = gaussian_filter_plans((9,), 1.0)[0][1]
    >>> p.index[4].tolist(), round(float(p.weight[4].sum()), 12)
    ([0, 1, 2, 3, 4, 5, 6, 7, 8], 1.0)

    """
    mode = _check_mode(mode, tuple(FILTER_MODES))
    c = _check_cval(cval)
    sigmas = _zoom_factors(sigma, len(shape))
    plans = []
    for axis, (n, s) in enumerate(zip(shape, sigmas, strict=True)):
        if s <= 1e-15:
            continue  # SciPy skips these axes
        r = int(truncate * s + 0.5)
        # radius r + 1/2 with open ends: the taps are exactly -r..r, as in SciPy.
        k = gaussian(s, radius=r + 0.5)
        p = plan(n, n, kernel=k, grid=_IDENTITY, boundary=FILTER_MODES[mode], fill_value=c,
                 arithmetic=FILTER_ARITHMETIC)
        plans.append((axis, p))
    return plans


def like_plans(shape: tuple[int, ...], size: Any = None, *, zoom: Any = None,
               **options: Any) -> list[tuple[int, AxisPlan]]:
    """The plans of ``scipy.ndimage.zoom``, for ``pixelgrid.explain(..., like="scipy")``.

    Give the output ``size`` (then ``zoom = size / shape`` per axis, which SciPy
    turns back into exactly that size) or SciPy's ``zoom``; ``options`` are
    ``order``, ``mode``, ``cval``, ``prefilter``, ``grid_mode`` as in
    :func:`zoom_plans`, whose plans this returns.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in like_plans((4, 6), (8, 3), order=1)]
    [(0, 8), (1, 3)]

    """
    if size is not None:
        if zoom is not None:
            raise ValueError(f"give size={size!r} or zoom={zoom!r}, not both")
        out = [size] if isinstance(size, numbers.Integral) else list(size)
        if len(out) != len(shape):
            raise ValueError(f"size={size!r} needs one entry per axis of {tuple(shape)}")
        zoom = [o / n for o, n in zip(out, shape, strict=True)]
    if zoom is None:
        raise TypeError("give the output size or zoom=")
    return zoom_plans(tuple(shape), zoom, **options)
