"""The torch engine against the numpy reference engine and against PyTorch itself.

Independent sources: the numpy reference engine (``apply_plans``, the project's
oracle, written separately with explicit per-tap loops), ``torch.nn.functional
.interpolate`` and its autograd, and ``torch.autograd.gradcheck`` (finite
differences).  No value here is produced by the torch engine itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import pixelgrid  # noqa: E402
from pixelgrid._arrays import run_plans  # noqa: E402
from pixelgrid._engines import torch_engine as te  # noqa: E402
from pixelgrid._engines.reference import apply_plans  # noqa: E402
from pixelgrid._plan import default_bits, fixed_point  # noqa: E402
from pixelgrid._plan_types import AxisPlan  # noqa: E402
from pixelgrid.compat.torch import interpolate  # noqa: E402

KERNELS = ["linear", "cubic", "lanczos3", "area", "nearest", "box", "mitchell", "gaussian"]
BOUNDARIES = ["renormalize", "clamp", "reflect", "symmetric", "wrap", "constant"]
GRIDS = ["half_pixel", "align_corners", "asymmetric"]
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def random_plans(rng: np.random.Generator, shape: tuple[int, ...],
                 kernels: list[str] = KERNELS) -> list[tuple[int, AxisPlan]]:
    axes = [int(a) for a in rng.permutation(len(shape))[: rng.integers(1, len(shape) + 1)]]
    plans = []
    for ax in axes:
        n_in = shape[ax]
        n_out = int(rng.integers(1, 3 * n_in + 2))
        plans.append((ax, pixelgrid.plan(
            n_in, n_out, kernel=str(rng.choice(kernels)), grid=str(rng.choice(GRIDS)),
            antialias=bool(rng.integers(2)), boundary=str(rng.choice(BOUNDARIES)),
            fill_value=float(rng.choice([0.0, 0.5, -2.0])))))
    return plans


def random_shape(rng: np.random.Generator) -> tuple[int, ...]:
    ndim = int(rng.integers(1, 4))
    if ndim == 1 and rng.integers(2):
        return (int(rng.integers(100, 400)),)  # long axis: several band blocks
    return tuple(int(rng.integers(1, 30)) for _ in range(ndim))


def noncontiguous(t: Any, rng: np.random.Generator) -> Any:
    """The same values as ``t`` in a strided, non-contiguous view."""
    big = torch.empty(tuple(2 * s for s in t.shape), dtype=t.dtype)
    view = big[tuple(slice(None, None, 2) for _ in t.shape)]
    view.copy_(t)
    assert t.dim() == 0 or t.numel() == 1 or not view.is_contiguous()
    return view


# ----------------------------------------------------------------------------------------
# Engine versus the numpy reference engine
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_matches_reference(dtype: str) -> None:
    rng = np.random.default_rng(1 if dtype == "float32" else 2)
    tol = 1e-5 if dtype == "float32" else 1e-12
    for case in range(60):
        shape = random_shape(rng)
        x = rng.standard_normal(shape).astype(dtype)
        plans = random_plans(rng, shape)
        want = apply_plans(x, plans)
        t = torch.tensor(x)
        if case % 3 == 0:
            t = noncontiguous(t, rng)
        got = te.apply_plans_torch(t, plans)
        assert got.dtype == t.dtype and got.is_contiguous()
        scale = max(1.0, float(np.abs(x).max()))
        np.testing.assert_allclose(got.numpy(), want, rtol=0, atol=tol * scale,
                                   err_msg=f"case {case}: shape {shape}, "
                                           f"{[(a, p.info) for a, p in plans]}")


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16"])
def test_fixed_point_bit_exact(dtype: str) -> None:
    rng = np.random.default_rng(10)
    info = np.iinfo(dtype)
    for case in range(40):
        shape = random_shape(rng)
        x = rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
        plans = [(ax, fixed_point(p, default_bits(p, np.dtype(dtype))))
                 for ax, p in random_plans(rng, shape)]
        want = apply_plans(x, plans)
        t = torch.tensor(x) if dtype != "uint16" else torch.from_numpy(x.copy())
        if case % 3 == 0:
            t = noncontiguous(t, rng)
        got = te.apply_plans_torch(t, plans)
        assert got.dtype == t.dtype
        np.testing.assert_array_equal(got.numpy(), want, err_msg=f"case {case}")


def test_run_plans_torch_matches_run_plans_uint8_int16() -> None:
    # run_plans attaches the default fixed-point model; run_plans_torch must do the same
    rng = np.random.default_rng(11)
    for case in range(20):
        dtype = ["uint8", "int16"][case % 2]
        shape = random_shape(rng)
        info = np.iinfo(dtype)
        x = rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
        plans = random_plans(rng, shape)
        want = run_plans(x, plans, engine="reference")
        got = te.run_plans_torch(torch.tensor(x), plans)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=f"case {case}")


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16"])
def test_wide_model_matches_reference(dtype: str) -> None:
    # pixelgrid.resize on tensors (the torch engine) applies the same wide model as the
    # numpy engines: one rounding at the end, bitwise equal, also with 3 resized axes
    rng = np.random.default_rng(12)
    info = np.iinfo(dtype)
    x = rng.integers(info.min, int(info.max) + 1, size=(2, 3, 19, 26)).astype(dtype)
    t = torch.from_numpy(x.copy())
    for kernel in ["linear", "cubic", "lanczos3", "area"]:
        for size in [(40, 17), (7, 64)]:
            got = pixelgrid.resize(t, size, kernel=kernel)
            want = pixelgrid.resize(x, size, axes=(2, 3), kernel=kernel, engine="reference")
            assert got.dtype == t.dtype
            np.testing.assert_array_equal(got.numpy(), want, err_msg=f"{kernel} {size}")
    got = pixelgrid.resize(t, (4, 30, 9), kernel="cubic")
    want = pixelgrid.resize(x, (4, 30, 9), axes=(1, 2, 3), kernel="cubic", engine="reference")
    np.testing.assert_array_equal(got.numpy(), want)


def test_int32_float64_path_within_one() -> None:
    # int32 is resampled in float64 and rounded once; summation order may differ from
    # the reference, so a value exactly at .5 may round either way: |diff| <= 1.
    rng = np.random.default_rng(12)
    for _ in range(15):
        shape = random_shape(rng)
        x = rng.integers(-(2**20), 2**20, size=shape).astype(np.int32)
        plans = random_plans(rng, shape)
        want = apply_plans(x, plans).astype(np.int64)
        got = te.apply_plans_torch(torch.tensor(x), plans)
        assert got.dtype == torch.int32
        assert np.abs(got.numpy().astype(np.int64) - want).max(initial=0) <= 1


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_accumulates_in_float32(dtype: str) -> None:
    rng = np.random.default_rng(13)
    tdt = getattr(torch, dtype)
    for _ in range(15):
        shape = random_shape(rng)
        t = torch.tensor(rng.random(shape), dtype=torch.float32).to(tdt)
        plans = random_plans(rng, shape, ["linear", "cubic", "area"])
        # oracle: the reference engine on the exact (float64) values of the half input
        want = apply_plans(t.to(torch.float64).numpy(), plans)
        got = te.apply_plans_torch(t, plans)
        assert got.dtype == tdt
        # one rounding to the half dtype at the end: within one ulp of |values| <= ~1.5
        ulp = 2.0**-10 if dtype == "float16" else 2.0**-7
        np.testing.assert_allclose(got.to(torch.float64).numpy(), want, rtol=0,
                                   atol=2 * ulp)


@pytest.mark.parametrize("dtype", ["bool", "int64", "uint64", "uint16", "uint32", "uint8",
                                   "float32"])
def test_gather_plans_any_dtype(dtype: str) -> None:
    rng = np.random.default_rng(14)
    for case in range(10):
        shape = random_shape(rng)
        x = (rng.integers(0, 2**15, size=shape) % (2 if dtype == "bool" else 2**15)
             ).astype(dtype)
        plans = random_plans(rng, shape, ["nearest"])
        assert all(p.is_gather for _, p in plans if p.info.get("boundary") != "constant")
        plans = [(a, p) for a, p in plans if p.is_gather]
        want = apply_plans(x, plans)
        t = torch.from_numpy(x.copy())
        if case % 2:
            t = noncontiguous(t, rng)
        got = te.apply_plans_torch(t, plans)
        assert got.dtype == t.dtype
        np.testing.assert_array_equal(got.numpy(), want)


def test_nan_reaches_only_the_outputs_whose_taps_read_it() -> None:
    # One NaN input pixel, 2x linear upsampling (half-pixel grid): output o reads x at
    # o / 2 - 1/4, i.e. inputs i - 1, i (o = 2i) and i, i + 1 (o = 2i + 1), so input 20
    # is read by outputs 39..42 of each axis: a 4x4 block of NaN outputs (torch's own
    # interpolate gives the same 16).  The former banded matrices spread it over a
    # whole 64x64 block of outputs.
    x = torch.zeros(1, 1, 64, 64, dtype=torch.float64)
    x[0, 0, 20, 30] = float("nan")
    plans = pixelgrid.make_plans(x.shape, (128, 128), axes=(2, 3))
    y = te.apply_plans_torch(x, plans)
    want = torch.zeros(128, 128, dtype=torch.bool)
    want[39:43, 59:63] = True
    assert torch.equal(y[0, 0].isnan(), want)
    assert int(F.interpolate(x, size=(128, 128), mode="bilinear").isnan().sum()) == 16
    # the same outputs as the reference engine (which reads every tap of the plan)
    # for other kernels, incl. zero-weight taps and the constant boundary
    for kw in ({"kernel": "cubic", "antialias": False}, {"kernel": "lanczos3"},
               {"kernel": "linear", "boundary": "constant"}):
        for size in ((128, 100), (24, 40)):
            plans = pixelgrid.make_plans(x.shape, size, axes=(2, 3), **kw)
            got = te.apply_plans_torch(x, plans)
            want_ref = np.isnan(apply_plans(x.numpy(), plans))
            np.testing.assert_array_equal(got.isnan().numpy(), want_ref, err_msg=str(kw))
            np.testing.assert_allclose(np.nan_to_num(got.numpy()),
                                       np.nan_to_num(apply_plans(x.numpy(), plans)),
                                       atol=1e-12)


def test_gather_only_plans_flat_index_any_layout() -> None:
    # gather-only plans over several axes are one index_select with a flat index; the
    # result equals the reference engine's for every layout and dtype, and keeps the
    # input's memory format
    rng = np.random.default_rng(12)
    for dtype in ("uint8", "uint16", "int64", "bool", "float32"):
        x = (rng.integers(0, 200, size=(2, 3, 9, 11)) % (2 if dtype == "bool" else 200)
             ).astype(dtype)
        plans = pixelgrid.make_plans(x.shape, (5, 23), axes=(2, 3), kernel="nearest")
        want = apply_plans(x, plans)
        t = torch.from_numpy(x.copy())
        for src in (t, t.contiguous(memory_format=torch.channels_last), noncontiguous(t, rng)):
            got = te.apply_plans_torch(src, plans)
            np.testing.assert_array_equal(got.numpy(), want, err_msg=dtype)
            cl = src.is_contiguous(memory_format=torch.channels_last) and not src.is_contiguous()
            assert got.is_contiguous(memory_format=torch.channels_last if cl
                                     else torch.contiguous_format)
    # three axes, one of them unplanned in the middle
    x = rng.random((3, 4, 5, 6)).astype(np.float32)
    plans = [(1, pixelgrid.plan(4, 9, kernel="nearest")), (3, pixelgrid.plan(6, 2,
                                                                               kernel="nearest"))]
    np.testing.assert_array_equal(te.apply_plans_torch(torch.from_numpy(x), plans).numpy(),
                                  apply_plans(x, plans))


def test_cache_reuses_tensors_for_rebuilt_plans() -> None:
    x = torch.rand(2, 40, 50)
    te.clear_cache()
    plans = pixelgrid.make_plans(x.shape, (20, 70), axes=(1, 2))
    te.apply_plans_torch(x, plans)
    first = te.cache_info()
    assert first["misses"] == 2 and first["hits"] == 0
    # the same geometry built again: new plan objects, same content, cached tensors
    plans = pixelgrid.make_plans(x.shape, (20, 70), axes=(1, 2))
    te.apply_plans_torch(x, plans)
    second = te.cache_info()
    assert second["misses"] == 2 and second["hits"] == 2 and second["size"] == 2
    te.apply_plans_torch(x.double(), plans)  # another dtype: its own tensors
    assert te.cache_info()["misses"] == 4


def test_weighted_plans_refuse_gather_only_dtypes() -> None:
    p = pixelgrid.plan(4, 7)
    for dt in (torch.bool, torch.int64):
        with pytest.raises(TypeError, match=r"can only be resized with kernel='nearest'"):
            te.run_plans_torch(torch.zeros(4, dtype=dt), [(0, p)])
        with pytest.raises(TypeError, match=r"only be resampled with nearest-neighbour"):
            te.apply_plans_torch(torch.zeros(4, dtype=dt), [(0, p)])


# ----------------------------------------------------------------------------------------
# Autograd
# ----------------------------------------------------------------------------------------
GRAD_CASES = [
    ("linear", False, "clamp"), ("linear", True, "renormalize"), ("cubic", False, "reflect"),
    ("cubic", True, "symmetric"), ("lanczos3", True, "renormalize"), ("lanczos3", False, "wrap"),
    ("area", True, "renormalize"), ("nearest", False, "clamp"), ("nearest", False, "constant"),
    ("linear", True, "constant"),
]


@pytest.mark.parametrize(("kernel", "antialias", "boundary"), GRAD_CASES)
def test_gradcheck(kernel: str, antialias: bool, boundary: str) -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, 5, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    for size in ((3, 11), (9, 4)):  # down and up on both axes
        # plans built once (building them is not what is checked)
        plans = pixelgrid.make_plans(x.shape, size, axes=(1, 2), kernel=kernel,
                                     antialias=antialias, boundary=boundary, fill_value=0.25)
        assert torch.autograd.gradcheck(lambda t, plans=plans: te.apply_plans_torch(t, plans),
                                        (x,), eps=1e-6, atol=1e-8)
    # and through pixelgrid.resize itself
    assert torch.autograd.gradcheck(
        lambda t: pixelgrid.resize(t, (3, 4), kernel=kernel, antialias=antialias,
                                   boundary=boundary, fill_value=0.25), (x[:1, :4, :4],))


def test_gradcheck_taps_path() -> None:
    # wrap on a long axis is applied per tap (not as a band): check its gradient too
    x = torch.rand(1, 120, dtype=torch.float64, requires_grad=True)
    p = pixelgrid.plan(120, 41, kernel="cubic", boundary="wrap")
    assert torch.autograd.gradcheck(lambda t: te.apply_plans_torch(t, [(1, p)]), (x,))


# ----------------------------------------------------------------------------------------
# pixelgrid.resize on tensors
# ----------------------------------------------------------------------------------------
def test_resize_tensor_keeps_type_dtype_and_grad() -> None:
    rng = np.random.default_rng(20)
    x = rng.random((2, 3, 10, 12))
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y = pixelgrid.resize(t, (5, 17), kernel="cubic")
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32 and y.device == t.device
    assert y.requires_grad and y.shape == (2, 3, 5, 17)
    # default axes of a tensor are the trailing ones: numpy needs axes=(2, 3)
    want = pixelgrid.resize(x.astype(np.float32), (5, 17), axes=(2, 3), kernel="cubic")
    np.testing.assert_allclose(y.detach().numpy(), want, atol=1e-5, rtol=0)
    y.sum().backward()
    assert t.grad is not None and t.grad.shape == t.shape
    # d(sum y)/dx is the column sums of the weight matrices (outer product over axes)
    (_, plan_h), (_, plan_w) = pixelgrid.make_plans(x.shape, (5, 17), axes=(2, 3),
                                                    kernel="cubic")
    ph, pw = plan_h.matrix().sum(axis=0), plan_w.matrix().sum(axis=0)
    np.testing.assert_allclose(t.grad[0, 0].numpy(), np.outer(ph, pw), atol=1e-5)


def test_resize_tensor_uint8_and_dtype_option() -> None:
    rng = np.random.default_rng(21)
    x = rng.integers(0, 256, size=(3, 31, 27)).astype(np.uint8)
    t = torch.tensor(x)
    y = pixelgrid.resize(t, (12, 40))
    assert y.dtype == torch.uint8
    np.testing.assert_array_equal(y.numpy(), pixelgrid.resize(x, (12, 40), axes=(1, 2),
                                                               engine="reference"))
    for out in (np.float32, "float64", torch.float64, torch.int16):
        got = pixelgrid.resize(t, (12, 40), dtype=out)
        np_out = out if not isinstance(out, torch.dtype) else str(out).split(".")[1]
        want = pixelgrid.resize(x, (12, 40), axes=(1, 2), dtype=np_out, engine="reference")
        assert got.numpy().dtype == want.dtype
        # float32 values up to 255: 1e-5 relative (int16 output: exact)
        np.testing.assert_allclose(got.numpy(), want, atol=0, rtol=1e-5)
    # an explicitly named numpy engine is honoured (detached round trip)
    y_ref = pixelgrid.resize(t, (12, 40), engine="reference")
    assert isinstance(y_ref, torch.Tensor)
    np.testing.assert_array_equal(y_ref.numpy(), y.numpy())
    y_ref = pixelgrid.resize(t, (12, 40), engine="reference", dtype=torch.float64)
    assert y_ref.dtype == torch.float64


def test_resize_tensor_single_size_and_bfloat16() -> None:
    t = torch.rand(6, 8, dtype=torch.bfloat16)
    y = pixelgrid.resize(t, 4)  # a single number resizes every axis of a 2-D tensor
    assert y.shape == (4, 4) and y.dtype == torch.bfloat16
    want = pixelgrid.resize(t.to(torch.float64).numpy(), 4)
    np.testing.assert_allclose(y.to(torch.float64).numpy(), want, atol=2**-7)


def test_resize_tensor_errors() -> None:
    with pytest.raises(ValueError, match=r"engine='gpu' is not valid; expected one of"):
        pixelgrid.resize(torch.zeros(4, 4), (2, 2), engine="gpu")
    with pytest.raises(TypeError, match=r"dtype=.*complex.* is not supported; expected"):
        pixelgrid.resize(torch.zeros(4, 4), (2, 2), dtype=np.complex64)
    with pytest.raises(TypeError, match=r"dtype=torch.bool is not supported; expected an"):
        pixelgrid.resize(torch.zeros(4, 4), (2, 2), dtype=torch.bool)
    with pytest.raises(TypeError, match=r"x has dtype torch.complex64, which is not"):
        pixelgrid.resize(torch.zeros(4, 4, dtype=torch.complex64), (2, 2))
    with pytest.raises(ValueError, match=r"x is 0-dimensional"):
        pixelgrid.resize(torch.tensor(1.0), 2)
    with pytest.raises(ValueError, match=r"x is empty \(shape \(0, 3\)\)"):
        pixelgrid.resize(torch.zeros(0, 3), (2, 2))
    with pytest.raises(TypeError, match=r"torch.bool can only be resized with kernel='near"):
        pixelgrid.resize(torch.zeros(4, 4, dtype=torch.bool), (2, 2))
    with pytest.raises(TypeError, match=r"x must be a torch tensor, got list"):
        te.check_tensor([1.0])


# ----------------------------------------------------------------------------------------
# compat.torch.interpolate on tensors versus PyTorch
# ----------------------------------------------------------------------------------------
_MODES_BY_DIM = {
    1: ["nearest", "nearest-exact", "linear", "area"],
    2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area", "bilinear_aa",
        "bicubic_aa"],
    3: ["nearest", "nearest-exact", "trilinear", "area"],
}


def random_call(rng: np.random.Generator, uint8: bool = False) -> tuple[tuple[int, ...],
                                                                       dict[str, Any]]:
    dim = 2 if uint8 else int(rng.integers(1, 4))
    modes = _MODES_BY_DIM[dim]
    if uint8:
        modes = [m for m in modes if m != "area"]
    mode = str(rng.choice(modes))
    kw: dict[str, Any] = {"mode": mode.removesuffix("_aa")}
    if mode.endswith("_aa"):
        kw["antialias"] = True
    spatial = tuple(int(rng.integers(1, 24 if dim < 3 else 9)) for _ in range(dim))
    if rng.integers(2):
        kw["size"] = tuple(int(rng.integers(1, 2 * s + 4)) for s in spatial)
    else:
        kw["scale_factor"] = float(rng.choice([0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0]))
        if any(int(s * kw["scale_factor"]) < 1 for s in spatial):
            kw["scale_factor"] = 2.0
    if kw["mode"] in ("linear", "bilinear", "bicubic", "trilinear") and rng.integers(2):
        kw["align_corners"] = bool(rng.integers(2))
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)), *spatial)
    return shape, kw


def test_interpolate_tensor_float32_matches_torch() -> None:
    rng = np.random.default_rng(30)
    worst = 0.0
    for case in range(80):
        shape, kw = random_call(rng)
        x = torch.tensor(rng.random(shape), dtype=torch.float32)
        want = F.interpolate(x, **kw)
        got = interpolate(x, **kw)
        assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
        assert got.shape == want.shape, (case, shape, kw)
        err = float((got - want).abs().max())
        worst = max(worst, err)
        assert err <= 1e-5, (case, shape, kw, err)


def test_interpolate_tensor_uint8_matches_torch_exactly() -> None:
    rng = np.random.default_rng(31)
    for case in range(40):
        shape, kw = random_call(rng, uint8=True)
        x = torch.tensor(rng.integers(0, 256, size=shape), dtype=torch.uint8)
        want = F.interpolate(x, **kw)
        got = interpolate(x, **kw)
        assert got.dtype == torch.uint8
        assert torch.equal(got, want), (case, shape, kw)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "area", "nearest", "bilinear_aa"])
def test_interpolate_gradient_matches_torch(mode: str) -> None:
    rng = np.random.default_rng(32)
    for _ in range(4):
        shape, kw = random_call(rng)
        shape = (*shape[:2], int(rng.integers(2, 12)), int(rng.integers(2, 12)))
        kw.pop("align_corners", None)
        kw.pop("antialias", None)
        kw["mode"] = mode.removesuffix("_aa")
        if mode.endswith("_aa"):
            kw["antialias"] = True
        if kw.get("size") is not None:
            kw["size"] = (int(rng.integers(1, 20)), int(rng.integers(1, 20)))
        xs = [torch.tensor(rng.random(shape), requires_grad=True) for _ in range(2)]
        xs[1].data.copy_(xs[0].data)
        y_ours = interpolate(xs[0], **kw)
        y_torch = F.interpolate(xs[1], **kw)
        g = torch.tensor(rng.standard_normal(tuple(y_torch.shape)))
        y_ours.backward(g)
        y_torch.backward(g)
        assert xs[0].grad is not None and xs[1].grad is not None
        err = float((xs[0].grad - xs[1].grad).abs().max())
        assert err <= 1e-10, (shape, kw, err)


# ----------------------------------------------------------------------------------------
# CUDA (device-generic code; run where a GPU exists)
# ----------------------------------------------------------------------------------------
@cuda
def test_cuda_matches_cpu_and_stays_on_device() -> None:
    rng = np.random.default_rng(40)
    for case in range(30):
        shape = random_shape(rng)
        dtype = ["float32", "float64", "uint8", "int16"][case % 4]
        if dtype.startswith("float"):
            x = rng.standard_normal(shape).astype(dtype)
        else:
            info = np.iinfo(dtype)
            x = rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
        plans = random_plans(rng, shape)
        if not dtype.startswith("float"):
            plans = [(a, fixed_point(p, default_bits(p, np.dtype(dtype)))) for a, p in plans]
        want = apply_plans(x, plans)
        got = te.apply_plans_torch(torch.tensor(x, device="cuda"), plans)
        assert got.device.type == "cuda" and got.dtype == torch.tensor(x).dtype
        tol = {"float32": 1e-5, "float64": 1e-12}.get(dtype, 0.0)
        np.testing.assert_allclose(got.cpu().numpy(), want, rtol=0,
                                   atol=tol * max(1.0, float(np.abs(x).max())))


@cuda
def test_cuda_interpolate_and_gradient() -> None:
    x = torch.rand(2, 3, 9, 11, dtype=torch.float64, device="cuda", requires_grad=True)
    y = interpolate(x, size=(14, 5), mode="bicubic")
    assert y.device == x.device
    torch.testing.assert_close(y, F.interpolate(x, size=(14, 5), mode="bicubic"),
                               atol=1e-10, rtol=0)
    assert torch.autograd.gradcheck(
        lambda t: pixelgrid.resize(t, (5, 7), kernel="lanczos3"), (x[:1, :1].detach()
                                                                  .requires_grad_(),))
    u = torch.randint(0, 256, (1, 3, 17, 13), dtype=torch.uint8, device="cuda")
    assert torch.equal(interpolate(u, size=(8, 20), mode="bilinear", antialias=True),
                       F.interpolate(u, size=(8, 20), mode="bilinear", antialias=True))
