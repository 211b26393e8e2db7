"""The AVX-512 8-point warp_affine kernel (csrc/sampler_avx512.cpp) against the numpy oracle.

The kernel takes warp_affine's common case (an affine map, one compiled kernel on both
axes, channels adjacent, 1-4 of them, uint8/uint16/float32/float64) eight output pixels at
a time: lanes whose taps are all inside are summed in vectors, lanes wholly outside a
constant axis take the fill in vectors, lanes whose taps cross the border too where the
boundary is constant on both axes with fill 0 (the taps outside skipped), the others
the scalar rules.  Each case mixes the kinds of lane and must equal ``engine="reference"`` bit
for bit, and the AVX2 4-point and point-by-point kernels on the same machine: every
dtype, 1-4 channels, linear / Keys cubic (-0.5, -0.75) / Pillow cubic, every boundary,
fill values, NaN/inf, points on pixel centres, row lengths that are not whole blocks,
source rows with padding (a strided view), a source sampled up to its last byte (the
8-byte reads must leave it to the scalar rules), and two threads' chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@pytest.mark.parametrize("kernel", ["linear", "cubic", "cubic_pillow"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_interior_blocks_beside_the_border(kernel: str, dtype: str) -> None:
    # prepare_in: rows whose middle blocks are interior for sure (sure_cols) and whose
    # ends are not: their edges within a pixel of the window limits (maps that place the
    # first and last interior columns on and beside whole positions), flips, shears,
    # a far translation, and rows whose interior span is shorter than a block; NaN/inf
    # data inside those blocks
    rng = np.random.default_rng(37)
    maps = [
        rotation(30, (40.0, 55.0), 1.1),
        np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.5], [0.0, 0.0, 1.0]]),  # half-pixel shift
        np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 2.0], [0.0, 0.0, 1.0]]),  # whole shift
        np.array([[-1.05, 0.1, 104.0], [0.07, -0.97, 81.0], [0.0, 0.0, 1.0]]),  # flips
        np.array([[0.33, 0.9, -20.0], [-0.8, 0.25, 60.0], [0.0, 0.0, 1.0]]),
        np.array([[2.7, 0.0, -5.0], [0.0, 3.1, -7.0], [0.0, 0.0, 1.0]]),  # short spans
        np.array([[1.0, 0.0, 1e6], [0.0, 1.0, -1e6], [0.0, 0.0, 1.0]]),  # all outside
    ]
    for channels in (1, 3, 4):
        x = _data(rng, (83, 109, channels), dtype, nan=True)
        for m in maps:
            for boundary in ("constant", "reflect"):
                kw: dict[str, Any] = {"kernel": KERNELS[kernel], "boundary": boundary,
                                      "fill_value": 1.5}
                _all_engines(lambda e: warp_affine(x, m, (77, 101), engine=e,  # noqa: B023
                                                   **kw))  # noqa: B023


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


# ---- uint8 linear: float32 sums with an exact fallback (LinU8 in sampler_avx512.cpp) ----

@contextmanager
def _u8_float32(on: bool = True, margin: float | None = None) -> Iterator[None]:
    """The uint8 linear kernel's float32 sums on/off, and its margin around halves."""
    was = _EXT.sampler_u8_float32(on)
    old = None if margin is None else _EXT.sampler_u8_margin(margin)
    try:
        yield
    finally:
        _EXT.sampler_u8_float32(was)
        if old is not None:
            _EXT.sampler_u8_margin(old)


def _u8_all(fn: Any) -> None:
    """fn(engine) equal on the oracle, the float32-sum kernel (default margin and a wide
    one that sends most points to the exact code), its exact float64 code, and the AVX2
    kernels."""
    ref = fn("reference")
    _same(fn("native"), ref)
    with _u8_float32(True, 0.3):
        _same(fn("native"), ref)
    with _u8_float32(False):
        _same(fn("native"), ref)
    with _without_avx512():
        _same(fn("native"), ref)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_u8_float32_sums_random_warps(channels: int) -> None:
    # many interior 16-point units (rotations, zooms, shears), plus their borders, both
    # window rules (the "floor" window of the compat layers runs through sample_points)
    rng = np.random.default_rng(40)
    x = _data(rng, (97, 131, channels), "uint8")
    for angle, scale in ((30, 1.1), (-7, 0.93), (63, 2.7), (180, 1.0), (1e-3, 0.5)):
        m = rotation(angle, image_center(x.shape), scale) @ np.array(
            [[1.0, 0.13, -1.7], [0.05, 1.0, 2.2], [0.0, 0.0, 1.0]])
        for boundary, fill in (("constant", 0.0), ("constant", 9.0), ("clamp", 0.0),
                               ("renormalize", 0.0)):
            _u8_all(lambda e: warp_affine(x, m, (89, 147), boundary=boundary,  # noqa: B023
                                          fill_value=fill, engine=e))  # noqa: B023


@pytest.mark.parametrize("zoom", [2.0, 4.0, 0.5])
def test_u8_float32_sums_on_ties(zoom: float) -> None:
    # exact zooms put points on halves and quarters of pixels: many sums are exact ties
    # (k + 1/2), which the float32 sums cannot round: they take the exact code (and a
    # tile where most do runs exact); smooth data (equal neighbours) and random data
    rng = np.random.default_rng(41)
    yy, xx = np.mgrid[0:80, 0:90]
    smooth = np.stack([(yy + 2 * xx + c) // 3 for c in range(3)], -1).astype(np.uint8)
    for x in (smooth, _data(rng, (80, 90, 3), "uint8")):
        for shift in (0.0, 0.5, 0.25):
            m = np.array([[zoom, 0.0, shift], [0.0, zoom, -shift], [0.0, 0.0, 1.0]])
            _u8_all(lambda e: warp_affine(x, m, (75, 160), engine=e))  # noqa: B023


def test_u8_float32_sums_fallback_is_needed() -> None:
    # A sum whose float64 value lies just above a half while its float32 approximation
    # lies just below: every output point samples the source at (5, 3 + f) (an inverse
    # map with zero slopes), between the pixels 67 and 2 (all channels).  The model's sum
    # (1 - f) 67 + 2 f is 46.5000003 (stored 47); the float32 sum is 46.4999962 (46).
    # With the margin B = 2^-12 the point takes the exact code (47, as the oracle); with
    # the margin 0 the float32 result shows, proving that the test reaches the fallback.
    # (f = 0.3153846107667606 was found by searching f in [0, 1) and pixel pairs with an
    # emulation of both sums in numpy.)
    rng = np.random.default_rng(42)
    x = _data(rng, (12, 10, 3), "uint8")
    x[5, 3], x[5, 4] = 67, 2
    back = np.array([[0.0, 0.0, 3.3153846107667606], [0.0, 0.0, 5.0], [0.0, 0.0, 1.0]])

    def fn(e: str) -> np.ndarray:
        return warp_affine(x, back, (8, 48), inverse_map=True, engine=e)  # 16-point units

    ref = fn("reference")
    assert (ref == 47).all()
    _u8_all(fn)
    if _EXT.sampler_avx512_supported():
        with _u8_float32(True, 0.0):
            assert (fn("native") == 46).all()


def test_u8_margin_switch_checks_its_argument() -> None:
    with pytest.raises(ValueError, match="sampler_u8_margin"):
        _EXT.sampler_u8_margin(0.75)


# ---- runs of points wholly outside a constant axis, cleared without sampling ----

@pytest.mark.parametrize("dtype", DTYPES)
def test_outside_runs_are_cleared_as_sampled(dtype: str) -> None:
    # rows whose left and right parts map wholly outside (the output is larger than the
    # rotated source), rows wholly outside, points just inside the margin (positions at
    # -r - 1/2 .. n - 1 + r + 1/2 along the row), one constant axis with the other
    # clamped, every kernel; fill 0 clears the runs, a fill value samples them
    rng = np.random.default_rng(43)
    x = _data(rng, (41, 53, 3), dtype, nan=True)
    for kernel in ("linear", "cubic", "cubic_pillow"):
        for m, size in ((rotation(37, image_center(x.shape), 0.6), (70, 90)),
                        (np.array([[1.0, 0.0, -1.5], [0.0, 1.0, -20.0], [0.0, 0.0, 1.0]]),
                         (80, 60)),
                        (np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 45.0], [0.0, 0.0, 1.0]]),
                         (40, 70)),
                        (np.array([[0.25, 0.0, -2.0], [0.0, 0.25, -3.5], [0.0, 0.0, 1.0]]),
                         (24, 40))):
            for boundary, fill in (("constant", 0.0), ("constant", 3.0),
                                   (("constant", "clamp"), 0.0), (("reflect", "constant"), 0.0),
                                   (("renormalize", "constant"), 0.0)):
                _all_engines(lambda e: warp_affine(
                    x, m, size, kernel=KERNELS[kernel], boundary=boundary,  # noqa: B023
                    fill_value=fill, engine=e))  # noqa: B023


def test_outside_runs_far_and_flat_maps() -> None:
    # an inverse map with (nearly) zero slopes (the whole row on one side of the margin),
    # and positions too large for the run bounds (then every point is sampled)
    rng = np.random.default_rng(44)
    x = _data(rng, (30, 40, 3), "uint8")
    for back in ([[1e-12, 0.0, -1.5000000001], [0.0, 1.0, 0.0]],
                 [[0.0, 0.0, -1.4999999], [0.0, 0.0, 3.0]],
                 [[0.0, 0.0, 40.5000001], [0.0, 1.0, 0.0]],
                 [[1.0, 0.0, 3e13], [0.0, 1.0, 0.0]],
                 [[1.0, 3e13, -3e14 + 0.3], [0.0, 1.0, -5.0]],  # b1 i cancels b2 on row 10
                 [[-1.0, 0.0, 45.0], [0.0, -1.0, 31.0]]):
        b = np.array([*back, [0.0, 0.0, 1.0]])
        for kernel in ("linear", "cubic"):
            _all_engines(lambda e: warp_affine(x, b, (20, 70), kernel=kernel,  # noqa: B023
                                               inverse_map=True, engine=e))


# ---- edge lanes (some taps inside, some outside a constant axis, fill 0) in vectors ----

def _same_bits(a: np.ndarray, b: np.ndarray) -> None:
    """Equal dtype, shape and bits (so -0.0 differs from +0.0), NaN where NaN."""
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        assert (nan == np.isnan(b)).all()
        u = np.dtype(f"u{a.dtype.itemsize}")
        np.testing.assert_array_equal(a.view(u)[~nan], b.view(u)[~nan], strict=True)
    else:
        np.testing.assert_array_equal(a, b, strict=True)


def _edge_source(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    # non-finite values and -0.0 on the outer rows and columns, which only edge lanes read
    x = _data(rng, shape, dtype)
    if x.dtype.kind == "f":
        x[0, ::3] = np.nan
        x[-1, 1::4] = np.inf
        x[1::5, 0] = -np.inf
        x[::2, -1] = -0.0
        x[2::3, -2] = np.nan
    return x


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_edge_lanes_bit_for_bit(kernel: str, dtype: str) -> None:
    # Kernel8's edge lanes (a constant boundary on both axes, fill 0: the taps inside
    # summed in tap order from a window moved inside the source, the others skipped)
    # against the oracle, bits included (-0.0 and NaN where the model puts them): maps
    # that sweep points across all four edges at many fractions, sources as narrow as a
    # window (4 pixels: cubic windows move by 1-3 taps at both ends), every channel count
    rng = np.random.default_rng(45)
    maps = [
        rotation(17, (3.0, 4.0), 1.07),
        rotation(-73, (2.0, 2.5), 0.31),
        np.array([[0.23, 0.0, -2.6], [0.0, 0.19, -2.3], [0.0, 0.0, 1.0]]),  # fine steps
        np.array([[-0.41, 0.07, 9.3], [0.05, 0.37, -1.7], [0.0, 0.0, 1.0]]),  # a flip
    ]
    for shape in ((4, 5), (6, 9), (11, 4)):
        for channels in (1, 2, 3, 4):
            x = _edge_source(rng, (*shape, channels), dtype)
            for m in maps:
                kw: dict[str, Any] = {"kernel": KERNELS[kernel], "boundary": "constant",
                                      "fill_value": 0.0}
                ref = warp_affine(x, m, (29, 37), engine="reference", **kw)
                _same_bits(warp_affine(x, m, (29, 37), engine="native", **kw), ref)
                with _without_avx512():
                    _same_bits(warp_affine(x, m, (29, 37), engine="native", **kw), ref)


@pytest.mark.parametrize("kernel", ["linear", "cubic"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_edge_lanes_floor_window(kernel: str, dtype: str) -> None:
    # the "floor" window reads every tap inside, weight 0 included (0 * NaN is NaN): an
    # edge lane's window slots that hold no tap must not be read (sample_points with an
    # affine map, as the sampler's other callers may make it)
    from pixelgrid._kernels import get_kernel
    from pixelgrid._sampling import sample_points

    rng = np.random.default_rng(47)
    for shape in ((4, 6, 3), (9, 5, 1)):
        x = _edge_source(rng, shape, dtype)
        # whole-pixel steps put taps on pixel centres (weights 0 and 1) at the edges
        for back in (np.array([[1.0, 0.0, -2.0], [0.0, 1.0, -2.0]]),
                     np.array([[0.5, 0.0, -2.25], [0.0, 0.5, -1.75]]),
                     rotation(11, (2.0, 2.0), 0.4)[:2]):
            def run(e: str) -> np.ndarray:
                return sample_points(x, None, [get_kernel(kernel)] * 2, ["constant"] * 2, 0.0,  # noqa: B023
                                     window="floor", engine=e, out_dtype=x.dtype,  # noqa: B023
                                     affine=(back, 13, 15))  # noqa: B023
            ref = run("reference").astype(x.dtype)  # (the oracle's float64 sums, rounded)
            _same_bits(run("native"), ref)
            with _without_avx512():
                _same_bits(run("native"), ref)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_edge_lanes_on_a_large_rotation(dtype: str) -> None:
    # the benchmark's kind of warp, every row crossing the border twice: at 301 x 257
    # against the oracle, at 2048 x 2101 against the AVX2 4-point kernels (tested
    # against the oracle themselves)
    rng = np.random.default_rng(46)
    for shape, engines in (((301, 257, 3), ("reference", None)),
                           ((2048, 2101, 3), ("native", _without_avx512))):
        x = _edge_source(rng, shape, dtype)
        m = rotation(30, image_center(x.shape), 1.1)
        ref_engine, ctx = engines
        if ctx is None:
            ref = warp_affine(x, m, engine=ref_engine)
        else:
            with ctx():
                ref = warp_affine(x, m, engine=ref_engine)
        _same_bits(warp_affine(x, m, engine="native"), ref)
