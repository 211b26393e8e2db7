"""The per-axis float64 model on float32 data, float32 in and out of the kernels (``io32``).

:func:`pixelgrid._engines.native_models.apply_model` runs ``float64_per_axis`` plans
on float32 data without float64 copies: each kernel reads the float32 values
(exactly), sums in double in tap order from ``0 * fill_value`` and rounds each sum to
float32 once.  The oracle is the numpy model engine
(:func:`pixelgrid._engines.models.apply_model`: float64 copies, the sums, ``astype``
after every axis); the bytes must match, with 1 and 2 threads, streamed (one call for an
(H, W[, C]) image) or pass by pass, for odd sizes, 1-4 channels, both layouts, NaN,
infinities and sums beyond float32's range.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import pixelgrid
from pixelgrid._arithmetic import Arithmetic
from pixelgrid._engines import models, native, native_models

pytestmark = pytest.mark.skipif(not native_models.available(),
                                reason="compiled engine not built")

_F64 = Arithmetic(accumulate="float64_per_axis", weights="float64")


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    nan = np.isnan(a)
    assert np.array_equal(nan, np.isnan(b)), "NaNs at different places"
    ua = np.where(nan, 0, a).view(np.uint32)  # bytes: -0.0 and +0.0 count
    ub = np.where(nan, 0, b).view(np.uint32)
    bad = np.flatnonzero(ua.ravel() != ub.ravel())
    assert bad.size == 0, f"{bad.size} differ, first at {bad[:5]}"


def _check(x: np.ndarray, plans: list) -> np.ndarray:
    with np.errstate(all="ignore"):  # inf - inf, inf * 0 in the special-value cases
        want = models.apply_model(x, plans)
        got = [native_models.apply_model(x, plans, threads=t) for t in (1, 2)]
    for g in got:
        assert g is not None, "the compiled engine declined float64_per_axis plans"
        _same(g, want)
    with np.errstate(all="ignore"):
        direct = native_models._per_axis_f32(x, plans, 2)  # the float32 path was taken
    if not any(p.is_gather for _, p in plans):  # (1-pixel axes: gathers, numpy's take)
        assert direct is not None
        _same(direct, want)
    return got[0]


def _plans(rng: np.random.Generator, axes: tuple[int, ...], sizes: tuple[int, ...],
           fill_value: float = 0.0) -> list:
    kernels = ["cubic", "lanczos3", "linear", "mitchell"]
    out = []
    for i, (ax, n) in enumerate(zip(axes, sizes, strict=True)):
        m = int(rng.integers(1, 3 * n + 2))
        out.append((ax, pixelgrid.plan(n, m, kernel=kernels[(ax + i) % 4], antialias=True,
                                       boundary=["clamp", "reflect"][i % 2],
                                       fill_value=fill_value, arithmetic=_F64)))
    return out


def test_the_float32_kernels_are_built() -> None:
    assert native_models.available()
    x = np.zeros(4)
    step = native._ext.TapsStep(wtype=5, fma=0, B=1, L=4, O=2, M=1, K=1, limit=0,
                                index=np.zeros((2, 1), np.int32), weight=x[:2, None].copy(),
                                fused_from=None, zero_start=1, io32=1)
    assert step.io32 == 1


@pytest.mark.parametrize("cn", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("streamed", [True, False])
def test_images_hwc(cn: int, streamed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(zlib.crc32(f"hwc {cn} {streamed}".encode()))
    if not streamed:
        monkeypatch.setattr(native_models, "_streamable", lambda *a: False)
    for h, w in ((1, 1), (2, 3), (17, 5), (61, 43), (130, 257)):
        shape = (h, w) if cn == 0 else (h, w, cn)
        x = (rng.standard_normal(shape) * 3).astype(np.float32)
        # fill_value < 0 with no fill: the double sums start from -0.0
        _check(x, _plans(rng, (1, 0), (w, h), fill_value=-2.5 if h % 2 else 0.0))


def test_channels_first_and_views() -> None:
    rng = np.random.default_rng(7)
    for c in (1, 2, 3, 4):
        x = (rng.standard_normal((c, 37, 29)) * 5).astype(np.float32)
        _check(x, _plans(rng, (2, 1), (29, 37)))
        _check(x, _plans(rng, (1, 2), (37, 29)))  # vertical first
        xt = np.transpose(x, (1, 2, 0))  # a non-contiguous (H, W, C) view
        _check(xt, _plans(rng, (1, 0), (29, 37)))
    v = (rng.standard_normal((3, 11, 13, 9))).astype(np.float32)  # three passes, a volume
    _check(v, _plans(rng, (3, 1, 2), (9, 11, 13)))


def test_special_values() -> None:
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((45, 67, 3)) * 2).astype(np.float32)
    x[3, 5, 0] = np.nan
    x[10, 20, 1] = np.inf
    x[30, 7, 2] = -np.inf
    x[20, 40] = np.finfo(np.float32).max  # sums beyond float32 overflow once stored
    x[21, 41] = -np.finfo(np.float32).max
    x[40, 60] = np.float32(1e-45)  # subnormals
    x[0, 0] = -0.0
    for fill in (0.0, -1.0):
        got = _check(x, _plans(rng, (1, 0), (67, 45), fill_value=fill))
        assert np.isnan(got).any() and np.isinf(got).any()


def test_long_axis_against_the_float64_passes() -> None:
    """A 2 x 5000 -> 2 x 3100 (down) and -> 7001 (up) row, as the numpy model."""
    rng = np.random.default_rng(3)
    x = rng.random((2, 5000), dtype=np.float32)
    for m in (3100, 7001):
        p = pixelgrid.plan(5000, m, kernel="cubic", antialias=True, arithmetic=_F64)
        _check(x, [(1, p)])


def test_pillow_f_mode_streamed() -> None:
    """Pillow's F-mode passes (its plans, horizontal then vertical), streamed."""
    from pixelgrid.compat import pillow as cp

    rng = np.random.default_rng(5)
    for (w, h), (ow, oh) in (((301, 203), (455, 311)), ((97, 403), (41, 97))):
        x = rng.random((h, w), dtype=np.float32)
        plans = cp._passes(h, w, (ow, oh), cp.BICUBIC, (0.0, 0.0, float(w), float(h)), False)
        _check(x, plans)
