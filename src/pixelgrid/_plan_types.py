"""The data every engine consumes: one :class:`AxisPlan` per resampled axis.

A plan is a sparse matrix in "ELL" form: output sample ``o`` along the axis is

    y[o] = sum_t weight[o, t] * x[index[o, t]] + fill[o] * fill_value

with ``index`` already mapped through the boundary rule (every entry is a valid
input index) and ``fill`` the total weight of taps that read the constant
``fill_value`` (non-zero only for the ``constant`` boundary and for
extrapolation outside a crop box).  Everything a library does differently
(grid convention, kernel, antialias, boundary) is decided when the plan is
built; engines only apply it.

Integer arithmetic is a property of the plan too: when ``fixed`` is set,
integer inputs are resampled with the fixed-point weights it holds, the
rounding it names, and the result is clamped to the dtype's range after every
axis (see :class:`FixedPoint`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import EXACT, Arithmetic

__all__ = ["AxisPlan", "FixedPoint", "out_shape"]


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """Fixed-point weights and the rounding an engine applies to integer data.

    For one output sample the engine computes, in exact integer arithmetic,
    ``acc = sum_t weights[o, t] * x[index[o, t]]`` and then
    ``y = clamp((acc + offset) >> bits)`` where ``>>`` is an arithmetic shift
    (floor division by ``2**bits``) and ``offset = 1 << (bits - 1)`` (round half
    up), unless ``offset`` is given.  The clamp is to the range of the array's
    dtype, and happens after every axis: the intermediate between two passes
    has the input's dtype, as in Pillow and PyTorch.

    Attributes
    ----------
    bits : int
        Fractional bits of the weights (``weights = round(w * 2**bits)``).
    weights : ndarray of int64, shape (out_size, taps)
        The integer weights, same layout as :attr:`AxisPlan.weight`.
    fill : ndarray of int64, shape (out_size,)
        Integer weight of the plan's ``fill_value`` (added as
        ``fill[o] * round(fill_value)`` to ``acc``).
    offset : int
        Added before the shift; ``1 << (bits - 1)`` rounds half up.
    """

    bits: int
    weights: NDArray[np.int64]
    fill: NDArray[np.int64]
    offset: int

    def __post_init__(self) -> None:
        if not 1 <= self.bits <= 30:
            raise ValueError(f"bits={self.bits!r} is out of range: expected 1..30")


@dataclass(frozen=True, eq=False)
class AxisPlan:
    """How to compute every output sample along one axis.

    Attributes
    ----------
    in_size, out_size : int
        Input and output length along the axis.
    index : ndarray of int64, shape (out_size, taps)
        Input index read by each tap, already mapped through the boundary rule,
        so ``0 <= index < in_size``.  Unused taps have weight 0.
    weight : ndarray of float64, shape (out_size, taps)
        Weight of each tap.
    fill : ndarray of float64, shape (out_size,)
        Weight of the constant ``fill_value`` in each output sample.
    fill_value : float
        The constant read outside the input (``constant`` boundary, crop boxes).
    coord : ndarray of float64, shape (out_size,)
        Source coordinate of each output sample, in input pixel-index units
        (pixel ``i`` has its centre at ``i``).  Informative: the weights are
        what engines apply.
    fixed : FixedPoint or None
        Fixed-point model for integer dtypes; ``None`` for float-only plans.
    info : dict
        How the plan was made (convention, kernel, antialias, boundary, formula),
        for :func:`pixelgrid.explain` and error messages.
    arithmetic : Arithmetic
        The arithmetic model the plan was built with and that engines honour
        (positions, weight precision, integer intermediate, store rule).
    """

    in_size: int
    out_size: int
    index: NDArray[np.int64]
    weight: NDArray[np.float64]
    fill: NDArray[np.float64]
    fill_value: float
    coord: NDArray[np.float64]
    fixed: FixedPoint | None = None
    info: dict[str, Any] = field(default_factory=dict)
    arithmetic: Arithmetic = EXACT

    @property
    def taps(self) -> int:
        """Number of taps per output sample (columns of :attr:`index`)."""
        return int(self.index.shape[1])

    @property
    def is_gather(self) -> bool:
        """True when every output copies one input sample (nearest-type plans)."""
        cached: bool | None = self.__dict__.get("_is_gather")
        if cached is not None:
            return cached
        w, f = self.weight, self.fill
        g = bool(self.taps == 1 and np.all(w == 1.0) and not np.any(f))
        # The dispatch asks several times per call: remembered on the plan when its
        # arrays are read-only and own their data (plan()'s plans): they cannot change.
        if all(not a.flags.writeable and a.base is None
               for a in (np.asarray(w), np.asarray(f))):
            object.__setattr__(self, "_is_gather", g)
        return g

    @property
    def is_identity(self) -> bool:
        """True when the plan copies the input unchanged."""
        return bool(
            self.is_gather
            and self.in_size == self.out_size
            and np.array_equal(self.index[:, 0], np.arange(self.out_size))
        )

    def matrix(self) -> NDArray[np.float64]:
        """Return the dense ``(out_size, in_size)`` weight matrix (fill excluded).

        Examples
        --------
        >>> import pixelgrid
        >>> p = pixelgrid.plan(2, 4, kernel="linear")
        >>> p.matrix().round(3).tolist()
        [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]]
        """
        m = np.zeros((self.out_size, self.in_size), dtype=np.float64)
        rows = np.repeat(np.arange(self.out_size), self.taps)
        np.add.at(m, (rows, self.index.ravel()), self.weight.ravel())
        return m


def out_shape(shape: Sequence[int], plans: Iterable[tuple[int, AxisPlan]]) -> tuple[int, ...]:
    """The shape ``(axis, plan)`` pairs make of an array of ``shape``.

    Examples
    --------
    >>> import pixelgrid
    >>> out_shape((4, 5, 3), [(0, pixelgrid.plan(4, 8)), (1, pixelgrid.plan(5, 2))])
    (8, 2, 3)
    """
    out = list(shape)
    for ax, p in plans:
        out[ax] = p.out_size
    return tuple(out)
