"""OpenCV's own ``warpAffine`` arithmetic (``sample_points(arithmetic="opencv_warp")``).

The one definition of the rule, in numpy (the oracle of the compiled kernel,
``csrc/cv_warp.h``, which is bit-identical to it).  Measured against
opencv-python-headless 5.1.0.95 with ``cv2.ipp.setUseIPP(False)`` (OpenCV's
``warp_kernels.simd.hpp``, AVX2 build; the wheel dispatches no wider build of
that file): bit-exact for uint8, uint16 and float32 with 1-4 channels,
``INTER_NEAREST`` and ``INTER_LINEAR``, every border but ``BORDER_TRANSPARENT``.

* The forward map is inverted in double (:func:`opencv_invert_affine`); the inverse
  map is rounded to float32 (``m0 .. m5``).
* Per output row ``y``: ``t1 = f32(y * m1)``, ``Mx = f32(t1 + m2)`` (not fused), the
  same with ``m4, m5``.  Columns ``x < W - W % 16`` (OpenCV's AVX2 body, two 8-lane
  vectors per step) read ``sx = fma(m0, x, Mx)``; the last ``W % 16`` columns (its
  scalar tail, contracted by its compiler) ``sx = f32(fma(x, m0, t1) + m2)``.
* float32 -> int32 as x86 converts: outside the int32 range, ``INT_MIN``.
* ``INTER_LINEAR``: ``ix = floor(sx)``, ``a = f32(sx - ix)``; the four taps, each
  through the border rule (``constant``: the channel's border value, saturated to
  the dtype); ``r0 = fma(a, p01 - p00, p00)``, ``r1 = fma(a, p11 - p10, p10)``,
  ``r = fma(b, r1 - r0, r0)`` in float32, stored rounded half to even and saturated.
* ``INTER_NEAREST``: the tap at ``(rint(sy), rint(sx))`` (half to even), copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import fma_float32, store
from ._plan import map_boundary

#: Columns of OpenCV's vector body per step (two 8-lane float32 vectors, AVX2).
OPENCV_WARP_LANES = 16
#: dtypes OpenCV's float32 warp kernels take (others go to another path).
OPENCV_WARP_DTYPES = ("uint8", "uint16", "float32")
#: Core boundary names of OpenCV's borders, with the kernel's codes.
OPENCV_WARP_BOUNDARIES = {"constant": 0, "clamp": 1, "symmetric": 2, "wrap": 3, "reflect": 4}

_INT_MIN = -(2**31)
#: How close the ``ipp`` model comes to IPP's ``INTER_LINEAR`` (measured, 60 random
#: near-identity maps, 20-120 x 20-300 px, 1/3/4 channels, constant and replicate
#: borders): all but 17 of 522,728 uint8 values (1 level), 1 of 430,781 uint16 and
#: 1,698 of 501,566 float32 (1-2 ulp); the rest lie at the image border and near the
#: right end of rows (IPP's own border and tail rules, not found).
IPP_NOTE = "approximate: IPP's border and row-tail rules are not reproduced"


def opencv_invert_affine(m: Any) -> NDArray[np.float64]:
    """The inverse of a 2x3 affine map computed as ``cv2.warpAffine`` does (in double).

    ``D = m00 m11 - m01 m10``, ``1 / D`` (0 when ``D`` is 0), then the translation
    ``-(A @ t)`` summed left to right.

    Examples
    --------
    >>> opencv_invert_affine([[2.0, 0.0, 4.0], [0.0, 4.0, 2.0]]).tolist()
    [[0.5, -0.0, -2.0], [-0.0, 0.25, -0.5]]

    """
    a = [float(v) for v in np.asarray(m, dtype=np.float64).ravel()]
    d = a[0] * a[4] - a[1] * a[3]
    d = 1.0 / d if d != 0 else 0.0
    a0, a4 = a[4] * d, a[0] * d
    a1, a3 = a[1] * -d, a[3] * -d
    b1 = -a0 * a[2] - a1 * a[5]
    b2 = -a3 * a[2] - a4 * a[5]
    return np.array([[a0, a1, b1], [a3, a4, b2]], dtype=np.float64)


def opencv_warp_positions(back: Any, h: int, w: int, lanes: int = OPENCV_WARP_LANES
                          ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``(sx, sy)``, float32 ``(h, w)``: the source positions of OpenCV's warp kernels.

    ``back`` is the inverse map (output pixel -> source position), rounded here
    to float32; ``lanes`` the width of OpenCV's vector body (module docstring).
    """
    f32 = np.float32
    m = np.asarray(back, dtype=np.float64).reshape(6).astype(f32)
    y = np.arange(h, dtype=f32)[:, None]
    x = np.broadcast_to(np.arange(w, dtype=f32), (h, w))
    t1, t4 = (y * m[1]).astype(f32), (y * m[4]).astype(f32)
    mx, my = (t1 + m[2]).astype(f32), (t4 + m[5]).astype(f32)
    full = np.ones((h, w), dtype=f32)
    sx = fma_float32(full * m[0], x, full * mx)
    sy = fma_float32(full * m[3], x, full * my)
    nb = (w // lanes) * lanes if lanes > 0 else 0
    if nb < w:  # the scalar tail
        xt, ft = x[:, nb:], full[:, nb:]
        sx[:, nb:] = (fma_float32(xt, ft * m[0], ft * t1) + m[2]).astype(f32)
        sy[:, nb:] = (fma_float32(xt, ft * m[3], ft * t4) + m[5]).astype(f32)
    return sx, sy


def opencv_check_positions(back: Any, h: int, w: int, boundary: str) -> None:
    """Refuse maps whose source positions leave ``[-2**30, 2**30]`` under a mapped border.

    (And any map beyond ``2**100``, near float32's overflow, where ``inf - inf`` in
    the lerp is not modelled.)

    Positions beyond the int32 range meet OpenCV's integer overflows in its border
    arithmetic (``BORDER_REPLICATE`` at ``+3e9`` reads the last column, ``BORDER_WRAP``
    at ``-3e9`` a column no modulo gives), which are not reproduced; a constant
    border reads the border value there, as here.
    """
    m = np.asarray(back, dtype=np.float64).reshape(2, 3)
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], np.float64)
    far = float(np.max(np.abs(corners @ m.T)))
    if not np.all(np.abs(m) < 2.0**100) or far >= 2.0**100:
        # float32 positions near the overflow (inf - inf in the lerp) are not modelled
        raise ValueError(f"the map reaches source positions up to {far:.3g}; they must stay "
                         "within 2**100 (float32 arithmetic)")
    if boundary == "constant":
        return
    if far >= 2.0**30:
        raise ValueError(
            f"the map reaches source positions up to {far:.3g}; with boundary={boundary!r} "
            "positions must stay within 2**30 (OpenCV's int32 overflows beyond are not "
            "reproduced; BORDER_CONSTANT has no such limit)")


def _to_i32(v: NDArray[np.float32]) -> NDArray[np.int64]:
    """Integral float32 values as int32 conversions give them (out of range: INT_MIN)."""
    ok = (v >= -(2.0**31)) & (v < 2.0**31)
    return np.where(ok, v, _INT_MIN).astype(np.int64)


def opencv_fill(fill: Sequence[float], dtype: np.dtype[Any], channels: int) -> NDArray[np.float32]:
    """The per-channel border values as OpenCV's kernels read them (saturated to the dtype)."""
    v = np.zeros(channels, dtype=np.float64)
    vals = list(fill)[:channels]
    v[: len(vals)] = vals
    if np.dtype(dtype).kind in "ui":
        return store(v, dtype, "half_even").astype(np.float32)
    return v.astype(np.float32)


def ipp_warp_positions(back: Any, h: int, w: int
                       ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(sx, sy)``, float64 ``(h, w)``: ``(x * m0 + y * m1) + m2`` in double (IPP's model)."""
    m = np.asarray(back, dtype=np.float64).reshape(6)
    y = np.arange(h, dtype=np.float64)[:, None]
    x = np.arange(w, dtype=np.float64)[None, :]
    return (x * m[0] + y * m[1]) + m[2], (x * m[3] + y * m[4]) + m[5]


def opencv_warp_reference(xm: NDArray[Any], back: Any, h: int, w: int, linear: bool,
                          boundary: str, fill: Sequence[float],
                          lanes: int = OPENCV_WARP_LANES, ipp: bool = False) -> NDArray[Any]:
    """The numpy oracle: ``xm`` ``(H, W, C)`` warped to ``(h, w, C)`` (module docstring).

    ``ipp``: the approximate model of Intel IPP's ``INTER_LINEAR`` (:data:`IPP_NOTE`):
    positions in double (:func:`ipp_warp_positions`; rounded to float32 for uint8),
    fractions rounded to float32 and the lerp vertical first; ``INTER_NEAREST`` keeps
    OpenCV's own model.
    """
    n_h, n_w, c = xm.shape
    sx, sy = opencv_warp_positions(back, h, w, lanes)
    fv = opencv_fill(fill, xm.dtype, c)

    def taps(iy: NDArray[np.int64], ix: NDArray[np.int64], data: NDArray[Any],
             fillv: NDArray[Any]) -> NDArray[Any]:
        if boundary == "constant":
            ok = (iy >= 0) & (iy < n_h) & (ix >= 0) & (ix < n_w)
            v = data[np.clip(iy, 0, n_h - 1), np.clip(ix, 0, n_w - 1)]
            return np.where(ok[..., None], v, fillv)
        return data[map_boundary(iy, n_h, boundary), map_boundary(ix, n_w, boundary)]

    if not linear:
        ix, iy = _to_i32(np.rint(sx)), _to_i32(np.rint(sy))
        return np.asarray(taps(iy, ix, xm, fv.astype(xm.dtype)))
    f32 = np.float32
    if ipp:
        dx, dy = ipp_warp_positions(back, h, w)
        if xm.dtype == np.uint8:  # IPP's 8-bit kernels round the positions to float32
            dx, dy = dx.astype(f32).astype(np.float64), dy.astype(f32).astype(np.float64)
        fdx, fdy = np.floor(dx), np.floor(dy)
        ix, iy = _to_i32(fdx), _to_i32(fdy)
        a = (dx - fdx).astype(f32)[..., None]
        b = (dy - fdy).astype(f32)[..., None]
    else:
        fx, fy = np.floor(sx), np.floor(sy)
        ix, iy = _to_i32(fx), _to_i32(fy)
        a = (sx - ix.astype(f32)).astype(f32)[..., None]
        b = (sy - iy.astype(f32)).astype(f32)[..., None]
    src = xm.astype(f32)
    p00, p01 = taps(iy, ix, src, fv), taps(iy, ix + 1, src, fv)
    p10, p11 = taps(iy + 1, ix, src, fv), taps(iy + 1, ix + 1, src, fv)
    a, b = np.broadcast_to(a, p00.shape), np.broadcast_to(b, p00.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        if ipp:  # vertical first
            c0 = fma_float32(b, (p10 - p00).astype(f32), p00)
            c1 = fma_float32(b, (p11 - p01).astype(f32), p01)
            r = fma_float32(a, (c1 - c0).astype(f32), c0)
        else:
            r0 = fma_float32(a, (p01 - p00).astype(f32), p00)
            r1 = fma_float32(a, (p11 - p10).astype(f32), p10)
            r = fma_float32(b, (r1 - r0).astype(f32), r0)
    if xm.dtype == np.float32:
        return r
    return store(r, xm.dtype, "half_even")
