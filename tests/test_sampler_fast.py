"""The AVX2 4-point sampler kernels (csrc/sampler_fast.cpp) against the numpy oracle.

The compiled sampler takes four points at a time when every tap of all four is inside the
image (or, at a constant boundary, all outside: the fill) and falls back to its
point-by-point rules for the other blocks.  Each case here mixes the three kinds of block
(interior, fill, border) and must equal ``engine="reference"`` (pixelgrid._sampling, the
oracle) bit for bit, and the point-by-point compiled kernels (``sampler_fast(False)``):
warp_affine and sample with linear / Keys cubic / Pillow cubic / nearest, uint8, uint16,
int16 (not vectorised: the fallback), float32, float64, 1/3/4 channels, HWC and CHW,
every boundary, NaN and inf inputs, points exactly on pixel centres (taps of weight 0,
which the "support" window does not read), odd sizes; the ``grid_sample`` emulation
(float32 FMA sums, the "floor" window) with every mode, padding and align_corners.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from pixelgrid import kernels as K
from pixelgrid._arithmetic import store
from pixelgrid._engines import native_sampler
from pixelgrid._sampling import sample_points
from pixelgrid.warp import image_center, rotation, sample, warp_affine

pytestmark = pytest.mark.skipif(not native_sampler.supported(),
                                reason="compiled sampler not built")

_EXT: Any = native_sampler._ext
KERNELS: dict[str, Any] = {
    "linear": "linear",
    "cubic": "cubic",
    "cubic075": K.cubic(-0.75),
    "cubic_pillow": K.cubic(-0.5, variant="pillow"),
    "nearest": "nearest",
}


@contextmanager
def _point_by_point() -> Iterator[None]:
    """The compiled sampler without its 4-point kernels (the kernels before them)."""
    was = _EXT.sampler_fast(False)
    try:
        yield
    finally:
        _EXT.sampler_fast(was)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    """Equal dtype, shape and values (NaN where NaN; +0/-0 compare equal)."""
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b, strict=True)


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str,
          nan: bool = False) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        x = (rng.random(shape) * 300 - 50).astype(dt)
        if nan:  # a few non-finite pixels inside, where interior blocks read them
            flat = x.reshape(-1)
            idx = rng.choice(flat.size, 6, replace=False)
            flat[idx[:3]] = np.nan
            flat[idx[3:5]] = np.inf
            flat[idx[5]] = -np.inf
        return x
    info = np.iinfo(dt)
    return rng.integers(info.min, int(info.max) + 1, shape).astype(dt)


@contextmanager
def _without_avx512() -> Iterator[None]:
    """The compiled sampler without its AVX-512 8-point warp kernel (the AVX2 kernels)."""
    was = _EXT.sampler_avx512(False)
    try:
        yield
    finally:
        _EXT.sampler_avx512(was)


def _all_engines(fn: Any) -> None:
    """fn(engine) on the oracle, the 8-point (AVX-512 CPUs) and 4-point kernels and the
    point-by-point kernels."""
    ref = fn("reference")
    _same(fn("native"), ref)
    with _without_avx512():
        _same(fn("native"), ref)
    with _point_by_point():
        _same(fn("native"), ref)


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "float32", "float64"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_warp_affine_hwc(kernel: str, dtype: str, channels: int) -> None:
    rng = np.random.default_rng(11)
    x = _data(rng, (37, 43, channels), dtype, nan=True)
    m = rotation(31, image_center(x.shape), 1.1)
    for boundary, fill in (("constant", 0.0), ("constant", 2.5), ("clamp", 0.0),
                           ("reflect", 0.0)):
        kw = {"kernel": KERNELS[kernel], "boundary": boundary, "fill_value": fill}
        _all_engines(lambda e: warp_affine(x, m, (41, 47), engine=e, **kw))  # noqa: B023


@pytest.mark.parametrize("kernel", ["linear", "cubic", "cubic_pillow"])
@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64"])
def test_warp_affine_chw_and_boundaries(kernel: str, dtype: str) -> None:
    rng = np.random.default_rng(12)
    x = _data(rng, (3, 29, 35), dtype, nan=True)  # CHW: a strided channel axis
    m = rotation(-47, (17.0, 14.0), 0.9)
    for boundary in ("constant", "renormalize", "clamp", "reflect", "symmetric", "wrap"):
        kw = {"kernel": KERNELS[kernel], "boundary": boundary, "axes": (1, 2)}
        _all_engines(lambda e: warp_affine(x, m, (33, 39), engine=e, **kw))  # noqa: B023


@pytest.mark.parametrize("kernel", ["linear", "cubic", "cubic_pillow", "nearest"])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_warp_affine_exact_pixel_centres(kernel: str, dtype: str) -> None:
    # quarter turns and whole-pixel shifts put every point on a pixel centre: every
    # point has taps of weight 0, which the "support" window must not read (NaN stays
    # where it is); a half-pixel shift puts them on pixel edges
    rng = np.random.default_rng(13)
    x = _data(rng, (31, 45, 3), dtype, nan=True)
    for angle, shift in ((90, 0.0), (180, 0.0), (0, 3.0), (0, 0.5), (270, -2.0)):
        m = rotation(angle, image_center(x.shape))
        m = m @ np.array([[1.0, 0, shift], [0, 1.0, -shift], [0, 0, 1.0]])
        for boundary in ("constant", "clamp"):
            kw = {"kernel": KERNELS[kernel], "boundary": boundary, "fill_value": 1.0}
            _all_engines(lambda e: warp_affine(x, m, engine=e, **kw))  # noqa: B023


@pytest.mark.parametrize("size", [(1, 1), (2, 3), (3, 9), (5, 4), (4, 130), (67, 5)])
def test_warp_affine_small_and_odd_sizes(size: tuple[int, int]) -> None:
    rng = np.random.default_rng(14)
    for dtype in ("uint8", "float32"):
        x = _data(rng, (*size, 3), dtype)
        m = rotation(7, image_center(x.shape), 1.05)
        for kernel in ("linear", "cubic"):
            _all_engines(lambda e: warp_affine(x, m, (size[0] + 2, size[1] + 5),  # noqa: B023
                                               kernel=kernel, engine=e))  # noqa: B023


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_interior_blocks_at_row_ends(channels: int) -> None:
    # a zoom into the middle: every point is interior and the rows are whole blocks of 4,
    # so blocks end rows and the output (a store must not spill into the next row, which
    # is written before it, nor past the end of the output)
    rng = np.random.default_rng(20)
    for dtype in ("uint8", "float32", "float64"):
        x = _data(rng, (20, 24, channels), dtype)
        m = np.array([[2.5, 0.0, -20.0], [0.0, 2.5, -15.0], [0.0, 0.0, 1.0]])
        for kernel in ("linear", "cubic"):
            _all_engines(lambda e: warp_affine(x, m, (9, 16), kernel=kernel,  # noqa: B023
                                               engine=e))


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_stores_stay_inside_the_output(channels: int) -> None:
    # the samples are written into the first rows of a larger array: the rows after them
    # (and a layout with a gap between points) keep their sentinel values
    rng = np.random.default_rng(21)
    lin = K.linear()
    for dtype in ("uint8", "float32", "float64"):
        xm = _data(rng, (30, 40, channels), dtype)
        pts = rng.random((64, 2)) * [20, 30] + 4  # all interior
        ref = sample_points(xm, pts, [lin, lin], ["constant"] * 2, 0.0, engine="reference")
        # the oracle's float64 sums stored as the compiled sampler stores them
        ref = store(ref, xm.dtype, "half_even") if dtype == "uint8" else ref.astype(xm.dtype)
        for gap in (0, 1):
            big = np.full((70, channels + gap), 77, dtype=xm.dtype)
            got = sample_points(xm, pts, [lin, lin], ["constant"] * 2, 0.0, engine="native",
                                out_dtype=xm.dtype, out=big[:64, :channels])
            _same(got, ref)
            assert np.all(big[64:] == 77) and np.all(big[:, channels:] == 77)


def test_uint8_gather_at_the_buffer_end() -> None:
    # a one-channel uint8 image sampled right up to its last pixel: the 4-byte gathers
    # must leave the last bytes to the point-by-point rules (reading past the buffer)
    x = np.arange(64 * 64, dtype=np.uint32).astype(np.uint8).reshape(64, 64, 1)
    pts = np.stack(np.meshgrid(np.linspace(60, 63, 16), np.linspace(50, 63, 16),
                               indexing="ij"), -1).reshape(-1, 2)
    for kernel in ("linear", "cubic"):
        _all_engines(lambda e: sample(x, pts, kernel=kernel, engine=e))  # noqa: B023


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32", "float64"])
def test_sample_points_given(dtype: str) -> None:
    rng = np.random.default_rng(15)
    x = _data(rng, (26, 33, 3), dtype, nan=True)
    pts = rng.random((1001, 2)) * [32, 40] - 3
    pts[:200] = np.round(pts[:200])  # pixel centres
    pts[200:300] = np.round(pts[200:300] * 2) / 2  # pixel edges
    for kernel in ("linear", "cubic075", "cubic_pillow"):
        for boundary, fill in (("constant", 0.0), ("constant", -3.0), ("symmetric", 0.0)):
            kw = {"kernel": KERNELS[kernel], "boundary": boundary, "fill_value": fill}
            _all_engines(lambda e: sample(x, pts, engine=e, **kw))  # noqa: B023


def test_float32_fma_and_floor_window() -> None:
    # the grid_sample arithmetic directly, with a fill value (the vector fill path)
    rng = np.random.default_rng(16)
    xm = rng.random((21, 30, 3)).astype(np.float32)
    xm[7, 9, 1] = np.nan
    xm[12, 20, 0] = np.inf
    pts = rng.random((2003, 2)) * [28, 38] - 4
    pts[:300] = np.round(pts[:300])
    for kern in (K.linear(), K.cubic(-0.75)):
        for window in ("support", "floor"):
            for arith in ("float64", "float32_fma"):
                for fill in (0.0, 0.5):
                    args = (xm, pts, [kern, kern], ["constant"] * 2, fill, None, arith, window)
                    _all_engines(lambda e: sample_points(*args, engine=e))  # noqa: B023


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grid_sample(mode: str, padding: str, dtype: type,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelgrid.compat import torch as ptorch

    rng = np.random.default_rng(17)
    x = rng.random((2, 3, 23, 31)).astype(dtype)
    x[0, 1, 11, 13] = np.nan
    x[1, 2, 5, 6] = np.inf
    a = np.deg2rad(25)
    theta = np.array([[0.9 * np.cos(a), -0.9 * np.sin(a), 0.05],
                      [0.9 * np.sin(a), 0.9 * np.cos(a), -0.03]])
    ys, xs = np.meshgrid(np.linspace(-1.1, 1.1, 27), np.linspace(-1.2, 1.2, 35),
                         indexing="ij")
    base = np.stack([xs, ys, np.ones_like(xs)], -1)
    g = np.stack([base @ theta.T, (base @ theta.T)[::-1]]).astype(dtype)
    g[1, :3] = np.round(g[1, :3] * 4) / 4  # grid values on exact pixel positions
    for ac in (False, True):
        def run(engine: str) -> np.ndarray:
            monkeypatch.setenv("PIXELGRID_ENGINE", engine)
            try:
                return ptorch.grid_sample(x, g, mode, padding, ac)  # noqa: B023
            finally:
                monkeypatch.delenv("PIXELGRID_ENGINE")
        _all_engines(run)


def test_grid_sample_against_torch_bit_exact() -> None:
    # the benchmark's case, smaller: float32 bilinear is bit-exact with PyTorch
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from pixelgrid.compat import torch as ptorch

    rng = np.random.default_rng(18)
    t = torch.from_numpy(rng.random((1, 3, 64, 80)).astype(np.float32))
    a = np.deg2rad(30)
    theta = torch.tensor([[[0.9 * np.cos(a), -0.9 * np.sin(a), 0.05],
                           [0.9 * np.sin(a), 0.9 * np.cos(a), -0.03]]], dtype=torch.float32)
    g = F.affine_grid(theta, [1, 3, 64, 80], align_corners=False)
    for ac in (False, True):
        _same(ptorch.grid_sample(t, g, "bilinear", "zeros", ac).numpy(),
              F.grid_sample(t, g, "bilinear", "zeros", ac).numpy())


def test_large_warp_equals_point_by_point() -> None:
    # the benchmark's shapes, smaller: many interior blocks, two threads' chunks
    rng = np.random.default_rng(19)
    for dtype in ("uint8", "float32"):
        x = _data(rng, (256, 256, 3), dtype)
        m = rotation(30, image_center(x.shape), scale=1.1)
        a = warp_affine(x, m)
        with _point_by_point():
            b = warp_affine(x, m)
        _same(a, b)
