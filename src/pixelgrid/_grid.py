"""Grid conventions: where output sample ``o`` sits in input coordinates.

Coordinates are in *input pixel-index units*: input pixel ``i`` has its centre
at ``i``, so the input covers ``[-0.5, in_size - 0.5]``.  Every convention is an
exact affine map

    x_in(o) = a * (o + c) + d

held as :class:`fractions.Fraction` numbers, so that nearest-neighbour ties and
box-filter edges are decided exactly, not by float luck.  ``a`` is the number
of input pixels per output pixel (``1 / scale``).

This module is the one place that computes coordinates; every other module
(plans, explain, coordinate mapping, warps) calls it with an explicit
convention.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import as_fraction, check_choice, check_positive_int

__all__ = [
    "CONVENTIONS",
    "Affine",
    "align_corners",
    "asymmetric",
    "convention",
    "half_pixel",
    "half_pixel_symmetric",
    "output_size",
    "pytorch_half_pixel",
    "scale_translate",
    "tf_crop_and_resize",
    "tf_half_pixel_for_nn",
]

HALF = Fraction(1, 2)


@dataclass(frozen=True)
class Affine:
    """Exact map from output index ``o`` to input coordinate ``a * (o + c) + d``.

    Attributes
    ----------
    a : Fraction
        Input pixels per output pixel (the inverse of the scale).
    c : Fraction
        Offset added to the output index before scaling (``1/2`` for half-pixel
        conventions, which measure from pixel edges).
    d : Fraction
        Offset added after scaling (``-1/2`` for half-pixel conventions).
    name : str
        The convention's name, for messages and :func:`pixelgrid.explain`.
    valid : tuple of Fraction or None
        If set, ``(lo, hi)``: output samples whose coordinate falls outside
        ``[lo, hi]`` read the fill value (``tf_crop_and_resize``).

    """

    a: Fraction
    c: Fraction = Fraction(0)
    d: Fraction = Fraction(0)
    name: str = "affine"
    valid: tuple[Fraction, Fraction] | None = None

    def __post_init__(self) -> None:
        # Constructor checks: exact finite numbers (a float or numpy number is taken at
        # its exact value), so a NaN or a string fails here, naming the field.
        for field_name in ("a", "c", "d"):
            v = getattr(self, field_name)
            if isinstance(v, Fraction) or type(v) is int:
                continue
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{field_name}={v!r} must be a real number, got "
                                f"{type(v).__name__}")
            if isinstance(v, numbers.Integral):
                object.__setattr__(self, field_name, Fraction(int(v)))
                continue
            if not math.isfinite(float(v)):
                raise ValueError(f"{field_name}={v!r} must be finite")
            object.__setattr__(self, field_name, Fraction(float(v)))

    @property
    def offset(self) -> Fraction:
        """The constant term ``b`` of ``x_in = a * o + b``."""
        return self.a * self.c + self.d

    def exact(self, o: int) -> Fraction:
        """Exact input coordinate of output index ``o``."""
        return self.a * (o + self.c) + self.d

    def coords(self, n: int) -> NDArray[np.float64]:
        """Input coordinates of output indices ``0..n-1``, correctly rounded to float64."""
        a = float(self.a)
        if self.offset == 0 and Fraction(a) == self.a and n <= 2**53:
            # a double times an exact integer: the IEEE product is correctly rounded
            return np.arange(n, dtype=np.float64) * a
        num, den = self._numerators(n, Fraction(0))
        if num.dtype == object:
            if den & (den - 1) == 0 and den.bit_length() < 1000:  # a power of two:
                # float(N) rounds once (half to even) and dividing by 2**k is exact
                return np.asarray(num.astype(np.float64) / float(den), dtype=np.float64)
            return np.array([int(v) / den for v in num], dtype=np.float64)  # rounds once
        # Both operands are exact integers below 2**53, so one IEEE division is
        # the correctly rounded value of the exact fraction.
        return num.astype(np.float64) / float(den)

    def floor(self, n: int, shift: Fraction = Fraction(0)) -> NDArray[np.int64]:
        """Exact ``floor(x_in(o) + shift)`` for ``o = 0..n-1``."""
        num, den = self._numerators(n, shift)
        return np.asarray(num // den, dtype=np.int64)

    def ceil(self, n: int, shift: Fraction = Fraction(0)) -> NDArray[np.int64]:
        """Exact ``ceil(x_in(o) + shift)`` for ``o = 0..n-1``."""
        num, den = self._numerators(n, shift)
        return np.asarray(-((-num) // den), dtype=np.int64)

    def _numerators(self, n: int, shift: Fraction) -> tuple[NDArray[Any], int]:
        """Integers ``N[o]`` and ``D`` with ``x_in(o) + shift == N[o] / D`` exactly."""
        e = self.offset + shift
        den = math.lcm(self.a.denominator, e.denominator)
        p = self.a.numerator * (den // self.a.denominator)
        r = e.numerator * (den // e.denominator)
        bound = abs(p) * max(n - 1, 0) + abs(r)
        if bound < 2**52 and den < 2**52:
            return p * np.arange(n, dtype=np.int64) + r, den
        # Large numerators (a float scale taken at its exact binary value):
        # Python integers in an object array keep the arithmetic exact.
        return np.arange(n, dtype=object) * p + r, den

    def describe(self) -> str:
        """The map as a formula, e.g. ``x_in = 0.5 * x_out - 0.25``."""
        b = self.offset
        sign = "-" if b < 0 else "+"
        return f"x_in = {_fmt(self.a)} * x_out {sign} {_fmt(abs(b))}"


def _fmt(q: Fraction) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    f = float(q)
    text = f"{f:.6g}"
    return text if Fraction(text) == q else f"{q.numerator}/{q.denominator} (~{text})"


def _scale(in_size: int, out_size: int, scale: Any) -> Fraction:
    """The output/input scale: the user's factor if given, else the size ratio."""
    if scale is None:
        return Fraction(out_size, in_size)
    return as_fraction("scale", scale)


def _sizes(in_size: Any, out_size: Any) -> tuple[int, int]:
    return check_positive_int("in_size", in_size), check_positive_int("out_size", out_size)


def half_pixel(in_size: int, out_size: int, scale: Any = None) -> Affine:
    """Pixels are unit cells; the outer edges of input and output align.

    ``x_in = (x_out + 0.5) / scale - 0.5``, with ``scale = out_size / in_size``
    unless a factor is given.  This is ``align_corners=False`` in PyTorch,
    ``half_pixel_centers=True`` in TensorFlow 1, ONNX ``half_pixel``, OpenCV,
    Pillow, TF2 and JAX.

    Examples
    --------
    >>> half_pixel(2, 4).coords(4).tolist()
    [-0.25, 0.25, 0.75, 1.25]

    """
    in_size, out_size = _sizes(in_size, out_size)
    s = _scale(in_size, out_size, scale)
    return Affine(1 / s, HALF, -HALF, "half_pixel")


def align_corners(in_size: int, out_size: int, scale: Any = None) -> Affine:
    """Pixels are points; the centres of the corner pixels align.

    ``x_in = x_out * (in_size - 1) / (out_size - 1)`` (0 when ``out_size`` is 1).
    A user scale factor is ignored, as in PyTorch and ONNX.

    Examples
    --------
    >>> align_corners(2, 4).coords(4).round(4).tolist()
    [0.0, 0.3333, 0.6667, 1.0]

    """
    in_size, out_size = _sizes(in_size, out_size)
    a = Fraction(in_size - 1, out_size - 1) if out_size > 1 else Fraction(0)
    return Affine(a, Fraction(0), Fraction(0), "align_corners")


def asymmetric(in_size: int, out_size: int, scale: Any = None) -> Affine:
    """Top-left aligned: ``x_in = x_out / scale`` (legacy TF1, PyTorch ``nearest``).

    Examples
    --------
    >>> asymmetric(2, 4).coords(4).tolist()
    [0.0, 0.5, 1.0, 1.5]

    """
    in_size, out_size = _sizes(in_size, out_size)
    return Affine(1 / _scale(in_size, out_size, scale), Fraction(0), Fraction(0), "asymmetric")


def pytorch_half_pixel(in_size: int, out_size: int, scale: Any = None) -> Affine:
    """``half_pixel``, except that a length-1 output reads coordinate 0 (ONNX spec).

    Examples
    --------
    >>> pytorch_half_pixel(6, 1).coords(1).tolist()
    [0.0]

    """
    in_size, out_size = _sizes(in_size, out_size)
    if out_size == 1:
        return Affine(Fraction(0), Fraction(0), Fraction(0), "pytorch_half_pixel")
    return Affine(1 / _scale(in_size, out_size, scale), HALF, -HALF, "pytorch_half_pixel")


def half_pixel_symmetric(in_size: int, out_size: int, scale: Any = None) -> Affine:
    """Half-pixel grid centred on the image centre, so it commutes with flipping (ONNX 19).

    With a factor whose output length ``in_size * scale`` is not an integer,
    ``half_pixel`` anchors the grid at the left edge; this convention shifts it
    by ``(in_size / 2) * (1 - out_size / (scale * in_size))`` so the centres align.

    Examples
    --------
    >>> half_pixel_symmetric(2, 2, scale=1.3).coords(2).round(6).tolist()
    [0.115385, 0.884615]

    """
    in_size, out_size = _sizes(in_size, out_size)
    s = _scale(in_size, out_size, scale)
    adj = Fraction(out_size) / (s * in_size)
    off = Fraction(in_size, 2) * (1 - adj)
    return Affine(1 / s, HALF, off - HALF, "half_pixel_symmetric")


def tf_half_pixel_for_nn(in_size: int, out_size: int, scale: Any = None) -> Affine:
    """``x_in = (x_out + 0.5) / scale`` (ONNX ``tf_half_pixel_for_nn``, TF2 nearest).

    Examples
    --------
    >>> tf_half_pixel_for_nn(2, 4).coords(4).tolist()
    [0.25, 0.75, 1.25, 1.75]

    """
    in_size, out_size = _sizes(in_size, out_size)
    return Affine(1 / _scale(in_size, out_size, scale), HALF, Fraction(0), "tf_half_pixel_for_nn")


def tf_crop_and_resize(
    in_size: int, out_size: int, scale: Any = None, *, roi: tuple[Any, Any] = (0, 1)
) -> Affine:
    """Align-corners sampling of the normalised box ``roi = (start, end)``.

    ``x_in = start * (in - 1) + x_out * (end - start) * (in - 1) / (out - 1)``
    (the box centre when ``out_size`` is 1).  Output samples outside
    ``[0, in - 1]`` read the fill value (TensorFlow ``crop_and_resize``, ONNX
    ``tf_crop_and_resize`` with ``extrapolation_value``).

    Examples
    --------
    >>> tf_crop_and_resize(5, 3, roi=(0.25, 0.75)).coords(3).tolist()
    [1.0, 2.0, 3.0]

    """
    in_size, out_size = _sizes(in_size, out_size)
    if isinstance(roi, (str, bytes)) or not hasattr(roi, "__len__") or len(roi) != 2:
        raise ValueError(f"roi={roi!r} must be a (start, end) pair")
    start, end = (_finite_fraction("roi", v) for v in roi)
    span = Fraction(in_size - 1)
    if out_size > 1:
        a = (end - start) * span / (out_size - 1)
        d = start * span
    else:
        a, d = Fraction(0), (start + end) * span / 2
    return Affine(a, Fraction(0), d, "tf_crop_and_resize", valid=(Fraction(0), span))


def scale_translate(
    in_size: int, out_size: int, scale: Any = None, *, translate: Any = 0
) -> Affine:
    """General half-pixel map ``x_in = (x_out + 0.5 - translate) / scale - 0.5``.

    The convention of ``jax.image.scale_and_translate`` and TensorFlow's
    ``ScaleAndTranslate``: ``translate`` is in output pixels.

    Examples
    --------
    >>> scale_translate(4, 4, scale=1, translate=1).coords(4).tolist()
    [-1.0, 0.0, 1.0, 2.0]

    """
    in_size, out_size = _sizes(in_size, out_size)
    s = _scale(in_size, out_size, scale)
    t = _finite_fraction("translate", translate)
    return Affine(1 / s, HALF - t, -HALF, "scale_translate")


def _finite_fraction(name: str, value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}={value!r} must be a real number") from None
    if not math.isfinite(f):
        raise ValueError(f"{name}={value!r} must be finite")
    return Fraction(int(value)) if isinstance(value, int) else Fraction(f)


CONVENTIONS: dict[str, Callable[..., Affine]] = {
    "half_pixel": half_pixel,
    "align_corners": align_corners,
    "asymmetric": asymmetric,
    "pytorch_half_pixel": pytorch_half_pixel,
    "half_pixel_symmetric": half_pixel_symmetric,
    "tf_half_pixel_for_nn": tf_half_pixel_for_nn,
    "tf_crop_and_resize": tf_crop_and_resize,
    "scale_translate": scale_translate,
}


def convention(
    name: str | Affine, in_size: int, out_size: int, scale: Any = None, **kwargs: Any
) -> Affine:
    """Build the :class:`Affine` of a named convention (or pass an Affine through).

    Examples
    --------
    >>> convention("align_corners", 3, 5).describe()
    'x_in = 0.5 * x_out + 0'

    """
    if isinstance(name, Affine):
        return name
    check_choice("name", name, CONVENTIONS)  # plan() checks its grid= first
    return CONVENTIONS[name](in_size, out_size, scale, **kwargs)


_ROUNDINGS = ("floor", "round", "ceil")


def output_size(in_size: int, scale: Any, rounding: str = "floor") -> int:
    """Output length for a scale factor, computed exactly.

    ``rounding`` is ``"floor"`` (PyTorch, ONNX), ``"round"`` (half up; OpenCV,
    scikit-image) or ``"ceil"``.  The product is exact: ``output_size(88, 120 / 88)``
    is 120, where a float product gives 119.

    Examples
    --------
    >>> output_size(88, 120 / 88)
    120
    >>> output_size(32, 0.1234, "round")
    4

    """
    in_size = check_positive_int("in_size", in_size)
    check_choice("rounding", rounding, _ROUNDINGS)  # resize checks its size_rounding first
    product = in_size * as_fraction("scale", scale)
    if rounding == "floor":
        n = math.floor(product)
    elif rounding == "ceil":
        n = math.ceil(product)
    else:
        n = math.floor(product + HALF)
    if n < 1:
        raise ValueError(
            f"scale={scale!r} maps in_size={in_size} to an empty output "
            f"({rounding}({float(product):.6g}) = {n}); use a larger scale or give size"
        )
    return n
