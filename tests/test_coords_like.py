"""``resize_map(..., like=<library>)`` against the real libraries.

The map claims: output sample ``o`` reads the input at ``x_in(o)`` (``points(...,
inverse=True)``), and an input point ``p`` lands at ``points(p)``.  Both are checked on the
library's own output, with inputs whose resize reveals the position exactly:

* a ramp (``value = column index``) through a kernel that reproduces linear functions
  (linear interpolation, Pillow's upsampling filters, SciPy/skimage order 1) gives back
  ``x_in(o)`` itself at every output away from the edges;
* a one-hot row upsampled linearly gives two outputs beside the landing point ``p`` of the
  hot pixel ``i`` with values ``1 - a (p - o1)`` and ``1 - a (o2 - p)``, so
  ``p = o1 + (1 - v1) / ((1 - v1) + (1 - v2))`` (no scale needed);
* nearest-neighbour rules read ``floor(x_in)`` (OpenCV ``INTER_NEAREST``) or
  ``floor(x_in + 1/2)`` (Pillow ``NEAREST``), checked away from exact ties.

A wrong convention (a half-pixel shift, align-corners for half-pixel, a box offset) moves
these by 0.1 px or more; the tolerances are the libraries' float32 position rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from pixelgrid._explain import LIKE, like_plans
from pixelgrid.coords import resize_map

ROWS = 2  # thin images: the mapped axis is the long one


def _ramp(n: int) -> np.ndarray:
    return np.tile(np.arange(n, dtype=np.float32), (ROWS, 1))


def _source_x(m: Any, n_out: int) -> np.ndarray:
    """x_in of every output column of row 0, by the map (index convention, x = column)."""
    pts = np.stack([np.arange(n_out, dtype=np.float64), np.zeros(n_out)], axis=-1)
    return m.points(pts, inverse=True)[:, 0]


def _cv2(n: int, m: int, interp: str, **kw: Any) -> tuple[Callable[[np.ndarray], Any], Any]:
    cv2 = pytest.importorskip("cv2")
    flag = getattr(cv2, interp)
    if "fx" in kw:
        def run(a: np.ndarray) -> Any:
            return cv2.resize(a, None, fx=kw["fx"], fy=1.0, interpolation=flag)
        cmap = resize_map((ROWS, n), None, like="opencv", fx=kw["fx"], fy=1.0,
                          interpolation=interp)
    else:
        def run(a: np.ndarray) -> Any:
            return cv2.resize(a, (m, ROWS), interpolation=flag)
        cmap = resize_map((ROWS, n), (ROWS, m), like="opencv", interpolation=interp)
    return run, cmap


def _pillow(n: int, m: int, filt: str, box: tuple[float, float] | None = None
            ) -> tuple[Callable[[np.ndarray], Any], Any]:
    image = pytest.importorskip("PIL.Image")
    resample = getattr(image.Resampling, filt)
    pbox = None if box is None else (box[0], 0.0, box[1], float(ROWS))

    def run(a: np.ndarray) -> Any:
        return np.asarray(image.fromarray(a.astype(np.float32), mode="F").resize(
            (m, ROWS), resample, box=pbox))
    return run, resize_map((ROWS, n), (ROWS, m), like="pillow", resample=filt, box=pbox)


def _scipy(n: int, m: int) -> tuple[Callable[[np.ndarray], Any], Any]:
    ndimage = pytest.importorskip("scipy.ndimage")
    z = m / n

    def run(a: np.ndarray) -> Any:
        return ndimage.zoom(a.astype(np.float64), (1.0, z), order=1)
    return run, resize_map((ROWS, n), None, like="scipy", zoom=(1.0, z), order=1)


def _skimage(n: int, m: int, aa: bool) -> tuple[Callable[[np.ndarray], Any], Any]:
    transform = pytest.importorskip("skimage.transform")

    def run(a: np.ndarray) -> Any:
        return transform.resize(a.astype(np.float64), (ROWS, m), order=1, anti_aliasing=aa)
    return run, resize_map((ROWS, n), (ROWS, m), like="skimage", order=1, anti_aliasing=aa)


def _torch(n: int, m: int, align: bool) -> tuple[Callable[[np.ndarray], Any], Any]:
    torch = pytest.importorskip("torch")

    def run(a: np.ndarray) -> Any:
        t = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None, None]
        return torch.nn.functional.interpolate(t, size=(ROWS, m), mode="bilinear",
                                               align_corners=align)[0, 0].numpy()
    return run, resize_map((ROWS, n), (ROWS, m), like="torch", mode="bilinear",
                           align_corners=align)


# (id, factory, n_in, n_out): kernels that reproduce a ramp exactly, up and down.
RAMP_CASES = [
    ("cv2 LINEAR up", lambda: _cv2(2000, 5000, "INTER_LINEAR"), 2000, 5000),
    ("cv2 LINEAR down", lambda: _cv2(5000, 2000, "INTER_LINEAR"), 5000, 2000),
    ("cv2 LINEAR_EXACT up", lambda: _cv2(2001, 5000, "INTER_LINEAR_EXACT"), 2001, 5000),
    ("cv2 LINEAR fx=2.5", lambda: _cv2(2000, 5000, "INTER_LINEAR", fx=2.5), 2000, 5000),
    ("cv2 LINEAR fx=0.37", lambda: _cv2(5000, 1850, "INTER_LINEAR", fx=0.37), 5000, 1850),
    ("cv2 LINEAR 7->13", lambda: _cv2(7, 13, "INTER_LINEAR"), 7, 13),
    ("pillow BILINEAR up", lambda: _pillow(2000, 5000, "BILINEAR"), 2000, 5000),
    ("pillow BICUBIC up", lambda: _pillow(2000, 5001, "BICUBIC"), 2000, 5001),
    ("pillow BILINEAR box", lambda: _pillow(2000, 5000, "BILINEAR", (10.5, 1990.25)), 2000,
     5000),
    ("pillow BILINEAR 7->13", lambda: _pillow(7, 13, "BILINEAR"), 7, 13),
    ("scipy order 1 up", lambda: _scipy(2000, 5000), 2000, 5000),
    ("scipy order 1 down", lambda: _scipy(5000, 2000), 5000, 2000),
    ("skimage order 1 up", lambda: _skimage(2000, 5000, False), 2000, 5000),
    ("skimage order 1 down, anti_aliasing", lambda: _skimage(2000, 800, True), 2000, 800),
    ("torch bilinear down", lambda: _torch(5000, 2000, False), 5000, 2000),
    ("torch bilinear align_corners up", lambda: _torch(2000, 5000, True), 2000, 5000),
]


@pytest.mark.parametrize(("make", "n", "m"), [c[1:] for c in RAMP_CASES],
                         ids=[c[0] for c in RAMP_CASES])
def test_map_reads_where_the_library_reads(make: Any, n: int, m: int) -> None:
    run, cmap = make()
    got = np.asarray(run(_ramp(n)), dtype=np.float64)[0]
    assert cmap.out_shape == (ROWS, m) and got.shape == (m,)
    x = _source_x(cmap, m)
    # Away from the edges (clamped taps; skimage's blur reflects at the border).
    margin = 5 if n > 100 else 0
    inner = (x >= margin) & (x <= n - 1 - margin)
    assert inner.sum() > 0.6 * m
    # float32 positions and sums of the libraries: ~ulp(5000) = 4.9e-4
    np.testing.assert_allclose(got[inner], x[inner], rtol=0, atol=1e-3)


IMPULSE_CASES = [c for c in RAMP_CASES if c[2] < c[3] and "BICUBIC" not in c[0]]


@pytest.mark.parametrize(("make", "n", "m"), [c[1:] for c in IMPULSE_CASES],
                         ids=[c[0] for c in IMPULSE_CASES])
def test_point_lands_where_the_library_puts_it(make: Any, n: int, m: int) -> None:
    run, cmap = make()
    hot = [i for i in (2, n // 3, n // 2 + 1, n - 3) if 1 < i < n - 2]
    img = np.zeros((ROWS, n), dtype=np.float32)
    img[:, hot] = 1.0
    out = np.asarray(run(img), dtype=np.float64)[0]
    pts = np.stack([np.asarray(hot, dtype=np.float64), np.zeros(len(hot))], axis=-1)
    want = cmap.points(pts)[:, 0]
    for i, p in zip(hot, want, strict=True):
        if not 1 <= p <= m - 2:  # outside the output (a box that crops the hot pixel away)
            continue
        o1 = int(np.floor(p))
        if o1 == p:  # lands exactly on an output sample: there the output is 1
            assert out[o1] == pytest.approx(1.0, abs=1e-5), i
            continue
        v1, v2 = out[o1], out[o1 + 1]
        landed = o1 + (1 - v1) / ((1 - v1) + (1 - v2))
        assert landed == pytest.approx(p, abs=2e-3), (i, p, landed)


def _near_tie(x: np.ndarray, shift: float) -> np.ndarray:
    return np.abs((x + shift) - np.round(x + shift)) < 1e-6


@pytest.mark.parametrize(("n", "m"), [(2000, 5000), (5000, 2000), (4095, 2047), (13, 7)])
def test_nearest_maps(n: int, m: int) -> None:
    ramp = _ramp(n)
    # OpenCV INTER_NEAREST reads floor(x_in) (asymmetric grid)
    run, cmap = _cv2(n, m, "INTER_NEAREST")
    x = _source_x(cmap, m)
    ok = ~_near_tie(x, 0.0)
    got = np.asarray(run(ramp))[0]
    np.testing.assert_array_equal(got[ok], np.clip(np.floor(x[ok]), 0, n - 1))
    # Pillow NEAREST reads floor(x_in + 1/2) (half-pixel grid)
    run, cmap = _pillow(n, m, "NEAREST")
    x = _source_x(cmap, m)
    ok = ~_near_tie(x, 0.5)
    got = np.asarray(run(ramp))[0]
    np.testing.assert_array_equal(got[ok], np.clip(np.floor(x[ok] + 0.5), 0, n - 1))


def test_every_library_records_its_map() -> None:
    # Every registered library's plans carry their coordinate map (issue 12: the OpenCV,
    # Pillow, SciPy and scikit-image plans did not, and resize_map raised).
    calls = {
        "torch": [{"mode": m} for m in ("nearest", "nearest-exact", "bilinear", "bicubic",
                                        "area")],
        "tensorflow": [{"method": m} for m in ("nearest", "bilinear", "bicubic", "area",
                                               "lanczos3", "mitchellcubic", "gaussian")],
        "jax": [{"method": m} for m in ("nearest", "linear", "cubic", "lanczos3")],
        "opencv": [{"interpolation": i} for i in range(7)],
        "pillow": [{"resample": r, "reducing_gap": g} for r in range(6) for g in (None, 2.0)],
        "onnx": [{"mode": m} for m in ("nearest", "linear", "cubic")],
        "scipy": [{"order": o} for o in range(6)],
        "skimage": [{"order": o, "anti_aliasing": aa} for o in range(4)
                    for aa in (False, True)],
        "matlab": [{"method": m} for m in ("nearest", "bilinear", "bicubic", "lanczos3",
                                          "box")],
    }
    assert set(calls) <= set(LIKE) | {"opencv", "pillow", "onnx", "scipy", "skimage",
                                      "matlab"}
    for like, options in calls.items():
        for opts in options:
            for shape, size in [((48, 64), (24, 32)), ((30, 40), (71, 123))]:
                cmap = resize_map(shape, size, like=like, **opts)
                assert cmap.out_shape == size, (like, opts)
                # the map is the one the plans record (one definition: plan() and
                # spline_plan() store the Affine their positions come from)
                for ax, p in like_plans(like, shape, size, **opts):
                    assert cmap.affines[ax] == p.info["affine"], (like, opts, ax)
