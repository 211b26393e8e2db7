"""Tests of the compiled engine against an independent numpy oracle."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from pixelgrid._engines import native
from pixelgrid._plan_types import AxisPlan, FixedPoint

pytestmark = pytest.mark.skipif(not native.available(), reason="extension not built")

INT_DTYPES = [np.uint8, np.int8, np.uint16, np.int16]
FLOAT_DTYPES = [np.float32, np.float64, np.float16]


# ----------------------------------------------------------------------------------------
# Oracle
# ----------------------------------------------------------------------------------------
def dense(p: AxisPlan, w: np.ndarray) -> np.ndarray:
    m = np.zeros((p.out_size, p.in_size), dtype=w.dtype)
    for t in range(p.index.shape[1]):
        np.add.at(m, (np.arange(p.out_size), p.index[:, t]), w[:, t])
    return m


def oracle(x: np.ndarray, plans: list[tuple[int, AxisPlan]]) -> np.ndarray:
    dt = x.dtype
    if dt.kind == "f":
        y = x.astype(np.float64)
        for axis, p in plans:
            m = dense(p, p.weight)
            y = np.moveaxis(np.tensordot(m, np.moveaxis(y, axis, 0), axes=1), 0, axis)
            shape = [1] * y.ndim
            shape[axis] = p.out_size
            y = y + (p.fill * p.fill_value).reshape(shape)
        return y
    if all(p.is_gather for _, p in plans):
        y = x
        for axis, p in plans:
            y = np.take(y, p.index[:, 0], axis=axis)
        return y
    info = np.iinfo(dt)
    y = x
    for axis, p in plans:
        if p.is_gather:
            y = np.take(y, p.index[:, 0], axis=axis)
            continue
        fx = p.fixed
        assert fx is not None
        m = dense(p, fx.weights).astype(object)
        ym = np.moveaxis(y, axis, 0).astype(object)
        acc = np.tensordot(m, ym, axes=1)
        shape = [1] * acc.ndim
        shape[0] = p.out_size
        acc = acc + (fx.fill.astype(object) * round(p.fill_value)).reshape(shape) + fx.offset
        r = np.vectorize(lambda v, b=fx.bits: v >> b, otypes=[object])(acc)
        r = np.clip(r.astype(np.int64), info.min, info.max).astype(dt)
        y = np.moveaxis(r, 0, axis)
    return y


# ----------------------------------------------------------------------------------------
# Random plans
# ----------------------------------------------------------------------------------------
def _single(src: np.ndarray, dst: np.ndarray, *, dtype: int, B: int, C: int, plan: Any,
            odtype: int = -1) -> None:
    """One ``single`` extension call, its step named (csrc/engine.cpp ``bind_steps``)."""
    ext = native._ext
    ext.single(src=src, dst=dst, threads=1, step=ext.SingleStep(dtype=dtype, acc64=0, B=B, C=C,
                                                                 plan=plan, odtype=odtype))


def random_plan(
    rng: np.random.Generator,
    n_in: int,
    n_out: int,
    *,
    taps: int | None = None,
    contiguous: bool = True,
    fill: bool = False,
    bits: int = 14,
    negative: bool = True,
) -> AxisPlan:
    taps = int(rng.integers(1, 7)) if taps is None else taps
    if contiguous:
        start = rng.integers(0, max(n_in - taps, 0) + 1, n_out)
        idx = start[:, None] + np.arange(taps)[None, :]
        idx = np.clip(idx, 0, n_in - 1)  # clamped borders give duplicates
    else:
        idx = rng.integers(0, n_in, (n_out, taps))
    w = rng.random((n_out, taps))
    if negative:
        w -= 0.25 * rng.random((n_out, taps))
    if taps > 1:
        w[rng.random((n_out, taps)) < 0.1] = 0.0
    w[:, 0] += np.where(np.abs(w.sum(1)) < 1e-2, 1.0, 0.0)
    w /= w.sum(1, keepdims=True)
    # weights + fill sum to one (as in real plans): then float passes commute
    f = rng.random(n_out) * 0.3 if fill else np.zeros(n_out)
    w *= (1.0 - f)[:, None]
    fw = np.round(w * 2**bits).astype(np.int64)
    ff = np.round(f * 2**bits).astype(np.int64)
    fixed = FixedPoint(bits, fw, ff, 1 << (bits - 1))
    fv = float(rng.integers(-3, 40)) if fill else 0.0
    return AxisPlan(n_in, n_out, idx.astype(np.int64), w, f, fv, np.zeros(n_out), fixed)


def gather_plan(rng: np.random.Generator, n_in: int, n_out: int) -> AxisPlan:
    idx = rng.integers(0, n_in, (n_out, 1))
    return AxisPlan(n_in, n_out, idx, np.ones((n_out, 1)), np.zeros(n_out), 0.0,
                    np.zeros(n_out), None)


def random_input(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 10).astype(dt)
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    info = np.iinfo(dt)
    return rng.integers(info.min, int(info.max) + 1, shape, dtype=dt)


def check(y: np.ndarray, ref: np.ndarray, x: np.ndarray, plans: list) -> None:
    assert y.dtype == x.dtype
    assert y.shape == ref.shape
    assert y.flags.c_contiguous
    if x.dtype.kind in "iub" or all(p.is_gather for _, p in plans):
        np.testing.assert_array_equal(y, ref)
        return
    # scale of the values: |x| times the product of the plans' sum |w| (plus fill)
    scale = float(np.abs(x.astype(np.float64)).max(initial=1.0))
    for _, p in plans:
        scale = scale * float(np.abs(p.weight).sum(1).max(initial=1.0)) + abs(p.fill_value)
    rtol = 1e-3 if x.dtype == np.float16 else (1e-5 if x.dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(y.astype(np.float64), ref, rtol=rtol, atol=rtol * scale)


# ----------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", INT_DTYPES + FLOAT_DTYPES)
@pytest.mark.parametrize("seed", range(12))
def test_random_against_oracle(dtype: type, seed: int) -> None:
    rng = np.random.default_rng(seed * 100 + INT_DTYPES.__len__())
    ndim = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.choice([1, 2, 3, 5, 8, 13], ndim))
    naxes = int(rng.integers(1, ndim + 1))
    axes = [int(a) for a in rng.permutation(ndim)[:naxes]]
    plans = []
    for a in axes:
        n_out = int(rng.choice([1, 2, 4, 7, 11, 20]))
        if rng.random() < 0.15:
            plans.append((a, gather_plan(rng, shape[a], n_out)))
        else:
            plans.append((a, random_plan(rng, shape[a], n_out,
                                         contiguous=bool(rng.random() < 0.7),
                                         fill=bool(rng.random() < 0.3))))
    x = random_input(rng, shape, dtype)
    ref = oracle(x, plans)
    for threads in (1, 2, 3):
        y = native.apply_plans(x, plans, threads=threads)
        check(y, ref, x, plans)


@pytest.mark.parametrize("dtype", INT_DTYPES + FLOAT_DTYPES)
@pytest.mark.parametrize("layout", ["hwc", "chw", "nchw"])
@pytest.mark.parametrize("order", ["wh", "hw"])
def test_images(dtype: type, layout: str, order: str) -> None:
    rng = np.random.default_rng(7)
    h, w = 37, 50
    shape = {"hwc": (h, w, 3), "chw": (3, h, w), "nchw": (2, 4, h, w)}[layout]
    ah = {"hwc": 0, "chw": 1, "nchw": 2}[layout]
    for oh, ow, taps in ((80, 23, 2), (12, 101, 4), (9, 9, 16), (1, 1, 3)):
        ph = random_plan(rng, h, oh, taps=min(taps, h))
        pw = random_plan(rng, w, ow, taps=min(taps, w), fill=True)
        plans = [(ah, ph), (ah + 1, pw)] if order == "hw" else [(ah + 1, pw), (ah, ph)]
        x = random_input(rng, shape, dtype)
        ref = oracle(x, plans)
        for threads in (1, 2, 3):
            check(native.apply_plans(x, plans, threads=threads), ref, x, plans)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32])
def test_non_contiguous_and_negative_strides(dtype: type) -> None:
    rng = np.random.default_rng(3)
    base = random_input(rng, (30, 41, 5), dtype)
    views = [base[::-1], base[:, ::-2], base[::3, :, ::-1], base.transpose(1, 0, 2),
             base[..., 1:4].swapaxes(0, 1)[::-1]]
    for x in views:
        x.flags.writeable = False
        ph = random_plan(rng, x.shape[0], 17, taps=3)
        pw = random_plan(rng, x.shape[1], 29, taps=2, contiguous=False)
        for plans in ([(0, ph), (1, pw)], [(1, pw), (0, ph)], [(1, pw)]):
            ref = oracle(x, plans)
            check(native.apply_plans(x, plans, threads=2), ref, x, plans)


def test_one_pixel_and_1d() -> None:
    rng = np.random.default_rng(1)
    for n_in, n_out in ((1, 1), (1, 9), (9, 1), (2, 3)):
        p = random_plan(rng, n_in, n_out, taps=min(2, n_in), fill=True)
        for dtype in (np.uint8, np.float32, np.float64):
            x = random_input(rng, (n_in,), dtype)
            check(native.apply_plans(x, [(0, p)], threads=1), oracle(x, [(0, p)]), x, [(0, p)])


def test_trilinear_three_axes() -> None:
    rng = np.random.default_rng(4)
    x = random_input(rng, (1, 9, 10, 11), np.float32)
    plans = [(a, random_plan(rng, x.shape[a], 2 * x.shape[a], taps=2)) for a in (1, 2, 3)]
    check(native.apply_plans(x, plans, threads=2), oracle(x, plans), x, plans)
    xi = random_input(rng, (9, 10, 11), np.uint8)
    plans = [(a, random_plan(rng, xi.shape[a], 13, taps=2)) for a in (2, 0, 1)]
    check(native.apply_plans(xi, plans, threads=2), oracle(xi, plans), xi, plans)


def test_wide_windows_and_large_weights() -> None:
    rng = np.random.default_rng(5)
    # 40-tap downscale plans, 22-bit weights (needs the int64 accumulator for uint16)
    for dtype, bits in ((np.uint8, 22), (np.uint16, 22), (np.int16, 30), (np.int8, 14)):
        x = random_input(rng, (120, 90, 2), dtype)
        ph = random_plan(rng, 120, 3, taps=40, bits=bits)
        pw = random_plan(rng, 90, 4, taps=40, bits=bits, fill=True)
        for plans in ([(0, ph), (1, pw)], [(1, pw), (0, ph)]):
            check(native.apply_plans(x, plans, threads=2), oracle(x, plans), x, plans)


def test_wrap_around_indices() -> None:
    rng = np.random.default_rng(6)
    n = 50
    idx = (np.arange(n)[:, None] + np.array([-1, 0, 1])[None, :]) % n
    w = np.tile([0.25, 0.5, 0.25], (n, 1))
    p = AxisPlan(n, n, idx, w, np.zeros(n), 0.0, np.zeros(n),
                 FixedPoint(12, np.round(w * 4096).astype(np.int64), np.zeros(n, np.int64), 2048))
    for dtype in (np.uint8, np.float32):
        x = random_input(rng, (n, n, 3), dtype)
        for plans in ([(0, p), (1, p)], [(1, p), (0, p)]):
            check(native.apply_plans(x, plans, threads=2), oracle(x, plans), x, plans)


@pytest.mark.parametrize("dtype", [np.bool_, np.int64, np.uint32, np.complex128, np.float16,
                                   np.dtype("V7")])
def test_gather_any_dtype(dtype: type) -> None:
    rng = np.random.default_rng(8)
    x = rng.integers(0, 255, (6, 7, 3, 7)).astype(np.uint8)
    x = x.view(dtype) if np.dtype(dtype) == np.dtype("V7") else x[..., 0].astype(dtype)
    plans = [(1, gather_plan(rng, 7, 12)), (0, gather_plan(rng, 6, 2))]
    y = native.apply_plans(x, plans, threads=2)
    ref = np.take(np.take(x, plans[0][1].index[:, 0], axis=1), plans[1][1].index[:, 0], axis=0)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, ref)


def test_identity_returns_copy() -> None:
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    p = AxisPlan(4, 4, np.arange(4)[:, None], np.ones((4, 1)), np.zeros(4), 0.0, np.zeros(4))
    y = native.apply_plans(x, [(1, p)])
    np.testing.assert_array_equal(y, x)
    assert not np.shares_memory(x, y)
    y2 = native.apply_plans(x, [])
    assert not np.shares_memory(x, y2)


def test_thread_safety() -> None:
    rng = np.random.default_rng(9)
    x = random_input(rng, (300, 200, 3), np.uint8)
    plans = [(1, random_plan(rng, 200, 333, taps=4)), (0, random_plan(rng, 300, 111, taps=6))]
    ref = native.apply_plans(x, plans, threads=1)
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(native.apply_plans(x, plans, threads=2))
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert len(results) == 20
    for r in results:
        np.testing.assert_array_equal(r, ref)


def test_threads_env(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(10)
    x = random_input(rng, (20, 20), np.float32)
    p = random_plan(rng, 20, 30, taps=2)
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "3")
    y = native.apply_plans(x, [(0, p)])
    check(y, oracle(x, [(0, p)]), x, [(0, p)])
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "0")
    with pytest.raises(ValueError, match="threads"):
        native.apply_plans(x, [(0, p)])
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="PIXELGRID_NUM_THREADS"):
        native.apply_plans(x, [(0, p)])


def test_supports() -> None:
    rng = np.random.default_rng(11)
    p = random_plan(rng, 5, 6, taps=3)
    g = gather_plan(rng, 5, 6)
    nofix = AxisPlan(5, 6, p.index, p.weight, p.fill, 0.0, p.coord, None)
    assert native.supports(np.dtype(np.uint8), [p])
    assert native.supports(np.dtype(np.float16), [p, nofix])
    assert not native.supports(np.dtype(np.uint8), [nofix])
    assert not native.supports(np.dtype(np.int64), [p])
    assert native.supports(np.dtype(np.int64), [g])
    assert native.supports(np.dtype(np.bool_), [g])
    assert not native.supports(np.dtype(object), [g])


def test_bad_input() -> None:
    rng = np.random.default_rng(12)
    p = random_plan(rng, 5, 6, taps=3)
    x = np.zeros((5, 5), np.float32)
    with pytest.raises(ValueError, match="threads"):
        native.apply_plans(x, [(0, p)], threads=0)
    with pytest.raises(TypeError, match="threads"):
        native.apply_plans(x, [(0, p)], threads=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="in_size"):
        native.apply_plans(np.zeros((4, 5), np.float32), [(0, p)])
    with pytest.raises(ValueError, match="axis"):
        native.apply_plans(x, [(2, p)])
    with pytest.raises(ValueError, match="twice"):
        native.apply_plans(x, [(0, p), (0, p)])
    with pytest.raises(TypeError, match="dtype"):
        native.apply_plans(x.astype(np.int64), [(0, p)])
    with pytest.raises(TypeError, match="numpy array"):
        native.apply_plans([[1.0]], [(0, p)])  # type: ignore[arg-type]
    nofix = AxisPlan(5, 6, p.index, p.weight, p.fill, 0.0, p.coord, None)
    with pytest.raises(ValueError, match=r"plan\.fixed"):
        native.apply_plans(x.astype(np.uint8), [(0, nofix)])
    bad = AxisPlan(5, 6, p.index + 3, p.weight, p.fill, 0.0, p.coord, p.fixed)
    with pytest.raises(ValueError, match="out of range"):
        native.apply_plans(x, [(0, bad)])
    badw = AxisPlan(5, 6, p.index, p.weight[:3], p.fill, 0.0, p.coord, p.fixed)
    with pytest.raises(ValueError, match="shape"):
        native.apply_plans(x, [(0, badw)])
    huge = AxisPlan(5, 2**31, np.zeros((1, 1), np.int64), np.ones((1, 1)), np.zeros(1), 0.0,
                    np.zeros(1))
    with pytest.raises(ValueError, match=r"overflow|shape"):
        native.apply_plans(x, [(0, huge)])
    with pytest.raises(TypeError, match="AxisPlan"):
        native.apply_plans(x, [(0, "plan")])  # type: ignore[list-item]


def test_zero_size_unplanned_axis() -> None:
    rng = np.random.default_rng(13)
    p = random_plan(rng, 5, 7)
    y = native.apply_plans(np.zeros((0, 5), np.float32), [(1, p)])
    assert y.shape == (0, 7)


def test_baseline_kernels_match() -> None:
    from pixelgrid import _native

    rng = np.random.default_rng(14)
    cases = []
    for dtype in (np.uint8, np.int16, np.float32, np.float64):
        x = random_input(rng, (2, 23, 31, 3), dtype)
        plans = [(2, random_plan(rng, 31, 40, taps=4, fill=True)),
                 (1, random_plan(rng, 23, 7, taps=9))]
        cases.append((x, plans))
    isa = _native.isa()
    try:
        _native.set_simd(False)
        assert _native.isa() == "baseline"
        for x, plans in cases:
            check(native.apply_plans(x, plans, threads=2), oracle(x, plans), x, plans)
    finally:
        _native.set_simd(isa != "baseline")


def linear_plan(n_in: int, n_out: int, kernel: str = "linear") -> AxisPlan:
    """Monotone half-pixel plan (the shape real resize plans have)."""
    c = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    f0 = np.floor(c)
    if kernel == "linear":
        offs = np.array([0, 1])
        f = c - f0
        w = np.stack([1 - f, f], 1)
    else:  # cubic, a = -0.75
        offs = np.array([-1, 0, 1, 2])
        d = np.abs(c[:, None] - (f0[:, None] + offs[None, :]))
        a = -0.75
        w = np.where(d < 1, ((a + 2) * d - (a + 3)) * d * d + 1,
                     np.where(d < 2, (((d - 5) * d + 8) * d - 4) * a, 0.0))
    idx = np.clip(f0[:, None].astype(np.int64) + offs[None, :], 0, n_in - 1)
    fixed = FixedPoint(14, np.round(w * 2**14).astype(np.int64), np.zeros(n_out, np.int64),
                       1 << 13)
    return AxisPlan(n_in, n_out, idx, w, np.zeros(n_out), 0.0, c, fixed)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("kernel", ["linear", "cubic"])
def test_monotone_plans_simd_paths(channels: int, kernel: str) -> None:
    rng = np.random.default_rng(15 + channels)
    for h, w, oh, ow in ((17, 29, 40, 61), (64, 50, 81, 67), (9, 8, 9, 8), (30, 40, 20, 33)):
        ph, pw = linear_plan(h, oh, kernel), linear_plan(w, ow, kernel)
        for dtype in (np.float32, np.uint8, np.int8):
            x = random_input(rng, (h, w, channels), dtype)
            xc = np.ascontiguousarray(np.moveaxis(x, -1, 0))
            for xx, ah in ((x, 0), (xc, 1)):
                for plans in ([(ah, ph), (ah + 1, pw)], [(ah + 1, pw), (ah, ph)], [(ah + 1, pw)]):
                    for threads in (1, 3):
                        y = native.apply_plans(xx, plans, threads=threads)
                        check(y, oracle(xx, plans), xx, plans)


# ----------------------------------------------------------------------------------------
# Plan cache (pixelgrid._plan: bounded LRU on plan(), fixed_point() reuse)
# ----------------------------------------------------------------------------------------
def test_plan_cache_reuses_plans() -> None:
    from pixelgrid import _plan
    from pixelgrid._kernels import cubic

    a = _plan.plan(10, 4, kernel="cubic", antialias=True)
    assert _plan.plan(10, 4, kernel="cubic", antialias=True) is a
    assert _plan.plan(10, 4, kernel="cubic", antialias=False) is not a
    assert _plan.plan(10, 5, kernel="cubic", antialias=True) is not a
    # shared plans are read-only, so nobody can corrupt another caller's plan
    with pytest.raises(ValueError, match="read-only"):
        a.weight[0, 0] = 1.0
    # unhashable arguments (Kernel holds a dict) are keyed by identity
    k = cubic(-0.75)
    b = _plan.plan(10, 4, kernel=k)
    assert _plan.plan(10, 4, kernel=k) is b
    # equal-comparing values of different types are different keys: True is not 1
    _plan.plan(10, 4, antialias=True)
    with pytest.raises(TypeError, match="antialias"):
        _plan.plan(10, 4, antialias=1)  # type: ignore[arg-type]
    # errors are not cached
    with pytest.raises(ValueError, match="boundary"):
        _plan.plan(10, 4, boundary="nope")


def test_plan_cache_is_bounded_and_thread_safe() -> None:
    from pixelgrid import _plan

    first = _plan.plan(7, 3)
    for n in range(_plan.PLAN_CACHE_SIZE + 5):
        _plan.plan(5, 100 + n)
    assert _plan.plan(7, 3) is not first  # evicted, rebuilt with equal content
    np.testing.assert_array_equal(_plan.plan(7, 3).weight, first.weight)
    results: list[list[AxisPlan]] = [[] for _ in range(4)]

    def work(i: int) -> None:
        for n in range(40):
            results[i].append(_plan.plan(9, 20 + n % 10, kernel="lanczos3"))
    ths = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    for r in results:
        for n, p in enumerate(r):
            assert p.out_size == 20 + n % 10
            # every thread sees plans equal to a fresh computation
            np.testing.assert_array_equal(p.weight, results[0][n].weight)


def test_fixed_point_cache_only_for_shared_plans() -> None:
    from pixelgrid import _plan

    p = _plan.plan(12, 5, kernel="cubic")
    f1 = _plan.fixed_point(p, 14)
    assert _plan.fixed_point(p, 14) is f1
    assert _plan.fixed_point(p, 13) is not f1
    assert _plan.fixed_point(p, 14, exact_sum=False) is not f1
    # a caller-built (writeable) plan may change between calls: never cached
    q = AxisPlan(p.in_size, p.out_size, p.index, p.weight.copy(), p.fill.copy(),
                 p.fill_value, p.coord)
    assert _plan.fixed_point(q, 14) is not _plan.fixed_point(q, 14)
    np.testing.assert_array_equal(_plan.fixed_point(q, 14).fixed.weights, f1.fixed.weights)


# ----------------------------------------------------------------------------------------
# 22-bit (Pillow precision) 8-bit weights: split-weight SIMD kernels and group tables
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_22bit_weights_simd_paths(channels: int) -> None:
    from pixelgrid._plan import fixed_point, plan

    rng = np.random.default_rng(40 + channels)
    sizes = ((37, 29, 80, 61), (64, 50, 16, 12), (45, 96, 33, 31), (20, 19, 20, 40))
    for h, w, oh, ow in sizes:
        for kernel, aa in (("linear", False), ("cubic", True), ("lanczos3", True)):
            # the weights of pixelgrid's default 8-bit model (22 fractional bits) do not
            # fit int16: the kernels split them as hi * 256 + lo
            ph = fixed_point(plan(h, oh, kernel=kernel, antialias=aa), 22)
            pw = fixed_point(plan(w, ow, kernel=kernel, antialias=aa), 22)
            assert int(np.abs(pw.fixed.weights).max()) >= 2**15
            for dtype in (np.uint8, np.int8):
                x = random_input(rng, (h, w, channels), dtype)
                for plans in ([(0, ph), (1, pw)], [(1, pw), (0, ph)], [(1, pw)]):
                    for threads in (1, 2):
                        y = native.apply_plans(x, plans, threads=threads)
                        check(y, oracle(x, plans), x, plans)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 3])
def test_row_batches_and_chunks_match_oracle(dtype: type, channels: int) -> None:
    # Real (monotone, gap-free) vertical windows with the W axis first: the engine then
    # resamples input rows in batches and splits the rows into chunks that threads take
    # from each other.  Every thread count must give the oracle's (identical) result.
    from pixelgrid._plan import fixed_point, plan

    rng = np.random.default_rng(21)
    h, w = 150, 96
    x = random_input(rng, (2, h, w, channels), dtype)
    for oh, ow, kernel in ((201, 131, "linear"), (299, 67, "cubic"), (61, 190, "linear")):
        ph = plan(h, oh, kernel=kernel, boundary="clamp")
        pw = plan(w, ow, kernel=kernel, boundary="clamp")
        if np.dtype(dtype).kind != "f":
            ph, pw = fixed_point(ph, 14), fixed_point(pw, 14)
        plans = [(2, pw), (1, ph)]
        ref = oracle(x, plans)
        y1 = native.apply_plans(x, plans, threads=1)
        check(y1, ref, x, plans)
        for threads in (2, 3, 5):
            np.testing.assert_array_equal(native.apply_plans(x, plans, threads=threads), y1)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("kernel", ["linear", "cubic"])
def test_float32_variable_blocks_match_oracle(channels: int, kernel: str) -> None:
    # Upsampling by < 2 along W: the float32 horizontal kernel then uses variable-length
    # blocks (one load + permute per tap, overlapping 8-float stores).  The tables must
    # be chosen and the result must equal the float64 oracle to float32 precision, on
    # both pass orders and with the last blocks of a row computed without SIMD.
    from pixelgrid._plan import plan

    rng = np.random.default_rng(31 + channels)
    for w, ow in ((75, 100), (750, 999), (13, 17), (40, 41)):
        pw = plan(w, ow, kernel=kernel)
        ph = plan(11, 15, kernel=kernel)
        tables = native._with_perm(pw, channels)
        assert tables.perm is not None and tables.perm.blocks is not None
        assert tables.perm.two_phase is None  # not a 2x upsampling: no two-phase tables
        starts = np.asarray(tables.perm.blocks)
        assert starts[0] == 0 and starts[-1] == ow * channels
        x = random_input(rng, (11, w, channels), np.float32)
        for plans in ([(1, pw)], [(0, ph), (1, pw)], [(1, pw), (0, ph)]):
            for threads in (1, 2):
                y = native.apply_plans(x, plans, threads=threads)
                check(y, oracle(x, plans), x, plans)


def test_float32_variable_blocks_bad_tables() -> None:
    # The extension re-checks the tables it is given: a block longer than 8 elements or
    # a load past the end of the row is a ValueError, not a memory error.
    from pixelgrid._plan import plan

    pw = plan(75, 100, kernel="linear")
    tables = native._with_perm(pw, 3)
    perm = tables.perm
    x = np.zeros((1, 75, 3), np.float32)
    out = np.empty((1, 100, 3), np.float32)
    bad_starts = np.array(perm.blocks)
    bad_starts[1] = 9
    bad_base = np.array(perm.base)
    bad_base[0] = 75 * 3 - 8
    for change in ({"blocks": bad_starts}, {"base": bad_base}):
        bad = native._prepare(pw, "f32").tables.with_tables(perm=_perm_with(perm, **change))
        with pytest.raises(ValueError, match="perm"):
            _single(x, out, dtype=4, B=1, C=3, plan=bad)


_PERM_FIELDS = ("channels", "base", "rel", "weight", "bias", "blocks", "two_phase")
_PHASE_FIELDS = ("e0", "e1", "b0", "b1", "offset", "weight", "bias")
_SMALL_FIELDS = ("shift", "base", "mask", "weight", "bias")
_GROUP_FIELDS = ("channels", "pairs", "base", "mask", "weight", "bias", "small")


def _remade(cls: Any, obj: Any, fields: tuple[str, ...], **change: Any) -> Any:
    """A copy of the read-only native table ``obj`` with some fields changed."""
    return cls(**{**{f: getattr(obj, f) for f in fields}, **change})


def _perm_with(perm: Any, **change: Any) -> Any:
    return _remade(native._ext.PermTables, perm, _PERM_FIELDS, **change)


def _without_phase(p: Any, tables: Any) -> Any:
    """``tables`` (the float32 form of ``p``) without its two-phase tables."""
    return native._prepare(p, "f32").tables.with_tables(
        perm=_perm_with(tables.perm, two_phase=None))


@pytest.mark.parametrize("kernel", ["linear", "cubic", "lanczos3"])
@pytest.mark.parametrize("boundary", ["renormalize", "constant"])
def test_float32_two_phase_tables(kernel: str, boundary: str) -> None:
    # 2x upsampling of one channel repeats every two outputs: the float32 horizontal
    # kernel computes 8 positions per phase and interleaves them (2, 4 and 6 taps; a
    # constant border adds a bias near the edges).  Every output must equal the
    # variable-block kernel's bit for bit (same FMA order) and the oracle, in both
    # pass orders, at 1 and 2 threads, for row lengths that leave ragged edges.
    from pixelgrid._plan import plan

    rng = np.random.default_rng(41)
    for w in (32, 100, 257, 512):
        pw = plan(w, 2 * w, kernel=kernel, boundary=boundary, fill_value=3.0)
        ph = plan(7, 14, kernel=kernel, boundary=boundary, fill_value=3.0)
        tables = native._with_perm(pw, 1)
        phase = tables.perm.two_phase
        assert phase is not None
        fe0, fe1 = phase.e0, phase.e1
        assert fe0 % 2 == 0 and (fe1 - fe0) % 16 == 0 and fe1 - fe0 >= 2 * w - 64
        x = random_input(rng, (7, w, 1), np.float32)
        out = np.empty((1, 7, 2 * w, 1), np.float32)
        blocks = np.empty_like(out)
        _single(x[None], out, dtype=4, B=7, C=1, plan=tables)
        _single(x[None], blocks, dtype=4, B=7, C=1, plan=_without_phase(pw, tables))
        np.testing.assert_array_equal(out, blocks)
        for plans in ([(1, pw)], [(0, ph), (1, pw)], [(1, pw), (0, ph)]):
            for threads in (1, 2):
                y = native.apply_plans(x, plans, threads=threads)
                check(y, oracle(x, plans), x, plans)
    # Corner-aligned 257 -> 513 is periodic too (output o samples input o / 2).
    pa = plan(257, 513, kernel=kernel, grid="align_corners")
    tables = native._with_perm(pa, 1)
    assert tables.perm.two_phase is not None
    x = random_input(rng, (3, 257, 1), np.float32)
    out = np.empty((1, 3, 513, 1), np.float32)
    blocks = np.empty_like(out)
    _single(x[None], out, dtype=4, B=3, C=1, plan=tables)
    _single(x[None], blocks, dtype=4, B=3, C=1, plan=_without_phase(pa, tables))
    np.testing.assert_array_equal(out, blocks)
    check(out[0], oracle(x, [(1, pa)]), x, [(1, pa)])
    # Not periodic: align_corners=True 512 -> 1024, 3x, several channels.
    assert native._with_perm(plan(512, 1024, grid="align_corners"), 1).perm.two_phase is None
    assert native._with_perm(plan(512, 1536, kernel=kernel), 1).perm.two_phase is None
    assert native._with_perm(plan(512, 1024, kernel=kernel), 3).perm.blocks is not None
    assert native._with_perm(plan(512, 1024, kernel=kernel), 3).perm.two_phase is None


def test_float32_two_phase_bad_tables() -> None:
    # The extension re-checks the two-phase range and offsets: a range that is not whole
    # steps, runs past the row, leaves a gap to the blocks, or loads past the input is
    # a ValueError, not a memory error.
    from pixelgrid._plan import plan

    pw = plan(100, 200)
    tables = native._with_perm(pw, 1)
    ph = tables.perm.two_phase
    fe0, fe1, fb0, fb1 = ph.e0, ph.e1, ph.b0, ph.b1
    x = np.zeros((1, 100, 1), np.float32)
    out = np.empty((1, 200, 1), np.float32)
    bad_off = np.array(ph.offset)
    bad_off[1] = 100 - fe1 // 2
    for change in ({"e0": fe0 + 1}, {"e1": fe1 + 2},
                   {"e1": fe1 + 16 * ((200 - fe1) // 16 + 1)},
                   {"b0": fb0 - 1}, {"b1": fb1 + 1}, {"offset": bad_off},
                   {"weight": np.array(ph.weight)[:1]}):
        phase = _remade(native._ext.TwoPhaseTables, ph, _PHASE_FIELDS, **change)
        bad = native._prepare(pw, "f32").tables.with_tables(
            perm=_perm_with(tables.perm, two_phase=phase))
        with pytest.raises(ValueError, match="two-phase"):
            _single(x, out, dtype=4, B=1, C=1, plan=bad)


def test_compiled_calls_cache_is_keyed_by_plans_shape_and_dtype() -> None:
    # apply_plans memoises its extension calls per (plans, shape, dtype): repeated calls
    # must give the oracle's result, other shapes/dtypes/plans must not reuse an entry,
    # and the memo stays bounded.
    from pixelgrid._plan import plan

    rng = np.random.default_rng(41)
    pa, pb = plan(20, 27, kernel="linear"), plan(20, 13, kernel="cubic")
    for dtype in (np.float32, np.float64):
        for shape in ((20, 20, 3), (20, 20, 1), (20, 20)):
            x = random_input(rng, shape, dtype)
            for plans in ([(0, pa), (1, pb)], [(0, pb), (1, pa)], [(1, pa)]):
                ref = oracle(x, plans)
                for _ in range(2):
                    check(native.apply_plans(x, plans, threads=2), ref, x, plans)
    for n in range(native._CALLS_MAX + 5):
        p = plan(20, 21 + n, kernel="linear")
        native.apply_plans(np.ones((20, 2), np.float32), [(0, p)], threads=1)
    assert len(native._calls) <= native._CALLS_MAX


def test_repeated_resize_calls_keep_checks_and_results() -> None:
    # resize memoises its plans per (shape, arguments) and apply_plans its calls: a
    # repeated call equals the first (and the reference engine), and arguments equal to
    # a memoised call but of another type (2.0, True for 2) still fail their checks.
    import pixelgrid

    rng = np.random.default_rng(51)
    x = rng.random((30, 20, 3)).astype(np.float32)
    first = pixelgrid.resize(x, (41, 27), antialias=False)
    ref = pixelgrid.resize(x, (41, 27), antialias=False, engine="reference")
    for _ in range(3):
        y = pixelgrid.resize(x, (41, 27), antialias=False)
        np.testing.assert_array_equal(y, first)
        assert not np.may_share_memory(y, first)
    np.testing.assert_allclose(first, ref, atol=1e-5)
    with pytest.raises(TypeError, match=r"size=41\.0 must be an integer"):
        pixelgrid.resize(x, (41.0, 27), antialias=False)
    with pytest.raises(TypeError, match="size=True must be an integer"):
        pixelgrid.resize(x, (True, 27), antialias=False)
    # a non-contiguous view of the same shape takes the checked path and is right too
    xv = rng.random((30, 40, 3)).astype(np.float32)[:, ::2]
    np.testing.assert_allclose(pixelgrid.resize(xv, (41, 27), antialias=False),
                               pixelgrid.resize(xv, (41, 27), antialias=False,
                                                engine="reference"), atol=1e-5)


def small_weight_plan(rng: np.random.Generator, n_in: int, n_out: int, taps: int,
                      mag: int, shift: int) -> AxisPlan:
    """Contiguous plan whose 14-bit weights are small integers times 2**shift."""
    start = rng.integers(0, n_in - taps + 1, n_out)
    idx = start[:, None] + np.arange(taps)[None, :]
    # integer weights with sum |w| <= mag (the bound of the int16 kernel), some negative
    iw = rng.integers(-mag // (2 * taps), mag // taps + 1, (n_out, taps))
    iw[:, 0] = np.clip(iw[:, 0], -128, 127)
    over = np.abs(iw).sum(1) > mag
    iw[over] = iw[over] // 2
    fw = iw.astype(np.int64) << shift
    w = fw / 2.0**14
    fixed = FixedPoint(14, fw, np.zeros(n_out, np.int64), 1 << 13)
    return AxisPlan(n_in, n_out, idx.astype(np.int64), w, np.zeros(n_out), 0.0,
                    np.zeros(n_out), fixed)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_small_power_of_two_weights_path(dtype: type) -> None:
    # Ratios like 2x give weights that are small integers times a power of two (0.25,
    # 0.75 -> 1, 3 times 2**-2); the vertical 8-bit kernel then sums in int16.  Checked
    # against the oracle at and beyond its bound (sum |w| * 255 + bias <= 32767), for
    # odd tap counts, clamped results and row lengths around its 32-byte step.
    from pixelgrid._plan import fixed_point, plan

    rng = np.random.default_rng(77)
    for taps, mag, shift in ((2, 4, 12), (1, 1, 13), (3, 100, 6), (4, 127, 6), (5, 128, 5),
                             (2, 129, 5), (6, 200, 3), (2, 60, 0)):
        for n_out, width in ((37, 31), (20, 32), (64, 97), (9, 5)):
            ph = small_weight_plan(rng, 23, n_out, taps, mag, shift)
            x = random_input(rng, (23, width), dtype)
            for plans in ([(0, ph)], [(0, ph), (1, linear_plan(width, 2 * width))]):
                plans = [(a, p if p.fixed is not None else fixed_point(p, 14)) for a, p in plans]
                y = native.apply_plans(x, plans, threads=1)
                check(y, oracle(x, plans), x, plans)
    # real 2x and 4x bilinear plans and 2x box downscaling, with a fill border
    for h, oh, kw in ((40, 80, {}), (33, 132, {}), (64, 32, {"kernel": "box"}),
                      (20, 40, {"boundary": "constant", "fill_value": 7.0})):
        ph = fixed_point(plan(h, oh, **kw), 14)
        pw = fixed_point(plan(45, 90, **kw), 14)
        x = random_input(rng, (h, 45, 3), dtype)
        for plans in ([(0, ph), (1, pw)], [(1, pw), (0, ph)]):
            y = native.apply_plans(x, plans, threads=2)
            check(y, oracle(x, plans), x, plans)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_power_of_two_rows_and_paired_rows_match_oracle(dtype: type) -> None:
    # Rows of 512 and 1024 floats share L1 sets, so the engine batches fewer of them;
    # upsampling pairs output rows that read the same input rows (float32), including
    # windows whose zero weights differ (3x cubic has exact zeros on the grid points).
    from pixelgrid._plan import fixed_point, plan
    from pixelgrid.kernels import cubic

    rng = np.random.default_rng(91)
    for b, h, w, oh, ow, kw in ((3, 16, 512, 32, 1024, {}),
                                (2, 12, 256, 36, 768, {"kernel": cubic(-0.75)}),
                                (2, 20, 1024, 41, 512, {}),
                                (1, 9, 384, 27, 1152, {"kernel": "lanczos3"})):
        ph, pw = plan(h, oh, **kw), plan(w, ow, **kw)
        if np.dtype(dtype).kind != "f":
            ph, pw = fixed_point(ph, 14), fixed_point(pw, 14)
        x = random_input(rng, (b, h, w), dtype)
        for plans in ([(1, ph), (2, pw)], [(2, pw), (1, ph)], [(2, pw)]):
            ref = oracle(x, plans)
            y1 = native.apply_plans(x, plans, threads=1)
            check(y1, ref, x, plans)
            for threads in (2, 3):
                np.testing.assert_array_equal(native.apply_plans(x, plans, threads=threads), y1)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_small_weights_horizontal_byte_pairs(dtype: type, channels: int) -> None:
    # The horizontal 8-bit kernel sums byte pairs in int16 when every weight and bias of
    # the axis is a small integer times a common power of two (<= 2 taps).  Random such
    # plans (some negative weights, clamped results, the int16 bound) and real 2x / 4x
    # bilinear plans with and without a fill border, against the oracle.
    from pixelgrid._plan import fixed_point, plan

    rng = np.random.default_rng(300 + channels)
    for taps, mag, shift in ((2, 4, 12), (1, 1, 13), (2, 100, 6), (2, 127, 5), (2, 128, 5),
                             (1, 127, 6), (2, 90, 0)):
        for n_out in (5, 16, 37, 64, 101):
            pw = small_weight_plan(rng, 40, n_out, taps, mag, shift)
            x = random_input(rng, (7, 40, channels), dtype)
            for plans in ([(1, pw)], [(1, pw), (0, fixed_point(linear_plan(7, 15), 14))],
                          [(0, fixed_point(linear_plan(7, 15), 14)), (1, pw)]):
                for threads in (1, 2):
                    y = native.apply_plans(x, plans, threads=threads)
                    check(y, oracle(x, plans), x, plans)
    for w, ow, kw in ((50, 100, {}), (33, 132, {}), (64, 128, {"boundary": "constant",
                                                                 "fill_value": 9.0})):
        pw = fixed_point(plan(w, ow, **kw), 14)
        tables = native._with_groups(pw, native._prepare(pw, "i32"), channels)
        if not kw:  # 2x / 4x bilinear: the byte-pair tables are built
            assert tables.groups is not None and tables.groups.small is not None
        x = random_input(rng, (5, w, channels), dtype)
        for plans in ([(1, pw)], [(0, fixed_point(plan(5, 10), 14)), (1, pw)]):
            y = native.apply_plans(x, plans, threads=2)
            check(y, oracle(x, plans), x, plans)
    # 1.5x: weights like 1/3 are not small after any power of two: no byte-pair tables
    p15 = fixed_point(plan(40, 60), 14)
    tables = native._with_groups(p15, native._prepare(p15, "i32"), channels)
    assert tables.groups is None or tables.groups.small is None


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_small_weights_byte_pairs_at_the_int16_bound(dtype: type) -> None:
    # Extreme inputs (all 255 / -128 / 127) with reduced weights near the bound: the
    # byte-pair tables are built while maddubs cannot saturate and the total fits int16,
    # and refused beyond (127 + 2 = 129 > 128 would saturate at x = 255).
    def const_plan(w0: int, w1: int) -> AxisPlan:
        n_in, n_out = 40, 64
        start = np.arange(n_out) * (n_in - 2) // (n_out - 1)
        idx = start[:, None] + np.arange(2)[None, :]
        fw = np.tile(np.array([w0, w1], np.int64), (n_out, 1))
        fixed = FixedPoint(14, fw, np.zeros(n_out, np.int64), 1 << 13)
        return AxisPlan(n_in, n_out, idx, fw / 2.0**14, np.zeros(n_out), 0.0, np.zeros(n_out),
                        fixed)

    info = np.iinfo(dtype)
    for (w0, w1), built in (((63 << 8, 1 << 8), True), ((-(16 << 8), 80 << 8), True),
                            ((127 << 6, 2 << 6), False)):
        pw = const_plan(w0, w1)
        tables = native._with_groups(pw, native._prepare(pw, "i32"), 3)
        assert (tables.groups is not None and tables.groups.small is not None) == built
        for fill in (info.max, info.min, None):
            if fill is None:
                x = np.where(np.random.default_rng(5).random((4, 40, 3)) < 0.5, info.min,
                             info.max).astype(dtype)
            else:
                x = np.full((4, 40, 3), fill, dtype)
            y = native.apply_plans(x, [(1, pw)], threads=1)
            check(y, oracle(x, [(1, pw)]), x, [(1, pw)])


def test_small_weights_byte_pairs_bad_tables() -> None:
    # The extension re-checks the byte-pair tables: a shuffle index past its 16 bytes, a
    # load past the row or a shift the int16 sum cannot take is a ValueError.
    from pixelgrid._plan import fixed_point, plan

    pw = fixed_point(plan(50, 100), 14)
    tables = native._with_groups(pw, native._prepare(pw, "i32"), 3)
    g = tables.groups
    assert g.small is not None
    x = np.zeros((1, 50, 3), np.uint8)
    out = np.empty((1, 100, 3), np.uint8)
    _single(x, out, dtype=0, B=1, C=3, plan=tables)  # the good tables run
    bad_mask = np.array(g.small.mask)
    bad_mask.reshape(-1)[5] = 16
    bad_base = np.array(g.small.base)
    bad_base.reshape(-1)[3] = 50 * 3 - 15
    for change in ({"mask": bad_mask}, {"base": bad_base}, {"shift": 16}):
        small = _remade(native._ext.SmallGroupTables, g.small, _SMALL_FIELDS, **change)
        bad = native._prepare(pw, "i32").tables.with_tables(
            groups=_remade(native._ext.GroupTables, g, _GROUP_FIELDS, small=small))
        with pytest.raises(ValueError, match="small-weight"):
            _single(x, out, dtype=0, B=1, C=3, plan=bad)


# ----------------------------------------------------------------------------------------
# The SIMD tables, built in C++ beside the kernels that read them (csrc/*_tables.cpp)
# ----------------------------------------------------------------------------------------
def test_two_phase_tables_of_2x_bilinear_by_hand() -> None:
    # 2x bilinear on the half-pixel grid: output o samples input o/2 - 1/4, so output 2j
    # reads inputs j-1, j with weights 1/4, 3/4 and output 2j+1 reads j, j+1 with 3/4,
    # 1/4 (offsets -1 and 0, no bias).  The clamped first and last outputs read one
    # pixel and break the pattern: the range is outputs 2 .. 2n-2, cut to whole steps
    # of 16 outputs from 2.
    from pixelgrid._plan import plan

    for n in (64, 100, 257):
        ph = native._with_perm(plan(n, 2 * n), 1).perm.two_phase
        assert ph is not None
        np.testing.assert_array_equal(np.asarray(ph.offset), [-1, 0])
        np.testing.assert_array_equal(np.asarray(ph.weight).reshape(2, 2),
                                      [[0.25, 0.75], [0.75, 0.25]])
        np.testing.assert_array_equal(np.asarray(ph.bias), [0.0, 0.0])
        assert (ph.e0, ph.e1) == (2, 2 + (2 * n - 3) // 16 * 16)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_float32_fixed_block_tables_match_oracle(channels: int) -> None:
    # Downsampling by about 2: variable blocks would hold few outputs each, so the
    # float32 horizontal kernel takes fixed blocks of 8 (two permutes and a blend per
    # tap) instead; both pass orders, against the oracle.
    from pixelgrid._plan import plan

    n, m, kernel = {1: (100, 51, "linear"), 2: (100, 48, "linear"), 3: (64, 27, "box"),
                    4: (100, 42, "linear")}[channels]
    rng = np.random.default_rng(61 + channels)
    pw, ph = plan(n, m, kernel=kernel), plan(9, 13, kernel=kernel)
    tables = native._with_perm(pw, channels)
    assert tables.perm is not None and tables.perm.blocks is None
    assert tables.perm.two_phase is None
    x = random_input(rng, (9, n, channels), np.float32)
    for plans in ([(1, pw)], [(0, ph), (1, pw)], [(1, pw), (0, ph)]):
        for threads in (1, 2):
            y = native.apply_plans(x, plans, threads=threads)
            check(y, oracle(x, plans), x, plans)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_group_tables_with_split_weights_match_oracle(dtype: type, channels: int) -> None:
    # 22-bit weights (Pillow's precision) do not fit int16: the 8-bit kernels take each
    # as hi * 256 + lo and the weight quads and group tables hold both parts.  Up and
    # down, 2 to 6 taps, against the oracle.
    from pixelgrid._plan import fixed_point, plan

    rng = np.random.default_rng(71 + channels)
    for n, m, kernel in ((40, 67, "cubic"), (97, 130, "linear"), (64, 50, "lanczos3")):
        pw = fixed_point(plan(n, m, kernel=kernel), 22)
        ph = fixed_point(plan(7, 12, kernel=kernel), 22)
        pr = native._prepare(pw, "i32")
        assert pr.tables.split and pr.tables.quads is not None
        tables = native._with_groups(pw, pr, channels)
        assert tables.groups is not None and tables.groups.channels == channels
        x = random_input(rng, (7, n, channels), dtype)
        for plans in ([(1, pw)], [(0, ph), (1, pw)], [(1, pw), (0, ph)]):
            y = native.apply_plans(x, plans, threads=2)
            check(y, oracle(x, plans), x, plans)


def test_wide_model_first_pass_byte_pair_tables() -> None:
    # pixelgrid's own uint8 2x bilinear resize (the wide model, W first into an int16
    # intermediate): the first pass takes the byte-pair tables with a left shift
    # (shift < 0); the result must be the model's definition.
    from pixelgrid._arrays import own_fixed
    from pixelgrid._resize import make_plans

    rng = np.random.default_rng(81)
    x = random_input(rng, (32, 40, 3), np.uint8)
    plans = own_fixed(make_plans(x.shape, (64, 80), kernel="linear", antialias=False),
                      x.dtype)
    calls = native._calls_for(x, [(a, p) for a, p in plans if not p.is_identity])
    tables = [t for c in calls if c.kind != "gather"
              for t in ((c.step.plan,) if c.kind == "single" else (c.step.plan_h, c.step.plan_w))]
    shifts = [t.groups.small.shift for t in tables
              if t.groups is not None and t.groups.small is not None]
    assert shifts and min(shifts) < 0
    check(native.apply_plans(x, plans, threads=2), wide_oracle(x, plans), x, plans)


def test_kernel_form_from_plan_by_hand() -> None:
    # AxisTables.from_plan turns a plan's taps into windows: a clamped edge read twice
    # merges its weights (1 + 2 at input 0), a wrap-around row (inputs 4 then 0 of 5)
    # becomes one 5-wide window with zeros in between, but not for float64, whose sums
    # must keep the plan's tap order: it keeps per-tap indices there.
    ext = native._ext
    idx = np.array([[0, 0, 1], [1, 2, 3]], np.int64)
    t = ext.AxisTables.from_plan(n_in=5, n_out=2, bits=2, index=idx,
                                 weight=np.array([[1, 2, 3], [1, 1, 2]], np.int64),
                                 bias=np.array([7, 8], np.int32))
    assert t.windowed and t.taps == 3 and t.quads is not None and not t.split
    np.testing.assert_array_equal(t.start, [0, 1])
    np.testing.assert_array_equal(t.weight, [3, 3, 0, 1, 1, 2])
    assert t.weight.dtype == np.int32
    wrap = np.array([[4, 0]], np.int64)
    half = np.array([[0.5, 0.5]])
    f32 = ext.AxisTables.from_plan(n_in=5, n_out=1, bits=0, index=wrap, weight=half,
                                   bias=np.zeros(1, np.float32))
    assert f32.windowed and f32.taps == 5
    np.testing.assert_array_equal(f32.weight, [0.5, 0, 0, 0, 0.5])
    f64 = ext.AxisTables.from_plan(n_in=5, n_out=1, bits=0, index=wrap, weight=half,
                                   bias=np.zeros(1))
    assert not f64.windowed and f64.taps == 2
    np.testing.assert_array_equal(f64.index, [4, 0])
    with pytest.raises(ValueError, match="bias must be"):
        ext.AxisTables.from_plan(n_in=5, n_out=1, bits=0, index=wrap, weight=half,
                                 bias=np.zeros(1, np.int16))
    with pytest.raises(ValueError, match="plan index out of range"):
        ext.AxisTables.from_plan(n_in=4, n_out=1, bits=0, index=wrap, weight=half,
                                 bias=np.zeros(1))


def test_simd_tables_are_built_once_per_plan_and_checked() -> None:
    # The tables are cached per plan and channel count; the builders refuse weights of
    # another accumulator type (they would misread them).
    from pixelgrid._plan import fixed_point, plan

    p = plan(75, 100)
    assert native._with_perm(p, 3) is native._with_perm(p, 3)
    assert native._with_perm(p, 3) is not native._with_perm(p, 2)
    pf = fixed_point(p, 14)
    pr = native._prepare(pf, "i32")
    assert native._with_groups(pf, pr, 3) is native._with_groups(pf, pr, 3)
    with pytest.raises(ValueError, match="perm tables need float32"):
        pr.tables.with_perm(channels=3)
    with pytest.raises(ValueError, match="group tables need int32"):
        native._prepare(p, "f32").tables.with_groups(channels=3)


def test_wide_rows_small_batches_match_oracle() -> None:
    # Rows of ~48 KiB: the engine batches 4 of them (its buffer holds ~192 KiB), or
    # rings 3 ahead when the W axis goes first.
    from pixelgrid._plan import plan

    rng = np.random.default_rng(17)
    for h, oh in ((6, 13), (13, 6)):
        x = random_input(rng, (h, 3072, 4), np.float32)
        ph, pw = plan(h, oh), plan(3072, 3100)
        for plans in ([(0, ph), (1, pw)], [(1, pw), (0, ph)]):
            ref = oracle(x, plans)
            y = native.apply_plans(x, plans, threads=1)
            check(y, ref, x, plans)
            np.testing.assert_array_equal(native.apply_plans(x, plans, threads=2), y)


def test_float32_rows_at_every_alignment_give_the_same_values() -> None:
    # The float32 vertical kernels compute the outputs before a row's first 32-byte
    # boundary without SIMD.  Rows of 1027 floats start at every 4-byte offset modulo
    # 32, so each row splits at a different place: every row must still equal the same
    # row computed alone (another address) and the oracle.
    from pixelgrid._plan import plan

    rng = np.random.default_rng(23)
    x = random_input(rng, (8, 5, 400), np.float32)
    for ph, pw in ((plan(5, 11), plan(400, 1027)), (plan(5, 9), plan(400, 1027, kernel="cubic"))):
        plans = [(1, ph), (2, pw)]
        y = native.apply_plans(x, plans, threads=1)
        check(y, oracle(x, plans), x, plans)
        for b in range(x.shape[0]):
            # image b alone: its rows start 4*b bytes (mod 32) away from where they were
            alone = native.apply_plans(x[b:b + 1], plans, threads=1)
            np.testing.assert_array_equal(alone, y[b:b + 1])



@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_float32_h_first_pairs_over_images_and_chunks_match_oracle(channels: int) -> None:
    # A float32 pair with the H axis first (csrc/kernels.h pair_impl, !h_first) combines
    # blocks of output rows, then sweeps each block horizontally with the row tables.
    # Blocks and threads' chunks cross image boundaries (3 images of odd sizes, 1-3
    # threads); rows hold NaN and infinities.  Every thread count must give the same
    # values, and the oracle's to float32 precision on finite data.
    from pixelgrid._plan import plan

    rng = np.random.default_rng(31 + channels)
    h, w = 61, 97
    x = random_input(rng, (3, h, w, channels), np.float32)
    bad = x.copy()
    bad[1, 7, 5] = np.nan
    bad[2, 30, 11] = np.inf
    bad[0, 60, 96] = -np.inf
    for oh, ow, kernel in ((80, 131, "linear"), (47, 75, "cubic"), (122, 201, "lanczos3")):
        ph, pw = plan(h, oh, kernel=kernel), plan(w, ow, kernel=kernel)
        plans = [(1, ph), (2, pw)]
        calls = native._calls_for(x, plans)
        assert [c.kind for c in calls] == ["pair"] and calls[0].step.h_first == 0  # H first
        y1 = native.apply_plans(x, plans, threads=1)
        check(y1, oracle(x, plans), x, plans)
        yb = native.apply_plans(bad, plans, threads=1)
        for threads in (2, 3):
            np.testing.assert_array_equal(native.apply_plans(x, plans, threads=threads), y1)
            np.testing.assert_array_equal(native.apply_plans(bad, plans, threads=threads), yb)

# ----------------------------------------------------------------------------------------
# The wide model (pixelgrid's own integer resize: one rounding at the end)
# ----------------------------------------------------------------------------------------
def wide_oracle(x: np.ndarray, plans: list[tuple[int, AxisPlan]]) -> np.ndarray:
    """The wide model from its definition, in Python integers, without the zero point.

    v_1 = floor((sum w x + F + 2**(b-f-1)) / 2**(b-f)); later passes
    floor((sum w v + F 2**f + 2**(b-1)) / 2**b); the last one shifts by b + f and
    clips.  ``f`` is taken from the model's choice (``wide_passes``) and every
    intermediate is checked to fit the int16 / int32 intermediate around its zero point.
    """
    from pixelgrid._engines.reference import wide_dtype, wide_passes

    weighted = [p for _, p in plans if not p.is_gather]
    if len(weighted) < 2:
        return oracle(x, plans)  # one rounding anyway: the per-axis model
    roles = wide_passes(x.dtype, weighted)
    assert roles is not None
    f = weighted[0].fixed.bits - roles[0].shift
    info, mid = np.iinfo(x.dtype), np.iinfo(wide_dtype(x.dtype))
    z = ((int(info.min) + int(info.max) + 1) // 2) << f
    y = x.astype(object)
    j = 0
    for axis, p in plans:
        if p.is_gather:
            y = np.take(y, p.index[:, 0], axis=axis)
            continue
        fx = p.fixed
        m = dense(p, fx.weights).astype(object)
        acc = np.tensordot(m, np.moveaxis(y, axis, 0), axes=1)
        fill = (fx.fill.astype(object) * round(p.fill_value)).reshape(
            (p.out_size,) + (1,) * (acc.ndim - 1))
        last = j == len(weighted) - 1
        scale = 1 if j == 0 else 1 << f
        shift = fx.bits - f if j == 0 else fx.bits + (f if last else 0)
        v = (acc + fill * scale + (1 << (shift - 1))) // (1 << shift)
        if not last:
            assert mid.min <= (v - z).min() and (v - z).max() <= mid.max
        else:
            v = np.clip(v, int(info.min), int(info.max))
        y = np.moveaxis(v, 0, axis)
        j += 1
    return y.astype(x.dtype)


def _wide(plans: list[tuple[int, AxisPlan]]) -> list[tuple[int, AxisPlan]]:
    import dataclasses

    return [(a, p if p.is_gather else dataclasses.replace(
        p, arithmetic=p.arithmetic.replace(intermediate="wide"))) for a, p in plans]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("kernel", ["linear", "cubic", "lanczos3", "area", "gaussian"])
def test_wide_model_real_plans_against_oracle(dtype: type, kernel: str) -> None:
    # pixelgrid's own plans (own_fixed: W first, 16-22-bit first-pass weights), every
    # channel count the kernels special-case, up and down, against the definition and
    # the reference engine, bitwise, at 1 and 3 threads.
    from pixelgrid._arrays import own_fixed
    from pixelgrid._engines.reference import apply_plans as reference
    from pixelgrid._resize import make_plans

    rng = np.random.default_rng(31)
    for shape, size, aa in (((37, 53, 3), (80, 41), True), ((32, 32, 3), (64, 64), False),
                            ((64, 64, 4), (16, 16), True), ((50, 70, 1), (33, 150), True),
                            ((20, 30, 5), (45, 12), True), ((48, 64, 2), (96, 128), False)):
        x = random_input(rng, shape, dtype)
        plans = own_fixed(make_plans(x.shape, size, kernel=kernel, antialias=aa), x.dtype)
        ref = wide_oracle(x, plans)
        np.testing.assert_array_equal(reference(x, plans), ref)
        for threads in (1, 3):
            check(native.apply_plans(x, plans, threads=threads), ref, x, plans)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_wide_model_orders_axes_and_fills(dtype: type) -> None:
    # H first (a pair the other way round), three axes (single steps through the
    # intermediate), non-adjacent axes, gathers in between and random plans with
    # negative weights and fill values.
    import dataclasses

    rng = np.random.default_rng(37)
    x = random_input(rng, (9, 11, 13, 2), dtype)
    for seed in range(4):
        r = np.random.default_rng(seed)
        ph = random_plan(r, 9, 14, fill=True, bits=15)
        pw = random_plan(r, 11, 6, fill=seed % 2 == 0, bits=15)
        pd = random_plan(r, 13, 20, bits=15)
        g = gather_plan(r, 11, 7)
        for plans in ([(0, ph), (1, pw)], [(1, pw), (0, ph)], [(0, ph), (1, pw), (2, pd)],
                      [(2, pd), (0, ph)], [(1, g), (0, ph), (2, pd)]):
            wide = _wide(plans)
            ref = wide_oracle(x, wide)
            for threads in (1, 2):
                check(native.apply_plans(x, wide, threads=threads), ref, x, wide)
    # a plan whose intermediate cannot fit (a huge overshoot): the per-axis model applies
    big = random_plan(np.random.default_rng(5), 9, 9, bits=14)
    w = np.zeros_like(big.weight)
    w[:, 0], w[:, -1] = 300.0, -299.0
    fx = FixedPoint(14, np.round(w * 2**14).astype(np.int64), big.fixed.fill, 1 << 13)
    big = dataclasses.replace(big, weight=w, fixed=fx)
    plans = _wide([(0, big), (1, random_plan(np.random.default_rng(6), 11, 5))])
    from pixelgrid._engines.reference import wide_passes

    fits = wide_passes(x.dtype, [p for _, p in plans]) is not None
    assert fits == (np.dtype(dtype).itemsize == 2)  # int32 has room for it, int16 not
    ref = wide_oracle(x, plans) if fits else oracle(x, plans)
    np.testing.assert_array_equal(native.apply_plans(x, plans, threads=1), ref)


def test_wide_model_bad_dtype_codes() -> None:
    ext = native._ext
    x = np.zeros((4, 5), np.uint8)
    p = random_plan(np.random.default_rng(1), 5, 3, bits=14)
    tables = native._prepare(p, "i32").tables
    with pytest.raises(ValueError, match="bad wide pass dtypes"):
        _single(x, np.zeros((4, 3), np.float32), dtype=0, B=4, C=1, plan=tables, odtype=4)
    with pytest.raises(ValueError, match="bad wide pass dtypes"):  # int32 needs int64 sums
        _single(x, np.zeros((4, 3), np.int32), dtype=0, B=4, C=1, plan=tables, odtype=6)
    ph = random_plan(np.random.default_rng(2), 4, 3, bits=14)
    with pytest.raises(ValueError, match="bad wide pair dtypes"):
        ext.pair(src=x, dst=np.zeros((3, 3), np.uint8), threads=1, step=ext.PairStep(
            dtype=0, acc64=0, h_first=0, B=1, C=1, plan_h=native._prepare(ph, "i32").tables,
            plan_w=tables, mdtype=5))


# ----------------------------------------------------------------------------------------
# float64: bit-identical to the reference engine on every path
# ----------------------------------------------------------------------------------------
def taps_in_order(x: np.ndarray, plans: list[tuple[int, AxisPlan]]) -> np.ndarray:
    """The declared float64 order, written out: per pass in the given order, the fill term
    then ``acc = acc + w_t * x[i_t]`` tap by tap in plan order, every product and sum
    rounded (numpy never fuses a multiply-add)."""
    y = x.astype(np.float64)
    for axis, p in plans:
        ym = np.moveaxis(y, axis, 0)
        shape = (p.out_size,) + (1,) * (ym.ndim - 1)
        acc = np.broadcast_to((p.fill * p.fill_value).reshape(shape),
                              (p.out_size, *ym.shape[1:])).copy()
        for t in range(p.taps):
            acc = acc + p.weight[:, t].reshape(shape) * ym[p.index[:, t]]
        y = np.moveaxis(acc, 0, axis)
    return y


def _non_window_plans() -> list[tuple[str, list[tuple[int, AxisPlan]], tuple[int, ...]]]:
    from pixelgrid import plan
    from pixelgrid.compat.scipy import zoom_plans

    cases: list[tuple[str, list[tuple[int, AxisPlan]], tuple[int, ...]]] = [
        # rows of a wrap plan read both ends of the axis: not windows
        ("scipy grid-wrap order 1", zoom_plans((2, 2000), (1, 2.5), order=1,
                                               mode="grid-wrap", grid_mode=True), (2, 2000)),
        ("scipy wrap order 3", zoom_plans((2, 700), (1, 2.5), order=3, mode="grid-wrap",
                                          grid_mode=True), (2, 700)),
        # SciPy's spline prefilter folded into the plan: many taps, reflected
        ("scipy reflect order 5", zoom_plans((3, 400), (1, 1.7), order=5, mode="reflect"),
         (3, 400)),
        ("scipy mirror order 4 2-D", zoom_plans((40, 60), (0.4, 2.3), order=4,
                                                mode="mirror"), (40, 60)),
    ]
    for bnd in ("wrap", "reflect", "symmetric", "clamp"):
        h = plan(9, 23, kernel="lanczos3", boundary=bnd)  # 6 taps on 9 pixels: folded twice
        w = plan(300, 97, kernel="cubic", antialias=True, boundary=bnd)  # ~13 taps a row
        for c in (1, 3, 5):
            cases.append((f"{bnd} H then W, C={c}", [(0, h), (1, w)], (9, 300, c)))
            cases.append((f"{bnd} W then H, C={c}", [(1, w), (0, h)], (9, 300, c)))
    return cases


@pytest.mark.parametrize("case", range(28))
def test_float64_bitwise_on_non_window_plans(case: int) -> None:
    # float64 is the reference engine's order exactly (plan order, no FMA, passes in the
    # order given), also where rows are not contiguous windows (wrap, reflected taps)
    from pixelgrid._engines import reference

    cases = _non_window_plans()
    assert len(cases) == 28
    name, plans, shape = cases[case]
    x = np.random.default_rng(case).random(shape)
    want = taps_in_order(x, plans)
    np.testing.assert_array_equal(reference.apply_plans(x, plans), want, err_msg=name)
    for threads in (1, 2):
        np.testing.assert_array_equal(native.apply_plans(x, plans, threads=threads), want,
                                      err_msg=name)
