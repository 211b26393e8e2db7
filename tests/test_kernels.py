"""Kernels: values from their closed forms, computed independently here."""

import math
from fractions import Fraction

import numpy as np
import pytest

from pixelgrid import kernels


def test_linear_triangle():
    assert kernels.linear()([-1.5, -1, -0.25, 0, 0.5, 1]).tolist() == [0, 0, 0.75, 1, 0.5, 0]


@pytest.mark.parametrize("a", [-0.5, -0.75])
def test_cubic_keys_closed_form(a):
    k = kernels.cubic(a)
    # Keys (1981): |x|<1: (a+2)|x|^3 - (a+3)|x|^2 + 1; 1<=|x|<2: a|x|^3 - 5a|x|^2 + 8a|x| - 4a
    for x in [0.0, 0.25, 0.5, 0.99, 1.0, 1.5, 1.99, 2.0, 2.5]:
        if x < 1:
            v = (a + 2) * x**3 - (a + 3) * x**2 + 1
        elif x < 2:
            v = a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
        else:
            v = 0.0
        assert k([x])[0] == pytest.approx(v, abs=1e-15)
        assert k([-x])[0] == pytest.approx(v, abs=1e-15)
    # interpolating: k(0)=1, k(1)=k(2)=0, and the four taps of any phase sum to 1
    t = np.linspace(0, 1, 17)
    sums = sum(k(t + j) for j in (-2, -1, 0, 1))
    np.testing.assert_allclose(sums, 1.0, atol=1e-14)


def test_lanczos():
    k = kernels.lanczos(3)
    x = 0.7
    sinc = lambda t: math.sin(math.pi * t) / (math.pi * t)  # noqa: E731
    expected = sinc(x) * sinc(x / 3)
    assert k([x])[0] == pytest.approx(expected)
    assert k([3.0, -3.0, 3.5]).tolist() == [0, 0, 0]
    assert k([0.0])[0] == 1.0


def test_box_half_open():
    # Pillow's box: 1 for -0.5 < x <= 0.5
    assert kernels.box()([-0.5, -0.4999, 0.5, 0.5001]).tolist() == [0, 1, 1, 0]


def test_hamming_and_mitchell():
    x = 0.3
    ham = math.sin(math.pi * x) / (math.pi * x) * (0.54 + 0.46 * math.cos(math.pi * x))
    assert kernels.hamming()([x])[0] == pytest.approx(ham)
    # Mitchell B=C=1/3: k(0) = (6 - 2B)/6 = 8/9, k(1) = (B + 6C... ) -> 1/18
    m = kernels.mitchell()
    assert m([0.0])[0] == pytest.approx(8 / 9)
    assert m([1.0])[0] == pytest.approx(1 / 18)
    assert m([2.0])[0] == pytest.approx(0.0)


def test_gaussian_truncation():
    g = kernels.gaussian()  # sigma 0.5, radius 1.5 (TensorFlow's)
    assert g.radius == Fraction(3, 2)
    assert g([1.0])[0] == pytest.approx(math.exp(-1 / (2 * 0.25)))
    assert g([1.5])[0] == 0.0  # open support


def test_area_is_overlap():
    # footprint 3/2: output cell [-0.75, 0.75]; pixel 0 covers [-0.5, 0.5] fully (1.0),
    # pixel 1 covers [0.5, 1.5] -> overlap 0.25
    k = kernels.area().at_footprint(Fraction(3, 2))
    assert k([0.0, 1.0, -1.0, 1.25]).tolist() == [1.0, 0.25, 0.25, 0.0]


def test_get_kernel_names_and_errors():
    assert kernels.get_kernel("bilinear").name == "linear"
    assert kernels.get_kernel("lanczos").name == "lanczos3"
    with pytest.raises(ValueError, match="kernel='cubicle' is not valid; expected"):
        kernels.get_kernel("cubicle")
    with pytest.raises(ValueError, match="tie='nearest' is not valid"):
        kernels.nearest("nearest")
    with pytest.raises(ValueError, match="sigma=-1"):
        kernels.gaussian(-1)
    with pytest.raises(ValueError, match="n=0 must be >= 1"):
        kernels.lanczos(0)


def test_pillow_variants_are_resample_c_forms():
    # Resample.c (Pillow 13), in double: hamming uses the float literals 0.54f, 0.46f;
    # bicubic's outer piece is (((x - 5) x + 8) x - 4) a; lanczos keeps -3 <= x < 3.
    f054, f046 = float(np.float32(0.54)), float(np.float32(0.46))
    ham = kernels.hamming("pillow")
    for x in (0.1, 0.3, 0.77):
        t = x * math.pi
        assert ham([x])[0] == math.sin(t) / t * (f054 + f046 * math.cos(t))
    assert ham([0.0, 1.0, -1.0]).tolist() == [1.0, 0.0, 0.0]
    cub = kernels.cubic(-0.5, variant="pillow")
    for x in (1.1, 1.37, 1.9):
        assert cub([x])[0] == (((x - 5) * x + 8) * x - 4) * -0.5
        assert cub([-x])[0] == (((x - 5) * x + 8) * x - 4) * -0.5
    # the same polynomial as the default form, to rounding
    t = np.linspace(-2.5, 2.5, 101)
    np.testing.assert_allclose(cub(t), kernels.cubic(-0.5)(t), atol=1e-15)
    lz = kernels.lanczos(3, "pillow")
    s3 = math.sin(-3 * math.pi) / (-3 * math.pi)
    s1 = math.sin(-math.pi) / (-math.pi)
    assert lz([-3.0])[0] == s3 * s1 != 0.0  # Pillow's tap at -3 is kept
    assert lz([3.0])[0] == 0.0 and kernels.lanczos(3)([-3.0])[0] == 0.0


def test_mks_kernels_closed_forms():
    # Costella's piecewise quadratics (expanded forms, as libvips and Pillow document them)
    mks13 = kernels.get_kernel("mks2013")
    mks21 = kernels.get_kernel("mks2021")
    assert mks13.radius == Fraction(5, 2) and mks21.radius == Fraction(9, 2)
    for x in np.linspace(0, 5, 41):
        if x < 0.5:
            v13 = 1.0625 - 1.75 * x * x
            v21 = 577 / 576 - 239 / 144 * x * x
        elif x < 1.5:
            v13 = 0.25 * (4 * x * x - 11 * x + 7)
            v21 = (140 * x * x - 379 * x + 239) / 144
        elif x < 2.5:
            v13 = -0.125 * (x - 2.5) ** 2
            v21 = -(24 * x * x - 113 * x + 130) / 144
        elif x < 3.5:
            v13, v21 = 0.0, (4 * x * x - 27 * x + 45) / 144
        elif x < 4.5:
            v13, v21 = 0.0, -(4 * x * x - 36 * x + 81) / 1152
        else:
            v13 = v21 = 0.0
        assert mks13([x])[0] == pytest.approx(v13, abs=1e-15)
        assert mks13([-x])[0] == pytest.approx(v13, abs=1e-15)
        assert mks21([x])[0] == pytest.approx(v21, abs=1e-15)
    # unit DC gain: the taps of any phase sum to 1
    t = np.linspace(0, 1, 9)
    np.testing.assert_allclose(sum(mks13(t + j) for j in range(-3, 3)), 1.0, atol=1e-14)
    np.testing.assert_allclose(sum(mks21(t + j) for j in range(-5, 5)), 1.0, atol=1e-14)


def test_variant_is_validated():
    with pytest.raises(ValueError, match="variant='pil' is not valid"):
        kernels.cubic(-0.5, variant="pil")
    with pytest.raises(ValueError, match="variant='x' is not valid"):
        kernels.hamming("x")
    with pytest.raises(ValueError, match="variant='opencv' is not valid"):
        kernels.hamming("opencv")  # OpenCV has no Hamming kernel
    with pytest.raises(ValueError, match="variant='x' is not valid"):
        kernels.lanczos(3, "x")
    assert kernels.cubic(-0.5, variant="pillow").name == "cubic(a=-0.5, pillow)"


def test_support_mask_follows_edges():
    # box is (-1/2, 1/2]; lanczos3 (pillow) is [-3, 3); linear is [-1, 1]
    assert kernels.box().support_mask([-0.5, 0.5]).tolist() == [False, True]
    assert kernels.lanczos(3, "pillow").support_mask([-3.0, 3.0]).tolist() == [True, False]
    assert kernels.linear().support_mask([-1.0, 1.0, 1.5]).tolist() == [True, True, False]


@pytest.mark.parametrize(("interp", "kernel"), [
    ("INTER_CUBIC", lambda: kernels.cubic(-0.75, variant="opencv")),
    ("INTER_LANCZOS4", lambda: kernels.lanczos(4, variant="opencv")),
])
def test_opencv_rows_are_cv2_coefficients(interp, kernel):
    # cv2.resize of a one-hot float32 row (one input row, so the vertical pass is the
    # identity: f = 0 gives the taps (0, 1, 0, 0) / a 1-dominated Lanczos row) returns, at
    # each output, the float32 coefficient of the tap reading the one pixel.  Positions
    # x = f32((o + 0.5) * 64/2000 - 0.5) (OpenCV's double product rounded to float32).
    cv2 = pytest.importorskip("cv2")
    old = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    try:
        src = np.zeros((1, 64), np.float32)
        src[0, 32] = 1
        got = cv2.resize(src, (2000, 1), interpolation=getattr(cv2, interp))[0]
    finally:
        cv2.ipp.setUseIPP(old)
    k = kernel()
    ksize = int(2 * k.radius)
    x = ((np.arange(2000) + 0.5) * (64 / 2000) - 0.5).astype(np.float32).astype(np.float64)
    s = np.floor(x).astype(np.int64)
    rows = k.rows((x - s).astype(np.float32))
    tap = 32 - (s - ksize // 2 + 1)  # which tap of each row reads pixel 32
    near = (tap >= 0) & (tap < ksize)
    expect = np.where(near, rows[np.arange(2000), np.clip(tap, 0, ksize - 1)], 0)
    np.testing.assert_array_equal(got, expect.astype(np.float32))


def test_opencv_variant_checks():
    with pytest.raises(ValueError, match="n="):
        kernels.lanczos(3, variant="opencv")
    with pytest.raises(ValueError, match="variant"):
        kernels.cubic(-0.75, variant="cv2")
    # cubic(-0.75) at f = 1/2, by hand: outer taps a(t^3 - 5t^2 + 8t - 4) at t = 1.5
    # = -0.75 * 0.125, inner (a+2)t^3 - (a+3)t^2 + 1 at t = 0.5 = 0.59375
    rows = kernels.cubic(-0.75, variant="opencv").rows(np.float32([0.5]))
    assert rows.tolist() == [[-0.09375, 0.59375, 0.59375, -0.09375]]
