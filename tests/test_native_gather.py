"""The compiled one-pass nearest gather (csrc/gather.cpp) against the reference engine.

Every case compares bytes (``view(np.uint8)``): NaN payloads, -0.0 and the padding of
odd-sized dtypes must be copied, never computed.  The expected values are the reference
engine's (``engine="reference"``: ``np.take`` axis by axis on the plans' indices), and
``np.take`` directly for random index tables.
"""

from __future__ import annotations

import numpy as np
import pytest

import pixelgrid as pg
from pixelgrid import kernels as K
from pixelgrid._engines import native, reference
from pixelgrid._plan_types import AxisPlan

pytestmark = pytest.mark.skipif(not native.available(), reason="extension not built")

_ext = native._ext


@pytest.fixture(params=[True, False], ids=["windows", "scalar"])
def simd(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Run a test with the AVX2 window copies on, then off (scalar block copies)."""
    _ext.gather_simd(request.param)
    yield request.param
    _ext.gather_simd(True)


def _bytes_equal(y: np.ndarray, ref: np.ndarray) -> None:
    assert y.dtype == ref.dtype and y.shape == ref.shape
    assert y.flags.c_contiguous
    np.testing.assert_array_equal(y[..., None].view(np.uint8), ref[..., None].view(np.uint8))


def _take_all(x: np.ndarray, plans: list[tuple[int, AxisPlan]]) -> np.ndarray:
    y = x
    for a, p in plans:
        y = np.take(y, np.asarray(p.index)[:, 0], axis=a)
    return np.ascontiguousarray(y)


def _random_plan(rng: np.random.Generator, n_in: int, n_out: int) -> AxisPlan:
    idx = rng.integers(0, n_in, (n_out, 1))
    return AxisPlan(n_in, n_out, idx, np.ones((n_out, 1)), np.zeros(n_out), 0.0,
                    np.zeros(n_out), None)


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    raw = rng.integers(0, 256, (*shape, np.dtype(dtype).itemsize), dtype=np.uint8)
    x = raw.view(dtype)[..., 0]
    if dtype == "bool":
        x = raw[..., 0] > 127
    return x


DTYPES = ["uint8", "uint16", "float32", "float64", "bool", "int64", "float16"]
# dtypes pixelgrid.resize refuses: the engine's gather_all, against np.take
RAW_DTYPES = ["complex64", "complex128", "V3", "V6", "V12"]


@pytest.mark.parametrize("dtype", DTYPES + RAW_DTYPES)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_resize_both_layouts(simd: bool, dtype: str, channels: int) -> None:
    """2-D nearest resizes of (H, W, C) and (C, H, W) data, odd sizes, up and down."""
    rng = np.random.default_rng(channels)
    x = _data(rng, (37, 53, channels), dtype)
    for layout in ("hwc", "chw"):
        arr = x if layout == "hwc" else np.ascontiguousarray(x.transpose(2, 0, 1))
        axes = (0, 1) if layout == "hwc" else (1, 2)
        for size in ((74, 106), (19, 27), (50, 13), (111, 160), (5, 3), (37, 200)):
            for kern in ("nearest", K.nearest("round_prefer_floor"), K.nearest("floor")):
                if dtype in RAW_DTYPES:
                    plans = [(a, pg.plan(arr.shape[a], n, kernel=kern))
                             for a, n in zip(axes, size, strict=True)]
                    got = native.gather_all(arr, plans, threads=2)
                    assert got is not None
                    _bytes_equal(got, _take_all(arr, plans))
                    continue
                ref = pg.resize(arr, size, kernel=kern, axes=axes, engine="reference")
                _bytes_equal(pg.resize(arr, size, kernel=kern, axes=axes), ref)


@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64", "complex128", "V3"])
def test_noncontiguous_and_3d(simd: bool, dtype: str) -> None:
    """Strided, transposed, reversed and broadcast sources; 3-D volumes; leading axes."""
    rng = np.random.default_rng(5)
    base = _data(rng, (9, 31, 43, 4), dtype)
    views = {
        "step": base[::2, 1::3, ::2],
        "reversed": base[::-1, :, ::-1, :3],
        "transposed": base.transpose(2, 1, 0, 3),
        "channel_first": base.transpose(3, 0, 1, 2)[:, 2:7],
        "broadcast": np.broadcast_to(base[:1, :1], (5, 31, 43, 4)),
    }
    for name, v in views.items():
        for axes, size in (((0, 1, 2), (7, 40, 17)), ((1, 2), (62, 21)), ((2,), (90,)),
                           ((0,), (13,)), ((1, 3), (5, 9))):
            if dtype in RAW_DTYPES:
                plans = [(a, pg.plan(v.shape[a], n, kernel="nearest"))
                         for a, n in zip(axes, size, strict=True)]
                got = native.gather_all(v, plans)
                assert got is not None, name
                _bytes_equal(got, _take_all(v, plans))
                continue
            ref = pg.resize(v, size, kernel="nearest", axes=axes, engine="reference")
            got = pg.resize(v, size, kernel="nearest", axes=axes)
            _bytes_equal(got, ref)


@pytest.mark.parametrize("threads", [1, 2])
def test_random_tables_threads_and_segments(simd: bool, threads: int) -> None:
    """Random (non-monotonic) indices; few long rows and many rows, every block size."""
    rng = np.random.default_rng(threads)
    # (small outputs: one thread; test_threads_on_large_outputs splits larger ones)
    cases = [((10_003,), (0,), (15_001,)),              # one long row
             ((3, 4_000), (1,), (6_111,)),              # few long rows
             ((2, 500, 3), (0, 1), (3, 701)),           # channels-last, few rows
             ((64, 70, 4), (1, 0), (130, 33)),          # many short rows
             ((200, 150), (0,), (301,)),                # row gather: whole rows are blocks
             ((6, 11, 13, 5), (0, 2, 3), (4, 29, 2))]   # 4-D, the channels gathered too
    for dtype in ("uint8", "float32", "V3", "V6", "complex128"):
        for shape, axes, sizes in cases:
            x = _data(rng, shape, dtype)
            plans = [(a, _random_plan(rng, shape[a], n)) for a, n in zip(axes, sizes, strict=True)]
            got = native.gather_all(x, plans, threads=threads)
            assert got is not None
            _bytes_equal(got, _take_all(x, plans))


def test_window_edges(simd: bool) -> None:
    """Sources that end where a 16/32-byte window would read past them, every small size."""
    rng = np.random.default_rng(7)
    for itemsize in (1, 2, 3, 4, 6, 8):
        dt = f"V{itemsize}" if itemsize in (3, 6) else f"u{itemsize}"
        for n_in in range(1, 20):
            for n_out in (1, 2, 7, 8, 9, 16, 17, 33):
                x = _data(rng, (3, n_in), dt)
                p = pg.plan(n_in, n_out, kernel="nearest")
                # the last row reads the source's last bytes: a slice ending the buffer
                got = native.gather_all(x, [(1, p)], threads=1)
                assert got is not None
                _bytes_equal(got, _take_all(x, [(1, p)]))
                xs = x[1:, ::-1]  # negative stride along the row
                got = native.gather_all(xs, [(1, p)], threads=2)
                assert got is not None
                _bytes_equal(got, _take_all(xs, [(1, p)]))


def test_nan_payload_and_signed_zero_survive() -> None:
    x = np.zeros((5, 6, 3), np.float32)
    payload = np.array([0x7FC12345], np.uint32).view(np.float32)[0]
    x[2, 3, 1] = payload
    x[1, 1, 2] = -0.0
    y = pg.resize(x, (10, 12), kernel="nearest", axes=(0, 1))
    assert (y[4:6, 6:8, 1].view(np.uint32) == 0x7FC12345).all()
    assert np.signbit(y[2:4, 2:4, 2]).all()


def test_apply_plans_gathers_in_one_pass_and_mixed_steps() -> None:
    """native.apply_plans: gathers only (one pass) and gathers between weighted passes."""
    rng = np.random.default_rng(11)
    x = rng.random((23, 31, 3)).astype(np.float32)
    g0, g1 = _random_plan(rng, 23, 40), _random_plan(rng, 31, 9)
    _bytes_equal(native.apply_plans(x, [(0, g0), (1, g1)]), _take_all(x, [(0, g0), (1, g1)]))
    lin = pg.plan(31, 45, kernel="linear")
    got = native.apply_plans(x, [(0, g0), (1, lin)])
    ref = reference.apply_plans(x, [(0, g0), (1, lin)])
    np.testing.assert_allclose(got, ref, rtol=0, atol=2e-7)
    # byte-swapped data: the bytes are copied as they are
    xs = x.astype(">f4")
    _bytes_equal(native.apply_plans(xs, [(1, g1)]), _take_all(xs, [(1, g1)]))


def test_gather_all_declines_what_it_cannot_copy() -> None:
    rng = np.random.default_rng(3)
    g = _random_plan(rng, 4, 6)
    assert native.gather_all(np.zeros(4, dtype=object), [(0, g)]) is None
    assert native.gather_all(np.zeros(4), [(0, pg.plan(4, 6, kernel="linear"))]) is None
    assert native.gather_all(np.zeros(4), [(0, g), (0, g)]) is None
    assert native.gather_all(np.zeros(5), [(0, g)]) is None  # in_size != shape
    assert native.gather_all(np.zeros(4), [(1, g)]) is None  # no such axis
    x = rng.random((3, 4))
    y = native.gather_all(x, [(-1, g)])  # negative axes count from the end
    assert y is not None
    _bytes_equal(y, _take_all(x, [(1, g)]))
    y = native.gather_all(np.zeros((0, 4)), [(1, g)])
    assert y is not None and y.shape == (0, 6)


def test_kernel_checks_its_arguments() -> None:
    x = np.zeros((4, 5), np.uint8)
    out = np.zeros((4, 6), np.uint8)
    bad = np.array([0, 1, 2, 3, 4, 5], np.int32)  # 5 is past the axis
    with pytest.raises(ValueError, match="out of range"):
        _ext.gather_fused(x, out, [None, bad], 1)
    with pytest.raises(ValueError, match="table length"):
        _ext.gather_fused(x, out, [None, bad[:5]], 1)
    with pytest.raises(ValueError, match="keeps its length"):
        _ext.gather_fused(x, np.zeros((3, 6), np.uint8), [None, bad % 5], 1)


@pytest.mark.parametrize("threads", [1, 2])
def test_streamed_outputs(threads: int) -> None:
    """Non-temporal stores (from 0 bytes, or 16 MiB) and regular ones: the same bytes."""
    rng = np.random.default_rng(21)
    cases = [((3, 70, 90), "float32", (1, 2), (105, 135)),        # 4-byte blocks, x1.5
             ((150, 160), "uint8", (0, 1), (300, 321)),           # 1-byte blocks, x2
             ((60, 70, 2), "uint16", (0, 1), (200, 110)),         # 4-byte blocks (2 x u16)
             ((70, 80), "float64", (0, 1), (140, 100)),           # 8-byte blocks
             ((50, 60), "int16", (0, 1), (77, 61)),               # 2-byte blocks
             ((2, 25_000), "float32", (1,), (31_001,)),           # few long rows: segments
             ((90, 100, 3), "uint8", (0, 1), (180, 200)),         # 3-byte blocks: not streamed
             ((3, 700, 1300), "float32", (1, 2), (1100, 1600))]   # 21 MB: the default path
    for shape, dtype, axes, size in cases:
        x = _data(rng, shape, dtype)
        plans = [(a, pg.plan(shape[a], n, kernel="nearest")) for a, n in zip(axes, size,
                                                                             strict=True)]
        want = _take_all(x, plans)
        for min_bytes in (0, 1 << 62, 16 << 20):  # all streamed, none, above 16 MiB
            was = _ext.stream_min_bytes(min_bytes)
            try:
                got = native.gather_all(x, plans, threads=threads)
            finally:
                _ext.stream_min_bytes(was)
            assert got is not None
            _bytes_equal(got, want)


@pytest.mark.parametrize("threads", [2, 3])
def test_threads_on_large_outputs(simd: bool, threads: int) -> None:
    """Outputs of several MiB (1 MiB of output per thread): rows, segments, row gathers."""
    rng = np.random.default_rng(30 + threads)
    cases = [((3_000_003,), (0,), (4_500_001,)),       # one long row: segments
             ((3, 900_000), (1,), (1_300_001,)),        # few long rows: segments
             ((700, 900, 4), (0, 1), (1100, 1300)),     # many rows, 4-byte blocks
             ((1_000, 1_500), (0,), (3_001,)),          # row gather: whole rows are blocks
             ((40, 300, 300), (1, 2), (450, 451)),      # leading axis, 1-byte blocks
             ((2, 4_000_000), (1,), (4_500_001,))]      # float32: 36 MB, streamed on 2
    for dtype in ("uint8", "float32"):
        for shape, axes, sizes in cases:
            x = _data(rng, shape, dtype)
            plans = [(a, _random_plan(rng, shape[a], n)) for a, n in zip(axes, sizes,
                                                                          strict=True)]
            got = native.gather_all(x, plans, threads=threads)
            assert got is not None and got.nbytes >= 2 << 20
            _bytes_equal(got, _take_all(x, plans))
            sorted_plans = [(a, pg.plan(shape[a], n, kernel="nearest"))
                            for a, n in zip(axes, sizes, strict=True)]  # windows, streaming
            got = native.gather_all(x, sorted_plans, threads=threads)
            assert got is not None
            _bytes_equal(got, _take_all(x, sorted_plans))
