"""JAX's ``jax.image.resize`` and ``jax.image.scale_and_translate``, on the pixelgrid model.

Every method is a row of data (:data:`METHODS`): kernel, boundary, whether
antialias applies.  The functions validate their arguments as JAX does and
build one plan per resized axis; JAX itself is never imported.  Reproduces
jax 0.10.2 (jaxlib 0.10.2, XLA:CPU, ``jax_enable_x64`` off).

JAX's float32 arithmetic is declared as :class:`~pixelgrid.Arithmetic` records
(:data:`_RESIZE_F32` for ``resize``, which JAX always jits; :data:`_EAGER_F32`
and :data:`_JIT_F32` for ``scale_and_translate`` called eagerly or under
``jax.jit``, ``jit=True`` here), so the match does not drift with the size:
measured on random float32 data in [0, 1) with 5000-px axes (2000 -> 5000,
5000 -> 1900, every method, with and without antialias), the worst
difference is 4.8e-7 (was up to 1.5e-4 for ``cubic``); ``nearest`` is
bit-identical.  What ``resize`` does, measured on XLA:CPU: positions
``f32((o + 0.5) * s - 0.5)`` with ``s = f32(1 / (out / in))`` (double
quotients) as one multiply-add on output axes of :data:`SHORT_AXIS` samples
or more, two roundings below; weights multiplied by ``f32(1 / total)``; the
dot adds the taps as one multiply-add chain in input order; the per-axis
matrices are applied in ``jnp.einsum``'s order (fewest flops first:
:func:`_contraction_order`).  With these, ``linear`` without antialias and
``area`` are JAX's bit for bit on most shapes.  Not modelled (so
``cubic``/``lanczos`` and antialiased downsampling stay an ulp or a few
away): XLA's float32 kernels (its own ``sin``, multiply-adds inside the
polynomials, the stretch applied as ``|x| * f32(1 / stretch)`` with constants
folded into the first product) and, on some shapes chosen by a cost model,
column sums taken by a YNNPACK reduction in blocks of 4 rows.

JAX facts this module encodes (checked against JAX in the tests):

* ``antialias=True`` is the default; it stretches the kernel by the
  downsampling factor (no effect when upsampling), Pillow-style.
* Weights are a dense float32 matrix over the input pixels: taps outside the
  image are dropped and the rest renormalised by their float32 sum; an output
  sample whose float32 position ``sample_f`` (``resize``:
  ``f32((o + 0.5) * inv_scale - 0.5)``, one rounding, as XLA fuses it) lies
  outside ``[-0.5, in - 0.5]`` is 0.  That test is on the float32 value: a
  position exactly ``in - 0.5 + 1e-7`` that rounds to ``in - 0.5`` is kept.
  Columns summing to at most ``1000 * eps(float32)`` are zeroed.
* ``area`` boxes run from ``L = f32(o * inv_scale)`` to ``f32(L + inv_scale)``
  (minus the translation), float32 overlaps normalised by their sum.
* ``cubic`` is Keys a = -0.5; ``cubic-pytorch`` is a = -0.75 with edge padding
  (taps ``-2 .. in + 1`` read the edge pixels, taps beyond are dropped, no
  zeroing outside: ``plan(..., edge_pad=2)``) when ``antialias=False`` and plain
  ``cubic`` when ``antialias=True``.
* ``lanczos3``/``lanczos5`` are 1 for distances up to 1e-3 and use a float32 pi.
* ``area`` is the exact box overlap (a box filter when upsampling), whatever
  ``antialias`` says.
* ``nearest`` (``resize`` only) is ``floor((o + 0.5) * in / out)`` in float32;
  XLA:CPU constant-folds it into ``floor(f32((o + 0.5) * C))`` with
  ``C = f32(in * f32(1 / out))``, which is what JAX returns and what this
  module computes.  Nearest keeps the dtype.
* Other methods promote integers to float32 (and, with x64 off, float64 to
  float32); float16 stays float16 (JAX then also rounds the weights to
  float16; here they are not, a documented difference of ~1e-3).
* ``resize`` only resamples the axes whose size changes (``shape`` covers every
  axis: there is no batch or channel notion).
"""

from __future__ import annotations

import itertools
import math
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
from .tensorflow import lanczos_f32

__all__ = ["METHODS", "jax_plans", "resize", "scale_and_translate"]


@dataclass(frozen=True)
class Method:
    """How one JAX method maps onto the core model.

    ``edge_padding`` marks ``cubic-pytorch`` without antialias: taps clamped to
    the edge instead of dropped, and no zero output outside the image.
    """

    kernel: Kernel
    edge_padding: bool = False


_LINEAR = Method(linear())
_CUBIC = Method(cubic(-0.5))
_CUBIC_PT = Method(cubic(-0.75), edge_padding=True)
METHODS: dict[str, Method] = {
    "linear": _LINEAR, "bilinear": _LINEAR, "trilinear": _LINEAR, "triangle": _LINEAR,
    "cubic": _CUBIC, "bicubic": _CUBIC, "tricubic": _CUBIC,
    "cubic-pytorch": _CUBIC_PT, "bicubic-pytorch": _CUBIC_PT,
    "lanczos3": Method(lanczos_f32(3)),
    "lanczos5": Method(lanczos_f32(5)),
    "area": Method(area()),
}
_NAMES = sorted([*METHODS, "nearest"])


def _method(method: Any) -> str:
    name = getattr(method, "name", method)  # jax.image.ResizeMethod members
    if isinstance(name, str) and not isinstance(method, str):
        name = name.lower().replace("_", "-")
    if not isinstance(name, str) or name not in _NAMES:
        raise ValueError(f"method={method!r} is not valid; expected one of {_NAMES}")
    return name


#: ``jax.image.resize`` under its own ``jit``: ``sample_f = f32((o + 0.5) * inv_scale - 0.5)``
#: (XLA fuses the constant-folded expression into one multiply-add), ``inv_scale =
#: f32(1 / (out / in))`` (double quotients, one rounding); a dense float32 weight matrix
#: normalised by the float32 reciprocal of its column sums (XLA rewrites ``w / total`` as
#: ``w * (1 / total)``; columns summing to at most ``1000 * eps(float32)`` are zero);
#: ``area`` boxes from ``L = f32(o * inv_scale)`` to ``f32(L + inv_scale)``.  XLA:CPU's
#: dot adds the taps as one multiply-add chain in input order (measured bit for bit with
#: JAX's own weight matrix: ``accumulate="taps"``, ``fma="chain"``).
_RESIZE_F32 = Arithmetic(coordinates="float32_fma", weights="float32", boxes="float32_width",
                         min_total=1000 * float(np.finfo(np.float32).eps),
                         zero_taps="dense",  # NaN/inf: the dense matrix's 0 * x too
                         accumulate="taps", fma="chain", reciprocal=True)
#: ``resize`` onto fewer than :data:`SHORT_AXIS` samples: XLA:CPU's code for such short
#: axes multiplies and subtracts separately, ``f32(f32(f32(o + 0.5) * s) - 0.5)`` (measured
#: on linear weight matrices: outputs 5..95 two roundings, 96 and up one multiply-add,
#: whatever the input size).
_SHORT_F32 = replace(_RESIZE_F32, coordinates="float32")
SHORT_AXIS = 96
#: ``scale_and_translate``'s records keep the float64 sum and true division (not
#: re-measured with the tap-order rule; its eager ``divide`` is a real division).
_SAT_F32 = replace(_RESIZE_F32, accumulate="float64", fma="none", reciprocal=False)
#: ``scale_and_translate`` called eagerly: ``((o + 0.5) * inv_scale - translation *
#: inv_scale) - 0.5`` with every operation rounded to float32.
_EAGER_F32 = replace(_SAT_F32, coordinates="float32_translate")
#: ``scale_and_translate`` under ``jax.jit``: XLA fuses the first product and the
#: translation into one multiply-add, then subtracts 0.5.
_JIT_F32 = replace(_SAT_F32, coordinates="float32_translate_fma")


def _axis_plan(name: str, n_in: int, n_out: int, inv_scale: Fraction, translation: Fraction,
               antialias: bool, arithmetic: Arithmetic) -> AxisPlan:
    """One axis of JAX's ``compute_weight_mat``, declared: grid, kernel, boundary, model.

    ``inv_scale`` is JAX's float32 ``1 / scale``; output ``o`` samples
    ``inv_scale * (o + 1/2 - translation) - 1/2``.
    """
    m = METHODS[name]
    if m.edge_padding and antialias:
        m = _CUBIC  # JAX: cubic-pytorch with antialias is plain cubic
    if m.edge_padding:
        # Edge padding: taps up to 2 pixels outside read the edge pixel; JAX renormalises
        # over them and does not zero samples outside the image.
        aff = Affine(inv_scale, Fraction(1, 2) - translation, Fraction(-1, 2),
                     "scale_and_translate(edge_padding)")
        return plan(n_in, n_out, kernel=m.kernel, grid=aff, boundary="renormalize",
                    edge_pad=2, arithmetic=arithmetic)
    # XLA:CPU's own float32 kernels, measured where the kernel is not stretched: Keys'
    # polynomials contracted into multiply-adds (on the weight matrices); Lanczos with the
    # C library's sinf and pi x / r as one product (on the kernel alone).  Stretched, it
    # folds 1 / stretch into the constants, which no rule declares yet.
    xla = "float32_keys_fma" if m is _CUBIC else \
        "float32_lanczos_libm" if name.startswith("lanczos") else None
    if xla and arithmetic.accumulate == "taps" and (not antialias or inv_scale <= 1):
        arithmetic = replace(arithmetic, weights=xla)
    # Outside [-0.5, in - 0.5] (judged at the float32 position) JAX zeroes the weights.
    aff = Affine(inv_scale, Fraction(1, 2) - translation, Fraction(-1, 2),
                 "scale_and_translate", valid=(Fraction(-1, 2), n_in - Fraction(1, 2)))
    return plan(n_in, n_out, kernel=m.kernel, grid=aff, antialias=antialias,
                boundary="renormalize", fill_value=0.0, arithmetic=arithmetic)


def _inv_scale32(scale: Any) -> Fraction:
    """JAX's ``inv_scale = 1. / scale`` in float32 (``scale`` already float32)."""
    return Fraction(float(np.float32(1) / np.float32(float(scale))))


def _nearest_plan(n_in: int, n_out: int) -> AxisPlan:
    # XLA folds (o + 0.5) * in / out into (o + 0.5) * f32(in * f32(1 / out)).
    c = np.float32(np.float32(n_in) * np.float32(np.float32(1.0) / np.float32(n_out)))
    aff = Affine(Fraction(float(c)), Fraction(1, 2), Fraction(0), "jax_nearest")
    return plan(n_in, n_out, kernel=nearest("floor"), grid=aff, boundary="clamp",
                arithmetic="float32")


def _shape(shape: Any, ndim: int) -> tuple[int, ...]:
    if not isinstance(shape, (list, tuple)):
        raise TypeError(f"shape={shape!r} must be a sequence of integers")
    if len(shape) != ndim:
        raise ValueError(
            f"shape={tuple(shape)!r} must have length equal to the number of dimensions of "
            f"image ({ndim})"
        )
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"shape={shape!r} must hold integers")
        if int(s) < 1:
            raise ValueError(f"shape={shape!r}: every output size must be >= 1")
    return tuple(int(s) for s in shape)


def _as_numpy(x: Any) -> NDArray[Any]:
    if not isinstance(x, (np.ndarray, list, tuple)) and hasattr(x, "__array__") \
            and not is_dask(x):  # Dask: lazy (run_plans)
        x = np.asarray(x)  # jax.Array, tf.Tensor, ...
    arr = check_array(x, "image")
    # jax_enable_x64 off: 64-bit values are stored in 32 bits.
    narrow = {"float64": np.float32, "int64": np.int32, "uint64": np.uint32}
    return arr.astype(narrow[arr.dtype.name]) if arr.dtype.name in narrow else arr


def _inexact(arr: NDArray[Any]) -> NDArray[Any]:
    return arr if arr.dtype.kind == "f" else arr.astype(np.float32)


def jax_plans(
    in_shape: tuple[int, ...], shape: Any, method: Any, antialias: bool = True
) -> list[tuple[int, AxisPlan]]:
    """The ``(axis, plan)`` pairs that reproduce a ``jax.image.resize`` call.

    Examples
    --------
    >>> [(ax, p.out_size) for ax, p in jax_plans((4, 4, 3), (2, 4, 3), "linear")]
    [(0, 2)]

    """
    name = _method(method)
    if not isinstance(antialias, (bool, np.bool_)):
        raise TypeError(f"antialias={antialias!r} must be True or False")
    out = _shape(shape, len(in_shape))
    plans = []
    for ax, (n_in, n_out) in enumerate(zip(in_shape, out, strict=True)):
        if n_in == n_out:
            continue  # JAX resamples only the axes whose size changes
        if name == "nearest":
            plans.append((ax, _nearest_plan(n_in, n_out)))
        else:
            # scale = out / in and inv_scale = 1. / scale are Python floats (double), the
            # latter rounded once to float32 as a weakly typed constant (measured: every
            # row of the weight matrix, sizes 5..1000, with one multiply-add positions).
            inv = Fraction(float(np.float32(1 / (n_out / n_in))))
            model = _SHORT_F32 if n_out < SHORT_AXIS else _RESIZE_F32
            plans.append((ax, _axis_plan(name, n_in, n_out, inv, Fraction(0), bool(antialias),
                                         model)))
    if name == "nearest":
        return plans  # a gather: exact in any order
    return [plans[i] for i in _contraction_order(in_shape, [(ax, p.out_size) for ax, p in plans])]


def _contraction_order(in_shape: tuple[int, ...], axes: list[tuple[int, int]]) -> list[int]:
    """The order in which ``jnp.einsum`` applies JAX's per-axis weight matrices.

    ``_scale_and_translate`` contracts the image with one matrix per resized
    axis in a single ``einsum``, whose ``optimize="auto"`` path (opt_einsum's
    ``optimal`` for these few operands) takes the order with the fewest
    flops: contracting axis ``d`` when the array has shape ``S`` costs
    ``prod(S) * out_d``; ties go to the first order in operand (axis) order.
    Measured: the other order differs from JAX by an ulp in about a third of
    the samples.  ``axes`` holds ``(axis, out_size)`` pairs; returns indices
    into it.

    Examples
    --------
    >>> _contraction_order((171, 129, 1), [(0, 105), (1, 57)])  # width first: fewer flops
    [1, 0]
    >>> _contraction_order((124, 27, 1), [(0, 9), (1, 158)])
    [0, 1]

    """
    best: tuple[int, list[int]] | None = None
    for perm in itertools.permutations(range(len(axes))):
        shape, cost = list(in_shape), 0
        for i in perm:
            ax, n_out = axes[i]
            cost += math.prod(shape) * n_out
            shape[ax] = n_out
        if best is None or cost < best[0]:
            best = (cost, list(perm))
    return best[1] if best is not None else []


def resize(image: Any, shape: Any, method: Any, antialias: bool = True,
           precision: Any = None) -> NDArray[Any]:
    """Reproduce ``jax.image.resize`` (jax 0.10, XLA:CPU) without JAX.

    Same signature and defaults as JAX (``precision`` is accepted and ignored:
    this module always computes at full precision).  Returns a numpy array:
    same dtype for ``nearest``, else the input promoted to a float dtype.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4, dtype=np.float32)
    >>> y = resize(x, (2,), "linear")  # antialiased: weights 3/7, 3/7, 1/7 at the edge
    >>> [round(float(v), 5) for v in y]
    [0.71429, 2.28571]
    >>> resize(x, (2,), "linear", antialias=False).tolist()
    [0.5, 2.5]
    >>> resize(x, (8,), "nearest").tolist()
    [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]

    """
    arr = _as_numpy(image)
    plans = jax_plans(arr.shape, shape, method, antialias)
    if _method(method) == "nearest":
        return run_plans(arr, plans)
    return run_plans(_inexact(arr), plans)


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def _per_dim(name: str, value: Any, k: int) -> list[Fraction]:
    if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        value = np.asarray(value).tolist()
    if not isinstance(value, (list, tuple)) or len(value) != k:
        raise ValueError(f"{name}={value!r} must have one entry per spatial dim "
                         f"(spatial_dims has {k})")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(float(v)):
            raise TypeError(f"{name}={value!r} must hold finite real numbers")
        out.append(Fraction(float(np.float32(v))))  # JAX promotes them to float32
    return out


def scale_and_translate(
    image: Any, shape: Any, spatial_dims: Any, scale: Any, translation: Any,
    method: Any = "linear", antialias: bool = True, precision: Any = None, *,
    jit: bool = False,
) -> NDArray[Any]:
    """Reproduce ``jax.image.scale_and_translate`` (jax 0.10) without JAX.

    Output sample ``o`` along ``spatial_dims[i]`` reads the input at
    ``(o + 0.5 - translation[i]) / scale[i] - 0.5`` (pixel centres at integers);
    outside ``[-0.5, in - 0.5]`` it is 0.  ``nearest`` is not supported (as in JAX).
    ``jit=True`` (not a JAX argument) reproduces ``jax.jit(scale_and_translate)``
    with traced ``scale``/``translation``, whose float32 positions XLA computes
    with a fused multiply-add; the default reproduces an eager call.  The two
    differ by up to ~1e-4 on 2000-px axes.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1, 6, dtype=np.float32)
    >>> scale_and_translate(x, (8,), (0,), [1.0], [3.0]).tolist()
    [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]

    """
    name = _method(method)
    if name == "nearest":
        raise ValueError(
            "method='nearest' is not supported by scale_and_translate (as in JAX); "
            f"use one of {sorted(METHODS)}"
        )
    if not isinstance(antialias, (bool, np.bool_)):
        raise TypeError(f"antialias={antialias!r} must be True or False")
    arr = _inexact(_as_numpy(image))
    out = _shape(shape, arr.ndim)
    if not isinstance(spatial_dims, (list, tuple)):
        raise TypeError(f"spatial_dims={spatial_dims!r} must be a sequence of axes")
    dims = []
    for d in spatial_dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or not (
                -arr.ndim <= int(d) < arr.ndim):
            raise ValueError(
                f"spatial_dims={spatial_dims!r}: axis {d!r} is out of range for a "
                f"{arr.ndim}-D image"
            )
        dims.append(int(d) % arr.ndim)
    scales = _per_dim("scale", scale, len(dims))
    shifts = _per_dim("translation", translation, len(dims))
    for s in scales:
        if s <= 0:
            raise ValueError(f"scale={scale!r} must be > 0 in every spatial dim")
    for ax in range(arr.ndim):
        if ax not in dims and out[ax] != arr.shape[ax]:
            raise ValueError(
                f"shape={out!r} changes axis {ax}, which is not in spatial_dims={spatial_dims!r}"
            )
    model = _JIT_F32 if _check_bool("jit", jit) else _EAGER_F32
    plans = [(ax, _axis_plan(name, int(arr.shape[ax]), out[ax], _inv_scale32(s), t,
                             bool(antialias), model))
             for ax, s, t in zip(dims, scales, shifts, strict=True)]
    return run_plans(arr, plans)
