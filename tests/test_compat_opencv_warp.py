"""compat.opencv.warpAffine against cv2.warpAffine.

Expected values come from the real cv2 (opencv-python-headless 5.1.0.95).  ipp=False
(OpenCV's own kernels) is compared bit for bit with cv2 after cv2.ipp.setUseIPP(False);
ipp=True (the default: an approximate model of Intel IPP's INTER_LINEAR, which cv2 uses
with IPP on) within its measured bounds.  The compiled kernel is compared with the numpy
oracle (pixelgrid._cv_warp) bit for bit in both models.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from pixelgrid._cv_warp import opencv_invert_affine, opencv_warp_reference
from pixelgrid._engines import native_cv_warp
from pixelgrid._kernels import linear, nearest
from pixelgrid._sampling import sample_points
from pixelgrid.compat import opencv as pgo

cv2 = pytest.importorskip("cv2")

DTYPES = ["uint8", "uint16", "float32"]
BORDERS = [0, 1, 2, 3, 4]  # CONSTANT, REPLICATE, REFLECT, WRAP, REFLECT_101


@pytest.fixture(autouse=True)
def _no_ipp() -> Iterator[None]:
    old = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    yield
    cv2.ipp.setUseIPP(old)


def _image(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "float32":
        return rng.random(shape, dtype=np.float32)
    hi = 256 if dtype == "uint8" else 65536
    return rng.integers(0, hi, shape).astype(dtype)


def _random_matrix(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Rotation + anisotropic scale + shear + translation (half-pixel ones included)."""
    kind = rng.integers(0, 4)
    if kind == 0:  # a half-pixel (or integer + half) translation
        return np.array([[1.0, 0, rng.integers(-3, 3) + 0.5], [0, 1, rng.integers(-2, 2) + 0.5]])
    ang = rng.uniform(-np.pi, np.pi) if kind == 1 else rng.uniform(-0.05, 0.05)
    s = rng.uniform(0.4, 2.5, 2)
    sh = rng.uniform(-0.3, 0.3)
    c, sn = np.cos(ang), np.sin(ang)
    a = np.array([[c, -sn], [sn, c]]) @ np.array([[s[0], sh], [0, s[1]]])
    t = np.array([w, h]) / 2 - a @ (np.array([w, h]) / 2) + rng.uniform(-5, 5, 2)
    return np.hstack([a, t[:, None]])


def _warp(*args: Any, **kwargs: Any) -> np.ndarray:
    """compat.opencv.warpAffine with OpenCV's own kernels (ipp=False: the IPP-off cv2)."""
    kwargs.setdefault("ipp", False)
    return pgo.warpAffine(*args, **kwargs)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a, b, equal_nan=True), f"{int(np.sum(a != b))} values differ"


# --- bit-exact with cv2 -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("flags", [0, 1, 0 | 16, 1 | 16])
@pytest.mark.parametrize("border", BORDERS)
def test_thin_wide_matches_cv2(dtype: str, channels: int, flags: int, border: int) -> None:
    # 3 x 2600 input, 4 x 2300 output (every column of the vector body and the tail):
    # a small rotation + x scale/shear keeps the points on the thin image
    rng = np.random.default_rng([channels, flags, border, len(dtype)])
    x = _image(rng, (3, 2600, channels), dtype)
    a = rng.uniform(-0.001, 0.001)
    m = np.array([[rng.uniform(0.9, 1.15), rng.uniform(-0.2, 0.2), rng.uniform(-9, 9)],
                  [a, rng.uniform(0.8, 1.2), rng.uniform(-0.6, 0.6)]])
    bv = (17.0, 250.0, 3.5, 300.0) if dtype != "float32" else (0.25, 0.5, 0.75, 1.0)
    want = cv2.warpAffine(x, m, (2300, 4), flags=flags, borderMode=border, borderValue=bv)
    got = _warp(x, m, (2300, 4), flags=flags, borderMode=border, borderValue=bv)
    _same(got, want)


@pytest.mark.parametrize("seed", range(4))
def test_random_calls_match_cv2(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for i in range(40):
        dtype = DTYPES[i % 3]
        c = [1, 3, 4][(i // 3) % 3]
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 90))
        x = _image(rng, (h, w, c), dtype)
        if c == 1 and i % 2:
            x = x[:, :, 0]
        m = _random_matrix(rng, h, w)
        dsize = (int(rng.integers(1, 70)), int(rng.integers(1, 30)))
        flags = int(rng.choice([0, 1, 3])) | (16 if rng.random() < 0.5 else 0)
        border = int(rng.choice(BORDERS))
        bv: Any = tuple(rng.uniform(-10, 300, 4)) if rng.random() < 0.5 else float(
            rng.uniform(0, 300))
        want = cv2.warpAffine(x, m, dsize, flags=flags, borderMode=border, borderValue=bv)
        got = _warp(x, m, dsize, flags=flags, borderMode=border, borderValue=bv)
        _same(got, want)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_rotation_2048_matches_cv2(dtype: str) -> None:
    # the benchmark's kind of call (rotate + scale about the centre) on a 2048-wide image
    rng = np.random.default_rng(7)
    x = _image(rng, (96, 2048, 3), dtype)
    m = cv2.getRotationMatrix2D((1023.5, 47.5), 30, 1.1)
    for border in (0, 1):
        want = cv2.warpAffine(x, m, (2048, 96), flags=1, borderMode=border, borderValue=(9, 8, 7))
        _same(_warp(x, m, (2048, 96), borderMode=border, borderValue=(9, 8, 7)), want)


def test_single_channel_axis_and_defaults() -> None:
    rng = np.random.default_rng(3)
    x = _image(rng, (20, 30, 1), "uint8")
    m = _random_matrix(rng, 20, 30)
    want = cv2.warpAffine(x, m, (25, 15))
    got = _warp(x, m, (25, 15))
    assert got.shape == want.shape == (15, 25)
    _same(got, want)
    _same(_warp(x[:, :, 0], m, (0, 0)), cv2.warpAffine(x[:, :, 0], m, (0, 0)))
    out = np.empty((15, 25), np.uint8)
    assert _warp(x, m, (25, 15), dst=out) is out


def test_nan_data_matches_cv2() -> None:
    rng = np.random.default_rng(5)
    x = _image(rng, (30, 40, 3), "float32")
    x[rng.random(x.shape) < 0.05] = np.nan
    m = _random_matrix(rng, 30, 40)
    for flags in (0, 1):
        _same(_warp(x, m, (40, 30), flags=flags),
              cv2.warpAffine(x, m, (40, 30), flags=flags))


def test_nearest_quarter_turn_ties_match_cv2() -> None:
    # test_warp.py's strict xfail (OpenCV 5.1 nearest on exact half-pixel ties): with IPP
    # off the float32 positions and round-half-even reproduce it exactly
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (6, 9)).astype(np.uint8)
    m = np.array([[0.0, 1.0, 1.5], [-1.0, 0.0, 6.5]])  # rotation(90) about the centre
    _same(_warp(x, m, (9, 6), flags=0), cv2.warpAffine(x, m, (9, 6), flags=0))


def test_hand_derived_half_pixel() -> None:
    # dst(x) = src(x + 0.5): halfway between neighbours (guide section 2.9), 0 outside
    x = np.array([[0, 100, 200, 100, 0]], dtype=np.uint8)
    m = np.array([[1.0, 0, 0.5], [0, 1, 0]])
    assert _warp(x, m, (5, 1)).tolist() == [[0, 50, 150, 150, 50]]


# --- ipp=True: the approximate IPP model against cv2 with IPP on ----------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_ipp_model_close_to_cv2_ipp(dtype: str) -> None:
    # measured bounds (docs): uint8 1 level on ~3e-5 of the values, uint16 ~0, float32
    # 1-2 ulps on ~0.3 % of the values (IPP's border and row-tail rules not found);
    # OpenCV's own model is much further from IPP (float32: most values)
    rng = np.random.default_rng(len(dtype))
    cv2.ipp.setUseIPP(True)
    off = n = 0
    worst = 0.0
    for i in range(12):
        c = [1, 3, 4][i % 3]
        h, w = int(rng.integers(20, 100)), int(rng.integers(20, 300))
        x = _image(rng, (h, w, c), dtype)
        a = rng.normal(size=(2, 2)) * 0.3 + np.eye(2)
        m = np.hstack([a, rng.uniform(-10, 10, (2, 1))])
        border = i % 2
        want = cv2.warpAffine(x, m, (w, h), borderMode=border).reshape(h, w, c)
        got = pgo.warpAffine(x, m, (w, h), borderMode=border).reshape(h, w, c)
        d = np.abs(got.astype(np.float64) - want)
        worst = max(worst, float(d.max()))
        off += int(np.count_nonzero(d))
        n += d.size
    if dtype == "float32":
        assert worst <= 2.4e-7 and off <= 0.01 * n
    else:
        assert worst <= 1 and off <= 1e-3 * n


def test_ipp_model_5000px_float32() -> None:
    # IPP's positions are double: OpenCV's own float32 model is 3.5e-4 off at 5000 px
    rng = np.random.default_rng(0)
    cv2.ipp.setUseIPP(True)
    x = rng.random((6, 5000, 3), dtype=np.float32)
    m = np.array([[1.02, 0.1, -3.0], [0.0005, 0.95, 0.2]])
    want = cv2.warpAffine(x, m, (5000, 6))
    assert float(np.abs(pgo.warpAffine(x, m, (5000, 6)) - want).max()) <= 2.4e-7
    assert float(np.abs(_warp(x, m, (5000, 6)) - want).max()) > 1e-4


# --- compiled kernel vs the numpy oracle --------------------------------------------------


@pytest.mark.skipif(not native_cv_warp.available(), reason="compiled engine not built")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("lin", [False, True])
def test_native_matches_oracle(dtype: str, channels: int, lin: bool) -> None:
    rng = np.random.default_rng([channels, int(lin), len(dtype)])
    for i in range(6):
        h, w = int(rng.integers(1, 50)), int(rng.integers(1, 70))
        x = _image(rng, (h, w, channels), dtype)
        if dtype == "float32" and i == 0:
            x[rng.random(x.shape) < 0.1] = np.nan
        back = _random_matrix(rng, h, w)
        oh, ow = int(rng.integers(1, 40)), int(rng.integers(1, 75))
        border = ["constant", "clamp", "symmetric", "wrap", "reflect"][i % 5]
        fill = list(rng.uniform(-5, 70000, 4))
        for ipp in (False, True):
            want = opencv_warp_reference(x, back, oh, ow, lin, border, fill, ipp=ipp)
            # the AVX-512, AVX2 and scalar builds (where the CPU has them)
            for simd, avx512 in ((True, True), (True, False), (False, False)):
                for threads in (1, 3):
                    got = native_cv_warp.warp(x, back, oh, ow, lin, border, fill, 16,
                                              threads=threads, simd=simd, ipp=ipp,
                                              avx512=avx512)
                    assert got is not None
                    _same(got, want)


@pytest.mark.skipif(not native_cv_warp.available(), reason="compiled engine not built")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_native_ipp_rows_match_oracle(dtype: str, channels: int) -> None:
    # the ipp fast path (positions per group of 8 in registers; uint8 3-4 channels: packed
    # stores, and 512-bit registers in the AVX-512 build):
    # images large enough that most groups are all inside, some straddle the edges or lie
    # all outside; odd widths (row tails of 1-7 pixels), constant and mapped borders,
    # forward and inverse maps, through compat.opencv.warpAffine (the compiled kernel) and
    # the oracle
    rng = np.random.default_rng([channels, 77, len(dtype)])
    for i in range(8):
        h, w = int(rng.integers(40, 120)), int(rng.integers(40, 140))
        x = _image(rng, (h, w, channels), dtype)
        if dtype == "float32" and i == 3:
            x[rng.random(x.shape) < 0.05] = np.nan
        m = _random_matrix(rng, h, w)
        oh, ow = int(rng.integers(30, 130)), int(rng.integers(8, 150)) | 1
        border = [0, 1, 2, 3, 4][i % 5]
        name = ["constant", "clamp", "symmetric", "wrap", "reflect"][border]
        fill = [float(v) for v in rng.uniform(0, 255 if dtype == "uint8" else 2, channels)]
        inv = bool(i % 2)
        back = m if inv else opencv_invert_affine(m)
        want = opencv_warp_reference(x, back, oh, ow, True, name, fill + [0.0] * (4 - channels),
                                     ipp=True)
        if channels != 2:  # (compat refuses 2 channels: another OpenCV path)
            got = pgo.warpAffine(x if channels > 1 else x[..., 0], m, (ow, oh),
                                 flags=pgo.INTER_LINEAR | (pgo.WARP_INVERSE_MAP if inv else 0),
                                 borderMode=border, borderValue=fill)
            _same(got.reshape(want.shape), want)
        for threads, avx512 in ((1, True), (2, True), (1, False)):  # AVX-512 and AVX2 builds
            got = native_cv_warp.warp(x, back, oh, ow, True, name, fill, 16, threads=threads,
                                      ipp=True, avx512=avx512)
            assert got is not None
            _same(got, want)


@pytest.mark.skipif(not native_cv_warp.available(), reason="compiled engine not built")
def test_native_matches_oracle_through_sample_points() -> None:
    rng = np.random.default_rng(9)
    x = _image(rng, (64, 257, 3), "uint8")
    back = _random_matrix(rng, 64, 257)
    k = linear()
    args = dict(arithmetic="opencv_warp", affine=(back, 70, 250), fill_channels=[1, 2, 3])
    a = sample_points(x, None, [k, k], ["constant"] * 2, 0.0, engine="reference", **args)
    b = sample_points(x, None, [k, k], ["constant"] * 2, 0.0, engine="native", **args)
    _same(a, b)
    kn = nearest()
    a = sample_points(x, None, [kn, kn], ["wrap"] * 2, 0.0, engine="reference", **args)
    b = sample_points(x, None, [kn, kn], ["wrap"] * 2, 0.0, engine="native", **args)
    _same(a, b)


def test_far_points_and_degenerate_matrix() -> None:
    # positions beyond the int32 range (INT_MIN taps) and a singular map (inverse 0)
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    far = (np.array([[1e12, 0, 0], [0, 1, 0]]), np.array([[1.0, 0, -3e9], [0, 1, 0]]))
    for m in (*far, np.zeros((2, 3)), np.array([[1.0, 0, 1e8 + 0.5], [0, 1, 0]])):
        for flags in (0, 1, 16, 17):
            _same(_warp(x, m, (5, 2), flags=flags),
                  cv2.warpAffine(x, m, (5, 2), flags=flags))
    for m in (np.zeros((2, 3)), np.array([[1.0, 0, 1e8 + 0.5], [0, 1, -1e7]])):
        for border in BORDERS:
            _same(_warp(x, m, (40, 2), flags=17, borderMode=border),
                  cv2.warpAffine(x, m, (40, 2), flags=17, borderMode=border))
    # beyond 2**30 a mapped border meets OpenCV's int32 overflows: refused
    with pytest.raises(ValueError, match=r"positions must stay within 2\*\*30"):
        _warp(x, far[0], (5, 2), flags=16, borderMode=1)
    with pytest.raises(ValueError, match=r"within 2\*\*100"):
        _warp(x, np.array([[1e-35, 0, 0], [0, 1, 0]]), (5, 2))


# --- errors ---------------------------------------------------------------------------------


def test_bad_arguments() -> None:
    x = np.zeros((4, 5, 3), np.uint8)
    m = np.eye(2, 3)
    with pytest.raises(ValueError, match=r"flags=2 is not supported.*INTER_LINEAR"):
        _warp(x, m, (5, 4), flags=cv2.INTER_CUBIC)
    with pytest.raises(ValueError, match="flags=4 is not supported"):
        _warp(x, m, (5, 4), flags=cv2.INTER_LANCZOS4)
    with pytest.raises(ValueError, match="flags=65 is not supported"):
        _warp(x, m, (5, 4), flags=65)
    with pytest.raises(ValueError, match=r"borderMode=5 is not supported.*BORDER_REPLICATE"):
        _warp(x, m, (5, 4), borderMode=cv2.BORDER_TRANSPARENT)
    with pytest.raises(TypeError, match="flags=True must be an int"):
        _warp(x, m, (5, 4), flags=True)
    with pytest.raises(TypeError, match="src has dtype int16"):
        _warp(x.astype(np.int16), m, (5, 4))
    with pytest.raises(TypeError, match="src has dtype float64"):
        _warp(x.astype(np.float64), m, (5, 4))
    with pytest.raises(ValueError, match="src has 2 channels"):
        _warp(x[:, :, :2], m, (5, 4))
    with pytest.raises(ValueError, match="src has shape"):
        _warp(np.zeros((2, 2, 2, 2), np.uint8), m, (5, 4))
    with pytest.raises(TypeError, match="src must be a numpy array"):
        _warp([[1, 2]], m, (5, 4))
    with pytest.raises(ValueError, match="M must be a 2x3 matrix"):
        _warp(x, np.eye(3), (5, 4))
    with pytest.raises(ValueError, match="M must hold finite values"):
        _warp(x, np.full((2, 3), np.nan), (5, 4))
    with pytest.raises(TypeError, match="dsize=5 must be"):
        _warp(x, m, 5)
    with pytest.raises(ValueError, match=r"dsize=.* must not be negative"):
        _warp(x, m, (-1, 4))
    with pytest.raises(TypeError, match="ipp=1 must be True or False"):
        pgo.warpAffine(x, m, (5, 4), ipp=1)
    with pytest.raises(TypeError, match="borderValue='a' must be a number"):
        _warp(x, m, (5, 4), borderValue="a")
    with pytest.raises(ValueError, match="arithmetic='opencv_warp' takes kernel"):
        sample_points(x, None, [linear(), nearest()], ["constant"] * 2, 0.0,
                      arithmetic="opencv_warp", affine=(m, 2, 2))
