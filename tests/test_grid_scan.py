"""The grid check made as the kernel reads the grid (SampleGrid ``scan``, csrc/sampler.cpp).

A repeated ``compat.torch.grid_sample`` call (the memo of compat/_torch_warp.py) no longer
runs ``all_finite`` over the grid before sampling: the compiled sampler tests each piece
of 8192 points (``|v| < scan``, ``all_below``'s test) just before its kernel reads it and
stops at the first failure, and the caller's full check then decides.  So a bad value
anywhere (the first or last point, a later piece, a later image of the batch, the other
thread's share) must still be refused with the full message, a value the compiled test
cannot pass but the full check accepts (exactly the largest float) must still be sampled
as PyTorch does, and a clean grid after a refused one must give PyTorch's values again.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
pgt = pytest.importorskip("pixelgrid.compat.torch")

from pixelgrid._engines import native_sampler  # noqa: E402
from pixelgrid.compat import _torch_warp  # noqa: E402

pytestmark = pytest.mark.skipif(not native_sampler.supported(),
                                reason="compiled sampler not built")
_EXT: Any = native_sampler._ext
PIECE = 8192  # points per scanned piece (kScanPiece)


def _grid(rng: np.random.Generator, n: int, points: int) -> Any:
    return torch.from_numpy(rng.uniform(-1.1, 1.1, (n, 1, points, 2)).astype(np.float32))


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("where", [(0, 0, 0), (0, PIECE, 1), (0, 3 * PIECE + 4, 1),
                                   (1, 0, 1), (1, 2 * PIECE + 100, 0)])
def test_bad_value_after_a_repeat_is_refused(mode: str, threads: str, where: tuple[int, int, int],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
    _torch_warp._GRID_MEMO.clear()
    rng = np.random.default_rng(5)
    x = torch.rand(2, 3, 40, 50)
    g = _grid(rng, 2, 3 * PIECE + 5)
    for _ in range(2):  # the second call runs the memo
        got = pgt.grid_sample(x, g, mode=mode, align_corners=False)
    assert any(k[0] == mode for k in _torch_warp._GRID_MEMO)
    want = F.grid_sample(x, g, mode=mode, align_corners=False)
    assert torch.equal(got, want)
    b, p, c = where
    for bad, msg in ((float("nan"), "grid holds 1 non-finite"),
                     (float("-inf"), "grid holds 1 non-finite")):
        g2 = g.clone()
        g2[b, 0, p, c] = bad
        with pytest.raises(ValueError, match=msg):
            pgt.grid_sample(x, g2, mode=mode, align_corners=False)
    if mode != "nearest":  # a finite value whose position overflows
        g2 = g.clone()
        g2[b, 0, p, c] = 1e38
        with pytest.raises(ValueError, match=r"and 1 beyond \+-"):
            pgt.grid_sample(x, g2, mode=mode, align_corners=False)
    # and the memo still gives PyTorch's values on a clean grid
    again = pgt.grid_sample(x, g, mode=mode, align_corners=False)
    assert torch.equal(again, got)


@pytest.mark.parametrize("padding", ["zeros", "border"])
def test_largest_float_is_sampled_as_pytorch_does(padding: str) -> None:
    # nearest with zeros/border padding has no bound: exactly the largest float32 fails the
    # compiled test (|v| < max), the full check accepts it, and the result is PyTorch's
    _torch_warp._GRID_MEMO.clear()
    x = torch.rand(1, 2, 9, 11)
    g = _grid(np.random.default_rng(8), 1, 2 * PIECE + 9)
    pgt.grid_sample(x, g, mode="nearest", padding_mode=padding, align_corners=True)
    big = float(np.finfo(np.float32).max)
    g[0, 0, PIECE + 1, 0] = big
    g[0, 0, 7, 1] = -big
    want = F.grid_sample(x, g, mode="nearest", padding_mode=padding, align_corners=True)
    for _ in range(2):
        got = pgt.grid_sample(x, g, mode="nearest", padding_mode=padding, align_corners=True)
        assert torch.equal(got, want)


def _call(grid_f64: bool, scan: float, bad_at: int | None) -> tuple[bool, np.ndarray]:
    dt = np.float64 if grid_f64 else np.float32
    rng = np.random.default_rng(3)
    src = rng.random((12, 13, 2)).astype(dt)
    g = rng.uniform(-1, 1, (3 * PIECE + 1, 2)).astype(dt)
    if bad_at is not None:
        g[bad_at, 1] = 2.5
    out = np.full((g.shape[0], 2), -7.0, dtype=dt)
    setup = native_sampler.affine_setup(src.dtype, [_kernel("linear")] * 2, ["constant"] * 2,
                                        None, 0.0)
    assert setup is not None
    call = native_sampler.grid_call(setup, 0.0, "float64", "floor", False, "zeros", "dtype",
                                    lambda: 2)
    ok = call(src, g, out, scan)
    return ok, out


def _kernel(name: str) -> Any:
    from pixelgrid._kernels import get_kernel

    return get_kernel(name)


@pytest.mark.parametrize("grid_f64", [False, True])
def test_native_scan_result(grid_f64: bool) -> None:
    ok, full = _call(grid_f64, 0.0, None)  # no scan
    assert ok and not (full == -7.0).any()
    ok, out = _call(grid_f64, 3.0, None)  # every |v| < 3
    assert ok
    np.testing.assert_array_equal(out, full)
    for at in (0, PIECE - 1, PIECE, 3 * PIECE):
        ok, out = _call(grid_f64, 2.5, at)  # 2.5 is not below 2.5
        assert not ok
        assert (out == -7.0).any()  # the failed piece was not sampled
        ok, out = _call(grid_f64, 2.6, at)
        assert ok
