"""warp_affine's per-call memo (pixelgrid.affine._WARP_MEMO): repeats equal fresh calls.

A repeated call takes the memoised path; its result must equal the numpy oracle
(``engine="reference"``) and the first call's bit for bit, and an invalid call after a
valid one must raise exactly what it raises in a fresh process state (empty memo).
"""

from __future__ import annotations

import numpy as np
import pytest

import pixelgrid as pg
from pixelgrid import affine as _affine


def _img(shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.random(shape)
    if dtype == "uint8":
        return (v * 256).astype(np.uint8)
    a = v.astype(dtype)
    a.flat[::29] = np.nan  # non-finite pixels reach exactly the outputs weighting them
    a.flat[7::41] = np.inf
    return a


CASES = [
    ((37, 41, 3), "uint8", "linear", "constant"),
    ((37, 41, 3), "float32", "cubic", "reflect"),
    ((33, 30), "float64", "nearest", "wrap"),
    ((20, 25, 4), "float32", "linear", ("clamp", "symmetric")),
    ((3, 19, 23), "uint8", "cubic", "renormalize"),  # channels first: axes=(1, 2)
]


@pytest.mark.parametrize(("shape", "dtype", "kernel", "boundary"), CASES)
@pytest.mark.parametrize("inverse_map", [False, True])
@pytest.mark.parametrize("nan_policy", ["propagate", "omit"])
def test_repeats_equal_reference(shape: tuple[int, ...], dtype: str, kernel: str,
                                 boundary: str | tuple[str, str], inverse_map: bool,
                                 nan_policy: str) -> None:
    x = _img(shape, dtype)
    axes = (1, 2) if shape[0] == 3 else None
    m = pg.rotation(17, (10.3, 12.1), 1.07)
    kw = dict(kernel=kernel, boundary=boundary, fill_value=2.5, inverse_map=inverse_map,
              nan_policy=nan_policy, axes=axes)
    _affine._WARP_MEMO.clear()
    ref = pg.warp_affine(x, m, (29, 31), engine="reference", **kw)
    first = pg.warp_affine(x, m, (29, 31), **kw)
    for _ in range(3):  # the memoised path
        again = pg.warp_affine(x, m, (29, 31), **kw)
        assert again.dtype == ref.dtype and again.shape == ref.shape
        assert again.flags.c_contiguous
        np.testing.assert_array_equal(again, ref)
        assert again.tobytes() == first.tobytes()


def test_memo_holds_no_arrays_and_is_bounded() -> None:
    _affine._WARP_MEMO.clear()
    x = _img((16, 16, 3), "uint8")
    for t in range(80):
        pg.warp_affine(x, pg.translation(t / 7, 0.25))
    assert 0 < len(_affine._WARP_MEMO) <= 64

    def arrays(v: object) -> bool:
        if isinstance(v, np.ndarray):
            return True
        return isinstance(v, tuple) and any(arrays(e) for e in v)

    assert not any(arrays(v) for v in _affine._WARP_MEMO.values())


@pytest.mark.parametrize("kernel", ["nearest", "linear"])
def test_negative_zero_fill_is_not_confused(kernel: str) -> None:
    # -0.0 == 0.0, but a gather fills float outputs with -0.0 itself (other bytes)
    x = _img((8, 8), "float32")
    m = pg.translation(20.0, 0.0)
    _affine._WARP_MEMO.clear()
    for fill in (0.0, -0.0, 0.0, -0.0):
        got = pg.warp_affine(x, m, kernel=kernel, fill_value=fill)
        ref = pg.warp_affine(x, m, kernel=kernel, fill_value=fill, engine="reference")
        assert got.tobytes() == ref.tobytes()
        if kernel == "nearest":
            assert bool(np.signbit(got).all()) == (str(fill) == "-0.0")


def test_argument_types_are_part_of_the_key() -> None:
    x = _img((12, 12, 3), "uint8")
    m = pg.rotation(30, (5.5, 5.5))
    pg.warp_affine(x, m, (10, 10))
    with pytest.raises(TypeError, match="inverse_map"):
        pg.warp_affine(x, m, (10, 10), inverse_map=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="size"):
        pg.warp_affine(x, m, (10.0, 10))  # equal to (10, 10), but not integers  # type: ignore[arg-type]


BAD = [
    (dict(kernel="bogus"), ValueError),
    (dict(boundary="nope"), ValueError),
    (dict(fill_value=float("nan")), ValueError),
    (dict(convention="x"), ValueError),
    (dict(nan_policy="x"), ValueError),
    (dict(engine="x"), ValueError),
    (dict(boundary="zeros", fill_value=1.0), ValueError),
    (dict(size=(0, 3)), ValueError),
]


def _error(f: object) -> tuple[type, str]:
    try:
        f()  # type: ignore[operator]
    except Exception as e:  # the exact error is what is compared
        return type(e), str(e)
    raise AssertionError("no error")


@pytest.mark.parametrize(("bad", "kind"), BAD)
def test_invalid_after_valid_raises_as_fresh(bad: dict[str, object], kind: type) -> None:
    x = _img((20, 20, 3), "float32")
    m = pg.rotation(17, (9.5, 9.5), 1.07)
    good: dict[str, object] = dict(kernel="linear", boundary="constant", fill_value=0.0)
    _affine._WARP_MEMO.clear()
    fresh = _error(lambda: pg.warp_affine(x, m, **{**good, **bad}))
    assert fresh[0] is kind
    for _ in range(2):
        pg.warp_affine(x, m, **good)  # memoised
        assert _error(lambda: pg.warp_affine(x, m, **{**good, **bad})) == fresh


def test_bad_matrix_after_valid_raises() -> None:
    x = _img((20, 20), "float32")
    m = pg.rotation(17, (9.5, 9.5))
    pg.warp_affine(x, m)
    pg.warp_affine(x, m)
    with pytest.raises(ValueError, match="matrix is singular"):
        pg.warp_affine(x, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="matrix must be finite"):
        pg.warp_affine(x, np.array([[1.0, 0, np.inf], [0, 1, 0]]))


def test_changed_engine_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _img((15, 17, 3), "float32")
    m = pg.rotation(11, (7.0, 8.0), 0.93)
    a = pg.warp_affine(x, m, kernel="cubic")
    monkeypatch.setenv("PIXELGRID_ENGINE", "bogus")
    with pytest.raises(ValueError, match="PIXELGRID_ENGINE"):
        pg.warp_affine(x, m, kernel="cubic")
    monkeypatch.setenv("PIXELGRID_ENGINE", "reference")
    b = pg.warp_affine(x, m, kernel="cubic")
    assert a.tobytes() == b.tobytes()


MATRICES = [
    pg.rotation(17, (9.1, 8.3), 1.07),
    pg.rotation(-40, (3.0, 12.5), 0.8),
    pg.rotation(90, (10.0, 10.0)),
    np.array([[-0.0, 1.0, 0.0], [1.0, -0.0, -0.0]]),  # -0.0 entries (inverse_map keeps them)
    np.array([[1, 0, 3], [0, 1, -2]]),  # integers
    [[1.0, 0.2, 0.5], [0.1, 1.0, -0.5]],  # a list
    np.eye(3, dtype=np.float32),
]


BAD_MATRICES = [
    np.zeros((2, 3)),  # singular (fine with inverse_map)
    np.array([[1e300, 0, 0], [0, 1e300, 0]]),  # beyond float range one way or the other
    np.array([[1.0, 0.0, 2.0**53], [0.0, 1.0, 0.0]]),  # too far for a periodic boundary
    np.array([[1.0, 0.0, np.nan], [0.0, 1.0, 0.0]]),
    np.ones((3, 3)),
]


def _outcome(x: np.ndarray, m: object, kw: dict[str, object]) -> tuple[object, ...]:
    try:
        return ("ok", pg.warp_affine(x, m, (17, 23), **kw).tobytes())
    except ValueError as e:
        return (type(e), str(e))


@pytest.mark.parametrize("convention", ["index", "continuous"])
@pytest.mark.parametrize("inverse_map", [False, True])
@pytest.mark.parametrize("boundary", ["constant", "wrap"])
def test_new_matrices_after_memoised_arguments(convention: str, inverse_map: bool,
                                               boundary: str) -> None:
    # the arguments but the matrix are memoised after the first call; each new matrix is
    # checked and converted again (and found in _BACK_MEMO when it repeats)
    x = _img((21, 19, 3), "float32")
    kw = dict(boundary=boundary, convention=convention, inverse_map=inverse_map,
              fill_value=-1.5)
    fresh = {}
    for bad in BAD_MATRICES:
        _affine._WARP_MEMO.clear()
        _affine._BACK_MEMO.clear()
        fresh[id(bad)] = _outcome(x, bad, kw)
    for _ in range(2):
        for m in MATRICES:
            got = pg.warp_affine(x, m, (17, 23), **kw)
            ref = pg.warp_affine(x, m, (17, 23), engine="reference", **kw)
            assert got.tobytes() == ref.tobytes()
        for bad in BAD_MATRICES:  # what a call with an empty memo gives, error or array
            assert _outcome(x, bad, kw) == fresh[id(bad)]


def test_opencv_warp_affine_repeats_equal_fresh_calls() -> None:
    # compat.opencv.warpAffine keeps the compiled kernel's arguments of a call that
    # succeeded (pixelgrid._sampling._CV_MEMO): repeats equal the numpy oracle's model
    from pixelgrid import _sampling
    from pixelgrid.compat import opencv as pco

    x = _img((23, 29, 3), "float32")
    x[~np.isfinite(x)] = 0.5
    m = pg.rotation(17, (14.0, 11.0), 1.07)[:2]
    m[0, 2] += 9.0  # some outputs read the border value (-0.0 or 0.0)
    _sampling._CV_MEMO.clear()
    for fill in (0.0, -0.0, (1.5, -0.0, 2.0), -0.0, 0.0):
        for flags in (pco.INTER_LINEAR, pco.INTER_NEAREST | pco.WARP_INVERSE_MAP):
            kw = dict(flags=flags, borderMode=pco.BORDER_CONSTANT, borderValue=fill,
                      ipp=False)
            saved = dict(_sampling._CV_MEMO)
            _sampling._CV_MEMO.clear()
            fresh = pco.warpAffine(x, m, (31, 19), **kw)  # the full path
            _sampling._CV_MEMO.update(saved)
            for _ in range(2):  # stored, then found (after entries of other fills)
                assert pco.warpAffine(x, m, (31, 19), **kw).tobytes() == fresh.tobytes()
    with pytest.raises(ValueError, match="2\\*\\*30"):
        pco.warpAffine(x, np.array([[1.0, 0, 3e9], [0, 1, 0]]), (31, 19),
                       borderMode=pco.BORDER_WRAP)
    assert 0 < len(_sampling._CV_MEMO) <= 64
