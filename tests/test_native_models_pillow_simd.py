"""The SIMD forms behind compat.pillow's 8-bit ``reduce`` and its RGBA / LA alpha passes.

* csrc/alpha.cpp: the AVX2 and AVX-512BW forms of Pillow's premultiply / unpremultiply
  (``MULDIV255``; back ``min(c * 255 // a, 255)``) against the numpy oracle for every
  (colour, alpha) byte pair, with scalar tails of every length;
* csrc/models.h ``block_mean_u8_avx2_rows``: Pillow's 8-bit ``Image.reduce`` block means
  with whole blocks per 128-bit lane (x factors 2-4, 1-4 channels) against the numpy model
  (``_engines/block_mean.py``), on rows long enough for the vector steps, with crops that
  end the loads and stores early, short last blocks and all-255 sums;
* compat.pillow RGB / RGBA / LA ``reduce`` and RGBA / LA ``resize`` (both run the above)
  against real Pillow 13 on 2000+ px axes, alpha 0, 255 and mixed.
"""

from __future__ import annotations

import dataclasses
import zlib
from functools import partial
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from pixelgrid._arithmetic import premultiply_alpha, unpremultiply_alpha
from pixelgrid._engines import models, native, native_models
from test_native_models import _cpu_flags

ORACLE = {"premultiply": premultiply_alpha, "unpremultiply": unpremultiply_alpha}


def _need_build(build: str) -> None:
    if getattr(native._ext, "alpha", None) is None:
        pytest.skip("compiled engine without alpha()")
    flags = _cpu_flags()
    if build != "scalar" and "avx2" not in flags:
        pytest.skip("the CPU lacks AVX2")
    if build == "avx512" and not {"avx512f", "avx512bw"} <= flags:
        pytest.skip("the CPU lacks AVX-512 F/BW")


def _ext_alpha(x: NDArray[np.uint8], direction: str, build: str, threads: int = 2
               ) -> NDArray[np.uint8]:
    out = np.empty_like(x)
    native._ext.alpha(x, out, 0 if direction == "premultiply" else 1, threads,
                      simd=build != "scalar", avx512=build == "avx512")
    return out


def _all_pairs(channels: int, extra: int) -> NDArray[np.uint8]:
    """``(65536 + extra, C)``: every (colour, alpha) pair in each colour channel, then a tail."""
    c, a = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8),
                       indexing="ij")
    x = np.empty((65536 + extra, channels), np.uint8)
    for k in range(channels - 1):  # each colour channel shifted: pairs differ per channel
        x[:65536, k] = np.roll(c, 37 * k + 11, axis=0).ravel()
    x[:65536, -1] = a.ravel()
    x[65536:] = np.random.default_rng(extra).integers(0, 256, (extra, channels))
    return x


@pytest.mark.parametrize("build", ["avx512", "avx2", "scalar"])
@pytest.mark.parametrize("direction", ["premultiply", "unpremultiply"])
@pytest.mark.parametrize("channels", [2, 4])
def test_alpha_every_byte_pair_each_build(build: str, direction: str, channels: int) -> None:
    _need_build(build)
    for extra in (0, 1, 7, 15, 31):  # tails of the 32- and 64-byte steps
        x = _all_pairs(channels, extra)
        np.testing.assert_array_equal(_ext_alpha(x, direction, build), ORACLE[direction](x))
        # in place, one thread (the step loop over the whole array)
        y = x.copy()
        native._ext.alpha(y, y, 0 if direction == "premultiply" else 1, 1,
                          simd=build != "scalar", avx512=build == "avx512")
        np.testing.assert_array_equal(y, ORACLE[direction](x))


@pytest.mark.parametrize("build", ["avx512", "avx2"])
@pytest.mark.parametrize("channels", [2, 4])
def test_unpremultiply_alpha_0_1_255_and_colour_above_alpha(build: str, channels: int) -> None:
    # alpha 0 keeps the colour, 1 maps colour 1.. to 255, 255 divides exactly; colour > alpha
    # (not premultiplied data) clips to 255
    _need_build(build)
    rng = np.random.default_rng(channels)
    x = rng.integers(0, 256, (3001, channels), dtype=np.uint8)
    x[:, -1] = rng.choice(np.array([0, 1, 2, 254, 255], np.uint8), 3001)
    got = _ext_alpha(x, "unpremultiply", build)
    np.testing.assert_array_equal(got, unpremultiply_alpha(x))
    a = x[:, -1:].astype(int)
    c = x[:, :-1].astype(int)
    want = np.where((a == 0) | (a == 255), c, np.minimum(c * 255 // np.maximum(a, 1), 255))
    np.testing.assert_array_equal(got[:, :-1], want)  # the rule written out


# ------------------------------------------------------------------ block means (reduce)
needs_models = pytest.mark.skipif(not native_models.available(),
                                  reason="compiled engine not built")


def _reduce_plans(h: int, w: int, fy: int, fx: int, y0: int, y1: int, x0: int,
                  x1: int) -> list[Any]:
    from pixelgrid.compat import pillow as pil

    model = pil.REDUCE_MODELS["8bit"]
    return [(ax, dataclasses.replace(p, arithmetic=p.arithmetic.replace(block_mean=model)))
            for ax, p in ((0, pil._block_plan(h, fy, y0, y1)),
                          (1, pil._block_plan(w, fx, x0, x1)))]


def _check(x: NDArray[Any], plans: list[Any]) -> None:
    want = models.apply_model(x, plans)
    for threads in (1, 2, 3):
        got = native_models.apply_model(x, plans, threads=threads)
        assert got is not None, "the compiled engine declined plans it implements"
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@needs_models
@pytest.mark.parametrize("cn", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("fx", [2, 3, 4])
def test_block_mean_vector_rows(cn: int, fx: int) -> None:
    # rows of 20-300 blocks: the vector steps (2-16 blocks each), then the scalar tail;
    # y factors 1-5 and 64 / 85 / 128 (fy * fx up to 256), n a power of two or not,
    # crops whose first block starts mid-row (loads near the row end) and short last
    # blocks both ways
    rng = np.random.default_rng(zlib.crc32(f"bm {cn} {fx}".encode()))
    for fy in (1, 2, 3, 4, 5, 256 // fx):
        for w in (fx * 41, fx * 97 + 1, 301):
            h = 2 * fy + 1 if fy < 64 else fy + 3
            shape = (h, w) if cn == 0 else (h, w, cn)
            x = rng.integers(0, 256, shape, dtype=np.uint8)
            _check(x, _reduce_plans(h, w, fy, fx, 0, h, 0, w))
            _check(x, _reduce_plans(h, w, fy, fx, 1, h, 3, w - 2))
            _check(x, _reduce_plans(h, w, fy, fx, 0, h - 1, w - 2 * fx - 5, w))
            full = np.full(shape, 255, np.uint8)  # sums of up to 65280 (+ n/2)
            _check(full, _reduce_plans(h, w, fy, fx, 0, h, 1, w))


@needs_models
def test_block_mean_vector_rows_big() -> None:
    # an RGB / RGBA 1031 x 1029 image (the benchmark's kind), every factor pair 2-4
    rng = np.random.default_rng(7)
    for cn in (3, 4):
        x = rng.integers(0, 256, (1031, 1029, cn), dtype=np.uint8)
        for fy, fx in ((2, 2), (4, 4), (3, 3), (1, 2), (4, 2), (2, 3), (3, 4)):
            _check(x, _reduce_plans(1031, 1029, fy, fx, 0, 1031, 0, 1029))


# ------------------------------------------------------------------ against Pillow
def _alpha_kinds(rng: np.random.Generator, x: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    out = [x]
    for kind in ("0", "255", "mixed"):
        y = x.copy()
        if kind == "0":
            y[..., -1] = 0
        elif kind == "255":
            y[..., -1] = 255
        else:
            y[..., -1] = rng.choice(np.array([0, 1, 2, 3, 127, 254, 255], np.uint8), y.shape[:2])
        out.append(y)
    return out


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA"])
def test_reduce_matches_pillow_long_rows(mode: str) -> None:
    Image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as pp

    rng = np.random.default_rng(zlib.crc32(mode.encode()))
    cn = {"RGB": 3, "RGBA": 4, "LA": 2}[mode]
    x = rng.integers(0, 256, (9, 2053, cn), dtype=np.uint8)
    imgs = _alpha_kinds(rng, x) if cn != 3 else [x]
    for y in imgs:
        im = Image.fromarray(y, mode)
        for factor in (2, 3, 4, (2, 1), (1, 2), (3, 2), (2, 4), (4, 3), (1, 4), 5):
            ref = np.asarray(im.reduce(factor))
            got = pp.reduce(y, factor)
            assert got.shape == ref.shape and np.array_equal(got, ref), (mode, factor)
            box = (3, 1, 2041, 9)
            ref = np.asarray(im.reduce(factor, box))
            got = pp.reduce(y, factor, box)
            assert got.shape == ref.shape and np.array_equal(got, ref), (mode, factor, box)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
@pytest.mark.parametrize("resample", [2, 3, 1])  # BILINEAR, BICUBIC, LANCZOS
def test_alpha_resize_matches_pillow_long_rows(mode: str, resample: int) -> None:
    Image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as pp

    rng = np.random.default_rng(zlib.crc32(f"{mode} {resample}".encode()))
    cn = {"RGBA": 4, "LA": 2}[mode]
    x = rng.integers(0, 256, (4, 2011, cn), dtype=np.uint8)
    for y in _alpha_kinds(rng, x):
        im = Image.fromarray(y, mode)
        for size in ((4133, 7), (677, 3), (2011, 9)):  # up, down, one axis only
            ref = np.asarray(im.resize(size, resample))
            got = pp.resize(y, size, resample)
            assert got.shape == ref.shape and np.array_equal(got, ref), (mode, size)


@pytest.mark.parametrize("build", ["avx512", "avx2", "scalar"])
def test_rgba_reduce_and_resize_each_alpha_build(monkeypatch: pytest.MonkeyPatch,
                                                 build: str) -> None:
    # compat.pillow with the alpha passes forced onto each build, against Pillow
    Image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as pp

    _need_build(build)
    monkeypatch.setattr(native._ext, "alpha", partial(native._ext.alpha,
                                                      simd=build != "scalar",
                                                      avx512=build == "avx512"))
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (13, 301, 4), dtype=np.uint8)
    for y in _alpha_kinds(rng, x):
        im = Image.fromarray(y, "RGBA")
        assert np.array_equal(pp.reduce(y, 2), np.asarray(im.reduce(2)))
        assert np.array_equal(pp.resize(y, (603, 29), 2), np.asarray(im.resize((603, 29), 2)))
