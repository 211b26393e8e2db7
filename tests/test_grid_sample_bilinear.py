"""compat.torch.grid_sample mode="bilinear" (float32): the 8-lane kernel against its oracles.

The compiled sampler runs PyTorch's vectorised float32 bilinear rule 8 points at a time
(csrc/sampler_kernels.h ``grid_linear8``): blocks whose taps are all inside read pixel
pairs, blocks at the border masked gathers, blocks wholly outside store +0, and lanes
with a position in [-1, 0) (or a NaN one) take the scalar rule.  Every case here must
equal, bit for bit (the sign of zeros included), the numpy oracle
(``PIXELGRID_ENGINE=reference``) and the point-by-point compiled kernels
(``sampler_fast(False)``), and PyTorch's own ``F.grid_sample`` value for value (NaN where
it has NaN): every padding, both align_corners, 1-5 channels, NCHW and channels-last
tensors, positions exactly on pixels (weight-0 taps, which PyTorch reads: a NaN or inf
pixel there shows), the [-1, 0) band, far points, odd sizes and axes of 2000+ px.  A
repeated call (the memo of compat/_torch_warp.py) equals a fresh one.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
pgt = pytest.importorskip("pixelgrid.compat.torch")

from pixelgrid._engines import native_sampler  # noqa: E402
from pixelgrid.compat import _torch_warp  # noqa: E402
from test_sampler_fast import _point_by_point  # noqa: E402

pytestmark = pytest.mark.skipif(not native_sampler.supported(),
                                reason="compiled sampler not built")
_EXT: Any = native_sampler._ext
PADDINGS = ("zeros", "border", "reflection")


def _bits(a: np.ndarray) -> np.ndarray:
    """float32 bits, every NaN as one pattern (a NaN's payload is not compared)."""
    return np.where(np.isnan(a), np.float32(np.nan), a).astype(np.float32).view(np.uint32)


def _grids(n: int, ho: int, wo: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    a = 0.5
    theta = torch.tensor([[[1.1 * math.cos(a), -math.sin(a), 0.05],
                           [math.sin(a), 1.1 * math.cos(a), -0.03]]],
                         dtype=torch.float32).repeat(n, 1, 1)
    out = [F.affine_grid(theta, [n, 1, ho, wo], align_corners=ac) for ac in (False, True)]
    out.append(torch.tensor(rng.uniform(-1.3, 1.3, (n, ho, wo, 2)), dtype=torch.float32))
    # multiples of 1/16: many positions exactly on pixels or half-way (weight-0 taps)
    out.append(torch.tensor(rng.integers(-20, 21, (n, ho, wo, 2)) / 16.0, dtype=torch.float32))
    return out


def _check(x: Any, g: Any, pad: str, ac: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    got = pgt.grid_sample(x, g, mode="bilinear", padding_mode=pad, align_corners=ac)
    again = pgt.grid_sample(x, g, mode="bilinear", padding_mode=pad, align_corners=ac)
    want = F.grid_sample(x, g, mode="bilinear", padding_mode=pad, align_corners=ac)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want.numpy())  # NaN where torch has NaN
    gb = _bits(got.numpy())
    np.testing.assert_array_equal(_bits(again.numpy()), gb)
    with _point_by_point():
        np.testing.assert_array_equal(
            _bits(pgt.grid_sample(x, g, mode="bilinear", padding_mode=pad,
                                  align_corners=ac).numpy()), gb)
    with monkeypatch.context() as mp:
        mp.setenv("PIXELGRID_ENGINE", "reference")
        ref = pgt.grid_sample(x.numpy(), g.numpy(), mode="bilinear", padding_mode=pad,
                              align_corners=ac)
    np.testing.assert_array_equal(_bits(ref), gb)


def _image(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    x = rng.random(shape).astype(np.float32) - np.float32(0.25)  # some negative values
    flat = x.reshape(-1)
    idx = rng.choice(flat.size, 4, replace=False)
    flat[idx[0]] = np.nan
    flat[idx[1]] = np.inf
    flat[idx[2]] = -np.inf
    flat[idx[3]] = -0.0
    return torch.from_numpy(x)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("c", [1, 2, 3, 5])
def test_wide_axes(pad: str, ac: bool, c: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(c)
    n = 1 + c % 2
    x = _image(rng, (n, c, 3, 2001))
    for g in _grids(n, 3, 2003, c):
        _check(x, g, pad, ac, monkeypatch)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (7, 5), (24, 31)])
def test_odd_sizes(pad: str, ac: bool, shape: tuple[int, int],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    x = _image(rng, (2, 3, *shape))
    for g in _grids(2, 9, 13, 3):  # 117 points: blocks of 8 and a rest
        _check(x, g, pad, ac, monkeypatch)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
def test_channels_last(pad: str, ac: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    x = _image(rng, (1, 4, 37, 41)).contiguous(memory_format=torch.channels_last)
    for g in _grids(1, 19, 23, 9):
        _check(x, g, pad, ac, monkeypatch)


@pytest.mark.parametrize("ac", [False, True])
def test_edge_band_and_far_points(ac: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # zeros padding: positions in [-1, 0) read the first row/column with part of their
    # weight (the scalar rule); below -1 every tap is outside (+0); far values both ways
    rng = np.random.default_rng(13)
    h, w = 20, 30
    x = _image(rng, (1, 2, h, w))
    # grid values whose position is exactly -1, -0.5, -0.25, 0, n - 1, n - 0.5 and n
    def u(p: float, n: int) -> float:
        return 2 * p / (n - 1) - 1 if ac else (2 * p + 1) / n - 1

    # (+-5e36: just below the bound where positions overflow, 1.7e38 / 30)
    xs = [u(p, w) for p in (-1.0, -0.5, -0.25, 0.0, w - 1.0, w - 0.5, w)] + [-5e36, 5e36,
                                                                             -1e9, 1e9, -1.0]
    ys = [u(p, h) for p in (-1.0, -0.5, -0.25, 0.0, h - 1.0, h - 0.5, h)] + [0.1, -0.2,
                                                                             5.0, -5.0, 1.0]
    pts = np.array([[a, b] for a in xs for b in ys], dtype=np.float32)
    pts = np.concatenate([pts, rng.uniform(-1.5, 1.5, (64, 2)).astype(np.float32)])
    g = torch.from_numpy(pts[: (len(pts) // 8) * 8 + 3].reshape(1, 1, -1, 2).copy())
    for pad in PADDINGS:
        _check(x, g, pad, ac, monkeypatch)


def test_non_finite_grid_after_a_repeat() -> None:
    # the memo of a call never skips the grid check
    x = torch.rand(1, 2, 8, 8)
    g = torch.rand(1, 4, 4, 2) * 2 - 1
    pgt.grid_sample(x, g, align_corners=False)
    pgt.grid_sample(x, g, align_corners=False)
    assert any(k[0] == "bilinear" for k in _torch_warp._GRID_MEMO)
    g[0, 1, 2, 0] = float("nan")
    with pytest.raises(ValueError, match="grid holds 1 non-finite"):
        pgt.grid_sample(x, g, align_corners=False)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_overflowing_grid_values_refused(dtype: Any) -> None:
    # finite values whose positions overflow: torch gives inf - inf weights (NaN with zeros
    # padding, checked here), so they are refused like NaN/inf, before and after a repeat
    x = torch.rand(1, 2, 8, 30, dtype=dtype)
    big = 0.9 * float(np.finfo(np.float32 if dtype == torch.float32 else np.float64).max)
    g = torch.zeros(1, 2, 4, 2, dtype=dtype)
    pgt.grid_sample(x, g, align_corners=False)
    g[0, 1, 1, 0] = big
    if dtype == torch.float32:
        assert torch.isnan(F.grid_sample(x, g, align_corners=False)[0, :, 1, 1]).all()
    with pytest.raises(ValueError, match=r"grid holds 0 non-finite value\(s\) \(NaN or inf\) "
                                         r"and 1 beyond \+-"):
        pgt.grid_sample(x, g, align_corners=False)
    g[0, 1, 1, 0] = 1e30  # far, but its position is finite: allowed (0 there)
    assert pgt.grid_sample(x, g, align_corners=False)[0, :, 1, 1].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("positional", [True, False])
def test_memo_calls_by_position_or_keyword(positional: bool,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # the memo's call passes the sampler's arguments by position where the binding's
    # signature allows (a reordered binding: by keyword); both give the oracle's values
    monkeypatch.setattr(native_sampler, "takes_positional", lambda fn, names: positional)
    _torch_warp._GRID_MEMO.clear()
    rng = np.random.default_rng(21)
    x = _image(rng, (2, 3, 17, 23)).numpy()
    g = rng.uniform(-1.2, 1.2, (2, 5, 7, 2)).astype(np.float32)
    with monkeypatch.context() as mp:
        mp.setenv("PIXELGRID_ENGINE", "reference")
        want = {mode: pgt.grid_sample(x, g, mode=mode, align_corners=False)
                for mode in ("bilinear", "nearest")}
    for _ in range(3):
        for mode in ("bilinear", "nearest"):
            np.testing.assert_array_equal(
                _bits(pgt.grid_sample(x, g, mode=mode, align_corners=False)),
                _bits(want[mode]))
    assert len(_torch_warp._GRID_MEMO) == 2
    _torch_warp._GRID_MEMO.clear()
