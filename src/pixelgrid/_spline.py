"""B-spline plans with a recursive prefilter (SciPy ``ndimage``'s model), built once here.

A B-spline resampler of order >= 2 first turns the samples into spline
coefficients (a recursive filter whose boundary initialisation depends on the
mode) and then interpolates the coefficients with ``order + 1`` taps.  Both
steps are linear, so one axis is one :class:`~pixelgrid.AxisPlan`: the
interpolation matrix times the prefilter matrix, in float64, stored as sparse
rows.  A library declares how it treats the boundary (:class:`SplineBoundary`:
the position fold, the taps' boundary, the prefilter initialisation and any
padding) and its :class:`~pixelgrid.Arithmetic`; :func:`spline_plan` does the
rest (compat modules hold no arithmetic of their own).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import Arithmetic, sample_positions
from ._grid import Affine
from ._kernels import bspline
from ._plan import fold_positions, map_boundary, matrix_plan, spline_taps, taps_plan
from ._plan_types import AxisPlan

__all__ = ["POLES", "PREFILTER_INITS", "SplineBoundary", "prefilter_matrix", "spline_plan"]

Array = NDArray[np.float64]

#: The recursive filter's poles for spline orders 2..5 (Unser et al. 1991).
POLES: dict[int, tuple[float, ...]] = {
    2: (math.sqrt(8.0) - 3.0,),
    3: (math.sqrt(3.0) - 2.0,),
    4: (math.sqrt(664.0 - math.sqrt(438976.0)) + math.sqrt(304.0) - 19.0,
        math.sqrt(664.0 + math.sqrt(438976.0)) - math.sqrt(304.0) - 19.0),
    5: (math.sqrt(67.5 - math.sqrt(4436.25)) + math.sqrt(26.25) - 6.5,
        math.sqrt(67.5 + math.sqrt(4436.25)) - math.sqrt(26.25) - 6.5),
}

#: Boundary initialisations of the recursions: ``mirror`` (about the edge
#: sample), ``wrap`` (periodic, period n) and ``reflect`` (SciPy's in-place
#: initialisation about the edge, which reads back its own running sum).
PREFILTER_INITS = ("mirror", "reflect", "wrap")

_DROP = 1e-18  # prefiltered weights below this are dropped (< 1e-17 of any output)


@dataclass(frozen=True)
class SplineBoundary:
    """How a B-spline resampler treats the boundary (one library mode).

    Attributes
    ----------
    taps : str
        How taps beyond the edge fold (a pixelgrid boundary, :func:`map_boundary`).
    fold : str
        How positions outside ``[0, n - 1]`` fold first (:func:`fold_positions`);
        ``"outside"`` makes them read the fill value.
    prefilter : str
        The recursions' initialisation, one of :data:`PREFILTER_INITS`.
    pad : str or None
        ``"edge"`` or ``"constant"``: ``pad_width`` samples added on each side
        before prefiltering (the plan folds them back onto the edge sample or
        into the fill weight).
    pad_width : int
        How many samples ``pad`` adds on each side.
    grid_constant : bool
        Taps outside the (padded) input read the fill value.
    """

    taps: str
    fold: str
    prefilter: str
    pad: str | None = None
    pad_width: int = 0
    grid_constant: bool = False

    @property
    def outside_cval(self) -> bool:
        """Positions outside ``[0, n - 1]`` give the fill value."""
        return self.fold == "outside"


def prefilter_matrix(n: int, order: int, init: str) -> Array:
    """The B-spline prefilter (SciPy's ``spline_filter1d``) as an ``(n, n)`` matrix.

    The recursive filter (gain, then per pole a causal and an anticausal
    pass with the boundary initialisation ``init``) applied to the identity,
    one column per input sample, in float64 as SciPy runs it.  ``mirror`` and
    ``wrap`` give the exact inverse of the B-spline sampling matrix under that
    extension; ``reflect`` reproduces SciPy's in-place initialisation.  The
    recursions are sequential along the line (each row depends on the last),
    so they loop over rows, each step vectorised over the ``n`` columns.

    Examples
    --------
    >>> prefilter_matrix(2, 3, "mirror").round(6).tolist()  # inverse of [[2/3, 1/3], [1/3, 2/3]]
    [[2.0, -1.0], [-1.0, 2.0]]

    """
    if init not in PREFILTER_INITS:
        raise ValueError(f"init={init!r} is not valid; expected one of {PREFILTER_INITS}")
    c = np.eye(n)
    if n == 1 or order < 2:
        return c  # SciPy leaves length-1 lines unfiltered
    poles = POLES[order]
    gain = 1.0
    for z in poles:
        gain *= (1.0 - z) * (1.0 - 1.0 / z)
    c *= gain
    for z in poles:
        _causal_init(c, n, z, init)
        for i in range(1, n):
            c[i] += z * c[i - 1]
        _anticausal_init(c, n, z, init)
        for i in range(n - 2, -1, -1):
            c[i] = z * (c[i + 1] - c[i])
    return c


@functools.lru_cache(maxsize=16)
def _prefilter_shared(n: int, order: int, init: str) -> Array:
    """:func:`prefilter_matrix`, computed once per ``(n, order, init)`` and read-only.

    Plans for every zoom of one line length share it (``pixelgrid.identify`` probes
    dozens of spline calls on the same input); at most 16 kept.
    """
    f = prefilter_matrix(n, order, init)
    f.flags.writeable = False
    return f


def _causal_init(c: Array, n: int, z: float, init: str) -> None:
    # Sums accumulated term by term in SciPy's order (a reordered sum is not bit-identical).
    if init == "mirror":
        zn1 = z ** (n - 1)
        acc = c[0] + zn1 * c[n - 1]
        zi = z
        for i in range(1, n - 1):
            acc = acc + zi * (c[i] + zn1 * c[n - 1 - i])
            zi *= z
        c[0] = acc / (1.0 - zn1 * zn1)
    elif init == "reflect":
        zn = z**n
        c0 = c[0].copy()
        acc = c[0] + zn * c[n - 1]
        zi = z
        for i in range(1, n):
            # SciPy accumulates in c[0] and, at i = n - 1, reads c[0] back
            # (the running sum, not the sample): kept to match it.
            other = acc if i == n - 1 else c[n - 1 - i]
            acc = acc + zi * (c[i] + zn * other)
            zi *= z
        c[0] = acc * (z / (1.0 - zn * zn)) + c0
    else:  # wrap: periodic with period n
        acc = c[0].copy()
        zi = z
        for i in range(1, n):
            acc = acc + zi * c[n - i]
            zi *= z
        c[0] = acc / (1.0 - zi)


def _anticausal_init(c: Array, n: int, z: float, init: str) -> None:
    if init == "mirror":
        c[n - 1] = (z * c[n - 2] + c[n - 1]) * z / (z * z - 1.0)
    elif init == "reflect":
        c[n - 1] = c[n - 1] * (z / (z - 1.0))
    else:
        acc = c[n - 1].copy()
        zi = z
        for i in range(n - 1):
            acc = acc + zi * c[i]
            zi *= z
        c[n - 1] = acc * (z / (zi - 1.0))


def spline_plan(
    n: int, m: int, *, order: int, boundary: SplineBoundary, step: float, offset: float,
    arithmetic: Arithmetic, prefilter: bool = True, fill_value: float = 0.0,
    pad_value: float | None = None, info: dict[str, Any] | None = None,
) -> AxisPlan:
    """One axis of a B-spline resampler, ``n`` samples to ``m``.

    Output ``o`` samples ``x = step * (o + offset) - offset``.
    Positions by ``arithmetic.coordinates`` (:func:`sample_positions`), shifted
    onto the padded line and folded by ``boundary.fold``; ``order + 1`` taps
    (``window="spline"``, :func:`spline_taps`) mapped by ``boundary.taps``;
    for ``order >= 2`` with ``prefilter`` the interpolation rows times
    :func:`prefilter_matrix` (added tap by tap in float64), the padding folded
    back, weights of magnitude ``<= 1e-18`` dropped (the prefilter's inverse
    decays geometrically, ``|z| <= 0.431``).  ``pad_value`` is what a
    ``constant`` padding holds (default ``fill_value``).

    Examples
    --------
    >>> from pixelgrid import Arithmetic
    >>> b = SplineBoundary("reflect", "none", "mirror", pad="constant", pad_width=12,
    ...                    grid_constant=True)
    >>> p = spline_plan(4, 8, order=1, boundary=b, step=0.5, offset=0.5,
    ...                 arithmetic=Arithmetic("float64"))
    >>> p.fill.tolist()[0], p.weight[0].tolist()
    (0.25, [0.75, 0.0])

    """
    # The map ``x = step * (o + offset) - offset`` as an exact Affine (the double step's
    # exact value): recorded in info["affine"] like every plan() plan, so coordinate maps
    # (pixelgrid.coords.resize_map) and explain read it from the plan.
    aff = Affine(Fraction(step), Fraction(offset), -Fraction(offset),
                 str((info or {}).get("grid", "spline")))
    x = sample_positions(step, offset, -offset, m, arithmetic.coordinates)
    filtered = prefilter and order > 1
    npad = boundary.pad_width if filtered and boundary.pad is not None else 0
    big = n + 2 * npad  # length of the (padded) line that is interpolated
    xc = fold_positions(x + npad, big, boundary.fold)
    outside = xc <= -1.0 if boundary.outside_cval else np.zeros(m, dtype=bool)
    j, w = spline_taps(xc, bspline(order))
    w[outside] = 0.0
    fill = w.sum(axis=1) * 0.0
    if boundary.grid_constant:
        beyond = (j < 0) | (j >= big)
        fill = np.where(beyond, w, 0.0).sum(axis=1)
        w = np.where(beyond, 0.0, w)
    jj = map_boundary(j, big, boundary.taps)
    fill = np.where(outside, 1.0, fill)
    info = {**(info or {}), "affine": aff}
    if not filtered:
        return taps_plan(jj, w, n, fill, fill_value, x, info, arithmetic=arithmetic)
    f = _prefilter_shared(big, order, boundary.prefilter)
    dense = np.zeros((m, big))
    for t in range(order + 1):  # tap by tap: the order the sums were measured in
        dense += w[:, t, None] * f[jj[:, t]]
    core = dense[:, npad:npad + n].copy()
    if npad:
        left, right = dense[:, :npad].sum(axis=1), dense[:, npad + n:].sum(axis=1)
        if boundary.pad == "edge":
            core[:, 0] += left
            core[:, n - 1] += right
        else:
            fill = fill + left + right
            fill_value = fill_value if pad_value is None else float(pad_value)
    return matrix_plan(core, fill, fill_value, x, info, arithmetic=arithmetic, drop=_DROP)
