"""uint8 resize sweeps against the real cv2.resize (opencv-python-headless 5.1.0.95).

With Intel IPP on (the wheel's default) OpenCV hands uint8 ``INTER_CUBIC`` with 1, 3
or 4 channels to IPP (``hal/ipp/src/resize_ipp.cpp``): a float32 computation whose
tables and tap orders ``pixelgrid.compat.opencv`` reproduces (``ipp=True``, the
default).  Before, the module reproduced OpenCV's own 11-bit code only, which differs
from IPP by one level on 1-10 % of the pixels (60x80 -> 40x50: 63 of 2000).  The
other interpolations never go to IPP for uint8 and must stay bit-exact either way.

IPP picks its kernels by CPU; the orders were measured on its AVX-512 code (``k0``).
On other CPUs a few pixels may differ by one level (measured with ``OPENCV_IPP=avx2``:
9 of 1.4 million pixels; ``sse42``: 13), so exactness is asserted on ``k0`` only.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pixelgrid.compat import opencv as pc

cv2 = pytest.importorskip("cv2")

K0 = "(k0)" in cv2.ipp.getIppVersion()  # the AVX-512 kernels the orders were measured on

INTERPS = [pc.INTER_CUBIC, pc.INTER_LINEAR, pc.INTER_LANCZOS4, pc.INTER_AREA,
           pc.INTER_NEAREST, pc.INTER_NEAREST_EXACT, pc.INTER_LINEAR_EXACT]

# ((H, W), (h, w)): down, up, odd, one axis kept, non-integer and integer ratios, inputs
# below IPP's 4 px (OpenCV's own code), and thin 2000-5000 px axes (errors growing with
# the axis would show; IPP's groups of four columns and its tail are exercised).
SIZES = [((60, 80), (40, 50)), ((60, 80), (90, 120)), ((60, 80), (61, 79)),
         ((60, 80), (30, 40)), ((37, 41), (113, 97)), ((101, 99), (17, 23)),
         ((5, 7), (9, 4)), ((4, 4), (7, 5)), ((64, 64), (128, 128)), ((33, 65), (66, 130)),
         ((17, 300), (41, 77)), ((9, 13), (9, 40)), ((31, 22), (17, 22)),
         ((3, 9), (7, 20)), ((2, 50), (5, 11)),
         ((4, 2500), (3, 2003)), ((3, 2001), (2, 5000)), ((2049, 4), (4999, 5))]


@pytest.fixture()
def ipp_on() -> Iterator[None]:
    old = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(True)
    yield
    cv2.ipp.setUseIPP(old)


@pytest.fixture()
def ipp_off() -> Iterator[None]:
    old = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    yield
    cv2.ipp.setUseIPP(old)


def _sweep(interp: int, ipp: bool) -> tuple[int, int, int]:
    """Mismatched pixels, all pixels and the worst difference over SIZES x {1, 3, 4} channels."""
    rng = np.random.default_rng([3, interp])
    bad = total = worst = 0
    for (h_in, w_in), (h, w) in SIZES:
        for cn in (1, 3, 4):
            shape = (h_in, w_in) if cn == 1 else (h_in, w_in, cn)
            x = rng.integers(0, 256, shape, dtype=np.uint8)
            ref = cv2.resize(x, (w, h), interpolation=interp)
            got = pc.resize(x, (w, h), interpolation=interp, ipp=ipp)
            assert got.shape == ref.shape and got.dtype == ref.dtype
            d = np.abs(got.astype(np.int64) - ref.astype(np.int64))
            bad, total, worst = bad + int(np.count_nonzero(d)), total + d.size, max(
                worst, int(d.max()))
    return bad, total, worst


@pytest.mark.parametrize("interp", INTERPS)
def test_sweep_ipp_on_is_bit_exact(interp: int, ipp_on: None) -> None:
    """IPP on (the default): every interpolation bit-exact, uint8 CUBIC included (k0)."""
    bad, total, worst = _sweep(interp, True)
    if interp == pc.INTER_CUBIC and not K0:  # IPP's kernels for another CPU
        assert worst <= 1 and bad <= 1e-4 * total, (bad, total, worst)
    else:
        assert bad == 0, (bad, total, worst)


@pytest.mark.parametrize("interp", INTERPS)
def test_sweep_ipp_off_is_bit_exact(interp: int, ipp_off: None) -> None:
    """IPP off and ``ipp=False``: OpenCV's own code, bit-exact (CPU-independent)."""
    bad, total, worst = _sweep(interp, False)
    assert bad == 0, (bad, total, worst)


def test_cubic_ipp_and_own_code_differ(ipp_on: None) -> None:
    """The bug: OpenCV's own 11-bit code is not what the wheel computes by default."""
    x = np.random.default_rng(0).integers(0, 256, (60, 80), dtype=np.uint8)
    ref = cv2.resize(x, (50, 40), interpolation=cv2.INTER_CUBIC)
    own = pc.resize(x, (50, 40), interpolation=pc.INTER_CUBIC, ipp=False)
    assert int(np.count_nonzero(own != ref)) == 63  # measured: 63 of 2000 pixels, 1 level
    if K0:
        assert np.array_equal(pc.resize(x, (50, 40), interpolation=pc.INTER_CUBIC), ref)


def test_cubic_ipp_declines_small_and_two_channel_images(ipp_on: None) -> None:
    """An input axis under 4 px or 2 channels: OpenCV's own code even with IPP on."""
    rng = np.random.default_rng(1)
    for shape, dsize in (((3, 40), (17, 9)), ((40, 2), (5, 13)), ((30, 40, 2), (25, 17))):
        x = rng.integers(0, 256, shape, dtype=np.uint8)
        ref = cv2.resize(x, dsize, interpolation=cv2.INTER_CUBIC)
        assert np.array_equal(pc.resize(x, dsize, interpolation=pc.INTER_CUBIC), ref)
        assert np.array_equal(pc.resize(x, dsize, interpolation=pc.INTER_CUBIC, ipp=False),
                              ref)


def test_cubic_fx_fy(ipp_on: None) -> None:
    """``fx``/``fy``: a ratio equal to dsize/size is IPP's resize (bit-exact on k0); other
    ratios are IPP's warp (step 1/fx, same tables and orders): within 1 level on a few
    pixels (measured 33 of ~3 million; OpenCV's own code differs on 4 % of them)."""
    rng = np.random.default_rng(2)
    for shape, fx, fy in (((60, 80), 1.5, 0.5), ((64, 64, 3), 0.25, 0.75),
                          ((50, 50, 4), 1.5, 1.5)):
        x = rng.integers(0, 256, shape, dtype=np.uint8)
        ref = cv2.resize(x, None, fx=fx, fy=fy, interpolation=cv2.INTER_CUBIC)
        got = pc.resize(x, None, fx=fx, fy=fy, interpolation=pc.INTER_CUBIC)
        assert np.count_nonzero(got != ref) == 0 or not K0
    bad = total = 0
    for cn in (1, 3, 4):
        for shape, fx, fy in (((71, 93), 0.6524658, 2.3976058), ((45, 38), 1.98447, 2.44298),
                              ((55, 60), 2.8898, 2.9771), ((7, 3), 1.37, 0.71)):
            x = rng.integers(0, 256, shape if cn == 1 else (*shape, cn), dtype=np.uint8)
            ref = cv2.resize(x, None, fx=fx, fy=fy, interpolation=cv2.INTER_CUBIC)
            got = pc.resize(x, None, fx=fx, fy=fy, interpolation=pc.INTER_CUBIC)
            d = np.abs(got.astype(np.int64) - ref.astype(np.int64))
            assert d.max() <= 1
            bad, total = bad + int(np.count_nonzero(d)), total + d.size
    assert bad <= 1e-3 * total, (bad, total)


def test_cubic_threads_do_not_matter(ipp_on: None) -> None:
    """OpenCV splits IPP's work into row tiles: the result does not depend on threads."""
    x = np.random.default_rng(4).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    old = cv2.getNumThreads()
    try:
        cv2.setNumThreads(4)
        ref = cv2.resize(x, (250, 200), interpolation=cv2.INTER_CUBIC)
    finally:
        cv2.setNumThreads(old)
    got = pc.resize(x, (250, 200), interpolation=pc.INTER_CUBIC)
    assert np.count_nonzero(got != ref) == 0 or not K0


def test_ipp_tables_and_orders_are_declared() -> None:
    # IPP holds the fraction as 1 + f in float32: 30 -> 90 px puts column 5 at
    # x = 5.5 / 3 - 0.5 = 1 + 1/3, f32(1 + f32(1/3)) - 1 = 0.3333333730697632 (one 2**-23
    # step above 1/3), and the weights f32(keys(...)) below are the ones found by a brute
    # force over float32 weight sets against cv2's outputs (the only set consistent with
    # 3604 rows near a rounding tie).
    (_, px), (_, py) = pc.like_plans((90, 30), (270, 90), interpolation="INTER_CUBIC",
                                     dtype=np.uint8)
    assert px.arithmetic.window == "float32_floor_ipp" and px.arithmetic.fma == "ipp_cubic"
    assert py.arithmetic.fma == "pairs" and py.arithmetic.store == "half_even"
    assert px.weight[5].tolist() == [-0.1111111119389534, 0.796296238899231,
                                     0.37037041783332825, -0.055555567145347595]
    assert px.index[5].tolist() == [0, 1, 2, 3]
    own = pc.like_plans((90, 30), (270, 90), interpolation="INTER_CUBIC", dtype=np.uint8,
                        ipp=False)
    assert own[0][1].arithmetic.intermediate == "unshifted"
    assert "IPP's 4-tap orders" in px.arithmetic.describe("uint8")


def test_bad_ipp_flag() -> None:
    x = np.zeros((8, 8), np.uint8)
    with pytest.raises(TypeError, match="ipp='yes' must be True or False"):
        pc.resize(x, (4, 4), interpolation=pc.INTER_CUBIC, ipp="yes")  # type: ignore[arg-type]
