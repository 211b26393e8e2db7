"""Float32 fast paths of the compiled engine, each against its oracle, bit for bit.

* 2-tap passes that multiply both taps (``fma`` none, chain, tail4: OpenCV's float32
  ``INTER_AREA`` upscale, JAX's linear) over rows of 1-15 interleaved channels run as
  row-wide 16-element window gathers (``gather2_taps_row``); the vertical 2-tap passes
  keep their taps in registers.  Oracle: the numpy model engine, and cv2 itself for
  ``INTER_AREA`` at 2000+ px axes.
* The resampling passes scan their float input for non-finite or huge values while they
  read it (``scan=``), and :func:`nonfinite._suspect` takes that answer instead of a
  second pass over the input.  Oracle: the reference engine (NaN/inf anywhere in the
  input, values past the overflow bound) and the separate scan being skipped.
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest

import pixelgrid
from pixelgrid._arithmetic import Arithmetic
from pixelgrid._engines import models, native, native_models, nonfinite

pytestmark = pytest.mark.skipif(not native_models.available(),
                                reason="compiled engine not built")


def _same(a: np.ndarray, b: np.ndarray) -> None:
    """Equal bytes (so -0.0 and +0.0 differ), NaN at the same places."""
    assert a.dtype == b.dtype and a.shape == b.shape
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    nan = np.isnan(a)
    assert np.array_equal(nan, np.isnan(b)), "NaNs at different places"
    a, b = np.where(nan, 0, a), np.where(nan, 0, b)
    bad = np.flatnonzero(a.ravel() != b.ravel())
    assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), f"differ at {bad[:5]}"


def _check(x: np.ndarray, plans: list) -> None:
    with np.errstate(all="ignore"):  # inf * 0 in the special-value rows
        want = models.apply_model(x, plans)
        for threads in (1, 2):
            got = native_models.apply_model(x, plans, threads=threads)
            assert got is not None, "the compiled engine declined plans it implements"
            _same(got, want)


def _special(x: np.ndarray, seed: int) -> np.ndarray:
    f = x.reshape(-1)
    f[seed % 7::29] = np.nan
    f[seed % 5 + 3::31] = np.inf
    f[seed % 3 + 5::37] = -np.inf
    f[11::41] = -0.0
    return x


# (h, w, oh, ow): up, down, mixed, odd sizes, rows under a 16-element window, long rows
SIZES = [(17, 23, 29, 37), (40, 33, 21, 15), (9, 5, 20, 3), (3, 2, 7, 13), (1, 6, 2, 1),
         (31, 64, 31, 20), (12, 300, 19, 71), (2, 2100, 3, 5003), (4, 2400, 2, 700),
         (64, 64, 96, 96)]


@pytest.mark.parametrize("fma", ["none", "chain", "tail4"])
@pytest.mark.parametrize("cn", [1, 2, 3, 4, 5, 7, 15])
def test_two_tap_rows_both_taps_multiplied(fma: str, cn: int) -> None:
    # The horizontal pass (rows of cn interleaved channels, the row tables' case) and the
    # vertical one, with and without a nested vector body (simd_lanes: fma none only).
    rng = np.random.default_rng(zlib.crc32(f"{fma}{cn}".encode()))
    for lanes in ((0, 4, 8) if fma == "none" else (0,)):
        arith = Arithmetic(accumulate="taps", weights="float32", fma=fma, simd_lanes=lanes)
        for h, w, oh, ow in SIZES:
            if cn >= 5 and w * h > 5000:
                continue  # (wide pixels: the small sizes cover the window edges)
            x = _special(rng.random((h, w, cn), dtype=np.float32), h + w + cn)
            for grid in ("half_pixel", "align_corners"):
                pw = pixelgrid.plan(w, ow, kernel="linear", grid=grid, arithmetic=arith)
                ph = pixelgrid.plan(h, oh, kernel="linear", grid=grid, arithmetic=arith)
                _check(x, [(1, pw)])
                _check(x, [(1, pw), (0, ph)])
                _check(np.ascontiguousarray(x[..., 0]), [(1, pw), (0, ph)])


@pytest.mark.parametrize("fma", ["lerp", "lerp_mul"])
@pytest.mark.parametrize("cn", [2, 3, 4, 7])
def test_lerp_row_gathers(fma: str, cn: int) -> None:
    # the lerp passes' window groups (IPP float32 linear, TensorFlow's bilinear)
    arith = Arithmetic(coordinates="float32", weights="float32_lerp", normalize=False,
                       accumulate="taps", fma=fma)
    rng = np.random.default_rng(zlib.crc32(f"{fma}{cn}".encode()))
    for h, w, oh, ow in SIZES:
        x = _special(rng.random((h, w, cn), dtype=np.float32), h * w)
        for grid in ("half_pixel", "align_corners"):
            pw = pixelgrid.plan(w, ow, kernel="linear", grid=grid, arithmetic=arith)
            ph = pixelgrid.plan(h, oh, kernel="linear", grid=grid, arithmetic=arith)
            _check(x, [(1, pw), (0, ph)])


@pytest.mark.parametrize("cn", [1, 3, 4])
def test_opencv_linear_and_area_float32_match_cv2(cn: int) -> None:
    cv2 = pytest.importorskip("cv2")
    from pixelgrid.compat import opencv as pgo

    rng = np.random.default_rng(60 + cn)
    for h, w, oh, ow in ((3, 2000, 4, 3001), (2100, 3, 3000, 4), (64, 64, 96, 96),
                         (37, 53, 61, 97), (50, 40, 20, 17)):
        shape = (h, w) if cn == 1 else (h, w, cn)
        x = rng.random(shape, dtype=np.float32)
        for it in ("INTER_LINEAR", "INTER_AREA"):
            want = cv2.resize(x, (ow, oh), interpolation=getattr(cv2, it))
            got = pgo.resize(x, (ow, oh), interpolation=getattr(pgo, it))
            np.testing.assert_array_equal(got, want, err_msg=f"{it} {shape} -> {(oh, ow)}")


def test_two_tap_rows_mixed_fused_taps_keep_their_order() -> None:
    # tail4 rows whose last non-zero tap is tap 0 (a weight of exactly 0 on tap 1: the
    # grid hits input pixels) fuse from tap 1 all the same: against the numpy model
    arith = Arithmetic(accumulate="taps", weights="float32", fma="tail4")
    rng = np.random.default_rng(3)
    x = _special(rng.random((6, 40, 3), dtype=np.float32), 1)
    p = pixelgrid.plan(40, 79, kernel="linear", grid="align_corners", arithmetic=arith)
    assert (np.asarray(p.weight)[:, 1] == 0).any()
    _check(x, [(1, p)])
    # a plan of two taps whose fused_from says "not fused" for some rows keeps the order
    # of the pixel kernels (the window path is only taken when every row fuses tap 1)
    w = np.asarray(p.weight).copy()
    w[::3, 1] = 0.0
    q = dataclasses.replace(p, weight=w)
    _check(x, [(1, q)])


# ------------------------------------------------------------------ the scan in the pass
def _ref(x: np.ndarray, size: tuple[int, ...], axes: tuple[int, ...], **kw: object) -> np.ndarray:
    with np.errstate(all="ignore"):
        return pixelgrid.resize(x, size, axes=axes, engine="reference", **kw)


@pytest.mark.parametrize("where", ["first", "last", "middle", "huge", "none"])
@pytest.mark.parametrize("threads", [1, 2])
def test_scan_in_the_pass_finds_every_bad_value(where: str, threads: int,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Inputs of 1 MiB or more (the size from which the pass scans): one bad value at
    # either end or inside, or a finite value past the overflow bound (2**108); the same
    # bytes as with the separate scan (scan_limit 0: the pass does not scan), and NaN /
    # inf where the reference engine puts them; HWC (one fused pass, vertical first),
    # NCHW (W first) and one long axis (a single pass).
    rng = np.random.default_rng(7)
    real_limit = nonfinite.scan_limit
    for shape, axes, size in (((300, 333, 3), (0, 1), (401, 450)),
                              ((2, 3, 230, 200), (2, 3), (461, 397)),
                              ((5, 70000), (1,), (90001,))):
        x = rng.random(shape, dtype=np.float32)
        assert x.nbytes >= 1 << 20
        f = x.reshape(-1)
        k = {"first": 0, "last": f.size - 1, "middle": f.size // 2 + 17, "huge": f.size // 3}
        if where == "huge":
            f[k[where]] = np.float32(3e38)
        elif where != "none":
            f[k[where]] = np.nan
            f[k[where] // 2 + 1] = -np.inf
        with np.errstate(all="ignore"):
            got = pixelgrid.resize(x, size, axes=axes, antialias=False, threads=threads)
            monkeypatch.setattr(nonfinite, "scan_limit", lambda *a: 0.0)
            want = pixelgrid.resize(x, size, axes=axes, antialias=False, threads=threads)
            monkeypatch.setattr(nonfinite, "scan_limit", real_limit)
        _same(got, want)
        ref = _ref(x, size, axes, antialias=False)
        for v in (np.isnan, np.isposinf, np.isneginf):
            assert np.array_equal(v(got), v(ref))


def test_scan_in_the_pass_replaces_the_separate_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    # finite float32 data of 1 MiB upsampled: the pass's own scan answers, all_below is
    # not called; a call that cannot use it (a small input) still scans on its own
    calls: list[int] = []
    real = native._ext.all_below

    def spy(src: np.ndarray, limit: float, threads: int) -> bool:
        calls.append(src.size)
        return bool(real(src, limit, threads))

    monkeypatch.setattr(native._ext, "all_below", spy)
    x = np.random.default_rng(1).random((400, 400, 3), dtype=np.float32)
    for _ in range(2):  # the first call and the memoised route
        y = pixelgrid.resize(x, (600, 500), antialias=False)
        assert np.isfinite(y).all()
    assert calls == []
    small = np.random.default_rng(2).random((40, 40, 3), dtype=np.float32)
    pixelgrid.resize(small, (60, 50), antialias=False)
    assert calls == [small.size]


def test_scan_record_is_for_its_own_result_only() -> None:
    # the record names the input and the output it was made with, and is taken once
    x = np.ones((600, 600), np.float32)
    y = np.ones((700, 700), np.float32)
    nonfinite.note_scan(x, y, True)
    assert nonfinite._scanned(x, np.ones_like(y)) is None  # another result
    nonfinite.note_scan(x, y, False)
    assert nonfinite._scanned(x, y) is False
    assert nonfinite._scanned(x, y) is None  # taken
    assert nonfinite.scan_limit(x, y.size) == 2.0**108
    assert nonfinite.scan_limit(x, x.size) == 0.0  # output not larger: y is checked
    assert nonfinite.scan_limit(x[:10], y.size) == 0.0  # small input: the separate scan


@pytest.mark.parametrize("threads", [1, 2])
def test_pair_and_single_scan_argument(threads: int) -> None:
    # the extension's answer on its own: True for finite data below the bound, False
    # with a NaN or a value past it, None without scan=; the same output either way
    rng = np.random.default_rng(4)
    for shape, items in (((300, 400, 3), [(0, pixelgrid.plan(300, 450, kernel="linear")),
                                          (1, pixelgrid.plan(400, 500, kernel="linear"))]),
                         ((20, 5000), [(1, pixelgrid.plan(5000, 7001, kernel="cubic"))])):
        x = rng.random(shape, dtype=np.float32)
        calls = native._calls_for(x, items)
        assert len(calls) == 1 and calls[0].kind in ("pair", "single")
        run = native._ext.pair if calls[0].kind == "pair" else native._ext.single
        want = np.empty(calls[0].shape, np.float32)
        assert run(src=x, dst=want, step=calls[0].step, threads=threads) is None
        for bad, expect in ((None, True), (np.nan, False), (np.float32(2.0**109), False),
                            (-np.inf, False)):
            xb = x.copy()
            if bad is not None:
                xb.reshape(-1)[-1] = bad
            out = np.empty_like(want)
            got = run(src=xb, dst=out, step=calls[0].step, threads=threads, scan=2.0**108)
            assert got is expect
            if bad is None:
                _same(out, want)
