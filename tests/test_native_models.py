"""The compiled arithmetic models against the numpy model engines (the oracle), bit for bit.

Every case builds plans the way a compat module declares them (OpenCV's routes) or
with the core ``plan`` and an :class:`~pixelgrid.Arithmetic` record, runs the numpy
model engine (:func:`pixelgrid._engines.models.apply_model`) and the compiled one
(:func:`pixelgrid._engines.native_models.apply_model`) and compares the bytes.
"""

from __future__ import annotations

import dataclasses
import zlib
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import pixelgrid
from pixelgrid._arithmetic import Arithmetic
from pixelgrid._engines import models, native_models

pytestmark = pytest.mark.skipif(not native_models.available(),
                                reason="compiled engine not built")


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    # bytes, so that -0.0 / +0.0 count too; NaN is NaN (which operand's payload an x86
    # addition propagates depends on the operand order the compiler picks)
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        assert np.array_equal(nan, np.isnan(b)), "NaNs at different places"
        a, b = np.where(nan, 0, a), np.where(nan, 0, b)
    ua, ub = a.view(np.uint8), b.view(np.uint8)
    if not np.array_equal(ua, ub):
        bad = np.flatnonzero(np.ascontiguousarray(a).ravel() != np.ascontiguousarray(b).ravel())
        raise AssertionError(f"{bad.size} elements differ, first at {bad[:5]}: "
                             f"{a.ravel()[bad[:5]]} vs {b.ravel()[bad[:5]]}")


def _check(x: np.ndarray, plans: list, threads: int = 2) -> np.ndarray:
    with np.errstate(all="ignore"):  # inf * 0 in the special-value cases
        want = models.apply_model(x, plans)
    got = native_models.apply_model(x, plans, threads=threads)
    assert got is not None, "the compiled engine declined plans it implements"
    _same(got, want)
    got1 = native_models.apply_model(x, plans, threads=1)
    assert got1 is not None
    _same(got1, want)
    return got


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 3).astype(dt)
    info = np.iinfo(dt)
    lo, hi = max(int(info.min), -10**6), min(int(info.max), 10**6)  # int32: no float32 overflow
    return rng.integers(lo, hi + 1, shape, dtype=dt)


# ------------------------------------------------------------------ float32_taps
TAPS_DTYPES = ["uint8", "int8", "uint16", "int16", "int32", "float16", "float32", "float64"]


@pytest.mark.parametrize("seed", range(12))
def test_taps_random(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dtype = TAPS_DTYPES[seed % len(TAPS_DTYPES)]
    kernel = ["linear", "cubic", "lanczos3"][seed % 3]
    ndim = 2 + seed % 2
    shape = tuple(int(v) for v in rng.integers(1, 40, ndim))
    x = _data(rng, shape, dtype)
    lanes = [0, 4, 8][seed % 3]
    store = ["half_even", "half_away", "half_up", "truncate"][seed % 4]
    arith = Arithmetic(accumulate="taps", weights="float32", simd_lanes=lanes, store=store)
    plans = []
    for axis in rng.permutation(ndim)[: 1 + seed % ndim]:
        n_out = int(rng.integers(1, 60))
        plans.append((int(axis), pixelgrid.plan(shape[axis], n_out, kernel=kernel,
                                                antialias=bool(seed % 2), arithmetic=arith)))
    _check(x, plans)


@pytest.mark.parametrize("fma", ["none", "chain", "reverse", "tail4", "pair_chain"])
@pytest.mark.parametrize("shape,axis", [((3, 2100), 1), ((2300, 2), 0), ((37, 41, 3), 1),
                                        ((37, 41, 3), 0), ((5, 19, 70), 1)])
def test_taps_fma_orders(fma: str, shape: tuple[int, ...], axis: int) -> None:
    rng = np.random.default_rng(abs(hash((fma, shape, axis))) % 2**32)
    x = rng.random(shape, dtype=np.float32)
    arith = Arithmetic(accumulate="taps", weights="float32", fma=fma)
    n = shape[axis]
    for n_out, kernel, aa in ((n * 5 // 2, "linear", False), (n // 3 + 1, "cubic", True),
                              (n * 2 + 1, "lanczos3", False)):
        p = pixelgrid.plan(n, n_out, kernel=kernel, antialias=aa, arithmetic=arith)
        _check(x, [(axis, p)])


@pytest.mark.parametrize("lanes", [4, 8])
def test_taps_vector_body_split_inside_a_row(lanes: int) -> None:
    # m = 3 * 7 = 21 elements per output row: the body ends inside the last b row
    rng = np.random.default_rng(lanes)
    x = rng.random((3, 30, 7), dtype=np.float32)
    arith = Arithmetic(accumulate="taps", weights="float32", simd_lanes=lanes)
    p = pixelgrid.plan(30, 47, kernel="cubic", arithmetic=arith)
    _check(x, [(1, p)])
    _check(np.ascontiguousarray(x.transpose(1, 0, 2)), [(0, p)])


def test_taps_thin_long_axes() -> None:
    rng = np.random.default_rng(5)
    arith = Arithmetic(accumulate="taps", weights="float32", simd_lanes=4)
    x = rng.random((2, 5000), dtype=np.float32)
    _check(x, [(1, pixelgrid.plan(5000, 2001, kernel="lanczos3", antialias=True,
                                  arithmetic=arith))])
    x = rng.random((4100, 3), dtype=np.float32)
    _check(x, [(0, pixelgrid.plan(4100, 7001, kernel="cubic", arithmetic=arith))])


def test_taps_special_values() -> None:
    x = np.array([[0.0, -0.0, np.inf, -np.inf, np.nan, 1e38, -1e38, 3.0]] * 3, np.float32)
    for fma in ("none", "chain", "reverse", "tail4", "pair_chain"):
        arith = Arithmetic(accumulate="taps", weights="float32", fma=fma)
        _check(x, [(1, pixelgrid.plan(8, 13, kernel="cubic", arithmetic=arith))])
    for dtype in ("uint8", "int16"):
        arith = Arithmetic(accumulate="taps", weights="float32")
        y = np.array([[0, 255, 3, 250, 0, 255, 7]], dtype=np.float32).astype(dtype)
        _check(y, [(1, pixelgrid.plan(7, 23, kernel="lanczos3", arithmetic=arith))])


def test_taps_store_rules_on_ties() -> None:
    # outputs at exact halves: linear 2x of alternating integers gives .25/.75, 4x gives .5
    x = np.array([[0, 3, 0, 3, 1, 2, 255, 254]], dtype=np.uint8)
    for rule in ("half_even", "half_away", "half_up", "truncate", "clip8_wrap"):
        arith = Arithmetic(accumulate="taps", weights="float32", store=rule)
        p = pixelgrid.plan(8, 16, kernel="linear", arithmetic=arith, grid="align_corners")
        _check(x, [(1, p)])
        _check(x.astype(np.int8), [(1, p)])


# ------------------------------------------------------------------ OpenCV's routes
def _cv_plans(h: int, w: int, dh: int, dw: int, interp: int, dtype: str, cn: int) -> list:
    from pixelgrid.compat import opencv as cvc

    dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, (dw, dh), 0, 0)
    # OpenCV's own code paths (ipp=False): the IPP cubic order (fma="ipp_cubic") runs on
    # the numpy model engine only, and the compiled engine declines it (tested below).
    _, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, interp, np.dtype(dtype), cn,
                             ipp=False)
    return plans


def _ipp_plans(h: int, w: int, dh: int, dw: int, cn: int, fx: float = 0,
               fy: float = 0) -> list:
    from pixelgrid.compat import opencv as cvc

    dsize = (0, 0) if fx else (dw, dh)
    dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, dsize, fx, fy)
    path, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_CUBIC,
                                np.dtype(np.uint8), cn, ipp=True)
    assert path == "ipp_cubic"
    return plans


IPP_SIZES = [  # (h, w, dh, dw): up, down, mixed, tiny, odd tails of the groups of four
    (4, 4, 9, 7), (5, 6, 4, 4), (37, 41, 55, 62), (64, 64, 96, 96), (64, 64, 31, 29),
    (100, 7, 13, 150), (7, 100, 150, 13), (48, 50, 48, 50), (33, 97, 101, 35),
    (200, 301, 67, 100), (17, 23, 170, 230),
]


@pytest.mark.parametrize("cn", [1, 3, 4])
@pytest.mark.parametrize("h,w,dh,dw", IPP_SIZES)
def test_ipp_cubic_fused(cn: int, h: int, w: int, dh: int, dw: int) -> None:
    # Intel IPP's uint8 cubic (compat.opencv, ipp=True): the fused kernel against the
    # numpy model (float32_taps._ipp_pass), every row order (groups of four, the tail,
    # the clamped edges), 1 and 2 threads; extreme data so that stores saturate.
    rng = np.random.default_rng(zlib.crc32(f"ipp {cn} {h} {w} {dh} {dw}".encode()))
    shape = (h, w) if cn == 1 else (h, w, cn)
    plans = _ipp_plans(h, w, dh, dw, cn)
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    _check(x, plans)
    _check(np.where(rng.random(shape) < 0.5, 0, 255).astype(np.uint8), plans)


@pytest.mark.parametrize("cn", [1, 3, 4])
def test_ipp_cubic_fused_warp_steps_and_wide_rows(cn: int) -> None:
    # fx/fy not equal to dsize/size: IPP's warp with the step 1/fx (same orders), and a
    # long thin image (rows of thousands of elements, the vector groups and their tails)
    rng = np.random.default_rng(cn)
    x = rng.integers(0, 256, (40, 50, cn), dtype=np.uint8)
    _check(x, _ipp_plans(40, 50, 0, 0, cn, fx=1.37, fy=0.61))
    x = rng.integers(0, 256, (6, 2111, cn), dtype=np.uint8)
    _check(x, _ipp_plans(6, 2111, 9, 3001, cn))
    _check(x, _ipp_plans(6, 2111, 5, 1003, cn))


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@pytest.mark.parametrize("build", ["avx512", "avx2", "scalar"])
@pytest.mark.parametrize("cn", [1, 3, 4])
def test_ipp_cubic_each_build(monkeypatch: pytest.MonkeyPatch, build: str, cn: int) -> None:
    # each compiled build of the fused IPP cubic kernel (AVX-512, AVX2, scalar) against the
    # numpy model: odd widths (16- and 8-element steps and tails mixed), up and down
    # (down by 3: a window per 4 elements; by 4.5: gathers), and an output of 4 MiB or
    # more split over threads; builds the CPU lacks are skipped
    from functools import partial

    from pixelgrid._engines import native

    flags = _cpu_flags()
    if build != "scalar" and not {"avx2", "fma"} <= flags:
        pytest.skip("the CPU lacks AVX2/FMA")
    if build == "avx512" and not {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        pytest.skip("the CPU lacks AVX-512 F/BW/VL/DQ")
    if not native.available():
        pytest.skip("compiled engine not built")
    monkeypatch.setattr(native._ext, "ipp_cubic",
                        partial(native._ext.ipp_cubic, simd=build != "scalar",
                                avx512=build == "avx512"))
    rng = np.random.default_rng(zlib.crc32(f"ipp build {build} {cn}".encode()))
    for h, w, dh, dw in [(37, 41, 55, 62), (33, 97, 101, 35), (6, 2111, 9, 3001),
                         (5, 1999, 4, 1003), (17, 23, 170, 230), (40, 700, 20, 233),
                         (40, 900, 20, 200), (30, 1001, 61, 1999)]:
        shape = (h, w) if cn == 1 else (h, w, cn)
        plans = _ipp_plans(h, w, dh, dw, cn)
        _check(rng.integers(0, 256, shape, dtype=np.uint8), plans)
        _check(np.where(rng.random(shape) < 0.5, 0, 255).astype(np.uint8), plans)
    h, w, dh, dw = 300, 700, 450, 3500 // cn  # 4.7 MB out, in chunks over threads
    shape = (h, w) if cn == 1 else (h, w, cn)
    _check(rng.integers(0, 256, shape, dtype=np.uint8), _ipp_plans(h, w, dh, dw, cn))


@pytest.mark.parametrize("cn", [1, 3, 4])
def test_ipp_cubic_float32_each_build(monkeypatch: pytest.MonkeyPatch, cn: int) -> None:
    # float32 rows run the AVX-512 build where the CPU has it (one two-source permute per
    # tap of a window group, groups of 8): it must equal the AVX2 and scalar builds bit
    # for bit (the AVX2 build is checked against the numpy model in test_compat_opencv_cubic)
    from functools import partial

    cv2 = pytest.importorskip("cv2")
    from pixelgrid._engines import native
    from pixelgrid.compat import opencv as pcv

    flags = _cpu_flags()
    if not native.available() or not {"avx2", "fma"} <= flags:
        pytest.skip("compiled engine with AVX2/FMA needed")
    builds = ["avx2", "scalar"]
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        builds.insert(0, "avx512")
    rng = np.random.default_rng(zlib.crc32(f"ipp f32 builds {cn}".encode()))
    orig = native._ext.ipp_cubic
    for h, w, dh, dw in [(37, 41, 55, 62), (33, 97, 101, 35), (6, 2111, 9, 3001),
                         (5, 1999, 4, 1003), (17, 23, 170, 230), (40, 900, 20, 200),
                         (300, 700, 450, 3500 // cn)]:
        shape = (h, w) if cn == 1 else (h, w, cn)
        x = rng.random(shape, dtype=np.float32) * 2 - 0.5
        got = {}
        for build in builds:
            monkeypatch.setattr(native._ext, "ipp_cubic",
                                partial(orig, simd=build != "scalar", avx512=build == "avx512"))
            got[build] = pcv.resize(x, (dw, dh), interpolation=cv2.INTER_CUBIC)
        for build in builds[1:]:
            np.testing.assert_array_equal(got[builds[0]].view(np.uint32),
                                          got[build].view(np.uint32), err_msg=build)


@pytest.mark.parametrize("cn", [1, 3, 4])
@pytest.mark.parametrize("threads", [3, 8])
@pytest.mark.parametrize("h,w,dh,dw", [(64, 300, 600, 700), (1200, 1500, 400, 500),
                                       (41, 400, 301, 799)])
def test_ipp_cubic_fused_many_chunks(cn: int, threads: int, h: int, w: int, dh: int,
                                     dw: int) -> None:
    # many chunks of output rows per thread: each thread's cache of horizontal rows is
    # kept from one chunk to the next (also chunks taken from another thread's share), and
    # consecutive output rows are stored in pairs where they share input rows (up: the
    # same rows or shifted by one; down by 3: no pairs, byte gathers along the width)
    rng = np.random.default_rng(zlib.crc32(f"ipp chunks {cn} {threads} {h} {w}".encode()))
    shape = (h, w) if cn == 1 else (h, w, cn)
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    plans = _ipp_plans(h, w, dh, dw, cn)
    want = models.apply_model(x, plans)
    for _ in range(3):  # the chunks each thread takes vary from run to run
        got = native_models.apply_model(x, plans, threads=threads)
        assert got is not None
        _same(got, want)


def test_ipp_cubic_tables_checked_and_matched() -> None:
    # the width pass's tables are built once per plan (native_models._ipp caches them):
    # the binding checks the arrays, and a call given tables built for another row (or
    # another kernel) builds its own instead of reading them
    from pixelgrid._engines import native

    if not native.available():
        pytest.skip("compiled engine not built")
    ext = native._ext
    ix, wx, ox = np.zeros((5, 4), np.int32), np.zeros((5, 4), np.float32), np.zeros(5, np.uint8)
    ix[2, 1] = 7
    with pytest.raises(ValueError, match="index_x out of range"):
        ext.ipp_cubic_tables(W=7, C=3, OW=5, index_x=ix, weight_x=wx, order_x=ox)
    ix[2, 1], ox[0] = 6, 9
    with pytest.raises(ValueError, match="bad order_x"):
        ext.ipp_cubic_tables(W=7, C=3, OW=5, index_x=ix, weight_x=wx, order_x=ox)
    rng = np.random.default_rng(7)
    x = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    (_, px), (_, py) = _ipp_plans(20, 30, 25, 35, 3)
    (_, qx), _ = _ipp_plans(20, 31, 25, 35, 3)

    def arrays(p: Any) -> dict[str, np.ndarray]:
        return {"index_x": np.ascontiguousarray(p.index, np.int32),
                "weight_x": np.ascontiguousarray(p.weight, np.float32),
                "order_x": np.zeros(p.out_size, np.uint8)}  # (3 channels: all IPP_CHAIN)

    other = ext.ipp_cubic_tables(W=31, C=3, OW=35, **arrays(qx))
    outs = []
    for tables in (None, other):
        out = np.empty((25, 35, 3), np.uint8)
        ext.ipp_cubic(src=x, dst=out, H=20, W=30, C=3, OH=25, OW=35, **arrays(px),
                      index_y=np.ascontiguousarray(py.index, np.int32),
                      weight_y=np.ascontiguousarray(py.weight, np.float32), threads=1,
                      tables=tables)
        outs.append(out)
    _same(outs[1], outs[0])
    _same(outs[0], models.apply_model(x, [(1, px), (0, py)]))


def test_ipp_cubic_fused_declines_other_layouts() -> None:
    # 2 channels never reach IPP; a plan pair in another axis order, and dtypes other
    # than uint8 and float32, are left to numpy
    plans = _ipp_plans(20, 30, 25, 35, 3)
    x = np.zeros((20, 30, 3), np.uint8)
    assert native_models.apply_model(x, plans[::-1], threads=1) is None
    assert native_models.apply_model(x.astype(np.float64), plans, threads=1) is None
    assert native_models.apply_model(x.astype(np.int16), plans, threads=1) is None


CV_CASES = [  # (interp name, dtype)
    ("INTER_LINEAR", "uint8"), ("INTER_CUBIC", "uint8"), ("INTER_LANCZOS4", "uint8"),
    ("INTER_AREA", "uint8"), ("INTER_LINEAR_EXACT", "uint8"), ("INTER_LINEAR_EXACT", "uint16"),
    ("INTER_LINEAR", "float32"), ("INTER_CUBIC", "float32"), ("INTER_LANCZOS4", "float32"),
    ("INTER_AREA", "float32"), ("INTER_LINEAR", "uint16"), ("INTER_CUBIC", "int16"),
    ("INTER_LANCZOS4", "uint16"), ("INTER_CUBIC", "float64"), ("INTER_AREA", "float64"),
    ("INTER_AREA", "uint16"),
]


@pytest.mark.parametrize("interp,dtype", CV_CASES)
def test_opencv_routes(interp: str, dtype: str) -> None:
    from pixelgrid.compat import opencv as cvc

    flag = getattr(cvc, interp)
    rng = np.random.default_rng(zlib.crc32(f"{interp} {dtype}".encode()))  # stable seed
    for _ in range(6):
        h, w = (int(v) for v in rng.integers(2, 70, 2))
        cn = int(rng.integers(1, 5))
        f = rng.choice([0.3, 0.5, 0.75, 1.4, 2.0, 3.3])
        g = rng.choice([0.25, 0.5, 0.9, 1.5, 2.0])
        dh, dw = max(1, round(h * f)), max(1, round(w * g))
        plans = _cv_plans(h, w, dh, dw, flag, dtype, cn)
        if not plans or any(p.is_gather for _, p in plans):
            continue
        shape = (h, w) if cn == 1 else (h, w, cn)
        _check(_data(rng, shape, dtype), plans)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "float32", "float64"])
@pytest.mark.parametrize("k", [(2, 2), (3, 3), (2, 3), (4, 1), (5, 5)])
def test_area_blocks(dtype: str, k: tuple[int, int]) -> None:
    from pixelgrid.compat import opencv as cvc

    ky, kx = k
    rng = np.random.default_rng(kx * 10 + ky)
    for cn in (1, 2, 3, 4):
        for h, w in ((ky * 7, kx * 9), (ky * 7 + ky - 1, kx * 9 + 1),
                     (ky * 3 + 1, kx * 5 + kx - 1)):
            dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, None, 1 / kx, 1 / ky)
            path, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_AREA,
                                        np.dtype(dtype), cn)
            if path != "area_fast":
                continue
            shape = (h, w) if cn == 1 else (h, w, cn)
            _check(_data(rng, shape, dtype), plans)


@pytest.mark.parametrize("rule", ["half_even", "half_away", "half_up", "truncate"])
def test_area_2x2_uint8_store_rules(rule: str) -> None:
    # box2x2_u8 (csrc/models.h): uint8 2 x 2 blocks rounded by integer formulas per store
    # rule, against the numpy model; sums on every remainder mod 4 (ties included), the
    # largest (4 x 255), rows of 1-8 channels, widths whose vector steps end anywhere
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(["half_even", "half_away", "half_up", "truncate"].index(rule))
    for cn in (1, 2, 3, 4, 5, 8):
        for h, w in ((14, 18), (15, 19), (7, 40), (40, 301), (6, 1031)):
            dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, None, 0.5, 0.5)
            path, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_AREA,
                                        np.dtype(np.uint8), cn)
            assert path == "area_fast"
            plans = [(ax, dataclasses.replace(p, arithmetic=p.arithmetic.replace(store=rule)))
                     for ax, p in plans]
            shape = (h, w) if cn == 1 else (h, w, cn)
            x = rng.integers(0, 256, shape).astype(np.uint8)
            x[: h // 3] = 255
            x[h // 3: h // 2] = rng.choice(np.array([0, 1, 2, 253, 254, 255], np.uint8),
                                           x[h // 3: h // 2].shape)
            got = _check(x, plans)
            # the full blocks by hand: s / 4 of the exact integer sum, rounded by the rule
            fh, fw = h // 2, w // 2
            xi = x.astype(np.int64)[: 2 * fh, : 2 * fw]
            blk = xi[0::2, 0::2] + xi[0::2, 1::2] + xi[1::2, 0::2] + xi[1::2, 1::2]
            q, r = np.divmod(blk, 4)
            want = {"half_even": q + ((r == 3) | ((r == 2) & (q % 2 == 1))),
                    "half_away": q + (r >= 2), "half_up": q + (r >= 2), "truncate": q}[rule]
            np.testing.assert_array_equal(got[:fh, :fw], want.astype(np.uint8))


@pytest.mark.parametrize("fx", [2, 3, 4])
def test_area_blocks_uint8_large_vs_cv2(fx: int) -> None:
    # uint8 INTER_AREA by whole factors at axes of 2000+ px (box_row_int, box2x2_u8)
    # against the real cv2.resize, 1, 3 and 4 channels, odd sizes (partial last blocks)
    cv2 = pytest.importorskip("cv2")
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(fx)
    for cn, (h, w) in ((3, (2049, 2301)), (1, (2001, 2050)), (4, (1003, 2099))):
        x = rng.integers(0, 256, (h, w, cn) if cn > 1 else (h, w), dtype=np.uint8)
        want = cv2.resize(x, None, fx=1 / fx, fy=1 / fx, interpolation=cv2.INTER_AREA)
        got = cvc.resize(x, None, fx=1 / fx, fy=1 / fx, interpolation=cvc.INTER_AREA)
        np.testing.assert_array_equal(got, want)


def test_opencv_thin_long() -> None:
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(7)
    for interp in (cvc.INTER_LINEAR, cvc.INTER_CUBIC, cvc.INTER_LANCZOS4):
        for dtype in ("uint8", "float32"):
            plans = _cv_plans(2, 2600, 3, 5001, interp, dtype, 3)
            _check(_data(rng, (2, 2600, 3), dtype), plans)
            plans = _cv_plans(2400, 3, 4001, 2, interp, dtype, 1)
            _check(_data(rng, (2400, 3), dtype), plans)


def test_dispatch_uses_native_and_reference_keeps_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelgrid._arrays import run_plans

    arith = Arithmetic(accumulate="taps", weights="float32")
    p = pixelgrid.plan(50, 77, kernel="cubic", arithmetic=arith)
    x = np.random.default_rng(0).random((3, 50), dtype=np.float32)
    calls = []
    real = native_models.apply_model

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(native_models, "apply_model", spy)
    _same(run_plans(x, [(1, p)]), models.apply_model(x, [(1, p)]))
    assert calls
    calls.clear()
    _same(run_plans(x, [(1, p)], engine="reference"), models.apply_model(x, [(1, p)]))
    assert not calls


def test_declines_what_it_does_not_implement() -> None:
    # plans reading a fill value: the numpy model raises, the compiled one declines
    arith = Arithmetic(accumulate="taps", weights="float32")
    p = pixelgrid.plan(5, 9, kernel="linear", boundary="constant", arithmetic=arith)
    assert np.any(p.fill)
    assert native_models.apply_model(np.ones((2, 5), np.float32), [(1, p)]) is None
    with pytest.raises(ValueError, match="fill value"):
        models.apply_model(np.ones((2, 5), np.float32), [(1, p)])


# ------------------------------------------------------------------ block_mean (Pillow)
@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16"])
def test_pillow_reduce_blocks(dtype: str) -> None:
    import dataclasses

    from pixelgrid.compat import pillow as pil

    rng = np.random.default_rng(len(dtype))
    model = pil.REDUCE_MODELS["8bit"]
    for _ in range(10):
        h, w = (int(v) for v in rng.integers(1, 60, 2))
        cn = int(rng.integers(0, 5))
        fy, fx = (int(v) for v in rng.integers(1, 8, 2))
        y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        y1, x1 = int(rng.integers(y0 + 1, h + 1)), int(rng.integers(x0 + 1, w + 1))
        plans = [(ax, dataclasses.replace(p, arithmetic=p.arithmetic.replace(block_mean=model)))
                 for ax, p in ((0, pil._block_plan(h, min(fy, y1 - y0 + 1), y0, y1)),
                               (1, pil._block_plan(w, min(fx, x1 - x0 + 1), x0, x1)))]
        shape = (h, w) if cn == 0 else (h, w, cn)
        _check(_data(rng, shape, dtype), plans)


@pytest.mark.parametrize("cn", [0, 1, 2, 3, 4, 5])
def test_pillow_reduce_uint8_fast_path(cn: int) -> None:
    # uint8 x factors 1-4 with fy * fx <= 257 take 16/32-bit lanes: every x factor, short
    # last blocks both ways, crops, a 5-channel fallback, and all-255 blocks at the edges
    # of the lanes (fy * fx = 256, 257: sums of 65535, products just under 2**32)
    import dataclasses

    from pixelgrid.compat import pillow as pil

    rng = np.random.default_rng(cn)
    model = pil.REDUCE_MODELS["8bit"]

    def plans(h: int, w: int, fy: int, fx: int, y0: int, y1: int, x0: int, x1: int) -> list:
        return [(ax, dataclasses.replace(p, arithmetic=p.arithmetic.replace(block_mean=model)))
                for ax, p in ((0, pil._block_plan(h, fy, y0, y1)),
                              (1, pil._block_plan(w, fx, x0, x1)))]

    for fy in (1, 2, 3, 4, 7):
        for fx in (1, 2, 3, 4):
            h, w = 3 * fy + 2, 41
            shape = (h, w) if cn == 0 else (h, w, cn)
            _check(_data(rng, shape, "uint8"), plans(h, w, fy, fx, 0, h, 0, w))
            _check(_data(rng, shape, "uint8"), plans(h, w, fy, fx, 1, h - 1, 2, w - 3))
    for fy, fx in ((257, 1), (64, 4), (86, 3), (128, 2), (65, 4)):
        h, w = 259, 13
        shape = (h, w) if cn == 0 else (h, w, cn)
        x = np.full(shape, 255, np.uint8)
        x[-1] = 7
        _check(x, plans(h, w, fy, fx, 0, h, 0, w))
        _check(x, plans(h, w, fy, fx, 0, fy, 1, w))


# ------------------------------------------------------------------ corner_sum (ONNX Runtime)
CORNER_CASES = [  # (shape, scales, ctm, dtype)
    ((40, 33), [1.7, 0.6], "half_pixel", "float32"),
    ((1, 3, 21, 30), [1, 1, 1.5, 2.25], "half_pixel", "float32"),
    ((1, 3, 21, 30), [1, 1, 0.45, 1.3], "align_corners", "float64"),
    ((1, 17, 23, 3), [1, 1.6, 0.7, 1], "half_pixel", "uint8"),
    ((1, 17, 23, 4), [1, 2.0, 2.0, 1], "asymmetric", "int8"),
    ((9, 11, 13), [1.5, 0.8, 2.0], "half_pixel", "float32"),
    ((1, 2, 9, 11, 13), [1, 1, 1.5, 0.8, 2.0], "pytorch_half_pixel", "uint8"),
    ((2, 2300), [1, 2.2], "half_pixel", "float32"),
    ((25, 31), [1.3, 1.9], "half_pixel", "int32"),
    ((25, 31), [1.3, 1.9], "half_pixel", "float16"),
    ((1, 2, 20, 24), [1, 1, 1.5, 1.5], "tf_crop_and_resize", "float32"),
    ((1, 2, 20, 24), [1, 1, 1.5, 1.5], "tf_crop_and_resize", "uint16"),
]


@pytest.mark.parametrize("shape,scales,ctm,dtype", CORNER_CASES)
def test_onnx_corner_sums(shape: tuple[int, ...], scales: list[float], ctm: str,
                          dtype: str) -> None:
    from pixelgrid.compat import onnx as ox

    rng = np.random.default_rng(len(shape) * 7 + len(dtype))
    roi = None
    if ctm == "tf_crop_and_resize":  # a crop box partly outside: outputs take the fill
        roi = [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3]
    plans = ox.onnx_plans(shape, roi, scales, mode="linear", coordinate_transformation_mode=ctm,
                          extrapolation_value=7.6)
    plans = ox._cell_for_dtype(plans, np.dtype(dtype), len(shape))
    assert plans[0][1].arithmetic.accumulate.startswith("corner_sum")
    _check(_data(rng, shape, dtype), plans)


# ------------------------------------------------------------------ per-axis stores
@pytest.mark.parametrize("accumulate", ["float64_per_axis", "taps_per_axis"])
@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "float16", "float32", "float64"])
def test_per_axis_stores(accumulate: str, dtype: str) -> None:
    rng = np.random.default_rng(len(dtype) + len(accumulate))
    for i in range(4):
        store = ["half_away", "half_even", "half_up", "truncate"][i]
        arith = Arithmetic(accumulate=accumulate, store=store,
                           weights="float32" if accumulate == "taps_per_axis" else "float64")
        h, w = (int(v) for v in rng.integers(2, 50, 2))
        cn = [1, 3][i % 2]
        kernel = ["cubic", "lanczos3", "linear", "nearest"][i]
        # fill_value < 0 with no fill: the float64 sums start from -0.0
        plans = [(1, pixelgrid.plan(w, int(rng.integers(1, 80)), kernel=kernel, antialias=True,
                                    boundary="clamp", fill_value=-3.0, arithmetic=arith)),
                 (0, pixelgrid.plan(h, int(rng.integers(1, 80)), kernel="cubic",
                                    boundary="reflect", arithmetic=arith))]
        _check(_data(rng, (h, w, cn), dtype), plans)
    x = rng.random((2, 3000), dtype=np.float32).astype(dtype) if dtype[0] == "f" else \
        _data(rng, (2, 3000), dtype)
    p = pixelgrid.plan(3000, 2200, kernel="lanczos3", antialias=True,
                       arithmetic=Arithmetic(accumulate=accumulate))
    _check(x, [(1, p)])


def test_declines_fma_orders_it_does_not_implement() -> None:
    from pixelgrid._arithmetic import FMAS

    for fma in FMAS:
        if fma in ("none", "chain", "reverse", "tail4", "pair_chain"):
            continue
        arith = Arithmetic(accumulate="taps", weights="float32", fma=fma)
        p = pixelgrid.plan(9, 13, kernel="cubic", arithmetic=arith)
        assert native_models.apply_model(np.ones((2, 9), np.float32), [(1, p)]) is None


@pytest.mark.parametrize("interp", ["INTER_LINEAR", "INTER_CUBIC", "INTER_LANCZOS4"])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "float32"])
def test_streamed_two_pass_images(interp: str, dtype: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """(H, W, C) images run as one streamed call (strips of output rows, the intermediate
    rows in a per-thread buffer; uint8/int8 linear: int16 lanes): many strips, up and
    down, C = 1..4, the same bytes as the numpy models and as the unstreamed passes."""
    from pixelgrid.compat import opencv as cvc

    flag = getattr(cvc, interp)
    rng = np.random.default_rng(zlib.crc32(f"streamed {interp} {dtype}".encode()))
    streamed = []
    real = native_models._streamable

    def spy(shape: tuple[int, ...], plans: list) -> bool:
        streamed.append(real(shape, plans))
        return streamed[-1]

    monkeypatch.setattr(native_models, "_streamable", spy)
    for cn, (h, w, dh, dw) in zip((3, 1, 4, 2, 3),
                                  ((300, 260, 701, 390), (520, 90, 173, 45),
                                   (64, 40, 1000, 61), (700, 31, 699, 64), (9, 5, 2000, 3)),
                                  strict=True):
        plans = _cv_plans(h, w, dh, dw, flag, dtype, cn)
        shape = (h, w) if cn == 1 else (h, w, cn)
        x = _data(rng, shape, dtype)
        got = _check(x, plans)
        monkeypatch.setattr(native_models, "_streamable", lambda *a: False)
        native_models._runs.clear()  # (apply_model keeps the runner of a repeated call)
        _same(got, native_models.apply_model(x, plans, threads=2))
        monkeypatch.setattr(native_models, "_streamable", spy)
        native_models._runs.clear()
    assert any(streamed), "no case took the streamed path"


def test_streamed_uint8_source_widened_per_strip(monkeypatch: pytest.MonkeyPatch) -> None:
    """uint8 images on float32 taps (OpenCV's general INTER_AREA) reach taps_streamed as
    uint8, each strip's source rows widened to float32 in the call: the same bytes as the
    numpy model and as the unstreamed passes (which widen the whole image first), at 1 and
    2 threads, strips that share source rows, C = 1..4; the binding refuses a uint8 source
    for float64 taps."""
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(31)
    seen = []
    real = native_models._streamable

    def spy(shape: tuple[int, ...], plans: list) -> bool:
        seen.append(real(shape, plans))
        return seen[-1]

    for cn, (h, w, dh, dw) in zip((3, 1, 4, 2), ((1024, 1024, 400, 400), (517, 390, 203, 77),
                                                 (300, 260, 130, 111), (2100, 33, 701, 13)),
                                  strict=True):
        plans = _cv_plans(h, w, dh, dw, cvc.INTER_AREA, "uint8", cn)
        assert all(p.arithmetic.accumulate == "taps" for _, p in plans)
        shape = (h, w) if cn == 1 else (h, w, cn)
        x = _data(rng, shape, "uint8")
        monkeypatch.setattr(native_models, "_streamable", spy)
        native_models._runs.clear()
        got = _check(x, plans)
        assert seen[-1], "not streamed"
        monkeypatch.setattr(native_models, "_streamable", lambda *a: False)
        native_models._runs.clear()
        _same(got, native_models.apply_model(x, plans, threads=2))
    native_models._runs.clear()
    p = pixelgrid.plan(20, 7, kernel="linear", arithmetic=Arithmetic(accumulate="taps"))
    f64 = native_models._taps_step((20, 20, 3), 1, p, np.float64)
    with pytest.raises(ValueError, match="a uint8 source needs float32 taps"):
        native_models.native._ext.taps_streamed(
            src=np.zeros((20, 20, 3), np.uint8), dst=np.zeros((7, 7, 3)), first=f64,
            second=native_models._taps_step((20, 7, 3), 0, p, np.float64), threads=1)


def test_ipp_float32_linear_lerp() -> None:
    """IPP's float32 INTER_LINEAR (fma="lerp": fma(w1, f32(x1 - x0), x0)) runs natively,
    streamed for (H, W, C) images and pass by pass otherwise, bit for bit."""
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(15)
    ran = 0
    for cn, (h, w, dh, dw) in zip((3, 1, 4, 3), ((300, 260, 701, 390), (90, 520, 45, 173),
                                               (40, 64, 61, 1000), (7, 2600, 11, 5001)),
                                  strict=True):
        dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, (dw, dh), 0, 0)
        _, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_LINEAR,
                                 np.dtype("float32"), cn, ipp=True)
        if not plans or any(p.arithmetic.fma != "lerp" for _, p in plans):
            continue
        shape = (h, w) if cn == 1 else (h, w, cn)
        _check(_data(rng, shape, "float32"), plans)
        _check(_data(rng, (2, *shape), "float32"), [(ax + 1, p) for ax, p in plans])
        ran += 1
    assert ran >= 2

@pytest.mark.parametrize("cn", [1, 3, 4])
def test_ipp_linear_lerp(cn: int) -> None:
    # Intel IPP's float32 linear (compat.opencv, ipp=True: fma="lerp", one
    # fma(t, f32(b - a), a) per axis): the compiled lerp pass against the numpy model,
    # up, down, mixed, tiny, dsize and fx steps, and a 2-row x 2400 -> 5000 case.
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(70 + cn)
    sizes = [(4, 4, 9, 7, 0.0), (37, 41, 55, 62, 0.0), (64, 64, 31, 29, 0.0),
             (100, 7, 13, 150, 0.0), (33, 97, 101, 35, 0.0), (40, 50, 0, 0, 1.7),
             (2, 2400, 2, 5000, 0.0)]
    for h, w, dh, dw, fx in sizes:
        dsize = (0, 0) if fx else (dw, dh)
        dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, dsize, fx, fx)
        _, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_LINEAR,
                                 np.dtype(np.float32), cn, ipp=True)
        assert any(p.arithmetic.fma == "lerp" for _, p in plans)
        shape = (h, w) if cn == 1 else (h, w, cn)
        _check(_data(rng, shape, "float32"), plans)


@pytest.mark.parametrize("cn", [1, 3, 4])
def test_ipp_cubic_fused_float32(cn: int) -> None:
    # compat.opencv's float32 INTER_CUBIC with IPP on runs the same model on float32
    # data, stored unrounded: the fused kernel's float32 mode against the numpy model.
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(90 + cn)
    for h, w, dh, dw in [*IPP_SIZES[:8], (2, 2400, 3, 5000)]:
        dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, (dw, dh), 0, 0)
        path, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_CUBIC,
                                    np.dtype(np.float32), cn, ipp=True)
        if path != "ipp_cubic":
            continue
        shape = (h, w) if cn == 1 else (h, w, cn)
        _check(_data(rng, shape, "float32"), plans)


@pytest.mark.parametrize("fma", ["lerp", "lerp_mul", "reverse"])
def test_two_tap_rows_of_one_channel(fma: str) -> None:
    # The element-wise 2-tap pass on (..., W) rows (M = 1): 8 outputs per step, their taps
    # from one permuted 8-pixel window when they fit in it (upsampling), gathered
    # otherwise; against the numpy model, up/down/flipped/shifted grids, widths below,
    # at and around the vector width, and one row of NaN/inf.
    rng = np.random.default_rng(zlib.crc32(fma.encode()))
    arith = Arithmetic(coordinates="float32", weights="float32_lerp", normalize=False,
                       accumulate="taps", fma=fma)
    for n, n_out in ((1, 5), (3, 8), (8, 7), (9, 17), (40, 103), (103, 40), (64, 64),
                     (2000, 5000), (5000, 1900)):
        x = rng.random((3, n), dtype=np.float32)
        step = max(2, n // 3)
        x[2, ::step] = np.nan
        x[2, 1::step] = np.inf
        # half-pixel, corner-aligned and a mirrored grid (x = n - 1/2 - (n/n_out)(o + 1/2))
        for grid in ("half_pixel", "align_corners",
                     pixelgrid.Affine(Fraction(-n, n_out), Fraction(1, 2), Fraction(2 * n - 1, 2),
                                      "flip")):
            p = pixelgrid.plan(n, n_out, kernel="linear", grid=grid, arithmetic=arith)
            _check(x[:2], [(1, p)])
            with np.errstate(invalid="ignore"):
                _check(x, [(1, p)])


# ------------------------------------------------------------------ row-wide 2-tap gathers
# The compiled engine evaluates ONNX Runtime's 8-bit 10-bit-weight corner sums separably
# (an exact integer sum in any order) and runs the 2-tap horizontal passes of 8-bit
# OpenCV linear and IPP float32 linear as row-wide shuffles over 16-element windows
# (element by element where a group of 8 outputs spans more, and on rows under 16
# elements): every case below against the numpy models, at 2 threads and 1.
SEP_SIZES = [  # (h, w, oh, ow): up, down, mixed, odd, tiny rows, windows that do not fit
    (17, 23, 29, 37), (40, 33, 21, 15), (9, 5, 20, 3), (3, 2, 7, 13), (1, 6, 2, 1),
    (31, 64, 31, 20), (12, 300, 19, 71), (2, 999, 3, 1500), (64, 9, 100, 4)]


@pytest.mark.parametrize("dtype", ["uint8", "int8"])
@pytest.mark.parametrize("cn", [1, 2, 3, 4])
def test_onnx_q10_corner_sums_separable(dtype: str, cn: int) -> None:
    from pixelgrid.compat import onnx as ox

    rng = np.random.default_rng(cn * 3 + len(dtype))
    for i, (h, w, oh, ow) in enumerate(SEP_SIZES):
        ctm = ["half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"][i % 4]
        # a crop box partly outside the image on both axes: those outputs take the fill
        roi = [0, -0.3, 0.2, 0, 1, 1.1, 1.25, 1] if ctm == "tf_crop_and_resize" else None
        shape = (2 if i % 3 == 0 else 1, h, w, cn)
        plans = ox.onnx_plans(shape, roi, sizes=[shape[0], oh, ow, cn], mode="linear",
                              coordinate_transformation_mode=ctm,
                              extrapolation_value=[7.6, -300.0, 1000.0][i % 3])
        # (both axes resized: ORT's q10 kernel; one axis: the q10 model declared here)
        plans = [(a, dataclasses.replace(p, arithmetic=p.arithmetic.replace(
            accumulate="corner_sum_q10"))) for a, p in plans]
        _check(_data(rng, shape, dtype), plans)


def test_onnx_q10_corner_sums_other_layouts() -> None:
    """The q10 model on layouts ONNX Runtime does not route to it (declared here to cover
    the compiled engine): channels first (the last axis a cell axis), 3 cell axes, cell
    axes apart, 16-bit data (the corner-by-corner kernel)."""
    from pixelgrid.compat import onnx as ox

    rng = np.random.default_rng(5)
    for shape, scales in (((1, 3, 21, 30), [1, 1, 1.5, 0.7]), ((3, 9, 11, 2), [1.5, 0.8, 2.0, 1]),
                          ((11, 3, 13), [1.7, 1, 0.6]), ((1, 5, 70, 2), [1, 1.3, 2.1, 1])):
        for dtype in ("uint8", "int8", "uint16", "int16"):
            plans = ox.onnx_plans(shape, scales=scales, mode="linear")
            plans = [(a, dataclasses.replace(p, arithmetic=p.arithmetic.replace(
                accumulate="corner_sum_q10"))) for a, p in plans]
            _check(_data(rng, shape, dtype), plans)


@pytest.mark.parametrize("dtype", ["uint8", "int8"])
@pytest.mark.parametrize("cn", [1, 2, 3, 4])
def test_opencv_linear_row_gathers(dtype: str, cn: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(40 + cn + len(dtype))
    for h, w, dh, dw in SEP_SIZES:
        plans = _cv_plans(h, w, dh, dw, cvc.INTER_LINEAR, dtype, cn)
        if not plans or any(p.is_gather for _, p in plans):
            continue
        shape = (h, w) if cn == 1 else (h, w, cn)
        x = _data(rng, shape, dtype)
        got = _check(x, plans)
        with monkeypatch.context() as m:  # pass by pass
            m.setattr(native_models, "_streamable", lambda *a: False)
            native_models._runs.clear()  # (apply_model keeps the runner of a repeated call)
            _same(got, native_models.apply_model(x, plans, threads=2))
        native_models._runs.clear()
        # a batch axis in front: rows (b, y) of the same passes
        _check(np.stack([x, x[::-1]]), [(ax + 1, p) for ax, p in plans], threads=1)


@pytest.mark.parametrize("fma", ["lerp", "lerp_mul"])
@pytest.mark.parametrize("cn", [1, 2, 3, 4])
def test_ipp_linear_lerp_row_gathers(cn: int, fma: str) -> None:
    # IPP's fused lerp and TensorFlow's unfused one (lerp_mul) on the same plans
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(80 + cn)
    for h, w, dh, dw in [*SEP_SIZES, (5, 40, 6, 13), (8, 61, 8, 19)]:
        dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, (dw, dh), 0, 0)
        _, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_LINEAR,
                                 np.dtype(np.float32), cn, ipp=True)
        if not plans or any(p.arithmetic.fma != "lerp" for _, p in plans):
            continue
        plans = [(a, dataclasses.replace(p, arithmetic=p.arithmetic.replace(fma=fma)))
                 for a, p in plans]
        shape = (h, w) if cn == 1 else (h, w, cn)
        x = _data(rng, shape, "float32")
        x.ravel()[::7] = np.nan
        x.ravel()[3::11] = np.inf
        x.ravel()[5::13] = -0.0
        _check(x, plans)


def test_big_outputs_non_temporal_stores() -> None:
    """Outputs of 4 MiB or more are written with non-temporal stores (the last pass of
    the OpenCV uint8/IPP float32 linear, the IPP cubic, the ONNX q10 corner sums): the
    same bytes, rows aligned or not (3009-byte rows)."""
    from pixelgrid.compat import onnx as ox
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(99)
    for dtype, (h, w, dh, dw) in (("uint8", (700, 1001, 1400, 1003)),
                                  ("float32", (300, 401, 701, 601))):
        dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, (dw, dh), 0, 0)
        _, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_LINEAR,
                                 np.dtype(dtype), 3, ipp=True)
        _check(_data(rng, (h, w, 3), dtype), plans)
        if dtype == "float32":  # TensorFlow's unfused lerp_mul, streamed the same way
            plans = [(a, dataclasses.replace(p, arithmetic=p.arithmetic.replace(
                fma="lerp_mul"))) for a, p in plans]
            _check(_data(rng, (h, w, 3), dtype), plans)
    for dtype, (h, w, dh, dw) in (("uint8", (700, 1001, 1400, 1003)),
                                  ("float32", (300, 401, 701, 601))):  # IPP cubic (fused)
        plans = _ipp_plans(h, w, dh, dw, 3)
        _check(_data(rng, (h, w, 3), dtype), plans)
    shape = (1, 700, 1001, 3)
    plans = ox._cell_for_dtype(ox.onnx_plans(shape, sizes=[1, 1400, 1001 * 2, 3],
                                             mode="linear"), np.dtype(np.uint8), 4)
    _check(_data(rng, shape, "uint8"), plans)


@pytest.mark.parametrize("store", ["half_even", "half_away", "half_up", "truncate"])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16"])
def test_area_blocks_store_rules(store: str, dtype: str) -> None:
    """Integer block sums scaled and stored 8 at a time (AVX2) under every store rule,
    negative sums included (ties: blocks of 2 and 4 pixels)."""
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(len(store) * 5 + len(dtype))
    for (ky, kx), cn, (h, w) in (((2, 2), 3, (14, 37)), ((3, 3), 1, (30, 61)),
                                 ((1, 4), 4, (9, 41)), ((2, 1), 2, (11, 5))):
        dw_, dh_, inv_x, inv_y = cvc.opencv_output_size(w, h, None, 1 / kx, 1 / ky)
        path, _, plans = cvc._route(w, h, dw_, dh_, inv_x, inv_y, cvc.INTER_AREA,
                                    np.dtype(dtype), cn)
        if path != "area_fast":
            continue
        plans = [(a, dataclasses.replace(p, arithmetic=p.arithmetic.replace(store=store)))
                 for a, p in plans]
        shape = (h, w) if cn == 1 else (h, w, cn)
        _check(_data(rng, shape, dtype), plans)


@pytest.mark.parametrize("truncate", [(0, 0), (2, 0), (0, 3), (3, 5)])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16"])
def test_wide_int64_sums_in_float64_lanes(truncate: tuple[int, int], dtype: str) -> None:
    """Second passes with int64 sums (8-tap Lanczos4) run in float64 lanes where every
    term and partial sum is an integer below 2**53: floors of negative terms (int8 data),
    the pre and term shifts, both layouts of the passes."""
    from pixelgrid.compat import opencv as cvc

    rng = np.random.default_rng(sum(truncate) + len(dtype))
    for h, w, dh, dw, cn in ((30, 40, 45, 61, 3), (50, 9, 20, 14, 1), (12, 33, 70, 35, 4)):
        plans = _cv_plans(h, w, dh, dw, cvc.INTER_LANCZOS4, "uint8", cn)
        plans = [(a, dataclasses.replace(p, arithmetic=p.arithmetic.replace(truncate=truncate)))
                 for a, p in plans]
        shape = (h, w) if cn == 1 else (h, w, cn)
        _check(_data(rng, shape, dtype), plans)


def test_scratch_views_are_reused_and_released() -> None:
    # _scratch hands out the same view of a (shape, dtype, slot) while the slot keeps its
    # buffer; a larger request replaces the buffer and drops the slot's old views, so
    # nothing keeps the old buffer alive (run in a fresh thread: its own buffers)
    import gc
    import threading
    import weakref

    from pixelgrid._engines.native_models import _scratch, _scratch_tls

    seen: dict[str, object] = {}

    def body() -> None:
        a = _scratch((4, 5), np.float32, 0)
        b = _scratch((4, 5), np.float32, 0)
        other = _scratch((4, 5), np.float32, 1)
        seen["same"] = a is b and a.shape == (4, 5) and a.dtype == np.float32
        seen["slots_apart"] = not np.shares_memory(a, other)
        old = weakref.ref(_scratch_tls.bufs[0])
        del a, b
        big = _scratch((300, 400), np.float64, 0)
        gc.collect()
        seen["released"] = old() is None
        again = _scratch((4, 5), np.float32, 0)
        seen["new_buffer"] = np.shares_memory(again, big)

    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert seen == {"same": True, "slots_apart": True, "released": True, "new_buffer": True}
