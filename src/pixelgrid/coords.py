"""Map points, boxes, camera intrinsics and flow vectors through a resize or crop-and-resize.

Annotations move with the image only if both use the same coordinate map.
Here the map *is* the image's: a :class:`CoordMap` holds, per spatial axis, the
exact :class:`~pixelgrid.Affine` of the plans that resample the image
(``x_in = a * x_out + b`` in input pixel-index units), so a keypoint lands
where the resized image puts its feature.

Every function takes a declared **convention** for the coordinates it reads
and writes:

``"index"``
    Pixel centres at integers: pixel ``i`` covers ``[i - 1/2, i + 1/2]``
    (NumPy indexing, OpenCV keypoints, pixelgrid's internal unit).
``"continuous"``
    The image corner at 0: pixel ``i`` covers ``[i, i + 1)`` and has its
    centre at ``i + 1/2`` (COCO boxes, torchvision ``Resize`` of keypoints).

The two differ by exactly ``1/2``; mixing them is the classic half-pixel
annotation bug (a resize by ``s`` is then off by ``(1 - s) / 2`` pixels).

Points are given in ``order="xy"`` (x = last array axis, i.e. the column) by
default, or ``"ij"`` (array axis order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import store
from ._arrays import check_array, run_plans
from ._grid import Affine
from ._plan import plan
from ._plan_types import AxisPlan
from ._validate import as_array, check_choice, check_real, check_sizes

__all__ = [
    "COORD_CONVENTIONS",
    "CoordMap",
    "crop_map",
    "resize_flow",
    "resize_map",
]

#: Coordinate conventions for points, boxes and intrinsics.
COORD_CONVENTIONS = ("index", "continuous")
_ORDERS = ("xy", "ij")

Array = NDArray[np.float64]


def _identity() -> Affine:
    return Affine(Fraction(1), Fraction(0), Fraction(0), "identity")


@dataclass(frozen=True)
class CoordMap:
    """The coordinate map of a resize, per spatial axis (array order).

    Attributes
    ----------
    in_shape, out_shape : tuple of int
        Spatial input and output shape.
    affines : tuple of Affine
        Per axis, the exact map ``x_in = a * x_out + b`` (index units) that the
        image's plans use; unchanged axes hold the identity.

    Examples
    --------
    >>> m = resize_map((4, 4), (8, 8))          # half-pixel, 2x up
    >>> m.points([[1.0, 1.0]]).tolist()          # index convention, T17
    [[2.5, 2.5]]
    >>> m.points([[1.5, 1.5]], convention="continuous").tolist()
    [[3.0, 3.0]]

    """

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    affines: tuple[Affine, ...]

    @property
    def ndim(self) -> int:
        """Number of spatial axes."""
        return len(self.in_shape)

    def _ab(self, order: str) -> tuple[Array, Array]:
        check_choice("order", order, _ORDERS)
        a = np.array([float(f.a) for f in self.affines], dtype=np.float64)
        b = np.array([float(f.offset) for f in self.affines], dtype=np.float64)
        if order == "xy":
            a, b = a[::-1].copy(), b[::-1].copy()
        return a, b

    def _check_forward(self, inverse: bool) -> None:
        if not inverse:
            for ax, f in enumerate(self.affines):
                if f.a == 0:
                    raise ValueError(
                        f"axis {ax} maps every output sample to one input coordinate "
                        f"(output length 1 with {f.name}); points cannot be mapped forward"
                    )

    def _points(self, pts: Any, name: str) -> Array:
        arr = np.array(pts, dtype=np.float64)
        if arr.ndim == 0 or arr.shape[-1] != self.ndim:
            raise ValueError(
                f"{name} must have shape (..., {self.ndim}) (one coordinate per spatial axis), "
                f"got shape {arr.shape}"
            )
        return arr

    def points(self, pts: Any, *, convention: str = "index", order: str = "xy",
               inverse: bool = False) -> Array:
        """Map points from the input image to the output image (or back with ``inverse``).

        Parameters
        ----------
        pts : array_like, shape (..., ndim)
            Coordinates, one per spatial axis, in ``order``.
        convention : {"index", "continuous"}
            How ``pts`` (and the result) place pixels; see the module docs.
        order : {"xy", "ij"}
            ``"xy"``: x (last array axis) first; ``"ij"``: array axis order.
        inverse : bool
            Map output-image points back to the input image.

        Returns
        -------
        ndarray of float64, same shape as ``pts``

        Examples
        --------
        >>> m = resize_map((8,), (4,))
        >>> m.points([[0.0], [7.0]]).tolist()
        [[-0.25], [3.25]]
        >>> m.points([[-0.25]], inverse=True).tolist()
        [[0.0]]

        """
        check_choice("convention", convention, COORD_CONVENTIONS)
        arr = self._points(pts, "pts")
        a, b = self._ab(order)
        shift = 0.5 if convention == "continuous" else 0.0
        x = arr - shift
        if inverse:
            y = a * x + b
        else:
            self._check_forward(inverse)
            y = (x - b) / a
        return np.asarray(y + shift, dtype=np.float64)

    def boxes(self, boxes: Any, *, convention: str = "continuous", order: str = "xy",
              inverse: bool = False) -> Array:
        """Map boxes ``(lo_1, ..., lo_n, hi_1, ..., hi_n)``, e.g. ``(x1, y1, x2, y2)``.

        Both corners are mapped as points and the result is re-sorted so that
        ``lo <= hi`` on every axis.  With ``convention="continuous"`` (the
        default) a box ``(0, 0, W, H)`` is the whole image, and stays the whole
        output image under any half-pixel resize.

        Examples
        --------
        >>> resize_map((10, 20), (5, 10)).boxes([[0, 0, 20, 10]]).tolist()
        [[0.0, 0.0, 10.0, 5.0]]

        """
        arr = np.array(boxes, dtype=np.float64)
        n = self.ndim
        if arr.ndim == 0 or arr.shape[-1] != 2 * n:
            raise ValueError(f"boxes must have shape (..., {2 * n}), got shape {arr.shape}")
        lo = self.points(arr[..., :n], convention=convention, order=order, inverse=inverse)
        hi = self.points(arr[..., n:], convention=convention, order=order, inverse=inverse)
        return np.concatenate([np.minimum(lo, hi), np.maximum(lo, hi)], axis=-1)

    def vectors(self, v: Any, *, order: str = "xy", inverse: bool = False) -> Array:
        """Map displacement vectors (optical flow, disparities): only the scale applies.

        Examples
        --------
        >>> resize_map((10, 20), (5, 10)).vectors([[4.0, -2.0]]).tolist()
        [[2.0, -1.0]]

        """
        arr = self._points(v, "v")
        a, _ = self._ab(order)
        if inverse:
            return np.asarray(arr * a, dtype=np.float64)
        self._check_forward(inverse)
        return np.asarray(arr / a, dtype=np.float64)

    def intrinsics(self, k: Any, *, convention: str = "index", inverse: bool = False) -> Any:
        """Update pinhole camera intrinsics for the resized image.

        ``k`` is a 3x3 matrix ``[[fx, s, cx], [0, fy, cy], [0, 0, 1]]`` or a tuple
        ``(fx, fy, cx, cy)``; the result has the same form.  The principal point
        follows :meth:`points` in the given ``convention`` (with ``"index"``,
        ``cx' = (cx - b) / a``: for a half-pixel resize by ``s``,
        ``cx' = s * cx + (s - 1) / 2``); focal lengths and skew scale by ``1 / a``.

        Examples
        --------
        >>> resize_map((8, 8), (4, 4)).intrinsics((10.0, 10.0, 4.0, 4.0))  # T18
        (5.0, 5.0, 1.75, 1.75)

        """
        if self.ndim != 2:
            raise ValueError(f"intrinsics need a 2-D image map, this map has {self.ndim} axes")
        mat = np.array(k, dtype=np.float64)
        if mat.shape == (4,):
            fx, fy, cx, cy = (float(v) for v in mat)
            full = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
        elif mat.shape == (3, 3):
            full = mat
        else:
            raise ValueError(f"k must be a 3x3 matrix or (fx, fy, cx, cy), got shape {mat.shape}")
        a, _ = self._ab("xy")
        pp = self.points(full[:2, 2], convention=convention, order="xy", inverse=inverse)
        scale = a if inverse else 1.0 / a
        out = full.copy()
        out[0, :2] = full[0, :2] * scale[0]
        out[1, :2] = full[1, :2] * scale[1]
        out[:2, 2] = pp
        if mat.shape == (4,):
            return (float(out[0, 0]), float(out[1, 1]), float(out[0, 2]), float(out[1, 2]))
        return out

    def plans(self, *, kernel: Any = "linear", antialias: bool = True,
              boundary: str = "renormalize", fill_value: float = 0.0) -> list[
                  tuple[int, AxisPlan]]:
        """Plans that resample an image with exactly this map (spatial axes ``0..ndim-1``)."""
        out = []
        for ax, f in enumerate(self.affines):
            if f.name == "identity" and self.in_shape[ax] == self.out_shape[ax]:
                continue
            out.append((ax, plan(self.in_shape[ax], self.out_shape[ax], kernel=kernel, grid=f,
                                 antialias=antialias, boundary=boundary,
                                 fill_value=fill_value)))
        return out

    def resample(self, image: Any, *, kernel: Any = "linear", antialias: bool = True,
                 boundary: str = "renormalize", fill_value: float = 0.0) -> Any:
        """Resample an image (spatial axes first, e.g. ``(H, W, C)``) with this map.

        Examples
        --------
        >>> import numpy as np
        >>> m = crop_map((1, 4), (1.0, 0.0, 3.0, 1.0), (1, 4))
        >>> m.resample(np.array([[0.0, 10, 20, 30]]), antialias=False).tolist()
        [[7.5, 12.5, 17.5, 22.5]]

        """
        arr = check_array(image, "image")
        if arr.ndim < self.ndim or tuple(arr.shape[: self.ndim]) != self.in_shape:
            raise ValueError(
                f"image has shape {arr.shape}; expected spatial axes {self.in_shape} first"
            )
        return run_plans(arr, self.plans(kernel=kernel, antialias=antialias, boundary=boundary,
                                         fill_value=fill_value))


def _from_plans(in_shape: tuple[int, ...], plans: Sequence[tuple[int, AxisPlan]]) -> CoordMap:
    affines = [_identity() for _ in in_shape]
    out = list(in_shape)
    for ax, p in plans:
        aff = p.info.get("affine")
        if not isinstance(aff, Affine):
            raise ValueError(f"the plan of axis {ax} does not record its coordinate map")
        affines[ax] = aff
        out[ax] = p.out_size
    return CoordMap(tuple(in_shape), tuple(out), tuple(affines))


def resize_map(shape: Any, size: Any = None, *, like: str | None = None,
               **options: Any) -> CoordMap:
    """The coordinate map of a resize (same arguments as :func:`pixelgrid.explain`).

    ``shape`` and ``size`` are the spatial input and output shapes in array
    order, ``(H, W)`` for an image, also with ``like=`` (where Pillow's own
    ``size`` is ``(W, H)``: pass ``(H, W)`` here; OpenCV's ``dsize=`` keyword
    stays ``(W, H)`` as in OpenCV).  Without ``like`` the options are those of
    :func:`pixelgrid.resize` (``grid``, ``align_corners``, ``scale``,
    ``coordinate_scale``, ...), with ``like`` a library's call
    (``like="torch", mode="bilinear", align_corners=True``).  The map comes
    from the very plans that resize the image: every library's plans record
    it (``plan.info["affine"]``).

    Examples
    --------
    >>> resize_map((4,), (8,), align_corners=True).points([[1.0]]).tolist()
    [[2.3333333333333335]]
    >>> m = resize_map((480, 640), like="opencv", dsize=(320, 240),
    ...                interpolation="INTER_NEAREST")  # x_in = 2 x_out
    >>> m.out_shape, m.points([[100.0, 50.0]]).tolist()
    ((240, 320), [[50.0, 25.0]])
    >>> resize_map((480, 640), (240, 320), like="pillow", resample="BILINEAR").points(
    ...     [[100.0, 50.0]]).tolist()
    [[49.75, 24.75]]

    """
    from ._explain import explain

    e = explain(shape, size, like=like, **options)
    return _from_plans(e.in_shape, e.plans)


def crop_map(shape: Any, box: Any, size: Any, *, convention: str = "continuous",
             order: str = "xy", align_corners: bool = False) -> CoordMap:
    """The map of a crop-and-resize: the region ``box`` of the input becomes the whole output.

    ``box = (lo_1, ..., lo_n, hi_1, ..., hi_n)`` (``(x1, y1, x2, y2)`` in
    ``order="xy"``) in ``convention``.  With ``align_corners=False`` the output
    pixels tile the box (output pixel edges on the box edges: torchvision
    ``roi_align(aligned=True)``, a crop followed by a half-pixel resize); with
    True the corner output samples sit on the box corners (TensorFlow
    ``crop_and_resize``).  Use :meth:`CoordMap.resample` for the image.

    Examples
    --------
    >>> m = crop_map((10, 10), (2, 2, 6, 6), (2, 2))
    >>> m.points([[2.0, 2.0]], convention="continuous").tolist()
    [[0.0, 0.0]]

    """
    check_choice("convention", convention, COORD_CONVENTIONS)
    check_choice("order", order, _ORDERS)
    shp = tuple(check_sizes("shape", shape, order="(H, W, ...): rows first"))
    n = len(shp)
    outs = tuple(check_sizes("size", size, n))
    vals = list(box) if isinstance(box, (tuple, list, np.ndarray)) else []
    if len(vals) != 2 * n:
        raise ValueError(f"box={box!r} must hold {2 * n} numbers (lo..., hi...)")
    lo = [Fraction(check_real("box", v)) for v in vals[:n]]
    hi = [Fraction(check_real("box", v)) for v in vals[n:]]
    if order == "xy":
        lo, hi = lo[::-1], hi[::-1]
    shift = Fraction(1, 2) if convention == "continuous" else Fraction(0)
    affines = []
    for ax in range(n):
        if not hi[ax] > lo[ax]:
            raise ValueError(f"box={box!r} is empty along axis {ax} (hi must exceed lo)")
        lo_i, span, m = lo[ax] - shift, hi[ax] - lo[ax], outs[ax]
        if align_corners:
            a = span / (m - 1) if m > 1 else Fraction(0)
            d = lo_i if m > 1 else lo_i + span / 2
            affines.append(Affine(a, Fraction(0), d, "crop_align_corners"))
        else:
            # Output pixel o covers [lo + o*span/m, lo + (o+1)*span/m) (continuous); its centre
            # in index units is lo_index + (o + 1/2) * span/m.
            affines.append(Affine(span / m, Fraction(1, 2), lo_i, "crop_half_pixel"))
    return CoordMap(shp, outs, tuple(affines))


def resize_flow(flow: Any, size: Any, *, order: str = "xy", **options: Any) -> Any:
    """Resize an optical-flow (or disparity) field and rescale its vectors to the new grid.

    ``flow`` has shape ``(H, W, 2)`` (components in ``order``, default
    ``(dx, dy)``); the field is resampled like an image with the given
    :func:`pixelgrid.resize` options and each vector is scaled by the output/input
    ratio of its axis, so that ``p + flow(p)`` maps like a point.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.ones((4, 6, 2)) * [2.0, 1.0]
    >>> resize_flow(f, (8, 3))[0, 0].tolist()
    [1.0, 2.0]

    """
    from ._resize import resize

    arr = as_array("flow", flow)
    if arr.ndim != 3 or arr.shape[-1] != 2:
        hint = (" (a channels-first (2, H, W) flow: pass np.moveaxis(flow, 0, -1))"
                if arr.ndim == 3 and arr.shape[0] == 2 else "")
        raise ValueError(f"flow must have shape (H, W, 2), got {arr.shape}{hint}")
    if "axes" in options:
        raise TypeError("resize_flow() resizes axes (0, 1); do not pass axes=")
    m = resize_map(arr.shape[:2], size, **options)
    out = resize(arr, size, axes=(0, 1), **options)
    vec = m.vectors(out.reshape(-1, 2), order=order).reshape(out.shape)
    if np.issubdtype(out.dtype, np.integer):  # integer flows: rounded as resize rounds them
        return store(vec, out.dtype, "half_even")
    return vec.astype(out.dtype, copy=False)
