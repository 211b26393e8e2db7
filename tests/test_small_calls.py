"""Repeated small calls (issue 15): the call memos change no result and no error.

``pixelgrid.resize`` keeps each successful numpy call (argument values and types, the
array's shape, dtype and strides) with its plans and the compiled route ``run_plans``
made; the compat call memos keep their plans as ``_arrays.KeptPlans`` (a route per
array layout).  Expected values: the reference engine (``engine="reference"``, the
numpy definition; another path than the compiled routes), the real libraries, or the
error a first call raises.  Properties: a repeated call gives the same bytes as a
first one and as the reference, on new data of the same layout (finite, then NaN/inf,
then overflowing float32); a repeated invalid call raises what a fresh one raises; the
environment variables are read on every call; the memos hold no array and stay bounded.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest

import pixelgrid
from pixelgrid import _arrays, _resize
from pixelgrid._memo import typed_keys

_RNG = np.random.default_rng(15)


def _data(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if np.dtype(dtype).kind == "f":
        return _RNG.random(shape).astype(dtype)
    return _RNG.integers(0, 200, shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "float16", "float32", "float64"])
@pytest.mark.parametrize("size", [(29, 45), (11, 7)])  # upsampling scans x, downsampling y
def test_repeated_resize_matches_the_reference(dtype: str, size: tuple[int, int]) -> None:
    for layout in ("c", "f", "step"):
        for c in (1, 3, 4):
            x = _data((17, 23, c), dtype)
            if layout == "f":
                x = np.asfortranarray(x)
            elif layout == "step":
                x = np.repeat(x, 2, axis=1)[:, ::2]
            want = pixelgrid.resize(x, size, engine="reference")
            for _ in range(3):  # a first call, then the memo
                got = pixelgrid.resize(x, size)
                assert got.dtype == want.dtype
                if np.dtype(dtype).kind == "f":
                    np.testing.assert_allclose(got, want, rtol=0, atol=4e-3 if dtype ==
                                               "float16" else 1e-6)
                else:  # fixed point (own model): within one level of the float64 definition
                    assert np.max(np.abs(got.astype(int) - want.astype(int))) <= 1
            first = pixelgrid.resize(x, size, threads=1)
            np.testing.assert_array_equal(pixelgrid.resize(x, size, threads=2), first)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [(40, 50), (9, 12)])
def test_memo_route_sees_new_non_finite_data(dtype: str, size: tuple[int, int]) -> None:
    """The route keeps no decision about the data: the scan runs on every call."""
    x = _data((20, 25, 3), dtype)
    for _ in range(2):
        pixelgrid.resize(x, size)  # finite data: the route and the memo are made
    bad = x.copy()
    bad[3, 4, 0], bad[10, 11, 1], bad[15, 2, 2] = np.nan, np.inf, -np.inf
    want = pixelgrid.resize(bad, size, engine="reference")
    for _ in range(2):
        got = pixelgrid.resize(bad, size)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    omit = pixelgrid.resize(bad, size, nan_policy="omit", engine="reference")
    for _ in range(2):
        np.testing.assert_allclose(pixelgrid.resize(bad, size, nan_policy="omit"), omit,
                                   rtol=0, atol=1e-6)
    # finite float32 data near the largest float: a cubic's float32 sums overflow, the
    # model sums in float64 (nonfinite._no_overflow), on the memo's route too
    if dtype == "float32":
        big = np.full((20, 25, 3), 3.3e38, np.float32)  # a constant: rows sum to 1
        for kernel in ("cubic", "lanczos3"):
            for _ in range(3):  # (float32 sums on the compiled engine: within an ulp)
                got = pixelgrid.resize(big, size, kernel=kernel)
                assert np.isfinite(got).all()
                np.testing.assert_allclose(got, 3.3e38, rtol=1e-6)
        top = np.full((20, 25, 3), np.finfo(np.float32).max, np.float32)  # finite, |v| = max
        for _ in range(2):
            np.testing.assert_array_equal(pixelgrid.resize(top, size, kernel="nearest"),
                                          np.full((*size, 3), np.finfo(np.float32).max))


def _error(f: Any) -> tuple[type, str]:
    with pytest.raises((TypeError, ValueError)) as info:
        f()
    return info.type, str(info.value)


@pytest.mark.parametrize(("good", "bad", "match"), [
    ({"size": (9, 9)}, {"size": (9.0, 9)}, "size"),
    ({"size": (9, 9)}, {"size": (True, 9)}, "size"),
    ({"size": [9, 9]}, {"size": [9.0, 9]}, "size"),
    ({"size": (9, 9), "align_corners": True}, {"size": (9, 9), "align_corners": 1},
     "align_corners"),
    ({"size": (9, 9), "antialias": True}, {"size": (9, 9), "antialias": 1}, "antialias"),
    ({"size": (9, 9), "threads": 1}, {"size": (9, 9), "threads": True}, "threads"),
    ({"size": (9, 9), "threads": 2}, {"size": (9, 9), "threads": 2.0}, "threads"),
    ({"size": (9, 9), "fill_value": 1}, {"size": (9, 9), "fill_value": "1"}, "fill_value"),
    ({"size": (9, 9)}, {"size": (9, 9), "nan_policy": "raise"}, "nan_policy"),
    ({"size": (9, 9)}, {"size": (9, 9), "engine": "fast"}, "engine"),
    ({"size": (9, 9)}, {"size": (9, 9), "dtype": "float128x"}, "dtype"),
    ({"scale": (2, 2)}, {"scale": (2, 2), "size_rounding": "up"}, "size_rounding"),
])
def test_invalid_after_valid_raises_as_fresh(good: dict[str, Any], bad: dict[str, Any],
                                             match: str) -> None:
    x = _data((6, 7, 3), "float32")
    fresh = _error(lambda: pixelgrid.resize(x, **bad))
    for _ in range(2):
        pixelgrid.resize(x, **good)
    for _ in range(2):
        with pytest.raises(fresh[0], match=match) as info:
            pixelgrid.resize(x, **bad)
        assert str(info.value) == fresh[1]


def test_equal_arguments_of_other_types_alternate() -> None:
    """``scale=(2, 2)`` and ``(2.0, 2.0)`` are equal keys with other element types."""
    x = _data((6, 7, 3), "float32")
    for scale in ((2, 2), (2.0, 2.0), (2, 2.0), (2, 2), (2.0, 2.0)):
        want = pixelgrid.resize(x, scale=scale, engine="reference")
        np.testing.assert_allclose(pixelgrid.resize(x, scale=scale), want, rtol=0, atol=1e-6)
    for size in ((9, 9), (9.0, 9), (9, 9), (True, 9)):
        if all(type(v) is int for v in size):
            assert pixelgrid.resize(x, size).shape == (9, 9, 3)
        else:
            with pytest.raises(TypeError, match="size"):
                pixelgrid.resize(x, size)


def test_invalid_data_after_valid_call_of_the_same_shape() -> None:
    x8 = np.zeros((6, 7, 3), np.uint8)
    pixelgrid.resize(x8.astype(np.float32), (9, 9), boundary="constant", fill_value=1e12)
    for _ in range(2):  # another dtype: another key, uint8 data refuses the fill
        with pytest.raises(ValueError, match="fill_value"):
            pixelgrid.resize(x8, (9, 9), boundary="constant", fill_value=1e12)
    pixelgrid.resize(np.zeros((6, 7, 3), np.float64), (9, 9))
    for _ in range(2):
        with pytest.raises(TypeError, match="nearest"):
            pixelgrid.resize(np.zeros((6, 7, 3), np.int64), (9, 9))


def test_environment_is_read_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _data((12, 13, 3), "float32")
    x[2, 3, 1] = np.nan
    want = pixelgrid.resize(x, (20, 8), engine="reference")
    for _ in range(2):
        pixelgrid.resize(x, (20, 8))
    monkeypatch.setenv("PIXELGRID_ENGINE", "reference")
    for _ in range(2):  # auto follows the variable, also after memo entries were made
        np.testing.assert_array_equal(pixelgrid.resize(x, (20, 8)), want)
    monkeypatch.setenv("PIXELGRID_ENGINE", "bogus")
    for _ in range(2):
        with pytest.raises(ValueError, match="PIXELGRID_ENGINE"):
            pixelgrid.resize(x, (20, 8))
    np.testing.assert_allclose(pixelgrid.resize(x, (20, 8), engine="native"), want,
                               rtol=0, atol=1e-6)  # an explicit engine wins
    monkeypatch.setenv("PIXELGRID_ENGINE", "  ")  # blank: as unset
    np.testing.assert_allclose(pixelgrid.resize(x, (20, 8)), want, rtol=0, atol=1e-6)
    monkeypatch.delenv("PIXELGRID_ENGINE")
    for value in ("0", "x", "2000"):
        monkeypatch.setenv("PIXELGRID_NUM_THREADS", value)
        for _ in range(2):
            with pytest.raises(ValueError, match=r"PIXELGRID_NUM_THREADS|threads"):
                pixelgrid.resize(x, (20, 8))
    monkeypatch.setenv("PIXELGRID_NUM_THREADS", "2")
    assert _arrays.threads_now(None) == 2 and _arrays.threads_now(3) == 3
    np.testing.assert_allclose(pixelgrid.resize(x, (20, 8)), want, rtol=0, atol=1e-6)


def test_compat_memos_follow_the_array_layout() -> None:
    cv2 = pytest.importorskip("cv2")
    from pixelgrid.compat import opencv as cvc
    from pixelgrid.compat import pillow as ppil

    x = _data((40, 30, 3), "float32")
    views = [x, np.asfortranarray(x), np.repeat(x, 2, axis=0)[::2], x[:, :, :1]]
    for _ in range(2):
        for v in views:  # one memo entry (shape, dtype), a route per layout
            for interp in (cv2.INTER_LINEAR, cv2.INTER_NEAREST, cv2.INTER_AREA):
                want = cv2.resize(v, (50, 21), interpolation=interp)
                np.testing.assert_array_equal(cvc.resize(v, (50, 21), interpolation=interp),
                                              want)
    Image = pytest.importorskip("PIL.Image")
    rgb = _data((40, 30, 3), "uint8")
    for v in (rgb, np.repeat(rgb, 2, axis=1)[:, ::2]):
        want = np.asarray(Image.fromarray(np.ascontiguousarray(v)).resize((17, 23), 0))
        for _ in range(3):
            np.testing.assert_array_equal(ppil.resize(v, (17, 23), 0), want)


def test_memos_hold_no_array_and_stay_bounded() -> None:
    x = _data((16, 18, 3), "float32")
    ref = weakref.ref(x)
    for _ in range(2):
        pixelgrid.resize(x, (20, 20))
        pixelgrid.resize(x, (20, 20), nan_policy="omit")
        pixelgrid.resize(x.astype(np.uint8), (20, 20))
    del x
    gc.collect()
    assert ref() is None
    for n in range(2, 140):  # more calls than the memo keeps
        pixelgrid.resize(np.zeros((n, 3), np.float32), (n + 1, 3))
    assert len(_resize._CALLS) <= 128 + 4
    kept = _arrays.KeptPlans([(0, pixelgrid.plan(6, 4, kernel="linear"))])
    base = np.zeros((6, 40), np.float32)
    for k in range(1, 20):  # many layouts of one plan: at most 8 routes
        kept(base[:, ::k])
    assert len(kept._routes) <= 8


def test_typed_keys() -> None:
    key = typed_keys(frozenset((int, float, bool, str, type(None))))
    assert key(((1, 2), "a")) != key(((1.0, 2), "a"))
    assert key(((1, 2), "a")) != key(([1, 2], "a"))
    assert key((1,)) != key((True,))
    assert key(((1, 2), None)) == key(((1, 2), None))
    assert key(((1, (2,)),)) is None  # nested
    assert key((np.int64(1),)) is None  # not a plain type
    assert key(([1, np.float32(2)],)) is None
