"""Identify an unknown resize: which library call turns ``x`` into ``y``.

Given an image and its resized version, :func:`identify` searches every
library that ``pixelgrid.compat`` reproduces (the parameter space that the two
shapes allow), ranks the calls by how well pixelgrid's emulation of each
reproduces ``y``, and, when no library call matches, fits pixelgrid's own
model (kernel, antialias and a per-axis grid offset) and reports it as the
closest model.

The search is a thin caller of the same plans every resize uses:

1. *families* (calls that differ only near the image edges, e.g. SciPy's
   ``mode``) are probed first on interior rows and columns, in float64 from
   their plans (:func:`pixelgrid.explain`'s ``like`` registry);
2. the members of the families that survive are probed on rows that include
   the edges;
3. the calls that survive both probes run in full through their emulation and
   are ranked by agreement; calls giving identical output are grouped.

Robust to what real pipelines add: a JPEG re-encoding of ``y`` (ranked by
error, reported as close rather than exact), RGB/BGR channel order, a uint8
round trip of a float result (rounded or truncated), and a crop or pad around
the resize or a resize of a crop of ``x``.  That last search runs only when no
plain call explains ``y``: borders that look like padding are set aside, the
rest is located in ``x`` (thumbnail correlation, then a Gauss-Newton fit of
scale and offset per axis), read as integer sizes and offsets, and the best
readings go through steps 1-3 with the output cropped / padded as read.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import EXACT
from ._arrays import apply_plans
from ._explain import like_plans
from ._grid import Affine, convention
from ._plan import plan
from ._plan_types import AxisPlan

__all__ = ["LIBRARIES", "Candidate", "identify"]

#: Libraries :func:`identify` searches, in the order ties are listed.
LIBRARIES = ("opencv", "pillow", "torch", "tensorflow", "jax", "onnx", "skimage", "scipy",
             "matlab")

Array = NDArray[Any]
Plans = list[tuple[int, AxisPlan]]


@dataclass(frozen=True)
class _Spec:
    """One library call: how to name it, plan it and run its emulation."""

    library: str
    call: str                       # runnable, with ``{x}`` for the input expression
    like: str                       # registry name for the plans
    options: tuple[tuple[str, Any], ...]
    run: Callable[[Array], Array]   # emulation on an (H, W) or (H, W, C) array
    family: tuple[Any, ...]         # calls that differ only near the edges share it
    layout: str = "hwc"             # the input layout ``call`` expects: hwc, nchw, nhwc, pil
    sized: bool = True              # the plans take the output size (not only a scale)
    value_scales: tuple[float, ...] = (1.0,)  # output = plans(x) * scale (skimage's [0, 1])


@dataclass(frozen=True)
class Candidate:
    """A call that reproduces ``y`` from ``x``, with its measured agreement.

    Attributes
    ----------
    library : str
        ``"opencv"``, ``"torch"``, ... or ``"pixelgrid"`` for the closest own model.
    call : str
        The call in the library's own API, runnable as printed with ``x`` the
        original input (ONNX: the ``Resize`` node; MATLAB: MATLAB syntax).
    exact : bool
        True when the emulation's output equals ``y`` bit for bit.
    max_diff, mean_diff : float
        Largest and mean absolute difference to ``y``.
    model : str
        The core model per axis: grid formula, kernel, antialias, boundary.
    equivalent : tuple of str
        Other calls whose output is identical to this one's.
    similar : tuple of str
        When nothing reproduces ``y`` exactly: calls whose output differs from
        this one's by rounding only (at most one level, or float32 noise), which
        a re-encoded ``y`` cannot tell apart.  For a float ``y`` only the same
        library's calls: another library's call within rounding is a rival,
        listed as a candidate of its own.
    note : str
        What had to be undone to match: channel order, a uint8 round trip, a crop
        or pad, or ``"closest model"`` for a fit of pixelgrid's own model.
    crop : tuple of int or None
        ``(top, left, height, width)``: ``y`` (inside its padding, if any) is this
        window of the call's output, in output pixels; None when it is the whole.
    pad : tuple of int or None
        ``(top, bottom, left, right)`` pixels added around the call's (cropped)
        output, filled as :attr:`pad_mode` says; None when nothing was added.
    pad_mode : str
        ``"edge"`` or ``"constant <value>"`` (NumPy's ``np.pad`` modes), or "".
    input_crop : tuple of int or None
        ``(top, left, height, width)``: the call resized this window of ``x`` (in
        input pixels); None when it resized the whole of ``x``.
    """

    library: str
    call: str
    exact: bool
    max_diff: float
    mean_diff: float
    model: str
    equivalent: tuple[str, ...] = ()
    note: str = ""
    similar: tuple[str, ...] = ()
    crop: tuple[int, int, int, int] | None = None
    pad: tuple[int, int, int, int] | None = None
    pad_mode: str = ""
    input_crop: tuple[int, int, int, int] | None = None
    _run: Callable[[Array], Array] = field(default=lambda a: a, repr=False, compare=False)
    _rank: float = field(default=0.0, repr=False, compare=False)

    def reproduce(self, x: Any) -> Array:
        """Run pixelgrid's emulation of this call on ``x`` and store it as ``y`` was.

        The result is numpy in ``(H, W[, C])`` layout, with what :attr:`note` names
        applied (rounding to ``y``'s dtype, the channel order).
        """
        return self._run(_as_image(x, "x")[0])


# ---------------------------------------------------------------------------
# layouts


def _as_image(a: Any, name: str) -> tuple[Array, str]:
    """``a`` as an (H, W) or (H, W, C) numpy array, and the layout it came in."""
    if type(a).__module__.startswith("torch"):
        a = a.detach().cpu().numpy()
        if a.ndim == 4:
            if a.shape[0] != 1:
                raise ValueError(f"{name} has shape {tuple(a.shape)}: identify takes one "
                                 "image (N = 1)")
            a = a[0]
        if a.ndim == 3:
            return np.ascontiguousarray(np.moveaxis(a, 0, -1)), "torch"
        return np.ascontiguousarray(a), "torch"
    if hasattr(a, "mode") and hasattr(a, "size") and hasattr(a, "getbands"):  # PIL image
        return np.asarray(a), "numpy"
    if not isinstance(a, np.ndarray):
        try:
            a = np.asarray(a)
        except Exception as exc:  # pragma: no cover - numpy's own message is clear
            raise TypeError(f"{name} must be an array; got {type(a).__name__}") from exc
    if a.dtype.kind not in "uif" or a.dtype.itemsize > 8:
        raise TypeError(f"{name} has dtype {a.dtype}; identify takes integer or float images")
    if a.ndim == 4:
        if a.shape[0] != 1:
            raise ValueError(f"{name} has shape {a.shape}: identify takes one image (N = 1)")
        a = a[0]
        if a.shape[0] <= 4 < min(a.shape[1:]):  # (1, C, H, W)
            a = np.moveaxis(a, 0, -1)
    elif a.ndim == 3 and a.shape[0] <= 4 < min(a.shape[1:]):  # (C, H, W)
        a = np.moveaxis(a, 0, -1)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] > 4):
        raise ValueError(f"{name} has shape {a.shape}; identify takes an image: (H, W), "
                         "(H, W, C) or (C, H, W) with C <= 4, or a batch of one")
    if min(a.shape[:2]) < 2:
        raise ValueError(f"{name} has shape {a.shape}; each spatial axis needs 2+ pixels")
    return np.ascontiguousarray(a), "numpy"


def _x_expr(layout: str, ndim: int, source: str, name: str = "x") -> str:
    """The expression turning the user's ``x`` (or ``name``, a crop of it) into a layout.

    ``layout`` is the one the library call expects.
    """
    if source == "torch":  # x is an (N, C, H, W) or (C, H, W) tensor
        if layout == "nchw":
            return name
        base = f"{name}.reshape(-1, *{name}.shape[-2:]).permute(1, 2, 0).numpy()"
    else:
        base = name
    if layout in ("hwc", "hw"):
        return base
    if layout == "pil":
        return f"Image.fromarray({base})"
    if layout == "nhwc":
        return f"{base}[None]" if ndim == 3 else f"{base}[None, :, :, None]"
    if layout == "hwc3":  # TF v2 needs a channel axis
        return base if ndim == 3 else f"{base}[:, :, None]"
    # nchw
    if ndim == 3:
        return f"torch.from_numpy({base}).permute(2, 0, 1)[None]"
    return f"torch.from_numpy({base})[None, None]"


def _to_nchw(x: Array) -> Array:
    return x.transpose(2, 0, 1)[None] if x.ndim == 3 else x[None, None]


def _from_nchw(y: Array, ndim: int) -> Array:
    return np.asarray(y[0].transpose(1, 2, 0) if ndim == 3 else y[0, 0])


# ---------------------------------------------------------------------------
# the search space


def _nice_scales(n_in: int, n_out: int, rule: Callable[[int, float], int]) -> list[float]:
    """Scale factors a user may have typed (p / q, q <= 8) that give ``n_out`` by ``rule``."""
    found: list[float] = []
    for q in range(1, 9):
        for p in {math.floor(n_out * q / n_in), math.ceil(n_out * q / n_in)}:
            if p <= 0:
                continue
            s = p / q
            if s not in found and s != 1.0 and rule(n_in, s) == n_out:
                found.append(s)
    return found


def _opts(**kw: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(kw.items())


def _fmt_kw(options: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in options.items())


def _torch_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import torch as pt

    h, w = size
    out: list[_Spec] = []
    modes: list[tuple[str, dict[str, Any]]] = [("nearest", {}), ("nearest-exact", {}),
                                                ("area", {})]
    for mode in ("bilinear", "bicubic"):
        for ac in (False, True):
            for aa in (False, True):
                modes.append((mode, {"align_corners": ac, "antialias": aa}))
    sizes: list[dict[str, Any]] = [{"size": (h, w)}]
    sh = _nice_scales(x.shape[0], h, lambda n, s: math.floor(n * s))
    sw = _nice_scales(x.shape[1], w, lambda n, s: math.floor(n * s))
    for s in sh:
        if s in sw:
            sizes.append({"scale_factor": s})
    casts = [""] if x.dtype.kind == "f" else ["", ".float()"]
    for mode, extra in modes:
        for sz in sizes:
            for cast in casts:
                if mode == "area" and x.dtype.kind != "f" and not cast:
                    continue  # torch has no uint8 area
                kw = {**sz, "mode": mode, **extra}

                def run(a: Array, kw: dict[str, Any] = kw, cast: str = cast) -> Array:
                    t = _to_nchw(a.astype(np.float32) if cast else a)
                    return _from_nchw(np.asarray(pt.interpolate(t, **kw)), a.ndim)

                like_kw = {k: v for k, v in kw.items() if k != "size"}
                out.append(_Spec(
                    "torch", f"torch.nn.functional.interpolate({{x}}{cast}, {_fmt_kw(kw)})",
                    "torch", _opts(**like_kw), run, ("torch", mode, tuple(extra.items()),
                                                     tuple(sz.items()), cast),
                    layout="nchw", sized="size" in sz))
    return out


_CV_FLAGS = ("INTER_NEAREST", "INTER_LINEAR", "INTER_CUBIC", "INTER_AREA", "INTER_LANCZOS4",
             "INTER_LINEAR_EXACT", "INTER_NEAREST_EXACT")


def _opencv_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import opencv as ocv

    h, w = size
    out: list[_Spec] = []
    calls: list[tuple[str, dict[str, Any]]] = [(f"({w}, {h})", {"dsize": (w, h)})]
    H, W = x.shape[:2]
    for s in _nice_scales(H, h, lambda n, s: ocv.opencv_output_size(n, n, (0, 0), s, s)[1]):
        if ocv.opencv_output_size(W, H, (0, 0), s, s)[:2] == (w, h):
            calls.append((f"None, fx={s!r}, fy={s!r}", {"dsize": None, "fx": s, "fy": s}))
    for flag in _CV_FLAGS:
        if flag == "INTER_LINEAR_EXACT" and x.dtype != np.uint8:
            continue
        code = getattr(ocv, flag)
        for text, kw in calls:
            def run(a: Array, kw: dict[str, Any] = kw, code: int = code) -> Array:
                return np.asarray(ocv.resize(a, kw["dsize"], fx=kw.get("fx", 0),
                                             fy=kw.get("fy", 0), interpolation=code))

            like_kw = {"interpolation": flag}
            if "fx" in kw:
                like_kw.update(fx=kw["fx"], fy=kw["fy"])
            out.append(_Spec("opencv", f"cv2.resize({{x}}, {text}, interpolation=cv2.{flag})",
                             "opencv", _opts(**like_kw), run, ("opencv", flag, text),
                             sized="fx" not in kw))
    return out


_PIL_FILTERS = {"NEAREST": 0, "BOX": 4, "BILINEAR": 2, "HAMMING": 5, "BICUBIC": 3, "LANCZOS": 1}


def _pillow_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import pillow as pil

    if not ((x.dtype == np.uint8 and (x.ndim == 2 or x.shape[2] in (2, 3, 4)))
            or (x.dtype in (np.float32, np.int32) and x.ndim == 2)):
        return []  # not a Pillow mode
    h, w = size
    H, W = x.shape[:2]
    gaps: list[float | None] = [None]
    for g in (1.5, 2.0, 2.5, 3.0):  # a gap changes the result only when it reduces
        if int(W / w / g) >= 2 or int(H / h / g) >= 2:
            gaps.append(g)
    out: list[_Spec] = []
    for name, code in _PIL_FILTERS.items():
        for gap in gaps if name != "NEAREST" else [None]:
            def run(a: Array, code: int = code, gap: float | None = gap) -> Array:
                return np.asarray(pil.resize(a, (w, h), resample=code, reducing_gap=gap))

            extra = f", reducing_gap={gap!r}" if gap is not None else ""
            out.append(_Spec(
                "pillow", f"{{x}}.resize(({w}, {h}), Image.Resampling.{name}{extra})",
                "pillow", _opts(resample=code, reducing_gap=gap), run,
                ("pillow", name, gap), layout="pil"))
    return out


_TF_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
               "mitchellcubic")


def _tensorflow_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import tensorflow as tfc

    h, w = size
    out: list[_Spec] = []
    for method in _TF_METHODS:
        for aa in (False, True):
            if aa and method in ("nearest", "area"):
                continue  # antialias changes nothing for these (TF ignores it)

            def run(a: Array, method: str = method, aa: bool = aa) -> Array:
                y = np.asarray(tfc.resize(a if a.ndim == 3 else a[:, :, None], (h, w),
                                          method=method, antialias=aa))
                return y if a.ndim == 3 else y[:, :, 0]

            out.append(_Spec(
                "tensorflow",
                f"tf.image.resize({{x}}, ({h}, {w}), method={method!r}, antialias={aa})",
                "tensorflow", _opts(method=method, antialias=aa), run,
                ("tensorflow", method, aa), layout="hwc3"))
    grids = {"legacy": {}, "align_corners": {"align_corners": True},
             "half_pixel": {"half_pixel_centers": True}}
    for op in ("bilinear", "bicubic", "nearest_neighbor", "area"):
        for grid, kw in grids.items():
            if op == "area" and grid != "legacy":
                continue

            def run_v1(a: Array, op: str = op, kw: dict[str, bool] = kw) -> Array:
                fn = getattr(tfc.v1, f"resize_{op}")
                y = np.asarray(fn(a[None] if a.ndim == 3 else a[None, :, :, None], (h, w),
                                  **kw))
                return y[0] if a.ndim == 3 else y[0, :, :, 0]

            like_op = {"nearest_neighbor": "nearest"}.get(op, op)
            args = "".join(f", {k}={v}" for k, v in kw.items())
            out.append(_Spec(
                "tensorflow", f"tf.compat.v1.image.resize_{op}({{x}}, ({h}, {w}){args})",
                "tensorflow.v1", _opts(op=like_op, **kw), run_v1, ("tf.v1", op, grid),
                layout="nhwc"))
    return out


def _jax_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import jax as jc

    h, w = size
    shape = (h, w, *x.shape[2:])
    out: list[_Spec] = []
    for method in ("nearest", "linear", "cubic", "lanczos3", "lanczos5"):
        for aa in (True, False):
            if method == "nearest" and not aa:
                continue  # antialias changes nothing for nearest

            def run(a: Array, method: str = method, aa: bool = aa) -> Array:
                return np.asarray(jc.resize(a, shape, method, antialias=aa))

            out.append(_Spec(
                "jax", f"jax.image.resize({{x}}, {shape}, method={method!r}, antialias={aa})",
                "jax", _opts(method=method, antialias=aa), run, ("jax", method, aa)))
    return out


_ONNX_CTM = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
             "half_pixel_symmetric")


def _onnx_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import onnx as oc

    h, w = size
    c = x.shape[2] if x.ndim == 3 else 1
    sizes = [1, c, h, w]
    attrs: list[dict[str, Any]] = []
    for ctm in _ONNX_CTM:
        for nm in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
            attrs.append({"mode": "nearest", "coordinate_transformation_mode": ctm,
                          "nearest_mode": nm})
        for aa in (0, 1):
            attrs.append({"mode": "linear", "coordinate_transformation_mode": ctm,
                          "antialias": aa})
            for a in (-0.75, -0.5):
                for ex in (0, 1):
                    attrs.append({"mode": "cubic", "coordinate_transformation_mode": ctm,
                                  "cubic_coeff_a": a, "exclude_outside": ex, "antialias": aa})
    out: list[_Spec] = []
    for kw in attrs:
        def run(a: Array, kw: dict[str, Any] = kw) -> Array:
            return _from_nchw(np.asarray(oc.resize(_to_nchw(a), sizes=sizes, **kw)), a.ndim)

        family = tuple((k, v) for k, v in kw.items() if k != "exclude_outside")
        out.append(_Spec(
            "onnx", f"onnx.helper.make_node('Resize', ['X', '', '', 'sizes'], ['Y'], "
            f"{_fmt_kw(kw)})  # X = {{x}}, sizes = {sizes}",
            "onnx", _opts(**kw), run, ("onnx", *family), layout="nchw"))
    return out


def _skimage_specs(x: Array, size: tuple[int, int], y: Array) -> list[_Spec]:
    from .compat import skimage as sk

    h, w = size
    # Without preserve_range, integer images are scaled to [0, 1] (except where skimage
    # keeps the dtype, as order 0 does): the probe tries both scales.
    scales = (1.0, 1.0 / float(np.iinfo(x.dtype).max)) if x.dtype.kind in "ui" else (1.0,)
    ranges = (False, True) if x.dtype.kind in "ui" else (False,)
    out: list[_Spec] = []
    for order in range(6):
        for aa in (False, True):
            for mode in ("reflect", "edge", "symmetric", "constant", "wrap"):
                for pr in ranges:
                    kw: dict[str, Any] = {"order": order, "mode": mode, "anti_aliasing": aa}
                    if pr:
                        kw["preserve_range"] = True

                    def run(a: Array, kw: dict[str, Any] = kw) -> Array:
                        return np.asarray(sk.resize(a, (h, w), **kw))

                    out.append(_Spec(
                        "skimage",
                        f"skimage.transform.resize({{x}}, ({h}, {w}), {_fmt_kw(kw)})",
                        "skimage", _opts(order=order, mode=mode, anti_aliasing=aa), run,
                        ("skimage", order, aa),
                        value_scales=(1.0,) if pr else scales))
    return out


def _scipy_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import scipy as sc

    h, w = size
    H, W = x.shape[:2]
    zoom = (h / H, w / W) + ((1,) if x.ndim == 3 else ())
    text = f"({h} / {H}, {w} / {W}" + (", 1)" if x.ndim == 3 else ")")
    if tuple(round(n * z) for n, z in zip((H, W), zoom[:2], strict=True)) != (h, w):
        return []
    out: list[_Spec] = []
    modes = ("constant", "nearest", "reflect", "mirror", "wrap", "grid-constant",
             "grid-mirror", "grid-wrap")
    for order in range(6):
        for grid_mode in (False, True):
            for mode in modes:
                if grid_mode and mode in ("constant", "wrap"):
                    continue  # SciPy runs these as grid-constant / grid-wrap
                kw = {"order": order, "mode": mode, "grid_mode": grid_mode}

                def run(a: Array, kw: dict[str, Any] = kw) -> Array:
                    return np.asarray(sc.zoom(a, zoom, **kw))

                out.append(_Spec(
                    "scipy", f"scipy.ndimage.zoom({{x}}, {text}, {_fmt_kw(kw)})", "scipy",
                    _opts(**kw), run, ("scipy", order, grid_mode)))
    return out


def _matlab_specs(x: Array, size: tuple[int, int]) -> list[_Spec]:
    from .compat import matlab as ml

    h, w = size
    out: list[_Spec] = []
    for method in ("nearest", "bilinear", "bicubic", "box", "lanczos2", "lanczos3"):
        for aa in (True, False):
            if method in ("nearest", "box") and not aa:
                continue

            def run(a: Array, method: str = method, aa: bool = aa) -> Array:
                return np.asarray(ml.imresize(a, (h, w), method, antialiasing=aa))

            out.append(_Spec(
                "matlab", f"imresize({{x}}, [{h} {w}], '{method}', 'Antialiasing', "
                f"{str(aa).lower()})", "matlab",
                _opts(method=method, antialiasing=aa), run,
                ("matlab", method, aa)))
    return out


def _specs(x: Array, y: Array, libraries: Sequence[str]) -> list[_Spec]:
    size = (int(y.shape[0]), int(y.shape[1]))
    makers: dict[str, Callable[[], list[_Spec]]] = {
        "torch": lambda: _torch_specs(x, size),
        "opencv": lambda: _opencv_specs(x, size),
        "pillow": lambda: _pillow_specs(x, size),
        "tensorflow": lambda: _tensorflow_specs(x, size),
        "jax": lambda: _jax_specs(x, size),
        "onnx": lambda: _onnx_specs(x, size),
        "skimage": lambda: _skimage_specs(x, size, y),
        "scipy": lambda: _scipy_specs(x, size),
        "matlab": lambda: _matlab_specs(x, size),
    }
    out: list[_Spec] = []
    for lib in libraries:
        out.extend(makers[lib]())
    return out


# ---------------------------------------------------------------------------
# probing through plans (float64) and full runs


class _Prober:
    """Float64 outputs of a candidate's plans on chosen output rows and columns."""

    def __init__(self, x: Array, y: Array, out_shape: tuple[int, int] | None = None,
                 offset: tuple[int, int] = (0, 0)) -> None:
        # y may be a window of the calls' output: out_shape is the output's size and
        # offset the window's position in it (a crop of the output, see _Geometry).
        self.x = x.astype(np.float64)
        self.y = y.astype(np.float64)
        self.in_shape = x.shape[:2]
        self.out_shape = out_shape or y.shape[:2]
        self.offset = offset
        self._plans: dict[tuple[Any, ...], Plans | None] = {}
        h, w = y.shape[:2]
        self.cols_all = (None if (offset[1], w) == (0, self.out_shape[1])
                         else np.arange(w) + offset[1])
        # Interior: a band away from the edges, where boundary rules do not reach.
        self.rows_in = _spread(max(2, h // 4), h - max(2, h // 4), 6)
        self.cols_in = np.arange(max(2, w // 8), w - max(2, w // 8))
        self.rows_all = np.unique(np.r_[0, 1, 2, h - 3, h - 2, h - 1, self.rows_in])
        self.rows_all = self.rows_all[(self.rows_all >= 0) & (self.rows_all < h)]

    def plans(self, spec: _Spec) -> Plans | None:
        key = (spec.like, spec.options)
        if key not in self._plans:
            size = self.out_shape if spec.sized else None
            try:
                pl = like_plans(spec.like, self.in_shape, size, **dict(spec.options))
            except (ValueError, TypeError, NotImplementedError):
                pl = None
            self._plans[key] = pl
        return self._plans[key]

    def error(self, spec: _Spec, y: Array, interior: bool) -> float:
        """Root mean squared (luma) difference of the spec's float64 probe to ``y``'s."""
        pl = self.plans(spec)
        if pl is None:
            return math.inf
        rows = self.rows_in if interior else self.rows_all
        cols = self.cols_in if interior else None
        by_axis = dict(pl)
        if set(by_axis) - {0, 1}:
            return math.inf
        v = self.x
        out_rows = rows + self.offset[0]
        out_cols = self.cols_in + self.offset[1] if interior else self.cols_all
        for axis, sel in ((0, out_rows), (1, out_cols)):
            p = by_axis.get(axis)
            if p is None:
                v = v[sel] if axis == 0 else (v[:, sel] if sel is not None else v)
                continue
            v = apply_plans(v, [(axis, _rows(p, sel))])
        target = y[rows] if cols is None else y[rows][:, cols]
        if v.shape != target.shape:
            return math.inf
        return min(math.sqrt(_ranking_error(v * s - target)) for s in spec.value_scales)


def _spread(lo: int, hi: int, n: int) -> NDArray[np.int64]:
    return np.unique(np.linspace(lo, max(lo, hi - 1), n).round().astype(np.int64))


def _rows(p: AxisPlan, sel: NDArray[np.int64] | None) -> AxisPlan:
    """The plan restricted to output samples ``sel``, in plain float64 arithmetic."""
    if sel is None:
        return dataclasses.replace(p, fixed=None, arithmetic=EXACT)
    return dataclasses.replace(p, out_size=len(sel), index=p.index[sel], weight=p.weight[sel],
                               fill=p.fill[sel], coord=p.coord[sel], fixed=None,
                               arithmetic=EXACT)


def _keep(errors: list[tuple[float, Any]], unit: float, at_least: int) -> list[Any]:
    """The entries within a margin of the best error (and at least ``at_least`` of them)."""
    ranked = sorted((e for e in errors if math.isfinite(e[0])), key=lambda e: e[0])
    if not ranked:
        return []
    best = ranked[0][0]
    margin = max(0.25 * best, unit)
    return [item for k, (e, item) in enumerate(ranked) if e <= best + margin or k < at_least]


def _unit(y: Array) -> float:
    """The error scale of ``y``: one level for integers, a small fraction of the range else."""
    if y.dtype.kind in "ui":
        return 0.4
    rng = float(np.nanmax(y) - np.nanmin(y)) if y.size else 1.0
    return max(rng, 1e-12) * 1e-5


# ---------------------------------------------------------------------------


def _compare(out: Array, y: Array) -> list[tuple[Array, str, Callable[[Array], Array]]]:
    """``out`` as ``y`` would store it: as is, and rounded / truncated for integer ``y``.

    Each entry also carries the store as a function, so that ``reproduce`` applies it.
    """
    res: list[tuple[Array, str, Callable[[Array], Array]]] = [(out, "", _same)]
    if y.dtype.kind in "ui" and out.dtype.kind == "f":
        info = np.iinfo(y.dtype)
        lo, hi, dt = info.min, info.max, y.dtype

        def rounded(a: Array) -> Array:
            return np.clip(np.rint(a), lo, hi).astype(dt)

        def truncated(a: Array) -> Array:
            return np.clip(a, lo, hi).astype(dt)

        res += [(rounded(out), f"float result rounded to {dt} (np.clip(np.rint(y), {lo}, "
                 f"{hi}))", rounded),
                (truncated(out), f"float result truncated to {dt} (np.clip(y, {lo}, {hi})"
                 f".astype(np.{dt}))", truncated)]
    return res


def _same(a: Array) -> Array:
    return a


def _then_bgr(store: Callable[[Array], Array], a: Array) -> Array:
    return _bgr(store(a))


def _bgr(a: Array) -> Array:
    out = a.copy()
    out[..., :3] = a[..., 2::-1]
    return out


def _model_text(pl: Plans | None) -> str:
    if not pl:
        return "copy"
    parts = []
    for axis, p in sorted(pl, key=lambda t: t[0]):
        i = p.info
        parts.append(f"axis {axis}: {i.get('formula', '?')}, kernel {i.get('kernel', '?')}, "
                     f"antialias {i.get('antialias', '?')}, boundary {i.get('boundary', '?')}")
    return "; ".join(parts)


@dataclass
class _Scored:
    spec: _Spec
    out: Array
    max_diff: float
    mean_diff: float
    note: str
    rank: float = 0.0
    store: Callable[[Array], Array] = _same  # what turns the emulation's output into y
    prober: Any = None  # the _Prober of its search (plans for the model text)
    geom: _Geometry | None = None  # the crop / pad around the call, if any


def _own_fit(x: Array, y: Array, prober: _Prober) -> Candidate:
    """Fit pixelgrid's own model: kernel, antialias and a grid offset per axis."""
    H, W = x.shape[:2]
    h, w = y.shape[:2]
    xf = prober.x
    rows = prober.rows_all

    def err(kernel: str, aa: bool, dh: float, dw: float) -> float:
        ph = plan(H, h, kernel=kernel, antialias=aa, grid=_shifted(H, h, dh))
        pw = plan(W, w, kernel=kernel, antialias=aa, grid=_shifted(W, w, dw))
        v = apply_plans(xf, [(0, _rows(ph, rows)), (1, _rows(pw, None))])
        return float(np.mean(np.abs(v - prober.y[rows])))

    best = (math.inf, "linear", False, 0.0, 0.0)
    for kernel in ("nearest", "linear", "cubic", "lanczos3", "box"):
        for aa in (False, True):
            if kernel == "nearest" and aa:
                continue
            dh = dw = 0.0
            for _ in range(2):  # coordinate descent on the two offsets
                dh = _golden(functools.partial(_swap, err, kernel, aa, dw))
                dw = _golden(functools.partial(err, kernel, aa, dh))
            e = err(kernel, aa, dh, dw)
            if e < best[0]:
                best = (e, kernel, aa, dh, dw)
    _, kernel, aa, dh, dw = best
    grids = [_shifted(H, h, dh), _shifted(W, w, dw)]
    from ._resize import resize

    def run(a: Array) -> Array:
        return np.asarray(resize(a, (h, w), kernel=kernel, antialias=aa, grid=grids))

    out = run(x)
    scored = _score(out, y)
    call = (f"pixelgrid.resize({{x}}, ({h}, {w}), kernel={kernel!r}, antialias={aa}, "
            f"grid=[{grids[0]!r}, {grids[1]!r}])")
    shift = (f"{kernel} resize, antialias {aa}; grid shifted from half_pixel by "
             f"{dh:+.3f} px (rows), {dw:+.3f} px (columns) in input pixels")
    return Candidate("pixelgrid", call.replace("{x}", "x"), scored[0] == 0.0, scored[0],
                     scored[1], shift, (), "closest model", _run=run, _rank=scored[2])


def _swap(err: Callable[[str, bool, float, float], float], kernel: str, aa: bool,
          dw: float, dh: float) -> float:
    return err(kernel, aa, dh, dw)


def _shifted(n_in: int, n_out: int, d: float) -> Affine:
    """The half-pixel grid (from its one definition) shifted by ``d`` input pixels."""
    base = convention("half_pixel", n_in, n_out)
    return dataclasses.replace(base, d=base.d + Fraction(d).limit_denominator(1000),
                               name="fitted")


def _golden(f: Callable[[float], float], lo: float = -1.0, hi: float = 1.0) -> float:
    """Minimise ``f`` on [lo, hi]: a coarse scan, then a golden-section refinement."""
    grid = np.linspace(lo, hi, 17)
    vals = [f(float(d)) for d in grid]
    k = int(np.argmin(vals))
    a, b = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, len(grid) - 1)])
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(12):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return round((a + b) / 2, 4)


# ---------------------------------------------------------------------------
# a crop or pad around the resize


@dataclass(frozen=True)
class _Geometry:
    """Where ``y`` sits relative to a library call: ``y = pad(call(x_crop)[window])``.

    ``x_crop`` is ``(top, left, height, width)`` of ``x`` (None: all of it); the call
    outputs ``out_size``; ``offset`` is the output position of ``y``'s core (the
    part inside the padding, ``core`` pixels); ``pad`` adds ``((top, bottom), (left,
    right))`` filled by ``pad_mode`` (``"edge"`` or ``"constant"`` with ``pad_value``).
    """

    out_size: tuple[int, int]
    offset: tuple[int, int] = (0, 0)
    core: tuple[int, int] = (0, 0)
    pad: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    pad_mode: str = ""
    pad_value: float = 0.0
    x_crop: tuple[int, int, int, int] | None = None

    @property
    def cropped(self) -> bool:
        return self.core != self.out_size

    @property
    def padded(self) -> bool:
        return any(self.pad[0]) or any(self.pad[1])

    def x_view(self, x: Array) -> Array:
        if self.x_crop is None:
            return x
        t, left, h, w = self.x_crop
        return np.ascontiguousarray(x[t:t + h, left:left + w])

    def apply(self, out: Array) -> Array:
        """The call's output ``out`` as ``y`` holds it (cropped, then padded)."""
        if out.shape[:2] != self.out_size:
            return out[:0]  # scores as a mismatch
        (t, left), (h, w) = self.offset, self.core
        v = out[t:t + h, left:left + w]
        if not self.padded:
            return v
        widths = [*self.pad] + [(0, 0)] * (v.ndim - 2)
        if self.pad_mode == "edge":
            return np.pad(v, widths, mode="edge")
        return np.pad(v, widths, mode="constant", constant_values=self.pad_value)

    def run(self, run: Callable[[Array], Array], a: Array) -> Array:
        return self.apply(run(self.x_view(a)))

    def x_name(self, source: str) -> str:
        if self.x_crop is None:
            return "x"
        t, left, h, w = self.x_crop
        lead = "..., " if source == "torch" else ""
        return f"x[{lead}{t}:{t + h}, {left}:{left + w}]"

    def call(self, text: str, spec: _Spec, ndim: int) -> str:
        """``text`` (the library call on ``x`` or its crop) with the crop and pad shown."""
        (t, left), (h, w) = self.offset, self.core
        win = f"{t}:{t + h}, {left}:{left + w}"
        if self.cropped:
            if spec.library == "onnx":
                text += f"; then Y[..., {win}]"
            elif spec.library == "matlab":
                text = f"y = {text}; y = y({t + 1}:{t + h}, {left + 1}:{left + w}, :)"
            elif spec.layout == "pil":
                text += f".crop(({left}, {t}, {left + w}, {t + h}))"
            else:
                text += {"nchw": f"[..., {win}]", "nhwc": f"[:, {win}]"}.get(
                    spec.layout, f"[{win}]")
        if not self.padded:
            return text
        (pt, pb), (pl, pr) = self.pad
        if spec.library == "matlab":
            how = "'replicate'" if self.pad_mode == "edge" else f"{self.pad_value:g}"
            if not text.startswith("y = "):
                text = f"y = {text}"
            return (f"{text}; y = padarray(padarray(y, [{pt} {pl}], {how}, 'pre'), "
                    f"[{pb} {pr}], {how}, 'post')")
        lead = {"nchw": 2, "nhwc": 1}.get(spec.layout, 0)
        trail = 1 if (spec.layout in ("nhwc", "hwc3") or (ndim == 3 and lead == 0)) else 0
        widths = ", ".join(["(0, 0)"] * lead + [f"({pt}, {pb})", f"({pl}, {pr})"]
                           + ["(0, 0)"] * trail)
        how = ("mode='edge'" if self.pad_mode == "edge"
               else f"mode='constant', constant_values={self.pad_value:g}")
        if spec.library == "onnx":
            return f"{text}; then np.pad(Y, ({widths}), {how})"
        return f"np.pad(np.asarray({text}), ({widths}), {how})"

    def describe(self) -> str:
        parts = []
        if self.x_crop is not None:
            t, left, h, w = self.x_crop
            parts.append(f"resized x[{t}:{t + h}, {left}:{left + w}] (a crop of x)")
        if self.cropped:
            (t, left), (h, w) = self.offset, self.core
            parts.append(f"crop [{t}:{t + h}, {left}:{left + w}] of the {self.out_size[0]}x"
                         f"{self.out_size[1]} output")
        if self.padded:
            (pt, pb), (pl, pr) = self.pad
            mode = "edge" if self.pad_mode == "edge" else f"constant {self.pad_value:g}"
            parts.append(f"padded (top {pt}, bottom {pb}, left {pl}, right {pr}; {mode})")
        return "; ".join(parts)


def _gray(a: Array) -> NDArray[np.float32]:
    """Mean of the channels as float32 (channel order does not change it)."""
    g = a.astype(np.float32)
    return np.ascontiguousarray(g.mean(axis=2) if g.ndim == 3 else g, dtype=np.float32)


def _pad_variants(y: Array) -> list[tuple[tuple[tuple[int, int], tuple[int, int]], str, float]]:
    """Padding ``y`` may carry: none, constant borders (a corner's value), edge copies."""
    h, w = y.shape[:2]
    flat = y.reshape(h, w, -1)
    out: list[tuple[tuple[tuple[int, int], tuple[int, int]], str, float]] = [
        (((0, 0), (0, 0)), "", 0.0)]

    def run_len(equal: Callable[[int], bool], n: int) -> int:
        k = 0
        while k < n - 2 and equal(k):
            k += 1
        return k

    def const_pads(c: Any) -> tuple[tuple[int, int], tuple[int, int]]:
        return ((run_len(lambda k: bool(np.all(flat[k] == c)), h),
                 run_len(lambda k: bool(np.all(flat[h - 1 - k] == c)), h)),
                (run_len(lambda k: bool(np.all(flat[:, k] == c)), w),
                 run_len(lambda k: bool(np.all(flat[:, w - 1 - k] == c)), w)))

    for corner in {(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1)}:
        px = flat[corner]
        if not np.all(px == px[0]):
            continue  # np.pad takes one constant for every channel
        c = px[0]
        pads = const_pads(c)
        if any(pads[0]) or any(pads[1]):
            out.append((pads, "constant", float(c)))
    # edge: rows 0..k identical means k copies of the content's first row
    pads = ((run_len(lambda k: bool(np.array_equal(flat[k + 1], flat[0])), h),
             run_len(lambda k: bool(np.array_equal(flat[h - 2 - k], flat[h - 1])), h)),
            (run_len(lambda k: bool(np.array_equal(flat[:, k + 1], flat[:, 0])), w),
             run_len(lambda k: bool(np.array_equal(flat[:, w - 2 - k], flat[:, w - 1])), w)))
    # constant borders are also runs of equal rows: an edge reading adds nothing then
    implied = any(v[1] == "constant" and all(e <= c for e, c in zip(
        (*pads[0], *pads[1]), (*v[0][0], *v[0][1]), strict=True)) for v in out)
    if (any(pads[0]) or any(pads[1])) and not implied:
        out.append((pads, "edge", 0.0))
    seen, unique = set(), []
    for v in out:
        if (v[0], v[1], v[2]) not in seen:
            seen.add((v[0], v[1], v[2]))
            unique.append(v)
    return unique


def _coarse_matches(xg: Array, yg: Array, keep: int = 3) -> list[tuple[float, float, float, float]]:
    """Scale and offset per axis (``x = a * i + b``, pixel centres) matching ``yg`` to ``xg``.

    Normalised correlation of thumbnails over a grid of the fraction of each axis of
    ``xg`` that ``yg`` covers (20% to 100%); the ``keep`` best.
    """
    H, W = xg.shape
    hc, wc = yg.shape
    k = 12 / max(hc, wc)
    th, tw = max(3, round(hc * k)), max(3, round(wc * k))
    if th > hc or tw > wc:
        th, tw = hc, wc
    tmpl = _thumb(yg, th, tw)
    if float(tmpl.std()) == 0.0:
        return []
    fractions = np.exp(np.linspace(math.log(0.2), 0.0, 16))
    # x thumbnails come from one intermediate (at most 5x the template), not from x
    base = _thumb(xg, min(H, 5 * th), min(W, 5 * tw))
    found: list[tuple[float, float, float, float, float]] = []
    for sh in sorted({max(th, round(th / f)) for f in fractions}):
        for sw in sorted({max(tw, round(tw / f)) for f in fractions}):
            score, u, v = _ncc_peak(_thumb(base, sh, sw), tmpl)
            ay, ax = th / hc * H / sh, tw / wc * W / sw
            by = (u + 0.5 * th / hc) * H / sh - 0.5
            bx = (v + 0.5 * tw / wc) * W / sw - 0.5
            found.append((-score, ay, by, ax, bx))
    found.sort()
    return [f[1:] for f in found[:keep]]


def _blur(a: Array, sy: float, sx: float) -> Array:
    """Separable Gaussian blur (edge-extended), standard deviations in pixels."""
    for axis, s in ((0, sy), (1, sx)):
        if s < 0.3:
            continue
        r = math.ceil(3 * s)
        taps = np.exp(-0.5 * (np.arange(-r, r + 1) / s) ** 2)
        taps /= taps.sum()
        n = a.shape[axis]
        idx = np.clip(np.arange(-r, n + r), 0, n - 1)
        p = np.take(a, idx, axis=axis)
        acc = np.zeros_like(a)
        for k, wk in enumerate(taps):
            acc += wk * (p[k:k + n] if axis == 0 else p[:, k:k + n])
        a = acc
    return a


def _thumb(a: Array, h: int, w: int) -> Array:
    from ._resize import resize

    if a.shape == (h, w):
        return a
    return np.asarray(resize(a, (h, w), kernel="box", antialias=True))


def _ncc_peak(img: Array, tmpl: Array) -> tuple[float, int, int]:
    """Best normalised cross-correlation of ``tmpl`` inside ``img``: score, row, column."""
    th, tw = tmpl.shape
    t = tmpl - tmpl.mean()
    tn = float(np.sqrt(np.sum(t * t)))
    win = np.lib.stride_tricks.sliding_window_view(img, (th, tw))
    corr = np.tensordot(win, t, axes=2)
    n = th * tw
    c1 = np.pad(img, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    c2 = np.pad(img * img, ((1, 0), (1, 0))).cumsum(0).cumsum(1)

    def box(c: Array) -> Array:
        return c[th:, tw:] - c[:-th, tw:] - c[th:, :-tw] + c[:-th, :-tw]

    var = np.maximum(box(c2) - box(c1) ** 2 / n, 1e-9 * max(float(np.max(img)) ** 2, 1.0))
    ncc = corr / (tn * np.sqrt(var) + 1e-12)
    k = int(np.argmax(ncc))
    u, v = divmod(k, ncc.shape[1])
    return float(ncc[u, v]), u, v


def _sample(img: Array, r: Array, c: Array) -> tuple[Array, Array, Array, Array]:
    """Bilinear samples of ``img`` at rows ``r`` x columns ``c`` (separable).

    Also returns the derivatives along rows and columns and the mask of the samples
    inside ``img``.
    """
    H, W = img.shape
    rr = np.clip(r, 0, H - 1.0001)
    cc = np.clip(c, 0, W - 1.0001)
    r0 = rr.astype(np.int64)
    c0 = cc.astype(np.int64)
    fr = (rr - r0)[:, None]
    fc = (cc - c0)[None, :]
    top, bot = img[r0], img[r0 + 1]
    rows = top + fr * (bot - top)
    drows = bot - top
    left, right = rows[:, c0], rows[:, c0 + 1]
    v = left + fc * (right - left)
    dc = right - left
    dl, dr = drows[:, c0], drows[:, c0 + 1]
    dv = dl + fc * (dr - dl)
    inside = ((r >= 0) & (r <= H - 1))[:, None] & ((c >= 0) & (c <= W - 1))[None, :]
    return v, dv, dc, inside


def _refine(xg: Array, yg: Array, ay: float, by: float, ax: float,
            bx: float) -> tuple[float, float, float, float] | None:
    """Sub-pixel scale and offset per axis (``x = a * i + b``) by Gauss-Newton.

    Fits ``gain * x(a_y i + b_y, a_x j + b_x) + bias`` to ``yg`` (an ECC-like
    photometric fit), on blurred images first (a wide basin), then finer.
    """
    p = np.array([ay, by, ax, bx], dtype=np.float64)
    for sigma in (4.0, 2.0, 1.0, 0.0):
        if sigma and sigma > min(yg.shape) / 6:
            continue
        # y blurred by sigma; x by the same in y's pixels plus a downscale's low-pass
        xb = _blur(xg, math.hypot(sigma * p[0], 0.45 * p[0] if p[0] > 1.01 else 0.0),
                   math.hypot(sigma * p[2], 0.45 * p[2] if p[2] > 1.01 else 0.0))
        yb = _blur(yg, sigma, sigma)
        # every st-th pixel: about 20000 samples are plenty for four parameters
        st = max(1, int(sigma), math.ceil(math.sqrt(yg.size / 20000)))
        i = np.arange(0, yg.shape[0], st, dtype=np.float64)
        j = np.arange(0, yg.shape[1], st, dtype=np.float64)
        yb = yb[::st, ::st]
        for _ in range(8):
            v, dv, dc, inside = _sample(xb, p[0] * i + p[1], p[2] * j + p[3])
            m = inside.ravel()
            if m.sum() < 16:
                return None
            ii = np.broadcast_to(i[:, None], v.shape).ravel()[m]
            jj = np.broadcast_to(j[None, :], v.shape).ravel()[m]
            vv, dvv, dcc, yy = v.ravel()[m], dv.ravel()[m], dc.ravel()[m], yb.ravel()[m]
            # photometric gain and bias enter linearly; the geometric steps scale by gain
            ph = np.stack([vv, np.ones_like(vv)], axis=1)
            gain, bias = np.linalg.solve(ph.T @ ph + 1e-9 * np.eye(2), ph.T @ yy)
            res = yy - gain * vv - bias
            A = np.stack([gain * dvv * ii, gain * dvv, gain * dcc * jj, gain * dcc, vv,
                          np.ones_like(vv)], axis=1)
            AtA = A.T @ A
            try:
                step = np.linalg.solve(AtA + 1e-9 * np.trace(AtA) * np.eye(6), A.T @ res)[:4]
            except np.linalg.LinAlgError:
                return None
            p += step
            if not np.all(np.isfinite(p)) or p[0] <= 0 or p[2] <= 0:
                return None
            if np.max(np.abs(step) * np.array([yg.shape[0], 1, yg.shape[1], 1])) < 0.01:
                break
    return float(p[0]), float(p[1]), float(p[2]), float(p[3])


_READ_GRIDS = ("half_pixel", "align_corners", "asymmetric")


def _axis_options(n_in: int, n: int, a: float, b: float, grid: str
                  ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Integer readings of ``x = a * i + b`` on one axis of ``n`` core pixels, by ``grid``.

    Returns (output size, offset) pairs for a crop of the output, and (size, start)
    pairs for a resize of a crop of ``x``; the rounding is not trusted to one pixel.
    """
    outs: set[tuple[int, int]] = set()
    crops: set[tuple[int, int]] = set()
    if a <= 0 or (grid == "align_corners" and n_in < 2):
        return [], []
    # align_corners: x = (i + o) * (n_in - 1) / (n_out - 1); half_pixel:
    # x = (i + o + 1/2) * n_in / n_out - 1/2; asymmetric: x = (i + o) * n_in / n_out
    guess = round((n_in - 1) / a) + 1 if grid == "align_corners" else round(n_in / a)
    # one pixel either way for the common half-pixel grid, the rounding alone else
    near = (-1, 0, 1) if grid == "half_pixel" else (0,)
    for n_out in range(max(n, 2, guess - 1), guess + 2):
        step = (n_in - 1) / (n_out - 1) if grid == "align_corners" else n_in / n_out
        o = round((b + 0.5) / step - 0.5) if grid == "half_pixel" else round(b / step)
        outs.update((n_out, o + d) for d in near if 0 <= o + d <= n_out - n)
    guess = round(a * (n - 1) + 1) if grid == "align_corners" else round(a * n)
    for size in range(max(2, guess - 1), min(n_in, guess + 1) + 1):
        step = (size - 1) / (n - 1) if grid == "align_corners" and n > 1 else size / n
        start = round(b + 0.5 - 0.5 * step) if grid == "half_pixel" else round(b)
        crops.update((size, start + d) for d in near if 0 <= start + d <= n_in - size)
    return sorted(outs), sorted(crops)


def _geometries(x: Array, y: Array, most: int = 6) -> list[_Geometry]:
    """Crops and pads that explain ``y`` better than a plain resize of all of ``x``.

    Borders of ``y`` that look like padding are set aside; the rest is matched to
    ``x`` (thumbnail correlation, then ECC), read as integer sizes and offsets, and
    each reading scored by a cheap resize (linear, antialiased) of the gray image.
    Only readings clearly better than the plain resize's are returned, best first.
    """
    from ._resize import resize

    xg, yg = _gray(x), _gray(y)
    H, W = xg.shape
    h, w = yg.shape

    def err(g: _Geometry, grid: str = "half_pixel") -> float:
        # a smooth and a nearest resize on the grid the reading assumed: a nearest y
        # matches neither well otherwise
        best = math.inf
        src = g.x_view(xg)
        down = g.out_size[0] < src.shape[0] or g.out_size[1] < src.shape[1]
        for kernel, aa in (("linear", True), ("linear", False), ("nearest", False)):
            if kernel == "nearest":  # an index gather: rounded, floored on asymmetric
                half = 0.0 if grid == "asymmetric" else 0.5
                idx = [np.clip(np.floor(convention(grid, n, m).coords(m) + half)
                               .astype(np.int64), 0, n - 1)
                       for n, m in zip(src.shape, g.out_size, strict=True)]
                v = g.apply(src[idx[0]][:, idx[1]])
            elif aa or down:  # without a downscale the two linear resizes are one
                v = g.apply(np.asarray(resize(src, g.out_size, kernel=kernel, antialias=aa,
                                              grid=grid)))
            else:
                continue
            if v.shape == yg.shape:  # 1 - r**2: blind to a gain (skimage's [0, 1] floats)
                dv, dy = v - v.mean(), yg - yg.mean()
                den = float(np.sum(dv * dv) * np.sum(dy * dy))
                r2 = float(np.sum(dv * dy)) ** 2 / den if den > 0 else 0.0
                best = min(best, 1.0 - r2)
        return best

    plain = err(_Geometry((h, w), core=(h, w)))
    found: dict[_Geometry, float] = {}
    for pads, mode, value in _pad_variants(y):
        (pt, pb), (pl, pr) = pads
        core = yg[pt:h - pb, pl:w - pr]
        hc, wc = core.shape
        if hc < 4 or wc < 4:
            continue
        seen: set[tuple[float, ...]] = set()
        # the core as a resize of all of x (a pad's usual case) is always a guess
        whole = (H / hc, 0.5 * H / hc - 0.5, W / wc, 0.5 * W / wc - 0.5)
        for guess in [whole, *_coarse_matches(xg, core)]:
            fit = _refine(xg, core, *guess)
            if fit is None or tuple(round(v, 1) for v in fit) in seen:
                continue  # the guesses often converge to one fit
            seen.add(tuple(round(v, 1) for v in fit))
            ay, by, ax, bx = fit
            if not (0.19 * H / hc <= ay <= 1.1 * H / hc and 0.19 * W / wc <= ax <= 1.1 * W / wc):
                continue  # the core covers 20% to all of x on each axis, or it is no match
            for grid in _READ_GRIDS:
                outs_y, crops_y = _axis_options(H, hc, ay, by, grid)
                outs_x, crops_x = _axis_options(W, wc, ax, bx, grid)
                geoms = [_Geometry((ny, nx), (oy, ox), (hc, wc), pads, mode, value)
                         for ny, oy in outs_y for nx, ox in outs_x]
                geoms += [_Geometry((hc, wc), (0, 0), (hc, wc), pads, mode, value,
                                    (ty, tx, sy, sx))
                          for sy, ty in crops_y for sx, tx in crops_x
                          if (sy, sx) != (H, W)]
                for g in geoms:
                    if g.cropped or g.padded or g.x_crop is not None:
                        found[g] = min(found.get(g, math.inf), err(g, grid))
    ranked = sorted((e, k, g) for k, (g, e) in enumerate(found.items()) if e < 0.5 * plain)
    if not ranked:
        return []
    # The cheap kernels are not the library's: keep the best reading of each kind (a crop
    # of x, a crop or pad of the output) that comes near, and the runner-up.
    e0 = ranked[0][0]
    out = [ranked[0][2]]
    other = next((g for e, _, g in ranked if (g.x_crop is None) != (out[0].x_crop is None)
                  and e <= 3 * e0 + 1e-6), None)
    if other is not None:
        out.append(other)
    out += [g for e, _, g in ranked[1:] if g not in out and e <= 3 * e0 + 1e-6]
    return out[:most]


def _stored(run: Callable[[Array], Array], store: Callable[[Array], Array], a: Array) -> Array:
    return store(run(a))


def _max_abs(a: Array, b: Array) -> float:
    if a.shape != b.shape:
        return math.inf
    return float(np.max(np.abs(np.subtract(a, b, dtype=np.float64)))) if a.size else 0.0


def _score(out: Array, y: Array) -> tuple[float, float, float]:
    """Largest and mean absolute difference, and the ranking error.

    The ranking error is the mean squared difference of the luma (Rec. 601
    weights) for colour images, of the values otherwise: a re-encoding such as
    JPEG adds noise of the same variance to every candidate, so the squared
    bias of a wrong model still shows, and JPEG keeps luma at full resolution.
    """
    if out.shape != y.shape:
        return math.inf, math.inf, math.inf
    # float32 differences are exact for 8/16-bit data and ample for ranking floats
    wide = np.float64 if out.dtype == np.float64 or y.dtype == np.float64 else np.float32
    diff = np.subtract(out, y, dtype=wide)
    if diff.dtype.kind == "f" and np.isnan(diff).any():
        diff[np.isnan(out) & np.isnan(y)] = 0.0
        if np.isnan(diff).any():
            return math.inf, math.inf, math.inf
    if not diff.size:
        return 0.0, 0.0, 0.0
    ad = np.abs(diff)
    return float(ad.max()), float(ad.mean()), _ranking_error(diff)


def _ranking_error(diff: Array) -> float:
    """Mean squared luma (Rec. 601) difference for colour images, of values otherwise."""
    if diff.ndim == 3 and diff.shape[2] in (3, 4):
        diff = diff[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=diff.dtype)
    return float(np.mean(diff * diff))


def _run_scored(spec: _Spec, t: int, xa: Array, ya: Array, targets: list[tuple[Array, str]],
                prober: _Prober, geom: _Geometry | None = None) -> _Scored | None:
    """Run a call's emulation and score it against target ``t`` (as is or channel-swapped).

    With ``geom``: on its crop of ``xa``, the output cropped and padded as it says.
    """
    target_y = ya if t == 0 else targets[t][0].astype(ya.dtype)
    try:
        out = spec.run(xa) if geom is None else geom.run(spec.run, xa)
    except (ValueError, TypeError, NotImplementedError):
        return None  # a combination the library refuses (e.g. torch uint8 area)
    best: _Scored | None = None
    for variant, note, store in _compare(out, target_y):
        mx, mean, rank = _score(variant, target_y)
        notes = "; ".join(n for n in (geom.describe() if geom else "", targets[t][1], note)
                          if n)
        if best is None or (rank, mx) < (best.rank, best.max_diff):
            best = _Scored(spec, variant, mx, mean, notes, rank,
                           store if t == 0 else functools.partial(_then_bgr, store),
                           prober, geom)
    return best if best is not None and math.isfinite(best.max_diff) else None


def identify(x: Any, y: Any, *, libraries: Sequence[str] | None = None,
             top: int = 5) -> list[Candidate]:
    """Say which library call resized ``x`` into ``y``.

    Parameters
    ----------
    x, y : array_like or torch.Tensor or PIL.Image.Image
        The original image and its resized version: ``(H, W)``, ``(H, W, C)``,
        ``(C, H, W)`` or a batch of one (``(1, C, H, W)``, ``(1, H, W, C)``), any
        integer or float dtype.  Torch tensors are read as ``(N, C, H, W)``.
    libraries : sequence of str, optional
        Search only these (names from :data:`LIBRARIES`); default all.
    top : int
        How many candidates to return (groups of identical outputs count once).

    Returns
    -------
    list of Candidate
        Best first: exact matches, then by mean and largest difference.  When
        no library call reproduces ``y`` exactly, pixelgrid's closest own model
        (kernel, antialias and grid offset fitted) is included.

    Examples
    --------
    >>> import numpy as np, pixelgrid
    >>> from pixelgrid.compat import opencv
    >>> x = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    >>> y = opencv.resize(x, (45, 30), interpolation=opencv.INTER_AREA)
    >>> best = pixelgrid.identify(x, y, libraries=["opencv", "pillow", "torch"])[0]
    >>> best.call, best.exact
    ('cv2.resize(x, (45, 30), interpolation=cv2.INTER_AREA)', True)
    """
    if libraries is None:
        libs = list(LIBRARIES)
    else:
        if isinstance(libraries, str) or not all(isinstance(s, str) for s in libraries):
            raise TypeError(f"libraries={libraries!r} must be a sequence of names from "
                            f"{list(LIBRARIES)}")
        bad = [s for s in libraries if s not in LIBRARIES]
        if bad:
            raise ValueError(f"libraries={list(libraries)!r}: unknown {bad}; valid choices "
                             f"are {list(LIBRARIES)}")
        libs = list(dict.fromkeys(libraries))
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top={top!r} must be a positive int")
    xa, source = _as_image(x, "x")
    ya, _ = _as_image(y, "y")
    if xa.ndim == 2 and ya.ndim == 3 and ya.shape[2] == 1:
        ya = ya[:, :, 0]  # a gray image that came back with a channel axis
    if ya.ndim == 2 and xa.ndim == 3 and xa.shape[2] == 1:
        xa = xa[:, :, 0]
    if (xa.ndim == 3) != (ya.ndim == 3) or (xa.ndim == 3 and xa.shape[2] != ya.shape[2]):
        raise ValueError(f"x has shape {xa.shape} and y {ya.shape}: they must have the "
                         "same channels")
    full_targets = [(ya.astype(np.float64), "")]
    if ya.ndim == 3 and ya.shape[2] in (3, 4):
        full_targets.append((_bgr(ya).astype(np.float64), "channels reversed (RGB <-> BGR)"))
    unit = _unit(ya)
    prober = _Prober(xa, ya)
    scored = _search(xa, ya, _specs(xa, ya, libs), prober, full_targets, full_targets, unit,
                     top, None)
    plain = bool(scored)  # y is (close to) a resize of all of x
    best_plain = min((sc.rank for sc in scored), default=math.inf)
    yf = full_targets[0][0]
    if best_plain > 0.02 * _ranking_error(yf - yf.mean(axis=(0, 1))):
        # Nothing reproduces all of y, not even within noise (a JPEG re-encoding of a
        # photo leaves well under 1% of its variance): maybe y is a crop or pad of a
        # resize (or the resize of a crop of x).  Searched only now, so that exact and
        # re-encoded plain matches stay fast.
        for geom in _geometries(xa, ya):
            if any(sc.max_diff == 0.0 for sc in scored):
                break  # the likeliest readings first, until one is exact
            (pt, _), (pl, _) = geom.pad
            (hc, wc) = geom.core
            core = ya[pt:pt + hc, pl:pl + wc]
            xg = geom.x_view(xa)
            gprober = _Prober(xg, core, geom.out_size, geom.offset)
            core_targets = [(t[pt:pt + hc, pl:pl + wc], note) for t, note in full_targets]
            more = _search(xa, ya, _specs(xg, np.broadcast_to(0, geom.out_size), libs),
                           gprober, core_targets, full_targets, unit, top, geom)
            # A re-encoded y (JPEG) is explained by the plain resize plus noise: a crop
            # or pad must explain y clearly better than that to be listed.
            scored += [sc for sc in more if sc.max_diff == 0.0 or sc.rank < 0.5 * best_plain]
    scored.sort(key=lambda s: (s.max_diff != 0.0, s.rank, s.max_diff,
                               LIBRARIES.index(s.spec.library)))
    seen: set[int] = set()  # a call scored against both channel orders: keep its best
    unique: list[_Scored] = []
    for sc in scored:
        if id(sc.spec) not in seen:
            seen.add(id(sc.spec))
            unique.append(sc)
    scored = unique

    results: list[Candidate] = []
    groups: list[tuple[float, str, Array, int]] = []  # max_diff, note, output, result index
    exact_found = any(sc.max_diff == 0.0 for sc in scored)
    similar_tol = 1.0 if ya.dtype.kind in "ui" else unit
    # float y reproduced by no call: calls within float32 rounding of each other (JAX's
    # XLA kernels and TensorFlow's, say) are rivals that the error alone cannot order
    across = ya.dtype.kind == "f" and not exact_found
    if across:
        scored = _agreement_order(scored, dict((n, t) for t, n in full_targets), similar_tol,
                                  top)
    for sc in scored:
        g = sc.geom
        call = sc.spec.call.replace("{x}", _x_expr(sc.spec.layout, xa.ndim, source,
                                                   g.x_name(source) if g else "x"))
        if g is not None:
            call = g.call(call, sc.spec, xa.ndim)
        # Equal outputs have equal largest differences to y: compare values (not bytes,
        # so that a float64 result of whole numbers equals the uint8 one) only then.
        same = next((k for mx, note, out, k in groups if mx == sc.max_diff
                     and note == sc.note and np.array_equal(out, sc.out)), None)
        if same is not None:
            results[same] = dataclasses.replace(
                results[same], equivalent=(*results[same].equivalent, call))
            continue
        if not exact_found:
            # y is not reproduced exactly (re-encoded, say): calls whose outputs differ
            # from a better one's by rounding only cannot be told apart; list them there.
            near = next((k for _, _, out, k in groups
                         if (not across or results[k].library == sc.spec.library)
                         and _max_abs(out, sc.out) <= similar_tol), None)
            if near is not None:
                results[near] = dataclasses.replace(
                    results[near], similar=(*results[near].similar, call))
                continue
        if len(results) >= top:
            continue
        groups.append((sc.max_diff, sc.note, sc.out, len(results)))
        run = sc.spec.run if g is None else functools.partial(g.run, sc.spec.run)
        geo: dict[str, Any] = {}
        if g is not None:
            (pt, pb), (pl, pr) = g.pad
            geo = {"crop": (*g.offset, *g.core) if g.cropped else None,
                   "pad": (pt, pb, pl, pr) if g.padded else None,
                   "pad_mode": ("" if not g.padded else "edge" if g.pad_mode == "edge"
                                else f"constant {g.pad_value:g}"),
                   "input_crop": g.x_crop}
        results.append(Candidate(sc.spec.library, call, sc.max_diff == 0.0, sc.max_diff,
                                 sc.mean_diff, _model_text(sc.prober.plans(sc.spec)), (),
                                 sc.note, _run=functools.partial(_stored, run, sc.store),
                                 _rank=sc.rank, **geo))
    if (plain or not results) and (not results or not results[0].exact):
        fit = _own_fit(xa, ya, prober)
        # The fit has free parameters (two grid offsets) that also fit noise: it ranks
        # above a library call only when clearly better (by 20% of the squared error).
        # The calls keep their order (near-ties are ordered by agreement, not error).
        at = next((k for k, c in enumerate(results)
                   if not c.exact and fit._rank * 1.25 < c._rank), len(results))
        results = [*results[:at], fit, *results[at:]][:top]
    return results


def _agreement_order(scored: list[_Scored], targets: dict[str, Array], tol: float,
                     top: int) -> list[_Scored]:
    """``scored`` (ranked) with each run of near-ties led by its clearly best agreement.

    Calls whose outputs lie within ``tol`` (float32 rounding) of the leading one differ
    from y by rounding only, so their errors order them by chance.  The call whose
    arithmetic is nearest the one that made y agrees with it bit for bit on more
    samples (a weight 1 ulp off changes a few outputs; another library's summation
    order changes many).  A near-tie takes the lead when it reproduces clearly more
    samples than the leader: a paired sign test over the samples that exactly one of
    the two reproduces, at two standard deviations (a coin toss would not).  Only the
    first groups matter for the listing of ``top`` candidates (``4 * top`` of them are
    ordered: the listing folds identical outputs and a library's own near-ties).
    """
    def exact(sc: _Scored) -> NDArray[np.bool_] | None:
        t = targets.get(sc.note)
        return None if t is None or t.shape != sc.out.shape else np.equal(sc.out, t)

    left = list(scored)
    ordered: list[_Scored] = []
    for _ in range(4 * top):
        if not left:
            break
        head, rest = left[0], left[1:]
        # |a - y| <= |a - head| + |head - y|: a cheap bound before comparing outputs
        near = [sc for sc in rest if sc.max_diff <= head.max_diff + tol
                and _max_abs(sc.out, head.out) <= tol]
        lead, lead_eq = head, exact(head)
        for sc in near:
            eq = exact(sc)
            if eq is None or lead_eq is None:
                continue
            gain, loss = int(np.sum(eq & ~lead_eq)), int(np.sum(lead_eq & ~eq))
            if gain - loss >= 2.0 * math.sqrt(gain + loss) > 0:
                lead, lead_eq = sc, eq
        ordered += [lead] + [sc for sc in [head, *near] if sc is not lead]
        taken = {id(sc) for sc in near}
        left = [sc for sc in rest if id(sc) not in taken]
    return ordered + left


#: Libraries whose plans build in well under a millisecond (no spline prefilter or
#: composed plans): probed first by :func:`_search`.
_CHEAP_PLANS = frozenset({"opencv", "pillow", "torch", "tensorflow", "jax", "onnx"})


def _search(xa: Array, ya: Array, specs: list[_Spec], prober: _Prober,
            targets: list[tuple[Array, str]], full_targets: list[tuple[Array, str]],
            unit: float, top: int, geom: _Geometry | None) -> list[_Scored]:
    """Probe ``specs`` (on ``prober``'s window, against ``targets``) and run the best.

    ``targets`` are what the probes compare with (``y`` or its core inside a crop or
    pad, in both channel orders), ``full_targets`` all of ``y``: the full runs are
    stored as ``geom`` says and scored on all of ``y``.
    """
    # 1. families on the interior, 2. their members with the edges, 3. full runs.
    families: dict[tuple[Any, ...], list[_Spec]] = {}
    for s in specs:
        families.setdefault(s.family, []).append(s)
    # Both channel orders compete in one ranking, so that the wrong one (all of its
    # errors large) keeps nothing.
    # No family comes near y (its error a good part of y's own spread): y is not this
    # resize of x (a crop or pad of one, say); probing every member would be wasted.
    # The families whose plans are cheap to build are probed first: when none of them
    # comes within twice that, none will come near (the probe reads the interior, where
    # resizes agree far closer than that), and the costly ones (spline prefilters,
    # composed plans) are not built at all.
    t0 = targets[0][0]
    far = 0.5 * math.sqrt(_ranking_error(t0 - t0.mean(axis=(0, 1))))
    errs: dict[tuple[Any, int], float] = {}
    # Not when y may be a [0, 1] rescaled output (scikit-image's, which no cheap family
    # gives); a crop or pad's search goes on (its fitted offsets are rough).
    scaled = any(sp.value_scales != (1.0,) for m in families.values() for sp in m)
    gate = geom is None and (not scaled or float(np.nanmax(np.abs(t0))) > 1.5)
    for cheap in (True, False):
        if not cheap and gate and errs and min(errs.values()) > 2 * far:
            return []
        errs.update({(fam, t): prober.error(members[0], target, interior=True)
                     for t, (target, _) in enumerate(targets)
                     for fam, members in families.items()
                     if (members[0].library in _CHEAP_PLANS) == cheap})
    # in the original order (ties among equal probes are then broken as before)
    fam_err = [(errs[(fam, t)], (fam, t))
               for t in range(len(targets)) for fam in families]
    best = min((e for e, _ in fam_err), default=math.inf)
    if best > far:
        return []
    kept_fams = _keep(fam_err, unit, at_least=2)
    # Each library's best family too, when near: one library's float64 probe can be a
    # little off its exact call (SciPy's spline prefilter is truncated in its plan) while
    # another's lands on y's interior; the full runs decide between them.
    near = best + max(best, 100 * unit)
    lib_best: dict[str, tuple[float, tuple[Any, int]]] = {}
    for e, (fam, t) in fam_err:
        lib = families[fam][0].library
        if math.isfinite(e) and e <= near and (lib not in lib_best or e < lib_best[lib][0]):
            lib_best[lib] = (e, (fam, t))
    kept_fams += [item for _, item in lib_best.values() if item not in kept_fams]
    stage2: list[tuple[float, tuple[_Spec, int]]] = [
        (prober.error(s, targets[t][0], interior=False), (s, t))
        for key, t in kept_fams for s in families[key]]
    ranked = sorted((e for e in stage2 if math.isfinite(e[0])), key=lambda e: e[0])
    # When no probe comes within a level of y (y re-encoded, say), probe errors carry
    # the noise too and rank close calls unreliably: run more of them in full.
    noisy = bool(ranked) and ranked[0][0] > unit
    kept = _keep(stage2, unit, at_least=4)
    # Libraries whose models coincide give probes equal to rounding (skimage alone has
    # twenty linear variants): a few per library first, so none crowds out another.
    # Taken round-robin (each library's best, then each one's second, ...), so that when
    # a dozen libraries tie (a plain bilinear upscale) each still runs its best call.
    by_lib: dict[str, list[tuple[_Spec, int]]] = {}
    for item in kept:
        by_lib.setdefault(item[0].library, []).append(item)
    first: list[tuple[_Spec, int]] = [
        items[r] for r in range(4) for items in by_lib.values() if r < len(items)]
    taken = {(id(spec), t) for spec, t in first}
    order = first + [(spec, t) for spec, t in kept if (id(spec), t) not in taken]
    survivors = order[:48 if noisy else 16]

    def run(spec: _Spec, t: int) -> _Scored | None:
        return _run_scored(spec, t, xa, ya, full_targets, prober, geom)

    scored = [c for c in (run(spec, t) for spec, t in survivors) if c is not None]
    # y came through unchanged but nothing ran exact: the probes tie across libraries (a
    # plain bilinear upscale), so run the rest of the near calls, up to 48 in all, until
    # one reproduces y.
    for spec, t in order[len(survivors):48] if not noisy else ():
        if any(c.max_diff == 0.0 for c in scored):
            break
        sc = run(spec, t)
        if sc is not None:
            scored.append(sc)
            survivors.append((spec, t))
    if scored:
        # Calls whose probe equals a leading candidate's may give the same output: run
        # them so that they are listed as equivalent rather than left out.
        lead = sorted(scored, key=lambda c: (c.max_diff != 0.0, c.rank))[:top]
        probes = {id(spec): e for e, (spec, _) in ranked}
        hits = {probes[id(c.spec)] for c in lead}
        done = {id(spec) for spec, _ in survivors}
        extra = [(spec, t) for e, (spec, t) in ranked if id(spec) not in done
                 and any(abs(e - h) <= 1e-9 * max(1.0, h) for h in hits)][:48]
        copies: dict[tuple[Any, ...], _Scored | None] = {}
        for spec, t in extra:
            # Pure gathers (nearest) with the same source indices give the same output
            # within one library: run one of them (ONNX alone has 20 nearest variants).
            pl = prober.plans(spec)
            key: tuple[Any, ...] | None = None
            if pl and all(p.is_gather for _, p in pl):
                key = (t, spec.library, ".float()" in spec.call,
                       tuple((ax, p.index.tobytes()) for ax, p in sorted(pl, key=lambda q: q[0])))
            if key is not None and key in copies:
                done_sc = copies[key]
                if done_sc is not None:
                    scored.append(dataclasses.replace(done_sc, spec=spec))
                continue
            sc = run(spec, t)
            if key is not None:
                copies[key] = sc
            if sc is not None:
                scored.append(sc)
    return scored
