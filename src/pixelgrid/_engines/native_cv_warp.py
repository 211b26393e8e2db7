"""OpenCV's own ``warpAffine`` model (:mod:`pixelgrid._cv_warp`) in the compiled engine.

``csrc/cv_warp.h``: the same operations on the same float32 operands as the numpy
oracle, bit for bit; output rows split over threads, 8 ``INTER_LINEAR`` pixels per
step with AVX2 gathers where the CPU has AVX2 and FMA (a scalar build otherwise; an
AVX-512 build for the ipp model's uint8 3-4 channel groups where it has AVX-512).
:func:`warp` returns ``None`` for what it does not run (the caller uses the oracle).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._cv_warp import OPENCV_WARP_BOUNDARIES, OPENCV_WARP_DTYPES, opencv_fill
from . import native

__all__ = ["available", "warp", "warp_skips"]


def available() -> bool:
    """True when the compiled engine has the OpenCV warp kernel."""
    return native._ext is not None and hasattr(native._ext, "cv_warp_affine")


def warp(xm: NDArray[Any], back: Any, h: int, w: int, linear: bool, boundary: str,
         fill: Sequence[float], lanes: int, threads: int | None = None,
         simd: bool = True, ipp: bool = False, avx512: bool = True) -> NDArray[Any] | None:
    """``xm`` ``(H, W, C)`` warped to ``(h, w, C)`` by OpenCV's model, or ``None``.

    ``ipp``: the approximate model of IPP's ``INTER_LINEAR`` (``opencv_warp_reference``).
    ``simd``/``avx512``: allow the AVX2 / AVX-512 builds where the CPU has them (every
    build gives the same bits; the tests run each).
    """
    if not available() or warp_skips(xm):
        return None
    return run(xm, h, w, arguments(xm, back, linear, boundary, fill, lanes, threads, simd, ipp,
                                   avx512))


def warp_skips(xm: NDArray[Any]) -> bool:
    """Whether :func:`warp` leaves ``xm`` to the oracle (a dtype or layout it lacks)."""
    return (xm.dtype.name not in OPENCV_WARP_DTYPES or xm.ndim != 3
            or not 1 <= xm.shape[2] <= 4 or 0 in xm.shape)


def arguments(xm: NDArray[Any], back: Any, linear: bool, boundary: str, fill: Sequence[float],
              lanes: int, threads: int | None = None, simd: bool = True, ipp: bool = False,
              avx512: bool = True) -> dict[str, Any]:
    """The kernel's arguments but the arrays and the thread count (a memo may keep them)."""
    c = xm.shape[2]
    m = np.asarray(back, dtype=np.float64).reshape(6).astype(np.float32)
    fv = np.zeros(4, dtype=np.float32)
    fv[:c] = opencv_fill(fill, xm.dtype, c)
    return dict(m=[float(v) for v in m], fill=[float(v) for v in fv], linear=bool(linear),
                border=OPENCV_WARP_BOUNDARIES[boundary], lanes=int(lanes), threads=threads,
                simd=simd, ipp=bool(ipp),
                md=[float(v) for v in np.asarray(back, dtype=np.float64).reshape(6)],
                avx512=bool(avx512))


def run(xm: NDArray[Any], h: int, w: int, args: dict[str, Any]) -> NDArray[Any]:
    """Warp ``xm`` (``(H, W, C)``, a dtype and channel count :func:`warp` runs) by ``args``."""
    src = np.ascontiguousarray(xm)
    out = np.empty((h, w, xm.shape[2]), dtype=xm.dtype)
    native._ext.cv_warp_affine(src=src, dst=out, **{
        **args, "threads": native._resolve_threads(args["threads"])})
    return out
