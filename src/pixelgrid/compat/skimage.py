"""scikit-image's ``transform.resize`` and ``transform.rescale``, reproduced on the pixelgrid model.

``resize`` is ``scipy.ndimage.zoom(..., grid_mode=True)`` after an optional
Gaussian prefilter; both are per-axis plans (:mod:`pixelgrid.compat.scipy`):
the Gaussian is a same-size plan with SciPy's truncation (radius
``int(4 * sigma + 0.5)``) and boundary, the zoom a B-spline plan.  The
Gaussian's store in the image's dtype after every axis is declared by the
plans (:data:`pixelgrid.compat.scipy.FILTER_ARITHMETIC` with
``accumulate="float64_per_axis"``) and applied by the engine ``run_plans``
chooses from it.

Reproduces scikit-image 0.26.0 (with SciPy 1.17.1).  Measured at 2000 <-> 5000
px axes on random [0, 1) data (``tests/test_compat_skimage.py``): float32
bit-identical for orders 0-5 with and without anti-aliasing; float64 orders
0-3 within 2e-15, orders 4-5 within 1e-13 (1.5e-14 measured; SciPy's own
prefilter rounding, see
:mod:`pixelgrid.compat.scipy`); integer images through ``img_as_float`` within
1e-15, order 0 bit-exact.  scikit-image's own ``transform/tests/test_warps.py``
passes through this module (``tests/test_peer_suites.py``).

scikit-image facts this module encodes (checked against skimage in the tests):

* ``order`` defaults to 1 (0 for bool); order > 0 converts the image to float
  (``img_as_float``: unsigned ``x / max``, signed ``max(x / max, -1)``; float32
  stays float32; with ``preserve_range`` a plain cast to float64).
* modes are NumPy names mapped to ``ndimage`` ones: ``constant`` ->
  ``grid-constant``, ``edge`` -> ``nearest``, ``symmetric`` -> ``reflect``,
  ``reflect`` -> ``mirror``, ``wrap`` -> ``grid-wrap``.
* ``anti_aliasing`` defaults to on when any axis shrinks (not for bool, nor
  for integer images with order 0); sigma ``max(0, (in/out - 1) / 2)`` per axis.
  The Gaussian keeps the image dtype after every axis (float32 rounds twice).
* ``clip`` clips to the converted input's range (widened to ``cval`` with
  ``mode='constant'`` when the output reaches it).
* ``rescale``: output shape ``max(round(scale * shape), 1)`` (NumPy round, half
  to even); ``channel_axis`` is not scaled.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arrays import check_array, run_plans
from .._plan import compose_plans
from .._plan_types import AxisPlan
from .._validate import as_array, check_memory, shape_text
from . import scipy as _ndi

__all__ = ["MODES", "like_plans", "rescale", "resize"]

#: NumPy pad mode names (scikit-image's) -> the ``ndimage`` mode ``zoom`` receives.
MODES: dict[str, str] = {
    "constant": "grid-constant",
    "edge": "nearest",
    "symmetric": "reflect",
    "reflect": "mirror",
    "wrap": "grid-wrap",
}


def _img_as_float(image: NDArray[Any], preserve_range: bool) -> NDArray[Any]:
    """scikit-image's ``convert_to_float``."""
    if image.dtype == np.float16:
        return image.astype(np.float32)
    if preserve_range and image.dtype.char not in "df":
        return image.astype(np.float64)
    if preserve_range or image.dtype.kind == "f":
        return image
    if image.dtype == np.bool_:
        return image.astype(np.float64)
    info = np.iinfo(image.dtype)
    out: NDArray[np.float64] = np.multiply(image, 1.0 / info.max, dtype=np.float64)
    if info.min < 0:
        np.maximum(out, -1.0, out=out)
    return out


def _stored_per_axis(p: AxisPlan) -> AxisPlan:
    """A Gaussian plan of :mod:`.scipy` declaring SciPy's store after every axis.

    (``accumulate="float64_per_axis"``: float64 sums tap by tap, each axis
    stored in the image's dtype by ``FILTER_ARITHMETIC.store``.)
    """
    return dataclasses.replace(p, arithmetic=p.arithmetic.replace(accumulate="float64_per_axis"))


def gaussian_filter(image: NDArray[Any], sigma: Any, mode: str, cval: float) -> NDArray[Any]:
    """``scipy.ndimage.gaussian_filter`` (truncate 4), one same-size plan per axis.

    Examples
    --------
    >>> gaussian_filter(np.array([0.0, 0.0, 1.0, 0.0, 0.0]), 0.5, "reflect", 0.0).round(4).tolist()
    [0.0003, 0.1065, 0.7866, 0.1065, 0.0003]

    """
    # SciPy filters in float64 and stores each axis in the image's dtype (float32
    # rounds after every axis, integers truncate): the plans declare it
    # (``FILTER_ARITHMETIC`` with ``accumulate="float64_per_axis"``) and run_plans applies it.
    plans = _ndi.gaussian_filter_plans(image.shape, sigma, mode, cval)
    return run_plans(image, [(ax, _stored_per_axis(p)) for ax, p in plans])


def _check_bool(name: str, value: Any, allow_none: bool = False) -> bool | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False"
                        + (" or None" if allow_none else ""))
    return bool(value)


def resize(
    image: Any,
    output_shape: Any,
    order: int | None = None,
    mode: str = "reflect",
    cval: float = 0,
    clip: bool = True,
    preserve_range: bool = False,
    anti_aliasing: bool | None = None,
    anti_aliasing_sigma: Any = None,
) -> NDArray[Any]:
    """Reproduce ``skimage.transform.resize`` (scikit-image 0.26) without scikit-image.

    Same signature and defaults.  ``output_shape`` may have one entry fewer
    than ``image.ndim`` (the last axis is kept) or more (the image gets
    trailing length-1 axes).

    Examples
    --------
    >>> import numpy as np
    >>> resize(np.array([[0.0, 1.0], [2.0, 3.0]]), (4, 4))[0].tolist()
    [0.75, 0.75, 1.25, 1.25]
    >>> resize(np.arange(16.0).reshape(4, 4), (2, 2), anti_aliasing=False).tolist()
    [[2.5, 4.5], [10.5, 12.5]]

    """
    image = check_array(image, "image")
    if image.dtype.kind == "c":
        raise TypeError("image is complex; resize supports real dtypes only")
    try:
        shape_out = tuple(output_shape)
    except TypeError:
        raise TypeError(f"output_shape={output_shape!r} must be a sequence of sizes") from None
    for s in shape_out:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Real) \
                or not float(s) >= 1:
            raise ValueError(f"output_shape={output_shape!r} must hold sizes >= 1")
    # before anything is allocated: a huge output_shape is an error, not a late MemoryError
    check_memory(f"output_shape={output_shape!r}", 8 * math.prod(int(s) for s in shape_out))
    if len(shape_out) > image.ndim:
        image = image.reshape(image.shape + (1,) * (len(shape_out) - image.ndim))
    elif len(shape_out) == image.ndim - 1:
        shape_out = (*shape_out, image.shape[-1])
    elif len(shape_out) < image.ndim:
        raise ValueError(
            f"output_shape={output_shape!r} has {len(shape_out)} entries; the image has "
            f"{image.ndim} dimensions (give {image.ndim} or {image.ndim - 1})"
        )
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode={mode!r} is not valid; expected one of {sorted(MODES)}")
    c = _ndi._check_cval(cval)
    if not math.isfinite(c):  # checked here, so the error names cval, not fill_value
        raise ValueError(f"cval={cval!r} must be finite")
    do_clip = _check_bool("clip", clip)
    keep_range = _check_bool("preserve_range", preserve_range)
    aa = _check_bool("anti_aliasing", anti_aliasing, allow_none=True)
    input_type = image.dtype
    if input_type == np.float16:
        image = image.astype(np.float32)
    if aa is None:
        aa = (input_type != np.bool_
              and not (input_type.kind in "iu" and order == 0)
              and any(o < i for o, i in zip(shape_out, image.shape, strict=True)))
    if input_type == np.bool_ and aa:
        raise ValueError("anti_aliasing must be False for boolean images")
    factors = np.divide(image.shape, shape_out)
    if order is None:
        order = 0 if input_type == np.bool_ else 1
    order = _ndi._check_order(order)
    if input_type == np.bool_ and order != 0:
        raise ValueError(
            f"order={order} is not valid for a bool image; interpolation is not defined "
            "for bool data (use order=0 or cast the image)"
        )
    if order > 0:
        image = _img_as_float(image, bool(keep_range))
    ndi_mode = MODES[mode]
    filtered = image
    if aa:
        if anti_aliasing_sigma is None:
            sigma = np.maximum(0, (factors - 1) / 2)
        else:
            sigma = np.atleast_1d(as_array("anti_aliasing_sigma", anti_aliasing_sigma,
                                           np.float64))
            if not np.all(np.isfinite(sigma)):
                raise ValueError(f"anti_aliasing_sigma={anti_aliasing_sigma!r} must be finite")
            sigma = sigma * np.ones_like(factors)
            if np.any(sigma < 0):
                raise ValueError(
                    f"anti_aliasing_sigma={anti_aliasing_sigma!r} must be >= 0 on every axis"
                )
            if np.any((sigma > 0) & (factors <= 1)):
                warnings.warn("Anti-aliasing standard deviation greater than zero but "
                              "not down-sampling along all axes", UserWarning, stacklevel=2)
        filtered = gaussian_filter(image, list(sigma), ndi_mode, c)
    out = _ndi.zoom(filtered, [1 / f for f in factors], order=order, mode=ndi_mode, cval=c,
                    grid_mode=True)
    if do_clip:
        _clip_output(image, out, mode, c)
    return out


def _clip_output(image: NDArray[Any], out: NDArray[Any], mode: str, cval: float) -> None:
    """scikit-image's ``_clip_warp_output`` (in place)."""
    lo, hi = np.min(image), np.max(image)
    if np.isnan(lo):
        lo, hi = np.nanmin(image), np.nanmax(image)
    if (mode == "constant" and not lo <= cval <= hi
            and np.nanmin(out) <= cval <= np.nanmax(out)):
        cv = image.dtype.type(cval)
        lo, hi = min(lo, cv), max(hi, cv)
    np.clip(out, np.asarray(lo), np.asarray(hi), out=out)


def rescale(
    image: Any,
    scale: Any,
    order: int | None = None,
    mode: str = "reflect",
    cval: float = 0,
    clip: bool = True,
    preserve_range: bool = False,
    anti_aliasing: bool | None = None,
    anti_aliasing_sigma: Any = None,
    *,
    channel_axis: int | None = None,
) -> NDArray[Any]:
    """Reproduce ``skimage.transform.rescale`` (scikit-image 0.26) without scikit-image.

    Examples
    --------
    >>> import numpy as np
    >>> rescale(np.zeros((5, 7)), 0.5).shape
    (2, 4)
    >>> rescale(np.zeros((4, 6, 3)), 2, channel_axis=-1).shape
    (8, 12, 3)

    """
    image = check_array(image, "image")
    if channel_axis is not None:
        if isinstance(channel_axis, bool) or not isinstance(channel_axis, numbers.Integral) \
                or not -image.ndim <= channel_axis < image.ndim:
            raise ValueError(
                f"channel_axis={channel_axis!r} is not valid for an image with "
                f"{image.ndim} dimensions"
            )
        image = np.moveaxis(image, channel_axis, -1)
    try:
        s = np.atleast_1d(np.asarray(scale, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"scale={scale!r} must be a number or a sequence of numbers") from None
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"scale={scale!r} must be finite and > 0 (one value or one per axis)")
    multichannel = channel_axis is not None
    if len(s) > 1:
        spatial = image.ndim - 1 if multichannel else image.ndim
        if len(s) != spatial:
            raise ValueError(
                f"scale={scale!r} has {len(s)} entries; supply a single scale or one value "
                f"per spatial axis ({spatial})"
            )
        if multichannel:
            s = np.concatenate((s, [1.0]))
    orig = np.asarray(image.shape)
    output_shape = np.maximum(np.round(s * orig), 1)
    if multichannel:
        output_shape[-1] = orig[-1]
    check_memory(f"scale={scale!r} (an output of shape {shape_text(output_shape)})",
                 8 * math.prod(int(v) for v in output_shape))
    out = resize(image, tuple(float(v) for v in output_shape), order, mode, cval, clip,
                 preserve_range, anti_aliasing, anti_aliasing_sigma)
    if channel_axis is not None:
        out = np.moveaxis(out, -1, channel_axis)
    return out


def like_plans(
    shape: tuple[int, ...], size: Any = None, *, output_shape: Any = None, order: int = 1,
    mode: str = "reflect", cval: float = 0, clip: bool = True,
    preserve_range: bool = False, anti_aliasing: bool | None = None,
    anti_aliasing_sigma: Any = None,
) -> list[tuple[int, AxisPlan]]:
    """The float plans of ``skimage.transform.resize``, for ``explain(..., like="skimage")``.

    For a float image of ``shape`` resized to ``size`` (or ``output_shape``), one
    plan per axis: the Gaussian prefilter (when ``anti_aliasing`` is on) followed
    by the B-spline zoom, composed, as :func:`resize` applies them.  ``clip``
    (default True) clips the result to the input's range afterwards: that is not
    linear and not in the plans (``info["quirk"]`` says so); ``preserve_range``
    only matters for integer images.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in like_plans((8, 6), (4, 12))]
    [(0, 4), (1, 12)]

    """
    if size is not None and output_shape is not None:
        raise ValueError(f"give size={size!r} or output_shape={output_shape!r}, not both")
    target = output_shape if size is None else size
    shape_out = tuple([target] if isinstance(target, numbers.Integral) else target)
    if len(shape_out) != len(shape):
        raise ValueError(f"output_shape={target!r} needs one entry per axis of {tuple(shape)}")
    for v in shape_out:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) \
                or not float(v) >= 1:
            raise ValueError(f"output_shape={target!r} must hold sizes >= 1")
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode={mode!r} is not valid; expected one of {sorted(MODES)}")
    c = _ndi._check_cval(cval)
    if not math.isfinite(c):  # checked here, so the error names cval, not fill_value
        raise ValueError(f"cval={cval!r} must be finite")
    do_clip = _check_bool("clip", clip)
    _check_bool("preserve_range", preserve_range)
    aa = _check_bool("anti_aliasing", anti_aliasing, allow_none=True)
    if aa is None:  # a float image: on when any axis shrinks
        aa = any(o < i for o, i in zip(shape_out, shape, strict=True))
    factors = np.divide(shape, shape_out)
    order = _ndi._check_order(order)
    ndi_mode = MODES[mode]
    steps: dict[int, list[AxisPlan]] = {}
    sigma = np.zeros(len(shape))
    if aa:
        if anti_aliasing_sigma is None:
            sigma = np.maximum(0, (factors - 1) / 2)
        else:
            sigma = np.atleast_1d(as_array("anti_aliasing_sigma", anti_aliasing_sigma,
                                           np.float64))
            if not np.all(np.isfinite(sigma)):
                raise ValueError(f"anti_aliasing_sigma={anti_aliasing_sigma!r} must be finite")
            sigma = sigma * np.ones_like(factors)
            if np.any(sigma < 0):
                raise ValueError(
                    f"anti_aliasing_sigma={anti_aliasing_sigma!r} must be >= 0 on every axis"
                )
        for ax, p in _ndi.gaussian_filter_plans(tuple(shape), list(sigma), ndi_mode, c):
            steps.setdefault(ax, []).append(p)
    for ax, p in _ndi.zoom_plans(tuple(shape), [1 / f for f in factors], order=order,
                                 mode=ndi_mode, cval=c, grid_mode=True):
        steps.setdefault(ax, []).append(p)
    plans = []
    for ax in sorted(steps):
        p = steps[ax][0]
        for q in steps[ax][1:]:
            p = compose_plans(q, p, info={**q.info, "antialias": True,
                                          "note": f"Gaussian prefilter sigma {sigma[ax]:g}, "
                                                  "then the zoom"})
        if do_clip:
            p.info["quirk"] = ("clip=True: the result is clipped to the input's range "
                               "after these plans (not part of the linear plan)")
        plans.append((ax, p))
    return plans
