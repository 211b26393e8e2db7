"""OpenCV's ``cv2.warpAffine``, declared on the pixelgrid point sampler.

Reproduces opencv-python-headless 5.1.0.95: OpenCV's own kernels
(``warp_kernels.simd.hpp``, ``ipp=False``) bit-exact (``tests/test_compat_opencv_warp.py``,
``docs/compat_opencv_pillow.md``).  The arithmetic is the point sampler's
``arithmetic="opencv_warp"`` (one definition: :mod:`pixelgrid._cv_warp`, with a
compiled, threaded and vectorised twin); this module only maps cv2's arguments
onto it.

OpenCV facts this module encodes (checked against cv2 in the tests):

* ``dsize = (width, height)``; a zero in it means the input's size.
* ``M`` maps input to output (inverted in double, :func:`pixelgrid._cv_warp.opencv_invert_affine`)
  unless ``flags`` has ``WARP_INVERSE_MAP``; pixel centres are at integers.
* ``INTER_AREA`` is ``INTER_LINEAR`` in ``warpAffine``; ``WARP_FILL_OUTLIERS`` has
  no effect there.
* ``borderValue``: a number ``v`` is the Scalar ``(v, 0, 0, 0)`` (the 2nd-4th
  channels of a multi-channel image get 0); values are saturated to the dtype.
* An ``(H, W, 1)`` input gives an ``(h, w)`` output.

IPP: with Intel IPP enabled (the wheel's default) cv2 hands uint8, uint16 and
float32 warps to IPP.  ``ipp=True`` (the default, as in :func:`resize`) approximates
IPP's ``INTER_LINEAR`` (``arithmetic="opencv_warp_ipp"``: positions in double,
rounded to float32 for uint8, fractions rounded to float32, the lerp vertical first;
measured on 60 random maps: all but 17 of 522,728 uint8 values (1 level), 1 of
430,781 uint16 and 1,698 of 501,566 float32 (1-2 ulps) agree; on a 1024^2 x 3
rotation 2 uint8 values and 0.002 % of float32 values (6e-8) differ; IPP's border
and row-tail rules are not found).
Without it, IPP's results differ from OpenCV's own kernels
(``INTER_LINEAR`` on a 1024^2 x 3 rotation: 1 level on 0.02 % of the uint8 pixels;
float32 on most pixels, up to 7e-5 on [0, 1) data, 3.5e-4 at 5000 px: IPP's positions
are in double, see the docs for the measured lead; ``INTER_NEAREST``: only where a
position is an exact half-pixel tie, e.g. a 90-degree turn about an image centre,
which IPP rounds up, not reproduced); ``ipp=False`` computes exactly what
``cv2.ipp.setUseIPP(False)`` gives.  Raised as errors: ``INTER_CUBIC`` and
``INTER_LANCZOS4``, int16 and float64 data, 2 or more than 4 channels (other
OpenCV paths, not reproduced: 2-channel results differ) and ``BORDER_TRANSPARENT``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arrays import engine_env
from .._cv_warp import opencv_invert_affine
from .._kernels import linear, nearest
from .._memo import remember, typed_keys
from .._sampling import opencv_warp_runner, sample_points

__all__ = [
    "BORDER_CONSTANT",
    "BORDER_REFLECT",
    "BORDER_REFLECT_101",
    "BORDER_REPLICATE",
    "BORDER_WRAP",
    "WARP_FILL_OUTLIERS",
    "WARP_INVERSE_MAP",
    "warpAffine",
]

BORDER_CONSTANT = 0
BORDER_REPLICATE = 1
BORDER_REFLECT = 2
BORDER_WRAP = 3
BORDER_REFLECT_101 = 4
WARP_FILL_OUTLIERS = 8
WARP_INVERSE_MAP = 16

#: cv2 border mode -> the core boundary rule it is.
BORDER_MODES = {BORDER_CONSTANT: "constant", BORDER_REPLICATE: "clamp",
                BORDER_REFLECT: "symmetric", BORDER_WRAP: "wrap",
                BORDER_REFLECT_101: "reflect"}
_BORDER_NAMES = {BORDER_CONSTANT: "BORDER_CONSTANT", BORDER_REPLICATE: "BORDER_REPLICATE",
                 BORDER_REFLECT: "BORDER_REFLECT", BORDER_WRAP: "BORDER_WRAP",
                 BORDER_REFLECT_101: "BORDER_REFLECT_101"}
#: interpolation (``flags & 7``) -> nearest?  (INTER_AREA is INTER_LINEAR in warpAffine)
_INTERP = {0: True, 1: False, 3: False}
_INTERP_NAMES = {0: "INTER_NEAREST", 1: "INTER_LINEAR", 3: "INTER_AREA"}
_DTYPES = ("uint8", "uint16", "float32")
_NEAREST, _LINEAR = nearest(), linear()  # frozen records, made once (not per call)


def _int_arg(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{name}={v!r} must be an int (a cv2 constant)")
    return int(v)


def _matrix(M: Any) -> NDArray[np.float64]:
    m = np.asarray(M)
    if m.shape != (2, 3) or m.dtype.kind not in "fiu":
        raise ValueError(f"M must be a 2x3 matrix of numbers, got shape {m.shape} "
                         f"dtype {m.dtype}")
    m = m.astype(np.float64)
    if not np.all(np.isfinite(m)):
        raise ValueError("M must hold finite values")
    return m


def _border_value(v: Any) -> list[float]:
    vals = list(v) if isinstance(v, (tuple, list, np.ndarray)) else [v]
    if not 1 <= len(vals) <= 4 or not all(
            isinstance(e, numbers.Real) and not isinstance(e, bool) for e in vals):
        raise TypeError(f"borderValue={v!r} must be a number or a sequence of 1-4 numbers "
                        "(a cv2 Scalar)")
    out = [float(e) for e in vals] + [0.0] * (4 - len(vals))  # a number is (v, 0, 0, 0)
    if not all(math.isfinite(e) for e in out):
        raise ValueError(f"borderValue={v!r} must be finite")
    return out


#: Recent warpAffine calls that the compiled kernel ran: every argument but the image's
#: values (the image's layout, the matrix's bytes, the engine choice of the environment)
#: -> ``(run, shape)`` (:func:`pixelgrid._sampling.opencv_warp_runner`; ``shape`` the
#: result's).  Stored only after a call succeeded; all it holds is a function of its key,
#: so a repeat (a loop of same-size images under one matrix) skips the checks and
#: conversions, ~12 of ~23 us of a 64^2x3 uint8 call, and gives the same result.
_CALL_MEMO: dict[tuple[Any, ...], tuple[Any, tuple[int, ...]]] = {}
_CALL_ARGS = typed_keys(frozenset((int, bool, np.bool_)))


def _fill_key(v: Any) -> Any:
    """The memo key of a borderValue (floats by their hex form: -0.0 is not 0.0), or None."""
    t = type(v)
    if t is int:
        return v
    if t is float:
        return v.hex()
    if t in (tuple, list) and all(type(e) in (int, float) for e in v):
        return (t, tuple(e if type(e) is int else e.hex() for e in v))
    return None


def warpAffine(
    src: Any,
    M: Any,
    dsize: Any,
    dst: Any = None,
    flags: int = 1,
    borderMode: int = BORDER_CONSTANT,
    borderValue: Any = 0,
    *,
    ipp: bool = True,
) -> NDArray[Any]:
    """Reproduce ``cv2.warpAffine`` (opencv-python-headless 5.1.0.95) without OpenCV.

    Same signature, constants and defaults as ``cv2.warpAffine``: ``src`` an
    ``(H, W)`` or ``(H, W, C)`` numpy array (uint8, uint16 or float32; 1, 3 or 4
    channels), ``M`` the 2x3 map, ``dsize = (width, height)``, ``flags``
    ``INTER_NEAREST``/``INTER_LINEAR`` (``INTER_AREA`` is linear, as in cv2) with
    ``WARP_INVERSE_MAP``, ``borderMode`` ``BORDER_CONSTANT``, ``BORDER_REPLICATE``,
    ``BORDER_REFLECT``, ``BORDER_WRAP`` or ``BORDER_REFLECT_101``, ``borderValue``
    a number or up to 4 per-channel values.  If ``dst`` has the output's shape and
    dtype it is filled and returned.  Runs on the compiled engine's threads
    (``PIXELGRID_NUM_THREADS``, default all cores).  ``ipp`` (keyword only), as in
    :func:`resize`: ``True`` follows the wheel's default (Intel IPP on), whose
    ``INTER_LINEAR`` this function approximates (the module doc: 1 level on ~3e-5 of
    uint8 values, 1-2 float32 ulps on ~0.3 % of values); ``False`` is OpenCV's own
    code, as after ``cv2.ipp.setUseIPP(False)``: bit-exact.  ``INTER_NEAREST`` is
    OpenCV's own either way (IPP differs only at exact half-pixel ties).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0, 100, 200, 100, 0]], dtype=np.uint8)
    >>> warpAffine(x, np.array([[1.0, 0, 0.5], [0, 1, 0]]), (5, 1), ipp=False).tolist()
    [[0, 50, 150, 150, 50]]
    >>> # nearest: src(rint(x - 0.5)), ties to even (0.5 -> 0, 1.5 and 2.5 -> 2)
    >>> warpAffine(x, np.array([[1.0, 0, 0.5], [0, 1, 0]]), (5, 1), flags=0).tolist()
    [[0, 0, 200, 200, 0]]

    """
    key = None
    if type(src) is np.ndarray and type(M) is np.ndarray and dst is None:
        a = _CALL_ARGS((dsize, flags, borderMode, ipp))
        fk = _fill_key(borderValue)
        if a is not None and fk is not None:
            key = (a, fk, src.shape, src.dtype, src.strides, M.tobytes(), M.shape, M.dtype,
                   engine_env())
            got = _CALL_MEMO.get(key)
            if got is not None:
                return got[0](src if src.ndim == 3 else src[:, :, None]).reshape(got[1])  # type: ignore[no-any-return]
    if not isinstance(src, np.ndarray):
        raise TypeError(f"src must be a numpy array, got {type(src).__name__}")
    if src.ndim not in (2, 3) or src.size == 0:
        raise ValueError(f"src has shape {src.shape}; expected a non-empty (height, width) "
                         "or (height, width, channels) array")
    if src.dtype.name not in _DTYPES:
        raise TypeError(f"src has dtype {src.dtype}; this emulation of cv2.warpAffine "
                        f"supports {list(_DTYPES)} (OpenCV's float32 warp kernels)")
    if src.ndim == 3 and src.shape[2] not in (1, 3, 4):
        raise ValueError(f"src has {src.shape[2]} channels; this emulation supports 1, 3 "
                         "and 4 (OpenCV's float32 warp kernels; 2 or more than 4 channels "
                         "take another OpenCV path)")
    f = _int_arg("flags", flags)
    if f & ~(7 | WARP_FILL_OUTLIERS | WARP_INVERSE_MAP) or (f & 7) not in _INTERP:
        raise ValueError(
            f"flags={flags!r} is not supported; expected one of {_INTERP_NAMES} "
            "(INTER_CUBIC and INTER_LANCZOS4 are not reproduced), optionally | "
            "WARP_INVERSE_MAP (16)")
    b = _int_arg("borderMode", borderMode)
    if b not in BORDER_MODES:
        raise ValueError(f"borderMode={borderMode!r} is not supported; expected one of "
                         f"{_BORDER_NAMES} (BORDER_TRANSPARENT is not reproduced)")
    if not isinstance(ipp, (bool, np.bool_)):
        raise TypeError(f"ipp={ipp!r} must be True or False")
    fill = _border_value(borderValue)
    m = _matrix(M)
    back = m if f & WARP_INVERSE_MAP else opencv_invert_affine(m)
    try:
        dw, dh = (int(v) for v in dsize)
    except (TypeError, ValueError):
        raise TypeError(f"dsize={dsize!r} must be (width, height)") from None
    if dw < 0 or dh < 0:
        raise ValueError(f"dsize={dsize!r} must not be negative")
    h, w = src.shape[:2]
    if dw == 0 or dh == 0:  # cv2: an empty dsize means the input's size
        dw, dh = w, h
    x = src if src.ndim == 3 else src[:, :, None]
    k = _NEAREST if _INTERP[f & 7] else _LINEAR
    boundary = BORDER_MODES[b]
    arith = "opencv_warp_ipp" if ipp and not _INTERP[f & 7] else "opencv_warp"
    y = sample_points(x, None, [k, k], [boundary, boundary], 0.0, arithmetic=arith,
                      affine=(back, dh, dw), fill_channels=fill)
    shape = (dh, dw) if src.ndim == 2 or src.shape[2] == 1 else (dh, dw, src.shape[2])
    out = y.reshape(shape)
    if key is not None:
        run = opencv_warp_runner(x, back, dh, dw, not _INTERP[f & 7], boundary, fill,
                                 arith == "opencv_warp_ipp")
        if run is not None:
            remember(_CALL_MEMO, key, (run, shape), 64)
    if isinstance(dst, np.ndarray) and dst.shape == out.shape and dst.dtype == out.dtype:
        dst[...] = out
        return dst
    return out
