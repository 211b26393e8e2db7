"""The AVX-512 VNNI 8-bit horizontal kernel (csrc/u8_avx512.cpp) against the numpy oracle.

The kernel takes the horizontal pass of uint8 data with int32 fixed-point weights below
2^23 (Pillow's 22-bit coefficients; int16 weights with 5 or more taps) 16 output elements
at a time: vpermb gathers each lane's 4 taps, vpdpbusd multiplies them by the weights cut
into 2 or 3 signed bytes.  Every case must equal the oracle (exact integer sums) and the
AVX2 kernels on the same machine (the switch ``u8_avx512(False)``) bit for bit: 1-4
channels, 1 to 47 taps (the compile-time and the generic quad counts), 64- and 128-byte
windows, blocks cut by the row's end (masked loads) and a last block of fewer than 16
elements (masked store), extreme weights and pixels (clamps, the int32 bound), both pass
orders and two threads' chunks; and compat.pillow bit-exact with Pillow 13 on 2000+ px rows.
On CPUs without AVX-512 VNNI/VBMI the tables are not built and the same cases check the
AVX2 kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from pixelgrid._engines import native
from pixelgrid._plan_types import AxisPlan, FixedPoint
from test_native_engine import _GROUP_FIELDS, _remade, _single, check, oracle, random_input

pytestmark = pytest.mark.skipif(not native.available(), reason="extension not built")

_EXT: Any = native._ext if native.available() else None
SUPPORTED = bool(native.available() and _EXT.u8_avx512_supported())
needs_avx512 = pytest.mark.skipif(not SUPPORTED, reason="CPU without AVX-512 VNNI/VBMI")


@contextmanager
def _avx512(on: bool) -> Iterator[None]:
    was = _EXT.u8_avx512(on)
    try:
        yield
    finally:
        _EXT.u8_avx512(was)


def _both(run: Callable[[], np.ndarray]) -> np.ndarray:
    """``run()`` with the AVX-512 kernel and without; both results must agree."""
    with _avx512(True):
        y = run()
    with _avx512(False):
        y2 = run()
    np.testing.assert_array_equal(y, y2)
    return y


def fixed_plan(rng: np.random.Generator, n_in: int, n_out: int, taps: int, *, bits: int = 22,
               wmax: int = 1 << 22, monotone: bool = True) -> AxisPlan:
    """Contiguous windows of ``taps`` with random int weights, sum |w| * 255 below 2**31."""
    if monotone:
        start = np.round(np.linspace(0, n_in - taps, n_out)).astype(np.int64)
    else:
        start = rng.integers(0, n_in - taps + 1, n_out)
    idx = start[:, None] + np.arange(taps)[None, :]
    fw = rng.integers(-wmax // 4, wmax + 1, (n_out, taps))
    # keep the exact sum in int32 (the engine's accumulator and Pillow's): sum |w| <= 2**23
    over = np.abs(fw).sum(1, keepdims=True)
    fw = np.where(over > 1 << 23, fw * (1 << 23) // np.maximum(over, 1), fw)
    fixed = FixedPoint(bits, fw.astype(np.int64), np.zeros(n_out, np.int64), 1 << (bits - 1))
    return AxisPlan(n_in, n_out, idx.astype(np.int64), fw / 2.0**bits, np.zeros(n_out), 0.0,
                    np.zeros(n_out), fixed)


def _vnni(p: AxisPlan, channels: int) -> Any:
    g = native._with_groups(p, native._prepare(p, "i32"), channels).groups
    return None if g is None else g.vnni


def test_switch_exists() -> None:
    assert isinstance(_EXT.u8_avx512_supported(), bool)
    was = _EXT.u8_avx512(False)
    assert _EXT.u8_avx512(was) is False


@needs_avx512
def test_tables_where_they_pay() -> None:
    from pixelgrid._plan import fixed_point
    from pixelgrid.compat import pillow as P

    def pil(n_in: int, n_out: int, filt: int) -> AxisPlan:
        return P.pillow_plan(n_in, n_out, 0.0, float(n_in), filt, eight_bit=True)

    # Pillow's 22-bit weights: 3 byte parts; 4x bicubic RGB spans more than 64 bytes per
    # block of 16 elements, 3x Lanczos less
    v = _vnni(pil(2048, 512, P.BICUBIC), 3)
    assert v is not None and (v.parts, v.window, v.quads) == (3, 128, 4)  # 16 taps
    v = _vnni(pil(1920, 640, P.LANCZOS), 3)
    assert v is not None and (v.parts, v.window) == (3, 64)
    assert _vnni(pil(1024, 2048, P.BILINEAR), 3) is not None
    # 5x bicubic RGB: the AVX2 group tables do not pay, the VNNI ones alone (pairs 0)
    p5 = pil(2500, 500, P.BICUBIC)
    g = native._with_groups(p5, native._prepare(p5, "i32"), 3).groups
    assert g is not None and g.pairs == 0 and g.vnni is not None and g.small is None
    assert np.asarray(g.base).size == 0 and g.vnni.window == 128
    # 10x bicubic RGB: blocks span more than 128 bytes -> the AVX2 kernels
    assert _vnni(pil(2000, 200, P.BICUBIC), 3) is None
    # int16 weights: 2 parts from 5 taps on; 4 taps or fewer stay with AVX2
    rng = np.random.default_rng(3)
    v = _vnni(fixed_plan(rng, 300, 100, 6, bits=14, wmax=1 << 14), 3)
    assert v is not None and v.parts == 2
    assert _vnni(fixed_point(pil(300, 100, P.BILINEAR), 14), 3) is not None
    assert _vnni(fixed_plan(rng, 300, 100, 4, bits=14, wmax=1 << 14), 3) is None
    # the largest weight 3 signed bytes hold: 127 * (1 + 2**8 + 2**16); negative ones down
    # to -128 * (...), beyond the int32 accumulator's -2**23 + 1 (1 - 2**23 = 1 + 0 * 2**8
    # - 128 * 2**16)
    top = 127 * (1 + 256 + 65536)
    for w, built in ((top, True), (top + 1, False), (1 - (1 << 23), True)):
        p = fixed_plan(rng, 300, 100, 6)
        assert p.fixed is not None
        p.fixed.weights[7] = 0
        p.fixed.weights[7, 2] = w
        assert (_vnni(p, 3) is not None) == built


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_random_plans_match_oracle(channels: int) -> None:
    rng = np.random.default_rng(500 + channels)
    cases = [(200, 50, 17, True), (190, 63, 19, True), (64, 130, 3, True), (97, 37, 8, True),
             (150, 61, 40, True), (130, 41, 29, True), (80, 33, 6, False), (300, 77, 12, True),
             (33, 5, 9, True), (700, 233, 13, True), (600, 100, 24, True),
             (400, 100, 17, True), (450, 100, 21, True), (260, 60, 35, True),
             (300, 40, 47, True)]
    windows = set()
    for n_in, n_out, taps, mono in cases:
        for bits, wmax in ((22, 1 << 22), (14, 1 << 14)):
            pw = fixed_plan(rng, n_in, n_out, taps, bits=bits, wmax=wmax, monotone=mono)
            v = _vnni(pw, channels)
            if v is not None:
                windows.add((v.parts, v.window, min(v.quads, 11)))
            x = random_input(rng, (3, n_in, channels), np.uint8)
            ph = fixed_plan(rng, 3, 4, 2, bits=bits, wmax=wmax)
            for plans in ([(1, pw)], [(0, ph), (1, pw)], [(1, pw), (0, ph)]):
                ref = oracle(x, plans)
                for threads in (1, 2):
                    y = _both(lambda: native.apply_plans(x, plans, threads=threads))  # noqa: B023
                    check(y, ref, x, plans)
    if SUPPORTED:  # both byte-part counts and windows, compile-time (1-10) and generic
        # (11 and more) quad counts
        assert {(p, w) for p, w, _ in windows} == {(2, 64), (2, 128), (3, 64), (3, 128)}
        assert {q for _, _, q in windows} >= {1, 2, 3, 4, 5, 8, 9, 10, 11}


def test_extreme_pixels_and_weights() -> None:
    # all 0 / all 255 / alternating inputs with large positive and negative weights: the
    # sums reach the int32 accumulator's range and the clamps at 0 and 255 bind
    rng = np.random.default_rng(9)
    for taps in (5, 17, 33):
        p = fixed_plan(rng, 400, 123, taps, wmax=1 << 23)
        assert p.fixed is not None
        assert np.abs(p.fixed.weights).sum(1).max() * 255 < 2**31
        for fill in (0, 255, None):
            if fill is None:
                x = np.where(np.arange(1200).reshape(1, 400, 3) % 2 == 0, 0, 255)
                x = x.astype(np.uint8)
            else:
                x = np.full((1, 400, 3), fill, np.uint8)
            plans = [(1, p)]
            y = _both(lambda: native.apply_plans(x, plans, threads=1))  # noqa: B023
            check(y, oracle(x, plans), x, plans)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_int8_data_keeps_the_avx2_kernels(channels: int) -> None:
    # the tables are built per plan, the kernel runs only for uint8: int8 stays exact, also
    # where the plan has the AVX-512 tables alone (5x, the per-pixel kernels then)
    rng = np.random.default_rng(11)
    for n_in, n_out, taps in ((200, 60, 17), (500, 100, 21)):
        p = fixed_plan(rng, n_in, n_out, taps)
        x = random_input(rng, (4, n_in, channels), np.int8)
        for plans in ([(1, p)], [(1, p), (0, fixed_plan(rng, 4, 3, 2))]):
            y = _both(lambda: native.apply_plans(x, plans, threads=1))  # noqa: B023
            check(y, oracle(x, plans), x, plans)


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_compat_pillow_bit_exact_on_long_rows(mode: str) -> None:
    PIL = pytest.importorskip("PIL")
    from PIL import Image

    from pixelgrid.compat import pillow as P

    assert PIL.__version__.startswith("13.")
    c = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    rng = np.random.default_rng(21 + c)
    x = rng.integers(0, 256, (3, 2400, c), dtype=np.uint8)
    if c == 1:
        x = x[..., 0]
    im = Image.fromarray(x, mode)
    R = Image.Resampling
    for filt in (R.BILINEAR, R.HAMMING, R.BICUBIC, R.LANCZOS, R.BOX):
        for size, box in (((611, 3), None), ((800, 2), None), ((2003, 3), (1.5, 0.0, 2397.25, 3.0)),
                          ((4801, 3), None), ((343, 3), (10.0, 0.5, 2000.0, 2.5))):
            want = np.asarray(im.resize(size, filt, box=box))
            got = _both(lambda: np.asarray(P.resize(x, size, filt, box=box)))  # noqa: B023
            np.testing.assert_array_equal(got, want)


@needs_avx512
def test_bad_tables_are_value_errors() -> None:
    from pixelgrid.compat import pillow as P

    pw = P.pillow_plan(200, 50, 0.0, 200.0, P.BICUBIC, eight_bit=True)
    tables = native._with_groups(pw, native._prepare(pw, "i32"), 3)
    g = tables.groups
    v = g.vnni
    assert v is not None
    x = np.zeros((1, 200, 3), np.uint8)
    out = np.empty((1, 50, 3), np.uint8)
    _single(x, out, dtype=0, B=1, C=3, plan=tables)  # the good tables run
    fields = ("parts", "window", "quads", "base", "mask", "weight", "bias")
    bad_mask = np.array(v.mask)
    bad_mask[5] = -1
    bad_base = np.array(v.base)
    bad_base[-1] = 200 * 3
    for change, what in (({"mask": bad_mask}, "VNNI mask"), ({"base": bad_base}, "VNNI base"),
                         ({"parts": 4}, "bad VNNI"), ({"window": 32}, "bad VNNI"),
                         ({"quads": v.quads - 1}, "bad VNNI"),
                         ({"bias": np.array(v.bias)[:-1]}, "VNNI arrays")):
        vnni = _remade(_EXT.VnniTables, v, fields, **change)
        bad = native._prepare(pw, "i32").tables.with_tables(
            groups=_remade(_EXT.GroupTables, g, _GROUP_FIELDS, vnni=vnni))
        with pytest.raises(ValueError, match=what):
            _single(x, out, dtype=0, B=1, C=3, plan=bad)


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_vertical_pass_matches_oracle(channels: int) -> None:
    # the VNNI vertical combine (u8avx512::v8_rows): 1 to 40 taps (padding to whole quads),
    # 22-bit (three weight bytes) and 14-bit (two) weights, weights up to 2^23 (the digits
    # of the largest do not fit: AVX2 then), rows of fewer than 64 bytes and rows with a
    # masked last block, both pass orders, two threads' chunks
    rng = np.random.default_rng(700 + channels)
    for n_in, n_out, taps in ((40, 13, 1), (50, 17, 2), (61, 20, 3), (90, 30, 4), (97, 31, 5),
                              (120, 40, 7), (200, 50, 16), (300, 77, 21), (400, 90, 40),
                              (37, 111, 4), (20, 61, 6)):
        for bits, wmax in ((22, 1 << 22), (14, 1 << 14), (22, 1 << 23)):
            pv = fixed_plan(rng, n_in, n_out, taps, bits=bits, wmax=wmax)
            for width in (7, 67):  # 7 * C < 64 bytes: masked loads only; 67 * C: a tail
                x = random_input(rng, (n_in, width, channels), np.uint8)
                ph = fixed_plan(rng, width, width + 3, 2, bits=bits, wmax=wmax)
                for plans in ([(0, pv)], [(0, pv), (1, ph)], [(1, ph), (0, pv)]):
                    ref = oracle(x, plans)
                    y = _both(lambda: native.apply_plans(x, plans, threads=2))  # noqa: B023
                    check(y, ref, x, plans)
