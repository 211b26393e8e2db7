"""Grid points visited in tiles of rows (``SampleGrid.width``, csrc/sampler.cpp ``tiled_points``).

A repeated ``compat.torch.grid_sample`` call hands the compiled sampler the grid's row
width; its weighted kernels (bilinear, bicubic) then take the points band by band (8
rows), 64 columns of each row at a time, the last chunk of a row taking the rest, and a
piece of the grid scan or a thread's share that starts or ends inside a row as it is.
Every point is sampled once by the same kernel, so the results must be PyTorch's (the
oracle) and the same as the untiled order, at widths that leave a short last chunk, with
scan pieces (8192 points) and two threads' shares cutting rows, and for each padding.
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


def _rotation_grid(n: int, h: int, w: int, angle: float, scale: float) -> Any:
    """A rotated and zoomed sampling grid reaching past the input's edges."""
    theta = torch.tensor([[np.cos(angle) * scale, -np.sin(angle) * scale, 0.05],
                          [np.sin(angle) * scale, np.cos(angle) * scale, -0.03]],
                         dtype=torch.float32).expand(n, 2, 3)
    return F.affine_grid(theta, [n, 1, h, w], align_corners=False)


def _sampled(x: Any, g: Any, mode: str, padding: str, untiled: bool,
             monkeypatch: pytest.MonkeyPatch) -> Any:
    """The memo's call (the second of two), with the grid's width or without it."""
    if untiled:
        real = native_sampler.grid_call
        monkeypatch.setattr(native_sampler, "grid_call",
                            lambda *a, **k: real(*a[:8]))  # width left at 0
    _torch_warp._GRID_MEMO.clear()
    for _ in range(2):
        y = pgt.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=False)
    monkeypatch.undo()
    return y


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("hw", [(24, 128), (37, 200), (33, 300), (19, 1000), (5, 2100)])
def test_tiles_give_torch_values(mode: str, threads: str, hw: tuple[int, int],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # widths: two whole chunks; a last chunk of 136; 300 (4 chunks + 44 taken by the last);
    # 1000 x 19 rows = 19000 points, so the scan's 8192-point pieces start mid-row; rows
    # of 2100 points (33 chunks, 8192 = 3 rows + 1892 points)
    h, w = hw
    x = torch.rand(2, 3, 45, 61, generator=torch.Generator().manual_seed(h * w))
    g = _rotation_grid(2, h, w, 0.5, 1.2)
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
    want = F.grid_sample(x, g, mode=mode, align_corners=False)
    tiled = _sampled(x, g, mode, "zeros", False, monkeypatch)
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
    rows = _sampled(x, g, mode, "zeros", True, monkeypatch)
    assert torch.equal(tiled, want)
    assert torch.equal(rows, want)


@pytest.mark.parametrize("padding", ["border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_tiles_with_padding(padding: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    x = torch.rand(1, 2, 70, 90, generator=torch.Generator().manual_seed(3))
    g = _rotation_grid(1, 41, 257, -0.8, 1.4)
    want = F.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=False)
    assert torch.equal(_sampled(x, g, mode, padding, False, monkeypatch), want)


def test_grid_width_is_checked() -> None:
    ext = native_sampler._ext
    ax = ext.SampleAxis(kernel=2, boundary=2, tie=0, table=0.0, a=0.0, radius=1.0, margin=3.0)
    g = np.zeros((4, 2), np.float32)
    grid = ext.SampleGrid(points=g, align_corners=False, padding=0, fma=True, width=-2)
    assert grid.width == -2 and ext.SampleGrid(g, False, 0, True).width == 0
    with pytest.raises(ValueError, match="grid width must be >= 0"):
        ext.sample_points(src=np.zeros((3, 3, 1), np.float32), dst=np.empty((4, 1), np.float32),
                          dtype=2, out=1, gather=0, axes=[ax, ax], pts=None, affine=None,
                          given=[None, None], fill=0.0, fill_bytes=None, window=0, omit=0,
                          sums=0, threads=1, grid=grid)
