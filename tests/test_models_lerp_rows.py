"""The float32 lerp rows of the model kernels (csrc/models.h) against the baseline build.

IPP's float32 linear (compat.opencv INTER_LINEAR, ``fma="lerp"``) and TensorFlow's
bilinear (compat.tensorflow, ``fma="lerp_mul"``) interpolate rows of 2-4 channels 8
elements at a time from 16-float windows (AVX2), groups whose taps do not fit a window
element by element.  The results must equal, bit for bit, the baseline kernels
(``model_set_simd(False)``: scalar C++) on up- and downsampling, odd widths (the last
elements of a row), wide rows (2000+ px) and non-finite data; and compat.opencv equals
cv2.resize itself (IPP on, finite data).  Where the CPU has AVX-512F the rows run 16
elements at a time from 32-float windows (``Gather16``, one two-source permute per tap);
test_downscale_rows.py compares both forms (the ``rows512`` switch).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from pixelgrid._engines import native

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled engine not built")
pgo = pytest.importorskip("pixelgrid.compat.opencv")
pgtf = pytest.importorskip("pixelgrid.compat.tensorflow")


@contextmanager
def _baseline() -> Iterator[None]:
    ext: Any = native._ext
    was = ext.model_isa()
    ext.model_set_simd(False)
    try:
        yield
    finally:
        ext.model_set_simd(was != "baseline")


def _bits(a: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a), np.float32(np.nan), a).astype(np.float32).view(np.uint32)


def _data(shape: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (rng.random(shape) * 2 - 0.5).astype(np.float32)
    flat = x.reshape(-1)
    flat[rng.choice(flat.size, 3, replace=False)] = [np.nan, np.inf, -np.inf]
    return x


SIZES = [((9, 13), (5, 31)), ((33, 47), (50, 70)), ((40, 64), (25, 23)), ((3, 2001), (4, 2917)),
         ((4, 2003), (3, 1100)), ((17, 100), (19, 137))]


@pytest.mark.parametrize("c", [2, 3, 4])
@pytest.mark.parametrize(("src", "dst"), SIZES)
def test_opencv_linear_float32(c: int, src: tuple[int, int], dst: tuple[int, int]) -> None:
    x = _data((*src, c), c + src[1])
    got = pgo.resize(x, (dst[1], dst[0]), interpolation=pgo.INTER_LINEAR)
    with _baseline():
        base = pgo.resize(x, (dst[1], dst[0]), interpolation=pgo.INTER_LINEAR)
    np.testing.assert_array_equal(_bits(got), _bits(base))
    cv2 = pytest.importorskip("cv2")
    xf = np.nan_to_num(x, nan=0.5, posinf=0.75, neginf=0.25)  # cv2 (IPP on) on finite data
    np.testing.assert_array_equal(
        pgo.resize(xf, (dst[1], dst[0]), interpolation=pgo.INTER_LINEAR),
        cv2.resize(xf, (dst[1], dst[0]), interpolation=cv2.INTER_LINEAR))


@pytest.mark.parametrize("c", [2, 3])
@pytest.mark.parametrize(("src", "dst"), SIZES[:4])
def test_tensorflow_bilinear(c: int, src: tuple[int, int], dst: tuple[int, int]) -> None:
    x = _data((*src, c), 7 * c + src[0])
    got = pgtf.resize(x, dst, method="bilinear")
    with _baseline():
        base = pgtf.resize(x, dst, method="bilinear")
    np.testing.assert_array_equal(_bits(got), _bits(base))
