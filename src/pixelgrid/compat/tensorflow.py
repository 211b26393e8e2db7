"""TensorFlow's ``tf.image.resize`` and ``tf.compat.v1.image.resize_*``, on the pixelgrid model.

Every method is a row of data (:data:`METHODS` for ``tf.image.resize``,
:data:`V1_OPS` for the v1 ops): kernel, grid convention, boundary and the
precision of the sample positions.  The functions validate their arguments as
TensorFlow does, compute the output size with TensorFlow's float32 rule, and
build one plan per spatial axis of the ``NHWC`` (or ``HWC``) array.  TensorFlow
itself is never imported.  Reproduces tensorflow-cpu 2.21.0 (CPU kernels).

Each op's float32 arithmetic is declared as an :class:`~pixelgrid.Arithmetic`
record (:data:`_OPS_F32`, :data:`_AREA_F32`, :data:`_SAT_F32`), so the match
does not drift with the image size: measured on random float32 data in
[0, 1) with 5000-px axes (2000 -> 5000 and 5000 -> 1900, every method, with
and without antialias, and the v1 ops with every grid), the worst difference
is 6.6e-7 (was up to 3.2e-4).  Bit-identical: ``nearest``, ``bicubic`` with
and without antialias (and v1 ``resize_bicubic`` with half-pixel centres or
downsampling), ``bilinear`` with and without antialias (and every v1
``resize_bilinear`` grid: ``ResizeBilinear``'s unfused lerps, width first,
:data:`_BILINEAR_F32`), and ``lanczos3``, ``lanczos5``,
``gaussian``, ``mitchellcubic`` with and without antialias (their kernels as
TensorFlow evaluates them: :func:`lanczos_tf32` with the C library's
``sinf``, :func:`gaussian_tf32`, :func:`mitchell_f32`); ``area``'s weights
are TensorFlow's bit for bit.  The rest differ by float32 rounding:
``ResizeArea`` scales the sum
once at the end, and legacy bicubic adds a clamped edge pixel's taps one by
one (pixelgrid merges them: 3-4 edge outputs differ by an ulp when upsampling).

TensorFlow facts this module encodes (checked against TensorFlow in the tests):

* Every method except ``nearest`` returns float32, whatever the input dtype
  (uint8 values are not rounded: ``[10, 11]`` upsampled gives ``10.5``);
  ``nearest`` keeps the dtype.  ``tf.image.resize`` never skips a same-size
  resize (the result is still float32).
* ``bilinear``, ``nearest``, ``bicubic``, ``area`` without ``antialias`` run the
  dedicated ops with ``half_pixel_centers=True``: positions
  ``f32(f32((o + 0.5) * s) - 0.5)`` with ``s = f32(in / out)`` (nearest:
  ``floor(f32((o + 0.5) * s))``, no ``-0.5``), taps clamped at the edges.
* ``bicubic`` (no antialias) looks its weights up in a 1024-entry table: the
  fractional position is rounded (half to even) to a multiple of 1/1024, which
  moves results by up to ~1e-3 from the exact Keys kernel.  Taps outside the
  image are dropped and the rest renormalised (a = -0.5).  Reproduced with
  ``cubic(-0.5, table=1024)`` evaluated at TensorFlow's float32 positions.
* ``area`` (``ResizeArea``) bounds output pixel ``o`` by ``f32(o * s)`` and
  ``f32((o + 1) * s)``, weighs partial pixels by float32 overlaps (a box
  inside one pixel by ``s``) and multiplies the sum by ``1 / s``: at 5000 px
  the float32 box ends move results by up to 1.4e-4 from the exact box.
* ``lanczos3``, ``lanczos5``, ``gaussian``, ``mitchellcubic`` and the
  antialiased ``bilinear``/``bicubic`` run ``ScaleAndTranslate``, with
  ``sample_f = f32(f32(o + 0.5) * f32(1 / f32(out / in)))`` in pixel-edge units
  and distances ``f32(j + 0.5 - sample_f)``: Pillow-style
  kernels (stretched by the downsampling factor only with ``antialias=True``),
  out-of-image taps dropped and the rest renormalised.  Its Lanczos kernel is
  1 for distances up to 1e-3 and uses a float32 pi (:func:`lanczos_tf32`); its
  Gaussian has sigma 0.5 and radius 1.5 (the docstring's "radius 3" is wrong).
  Its weights are zeroed when their sum is below ``1000 * FLT_MIN`` (~1e-35),
  which cannot happen for these kernels without a translation.
* ``area`` is the exact box overlap (also when upsampling: a box filter);
  ``antialias`` is ignored for ``area`` and ``nearest``.
* ``preserve_aspect_ratio``: ``s = min(f32(h')/f32(h), f32(w')/f32(w))``, size
  ``round_half_even(f32(s * h))`` (ONNX rounds half up).
* v1 ops default to the *legacy* grid ``x = o * in / out`` (top-left aligned),
  bicubic then uses a = -0.75 with edge clamping; ``align_corners=True`` gives
  ``x = o * (in - 1) / (out - 1)`` (nearest rounds half away from zero);
  ``half_pixel_centers=True`` is the v2 behaviour.  Both True is an error.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._arithmetic import Arithmetic
from .._arrays import check_array, is_dask, run_plans
from .._grid import Affine
from .._kernels import Kernel, area, cubic, linear, nearest
from .._plan import plan
from .._plan_types import AxisPlan

__all__ = ["METHODS", "V1_OPS", "lanczos_f32", "resize", "tf_plans", "v1", "v1_like_plans",
           "v1_plans"]

_PI32 = float(np.float32(3.14159265359))


def lanczos_f32(n: int) -> Kernel:
    """Lanczos-``n`` as TensorFlow's ``ScaleAndTranslate`` and JAX evaluate it.

    ``n * sin(pi x) sin(pi x / n) / (pi x)**2`` with ``pi`` rounded to float32,
    exactly 1 for ``|x| <= 1e-3`` and 0 beyond ``n``.

    Examples
    --------
    >>> float(lanczos_f32(3)(0.0005))
    1.0

    """

    def fn(d: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.abs(d)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = n * np.sin(_PI32 * x) * np.sin(_PI32 * x / n) / (_PI32 * _PI32 * x * x)
        return np.asarray(np.where(x <= 1e-3, 1.0, v), dtype=np.float64)

    return Kernel(f"lanczos{n}(float32 pi, 1 below 1e-3)", Fraction(n), fn,
                  params={"n": n, "cutoff": 1e-3})


def _load_sinf() -> Any:
    """The C library's ``sinf`` (TensorFlow's ``std::sin(float)``), or ``None``."""
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("m")
        fn = ctypes.CDLL(name).sinf if name else None
    except (OSError, AttributeError):  # no C math library reachable
        return None
    if fn is not None:
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return fn


_SINF = _load_sinf()


def _sinf(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """``sinf`` elementwise: the C library's, else the double sine rounded.

    glibc's ``sinf`` is not correctly rounded in about 1% of arguments, and
    TensorFlow calls it.
    """
    if _SINF is None:
        return np.sin(x.astype(np.float64)).astype(np.float32)
    flat = np.ravel(x)
    uniq, inv = np.unique(flat, return_inverse=True)
    vals = np.array([_SINF(float(v)) for v in uniq], dtype=np.float32)
    return vals[inv].reshape(x.shape)


def lanczos_tf32(n: int) -> Kernel:
    """Lanczos-``n`` as TensorFlow's ``LanczosKernelFunc`` evaluates it, in float32.

    ``f32(f32(n * sinf(f32(pi x))) * sinf(f32(f32(pi x) / n))) /
    f32(f32(f32(pi * pi) * x) * x)`` with ``pi`` the float32 constant, every
    operation rounded; 1 for ``x <= 1e-3``, 0 beyond ``n``.  ``sinf`` is the C
    library's, as TensorFlow calls it (the correctly rounded sine instead left 2%
    of samples an ulp away on glibc).  JAX uses XLA's own ``sin``
    (:func:`lanczos_f32`).

    Examples
    --------
    >>> float(lanczos_tf32(3)(np.array([0.0005]))[0])
    1.0

    """
    f = np.float32
    pi, r = f(_PI32), f(n)

    def fn(d: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.abs(d).astype(f)
        px = (pi * x).astype(f)
        s1 = _sinf(px)
        s2 = _sinf((px / r).astype(f))
        num = ((r * s1).astype(f) * s2).astype(f)
        den = ((f(pi * pi) * x).astype(f) * x).astype(f)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = (num / den).astype(f)
        w = np.where(x > r, f(0), np.where(x <= f(1e-3), f(1), w))
        return np.asarray(w, dtype=np.float32).astype(np.float64)

    return Kernel(f"lanczos{n}(TensorFlow float32)", Fraction(n), fn,
                  params={"n": n, "cutoff": 1e-3})


def gaussian_tf32() -> Kernel:
    """TensorFlow's ``GaussianKernelFunc`` (radius 1.5, sigma 0.5).

    ``f32(exp(-f32(x * x) / (2.0 * sigma * sigma)))``: the square in float32,
    the rest in double (its ``2.0`` is a double literal), 0 from ``x >= 1.5``
    (measured bit for bit).

    Examples
    --------
    >>> float(gaussian_tf32()(np.array([1.5]))[0])
    0.0

    """
    f = np.float32

    def fn(d: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.abs(d).astype(f)
        w = np.exp(-(x * x).astype(f).astype(np.float64) / 0.5).astype(f)
        return np.where(x >= f(1.5), 0.0, w.astype(np.float64))

    return Kernel("gaussian(sigma=0.5; TensorFlow float32)", Fraction(3, 2), fn,
                  params={"sigma": 0.5, "radius": 1.5})


def mitchell_f32() -> Kernel:
    """Mitchell-Netravali (B = C = 1/3) as TensorFlow's ``MitchellCubicKernelFunc``.

    Evaluated in float32, every operation rounded (no multiply-add: measured bit
    for bit): ``((7/6 t - 2) t) t + 8/9`` for ``t < 1``,
    ``((-7/18 t + 2) t - 10/3) t + 16/9`` for ``1 <= t < 2``, else 0, with the
    constants rounded to float32.

    Examples
    --------
    >>> float(mitchell_f32()(np.array([0.0]))[0]) == float(np.float32(8 / 9))
    True

    """
    f = np.float32

    def fn(d: NDArray[np.float64]) -> NDArray[np.float64]:
        t = np.abs(d).astype(f)
        inner = ((f(7 / 6) * t - f(2)) * t) * t + f(8 / 9)
        outer = ((f(-7 / 18) * t + f(2)) * t - f(10 / 3)) * t + f(16 / 9)
        w = np.where(t >= 2, f(0), np.where(t >= 1, outer, inner))
        return np.asarray(w, dtype=np.float32).astype(np.float64)

    return Kernel("mitchell(1/3, 1/3; float32)", Fraction(2), fn,
                  params={"b": 1 / 3, "c": 1 / 3})


@dataclass(frozen=True)
class Method:
    """How one TensorFlow method (or op) maps onto the core model.

    ``grid`` names the offsets of ``x = s * (o + c) + d`` (:data:`_OFFSETS`);
    ``step`` how TensorFlow computes ``s`` in float32: ``"in/out"`` (the
    dedicated ops' ``CalculateResizeScale``), ``"align_corners"``
    (``(in - 1) / (out - 1)``) or ``"1/scale"`` (``ScaleAndTranslate``:
    ``f32(1 / f32(out / in))``); ``arithmetic`` is the op's float32 model.
    """

    kernel: Kernel
    grid: str
    boundary: str
    arithmetic: Arithmetic
    antialias: bool = False  # ScaleAndTranslate stretches the kernel when downsampling
    op: str = ""
    step: str = "in/out"


_FLOOR = nearest("floor")
_KEYS_TABLE = cubic(-0.5, table=1024)

#: The dedicated ops (ResizeBilinear, ResizeNearestNeighbor, ResizeBicubic):
#: ``in = f32(f32(s * f32(o + c)) + d)`` with two roundings, as ``image_resizer_state.h``.
_OPS_F32 = Arithmetic(coordinates="float32")
#: ResizeBilinear: the same positions, taps ``floor(x)`` and ``min(ceil(x), in - 1)``
#: with ``x_lerp = x - floor(x)`` (``float32_lerp``), interpolated along the width first,
#: ``top = top_left + (top_right - top_left) * x_lerp``, then along the height, every
#: step rounded to float32 (the CPU build does not contract them into FMAs): ``fma="lerp_mul"``.
_BILINEAR_F32 = Arithmetic(coordinates="float32", weights="float32_lerp", normalize=False,
                           accumulate="taps", fma="lerp_mul")
#: ResizeBicubic: the same positions; Keys weights from TensorFlow's 1024-entry table
#: (computed in double, stored as float32), with half-pixel centres out-of-image taps
#: zeroed and the rest times ``f32(1 / sum)``; legacy/align_corners read clamped taps as
#: tabulated (no normalisation); each pass (height first) adds ``w * x`` tap by tap in
#: float32.
_BICUBIC_F32 = Arithmetic(coordinates="float32", weights="float32", accumulate="taps",
                          reciprocal=True, min_total=1000 * float(np.finfo(np.float32).tiny))
_BICUBIC_LEGACY_F32 = replace(_BICUBIC_F32, normalize=False)
#: ResizeArea: box ends ``f32(o * s)`` and ``f32((o + 1) * s)``, float32 overlaps
#: (a box inside one pixel weighs ``s``), the sum multiplied by ``1 / s``.
_AREA_F32 = Arithmetic(coordinates="float32", weights="float32", normalize=False,
                       boxes="float32_ends", zero_taps="skip")  # reads its box's pixels only
#: ScaleAndTranslate: ``sample_f = f32(f32(o + 0.5) * inv_scale)`` in pixel-edge units,
#: distances ``f32(j + 0.5 - sample_f)`` times ``f32(1 / kernel_scale)``, float32 kernel
#: values (zero from the kernel's radius on, tested at that float32 argument) summed
#: tap by tap and multiplied by ``f32(1 / sum)``; rows summing below
#: ``1000 * FLT_MIN`` are zero; each pass (height first) adds ``w * x`` tap by tap in float32.
_SAT_F32 = Arithmetic(coordinates="float32_edge", weights="float32", accumulate="taps",
                      reciprocal=True, window="float32_support",
                      min_total=1000 * float(np.finfo(np.float32).tiny))

#: ``tf.image.resize`` methods without antialias (``ScaleAndTranslate`` rows
#: become antialiased with ``antialias=True``, see :data:`ANTIALIAS_METHODS`).
METHODS: dict[str, Method] = {
    "bilinear": Method(linear(), "half_pixel", "clamp", _BILINEAR_F32, op="ResizeBilinear"),
    "nearest": Method(_FLOOR, "tf_half_pixel_for_nn", "clamp", _OPS_F32,
                      op="ResizeNearestNeighbor"),
    "bicubic": Method(_KEYS_TABLE, "half_pixel", "renormalize", _BICUBIC_F32,
                      op="ResizeBicubic"),
    "area": Method(area(), "half_pixel", "clamp", _AREA_F32, op="ResizeArea"),
    "lanczos3": Method(lanczos_tf32(3), "half_pixel", "renormalize", _SAT_F32,
                       op="ScaleAndTranslate", step="1/scale"),
    "lanczos5": Method(lanczos_tf32(5), "half_pixel", "renormalize", _SAT_F32,
                       op="ScaleAndTranslate", step="1/scale"),
    "gaussian": Method(gaussian_tf32(), "half_pixel", "renormalize", _SAT_F32,
                       op="ScaleAndTranslate", step="1/scale"),
    "mitchellcubic": Method(mitchell_f32(), "half_pixel", "renormalize", _SAT_F32,
                            op="ScaleAndTranslate", step="1/scale"),
}

#: ``tf.image.resize(..., antialias=True)``: ``ScaleAndTranslate`` with the kernel stretched.
ANTIALIAS_METHODS: dict[str, Method] = {
    "bilinear": Method(linear(), "half_pixel", "renormalize", _SAT_F32, antialias=True,
                       op="ScaleAndTranslate(triangle)", step="1/scale"),
    "bicubic": Method(cubic(-0.5), "half_pixel", "renormalize",
                      replace(_SAT_F32, weights="float32_keys"), antialias=True,
                      op="ScaleAndTranslate(keyscubic)", step="1/scale"),
    **{name: replace(m, antialias=True)
       for name, m in METHODS.items() if m.op == "ScaleAndTranslate"},
}

#: v1 ops, per ``(op, grid)`` with grid ``legacy``, ``align_corners`` or ``half_pixel``.
V1_OPS: dict[tuple[str, str], Method] = {
    ("bilinear", "legacy"): Method(linear(), "asymmetric", "clamp", _BILINEAR_F32),
    ("bilinear", "align_corners"): Method(linear(), "align_corners", "clamp", _BILINEAR_F32,
                                          step="align_corners"),
    ("bilinear", "half_pixel"): METHODS["bilinear"],
    ("nearest", "legacy"): Method(_FLOOR, "asymmetric", "clamp", _OPS_F32),
    # roundf: half away from zero; positions are >= 0, so ties round up.
    ("nearest", "align_corners"): Method(nearest("round_prefer_ceil"), "align_corners",
                                         "clamp", _OPS_F32, step="align_corners"),
    ("nearest", "half_pixel"): METHODS["nearest"],
    ("bicubic", "legacy"): Method(cubic(-0.75, table=1024), "asymmetric", "clamp",
                                  _BICUBIC_LEGACY_F32),
    ("bicubic", "align_corners"): Method(cubic(-0.75, table=1024), "align_corners", "clamp",
                                         _BICUBIC_LEGACY_F32, step="align_corners"),
    ("bicubic", "half_pixel"): METHODS["bicubic"],
    ("area", "legacy"): METHODS["area"],
    # ResizeArea's boxes start at o * s whatever align_corners says; only s changes.
    ("area", "align_corners"): replace(METHODS["area"], step="align_corners"),
}

_OFFSETS = {  # (c, d) of x = s * (o + c) + d
    "half_pixel": (Fraction(1, 2), Fraction(-1, 2)),
    "tf_half_pixel_for_nn": (Fraction(1, 2), Fraction(0)),
    "asymmetric": (Fraction(0), Fraction(0)),
    "align_corners": (Fraction(0), Fraction(0)),
}


def _step32(n_in: int, n_out: int, rule: str) -> Fraction:
    """TensorFlow's float32 input pixels per output pixel (see :class:`Method`)."""
    f32 = np.float32
    if rule == "1/scale":  # scale = f32(out) / f32(in); inv_scale = float(1.0 / scale)
        return Fraction(float(f32(1.0 / float(f32(n_out) / f32(n_in)))))
    if rule == "align_corners" and n_out > 1:
        return Fraction(float(f32(f32(n_in - 1) / f32(n_out - 1))))
    return Fraction(float(f32(f32(n_in) / f32(n_out))))


def _axis_plan(m: Method, n_in: int, n_out: int) -> AxisPlan:
    # align_corners with one output sample: x = 0 * (in / out) = 0.
    aff = Affine(_step32(n_in, n_out, m.step), *_OFFSETS[m.grid], f"tf_{m.op or m.grid}")
    return plan(n_in, n_out, kernel=m.kernel, grid=aff, antialias=m.antialias,
                boundary=m.boundary, arithmetic=m.arithmetic)


def _check_size(size: Any) -> tuple[int, int]:
    if hasattr(size, "numpy") and not isinstance(size, np.ndarray):
        size = size.numpy()
    if isinstance(size, np.ndarray):
        size = size.tolist()
    if not isinstance(size, (list, tuple)) or len(size) != 2:
        raise ValueError(
            f"size={size!r} must be a 1-D sequence of 2 elements: new_height, new_width"
        )
    for v in size:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"size={size!r} must hold integers")
        if int(v) < 1:
            raise ValueError(f"size={size!r}: output dimensions must be positive")
    return int(size[0]), int(size[1])


def _as_numpy(x: Any, name: str) -> NDArray[Any]:
    if not isinstance(x, (np.ndarray, list, tuple)) and hasattr(x, "__array__") \
            and not is_dask(x):  # Dask: lazy (run_plans)
        x = np.asarray(x)  # tf.Tensor, jax.Array, ...
    return check_array(x, name)


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def tf_plans(
    shape: tuple[int, ...], size: Any, method: str = "bilinear",
    preserve_aspect_ratio: bool = False, antialias: bool = False,
) -> list[tuple[int, AxisPlan]]:
    """The ``(axis, plan)`` pairs that reproduce a ``tf.image.resize`` call, in pass order.

    Height first, except ``bilinear`` without antialias (width first, as
    ``ResizeBilinear`` interpolates).

    Examples
    --------
    >>> [(ax, p.out_size, p.info["kernel"]) for ax, p in tf_plans((1, 4, 4, 3), [2, 8], "bicubic")]
    [(1, 2, 'cubic(a=-0.5, table=1024)'), (2, 8, 'cubic(a=-0.5, table=1024)')]

    """
    method = getattr(method, "value", method)  # tf.image.ResizeMethod members are str enums
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(
            f"method={method!r} is not implemented; expected one of {sorted(METHODS)}"
        )
    if len(shape) not in (3, 4):
        raise ValueError(
            f"images has {len(shape)} dimensions; 'images' must have either 3 (HWC) or 4 "
            "(NHWC) dimensions"
        )
    aa = _check_bool("antialias", antialias)
    keep = _check_bool("preserve_aspect_ratio", preserve_aspect_ratio)
    h_ax = len(shape) - 3
    h, w = int(shape[h_ax]), int(shape[h_ax + 1])
    new_h, new_w = _check_size(size)
    if keep:
        s = min(np.float32(new_h) / np.float32(h), np.float32(new_w) / np.float32(w))
        new_h = int(np.round(np.float32(s * np.float32(h))))  # half to even, as tf.round
        new_w = int(np.round(np.float32(s * np.float32(w))))
        if new_h < 1 or new_w < 1:
            raise ValueError(
                f"preserve_aspect_ratio maps {h}x{w} to {new_h}x{new_w}; output dimensions "
                "must be positive"
            )
    m = ANTIALIAS_METHODS[method] if aa and method in ANTIALIAS_METHODS else METHODS[method]
    return _in_op_order(m, (h_ax, _axis_plan(m, h, new_h)), (h_ax + 1, _axis_plan(m, w, new_w)))


def _in_op_order(m: Method, height: tuple[int, AxisPlan],
                 width: tuple[int, AxisPlan]) -> list[tuple[int, AxisPlan]]:
    """The two passes in the order the op applies them.

    ResizeBilinear lerps (its float32 result depends on the order) along the
    width first; the other ops go height first.
    """
    return [width, height] if m.arithmetic.fma == "lerp_mul" else [height, width]


def _run(arr: NDArray[Any], plans: list[tuple[int, AxisPlan]], nearest_op: bool) -> NDArray[Any]:
    if nearest_op:
        return run_plans(arr, plans)
    # TensorFlow reads every dtype as float32 and returns float32, unrounded (no copy of
    # a float32 input: 0.9 ms of the 1024^2 x 3 -> 1536^2 bilinear call's 5.2 ms)
    return run_plans(arr.astype(np.float32, copy=False), plans)


def resize(
    images: Any,
    size: Any,
    method: str = "bilinear",
    preserve_aspect_ratio: bool = False,
    antialias: bool = False,
    name: str | None = None,
) -> NDArray[Any]:
    """Reproduce ``tf.image.resize`` (TensorFlow 2.21, CPU) without TensorFlow.

    Same signature and defaults as TensorFlow (``name`` is accepted and
    ignored).  ``images`` is ``(H, W, C)`` or ``(N, H, W, C)`` (numpy array or
    anything with ``__array__``); ``size`` is ``(new_height, new_width)``.
    Returns a numpy array: float32 for every method except ``nearest``, which
    keeps the input dtype.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[10], [11]], dtype=np.uint8).reshape(2, 1, 1)
    >>> resize(x, [4, 1]).ravel().tolist()
    [10.0, 10.25, 10.75, 11.0]
    >>> resize(x, [4, 1], method="nearest").ravel().tolist()
    [10, 10, 11, 11]

    """
    arr = _as_numpy(images, "images")
    plans = tf_plans(arr.shape, size, method, preserve_aspect_ratio, antialias)
    return _run(arr, plans, getattr(method, "value", method) == "nearest")


def _v1(op: str, images: Any, size: Any, align_corners: Any,
        half_pixel_centers: Any) -> NDArray[Any]:
    arr = _as_numpy(images, "images")
    if arr.ndim != 4:
        raise ValueError(
            f"images has shape {arr.shape}; the v1 resize ops need 4-D input (N, H, W, C)"
        )
    plans = v1_plans(arr.shape, op, size, align_corners, half_pixel_centers)
    return _run(arr, plans, op == "nearest")


def v1_plans(shape: tuple[int, ...], op: str, size: Any, align_corners: bool = False,
             half_pixel_centers: bool = False) -> list[tuple[int, AxisPlan]]:
    """The ``(axis, plan)`` pairs of a ``tf.compat.v1.image.resize_<op>`` call, in pass order.

    ``shape`` is ``(N, H, W, C)``; ``op`` is ``bilinear``, ``nearest``, ``bicubic``
    or ``area`` (for ``area``, ``half_pixel_centers`` must be False).

    Examples
    --------
    >>> [(ax, p.info["grid"]) for ax, p in v1_plans((1, 4, 4, 1), "bilinear", [2, 8])]
    [(2, 'tf_asymmetric'), (1, 'tf_asymmetric')]

    """
    ac = _check_bool("align_corners", align_corners)
    hp = _check_bool("half_pixel_centers", half_pixel_centers)
    if ac and hp:
        raise ValueError(
            "If half_pixel_centers is True, align_corners must be False "
            "(got align_corners=True, half_pixel_centers=True)"
        )
    if op not in {o for o, _ in V1_OPS}:
        raise ValueError(f"op={op!r} is not valid; expected one of "
                         f"{sorted({o for o, _ in V1_OPS})}")
    if op == "area" and hp:
        raise ValueError("resize_area has no half_pixel_centers argument")
    new_h, new_w = _check_size(size)
    m = V1_OPS[(op, "align_corners" if ac else "half_pixel" if hp else "legacy")]
    return _in_op_order(m, (1, _axis_plan(m, int(shape[1]), new_h)),
                        (2, _axis_plan(m, int(shape[2]), new_w)))


def v1_like_plans(shape: tuple[int, ...], size: Any = None, *, op: str = "bilinear",
                  align_corners: bool = False, half_pixel_centers: bool = False
                  ) -> list[tuple[int, AxisPlan]]:
    """``pixelgrid.explain(..., like="tensorflow.v1", op=...)``: a v1 op on an ``(H, W)`` image.

    ``op`` names the op: ``bilinear``, ``nearest`` (or ``nearest_neighbor``),
    ``bicubic``, ``area``, with or without the ``resize_`` prefix.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in v1_like_plans((4, 4), (2, 8), op="resize_area")]
    [(0, 2), (1, 8)]

    """
    if len(shape) != 2:
        raise ValueError(f"the v1 resize ops resize 2-D images; got spatial shape {shape}")
    name = op.removeprefix("resize_") if isinstance(op, str) else op
    name = "nearest" if name == "nearest_neighbor" else name
    plans = v1_plans((1, *shape, 1), name, size, align_corners, half_pixel_centers)
    return [(ax - 1, p) for ax, p in plans]


class v1:  # lower case: mirrors the ``tf.compat.v1.image`` namespace
    """``tf.compat.v1.image.resize_*`` ops (4-D ``NHWC`` input).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4, dtype=np.float32).reshape(1, 1, 4, 1)
    >>> v1.resize_bilinear(x, [1, 2]).ravel().tolist()  # legacy grid: x = o * 2
    [0.0, 2.0]

    """

    @staticmethod
    def resize_bilinear(images: Any, size: Any, align_corners: bool = False,
                        half_pixel_centers: bool = False,
                        name: str | None = None) -> NDArray[Any]:
        """``tf.compat.v1.image.resize_bilinear``: float32 result."""
        return _v1("bilinear", images, size, align_corners, half_pixel_centers)

    @staticmethod
    def resize_nearest_neighbor(images: Any, size: Any, align_corners: bool = False,
                                half_pixel_centers: bool = False,
                                name: str | None = None) -> NDArray[Any]:
        """``tf.compat.v1.image.resize_nearest_neighbor``: keeps the dtype."""
        return _v1("nearest", images, size, align_corners, half_pixel_centers)

    @staticmethod
    def resize_bicubic(images: Any, size: Any, align_corners: bool = False,
                       half_pixel_centers: bool = False,
                       name: str | None = None) -> NDArray[Any]:
        """``tf.compat.v1.image.resize_bicubic``: float32 result (1024-entry table)."""
        return _v1("bicubic", images, size, align_corners, half_pixel_centers)

    @staticmethod
    def resize_area(images: Any, size: Any, align_corners: bool = False,
                    name: str | None = None) -> NDArray[Any]:
        """``tf.compat.v1.image.resize_area``: float32 result."""
        return _v1("area", images, size, align_corners, False)

