"""PIL images and DLPack arrays (JAX, ...) in resize and the warps: same container out.

Expected values: the same call on ``np.asarray(input)`` (the container is a wrapper
around the same numbers; the numpy path is tested elsewhere).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import pixelgrid

Image = pytest.importorskip("PIL.Image")

_RNG = np.random.default_rng(0)
_RGB = _RNG.integers(0, 256, (40, 60, 3), dtype=np.uint8)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "CMYK", "I;16", "I", "F", "1"])
def test_pil_in_pil_out(mode: str) -> None:
    img = Image.fromarray(_RGB).convert(mode)
    kernel = "nearest" if mode == "1" else "lanczos3"
    out = pixelgrid.resize(img, (20, 45), kernel=kernel)  # (H, W), array order
    assert isinstance(out, Image.Image)
    assert out.mode == mode and out.size == (45, 20)  # PIL's size is (W, H)
    assert np.array_equal(np.asarray(out), pixelgrid.resize(np.asarray(img), (20, 45),
                                                            kernel=kernel))


def test_pil_dtype_change_and_warps() -> None:
    img = Image.fromarray(_RGB)
    grey = pixelgrid.resize(img.convert("L"), (20, 30), dtype=np.float32)
    assert isinstance(grey, Image.Image) and grey.mode == "F"
    with pytest.raises(TypeError, match="no PIL image mode"):  # 3-channel float32
        pixelgrid.resize(img, (20, 30), dtype=np.float32)
    m = pixelgrid.rotation(30, center=(20, 30))
    w = pixelgrid.warp_affine(img, m, (40, 60))
    assert isinstance(w, Image.Image) and w.mode == "RGB"
    assert np.array_equal(np.asarray(w), pixelgrid.warp_affine(_RGB, m, (40, 60)))
    with pytest.raises(TypeError, match="palette"):
        pixelgrid.resize(img.convert("P"), (20, 30))


def test_jax_in_jax_out() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    x = _RGB.astype(np.float32) / 255
    j = jnp.asarray(x)
    out = pixelgrid.resize(j, (20, 30), kernel="cubic")
    assert isinstance(out, jax.Array) and out.dtype == jnp.float32
    assert np.array_equal(np.asarray(out), pixelgrid.resize(x, (20, 30), kernel="cubic"))
    pts = np.array([[1.5, 2.5], [3.0, 4.0]])
    s = pixelgrid.sample(j, pts)
    assert isinstance(s, jax.Array)
    assert np.array_equal(np.asarray(s), pixelgrid.sample(x, pts))
    m = pixelgrid.scaling(0.5)
    w = pixelgrid.warp_affine(j, m, (20, 30))
    assert isinstance(w, jax.Array)
    assert np.array_equal(np.asarray(w), pixelgrid.warp_affine(x, m, (20, 30)))


class _Foreign:
    """A minimal DLPack producer (no library to convert back to: numpy comes back)."""

    def __init__(self, a: np.ndarray, device: tuple[int, int] = (1, 0)) -> None:
        self.a, self.device = a, device

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.a.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.device


def test_any_cpu_dlpack_array_and_other_devices() -> None:
    x = _RGB[..., 0].astype(np.float64)
    out = pixelgrid.resize(_Foreign(x), (10, 15))
    assert isinstance(out, np.ndarray)
    assert np.array_equal(out, pixelgrid.resize(x, (10, 15)))
    with pytest.raises(TypeError, match="CPU"):
        pixelgrid.resize(_Foreign(x, device=(2, 0)), (10, 15))  # kDLCUDA
