"""Two-tap row passes when downsampling, each form against its oracle, bit for bit.

* The streamed passes (``taps_streamed``/``wide_streamed``: along W, then along H) run
  their first pass only on the source rows some output row reads: downsampling by more
  than 2 skips the rows between two outputs' taps.
* The row-wide 2-tap groups (``Gather2``) whose taps do not fit a 16-element window
  (downsampling) gather them (8-bit rows: 4-byte gathers, so not within 3 bytes of the
  row's end) instead of going element by element.  Where the CPU has AVX-512, the
  float32 lerp rows read 32-float windows 16 elements per step and gather the groups
  that do not fit one (``Gather16``), and 8-bit rows read 64-byte windows with one byte
  permute (``Gather64``, AVX-512 VBMI, where every group fits).
* float32 exact 2x INTER_LINEAR (IPP's 2 x 2 blocks): 16 outputs per step (AVX-512F).

Oracles: cv2.resize itself at axes of 2000+ px (uint8, and float32 with IPP on, finite
data), the numpy model engine (int8 rows, which cv2.resize does not take), and the
baseline scalar build (``model_set_simd(False)``) with non-finite values, with the
AVX-512 row groups on and off (``rows512``).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from pixelgrid._engines import models, native, native_models

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled engine not built")
pgo = pytest.importorskip("pixelgrid.compat.opencv")

# (h, w) -> (oh, ow): factors 1.5 to 7.3, odd sizes, one axis only
SIZES = [((2050, 2003), (617, 700)), ((2001, 2100), (1000, 1050)), ((2048, 2000), (280, 900)),
         ((300, 2100), (300, 412)), ((2100, 30), (700, 30)), ((97, 2003), (13, 1335))]


@contextmanager
def _switches(simd: bool = True, rows512: bool = True) -> Iterator[None]:
    ext: Any = native._ext
    isa = ext.model_isa()
    was16 = ext.rows512(rows512)
    ext.model_set_simd(simd)
    try:
        yield
    finally:
        ext.model_set_simd(isa != "baseline")
        ext.rows512(was16)


def _bits(a: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a), np.float32(np.nan), a).astype(np.float32).view(np.uint32)


@pytest.mark.parametrize("cn", [1, 3, 4])
@pytest.mark.parametrize(("src", "dst"), SIZES)
def test_uint8_linear_downscale_matches_cv2(cn: int, src: tuple[int, int],
                                            dst: tuple[int, int]) -> None:
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(src[0] + 3 * dst[1] + cn)
    x = rng.integers(0, 256, (*src, cn), dtype=np.uint8)
    dsize = (dst[1], dst[0])
    want = cv2.resize(x, dsize, interpolation=cv2.INTER_LINEAR)
    for simd, rows512 in ((True, True), (True, False), (False, True)):
        with _switches(simd=simd, rows512=rows512):
            got = pgo.resize(x, dsize, interpolation=pgo.INTER_LINEAR)
        np.testing.assert_array_equal(got, want, err_msg=f"simd={simd} rows512={rows512}")


@pytest.mark.parametrize("cn", [2, 3, 4])
@pytest.mark.parametrize(("src", "dst"), SIZES)
def test_float32_linear_downscale(cn: int, src: tuple[int, int], dst: tuple[int, int]) -> None:
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(src[1] + 5 * dst[0] + cn)
    x = (rng.random((*src, cn)) * 2 - 0.5).astype(np.float32)
    dsize = (dst[1], dst[0])
    want = cv2.resize(x, dsize, interpolation=cv2.INTER_LINEAR)  # IPP on, finite data
    for rows512 in (True, False):
        with _switches(rows512=rows512):
            got = pgo.resize(x, dsize, interpolation=pgo.INTER_LINEAR)
        np.testing.assert_array_equal(got, want, err_msg=f"rows512={rows512}")
    # non-finite values, where cv2 is no oracle: the baseline build
    flat = x.reshape(-1)
    flat[rng.choice(flat.size, 40, replace=False)] = np.nan
    flat[rng.choice(flat.size, 40, replace=False)] = np.inf
    flat[rng.choice(flat.size, 40, replace=False)] = -np.inf
    with _switches(simd=False):
        base = pgo.resize(x, dsize, interpolation=pgo.INTER_LINEAR)
    for rows512 in (True, False):
        with _switches(rows512=rows512):
            got = pgo.resize(x, dsize, interpolation=pgo.INTER_LINEAR)
        np.testing.assert_array_equal(_bits(got), _bits(base), err_msg=f"rows512={rows512}")


@pytest.mark.parametrize("cn", [1, 2, 3])
def test_int8_rows_gathered(cn: int) -> None:
    # OpenCV's integer linear model on int8 rows (sign-extended gathered taps), down by
    # 1.5 to 6.1, against the numpy model engine, 1 and 2 threads
    rng = np.random.default_rng(cn)
    for (h, w), (oh, ow) in (((60, 2003), (25, 700)), ((41, 600), (40, 98)),
                             ((300, 90), (49, 60))):
        x = rng.integers(-128, 128, (h, w, cn), dtype=np.int8)
        plans = pgo.like_plans((h, w), (oh, ow), interpolation="INTER_LINEAR", dtype=np.uint8)
        want = models.apply_model(x, plans)
        for threads, rows512 in ((1, True), (2, True), (1, False)):
            with _switches(rows512=rows512):
                got = native_models.apply_model(x, plans, threads=threads)
            assert got is not None, "the compiled engine declined the plans"
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cn", [1, 2, 3, 4])
def test_float32_linear_exact_half(cn: int) -> None:
    # cv2's exact 2x INTER_LINEAR of float32 (IPP's 2x2 blocks (a + b) + (c + d) times 1/4
    # for 1 and 3 channels, 16 outputs per step where the CPU has AVX-512F): against cv2
    # (finite data) at 2000+ px and small widths, and the baseline build with non-finite
    # values
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(40 + cn)
    for h, w in ((2048, 2050), (2002, 36), (6, 18), (4, 2), (40, 70)):
        x = (rng.random((h, w, cn)) * 2 - 0.5).astype(np.float32)
        if cn == 1:
            x = x[..., 0].copy()
        dsize = (w // 2, h // 2)
        want = cv2.resize(x, dsize, interpolation=cv2.INTER_LINEAR)
        np.testing.assert_array_equal(
            pgo.resize(x, dsize, interpolation=pgo.INTER_LINEAR), want, err_msg=f"{(h, w)}")
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, min(30, flat.size), replace=False)] = np.nan
        flat[rng.choice(flat.size, min(30, flat.size), replace=False)] = -np.inf
        flat[rng.choice(flat.size, min(30, flat.size), replace=False)] = -0.0
        with _switches(simd=False):
            base = pgo.resize(x, dsize, interpolation=pgo.INTER_LINEAR)
        got = pgo.resize(x, dsize, interpolation=pgo.INTER_LINEAR)
        np.testing.assert_array_equal(_bits(got), _bits(base), err_msg=f"{(h, w)}")


@pytest.mark.parametrize("cn", [1, 2, 3, 4])
def test_uint8_area_exact_half(cn: int) -> None:
    # cv2's INTER_AREA by exactly 2 of uint8 (2 x 2 block means; half up for 1, 3 and 4
    # channels, half to even for 2): where the CPU has AVX-512 VBMI only the output bytes
    # are computed, 32 / cn pixels per step, the last step of a row ending at its last
    # full block; against cv2 at 2000+ px, odd sizes (a partial last row and column),
    # rows of fewer pixels than a step, exactly one step and one more, and the AVX2 form
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(60 + cn)
    step = 32 // cn
    for h, w in ((2051, 2046), (2000, 37), (5, 2 * step), (4, 2 * step + 2), (7, 2 * step - 2),
                 (3, 2), (9, 131)):
        x = rng.integers(0, 256, (h, w, cn), dtype=np.uint8)
        x[:2, :6] = 255  # the largest block sums
        if cn == 1:
            x = x[..., 0].copy()
        want = cv2.resize(x, (0, 0), fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        for rows512 in (True, False):
            with _switches(rows512=rows512):
                got = pgo.resize(x, (0, 0), fx=0.5, fy=0.5, interpolation=pgo.INTER_AREA)
            np.testing.assert_array_equal(got, want, err_msg=f"{(h, w, rows512)}")
