"""compat.torch.grid_sample mode="nearest" against torch's own F.grid_sample, bit-exact.

The compiled sampler computes the nearest indices straight from the grid (8 points at a
time in AVX2 for float32 grids with zeros padding, else point by point) and copies each
channel plane in turn; these cases cover its lanes (inside, outside, blocks across the
border by masked gathers, NaN/inf grid values, exact .5 ties rounded half to even), the
scalar rest of a block, every padding, both
align_corners, 1-4 channels, N = 1-2, float32/float64 and axes of 2000+ px.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
pgt = pytest.importorskip("pixelgrid.compat.torch")

PADDINGS = ("zeros", "border", "reflection")


def _grids(n: int, ho: int, wo: int, dtype: object, seed: int) -> list[object]:
    rng = np.random.default_rng(seed)
    a = 0.5
    theta = torch.tensor([[[1.1 * math.cos(a), -math.sin(a), 0.05],
                           [math.sin(a), 1.1 * math.cos(a), -0.03]]], dtype=dtype).repeat(n, 1, 1)
    out = [F.affine_grid(theta, [n, 1, ho, wo], align_corners=ac) for ac in (False, True)]
    out.append(torch.tensor(rng.uniform(-1.3, 1.3, (n, ho, wo, 2)), dtype=dtype))
    # multiples of 1/8: many positions land exactly on .5 (torch rounds half to even)
    out.append(torch.tensor(rng.integers(-12, 13, (n, ho, wo, 2)) / 8.0, dtype=dtype))
    return out


def _check(x: object, g: object, pad: str, ac: bool) -> None:
    want = F.grid_sample(x, g, mode="nearest", padding_mode=pad, align_corners=ac)
    got = pgt.grid_sample(x, g, mode="nearest", padding_mode=pad, align_corners=ac)
    assert got.dtype == want.dtype and got.shape == want.shape
    # bit-exact, NaN where torch has NaN
    assert torch.equal(torch.isnan(got), torch.isnan(want))
    assert torch.equal(torch.nan_to_num(got, 7.0), torch.nan_to_num(want, 7.0))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("c", [1, 2, 3, 4])
def test_wide_axes(dtype: object, pad: str, ac: bool, c: int) -> None:
    rng = np.random.default_rng(c)
    n = 1 + c % 2
    x = torch.tensor(rng.random((n, c, 3, 2001)), dtype=dtype)
    x[0, 0, 1, 5] = float("nan")
    for g in _grids(n, 3, 2003, dtype, c):
        _check(x, g, pad, ac)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (16, 16), (2, 2003)])
def test_odd_sizes(pad: str, ac: bool, shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(7)
    x = torch.tensor(rng.random((2, 3, *shape)), dtype=torch.float32)
    for g in _grids(2, 9, 13, torch.float32, 3):  # 117 points: blocks of 8 and a rest
        _check(x, g, pad, ac)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
def test_far_and_corner_points(pad: str, ac: bool) -> None:
    rng = np.random.default_rng(11)
    x = torch.tensor(rng.random((1, 2, 40, 50)), dtype=torch.float32)
    g = torch.tensor(rng.uniform(-1.2, 1.2, (1, 5, 17, 2)), dtype=torch.float32)
    # far outside: the fill (zeros) or the edge (border); reflection folds them back, and
    # for huge values torch's float32 fold is its own (not compared here)
    far = 7.3 if pad == "reflection" else 3e38
    g[0, 1, 3, 0] = far
    g[0, 2, 4, 1] = -far
    g[0, 3, 8, 0] = 1e9 if pad != "reflection" else -5.01
    g[0, 0, :, :] = torch.tensor([[-1.0, 1.0]]).repeat(17, 1)  # the corners exactly
    _check(x, g, pad, ac)


def test_nonfinite_grid_refused() -> None:
    x = torch.zeros((1, 1, 4, 4))
    g = torch.zeros((1, 2, 2, 2))
    g[0, 1, 1, 0] = float("nan")
    with pytest.raises(ValueError, match="grid"):
        pgt.grid_sample(x, g, mode="nearest", align_corners=False)


def test_rotated_512_bit_exact() -> None:
    # the benchmark case (benchmarks/bench_compat.py torch_grid_sample_nearest)
    rng = np.random.default_rng(40)
    x = torch.tensor(rng.random((1, 3, 512, 512)), dtype=torch.float32)
    a = np.deg2rad(30)
    theta = torch.tensor([[[0.9 * np.cos(a), -0.9 * np.sin(a), 0.05],
                           [0.9 * np.sin(a), 0.9 * np.cos(a), -0.03]]], dtype=torch.float32)
    g = F.affine_grid(theta, [1, 3, 512, 512], align_corners=False)
    _check(x, g, "zeros", False)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("shape", [(1, 5, 9, 1), (1, 3, 1, 1)])
def test_negative_stride_on_length_one_axis(mode: str, shape: tuple[int, ...]) -> None:
    # numpy keeps a negative stride on a length-1 axis of a C-contiguous array; the
    # compiled sampler used to refuse it ("bad source axis")
    rng = np.random.default_rng(5)
    x = np.asfortranarray(rng.random(shape).astype(np.float32))[..., ::-1]
    g = rng.uniform(-1.6, 1.6, (1, 4, 8, 2)).astype(np.float32)
    want = F.grid_sample(torch.from_numpy(x.copy()), torch.from_numpy(g), mode=mode,
                         align_corners=False).numpy()
    got = pgt.grid_sample(x, g, mode=mode, align_corners=False)
    assert np.array_equal(got, want)


@pytest.mark.parametrize("pad", PADDINGS)
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("c", [1, 2, 3, 4, 5])
def test_vector_lanes_all_paddings(pad: str, ac: bool, c: int) -> None:
    # the 8-lane kernel (every padding, float32 FMA rule), blocks at the edges and a rest
    rng = np.random.default_rng(20 + c)
    x = torch.tensor(rng.random((2, c, 17, 23)), dtype=torch.float32)
    for g in _grids(2, 11, 19, torch.float32, c):
        _check(x, g, pad, ac)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("c", [1, 3, 4])
def test_edge_blocks_copy_bits(ac: bool, c: int) -> None:
    # blocks of 8 points with some lanes inside and some outside (the masked gathers),
    # the border at every lane position (two grids, shifted by a fraction of a step),
    # far points: pixels -0.0 and NaN by the edges are copied bit for bit, the lanes
    # outside are +0.0
    x = torch.arange(c * 6 * 10, dtype=torch.float32).reshape(1, c, 6, 10) - 30.0
    x[0, :, :, 0] = -0.0
    x[0, :, 2, -1] = float("nan")
    x[0, 0, 0, :] = -0.0
    for shift in (0.0, 0.013):
        xs = torch.linspace(-1.37, 1.29, 61) + shift
        ys = torch.linspace(-1.1, 1.05, 7)
        g = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)[None].contiguous()
        g[0, 3, 5, 0] = 1e6  # far outside
        want = F.grid_sample(x, g, mode="nearest", align_corners=ac)
        got = pgt.grid_sample(x, g, mode="nearest", align_corners=ac)
        assert torch.equal(got.view(torch.int32), want.view(torch.int32))
