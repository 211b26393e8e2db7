"""pixelgrid.compat torch grid_sample / affine_grid against torch 2.13 (CPU)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from pixelgrid.compat.torch import affine_grid, grid_sample

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(7)
MODES_4D = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]


def _grid(spatial: tuple[int, ...], out: tuple[int, ...], ac: bool, exact: bool,
          dtype: type) -> np.ndarray:
    """Random normalised grid in [-1.6, 1.6]; with ``exact``, every coordinate is a
    multiple of half a pixel (pixel centres, edges and nearest ties), in and out of range."""
    dim = len(spatial)
    g = RNG.uniform(-1.6, 1.6, (2, *out, dim))
    if exact:
        for i in range(dim):
            n = spatial[dim - 1 - i]  # component i is axis dim - 1 - i
            k = RNG.integers(-2 * n - 2, 2 * n + 3, g[..., i].shape)
            if ac:
                g[..., i] = k / (n - 1) - 1 if n > 1 else 0.0
            else:
                g[..., i] = k / n - 1
    return g.astype(dtype)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("mode", MODES_4D)
def test_grid_sample_4d_matches_torch(mode: str, padding: str, ac: bool) -> None:
    for trial in range(14):
        spatial = tuple(int(v) for v in RNG.integers(1, 8, 2))
        out = tuple(int(v) for v in RNG.integers(1, 7, 2))
        dtype = np.float64 if trial % 7 == 6 else np.float32
        x = RNG.standard_normal((2, 3, *spatial)).astype(dtype)
        g = _grid(spatial, out, ac, exact=trial % 2 == 1, dtype=dtype)
        ref = F.grid_sample(torch.from_numpy(x), torch.from_numpy(g), mode=mode,
                            padding_mode=padding, align_corners=ac).numpy()
        got = grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=ac)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        if mode == "nearest":
            np.testing.assert_array_equal(got, ref)  # ties: round half to even
        else:
            np.testing.assert_allclose(got, ref, rtol=0,
                                       atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_5d_matches_torch(mode: str, padding: str, ac: bool) -> None:
    for trial in range(6):
        spatial = tuple(int(v) for v in RNG.integers(1, 6, 3))
        out = tuple(int(v) for v in RNG.integers(1, 5, 3))
        x = RNG.standard_normal((2, 2, *spatial)).astype(np.float32)
        g = _grid(spatial, out, ac, exact=trial % 2 == 1, dtype=np.float32)
        ref = F.grid_sample(torch.from_numpy(x), torch.from_numpy(g), mode=mode,
                            padding_mode=padding, align_corners=ac).numpy()
        got = grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=ac)
        if mode == "nearest":
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)


def test_grid_sample_hand_values() -> None:
    # zeros padding fades over the last half pixel: x = -1 with align_corners=False is
    # pixel coordinate -0.5, taps -1 (reads 0) and 0 with weight 1/2 each
    x = np.array([[[[4.0, 8.0]]]], dtype=np.float32)
    g = np.array([[[[-1.0, 0.0]]]], dtype=np.float32)
    assert grid_sample(x, g, align_corners=False).tolist() == [[[[2.0]]]]
    assert grid_sample(x, g, padding_mode="border", align_corners=False).tolist() == [[[[4.0]]]]
    # nearest ties round half to even: 1-D width 4, pixel coords 0.5, 1.5, 2.5 -> 0, 2, 2
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 1, 4)
    u = (2 * np.array([0.5, 1.5, 2.5]) + 1) / 4 - 1
    g = np.stack([u, np.zeros(3)], -1).reshape(1, 1, 3, 2).astype(np.float32)
    assert grid_sample(x, g, mode="nearest").ravel().tolist() == [0.0, 2.0, 2.0]


def test_grid_sample_torch_tensors_in_and_out() -> None:
    x = torch.randn(1, 2, 4, 5, generator=torch.Generator().manual_seed(0))
    g = torch.rand(1, 3, 3, 2, generator=torch.Generator().manual_seed(1)) * 2 - 1
    y = grid_sample(x, g, mode="bicubic", padding_mode="reflection", align_corners=True)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32
    ref = F.grid_sample(x, g, mode="bicubic", padding_mode="reflection", align_corners=True)
    assert torch.equal(y, ref)  # torch's float32 bicubic arithmetic ("torch_bicubic")


def test_grid_sample_errors() -> None:
    x = np.zeros((1, 1, 3, 3), dtype=np.float32)
    g = np.zeros((1, 2, 2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="mode='linear' is not valid"):
        grid_sample(x, g, mode="linear")
    with pytest.raises(ValueError, match="padding_mode='wrap' is not valid"):
        grid_sample(x, g, padding_mode="wrap")
    with pytest.raises(ValueError, match="only supports 4-D"):
        grid_sample(np.zeros((1, 1, 2, 2, 2), np.float32), np.zeros((1, 1, 1, 1, 3), np.float32),
                    mode="bicubic")
    with pytest.raises(ValueError, match="grid has shape"):
        grid_sample(x, np.zeros((1, 2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="grid has shape"):
        grid_sample(x, np.zeros((2, 2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="expected 4-D"):
        grid_sample(np.zeros((1, 3, 3), np.float32), np.zeros((1, 2, 1), np.float32))
    with pytest.raises(TypeError, match="must match"):
        grid_sample(x, g.astype(np.float64))
    with pytest.raises(TypeError, match="expected float32 or float64"):
        grid_sample(x.astype(np.uint8), g.astype(np.uint8))
    with pytest.raises(TypeError, match="align_corners=1"):
        grid_sample(x, g, align_corners=1)  # type: ignore[arg-type]
    g_nan = g.copy()
    g_nan[0, 1, 1, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        grid_sample(x, g_nan)
    # torch refuses the same calls
    with pytest.raises(RuntimeError):
        F.grid_sample(torch.zeros(1, 1, 2, 2, 2), torch.zeros(1, 1, 1, 1, 3), mode="bicubic",
                      align_corners=False)
    with pytest.raises(RuntimeError):
        F.grid_sample(torch.from_numpy(x), torch.from_numpy(g).double(), align_corners=False)


@pytest.mark.parametrize("ac", [False, True])
def test_affine_grid_matches_torch(ac: bool) -> None:
    for trial in range(40):
        dim = 2 if trial % 2 else 3
        size = (2, 3, *(int(v) for v in RNG.integers(1, 8, dim)))
        dtype = np.float32 if trial % 4 < 2 else np.float64
        theta = RNG.standard_normal((2, dim, dim + 1)).astype(dtype)
        with warnings.catch_warnings():
            # torch warns about unit-size grids with align_corners=True
            warnings.simplefilter("ignore", UserWarning)
            ref = F.affine_grid(torch.from_numpy(theta), size, align_corners=ac).numpy()
        got = affine_grid(theta, size, align_corners=ac)
        assert got.shape == ref.shape and got.dtype == ref.dtype
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5 if dtype == np.float32 else 1e-12)
    t = torch.from_numpy(RNG.standard_normal((1, 2, 3)).astype(np.float32))
    out = affine_grid(t, (1, 1, 4, 5), align_corners=ac)
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out, F.affine_grid(t, (1, 1, 4, 5), align_corners=ac),
                               atol=1e-6, rtol=0)


def test_affine_grid_errors() -> None:
    th = np.zeros((1, 2, 3), np.float32)
    with pytest.raises(ValueError, match=r"must be \(1, 3, 4\)"):
        affine_grid(th, (1, 1, 2, 2, 2))
    with pytest.raises(ValueError, match=r"size=.* must be"):
        affine_grid(th, (1, 1, 2))
    with pytest.raises(ValueError, match=r"size=.* must be"):
        affine_grid(th, (1, 1, 0, 2))
    with pytest.raises(TypeError, match="floating point"):
        affine_grid(th.astype(np.int32), (1, 1, 2, 2))
    with pytest.raises(ValueError, match="theta must be finite"):
        affine_grid(np.full((1, 2, 3), np.nan, np.float32), (1, 1, 2, 2))


# --- realistic sizes: the float32 arithmetic does not drift with the image size -------------

@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_2d_float32_bit_exact_at_2500_px(mode: str, padding: str, ac: bool) -> None:
    # torch's vectorised 2-D kernel: x = fma(u + 1, W/2, -0.5) (or (u + 1) * (W-1)/2),
    # reflection by trunc(|x| / 2 span), float32 lerp weights, products per corner and an
    # FMA chain nw, ne, sw, se.  Declared as the sampler's "float32_fma" rule: bit-exact.
    # Before: 8.6e-5 (zeros/border, align_corners=False), reflection far outside 3.2e-6.
    rng = np.random.default_rng(11)
    x = rng.random((1, 2, 3, 2500)).astype(np.float32)
    lim = 40.0 if padding == "reflection" else 1.2  # reflection: many flips far outside
    g = rng.uniform(-lim, lim, (1, 3, 2000, 2)).astype(np.float32)
    ref = F.grid_sample(torch.from_numpy(x), torch.from_numpy(g), mode=mode,
                        padding_mode=padding, align_corners=ac).numpy()
    np.testing.assert_array_equal(grid_sample(x, g, mode=mode, padding_mode=padding,
                                              align_corners=ac), ref)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("padding", PADDINGS)
def test_grid_sample_bicubic_bit_exact_and_3d_within_2e6_at_2500_px(padding: str,
                                                                   ac: bool) -> None:
    # bicubic: torch's float32 positions, coefficients (inner piece fused) and sums (rows
    # along x with one FMA, then an FMA chain over the rows): the sampler's
    # "torch_bicubic" rule, bit-exact (before, float64 weights and sums: 1.5e-6).  3-D
    # (GridSampler.h formulas, float64 weights): within 2e-7.
    rng = np.random.default_rng(12)
    x = rng.random((1, 2, 3, 2500)).astype(np.float32)
    g = rng.uniform(-1.2, 1.2, (1, 3, 2000, 2)).astype(np.float32)
    ref = F.grid_sample(torch.from_numpy(x), torch.from_numpy(g), mode="bicubic",
                        padding_mode=padding, align_corners=ac).numpy()
    got = grid_sample(x, g, mode="bicubic", padding_mode=padding, align_corners=ac)
    np.testing.assert_array_equal(got, ref)
    x3 = rng.random((1, 1, 2, 3, 2500)).astype(np.float32)
    g3 = rng.uniform(-1.2, 1.2, (1, 2, 2, 1500, 3)).astype(np.float32)
    ref = F.grid_sample(torch.from_numpy(x3), torch.from_numpy(g3), mode="bilinear",
                        padding_mode=padding, align_corners=ac).numpy()
    got = grid_sample(x3, g3, mode="bilinear", padding_mode=padding, align_corners=ac)
    np.testing.assert_allclose(got, ref, rtol=0, atol=2e-6)


@pytest.mark.parametrize("ac", [False, True])
def test_affine_grid_float32_at_5000_px(ac: bool) -> None:
    # computed in float64 and rounded once; torch computes linspace and the product in
    # float32: within 2.4e-7 of torch at 5000 px (no drift with the size)
    th = np.random.default_rng(13).standard_normal((1, 2, 3)).astype(np.float32)
    for size in [(1, 1, 3, 5000), (1, 1, 5000, 3)]:
        ref = F.affine_grid(torch.from_numpy(th), size, align_corners=ac).numpy()
        np.testing.assert_allclose(affine_grid(th, size, align_corners=ac), ref, rtol=0,
                                   atol=1e-6)


def test_sampler_float32_fma_rule_hand_values() -> None:
    # 0.1 between 1 and 2 in float32: lerp weights f32(1 - w), w; sum 1*e + 2*w by one FMA
    from pixelgrid._sampling import _sample_points, reflect_coordinates, unnormalize
    from pixelgrid.kernels import linear

    xm = np.array([[1.0], [2.0]], dtype=np.float32)
    w = np.float32(0.1)
    e = np.float32(1) - w
    want = np.float32(np.float64(2) * np.float64(w) + np.float64(np.float32(1 * e)))
    got = _sample_points(xm, np.array([[float(w)]]), [linear()], ["constant"], 0.0,
                         arithmetic="float32_fma")
    assert got.dtype == np.float32 and got[0, 0] == want
    with pytest.raises(ValueError, match="arithmetic='exact' is not valid"):
        _sample_points(xm, np.array([[0.5]]), [linear()], ["constant"], 0.0,
                       arithmetic="exact")
    with pytest.raises(ValueError, match="rule='fast' is not valid"):
        unnormalize(np.zeros(1, np.float32), 4, False, rule="fast")
    # reflection about -0.5 and 3.5 (n = 4, align_corners=False): -1 -> 0, 4.5 -> 2.5
    r = reflect_coordinates(np.array([-1.0, 4.5], np.float32), -1, 7, "float32_fma")
    assert r.tolist() == [0.0, 2.5]
