"""Fast paths of the torch tensor calls: same results as the definitions they replace.

``compat.torch.affine_grid`` sums per-axis terms broadcast once (no base grid, no
einsum); these tests hold it to the float64 einsum of the base grid with theta
(numpy's, bit-exact, including -0.0 and the fallbacks) and to torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pixelgrid.compat import _onnx_warp
from pixelgrid.compat import torch as ctorch


def _einsum_grid(th: np.ndarray[Any, Any], size: tuple[int, ...], ac: bool) -> Any:
    """torch's affine_grid definition: base (x, y, [z,] 1) times theta, in float64 (numpy)."""
    def base(n: int) -> np.ndarray[Any, Any]:
        if n == 1:
            return np.zeros(1)
        b = np.linspace(-1.0, 1.0, n)
        return b if ac else b * (n - 1) / n

    mesh = np.meshgrid(*[base(s) for s in size[2:]], indexing="ij")
    grid = np.stack([*reversed(mesh), np.ones(mesh[0].shape)], axis=-1)
    return np.einsum("...k,njk->n...j", grid, th.astype(np.float64)).astype(th.dtype)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("size", [(1, 3, 37, 2011), (2, 1, 1, 9), (1, 1, 1, 1),
                                  (2, 2, 5, 7, 11), (1, 1, 1, 3, 1), (3, 1, 2, 1, 4)])
def test_affine_grid_equals_float64_einsum(size: tuple[int, ...], dtype: Any,
                                           ac: bool) -> None:
    rng = np.random.default_rng(sum(size))
    dim = len(size) - 2
    thetas = [rng.standard_normal((size[0], dim, dim + 1)) * s for s in (1.0, 1e-3, 1e3)]
    thetas.append(np.full((size[0], dim, dim + 1), -0.0))  # every term -0.0: +0.0 out
    signed = rng.standard_normal((size[0], dim, dim + 1))
    signed[..., -1] = -0.0
    thetas.append(signed)
    thetas.append(np.asfortranarray(rng.standard_normal((size[0], dim, dim + 1))))
    for th in thetas:
        th = th.astype(dtype, order="K")
        want = _einsum_grid(th, size, ac)
        for got in (ctorch.affine_grid(th, size, align_corners=ac),
                    _onnx_warp.affine_grid(th, np.array(size), align_corners=int(ac))):
            assert got.dtype == want.dtype and got.shape == want.shape
            if got.tobytes() != want.tobytes():  # bit-exact, signs of zeros included
                # numpy 2.4's einsum adds the terms in this order (measured); another
                # numpy's einsum may add its 3-4 float64 terms in another order
                assert not np.__version__.startswith("2.4."), "not bit-exact"
                np.testing.assert_array_max_ulp(got, want, maxulp=2)


@pytest.mark.parametrize("ac", [False, True])
def test_affine_grid_tensor_matches_torch(ac: bool) -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    th = torch.from_numpy(rng.uniform(-1, 1, (2, 2, 3)).astype(np.float32))
    size = [2, 3, 3, 5000]
    got = ctorch.affine_grid(th, size, align_corners=ac)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    want = F.affine_grid(th, size, align_corners=ac)
    assert float((got - want).abs().max()) <= 2.4e-7  # the module's documented bound


# ---------------------------------------------------------------------------------------
# pixelgrid.resize on tensors: repeated calls (kept plans, checks skipped) behave as fresh
# ---------------------------------------------------------------------------------------
def test_resize_tensor_repeated_calls_match_torch() -> None:
    torch = pytest.importorskip("torch")
    import pixelgrid

    F = torch.nn.functional
    g = torch.Generator().manual_seed(0)
    for i in range(4):  # new data, same shape and arguments: the kept call's plans
        x = torch.rand((2, 3, 33, 45), generator=g, dtype=torch.float32)
        if i % 2:
            x = x.contiguous(memory_format=torch.channels_last)
        # 2x nearest: pixelgrid's half-pixel nearest picks floor(o / 2), as torch does
        got = pixelgrid.resize(x, (66, 90), kernel="nearest")
        assert torch.equal(got, F.interpolate(x, size=(66, 90), mode="nearest"))
        # bilinear 2x, half-pixel, clamped edges: torch's (within float32 rounding)
        got = pixelgrid.resize(x, (66, 90), kernel="linear", antialias=False)
        want = F.interpolate(x.double(), size=(66, 90), mode="bilinear").float()
        assert float((got - want).abs().max()) <= 2e-7


def test_resize_tensor_invalid_after_valid_raises_each_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    import pixelgrid

    x = torch.rand(1, 3, 8, 8)
    pixelgrid.resize(x, (16, 16), kernel="linear")
    pixelgrid.resize(x, (16, 16), kernel="linear")
    for _ in range(2):  # same shape and arguments as a kept call
        with pytest.raises(TypeError, match="complex64"):
            pixelgrid.resize(torch.zeros(1, 3, 8, 8, dtype=torch.complex64), (16, 16),
                             kernel="linear")
        with pytest.raises(TypeError, match="kernel='nearest'"):
            pixelgrid.resize(torch.zeros(1, 3, 8, 8, dtype=torch.bool), (16, 16),
                             kernel="linear")
        with pytest.raises(ValueError, match="size"):
            pixelgrid.resize(x, (16, 0), kernel="linear")
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "abc")
    for _ in range(2):
        with pytest.raises(ValueError, match="PIXELGRID_NUM_THREADS"):
            pixelgrid.resize(x, (16, 16), kernel="linear")
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "1")
    monkeypatch.setenv("PIXELGRID_ENGINE", "nonsense")
    with pytest.raises(ValueError, match="PIXELGRID_ENGINE"):
        pixelgrid.resize(x, (16, 16), kernel="linear")
    monkeypatch.setenv("PIXELGRID_ENGINE", "  ")  # blank: unset
    assert pixelgrid.resize(x, (16, 16), kernel="linear").shape == (1, 3, 16, 16)


@pytest.mark.parametrize("kernel", ["linear", "cubic", "area", "nearest"])
def test_resize_tensor_gradcheck_on_repeated_calls(kernel: str) -> None:
    torch = pytest.importorskip("torch")
    import pixelgrid

    x = torch.rand(1, 2, 7, 9, dtype=torch.float64, requires_grad=True)
    for size in ((11, 4), (11, 4)):  # the second call takes the kept plans
        assert torch.autograd.gradcheck(
            lambda t, size=size: pixelgrid.resize(t, size, kernel=kernel), (x,))


def test_bench_torch_dry_run_from_another_directory() -> None:
    pytest.importorskip("torch")
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    script = root / "benchmarks" / "bench_torch.py"
    assert "/work/" not in script.read_text()  # no path outside the clone
    env = dict(os.environ, PIXELGRID_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(script), "--dry", "--cases",
                           "64x64 -> 128x128 bilinear,affine_grid"], capture_output=True,
                          text=True, timeout=120, env=env, cwd=root.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| fwd f32 affine_grid" in proc.stdout and "grad " in proc.stdout


# ---------------------------------------------------------------------------------------
# float16 tensors: converted to float32 by torch, resampled, rounded back once
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "strided"])
@pytest.mark.parametrize(("mode", "size"), [("bilinear", (3, 5000)), ("bicubic", (3, 2000)),
                                            ("nearest", (3, 5000))])
def test_float16_interpolate_is_torch_float32_rounded_once(layout: str, mode: str,
                                                           size: tuple[int, int]) -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    g = torch.Generator().manual_seed(1)
    x = torch.rand((1, 4, 2, 2011), generator=g).half()
    if layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
    elif layout == "strided":
        x = torch.rand((1, 4, 2, 4022), generator=g).half()[..., ::2]
    if layout == "contiguous":
        x.view(-1)[0] = float("nan")
    got = ctorch.interpolate(x, size=size, mode=mode)
    assert got.dtype == torch.float16 and got.shape == (1, 4, *size)
    # float32 bilinear/nearest are bit-exact with torch (compat/torch.py), so float16
    # computed in float32 and rounded once is torch's float32 result rounded to float16;
    # bicubic float32 is within 4.8e-7 of torch: at most one float16 rounding apart
    # (torch's generic float32 kernel: a contiguous input; the channels-last float32
    # bilinear kernel is declared for float32 tensors only)
    want = F.interpolate(x.float().contiguous(), size=size, mode=mode).half()
    if mode == "bicubic":
        assert float((got.float() - want.float()).abs().nan_to_num(0).max()) <= 2 ** -11
    else:
        assert torch.equal(got.isnan(), want.isnan())
        assert torch.equal(got.nan_to_num(0), want.nan_to_num(0))
    if layout == "channels_last":
        assert got.is_contiguous(memory_format=torch.channels_last)


def test_float16_backward_matches_torch_float64() -> None:
    torch = pytest.importorskip("torch")
    import pixelgrid

    F = torch.nn.functional
    g = torch.Generator().manual_seed(2)
    x = torch.rand((1, 3, 2, 2011), generator=g)
    up = torch.rand((1, 3, 2, 5000), generator=g)
    x16 = x.half().requires_grad_(True)
    ctorch.interpolate(x16, size=(2, 5000), mode="bilinear").backward(up.half())
    x64 = x.half().double().requires_grad_(True)
    F.interpolate(x64, size=(2, 5000), mode="bilinear").backward(up.half().double())
    assert x16.grad is not None and x16.grad.dtype == torch.float16
    # float32 sums of <= 4 terms rounded once to float16: within one float16 ulp (<= 2**-10
    # relative, the gradients are below 4)
    assert float((x16.grad.double() - x64.grad).abs().max()) <= 4 * 2 ** -10
    y = pixelgrid.resize(x16, (2, 5000), kernel="linear")
    assert y.dtype == torch.float16 and y.requires_grad


# ---------------------------------------------------------------------------------------
# Gathers with gradients: compiled gather forward, torch's index_add backward
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize(("shape", "size", "mode"), [
    ((2, 3, 16, 20), (32, 40), "nearest"),        # both axes: one flat index_add
    ((1, 2, 15, 17), (15, 40), "nearest"),        # one axis changes
    ((2, 3, 21, 19), (8, 45), "nearest-exact"),   # down and up, duplicates and skips
    ((1, 2, 5, 6, 7), (9, 4, 14), "nearest"),     # 3-D
    ((2, 4, 33), (70,), "nearest"),               # 1-D
])
def test_gather_gradients_match_torch(shape: tuple[int, ...], size: tuple[int, ...],
                                      mode: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    dt = getattr(torch, dtype)
    g = torch.Generator().manual_seed(len(shape) + sum(size))
    x = torch.rand(shape, generator=g, dtype=torch.float64).to(dt).requires_grad_(True)
    y = ctorch.interpolate(x, size=size, mode=mode)
    assert y.requires_grad
    up = torch.rand(y.shape, generator=g, dtype=torch.float64).to(dt)
    (gx,) = torch.autograd.grad(y, x, up)
    xt = x.detach().clone().requires_grad_(True)
    yt = F.interpolate(xt, size=size, mode=mode)
    (gt,) = torch.autograd.grad(yt, xt, up)
    assert torch.equal(y.detach(), yt.detach())  # copies: bit-exact
    if dtype == "float16":  # sums of a few float16 terms, in another order than torch's
        assert float((gx.double() - gt.double()).abs().max()) <= 4 * 2 ** -10
    else:
        assert float((gx.double() - gt.double()).abs().max()) <= 1e-6


@pytest.mark.parametrize(("shape", "size"), [((1, 2, 5, 4), (9, 7)), ((1, 2, 7), (4,))])
def test_gather_gradcheck(shape: tuple[int, ...], size: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    x = torch.rand(shape, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t: ctorch.interpolate(t, size=size, mode="nearest"), (x,))
    assert torch.autograd.gradgradcheck(
        lambda t: ctorch.interpolate(t, size=size, mode="nearest"), (x,))


def test_gather_gradient_bit_identical_to_index_select_autograd() -> None:
    torch = pytest.importorskip("torch")
    import pixelgrid

    g = torch.Generator().manual_seed(7)
    x = torch.rand((2, 3, 37, 29), generator=g).requires_grad_(True)
    up = torch.randn((2, 3, 80, 61), generator=g)
    (got,) = torch.autograd.grad(pixelgrid.resize(x, (80, 61), kernel="nearest"), x, up)
    # the same gathers as index_select calls, differentiated by torch's autograd
    idx_h = torch.from_numpy(pixelgrid.plan(37, 80, kernel="nearest").index[:, 0].copy())
    idx_w = torch.from_numpy(pixelgrid.plan(29, 61, kernel="nearest").index[:, 0].copy())
    flat = (idx_h[:, None] * 29 + idx_w[None, :]).reshape(-1)
    xt = x.detach().clone().requires_grad_(True)
    yt = xt.reshape(6, -1).index_select(1, flat).reshape(2, 3, 80, 61)
    (want,) = torch.autograd.grad(yt, xt, up)
    assert torch.equal(got, want)
