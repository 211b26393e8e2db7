"""pixelgrid.compat.matlab.imresize: hand derivations from MATLAB's documented algorithm.

MATLAB cannot be installed here.  Expected values are derived by hand (the
derivation is in the comments) from MATLAB's ``contributions()``:
``u = x / scale + 0.5 * (1 - 1 / scale)`` (1-based), kernel ``scale * k(scale * x)``
when shrinking with antialiasing, weights normalised, symmetric padding
(``aux = [1..n, n..1]``), output size ``ceil(scale * n)``; plus the published
example T3 and a cross-check with ``resize-right`` (a MATLAB port) where it
follows MATLAB.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pixelgrid.compat import matlab as pgm


def test_t3_published_example() -> None:
    # USER-NEEDS T3: [[1,2],[3,4]] -> 4x4 bilinear, then back to 2x2 with MATLAB's
    # antialiasing and symmetric padding.  Up: x0 = (o+0.5)/2-0.5 = -0.25, 0.25, 0.75,
    # 1.25; -0.25 reads 0.75*a0 + 0.25*a(-1)=a0 -> a0, so rows [1, 1.25, 1.75, 2].
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    up = pgm.imresize(a, 2, "bilinear")
    assert up.tolist() == [[1, 1.25, 1.75, 2], [1.5, 1.75, 2.25, 2.5],
                           [2.5, 2.75, 3.25, 3.5], [3, 3.25, 3.75, 4]]
    # Down by 0.5: x0 = 0.5, triangle stretched to width 4: taps -1, 0, 1, 2 with
    # weights 0.125, 0.375, 0.375, 0.125; tap -1 mirrors to 0.  Row 0 of `up`:
    # 0.5*1 + 0.375*1.25 + 0.125*1.75 = 1.1875; the image is a_i + b_j, so
    # out[0,0] = 1.1875 + (0.5*0 + 0.375*0.5 + 0.125*1.5) = 1.5625.
    assert pgm.imresize(up, 0.5, "bilinear").tolist() == [[1.5625, 2.1875], [2.8125, 3.4375]]
    assert pgm.imresize(up, 0.5, "triangle").tolist() == [[1.5625, 2.1875], [2.8125, 3.4375]]


def test_no_antialias_ceil_size_and_left_aligned_grid() -> None:
    # Guide 5.2: 10 px at 0.35, linear, no antialiasing: out = ceil(3.5) = 4,
    # x0 = (o + 0.5) / 0.35 - 0.5 = 0.9286, 3.7857, 6.6429, 9.5; at 9.5 the taps 9 and
    # 10 -> 9 (symmetric) give 9.0.
    x = np.tile(np.arange(10.0), (2, 1))
    y = pgm.imresize(x, 0.35, "bilinear", antialiasing=False)
    assert y.shape == (1, 4)  # rows: ceil(0.7) = 1
    np.testing.assert_allclose(y[0], [13 / 14, 53 / 14, 93 / 14, 9.0], atol=1e-14)


def test_bicubic_uint8_rounding_and_saturation() -> None:
    # [[255, 0]] x2 bicubic (a = -0.5).  Row pass first (equal scales: rows first):
    # one row, every tap mirrors to it -> unchanged.  Columns: x0 = -0.25, 0.25,
    # 0.75, 1.25.  Keys weights at distances 1.75, 0.75, 0.25, 1.25 are
    # -0.0234375, 0.2265625, 0.8671875, -0.0703125.
    # o=0: taps -2,-1,0,1 -> 1,0,0,1: 255 * (0.2265625 + 0.8671875) = 278.9 -> 255
    # o=1: taps -1,0,1,2 -> 0,0,1,1: 255 * (-0.0703125 + 0.8671875) = 203.2 -> 203
    # o=2: 255 * (-0.0234375 + 0.2265625) = 51.8 -> 52; o=3: 255 * (-0.09375) -> 0.
    a = np.array([[255, 0]], dtype=np.uint8)
    y = pgm.imresize(a, 2)
    assert y.dtype == np.uint8
    assert y.tolist() == [[255, 203, 52, 0], [255, 203, 52, 0]]
    f = pgm.imresize(a.astype(np.float64), 2)
    np.testing.assert_allclose(f[0], [278.90625, 203.203125, 51.796875, -23.90625],
                               atol=1e-12)


def test_uint8_round_half_away() -> None:
    # [[0, 2]] x2 bilinear: 0, 0.25*2 = 0.5, 1.5, 2 -> round half away: 0, 1, 2, 2.
    y = pgm.imresize(np.array([[0, 2]], dtype=np.uint8), 2, "bilinear")
    assert y.tolist() == [[0, 1, 2, 2], [0, 1, 2, 2]]
    # int16 negatives: [[0, -2]] -> 0, -0.5 -> -1, -1.5 -> -2, -2.
    y = pgm.imresize(np.array([[0, -2]], dtype=np.int16), 2, "bilinear")
    assert y.tolist() == [[0, -1, -2, -2], [0, -1, -2, -2]]


def test_nearest_and_box() -> None:
    # nearest, 3 -> 6: u = x/2 + 0.25 (1-based) = 0.75, 1.25, ... ind = floor(u + 0.5)
    # -> 1,1,2,2,3,3; no antialiasing when shrinking: 6 -> 3 picks u = 2x - 0.5 =
    # 1.5, 3.5, 5.5 -> ind 2, 4, 6 (ties go to the right).
    x = np.array([[10.0, 20.0, 30.0]])
    assert pgm.imresize(x, [1, 6], "nearest").tolist() == [[10, 10, 20, 20, 30, 30]]
    x6 = np.array([[1.0, 2, 3, 4, 5, 6]])
    assert pgm.imresize(x6, [1, 3], "nearest").tolist() == [[2, 4, 6]]
    # box with antialiasing, 6 -> 3: width 2 box over [u-1, u+1): taps x0-1/2..: averages
    # of pairs (1,2), (3,4), (5,6) -> 1.5, 3.5, 5.5.
    assert pgm.imresize(x6, [1, 3], "box").tolist() == [[1.5, 3.5, 5.5]]
    # bool only with nearest
    b = pgm.imresize(np.array([[True, False]]), 2, "nearest")
    assert b.dtype == np.bool_ and b.tolist() == [[True, True, False, False]] * 2


def test_output_size_and_dimension_order() -> None:
    assert pgm.imresize(np.zeros((10, 7)), 0.35).shape == (4, 3)  # ceil(3.5), ceil(2.45)
    assert pgm.imresize(np.zeros((10, 7, 3)), [math.nan, 14]).shape == (20, 14, 3)
    # The dimension with the smaller scale goes first (MATLAB sort(scale)).
    axes = [ax for ax, _ in pgm.imresize_plans((8, 8), [16, 4])]
    assert axes == [1, 0]
    axes = [ax for ax, _ in pgm.imresize_plans((8, 8), [4, 16])]
    assert axes == [0, 1]


@pytest.mark.parametrize("method", ["bicubic", "bilinear", "lanczos2", "lanczos3", "box"])
def test_against_resize_right(method: str) -> None:
    # resize-right with pad_mode='symmetric' follows MATLAB's algorithm when
    # out = scale * in exactly (guide 5.2); its lanczos uses float32 eps.
    rr = pytest.importorskip("resize_right")
    im = pytest.importorskip("resize_right.interp_methods")
    kernel = {"bicubic": im.cubic, "bilinear": im.linear, "lanczos2": im.lanczos2,
              "lanczos3": im.lanczos3, "box": im.box}[method]
    tol = 2e-7 if method.startswith("lanczos") else 1e-13
    rng = np.random.default_rng(31)
    for shape, out in [((12, 10), (6, 5)), ((9, 7), (27, 14)), ((8, 12), (2, 3)),
                       ((5, 5), (15, 10)), ((10, 10), (30, 5)), ((1, 6), (3, 2))]:
        x = rng.random(shape)
        want = rr.resize(x, out_shape=out, interp_method=kernel, pad_mode="symmetric",
                         antialiasing=True)
        np.testing.assert_allclose(pgm.imresize(x, list(out), method), want, atol=tol)


def test_bad_input() -> None:
    x = np.ones((4, 4))
    with pytest.raises(ValueError, match="method='spline' is not valid"):
        pgm.imresize(x, 2, "spline")
    with pytest.raises(ValueError, match="scale_or_size=0: a scale must be finite and > 0"):
        pgm.imresize(x, 0)
    with pytest.raises(ValueError, match=r"must be a scale or \[rows, cols\]"):
        pgm.imresize(x, [1, 2, 3])
    with pytest.raises(TypeError, match="antialiasing='yes' must be True, False or None"):
        pgm.imresize(x, 2, antialiasing="yes")
    with pytest.raises(TypeError, match="A has dtype int32"):
        pgm.imresize(x.astype(np.int32), 2)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        pgm.imresize(np.ones(4), 2)


def _half_away(v: np.ndarray, dtype: type) -> np.ndarray:
    # MATLAB's conversion to an integer class: round half away from zero, saturate
    info = np.iinfo(dtype)
    return np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5), info.min, info.max).astype(dtype)


@pytest.mark.parametrize("method", ["bicubic", "bilinear", "lanczos3"])
@pytest.mark.parametrize(("n", "m"), [(2000, 5000), (5000, 2000)])
def test_against_resize_right_realistic_sizes(method: str, n: int, m: int) -> None:
    # 2000 <-> 5000 px (scale 2.5 / 0.4, antialiased when shrinking).  resize-right places
    # samples at o / s + (in - 1) / 2 - (out - 1) / (2 s), MATLAB (and this emulation) at
    # u = x / s + 0.5 * (1 - 1 / s): the same grid, rounded differently in double, so the
    # two drift apart by ~n * eps (3.3e-13 measured at 5000 px); lanczos: resize-right's
    # float32 eps.  Single stays single between passes (float32 rounding of the result).
    rr = pytest.importorskip("resize_right")
    im = pytest.importorskip("resize_right.interp_methods")
    kernel = {"bicubic": im.cubic, "bilinear": im.linear, "lanczos3": im.lanczos3}[method]
    x = np.random.default_rng(n).random((3, n))
    want = rr.resize(x, out_shape=(3, m), interp_method=kernel, pad_mode="symmetric",
                     antialiasing=True)
    tol = 2e-7 if method.startswith("lanczos") else 1e-12
    np.testing.assert_allclose(pgm.imresize(x, [3, m], method), want, rtol=0, atol=tol)
    got32 = pgm.imresize(x.astype(np.float32), [3, m], method)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=0, atol=tol + 2e-7)


def _tie_tolerant(got: np.ndarray, double: np.ndarray) -> None:
    # equal to the double result rounded half away, except by 1 where it is a .5 tie to
    # within 1e-9 (which way a tie goes depends on the last bit of the positions)
    want = _half_away(double, got.dtype.type)
    diff = np.abs(got.astype(int) - want.astype(int))
    tie = np.abs(np.abs(double - np.trunc(double)) - 0.5) < 1e-9
    assert np.all((diff == 0) | ((diff == 1) & tie))


def test_uint8_per_pass_store_realistic_size() -> None:
    # uint8, (4, 2000) -> (8, 5000): scales 2 (rows) and 2.5 (cols), rows first (smaller
    # scale); MATLAB stores each pass in uint8, rounded half away from zero.  Each pass
    # against resize-right (double) on that pass's input, rounded the same way.
    rr = pytest.importorskip("resize_right")
    im = pytest.importorskip("resize_right.interp_methods")
    x = np.round(np.random.default_rng(8).random((4, 2000)) * 255).astype(np.uint8)
    rows = pgm.imresize(x, [8, 2000], "bicubic")
    _tie_tolerant(rows, rr.resize(x.astype(np.float64), out_shape=(8, 2000),
                                  interp_method=im.cubic, pad_mode="symmetric"))
    full = pgm.imresize(x, [8, 5000], "bicubic")
    np.testing.assert_array_equal(full, pgm.imresize(rows, [8, 5000], "bicubic"))
    _tie_tolerant(full, rr.resize(rows.astype(np.float64), out_shape=(8, 5000),
                                  interp_method=im.cubic, pad_mode="symmetric"))


def test_nearest_ignores_antialiasing() -> None:
    # MATLAB's imresize ignores 'Antialiasing' for 'nearest' (it picks samples; the box is
    # not widened), so antialiasing=True gives the plain nearest result.  Hand derivation,
    # 10 -> 4 (scale 0.4): u = (o + 1) / 0.4 + 0.5 * (1 - 2.5) = 1.75, 4.25, 6.75, 9.25
    # (1-based); nearest sample floor(u + 0.5) = 2, 4, 7, 9 -> values 1, 3, 6, 8.
    x = np.arange(10.0)[None, :]
    want = [[1.0, 3.0, 6.0, 8.0]]
    assert pgm.imresize(x, [1, 4], "nearest").tolist() == want
    assert pgm.imresize(x, [1, 4], "nearest", antialiasing=True).tolist() == want
    big = np.random.default_rng(9).random((2, 5000))
    np.testing.assert_array_equal(pgm.imresize(big, [2, 2000], "nearest", antialiasing=True),
                                  pgm.imresize(big, [2, 2000], "nearest"))
