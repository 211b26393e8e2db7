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
            assert got.tobytes() == want.tobytes()  # bit-exact, signs of zeros included


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
