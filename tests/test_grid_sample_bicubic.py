"""compat.torch.grid_sample mode="bicubic" (float32): PyTorch's arithmetic, bit for bit.

PyTorch's vectorised 2-D float32 bicubic kernel (``ApplyGridSample<.., Bicubic, ..>`` of
its CPU build, AVX2 and AVX-512 alike) is declared as the sampler's ``"torch_bicubic"``
sums (:data:`pixelgrid._sampling.SAMPLE_ARITHMETICS`): float32 positions, the four Keys
weights of each axis in float32 (the inner piece ``((a + 2) x - (a + 3)) x x + 1`` with
its first and last steps fused, the outer piece not), each row of 4 taps along x summed
as ``(fma(c0, v0, c1 v1) + c2 v2) + c3 v3`` and the 4 rows as an FMA chain.  The compiled
sampler runs it 8 points at a time (csrc/sampler_kernels.h ``grid_cubic8``: interior
blocks by row loads and a transpose, border blocks by masked gathers, NaN positions by
the scalar rule) and point by point (``point2d_torch_cubic``, the reflection padding's
path).  Every case must equal PyTorch's ``F.grid_sample`` value for value (NaN where it
has NaN), and, bit for bit (zero signs included), the numpy oracle
(``PIXELGRID_ENGINE=reference``) and the point-by-point compiled kernels
(``sampler_fast(False)``): every padding, both align_corners, 1-5 channels, NCHW and
channels-last tensors, positions on pixels (weight-0 taps, which PyTorch reads: a NaN or
inf pixel there shows), far points, odd sizes and axes of 2000+ px.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
pgt = pytest.importorskip("pixelgrid.compat.torch")

from pixelgrid._engines import native_sampler  # noqa: E402
from pixelgrid._sampling import _sample_points, torch_bicubic_weights  # noqa: E402
from pixelgrid.compat import _torch_warp  # noqa: E402
from pixelgrid.kernels import cubic, linear  # noqa: E402
from test_grid_sample_bilinear import _bits, _grids, _image  # noqa: E402
from test_sampler_fast import _point_by_point  # noqa: E402

pytestmark = pytest.mark.skipif(not native_sampler.supported(),
                                reason="compiled sampler not built")
PADDINGS = ("zeros", "border", "reflection")


def _check(x: Any, g: Any, pad: str, ac: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    kw = {"mode": "bicubic", "padding_mode": pad, "align_corners": ac}
    got = pgt.grid_sample(x, g, **kw)
    again = pgt.grid_sample(x, g, **kw)  # the memo's call
    want = F.grid_sample(x, g, **kw)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want.numpy())  # NaN where torch has NaN
    gb = _bits(got.numpy())
    np.testing.assert_array_equal(_bits(again.numpy()), gb)
    with _point_by_point():
        np.testing.assert_array_equal(_bits(pgt.grid_sample(x, g, **kw).numpy()), gb)
    with monkeypatch.context() as mp:
        mp.setenv("PIXELGRID_ENGINE", "reference")
        ref = pgt.grid_sample(x.numpy(), g.numpy(), **kw)
    np.testing.assert_array_equal(_bits(ref), gb)


def test_weights_hand_values() -> None:
    # t = 0: the pixel itself; t = 1/2: Keys a = -0.75 at 1.5 and 0.5 (exact dyadics);
    # t = 1/4: 5/4 -> a (x^3 - 5x^2 + 8x - 4) = -0.75 * -0.046875, 3/4, 1/4 ...
    w = torch_bicubic_weights(np.array([3.0, 2.5, -0.75]), -0.75)
    assert w.dtype == np.float32
    assert w[0].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert w[1].tolist() == [-0.09375, 0.59375, 0.59375, -0.09375]
    # x = -0.75: floor -1, t = 0.25: K(1.25), K(0.25), K(0.75), K(1.75), all exact here
    k = cubic(-0.75).fn(np.array([1.25, 0.25, 0.75, 1.75]))
    assert w[2].tolist() == k.tolist()


def test_weights_equal_torchs_at_random_fractions() -> None:
    # One pixel of 1 in a row of 0s, sampled on that row (y weights 0, 1, 0, 0 exactly):
    # each output is the x weight torch gives the tap on that pixel, for 4096 fractions.
    w, h = 64, 8
    img = np.zeros((1, 1, h, w), np.float32)
    img[0, 0, 3, 30] = 1
    rng = np.random.default_rng(3)
    xs = (np.float32(28) + rng.random(4096).astype(np.float32) * np.float32(4))
    sf = np.float32(w - 1) / np.float32(2)
    u = (xs / sf - np.float32(1)).astype(np.float32)
    x = ((u + np.float32(1)) * sf).astype(np.float32)  # torch's position (align_corners)
    uy = np.float32(3) / (np.float32(h - 1) / np.float32(2)) - np.float32(1)
    g = np.stack([u, np.full_like(u, uy)], -1).reshape(1, 1, -1, 2)
    out = F.grid_sample(torch.from_numpy(img), torch.from_numpy(g), mode="bicubic",
                        align_corners=True).numpy().ravel()
    tap = 30 - np.floor(x).astype(int) + 1  # which of the 4 taps reads pixel 30
    ok = (tap >= 0) & (tap <= 3)
    assert ok.sum() > 3000
    mine = torch_bicubic_weights(x.astype(np.float64), -0.75)
    np.testing.assert_array_equal(mine[np.arange(x.size), np.clip(tap, 0, 3)][ok], out[ok])


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("c", [1, 3, 5])
def test_wide_axes(pad: str, ac: bool, c: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(c)
    n = 1 + c % 2
    x = _image(rng, (n, c, 6, 2001))
    for g in _grids(n, 3, 2003, c):
        _check(x, g, pad, ac, monkeypatch)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
def test_tall_axes(pad: str, ac: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(17)
    x = _image(rng, (1, 2, 2100, 7))
    for g in _grids(1, 2050, 3, 4):
        _check(x, g, pad, ac, monkeypatch)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 4), (7, 5), (24, 31)])
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


@pytest.mark.parametrize("threads", ["1", "2"])
def test_threads_and_a_large_rotation(threads: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the benchmark's case: a 30-degree rotation and scale 0.9 of 1x3x512^2, finite data
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
    rng = np.random.default_rng(8)
    x = torch.from_numpy(rng.random((1, 3, 512, 512), dtype=np.float32))
    a = np.pi / 6
    th = torch.tensor([[[0.9 * np.cos(a), -0.9 * np.sin(a), 0.0],
                        [0.9 * np.sin(a), 0.9 * np.cos(a), 0.0]]], dtype=torch.float32)
    g = F.affine_grid(th, [1, 3, 512, 512], align_corners=False)
    for pad in ("zeros", "border"):
        _check(x, g, pad, False, monkeypatch)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("pad", PADDINGS)
def test_far_points(pad: str, ac: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # positions far outside keep their fraction (border padding reads the edge pixel 4
    # times with those weights); huge values (just below the overflow bound) too.
    # Reflection: up to 2.5e5 (positions ~4e6 px; PyTorch reflects each tap in float32,
    # which rounds beyond ~1e7 px, where pixelgrid reflects the integer exactly)
    rng = np.random.default_rng(13)
    h, w = 20, 30
    x = _image(rng, (1, 2, h, w))
    big = [-2.5e5, 2.5e5, -1e5, 7e4] if pad == "reflection" else [-5e36, 5e36, -1e9, 1e9]
    xs = [*big, -3.3, 3.7, -1.05, 1.02, 0.3]
    ys = [0.1, -0.2, 5.0, -5.0, 1.0, -1.0, 2.5e-3, -40.0, 41.0, *big]
    pts = np.array([[a, b] for a in xs for b in ys], dtype=np.float32)
    pts = np.concatenate([pts, rng.uniform(-1.5, 1.5, (64, 2)).astype(np.float32)])
    g = torch.from_numpy(pts[: (len(pts) // 8) * 8 + 3].reshape(1, 1, -1, 2).copy())
    _check(x, g, pad, ac, monkeypatch)


def test_sample_points_torch_bicubic_errors() -> None:
    xm = np.zeros((5, 6, 1), np.float32)
    pts = np.zeros((3, 2))
    k = [cubic(-0.75)] * 2
    with pytest.raises(ValueError, match=r"2 axes of one Keys cubic .*got kernels"):
        _sample_points(xm, pts, [linear()] * 2, ["constant"] * 2, 0.0,
                       arithmetic="torch_bicubic", window="floor")
    with pytest.raises(ValueError, match=r"2 axes of one Keys cubic"):
        _sample_points(xm, pts, [cubic(-0.75), cubic(-0.5)], ["constant"] * 2, 0.0,
                       arithmetic="torch_bicubic", window="floor")
    with pytest.raises(ValueError, match=r"2 axes of one Keys cubic"):
        _sample_points(xm[:, 0], pts[:, :1], [cubic(-0.75)], ["constant"], 0.0,
                       arithmetic="torch_bicubic", window="floor")
    with pytest.raises(ValueError, match=r"reads the 'floor' window; got window='support'"):
        _sample_points(xm, pts, k, ["constant"] * 2, 0.0, arithmetic="torch_bicubic")
    with pytest.raises(ValueError, match=r"takes boundaries .*got \['renormalize'"):
        _sample_points(xm, pts, k, ["renormalize", "clamp"], 0.0,
                       arithmetic="torch_bicubic", window="floor")
    with pytest.raises(ValueError, match=r"fills with 0 .*got fill_value=1.5"):
        _sample_points(xm, pts, k, ["constant"] * 2, 1.5, arithmetic="torch_bicubic",
                       window="floor")
    with pytest.raises(ValueError, match=r"arithmetic='torch_bicubik' is not valid"):
        _sample_points(xm, pts, k, ["constant"] * 2, 0.0, arithmetic="torch_bicubik")


@pytest.mark.parametrize("engine", ["reference", "native"])
def test_sample_points_torch_bicubic_any_points(engine: str) -> None:
    # the rule on float64 points (rounded to float32 first) and a uint8 source (read as
    # float32): the engines agree, and both equal the sum written out by hand here
    rng = np.random.default_rng(4)
    xm = rng.integers(0, 256, (9, 11, 2), dtype=np.uint8)
    pts = rng.uniform(-2, 12, (37, 2))
    k = [cubic(-0.75)] * 2
    got = _sample_points(xm, pts, k, ["clamp", "constant"], 0.0, arithmetic="torch_bicubic",
                         window="floor", engine=engine)
    assert got.dtype == np.float32
    f = np.float32
    want = np.zeros((37, 2), f)
    for m, (py, px) in enumerate(pts):
        wy = torch_bicubic_weights(np.array([py]), -0.75)[0]
        wx = torch_bicubic_weights(np.array([px]), -0.75)[0]
        by, bx = int(np.floor(f(py))), int(np.floor(f(px)))
        for ch in range(2):
            rows = []
            for i in range(4):
                r = min(max(by - 1 + i, 0), 8)
                v = [f(xm[r, bx - 1 + j, ch]) if 0 <= bx - 1 + j < 11 else f(0)
                     for j in range(4)]
                s = f(np.float64(wx[0]) * v[0] + np.float64(f(wx[1] * v[1])))
                s = f(s + f(wx[2] * v[2]))
                rows.append(f(s + f(wx[3] * v[3])))
            o = f(np.float64(wy[1]) * rows[1] + np.float64(f(wy[0] * rows[0])))
            o = f(np.float64(wy[2]) * rows[2] + np.float64(o))
            want[m, ch] = f(np.float64(wy[3]) * rows[3] + np.float64(o))
    # (float64 products of two float32 values are exact; each sum of a product and one
    # float32 rounds once in float64 and once to float32: equal to the FMA except at
    # float64 ties, which these integer data do not reach)
    np.testing.assert_array_equal(got, want)


def test_memo_runs_the_rule() -> None:
    _torch_warp._GRID_MEMO.clear()
    rng = np.random.default_rng(2)
    x = torch.from_numpy(rng.random((1, 2, 30, 40), dtype=np.float32))
    g = torch.from_numpy(rng.uniform(-1.1, 1.1, (1, 5, 9, 2)).astype(np.float32))
    want = F.grid_sample(x, g, mode="bicubic", align_corners=False)
    for _ in range(3):
        assert torch.equal(pgt.grid_sample(x, g, mode="bicubic", align_corners=False), want)
    assert any(k[0] == "bicubic" for k in _torch_warp._GRID_MEMO)
