"""compat.opencv.warpAffine's memo of repeated calls (compat/_opencv_warp.py _CALL_MEMO).

A call that succeeded keeps the compiled kernel's converted arguments under every
argument but the image's values; a repeat must give exactly what a fresh call gives
(the memo cleared) and what cv2 gives (OpenCV's own code: bit-exact), whatever changes
between calls: the image's values, layout and dtype, the matrix, dsize (list or tuple),
flags, border mode and value (-0.0 against 0.0), ipp, 2-D images and the engine choice.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pixelgrid.compat import _opencv_warp
from pixelgrid.compat import opencv as pgo


def _fresh(*args: Any, **kw: Any) -> Any:
    saved = dict(_opencv_warp._CALL_MEMO)
    _opencv_warp._CALL_MEMO.clear()
    try:
        return pgo.warpAffine(*args, **kw)
    finally:
        _opencv_warp._CALL_MEMO.clear()
        _opencv_warp._CALL_MEMO.update(saved)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()  # bit for bit (the sign of zeros too)


def test_repeats_equal_fresh_calls() -> None:
    rng = np.random.default_rng(3)
    m1 = np.array([[0.9, -0.3, 5.5], [0.3, 0.9, -2.25]])
    m2 = np.array([[1.1, 0.2, -3.0], [-0.2, 1.1, 4.0]], dtype=np.float32)
    cases: list[tuple[Any, ...]] = []
    for dt in ("uint8", "uint16", "float32"):
        for shape in ((37, 45), (37, 45, 1), (37, 45, 3), (37, 45, 4)):
            for m in (m1, m2):
                for kw in ({}, {"flags": pgo.INTER_NEAREST}, {"ipp": False},
                           {"borderMode": pgo.BORDER_REFLECT_101},
                           {"flags": pgo.INTER_LINEAR | pgo.WARP_INVERSE_MAP},
                           {"borderValue": -0.0}, {"borderValue": 0.0},
                           {"borderValue": (7, 8.5, 9)}):
                    cases.append((dt, shape, m, kw))
    for dsize in ((41, 33), [41, 33]):
        for dt, shape, m, kw in cases[:: 3 if dsize == [41, 33] else 1]:
            x = rng.random(shape) * 300
            x = x.astype(dt)
            first = pgo.warpAffine(x, m, dsize, **kw)
            x2 = (rng.random(shape) * 300).astype(dt)  # new values, same layout
            again = pgo.warpAffine(x2, m, dsize, **kw)
            _same(again, _fresh(x2, m, dsize, **kw))
            _same(first, _fresh(x, m, dsize, **kw))


def test_layout_and_matrix_changes() -> None:
    rng = np.random.default_rng(4)
    x = (rng.random((40, 50, 3)) * 255).astype(np.uint8)
    m = np.array([[0.9, -0.3, 5.5], [0.3, 0.9, -2.25]])
    pgo.warpAffine(x, m, (50, 40))
    for v in (x[::-1], x[:, ::2], np.asfortranarray(x), x[..., ::-1]):  # other layouts
        _same(pgo.warpAffine(v, m, (50, 40)), _fresh(v, m, (50, 40)))
    m2 = m.copy()
    m2[0, 2] += 0.25  # the same array object changed in place: a new key
    _same(pgo.warpAffine(x, m2, (50, 40)), _fresh(x, m2, (50, 40)))


def test_against_cv2_after_a_repeat() -> None:
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(5)
    m = np.array([[0.9, -0.3, 5.5], [0.3, 0.9, -2.25]])
    for dt in ("uint8", "float32"):
        for _ in range(3):
            x = (rng.random((64, 64, 3)) * 255).astype(dt)
            got = pgo.warpAffine(x, m, (64, 64), ipp=False)
            old = cv2.ipp.useIPP()
            cv2.ipp.setUseIPP(False)
            try:
                want = cv2.warpAffine(x, m, (64, 64), flags=cv2.INTER_LINEAR)
            finally:
                cv2.ipp.setUseIPP(old)
            np.testing.assert_array_equal(got, want)


def test_engine_choice_is_part_of_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    x = (np.random.default_rng(6).random((20, 30, 3)) * 255).astype(np.uint8)
    m = np.array([[0.9, -0.3, 5.5], [0.3, 0.9, -2.25]])
    native = pgo.warpAffine(x, m, (30, 20), ipp=False)
    monkeypatch.setenv("PIXELGRID_ENGINE", "reference")  # the numpy oracle: same values
    _same(pgo.warpAffine(x, m, (30, 20), ipp=False), native)
    assert all(k[-1] is None for k in _opencv_warp._CALL_MEMO)  # (nothing stored for it)


def test_bad_arguments_still_raise_after_a_repeat() -> None:
    x = np.zeros((8, 8, 3), np.uint8)
    m = np.array([[1.0, 0, 0], [0, 1, 0]])
    pgo.warpAffine(x, m, (8, 8))
    with pytest.raises(ValueError, match="flags"):
        pgo.warpAffine(x, m, (8, 8), flags=2)
    with pytest.raises(TypeError, match="borderValue"):
        pgo.warpAffine(x, m, (8, 8), borderValue="x")
