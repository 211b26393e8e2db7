"""Dispatch plans whose arithmetic follows a library's order to the model engine for it.

A plan's :class:`~pixelgrid.Arithmetic` names the model (``accumulate``,
``intermediate="unshifted"``); each model is implemented once, in its module:

* :mod:`.float32_taps`: ``accumulate="taps"``: separable passes in a float32
  (float64 for float64 data) buffer, taps in plan order, optional vector order;
* :mod:`.wide_fixed`: ``intermediate="unshifted"``: integer weights, exact
  first-pass sums, one rounding (optional truncations and float vector body);
* :mod:`.box_sum`: ``accumulate="block"``: integer-factor block sums scaled by
  ``f32(1/n)``, edge blocks ``f32(sum)/count``;
* :mod:`.corner_sum`: ``accumulate="corner_sum"``/``"corner_sum_q10"``;
* :mod:`.block_mean`: ``block_mean=BlockMean(...)``: a library's integer-factor
  reduce (Pillow's ``Image.reduce``);
* :func:`.reference.apply_plans_stored_per_axis`:
  ``accumulate="float64_per_axis"``: float64 sums stored in the dtype after
  every axis (Pillow's I/F modes, MATLAB, SciPy's filters).

Plans with the default ``accumulate="float64"`` go to
:func:`pixelgrid._engines.reference.apply_plans` (or the compiled engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._plan_types import AxisPlan
from . import box_sum, float32_taps, wide_fixed

__all__ = ["apply_model", "needs_model"]


def needs_model(plans: Sequence[tuple[int, AxisPlan]]) -> bool:
    """True when some plan's arithmetic asks for a model engine (``Arithmetic.ordered``)."""
    return any(p.arithmetic.ordered for _, p in plans)


def apply_model(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply ``(axis, plan)`` pairs with the model the last plan's arithmetic declares.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> from pixelgrid._arithmetic import Arithmetic
    >>> p = pixelgrid.plan(3, 2, kernel="linear", arithmetic=Arithmetic(accumulate="taps"))
    >>> apply_model(np.array([0.1, 0.2, 0.3], np.float32), [(0, p)]).dtype
    dtype('float32')
    """
    if not plans:
        return np.array(x, copy=True, order="C")
    a = plans[-1][1].arithmetic
    kinds = {(p.arithmetic.accumulate, p.arithmetic.intermediate == "unshifted",
              p.arithmetic.block_mean) for _, p in plans}
    if len(kinds) > 1:
        raise ValueError(f"the plans declare different models {sorted(map(str, kinds))}; "
                         "one model applies to all passes")
    if a.block_mean is not None:
        from .block_mean import apply_block_mean

        return apply_block_mean(x, plans, a.block_mean)
    if a.accumulate in ("float64_per_axis", "taps_per_axis"):
        from .reference import apply_plans_stored_per_axis

        return apply_plans_stored_per_axis(x, plans)
    if a.intermediate == "unshifted" and x.dtype.kind in "iu":
        return wide_fixed.apply(x, plans)
    if a.accumulate == "block":
        return box_sum.apply(x, plans)
    if a.accumulate == "taps":
        return float32_taps.apply(x, plans)
    if a.accumulate in ("corner_sum", "corner_sum_q10"):
        from . import corner_sum

        return corner_sum.apply(x, plans)
    raise ValueError(f"no model engine for {a!r} with dtype {x.dtype}")
