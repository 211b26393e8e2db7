"""The repeated-call route of CPU tensors and the engine's many-channel float32 pass.

* ``run_tensor`` keeps, per plans/shape/strides/dtype/``threads``, the route
  ``run_plans`` made for the tensor's numpy view and takes it on the next call like
  it: every such call must give the bytes the full path gives (values, NaN/inf
  placement, signs of zeros, memory format), for both memory formats, 1-16
  channels, batches, NaN/inf data and 1/2 threads; and it must step aside where the
  full path does something else (gradients, ``PIXELGRID_ENGINE``).
* Small tensor calls run on one thread unless asked otherwise (``tensor_threads``).
* The compiled engine's float32 pass over rows of 8..64 channels (channels-last data
  with many channels) has its own kernel (csrc/kernels.h, axis_f32_channels, 8..256
  channels); each channel is computed as for any other channel count: a channel of a
  16-channel array equals the same channel of a 257-channel array (above the kernel's
  range: the engine's general row combine, which passes of 5-7 channels use too).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import pixelgrid  # noqa: E402
from pixelgrid._engines import torch_autograd as ta  # noqa: E402
from pixelgrid.compat import torch as ctorch  # noqa: E402


def _same_bytes(a: Any, b: Any) -> bool:
    """Equal shapes, dtypes, strides and bytes (NaN payloads and -0.0 included)."""
    if a.shape != b.shape or a.dtype != b.dtype or a.stride() != b.stride():
        return False
    return bool(a.contiguous().numpy().tobytes() == b.contiguous().numpy().tobytes())


def _data(shape: tuple[int, ...], layout: str, nonfinite: bool, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    if nonfinite:
        flat = x.reshape(-1)
        flat[rng.integers(0, flat.size, 3)] = np.nan
        flat[rng.integers(0, flat.size, 2)] = np.inf
        flat[rng.integers(0, flat.size, 2)] = -np.inf
        flat[rng.integers(0, flat.size, 5)] = -0.0
    t = torch.from_numpy(x)
    return t.contiguous(memory_format=torch.channels_last) if layout == "cl" else t


@pytest.fixture
def torch_threads() -> Any:
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("layout", ["c", "cl"])
@pytest.mark.parametrize("shape", [(1, 1, 9, 11), (2, 3, 12, 10), (1, 4, 7, 16),
                                   (3, 8, 10, 9), (2, 16, 11, 13), (1, 3, 64, 64)])
@pytest.mark.parametrize("kernel", ["linear", "cubic", "nearest"])
def test_resize_repeated_tensor_calls_are_bit_identical(
        kernel: str, shape: tuple[int, ...], layout: str, nonfinite: bool, threads: int,
        torch_threads: Any) -> None:
    torch_threads(threads)
    ta._fast.clear()
    x = _data(shape, layout, nonfinite, seed=sum(shape) + threads)
    size = (shape[2] * 2 - 1, shape[3] + 5)
    first = pixelgrid.resize(x, size, kernel=kernel)
    again = [pixelgrid.resize(x, size, kernel=kernel) for _ in range(2)]
    # the repeated calls took the route (an entry with a route for these plans)
    assert any(v[1] is not None for v in ta._fast.values())
    for y in again:
        assert _same_bytes(y, first)
    assert first.is_contiguous(memory_format=torch.channels_last if layout == "cl"
                               else torch.contiguous_format)
    # the numpy view's result, and the reference engine's NaN/inf placement
    arr = x.permute(0, 2, 3, 1).numpy() if layout == "cl" else x.numpy()
    axes = (1, 2) if layout == "cl" else (2, 3)
    want = pixelgrid.resize(arr, size, kernel=kernel, axes=axes)
    got = first.permute(0, 2, 3, 1).numpy() if layout == "cl" else first.numpy()
    assert got.tobytes() == np.ascontiguousarray(want).tobytes()
    ref = pixelgrid.resize(arr, size, kernel=kernel, axes=axes, engine="reference")
    for test in (np.isnan, np.isposinf, np.isneginf):
        assert np.array_equal(test(got), test(ref))
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("layout", ["c", "cl"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact", "area"])
@pytest.mark.parametrize("shape", [(1, 3, 64, 64), (2, 16, 12, 10), (1, 8, 9, 7)])
def test_interpolate_repeated_tensor_calls_are_bit_identical(
        shape: tuple[int, ...], mode: str, layout: str, threads: int,
        torch_threads: Any) -> None:
    torch_threads(threads)
    ta._fast.clear()
    x = _data(shape, layout, nonfinite=False, seed=len(mode) + threads)
    size = (shape[2] * 2, shape[3] * 2 - 3)
    first = ctorch.interpolate(x, size=size, mode=mode)
    for _ in range(2):
        assert _same_bytes(ctorch.interpolate(x, size=size, mode=mode), first)
    want = torch.nn.functional.interpolate(x, size=size, mode=mode)
    if mode in ("bilinear", "nearest", "nearest-exact"):  # (torch's kernels, reproduced)
        assert torch.equal(first, want)
    np.testing.assert_allclose(first.numpy(), want.numpy(), rtol=2e-6, atol=2e-6)


def test_repeated_call_keeps_gradients_and_engine_variable(monkeypatch: Any) -> None:
    x = _data((1, 3, 8, 9), "c", nonfinite=False, seed=5)
    for _ in range(2):
        y = pixelgrid.resize(x, (16, 18), kernel="linear")
    xg = x.clone().requires_grad_(True)
    for _ in range(2):  # a tensor that requires grad: the autograd path every time
        yg = pixelgrid.resize(xg, (16, 18), kernel="linear")
        assert yg.grad_fn is not None and _same_bytes(yg.detach(), y)
    with torch.no_grad():
        assert _same_bytes(pixelgrid.resize(xg, (16, 18), kernel="linear"), y)
    # PIXELGRID_ENGINE chooses again for engine="auto", also after the route was kept
    monkeypatch.setenv("PIXELGRID_ENGINE", "reference")
    ref = pixelgrid.resize(x, (16, 18), kernel="linear")
    want = pixelgrid.resize(x.numpy(), (16, 18), kernel="linear", axes=(2, 3),
                            engine="reference")
    assert ref.numpy().tobytes() == want.tobytes()


def test_small_calls_run_on_one_thread(monkeypatch: Any, torch_threads: Any) -> None:
    monkeypatch.delenv("PIXELGRID_NUM_THREADS", raising=False)
    torch_threads(2)
    assert ta.tensor_threads(None, ta.SMALL_CALL - 1) == 1
    assert ta.tensor_threads(None, ta.SMALL_CALL) == 2
    p = pixelgrid.plan(64, 128, kernel="linear")
    q = pixelgrid.plan(1024, 16, kernel="linear", antialias=True)
    assert ta._values(torch.zeros(1, 3, 64, 64), [(2, p), (3, p)]) == 3 * 128 * 128
    assert ta._values(torch.zeros(1, 3, 1024, 1024), [(2, q), (3, q)]) == 3 * 1024 * 1024
    assert ta.tensor_threads(None) == 2
    assert ta.tensor_threads(2, 10) == 2  # an explicit count wins
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "2")
    assert ta.tensor_threads(None, 10) is None  # the engine reads the variable


@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("channels", [5, 7, 8, 9, 12, 16, 31, 64, 65, 100, 256])
@pytest.mark.parametrize("kernel,antialias", [("linear", False), ("cubic", False),
                                              ("lanczos3", True), ("area", False)])
@pytest.mark.parametrize("width", [(13, 29), (40, 17), (16, 16)])
def test_many_channel_float32_pass_matches_general_combine(
        width: tuple[int, int], kernel: str, antialias: bool, channels: int, threads: int,
        nonfinite: bool) -> None:
    rng = np.random.default_rng(channels * 7 + width[0])
    wide = rng.standard_normal((2, 5, width[0], 257)).astype(np.float32)
    wide[rng.random(wide.shape) < 0.2] = -0.0
    if nonfinite:
        wide[0, 1, 2, :] = np.nan
        wide[1, 3, -1, 1] = np.inf
        wide[1, 0, 4, 0] = -np.inf
    x = np.ascontiguousarray(wide[..., :channels])
    kw: dict[str, Any] = dict(kernel=kernel, antialias=antialias, threads=threads)
    # the W axis alone (one pass over rows of `channels` values), and W with H
    for size, axes in (((width[1],), (2,)), ((9, width[1]), (1, 2))):
        got = pixelgrid.resize(x, size, axes=axes, **kw)
        want = pixelgrid.resize(wide, size, axes=axes, **kw)[..., :channels]
        if len(axes) == 2 and not np.array_equal(got, want, equal_nan=True):
            # a pair of passes may run H or W first depending on the row's byte size
            # (native._float_order): both orders are the model, within float32 rounding
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
            continue
        assert got.tobytes() == np.ascontiguousarray(want).tobytes()


@pytest.mark.parametrize("layout", ["c", "cl"])
@pytest.mark.parametrize("dtype,kernel", [
    ("uint8", "linear"), ("int16", "cubic"), ("float64", "cubic"), ("int32", "linear"),
    ("float16", "nearest"), ("float16", "linear"), ("bool", "nearest"), ("int64", "nearest"),
    ("bfloat16", "linear")])
def test_repeated_calls_of_every_dtype_are_bit_identical(dtype: str, kernel: str,
                                                         layout: str) -> None:
    ta._fast.clear()
    rng = np.random.default_rng(3)
    base = torch.from_numpy(rng.integers(0, 200, (2, 5, 9, 7)).astype(np.int64))
    x = base.to(getattr(torch, dtype)) if dtype != "bool" else base > 100
    if layout == "cl":
        x = x.contiguous(memory_format=torch.channels_last)
    first = pixelgrid.resize(x, (17, 12), kernel=kernel)
    for _ in range(2):
        y = pixelgrid.resize(x, (17, 12), kernel=kernel)
        assert y.dtype == first.dtype and y.stride() == first.stride()
        assert torch.equal(y.view(torch.uint8) if y.dtype == torch.bool else y, first.view(
            torch.uint8) if first.dtype == torch.bool else first)
    # bfloat16 and float16 with weights are converted first: no route kept for them
    routes = [v[1] for v in ta._fast.values()]
    if dtype == "bfloat16" or (dtype == "float16" and kernel != "nearest"):
        assert routes and all(r is None for r in routes)
    elif dtype != "int32":  # (int32 with weights: the reference engine, no route)
        assert any(r is not None for r in routes)
