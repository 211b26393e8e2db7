"""pixelgrid.compat.skimage.resize / rescale against scikit-image 0.26."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from pixelgrid.compat import skimage as pgk

st = pytest.importorskip("skimage.transform")

MODES = sorted(pgk.MODES)
DTYPES = ("float64", "float32", "uint8", "int16", "uint16", "bool")


def _image(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    x = rng.random(shape)
    if dtype == "bool":
        return x > 0.5
    if dtype == "uint8":
        return np.round(x * 255).astype(np.uint8)
    if dtype == "int16":
        return np.round(x * 2000 - 1000).astype(np.int16)
    if dtype == "uint16":
        return np.round(x * 60000).astype(np.uint16)
    return x.astype(dtype)


def _call(fn: object, *args: object, **kw: object) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            out: object = fn(*args, **kw)  # type: ignore[operator]
        except (ValueError, TypeError) as exc:
            out = exc
    return out, [str(w.message) for w in seen]


def _compare(want: object, got: object, ctx: object) -> None:
    if isinstance(want, Exception) or isinstance(got, Exception):
        assert type(want) is type(got), (want, got, ctx)
        return
    assert isinstance(want, np.ndarray) and isinstance(got, np.ndarray)
    assert got.dtype == want.dtype and got.shape == want.shape, ctx
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=str(ctx))  # integer: exact
    else:
        # float64 ~1e-15 relative; float32 within 1 ulp (a few 1e-8 on [0, 1] data)
        tol = (1e-6 if want.dtype == np.float32 else 1e-12) * max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=0, atol=tol, err_msg=str(ctx))


def _random_kwargs(rng: np.random.Generator) -> dict[str, object]:
    return {
        "order": [None, 0, 1, 2, 3, 4, 5][int(rng.integers(7))],
        "mode": MODES[int(rng.integers(len(MODES)))],
        "cval": float(rng.choice([0.0, 0.25, 2.0])),
        "preserve_range": bool(rng.random() < 0.3),
        "anti_aliasing": [None, True, False][int(rng.integers(3))],
        "anti_aliasing_sigma": None if rng.random() < 0.7 else float(rng.choice([0.0, 0.4, 1.3])),
        "clip": bool(rng.random() < 0.85),
    }


def test_resize_matches_skimage() -> None:
    # 400 random calls: orders 0-5, every mode, 2-D/3-D, 1-pixel and non-square,
    # up and down, anti_aliasing on/off/default with and without sigma, six dtypes;
    # errors and warnings must match too.
    rng = np.random.default_rng(21)
    for _ in range(400):
        nd = int(rng.integers(2, 4))
        shape = tuple(int(v) for v in rng.integers(1, 13, nd))
        out = tuple(int(v) for v in rng.integers(1, 19, nd))
        x = _image(rng, shape, DTYPES[int(rng.integers(len(DTYPES)))])
        kw = _random_kwargs(rng)
        want, w_warn = _call(st.resize, x, out, **kw)
        got, g_warn = _call(pgk.resize, x, out, **kw)
        assert w_warn == g_warn, (kw, w_warn, g_warn)
        _compare(want, got, (x.shape, x.dtype, out, kw))


def test_rescale_matches_skimage() -> None:
    rng = np.random.default_rng(22)
    for _ in range(120):
        nd = int(rng.integers(2, 4))
        shape = tuple(int(v) for v in rng.integers(1, 13, nd))
        x = _image(rng, shape, DTYPES[int(rng.integers(len(DTYPES) - 1))])
        kw = _random_kwargs(rng)
        channel_axis = None if nd == 2 or rng.random() < 0.5 else int(rng.choice([0, -1]))
        spatial = nd - (channel_axis is not None)
        scale: object = float(rng.choice([0.3, 0.5, 0.7, 1.0, 1.5, 2.5]))
        if rng.random() < 0.4:
            scale = [float(v) for v in rng.choice([0.4, 0.5, 1.0, 2.0], spatial)]
        want, w_warn = _call(st.rescale, x, scale, channel_axis=channel_axis, **kw)
        got, g_warn = _call(pgk.rescale, x, scale, channel_axis=channel_axis, **kw)
        assert w_warn == g_warn
        _compare(want, got, (x.shape, x.dtype, scale, channel_axis, kw))


def test_documented_facts() -> None:
    # rescale rounds half to even: 5 x 7 at 0.5 gives 2 x 4 (guide 4.1).
    assert pgk.rescale(np.zeros((5, 7)), 0.5).shape == (2, 4)
    # uint8 with order > 0 gives float64 in [0, 1] (img_as_float: x / 255).
    y = pgk.resize(np.full((4, 4), 255, np.uint8), (2, 2))
    assert y.dtype == np.float64 and y.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    # Hand derivation: 2 -> 4 linear, grid_mode, 'reflect' -> ndimage 'mirror':
    # x = (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25; 'mirror' folds -0.25 to 0.25
    # and 1.25 to 0.75, so [0, 1] gives 0.25, 0.25, 0.75, 0.75.
    assert pgk.resize(np.array([[0.0, 1.0]]), (1, 4)).tolist() == [[0.25, 0.25, 0.75, 0.75]]


def test_bad_input() -> None:
    x = np.ones((4, 4))
    with pytest.raises(ValueError, match="mode='foo' is not valid"):
        pgk.resize(x, (2, 2), mode="foo")
    with pytest.raises(ValueError, match=r"order=7 is not valid"):
        pgk.resize(x, (2, 2), order=7)
    with pytest.raises(ValueError, match="anti_aliasing must be False for boolean images"):
        pgk.resize(x > 0, (2, 2), anti_aliasing=True)
    with pytest.raises(ValueError, match="order=1 is not valid for a bool image"):
        pgk.resize(x > 0, (2, 2), order=1, anti_aliasing=False)
    with pytest.raises(ValueError, match=r"anti_aliasing_sigma=-1 must be >= 0"):
        pgk.resize(x, (2, 2), anti_aliasing=True, anti_aliasing_sigma=-1)
    with pytest.raises(ValueError, match=r"output_shape=\(2,\) has 1 entries"):
        pgk.resize(np.ones((4, 4, 3)), (2,))
    with pytest.raises(ValueError, match=r"output_shape=\(0, 2\) must hold sizes >= 1"):
        pgk.resize(x, (0, 2))
    with pytest.raises(TypeError, match="clip=1 must be True or False"):
        pgk.resize(x, (2, 2), clip=1)
    with pytest.raises(ValueError, match=r"scale=\[1, 2, 3\] has 3 entries"):
        pgk.rescale(x, [1, 2, 3])
    with pytest.raises(ValueError, match="scale=0 must be finite and > 0"):
        pgk.rescale(x, 0)
    with pytest.raises(ValueError, match="channel_axis=5 is not valid"):
        pgk.rescale(x, 2, channel_axis=5)
    with pytest.warns(UserWarning, match="not down-sampling along all axes"):
        pgk.resize(x, (2, 8), anti_aliasing=True, anti_aliasing_sigma=1.0)


# --- Realistic sizes: 2000 <-> 5000 px axes, thin arrays --------------------------------
#
# Measured (scikit-image 0.26.0, SciPy 1.17.1, random [0, 1) data): float32 bit-identical
# for every order with and without anti-aliasing; float64 orders 0-3 within 2e-15, 4-5
# within 2.5e-14 (SciPy's own prefilter rounding, see tests/test_compat_scipy.py).
SK_TOL = {0: 1e-15, 1: 1e-15, 3: 2e-15, 5: 5e-14}


@pytest.mark.parametrize(("n", "m", "order", "aa"), [
    (2000, 5000, 1, False), (2000, 5000, 3, False), (2000, 5000, 5, False),
    (5000, 2000, 0, False), (5000, 2000, 1, True), (5000, 2000, 3, True),
])
def test_resize_realistic_sizes(n: int, m: int, order: int, aa: bool) -> None:
    x64 = np.random.default_rng(order + n).random((2, n))
    for x in (x64.astype(np.float32), x64):
        want = st.resize(x, (2, m), order=order, anti_aliasing=aa)
        got = pgk.resize(x, (2, m), order=order, anti_aliasing=aa)
        assert got.dtype == want.dtype and got.shape == want.shape == (2, m)
        if x.dtype == np.float32:
            np.testing.assert_array_equal(got, want)  # bit-identical
        else:
            np.testing.assert_allclose(got, want, rtol=0, atol=SK_TOL[order])


def test_rescale_and_integer_input_realistic_sizes() -> None:
    # uint8 -> img_as_float -> Gaussian (sigma 0.75) and zoom; rescale's own output shape
    x = np.round(np.random.default_rng(5).random((3, 5000)) * 255).astype(np.uint8)
    want = st.rescale(x, 0.4, order=1)
    got = pgk.rescale(x, 0.4, order=1)
    assert got.shape == want.shape == (1, 2000)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    # order 0 with anti_aliasing on an integer image: the Gaussian's per-axis store in
    # the image's dtype truncates (SciPy's C cast), as the plans declare
    want = st.resize(x, (3, 2000), order=0, anti_aliasing=True, preserve_range=True)
    got = pgk.resize(x, (3, 2000), order=0, anti_aliasing=True, preserve_range=True)
    assert got.dtype == want.dtype == np.uint8
    np.testing.assert_array_equal(got, want)
