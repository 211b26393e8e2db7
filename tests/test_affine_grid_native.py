"""compat.torch.affine_grid's compiled grid (csrc/torch_corners_bind.cpp ``affine_grid``).

The compiled engine computes the grid with the float64 sums of the numpy code it replaced
(``PIXELGRID_ENGINE=reference`` still runs that code), term by term in the same order,
rounded once to theta's dtype: every value must equal the numpy result bit for bit (the
sign of zeros included), at 1 and 2 threads, for 2-D and 3-D sizes from 1 to 2000+, and
PyTorch's own ``F.affine_grid`` within an ulp or two (float64 theta here).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pixelgrid._engines import native
from pixelgrid.compat import torch as pgt

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled engine not built")


def _both(th: np.ndarray, size: tuple[int, ...], ac: bool,
          monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, np.ndarray]:
    got = pgt.affine_grid(th, size, align_corners=ac)
    with monkeypatch.context() as mp:
        mp.setenv("PIXELGRID_ENGINE", "reference")
        want = pgt.affine_grid(th, size, align_corners=ac)
    return got, want


def _same_bits(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [2, 3])
def test_equals_the_numpy_sums(threads: str, dtype: Any, dim: int,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
    rng = np.random.default_rng(dim * 10 + (dtype == np.float64))
    for trial in range(25):
        n = int(rng.integers(1, 4))
        spatial = tuple(int(rng.integers(1, 30)) for _ in range(dim))
        th = rng.normal(size=(n, dim, dim + 1)).astype(dtype)
        if trial % 4 == 0:  # zero rows and -0.0 offsets: the sign of zero sums
            th[..., 0] = 0.0
            th[..., -1] = -0.0
        if trial % 4 == 1:  # huge and tiny coefficients
            th *= np.asarray(10.0 ** rng.integers(-30, 30, th.shape), dtype)
        for ac in (False, True):
            _same_bits(*_both(th, (n, 3, *spatial), ac, monkeypatch))


@pytest.mark.parametrize("size", [(1, 3, 2048, 2100), (2, 1, 1, 2500), (1, 2, 9, 1, 2001)])
def test_large_axes(size: tuple[int, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    dim = len(size) - 2
    a = np.deg2rad(23.0)
    th = np.zeros((size[0], dim, dim + 1), np.float32)
    th[:, 0, 0], th[:, 0, 1], th[:, 1, 0], th[:, 1, 1] = np.cos(a), -np.sin(a), np.sin(a), 0.7
    th[:, :, -1] = 0.013
    if dim == 3:
        th[:, 2, 2] = 1.1
    for ac in (False, True):
        got, want = _both(th, size, ac, monkeypatch)
        _same_bits(got, want)


def test_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    for size in [(2, 3, 17, 33), (1, 1, 5, 7, 11)]:
        dim = len(size) - 2
        th = rng.normal(size=(size[0], dim, dim + 1))
        for ac in (False, True):
            want = torch.nn.functional.affine_grid(torch.from_numpy(th), list(size),
                                                   align_corners=ac).numpy()
            np.testing.assert_allclose(pgt.affine_grid(th, size, align_corners=ac), want,
                                       rtol=0, atol=1e-15)  # float64: an ulp or two


def test_binding_refuses_bad_arguments() -> None:
    ext: Any = native._ext
    th = np.zeros((1, 2, 3))
    out = np.empty((1, 4, 5, 2), np.float32)
    with pytest.raises(ValueError, match="base k must be as long"):
        ext.affine_grid(th, [np.zeros(4), np.zeros(4)], out, 1)
    with pytest.raises(ValueError, match="out must be float32 or float64"):
        ext.affine_grid(th, [np.zeros(5), np.zeros(4)], np.empty((1, 4, 5, 2), np.int32), 1)
    with pytest.raises(ValueError, match="theta must be"):
        ext.affine_grid(np.zeros((1, 3, 4)), [np.zeros(5), np.zeros(4)], out, 1)
