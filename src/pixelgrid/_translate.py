"""Translate one resize into every other library's arguments, or say why it cannot be done.

:func:`translate` takes a resize (pixelgrid options, or a library call with
``like=``), and for each library enumerates the calls its option space allows
(:data:`TRANSLATORS`), builds each candidate's plans with the library's compat
emulation, and runs target and candidate on a random probe image in float64.
A candidate whose output equals the target's (max difference <= ``1e-9`` of the
probe's range) is an exact translation; otherwise the closest candidate is
reported with its measured difference and the stages (grid, kernel,
antialias, boundary, arithmetic) in which it differs.  Stages are compared by
value, not by how they are written: two coordinate maps are the same when
their :class:`~pixelgrid.Affine` values agree on the output samples (at
float32 precision where either plan computes positions in float32).

"Exact" is judged per dtype: besides the float probe, a uint8 probe is run
through the library's own uint8 emulation (the compat module's resize
function: PyTorch, OpenCV, Pillow, JAX, ONNX Runtime, MATLAB, SciPy) and
compared with the target's uint8 result (pixelgrid's fixed-point resize, or
the source library's emulation).  TensorFlow and scikit-image return floats
for integer input, so they have no uint8 verdict.

Libraries: torch, onnx, opencv, pillow (float ``F`` images), tensorflow,
tensorflow.v1 (``tf.compat.v1.image.resize_*``), jax, scipy (``ndimage.zoom``),
skimage (``transform.resize`` with ``clip=False``) and matlab (``imresize``).
The float comparison uses each library's float plans; the uint8 comparison
its integer arithmetic (OpenCV's and Pillow's 8-bit fixed point, onnxruntime's
truncation, PyTorch's int16 weights).
Libraries whose compat module (see :func:`pixelgrid.explain`) is not
importable are listed as skipped, with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ._engines.reference import apply_plans
from ._explain import _LIKE_ALIASES, Plans, _affine_of, _resolve_like, explain, like_plans
from ._grid import Affine
from ._plan_types import AxisPlan
from ._plan_types import out_shape as plans_out_shape
from ._resize import resize

__all__ = ["EXACT_TOLERANCE", "FLOAT32_TOLERANCE", "TRANSLATORS", "Candidate", "DtypeResult",
           "LibraryTranslation", "Translation", "Translator", "flag_value", "translate"]

#: Candidates whose probe output differs by at most this (relative to the probe range)
#: count as exact: float64 rounding of equal weight matrices summed in another order.
EXACT_TOLERANCE = 1e-9

#: Candidates within this count as the same resize computed with the library's float32
#: coefficients or positions (OpenCV's tables, Pillow's float32 box, TensorFlow's float32
#: scale): status ``exact_float32``.  Genuinely different resizes differ by far more.
FLOAT32_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Candidate:
    """One call of a library: its keyword arguments and how it reads in code."""

    kwargs: dict[str, Any]
    code: str


@dataclass(frozen=True)
class Translator:
    """How to enumerate and emulate one library's calls.

    ``candidates(in_shape, out_shape)`` yields :class:`Candidate` objects whose
    ``kwargs`` are passed to the library's ``like`` function (registry name
    ``like``) as ``fn(in_shape, **kwargs)``.  ``run(x, **kwargs)``, when given,
    runs the library's own emulation on an integer array ``x`` of the spatial
    shape with the same keyword arguments (for the uint8 verdict).
    """

    library: str
    like: str
    candidates: Callable[[tuple[int, ...], tuple[int, ...]], Iterable[Candidate]]
    run: Callable[..., Any] | None = None


@dataclass(frozen=True)
class DtypeResult:
    """The verdict of one candidate call on one probe dtype.

    Attributes
    ----------
    dtype : str
    status : {"exact", "exact_float32", "approximate", "skipped"}
        For uint8: ``exact`` (the same integers), ``approximate`` (differs by
        :attr:`max_diff` levels) or ``skipped`` (:attr:`note` says why).
    max_diff : float or None
        Max absolute difference on the probe (levels for integer dtypes).
    note : str
    """

    dtype: str
    status: str
    max_diff: float | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.status == "skipped":
            return f"{self.dtype}: not judged ({self.note})"
        if self.status == "exact":
            return f"{self.dtype}: exact"
        if self.status == "exact_float32":
            return f"{self.dtype}: exact up to float32 ({self.max_diff:.3g})"
        unit = " level(s)" if self.dtype != "float64" else ""
        return f"{self.dtype}: differs by up to {self.max_diff:.4g}{unit}"


@dataclass(frozen=True)
class LibraryTranslation:
    """The result for one library.

    Attributes
    ----------
    library : str
    status : {"exact", "exact_float32", "approximate", "skipped", "none"}
        ``exact``: :attr:`code` reproduces the resize; ``exact_float32``: it
        computes the same resize, but the library rounds its coefficients or
        positions to float32 (difference at most :data:`FLOAT32_TOLERANCE` on the
        probe); ``approximate``: the
        closest call, which differs by :attr:`max_diff`; ``skipped``: the
        library could not be checked (:attr:`note` says why); ``none``: no
        candidate call accepts this resize (e.g. a dimensionality the library
        does not support).
    code : str or None
        The call, e.g. ``F.interpolate(x, size=(8, 8), mode='bilinear', align_corners=True)``.
    kwargs : dict
        The call's keyword arguments.
    max_diff : float or None
        Max absolute difference on the probe image (probe values in ``[0, 1)``).
    note : str
        Why there is no exact equivalent, or why the library was skipped.
    dtypes : dict
        Per probe dtype (``"float64"``, ``"uint8"``), a :class:`DtypeResult`:
        :attr:`status` and :attr:`max_diff` are the ``float64`` verdict; a
        call can be exact for floats and not for uint8 (other integer
        rounding) or the reverse.

    """

    library: str
    status: str
    code: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    max_diff: float | None = None
    note: str = ""
    dtypes: dict[str, DtypeResult] = field(default_factory=dict)

    def exact(self, dtype: str = "float64") -> bool:
        """Whether :attr:`code` reproduces the resize exactly on ``dtype`` data."""
        r = self.dtypes.get(str(np.dtype(dtype)))
        return r is not None and r.status == "exact"

    def _uint8(self) -> str:
        r = self.dtypes.get("uint8")
        return f"; {r}" if r is not None else ""

    def __str__(self) -> str:
        if self.status == "exact":
            return (f"{self.library}: {self.code}  (exact: max diff {self.max_diff:.3g} on "
                    f"probe{self._uint8()})")
        if self.status == "exact_float32":
            return (f"{self.library}: {self.code}  (exact up to the library's float32 "
                    f"arithmetic: max diff {self.max_diff:.3g} on probe{self._uint8()})")
        if self.status == "approximate":
            return (f"{self.library}: no exact equivalent. {self.note}\n"
                    f"    closest: {self.code}  (max diff {self.max_diff:.4g} on a [0, 1) "
                    f"probe{self._uint8()})")
        return f"{self.library}: {self.status}: {self.note}"


@dataclass(frozen=True)
class Translation:
    """Per-library translations of one resize; ``str()`` prints them all."""

    source: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    results: dict[str, LibraryTranslation]

    def __getitem__(self, library: str) -> LibraryTranslation:
        return self.results[library]

    def __str__(self) -> str:
        lines = [f"{self.source}: {self.in_shape} -> {self.out_shape}"]
        lines += [str(r) for r in self.results.values()]
        return "\n".join(lines)


# -- candidate generators ------------------------------------------------------------------

def _fmt_size(out: tuple[int, ...]) -> str:
    return repr(out[0]) if len(out) == 1 else repr(tuple(out))


def _torch_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]) -> Iterable[Candidate]:
    dim = len(in_shape)
    if dim not in (1, 2, 3):
        return
    linear = {1: "linear", 2: "bilinear", 3: "trilinear"}[dim]
    modes: list[tuple[str, list[bool | None], list[bool]]] = [
        ("nearest", [None], [False]),
        ("nearest-exact", [None], [False]),
        ("area", [None], [False]),
        (linear, [False, True], [False, True] if dim == 2 else [False]),
    ]
    if dim == 2:
        modes += [("bicubic", [False, True], [False, True]), ("lanczos", [False], [True])]
    sizes: list[tuple[str, Any]] = [("size", tuple(out) if dim > 1 else out[0])]
    factors = [Fraction(o, i) for i, o in zip(in_shape, out, strict=True)]
    # A scale_factor call differs from a size call when torch maps with 1/scale_factor;
    # offer it when the factor is a short decimal that torch turns back into this size.
    if all(f.denominator in (1, 2, 4, 5, 8, 10) for f in factors):
        fl = [float(f) for f in factors]
        sizes.append(("scale_factor", tuple(fl) if dim > 1 else fl[0]))
    for (mode, acs, aas), (skey, sval) in itertools.product(modes, sizes):
        for ac, aa in itertools.product(acs, aas):
            if mode == "lanczos" and not aa:
                continue
            kw: dict[str, Any] = {skey: sval, "mode": mode}
            if ac is not None and (ac or mode not in ("nearest", "nearest-exact", "area")):
                kw["align_corners"] = ac
            if aa:
                kw["antialias"] = True
            args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
            yield Candidate(kw, f"torch.nn.functional.interpolate(x, {args})")


def _onnx_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]) -> Iterable[Candidate]:
    ctms = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
            "half_pixel_symmetric", "tf_half_pixel_for_nn"]
    specs: list[dict[str, Any]] = []
    for ctm in ctms:
        for nm in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
            specs.append({"mode": "nearest", "coordinate_transformation_mode": ctm,
                          "nearest_mode": nm})
        for aa in (0, 1):
            specs.append({"mode": "linear", "coordinate_transformation_mode": ctm,
                          "antialias": aa})
            if aa:  # onnxruntime takes exclude_outside=1 for linear only with antialias
                specs.append({"mode": "linear", "coordinate_transformation_mode": ctm,
                              "exclude_outside": 1, "antialias": 1})
            for a, ex in itertools.product((-0.75, -0.5), (0, 1)):
                specs.append({"mode": "cubic", "coordinate_transformation_mode": ctm,
                              "cubic_coeff_a": a, "exclude_outside": ex, "antialias": aa})
    for s in specs:
        kw = {"sizes": tuple(out), **s}
        attrs = ", ".join(f"{k}={v!r}" for k, v in s.items())
        yield Candidate(kw, f"onnx Resize(sizes={list(out)}, {attrs})")


def _opencv_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]) -> Iterable[Candidate]:
    if len(in_shape) != 2:
        return
    for flag in ("INTER_NEAREST", "INTER_NEAREST_EXACT", "INTER_LINEAR", "INTER_LINEAR_EXACT",
                 "INTER_CUBIC", "INTER_AREA", "INTER_LANCZOS4"):
        yield Candidate({"dsize": (out[1], out[0]), "interpolation": flag},
                        f"cv2.resize(x, ({out[1]}, {out[0]}), interpolation=cv2.{flag})")


def _pillow_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]) -> Iterable[Candidate]:
    if len(in_shape) != 2:
        return
    # like_plans("pillow") takes the size in array order; Pillow's own is (width, height).
    # The float plans are mode "F" (8-bit modes add Pillow's fixed-point rounding).
    for f in ("NEAREST", "BOX", "BILINEAR", "HAMMING", "BICUBIC", "LANCZOS"):
        yield Candidate({"size": (out[0], out[1]), "resample": f},
                        f"Image.fromarray(x, mode='F').resize(({out[1]}, {out[0]}), "
                        f"Image.Resampling.{f})")


def _tf_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]) -> Iterable[Candidate]:
    if len(in_shape) != 2:
        return
    size = tuple(out)
    for m in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
              "mitchellcubic"):
        for aa in (False, True):
            yield Candidate({"size": size, "method": m, "antialias": aa},
                            f"tf.image.resize(x, {size}, method={m!r}, antialias={aa})")


def _tf_v1_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]
                      ) -> Iterable[Candidate]:
    if len(in_shape) != 2:
        return
    size = list(out)
    for op in ("bilinear", "nearest", "bicubic", "area"):
        fn = "resize_nearest_neighbor" if op == "nearest" else f"resize_{op}"
        for ac, hp in ((False, False), (True, False), (False, True)):
            if op == "area" and hp:
                continue  # resize_area has no half_pixel_centers
            kw: dict[str, Any] = {"size": tuple(out), "op": op, "align_corners": ac}
            extra = f", align_corners={ac}"
            if op != "area":
                kw["half_pixel_centers"] = hp
                extra += f", half_pixel_centers={hp}"
            yield Candidate(kw, f"tf.compat.v1.image.{fn}(x, {size}{extra})")


def _scipy_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]) -> Iterable[Candidate]:
    zoom = tuple(o / i for i, o in zip(in_shape, out, strict=True))
    ztext = repr(zoom[0]) if len(zoom) == 1 else repr(zoom)
    for order in range(6):
        for mode in ("nearest", "reflect", "mirror", "grid-mirror", "constant",
                     "grid-constant", "wrap", "grid-wrap"):
            for gm in (False, True):
                if gm and mode in ("constant", "wrap"):
                    continue  # SciPy warns: grid-constant / grid-wrap are the grid modes
                kw = {"zoom": zoom, "order": order, "mode": mode, "grid_mode": gm}
                yield Candidate(kw, f"scipy.ndimage.zoom(x, {ztext}, order={order}, "
                                    f"mode={mode!r}, grid_mode={gm})")


def _skimage_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]
                        ) -> Iterable[Candidate]:
    shrinks = any(o < i for i, o in zip(in_shape, out, strict=True))
    for order in range(6):
        for mode in ("reflect", "symmetric", "edge", "constant", "wrap"):
            for aa in ((False, True) if shrinks else (False,)):
                # clip=False: the plans are linear; clip=True would clip to the input range.
                kw = {"output_shape": tuple(out), "order": order, "mode": mode,
                      "anti_aliasing": aa, "clip": False}
                yield Candidate(kw, f"skimage.transform.resize(x, {tuple(out)}, order={order}, "
                                    f"mode={mode!r}, anti_aliasing={aa}, clip=False)")


def _matlab_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]
                       ) -> Iterable[Candidate]:
    if len(in_shape) != 2:
        return
    for m in ("nearest", "bilinear", "bicubic", "box", "lanczos2", "lanczos3"):
        for aa in (True, False):
            yield Candidate({"size": tuple(out), "method": m, "antialiasing": aa},
                            f"imresize(A, [{out[0]} {out[1]}], '{m}', 'Antialiasing', "
                            f"{str(aa).lower()})")


def _jax_candidates(in_shape: tuple[int, ...], out: tuple[int, ...]) -> Iterable[Candidate]:
    for m in ("nearest", "linear", "cubic", "lanczos3", "lanczos5"):
        for aa in (True, False):
            yield Candidate({"shape": tuple(out), "method": m, "antialias": aa},
                            f"jax.image.resize(x, {tuple(out)}, method={m!r}, antialias={aa})")


# -- integer runs: each library's own emulation, with the like-function keywords -------------

def flag_value(module: Any, value: Any, prefix: str = "") -> Any:
    """A library flag given by value or by name, read from a compat module's public constants.

    ``flag_value(opencv, "cubic", "INTER_")`` is ``opencv.INTER_CUBIC``;
    ``flag_value(pillow, "Image.Resampling.LANCZOS")`` is ``pillow.LANCZOS``.
    An unknown name is returned unchanged (the library then reports it).

    Examples
    --------
    >>> from pixelgrid.compat import opencv
    >>> flag_value(opencv, "cv2.INTER_AREA", "INTER_") == opencv.INTER_AREA
    True

    """
    if not isinstance(value, str):
        return value
    name = value.strip().upper().split(".")[-1]
    if prefix and not name.startswith(prefix):
        name = prefix + name
    found = getattr(module, name, None)
    return found if isinstance(found, int) and not isinstance(found, bool) else value


def _run_torch(x: np.ndarray[Any, Any], size: Any = None, **kw: Any) -> Any:
    from .compat.torch import interpolate

    return interpolate(x[None, None], size, **kw)[0, 0]


def _run_opencv(x: np.ndarray[Any, Any], size: Any = None, *, dsize: Any = None,
                interpolation: Any = "INTER_LINEAR", **kw: Any) -> Any:
    from .compat import opencv

    if size is not None:
        dsize = (size[1], size[0])
    return opencv.resize(x, dsize, interpolation=flag_value(opencv, interpolation, "INTER_"),
                         **kw)


def _run_pillow(x: np.ndarray[Any, Any], size: Any = None, *, resample: Any = "BICUBIC",
                **kw: Any) -> Any:
    from .compat import pillow

    if size is None:
        raise ValueError("the pillow emulation needs size=")
    return np.asarray(pillow.resize(x, (size[1], size[0]), flag_value(pillow, resample),
                                    **kw))


def _run_jax(x: np.ndarray[Any, Any], size: Any = None, *, shape: Any = None,
             method: Any = "linear", antialias: bool = True) -> Any:
    from .compat import jax

    return jax.resize(x, shape if shape is not None else size, method, antialias)


def _run_onnx(x: np.ndarray[Any, Any], size: Any = None, *, sizes: Any = None,
              scales: Any = None, roi: Any = None, **attrs: Any) -> Any:
    from .compat import onnx

    if sizes is None and size is not None:
        sizes = size
    return onnx.resize(x, roi, scales, sizes, **attrs)


def _run_matlab(x: np.ndarray[Any, Any], size: Any = None, *, scale: Any = None,
                method: str = "bicubic", antialiasing: bool | None = None) -> Any:
    from .compat import matlab

    return matlab.imresize(x, scale if scale is not None else list(size), method,
                           antialiasing=antialiasing)


def _run_scipy(x: np.ndarray[Any, Any], size: Any = None, *, zoom: Any = None,
               **kw: Any) -> Any:
    from .compat import scipy

    if zoom is None:
        zoom = tuple(o / i for i, o in zip(x.shape, size, strict=True))
    return scipy.zoom(x, zoom, **kw)


#: One translator per library, tried in this order.
TRANSLATORS: dict[str, Translator] = {
    "torch": Translator("torch", "torch", _torch_candidates, _run_torch),
    "onnx": Translator("onnx", "onnx", _onnx_candidates, _run_onnx),
    "opencv": Translator("opencv", "opencv", _opencv_candidates, _run_opencv),
    "pillow": Translator("pillow", "pillow", _pillow_candidates, _run_pillow),
    "tensorflow": Translator("tensorflow", "tensorflow", _tf_candidates),
    "tensorflow.v1": Translator("tensorflow.v1", "tensorflow.v1", _tf_v1_candidates),
    "jax": Translator("jax", "jax", _jax_candidates, _run_jax),
    "scipy": Translator("scipy", "scipy", _scipy_candidates, _run_scipy),
    "skimage": Translator("skimage", "skimage", _skimage_candidates),
    "matlab": Translator("matlab", "matlab", _matlab_candidates, _run_matlab),
}

#: Why a library has no uint8 verdict.
_NO_UINT8 = "the library returns floats for integer input"


# -- comparison ----------------------------------------------------------------------------

def _run(probe: np.ndarray[Any, Any], plans: Plans) -> np.ndarray[Any, Any]:
    live = [(ax, p) for ax, p in plans if not p.is_identity]
    return apply_plans(probe, live) if live else probe.copy()


def _same_map(p: AxisPlan, q: AxisPlan) -> bool:
    """Whether two plans read their output samples at the same coordinates, however written.

    Compares the :class:`~pixelgrid.Affine` values (``a`` only when there are two
    or more outputs), at float32 precision when either plan computes its
    positions in float32, and the valid range of crop boxes.
    """
    if p.out_size != q.out_size:
        return False
    f, g = _affine_of(p), _affine_of(q)
    to32 = p.arithmetic.float32_positions or q.arithmetic.float32_positions
    a_f, a_g, b_f, b_g = f.a, g.a, f.offset, g.offset

    def same(u: Fraction, v: Fraction) -> bool:
        # a float32 step is the exact one within half a float32 ulp (the offset, formed
        # from it, within about one); a map recovered from float coordinates is exact to
        # ~1e-12
        tol = 2.0**-23 if to32 else 1e-12
        return u == v or abs(float(u) - float(v)) <= tol * max(1.0, abs(float(u)))

    if p.out_size > 1 and not same(a_f, a_g):
        return False
    return same(b_f, b_g) and np.array_equal(_outside(p, f), _outside(q, g))


def _outside(p: AxisPlan, aff: Affine) -> np.ndarray[Any, Any]:
    """Which outputs a valid range (crop boxes, JAX's input extent) sends to the fill."""
    if aff.valid is None:
        return np.zeros(p.out_size, dtype=bool)
    lo, hi = (float(v) for v in aff.valid)
    return np.asarray((p.coord < lo) | (p.coord > hi))


def _stages(p: AxisPlan | None, n: int) -> dict[str, tuple[Any, str]]:
    """Per stage, a value to compare and the text to print."""
    if p is None:
        return {"grid": ((n,), f"unchanged ({n})"), "kernel": ("-", "-"),
                "antialias": ("-", "-"), "boundary": ("-", "-"), "arithmetic": ("-", "-")}
    stretch = Fraction(p.info.get("stretch", 1))
    kernel = str(p.info.get("kernel", "?"))
    boundary = str(p.info.get("boundary", "?"))
    return {"grid": (p, str(p.info.get("formula", _affine_of(p).describe()))),
            "kernel": (kernel, kernel),
            "antialias": (stretch > 1, "stretched" if stretch > 1 else "not stretched"),
            "boundary": (boundary, boundary),
            # the fields that act on float data (the integer ones have the uint8 verdict)
            "arithmetic": (p.arithmetic.replace(intermediate="dtype", store="half_even"),
                           p.arithmetic.describe())}


def _why(target: Plans, cand: Plans, in_shape: tuple[int, ...]) -> str:
    t, c = dict(target), dict(cand)
    diffs: list[str] = []
    arith: list[str] = []
    for ax, n in enumerate(in_shape):
        st, sc = _stages(t.get(ax), n), _stages(c.get(ax), n)
        for key in ("grid", "kernel", "antialias", "boundary", "arithmetic"):
            (vt, dt), (vc, dc) = st[key], sc[key]
            if isinstance(vt, AxisPlan) and isinstance(vc, AxisPlan):
                same = _same_map(vt, vc)
            else:
                same = vt == vc
            if not same:  # the model's stages first: arithmetic is the smaller difference
                (arith if key == "arithmetic" else diffs).append(
                    f"axis {ax} {key}: wanted {dt}, closest has {dc}")
    diffs += arith
    if not diffs:
        return "the stages agree but the weights differ (e.g. a library quirk or arithmetic)"
    shown = diffs[:4]
    more = f" (+{len(diffs) - 4} more)" if len(diffs) > 4 else ""
    return "; ".join(shown) + more


@dataclass(frozen=True)
class _Probe:
    """The probes and the target's results on them."""

    x: np.ndarray[Any, Any]  # float64 in [0, 1)
    y: np.ndarray[Any, Any]
    x8: np.ndarray[Any, Any]  # uint8
    y8: np.ndarray[Any, Any] | None  # None: the target has no uint8 result
    note8: str = ""


def _run_uint8(tr: Translator, x8: np.ndarray[Any, Any], kwargs: dict[str, Any]
               ) -> tuple[np.ndarray[Any, Any] | None, str]:
    """The library's uint8 result (its own emulation), or None and why not."""
    if tr.run is None:
        return None, _NO_UINT8
    try:
        y = np.asarray(tr.run(x8, **kwargs))
    except (ValueError, TypeError, NotImplementedError) as exc:
        return None, f"the library refuses uint8 here ({exc})"
    if y.dtype != np.uint8:
        return None, f"the library returns {y.dtype} for uint8 input"
    return y, ""


def _uint8_result(tr: Translator, probe: _Probe, kwargs: dict[str, Any]) -> DtypeResult:
    if probe.y8 is None:
        return DtypeResult("uint8", "skipped", note=probe.note8)
    y8, note = _run_uint8(tr, probe.x8, kwargs)
    if y8 is None:
        return DtypeResult("uint8", "skipped", note=note)
    if y8.shape != probe.y8.shape:
        return DtypeResult("uint8", "skipped",
                           note=f"the library's uint8 result has shape {y8.shape}")
    diff = float(np.max(np.abs(y8.astype(np.int64) - probe.y8.astype(np.int64))))
    return DtypeResult("uint8", "exact" if diff == 0 else "approximate", diff)


def _float_result(diff: float) -> DtypeResult:
    if diff <= EXACT_TOLERANCE:
        return DtypeResult("float64", "exact", diff)
    if diff <= FLOAT32_TOLERANCE:
        return DtypeResult("float64", "exact_float32", diff)
    return DtypeResult("float64", "approximate", diff)


def _translate_one(tr: Translator, in_shape: tuple[int, ...], out_shape: tuple[int, ...],
                   target: Plans, probe: _Probe) -> LibraryTranslation:
    try:
        _resolve_like(tr.like)
    except ValueError as exc:
        return LibraryTranslation(tr.library, "skipped", note=str(exc))
    candidates = list(tr.candidates(in_shape, out_shape))
    if not candidates:
        return LibraryTranslation(tr.library, "none",
                                  note=f"it has no call for a {len(in_shape)}-D resize")
    refused = []
    scored: list[tuple[float, Candidate, Plans]] = []
    for cand in candidates:
        try:
            plans = like_plans(tr.like, in_shape, **cand.kwargs)
        except (ValueError, TypeError) as exc:
            refused.append(str(exc))  # the library refuses this combination
            continue
        if plans_out_shape(in_shape, plans) != out_shape:
            continue
        scored.append((float(np.max(np.abs(_run(probe.x, plans) - probe.y))), cand, plans))
    if not scored:
        first = f" (e.g. {refused[0]})" if refused else ""
        return LibraryTranslation(
            tr.library, "none",
            note=f"none of its {len(candidates)} candidate calls gives {in_shape} -> "
                 f"{out_shape}{first}")
    # The closest on the float probe (the first of equals, in the library's order); among
    # calls equal on floats, the one closest on the uint8 probe.
    low = min(d for d, _, _ in scored)
    tied = [t for t in scored if t[0] <= low + EXACT_TOLERANCE]
    best: tuple[tuple[int, float], float, Candidate, Plans, DtypeResult] | None = None
    for diff, cand, plans in tied:
        r8 = _uint8_result(tr, probe, cand.kwargs)
        rank = (0, r8.max_diff or 0.0) if r8.status != "skipped" else (1, 0.0)
        if best is None or rank < best[0]:
            best = (rank, diff, cand, plans, r8)
        if rank == (0, 0.0) or len(tied) > 16:
            break  # exact on uint8 too (or too many equals to try each)
    assert best is not None
    _, diff, cand, plans, r8 = best
    rf = _float_result(diff)
    dtypes = {"float64": rf, "uint8": r8}
    if rf.status == "exact":
        return LibraryTranslation(tr.library, "exact", cand.code, cand.kwargs, diff,
                                  dtypes=dtypes)
    if rf.status == "exact_float32":
        return LibraryTranslation(tr.library, "exact_float32", cand.code, cand.kwargs, diff,
                                  "same resize; the library rounds coefficients or "
                                  "positions to float32", dtypes)
    return LibraryTranslation(tr.library, "approximate", cand.code, cand.kwargs, diff,
                              _why(target, plans, in_shape), dtypes)


def _target_uint8(like: str | None, x8: np.ndarray[Any, Any], size: Any,
                  options: dict[str, Any]) -> tuple[np.ndarray[Any, Any] | None, str]:
    """The uint8 result of the resize being translated."""
    if like is None:  # pixelgrid.resize itself, with its own integer model
        if size is not None and not isinstance(size, (tuple, list)) and x8.ndim > 1:
            size = (size,) * x8.ndim
        return np.asarray(resize(x8, size, **options)), ""
    name = _LIKE_ALIASES.get(like, like)
    if name not in TRANSLATORS:
        return None, f"no uint8 emulation is known for like={like!r}"
    kwargs = dict(options) if size is None else {"size": size, **options}
    y8, note = _run_uint8(TRANSLATORS[name], x8, kwargs)
    return y8, (note and f"the source call has no uint8 result: {note}")


def translate(shape: Any, size: Any = None, *, like: str | None = None,
              libraries: Sequence[str] | None = None, seed: int = 0,
              **options: Any) -> Translation:
    """For each library, the call that reproduces a resize, or why none does.

    Parameters
    ----------
    shape, size, like, **options
        The resize, as for :func:`pixelgrid.explain` (spatial shape, output
        size, pixelgrid options or a library call with ``like=``).
    libraries : sequence of str, optional
        Which libraries to translate to (default: all of :data:`TRANSLATORS`
        except the source library).
    seed : int
        Seed of the random probe images the candidates are run on (float64 in
        ``[0, 1)`` and uint8).

    Returns
    -------
    Translation

    Examples
    --------
    >>> t = translate((6, 8), (12, 16), align_corners=True, antialias=False,
    ...               libraries=["torch"])
    >>> t["torch"].code
    "torch.nn.functional.interpolate(x, size=(12, 16), mode='bilinear', align_corners=True)"

    """
    e = explain(shape, size, like=like, **options)
    names = list(libraries) if libraries is not None else [n for n in TRANSLATORS if n != like]
    for n in names:
        if n not in TRANSLATORS:
            raise ValueError(f"libraries: {n!r} is not valid; expected some of "
                             f"{sorted(TRANSLATORS)}")
    rng = np.random.default_rng(seed)
    x = rng.random(e.in_shape)
    x8 = rng.integers(0, 256, e.in_shape, dtype=np.uint8)
    y8, note8 = _target_uint8(like, x8, size, options)
    probe = _Probe(x, _run(x, e.plans), x8, y8, note8)
    results = {n: _translate_one(TRANSLATORS[n], e.in_shape, e.out_shape, e.plans, probe)
               for n in names}
    return Translation(e.call.replace("explain(", "resize(", 1), e.in_shape, e.out_shape,
                       results)
