"""pixelgrid.compat.scipy.zoom against scipy.ndimage.zoom (SciPy 1.17)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from pixelgrid._kernels import bspline, get_kernel
from pixelgrid._plan import fold_positions, map_boundary
from pixelgrid._spline import prefilter_matrix
from pixelgrid.compat import scipy as pgs

ndi = pytest.importorskip("scipy.ndimage")

MODES = sorted(pgs.MODES)
ZOOMS = (0.3, 0.5, 0.77, 1.0, 1.5, 2.0, 2.6, 3.0)


def _scipy(x: np.ndarray, *args: object, **kw: object) -> np.ndarray:
    with warnings.catch_warnings():  # SciPy warns for grid_mode with constant/wrap
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(ndi.zoom(x, *args, **kw))


def _ours(x: np.ndarray, *args: object, **kw: object) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pgs.zoom(x, *args, **kw)


def _random_case(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, object]]:
    nd = int(rng.integers(1, 4))
    shape = tuple(int(v) for v in rng.integers(1, 11, nd))
    kw: dict[str, object] = {
        "zoom": [float(v) for v in rng.choice(ZOOMS, nd)],
        "order": int(rng.integers(0, 6)),
        "mode": MODES[int(rng.integers(len(MODES)))],
        "grid_mode": bool(rng.integers(2)),
        "cval": float(rng.choice([0.0, 0.25, -3.0, 7.5])),
        "prefilter": bool(rng.random() < 0.8),
    }
    return rng.random(shape), kw


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_zoom_float_matches_scipy(dtype: str) -> None:
    # 300 random calls per dtype: every order, mode, grid_mode, 1-3-D, 1-pixel axes.
    rng = np.random.default_rng(11 if dtype == "float64" else 12)
    tol = 1e-12 if dtype == "float64" else 1e-6  # float32: within 1 ulp of [0, 8] data
    for _ in range(300):
        x, kw = _random_case(rng)
        x = x.astype(dtype)
        zoom = kw.pop("zoom")
        want = _scipy(x, zoom, **kw)
        got = _ours(x, zoom, **kw)
        assert got.dtype == want.dtype and got.shape == want.shape, kw
        if want.size:
            np.testing.assert_allclose(got, want, rtol=0, atol=tol, err_msg=str(kw))


@pytest.mark.parametrize("dtype", ["uint8", "int16"])
def test_zoom_integer_matches_scipy(dtype: str) -> None:
    # Integer outputs round half away from zero and saturate.  Where SciPy's
    # float64 value is a .5 tie up to the last bits, the summation order (SciPy
    # sums the N-D tensor product, pixelgrid one axis at a time) decides the
    # rounding: those samples may differ by 1, and only those.
    rng = np.random.default_rng(13)
    lo, hi = (0, 255) if dtype == "uint8" else (-1000, 1000)
    exact = near_ties = 0
    for _ in range(250):
        x, kw = _random_case(rng)
        x = np.round(lo + x * (hi - lo)).astype(dtype)
        zoom = kw.pop("zoom")
        want = _scipy(x, zoom, **kw)
        got = _ours(x, zoom, **kw)
        assert got.dtype == want.dtype and got.shape == want.shape
        if not want.size:
            continue
        diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
        if diff.max() == 0:
            exact += 1
            continue
        wf = _scipy(x, zoom, output=np.float64, **kw)
        tie = np.abs(np.abs(wf - np.trunc(wf)) - 0.5) < 1e-9
        assert np.all((diff == 0) | ((diff == 1) & tie)), kw
        near_ties += int(np.count_nonzero(diff))
    assert exact >= 235  # measured: 0-2 calls with a near-tie sample


def test_zoom_documented_values() -> None:
    # Guide section 4.2: 4 -> 8 of [0, 10, 20, 30], order 1, grid_mode=True.
    x = np.array([0.0, 10.0, 20.0, 30.0])
    z = dict(order=1, grid_mode=True)
    assert _ours(x, 2, mode="grid-constant", **z).tolist() == [
        0.0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 22.5]
    assert _ours(x, 2, mode="constant", **z)[-1] == 0.0  # outside [0, n-1]: cval
    assert _ours(x, 2, mode="wrap", **z)[[0, 1, 6, 7]].tolist() == [27.5, 2.5, 27.5, 2.5]
    assert _ours(x, 2, mode="grid-wrap", **z).tolist() == [
        7.5, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 22.5]
    # order 0 with grid_mode: 8 -> 4 picks 1, 3, 5, 7 (floor(x + 0.5), ties up).
    assert _ours(np.arange(8.0), 0.5, order=0, grid_mode=True).tolist() == [1, 3, 5, 7]


def test_zoom_integer_rounding() -> None:
    # order 1 at the sample positions (zoom 1 without the prefilter-only copy):
    # 2.5 -> 3, -2.5 -> -3 (half away from zero), 309.9 saturates to 255 in uint8.
    x = np.array([2.5, -2.5, 309.9, -0.4])
    i8 = pgs.zoom(x, 1.0, output=np.int16, order=1, prefilter=False)
    assert i8.tolist() == [3, -3, 310, 0] == _scipy(x, 1.0, output=np.int16, order=1,
                                                    prefilter=False).tolist()
    u8 = pgs.zoom(x, 1.0, output=np.uint8, order=1, prefilter=False)
    assert u8.tolist() == [3, 0, 255, 0] == _scipy(x, 1.0, output=np.uint8, order=1,
                                                   prefilter=False).tolist()


def test_zoom_output_array_copy_and_empty() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((5, 4))
    out = np.empty((10, 8), dtype=np.float32)
    ret = pgs.zoom(x, 2, out)
    assert ret is out
    np.testing.assert_allclose(out, _scipy(x, 2, np.float32), atol=1e-6)
    # every zoom 1 with prefilter: SciPy copies (even in 'reflect', whose prefilter is inexact)
    np.testing.assert_array_equal(pgs.zoom(x, 1, mode="reflect"), x)
    assert pgs.zoom(np.ones((1, 3)), 0.4).shape == _scipy(np.ones((1, 3)), 0.4).shape == (0, 1)


def test_zoom_warns_like_scipy() -> None:
    with pytest.warns(UserWarning, match="grid-constant instead of constant"):
        pgs.zoom(np.ones(4), 2, mode="constant", grid_mode=True)
    with pytest.warns(UserWarning, match="grid-wrap instead of wrap"):
        pgs.zoom(np.ones(4), 2, mode="wrap", grid_mode=True)


def test_unit_zoom_axis_still_filtered_in_reflect_mode() -> None:
    # SciPy prefilters and interpolates an axis with zoom 1 when another axis
    # changes; with 'reflect' its prefilter is not an exact inverse, so that
    # axis changes slightly (up to ~1e-2 on 2-pixel axes).  Reproduced.
    x = np.random.default_rng(4).random((2, 3))
    want = _scipy(x, (1, 2), order=5, mode="reflect")
    assert np.abs(want[:, ::2] - x).max() > 1e-4  # SciPy's own behaviour
    np.testing.assert_allclose(pgs.zoom(x, (1, 2), order=5, mode="reflect"), want, atol=1e-13)


@pytest.mark.parametrize("order", [2, 3, 4, 5])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 20])
def test_prefilter_matrix(order: int, n: int) -> None:
    for init, mode in (("mirror", "mirror"), ("reflect", "reflect"), ("wrap", "grid-wrap")):
        want = ndi.spline_filter1d(np.eye(n), order, axis=0, mode=mode)
        np.testing.assert_allclose(prefilter_matrix(n, order, init), want, atol=1e-13)
    # Property: mirror and wrap are the exact inverse of the B-spline sampling matrix.
    if n > 1:
        for init, ext in (("mirror", "reflect"), ("wrap", "wrap")):
            k = bspline(order)
            a = np.zeros((n, n))
            for i in range(n):
                for j in range(i - 4, i + 5):
                    a[i, map_boundary(np.array([j]), n, ext)[0]] += k(float(i - j))
            np.testing.assert_allclose(prefilter_matrix(n, order, init) @ a, np.eye(n),
                                       atol=1e-13)


def test_bspline_kernel() -> None:
    # Hand values: beta3(0) = 2/3, beta3(1) = 1/6; beta2(0.5) = 1/2; partition of unity.
    assert get_kernel("bspline").name == "bspline3"
    np.testing.assert_allclose(bspline(3)([0.0, 1.0, 2.0]), [2 / 3, 1 / 6, 0.0], atol=1e-15)
    assert float(bspline(2)(0.5)) == 0.5
    t = np.linspace(0, 1, 11)
    for k in range(6):
        total = sum(bspline(k)(t + s) for s in range(-4, 5))
        np.testing.assert_allclose(total, 1.0, atol=1e-14)
    with pytest.raises(ValueError, match="order=6 is not valid"):
        bspline(6)


def test_bad_input() -> None:
    x = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"order=6 is not valid; expected an integer in 0\.\.5"):
        pgs.zoom(x, 2, order=6)
    with pytest.raises(ValueError, match="mode='foo' is not valid"):
        pgs.zoom(x, 2, mode="foo")
    with pytest.raises(ValueError, match=r"zoom=\[2, 2, 2\] has 3 entries"):
        pgs.zoom(x, [2, 2, 2])
    with pytest.raises(ValueError, match="zoom=-1 must be finite and >= 0"):
        pgs.zoom(x, -1)
    with pytest.raises(TypeError, match="cval='a' must be a real number"):
        pgs.zoom(x, 2, cval="a")
    with pytest.raises(TypeError, match="input has dtype complex128, which is not supported"):
        pgs.zoom(x.astype(complex), 2)
    with pytest.raises(ValueError, match=r"output has shape \(2, 2\)"):
        pgs.zoom(x, 2, np.zeros((2, 2)))


# --- Realistic sizes: 2000 <-> 5000 px axes (thin arrays keep CI fast) --------------------
#
# Measured on random [0, 1) data (SciPy 1.17.1): float32 is bit-identical for every
# order; float64 orders 0-3 are within 1.6e-15, orders 4-5 within 2.5e-14.  That last
# gap is SciPy's own rounding: its recursive prefilter multiplies the line by the
# filter gain first (385 for order 4, 1.7e2 for order 5 ...) and runs the recursions in
# double on the data, while pixelgrid applies the exact prefilter matrix; computed in
# 80-bit precision instead, pixelgrid's result moves by < 1e-15 and the gap stays.
# Every order 2000 -> 5000 with one mode each (so every mode meets a large axis), orders
# 0, 1 and 3 also 5000 -> 2000 (the 5000-sample prefilter matrix of the others takes ~1 s).
REALISTIC = [
    pytest.param(2000, 5000, 0, "nearest"),
    pytest.param(2000, 5000, 1, "grid-wrap"),
    pytest.param(2000, 5000, 2, "mirror"),
    pytest.param(2000, 5000, 3, "constant"),
    pytest.param(2000, 5000, 4, "reflect"),
    pytest.param(2000, 5000, 5, "grid-constant"),
    pytest.param(5000, 2000, 0, "grid-constant"),
    pytest.param(5000, 2000, 1, "reflect"),
    pytest.param(5000, 2000, 3, "nearest"),
]
FLOAT64_TOL = {0: 1e-15, 1: 1e-15, 2: 2e-15, 3: 2e-15, 4: 5e-14, 5: 5e-14}


@pytest.mark.parametrize(("n", "m", "order", "mode"), REALISTIC)
def test_zoom_realistic_sizes(n: int, m: int, order: int, mode: str) -> None:
    rng = np.random.default_rng(order * 10 + n)
    x64 = rng.random((2, n))
    grid = mode.startswith("grid")
    for x in (x64.astype(np.float32), x64):
        got = _ours(x, (1, m / n), order=order, mode=mode, grid_mode=grid)
        want = _scipy(x, (1, m / n), order=order, mode=mode, grid_mode=grid)
        assert got.shape == want.shape == (2, m) and got.dtype == want.dtype
        if x.dtype == np.float32:
            np.testing.assert_array_equal(got, want)  # bit-identical
        else:
            np.testing.assert_allclose(got, want, rtol=0, atol=FLOAT64_TOL[order])


@pytest.mark.parametrize("dtype", ["uint8", "int16"])
def test_zoom_integer_realistic_size(dtype: str) -> None:
    # integer output: SciPy's half-away store of the same float64 sums; a sample can differ
    # by 1 only where SciPy's sum is a .5 tie to within float64 rounding
    x = np.round(np.random.default_rng(3).random((2, 2000)) * 255).astype(dtype)
    got = _ours(x, (1, 2.5), order=3, mode="mirror")
    want = _scipy(x, (1, 2.5), order=3, mode="mirror")
    t = _ours(x.astype(np.float64), (1, 2.5), order=3, mode="mirror")
    diff = np.abs(got.astype(int) - want.astype(int))
    tie = np.abs(np.abs(t - np.trunc(t)) - 0.5) < 1e-9
    assert np.all((diff == 0) | ((diff == 1) & tie))
    assert np.count_nonzero(diff) <= 2


@pytest.mark.parametrize("n", [2, 3, 7])
def test_fold_positions_integers(n: int) -> None:
    # Property: at integer positions a fold reads the sample the integer boundary rule
    # of the same name reads (SciPy's mirror = pixelgrid reflect, its reflect =
    # symmetric, grid-wrap = wrap), and lands within one sample of the line (SciPy's
    # symmetric fold can give -1, whose taps fold again).
    j = np.arange(-5 * n, 5 * n)
    for fold in ("reflect", "symmetric", "wrap"):
        got = fold_positions(j.astype(np.float64), n, fold)
        assert got.min() >= -1 and got.max() <= n - 1
        np.testing.assert_array_equal(map_boundary(got.astype(np.int64), n, fold),
                                      map_boundary(j, n, fold))
    # wrap_samples: period n - 1; outside: -1 outside [0, n - 1]; none: unchanged.
    np.testing.assert_array_equal(fold_positions(j.astype(np.float64), n, "wrap_samples")[j >= 0],
                                  np.where(j[j >= 0] > n - 1, j[j >= 0] % (n - 1), j[j >= 0]))
    out = fold_positions(j.astype(np.float64), n, "outside")
    np.testing.assert_array_equal(out, np.where((j < 0) | (j > n - 1), -1, j))
    np.testing.assert_array_equal(fold_positions(j.astype(np.float64), n, "none"), j)
    with pytest.raises(ValueError, match="fold"):
        fold_positions(j.astype(np.float64), n, "mirror")
    with pytest.raises(ValueError, match="init"):
        prefilter_matrix(n, 3, "nearest")
