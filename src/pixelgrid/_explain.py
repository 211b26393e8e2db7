"""Explain a resize: where every output sample comes from, in words, numbers and figures.

:func:`explain` takes a resize described either with pixelgrid's own options
(the arguments of :func:`pixelgrid.resize`, with the input shape instead of an
array) or as another library's call (``like="torch", mode="bilinear", ...``),
builds the per-axis plans exactly as the resize itself would, and returns an
:class:`Explanation`.  Everything it prints or draws is read from those plans:
the coordinate map ``x_in = a * x_out + b`` is the plan's exact
:class:`~pixelgrid.Affine`, and the table of taps and weights is the plan's
sparse matrix.

Libraries plug in through a small registry (:data:`LIKE`,
:func:`register_like`): a name mapped to a function
``fn(shape, size=None, **options) -> [(axis, AxisPlan), ...]`` where ``shape``
is the spatial shape (no batch or channel axes) and ``axis`` indexes it.
``torch``, ``tensorflow`` and ``jax`` are built in; ``opencv``, ``pillow``,
``onnx``, ``scipy``, ``skimage``, ``matlab`` and ``tensorflow.v1`` are looked
up lazily in their ``pixelgrid.compat`` module (a function named
``like_plans``, or the one :data:`_LAZY_LIKE` names, with that signature) the
first time they are asked for.  ``size`` is always in array order (``(H, W)``
for an image), whatever order the library's own size argument uses
(OpenCV's ``dsize`` and Pillow's ``size`` are ``(W, H)``).

Library keywords, per name: ``torch``: ``interpolate``'s (``mode``,
``scale_factor``, ``align_corners``, ``antialias``, ...); ``tensorflow``:
``tf.image.resize``'s (``method``, ``antialias``, ``preserve_aspect_ratio``);
``tensorflow.v1``: ``op`` (``bilinear``, ``nearest``, ``bicubic``, ``area``:
``tf.compat.v1.image.resize_<op>``), ``align_corners``,
``half_pixel_centers``; ``jax``: ``method``, ``antialias``; ``opencv``:
``dsize``, ``fx``, ``fy``, ``interpolation`` (a flag or its name, e.g.
``"INTER_CUBIC"``); ``pillow``: ``resample`` (a filter or its name), ``box``,
``reducing_gap``; ``onnx``: ``sizes``/``scales``, ``roi`` and the ``Resize``
attributes; ``scipy``: ``ndimage.zoom``'s (``zoom``, ``order``, ``mode``,
``cval``, ``prefilter``, ``grid_mode``); ``skimage``:
``transform.resize``'s (``order``, ``mode``, ``cval``, ``anti_aliasing``,
``anti_aliasing_sigma``, ``clip``); ``matlab``: ``imresize``'s ``scale``,
``method``, ``antialiasing``.

The plans are float plans.  Where a library computes integer data with its
own arithmetic (OpenCV's wide uint8 intermediate, Pillow's 8-bit fixed point,
onnxruntime's truncation, MATLAB's per-pass rounding), the explanation prints
it as an ``integer model`` line; the weights shown are the float ones.

Coordinates are in input pixel-index units: input pixel ``i`` has its centre
at ``i`` and covers ``[i - 1/2, i + 1/2]``.
"""

from __future__ import annotations

import importlib
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arithmetic import EXACT
from ._arrays import FIXED_POINT_DTYPES, own_fixed
from ._grid import Affine
from ._plan import declared_fixed_point
from ._plan_types import AxisPlan
from ._resize import make_plans

__all__ = [
    "LIKE",
    "Explanation",
    "explain",
    "like_plans",
    "plot_grids_side_by_side",
    "register_like",
]

Plans = list[tuple[int, AxisPlan]]

#: The dtypes whose arithmetic :func:`explain` prints by default.
DEFAULT_DTYPES = ("float32", "uint8")
LikeFunction = Callable[..., Plans]

#: Registered library emulations: name -> ``fn(shape, size=None, **options)``.
LIKE: dict[str, LikeFunction] = {}

#: Libraries whose compat module registers itself when first asked for: name ->
#: ``"module"`` (which defines ``like_plans(shape, size=None, **options)``) or
#: ``"module:function"``.
_LAZY_LIKE: dict[str, str] = {
    "opencv": "pixelgrid.compat.opencv",
    "pillow": "pixelgrid.compat.pillow",
    "onnx": "pixelgrid.compat.onnx",
    "scipy": "pixelgrid.compat.scipy",
    "skimage": "pixelgrid.compat.skimage",
    "matlab": "pixelgrid.compat.matlab",
    "tensorflow.v1": "pixelgrid.compat.tensorflow:v1_like_plans",
}
_LIKE_ALIASES = {"cv2": "opencv", "pil": "pillow", "PIL": "pillow", "tf": "tensorflow",
                 "pytorch": "torch", "tf.v1": "tensorflow.v1",
                 "tf.compat.v1": "tensorflow.v1", "ndimage": "scipy",
                 "scipy.ndimage": "scipy", "scikit-image": "skimage", "imresize": "matlab"}


def register_like(name: str, fn: LikeFunction) -> None:
    """Register a library emulation for ``explain(..., like=name)`` and :func:`translate`.

    ``fn(shape, size=None, **options)`` receives the spatial input shape and
    the output size (or the library's own options such as ``scale_factor``)
    and returns ``[(axis, AxisPlan), ...]`` with ``axis`` indexing ``shape``.

    Examples
    --------
    >>> from pixelgrid import make_plans
    >>> register_like("mine", lambda shape, size=None, **kw: make_plans(shape, size, **kw))
    >>> like_plans("mine", (4,), 8)[0][1].out_size
    8

    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name={name!r} must be a non-empty string")
    if not callable(fn):
        raise TypeError(f"fn={fn!r} must be callable")
    LIKE[name] = fn


def _torch_like(shape: tuple[int, ...], /, size: Any = None, **options: Any) -> Plans:
    """``torch.nn.functional.interpolate`` on a ``(1, 1, *shape)`` tensor."""
    from .compat.torch import torch_plans

    return [(ax - 2, p) for ax, p in torch_plans((1, 1, *shape), size, **options)]


def _import_compat(name: str) -> Any:
    try:
        return importlib.import_module(f"pixelgrid.compat.{name}")
    except ImportError as exc:
        raise ValueError(f"like={name!r} needs pixelgrid.compat.{name}, which cannot be "
                         f"imported ({exc})") from None


def _jax_like(shape: tuple[int, ...], /, size: Any = None, **options: Any) -> Plans:
    """``jax.image.resize(x, shape=size, method=..., antialias=...)`` (``size`` = ``shape``)."""
    if "shape" in options:
        size = options.pop("shape")
    plans: Plans = _import_compat("jax").jax_plans(shape, size, **options)
    return plans


def _tensorflow_like(shape: tuple[int, ...], /, size: Any = None, **options: Any) -> Plans:
    """``tf.image.resize`` of a ``(1, *shape, 1)`` tensor (2-D ``shape`` only)."""
    if len(shape) != 2:
        raise ValueError(f"tf.image.resize resizes 2-D images; got spatial shape {shape}")
    plans = _import_compat("tensorflow").tf_plans((1, *shape, 1), size, **options)
    return [(ax - 1, p) for ax, p in plans]


register_like("torch", _torch_like)
register_like("jax", _jax_like)
register_like("tensorflow", _tensorflow_like)


def _resolve_like(like: str) -> LikeFunction:
    if not isinstance(like, str):
        raise TypeError(f"like={like!r} must be a library name (str)")
    name = _LIKE_ALIASES.get(like, like)
    if name in LIKE:
        return LIKE[name]
    if name in _LAZY_LIKE:
        module_name, _, attr = _LAZY_LIKE[name].partition(":")
        attr = attr or "like_plans"
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ValueError(
                f"like={like!r} needs {module_name}, which cannot be imported ({exc}); "
                f"available now: {sorted(LIKE)}"
            ) from None
        fn = getattr(module, attr, None)
        if not callable(fn):
            raise ValueError(
                f"like={like!r}: {module_name} defines no {attr}(shape, size, **options); "
                f"available now: {sorted(LIKE)}"
            )
        LIKE[name] = fn
        return fn  # type: ignore[no-any-return]
    raise ValueError(
        f"like={like!r} is not valid; expected one of {sorted(set(LIKE) | set(_LAZY_LIKE))}"
    )


def _shape(name: str, value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, (tuple, list)) else (value,)
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or int(v) < 1:
            raise TypeError(f"{name}={value!r} must be a positive integer or a tuple of them")
        out.append(int(v))
    if not out:
        raise ValueError(f"{name}={value!r} is empty; give at least one axis")
    return tuple(out)


def like_plans(like: str, shape: Any, /, *args: Any, **options: Any) -> Plans:
    """Plans of a library call, by registry name: ``like_plans("torch", (4, 4), (8, 8), ...)``.

    Examples
    --------
    >>> [p.out_size for _, p in like_plans("torch", (4,), 8, mode="linear")]
    [8]

    """
    fn = _resolve_like(like)
    return fn(_shape("shape", shape), *args, **options)


@dataclass(frozen=True)
class AxisRow:
    """One line of an axis table: output index, source coordinate, taps and weights."""

    out: int
    coord: float
    taps: tuple[tuple[int, float], ...]
    fill: float


@dataclass(frozen=True)
class Explanation:
    """What a resize does, per axis, read from its plans.

    ``str(explanation)`` prints, per resampled axis, the exact coordinate map,
    the output-size rule, the kernel, antialias and boundary, and a table of
    output index, source coordinate, taps and weights.  :meth:`plot_grids`,
    :meth:`plot_sampling` and :meth:`plot_matrix` draw it (needs matplotlib).

    Attributes
    ----------
    in_shape, out_shape : tuple of int
        Input and output shape (spatial axes only for ``like=`` calls).
    plans : list of (int, AxisPlan)
        The plans, in the order the resize applies them.
    call : str
        The call being explained, as text.
    size_rules : dict
        Per axis, how the output length was obtained.
    max_rows : int
        Table rows printed per axis before the middle is elided.
    dtypes : tuple of str
        The input dtypes whose arithmetic each axis block prints (see
        :meth:`arithmetic`).
    like : str or None
        The library explained (``None``: pixelgrid's own resize, whose integer
        data gets pixelgrid's fixed-point weights, :func:`pixelgrid._plan.default_bits`).

    """

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    plans: Plans
    call: str
    size_rules: dict[int, str] = field(default_factory=dict)
    max_rows: int = 12
    dtypes: tuple[str, ...] = DEFAULT_DTYPES
    like: str | None = None

    # -- numbers -----------------------------------------------------------------------------
    def plan(self, axis: int | None = None) -> AxisPlan:
        """The plan of ``axis`` (default: the last resampled axis, e.g. the width)."""
        if not self.plans:
            raise ValueError("this resize changes no axis; there is no plan to show")
        if axis is None:
            return max(self.plans, key=lambda t: t[0])[1]
        for ax, p in self.plans:
            if ax == axis:
                return p
        raise ValueError(
            f"axis={axis!r} is not resampled; resampled axes: {sorted(a for a, _ in self.plans)}"
        )

    def affine(self, axis: int | None = None) -> Affine:
        """The exact coordinate map of ``axis`` (``x_in = a * x_out + b``)."""
        return _affine_of(self.plan(axis))

    def rows(self, axis: int | None = None) -> list[AxisRow]:
        """Every output sample of ``axis``: coordinate and non-zero taps, from the plan."""
        p = self.plan(axis)
        out = []
        for o in range(p.out_size):
            taps = tuple((int(j), float(w)) for j, w in zip(p.index[o], p.weight[o], strict=True)
                         if w != 0)
            out.append(AxisRow(o, float(p.coord[o]), taps, float(p.fill[o])))
        return out

    def arithmetic(self, axis: int | None = None, dtype: Any = "uint8") -> str:
        """How ``axis`` computes data of ``dtype``, read from its plan.

        The plan's :class:`~pixelgrid.Arithmetic` record (positions, weights,
        normalisation; for integers the intermediate and the store) and, for
        integer data resampled in fixed point, the plan's fixed-point facts:
        the weight bits, whether rows sum exactly to one and the rounding of
        ``(acc + offset) >> bits``.  pixelgrid's own resize (no ``like``)
        gets the fixed-point weights the engines attach to 8- and 16-bit data.

        Examples
        --------
        >>> e = explain(4, 8, kernel="linear")
        >>> e.arithmetic(dtype="float32")
        'float32: positions exact; weights float64, normalised'
        >>> e.arithmetic(dtype="uint8")  # one pass: no intermediate
        'uint8: 14-bit weights, rows summing exactly to 2**14; store round half up'

        """
        self.plan(axis)  # checks axis
        ax = axis if axis is not None else max(a for a, _ in self.plans)
        dt = np.dtype(dtype)
        return _arithmetic_text(self._integer_plan(ax, dt), dt, own=self.like is None,
                                passes=self._passes())

    def _passes(self) -> int:
        """How many axes are resampled with weights (the others are copies)."""
        return sum(not p.is_gather for _, p in self.plans)

    def _integer_plan(self, axis: int, dt: np.dtype[Any]) -> AxisPlan:
        """The plan of ``axis`` as the engines run it on ``dt`` data.

        pixelgrid's own resize gets its integer model from the whole resize
        (:func:`pixelgrid._arrays.own_fixed`, as ``run_plans`` attaches it); a
        library's plans carry their own or declare a rule (``Arithmetic.fixed_point``).
        """
        if dt.name not in FIXED_POINT_DTYPES:
            return self.plan(axis)
        if self.like is not None:  # a library's own weights, or the rule its plans declare
            p = self.plan(axis)
            return (p if p.fixed is not None or p.is_gather or p.arithmetic.fixed_point == "own"
                    else declared_fixed_point(p))
        return dict(own_fixed(self.plans, dt))[axis]

    # -- text --------------------------------------------------------------------------------
    def describe_axis(self, axis: int) -> str:
        """The text block of one axis (part of ``str(self)``)."""
        p = self.plan(axis)
        aff = _affine_of(p)
        info = p.info
        stretch = Fraction(info.get("stretch", 1))
        aa = "on" if info.get("antialias") else "off"
        if stretch > 1:
            aa += f" (kernel stretched x{_num(stretch)}: downsampling)"
        elif info.get("antialias"):
            aa += " (no effect: not downsampling)"
        lines = [
            f"axis {axis}: {p.in_size} -> {p.out_size}",
            f"  coordinate map  {aff.describe()}   [{aff.name}; input pixel i has its centre "
            f"at i]",
            f"                  exact: a = {aff.a}, b = {aff.offset}",
            f"  output size     {self.size_rules.get(axis, f'{p.out_size} (given)')}",
            f"  kernel          {info.get('kernel', '?')}",
            f"  antialias       {aa}",
            f"  boundary        {info.get('boundary', '?')}",
        ]
        for i, name in enumerate(self.dtypes):
            dt = np.dtype(name)
            text = _arithmetic_text(self._integer_plan(axis, dt), dt, own=self.like is None,
                                    words="integer_model" not in info, passes=self._passes())
            if text:
                lines.append(("  arithmetic      " if i == 0 else " " * 18) + text)
        if aff.valid is not None:
            lo, hi = aff.valid
            lines.append(f"  valid range     [{lo}, {hi}] (outside: fill value {p.fill_value:g})")
        if info.get("note"):
            lines.append(f"  note            {info['note']}")
        if "quirk" in info:
            lines.append(f"  quirk           {info['quirk']}")
        if "integer_model" in info:
            lines.append(f"  integer model   {info['integer_model']} (not in the float "
                         f"weights below)")
        lines.append("    out   source x   taps (input index: weight)")
        rows = self.rows(axis)
        if len(rows) > self.max_rows:
            head = self.max_rows // 2
            shown: list[AxisRow | None] = [*rows[:head], None, *rows[-(self.max_rows - head):]]
        else:
            shown = list(rows)
        for r in shown:
            if r is None:
                lines.append(f"    ... ({len(rows) - self.max_rows} row(s) not shown)")
                continue
            taps = r.taps if len(r.taps) <= 8 else r.taps[:8]
            text = ", ".join(f"{j}: {w:.6g}" for j, w in taps)
            if len(r.taps) > 8:
                text += f", ... ({len(r.taps) - 8} more)"
            if r.fill:
                text += f", fill: {r.fill:.6g}"
            lines.append(f"    {r.out:>3}  {r.coord:>9.6g}   {text}")
        return "\n".join(lines)

    def __str__(self) -> str:
        head = [f"{self.call}", f"input {self.in_shape} -> output {self.out_shape}"]
        if not self.plans:
            return "\n".join([*head, "no axis changes: the output is a copy of the input"])
        blocks = [self.describe_axis(ax) for ax, _ in sorted(self.plans, key=lambda t: t[0])]
        order = self.pass_order()
        line = "passes (in order): axis " + ", ".join(map(str, order))
        # pixelgrid's own 8/16-bit model runs its weighted passes innermost axis first
        other = [np.dtype(d).name for d in self.dtypes if self.pass_order(d) != order]
        if other:
            line += (f"; {', '.join(other)}: axis "
                     + ", ".join(map(str, self.pass_order(other[0])))
                     + " (wide integer model: innermost axis first)")
        return "\n".join([*head, line, *blocks])

    def pass_order(self, dtype: Any = None) -> list[int]:
        """The axes in the order the engines apply them to ``dtype`` data (default: float).

        Plans run in the order given, except under pixelgrid's own integer model
        (``like=None``, 8/16-bit data): two or more weighted passes run innermost axis
        first (:func:`pixelgrid._arrays.own_fixed`, as ``run_plans`` applies them).

        Examples
        --------
        >>> e = explain((4, 6), (8, 12))
        >>> e.pass_order(), e.pass_order("uint8")
        ([0, 1], [1, 0])
        """
        if dtype is not None and self.like is None:
            dt = np.dtype(dtype)
            if dt.name in FIXED_POINT_DTYPES:
                return [ax for ax, _ in own_fixed(self.plans, dt)]
        return [ax for ax, _ in self.plans]

    def __repr__(self) -> str:
        return f"<Explanation {self.call}: {self.in_shape} -> {self.out_shape}>"

    # -- figures -----------------------------------------------------------------------------
    def plot_grids(self, path: Any = None, *, ax: Any = None, title: str | None = None) -> Any:
        """Draw input and output pixel cells and centres on one extent (input coordinates).

        Input pixels are grey cells with black centres; output samples are red
        dots at their source coordinates, with red cells of the output pixel
        footprint (``|a|`` input pixels wide) around them.  With
        ``align_corners=False`` the outer edges coincide; with
        ``align_corners=True`` the corner centres do.

        Parameters
        ----------
        path : str or PathLike, optional
            Save the figure there (PNG, SVG, PDF by extension).
        ax : matplotlib Axes, optional
            Draw into it instead of a new figure.
        title : str, optional
            Panel title (default: the grid convention and sizes).

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> fig = explain((4, 4), (8, 8), align_corners=True).plot_grids()  # doctest: +SKIP

        """
        fig, axes = _figure(ax, 1, (5.0, 5.0) if len(self.in_shape) > 1 else (7.0, 2.2))
        _draw_grids(self, axes, title)
        return _finish(fig, path)

    def plot_sampling(
        self, path: Any = None, *, axis: int | None = None, outputs: Sequence[int] | None = None,
        ax: Any = None,
    ) -> Any:
        """Draw one axis: where each output sample reads, and its tap weights as stems.

        The upper band links each output index (bottom row) to its source
        coordinate on the input axis (top row); below, the weights of a few
        output samples (``outputs``, default up to six spread over the axis)
        are drawn as stems at the input pixels they read.

        Returns
        -------
        matplotlib.figure.Figure

        """
        p = self.plan(axis)
        fig, axes = _figure(ax, 2, (8.0, 5.0))
        _draw_sampling(p, axes, outputs)
        return _finish(fig, path)

    def plot_matrix(self, path: Any = None, *, axis: int | None = None, ax: Any = None) -> Any:
        """Draw the dense ``(out, in)`` weight matrix of one axis (blue negative, red positive).

        Returns
        -------
        matplotlib.figure.Figure

        """
        p = self.plan(axis)
        fig, axes = _figure(ax, 1, (5.0, 5.0))
        m = p.matrix()
        a = axes[0]
        lim = float(np.max(np.abs(m))) or 1.0
        im = a.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest",
                      aspect="auto")
        a.set_xlabel("input index")
        a.set_ylabel("output index")
        a.set_title(f"weights {p.in_size} -> {p.out_size}: {p.info.get('kernel', '')}, "
                    f"{_affine_of(p).name}", fontsize=9)
        if m.size <= 400:
            for (i, j), v in np.ndenumerate(m):
                if v != 0:
                    a.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6)
        a.figure.colorbar(im, ax=a, shrink=0.8)
        from matplotlib.ticker import MaxNLocator

        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.yaxis.set_major_locator(MaxNLocator(integer=True))
        return _finish(fig, path)


def _arithmetic_text(p: AxisPlan, dt: np.dtype[Any], *, own: bool = False,
                     words: bool = True, passes: int = 2) -> str:
    """One line: the arithmetic of plan ``p`` on ``dt`` data (see :meth:`Explanation.arithmetic`).

    For integer data, ``p`` is the plan the engines run (with its fixed-point
    weights, if any); ``own`` says it is pixelgrid's own resize; with one
    weighted pass (``passes``) there is no intermediate to describe.  With
    ``words=False`` an integer dtype without fixed-point weights gives ``""``:
    the library describes its integer model in ``info["integer_model"]``.
    """
    rec = p.arithmetic
    if dt.kind not in "iuf":
        raise TypeError(f"dtype={dt} is not supported; expected an integer or float dtype")
    if dt.kind == "f":
        return f"{dt.name}: {rec.describe(dt)}"
    if p.is_gather:
        return f"{dt.name}: copies of input pixels (no arithmetic)"
    fp = p.fixed
    if fp is None:
        if not words:
            return ""
        if own:  # the engines' float path for int32/uint32: one rounding at the end
            return (f"{dt.name}: computed in float64 over every axis, stored once, "
                    f"round {rec.store.replace('_', ' ')}")
        if (rec.intermediate, rec.store) == (EXACT.intermediate, EXACT.store):
            return f"{dt.name}: no integer arithmetic declared on the plans"
        full, base = rec.describe(dt), rec.describe()
        tail = full[len(base):].lstrip("; ") if full.startswith(base) else full
        return f"{dt.name}: float arithmetic as above; {tail}"
    exact = fp.weights.sum(axis=1) + fp.fill
    target = np.floor((p.weight.sum(axis=1) + p.fill) * 2.0**fp.bits + 0.5)
    parts = [f"{fp.bits}-bit weights" + (f", rows summing exactly to 2**{fp.bits}"
                                         if np.array_equal(exact, target) else "")]
    if passes > 1:
        parts.append("intermediate " + {"wide": "wide, rounded once",
                                         "unshifted": "exact integer sums, rounded once",
                                         }.get(rec.intermediate, "rounded to the dtype per axis"))
    if fp.offset == 1 << (fp.bits - 1):
        parts.append("store round half up")
    elif fp.offset == 0:
        parts.append("store round down")
    else:
        parts.append(f"store (acc + {fp.offset}) >> {fp.bits}")
    return f"{dt.name}: " + "; ".join(parts)


def _num(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{float(q):.6g}"


def _affine_of(p: AxisPlan) -> Affine:
    aff = p.info.get("affine")
    if isinstance(aff, Affine):
        return aff
    # A plan made elsewhere without its map: recover it from the coordinates (exact
    # enough to print; explain's own plans always carry the Affine).
    x = p.coord
    a = Fraction(float(x[1] - x[0])) if p.out_size > 1 else Fraction(0)
    return Affine(a.limit_denominator(1 << 20), Fraction(0),
                  Fraction(float(x[0])).limit_denominator(1 << 20), "recovered")


def _size_rules(shape: tuple[int, ...], plans: Plans, options: dict[str, Any],
                size: Any, like: str | None) -> dict[int, str]:
    rules = {}
    scale = options.get("scale_factor" if like else "scale")
    rounding = "floor" if like else options.get("size_rounding", "floor")
    for ax, p in plans:
        if size is not None:
            rules[ax] = f"{p.out_size} (given)"
        elif scale is not None:
            s = scale[ax] if isinstance(scale, (tuple, list)) and ax < len(scale) else scale
            rules[ax] = f"{rounding}({p.in_size} * {s}) = {p.out_size}"
        else:
            rules[ax] = f"{p.out_size}"
    return rules


def _format_call(like: str | None, shape: Any, size: Any, options: dict[str, Any]) -> str:
    args = [repr(shape)] + ([repr(size)] if size is not None else [])
    args += [f"{k}={v!r}" for k, v in options.items()]
    if like:
        args.append(f"like={like!r}")
    return f"explain({', '.join(args)})"


def explain(shape: Any, size: Any = None, *, like: str | None = None, dtype: Any = None,
            **options: Any) -> Explanation:
    """Explain a resize: per axis, the exact coordinate map, kernel, boundary, taps and weights.

    Parameters
    ----------
    shape : int or tuple of int
        Input length (1-D) or shape.  With ``like=``, the spatial shape only
        (``(H, W)`` for an image; no batch or channel axes).
    size : int or tuple of int, optional
        Output length or shape, as for :func:`pixelgrid.resize` (or the
        library's ``size``).  Omit it and give ``scale=`` (or the library's
        ``scale_factor=``) instead.
    like : str, optional
        Explain another library's call instead of pixelgrid options, e.g.
        ``like="torch", mode="bilinear", align_corners=True`` (see :data:`LIKE`).
    **options
        Without ``like``: the options of :func:`pixelgrid.resize` (``kernel``,
        ``grid``, ``align_corners``, ``antialias``, ``boundary``, ``scale``, ...).
        With ``like``: the library's own keyword arguments.
    dtype : dtype or sequence of dtypes, optional
        The input dtype(s) whose arithmetic model each axis prints (positions,
        weights, and for integers the fixed-point weights, intermediate and
        store).  Default: ``float32`` and ``uint8``.

    Returns
    -------
    Explanation

    Examples
    --------
    >>> e = explain(2, 4, antialias=False)
    >>> print(e.affine().describe())
    x_in = 0.5 * x_out - 0.25
    >>> [r.coord for r in e.rows()]
    [-0.25, 0.25, 0.75, 1.25]
    >>> e = explain((4, 4), (8, 8), like="torch", mode="bilinear", align_corners=True)
    >>> float(e.affine().a)  # 3/7, as torch holds it  # doctest: +ELLIPSIS
    0.428571...

    """
    shp = _shape("shape", shape)
    if like is not None:
        plans = like_plans(like, shp, size, **options)
    else:
        if size is not None and not isinstance(size, (tuple, list)) and len(shp) > 1:
            size = (size,) * len(shp)
        plans = make_plans(shp, size, **options)
    out = list(shp)
    for ax, p in plans:
        if not 0 <= ax < len(shp):
            raise ValueError(f"plan axis {ax} is outside the shape {shp}")
        out[ax] = p.out_size
    return Explanation(shp, tuple(out), plans, _format_call(like, shape, size, options),
                       _size_rules(shp, plans, options, size, like),
                       dtypes=_dtypes(dtype), like=like)


def _dtypes(dtype: Any) -> tuple[str, ...]:
    if dtype is None:
        return DEFAULT_DTYPES
    items = list(dtype) if isinstance(dtype, (list, tuple)) else [dtype]
    out = []
    for d in items:
        try:
            dt = np.dtype(d)
        except TypeError:
            raise TypeError(f"dtype={dtype!r} is not a dtype (e.g. 'uint8', 'float32')") from None
        if dt.kind not in "iuf":
            raise TypeError(f"dtype={dtype!r}: {dt} is not an integer or float dtype")
        out.append(dt.name)
    return tuple(out)


# -- drawing helpers -----------------------------------------------------------------------

def _require_matplotlib() -> Any:
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib, which is not installed; "
            "install it with: pip install 'pixelgrid[plot]'"
        ) from None
    del matplotlib
    return Figure


def _figure(ax: Any, n: int, size: tuple[float, float]) -> tuple[Any, list[Any]]:
    figure_cls = _require_matplotlib()
    if ax is not None:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) < n:
            raise ValueError(f"ax= needs {n} Axes for this plot, got {len(axes)}")
        return axes[0].figure, axes
    fig = figure_cls(figsize=size, layout="constrained")
    if n == 1:
        return fig, [fig.add_subplot(1, 1, 1)]
    return fig, [fig.add_subplot(n, 1, i + 1) for i in range(n)]


def _finish(fig: Any, path: Any) -> Any:
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def _cells_1d(p: AxisPlan | None, n: int) -> tuple[NDArray[np.float64], float]:
    """Output sample coordinates and the footprint width of one output pixel."""
    if p is None:
        return np.arange(n, dtype=np.float64), 1.0
    aff = _affine_of(p)
    width = abs(float(aff.a)) if aff.a != 0 else p.in_size / p.out_size
    return p.coord, width


def _draw_grids(e: Explanation, axes: list[Any], title: str | None) -> None:
    from matplotlib.patches import Rectangle

    a = axes[0]
    by_axis = dict(e.plans)
    two_d = len(e.in_shape) > 1
    # Draw the last two axes (rows, columns) of an N-D shape; a 1-D shape as one strip.
    ay, ax_ = (len(e.in_shape) - 2, len(e.in_shape) - 1) if two_d else (None, 0)
    xs, wx = _cells_1d(by_axis.get(ax_), e.out_shape[ax_])
    if ay is not None:
        ys, wy = _cells_1d(by_axis.get(ay), e.out_shape[ay])
        n_in_y = e.in_shape[ay]
    else:
        ys, wy, n_in_y = np.zeros(1), 1.0, 1
    n_in_x = e.in_shape[ax_]
    for i in range(n_in_y):
        for j in range(n_in_x):
            a.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#dddddd",
                                  edgecolor="black", linewidth=1.6))
    for y in ys:
        for x in xs:
            a.add_patch(Rectangle((x - wx / 2, y - wy / 2), wx, wy, fill=False,
                                  edgecolor="tab:red", linewidth=0.8, linestyle="--"))
    gy, gx = np.meshgrid(np.arange(n_in_y), np.arange(n_in_x), indexing="ij")
    a.plot(gx.ravel(), gy.ravel(), "o", color="black", markersize=7, label="input pixel centres")
    oy, ox = np.meshgrid(ys, xs, indexing="ij")
    a.plot(ox.ravel(), oy.ravel(), "o", color="tab:red", markersize=3.5,
           label="output samples")
    lo_x = min(-0.5, float(np.min(xs)) - wx / 2) - 0.3
    hi_x = max(n_in_x - 0.5, float(np.max(xs)) + wx / 2) + 0.3
    lo_y = min(-0.5, float(np.min(ys)) - wy / 2) - 0.3
    hi_y = max(n_in_y - 0.5, float(np.max(ys)) + wy / 2) + 0.3
    a.set_xlim(lo_x, hi_x)
    a.set_ylim(hi_y, lo_y)  # image convention: row 0 at the top
    a.set_aspect("equal")
    a.set_xlabel("x (input pixel index)")
    if two_d:
        a.set_ylabel("y (input pixel index)")
    else:
        a.set_yticks([])
    p = by_axis.get(ax_)
    name = _affine_of(p).name if p is not None else "unchanged"
    shape_in = "x".join(str(s) for s in e.in_shape[-2:])
    shape_out = "x".join(str(s) for s in e.out_shape[-2:])
    a.set_title(title or f"{name}: {shape_in} -> {shape_out}", fontsize=10)
    if two_d:
        a.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
                 frameon=False)
    else:  # a strip is short: below it the legend would cover the axis label
        a.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)


def _draw_sampling(p: AxisPlan, axes: list[Any], outputs: Sequence[int] | None) -> None:
    top, bottom = axes[0], axes[1]
    aff = _affine_of(p)
    n_in, n_out = p.in_size, p.out_size
    # Upper band: output index o (y=0, drawn in output units scaled onto the input extent)
    # linked to its source coordinate on the input axis (y=1).
    extent_lo, extent_hi = -0.5, n_in - 0.5
    pos_out = extent_lo + (np.arange(n_out) + 0.5) * (extent_hi - extent_lo) / n_out
    for o in range(n_out):
        top.plot([pos_out[o], p.coord[o]], [0, 1], color="tab:red", linewidth=0.8, alpha=0.7)
    top.plot(np.arange(n_in), np.ones(n_in), "o", color="black", markersize=6,
             label="input pixel centres (index)")
    top.plot(p.coord, np.ones(n_out), "|", color="tab:red", markersize=14,
             label="source coordinates")
    top.plot(pos_out, np.zeros(n_out), "s", color="tab:red", markersize=4,
             label="output pixels (evenly spread)")
    top.axvline(extent_lo, color="grey", linewidth=0.5)
    top.axvline(extent_hi, color="grey", linewidth=0.5)
    top.set_yticks([0, 1], ["output", "input"])
    top.set_ylim(-0.3, 1.3)
    top.set_title(f"{aff.describe()}  [{aff.name}], {n_in} -> {n_out}", fontsize=9)
    top.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    chosen = list(outputs) if outputs is not None else sorted(
        {round(float(v)) for v in np.linspace(0, n_out - 1, min(n_out, 6))})
    for o in chosen:
        if not 0 <= o < n_out:
            raise ValueError(f"outputs={outputs!r}: index {o} is outside 0..{n_out - 1}")
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink",
              "tab:olive", "tab:cyan"]
    # small sideways offsets so stems of different outputs at one pixel stay readable
    width = 0.3 / max(len(chosen), 1)
    for k, o in enumerate(chosen):
        c = colors[k % len(colors)]
        shift = (k - (len(chosen) - 1) / 2) * width
        j = p.index[o]
        w = p.weight[o]
        keep = w != 0
        bottom.vlines(j[keep] + shift, 0, w[keep], color=c, linewidth=2)
        bottom.plot(j[keep] + shift, w[keep], "o", color=c, markersize=4,
                    label=f"out {o} at x={p.coord[o]:.3g}")
        bottom.axvline(p.coord[o], color=c, linestyle=":", linewidth=1)
    bottom.axhline(0, color="black", linewidth=0.6)
    bottom.set_xlim(top.get_xlim())
    bottom.set_xlabel("input pixel index")
    bottom.set_ylabel("weight")
    stretch = Fraction(p.info.get("stretch", 1))
    bottom.set_title(f"kernel {p.info.get('kernel', '?')}"
                     + (f", stretched x{_num(stretch)}" if stretch > 1 else "")
                     + f", boundary {p.info.get('boundary', '?')}", fontsize=9)
    bottom.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def plot_grids_side_by_side(
    explanations: Sequence[Explanation], path: Any = None, *,
    titles: Sequence[str] | None = None,
) -> Any:
    """Draw several :meth:`Explanation.plot_grids` panels in one row (e.g. True vs False).

    Examples
    --------
    >>> a = explain((4, 4), (8, 8), align_corners=True)
    >>> b = explain((4, 4), (8, 8), align_corners=False)
    >>> fig = plot_grids_side_by_side([a, b])  # doctest: +SKIP

    """
    figure_cls = _require_matplotlib()
    n = len(explanations)
    if n == 0:
        raise ValueError("explanations is empty; give at least one Explanation")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles has {len(titles)} entries for {n} explanations")
    one_d = all(len(e.in_shape) == 1 for e in explanations)
    # 1-D strips one above the other (same x axis, easy to compare); 2-D panels in a row
    fig = figure_cls(figsize=(9.0, 1.7 * n) if one_d else (5.0 * n, 6.0), layout="constrained")
    for i, e in enumerate(explanations):
        a = fig.add_subplot(n, 1, i + 1) if one_d else fig.add_subplot(1, n, i + 1)
        _draw_grids(e, [a], titles[i] if titles else None)
    return _finish(fig, path)
