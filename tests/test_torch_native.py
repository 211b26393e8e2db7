"""CPU torch tensors through the compiled engine: zero-copy, memory format, autograd.

Independent sources: ``torch.autograd.gradcheck`` (finite differences), the
dense matrices of the plans (``AxisPlan.matrix``, built by ``np.add.at`` from the
plan's taps, not by the transposing code), the numpy reference engine,
``torch.nn.functional.interpolate`` and its autograd.  No expected value here is
produced by the code under test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import pixelgrid  # noqa: E402
from pixelgrid._engines import torch_autograd as ta  # noqa: E402
from pixelgrid.compat.torch import interpolate  # noqa: E402

KERNELS = ["linear", "cubic", "lanczos3", "area", "nearest", "box", "mitchell", "gaussian"]
BOUNDARIES = ["renormalize", "clamp", "reflect", "symmetric", "wrap", "constant"]
GRIDS = ["half_pixel", "align_corners", "asymmetric"]


def _grad_fn_name(y: Any) -> str:
    return type(y.grad_fn).__name__ if y.grad_fn is not None else ""


# ----------------------------------------------------------------------------------------
# Transposed plans
# ----------------------------------------------------------------------------------------
def test_transpose_plan_is_the_transposed_matrix() -> None:
    rng = np.random.default_rng(0)
    for case in range(200):
        n_in = int(rng.integers(1, 40))
        n_out = int(rng.integers(1, 3 * n_in + 3))
        p = pixelgrid.plan(n_in, n_out, kernel=str(rng.choice(KERNELS)),
                           grid=str(rng.choice(GRIDS)), antialias=bool(rng.integers(2)),
                           boundary=str(rng.choice(BOUNDARIES)), fill_value=0.5)
        t = ta.transpose_plan(p)
        assert (t.in_size, t.out_size) == (n_out, n_in)
        assert t.index.min() >= 0 and t.index.max() < n_out
        np.testing.assert_allclose(t.matrix(), p.matrix().T, rtol=0, atol=1e-15,
                                   err_msg=f"case {case}: {p.info}")
        assert not np.any(t.fill)
        assert ta.transpose_plan(t) is p and ta.transpose_plan(p) is t  # cached, paired
    # non-local columns (wrap on a long axis): a per-tap layout, still the transpose
    p = pixelgrid.plan(300, 97, kernel="cubic", boundary="wrap")
    np.testing.assert_allclose(ta.transpose_plan(p).matrix(), p.matrix().T, atol=1e-15)


# ----------------------------------------------------------------------------------------
# Autograd
# ----------------------------------------------------------------------------------------
GRAD_CASES = [
    ("linear", "half_pixel", False, "clamp"), ("linear", "align_corners", True, "renormalize"),
    ("cubic", "half_pixel", False, "reflect"), ("cubic", "asymmetric", True, "symmetric"),
    ("lanczos3", "half_pixel", True, "renormalize"), ("lanczos3", "half_pixel", False, "wrap"),
    ("area", "half_pixel", True, "renormalize"), ("nearest", "half_pixel", False, "clamp"),
    ("nearest", "align_corners", False, "constant"), ("linear", "half_pixel", True, "constant"),
    ("mitchell", "asymmetric", True, "wrap"), ("gaussian", "half_pixel", True, "reflect"),
]


@pytest.mark.parametrize(("kernel", "grid", "antialias", "boundary"), GRAD_CASES)
def test_gradcheck_native(kernel: str, grid: str, antialias: bool, boundary: str) -> None:
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(2, 5, 7, dtype=torch.float64, generator=gen, requires_grad=True)
    for size in ((3, 12), (11, 4), (5, 7)):  # down/up, up/down, same size
        def f(t: Any, size: tuple[int, int] = size) -> Any:
            return pixelgrid.resize(t, size, kernel=kernel, grid=grid, antialias=antialias,
                                    boundary=boundary, fill_value=0.25)

        y = f(x)
        if size != (5, 7) and kernel != "nearest":
            # (identity and gather-only plans are copies: the torch engine's gathers)
            assert _grad_fn_name(y) == "NativeResampleBackward"
        assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-8)


def test_gradcheck_channels_last_three_axes_and_double_backward() -> None:
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(1, 3, 6, 5, dtype=torch.float64, generator=gen)
    x = x.contiguous(memory_format=torch.channels_last).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: pixelgrid.resize(t, (9, 4), kernel="cubic"), (x,))
    y = torch.rand(2, 4, 5, 3, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t: pixelgrid.resize(t, (7, 2, 5), axes=(1, 2, 3), kernel="lanczos3"), (y,))
    assert torch.autograd.gradgradcheck(
        lambda t: pixelgrid.resize(t, (3, 8), kernel="linear", boundary="reflect"), (x,))


@pytest.mark.parametrize("engine", ["reference", "native", "compiled", "torch"])
def test_gradcheck_every_engine(engine: str) -> None:
    x = torch.rand(1, 2, 6, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t: pixelgrid.resize(t, (4, 13), kernel="cubic", boundary="symmetric",
                                   engine=engine), (x,))


def test_gradient_is_the_transposed_product() -> None:
    # dL/dx for L = sum(g * y), y = Wh x Ww^T: Wh^T g Ww (the dense matrices of the plans)
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.random((7, 9)), requires_grad=True)
    y = pixelgrid.resize(x, (12, 4), kernel="lanczos3")
    g = rng.standard_normal((12, 4))
    y.backward(torch.tensor(g))
    (_, ph), (_, pw) = pixelgrid.make_plans((7, 9), (12, 4), kernel="lanczos3")
    want = ph.matrix().T @ g @ pw.matrix()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=0, atol=1e-13)


def test_float32_float16_bfloat16_gradients() -> None:
    # half precision: forward and backward run in float32 and are rounded to the dtype
    rng = np.random.default_rng(4)
    x64 = rng.random((2, 3, 10, 12))
    g = rng.standard_normal((2, 3, 7, 17))
    (_, ph), (_, pw) = pixelgrid.make_plans(x64.shape, (7, 17), axes=(2, 3), kernel="cubic")
    want_y = np.einsum("oh,nchw,pw->ncop", ph.matrix(), x64, pw.matrix())
    for dtype, tol in ((torch.float32, 1e-5), (torch.float16, 2e-2), (torch.bfloat16, 6e-2)):
        x = torch.tensor(x64, dtype=dtype, requires_grad=True)
        y = pixelgrid.resize(x, (7, 17), kernel="cubic")
        assert y.dtype == dtype and y.requires_grad
        gt = torch.tensor(g, dtype=dtype)
        y.backward(gt)
        want_g = np.einsum("oh,ncop,pw->nchw", ph.matrix(), gt.double().numpy(), pw.matrix())
        np.testing.assert_allclose(y.detach().double().numpy(), want_y, atol=tol, rtol=tol)
        assert x.grad is not None and x.grad.dtype == dtype
        np.testing.assert_allclose(x.grad.double().numpy(), want_g, atol=tol * 4, rtol=tol)


def test_interpolate_gradient_matches_torch_autograd() -> None:
    rng = np.random.default_rng(5)
    for mode, kw in (("bilinear", {}), ("bicubic", {"align_corners": True}),
                     ("bilinear", {"antialias": True}), ("area", {}), ("nearest", {})):
        base = torch.tensor(rng.random((2, 3, 11, 13)))
        for cl in (False, True):
            src = base.contiguous(memory_format=torch.channels_last) if cl else base
            xs = [src.clone().requires_grad_(), src.clone().requires_grad_()]
            y = interpolate(xs[0], size=(7, 19), mode=mode, **kw)
            yt = F.interpolate(xs[1], size=(7, 19), mode=mode, **kw)
            torch.testing.assert_close(y, yt, atol=1e-12, rtol=0)
            g = torch.tensor(rng.standard_normal(tuple(yt.shape)))
            y.backward(g)
            yt.backward(g)
            assert xs[0].grad is not None and xs[1].grad is not None
            torch.testing.assert_close(xs[0].grad, xs[1].grad, atol=1e-12, rtol=0)


# ----------------------------------------------------------------------------------------
# Zero-copy, memory format, dtypes, engines
# ----------------------------------------------------------------------------------------
def test_zero_copy_in_and_out(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    real = ta.run_plans

    def spy(arr: Any, plans: Any, **kw: Any) -> Any:
        seen["in"] = arr.__array_interface__["data"][0]
        out = real(arr, plans, **kw)
        seen["out"] = out.__array_interface__["data"][0]
        return out

    monkeypatch.setattr(ta, "run_plans", spy)
    for fmt in (torch.contiguous_format, torch.channels_last):
        x = torch.rand(2, 3, 40, 50).contiguous(memory_format=fmt)
        y = pixelgrid.resize(x, (30, 70))
        assert seen["in"] == x.data_ptr() and seen["out"] == y.data_ptr()
        assert y.is_contiguous(memory_format=fmt)


def test_memory_format_and_values_preserved() -> None:
    rng = np.random.default_rng(6)
    x = rng.random((2, 3, 17, 23)).astype(np.float32)
    want = pixelgrid.resize(x, (9, 40), axes=(2, 3), kernel="cubic", engine="reference")
    t = torch.from_numpy(x)
    for src, fmt in ((t, torch.contiguous_format),
                     (t.contiguous(memory_format=torch.channels_last), torch.channels_last)):
        for engine in ("auto", "native", "reference", "torch"):
            y = pixelgrid.resize(src, (9, 40), kernel="cubic", engine=engine)
            assert y.is_contiguous(memory_format=fmt), engine
            np.testing.assert_allclose(y.numpy(), want, atol=2e-6, rtol=0)
    x5 = torch.rand(1, 2, 4, 5, 6).contiguous(memory_format=torch.channels_last_3d)
    y5 = pixelgrid.resize(x5, (3, 8, 2))
    assert y5.is_contiguous(memory_format=torch.channels_last_3d)
    np.testing.assert_allclose(y5.numpy(), pixelgrid.resize(
        x5.contiguous().numpy(), (3, 8, 2), axes=(2, 3, 4)), atol=2e-6)
    # a view with gaps: read as it is, contiguous result
    v = torch.rand(4, 30, 40)[:, ::2, 1::3]
    np.testing.assert_allclose(pixelgrid.resize(v, (7, 9)).numpy(),
                               pixelgrid.resize(v.contiguous().numpy(), (7, 9), axes=(1, 2)),
                               atol=0)


def test_uint8_channels_last_interpolate_bit_exact_with_torch() -> None:
    rng = np.random.default_rng(7)
    x = torch.tensor(rng.integers(0, 256, (1, 3, 67, 45)), dtype=torch.uint8)
    x = x.contiguous(memory_format=torch.channels_last)
    for size, kw in (((130, 91), {"mode": "bilinear"}), ((20, 31), {"mode": "bilinear",
                                                                     "antialias": True}),
                     ((29, 17), {"mode": "bicubic", "antialias": True}),
                     ((100, 50), {"mode": "nearest"}), ((30, 60), {"mode": "nearest-exact"})):
        got = interpolate(x, size=size, **kw)
        want = F.interpolate(x, size=size, **kw)
        assert torch.equal(got, want), kw
        assert got.is_contiguous(memory_format=torch.channels_last), kw


def test_dtypes_on_the_native_path() -> None:
    rng = np.random.default_rng(8)
    x = rng.integers(0, 60000, size=(3, 20, 30))
    for dtype in ("uint8", "int16", "uint16", "int32", "float16", "float64"):
        a = (x % 250 if dtype == "uint8" else x % 30000 if dtype == "int16" else x
             ).astype(dtype)
        want = pixelgrid.resize(a, (11, 45), axes=(1, 2), engine="reference")
        got = pixelgrid.resize(torch.from_numpy(a.copy()), (11, 45))
        assert got.dtype == getattr(torch, dtype)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=dtype)


def test_engine_names(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.random.default_rng(9).random((12, 15))
    ref = pixelgrid.resize(x, (7, 20), kernel="cubic", engine="reference")
    for engine in ("auto", "native", "compiled", "torch"):
        np.testing.assert_allclose(pixelgrid.resize(x, (7, 20), kernel="cubic", engine=engine),
                                   ref, atol=1e-12, rtol=0, err_msg=engine)
        y = pixelgrid.resize(torch.tensor(x, requires_grad=True), (7, 20), kernel="cubic",
                             engine=engine)
        assert y.requires_grad, engine  # engine="native" used to drop requires_grad
        np.testing.assert_allclose(y.detach().numpy(), ref, atol=1e-12, rtol=0)
    for bad in ("gpu", "Native", "cuda", 3):
        with pytest.raises(ValueError, match=r"engine=.* is not valid; expected one of "
                                             r"\['auto', 'compiled', 'native', 'reference', "
                                             r"'torch'\]"):
            pixelgrid.resize(torch.zeros(4, 4), (2, 2), engine=bad)
        with pytest.raises(ValueError, match=r"engine=.* is not valid; expected one of"):
            pixelgrid.resize(np.zeros((4, 4)), (2, 2), engine=bad)
        with pytest.raises(ValueError, match=r"engine=.* is not valid; expected one of"):
            interpolate_engine_check(bad)
    ro = x.copy()
    ro.setflags(write=False)  # torch.from_numpy warns on read-only arrays: copied first
    np.testing.assert_allclose(pixelgrid.resize(ro, (7, 20), kernel="cubic", engine="torch"),
                               ref, atol=1e-12, rtol=0)
    monkeypatch.setenv("PIXELGRID_ENGINE", "torch")
    np.testing.assert_allclose(pixelgrid.resize(torch.tensor(x), (7, 20), kernel="cubic"),
                               ref, atol=1e-12, rtol=0)


def interpolate_engine_check(engine: Any) -> Any:
    from pixelgrid._arrays import apply_plans as apply_any

    return apply_any(torch.zeros(4), [(0, pixelgrid.plan(4, 2))], engine=engine)


def test_threads_follow_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIXELGRID_NUM_THREADS", raising=False)
    assert ta.tensor_threads(None) == torch.get_num_threads()
    assert ta.tensor_threads(3) == 3
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "2")
    assert ta.tensor_threads(None) is None  # the engine reads the variable


def test_compat_interpolate_runs_on_the_compiled_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    # a CPU tensor goes to the numpy-facing dispatcher (compiled engine), not the torch one
    from pixelgrid._engines import torch_engine

    def boom(*args: Any, **kw: Any) -> Any:
        raise AssertionError("torch engine used")

    monkeypatch.setattr(torch_engine, "apply_plans_torch", boom)
    x = torch.rand(2, 3, 16, 16, requires_grad=True)
    y = interpolate(x, size=(32, 24), mode="bilinear")
    assert _grad_fn_name(y) == "NativeResampleBackward"
    torch.testing.assert_close(y, F.interpolate(x, size=(32, 24), mode="bilinear"),
                               atol=2e-7, rtol=0)


def test_resize_labels_keeps_memory_format() -> None:
    # the labels are read in memory order (channels-last: NHWC, no copy); the labels
    # themselves are those of the contiguous tensor (checked against numpy in test_labels)
    x = torch.randint(0, 5, (2, 3, 9, 11))
    for method in ("nearest", "mode"):
        want = pixelgrid.resize_labels(x, (5, 20), method=method)
        got = pixelgrid.resize_labels(x.contiguous(memory_format=torch.channels_last),
                                      (5, 20), method=method)
        assert torch.equal(got, want) and got.is_contiguous(memory_format=torch.channels_last)
        np.testing.assert_array_equal(
            want.numpy(), pixelgrid.resize_labels(x.numpy(), (5, 20), axes=(2, 3),
                                                  method=method))
