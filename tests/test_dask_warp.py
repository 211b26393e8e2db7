"""warp_affine and sample on Dask arrays: lazy, bit-identical to the in-memory call.

Expected values are the in-memory call on the same numbers (the property the
chunked path promises), never values computed by the chunked path itself.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pixelgrid import warp  # noqa: E402

KERNELS = ["nearest", "linear", "cubic", "lanczos3"]
BOUNDARIES = ["constant", "zeros", "renormalize", "clamp", "reflect", "symmetric", "wrap"]
DTYPES = ["uint8", "float32", "float64"]
_SETTINGS = settings(max_examples=int(os.environ.get("PIXELGRID_DASK_EXAMPLES", "120")),
                     deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "uint8":
        return rng.integers(0, 256, shape).astype(np.uint8)
    return rng.random(shape).astype(dtype)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(
        np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


@st.composite
def _case(draw: st.DrawFn) -> dict:
    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    c = draw(st.sampled_from([None, 1, 3]))
    shape = (h, w) if c is None else (h, w, c)
    boundary = draw(st.sampled_from(BOUNDARIES))
    return {
        "shape": shape,
        "in_chunks": tuple(draw(st.integers(1, n)) for n in shape),
        "out_size": (draw(st.integers(1, 45)), draw(st.integers(1, 45))),
        "out_chunks": draw(st.none() | st.tuples(*[st.integers(1, 30) for _ in shape])),
        "kernel": draw(st.sampled_from(KERNELS)),
        "boundary": boundary,
        "fill": 0.0 if boundary == "zeros" else draw(st.sampled_from([0.0, 0.25, 7.0])),
        "dtype": draw(st.sampled_from(DTYPES)),
        # rotation (degrees), scales and a shift: the output reaches outside the input
        "angle": draw(st.floats(-180, 180)),
        "scale": (draw(st.floats(0.3, 3.0)), draw(st.floats(0.3, 3.0))),
        "shift": (draw(st.floats(-20, 20)), draw(st.floats(-20, 20))),
        "nan": draw(st.booleans()),
        "computed": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**31)),
    }


def _input(case: dict) -> tuple[np.ndarray, object]:
    rng = np.random.default_rng(case["seed"])
    x = _data(rng, case["shape"], case["dtype"])
    if case["nan"] and x.dtype.kind == "f" and x.size > 2:
        x.flat[rng.integers(0, x.size, 2)] = [np.nan, np.inf]
    xd = da.from_array(x, chunks=case["in_chunks"])
    if case["computed"]:  # not a plain read: blocks assemble their slab from input chunks
        xd = xd.map_blocks(np.copy)
    return x, xd


def _chunks(case: dict) -> tuple[int, ...] | None:
    return case["out_chunks"]


@_SETTINGS
@given(_case())
def test_chunked_warp_affine_is_bit_identical(case: dict) -> None:
    x, xd = _input(case)
    m = warp.compose(warp.translation(*case["shift"]),
                     warp.rotation(case["angle"], warp.image_center(x.shape[:2])),
                     warp.scaling(*case["scale"]))
    kw = {"kernel": case["kernel"], "boundary": case["boundary"],
          "fill_value": case["fill"], "axes": (0, 1)}
    expected = warp.warp_affine(x, m, case["out_size"], **kw)
    y = warp.warp_affine(xd, m, case["out_size"], chunks=_chunks(case), **kw)
    assert isinstance(y, da.Array)
    assert y.shape == expected.shape and y.dtype == expected.dtype
    got = y.compute(scheduler="sync")
    assert _same(got, expected), np.argwhere(got != expected)[:5]


@_SETTINGS
@given(_case(), st.integers(1, 3), st.floats(1, 60))
def test_chunked_sample_is_bit_identical(case: dict, q: int, reach: float) -> None:
    x, xd = _input(case)
    rng = np.random.default_rng(case["seed"] + 1)
    pshape = tuple(int(n) for n in rng.integers(1, 12, q))
    pts = rng.uniform(-min(reach, 10), reach, (*pshape, 2))
    if case["kernel"] == "nearest":  # exact ties too
        pts[..., 0] = np.round(pts[..., 0] * 2) / 2
    kw = {"kernel": case["kernel"], "boundary": case["boundary"],
          "fill_value": case["fill"], "axes": (0, 1)}
    expected = warp.sample(x, pts, **kw)
    chunks = None if case["out_chunks"] is None else tuple(
        [4] * q + list(case["out_chunks"][2:]))
    y = warp.sample(xd, pts, chunks=chunks, **kw)
    assert isinstance(y, da.Array)
    got = y.compute(scheduler="sync")
    assert _same(got, expected), np.argwhere(got != expected)[:5]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", KERNELS)
def test_rotation_and_scale_on_other_axes(dtype: str, kernel: str) -> None:
    # sampled axes (1, 2) of (C, H, W): the output keeps C first; axes (2, 0): points first
    x = _data(np.random.default_rng(3), (3, 61, 70), dtype)
    m = warp.compose(warp.rotation(33.0, (35.0, 30.0)), warp.scaling(1.7, 0.6))
    xd = da.from_array(x, chunks=(2, 17, 23))
    for axes in [(1, 2), (2, 0)]:
        expected = warp.warp_affine(x, m, (50, 64), kernel=kernel, axes=axes, fill_value=3)
        y = warp.warp_affine(xd, m, (50, 64), kernel=kernel, axes=axes, fill_value=3)
        assert isinstance(y, da.Array)
        assert _same(y.compute(scheduler="sync"), expected)


def test_default_chunks_and_slabs() -> None:
    # a x0.5 downscale: each block's slab is about two input chunks per axis, never whole
    x = _data(np.random.default_rng(4), (400, 300), "uint8")
    xd = da.from_array(x, chunks=(100, 100))
    m = warp.scaling(0.5, 0.5)
    y = warp.warp_affine(xd, m, (200, 150))
    assert y.chunks == ((100, 100), (100, 50))
    assert _same(y.compute(scheduler="sync"), warp.warp_affine(x, m, (200, 150)))
    # a block's task reads only the chunks its slab overlaps (not the whole input)
    yc = warp.warp_affine(xd.map_blocks(np.copy), m, (200, 150), chunks=(50, 50))
    deps = yc.__dask_graph__().layers[yc.name]
    sizes = {len(t.dependencies) for t in deps.values()}
    assert max(sizes) < 12


def test_errors() -> None:
    x = da.zeros((8, 8), chunks=4)
    with pytest.raises(TypeError, match="chunks"):
        warp.warp_affine(np.zeros((8, 8)), np.eye(3), chunks=4)
    with pytest.raises(TypeError, match="chunks"):
        warp.sample(np.zeros((8, 8)), [[1.0, 1.0]], chunks=4)
    with pytest.raises(TypeError, match="kernel='nearest'"):
        warp.warp_affine(x.astype(np.int64), np.eye(3))
    with pytest.raises(TypeError, match="dtype"):
        warp.warp_affine(x.astype(np.complex64), np.eye(3))
    with pytest.raises(TypeError, match="Dask array: this sampler needs it in memory"):
        warp.resample_region(x, [[1, 2], [5, 6]], (3, 3))


def test_distributed_local_cluster_warp_and_compat() -> None:
    # a warp and a compat call (a library's ordered model) on a 2-worker LocalCluster
    distributed = pytest.importorskip("distributed")
    from pixelgrid.compat import opencv

    rng = np.random.default_rng(9)
    x = _data(rng, (120, 90, 3), "uint8")
    xd = da.from_array(x, chunks=(40, 30, 3))
    m = warp.compose(warp.rotation(20.0, (45.0, 60.0)), warp.scaling(1.3, 0.9))
    w = warp.warp_affine(xd, m, (100, 110), kernel="cubic", chunks=(32, 50, 3))
    stack = _data(rng, (4, 60, 50, 3), "float32")
    c = opencv.resize(da.from_array(stack, chunks=(1, 60, 50, 3))[2], (37, 29),
                      interpolation=opencv.INTER_CUBIC)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got_w, got_c = client.compute([w, c], sync=True)
    assert _same(got_w, warp.warp_affine(x, m, (100, 110), kernel="cubic"))
    assert _same(got_c, opencv.resize(stack[2], (37, 29), interpolation=opencv.INTER_CUBIC))
