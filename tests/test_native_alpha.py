"""The compiled premultiplied-alpha conversions (csrc/alpha.cpp) against the numpy oracle.

``pixelgrid._arithmetic.premultiply_alpha`` / ``unpremultiply_alpha`` define Pillow's
``MULDIV255`` rule; the engine must give the same bytes for every (colour, alpha) pair,
on its AVX2 path and its scalar path, for 1-5 channels and any pixel count (SIMD steps
of 32 bytes plus a scalar tail).  compat.pillow's RGBA / LA resizes run it: they are
compared with real Pillow 13 on 2000+ px axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from pixelgrid._arithmetic import apply_alpha, premultiply_alpha, unpremultiply_alpha
from pixelgrid._engines import native

ORACLE = {"premultiply": premultiply_alpha, "unpremultiply": unpremultiply_alpha}
needs_ext = pytest.mark.skipif(getattr(native._ext, "alpha", None) is None,
                               reason="compiled engine without alpha()")


def _all_pairs(channels: int) -> NDArray[np.uint8]:
    """(256, 256, C): every colour byte of each colour channel against every alpha byte."""
    c, a = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8),
                       indexing="ij")
    x = np.empty((256, 256, channels), np.uint8)
    for k in range(channels - 1):  # each colour channel shifted: pairs differ per channel
        x[..., k] = np.roll(c, 37 * k, axis=0)
    x[..., -1] = a
    return x


def _ext_alpha(x: NDArray[np.uint8], direction: str, simd: bool, threads: int = 2
               ) -> NDArray[np.uint8]:
    out = np.empty_like(x)
    native._ext.alpha(x, out, 0 if direction == "premultiply" else 1, threads, simd)
    return out


@needs_ext
@pytest.mark.parametrize("direction", ["premultiply", "unpremultiply"])
@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("simd", [True, False])
def test_every_byte_pair_matches_the_oracle(direction: str, channels: int, simd: bool) -> None:
    x = _all_pairs(channels)
    np.testing.assert_array_equal(_ext_alpha(x, direction, simd), ORACLE[direction](x))


@needs_ext
@pytest.mark.parametrize("direction", ["premultiply", "unpremultiply"])
@pytest.mark.parametrize("shape", [(1, 1, 4), (1, 1, 2), (3, 37, 4), (5, 33, 2), (7, 9, 4),
                                   (2, 70001, 2), (70003, 4), (0, 5, 4)])
@pytest.mark.parametrize("threads", [1, 3])
def test_tails_and_thread_splits(direction: str, shape: tuple[int, ...], threads: int) -> None:
    x = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    if x.size:
        x.reshape(-1, shape[-1])[::5, -1] = 0  # alpha 0 and 255 copy the colour
        x.reshape(-1, shape[-1])[::7, -1] = 255
    np.testing.assert_array_equal(_ext_alpha(x, direction, True, threads),
                                  ORACLE[direction](x))


@pytest.mark.parametrize("direction", ["premultiply", "unpremultiply"])
def test_apply_alpha_dispatch(direction: str, monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.random.default_rng(3).integers(0, 256, (40, 61, 4), dtype=np.uint8)
    view = x[::2, 1::3]  # not contiguous: copied before the compiled call
    expect = ORACLE[direction](view)
    np.testing.assert_array_equal(apply_alpha(view, direction), expect)
    calls: list[Any] = []
    monkeypatch.setattr(native, "alpha", lambda *a: calls.append(a))
    monkeypatch.setenv("PIXELGRID_ENGINE", "reference")  # the numpy oracle runs
    np.testing.assert_array_equal(apply_alpha(view, direction), expect)
    assert calls == []


def test_apply_alpha_bad_arguments() -> None:
    x = np.zeros((2, 2, 4), np.uint8)
    with pytest.raises(ValueError, match="direction="):
        apply_alpha(x, "multiply")
    with pytest.raises(ValueError, match="rule="):
        apply_alpha(x, "premultiply", rule="exact")


# --- compat.pillow RGBA / LA against Pillow 13 on long axes ------------------------------

FILTERS = ["NEAREST", "BILINEAR", "BICUBIC", "LANCZOS", "BOX", "HAMMING"]


def _image(h: int, w: int, c: int, seed: int) -> NDArray[np.uint8]:
    x = np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)
    x[:, ::5, -1] = 0
    x[:, ::7, -1] = 255
    x[:, 3::11, -1] = 1  # tiny alpha: unpremultiply's largest quotients
    return x


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
@pytest.mark.parametrize("filt", FILTERS)
@pytest.mark.parametrize("size", [(731, 3), (5003, 5)], ids=["down", "up"])
@pytest.mark.parametrize("gap", [None, 2.0])
def test_resize_matches_pillow_on_long_axes(mode: str, filt: str, size: tuple[int, int],
                                            gap: float | None) -> None:
    Image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as ppil

    x = _image(4, 2411, 4 if mode == "RGBA" else 2, 11)
    f = getattr(Image.Resampling, filt)
    want = np.asarray(Image.fromarray(x).resize(size, f, reducing_gap=gap))
    np.testing.assert_array_equal(ppil.resize(x, size, f, reducing_gap=gap), want)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
@pytest.mark.parametrize("factor", [2, (3, 1)])
def test_reduce_matches_pillow_on_long_axes(mode: str, factor: Any) -> None:
    Image = pytest.importorskip("PIL.Image")
    from pixelgrid.compat import pillow as ppil

    x = _image(6, 2417, 4 if mode == "RGBA" else 2, 12)
    want = np.asarray(Image.fromarray(x).reduce(factor))
    np.testing.assert_array_equal(ppil.reduce(x, factor), want)


@pytest.mark.parametrize("direction", ["premultiply", "unpremultiply"])
def test_apply_alpha_overwrite(direction: str) -> None:
    x = np.random.default_rng(4).integers(0, 256, (33, 47, 4), dtype=np.uint8)
    expect = ORACLE[direction](x)
    y = x.copy()
    np.testing.assert_array_equal(apply_alpha(y, direction, overwrite=True), expect)
    ro = x.copy()
    ro.flags.writeable = False  # a read-only array is never written
    np.testing.assert_array_equal(apply_alpha(ro, direction, overwrite=True), expect)
    np.testing.assert_array_equal(ro, x)
    view = x.copy()[:, ::2]  # a strided view: copied, left as it was
    before = view.copy()
    np.testing.assert_array_equal(apply_alpha(view, direction, overwrite=True),
                                  ORACLE[direction](before))
    np.testing.assert_array_equal(view, before)
