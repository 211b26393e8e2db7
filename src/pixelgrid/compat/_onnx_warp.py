"""ONNX ``GridSample`` (opset 22) and ``AffineGrid`` (opset 20) on the pixelgrid model.

The operators' semantics are PyTorch's ``grid_sample`` / ``affine_grid``
(:mod:`pixelgrid.compat._torch_warp`, which holds the shared body), extended to
any number of spatial axes:

* ``X`` is ``(N, C, D1, ..., Dr)``, ``grid`` ``(N, O1, ..., Or, r)`` whose last
  axis lists coordinates in reverse axis order (``x`` = ``Dr`` first);
* ``mode``: ``linear``, ``nearest`` (round half to even, then pad) or ``cubic``
  (a = -0.75, padding applied to each integer tap); ``padding_mode``:
  ``zeros``, ``border``, ``reflection``; ``align_corners``: 0 or 1.

Checked against onnxruntime (4-D every mode, 5-D linear/nearest: what it
implements) and the ``onnx.reference`` evaluator (every rank).  The reference
evaluator differs for ``cubic`` with ``border`` (it clamps the continuous
coordinate before choosing taps; onnxruntime and PyTorch clamp each tap): this
module follows onnxruntime and PyTorch.

Reproduces onnxruntime 1.32.0 (CPU) and onnx 1.23.2's reference evaluator.
Precision, measured on a 4 x 5000 float32 image sampled at 4 x 5000 random
points in [-1.1, 1.1] (``tests/test_compat_onnx_warp.py``): ``nearest``
bit-identical (the grid is unnormalised in float32 with ORT's expressions);
``linear`` within 1.2e-7 (one float32 ulp: the taps are summed in float64 here,
ORT sums ``dy2 * (dx2 * p11 + dx1 * p12) + dy1 * (...)`` in float32) and
``cubic`` within 1.4e-6 (ORT evaluates the Keys polynomial and sums the 16
taps in float32), the same as on a 2500-px image: the difference does not
grow with size.  ``AffineGrid`` within 3e-7 at 2000 x 5000 (1.2e-7 at 4 x 5000).  Not bit-exact:
ORT's float32 tap order would be a sampler rule of the shared point sampler
(:mod:`pixelgrid._sampling`), which this module does not own.  NaN/inf data reach
the outputs onnxruntime gives them (every tap inside the input is read, weight 0 or
not; tests/test_native_sampler.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._kernels import linear, nearest
from ._torch_warp import (
    GRID_SAMPLE_MODES,
    PADDING_MODES,
    GridMode,
    _affine_grid_numpy,
    _grid_sample_numpy,
)

__all__ = ["GRID_SAMPLE_MODES_ONNX", "affine_grid", "grid_sample"]

#: ONNX GridSample-22 modes.  ``nearest`` rounds half to even *before* padding
#: (onnxruntime and the reference evaluator agree; PyTorch pads the continuous
#: coordinate first), so the padding acts on the rounded integer tap, as for
#: ``cubic``.  They differ only at ties with ``reflection``, ``align_corners=0``:
#: x = -2.5 on a width-4 axis reads pixel 1 in ONNX (rint(-2.5) = -2, mirrored
#: about -0.5) and pixel 2 in PyTorch (mirrored to 1.5, rint(1.5) = 2).
GRID_SAMPLE_MODES_ONNX: dict[str, GridMode] = {
    # linear: onnxruntime pads each tap (as for cubic), not the coordinate: the same
    # values as PyTorch's padded coordinate (linear interpolation commutes with the
    # integer reflections), but a weight-0 tap past the edge reads the padded pixel
    # (checked against ORT with NaN/inf data)
    "linear": GridMode(linear(), None, True, (2, 3)),
    "nearest": GridMode(nearest("round_prefer_ceil"), "round_half_even", True, (2, 3)),
    "cubic": GRID_SAMPLE_MODES["bicubic"],
}


def _align(align_corners: Any) -> bool:
    if isinstance(align_corners, (bool, np.bool_)) or align_corners not in (0, 1):
        raise ValueError(f"align_corners={align_corners!r} is not valid; expected 0 or 1")
    return bool(align_corners)


def _array(v: Any, name: str) -> NDArray[Any]:
    if not isinstance(v, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(v).__name__}")
    return v


def grid_sample(
    X: Any, grid: Any, *, mode: str = "linear", padding_mode: str = "zeros",
    align_corners: int = 0,
) -> NDArray[Any]:
    """Evaluate ONNX ``GridSample`` (opset 22) on numpy arrays.

    ``X`` is ``(N, C, D1, ..., Dr)`` and ``grid`` ``(N, O1, ..., Or, r)`` with
    values in ``[-1, 1]``, both float32 or both float64; returns
    ``(N, C, O1, ..., Or)``.  Non-finite grid values raise ValueError, as do values whose
    pixel positions overflow (beyond the dtype's ``max / (2 n)``, ``n`` the longest axis;
    not for ``nearest`` with zeros or border padding).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[10.0, 20.0, 30.0]]], dtype=np.float32)
    >>> g = np.array([[[-1.0], [0.0], [0.5]]], dtype=np.float32)
    >>> grid_sample(x, g, align_corners=1).tolist()
    [[[10.0, 20.0, 25.0]]]

    """
    x = _array(X, "X")
    g = _array(grid, "grid")
    if mode not in GRID_SAMPLE_MODES_ONNX:
        raise ValueError(
            f"mode={mode!r} is not valid; expected one of {sorted(GRID_SAMPLE_MODES_ONNX)}"
        )
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"padding_mode={padding_mode!r} is not valid; expected one of "
            f"{sorted(PADDING_MODES)}"
        )
    ac = _align(align_corners)
    return _grid_sample_numpy(x, g, GRID_SAMPLE_MODES_ONNX[mode], mode, padding_mode, ac,
                              torch_names=False)


def affine_grid(theta: Any, size: Any, *, align_corners: int = 0) -> NDArray[Any]:
    """Evaluate ONNX ``AffineGrid`` (opset 20) on numpy arrays.

    ``theta`` is ``(N, 2, 3)`` or ``(N, 3, 4)``; ``size`` the int64 vector
    ``(N, C, H, W)`` or ``(N, C, D, H, W)``.  Returns ``(N, H, W, 2)`` or
    ``(N, D, H, W, 3)`` in ``theta``'s dtype.  A length-1 axis has base
    coordinate 0 (the onnx reference evaluator divides by zero there with
    ``align_corners=1``).

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([[[1, 0, 0], [0, 1, 0]]], dtype=np.float32)
    >>> affine_grid(theta, np.array([1, 1, 1, 2]), align_corners=1)[0, 0].tolist()
    [[-1.0, 0.0], [1.0, 0.0]]

    """
    th = _array(theta, "theta")
    sz = np.asarray(size)
    if sz.ndim != 1 or not np.issubdtype(sz.dtype, np.integer):
        raise ValueError(f"size={size!r} must be a 1-D integer vector (N, C, H, W[, D])")
    return _affine_grid_numpy(th, [int(s) for s in sz], _align(align_corners), "theta", "size")
