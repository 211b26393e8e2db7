"""Plan algebra: one plan equal to two plans applied one after the other.

Part of the plan layer (re-exported by :mod:`pixelgrid._plan`), so library
emulations and :mod:`pixelgrid._explain` both build on it without importing
each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arithmetic import Arithmetic
from ._plan_types import AxisPlan

__all__ = ["compose_plans"]


def compose_plans(after: AxisPlan, before: AxisPlan, *, coord: Any = None,
                  info: dict[str, Any] | None = None,
                  arithmetic: Arithmetic | None = None) -> AxisPlan:
    """One plan equal to applying ``before`` and then ``after`` along the same axis.

    For library calls that resample one axis twice (Pillow's ``reducing_gap``
    pre-shrink, scikit-image's Gaussian prefilter before its zoom): the weight
    matrix is ``after.matrix() @ before.matrix()`` and the fill terms are
    carried through.  ``coord`` (default ``after.coord``), ``info`` (default
    ``after.info``) and ``arithmetic`` (default ``after.arithmetic``) describe
    the result.  The result is a float plan (no fixed-point weights).

    Examples
    --------
    >>> from pixelgrid import plan
    >>> p = compose_plans(plan(4, 2, kernel="linear", antialias=False),
    ...                   plan(2, 4, kernel="linear"))  # up by 2, then down by 2
    >>> p.matrix().round(4).tolist()
    [[0.875, 0.125], [0.125, 0.875]]

    """
    if after.in_size != before.out_size:
        raise ValueError(f"after reads {after.in_size} samples but before makes "
                         f"{before.out_size}")
    a = after.matrix()
    dense = a @ before.matrix()
    if before.fill_value == after.fill_value or not np.any(before.fill):
        fill = a @ before.fill + after.fill
        fill_value = after.fill_value if np.any(after.fill) else before.fill_value
    elif not np.any(after.fill):
        fill, fill_value = a @ before.fill, before.fill_value
    else:  # two different constants: fold them into one fill of value 1
        fill = (a @ before.fill) * before.fill_value + after.fill * after.fill_value
        fill_value = 1.0
    keep = dense != 0
    count = keep.sum(axis=1)
    taps = max(int(count.max()) if count.size else 0, 1)
    # The non-zero columns of each row first, in increasing order (a stable sort of
    # "not kept"); unused taps repeat the row's last column (or 0) with weight 0.
    order = np.argsort(~keep, axis=1, kind="stable")[:, :taps]
    last = np.take_along_axis(order, np.maximum(count - 1, 0)[:, None], axis=1)
    last = np.where(count[:, None] > 0, last, 0)
    used = np.arange(taps) < count[:, None]
    index = np.where(used, order, last).astype(np.int64)
    weight = np.where(used, np.take_along_axis(dense, order, axis=1), 0.0)
    return AxisPlan(before.in_size, after.out_size, index, weight, np.asarray(fill, float),
                    float(fill_value),
                    np.asarray(after.coord if coord is None else coord, dtype=np.float64),
                    None, dict(after.info if info is None else info),
                    after.arithmetic if arithmetic is None else arithmetic)
