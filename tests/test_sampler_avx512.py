"""The AVX-512 8-point warp_affine kernel (csrc/sampler_avx512.cpp) against the numpy oracle.

The kernel takes warp_affine's common case (an affine map, one compiled kernel on both
axes, channels adjacent, 1-4 of them, uint8/uint16/float32/float64) eight output pixels at
a time: lanes whose taps are all inside are summed in vectors, lanes wholly outside a
constant axis take the fill in vectors, the others (taps across the border) the scalar
rules.  Each case mixes the three kinds of lane and must equal ``engine="reference"`` bit
for bit, and the AVX2 4-point and point-by-point kernels on the same machine: every
dtype, 1-4 channels, linear / Keys cubic (-0.5, -0.75) / Pillow cubic, every boundary,
fill values, NaN/inf, points on pixel centres, row lengths that are not whole blocks,
source rows with padding (a strided view), a source sampled up to its last byte (the
8-byte reads must leave it to the scalar rules), and two threads' chunks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pixelgrid import kernels as K
from pixelgrid._engines import native_sampler
from pixelgrid.warp import image_center, rotation, warp_affine
from test_sampler_fast import _all_engines, _data, _same, _without_avx512

pytestmark = pytest.mark.skipif(not native_sampler.supported(),
                                reason="compiled sampler not built")

_EXT: Any = native_sampler._ext
KERNELS: dict[str, Any] = {
    "linear": "linear",
    "cubic": "cubic",
    "cubic075": K.cubic(-0.75),
    "cubic_pillow": K.cubic(-0.5, variant="pillow"),
}
DTYPES = ["uint8", "uint16", "float32", "float64"]


def test_kernel_runs_here_or_is_skipped() -> None:
    # the switch exists (the kernel is only picked on CPUs with AVX-512 F/BW/VL/DQ/VBMI)
    assert isinstance(_EXT.sampler_avx512_supported(), bool)
    was = _EXT.sampler_avx512(False)
    assert _EXT.sampler_avx512(was) is False


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_warp_affine_every_dtype_and_channels(kernel: str, dtype: str, channels: int) -> None:
    rng = np.random.default_rng(31)
    x = _data(rng, (29, 38, channels), dtype, nan=True)
    m = rotation(23, image_center(x.shape), 1.15)
    for boundary, fill in (("constant", 0.0), ("constant", -1.5), ("renormalize", 0.0),
                           ("renormalize", 2.0), ("clamp", 0.0), ("symmetric", 0.0)):
        kw: dict[str, Any] = {"kernel": KERNELS[kernel], "boundary": boundary,
                              "fill_value": fill}
        _all_engines(lambda e: warp_affine(x, m, (31, 43), engine=e, **kw))  # noqa: B023


@pytest.mark.parametrize("boundary", ["reflect", "wrap", ("constant", "clamp"),
                                      ("wrap", "constant"), ("renormalize", "constant")])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_warp_affine_mixed_boundaries(boundary: Any, dtype: str) -> None:
    rng = np.random.default_rng(32)
    x = _data(rng, (33, 27, 3), dtype, nan=True)
    m = rotation(-61, image_center(x.shape), 0.8) @ np.array(
        [[1.0, 0.2, 1.5], [-0.1, 1.0, -2.0], [0, 0, 1.0]])
    for kernel in ("linear", "cubic"):
        for fill in (0.0, 4.0):
            kw: dict[str, Any] = {"kernel": kernel, "boundary": boundary, "fill_value": fill}
            _all_engines(lambda e: warp_affine(x, m, (40, 35), engine=e, **kw))  # noqa: B023


@pytest.mark.parametrize("dtype", DTYPES)
def test_pixel_centres_and_edges(dtype: str) -> None:
    # taps of weight 0 (the "support" window does not read them: NaN stays put), sums
    # of weights that are exactly 1, and positions on pixel edges
    rng = np.random.default_rng(33)
    x = _data(rng, (24, 40, 3), dtype, nan=True)
    for angle, shift in ((90, 0.0), (0, 2.0), (0, 0.5), (180, -0.25)):
        m = rotation(angle, image_center(x.shape)) @ np.array(
            [[1.0, 0, shift], [0, 1.0, -shift], [0, 0, 1.0]])
        for kernel in ("linear", "cubic"):
            kw: dict[str, Any] = {"kernel": kernel, "fill_value": 1.0}
            _all_engines(lambda e: warp_affine(x, m, engine=e, **kw))  # noqa: B023


@pytest.mark.parametrize("width", [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 130])
def test_row_lengths(width: int) -> None:
    # rows that are not whole blocks of 8 (the rest of a row runs the scalar rules), and
    # interior blocks that end a row and the output
    rng = np.random.default_rng(34)
    for dtype in ("uint8", "float32"):
        x = _data(rng, (40, 70, 3), dtype)
        m = np.array([[0.45, 0.05, 3.0], [-0.02, 0.5, 4.0], [0.0, 0.0, 1.0]])
        for kernel in ("linear", "cubic"):
            _all_engines(lambda e: warp_affine(x, m, (21, width), kernel=kernel,  # noqa: B023
                                               engine=e))


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_padded_rows_and_the_buffer_end(channels: int) -> None:
    # a strided view (rows padded) and a zoom onto the bottom-right corner: points read up
    # to the source's last element, where 8-byte reads would pass the buffer's end
    rng = np.random.default_rng(35)
    for dtype in DTYPES:
        big = _data(rng, (23, 41, channels), dtype, nan=True)
        x = big[:, :37]
        m = np.array([[3.1, 0.0, -3.1 * 33.2], [0.0, 2.9, -2.9 * 19.1], [0.0, 0.0, 1.0]])
        for kernel in ("linear", "cubic"):
            _all_engines(lambda e: warp_affine(x, m, (12, 19), kernel=kernel,  # noqa: B023
                                               engine=e))
        end = np.ascontiguousarray(x)
        _all_engines(lambda e: warp_affine(end, m, (12, 19), engine=e))  # noqa: B023


def test_threads_and_large_warp(monkeypatch: pytest.MonkeyPatch) -> None:
    # the benchmark's case, smaller: chunks of whole bands on two threads, fill, border
    rng = np.random.default_rng(36)
    for dtype in DTYPES:
        x = _data(rng, (211, 190, 3), dtype)
        m = rotation(30, image_center(x.shape), scale=1.1)
        monkeypatch.setenv("PIXELGRID_NUM_THREADS", "1")
        one = warp_affine(x, m)
        monkeypatch.setenv("PIXELGRID_NUM_THREADS", "2")
        _same(warp_affine(x, m), one)
        with _without_avx512():
            _same(warp_affine(x, m), one)
        _same(warp_affine(x, m, engine="reference"), one)
