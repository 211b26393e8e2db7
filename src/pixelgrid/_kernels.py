"""Interpolation kernels, each defined once.

A :class:`Kernel` is a weight function of the signed distance ``d = j - x``
between an input pixel centre ``j`` and the sample position ``x`` (in kernel
units), plus its support: the taps are the integers ``j`` whose distance lies
in ``[-radius, radius]``, with each end open or closed as ``edges`` says.  The
support is decided exactly (rationally) by the plan builder; the weight
function is only evaluated inside it, in float64.

Footprint kernels (``area``, ``adaptive_pool``) depend on how many input pixels
one output pixel covers (``footprint``, ``w``); they are made concrete per axis
with :meth:`Kernel.at_footprint`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import check_choice, check_positive_int, check_real

__all__ = [
    "KERNELS",
    "NEAREST_TIES",
    "Kernel",
    "adaptive_pool",
    "area",
    "box",
    "bspline",
    "cubic",
    "gaussian",
    "get_kernel",
    "hamming",
    "lanczos",
    "linear",
    "mitchell",
    "mks2013",
    "mks2021",
    "nearest",
]

Array = NDArray[np.float64]

#: How ``nearest`` rounds a coordinate exactly halfway between two pixels.
NEAREST_TIES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")

#: Which ends of ``[-radius, radius]`` belong to the support.
EDGES = ("closed", "open", "left_open", "right_open")

#: Floating-point forms of a kernel: ``"default"`` (pixelgrid's), or a library's own
#: expression where its last bits differ (``"pillow"``: Pillow's ``Resample.c``;
#: ``"opencv"``: OpenCV's ``interpolateCubic``/``interpolateLanczos4``, float32 rows).
VARIANTS = ("default", "pillow", "opencv")


@dataclass(frozen=True)
class Kernel:
    """A resampling kernel.

    Attributes
    ----------
    name : str
        Canonical name with parameters, e.g. ``"cubic(a=-0.75)"``.
    radius : Fraction
        Support half-width in kernel units (before antialias stretching).
    fn : callable
        Weight at signed distances ``d`` (float64 array), for ``d`` inside the support.
    edges : str
        Whether the support's ends are included: ``"closed"`` (``[-r, r]``),
        ``"open"`` (``(-r, r)``), ``"left_open"`` (``(-r, r]``), ``"right_open"``
        (``[-r, r)``).  Irrelevant for kernels that vanish at ``±r``.
    tie : str or None
        For ``nearest`` only: the rule for exact ties (see :data:`NEAREST_TIES`).
    footprint : callable or None
        For footprint kernels: builds the concrete kernel for a footprint ``w``
        (input pixels per output pixel).
    params : dict
        The kernel's parameters, for display.
    rows : callable or None
        A library's own float32 evaluation of a whole row of taps: from the
        float32 fractions ``f = x - floor(x)`` (shape ``(m,)``) to the ``(m, 2r)``
        float32 weights of taps ``floor(x) - r + 1 .. floor(x) + r`` (the
        ``variant="opencv"`` kernels; read by ``plan``'s ``window="float32_floor"``).

    """

    name: str
    radius: Fraction
    fn: Callable[[Array], Array] = field(repr=False)
    edges: str = "closed"
    tie: str | None = None
    footprint: Callable[[Fraction], Kernel] | None = field(default=None, repr=False)
    params: dict[str, Any] = field(default_factory=dict)
    rows: Callable[[NDArray[np.float32]], NDArray[np.float32]] | None = field(
        default=None, repr=False)

    def __post_init__(self) -> None:
        # Constructor checks: a user-made Kernel must fail here, with the field named,
        # not deep inside a plan.
        if not isinstance(self.name, str):
            raise TypeError(f"name={self.name!r} must be a string")
        r = self.radius
        if isinstance(r, bool) or not isinstance(r, numbers.Real):
            raise TypeError(f"radius={r!r} must be a real number, got {type(r).__name__}")
        if not (math.isfinite(r) and r > 0):
            raise ValueError(f"radius={r!r} must be finite and > 0")
        if not isinstance(r, Fraction):  # plans compute windows exactly
            object.__setattr__(self, "radius", Fraction(r).limit_denominator(1 << 20)
                               if isinstance(r, float) else Fraction(r))
        if not callable(self.fn):
            raise TypeError(f"fn={self.fn!r} must be callable (distances -> weights)")
        check_choice("edges", self.edges, _EDGES)

    @property
    def is_nearest(self) -> bool:
        """True for the nearest-neighbour kernel (one tap, no weights)."""
        return self.tie is not None

    def at_footprint(self, w: Fraction) -> Kernel:
        """The concrete kernel for an output pixel covering ``w`` input pixels."""
        return self.footprint(w) if self.footprint is not None else self

    def support_mask(self, d: Any) -> NDArray[np.bool_]:
        """True where distances ``d`` lie in the support (its ends as ``edges`` says)."""
        return _inside(np.asarray(d, dtype=np.float64), float(self.radius), self.edges)

    def __call__(self, d: Any) -> Array:
        """Evaluate the weight function at distances ``d`` (zero outside the support)."""
        d = np.asarray(d, dtype=np.float64)
        r = float(self.radius)
        inside = _inside(d, r, self.edges)
        out: Array = np.zeros_like(d)
        out[inside] = self.fn(d[inside])
        return out


_EDGES = ("closed", "open", "left_open", "right_open")


def _inside(d: Array, r: float, edges: str) -> NDArray[np.bool_]:
    lo = d >= -r if edges in ("closed", "right_open") else d > -r
    hi = d <= r if edges in ("closed", "left_open") else d < r
    return np.asarray(lo & hi)


def _ones(d: Array) -> Array:
    return np.ones_like(d)


def nearest(tie: str = "round_prefer_ceil") -> Kernel:
    """Nearest neighbour: copy the input pixel closest to the sample position.

    ``tie`` decides exact halfway positions, exactly (never by float rounding):
    ``"round_prefer_ceil"`` (``floor(x + 0.5)``; PyTorch ``nearest-exact``,
    Pillow), ``"round_prefer_floor"`` (``ceil(x - 0.5)``; ONNX default),
    ``"floor"`` (PyTorch ``nearest``, OpenCV ``INTER_NEAREST`` with the
    asymmetric grid) or ``"ceil"``.

    Examples
    --------
    >>> nearest("floor").name
    'nearest(tie=floor)'

    """
    check_choice("tie", tie, NEAREST_TIES)
    return Kernel(f"nearest(tie={tie})", Fraction(1, 2), _ones, "closed", tie=tie,
                  params={"tie": tie})


def linear() -> Kernel:
    """Triangle ``max(0, 1 - |d|)`` (bilinear / trilinear interpolation).

    Examples
    --------
    >>> linear()([-0.5, 0.0, 0.25]).tolist()
    [0.5, 1.0, 0.75]

    """
    return Kernel("linear", Fraction(1), lambda d: 1.0 - np.abs(d))


def cubic(a: float = -0.5, table: int | None = None, variant: str = "default") -> Kernel:
    """Keys cubic convolution with parameter ``a``.

    ``a = -0.5`` is Keys' (Pillow, TF2, JAX, Catmull-Rom); ``a = -0.75`` is
    PyTorch's and OpenCV's bicubic.  With ``table=N`` the distance is first
    rounded (half to even) to a multiple of ``1/N``, as by a library that
    looks the weights up in an ``N``-entry table (TensorFlow's ``ResizeBicubic``
    uses 1024).  ``variant="pillow"`` evaluates the outer piece as Pillow
    writes it, ``(((x - 5) x + 8) x - 4) a`` (the same polynomial; the last
    bit of some weights differs from the default ``((a x - 5a) x + 8a) x - 4a``).
    ``variant="opencv"`` adds OpenCV's float32 row form (:attr:`Kernel.rows`,
    ``interpolateCubic``): the default forms at ``f + 1``, ``f``, ``1 - f`` in
    float32 and the last tap ``1 - c0 - c1 - c2``.

    Examples
    --------
    >>> cubic(-0.75)([0.5, 1.5]).tolist()
    [0.59375, -0.09375]
    >>> cubic(-0.5, table=4)([0.3]).tolist()  # 0.3 is looked up as 0.25
    [0.8671875]
    >>> cubic(-0.75, variant="opencv").rows(np.float32([0.5])).tolist()
    [[-0.09375, 0.59375, 0.59375, -0.09375]]

    """
    a = check_real("a", a)
    if table is not None:
        table = check_positive_int("table", table)
    check_choice("variant", variant, VARIANTS)
    pillow = variant == "pillow"

    def fn(d: Array) -> Array:
        x = np.abs(d)
        if table is not None:
            # Round the signed distance so every tap of one sample uses the same
            # quantised fraction (round half to even is symmetric and shift-invariant).
            x = np.abs(np.rint(d * table) / table)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        if pillow:
            far = (((x - 5) * x + 8) * x - 4) * a
        else:
            far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.asarray(np.where(x < 1, near, np.where(x < 2, far, 0.0)), dtype=np.float64)

    extra = ("" if table is None else f", table={table}") + (", pillow" if pillow else "")
    params: dict[str, Any] = {"a": a}
    if table is not None:
        params["table"] = table
    if pillow:
        params["variant"] = variant
    if variant == "opencv":
        params["variant"] = variant
        return Kernel(f"cubic(a={a:g}{extra}, opencv)", Fraction(2), fn, params=params,
                      rows=_opencv_cubic_rows(a))
    return Kernel(f"cubic(a={a:g}{extra})", Fraction(2), fn, params=params)


def _opencv_cubic_rows(a: float) -> Callable[[NDArray[np.float32]], NDArray[np.float32]]:
    """OpenCV's ``interpolateCubic`` in float32: four taps from the fraction ``f``."""
    f = np.float32
    a32, one = f(a), f(1)

    def rows(x: NDArray[np.float32]) -> NDArray[np.float32]:
        x = np.asarray(x, dtype=f)
        x1 = x + one
        c0 = ((a32 * x1 - f(5) * a32) * x1 + f(8) * a32) * x1 - f(4) * a32
        c1 = ((a32 + f(2)) * x - (a32 + f(3))) * x * x + one
        y = one - x
        c2 = ((a32 + f(2)) * y - (a32 + f(3))) * y * y + one
        c3 = one - c0 - c1 - c2  # the taps sum to 1 in float32, as OpenCV forces
        return np.stack([c0, c1, c2, c3], axis=1).astype(f)

    return rows


_S45 = 0.70710678118654752440084436210485
#: ``(sin, cos)`` of ``i * 3pi/4``: OpenCV's Lanczos-4 rotates one sine/cosine pair per row.
_LANCZOS4_CS = ((1.0, 0.0), (-_S45, -_S45), (0.0, 1.0), (_S45, -_S45), (-1.0, 0.0),
                (_S45, _S45), (0.0, -1.0), (-_S45, _S45))


def _opencv_lanczos4_rows(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """OpenCV's ``interpolateLanczos4``: double sin/cos, float32 taps scaled to sum 1.

    One ``sin``/``cos`` pair of ``-pi/4 (f + 3)`` per row (libm's, as OpenCV calls
    them: numpy's may differ by an ulp), rotated for the 8 taps; the float32 sum
    is added tap by tap and the taps multiplied by its float32 reciprocal.
    """
    xf = np.asarray(x, dtype=np.float32)
    y0 = (-(xf + np.float32(3)).astype(np.float64) * math.pi * 0.25).tolist()
    s0 = np.array(list(map(math.sin, y0)), dtype=np.float64)
    c0 = np.array(list(map(math.cos, y0)), dtype=np.float64)
    yf = (xf[:, None] + np.float32(3)) - np.arange(8, dtype=np.float32)  # x + 3 - i, float32
    y = -yf.astype(np.float64) * math.pi * 0.25
    cs = np.asarray(_LANCZOS4_CS)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = ((cs[:, 0] * s0[:, None] + cs[:, 1] * c0[:, None]) / (y * y)).astype(np.float32)
    out = np.where(np.abs(yf) >= np.float32(1e-6), c, np.float32(1e30)).astype(np.float32)
    total = np.cumsum(out, axis=1, dtype=np.float32)[:, -1]  # tap by tap, in float32
    inv = (np.float32(1) / total).astype(np.float32)
    return (out * inv[:, None]).astype(np.float32)


def _sinc(x: Array) -> Array:
    return np.sinc(x)  # sin(pi x) / (pi x), exactly 1 at 0


def _lanczos_exact(n: int) -> Callable[[Array], Array]:
    """``sinc(d) sinc(d / n)``, exactly 0 at the non-zero integers.

    ``np.sinc`` gives about ``3e-17`` there (``sin`` of a rounded ``pi k``): a
    tap at an integer distance (an exact hit, ``align_corners``) would weigh
    that instead of 0, so an exact hit would not copy its pixel bit for bit
    and a NaN there would reach outputs that should not read it.
    """
    def fn(d: Array) -> Array:
        d = np.asarray(d, dtype=np.float64)
        v: Array = _sinc(d) * _sinc(d / n)
        return np.where((d != 0) & (d == np.round(d)), 0.0, v)

    return fn


def check_values(k: Kernel, w: Any) -> None:
    """Raise a ValueError naming ``k`` when its weights ``w`` are not all finite.

    A custom kernel returning NaN or inf would otherwise give NaN float
    results and, rounded to fixed point, all-zero integer images.

    Examples
    --------
    >>> check_values(Kernel("bad", Fraction(1), np.sqrt), np.array([np.nan]))
    Traceback (most recent call last):
    ...
    ValueError: kernel 'bad' returned non-finite weights (nan); ...
    """
    w = np.asarray(w)
    bad = ~np.isfinite(w)
    if np.any(bad):
        raise ValueError(
            f"kernel {k.name!r} returned non-finite weights ({float(w[bad].ravel()[0])!r}); "
            "a Kernel's fn must return finite numbers inside its support")


def lanczos(n: int = 3, variant: str = "default") -> Kernel:
    """Lanczos window ``sinc(d) * sinc(d / n)`` for ``|d| < n``.

    ``variant="pillow"`` keeps Pillow's half-open support ``-n <= d < n``: the
    tap at ``d = -n`` gets the tiny product of the two rounded sines (about
    ``1e-33``) instead of 0, which a float32 result can show when every other
    tap reads 0.  ``variant="opencv"`` (``n = 4`` only) adds OpenCV's float32
    row form (:attr:`Kernel.rows`, ``interpolateLanczos4``, normalised to 1).

    Examples
    --------
    >>> float(lanczos(3)(0.0))
    1.0
    >>> float(lanczos(3, "pillow")(-3.0)) != 0.0
    True
    >>> float(lanczos(4, "opencv").rows(np.float32([0.0]))[0, 3])
    1.0

    """
    n = check_positive_int("n", n)
    check_choice("variant", variant, VARIANTS)
    if variant == "opencv":
        if n != 4:
            raise ValueError(f"n={n!r}: variant='opencv' is OpenCV's Lanczos-4 (n=4)")
        return Kernel("lanczos4(opencv)", Fraction(4), lambda d: _sinc(d) * _sinc(d / 4),
                      "open", params={"n": 4, "variant": variant}, rows=_opencv_lanczos4_rows)
    if variant == "pillow":
        return Kernel(f"lanczos{n}(pillow)", Fraction(n), lambda d: _sinc(d) * _sinc(d / n),
                      "right_open", params={"n": n, "variant": variant})
    return Kernel(f"lanczos{n}", Fraction(n), _lanczos_exact(n), "open", params={"n": n})


def box() -> Kernel:
    """Point-sampled box: weight 1 for ``-0.5 < d <= 0.5`` (Pillow ``BOX``).

    With antialias stretching this averages the input pixels whose centres fall
    inside the output pixel; for the exact overlap integral use :func:`area`.

    Examples
    --------
    >>> box()([-0.5, 0.0, 0.5]).tolist()
    [0.0, 1.0, 1.0]

    """
    return Kernel("box", Fraction(1, 2), _ones, "left_open")


def hamming(variant: str = "default") -> Kernel:
    """Hamming-windowed sinc on ``|d| < 1`` (Pillow ``HAMMING``).

    ``variant="pillow"`` uses Pillow's float literals ``0.54f`` and ``0.46f``
    (the float32 values, promoted to double), as ``Resample.c`` does.

    Examples
    --------
    >>> float(hamming()(0.0))
    1.0
    >>> float(hamming("pillow")(0.5)) - float(hamming()(0.5))  # doctest: +ELLIPSIS
    1.3...e-08

    """
    # OpenCV has no Hamming kernel: only the default and Pillow's forms exist
    check_choice("variant", variant, ("default", "pillow"))
    c0, c1 = (float(np.float32(0.54)), float(np.float32(0.46))) if variant == "pillow" else (
        0.54, 0.46)

    def fn(d: Array) -> Array:
        x = np.abs(d) * np.pi
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.sin(x) / x * (c0 + c1 * np.cos(x))
        return np.where(x == 0, 1.0, v)

    if variant == "pillow":
        return Kernel("hamming(pillow)", Fraction(1), fn, "open", params={"variant": variant})
    return Kernel("hamming", Fraction(1), fn, "open")


def mks2013() -> Kernel:
    """Magic Kernel Sharp 2013 (Costella), support ``|d| < 2.5`` (Pillow ``MKS2013``).

    ``1.0625 - 1.75 d**2`` for ``|d| < 0.5``, ``(1 - |d|)(1.75 - |d|)`` below
    1.5, ``-0.125 (|d| - 2.5)**2`` below 2.5, evaluated as Pillow 13's
    ``Resample.c`` writes them (squares first), so its weights match to the last bit.

    Examples
    --------
    >>> mks2013()([0.0, 1.0, 2.0]).tolist()
    [1.0625, 0.0, -0.03125]

    """

    def fn(d: Array) -> Array:
        x = np.abs(d)
        # Pillow's forms, operation for operation: pow(x, 2) is x * x, computed first
        return np.where(x < 0.5, 1.0625 - 1.75 * (x * x),
                        np.where(x < 1.5, (1.0 - x) * (1.75 - x),
                                 np.where(x < 2.5, -0.125 * ((x - 2.5) * (x - 2.5)), 0.0)))

    return Kernel("mks2013", Fraction(5, 2), fn, "open")


def mks2021() -> Kernel:
    """Magic Kernel Sharp 2021 (Costella), support ``|d| < 4.5`` (Pillow ``MKS2021``).

    Five quadratic pieces on ``|d|`` < 0.5, 1.5, 2.5, 3.5, 4.5, in the
    factored forms of Pillow 13's ``Resample.c`` (squares first), so its
    weights match to the last bit.

    Examples
    --------
    >>> mks2021()([0.0, 2.0, 4.0]).tolist()
    [1.0017361111111112, 0.0, -0.0008680555555555555]

    """

    def fn(d: Array) -> Array:
        x = np.abs(d)
        return np.where(
            x < 0.5, 577.0 / 576.0 - 239.0 / 144.0 * (x * x),
            np.where(x < 1.5, 35.0 / 36.0 * (x - 1.0) * (x - 239.0 / 140.0),
                     np.where(x < 2.5, 1.0 / 6.0 * (x - 2.0) * (65.0 / 24.0 - x),
                              np.where(x < 3.5, 1.0 / 36.0 * (x - 3.0) * (x - 3.75),
                                       np.where(x < 4.5, -1.0 / 288.0 * ((x - 4.5) * (x - 4.5)),
                                                0.0)))))

    return Kernel("mks2021", Fraction(9, 2), fn, "open")


def mitchell(b: float = 1 / 3, c: float = 1 / 3) -> Kernel:
    """Mitchell-Netravali cubic with parameters ``B``, ``C`` (default 1/3, 1/3).

    Examples
    --------
    >>> round(float(mitchell()(0.0)), 6)
    0.888889

    """
    b, c = check_real("b", b), check_real("c", c)

    def fn(d: Array) -> Array:
        x = np.abs(d)
        near = ((12 - 9 * b - 6 * c) * x**3 + (-18 + 12 * b + 6 * c) * x**2 + (6 - 2 * b)) / 6
        far = ((-b - 6 * c) * x**3 + (6 * b + 30 * c) * x**2 + (-12 * b - 48 * c) * x
               + (8 * b + 24 * c)) / 6
        return np.asarray(np.where(x < 1, near, np.where(x < 2, far, 0.0)), dtype=np.float64)

    return Kernel(f"mitchell(b={b:.4g}, c={c:.4g})", Fraction(2), fn, params={"b": b, "c": c})


def gaussian(sigma: float = 0.5, radius: float | None = None) -> Kernel:
    """Gaussian ``exp(-d**2 / (2 sigma**2))`` truncated at ``radius`` (default ``3 sigma``).

    The default (sigma 0.5, radius 1.5) is TensorFlow's ``gaussian`` method.

    Examples
    --------
    >>> gaussian().radius
    Fraction(3, 2)

    """
    if not (check_real("sigma", sigma, finite=False) > 0 and math.isfinite(sigma)):
        raise ValueError(f"sigma={sigma!r} must be finite and > 0")
    r = 3 * sigma if radius is None else check_real("radius", radius, finite=False)
    fr = Fraction(r).limit_denominator(1 << 20) if math.isfinite(r) else Fraction(0)
    if not (math.isfinite(r) and fr > 0):
        name = "radius" if radius is not None else "sigma"
        raise ValueError(f"{name}={radius if radius is not None else sigma!r} gives the "
                         f"radius {r!r}, which must be finite and at least 2**-20")
    return Kernel(f"gaussian(sigma={sigma:g})", fr,
                  lambda d: np.exp(-(d * d) / (2 * sigma * sigma)), "open",
                  params={"sigma": sigma, "radius": r})


def bspline(order: int = 3) -> Kernel:
    """Centred B-spline of degree ``order`` (0..5): SciPy ``ndimage`` spline kernels.

    ``beta_n(d) = sum_i (-1)**i C(n+1, i) ((n+1)/2 - |d| - i)**n / n!`` over
    the terms with a positive base; the support is ``|d| < (n+1)/2``.  Order 0
    is the box ``-1/2 < d <= 1/2`` (a sample halfway between two pixels takes
    the right one, as ``floor(x + 1/2)`` does), order 1 is :func:`linear`.
    Interpolating with an order >= 2 B-spline needs the samples turned into
    spline coefficients first (a prefilter, see :mod:`pixelgrid.compat.scipy`);
    applied directly it smooths.

    Examples
    --------
    >>> bspline(3)([0.0, 1.0, 2.0]).round(6).tolist()
    [0.666667, 0.166667, 0.0]
    >>> bspline(2)([0.0, 0.5, 1.0]).tolist()
    [0.75, 0.5, 0.125]

    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 0 <= order <= 5:
        raise ValueError(f"order={order!r} is not valid; expected an integer in 0..5")
    n = int(order)
    if n == 0:
        return Kernel("bspline0", Fraction(1, 2), _ones, "left_open", params={"order": 0})
    half = (n + 1) / 2
    coef = [(-1) ** i * math.comb(n + 1, i) / math.factorial(n) for i in range(n + 2)]

    def fn(d: Array) -> Array:
        # Sum from the outer end of the support, where the terms are small,
        # so the far tail is not the difference of large numbers.
        x = half - np.abs(d)
        out = np.zeros_like(x)
        for i, c in enumerate(coef):
            base = x - i
            out += np.where(base > 0, c * np.maximum(base, 0.0) ** n, 0.0)
        return out

    return Kernel(f"bspline{n}", Fraction(n + 1, 2), fn, "open", params={"order": n})


def area() -> Kernel:
    """Exact area overlap: each input pixel weighs by how much of it the output pixel covers.

    For an output pixel covering ``w`` input pixels, the weight of input pixel
    ``j`` is the length of ``[j - 1/2, j + 1/2]`` inside ``[x - w/2, x + w/2]``
    (a trapezoid in ``d``), normalised.  This is TensorFlow and JAX ``area``
    and OpenCV ``INTER_AREA`` when downsampling; it is already an antialiasing
    filter, so the ``antialias`` option does not stretch it.

    Examples
    --------
    >>> from fractions import Fraction
    >>> area().at_footprint(Fraction(3, 2))([0.0, 1.0]).tolist()
    [1.0, 0.25]

    """

    def make(w: Fraction) -> Kernel:
        half = float(w) / 2

        def fn(d: Array) -> Array:
            overlap = np.minimum(d + 0.5, half) - np.maximum(d - 0.5, -half)
            return np.asarray(np.maximum(0.0, overlap), dtype=np.float64)

        return Kernel(f"area(w={float(w):.6g})", (1 + w) / 2, fn, params={"footprint": w})

    return Kernel("area", Fraction(1), _ones, footprint=make)


def adaptive_pool() -> Kernel:
    """Uniform average over every input pixel the output pixel touches.

    Output pixel ``o`` averages input pixels ``floor(o * in / out)`` to
    ``ceil((o + 1) * in / out) - 1``: PyTorch ``area`` (adaptive average
    pooling).  Equals :func:`area` for integer downsampling factors.

    Examples
    --------
    >>> adaptive_pool().name
    'adaptive_pool'

    """

    def make(w: Fraction) -> Kernel:
        return Kernel(f"adaptive_pool(w={float(w):.6g})", (1 + w) / 2, _ones, "open",
                      params={"footprint": w})

    return Kernel("adaptive_pool", Fraction(1), _ones, footprint=make)


KERNELS: dict[str, Callable[[], Kernel]] = {
    "nearest": nearest,
    "linear": linear,
    "cubic": cubic,
    "lanczos2": lambda: lanczos(2),
    "lanczos3": lambda: lanczos(3),
    "lanczos4": lambda: lanczos(4),
    "lanczos5": lambda: lanczos(5),
    "box": box,
    "area": area,
    "adaptive_pool": adaptive_pool,
    "hamming": hamming,
    "mks2013": mks2013,
    "mks2021": mks2021,
    "mitchell": mitchell,
    "gaussian": gaussian,
    "bspline": bspline,
}

_ALIASES = {
    "bilinear": "linear",
    "trilinear": "linear",
    "triangle": "linear",
    "bicubic": "cubic",
    "tricubic": "cubic",
    "lanczos": "lanczos3",
}


def get_kernel(kernel: str | Kernel) -> Kernel:
    """Return a :class:`Kernel` from a name (or pass a Kernel through).

    Names: ``nearest``, ``linear`` (``bilinear``, ``trilinear``), ``cubic``
    (Keys a=-0.5; ``bicubic``), ``lanczos2``..``lanczos5`` (``lanczos`` = 3),
    ``box``, ``area``, ``adaptive_pool``, ``hamming``, ``mks2013``, ``mks2021``,
    ``mitchell``, ``gaussian``,
    ``bspline`` (cubic B-spline; :func:`bspline` for orders 0..5).
    Use the factory functions for other parameters, e.g. ``cubic(a=-0.75)``.

    Examples
    --------
    >>> get_kernel("bicubic").name
    'cubic(a=-0.5)'

    """
    if isinstance(kernel, Kernel):
        return kernel
    if isinstance(kernel, str):
        name = _ALIASES.get(kernel, kernel)
        if name in KERNELS:
            return KERNELS[name]()
    raise ValueError(
        f"kernel={kernel!r} is not valid; expected a Kernel or one of "
        f"{sorted(set(KERNELS) | set(_ALIASES))}"
    )


def with_tie(kernel: Kernel, tie: str) -> Kernel:
    """Return a nearest kernel with another tie rule (others unchanged)."""
    check_choice("tie", tie, NEAREST_TIES)
    return replace(kernel, name=f"nearest(tie={tie})", tie=tie, params={"tie": tie})
