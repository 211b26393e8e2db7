"""The small-call fast paths never give a stale result (issue 15, small calls).

``warp_affine``'s memo keeps a runner per image layout and the map as a float64 array,
``resize``/compat routes of one compiled pass run it directly (the float scan folded
into the pass), gather routes run ``native.gather_runner``.  Every call below follows a
call that filled those memos with *other* arguments, shapes, dtypes, layouts, data or
environment, and must equal the numpy oracle (``engine="reference"``) bit for bit.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pixelgrid as pg
from pixelgrid import _arrays, _resize
from pixelgrid import affine as _affine

_RNG = np.random.default_rng(20261207)


def _img(shape: tuple[int, ...], dtype: str, bad: bool = False) -> np.ndarray:
    v = _RNG.random(shape)
    if np.dtype(dtype).kind in "iu":
        return (v * 200).astype(dtype)
    a = v.astype(dtype)
    if bad:
        a.flat[::29] = np.nan
        a.flat[5::37] = np.inf
        a.flat[11::43] = -np.inf
    return a


def _same(a: np.ndarray, b: np.ndarray) -> None:
    """Equal bytes (-0.0 told from 0.0), NaN in the same places (its sign bit aside: the
    compiled and numpy engines already differ there on main, e.g. cubic warps)."""
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype.kind in "fc":
        nan = np.isnan(a)
        np.testing.assert_array_equal(nan, np.isnan(b))
        a, b = np.where(nan, 0, a), np.where(nan, 0, b)
    assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def _fresh_resize(x: np.ndarray, size: tuple[int, int], **kw: object) -> np.ndarray:
    """A call with empty call and route memos (run_plans' full path)."""
    _resize._CALLS.clear()
    _arrays._ROUTES.clear()
    return pg.resize(x, size, **kw)  # type: ignore[arg-type]


def _fresh_warp(x: np.ndarray, m: object, **kw: object) -> np.ndarray:
    """A call with empty warp memos (the full path)."""
    _affine._WARP_MEMO.clear()
    _affine._BACK_MEMO.clear()
    return pg.warp_affine(x, m, **kw)  # type: ignore[arg-type]


WARP_CALLS = [
    dict(),
    dict(kernel="cubic"),
    dict(kernel="nearest", fill_value=-0.0),
    dict(fill_value=-0.0),
    dict(fill_value=2.5, boundary="reflect"),
    dict(boundary=("wrap", "clamp")),
    dict(inverse_map=True),
    dict(convention="continuous"),
    dict(nan_policy="omit"),
    dict(size=(23, 31)),
    dict(size=(31, 23), kernel="cubic", boundary="symmetric"),
]


def test_warp_affine_alternating_calls_equal_reference() -> None:
    # each call is made right after another call with different arguments, and again
    # (the memoised path), with a new matrix, and on another image of the same layout
    _affine._WARP_MEMO.clear()
    _affine._BACK_MEMO.clear()
    images = [_img((29, 27, 3), "float32", bad=True), _img((29, 27, 3), "uint8"),
              _img((29, 27), "float64", bad=True), _img((29, 27, 4), "uint16")]
    mats = [pg.rotation(17, (13.0, 14.0), 1.07), pg.rotation(-31, (4.0, 9.0), 0.9),
            pg.translation(2.5, -1.25)]
    for (x, kw), m in itertools.product(itertools.product(images, WARP_CALLS), mats):
        ref = pg.warp_affine(x, m, engine="reference", **kw)  # type: ignore[arg-type]
        for _ in range(2):
            _same(pg.warp_affine(x, m, **kw), ref)  # type: ignore[arg-type]
        first = pg.warp_affine(x, m, **kw).tobytes()  # type: ignore[arg-type]
        assert _fresh_warp(x, m, **kw).tobytes() == first
        other = _img(x.shape, str(x.dtype), bad=x.dtype.kind == "f")  # new data, same layout
        _same(pg.warp_affine(other, m, **kw),  # type: ignore[arg-type]
              pg.warp_affine(other, m, engine="reference", **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("view", ["reversed", "transposed", "fortran", "step", "channels_first"])
def test_warp_affine_layouts_after_contiguous(view: str) -> None:
    base = _img((30, 30, 3), "float32", bad=True)
    m = pg.rotation(23, (14.5, 14.5), 1.1)
    pg.warp_affine(base, m)
    pg.warp_affine(base, m)  # the contiguous layout is memoised
    axes = None
    if view == "reversed":
        x = base[::-1, ::-1]
    elif view == "transposed":
        x = base.transpose(1, 0, 2)
    elif view == "fortran":
        x = np.asfortranarray(base)
    elif view == "step":
        x = _img((60, 30, 3), "float32")[::2]
    else:
        x, axes = np.ascontiguousarray(base.transpose(2, 0, 1)), (1, 2)
    ref = pg.warp_affine(x, m, axes=axes, engine="reference")
    for _ in range(3):
        _same(pg.warp_affine(x, m, axes=axes), ref)


def test_warp_affine_matrix_forms_and_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _img((25, 21, 3), "uint8")
    m = pg.rotation(40, (10.0, 12.0), 0.95)
    forms = [m, m[:2].copy(), m.astype(np.float32), m[:2].tolist(), np.asfortranarray(m)]
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
        for f in forms:
            ref = pg.warp_affine(x, f, engine="reference")
            _same(pg.warp_affine(x, f), ref)
            _same(pg.warp_affine(x, f), ref)
    # the same bytes in another shape or dtype is another matrix (float32 entries)
    a = pg.warp_affine(x, m.astype(np.float32))
    _same(a, pg.warp_affine(x, m.astype(np.float32).astype(np.float64)))


def test_warp_affine_pil_image_still_round_trips() -> None:
    pil = pytest.importorskip("PIL.Image")
    x = _img((20, 24, 3), "uint8")
    m = pg.rotation(15, (11.5, 9.5))
    pg.warp_affine(x, m)
    got = pg.warp_affine(pil.fromarray(x), m)
    assert isinstance(got, pil.Image) and got.mode == "RGB"
    _same(np.asarray(got), pg.warp_affine(x, m, engine="reference"))


def test_warp_memo_bounded_and_map_read_only() -> None:
    x = _img((9, 9), "float32")
    for t in range(70):
        pg.warp_affine(x, pg.translation(t / 9, 0.5))
    assert len(_affine._WARP_MEMO) <= 64 and len(_affine._BACK_MEMO) <= 64
    for aff in _affine._BACK_MEMO.values():
        assert aff.shape == (7,) and not aff.flags.writeable


@pytest.mark.parametrize("bad", [
    np.zeros((2, 3)),
    np.array([[1e-170, 0.0, 0.0], [0.0, 1e-170, 0.0]]),  # determinant 0 after underflow
    np.array([[1e308, 1e308, 0.0], [-1e308, 1e308, 0.0]]),  # determinant overflows
    np.array([[1.0, 0.0, np.nan], [0.0, 1.0, 0.0]]),
    np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 1.0]]),
    np.ones((2, 2)),
])
def test_invert_errors_name_the_matrix(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="matrix"):
        pg.invert(bad)


def test_invert_is_an_inverse() -> None:
    # a property: invert(m) @ m is the identity, to rounding, for random affine maps
    for _ in range(200):
        m = np.eye(3)
        m[:2] = _RNG.normal(size=(2, 3)) * 5
        if abs(np.linalg.det(m[:2, :2])) < 1e-3:
            continue
        np.testing.assert_allclose(pg.invert(m) @ m, np.eye(3), atol=1e-9)
    assert pg.invert(np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 2.0]])).tolist() == \
        [[0.0, -1.0, 2.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]  # exact, no -0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [(47, 53), (13, 11)])  # one pass: input / result scanned
def test_one_pass_resize_sees_new_data(dtype: str, size: tuple[int, int]) -> None:
    # the route is made on clean data; later data of the same layout has NaN/inf, values
    # that overflow float32 sums, then is clean again
    clean = _img((31, 35, 3), dtype)
    for _ in range(2):
        pg.resize(clean, size)
    huge = clean * np.asarray(3e38 if dtype == "float32" else 1e308, dtype)
    for x in (_img((31, 35, 3), dtype, bad=True), huge, clean, -huge):
        for kw in (dict(), dict(kernel="cubic"), dict(antialias=False)):
            with np.errstate(over="ignore", invalid="ignore"):
                ref = pg.resize(x, size, engine="reference", **kw)  # type: ignore[arg-type]
                fresh = _fresh_resize(x, size, **kw)
                for _ in range(2):
                    got = pg.resize(x, size, **kw)  # type: ignore[arg-type]
                    _same(got, fresh)
                    # float32 sums on the compiled engine: within rounding of the oracle,
                    # non-finite values where it has them
                    for test in (np.isnan, np.isposinf, np.isneginf):
                        np.testing.assert_array_equal(test(got), test(ref))
                    fin, scale = np.isfinite(ref), float(np.abs(x[np.isfinite(x)]).max())
                    np.testing.assert_allclose(got[fin], ref[fin], rtol=0, atol=4e-6 * scale)


def test_one_pass_resize_threads_and_dtypes(monkeypatch: pytest.MonkeyPatch) -> None:
    for threads, dtype in itertools.product(("1", "2"), ("uint8", "uint16", "float32")):
        monkeypatch.setenv("PIXELGRID_NUM_THREADS", threads)
        x = _img((40, 44, 3), dtype, bad=True)
        fresh = _fresh_resize(x, (66, 70))
        for _ in range(2):
            _same(pg.resize(x, (66, 70)), fresh)
        _same(pg.resize(x, (66, 70), threads=1), fresh)


@pytest.mark.parametrize("dtype", ["uint8", "float32", "int32", "bool", "uint64", "float16"])
def test_gather_routes_after_other_dtypes(dtype: str) -> None:
    from pixelgrid.compat import pillow as ppil

    x = _img((36, 40, 3), "float64").astype(dtype) if dtype != "uint8" else _img((36, 40, 3),
                                                                                  "uint8")
    for size in ((50, 30), (1, 1), (36, 40)):
        ref = pg.resize(x, size, kernel="nearest", engine="reference")
        for _ in range(3):
            _same(pg.resize(x, size, kernel="nearest"), ref)
    if dtype == "uint8":  # the compat route of a gather (Pillow NEAREST: 2, 3 and 4 channels)
        for c in (2, 3, 4):
            y = _img((64, 48, c), "uint8")
            first = ppil.resize(y, (20, 30), ppil.NEAREST)
            for _ in range(2):
                _same(ppil.resize(y, (20, 30), ppil.NEAREST), first)
                _same(ppil.resize(y[::-1], (20, 30), ppil.NEAREST),
                      ppil.resize(np.ascontiguousarray(y[::-1]), (20, 30), ppil.NEAREST))


def test_positional_extension_calls_follow_the_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelgrid._engines import native, native_sampler

    def fake() -> None: ...

    fake.__doc__ = ("fake(src: ndarray[device='cpu', writable=False], dst: int, "
                    "grid: int | None = None) -> None")
    assert native.takes_positional(fake, ("src", "dst", "grid"))
    assert not native.takes_positional(fake, ("dst", "src", "grid"))
    assert not native.takes_positional(fake, ("src", "dst"))
    if native_sampler.supported():  # the compiled sampler's own signature is read as such
        assert native.takes_positional(native_sampler._ext.sample_points,
                                       native_sampler._SAMPLE_POINTS_ARGS)
    # a binding whose parameters moved: keyword calls, the same results
    x = _img((21, 19, 3), "float32", bad=True)
    m = pg.rotation(12, (9.0, 10.0), 1.2)
    for positional in (True, False):
        monkeypatch.setattr(native_sampler, "takes_positional",
                            lambda fn, names, p=positional: p)
        _affine._WARP_MEMO.clear()
        for _ in range(3):
            _same(pg.warp_affine(x, m, kernel="cubic"),
                  pg.warp_affine(x, m, kernel="cubic", engine="reference"))
