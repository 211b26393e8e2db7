"""Region resampling: ``resample_region``, ROI Align and TensorFlow's ``crop_and_resize``.

Each samples a box of the input on a regular grid of points with the shared
gather-and-weight routine of :mod:`pixelgrid._sampling`; a full-image box
reproduces :func:`pixelgrid.resize` for the matching grid convention.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import sample_positions
from ._arrays import check_array, is_torch, tensor_values
from ._grid import Affine
from ._kernels import Kernel, get_kernel, nearest
from ._sampling import (
    FloatArray,
    _axes,
    _boundaries,
    _cast_result,
    _fill,
    _place,
    _point_offset,
    _prepare,
    _sample_kernel,
    _sample_points,
)
from ._validate import (
    as_array,
    check_choice,
    check_points,
    check_real,
    check_sizes,
    default_axes,
)

__all__ = ["crop_and_resize", "resample_region", "roi_align"]

# --------------------------------------------------------------------------------------
# Regions: resample_region, roi_align, crop_and_resize
# --------------------------------------------------------------------------------------

_REGION_GRIDS = ("half_pixel", "align_corners")


def _exact(name: str, v: Any) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name}={v!r} must hold real numbers")
    f = float(v)
    if not math.isfinite(f):
        raise ValueError(f"{name}={v!r} must hold finite numbers")
    return Fraction(int(v)) if isinstance(v, numbers.Integral) else Fraction(f)


def _region_coords(start: Fraction, end: Fraction, n: int, g: int, grid: str) -> FloatArray:
    """Index-convention coordinates of the ``n * g`` sub-samples of a box ``[start, end]``.

    ``half_pixel``: output cells tile the box, sub-sample ``m`` sits at
    ``start + (m + 1/2) * (end - start) / (n * g)``; ``align_corners``: the box
    ends are the first and last samples (the centre when ``n`` is 1).  Computed
    exactly and rounded once, so nearest ties are decided as in
    :func:`pixelgrid.resize`.
    """
    if grid == "half_pixel":
        aff = Affine((end - start) / (n * g), Fraction(1, 2), start, "region")
    elif n > 1:
        aff = Affine((end - start) / (n - 1), Fraction(0), start, "region")
    else:
        aff = Affine(Fraction(0), Fraction(0), (start + end) / 2, "region")
    return aff.coords(n * g)


def _per_axis_int(name: str, value: Any, k: int, minimum: int) -> list[int]:
    items = list(value) if isinstance(value, (list, tuple)) else [value] * k
    if len(items) != k:
        raise ValueError(f"{name}={value!r} has {len(items)} entries but {k} axes are sampled")
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or int(v) < minimum:
            raise ValueError(f"{name}={value!r} must hold integers >= {minimum}")
        out.append(int(v))
    return out


def _sample_boxes(
    arr: NDArray[Any],
    ax: list[int],
    axis_coords: list[list[FloatArray]],
    sizes: list[int],
    ratios: list[int],
    kernel: Kernel,
    boundaries: list[str],
    fill: float,
    extrapolation_value: float | None,
    margin: float,
) -> NDArray[Any]:
    """Sample ``B`` separable grids (``axis_coords[b][i]``: ``sizes[i] * ratios[i]`` values).

    Returns ``(B, *sizes, C)`` as float64 (or the input dtype for an unaveraged
    gather), before casting.
    """
    k = len(ax)
    xm = _prepare(arr, ax, [kernel] * k)
    spatial = xm.shape[:k]
    pts = []
    for coords in axis_coords:
        mesh = np.meshgrid(*coords, indexing="ij")
        pts.append(np.stack(mesh, axis=-1).reshape(-1, k))
    p = np.concatenate(pts, axis=0)
    y = _sample_points(xm, p, [kernel] * k, boundaries, fill)
    if extrapolation_value is not None:
        n = np.asarray(spatial, dtype=np.float64)
        out = np.any((p < -margin) | (p > n - 1 + margin), axis=1)
        if np.any(out):
            if y.dtype != np.float64 and not float(extrapolation_value).is_integer():
                y = y.astype(np.float64)
            y[out] = extrapolation_value
    b, c = len(axis_coords), xm.shape[k]
    fine = [s * r for s, r in zip(sizes, ratios, strict=True)]
    y = y.reshape(b, *fine, c)
    if any(r > 1 for r in ratios):
        split = [b]
        for s, r in zip(sizes, ratios, strict=True):
            split += [s, r]
        y = y.astype(np.float64).reshape(*split, c).mean(axis=tuple(range(2, 2 * k + 1, 2)))
    return y


def resample_region(
    x: Any,
    box: Any,
    size: int | Sequence[int],
    *,
    axes: int | Sequence[int] | None = None,
    convention: str = "index",
    grid: str = "half_pixel",
    kernel: str | Kernel = "linear",
    sampling_ratio: int | Sequence[int] = 1,
    boundary: str | Sequence[str] = "renormalize",
    fill_value: float = 0.0,
    extrapolation_value: float | None = None,
    margin: float = 0.0,
) -> Any:
    """Resample the region ``box`` of an array onto a ``size`` grid (crop + resize, ROI Align).

    Parameters
    ----------
    x : ndarray or torch.Tensor
        The array.
    box : array_like, shape (k, 2) or (..., k, 2)
        ``(start, end)`` along each sampled axis, in pixel units of
        ``convention``; ``start > end`` flips.  Extra leading dimensions are a
        batch of boxes; they lead the output's point axes.
    size : int or sequence of int
        Output length along each sampled axis, in the order of the axes
        (``(H, W)``, rows first, as ``box``).
    axes : int or sequence of int, optional
        Sampled axes; default as in :func:`sample` (leading for numpy, trailing
        for torch; refused when one of them looks like channels, as in
        :func:`pixelgrid.resize`).
    convention : {"index", "continuous"}
        How ``box`` is measured: the whole image is ``(-0.5, n - 0.5)`` in
        ``"index"`` (centres at integers) and ``(0, n)`` in ``"continuous"``.
    grid : {"half_pixel", "align_corners"}
        ``"half_pixel"``: the output cells tile the box (sample ``o`` at
        ``start + (o + 1/2) * (end - start) / size``); ``"align_corners"``: the
        box's ends are the first and last samples (TensorFlow
        ``crop_and_resize``; the box centre when ``size`` is 1).
    kernel : str or Kernel
        Interpolation kernel, as in :func:`sample`.
    sampling_ratio : int or one per axis
        Sub-samples per output cell and axis, averaged (ROI Align).  Only with
        ``grid="half_pixel"``; sub-sample ``i`` of cell ``o`` sits at
        ``start + (o + (i + 1/2) / ratio) * (end - start) / size``.
    boundary : str or one per axis
        As in :func:`sample`; default ``"renormalize"``, :func:`pixelgrid.resize`'s.
    fill_value : float
        Value of taps outside the input with ``boundary="constant"``.
    extrapolation_value : float, optional
        If given, a (sub-)sample whose coordinate lies outside
        ``[-margin, n - 1 + margin]`` (index convention) along any axis is this
        value, not interpolated (TensorFlow ``crop_and_resize``: margin 0;
        torchvision ``roi_align``: 0 beyond a margin of 1).
    margin : float
        See ``extrapolation_value``.

    Returns
    -------
    ndarray or torch.Tensor
        Float results in the input's float dtype (integers rounded half to
        even); the sampled axes are replaced by ``box.shape[:-2] + size`` as in
        :func:`sample`.

    Notes
    -----
    The box of the whole image reproduces :func:`pixelgrid.resize` with
    ``antialias=False`` and the same kernel and boundary: ``(-0.5, n - 0.5)``
    (index) or ``(0, n)`` (continuous) with ``grid="half_pixel"``, and
    ``(0, n - 1)`` (index) with ``grid="align_corners"``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4.0)
    >>> resample_region(x, [(-0.5, 3.5)], 2).tolist()   # whole image, half-pixel
    [0.5, 2.5]
    >>> resample_region(x, [(1, 3)], 3, grid="align_corners").tolist()
    [1.0, 2.0, 3.0]

    """
    if is_torch(x):
        import torch

        arr = tensor_values(x, "x", "resample_region")
        if axes is None:  # the trailing k axes, unless one of them looks like channels
            k = _box_array(box).shape[-2]
            axes = default_axes(f"resample_region with a box of {k} axes", arr.shape, k,
                                torch=True)
        y = resample_region(
            arr, box, size, axes=axes,
            convention=convention, grid=grid, kernel=kernel, sampling_ratio=sampling_ratio,
            boundary=boundary, fill_value=fill_value, extrapolation_value=extrapolation_value,
            margin=margin)
        return torch.from_numpy(y).to(x.device)
    arr = check_array(x)
    boxes = _box_array(box)
    k = boxes.shape[-2]
    if axes is None:
        axes = default_axes(f"resample_region with a box of {k} axes", arr.shape, k)
    ax = _axes(axes, arr.ndim, k, trailing=False)
    sizes = check_sizes("size", size, k, order=f"one per axis of box, which has {k}")
    check_choice("grid", grid, _REGION_GRIDS)
    ratios = _per_axis_int("sampling_ratio", sampling_ratio, k, 1)
    k_obj = _sample_kernel(kernel)
    check_points(f"resample_region to size={tuple(sizes)} with sampling_ratio="
                 f"{sampling_ratio!r}", math.prod(sizes) * math.prod(ratios)
                 * math.prod(boxes.shape[:-2]), k,
                 1 if k_obj.is_nearest else int(2 * k_obj.radius) + 1,
                 arr.size // max(math.prod(arr.shape[a] for a in ax), 1))
    if grid == "align_corners" and any(r != 1 for r in ratios):
        raise ValueError(
            f"sampling_ratio={sampling_ratio!r} needs grid='half_pixel' (align_corners "
            "samples are points, not cells to average over)"
        )
    fill = _fill(fill_value)
    bounds, fill = _boundaries(boundary, k, fill)
    shift = Fraction(_point_offset(convention)).limit_denominator(2)
    ext = None if extrapolation_value is None else _fill(extrapolation_value,
                                                           "extrapolation_value")
    mg = check_real("margin", margin)
    batch = boxes.shape[:-2]
    axis_coords = []
    for b in boxes.reshape(-1, k, 2):
        axis_coords.append([
            _region_coords(_exact("box", b[i, 0]) + shift, _exact("box", b[i, 1]) + shift,
                           sizes[i], ratios[i], grid)
            for i in range(k)
        ])
    y = _sample_boxes(arr, ax, axis_coords, sizes, ratios, k_obj, bounds, fill, ext, mg)
    return _place(y.reshape(-1, y.shape[-1]), arr, ax, (*batch, *sizes))


def _box_array(box: Any) -> NDArray[Any]:
    """``box`` as an object array of shape ``(..., k, 2)`` (exact values kept), checked."""
    if isinstance(box, (str, bytes, set, frozenset, dict)) or box is None:
        raise TypeError(f"box={box!r} must be a sequence of (start, end) pairs, one per axis")
    try:
        boxes = np.asarray(box, dtype=object)
    except ValueError:
        boxes = np.empty(0, dtype=object)  # ragged: reported below by its shape
    if boxes.ndim < 2 or boxes.shape[-1] != 2 or boxes.shape[-2] < 1:
        raise ValueError(
            f"box must have shape (k, 2) or (..., k, 2) of (start, end) pairs, one per "
            f"sampled axis in order (rows first), got {box!r:.80}"
        )
    return boxes


def roi_align(
    input: Any,
    boxes: Any,
    output_size: int | Sequence[int],
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
    aligned: bool = False,
) -> Any:
    """``torchvision.ops.roi_align`` on the pixelgrid model (no torchvision needed).

    ``input`` is ``(N, C, H, W)``; ``boxes`` is ``(K, 5)`` rows ``(batch_index,
    x1, y1, x2, y2)`` or a list of ``(L, 4)`` arrays, one per image.  Returns
    ``(K, C, ph, pw)``.  Each output cell averages a ``gh x gw`` grid of
    bilinear samples (``sampling_ratio``, or ``ceil(roi / output)`` when <= 0)
    of the box ``(x1, x2) * spatial_scale - offset``, ``offset = 0.5`` when
    ``aligned`` (the box is in the continuous convention, as it should be)
    and 0 otherwise (the legacy half-pixel shift; boxes are then at least one
    pixel wide).  Samples beyond one pixel outside the image read 0 and still
    count in the average.  This is :func:`resample_region` with
    ``grid="half_pixel"``, ``boundary="clamp"``, ``extrapolation_value=0``,
    ``margin=1``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(25.0).reshape(1, 1, 5, 5)
    >>> roi_align(x, np.array([[0, 1, 1, 3, 3]]), 2, sampling_ratio=1, aligned=True)[0, 0]
    array([[ 6.,  7.],
           [11., 12.]])

    """
    if is_torch(input):
        import torch

        b = boxes
        if isinstance(b, (list, tuple)):
            b = [tensor_values(t, "boxes", "roi_align", float64=True)
                 if is_torch(t) else t for t in b]
        elif is_torch(b):
            b = tensor_values(b, "boxes", "roi_align", float64=True)
        arr = tensor_values(input, "input", "roi_align")
        y = roi_align(arr, b, output_size, spatial_scale, sampling_ratio, aligned)
        return torch.from_numpy(y).to(input.device)
    arr = check_array(input, "input")
    if arr.ndim != 4:
        raise ValueError(f"input must be 4-D (N, C, H, W), got shape {arr.shape}")
    rois = _roi_rows(boxes)
    ph, pw = check_sizes("output_size", output_size, 2)
    if isinstance(sampling_ratio, bool) or not isinstance(sampling_ratio, numbers.Integral):
        raise TypeError(f"sampling_ratio={sampling_ratio!r} must be an integer")
    if not isinstance(aligned, (bool, np.bool_)):
        raise TypeError(f"aligned={aligned!r} must be True or False")
    ss = check_real("spatial_scale", spatial_scale)
    if ss <= 0:
        raise ValueError(f"spatial_scale={spatial_scale!r} must be > 0")
    with np.errstate(over="ignore"):
        if not np.all(np.isfinite(rois[:, 1:] * ss)):
            raise ValueError(f"boxes times spatial_scale={spatial_scale!r} go beyond float "
                             "range")
    # The most samples a box asks for: sampling_ratio per cell, or the largest box's
    # extent per cell when sampling_ratio <= 0 (a huge box must not allocate for minutes).
    ext = [float(np.max(rois[:, 4] - rois[:, 2], initial=1.0)) * ss,
           float(np.max(rois[:, 3] - rois[:, 1], initial=1.0)) * ss]
    g = [int(sampling_ratio)] * 2 if sampling_ratio > 0 else [
        math.ceil(max(ext[0], 1.0) / ph) if math.isfinite(ext[0]) else 2**62,
        math.ceil(max(ext[1], 1.0) / pw) if math.isfinite(ext[1]) else 2**62]
    check_points(f"roi_align with output_size={output_size!r}, sampling_ratio="
                 f"{sampling_ratio!r}, spatial_scale={spatial_scale!r} and the largest box",
                 ph * pw * g[0] * g[1], 2, 2, arr.shape[1])
    off = 0.5 if aligned else 0.0
    lin = get_kernel("linear")
    out = np.zeros((rois.shape[0], arr.shape[1], ph, pw), dtype=np.float64)
    for r, row in enumerate(rois):
        bi = int(row[0])
        if not 0 <= bi < arr.shape[0]:
            raise ValueError(f"boxes row {r} has batch index {bi}, outside [0, {arr.shape[0]})")
        y0, x0 = row[2] * ss - off, row[1] * ss - off
        hh, ww = row[4] * ss - off - y0, row[3] * ss - off - x0
        if not aligned:  # torchvision forces malformed boxes to be 1x1
            hh, ww = max(hh, 1.0), max(ww, 1.0)
        gh = int(sampling_ratio) if sampling_ratio > 0 else math.ceil(hh / ph)
        gw = int(sampling_ratio) if sampling_ratio > 0 else math.ceil(ww / pw)
        if gh < 1 or gw < 1:
            continue  # an empty box: torchvision averages no samples and returns 0
        coords = [[_region_coords(Fraction(y0), Fraction(y0) + Fraction(hh), ph, gh,
                                  "half_pixel"),
                   _region_coords(Fraction(x0), Fraction(x0) + Fraction(ww), pw, gw,
                                  "half_pixel")]]
        v = _sample_boxes(arr[bi], [1, 2], coords, [ph, pw], [gh, gw], lin,
                          ["clamp", "clamp"], 0.0, 0.0, 1.0)
        out[r] = np.moveaxis(v[0], -1, 0)
    return _cast_result(out, arr.dtype)


def _roi_rows(boxes: Any) -> FloatArray:
    if isinstance(boxes, (list, tuple)):
        rows = []
        for i, b in enumerate(boxes):
            a = as_array(f"boxes[{i}]", b, np.float64)
            if a.size % 4:
                raise ValueError(f"boxes[{i}] must be an (L, 4) array of (x1, y1, x2, y2) "
                                 f"rows, got shape {a.shape}")
            a = a.reshape(-1, 4)
            rows.append(np.concatenate([np.full((a.shape[0], 1), float(i)), a], axis=1))
        rois = np.concatenate(rows, axis=0) if rows else np.zeros((0, 5))
    else:
        rois = as_array("boxes", boxes, np.float64)
    if rois.ndim != 2 or rois.shape[1] != 5:
        raise ValueError(
            f"boxes must be (K, 5) rows (batch_index, x1, y1, x2, y2) or a list of (L, 4) "
            f"arrays, got shape {rois.shape}"
        )
    if not np.all(np.isfinite(rois)):
        raise ValueError("boxes must be finite")
    return rois


_CROP_METHODS = ("bilinear", "nearest")


def crop_and_resize(
    image: Any,
    boxes: Any,
    box_indices: Any,
    crop_size: Sequence[int],
    method: str = "bilinear",
    extrapolation_value: float = 0.0,
) -> NDArray[np.float32]:
    """``tf.image.crop_and_resize`` on the pixelgrid model (no TensorFlow needed).

    ``image`` is ``(B, H, W, C)``; ``boxes`` ``(K, 4)`` rows ``(y1, x1, y2, x2)``
    normalised so that 0 and 1 are the centres of the first and last pixel
    (``y1 > y2`` flips); returns ``(K, h, w, C)`` float32.  This is
    :func:`resample_region` with ``grid="align_corners"`` on the index-convention
    box ``(y1 * (H - 1), y2 * (H - 1))``, ``extrapolation_value`` outside
    ``[0, H - 1]``, nearest rounding half away from zero; the coordinates are
    computed in float32 as TensorFlow does, so nearest picks the same pixels.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> crop_and_resize(img, [[0, 0, 1, 1]], [0], (2, 2))[0, :, :, 0].tolist()
    [[0.0, 2.0], [6.0, 8.0]]

    """
    arr = check_array(image, "image")
    if arr.ndim != 4:
        raise ValueError(f"image must be 4-D (batch, height, width, channels), got {arr.shape}")
    bx = as_array("boxes", boxes, np.float32)
    if bx.ndim != 2 or bx.shape[1] != 4:
        raise ValueError(f"boxes must have shape (num_boxes, 4), got {bx.shape}")
    if not np.all(np.isfinite(bx)):
        raise ValueError("boxes must be finite")
    idx = as_array("box_indices", box_indices).reshape(-1)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"box_indices={box_indices!r} must hold integers")
    if idx.shape[0] != bx.shape[0]:
        raise ValueError(
            f"box_indices has {idx.shape[0]} entries but boxes has {bx.shape[0]} rows"
        )
    ch, cw = check_sizes("crop_size", crop_size, 2, scalar=False)
    check_choice("method", method, _CROP_METHODS)
    ext = _fill(extrapolation_value, "extrapolation_value")
    check_points(f"crop_and_resize to crop_size={crop_size!r}", bx.shape[0] * ch * cw, 2, 2,
                 arr.shape[3])
    h, w = arr.shape[1], arr.shape[2]
    kern = get_kernel("linear") if method == "bilinear" else nearest("round_prefer_ceil")
    out = np.zeros((bx.shape[0], ch, cw, arr.shape[3]), dtype=np.float32)
    for r in range(bx.shape[0]):
        bi = int(idx[r])
        if not 0 <= bi < arr.shape[0]:
            raise ValueError(f"box_indices[{r}]={bi} is outside [0, {arr.shape[0]})")
        y1, x1, y2, x2 = (np.float32(v) for v in bx[r])
        coords = [[_tf_crop_coords(y1, y2, h, ch), _tf_crop_coords(x1, x2, w, cw)]]
        v = _sample_boxes(arr[bi], [0, 1], coords, [ch, cw], [1, 1], kern,
                          ["clamp", "clamp"], 0.0, ext, 0.0)
        out[r] = v[0].astype(np.float32)
    return out


def _tf_crop_coords(a: np.float32, b: np.float32, n: int, m: int) -> FloatArray:
    """TensorFlow's float32 ``in_y = y1 * (H - 1) + y * (y2 - y1) * (H - 1) / (h - 1)``."""
    f = np.float32
    span = f(n - 1)
    if m > 1:
        # x = f32(f32(scale * o) + f32(y1 * span)): the "float32" rule of the arithmetic model
        scale = f(f(f(b - a) * span) / f(m - 1))
        return sample_positions(float(scale), 0.0, float(f(a * span)), m, "float32")
    return np.full(1, float(f(f(f(0.5) * f(a + b)) * span)))


