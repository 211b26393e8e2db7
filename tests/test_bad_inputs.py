"""Bad inputs to every public entry point (issue 12, "Unclear errors and late failures").

Each call either raises a ValueError/TypeError whose message names the
parameter the caller passed (with no Python/numpy internals in it), or returns
what the numpy reference engine returns for the same call.  Never another
exception type, a MemoryError after a long allocation, or a hang: every test
runs under a 256 MiB size budget (``physical_memory`` patched), so a huge size
must be refused by the shared check (``_validate.check_memory``) before
anything is allocated.  Sizes that are not meant to be huge stay below 64.

The first half are hypothesis-driven sweeps; the second half pins each
behaviour listed in the issue with ``match=``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pixelgrid as pg
import pixelgrid._validate as V
from pixelgrid import kernels as K

BUDGET = 256 << 20  # bytes: what the patched machine "has"

#: Text that means Python or numpy internals reached the user.
LEAKS = re.compile(
    r"not subscriptable|inhomogeneous|not iterable|negative shift count|nanobind|"
    r"incompatible function arguments|object has no attribute|unsupported operand|"
    r"int too large|Unable to allocate|setting an array element|could not convert|"
    r"invalid literal|object cannot be interpreted|has no len|unpack|"
    r"must be real number, not|float\(\) argument|Maximum allowed size|array is too big|"
    r"cannot reshape|division by zero|math domain"
)

# NaN/inf data: numpy's RuntimeWarnings (inf * 0 of a zero-weight tap) are not errors
# here; where non-finite values land is issue 12 item 2, tested in the engines' tests.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _size_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs on a "machine" with 256 MiB: huge sizes must be refused up front."""
    monkeypatch.setattr(V, "physical_memory", lambda: BUDGET)


def _names_one(msg: str, names: Iterable[str]) -> bool:
    return any(re.search(r"(?<![A-Za-z_])" + re.escape(n) + r"(?![A-Za-z_])", msg)
               for n in names)


def outcome(fn: Callable[[], Any], names: Iterable[str]) -> Any:
    """Run ``fn``: its result, or None after a clear ValueError/TypeError naming one of ``names``.

    Any other exception (MemoryError included), an error that names none of
    ``names``, or one with internals in its message fails the test.
    """
    names = list(names)
    try:
        return fn()
    except (ValueError, TypeError) as e:
        msg = str(e)
        assert not LEAKS.search(msg), f"internals leak in {type(e).__name__}: {msg}"
        assert _names_one(msg, names), f"{type(e).__name__} names none of {names}: {msg}"
        return None


def same(a: Any, b: Any) -> None:
    """Equal results: same shape, dtype and values (NaN equal to NaN).

    Exact for integer, bool and float64 data; the compiled engine sums float32 and
    float16 data in float32, so those match the reference's float64 sums to the
    tolerances tests/test_native_engine.py documents (rtol 1e-5 and 1e-3 of the
    largest value).
    """
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype in (np.float32, np.float16):
        scale = float(np.max(np.abs(b), initial=1.0))
        rtol = 1e-5 if a.dtype == np.float32 else 1e-3
        np.testing.assert_allclose(a, b, rtol=0, atol=rtol * scale)
    else:
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------

SMALL = st.integers(1, 12)
HUGE = st.sampled_from([2**31, 2**40, 2**62, 10**30])
BAD_INT = st.one_of(st.integers(-3, 0), st.floats(allow_nan=True), st.booleans(), st.none(),
                    st.text(max_size=3), st.just(b"44"))
SIZE_ITEM = st.one_of(SMALL, SMALL, SMALL, HUGE, BAD_INT)
SIZES = st.one_of(
    SIZE_ITEM,
    st.tuples(SIZE_ITEM, SIZE_ITEM),
    st.lists(SIZE_ITEM, min_size=0, max_size=5),
    st.tuples(SMALL, SMALL).map(lambda t: np.array(t)),
    st.sampled_from(["4x4", {4, 5}, {"h": 4}, frozenset({3}), (4, None), [[4, 5]]]),
)
SCALE_ITEM = st.one_of(st.floats(0.3, 3.0), st.sampled_from([0.5, 2, 1e300, 1e-300, 0, -1,
                                                               float("nan"), float("inf"),
                                                               "2", None, True]))
SCALES = st.one_of(SCALE_ITEM, st.tuples(SCALE_ITEM, SCALE_ITEM),
                   st.lists(SCALE_ITEM, max_size=4), st.just({2.0}))
REAL = st.one_of(st.floats(-10, 10), st.sampled_from([float("nan"), float("inf"), -float("inf"),
                                                      1e308, "a", None, [1, 2], True]))
DTYPES = st.sampled_from(["uint8", "int16", "uint16", "int32", "float16", "float32", "float64",
                          "bool", "int64", "complex64", "object"])
KERNELS = st.sampled_from(["linear", "nearest", "cubic", "lanczos3", "area", "box", "bogus",
                           3, None, K.lanczos(10**7), K.gaussian(0.7)])
CHOICE = st.sampled_from(["bogus", "", 3, None])
THREADS = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([5000, 2**63, 1.5, "2"]))
ENGINES = st.sampled_from(["auto", "reference", "native", "bogus", 3, None])
AXES = st.one_of(st.none(), st.none(), st.integers(-5, 5),
                 st.lists(st.integers(-4, 4), max_size=3).map(tuple),
                 st.sampled_from(["a", 1.5, (0, 0)]))


@st.composite
def arrays(draw: st.DrawFn, max_ndim: int = 4, nonfinite: bool = True) -> Any:
    """Small arrays of any dtype (some unsupported), maybe with NaN/inf, or bad array-likes."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from([[[1, 2], [3]], "image", None, {1: 2}, [], 3.0]))
    shape = tuple(draw(st.lists(st.integers(1, 7), min_size=1, max_size=max_ndim)))
    dtype = draw(DTYPES)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.random(shape) * 255
    if nonfinite and dtype.startswith("float") and draw(st.booleans()):
        flat = x.reshape(-1)
        flat[rng.integers(0, flat.size, size=2)] = draw(st.sampled_from(
            [np.nan, np.inf, -np.inf, 3e38]))
    if dtype == "object":
        return x.astype(object)
    with np.errstate(invalid="ignore", over="ignore"):
        return x.astype(dtype)


def _finite(x: Any) -> bool:
    return not (isinstance(x, np.ndarray) and x.dtype.kind == "f"
                and not np.all(np.isfinite(x)))


# --------------------------------------------------------------------------------------
# Hypothesis sweeps, entry point by entry point
# --------------------------------------------------------------------------------------


@SETTINGS
@given(x=arrays(), size=SIZES, axes=AXES, kernel=KERNELS, threads=THREADS, engine=ENGINES,
       antialias=st.sampled_from([True, False, "yes"]), fill=REAL,
       boundary=st.sampled_from(["renormalize", "constant", "reflect", "edge"]))
def test_resize_size(x: Any, size: Any, axes: Any, kernel: Any, threads: Any, engine: Any,
                     antialias: Any, fill: Any, boundary: Any) -> None:
    kw = dict(axes=axes, kernel=kernel, antialias=antialias, boundary=boundary,
              fill_value=fill)
    names = ["x", "size", "axes", "kernel", "threads", "engine", "antialias", "fill_value",
             "boundary", "dtype", "in_size", "out_size"]
    y = outcome(lambda: pg.resize(x, size, threads=threads, engine=engine, **kw), names)
    if y is not None and engine != "reference" and _finite(x):
        same(y, pg.resize(x, size, engine="reference", **kw))


@SETTINGS
@given(x=arrays(), scale=SCALES, axes=AXES, rounding=st.sampled_from(["floor", "round", "up"]),
       cs=st.sampled_from(["size", "factor", 1]))
def test_resize_scale(x: Any, scale: Any, axes: Any, rounding: Any, cs: Any) -> None:
    kw = dict(scale=scale, axes=axes, size_rounding=rounding, coordinate_scale=cs)
    names = ["x", "scale", "axes", "size_rounding", "coordinate_scale", "in_size", "out_size",
             "kernel"]
    y = outcome(lambda: pg.resize(x, **kw), names)
    if y is not None and _finite(x):
        same(y, pg.resize(x, engine="reference", **kw))


@SETTINGS
@given(x=arrays(max_ndim=4), size=SIZES, axes=AXES, scale=st.none() | SCALES)
def test_resize_torch(x: Any, size: Any, axes: Any, scale: Any) -> None:
    torch = pytest.importorskip("torch")
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiu" or x.dtype == np.uint16:
        return
    t = torch.from_numpy(np.ascontiguousarray(x))
    kw = dict(size=None, scale=scale, axes=axes) if scale is not None else dict(size=size,
                                                                                axes=axes)
    y = outcome(lambda: pg.resize(t, **kw), ["size", "scale", "axes", "x", "dtype"])
    if y is not None and axes is None:
        # the default axes of a tensor are its trailing ones: the numpy result with them
        # has the same shape (values: tests/test_torch_engine.py)
        given = size if scale is None else scale
        k = x.ndim if isinstance(given, (int, float)) else len(given)
        ref = pg.resize(x, axes=tuple(range(x.ndim - k, x.ndim)), engine="reference", **{
            key: v for key, v in kw.items() if key != "axes"})
        assert tuple(y.shape) == ref.shape


@SETTINGS
@given(in_size=st.one_of(SMALL, HUGE, BAD_INT), out_size=st.one_of(SMALL, HUGE, BAD_INT),
       kernel=KERNELS, grid=st.sampled_from(["half_pixel", "align_corners", "bogus", None]),
       scale=st.none() | SCALE_ITEM, fill=REAL, boundary=CHOICE | st.just("constant"))
def test_plan(in_size: Any, out_size: Any, kernel: Any, grid: Any, scale: Any, fill: Any,
              boundary: Any) -> None:
    outcome(lambda: pg.plan(in_size, out_size, kernel=kernel, grid=grid, scale=scale,
                            fill_value=fill, boundary=boundary),
            ["in_size", "out_size", "kernel", "grid", "scale", "fill_value", "boundary"])


@SETTINGS
@given(p=st.sampled_from([None, "p", pg.plan(8, 4)]),
       bits=st.one_of(st.integers(-3, 40), st.sampled_from([2.5, "14", None, 2**70])),
       rounding=st.sampled_from(["half_away", "half_even", "bogus"]))
def test_fixed_point(p: Any, bits: Any, rounding: Any) -> None:
    outcome(lambda: pg.fixed_point(p, bits, rounding=rounding), ["p", "bits", "rounding"])


@SETTINGS
@given(x=arrays(max_ndim=3), size=SIZES, method=st.sampled_from(["nearest", "mode", "x"]),
       axes=AXES, scale=st.none() | SCALE_ITEM)
def test_resize_labels(x: Any, size: Any, method: Any, axes: Any, scale: Any) -> None:
    kw = dict(scale=scale) if scale is not None else dict(size=size)
    outcome(lambda: pg.resize_labels(x, method=method, axes=axes, **kw),
            ["labels", "size", "scale", "method", "axes"])


COORDS = st.one_of(
    st.lists(st.lists(st.floats(-20, 20), min_size=2, max_size=2), min_size=1, max_size=4),
    st.sampled_from([[[1, 2], [3]], "c", None, [[np.nan, 1.0]], [[1e300, -1e300]],
                     np.zeros((2, 5)), [[np.inf, 0.0]]]),
)


@SETTINGS
@given(x=arrays(max_ndim=3), coords=COORDS, kernel=KERNELS, fill=REAL,
       boundary=st.sampled_from(["constant", "zeros", "reflect", "wrap", "x"]),
       convention=st.sampled_from(["index", "continuous", "pixel"]), axes=AXES)
def test_sample(x: Any, coords: Any, kernel: Any, fill: Any, boundary: Any, convention: Any,
                axes: Any) -> None:
    outcome(lambda: pg.sample(x, coords, kernel=kernel, fill_value=fill, boundary=boundary,
                              convention=convention, axes=axes),
            ["x", "coords", "kernel", "fill_value", "boundary", "convention", "axes"])


MATRICES = st.one_of(
    st.floats(-180, 180).map(pg.rotation),
    st.sampled_from([np.zeros((2, 3)), np.zeros((2, 2)), "m", None, [[1, 0, 0], [0, 1]],
                     np.full((2, 3), np.nan), np.array([[1e300, 0, 0], [0, 1e300, 0]]),
                     pg.scaling(1e-300)]),
)


@SETTINGS
@given(x=arrays(max_ndim=3), matrix=MATRICES, size=st.none() | SIZES, kernel=KERNELS,
       fill=REAL, axes=AXES, inverse=st.sampled_from([False, True, "yes"]))
def test_warp_affine(x: Any, matrix: Any, size: Any, kernel: Any, fill: Any, axes: Any,
                     inverse: Any) -> None:
    outcome(lambda: pg.warp_affine(x, matrix, size, kernel=kernel, fill_value=fill, axes=axes,
                                   inverse_map=inverse),
            ["x", "matrix", "size", "kernel", "fill_value", "axes", "inverse_map"])


BOXES = st.one_of(
    st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 12)), min_size=1, max_size=3),
    st.sampled_from(["b", None, {0, 1}, [(0, float("nan"))], [(0, 1e300), (0, 1e300)],
                     [[0, 1, 2]], [(0, 4), (0)]]),
)


@SETTINGS
@given(x=arrays(max_ndim=3), box=BOXES, size=SIZES,
       ratio=st.one_of(st.integers(-1, 4), st.sampled_from([10**9, 2.5, "2"])),
       grid=st.sampled_from(["half_pixel", "align_corners", "x"]), margin=REAL)
def test_resample_region(x: Any, box: Any, size: Any, ratio: Any, grid: Any,
                         margin: Any) -> None:
    outcome(lambda: pg.resample_region(x, box, size, sampling_ratio=ratio, grid=grid,
                                       margin=margin),
            ["x", "box", "size", "sampling_ratio", "grid", "margin", "axes"])


ROIS = st.one_of(
    st.lists(st.tuples(st.just(0.0), st.floats(-5, 12), st.floats(-5, 12), st.floats(-5, 12),
                       st.floats(-5, 12)), min_size=1, max_size=3).map(np.array),
    st.sampled_from([np.zeros((1, 3)), "b", np.full((1, 5), np.nan), [[0, 0, 1]], None,
                     np.array([[0, 0, 0, 1e300, 1e300]]), np.array([[7, 0, 0, 2, 2]])]),
)


@SETTINGS
@given(boxes=ROIS, size=SIZES,
       ss=st.one_of(st.floats(0.1, 4), st.sampled_from([0, -1, 1e300, float("nan"), "2"])),
       ratio=st.one_of(st.integers(-2, 3), st.sampled_from([10**9, 2.5])))
def test_roi_align(boxes: Any, size: Any, ss: Any, ratio: Any) -> None:
    x = np.random.default_rng(0).random((1, 2, 8, 9))
    outcome(lambda: pg.roi_align(x, boxes, size, spatial_scale=ss, sampling_ratio=ratio),
            ["input", "boxes", "output_size", "spatial_scale", "sampling_ratio"])


@SETTINGS
@given(boxes=st.one_of(st.lists(st.tuples(*[st.floats(-1, 2)] * 4), min_size=1, max_size=2),
                       st.sampled_from([np.zeros((1, 3)), "b", [[np.nan, 0, 1, 1]], None])),
       idx=st.sampled_from([[0], [0, 0], [5], [-1], "a", [0.5], None]), size=SIZES,
       method=st.sampled_from(["bilinear", "nearest", "x"]), ext=REAL)
def test_crop_and_resize(boxes: Any, idx: Any, size: Any, method: Any, ext: Any) -> None:
    img = np.random.default_rng(0).random((1, 6, 7, 2)).astype(np.float32)
    outcome(lambda: pg.crop_and_resize(img, boxes, idx, size, method=method,
                                       extrapolation_value=ext),
            ["image", "boxes", "box_indices", "crop_size", "method", "extrapolation_value"])


@SETTINGS
@given(a=REAL, b=REAL, center=st.sampled_from([(0, 0), (1,), "c", (np.nan, 0), None]))
def test_affine_helpers(a: Any, b: Any, center: Any) -> None:
    outcome(lambda: pg.rotation(a, center=center, scale=b), ["angle", "scale", "center"])
    outcome(lambda: pg.scaling(a, b, center=center), ["sx", "sy", "center"])
    outcome(lambda: pg.shear(a, b), ["kx", "ky"])
    outcome(lambda: pg.translation(a, b), ["tx", "ty"])


@SETTINGS
@given(m=MATRICES, conv=st.sampled_from(["index", "continuous", "x", None]),
       size=SIZES)
def test_matrix_converters(m: Any, conv: Any, size: Any) -> None:
    outcome(lambda: pg.invert(m), ["matrix"])
    outcome(lambda: pg.compose(m, pg.rotation(3)), ["matrices"])
    outcome(lambda: pg.convert_affine(m, conv, "index"), ["matrix", "from_convention"])
    outcome(lambda: pg.affine_to_cv2(m, convention=conv), ["matrix", "convention"])
    outcome(lambda: pg.affine_to_scipy(m, convention=conv), ["matrix", "convention"])
    outcome(lambda: pg.affine_to_theta(m, size), ["matrix", "in_size"])
    outcome(lambda: pg.image_center(size, conv), ["shape", "convention"])
    outcome(lambda: pg.pixel_to_normalized([[1.0, 2.0]], size), ["size", "coords"])
    outcome(lambda: pg.normalized_to_pixel([[0.1, 0.2]], size), ["size", "coords"])


@SETTINGS
@given(shape=SIZES, size=SIZES, box=st.sampled_from([(0, 0, 4, 4), "b", (0, 0, np.nan, 4),
                                                     (0, 0, 4)]),
       order=st.sampled_from(["xy", "yx", "x"]))
def test_coordinate_maps(shape: Any, size: Any, box: Any, order: Any) -> None:
    outcome(lambda: pg.resize_map(shape, size), ["shape", "size"])
    outcome(lambda: pg.crop_map(shape, box, size, order=order), ["shape", "box", "size",
                                                                 "order"])
    outcome(lambda: pg.explain(shape, size), ["shape", "size"])


@SETTINGS
@given(flow=arrays(max_ndim=3), size=SIZES)
def test_resize_flow(flow: Any, size: Any) -> None:
    outcome(lambda: pg.resize_flow(flow, size), ["flow", "size", "x", "kernel"])


@SETTINGS
@given(radius=st.one_of(st.floats(allow_nan=True), st.sampled_from([1e9, 0, -1, "1", None, 2])),
       fn=st.sampled_from([lambda d: 1.0 - np.abs(d), None, 3]),
       edges=st.sampled_from(["closed", "open", "x"]), n=st.one_of(st.integers(-2, 6),
                                                                    st.just(10**7)),
       a=REAL, sigma=REAL)
def test_kernels(radius: Any, fn: Any, edges: Any, n: Any, a: Any, sigma: Any) -> None:
    k = outcome(lambda: pg.Kernel("k", radius, fn, edges), ["radius", "fn", "edges"])
    for kern in (k, outcome(lambda: K.lanczos(n), ["n"])):
        if kern is not None:  # any constructed kernel is usable or refused up front
            outcome(lambda kern=kern: pg.resize(np.ones((6, 5)), (3, 4), kernel=kern),
                    ["out_size"])
    outcome(lambda: K.cubic(a), ["a"])
    outcome(lambda: K.mitchell(a, 0.0), ["b"])
    outcome(lambda: K.gaussian(sigma), ["sigma"])


COMPAT_CALLS: list[tuple[str, Callable[[Any, Any], Any], list[str]]] = []


def _compat_calls() -> list[tuple[str, Callable[[Any, Any], Any], list[str]]]:
    from pixelgrid.compat import jax as cjx
    from pixelgrid.compat import matlab, onnx, opencv, pillow, scipy, skimage, tensorflow
    from pixelgrid.compat import torch as ctorch

    u8 = (np.random.default_rng(0).random((6, 7, 3)) * 255).astype(np.uint8)
    f32 = u8.astype(np.float32) / 255
    return [
        ("scipy.zoom", lambda s, v: scipy.zoom(f32[..., 0], s, cval=v), ["zoom", "cval"]),
        ("opencv.resize", lambda s, v: opencv.resize(f32, s, fx=v, fy=v), ["dsize", "fx"]),
        ("pillow.resize", lambda s, v: pillow.resize(u8, s, reducing_gap=v),
         ["size", "reducing_gap"]),
        ("skimage.resize", lambda s, v: skimage.resize(f32, s, cval=v),
         ["output_shape", "cval"]),
        ("skimage.rescale", lambda s, v: skimage.rescale(f32[..., 0], s, cval=v),
         ["scale", "cval", "output_shape"]),
        ("torch.interpolate", lambda s, v: ctorch.interpolate(
            np.moveaxis(f32, -1, 0)[None].copy(), s, mode="bilinear"), ["size", "input"]),
        ("torch.affine_grid", lambda s, v: ctorch.affine_grid(
            np.eye(2, 3, dtype=np.float32)[None], (1, 1, *s) if isinstance(s, tuple) else s,
            align_corners=False), ["size"]),
        ("tf.resize", lambda s, v: tensorflow.resize(f32, s), ["size"]),
        ("jax.resize", lambda s, v: cjx.resize(f32, (*s, 3) if isinstance(s, tuple) else s,
                                               "linear"), ["shape"]),
        ("onnx.resize", lambda s, v: onnx.resize(
            np.moveaxis(f32, -1, 0)[None].copy(),
            sizes=np.array([1, 3, *s]) if isinstance(s, tuple) else s, mode="linear"),
         ["sizes", "X"]),
        ("matlab.imresize", lambda s, v: matlab.imresize(f32, s), ["scale_or_size"]),
    ]


@SETTINGS
@given(i=st.integers(0, 10), size=SIZES, v=REAL)
def test_compat_sizes(i: int, size: Any, v: Any) -> None:
    if not COMPAT_CALLS:
        COMPAT_CALLS.extend(_compat_calls())
    _, fn, names = COMPAT_CALLS[i]
    outcome(lambda: fn(size, v), [*names, "size", "out_size"])


@SETTINGS
@given(i=st.integers(0, 10), scale=SCALES)
def test_compat_scales(i: int, scale: Any) -> None:
    if not COMPAT_CALLS:
        COMPAT_CALLS.extend(_compat_calls())
    name, fn, names = COMPAT_CALLS[i]
    if name not in ("scipy.zoom", "skimage.rescale", "matlab.imresize"):
        return
    outcome(lambda: fn(scale, 0.0), [*names, "out_size"])


# --------------------------------------------------------------------------------------
# The behaviours the issue lists, one by one
# --------------------------------------------------------------------------------------

X = np.random.default_rng(3).random((8, 10)).astype(np.float32)


@pytest.mark.parametrize(
    ("size", "exc", "match"),
    [
        ({4, 5}, TypeError, r"size=\{4, 5\} is a set, which has no order; .*\(H, W\)"),
        ("4x4", TypeError, r"size='4x4' is a string"),
        ({"h": 4}, TypeError, r"size=\{'h': 4\} is a dict"),
        ((4, "a"), TypeError, r"size='a' must be an integer, got str \(entry 1 of size="),
        ((4, 4, 4), ValueError, r"size=\(4, 4, 4\): 3 sizes/scales given but the array has "
                                r"only 2"),
        ((2**40, 2**40), ValueError, r"size=\(1099511627776, 1099511627776\) \(an output of "
                                     r"shape .*\) needs about"),
    ],
)
def test_resize_size_errors(size: Any, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        pg.resize(X, size)


def test_huge_scale_is_a_value_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match=r"scale=1e\+300 \(an output of shape \(8e\+300, "
                                         r"1e\+301\)\) needs about more than 1e300 GiB"):
        pg.resize(X, scale=1e300)
    with pytest.raises(ValueError, match=r"scale=1e-300 .*must stay below 2\*\*52"):
        pg.plan(8, 4, scale=1e-300)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: pg.resize([[1.0, 2.0], [3.0]], (4, 4)), r"x is a ragged nested list"),
        (lambda: pg.sample(X, [[1, 2], [3]]), r"coords is a ragged nested list"),
        (lambda: pg.warp_affine(X, [[1, 0, 0], [0, 1]]), r"matrix is a ragged nested list"),
        (lambda: pg.resize_labels([[1, 2], [3]], (4, 4)), r"labels is a ragged nested list"),
    ],
)
def test_ragged_lists(call: Callable[[], Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_warp_affine_size_must_be_a_pair() -> None:
    with pytest.raises(TypeError, match=r"size=4 must be a sequence of integers \(H, W\)"):
        pg.warp_affine(X, pg.rotation(10), size=4)


def test_the_parameter_the_user_passed_is_named() -> None:
    from pixelgrid.compat import skimage

    with pytest.raises(ValueError, match=r"^cval=nan must be finite"):
        skimage.resize(X, (4, 5), cval=float("nan"))
    with pytest.raises(ValueError, match=r"^extrapolation_value=nan must be finite"):
        pg.crop_and_resize(X[None, ..., None], [[0, 0, 1, 1]], [0], (2, 2),
                           extrapolation_value=float("nan"))
    with pytest.raises(ValueError, match=r"^from_convention='pixel' is not valid"):
        pg.convert_affine(np.eye(3), "pixel", "index")
    with pytest.raises(TypeError, match=r"^fill_value='a' must be a real number"):
        pg.resize(X, (4, 4), fill_value="a")
    with pytest.raises(TypeError, match=r"^dtype='bogus' is not a dtype"):
        pg.resize(X, (4, 4), dtype="bogus")
    with pytest.raises(TypeError, match=r"^axes=1.5 must be an integer or a sequence"):
        pg.resize(X, (4, 4), axes=1.5)
    with pytest.raises(TypeError, match=r"^p=None must be an AxisPlan"):
        pg.fixed_point(None, 14)  # type: ignore[arg-type]


def test_kernel_constructor_checks() -> None:
    with pytest.raises(ValueError, match=r"^radius=-1 must be finite and > 0"):
        pg.Kernel("k", -1, np.abs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^radius='1' must be a real number"):
        pg.Kernel("k", "1", np.abs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^fn=3 must be callable"):
        pg.Kernel("k", 1, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^edges='x' is not valid"):
        pg.Kernel("k", 1, np.abs, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^a='a' must be a real number"):
        K.cubic("a")  # type: ignore[arg-type]
    assert pg.Kernel("k", 1.5, np.abs).radius == pytest.approx(1.5)  # type: ignore[arg-type]


# Each of these allocated for seconds to minutes before a MemoryError (issue 12); under the
# 256 MiB budget each must be a ValueError naming the size, raised before allocating.
LATE_FAILURES: list[tuple[str, Callable[[], Any], str]] = [
    ("warp_affine", lambda: pg.warp_affine(X, pg.rotation(10), size=(10**5, 10**5)),
     r"warp_affine to size=\(100000, 100000\) .*needs about"),
    ("roi_align", lambda: pg.roi_align(X[None, None], np.array([[0, 0, 0, 4, 4]]), 3,
                                       sampling_ratio=10**5), r"sampling_ratio=100000"),
    ("roi_align box", lambda: pg.roi_align(X[None, None], np.array([[0, 0, 0, 1e12, 1e12]]),
                                           3), r"the largest box needs about"),
    ("crop_and_resize", lambda: pg.crop_and_resize(X[None, ..., None], [[0, 0, 1, 1]], [0],
                                                   (10**5, 10**5)),
     r"crop_size=\(100000, 100000\) needs about"),
    ("Kernel(radius=1e9)", lambda: pg.sample(X, [[1.0, 2.0]], kernel=pg.Kernel(
        "big", 10**9, lambda d: 1.0 - np.abs(d) / 1e9)), r"kernel='big' \(radius 1e\+09\)"),
    ("Kernel(radius=1e9) resize", lambda: pg.resize(X, (4, 5), kernel=pg.Kernel(
        "big", 10**9, lambda d: 1.0 - np.abs(d) / 1e9)), r"kernel 'big' \(\d+ taps per"),
    ("lanczos(10**7)", lambda: pg.plan(4, 8, kernel=K.lanczos(10**7)),
     r"kernel 'lanczos10000000' \(20000002 taps per sample\) needs about"),
    ("plan(4, 2**27)", lambda: pg.plan(4, 2**27), r"out_size=134217728 .*needs about"),
    ("scipy.zoom", lambda: __import__("pixelgrid.compat.scipy", fromlist=["zoom"]).zoom(
        X, 1e6), r"zoom=1000000.0 \(an output of shape \(8000000, 10000000\)\) needs about"),
    ("opencv.resize", lambda: __import__("pixelgrid.compat.opencv", fromlist=["x"]).resize(
        X, (10**6, 10**6)), r"dsize=\(1000000, 1000000\) needs about"),
    ("torch.affine_grid", lambda: __import__("pixelgrid.compat.torch", fromlist=["x"])
     .affine_grid(np.eye(2, 3, dtype=np.float32)[None], (1, 1, 10**5, 10**5),
                  align_corners=False), r"size=\(1, 1, 100000, 100000\) needs about"),
    ("skimage.resize", lambda: __import__("pixelgrid.compat.skimage", fromlist=["x"]).resize(
        X, (10**6, 10**6)), r"output_shape=\(1000000, 1000000\) needs about"),
    ("matlab.imresize", lambda: __import__("pixelgrid.compat.matlab", fromlist=["x"])
     .imresize(X, 1e5), r"scale_or_size=100000.0 \(an output of"),
]


@pytest.mark.parametrize(("name", "call", "match"), LATE_FAILURES,
                         ids=[c[0] for c in LATE_FAILURES])
def test_sizes_are_checked_before_allocating(name: str, call: Callable[[], Any],
                                             match: str) -> None:
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        call()
    assert time.perf_counter() - t0 < 2.0, f"{name} took long before refusing"


def test_memory_limit_follows_the_address_space_limit() -> None:
    resource = pytest.importorskip("resource")
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    assert V.memory_limit() <= BUDGET  # the patched "physical memory"
    if soft == resource.RLIM_INFINITY:
        assert V.memory_limit() == BUDGET
    assert math.isfinite(float(V.memory_limit()))


def test_constructors_refuse_what_they_used_to_keep() -> None:
    """Affine and roi_align's flag accepted NaN, strings and None silently (issue 12 probe)."""
    with pytest.raises(ValueError, match=r"^a=nan must be finite"):
        pg.Affine(float("nan"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^a='a' must be a real number"):
        pg.Affine("a")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^c=inf must be finite"):
        pg.Affine(1, float("inf"))  # type: ignore[arg-type]
    assert pg.Affine(0.5).a == Fraction(1, 2)  # type: ignore[arg-type]  # exact value
    with pytest.raises(TypeError, match=r"^aligned='yes' must be True or False"):
        pg.roi_align(X[None, None], np.array([[0, 0, 0, 4, 4]]), 2, aligned="yes")  # type: ignore[arg-type]
