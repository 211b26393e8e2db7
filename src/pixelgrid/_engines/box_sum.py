"""The integer-factor box model: block sums in the working type, scaled once.

Selected by ``Arithmetic(accumulate="block")`` on two box plans (OpenCV's
``resizeAreaFast``: ``INTER_AREA`` with integer factors, and ``INTER_LINEAR``
/ ``INTER_LINEAR_EXACT`` exact 2x downscales).  A plan's ``taps`` is the
factor ``k`` of its axis and ``index[:, 0]`` the first input of each block;
the plan weights (``1/k``) are the float model of the same result and are
not read.  With ``kx * ky = n`` and the working type float32 (float64 for
float64 data; integer data is summed exactly):

* a full block: ``s = 0``, then the pixels row by row, left to right, added
  in runs of four, ``s = s + (((a + b) + c) + d)``, the last ``n mod 4`` one
  by one (an unrolled loop's order); ``y = s * f32(1/n)`` in the working type;
  integers stored by the plans' ``arithmetic.store``.  With
  ``arithmetic.simd_lanes = L``, the first ``L * floor(m / L)`` elements of an
  output row (``m = full blocks * channels``) add each block row left to
  right and then the row sums in order (for 2x2: ``(a + b) + (c + d)``, the
  vector loop);
* a block cut by the right or bottom edge: ``s`` summed one by one in the
  working type, then ``f32(s) / f32(count)`` in float32, stored half to even
  (integers) or cast: even float64 data gets a float32 quotient here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import store
from .._plan_types import AxisPlan
from .float32_taps import working_dtype

__all__ = ["apply"]


def _store(v: NDArray[Any], dtype: np.dtype[Any], rule: str) -> NDArray[Any]:
    return store(v, dtype, rule) if dtype.kind in "iu" else v.astype(dtype)


def _partial(xr: NDArray[Any], starts: NDArray[np.int64], kx: int,
             acc: Any) -> NDArray[Any]:
    """Means of blocks cut by the edge: ``xr`` is ``(blocks, rows, width, channels)``.

    Each block's pixels are added one by one, row by row, from 0 in ``acc``; the
    quotient ``f32(sum) / f32(count)`` is float32.
    """
    w = xr.shape[2]
    s = np.zeros((xr.shape[0], starts.size, xr.shape[3]), dtype=acc)
    count = np.zeros(starts.size, dtype=np.int64)
    for sy in range(xr.shape[1]):
        for sx in range(kx):
            cols = starts + sx
            ok = cols < w
            s = np.where(ok[None, :, None], s + xr[:, sy, np.minimum(cols, w - 1)], s)
            count += ok
    return s.astype(np.float32) / count.astype(np.float32)[None, :, None]


def apply(x: NDArray[Any], plans: Sequence[tuple[int, AxisPlan]]) -> NDArray[Any]:
    """Apply a horizontal and a vertical box plan of integer factors (see the module doc)."""
    if sorted(ax for ax, _ in plans) != [0, 1] or x.ndim not in (2, 3):
        raise ValueError("the box model takes one plan for axis 0 and one for axis 1 of a "
                         "(height, width[, channels]) array")
    px = next(p for ax, p in plans if ax == 1)
    py = next(p for ax, p in plans if ax == 0)
    a = plans[-1][1].arithmetic
    kx, ky = px.taps, py.taps
    dw, dh = px.out_size, py.out_size
    h, w = x.shape[:2]
    dt = x.dtype
    xs = x.reshape(h, w, -1)
    cn = xs.shape[2]
    integer = dt.kind in "iu"
    acc = np.int64 if integer else working_dtype(dt)
    scale_dt = np.float64 if dt == np.float64 else np.float32
    out = np.empty((dh, dw, cn), dtype=dt)
    full_w, full_h = min(dw, w // kx), min(dh, h // ky)
    if full_w and full_h:
        blk = xs[: full_h * ky, : full_w * kx].astype(acc).reshape(full_h, ky, full_w, kx, cn)
        terms = [blk[:, sy, :, sx] for sy in range(ky) for sx in range(kx)]
        if integer:
            s = np.sum(np.stack(terms), axis=0)
        else:
            s = np.zeros_like(terms[0])
            i = 0
            while i + 4 <= len(terms):
                s = s + (((terms[i] + terms[i + 1]) + terms[i + 2]) + terms[i + 3])
                i += 4
            for t in terms[i:]:
                s = s + t
            lanes = a.simd_lanes
            limit = (full_w * cn // lanes) * lanes if lanes else 0
            if limit:
                rows = []
                for sy in range(ky):
                    r = blk[:, sy, :, 0]
                    for sx in range(1, kx):
                        r = r + blk[:, sy, :, sx]
                    rows.append(r)
                v = rows[0]
                for r in rows[1:]:
                    v = v + r
                s = s.reshape(full_h, -1)
                s[:, :limit] = v.reshape(full_h, -1)[:, :limit]
                s = s.reshape(full_h, full_w, cn)
        inv = scale_dt(np.float32(1.0 / (kx * ky)))
        out[:full_h, :full_w] = _store(s.astype(scale_dt) * inv, dt, a.store)
    # Blocks cut by the edge: the last column of full rows, then every block of the last rows.
    if full_w < dw and full_h:
        xr = xs[: full_h * ky].reshape(full_h, ky, w, cn)
        m = _partial(xr, np.arange(full_w, dw, dtype=np.int64) * kx, kx, acc)
        out[:full_h, full_w:] = _store(m, dt, "half_even")
    if full_h < dh:
        if dh - full_h > 1:
            raise ValueError(f"{dh} output rows from {h} rows in blocks of {ky}: at most one "
                             "row of blocks may be cut by the edge")
        xr = xs[full_h * ky: full_h * ky + ky][None]
        m = _partial(xr, np.arange(dw, dtype=np.int64) * kx, kx, acc)
        out[full_h:] = _store(m, dt, "half_even")
    return np.ascontiguousarray(out.reshape((dh, dw, *x.shape[2:])))
